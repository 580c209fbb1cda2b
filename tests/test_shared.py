"""Shared weights: one weight used by several links, its gradient the sum of theirs.

The oracles: a central finite difference of the shared weight (moving all its
links at once), the sum of the links' own contributions, the untied network,
and the reference scheduler for the compiled engine.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import cases, smooth_at

from lernpy import LernpyError, Network, NumericError, SharedWeight, TopologyError
from lernpy.engines import choose
from lernpy.engines.base import Options
from lernpy.optim import SGD, State
from lernpy.walk.scheduler import Scheduler

EPS = 1e-6


@st.composite
def tied(draw, count: int = 1):
    """A random network (any DAG) with random ties, and ``count`` samples that fit it."""
    net, samples = draw(cases(count=count))
    links = list(net.links)
    groups = draw(st.integers(1, 3))
    for g in range(groups):
        free = [link for link in links if link.shared is None]
        if len(free) < 2:
            break
        chosen = draw(st.lists(st.sampled_from(free), min_size=2, max_size=5, unique=True))
        net.tie(f"k{g + 1}", chosen)
    assume(net.shared_weights)
    return net, samples


def central_difference(net: Network, shared: SharedWeight, sample) -> float:
    """(E(k + eps) − E(k − eps)) / 2eps, every link of ``shared`` moved together."""
    w = shared.weight
    shared.weight = w + EPS
    plus = net.loss(*sample)
    shared.weight = w - EPS
    minus = net.loss(*sample)
    shared.weight = w
    return (plus - minus) / (2 * EPS)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tied())
def test_shared_gradient_is_the_finite_difference_and_the_sum_of_its_links(case):
    """∂E/∂k from backprop = Σ of its links' contributions = a central difference of k."""
    net, (sample,) = case
    assume(smooth_at(net, sample))
    net.scheduler(sample, rate=0.0, trace=None).run(until="update")
    for shared in net.shared_weights:
        contributions = [link.sensitivity for link in shared.links]
        total = contributions[0]
        for c in contributions[1:]:
            total += c
        assert shared.sensitivity == total
        assert shared.gradient == pytest.approx(total, rel=1e-12, abs=1e-15)
        numeric = central_difference(net, shared, sample)
        assert shared.sensitivity == pytest.approx(numeric, rel=1e-4, abs=1e-7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(count=3), data=st.data())
def test_tying_two_equal_links_then_untying_changes_nothing(case, data):
    """Tie two links that hold the same weight, untie them: every number is as it was,
    and training then goes exactly as it would have."""
    net, samples = case
    assume(len(net.links) >= 2)
    a, b = data.draw(st.lists(st.sampled_from(net.links), min_size=2, max_size=2, unique=True))
    b.weight = a.weight
    b.state = a.state
    plain = copy.deepcopy(net)
    before = net.state()
    net.tie("k", [a, b])
    net.untie("k")
    assert net.state() == before
    options = dict(rate=0.3, momentum=0.5, batch_size=2, shuffle=True)
    outcomes = []
    for which in (net, plain):
        try:
            which.train(samples, epochs=2, engine="reference", **options)
            outcomes.append(which.state())
        except NumericError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=tied(count=3),
    options=st.sampled_from(
        [
            dict(rate=0.4, batch_size=1),
            dict(rate=0.4, momentum=0.9, batch_size=2),
            dict(rate=0.2, momentum=0.5, batch_size="all", reduce="sum"),
            dict(rate=0.3, update="immediate"),
        ]
    ),
)
def test_back_restores_shared_weights_bit_for_bit(case, options):
    """Every step back, updates of shared weights included, restores the state exactly."""
    net, samples = case
    run = net.scheduler(samples, epochs=2, shuffle=True, **options)
    states = [net.state()]
    try:
        while not run.finished:
            run.step()
            states.append(net.state())
    except NumericError:
        return  # the scheduler undid the failing step itself (tested elsewhere)
    assert any(s.kind == "Updated" and isinstance(s.link, SharedWeight) for s in net.trace)
    while len(states) > 1:
        states.pop()
        run.back()
        assert net.state() == states[-1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=tied(count=4),
    options=st.sampled_from(
        [
            dict(rate=0.4, batch_size=1),
            dict(rate=0.4, momentum=0.9, batch_size=1),
            dict(rate=0.3, batch_size=3),
            dict(rate=0.2, momentum=0.5, batch_size=2, reduce="sum"),
            dict(rate=0.3, update="immediate"),
            dict(optimizer=SGD(0.3, momentum=0.9, momentum_form="textbook"), batch_size=2),
        ]
    ),
    shuffle=st.booleans(),
)
def test_compiled_engine_trains_shared_weights_bit_for_bit_as_the_reference(case, options, shuffle):
    """The compiled engine with shared weights: the reference's numbers, every one of them."""
    net, samples = case
    reference, fast = copy.deepcopy(net), copy.deepcopy(net)
    try:
        expected = reference.train(
            samples, epochs=3, engine="reference", shuffle=shuffle, **options
        )
    except NumericError as error:
        with pytest.raises(NumericError) as got:
            fast.train(samples, epochs=3, engine="compiled", shuffle=shuffle, **options)
        assert str(got.value) == str(error)
        return
    history = fast.train(samples, epochs=3, engine="compiled", shuffle=shuffle, **options)
    assert history.engine == "compiled"
    assert history.loss == expected.loss
    assert fast.state() == reference.state()
    for shared in fast.shared_weights:  # its links still hold one weight
        assert len({link.weight for link in shared.links}) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tied(count=3), options=st.sampled_from([dict(batch_size=1), dict(batch_size=2)]))
def test_fast_lane_walks_shared_weights_exactly_like_stepping(case, options):
    """Whole epochs (train()'s way) and the step-by-step walk leave the same numbers and trace."""
    net, samples = case
    runs = []
    for grain in ("epoch", None):
        copy_ = copy.deepcopy(net)
        run = Scheduler(
            copy_, samples, epochs=2, history="batch", rate=0.3, momentum=0.5, **options
        )
        try:
            while not run.finished:
                run.step(grain)
        except NumericError as error:
            runs.append(str(error))
            continue
        runs.append((copy_.state(), [s.fields() for s in run.trace]))
    assert runs[0] == runs[1]


def test_one_update_moves_every_link_once_with_the_summed_gradient():
    """A hand calculation: y = k·x1 + k·x2, half SSE, one sample."""
    net = Network.layered(2, 1, activation="identity", bias=False, seed=0)
    k = net.tie("k", ["x1→y1", "x2→y1"], weight=0.5)
    run = net.scheduler(([1.0, 2.0], [0.0]), rate=0.1)
    steps = run.run()
    # y = 0.5 + 1.0 = 1.5; error 1.5; contributions 1.5·1 and 1.5·2; ∂E/∂k = 4.5
    assert [link.sensitivity for link in k.links] == [1.5, 3.0]
    updates = [s for s in steps if s.kind == "Updated"]
    assert len(updates) == 1 and updates[0].link is k
    assert updates[0].gradient == 4.5
    assert [link.weight for link in net.links] == [0.5 - 0.1 * 4.5] * 2


def test_tie_takes_the_first_links_weight_and_optimizer_state_unless_given():
    net = Network.layered(3, 1, bias=False, seed=2)
    first, second = net.links[0], net.links[2]
    first.state = State("sgd", velocity=0.25)
    net.tie("k", [second, first])
    assert second.weight == first.weight and second.state is first.state
    net.tie("k", [net.links[1]])  # tying to an existing name adds the link
    assert len(net["k"]) == 3 and net.links[1].weight == first.weight
    assert net["k"].links == net.links  # kept in network order


def test_tie_errors_name_the_fault_and_change_nothing():
    """Bad ties are TopologyErrors naming what is wrong; the network is as it was."""
    net = Network.layered(2, 2, 1, seed=3)
    net.tie("k", ["x1→h1", "x2→h2"])
    net.freeze("h1→y1")
    before, version = net.state(), net.version
    cases_ = [
        (("h1", ["x1→h2"]), "in use by a neuron"),
        (("j", ["x1→h1", "x2→h1"]), "shares the weight k already"),
        (("j", ["x2→h1", "x2→h1"]), "named twice"),
        (("j", ["h1→y1", "h2→y1"]), "some links are frozen"),
        (("j", []), "at least one link"),
        (("j", "x2→h1"), "expected a list of links"),
        (("a→b", ["x2→h1"]), "holds an arrow"),
        (("j", ["x9→h1"]), "no link named"),
    ]
    for (name, links), message in cases_:
        with pytest.raises(LernpyError, match=message):
            net.tie(name, links)
        assert net.state() == before and net.version == version
    with pytest.raises(LernpyError, match="no shared weight named 'j'"):
        net.untie("j")
    with pytest.raises(TopologyError, match="in use"):
        net.add_neuron("k")
    with pytest.raises(LernpyError, match="'k' is a shared weight of 2 links"):
        net.link("k")


def test_a_shared_weight_is_frozen_and_set_as_one():
    net = Network.layered(2, 2, 1, seed=3)
    k = net.tie("k", ["x1→h1", "x2→h2"])
    net.freeze("x1→h1")  # a link of k freezes k
    assert k.frozen and all(link.frozen for link in k.links)
    net.unfreeze("k")
    assert not any(link.frozen for link in k.links)
    net.set_weights({"x2→h2": 0.75})
    assert [link.weight for link in k.links] == [0.75, 0.75]
    net.set_weights({"k": -0.5, "x1→h1": -0.5})
    assert k.weight == -0.5
    with pytest.raises(LernpyError, match="both set the shared weight k"):
        net.set_weights({"k": 0.1, "x1→h1": 0.2})
    assert k.weight == -0.5
    net.freeze("k")
    data = [((0.5, -0.5), (0.8,))]
    net.train(data, epochs=3, rate=0.5, engine="compiled")
    assert [link.weight for link in k.links] == [-0.5, -0.5]


def test_removing_a_tied_link_keeps_the_others_shared():
    net = Network.layered(2, 2, 1, seed=3)
    k = net.tie("k", ["x1→h1", "x2→h2"])
    net.remove_link("x1→h1")
    assert [link.name for link in k.links] == ["x2→h2"] and "k" in net
    net.remove_link("x2→h2")
    assert "k" not in net and net.shared_weights == []


def test_gradcheck_checks_each_link_alone_and_each_shared_weight_as_a_whole():
    net = Network.layered(2, 3, 1, activation="tanh", seed=5)
    net.tie("k", ["x1→h1", "x1→h2", "x2→h3"])
    check = net.gradcheck(((0.4, -0.7), (0.3,)))
    assert check.ok and len(check.rows) == len(net.links) + 1
    row = check["k"]
    assert row.link is net["k"]
    assert row.backprop == pytest.approx(
        sum(check[n].backprop for n in ["x1→h1", "x1→h2", "x2→h3"])
    )


def test_numpy_refuses_shared_weights_and_auto_picks_the_compiled_engine():
    pytest.importorskip("numpy")
    from lernpy.engines import numpy_engine

    net = Network.layered(2, 3, 1, seed=1)
    net.tie("k", ["x1→h1", "x2→h2"])
    options = Options(0.5, 0.0, 1, "mean", False)
    assert "shared weights (k)" in numpy_engine.why_not(net, options)
    assert choose(net, options, "auto")[0] == "compiled"
    with pytest.raises(LernpyError, match="engine='numpy' cannot train this network: shared"):
        net.train([((0.0, 1.0), (1.0,))], engine="numpy")


def test_immediate_update_moves_a_shared_weight_after_its_last_link_learns():
    net = Network.layered(2, 2, 1, seed=3)
    net.tie("k", ["h1→y1", "x1→h2"])
    run = net.scheduler(([0.2, 0.4], [1.0]), update="immediate")
    kinds = [(s.kind, s.name) for s in run.run() if s.kind in ("Learned", "Updated")]
    position = kinds.index(("Updated", "k"))
    assert kinds[position - 1] == ("Learned", "x1→h2")
    assert kinds.index(("Learned", "h1→y1")) < position
    assert kinds.count(("Updated", "k")) == 1


def test_repr_and_lookup():
    net = Network.layered(1, 2, 1, bias=False, seed=0)
    k = net.tie("k", ["x1→h1", "x1→h2"], weight=0.5)
    assert net["k"] is k and "k" in net and net.shared_weights == [k]
    assert repr(k) == "SharedWeight('k', 2 links, weight=0.5)"
    assert repr(net["x1→h1"]).endswith("shares k)")
    assert net.parameters() == [k, net["h1→y1"], net["h2→y1"]]


def test_replay_walks_a_compiled_update_of_shared_weights_and_lands_on_its_weights():
    """An engine's checkpoint holds a shared weight's links alike; replay steps through it."""
    net = Network.recurrent(1, 2, 1, steps=3, seed=4)
    data = [((1.0, 0.0, 1.0), (1.0, 1.0, 0.0)), ((0.0, 1.0, 1.0), (0.0, 1.0, 0.0))]
    history = net.train(data, epochs=3, rate=0.5, momentum=0.5, engine="compiled")
    run = history.replay(epoch=1, sample=0)
    run.step("epoch")
    after = history.checkpoints[2]
    assert [link.weight for link in run.net.links] == pytest.approx(after.weights, rel=1e-12)
    updates = [s for s in run.net.trace if s.kind == "Updated"]
    assert any(isinstance(s.link, SharedWeight) for s in updates)
    for shared in run.net.shared_weights:
        assert len({link.weight for link in shared.links}) == 1


@pytest.mark.parametrize(
    "optimizer",
    [
        "sgd-momentum",
        "sgd-textbook",
        "adam",
        "rmsprop",
        "adagrad",
    ],
)
def test_a_shared_weight_steps_as_one_weight_would_under_every_optimizer(optimizer):
    """y = k·x1 + k·x2 is y = k·(x1 + x2): the tied network and a one-link network fed
    x1 + x2 have the same gradient, so every optimizer moves k alike (to rounding)."""
    from lernpy.optim import SGD, AdaGrad, Adam, RMSProp

    make = {
        "sgd-momentum": lambda: SGD(0.1, momentum=0.9),
        "sgd-textbook": lambda: SGD(0.1, momentum=0.9, momentum_form="textbook"),
        "adam": lambda: Adam(0.05, amsgrad=True),
        "rmsprop": lambda: RMSProp(0.02, momentum=0.5),
        "adagrad": lambda: AdaGrad(0.1),
    }[optimizer]
    tied = Network.layered(2, 1, activation="tanh", bias=False, seed=0)
    k = tied.tie("k", ["x1→y1", "x2→y1"], weight=0.3)
    single = Network.layered(1, 1, activation="tanh", bias=False, seed=0)
    single.set_weights({"x1→y1": 0.3})
    data = [((0.5, -0.2), (0.4,)), ((0.1, 0.9), (-0.3,)), ((-0.7, 0.3), (0.8,))]
    summed = [((a + b,), t) for (a, b), t in data]
    tied.train(data, epochs=4, optimizer=make(), shuffle=False, engine="reference")
    single.train(summed, epochs=4, optimizer=make(), shuffle=False, engine="reference")
    assert k.weight == pytest.approx(single["x1→y1"].weight, rel=1e-12)
    assert [link.state for link in k.links] == [k.state, k.state]
    assert k.state.numbers() == pytest.approx(single["x1→y1"].state.numbers(), rel=1e-9)


def test_clipping_counts_a_shared_weight_once_in_the_global_norm():
    """As torch.nn.utils.clip_grad_norm_ over parameters: the norm takes each weight's
    gradient once, a shared weight's being the sum of its links'."""
    import math

    net = Network.layered(2, 1, activation="identity", bias=False, seed=0)
    k = net.tie("k", ["x1→y1", "x2→y1"], weight=0.5)
    run = net.scheduler(([1.0, 2.0], [0.0]), optimizer=SGD(0.1, clip_norm=1.0))
    update = next(s for s in run.run() if s.kind == "Updated")
    # y = 1.5, ∂E/∂k = 1.5·1 + 1.5·2 = 4.5: one weight, so the norm is 4.5 (not √(1.5² + 3²))
    assert update.link is k and update.norm == 4.5
    assert math.isclose(k.weight, 0.5 - 0.1 * 4.5 * (1.0 / (4.5 + 1e-6)), rel_tol=1e-12)
