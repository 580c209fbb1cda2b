"""What a learner sees in a plain REPL and takes to slides: one-line reprs at 80 columns, tables
as text without rich, exports that parse back, series, labelled states and their diff, one
vocabulary and one number format."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lernpy
from lernpy import LernpyError, Network, datasets, examples, fit
from lernpy.views import render
from lernpy.views.explain import describe
from lernpy.views.tables import link_grid, neuron_grid

ROOT = Path(__file__).resolve().parent.parent


def mazur_before_update():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="update")
    return net, run


# -- reprs: one line, at most 80 columns ----------------------------------------------------


def test_reprs_are_one_line_of_at_most_80_columns():
    """Scheduler, Trace, a query, Explanation, every step record, History, TrainingLog, a
    series, a state, a diff, a lesson: one line each, 80 columns at most, in the REPL."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, momentum=0.9, epochs=2)
    before = net.state()
    steps = run.run()
    history = examples.mazur().train([examples.MAZUR_SAMPLE], epochs=30, rate=0.5)
    log = fit(Network.layered(2, 2, 1, seed=1), datasets.xor(), datasets.xor(), epochs=2)
    data = [((0.5,) * 64, (0.0,) * 10)] * 3
    big = Network.layered(64, 32, 10).scheduler(data, momentum=0.9, batch_size=None, epochs=20)
    big.step()
    objects = [
        run, big, net.trace, net.trace.updates("w5"), net.trace.of("h1"), net["w5"].explain(),
        net["h1"].explain(), *steps, history, log, history.weights("w5"),
        net.trace.series("w5", "sensitivity"), net.state(), lernpy.diff(before, net.state()),
        net["h1"], net["w5"], run.peek() or steps[0], net.gradcheck(examples.MAZUR_SAMPLE),
    ]  # fmt: skip
    for obj in objects:
        text = repr(obj)
        assert "\n" not in text and len(text) <= 80, text


def test_scheduler_repr_says_what_comes_next_in_words_and_counts_right():
    """No nested Planned(kind='EpochEnded', name='', …); '1 sample', not '1 samples'."""
    run = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    assert repr(run) == "Scheduler(1 sample, 1 epoch, rate 0.5; next: Presented, epoch 0)"
    run.run(until="epoch")
    assert repr(run) == "Scheduler(1 sample, 1 epoch, rate 0.5; next: EpochEnded, epoch 0)"
    assert repr(run.peek()) == "Planned(EpochEnded, epoch, epoch 0)"


def test_history_repr_says_the_epochs_once():
    """'History(2000 epochs, …, ran 2000 epochs, …)' said it twice; an early stop is named."""
    history = Network.layered(2, 2, 1, seed=1).train(datasets.xor(), epochs=50, rate=2.0)
    assert repr(history).count("50") == 1
    assert re.fullmatch(r"History\(50 epochs, loss [\d.]+ → [\d.]+, compiled engine\)",
                        repr(history))  # fmt: skip
    stopped = Network.layered(2, 2, 1, seed=1).train(datasets.xor(), epochs=2000, rate=2.0,
                                                     target_loss=0.1)  # fmt: skip
    assert repr(stopped).endswith("; reached target loss 0.1)")


def test_a_training_log_is_one_line_not_a_dataclass_dump():
    log = fit(Network.layered(2, 2, 1, seed=1), datasets.xor(), datasets.xor(), epochs=3)
    loss = round(log.last.test_loss, 6)
    assert repr(log) == f"TrainingLog(3 epochs, test loss {loss:g}, test accuracy 50.0%)"


def test_an_explanation_is_a_line_in_a_repl_and_the_chain_rule_when_printed():
    net, _ = mazur_before_update()
    explanation = net["w5"].explain()
    assert repr(explanation) == ("<Explanation of Link h1→o1 (w5): ∂E/∂w5 = 0.082167041; print it>")
    assert str(explanation).splitlines()[2].endswith("= 0.082167041")
    assert repr(net["h1"].explain()).startswith("<Explanation of Neuron h1 (hidden, sigmoid): ")


def test_writing_a_trace_to_a_file_returns_nothing_for_the_repl_to_dump(tmp_path):
    """trace.to_csv(buffer) returned the whole text, which the REPL then printed."""
    net, _ = mazur_before_update()
    buffer = io.StringIO()
    assert net.trace.to_csv(buffer) is None and buffer.getvalue() == net.trace.to_csv()
    assert net.trace.to_jsonl(tmp_path / "t.jsonl") is None
    assert net.table().to_csv(tmp_path / "t.csv") is None


def test_the_tree_reads_in_a_plain_repl():
    """render.tree(net) printed <rich.tree.Tree object at 0x…>; now it is the tree as text."""
    net, _ = mazur_before_update()
    text = repr(render.tree(net))
    assert "object at 0x" not in text
    assert "h1: net 0.3775, value 0.593269992, sensitivity ∂E/∂net 0.008771355" in text
    assert "h1→o1 (w5): weight 0.4" in text
    for view in (render.link_table(net), render.loss_chart([1.0, 0.5]), render.summary(net)):
        assert "object at 0x" not in repr(view)


def test_a_table_prints_as_text_without_rich():
    """A table's repr is made without rich (rich in a notebook printed a second copy)."""
    code = (
        "import sys; from lernpy import examples\n"
        "net = examples.mazur(); run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)\n"
        "_ = run.run(until='update'); text = repr(run.table(layer=2))\n"
        "assert 'rich' not in sys.modules, 'rich was imported'\n"
        "print(text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "h1→o1 (w5)" in done.stdout and "0.082167041" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 100


def test_show_true_prints_each_step_once(capsys):
    """With show=True the line is the output: step() returns nothing for the REPL to echo."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, show=True)
    assert run.step("neuron") is None
    out = capsys.readouterr().out
    assert out.count("h1 fires") == 1 and "Fired(" not in out
    assert run.run() is None and run.back() is None
    assert capsys.readouterr().out.count("undone: epoch 0 ended") == 1
    quiet = examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    assert quiet.step().kind == "Presented"  # without show, the records as always


# -- exports parse back ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables():
    """Every kind of table a lecturer exports: link, neuron, summary, a trace query, a history,
    a training log, a gradient check, a state, a diff, a series."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=2)
    before = net.state()
    run.run()
    history = examples.mazur().train([examples.MAZUR_SAMPLE], epochs=5, rate=0.5)
    log = fit(Network.layered(2, 2, 1, seed=1), datasets.xor(), datasets.xor(), epochs=3)
    return {
        "links": run.table(),
        "layer 2": net.table(layer=2),
        "neurons": net.table("neurons"),
        "summary": net.table("summary"),
        "updates": net.trace.updates("w5").table(),
        "of h1": net.trace.of("h1").table(),
        "trace": net.trace.table(last=8),
        "history": history.table(),
        "log": log.table(),
        "gradcheck": net.gradcheck(examples.MAZUR_SAMPLE).table(),
        "state": net.state().table(),
        "diff": lernpy.diff(before, net.state()).table(),
        "series": history.weights("w5").table(),
    }


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def test_every_table_exports_three_ways(tables):
    for grid in tables.values():
        assert grid.to_csv() and grid.to_markdown() and grid.to_latex()


@pytest.mark.parametrize("name", ["links", "layer 2", "neurons", "updates", "history", "diff"])
def test_csv_reads_back_with_the_same_numbers(tables, name):
    """csv reads the export back: one header, then each row with every number in full."""
    grid = tables[name]
    rows = list(csv.reader(io.StringIO(grid.to_csv())))
    assert rows[0] == [c.name or f"column {k}" for k, c in enumerate(grid.columns, 1)]
    assert len(rows) == 1 + len(grid.rows)
    for got, want in zip(rows[1:], grid.rows, strict=True):
        for text, cell in zip(got, want, strict=True):
            if isinstance(cell, float):
                assert float(text) == cell  # exactly: repr round-trips
            else:
                assert text == ("" if cell is None else str(cell))


@pytest.mark.parametrize("name", list(["links", "neurons", "summary", "of h1", "gradcheck"]))
def test_markdown_table_has_the_same_cells(tables, name):
    """The pipe table's cells are the grid's cells as the views print them."""
    grid = tables[name]
    lines = [ln for ln in grid.to_markdown().splitlines() if ln.startswith("|")]
    header, rule, *body = lines
    split = re.compile(r"(?<!\\)\|")
    cells = [[c.strip().replace("\\|", "|") for c in split.split(ln)[1:-1]] for ln in body]
    assert cells == grid.cells()
    assert len(split.split(rule)) - 2 == len(grid.columns)
    assert all(set(c.strip()) <= set(":-") for c in split.split(rule)[1:-1])


@pytest.mark.parametrize("name", ["links", "updates", "state", "series", "log"])
def test_latex_is_booktabs_with_balanced_environments_and_the_same_numbers(tables, name):
    grid = tables[name]
    latex = grid.to_latex()
    begins = re.findall(r"\\begin\{(\w+)\}", latex)
    ends = re.findall(r"\\end\{(\w+)\}", latex)
    assert begins == ["table", "tabular"] and ends == ["tabular", "table"]
    assert latex.index(r"\toprule") < latex.index(r"\midrule") < latex.index(r"\bottomrule")
    assert latex.count("{") == latex.count("}")
    body = latex.split(r"\midrule")[1].split(r"\bottomrule")[0]
    rows = [ln.rstrip(" \\") for ln in body.strip().splitlines()]
    assert len(rows) == len(grid.rows)
    for line, cells in zip(rows, grid.cells(), strict=True):
        got = [c.strip() for c in line.split(" & ")]
        assert [number(g) for g in got if number(g) is not None] == [
            number(c) for c in cells if number(c) is not None
        ]
    assert r"\begin{tabular}" in grid.to_latex(floating=False)
    assert r"\begin{table}" not in grid.to_latex(floating=False)


def test_explain_takes_a_format_as_the_readme_says():
    """net["w5"].explain(format="latex") raised TypeError; only .explain().latex() worked."""
    net, _ = mazur_before_update()
    latex = net["w5"].explain(format="latex")
    assert isinstance(latex, str) and r"0.74136507 \times 0.186815602" in latex
    assert net["w5"].explain(format="text") == net["w5"].explain().text()
    assert "$$" in net["h1"].explain(format="markdown")
    with pytest.raises(LernpyError, match="format 'pdf'"):
        net["w5"].explain(format="pdf")


# -- watching change: series, state, diff ---------------------------------------------------


@pytest.mark.parametrize("engine", ["reference", "compiled", "numpy"])
def test_history_weights_equal_what_the_scheduler_recorded(engine):
    """After each epoch of train(), the weight the scheduler's own updates reached."""
    if engine == "numpy":
        pytest.importorskip("numpy")
    net = Network.layered(2, 2, 1, activation="tanh", output="sigmoid", seed=4)
    history = net.train(datasets.xor(), epochs=6, rate=0.5, shuffle=False, engine=engine)
    stepped = Network.layered(2, 2, 1, activation="tanh", output="sigmoid", seed=4)
    run = stepped.scheduler(datasets.xor(), rate=0.5, epochs=6)
    run.run()
    updates = [s for s in stepped.trace.updates("h1→y1")]
    at_epoch_end = [updates[0].old] + [
        [u for u in updates if u.epoch == e][-1].new for e in range(6)
    ]
    series = history.weights("h1->y1")
    assert list(series) == pytest.approx(at_epoch_end, rel=0, abs=1e-12)
    assert series.x == list(range(7)) and series.x_label == "epoch"
    with pytest.raises(LernpyError, match="no link named 'w9'"):
        history.weights("w9")


def test_trace_series_is_the_learned_records():
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, epochs=4).run()
    series = net.trace.series("w5", "sensitivity")
    learned = [s for s in net.trace if s.kind == "Learned" and s.link.label == "w5"]
    assert list(series) == [s.sensitivity for s in learned]
    assert series.epochs == [0, 1, 2, 3] and series[0] == pytest.approx(0.082167041, abs=5e-10)
    blame = net.trace.series("h1→o1", "blame")
    assert list(blame) == [s.blame for s in learned]
    assert list(net.trace.series("w5", "weight")) == [s.new for s in net.trace.updates("w5")]
    assert list(net.trace.series("h1", "value")) == [
        s.value for s in net.trace.of("h1") if s.kind == "Fired"
    ]
    with pytest.raises(LernpyError, match="expected one of net, value, error, sensitivity"):
        net.trace.series("h1", "blame")


def test_a_series_draws_itself_as_svg_and_in_the_terminal(rendered):
    history = examples.mazur().train([examples.MAZUR_SAMPLE], epochs=10, rate=0.5)
    series = history.weights("w5")
    svg = series.svg()
    assert svg.startswith("<svg") and 'class="series"' in svg and "epoch" in svg
    points = re.search(r'class="series"[^>]*points="([^"]+)"|points="([^"]+)"[^>]*class="series"',
                       svg)  # fmt: skip
    assert len((points.group(1) or points.group(2)).split()) == len(series)
    text = rendered(series, width=80)
    assert "weight of h1→o1 (w5)" in text and "•" in text and "epoch" in text


def test_state_is_labelled_and_diff_names_what_changed():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="update")
    before = net.state()
    assert before["h1"].value == pytest.approx(0.593269992, abs=5e-10)
    assert before["h1→o1"].weight == 0.4 and before["h1→o1"].blame == net["w5"].blame
    run.step()  # w1 updates
    changes = lernpy.diff(before, net.state())
    assert [(c.name, c.field) for c in changes] == [("i1→h1", "weight"), ("i1→h1", "gradient")]
    assert changes[0].before == 0.15 and changes[0].after == net["w1"].weight
    assert changes[0].change == pytest.approx(-0.5 * 0.000438568, abs=5e-10)
    assert repr(changes) == "Changes(2 numbers: 0 neurons, 1 links: i1→h1)"
    assert lernpy.diff(net, net).__repr__() == "Changes(nothing changed)"
    moving = examples.mazur()  # with momentum the link's optimizer state changes too
    run = moving.scheduler(examples.MAZUR_SAMPLE, rate=0.5, momentum=0.9)
    run.run(until="update")
    before = moving.state()
    run.step()
    fields = [c.field for c in lernpy.diff(before, moving.state())]
    assert fields == ["weight", "gradient", "state"]
    assert "optimizer state" in repr(lernpy.diff(before, moving.state()).table())


# -- one vocabulary, one number format ------------------------------------------------------


def test_headers_say_value_and_tell_the_two_sensitivities_apart():
    net, _ = mazur_before_update()
    links = [c.name for c in link_grid(net).columns]
    neurons = [c.name for c in neuron_grid(net).columns]
    assert "target neuron sensitivity" in links and "link sensitivity" in links
    assert "blame" in links  # what each link sends back
    assert "neuron sensitivity" in neurons and "value" in neurons
    assert not any(name in ("sensitivity", "out") for name in links + neurons)


def test_step_lines_say_value_and_bracket_negative_numbers():
    """'× -1' in step lines and '(-0.8)' in explain: now one format, bracketed in both."""
    net = Network.layered(1, 1, activation="sigmoid", weights={"x1→y1": -1.0, "b1→y1": 0.5})
    lines: list[str] = []  # each line made as its step happens, as show=True prints it
    net.scheduler(((0.8,), (1.0,)), rate=0.5, show=lambda s: lines.append(describe(s))).run()
    assert "x1→y1 delivers w · out_x1 = (-1) × 0.8 = -0.8" in lines
    assert "y1 fires: net = (-0.8) + 0.5 = -0.3, value = sigmoid(net) = 0.425557483" in lines
    assert not any(re.search(r"[×+−] -\d", line) for line in lines)
    assert "(-1) × 0.8" in net["y1"].explain().text()  # explain writes it the same way


def test_explain_of_a_neuron_with_one_outgoing_link_says_its_one_path():
    net = Network.layered(1, 1, 1, activation="sigmoid", seed=2)
    net.scheduler(((0.5,), (1.0,)), rate=0.5).run()
    text = net["h1"].explain().text()
    assert "over its one path" in text and "the 1 path" not in text


def test_mazur_summary_says_its_weights_are_the_published_ones():
    """'seed 0 (init xavier)' although every weight is Mazur's."""
    text = repr(examples.mazur().table("summary"))
    assert "set by hand, all 12" in text and "init xavier" not in text
    drawn = repr(Network.layered(2, 2, 1, seed=7).table("summary"))
    assert "drawn by xavier from seed 7" in drawn


def _booktabs() -> bool:
    import shutil

    if shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.skipif(not _booktabs(), reason="no pdflatex with booktabs.sty to compile the tables")
def test_the_latex_tables_compile(tables, tmp_path):
    """Every exported table compiles with pdflatex (booktabs, amsmath), with no error."""
    body = "\n".join(grid.to_latex() for grid in tables.values())
    doc = (
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs}\n"
        "\\usepackage{amsmath}\n\\usepackage[margin=1cm,landscape]{geometry}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    (tmp_path / "tables.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
