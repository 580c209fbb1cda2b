"""The numbers behind each view as plain tables (no rich).

A :class:`Grid` is a title, columns and rows of numbers and names. The rich
renderer (:mod:`lernpy.views.render`) and the HTML (:mod:`lernpy.views.html`)
both draw the same grid, so a notebook shows exactly the numbers the terminal
shows.

>>> from lernpy import examples
>>> net = examples.mazur()
>>> _ = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
>>> grid = link_grid(net, links=["w5"])
>>> [c.symbol for c in grid.columns][:4]
['', 'w', 'out_src', '∂E/∂out']
>>> grid.rows[0][6], grid.rows[0][9]
(0.08216704056423078, 0.35891647971788465)
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from typing import IO

from lernpy import checks
from lernpy.errors import UnknownNameError
from lernpy.files import text_out
from lernpy.graph.link import Link
from lernpy.graph.names import shown
from lernpy.graph.network import Network, link_key
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.graph.state import Changes, LinkState, NeuronState, State
from lernpy.hooks import Shows
from lernpy.optim import FIELDS
from lernpy.optim.state import MEANING
from lernpy.training.loop import History
from lernpy.training.workflow import TrainingLog, percent
from lernpy.views.explain import (
    current,
    describe,
    describe_planned,
    learned_so_far,
    num,
    updated_from,
)
from lernpy.views.formulas import latex_text
from lernpy.walk.gradcheck import GradCheck
from lernpy.walk.mistakes import warning
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.series import Series
from lernpy.walk.steps import Step
from lernpy.walk.trace import Steps, Trace

Cell = float | str | None


@dataclass(frozen=True)
class Column:
    """A column: a name in words and the symbol it stands for (``∂E/∂w``)."""

    name: str
    symbol: str = ""
    numeric: bool = True

    @property
    def header(self) -> str:
        return f"{self.name}\n{self.symbol}" if self.symbol else self.name


@dataclass(repr=False)
class Grid(Shows):
    """A table of names and numbers; ``marks`` flags rows to emphasise (e.g. "fail").

    It shows itself: as a text table in a plain REPL, a rich table under rich,
    an HTML table in Jupyter.
    """

    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keys: int = 1  # leading columns that name the row; repeated when a table is folded
    wrap: bool = False  # a grid of sentences: its text columns may wrap (numbers never do)

    def __post_init__(self) -> None:
        self.title = shown(self.title)

    def add(self, row: Sequence[Cell], mark: str = "") -> None:
        self.rows.append(list(row))
        self.marks.append(mark)

    def cells(self, places: int = 9) -> list[list[str]]:
        """Every cell as text, numbers to ``places`` decimal places (0 to 17)."""
        places = checks.whole(places, "places", 0, 17)
        return [[cell_text(c, places) for c in row] for row in self.rows]

    def text(self, width: int | None = None) -> str:
        """The table as plain text that fits ``width`` columns (the terminal's by default).

        Nine decimal places if they fit, else six, else four; a table still too
        wide folds into parts that each repeat the row's name. No rich needed.
        """
        if width is None:
            width = shutil.get_terminal_size((100, 24)).columns
        return plain_table(self, width)

    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()

    def _plain(self) -> str:
        """A notebook's short text beside the HTML: the title and the size."""
        count = f"{len(self.rows)} row" + ("s" if len(self.rows) != 1 else "")
        return f"{self.title} ({count})"

    # -- exports: for slides and handouts ------------------------------------------------

    def to_csv(self, file: str | os.PathLike | IO[str] | None = None) -> str | None:
        """One header row (the column names), then the rows; numbers in full (``repr``).

        Returns the text, or None once written to ``file`` (a path or an open file).
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.name or f"column {k}" for k, c in enumerate(self.columns, 1)])
        for row in self.rows:
            writer.writerow(
                ["" if c is None else repr(c) if isinstance(c, float) else c for c in row]
            )
        return text_out(buffer.getvalue(), file)

    def to_markdown(self, places: int = 9) -> str:
        """A GitHub Markdown table (numbers as the views print them), its title and notes."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        heads = [cell(c.name + (f" `{c.symbol}`" if c.symbol else "")) or " " for c in self.columns]
        rule = ["---:" if c.numeric else ":---" for c in self.columns]
        lines = [f"**{cell(self.title)}**", "", "| " + " | ".join(heads) + " |"]
        lines.append("| " + " | ".join(rule) + " |")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.cells(places)]
        if self.notes:
            lines += ["", *(f"*{cell(note)}*  " for note in self.notes)]
        return "\n".join(lines) + "\n"

    def to_latex(self, floating: bool = True, places: int = 9) -> str:
        """A booktabs table (``\\toprule``, ``\\midrule``, ``\\bottomrule``); with
        ``floating`` it sits in a ``table`` environment with the title as its caption."""
        floating = checks.flag(floating, "floating")
        spec = "".join("r" if c.numeric else "l" for c in self.columns)
        lines = []
        if floating:
            lines += [
                "\\begin{table}[htbp]",
                "\\centering",
                f"\\caption{{{latex_text(self.title)}}}",
            ]
        lines += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
        lines.append(" & ".join(latex_text(c.name) for c in self.columns) + " \\\\")
        if any(c.symbol for c in self.columns):
            lines.append(" & ".join(latex_symbol(c.symbol) for c in self.columns) + " \\\\")
        lines.append("\\midrule")
        for row in self.cells(places):
            lines.append(" & ".join(latex_text(v) for v in row) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        if floating:
            lines += [f"\\par\\smallskip {{\\small {latex_text(n)}}}" for n in self.notes]
            lines.append("\\end{table}")
        return "\n".join(lines) + "\n"


# -- LaTeX: text escaped (formulas.latex_text), a column's symbol as math ----------------

_LATEX_MATH = {
    "→": r"\to", "∂": r"\partial ", "Δ": r"\Delta ", "Σ": r"\Sigma ", "·": r"\cdot ",
    "×": r"\times ", "−": "-", "′": "'", "μ": r"\mu ", "½": r"\tfrac{1}{2}", "²": "^2",
    "δ": r"\delta ", "|": "|",
}  # fmt: skip


def latex_symbol(symbol: str) -> str:
    """A column's symbol (``∂E/∂w``, ``out_src``) as inline math, its words upright.

    >>> print(latex_symbol("∂E/∂out"), latex_symbol("out_src"), latex_symbol("Δw"))
    $\\partial E/\\partial \\mathrm{out}$ $\\mathrm{out}_{\\mathrm{src}}$ $\\Delta w$
    """
    if not symbol:
        return ""
    body = "".join(_LATEX_MATH.get(ch, ch) for ch in symbol).strip()
    base, _, sub = body.partition("_")
    if sub:
        return f"${_roman(base)}_{{{_roman(sub)}}}$"
    return f"${_roman(body)}$"


def _roman(math: str) -> str:
    """Each word of two or more letters upright (``\\mathrm{out}``); commands and letters kept."""
    return re.sub(r"(?<![\\A-Za-z])([A-Za-z]{2,})", r"\\mathrm{\1}", math)


# -- plain text: a table without rich -----------------------------------------------------


def _header(column: Column) -> list[str]:
    """A header as lines: each word of the name on its own line, then the symbol."""
    words = column.name.split(" ") if column.name else []
    symbol = column.symbol if column.symbol and column.symbol != column.name else ""
    return words + ([symbol] if symbol else [])


def _width(grid: Grid, cells: list[list[str]], k: int) -> int:
    return max([len(line) for line in _header(grid.columns[k])] + [len(r[k]) for r in cells] + [1])


def _draw(grid: Grid, cells: list[list[str]], picked: list[int], wrap_at: int | None) -> list[str]:
    """The columns ``picked`` of the table as lines (text columns wrapped at ``wrap_at``)."""
    widths = {k: _width(grid, cells, k) for k in picked}
    wraps = [k for k in picked if grid.wrap and not grid.columns[k].numeric and k >= grid.keys]
    if wrap_at is not None and wraps:
        fixed = sum(widths[k] for k in picked if k not in wraps) + 2 * (len(picked) - 1)
        room = max(12, (wrap_at - fixed) // len(wraps))
        for k in wraps:
            widths[k] = min(widths[k], room)
    heads = [_header(grid.columns[k]) for k in picked]
    height = max((len(h) for h in heads), default=0)
    out = []
    for level in range(height):
        line = []
        for k, head in zip(picked, heads):
            text = head[level - (height - len(head))] if level >= height - len(head) else ""
            numeric = grid.columns[k].numeric
            line.append(text.rjust(widths[k]) if numeric else text.ljust(widths[k]))
        out.append("  ".join(line).rstrip())
    total = sum(widths.values()) + 2 * (len(picked) - 1)
    if height:
        out.append("─" * total)
    for row in cells:
        pieces = {
            k: textwrap.wrap(row[k], widths[k], break_long_words=True) or [""]
            if k in wraps
            else [row[k]]
            for k in picked
        }
        for level in range(max(len(p) for p in pieces.values())):
            line = []
            for k in picked:
                part = pieces[k][level] if level < len(pieces[k]) else ""
                numeric = grid.columns[k].numeric
                line.append(part.rjust(widths[k]) if numeric else part.ljust(widths[k]))
            out.append("  ".join(line).rstrip())
    return out


def plain_table(grid: Grid, width: int = 80) -> str:
    """The grid as plain text at most ``width`` wide (see :meth:`Grid.text`)."""
    everything = list(range(len(grid.columns)))
    keys, rest = everything[: grid.keys], everything[grid.keys :]
    lines: list[str] | None = None
    if grid.wrap:
        lines = [grid.title, *_draw(grid, grid.cells(9), everything, width)]
    else:
        for places in (9, 6, 4):
            cells = grid.cells(places)
            for count in range(1, max(len(rest), 1) + 1):
                size = -(-len(rest) // count) if rest else 0
                parts = [rest[i : i + size] for i in range(0, len(rest), size)] if rest else [[]]
                drawn = [_draw(grid, cells, keys + part, None) for part in parts]
                if all(len(line) <= width for d in drawn for line in d):
                    lines = [grid.title]
                    for k, d in enumerate(drawn, start=1):
                        if len(drawn) > 1:
                            lines += ["", f"part {k} of {len(drawn)}"]
                        lines += d
                    break
                if places != 4 and count == 2:
                    break  # nine or six places in at most two parts, else fewer digits
            if lines is not None:
                break
        if lines is None:  # nothing fits: one part per column, at four places
            cells = grid.cells(4)
            lines = [grid.title]
            for k, column in enumerate(rest or [None], start=1):
                lines += ["", f"part {k} of {len(rest)}"] if rest else []
                lines += _draw(grid, cells, keys + ([column] if column is not None else []), None)
    lines += grid.notes
    return "\n".join(lines)


def cell_text(cell: Cell, places: int = 9) -> str:
    """A cell as text; a name's control characters escaped (a view never obeys them)."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return num(cell, places)
    return shown(str(cell))


# -- the scheduler's options, when a view is given one -------------------------------


def _run_and_net(obj: Network | Scheduler) -> tuple[Scheduler | None, Network]:
    if isinstance(obj, Scheduler):
        return obj, obj.net
    return None, obj


def _updates(trace: Trace | None) -> dict[Link | SharedWeight, Step]:
    """Each link's (or shared weight's) update that came after its last backward step."""
    found: dict[Link | SharedWeight, Step] = {}
    if trace is None:
        return found
    seen: set[Link | SharedWeight] = set()
    for step in reversed(trace.steps):
        link = getattr(step, "link", None)
        if link is None or link in seen:
            continue
        seen.add(link)
        if step.kind == "Updated" and updated_from(step, link):
            found[link] = step  # the update that followed the numbers the link holds now
    return found


@dataclass
class Progress:
    """How far the current sample has come, read from the trace (back to its Presented step)."""

    fired: set[Neuron] = field(default_factory=set)
    sensed: set[Neuron] = field(default_factory=set)
    learned: set[Link] = field(default_factory=set)
    scored: bool = False

    def error_known(self, n: Neuron) -> bool:
        return n in self.sensed or (n.kind == "output" and self.scored)


def _progress(trace: Trace | None) -> Progress | None:
    """The current sample's progress; None when unknown (no trace) or when no sample is open."""
    if trace is None:
        return None
    found = Progress()
    for step in reversed(trace.steps):
        kind = step.kind
        if kind == "Presented":
            return found
        if kind in ("Updated", "EpochEnded"):
            return None  # the sample is complete: every number belongs to it
        if kind == "Fired":
            found.fired.add(step.neuron)
        elif kind == "Sensed":
            found.sensed.add(step.neuron)
        elif kind == "Learned":
            found.learned.add(step.link)
        elif kind == "Scored":
            found.scored = True
    return None


def _batch_count(run: Scheduler | None, trace: Trace | None) -> int | None:
    """How many samples the batch in progress has seen (from the trace), if known."""
    if run is None or trace is None or run.batch_size <= 1:
        return None
    count = 0
    for step in reversed(trace.steps):
        if step.kind in ("Updated", "EpochEnded"):
            break
        if step.kind == "Scored":
            count += 1
    return count


def _pick(net: Network, layer: int | None, links: Iterable[str | Link] | None) -> list[Link]:
    chosen = net.links
    if links is not None:
        if isinstance(links, (str, Link)):
            links = [links]
        wanted = set()
        shared = {s.name for s in net.shared_weights}
        for name in checks.items(links, "links", "link names"):
            if isinstance(name, str) and name in shared:
                wanted.update(net.shared_weight(name).links)  # a shared weight: all its links
            else:
                wanted.add(net.link(name))
        chosen = [link for link in net.links if link in wanted]
    if layer is not None:
        chosen = [link for link in chosen if link.target.layer == layer]
    return chosen


def link_grid(
    obj: Network | Scheduler,
    layer: int | None = None,
    links: Iterable[str | Link] | None = None,
) -> Grid:
    """The per-link table: every factor of ∂E/∂w, the change and the new weight.

    ``layer`` keeps the links into that layer; ``links`` keeps those names
    (or labels such as "w5"). Given a scheduler, the table also shows the
    change still to come (online learning) and, with ``batch_size`` > 1, this
    sample's ∂E/∂w next to the gradient gathered over the batch so far.
    """
    run, net = _run_and_net(obj)
    trace = current(net.trace if run is None else (run.trace or net.trace))
    updates = _updates(trace)
    count = _batch_count(run, trace)
    batch = run is not None and run.batch_size > 1
    columns = [
        Column("link", "", numeric=False),
        Column("weight", "w"),
        Column("source value", "out_src"),
        Column("target error", "∂E/∂out"),
        Column("activation slope", "∂out/∂net"),
        Column("target neuron sensitivity", "∂E/∂net"),
        Column("link sensitivity", "∂E/∂w"),
        Column("blame", "w·∂E/∂net"),
    ]
    if batch:
        columns.append(Column("batch gradient", "Σ ∂E/∂w"))
        columns.append(Column("samples", "n"))
    columns += [Column("change", "Δw"), Column("new weight", "w′")]
    chosen = _pick(net, layer, links)
    optimizer = run.optimizer if run is not None and not run.optimizer.plain else None
    fields = _state_fields(chosen, optimizer)
    columns += [Column(MEANING[f][0], MEANING[f][1]) for f in fields]
    what = "Links" if layer is None else f"Links into layer {layer}"
    grid = Grid(f"{what}: ∂E/∂w = ∂E/∂out · ∂out/∂net · out_src", columns)
    unusual: list[str] = []
    planned = False
    progress = _progress(trace)
    for link in chosen:
        target = link.target
        update = updates.get(link)
        if update is None and link.shared is not None:
            update = updates.get(link.shared)  # a shared weight moves all its links at once
        fused = net.fused(target)
        if fused or (target.activation.layerwise and not target.activation.pool):
            slope: Cell = "·"
            error: Cell = "·" if fused else target.error
            unusual.append(target.name)
        else:
            slope = target.activation.slope(target.net, target.value)
            error = target.error
        weight = update.old if update is not None else link.weight
        change: Cell = None
        new: Cell = None
        if update is not None:
            change, new = update.new - update.old, update.new
        elif link.frozen:
            change, new = "frozen", link.weight
        elif run is not None and run.batch_size == 1 and trace is not None:
            # online learning: the update this sensitivity will make, once it is applied
            move = _planned(link.shared if link.shared is not None else link, run, trace)
            if move is not None:
                change, new = move.step, move.weight
                planned = True
        name = f"{link.name} ({link.label})" if link.label else link.name
        if link.shared is not None:
            name = f"{link.name} ({link.shared.name})"
        sensitivity: Cell = target.sensitivity
        gradient: Cell = link.sensitivity
        blame: Cell = link.blame
        if progress is not None:  # mid-sample: leave blank what this sample has not reached
            if target not in progress.fired:
                slope = None
            if not progress.error_known(target):
                error = None
            if target not in progress.sensed:
                sensitivity = None
            if link not in progress.learned:
                gradient = blame = None
        source: Cell = link.source.value
        if progress is not None and not link.source.is_source and link.source not in progress.fired:
            source = None
        row: list[Cell] = [name, weight, source, error, slope, sensitivity, gradient, blame]
        if batch:
            row += [link.gradient, str(count) if count is not None else ""]
        grid.add([*row, change, new, *_kept(update.after if update else link.state, fields)])
    shown = {link.shared for link in chosen if link.shared is not None}
    sums = [s for s in net.shared_weights if s in shown]
    for shared in sums:
        grid.add(_shared_row(shared, run, trace, updates, batch, count, fields), "sum")
    if sums:
        grid.notes.append(
            "Σ rows: a shared weight's ∂E/∂w is the sum of its links' (the rows that name it); "
            "one update moves them all"
        )
    if unusual:
        names = ", ".join(dict.fromkeys(unusual))
        grid.notes.append(
            f"· {names}: softmax or a loss fused with the activation; "
            "∂E/∂net comes from the whole layer (explain the neuron)"
        )
    if planned:
        rule = "−rate · ∂E/∂w" if run.optimizer.plain else f"by {run.optimizer.describe()}"
        grid.notes.append(f"Δw and w′ are still to come: Δw = {rule}, rate {num(run.rate)}")
    if run is not None:
        grid.notes += optimizer_notes(run)
    elif fields:
        grid.notes.append("the last columns: each link's optimizer state, kept between updates")
    if batch:
        how = "mean" if run.reduce == "mean" else "sum"
        grid.notes.append(
            f"batch of {run.batch_size}: the update uses the {how} of Σ ∂E/∂w over its samples"
        )
    return grid


def _kept(state: object, fields: list[str]) -> list[Cell]:
    """The state columns' numbers (blank for a field the state's kind does not keep)."""
    numbers = state.all() if state is not None else {}
    return [
        float(numbers[f]) if state is not None and f in FIELDS.get(state.kind, ()) else None
        for f in fields
    ]


def _planned(moved: Link | SharedWeight, run: Scheduler, trace: Trace):
    """Online learning: the update still to come, once every link of ``moved`` has learned."""
    links = moved.links if isinstance(moved, SharedWeight) else [moved]
    if run.optimizer.clip_norm is not None or not all(_learned(k, trace) for k in links):
        return None
    return run.optimizer.update(moved.state, moved.gradient, moved.weight, run.rate)


def _shared_row(
    shared: SharedWeight,
    run: Scheduler | None,
    trace: Trace | None,
    updates: dict,
    batch: bool,
    count: int | None,
    fields: list[str],
) -> list[Cell]:
    """A shared weight's row: its weight, the sum of its links' ∂E/∂w, its change."""
    update = updates.get(shared)
    reached = learned_so_far(shared, trace)
    done = shared.links if reached is None else reached
    gradient: Cell = None
    if done:
        gradient = done[0].sensitivity
        for link in done[1:]:
            gradient += link.sensitivity
    label = f"{shared.name} (Σ of {len(shared.links)} links)"
    if reached is not None and len(reached) < len(shared.links):
        label = f"{shared.name} (Σ of {len(reached)} of {len(shared.links)} so far)"
    weight = update.old if update is not None else shared.weight
    change: Cell = None
    new: Cell = None
    if update is not None:
        change, new = update.new - update.old, update.new
    elif shared.frozen:
        change, new = "frozen", shared.weight
    elif run is not None and run.batch_size == 1 and trace is not None:
        move = _planned(shared, run, trace)
        if move is not None:
            change, new = move.step, move.weight
    row: list[Cell] = [label, weight, None, None, None, None, gradient, None]
    if batch:
        row += [shared.gradient, str(count) if count is not None else ""]
    return [*row, change, new, *_kept(update.after if update else shared.state, fields)]


def weight_grid(net: Network) -> Grid:
    """Each link's weight (a saved network before any sample has gone through it)."""
    grid = Grid("Weights", [Column("link", "", numeric=False), Column("weight", "w")])
    for link in net.links:
        name = f"{link.name} ({link.label})" if link.label else link.name
        if link.shared is not None:
            name = f"{link.name} ({link.shared.name})"
        grid.add([name + (" (frozen)" if link.frozen else ""), link.weight])
    return grid


def layer_grid(net: Network) -> Grid:
    """A large network's links, summarised per layer: how many, and their weights' spread."""
    grid = Grid(
        "Links by layer",
        [
            Column("into layer", "", numeric=False),
            Column("links", "", numeric=False),
            Column("frozen", "", numeric=False),
            Column("mean |weight|", "mean |w|"),
            Column("smallest weight", "min w"),
            Column("largest weight", "max w"),
        ],
    )
    for i, layer in enumerate(net.layers[1:], start=1):
        links = [link for n in layer for link in n.incoming]
        if not links:
            continue
        weights = [link.weight for link in links]
        frozen = sum(link.frozen for link in links)
        mean = sum(abs(w) for w in weights) / len(weights)
        grid.add([str(i), str(len(links)), str(frozen), mean, min(weights), max(weights)])
    return grid


def _state_fields(links: list[Link], optimizer) -> list[str]:
    """The state columns: those of the scheduler's optimizer, or of the links' states."""
    if optimizer is not None:
        return list(optimizer.fields())
    found: list[str] = []
    for link in links:
        if link.state is not None and not link.state.fresh:
            for f in FIELDS.get(link.state.kind, ()):
                if f not in found:
                    found.append(f)
    return found


def optimizer_notes(run: Scheduler) -> list[str]:
    """What the optimizer, its regularisation and any deliberate mistake do, in words."""
    notes = []
    opt = run.optimizer
    if not opt.plain:
        notes.append(
            f"optimizer {opt.describe()}; explain a link for its update line by line"
            + (f"; state columns: {', '.join(opt.fields())}" if opt.fields() else "")
        )
    if opt.weight_decay:
        if opt.decay == "coupled":
            notes.append(f"L2 weight decay λ = {num(opt.weight_decay)}, coupled: g = ∂E/∂w + λ·w")
        else:
            notes.append(
                f"weight decay λ = {num(opt.weight_decay)}, decoupled: w shrinks to "
                "w · (1 − rate·λ) before the update"
            )
    if opt.clip_norm is not None:
        norm = f" (this batch's norm {num(run._norm)})" if run._norm is not None else ""
        notes.append(f"gradients clipped to a global norm of at most {num(opt.clip_norm)}{norm}")
    if opt.clip_value is not None:
        notes.append(f"each gradient clipped to ±{num(opt.clip_value)}")
    notes += [warning(m) for m in run.mistakes]
    return notes


TABLES = ("links", "neurons", "summary")


def table(
    obj: Network | Scheduler,
    what: str = "links",
    layer: int | None = None,
    links: Iterable[str | Link] | None = None,
) -> Grid:
    """``net.table()`` and ``run.table()``: "links", "neurons" or "summary" as a :class:`Grid`."""
    what = checks.choice(what, "table", TABLES)
    if layer is not None:
        layer = checks.whole(layer, "layer", low=0)
    if what == "links":
        return link_grid(obj, layer=layer, links=links)
    if what == "neurons":
        return neuron_grid(obj.net if isinstance(obj, Scheduler) else obj, layer=layer)
    if what == "summary":
        return summary_grid(obj)
    raise UnknownNameError(f"unknown table {what!r}: expected one of {', '.join(TABLES)}")


def _learned(link: Link, trace: Trace) -> bool:
    """Has the link learned since its last update (a sensitivity waiting to be applied)?"""
    for step in reversed(trace.steps):
        if getattr(step, "link", None) is link:
            return step.kind == "Learned"
    return False


def neuron_grid(net: Network, layer: int | None = None) -> Grid:
    """The neuron table: net, value, error, slope, sensitivity and activation.

    Mid-sample, what the sample has not reached yet is left blank.
    """
    columns = [
        Column("neuron", "", numeric=False),
        Column("activation", "", numeric=False),
        Column("net", "net"),
        Column("value", "out"),
        Column("error", "∂E/∂out"),
        Column("activation slope", "∂out/∂net"),
        Column("neuron sensitivity", "∂E/∂net"),
        Column("target", "t"),
    ]
    grid = Grid("Neurons: ∂E/∂net = ∂E/∂out · ∂out/∂net", columns, keys=2)
    progress = _progress(current(net.trace))
    for n in net.neurons:
        if layer is not None and n.layer != layer:
            continue
        if n.is_source:
            grid.add([n.name, n.kind, None, n.value, None, None, None, None])  # given, not learned
            continue
        special = net.fused(n) or n.activation.layerwise
        slope: Cell = "·" if special else n.activation.slope(n.net, n.value)
        row: list[Cell] = [n.name, n.activation.name, n.net, n.value, n.error, slope]
        row += [n.sensitivity, n.target]
        if progress is not None:  # mid-sample: leave blank what this sample has not reached
            if n not in progress.fired:
                row[2:4] = [None, None]
                row[5] = None
            if not progress.error_known(n):
                row[4] = None
            if n not in progress.sensed:
                row[6] = None
        grid.add(row)
    return grid


def summary_grid(obj: Network | Scheduler) -> Grid:
    """The network in a few lines: layers, sizes, activations, parameters, loss, seed, options."""
    run, net = _run_and_net(obj)
    columns = [Column("", "", numeric=False), Column("", "", numeric=False)]
    grid = Grid("Network", columns, wrap=True)
    layers = net.layers
    shape = "-".join(str(len(layer)) for layer in layers)
    grid.add(["layers", f"{shape}: " + " | ".join(" ".join(n.name for n in lay) for lay in layers)])
    for i, layer in enumerate(layers[1:], start=1):
        acts = ", ".join(dict.fromkeys(n.activation.name for n in layer))
        kind = "output" if all(n.kind == "output" for n in layer) else "hidden"
        grid.add([f"layer {i}", f"{len(layer)} {kind}, {acts}"])
    learning = sum(1 for link in net.links if not link.frozen)
    frozen = len(net.links) - learning
    params = f"{len(net.links)} links ({learning} learn"
    params += f", {frozen} frozen)" if frozen else ")"
    if net.shared_weights:
        tied = sum(len(shared.links) for shared in net.shared_weights)
        count = sum(1 for p in net.parameters() if not p.frozen)
        params += (
            f"; {len(net.shared_weights)} shared weights over {tied} of them, "
            f"so {count} weights learn"
        )
    grid.add(["parameters", params])
    loss = net.loss_function
    last = _last_loss(net.trace)
    formula = f" = {loss.formula}" if loss.formula else ""
    grid.add(["loss", f"{loss.name}{formula}" + (f"; last sample {num(last)}" if last else "")])
    grid.add(["initial weights", _weights_origin(net)])
    if run is not None:
        grid.add(
            [
                "options",
                f"rate {num(run.rate)}, momentum {num(run.momentum)}, batch {run.batch_size} "
                f"({run.reduce}), update {run.update}, shuffle {'yes' if run.shuffle else 'no'}, "
                f"epochs {run.epochs}",
            ]
        )
        if not run.optimizer.plain:
            grid.add(["optimizer", run.optimizer.describe()])
        for mistake in run.mistakes:
            grid.add(["mistake", warning(mistake)])
        grid.add(["data", f"{len(run.data)} sample" + ("s" if len(run.data) != 1 else "")])
        grid.add(["next", describe_planned(run.peek()).removeprefix("next: ")])
    _add_workflow_rows(grid, net)
    return grid


def _weights_origin(net: Network) -> str:
    """Where the weights came from: drawn from the seed, or set by hand (a worked example)."""
    given = sum(1 for link in net.links if link in net.given)
    drawn = f"drawn by {net.init} from seed {net.seed}"
    if net.links and given == len(net.links):
        return f"set by hand, all {given} (the seed, {net.seed}, draws only the shuffles)"
    if given:
        return f"{drawn}; {given} of {len(net.links)} set by hand"
    return drawn


def _add_workflow_rows(grid: Grid, net: Network) -> None:
    """What a network trained on a data file carries: its preprocessing and training log."""
    prep = getattr(net, "preprocessing", None)
    if prep is not None:
        grid.add(["inputs", ", ".join(prep.input_names)])
        grid.add(["outputs", ", ".join(prep.target_names)])
        if prep.classes is not None:
            grid.add(["classes", ", ".join(prep.classes)])
        grid.add(["standardised", "yes" if prep.mean is not None else "no"])
    log = getattr(net, "training_log", None)
    if log is None or not log.epochs:
        return
    last = log.last
    grid.add(["trained", log.stopped or f"{len(log)} epochs"])
    grid.add(["train loss", num(last.train_loss)])
    if last.train_accuracy is not None:
        grid.add(["train accuracy", percent(last.train_accuracy)])
    if last.test_loss is not None:
        grid.add(["test loss", num(last.test_loss)])
    if last.test_accuracy is not None:
        grid.add(["test accuracy", percent(last.test_accuracy)])


def _last_loss(trace: Trace | None) -> float | None:
    if trace is None:
        return None
    for step in reversed(trace.steps):
        if step.kind == "Scored":
            return step.loss
    return None


def gradcheck_grids(check: GradCheck) -> list[Grid]:
    """The links that disagree first (with the suspect neurons), then those that agree."""
    columns = [
        Column("link", "", numeric=False),
        Column("backprop", "∂E/∂w"),
        Column("finite difference", "ΔE/Δw"),
        Column("abs error", "|a−b|"),
        Column("rel error", ""),
        Column("verdict", "", numeric=False),
    ]
    bad = Grid(f"Disagree: {len(check.failures)} of {len(check.rows)} links", list(columns))
    good = Grid(
        f"Agree: {len(check.rows) - len(check.failures)} of {len(check.rows)} links",
        list(columns),
    )
    for row in check.rows:
        grid = good if row.ok else bad
        # the disagreements to three digits, in one notation, so their sizes compare at a glance
        cells = [row.link.name, row.backprop, row.numeric, f"{row.abs_error:.2e}"]
        cells.append(f"{row.rel_error:.2e}")
        grid.add([*cells, "ok" if row.ok else "FAIL"], "" if row.ok else "fail")
    if check.failures:
        suspects = ", ".join(n.name for n in check.suspects) or "none found"
        bad.notes.append(f"suspect neurons (where the failures begin): {suspects}")
    good.notes.append(
        f"central difference, eps {check.eps:g}; agree when |a−b| ≤ {check.atol:g} + "
        f"{check.rtol:g}·max(|a|, |b|)"
    )
    return [bad, good] if check.failures else [good]


def update_grid(steps: Iterable[Step], title: str) -> Grid:
    """Updates as a table: old weight, gradient, rate, momentum's term, change, new weight,
    then the optimizer's state after each update (its velocity, moments, step count)."""
    steps = list(steps)
    kinds = [s.after.kind for s in steps if s.after is not None and not s.after.fresh]
    fields = list(FIELDS.get(kinds[-1], ())) if kinds else []
    columns = [
        Column("epoch", "", numeric=False),
        Column("sample", "", numeric=False),
        Column("old weight", "w"),
        Column("gradient", "∂E/∂w"),
        Column("rate", ""),
        Column("momentum term", "μ·Δw_prev"),
        Column("change", "Δw"),
        Column("new weight", "w′"),
        *(Column(MEANING[f][0], MEANING[f][1]) for f in fields),
    ]
    grid = Grid(title, columns, keys=2)
    for s in steps:
        numbers = s.after.all() if s.after is not None else {}
        grid.add(
            [str(s.epoch), str(s.sample), s.old, s.gradient, s.rate, s.momentum_term, s.new - s.old]
            + [s.new, *[float(numbers[f]) if f in numbers else None for f in fields]]
        )
    return grid


def trace_grid(trace: Trace, name: str | None = None, last: int = 20) -> Grid:
    """A link's history of updates (``name``), or the last ``last`` steps as lines."""
    if name is not None:
        steps = trace.updates(name)
        return update_grid(steps, f"Updates of {link_key(name)}: {len(steps)}")
    steps = list(trace.steps)[-last:]
    start = len(trace.steps) - len(steps)
    columns = [
        Column("#", "", numeric=False),
        Column("epoch", "", numeric=False),
        Column("phase", "", numeric=False),
        Column("step", "", numeric=False),
    ]
    title = f"Trace: the last {len(steps)} of {len(trace.steps)} steps"
    grid = Grid(title, columns, keys=1, wrap=True)
    for k, s in enumerate(steps, start=start):
        grid.add([str(k), str(s.epoch), s.phase, describe(s)])
    return grid


# -- every other table: a trace and its queries, histories, series, states ----------------


@singledispatch
def grid(obj: object, **options: object) -> Grid:
    """The numbers of any lernpy object that holds a table (``obj.table()``)."""
    raise UnknownNameError(f"{type(obj).__name__} holds no table")


@grid.register
def _(g: Grid, **options: object) -> Grid:
    return g


@grid.register
def _(trace: Trace, name: str | None = None, last: int = 20) -> Grid:
    return trace_grid(trace, name, last)


@grid.register
def _(steps: Steps) -> Grid:
    """A query's steps: the update table when they are all updates, else one row per step."""
    if steps and all(s.kind == "Updated" for s in steps):
        return update_grid(steps, f"Updates of {steps.about}: {len(steps)}")
    fields = [f for f in STEP_FIELDS if any(hasattr(s, f) for s in steps)]
    neurons = all(hasattr(s, "neuron") for s in steps)
    links = all(hasattr(s, "link") for s in steps)
    words = dict(STEP_FIELDS)
    if neurons or links:  # say which sensitivity: a neuron's ∂E/∂net or a link's ∂E/∂w
        words["sensitivity"] = SENSITIVITY["neuron" if neurons else "link"]
    columns = [
        Column("epoch", "", numeric=False),
        Column("sample", "", numeric=False),
        Column("phase", "", numeric=False),
        Column("step", "", numeric=False),
        *(Column(*words[f]) for f in fields),
    ]
    title = f"Steps about {steps.about}: {len(steps)}" if steps.about else f"Steps: {len(steps)}"
    table = Grid(title, columns, keys=4)
    for s in steps:
        table.add(
            [str(s.epoch), str(s.sample), s.phase, s.kind, *(getattr(s, f, None) for f in fields)]
        )
    return table


# a step's fields as table columns: attribute → (name, symbol)
STEP_FIELDS = {
    "net": ("net", "net"),
    "value": ("value", "out"),
    "error": ("error", "∂E/∂out"),
    "sensitivity": ("sensitivity: neuron ∂E/∂net, link ∂E/∂w", ""),
    "blame": ("blame", "w·∂E/∂net"),
    "old": ("old weight", "w"),
    "gradient": ("gradient", "∂E/∂w"),
    "new": ("new weight", "w′"),
    "loss": ("loss", "E"),
}


SENSITIVITY = {
    "neuron": ("neuron sensitivity", "∂E/∂net"),
    "link": ("link sensitivity", "∂E/∂w"),
}


@grid.register
def _(history: History) -> Grid:
    table = Grid(
        f"Loss per epoch ({history.engine} engine)",
        [Column("epoch", "", numeric=False), Column("mean sample loss", "E")],
        notes=[history.stopped] if history.stopped else [],
    )
    for k, loss in enumerate(history.loss, start=1):
        table.add([str(k), loss])
    return table


@grid.register
def _(log: TrainingLog) -> Grid:
    records = log.epochs
    has_test = any(r.test_loss is not None for r in records)
    has_acc = any(r.train_accuracy is not None for r in records)
    columns = [Column("epoch", "", numeric=False), Column("rate", ""), Column("train loss", "")]
    if has_acc:
        columns.append(Column("train accuracy", "", numeric=True))
    if has_test:
        columns.append(Column("test loss", ""))
        if has_acc:
            columns.append(Column("test accuracy", "", numeric=True))
    table = Grid("Training", columns, notes=[log.stopped] if log.stopped else [])
    for r in records:
        row: list[Cell] = [str(r.epoch), r.rate, r.train_loss]
        if has_acc:
            row.append(percent(r.train_accuracy))
        if has_test:
            row.append(r.test_loss)
            if has_acc:
                row.append(percent(r.test_accuracy))
        table.add(row)
    return table


@grid.register
def _(series: Series) -> Grid:
    columns = [Column(series.x_label if series.epochs is None else "#", "", numeric=False)]
    if series.epochs is not None:
        columns += [Column("epoch", "", numeric=False), Column("sample", "", numeric=False)]
    columns.append(Column(series.name.split(" of ")[0], ""))
    table = Grid(series.name.capitalize(), columns, keys=len(columns) - 1)
    for k, value in enumerate(series.values):
        row: list[Cell] = [str(series.x[k])]
        if series.epochs is not None and series.samples is not None:
            row += [str(series.epochs[k]), str(series.samples[k])]
        table.add([*row, value])
    return table


@grid.register
def _(state: State) -> Grid:
    neurons = Grid(
        "State",
        [
            Column("neuron or link", "", numeric=False),
            Column("net", "net"),
            Column("value", "out"),
            Column("error", "∂E/∂out"),
            Column("neuron sensitivity", "∂E/∂net"),
            Column("weight", "w"),
            Column("link sensitivity", "∂E/∂w"),
            Column("blame", "w·∂E/∂net"),
        ],
    )
    for name, record in state.items():
        if isinstance(record, NeuronState):
            neurons.add([name, record.net, record.value, record.error, record.sensitivity])
            neurons.rows[-1] += [None, None, None]
        elif isinstance(record, LinkState):
            neurons.add([name, None, record.value, None, None, record.weight])
            neurons.rows[-1] += [record.sensitivity, record.blame]
    return neurons


@grid.register
def _(changes: Changes) -> Grid:
    table = Grid(
        f"What changed: {len(changes)} numbers",
        [
            Column("neuron or link", "", numeric=False),
            Column("number", "", numeric=False),
            Column("before", ""),
            Column("after", ""),
            Column("change", "Δ"),
        ],
        keys=2,
    )
    for c in changes:
        table.add(
            [
                c.name,
                FIELD_WORDS.get((c.kind, c.field), c.field),
                _cell(c.before),
                _cell(c.after),
                c.change,
            ]
        )
    return table


FIELD_WORDS = {
    ("neuron", "sensitivity"): "neuron sensitivity ∂E/∂net",
    ("link", "sensitivity"): "link sensitivity ∂E/∂w",
    ("link", "gradient"): "batch gradient Σ ∂E/∂w",
    ("link", "state"): "optimizer state",
}


def _cell(x: object) -> Cell:
    if x is None or isinstance(x, (float, str)):
        return x
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return float(x)
    return repr(x)  # an optimizer's state: its own one-line text


@grid.register
def _(check: GradCheck) -> Grid:
    bad, *good = gradcheck_grids(check)
    if not good:
        return bad
    merged = Grid(repr(check), bad.columns, bad.rows + good[0].rows, bad.marks + good[0].marks)
    merged.notes = bad.notes + good[0].notes
    return merged


# -- the loss as a small chart -----------------------------------------------------


def loss_chart(losses: Sequence[float], width: int = 60, height: int = 8) -> str:
    """The loss history as a small ASCII chart (readable in any terminal).

    >>> print(loss_chart([4.0, 2.0, 1.0, 0.5], width=8, height=3))
    4  |*
       | *
    0.5|  **
       +----
        epochs 1–4
    """
    if not losses:
        return "(no epochs yet)"
    top, low = max(losses), min(losses)
    labels = [num(top, 4), num(low, 4)]
    pad = max(len(s) for s in labels)
    cols = max(1, min(width - pad - 1, len(losses)))
    # each column shows the mean of its share of the epochs
    buckets = []
    for c in range(cols):
        a = c * len(losses) // cols
        b = max(a + 1, (c + 1) * len(losses) // cols)
        part = losses[a:b]
        buckets.append(sum(part) / len(part))
    span = top - low
    rows = [[" "] * cols for _ in range(height)]
    for c, v in enumerate(buckets):
        level = 0 if span == 0 else round((top - v) / span * (height - 1))
        rows[level][c] = "*"
    out = []
    for r, row in enumerate(rows):
        label = labels[0] if r == 0 else labels[1] if r == height - 1 else ""
        out.append(f"{label:<{pad}}|{''.join(row).rstrip()}")
    out.append(" " * pad + "+" + "-" * cols)
    out.append(" " * pad + f" epochs 1–{len(losses)}")
    return "\n".join(out)


LINK_LIMIT = 60  # above this many links a network shows its summary, not every link

__all__ = [
    "Column",
    "Grid",
    "gradcheck_grids",
    "link_grid",
    "loss_chart",
    "neuron_grid",
    "summary_grid",
    "trace_grid",
]
