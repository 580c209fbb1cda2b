"""Convolution as shared weights, against an independent cross-correlation written here.

The oracle is a plain-Python convolutional network (cross-correlation with stride
and zero padding, max or average pooling, a dense layer, half SSE) and its
hand-written backward pass; where PyTorch is installed, ``conv2d`` in float64
too. Networks built by ``Network.convolutional`` must agree to 1e-12.
"""

from __future__ import annotations

import copy
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernpy import Conv, Dense, LernpyError, Network, Pool, datasets
from lernpy.graph.link import PoolLink
from lernpy.views.explain import describe

TOL = 1e-12


# -- the oracle: a small CNN in plain Python -------------------------------------------


def correlate(x, kernel, bias, stride, padding):
    """out[o][r][c] = Σ_i Σ_u Σ_v kernel[o][i][u][v] · x_padded[i][r·s + u][c·s + v] + bias[o]."""
    channels, height, width = len(x), len(x[0]), len(x[0][0])
    k = len(kernel[0][0])
    rows = (height + 2 * padding - k) // stride + 1
    cols = (width + 2 * padding - k) // stride + 1

    def pixel(i, y, z):
        y, z = y - padding, z - padding
        return x[i][y][z] if 0 <= y < height and 0 <= z < width else 0.0

    out = []
    for o in range(len(kernel)):
        plane = []
        for r in range(rows):
            row = []
            for c in range(cols):
                total = bias[o]
                for i in range(channels):
                    for u in range(k):
                        for v in range(k):
                            total += kernel[o][i][u][v] * pixel(i, r * stride + u, c * stride + v)
                row.append(total)
            plane.append(row)
        out.append(plane)
    return out


def correlate_backward(x, delta, k, stride, padding):
    """∂E/∂kernel and ∂E/∂bias from ∂E/∂net of every output position (``delta``)."""
    channels, height, width = len(x), len(x[0]), len(x[0][0])
    grad = [[[[0.0] * k for _ in range(k)] for _ in range(channels)] for _ in range(len(delta))]
    bias = [0.0] * len(delta)
    for o, plane in enumerate(delta):
        for r, row in enumerate(plane):
            for c, d in enumerate(row):
                bias[o] += d
                for i in range(channels):
                    for u in range(k):
                        for v in range(k):
                            y, z = r * stride + u - padding, c * stride + v - padding
                            if 0 <= y < height and 0 <= z < width:
                                grad[o][i][u][v] += d * x[i][y][z]
    return grad, bias


def pool_forward(maps, kind, size, stride):
    """Pooled maps, and for max pooling each output's winner (first largest, row by row)."""
    out, winners = [], []
    for plane in maps:
        rows = (len(plane) - size) // stride + 1
        cols = (len(plane[0]) - size) // stride + 1
        pooled, won = [], []
        for r in range(rows):
            prow, wrow = [], []
            for c in range(cols):
                window = [
                    (plane[r * stride + u][c * stride + v], (r * stride + u, c * stride + v))
                    for u in range(size)
                    for v in range(size)
                ]
                if kind == "max":
                    best = window[0]
                    for item in window[1:]:
                        if item[0] > best[0]:
                            best = item
                    prow.append(best[0])
                    wrow.append(best[1])
                else:
                    prow.append(sum(v for v, _ in window) / (size * size))
                    wrow.append(None)
            pooled.append(prow)
            won.append(wrow)
        out.append(pooled)
        winners.append(won)
    return out, winners


def pool_backward(shape, delta, winners, kind, size, stride):
    """∂E/∂(pooled map's inputs): to the winner only (max), 1/n to each (avg)."""
    grads = [[[0.0] * shape[2] for _ in range(shape[1])] for _ in range(shape[0])]
    for ch, plane in enumerate(delta):
        for r, row in enumerate(plane):
            for c, d in enumerate(row):
                if kind == "max":
                    y, z = winners[ch][r][c]
                    grads[ch][y][z] += d
                else:
                    for u in range(size):
                        for v in range(size):
                            grads[ch][r * stride + u][c * stride + v] += d / (size * size)
    return grads


ACT = {
    "identity": (lambda z: z, lambda z, a: 1.0),
    "tanh": (math.tanh, lambda z, a: 1.0 - a * a),
}


def oracle(x, kernel, bias, dense, dense_bias, spec, target):
    """Forward and backward of image → conv → (pool) → dense (identity) → ½Σ(y − t)²."""
    stride, padding, act, pool = spec
    f, slope = ACT[act]
    nets = correlate(x, kernel, bias, stride, padding)
    values = [[[f(z) for z in row] for row in plane] for plane in nets]
    feature, winners = values, None
    if pool is not None:
        feature, winners = pool_forward(values, *pool)
    flat = [v for plane in feature for row in plane for v in row]
    ys = [sum(w * v for w, v in zip(ws, flat)) + b for ws, b in zip(dense, dense_bias)]
    errors = [y - t for y, t in zip(ys, target)]
    grad_dense = [[e * v for v in flat] for e in errors]
    back_flat = [sum(e * ws[j] for e, ws in zip(errors, dense)) for j in range(len(flat))]
    shape = (len(feature), len(feature[0]), len(feature[0][0]))
    it = iter(back_flat)
    back = [[[next(it) for _ in range(shape[2])] for _ in range(shape[1])] for _ in range(shape[0])]
    if pool is not None:
        back = pool_backward((len(values), len(values[0]), len(values[0][0])), back, winners, *pool)
    delta = [
        [[e * slope(z, a) for e, z, a in zip(er, zr, ar)] for er, zr, ar in zip(ep, zp, ap)]
        for ep, zp, ap in zip(back, nets, values)
    ]
    gk, gb = correlate_backward(x, delta, len(kernel[0][0]), stride, padding)
    return dict(nets=nets, ys=ys, delta=delta, kernel=gk, bias=gb, dense=grad_dense, errors=errors)


# -- reading the same numbers out of the network ------------------------------------------


def kernel_of(net, out_channels, in_channels, k):
    """The kernel weights k1, k2 … in (output channel, input channel, row, column) order."""
    names = iter(f"k{n}" for n in range(1, out_channels * in_channels * k * k + 1))
    return [
        [[[net[next(names)] for _ in range(k)] for _ in range(k)] for _ in range(in_channels)]
        for _ in range(out_channels)
    ]


@st.composite
def conv_cases(draw):
    channels = draw(st.integers(1, 2))
    height, width = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    k = draw(st.integers(1, min(3, height, width)))
    padding = draw(st.integers(0, k - 1))
    stride = draw(st.integers(1, 2))
    out_channels = draw(st.integers(1, 2))
    act = draw(st.sampled_from(["identity", "tanh"]))
    rows = (height + 2 * padding - k) // stride + 1
    cols = (width + 2 * padding - k) // stride + 1
    pool = None
    if draw(st.booleans()) and min(rows, cols) >= 2:
        size = draw(st.integers(1, min(2, rows, cols)))
        pool = (draw(st.sampled_from(["max", "avg"])), size, draw(st.integers(1, 2)))
    outputs = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 10_000))
    rng = random.Random(seed)
    image = tuple(rng.uniform(-1, 1) for _ in range(channels * height * width))
    target = tuple(rng.uniform(-1, 1) for _ in range(outputs))
    return (
        (channels, height, width),
        (out_channels, k, stride, padding, act),
        pool,
        outputs,
        (
            image,
            target,
            seed,
        ),
    )


def build(shape, conv, pool, outputs, seed):
    out_channels, k, stride, padding, act = conv
    layers = [Conv(out_channels, kernel=k, stride=stride, padding=padding, activation=act)]
    if pool is not None:
        layers.append(Pool(pool[0], pool[1], pool[2]))
    layers.append(Dense(outputs, "identity"))
    return Network.convolutional(shape, *layers, seed=seed)


def image_of(flat, shape):
    c, h, w = shape
    it = iter(flat)
    return [[[next(it) for _ in range(w)] for _ in range(h)] for _ in range(c)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=conv_cases())
def test_convolution_forward_and_backward_equal_an_independent_cross_correlation(case):
    """Every net, output, sensitivity and kernel gradient agrees with the oracle to 1e-12."""
    shape, conv, pool, outputs, (image, target, seed) = case
    net = build(shape, conv, pool, outputs, seed)
    out_channels, k, stride, padding, act = conv
    kernel = [
        [[[w.weight for w in row] for row in plane] for plane in per_out]
        for per_out in kernel_of(net, out_channels, shape[0], k)
    ]
    bias = [net[f"kb{o}"].weight for o in range(1, out_channels + 1)]
    below = [n for n in net.layers[-2]]
    dense = [[net[f"{n.name}→y{j}"].weight for n in below] for j in range(1, outputs + 1)]
    dense_bias = [net[f"b2→y{j}"].weight for j in range(1, outputs + 1)]
    want = oracle(
        image_of(image, shape),
        kernel,
        bias,
        dense,
        dense_bias,
        (stride, padding, act, pool),
        target,
    )
    net.scheduler((image, target), rate=0.0).run(until="update")
    for o, plane in enumerate(want["nets"]):
        for r, row in enumerate(plane):
            for c, z in enumerate(row):
                neuron = net[f"c{o + 1}[{r + 1},{c + 1}]"]
                assert neuron.net == pytest.approx(z, abs=TOL)
                assert neuron.sensitivity == pytest.approx(want["delta"][o][r][c], abs=TOL)
    assert [y.value for y in net.outputs] == pytest.approx(want["ys"], abs=TOL)
    for shared, grad in zip(
        [
            w
            for per_out in kernel_of(net, out_channels, shape[0], k)
            for p in per_out
            for r in p
            for w in r
        ],
        [g for per_out in want["kernel"] for p in per_out for r in p for g in r],
    ):
        assert shared.sensitivity == pytest.approx(grad, abs=TOL), shared.name
    for o, grad in enumerate(want["bias"], start=1):
        assert net[f"kb{o}"].sensitivity == pytest.approx(grad, abs=TOL)
    for j, row in enumerate(want["dense"], start=1):
        got = [net[f"{n.name}→y{j}"].sensitivity for n in below]
        assert got == pytest.approx(row, abs=TOL)


def test_convolution_agrees_with_pytorch_conv2d_in_float64():
    """Forward values and the kernel, bias and input gradients of ``conv2d`` (when installed)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = random.Random(7)
    for channels, size, out_channels, k, stride, padding in [
        (1, 4, 2, 2, 1, 0),
        (2, 5, 3, 3, 2, 1),
        (3, 6, 2, 2, 2, 1),
        (2, 4, 1, 3, 1, 2),
    ]:
        net = Network.convolutional(
            (channels, size, size),
            Conv(out_channels, kernel=k, stride=stride, padding=padding, activation="identity"),
            Dense(1, "identity"),
            seed=rng.randrange(1000),
        )
        image = [rng.uniform(-1, 1) for _ in range(channels * size * size)]
        target = (rng.uniform(-1, 1),)
        net.scheduler((image, target), rate=0.0).run(until="update")
        kernel = torch.tensor(
            [
                [[[w.weight for w in r] for r in p] for p in o]
                for o in kernel_of(net, out_channels, channels, k)
            ],
            dtype=torch.float64,
            requires_grad=True,
        )
        bias = torch.tensor(
            [net[f"kb{o}"].weight for o in range(1, out_channels + 1)],
            dtype=torch.float64,
            requires_grad=True,
        )
        x = torch.tensor(image, dtype=torch.float64).reshape(1, channels, size, size)
        x.requires_grad_(True)
        out = F.conv2d(x, kernel, bias, stride=stride, padding=padding)
        conv_layer = net.layers[1]
        assert [n.net for n in conv_layer] == pytest.approx(out.flatten().tolist(), abs=TOL)
        # backward with the network's own ∂E/∂net of each conv neuron as the upstream gradient
        upstream = torch.tensor([n.sensitivity for n in conv_layer], dtype=torch.float64)
        out.backward(upstream.reshape(out.shape))
        got = [
            w.sensitivity
            for o in kernel_of(net, out_channels, channels, k)
            for p in o
            for r in p
            for w in r
        ]
        assert got == pytest.approx(kernel.grad.flatten().tolist(), abs=TOL)
        assert [net[f"kb{o}"].sensitivity for o in range(1, out_channels + 1)] == pytest.approx(
            bias.grad.tolist(), abs=TOL
        )
        # an input's error (the blame its links send back) is conv2d's input gradient
        errors = [n.gather() for n in net.inputs]
        assert errors == pytest.approx(x.grad.flatten().tolist(), abs=TOL)


def test_max_pooling_routes_the_blame_to_the_winner_only():
    """The winner's link sends all the blame back; every other link sends none, and says so."""
    net = Network.convolutional(
        (1, 3, 3),
        Conv(1, kernel=2, activation="identity"),
        Pool("max", 2),
        Dense(1, "identity"),
        seed=3,
    )
    net.set_weights({"k1": 1.0, "k2": 0.0, "k3": 0.0, "k4": 0.0, "kb1": 0.0})
    image = (0.1, 0.9, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # c1[r,c] = x1[r,c]
    run = net.scheduler((image, (1.0,)), rate=0.1)
    steps = run.run(until="update")
    pool = net["p1[1,1]"]
    assert pool.net == pool.value == 0.9 and pool.winner is net["c1[1,2]→p1[1,1]"]
    for link in pool.incoming:
        assert isinstance(link, PoolLink) and link.frozen and link.weight == 1.0
        if link is pool.winner:
            assert link.blame == pool.sensitivity != 0.0
        else:
            assert link.blame == 0.0 and link.sensitivity == 0.0
            assert link.source.sensitivity == 0.0
    lines = [describe(s) for s in steps if s.name == "c1[1,1]→p1[1,1]" and s.kind == "Learned"]
    assert "not the max into p1[1,1]" in lines[0] and "sends it all to c1[1,2]" in lines[0]
    fired = [describe(s) for s in steps if s.kind == "Fired" and s.name == "p1[1,1]"]
    assert fired == ["p1[1,1] fires: net = max(0.1, 0.9, 0.3, 0.4) = 0.9 (from c1[1,2]), out = 0.9"]
    text = pool.explain().text()
    assert "max((0.1), 0.9" not in text and "max(0.1, 0.9, 0.3, 0.4)" in text
    assert "delivered by c1[1,2]" in text


def test_average_pooling_is_a_linear_neuron_with_frozen_weights_of_one_over_n():
    net = Network.convolutional((1, 2, 2), Conv(1, kernel=1), Pool("avg", 2), Dense(1), seed=0)
    pool = net["p1[1,1]"]
    assert pool.activation.name == "avg_pool"
    assert [(link.weight, link.frozen) for link in pool.incoming] == [(0.25, True)] * 4


def test_a_convolution_without_bias_has_no_kernel_bias():
    """Conv(bias=False) builds (it raised an IndexError): no kb weight, no bias link into the
    convolution, and a neuron's net is the kernel times its window, worked by hand."""
    net = Network.convolutional((1, 2, 3), Conv(1, kernel=2, bias=False), Dense(1), seed=0)
    assert [s.name for s in net.shared_weights] == ["k1", "k2", "k3", "k4"]
    assert all(link.source.kind != "bias" for n in net.layers[1] for link in n.incoming)
    net.set_weights({"k1": 1.0, "k2": 2.0, "k3": 3.0, "k4": 4.0})
    net((1.0, 2.0, 3.0, 4.0, 5.0, 6.0))
    # window of c1[1,2]: x[1,2], x[1,3], x[2,2], x[2,3] = 2, 3, 5, 6
    assert net["c1[1,2]"].net == 1 * 2 + 2 * 3 + 3 * 5 + 4 * 6


def test_neurons_and_kernel_weights_are_named_by_channel_and_position():
    net = Network.convolutional(
        (2, 4, 4),
        Conv(2, kernel=2, padding=1),
        Pool("max", 2),
        Conv(3, kernel=2),
        Dense(3, "tanh"),
        Dense(2, "softmax"),
        loss="cross_entropy",
    )
    names = [n.name for n in net.neurons]
    for name in [
        "x1[1,1]",
        "x2[4,4]",
        "c1_1[1,1]",
        "c1_2[5,5]",
        "p1[2,2]",
        "c2_3[1,1]",
        "h1",
        "y2",
    ]:
        assert name in names, name
    assert [s.name for s in net.shared_weights][:3] == ["k1", "k2", "k3"]
    assert len([s for s in net.shared_weights if s.name.startswith("kb")]) == 5
    # layer 1: 2 output × 2 input channels × 2 × 2 = 16 kernel weights, then layer 2's
    assert net["k16"].links[0].target.name.startswith("c1_2") and net["k17"].links[
        0
    ].target.name.startswith("c2_1")
    # zero padding: the corner entry k1 reaches only the 16 positions where it falls in the image
    assert len(net["k1"]) == 16 and len(net["kb1"]) == 25


@pytest.mark.parametrize(
    "layers, message",
    [
        ((Conv(1),), "last layer must be Dense"),
        ((Conv(1, kernel=5), Dense(1)), "does not fit"),
        ((Conv(1, kernel=2, padding=2), Dense(1)), "padding 2: expected less than"),
        ((Pool("median"), Dense(1)), "Pool kind 'median'"),
        ((Dense(2), Conv(1), Dense(1)), "comes after a Dense layer"),
        ((Conv(0), Dense(1)), "Conv channels is 0"),
        ((Conv(1, activation="sigmod"), Dense(1)), "unknown activation"),
        (("relu", Dense(1)), "expected Conv"),
    ],
)
def test_bad_layers_are_clear_errors(layers, message):
    with pytest.raises(LernpyError, match=message):
        Network.convolutional((1, 4, 4), *layers)


def test_bad_image_shape_is_a_clear_error():
    with pytest.raises(LernpyError, match="image is"):
        Network.convolutional((4,), Dense(1))
    with pytest.raises(LernpyError, match="an image size is 0"):
        Network.convolutional((1, 0, 4), Dense(1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=conv_cases(), batch=st.sampled_from([1, 3]), momentum=st.sampled_from([0.0, 0.9]))
def test_compiled_engine_trains_conv_nets_bit_for_bit_as_the_reference(case, batch, momentum):
    """Shared kernels, max pooling's routing and frozen pool links, in generated code."""
    shape, conv, pool, outputs, (image, target, seed) = case
    net = build(shape, conv, pool, outputs, seed)
    rng = random.Random(seed)
    data = [
        (tuple(rng.uniform(-1, 1) for _ in image), tuple(rng.uniform(-1, 1) for _ in target))
        for _ in range(4)
    ]
    reference, fast = copy.deepcopy(net), copy.deepcopy(net)
    options = dict(epochs=2, rate=0.05, momentum=momentum, batch_size=batch)
    expected = reference.train(data, engine="reference", **options)
    history = fast.train(data, engine="compiled", **options)
    assert history.loss == expected.loss
    assert fast.state() == reference.state()


def accuracy(net, data):
    right = 0
    for x, t in data:
        out = net(x)
        right += out.index(max(out)) == t.index(max(t))
    return right / len(data)


def test_conv_net_learns_the_bars_to_at_least_95_percent():
    """Horizontal against vertical bars, 200 noisy 4×4 images: ≥ 95% on 200 unseen ones
    (the network of ``lernpy demo conv``)."""
    train, test = datasets.bars(200, seed=1), datasets.bars(200, seed=2)
    net = Network.convolutional(
        (1, 4, 4),
        Conv(2, kernel=2, padding=1, activation="tanh"),
        Pool("max", 2, stride=1),
        Dense(2, "softmax"),
        loss="cross_entropy",
        seed=0,
    )
    history = net.train(train, epochs=30, rate=0.1)
    assert history.engine == "compiled"
    assert accuracy(net, test) >= 0.95
