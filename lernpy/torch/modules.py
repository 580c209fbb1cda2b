"""A lernpy network as a PyTorch module: ``to_torch``, the layered plan, the DAG module.

A network that :meth:`Network.layered` could have built becomes an
``nn.Sequential`` of ``nn.Linear`` and activation modules. Layer ``l``'s links
become one ``nn.Linear``, in :meth:`Network.matrix`'s orientation::

    linear.weight[j, i] = weight of the link (layer l−1's i-th neuron → layer l's j-th neuron)
    linear.bias[j]      = weight of the link (bias neuron of layer l → layer l's j-th neuron)

(neurons counted in ``net.layers`` order; a layer without a bias neuron gets
``bias=False``). A network that ``Network.convolutional`` could have built
becomes an ``nn.Sequential`` of ``nn.Unflatten`` (the flat inputs as an image),
``nn.Conv2d``, ``nn.MaxPool2d``/``nn.AvgPool2d``, ``nn.Flatten`` and
``nn.Linear`` with their activations (:mod:`lernpy.torch.convolution` says
where each weight goes). Any other wiring (skip links, removed links, links
frozen one by one, weights tied by hand, an unrolled recurrent network, max
pooling and detached links anywhere) becomes a :class:`GraphModule`: every
weight is one entry of ``weight`` (or of ``frozen``, with
``requires_grad=False``), a shared weight one entry for all its links, and
``forward`` computes the neurons level by level (a level: the neurons at the
same depth). A removed link has no entry: its place in the level's matrix is a
fixed 0, a mask.

Which entry holds which link is a network's **places**: link name →
(parameter name, index), or None for a link whose fixed weight is part of a
pooling module (``MaxPool2d``, ``AvgPool2d``). Everything else (reading
weights back, gradients beside lernpy's, optimizer state) goes through them.

>>> from lernpy import examples
>>> model = to_torch(examples.mazur())
>>> model
Sequential(
  (0): Linear(in_features=2, out_features=2, bias=True)
  (1): Sigmoid()
  (2): Linear(in_features=2, out_features=2, bias=True)
  (3): Sigmoid()
)
>>> model[2].weight.tolist(), model[2].bias.tolist()  # w5 w6 / w7 w8, then b2→o1, b2→o2
([[0.4, 0.45], [0.5, 0.55]], [0.6, 0.6])
>>> places(examples.mazur())["h1→o1"]
('2.weight', (0, 0))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils import skip_init

from lernpy import checks
from lernpy.data.netfile import dumps
from lernpy.errors import LernpyError
from lernpy.graph.activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from lernpy.graph.conv import Conv, Pool
from lernpy.graph.link import DetachedLink
from lernpy.graph.losses import LOSSES
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.torch.convolution import ConvPlan, conv_plan

# PyTorch's Softplus returns net itself above ``threshold``; lernpy's log(1 + e^net)
# differs from net by less than e^−40 ≈ 4e-18 there, below a float64's resolution.
SOFTPLUS_THRESHOLD = 40.0

Place = tuple[str, tuple[int, ...]]  # (parameter name, index into it)
Places = dict[str, Place | None]  # link name → its place (None: a pooling module's constant)


class TorchError(LernpyError):
    """A network PyTorch cannot hold, or a module lernpy cannot read; names the part at fault."""


def activation_module(name: str) -> nn.Module:
    """The PyTorch module computing lernpy's activation ``name`` (elementwise, or softmax).

    >>> activation_module("leaky_relu")
    LeakyReLU(negative_slope=0.01)
    """
    if name in ("identity", "avg_pool"):  # an average pool's neuron is linear (links of 1/n)
        return nn.Identity()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(LEAKY_SLOPE)
    if name == "softplus":
        return nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD)
    if name == "softmax":
        return nn.Softmax(dim=-1)
    raise TorchError(f"activation {name!r} has no PyTorch module")


# -- the plan: Sequential layers or the DAG ----------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One ``nn.Linear`` (and its activation): the links from ``sources`` (and ``bias``)."""

    sources: list[Neuron]
    targets: list[Neuron]
    bias: Neuron | None
    activation: Activation
    frozen: bool  # every weight link is frozen (the Linear's weight has requires_grad=False)
    bias_frozen: bool


def layered_plan(net: Network) -> list[Layer] | str:
    """The layers of an ``nn.Sequential`` for ``net``, or why it needs a :class:`GraphModule`.

    >>> layered_plan(Network.layered(2, 3, 1))[0].targets
    [Neuron('h1', sigmoid, net=0, value=0, sensitivity=0), ...]
    """
    layers = net.layers
    if len(layers) < 2:
        return "it has no computing layer"
    if net.shared_weights:
        return f"it has shared weights ({net.shared_weights[0].name}, …): nn.Linear ties no entries"
    if [id(n) for n in layers[0]] != [id(n) for n in net.inputs]:
        return "its inputs are not exactly layer 0"
    if [id(n) for n in layers[-1]] != [id(n) for n in net.outputs]:
        return "its last layer is not exactly the outputs"
    plan: list[Layer] = []
    used: set[Neuron] = set()
    for li in range(1, len(layers)):
        found = _layer(layers[li - 1], layers[li], li)
        if isinstance(found, str):
            return found
        if found.bias is not None:
            if any(link.target not in layers[li] for link in found.bias.outgoing):
                return f"bias neuron {found.bias.name} feeds more than one layer"
            used.add(found.bias)
        plan.append(found)
    for b in net.biases:
        if b not in used:
            return f"bias neuron {b.name} feeds no layer"
    return plan


def _layer(sources: list[Neuron], targets: list[Neuron], li: int) -> Layer | str:
    """One layer of the plan, or why the links into layer ``li`` are not one ``nn.Linear``."""
    act = targets[0].activation
    if any(n.activation is not act for n in targets):
        return f"layer {li} mixes activations"
    if act.pool:
        return f"layer {li} is max pooling"
    if act.layerwise and {id(m) for m in targets[0].group} != {id(n) for n in targets}:
        return f"the softmax of layer {li} is not the whole layer"
    wanted = {id(n) for n in sources}
    bias: Neuron | None = None
    frozen: set[bool] = set()
    bias_frozen: set[bool] = set()
    for j, n in enumerate(targets):
        seen: set[int] = set()
        own: Neuron | None = None
        for link in n.incoming:
            source = link.source
            if isinstance(link, DetachedLink):
                return f"link {link.name} is detached"
            if source.kind == "bias":
                own = source
                bias_frozen.add(link.frozen)
            elif id(source) in wanted:
                seen.add(id(source))
                frozen.add(link.frozen)
            else:
                return f"link {link.name} skips a layer"
        if len(seen) != len(sources):
            missing = [s.name for s in sources if id(s) not in seen]
            return f"link {missing[0]}→{n.name} is missing (removed links need a mask)"
        if j == 0:
            bias = own
        elif own is not bias:
            return f"the neurons of layer {li} do not share one bias neuron"
    if len(frozen) > 1 or len(bias_frozen) > 1:
        return f"some links into layer {li} are frozen and others not"
    return Layer(sources, targets, bias, act, True in frozen, True in bias_frozen)


def network(net: object, what: str = "net") -> Network:
    """``net`` itself if it is a lernpy Network, or a TorchError naming ``what``."""
    if not isinstance(net, Network):
        raise TorchError(f"{what} is {checks.short(net)}: expected a lernpy Network")
    return net


def torch_module(module: object, what: str = "module") -> nn.Module:
    """``module`` itself if it is a PyTorch module, or a TorchError naming ``what``."""
    if not isinstance(module, nn.Module):
        raise TorchError(f"{what} is {checks.short(module)}: expected a torch.nn.Module")
    return module


def floating(dtype: object) -> torch.dtype:
    """A floating-point torch dtype (torch.float64, torch.float32 …), or a TorchError."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TorchError(
            f"dtype is {checks.short(dtype)}: expected a floating-point torch dtype "
            "such as torch.float64"
        )
    return dtype


def _check(net: Network) -> None:
    """What neither module can hold: custom activations and losses, a bias value other than 1."""
    network(net).check_ready()
    loss = net.loss_function
    if LOSSES.get(loss.name) is not loss:
        raise TorchError(f"the loss {loss.name!r} is not built in: PyTorch has no matching loss")
    for n in net.neurons:
        if ACTIVATIONS.get(n.activation.name) is not n.activation:
            raise TorchError(
                f"neuron {n.name} has the custom activation {n.activation.name!r}, "
                "which has no PyTorch module"
            )
        if n.kind == "bias" and n.value != 1.0:
            raise TorchError(f"bias neuron {n.name} has value {n.value!r}: expected 1.0")
        if n.activation.pool and not n.incoming:
            raise TorchError(f"the max-pooling neuron {n.name} has no links: nothing to pool")


def module_plan(net: Network) -> list[Layer] | ConvPlan | None:
    """What ``to_torch`` makes of ``net``: the layers of an ``nn.Sequential`` of
    ``nn.Linear``, those of a convolutional ``nn.Sequential``, or None for a
    :class:`GraphModule`."""
    plan = layered_plan(net)
    if not isinstance(plan, str):
        return plan
    conv = conv_plan(net)
    if isinstance(conv, str) or not _holds(conv):
        return None
    return conv


def _holds(plan: ConvPlan) -> bool:
    """Can the PyTorch layers hold the plan: one activation module per layer, and each
    weight tensor's links all frozen or all learning (``requires_grad`` is per tensor)?"""
    for stage in plan.stages:
        if isinstance(stage.spec, Conv) and stage.spec.activation.name == "softmax":
            return False  # a softmax over a whole image: nn.Softmax(dim=-1) runs along its rows
        for kind in ("weight", "bias"):
            frozen = {link.frozen for link, (k, _) in stage.entries.items() if k == kind}
            if len(frozen) > 1:
                return False
    return True


def places(net: Network) -> Places:
    """Where each link's weight lives in ``to_torch(net)``: link name → (parameter, index).

    The links of a shared weight share one place; a pooling link of a
    convolutional ``nn.Sequential`` has None (its weight is part of the pooling).

    >>> places(Network.layered(2, 1, bias=False))
    {'x1→y1': ('0.weight', (0, 0)), 'x2→y1': ('0.weight', (0, 1))}
    """
    plan = module_plan(network(net))
    if plan is None:
        return GraphModule.places_of(net)
    if isinstance(plan, ConvPlan):
        return conv_places(net, plan, _conv_paths(plan))
    found: dict[str, Place] = {}
    k = 0
    for layer in plan:
        row = {id(n): j for j, n in enumerate(layer.targets)}
        col = {id(n): i for i, n in enumerate(layer.sources)}
        for n in layer.targets:
            for link in n.incoming:
                if link.source is layer.bias:
                    found[link.name] = (f"{k}.bias", (row[id(n)],))
                else:
                    found[link.name] = (f"{k}.weight", (row[id(n)], col[id(link.source)]))
        k += 1 if layer.activation.name == "identity" else 2
    return {link.name: found[link.name] for link in net.links}


def conv_places(net: Network, plan: ConvPlan, paths: list[str | None]) -> Places:
    """Each link's place in a convolutional ``nn.Sequential`` whose layer for the plan's
    stage ``s`` has the path ``paths[s]`` (None for a pooling stage)."""
    found: Places = {}
    for stage, path in zip(plan.stages, paths):
        for link, (kind, index) in stage.entries.items():
            found[link.name] = (f"{path}.{kind}", index)
    return {link.name: found.get(link.name) for link in net.links}


def _conv_paths(plan: ConvPlan) -> list[str | None]:
    """The paths of the Conv2d and Linear layers in :func:`_conv_sequential`'s Sequential."""
    paths: list[str | None] = []
    k = 1  # 0 is the nn.Unflatten
    for stage in plan.stages:
        if isinstance(stage.spec, Pool):
            paths.append(None)
            k += 1
            continue
        k += 1 if stage.flatten else 0
        paths.append(str(k))
        k += 1 if stage.spec.activation.name == "identity" else 2
    return paths


def to_torch(net: Network, dtype: torch.dtype = torch.float64) -> nn.Module:
    """A PyTorch module computing ``net``'s function with ``net``'s weights.

    Layered networks become ``nn.Sequential`` of ``nn.Linear``, convolutional
    ones ``nn.Sequential`` of ``nn.Conv2d`` …, any other DAG a
    :class:`GraphModule` (see the module docstring for where each weight goes).
    Frozen links get ``requires_grad=False``; a shared weight is one parameter
    entry, whose ``.grad`` is the sum of its links' ∂E/∂w. The module carries the
    network file's text as ``module.lernpy_network``, so
    :func:`~lernpy.torch.from_torch` gives back the same names, labels, ties,
    loss and frozen links. The loss is :func:`~lernpy.torch.torch_loss`. Nothing
    draws from torch's random generator.

    >>> import torch
    >>> from lernpy import examples
    >>> model = to_torch(examples.mazur())
    >>> model(torch.tensor([0.05, 0.10], dtype=torch.float64)).tolist()  # out_o1, out_o2
    [0.7513650695523157, 0.7729284653214625]
    """
    _check(net)
    dtype = floating(dtype)
    plan = module_plan(net)
    if plan is None:
        module: nn.Module = GraphModule(net, dtype)
    elif isinstance(plan, ConvPlan):
        module = _conv_sequential(plan, dtype)
    else:
        module = _sequential(plan, dtype)
    module.lernpy_network = dumps(net)
    return module


def _sequential(plan: list[Layer], dtype: torch.dtype) -> nn.Sequential:
    parts: list[nn.Module] = []
    for layer in plan:
        # skip_init: no draw from torch's global generator; every entry is set below
        linear = skip_init(
            nn.Linear, len(layer.sources), len(layer.targets), bias=layer.bias is not None,
            dtype=dtype,
        )  # fmt: skip
        col = {id(n): i for i, n in enumerate(layer.sources)}
        weights = [[0.0] * len(layer.sources) for _ in layer.targets]
        biases = [0.0] * len(layer.targets)
        for j, n in enumerate(layer.targets):
            for link in n.incoming:
                if link.source is layer.bias:
                    biases[j] = link.weight
                else:
                    weights[j][col[id(link.source)]] = link.weight
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.weight.requires_grad_(not layer.frozen)
            if linear.bias is not None:
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
                linear.bias.requires_grad_(not layer.bias_frozen)
        parts.append(linear)
        if layer.activation.name != "identity":
            parts.append(activation_module(layer.activation.name))
    return nn.Sequential(*parts)


def _conv_sequential(plan: ConvPlan, dtype: torch.dtype) -> nn.Sequential:
    """Unflatten, then Conv2d, MaxPool2d/AvgPool2d, Flatten, Linear and activations."""
    parts: list[nn.Module] = [nn.Unflatten(-1, plan.image)]
    for stage in plan.stages:
        spec = stage.spec
        if isinstance(spec, Pool):
            pool = nn.MaxPool2d if spec.kind == "max" else nn.AvgPool2d
            parts.append(pool(spec.size, spec.stride))
            continue
        if isinstance(spec, Conv):
            shape = (spec.channels, stage.inputs, spec.kernel, spec.kernel)
            layer = skip_init(
                nn.Conv2d, stage.inputs, spec.channels, spec.kernel, stride=spec.stride,
                padding=spec.padding, bias=spec.bias, dtype=dtype,
            )  # fmt: skip
        else:
            if stage.flatten:
                parts.append(nn.Flatten(-3))  # (channels, rows, columns) → flat, batch or not
            shape = (spec.size, stage.inputs)
            layer = skip_init(nn.Linear, stage.inputs, spec.size, bias=spec.bias, dtype=dtype)
        _fill(layer, stage.entries, shape, spec.bias)
        parts.append(layer)
        if spec.activation.name != "identity":
            parts.append(activation_module(spec.activation.name))
    return nn.Sequential(*parts)


def _fill(layer: nn.Module, entries: dict, shape: tuple[int, ...], bias: bool) -> None:
    """Set a Conv2d's or Linear's weight and bias from its links (a kernel entry no window
    reaches, all padding, has no link: it stays 0 and never matters)."""
    weight = torch.zeros(shape, dtype=torch.float64)
    biases = torch.zeros(shape[0], dtype=torch.float64)
    frozen = {"weight": False, "bias": False}
    for link, (kind, index) in entries.items():
        (weight if kind == "weight" else biases)[index] = link.weight
        frozen[kind] = link.frozen  # the same for every link of the tensor (checked)
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.weight.requires_grad_(not frozen["weight"])
        if bias:
            layer.bias.copy_(biases)
            layer.bias.requires_grad_(not frozen["bias"])


# -- any DAG ---------------------------------------------------------------------------


class Level(nn.Module):
    """The neurons at one depth: ``net = values · Wᵀ``, then each block's activation.

    ``W`` has a row per neuron of the level and a column per value computed so far
    (inputs, bias neurons, earlier levels); entry (``rows[k]``, ``cols[k]``) is the
    weight in slot ``slots[k]``; every other entry is a fixed 0 (no link). A
    detached link's entry sits in a second matrix that multiplies the values
    detached (``values.detach()``: PyTorch's cut for truncated BPTT). A block of
    max-pooling neurons takes its nets from :class:`MaxOver` instead.
    """

    def __init__(
        self,
        names: list[str],
        blocks: list[tuple[int, int, str]],
        links: list[tuple[int, int, int, bool]],
        pool: MaxOver | None = None,
    ) -> None:
        super().__init__()
        self.names = names
        self.blocks = [(start, stop) for start, stop, _ in blocks]
        self.kinds = [name for _, _, name in blocks]
        self.activations = nn.ModuleList(
            nn.Identity() if name == "max_pool" else activation_module(name)
            for _, _, name in blocks
        )
        self.pool = pool
        for key, detached in (("", False), ("detached_", True)):
            chosen = [(r, c, k) for r, c, k, d in links if d is detached]
            columns = list(zip(*chosen)) or [(), (), ()]
            for name, column in zip(("rows", "cols", "slots"), columns):
                tensor = torch.tensor(list(column), dtype=torch.long)
                self.register_buffer(key + name, tensor, persistent=False)
        self.detached = any(d for *_, d in links)
        self.count = len(links) + (pool.count if pool is not None else 0)

    def _nets(self, values: torch.Tensor, weights: torch.Tensor, prefix: str) -> torch.Tensor:
        rows, cols, slots = (getattr(self, prefix + k) for k in ("rows", "cols", "slots"))
        matrix = values.new_zeros(len(self.names), values.shape[1])
        matrix = matrix.index_put((rows, cols), weights[slots])
        return values @ matrix.T

    def forward(self, values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        nets = self._nets(values, weights, "")
        if self.detached:  # the source values as constants: no blame flows back through them
            nets = nets + self._nets(values.detach(), weights, "detached_")
        parts = []
        for (a, b), kind, act in zip(self.blocks, self.kinds, self.activations):
            parts.append(self.pool(values, weights) if kind == "max_pool" else act(nets[:, a:b]))
        return torch.cat(parts, dim=1)

    def extra_repr(self) -> str:
        detached = " (detached: " if self.detached else ""
        if detached:
            detached += f"{len(self.detached_slots)})"
        return f"{' '.join(self.names)} ← {self.count} links{detached}"


class MaxOver(nn.Module):
    """Max pooling in a level: each neuron's net is the largest of its links' values
    (weight · source value), the first of equals, as lernpy picks the winner; autograd
    then sends the gradient to that link alone, as lernpy's blame goes to the winner.

    ``cols`` and ``slots`` are (neurons, most links) index matrices; ``mask`` marks
    the entries that are links (a neuron with fewer links has −∞ in the others).
    """

    def __init__(self, cols: list[list[int]], slots: list[list[int]]) -> None:
        super().__init__()
        width = max(len(row) for row in cols)
        mask = [[k < len(row) for k in range(width)] for row in cols]
        cols = [row + [0] * (width - len(row)) for row in cols]
        slots = [row + [0] * (width - len(row)) for row in slots]
        self.register_buffer("cols", torch.tensor(cols, dtype=torch.long), persistent=False)
        self.register_buffer("slots", torch.tensor(slots, dtype=torch.long), persistent=False)
        self.register_buffer("mask", torch.tensor(mask), persistent=False)
        self.count = sum(sum(row) for row in mask)

    def forward(self, values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        delivered = values[:, self.cols] * weights[self.slots]  # (batch, neurons, links)
        delivered = delivered.masked_fill(~self.mask, -math.inf)
        winner = delivered.argmax(dim=2, keepdim=True)  # the first largest, as lernpy's
        return delivered.gather(2, winner).squeeze(2)

    def extra_repr(self) -> str:
        return f"{len(self.cols)} neurons: the first largest of their links' values"


class GraphModule(nn.Module):
    """A network of any DAG shape: one entry per weight, computed level by level.

    ``weight`` holds the learning weights and ``frozen`` the frozen ones
    (``requires_grad=False``), each in the order of ``net.parameters()``:
    every link that owns its weight, and every shared weight once (where its
    first link is). ``links`` and ``frozen_links`` name them (a link's name or a
    shared weight's). All the links of a shared weight read its one entry, so
    its ``.grad`` is the sum of their ∂E/∂w, as lernpy's shared weight's gradient.

    >>> net = Network.layered(2, 2, 1, seed=1)
    >>> _ = net.add_link("x1", "y1", 0.5)  # a skip link
    >>> net.freeze("b1→h1")
    >>> model = to_torch(net)
    >>> model
    GraphModule(
      2 inputs, 2 bias neurons, 10 links (1 frozen), outputs y1
      (levels): ModuleList(
        (0): Level(
          h1 h2 ← 6 links
          (activations): ModuleList(
            (0): Sigmoid()
          )
        )
        (1): Level(
          y1 ← 4 links
          (activations): ModuleList(
            (0): Sigmoid()
          )
        )
      )
    )
    >>> model.frozen_links, model.links[-1]
    (['b1→h1'], 'x1→y1')
    >>> _ = net.tie("k", ["x1→h1", "x2→h2"])
    >>> to_torch(net).links[:4]  # the shared weight k where x1→h1 was
    ['k', 'x2→h1', 'x1→h2', 'b1→h2']
    """

    def __init__(self, net: Network, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        owners = net.parameters()
        learning = [p for p in owners if not p.frozen]
        frozen = [p for p in owners if p.frozen]
        of_owner = {id(p): k for k, p in enumerate(learning + frozen)}
        slot = {id(link): of_owner[id(link.shared or link)] for link in net.links}
        self.links = [p.name for p in learning]
        self.frozen_links = [p.name for p in frozen]
        self.shared = {s.name: [link.name for link in s.links] for s in net.shared_weights}
        self.weight = nn.Parameter(torch.tensor([p.weight for p in learning], dtype=dtype))
        self.frozen = nn.Parameter(
            torch.tensor([p.weight for p in frozen], dtype=dtype), requires_grad=False
        )
        sources = [*net.inputs, *net.biases]
        self.inputs = len(net.inputs)
        self.bias_neurons = len(net.biases)
        self.link_count = len(net.links)
        column = {id(n): k for k, n in enumerate(sources)}
        width = len(sources)
        levels = []
        for neurons in _levels(net):
            blocks = _blocks(neurons)  # first: it puts each activation's neurons side by side
            links, pool_cols, pool_slots = [], [], []
            for r, n in enumerate(neurons):
                if n.activation.pool:
                    pool_cols.append([column[id(k.source)] for k in n.incoming])
                    pool_slots.append([slot[id(k)] for k in n.incoming])
                    continue
                for link in n.incoming:
                    detached = isinstance(link, DetachedLink)
                    links.append((r, column[id(link.source)], slot[id(link)], detached))
            pool = MaxOver(pool_cols, pool_slots) if pool_cols else None
            levels.append(Level([n.name for n in neurons], blocks, links, pool))
            for n in neurons:
                column[id(n)] = width
                width += 1
        self.levels = nn.ModuleList(levels)
        self.output_names = [n.name for n in net.outputs]
        outputs = [column[id(n)] for n in net.outputs]
        self.register_buffer("outputs", torch.tensor(outputs, dtype=torch.long), persistent=False)

    @staticmethod
    def places_of(net: Network) -> Places:
        """Each link's place: ("weight", (k,)) for the k-th learning weight, ("frozen", (k,))
        for the k-th frozen one; the links of a shared weight all have its place."""
        found: dict[int, Place] = {}
        counts = {"weight": 0, "frozen": 0}
        for owner in net.parameters():
            name = "frozen" if owner.frozen else "weight"
            found[id(owner)] = (name, (counts[name],))
            counts[name] += 1
        return {link.name: found[id(link.shared or link)] for link in net.links}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        single = x.dim() == 1  # one sample, as nn.Linear takes it
        values = x.unsqueeze(0) if single else x
        ones = values.new_ones(values.shape[0], self.bias_neurons)  # bias neurons: value 1.0
        values = torch.cat([values, ones], dim=1)
        weights = torch.cat([self.weight, self.frozen])
        for level in self.levels:
            values = torch.cat([values, level(values, weights)], dim=1)
        out = values[:, self.outputs]
        return out.squeeze(0) if single else out

    def extra_repr(self) -> str:
        count = self.link_count
        frozen = f" ({len(self.frozen_links)} frozen)" if self.frozen_links else ""
        shared = ""
        if self.shared:
            tied = sum(len(links) for links in self.shared.values())
            shared = f", {len(self.shared)} shared weights ({tied} links)"
        return (
            f"{self.inputs} inputs, {self.bias_neurons} bias neurons, {count} links{frozen}"
            f"{shared}, outputs {' '.join(self.output_names)}"
        )


def _levels(net: Network) -> list[list[Neuron]]:
    """Computing neurons grouped by depth, each group in network order."""
    by_depth: dict[int, list[Neuron]] = {}
    for n in net.neurons:
        if not n.is_source:
            by_depth.setdefault(net.depth(n), []).append(n)
    return [by_depth[d] for d in sorted(by_depth)]


def _blocks(neurons: list[Neuron]) -> list[tuple[int, int, str]]:
    """Runs of neurons with one activation (a softmax group whole, the max pools together)
    as (start, stop, name).

    Reorders ``neurons`` in place so that each run is contiguous.
    """
    groups: dict[object, list[Neuron]] = {}
    for n in neurons:
        act = n.activation
        key = id(n.group[0]) if act.layerwise and not act.pool else act.name
        groups.setdefault(key, []).append(n)
    neurons[:] = [n for group in groups.values() for n in group]
    blocks, start = [], 0
    for group in groups.values():
        blocks.append((start, start + len(group), group[0].activation.name))
        start += len(group)
    return blocks


def link_weights(module: nn.Module, where: Places) -> dict[str, float]:
    """Each placed link's weight read from ``module`` (as float64), by the places ``where``
    (a link without a place, a pooling module's constant, is left out).

    A weight that is not finite is an error naming the link and the parameter entry.
    """
    params = dict(module.named_parameters())
    arrays = {}
    for name in {place[0] for place in where.values() if place is not None}:
        if name not in params:
            raise TorchError(f"the module has no parameter {name!r}")
        arrays[name] = params[name].detach().to("cpu", torch.float64).tolist()
    found = {}
    for link, place in where.items():
        if place is None:
            continue
        name, index = place
        value = arrays[name]
        for i in index:
            value = value[i]
        if not math.isfinite(value):
            raise TorchError(
                f"link {link}: {name}{list(index)} is {value}: expected a finite number"
            )
        found[link] = value
    return found


def link_frozen(module: nn.Module, where: Places) -> dict[str, bool]:
    """A link is frozen when the parameter holding its weight has ``requires_grad=False``
    (and so is a link without a place: a pooling module's constant)."""
    params = dict(module.named_parameters())
    return {
        link: place is None or not params[place[0]].requires_grad for link, place in where.items()
    }
