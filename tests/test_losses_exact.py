"""Exact losses: BCE from the net, softmax + cross-entropy for any targets, terms per output."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_scheduler import numeric_gradient

from lernpy import Network, examples
from lernpy.graph.losses import LOSSES


def lse_bce(z: float, t: float) -> float:
    """−[t·log σ(z) + (1 − t)·log(1 − σ(z))] in the log-sum-exp form: LSE(0, z) − t·z."""
    top = max(0.0, z)
    return top + math.log(math.exp(0.0 - top) + math.exp(z - top)) - t * z


def one_sigmoid(net_value: float, loss: str = "bce") -> Network:
    """x1 → y1 (sigmoid) without a bias: the output's net is the weight at input 1."""
    net = Network.layered(1, 1, output="sigmoid", loss=loss, bias=False)
    net.set_weights({"x1→y1": net_value})
    return net


@pytest.mark.parametrize("z", [40.0, 60.0, -40.0, -60.0, 30.0, 0.5])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.3])
def test_bce_at_any_net_is_the_log_sum_exp_form(z, t):
    """At net = 40 and 60 the clamped probabilities were 14% and 42% off; now exact to 1e-12."""
    net = one_sigmoid(z)
    assert net.loss([1.0], [t]) == pytest.approx(lse_bce(z, t), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("engine", ["reference", "compiled", "numpy"])
def test_every_engine_reports_the_exact_bce(engine):
    """One epoch at rate 0 reports the log-sum-exp value at net 40, on each engine."""
    if engine == "numpy":
        pytest.importorskip("numpy")
    net = one_sigmoid(40.0)
    history = net.train([([1.0], [0.0])], epochs=1, rate=0.0, engine=engine)
    assert history.loss[0] == pytest.approx(lse_bce(40.0, 0.0), rel=1e-12)


def test_bce_mean_averages_over_the_outputs():
    """bce_mean = bce / n outputs (PyTorch's reduction='mean'); its gradient checks out."""
    net = Network.layered(2, 3, output="sigmoid", loss="bce", seed=3)
    mean = copy.deepcopy(net)
    mean.loss_function = LOSSES["bce_mean"]
    sample = ([0.3, -0.7], [1.0, 0.0, 0.4])
    assert mean.loss(*sample) == pytest.approx(net.loss(*sample) / 3, rel=1e-14)
    assert mean.gradcheck(sample).ok
    terms = mean.loss_terms(*sample)
    assert sum(terms.values()) == pytest.approx(mean.loss(*sample), rel=1e-14)


def test_bce_mean_agrees_with_torch():
    """bce_mean from the nets against torch's BCEWithLogitsLoss (mean) in float64."""
    torch = pytest.importorskip("torch")
    net = Network.layered(2, 3, output="sigmoid", loss="bce_mean", seed=5)
    x, t = [0.3, -0.7], [1.0, 0.0, 0.4]
    net.forward(x)
    z = torch.tensor([o.net for o in net.outputs], dtype=torch.float64)
    want = torch.nn.functional.binary_cross_entropy_with_logits(
        z, torch.tensor(t, dtype=torch.float64)
    )
    assert net.loss(x, t) == pytest.approx(float(want), rel=1e-12)


@settings(max_examples=40)
@given(
    seed=st.integers(0, 10_000),
    outputs=st.integers(1, 4),
    targets=st.lists(st.floats(-1.0, 2.0, allow_nan=False), min_size=4, max_size=4),
    x=st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=2, max_size=2),
)
def test_softmax_cross_entropy_gradient_is_exact_for_any_targets(seed, outputs, targets, x):
    """∂E/∂w of the reported loss equals a central difference, targets summing to anything.

    (The old value − target was right only when the targets summed to 1.)
    """
    net = Network.layered(2, 3, outputs, output="softmax", loss="cross_entropy", seed=seed)
    sample = (x, targets[:outputs])
    net.forward(x)
    assume(all(abs(n.net) < 20 for n in net.neurons if not n.is_source))
    net.scheduler(sample, rate=0.0, trace=None).run(until="update")
    for link in net.links:
        numeric = numeric_gradient(net, sample, link)
        assert link.sensitivity == pytest.approx(numeric, rel=1e-5, abs=1e-8), link.name
    net.scheduler(sample, rate=0.0, trace=None).run(until="update")
    assert net.gradcheck(sample).ok


def test_one_output_softmax_has_zero_gradient():
    """A softmax of one output is always 1: E = −t·log 1 = 0, so every ∂E/∂w is 0 (was 1 − t)."""
    net = Network.layered(2, 2, 1, output="softmax", loss="cross_entropy", seed=1)
    net.scheduler(([0.5, 0.2], [1.0]), rate=0.0).run(until="update")
    assert net["y1"].sensitivity == 0.0
    assert all(link.sensitivity == 0.0 for link in net.links)


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_engines_agree_on_targets_that_are_not_a_distribution(engine):
    """Softmax + cross-entropy with targets summing to 1.5 and −0.2: engines match the reference."""
    if engine == "numpy":
        pytest.importorskip("numpy")
    net = Network.layered(2, 3, 3, output="softmax", loss="cross_entropy", seed=4)
    data = [([0.1, 0.9], [0.5, 0.5, 0.5]), ([-0.4, 0.3], [0.2, -0.4, 0.0])]
    a, b = copy.deepcopy(net), copy.deepcopy(net)
    ha = a.train(data, epochs=3, rate=0.3, engine="reference")
    hb = b.train(data, epochs=3, rate=0.3, engine=engine)
    assert hb.engine == engine
    assert ha.loss == pytest.approx(hb.loss, rel=1e-12)
    assert [w.weight for w in a.links] == pytest.approx([w.weight for w in b.links], abs=1e-12)


def test_cross_entropy_from_the_nets_at_a_saturated_softmax():
    """Nets 0 and 50: the loss of target (1, 0) is 50 + log(1 + e⁻⁵⁰) (the clamp gave 34.5)."""
    net = Network.layered(1, 2, output="softmax", loss="cross_entropy", bias=False)
    net.set_weights({"x1→y1": 0.0, "x1→y2": 50.0})
    assert net.loss([1.0], [1.0, 0.0]) == pytest.approx(50.0 + math.log1p(math.exp(-50.0)))


def test_per_output_loss_terms_are_mazurs():
    """E_o1 = 0.274811083 and E_o2 = 0.023560026, as the article prints; they add up to E."""
    net = examples.mazur()
    terms = net.loss_terms(*examples.MAZUR_SAMPLE)
    assert round(terms["o1"], 9) == 0.274811083 and round(terms["o2"], 9) == 0.023560026
    assert sum(terms.values()) == pytest.approx(net.loss(*examples.MAZUR_SAMPLE), rel=1e-15)
