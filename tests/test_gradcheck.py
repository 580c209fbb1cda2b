"""gradcheck names the link, and the neuron, where backprop disagrees with finite differences."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lernpy import Activation, Network, NumericError, examples
from lernpy.engines.base import half_done
from tests.strategies import cases, smooth_at


def test_mazur_passes():
    check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE)
    assert check.ok and not check.failures
    assert abs(check["w5"].numeric - 0.082167041) < 1e-9


def test_a_wrong_derivative_is_caught_and_named():
    """cube with derivative 2x, not 3x²: the links into that neuron fail; it is the suspect."""
    wrong = Activation.custom("cube", lambda x: x**3, lambda x: 2 * x)
    net = Network(seed=1)
    net.add_neuron("x1", kind="input")
    net.add_neuron("x2", kind="input")
    net.add_neuron("good", "tanh")
    net.add_neuron("bad", wrong)
    net.add_neuron("y1", "sigmoid", kind="output")
    for s, t, w in [("x1", "good", 0.3), ("x2", "good", -0.4), ("x1", "bad", 0.7),
                    ("x2", "bad", 0.5), ("good", "y1", 0.9), ("bad", "y1", -1.1)]:  # fmt: skip
        net.add_link(s, t, w)
    check = net.gradcheck(((0.6, 0.9), (1.0,)))
    assert not check.ok
    assert {row.name for row in check.failures} == {"x1→bad", "x2→bad"}
    assert [n.name for n in check.suspects] == ["bad"]
    assert "x1→bad" in repr(check) and "suspect bad" in repr(check)


def test_gradcheck_leaves_the_weights_and_batch_gradients_as_they_were():
    net = examples.mazur()
    run = net.scheduler([examples.MAZUR_SAMPLE] * 2, batch_size=2)
    run.run(until="loss")
    run.run(until="forward")  # first sample's backward pass done: gradients half accumulated
    before = {link.name: (link.weight, link.gradient) for link in net.links}
    net.gradcheck(examples.MAZUR_SAMPLE)
    assert {link.name: (link.weight, link.gradient) for link in net.links} == before


@given(case=cases())
def test_gradcheck_passes_on_random_smooth_networks(case):
    net, (sample,) = case
    assume(smooth_at(net, sample))
    check = net.gradcheck(sample)
    assert check.ok, check


@given(
    exponent=st.integers(210, 300),
    targets=st.lists(st.floats(-1, 1, allow_nan=False, allow_infinity=False), min_size=2,
                     max_size=2),
)  # fmt: skip
def test_gradcheck_that_overflows_changes_nothing(exponent, targets):
    """A blame that overflows on the second output: the error leaves no gradient or value behind."""
    net = Network(seed=1)
    net.add_neuron("x1", "identity", "input")
    net.add_neuron("h1", "identity", "hidden")
    net.add_neuron("y1", "identity", "output")
    net.add_neuron("y2", "identity", "output")
    net.add_link("x1", "h1", 10.0 ** (100 - exponent))
    net.add_link("h1", "y1", 0.5)
    net.add_link("h1", "y2", 10.0**exponent)
    before = net.state()
    with pytest.raises(NumericError, match="link h1→y2"):
        net.gradcheck(([1.0], targets))
    assert net.state() == before
    assert not half_done(net)  # the engines can still train it


def test_a_users_activation_named_sigmoid_gets_the_full_chain_rule():
    """The value − target shortcut of BCE is for the built-in sigmoid only: a user's own
    "sigmoid" (here a scaled one) must pass the gradient check."""
    import math

    mine = Activation.custom(
        "sigmoid",
        lambda x: 0.9 / (1 + math.exp(-x)),
        lambda x: 0.9 * math.exp(-x) / (1 + math.exp(-x)) ** 2,
    )
    net = Network.layered(2, 1, activation=mine, loss="bce", seed=3)
    assert not net.fused(net.outputs[0])
    assert net.gradcheck(((0.4, -0.7), (1.0,))).ok


@pytest.mark.parametrize(
    "options",
    [
        {"eps": 0.0},
        {"eps": -1e-6},
        {"eps": "x"},
        {"eps": float("nan")},
        {"eps": float("inf")},
        {"rtol": -1.0},
        {"atol": None},
        {"eps": True},
    ],  # fmt: skip
)
def test_bad_options_are_refused_before_anything_changes(options):
    """eps=0 divided by zero after backprop had filled the links' batch gradients."""
    from lernpy import LernpyError

    net = examples.mazur()
    before = net.state()
    with pytest.raises(LernpyError, match=next(iter(options))):
        net.gradcheck(examples.MAZUR_SAMPLE, **options)
    assert net.state() == before and not half_done(net)
    net.train([examples.MAZUR_SAMPLE], epochs=1, rate=0.5)
    assert net["w5"].weight == pytest.approx(0.35891648, abs=1e-8)  # the published update


def test_numpy_numbers_are_options_too():
    import numpy as np

    check = examples.mazur().gradcheck(examples.MAZUR_SAMPLE, eps=np.float64(1e-6))
    assert check.ok and check.eps == 1e-6


def test_an_interrupt_in_the_middle_puts_everything_back(monkeypatch):
    """Ctrl-C while the finite differences run: weights and gradients as before."""
    net = examples.mazur()
    before = net.state()
    calls = 0
    original = type(net).loss

    def loss(self, x, target):
        nonlocal calls
        calls += 1
        if calls == 7:
            raise KeyboardInterrupt
        return original(self, x, target)

    monkeypatch.setattr(type(net), "loss", loss)
    with pytest.raises(KeyboardInterrupt):
        net.gradcheck(examples.MAZUR_SAMPLE)
    assert [link.weight for link in net.links] == [before[k.name][0] for k in net.links]
    assert not half_done(net)
