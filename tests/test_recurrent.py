"""The unrolled Elman network against backpropagation through time written here.

The oracle is a plain-Python Elman network (Goodfellow et al. 2016, §10.2):
h(t) = tanh(b + W·h(t−1) + U·x(t)), y(t) = σ(c + V·h(t)), ½Σ(y − target)², and
its backward pass through time written out by hand, truncated every k steps
when asked (the blame stops at the cut; the weights still learn from it).
``Network.recurrent`` must agree to 1e-12.
"""

from __future__ import annotations

import copy
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, datasets
from lernpy.graph.link import DetachedLink
from lernpy.views.explain import describe

TOL = 1e-12


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def bptt(U, W, b, V, c, xs, targets, every: bool, truncate: int | None):
    """Loss and ∂E/∂U, W, b, V, c of one sequence, by backpropagation through time."""
    T, H, n_out, I_ = len(xs), len(W), len(V), len(U[0])
    hs = [[0.0] * H]  # h(0) = 0
    ys = []
    for t in range(T):
        prev = hs[-1]
        h = [
            math.tanh(
                b[j]
                + sum(W[j][i] * prev[i] for i in range(H))
                + sum(U[j][i] * xs[t][i] for i in range(I_))
            )
            for j in range(H)
        ]
        hs.append(h)
        ys.append([sigmoid(c[k] + sum(V[k][j] * h[j] for j in range(H))) for k in range(n_out)])
    steps = range(T) if every else [T - 1]
    wanted = iter(targets)
    loss = 0.0
    dy = [[0.0] * n_out for _ in range(T)]  # ∂E/∂net of each output
    for t in steps:
        for k in range(n_out):
            target = next(wanted)
            loss += 0.5 * (ys[t][k] - target) ** 2
            dy[t][k] = (ys[t][k] - target) * ys[t][k] * (1.0 - ys[t][k])
    gU = [[0.0] * I_ for _ in range(H)]
    gW = [[0.0] * H for _ in range(H)]
    gb, gV, gc = [0.0] * H, [[0.0] * H for _ in range(n_out)], [0.0] * n_out
    carry = [0.0] * H  # ∂E/∂h(t) coming back from step t + 1
    for t in reversed(range(T)):
        h, prev = hs[t + 1], hs[t]
        dh = [carry[j] + sum(dy[t][k] * V[k][j] for k in range(n_out)) for j in range(H)]
        dnet = [dh[j] * (1.0 - h[j] * h[j]) for j in range(H)]
        for k in range(n_out):
            gc[k] += dy[t][k]
            for j in range(H):
                gV[k][j] += dy[t][k] * h[j]
        for j in range(H):
            gb[j] += dnet[j]
            for i in range(I_):
                gU[j][i] += dnet[j] * xs[t][i]
            for i in range(H):
                gW[j][i] += dnet[j] * prev[i]
        cut = truncate is not None and t % truncate == 0  # h(t) of step t (from 1) is t·k
        carry = [0.0 if cut else sum(dnet[j] * W[j][i] for j in range(H)) for i in range(H)]
    return loss, dict(U=gU, W=gW, b=gb, V=gV, c=gc)


def matrices(net, inputs, hidden, outputs):
    U = [[net[f"U[{j},{i}]"].weight for i in range(1, inputs + 1)] for j in range(1, hidden + 1)]
    W = [[net[f"W[{j},{i}]"].weight for i in range(1, hidden + 1)] for j in range(1, hidden + 1)]
    b = [net[f"b[{j}]"].weight for j in range(1, hidden + 1)]
    V = [[net[f"V[{k},{j}]"].weight for j in range(1, hidden + 1)] for k in range(1, outputs + 1)]
    c = [net[f"c[{k}]"].weight for k in range(1, outputs + 1)]
    return U, W, b, V, c


@st.composite
def rnn_cases(draw):
    inputs, hidden, outputs = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 2)),
    )
    steps = draw(st.integers(2, 6))
    every = draw(st.booleans())
    truncate = draw(st.sampled_from([None, None, 1, 2, 3]))
    seed = draw(st.integers(0, 10_000))
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1) for _ in range(inputs)] for _ in range(steps)]
    count = outputs * (steps if every else 1)
    targets = [rng.uniform(0, 1) for _ in range(count)]
    return (inputs, hidden, outputs, steps, every, truncate, seed), (xs, targets)


def build(spec):
    inputs, hidden, outputs, steps, every, truncate, seed = spec
    return Network.recurrent(
        inputs,
        hidden,
        outputs,
        steps=steps,
        targets="every" if every else "last",
        truncate=truncate,
        seed=seed,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rnn_cases())
def test_unrolled_network_equals_an_independent_bptt(case):
    """The loss and every shared weight's gradient agree with hand-written BPTT to 1e-12."""
    spec, (xs, targets) = case
    inputs, hidden, outputs, steps, every, truncate, _seed = spec
    net = build(spec)
    U, W, b, V, c = matrices(net, inputs, hidden, outputs)
    loss, grads = bptt(U, W, b, V, c, xs, targets, every, truncate)
    sample = ([v for step in xs for v in step], targets)
    run = net.scheduler(sample, rate=0.0)
    run.run(until="update")
    assert run.loss == pytest.approx(loss, abs=TOL)
    H, I_, Os = range(1, hidden + 1), range(1, inputs + 1), range(1, outputs + 1)
    for j in H:
        assert net[f"b[{j}]"].sensitivity == pytest.approx(grads["b"][j - 1], abs=TOL)
        for i in I_:
            assert net[f"U[{j},{i}]"].sensitivity == pytest.approx(
                grads["U"][j - 1][i - 1], abs=TOL
            )
        for i in H:
            if steps > 1:
                got = net[f"W[{j},{i}]"].sensitivity
                assert got == pytest.approx(grads["W"][j - 1][i - 1], abs=TOL)
    for k in Os:
        assert net[f"c[{k}]"].sensitivity == pytest.approx(grads["c"][k - 1], abs=TOL)
        for j in H:
            assert net[f"V[{k},{j}]"].sensitivity == pytest.approx(
                grads["V"][k - 1][j - 1], abs=TOL
            )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rnn_cases(), batch=st.sampled_from([1, 2]), momentum=st.sampled_from([0.0, 0.9]))
def test_compiled_engine_trains_rnns_bit_for_bit_as_the_reference(case, batch, momentum):
    """Weights shared across time and detached links, in generated code."""
    spec, (xs, targets) = case
    net = build(spec)
    rng = random.Random(spec[-1])
    data = [
        ([rng.uniform(-1, 1) for _ in range(len(net.inputs))], [rng.random() for _ in targets])
        for _ in range(3)
    ]
    reference, fast = copy.deepcopy(net), copy.deepcopy(net)
    options = dict(epochs=2, rate=0.5, momentum=momentum, batch_size=batch)
    expected = reference.train(data, engine="reference", **options)
    history = fast.train(data, engine="compiled", **options)
    assert history.loss == expected.loss and fast.state() == reference.state()


def test_names_carry_the_time_step_and_weights_are_shared_across_time():
    net = Network.recurrent(2, 2, 1, steps=3, seed=0)
    assert [n.name for n in net.inputs] == ["x1@t1", "x2@t1", "x1@t2", "x2@t2", "x1@t3", "x2@t3"]
    assert "h2@t3" in net and "y1@t2" in net
    assert [link.name for link in net["U[2,1]"].links] == [
        "x1@t1→h2@t1",
        "x1@t2→h2@t2",
        "x1@t3→h2@t3",
    ]
    assert len(net["V[1,2]"]) == 3 and len(net["c[1]"]) == 3
    last = Network.recurrent(1, 2, 1, steps=3, targets="last")
    assert [n.name for n in last.outputs] == ["y1@t3"] and len(last["V[1,1]"]) == 1


def test_truncate_detaches_the_recurrent_links_every_k_steps():
    net = Network.recurrent(1, 2, 1, steps=5, truncate=2, seed=1)
    detached = sorted({link.name for link in net.links if isinstance(link, DetachedLink)})
    assert detached == sorted(
        f"h{i}@t{t}→h{j}@t{t + 1}" for t in (2, 4) for i in (1, 2) for j in (1, 2)
    )
    run = net.scheduler(([0.5, -0.5, 1.0, 0.0, 0.25], [0.5] * 5), rate=0.1)
    run.run(until="update")
    for link in net.links:
        if isinstance(link, DetachedLink):
            assert link.blame == 0.0 and link.sensitivity != 0.0


def test_stepping_shows_the_blame_flowing_back_step_by_step():
    """The backward pass reaches the recurrent links latest step first, and each learned
    line says how far the shared weight's sum has grown."""
    net = Network.recurrent(1, 1, 1, steps=4, seed=2)
    run = net.scheduler(datasets.parity(1, steps=4, seed=1), rate=0.5)
    learned = [
        s for s in run.run(until="update") if s.kind == "Learned" and s.name.startswith("h1@t")
    ]
    recurrent = [s for s in learned if "→h1@" in s.name]
    assert [s.name for s in recurrent] == ["h1@t3→h1@t4", "h1@t2→h1@t3", "h1@t1→h1@t2"]
    lines = [describe(s) for s in recurrent]
    assert lines[0].endswith(
        f"∂E/∂W[1,1] so far: Σ of 1 of 3 terms = {num(recurrent[0].sensitivity)}"
    )
    assert "Σ of 3 of 3 terms" in lines[-1]


def num(x: float) -> str:
    from lernpy.views.explain import num as fmt

    return fmt(x)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "steps is 0"),
        (dict(targets="some"), "targets is 'some'"),
        (dict(truncate=0), "truncate is 0"),
        (dict(activation="sigmod"), "unknown activation"),
    ],
)
def test_bad_options_are_clear_errors(kwargs, message):
    options = dict(steps=3) | kwargs
    with pytest.raises(LernpyError, match=message):
        Network.recurrent(1, 2, 1, **options)


def test_rnn_learns_the_parity_so_far_to_at_least_95_percent():
    """Four bits; at each step the output is the parity of the bits so far (≥ 95% of the
    steps right on 200 unseen sequences)."""
    train, test = datasets.parity(200, steps=4, seed=1), datasets.parity(200, steps=4, seed=2)
    net = Network.recurrent(1, 4, 1, steps=4, seed=0)
    history = net.train(train, epochs=100, rate=1.0)
    assert history.engine == "compiled"
    right = total = 0
    for x, t in test:
        for value, target in zip(net(x), t):
            right += round(value) == target
            total += 1
    assert right / total >= 0.95
