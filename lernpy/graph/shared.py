"""SharedWeight: one weight used by several links (a kernel entry, a recurrent weight).

Each link that uses the weight still owns its numbers: its value, its own
∂E/∂w (its *contribution*) and its blame. The shared weight's gradient is the
sum of its links' contributions, and one update moves every one of its links,
once, with the optimizer's state (velocity, moments, step count) that belongs
to the shared weight. Its links hold equal copies of the weight, that state
and the frozen flag, because the hot loops read ``Link.weight`` directly; the
shared weight is what changes them, all at once.

>>> from lernpy import Network
>>> net = Network.layered(1, 2, 1, bias=False, activation="identity", seed=0)
>>> k = net.tie("k", ["x1→h1", "x1→h2"], weight=0.5)
>>> k
SharedWeight('k', 2 links, weight=0.5)
>>> net["x1→h2"].weight
0.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lernpy import hooks
from lernpy.hooks import Shows

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.optim import Optimizer, State
    from lernpy.views.explain import Explanation


class SharedWeight(Shows):
    """A named weight shared by ``links`` (in network order); made by ``Network.tie``."""

    __slots__ = ("name", "links")
    label = None  # a link may carry a textbook label; a shared weight is its own name

    def __init__(self, name: str, links: list[Link]) -> None:
        self.name = name
        self.links = links

    # -- the numbers its links hold, equal in every link ---------------------------

    @property
    def weight(self) -> float:
        return self.links[0].weight

    @weight.setter
    def weight(self, value: float) -> None:
        for link in self.links:
            link.weight = value

    @property
    def state(self) -> State | None:
        """The optimizer's numbers for this weight (None: fresh), the same in every link."""
        return self.links[0].state

    @state.setter
    def state(self, value: State | None) -> None:
        for link in self.links:
            link.state = value

    @property
    def velocity(self) -> float:
        """The momentum state: SGD's velocity b, or the last change Δw in the textbook form."""
        return self.links[0].velocity

    @property
    def frozen(self) -> bool:
        return self.links[0].frozen

    @frozen.setter
    def frozen(self, value: bool) -> None:
        for link in self.links:
            link.frozen = value

    # -- the sum --------------------------------------------------------------------

    @property
    def sensitivity(self) -> float:
        """∂E/∂weight for the current sample: Σ of the links' contributions, in link order."""
        links = self.links
        total = links[0].sensitivity
        for link in links[1:]:
            total += link.sensitivity
        return total

    @property
    def gradient(self) -> float:
        """Σ of the links' gradients gathered over the batch so far, in link order."""
        links = self.links
        total = links[0].gradient
        for link in links[1:]:
            total += link.gradient
        return total

    def contributions(self) -> list[tuple[Link, float]]:
        """Each link with its own ∂E/∂w for the current sample (the terms of the sum)."""
        return [(link, link.sensitivity) for link in self.links]

    def update(
        self,
        rate: float,
        divisor: float = 1.0,
        optimizer: Optimizer | None = None,
        norm: float | None = None,
        reset: bool = True,
    ) -> float:
        """Move every link's weight once, with ∂E/∂w = Σ of the links' gradients / divisor.

        The same arithmetic as :meth:`Link.update` (plain ``w − rate · ∂E/∂w``,
        or the optimizer's update from this shared weight's state), on the
        summed gradient; the links' gradients are then reset for the next batch.
        Returns the new weight.
        """
        gradient = self.gradient / divisor
        state = self.state
        if optimizer is None:
            new = self.weight - rate * gradient
        else:
            new, state = optimizer.apply(state, gradient, self.weight, rate, norm)
        for link in self.links:
            link.weight = new
            link.state = state
            if reset:
                link.gradient = 0.0
        return new

    # -- showing ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.links)

    def __repr__(self) -> str:
        frozen = ", frozen" if self.frozen else ""
        count = f"{len(self.links)} link" + ("s" if len(self.links) != 1 else "")
        return f"SharedWeight({self.name!r}, {count}, weight={self.weight!r}{frozen})"

    def explain(self, format: str | None = None) -> Explanation | str:
        """∂E/∂weight as the sum over its links, every term with its numbers, then the update.

        ``format`` ("text", "markdown" or "latex") gives it as that text, for notes and slides.
        """
        return hooks.explain(self, format)

    def __rich_repr__(self):
        yield self.name
        yield "links", len(self.links)
        yield "weight", self.weight
        yield "sensitivity", self.sensitivity
        yield "frozen", self.frozen, False
