"""Optimizer state between lernpy and PyTorch: SGD's momentum, a place for more.

An optimizer's state belongs to the weight it updates: in lernpy the link
(``link.state``, a :class:`lernpy.optim.State`), in PyTorch the parameter
(``optimizer.state[p]``), entry by entry. Moving it means converting each entry
at the link's place.

**Momentum.** lernpy's SGD keeps PyTorch's buffer by default
(``momentum_form="pytorch"``, state kind ``"sgd"``)::

    b_t = μ·b_{t−1} + g_t        w_t = w_{t−1} − rate_t·b_t        link.velocity = b_t

so ``momentum_buffer = velocity`` entry by entry, exactly, whatever the rates
were. The textbook form (``momentum_form="textbook"``, kind ``"sgd-textbook"``,
and every network file of version 1) keeps the last change instead::

    Δw_t = μ·Δw_{t−1} − rate_t·g_t                                  link.velocity = Δw_t

At a constant rate Δw_t = −rate·b_t at every step, so that velocity moves as
``momentum_buffer = −velocity / rate``, exactly only for training at one rate.
State coming back from PyTorch is always PyTorch's form.

Other optimizers' state (Adam's ``exp_avg``, ``exp_avg_sq`` and ``step``;
AdaGrad's ``sum``) would each get a pair of converters in :data:`CONVERTERS`,
entry by entry at the same places; they are not written yet.

>>> from lernpy import Network, datasets
>>> from lernpy.torch import to_torch
>>> net = Network.layered(2, 2, 1, seed=3)
>>> _ = net.train(datasets.xor(), epochs=2, rate=0.5, momentum=0.9)
>>> model = to_torch(net)
>>> sgd = optimizer_to_torch(net, model, rate=0.5, momentum=0.9)
>>> buffer = sgd.state[model[2].weight]["momentum_buffer"]
>>> buffer[0, 0].item() == net["h1→y1"].velocity
True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from lernpy.graph.network import Network
from lernpy.optim import State
from lernpy.torch.modules import Place, TorchError
from lernpy.torch.reading import names_like, read


def _entry(tensor: torch.Tensor, index: tuple[int, ...]) -> float:
    value = tensor
    for i in index:
        value = value[i]
    return float(value)


def _links_by_parameter(net: Network, where: dict[str, Place]) -> dict[str, list]:
    """The learning links of each parameter, with their index."""
    found: dict[str, list] = {}
    for link in net.links:
        if not link.frozen:
            name, index = where[link.name]
            found.setdefault(name, []).append((link, index))
    return found


def _buffer_entry(link, rate: float) -> float:
    """The momentum buffer entry of a link's state: PyTorch's b itself, or −Δw / rate."""
    state = link.state
    if state is None or state.fresh:
        return 0.0  # a zero buffer steps as a new one: b = μ·0 + g = g
    if state.kind == "sgd":
        return state.velocity
    if state.kind == "sgd-textbook":
        if state.velocity != 0.0 and rate == 0.0:
            raise TorchError(
                f"link {link.name} has the textbook velocity {state.velocity!r} and the rate "
                "is 0: the momentum buffer, −velocity / rate, does not exist"
            )
        return -state.velocity / rate if state.velocity != 0.0 else 0.0
    raise TorchError(
        f"link {link.name} keeps {state.kind} state: optimizer_to_torch moves SGD's momentum "
        "(reset_optimizer() forgets it)"
    )


def _sgd_to_torch(net: Network, module: nn.Module, where: dict[str, Place], optimizer) -> None:
    """Each learning link's velocity into its parameter's momentum buffer."""
    rate, momentum = optimizer.defaults["lr"], optimizer.defaults["momentum"]
    if momentum == 0.0:
        return  # no buffer: PyTorch keeps none either
    params = dict(module.named_parameters())
    buffers = {}
    for name, entries in _links_by_parameter(net, where).items():
        buffer = torch.zeros_like(params[name], dtype=params[name].dtype)
        for link, index in entries:
            buffer[index] = _buffer_entry(link, rate)
        buffers[name] = buffer
    for name, buffer in buffers.items():  # all checked: now fill the optimizer
        optimizer.state[params[name]]["momentum_buffer"] = buffer


def _sgd_from_torch(net: Network, module: nn.Module, where: dict[str, Place], optimizer) -> None:
    """Each learning link's state from its parameter's momentum buffer (PyTorch's form)."""
    params = dict(module.named_parameters())
    group_of = {}
    for group in optimizer.param_groups:
        for option, wanted in (("nesterov", False), ("dampening", 0), ("weight_decay", 0)):
            if group.get(option, wanted) != wanted:
                raise TorchError(
                    f"the SGD optimizer has {option}={group[option]!r}: lernpy's momentum is "
                    f"SGD with {option}={wanted!r}"
                )
        if group.get("maximize", False):
            raise TorchError("the SGD optimizer has maximize=True: lernpy descends the loss")
        for p in group["params"]:
            group_of[id(p)] = group
    states = {}
    for name, entries in _links_by_parameter(net, where).items():
        p = params[name]
        if id(p) not in group_of:
            raise TorchError(f"the optimizer does not update the module's parameter {name!r}")
        group = group_of[id(p)]
        buffer = optimizer.state.get(p, {}).get("momentum_buffer")
        if buffer is not None and tuple(buffer.shape) != tuple(p.shape):
            raise TorchError(
                f"the momentum buffer of {name!r} has shape {tuple(buffer.shape)}: "
                f"expected {tuple(p.shape)}"
            )
        for link, index in entries:
            if buffer is None or group["momentum"] == 0:
                states[link] = None  # no buffer: a fresh state
            else:
                states[link] = State("sgd", velocity=_entry(buffer, index))
    for link, state in states.items():  # all checked: now change the network
        link.state = state


# optimizer class name → (network into the optimizer's state, optimizer's state into the network)
CONVERTERS: dict[str, tuple[Callable, Callable]] = {"SGD": (_sgd_to_torch, _sgd_from_torch)}


def optimizer_to_torch(
    net: Network, module: nn.Module, rate: float, momentum: float = 0.0
) -> torch.optim.SGD:
    """A ``torch.optim.SGD`` over ``module`` that goes on where ``net``'s momentum left off.

    ``module`` is ``to_torch(net)`` (or any module holding ``net``'s links);
    ``rate`` is the rate to go on with (for a textbook-form velocity, the constant
    rate ``net`` trained with: see the module docstring). Frozen parameters are
    listed but never stepped (they get no ``.grad``).
    """
    where = _places(net, module)
    optimizer = torch.optim.SGD(module.parameters(), lr=rate, momentum=momentum)
    CONVERTERS["SGD"][0](net, module, where, optimizer)
    return optimizer


def optimizer_from_torch(optimizer: torch.optim.Optimizer, module: nn.Module, net: Network) -> None:
    """Set ``net``'s link states from ``optimizer``'s state for ``module``'s parameters.

    All or nothing: an optimizer whose state has no converter yet (Adam, …) or an
    SGD with options the conversion does not cover (Nesterov, dampening, weight
    decay) is an error, and no state changes.
    """
    kind = type(optimizer).__name__
    if kind not in CONVERTERS:
        raise TorchError(
            f"lernpy has no counterpart for the state of torch.optim.{kind} yet: "
            f"it moves the state of {', '.join(CONVERTERS)}"
        )
    CONVERTERS[kind][1](net, module, _places(net, module), optimizer)


def _places(net: Network, module: nn.Module) -> dict[str, Place]:
    """Where ``net``'s links live in ``module``, checked to be the same links."""
    names = None if hasattr(module, "lernpy_network") else names_like(net)
    found = read(module, names=names)
    if set(found.places) != {link.name for link in net.links}:
        raise TorchError("the module does not hold the network's links")
    return found.places
