"""Link: a weighted connection that owns its weight and its sensitivity.

Forward, a link delivers ``value = weight · source.value``. Backward, it learns
``sensitivity = ∂E/∂weight = target.sensitivity · source.value`` and sends
``blame = weight · target.sensitivity`` back to its source (with the weight as it
was before any update). An update moves the weight against the gradient, by
plain gradient descent or by an optimizer (:mod:`lernpy.optim`), whose numbers
for this weight (velocity, moments, step count) the link keeps in ``state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lernpy import hooks
from lernpy.graph.names import shown
from lernpy.hooks import Shows
from lernpy.numbers import num

if TYPE_CHECKING:
    from lernpy.graph.neuron import Neuron
    from lernpy.graph.shared import SharedWeight
    from lernpy.optim import Optimizer, State
    from lernpy.views.explain import Explanation


class Link(Shows):
    """A connection from ``source`` to ``target``.

    >>> from lernpy.graph.activations import SIGMOID
    >>> from lernpy.graph.neuron import Neuron
    >>> a, b = Neuron("x1", SIGMOID, "input"), Neuron("y1", SIGMOID, "output")
    >>> a.value = 0.3
    >>> Link(a, b, 0.5).deliver()
    0.15
    """

    __slots__ = (
        "source",
        "target",
        "weight",
        "_value",
        "_sensitivity",
        "_blame",
        "gradient",
        "_state",
        "_frozen",
        "label",
        "shared",
    )

    def __init__(self, source: Neuron, target: Neuron, weight: float, label: str | None = None):
        self.source = source
        self.target = target
        self.weight = weight
        self._value = 0.0  # weight · source.value
        self._sensitivity = 0.0  # ∂E/∂weight for the current sample
        self._blame = 0.0  # weight · target.sensitivity, sent back to the source
        self.gradient = 0.0  # Σ sensitivity over the batch so far
        self._state: State | None = None  # the optimizer's numbers for this weight (None: fresh)
        self._frozen = False
        self.label = label  # a textbook's name for this weight, such as "w5"
        # the shared weight this link uses (None: the link owns its weight); see shared.py
        self.shared: SharedWeight | None = None

    @property
    def name(self) -> str:
        return f"{self.source.name}→{self.target.name}"

    # The last sample's value, sensitivity and blame, and the optimizer's state. A
    # fast engine that has trained the network may leave them to be written when they
    # are first looked at (see Network.settle): reading or setting one settles the
    # whole network first.

    @property
    def value(self) -> float:
        """weight · source.value, as last delivered."""
        self._settle()
        return self._value

    @value.setter
    def value(self, value: float) -> None:
        self._settle()
        self._value = value

    @property
    def sensitivity(self) -> float:
        """∂E/∂weight for the last sample."""
        self._settle()
        return self._sensitivity

    @sensitivity.setter
    def sensitivity(self, value: float) -> None:
        self._settle()
        self._sensitivity = value

    @property
    def blame(self) -> float:
        """weight · target.sensitivity, sent back to the source."""
        self._settle()
        return self._blame

    @blame.setter
    def blame(self, value: float) -> None:
        self._settle()
        self._blame = value

    @property
    def state(self) -> State | None:
        """The optimizer's numbers for this weight (None: fresh)."""
        self._settle()
        return self._state

    @state.setter
    def state(self, value: State | None) -> None:
        self._settle()
        self._state = value

    @property
    def frozen(self) -> bool:
        """A frozen link computes its numbers but is never updated."""
        return self._frozen

    @frozen.setter
    def frozen(self, frozen: bool) -> None:
        self._frozen = frozen
        net = self.target.network
        if net is not None:
            net.settings += 1  # what the engines and the fast lane compile changes with it

    def _settle(self) -> None:
        net = self.target.network
        if net is not None and net.pending is not None:
            net.settle()

    def deliver(self) -> float:
        """Set and return ``value = weight · source.value``."""
        self._settle()
        self._value = self.weight * self.source.value
        return self._value

    def learn(self) -> float:
        """Set sensitivity (∂E/∂w) and blame from the target's sensitivity; return ∂E/∂w.

        Frozen links learn too (their numbers are worth showing) but gather
        no gradient, so they are never updated.
        """
        self._settle()
        # chain rule: ∂E/∂w = ∂E/∂net(target) · ∂net/∂w = target.sensitivity · source.value
        self._sensitivity = self.target.sensitivity * self.source.value
        self._blame = self.weight * self.target.sensitivity
        if not self._frozen:
            self.gradient += self._sensitivity
        return self._sensitivity

    def blame_for(self, weight: float) -> float:
        """The blame :meth:`learn` sends back when the weight is ``weight`` (for the views)."""
        return weight * self.target.sensitivity

    @property
    def velocity(self) -> float:
        """The momentum state: SGD's velocity b, or the last change Δw in the textbook form."""
        state = self.state
        return state.velocity if state is not None else 0.0

    def update(
        self,
        rate: float,
        divisor: float = 1.0,
        optimizer: Optimizer | None = None,
        norm: float | None = None,
        reset: bool = True,
    ) -> float:
        """Move the weight with the batch's gradient ∂E/∂w = gradient / divisor; return it.

        Without an optimizer this is exactly ``w − rate · ∂E/∂w``; with one, its
        update from this link's state (``norm``: the global gradient norm, for
        clipping). The gradient is then reset for the next batch (``reset=False``
        is the classic mistake of forgetting to).
        """
        self._settle()
        gradient = self.gradient / divisor
        if optimizer is None:
            self.weight = self.weight - rate * gradient
        else:
            state = self._state
            self.weight, self._state = optimizer.apply(state, gradient, self.weight, rate, norm)
        if reset:
            self.gradient = 0.0
        return self.weight

    def __repr__(self) -> str:
        """One line of at most 80 columns (the optimizer's state goes first if it must)."""
        label = f" ({shown(self.label)})" if self.label else ""
        shared = f", shares {shown(self.shared.name)}" if self.shared is not None else ""
        frozen = ", frozen" if self.frozen else ""

        def line(p: int, with_state: bool) -> str:
            state = ""
            if with_state and self.state is not None and not self.state.fresh:
                numbers = ", ".join(f"{k}={num(v, p)}" for k, v in self.state.numbers().items())
                state = f", {self.state.kind} {numbers}" if numbers else ""
            return (
                f"{type(self).__name__}({self.name!r}{label}, weight={num(self.weight, p)}, "
                f"sensitivity={num(self.sensitivity, p)}{state}{shared}{frozen})"
            )

        for p, with_state in ((9, True), (6, True), (9, False), (6, False)):
            if len(line(p, with_state)) <= 80:
                return line(p, with_state)
        return line(4, False)

    def explain(self, format: str | None = None) -> Explanation | str:
        """∂E/∂w by the chain rule, every factor named and substituted, then the update.

        ``format`` ("text", "markdown" or "latex") gives it as that text, for notes and slides.
        """
        return hooks.explain(self, format)

    def __rich_repr__(self):
        yield self.name
        yield "weight", self.weight
        yield "value", self.value
        yield "sensitivity", self.sensitivity
        yield "blame", self.blame
        yield "state", self.state, None
        yield "frozen", self.frozen, False


class PoolLink(Link):
    """A link into a max-pooling neuron: only the winner takes blame back.

    The neuron's net is the largest value its links deliver (the first of equals,
    as PyTorch's max pooling picks it); ∂net/∂value is 1 for the link that
    delivered it and 0 for the others. So the winner learns and sends blame as
    any link does, and every other link learns 0 and sends no blame: max pooling
    routes the sensitivity to the winner only.
    """

    __slots__ = ()

    def learn(self) -> float:
        if self.target.winner is self:
            return Link.learn(self)
        # not the max: this link's value did not reach the neuron's net
        self.sensitivity = 0.0
        self.blame = 0.0
        if not self.frozen:
            self.gradient += 0.0
        return 0.0

    def blame_for(self, weight: float) -> float:
        return weight * self.target.sensitivity if self.target.winner is self else 0.0


class DetachedLink(Link):
    """A link the backward pass does not cross: it learns its ∂E/∂w but sends no blame.

    Truncated backpropagation through time cuts the graph so: the forward pass
    uses the link as any other, the weight learns from it (its source value is
    a constant to the backward pass), and the blame stops here. PyTorch writes
    the same cut as ``h = h.detach()``.
    """

    __slots__ = ()

    def learn(self) -> float:
        self.sensitivity = self.target.sensitivity * self.source.value
        self.blame = 0.0  # truncated: no blame goes back along this link
        if not self.frozen:
            self.gradient += self.sensitivity
        return self.sensitivity

    def blame_for(self, weight: float) -> float:
        return 0.0
