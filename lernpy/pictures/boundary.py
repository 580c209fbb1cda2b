"""The decision boundary: a network's output over the input plane, with the data on top.

For a network with two inputs, the plane is cut into a grid of cells; each
cell is coloured by the output at its centre (one output: orange–white–blue
from low to high; several outputs: the colour of the winning class, paler
where it wins narrowly). One small map per hidden neuron shows what each
neuron has learned to detect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lernpy import checks
from lernpy.errors import LernpyError
from lernpy.graph.samples import check_data
from lernpy.pictures.diagram import check_network
from lernpy.pictures.svg import CLASS_COLOURS, WHITE, Svg, diverging, hex_colour, mix

MAX_RESOLUTION = 1000  # cells per side: a million cells, each a forward pass

Grid = list[list[float | list[float]]]
Extent = tuple[float, float, float, float]  # x0, x1, y0, y1


def cell_centre(extent: Extent, rows: int, cols: int, i: int, j: int) -> tuple[float, float]:
    """The input point at the centre of cell (row i from the top, column j from the left).

    >>> cell_centre((0.0, 1.0, 0.0, 1.0), 2, 2, 0, 0)
    (0.25, 0.75)
    """
    x0, x1, y0, y1 = extent
    return x0 + (j + 0.5) * (x1 - x0) / cols, y1 - (i + 0.5) * (y1 - y0) / rows


def sample_grid(
    f: Callable[[float, float], float | list[float]], extent: Extent, resolution: int = 40
) -> Grid:
    """f at the centre of each cell of a resolution × resolution grid, top row first."""
    return [
        [f(*cell_centre(extent, resolution, resolution, i, j)) for j in range(resolution)]
        for i in range(resolution)
    ]


def cell_colour(value: float | Sequence[float], low: float = 0.0, high: float = 1.0) -> str:
    """The colour of one cell: a diverging scale for one number, the class colour for several.

    >>> cell_colour(1.0), cell_colour([0.0, 1.0])
    ('#2563eb', '#ea580c')
    """
    if isinstance(value, (int, float)):
        return diverging(float(value), low, high)
    values = list(value)
    if len(values) == 1:
        return diverging(values[0], low, high)
    best = max(range(len(values)), key=values.__getitem__)
    ranked = sorted(values, reverse=True)
    total = sum(abs(v) for v in values) or 1.0
    margin = (ranked[0] - ranked[1]) / total  # 0 on the boundary, 1 for a sure class
    return hex_colour(mix(WHITE, CLASS_COLOURS[best % len(CLASS_COLOURS)], 0.25 + 0.75 * margin))


def point_class(target: Sequence[float], threshold: float = 0.5) -> int:
    """The class of a target: argmax for several outputs, above threshold for one."""
    if len(target) == 1:
        return int(target[0] >= threshold)
    return max(range(len(target)), key=lambda k: target[k])


def heatmap(
    doc: Svg,
    grid: Grid,
    extent: Extent,
    left: float,
    top: float,
    size: float,
    low: float = 0.0,
    high: float = 1.0,
    points: Sequence[tuple[float, float, int]] = (),
    title: str | None = None,
    name: str | None = None,
    classes: int = 2,
    axes: bool = True,
) -> None:
    """Draw a grid of values as coloured cells, with (x, y, class) points on top."""
    rows, cols = len(grid), len(grid[0])
    x0, x1, y0, y1 = extent
    cw, ch = size / cols, size / rows
    doc.open_group(
        class_="heatmap",
        data_name=name,
        data_extent=" ".join(repr(v) for v in extent),
        data_rows=rows,
        data_cols=cols,
        data_left=left,
        data_top=top,
        data_size=size,
        data_low=repr(low),
        data_high=repr(high),
    )
    if title:
        doc.text(left + size / 2, top - 6, title, anchor="middle", font_size=12, font_weight="bold")
    doc.open_group(shape_rendering="crispEdges")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            shown = (
                value if isinstance(value, (int, float)) else " ".join(f"{v:.4g}" for v in value)
            )
            doc.rect(
                round(left + j * cw, 3),
                round(top + i * ch, 3),
                round(cw + 0.02, 3),  # a hair of overlap hides seams between cells
                round(ch + 0.02, 3),
                fill=cell_colour(value, low, high),
                class_="cell",
                data_value=shown if isinstance(shown, str) else repr(shown),
            )
    doc.close_group()
    doc.rect(left, top, size, size, fill="none", stroke="#6b7280", class_="frame")

    def px(x: float, y: float) -> tuple[float, float]:
        return left + (x - x0) / (x1 - x0) * size, top + (y1 - y) / (y1 - y0) * size

    mark = max(1.5, 4.5 * size / 360)  # small maps get small marks
    for x, y, k in points:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        cx, cy = px(x, y)
        colour = _point_colour(k, classes)
        attrs = {"class_": "point", "data_x": repr(x), "data_y": repr(y), "data_class": k}
        if k % 2:  # shape as well as colour tells the classes apart
            doc.circle(
                round(cx, 2),
                round(cy, 2),
                round(mark, 2),
                fill=colour,
                stroke="#ffffff",
                stroke_width=round(mark / 4, 2),
                **attrs,
            )
        else:
            doc.rect(
                round(cx - mark * 0.9, 2),
                round(cy - mark * 0.9, 2),
                round(mark * 1.8, 2),
                round(mark * 1.8, 2),
                fill=colour,
                stroke="#ffffff",
                stroke_width=round(mark / 4, 2),
                **attrs,
            )
    if axes:
        for v, (tx, ty), anchor in (
            (x0, (left, top + size + 13), "start"),
            (x1, (left + size, top + size + 13), "end"),
        ):
            doc.text(tx, ty, f"{v:.3g}", anchor=anchor, font_size=10, class_="xtick")
        doc.text(left - 4, top + size, f"{y0:.3g}", anchor="end", font_size=10, class_="ytick")
        doc.text(left - 4, top + 9, f"{y1:.3g}", anchor="end", font_size=10, class_="ytick")
    doc.close_group()


def _point_colour(k: int, classes: int) -> str:
    # Binary data: class 1 dark blue, class 0 dark orange, darker than the cells below.
    if classes <= 2:
        return "#1e3a8a" if k else "#9a3412"
    r, g, b = CLASS_COLOURS[k % len(CLASS_COLOURS)]
    return hex_colour((r * 0.6, g * 0.6, b * 0.6))


def heatmap_svg(
    grid: Grid,
    extent: Extent,
    points: Sequence[tuple[float, float, int]] = (),
    low: float = 0.0,
    high: float = 1.0,
    size: float = 360,
    title: str | None = None,
) -> str:
    """A grid of values (top row first) over extent = (x0, x1, y0, y1) as one SVG.

    >>> svg = heatmap_svg([[0.0, 1.0], [1.0, 0.0]], (0.0, 1.0, 0.0, 1.0), [(0.2, 0.8, 0)])
    >>> svg.count('class="cell"'), svg.count('class="point"')
    (4, 1)
    """
    margin = 34
    doc = Svg(size + 2 * margin, size + 2 * margin, class_="lernpy-heatmap")
    classes = 2
    if grid and grid[0] and not isinstance(grid[0][0], (int, float)):
        classes = len(grid[0][0])  # type: ignore[arg-type]
    heatmap(doc, grid, extent, margin, margin, size, low, high, points, title, classes=classes)
    return doc.to_string()


# -- from a network ----------------------------------------------------------------

RANGES = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def value_range(activation: str, values: Sequence[float]) -> tuple[float, float]:
    """The colour scale's ends for a neuron: its activation's range, or what it reached."""
    if activation in RANGES:
        return RANGES[activation]
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    m = max((abs(v) for v in finite), default=1.0) or 1.0
    return (0.0, m) if min(finite, default=0.0) >= 0 else (-m, m)


def data_extent(data: Sequence | None, pad: float = 0.1) -> Extent:
    """The input plane to show: the data's range with a margin, or [−1, 1]²."""
    if not data:
        return (-1.0, 1.0, -1.0, 1.0)
    xs = [float(x[0]) for x, _ in data]
    ys = [float(x[1]) for x, _ in data]
    dx = (max(xs) - min(xs)) or 1.0
    dy = (max(ys) - min(ys)) or 1.0
    return (min(xs) - pad * dx, max(xs) + pad * dx, min(ys) - pad * dy, max(ys) + pad * dy)


class _Kept:
    """Put a network's forward numbers back after probing it over the plane."""

    def __init__(self, net: object) -> None:
        self.net = net

    def __enter__(self) -> None:
        net = self.net
        self.neurons = [(n, n.net, n.value) for n in net.neurons]  # type: ignore[attr-defined]
        self.links = [(link, link.value) for link in net.links]  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        for n, net_value, value in self.neurons:
            n.net, n.value = net_value, value
        for link, value in self.links:
            link.value = value


def network_grids(
    net: object, extent: Extent, resolution: int, names: Sequence[str] | None = None
) -> dict[str, Grid]:
    """The value of each named neuron (default: the outputs) over the grid, in one sweep.

    The network's own numbers are left as they were.
    """
    inputs = list(net.inputs)  # type: ignore[attr-defined]
    if len(inputs) != 2:
        raise ValueError(f"a decision boundary needs 2 inputs; this network has {len(inputs)}")
    outputs = [n.name for n in net.outputs]  # type: ignore[attr-defined]
    wanted = list(names) if names is not None else outputs
    by_name = {n.name: n for n in net.neurons}  # type: ignore[attr-defined]
    grids: dict[str, Grid] = {name: [] for name in wanted}
    with _Kept(net):
        for i in range(resolution):
            rows = {name: [] for name in wanted}
            for j in range(resolution):
                net.forward(cell_centre(extent, resolution, resolution, i, j))  # type: ignore[attr-defined]
                for name in wanted:
                    rows[name].append(by_name[name].value)
            for name in wanted:
                grids[name].append(rows[name])
    return grids


def _points(data: Sequence | None) -> list[tuple[float, float, int]]:
    return [(float(x[0]), float(x[1]), point_class(t)) for x, t in data or ()]


def boundary_grid(
    net: object, extent: Extent, resolution: int = 40
) -> tuple[Grid, tuple[float, float]]:
    """The output over the plane (a number per cell, a list for several outputs), its scale."""
    outputs = list(net.outputs)  # type: ignore[attr-defined]
    grids = network_grids(net, extent, resolution)
    names = [o.name for o in outputs]
    if len(names) == 1:
        grid = grids[names[0]]
        low, high = value_range(outputs[0].activation.name, [v for row in grid for v in row])
        return grid, (low, high)
    combined: Grid = [
        [[grids[name][i][j] for name in names] for j in range(resolution)]
        for i in range(resolution)
    ]
    return combined, (0.0, 1.0)


def boundary_svg(
    net: object,
    data: Sequence | None = None,
    resolution: int = 40,
    extent: Extent | None = None,
    hidden: bool = False,
    size: float = 360,
) -> str:
    """The network's output over its two inputs, with the data on top; optionally a small map
    per hidden neuron beside it.

    >>> from lernpy import Network, datasets
    >>> net = Network.layered(2, 2, 1, activation="tanh", output="sigmoid", seed=1)
    >>> svg = boundary_svg(net, datasets.xor(), resolution=8)
    >>> svg.count('class="cell"'), svg.count('class="point"')
    (64, 4)
    """
    check_network(net)
    if len(net.inputs) != 2:  # type: ignore[attr-defined]
        raise LernpyError(
            f"a decision boundary needs 2 inputs; this network has {len(net.inputs)}"  # type: ignore[attr-defined]
        )
    if data is not None:
        data = check_data(net, data)  # type: ignore[arg-type]
    resolution = checks.whole(resolution, "resolution", 2, MAX_RESOLUTION)
    if extent is not None:
        extent = tuple(checks.number(v, "extent") for v in checks.items(extent, "extent"))  # type: ignore[assignment]
        if len(extent) != 4 or extent[0] >= extent[1] or extent[2] >= extent[3]:  # type: ignore[arg-type]
            raise LernpyError(
                f"extent is {checks.short(extent)}: expected (x0, x1, y0, y1), x0 < x1, y0 < y1"
            )
    hidden = checks.flag(hidden, "hidden")
    size = checks.number(size, "size", low=10.0, high=10_000.0)
    extent = extent or data_extent(data)
    grid, (low, high) = boundary_grid(net, extent, resolution)
    points = _points(data)
    hidden_names = [n.name for n in net.neurons if n.kind == "hidden"] if hidden else []  # type: ignore[attr-defined]
    small = 110.0
    per_row = 4
    margin = 34.0
    extra_rows = -(-len(hidden_names) // per_row)
    width = size + 2 * margin
    if hidden_names:
        width = max(width, margin + per_row * (small + 24))
    caption = 18.0
    height = size + 2 * margin + caption + 10 + extra_rows * (small + 36)
    doc = Svg(width, height, class_="lernpy-boundary")
    outputs = [o.name for o in net.outputs]  # type: ignore[attr-defined]
    classes = 2 if len(outputs) == 1 else len(outputs)
    title = f"output {outputs[0]}" if len(outputs) == 1 else "class: " + " ".join(outputs)
    heatmap(
        doc,
        grid,
        extent,
        margin,
        margin,
        size,
        low,
        high,
        points,
        title,
        outputs[0] if len(outputs) == 1 else "class",
        classes=classes,
    )
    if len(outputs) == 1:
        words = f"colour: {outputs[0]} from {low:g} (orange) to {high:g} (blue)"
        if points:
            words += "; data: ● class 1, ■ class 0"
    else:
        words = "colour: the winning class (paler where it wins narrowly)"
    doc.text(margin, size + 2 * margin + 8, words, font_size=11, class_="caption")
    if hidden_names:
        grids = network_grids(net, extent, max(8, resolution // 2), hidden_names)
        by_name = {n.name: n for n in net.neurons}  # type: ignore[attr-defined]
        for k, name in enumerate(hidden_names):
            row, col = divmod(k, per_row)
            g = grids[name]
            lo, hi = value_range(by_name[name].activation.name, [v for r in g for v in r])
            heatmap(
                doc,
                g,
                extent,
                margin + col * (small + 24),
                size + 2 * margin + caption + 24 + row * (small + 36),
                small,
                lo,
                hi,
                points,
                name,
                name,
                classes=classes,
                axes=False,
            )
    return doc.to_string()
