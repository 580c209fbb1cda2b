"""Trace: a log of steps that answers questions per link.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
>>> _ = run.run()
>>> [round(u.new, 8) for u in net.trace.updates("w5")]
[0.35891648]
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from lernpy import checks, hooks
from lernpy.errors import UnknownNameError
from lernpy.files import text_out
from lernpy.graph.network import link_key
from lernpy.hooks import Exports, Shows
from lernpy.walk.series import Series

if TYPE_CHECKING:
    from lernpy.views.tables import Grid
    from lernpy.walk.steps import Step

COLUMNS = (
    "kind", "epoch", "sample", "phase", "name", "inputs", "targets", "net", "value", "values",
    "loss", "errors", "error", "sensitivity", "blame", "old", "gradient", "rate",
    "momentum_term", "new", "optimizer", "state", "t", "velocity", "sum", "square", "grad_avg",
    "m", "v", "v_max", "norm", "mistake",
)  # fmt: skip


class Steps(list, Exports, Shows):
    """Step records a trace query found: a list that shows itself and exports its table.

    >>> from lernpy import examples
    >>> net = examples.mazur()
    >>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=2).run()
    >>> net.trace.updates("w5")
    Steps(w5: 2 steps, Updated ×2)
    >>> net.trace.updates("w5").to_csv().splitlines()[0]
    'epoch,sample,old weight,gradient,rate,momentum term,change,new weight'
    """

    __slots__ = ("about",)

    def __init__(self, steps: Iterable[Step] = (), about: str = "") -> None:
        super().__init__(steps)
        self.about = about

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for step in self:
            kinds[step.kind] = kinds.get(step.kind, 0) + 1
        parts = [f"{kind} ×{count}" for kind, count in kinds.items()]
        count = f"{len(self)} step" + ("s" if len(self) != 1 else "")
        head = f"Steps({self.about}: {count}" if self.about else f"Steps({count}"
        line = head + "".join(f", {p}" for p in parts) + ")"
        return line if len(line) <= 80 else head + ")"


# What trace.series() reads from each kind of step: field → (kind, attribute)
SERIES_FIELDS = {
    "link": {
        "value": ("Delivered", "value"),
        "sensitivity": ("Learned", "sensitivity"),
        "blame": ("Learned", "blame"),
        "weight": ("Updated", "new"),
        "gradient": ("Updated", "gradient"),
    },
    "neuron": {
        "net": ("Fired", "net"),
        "value": ("Fired", "value"),
        "error": ("Sensed", "error"),
        "sensitivity": ("Sensed", "sensitivity"),
    },
}
COUNTS = {"Updated": "update"}  # what counts the points of a series (else "sample")


class Trace(Shows):
    """Collects steps. ``keep``: None keeps all, N keeps the last N; ``links``
    keeps only the steps about those links (names, ASCII arrows allowed).
    """

    def __init__(self, keep: int | None = None, links: Iterable[str] | None = None) -> None:
        if keep is not None:
            keep = checks.whole(keep, "Trace(keep=...)", low=1, high=sys.maxsize)
        self.keep = keep
        if isinstance(links, str):
            links = [links]
        self.links = None if links is None else {link_key(n) for n in checks.names(links, "links")}
        self.steps: deque[Step] = deque(maxlen=keep)

    def append(self, step: Step) -> None:
        if self.links is not None and getattr(step, "link", None) is None:
            return
        if self.links is not None and step.name not in self.links and not self._labelled(step):
            return
        self.steps.append(step)

    def _labelled(self, step: Step) -> bool:
        """Is the step about a link kept by its label, or by its shared weight's name?"""
        link = getattr(step, "link", None)
        if link is None:
            return False
        shared = getattr(link, "shared", None)
        return link.label in self.links or (shared is not None and shared.name in self.links)

    def discard(self, step: Step) -> None:
        """Forget ``step`` if it is the last one kept (``back()`` uses this)."""
        if self.steps and self.steps[-1] is step:
            self.steps.pop()

    def clear(self) -> None:
        self.steps.clear()

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def of(self, name: str) -> Steps:
        """Every kept step about the link or neuron ``name`` (a label such as "w5" too; a
        shared weight's name: its update and every step of its links)."""
        name = checks.text(name, "name")
        key = link_key(name)
        return Steps(
            (s for s in self.steps if s.name == key or s.name == name or _about(s, name)),
            about=name,
        )

    def updates(self, name: str) -> Steps:
        """Every kept update of the link ``name``, with its numbers."""
        return Steps((s for s in self.of(name) if s.kind == "Updated"), about=name)

    def series(self, name: str, field: str = "sensitivity") -> Series:
        """One number of a link or neuron from every kept step, in order, to watch it change.

        For a link: "value", "sensitivity" (∂E/∂w), "blame", "weight" (after each
        update), "gradient"; for a neuron: "net", "value", "error", "sensitivity" (∂E/∂net).

        >>> from lernpy import examples
        >>> net = examples.mazur()
        >>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=3).run()
        >>> [round(v, 9) for v in net.trace.series("w5", "sensitivity")]
        [0.082167041, 0.083125235, 0.083987295]
        """
        steps = self.of(name)
        about = next((s for s in steps), None)
        what = "neuron" if about is not None and hasattr(about, "neuron") else "link"
        fields = SERIES_FIELDS[what]
        if not isinstance(field, str) or field not in fields:
            raise UnknownNameError(
                f"trace.series({name!r}, {field!r}): a {what} has no such series: expected "
                f"one of {', '.join(fields)}"
            )
        kind, attribute = fields[field]
        found = [s for s in steps if s.kind == kind]
        label = ""
        if found and getattr(found[0], "link", None) is not None and found[0].link.label:
            label = f" ({found[0].link.label})"
        title = f"{field} of {found[0].name if found else link_key(name)}{label}"
        return Series(
            title,
            [getattr(s, attribute) for s in found],
            x_label=COUNTS.get(kind, "sample"),
            start=1,
            epochs=[s.epoch for s in found],
            samples=[s.sample for s in found],
        )

    def table(self, name: str | None = None, last: int = 20) -> Grid:
        """The last ``last`` steps as lines, or the updates of the link ``name``, as a table."""
        return hooks.grid(self, name=name, last=last)

    def to_markdown(self) -> str:
        """:meth:`table` as Markdown (``to_csv`` writes every step with all its fields)."""
        return self.table().to_markdown()

    def to_latex(self, floating: bool = True) -> str:
        """:meth:`table` as LaTeX (booktabs)."""
        return self.table().to_latex(floating=floating)

    def rows(self) -> list[dict[str, object]]:
        """Each step as a flat dict of plain values."""
        return [s.fields() for s in self.steps]

    def to_csv(self, file: str | os.PathLike | IO[str] | None = None) -> str | None:
        """The steps as CSV (one row per step, :data:`COLUMNS`): the text, or None once
        written to ``file``."""
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in self.rows():
            writer.writerow({k: _plain(v) for k, v in row.items()})
        return _write(buffer.getvalue(), file)

    def to_jsonl(self, file: str | os.PathLike | IO[str] | None = None) -> str | None:
        """The steps as JSON lines (one object per step): the text, or None once written."""
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows())
        return _write(text, file)

    def __repr__(self) -> str:
        bound = "" if self.keep is None else f", keep={self.keep}"
        links = "" if self.links is None else f", links={sorted(self.links)}"
        line = f"Trace({len(self.steps)} steps{bound}{links})"
        return line if len(line) <= 80 else f"Trace({len(self.steps)} steps{bound}, links=…)"


def _about(step: Step, name: str) -> bool:
    """Is ``step`` about a link labelled ``name``, or a link of the shared weight ``name``?"""
    link = getattr(step, "link", None)
    if link is None:
        return False
    shared = getattr(link, "shared", None)
    return link.label == name or (shared is not None and shared.name == name)


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return " ".join(repr(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return value


_write = text_out  # the text, or None once written to a file
