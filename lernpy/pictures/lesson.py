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
from collections.abc import Mapping, Sequence
from pathlib import Path

from lernpy.errors import LernpyError
from lernpy.pictures.diagram import diagram_svg
from lernpy.pictures.lesson_page import CSP, PAGE

MAX_STEPS = 5000
DIGITS = 8


def num(x: float | None) -> str:
    """A number as the lesson prints it: 8 decimals, a real minus sign.

    >>> num(0.358916479717885), num(-0.5), num(None)
    ('0.35891648', '−0.50000000', '·')
    """
    if x is None:
        return "·"
    return f"{x:.{DIGITS}f}".replace("-", "−")


SLOPES = {
    "sigmoid": ("value·(1 − value)", lambda v: f"{num(v)} × (1 − {num(v)})"),
    "tanh": ("1 − value²", lambda v: f"1 − {num(v)}²"),
    "identity": ("1", None),
}


def explain(n: Mapping) -> list[str]:
    """The chain rule of one link, with the recorded numbers substituted.

    `n` holds plain numbers: name, label, source, target, stage ("delivered",
    "learned" or "updated"), weight, source_value, link_value, and from
    "learned" on: target_kind, target_activation, target_value, target_net,
    target_error, target_sensitivity, slope, fused, loss, target_target (the
    sample's target at an output), blames (outgoing links of a hidden target:
    (name, weight, sensitivity of their target, blame)), sensitivity, blame;
    at "updated": old, gradient, rate, momentum_term, new, batch.

    >>> lines = explain(dict(name="h1→o1", label="w5", source="h1", target="o1",
    ...     stage="delivered", weight=0.4, source_value=0.593269992, link_value=0.237307997))
    >>> lines[1]
    'value = weight × value(h1) = 0.40000000 × 0.59326999 = 0.23730800'
    """
    s, t = n["source"], n["target"]
    head = n["name"] + (f" ({n['label']})" if n.get("label") else "")
    lines = [head]
    lines.append(
        f"value = weight × value({s}) = {num(n['weight'])} × {num(n['source_value'])}"
        f" = {num(n['link_value'])}"
    )
    if n["stage"] == "delivered":
        lines.append(f"∂E/∂w is known once the backward pass reaches {t}.")
        return lines
    sens_t, value_s = n["target_sensitivity"], n["source_value"]
    if n.get("fused") or n.get("target_activation") == "softmax":
        lines.append(f"∂E/∂w = ∂E/∂net({t}) × ∂net({t})/∂w = sensitivity({t}) × value({s})")
        lines.append(f"      = {num(sens_t)} × {num(value_s)}")
    else:
        lines.append(f"∂E/∂w = ∂E/∂value({t}) × ∂value({t})/∂net({t}) × ∂net({t})/∂w")
        lines.append(f"      = error({t}) × activation′(net({t})) × value({s})")
        lines.append(f"      = {num(n['target_error'])} × {num(n['slope'])} × {num(value_s)}")
    lines.append(f"      = {num(n['sensitivity'])}")
    lines.append("where")
    if n.get("target_kind") == "output":
        target = n.get("target_target")
        if n.get("fused") and target is not None:
            lines.append(
                f"  sensitivity({t}) = value − target = {num(n['target_value'])} − {num(target)}"
                f" = {num(sens_t)}  ({n.get('loss')} with {n.get('target_activation')})"
            )
        elif n.get("loss") == "half_sse" and target is not None:
            lines.append(
                f"  error({t}) = value − target = {num(n['target_value'])} − {num(target)}"
                f" = {num(n['target_error'])}  (½Σ(value − target)²)"
            )
        else:
            lines.append(f"  error({t}) = ∂E/∂value({t}) = {num(n['target_error'])}  (the loss)")
    else:
        blames = n.get("blames") or []
        terms = " + ".join(f"{num(w)} × {num(st)}" for _, w, st, _ in blames) or "0"
        names = " + ".join(f"w({b})·sensitivity({b.split('→')[1]})" for b, *_ in blames)
        lines.append(f"  error({t}) = Σ blame = {names or '0'}")
        lines.append(f"            = {terms} = {num(n['target_error'])}")
    if not n.get("fused") and n.get("target_activation") != "softmax":
        act = n.get("target_activation", "")
        formula, numbers = SLOPES.get(act, (f"{act}′(net)", None))
        subst = f" = {numbers(n['target_value'])}" if numbers else ""
        lines.append(f"  activation′ = {formula}{subst} = {num(n['slope'])}  ({act})")
    elif n.get("target_activation") == "softmax" and not n.get("fused"):
        lines.append(f"  sensitivity({t}) = {num(sens_t)}  (through the softmax layer's Jacobian)")
    lines.append(
        f"blame sent back to {s} = weight × sensitivity({t}) = {num(n['weight'])} × {num(sens_t)}"
        f" = {num(n['blame'])}"
    )
    if n["stage"] == "updated":
        grad = "∂E/∂w" if not n.get("batch") else "gradient (the batch's)"
        if n.get("momentum_term"):
            lines.append(
                f"new weight = weight + momentum term − rate × {grad} = {num(n['old'])} + "
                f"{num(n['momentum_term'])} − {n['rate']:g} × {num(n['gradient'])}"
                f" = {num(n['new'])}"
            )
        else:
            lines.append(
                f"new weight = weight − rate × {grad} = {num(n['old'])} − {n['rate']:g} × "
                f"{num(n['gradient'])} = {num(n['new'])}"
            )
    elif n.get("frozen"):
        lines.append("this link is frozen: its weight never changes")
    else:
        lines.append("the weight changes in the update phase")
    return lines


def describe(step: object) -> str:
    """One step as one line of text, with its numbers."""
    kind = type(step).__name__
    name = getattr(step, "name", "")
    if kind == "Presented":
        return f"sample {step.sample}: inputs {_vec(step.inputs)}, targets {_vec(step.targets)}"
    if kind == "Delivered":
        link = step.link
        return (
            f"{_link(link)} delivers value = weight × value({link.source.name}) = "
            f"{num(link.weight)} × {num(link.source.value)} = {num(step.value)}"
        )
    if kind == "Fired":
        return f"{name} fires: net = {num(step.net)}, value = {num(step.value)}"
    if kind == "Scored":
        return f"loss E = {num(step.loss)}; output errors {_vec(step.errors)}"
    if kind == "Sensed":
        return f"{name}: error = {num(step.error)}, sensitivity = {num(step.sensitivity)}"
    if kind == "Learned":
        return f"{_link(step.link)}: ∂E/∂w = {num(step.sensitivity)}, blame = {num(step.blame)}"
    if kind == "Updated":
        return f"update {_link(step.link)}: {num(step.old)} → {num(step.new)}"
    if kind == "EpochEnded":
        return f"epoch {step.epoch} ends: mean loss {num(step.loss)}"
    return kind


def _link(link: object) -> str:
    label = getattr(link, "label", None)
    return link.name + (f" ({label})" if label else "")  # type: ignore[attr-defined]


def _vec(xs: Sequence[float]) -> str:
    return "(" + ", ".join(num(x) for x in xs) + ")"


def record(
    net: object,
    data: object,
    max_steps: int = MAX_STEPS,
    **options: object,
) -> dict:
    """Run the scheduler on data step by step, snapshotting the network after every step.

    The network is put back exactly as it was afterwards (every step is undone).
    """
    neurons = list(net.neurons)  # type: ignore[attr-defined]
    links = list(net.links)  # type: ignore[attr-defined]
    n_index = {n: i for i, n in enumerate(neurons)}
    l_index = {link: k for k, link in enumerate(links)}
    options.setdefault("trace", None)
    run = net.scheduler(data, **options)  # type: ignore[attr-defined]
    batch = run.batch_size > 1

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
    weight_at_learn: dict[object, float] = {}
    target_of: dict[object, float | None] = {}
    loss_name = getattr(getattr(net, "loss_function", None), "name", "")
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
                weight_at_learn.clear()
                for o, t in zip(net.outputs, step.targets, strict=False):  # type: ignore[attr-defined]
                    target_of[o] = t
                loss = None
            elif kind in ("Fired", "Sensed"):
                focus = ["neuron", n_index[step.neuron]]
            elif kind in ("Delivered", "Learned", "Updated"):
                focus = ["link", l_index[step.link]]
                if kind == "Learned":
                    weight_at_learn[step.link] = step.link.weight
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
                numbers = _numbers(step, net, weight_at_learn, target_of, loss_name, batch)
                explanations[l_index[step.link]].append([len(frames) - 1, explain(numbers)])
        complete = run.finished
    finally:
        # Put the network back exactly as it was, also when a step failed.
        while True:
            try:
                run.back()
            except LernpyError:  # "nothing to undo": back at the start
                break
    return {
        "neurons": [{"name": n.name, "kind": n.kind} for n in neurons],
        "links": [
            {
                "name": link.name,
                "label": link.label,
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


def _numbers(step, net, weight_at_learn, target_of, loss_name, batch) -> dict:
    link = step.link
    s, t = link.source, link.target
    kind = type(step).__name__
    numbers: dict = {
        "name": link.name,
        "label": link.label,
        "source": s.name,
        "target": t.name,
        "stage": {"Delivered": "delivered", "Learned": "learned", "Updated": "updated"}[kind],
        "weight": weight_at_learn.get(link, link.weight) if kind == "Updated" else link.weight,
        "source_value": s.value,
        "link_value": link.value,
        "frozen": link.frozen,
    }
    if kind == "Updated":
        numbers["weight"] = step.old
    if kind == "Delivered":
        return numbers
    numbers.update(
        target_kind=t.kind,
        target_activation=t.activation.name,
        target_value=t.value,
        target_net=t.net,
        target_error=t.error,
        target_sensitivity=t.sensitivity,
        slope=t.activation.slope(t.net, t.value) if not t.activation.layerwise else None,
        fused=net.fused(t) if hasattr(net, "fused") else False,
        loss=loss_name,
        target_target=target_of.get(t),
        blames=[
            (o.name, weight_at_learn.get(o, o.weight), o.target.sensitivity, o.blame)
            for o in t.outgoing
        ],
        sensitivity=link.sensitivity,
        blame=link.blame,
    )
    if kind == "Learned":
        numbers["weight"] = link.weight
    if kind == "Updated":
        numbers.update(
            old=step.old,
            gradient=step.gradient,
            rate=step.rate,
            momentum_term=step.momentum_term,
            new=step.new,
            batch=batch,
        )
        numbers["weight"] = weight_at_learn.get(link, step.old)
    return numbers


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
    payload = payload.replace("</", "<\\/")  # never close the script element early
    page = PAGE
    for key, value in (
        ("__CSP__", CSP),
        ("__TITLE__", html.escape(title or "lernpy lesson")),
        ("__SUBTITLE__", html.escape(subtitle)),
        ("__SVG__", svg),
        ("__DATA__", payload),
    ):
        page = page.replace(key, value)
    return page


def write_lesson(path: str | os.PathLike, net: object, data: object, **options: object) -> Path:
    """Write lesson_html(...) to path (atomically) and return the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(lesson_html(net, data, **options), encoding="utf-8")
    os.replace(tmp, path)
    return path
