"""The lesson page's recording and chain-rule text, checked against Mazur's published numbers."""

from __future__ import annotations

import json
import re

import pytest

from lernpy import LernpyError, Network, NumericError, datasets, examples
from lernpy.pictures import lesson_html, record, write_lesson
from lernpy.pictures.lesson import state_at
from lernpy.views.explain import describe, num


def frames_of(html: str) -> dict:
    """The lesson data embedded in a page."""
    match = re.search(
        r'<script type="application/json" id="lesson-data">(.*?)</script>', html, re.S
    )
    assert match
    return json.loads(match.group(1))


def mazur_record() -> tuple[Network, dict]:
    net = examples.mazur()
    return net, record(net, examples.MAZUR_SAMPLE, rate=0.5)


def test_recording_replays_the_scheduler_and_leaves_the_network_as_it_was():
    """One frame per step, in the scheduler's order, and afterwards every number is unchanged."""
    net = examples.mazur()
    before = net.state()
    rec = record(net, examples.MAZUR_SAMPLE, rate=0.5)
    assert net.state() == before
    other = examples.mazur()
    steps = other.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    assert [f["k"] for f in rec["frames"]] == ["Start"] + [s.kind for s in steps]
    _, last = state_at(rec, len(rec["frames"]) - 1)
    names = [link["name"] for link in rec["links"]]
    assert [w for w, *_ in last] == [other[name].weight for name in names]
    n, _ = state_at(rec, len(rec["frames"]) - 1)
    assert [row[1] for row in n] == [neuron.value for neuron in other.neurons]
    assert rec["complete"]


def test_the_w5_update_frame_holds_mazurs_published_weight():
    """After w5's update the recorded weight of h1→o1 is 0.35891648, and before it 0.4."""
    _, rec = mazur_record()
    k = [link["name"] for link in rec["links"]].index("h1→o1")
    (at,) = [
        i for i, f in enumerate(rec["frames"]) if f["k"] == "Updated" and f["f"] == ["link", k]
    ]
    assert round(state_at(rec, at)[1][k][0], 8) == 0.35891648
    assert state_at(rec, at - 1)[1][k][0] == 0.4
    assert [row[0] for row in rec["frames"][at]["dl"]] == [k]  # only w5 changed in that step
    assert rec["frames"][at]["t"] == (
        "h1→o1 (w5) updates: w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648"
    )


def test_step_lines_are_the_terminals_lines():
    """Each frame's line is lernpy.views.explain.describe of the same step in a separate run."""
    _, rec = mazur_record()
    other = examples.mazur()
    run = other.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    lines = []
    while not run.finished:
        lines.append(describe(run.step()))  # described while the network holds its numbers
    assert [f["t"] for f in rec["frames"][1:]] == lines
    assert (
        "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775, value = sigmoid(net) = 0.593269992" in lines
    )


def explanation(rec: dict, name: str, stage: int) -> str:
    k = [link["name"] for link in rec["links"]].index(name)
    return "\n".join(rec["explain"][k][stage][1])


def test_output_link_explanation_has_the_published_chain_rule():
    """w5: ∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041; new w5 0.35891648."""
    _, rec = mazur_record()
    text = explanation(rec, "h1→o1", 2)
    assert "h1→o1 (w5)" in text
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in text
    assert "= 0.75136507 − 0.01 = 0.74136507" in text  # error(o1) = out − target
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in text
    assert "0.35891648" not in explanation(rec, "h1→o1", 1)  # not yet updated at Learned
    assert "0.082167041" in explanation(rec, "h1→o1", 1)
    delivered = explanation(rec, "h1→o1", 0)
    assert "= 0.4 × 0.593269992" in delivered and "has not reached h1→o1" in delivered


def test_explanations_are_the_terminals_explanations():
    """After the run, each link's last recorded explanation is its link.explain() text."""
    _, rec = mazur_record()
    other = examples.mazur()
    other.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    for k, link in enumerate(rec["links"]):
        assert "\n".join(rec["explain"][k][-1][1]) == other[link["name"]].explain().text()


def test_hidden_link_explanation_sums_the_blame_of_both_outputs():
    """w1: ∂E/∂out_h1 = 0.036350306, × 0.241300709 × 0.05 = 0.000438568; new w1 0.149780716."""
    _, rec = mazur_record()
    text = explanation(rec, "i1→h1", 2)
    assert "= 0.138498562 × 0.4 + (-0.038098237) × 0.5" in text  # w5, w7 before their update
    assert "= 0.055399425 + (-0.019049118) = 0.036350306" in text
    assert "= 0.036350306 × 0.241300709 × 0.05 = 0.000438568" in text
    assert "= 0.15 − 0.5 × 0.000438568 = 0.149780716" in text


def test_frozen_bias_link_says_it_never_changes():
    """Mazur's biases are frozen: their explanation stops at the blame."""
    _, rec = mazur_record()
    k = [link["name"] for link in rec["links"]].index("b2→o1")
    assert len(rec["explain"][k]) == 2  # delivered, learned: never updated
    assert "frozen" in "\n".join(rec["explain"][k][-1][1])


def test_fused_softmax_and_momentum_explanations_have_the_runs_numbers():
    """Softmax with cross-entropy: out − target; momentum's term in the second update."""
    data = [((0.5, -1.0), (0.0, 1.0)), ((1.0, 0.25), (1.0, 0.0))]
    options = dict(rate=0.1, momentum=0.9)

    def build() -> Network:
        return Network.layered(2, 2, output="softmax", loss="cross_entropy", seed=3)

    rec = record(build(), data, **options)
    other = build()
    assert other.loss_function.name == "cross_entropy"
    steps = other.scheduler(data, **options).run()
    first, second = [s for s in steps if s.kind == "Updated" and s.link.name == "x1→y2"]
    # momentum's term by hand: 0.9 × the first update's change
    assert second.momentum_term == pytest.approx(0.9 * (first.new - first.old), rel=1e-12)
    k = [link["name"] for link in rec["links"]].index("x1→y2")
    text = "\n".join(rec["explain"][k][-1][1])
    y2 = other["y2"]
    assert f"= {num(y2.value)} − {num(y2.target)} = {num(y2.value - y2.target)}" in text
    # the velocity by hand: b = 0.9 × the first update's b + this gradient; w ← w − 0.1 · b
    b = 0.9 * first.after.velocity + second.gradient
    assert second.after.velocity == pytest.approx(b, rel=1e-12)
    b_prev = num(first.after.velocity)
    assert f"= 0.9 × {f'({b_prev})' if first.after.velocity < 0 else b_prev} + " in text
    assert f"= {num(second.old)} − 0.1 × {num(b)} = {num(second.new)}" in text


def test_page_is_self_contained_and_makes_no_request():
    """No external address, no src/href; a CSP that allows nothing from outside."""
    html = lesson_html(examples.mazur(), examples.MAZUR_SAMPLE, rate=0.5, title="Mazur")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<[a-zA-Z][^>]*\s(src|href)\s*=", html)
    assert not re.search(r"@import|url\(", html)
    addresses = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert addresses <= {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched
    data = frames_of(html)
    assert len(data["frames"]) == 1 + len(
        examples.mazur().scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    )


def test_lesson_of_several_samples_and_a_step_limit(tmp_path):
    """XOR's four samples are all in the page; a step limit is stated on the page."""
    net = Network.layered(2, 2, 1, activation="sigmoid", seed=1)
    path = write_lesson(tmp_path / "xor.html", net, datasets.xor(), rate=0.5)
    data = frames_of(path.read_text(encoding="utf-8"))
    assert sum(f["k"] == "Presented" for f in data["frames"]) == 4
    short = lesson_html(net, datasets.xor(), rate=0.5, max_steps=30)
    assert "stopped after 30 steps" in short and len(frames_of(short)["frames"]) == 31


def test_unknown_scheduler_option_is_an_error_and_changes_nothing():
    """Options go to the scheduler, which names what is wrong."""
    net = examples.mazur()
    before = net.state()
    with pytest.raises(LernpyError, match="rate"):
        record(net, examples.MAZUR_SAMPLE, rate=-1)
    assert net.state() == before


def test_a_step_that_overflows_stops_the_recording_and_changes_nothing():
    """The scheduler's numeric error comes through, and every step taken is undone."""
    net = Network.layered(1, 1, activation="identity", weights={"x1→y1": 1e200, "b1→y1": 0.0})
    before = net.state()
    with pytest.raises(NumericError, match="x1→y1 became inf"):
        record(net, [((1e200,), (0.0,))], rate=0.1)
    assert net.state() == before


def test_the_embedded_data_holds_no_markup_and_the_script_runs_by_its_hash():
    """<, > and & are escaped in the JSON; the policy runs only the page's own script."""
    import base64
    import hashlib
    import re

    from lernpy.pictures.lesson import lesson_html

    net = Network(seed=1)
    net.add_neuron("x", kind="input")
    net.add_neuron("<!--<script>&", "sigmoid", kind="output")
    net.add_link("x", "<!--<script>&", 0.5)
    page = lesson_html(net, [((0.5,), (1.0,))], title="a </script> title")
    data = re.search(r'id="lesson-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    assert "\\u003c!--\\u003cscript\\u003e\\u0026" in data
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert (
        f"script-src 'sha256-{digest}'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )


def test_the_first_frame_holds_the_numbers_before_any_step():
    """Frame 0 is the network as it was (each later frame holds only what its step changed)."""
    net, rec = mazur_record()
    fresh = examples.mazur()
    assert [row[0] for row in rec["frames"][0]["l"]] == [link.weight for link in fresh.links]
    assert [row[1] for row in rec["frames"][0]["n"]] == [n.value for n in fresh.neurons]
    k = [link["name"] for link in rec["links"]].index("h1→o1")
    assert state_at(rec, 5)[1][k][0] == 0.4


def test_a_lesson_object_shows_the_page_inline_and_saves_it(tmp_path):
    """net.lesson(...) and run.lesson(): the page in a sandboxed frame, one line in a REPL."""
    from html import unescape

    from lernpy.pictures.lesson import Lesson

    lesson = examples.mazur().lesson(examples.MAZUR_SAMPLE, rate=0.5, step=34, show="w5")
    assert isinstance(lesson, Lesson)
    assert repr(lesson) == "Lesson(43 steps, 1 sample, rate 0.5; save(path) writes the page)"
    frame = lesson._repr_html_()
    page = unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert page == lesson.html and frames_of(page)["start"] == 34
    assert frames_of(page)["chosen"] == ["link", 6]  # h1→o1, the seventh link
    assert lesson.save(tmp_path / "x.html").read_text(encoding="utf-8") == lesson.html
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.25, momentum=0.5, epochs=2)
    before = net.state()
    again = run.lesson()
    assert net.state() == before and run.peek().kind == "Presented"  # the run is not moved
    data = frames_of(again.html)
    assert data["rate"] == 0.25 and sum(f["k"] == "EpochEnded" for f in data["frames"]) == 2
    with pytest.raises(LernpyError, match="show='w9'"):
        examples.mazur().lesson(examples.MAZUR_SAMPLE, show="w9")


def test_the_page_records_each_samples_loss_and_each_neurons_explanation():
    """The loss panel's points are the Scored steps; a neuron's chain rule is explain()'s."""
    net = Network.layered(2, 2, 1, seed=1)
    rec = record(net, datasets.xor(), rate=0.5)
    other = Network.layered(2, 2, 1, seed=1)
    steps = other.scheduler(datasets.xor(), rate=0.5).run()
    assert [loss for _, loss, _, _ in rec["losses"]] == [
        s.loss for s in steps if s.kind == "Scored"
    ]
    assert [f for f, _, _, _ in rec["losses"]] == [
        i + 1 for i, s in enumerate(steps) if s.kind == "Scored"
    ]
    assert rec["epochLosses"] == [[len(steps), steps[-1].loss]]
    h1 = [n["name"] for n in rec["neurons"]].index("h1")
    assert "\n".join(rec["nexplain"][h1][-1][1]) == other["h1"].explain().text()


def test_a_lesson_leaves_the_network_as_it_was_whatever_the_options():
    """lesson_html(history="batch") could not undo its steps: the network was changed."""
    net = Network.layered(2, 2, 1, seed=1)
    before = net.state()
    for options in ({"history": "batch"}, {"batch_size": 2, "history": "recent"}, {"epochs": 2}):
        try:
            lesson_html(net, datasets.xor(), rate=0.5, **options)
        except LernpyError:
            pass
        assert net.state() == before, options
