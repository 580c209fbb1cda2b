"""Helpers for tests that read SVG back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The root element; fails the test if the SVG is not well-formed XML."""
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    """Every element whose class list contains name, in document order."""
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def points(polyline: ET.Element) -> list[tuple[float, float]]:
    """The (x, y) points of a polyline."""
    return [tuple(map(float, p.split(","))) for p in polyline.get("points", "").split()]


def rgb(colour: str) -> tuple[int, int, int]:
    """#rrggbb as a triple."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def is_blue(colour: str) -> bool:
    """Clearly more blue than red."""
    r, _, b = rgb(colour)
    return b > r + 40


def is_orange(colour: str) -> bool:
    """Clearly more red than blue."""
    r, _, b = rgb(colour)
    return r > b + 40
