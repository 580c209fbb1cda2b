"""A network's numbers at one moment, labelled, and what changed between two moments.

``net.state()`` reads every number a neuron or link holds, by name; ``diff(a, b)``
names each number that differs, with its value before and after, so a learner can
ask what one step, one sample or one epoch changed.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> before = net.state()
>>> _ = run.step("neuron")  # the sample is presented, h1's links deliver, h1 fires
>>> before["h1"].value, round(net.state()["h1"].value, 9)
(0.0, 0.593269992)
>>> [(c.name, c.field) for c in diff(before, net.state())][:4]
[('i1', 'value'), ('i2', 'value'), ('h1', 'net'), ('h1', 'value')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from lernpy.errors import BadValueError
from lernpy.hooks import Exports, Shows
from lernpy.numbers import num

if TYPE_CHECKING:
    from lernpy.graph.network import Network


class NeuronState(NamedTuple):
    """A neuron's numbers: net, value, error (∂E/∂value), sensitivity (∂E/∂net), target;
    and for a max pool the link whose value won (its name)."""

    net: float
    value: float
    error: float
    sensitivity: float
    target: float | None
    winner: str | None = None


class LinkState(NamedTuple):
    """A link's numbers: weight, value, sensitivity (∂E/∂w), blame, batch gradient, and its
    optimizer state (velocity, moments, step count; None before any update)."""

    weight: float
    value: float
    sensitivity: float
    blame: float
    gradient: float
    state: object
    frozen: bool


class State(dict, Exports, Shows):
    """Every number of a network by neuron and link name (``"(rng)"``: its generator's state;
    ``"(shared)"``: its shared weights and their links, when it has any).

    A dict of :class:`NeuronState` and :class:`LinkState` records: compare two with
    ``==``, or with :func:`diff` to see what changed. A link's name is found under either
    spelling (``h1→o1``, ``h1->o1``), as in ``net.weights()``.
    """

    __slots__ = ()

    def __missing__(self, key: object) -> object:
        from lernpy.graph.network import LinkDict  # the same lookup, a sibling module

        return LinkDict.__missing__(self, key)  # type: ignore[arg-type]

    def __contains__(self, key: object) -> bool:
        from lernpy.graph.network import LinkDict

        return LinkDict.__contains__(self, key)  # type: ignore[arg-type]

    def get(self, key: object, default: object = None) -> object:
        return self[key] if key in self else default

    def __repr__(self) -> str:
        neurons = sum(isinstance(v, NeuronState) for v in self.values())
        links = sum(isinstance(v, LinkState) for v in self.values())
        return f"State({neurons} neurons, {links} links: diff(a, b) compares two)"


def read_state(net: Network) -> State:
    """What :meth:`Network.state` returns."""
    state = State()
    for n in sorted(net.neurons, key=lambda n: n.index):
        winner = n.winner.name if n.winner is not None else None
        state[n.name] = NeuronState(n.net, n.value, n.error, n.sensitivity, n.target, winner)
    for link in net.links:
        state[link.name] = LinkState(
            link.weight,
            link.value,
            link.sensitivity,
            link.blame,
            link.gradient,
            link.state,
            link.frozen,
        )
    if net.shared_weights:
        state["(shared)"] = tuple(
            (s.name, tuple(link.name for link in s.links)) for s in net.shared_weights
        )
    state["(rng)"] = (net.rng.getstate(),)
    return state


@dataclass(frozen=True)
class Change:
    """One number that changed: which neuron or link, which field, before and after."""

    name: str
    kind: str  # "neuron" or "link"
    field: str
    before: float | bool | None
    after: float | bool | None

    @property
    def change(self) -> float | None:
        """after − before, for numbers."""
        if isinstance(self.before, (int, float)) and isinstance(self.after, (int, float)):
            return float(self.after) - float(self.before)
        return None

    def __repr__(self) -> str:
        def show(x: object) -> str:
            return num(x) if isinstance(x, float) else repr(x)

        return f"Change({self.name} {self.field}: {show(self.before)} → {show(self.after)})"


class Changes(list, Exports, Shows):
    """What :func:`diff` found: one :class:`Change` per number that differs."""

    __slots__ = ()

    def __repr__(self) -> str:
        neurons = len({c.name for c in self if c.kind == "neuron"})
        links = len({c.name for c in self if c.kind == "link"})
        if not self:
            return "Changes(nothing changed)"
        head = f"Changes({len(self)} numbers: {neurons} neurons, {links} links"
        names = list(dict.fromkeys(c.name for c in self))
        for shown in range(len(names), 0, -1):  # as many names as fit in 80 columns
            more = ", …" if shown < len(names) else ""
            line = f"{head}: {', '.join(names[:shown])}{more})"
            if len(line) <= 80:
                return line
        return head + ")"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def diff(a: State | Network, b: State | Network) -> Changes:
    """Each number that differs between two states (or two networks), in network order.

    A name in only one of them is reported with None on the other side.
    """
    for side in (a, b):
        if not isinstance(side, State) and not callable(getattr(side, "state", None)):
            raise BadValueError(f"diff() compares states or networks, not {type(side).__name__}")
    a = a if isinstance(a, State) else a.state()  # type: ignore[union-attr]
    b = b if isinstance(b, State) else b.state()  # type: ignore[union-attr]
    found = Changes()
    for name in list(dict.fromkeys([*a, *b])):
        if name in ("(rng)", "(shared)"):
            continue
        old, new = a.get(name), b.get(name)
        record = old if old is not None else new
        kind = "neuron" if isinstance(record, NeuronState) else "link"
        for k, field in enumerate(record._fields):
            x = old[k] if old is not None else None
            y = new[k] if new is not None else None
            if not _same(x, y):
                found.append(Change(name, kind, field, x, y))
    return found


__all__ = ["Change", "Changes", "LinkState", "NeuronState", "State", "diff", "read_state"]
