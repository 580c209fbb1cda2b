"""The optimizers against three oracles: a hand calculation, an independent implementation, PyTorch.

The network is a 2-2-1 sigmoid network (biases included) trained on the four XOR
samples as one batch (the mean gradient), three updates. The oracles:

- a hand calculation, written here line by line with the optimizer's numbers
  (its hyperparameters and bias corrections written out), of one weight's three
  updates from its three gradients;
- an independent implementation: the network's forward and backward pass written
  out for this shape, and each optimizer written from its published formulas
  (PyTorch's documentation, docs/optimizers.md), on plain dicts of weights;
- ``torch.optim`` in float64, where PyTorch is installed (skipped otherwise).

Each must agree with lernpy's weights to 1e-12.
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernpy import LernpyError, Network, datasets
from lernpy.optim import FRESH, SGD, AdaGrad, Adam, AdamW, RMSProp, State, global_norm

XOR = datasets.xor()
NAMES = ["x1→h1", "x2→h1", "b1→h1", "x1→h2", "x2→h2", "b1→h2", "h1→y1", "h2→y1", "b2→y1"]
TOL = 1e-12


def network() -> Network:
    net = Network.layered(2, 2, 1, activation="sigmoid", seed=7)
    assert [link.name for link in net.links] == NAMES
    return net


def lernpy_run(optimizer, updates: int = 3, **options) -> tuple[Network, list]:
    """Three full-batch updates; the weights after each and the Updated records."""
    net = network()
    history = []
    records = []
    for _ in range(updates):
        run = net.scheduler(XOR, optimizer=optimizer, batch_size="all", **options)
        records += [s for s in run.run() if s.kind == "Updated"]
        history.append(net.weights())
    return net, history, records


# -- the independent implementation -------------------------------------------------


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def gradients(w: dict[str, float]) -> dict[str, float]:
    """The mean gradient of ½(y − t)² over XOR, for this 2-2-1 shape, written out."""
    g = dict.fromkeys(w, 0.0)
    for (x1, x2), (t,) in XOR:
        h1 = sigmoid(w["x1→h1"] * x1 + w["x2→h1"] * x2 + w["b1→h1"])
        h2 = sigmoid(w["x1→h2"] * x1 + w["x2→h2"] * x2 + w["b1→h2"])
        y = sigmoid(w["h1→y1"] * h1 + w["h2→y1"] * h2 + w["b2→y1"])
        dy = (y - t) * y * (1 - y)
        d1 = dy * w["h1→y1"] * h1 * (1 - h1)
        d2 = dy * w["h2→y1"] * h2 * (1 - h2)
        for name, value in (
            ("h1→y1", dy * h1), ("h2→y1", dy * h2), ("b2→y1", dy),
            ("x1→h1", d1 * x1), ("x2→h1", d1 * x2), ("b1→h1", d1),
            ("x1→h2", d2 * x1), ("x2→h2", d2 * x2), ("b1→h2", d2),
        ):  # fmt: skip
            g[name] += value
    return {k: v / len(XOR) for k, v in g.items()}


def clip(g: dict, o: dict) -> dict:
    if o.get("clip_norm") is not None:
        total = math.sqrt(sum(v * v for v in g.values()))
        c = min(1.0, o["clip_norm"] / (total + 1e-6))
        g = {k: v * c for k, v in g.items()}
    if o.get("clip_value") is not None:
        c = o["clip_value"]
        g = {k: max(-c, min(c, v)) for k, v in g.items()}
    return g


def independent(kind: str, o: dict, updates: int = 3, rates=None) -> list[dict]:
    """Weights after each update, from the published formulas (PyTorch's documentation)."""
    w = network().weights()
    s: dict[str, dict] = {k: {} for k in w}
    out = []
    for step in range(1, updates + 1):
        lr = o["lr"] if rates is None else rates[step - 1]
        g = clip(gradients(w), o)
        for k in w:
            gk, st_ = g[k], s[k]
            wd = o.get("weight_decay", 0.0)
            if wd and not o.get("decoupled"):
                gk = gk + wd * w[k]
            if o.get("decoupled"):
                w[k] = w[k] - lr * wd * w[k]
            if kind == "sgd":
                mu = o.get("momentum", 0.0)
                if mu:
                    if o.get("textbook"):
                        st_["v"] = mu * st_.get("v", 0.0) - lr * gk
                        w[k] = w[k] + st_["v"]
                        continue
                    tau = o.get("dampening", 0.0)
                    st_["b"] = gk if "b" not in st_ else mu * st_["b"] + (1 - tau) * gk
                    gk = gk + mu * st_["b"] if o.get("nesterov") else st_["b"]
                w[k] = w[k] - lr * gk
            elif kind == "adagrad":
                clr = lr / (1 + (step - 1) * o.get("lr_decay", 0.0))
                st_["sum"] = st_.get("sum", o.get("init", 0.0)) + gk * gk
                w[k] = w[k] - clr * gk / (math.sqrt(st_["sum"]) + o.get("eps", 1e-10))
            elif kind == "rmsprop":
                a, eps = o.get("alpha", 0.99), o.get("eps", 1e-8)
                st_["v"] = a * st_.get("v", 0.0) + (1 - a) * gk * gk
                vt = st_["v"]
                if o.get("centered"):
                    st_["ga"] = a * st_.get("ga", 0.0) + (1 - a) * gk
                    vt = vt - st_["ga"] ** 2
                denom = math.sqrt(vt + eps) if o.get("inside") else math.sqrt(vt) + eps
                if o.get("momentum"):
                    st_["b"] = o["momentum"] * st_.get("b", 0.0) + gk / denom
                    w[k] = w[k] - lr * st_["b"]
                else:
                    w[k] = w[k] - lr * gk / denom
            elif kind == "adam":
                b1, b2 = o.get("betas", (0.9, 0.999))
                eps = o.get("eps", 1e-8)
                t = step + o.get("offset", 0)
                st_["m"] = b1 * st_.get("m", 0.0) + (1 - b1) * gk
                st_["v"] = b2 * st_.get("v", 0.0) + (1 - b2) * gk * gk
                m_hat = st_["m"] / (1 - b1**t)
                v = st_["v"]
                if o.get("amsgrad"):
                    st_["vmax"] = max(st_.get("vmax", 0.0), v)
                    v = st_["vmax"]
                v_hat = v / (1 - b2**t)
                if o.get("epsilon") == "inside":
                    denom = math.sqrt(v_hat + eps)
                elif o.get("epsilon") == "hat":
                    denom = (math.sqrt(v) + eps) / math.sqrt(1 - b2**t)
                else:
                    denom = math.sqrt(v_hat) + eps
                w[k] = w[k] - lr * m_hat / denom
        out.append(dict(w))
    return out


# (id, lernpy optimizer, the independent implementation's kind and options, torch's class and
# options, torch's clipping)
CASES = [
    ("sgd", SGD(0.5), "sgd", {"lr": 0.5}, "SGD", {"lr": 0.5}),
    ("momentum", SGD(0.5, momentum=0.9), "sgd", {"lr": 0.5, "momentum": 0.9},
     "SGD", {"lr": 0.5, "momentum": 0.9}),
    ("nesterov", SGD(0.5, momentum=0.9, nesterov=True), "sgd",
     {"lr": 0.5, "momentum": 0.9, "nesterov": True},
     "SGD", {"lr": 0.5, "momentum": 0.9, "nesterov": True}),
    ("dampening+decay", SGD(0.5, momentum=0.8, dampening=0.3, weight_decay=0.01), "sgd",
     {"lr": 0.5, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
     "SGD", {"lr": 0.5, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("adagrad", AdaGrad(0.3, lr_decay=0.1, initial_accumulator_value=0.05, weight_decay=0.02),
     "adagrad", {"lr": 0.3, "lr_decay": 0.1, "init": 0.05, "weight_decay": 0.02},
     "Adagrad", {"lr": 0.3, "lr_decay": 0.1, "initial_accumulator_value": 0.05,
                 "weight_decay": 0.02}),
    ("rmsprop", RMSProp(0.05), "rmsprop", {"lr": 0.05}, "RMSprop", {"lr": 0.05}),
    ("rmsprop-centred-momentum", RMSProp(0.05, momentum=0.5, centered=True, weight_decay=0.1),
     "rmsprop", {"lr": 0.05, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
     "RMSprop", {"lr": 0.05, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("adam", Adam(0.1), "adam", {"lr": 0.1}, "Adam", {"lr": 0.1}),
    ("amsgrad+decay", Adam(0.1, betas=(0.8, 0.9), amsgrad=True, weight_decay=0.05), "adam",
     {"lr": 0.1, "betas": (0.8, 0.9), "amsgrad": True, "weight_decay": 0.05},
     "Adam", {"lr": 0.1, "betas": (0.8, 0.9), "amsgrad": True, "weight_decay": 0.05}),
    ("adamw", AdamW(0.1), "adam", {"lr": 0.1, "weight_decay": 0.01, "decoupled": True},
     "AdamW", {"lr": 0.1}),
    ("adamw-amsgrad", AdamW(0.1, amsgrad=True, weight_decay=0.2), "adam",
     {"lr": 0.1, "weight_decay": 0.2, "decoupled": True, "amsgrad": True},
     "AdamW", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.2}),
    ("clip-norm", SGD(0.5, momentum=0.5, clip_norm=0.01), "sgd",
     {"lr": 0.5, "momentum": 0.5, "clip_norm": 0.01}, "SGD", {"lr": 0.5, "momentum": 0.5}),
    ("clip-value", Adam(0.1, clip_value=0.005), "adam", {"lr": 0.1, "clip_value": 0.005},
     "Adam", {"lr": 0.1}),
]  # fmt: skip
IDS = [c[0] for c in CASES]


def close(a: dict, b: dict) -> bool:
    return all(abs(a[k] - b[k]) <= TOL for k in NAMES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_updates_agree_with_an_independent_implementation(case):
    """All nine weights after each of three updates, to 1e-12, from the published formulas."""
    _, optimizer, kind, options, _, _ = case
    _, history, _ = lernpy_run(optimizer)
    expected = independent(kind, options)
    for got, want in zip(history, expected, strict=True):
        assert close(got, want), (got, want)
    assert not close(history[-1], network().weights())  # the weights did move


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_updates_agree_with_torch_optim(case):
    """The same three updates by torch.optim in float64 (skipped without PyTorch)."""
    torch = pytest.importorskip("torch")
    _, optimizer, _, _, cls, options = case
    _, history, _ = lernpy_run(optimizer)
    w = network().weights()
    W1 = torch.tensor([[w["x1→h1"], w["x2→h1"]], [w["x1→h2"], w["x2→h2"]]], dtype=torch.float64)
    B1 = torch.tensor([w["b1→h1"], w["b1→h2"]], dtype=torch.float64)
    W2 = torch.tensor([[w["h1→y1"], w["h2→y1"]]], dtype=torch.float64)
    B2 = torch.tensor([w["b2→y1"]], dtype=torch.float64)
    params = [p.requires_grad_() for p in (W1, B1, W2, B2)]
    opt = getattr(torch.optim, cls)(params, **options)
    X = torch.tensor([x for x, _ in XOR], dtype=torch.float64)
    T = torch.tensor([t for _, t in XOR], dtype=torch.float64)
    for want in history:
        opt.zero_grad()
        y = torch.sigmoid(torch.sigmoid(X @ W1.T + B1) @ W2.T + B2)
        loss = (0.5 * ((y - T) ** 2).sum(dim=1)).mean()
        loss.backward()
        if optimizer.clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, optimizer.clip_norm)
        if optimizer.clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, optimizer.clip_value)
        opt.step()
        got = {
            "x1→h1": W1[0, 0], "x2→h1": W1[0, 1], "b1→h1": B1[0],
            "x1→h2": W1[1, 0], "x2→h2": W1[1, 1], "b1→h2": B1[1],
            "h1→y1": W2[0, 0], "h2→y1": W2[0, 1], "b2→y1": B2[0],
        }  # fmt: skip
        assert close({k: float(v) for k, v in got.items()}, want)


def test_sgd_momentum_by_hand():
    """b₁ = g₁, b₂ = 0.9·b₁ + g₂, b₃ = 0.9·b₂ + g₃; w ← w − 0.5·b (PyTorch's form)."""
    net, history, records = lernpy_run(SGD(0.5, momentum=0.9))
    ups = [r for r in records if r.link.name == "h1→y1"]
    w0 = network()["h1→y1"].weight
    g1, g2, g3 = (r.gradient for r in ups)
    b1 = g1
    w1 = w0 - 0.5 * b1
    b2 = 0.9 * b1 + g2
    w2 = w1 - 0.5 * b2
    b3 = 0.9 * b2 + g3
    w3 = w2 - 0.5 * b3
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)
    assert net["h1→y1"].velocity == pytest.approx(b3, abs=TOL)


def test_nesterov_by_hand():
    """PyTorch's Nesterov: b as momentum's, then w ← w − 0.5·(g + 0.9·b)."""
    _, history, records = lernpy_run(SGD(0.5, momentum=0.9, nesterov=True))
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w0 = network()["h1→y1"].weight
    b1 = g1
    w1 = w0 - 0.5 * (g1 + 0.9 * b1)
    b2 = 0.9 * b1 + g2
    w2 = w1 - 0.5 * (g2 + 0.9 * b2)
    b3 = 0.9 * b2 + g3
    w3 = w2 - 0.5 * (g3 + 0.9 * b3)
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)


def test_adagrad_by_hand():
    """sum = 0.05 + g₁² …; rate_t = 0.3/(1 + (t − 1)·0.1); g includes 0.02·w (coupled decay)."""
    opt = AdaGrad(0.3, lr_decay=0.1, initial_accumulator_value=0.05, weight_decay=0.02)
    _, history, records = lernpy_run(opt)
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w0 = network()["h1→y1"].weight
    d1 = g1 + 0.02 * w0
    s1 = 0.05 + d1**2
    w1 = w0 - 0.3 / 1.0 * d1 / (math.sqrt(s1) + 1e-10)
    d2 = g2 + 0.02 * w1
    s2 = s1 + d2**2
    w2 = w1 - 0.3 / 1.1 * d2 / (math.sqrt(s2) + 1e-10)
    d3 = g3 + 0.02 * w2
    s3 = s2 + d3**2
    w3 = w2 - 0.3 / 1.2 * d3 / (math.sqrt(s3) + 1e-10)
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)


def test_rmsprop_by_hand():
    """v = 0.99·v + 0.01·g²; w ← w − 0.05·g/(√v + 1e-8)."""
    _, history, records = lernpy_run(RMSProp(0.05))
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w0 = network()["h1→y1"].weight
    v1 = 0.01 * g1**2
    w1 = w0 - 0.05 * g1 / (math.sqrt(v1) + 1e-8)
    v2 = 0.99 * v1 + 0.01 * g2**2
    w2 = w1 - 0.05 * g2 / (math.sqrt(v2) + 1e-8)
    v3 = 0.99 * v2 + 0.01 * g3**2
    w3 = w2 - 0.05 * g3 / (math.sqrt(v3) + 1e-8)
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)


def test_rmsprop_centred_with_momentum_by_hand():
    """g_ave = 0.99·g_ave + 0.01·g; ṽ = v − g_ave²; b = 0.5·b + g/(√ṽ + 1e-8); w ← w − 0.05·b."""
    _, history, records = lernpy_run(RMSProp(0.05, momentum=0.5, centered=True))
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w = network()["h1→y1"].weight
    v = ga = b = 0.0
    expected = []
    for g in (g1, g2, g3):
        v = 0.99 * v + 0.01 * g**2
        ga = 0.99 * ga + 0.01 * g
        b = 0.5 * b + g / (math.sqrt(v - ga**2) + 1e-8)
        w = w - 0.05 * b
        expected.append(w)
    assert [h["h1→y1"] for h in history] == pytest.approx(expected, abs=TOL)


def test_adam_by_hand():
    """m̂ = m/(1 − 0.9ᵗ) with 0.1, 0.19, 0.271; v̂ = v/(1 − 0.999ᵗ) with 0.001, 0.001999, …"""
    _, history, records = lernpy_run(Adam(0.1))
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w0 = network()["h1→y1"].weight
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    w1 = w0 - 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2**2
    w2 = w1 - 0.1 * (m2 / 0.19) / (math.sqrt(v2 / 0.001999) + 1e-8)
    m3, v3 = 0.9 * m2 + 0.1 * g3, 0.999 * v2 + 0.001 * g3**2
    w3 = w2 - 0.1 * (m3 / 0.271) / (math.sqrt(v3 / 0.002997001) + 1e-8)
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)


def test_amsgrad_by_hand():
    """v_max = max(v_max, v); v̂ = v_max/(1 − 0.999ᵗ); β = (0.9, 0.999), rate 0.1."""
    _, history, records = lernpy_run(Adam(0.1, amsgrad=True))
    grads = [r.gradient for r in records if r.link.name == "h1→y1"]
    w = network()["h1→y1"].weight
    m = v = vmax = 0.0
    expected = []
    for t, g in enumerate(grads, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        vmax = max(vmax, v)
        w = w - 0.1 * (m / (1 - 0.9**t)) / (math.sqrt(vmax / (1 - 0.999**t)) + 1e-8)
        expected.append(w)
    assert [h["h1→y1"] for h in history] == pytest.approx(expected, abs=TOL)


def test_adamw_by_hand():
    """w ← w·(1 − 0.1·0.01), then Adam's step (the gradient itself is not decayed)."""
    _, history, records = lernpy_run(AdamW(0.1))
    g1, g2, g3 = (r.gradient for r in records if r.link.name == "h1→y1")
    w0 = network()["h1→y1"].weight
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    w1 = w0 * 0.999 - 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2**2
    w2 = w1 * 0.999 - 0.1 * (m2 / 0.19) / (math.sqrt(v2 / 0.001999) + 1e-8)
    m3, v3 = 0.9 * m2 + 0.1 * g3, 0.999 * v2 + 0.001 * g3**2
    w3 = w2 * 0.999 - 0.1 * (m3 / 0.271) / (math.sqrt(v3 / 0.002997001) + 1e-8)
    assert [h["h1→y1"] for h in history] == pytest.approx([w1, w2, w3], abs=TOL)


def test_gradients_the_optimizers_use_are_the_independent_backward_pass():
    """Every recorded gradient of the first update equals the written-out backward pass."""
    _, _, records = lernpy_run(SGD(0.5), updates=1)
    want = gradients(network().weights())
    assert {r.link.name: r.gradient for r in records} == pytest.approx(want, abs=1e-15)


# -- conventions: each a named option, PyTorch's the default --------------------------------


@pytest.mark.parametrize(
    "optimizer, options",
    [
        (Adam(0.1, epsilon="inside", eps=1e-3), {"lr": 0.1, "epsilon": "inside", "eps": 1e-3}),
        (Adam(0.1, epsilon="hat", eps=1e-3), {"lr": 0.1, "epsilon": "hat", "eps": 1e-3}),
        (Adam(0.1, first_step=2), {"lr": 0.1, "offset": 1}),
    ],
    ids=["eps-inside", "eps-hat", "first-step-2"],
)
def test_adam_conventions_follow_their_formulas(optimizer, options):
    """Where ε goes and where the step count starts: each matches its formula, and differs."""
    _, history, _ = lernpy_run(optimizer)
    for got, want in zip(history, independent("adam", options), strict=True):
        assert close(got, want)
    default = independent("adam", {"lr": 0.1, "eps": options.get("eps", 1e-8)})
    assert abs(history[-1]["h1→y1"] - default[-1]["h1→y1"]) > 1e-6  # the sixth decimal or more


def test_rmsprop_epsilon_inside():
    """RMSProp with ε inside the square root: √(v + ε)."""
    _, history, _ = lernpy_run(RMSProp(0.05, epsilon="inside", eps=1e-4))
    want = independent("rmsprop", {"lr": 0.05, "inside": True, "eps": 1e-4})
    assert all(close(a, b) for a, b in zip(history, want))


def test_momentum_forms_agree_at_a_constant_rate():
    """Δw = μΔw_prev − rate·g and b = μb + g, w −= rate·b give the same weights at one rate."""
    _, pytorch, _ = lernpy_run(SGD(0.5, momentum=0.9))
    _, textbook, _ = lernpy_run(SGD(0.5, momentum=0.9, momentum_form="textbook"))
    assert all(close(a, b) for a, b in zip(pytorch, textbook))


RATES = [0.5, 0.1, 0.8, 0.3]


def scheduled(form: str) -> list[dict]:
    """Four updates, each with its own rate (a schedule), the state kept between train() calls."""
    net = network()
    out = []
    for rate in RATES:
        optimizer = SGD(0.5, momentum=0.9, momentum_form=form)
        net.train(XOR, epochs=1, optimizer=optimizer, rate=rate, batch_size="all", shuffle=False)
        out.append(net.weights())
    return out


@pytest.mark.parametrize("form", ["pytorch", "textbook"])
def test_a_rate_schedule_under_each_momentum_form_matches_its_formula(form):
    """pytorch: b ← 0.9·b + g, w ← w − rateₜ·b; textbook: Δw ← 0.9·Δw − rateₜ·g, w ← w + Δw."""
    got = scheduled(form)
    options = {"lr": None, "momentum": 0.9, "textbook": form == "textbook"}
    want = independent("sgd", options, updates=4, rates=RATES)
    assert all(close(a, b) for a, b in zip(got, want))


def test_the_momentum_forms_differ_under_a_rate_schedule():
    """The textbook form keeps old rates inside Δw_prev: under a schedule the forms part."""
    a, b = scheduled("pytorch")[-1], scheduled("textbook")[-1]
    assert max(abs(a[k] - b[k]) for k in NAMES) > 1e-3


# -- the update as a function of (state, gradient, weight, rate) -----------------------------


def test_update_is_a_pure_function_of_state_gradient_weight_and_rate():
    """Same inputs, same move; the state given is never changed (a shared weight can call it)."""
    opt = Adam(0.01)
    state = State("adam", t=2, m=0.01, v=0.001)
    a = opt.update(state, 0.3, 0.5, rate=0.02)
    b = opt.update(state, 0.3, 0.5, rate=0.02)
    assert a == b and state == State("adam", t=2, m=0.01, v=0.001)
    assert a.step == a.weight - 0.5
    assert a.state.t == 3


def test_another_optimizer_starts_from_a_fresh_state():
    """An Adam state is no SGD velocity: SGD starts afresh, as a new torch optimizer would."""
    sgd = SGD(0.1, momentum=0.9)
    move = sgd.update(State("adam", t=5, m=1.0, v=1.0), 2.0, 1.0)
    assert move.state == State("sgd", velocity=2.0) and move.weight == pytest.approx(0.8)


EVERY = [c[1] for c in CASES] + [
    SGD(0.5, momentum=0.9, momentum_form="textbook"),
    SGD(0.5, momentum=0.9, momentum_form="textbook", nesterov=True),
    SGD(0.5, weight_decay=0.1),
]


@given(
    g=st.floats(-5, 5, allow_nan=False),
    w=st.floats(-5, 5, allow_nan=False),
    which=st.sampled_from(range(len(EVERY))),
)
@settings(max_examples=80)
def test_shown_lines_end_in_the_move_they_explain(g, w, which):
    """The lines ``show=True`` writes end in the same new weight and state, bit for bit
    (SGD's short cut for training and the written-out rule are one arithmetic)."""
    opt = EVERY[which]
    first = opt.update(FRESH, 0.7, 0.2, norm=0.7)
    plain = opt.update(first.state, g, w, norm=abs(g) + 0.1)
    shown = opt.update(first.state, g, w, norm=abs(g) + 0.1, show=True)
    assert shown.weight == plain.weight and shown.state == plain.state
    assert shown.lines[-1].value == plain.weight


def test_bad_options_are_errors_that_name_the_option():
    for make, words in [
        (lambda: SGD(-1.0), "rate"),
        (lambda: SGD(0.1, momentum=1.5), "momentum"),
        (lambda: SGD(0.1, nesterov=True), "nesterov"),
        (lambda: Adam(betas=(1.0, 0.9)), "beta1"),
        (lambda: Adam(epsilon="middle"), "epsilon"),
        (lambda: Adam(first_step=0), "first_step"),
        (lambda: RMSProp(alpha=2.0), "alpha"),
        (lambda: AdaGrad(eps=-1.0), "eps"),
        (lambda: SGD(0.1, clip_norm=0.0), "clip_norm"),
        (lambda: SGD(0.1, decay="sideways"), "decay"),
    ]:
        with pytest.raises(LernpyError, match=words):
            make()


def test_momentum_shorthand_with_an_optimizer_is_an_error():
    with pytest.raises(LernpyError, match="momentum"):
        network().train(XOR, optimizer=Adam(), momentum=0.9)


def test_global_norm_sums_squares_in_order():
    assert global_norm([3.0, 4.0]) == 5.0


# -- the documentation -------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "optimizers.md"
DOCUMENTED = [
    SGD(0.1),
    SGD(0.1, momentum=0.9),
    SGD(0.1, momentum=0.9, dampening=0.1),
    SGD(0.1, momentum=0.9, nesterov=True),
    SGD(0.1, momentum=0.9, momentum_form="textbook"),
    SGD(0.1, momentum=0.9, momentum_form="textbook", nesterov=True),
    AdaGrad(lr_decay=0.1),
    RMSProp(),
    RMSProp(momentum=0.9, centered=True),
    Adam(),
    Adam(amsgrad=True),
    AdamW(),
    SGD(0.1, weight_decay=0.01, clip_norm=1.0, clip_value=0.5),
]


@pytest.mark.parametrize("optimizer", DOCUMENTED, ids=[o.describe() for o in DOCUMENTED])
def test_the_documented_formulas_are_the_ones_explain_writes(optimizer):
    """Every line an update writes out appears in docs/optimizers.md's table, as written."""
    page = DOCS.read_text(encoding="utf-8")
    for line in optimizer.formulas():
        if line.text() != "g = ∂E/∂w":  # the gradient itself, named in the text
            assert f"`{line.text()}`" in page, line.text()


def test_the_optimizers_page_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5 and result.failed == 0


def test_fit_hands_each_scheduled_rate_to_the_optimizer():
    """fit(rate=step schedule, optimizer=Adam): the same weights as train() at each epoch's rate."""
    from lernpy import fit
    from lernpy.training.schedules import step

    a, b = network(), network()
    log = fit(a, XOR, epochs=3, rate=step(0.1, factor=0.5, every=1), optimizer=Adam(),
              shuffle=False, progress=False)  # fmt: skip
    assert [r.rate for r in log.epochs] == [0.1, 0.05, 0.025]
    for rate in (0.1, 0.05, 0.025):
        b.train(XOR, epochs=1, optimizer=Adam(), rate=rate, shuffle=False)
    assert a.weights() == b.weights()
    assert log.options["settings"]["name"] == "adam"


def test_the_shorthand_sgd_kept_per_rate_is_never_one_for_another_value_that_compares_equal():
    """train()'s rate/momentum shorthand keeps its SGD per (rate, momentum): 1 and 1.0 are
    the same rate, but True is refused after 1, and -0.0 keeps its sign after 0.0."""
    from lernpy.optim import choose

    assert choose(None, 0.25, 0.5)[0] is choose(None, 0.25, 0.5)[0]
    one = choose(None, 1)[0]
    assert type(one.rate) is float and one == choose(None, 1.0)[0]
    with pytest.raises(LernpyError, match="rate is True"):
        choose(None, True)
    with pytest.raises(LernpyError, match="momentum is True"):
        choose(None, 0.5, True)
    for zero in (0.0, -0.0, 0.0):
        assert math.copysign(1.0, choose(None, zero)[1]) == math.copysign(1.0, zero)
        assert math.copysign(1.0, choose(None, 0.5, zero)[0].momentum) == math.copysign(1.0, zero)
