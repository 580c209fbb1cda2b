"""The checker: is an answer right, and when it is wrong, which factor is, and why.

An answer is a number (or its text) or the factors of a chain rule. It is right
when it is within half a unit of the exercise's last significant figure. When
it is wrong, every known slip (:mod:`lernpy.exercises.mistakes`) is worked
through the whole exercise; a slip whose number matches the answer (to the
digits the student gave) names the factor that went wrong, the number it
gave, and the right one.

>>> from lernpy import exercises
>>> ex = exercises.mazur()
>>> print(ex.check("dE/dw5", [0.74136507, 0.75136507, 0.593269992]))  # doctest: +ELLIPSIS
wrong: ∂out_o1/∂net_o1: you wrote 0.75136507, which is out_o1 itself; the slope is ...
>>> print(ex.check("dE/dw5", 0.08217))
right: ∂E/∂w5 = 0.082167041
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

from lernpy.errors import BadValueError
from lernpy.exercises.calc import Deviation, Work, order
from lernpy.exercises.mistakes import RoundedEarly, Slip, slips
from lernpy.exercises.spec import Spec
from lernpy.hooks import Shows
from lernpy.views.formulas import num

if TYPE_CHECKING:
    from lernpy.exercises.problem import Problem


@dataclass(frozen=True)
class Given:
    """A number as the student wrote it: its value and how many decimal places it has."""

    value: float
    text: str
    places: int
    figures: int  # significant figures written

    @property
    def tolerance(self) -> float:
        """Half a unit in the last place the student wrote (a whole number is exact)."""
        if not self.places:
            return 1e-12 * max(1.0, abs(self.value))
        return 0.5 * 10.0**-self.places


def given(answer: float | str) -> Given:
    """Read one number: ``0.0821``, ``"0.0821"``, ``"0,0821"`` (a decimal comma), ``"-1e-3"``."""
    text = answer.strip().replace(",", ".") if isinstance(answer, str) else repr(answer)
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float)):
        raise BadValueError(f"answer {answer!r}: expected a number or its text")
    try:
        d = Decimal(text.replace("−", "-"))
    except InvalidOperation:
        raise BadValueError(f"answer {answer!r}: expected a number such as 0.0821") from None
    if not d.is_finite():
        raise BadValueError(f"answer {answer!r}: expected a finite number")
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 0
    # a whole number (1, 0) is exact: as many figures as anyone asks for
    figures = len(d.as_tuple().digits) if places > 0 else 99
    text = text if isinstance(answer, str) else num(float(d)) if places > 9 else text
    return Given(float(d), text, places, figures)


def answer_parts(answer: float | str | Sequence[float | str]) -> list[Given]:
    """One number, or the factors of a chain rule (a list, or text joined by × * · or spaces)."""
    if isinstance(answer, str):
        parts = [p for p in re.split(r"\s*[×xX*·;]\s*|\s+", answer.strip()) if p]
        if not parts:
            raise BadValueError("the answer is empty: expected a number such as 0.0821")
        return [given(p) for p in parts]
    if isinstance(answer, (list, tuple)):
        if not answer:
            raise BadValueError("the answer is an empty list: expected numbers")
        return [given(p) for p in answer]
    return [given(answer)]  # type: ignore[arg-type]


def tolerance(x: float, figures: int) -> float:
    """Half a unit in the ``figures``-th significant figure of ``x``."""
    if x == 0.0 or not math.isfinite(x):
        return 0.5 * 10.0**-figures
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(x))) - figures + 1)


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * (1 + 1e-9) + 1e-15


@dataclass(frozen=True)
class Diagnosis:
    """A wrong answer (or factor): the slip, the factor it hit, its number, the right one."""

    slip: Slip | None
    factor: str
    wrote: str
    would_get: float
    right: float
    message: str


@dataclass
class Verdict(Shows):
    """The checker's answer: ``right``, the right ``value``, and diagnoses when wrong."""

    name: str
    answer: list[Given]
    right: bool
    value: float
    diagnoses: list[Diagnosis] = field(default_factory=list)
    note: str = ""

    def __bool__(self) -> bool:
        return self.right

    @property
    def slip(self) -> Slip | None:
        """The slip of the first diagnosis (None when right or unknown)."""
        return next((d.slip for d in self.diagnoses if d.slip is not None), None)

    def text(self) -> str:
        if self.right:
            return f"right: {self.name} = {num(self.value)}" + (
                f" ({self.note})" if self.note else ""
            )
        lines = [d.message for d in self.diagnoses] or [self.note]
        return "wrong: " + "\n  ".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()


def _right_clause(d: Deviation) -> str:
    if d.factor.startswith("∂out_"):
        return f"the slope is {d.rule} = {num(d.right)}"
    if d.rule:
        return f"{d.factor} = {d.rule} = {num(d.right)}"
    return f"{d.factor} = {num(d.right)}"


def _candidates(problem: Problem) -> tuple[tuple[Slip, Work], ...]:
    return _worked(problem.spec)


@lru_cache(maxsize=64)
def _worked(spec: Spec) -> tuple[tuple[Slip, Work], ...]:
    """Every slip worked through the exercise (rounding only from the first value on)."""
    first = order(spec)[0]
    found = []
    for slip in slips(spec):
        if isinstance(slip, RoundedEarly) and slip.where != first:
            continue
        found.append((slip, Work(spec, slip)))
    return tuple(found)


def relevant(work: Work, name: str) -> Deviation:
    """The deviation that made ``name`` wrong: at ``name`` itself, else at a factor of its
    chain rule, else in the same weight's update, else the first one."""
    factors = {f for f, _ in work.chains.get(name, [])}
    for wanted in ({name}, factors):
        for d in work.deviations:
            if d.factor in wanted:
                return d
    weight = work.about.get(name)
    for d in work.deviations:
        if weight is not None and d.weight == weight:
            return d
    return work.deviations[0]


def value_of(work: Work, slip: Slip, name: str) -> float:
    """``name`` as the slip gives it; rounding slips leave the answer itself unrounded
    (rounding the last number is how answers are written, not a mistake)."""
    return work.unrounded[name] if isinstance(slip, RoundedEarly) else work.values[name]


def _explain(name: str, wrote: str, slip: Slip, work: Work, right: float) -> str:
    """A wrong number named: which factor, what the student used there, the right value."""
    d = relevant(work, name)
    got = value_of(work, slip, name)
    if isinstance(slip, RoundedEarly):
        return (
            f"{name}: you wrote {wrote}, which is what you get by rounding every intermediate "
            f"value to {slip.param} decimal places ({name} = {num(got)}); keep every digit "
            f"until the end: {name} = {num(right)}"
        )
    if d.factor == name:
        return f"{name}: you wrote {wrote}, which is {d.why}; {_right_clause(d)}"
    return (
        f"{name}: you wrote {wrote}, which is what you get with {slip.describe()}: "
        f"{d.factor} = {num(d.used)} ({d.why}) makes {name} = {num(got)}; "
        f"{_right_clause(d)}, so {name} = {num(right)}"
    )


def _number(problem: Problem, name: str, a: Given) -> Verdict:
    x = problem.work.values[name]
    tol = tolerance(x, problem.figures)
    if close(a.value, x, tol):
        return Verdict(name, [a], True, x)
    short = a.figures < problem.figures
    exact = [
        (slip, work)
        for slip, work in _candidates(problem)
        if work.deviations and close(a.value, value_of(work, slip, name), 1e-12 * abs(a.value))
    ]
    if short and not exact and (close(a.value, x, a.tolerance) or _cut(a, x)):
        return Verdict(
            name,
            [a],
            False,
            x,
            [_diagnosis(None, name, a, a.value, _unknown(name, a, x, problem.figures), x)],
        )
    matches = []
    for slip, work in _candidates(problem):
        got = value_of(work, slip, name)
        if close(got, x, tol) or not work.deviations:
            continue  # this slip does not show in this answer
        if close(a.value, got, max(a.tolerance, tolerance(got, problem.figures))):
            d = relevant(work, name)
            local = (
                0 if d.factor == name else 1 if d.factor in dict(work.chains.get(name, [])) else 2
            )
            hit = (slip, work) not in exact
            matches.append((hit, local, slip.where == "", abs(a.value - got), slip, work))
    # a slip that gives the very number first, then the one nearest the answer's own factors,
    # then one at a place before one everywhere
    matches.sort(key=lambda m: m[:4])
    diagnoses = []
    seen = set()
    for *_, slip, work in matches:
        message = _explain(name, a.text, slip, work, x)
        if message not in seen:
            seen.add(message)
            diagnoses.append(
                _diagnosis(
                    slip, relevant(work, name).factor, a, value_of(work, slip, name), message, x
                )
            )
    if short and not exact and len({round(d.would_get, 15) for d in diagnoses}) > 1:
        message = (
            f"{name}: you wrote {a.text}, {a.figures} significant figure{'s' * (a.figures > 1)}: "
            f"too few to tell which mistake it is; {name} = {_figures(x, problem.figures)} "
            f"to {problem.figures} significant figures"
        )
        return Verdict(name, [a], False, x, [_diagnosis(None, name, a, a.value, message, x)])
    if diagnoses:
        first = diagnoses[0]
        others = [d.slip.describe() for d in diagnoses[1:] if d.slip is not None]
        if others:
            note = f" (the same number comes from {'; '.join(others)})"
            first = Diagnosis(
                first.slip, first.factor, first.wrote, first.would_get, x, first.message + note
            )
        return Verdict(name, [a], False, x, [first])
    return Verdict(
        name,
        [a],
        False,
        x,
        [_diagnosis(None, name, a, a.value, _unknown(name, a, x, problem.figures), x)],
    )


def _diagnosis(
    slip: Slip | None, factor: str, a: Given, got: float, message: str, right: float = math.nan
) -> Diagnosis:
    return Diagnosis(slip, factor, a.text, got, right, message)


def _cut(a: Given, x: float) -> bool:
    """Is ``a`` the number ``x`` cut off (not rounded) after the student's last place?"""
    # (past 15 places a float has no digits left to cut, and 10**places may pass the floats)
    return 0 < a.places <= 15 and close(a.value, math.trunc(x * 10**a.places) / 10**a.places, 1e-12)


def _unknown(name: str, a: Given, x: float, figures: int) -> str:
    """A wrong number no known slip gives: maybe it was cut off or given too short."""
    s = f"{x:.{max(0, a.places)}f}"
    if a.places and close(a.value, float(s), 1e-12):
        return (
            f"{name}: you wrote {a.text}, right to {a.figures} significant figure"
            f"{'s' * (a.figures > 1)}; the exercise asks for {figures}: "
            f"{name} = {_figures(x, figures)}"
        )
    if _cut(a, x):
        return (
            f"{name}: you wrote {a.text}, which is {num(x)} cut off, not rounded; "
            f"to {figures} significant figures {name} = {_figures(x, figures)}"
        )
    return f"{name}: you wrote {a.text}, but {name} = {num(x)} (no mistake I know gives {a.text})"


def _figures(x: float, figures: int) -> str:
    return f"{x:.{figures}g}" if x else "0"


def _factors(problem: Problem, name: str, parts: list[Given]) -> Verdict:
    x = problem.work.values[name]
    chain = problem.work.chains.get(name)
    if chain is None:
        raise BadValueError(f"{name} is not a gradient: give one number, not {len(parts)} factors")
    if len(parts) == 2 and len(chain) == 3:
        # ∂E/∂net · ∂net/∂w: the first two factors already multiplied
        n = chain[1][0].split("/∂")[1]
        chain = [(f"∂E/∂{n}", problem.work.values[f"∂E/∂{n}"]), chain[2]]
    if len(parts) != len(chain):
        want = " · ".join(f for f, _ in chain)
        raise BadValueError(f"{name} has {len(chain)} factors ({want}): got {len(parts)}")
    diagnoses = []
    candidates = None
    for k, ((factor, right), a) in enumerate(zip(chain, parts)):
        tol = tolerance(right, problem.figures)
        if close(a.value, right, tol):
            continue
        candidates = candidates or _candidates(problem)
        found = None
        for slip, work in candidates:
            got = _factor_value(work, name, factor, k, len(chain))
            if close(got, right, tol):
                continue
            if close(a.value, got, max(a.tolerance, tolerance(got, problem.figures))):
                found = (slip, work, got)
                break
        if found is None:
            message = f"{factor}: you wrote {a.text}, but {factor} = {num(right)}"
            diagnoses.append(Diagnosis(None, factor, a.text, a.value, right, message))
            continue
        slip, work, got = found
        d = next((d for d in work.deviations if d.factor == factor), work.deviations[0])
        if d.factor == factor:
            message = f"{factor}: you wrote {a.text}, which is {d.why}; {_right_clause(d)}"
        else:
            message = (
                f"{factor}: you wrote {a.text}, which is what {slip.describe()} gives "
                f"({d.factor} = {num(d.used)}, {d.why}); {factor} = {num(right)}"
            )
        diagnoses.append(Diagnosis(slip, factor, a.text, got, right, message))
    if not diagnoses:
        return Verdict(name, parts, True, x, note="every factor right")
    return Verdict(name, parts, False, x, diagnoses)


def _factor_value(work: Work, name: str, factor: str, k: int, length: int) -> float:
    if factor in work.values:
        return work.values[factor]
    return work.chains[name][k if length == len(work.chains[name]) else -1][1]


def check(problem: Problem, name: str, answer: float | str | Sequence[float | str]) -> Verdict:
    """Check a student's answer to ``name``: one number, or the factors of its chain rule."""
    name = problem.name(name)
    parts = answer_parts(answer)
    if len(parts) == 1:
        return _number(problem, name, parts[0])
    return _factors(problem, name, parts)


def mistakes(problem: Problem, name: str) -> list[tuple[float, str]]:
    """Each number a known slip gives for ``name`` (where it differs from the right one), with
    its diagnosis; ``{answer}`` stands where the student's number goes (for the lesson page)."""
    name = problem.name(name)
    x = problem.work.values[name]
    tol = tolerance(x, problem.figures)
    found: dict[float, str] = {}
    for slip, work in _candidates(problem):
        got = value_of(work, slip, name)
        if close(got, x, tol) or not work.deviations or got in found:
            continue
        found[got] = _explain(name, "{answer}", slip, work, x)
    return list(found.items())
