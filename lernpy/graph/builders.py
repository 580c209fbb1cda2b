"""Builders: whole networks in one call, wired from the same public calls a user makes.

:func:`layered` is ``Network.layered``: fully connected layers, a bias neuron
feeding each, readable names (``x1``, ``h1`` or ``h2_3``, ``y1``, ``b1``), weights
given or drawn from the network's own seeded generator.

>>> from lernpy import Network
>>> net = Network.layered(2, 2, 1, names="i1 i2 / h1 h2 / o1", seed=1)
>>> [link.name for link in net.links][:3]
['i1→h1', 'i2→h1', 'b1→h1']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from lernpy import checks
from lernpy.errors import ShapeError
from lernpy.graph.activations import Activation
from lernpy.graph.activations import activation as get_activation
from lernpy.graph.losses import Loss

if TYPE_CHECKING:
    from lernpy.graph.network import Network

MAX_LINKS = 10_000_000  # layered() refuses more (about 1.5 GB of Link objects)


def layered(
    cls: type[Network],
    *sizes: int,
    activation: str | Activation | Sequence[str | Activation] = "sigmoid",
    output: str | Activation | None = None,
    loss: str | Loss = "half_sse",
    bias: bool | Sequence[bool] = True,
    names: str | Sequence[Sequence[str]] | None = None,
    bias_names: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    matrices: Sequence[Sequence[Sequence[float]]] | None = None,
    init: str = "xavier",
    scale: float = 0.5,
    seed: int = 0,
) -> Network:
    """A fully connected layered network in one call.

    ``sizes``: neurons per layer, inputs first. ``activation``: one for
    every hidden layer or one per hidden layer; ``output``: the output
    layer's (default: the same as the hidden ones). ``bias``: a bias neuron
    feeding each non-input layer (or one flag per non-input layer).
    ``names``: one list of names per layer, or a string such as
    ``"i1 i2 / h1 h2 / o1 o2 / b1 b2"`` (a last group names the bias neurons).
    Weights: ``weights`` by link name, ``matrices`` one per layer pair (see
    :meth:`set_matrix`), else drawn by ``init`` (xavier, he, or uniform in
    ±``scale``) from the network's own ``random.Random(seed)``.

    >>> from lernpy import Network
    >>> net = Network.layered(2, 3, 3, 1, activation="tanh", seed=0)
    >>> [n.name for n in net.layers[1]], [n.name for n in net.layers[3]]
    (['h1_1', 'h1_2', 'h1_3'], ['y1'])
    """
    if len(sizes) < 2:
        raise ShapeError(f"layered() got {len(sizes)} layer size(s): expected at least 2")
    sizes = tuple(checks.whole(size, f"size of layer {i}", low=1) for i, size in enumerate(sizes))
    links = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if links > MAX_LINKS:
        raise ShapeError(
            f"layered{sizes} would make {links} links: at most {MAX_LINKS:,} "
            "(a link takes about 150 bytes)"
        )
    hidden = len(sizes) - 2
    if isinstance(activation, (str, Activation)):
        hidden_acts = [activation] * hidden
    else:
        hidden_acts = checks.items(activation, "activation", "activations (one per hidden layer)")
        if len(hidden_acts) != hidden:
            raise ShapeError(
                f"got {len(hidden_acts)} activations: expected {hidden}, one per hidden layer"
            )
    out_act = (
        output
        if output is not None
        else (activation if isinstance(activation, (str, Activation)) else "sigmoid")
    )
    acts = [get_activation(a) for a in [*hidden_acts, out_act]]  # fail before building
    if isinstance(bias, (list, tuple)):
        biases = [checks.flag(b, f"bias[{i}]") for i, b in enumerate(bias)]
    else:
        biases = [checks.flag(bias, "bias")] * (len(sizes) - 1)
    if len(biases) != len(sizes) - 1:
        raise ShapeError(f"got {len(biases)} bias flags: expected {len(sizes) - 1}")
    layer_names, bias_names = _layer_names(sizes, names, bias_names, biases)

    net = cls(loss=loss, seed=seed, init=init, scale=scale)
    # Layer by layer wiring can neither duplicate a link nor close a cycle.
    with net.building():
        for i, layer in enumerate(layer_names):
            kind = "input" if i == 0 else "output" if i == len(sizes) - 1 else "hidden"
            if i > 0 and biases[i - 1]:
                net.add_neuron(bias_names[i - 1], "identity", "bias", layer=i - 1)
            for name in layer:
                net.add_neuron(name, "identity" if i == 0 else acts[i - 1], kind, layer=i)
        fans = [(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
        for i in range(1, len(sizes)):
            bias = bias_names[i - 1] if biases[i - 1] else None
            for name in layer_names[i]:
                sources = list(layer_names[i - 1]) + ([bias] if bias else [])
                for source in sources:
                    net.add_link(source, name, net.draw(*fans[i - 1]))
    if matrices is not None:
        matrices = checks.items(matrices, "matrices", "matrices (one per layer)")
        if len(matrices) != len(sizes) - 1:
            raise ShapeError(f"got {len(matrices)} matrices: expected {len(sizes) - 1}")
        for i, m in enumerate(matrices, start=1):
            net.set_matrix(i, m)
    if weights is not None:
        net.set_weights(weights)
    return net


def _layer_names(
    sizes: Sequence[int],
    names: str | Sequence[Sequence[str]] | None,
    bias_names: Sequence[str] | None,
    biases: Sequence[bool],
) -> tuple[list[list[str]], list[str]]:
    """Default or user names for every layer and bias neuron."""
    last = len(sizes) - 1
    if names is None:

        def name(i: int, j: int) -> str:
            if i == 0:
                return f"x{j}"
            if i == last:
                return f"y{j}"
            return f"h{j}" if last == 2 else f"h{i}_{j}"

        layer_names = [[name(i, j) for j in range(1, size + 1)] for i, size in enumerate(sizes)]
    else:
        groups = (
            [g.split() for g in names.split("/")]
            if isinstance(names, str)
            else [
                checks.names(g, f"names[{i}]")
                for i, g in enumerate(checks.items(names, "names", "layers of names"))
            ]  # fmt: skip
        )
        if len(groups) == len(sizes) + 1 and bias_names is None:
            bias_names = groups.pop()
        if len(groups) != len(sizes):
            raise ShapeError(f"names give {len(groups)} layers: expected {len(sizes)}")
        for i, (group, size) in enumerate(zip(groups, sizes)):
            if len(group) != size:
                raise ShapeError(f"names for layer {i} give {len(group)} names: expected {size}")
        layer_names = groups
    if bias_names is None:
        bias_names = [f"b{i}" for i in range(1, len(sizes))]
    else:
        bias_names = checks.names(bias_names, "bias_names")
        wanted = sum(biases)
        if len(bias_names) == wanted and wanted < len(biases):
            it = iter(bias_names)
            bias_names = [next(it) if b else "" for b in biases]
        if len(bias_names) != len(biases):
            raise ShapeError(f"got {len(bias_names)} bias names: expected {wanted}")
    return layer_names, bias_names
