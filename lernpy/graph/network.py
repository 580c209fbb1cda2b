"""Network: neurons and links in a fixed order, wired one at a time (builders.py wires many).

>>> net = Network.layered(2, 2, 1, activation="sigmoid", seed=1)
>>> [n.name for n in net.neurons]
['x1', 'x2', 'b1', 'h1', 'h2', 'b2', 'y1']
>>> [link.name for link in net.links][:3]
['x1→h1', 'x2→h1', 'b1→h1']
>>> len(net([0.0, 1.0]))
1
"""

from __future__ import annotations

import copy
import math
import numbers
import operator
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lernpy import hooks
from lernpy.errors import (
    BadValueError,
    LernpyError,
    NumericError,
    ShapeError,
    TopologyError,
    UnknownNameError,
)
from lernpy.graph.activations import Activation
from lernpy.graph.activations import activation as get_activation
from lernpy.graph.builders import layered
from lernpy.graph.conv import convolutional
from lernpy.graph.link import DetachedLink, Link, PoolLink
from lernpy.graph.losses import Loss, exact_loss
from lernpy.graph.losses import loss as get_loss
from lernpy.graph.names import check_name, link_name, normal, shown
from lernpy.graph.neuron import KINDS, Neuron
from lernpy.graph.recurrent import recurrent
from lernpy.graph.samples import check_inputs, check_targets, number
from lernpy.graph.shared import SharedWeight
from lernpy.graph.state import State, read_state
from lernpy.hooks import Shows

if TYPE_CHECKING:
    from lernpy.pictures.lesson import Lesson
    from lernpy.training.loop import History
    from lernpy.views.tables import Grid
    from lernpy.walk.gradcheck import GradCheck
    from lernpy.walk.scheduler import Scheduler
    from lernpy.walk.trace import Trace

INITS = ("xavier", "he", "uniform")
MAX_SEED = 2**256  # a seed is a whole number from -MAX_SEED to MAX_SEED
MAX_LAYER = 1_000_000  # a layer number is a whole number from 0 to MAX_LAYER

# The canonical spelling of a link name (kept under its old name for its users).
link_key = link_name


def whole(value: object, what: str, low: int, high: int, error: type[LernpyError]) -> int:
    """``value`` as a plain int from ``low`` to ``high`` (numpy integers too, never a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise error(f"{what} is {shown(repr(value))[:80]}: expected a whole number")
    value = operator.index(value)
    if not low <= value <= high:
        shown_value = value if abs(value) < 10**15 else f"about 10**{len(str(abs(value))) - 1}"
        raise error(f"{what} is {shown_value}: expected a whole number from {low} to {high}")
    return value


def check_seed(seed: object) -> int:
    """A network's seed: a whole number (a file holds it as one)."""
    return whole(seed, "seed", -MAX_SEED, MAX_SEED, BadValueError)


def check_scale(scale: object) -> float:
    """The range ±scale of ``init="uniform"``: a finite number ≥ 0."""
    value = number(scale, "scale")
    if value < 0.0:
        raise BadValueError(f"scale is {value}: expected a number ≥ 0")
    return value


def check_layer(layer: object, name: str) -> int:
    """A neuron's layer number: a whole number from 0 to :data:`MAX_LAYER`."""
    return whole(layer, f"neuron {name!r}: layer", 0, MAX_LAYER, TopologyError)


class LinkDict(dict):
    """A dict keyed by link names that finds a key under either spelling (``a→b``, ``a->b``).

    >>> d = LinkDict({"h1→y1": 0.5})
    >>> d["h1->y1"], "h1 -> y1" in d, d.get("x1->y1")
    (0.5, True, None)
    """

    def __missing__(self, key: object) -> object:
        if isinstance(key, str):
            canonical = link_key(key)
            if canonical != key and dict.__contains__(self, canonical):
                return dict.__getitem__(self, canonical)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        return isinstance(key, str) and dict.__contains__(self, link_key(key))

    def get(self, key: object, default: object = None) -> object:
        return self[key] if key in self else default


class Network(Shows):
    """Neurons in a fixed topological order and links in a fixed order.

    Build one with :meth:`layered`, or neuron by neuron with :meth:`add_neuron`
    and :meth:`add_link`. ``seed`` fixes everything the network draws (initial
    weights, shuffling): it owns a ``random.Random(seed)`` and never touches the
    global one. Names follow the rules of :mod:`lernpy.graph.names`.
    """

    def __init__(
        self, loss: str | Loss = "half_sse", seed: int = 0, init: str = "xavier", scale: float = 0.5
    ):
        self.loss_function: Loss = get_loss(loss)
        if not isinstance(init, str) or init not in INITS:
            raise UnknownNameError(
                f"unknown init {shown(repr(init))}: expected one of {', '.join(INITS)}"
            )
        self.seed = check_seed(seed)
        self.init = init
        self.scale = check_scale(scale)  # the range ±scale of init="uniform"
        self.rng = random.Random(self.seed)
        self.links: list[Link] = []
        self.given: set[Link] = set()  # links whose weight was set by hand, not drawn
        self.trace: Trace | None = None
        self.version = 0  # bumped on every change of topology (engines cache by it)
        self.settings = 0  # bumped when a link is frozen or unfrozen (so are they)
        self.stepped = 0  # bumped by every step a scheduler takes or undoes
        # what the walk and the engines build once for this network (its plan, lanes,
        # an engine's session), by name (what graph/readers.py writes: by group and attribute);
        # never copied, never saved
        self.cache: dict[str | tuple, object] = {}
        self._names: dict[str, Neuron] = {}  # in the order the neurons were added
        self._labels: dict[str, Link] = {}
        self._order: list[Neuron] | None = []  # topological order; None until asked again
        self._shared: dict[str, SharedWeight] = {}  # by name, in the order they were tied
        self._depth: dict[Neuron, int] = {}
        self._top = 0  # the largest layer number of a non-bias neuron
        self._groups: dict[int, list[Neuron]] = {}  # softmax neurons by layer
        self._deferred = False  # layered() wires many links without the per-link scans
        self._kinds: dict[str, list[Neuron]] = {k: [] for k in KINDS}

    # A fast engine writes weights, velocities and the neurons' numbers back at once,
    # and may leave the links' last-sample numbers (value, sensitivity, blame) to be
    # written the first time anything reads or changes one: ``pending`` does that.
    pending: Callable[[], None] | None = None

    def settle(self) -> None:
        """Write the numbers a fast engine left pending into the links (see ``pending``)."""
        write, self.pending = self.pending, None
        if write is not None:
            write()

    def __getstate__(self) -> dict:
        """The network as copy.deepcopy copies it: every number settled, no engine's state."""
        self.settle()
        state = dict(self.__dict__)
        state.pop("pending", None)
        state["cache"] = {}
        return state

    # -- building ------------------------------------------------------------

    def add_neuron(
        self,
        name: str,
        activation: str | Activation = "sigmoid",
        kind: str = "hidden",
        layer: int | None = None,
    ) -> Neuron:
        """Add a neuron: ``kind`` is input, bias, hidden or output.

        ``name`` follows the rules of :mod:`lernpy.graph.names` (it is kept in NFC).

        >>> net = Network()
        >>> net.add_neuron("x1", kind="input")
        Neuron('x1', input, value=0)
        """
        name = check_name(name, "neuron name")
        act = get_activation(activation)
        if not isinstance(kind, str) or kind not in KINDS:
            raise UnknownNameError(
                f"neuron {name!r}: unknown kind {shown(repr(kind))}: "
                "expected input, bias, hidden or output"
            )
        if name in self._names:
            raise TopologyError(f"a neuron named {name!r} exists already: names must be unique")
        if name in self._labels or name in self._shared:
            raise TopologyError(
                f"neuron name {name!r} is in use as a link label or shared weight: "
                "a name looks up one thing"
            )
        if layer is None:
            layer = 0 if kind in ("input", "bias") else 1 + self._top
        layer = check_layer(layer, name)
        neuron = Neuron(name, act, kind, layer)
        neuron.index = len(self._names)
        neuron.network = self
        # every check is done: from here on nothing can fail
        if act.layerwise and not act.pool:
            # softmax couples the neurons of one layer that share it (one list, shared;
            # a pool couples none)
            group = self._groups.setdefault(layer, [])
            group.append(neuron)
            neuron.group, neuron.rank = group, len(group) - 1  # its place in the layer
        self._names[name] = neuron
        self._kinds[kind].append(neuron)
        if kind != "bias":
            self._top = max(self._top, layer)
        self._changed()
        return neuron

    def add_link(
        self,
        source: str | Neuron,
        target: str | Neuron,
        weight: float | None = None,
        label: str | None = None,
        detached: bool = False,
    ) -> Link:
        """Add one link (a skip connection, any DAG). ``weight=None`` draws one.

        A link into a max-pooling neuron is a :class:`~lernpy.graph.link.PoolLink`
        (only the winner takes blame back). ``detached=True`` makes a
        :class:`~lernpy.graph.link.DetachedLink`, which the backward pass does not
        cross (truncated backpropagation through time).

        A link into an input or bias neuron, out of an output neuron, a
        duplicate or a cycle is a ``TopologyError``, and nothing changes.
        """
        src, dst = self.neuron(source), self.neuron(target)
        name = f"{src.name}→{dst.name}"
        if dst.is_source:
            raise TopologyError(
                f"link {name}: {dst.name} is {dst.kind} neuron; nothing links into it"
            )
        if src.is_output:
            raise TopologyError(
                f"link {name}: {src.name} is an output neuron; outputs have no outgoing links"
            )
        # layered() wires each pair once, layer by layer: its bulk build (deferred)
        # can neither duplicate a link nor close a cycle, so it skips those two scans
        if not self._deferred and self._linked(src, dst):
            raise TopologyError(f"link {name} exists already")
        if label is not None:
            label = self._check_label(label, name)
        if not isinstance(detached, bool):
            raise TopologyError(f"link {name}: detached is {detached!r}: expected True or False")
        pooled = dst.activation.pool == "max"
        if detached and pooled:
            raise TopologyError(
                f"link {name}: a link into the max-pooling neuron {dst.name} cannot be detached"
            )
        if weight is not None and not (type(weight) is float and math.isfinite(weight)):
            weight = number(weight, f"weight of link {name}")
        if not self._deferred and self._reaches(dst, src):
            raise TopologyError(
                f"link {name} would close a cycle: {dst.name} already leads to {src.name}"
            )
        if weight is None:
            fan_in = sum(1 for link in dst.incoming if not link.source.kind == "bias") + 1
            weight = self.draw(fan_in, max(1, len(src.outgoing) + 1))
        kind = PoolLink if pooled else DetachedLink if detached else Link
        link = kind(src, dst, weight, label)
        src.outgoing.append(link)
        dst.incoming.append(link)
        self.links.append(link)
        if label is not None:
            self._labels[label] = link
        self._changed()
        return link

    def _linked(self, src: Neuron, dst: Neuron) -> bool:
        """Is there a link src→dst? (Scans the shorter of the two lists.)"""
        if len(src.outgoing) < len(dst.incoming):
            return any(link.target is dst for link in src.outgoing)
        return any(link.source is src for link in dst.incoming)

    def _check_label(self, label: object, link: str, current: Link | None = None) -> str:
        """A label for ``link``: a name (see lernpy.graph.names) no neuron or other link uses."""
        label = check_name(label, "label", f" for link {link}")
        if label in self._names or label in self._shared:
            raise TopologyError(
                f"label {label!r} for link {link} is a neuron's or shared weight's name: "
                "a name looks up one thing"
            )
        if label in self._labels and self._labels[label] is not current:
            raise TopologyError(
                f"label {label!r} for link {link} is in use already "
                f"(link {self._labels[label].name})"
            )
        return label

    def remove_link(self, name: str | Link) -> Link:
        """Remove a link and return it."""
        link = self.link(name)
        link.source.outgoing.remove(link)
        link.target.incoming.remove(link)
        self.links.remove(link)
        self.given.discard(link)
        if link.label is not None:
            del self._labels[link.label]
        shared = link.shared
        if shared is not None:  # the shared weight keeps its other links
            shared.links.remove(link)
            link.shared = None
            if not shared.links:
                del self._shared[shared.name]
        if link.target.winner is link:
            link.target.winner = None
        self._changed()
        return link

    def label(self, name: str | Link, label: str) -> Link:
        """Give a link a textbook label (such as "w5") to look it up by."""
        link = self.link(name)
        label = self._check_label(label, link.name, current=link)
        if link.label is not None:
            del self._labels[link.label]
        link.label = label
        self._labels[label] = link
        return link

    def freeze(self, *names: str | Link | SharedWeight) -> None:
        """Freeze links: they still compute their numbers but are never updated.

        A shared weight's name (or any of its links) freezes the shared weight:
        all its links, as one.
        """
        for link in [link for n in names for link in self._moved_with(n)]:
            link.frozen = True

    def unfreeze(self, *names: str | Link | SharedWeight) -> None:
        """Let frozen links (or shared weights) learn again."""
        for link in [link for n in names for link in self._moved_with(n)]:
            link.frozen = False

    def _moved_with(self, name: str | Link | SharedWeight) -> list[Link]:
        """The links that change with ``name``: a link, or all links of its shared weight."""
        if isinstance(name, SharedWeight) or (isinstance(name, str) and name in self._shared):
            return list(self.shared_weight(name).links)
        link = self.link(name)
        return list(link.shared.links) if link.shared is not None else [link]

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """Set weights by link name, label or shared weight's name; all or nothing.

        A shared weight is set as one: by its name, or by the name of any of its
        links (two different values for one shared weight are an error).

        >>> net = Network.layered(1, 1, seed=0)
        >>> net.set_weights({"x1->y1": 0.5})
        >>> net["x1→y1"].weight
        0.5
        """
        if not isinstance(weights, Mapping):
            raise BadValueError(
                f"weights is {weights!r}: expected a mapping of link names to numbers"
            )
        checked: list[tuple[list[Link], float]] = []
        shared_values: dict[str, tuple[str, float]] = {}
        for name, w in weights.items():
            value = number(w, f"weight for link {name!r}")
            links = self._moved_with(name)
            shared = links[0].shared
            if shared is not None:
                first = shared_values.setdefault(shared.name, (name, value))
                if first[1] != value:
                    raise BadValueError(
                        f"weights for {first[0]!r} and {name!r} differ ({first[1]!r}, {value!r}): "
                        f"both set the shared weight {shared.name}"
                    )
            checked.append((links, value))
        for links, w in checked:
            for link in links:
                link.weight = w
            self.given.update(links)

    # -- shared weights ---------------------------------------------------------

    def tie(
        self, name: str, links: Iterable[str | Link], weight: float | None = None
    ) -> SharedWeight:
        """Make ``links`` share one weight called ``name``; return the :class:`SharedWeight`.

        The weight is ``weight``, or else the first link's (in network order);
        every link takes it, and the first link's optimizer state. Tying to an existing
        name adds the links to that shared weight. The links must agree on being
        frozen; a link that shares another weight is an error, and a failed call
        changes nothing.

        >>> net = Network.layered(2, 1, bias=False, seed=0)
        >>> net.tie("w", ["x1→y1", "x2→y1"], weight=0.25)
        SharedWeight('w', 2 links, weight=0.25)
        >>> [link.weight for link in net.links]
        [0.25, 0.25]
        """
        name = check_name(name, "shared weight name")
        if name in self._names or name in self._labels:
            raise TopologyError(f"shared weight name {name!r} is in use by a neuron or a label")
        if isinstance(links, (str, Link, bytes, dict)) or not isinstance(links, Iterable):
            raise TopologyError(f"tie({name!r}, …): expected a list of links, got {links!r}")
        try:
            links = list(links)
        except TypeError:  # a 0-d numpy array says it is iterable
            raise TopologyError(f"tie({name!r}, …): expected a list of links") from None
        chosen = [self.link(n) for n in links]
        existing = self._shared.get(name)
        if not chosen and existing is None:
            raise TopologyError(f"tie({name!r}, []): expected at least one link")
        if len(set(chosen)) != len(chosen):
            raise TopologyError(f"tie({name!r}, …): a link is named twice")
        for link in chosen:
            if link.shared is not None:
                raise TopologyError(
                    f"link {link.name} shares the weight {link.shared.name} already: untie it first"
                )
        members = (existing.links if existing is not None else []) + chosen
        if len({link.frozen for link in members}) > 1:
            frozen = ", ".join(link.name for link in members if link.frozen)
            raise TopologyError(
                f"tie({name!r}, …): some links are frozen ({frozen}) and some are not: "
                "a shared weight is frozen or not as one"
            )
        if weight is not None:
            weight = number(weight, f"weight of the shared weight {name!r}")
        position = {link: i for i, link in enumerate(self.links)}
        first = existing.links[0] if existing is not None else min(chosen, key=position.get)
        w = first.weight if weight is None else weight
        state = first.state  # the optimizer's numbers belong to the shared weight now
        members.sort(key=position.get)
        shared = existing if existing is not None else SharedWeight(name, members)
        shared.links = members
        for link in members:
            link.shared = shared
            link.weight = w
            link.state = state
        self._shared[name] = shared
        self.version += 1  # the plan changes: one update for all of them
        return shared

    def untie(self, name: str | SharedWeight) -> list[Link]:
        """Give each link of the shared weight ``name`` its own weight again; return the links.

        Each keeps the weight and optimizer state it has (the shared ones), so untying
        changes no number: only later updates differ.
        """
        shared = self.shared_weight(name)
        for link in shared.links:
            link.shared = None
        del self._shared[shared.name]
        self.version += 1
        return list(shared.links)

    def shared_weight(self, name: str | SharedWeight) -> SharedWeight:
        """The shared weight called ``name``."""
        if isinstance(name, SharedWeight):
            if self._shared.get(name.name) is not name:
                raise UnknownNameError(f"shared weight {name.name!r} is not in this network")
            return name
        if isinstance(name, str) and normal(name) in self._shared:
            return self._shared[normal(name)]
        known = ", ".join(list(self._shared)[:8]) or "none (net.tie makes one)"
        raise UnknownNameError(
            f"no shared weight named {shown(repr(name))[:80]}: the network has {known}"
        )

    @property
    def shared_weights(self) -> list[SharedWeight]:
        """The shared weights, in the order they were tied."""
        return list(self._shared.values())

    def parameters(self) -> list[Link | SharedWeight]:
        """What an update moves, in link order: each untied link, and each shared weight once
        (where its first link is)."""
        found: list[Link | SharedWeight] = []
        for link in self.links:
            shared = link.shared
            if shared is None:
                found.append(link)
            elif shared.links[0] is link:
                found.append(shared)
        return found

    def set_matrix(self, layer: int, matrix: Sequence[Sequence[float | None]]) -> None:
        """Set the weights into layer ``layer`` from one matrix; all or nothing.

        Orientation, as in ``net = W · [x; 1]``: one row per target neuron of
        ``layer``, one column per source (see :meth:`sources`: the neurons of
        layer ``layer − 1``, then any other neuron a link into the layer comes
        from, then the bias neurons feeding it). A cell where there is no link
        must be None (as :meth:`matrix` gives it).

        >>> net = Network.layered(2, 2, 1, seed=0)
        >>> _ = net.remove_link("x2→h1")
        >>> net.set_matrix(1, [[0.1, None, 0.3], [0.4, 0.5, 0.6]])
        >>> net.matrix(1)
        [[0.1, None, 0.3], [0.4, 0.5, 0.6]]
        """
        layer = self._layer_position(layer)
        if not _is_rows(matrix):
            raise ShapeError(f"matrix for layer {layer} is {matrix!r}: expected a list of rows")
        sources = self.sources(layer)
        targets = self.layers[layer]
        if len(matrix) != len(targets):
            raise ShapeError(
                f"matrix for layer {layer} has {len(matrix)} rows: expected {len(targets)}, "
                f"one per neuron {', '.join(n.name for n in targets)}"
            )
        checked = []
        for row, target in zip(matrix, targets):
            if len(row) != len(sources):
                raise ShapeError(
                    f"matrix row for {target.name} has {len(row)} columns: "
                    f"expected {len(sources)}, "
                    f"one per source {', '.join(n.name for n in sources)}"
                )
            links = {link.source: link for link in target.incoming}
            for w, source in zip(row, sources):
                link = links.get(source)
                name = f"{source.name}→{target.name}"
                if link is None:
                    if w is not None:
                        raise ShapeError(
                            f"matrix for layer {layer}: there is no link {name}, so its cell "
                            f"must be None (got {w!r})"
                        )
                    continue
                if w is None:
                    raise ShapeError(
                        f"matrix for layer {layer}: the cell of link {name} is None: "
                        "expected its weight"
                    )
                checked.append((link, number(w, f"weight for link {name!r}")))
        for link, w in checked:
            link.weight = w

    def matrix(self, layer: int) -> list[list[float | None]]:
        """The weights into ``layer`` in :meth:`set_matrix`'s orientation (None where no link)."""
        layer = self._layer_position(layer)
        sources = self.sources(layer)
        rows = []
        for t in self.layers[layer]:
            weight_from = {link.source: link.weight for link in t.incoming}
            rows.append([weight_from.get(s) for s in sources])
        return rows

    def sources(self, layer: int) -> list[Neuron]:
        """The columns of ``layer``'s matrix: the neurons of layer ``layer − 1``, then the
        other neurons links into the layer come from (skip links), then its bias neurons."""
        layer = self._layer_position(layer)
        previous = list(self.layers[layer - 1])
        feeding = {link.source for n in self.layers[layer] for link in n.incoming}
        others = [n for n in self.neurons if n in feeding and n not in previous]
        return (
            previous
            + [n for n in others if n.kind != "bias"]
            + sorted((n for n in others if n.kind == "bias"), key=lambda n: n.index)
        )

    # A fully connected layered network in one call (see lernpy.graph.builders).
    layered = classmethod(layered)
    # Convolution (lernpy.graph.conv) and an Elman network unrolled in time (graph.recurrent).
    convolutional = classmethod(convolutional)
    recurrent = classmethod(recurrent)

    @contextmanager
    def building(self) -> Iterator[Network]:
        """Wire many neurons and links without the per-link scans (for builders and the loader).

        Inside, :meth:`add_link` skips its duplicate and cycle scans: only wiring
        that can create neither (layer by layer, as the builders do, or links the
        loader has checked) belongs here.
        """
        self._deferred = True
        try:
            yield self
        finally:
            self._deferred = False
            self._changed()

    def draw(self, fan_in: int, fan_out: int) -> float:
        """One initial weight, drawn from the network's own generator."""
        if self.init == "xavier":
            limit = math.sqrt(6.0 / (fan_in + fan_out))
        elif self.init == "he":
            limit = math.sqrt(6.0 / fan_in)
        else:
            limit = self.scale
        return self.rng.uniform(-limit, limit)

    def _layer_position(self, layer: object) -> int:
        """A layer's place in :attr:`layers` (1 for the first after the inputs), checked."""
        count = len(self.layers)
        if (
            isinstance(layer, bool)
            or not isinstance(layer, numbers.Integral)
            or not (1 <= layer < count)
        ):
            raise ShapeError(
                f"layer {shown(repr(layer))[:60]}: expected a whole number 1 to {count - 1}"
            )
        return int(layer)

    def _reaches(self, start: Neuron, goal: Neuron) -> bool:
        """Does a path of links (or softmax coupling) lead from ``start`` to ``goal``?

        Two searches take turns, forward from ``start`` and backward from ``goal``,
        and stop when either runs out: the cost is that of the smaller one, so
        wiring a network link by link stays near-linear in either direction.
        """
        if start is goal:
            return True
        ahead, behind = {start}, {goal}
        forward, backward = [start], [goal]
        while forward and backward:
            for n in _after(forward.pop()):
                if n in behind:
                    return True
                if n not in ahead:
                    ahead.add(n)
                    forward.append(n)
            for n in _before(backward.pop()):
                if n in ahead:
                    return True
                if n not in behind:
                    behind.add(n)
                    backward.append(n)
        return False

    def _changed(self) -> None:
        """The topology changed: the order is worked out again when next asked for."""
        self.version += 1
        self._order = None

    def _ordered(self) -> None:
        """Depths and the topological order, without recursion (a network may be deep)."""
        depth: dict[Neuron, int] = {}
        for start in self._names.values():
            todo: list[tuple[Neuron, bool]] = [(start, False)]
            while todo:
                n, ready = todo.pop()
                if n in depth:
                    continue
                members = n.group if n.activation.layerwise else (n,)
                if not ready:
                    todo.append((n, True))
                    todo.extend(
                        (link.source, False)
                        for m in members
                        for link in m.incoming
                        if link.source not in depth
                    )
                    continue
                d = 0
                if not n.is_source:
                    d = 1 + max(
                        (depth[link.source] for m in members for link in m.incoming), default=-1
                    )
                for m in members:
                    depth[m] = d

        # by depth, then by insertion: a valid topological order, layer by layer
        def place(n: Neuron) -> float:
            # inputs first; a bias neuron just before the first neurons it feeds
            if n.kind == "input":
                return -1.0
            if n.kind == "bias":
                return min((depth[link.target] for link in n.outgoing), default=0) - 0.5
            return float(depth[n])

        self._depth = depth
        self._order = sorted(self._names.values(), key=lambda n: (place(n), n.index))

    @property
    def neurons(self) -> list[Neuron]:
        """Every neuron in topological order (inputs first, each after all it reads)."""
        if self._order is None:
            self._ordered()
        return self._order  # type: ignore[return-value]

    # -- looking up ------------------------------------------------------------

    def neuron(self, name: str | Neuron) -> Neuron:
        """The neuron called ``name`` (either Unicode spelling of it)."""
        if isinstance(name, Neuron):
            if self._names.get(name.name) is not name:
                raise UnknownNameError(f"neuron {name.name!r} is not in this network")
            return name
        found = self._names.get(normal(name)) if isinstance(name, str) else None
        if found is not None:
            return found
        raise UnknownNameError(
            f"no neuron named {shown(repr(name))[:80]}: expected one of {_some(self._names)}"
        )

    def link(self, name: str | Link) -> Link:
        """The link called ``name`` (``"h1→y1"``, ``"h1->y1"``) or labelled so (``"w5"``)."""
        if isinstance(name, Link):
            if self._find(name.name) is not name:
                raise UnknownNameError(f"link {shown(name.name)} is not in this network")
            return name
        if not isinstance(name, str):
            raise UnknownNameError(
                f"link name {shown(repr(name))[:80]}: expected a name such as 'h1→y1'"
            )
        key = link_name(name)
        found = self._find(key) or self._labels.get(key)
        if found is not None:
            return found
        if key in self._shared:
            raise UnknownNameError(
                f"{key!r} is a shared weight of {len(self._shared[key])} links, not one link: "
                f"net[{key!r}] is the shared weight"
            )
        example = self.links[0].name if self.links else "h1→y1"
        raise UnknownNameError(
            f"no link named {shown(repr(name))[:80]}: expected a name such as {example!r}"
        )

    def _find(self, key: str) -> Link | None:
        """The link named ``key`` (canonical spelling), looked up among its target's links.

        There is no index of link names: at about 150 bytes a link it would double
        the memory of a large network, and a lookup by name is rare and O(fan-in).
        """
        source, _, target = key.partition("→")
        neuron = self._names.get(target)
        if neuron is not None:
            for link in neuron.incoming:
                if link.source.name == source:
                    return link
        return None

    def __getitem__(self, name: str) -> Neuron | Link | SharedWeight:
        """``net["h1"]`` is a neuron; ``net["h1→y1"]``, ``net["h1->y1"]`` or a label is a link;
        ``net["k1"]`` a shared weight."""
        if isinstance(name, str):
            key = normal(name)
            found = self._names.get(key) or self._shared.get(key)
            if found is not None:
                return found
        return self.link(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = normal(name)
        if key in self._names or key in self._shared:
            return True
        key = link_name(name)
        return self._find(key) is not None or key in self._labels

    @property
    def inputs(self) -> list[Neuron]:
        """The input neurons, in the order samples give their values."""
        return self._kinds["input"]

    @property
    def outputs(self) -> list[Neuron]:
        """The output neurons, in the order of the targets."""
        return self._kinds["output"]

    @property
    def biases(self) -> list[Neuron]:
        return self._kinds["bias"]

    @property
    def layers(self) -> list[list[Neuron]]:
        """Non-bias neurons grouped by layer number (inputs are layer 0); no empty layers."""
        layers: dict[int, list[Neuron]] = {}
        for n in self._names.values():
            if n.kind != "bias":
                layers.setdefault(n.layer, []).append(n)
        return [layers[number] for number in sorted(layers)]

    def depth(self, neuron: str | Neuron) -> int:
        """The longest path of links from an input or bias neuron to ``neuron`` (or its name)."""
        if not isinstance(neuron, Neuron):
            neuron = self.neuron(neuron)
        if self._order is None:
            self._ordered()
        if neuron not in self._depth:
            raise UnknownNameError(f"neuron {neuron.name!r} is not in this network")
        return self._depth[neuron]

    def weights(self) -> LinkDict:
        """Every weight by link name, in link order (found under ``a→b`` or ``a->b``)."""
        return LinkDict((link.name, link.weight) for link in self.links)

    # -- checking -----------------------------------------------------------------

    def check_ready(self) -> None:
        """A network can run once it has inputs and outputs."""
        if not self.inputs or not self.outputs:
            raise TopologyError("the network needs at least one input and one output neuron")

    # -- running -----------------------------------------------------------------

    def forward(self, x: Sequence[float]) -> list[float]:
        """Push ``x`` through the network and return the output values.

        >>> from lernpy import examples
        >>> [round(v, 9) for v in examples.mazur().forward([0.05, 0.10])]
        [0.75136507, 0.772928465]
        """
        self.check_ready()
        values = check_inputs(self, x)
        self.present(values)
        for neuron in self.neurons:
            if not neuron.is_source:
                for link in neuron.incoming:
                    link.deliver()
                if neuron.activation.layerwise and neuron is not neuron.group[-1]:
                    continue  # softmax fires once the whole layer has delivered
                if neuron.activation.layerwise:
                    for member in neuron.group:
                        member.fire()
                else:
                    neuron.fire()
        outputs = [o.value for o in self.outputs]
        if not all(map(math.isfinite, outputs)):
            self._overflowed(values)
        return outputs

    def _overflowed(self, x: Sequence[float]) -> None:
        """Name the first link or neuron that turned a finite input infinite or NaN; raise.

        (The weights are as they were; the neurons hold this pass's numbers, as after any.)
        """
        where, value = "the outputs", math.nan
        for neuron in self.neurons:
            bad = [link for link in neuron.incoming if not math.isfinite(link.value)]
            if bad:
                where, value = f"link {bad[0].name}", bad[0].value
                break
            if not (math.isfinite(neuron.net) and math.isfinite(neuron.value)):
                where = f"neuron {neuron.name}"
                value = neuron.net if not math.isfinite(neuron.net) else neuron.value
                break
        raise NumericError(
            f"{where} became {value} on the input {list(x)}: the input or the weights are too "
            "large for a float",
            where=where,
        )

    __call__ = forward

    def present(self, x: Sequence[float], targets: Sequence[float] | None = None) -> None:
        """Set the input neurons' values (and the outputs' targets); values must be checked."""
        for neuron, v in zip(self.inputs, x):
            neuron.value = v
        if targets is not None:
            for neuron, t in zip(self.outputs, targets):
                neuron.target = t

    def loss(self, x: Sequence[float], target: Sequence[float]) -> float:
        """The loss of one sample under the current weights.

        >>> from lernpy import examples
        >>> round(examples.mazur().loss([0.05, 0.10], [0.01, 0.99]), 9)
        0.298371109
        """
        targets = check_targets(self, target)
        self.forward(x)
        return self.output_loss(targets)

    def output_loss(self, targets: Sequence[float]) -> float:
        """The loss of what the outputs hold now against ``targets`` (already checked).

        Where every output's activation fuses with the loss (sigmoid with BCE, one
        softmax layer with cross-entropy) E comes from the outputs' nets, exact at any
        net; otherwise from their values (BCE and cross-entropy clamp a value to
        [1e-15, 1 − 1e-15] before its log).
        """
        lf, outputs = self.loss_function, self.outputs
        if self.exact_loss():
            return exact_loss(lf, [o.net for o in outputs], targets)
        return lf.value([o.value for o in outputs], targets)

    def exact_loss(self) -> bool:
        """Is the loss computed from the outputs' nets (see :meth:`output_loss`)?"""
        outputs = self.outputs
        if self.loss_function.from_nets is None or not all(self.fused(o) for o in outputs):
            return False
        first = outputs[0]
        return not first.activation.layerwise or first.group == outputs

    def loss_terms(self, x: Sequence[float], target: Sequence[float]) -> dict[str, float]:
        """Each output's share of the sample's loss, by output name (they add up to the loss).

        >>> from lernpy import examples
        >>> terms = examples.mazur().loss_terms([0.05, 0.10], [0.01, 0.99])
        >>> {name: round(e, 9) for name, e in terms.items()}  # Mazur's E_o1 and E_o2
        {'o1': 0.274811083, 'o2': 0.023560026}
        """
        lf = self.loss_function
        if lf.terms is None:
            raise UnknownNameError(f"the loss {lf.name!r} does not say how it splits over outputs")
        targets = check_targets(self, target)
        self.forward(x)
        outputs = self.outputs
        if self.exact_loss():
            terms = lf.from_nets([o.net for o in outputs], targets)  # type: ignore[misc]
        else:
            terms = lf.terms([o.value for o in outputs], targets)
        return {o.name: e for o, e in zip(outputs, terms)}

    def fused(self, neuron: Neuron) -> bool:
        """Does this output's ∂E/∂net simplify to value − target under the loss?

        Only for the built-in activation the loss names (a user's own activation
        that happens to be called "sigmoid" gets the full chain rule).
        """
        partner = self.loss_function.fused
        return (
            neuron.kind == "output"
            and partner is not None
            and neuron.activation is get_activation(partner)
        )

    # -- training ------------------------------------------------------------

    def scheduler(self, data: object, **options: object) -> Scheduler:
        """A :class:`~lernpy.walk.scheduler.Scheduler` stepping through training on ``data``."""
        return hooks.scheduler(self, data, **options)

    def lesson(self, data: object, **options: object) -> Lesson:
        """The lesson page of training on ``data``: inline in a notebook, ``save(path)`` to share.

        ``options`` are the scheduler's (rate, momentum, epochs, …) and the page's:
        ``step=`` the step it opens at, ``show=`` a link or neuron to explain,
        ``title=``, ``max_steps=``, ``height=`` (of the frame in a notebook).
        """
        return hooks.lesson(self, data, **options)

    def train(self, data: object, epochs: int = 1, **options: object) -> History:
        """Train on ``data``; return the loss history (see :func:`lernpy.training.train`)."""
        return hooks.trainer()(self, data, epochs, **options)

    def table(
        self, what: str = "links", layer: int | None = None, links: Iterable[str] | None = None
    ) -> Grid:
        """The "links" table (every factor of ∂E/∂w), "neurons" or "summary"; it shows itself."""
        return hooks.table(self, what, layer=layer, links=links)

    def gradcheck(self, sample: object, **options: object) -> GradCheck:
        """Backprop's ∂E/∂w against a central finite difference for every link."""
        return hooks.gradcheck(self, sample, **options)

    def reset_optimizer(self) -> None:
        """Forget every link's optimizer state (velocity, moments, step count).

        The state persists between ``train()`` calls and schedulers, and in saved
        files, until this is called (or an optimizer of another kind starts afresh).
        """
        for link in self.links:
            link.state = None

    # -- state -------------------------------------------------------------------

    def state(self) -> State:
        """Every number the network holds, labelled, by neuron and link name.

        ``net.state()["h1"].value``, ``net.state()["h1→o1"].weight``; ``lernpy.diff(a, b)``
        names what changed between two states.
        """
        return read_state(self)

    def __deepcopy__(self, memo: dict) -> Network:
        """A copy with its own neurons, links and shared weights, made without recursion.

        ``copy.deepcopy`` would follow neuron → link → neuron … one frame per hop and
        run out of stack on a network of a few hundred links (a 64-32-10 network
        did); this walks the lists instead. Everything else (the generator, a
        trace, a preprocessing) is deep-copied as usual, with the new objects in
        ``memo`` so that it points at them.
        """
        self.settle()  # every number written first (an engine may have left some pending)
        new = object.__new__(type(self))
        memo[id(self)] = new
        neurons: dict[Neuron, Neuron] = {}
        for n in self._names.values():
            twin = object.__new__(Neuron)
            for slot in Neuron.__slots__:
                setattr(twin, slot, getattr(n, slot))
            twin.network = new
            twin.layer_numbers = None
            neurons[n] = memo[id(n)] = twin
        links: dict[Link, Link] = {}
        for link in self.links:
            twin = object.__new__(type(link))
            for slot in Link.__slots__:
                setattr(twin, slot, getattr(link, slot))
            twin.source, twin.target = neurons[link.source], neurons[link.target]
            links[link] = memo[id(link)] = twin
        shared: dict[str, SharedWeight] = {}
        for name, weight in self._shared.items():
            shared[name] = memo[id(weight)] = SharedWeight(name, [links[k] for k in weight.links])
        for link in links.values():
            if link.shared is not None:
                link.shared = shared[link.shared.name]
        groups: dict[int, list[Neuron]] = {}  # a softmax layer's members share one list
        for n, twin in neurons.items():
            twin.incoming = [links[k] for k in n.incoming]
            twin.outgoing = [links[k] for k in n.outgoing]
            if id(n.group) not in groups:
                groups[id(n.group)] = [neurons[m] for m in n.group]
            twin.group = groups[id(n.group)]
            twin.winner = links[n.winner] if n.winner is not None else None
        rebuilt = {
            "_order": None if self._order is None else [neurons[n] for n in self._order],
            "_groups": {
                layer: groups[id(g)] for layer, g in self._groups.items() if id(g) in groups
            },
            "links": [links[k] for k in self.links],
            "_names": {name: neurons[n] for name, n in self._names.items()},
            "_labels": {label: links[k] for label, k in self._labels.items()},
            "_shared": shared,
            "_depth": {neurons[n]: d for n, d in self._depth.items()},
            "_kinds": {kind: [neurons[n] for n in ns] for kind, ns in self._kinds.items()},
            "cache": {},  # what an engine or the walk built is the original's alone
            "pending": None,
        }
        for key, value in self.__dict__.items():
            setattr(new, key, rebuilt[key] if key in rebuilt else copy.deepcopy(value, memo))
        return new

    def __iter__(self) -> Iterator[Neuron]:
        return iter(self.neurons)

    def __repr__(self) -> str:
        shape = "-".join(str(len(layer)) for layer in self.layers)
        acts = "/".join(dict.fromkeys(n.activation.name for n in self.neurons if not n.is_source))
        return (
            f"Network({shape}, {acts or 'empty'}, loss={self.loss_function.name}, "
            f"{len(self.links)} links, seed={self.seed})"
        )

    def __rich_repr__(self):
        yield "layers", [len(layer) for layer in self.layers]
        yield "links", len(self.links)
        yield "loss", self.loss_function.name
        yield "seed", self.seed


def _after(n: Neuron) -> Iterator[Neuron]:
    """The neurons ``n`` feeds: its links' targets, and its softmax partners."""
    for link in n.outgoing:
        yield link.target
    if n.activation.layerwise:
        yield from (m for m in n.group if m is not n)


def _before(n: Neuron) -> Iterator[Neuron]:
    """The neurons that feed ``n``: its links' sources, and its softmax partners."""
    for link in n.incoming:
        yield link.source
    if n.activation.layerwise:
        yield from (m for m in n.group if m is not n)


def _some(names: Iterable[str], most: int = 12) -> str:
    """The first few names, for an error message (a network may have thousands)."""
    shown_names = []
    for i, name in enumerate(names):
        if i == most:
            shown_names.append("…")
            break
        shown_names.append(shown(name))
    return ", ".join(shown_names) or "(none)"


def _is_rows(matrix: object) -> bool:
    """A sequence of sequences (not text): the shape set_matrix reads."""

    def sequence(x: object) -> bool:
        return isinstance(x, Sequence) and not isinstance(x, (str, bytes))

    return sequence(matrix) and all(sequence(row) for row in matrix)
