"""The lesson page in a real headless Chromium: step to Mazur's w5 update, read it, step back.

Needs Debian's chromium (.ci/install-browser installs it); without a browser
the tests are skipped and say why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser import Browser, find_chromium

from lernpy import Network, datasets, examples
from lernpy.pictures import write_lesson
from lernpy.views.explain import num

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found: run .ci/install-browser (apt-get install chromium) "
    "to test the lesson page in a real browser",
)


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM, width=1400, height=1000) as b:  # type: ignore[arg-type]
        yield b


@pytest.fixture(scope="module")
def mazur_page(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("lesson") / "mazur.html"
    write_lesson(path, examples.mazur(), examples.MAZUR_SAMPLE, rate=0.5, title="Mazur")
    return path.as_uri()


UPDATE_W5 = "h1→o1 (w5) updates: w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648"


def text(b: Browser, selector: str) -> str:
    return b.evaluate(f"document.querySelector({selector!r}).textContent")


def row(b: Browser, name: str) -> list[str]:
    return b.evaluate(
        f"[...document.querySelector('tr[data-name=\"{name}\"]').cells].map(c => c.textContent)"
    )


def test_step_to_the_w5_update_read_it_and_step_back(browser, mazur_page, tmp_path):
    """Press next until w5 updates: 0.35891648 and its chain rule show; one step back undoes it."""
    b = browser
    b.open(mazur_page)
    assert text(b, "#where").startswith("step 0 of")
    for _ in range(200):
        if text(b, "#step").startswith("h1→o1 (w5) updates"):
            break
        b.click("#next")
    assert text(b, "#step") == UPDATE_W5
    assert b.evaluate("document.body.innerText.includes('0.35891648')")
    cells = row(b, "h1→o1")
    assert cells[1] == "0.4" and cells[4] == "0.082167041" and cells[6] == "0.35891648"
    assert (
        text(b, '.link-label[data-name="h1→o1"]') == "w5 0.3589"
    )  # the diagram's label follows the weight

    b.click('.link[data-name="h1→o1"]')  # click the link itself in the diagram
    explained = text(b, "#explain")
    assert "h1→o1 (w5)" in explained
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in explained
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in explained

    b.click("#prev")
    assert text(b, "#step") != UPDATE_W5
    cells = row(b, "h1→o1")
    assert cells[1] == "0.4" and cells[6] == "·"
    assert text(b, '.link-label[data-name="h1→o1"]') == "w5 0.4"
    explained = text(b, "#explain")
    assert "0.082167041" in explained and "0.35891648" not in explained

    shots = Path(os.environ.get("LERNPY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    b.click("#next")
    b.screenshot(shots / "lesson.png")
    assert (shots / "lesson.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert b.requests and set(b.requests) == {mazur_page}  # nothing but the page itself
    assert not [e for e in b.events if e["method"] == "Runtime.exceptionThrown"]


def test_neuron_and_sample_buttons_move_by_their_grain(browser, tmp_path):
    """'neuron ▶' stops at each neuron that fires or senses; 'sample ▶' at each new sample."""
    page = tmp_path / "xor.html"
    write_lesson(page, Network.layered(2, 2, 1, seed=1), datasets.xor(), rate=0.5)
    b = browser
    b.open(page.as_uri())
    b.click("#next-neuron")
    assert text(b, "#step").startswith("h1 fires: net = ")
    b.click("#next-neuron")
    assert text(b, "#step").startswith("h2 fires: net = ")
    b.click("#prev-neuron")
    assert text(b, "#step").startswith("h1 fires: net = ")
    seen = []
    for _ in range(3):
        b.click("#next-sample")
        seen.append(text(b, "#step").split(":")[0])
    assert seen == ["sample 1 presented", "sample 2 presented", "sample 3 presented"]
    b.click("#last")
    assert text(b, "#step").startswith("epoch 0 ended")
    assert set(b.requests) == {page.as_uri()}


def test_the_page_prints_numbers_as_the_terminal_does(browser, mazur_page):
    """The page's num() gives, for each number, exactly lernpy.views.explain.num's text."""
    numbers = [0.4, 0.35891647971788465, -0.5, 1.0, 0.0, 4.3856773447434685e-08, -2.5e-12,
               12345678.9, 0.0009, 0.001, -0.019049118, 3.0e15, 0.1 + 0.2]  # fmt: skip
    b = browser
    b.open(mazur_page)
    got = b.evaluate(f"{json.dumps(numbers)}.map(x => num(x))")
    assert got == [num(x) for x in numbers]


HOSTILE = ["<!--<script>", "</script><script>document.title='pwned'</script>",
           '"><img src=x onerror="document.title=1">', "a&amp;b", "x]]>y"]  # fmt: skip


def hostile_network() -> Network:
    net = Network(seed=1)
    net.add_neuron("x", kind="input")
    for name in HOSTILE[:-1]:
        net.add_neuron(name, "tanh")
        net.add_link("x", name, 0.5)
    net.add_neuron(HOSTILE[-1], "sigmoid", kind="output")
    for name in HOSTILE[:-1]:
        net.add_link(name, HOSTILE[-1], 0.25)
    return net


def test_names_that_look_like_markup_are_shown_as_text_and_the_page_still_runs(browser, tmp_path):
    """A neuron named <!--<script> stopped the page's script: no table rows at all."""
    page = tmp_path / "hostile.html"
    write_lesson(page, hostile_network(), [((0.5,), (1.0,))], rate=0.5, title="<b>t</b>")
    b = browser
    b.open(page.as_uri())
    names = b.evaluate(
        "[...document.querySelectorAll('#neurons tbody tr')].map(r => r.cells[0].textContent)"
    )
    assert names == ["x", *HOSTILE]
    assert b.evaluate("document.querySelectorAll('#links tbody tr').length") == 8
    assert b.evaluate("document.title") == "<b>t</b>"  # no injected script ran
    assert b.evaluate("document.querySelectorAll('img').length") == 0
    b.click("#next")
    assert text(b, "#where").startswith("step 1 of")
    assert not [e for e in b.events if e["method"] == "Runtime.exceptionThrown"]
