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

from lernpy.graph.names import shown
from lernpy.hooks import Shows

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

    def _numbers(self) -> str:
        return ""

    def __repr__(self) -> str:
        return shown(f"{self.kind}({self._numbers()})")


@dataclass(frozen=True, slots=True, repr=False)
class Presented(Step):
    """The input neurons took the sample's values."""

    inputs: tuple[float, ...]
    targets: tuple[float, ...]

    def _numbers(self) -> str:
        return f"sample {self.sample}, inputs={list(self.inputs)}, targets={list(self.targets)}"


@dataclass(frozen=True, slots=True, repr=False)
class Delivered(Step):
    """A link delivered ``value = weight · source.value`` to its target."""

    link: Link
    value: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self) -> str:
        return f"{self.link.name}, value={self.value!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Fired(Step):
    """A neuron summed its incoming values into ``net`` and took ``value = activation(net)``."""

    neuron: Neuron
    net: float
    value: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self) -> str:
        return f"{self.neuron.name}, net={self.net!r}, value={self.value!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Scored(Step):
    """The sample's loss, and each output neuron's error ∂E/∂value."""

    loss: float
    values: tuple[float, ...]
    targets: tuple[float, ...]
    errors: tuple[float, ...]

    def _numbers(self) -> str:
        return f"loss={self.loss!r}, errors={list(self.errors)}"


@dataclass(frozen=True, slots=True, repr=False)
class Sensed(Step):
    """A neuron's error ∂E/∂value and sensitivity ∂E/∂net."""

    neuron: Neuron
    error: float
    sensitivity: float

    @property
    def name(self) -> str:
        return self.neuron.name

    def _numbers(self) -> str:
        return f"{self.neuron.name}, error={self.error!r}, sensitivity={self.sensitivity!r}"


@dataclass(frozen=True, slots=True, repr=False)
class Learned(Step):
    """A link's sensitivity ∂E/∂w and the blame it sent back to its source."""

    link: Link
    sensitivity: float
    blame: float

    @property
    def name(self) -> str:
        return self.link.name

    def _numbers(self) -> str:
        return f"{self.link.name}, sensitivity={self.sensitivity!r}, blame={self.blame!r}"


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

    def _numbers(self) -> str:
        label = f" ({self.link.label})" if self.link.label else ""
        momentum = f", momentum_term={self.momentum_term!r}" if self.momentum_term else ""
        return (
            f"{self.link.name}{label}, old={self.old!r}, gradient={self.gradient!r}"
            f"{momentum}, new={self.new!r}"
        )


@dataclass(frozen=True, slots=True, repr=False)
class EpochEnded(Step):
    """An epoch ended; ``loss`` is the mean of its samples' losses."""

    loss: float

    def _numbers(self) -> str:
        return f"epoch {self.epoch}, loss={self.loss!r}"


@dataclass(frozen=True)
class Planned(Shows):
    """What the next step will be (from the static order; nothing is run)."""

    kind: str
    name: str
    phase: str
    epoch: int
    sample: int
