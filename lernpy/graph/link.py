"""Link: a weighted connection that owns its weight and its sensitivity.

Forward, a link delivers ``value = weight · source.value``. Backward, it learns
``sensitivity = ∂E/∂weight = target.sensitivity · source.value`` and sends
``blame = weight · target.sensitivity`` back to its source (with the weight as it
was before any update). An update moves the weight against the gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lernpy import hooks
from lernpy.graph.names import shown
from lernpy.hooks import Shows

if TYPE_CHECKING:
    from lernpy.graph.neuron import Neuron
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
        "velocity",
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
        self.velocity = 0.0  # the last weight change (momentum state)
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

    def update(self, rate: float, momentum: float = 0.0, divisor: float = 1.0) -> float:
        """Move the weight: Δw = momentum · Δw_prev − rate · gradient / divisor; return it.

        With momentum 0 this is exactly ``w − rate · ∂E/∂w``. The gradient is
        reset for the next batch.
        """
        gradient = self.gradient / divisor
        step = momentum * self.velocity - rate * gradient
        self.weight = self.weight + step
        self.velocity = step
        self.gradient = 0.0
        return self.weight

    def __repr__(self) -> str:
        label = f" ({shown(self.label)})" if self.label else ""
        frozen = ", frozen" if self.frozen else ""
        return (
            f"Link({self.name!r}{label}, weight={self.weight!r}, "
            f"sensitivity={self.sensitivity!r}{frozen})"
        )

    def explain(self) -> Explanation:
        """∂E/∂w by the chain rule, every factor named and substituted, then the update."""
        return hooks.explain(self)

    def __rich_repr__(self):
        yield self.name
        yield "weight", self.weight
        yield "value", self.value
        yield "sensitivity", self.sensitivity
        yield "blame", self.blame
        yield "frozen", self.frozen, False
