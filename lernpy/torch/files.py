"""State dicts and ``.pt`` files: PyTorch's own format, read without unpickling code.

A lernpy ``.pt`` file is ``torch.save`` of one plain dictionary:

| key | holds |
|---|---|
| ``format`` | ``"lernpy-torch"`` |
| ``version`` | ``3`` (versions 1 and 2 still load; see below) |
| ``network`` | the network file's JSON text (``docs/network-format.md``): the architecture |
| ``state_dict`` | ``to_torch(net).state_dict()``: the weights, as PyTorch keeps them |
| ``optimizer`` | ``None``, or the optimizer and its state (below) |

The optimizer entry names it and carries its state, for either side:

| key | holds |
|---|---|
| ``name`` | the ``torch.optim`` class: ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW`` |
| ``options`` | its keyword arguments (``lr``, ``betas``, ``momentum``, …) |
| ``state_dict`` | its ``state_dict()`` over ``to_torch(net).parameters()`` |
| ``lernpy`` | the lernpy optimizer's settings (``Optimizer.to_dict()``) |

so that a PyTorch user goes on with
``getattr(torch.optim, name)(model.parameters(), **options).load_state_dict(state_dict)``.

The network's text holds what lernpy needs beyond the weights: neurons and
their names, labels, frozen links, the loss, preprocessing, history, and each
link's optimizer state in lernpy's own convention. The state dict decides the
weights and the optimizer entry the optimizer state: :func:`load` keeps the
text's states when the entry says the same (always, unless PyTorch changed the
file), else takes the entry's. A network whose optimizer has no torch.optim
counterpart (ε inside the square root, clipping, …) is saved with ``optimizer``
None: its state is in the text only.

Version 3 holds networks with shared weights, pooling and detached links: a
shared weight is one entry of the state dict (and of the optimizer's state), a
network from the convolution builder is a Sequential of ``nn.Conv2d`` …
(``to_torch``). Versions 1 and 2 could not hold those (the bridge refused them),
so their state dicts have the same layout as version 3's; version 1's
``optimizer`` was a bare SGD state dict. A lernpy that reads only version 2
refuses a version 3 file by its version, not halfway through it.

Only strings, numbers, lists, tuples, dictionaries and tensors: :func:`load`
reads it with ``torch.load(..., weights_only=True)``, which refuses any pickled
object (a class, a function) instead of running it.

>>> import os, tempfile
>>> from lernpy import examples
>>> path = save(examples.mazur(), os.path.join(tempfile.mkdtemp(), "mazur.pt"))
>>> load(path).weights() == examples.mazur().weights()
True
"""

from __future__ import annotations

import io
import os
import pickle
import re
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from lernpy import checks
from lernpy.data.netfile import NetworkFileError, dumps, loads
from lernpy.errors import LernpyError
from lernpy.files import read_bytes, write_atomically
from lernpy.graph.network import Network
from lernpy.optim import Optimizer, from_dict
from lernpy.optim import optimizer as get_optimizer
from lernpy.torch.modules import TorchError, link_weights, places, to_torch
from lernpy.torch.optim import (
    TORCH_NAMES,
    optimizer_from_torch,
    optimizer_of,
    optimizer_to_torch,
    torch_counterpart,
)
from lernpy.torch.reading import from_torch
from lernpy.training.workflow import TrainingLog

FORMAT = "lernpy-torch"
VERSION = 3
KEYS = ("format", "version", "network", "state_dict", "optimizer")


class TorchFileError(TorchError):
    """A ``.pt`` file that cannot be written or read; names the file."""

    def __init__(self, message: str, *, path: str = "<file>") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}")


def state_dict(net: Network, dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
    """``net``'s weights as ``to_torch(net)``'s state dict.

    >>> from lernpy import examples
    >>> {k: v.tolist() for k, v in state_dict(examples.mazur()).items()}["0.bias"]
    [0.35, 0.35]
    """
    return dict(to_torch(net, dtype).state_dict())


def load_state_dict(net: Network, state: Mapping[str, torch.Tensor]) -> None:
    """Set ``net``'s weights from a state dict of ``to_torch(net)``'s layout; all or nothing.

    A missing or unexpected key, a shape that differs or a weight that is not
    finite is an error naming it, and no weight changes.
    """
    module = to_torch(net)
    if not isinstance(state, Mapping):
        raise TorchError(f"expected a state dict (a mapping of names to tensors), got {state!r}")
    wanted = module.state_dict()
    missing = [k for k in wanted if k not in state]
    extra = [k for k in state if k not in wanted]
    if missing or extra:
        raise TorchError(
            f"the state dict does not fit the network: missing {', '.join(missing) or 'none'}; "
            f"unexpected {', '.join(map(str, extra)) or 'none'}"
        )
    for key, tensor in wanted.items():
        given = state[key]
        if not isinstance(given, torch.Tensor) or tuple(given.shape) != tuple(tensor.shape):
            shape = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
            raise TorchError(
                f"state dict entry {key!r} is {shape}: expected shape {tuple(tensor.shape)}"
            )
    module.load_state_dict(dict(state))
    weights = link_weights(module, places(net))  # a pooling link has none: its weight is fixed
    for link in net.links:
        link.weight = weights.get(link.name, link.weight)


def save(
    obj: Network | nn.Module,
    path: str | os.PathLike[str],
    optimizer: Optimizer | str | torch.optim.Optimizer | None = None,
    *,
    names: str | Sequence[Sequence[str]] | None = None,
    loss: str | None = None,
) -> str:
    """Write a network, or a module :func:`from_torch` reads, as a ``.pt`` file; return the path.

    For a network, ``optimizer`` is the lernpy optimizer it trained with (an
    object or its name; by default the one it names, :func:`optimizer_of`); for
    a module, the ``torch.optim`` optimizer over it. Either way the file names
    the optimizer and carries its state (see the module docstring); an optimizer
    given here that torch.optim cannot go on from exactly is an error. For a
    plain ``nn.Sequential``, ``names`` and ``loss`` are :func:`from_torch`'s.
    The file is written atomically.
    """
    target = checks.path(path)
    history = None
    if isinstance(obj, Network):
        if names is not None or loss is not None:
            raise TorchError("names and loss are for a module: a network has its own")
        if isinstance(optimizer, torch.optim.Optimizer):
            raise TorchError(
                "a torch.optim optimizer goes with the module it updates: save(module, path, "
                "optimizer); a network's optimizer is a lernpy one (lernpy.optim)"
            )
        net = obj
        if optimizer is None:
            chosen = optimizer_of(net)
        else:
            chosen = _lernpy_optimizer(optimizer)
            history = _naming(getattr(net, "training_log", None), chosen)
    elif isinstance(obj, nn.Module):
        net = from_torch(obj, names=names, loss=loss)
        chosen = None
        if optimizer is not None:
            if not isinstance(optimizer, torch.optim.Optimizer):
                raise TorchError(
                    f"a module's optimizer is a torch.optim optimizer, not {optimizer!r}"
                )
            chosen = optimizer_from_torch(optimizer, obj, net)
            net.training_log = _naming(None, chosen)
    else:
        raise TorchError(
            f"expected a lernpy Network or a torch.nn.Module, got {type(obj).__name__}"
        )
    entry = None
    if chosen is not None:
        try:
            entry = optimizer_entry(net, chosen)
        except TorchError:
            if optimizer is not None:
                raise
            # no torch.optim counterpart: the state stays in the network's text only
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "network": dumps(net, history=history) if history is not None else dumps(net),
        "state_dict": dict(to_torch(net).state_dict()),
        "optimizer": entry,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomically(target, buffer.getvalue(), TorchFileError)
    return target


def optimizer_entry(net: Network, optimizer: Optimizer) -> dict[str, object]:
    """The ``.pt`` file's optimizer entry: ``optimizer`` as torch.optim's, with ``net``'s state.

    >>> from lernpy import examples
    >>> from lernpy.optim import Adam
    >>> entry = optimizer_entry(examples.mazur(), Adam(rate=0.01))
    >>> entry["name"], entry["options"]["lr"], entry["state_dict"]["state"]
    ('Adam', 0.01, {})
    """
    name, options = torch_counterpart(optimizer)
    built = optimizer_to_torch(net, to_torch(net), optimizer)
    return {
        "name": name,
        "options": options,
        "state_dict": built.state_dict(),
        "lernpy": optimizer.to_dict(),
    }


def _lernpy_optimizer(optimizer: object) -> Optimizer:
    try:
        return get_optimizer(optimizer)  # type: ignore[arg-type]
    except LernpyError as error:
        raise TorchError(str(error)) from None


def _naming(log: TrainingLog | None, optimizer: Optimizer) -> TrainingLog:
    """A copy of the training log (a new one if None) that names ``optimizer``."""
    if log is None:
        return TrainingLog(options={"settings": optimizer.to_dict()})
    return TrainingLog(log.epochs, log.stopped, {**log.options, "settings": optimizer.to_dict()})


def _unpickled(path: str, error: Exception) -> TorchFileError:
    """The error for a file holding a pickled object: name the object's class or function."""
    found = re.search(r"GLOBAL ([\w.]+)", str(error))
    what = f" ({found.group(1)})" if found else ""
    return TorchFileError(
        f"holds a pickled Python object{what}, which lernpy will not unpickle: it reads .pt files "
        "with torch.load(weights_only=True), tensors and plain data only. Save a model with "
        "lernpy.torch.save(model, path), not torch.save(model, path)",
        path=path,
    )


def load(path: str | os.PathLike[str]) -> Network:
    """Read a ``.pt`` file :func:`save` wrote: the network, its weights, its optimizer state.

    The network names its optimizer afterwards (:func:`optimizer_of`) when the file does.
    """
    source = checks.path(path)
    # a regular file's bytes only: torch.load would wait forever on a pipe
    raw = read_bytes(source, lambda reason: TorchFileError(reason, path=source), "a .pt file")
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "GLOBAL" in str(error):
            raise _unpickled(source, error) from None
        raise TorchFileError(f"is not a PyTorch file ({_first_line(error)})", path=source) from None
    except (RuntimeError, EOFError, OSError, ValueError) as error:
        raise TorchFileError(f"is not a PyTorch file ({_first_line(error)})", path=source) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        if (
            isinstance(payload, dict)
            and payload
            and all(isinstance(v, torch.Tensor) for v in payload.values())
        ):
            raise TorchFileError(
                "holds a bare state dict (keys "
                + ", ".join(map(str, list(payload)[:4]))
                + "), without the architecture lernpy needs: save the model with "
                "lernpy.torch.save(model, path), or read it with from_torch(model) in Python",
                path=source,
            )
        raise TorchFileError(f"is not a lernpy .pt file (no format {FORMAT!r})", path=source)
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise TorchFileError(
            f"has version {version!r}: this lernpy reads version 1 to {VERSION}", path=source
        )
    unknown = sorted(map(str, set(payload) - set(KEYS)))
    if unknown or set(KEYS) - set(payload):
        raise TorchFileError(
            f"expected the keys {', '.join(KEYS)}; got {', '.join(map(str, payload))}", path=source
        )
    if not isinstance(payload["network"], str):
        raise TorchFileError("its network is not the network file's text", path=source)
    try:
        net = loads(payload["network"], source=f"{source} (network)")
        load_state_dict(net, payload["state_dict"])
        saved = payload["optimizer"]
        if saved is not None and version == 1:
            module = to_torch(net)
            group = _group(saved)
            sgd = optimizer_to_torch(net, module, rate=group["lr"], momentum=group["momentum"])
            sgd.load_state_dict(saved)
            optimizer_from_torch(sgd, module, net)
        elif saved is not None:
            _take_optimizer(net, saved)
    except NetworkFileError as error:
        raise TorchFileError(str(error), path=source) from None
    except TorchError as error:
        raise TorchFileError(str(error), path=source) from None
    except (LernpyError, ValueError, KeyError, TypeError, IndexError) as error:
        raise TorchFileError(f"its optimizer state cannot be read ({error})", path=source) from None
    return net


ENTRY_KEYS = ("name", "options", "state_dict", "lernpy")


def _take_optimizer(net: Network, entry: object) -> None:
    """Set ``net``'s link states from the file's optimizer entry, keeping the text's where the
    entry says the same (it does unless PyTorch changed the file)."""
    if not isinstance(entry, dict) or set(entry) != set(ENTRY_KEYS):
        keys = ", ".join(map(str, entry)) if isinstance(entry, dict) else type(entry).__name__
        raise TorchError(f"its optimizer entry has {keys}: expected {', '.join(ENTRY_KEYS)}")
    name = entry["name"]
    if name not in TORCH_NAMES:
        raise TorchError(f"its optimizer is {name!r}: expected one of {', '.join(TORCH_NAMES)}")
    if not isinstance(entry["options"], dict) or not isinstance(entry["lernpy"], dict):
        raise TorchError("its optimizer's options and lernpy settings are not dictionaries")
    module = to_torch(net)
    theirs = getattr(torch.optim, name)(module.parameters(), **entry["options"])
    theirs.load_state_dict(entry["state_dict"])
    mine = from_dict(entry["lernpy"])
    try:
        ours = optimizer_to_torch(net, to_torch(net), mine)
        same = type(ours) is type(theirs) and _same_state(ours.state_dict(), theirs.state_dict())
    except TorchError:
        same = False
    if not same:  # PyTorch's numbers, in PyTorch's conventions
        mine = optimizer_from_torch(theirs, module, net)
        net.training_log = _naming(getattr(net, "training_log", None), mine)


def _same_state(a: dict, b: dict) -> bool:
    """Do two optimizer state dicts hold the same options and the same numbers, bit for bit?"""
    if a["param_groups"] != b["param_groups"] or set(a["state"]) != set(b["state"]):
        return False
    for key, ours in a["state"].items():
        theirs = b["state"][key]
        if set(ours) != set(theirs):
            return False
        for name, x in ours.items():
            y = theirs[name]
            if x.shape != y.shape or not torch.equal(x.to(torch.float64), y.to(torch.float64)):
                return False
    return True


def _group(saved: object) -> dict:
    """The first parameter group of a saved SGD state dict, checked."""
    if not isinstance(saved, dict) or not isinstance(saved.get("param_groups"), list):
        raise TorchError("its optimizer is not an optimizer state dict")
    group = saved["param_groups"][0] if saved["param_groups"] else None
    if not isinstance(group, dict):
        raise TorchError("its optimizer has no parameter group")
    for key in ("lr", "momentum"):
        if not isinstance(group.get(key), (int, float)):
            raise TorchError(f"its optimizer's {key} is {group.get(key)!r}: expected a number")
    return group


def _first_line(error: Exception) -> str:
    """The gist of a loading error: PyTorch's own detail, without its advice on weights_only."""
    text = str(error)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else f"{type(error).__name__}: the file ends too soon"
