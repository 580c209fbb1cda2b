"""Auditing a published answer key: the first number that disagrees, and the slip that explains it.

Given someone's table of named values for an exercise lernpy can build, every
number is compared with the right calculation, each to the digits it was
published with. From the first that disagrees on, each known mistake and
convention (:mod:`lernpy.exercises.mistakes`) is worked through the whole
exercise; the ones that reproduce every published number are named.

>>> from lernpy import exercises
>>> ex = exercises.mazur()
>>> key = {"out_h1": "0.593269992", "∂E/∂w5": "0.082167041", "new w5": "0.317832959"}
>>> report = exercises.audit(ex, key)
>>> report.first, report.cause.describe()
('new w5', 'the rate not applied at w5')
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lernpy.checks import short
from lernpy.errors import BadValueError, LernpyError
from lernpy.exercises.calc import Work
from lernpy.exercises.check import Given, close, given
from lernpy.exercises.mistakes import SLIPS, RoundedEarly, Slip, slips
from lernpy.hooks import Shows
from lernpy.views.formulas import num

if TYPE_CHECKING:
    from lernpy.exercises.problem import Problem


@dataclass
class Audit(Shows):
    """What an audit found: ``first`` (the first disagreeing name, or None), the right and the
    published number there, the slips that reproduce every published number (``causes``), and,
    when none does, the slip that reproduces the most (``nearest``, up to ``stops``)."""

    problem: Problem
    published: dict[str, Given]
    first: str | None = None
    causes: list[Slip] = field(default_factory=list)
    nearest: Slip | None = None
    stops: str | None = None

    @property
    def cause(self) -> Slip | None:
        """The slip named first (the simplest of those that reproduce the key)."""
        return self.causes[0] if self.causes else None

    def text(self) -> str:
        n = len(self.published)
        if self.first is None:
            if n == 1:
                return "the published number agrees with lernpy's calculation"
            return f"every one of the {n} published numbers agrees with lernpy's calculation"
        right = self.problem.work.values[self.first]
        wrote = self.published[self.first].text
        lines = [
            f"the first number that disagrees: {self.first} = {wrote} (lernpy: {num(right)})",
        ]
        if self.causes:
            cause = self.causes[0]
            kind = "convention" if cause.kind == "convention" else "mistake"
            lines.append(
                f"reproduced from there on, every published number, by a {kind}: {cause.describe()}"
            )
            work = Work(self.problem.spec, cause)
            d = next((d for d in work.deviations), None)
            if d is not None and d.why:
                lines.append(f"  at {d.factor}: {num(d.used)} is {d.why}")
            if len(self.causes) > 1:
                others = "; ".join(c.describe() for c in self.causes[1:4])
                more = f" and {len(self.causes) - 4} more" if len(self.causes) > 4 else ""
                lines.append(f"  (the same numbers come from {others}{more})")
        elif self.nearest is not None:
            lines.append(
                f"no known mistake or convention reproduces every number; the nearest, "
                f"{self.nearest.describe()}, reproduces them up to {self.stops}"
            )
        else:
            lines.append("no known mistake or convention reproduces the published numbers")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()


def _agree(published: dict[str, Given], values: Mapping[str, float]) -> str | None:
    """The first published name whose number disagrees with ``values`` (None: all agree)."""
    for name, g in published.items():
        x = values[name]
        if not close(g.value, x, max(g.tolerance, 1e-12 * abs(x))):
            return name
    return None


def audit(problem: Problem, table: Mapping[str, float | str] | str) -> Audit:
    """Audit a published key: a mapping of names to numbers, or a table's text (see
    :func:`read_table`), against ``problem``."""
    from lernpy.exercises.problem import Problem  # (it imports this module)

    if not isinstance(problem, Problem):
        raise BadValueError(f"audit({short(problem)}, …): expected an exercise (a Problem)")
    if not isinstance(table, (str, Mapping)):
        raise BadValueError(
            f"the published key is {short(table)}: expected its text, or names mapped to numbers"
        )
    rows = read_table(table) if isinstance(table, str) else dict(table)
    if not rows:
        raise BadValueError("the published key is empty: expected named values such as E = 0.29")
    named = {}
    for name, value in rows.items():
        key = problem.name(name)
        try:
            named[key] = given(value)
        except BadValueError as error:
            raise BadValueError(f"published {name}: {error}") from None
    order = problem.work.order
    published = {n: named[n] for n in order if n in named}
    report = Audit(problem, published)
    report.first = _agree(published, problem.work.values)
    if report.first is None:
        return report
    best: tuple[int, Slip, str | None] | None = None
    rank = {cls: k for k, cls in enumerate(SLIPS)}
    names = list(published)
    first = order.index(report.first)
    for slip in slips(problem.spec):
        if isinstance(slip, RoundedEarly) and order.index(slip.where) > first:
            continue  # rounding that starts after the first disagreement cannot explain it
        work = Work(problem.spec, slip)
        stop = _agree(published, work.values)
        if stop is None:
            report.causes.append(slip)
            continue
        reached = names.index(stop)
        if names.index(report.first) < reached and (best is None or reached > best[0]):
            best = (reached, slip, stop)
    report.causes.sort(key=lambda s: (rank[type(s)], s.where == ""))
    if not report.causes and best is not None:
        report.nearest, report.stops = best[1], best[2]
    return report


_ROW = re.compile(r"^\s*(?P<name>.+?)\s*(?:=|:|,|\t|\s)\s*(?P<value>[^\s=:,|]+)\s*$")


def read_table(text: str) -> dict[str, str]:
    """Named values from text: JSON, CSV (name,value), ``name = value`` or ``name: value``
    lines, or a Markdown table (``| name | value |``). Blank lines and ``#`` comments are skipped.

    >>> read_table("| value | number |\\n|---|---|\\n| out_h1 | 0.5933 |\\nE = 0.2984\\n")
    {'out_h1': '0.5933', 'E': '0.2984'}
    """
    if not isinstance(text, str):
        raise BadValueError(f"the published key is {short(text)}: expected its text")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise LernpyError(f"the key is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise LernpyError("a JSON key must be an object of names and numbers")
        return {str(k): v if isinstance(v, str) else repr(v) for k, v in data.items()}
    rows: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) < 2 or set("".join(cells)) <= set("-: "):
                continue
            name, value = cells[0], cells[-1]
        else:
            m = _ROW.match(line)
            if m is None:
                raise LernpyError(
                    f"line {number} of the key: {line!r}: expected a name and a number"
                )
            name, value = m.group("name"), m.group("value")
        try:
            given(value)
        except BadValueError:
            if not rows:  # a header row
                continue
            raise LernpyError(
                f"line {number} of the key: {value!r} for {name}: expected a number"
            ) from None
        rows[name.strip("`* ")] = value
    return rows
