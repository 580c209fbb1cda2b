"""Rendering with rich: every lernpy object as something rich can print (see also progress, charts).

``view(obj)`` turns any lernpy object into something rich can print;
``show(obj)`` prints it. Tables fit the terminal: they drop digits, then fold
into several tables that repeat the link's name, rather than wrap a number.
Colour only emphasises: every table and line reads the same without it
(``NO_COLOR``, a dumb terminal, a file).

>>> import io
>>> from rich.console import Console
>>> from lernpy import examples
>>> net = examples.mazur()
>>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
>>> console = Console(file=io.StringIO(), width=120, color_system=None)
>>> console.print(link_table(net, links=["w5"]))
>>> "0.082167041" in console.file.getvalue()
True
"""

from __future__ import annotations

import io
import re
import shutil
import textwrap
from collections.abc import Iterable
from functools import singledispatch

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.pretty import Pretty
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from lernpy import checks
from lernpy.graph.link import Link
from lernpy.graph.names import shown
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.graph.state import Changes, State
from lernpy.training.loop import History
from lernpy.training.workflow import TrainingLog
from lernpy.views import tables
from lernpy.views.explain import Explanation, describe, describe_planned, num
from lernpy.views.tables import Grid
from lernpy.walk.gradcheck import GradCheck
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.series import Series
from lernpy.walk.steps import Planned, Step
from lernpy.walk.trace import Steps, Trace

PHASE_STYLE = {"forward": "cyan", "loss": "yellow", "backward": "magenta", "update": "green"}


class Printable:
    """A view that also reads in a plain REPL: its repr is the view as plain text."""

    def __repr__(self) -> str:
        return text(self).rstrip("\n")


# -- tables that fit -------------------------------------------------------------


def _table(grid: Grid, places: int, columns: list[int] | None = None, title: str = "") -> Table:
    """A rich table of ``grid`` (only ``columns``, if given), numbers to ``places``."""
    picked = list(range(len(grid.columns))) if columns is None else columns
    show_header = any(grid.columns[i].header for i in picked)
    table = Table(
        title=title or grid.title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_header=show_header,
        header_style="bold",
        pad_edge=False,
        collapse_padding=True,
    )
    for i in picked:
        col = grid.columns[i]
        wraps = grid.wrap and not col.numeric and i >= grid.keys
        # header words on their own lines keep a column as narrow as its numbers
        header = "\n".join(col.name.split(" ")) + (f"\n{col.symbol}" if col.symbol else "")
        table.add_column(
            header,
            justify="right" if col.numeric else "left",
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
            style="cyan" if i < grid.keys else None,
        )
    cells = grid.cells(places)
    for row, mark in zip(cells, grid.marks):
        style = {"fail": "bold red", "sum": "bold"}.get(mark)  # a shared weight's Σ row: bold
        table.add_row(*(row[i] for i in picked), style=style)
    return table


def _natural_width(console: Console, options: ConsoleOptions, table: Table) -> int:
    return Measurement.get(console, options.update_width(10_000), table).maximum


def _probe(grid: Grid, places: int) -> Grid:
    """One row holding each column's widest cell (at ``places``): the grid's width in one row."""
    cells = grid.cells(places)
    row = [max((r[i] for r in cells), key=cell_len, default="") for i in range(len(grid.columns))]
    return Grid(grid.title, grid.columns, [row], [""], keys=grid.keys)


class Fitted(Printable):
    """A grid drawn to fit the width it is given.

    Nine decimal places if they fit, else six; else the table folds into
    parts that each repeat the key columns (the link's name); numbers are never
    wrapped across lines.
    """

    def __init__(self, grid: Grid) -> None:
        self.grid = grid

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        grid, width = self.grid, options.max_width
        if grid.wrap:
            yield _table(grid, 9)
        else:
            yield from self._fit(console, options, width)
        for note in grid.notes:
            yield Text(note, style="dim")

    def _fit(self, console: Console, options: ConsoleOptions, width: int) -> RenderResult:
        grid = self.grid
        keys = list(range(grid.keys))
        rest = list(range(grid.keys, len(grid.columns)))
        probes = {places: _probe(grid, places) for places in (9, 6, 4)}

        def fits(places: int, columns: list[int] | None = None) -> bool:
            # a one-row table of each column's widest cell is exactly as wide as the whole
            table = _table(probes[places], places, columns)
            return _natural_width(console, options, table) <= width

        # every digit in one table, or in two; else six places in as few parts as fit
        tries = [(9, 1), (9, 2), *((6, count) for count in range(1, len(rest) + 1))]
        tries += [(4, count) for count in range(2, len(rest) + 1)]
        for places, count in tries:
            if count == 1:
                if fits(places):
                    yield _table(grid, places)
                    return
                continue
            size = -(-len(rest) // count)
            parts = [rest[k : k + size] for k in range(0, len(rest), size)]
            if all(fits(places, keys + part) for part in parts):
                yield Text(grid.title, style="bold")
                for k, part in enumerate(parts, start=1):
                    yield _table(grid, places, keys + part, f"part {k} of {len(parts)}")
                return
        yield _table(grid, 4)  # nothing fits: rich shortens the cells with an ellipsis

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)


def fitted(grids: Iterable[Grid]) -> Group:
    return Group(*(Fitted(g) for g in grids))


# -- text that wraps with a hanging indent --------------------------------------------


class Lines(Printable):
    """Lines of text; a line too long for the width wraps under its own indent."""

    def __init__(self, text: str, title_style: str = "bold") -> None:
        self.text = text
        self.title_style = title_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(20, options.max_width)
        for k, line in enumerate(self.text.splitlines()):
            style = self.title_style if k == 0 else None
            for piece in wrap_line(line, width):
                yield Text(piece, style=style, no_wrap=True, overflow="fold")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((len(line) for line in self.text.splitlines()), default=0)
        return Measurement(min(20, longest), longest)


def wrap_line(line: str, width: int) -> list[str]:
    """Break a long line before its `` = `` signs first, then between words; keep its indent."""
    if len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip(" ")))
    more = indent + "    "
    chunks = re.split(r"(?= = )", line.strip())
    out: list[str] = []
    current = indent
    for chunk in chunks:
        if current.strip() and len(current) + len(chunk) > width:
            out.append(current.rstrip())
            current = more + chunk.lstrip()
        else:
            current += chunk
    out.append(current.rstrip())
    final: list[str] = []
    for piece in out:
        lead = indent if not final else more
        final += textwrap.wrap(
            piece.strip(),
            width=width,
            initial_indent=lead,
            subsequent_indent=more,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [lead]
    return final


# -- the views ---------------------------------------------------------------------


def link_table(
    obj: Network | Scheduler,
    layer: int | None = None,
    links: Iterable[str | Link] | None = None,
) -> Fitted:
    """The per-link table (see :func:`lernpy.views.tables.link_grid`)."""
    return Fitted(tables.link_grid(obj, layer=layer, links=links))


def neuron_table(net: Network, layer: int | None = None) -> Fitted:
    """The neuron table: net, value, error, slope, sensitivity."""
    return Fitted(tables.neuron_grid(net, layer=layer))


def summary(obj: Network | Scheduler) -> Fitted:
    """Layers, sizes, activations, parameters, loss, seed (and a scheduler's options)."""
    return Fitted(tables.summary_grid(obj))


class Picture(Printable):
    """A rich renderable (a tree, a chart) that a plain REPL prints as text, not as an object."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich__(self) -> RenderableType:
        return self.renderable


def tree(net: Network) -> Picture:
    """The network as a tree: layer → neuron → incoming links with their weights."""
    root = Tree(Text(repr(net), style="bold"))
    inputs = ", ".join(f"{shown(n.name)} = {num(n.value)}" for n in net.inputs)
    root.add(Text(f"layer 0, inputs: {inputs}"))
    for i, layer in enumerate(net.layers[1:], start=1):
        acts = ", ".join(dict.fromkeys(n.activation.name for n in layer))
        branch = root.add(Text(f"layer {i}, {acts}", style="bold"))
        for n in layer:
            node = branch.add(
                Text(
                    f"{shown(n.name)}: net {num(n.net)}, value {num(n.value)}, "
                    f"sensitivity ∂E/∂net {num(n.sensitivity)}",
                    style="cyan",
                )
            )
            for link in n.incoming:
                label = f" ({link.label})" if link.label else ""
                frozen = ", frozen" if link.frozen else ""
                node.add(Text(shown(f"{link.name}{label}: weight {num(link.weight)}{frozen}")))
    return Picture(root)


class StepLine(Printable):
    """One step as one line; in a narrow terminal it wraps under a hanging indent."""

    def __init__(self, step: Step, undone: bool = False) -> None:
        self.text = ("undone: " if undone else "") + describe(step)
        self.style = PHASE_STYLE.get(step.phase)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for piece in wrap_line(self.text, max(20, options.max_width)):
            yield Text(piece, style=self.style, no_wrap=True, overflow="fold")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(20, len(self.text)), len(self.text))

    def __str__(self) -> str:
        return self.text


def step_line(step: Step, undone: bool = False) -> StepLine:
    """One step as one line (``undone:`` in front when ``back()`` took it back)."""
    return StepLine(step, undone)


def gradcheck_table(check: GradCheck) -> Group:
    """Failing links first, set apart with the suspect neurons; then the passing ones."""
    return fitted(tables.gradcheck_grids(check))


def trace_table(trace: Trace, name: str | None = None, last: int = 20) -> Fitted:
    """A link's history of updates, or the last steps, one per line."""
    return Fitted(tables.trace_grid(trace, name, last))


def loss_chart(history: History | list[float], width: int = 60, height: int = 8) -> Picture:
    """The loss history as a small terminal chart."""
    losses = history.loss if isinstance(history, History) else list(history)
    return Picture(Text(tables.loss_chart(losses, width=width, height=height), no_wrap=True))


def explanation(obj: Explanation | Link | Neuron | SharedWeight) -> Lines:
    """The chain rule for a link, neuron or shared weight (see :mod:`lernpy.views.explain`)."""
    if not isinstance(obj, Explanation):
        obj = obj.explain()
    return Lines(obj.text())


@singledispatch
def view(obj: object) -> RenderableType:
    """Anything lernpy makes, as something rich can print."""
    return Pretty(obj)


@view.register
def _(printable: Printable) -> RenderableType:
    return printable  # already a view


@view.register
def _(net: Network) -> RenderableType:
    parts: list[RenderableType] = [summary(net)]
    if len(net.links) <= tables.LINK_LIMIT:
        parts.append(link_table(net))
    else:
        parts.append(Text(f"{len(net.links)} links: link_table(net, layer=…) shows one layer"))
    return Group(*parts)


@view.register
def _(run: Scheduler) -> RenderableType:
    parts: list[RenderableType] = [summary(run)]
    if len(run.net.links) <= tables.LINK_LIMIT:
        parts.append(link_table(run))
    return Group(*parts)


@view.register
def _(link: Link) -> RenderableType:
    net = link.target.network
    rows = [link_table(net, links=[link])] if net is not None else []
    return Group(*rows, explanation(link))


@view.register
def _(neuron: Neuron) -> RenderableType:
    return explanation(neuron)


@view.register
def _(shared: SharedWeight) -> RenderableType:
    net = shared.links[0].target.network
    rows = [link_table(net, links=[shared.name])] if net is not None else []
    return Group(*rows, explanation(shared))


@view.register
def _(grid: Grid) -> RenderableType:
    return Fitted(grid)


@view.register
def _(obj: Explanation) -> RenderableType:
    return explanation(obj)


@view.register
def _(step: Step) -> RenderableType:
    return step_line(step)


@view.register
def _(planned: Planned) -> RenderableType:
    return Text(describe_planned(planned))


@view.register
def _(trace: Trace) -> RenderableType:
    return trace_table(trace)


@view.register
def _(check: GradCheck) -> RenderableType:
    return Group(Text(repr(check), style="bold"), gradcheck_table(check))


@view.register
def _(history: History) -> RenderableType:
    return Group(Text(repr(history)), loss_chart(history))


@view.register
def _(log: TrainingLog) -> RenderableType:
    from lernpy.views.charts import history_text
    from lernpy.views.progress import history_table

    return Group(Text(repr(log)), history_table(log), history_text(log))


@view.register
def _(series: Series) -> RenderableType:
    from lernpy.views.charts import curve_text

    label = series.name.split(" of ")[0]
    chart = curve_text({label: series.values}, x_label=series.x_label, first=series.x[:1])
    return Group(Text(repr(series), style="bold"), chart)


def _table_view(obj: object) -> RenderableType:
    return Fitted(tables.grid(obj))


for _kind in (Steps, State, Changes):  # (one by one: a union needs Python 3.11 here)
    view.register(_kind, _table_view)


_console: Console | None = None


def get_console() -> Console:
    """The console lernpy prints to (rich's own, which honours NO_COLOR and TERM=dumb)."""
    from rich import get_console as rich_console

    return _console or rich_console()


def text(obj: object, width: int | None = None) -> str:
    """What :func:`show` prints, as plain text (no colour) at ``width`` or the terminal's."""
    if width is None:
        width = shutil.get_terminal_size().columns
    width = checks.whole(width, "width", 20, 10_000)
    # force_jupyter=False: inside a notebook rich would display the text itself, a second time
    console = Console(
        file=io.StringIO(), width=width, color_system=None, highlight=False, force_jupyter=False
    )
    console.print(view(obj))
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"


def show(obj: object, console: Console | None = None) -> None:
    """Print any lernpy object's view."""
    (console or get_console()).print(view(obj))


def show_step(step: Step, undone: bool = False, console: Console | None = None) -> None:
    """Print one step as one line (the scheduler's ``show=True`` calls this)."""
    (console or get_console()).print(step_line(step, undone), soft_wrap=False)


__all__ = [
    "Fitted",
    "Lines",
    "Picture",
    "explanation",
    "get_console",
    "gradcheck_table",
    "link_table",
    "loss_chart",
    "neuron_table",
    "show",
    "show_step",
    "step_line",
    "summary",
    "text",
    "trace_table",
    "tree",
    "view",
]
