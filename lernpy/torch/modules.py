"""A lernpy network as a PyTorch module: ``to_torch``, the layered plan, the DAG module.

A network that :meth:`Network.layered` could have built becomes an
``nn.Sequential`` of ``nn.Linear`` and activation modules. Layer ``l``'s links
become one ``nn.Linear``, in :meth:`Network.matrix`'s orientation::

    linear.weight[j, i] = weight of the link (layer l−1's i-th neuron → layer l's j-th neuron)
    linear.bias[j]      = weight of the link (bias neuron of layer l → layer l's j-th neuron)

(neurons counted in ``net.layers`` order; a layer without a bias neuron gets
``bias=False``). Any other wiring (skip links, removed links, links frozen one
by one) becomes a :class:`GraphModule`: every link's weight is one entry of
``weight`` (or of ``frozen``, with ``requires_grad=False``), in network order,
and ``forward`` computes the neurons level by level (a level: the neurons at
the same depth). A removed link has no entry: its place in the level's matrix
is a fixed 0, a mask.

Which entry holds which link is a network's **places**: link name →
(parameter name, index). Everything else (reading weights back, gradients
beside lernpy's, optimizer state) goes through them.

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

from lernpy.data.netfile import dumps
from lernpy.errors import LernpyError
from lernpy.graph.activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from lernpy.graph.link import DetachedLink
from lernpy.graph.losses import LOSSES
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron

# PyTorch's Softplus returns net itself above ``threshold``; lernpy's log(1 + e^net)
# differs from net by less than e^−40 ≈ 4e-18 there, below a float64's resolution.
SOFTPLUS_THRESHOLD = 40.0

Place = tuple[str, tuple[int, ...]]  # (parameter name, index into it)


class TorchError(LernpyError):
    """A network PyTorch cannot hold, or a module lernpy cannot read; names the part at fault."""


def activation_module(name: str) -> nn.Module:
    """The PyTorch module computing lernpy's activation ``name`` (elementwise, or softmax).

    >>> activation_module("leaky_relu")
    LeakyReLU(negative_slope=0.01)
    """
    if name == "identity":
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


def _check(net: Network) -> None:
    """What neither module can hold: custom activations and losses, a bias value other than 1."""
    net.check_ready()
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
        if n.activation.pool:
            raise TorchError(f"neuron {n.name} is a max pool: the bridge has no pooling module yet")
    # Each link gets its own parameter entry here: a shared weight would split into
    # several, and a detached link would pass the gradient it must stop.
    if net.shared_weights:
        names = ", ".join(s.name for s in net.shared_weights[:3])
        more = ", …" if len(net.shared_weights) > 3 else ""
        raise TorchError(
            f"the network has shared weights ({names}{more}): the bridge gives every link its "
            "own parameter entry, so it cannot keep them shared yet"
        )
    for link in net.links:
        if isinstance(link, DetachedLink):
            raise TorchError(
                f"link {link.name} is detached (truncated BPTT): the bridge cannot cut the "
                "gradient there yet"
            )


def places(net: Network) -> dict[str, Place]:
    """Where each link's weight lives in ``to_torch(net)``: link name → (parameter, index).

    >>> places(Network.layered(2, 1, bias=False))
    {'x1→y1': ('0.weight', (0, 0)), 'x2→y1': ('0.weight', (0, 1))}
    """
    plan = layered_plan(net)
    if isinstance(plan, str):
        return GraphModule.places_of(net)
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


def to_torch(net: Network, dtype: torch.dtype = torch.float64) -> nn.Module:
    """A PyTorch module computing ``net``'s function with ``net``'s weights.

    Layered networks become ``nn.Sequential``, any other DAG a :class:`GraphModule`
    (see the module docstring for where each weight goes). Frozen links get
    ``requires_grad=False``. The module carries the network file's text as
    ``module.lernpy_network``, so :func:`~lernpy.torch.from_torch` gives back the
    same names, labels, loss and frozen links. The loss is
    :func:`~lernpy.torch.torch_loss`. Nothing draws from torch's random generator.

    >>> import torch
    >>> from lernpy import examples
    >>> model = to_torch(examples.mazur())
    >>> model(torch.tensor([0.05, 0.10], dtype=torch.float64)).tolist()  # out_o1, out_o2
    [0.7513650695523157, 0.7729284653214625]
    """
    _check(net)
    plan = layered_plan(net)
    module = GraphModule(net, dtype) if isinstance(plan, str) else _sequential(plan, dtype)
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


# -- any DAG ---------------------------------------------------------------------------


class Level(nn.Module):
    """The neurons at one depth: ``net = values · Wᵀ``, then each block's activation.

    ``W`` has a row per neuron of the level and a column per value computed so far
    (inputs, bias neurons, earlier levels); entry (``rows[k]``, ``cols[k]``) is the
    weight in slot ``slots[k]``; every other entry is a fixed 0 (no link).
    """

    def __init__(
        self,
        names: list[str],
        blocks: list[tuple[int, int, str]],
        rows: list[int],
        cols: list[int],
        slots: list[int],
    ) -> None:
        super().__init__()
        self.names = names
        self.blocks = [(start, stop) for start, stop, _ in blocks]
        self.activations = nn.ModuleList(activation_module(name) for _, _, name in blocks)
        self.register_buffer("rows", torch.tensor(rows, dtype=torch.long), persistent=False)
        self.register_buffer("cols", torch.tensor(cols, dtype=torch.long), persistent=False)
        self.register_buffer("slots", torch.tensor(slots, dtype=torch.long), persistent=False)

    def forward(self, values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        matrix = values.new_zeros(len(self.names), values.shape[1])
        matrix = matrix.index_put((self.rows, self.cols), weights[self.slots])
        nets = values @ matrix.T
        parts = [act(nets[:, a:b]) for (a, b), act in zip(self.blocks, self.activations)]
        return torch.cat(parts, dim=1)

    def extra_repr(self) -> str:
        return f"{' '.join(self.names)} ← {len(self.slots)} links"


class GraphModule(nn.Module):
    """A network of any DAG shape: one weight per link, computed level by level.

    ``weight`` holds the learning links' weights and ``frozen`` the frozen ones'
    (``requires_grad=False``), each in network order; ``links`` and
    ``frozen_links`` name them. A link's slot is its index in
    ``cat([weight, frozen])``. Several links may share a slot: that is how a
    shared weight will map onto one parameter entry, whose ``.grad`` is then the
    sum of its links' ∂E/∂w.

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
    """

    def __init__(self, net: Network, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        learning = [link for link in net.links if not link.frozen]
        frozen = [link for link in net.links if link.frozen]
        slot = {id(link): k for k, link in enumerate(learning + frozen)}
        self.links = [link.name for link in learning]
        self.frozen_links = [link.name for link in frozen]
        self.weight = nn.Parameter(torch.tensor([link.weight for link in learning], dtype=dtype))
        self.frozen = nn.Parameter(
            torch.tensor([link.weight for link in frozen], dtype=dtype), requires_grad=False
        )
        sources = [*net.inputs, *net.biases]
        self.inputs = len(net.inputs)
        self.bias_neurons = len(net.biases)
        column = {id(n): k for k, n in enumerate(sources)}
        width = len(sources)
        levels = []
        for neurons in _levels(net):
            blocks = _blocks(neurons)  # first: it puts each activation's neurons side by side
            rows, cols, slots = [], [], []
            for r, n in enumerate(neurons):
                for link in n.incoming:
                    rows.append(r)
                    cols.append(column[id(link.source)])
                    slots.append(slot[id(link)])
            names = [n.name for n in neurons]
            levels.append(Level(names, blocks, rows, cols, slots))
            for n in neurons:
                column[id(n)] = width
                width += 1
        self.levels = nn.ModuleList(levels)
        self.output_names = [n.name for n in net.outputs]
        outputs = [column[id(n)] for n in net.outputs]
        self.register_buffer("outputs", torch.tensor(outputs, dtype=torch.long), persistent=False)

    @staticmethod
    def places_of(net: Network) -> dict[str, Place]:
        """Each link's place: ("weight", (k,)) for the k-th learning link, ("frozen", (k,))."""
        found: dict[str, Place] = {}
        counts = {"weight": 0, "frozen": 0}
        for link in net.links:
            name = "frozen" if link.frozen else "weight"
            found[link.name] = (name, (counts[name],))
            counts[name] += 1
        return found

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
        count = len(self.links) + len(self.frozen_links)
        frozen = f" ({len(self.frozen_links)} frozen)" if self.frozen_links else ""
        return (
            f"{self.inputs} inputs, {self.bias_neurons} bias neurons, {count} links{frozen}, "
            f"outputs {' '.join(self.output_names)}"
        )


def _levels(net: Network) -> list[list[Neuron]]:
    """Computing neurons grouped by depth, each group in network order."""
    by_depth: dict[int, list[Neuron]] = {}
    for n in net.neurons:
        if not n.is_source:
            by_depth.setdefault(net.depth(n), []).append(n)
    return [by_depth[d] for d in sorted(by_depth)]


def _blocks(neurons: list[Neuron]) -> list[tuple[int, int, str]]:
    """Runs of neurons with one activation (a softmax group whole) as (start, stop, name).

    Reorders ``neurons`` in place so that each run is contiguous.
    """
    groups: dict[object, list[Neuron]] = {}
    for n in neurons:
        key = id(n.group[0]) if n.activation.layerwise else n.activation.name
        groups.setdefault(key, []).append(n)
    neurons[:] = [n for group in groups.values() for n in group]
    blocks, start = [], 0
    for group in groups.values():
        blocks.append((start, start + len(group), group[0].activation.name))
        start += len(group)
    return blocks


def link_weights(module: nn.Module, where: dict[str, Place]) -> dict[str, float]:
    """Each link's weight read from ``module`` (as float64), by the places ``where``.

    A weight that is not finite is an error naming the link and the parameter entry.
    """
    params = dict(module.named_parameters())
    arrays = {}
    for name in {p for p, _ in where.values()}:
        if name not in params:
            raise TorchError(f"the module has no parameter {name!r}")
        arrays[name] = params[name].detach().to("cpu", torch.float64).tolist()
    found = {}
    for link, (name, index) in where.items():
        value = arrays[name]
        for i in index:
            value = value[i]
        if not math.isfinite(value):
            raise TorchError(
                f"link {link}: {name}{list(index)} is {value}: expected a finite number"
            )
        found[link] = value
    return found


def link_frozen(module: nn.Module, where: dict[str, Place]) -> dict[str, bool]:
    """A link is frozen when the parameter holding its weight has ``requires_grad=False``."""
    params = dict(module.named_parameters())
    return {link: not params[name].requires_grad for link, (name, _) in where.items()}
