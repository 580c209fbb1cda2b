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
>>> grid.rows[0][6], grid.rows[0][8]
(0.08216704056423078, 0.35891647971788465)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lernpy.errors import UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.network import Network, link_key
from lernpy.graph.neuron import Neuron
from lernpy.graph.shared import SharedWeight
from lernpy.hooks import Shows
from lernpy.optim import FIELDS
from lernpy.optim.state import MEANING
from lernpy.views.explain import (
    current,
    describe,
    describe_planned,
    learned_so_far,
    num,
    updated_from,
)
from lernpy.walk.gradcheck import GradCheck
from lernpy.walk.mistakes import warning
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import Step
from lernpy.walk.trace import Trace

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

    def add(self, row: Sequence[Cell], mark: str = "") -> None:
        self.rows.append(list(row))
        self.marks.append(mark)

    def cells(self, places: int = 9) -> list[list[str]]:
        """Every cell as text, numbers to ``places`` decimal places."""
        return [[cell_text(c, places) for c in row] for row in self.rows]

    def __repr__(self) -> str:
        from lernpy.views.render import text  # drawn by rich, as plain text at the terminal's width

        return text(self).rstrip("\n")


def cell_text(cell: Cell, places: int = 9) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return num(cell, places)
    return str(cell)


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
        wanted = set()
        shared = {s.name for s in net.shared_weights}
        for name in links:
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
        Column("target sensitivity", "∂E/∂net"),
        Column("link sensitivity", "∂E/∂w"),
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
        if fused or target.activation.layerwise:
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
        if progress is not None:  # mid-sample: leave blank what this sample has not reached
            if target not in progress.fired:
                slope = None
            if not progress.error_known(target):
                error = None
            if target not in progress.sensed:
                sensitivity = None
            if link not in progress.learned:
                gradient = None
        source: Cell = link.source.value
        if progress is not None and not link.source.is_source and link.source not in progress.fired:
            source = None
        row: list[Cell] = [name, weight, source, error, slope, sensitivity, gradient]
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
    row: list[Cell] = [label, weight, None, None, None, None, gradient]
    if batch:
        row += [shared.gradient, str(count) if count is not None else ""]
    return [*row, change, new, *_kept(update.after if update else shared.state, fields)]


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
        Column("slope", "∂out/∂net"),
        Column("sensitivity", "∂E/∂net"),
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
    grid.add(["seed", f"{net.seed} (init {net.init})"])
    if run is not None:
        grid.add(
            [
                "options",
                f"rate {num(run.rate)}, momentum {num(run.momentum)}, batch {run.batch_size} "
                f"({run.reduce}), update {run.update}, shuffle {run.shuffle}, "
                f"epochs {run.epochs}",
            ]
        )
        if not run.optimizer.plain:
            grid.add(["optimizer", run.optimizer.describe()])
        for mistake in run.mistakes:
            grid.add(["mistake", warning(mistake)])
        grid.add(["data", f"{len(run.data)} sample" + ("s" if len(run.data) > 1 else "")])
        grid.add(["next", describe_planned(run.peek()).removeprefix("next: ")])
    _add_workflow_rows(grid, net)
    return grid


def percent(value: float | None) -> str:
    """A fraction as a percentage to one place (blank for None): how accuracy is printed."""
    return "" if value is None else f"{100 * value:.1f}%"


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
    grid.add(["trained", f"{len(log)} epochs: {log.stopped}"])
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


def trace_grid(trace: Trace, name: str | None = None, last: int = 20) -> Grid:
    """A link's history of updates (``name``), or the last ``last`` steps as lines."""
    if name is not None:
        columns = [
            Column("epoch", "", numeric=False),
            Column("sample", "", numeric=False),
            Column("old weight", "w"),
            Column("gradient", "∂E/∂w"),
            Column("rate", ""),
            Column("momentum term", "μ·Δw_prev"),
            Column("change", "Δw"),
            Column("new weight", "w′"),
        ]
        steps = trace.updates(name)
        label = link_key(name)
        kinds = [s.after.kind for s in steps if s.after is not None and not s.after.fresh]
        fields = list(FIELDS.get(kinds[-1], ())) if kinds else []
        columns += [Column(MEANING[f][0], MEANING[f][1]) for f in fields]
        grid = Grid(f"Updates of {label}: {len(steps)}", columns, keys=2)
        for s in steps:
            numbers = s.after.all() if s.after is not None else {}
            grid.add(
                [
                    str(s.epoch),
                    str(s.sample),
                    s.old,
                    s.gradient,
                    s.rate,
                    s.momentum_term,
                    s.new - s.old,
                    s.new,
                    *[float(numbers[f]) if f in numbers else None for f in fields],
                ]
            )
        return grid
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
