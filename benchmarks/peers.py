"""The implementations a learner would otherwise pick, all written for this benchmark.

Each implementation is a class built from a `Workload`. It trains with the
workload's loss, `mse` (Σ(value − target)²/n over the n outputs) or `half_sse`
(½Σ(value − target)²), and offers:

- `unit`: "sample" (per-sample SGD) or "epoch" (one call to `run(1)` is one epoch),
- `run(n)`: train on the next `n` units, cycling through the data in order,
- `weights()`: the current weights in lernpy's link order (see workloads.flatten).

`run(1)` from the initial weights is one SGD step on the first sample, which the
benchmark uses to check that everyone computes the same first gradients.
"""

from __future__ import annotations

import math
import sys

from .workloads import Workload, flatten


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


ACTIVATIONS = {
    # name: (f(net), slope written with the value, as in textbooks)
    "sigmoid": (_sigmoid, lambda v: v * (1.0 - v)),
    "tanh": (math.tanh, lambda v: 1.0 - v * v),
}


def error_scale(wl: Workload) -> float:
    """∂loss/∂value = scale · (value − target): 1 for ½Σ(…)², 2/n for Σ(…)²/n."""
    return 1.0 if wl.loss == "half_sse" else 2.0 / wl.sizes[-1]


class PlainPython:
    """A hand-written per-link loop over lists of weights, one sample at a time."""

    name = "plain Python loop"
    unit = "sample"

    def __init__(self, wl: Workload) -> None:
        self.data = wl.data
        self.rate = wl.rate
        self.W = [[list(row) for row in W] for W, _ in wl.params]
        self.b = [list(b) for _, b in wl.params]
        self.act = [ACTIVATIONS[a] for a in wl.activations]
        self.scale = error_scale(wl)
        self.position = 0

    def run(self, n: int) -> None:
        data, N = self.data, len(self.data)
        for _ in range(n):
            x, t = data[self.position]
            self.position = (self.position + 1) % N
            self.sample(x, t)

    def sample(self, x, t) -> None:
        rate = self.rate
        values = [x]
        for W, b, (f, _) in zip(self.W, self.b, self.act, strict=False):
            a = values[-1]
            out = []
            for row, bias in zip(W, b, strict=False):
                net = bias
                for w, v in zip(row, a, strict=False):
                    net += w * v
                out.append(f(net))
            values.append(out)
        slope, scale = self.act[-1][1], self.scale
        sens = [scale * (v - target) * slope(v) for v, target in zip(values[-1], t, strict=False)]
        for layer in range(len(self.W) - 1, -1, -1):
            W, b, a = self.W[layer], self.b[layer], values[layer]
            if layer:
                # blame flows back through the weights before they change
                blame = [0.0] * len(a)
                for row, s in zip(W, sens, strict=False):
                    for i, w in enumerate(row):
                        blame[i] += w * s
            for j, (row, s) in enumerate(zip(W, sens, strict=False)):
                step = rate * s
                for i, v in enumerate(a):
                    row[i] -= step * v
                b[j] -= step
            if layer:
                slope = self.act[layer - 1][1]
                sens = [e * slope(v) for e, v in zip(blame, a, strict=False)]

    def weights(self) -> list[float]:
        return flatten(list(zip(self.W, self.b, strict=False)))


class NumpyPerSample:
    """Idiomatic numpy SGD, one sample at a time."""

    name = "numpy per-sample"
    unit = "sample"

    def __init__(self, wl: Workload) -> None:
        import numpy as np

        self.np = np
        self.X = np.array([x for x, _ in wl.data], dtype=np.float64)
        self.T = np.array([t for _, t in wl.data], dtype=np.float64)
        self.W = [np.array(W, dtype=np.float64) for W, _ in wl.params]
        self.b = [np.array(b, dtype=np.float64) for _, b in wl.params]
        self.act = wl.activations
        self.rate = wl.rate
        self.scale = error_scale(wl)
        self.position = 0

    def f(self, name, z):
        np = self.np
        return 1.0 / (1.0 + np.exp(-z)) if name == "sigmoid" else np.tanh(z)

    @staticmethod
    def slope(name, v):
        return v * (1.0 - v) if name == "sigmoid" else 1.0 - v * v

    def run(self, n: int) -> None:
        np = self.np
        N, rate = len(self.X), self.rate
        for _ in range(n):
            x, t = self.X[self.position], self.T[self.position]
            self.position = (self.position + 1) % N
            values = [x]
            for W, b, name in zip(self.W, self.b, self.act, strict=False):
                values.append(self.f(name, W @ values[-1] + b))
            sens = self.scale * (values[-1] - t) * self.slope(self.act[-1], values[-1])
            for layer in range(len(self.W) - 1, -1, -1):
                W = self.W[layer]
                blame = W.T @ sens if layer else None
                W -= rate * np.outer(sens, values[layer])
                self.b[layer] -= rate * sens
                if layer:
                    sens = blame * self.slope(self.act[layer - 1], values[layer])

    def weights(self) -> list[float]:
        params = [(W.tolist(), b.tolist()) for W, b in zip(self.W, self.b, strict=False)]
        return flatten(params)


class NumpyFullBatch(NumpyPerSample):
    """Full-batch gradient descent in numpy (mean gradient): the hardware's ceiling."""

    name = "numpy full-batch GD"
    unit = "epoch"

    def run(self, n: int) -> None:
        rate = self.rate / len(self.X)
        for _ in range(n):
            values = [self.X]
            for W, b, name in zip(self.W, self.b, self.act, strict=False):
                values.append(self.f(name, values[-1] @ W.T + b))
            sens = self.scale * (values[-1] - self.T) * self.slope(self.act[-1], values[-1])
            for layer in range(len(self.W) - 1, -1, -1):
                W = self.W[layer]
                blame = sens @ W if layer else None
                W -= rate * (sens.T @ values[layer])
                self.b[layer] -= rate * sens.sum(axis=0)
                if layer:
                    sens = blame * self.slope(self.act[layer - 1], values[layer])


class Micrograd:
    """micrograd's scalar autograd (from the package registry), one sample at a time.

    micrograd 0.1.0 ships `relu` only, so sigmoid and tanh are added here the
    way micrograd defines its own operations: a new Value with a backward closure.
    """

    name = "micrograd"
    unit = "sample"

    def __init__(self, wl: Workload) -> None:
        from micrograd.engine import Value

        self.Value = Value
        # backward() sorts the graph recursively; a 784-input sum is a deep chain
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
        self.W = [[[Value(w) for w in row] for row in W] for W, _ in wl.params]
        self.b = [[Value(x) for x in b] for _, b in wl.params]
        self.params = [
            p
            for W, b in zip(self.W, self.b, strict=False)
            for row, bj in zip(W, b, strict=False)
            for p in row + [bj]
        ]
        self.act = [getattr(self, a) for a in wl.activations]
        self.data, self.rate, self.position = wl.data, wl.rate, 0
        self.half = wl.loss == "half_sse"

    def sigmoid(self, v):
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = self.Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def tanh(self, v):
        t = math.tanh(v.data)
        out = self.Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def run(self, n: int) -> None:
        for _ in range(n):
            x, t = self.data[self.position]
            self.position = (self.position + 1) % len(self.data)
            a = list(x)
            for W, b, f in zip(self.W, self.b, self.act, strict=False):
                a = [
                    f(sum((w * v for w, v in zip(row, a, strict=False)), bj))
                    for row, bj in zip(W, b, strict=False)
                ]
            squares = sum(
                ((v - target) ** 2 for v, target in zip(a, t, strict=False)), self.Value(0.0)
            )
            loss = squares * 0.5 if self.half else squares * (1.0 / len(a))
            for p in self.params:
                p.grad = 0.0
            loss.backward()
            for p in self.params:
                p.data -= self.rate * p.grad

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


class TorchPerSample:
    """PyTorch CPU per-sample SGD in float64 on one thread, written as its tutorials do."""

    name = "PyTorch per-sample"
    unit = "sample"

    def __init__(self, wl: Workload) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        layers = []
        for (W, b), act in zip(wl.params, wl.activations, strict=False):
            linear = torch.nn.Linear(len(W[0]), len(W), dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(W, dtype=torch.float64))
                linear.bias.copy_(torch.tensor(b, dtype=torch.float64))
            layers += [linear, torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.Tanh()]
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=wl.rate)
        self.X = list(torch.tensor([x for x, _ in wl.data], dtype=torch.float64))
        self.T = list(torch.tensor([t for _, t in wl.data], dtype=torch.float64))
        self.half = wl.loss == "half_sse"
        self.mse = torch.nn.MSELoss()
        self.position = 0

    def run(self, n: int) -> None:
        model, optimizer, N = self.model, self.optimizer, len(self.X)
        for _ in range(n):
            x, t = self.X[self.position], self.T[self.position]
            self.position = (self.position + 1) % N
            optimizer.zero_grad()
            loss = 0.5 * ((model(x) - t) ** 2).sum() if self.half else self.mse(model(x), t)
            loss.backward()
            optimizer.step()

    def weights(self) -> list[float]:
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return flatten([(m.weight.tolist(), m.bias.tolist()) for m in linears])


PEERS = [PlainPython, NumpyPerSample, TorchPerSample, Micrograd, NumpyFullBatch]
