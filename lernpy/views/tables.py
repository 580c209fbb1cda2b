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

from lernpy import checks
from lernpy.errors import UnknownNameError
from lernpy.graph.link import Link
from lernpy.graph.names import shown
from lernpy.graph.network import Network, link_key
from lernpy.graph.neuron import Neuron
from lernpy.hooks import Shows
from lernpy.views.explain import current, describe, describe_planned, num
from lernpy.walk.gradcheck import GradCheck
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

    def __post_init__(self) -> None:
        self.title = shown(self.title)

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


def _updates(trace: Trace | None) -> dict[Link, Step]:
    """Each link's update that came after its last backward step (from the trace)."""
    found: dict[Link, Step] = {}
    if trace is None:
        return found
    seen: set[Link] = set()
    for step in reversed(trace.steps):
        link = getattr(step, "link", None)
        if link is None or link in seen:
            continue
        seen.add(link)
        if step.kind == "Updated" and step.old * link.target.sensitivity == link.blame:
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
        wanted = [net.link(name) for name in checks.items(links, "links", "link names")]
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
    what = "Links" if layer is None else f"Links into layer {layer}"
    grid = Grid(f"{what}: ∂E/∂w = ∂E/∂out · ∂out/∂net · out_src", columns)
    unusual: list[str] = []
    planned = False
    progress = _progress(trace)
    for link in _pick(net, layer, links):
        target = link.target
        update = updates.get(link)
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
            if _learned(link, trace):
                change = run.momentum * link.velocity - run.rate * link.gradient
                new = link.weight + change
                planned = True
        name = f"{link.name} ({link.label})" if link.label else link.name
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
        grid.add([*row, change, new])
    if unusual:
        names = ", ".join(dict.fromkeys(unusual))
        grid.notes.append(
            f"· {names}: softmax or a loss fused with the activation; "
            "∂E/∂net comes from the whole layer (explain the neuron)"
        )
    if planned:
        grid.notes.append(f"Δw and w′ are still to come: Δw = −rate · ∂E/∂w, rate {num(run.rate)}")
    if batch:
        how = "mean" if run.reduce == "mean" else "sum"
        grid.notes.append(
            f"batch of {run.batch_size}: the update uses the {how} of Σ ∂E/∂w over its samples"
        )
    return grid


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
        grid = Grid(f"Updates of {label}: {len(steps)}", columns, keys=2)
        for s in steps:
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
