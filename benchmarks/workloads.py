"""Benchmark workloads: layered networks with identical initial weights from a seed.

A workload is trained with one loss, `mse` (Σ(value − target)²/n, what the
peers' libraries call mean squared error) or `half_sse` (½Σ(value − target)²,
the textbooks' and lernpy's default); the benchmark runs each with both.

Every implementation starts from the same `Workload.params`, a list of layers
`(W, b)` with `W[j][i]` the weight from source neuron `i` to target neuron `j`
and `b[j]` the bias of target neuron `j`. Flattened layer by layer, target by
target, each row followed by its bias, this is exactly lernpy's link order for a
layered network (by target neuron, then its incoming links, bias last).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

Sample = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass
class Workload:
    name: str
    sizes: tuple[int, ...]
    hidden: str  # activation of the hidden layers: "sigmoid" or "tanh"
    output: str  # activation of the output layer
    data: list[Sample]
    params: list[tuple[list[list[float]], list[float]]] = field(repr=False)
    rate: float = 0.1
    loss: str = "mse"  # "mse" or "half_sse"

    @property
    def links(self) -> int:
        """Number of links (weights and biases)."""
        return sum(
            (n_in + 1) * n_out for n_in, n_out in zip(self.sizes, self.sizes[1:], strict=False)
        )

    @property
    def activations(self) -> list[str]:
        """Activation of each non-input layer."""
        return [self.hidden] * (len(self.sizes) - 2) + [self.output]

    def flat_weights(self) -> list[float]:
        """The initial weights in lernpy's link order."""
        return flatten(self.params)

    def describe(self) -> str:
        shape = "-".join(map(str, self.sizes))
        return (
            f"{self.name}: {shape} {self.hidden}/{self.output}, {len(self.data)} samples, "
            f"loss {self.loss}"
        )


def flatten(params: list[tuple[list[list[float]], list[float]]]) -> list[float]:
    """Weights layer by layer, target by target, each row followed by its bias."""
    flat: list[float] = []
    for W, b in params:
        for row, bj in zip(W, b, strict=False):
            flat.extend(row)
            flat.append(bj)
    return flat


def initial_params(
    sizes: tuple[int, ...], seed: int
) -> list[tuple[list[list[float]], list[float]]]:
    """Xavier/Glorot uniform weights and small uniform biases from `random.Random(seed)`."""
    rng = random.Random(seed)
    params = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        limit = math.sqrt(6.0 / (n_in + n_out))
        W = [[rng.uniform(-limit, limit) for _ in range(n_in)] for _ in range(n_out)]
        b = [rng.uniform(-0.1, 0.1) for _ in range(n_out)]
        params.append((W, b))
    return params


def xor_data() -> list[Sample]:
    return [((0.0, 0.0), (0.0,)), ((0.0, 1.0), (1.0,)), ((1.0, 0.0), (1.0,)), ((1.0, 1.0), (0.0,))]


def moons_data(n: int, seed: int, noise: float = 0.1) -> list[Sample]:
    """Two interleaving half circles, labels 0 and 1, alternating."""
    rng = random.Random(seed)
    data = []
    for k in range(n):
        t = math.pi * rng.random()
        if k % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), 0.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        data.append(((x + rng.gauss(0, noise), y + rng.gauss(0, noise)), (label,)))
    return data


def prototype_data(n: int, inputs: int, classes: int, seed: int) -> list[Sample]:
    """Digit-like samples: a random prototype image per class plus noise, one-hot targets."""
    rng = random.Random(seed)
    prototypes = [[rng.random() for _ in range(inputs)] for _ in range(classes)]
    data = []
    for k in range(n):
        c = k % classes
        pixels = tuple(min(1.0, max(0.0, p + rng.gauss(0, 0.2))) for p in prototypes[c])
        target = tuple(1.0 if j == c else 0.0 for j in range(classes))
        data.append((pixels, target))
    return data


def make(name: str, seed: int = 1, loss: str = "mse") -> Workload:
    """Build one of the named workloads, trained with ``loss``."""
    if name == "xor":
        sizes, hidden, output, data, rate = (2, 2, 1), "sigmoid", "sigmoid", xor_data(), 0.5
    elif name == "moons":
        sizes, hidden, output, rate = (2, 16, 16, 1), "tanh", "tanh", 0.05
        data = moons_data(100, seed)
    elif name == "digits":
        sizes, hidden, output, rate = (64, 32, 10), "sigmoid", "sigmoid", 0.1
        data = prototype_data(200, 64, 10, seed)
    elif name == "mnist":
        sizes, hidden, output, rate = (784, 128, 10), "sigmoid", "sigmoid", 0.05
        data = prototype_data(1000, 784, 10, seed)
    else:
        raise ValueError(f"unknown workload {name!r}; choose from {', '.join(NAMES)}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    return Workload(name, sizes, hidden, output, data, initial_params(sizes, seed), rate, loss)


LOSSES = ("mse", "half_sse")


NAMES = ("xor", "moons", "digits", "mnist")
