"""A PyTorch module back as a lernpy network: ``from_torch``.

Three kinds of module can be read:

- a module :func:`~lernpy.torch.to_torch` made (it carries its network's file as
  ``module.lernpy_network``): the same neurons, names, labels, shared weights
  and loss, with the module's weights;
- an ``nn.Sequential`` (nested ones too) of ``nn.Linear`` layers, each followed
  by at most one of ``nn.Identity``, ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``,
  ``nn.LeakyReLU(0.01)``, ``nn.Softplus(beta=1)`` or ``nn.Softmax(dim=-1)``: a
  layered network with ``names`` (as :meth:`Network.layered` takes them);
- an ``nn.Sequential`` of ``nn.Conv2d`` (each with an activation, as above but
  no softmax), ``nn.MaxPool2d``, ``nn.AvgPool2d``, then ``nn.Flatten`` and
  ``nn.Linear`` layers, that ``Network.convolutional`` can build: that network,
  with the names the builder gives (``x1[1,1]``, ``c1[1,1]``, ``k1`` …). The
  image size comes from a leading ``nn.Unflatten(1, (channels, height,
  width))`` (what ``to_torch`` puts first, so that the module takes lernpy's
  flat inputs) or from ``image=(channels, height, width)``.

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
>>> cnn = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
...                     nn.Flatten(), nn.Linear(8, 2))
>>> from_torch(cnn, image=(1, 4, 4))
Network(16-32-8-2, relu/max_pool/identity, loss=half_sse, 282 links, seed=0)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from torch import nn

from lernpy.data.netfile import NetworkFileError, loads
from lernpy.errors import LernpyError
from lernpy.graph.activations import LEAKY_SLOPE
from lernpy.graph.conv import Conv, Dense, Pool
from lernpy.graph.losses import Loss
from lernpy.graph.losses import loss as get_loss
from lernpy.graph.network import Network
from lernpy.torch.convolution import conv_plan
from lernpy.torch.modules import (
    GraphModule,
    Places,
    TorchError,
    conv_places,
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
    "Conv1d": "lernpy's convolutions are 2-D (nn.Conv2d, read with the convolution builder)",
    "Dropout": "dropout changes the function while training; lernpy has no dropout "
    "(leave it out of the model you hand over)",
    "Flatten": "lernpy's inputs are already flat: leave Flatten out",
    "BatchNorm1d": "lernpy has no batch normalisation",
    "BatchNorm2d": "lernpy has no batch normalisation",
    "RNN": "lernpy's recurrent networks are unrolled in time (Network.recurrent); to_torch "
    "gives one as a GraphModule, and from_torch reads that back",
}
# the layers of a convolutional Sequential (Flatten too, once an image is flattened)
IMAGE_LAYERS = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Unflatten)


@dataclass(frozen=True)
class Reading:
    """A module read as a network, and where each link's weight lives in the module."""

    net: Network
    places: Places
    image: tuple[int, int, int] | None = None  # the module takes images of this shape, not flat


def from_torch(
    module: nn.Module,
    names: str | Sequence[Sequence[str]] | None = None,
    *,
    image: Sequence[int] | None = None,
    loss: str | Loss | None = None,
    seed: int = 0,
) -> Network:
    """A lernpy network holding ``module``'s function and weights (see the module docstring).

    ``names``: neuron names for an ``nn.Sequential`` of ``nn.Linear``, as
    :meth:`Network.layered` takes them (``"i1 i2 / h1 h2 / o1"``, bias names as
    a last group); default ``x1…``, ``h1…``, ``y1…``, ``b1…``. ``image``:
    (channels, height, width) of a convolutional ``nn.Sequential``'s input,
    unless it starts with ``nn.Unflatten``. ``loss``: default ``half_sse`` for
    an ``nn.Sequential``, the network's own for a module ``to_torch`` made.
    """
    return read(module, names=names, image=image, loss=loss, seed=seed).net


def read(
    module: nn.Module,
    names: str | Sequence[Sequence[str]] | None = None,
    *,
    image: Sequence[int] | None = None,
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
        if names is not None or image is not None:
            raise TorchError(
                "names= and image= are for a plain nn.Sequential: this module carries its "
                "network's names and shape"
            )
        found = _read_made(module, text)
    elif isinstance(module, nn.Sequential) and _is_convolutional(module):
        if names is not None:
            raise TorchError(
                "names= is for an nn.Sequential of nn.Linear: a convolutional one is read with "
                "the convolution builder, which names the neurons itself (x1[1,1], c1[1,1] …)"
            )
        found = _read_convolutional(module, image, seed, strict)
    elif isinstance(module, nn.Sequential):
        if image is not None:
            raise TorchError("image= is for a convolutional nn.Sequential (nn.Conv2d …)")
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
        link.state = None  # a module holds no optimizer state
        if found.places[link.name] is None:
            continue  # a pooling link: its fixed weight is the pooling module's own
        link.weight = weights[link.name]
        link.frozen = frozen[link.name]
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


def read_as(net: Network, module: nn.Module, *, strict: bool = True) -> Reading:
    """``module`` read to set beside ``net``: a plain ``nn.Sequential`` of ``nn.Linear`` with
    ``net``'s names, a convolutional one at ``net``'s image size."""
    if getattr(module, "lernpy_network", None) is not None or not isinstance(module, nn.Sequential):
        return read(module, strict=strict)
    if _is_convolutional(module):
        plan = conv_plan(net)
        if isinstance(plan, str):
            raise TorchError(
                f"the module is convolutional and the network is not one the convolution "
                f"builder made: {plan}"
            )
        return read(module, image=plan.image, strict=strict)
    return read(module, names=names_like(net), strict=strict)


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
    where: Places = {}
    for (path, _), layer in zip(linears, plan):
        for j, target in enumerate(layer.targets):
            for i, source in enumerate(layer.sources):
                where[f"{source.name}→{target.name}"] = (f"{path}.weight", (j, i))
            if layer.bias is not None:
                where[f"{layer.bias.name}→{target.name}"] = (f"{path}.bias", (j,))
    return Reading(net, {link.name: where[link.name] for link in net.links})


# -- a convolutional nn.Sequential: read with the convolution builder ---------------------


def _is_convolutional(module: nn.Sequential) -> bool:
    return any(isinstance(child, IMAGE_LAYERS) for _, child in _flatten(module))


def _square(path: str, child: nn.Module, option: str) -> int:
    """A Conv2d's or pooling layer's option that is one number for rows and columns."""
    value = getattr(child, option)
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise TorchError(
                f"layer {path} is {child!r}: its {option} {tuple(value)} differs along rows and "
                "columns; lernpy's convolution builder takes one number for both"
            )
        value = value[0]
    return int(value)


def _conv_spec(path: str, child: nn.Conv2d, channels: int) -> Conv:
    """The builder's Conv for an nn.Conv2d, or an error naming what lernpy cannot build."""
    wrong = ""
    padding = child.padding
    kernel = _square(path, child, "kernel_size")
    if padding == "valid":
        padding = 0
    elif padding == "same":
        if kernel % 2 == 0:
            wrong = "padding='same' pads an even kernel unevenly; lernpy pads both sides alike"
        padding = (kernel - 1) // 2
    else:
        padding = _square(path, child, "padding")
    if child.in_channels != channels:
        wrong = f"it takes {child.in_channels} channels, the layer before gives {channels}"
    elif tuple(child.dilation) != (1, 1):
        wrong = "lernpy's convolution builder has no dilation"
    elif child.groups != 1:
        wrong = "lernpy's convolution builder has no groups"
    elif child.padding_mode != "zeros":
        wrong = "lernpy pads with zeros only (padding_mode='zeros')"
    elif padding >= kernel:
        wrong = f"lernpy's convolution builder takes padding less than the kernel ({kernel})"
    if wrong:
        raise TorchError(f"layer {path} is {child!r}: {wrong}")
    stride = _square(path, child, "stride")
    return Conv(child.out_channels, kernel, stride, padding, "identity", child.bias is not None)


def _pool_spec(path: str, child: nn.Module) -> Pool:
    kind = "max" if isinstance(child, nn.MaxPool2d) else "avg"
    wrong = ""
    if _square(path, child, "padding") != 0:
        wrong = "lernpy's pooling windows have no padding"
    elif child.ceil_mode:
        wrong = "lernpy's pooling windows all fit in the image (ceil_mode=False)"
    elif kind == "max" and (_square(path, child, "dilation") != 1 or child.return_indices):
        wrong = "lernpy's max pooling has no dilation and returns no indices"
    elif kind == "avg" and child.divisor_override is not None:
        wrong = "lernpy's average pooling divides by the window's size"
    if wrong:
        raise TorchError(f"layer {path} is {child!r}: {wrong}")
    return Pool(kind, _square(path, child, "kernel_size"), _square(path, child, "stride"))


def _image_size(image: Sequence[int] | None, path: str, child: nn.Module) -> tuple[int, int, int]:
    if image is None:
        raise TorchError(
            f"layer {path} is {child!r}: lernpy needs the image size of a convolutional "
            "nn.Sequential: from_torch(module, image=(channels, height, width)), or "
            "nn.Unflatten(1, (channels, height, width)) as its first layer"
        )
    size = tuple(image)
    if len(size) == 2:
        size = (1, *size)
    if len(size) != 3 or not all(isinstance(v, int) and v >= 1 for v in size):
        raise TorchError(f"image is {image!r}: expected (channels, height, width)")
    return size  # type: ignore[return-value]


def _read_convolutional(
    module: nn.Sequential, image: Sequence[int] | None, seed: int, strict: bool
) -> Reading:
    """A Sequential of Conv2d, pooling, Flatten and Linear, built with the builder."""
    layers = list(_flatten(module))
    first_path, first = layers[0]
    takes_flat = type(first) is nn.Unflatten
    if takes_flat:
        size = tuple(first.unflattened_size)
        if first.dim not in (1, -1) or len(size) != 3:
            raise TorchError(
                f"layer {first_path} is {first!r}: lernpy reads nn.Unflatten(1, (channels, "
                "height, width)) as the first layer, the flat inputs as an image"
            )
        if image is not None and _image_size(image, first_path, first) != size:
            raise TorchError(f"image={tuple(image)!r}, but layer {first_path} is {first!r}")
        start = size
        layers = layers[1:]
    else:
        start = _image_size(image, first_path, first)
    specs: list[Conv | Pool | Dense] = []
    paths: list[str | None] = []
    shape: tuple[int, int, int] | None = start  # None once flattened
    flat = 0
    flattened = False
    for path, child in layers:
        kind = _kind(child, strict)
        if type(child) is nn.Identity:
            continue
        if isinstance(child, nn.Conv2d) and (strict is False or type(child) is nn.Conv2d):
            if shape is None:
                raise TorchError(f"layer {path} is {child!r}, after the image was flattened")
            spec: Conv | Pool | Dense = _conv_spec(path, child, shape[0])
            paths.append(path)
        elif type(child) in (nn.MaxPool2d, nn.AvgPool2d):
            if shape is None:
                raise TorchError(f"layer {path} is {child!r}, after the image was flattened")
            spec = _pool_spec(path, child)
            paths.append(None)
        elif type(child) is nn.Flatten:
            if shape is None or flattened or child.start_dim not in (1, -3) or child.end_dim != -1:
                raise TorchError(
                    f"layer {path} is {child!r}: lernpy reads one nn.Flatten() (or "
                    "nn.Flatten(-3)), between the image layers and the first nn.Linear"
                )
            flat, shape, flattened = shape[0] * shape[1] * shape[2], None, True
            continue
        elif kind == "linear":
            if shape is not None:
                raise TorchError(
                    f"layer {path} is {child!r}, right after an image: put nn.Flatten() before "
                    "it (an nn.Linear on an image works along its last axis alone)"
                )
            if child.in_features != flat:
                raise TorchError(
                    f"layer {path} is {child!r}: it takes {child.in_features} inputs, the layer "
                    f"before gives {flat}"
                )
            spec = Dense(child.out_features, "identity", child.bias is not None)
            paths.append(path)
            flat = child.out_features
        elif kind is not None and kind != "linear":
            _check_activation(path, child, kind)
            before = specs[-1] if specs else None
            if before is None or isinstance(before, Pool) or before.activation != "identity":
                raise TorchError(
                    f"layer {path} is {child!r}: an activation belongs right after an nn.Conv2d "
                    "or nn.Linear, one each"
                )
            if kind == "softmax" and isinstance(before, Conv):
                raise TorchError(
                    f"layer {path} is {child!r}, after a convolution: lernpy's softmax runs over "
                    "a whole layer of neurons, nn.Softmax over one axis of the image"
                )
            specs[-1] = replace(before, activation=kind)
            continue
        else:
            hint = HINTS.get(type(child).__name__, "")
            raise TorchError(
                f"layer {path} is {child!r}, which lernpy cannot hold: a convolutional "
                "nn.Sequential is read as nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten and "
                f"nn.Linear layers, each Conv2d and Linear followed by at most one of {KNOWN}"
                + (f" ({hint})" if hint else "")
            )
        specs.append(spec)
        if shape is not None and not isinstance(spec, Dense):
            shape = _shape_after(spec, shape, path, child)
    if not specs or not isinstance(specs[-1], Dense):
        raise TorchError(
            "the convolutional nn.Sequential does not end in nn.Linear: lernpy's outputs are "
            "the neurons of a last Dense layer"
        )
    try:
        net = Network.convolutional(start, *specs, seed=seed)
    except LernpyError as error:
        raise TorchError(f"the convolution builder cannot make it: {error}") from None
    plan = conv_plan(net, specs)
    if isinstance(plan, str):  # the builder made it from these layers: it cannot happen
        raise TorchError(f"the convolution builder's network does not read back: {plan}")
    return Reading(net, conv_places(net, plan, paths), image=None if takes_flat else start)


def _shape_after(
    spec: Conv | Pool, shape: tuple[int, int, int], path: str, child: nn.Module
) -> tuple[int, int, int]:
    """The image a Conv or Pool gives, or an error when its window does not fit."""
    padding = spec.padding if isinstance(spec, Conv) else 0
    window = spec.kernel if isinstance(spec, Conv) else spec.size
    channels = spec.channels if isinstance(spec, Conv) else shape[0]
    sizes = []
    for size in shape[1:]:
        span = size + 2 * padding - window
        if span < 0:
            raise TorchError(
                f"layer {path} is {child!r}: its window of {window} does not fit in {size}"
            )
        sizes.append(span // spec.stride + 1)
    return (channels, sizes[0], sizes[1])
