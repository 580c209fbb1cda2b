"""Pictures in the terminal: a compact loss chart and the decision boundary as coloured blocks.

The SVG versions live in lernpy.pictures (standard library only); this module
is where rich comes in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.style import Style
from rich.text import Text

from lernpy.pictures.boundary import Extent, Grid, cell_colour
from lernpy.pictures.curves import _series_of, tick_label

GLYPHS = "•×+o*#"
COLOURS = ("blue", "dark_orange", "green", "magenta", "yellow", "cyan")


def curve_text(
    series: Mapping[str, Sequence[float]],
    width: int = 60,
    height: int = 10,
    log: bool = False,
    x_label: str = "epoch",
    first: Sequence[int] = (),
) -> Text:
    """Several series per epoch as a character chart, each with its own glyph and colour.

    >>> print(curve_text({"train": [1.0, 0.5, 0.25]}, width=12, height=3).plain)
       1 │•
         │      •
    0.25 │           •
         └────────────
          1  epoch   3
         • train 0.25
    """

    def scale(v: float) -> float:
        return math.log10(v) if log else v

    finite = [v for vs in series.values() for v in vs if math.isfinite(v) and (v > 0 or not log)]
    n = max((len(vs) for vs in series.values()), default=0)
    low, high = (scale(min(finite)), scale(max(finite))) if finite else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    grid = [[(" ", "")] * width for _ in range(height)]
    for k, vs in enumerate(series.values()):
        glyph, colour = GLYPHS[k % len(GLYPHS)], COLOURS[k % len(COLOURS)]
        for i, v in enumerate(vs):
            if not math.isfinite(v) or (log and v <= 0):
                continue
            col = round(i / max(n - 1, 1) * (width - 1))
            row = round((high - scale(v)) / (high - low) * (height - 1))
            grid[row][col] = (glyph, colour)
    top = tick_label(10**high if log else high)
    bottom = tick_label(10**low if log else low)
    pad = max(len(top), len(bottom), 4)
    text = Text()
    for r, row in enumerate(grid):
        label = top if r == 0 else bottom if r == height - 1 else ""
        text.append(f"{label:>{pad}} │", style="dim")
        for glyph, colour in row:
            text.append(glyph, style=colour or None)
        text.rstrip()
        text.append("\n")
    text.append(" " * pad + " └" + "─" * width + "\n", style="dim")
    start = first[0] if first else 1  # what counts the points: epochs from 1, or from 0
    left, last = f"{start}", f"{start + n - 1}"
    label = x_label.center(width - len(left) - len(last))
    text.append(" " * (pad + 2) + left + label + last + "\n")
    legend = "  ".join(
        f"{GLYPHS[k % len(GLYPHS)]} {name}"
        + "".join(f" {v:.4g}" for v in [v for v in vs if math.isfinite(v)][-1:])
        for k, (name, vs) in enumerate(series.items())
    )
    text.append(" " * (pad + 1) + legend)
    return text


def history_text(history: object, width: int = 60, height: int = 10) -> Text:
    """The loss (and accuracy, if any) of a History as terminal charts."""
    loss, accuracy = _series_of(history)
    text = Text()
    for title, series in (("loss", loss), ("accuracy", accuracy)):
        if series:
            text.append(f"{title}\n", style="bold")
            text.append_text(curve_text(series, width, height))
            text.append("\n")
    text.rstrip()
    return text


def boundary_text(
    grid: Grid,
    extent: Extent,
    points: Sequence[tuple[float, float, int]] = (),
    low: float = 0.0,
    high: float = 1.0,
) -> Text:
    """A heatmap grid as coloured blocks, two characters per cell, data points as ○ and ●.

    The colour shows the value; a dot pattern marks cells above the middle of
    the scale (with several outputs, the winning class's number), so the
    boundary reads without colour too.
    """
    rows, cols = len(grid), len(grid[0])
    x0, x1, y0, y1 = extent
    marks: dict[tuple[int, int], int] = {}
    for x, y, k in points:
        if x0 <= x <= x1 and y0 <= y <= y1:
            i = min(int((y1 - y) / (y1 - y0) * rows), rows - 1)
            j = min(int((x - x0) / (x1 - x0) * cols), cols - 1)
            marks[(i, j)] = k
    middle = (low + high) / 2
    text = Text()
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            colour = cell_colour(value, low, high)
            if isinstance(value, (int, float)):
                glyphs = "··" if value >= middle else "  "
            else:  # several outputs: the winning class's number, faint
                glyphs = str(max(range(len(value)), key=value.__getitem__) % 10) * 2
            if (i, j) in marks:
                glyph = "●" if marks[(i, j)] % 2 else "○"
                text.append(f"{glyph} ", style=Style(color="black", bgcolor=colour, bold=True))
            else:
                text.append(glyphs, style=Style(color="white", bgcolor=colour))
        text.append("\n")
    text.rstrip()
    return text


def show(text: Text, console: Console | None = None) -> None:
    """Print a terminal picture."""
    (console or Console()).print(text, soft_wrap=True)
