"""Pictures of a network, as SVG and HTML made with the standard library only.

- diagram_svg(net): neurons in columns, links coloured by sign, wide for big |weight|
- curves_svg(history): loss (and accuracy) per epoch, train and test
- boundary_svg(net, data): the output over the input plane with the data on top
- lesson_html(net, data): a self-contained page replaying training step by step
- save(svg_or_html, path): write any of them to a file

>>> from lernpy import examples
>>> svg = diagram_svg(examples.mazur())
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

import os
from pathlib import Path

from lernpy.data.netfile import NetworkFileError
from lernpy.files import write_atomically
from lernpy.pictures.boundary import boundary_svg, heatmap_svg, sample_grid
from lernpy.pictures.curves import curves_svg, series_svg
from lernpy.pictures.diagram import diagram_svg, summary_svg
from lernpy.pictures.lesson import lesson_html, record, write_lesson


def save(text: str, path: str | os.PathLike) -> Path:
    """Write an SVG or HTML string to path (atomically: a reader never sees half a file)."""
    path = Path(path)
    write_atomically(os.fspath(path), text.encode("utf-8"), NetworkFileError)
    return path


def draw(net: object, path: str | os.PathLike | None = None, **options: object) -> str:
    """The network's diagram as SVG; written to path too when one is given.

    Options are diagram_svg's: annotate="weight" | "sensitivity" | "update",
    highlight="h1→o1", values=True, max_neurons=40.
    """
    svg = diagram_svg(net, **options)  # type: ignore[arg-type]
    if path is not None:
        save(svg, path)
    return svg


__all__ = [
    "boundary_svg",
    "curves_svg",
    "diagram_svg",
    "draw",
    "heatmap_svg",
    "lesson_html",
    "record",
    "sample_grid",
    "save",
    "series_svg",
    "summary_svg",
    "write_lesson",
]
