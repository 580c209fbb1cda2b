"""Activations and losses: values by hand, derivatives against finite differences."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lernpy import LernpyError
from lernpy.graph.activations import ACTIVATIONS, Activation, activation, softmax
from lernpy.graph.losses import LOSSES, loss

SMOOTH = ["identity", "sigmoid", "tanh", "softplus"]


@pytest.mark.parametrize("net", [-1000.0, -745.5, 0.0, 709.9, 1000.0, -1e308, 1e308])
@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_no_overflow_for_any_finite_net(name, net):
    """exp never overflows: sigmoid and softplus stay finite at ±1000 and beyond."""
    value = activation(name).f(net)
    assert math.isfinite(value)


def test_sigmoid_limits():
    sig = activation("sigmoid").f
    assert sig(1000.0) == 1.0 and sig(-1000.0) == 0.0 and sig(0.0) == 0.5
    assert sig(-20.0) == pytest.approx(1 / (1 + math.exp(20.0)), rel=1e-15)


@given(net=st.floats(-15, 15), name=st.sampled_from(SMOOTH))
def test_slope_matches_a_central_difference(net, name):
    """slope(net, value) is the derivative of f."""
    act = activation(name)
    h = 1e-6
    numeric = (act.f(net + h) - act.f(net - h)) / (2 * h)
    assert act.slope(net, act.f(net)) == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@given(net=st.floats(-10, 10).filter(lambda x: abs(x) > 1e-3))
def test_relu_and_leaky_relu_slopes_away_from_the_kink(net):
    for name, below in (("relu", 0.0), ("leaky_relu", 0.01)):
        act = activation(name)
        assert act.slope(net, act.f(net)) == (1.0 if net > 0 else below)
        assert act.f(net) == (net if net > 0 else below * net)


def test_custom_activation():
    cube = Activation.custom("cube", lambda x: x**3, lambda x: 3 * x * x)
    assert cube(2.0) == 8.0 and cube.slope(2.0, 8.0) == 12.0


def test_softmax_sums_to_one_and_survives_large_nets():
    values = softmax([1000.0, 1000.0, -1000.0])
    assert values[:2] == [0.5, 0.5] and values[2] == 0.0
    assert sum(softmax([0.1, -2.0, 3.0])) == pytest.approx(1.0, rel=1e-15)


def test_unknown_names_are_errors_that_name_the_choices():
    with pytest.raises(LernpyError, match="unknown activation 'sigmod'.*sigmoid"):
        activation("sigmod")
    with pytest.raises(LernpyError, match="unknown loss 'mae'.*half_sse"):
        loss("mae")


def test_losses_by_hand():
    """Each loss on a two-output sample, computed by hand."""
    v, t = [0.8, 0.3], [1.0, 0.0]
    assert LOSSES["half_sse"].value(v, t) == pytest.approx(0.5 * (0.04 + 0.09))
    assert LOSSES["mse"].value(v, t) == pytest.approx((0.04 + 0.09) / 2)
    assert LOSSES["bce"].value(v, t) == pytest.approx(-math.log(0.8) - math.log(0.7))
    assert LOSSES["cross_entropy"].value([0.7, 0.2, 0.1], [0, 1, 0]) == pytest.approx(
        -math.log(0.2)
    )


@given(
    values=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4),
    data=st.data(),
    name=st.sampled_from(sorted(LOSSES)),
)
def test_loss_gradient_matches_a_central_difference(values, data, name):
    """gradient(values, targets)[k] is ∂E/∂value_k."""
    targets = data.draw(st.lists(st.floats(0, 1), min_size=len(values), max_size=len(values)))
    lf = LOSSES[name]
    grad = lf.gradient(values, targets)
    h = 1e-7
    for k in range(len(values)):
        up, down = list(values), list(values)
        up[k] += h
        down[k] -= h
        numeric = (lf.value(up, targets) - lf.value(down, targets)) / (2 * h)
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_every_activation_is_listed():
    assert {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax"} <= set(
        ACTIVATIONS
    )


def test_a_copied_network_keeps_its_built_in_activations_and_loss():
    """deepcopy shares the immutable built-ins: the copy saves, and keeps value − target."""
    import copy

    from lernpy import Network
    from lernpy.data.netfile import dumps

    net = Network.layered(2, 2, 2, output="softmax", loss="cross_entropy", seed=1)
    twin = copy.deepcopy(net)
    assert twin["y1"].activation is net["y1"].activation and twin.fused(twin["y1"])
    assert twin.loss_function is net.loss_function
    assert dumps(twin) == dumps(net)
