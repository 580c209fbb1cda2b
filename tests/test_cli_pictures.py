"""`lernpy draw` and `lernpy lesson`, run as users run them: in a subprocess."""

from __future__ import annotations

import subprocess
import sys

from svgparse import by_class, parse

from lernpy import examples


def lernpy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lernpy", *args], capture_output=True, text=True, timeout=300
    )


def test_draw_writes_the_diagram_with_the_highlight(tmp_path):
    """lernpy draw mazur -o net.svg: one circle per neuron, one link per link, w5 marked."""
    out = tmp_path / "net.svg"
    result = lernpy("draw", "mazur", "-o", str(out), "--annotate", "weight", "--highlight", "w5")
    assert result.returncode == 0, result.stderr
    root = parse(out.read_text(encoding="utf-8"))
    net = examples.mazur()
    assert len(by_class(root, "neuron")) == len(net.neurons)
    assert len(by_class(root, "link")) == len(net.links)
    assert by_class(root, "highlight")[0].get("data-name") == "h1→o1"


def test_draw_boundary_in_the_terminal_and_as_svg(tmp_path):
    """Without -o the boundary is printed as blocks; with -o it is an SVG heatmap."""
    result = lernpy("draw", "xor", "--boundary", "--resolution", "8")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8 and sum(line.count("○") + line.count("●") for line in lines) == 4
    out = tmp_path / "b.svg"
    assert lernpy("draw", "xor", "--boundary", "--resolution", "8", "-o", str(out)).returncode == 0
    assert len(by_class(parse(out.read_text(encoding="utf-8")), "cell")) == 64


def test_lesson_writes_a_page_with_mazurs_update(tmp_path):
    """lernpy lesson (Mazur by default) writes one HTML file holding w5's new weight."""
    out = tmp_path / "lesson.html"
    result = lernpy("lesson", "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "0.35891648" in page


def test_unknown_source_is_a_clear_error():
    """A name that is neither a demo nor a file: exit 1, one line, no traceback."""
    result = lernpy("draw", "no-such-net.json")
    assert result.returncode == 1
    assert result.stderr.startswith("lernpy: error: 'no-such-net.json' is neither a demo")
    assert "Traceback" not in result.stderr
