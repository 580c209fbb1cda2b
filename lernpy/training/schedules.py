"""Rate schedules: the learning rate of each epoch (epochs count from 0).

>>> constant(0.5)(epoch=10), step(0.5, factor=0.1, every=10)(epoch=10)
(0.5, 0.05)
>>> round(exponential(1.0, gamma=0.5)(epoch=3), 6)
0.125
>>> parse_schedule("step:0.5:100", rate=0.1)
Schedule(kind='step', rate=0.1, factor=0.5, every=100, gamma=1.0)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

from lernpy.checks import short
from lernpy.errors import LernpyError


@dataclass(frozen=True)
class Schedule:
    """A learning rate per epoch (epochs count from 0).

    ``kind`` is "constant" (always ``rate``), "step" (``rate · factor`` to the
    power of how many whole ``every``-epoch blocks have passed) or
    "exponential" (``rate · gamma ** epoch``).
    """

    kind: str
    rate: float
    factor: float = 1.0
    every: int = 1
    gamma: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in ("constant", "step", "exponential"):
            raise LernpyError(
                f"unknown schedule {short(self.kind)}: expected constant, step or exponential"
            )
        for name in ("rate", "factor", "gamma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise LernpyError(f"schedule {name} must be a number, got {value!r}")
            try:
                value = float(value)  # numpy numbers too; ints past the floats are refused
            except OverflowError:
                value = math.inf
            if not math.isfinite(value) or value < 0:
                raise LernpyError(f"schedule {name} must be a finite number >= 0, got {value!r}")
            object.__setattr__(self, name, value)
        every = self.every
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise LernpyError(f"schedule every must be a whole number >= 1, got {every!r}")
        object.__setattr__(self, "every", int(every))

    def __call__(self, epoch: int) -> float:
        if self.kind == "step":
            return self.rate * self.factor ** (epoch // self.every)
        if self.kind == "exponential":
            return self.rate * self.gamma**epoch
        return float(self.rate)

    def rate_at(self, epoch: int) -> float:
        """The rate of ``epoch``, or a LernpyError if it is past the largest float."""
        try:
            rate = self(epoch)
        except OverflowError:
            rate = math.inf
        if not math.isfinite(rate):
            raise LernpyError(
                f"rate of the {self.kind} schedule at epoch {epoch} is past the largest float: "
                "expected a finite rate in every epoch"
            )
        return rate

    def to_dict(self) -> dict[str, object]:
        """The schedule as plain values, for saving."""
        return asdict(self)


def constant(rate: float) -> Schedule:
    """The same rate every epoch."""
    return Schedule("constant", rate)


def step(rate: float, factor: float = 0.5, every: int = 100) -> Schedule:
    """Multiply the rate by ``factor`` every ``every`` epochs."""
    return Schedule("step", rate, factor=factor, every=every)


def exponential(rate: float, gamma: float = 0.99) -> Schedule:
    """Multiply the rate by ``gamma`` every epoch."""
    return Schedule("exponential", rate, gamma=gamma)


def parse_schedule(text: str, rate: float) -> Schedule:
    """Read a schedule written as on the command line.

    "constant", "step:FACTOR:EVERY" or "exponential:GAMMA" (also "exp:GAMMA").

    >>> parse_schedule("step:0.5:20", rate=0.1)
    Schedule(kind='step', rate=0.1, factor=0.5, every=20, gamma=1.0)
    """
    if not isinstance(text, str):
        raise LernpyError(f"schedule {short(text)}: expected text such as step:0.5:20")
    parts = text.strip().split(":")
    kind = parts[0].lower()
    try:
        if kind == "constant" and len(parts) == 1:
            return constant(rate)
        if kind == "step" and len(parts) == 3:
            return step(rate, factor=float(parts[1]), every=int(parts[2]))
        if kind in ("exponential", "exp") and len(parts) == 2:
            return exponential(rate, gamma=float(parts[1]))
    except ValueError:
        pass
    raise LernpyError(
        f"cannot read schedule {text!r}: expected constant, step:FACTOR:EVERY or exponential:GAMMA"
    )
