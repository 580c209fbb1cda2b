"""Exercises from a seed: the same seed, the same exercise; every key number is the scheduler's."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernpy import Finished, UnknownNameError, exercises
from lernpy.errors import BadValueError, ShapeError
from lernpy.exercises.names import ascii_name, canonical
from lernpy.exercises.spec import SHAPES, STYLES
from lernpy.views.formulas import num


def scheduler_values(ex: exercises.Problem) -> dict[str, float]:
    """Every named value as the stepping scheduler computes it for the exercise's network (with
    an update rule: lernpy's optimizer, its state after the update and the lines it writes)."""
    net = ex.network()
    run = net.scheduler([ex.sample], optimizer=ex.optimizer())
    run.run(until="update")
    found: dict[str, float] = {"E": run.loss}
    for n in net.neurons:
        if n.is_source:
            continue
        found[f"net_{n.name}"] = n.net
        found[f"out_{n.name}"] = n.value
        found[f"∂E/∂net_{n.name}"] = n.sensitivity
        if not net.fused(n) and not n.activation.layerwise:
            found[f"∂E/∂out_{n.name}"] = n.error
            found[f"∂out_{n.name}/∂net_{n.name}"] = n.activation.slope(n.net, n.value)
        if n.kind == "output" and net.loss_function.name == "half_sse":
            found[f"E_{n.name}"] = 0.5 * (n.value - n.target) ** 2
    for link in net.links:
        found[f"∂E/∂{link.label or 'w_' + link.name}"] = link.sensitivity
    while True:
        try:
            step = run.step()
        except Finished:
            break
        if step.kind != "Updated":
            continue
        name = step.link.label or "w_" + step.link.name
        found[f"new {name}"] = step.new
        rule = ex.spec.rule.name if ex.spec.rule is not None else ""
        state = step.after
        if rule == "momentum":
            found[f"b_{name}"] = state.velocity
        elif rule == "rmsprop":
            found[f"v_{name}"] = state.square
        elif rule == "adam":
            found[f"m_{name}"], found[f"v_{name}"] = state.m, state.v
            move = step.optimizer.update(step.before, step.gradient, step.old, step.rate, show=True)
            for line in move.lines:  # m̂ and v̂ as lernpy's Adam writes them out
                if line.lhs.name in ("m̂", "v̂"):
                    found[f"{line.lhs.name}_{name}"] = line.value
    return found


shapes = st.sampled_from([None, *("-".join(map(str, s)) for s in SHAPES), "1-1-1", "4-3-2"])


@settings(max_examples=25)
@given(seed=st.integers(0, 10**6), shape=shapes, style=st.sampled_from([None, *STYLES]))
def test_every_value_of_the_hand_calculation_is_the_schedulers(seed, shape, style):
    """The exercise's own calculation (no Neuron, no Link) and the scheduler agree everywhere."""
    if style is not None and style[1] == "softmax" and shape is not None and shape.endswith("-1"):
        style = None  # softmax needs two outputs
    hidden, output, loss = style or (None, None, None)
    ex = exercises.problem(seed, shape=shape, activation=hidden, output=output, loss=loss)
    mine, theirs = ex.work.values, scheduler_values(ex)
    assert set(mine) == set(theirs)
    for name, x in theirs.items():
        assert mine[name] == pytest.approx(x, rel=1e-12, abs=1e-15), name


@settings(max_examples=15)
@given(
    seed=st.integers(0, 10**6),
    shape=shapes,
    rule=st.sampled_from(["momentum", "rmsprop", "adam"]),
)
def test_an_update_rules_values_are_lernpys_optimizers(seed, shape, rule):
    """Momentum's velocity, RMSProp's v, Adam's m, v, m̂ and v̂ and every new weight: the hand
    calculation equals the scheduler stepping with lernpy's optimizer."""
    ex = exercises.problem(seed, shape=shape, optimizer=rule)
    mine, theirs = ex.work.values, scheduler_values(ex)
    assert set(mine) == set(theirs)
    for name, x in theirs.items():
        assert mine[name] == pytest.approx(x, rel=1e-12, abs=1e-15), name


@settings(max_examples=10)
@given(seed=st.integers(0, 10**6), shape=shapes)
def test_every_answer_in_a_key_is_what_the_scheduler_computes(seed, shape):
    """The key's table of answers prints the scheduler's numbers, each to 9 decimals."""
    ex = exercises.problem(seed, shape=shape)
    key = ex.key("markdown").split("\n# Answers\n")[1]
    table = dict(re.findall(r"^\| (\S[^|]*?) \| (\S+) \| \S+ \|$", key, re.M))
    truth = scheduler_values(ex)
    assert list(table) == list(ex.questions)
    for name, printed in table.items():
        assert printed == num(truth[name]), name


def test_mazur_as_an_exercise_has_the_articles_numbers():
    """The fixed problem: Mazur's published values (tests/test_mazur.py) are its answers."""
    ex = exercises.mazur()
    published = {
        "out_h1": 0.593269992,
        "out_o1": 0.75136507,
        "E": 0.298371109,
        "E_o1": 0.274811083,
        "∂E/∂w5": 0.082167041,
        "∂E/∂w1": 0.000438568,
        "new w5": 0.35891648,
        "new w1": 0.149780716,
        "new w8": 0.561370121,
    }
    for name, x in published.items():
        assert round(ex.answer(name), 9) == x, name
    assert "new w_b1→h1" not in ex.names()  # the article never updates the biases


def test_the_same_seed_gives_the_same_exercise():
    """Two draws of one seed are equal; neighbouring seeds differ; the global RNG is untouched."""
    import random

    random.seed(1)
    state = random.getstate()
    a, b = exercises.problem(7), exercises.problem(7)
    assert a.spec == b.spec and a.questions == b.questions
    assert exercises.problem(8).spec != a.spec
    assert random.getstate() == state


def test_a_seed_gives_the_same_exercise_in_another_process():
    """A fresh interpreter with another hash seed draws exactly the same numbers."""
    code = "from lernpy import exercises; print(exercises.problem(123).spec)"
    here = repr(exercises.problem(123).spec)
    for hashseed in ("0", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hashseed, "PATH": ""},
        ).stdout.strip()
        assert out == here


def test_numbers_are_humane_and_the_shape_and_style_are_as_asked():
    """Weights, inputs and targets have at most two decimals; shape and activations obeyed."""
    ex = exercises.problem(5, shape="3-2-2", activation="tanh", output="tanh")
    spec = ex.spec
    assert spec.shape == "3-2-2" and (spec.activation, spec.output, spec.loss) == (
        "tanh",
        "tanh",
        "half_sse",
    )
    for x in (*spec.x, *spec.target, *(w.value for w in spec.weights)):
        assert round(x, 2) == x
    assert [w.name for w in spec.weights][:4] == ["w1", "w2", "w3", "b1"]
    assert len(ex.questions) == 6 and ex.questions[2] == "E"


def test_no_net_sits_near_zero_and_every_hidden_relu_is_active():
    """So that no slope sits at a kink: |net| ≥ 0.05 everywhere, relu nets positive."""
    for seed in range(40):
        ex = exercises.problem(seed, activation="relu", output="identity")
        for name, x in ex.work.values.items():
            if name.startswith("net_"):
                assert abs(x) >= 0.05
                if name.startswith("net_h"):
                    assert x > 0


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: exercises.problem(1, shape="2-2"), ShapeError, "expected inputs-hidden-outputs"),
        (lambda: exercises.problem(1, shape="9-2-1"), ShapeError, "each 1 to 4"),
        (lambda: exercises.problem(1, activation="cube"), UnknownNameError, "activation 'cube'"),
        (lambda: exercises.problem(1, output="softmax", loss="half_sse"), UnknownNameError,
         "softmax goes with cross_entropy"),
        (lambda: exercises.problem(1, shape="2-2-1", output="softmax"), ShapeError, "2 outputs"),
        (lambda: exercises.problem("7"), BadValueError, "seed is '7'"),
        (lambda: exercises.problem(7).answer("dE/dw99"), UnknownNameError, "no value named"),
        (lambda: exercises.problem(7).check("E", "zero"), BadValueError, "expected a number"),
        (lambda: exercises.problem(7).check("E", [0.1, 0.2]), BadValueError, "not a gradient"),
    ],
)  # fmt: skip
def test_bad_requests_get_clear_errors(call, error, words):
    """A bad shape, activation, seed, name or answer: a LernpyError saying what was expected."""
    with pytest.raises(error, match=re.escape(words)):
        call()


@pytest.mark.parametrize(
    "typed, name",
    [
        ("dE/dw5", "∂E/∂w5"),
        ("∂E/∂w5", "∂E/∂w5"),
        ("d E / d w5", "∂E/∂w5"),
        ("dout_o1/dnet_o1", "∂out_o1/∂net_o1"),
        ("delta_o1", "∂E/∂net_o1"),
        ("δ_o1", "∂E/∂net_o1"),
        ("E_total", "E"),
        ("w1_new", "new w1"),
        ("new w1", "new w1"),
        ("w1+", "new w1"),
        ("w1'", "new w1"),
        ("out_h1", "out_h1"),
    ],
)
def test_ascii_spellings_are_accepted(typed, name):
    """Students type dE/dw5, delta_o1, w1_new: each is the textbook's name."""
    assert canonical(typed) == name
    assert exercises.mazur().name(typed) == name


def test_a_link_name_stands_for_its_weight_and_ascii_names_round_trip():
    """∂E/∂h1->o1 is ∂E/∂w5 in Mazur's exercise; ascii_name writes what canonical reads."""
    ex = exercises.mazur()
    assert ex.name("dE/dh1->o1") == "∂E/∂w5"
    assert ex.name("new h1->o1") == "new w5"
    for name in ex.names():
        assert ex.name(ascii_name(name)) == name


def test_the_problem_shows_itself():
    """A readable repr, and the command that makes it again with what was chosen."""
    ex = exercises.problem(7, shape="2-2-1")
    assert repr(ex).startswith("Problem(seed 7: 2-2-1, ")
    assert ex.command == "lernpy exercise --seed 7 --shape 2-2-1"
    assert math.isfinite(ex.answer("E"))


def test_an_optimizer_exercise_states_its_rule_and_shows_each_value_with_its_update():
    """problem(seed, optimizer=...): the command makes it again, the network starts from the
    given velocities, the lesson page stops at the update for m̂ and v̂; a wrong name is refused."""
    from lernpy.exercises.page import exercise_payload

    ex = exercises.problem(7, optimizer="adam")
    assert ex.command == "lernpy exercise --seed 7 --optimizer adam"
    assert "Adam" in repr(ex) and ex.optimizer().describe() == f"Adam(rate={ex.spec.rate})"
    payload = exercise_payload(ex)
    links = [link.name for link in ex.network().links]
    at = {q["name"]: q["at"] for q in payload["questions"]}
    assert at["m̂_w2"] == at["new w2"] == {"k": "Updated", "f": ["link", links.index("i2→h1")]}
    momentum = exercises.problem(7, optimizer="momentum")
    given = dict(momentum.spec.rule.previous)
    assert momentum.network()["i2→h1"].velocity == given["w2"]
    with pytest.raises(UnknownNameError, match="optimizer 'nadam'"):
        exercises.problem(7, optimizer="nadam")
