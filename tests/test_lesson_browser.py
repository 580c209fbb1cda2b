"""The lesson page in a real headless Chromium: Mazur's w5 update by clicking and by a deep
link, the layout at a projector's 1024×768 and at 1400×1000, the loss panel and the words.

Needs Debian's chromium (.ci/install-browser installs it) and Playwright's Python package;
without them the tests are skipped and say why.
"""

from __future__ import annotations

import json
import random

import pytest
from browser import local_only, overflowing

from lernpy import Network, datasets, examples
from lernpy.pictures import write_lesson
from lernpy.views.explain import num
from lernpy.views.tables import link_grid

UPDATE_W5 = "h1→o1 (w5) updates: w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648"
SIZES = [(1024, 768), (1400, 1000)]
# the boxes that must hold what they show: the chain rule, the tables, the diagram, the loss
BOXES = ["#explain", "#step", "#where", "#links-box", "#neurons-box", "#diagram", "#loss"]


def w5_update_step() -> int:
    """The w5 update's step number on the page, from a separate run of the scheduler."""
    steps = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    (k,) = [i for i, s in enumerate(steps) if s.kind == "Updated" and s.link.label == "w5"]
    return k + 1  # step 0 is the start, before anything happened


@pytest.fixture(scope="module")
def mazur_page(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("lesson") / "mazur.html"
    write_lesson(path, examples.mazur(), examples.MAZUR_SAMPLE, rate=0.5, title="Mazur")
    return path.as_uri()


@pytest.fixture
def open_page(chromium):
    """open_page(url, width, height): a fresh page that records its requests."""
    pages = []

    def open_(url: str, width: int = 1400, height: int = 1000):
        page = chromium.new_page(viewport={"width": width, "height": height})
        page.requests = []
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        local_only(page, page.requests)
        page.goto(url)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def text(page, selector: str) -> str:
    return page.locator(selector).first.text_content()


def row(page, name: str) -> list[str]:
    return page.locator(f'#links tr[data-name="{name}"] td').all_text_contents()


def test_step_to_the_w5_update_read_it_and_step_back(open_page, mazur_page, screenshots):
    """Press next until w5 updates: 0.35891648 and its chain rule show; one step back undoes it."""
    page = open_page(mazur_page)
    assert text(page, "#where").startswith("step 0 of")
    for _ in range(200):
        if text(page, "#step").startswith("h1→o1 (w5) updates"):
            break
        page.click("#next")
    assert text(page, "#step") == UPDATE_W5
    assert text(page, "#where").startswith(f"step {w5_update_step()} of")
    cells = row(page, "h1→o1")
    # weight, source value, target sensitivity, link sensitivity, blame, change, new weight
    assert cells[1] == "0.4" and cells[4] == "0.082167041" and cells[5] == "0.055399425"
    assert cells[7] == "0.35891648"
    assert text(page, '.link-label[data-name="h1→o1"]') == "w5 0.3589"  # the label follows

    page.click('.link[data-name="h1→o1"]')  # click the link itself in the diagram
    explained = text(page, "#explain")
    assert "h1→o1 (w5)" in explained
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in explained
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in explained

    page.click("#prev")
    assert text(page, "#step") != UPDATE_W5
    cells = row(page, "h1→o1")
    assert cells[1] == "0.4" and cells[7] == "·"
    assert text(page, '.link-label[data-name="h1→o1"]') == "w5 0.4"
    explained = text(page, "#explain")
    assert "0.082167041" in explained and "0.35891648" not in explained

    page.click("#next")
    page.screenshot(path=str(screenshots / "lesson-1400.png"))
    assert set(page.requests) == {mazur_page}  # nothing but the page itself
    assert page.errors == []


def test_a_deep_link_opens_the_w5_update_with_its_chain_rule(open_page, mazur_page):
    """#step=N&link=w5 opens at the w5 update, its chain rule shown; the address follows."""
    k = w5_update_step()
    page = open_page(f"{mazur_page}#step={k}&link=w5")
    assert text(page, "#step") == UPDATE_W5
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in text(page, "#explain")
    page.click("#next")
    assert page.evaluate("location.hash") == f"#step={k + 1}&link=w5"
    page.evaluate(f"location.hash = '#step={k}'")  # and following a link within the page
    page.wait_for_function(f"document.getElementById('step').textContent.includes('{num(0.4)} −')")
    assert text(page, "#step") == UPDATE_W5


@pytest.mark.parametrize("width, height", SIZES)
def test_everything_fits_its_box_on_a_projector_and_a_laptop(
    open_page, mazur_page, screenshots, width, height
):
    """At 1024×768 and 1400×1000, with the longest chain rule (w1's, through both outputs)
    shown at the end of the sample, no box is narrower than what it holds."""
    page = open_page(mazur_page, width, height)
    page.click("#last")
    page.click('#links tr[data-name="i1→h1"]')
    explained = text(page, "#explain")
    assert "= 0.036350306 × 0.241300709 × 0.05 = 0.000438568" in explained
    assert overflowing(page, BOXES) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the controls and the chain rule sit beside or under the diagram, with no gap to scroll
    diagram = page.locator("#diagram").bounding_box()
    assert diagram["width"] <= width - 20 and diagram["height"] < height
    page.screenshot(path=str(screenshots / f"lesson-{width}.png"), full_page=True)


def test_a_real_sized_network_fits_too(open_page, tmp_path):
    """A 13-8-3 network named after a data file's long column names: the tables wrap the names,
    the diagram scales, at the projector's 1024 pixels."""
    rng = random.Random(5)
    columns = [f"{word}_of_the_sample_{k}" for k, word in enumerate("abcdefghijklm", 1)]
    names = [columns, [f"h{k}" for k in range(1, 9)], ["barolo", "grignolino", "barbera"]]
    net = Network.layered(13, 8, 3, activation="tanh", output="softmax",
                          loss="cross_entropy", names=names, seed=2)  # fmt: skip
    sample = (tuple(rng.uniform(-2, 2) for _ in range(13)), (0.0, 1.0, 0.0))
    path = write_lesson(tmp_path / "wine.html", net, sample, rate=0.1)
    page = open_page(path.as_uri(), 1024, 768)
    page.click("#last")
    page.click(f'#links tr[data-name="{columns[11]}→h3"]')
    assert columns[11] in text(page, "#explain")
    assert overflowing(page, BOXES) == []


def test_the_loss_panel_follows_the_samples(open_page, tmp_path):
    """The loss panel marks each scored sample: XOR's four losses, as the scheduler scored them."""
    net = Network.layered(2, 2, 1, seed=1)
    losses = [s.loss for s in Network.layered(2, 2, 1, seed=1).scheduler(
        datasets.xor(), rate=0.5).run() if s.kind == "Scored"]  # fmt: skip
    path = write_lesson(tmp_path / "xor.html", net, datasets.xor(), rate=0.5)
    page = open_page(path.as_uri())
    assert "no sample scored yet (4 to come)" in text(page, "#loss-text")
    page.click("#last")
    assert page.locator("#loss-chart .dot").count() == 4
    assert f"loss E = {num(losses[-1])} (epoch 0, sample 3; 4 of 4" in text(page, "#loss-text")
    page.locator("#loss-1").dispatch_event("click")  # a dot jumps to its sample's loss
    assert text(page, "#step").startswith(f"loss E = {num(losses[1])}")


def test_the_pages_words_are_the_terminals(open_page, mazur_page):
    """Every header of the lesson's link table is a column of the REPL's link table, by name."""
    page = open_page(mazur_page)
    words = {c.name: c.symbol for c in link_grid(examples.mazur()).columns}
    heads = []
    for head in page.locator("#links th").all_inner_texts():
        name, _, symbol = head.partition("\n")
        assert name in words and symbol.strip() == words[name], head
        heads.append(name)
    assert "blame" in heads and "link sensitivity" in heads
    assert "target neuron sensitivity" in heads
    neuron_heads = page.locator("#neurons th").all_inner_texts()
    assert [h.split("\n")[0] for h in neuron_heads][-1] == "neuron sensitivity"


def test_neuron_and_sample_buttons_move_by_their_grain(open_page, tmp_path):
    """'neuron ▶' stops at each neuron that fires or senses; 'sample ▶' at each new sample."""
    path = write_lesson(tmp_path / "xor.html", Network.layered(2, 2, 1, seed=1), datasets.xor(),
                        rate=0.5)  # fmt: skip
    page = open_page(path.as_uri())
    page.click("#next-neuron")
    assert text(page, "#step").startswith("h1 fires: net = ")
    page.click("#next-neuron")
    assert text(page, "#step").startswith("h2 fires: net = ")
    page.click("#prev-neuron")
    assert text(page, "#step").startswith("h1 fires: net = ")
    page.click('circle.neuron[data-name="h1"]')  # a neuron explains itself too
    assert "Neuron h1" in text(page, "#explain")
    seen = []
    for _ in range(3):
        page.click("#next-sample")
        seen.append(text(page, "#step").split(":")[0])
    assert seen == ["sample 1 presented", "sample 2 presented", "sample 3 presented"]
    page.click("#last")
    assert text(page, "#step").startswith("epoch 0 ended")
    assert set(page.requests) == {path.as_uri()}


def test_the_page_prints_numbers_as_the_terminal_does(open_page, mazur_page):
    """The page's num() gives, for each number, exactly lernpy.numbers.num's text."""
    numbers = [0.4, 0.35891647971788465, -0.5, 1.0, 0.0, 4.3856773447434685e-08, -2.5e-12,
               12345678.9, 0.0009, 0.001, -0.019049118, 3.0e15, 0.1 + 0.2]  # fmt: skip
    page = open_page(mazur_page)
    got = page.evaluate(f"{json.dumps(numbers)}.map(x => num(x))")
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


def test_names_that_look_like_markup_are_shown_as_text_and_the_page_still_runs(open_page, tmp_path):
    """A neuron named <!--<script> stopped the page's script: no table rows at all."""
    path = tmp_path / "hostile.html"
    write_lesson(path, hostile_network(), [((0.5,), (1.0,))], rate=0.5, title="<b>t</b>")
    page = open_page(path.as_uri())
    names = page.locator("#neurons tbody tr td:first-child").all_text_contents()
    assert names == ["x", *HOSTILE]
    assert page.locator("#links tbody tr").count() == 8
    assert page.title() == "<b>t</b>"  # no injected script ran
    assert page.locator("img").count() == 0
    page.click("#next")
    assert text(page, "#where").startswith("step 1 of")
    assert not page.errors


def test_the_loss_panel_tells_no_loss_before_its_step(open_page, tmp_path):
    """A dot's tooltip holds its loss only once the page has reached that sample's score."""
    path = write_lesson(tmp_path / "xor.html", Network.layered(2, 2, 1, seed=1), datasets.xor(),
                        rate=0.5)  # fmt: skip
    page = open_page(path.as_uri())
    assert page.locator("#loss-tip-3").text_content() == "epoch 0, sample 3: not scored yet"
    page.click("#last")
    assert page.locator("#loss-tip-3").text_content().startswith("epoch 0, sample 3: loss E = ")
