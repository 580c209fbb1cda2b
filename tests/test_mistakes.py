"""The classic mistakes: their published numbers, gradcheck naming them, views marking them."""

from __future__ import annotations

import pytest

from lernpy import LernpyError, Network, datasets, examples
from lernpy.pictures import lesson_html
from lernpy.views.explain import describe
from lernpy.walk.mistakes import MISTAKES


def mazur_after_one_update(**options) -> float:
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, **options).run()
    return net.loss(*examples.MAZUR_SAMPLE)


def test_sequential_update_reproduces_mazurs_printed_error():
    """Mazur's article prints E = 0.291027924 after one update: the blame went back through
    the updated weights. The standard algorithm (and update='immediate') gives 0.291027774."""
    assert round(mazur_after_one_update(update="sequential"), 9) == 0.291027924
    assert round(mazur_after_one_update(), 9) == 0.291027774
    assert round(mazur_after_one_update(update="immediate"), 9) == 0.291027774


def test_sequential_update_sends_the_blame_through_the_new_weight():
    """w5's blame after its update: new w5 × ∂E/∂net_o1 (by hand), not the old 0.4 × …"""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, update="sequential")
    steps = run.run()
    w5 = net["w5"]
    assert w5.blame == w5.weight * net["o1"].sensitivity
    assert round(w5.weight, 8) == 0.35891648
    (update,) = [s for s in steps if s.kind == "Updated" and s.link is w5]
    assert update.mistake == "sequential"
    # back() puts the blame back as well: the old weight's, as the Learned step left it
    undone = run.back()
    while undone.kind != "Updated":
        undone = run.back()
    link = undone.link
    assert link.weight == undone.old
    assert link.blame == undone.old * link.target.sensitivity


def test_sequential_update_needs_online_learning():
    with pytest.raises(LernpyError, match="batch_size=1"):
        Network.layered(2, 2, 1).scheduler(datasets.xor(), update="sequential", batch_size=2)


@pytest.mark.parametrize(
    "options, name",
    [
        (dict(update="sequential"), "update='sequential'"),
        (dict(mistake="forgotten_slope"), "mistake='forgotten_slope'"),
        (dict(mistake="stale_gradient"), "mistake='stale_gradient'"),
    ],
)
def test_gradcheck_catches_each_mistake_and_names_it(options, name):
    """Backprop made with the mistake disagrees with the finite difference; the message says why."""
    net = examples.mazur()
    before = net.state()
    check = net.gradcheck(examples.MAZUR_SAMPLE, **options)
    assert not check.ok
    assert name in repr(check) and "deliberate mistake" in repr(check)
    assert check.mistake in MISTAKES
    assert net.weights() == {k: v[0] for k, v in before.items() if "→" in k}  # nothing moved
    assert net.gradcheck(examples.MAZUR_SAMPLE).ok  # and without the mistake, all agree


def test_forgotten_slope_fails_exactly_by_the_slope():
    """∂E/∂w5 without σ′: 0.74136507 × 0.593269992 (by hand) instead of Mazur's 0.082167041."""
    check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE, mistake="forgotten_slope")
    assert check["w5"].backprop == pytest.approx(0.74136507 * 0.593269992, rel=1e-8)
    assert round(check["w5"].numeric, 8) == pytest.approx(0.08216704, abs=1e-8)


def test_stale_gradient_carries_the_last_batch_along():
    """The second update of the same sample uses twice its gradient (rate 0: nothing moved)."""
    check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE, mistake="stale_gradient")
    assert check["w5"].backprop == pytest.approx(2 * check["w5"].numeric, rel=1e-6)


def test_an_unknown_mistake_is_an_error_naming_the_choices():
    with pytest.raises(LernpyError, match="forgotten_slope"):
        examples.mazur().scheduler(examples.MAZUR_SAMPLE, mistake="typo")


def test_the_stepper_lines_mark_the_mistake():
    """describe(), the stepper's one line per step, says it is a deliberate mistake."""
    net = examples.mazur()
    steps = net.scheduler(examples.MAZUR_SAMPLE, mistake="forgotten_slope").run()
    sensed = [describe(s) for s in steps if s.kind == "Sensed"]
    assert all("deliberate mistake (mistake='forgotten_slope')" in line for line in sensed)
    net = examples.mazur()
    steps = net.scheduler(examples.MAZUR_SAMPLE, update="sequential").run()
    updated = [describe(s) for s in steps if s.kind == "Updated"]
    assert updated and all("update='sequential'" in line for line in updated)


def test_explain_marks_the_mistake_with_its_numbers():
    """explain(w1) under the forgotten slope: ∂E/∂w1 = ∂E/∂out_h1 × out_i1, and a warning."""
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, mistake="forgotten_slope").run(until="update")
    text = net["w1"].explain().text()
    assert "deliberate mistake (mistake='forgotten_slope')" in text
    h1 = net["h1"]
    assert net["w1"].sensitivity == h1.error * 0.05  # by hand: no σ′ factor
    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, update="sequential").run()
    text = net["w5"].explain().text()
    assert "update='sequential'" in text and "its blame went back with the new weight" in text
    assert "weights already updated" in net["h1"].explain().text()


def test_the_lesson_page_marks_the_mistake():
    page = lesson_html(examples.mazur(), examples.MAZUR_SAMPLE, rate=0.5, update="sequential")
    assert page.count("deliberate mistake (update=&#x27;sequential&#x27;)") >= 1
    assert "update='sequential'" in page  # in the step lines of the recording


def test_train_runs_a_mistake_on_the_reference_engine():
    """No fast engine makes the mistakes: auto picks the reference, a named engine refuses."""
    net = Network.layered(2, 2, 1, seed=1)
    history = net.train(datasets.xor(), epochs=2, mistake="stale_gradient")
    assert history.engine == "reference"
    with pytest.raises(LernpyError, match="stale_gradient"):
        net.train(datasets.xor(), epochs=1, mistake="stale_gradient", engine="compiled")
