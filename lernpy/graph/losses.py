"""Loss functions of one sample and their gradients (the output neurons' errors).

``value(values, targets)`` is the sample's loss E; ``gradient(values, targets)``
is ∂E/∂value for each output neuron, the output *error* of DESIGN.md. A batch's
loss is the mean of its samples' losses.

>>> HALF_SSE.value([0.75, 0.77], [0.01, 0.99])  # ½Σ(value − target)²
0.298
>>> HALF_SSE.gradient([0.75], [0.01])            # value − target
[0.74]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lernpy.errors import UnknownNameError

# Where a log or a division would meet 0, values are clamped to [TINY, 1 − TINY].
TINY = 1e-15

Vector = Sequence[float]


@dataclass(frozen=True)
class Loss:
    """A named loss: ``value(values, targets)`` and ``gradient(values, targets)``.

    ``fused`` names the output activation for which ∂E/∂net simplifies to
    value − target (sigmoid with binary cross-entropy, softmax with
    cross-entropy); the scheduler then uses that exact form.
    """

    name: str
    value: Callable[[Vector, Vector], float]
    gradient: Callable[[Vector, Vector], list[float]]
    fused: str | None = None
    formula: str = ""

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"

    def __deepcopy__(self, memo: dict) -> Loss:
        # a constant: a copied network shares it (the built-in ones are known by identity)
        return self


def _clamp(v: float) -> float:
    return min(max(v, TINY), 1.0 - TINY)


def _half_sse(values: Vector, targets: Vector) -> float:
    return 0.5 * sum((v - t) * (v - t) for v, t in zip(values, targets))


def _mse(values: Vector, targets: Vector) -> float:
    return sum((v - t) * (v - t) for v, t in zip(values, targets)) / len(values)


def _bce(values: Vector, targets: Vector) -> float:
    total = 0.0
    for v, t in zip(values, targets):
        v = _clamp(v)
        total -= t * math.log(v) + (1.0 - t) * math.log(1.0 - v)
    return total


def _cross_entropy(values: Vector, targets: Vector) -> float:
    # Terms with target 0 are skipped: 0 · log(anything) is 0.
    return -sum(t * math.log(max(v, TINY)) for v, t in zip(values, targets) if t != 0.0)


HALF_SSE = Loss(
    "half_sse",
    _half_sse,
    lambda vs, ts: [v - t for v, t in zip(vs, ts)],
    formula="½Σ(value − target)²",
)
MSE = Loss(
    "mse",
    _mse,
    lambda vs, ts: [2.0 * (v - t) / len(vs) for v, t in zip(vs, ts)],
    formula="Σ(value − target)²/n",
)
BCE = Loss(
    "bce",
    _bce,
    lambda vs, ts: [(_clamp(v) - t) / (_clamp(v) * (1.0 - _clamp(v))) for v, t in zip(vs, ts)],
    fused="sigmoid",
    formula="−Σ[target·log(value) + (1 − target)·log(1 − value)]",
)
CROSS_ENTROPY = Loss(
    "cross_entropy",
    _cross_entropy,
    lambda vs, ts: [-t / max(v, TINY) for v, t in zip(vs, ts)],
    fused="softmax",
    formula="−Σ target·log(value)",
)

LOSSES: dict[str, Loss] = {loss.name: loss for loss in (HALF_SSE, MSE, BCE, CROSS_ENTROPY)}


def loss(spec: str | Loss) -> Loss:
    """Look a loss up by name, or pass a ``Loss`` through."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str) and spec in LOSSES:
        return LOSSES[spec]
    known = ", ".join(sorted(LOSSES))
    raise UnknownNameError(f"unknown loss {spec!r}: expected one of {known}, or a Loss")
