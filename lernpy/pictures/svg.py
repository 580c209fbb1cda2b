"""SVG primitives: a tiny document builder and the colour scales every picture shares.

Only the standard library: a picture is a string of SVG that any browser, Jupyter
or editor shows, with no plotting package behind it.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from lernpy.graph.names import shown

SVG_NS = "http://www.w3.org/2000/svg"

# Colour by sign: blue for positive, orange for negative (and a neutral grey for 0).
# Colour only emphasises: negative links are also dashed, and every element carries
# its number in a data- attribute and a <title> tooltip.
POSITIVE = (37, 99, 235)
NEGATIVE = (234, 88, 12)
NEUTRAL = (156, 163, 175)
WHITE = (255, 255, 255)
# Distinct class colours for several outputs (colour-blind friendly palette).
CLASS_COLOURS = [
    (37, 99, 235),
    (234, 88, 12),
    (22, 163, 74),
    (147, 51, 234),
    (202, 138, 4),
    (8, 145, 178),
    (219, 39, 119),
    (87, 83, 78),
]


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """Write an (r, g, b) triple as #rrggbb."""
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


def parse_hex(colour: str) -> tuple[int, int, int]:
    """Read #rrggbb back into (r, g, b)."""
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """Blend from colour a (t = 0) to colour b (t = 1)."""
    t = max(0.0, min(1.0, t))
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def sign_colour(x: float) -> str:
    """The colour of a number's sign: blue positive, orange negative, grey zero.

    >>> sign_colour(0.4), sign_colour(-1e-3), sign_colour(0.0)
    ('#2563eb', '#ea580c', '#9ca3af')
    """
    if x > 0:
        return hex_colour(POSITIVE)
    if x < 0:
        return hex_colour(NEGATIVE)
    return hex_colour(NEUTRAL)


def diverging(x: float, low: float, high: float) -> str:
    """Colour on an orange–white–blue scale: low is orange, the middle white, high blue.

    >>> diverging(1.0, 0.0, 1.0), diverging(0.5, 0.0, 1.0), diverging(0.0, 0.0, 1.0)
    ('#2563eb', '#ffffff', '#ea580c')
    """
    if high <= low:
        return hex_colour(WHITE)
    t = (x - low) / (high - low) * 2.0 - 1.0  # −1 … 1
    if t >= 0:
        return hex_colour(mix(WHITE, POSITIVE, t))
    return hex_colour(mix(WHITE, NEGATIVE, -t))


def fmt(x: float, digits: int = 3) -> str:
    """A number for an SVG coordinate: short, with no needless zeros."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Svg:
    """An SVG document built element by element.

    >>> doc = Svg(40, 20)
    >>> doc.rect(0, 0, 40, 20, fill="#ffffff")
    >>> doc.text(20, 12, "h1", anchor="middle")
    >>> print(doc.to_string()[:60])
    <svg xmlns="http://www.w3.org/2000/svg" width="40" height="2
    """

    def __init__(self, width: float, height: float, **attrs: object) -> None:
        self.width = width
        self.height = height
        self.attrs = attrs
        self.parts: list[str] = []
        self._open = 0

    def _element(self, tag: str, attrs: dict[str, object], body: str | None = None) -> str:
        text = _attrs(attrs)
        if body is None:
            return f"<{tag}{text}/>"
        return f"<{tag}{text}>{body}</{tag}>"

    def add(
        self, tag: str, title: str | None = None, text: str | None = None, **attrs: object
    ) -> None:
        """Append any element; `title` becomes a tooltip, `text` the element's text."""
        body = None
        if title is not None or text is not None:
            body = ""
            if title is not None:
                body += f"<title>{escape(shown(title))}</title>"
            if text is not None:
                body += escape(shown(text))
        self.parts.append(self._element(tag, attrs, body))

    def rect(self, x: float, y: float, w: float, h: float, **attrs: object) -> None:
        """A rectangle with its top-left corner at (x, y)."""
        self.add("rect", x=x, y=y, width=w, height=h, **attrs)

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> None:
        """A straight line from (x1, y1) to (x2, y2)."""
        self.add("line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)

    def circle(self, cx: float, cy: float, r: float, **attrs: object) -> None:
        """A circle centred on (cx, cy)."""
        self.add("circle", cx=cx, cy=cy, r=r, **attrs)

    def text(self, x: float, y: float, text: str, anchor: str = "start", **attrs: object) -> None:
        """A line of text with its baseline at y."""
        self.add("text", x=x, y=y, text=text, text_anchor=anchor, **attrs)

    def polyline(self, points: list[tuple[float, float]], **attrs: object) -> None:
        """An open line through the points."""
        pts = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in points)
        self.add("polyline", points=pts, fill="none", **attrs)

    def path(self, d: str, **attrs: object) -> None:
        """A path with the given path data."""
        self.add("path", d=d, **attrs)

    def open_group(self, **attrs: object) -> None:
        """Start a <g> group; close it with close_group()."""
        self.parts.append(f"<g{_attrs(attrs)}>")
        self._open += 1

    def close_group(self) -> None:
        """End the innermost open group."""
        self.parts.append("</g>")
        self._open -= 1

    def to_string(self) -> str:
        """The whole document as one SVG string."""
        if self._open:
            raise ValueError(f"{self._open} group(s) left open")
        head = self._element(
            "svg",
            {
                "xmlns": SVG_NS,
                "width": self.width,
                "height": self.height,
                "viewBox": f"0 0 {fmt(self.width)} {fmt(self.height)}",
                "font_family": "Helvetica, Arial, sans-serif",
                **self.attrs,
            },
            "",
        )
        return head[:-6] + "".join(self.parts) + "</svg>"


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(
        f" {_attr_name(k)}={quoteattr(_value(v))}" for k, v in attrs.items() if v is not None
    )


def _attr_name(key: str) -> str:
    # Python keywords cannot hold '-': write text_anchor, data_name; class_ for class.
    return key.rstrip("_").replace("_", "-")


def _value(v: object) -> str:
    if isinstance(v, float):
        return fmt(v)
    return shown(str(v))  # a name's control characters escaped: XML cannot hold most of them
