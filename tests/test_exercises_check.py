"""The checker on Mazur's example: each known mistake, fed the number it produces, is named.

The wrong numbers are worked out here by hand from the article's published
values (Mazur 2015, as in tests/test_mazur.py), not by lernpy.
"""

from __future__ import annotations

import math
import random

import pytest

from lernpy import exercises
from lernpy.exercises import mistakes as m
from lernpy.exercises.calc import Work
from lernpy.exercises.check import tolerance

# The article's numbers.
OUT_H1, OUT_H2 = 0.593269992, 0.596884378
NET_O1, OUT_O1, OUT_O2 = 1.105905967, 0.75136507, 0.772928465
ERR_O1, SLOPE_O1 = 0.74136507, 0.186815602  # ∂E/∂out_o1, ∂out_o1/∂net_o1
DELTA_O1, DELTA_O2 = 0.138498562, -0.038098236  # ∂E/∂net_o1, ∂E/∂net_o2
SLOPE_H1, I1 = 0.241300709, 0.05
W5, W7, NEW_W5, NEW_W7 = 0.40, 0.50, 0.35891648, 0.511301270
DW5, DW1 = 0.082167041, 0.000438568


@pytest.fixture(scope="module")
def ex():
    return exercises.mazur()


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# (question, the number the mistake gives, worked by hand, the slip it must be named as)
MISTAKES = [
    ("dE/dw5", ERR_O1 * 1 * OUT_H1, m.SlopeForgotten("o1")),
    ("dE/dw5", ERR_O1 * OUT_O1 * OUT_H1, m.SlopeIsOut("o1")),
    ("dE/dw5", ERR_O1 * NET_O1 * (1 - NET_O1) * OUT_H1, m.SlopeAtNet("o1")),
    ("dE/dw5", -ERR_O1 * SLOPE_O1 * OUT_H1, m.ErrorSign("o1")),
    ("dE/dw1", DELTA_O1 * W5 * SLOPE_H1 * I1, m.MissingPath("w7")),
    ("dE/dw1", DELTA_O2 * W7 * SLOPE_H1 * I1, m.MissingPath("w5")),
    ("dE/dw1", (DELTA_O1 * NEW_W5 + DELTA_O2 * W7) * SLOPE_H1 * I1, m.UpdatedWeight("w5")),
    ("dE/dw1", (DELTA_O1 * NEW_W5 + DELTA_O2 * NEW_W7) * SLOPE_H1 * I1, m.Sequential()),
    ("out_h1", sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35 * 0), m.BiasAsZero("w_b1→h1")),
    ("new w5", W5 - 0.5 * 0.5 * DW5, m.RateTwice("w5")),
    ("new w5", W5 - DW5, m.RateMissing("w5")),
    ("dE/dw5", 2 * ERR_O1 * SLOPE_O1 * OUT_H1, m.NoHalf()),
]


@pytest.mark.parametrize("question, wrong, slip", MISTAKES, ids=[s.name for *_, s in MISTAKES])
def test_each_mistake_is_caught_and_named(ex, question, wrong, slip):
    """The number a mistake produces is wrong, and the diagnosis names that mistake."""
    verdict = ex.check(question, round(wrong, 9))
    assert not verdict.right
    assert verdict.slip == slip, verdict.text()
    assert verdict.diagnoses[0].would_get == pytest.approx(wrong, abs=5e-9)
    # the diagnosis says the number the student would get and the right one
    text = verdict.text()
    assert f"= {round(ex.answer(question), 9):.9f}".rstrip("0") in text


def test_rounding_too_early_is_caught(ex):
    """Every intermediate value rounded to 2 places (worked by hand) gives ∂E/∂w5 = 0.0826."""
    r = lambda x: round(x, 2)  # noqa: E731
    out_h1 = r(sigmoid(r(0.3775)))
    out_h2 = r(sigmoid(r(0.25 * 0.05 + 0.30 * 0.10 + 0.35)))
    out_o1 = r(sigmoid(r(0.40 * out_h1 + 0.45 * out_h2 + 0.60)))
    error, slope = r(out_o1 - 0.01), r(out_o1 * (1 - out_o1))
    wrong = r(error * slope) * out_h1
    verdict = ex.check("dE/dw5", round(wrong, 6))
    assert not verdict.right and verdict.slip == m.RoundedEarly("net_h1", 2)
    assert "rounding every intermediate value to 2 decimal places" in verdict.text()


def test_the_issues_example_names_the_slope_factor(ex):
    """Factors of ∂E/∂w5 with out_o1 for the slope: the checker names ∂out_o1/∂net_o1."""
    verdict = ex.check("dE/dw5", [0.74136507, 0.75136507, 0.593269992])
    assert verdict.text() == (
        "wrong: ∂out_o1/∂net_o1: you wrote 0.75136507, which is out_o1 itself; "
        "the slope is out_o1·(1 − out_o1) = 0.186815602"
    )


def test_factors_name_a_missing_path_and_a_sign(ex):
    """∂E/∂w1's factors with one path of h1's sum; ∂E/∂w5's with target − out."""
    verdict = ex.check("dE/dw1", "0.055399425 × 0.241300709 × 0.05")
    assert verdict.diagnoses[0].factor == "∂E/∂out_h1"
    assert "the sum without the path through w7" in verdict.text()
    assert "= 0.036350306" in verdict.text()
    verdict = ex.check("dE/dw5", "-0.74136507 * 0.186815602 * 0.593269992")
    assert verdict.slip == m.ErrorSign("o1")
    assert "target_o1 − out_o1" in verdict.text()


def test_right_factors_and_two_factor_chains_pass(ex):
    """The article's three factors, or ∂E/∂net_o1 and out_h1, are right."""
    assert ex.check("dE/dw5", [0.74136507, 0.186815602, 0.593269992]).right
    assert ex.check("dE/dw5", [DELTA_O1, OUT_H1]).right
    assert not ex.check("dE/dw5", [DELTA_O1, OUT_O1]).right


@pytest.mark.parametrize("seed", range(12))
def test_a_right_answer_within_the_stated_rounding_passes(seed):
    """Every answer to 4 significant figures, or more, or half a unit off, is right."""
    ex = exercises.problem(seed)
    for name in ex.questions:
        x = ex.answer(name)
        tol = tolerance(x, ex.figures)
        for answer in (f"{x:.4g}", f"{x:.9g}", repr(x), x + 0.99 * tol, x - 0.99 * tol):
            assert ex.check(name, answer).right, (name, answer)
        assert not ex.check(name, x + 3 * tol).right


def test_too_short_or_cut_off_answers_are_wrong_and_say_why(ex):
    """0.0822 is ∂E/∂w5 to 3 figures; 0.0821 is it cut off; a stranger number is just wrong."""
    assert "right to 3 significant figures" in ex.check("dE/dw5", 0.0822).text()
    assert "cut off, not rounded" in ex.check("dE/dw5", 0.0821).text()
    assert "no mistake I know" in ex.check("dE/dw5", 0.5).text()
    assert ex.check("dE/dw5", "0,08217").right  # a decimal comma


@pytest.mark.parametrize("seed", [0, 3, 11, 26])
def test_every_slip_of_a_generated_exercise_is_named(seed):
    """On drawn exercises, each slip kind's number for the answer it changes most is named."""
    ex = exercises.problem(seed)
    rng = random.Random(seed)
    worked = {s: Work(ex.spec, s) for s in m.slips(ex.spec) if not isinstance(s, m.RoundedEarly)}
    kinds: dict[type, list] = {}
    for slip in worked:
        kinds.setdefault(type(slip), []).append(slip)
    assert len(kinds) >= 8
    for slips in kinds.values():
        slip = rng.choice(slips)
        values = worked[slip].values
        name = next(n for n in ex.names() if not _close(values[n], ex.answer(n), ex.figures))
        verdict = ex.check(name, f"{values[name]:.9g}")
        assert not verdict.right
        # the slip named gives the same number (two slips can give one number)
        same = [s for s, w in worked.items() if _close(w.values[name], values[name], 9)]
        assert verdict.slip in same, (slip, verdict.text())


def _close(a: float, b: float, figures: int) -> bool:
    return abs(a - b) <= tolerance(b, figures)


# Adam's first update of w5 on Mazur's example (rate from the exercise), worked by hand.
ADAM_MISTAKES = [
    # m̂ with t = 2: 0.1·g / (1 − 0.9²)
    ("mhat_w5", 0.1 * DW5 / (1 - 0.9**2), m.StepCountFromOne()),
    # m̂ = m: the bias correction forgotten, at w5 or everywhere
    ("m^_w5", 0.1 * DW5, m.NoBiasCorrection("w5")),
]


@pytest.mark.parametrize(
    "question, wrong, slip", ADAM_MISTAKES, ids=[s.name for *_, s in ADAM_MISTAKES]
)
def test_adams_conventions_and_mistakes_are_named_in_an_answer(question, wrong, slip):
    """An Adam exercise: a right m̂ within the stated figures passes; the number a convention or
    mistake gives is named, with the factor and the right value."""
    ex = exercises.mazur(optimizer="adam")
    assert ex.check("m̂_w5", 0.08217).right and ex.check("vhat_w5", 0.006751).right
    verdict = ex.check(question, round(wrong, 9))
    assert not verdict.right
    assert verdict.slip == slip or (slip.where and verdict.slip == type(slip)()), verdict.text()
    assert "m̂_w5" in verdict.text() and "0.082167041" in verdict.text()


def test_a_new_weight_without_the_bias_correction_names_the_factor():
    """new w5 = w5 − rate·m/(√v + ε), the bias correction left out: the checker points at m̂_w5."""
    ex = exercises.mazur(optimizer="adam")
    rate = ex.spec.rate
    wrong = W5 - rate * 0.1 * DW5 / (math.sqrt(0.001) * DW5 + 1e-8)
    verdict = ex.check("new w5", f"{wrong:.4g}")
    assert isinstance(verdict.slip, m.NoBiasCorrection), verdict.text()
    assert "m̂_w5" in verdict.text()
