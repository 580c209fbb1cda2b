"""The decision boundary, read back and checked against the network's own forward pass."""

from __future__ import annotations

import pytest
from pytest import approx
from svgparse import by_class, is_blue, is_orange, parse, rgb

from lernpy import LernpyError, Network, datasets
from lernpy.pictures import boundary_svg
from lernpy.pictures.svg import CLASS_COLOURS


def plane_points(group) -> list[tuple[float, float]]:
    """The input point at each cell's centre, from the heatmap's stated extent and grid.

    Also checks that each cell is drawn where its row and column put it.
    """
    left, top = float(group.get("data-left")), float(group.get("data-top"))
    size = float(group.get("data-size"))
    rows, cols = int(group.get("data-rows")), int(group.get("data-cols"))
    x0, x1, y0, y1 = map(float, group.get("data-extent").split())
    out = []
    for k, cell in enumerate(by_class(group, "cell")):
        i, j = divmod(k, cols)
        assert float(cell.get("x")) == approx(left + j * size / cols, abs=0.01)
        assert float(cell.get("y")) == approx(top + i * size / rows, abs=0.01)
        out.append((x0 + (j + 0.5) * (x1 - x0) / cols, y1 - (i + 0.5) * (y1 - y0) / rows))
    return out


def test_cells_hold_the_network_output_at_their_centres_and_data_sits_on_top():
    """Each cell holds net.forward at its centre (blue high, orange low); the data sit on top."""
    net = Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=5)
    net.train(datasets.xor(), epochs=300, rate=0.5)
    before = net.state()
    svg = boundary_svg(net, datasets.xor(), resolution=12, hidden=True)
    assert net.state() == before  # drawing leaves every number where it was
    root = parse(svg)
    maps = {g.get("data-name"): g for g in by_class(root, "heatmap")}
    assert list(maps) == ["y1", "h1", "h2", "h3"]
    cells = by_class(maps["y1"], "cell")
    assert len(cells) == 144
    for cell, point in zip(cells, plane_points(maps["y1"]), strict=True):
        value = net.forward(point)[0]
        assert float(cell.get("data-value")) == approx(value, rel=1e-9, abs=1e-12)
        if value > 0.75:
            assert is_blue(cell.get("fill"))
        elif value < 0.25:
            assert is_orange(cell.get("fill"))
    for name in ("h1", "h2", "h3"):
        for cell, point in zip(by_class(maps[name], "cell"), plane_points(maps[name]), strict=True):
            net.forward(point)
            assert float(cell.get("data-value")) == approx(net[name].value, rel=1e-9, abs=1e-12)
    points = by_class(maps["y1"], "point")
    shown = [
        (float(p.get("data-x")), float(p.get("data-y")), int(p.get("data-class"))) for p in points
    ]
    assert shown == [(x[0], x[1], int(t[0])) for x, t in datasets.xor()]


def test_several_outputs_colour_each_cell_by_its_winning_class():
    """With softmax outputs a cell takes the colour of the class the network picks there."""
    net = Network.layered(
        2, 4, 3, activation="tanh", output="softmax", loss="cross_entropy", seed=3
    )
    root = parse(boundary_svg(net, resolution=8))
    (group,) = by_class(root, "heatmap")
    for cell, point in zip(by_class(group, "cell"), plane_points(group), strict=True):
        values = net.forward(point)
        k = max(range(3), key=values.__getitem__)
        r, g, b = rgb(cell.get("fill"))
        cr, cg, cb = CLASS_COLOURS[k]
        # the fill lies between white and the class colour
        t = (255 - r) / (255 - cr)
        assert 0.2 <= t <= 1.0
        assert (g, b) == approx((255 - t * (255 - cg), 255 - t * (255 - cb)), abs=2)


def test_boundary_needs_two_inputs():
    """A network with three inputs has no plane to draw; the error says so."""
    with pytest.raises(LernpyError, match="2 inputs"):
        boundary_svg(Network.layered(3, 2, 1, seed=0))
