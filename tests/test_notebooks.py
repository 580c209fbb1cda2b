"""Notebooks in a real Jupyter kernel (nbclient): one display per object and no stray output;
the tutorials in docs/tutorials run and show the published numbers; the exported HTML in
headless Chromium shows each table once, and its inline lessons step without a kernel.

One kernel serves the module (each notebook starts from a cleared namespace); one Chromium
serves the whole run. Without nbclient, nbformat, ipykernel or a kernel that starts, the
notebook tests skip and say why; so do the browser checks without Playwright or Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import local_only, overflowing

from lernpy import examples

nbformat = pytest.importorskip(
    "nbformat", reason='the notebook tests need nbformat: pip install -e ".[test]"'
)
nbclient = pytest.importorskip(
    "nbclient", reason='the notebook tests need nbclient: pip install -e ".[test]"'
)
pytest.importorskip(
    "ipykernel", reason='the notebook tests need ipykernel: pip install -e ".[test]"'
)

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "docs" / "tutorials"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One Python kernel for the module's notebooks."""
    from jupyter_client.manager import start_new_kernel

    try:
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path_factory.mktemp("nb")))
    except Exception as error:  # no kernel spec, no free port, …: say so and skip
        pytest.skip(f"no Jupyter kernel could start: {error}")
    kc.stop_channels()
    yield km
    km.shutdown_kernel(now=True)


def execute(notebook, km, allow_errors: bool = False):
    """Run a notebook in the shared kernel, from a cleared namespace; return it with outputs."""
    fresh = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%reset -f")])
    nbclient.NotebookClient(fresh, km=km, timeout=120).execute()
    nbclient.NotebookClient(notebook, km=km, timeout=300, allow_errors=allow_errors).execute()
    return notebook


def code(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def plain(cell) -> str:
    """The cell's result as text, and whatever it printed."""
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "\n".join(out)


# -- one display per object ------------------------------------------------------------

SETUP = """\
import lernpy
from lernpy import Network, datasets, examples, fit
net = examples.mazur()
run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=2)
_ = run.step("epoch")
before = net.state()
_ = run.run(until="update")
trained = examples.mazur()
history = trained.train([examples.MAZUR_SAMPLE], epochs=20, rate=0.5)
log = fit(Network.layered(2, 2, 1, seed=1), datasets.xor(), datasets.xor(), epochs=5, rate=2.0)
"""
# What a learner types in a cell, one object each: each must show once.
SHOWN = [
    "net",
    'net["h1"]',
    'net["w5"]',
    "net.trace[3]",
    "run.peek()",
    "run",
    "run.table(layer=2)",
    'net.table("summary")',
    'net.table("neurons")',
    'net["w5"].explain()',
    "net.trace",
    'net.trace.updates("w1")',
    'net.trace.of("h1")',
    'net.trace.series("w5", "sensitivity")',
    "net.gradcheck(examples.MAZUR_SAMPLE)",
    "history",
    'history.weights("w5")',
    "log",
    "net.state()",
    "lernpy.diff(before, net.state())",
    "examples.mazur().lesson(examples.MAZUR_SAMPLE, rate=0.5)",
    'run.lesson(show="w5", step=30)',
]


@pytest.fixture(scope="module")
def shown(kernel):
    """The display notebook, run: a setup cell, then one cell per object."""
    return execute(code(SETUP, *SHOWN), kernel, allow_errors=True)  # each cell checked alone


def test_setup_prints_nothing(shown):
    """Building, stepping, training and fit() leave no output behind (no stray stdout)."""
    assert shown.cells[0].outputs == []


@pytest.mark.parametrize("k, source", list(enumerate(SHOWN, start=1)), ids=SHOWN)
def test_each_object_shows_once_as_html_with_a_short_text(shown, k, source):
    """One output per cell: HTML and a one-line text of at most 80 columns, nothing else
    (rich printed a table into the notebook a second time; explanations came in three forms)."""
    outputs = shown.cells[k].outputs
    assert [o.output_type for o in outputs] == ["execute_result"], outputs
    data = outputs[0].data
    assert set(data) == {"text/plain", "text/html"}
    text = data["text/plain"]
    assert "\n" not in text and len(text) <= 80, text


def test_history_and_training_log_draw_inline_svg_charts(shown):
    """A History and a TrainingLog show an SVG chart, not an ASCII one in a proportional font."""
    history = shown.cells[1 + SHOWN.index("history")].outputs[0].data["text/html"]
    log = shown.cells[1 + SHOWN.index("log")].outputs[0].data["text/html"]
    for page in (history, log):
        assert "<svg" in page and 'class="series"' in page and "<pre" not in page
    assert log.count('class="chart"') == 2  # loss, and accuracy


# -- the tutorials ---------------------------------------------------------------------


MINE = ("mazur", "watch_a_link", "gradcheck")  # (from-lernpy-to-pytorch has its own test)


@pytest.fixture(scope="module")
def tutorials(kernel) -> dict:
    books = {}
    for name in MINE:
        path = TUTORIALS / f"{name}.ipynb"
        books[name] = execute(nbformat.read(path, as_version=4), kernel)
    return books


def outputs_of(book) -> list[str]:
    return [plain(c) for c in book.cells if c.cell_type == "code"]


def test_there_are_three_tutorials(tutorials):
    assert set(tutorials) == set(MINE)
    assert {p.stem for p in TUTORIALS.glob("*.ipynb")} >= set(MINE)


def test_mazur_tutorial_shows_the_articles_numbers(tutorials):
    """out_h1 0.593269992, ∂E/∂w5 0.082167041, new w5 0.35891648 (Mazur, 2015)."""
    out = outputs_of(tutorials["mazur"])
    assert "Fired(h1, net=0.3775, value=0.593269992)" in out[1]
    assert out[2] == "(0.7513650695523157, 0.7729284653214625)"
    assert "∂E/∂w5 = 0.082167041" in out[3]
    assert r"\begin{tabular}" in out[5] and r"\toprule" in out[5]
    assert out[6] == "(0.35891648, 0.149780716)"
    assert "Change(h1→o1 weight: 0.4 → 0.35891648)" in out[7]
    assert out[8].startswith("Lesson(43 steps")
    html = tutorials["mazur"].cells[-1].outputs[0].data["text/html"]
    assert "<iframe" in html and "sandbox=" in html


def test_watch_a_link_tutorial_series_equal_the_records(tutorials):
    """The weight series starts at the drawn weight; the sensitivity series equals the
    Learned records (the notebook compares them itself); XOR is learned."""
    out = outputs_of(tutorials["watch_a_link"])
    assert out[0].startswith("History(2000 epochs") and out[1] == "[0, 1, 1, 0]"
    assert "2001 values by epoch 0–2000" in out[2]
    assert out[5].startswith("Series(sensitivity of h1→y1: 12 values")
    assert out[6] == "True"
    assert out[7] == "Steps(h1→y1: 12 steps, Updated ×12)"
    assert out[8].startswith("TrainingLog(10 epochs")


def test_gradcheck_tutorial_names_the_wrong_derivative(tutorials):
    """The wrong sigmoid slope fails every link into h1 and h2; the right one passes."""
    out = outputs_of(tutorials["gradcheck"])
    assert out[0].startswith("GradCheck(FAILED on 6 of 9 links") and "suspect h1, h2" in out[0]
    assert out[1] == ("(['x1→h1', 'x2→h1', 'b1→h1', 'x1→h2', 'x2→h2', 'b1→h2'], ['h1', 'h2'])")
    assert "∂out_h1/∂net_h1" in out[2]
    assert out[3] == "GradCheck(ok: all 9 links agree)"


# -- the exported HTML in a browser ------------------------------------------------------


@pytest.fixture(scope="module")
def exported(shown, tmp_path_factory) -> Path:
    """The display notebook as nbconvert writes it for a static HTML file."""
    exporter = pytest.importorskip(
        "nbconvert", reason='exporting HTML needs nbconvert: pip install -e ".[test]"'
    ).HTMLExporter()
    body, _ = exporter.from_notebook_node(shown)
    path = tmp_path_factory.mktemp("export") / "notebook.html"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def page(chromium):
    opened = chromium.new_page(viewport={"width": 1400, "height": 1000})
    opened.requests = []
    local_only(opened, opened.requests)  # the template's fonts and MathJax are not fetched
    yield opened
    opened.close()


TITLES = ["Links into layer 2:", "What changed:", "Updates of w1: 1", "Agree: 12 of 12 links"]


def test_the_exported_page_shows_each_table_once(page, exported, screenshots):
    """In the static HTML each table's title appears once: no second, printed copy."""
    page.goto(exported.as_uri(), wait_until="domcontentloaded")
    text = page.evaluate("document.body.innerText")
    for title in TITLES:
        assert text.count(title) == 1, title
    assert "part 1 of" not in text  # the terminal's folded text tables are not there
    page.get_by_text("Links into layer 2:").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")  # the cell's input above its table
    page.screenshot(path=str(screenshots / "notebook.png"))


@pytest.mark.parametrize("width, height", [(1024, 768), (1400, 1000)])
def test_inline_lessons_step_and_fit_without_a_kernel(page, exported, width, height):
    """The two lessons inline: each fits its frame, steps on its own (no clash between them),
    reaches the w5 update by a click and by #step=, with no kernel behind the page."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(exported.as_uri(), wait_until="domcontentloaded")
    frames = page.locator("iframe.lernpy-lesson")
    assert frames.count() == 2
    first, second = (page.frame_locator("iframe.lernpy-lesson").nth(k) for k in (0, 1))
    assert first.locator("#where").text_content().startswith("step 0 of 43")
    assert second.locator("#where").text_content().startswith("step 30 of")  # run.lesson(step=30)
    assert "Link h1→o1 (w5)" in second.locator("#explain").text_content()  # show="w5"
    for _ in range(60):
        if first.locator("#step").text_content().startswith("h1→o1 (w5) updates"):
            break
        first.locator("#next").click()
    assert "0.4 − 0.5 × 0.082167041 = 0.35891648" in first.locator("#step").text_content()
    assert second.locator("#where").text_content().startswith("step 30 of")  # untouched
    first.locator('.link[data-name="h1→o1"]').click()
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in (
        first.locator("#explain").text_content()
    )
    inner = [f for f in page.frames if f is not page.main_frame]
    assert len(inner) == 2
    assert overflowing(inner[0], ["#explain", "#links-box", "#neurons-box", "#diagram"]) == []
    step = int(re.search(r"step (\d+)", first.locator("#where").text_content()).group(1))
    inner[1].evaluate(f"location.hash = '#step={step}'")  # a deep link inside the frame
    where = "document.getElementById('where').textContent"
    inner[1].wait_for_function(f"{where}.startsWith('step {step} ')")
    assert "0.35891648" in second.locator("#step").text_content()
    assert overflowing(inner[1], ["#explain", "#links-box", "#neurons-box", "#diagram"]) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_lessons_page_is_sandboxed_and_self_contained():
    """The inline lesson: a sandboxed frame (scripts, nothing else) holding the whole page."""
    lesson = examples.mazur().lesson(examples.MAZUR_SAMPLE, rate=0.5)
    frame = lesson._repr_html_()
    assert frame.startswith('<iframe class="lernpy-lesson" sandbox="allow-scripts" srcdoc="')
    assert "allow-same-origin" not in frame and "0.35891648" in frame
