"""HTML for Jupyter: one ``_repr_html_`` per object, drawn from the same grids as the terminal.

A notebook shows each object once, as HTML; the numbers are the plain tables'
(:mod:`lernpy.views.tables`), so they match what the terminal prints.

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
from lernpy.training.loop import History
from lernpy.views.explain import Explanation, describe, describe_planned
from lernpy.views.tables import (
    LINK_LIMIT,
    Grid,
    gradcheck_grids,
    link_grid,
    loss_chart,
    neuron_grid,
    summary_grid,
    trace_grid,
)
from lernpy.walk.gradcheck import GradCheck
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import Planned, Step
from lernpy.walk.trace import Trace

_STYLE = (
    "border-collapse:collapse;font-family:monospace;font-size:12px;text-align:right;margin:0.5em 0"
)


def grid_html(grid: Grid, places: int = 9) -> str:
    """A grid as an HTML ``<table>`` with the same numbers as the text table."""
    esc = _html.escape
    head = "".join(
        f'<th title="{esc(c.name)}">{esc(c.name)}'
        + (f"<br><code>{esc(c.symbol)}</code>" if c.symbol else "")
        + "</th>"
        for c in grid.columns
    )
    body = []
    for row, mark in zip(grid.cells(places), grid.marks):
        style = {
            "fail": ' style="font-weight:bold;color:#b00"',
            "sum": ' style="font-weight:bold"',  # a shared weight's Σ row
        }.get(mark, "")
        tds = "".join(
            f'<td style="text-align:{"right" if c.numeric else "left"}">{esc(v)}</td>'
            for c, v in zip(grid.columns, row)
        )
        body.append(f'<tr class="{esc(mark)}"{style}>{tds}</tr>')
    notes = "".join(f"<p><small>{esc(n)}</small></p>" for n in grid.notes)
    return (
        f'<table class="lernpy" style="{_STYLE}">'
        f"<caption>{esc(grid.title)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}"
    )


def _pre(text: str) -> str:
    return f'<pre class="lernpy">{_html.escape(text)}</pre>'


@singledispatch
def html(obj: object) -> str:
    """HTML for any lernpy object, for Jupyter's ``_repr_html_``."""
    return _pre(repr(obj))


@html.register
def _(net: Network) -> str:
    from lernpy.pictures import diagram_svg  # the diagram, inline, beside the tables

    diagram = f'<div class="lernpy-diagram">{diagram_svg(net)}</div>'
    parts = [grid_html(summary_grid(net)), diagram, grid_html(neuron_grid(net))]
    if len(net.links) <= LINK_LIMIT:
        parts.append(grid_html(link_grid(net)))
    else:
        parts.append(_pre(f"{len(net.links)} links: link_grid(net, layer=…) shows one layer"))
    return f'<div class="lernpy">{"".join(parts)}</div>'


@html.register
def _(run: Scheduler) -> str:
    parts = [grid_html(summary_grid(run))]
    if len(run.net.links) <= LINK_LIMIT:
        parts.append(grid_html(link_grid(run)))
    return f'<div class="lernpy">{"".join(parts)}</div>'


@html.register
def _(link: Link) -> str:
    explanation = link.explain()
    return grid_html(link_grid(_owner(link), links=[link])) + _pre(explanation.text())


@html.register
def _(neuron: Neuron) -> str:
    return _pre(neuron.explain().text())


@html.register
def _(shared: SharedWeight) -> str:
    table = grid_html(link_grid(_owner(shared.links[0]), links=[shared.name]))
    return table + _pre(shared.explain().text())


@html.register
def _(step: Step) -> str:
    return f'<code class="lernpy">{_html.escape(describe(step))}</code>'


@html.register
def _(planned: Planned) -> str:
    return f'<code class="lernpy">{_html.escape(describe_planned(planned))}</code>'


@html.register
def _(trace: Trace) -> str:
    return grid_html(trace_grid(trace))


@html.register
def _(check: GradCheck) -> str:
    return "".join(grid_html(g) for g in gradcheck_grids(check))


@html.register
def _(history: History) -> str:
    return _pre(f"{history!r}\n{loss_chart(history.loss)}")


@html.register
def _(grid: Grid) -> str:
    return grid_html(grid)


@html.register
def _(explanation: Explanation) -> str:
    return _pre(explanation.text())


def _owner(link: Link) -> Network:
    net = link.target.network
    if net is None:
        raise ValueError(f"link {link.name} belongs to no network")
    return net


def _owner(link: Link) -> Network:
    net = link.target.network
    if net is None:
        raise ValueError(f"link {link.name} belongs to no network")
    return net


__all__ = ["grid_html", "html"]
