"""HTML for Jupyter: one view per object, drawn from the same grids as the terminal.

A notebook shows each object once, as HTML (``Shows._repr_mimebundle_`` pairs it
with a one-line text fallback); the numbers are the plain tables'
(:mod:`lernpy.views.tables`), so they match what the terminal prints. Long
tables scroll inside their own box; charts are inline SVG.

>>> from lernpy import examples
>>> "<table" in html(examples.mazur()["w5"])
True
"""

from __future__ import annotations

import html as _html
from functools import singledispatch

from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.graph.state import Changes, State
from lernpy.training.loop import History
from lernpy.training.workflow import TrainingLog
from lernpy.views.explain import Explanation, describe, describe_planned
from lernpy.views.tables import (
    LINK_LIMIT,
    Grid,
    gradcheck_grids,
    grid,
    link_grid,
    neuron_grid,
    summary_grid,
    trace_grid,
)
from lernpy.walk.gradcheck import GradCheck
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.series import Series
from lernpy.walk.steps import Planned, Step
from lernpy.walk.trace import Steps, Trace

_TABLE = (
    "border-collapse:collapse;font-family:monospace;font-size:12px;margin:0.2em 0;text-align:right"
)
# A table wider or longer than the cell scrolls inside this box, never past it.
_BOX = "max-width:100%;overflow:auto;max-height:32em"
_CELL = "padding:1px 6px;border-bottom:1px solid #e5e7eb;white-space:nowrap"
SHORT_ROWS = 12  # a history longer than this shows every k-th epoch (the chart shows all)


def grid_html(grid: Grid, places: int = 9, rows: list[int] | None = None) -> str:
    """A grid as an HTML ``<table>`` with the same numbers as the text table.

    ``rows``: only these rows (a long history is shown by its chart and a sample).
    """
    esc = _html.escape
    head = "".join(
        f'<th style="{_CELL};vertical-align:bottom" title="{esc(c.name)}">{esc(c.name)}'
        + (f"<br><code>{esc(c.symbol)}</code>" if c.symbol and c.symbol != c.name else "")
        + "</th>"
        for c in grid.columns
    )
    body = []
    cells = grid.cells(places)
    for k in range(len(cells)) if rows is None else rows:
        mark = grid.marks[k]
        style = {
            "fail": ' style="font-weight:bold;color:#b00"',
            "sum": ' style="font-weight:bold"',  # a shared weight's Σ row
        }.get(mark, "")
        tds = "".join(
            f'<td style="{_CELL};text-align:{"right" if c.numeric else "left"}'
            + (";white-space:normal;min-width:16em" if grid.wrap and not c.numeric else "")
            + f'">{esc(v)}</td>'
            for c, v in zip(grid.columns, cells[k])
        )
        body.append(f'<tr class="{esc(mark)}"{style}>{tds}</tr>')
    notes = "".join(f"<p style='margin:0.1em 0'><small>{esc(n)}</small></p>" for n in grid.notes)
    return (
        f'<div class="lernpy-table" style="{_BOX}">'
        f'<table class="lernpy" style="{_TABLE}">'
        f'<caption style="text-align:left;font-weight:bold">{esc(grid.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{notes}"
    )


def _pre(text: str) -> str:
    return f'<pre class="lernpy" style="white-space:pre-wrap">{_html.escape(text)}</pre>'


def _div(*parts: str) -> str:
    return f'<div class="lernpy">{"".join(parts)}</div>'


def _line(text: str) -> str:
    return f'<p class="lernpy" style="margin:0.2em 0"><code>{_html.escape(text)}</code></p>'


def _every(count: int) -> list[int]:
    """At most SHORT_ROWS row indices spread over ``count`` rows, the first and last kept."""
    if count <= SHORT_ROWS:
        return list(range(count))
    step = -(-count // (SHORT_ROWS - 1))
    return sorted({*range(0, count, step), count - 1})


@singledispatch
def html(obj: object) -> str:
    """HTML for any lernpy object, for Jupyter's ``_repr_html_``."""
    return _pre(repr(obj))


@html.register
def _(net: Network) -> str:
    from lernpy.pictures import diagram_svg  # the diagram, inline, beside the tables

    diagram = (
        f'<div class="lernpy-diagram" style="max-width:100%;overflow:auto">{diagram_svg(net)}</div>'
    )
    parts = [grid_html(summary_grid(net)), diagram, grid_html(neuron_grid(net))]
    if len(net.links) <= LINK_LIMIT:
        parts.append(grid_html(link_grid(net)))
    else:
        parts.append(_line(f"{len(net.links)} links: net.table(layer=…) shows one layer"))
    return _div(*parts)


@html.register
def _(run: Scheduler) -> str:
    parts = [grid_html(summary_grid(run))]
    if len(run.net.links) <= LINK_LIMIT:
        parts.append(grid_html(link_grid(run)))
    return _div(*parts)


@html.register
def _(link: Link) -> str:
    explanation = link.explain()
    return _div(grid_html(link_grid(_owner(link), links=[link])), _pre(explanation.text()))


@html.register
def _(neuron: Neuron) -> str:
    return _pre(neuron.explain().text())


@html.register
def _(shared: SharedWeight) -> str:
    table = grid_html(link_grid(_owner(shared.links[0]), links=[shared.name]))
    return table + _pre(shared.explain().text())


@html.register
def _(step: Step) -> str:
    return _line(describe(step))


@html.register
def _(planned: Planned) -> str:
    return _line(describe_planned(planned))


@html.register
def _(trace: Trace) -> str:
    return grid_html(trace_grid(trace))


@html.register
def _(steps: Steps) -> str:
    return grid_html(grid(steps))


@html.register
def _(check: GradCheck) -> str:
    return _div(_line(repr(check)), *(grid_html(g) for g in gradcheck_grids(check)))


def _chart(svg: str) -> str:
    return f'<div class="lernpy-chart" style="max-width:100%;overflow:auto">{svg}</div>'


@html.register
def _(history: History) -> str:
    from lernpy.pictures import curves_svg

    table = grid(history)
    return _div(
        _line(repr(history)),
        _chart(curves_svg(history)),
        grid_html(table, rows=_every(len(history))),
    )


@html.register
def _(log: TrainingLog) -> str:
    from lernpy.pictures import curves_svg

    parts = [_line(repr(log))]
    if log.epochs:
        parts.append(_chart(curves_svg(log)))
    parts.append(grid_html(grid(log), rows=_every(len(log))))
    return _div(*parts)


@html.register
def _(series: Series) -> str:
    from lernpy.pictures.curves import series_svg

    return _div(_line(repr(series)), _chart(series_svg(series)))


@html.register
def _(state: State) -> str:
    return grid_html(grid(state))


@html.register
def _(changes: Changes) -> str:
    return grid_html(grid(changes))


@html.register
def _(table: Grid) -> str:
    return grid_html(table)


@html.register
def _(explanation: Explanation) -> str:
    return _pre(explanation.text())


def _owner(link: Link) -> Network:
    net = link.target.network
    if net is None:
        raise ValueError(f"link {link.name} belongs to no network")
    return net


__all__ = ["grid_html", "html"]
