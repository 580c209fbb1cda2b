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


def test_a_saved_network_file_is_drawn_with_its_own_history(tmp_path):
    """lernpy draw net.json: the diagram, the saved train/test curves, the boundary and a lesson."""
    from lernpy import Network, datasets, fit, load, save

    data = datasets.make("circles", 40)
    net = Network.layered(2, 3, 1, activation="tanh", output="sigmoid", loss="bce", seed=2)
    log = fit(net, data[:30], data[30:], epochs=4, rate=0.1, progress=False)
    path = save(net, tmp_path / "net.json")
    loaded = load(path)

    out = tmp_path / "net.svg"
    assert lernpy("draw", str(path), "-o", str(out)).returncode == 0
    root = parse(out.read_text(encoding="utf-8"))
    assert len(by_class(root, "neuron")) == len(loaded.neurons)
    assert [float(e.get("data-weight")) for e in by_class(root, "link")] == [
        link.weight for link in loaded.links
    ]

    out = tmp_path / "curves.svg"
    result = lernpy("draw", str(path), "--curves", "-o", str(out))
    assert result.returncode == 0, result.stderr
    loss, accuracy = by_class(parse(out.read_text(encoding="utf-8")), "chart")
    assert [s.get("data-name") for s in by_class(loss, "series")] == ["train", "test"]
    assert len(by_class(loss, "series")[0].get("points").split()) == len(log.train_loss)
    assert [s.get("data-name") for s in by_class(accuracy, "series")] == ["train", "test"]

    out = tmp_path / "boundary.svg"
    result = lernpy(
        "draw", str(path), "--boundary", "--data", "circles", "--resolution", "6", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    root = parse(out.read_text(encoding="utf-8"))
    assert len(by_class(root, "cell")) == 36 and len(by_class(root, "point")) > 0

    out = tmp_path / "lesson.html"
    result = lernpy("lesson", str(path), "--data", "circles", "--samples", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").count('"k":"Presented"') == 2


def test_curves_without_a_history_say_what_is_missing():
    """A demo has no saved history: --curves asks for --epochs."""
    result = lernpy("draw", "mazur", "--curves")
    assert result.returncode == 1 and "--epochs" in result.stderr
