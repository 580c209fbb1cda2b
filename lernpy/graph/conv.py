"""Convolutional networks as neurons and links: ``Network.convolutional``.

A convolution is a layer whose links share weights. Each neuron of a
convolution layer sees a small window of the image below it, and the links from
that window use the entries of one *kernel*: the same few weights at every
position. So ``k1``, the kernel's top-left entry, is one shared weight with one
link per position, and ∂E/∂k1 is the sum of those links' contributions.

The convention is the common frameworks' (PyTorch's ``conv2d``): the kernel is
not flipped (strictly a cross-correlation), so the neuron of channel ``o`` at
row ``r``, column ``c`` has

    net = Σ_i Σ_u Σ_v k[o, i, u, v] · x[i, r·stride − padding + u, c·stride − padding + v] + bias[o]

with zero padding: a window position outside the image contributes nothing
(there is no link for it).

Names count from 1: the image's pixels are ``x1[1,1]`` … (channel 1, row 1,
column 1); a convolution layer's neurons ``c1[2,3]`` (channel 1, row 2,
column 3), a pooling layer's ``p1[1,1]``, dense layers ``h1`` …, outputs
``y1`` …. With several convolution (or pooling) layers the layer's number comes
first: ``c2_1[1,1]``. The kernel weights are shared weights named ``k1``, ``k2``
… in the order (layer, output channel, input channel, row, column), like the
textbook's w1 … w8; each kernel's bias is the shared weight ``kb1``, ``kb2`` ….

Pooling: ``Pool("max")`` neurons take the largest value in their window and
send the blame back to that one link only; ``Pool("avg")`` neurons are linear
with links frozen at 1/n, so each source gets 1/n of the sensitivity. A
``Dense`` layer after an image flattens it (channel by channel, row by row, as
PyTorch's ``flatten``) and is fully connected.

>>> from lernpy import Network
>>> net = Network.convolutional((1, 3, 3), Conv(1, kernel=2), Dense(1), seed=0)
>>> [n.name for n in net.layers[1]]
['c1[1,1]', 'c1[1,2]', 'c1[2,1]', 'c1[2,2]']
>>> [link.name for link in net["k1"].links]
['x1[1,1]→c1[1,1]', 'x1[1,2]→c1[1,2]', 'x1[2,1]→c1[2,1]', 'x1[2,2]→c1[2,2]']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lernpy.errors import ShapeError, UnknownNameError
from lernpy.graph.activations import AVG_POOL, MAX_POOL, Activation
from lernpy.graph.activations import activation as get_activation
from lernpy.graph.losses import Loss

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.graph.network import Network


@dataclass(frozen=True)
class Conv:
    """A convolution layer: ``channels`` kernels of ``kernel``×``kernel`` weights each."""

    channels: int
    kernel: int = 2
    stride: int = 1
    padding: int = 0
    activation: str | Activation = "relu"
    bias: bool = True


@dataclass(frozen=True)
class Pool:
    """A pooling layer: ``kind`` "max" or "avg" over ``size``×``size`` windows, every ``stride``."""

    kind: str = "max"
    size: int = 2
    stride: int | None = None  # None: the size (windows side by side)


@dataclass(frozen=True)
class Dense:
    """A fully connected layer of ``size`` neurons (the last one is the output layer)."""

    size: int
    activation: str | Activation = "sigmoid"
    bias: bool = True


Layer = Conv | Pool | Dense
Grid = list[list[list[str]]]  # channel → row → column → neuron name


def _whole(value: object, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ShapeError(f"{what} is {value!r}: expected a whole number ≥ {low}")
    return value


def _image(image: Sequence[int]) -> tuple[int, int, int]:
    """(channels, height, width) from (channels, height, width) or (height, width)."""
    if isinstance(image, (str, bytes)) or not isinstance(image, Sequence) or len(image) not in (
        2, 3
    ):  # fmt: skip
        raise ShapeError(
            f"image is {image!r}: expected (channels, height, width) or (height, width)"
        )
    shape = tuple(image) if len(image) == 3 else (1, *image)
    channels, height, width = (_whole(v, "an image size", 1) for v in shape)
    return channels, height, width


def _out(size: int, window: int, stride: int, padding: int, what: str) -> int:
    span = size + 2 * padding - window
    if span < 0:
        raise ShapeError(
            f"{what}: a window of {window} does not fit in {size} (with padding {padding})"
        )
    return span // stride + 1


def convolutional(
    cls: type[Network],
    image: Sequence[int],
    *layers: Layer,
    loss: str | Loss = "half_sse",
    init: str = "xavier",
    scale: float = 0.5,
    seed: int = 0,
) -> Network:
    """A small convolutional network: an image, then ``Conv``, ``Pool`` and ``Dense`` layers.

    ``image``: (channels, height, width), or (height, width) for one channel.
    The last layer must be ``Dense``: its neurons are the outputs. Weights are
    drawn from the network's own ``random.Random(seed)`` by ``init``; pooling
    links are fixed (frozen).

    >>> from lernpy import Network
    >>> net = Network.convolutional(
    ...     (1, 4, 4), Conv(2, kernel=2), Pool("max", 3), Dense(2, "softmax"),
    ...     loss="cross_entropy", seed=1)
    >>> net
    Network(16-18-2-2, relu/max_pool/softmax, loss=cross_entropy, 114 links, seed=1)
    >>> len(net.shared_weights), len(net["k1"]), net["k1"].links[0].name
    (10, 9, 'x1[1,1]→c1[1,1]')
    """
    channels, height, width = _image(image)
    if not layers or not isinstance(layers[-1], Dense):
        raise ShapeError("the last layer must be Dense(size): its neurons are the outputs")
    for layer in layers:
        if not isinstance(layer, (Conv, Pool, Dense)):
            raise ShapeError(f"layer {layer!r}: expected Conv(...), Pool(...) or Dense(...)")
    activations = [
        get_activation(layer.activation) for layer in layers if not isinstance(layer, Pool)
    ]  # unknown names fail before anything is built
    del activations
    convs = sum(isinstance(layer, Conv) for layer in layers)
    pools = sum(isinstance(layer, Pool) for layer in layers)
    denses = sum(isinstance(layer, Dense) for layer in layers) - 1

    net = cls(loss=loss, seed=seed, init=init, scale=scale)
    with net.building():
        grid: Grid | None = [
            [[f"x{c}[{r},{col}]" for col in range(1, width + 1)] for r in range(1, height + 1)]
            for c in range(1, channels + 1)
        ]
        for names in grid:
            for row in names:
                for name in row:
                    net.add_neuron(name, "identity", "input", layer=0)
        flat: list[str] = []
        count = {"conv": 0, "pool": 0, "dense": 0, "bias": 0, "kernel": 0, "kernel_bias": 0}
        for depth, layer in enumerate(layers, start=1):
            if isinstance(layer, Dense):
                if grid is not None:
                    flat = [name for names in grid for row in names for name in row]
                    grid = None
                flat = _dense(net, layer, flat, depth, depth == len(layers), denses, count)
            elif grid is None:
                raise ShapeError(f"layer {depth} ({layer!r}) comes after a Dense layer: no image")
            elif isinstance(layer, Conv):
                grid = _conv(net, layer, grid, depth, convs, count)
            else:
                grid = _pool(net, layer, grid, depth, pools, count)
    return net


def _prefix(letter: str, number: int, total: int) -> str:
    return letter if total == 1 else f"{letter}{number}_"


def _bias(net: Network, layer_below: int, count: dict[str, int]) -> str:
    count["bias"] += 1
    name = f"b{count['bias']}"
    net.add_neuron(name, "identity", "bias", layer=layer_below)
    return name


def _conv(
    net: Network, layer: Conv, grid: Grid, depth: int, total: int, count: dict[str, int]
) -> Grid:
    """Wire one convolution layer; tie each kernel entry's links into one shared weight."""
    out_channels = _whole(layer.channels, "Conv channels", 1)
    k = _whole(layer.kernel, "Conv kernel", 1)
    stride = _whole(layer.stride, "Conv stride", 1)
    padding = _whole(layer.padding, "Conv padding", 0)
    if padding >= k:
        raise ShapeError(f"Conv padding {padding}: expected less than the kernel size {k}")
    act = get_activation(layer.activation)
    in_channels, height, width = len(grid), len(grid[0]), len(grid[0][0])
    rows = _out(height, k, stride, padding, f"Conv layer {depth}")
    cols = _out(width, k, stride, padding, f"Conv layer {depth}")
    count["conv"] += 1
    prefix = _prefix("c", count["conv"], total)
    bias = _bias(net, depth - 1, count) if layer.bias else None
    out: Grid = []
    for o in range(1, out_channels + 1):
        names = [[f"{prefix}{o}[{r},{c}]" for c in range(1, cols + 1)] for r in range(1, rows + 1)]
        for row in names:
            for name in row:
                net.add_neuron(name, act, "hidden", layer=depth)
        out.append(names)
    # one weight per kernel entry, drawn in the order (output channel, input channel, row, column)
    fan_in, fan_out = in_channels * k * k, out_channels * k * k
    kernel = {
        (o, i, u, v): net.draw(fan_in, fan_out)
        for o in range(out_channels)
        for i in range(in_channels)
        for u in range(k)
        for v in range(k)
    }
    biases = [net.draw(fan_in, fan_out) for _ in range(out_channels)] if bias else []
    uses: dict[tuple, list[Link]] = {key: [] for key in kernel}
    bias_uses: list[list[Link]] = [[] for _ in range(out_channels)]
    for o in range(out_channels):
        for r in range(rows):
            for c in range(cols):
                target = out[o][r][c]
                for i in range(in_channels):
                    for u in range(k):
                        for v in range(k):
                            y, x = r * stride - padding + u, c * stride - padding + v
                            if 0 <= y < height and 0 <= x < width:  # zero padding: no link
                                link = net.add_link(grid[i][y][x], target, kernel[o, i, u, v])
                                uses[o, i, u, v].append(link)
                if bias is not None:
                    bias_uses[o].append(net.add_link(bias, target, biases[o]))
    for key, links in uses.items():
        count["kernel"] += 1
        if links:  # a kernel entry every window misses (all padding) has no link to share
            net.tie(f"k{count['kernel']}", links, weight=kernel[key])
    for o, links in enumerate(bias_uses if bias is not None else []):
        count["kernel_bias"] += 1
        net.tie(f"kb{count['kernel_bias']}", links, weight=biases[o])
    return out


def _pool(
    net: Network, layer: Pool, grid: Grid, depth: int, total: int, count: dict[str, int]
) -> Grid:
    """Wire one pooling layer, channel by channel, with fixed (frozen) links."""
    if layer.kind not in ("max", "avg"):
        raise UnknownNameError(f"Pool kind {layer.kind!r}: expected 'max' or 'avg'")
    size = _whole(layer.size, "Pool size", 1)
    stride = size if layer.stride is None else _whole(layer.stride, "Pool stride", 1)
    act = MAX_POOL if layer.kind == "max" else AVG_POOL
    weight = 1.0 if layer.kind == "max" else 1.0 / (size * size)
    height, width = len(grid[0]), len(grid[0][0])
    rows = _out(height, size, stride, 0, f"Pool layer {depth}")
    cols = _out(width, size, stride, 0, f"Pool layer {depth}")
    count["pool"] += 1
    prefix = _prefix("p", count["pool"], total)
    out: Grid = []
    for ch, names_below in enumerate(grid, start=1):
        names = [[f"{prefix}{ch}[{r},{c}]" for c in range(1, cols + 1)] for r in range(1, rows + 1)]
        out.append(names)
        for r in range(rows):
            for c in range(cols):
                target = net.add_neuron(names[r][c], act, "hidden", layer=depth)
                for u in range(size):
                    for v in range(size):
                        source = names_below[r * stride + u][c * stride + v]
                        net.add_link(source, target, weight).frozen = True
    return out


def _dense(
    net: Network,
    layer: Dense,
    below: list[str],
    depth: int,
    last: bool,
    total: int,
    count: dict[str, int],
) -> list[str]:
    """Wire one fully connected layer from the (flattened) layer below."""
    size = _whole(layer.size, "Dense size", 1)
    act = get_activation(layer.activation)
    bias = _bias(net, depth - 1, count) if layer.bias else None
    if last:
        names = [f"y{j}" for j in range(1, size + 1)]
    else:
        count["dense"] += 1
        names = [f"h{j}" if total == 1 else f"h{count['dense']}_{j}" for j in range(1, size + 1)]
    for name in names:
        net.add_neuron(name, act, "output" if last else "hidden", layer=depth)
    fan_in = len(below)
    for name in names:
        for source in below + ([bias] if bias else []):
            net.add_link(source, name, net.draw(fan_in, size))
    return names
