"""Optimizer state between lernpy and PyTorch, for every optimizer both sides have.

An optimizer's state belongs to the weight it updates: in lernpy the link
(``link.state``, a :class:`lernpy.optim.State`), or the shared weight for the
links that share one (``shared.state``: one state, however many links); in
PyTorch the parameter (``optimizer.state[p]``), entry by entry. Moving it
converts each weight's numbers at its place (a shared weight has one place, its
one entry), once the two optimizers are known to make the same update:

- ``SGD`` ↔ ``torch.optim.SGD``: velocity ↔ ``momentum_buffer``
- ``AdaGrad`` ↔ ``Adagrad``: t ↔ ``step``, sum ↔ ``sum``
- ``RMSProp`` ↔ ``RMSprop``: t ↔ ``step``, square ↔ ``square_avg``,
  grad_avg ↔ ``grad_avg``, velocity ↔ ``momentum_buffer``
- ``Adam`` ↔ ``Adam``: t ↔ ``step``, m ↔ ``exp_avg``, v ↔ ``exp_avg_sq``,
  v_max ↔ ``max_exp_avg_sq``
- ``AdamW`` (and ``Adam(decay="decoupled")``) ↔ ``AdamW``: as Adam

The rate is ``lr``; the other options have PyTorch's names. lernpy's formulas
and defaults are torch.optim's (``docs/optimizers.md``), so these carry over
exactly. lernpy's other conventions:

- ``SGD(momentum_form="textbook")`` keeps the last change Δw_t = μ·Δw_{t−1} − rate·g_t,
  not PyTorch's buffer b_t = μ·b_{t−1} + g_t. At a constant rate Δw_t = −rate·b_t at
  every step, so it moves as ``momentum_buffer = −velocity / rate``: exactly only
  if the network trained at that one rate (the two forms differ under a schedule).
- ``Adam(first_step=k)`` counts its bias correction from k: PyTorch's ``step`` is
  t + k − 1, which makes the same corrections from there on (exact).
- ``epsilon="inside"`` (√(v + ε)), Adam's ``epsilon="hat"`` (TensorFlow's ε̂),
  ``decay="decoupled"`` in SGD, AdaGrad and RMSProp, and clipping have no
  torch.optim option that makes the same update: refused, naming the option.

PyTorch counts the steps once per parameter tensor, lernpy once per weight: the
weights of one parameter must have the same step count (a link frozen for a while
has fewer; it is refused, naming the weights). State coming back from PyTorch is
in PyTorch's conventions.

>>> from lernpy import Network, datasets
>>> from lernpy.optim import Adam
>>> from lernpy.torch import to_torch
>>> net = Network.layered(2, 2, 1, seed=3)
>>> _ = net.train(datasets.xor(), epochs=2, optimizer=Adam(rate=0.01))
>>> model = to_torch(net)
>>> adam = optimizer_to_torch(net, model, Adam(rate=0.01))
>>> adam
Adam (...
>>> state = adam.state[model[2].weight]
>>> state["exp_avg"][0, 0].item() == net["h1→y1"].state.m, state["step"].item()
(True, 8.0)
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import nn

from lernpy import checks
from lernpy.errors import LernpyError
from lernpy.graph.network import Network
from lernpy.graph.shared import SharedWeight
from lernpy.optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, State, choose, from_dict
from lernpy.torch.modules import Places, TorchError
from lernpy.torch.reading import read_as

# torch.optim's class for each kind of lernpy state
TORCH_NAMES = ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW")
# each state entry of a torch.optim optimizer and the State field that holds it
ENTRIES = {
    "SGD": (("momentum_buffer", "velocity"),),
    "Adagrad": (("sum", "sum"),),
    "RMSprop": (
        ("square_avg", "square"),
        ("grad_avg", "grad_avg"),
        ("momentum_buffer", "velocity"),
    ),
    "Adam": (("exp_avg", "m"), ("exp_avg_sq", "v"), ("max_exp_avg_sq", "v_max")),
}
ENTRIES["AdamW"] = ENTRIES["Adam"]
KIND = {"SGD": "sgd", "Adagrad": "adagrad", "RMSprop": "rmsprop", "Adam": "adam", "AdamW": "adam"}
# each torch.optim class's lernpy counterpart and the options they share by name (lr is the rate)
OPTIONS: dict[str, tuple[type[Optimizer], tuple[str, ...]]] = {
    "SGD": (SGD, ("momentum", "dampening", "nesterov", "weight_decay")),
    "Adagrad": (AdaGrad, ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")),
    "RMSprop": (RMSProp, ("alpha", "eps", "weight_decay", "momentum", "centered")),
    "Adam": (Adam, ("betas", "eps", "weight_decay", "amsgrad")),
    "AdamW": (AdamW, ("betas", "eps", "weight_decay", "amsgrad")),
}


# -- the optimizers: lernpy's ↔ torch.optim's ------------------------------------------


def torch_counterpart(optimizer: Optimizer) -> tuple[str, dict[str, object]]:
    """The ``torch.optim`` class name and options that update as ``optimizer`` does.

    A convention torch.optim has no option for is a :class:`TorchError` naming it.

    >>> name, options = torch_counterpart(AdamW(rate=0.01))
    >>> name, options["lr"], options["betas"], options["weight_decay"]
    ('AdamW', 0.01, (0.9, 0.999), 0.01)
    >>> torch_counterpart(RMSProp(epsilon="inside"))
    Traceback (most recent call last):
    lernpy.torch.modules.TorchError: RMSProp(rate=0.01, epsilon='inside'): epsilon='inside' ...
    """
    if not isinstance(optimizer, Optimizer):
        raise TorchError(
            f"optimizer is {checks.short(optimizer)}: expected a lernpy optimizer such as SGD(0.1)"
        )
    who = optimizer.describe()
    for option, clip in (("clip_norm", "clip_grad_norm_"), ("clip_value", "clip_grad_value_")):
        value = getattr(optimizer, option)
        if value is not None:
            raise TorchError(
                f"{who}: {option}={value!r} has no torch.optim counterpart: PyTorch clips in the "
                f"training loop (torch.nn.utils.{clip}(model.parameters(), {value!r}) before "
                f"optimizer.step()); move the state with dataclasses.replace(optimizer, "
                f"{option}=None)"
            )
    epsilon = getattr(optimizer, "epsilon", "outside")
    if epsilon != "outside":
        formula = "√(v + ε)" if epsilon == "inside" else "TensorFlow's ε̂, (√v + ε)/√(1 − β₂^t)"
        raise TorchError(
            f"{who}: epsilon={epsilon!r} divides by {formula}; torch.optim adds eps outside the "
            "square root (√v + ε) and has no option for it"
        )
    decoupled = optimizer.decay == "decoupled"
    if decoupled and optimizer.weight_decay and not isinstance(optimizer, Adam):
        raise TorchError(
            f"{who}: decay='decoupled' shrinks the weight before the step; torch.optim."
            f"{_torch_name(optimizer)}'s weight_decay adds λ·w to the gradient (decay='coupled')"
        )
    if isinstance(optimizer, Adam):
        name = "AdamW" if decoupled else "Adam"
    else:
        name = _torch_name(optimizer)
    options = {key: getattr(optimizer, key) for key in OPTIONS[name][1]}
    if "betas" in options:
        options["betas"] = tuple(options["betas"])  # type: ignore[arg-type]
    return name, {"lr": optimizer.rate, **options}


def _torch_name(optimizer: Optimizer) -> str:
    return {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop"}.get(optimizer.name, "Adam")


def lernpy_counterpart(optimizer: torch.optim.Optimizer) -> Optimizer:
    """The lernpy optimizer that updates as the ``torch.optim`` optimizer does.

    Every parameter group must have the same options (lernpy moves every weight
    of a network with one optimizer); ``maximize=True`` is refused.

    >>> from torch import nn
    >>> rmsprop = torch.optim.RMSprop(nn.Linear(1, 1).parameters(), momentum=0.9)
    >>> lernpy_counterpart(rmsprop).describe()
    'RMSProp(rate=0.01, momentum=0.9)'
    """
    kind = type(optimizer).__name__
    if kind not in TORCH_NAMES:
        raise TorchError(
            f"lernpy has no counterpart for torch.optim.{kind}: it moves the state of "
            f"{', '.join(TORCH_NAMES)}"
        )
    o = _group_options(optimizer)
    if o.get("maximize"):
        raise TorchError(f"torch.optim.{kind} has maximize=True: lernpy descends the loss")
    cls, names = OPTIONS[kind]
    options = {key: o[key] for key in names}
    if "betas" in options:
        options["betas"] = tuple(options["betas"])  # type: ignore[arg-type]
    if kind == "Adam" and o.get("decoupled_weight_decay"):
        options["decay"] = "decoupled"
    try:
        return cls(rate=o["lr"], **options)  # type: ignore[arg-type]
    except LernpyError as error:
        raise TorchError(
            f"torch.optim.{kind}'s options have no lernpy counterpart: {error}"
        ) from None


def _plain(value: object) -> object:
    """A tensor option (lr may be one) as a number; tuples element by element."""
    if isinstance(value, torch.Tensor):
        return value.item()
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value


def _group_options(optimizer: torch.optim.Optimizer) -> dict[str, object]:
    """The options of the optimizer's parameter groups, which must all be the same."""
    groups = [
        {k: _plain(v) for k, v in group.items() if k != "params"}
        for group in optimizer.param_groups
    ]
    first = groups[0]
    for group in groups[1:]:
        for key in sorted(set(first) | set(group)):
            if first.get(key) != group.get(key):
                raise TorchError(
                    f"the optimizer's parameter groups differ in {key} ({first.get(key)!r}, "
                    f"{group.get(key)!r}): lernpy moves every weight of a network with one "
                    "optimizer"
                )
    return first


def optimizer_of(net: Network) -> Optimizer | None:
    """The optimizer ``net`` names: the one it was last fitted with (``fit`` keeps it in
    ``net.training_log``, and so does a network file), at its last epoch's rate; None if
    it names none (``net.train()`` does not record one).

    >>> from lernpy import Network, datasets, fit
    >>> net = Network.layered(2, 2, 1, seed=1)
    >>> _ = fit(net, datasets.xor(), epochs=2, rate=0.3, momentum=0.9)
    >>> optimizer_of(net).describe()
    'SGD(rate=0.3, momentum=0.9)'
    """
    log = getattr(net, "training_log", None)
    if log is None:
        return None
    options = log.options
    if options.get("settings"):
        chosen = from_dict(dict(options["settings"]))  # type: ignore[arg-type]
    elif isinstance(options.get("schedule"), dict):
        rate = options["schedule"]["rate"]  # type: ignore[index]
        chosen = SGD(rate=rate, momentum=options.get("momentum", 0.0))  # type: ignore[arg-type]
    else:
        return None
    if log.epochs and log.epochs[-1].rate != chosen.rate:
        chosen = replace(chosen, rate=log.epochs[-1].rate)
    return chosen


def _chosen(net: Network, optimizer, rate, momentum) -> Optimizer:
    """The lernpy optimizer a call means: given, the SGD shorthand, or the network's own."""
    if optimizer is None and rate is None and momentum is None:
        found = optimizer_of(net)
        if found is None:
            raise TorchError(
                "the network names no optimizer (fit() and network files record one; "
                "net.train() does not): pass optimizer=..., or rate= and momentum= for SGD"
            )
        return found
    rate = None if rate is None else checks.number(rate, "rate")
    momentum = None if momentum is None else checks.number(momentum, "momentum")
    try:
        return choose(optimizer, rate, momentum)[0]
    except LernpyError as error:
        raise TorchError(str(error)) from None


# -- the state, entry by entry ------------------------------------------------------------


def _entry(tensor: torch.Tensor, index: tuple[int, ...]) -> float:
    value = tensor
    for i in index:
        value = value[i]
    return float(value)


def _owners_by_parameter(net: Network, where: Places) -> dict[str, list]:
    """The learning weights of each parameter, with their index: a link that owns its weight,
    or a shared weight (its state is the shared weight's, one entry for all its links)."""
    found: dict[str, list] = {}
    for owner in net.parameters():
        if owner.frozen:
            continue
        first = owner.links[0] if isinstance(owner, SharedWeight) else owner
        name, index = where[first.name]  # a learning weight always has a place
        found.setdefault(name, []).append((owner, index))
    return found


def _entries(name: str, options: dict[str, object]) -> list[tuple[str, str]]:
    """The state entries torch.optim keeps with these options (and the State fields)."""
    found = []
    for key, field in ENTRIES[name]:
        if key == "momentum_buffer" and not options["momentum"]:
            continue
        if key == "grad_avg" and not options["centered"]:
            continue
        if key == "max_exp_avg_sq" and not options["amsgrad"]:
            continue
        found.append((key, field))
    return found


def _what(owner: object) -> str:
    """A weight as a message names it: "link h1→y1" or "shared weight k1"."""
    kind = "shared weight" if isinstance(owner, SharedWeight) else "link"
    return f"{kind} {owner.name}"  # type: ignore[attr-defined]


def _usable(owner, optimizer: Optimizer) -> State | None:
    """The owner's state if ``optimizer`` goes on from it (None: fresh); another kind is an error
    (SGD's two momentum forms are one kind here)."""
    state = owner.state
    if state is None or state.fresh:
        return None
    sgd = isinstance(optimizer, SGD) and state.kind in ("sgd", "sgd-textbook")
    if state.kind != optimizer.kind and not sgd:
        raise TorchError(
            f"{_what(owner)} keeps {state.kind} state and the optimizer is "
            f"{optimizer.describe()}, which would start afresh: say so with "
            "net.reset_optimizer(), or move the state with the optimizer that made it"
        )
    return state


def _velocity(owner, state: State, rate: float) -> float:
    """SGD's momentum buffer from a weight's velocity: PyTorch's b itself, or −Δw / rate."""
    if state.kind == "sgd" or state.velocity == 0.0:
        return state.velocity
    if rate == 0.0:
        raise TorchError(
            f"{_what(owner)} has the textbook velocity {state.velocity!r} and the rate is 0: "
            "the momentum buffer, −velocity / rate, does not exist"
        )
    return -state.velocity / rate


def _parameter_state(
    optimizer: Optimizer, name: str, options: dict, entries: list, param: torch.Tensor, where: str
) -> dict[str, torch.Tensor] | None:
    """torch.optim's state of one parameter from its links' states (None: none yet)."""
    states = [(owner, index, _usable(owner, optimizer)) for owner, index in entries]
    if name == "SGD":
        if not optimizer.momentum or all(s is None for *_, s in states):
            return None  # PyTorch keeps no buffer either
        buffer = torch.zeros_like(param)
        for owner, index, state in states:
            if state is None and optimizer.dampening:  # type: ignore[attr-defined]
                raise TorchError(
                    f"{_what(owner)} has no velocity yet and the other weights of {where} do: "
                    "PyTorch keeps one buffer per parameter, and dampens a buffer it has "
                    "(b = μ·0 + (1 − τ)·g) but not a new one (b = g)"
                )
            buffer[index] = 0.0 if state is None else _velocity(owner, state, optimizer.rate)
        return {"momentum_buffer": buffer}
    counts = {(s.t if s is not None else 0): owner for owner, _, s in states}
    if len(counts) > 1:
        (t1, l1), (t2, l2) = sorted(counts.items())[:2]
        raise TorchError(
            f"{_what(l1)} (t = {t1}) and {_what(l2)} (t = {t2}) share {where}, whose step "
            "PyTorch counts once for all its entries: their states cannot be one parameter's"
        )
    t = next(iter(counts))
    offset = optimizer.first_step - 1 if isinstance(optimizer, Adam) else 0
    if all(s is None for *_, s in states) and not offset:
        return None  # torch.optim starts this parameter's state itself, as lernpy does
    start = optimizer.initial_accumulator_value if isinstance(optimizer, AdaGrad) else 0.0
    found = {"step": torch.tensor(float(t + offset))}  # torch.optim's own step dtype
    for key, field in _entries(name, options):
        tensor = torch.zeros_like(param)
        for _owner, index, state in states:
            tensor[index] = start if state is None else getattr(state, field)
        found[key] = tensor
    return found


def _owner_states(
    optimizer: torch.optim.Optimizer, kind: str, options: dict, entries: list, param, where: str
) -> dict:
    """Each owner's State from torch.optim's state of its parameter (None: fresh)."""
    state = optimizer.state.get(param, {})
    keys = _entries(kind, options)
    for key, _ in keys:
        tensor = state.get(key)
        if tensor is not None and tuple(tensor.shape) != tuple(param.shape):
            raise TorchError(
                f"the {key} of {where} has shape {tuple(tensor.shape)}: "
                f"expected {tuple(param.shape)}"
            )
    found = {}
    if kind == "SGD":
        buffer = state.get("momentum_buffer")
        for owner, index in entries:
            usable = buffer is not None and options["momentum"]
            found[owner] = State("sgd", velocity=_entry(buffer, index)) if usable else None
        return found
    if not state:
        return {owner: None for owner, _ in entries}
    missing = [key for key, _ in keys if key not in state] + ["step"] * ("step" not in state)
    if missing:
        raise TorchError(f"the state of {where} has no {', '.join(missing)}")
    step = float(state["step"])
    if not (step >= 0 and step == math.floor(step)):
        raise TorchError(f"the step of {where} is {step!r}: expected a whole number ≥ 0")
    for owner, index in entries:
        numbers = {field: _entry(state[key], index) for key, field in keys}
        if (
            kind == "Adagrad"
            and step == 0
            and numbers["sum"] == options["initial_accumulator_value"]
        ):
            found[owner] = None  # just as a new torch.optim.Adagrad starts: fresh
        else:
            found[owner] = State(KIND[kind], t=int(step), **numbers)
    return found


# -- moving it ---------------------------------------------------------------------------


def optimizer_to_torch(
    net: Network,
    module: nn.Module,
    optimizer: Optimizer | str | None = None,
    *,
    rate: float | None = None,
    momentum: float | None = None,
) -> torch.optim.Optimizer:
    """A ``torch.optim`` optimizer over ``module`` that goes on where ``net``'s links left off.

    ``optimizer`` is the lernpy optimizer ``net`` trained with (an object or its
    name; with ``rate``, a copy at that rate); ``rate`` and ``momentum`` alone
    are shorthand for ``SGD(rate, momentum)``; with none of them, the optimizer
    ``net`` names (:func:`optimizer_of`). ``module`` is ``to_torch(net)`` or any
    module holding ``net``'s links. Frozen parameters are listed but never
    stepped (they get no ``.grad``). All or nothing: an optimizer or a state
    torch.optim cannot go on from exactly is an error naming why.
    """
    chosen = _chosen(net, optimizer, rate, momentum)
    name, options = torch_counterpart(chosen)
    where = _places(net, module)
    params = dict(module.named_parameters())
    states = {}
    for pname, entries in _owners_by_parameter(net, where).items():
        found = _parameter_state(chosen, name, options, entries, params[pname], repr(pname))
        if found is not None:
            states[pname] = found
    built = getattr(torch.optim, name)(module.parameters(), **options)
    for pname, found in states.items():  # all checked: now fill the optimizer
        built.state[params[pname]] = found
    return built


def optimizer_from_torch(
    optimizer: torch.optim.Optimizer, module: nn.Module, net: Network
) -> Optimizer:
    """Set the states of ``net``'s weights (links, shared weights) from ``optimizer``'s state
    for ``module``'s parameters, and return the lernpy optimizer that goes on from them
    (:func:`lernpy_counterpart`).

    All or nothing: a torch.optim optimizer lernpy has no counterpart for, or
    options it cannot follow, is an error, and no state changes.
    """
    chosen = lernpy_counterpart(optimizer)
    kind = type(optimizer).__name__
    options = dict(torch_counterpart(chosen)[1])
    where = _places(net, module)
    params = dict(module.named_parameters())
    stepped = {id(p) for group in optimizer.param_groups for p in group["params"]}
    states = {}
    for pname, entries in _owners_by_parameter(net, where).items():
        p = params[pname]
        if id(p) not in stepped:
            raise TorchError(f"the optimizer does not update the module's parameter {pname!r}")
        states.update(_owner_states(optimizer, kind, options, entries, p, repr(pname)))
    for owner, state in states.items():  # all checked: now change the network
        owner.state = state
    return chosen


def _places(net: Network, module: nn.Module) -> Places:
    """Where ``net``'s links live in ``module``, checked to be the same links, with each
    shared weight in one place."""
    found = read_as(net, module)
    if set(found.places) != {link.name for link in net.links}:
        raise TorchError("the module does not hold the network's links")
    for shared in net.shared_weights:
        held = {found.places[link.name] for link in shared.links}
        if len(held) != 1:
            raise TorchError(
                f"the module holds the links of the shared weight {shared.name} apart: its "
                "optimizer state is one weight's"
            )
    return found.places
