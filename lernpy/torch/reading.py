"""A PyTorch module back as a lernpy network: ``from_torch``.

Two kinds of module can be read:

- a module :func:`~lernpy.torch.to_torch` made (it carries its network's file as
  ``module.lernpy_network``): the same neurons, names, labels and loss, with the
  module's weights;
- an ``nn.Sequential`` (nested ones too) of ``nn.Linear`` layers, each followed
  by at most one of ``nn.Identity``, ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
  ``nn.LeakyReLU(0.01)``, ``nn.Softplus(beta=1)`` or ``nn.Softmax(dim=-1)``: a
  layered network with ``names`` (as :meth:`Network.layered` takes them).

Anything else is refused with an error that names the layer. A link is frozen
when the parameter holding its weight has ``requires_grad=False``. Link
velocities (momentum) start at 0: a module holds no optimizer state (see
:mod:`lernpy.torch.optim` for moving it).

>>> from torch import nn
>>> model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
>>> net = from_torch(model, names="i1 i2 / h1 h2 h3 / o1")
>>> net
Network(2-3-1, tanh/identity, loss=half_sse, 13 links, seed=0)
>>> net["h2→o1"].weight == model[2].weight[0, 1].item()
True
>>> from_torch(nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)))
Traceback (most recent call last):
lernpy.torch.modules.TorchError: layer 1 is Dropout(p=0.5, inplace=False), which lernpy ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from torch import nn

from lernpy.data.netfile import NetworkFileError, loads
from lernpy.graph.activations import LEAKY_SLOPE
from lernpy.graph.losses import Loss
from lernpy.graph.losses import loss as get_loss
from lernpy.graph.network import Network
from lernpy.torch.modules import (
    GraphModule,
    Place,
    TorchError,
    layered_plan,
    link_frozen,
    link_weights,
    places,
    to_torch,
)

ACTIVATIONS = {
    nn.Identity: "identity",
    nn.Sigmoid: "sigmoid",
    nn.Tanh: "tanh",
    nn.ReLU: "relu",
    nn.LeakyReLU: "leaky_relu",
    nn.Softplus: "softplus",
    nn.Softmax: "softmax",
}
KNOWN = "Identity, Sigmoid, Tanh, ReLU, LeakyReLU(0.01), Softplus(beta=1) and Softmax(dim=-1)"
# Why some common layers have no lernpy counterpart (yet).
HINTS = {
    "Conv1d": "a convolution shares one kernel weight among many links, and lernpy has no "
    "shared weights yet",
    "Conv2d": "a convolution shares one kernel weight among many links, and lernpy has no "
    "shared weights yet",
    "Dropout": "dropout changes the function while training; lernpy has no dropout "
    "(leave it out of the model you hand over)",
    "Flatten": "lernpy's inputs are already flat: leave Flatten out",
    "BatchNorm1d": "lernpy has no batch normalisation",
    "RNN": "lernpy has no recurrent layers yet",
}


@dataclass(frozen=True)
class Reading:
    """A module read as a network, and where each link's weight lives in the module."""

    net: Network
    places: dict[str, Place]


def from_torch(
    module: nn.Module,
    names: str | Sequence[Sequence[str]] | None = None,
    *,
    loss: str | Loss | None = None,
    seed: int = 0,
) -> Network:
    """A lernpy network holding ``module``'s function and weights (see the module docstring).

    ``names``: neuron names for an ``nn.Sequential``, as :meth:`Network.layered`
    takes them (``"i1 i2 / h1 h2 / o1"``, bias names as a last group); default
    ``x1…``, ``h1…``, ``y1…``, ``b1…``. ``loss``: default ``half_sse`` for an
    ``nn.Sequential``, the network's own for a module ``to_torch`` made.
    """
    return read(module, names=names, loss=loss, seed=seed).net


def read(
    module: nn.Module,
    names: str | Sequence[Sequence[str]] | None = None,
    *,
    loss: str | Loss | None = None,
    seed: int = 0,
    strict: bool = True,
) -> Reading:
    """:func:`from_torch`, with the places. ``strict=False`` also takes subclasses of the
    known layers (:func:`~lernpy.torch.compare` checks such a module's numbers)."""
    if not isinstance(module, nn.Module):
        raise TorchError(f"expected a torch.nn.Module, got {type(module).__name__}")
    text = getattr(module, "lernpy_network", None)
    if isinstance(text, str):
        if names is not None:
            raise TorchError(
                "names= is for a plain nn.Sequential: this module carries its network's names"
            )
        found = _read_made(module, text)
    elif isinstance(module, nn.Sequential):
        found = _read_sequential(module, names, seed, strict)
    elif isinstance(module, GraphModule):
        raise TorchError(
            "this GraphModule lost its network (module.lernpy_network): cannot read it"
        )
    else:
        raise TorchError(
            f"cannot read a {type(module).__name__}: from_torch reads an nn.Sequential of "
            "nn.Linear layers and activations, or a module that to_torch made"
        )
    net = found.net
    weights = link_weights(module, found.places)
    frozen = link_frozen(module, found.places)
    for link in net.links:
        link.weight = weights[link.name]
        link.frozen = frozen[link.name]
        link.state = None  # a module holds no optimizer state
    if loss is not None:
        net.loss_function = get_loss(loss)
    return found


def _read_made(module: nn.Module, text: str) -> Reading:
    """A module from ``to_torch``: its network from the file text, checked against the module."""
    try:
        net = loads(text, source="module.lernpy_network")
    except NetworkFileError as error:
        raise TorchError(f"the module's network cannot be read: {error}") from None
    expected = to_torch(net)
    shapes = {name: tuple(p.shape) for name, p in module.named_parameters()}
    wanted = {name: tuple(p.shape) for name, p in expected.named_parameters()}
    if type(module) is not type(expected) or repr(module) != repr(expected) or shapes != wanted:
        raise TorchError(
            "the module is no longer the one to_torch made for its network (its layers or "
            "parameters changed): delete module.lernpy_network to read it as a plain nn.Sequential"
        )
    return Reading(net, places(net))


def names_like(net: Network) -> list[list[str]]:
    """``net``'s neuron names by layer, then a bias name per layer: ``names=`` for a Sequential.

    >>> from lernpy import examples
    >>> names_like(examples.mazur())
    [['i1', 'i2'], ['h1', 'h2'], ['o1', 'o2'], ['b1', 'b2']]
    """
    layers = net.layers
    bias_names = []
    for li in range(1, len(layers)):
        found = {
            link.source.name
            for n in layers[li]
            for link in n.incoming
            if link.source.kind == "bias"
        }
        bias_names.append(min(found) if found else f"b{li}")
    return [[n.name for n in layer] for layer in layers] + [bias_names]


def _flatten(module: nn.Sequential, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """(path, layer) for every layer, nested nn.Sequentials opened up."""
    for name, child in module.named_children():
        path = f"{prefix}{name}"
        if type(child) is nn.Sequential:
            yield from _flatten(child, path + ".")
        else:
            yield path, child


def _kind(child: nn.Module, strict: bool) -> str | None:
    """ "linear", an activation's name, or None for a layer lernpy cannot hold."""
    if type(child) is nn.Linear or (not strict and isinstance(child, nn.Linear)):
        return "linear"
    for cls, name in ACTIVATIONS.items():
        if type(child) is cls or (not strict and isinstance(child, cls)):
            return name
    return None


def _check_activation(path: str, child: nn.Module, name: str) -> None:
    """The activation's settings must be lernpy's."""
    wrong = ""
    if name == "leaky_relu" and child.negative_slope != LEAKY_SLOPE:
        wrong = f"lernpy's leaky_relu has negative slope {LEAKY_SLOPE}"
    elif name == "softplus" and child.beta != 1.0:
        wrong = "lernpy's softplus has beta 1"
    elif name == "softplus" and child.threshold < 20.0:
        wrong = "below net 20 it is not log(1 + e^net); lernpy's softplus is (use threshold ≥ 20)"
    elif name == "softmax" and child.dim not in (-1, 1):
        wrong = "lernpy's softmax runs over a layer's neurons (dim=-1)"
    if wrong:
        raise TorchError(f"layer {path} is {child!r}: {wrong}")


def _read_sequential(
    module: nn.Sequential, names: str | Sequence[Sequence[str]] | None, seed: int, strict: bool
) -> Reading:
    linears: list[tuple[str, nn.Linear]] = []
    acts: list[str | None] = []
    for path, child in _flatten(module):
        kind = _kind(child, strict)
        if kind is None:
            hint = HINTS.get(type(child).__name__, "")
            raise TorchError(
                f"layer {path} is {child!r}, which lernpy cannot hold: from_torch reads "
                f"nn.Linear layers, each followed by at most one of {KNOWN}"
                + (f" ({hint})" if hint else "")
            )
        if kind == "linear":
            if linears and child.in_features != linears[-1][1].out_features:
                before = linears[-1][0]
                raise TorchError(
                    f"layer {path} is {child!r}: it takes {child.in_features} inputs, but layer "
                    f"{before} gives {linears[-1][1].out_features}"
                )
            linears.append((path, child))
            acts.append(None)
            continue
        if kind == "identity":
            continue  # computes nothing
        _check_activation(path, child, kind)
        if not linears:
            raise TorchError(
                f"layer {path} is {child!r}, before any nn.Linear: an activation belongs to "
                "the neurons a Linear computes"
            )
        if acts[-1] is not None:
            raise TorchError(
                f"layer {path} is {child!r}, a second activation after layer {linears[-1][0]}: "
                "a lernpy neuron has one activation"
            )
        acts[-1] = kind
    if not linears:
        raise TorchError("the nn.Sequential has no nn.Linear layer: nothing to read")
    sizes = [linears[0][1].in_features] + [lin.out_features for _, lin in linears]
    named = [a or "identity" for a in acts]
    net = Network.layered(
        *sizes,
        activation=named[:-1],
        output=named[-1],
        bias=[lin.bias is not None for _, lin in linears],
        names=names,
        seed=seed,
    )
    plan = layered_plan(net)
    assert not isinstance(plan, str), plan  # Network.layered builds exactly the layered plan
    where: dict[str, Place] = {}
    for (path, _), layer in zip(linears, plan):
        for j, target in enumerate(layer.targets):
            for i, source in enumerate(layer.sources):
                where[f"{source.name}→{target.name}"] = (f"{path}.weight", (j, i))
            if layer.bias is not None:
                where[f"{layer.bias.name}→{target.name}"] = (f"{path}.bias", (j,))
    return Reading(net, {link.name: where[link.name] for link in net.links})
