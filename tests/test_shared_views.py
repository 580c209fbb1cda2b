"""Views of a shared weight's sum: explain, the link table, step lines, diagram, lesson page."""

from __future__ import annotations

import re

import pytest

from lernpy import Conv, Dense, Network, datasets, examples
from lernpy.pictures.diagram import diagram_svg
from lernpy.pictures.lesson import lesson_html, record
from lernpy.views.explain import FOLD, describe, num
from lernpy.views.tables import link_grid

NUMBER = r"\(?(-?\d+(?:\.\d+)?(?:e[-+]\d+)?)\)?"


def conv_after_one_sample(until: str | None = "update"):
    net = examples.tiny_conv()
    run = net.scheduler(datasets.bars(1, seed=1), rate=0.5)
    run.run(until=until)
    return net, run


def sum_line(text: str) -> str:
    """The line of the explanation that adds the terms up: '= t1 + t2 + … = total'."""
    return next(
        line for line in text.splitlines() if line.strip().startswith("= ") and " + " in line
    )


def test_explain_k1_writes_the_sum_with_numbers_that_add_up_to_the_gradient(golden):
    """Every term printed, added up, is the printed ∂E/∂k1 (to the printed digits)."""
    net, _run = conv_after_one_sample()
    explanation = net["k1"].explain()
    text = explanation.text()
    golden("explain_k1", text)
    line = sum_line(text)
    *terms, total = [float(x) for x in re.findall(NUMBER, line.split("=", 1)[1])]
    assert len(terms) == len(net["k1"]) == 9
    assert sum(terms) == pytest.approx(total, abs=len(terms) * 5e-10)
    assert total == pytest.approx(net["k1"].sensitivity, abs=5e-10)
    assert num(net["k1"].sensitivity) in line
    # each term is ∂E/∂net of the link's target × its source value, as the where-lines say
    for link in net["k1"].links:
        assert f"∂E/∂w_{link.name} = " in text
        assert num(link.sensitivity) in text
    assert explanation.value == net["k1"].sensitivity


def test_a_long_sum_is_folded_and_still_adds_up():
    """With more terms than FOLD: the largest shown, the rest counted and summed."""
    net = Network.convolutional(
        (1, 4, 4), Conv(1, kernel=2, padding=1, activation="tanh"), Dense(1), seed=3
    )
    assert len(net["k1"]) > FOLD
    net.scheduler(([0.1 * k for k in range(16)], [1.0]), rate=0.1).run(until="update")
    text = net["k1"].explain().text()
    line = sum_line(text)
    assert f"({len(net['k1']) - 6} more terms: " in line
    folded = re.sub(r"\((\d+) more terms: ", "(", line.split("=", 1)[1])
    numbers = [float(x) for x in re.findall(NUMBER, folded)]
    *parts, total = numbers
    assert sum(parts) == pytest.approx(total, abs=len(parts) * 5e-10)
    assert total == pytest.approx(net["k1"].sensitivity, abs=5e-10)
    assert f"… and {len(net['k1']) - 6} more links" in text


def test_explain_mid_sample_shows_the_sum_so_far():
    net, run = conv_after_one_sample(until="backward")
    while True:  # until two of k1's nine links have learned
        step = run.step()
        if step.kind == "Learned" and step.link is net["k1"].links[1]:
            break
    text = net["k1"].explain().text()
    assert "so far: the backward pass has reached 2 of its 9 links" in text
    partial = net["k1"].links[0].sensitivity + net["k1"].links[1].sensitivity
    assert sum_line(text).endswith(f"= {num(partial)}")


def test_step_lines_show_the_sum_growing_link_by_link():
    net, run = conv_after_one_sample(until="backward")
    steps = run.run(until="update")
    lines = [describe(s) for s in steps if s.kind == "Learned" and s.link.shared is net["k1"]]
    assert [re.search(r"Σ of (\d) of 9 terms", line).group(1) for line in lines] == list(
        "123456789"
    )
    running = 0.0
    for line, link in zip(lines, net["k1"].links):
        running += link.sensitivity
        assert line.endswith(f"= {num(running)}")
    update = next(s for s in run.run() if s.kind == "Updated" and s.link is net["k1"])
    assert describe(update).startswith("k1 (9 links) updates: k1 ← k1 − rate·∂E/∂k1 = ")


def test_link_table_has_a_row_per_shared_weight_with_the_sum(golden, rendered):
    net = examples.tiny_rnn()
    net.scheduler(datasets.parity(1, steps=3, seed=1), rate=0.5).run()
    grid = link_grid(net, links=["W[1,1]", "V[1,1]"])
    sums = [row for row, mark in zip(grid.rows, grid.marks) if mark == "sum"]
    assert [row[0] for row in sums] == ["W[1,1] (Σ of 2 links)", "V[1,1] (Σ of 3 links)"]
    for row, shared in zip(sums, [net["W[1,1]"], net["V[1,1]"]]):
        assert row[6] == shared.sensitivity  # the sum of the links' ∂E/∂w
        linked = [r for r in grid.rows if r[0].endswith(f"({shared.name})")]
        assert len(linked) == len(shared.links)
        assert {r[-1] for r in linked} == {row[-1]}  # every link moved to the same new weight
    golden("links_shared_120", rendered(net.table(links=["W[1,1]", "V[1,1]"]), width=120))


def test_gradcheck_table_has_a_row_per_shared_weight(rendered):
    net = examples.tiny_rnn()
    check = net.gradcheck(datasets.parity(1, steps=3, seed=1)[0])
    assert check.ok
    text = rendered(check, width=100)
    assert "W[1,1]" in text and f"Agree: {len(net.links) + len(net.shared_weights)} of" in text


def test_diagram_labels_the_links_of_a_shared_weight_alike():
    net = examples.tiny_conv()
    svg = diagram_svg(net, annotate="weight", highlight="k2")
    assert svg.count('data-shared="k2"') == 9
    labels = re.findall(r'class="link-label"[^>]*data-name="([^"]+)"[^>]*>([^<]+)<', svg)
    for name, text in labels:
        shared = net[name].shared
        if shared is not None:
            assert text.startswith(f"{shared.name} ")
    assert svg.count("highlighted") == 9  # highlighting k2 marks all its links
    assert "5 shared weights: the links of one share its name, colour and width" in svg


def test_lesson_page_names_shared_weights_and_shows_the_sum_growing():
    net = examples.tiny_rnn()
    data = datasets.parity(1, steps=3, seed=1)
    rec = record(net, data, rate=0.5)
    assert {link["label"] for link in rec["links"]} >= {"W[1,1]", "U[2,1]", "c[1]"}
    lines = [frame["t"] for frame in rec["frames"]]
    assert any("∂E/∂W[1,1] so far: Σ of 2 of 2 terms" in line for line in lines)
    shared_updates = [f for f in rec["frames"] if f["t"].startswith("W[1,1] (2 links) updates")]
    assert len(shared_updates) == 1 and shared_updates[0]["f"][0] == "link"
    page = lesson_html(net, data, rate=0.5)
    assert "so far" in page


@pytest.mark.parametrize("name", ["conv", "rnn"])
def test_the_stepper_examples_step_through_shared_weights(name):
    from lernpy.cli.main import main

    assert main(["explain", name, "k1" if name == "conv" else "W[1,1]"]) == 0


def test_summary_counts_the_weights_that_learn():
    """71 links, 16 of them frozen pooling links; 45 share 5 weights: 5 + 10 dense learn."""
    from lernpy.views.tables import summary_grid

    rows = dict((row[0], row[1]) for row in summary_grid(examples.tiny_conv()).rows)
    assert rows["parameters"] == (
        "71 links (55 learn, 16 frozen); 5 shared weights over 45 of them, so 15 weights learn"
    )


def test_a_trace_of_a_shared_weight_keeps_its_links_steps_and_its_update():
    from lernpy import Trace

    net = examples.tiny_rnn()
    trace = Trace(links=["W[1,1]"])
    net.scheduler(datasets.parity(1, steps=3, seed=1), trace=trace).run()
    assert [(s.kind, s.name) for s in trace] == [
        ("Delivered", "h1@t1→h1@t2"),
        ("Delivered", "h1@t2→h1@t3"),
        ("Learned", "h1@t2→h1@t3"),
        ("Learned", "h1@t1→h1@t2"),
        ("Updated", "W[1,1]"),
    ]
    assert trace.of("W[1,1]") == list(trace) and len(trace.updates("W[1,1]")) == 1
