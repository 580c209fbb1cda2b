"""Step records: each step of training, recorded just after it happened.

A record is frozen: it keeps the numbers as they were when the step was taken,
and names the link or neuron it is about. The scheduler returns one per step;
a :class:`~lernpy.walk.trace.Trace` collects them.

>>> from lernpy import examples
>>> run = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> step = run.step("neuron")
>>> step.kind, step.name, step.phase, round(step.value, 9)
('Fired', 'h1', 'forward', 0.593269992)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING

from lernpy.graph.names import shown
from lernpy.hooks import Shows
from lernpy.numbers import num, one_line
from lernpy.optim.state import FIELDS, State

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.graph.neuron import Neuron
    from lernpy.graph.shared import SharedWeight
    from lernpy.optim import Optimizer


@dataclass(frozen=True, slots=True, repr=False)
class Step(Shows):
    """One step of training, recorded just after it happened.

    ``epoch`` counts from 0; ``sample`` is the index in the data set of the
    sample being walked (for a batch's updates, its last sample; -1 at an
    epoch's end); ``phase`` is forward, loss, backward, update or epoch.
    """

    epoch: int
    sample: int
    phase: str

    @property
    def kind(self) -> str:
        return type(self).__name__

    @property
    def name(self) -> str:
        """The name of the link or neuron this step is about ("" for others)."""
        return ""

    def fields(self) -> dict[str, object]:
        """The record as plain data (names for links and neurons), for CSV and JSON."""
        out: dict[str, object] = {"kind": self.kind, "epoch": self.epoch, "sample": self.sample}
        out["phase"] = self.phase
        out["name"] = self.name
        for key in self.__slots__:  # type: ignore[attr-defined]
            if key not in ("link", "neuron"):
                out[key] = getattr(self, key)
        return out

    def _numbers(self, p: int = 9) -> str:
        return ""

    def __repr__(self) -> str:
        """One line of at most 80 columns, numbers as every view writes them (``num``)."""
        return shown(one_line(lambda p: f"{self.kind}({self._numbers(p)})"))


def _nums(values: tuple[float, ...], limit: int = 3, p: int = 9) -> str:
    """A short list of numbers: the first few, then how many there are."""
    listed = ", ".join(num(v, p) for v in values[:limit])
    more = f", … {len(values)} in all" if len(values) > limit else ""
    return f"[{listed}{more}]"


@dataclass(frozen=True, slots=True, repr=False)
class Presented(Step):
    """The input neurons took the sample's values."""

    inputs: tuple[float, ...]
    targets: tuple[float, ...]

    def _numbers(self, p: int = 9) -> str:
        inputs, targets = _nums(self.inputs, p=p), _nums(self.targets, p=p)
        return f"sample {self.sample}, inputs={inputs}, targets={targets}"


@dataclass(frozen=True, slots=True, repr=False)
class Delivered(Step):
    """A link delivered ``value = weight · source.value`` to its target."""

    link: Link
    value: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self, p: int = 9) -> str:
        return f"{self.link.name}, value={num(self.value, p)}"


@dataclass(frozen=True, slots=True, repr=False)
class Fired(Step):
    """A neuron summed its incoming values into ``net`` and took ``value = activation(net)``."""

    neuron: Neuron
    net: float
    value: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self, p: int = 9) -> str:
        return f"{self.neuron.name}, net={num(self.net, p)}, value={num(self.value, p)}"


@dataclass(frozen=True, slots=True, repr=False)
class Scored(Step):
    """The sample's loss, and each output neuron's error ∂E/∂value."""

    loss: float
    values: tuple[float, ...]
    targets: tuple[float, ...]
    errors: tuple[float, ...]

    def _numbers(self, p: int = 9) -> str:
        return f"loss={num(self.loss, p)}, errors={_nums(self.errors, p=p)}"


@dataclass(frozen=True, slots=True, repr=False)
class Sensed(Step):
    """A neuron's error ∂E/∂value and sensitivity ∂E/∂net.

    ``mistake`` names the deliberate mistake that made it (see :mod:`lernpy.walk.mistakes`).
    """

    neuron: Neuron
    error: float
    sensitivity: float
    mistake: str = ""

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self, p: int = 9) -> str:
        error, sensitivity = num(self.error, p), num(self.sensitivity, p)
        mistake = f", mistake={self.mistake!r}" if self.mistake else ""
        return f"{self.neuron.name}, error={error}, sensitivity={sensitivity}{mistake}"


@dataclass(frozen=True, slots=True, repr=False)
class Learned(Step):
    """A link's sensitivity ∂E/∂w and the blame it sent back to its source."""

    link: Link
    sensitivity: float
    blame: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self, p: int = 9) -> str:
        sensitivity, blame = num(self.sensitivity, p), num(self.blame, p)
        return f"{self.link.name}, sensitivity={sensitivity}, blame={blame}"


@dataclass(frozen=True, slots=True, repr=False)
class Updated(Step):
    """A weight changed, by its optimizer's rule, from the batch's gradient.

    ``gradient`` is the batch's ∂E/∂w as gathered (mean or sum), before any
    clipping or weight decay; ``optimizer`` made the change from the state
    ``before`` and left ``after`` (velocity, moments, step count); ``norm`` is the
    global gradient norm when the optimizer clips by norm. For SGD,
    ``momentum_term`` is what momentum adds to plain gradient descent's change
    (μ · Δw_prev in the textbook form, −rate · μ · b_prev in PyTorch's).
    ``mistake`` names a deliberate mistake that touched this update. ``link`` is
    the link whose weight changed, or the shared weight whose links all changed at
    once (its gradient is the sum of theirs).
    """

    link: Link | SharedWeight
    old: float
    gradient: float
    rate: float
    momentum_term: float
    new: float
    optimizer: Optimizer | None = None
    before: State | None = None
    after: State | None = None
    norm: float | None = None
    mistake: str = ""

    @property
    def name(self) -> str:
        return self.link.name

    def fields(self) -> dict[str, object]:
        """As :meth:`Step.fields`; the optimizer by name, the state after number by number."""
        out: dict[str, object] = {"kind": self.kind, "epoch": self.epoch, "sample": self.sample}
        out["phase"] = self.phase
        out["name"] = self.name
        for key in ("old", "gradient", "rate", "momentum_term", "new"):
            out[key] = getattr(self, key)
        out["optimizer"] = self.optimizer.describe() if self.optimizer is not None else ""
        after = self.after
        if after is not None and not after.fresh:
            out["state"] = after.kind
            out.update(after.numbers())
        if self.norm is not None:
            out["norm"] = self.norm
        if self.mistake:
            out["mistake"] = self.mistake
        return out

    def __repr__(self) -> str:
        """One line of at most 80 columns: the optimizer's state goes first if it must."""
        for p, state in ((9, True), (6, True), (9, False), (6, False)):
            line = f"{self.kind}({self._numbers(p, state)})"
            if len(line) <= 80:
                return shown(line)
        return shown(f"{self.kind}({self._numbers(4, False)})")

    def _numbers(self, p: int = 9, with_state: bool = True) -> str:
        label = f" ({self.link.label})" if self.link.label else ""
        momentum = f", μ·Δw={num(self.momentum_term, p)}" if self.momentum_term else ""
        state = ""  # the optimizer's numbers after the update (velocity, moments, step count)
        after = self.after
        if with_state and after is not None and not after.fresh and after.kind in FIELDS:
            state = ", " + ", ".join(
                f"{k}={num(v, p) if isinstance(v, float) else repr(v)}"
                for k, v in after.numbers().items()
            )
        mistake = f", mistake={self.mistake!r}" if self.mistake else ""
        return (
            f"{self.link.name}{label}, old={num(self.old, p)}, gradient={num(self.gradient, p)}"
            f"{momentum}{state}, new={num(self.new, p)}{mistake}"
        )


@dataclass(frozen=True, slots=True, repr=False)
class EpochEnded(Step):
    """An epoch ended; ``loss`` is the mean of its samples' losses."""

    loss: float

    def _numbers(self, p: int = 9) -> str:
        return f"epoch {self.epoch}, loss={num(self.loss, p)}"


# -- a record as numbers ---------------------------------------------------------
#
# A trace keeps the steps of a whole walk compactly (lernpy.walk.trace.Walk): the
# link or neuron each step is about and its phase come from the plan, and a step's
# own numbers go, in field order, into one array of floats. What each field becomes
# is read from its type, so a new field (or a new kind of step) needs no change here.
# Some fields are not stored at all: the trace works them out from numbers it keeps,
# with the very arithmetic the step used (WORKED_OUT, and Walk's methods).

HOW = {
    "Link": "object",  # the link the step is about (kept by the plan, not the numbers)
    "Link | SharedWeight": "object",  # (an update's: a walk's links own their weights)
    "Neuron": "object",
    "float": "number",  # one number
    "int": "count",  # one number, read back as a whole number
    "tuple[float, ...]": "outputs",  # one number per output neuron...
    "State | None": "state",  # an optimizer's numbers (as many as its kind keeps)
    "Optimizer | None": "setting",  # what the whole walk shares: the run's
    "float | None": "setting",
    "str": "setting",
}
WIDE = {"inputs": "inputs"}  # ...except a sample's inputs: one per input neuron
WORKED_OUT = {
    "Presented": ("inputs", "targets"),  # the sample's own
    "Delivered": ("value",),  # weight · source value
    "Scored": ("values", "targets"),  # the outputs' values, the sample's targets
    "Sensed": ("mistake",),  # the run's
    "Learned": ("sensitivity", "blame"),  # target sensitivity · source value, weight · it
    # Σ ∂E/∂w ÷ divisor, the epoch's rate, the run's optimizer, the state the update
    # before left (or the epoch began with), no clipping norm, no mistake
    "Updated": ("gradient", "rate", "optimizer", "before", "norm", "mistake"),
}
BASE = ("epoch", "sample", "phase")


@cache
def layout(kind: type[Step]) -> tuple[tuple[str, str], ...]:
    """(field, how it is stored) for each field of ``kind`` after epoch, sample and phase.

    >>> layout(Fired)
    (('neuron', 'object'), ('net', 'number'), ('value', 'number'))
    """
    return tuple(
        (f.name, WIDE.get(f.name, HOW[f.type])) for f in fields(kind) if f.name not in BASE
    )


@cache
def stored(kind: type[Step]) -> tuple[tuple[str, str], ...]:
    """The fields of ``kind`` whose numbers a trace stores (the others it works out).

    >>> stored(Updated)
    (('old', 'number'), ('momentum_term', 'number'), ('new', 'number'), ('after', 'state'))
    """
    skip = WORKED_OUT.get(kind.__name__, ())
    return tuple(
        (name, how) for name, how in layout(kind) if how not in ("object", "setting")
        and name not in skip
    )  # fmt: skip


def width(kind: type[Step], inputs: int, outputs: int, state: int = 0, lean: bool = False) -> int:
    """How many numbers a trace stores for a step of ``kind`` (``state``: an optimizer's).

    ``lean``: an epoch of plain gradient descent kept whole, where an update stores
    its new weight only (its old weight is the update's before, its momentum term 0).
    """
    if lean and kind is Updated:
        return 1
    sizes = {"number": 1, "count": 1, "inputs": inputs, "outputs": outputs, "state": state}
    return sum(sizes[how] for _name, how in stored(kind))


# the record of each step of the plan (lernpy.walk.plan's codes, in order)
KINDS: tuple[type[Step], ...] = (
    Presented, Delivered, Fired, Scored, Sensed, Learned, Updated, EpochEnded,
)  # fmt: skip


@dataclass(frozen=True)
class Planned(Shows):
    """What the next step will be (from the static order; nothing is run)."""

    kind: str
    name: str
    phase: str
    epoch: int
    sample: int

    def __repr__(self) -> str:
        """``Planned(Fired h1, forward, epoch 0, sample 0)``: one line."""
        what = f"{self.kind} {self.name}" if self.name else self.kind
        where = f", sample {self.sample}" if self.sample >= 0 else ""
        return shown(f"Planned({what}, {self.phase}, epoch {self.epoch}{where})")
