"""Activation functions and their slopes.

An ``Activation`` holds the function ``f(net)`` and its derivative written as
``slope(net, value)``: the derivative at ``net``, given that ``value = f(net)``
is already known (sigmoid's slope is ``value · (1 − value)``, no second ``exp``).

>>> SIGMOID.f(0.0), SIGMOID.slope(0.0, 0.5)
(0.5, 0.25)
>>> activation("tanh").name
'tanh'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lernpy.errors import UnknownNameError


@dataclass(frozen=True)
class Activation:
    """A named activation: ``f(net)`` and ``slope(net, value)``.

    ``layerwise`` activations (softmax) couple the neurons of one layer: their
    values and sensitivities are computed by the layer, not by ``f``/``slope``.
    A ``pool`` activation ("max") is layerwise too, but couples nothing: its
    neuron's net is the largest value its links deliver, not their sum, and
    only the link that delivered it (the winner) takes blame back.
    """

    name: str
    f: Callable[[float], float]
    slope: Callable[[float, float], float]
    layerwise: bool = False
    formula: str = ""
    pool: str | None = None

    def __call__(self, net: float) -> float:
        return self.f(net)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def __deepcopy__(self, memo: dict) -> Activation:
        # Immutable, and known by identity (a file names only the built-in objects; the
        # loss's value − target shortcut needs the very one): a copied network shares it.
        return self

    @classmethod
    def custom(
        cls, name: str, f: Callable[[float], float], derivative: Callable[[float], float]
    ) -> Activation:
        """A user's own activation from ``f(net)`` and its derivative ``f′(net)``.

        >>> cube = Activation.custom("cube", lambda x: x**3, lambda x: 3 * x**2)
        >>> cube(2.0), cube.slope(2.0, 8.0)
        (8.0, 12.0)
        """

        def safe_f(net: float) -> float:
            try:
                return f(net)
            except ArithmeticError:  # x**3 overflows with an exception: make it a NaN to report
                return math.nan

        def safe_slope(net: float, value: float) -> float:
            try:
                return derivative(net)
            except ArithmeticError:
                return math.nan

        return cls(name, safe_f, safe_slope, formula=f"{name}(net)")


def _sigmoid(net: float) -> float:
    # Two branches so that exp never overflows: exp(-net) for net ≥ 0, exp(net) below.
    if net >= 0.0:
        return 1.0 / (1.0 + math.exp(-net))
    e = math.exp(net)
    return e / (1.0 + e)


def _softplus(net: float) -> float:
    # log(1 + e^net) = max(net, 0) + log(1 + e^−|net|), finite for every finite net.
    return max(net, 0.0) + math.log1p(math.exp(-abs(net)))


LEAKY_SLOPE = 0.01

IDENTITY = Activation("identity", lambda x: x, lambda x, v: 1.0, formula="net")
SIGMOID = Activation("sigmoid", _sigmoid, lambda x, v: v * (1.0 - v), formula="1/(1+e^−net)")
TANH = Activation("tanh", math.tanh, lambda x, v: 1.0 - v * v, formula="tanh(net)")
RELU = Activation(
    "relu",
    lambda x: x if x > 0.0 else 0.0,
    lambda x, v: 1.0 if x > 0.0 else 0.0,
    formula="max(0, net)",
)
LEAKY_RELU = Activation(
    "leaky_relu",
    lambda x: x if x > 0.0 else LEAKY_SLOPE * x,
    lambda x, v: 1.0 if x > 0.0 else LEAKY_SLOPE,
    formula="net if net > 0 else 0.01·net",
)
SOFTPLUS = Activation("softplus", _softplus, lambda x, v: _sigmoid(x), formula="log(1+e^net)")
# Softmax's f and slope are never called: the layer computes values and sensitivities.
SOFTMAX = Activation("softmax", _sigmoid, lambda x, v: 1.0, layerwise=True, formula="e^net/Σe^net")
# Max pooling: net = the largest incoming value (links of weight 1), value = net, slope 1;
# the backward pass sends the blame to the winning link only (see graph/link.py, PoolLink).
MAX_POOL = Activation(
    "max_pool", IDENTITY.f, IDENTITY.slope, layerwise=True, formula="max of the incoming values",
    pool="max",
)  # fmt: skip
# Average pooling is a plain linear neuron whose incoming links are frozen at 1/n: its
# backward pass sends each source 1/n of the sensitivity. The name says what it is for.
AVG_POOL = Activation("avg_pool", IDENTITY.f, IDENTITY.slope, formula="Σ value/n (weights 1/n)")

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, SOFTMAX, MAX_POOL, AVG_POOL)
}
ACTIVATIONS["linear"] = IDENTITY


def activation(spec: str | Activation) -> Activation:
    """Look an activation up by name, or pass an ``Activation`` through."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec in ACTIVATIONS:
        return ACTIVATIONS[spec]
    known = ", ".join(sorted(ACTIVATIONS))
    raise UnknownNameError(
        f"unknown activation {spec!r}: expected one of {known}, or an Activation"
    )


def softmax(nets: list[float]) -> list[float]:
    """Softmax of a layer's nets, shifted by the largest so that exp never overflows.

    >>> [round(v, 6) for v in softmax([1.0, 2.0, 3.0])]
    [0.090031, 0.244728, 0.665241]
    """
    top = max(nets)
    exps = [math.exp(n - top) for n in nets]
    total = sum(exps)
    return [e / total for e in exps]
