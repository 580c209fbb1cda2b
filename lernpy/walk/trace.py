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

from lernpy import checks
from lernpy.errors import FileError
from lernpy.files import write_atomically
from lernpy.graph.network import link_key
from lernpy.hooks import Shows

if TYPE_CHECKING:
    from lernpy.walk.steps import Step

COLUMNS = (
    "kind", "epoch", "sample", "phase", "name", "inputs", "targets", "net", "value", "values",
    "loss", "errors", "error", "sensitivity", "blame", "old", "gradient", "rate",
    "momentum_term", "new",
)  # fmt: skip


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
        return getattr(step, "link", None) is not None and step.link.label in self.links

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

    def of(self, name: str) -> list[Step]:
        """Every kept step about the link or neuron ``name`` (a label such as "w5" too)."""
        name = checks.text(name, "name")
        key = link_key(name)
        return [
            s
            for s in self.steps
            if s.name == key
            or s.name == name
            or (getattr(s, "link", None) is not None and s.link.label == name)
        ]

    def updates(self, name: str) -> list[Step]:
        """Every kept update of the link ``name``, with its numbers."""
        return [s for s in self.of(name) if s.kind == "Updated"]

    def rows(self) -> list[dict[str, object]]:
        """Each step as a flat dict of plain values."""
        return [s.fields() for s in self.steps]

    def to_csv(self, file: str | os.PathLike | IO[str] | None = None) -> str:
        """Write the steps as CSV (one row per step, :data:`COLUMNS`); return the text."""
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in self.rows():
            writer.writerow({k: _plain(v) for k, v in row.items()})
        return _write(buffer.getvalue(), file)

    def to_jsonl(self, file: str | os.PathLike | IO[str] | None = None) -> str:
        """Write the steps as JSON lines (one object per step); return the text."""
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows())
        return _write(text, file)

    def __repr__(self) -> str:
        bound = "" if self.keep is None else f", keep={self.keep}"
        links = "" if self.links is None else f", links={sorted(self.links)}"
        return f"Trace({len(self.steps)} steps{bound}{links})"


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return " ".join(repr(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return value


def _write(text: str, file: str | os.PathLike | IO[str] | None) -> str:
    """Write ``text`` to a path (atomically: a full disk leaves the old file) or a stream."""
    if file is None:
        return text
    if isinstance(file, (str, os.PathLike)):
        write_atomically(os.fspath(file), text.encode("utf-8"), FileError)
    elif callable(getattr(file, "write", None)):
        file.write(text)
    else:
        raise FileError(f"cannot write to {file!r}: expected a path, a text stream or None")
    return text
