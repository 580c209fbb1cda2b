"""Neuron: holds its net, value, error and sensitivity.

"Neurons hold data, links move data": a neuron sums what its incoming links
deliver (``net``), applies its activation (``value``), and on the way back
sums the blame its outgoing links send (``error`` = ∂E/∂value) and turns it
into ``sensitivity`` = ∂E/∂net = error · activation′(net).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lernpy import hooks
from lernpy.graph.activations import Activation, softmax
from lernpy.hooks import Shows
from lernpy.numbers import num, one_line

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.graph.network import Network
    from lernpy.views.explain import Explanation

KINDS = ("input", "bias", "hidden", "output")


class Neuron(Shows):
    """One unit of the graph, owning its forward and backward numbers.

    >>> from lernpy.graph.activations import SIGMOID
    >>> n = Neuron("h1", SIGMOID)
    >>> n
    Neuron('h1', sigmoid, net=0, value=0, sensitivity=0)
    """

    __slots__ = (
        "name",
        "activation",
        "kind",
        "layer",
        "net",
        "value",
        "error",
        "sensitivity",
        "target",
        "incoming",
        "outgoing",
        "group",
        "index",
        "network",
        "winner",
    )

    def __init__(self, name: str, activation: Activation, kind: str = "hidden", layer: int = 0):
        self.name = name
        self.activation = activation
        self.kind = kind
        self.layer = layer
        self.net = 0.0
        self.value = 1.0 if kind == "bias" else 0.0
        self.error = 0.0  # ∂E/∂value
        self.sensitivity = 0.0  # ∂E/∂net
        self.target: float | None = None  # outputs only: the current sample's target
        self.incoming: list[Link] = []
        self.outgoing: list[Link] = []
        # The neurons that share a layerwise activation (softmax) with this one.
        self.group: list[Neuron] = [self]
        self.index = 0  # insertion position in the network; set by Network
        self.network: Network | None = None  # the network holding it; set by Network
        self.winner: Link | None = None  # max pooling: the link whose value is the net

    @property
    def is_output(self) -> bool:
        return self.kind == "output"

    @property
    def is_source(self) -> bool:
        """Inputs and bias neurons: their value is given, not computed."""
        return self.kind in ("input", "bias")

    # -- forward -----------------------------------------------------------

    def collect(self) -> float:
        """Σ of the values the incoming links delivered, summed in link order."""
        total = 0.0
        for link in self.incoming:
            total += link.value
        return total

    def fire(self) -> float:
        """Set ``net`` and ``value`` from the delivered link values; return the value."""
        if self.activation.layerwise:
            if self.activation.pool:
                self.net = self.value = self.pick_winner()
                return self.value
            # softmax: every member's net is known once the whole layer has delivered
            self.net = self.collect()
            members = self.group
            values = softmax([m.collect() for m in members])
            self.value = values[members.index(self)]
        else:
            self.net = self.collect()
            self.value = self.activation.f(self.net)
        return self.value

    def pick_winner(self) -> float:
        """Max pooling: the largest delivered value (the first of equals); sets ``winner``."""
        winner = None
        best = 0.0
        for link in self.incoming:
            if winner is None or link.value > best:
                winner, best = link, link.value
        self.winner = winner
        return best

    # -- backward ----------------------------------------------------------

    def gather(self) -> float:
        """Σ of the blame the outgoing links sent back, summed in link order."""
        total = 0.0
        for link in self.outgoing:
            total += link.blame
        return total

    def current_error(self) -> float:
        """∂E/∂value now: from the loss at an output, from the blame elsewhere."""
        return self.error if self.kind == "output" else self.gather()

    def sense(self, fused: bool = False, slope: bool = True) -> float:
        """Set ``error`` and ``sensitivity`` (∂E/∂net); return the sensitivity.

        ``fused``: the loss and this output's activation simplify to the loss's
        own exact ∂E/∂net (value − target for sigmoid with binary cross-entropy,
        value · Σtarget − target for softmax with cross-entropy), which is used.
        ``slope=False`` is the classic mistake of forgetting the activation
        derivative: sensitivity = error.
        """
        self.error = self.current_error()
        if fused:
            self.sensitivity = self.fused_sensitivity()
        elif not slope:
            self.sensitivity = self.error
        elif self.activation.layerwise and not self.activation.pool:
            # softmax Jacobian: s_i = v_i · (e_i − Σ_j e_j · v_j)
            weighted = 0.0
            for m in self.group:
                e = self.error if m is self else m.current_error()
                weighted += e * m.value
            self.sensitivity = self.value * (self.error - weighted)
        else:
            self.sensitivity = self.error * self.activation.slope(self.net, self.value)
        return self.sensitivity

    def fused_sensitivity(self) -> float:
        """∂E/∂net of an output whose activation fuses with the loss, from the loss's formula."""
        loss = self.network.loss_function  # type: ignore[union-attr]
        total = 0.0  # Σ targets over the softmax layer (cross-entropy's formula reads it)
        if self.activation.layerwise:
            for m in self.group:
                total += m.target
        if loss.fused_sensitivity is None:  # a user's loss that names a fused activation
            return self.value - self.target
        count = len(self.network.outputs)  # type: ignore[union-attr]
        return loss.fused_sensitivity(self.value, self.target, total, count)

    # -- showing -----------------------------------------------------------

    def __repr__(self) -> str:
        if self.kind == "bias":
            return f"Neuron({self.name!r}, bias, value=1)"
        if self.kind == "input":
            return f"Neuron({self.name!r}, input, value={num(self.value)})"
        return one_line(
            lambda p: (
                f"Neuron({self.name!r}, {self.activation.name}, net={num(self.net, p)}, "
                f"value={num(self.value, p)}, sensitivity={num(self.sensitivity, p)})"
            )
        )

    def explain(self, format: str | None = None) -> Explanation | str:
        """Its net, value, error and sensitivity by the chain rule, every number substituted.

        ``format`` ("text", "markdown" or "latex") gives it as that text, for notes and slides.
        """
        return hooks.explain(self, format)

    def __rich_repr__(self):
        yield self.name
        yield "kind", self.kind
        yield "activation", self.activation.name
        yield "net", self.net
        yield "value", self.value
        yield "error", self.error
        yield "sensitivity", self.sensitivity
