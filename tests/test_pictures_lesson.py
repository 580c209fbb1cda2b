"""The lesson page's recording and chain-rule text, checked against Mazur's published numbers."""

from __future__ import annotations

import json
import re

import pytest

from lernpy import LernpyError, Network, NumericError, datasets, examples
from lernpy.pictures import explain, lesson_html, record, write_lesson
from lernpy.pictures.lesson import state_at


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
    assert "0.40000000 → 0.35891648" in rec["frames"][at]["t"]


def explanation(rec: dict, name: str, stage: int) -> str:
    k = [link["name"] for link in rec["links"]].index(name)
    return "\n".join(rec["explain"][k][stage][1])


def test_output_link_explanation_has_the_published_chain_rule():
    """w5: ∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041; new w5 0.35891648."""
    _, rec = mazur_record()
    text = explanation(rec, "h1→o1", 2)
    assert "h1→o1 (w5)" in text
    assert "= 0.74136507 × 0.18681560 × 0.59326999" in text
    assert "= 0.08216704" in text
    assert "error(o1) = value − target = 0.75136507 − 0.01000000 = 0.74136507" in text
    assert "= 0.40000000 − 0.5 × 0.08216704 = 0.35891648" in text
    assert "0.35891648" not in explanation(rec, "h1→o1", 1)  # not yet updated at Learned
    assert "once the backward pass reaches o1" in explanation(rec, "h1→o1", 0)


def test_hidden_link_explanation_sums_the_blame_of_both_outputs():
    """w1: error(h1) = 0.036350306, × 0.241300709 × 0.05 = 0.000438568; new w1 0.149780716."""
    _, rec = mazur_record()
    text = explanation(rec, "i1→h1", 2)
    assert "error(h1) = Σ blame = w(h1→o1)·sensitivity(o1) + w(h1→o2)·sensitivity(o2)" in text
    assert "0.40000000 × 0.13849856 + 0.50000000 × −0.03809824 = 0.03635031" in text
    assert "= 0.03635031 × 0.24130071 × 0.05000000" in text
    assert "= 0.00043857" in text
    assert "= 0.15000000 − 0.5 × 0.00043857 = 0.14978072" in text


def test_frozen_bias_link_says_it_never_changes():
    """Mazur's biases are frozen: their explanation stops at the blame."""
    _, rec = mazur_record()
    k = [link["name"] for link in rec["links"]].index("b2→o1")
    assert len(rec["explain"][k]) == 2  # delivered, learned: never updated
    assert "frozen" in "\n".join(rec["explain"][k][-1][1])


def test_explain_fused_softmax_and_momentum_from_plain_numbers():
    """The pure function writes value − target for fused outputs and the momentum term."""
    lines = explain(
        dict(name="h1→y2", label=None, source="h1", target="y2", stage="updated", weight=0.5,
             source_value=0.25, link_value=0.125, target_kind="output",
             target_activation="softmax", target_value=0.7, target_net=1.0, target_error=-1.4,
             target_sensitivity=0.7, slope=None, fused=True, loss="cross_entropy",
             target_target=0.0, blames=[], sensitivity=0.175, blame=0.35, old=0.5,
             gradient=0.175, rate=0.1, momentum_term=0.01, new=0.4925, batch=False)
    )  # fmt: skip
    text = "\n".join(lines)
    assert "sensitivity(y2) × value(h1)" in text
    assert "sensitivity(y2) = value − target = 0.70000000 − 0.00000000 = 0.70000000" in text
    assert "= 0.50000000 + 0.01000000 − 0.1 × 0.17500000 = 0.49250000" in text


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
