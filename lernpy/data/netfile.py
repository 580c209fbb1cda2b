"""Saving and loading networks as versioned JSON (never pickle).

A network file holds the whole network: neurons (name, kind, layer,
activation), links in order (source, target, weight, frozen flag, label,
optimizer state: velocity, moments, step count, the shared weight it uses and
whether it is detached), the names of the shared weights, the loss, the seed
and the state of the network's random generator, the last training options (with the
optimizer's settings), the preprocessing (column names, classes,
standardisation) and the training history. Floats are written with ``repr``,
so every weight reads back bit for bit.

:func:`save` writes atomically: the text goes to a temporary file beside the
target, is flushed to disk, and only then renamed over the old file, so a crash
or a full disk never leaves a half-written file where a good one was.

:func:`load` checks every field before building anything and raises
:class:`NetworkFileError` naming the field at fault; it never returns a
half-built network. Files from a newer format version are refused; files of
every older version load (version 1 kept only a momentum velocity per link:
it loads as the textbook momentum form's state, which it was).

The format (version 3) is documented in ``docs/network-format.md``.

>>> from lernpy import Network
>>> net = Network.layered(2, 2, 1, activation="tanh", seed=4)
>>> copy = loads(dumps(net))
>>> copy.weights() == net.weights() and copy([0.3, -0.2]) == net([0.3, -0.2])
True
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from lernpy import checks
from lernpy.checks import short
from lernpy.data.preprocessing import Preprocessing
from lernpy.errors import LernpyError
from lernpy.files import read_text, write_atomically
from lernpy.graph.activations import ACTIVATIONS
from lernpy.graph.link import DetachedLink
from lernpy.graph.losses import LOSSES
from lernpy.graph.names import check_name, normal, shown
from lernpy.graph.network import INITS, Network, check_layer, check_scale, check_seed
from lernpy.graph.neuron import KINDS
from lernpy.optim import FIELDS, Optimizer, State
from lernpy.optim import from_dict as optimizer_from_dict
from lernpy.training.loop import History
from lernpy.training.schedules import Schedule
from lernpy.training.workflow import EpochRecord, TrainingLog

T = TypeVar("T")

__all__ = ["FORMAT", "VERSION", "NetworkFileError", "dumps", "load", "loads", "save", "to_dict"]

FORMAT = "lernpy-network"
VERSION = 3  # bump when a reader of the old version could misread a new file
# 1: a link's momentum state was its "velocity" (the last change, textbook form)
# 2: a link's optimizer state is "state" (lernpy.optim.State); "optimizer.settings"
# 3: shared weights (a top-level "shared" list, a link's "shared") and "detached" links

_TOP = {
    "format",
    "version",
    "lernpy",
    "loss",
    "seed",
    "init",
    "scale",
    "rng",
    "neurons",
    "links",
    "shared",
    "optimizer",
    "preprocessing",
    "history",
}
_REQUIRED = ("format", "version", "loss", "seed", "neurons", "links")


class NetworkFileError(LernpyError):
    """A network file that cannot be saved or loaded; names the file and the field."""

    def __init__(self, message: str, *, path: str = "<network>", field: str | None = None):
        self.path = path
        self.field = field
        self.reason = message
        where = f"{path}: field {field}" if field else path
        super().__init__(f"{where}: {message}")


# ------------------------------------------------------------------- saving


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def to_dict(
    net: Network,
    *,
    preprocessing: Preprocessing | None = None,
    history: TrainingLog | History | None = None,
) -> dict[str, object]:
    """The network file's content as plain dicts and lists (see the module docstring).

    ``preprocessing`` and ``history`` default to ``net.preprocessing`` and
    ``net.training_log`` when the network has them.
    """
    if not isinstance(net, Network):
        raise NetworkFileError(f"expected a Network to save, got {short(net)}")
    loss = net.loss_function
    if LOSSES.get(loss.name) is not loss:
        raise NetworkFileError(
            f"the loss {loss.name!r} is not built in, so a file cannot name it", field="loss"
        )
    neurons = []
    ordered = sorted(net.neurons, key=lambda n: n.index)  # the order they were added in
    for n in ordered:
        if ACTIVATIONS.get(n.activation.name) is not n.activation:
            raise NetworkFileError(
                f"neuron {n.name} has the custom activation {n.activation.name!r}, "
                "which a file cannot hold: only built-in activations can be saved",
                field="neurons",
            )
        neurons.append(
            {"name": n.name, "kind": n.kind, "layer": n.layer, "activation": n.activation.name}
        )
    links = []
    for link in net.links:
        state = link.state if link.state is not None and not link.state.fresh else None
        kept = state.numbers() if state is not None else {}
        for what, value in (("weight", link.weight), *kept.items()):
            if _is_number(value) and not math.isfinite(value):
                raise NetworkFileError(
                    f"link {shown(link.name)} has {what} {value}: only finite numbers can be saved",
                    field="links",
                )
        item = {
            "source": link.source.name,
            "target": link.target.name,
            "weight": _plain(link.weight),
            "frozen": link.frozen,
            "label": link.label,
            "state": None if state is None else _state_dict(state),
        }
        if link.shared is not None:  # the shared weight's name: its links are read back tied
            item["shared"] = link.shared.name
        if isinstance(link, DetachedLink):
            item["detached"] = True
        links.append(item)
    version, state, gauss_next = net.rng.getstate()
    prep = preprocessing if preprocessing is not None else getattr(net, "preprocessing", None)
    log = history if history is not None else getattr(net, "training_log", None)
    if prep is not None and not isinstance(prep, Preprocessing):
        raise NetworkFileError(f"preprocessing is {short(prep)}: expected a Preprocessing or None")
    if isinstance(log, History):
        log = _from_core_history(log)
    elif log is not None and not isinstance(log, TrainingLog):
        raise NetworkFileError(f"history is {short(log)}: expected a training log or None")
    doc: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "lernpy": _lernpy_version(),
        "loss": loss.name,
        "seed": net.seed,
        "init": net.init,
        "scale": _plain(net.scale),
        "rng": {"version": version, "state": list(state), "gauss_next": gauss_next},
        "neurons": neurons,
        "links": links,
        "optimizer": None,
        "preprocessing": None if prep is None else prep.to_dict(),
        "history": None,
    }
    if net.shared_weights:  # their order (links name them); a file without any has no field
        doc = _after(doc, "links", "shared", [s.name for s in net.shared_weights])
    if log is not None:
        doc["optimizer"] = dict(log.options) if log.options else None
        doc["history"] = {
            "epochs": [
                {
                    "epoch": r.epoch,
                    "rate": r.rate,
                    "train_loss": _finite_or_none(r.train_loss),
                    "train_accuracy": r.train_accuracy,
                    "test_loss": _finite_or_none(r.test_loss),
                    "test_accuracy": r.test_accuracy,
                }
                for r in log.epochs
            ],
            "stopped": log.stopped,
        }
    check_dict(doc)  # the loader's rules: whatever is written reads back
    return doc


def _is_number(value: object) -> bool:
    return type(value) is float or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _plain(value: object) -> object:
    """A number as a Python float (a numpy float too); anything else as it is, for the checks."""
    return float(value) if _is_number(value) else value


def _after(doc: dict, key: str, new: str, value: object) -> dict:
    """``doc`` with ``new: value`` placed right after ``key`` (the file reads in that order)."""
    out: dict = {}
    for k, v in doc.items():
        out[k] = v
        if k == key:
            out[new] = value
    return out


def _state_dict(state: State) -> dict[str, object]:
    out: dict[str, object] = {"kind": state.kind}
    for name, value in state.numbers().items():
        out[name] = int(value) if name == "t" else float(value)
    return out


def _from_core_history(history: History) -> TrainingLog:
    """The core's ``net.train`` history (a loss per epoch) as a training log."""
    rate = history.options.get("rate", 0.0)
    rate = float(rate) if isinstance(rate, (int, float)) and math.isfinite(rate) else 0.0
    records = [EpochRecord(i + 1, rate, loss) for i, loss in enumerate(history.loss)]
    options: dict[str, object] = {}
    if rate >= 0.0:
        options["schedule"] = Schedule("constant", rate).to_dict()
    for key in ("momentum", "batch_size", "shuffle"):
        value = history.options.get(key)
        if key == "shuffle" and isinstance(value, bool):
            options[key] = value
        elif key == "batch_size" and isinstance(value, int) and not isinstance(value, bool):
            options[key] = value
        elif key == "momentum" and isinstance(value, (int, float)) and math.isfinite(value):
            options[key] = float(value)
    chosen = history.options.get("optimizer")
    if isinstance(chosen, Optimizer):
        options["settings"] = chosen.to_dict()
    return TrainingLog(records, history.stopped, options)


def _lernpy_version() -> str:
    try:
        from importlib.metadata import version

        return version("lernpy")
    except Exception:  # not installed (running from a checkout): the version is only a note
        return "unknown"


def dumps(net: Network, **parts: object) -> str:
    """The network file's text: :func:`to_dict` as indented JSON."""
    doc = to_dict(net, **parts)  # type: ignore[arg-type]
    try:
        return _layout(doc, "") + "\n"
    except (TypeError, ValueError) as exc:  # a non-finite or odd value in preprocessing/history
        raise NetworkFileError(f"cannot be written as JSON: {exc}") from None


def _layout(value: object, indent: str) -> str:
    """JSON laid out for reading: one field per line, one neuron, link or epoch per line."""
    inner = indent + "  "
    if (
        isinstance(value, dict)
        and len(indent) < 4
        and any(isinstance(v, (dict, list)) for v in value.values())
    ):
        items = [f"{inner}{_encode(k)}: {_layout(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        items = [inner + _layout(v, inner + "    ") for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return _encode(value)


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def save(
    net: Network,
    path: str | os.PathLike[str],
    *,
    preprocessing: Preprocessing | None = None,
    history: TrainingLog | History | None = None,
) -> str:
    """Write the network to ``path`` atomically; return the path.

    Everything is turned into text first; only then is a temporary file
    beside ``path`` written, flushed to disk and renamed over ``path``. If
    anything fails, the old file is untouched and the temporary file removed.
    """
    try:
        target = checks.path(path)
    except LernpyError as error:
        raise NetworkFileError(str(error)) from None
    try:
        text = dumps(net, preprocessing=preprocessing, history=history)
    except NetworkFileError as exc:
        raise NetworkFileError(exc.reason, path=target, field=exc.field) from None
    write_atomically(target, text.encode("utf-8"), NetworkFileError)
    return target


# ------------------------------------------------------------------ loading


def load(path: str | os.PathLike[str]) -> Network:
    """Read a network file; every field is checked before anything is built."""
    try:
        source = checks.path(path)
    except LernpyError as error:
        raise NetworkFileError(str(error)) from None
    # (utf-8-sig: a byte-order mark, as some editors write one, is read as the CSV reader does)
    text = read_text(
        source, lambda reason: NetworkFileError(reason, path=source), "a network file", "utf-8-sig"
    )
    return loads(text, source=source)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: numbers must be finite")


class _Twice(Exception):
    """A JSON object with one key twice (json.loads would keep the last silently)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object's pairs as a dict, refusing a key that comes twice."""
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _Twice(key)
        found[key] = value
    return found


def loads(text: str, source: str = "<network>") -> Network:
    """Build a network from a network file's text (see :func:`load`)."""
    if not isinstance(text, str):
        raise NetworkFileError(f"expected text, got {type(text).__name__}", path=source)
    text = text.removeprefix("\ufeff")  # a byte-order mark
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_once)
    except _Twice as twice:
        raise NetworkFileError(
            f"the key {twice.key!r} appears twice in one object: a file says each thing once",
            path=source,
        ) from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError(
            f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})", path=source
        ) from None
    except (ValueError, RecursionError) as exc:
        raise NetworkFileError(f"not a valid network file ({exc})", path=source) from None
    return from_dict(doc, source=source)


class _Fields:
    """Checks on one JSON value at a time, with errors naming the field."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field: str, message: str) -> NetworkFileError:
        return NetworkFileError(message, path=self.source, field=field)

    def object(self, value: object, field: str, keys: set[str], required: tuple[str, ...]) -> dict:
        if type(value) is dict and keys.issuperset(value) and all(k in value for k in required):
            return value  # the usual case, checked fast
        if not isinstance(value, dict):
            raise self.fail(field, f"expected an object, got {_kind(value)}")
        for key in required:
            if key not in value:
                raise self.fail(f"{field}.{key}" if field else key, "is missing")
        for key in value:
            if key not in keys:
                raise self.fail(
                    f"{field}.{key}" if field else str(key),
                    f"unknown field: expected only {', '.join(sorted(keys))}",
                )
        return value

    def list(self, value: object, field: str, length: int | None = None) -> list:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list, got {_kind(value)}")
        if length is not None and len(value) != length:
            raise self.fail(field, f"has {len(value)} entries: expected {length}")
        return value

    def int(self, value: object, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"expected a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(field, f"is {value}: expected a whole number from {low} to {high}")
        return value

    def float(self, value: object, field: str, low: float = -math.inf) -> float:
        if type(value) is float and math.isfinite(value) and value >= low:
            return value  # the usual case, checked fast
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(field, f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:
            raise self.fail(field, f"is {value}: too large for a float") from None
        if not math.isfinite(number):
            raise self.fail(field, f"is {number}: expected a finite number")
        if number < low:
            raise self.fail(field, f"is {number}: expected at least {low}")
        return number

    def rule(self, check: Callable[..., T], value: object, field: str, *args: object) -> T:
        """``check(value, *args)``, a rule the core applies too, its error naming ``field``."""
        try:
            return check(value, *args)
        except LernpyError as exc:
            raise self.fail(field, str(exc)) from None

    def optional_float(self, value: object, field: str, low: float = -math.inf) -> float | None:
        return None if value is None else self.float(value, field, low)

    def str(self, value: object, field: str, choices: tuple[str, ...] | None = None) -> str:
        if type(value) is str and choices is None:
            return value
        if not isinstance(value, str):
            raise self.fail(field, f"expected text, got {_kind(value)}")
        if choices is not None and value not in choices:
            raise self.fail(field, f"is {value!r}: expected one of {', '.join(choices)}")
        return value

    def bool(self, value: object, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, f"expected true or false, got {_kind(value)}")
        return value

    def names(self, value: object, field: str, length: int | None = None) -> tuple[str, ...]:
        items = self.list(value, field, length)
        names = tuple(self.str(v, f"{field}[{i}]") for i, v in enumerate(items))
        if len(set(names)) != len(names):
            raise self.fail(field, "names repeat: expected distinct names")
        return names


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, str)):
        shown = repr(value) if isinstance(value, (str, bool)) and len(repr(value)) < 40 else ""
        return names[type(value)] + (f" {shown}" if shown else "")
    return f"{type(value).__name__} {value!r}"[:60]


@dataclass
class _Checked:
    """A network file's content, every field checked: what :func:`from_dict` builds from."""

    loss: str
    seed: int
    init: str
    scale: float
    rng: tuple | None
    neurons: list[tuple[str, str, str, int]]  # name, activation, kind, layer
    # source, target, weight, frozen, state, label, detached
    links: list[tuple[str, str, float, bool, State | None, str | None, bool]]
    shared: list[tuple[str, list[int]]]  # each shared weight and its links' places, in order
    preprocessing: Preprocessing | None
    log: TrainingLog | None


def from_dict(doc: object, source: str = "<network>") -> Network:
    """Build a network from :func:`to_dict`'s structure, checking every field first.

    Linear in the size of the file: every rule (names, duplicates, cycles) is
    checked on the file's own lists, then the network is wired in one pass.
    """
    checked = check_dict(doc, source)
    try:
        return _build(checked)
    except LernpyError as exc:  # (every rule is checked above: this is a safety net)
        raise NetworkFileError(f"cannot build the network ({exc})", path=source) from None


def _build(checked: _Checked) -> Network:
    """The network a checked file describes, wired in one pass."""
    net = Network(loss=checked.loss, seed=checked.seed, init=checked.init, scale=checked.scale)
    with net.building():  # checked already: no duplicate, no cycle
        made = {
            name: net.add_neuron(name, act, kind, layer=layer)
            for name, act, kind, layer in checked.neurons
        }
        for src, dst, weight, frozen, state, label, detached in checked.links:
            link = net.add_link(made[src], made[dst], weight, label, detached=detached)
            link.frozen = frozen
            link.state = state
    for name, members in checked.shared:  # in the order the network had them
        net.tie(name, [net.links[i] for i in members])
    if checked.rng is not None:
        net.rng.setstate(checked.rng)
    if checked.preprocessing is not None:
        net.preprocessing = checked.preprocessing
    if checked.log is not None:
        net.training_log = checked.log
    return net


def check_dict(doc: object, source: str = "<network>") -> _Checked:
    """Check every field of a network file's structure (the loader's rules); build nothing."""
    f = _Fields(source)
    if not isinstance(doc, dict):
        raise f.fail("", f"expected a JSON object at the top, got {_kind(doc)}")
    if doc.get("format") != FORMAT:
        raise f.fail(
            "format", f"is {_kind(doc.get('format'))}: expected {FORMAT!r} (a lernpy network)"
        )
    if "version" not in doc:
        raise f.fail("version", "is missing")
    version = doc["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise NetworkFileError(
            f"was written by a newer lernpy (format version {version}); this lernpy reads "
            f"format versions up to {VERSION}: upgrade lernpy to load it",
            path=source,
            field="version",
        )
    f.int(version, "version", 1, VERSION)
    f.object(doc, "", _TOP if version >= 3 else _TOP - {"shared"}, _REQUIRED)

    loss = f.str(doc["loss"], "loss", tuple(LOSSES))
    seed = f.rule(check_seed, doc["seed"], "seed")
    init = f.str(doc.get("init", "xavier"), "init", INITS)
    scale = f.rule(check_scale, doc.get("scale", 0.5), "scale")
    rng_state = _rng_state(f, doc.get("rng"))

    raw_neurons = f.list(doc["neurons"], "neurons")
    neurons = []
    seen: dict[str, str] = {}
    layerwise: dict[str, int] = {}  # softmax neurons and their layer
    pools: dict[str, str] = {}  # pooling neurons and their kind ("max", "avg")
    for i, item in enumerate(raw_neurons):
        where = f"neurons[{i}]"
        f.object(item, where, {"name", "kind", "layer", "activation"}, ("name", "kind"))
        name = f.rule(check_name, item["name"], f"{where}.name", "neuron name")
        if name in seen:
            raise f.fail(f"{where}.name", f"{name!r} names two neurons: names must be unique")
        kind = f.str(item["kind"], f"{where}.kind", KINDS)
        layer = f.rule(check_layer, item.get("layer", 0), f"{where}.layer", name)
        act = f.str(item.get("activation", "identity"), f"{where}.activation", tuple(ACTIVATIONS))
        seen[name] = kind
        if ACTIVATIONS[act].layerwise and not ACTIVATIONS[act].pool:
            layerwise[name] = layer
        if ACTIVATIONS[act].pool:
            pools[name] = ACTIVATIONS[act].pool
        neurons.append((name, act, kind, layer))
    # (a network still being built, with no input or no output yet, is saved and read as it
    # is: like the network itself, it trains once it has both)

    raw_links = f.list(doc["links"], "links")
    links = []
    pairs: set[tuple[str, str]] = set()
    labels: set[str] = set()
    # version 1 kept a velocity (the textbook form's last change); version 2 a state
    link_keys = {"source", "target", "weight", "frozen", "label"}
    link_keys |= {"velocity"} if version == 1 else {"state"}
    if version >= 3:  # shared weights and detached links
        link_keys |= {"shared", "detached"}
    shared: dict[str, list[int]] = {}  # shared weight name → the indices of its links
    for i, item in enumerate(raw_links):
        where = f"links[{i}]"
        f.object(item, where, link_keys, ("source", "target", "weight"))
        ends = []
        for end in ("source", "target"):
            name = f.str(item[end], f"{where}.{end}")
            name = normal(name)
            if name not in seen:
                raise f.fail(
                    f"{where}.{end}", f"names the neuron {shown(repr(name))}, which does not exist"
                )
            ends.append(name)
        src, dst = ends
        if seen[dst] in ("input", "bias"):
            raise f.fail(f"{where}.target", f"{dst} is a {seen[dst]} neuron: nothing links into it")
        if seen[src] == "output":
            raise f.fail(f"{where}.source", f"{src} is an output neuron: outputs feed nothing")
        if (src, dst) in pairs:
            raise f.fail(where, f"the link {src}→{dst} appears twice")
        pairs.add((src, dst))
        weight = f.float(item["weight"], f"{where}.weight")
        frozen = f.bool(item.get("frozen", False), f"{where}.frozen")
        if version == 1:
            velocity = f.float(item.get("velocity", 0.0), f"{where}.velocity")
            state = State("sgd-textbook", velocity=velocity) if velocity else None
        else:
            state = _state(f, item.get("state"), f"{where}.state")
        label = item.get("label")
        if label is not None:
            label = f.rule(check_name, label, f"{where}.label", "label")
            if label in labels or label in seen:
                raise f.fail(
                    f"{where}.label",
                    f"{label!r} is in use already (as a neuron's name or another link's label)",
                )
            labels.add(label)
        detached = f.bool(item.get("detached", False), f"{where}.detached")
        if detached and pools.get(dst) == "max":
            raise f.fail(
                f"{where}.detached",
                f"a link into the max-pooling neuron {dst} cannot be detached",
            )
        name = item.get("shared")
        if name is not None:
            name = f.rule(check_name, name, f"{where}.shared", "shared weight name")
            if name in seen:
                raise f.fail(
                    f"{where}.shared", f"{name!r} names a neuron: a name looks up one thing"
                )
            shared.setdefault(name, []).append(i)
        links.append((src, dst, weight, frozen, state, label, detached))
    declared = f.names(doc.get("shared", []), "shared") if version >= 3 else ()
    declared = tuple(normal(name) for name in declared)
    for name in declared:
        if name not in shared:
            raise f.fail("shared", f"names {name!r}, which no link uses")
    for name, members in shared.items():
        if name not in declared:
            raise f.fail(f"links[{members[0]}].shared", f"{name!r} is not in the list 'shared'")
        if name in labels:
            raise f.fail(f"links[{members[0]}].shared", f"{name!r} is a link's label too")
        first = links[members[0]]
        for i in members[1:]:
            for k, what in ((2, "weight"), (3, "frozen"), (4, "state")):
                if links[i][k] != first[k]:
                    raise f.fail(
                        f"links[{i}].{what}",
                        f"is {links[i][k]!r}, but links[{members[0]}] shares the weight {name} "
                        f"with {first[k]!r}: the links of a shared weight hold one {what}",
                    )
    _acyclic(f, [n for n, *_ in neurons], links, layerwise)

    inputs = [n for n, a, k, layer in neurons if k == "input"]
    outputs = [n for n, a, k, layer in neurons if k == "output"]
    prep = _preprocessing(f, doc.get("preprocessing"), len(inputs), len(outputs))
    log = _history(f, doc.get("history"), doc.get("optimizer"))
    ties = [(name, shared[name]) for name in declared]
    return _Checked(loss, seed, init, scale, rng_state, neurons, links, ties, prep, log)


def _acyclic(f: _Fields, names: list[str], links: list[tuple], layerwise: dict[str, int]) -> None:
    """The links make no cycle (a softmax layer counts as one unit); else name the link.

    Kahn's algorithm, linear in neurons and links. Only when it finds a cycle are
    the links added one by one (to a scratch network) to name the first link
    that closes it, as adding them by hand would.
    """

    def unit(name: str) -> object:
        return ("softmax", layerwise[name]) if name in layerwise else name

    units = {unit(n) for n in names}
    after: dict[object, list[object]] = {u: [] for u in units}
    waiting = dict.fromkeys(units, 0)
    for src, dst, *_ in links:
        a, b = unit(src), unit(dst)
        after[a].append(b)
        waiting[b] += 1
    ready = [u for u, count in waiting.items() if count == 0]
    done = 0
    while ready:
        u = ready.pop()
        done += 1
        for v in after[u]:
            waiting[v] -= 1
            if waiting[v] == 0:
                ready.append(v)
    if done == len(units):
        return
    scratch = Network()
    for n in names:
        scratch.add_neuron(
            n, "softmax" if n in layerwise else "identity", "hidden", layerwise.get(n)
        )
    for i, (src, dst, *_rest) in enumerate(links):
        try:
            scratch.add_link(src, dst, 0.0)
        except LernpyError as exc:
            raise f.fail(f"links[{i}]", str(exc)) from None
    raise f.fail("links", "the links make a cycle")  # (not reached: some link closes it)


def _state(f: _Fields, value: object, where: str) -> State | None:
    """A link's optimizer state: its kind and the numbers that kind keeps."""
    if value is None:
        return None
    f.object(value, where, {"kind", *FIELDS.get(_kind_of(value), ())}, ("kind",))
    kind = f.str(value["kind"], f"{where}.kind", tuple(FIELDS))
    numbers: dict[str, object] = {}
    for name in FIELDS[kind]:
        if name == "t":
            numbers[name] = f.int(value.get(name, 0), f"{where}.t", 0, 2**63)
        else:
            low = 0.0 if name in ("sum", "square", "v", "v_max") else -math.inf
            numbers[name] = f.float(value.get(name, 0.0), f"{where}.{name}", low)
    return State(kind, **numbers)  # type: ignore[arg-type]


def _kind_of(value: object) -> str:
    kind = value.get("kind") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else ""


def _rng_state(f: _Fields, value: object) -> tuple | None:
    if value is None:
        return None
    f.object(value, "rng", {"version", "state", "gauss_next"}, ("version", "state"))
    version = f.int(value["version"], "rng.version", 3, 3)
    state = f.list(value["state"], "rng.state", 625)
    if all(type(v) is int and 0 <= v < 2**32 for v in state):  # the usual case, checked fast
        words = tuple(state)
    else:
        words = tuple(f.int(v, f"rng.state[{i}]", 0, 2**32 - 1) for i, v in enumerate(state))
    if words[-1] > 624:
        raise f.fail("rng.state[624]", f"is {words[-1]}: expected a position from 0 to 624")
    gauss = f.optional_float(value.get("gauss_next"), "rng.gauss_next")
    state_tuple = (version, words, gauss)
    try:
        random.Random().setstate(state_tuple)
    except (ValueError, TypeError, OverflowError) as exc:
        raise f.fail("rng", f"is not a valid generator state ({exc})") from None
    return state_tuple


def _preprocessing(f: _Fields, value: object, inputs: int, outputs: int) -> Preprocessing | None:
    if value is None:
        return None
    keys = {"input_names", "target_names", "classes", "mean", "std"}
    f.object(value, "preprocessing", keys, ("input_names", "target_names"))
    input_names = f.names(value["input_names"], "preprocessing.input_names", inputs)
    target_names = f.names(value["target_names"], "preprocessing.target_names")
    classes = None
    if value.get("classes") is not None:
        want = 2 if outputs == 1 else outputs
        classes = f.names(value["classes"], "preprocessing.classes", want)
    elif len(target_names) != outputs:
        raise f.fail(
            "preprocessing.target_names",
            f"has {len(target_names)} entries: expected {outputs}, one per output",
        )
    stats = []
    for key in ("mean", "std"):
        raw = value.get(key)
        if raw is None:
            stats.append(None)
            continue
        items = f.list(raw, f"preprocessing.{key}", inputs)
        low = math.ulp(0.0) if key == "std" else -math.inf
        stats.append(
            tuple(f.float(v, f"preprocessing.{key}[{i}]", low) for i, v in enumerate(items))
        )
    if (stats[0] is None) != (stats[1] is None):
        raise f.fail("preprocessing", "mean and std come together: expected both or neither")
    return Preprocessing(input_names, target_names, classes, stats[0], stats[1])


def _history(f: _Fields, value: object, optimizer: object) -> TrainingLog | None:
    options: dict[str, object] = {}
    if optimizer is not None:
        keys = {"schedule", "momentum", "batch_size", "shuffle", "settings"}
        f.object(optimizer, "optimizer", keys, ())
        if optimizer.get("settings") is not None:  # type: ignore[union-attr]
            raw = optimizer["settings"]  # type: ignore[index]
            try:
                options["settings"] = optimizer_from_dict(raw).to_dict()
            except (LernpyError, TypeError) as exc:
                raise f.fail("optimizer.settings", f"not an optimizer's settings ({exc})") from None
        if optimizer.get("schedule") is not None:  # type: ignore[union-attr]
            raw = optimizer["schedule"]  # type: ignore[index]
            skeys = {"kind", "rate", "factor", "every", "gamma"}
            f.object(raw, "optimizer.schedule", skeys, ("kind", "rate"))
            try:
                schedule = Schedule(
                    f.str(raw["kind"], "optimizer.schedule.kind"),
                    f.float(raw["rate"], "optimizer.schedule.rate", 0.0),
                    f.float(raw.get("factor", 1.0), "optimizer.schedule.factor", 0.0),
                    f.int(raw.get("every", 1), "optimizer.schedule.every", 1, 2**63),
                    f.float(raw.get("gamma", 1.0), "optimizer.schedule.gamma", 0.0),
                )
            except NetworkFileError:
                raise
            except LernpyError as exc:
                raise f.fail("optimizer.schedule", str(exc)) from None
            options["schedule"] = schedule.to_dict()
        if "momentum" in optimizer:  # type: ignore[operator]
            options["momentum"] = f.float(optimizer["momentum"], "optimizer.momentum")  # type: ignore[index]
        if "batch_size" in optimizer:  # type: ignore[operator]
            options["batch_size"] = f.int(
                optimizer["batch_size"],  # type: ignore[index]
                "optimizer.batch_size",
                1,
                2**63,
            )
        if "shuffle" in optimizer:  # type: ignore[operator]
            options["shuffle"] = f.bool(optimizer["shuffle"], "optimizer.shuffle")  # type: ignore[index]
    if value is None:
        return TrainingLog(options=options) if options else None
    f.object(value, "history", {"epochs", "stopped"}, ("epochs",))
    records = []
    for i, item in enumerate(f.list(value["epochs"], "history.epochs")):
        where = f"history.epochs[{i}]"
        keys = {"epoch", "rate", "train_loss", "train_accuracy", "test_loss", "test_accuracy"}
        f.object(item, where, keys, ("epoch", "rate", "train_loss"))

        def score(
            key: str, accuracy: bool, item: Mapping = item, where: str = where
        ) -> float | None:
            raw = item.get(key)
            if raw is None:
                return None if accuracy or key == "test_loss" else math.nan
            number = f.float(raw, f"{where}.{key}", 0.0 if accuracy else -math.inf)
            if accuracy and number > 1.0:
                raise f.fail(f"{where}.{key}", f"is {number}: expected a fraction from 0 to 1")
            return number

        train_loss = score("train_loss", False)
        records.append(
            EpochRecord(
                f.int(item["epoch"], f"{where}.epoch", 1, 2**63),
                f.float(item["rate"], f"{where}.rate", 0.0),
                math.nan if train_loss is None else train_loss,
                score("train_accuracy", True),
                score("test_loss", False),
                score("test_accuracy", True),
            )
        )
    stopped = f.str(value.get("stopped", ""), "history.stopped")
    return TrainingLog(records, stopped, options)
