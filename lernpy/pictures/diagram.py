"""The network as a diagram: neurons in columns, links coloured by sign, wide for big |weight|.

The links of one shared weight are drawn alike (same weight: same colour and
width), labelled with the shared weight's name, and carry it in ``data-shared``.

>>> from lernpy import examples
>>> svg = diagram_svg(examples.mazur(), annotate="weight", highlight="w5")
>>> svg.count('class="neuron '), svg.count('class="link ')
(8, 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from lernpy import checks
from lernpy.errors import LernpyError, UnknownNameError
from lernpy.graph.names import link_name
from lernpy.graph.network import Network
from lernpy.pictures.layout import FONT, Box, Layout, layout, text_box
from lernpy.pictures.svg import Svg, fmt, sign_colour

MAX_NEURONS = 40
LABEL_LIMIT = 40  # above this many links, link labels are left out (each link has a tooltip)
INSIDE = 3  # a name of at most this many characters is written inside its circle
HIGHLIGHT = "#facc15"
ANNOTATIONS = ("weight", "sensitivity", "update")
MIN_WIDTH, MAX_WIDTH = 0.8, 6.0


class _Neuron(Protocol):
    name: str
    kind: str
    net: float
    value: float
    error: float
    sensitivity: float


class _Link(Protocol):
    source: _Neuron
    target: _Neuron
    weight: float
    sensitivity: float
    frozen: bool
    label: str | None


def link_width(weight: float, biggest: float) -> float:
    """Stroke width for a weight: from MIN_WIDTH at 0 to MAX_WIDTH at the largest |weight|.

    >>> link_width(0.0, 2.0), link_width(2.0, 2.0), link_width(-1.0, 2.0)
    (0.8, 6.0, 3.4)
    """
    if biggest <= 0:
        return MIN_WIDTH
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * min(abs(weight) / biggest, 1.0), 3)


def number(x: float, digits: int = 4) -> str:
    """A short number for a label: 4 significant digits, a real minus sign."""
    text = f"{x + 0.0:.{digits}g}"  # + 0.0: a negative zero prints as 0
    return text.replace("-", "−")


def last_updates(net: object) -> dict[str, tuple[float, float]]:
    """(old, new) weight of each link's last recorded update, from the network's trace."""
    trace = getattr(net, "trace", None)
    out: dict[str, tuple[float, float]] = {}
    for step in trace or ():
        if type(step).__name__ == "Updated":  # a link's, or a shared weight's (by its name)
            out[step.link.name] = (step.old, step.new)
    return out


def shared_name(link: _Link) -> str | None:
    """The name of the shared weight a link uses, if any."""
    shared = getattr(link, "shared", None)
    return shared.name if shared is not None else None


def _link_label(link: _Link, annotate: str, updates: Mapping[str, tuple[float, float]]) -> str:
    # The legend says what the number is; the label stays short so labels fit.
    name = shared_name(link) or link.label
    prefix = f"{name} " if name else ""
    if annotate == "weight":
        return f"{prefix}{number(link.weight)}"
    if annotate == "sensitivity":
        return f"{prefix}{number(link.sensitivity)}"
    key = shared_name(link) or link.name  # a shared weight's update moves all its links
    if key not in updates:
        return ""
    old, new = updates[key]
    return f"{prefix}{number(new - old)}"


LABEL_MEANING = {
    "weight": "link labels: weight",
    "sensitivity": "link labels: ∂E/∂w (the link's sensitivity); δ under a neuron: ∂E/∂net",
    "update": "link labels: Δw of the link's last update",
}


def network_layout(net: object) -> Layout:
    """The layout of a network's neurons (columns by depth, biases at the bottom).

    Long names (a data file's columns and classes) are written beside the first
    and last columns, so the picture grows to hold them.
    """
    neurons = list(net.neurons)  # type: ignore[attr-defined]
    names = [n.name for n in neurons]
    kinds = {n.name: n.kind for n in neurons}
    edges = [(link.source.name, link.target.name) for link in net.links]  # type: ignore[attr-defined]
    feeds = {s for s, _ in edges}
    left = max((len(n.name) for n in neurons if n.kind == "input"), default=0)
    right = max(
        (len(n.name) for n in neurons if n.name not in feeds and n.kind != "bias"), default=0
    )
    room = 0.62 * 12  # a character of a 12-pixel name (text_box's estimate)
    return layout(
        names,
        kinds,
        edges,
        left=room * left if left > INSIDE else 0.0,
        right=room * right if right > INSIDE else 0.0,
    )


def diagram_svg(
    net: object,
    annotate: str | None = None,
    highlight: str | None = None,
    values: bool = True,
    max_neurons: int = MAX_NEURONS,
    title: str | None = None,
    label_room: int = 0,
    labels: bool | None = None,
) -> str:
    """The network as an SVG diagram.

    annotate: label each link with its "weight", its "sensitivity" (∂E/∂w) or
    its last "update" (Δw, from the network's trace). highlight: the name or
    label of one link or neuron to mark. values: show each neuron's value.
    labels: draw the link labels (None: only up to LABEL_LIMIT links; hovering a
    link shows its numbers either way). Networks with more than max_neurons
    neurons (biases not counted) are drawn as one box per layer instead.
    label_room: keep room for link labels of at least this many characters (for
    pages that change the labels later).
    """
    check_network(net)
    if annotate is not None:
        annotate = checks.choice(annotate, "annotate", ANNOTATIONS)
    if highlight is not None:
        highlight = checks.text(highlight, "highlight")
    if title is not None:
        title = checks.text(title, "title")
    values = checks.flag(values, "values")
    max_neurons = checks.whole(max_neurons, "max_neurons", low=1)
    label_room = checks.whole(label_room, "label_room", low=0, high=1000)
    neurons = list(net.neurons)  # type: ignore[attr-defined]
    links = list(net.links)  # type: ignore[attr-defined]
    chosen = _resolve(net, highlight)
    chosen_shared = getattr(chosen, "name", None) if hasattr(chosen, "links") else None
    if sum(n.kind != "bias" for n in neurons) > max_neurons:
        return summary_svg(net, title=title)
    lay = network_layout(net)
    if labels is None:
        labels = len(links) <= LABEL_LIMIT
    header = 30.0
    legend = 48.0 if annotate else 34.0
    doc = Svg(lay.width, lay.height + header + legend, class_="lernpy-diagram")
    doc.text(10, 20, title or _describe(net), font_size=13, font_weight="bold", class_="title")
    doc.open_group(transform=f"translate(0,{fmt(header)})")
    biggest = max((abs(link.weight) for link in links), default=0.0)
    updates = last_updates(net) if annotate == "update" else {}
    r = lay.radius
    # Everything a link label must not cover: the neurons and their own labels.
    for n in neurons:
        x, y = lay.positions[n.name]
        lay.placed.append(Box(x - r - 2, y - r - 2, x + r + 2, y + r + 2))
        nx, anchor = _name_spot(n, x, r, lay)
        if anchor != "middle":
            lay.placed.append(text_box(nx, y + 4, n.name, size=12, anchor=anchor))
        if values:
            for k, line in enumerate(_neuron_lines(n, annotate)):
                lay.placed.append(text_box(x, y + r + 12 + 12 * k, line, size=10))

    # links first, so neurons sit on top of their ends
    doc.open_group(class_="links")
    for index, link in enumerate(links):
        width = link_width(link.weight, biggest)
        shape = _link_shape(lay, link)
        shared = shared_name(link)
        tip = (
            f"{link.name}{f' ({link.label})' if link.label else ''}: weight {link.weight!r}, "
            f"∂E/∂w {link.sensitivity!r}{', frozen' if link.frozen else ''}"
            + (f", one of the links of the shared weight {shared}" if shared else "")
        )
        marked = chosen is link or (shared is not None and chosen_shared == shared)
        if marked:
            doc.add(
                *shape[:1],
                **shape[1],
                stroke=HIGHLIGHT,
                stroke_width=round(width + 7, 3),
                fill="none",
                stroke_linecap="round",
                class_="highlight",
                data_name=link.name,
            )
        doc.add(
            shape[0],
            title=tip,
            **shape[1],
            stroke=sign_colour(link.weight),
            stroke_width=width,
            stroke_dasharray="5 3" if link.weight < 0 else None,
            stroke_opacity=0.45 if link.frozen else 0.9,
            fill="none",
            class_="link "
            + ("positive" if link.weight >= 0 else "negative")
            + (" frozen" if link.frozen else "")
            + (" shared" if shared else "")
            + (" highlighted" if marked else ""),
            id=f"link-{index}",
            data_name=link.name,
            data_label=link.label,
            data_shared=shared,
            data_source=link.source.name,
            data_target=link.target.name,
            data_weight=repr(link.weight),
            data_sensitivity=repr(link.sensitivity),
        )
    doc.close_group()

    doc.open_group(class_="neurons")
    for index, n in enumerate(neurons):
        x, y = lay.positions[n.name]
        if chosen is n:
            doc.circle(x, y, r + 6, fill=HIGHLIGHT, class_="highlight", data_name=n.name)
        fill = {"input": "#f3f4f6", "bias": "#e5e7eb"}.get(n.kind, "#ffffff")
        tip = f"{n.name} ({n.kind}): value {n.value!r}"
        if n.kind not in ("input", "bias"):
            tip += f", net {n.net!r}, error {n.error!r}, sensitivity {n.sensitivity!r}"
        doc.circle(
            x,
            y,
            r,
            title=tip,
            fill=fill,
            stroke="#111827",
            stroke_width=1.5,
            stroke_dasharray="3 2" if n.kind == "bias" else None,
            class_=f"neuron {n.kind}" + (" highlighted" if chosen is n else ""),
            id=f"neuron-{index}",
            data_name=n.name,
            data_value=repr(n.value),
        )
        nx, anchor = _name_spot(n, x, r, lay)
        doc.text(
            nx,
            y + 4,
            n.name,
            anchor=anchor,
            font_size=12,
            font_weight="bold",
            class_="neuron-name",
            data_name=n.name,
        )
        if values:
            for k, line in enumerate(_neuron_lines(n, annotate)):
                doc.text(
                    x,
                    y + r + 12 + 12 * k,
                    line,
                    anchor="middle",
                    font_size=10,
                    class_="neuron-value" if k == 0 else "neuron-sensitivity",
                    stroke="#ffffff",  # a white halo keeps the number legible over links
                    stroke_width=3,
                    paint_order="stroke",
                    id=f"nv{k}-{index}",
                    data_name=n.name,
                )
    doc.close_group()

    left_out = 0
    if annotate and not labels:
        left_out = len(links)
    elif annotate:
        doc.open_group(class_="link-labels", font_size=FONT)
        for index, link in enumerate(links):
            text = _link_label(link, annotate, updates)
            if not text:
                continue
            room = text.center(max(len(text), label_room))
            spot = lay.place_label(link.source.name, link.target.name, room)
            if spot is None:
                left_out += 1  # no room: the link's tooltip still has its numbers
                continue
            x, y = spot
            box = text_box(x, y + FONT / 3, text)
            doc.rect(
                round(box.left, 2),
                round(box.top, 2),
                round(box.right - box.left, 2),
                round(box.bottom - box.top, 2),
                fill="#ffffff",
                fill_opacity=0.85,
                rx=2,
                class_="link-label-bg",
                id=f"lb-{index}",
            )
            doc.text(
                round(x, 2),
                round(y + FONT / 3, 2),
                text,
                anchor="middle",
                fill=sign_colour(link.weight if annotate == "weight" else 1.0),
                class_="link-label",
                id=f"ll-{index}",
                data_name=link.name,
            )
        doc.close_group()
    doc.close_group()
    meaning = LABEL_MEANING.get(annotate or "")
    if left_out == len(links) and not labels:
        meaning = f"{meaning}: left out for {len(links)} links (hover a link for its numbers)"
    elif left_out:
        meaning = f"{meaning} ({left_out} left out for room: hover a link for its numbers)"
    shared_count = len({shared_name(link) for link in links} - {None})
    if shared_count:
        alike = f"{shared_count} shared weights: the links of one share its name, colour and width"
        meaning = f"{meaning}; {alike}" if meaning else alike
    _legend(doc, 10, header + lay.height + 12, meaning)
    return doc.to_string()


def check_network(net: object) -> None:
    """A picture is of a lernpy Network: anything else is a LernpyError."""
    if not isinstance(net, Network):
        raise LernpyError(f"expected a Network to draw, got {checks.short(net)}")


def _resolve(net: object, name: str | None) -> object | None:
    if name is None:
        return None
    for n in net.neurons:  # type: ignore[attr-defined]
        if n.name == name:
            return n
    key = link_name(name)
    for link in net.links:  # type: ignore[attr-defined]
        if key in (link.name, link.label):
            return link
    for shared in getattr(net, "shared_weights", ()):  # a shared weight: all its links
        if shared.name == name:
            return shared
    raise UnknownNameError(
        f"nothing named {checks.short(name)} to highlight: expected a neuron or link name"
    )


def _name_spot(n: _Neuron, x: float, r: float, lay: Layout) -> tuple[float, str]:
    """Where a neuron's name goes: inside a short one's circle, else beside its column."""
    if len(n.name) <= INSIDE:
        return x, "middle"
    if lay.column_of.get(n.name, 0) == 0:
        return x - r - 5, "end"  # an input: to the left
    if lay.column_of.get(n.name) == len(lay.columns) - 1:
        return x + r + 5, "start"  # an output: to the right
    return x, "middle"  # a long hidden name: across its circle


def _link_shape(lay: Layout, link: _Link) -> tuple[str, dict]:
    # A link between neighbouring columns is a <line>; a skip link a <path> in its lane.
    d = lay.route(link.source.name, link.target.name)
    if not lay.is_skip(link.source.name, link.target.name):
        x1, y1, x2, y2 = (float(v) for v in d.split() if v not in ("M", "L"))
        return "line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2}
    return "path", {"d": d}


def _neuron_lines(n: _Neuron, annotate: str | None) -> list[str]:
    if n.kind == "bias":
        return ["1"]
    lines = [f"{n.value:.6g}".replace("-", "−")]
    if annotate == "sensitivity" and n.kind != "input":
        lines.append(f"δ {number(n.sensitivity)}")
    return lines


def _describe(net: object) -> str:
    sizes = "-".join(str(len(layer)) for layer in getattr(net, "layers", []) or [])
    loss = getattr(getattr(net, "loss_function", None), "name", "")
    return f"network {sizes}" + (f", loss {loss}" if loss else "")


def _legend(doc: Svg, x: float, y: float, extra: str | None = None) -> None:
    doc.open_group(class_="legend", font_size=10)
    doc.line(x, y, x + 24, y, stroke=sign_colour(1), stroke_width=3)
    doc.text(x + 28, y + 4, "positive weight")
    doc.line(x + 120, y, x + 144, y, stroke=sign_colour(-1), stroke_width=3, stroke_dasharray="5 3")
    doc.text(x + 148, y + 4, "negative weight (dashed)")
    doc.text(
        x, y + 18, "width grows with |weight|; pale: frozen; dashed circle: bias neuron (value 1)"
    )
    if extra:
        doc.text(x, y + 32, extra, class_="legend-labels")
    doc.close_group()


def summary_svg(net: object, title: str | None = None) -> str:
    """A large network summarised: one box per column of neurons, one band per bundle of links."""
    lay = network_layout(net)
    neurons = list(net.neurons)  # type: ignore[attr-defined]
    links = list(net.links)  # type: ignore[attr-defined]
    kinds = {n.name: n for n in neurons}
    columns = [[kinds[name] for name in col if kinds[name].kind != "bias"] for col in lay.columns]
    bundles: dict[tuple[int, int], list] = {}
    for link in links:
        if link.source.kind == "bias":
            continue
        key = (lay.column_of[link.source.name], lay.column_of[link.target.name])
        bundles.setdefault(key, []).append(link)
    gap, box_w, box_h, top = 200.0, 120.0, 150.0, 90.0
    width = 40 + len(columns) * gap
    doc = Svg(width, top + box_h + 120, class_="lernpy-diagram summary")
    heading = title or _describe(net)
    doc.text(
        10,
        20,
        f"{heading} — {len(neurons)} neurons, summarised per layer",
        font_size=13,
        font_weight="bold",
        class_="title",
    )
    centre = {c: 30 + c * gap + box_w / 2 for c in range(len(columns))}
    for (a, b), group in sorted(bundles.items()):
        x1, x2 = centre[a] + box_w / 2, centre[b] - box_w / 2
        mean = sum(abs(link.weight) for link in group) / len(group)
        positive = sum(link.weight > 0 for link in group) / len(group)
        y = top + box_h / 2
        shape = "line"
        attrs: dict = {"x1": x1, "y1": y, "x2": x2, "y2": y}
        if b - a != 1:
            shape = "path"
            bow = top - 30 - 10 * (b - a)
            attrs = {
                "d": f"M {fmt(x1)} {fmt(top)} Q {fmt((x1 + x2) / 2)} {fmt(bow)} "
                f"{fmt(x2)} {fmt(top)}"
            }
        doc.add(
            shape,
            title=f"{len(group)} links",
            **attrs,
            stroke=sign_colour(positive - 0.5),
            stroke_width=round(2 + 10 * min(positive, 1 - positive) + 4, 2),
            stroke_opacity=0.5,
            fill="none",
            class_="bundle",
            data_links=len(group),
            data_mean_abs_weight=repr(mean),
            data_positive=repr(positive),
        )
        label_y = y - 10 if b - a == 1 else top - 14 - 10 * (b - a)
        doc.text((x1 + x2) / 2, label_y, f"{len(group)} links", anchor="middle", font_size=10)
        doc.text(
            (x1 + x2) / 2,
            label_y + 24 if b - a == 1 else label_y - 12,
            f"mean |w| {mean:.3g}, {positive:.0%} +",
            anchor="middle",
            font_size=10,
        )
    for c, column in enumerate(columns):
        x = centre[c] - box_w / 2
        acts = sorted({n.activation.name for n in column if n.kind not in ("input",)})
        kinds_here = sorted({n.kind for n in column})
        doc.rect(
            x,
            top,
            box_w,
            box_h,
            rx=8,
            fill="#f9fafb",
            stroke="#111827",
            class_="layer",
            data_count=len(column),
            data_column=c,
            data_kinds=" ".join(kinds_here),
        )
        doc.text(
            centre[c],
            top + 30,
            "/".join(kinds_here),
            anchor="middle",
            font_size=12,
            font_weight="bold",
        )
        doc.text(centre[c], top + 60, f"{len(column)} neurons", anchor="middle", font_size=12)
        if acts:
            doc.text(centre[c], top + 80, "/".join(acts), anchor="middle", font_size=10)
        values = [n.value for n in column]
        if values:
            doc.text(
                centre[c],
                top + 100,
                f"values {min(values):.3g} … {max(values):.3g}",
                anchor="middle",
                font_size=10,
            )
        first, last = column[0].name if column else "", column[-1].name if column else ""
        doc.text(centre[c], top + 120, f"{first} … {last}", anchor="middle", font_size=10)
    _legend(doc, 10, top + box_h + 50)
    return doc.to_string()
