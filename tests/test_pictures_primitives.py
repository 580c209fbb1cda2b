"""Curves, heatmaps and the layout, checked by reading the SVG back."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from pytest import approx
from svgparse import by_class, is_blue, is_orange, parse, points

from lernpy.pictures.boundary import cell_centre, heatmap_svg, sample_grid
from lernpy.pictures.curves import curves_svg
from lernpy.pictures.layout import RADIUS, depths, layout


def values_back(chart, line) -> list[float]:
    """Map a polyline's pixels back to data through the chart's stated axes."""
    y0, y1 = float(chart.get("data-y0")), float(chart.get("data-y1"))
    py0, py1 = float(chart.get("data-py0")), float(chart.get("data-py1"))
    log = chart.get("data-log") == "true"
    out = []
    for _, py in points(line):
        v = y0 + (py - py0) / (py1 - py0) * (y1 - y0)
        out.append(10**v if log else v)
    return out


def test_curve_points_map_back_to_the_numbers_given():
    """Every point of each series reads back as its value, epochs evenly spaced."""
    train = [1.0 / (1 + 0.3 * k) for k in range(30)]
    test = [t * 1.1 + 0.01 for t in train]
    root = parse(curves_svg({"loss": train, "test_loss": test}))
    (chart,) = by_class(root, "chart")
    lines = by_class(chart, "series")
    assert [e.get("data-name") for e in lines] == ["train", "test"]
    for line, series in zip(lines, (train, test), strict=True):
        assert values_back(chart, line) == approx(series, abs=1e-3)
        xs = [x for x, _ in points(line)]
        steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        assert all(s == approx(steps[0], abs=2e-3) and s > 0 for s in steps)
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[1].get("stroke-dasharray")  # told apart by dashes, not colour alone


def test_log_scale_curve_reads_back():
    """On a log axis the points still read back as the values."""
    loss = [10 ** (-k / 5) for k in range(20)]
    root = parse(curves_svg({"loss": loss}, log=True))
    (chart,) = by_class(root, "chart")
    (line,) = by_class(chart, "series")
    assert values_back(chart, line) == approx(loss, rel=1e-2)


def test_accuracy_gets_its_own_panel_from_0_to_1():
    """A history with accuracy draws a second chart fixed to [0, 1]."""

    class History:
        loss = [0.5, 0.3, 0.2]
        accuracy = [0.5, 0.75, 1.0]

    root = parse(curves_svg(History()))
    charts = by_class(root, "chart")
    assert [c.get("data-title") for c in charts] == ["loss", "accuracy"]
    (line,) = by_class(charts[1], "series")
    assert values_back(charts[1], line) == approx(History.accuracy, abs=1e-3)
    assert float(charts[1].get("data-y0")) == 0.0 and float(charts[1].get("data-y1")) == 1.0


def f(x: float, y: float) -> float:
    """A stand-in 'network': high in the upper right, low in the lower left."""
    return 1 / (1 + math.exp(-3 * (x + y)))


def test_heatmap_cells_show_the_function_at_their_centres():
    """Each cell sits where its input is, holds f there, and is blue when high, orange when low."""
    extent = (-2.0, 2.0, -1.0, 3.0)
    n = 12
    root = parse(heatmap_svg(sample_grid(f, extent, n), extent, [(1.0, 2.0, 1), (-1.5, -0.5, 0)]))
    (group,) = by_class(root, "heatmap")
    cells = by_class(group, "cell")
    assert len(cells) == n * n
    left, top = float(group.get("data-left")), float(group.get("data-top"))
    size = float(group.get("data-size"))
    x0, x1, y0, y1 = map(float, group.get("data-extent").split())
    for cell in cells:
        cx = float(cell.get("x")) + float(cell.get("width")) / 2
        cy = float(cell.get("y")) + float(cell.get("height")) / 2
        x = x0 + (cx - left) / size * (x1 - x0)
        y = y1 - (cy - top) / size * (y1 - y0)
        expected = f(x, y)
        assert float(cell.get("data-value")) == approx(expected, abs=1e-3)
        if expected > 0.7:
            assert is_blue(cell.get("fill"))
        if expected < 0.3:
            assert is_orange(cell.get("fill"))
    marks = by_class(group, "point")
    assert [(float(m.get("data-x")), float(m.get("data-y"))) for m in marks] == [
        (1.0, 2.0),
        (-1.5, -0.5),
    ]
    assert {m.tag.split("}")[1] for m in marks} == {"circle", "rect"}  # shape tells class


def test_cell_centres_run_left_to_right_top_to_bottom():
    """Row 0 is the top of the plane, column 0 its left edge."""
    assert cell_centre((0, 4, 0, 2), 2, 4, 0, 0) == (0.5, 1.5)
    assert cell_centre((0, 4, 0, 2), 2, 4, 1, 3) == (3.5, 0.5)


MAZUR_NODES = ["i1", "i2", "b1", "h1", "h2", "b2", "o1", "o2"]
MAZUR_KINDS = dict(i1="input", i2="input", b1="bias", h1="hidden", h2="hidden", b2="bias")
MAZUR_KINDS |= dict(o1="output", o2="output")
MAZUR_EDGES = [(s, t) for t in ("h1", "h2") for s in ("i1", "i2", "b1")] + [
    (s, t) for t in ("o1", "o2") for s in ("h1", "h2", "b2")
]


def test_layered_network_gets_one_column_per_layer_biases_at_the_bottom():
    """Inputs, hidden, outputs in columns; each bias under the layer before the one it feeds."""
    lay = layout(MAZUR_NODES, MAZUR_KINDS, MAZUR_EDGES)
    assert lay.columns == [["i1", "i2", "b1"], ["h1", "h2", "b2"], ["o1", "o2"]]
    assert lay.positions["h1"][1] < lay.positions["h2"][1] < lay.positions["b2"][1]
    assert not any(lay.is_skip(s, t) for s, t in MAZUR_EDGES)


def test_skip_link_runs_in_a_lane_above_the_neurons_it_jumps():
    """x1→y1 past two hidden layers runs above every neuron, and outputs stay last."""
    nodes = ["x1", "h1", "h2", "y1"]
    kinds = dict(x1="input", h1="hidden", h2="hidden", y1="output")
    edges = [("x1", "h1"), ("h1", "h2"), ("h2", "y1"), ("x1", "y1")]
    lay = layout(nodes, kinds, edges)
    assert depths(nodes, kinds, edges) == dict(x1=0, h1=1, h2=2, y1=3)
    assert lay.is_skip("x1", "y1") and not lay.is_skip("x1", "h1")
    path = lay.polyline("x1", "y1")
    assert path[0] == lay.positions["x1"] and path[-1] == approx(lay.positions["y1"])
    for name in ("h1", "h2"):  # where the link passes a neuron's column, it is above it
        x, y = lay.positions[name]
        passing = [
            a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
            for a, b in zip(path, path[1:], strict=False)
            if a[0] <= x <= b[0] and b[0] > a[0]
        ]
        assert passing and max(passing) < y - RADIUS - 5
    assert all(0 < py < lay.height for _, py in path)
    assert all(0 < x < lay.width and 0 < y < lay.height for x, y in lay.positions.values())


@st.composite
def dags(draw):
    """A random DAG: inputs, hidden nodes wired to earlier nodes, outputs."""
    n_in = draw(st.integers(1, 4))
    n_hidden = draw(st.integers(0, 8))
    n_out = draw(st.integers(1, 3))
    nodes = [f"x{k}" for k in range(n_in)]
    kinds = {n: "input" for n in nodes}
    edges = []
    for k in range(n_hidden + n_out):
        name = f"h{k}" if k < n_hidden else f"y{k}"
        sources = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3, unique=True))
        edges += [(s, name) for s in sources]
        kinds[name] = "hidden" if k < n_hidden else "output"
        nodes.append(name)
    return nodes, kinds, edges


@settings(max_examples=60, deadline=None)
@given(dag=dags())
def test_any_dag_lays_out_left_to_right_without_overlap(dag):
    """Links always run to a later column and no two neurons touch."""
    nodes, kinds, edges = dag
    lay = layout(nodes, kinds, edges)
    for s, t in edges:
        assert lay.column_of[t] > lay.column_of[s]
    pos = list(lay.positions.values())
    for a in range(len(pos)):
        for b in range(a + 1, len(pos)):
            assert math.dist(pos[a], pos[b]) > 2 * RADIUS + 10


def test_training_log_with_missing_test_values_draws_only_the_known_points():
    """train_/test_ loss and accuracy lists, with None where nothing was measured."""

    class Log:
        train_loss = [0.6, 0.5, 0.4, 0.3]
        test_loss = [None, 0.55, None, 0.35]
        train_accuracy = [0.5, 0.5, 0.75, 1.0]
        test_accuracy = [None, None, None, None]

    root = parse(curves_svg(Log()))
    loss, accuracy = by_class(root, "chart")
    train, test = by_class(loss, "series")
    assert values_back(loss, train) == approx(Log.train_loss, abs=1e-3)
    assert values_back(loss, test) == approx([0.55, 0.35], abs=1e-3)
    assert [x for x, _ in points(test)] == [points(train)[1][0], points(train)[3][0]]
    assert [s.get("data-name") for s in by_class(accuracy, "series")] == ["train"]
