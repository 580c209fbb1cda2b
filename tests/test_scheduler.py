"""The scheduler: the walk, its grains, back(), and properties on random networks."""

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from lernpy import (
    Delivered,
    EpochEnded,
    Finished,
    Fired,
    Learned,
    LernpyError,
    Network,
    NumericError,
    Presented,
    Scored,
    Sensed,
    Trace,
    Updated,
    datasets,
    examples,
)
from tests.strategies import cases, smooth_at


def exact(net):
    """The network's state with floats as hex: equal means bit for bit."""

    def h(v):
        return v.hex() if isinstance(v, float) else repr(v)

    return {k: tuple(h(v) for v in vals) for k, vals in net.state().items()}


def numeric_gradient(net, sample, link, eps=1e-6):
    w = link.weight
    link.weight = w + eps
    plus = net.loss(*sample)
    link.weight = w - eps
    minus = net.loss(*sample)
    link.weight = w
    return (plus - minus) / (2 * eps)


# -- the walk -------------------------------------------------------------------


def test_one_sample_walk_order_on_mazur():
    """forward (present, deliver, fire), loss, backward (sense, learn), update, epoch end."""
    net = examples.mazur()
    steps = net.scheduler(examples.MAZUR_SAMPLE).run()
    kinds = [type(s) for s in steps]
    assert kinds[0] is Presented
    assert kinds[1:5] == [Delivered, Delivered, Delivered, Fired]  # i1, i2, b1 into h1, then h1
    assert kinds.count(Delivered) == 12 and kinds.count(Fired) == 4
    assert kinds.count(Scored) == 1 and kinds.count(Sensed) == 4
    assert kinds.count(Learned) == 12  # frozen bias links still learn
    assert kinds.count(Updated) == 8  # but are never updated
    assert kinds[-1] is EpochEnded
    phases = [s.phase for s in steps]
    assert phases == sorted(phases, key=["forward", "loss", "backward", "update", "epoch"].index)
    sensed = [s.neuron.name for s in steps if isinstance(s, Sensed)]
    assert sensed == ["o1", "o2", "h1", "h2"]


def test_grains_on_mazur():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    assert run.peek().kind == "Presented"
    first = run.step("neuron")
    assert isinstance(first, Fired) and first.neuron.name == "h1"
    assert run.step("layer").neuron.name == "h2"  # the rest of layer 1
    last = run.step("phase")  # the rest of the forward pass
    assert isinstance(last, Fired) and last.neuron.name == "o2"
    assert isinstance(run.step("phase"), Scored)
    assert run.step("link").link.name == "h1→o1"  # o1 sensed, then its first link
    assert run.peek().name == "h2→o1"
    run.run(until="update")
    assert run.peek().kind == "Updated"
    assert isinstance(run.step("sample"), EpochEnded)
    assert run.finished and run.peek() is None
    with pytest.raises(Finished):
        run.step()


def test_batch_and_epoch_grains():
    net = Network.layered(2, 2, 1, seed=0)
    run = net.scheduler(datasets.xor(), batch_size=2, epochs=2)
    assert isinstance(run.step("sample"), Learned)  # a batch's first sample: no update yet
    last = run.step("batch")
    assert isinstance(last, Updated)
    end = run.step("epoch")
    assert isinstance(end, EpochEnded) and end.epoch == 0
    assert run.epoch == 1


def test_immediate_update_happens_right_after_the_blame():
    net = examples.mazur()
    steps = net.scheduler(examples.MAZUR_SAMPLE, update="immediate").run()
    i = next(k for k, s in enumerate(steps) if isinstance(s, Learned) and s.link.label == "w5")
    assert isinstance(steps[i + 1], Updated) and steps[i + 1].link.label == "w5"
    assert steps[i].blame == 0.4 * net["o1"].sensitivity  # blame used the old weight


def test_immediate_needs_online_training():
    with pytest.raises(LernpyError, match="immediate.*batch_size=1"):
        examples.mazur().scheduler([examples.MAZUR_SAMPLE] * 2, update="immediate", batch_size=2)


def test_changing_the_topology_mid_run_is_an_error():
    net = Network.layered(2, 2, 1, seed=0)
    run = net.scheduler(datasets.xor())
    run.step()
    net.add_link("x1", "y1")
    with pytest.raises(LernpyError, match="make a new one"):
        run.step()


def test_freezing_mid_run_skips_that_update():
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE)
    run.run(until="update")
    net.freeze("w1")
    assert run.step().link.label == "w2"
    assert net["w1"].weight == 0.15


def test_momentum_term_is_recorded():
    net = examples.mazur()
    run = net.scheduler([examples.MAZUR_SAMPLE], rate=0.5, momentum=0.9, epochs=2)
    ups = [s for s in run.run() if isinstance(s, Updated) and s.link.label == "w5"]
    assert ups[0].momentum_term == 0.0
    assert ups[1].momentum_term == pytest.approx(0.9 * (ups[0].new - ups[0].old))
    assert ups[1].new == pytest.approx(ups[1].old + ups[1].momentum_term - 0.5 * ups[1].gradient)


# -- numeric failures -------------------------------------------------------------


def test_overflow_names_the_link_and_sample_and_keeps_the_last_good_weights():
    net = Network.layered(1, 1, activation="identity", bias=False, weights={"x1→y1": 1.0})
    data = [((1.0,), (0.0,)), ((1e300,), (0.0,))]
    run = net.scheduler(data, rate=1e10)
    with pytest.raises(NumericError, match="link x1→y1 became -inf on sample 1") as info:
        run.run()
    assert info.value.where == "link x1→y1" and info.value.sample == 1
    assert math.isfinite(net["x1→y1"].weight)


def test_training_rolls_back_the_batch_that_went_wrong():
    """A diverging full-batch run stops with the weights of the last whole epoch."""
    net = Network.layered(2, 3, 1, activation="identity", output="identity", seed=2)
    data = [((1.0, 2.0), (3.0,)), ((1.0, -1.0), (0.0,))]
    good = {}

    def keep(report):
        good.clear()
        good.update(net.weights())

    with pytest.raises(NumericError, match="on sample") as info:
        net.train(data, epochs=5000, rate=5.0, batch_size=None, callback=keep)
    assert info.value.history.epochs >= 2
    assert net.weights() == good


# -- properties -------------------------------------------------------------------


@given(case=cases())
def test_link_sensitivity_matches_finite_difference(case):
    """Backprop agrees with a central difference on every link, in any DAG."""
    net, (sample,) = case
    assume(smooth_at(net, sample))
    net.scheduler(sample, rate=0.0, trace=None).run(until="update")
    grads = {link: link.sensitivity for link in net.links}
    for link, grad in grads.items():
        assert grad == pytest.approx(numeric_gradient(net, sample, link), rel=1e-4, abs=1e-7), link


@given(case=cases(count=3))
def test_rate_zero_changes_no_weight(case):
    net, samples = case
    before = net.weights()
    net.scheduler(samples, rate=0.0, batch_size=2, trace=None).run()
    assert net.weights() == before


@given(case=cases(), rate=st.floats(0.01, 1.0))
def test_deferred_and_immediate_give_the_same_weights_for_one_sample(case, rate):
    net, samples = case
    start = net.weights()
    net.scheduler(samples, rate=rate, trace=None).run()
    deferred = net.weights()
    net.set_weights(start)
    net.scheduler(samples, rate=rate, update="immediate", trace=None).run()
    assert net.weights() == deferred


@given(case=cases(count=3))
def test_summed_batch_gradient_is_the_sum_of_single_sample_gradients(case):
    """With rate 1 and reduce="sum", Δw = −Σ_samples ∂E/∂w, each taken alone."""
    net, samples = case
    start = net.weights()
    expected = {name: 0.0 for name in start}
    for sample in samples:
        net.scheduler(sample, rate=0.0, trace=None).run(until="update")
        for link in net.links:
            expected[link.name] += link.sensitivity
            link.gradient = 0.0
    net.scheduler(samples, rate=1.0, batch_size=None, reduce="sum", trace=None).run()
    for name, w in net.weights().items():
        assert start[name] - w == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name


@given(case=cases(count=2), steps=st.integers(0, 120), back=st.integers(1, 120), data=st.data())
@example(case=(examples.mazur(), [examples.MAZUR_SAMPLE] * 2), steps=60, back=60, data=None)
def test_back_restores_the_exact_earlier_state(case, steps, back, data):
    net, samples = case
    shuffle = data.draw(st.booleans()) if data else True
    momentum = data.draw(st.sampled_from([0.0, 0.5])) if data else 0.5
    run = net.scheduler(
        samples, rate=0.3, momentum=momentum, batch_size=2, shuffle=shuffle, epochs=3
    )
    taken = []
    for _ in range(steps):
        if run.finished:
            break
        taken.append(exact(net))
        run.step()
    back = min(back, len(taken))
    stream = [repr(s.fields()) for s in run.trace]  # every number in full
    for _ in range(back):
        run.back()
    if back:
        assert exact(net) == taken[len(taken) - back]
    # and stepping forward again replays the same steps
    while len(run.trace) < len(stream):
        run.step()
    assert [repr(s.fields()) for s in run.trace] == stream


@given(case=cases(count=4))
def test_the_same_seed_gives_the_same_step_stream(case):
    net, samples = case
    start = net.weights()
    rng_state = net.rng.getstate()

    def stream():
        net.set_weights(start)
        net.rng.setstate(rng_state)
        net.reset_optimizer()
        run = net.scheduler(samples, rate=0.1, shuffle=True, epochs=3, momentum=0.5)
        try:
            return [repr(s.fields()) for s in run.run()]  # every number in full
        except NumericError as error:  # identity nets can blow up: then the same way twice
            return [repr(s.fields()) for s in run.trace] + [str(error)]

    assert stream() == stream()


@given(
    case=cases(count=2),
    bad=st.sampled_from([math.nan, math.inf, None, "x"]),
    where=st.integers(0, 1),
)
def test_bad_samples_change_nothing(case, bad, where):
    net, samples = case
    net.forward(samples[0][0])
    before = exact(net)
    x = list(samples[1][0])
    x[0] = bad
    broken = [samples[0], (x, samples[1][1])] if where else [(x, samples[1][1]), samples[0]]
    with pytest.raises(LernpyError, match=f"sample {1 - (1 - where)}"):
        net.train(broken, epochs=1)
    assert exact(net) == before


@given(
    exponent=st.integers(210, 300),
    target=st.floats(-1, 1, allow_nan=False, allow_infinity=False),
)
def test_numeric_error_names_the_number_that_is_not_finite(exponent, target):
    """A blame that overflows while the link's sensitivity is finite: the error shows the inf."""
    net = Network(seed=1)
    net.add_neuron("x1", "identity", "input")
    net.add_neuron("h1", "identity", "hidden")
    net.add_neuron("y1", "identity", "output")
    net.add_link("x1", "h1", 10.0 ** (100 - exponent))
    net.add_link("h1", "y1", 10.0**exponent)
    run = net.scheduler(([1.0], [target]), rate=0.1, trace=None)
    with pytest.raises(NumericError) as info:
        run.run()
    blame = net["h1→y1"].weight * net["y1"].sensitivity
    assume(not math.isfinite(blame))
    assert f"link h1→y1 became {blame} on sample 0" in str(info.value)


@given(case=cases(count=3), back=st.integers(1, 400), data=st.data())
def test_back_after_a_whole_epoch_walks_it_again_and_undoes_each_step(case, back, data):
    """step("epoch") keeps no undo log; back() then walks the epoch again step by step and
    undoes exactly as it would have after stepping (the same states, the same trace)."""
    net, samples = case
    options = dict(
        rate=0.3,
        momentum=data.draw(st.sampled_from([0.0, 0.5])),
        epochs=2,
        batch_size=data.draw(st.sampled_from([1, 2])),
        shuffle=data.draw(st.booleans()),
    )
    start = exact(net)
    run = net.scheduler(samples, **options)
    states = [start]
    try:
        for _ in range(2):
            run.step("epoch")
            states.append(exact(net))
    except NumericError:
        assume(False)
    steps = len(run.trace)
    stream = [repr(s) for s in run.trace]
    back = data.draw(st.sampled_from([min(back, steps), steps // 2, steps]))
    for _ in range(back):
        run.back()
    assert len(run.trace) == steps - back
    assert [repr(s) for s in run.trace] == stream[: steps - back]
    if back in (steps // 2, steps):  # back at an epoch's start (both epochs take as many steps)
        assert exact(net) == states[2 - 2 * back // steps]
    while not run.finished:  # and forward again: the same steps
        run.step()
    assert [repr(s) for s in run.trace] == stream
    assert exact(net) == states[-1]


def test_rate_momentum_and_epochs_change_between_steps():
    """run.set(rate=…) changes the next update; epochs=… adds epochs, even after the end."""
    net = examples.mazur()
    run = net.scheduler(examples.MAZUR_SAMPLE, rate=0.5)
    run.run(until="update")
    run.set(rate=0.1)
    run.run()
    assert net["w5"].weight == 0.4 - 0.1 * run.trace.updates("w5")[0].gradient
    assert run.finished
    run.set(epochs=3)
    assert not run.finished and run.peek().epoch == 1
    run.run()
    assert len(run.losses) == 3
    before = net.state()
    with pytest.raises(LernpyError, match="epochs is 2"):
        run.set(epochs=2)
    with pytest.raises(LernpyError, match="rate is -1"):
        run.set(rate=-1, epochs=5)
    assert net.state() == before and run.epochs == 3 and run.rate == 0.1


# -- finding 15: what a scheduler keeps by default is bounded ------------------------------


def test_by_default_the_trace_and_the_undo_log_keep_a_bounded_number_of_steps(monkeypatch):
    """Both kept every step (16 MB an epoch of iris, 1.6 GB at 100): now the last N of each."""
    from lernpy.walk import scheduler as module

    monkeypatch.setattr(module, "TRACE_STEPS", 40)
    monkeypatch.setattr(module, "UNDO_STEPS", 30)
    net = examples.mazur()
    run = net.scheduler([examples.MAZUR_SAMPLE] * 3, rate=0.5, epochs=2)
    steps = run.run()
    assert len(steps) > 200
    assert len(run.trace) == 40 and run.trace[-1] is steps[-1]
    assert run.trace.keep == 40 and "keep=40" in repr(run.trace)
    for step in reversed(steps[-30:]):
        assert run.back() is step
    with pytest.raises(LernpyError, match="only the last 30 steps can be undone"):
        run.back()


def test_everything_is_still_kept_on_request():
    net = examples.mazur()
    run = net.scheduler([examples.MAZUR_SAMPLE] * 3, rate=0.5, epochs=2,
                        trace=Trace(), history="all")  # fmt: skip
    steps = run.run()
    assert list(run.trace) == steps
    for step in reversed(steps):
        assert run.back() is step
    assert net.weights() == examples.mazur().weights()


def test_the_default_bounds_are_generous_for_a_lesson():
    """A learner stepping by hand never reaches them: a whole epoch of iris fits."""
    from lernpy.walk.scheduler import TRACE_STEPS, UNDO_STEPS

    net = Network.layered(4, 8, 3, seed=0)
    per_epoch = len(net.scheduler(datasets.iris()[:1])._sample_ops) * 150
    assert TRACE_STEPS >= per_epoch and UNDO_STEPS >= per_epoch


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.integers(0, 3), st.integers(1, 500).map(lambda n: -n)), max_size=60),
    st.one_of(st.none(), st.integers(1, 6), st.integers(1, 900)),
)
def test_the_undo_log_counts_its_steps_as_entries_come_and_go(ops, bound):
    """The bound reads the log's running count: it must equal a recount after any changes,
    and the log holds the newest entries whose steps are within the bound (at least one)."""
    import copy

    from lernpy.walk.fastlane import Unwalked
    from lernpy.walk.scheduler import UndoLog

    log, model, forgot = UndoLog(bound=bound), [], False

    def added(steps: int) -> list:
        nonlocal forgot
        kept = model + [steps]
        while bound is not None and sum(kept) > bound and len(kept) > 1:
            kept, forgot = kept[1:], True
        return kept

    for op in ops:
        if op < 0:  # an epoch the fast lane took, of -op steps
            entry = Unwalked(0, (), (), (), (), None, -op)
            log.append(entry)
            model = added(-op)
        elif op == 0:
            log.append(("a step",))
            model = added(1)
        elif op == 1 and log:
            log.pop()
            model.pop()
        elif op == 2 and log:
            log.popleft()
            model.pop(0)
        elif op == 3:
            log.clear()
            model = []
        assert log.steps == sum(model) and len(log) == len(model) and log.forgot == forgot
        assert [e.steps if isinstance(e, Unwalked) else 1 for e in log] == model
    assert copy.deepcopy(log).steps == copy.copy(log).steps == sum(model)
    for copied in (copy.copy(log), copy.deepcopy(log)):
        assert (copied.forgot, copied.bound) == (forgot, bound)
