"""Loss and accuracy curves as SVG, from plain lists of numbers or a training History."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

from lernpy import checks
from lernpy.errors import LernpyError
from lernpy.pictures.svg import CLASS_COLOURS, Svg, hex_colour

MAX_POINTS = 1000


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about `count` of them.

    >>> nice_ticks(0.0, 1.0)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def tick_label(x: float) -> str:
    """A short label for a tick value."""
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.0e}"
    return f"{x:.6g}"


SERIES = {
    "loss": ("loss", "train"),
    "train_loss": ("loss", "train"),
    "test_loss": ("loss", "test"),
    "accuracy": ("accuracy", "train"),
    "train_accuracy": ("accuracy", "train"),
    "test_accuracy": ("accuracy", "test"),
}


def _series_of(history: object) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Split a History, a training log or a mapping into loss series and accuracy series.

    Missing values (None) become NaN, which the charts leave out.

    >>> _series_of({"loss": [0.5, 0.4], "test_loss": [None, 0.6], "accuracy": [None, None]})
    ({'train': [0.5, 0.4], 'test': [nan, 0.6]}, {})
    """
    if isinstance(history, Mapping):
        items = dict(history)
    else:
        items = {name: getattr(history, name, None) for name in SERIES}
    out: dict[str, dict[str, list[float]]] = {"loss": {}, "accuracy": {}}
    for key, values in items.items():
        if key not in SERIES or values is None:
            continue
        values = checks.items(values, f"history's {key}", "numbers (one per epoch)")
        if not values or all(v is None for v in values):
            continue
        panel_name, series = SERIES[key]
        numbers = [math.nan if v is None else _number(v, key) for v in values]
        out[panel_name].setdefault(series, numbers)
    return out["loss"], out["accuracy"]


def _number(value: object, key: str) -> float:
    """A number of a series (NaN and infinities are left out of the chart, not refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise LernpyError(f"history's {key} holds {checks.short(value)}: expected numbers")
    try:
        return float(value)
    except (OverflowError, ValueError):
        return math.nan


def panel(
    doc: Svg,
    series: Mapping[str, Sequence[float]],
    left: float,
    top: float,
    width: float,
    height: float,
    title: str,
    log: bool = False,
    bounds: tuple[float, float] | None = None,
    x_label: str = "epoch",
    first: float = 1.0,
) -> None:
    """Draw one chart of several series (x = first, first + 1, …) into doc at the given box."""
    values = [v for vs in series.values() for v in vs if math.isfinite(v) and (v > 0 or not log)]
    n = max((len(vs) for vs in series.values()), default=0)
    if bounds is not None:
        low, high = bounds
    elif values:
        low, high = min(values), max(values)
    else:
        low, high = 0.0, 1.0

    def scale(v: float) -> float:
        return math.log10(v) if log else v

    y0, y1 = scale(low), scale(high)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    if not log and bounds is None:
        if y0 >= 0 and title in ("loss", "accuracy"):
            y0 = 0.0  # a loss is never negative: start the axis at 0
        ticks = nice_ticks(y0, y1)
        if ticks[-1] < y1:  # end on a tick above the highest value
            ticks.append(round(2 * ticks[-1] - ticks[-2], 12) if len(ticks) > 1 else y1)
        y0, y1 = min(y0, ticks[0]), max(y1, ticks[-1])
    else:
        ticks = [float(t) for t in range(math.ceil(y0), math.floor(y1) + 1)] if log else []
        ticks = ticks or nice_ticks(y0, y1)
    x0, x1 = first, first + float(max(n - 1, 1))
    px0, px1 = left + 52.0, left + width - 10.0
    py0, py1 = top + height - 28.0, top + 24.0  # y grows downwards

    def to_x(x: float) -> float:
        return px0 + (x - x0) / (x1 - x0) * (px1 - px0)

    def to_y(v: float) -> float:
        return py0 + (scale(v) - y0) / (y1 - y0) * (py1 - py0)

    doc.open_group(
        class_="chart",
        data_title=title,
        data_x0=x0,
        data_x1=x1,
        data_y0=repr(y0),
        data_y1=repr(y1),
        data_px0=px0,
        data_px1=px1,
        data_py0=py0,
        data_py1=py1,
        data_log="true" if log else "false",
    )
    doc.text(left + 4, top + 14, title, font_size=13, font_weight="bold")
    doc.rect(px0, py1, px1 - px0, py0 - py1, fill="#ffffff", stroke="#9ca3af", class_="frame")
    for t in ticks:
        y = py0 + (t - y0) / (y1 - y0) * (py1 - py0)
        if py1 - 0.5 <= y <= py0 + 0.5:
            doc.line(px0, y, px1, y, stroke="#e5e7eb", class_="grid")
            label = tick_label(10**t if log else t)
            doc.text(px0 - 5, y + 4, label, anchor="end", font_size=10, class_="ytick")
    for t in nice_ticks(x0, x1, 6):
        if t == int(t) and x0 <= t <= x1:
            doc.text(to_x(t), py0 + 14, str(int(t)), anchor="middle", font_size=10, class_="xtick")
    doc.text((px0 + px1) / 2, py0 + 26, x_label, anchor="middle", font_size=10)
    # The legend goes in the top right corner, unless the curves end up there.
    tail = [
        scale(v)
        for vs in series.values()
        for v in vs[-max(1, len(vs) // 4) :]
        if math.isfinite(v) and (v > 0 or not log)
    ]
    high_end = bool(tail) and sum(tail) / len(tail) > (y0 + y1) / 2
    legend_top = py0 - 8 - 14 * len(series) if high_end else py1
    for k, (name, vs) in enumerate(series.items()):
        colour = hex_colour(CLASS_COLOURS[k % len(CLASS_COLOURS)])
        stride = max(1, math.ceil(len(vs) / MAX_POINTS))
        idx = list(range(0, len(vs), stride))
        if idx and idx[-1] != len(vs) - 1:
            idx.append(len(vs) - 1)
        pts = [
            (to_x(i + first), to_y(vs[i]))
            for i in idx
            if math.isfinite(vs[i]) and (vs[i] > 0 or not log)
        ]
        dash = None if k == 0 else "6 3"  # style as well as colour tells the series apart
        doc.polyline(
            pts,
            stroke=colour,
            stroke_width=2,
            stroke_dasharray=dash,
            class_="series",
            data_name=name,
            data_stride=stride,
        )
        lx = px1 - 110
        ly = legend_top + 14 + 14 * k
        doc.line(lx, ly - 4, lx + 18, ly - 4, stroke=colour, stroke_width=2, stroke_dasharray=dash)
        finite = [v for v in vs if math.isfinite(v)]
        last = f" {finite[-1]:.4g}" if finite else ""
        doc.text(lx + 22, ly, f"{name}{last}", font_size=10, class_="legend")
        if len(series) == 1 and len(vs) <= 1:  # one point makes no line: mark it
            for x, y in pts:
                doc.circle(x, y, 3, fill=colour, class_="point")
    doc.close_group()


def curves_svg(
    history: object,
    width: float = 520,
    height: float = 240,
    log: bool = False,
) -> str:
    """Loss (and accuracy, if recorded) per epoch as one SVG.

    `history` is a History (with .loss and perhaps .test_loss, .accuracy,
    .test_accuracy) or a mapping such as {"loss": [...], "test_loss": [...]}.

    >>> svg = curves_svg({"loss": [0.3, 0.2, 0.15], "test_loss": [0.35, 0.3, 0.28]})
    >>> svg.count('class="series"')
    2
    """
    loss, accuracy = _series_of(history)
    panels = [p for p in (("loss", loss), ("accuracy", accuracy)) if p[1]]
    doc = Svg(width, height * max(len(panels), 1), class_="lernpy-curves")
    for k, (title, series) in enumerate(panels):
        bounds = (0.0, 1.0) if title == "accuracy" else None
        panel(doc, series, 0, k * height, width, height, title, log and title == "loss", bounds)
    return doc.to_string()


def series_svg(series: object, width: float = 520, height: float = 240) -> str:
    """One :class:`~lernpy.walk.series.Series` (a weight per epoch, a sensitivity per sample).

    >>> from lernpy.walk.series import Series
    >>> svg = series_svg(Series("weight of h1→o1 (w5)", [0.4, 0.36, 0.32], start=0))
    >>> svg.count('class="series"'), 'data-title="weight of h1→o1 (w5)"' in svg
    (1, True)
    """
    name = getattr(series, "name", "series")
    values = [float(v) for v in getattr(series, "values", series)]  # type: ignore[arg-type]
    xs = getattr(series, "x", None) or [0]
    doc = Svg(width, height, class_="lernpy-curves series")
    label = getattr(series, "x_label", "epoch")
    what = name.split(" of ")[0]
    panel(doc, {what: values}, 0, 0, width, height, name, x_label=label, first=float(xs[0]))
    return doc.to_string()
