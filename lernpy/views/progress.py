"""Rich views for the training workflow: progress bar, history, confusion matrix.

A saved network's summary, neurons and links are the teaching views of ``render.py``.

This module and ``render.py`` are the only places that import rich.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lernpy.graph.names import shown
from lernpy.training.workflow import EpochRecord, TrainingLog, percent

__all__ = [
    "ProgressBar",
    "confusion_table",
    "history_table",
]


def _loss(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


class ProgressBar:
    """A rich progress bar over epochs showing the latest loss and accuracy."""

    def __init__(self, epochs: int, classify: bool = True, console: Console | None = None) -> None:
        columns = [
            TextColumn("epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("train loss {task.fields[loss]}"),
        ]
        if classify:  # the test accuracy when there is test data, else the training one
            columns.append(TextColumn("{task.fields[which]} accuracy {task.fields[accuracy]}"))
        columns.append(TimeElapsedColumn())
        self._progress = Progress(
            *columns, console=console or Console(stderr=True), transient=False
        )
        self._task = self._progress.add_task(
            "train", total=epochs, loss="-", accuracy="-", which="train"
        )

    def start(self) -> None:
        self._progress.start()

    def update(self, record: EpochRecord) -> None:
        test = record.test_accuracy is not None
        accuracy = record.test_accuracy if test else record.train_accuracy
        self._progress.update(
            self._task,
            completed=record.epoch,
            loss=_loss(record.train_loss),
            accuracy=percent(accuracy) or "-",
            which="test" if test else "train",
        )

    def stop(self) -> None:
        self._progress.stop()


def history_table(log: TrainingLog, every: int | None = None, title: str = "Training") -> Table:
    """Train and test loss and accuracy per epoch (every ``every``-th row, and the last)."""
    records = log.epochs
    if every is None:
        every = max(1, len(records) // 10)
    shown = [r for r in records if r.epoch % every == 0 or r.epoch == 1]
    if records and (not shown or shown[-1] is not records[-1]):
        shown.append(records[-1])
    has_test = any(r.test_loss is not None for r in records)
    has_acc = any(r.train_accuracy is not None for r in records)
    table = Table(title=title, caption=log.stopped or None)
    table.add_column("epoch", justify="right")
    table.add_column("rate", justify="right")
    table.add_column("train loss", justify="right")
    if has_acc:
        table.add_column("train accuracy", justify="right")
    if has_test:
        table.add_column("test loss", justify="right")
        if has_acc:
            table.add_column("test accuracy", justify="right")
    for r in shown:
        row = [str(r.epoch), f"{r.rate:.4g}", _loss(r.train_loss)]
        if has_acc:
            row.append(percent(r.train_accuracy))
        if has_test:
            row.append(_loss(r.test_loss))
            if has_acc:
                row.append(percent(r.test_accuracy))
        table.add_row(*row)
    return table


def confusion_table(
    matrix: Sequence[Sequence[int]], classes: Sequence[str] | None = None, title: str = "Confusion"
) -> Table:
    """Rows are the true classes, columns what the network predicted; the diagonal is correct."""
    names = (
        [shown(c) for c in classes] if classes is not None else [str(i) for i in range(len(matrix))]
    )
    total = sum(sum(row) for row in matrix)
    correct = sum(matrix[i][i] for i in range(len(matrix)))
    caption = f"{correct} of {total} correct ({percent(correct / total if total else 0.0)})"
    table = Table(title=title, caption=caption)
    table.add_column("true \\ predicted")
    for name in names:
        table.add_column(name, justify="right")
    for i, row in enumerate(matrix):
        cells = [f"[bold]{n}[/bold]" if j == i else str(n) for j, n in enumerate(row)]
        table.add_row(names[i], *cells)
    return table
