"""The auditor: a key made with a known slip at a random point is traced to that point and slip."""

from __future__ import annotations

import math
import random

import pytest

from lernpy import LernpyError, exercises
from lernpy.exercises import mistakes as m
from lernpy.exercises.audit import read_table
from lernpy.exercises.calc import Work
from lernpy.exercises.check import close, given


def published(values: dict[str, float]) -> dict[str, str]:
    """A key as a course would print it: every number to 9 decimal places."""
    return {name: f"{x:.9f}" for name, x in values.items()}


def first_disagreement(ex, key: dict[str, str]) -> str | None:
    for name in ex.names():
        g, x = given(key[name]), ex.answer(name)
        if not close(g.value, x, max(g.tolerance, 1e-12 * abs(x))):
            return name
    return None


@pytest.mark.parametrize("seed", [1, 4, 9, 17, 26])
def test_a_key_with_each_slip_at_a_random_point_is_traced_to_it(seed):
    """For every kind of slip, at a place drawn at random: the first disagreeing number is named,
    and so is the slip (or one that gives exactly the same key)."""
    ex = exercises.problem(seed)
    rng = random.Random(seed)
    kinds: dict[type, list] = {}
    for slip in m.slips(ex.spec):
        kinds.setdefault(type(slip), []).append(slip)
    for cls in m.SLIPS:
        if cls not in kinds:
            continue
        slip = rng.choice(kinds[cls])
        key = published(Work(ex.spec, slip).values)
        point = first_disagreement(ex, key)
        if point is None:
            continue  # this slip changes nothing at 9 decimals here (a net with ≤ 6 decimals)
        report = exercises.audit(ex, key)
        assert report.first == point, (slip, report.text())
        assert slip in report.causes, (slip, report.text())
        assert type(report.cause) is type(slip), (slip, report.text())
        assert point in report.text() and report.cause.describe() in report.text()


def test_mazur_published_numbers_all_agree():
    """The article's own numbers (tests/test_mazur.py) pass the audit."""
    key = """
    | value | article |
    |---|---|
    | net_h1 | 0.3775 |
    | out_h1 | 0.593269992 |
    | out_h2 | 0.596884378 |
    | out_o1 | 0.75136507 |
    | out_o2 | 0.772928465 |
    | E | 0.298371109 |
    | ∂E/∂w5 | 0.082167041 |
    | ∂E/∂w1 | 0.000438568 |
    | new w5 | 0.35891648 |
    | new w6 | 0.408666186 |
    | new w7 | 0.511301270 |
    | new w8 | 0.561370121 |
    | new w1 | 0.149780716 |
    """
    report = exercises.audit(exercises.mazur(), key)
    assert report.first is None
    assert "every one of the 13 published numbers agrees" in report.text()


def test_a_sequential_key_of_mazurs_example_is_recognised():
    """Hidden gradients through the updated w5…w8 (worked by hand): the sequential update."""
    d1, d2 = 0.138498562, -0.038098236  # ∂E/∂net_o1, ∂E/∂net_o2
    slope_h1 = 0.241300709
    dw1 = (d1 * 0.35891648 + d2 * 0.511301270) * slope_h1 * 0.05
    key = f"E = 0.298371109\ndE/dw5 = 0.082167041\ndE/dw1 = {dw1:.9f}\n"
    report = exercises.audit(exercises.mazur(), key)
    assert report.first == "∂E/∂w1"
    assert report.cause == m.Sequential()
    assert "convention" in report.text()


def test_a_key_no_slip_explains_gets_the_nearest():
    """Two slips at once: the auditor says none reproduces every number and which comes nearest."""
    ex = exercises.mazur()
    key = published({n: ex.answer(n) for n in ex.names()})
    key["new w5"] = f"{0.4 - 0.082167041:.9f}"  # the rate left out of w5's update
    key["new w8"] = "0.9"  # and a number from nowhere
    report = exercises.audit(ex, key)
    assert report.first == "new w5" and not report.causes
    assert report.nearest == m.RateMissing("w5") and report.stops == "new w8"


def test_read_table_reads_the_usual_formats():
    """CSV, name = value, name: value, Markdown, JSON; a header row is skipped."""
    assert read_table("name,value\nE,0.29\nout_h1,0.59\n") == {"E": "0.29", "out_h1": "0.59"}
    assert read_table("E = 0.29\n# a comment\n\nnew w5: 0.35\n") == {"E": "0.29", "new w5": "0.35"}
    assert read_table('{"E": 0.29}') == {"E": "0.29"}
    with pytest.raises(LernpyError, match="line 2 of the key"):
        read_table("E = 0.29\nout_h1 = lots\n")


def test_unknown_names_and_empty_keys_are_errors():
    ex = exercises.mazur()
    with pytest.raises(LernpyError, match="no value named 'dE/dw99'"):
        exercises.audit(ex, {"dE/dw99": 1.0})
    with pytest.raises(LernpyError, match="the published key is empty"):
        exercises.audit(ex, "")


# -- optimizer exercises: the conventions lernpy's optimizers name as options ------------------

CONVENTIONS = (
    m.NoBiasCorrection,
    m.TextbookMomentum,
    m.StepCountFromOne,
    m.EpsilonInside,
    m.EpsilonHat,
)


@pytest.mark.parametrize(("rule", "seed"), [("momentum", 3), ("rmsprop", 5), ("adam", 8)])
def test_an_optimizer_key_with_each_convention_at_a_random_point_is_traced_to_it(rule, seed):
    """ε inside the square root, TensorFlow's ε̂, the textbook momentum form, Adam's step count
    from 1, the bias correction forgotten: the first disagreeing number and the convention."""
    ex = exercises.problem(seed, optimizer=rule)
    rng = random.Random(seed)
    tried = []
    for cls in CONVENTIONS:
        points = cls.points(ex.spec)
        if not points:
            continue
        slip = rng.choice(points)
        key = published(Work(ex.spec, slip).values)
        point = first_disagreement(ex, key)
        assert point is not None, slip  # every one shows at 9 decimals here
        report = exercises.audit(ex, key)
        assert report.first == point, (slip, report.text())
        assert report.cause == slip, (slip, report.text())
        assert point in report.text() and slip.describe() in report.text()
        tried.append(cls)
    assert tried  # the rule has conventions to find
    right = exercises.audit(ex, published({n: ex.answer(n) for n in ex.names()}))
    assert right.first is None and not right.causes


def test_a_key_of_adam_on_mazurs_example_worked_by_hand():
    """Adam's first update of w5 on Mazur's example, written out here from the article's
    ∂E/∂w5: PyTorch's key agrees; a key whose step count starts at 1 (t = 2 in the first bias
    correction) is named, at m̂_w5; one with ε inside the square root, at new w5."""
    ex = exercises.mazur(optimizer="adam")
    rate, eps, g = ex.spec.rate, 1e-8, 0.082167041
    m_, v_ = 0.1 * g, 0.001 * g * g

    def key(m_hat: float, v_hat: float, denominator: float) -> str:
        new = 0.4 - rate * m_hat / denominator
        return (
            f"dE/dw5 = {g}\nm_w5 = {m_:.9f}\nv_w5 = {v_:.9f}\nmhat_w5 = {m_hat:.9f}\n"
            f"vhat_w5 = {v_hat:.9f}\nnew w5 = {new:.9f}\n"
        )

    right = key(g, g * g, abs(g) + eps)
    assert exercises.audit(ex, right).first is None
    m2, v2 = m_ / (1 - 0.9**2), v_ / (1 - 0.999**2)
    report = exercises.audit(ex, key(m2, v2, math.sqrt(v2) + eps))
    assert report.first == "m̂_w5" and report.cause == m.StepCountFromOne()
    assert "convention" in report.text()
    report = exercises.audit(ex, key(g, g * g, math.sqrt(g * g + eps)))
    assert report.first == "new w5" and report.cause == m.EpsilonInside()


def test_a_key_of_momentum_in_the_textbook_form_worked_by_hand():
    """Mazur's example with the velocities the exercise gives: the textbook form
    (Δw5 = μ·b_prev − rate·g, w5 + Δw5), written out here, is named at b_w5."""
    ex = exercises.mazur(optimizer="momentum")
    mu, rate, g = ex.spec.rule.momentum, ex.spec.rate, 0.082167041
    prev = ex.spec.rule.before("w5")
    assert ex.answer("b_w5") == pytest.approx(mu * prev + g, abs=1e-9)  # PyTorch's form
    change = mu * prev - rate * g
    key = f"dE/dw5 = {g}\nb_w5 = {change:.8f}\nnew w5 = {0.4 + change:.8f}\n"  # g has 9 places
    report = exercises.audit(ex, key)
    assert report.first == "b_w5" and report.cause == m.TextbookMomentum()
    assert "textbook momentum form" in report.text()
