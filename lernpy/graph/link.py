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
        "value",
        "sensitivity",
        "blame",
        "gradient",
        "state",
        "frozen",
        "label",
    )

    def __init__(self, source: Neuron, target: Neuron, weight: float, label: str | None = None):
        self.source = source
        self.target = target
        self.weight = weight
        self.value = 0.0  # weight · source.value
        self.sensitivity = 0.0  # ∂E/∂weight for the current sample
        self.blame = 0.0  # weight · target.sensitivity, sent back to the source
        self.gradient = 0.0  # Σ sensitivity over the batch so far
        self.state: State | None = None  # the optimizer's numbers for this weight (None: fresh)
        self.frozen = False
        self.label = label  # a textbook's name for this weight, such as "w5"

    @property
    def name(self) -> str:
        return f"{self.source.name}→{self.target.name}"

    def deliver(self) -> float:
        """Set and return ``value = weight · source.value``."""
        self.value = self.weight * self.source.value
        return self.value

    def learn(self) -> float:
        """Set sensitivity (∂E/∂w) and blame from the target's sensitivity; return ∂E/∂w.

        Frozen links learn too (their numbers are worth showing) but gather
        no gradient, so they are never updated.
        """
        # chain rule: ∂E/∂w = ∂E/∂net(target) · ∂net/∂w = target.sensitivity · source.value
        self.sensitivity = self.target.sensitivity * self.source.value
        self.blame = self.weight * self.target.sensitivity
        if not self.frozen:
            self.gradient += self.sensitivity
        return self.sensitivity

    @property
    def velocity(self) -> float:
        """The momentum state: SGD's velocity b, or the last change Δw in the textbook form."""
        return self.state.velocity if self.state is not None else 0.0

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
        gradient = self.gradient / divisor
        if optimizer is None:
            self.weight = self.weight - rate * gradient
        else:
            self.weight, self.state = optimizer.apply(self.state, gradient, self.weight, rate, norm)
        if reset:
            self.gradient = 0.0
        return self.weight

    def __repr__(self) -> str:
        """One line of at most 80 columns (the optimizer's state goes first if it must)."""
        label = f" ({shown(self.label)})" if self.label else ""
        frozen = ", frozen" if self.frozen else ""

        def line(p: int, with_state: bool) -> str:
            state = ""
            if with_state and self.state is not None and not self.state.fresh:
                numbers = ", ".join(f"{k}={num(v, p)}" for k, v in self.state.numbers().items())
                state = f", {self.state.kind} {numbers}" if numbers else ""
            return (
                f"Link({self.name!r}{label}, weight={num(self.weight, p)}, "
                f"sensitivity={num(self.sensitivity, p)}{state}{frozen})"
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
