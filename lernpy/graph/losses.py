"""Loss functions of one sample and their gradients (the output neurons' errors).

``value(values, targets)`` is the sample's loss E; ``gradient(values, targets)``
is ∂E/∂value for each output neuron, the output *error* of DESIGN.md;
``terms(values, targets)`` is each output's share of E (they add up to E). A
batch's loss is the mean of its samples' losses. How each loss reduces over the
outputs: ``half_sse``, ``bce`` and ``cross_entropy`` sum, ``mse`` and
``bce_mean`` average (PyTorch's ``BCELoss`` averages: use ``bce_mean`` to match it).

Where the loss fuses with the output activation (sigmoid with ``bce`` or
``bce_mean``, softmax with ``cross_entropy``), the network computes E from the
outputs' nets (``from_nets``: log-sum-exp forms, exact at any net) and ∂E/∂net
directly (``fused_sensitivity``: value − target for BCE, value · Σtarget −
target for softmax with cross-entropy, exact for any targets).

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
    terms: Callable[[Vector, Vector], list[float]] | None = None
    from_nets: Callable[[Vector, Vector], list[float]] | None = None
    fused_sensitivity: Callable[[float, float, float, int], float] | None = None

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"

    def __deepcopy__(self, memo: dict) -> Loss:
        return self  # immutable and known by identity, as an Activation: a copy shares it


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


def _bce_mean(values: Vector, targets: Vector) -> float:
    return _bce(values, targets) / len(values)


def _cross_entropy(values: Vector, targets: Vector) -> float:
    # Terms with target 0 are skipped: 0 · log(anything) is 0.
    return -sum(t * math.log(max(v, TINY)) for v, t in zip(values, targets) if t != 0.0)


# -- each output's share of E ----------------------------------------------------------


def _half_sse_terms(values: Vector, targets: Vector) -> list[float]:
    return [0.5 * (v - t) * (v - t) for v, t in zip(values, targets)]


def _mse_terms(values: Vector, targets: Vector) -> list[float]:
    return [(v - t) * (v - t) / len(values) for v, t in zip(values, targets)]


def _bce_terms(values: Vector, targets: Vector) -> list[float]:
    terms = []
    for v, t in zip(values, targets):
        v = _clamp(v)
        terms.append(-(t * math.log(v) + (1.0 - t) * math.log(1.0 - v)))
    return terms


def _cross_entropy_terms(values: Vector, targets: Vector) -> list[float]:
    return [-t * math.log(max(v, TINY)) if t != 0.0 else 0.0 for v, t in zip(values, targets)]


# -- from the nets, exact at any net ----------------------------------------------------


def softplus(z: float) -> float:
    """log(1 + eᶻ) without overflow or lost digits: max(z, 0) + log1p(e^−|z|)."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _bce_from_nets(nets: Vector, targets: Vector) -> list[float]:
    # −[t·log σ(z) + (1 − t)·log(1 − σ(z))] = log(1 + eᶻ) − t·z
    return [softplus(z) - t * z for z, t in zip(nets, targets)]


def _bce_mean_from_nets(nets: Vector, targets: Vector) -> list[float]:
    return [term / len(nets) for term in _bce_from_nets(nets, targets)]


def logsumexp(nets: Vector) -> float:
    """log Σ e^z, shifted by the largest z so that nothing overflows."""
    top = max(nets)
    return top + math.log(sum(math.exp(z - top) for z in nets))


def _cross_entropy_from_nets(nets: Vector, targets: Vector) -> list[float]:
    # −t_i · log softmax(z)_i = −t_i · (z_i − log Σ_j e^z_j)
    lse = logsumexp(nets)
    return [-t * (z - lse) if t != 0.0 else 0.0 for z, t in zip(nets, targets)]


def _total(terms: list[float]) -> float:
    total = 0.0
    for term in terms:
        total += term
    return total


def _bce_gradient(values: Vector, targets: Vector) -> list[float]:
    return [(_clamp(v) - t) / (_clamp(v) * (1.0 - _clamp(v))) for v, t in zip(values, targets)]


HALF_SSE = Loss(
    "half_sse",
    _half_sse,
    lambda vs, ts: [v - t for v, t in zip(vs, ts)],
    formula="½Σ(value − target)²",
    terms=_half_sse_terms,
)
MSE = Loss(
    "mse",
    _mse,
    lambda vs, ts: [2.0 * (v - t) / len(vs) for v, t in zip(vs, ts)],
    formula="Σ(value − target)²/n",
    terms=_mse_terms,
)
BCE = Loss(
    "bce",
    _bce,
    _bce_gradient,
    fused="sigmoid",
    formula="−Σ[target·log(value) + (1 − target)·log(1 − value)]",
    terms=_bce_terms,
    from_nets=_bce_from_nets,
    # ∂E/∂net = value − target, for any target in [0, 1] and any net
    fused_sensitivity=lambda v, t, total, n: v - t,
)
BCE_MEAN = Loss(
    "bce_mean",
    _bce_mean,
    lambda vs, ts: [g / len(vs) for g in _bce_gradient(vs, ts)],
    fused="sigmoid",
    formula="−Σ[target·log(value) + (1 − target)·log(1 − value)]/n",
    terms=lambda vs, ts: [term / len(vs) for term in _bce_terms(vs, ts)],
    from_nets=_bce_mean_from_nets,
    fused_sensitivity=lambda v, t, total, n: (v - t) / n,
)
CROSS_ENTROPY = Loss(
    "cross_entropy",
    _cross_entropy,
    lambda vs, ts: [-t / max(v, TINY) for v, t in zip(vs, ts)],
    fused="softmax",
    formula="−Σ target·log(value)",
    terms=_cross_entropy_terms,
    from_nets=_cross_entropy_from_nets,
    # ∂E/∂net_i = value_i · Σ_j target_j − target_i: value − target when the targets sum
    # to 1, exact for any targets (and 0 for a softmax of one output, whose value is 1)
    fused_sensitivity=lambda v, t, total, n: v * total - t,
)

LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (HALF_SSE, MSE, BCE, BCE_MEAN, CROSS_ENTROPY)
}


def exact_loss(loss: Loss, nets: Vector, targets: Vector) -> float:
    """E from the outputs' nets (where the loss fuses with their activation): exact at any net.

    >>> round(exact_loss(BCE, [60.0], [0.0]), 12)  # log(1 + e⁶⁰) − 0 · 60
    60.0
    """
    assert loss.from_nets is not None
    return _total(loss.from_nets(nets, targets))


def loss(spec: str | Loss) -> Loss:
    """Look a loss up by name, or pass a ``Loss`` through."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str) and spec in LOSSES:
        return LOSSES[spec]
    known = ", ".join(sorted(LOSSES))
    raise UnknownNameError(f"unknown loss {spec!r}: expected one of {known}, or a Loss")
