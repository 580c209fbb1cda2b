"""A lesson page: one self-contained HTML file that replays a recorded training run.

The page holds the diagram, every step's numbers and the chain rule of every
link, so it needs no server and makes no request: a teacher can mail it.

>>> from lernpy import examples
>>> html = lesson_html(examples.mazur(), examples.MAZUR_SAMPLE, rate=0.5)
>>> "0.35891648" in html and "default-src 'none'" in html
True
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from lernpy import checks
from lernpy.data.netfile import NetworkFileError
from lernpy.errors import LernpyError, UnknownNameError
from lernpy.files import write_atomically
from lernpy.graph.names import shown
from lernpy.pictures.diagram import check_network, diagram_svg
from lernpy.pictures.lesson_page import CSP, PAGE
from lernpy.views.explain import describe, explain_link, explain_neuron
from lernpy.views.tables import link_grid, neuron_grid
from lernpy.walk.mistakes import warning
from lernpy.walk.trace import Trace

MAX_STEPS = 5000


def record(
    net: object,
    data: object,
    max_steps: int = MAX_STEPS,
    **options: object,
) -> dict:
    """Run the scheduler on data step by step, snapshotting the network after every step.

    Each step's line and each link's chain rule are written by :mod:`lernpy.views.explain`
    while the network holds that step's numbers, so the page says what the terminal
    says. The network is put back exactly as it was afterwards (every step is undone).
    """
    neurons = list(net.neurons)  # type: ignore[attr-defined]
    links = list(net.links)  # type: ignore[attr-defined]
    n_index = {n: i for i, n in enumerate(neurons)}
    l_index = {link: k for k, link in enumerate(links)}
    trace = Trace()  # the recording's own: explain() reads the steps so far from it
    kept_trace = net.trace  # type: ignore[attr-defined]
    options["trace"] = trace
    options["history"] = "all"  # every step is undone at the end, however many (a user's
    # history="batch" could not undo them all and left the network changed)
    run = net.scheduler(data, **options)  # type: ignore[attr-defined]

    def snapshot() -> tuple[list, list]:
        return (
            [[n.net, n.value, n.error, n.sensitivity] for n in neurons],
            [[link.weight, link.value, link.sensitivity, link.blame] for link in links],
        )

    inputs = [n_index[n] for n in net.inputs]  # type: ignore[attr-defined]
    outputs = [n_index[n] for n in net.outputs]  # type: ignore[attr-defined]

    def touched(step: object) -> tuple[list[int], list[int]]:
        """The neurons and links a step can change (every one, for a step not known here)."""
        kind = type(step).__name__
        if kind == "Presented":
            return inputs, []
        if kind == "Scored":
            return outputs, []
        if kind in ("Fired", "Sensed"):
            return [n_index[step.neuron]], []  # type: ignore[attr-defined]
        if kind in ("Delivered", "Learned", "Updated"):  # a shared weight's: all its links
            return [], [l_index[link] for link in _links_of(step.link)]  # type: ignore[attr-defined]
        if kind == "EpochEnded":
            return [], []
        return list(range(len(neurons))), list(range(len(links)))

    # Frame 0 holds every number; each later frame only what its step changed.
    last_n, last_l = snapshot()
    frames: list[dict] = [
        {
            "k": "Start",
            "t": "nothing has happened yet",
            "p": "",
            "s": -1,
            "e": 0,
            "s0": 0,
            "n": [row[:] for row in last_n],  # copies: last_n and last_l change as we go
            "l": [row[:] for row in last_l],
            "f": None,
            "loss": None,
        }
    ]
    explanations: list[list[list]] = [[] for _ in links]
    neuron_explanations: list[list[list]] = [[] for _ in neurons]
    losses: list[list] = []  # [frame, loss, epoch, sample] of each scored sample
    epoch_losses: list[list] = []  # [frame, mean loss] at each epoch's end
    sample_start = 0
    loss = None
    taken = 0
    try:
        while not run.finished and taken < max_steps:
            step = run.step()
            taken += 1
            kind = type(step).__name__
            focus = None
            if kind == "Presented":
                sample_start = len(frames)
                loss = None
            elif kind in ("Fired", "Sensed"):
                focus = ["neuron", n_index[step.neuron]]
            elif kind in ("Delivered", "Learned", "Updated"):
                # a shared weight's update: the focus is on its first link
                focus = ["link", l_index[_links_of(step.link)[0]]]
            elif kind == "Scored":
                loss = step.loss
                losses.append([len(frames), step.loss, step.epoch, step.sample])
            elif kind == "EpochEnded":
                epoch_losses.append([len(frames), step.loss])
            # a step changes only the objects it names (the inputs when a sample is
            # presented, the outputs when the loss is scored): compare just those
            touched_n, touched_l = touched(step)
            dn, dl = [], []
            for i in touched_n:
                n = neurons[i]
                row = [n.net, n.value, n.error, n.sensitivity]
                if row != last_n[i]:
                    dn.append([i, *row])
                    last_n[i] = row
            for k in touched_l:
                link = links[k]
                row = [link.weight, link.value, link.sensitivity, link.blame]
                if row != last_l[k]:
                    dl.append([k, *row])
                    last_l[k] = row
            frames.append(
                {
                    "k": kind,
                    "t": describe(step),
                    "p": step.phase,
                    "s": step.sample,
                    "e": step.epoch,
                    "s0": sample_start,
                    "dn": dn,
                    "dl": dl,
                    "f": focus,
                    "loss": loss,
                }
            )
            if kind in ("Delivered", "Learned", "Updated"):
                for link in _links_of(step.link):  # every link a shared weight's update moved
                    text = explain_link(link, trace).text()
                    explanations[l_index[link]].append([len(frames) - 1, text.splitlines()])
            elif kind in ("Fired", "Sensed"):
                text = explain_neuron(step.neuron, trace).text()
                neuron_explanations[n_index[step.neuron]].append(
                    [len(frames) - 1, text.splitlines()]
                )
        complete = run.finished
    finally:
        # Put the network back exactly as it was, also when a step failed.
        while True:
            try:
                run.back()
            except LernpyError:  # "nothing to undo": back at the start
                break
        net.trace = kept_trace  # type: ignore[attr-defined]
    return {
        # names as every view shows them (control characters escaped), as the diagram's
        "neurons": [{"name": shown(n.name), "kind": n.kind, "line": _waiting(n)} for n in neurons],
        "links": [
            {
                "name": link.name,
                "label": _label(link),
                "source": n_index[link.source],
                "target": n_index[link.target],
                "frozen": link.frozen,
            }
            for link in links
        ],
        "frames": frames,
        "explain": explanations,
        "nexplain": neuron_explanations,
        "losses": losses,
        "epochLosses": epoch_losses,
        "complete": complete,
        "rate": getattr(run, "rate", None),
        "optimizer": run.optimizer.describe() if not run.optimizer.plain else None,
        "mistakes": [warning(m) for m in run.mistakes],
    }


def _links_of(obj: object) -> list:
    """A link, or every link of a shared weight."""
    return list(getattr(obj, "links", None) or [obj])


def _label(link: object) -> str | None:
    """What the page calls a link's weight: its shared weight's name, else its label."""
    shared = getattr(link, "shared", None)
    return shared.name if shared is not None else link.label  # type: ignore[attr-defined]


def _waiting(n: object) -> list[str]:
    """What a neuron's box says before the sample reaches it (or always, for inputs and bias)."""
    kind = n.kind  # type: ignore[attr-defined]
    name = n.name  # type: ignore[attr-defined]
    if kind == "bias":
        return [
            f"Neuron {name} (bias)",
            f"  out_{name} = 1 always: its links' weights are the biases",
        ]
    if kind == "input":
        return [f"Neuron {name} (input)", "  its value is the sample's input, as given"]
    return [f"Neuron {name}", "  not reached yet in this sample."]


def state_at(rec: dict, f: int) -> tuple[list[list[float]], list[list[float]]]:
    """Every neuron's [net, value, error, sensitivity] and link's [weight, value, sensitivity,
    blame] after frame f of a recording (frame 0 is the start)."""
    frames = rec["frames"]
    n = [row[:] for row in frames[0]["n"]]
    links = [row[:] for row in frames[0]["l"]]
    for frame in frames[1 : f + 1]:
        for i, *row in frame["dn"]:
            n[i] = row
        for k, *row in frame["dl"]:
            links[k] = row
    return n, links


def _heads(columns: list) -> str:
    """Table headers in the REPL's words, each with its symbol (the same Column objects)."""
    out = []
    for c in columns:
        symbol = f"<br><code>{html.escape(c.symbol)}</code>" if c.symbol else ""
        out.append(f"<th>{html.escape(c.name)}{symbol}</th>")
    return "".join(out)


# The lesson's tables: these columns of the REPL's tables, by the same names.
LINK_COLUMNS = (
    "link", "weight", "source value", "target neuron sensitivity", "link sensitivity",
    "blame", "change", "new weight",
)  # fmt: skip
NEURON_COLUMNS = ("neuron", "net", "value", "error", "neuron sensitivity")


def lesson_html(
    net: object,
    data: object,
    title: str | None = None,
    max_steps: int = MAX_STEPS,
    step: int = 0,
    show: str | None = None,
    exercise: dict | None = None,
    **options: object,
) -> str:
    """One self-contained HTML page replaying training of `net` on `data` step by step.

    `options` go to the scheduler (rate, momentum, batch_size, update, epochs, …).
    ``step`` is the step the page opens at and ``show`` a link or neuron whose chain
    rule it shows (a deep link ``page.html#step=33&link=w5`` does the same).
    The network is left as it was. `exercise` (made by lernpy.exercises.page) turns
    on exercise mode: the page stops before each asked number until it is typed.
    """
    check_network(net)
    max_steps = checks.whole(max_steps, "max_steps", low=1)
    if title is not None:
        title = checks.text(title, "title")
    rec = _shown_everywhere(record(net, data, max_steps=max_steps, **options))
    rec["start"] = step
    rec["chosen"] = _chosen(rec, show)
    if exercise is not None:
        rec["exercise"] = exercise
    # Labels will show up to 4 significant digits of a changing weight: keep room for them.
    longest = max((len(_label(link) or "") for link in net.links), default=0)  # type: ignore[attr-defined]
    svg = diagram_svg(net, annotate="weight", title="", label_room=longest + 9)
    rate = rec["rate"]
    count = sum(1 for fr in rec["frames"] if fr["k"] == "Presented")
    subtitle = (
        f"{len(rec['frames']) - 1} steps over {count} sample{'s' * (count != 1)}"
        + (f", rate {rate:g}" if rate is not None else "")
        + ("" if rec["complete"] else f" (stopped after {max_steps} steps)")
        + (f", optimizer {rec['optimizer']}" if rec["optimizer"] else "")
        + ". Use the buttons, the slider or the arrow keys (shift: neuron by neuron);"
        + " epochs and samples count from 0, as in the trace."
        + "".join(f" {m}." for m in rec["mistakes"])
    )
    links = {c.name: c for c in link_grid(net).columns}  # type: ignore[arg-type]
    neurons = {c.name: c for c in neuron_grid(net).columns}  # type: ignore[arg-type]
    payload = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # inside <script>, "<!--", "<script" or "</script" would change how the page is read:
    # JSON may spell <, > and & as \u003c, \u003e, \u0026, which JSON.parse reads back
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    fills = {
        "__CSP__": CSP,
        "__TITLE__": html.escape(title or "lernpy lesson"),
        "__SUBTITLE__": html.escape(subtitle),
        "__LINK_HEADS__": _heads([links[name] for name in LINK_COLUMNS]),
        "__NEURON_HEADS__": _heads([neurons[name] for name in NEURON_COLUMNS]),
        "__SVG__": svg,
        "__DATA__": payload,
    }
    # one pass, so that a title holding "__DATA__" stays that text
    page = re.sub("|".join(fills), lambda m: fills[m.group(0)], PAGE)
    return page


def _chosen(rec: dict, name: str | None) -> list | None:
    """["link", k] or ["neuron", i] for a name or label (None for none)."""
    if name is None:
        return None
    key = name.replace("->", "→")
    for k, link in enumerate(rec["links"]):
        if key in (link["name"], link["label"]):
            return ["link", k]
    for i, neuron in enumerate(rec["neurons"]):
        if neuron["name"] == name:
            return ["neuron", i]
    raise UnknownNameError(f"show={name!r}: no such link or neuron in this network")


def _shown_everywhere(value: object) -> object:
    """Every text in the recording with the characters a name may not hold escaped (a name
    set behind the network's back shows as ``\\x1b``, never as what it would do)."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown_everywhere(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown_everywhere(v) for k, v in value.items()}
    return value


def write_lesson(path: str | os.PathLike, net: object, data: object, **options: object) -> Path:
    """Write lesson_html(...) to path (atomically) and return the path."""
    path = Path(path)
    write_atomically(
        os.fspath(path), lesson_html(net, data, **options).encode("utf-8"), NetworkFileError
    )
    return path


class Lesson:
    """The lesson page of a network and its data, to show in a notebook or save.

    In Jupyter (JupyterLab, the classic notebook, VS Code, an exported HTML file) it
    is the interactive page itself, inline, in a sandboxed frame: stepping runs in
    the page, with no kernel behind it, and two lessons never share a name. A plain
    REPL shows one line; :meth:`save` writes the page.

    >>> from lernpy import examples
    >>> lesson = examples.mazur().lesson(examples.MAZUR_SAMPLE, rate=0.5)
    >>> lesson
    Lesson(43 steps, 1 sample, rate 0.5; save(path) writes the page)
    >>> "srcdoc=" in lesson._repr_html_() and 'sandbox="allow-scripts"' in lesson._repr_html_()
    True
    """

    def __init__(self, net: object, data: object, height: int = 760, **options: object) -> None:
        self.html = lesson_html(net, data, **options)
        self.height = height
        match = re.search(r'id="lesson-data">(.*?)</script>', self.html, re.S)
        rec = json.loads(match.group(1).replace("<\\/", "</")) if match else {}
        frames = rec.get("frames", [])
        self.steps = len(frames) - 1
        self.samples = len({f["s"] for f in frames if f["k"] == "Presented"})
        self.epochs = len({f["e"] for f in frames if f["k"] == "Presented"})
        self.rate = rec.get("rate")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page (one file that works offline) and return its path."""
        path = Path(path)
        write_atomically(os.fspath(path), self.html.encode("utf-8"), NetworkFileError)
        return path

    def _repr_html_(self) -> str:
        # srcdoc holds the whole page; a sandbox without allow-same-origin keeps it apart
        # from the notebook and from any other lesson (its ids, its keys, its script)
        page = html.escape(self.html, quote=True)
        return (
            f'<iframe class="lernpy-lesson" sandbox="allow-scripts" srcdoc="{page}" '
            f'title="lernpy lesson" style="width:100%;max-width:100%;height:{self.height}px;'
            'border:1px solid #d1d5db;border-radius:6px;background:#fafafa"></iframe>'
        )

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    def __repr__(self) -> str:
        count = f"{self.samples} sample" + ("s" if self.samples != 1 else "")
        if self.epochs > 1:
            count += f" × {self.epochs} epochs"
        rate = f", rate {self.rate:g}" if self.rate is not None else ""
        return f"Lesson({self.steps} steps, {count}{rate}; save(path) writes the page)"
