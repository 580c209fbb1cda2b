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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lernpy.hooks import Shows
from lernpy.numbers import num, one_line

if TYPE_CHECKING:
    from lernpy.graph.link import Link
    from lernpy.graph.neuron import Neuron


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
        return one_line(lambda p: f"{self.kind}({self._numbers(p)})")


def _nums(values: tuple[float, ...], limit: int = 3, p: int = 9) -> str:
    """A short list of numbers: the first few, then how many there are."""
    shown = ", ".join(num(v, p) for v in values[:limit])
    more = f", … {len(values)} in all" if len(values) > limit else ""
    return f"[{shown}{more}]"


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
    """A neuron's error ∂E/∂value and sensitivity ∂E/∂net."""

    neuron: Neuron
    error: float
    sensitivity: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self, p: int = 9) -> str:
        error, sensitivity = num(self.error, p), num(self.sensitivity, p)
        return f"{self.neuron.name}, error={error}, sensitivity={sensitivity}"


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
    """A weight changed: new = old + momentum_term − rate · gradient."""

    link: Link
    old: float
    gradient: float
    rate: float
    momentum_term: float
    new: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self, p: int = 9) -> str:
        label = f" ({self.link.label})" if self.link.label else ""
        momentum = f", μ·Δw={num(self.momentum_term, p)}" if self.momentum_term else ""
        return (
            f"{self.link.name}{label}, old={num(self.old, p)}, gradient={num(self.gradient, p)}"
            f"{momentum}, new={num(self.new, p)}"
        )


@dataclass(frozen=True, slots=True, repr=False)
class EpochEnded(Step):
    """An epoch ended; ``loss`` is the mean of its samples' losses."""

    loss: float

    def _numbers(self, p: int = 9) -> str:
        return f"epoch {self.epoch}, loss={num(self.loss, p)}"


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
        return f"Planned({what}, {self.phase}, epoch {self.epoch}{where})"
