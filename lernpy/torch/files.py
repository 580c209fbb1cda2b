"""State dicts and ``.pt`` files: PyTorch's own format, read without unpickling code.

A lernpy ``.pt`` file is ``torch.save`` of one plain dictionary:

| key | holds |
|---|---|
| ``format`` | ``"lernpy-torch"`` |
| ``version`` | ``1`` |
| ``network`` | the network file's JSON text (``docs/network-format.md``): the architecture |
| ``state_dict`` | ``to_torch(net).state_dict()``: the weights, as PyTorch keeps them |
| ``optimizer`` | ``None``, or a ``torch.optim.SGD`` state dict (momentum buffers) |

The network's text holds what lernpy needs beyond the weights: neurons and
their names, labels, frozen links, the loss, preprocessing and history.
Only strings, numbers, lists, dictionaries and tensors: :func:`load` reads it
with ``torch.load(..., weights_only=True)``, which refuses any pickled object
(a class, a function) instead of running it. The state dict decides the
weights; a PyTorch user loads it with ``to_torch(net).load_state_dict(...)``
or, without lernpy, into the same ``nn.Sequential``.

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

from lernpy.data.netfile import NetworkFileError, dumps, loads
from lernpy.files import write_atomically
from lernpy.graph.network import Network
from lernpy.torch.modules import TorchError, link_weights, places, to_torch
from lernpy.torch.optim import optimizer_from_torch, optimizer_to_torch
from lernpy.torch.reading import from_torch

FORMAT = "lernpy-torch"
VERSION = 1
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
    weights = link_weights(module, places(net))
    for link in net.links:
        link.weight = weights[link.name]


def save(
    obj: Network | nn.Module,
    path: str | os.PathLike[str],
    optimizer: torch.optim.Optimizer | None = None,
    *,
    names: str | Sequence[Sequence[str]] | None = None,
    loss: str | None = None,
) -> str:
    """Write a network, or a module :func:`from_torch` reads, as a ``.pt`` file; return the path.

    For a plain ``nn.Sequential``, ``names`` and ``loss`` are :func:`from_torch`'s.
    With ``optimizer`` (a ``torch.optim.SGD`` over the module), its momentum
    buffers are kept too. The file is written atomically.
    """
    target = os.fspath(path)
    if isinstance(obj, Network):
        if optimizer is not None or names is not None or loss is not None:
            raise TorchError("optimizer, names and loss are for a module: a network has its own")
        net = obj
    elif isinstance(obj, nn.Module):
        net = from_torch(obj, names=names, loss=loss)
        if optimizer is not None:
            optimizer_from_torch(optimizer, obj, net)
    else:
        raise TorchError(
            f"expected a lernpy Network or a torch.nn.Module, got {type(obj).__name__}"
        )
    module = to_torch(net)
    saved = None
    if optimizer is not None:
        group = optimizer.param_groups[0]
        saved = optimizer_to_torch(net, module, group["lr"], group["momentum"]).state_dict()
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "network": dumps(net),
        "state_dict": dict(module.state_dict()),
        "optimizer": saved,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomically(target, buffer.getvalue(), TorchFileError)
    return target


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
    """Read a ``.pt`` file :func:`save` wrote: the network, its weights, its momentum state."""
    source = os.fspath(path)
    try:
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise TorchFileError("no such file", path=source) from None
    except IsADirectoryError:
        raise TorchFileError("is a directory, not a .pt file", path=source) from None
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
        if saved is not None:
            module = to_torch(net)
            group = _group(saved)
            sgd = optimizer_to_torch(net, module, group["lr"], group["momentum"])
            sgd.load_state_dict(saved)
            optimizer_from_torch(sgd, module, net)
    except NetworkFileError as error:
        raise TorchFileError(str(error), path=source) from None
    except TorchError as error:
        raise TorchFileError(str(error), path=source) from None
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise TorchFileError(f"its optimizer state cannot be read ({error})", path=source) from None
    return net


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
