"""The fast engines against the reference scheduler, on random networks and options.

The oracle is the stepping scheduler (``engine="reference"``): each engine trains
a copy of the same network on the same data with the same options, and its
weights and losses must agree to 1e-12 (relative, weights scaled by the largest
weight), its sample order and generator state exactly. Replay must walk an
engine's update through the reference and land on the engine's weights.
"""

from __future__ import annotations

import contextlib
import copy
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, NumericError, Trace, datasets, engines
from lernpy.engines import choose, compiled
from lernpy.engines.base import Options
from lernpy.optim import State
from lernpy.training.schedules import Schedule
from lernpy.walk import lane
from lernpy.walk.scheduler import Scheduler
from lernpy.walk.steps import EpochEnded

try:
    import numpy
except ImportError:  # the numpy engine is optional
    numpy = None

ENGINES = ["compiled", "numpy"]
REL = 1e-12

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus"]
# (output activation, loss) pairs that make sense together
HEADS = [
    ("sigmoid", "half_sse"),
    ("tanh", "half_sse"),
    ("identity", "mse"),
    ("sigmoid", "bce"),
    ("sigmoid", "bce_mean"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "mse"),
    ("softmax", "half_sse"),
]


def halving(rate: float) -> Schedule:
    """A rate schedule: ``rate``, then half of it every epoch (train changes it between epochs)."""
    return Schedule("exponential", rate, gamma=0.5)


def needs(engine: str) -> None:
    if engine == "numpy" and numpy is None:
        pytest.skip("numpy is not installed: the numpy engine is optional (lernpy[fast])")


@st.composite
def cases(draw, skips: bool = False):
    """A network (maybe with frozen links and skip links), data and training options."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    head, loss = draw(st.sampled_from(HEADS))
    if head == "softmax" and sizes[-1] < 2:
        sizes[-1] = 2
    depth = len(sizes) - 2
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth, max_size=depth))
    net = Network.layered(
        *sizes,
        activation=hidden,
        output=head,
        loss=loss,
        seed=draw(st.integers(0, 10_000)),
        bias=draw(st.booleans()) or len(sizes) == 2,
    )
    if skips and len(sizes) > 2:
        for _ in range(draw(st.integers(1, 3))):
            source = draw(st.sampled_from(net.layers[0]))
            target = draw(st.sampled_from(net.layers[-1] if head != "softmax" else net.layers[-2]))
            if source.layer + 1 < target.layer and target.name not in [
                link.target.name for link in source.outgoing
            ]:
                net.add_link(source, target, draw(st.floats(-1, 1)))
    links = net.links
    frozen = draw(st.lists(st.sampled_from(links), max_size=min(3, len(links) - 1), unique=True))
    if frozen:
        net.freeze(*frozen)
    n_in, n_out = len(net.inputs), len(net.outputs)
    unit = st.floats(-1, 1, allow_nan=False, allow_infinity=False)
    n = draw(st.integers(1, 6))
    data = []
    for _ in range(n):
        x = tuple(draw(st.lists(unit, min_size=n_in, max_size=n_in)))
        if head == "softmax" and draw(st.booleans()):  # any targets: the fused form is exact
            t = tuple(draw(st.lists(st.floats(-0.5, 1.5), min_size=n_out, max_size=n_out)))
        elif head == "softmax":
            hot = draw(st.integers(0, n_out - 1))
            t = tuple(1.0 if j == hot else 0.0 for j in range(n_out))
        elif head == "sigmoid":
            t = tuple(draw(st.lists(st.floats(0, 1), min_size=n_out, max_size=n_out)))
        else:
            t = tuple(draw(st.lists(unit, min_size=n_out, max_size=n_out)))
        data.append((x, t))
    batch = draw(st.sampled_from([1, 1, 2, 3, "all"]))
    options = dict(
        rate=draw(st.one_of(st.floats(0.0, 0.5), st.floats(0.0, 0.5).map(halving))),
        momentum=draw(st.sampled_from([0.0, 0.0, 0.5, 0.9])),
        batch_size=batch,
        reduce=draw(st.sampled_from(["mean", "sum"])),
        shuffle=draw(st.booleans()),
        update=draw(st.sampled_from(["deferred", "immediate"])) if batch == 1 else "deferred",
    )
    epochs = draw(st.integers(1, 3))
    return net, data, options, epochs


def exact(net) -> dict:
    """The network's state with floats as hex: equal means bit for bit (signed zeros too)."""

    def h(v):
        return v.hex() if isinstance(v, float) else repr(v)

    return {k: tuple(h(v) for v in vals) for k, vals in net.state().items()}


@contextlib.contextmanager
def lane_limit(links: int):
    """Networks with more links than this take the object walk instead of the lane."""
    kept = lane.MAX_LINKS
    lane.MAX_LINKS = links
    try:
        yield
    finally:
        lane.MAX_LINKS = kept


def weights_agree(a: list[float], b: list[float]) -> bool:
    scale = max([1.0] + [abs(w) for w in b])
    return all(abs(x - y) <= REL * scale for x, y in zip(a, b, strict=True))


def losses_agree(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=REL, abs_tol=1e-15) for x, y in zip(a, b)
    )


def train_both(net, data, options, epochs, engine):
    """The same training by the reference and by ``engine``, on two copies of ``net``.

    When the reference blows up (a NaN, an overflow), the engine must blow up the
    same way; the example is then set aside.
    """
    reference, fast = copy.deepcopy(net), copy.deepcopy(net)
    try:
        expected = reference.train(data, epochs=epochs, engine="reference", **options)
    except (NumericError, OverflowError) as error:
        with pytest.raises(type(error)) as got:
            fast.train(data, epochs=epochs, engine=engine, **options)
        assert str(got.value) == str(error)
        assume(False)
    history = fast.train(data, epochs=epochs, engine=engine, **options)
    return reference, expected, fast, history


def not_saturated(net) -> bool:
    """Units far out on a flat tail make 1e-12 meaningless (1 − σ(net) has few digits)."""
    return all(abs(n.net) < 15 for n in net.neurons if not n.is_source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(skips=True),
    per_epoch=st.booleans(),
    keep=st.sampled_from([None, 5, 60]),
    objects=st.booleans(),
    leftover=st.integers(0, 60),
)
def test_training_with_a_trace_leaves_what_stepping_leaves(
    case, per_epoch, keep, objects, leftover
):
    """train(engine="reference", trace=...) leaves the network and the trace that stepping
    leaves, bit for bit: per epoch or in one call, in the lane or the object walk, also
    from a batch a scheduler left half done (its gradients) or after momentum (its states)."""
    net, data, options, epochs = case
    if leftover:  # steps of a scheduler of its own, stopped anywhere
        before = Scheduler(net, data, epochs=1, trace=None, **options)
        for _ in range(leftover):
            if before.finished:
                break
            before.step()
    trained, stepped = copy.deepcopy(net), copy.deepcopy(net)
    traces = [Trace(keep=keep), Trace(keep=keep)]
    calls = [1] * epochs if per_epoch else [epochs]
    try:
        with lane_limit(0 if objects else lane.MAX_LINKS):
            for n in calls:
                trained.train(data, epochs=n, engine="reference", trace=traces[0], **options)
        for n in calls:  # the same epochs, step by step
            run = Scheduler(stepped, data, epochs=n, trace=traces[1], history="batch", **options)
            while not run.finished:
                run.step()
    except (NumericError, OverflowError):
        assume(False)
    assert exact(trained) == exact(stepped)
    assert [repr(s.fields()) for s in traces[0]] == [repr(s.fields()) for s in traces[1]]


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_engine_weights_and_losses_agree_with_the_reference(engine, case):
    """Every engine's weights and losses after k samples agree with the scheduler's to 1e-12."""
    needs(engine)
    net, data, options, epochs = case
    opts = Options(options["rate"], options["momentum"], 1, options["reduce"], True)
    if engine == "numpy":
        assume(choose(net, opts, "auto")[0] != "reference")
        from lernpy.engines import numpy_engine

        assume(numpy_engine.why_not(net, opts) is None)
    reference, expected, fast, history = train_both(net, data, options, epochs, engine)
    assume(not_saturated(reference))
    assert history.engine == engine
    assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])
    assert losses_agree(history.loss, expected.loss)
    assert fast.rng.getstate() == reference.rng.getstate()  # shuffled the same way


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(skips=True))
def test_compiled_engine_is_exact_on_any_dag(case):
    """The compiled engine reproduces every number of the reference bit for bit, skip links too."""
    net, data, options, epochs = case
    reference, expected, fast, history = train_both(net, data, options, epochs, "compiled")
    assert history.loss == expected.loss
    assert fast.state() == reference.state()


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_engine_leaves_every_neuron_and_link_current(engine, case):
    """After an engine returns, values, sensitivities, blames and velocities are the reference's."""
    needs(engine)
    net, data, options, epochs = case
    if engine == "numpy":
        from lernpy.engines import numpy_engine

        assume(numpy_engine.why_not(net, None) is None)
    reference, _, fast, _ = train_both(net, data, options, epochs, engine)
    assume(not_saturated(reference))
    expected, got = reference.state(), fast.state()
    scale = max([1.0] + [abs(w) for w in reference.weights().values()])
    for name, numbers in expected.items():
        for x, y in zip(got[name], numbers, strict=True):
            if isinstance(y, State):  # the optimizer state: its kind, and its numbers as floats
                assert x is not None and x.kind == y.kind, (name, x, y)
                x, y = x.velocity, y.velocity
            if isinstance(y, float):
                # sensitivities are products of the weights: allow their scale too
                assert abs(x - y) <= 1e-10 * max(scale, abs(y)), (name, got[name], numbers)
            else:
                assert x == y, (name, got[name], numbers)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_replay_walks_an_engine_update_and_lands_on_its_weights(engine, case, data):
    """replay(epoch, sample), then the rest of the epoch, lands on the engine's weights."""
    needs(engine)
    net, samples, options, epochs = case
    if engine == "numpy":
        from lernpy.engines import numpy_engine

        assume(numpy_engine.why_not(net, None) is None)
    try:
        history = net.train(samples, epochs=epochs, engine=engine, **options)
    except (NumericError, OverflowError):  # diverged: the tests above hold it to the reference
        assume(False)
    epoch = data.draw(st.integers(0, epochs - 1))
    sample = data.draw(st.integers(0, len(samples) - 1))
    run = history.replay(epoch, sample)
    first = run.step()
    assert first.kind == "Presented" and first.sample == sample and first.epoch == epoch
    run.step("epoch")
    if epoch + 1 < epochs:
        after = list(history.checkpoints[epoch + 1].weights)
    else:
        after = [link.weight for link in net.links]
    assert weights_agree([link.weight for link in run.net.links], after)
    updates = [s for s in run.net.trace if s.kind == "Updated"]
    trainable = [link for link in run.net.links if not link.frozen]
    rate = options["rate"]
    if (rate(epoch) if callable(rate) else rate) > 0 and trainable:
        assert updates, "the replayed epoch records its updates"


def test_replay_can_step_back():
    """A replayed step can be undone, as with any scheduler."""
    net = Network.layered(2, 2, 1, seed=4)
    data = [((0.0, 1.0), (1.0,)), ((1.0, 1.0), (0.0,))]
    history = net.train(data, epochs=3, rate=0.5, engine="compiled")
    run = history.replay(2, 1)
    run.step("sample")
    before = run.net.state()
    step = run.step()
    run.back()
    assert run.net.state() == before and step.kind == "Presented"


@pytest.mark.parametrize("engine", ENGINES)
def test_numeric_error_is_the_references(engine):
    """A NaN or infinity stops an engine with the reference's error, weights as before the batch."""
    needs(engine)
    net = Network.layered(2, 3, 1, activation="identity", output="identity", seed=2)
    data = [((1e150, -1e150), (1.0,)), ((1.0, 2.0), (0.0,))]
    reference = copy.deepcopy(net)
    with pytest.raises(NumericError) as expected:
        reference.train(data, epochs=2, rate=0.4, engine="reference", shuffle=False)
    with pytest.raises(NumericError) as got:
        net.train(data, epochs=2, rate=0.4, engine=engine, shuffle=False)
    assert str(got.value) == str(expected.value)
    assert got.value.where == expected.value.where and got.value.sample == expected.value.sample
    assert net.weights() == reference.weights()


@pytest.mark.parametrize(
    "options",
    [
        dict(rate=-1.0),
        dict(rate=float("nan")),
        dict(momentum=1.0),
        dict(batch_size=0),
        dict(batch_size=True),
        dict(reduce="max"),
        dict(update="later"),
        dict(update="immediate", batch_size=2),
        dict(epochs=0),
    ],
)
def test_bad_options_get_the_schedulers_error(options):
    """The engines check options with the scheduler's own words."""
    net = Network.layered(2, 2, 1, seed=1)
    data = [((0.0, 1.0), (1.0,))]
    options = {"epochs": 1, **options}
    with pytest.raises(LernpyError) as expected:
        net.train(data, engine="reference", **options)
    before = net.state()
    with pytest.raises(LernpyError) as got:
        net.train(data, engine="compiled", **options)
    assert type(got.value) is type(expected.value) and str(got.value) == str(expected.value)
    assert net.state() == before


def test_auto_picks_an_engine_and_says_which():
    """train() chooses by itself, reports the choice, and a trace means the reference."""
    data = [((0.0, 1.0), (1.0,)), ((1.0, 0.0), (1.0,))]
    small = Network.layered(2, 2, 1, seed=1)
    assert small.train(data, epochs=2).engine == "compiled"
    assert small.train(data, epochs=2, trace=Trace(keep=100)).engine == "reference"
    assert small.train(data, epochs=2, engine="reference").engine == "reference"
    with pytest.raises(LernpyError, match="records no steps"):
        small.train(data, epochs=1, engine="compiled", trace=True)
    if numpy is not None:
        big = Network.layered(2, 64, 64, 1, seed=1)
        assert big.train(data, epochs=1).engine == "numpy"


def test_numpy_engine_refuses_what_it_cannot_do():
    """A skip link is not layered: naming the numpy engine says why; auto takes another."""
    needs("numpy")
    net = Network.layered(2, 3, 1, seed=1)
    net.add_link("x1", "y1", 0.3)
    data = [((0.0, 1.0), (1.0,))]
    with pytest.raises(LernpyError, match="skips a layer"):
        net.train(data, engine="numpy")
    assert net.train(data, engine="auto").engine == "compiled"


def test_numpy_engine_without_numpy_is_a_clear_error(monkeypatch):
    """Without numpy, naming the numpy engine says how to get it; auto still trains."""

    monkeypatch.setattr(engines, "_numpy_engine", lambda: None)
    net = Network.layered(2, 64, 1, seed=1)
    data = [((0.0, 1.0), (1.0,))]
    with pytest.raises(LernpyError, match="needs numpy"):
        net.train(data, engine="numpy")
    assert net.train(data).engine == "compiled"


def test_compiled_source_is_rebuilt_when_the_topology_changes():
    """The generated source follows the graph: a new link gets its own code and weight."""
    net = Network.layered(2, 2, 1, seed=3)
    before = compiled.source(net)
    net.add_link("x1", "y1", 0.25)
    after = compiled.source(net)
    assert before != after and after.count("*v0") > before.count("*v0")
    data = [((0.5, -0.5), (1.0,))]
    reference = copy.deepcopy(net)
    reference.train(data, epochs=2, engine="reference")
    net.train(data, epochs=2, engine="compiled")
    assert net.state() == reference.state()


def test_generated_code_shows_its_lines_while_it_lives_and_is_let_go_with_it():
    """A traceback finds the lane's and the compiled engine's lines (linecache), and a
    network let go takes its generated source with it (50 networks once kept 1.7 MB)."""
    import gc
    import linecache

    net = Network.layered(2, 3, 1, seed=4)
    net.train(datasets.xor(), epochs=1, engine="compiled")
    run = net.scheduler(datasets.xor(), epochs=1)
    run.step("epoch")
    codes = [c for _key, c in net.cache["compiled"]]
    codes += [c for c in net.cache["lane plan"][1].lanes.values()]
    functions = [c.train for c in codes[:1]] + [c.run for c in codes[1:]]
    names = [f.__code__.co_filename for f in functions]
    for code, name in zip(codes, names, strict=True):
        assert linecache.getline(name, 1) == code.source.splitlines(True)[0]
    del net, run, codes, functions, code
    gc.collect()
    assert not any(name in linecache.cache for name in names)


@pytest.mark.parametrize("engine", ENGINES)
def test_callback_sees_current_objects_and_can_stop(engine):
    """A callback after each epoch sees the network as the reference leaves it, and can stop it."""
    needs(engine)
    data = [((0.1, 0.9), (1.0,)), ((0.8, 0.2), (0.0,)), ((0.5, 0.5), (1.0,))]
    seen = {}
    for name in ("reference", engine):
        net = Network.layered(2, 3, 1, activation="tanh", output="sigmoid", seed=5)
        states = []

        def callback(report, states=states):
            states.append(report.network.weights())
            return report.epoch == 3

        history = net.train(data, epochs=10, rate=0.3, callback=callback, engine=name)
        assert history.epochs == 3 and "callback" in history.stopped
        seen[name] = states
    for got, expected in zip(seen[engine], seen["reference"], strict=True):
        assert weights_agree(list(got.values()), list(expected.values()))


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("blas", [True, False])
def test_numpy_engine_agrees_with_and_without_blas(monkeypatch, blas, batch_size):
    """The one-pass BLAS updates (a sample's rank-1 dger, a batch's dgemm) and numpy's own
    operations all agree with the reference, in order and shuffled."""
    needs("numpy")
    from lernpy.engines import numpy_engine

    if blas and (numpy_engine.dger if batch_size == 1 else numpy_engine.gemm) is None:
        pytest.skip("no BLAS update found beside numpy")
    monkeypatch.setattr(numpy_engine, "BLAS_MIN", 0)
    if not blas:
        monkeypatch.setattr(numpy_engine, "dger", None)
        monkeypatch.setattr(numpy_engine, "gemm", None)
    net = Network.layered(5, 7, 3, activation="tanh", output="sigmoid", seed=11)
    data = [(tuple((i * j % 7) / 7 for j in range(5)), (0.0, 1.0, 0.5)) for i in range(9)]
    for momentum, shuffle in ((0.0, True), (0.9, True), (0.0, False)):
        options = dict(rate=0.4, momentum=momentum, shuffle=shuffle, batch_size=batch_size)
        reference, expected, fast, history = train_both(net, data, options, 4, "numpy")
        if batch_size > 1 and not momentum:
            assert fast.cache["session"]._gemm() == blas
        assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])
        assert losses_agree(history.loss, expected.loss)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(skips=True),
    keep=st.sampled_from([None, 1, 7, 60, 10_000, "filtered", "none"]),
    objects=st.booleans(),
)
def test_training_fast_lane_walks_exactly_like_the_step_by_step_walk(case, keep, objects):
    """step("epoch") at an epoch's start (the lane, or the object walk) leaves the same
    network, losses and trace as stepping, number for number."""
    net, data, options, epochs = case
    runs = []
    for fast in (True, False):
        copy_ = copy.deepcopy(net)
        if keep == "filtered":
            trace = Trace(links=[copy_.links[0].name])
        elif keep == "none":
            trace = None
        else:
            trace = Trace(keep=keep)
        run = Scheduler(copy_, data, epochs=epochs, trace=trace, history="batch", **options)
        losses, error = [], None
        try:
            while not run.finished:
                if fast:
                    with lane_limit(0 if objects else lane.MAX_LINKS):
                        losses.append(run.step("epoch").loss)
                else:
                    step = run.step()
                    if isinstance(step, EpochEnded):
                        losses.append(step.loss)
        except (NumericError, OverflowError) as caught:
            error = (type(caught), str(caught))
        rows = [repr(s.fields()) for s in trace] if trace is not None else []
        runs.append((exact(copy_), losses, rows, error))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_frozen_link_with_an_old_velocity_keeps_its_weight_under_momentum(engine, case, data):
    """A link frozen after momentum training keeps its weight: its old velocity moves nothing."""
    needs(engine)
    net, samples, options, epochs = case
    assume(any(link.frozen for link in net.links))
    options = {**options, "momentum": data.draw(st.sampled_from([0.5, 0.9]))}
    step = st.floats(-0.5, 0.5, allow_nan=False, allow_infinity=False).filter(bool)
    for link in net.links:  # as left by earlier training with momentum
        link.state = State("sgd", velocity=data.draw(step))
    if engine == "numpy":
        from lernpy.engines import numpy_engine

        opts = Options(options["rate"], options["momentum"], 1, options["reduce"], True)
        assume(numpy_engine.why_not(net, opts) is None)
    reference, expected, fast, history = train_both(net, samples, options, epochs, engine)
    assume(not_saturated(reference))
    assert history.engine == engine
    assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])
    assert losses_agree(history.loss, expected.loss)


@pytest.mark.parametrize("engine", ENGINES)
def test_link_frozen_after_momentum_training_stays_put_in_online_training(engine):
    """Momentum training, freeze a link, train on per sample: every weight is the reference's."""
    needs(engine)
    net = Network.layered(2, 12, 8, 1, activation="sigmoid", seed=3)
    net.train(datasets.xor(), epochs=3, rate=0.5, momentum=0.9, engine="reference")
    net.freeze(net.links[0])
    options = dict(rate=0.5, momentum=0.9, shuffle=False)
    reference, expected, fast, history = train_both(net, datasets.xor(), options, 3, engine)
    assert history.engine == engine
    assert fast.links[0].weight == net.links[0].weight
    assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])
    assert losses_agree(history.loss, expected.loss)


@pytest.mark.parametrize("engine", ENGINES)
def test_numeric_error_in_a_later_epoch_names_the_references_epoch(engine):
    """A blow-up in epoch 2 is reported as epoch 2 by every engine, word for word."""
    needs(engine)
    net = Network.layered(2, 3, 1, activation="identity", output="identity", seed=1)
    data = [((1.0, 2.0), (3.0,)), ((2.0, -1.0), (1.0,)), ((0.5, 0.5), (2.0,))]
    reference = copy.deepcopy(net)
    with pytest.raises(NumericError) as expected:
        reference.train(data, epochs=500, rate=0.3, engine="reference")
    assert "(epoch 0)" not in str(expected.value)
    with pytest.raises(NumericError) as got:
        net.train(data, epochs=500, rate=0.3, engine=engine)
    assert str(got.value) == str(expected.value)
    assert len(got.value.history.loss) == len(expected.value.history.loss)
    assert net.weights() == reference.weights()


def _blow_up(kind: str, exponent: int, wide: bool) -> tuple[Network, list]:
    """A net that overflows only where the weights cannot show it (see the test below).

    ``wide``: 64 hidden neurons, so that the numpy engine takes its BLAS code paths.
    """
    if wide:  # x1→h1 huge: h1's net is inf under tanh, or its blame back to x1 overflows
        net = Network.layered(1, 64, 1, activation="identity" if kind == "blame" else "tanh",
                              output="identity", seed=1)  # fmt: skip
        net.set_weights({"x1→h1": 10.0**exponent})
        x = 10.0 ** ((-exponent + 30) if kind == "blame" else (320 - exponent))
        return net, [((x,), (0.5,)), ((x,), (0.25,))]
    net = Network(seed=1)
    net.add_neuron("x1", "identity", "input")
    if kind == "blame":  # w · s into the input: past the float range, the update is not
        net.add_neuron("y1", "identity", "output")
        net.add_link("x1", "y1", 10.0**exponent)
        return net, [((10.0 ** (30 - exponent),), (0.5,))]
    # a net of inf under tanh: value 1.0, slope 0, so no weight moves
    net.add_neuron("h1", "tanh", "hidden")
    net.add_neuron("y1", "identity", "output")
    net.add_link("x1", "h1", 10.0**exponent)
    net.add_link("h1", "y1", 0.5)
    return net, [((10.0 ** (320 - exponent),), (0.5,))]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("batch_size", [1, 2])
@settings(max_examples=10, deadline=None)
@given(kind=st.sampled_from(["blame", "net"]), exponent=st.integers(280, 300))
def test_engine_stops_where_the_reference_does(engine, wide, batch_size, kind, exponent):
    """An overflow the weights never see (a blame into an input, a net under tanh) still stops."""
    needs(engine)
    net, data = _blow_up(kind, exponent, wide)
    options = dict(epochs=2, rate=0.1, batch_size=batch_size, shuffle=False)
    reference = copy.deepcopy(net)
    with pytest.raises(NumericError) as expected:
        reference.train(data, engine="reference", **options)
    with pytest.raises(NumericError) as got:
        net.train(data, engine=engine, **options)
    assert str(got.value) == str(expected.value)
    assert net.state() == reference.state()


def test_numpy_batches_bound_the_blames_into_the_inputs(monkeypatch):
    """With dgemm the blames into layer 0 are bounded, not computed (see CHECKS in the
    engine): a bound past the float range while every blame is finite (x1→h1 · s ≈ 1e160,
    ‖W₁‖² overflows) sends the epochs to the reference, which finds nothing wrong."""
    needs("numpy")
    from lernpy.engines import numpy_engine
    from lernpy.training import loop

    if numpy_engine.gemm is None:
        pytest.skip("no BLAS dgemm found: the blames are computed")
    net = Network.layered(1, 64, 1, activation="identity", output="identity", seed=1)
    net.set_weights({"x1→h1": 1e160})
    data = [((1e-170,), (0.5,)), ((2e-170,), (0.25,))]
    reference = copy.deepcopy(net)
    reruns = []

    def counted(*args, **kwargs):
        reruns.append(kwargs["epochs"])
        return Scheduler(*args, **kwargs)

    monkeypatch.setattr(loop, "Scheduler", counted)
    options = dict(epochs=2, rate=0.1, batch_size=2, shuffle=False)
    history = net.train(data, engine="numpy", **options)
    assert reruns == [1, 2]  # each epoch's alarm: the reference ran it
    expected = reference.train(data, engine="reference", **options)
    assert history.loss == expected.loss
    assert exact(net) == exact(reference)
    assert net.links[0].blame == reference.links[0].blame != 0.0  # (≈ 1e160, finite)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_engine_takes_up_what_a_callback_changes(engine, case, data):
    """A callback that sets a weight or freezes a link: the next epochs use it, as the reference."""
    needs(engine)
    net, samples, options, epochs = case
    assume(epochs > 1)
    if engine == "numpy":
        from lernpy.engines import numpy_engine

        opts = Options(options["rate"], options["momentum"], 1, options["reduce"], True)
        assume(numpy_engine.why_not(net, opts) is None)
    at = data.draw(st.integers(1, epochs - 1))
    index = data.draw(st.integers(0, len(net.links) - 1))
    weight = data.draw(st.floats(-1, 1))
    freeze = data.draw(st.booleans())

    def callback(report):
        if report.epoch == at:
            link = report.network.links[index]
            link.weight = weight
            link.frozen = link.frozen or freeze

    runs = []
    for name in ("reference", engine):
        copy_ = copy.deepcopy(net)
        try:
            history = copy_.train(samples, epochs=epochs, engine=name, callback=callback, **options)
        except (NumericError, OverflowError):
            assume(False)
        runs.append((copy_, history))
    (reference, expected), (fast, history) = runs
    assume(not_saturated(reference))
    assert history.engine == engine
    assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])
    assert losses_agree(history.loss, expected.loss)


@pytest.mark.parametrize("engine", ENGINES)
def test_callback_that_changes_the_links_stops_the_engine_as_the_reference(engine):
    """A link added by a callback: the reference refuses to go on, and so does every engine."""
    needs(engine)

    def callback(report):
        if "x1→y1" not in report.network:
            report.network.add_link("x1", "y1", 0.1)

    for name in ("reference", engine):
        net = Network.layered(2, 2, 1, seed=1)
        with pytest.raises(LernpyError, match="links changed"):
            net.train(datasets.xor(), epochs=3, engine=name, callback=callback)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_engine_keeps_its_session_across_calls_and_callbacks_that_only_read(engine):
    """Calls and callbacks that leave the weights alone go on with the same session; weights
    set between calls are taken up; and the numbers are the reference's all along."""
    needs(engine)
    data = [((0.1, 0.9), (1.0,)), ((0.8, 0.2), (0.0,)), ((0.5, 0.5), (1.0,))]
    nets = {name: Network.layered(2, 3, 1, seed=5) for name in ("reference", engine)}
    sessions = []

    def look(report):
        report.network.forward((0.3, 0.7))  # reads the network (and moves its values)
        sessions.append(report.network.cache.get("session"))

    for name, net in nets.items():
        net.train(data, epochs=3, rate=0.4, momentum=0.5, engine=name, callback=look)
        net.train(data, epochs=2, rate=0.4, momentum=0.5, engine=name)
        net["x1→h1"].weight = 0.25  # set between calls: the next call starts from it
        net.train(data, epochs=2, rate=0.4, momentum=0.5, engine=name, callback=look)
    mine = sessions[5:]
    assert len(mine) == 5 and mine[0] is not None and all(s is mine[0] for s in mine)
    expected, got = nets["reference"], nets[engine]
    assert weights_agree([w.weight for w in got.links], [w.weight for w in expected.links])
    assert got.rng.getstate() == expected.rng.getstate()


@pytest.mark.parametrize("engine, other", [("numpy", "compiled"), ("compiled", "numpy")])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_link_numbers_an_engine_leaves_to_settle_are_the_references_whenever_read(
    engine, other, momentum
):
    """A fast engine writes weights and neurons at once and each link's value, ∂E/∂w, blame
    and velocity when first read: read after a hand-made change to a neuron, after a copy,
    after another engine trained on, they are what the reference left (to 1e-12)."""
    needs("numpy")
    data = [((0.2, 0.9, 0.1), (1.0, 0.0)), ((0.7, 0.1, 0.4), (0.0, 1.0))]

    def trained(name):
        net = Network.layered(3, 4, 2, activation="tanh", output="sigmoid", seed=8)
        net.train(data, epochs=3, rate=0.4, momentum=momentum, shuffle=False, engine=name)
        return net

    def numbers(net):
        return [(k.value, k.sensitivity, k.blame, k.weight, k.velocity) for k in net.links]

    expected = numbers(trained("reference"))
    net = trained(engine)
    assert net.pending is not None  # (nothing has read a link yet)
    net["h1"].value = 123.0  # a hand-made change: the links' numbers are the sample's still
    assert weights_agree(sum(map(list, numbers(net)), []), sum(map(list, expected), []))
    net = trained(engine)
    twin = copy.deepcopy(net)  # a copy settles first
    assert net.pending is None and twin.pending is None
    assert weights_agree(sum(map(list, numbers(twin)), []), sum(map(list, expected), []))
    net = trained(engine)
    net.train(data, epochs=1, rate=0.4, momentum=momentum, shuffle=False, engine=other)
    reference = trained("reference")
    reference.train(data, epochs=1, rate=0.4, momentum=momentum, shuffle=False, engine="reference")
    assert weights_agree(sum(map(list, numbers(net)), []), sum(map(list, numbers(reference)), []))


def test_auto_times_the_engines_when_their_estimates_are_close(monkeypatch):
    """When neither engine's cost estimate is clearly lower, auto trains both on copies of
    the first samples and takes the faster: the network is untouched, the choice kept."""
    needs("numpy")
    from lernpy.engines import numpy_engine

    monkeypatch.setattr(numpy_engine, "cost", lambda net, options: 1e-5)
    monkeypatch.setattr(compiled, "cost", lambda net, options: 2e-5)
    timed = []
    real = engines._timed

    def spy(*args):
        timed.append(args[0])
        return real(*args)

    monkeypatch.setattr(engines, "_timed", spy)
    net = Network.layered(2, 6, 1, seed=2)
    before = net.state()
    opts = Options(0.3, 0.0, 1, "mean", False)
    name, why = choose(net, opts, "auto", datasets.xor())
    assert name in ("numpy", "compiled") and why == "fastest (timed)"
    assert timed == [["numpy", "compiled"]] and net.state() == before
    assert choose(net, opts, "auto", datasets.xor()) == (name, why) and len(timed) == 1
    monkeypatch.setattr(compiled, "cost", lambda net, options: 9e-5)  # clearly dearer
    net.freeze("x1→h1")  # (the engines compile again: chosen again)
    assert choose(net, opts, "auto", datasets.xor()) == ("numpy", "fastest suitable (estimated)")


@pytest.mark.parametrize("engine", ENGINES)
def test_layer_numbers_that_skip_train_as_the_reference(engine):
    """Layers numbered 0, 1, 5 (as the file allows): places count, not numbers."""
    needs(engine)
    net = Network(seed=1)
    net.add_neuron("x", kind="input")
    net.add_neuron("b", "identity", kind="bias")
    net.add_neuron("h", "tanh", layer=1)
    net.add_neuron("y", "sigmoid", kind="output", layer=5)
    for a, b in [("x", "h"), ("b", "h"), ("h", "y"), ("b", "y")]:
        net.add_link(a, b)
    data = [((0.5,), (1.0,)), ((-0.25,), (0.0,))]
    reference, expected, fast, history = train_both(net, data, {"rate": 0.5}, 3, engine)
    assert history.engine == engine
    assert weights_agree([w.weight for w in fast.links], [w.weight for w in reference.links])


# -- finding 16: how far the numpy engine is from the reference, and after a numeric error --


def _one_ulp_twin(net: Network, seed: int) -> Network:
    """A copy with every weight moved by one unit in the last place, up or down at random."""
    import random

    twin = copy.deepcopy(net)
    rng = random.Random(seed)
    for link in twin.links:
        link.weight = math.nextafter(link.weight, rng.choice([math.inf, -math.inf]))
    return twin


def _drift(a: Network, b: Network) -> float:
    return max(abs(x.weight - y.weight) for x, y in zip(a.links, b.links))


def test_the_numpy_engine_is_as_far_from_the_reference_as_one_rounding_takes_it():
    """The numpy engine adds in another order (BLAS), so each number differs in the last bits,
    and training amplifies that as it amplifies any rounding: on these runs (moons, a high
    rate, momentum) no fixed bound such as 1e-12 holds, but the engine stays within what a
    one-ulp nudge of every starting weight does to the reference itself."""
    needs("numpy")
    ratios, drifts = [], []
    for seed in (1, 4, 7, 13, 19, 24, 31, 36):
        data = datasets.make("moons", n=20, seed=seed)
        net = Network.layered(2, 4, 1, activation="tanh", output="sigmoid", loss="bce", seed=seed)
        opts = dict(epochs=10, rate=2.0, momentum=0.9, batch_size=1, shuffle=True)
        reference, fast = copy.deepcopy(net), copy.deepcopy(net)
        reference.train(data, engine="reference", **opts)
        fast.train(data, engine="numpy", **opts)
        rounding = 0.0
        for k in range(4):
            twin = _one_ulp_twin(net, seed * 10 + k)
            twin.train(data, engine="reference", **opts)
            rounding = max(rounding, _drift(reference, twin))
        drifts.append(_drift(reference, fast))
        ratios.append(drifts[-1] / max(rounding, 1e-15))
    assert max(drifts) > 1e-9  # the README's old "to 1e-12" does not hold on such runs
    assert sorted(ratios)[len(ratios) // 2] < 3 and max(ratios) < 30, ratios


@pytest.mark.parametrize("momentum, batch_size", [(0.0, 1), (0.0, 2), (0.9, 1)])
@pytest.mark.parametrize("engine", ENGINES)
def test_after_a_numeric_error_in_a_later_epoch_every_engine_leaves_the_references_numbers(
    engine, momentum, batch_size
):
    """The compiled engine left every velocity at 0.0 where the reference kept them."""
    needs(engine)
    data = [((3.0,), (1.0,)), ((-2.0,), (0.5,))]
    nets, errors = {}, {}
    for name in ("reference", engine):
        net = Network.layered(1, 1, output="identity", seed=2)
        with pytest.raises(NumericError) as info:
            net.train(data, epochs=400, rate=0.6, momentum=momentum, batch_size=batch_size,
                      engine=name)  # fmt: skip
        nets[name], errors[name] = net, info.value
    assert str(errors[engine]) == str(errors["reference"]) and errors["reference"].history.epochs
    assert errors[engine].history.epochs == errors["reference"].history.epochs
    got, want = nets[engine], nets["reference"]
    assert [k.state for k in got.links] == [k.state for k in want.links]
    assert weights_agree([k.weight for k in got.links], [k.weight for k in want.links])


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_an_engine_history_keeps_the_weights_and_names_of_its_call(engine):
    # the last snapshot is the links' weights bit for bit (plain floats), and a history
    # names the links it trained even after the network lost one and trained again
    if engine == "numpy":
        pytest.importorskip("numpy")
    net = Network.layered(3, 4, 2, activation="tanh", seed=2)
    data = [([0.1, -0.2, 0.3], [0.5, -0.5]), ([0.4, 0.0, -0.1], [-0.2, 0.3])]
    first = net.train(data, epochs=2, rate=0.3, shuffle=False, engine=engine, batch_size=2)
    again = net.train(data, epochs=1, rate=0.3, shuffle=False, engine=engine, batch_size=2)
    weights = [link.weight for link in net.links]
    end = again.weights(net.links[0].name)[-1]
    assert type(end) is float and end == weights[0]
    assert [first.weights(k.name)[-1] for k in net.links] == [
        again.weights(k.name)[0] for k in net.links
    ]
    assert [again.weights(k.name)[-1] for k in net.links] == weights
    removed = net.remove_link("x1->h1")
    shrunk = net.train(data, epochs=1, rate=0.3, shuffle=False, engine="auto", batch_size=2)
    assert again.weights("x1->h1")[-1] == removed.weight  # named as when it trained
    with pytest.raises(LernpyError, match="no link named 'x1->h1'"):
        shrunk.weights("x1->h1")
    assert shrunk.weights("x2->h1")[-1] == net["x2->h1"].weight


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_a_train_call_works_out_the_networks_config_once(engine, monkeypatch):
    # the engine's choice and its kept session are keyed by config(net): one call works it
    # out once, and a later call still sees a change (a bias value) and rebuilds
    if engine == "numpy":
        pytest.importorskip("numpy")
    from lernpy.engines import base, numpy_engine
    from lernpy.training import loop

    counted = []

    def counting(net):
        counted.append(net)
        return base.config(net)

    for where in (loop, engines, compiled, numpy_engine):
        monkeypatch.setattr(where, "config", counting)
    net, data = Network.layered(2, 3, 1, seed=3), datasets.xor()
    options = dict(epochs=1, rate=0.5, shuffle=False, batch_size=1)
    for name, where in (("compiled", compiled), ("numpy", numpy_engine)):  # auto picks engine
        cost = 1e-9 if name == engine else 1.0  # (far apart: not timed)
        monkeypatch.setattr(where, "cost", lambda net, options, cost=cost: cost)
    net.train(data, **options)
    session = net.cache["session"]
    counted.clear()
    history = net.train(data, **options)
    assert history.engine == engine and net.cache["session"] is session and len(counted) == 1
    net.biases[0].value = 0.5  # a bias neuron's value is part of what the engine compiles
    net.train(data, **options)
    assert net.cache["session"] is not session


@pytest.mark.parametrize("engine", ENGINES)
def test_one_call_per_epoch_takes_up_what_changed_between_calls_as_the_reference(engine):
    """train() called epoch by epoch with the same options keeps its checked options and its
    session; a weight set, a link frozen, a layer's activation or a bias value changed between
    calls is taken up all the same: every loss and weight is the reference's (compiled: to
    the bit), and the session is kept exactly while nothing it was built for changed."""
    needs(engine)
    from lernpy.graph.activations import TANH

    def hidden_tanh(net):
        for neuron in net.layers[1]:
            neuron.activation = TANH

    changes = [
        None,
        None,
        lambda net: setattr(net["x1→h1"], "weight", 0.25),
        lambda net: net.freeze("x2→h2"),
        hidden_tanh,
        None,
    ]
    if engine == "compiled":  # (numpy takes bias neurons of value 1 only)
        changes.append(lambda net: setattr(net.biases[0], "value", 0.5))
    nets = {name: Network.layered(2, 3, 1, seed=4) for name in ("reference", engine)}
    losses: dict[str, list] = {name: [] for name in nets}
    kept, data = [], datasets.xor()
    for change in changes:
        for name, net in nets.items():
            if change is not None:
                change(net)
            history = net.train(data, epochs=1, rate=0.7, shuffle=False, engine=name)
            losses[name] += history.loss
            assert history.options["epochs"] == 1 and history.engine == name
        kept.append(nets[engine].cache.get("session"))
    expected, got = nets["reference"], nets[engine]
    same = [a is b for a, b in zip(kept, kept[1:])]
    # weights are synced into the kept session; a freeze or a new activation builds anew
    assert same[:5] == [True, True, False, False, True]
    if engine == "compiled":
        assert same[5] is False
        assert losses[engine] == losses["reference"]
        assert [k.weight for k in got.links] == [k.weight for k in expected.links]
    else:
        assert losses_agree(losses[engine], losses["reference"])
        assert weights_agree([k.weight for k in got.links], [k.weight for k in expected.links])
