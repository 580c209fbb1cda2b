"""A network the convolution builder made, read back as its layers: the plan of an nn.Sequential.

``Network.convolutional`` wires each layer in a fixed pattern (see
:mod:`lernpy.graph.conv`). :func:`conv_plan` reads that pattern back from the
neurons and links alone: the image, then each layer as ``Conv``, ``Pool`` or
``Dense`` with its kernel, stride and padding, and for every weight link its
entry in the PyTorch layer that holds it:

- a kernel weight ``k…``, the link from ``x{i}[y,x]`` to ``c{o}[r,c]``:
  ``Conv2d.weight[o, i, y − r·stride + padding, x − c·stride + padding]``
  (every position counted from 0);
- a kernel bias ``kb…`` into channel o: ``Conv2d.bias[o]``;
- a link into a ``Dense`` layer from the j-th value below: ``Linear.weight[·, j]``
  (an image flattened channel by channel, row by row, as ``nn.Flatten``);
- the links into a pooling neuron (fixed weights 1, or 1/n): none, since
  ``MaxPool2d`` and ``AvgPool2d`` have no parameter.

The kernel size, stride and padding are read from the geometry of the links
(a kernel entry's number among the layer's ``k…`` gives its row and column in
the kernel); then the links get their entries from the layers alone, and the
network is built again with the builder and checked: every
neuron, link, link kind, shared weight and pooling weight is the same: only a
network the builder could have made is read so. Anything else (a kernel weight
untied, a link removed or added, a pooling weight changed) is a reason, and the
network goes to PyTorch as the generated DAG instead.

>>> from lernpy import Conv, Dense, Network, Pool
>>> net = Network.convolutional((1, 4, 4), Conv(2, kernel=2, padding=1), Pool("max", 2),
...                             Dense(3, "softmax"), loss="cross_entropy", seed=0)
>>> plan = conv_plan(net)
>>> plan.image, plan.stages[0].spec.padding, plan.stages[1].spec
((1, 4, 4), 1, Pool(kind='max', size=2, stride=2))
>>> plan.stages[0].entries[net["x1[1,1]→c1[2,2]"]]
('weight', (0, 0, 0, 0))
>>> net.untie("k1") and conv_plan(net)
'link x1[1,1]→c1[2,2] is not a kernel link (k1, k2 …) from the layer below'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lernpy.errors import LernpyError
from lernpy.graph.conv import Conv, Dense, Pool
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron

Entry = tuple[str, tuple[int, ...]]  # ("weight" or "bias", index into the PyTorch layer's tensor)
Shape = tuple[int, int, int]  # (channels, rows, columns)

INPUT = re.compile(r"x(\d+)\[(\d+),(\d+)\]")
CONV = re.compile(r"c(?:\d+_)?(\d+)\[(\d+),(\d+)\]")
POOL = re.compile(r"p(?:\d+_)?(\d+)\[(\d+),(\d+)\]")
KERNEL = re.compile(r"k(\d+)")


@dataclass
class Stage:
    """One layer: its builder ``spec``, its neurons, and each weight link's entry."""

    spec: Conv | Pool | Dense
    neurons: list[Neuron]
    shape: Shape | None  # the image it gives; None for Dense
    inputs: int  # how many values it takes (channels of an image, or a Dense layer's fan-in)
    flatten: bool = False  # a Dense layer right after an image: nn.Flatten before it
    entries: dict[Link, Entry] = field(default_factory=dict)  # pooling links have none


@dataclass
class ConvPlan:
    """The image and the layers of a network that ``Network.convolutional`` made."""

    image: Shape
    stages: list[Stage]


class _NotConv(LernpyError):
    """Why a network is not one the convolution builder made."""


def conv_plan(net: Network, specs: Sequence[Conv | Pool | Dense] | None = None) -> ConvPlan | str:
    """The layers of ``net`` as the convolution builder made them, or why it did not.

    ``specs``: the builder's layers, when known (``from_torch`` knows them); else they
    are read from the network.
    """
    try:
        layers = net.layers
        if [id(n) for n in layers[0]] != [id(n) for n in net.inputs]:
            raise _NotConv("its inputs are not exactly layer 0")
        image = _grid(net.inputs, INPUT, "the pixels of an image (x1[1,1] …)")
        if specs is None:
            specs = _specs(net, image)
        if len(specs) != len(layers) - 1:
            raise _NotConv(f"it has {len(layers) - 1} layers, the plan {len(specs)}")
        stages = _stages(layers, image, specs)
        if [id(n) for n in layers[-1]] != [id(n) for n in net.outputs]:
            raise _NotConv("its last layer is not exactly the outputs")
        _same_as_built(net, image, stages)
        return ConvPlan(image, stages)
    except _NotConv as reason:
        return str(reason)


# -- the layers' names and places -----------------------------------------------------------


def _grid(neurons: list[Neuron], pattern: re.Pattern, what: str) -> Shape:
    """(channels, rows, columns) of neurons named ``…{channel}[row,column]`` in that order."""
    positions = _positions(neurons, pattern, what)
    shape = tuple(max(p[k] for p in positions.values()) + 1 for k in range(3))
    expected = [
        (c, r, col) for c in range(shape[0]) for r in range(shape[1]) for col in range(shape[2])
    ]
    if list(positions.values()) != expected:
        raise _NotConv(f"the {what} are not a whole grid, channel by channel, row by row")
    return shape  # type: ignore[return-value]


def _positions(neurons: list[Neuron], pattern: re.Pattern, what: str) -> dict[int, Shape]:
    """Each neuron's (channel, row, column), counted from 0, by ``id``."""
    found = {}
    for n in neurons:
        m = pattern.fullmatch(n.name)
        if m is None:
            raise _NotConv(f"neuron {n.name} is not named as the builder names {what}")
        found[id(n)] = tuple(int(g) - 1 for g in m.groups())
    return found  # type: ignore[return-value]


def _kind(neurons: list[Neuron], image: bool) -> str:
    """What the builder made this layer: "conv", "pool" or "dense"."""
    first = neurons[0]
    if first.activation.pool == "max" or first.activation.name == "avg_pool":
        return "pool"
    return "conv" if image and CONV.fullmatch(first.name) else "dense"


# -- reading the specs back ----------------------------------------------------------------


def _specs(net: Network, image: Shape) -> list[Conv | Pool | Dense]:
    """Each layer's ``Conv``, ``Pool`` or ``Dense``, read from the neurons and links."""
    layers = net.layers
    where = _positions(net.inputs, INPUT, "pixels")
    shape: Shape | None = image
    specs: list[Conv | Pool | Dense] = []
    for depth, neurons in enumerate(layers[1:], start=1):
        kind = _kind(neurons, shape is not None)
        biased = any(k.source.kind == "bias" for n in neurons for k in n.incoming)
        if kind == "dense":
            specs.append(Dense(len(neurons), neurons[0].activation, biased))
            shape = None
            continue
        if shape is None:
            raise _NotConv(f"layer {depth} is an image layer after a Dense layer")
        pattern = CONV if kind == "conv" else POOL
        out = _positions(neurons, pattern, f"the neurons of layer {depth}")
        grid = _grid(neurons, pattern, f"the neurons of layer {depth}")
        if kind == "conv":
            specs.append(_conv_spec(neurons, shape, grid, out, where, biased, depth))
        else:
            specs.append(_pool_spec(neurons, grid, out, where, depth))
        shape, where = grid, out
    return specs


def _conv_spec(neurons, shape, grid, out, where, biased: bool, depth: int) -> Conv:
    """A convolution's kernel from its shared weights' numbers, its stride and padding from
    where the links of each kernel entry (o, i, u, v) sit: y = r·stride − padding + u."""
    links = [k for n in neurons for k in n.incoming if k.source.kind != "bias"]
    numbers = {}
    for link in links:
        m = KERNEL.fullmatch(link.shared.name) if link.shared is not None else None
        if m is None or id(link.source) not in where:
            raise _NotConv(f"link {link.name} is not a kernel link (k1, k2 …) from the layer below")
        numbers[link] = int(m.group(1))
    first = min(numbers.values())
    count = max(numbers.values()) - first + 1
    kernel = math.isqrt(count // (grid[0] * shape[0]))
    if kernel * kernel * grid[0] * shape[0] != count:
        raise _NotConv(f"the kernel weights of layer {depth} are not a whole kernel")
    offsets: dict[int, set[tuple[int, int]]] = {1: set(), 2: set()}  # (r, r·stride − padding)
    for link, number in numbers.items():
        o, i, u, v = _unravel(number - first, (grid[0], shape[0], kernel, kernel))
        (c_out, r, c), (c_in, y, x) = out[id(link.target)], where[id(link.source)]
        if (o, i) != (c_out, c_in):
            raise _NotConv(f"link {link.name} uses the kernel of other channels")
        offsets[1].add((r, y - u))
        offsets[2].add((c, x - v))
    strides = {axis: _step(sorted(pairs)) for axis, pairs in offsets.items()}
    stride = strides[1] or strides[2]
    if stride is None:  # one position: any stride past the image gives the same links
        padding = -min(start for _, start in offsets[1])
        stride = max(1, shape[1] + 2 * padding - kernel + 1, shape[2] + 2 * padding - kernel + 1)
    r, start = min(offsets[1])
    padding = r * stride - start
    if not 0 <= padding < kernel:
        raise _NotConv(f"layer {depth} would have padding {padding} with a kernel of {kernel}")
    return Conv(grid[0], kernel, stride, padding, neurons[0].activation, biased)


def _pool_spec(neurons, grid, out, where, depth: int) -> Pool:
    """A pooling layer's window from its first neuron's sources, its stride from the
    windows' corners: corner = r·stride."""
    kind = "max" if neurons[0].activation.pool == "max" else "avg"
    corners: dict[int, set[tuple[int, int]]] = {1: set(), 2: set()}
    size = 0
    for n in neurons:
        sources = [where.get(id(k.source)) for k in n.incoming]
        if not sources or None in sources:
            raise _NotConv(f"neuron {n.name} pools over what is not the layer below")
        _, r, c = out[id(n)]
        corners[1].add((r, min(s[1] for s in sources)))
        corners[2].add((c, min(s[2] for s in sources)))
        size = max(size, max(s[1] for s in sources) - min(s[1] for s in sources) + 1)
    stride = _step(sorted(corners[1])) or _step(sorted(corners[2])) or size
    return Pool(kind, size, stride)


def _unravel(index: int, dims: tuple[int, ...]) -> tuple[int, ...]:
    found = []
    for d in reversed(dims):
        index, rest = divmod(index, d)
        found.append(rest)
    return tuple(reversed(found))


def _step(pairs: list[tuple[int, int]]) -> int | None:
    """The stride from (output position, start in the input) pairs; None with one position."""
    for (r1, y1), (r2, y2) in zip(pairs, pairs[1:]):
        if r2 != r1:
            step, rest = divmod(y2 - y1, r2 - r1)
            if rest or step < 1:
                raise _NotConv("its windows do not move by a whole stride")
            return step
    return None


# -- the entries, from the specs -------------------------------------------------------------


def _stages(layers: list[list[Neuron]], image: Shape, specs) -> list[Stage]:
    """Each layer's stage: each weight link's entry in its PyTorch layer, by the geometry."""
    where = _positions(layers[0], INPUT, "pixels")
    shape: Shape | None = image
    stages = []
    for depth, (neurons, spec) in enumerate(zip(layers[1:], specs), start=1):
        if isinstance(spec, Dense):
            stage = Stage(spec, neurons, None, len(layers[depth - 1]), flatten=shape is not None)
            column = {id(n): j for j, n in enumerate(layers[depth - 1])}
            for j, n in enumerate(neurons):
                for link in n.incoming:
                    if link.source.kind == "bias":
                        stage.entries[link] = ("bias", (j,))
                    elif id(link.source) in column:
                        stage.entries[link] = ("weight", (j, column[id(link.source)]))
                    else:
                        raise _NotConv(f"link {link.name} skips a layer")
            stages.append(stage)
            shape = None
            continue
        if shape is None:
            raise _NotConv(f"layer {depth} is an image layer after a Dense layer")
        pattern = CONV if isinstance(spec, Conv) else POOL
        out = _positions(neurons, pattern, f"the neurons of layer {depth}")
        grid = _grid(neurons, pattern, f"the neurons of layer {depth}")
        stage = Stage(spec, neurons, grid, shape[0])
        if isinstance(spec, Conv):
            for n in neurons:
                o, r, c = out[id(n)]
                for link in n.incoming:
                    if link.source.kind == "bias":
                        stage.entries[link] = ("bias", (o,))
                        continue
                    if id(link.source) not in where:
                        raise _NotConv(f"link {link.name} skips a layer")
                    i, y, x = where[id(link.source)]
                    u = y - r * spec.stride + spec.padding
                    v = x - c * spec.stride + spec.padding
                    stage.entries[link] = ("weight", (o, i, u, v))
        stages.append(stage)
        shape, where = grid, out
    if not stages or not isinstance(stages[-1].spec, Dense):
        raise _NotConv("its last layer is not a Dense layer")
    return stages


def _same_as_built(net: Network, image: Shape, stages: list[Stage]) -> None:
    """Build the network again from the plan; every neuron, link and tie must be the same."""
    try:
        built = Network.convolutional(image, *(s.spec for s in stages), loss=net.loss_function)
    except LernpyError as error:
        raise _NotConv(f"the builder cannot make it: {error}") from None
    ours = [(n.name, n.kind, n.layer, n.activation) for n in net.neurons]
    theirs = [(n.name, n.kind, n.layer, n.activation) for n in built.neurons]
    if ours != theirs:
        differ = next((a for a, b in zip(ours, theirs) if a != b), None) or (ours + theirs)[-1]
        raise _NotConv(f"neuron {differ[0]} is not where the builder puts it")
    if len(net.links) != len(built.links):
        raise _NotConv(f"it has {len(net.links)} links, the builder makes {len(built.links)}")
    for a, b in zip(net.links, built.links):
        if a.name != b.name or type(a) is not type(b):
            raise _NotConv(f"link {a.name} is not where the builder puts it")
        if b.frozen and (not a.frozen or a.weight != b.weight):  # a pooling link
            raise _NotConv(f"the pooling link {a.name} is not fixed at {b.weight!r}")
    ties = [(s.name, [k.name for k in s.links]) for s in net.shared_weights]
    if ties != [(s.name, [k.name for k in s.links]) for s in built.shared_weights]:
        raise _NotConv("its shared weights are not the builder's kernels")
