"""Where each neuron goes: columns by depth, rows in network order, boxes that never overlap.

The layout works on plain names, so it can be tested on any small DAG without a
Network: give it the nodes in topological order, their kinds and the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lernpy.pictures.svg import fmt

RADIUS = 20.0
COLUMN_GAP = 220.0
ROW_GAP = 74.0
MARGIN = 46.0
FONT = 11.0
LANE_GAP = 14.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the boxes share any area (after growing this one by pad)."""
        return not (
            self.right + pad <= other.left
            or other.right <= self.left - pad
            or self.bottom + pad <= other.top
            or other.bottom <= self.top - pad
        )


def text_box(x: float, y: float, text: str, size: float = FONT, anchor: str = "middle") -> Box:
    """A generous estimate of the box a line of text takes (baseline at y)."""
    width = 0.62 * size * len(text)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - size, left + width, y + 0.3 * size)


@dataclass
class Layout:
    """Positions of nodes (centres), the columns they sit in, and the picture's size."""

    positions: dict[str, tuple[float, float]]
    columns: list[list[str]]
    column_of: dict[str, int]
    width: float
    height: float
    radius: float = RADIUS
    lanes: dict[tuple[str, str], float] = field(default_factory=dict)
    placed: list[Box] = field(default_factory=list)

    def is_skip(self, source: str, target: str) -> bool:
        """A link that jumps over at least one column (drawn in a lane above the neurons)."""
        return self.column_of[target] - self.column_of[source] != 1

    def route(self, source: str, target: str) -> str:
        """The link as SVG path data: a straight line, or up into its lane, across, and down."""
        x1, y1 = self.positions[source]
        x2, y2 = self.positions[target]
        if not self.is_skip(source, target):
            return f"M {fmt(x1)} {fmt(y1)} L {fmt(x2)} {fmt(y2)}"
        lane = self.lanes[(source, target)]
        k = min(COLUMN_GAP / 4, abs(x2 - x1) / 4)
        return (
            f"M {fmt(x1)} {fmt(y1)} Q {fmt(x1 + k)} {fmt(lane)} {fmt(x1 + 2 * k)} {fmt(lane)} "
            f"L {fmt(x2 - 2 * k)} {fmt(lane)} Q {fmt(x2 - k)} {fmt(lane)} {fmt(x2)} {fmt(y2)}"
        )

    def polyline(self, source: str, target: str) -> list[tuple[float, float]]:
        """Points along the link, close enough together to stand for the curve."""
        parts = self.route(source, target).split()
        points: list[tuple[float, float]] = []
        i = 0
        while i < len(parts):
            op = parts[i]
            if op in ("M", "L"):
                points.append((float(parts[i + 1]), float(parts[i + 2])))
                i += 3
            else:  # Q: a quadratic curve from the last point
                (x0, y0), cx, cy = points[-1], float(parts[i + 1]), float(parts[i + 2])
                x2, y2 = float(parts[i + 3]), float(parts[i + 4])
                for step in range(1, 13):
                    t = step / 12
                    u = 1 - t
                    points.append(
                        (
                            u * u * x0 + 2 * u * t * cx + t * t * x2,
                            u * u * y0 + 2 * u * t * cy + t * t * y2,
                        )
                    )
                i += 5
        return points

    def point_on(self, source: str, target: str, t: float) -> tuple[float, float]:
        """The point a fraction t of the way along the link (by length) from source to target."""
        pts = self.polyline(source, target)
        lengths = [math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False)]
        goal = t * sum(lengths)
        for (a, b), length in zip(zip(pts, pts[1:], strict=False), lengths, strict=True):
            if goal <= length and length > 0:
                f = goal / length
                return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
            goal -= length
        return pts[-1]

    def place_label(self, source: str, target: str, text: str) -> tuple[float, float] | None:
        """A spot on the link for a label that overlaps nothing placed so far (None: no room)."""
        candidates = (0.3, 0.42, 0.22, 0.55, 0.68, 0.36, 0.48, 0.62, 0.76, 0.16, 0.84)
        candidates += tuple(k / 50 for k in range(6, 45))  # then every 2 % along the link
        for t in candidates:
            x, y = self.point_on(source, target, t)
            box = text_box(x, y + FONT / 3, text)
            inside = box.left >= 0 and box.right <= self.width and box.top >= 0
            if inside and not any(box.overlaps(other, pad=1.0) for other in self.placed):
                self.placed.append(box)
                return x, y
        return None


def depths(nodes: list[str], kinds: dict[str, str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Column of each node: inputs 0, then the longest path from any input.

    Bias nodes sit one column before the first neuron they feed; outputs all
    that feed nothing share the last column, so a skip link never hides an output
    in the middle.
    """
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in edges:
        incoming[t].append(s)
    depth: dict[str, int] = {}
    for n in nodes:  # topological order: sources are known before targets
        if kinds[n] == "bias":
            continue
        sources = [s for s in incoming[n] if kinds[s] != "bias"]
        depth[n] = 0 if kinds[n] == "input" or not sources else 1 + max(depth[s] for s in sources)
    last = max(depth.values(), default=0)
    feeds = {s for s, _ in edges}
    for n in nodes:
        if kinds[n] == "output" and n not in feeds:
            depth[n] = max(last, 1)
    for n in nodes:
        if kinds[n] == "bias":
            targets = [depth[t] for s, t in edges if s == n]
            depth[n] = max(min(targets, default=1) - 1, 0)
    return depth


def crossings(columns: list[list[str]], edges: list[tuple[str, str]]) -> int:
    """How many pairs of links between neighbouring columns cross.

    >>> crossings([["a", "b"], ["c", "d"]], [("a", "d"), ("b", "c")])
    1
    """
    row = {n: r for column in columns for r, n in enumerate(column)}
    col = {n: c for c, column in enumerate(columns) for n in column}
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for s, t in edges:
        if col[t] - col[s] == 1:
            by_gap.setdefault(col[s], []).append((row[s], row[t]))
    count = 0
    for pairs in by_gap.values():
        for k, (a, b) in enumerate(pairs):
            for c, d in pairs[k + 1 :]:
                count += (a - c) * (b - d) < 0
    return count


def untangle(
    columns: list[list[str]], kinds: dict[str, str], edges: list[tuple[str, str]]
) -> list[list[str]]:
    """Reorder the neurons of the middle columns to cross fewer links (barycentre sweeps).

    The inputs and the outputs keep their order, and bias neurons stay at the
    bottom; a column keeps its order unless a new one crosses fewer links, so a
    fully connected layer (every order crosses alike) is drawn as it was built.
    """
    best, fewest = [list(c) for c in columns], crossings(columns, edges)
    if fewest == 0 or len(columns) < 3:
        return best
    sources: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    for s, t in edges:
        sources.setdefault(t, []).append(s)
        targets.setdefault(s, []).append(t)

    def centre(n: str, near: dict[str, list[str]], row: dict[str, int]) -> tuple[float, int]:
        rows = [row[m] for m in near.get(n, []) if m in row]
        return (sum(rows) / len(rows) if rows else row[n], row[n])

    current = [list(c) for c in columns]
    for sweep in range(4):
        order = range(1, len(current) - 1) if sweep % 2 == 0 else range(len(current) - 2, 0, -1)
        near = sources if sweep % 2 == 0 else targets
        for c in order:
            row = {n: r for column in current for r, n in enumerate(column)}
            movable = [n for n in current[c] if kinds[n] != "bias"]
            fixed = [n for n in current[c] if kinds[n] == "bias"]
            current[c] = sorted(movable, key=lambda n: centre(n, near, row)) + fixed
        count = crossings(current, edges)
        if count < fewest:
            best, fewest = [list(c) for c in current], count
    return best


def layout(
    nodes: list[str],
    kinds: dict[str, str],
    edges: list[tuple[str, str]],
    column_of: dict[str, int] | None = None,
    left: float = 0.0,
    right: float = 0.0,
) -> Layout:
    """Place nodes in columns by depth and rows in the given order, biases at the bottom.

    ``left`` and ``right``: extra room for names written beside the first and last columns.

    >>> lay = layout(["x1", "b", "y1"], {"x1": "input", "b": "bias", "y1": "output"},
    ...              [("x1", "y1"), ("b", "y1")])
    >>> lay.columns
    [['x1', 'b'], ['y1']]
    """
    column_of = dict(column_of) if column_of is not None else depths(nodes, kinds, edges)
    count = max(column_of.values(), default=0) + 1
    columns: list[list[str]] = [[] for _ in range(count)]
    for n in nodes:
        if kinds[n] != "bias":
            columns[column_of[n]].append(n)
    for n in nodes:
        if kinds[n] == "bias":
            columns[column_of[n]].append(n)
    columns = untangle(columns, kinds, edges)
    rows = max((len(c) for c in columns), default=1)
    # Skip links run in lanes above every neuron, shorter jumps lower down.
    skips = [(s, t) for s, t in edges if column_of[t] - column_of[s] != 1]
    skips.sort(key=lambda e: abs(column_of[e[1]] - column_of[e[0]]))
    top = MARGIN + (RADIUS + LANE_GAP * len(skips) if skips else 0.0)
    height = top + (rows - 1) * ROW_GAP + MARGIN + 2 * FONT
    width = 2 * MARGIN + (count - 1) * COLUMN_GAP + 40.0 + left + right
    positions: dict[str, tuple[float, float]] = {}
    for c, column in enumerate(columns):
        offset = (rows - len(column)) * ROW_GAP / 2
        for r, n in enumerate(column):
            positions[n] = (left + MARGIN + 20.0 + c * COLUMN_GAP, top + offset + r * ROW_GAP)
    lanes = {e: top - RADIUS - LANE_GAP * (k + 1) + 4 for k, e in enumerate(skips)}
    return Layout(positions, columns, column_of, width, height, lanes=lanes)
