"""Terminal pictures: the loss chart and the boundary blocks."""

from __future__ import annotations

import io
import math

from rich.console import Console

from lernpy.pictures.boundary import sample_grid
from lernpy.views.charts import boundary_text, curve_text, history_text, show


def test_falling_loss_falls_on_the_chart_and_the_legend_gives_the_last_value():
    """A decreasing series starts in the top row, ends in the bottom row and never climbs."""
    loss = [1 / (1 + k) for k in range(40)]
    lines = curve_text({"train": loss}, width=40, height=8).plain.splitlines()
    rows = lines[:8]
    cols = {}
    for r, line in enumerate(rows):
        body = line.split("│", 1)[1]
        for c, ch in enumerate(body):
            if ch == "•":
                cols.setdefault(c, r)
    order = [cols[c] for c in sorted(cols)]
    assert order[0] == 0 and order[-1] == 7
    assert order == sorted(order)
    assert rows[0].split("│")[0].strip() == "1" and rows[-1].split("│")[0].strip() == "0.025"
    assert "train 0.025" in lines[-1]


def test_train_and_test_use_different_glyphs():
    """Two series are told apart by glyph, not only by colour."""
    text = history_text({"loss": [0.5, 0.4], "test_loss": [0.6, 0.5]}, width=10, height=4).plain
    assert "•" in text and "×" in text and "• train 0.4" in text and "× test 0.5" in text


def f(x: float, y: float) -> float:
    return 1 / (1 + math.exp(-4 * (x * x + y * y - 1)))


def test_boundary_blocks_mark_the_upper_half_and_the_data():
    """Cells at or above the middle of the scale carry dots; data points show as ○ and ●."""
    extent = (-2.0, 2.0, -2.0, 2.0)
    grid = sample_grid(f, extent, 10)
    text = boundary_text(grid, extent, [(0.1, 0.1, 0), (1.9, 1.9, 1)])
    lines = text.plain.splitlines()
    assert len(lines) == 10 and all(len(line) == 20 for line in lines)
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            cell = lines[i][2 * j : 2 * j + 2]
            if cell[0] in "○●":
                continue
            assert cell == ("··" if v >= 0.5 else "  ")
    assert lines[0][18] == "●" and lines[4][10] == "○"
    console = Console(file=io.StringIO(), color_system="truecolor", width=40, force_terminal=True)
    show(text, console)
    assert "48;2;" in console.file.getvalue()  # cells are coloured blocks


def test_several_outputs_print_the_winning_class():
    """With one value per class, each cell shows the number of the class that wins there."""
    grid = [[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], [[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]]
    lines = boundary_text(grid, (0.0, 1.0, 0.0, 1.0)).plain.splitlines()
    assert lines == ["0022", "1100"]
