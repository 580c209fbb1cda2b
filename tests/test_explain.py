"""The chain rule written out, checked against Mazur's published numbers and hand calculation."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from strategies import cases, smooth_at

from lernpy import LernpyError, Network, examples
from lernpy.optim import SGD
from lernpy.views.explain import describe, describe_planned, explain, num

# Matt Mazur, "A Step by Step Backpropagation Example" (2015), as printed in the article.
W5_FACTORS = ("0.74136507", "0.186815602", "0.593269992")
W5_GRADIENT, W5_NEW = "0.082167041", "0.35891648"
W1_FACTORS = ("0.036350306", "0.241300709", "0.05")
W1_GRADIENT, W1_NEW = "0.000438568", "0.149780716"
H1_PATHS = ("0.055399425", "-0.019049118")  # ∂E_o1/∂out_h1 and ∂E_o2/∂out_h1


def mazur_after_one_sample(**options):
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5, **options)
    run.run()
    return net, run


def test_num_prints_nine_places_like_the_article():
    """Nine decimal places, trailing zeros dropped; tiny numbers keep their digits."""
    assert num(0.741365069552) == "0.74136507"
    assert num(0.35891647971788465) == "0.35891648"
    assert num(0.05) == "0.05" and num(1.0) == "1" and num(0.0) == "0"
    assert num(-0.0190491180) == "-0.019049118"
    assert float(num(4.3856773e-9)) == pytest.approx(4.3856773e-9, rel=1e-3)


def test_w5_explanation_substitutes_mazur_numbers():
    """∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041, then w5 becomes 0.35891648."""
    net, _ = mazur_after_one_sample()
    text = net["w5"].explain().text()
    chain = " × ".join(W5_FACTORS) + f" = {W5_GRADIENT}"
    assert chain in text
    assert "∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in text
    assert f"0.4 − 0.5 × {W5_GRADIENT} = {W5_NEW}" in text
    # every factor named: the error from the loss, the activation derivative, the source value
    assert "0.75136507 − 0.01 = 0.74136507" in text
    assert "out_o1 · (1 − out_o1)" in text and "activation derivative" in text
    assert "out_h1 = 0.593269992" in text


def test_w1_explanation_sums_the_blame_over_both_paths():
    """A hidden link: ∂E/∂out_h1 is the sum of what came back from o1 and o2."""
    net, _ = mazur_after_one_sample()
    text = net["w1"].explain().text()
    assert " × ".join(W1_FACTORS) + f" = {W1_GRADIENT}" in text
    assert f"{H1_PATHS[0]} + ({H1_PATHS[1]}) = 0.036350306" in text
    assert "∂E/∂net_o1 · w5 + ∂E/∂net_o2 · w7" in text
    # the paths use the weights from before the update (0.4 and 0.5, not 0.35891648 and 0.5113)
    assert "0.138498562 × 0.4 + (-0.038098237) × 0.5" in text
    assert f"0.15 − 0.5 × {W1_GRADIENT} = {W1_NEW}" in text


def test_explanation_numbers_are_consistent_with_the_arithmetic():
    """Each printed product equals its printed result to the printed precision (hand check)."""
    net, _ = mazur_after_one_sample()
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        text = net[name].explain().text()
        line = text.splitlines()[2]  # "= a × b × c = result"
        factors, result = line.split("=")[1], line.split("=")[2]
        values = [float(v.strip(" ()")) for v in factors.split("×")]
        assert math.prod(values) == pytest.approx(float(result), rel=1e-7, abs=1e-9)


def test_markdown_and_latex_carry_the_same_numbers():
    """The notebook forms hold the article's numbers as LaTeX."""
    net, _ = mazur_after_one_sample()
    explanation = net["w5"].explain()
    latex = explanation.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert r"\frac{\partial E}{\partial w_{5}}" in latex
    assert r"0.74136507 \times 0.186815602 \times 0.593269992 = 0.082167041" in latex
    markdown = explanation.markdown()
    assert markdown.count("$$") % 2 == 0 and W5_NEW in markdown
    assert net["w5"].explain(format="latex") == latex  # the README's explain(format=…)
    assert net["w5"].explain(format="markdown") == markdown


def test_neuron_explanation_shows_forward_and_backward():
    """o1: net as the sum of link values, its value, error, slope and sensitivity (0.138498562)."""
    net, _ = mazur_after_one_sample()
    text = net["o1"].explain().text()
    assert "0.4 × 0.593269992 + 0.45 × 0.596884378 + 0.6 × 1 = 1.105905967" in text
    assert "= 0.75136507" in text
    assert "0.74136507 × 0.186815602 = 0.138498562" in text
    assert "Neuron i1 (input)" in net["i1"].explain().text()
    assert "out_b1 = 1 always" in net["b1"].explain().text()


def test_explanation_before_the_backward_pass_says_so():
    """Mid-sample, a link the backward pass has not reached is not explained with stale zeros."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="loss")
    text = net["w5"].explain().text()
    assert "has not reached h1→o1" in text
    assert "0.4 × 0.593269992 = 0.237307997" in text  # what it delivered
    assert "∂E/∂w5 =" not in text
    run.run(until="update")
    assert W5_GRADIENT in net["w5"].explain().text()
    assert "update" not in net["w5"].explain().text().split("where")[1]


def test_textbook_momentum_explanation_names_its_term():
    """Second update of w5, textbook momentum 0.9: Δw = 0.9 × Mazur's first change −0.04108352 …"""
    textbook = SGD(0.5, momentum=0.9, momentum_form="textbook")
    net, _ = mazur_after_one_sample(optimizer=textbook, epochs=2)
    text = net["w5"].explain().text()
    assert "Δw ← μ · Δw_prev − rate · g" in text
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("= 0.9 × (-0.04108352) −"))
    mu, dw, rate, grad, change = (float(v) for v in re.findall(r"-?\d+\.\d+", line))
    assert mu * dw - rate * grad == pytest.approx(change, abs=1e-8)  # by hand, from the line
    assert "w5 ← w5 + Δw" in text
    assert f"= {W5_NEW} + ({num(change)})" in text


def test_pytorch_momentum_explanation_writes_the_velocity():
    """Second update of w5, PyTorch's momentum 0.9: b = 0.9 × 0.082167041 + g, w ← w − 0.5·b."""
    net, _ = mazur_after_one_sample(momentum=0.9, epochs=2)
    text = net["w5"].explain().text()
    assert "b ← μ · b_prev + g" in text
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"= 0.9 × {W5_GRADIENT} +"))
    mu, b_prev, g, b = (float(v) for v in re.findall(r"-?\d+\.\d+", line))
    assert mu * b_prev + g == pytest.approx(b, abs=1e-8)
    assert f"= {W5_NEW} − 0.5 × {num(b)}" in text


def test_softmax_explanation_uses_the_jacobian():
    """Softmax with ½Σ(v−t)²: s1 = v1·(e1 − Σ e_j·v_j), computed here by hand."""
    weights = {"x1→y1": 0.5, "x1→y2": -0.5, "b1→y1": 0.0, "b1→y2": 0.0}
    net = Network.layered(1, 2, output="softmax", loss="half_sse", weights=weights)
    net.scheduler(((1.0,), (1.0, 0.0)), rate=0.1).run()
    v1 = math.exp(0.5) / (math.exp(0.5) + math.exp(-0.5))
    v2 = 1.0 - v1
    e1, e2 = v1 - 1.0, v2 - 0.0
    s1 = v1 * (e1 - (e1 * v1 + e2 * v2))
    text = net["x1→y1"].explain().text()
    assert "out_y1 · (∂E/∂out_y1 − Σ_j ∂E/∂out_j · out_j)" in text
    assert num(s1) in text and "softmax couples the layer (y1, y2)" in text
    assert f"0.5 − 0.1 × ({num(s1)}) = {num(0.5 - 0.1 * s1)}" in text


def test_fused_softmax_cross_entropy_is_value_minus_target():
    """Softmax with cross-entropy: ∂E/∂net = out − target, stated as such."""
    net = Network.layered(1, 2, output="softmax", loss="cross_entropy", seed=2)
    net.scheduler(((1.0,), (1.0, 0.0)), rate=0.1).run(until="update")
    y1 = net["y1"]
    text = net["x1→y1"].explain().text()
    assert f"{num(y1.value)} − 1 = {num(y1.value - 1.0)}" in text
    assert "cancel to value − target" in text


def test_describe_writes_each_step_as_one_line():
    """Every step of Mazur's sample, with the article's numbers."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    lines = [describe(s) for s in run.run()]
    assert all("\n" not in line for line in lines)
    assert lines[0] == "sample 0 presented: inputs 0.05, 0.1; targets 0.01, 0.99"
    text = "\n".join(lines)
    assert (
        "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775, value = sigmoid(net) = 0.593269992" in text
    )
    assert "o1 fires: net = 0.237307997 + 0.26859797 + 0.6 = 1.105905967, value" in text
    assert "value = sigmoid(net) = 0.75136507" in text
    assert "loss E = 0.298371109" in text  # the article's E_total
    assert "o1 senses: ∂E/∂net_o1 = ∂E/∂out × ∂out/∂net = 0.74136507 × 0.186815602" in text
    assert f"w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.5 × {W5_GRADIENT} = {W5_NEW}" in text
    assert lines[-1] == "epoch 0 ended: mean loss 0.298371109"


def test_describe_planned_reads_the_next_step():
    """peek() in words."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="loss")
    assert describe_planned(run.peek()) == "next: the loss is scored (loss, sample 0, epoch 0)"
    run.run()
    assert describe_planned(run.peek()) == "next: nothing (finished)"


def test_explain_rejects_other_objects():

    with pytest.raises(LernpyError, match="takes a Link, a Neuron"):
        explain("w5")  # type: ignore[arg-type]


@settings(max_examples=40)
@given(case=cases())
def test_printed_chain_rule_matches_a_finite_difference(case):
    """On random networks, the printed factors multiply to the printed ∂E/∂w, and that is the
    slope of the loss found by nudging the weight (a central difference, computed here)."""
    net, (sample,) = case
    assume(smooth_at(net, sample))
    net.scheduler(sample, rate=0.0).run(until="update")
    x, t = sample
    for link in net.links:
        text = link.explain().text()
        _, factors, result = text.splitlines()[2].split("=")
        values = [float(v.strip(" ()")) for v in factors.split("×")]
        assert math.prod(values) == pytest.approx(float(result), rel=2e-3, abs=1e-8)
        w, eps = link.weight, 1e-6
        link.weight = w + eps
        plus = net.loss(x, t)
        link.weight = w - eps
        minus = net.loss(x, t)
        link.weight = w
        assert float(result) == pytest.approx((plus - minus) / (2 * eps), rel=1e-3, abs=1e-6)
    net.scheduler(sample, rate=0.0).run(until="update")  # the numbers of the sample again
    for n in net.neurons:
        assert n.explain().text()  # every kind of neuron explains itself without failing


def test_explanation_before_any_sample_says_so():
    """A fresh network has no error to explain (no target yet): forward numbers and a hint."""
    net = examples.mazur()
    net.forward([0.05, 0.10])
    text = net["w5"].explain().text()
    assert "no sample has gone backward yet" in text and "nan" not in text
    assert "0.4 × 0.593269992 = 0.237307997" in text
    neuron = net["o1"].explain().text()
    assert "= 0.75136507" in neuron and "no sample has gone backward yet" in neuron
