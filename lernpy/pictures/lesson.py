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
from lernpy.errors import LernpyError
from lernpy.files import write_atomically
from lernpy.graph.names import shown
from lernpy.pictures.diagram import check_network, diagram_svg
from lernpy.pictures.lesson_page import CSP, PAGE
from lernpy.views.explain import describe, explain_link
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
    run = net.scheduler(data, **options)  # type: ignore[attr-defined]

    def snapshot() -> tuple[list, list]:
        return (
            [[n.net, n.value, n.error, n.sensitivity] for n in neurons],
            [[link.weight, link.value, link.sensitivity, link.blame] for link in links],
        )

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
            "n": last_n,
            "l": last_l,
            "f": None,
            "loss": None,
        }
    ]
    explanations: list[list[list]] = [[] for _ in links]
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
                focus = ["link", l_index[step.link]]
            elif kind == "Scored":
                loss = step.loss
            ns, ls = snapshot()
            frames.append(
                {
                    "k": kind,
                    "t": describe(step),
                    "p": step.phase,
                    "s": step.sample,
                    "e": step.epoch,
                    "s0": sample_start,
                    "dn": [[i, *row] for i, row in enumerate(ns) if row != last_n[i]],
                    "dl": [[k, *row] for k, row in enumerate(ls) if row != last_l[k]],
                    "f": focus,
                    "loss": loss,
                }
            )
            last_n, last_l = ns, ls
            if kind in ("Delivered", "Learned", "Updated"):
                text = explain_link(step.link, trace).text()
                explanations[l_index[step.link]].append([len(frames) - 1, text.splitlines()])
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
        "neurons": [{"name": shown(n.name), "kind": n.kind} for n in neurons],
        "links": [
            {
                "name": shown(link.name),
                "label": None if link.label is None else shown(link.label),
                "source": n_index[link.source],
                "target": n_index[link.target],
                "frozen": link.frozen,
            }
            for link in links
        ],
        "frames": frames,
        "explain": explanations,
        "complete": complete,
        "rate": getattr(run, "rate", None),
    }


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


def lesson_html(
    net: object,
    data: object,
    title: str | None = None,
    max_steps: int = MAX_STEPS,
    **options: object,
) -> str:
    """One self-contained HTML page replaying training of `net` on `data` step by step.

    `options` go to the scheduler (rate, momentum, batch_size, update, epochs, …).
    The network is left as it was.
    """
    check_network(net)
    max_steps = checks.whole(max_steps, "max_steps", low=1)
    if title is not None:
        title = checks.text(title, "title")
    rec = record(net, data, max_steps=max_steps, **options)
    # Labels will show up to 4 significant digits of a changing weight: keep room for them.
    longest = max((len(link.label or "") for link in net.links), default=0)  # type: ignore[attr-defined]
    svg = diagram_svg(net, annotate="weight", title="", label_room=longest + 9)
    rate = rec["rate"]
    count = sum(1 for fr in rec["frames"] if fr["k"] == "Presented")
    subtitle = (
        f"{len(rec['frames']) - 1} steps over {count} sample{'s' * (count != 1)}"
        + (f", rate {rate:g}" if rate is not None else "")
        + ("" if rec["complete"] else f" (stopped after {max_steps} steps)")
        + ". Use the buttons, the slider or the arrow keys (shift: neuron by neuron);"
        + " epochs and samples count from 0, as in the trace."
    )
    payload = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    # inside <script>, "<!--", "<script" or "</script" would change how the page is read:
    # JSON may spell <, > and & as \u003c, \u003e, \u0026, which JSON.parse reads back
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    fills = {
        "__CSP__": CSP,
        "__TITLE__": html.escape(title or "lernpy lesson"),
        "__SUBTITLE__": html.escape(subtitle),
        "__SVG__": svg,
        "__DATA__": payload,
    }
    # one pass, so that a title holding "__DATA__" stays that text
    page = re.sub("|".join(fills), lambda m: fills[m.group(0)], PAGE)
    return page


def write_lesson(path: str | os.PathLike, net: object, data: object, **options: object) -> Path:
    """Write lesson_html(...) to path (atomically) and return the path."""
    path = Path(path)
    write_atomically(
        os.fspath(path), lesson_html(net, data, **options).encode("utf-8"), NetworkFileError
    )
    return path
