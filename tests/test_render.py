"""Every view of the Mazur network after one sample, as golden text, HTML, and at 60 columns."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from rich.console import Console

from lernpy import Activation, Network, datasets, examples
from lernpy.views import render
from lernpy.views.explain import num
from lernpy.views.html import html
from lernpy.views.tables import link_grid

# Mazur's published figures for one sample (rate 0.5), see tests/test_explain.py
MAZUR_FIGURES = ("0.74136507", "0.186815602", "0.593269992", "0.082167041", "0.35891648")
MAZUR_W1 = ("0.036350306", "0.241300709", "0.05", "0.000438568", "0.149780716")
WIDTHS = (80, 120)


def mazur(**options):
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, **options)
    run.run()
    return net, run


def bad_derivative_net() -> Network:
    """Hidden neurons whose derivative is wrong (half the true sigmoid slope): gradcheck fails."""
    bad = Activation.custom(
        "badsig",
        lambda x: 1.0 / (1.0 + math.exp(-x)),
        lambda x: 0.5 / (1.0 + math.exp(-x)) * (1.0 - 1.0 / (1.0 + math.exp(-x))),
    )
    return Network.layered(2, 2, 1, activation=bad, output="sigmoid", seed=3)


def views() -> dict[str, object]:
    """Name → renderable, all from fresh networks with fixed numbers."""
    net, run = mazur()
    checked, _ = mazur()
    before = examples.mazur()
    pending = before.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    pending.run(until="update")
    trained, _ = mazur(epochs=3)
    history = examples.mazur().train([examples.MAZUR_SAMPLE], epochs=40, rate=0.5)
    xor = Network.layered(2, 2, 1, activation="sigmoid", seed=1)
    batch = xor.scheduler(datasets.xor(), rate=2.0, batch_size=4)
    for _ in range(3):
        batch.step("sample")  # three samples of the batch of four
    steps = []  # each line made as its step happens, as show=True prints it
    live = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    live.show = lambda step: steps.append(render.step_line(step))
    live.run()
    bad = bad_derivative_net()
    return {
        "summary": render.summary(run),
        "links": render.link_table(net),
        "links_layer2": render.link_table(net, layer=2),
        "links_pending": render.link_table(pending),
        "links_batch": render.link_table(batch),
        "neurons": render.neuron_table(net),
        "tree": render.tree(net),
        "steps": steps,
        "explain_w5": net["w5"].explain(),
        "explain_w1": net["w1"].explain(),
        "explain_o1": net["o1"].explain(),
        "explain_h1": net["h1"].explain(),
        "gradcheck_ok": checked.gradcheck(examples.MAZUR_SAMPLE),
        "gradcheck_fail": bad.gradcheck(((0.3, 0.7), (1.0,))),
        "trace_w5": render.trace_table(trained.trace, "w5"),
        "trace_last": render.trace_table(net.trace, last=8),
        "history": history,
    }


def text_of(obj: object, width: int) -> str:
    console = Console(file=io.StringIO(), record=True, width=width, color_system=None)
    for item in obj if isinstance(obj, list) else [obj]:
        console.print(item)
    return console.export_text()


@pytest.fixture(scope="module")
def all_views():
    return views()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(views()))
def test_view_matches_golden(all_views, golden, name, width):
    """Each view, rendered without colour, is the reviewed text in tests/golden."""
    golden(f"{name}_{width}", text_of(all_views[name], width))


@pytest.mark.parametrize("width", WIDTHS)
def test_mazur_figures_appear_in_the_rendered_explanations(all_views, width):
    """The article's numbers, independent of the golden files, at both widths."""
    w5 = text_of(all_views["explain_w5"], width)
    for figure in MAZUR_FIGURES:
        assert figure in w5
    assert "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in w5
    w1 = text_of(all_views["explain_w1"], width)
    for figure in MAZUR_W1:
        assert figure in w1
    assert "0.036350306 × 0.241300709 × 0.05 = 0.000438568" in w1


def test_wide_link_table_has_the_article_numbers(all_views):
    """At 140 columns every digit fits: ∂E/∂w5, w5's blame, the new w5, ∂E/∂w1, the new w1."""
    text = text_of(all_views["links"], 140)
    row5 = next(line for line in text.splitlines() if line.lstrip().startswith("h1→o1"))
    assert row5.split()[2:] == [
        "0.4",
        "0.593269992",
        "0.74136507",
        "0.186815602",
        "0.138498562",
        "0.082167041",
        "0.055399425",  # blame: 0.4 × 0.138498562, sent back to h1
        "-0.04108352",
        "0.35891648",
    ]
    row1 = next(line for line in text.splitlines() if line.lstrip().startswith("i1→h1"))
    assert "0.000438568" in row1 and row1.split()[-1] == "0.149780716"


def test_pending_table_shows_the_change_to_come(all_views):
    """Before the update phase, Δw and w′ are the ones −rate·∂E/∂w will make (marked as such)."""
    text = text_of(all_views["links_pending"], 120)
    assert "0.35891648" in text and "still to come" in text


def test_batch_table_shows_sample_and_batch_gradients(all_views):
    """Mid-batch: this sample's ∂E/∂w next to the gradient gathered over 3 samples."""
    text = text_of(all_views["links_batch"], 120)
    assert "Σ ∂E/∂w" in text and "batch of 4" in text
    rows = [line for line in text.splitlines() if line.lstrip().startswith("b2→y1")]
    assert rows[-1].split()[-1] == "3"  # three samples into the batch of four


def test_failing_gradcheck_is_set_apart(all_views):
    """The failing links come first, marked FAIL, with the suspect neurons named."""
    text = text_of(all_views["gradcheck_fail"], 80)
    failing, passing = text.split("Agree:")
    assert len(re.findall(r"\bFAIL\b", failing)) == 6
    assert "suspect neurons" in failing and "h1, h2" in failing
    assert "FAIL" not in passing and passing.count(" ok") == 3


@pytest.mark.parametrize("name", list(views()))
def test_every_view_fits_60_columns(all_views, name):
    """At 60 columns nothing is wider than 60 and tables fold instead of wrapping numbers."""
    text = text_of(all_views[name], 60)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 60


def test_folded_link_table_keeps_every_number_whole(all_views):
    """At 60 columns each row of each part is a link name followed by whole numbers."""
    text = text_of(all_views["links"], 60)
    assert "part 1 of" in text
    number = re.compile(r"-?\d+(\.\d+)?(e-\d+)?$")
    rows = [line for line in text.splitlines() if re.match(r"\s*[ihb]\d→", line)]
    parts = int(re.search(r"part 1 of (\d)", text).group(1))
    assert len(rows) == parts * 12
    for line in rows:
        cells = re.sub(r"^\s*\S+( \(w\d\))?", "", line).split()
        assert cells and all(number.match(c) or c == "frozen" for c in cells), line
    grid = link_grid(examples.mazur())  # every link named in each part
    assert all(text.count(link.name) == parts for link in examples.mazur().links)
    assert grid.rows


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_output_reads_the_same_without_colour(all_views, monkeypatch, env):
    """With NO_COLOR or a dumb terminal the text is the same as the golden text, sans colour."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    console = Console(file=io.StringIO(), width=80, force_terminal=True)
    console.print(all_views["links"])
    raw = console.file.getvalue()
    assert not re.search(r"\x1b\[[0-9;]*3[0-9](;|m)", raw)  # no foreground colour codes
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    assert plain == text_of(all_views["links"], 80)


# -- HTML for Jupyter -------------------------------------------------------------------

VOID = {"br", "hr", "img", "meta", "input", "col"}


class Cells(HTMLParser):
    """Checks that tags nest and close; collects each table's rows of cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self.cell or []).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def parse(markup: str) -> Cells:
    parser = Cells()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], f"unclosed tags {parser.stack}"
    return parser


def test_link_table_html_has_the_text_tables_numbers():
    """Parsing the HTML link table gives, row by row, the cells of the 120-column text table."""
    net, _ = mazur()
    parsed = parse(net["w5"]._repr_html_() + html(net))
    link_table = next(t for t in parsed.tables if len(t) == 13)  # header + 12 links
    text = text_of(render.link_table(net), 200)
    text_rows = [
        [c for c in re.split(r"\s{2,}", line.strip()) if c]
        for line in text.splitlines()
        if re.match(r"\s*[ihb]\d→", line)
    ]
    html_rows = [[c for c in row if c] for row in link_table[1:]]
    assert html_rows == text_rows
    assert ["h1→o1 (w5)", "0.4", "0.593269992", "0.74136507", "0.186815602"] == html_rows[6][:5]
    assert "0.082167041" in html_rows[6] and "0.35891648" in html_rows[6]


def test_network_html_is_valid_and_complete():
    """A network's HTML: summary, neuron and link tables, all tags closed."""
    net, _ = mazur()
    parsed = parse(net._repr_html_())
    assert len(parsed.tables) == 3
    neuron_rows = {row[0]: row for row in parsed.tables[1][1:]}
    assert neuron_rows["o1"][2:5] == ["1.105905967", "0.75136507", "0.74136507"]


def test_network_html_holds_the_summary_and_one_inline_diagram():
    """Jupyter's one view of a network: the summary's numbers as the text shows them, then one
    self-contained <svg> with a circle per neuron."""
    net, _ = mazur()
    markup = net._repr_html_()
    summary = parse(markup).tables[0]
    text = text_of(render.summary(net), 120)
    for key, value in summary:  # every summary row, word for word as the terminal prints it
        assert re.search(rf"^\s*{re.escape(key)}\s+{re.escape(value)}\s*$", text, re.M), key
    assert "0.298371109" in text  # Mazur's published loss of the sample, in both
    assert any("0.298371109" in value for _, value in summary)
    (start,) = [m.start() for m in re.finditer(r"<svg\b", markup)]
    end = markup.index("</svg>", start) + len("</svg>")
    svg = ET.fromstring(markup[start:end])
    circles = [e for e in svg.iter() if e.tag.rpartition("}")[2] == "circle"]
    assert len(circles) == len(net.neurons) == 8
    assert "src=" not in markup and "href" not in markup and "url(" not in markup


def test_everything_shows_itself():
    """Plain repr, rich and HTML for each object a user holds, with no render call."""
    net, run = mazur()
    step = net.trace[5]
    objects = [
        net,
        net["h1"],
        net["w5"],
        step,
        run.peek() or step,
        net.trace,
        net.gradcheck(examples.MAZUR_SAMPLE),
        net.train([examples.MAZUR_SAMPLE], epochs=3, rate=0.5),
        net["w5"].explain(),
        run,
    ]
    for obj in objects:
        text = repr(obj)
        if type(obj).__name__ != "Explanation":
            assert "\n" not in text and len(text) < 250, text
        assert text_of(obj, 80) == text_of(render.view(obj), 80)
        parse(obj._repr_html_())


def test_show_true_prints_each_step_as_it_happens(capsys):
    """A scheduler made with show=True prints one line per step, and back() says what it undid."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, show=True)
    run.step("neuron")
    out = capsys.readouterr().out
    assert "sample 0 presented" in out and "i1→h1 (w1) delivers w · out_i1 = 0.15 × 0.05" in out
    assert "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775" in out
    run.back()
    assert capsys.readouterr().out.startswith("undone: h1 fires")
    seen = []
    run.show = seen.append
    run.step()
    assert [s.kind for s in seen] == ["Fired"]


def test_loss_chart_falls_from_top_left_to_bottom_right():
    """A falling loss puts its first star on the top row and its last on the bottom row."""
    chart = repr(render.loss_chart([1.0, 0.5, 0.25, 0.125], width=20, height=4)).splitlines()
    assert chart[0].startswith("1") and chart[0].endswith("*")
    assert chart[3].startswith(num(0.125, 4)) and chart[3].endswith("*")
    assert chart[-1].strip() == "epochs 1–4"


def test_tables_show_themselves_in_a_plain_repl():
    """net.table() and run.table() are text tables in a plain REPL, HTML in Jupyter."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="update")
    text = render.text(run.table(layer=2), width=120)
    assert repr(run.table(layer=2)).splitlines()[0] == text.splitlines()[0]
    row = [line for line in text.splitlines() if "h1→o1 (w5)" in line][-1]
    assert row.split()[-2:] == ["-0.04108352", "0.35891648"]  # the change still to come
    assert "0.35891648" not in render.text(net.table(layer=2), width=120)  # not without a rate
    neurons = render.text(net.table("neurons"), width=120)
    assert "1.105905967" in neurons and "0.75136507" in neurons
    parse(net.table("summary")._repr_html_())
    with pytest.raises(KeyError):
        net.table("weights")


def test_mid_sample_tables_leave_blank_what_is_not_reached():
    """After h1 fires, only h1's numbers are in: no stale zeros for the rest of the sample."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.step("neuron")
    grid = net.table()
    rows = {row[0]: row for row in grid.rows}
    assert rows["i1→h1 (w1)"][1:5] == [0.15, 0.05, None, pytest.approx(0.241300709)]
    assert rows["h1→o1 (w5)"][2] == pytest.approx(0.593269992)  # out_h1 is known
    assert rows["h1→o1 (w5)"][3:] == [None] * 7  # o1 has not fired, nothing went back
    assert rows["h2→o1 (w6)"][2] is None  # h2 has not fired yet
    neurons = {row[0]: row for row in net.table("neurons").rows}
    assert neurons["h1"][2] == 0.3775 and neurons["h2"][2:7] == [None] * 5
    run.run(until="backward")
    rows = {row[0]: row for row in net.table().rows}
    assert rows["h1→o1 (w5)"][3] == pytest.approx(0.74136507)  # the loss gave o1 its error
    assert rows["h1→o1 (w5)"][5:7] == [None, None]  # o1 has not sensed yet


def test_views_ignore_a_trace_that_no_longer_matches():
    """Stepping half a sample, then training without a trace: the views show the new numbers."""
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).step("phase")  # the forward pass only
    net.train([examples.MAZUR_SAMPLE], epochs=2, rate=0.5)
    rows = {row[0]: row for row in net.table().rows}
    assert rows["h1→o1 (w5)"][6] == net["w5"].sensitivity != 0.0  # not blanked as "not reached"
    text = net["w5"].explain().text()
    assert f"= {num(net['w5'].sensitivity)}" in text.splitlines()[2]
