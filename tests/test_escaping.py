"""Every view escapes control characters: a terminal, an SVG or a page never obeys a name.

The constructors and the loader refuse such names, so they can only come in
some other way: an attribute set by hand, a CSV header, a class label. Each
view must then show an escape (``\\x1b``), never the character itself.
"""

from __future__ import annotations

import io
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from lernpy import examples
from lernpy.data.preprocessing import Preprocessing

REFUSED = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # control, format, surrogate, line and paragraph breaks
EVIL = "\x1b[2J\x1b]0;pwned\x07\x01\u202e"


def bad_characters(text: str) -> list[str]:
    """Characters a name may not hold, line breaks of the view's own layout aside."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in REFUSED]


@pytest.fixture
def net():
    """Mazur's network with a neuron, a label and class names holding control characters,
    set behind the network's back (as a file made elsewhere or a CSV header would)."""
    net = examples.mazur()
    net["h1"].name = "h1" + EVIL
    net["w5"].label = "w5" + EVIL
    net.preprocessing = Preprocessing(
        ("a" + EVIL, "b"), ("c" + EVIL, "d"), ("c" + EVIL, "d"), None, None
    )
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run()
    net.run = run
    return net


def rich_text(*objs: object) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None, record=True)
    for obj in objs:
        console.print(obj)
    return console.export_text()


def views(net) -> dict[str, str]:
    from lernpy.pictures import diagram_svg, lesson_html
    from lernpy.views import render
    from lernpy.views.explain import describe
    from lernpy.views.html import html
    from lernpy.views.progress import confusion_table

    link = next(k for k in net.links if k.label and k.label.startswith("w5"))  # h1…→o1
    hidden = next(n for n in net.neurons if n.name.startswith("h1"))
    return {
        "link table": str(net.table()),
        "neuron table": str(net.table("neurons")),
        "summary": str(net.table("summary")),
        "explain link": str(link.explain()),
        "explain neuron": str(hidden.explain()),
        "explain markdown": link.explain().markdown(),
        "explain latex": link.explain().latex(),
        "steps": "\n".join(describe(step) for step in net.trace),
        "step reprs": "\n".join(repr(step) for step in net.trace),
        "link repr": repr(link),
        "neuron repr": repr(hidden),
        "rich": rich_text(net, link, hidden, net.run, render.tree(net), net.trace),
        "rich steps": rich_text(*(render.step_line(s) for s in net.trace)),
        "trace table": str(render.text(render.trace_table(net.trace), 200)),
        "gradcheck": rich_text(render.gradcheck_table(net.gradcheck(examples.MAZUR_SAMPLE))),
        "confusion": rich_text(confusion_table([[1, 0], [0, 1]], net.preprocessing.classes)),
        "html": html(net) + html(link) + html(hidden) + html(net.trace),
        "svg": diagram_svg(net, annotate="weight"),
        "lesson": lesson_html(net, examples.MAZUR_SAMPLE, rate=0.5),
    }


def test_every_view_shows_an_escape_never_the_character(net):
    seen = views(net)
    for name, text in seen.items():
        assert not bad_characters(text), f"{name} shows {bad_characters(text)!r}"
    assert "h1\\x1b[2J" in seen["link table"]
    assert "h1\\x1b[2J" in seen["explain link"]


def test_the_diagram_is_still_valid_xml(net):
    from lernpy.pictures import diagram_svg

    ET.fromstring(diagram_svg(net, annotate="weight"))
