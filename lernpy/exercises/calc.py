"""Working an exercise out by hand: every named value, as a student would compute it.

This is a second, independent calculation of the forward pass, the loss, the
chain rule and the update, written with the textbook's formulas for the
small layered networks of :mod:`lernpy.exercises.spec` (it uses no Neuron,
Link or scheduler). With no slip it is the answer key, and a test holds it to
the scheduler; with a :class:`~lernpy.exercises.mistakes.Slip` it is the
same calculation with one mistake or convention, which is how the checker and
the auditor know what number each mistake produces.

>>> from lernpy.exercises.spec import draw
>>> work = Work(draw(7))
>>> round(work.values["E"], 9)
0.05574372
>>> [name for name, _ in work.chains["∂E/∂w8"]]
['∂E/∂out_o1', '∂out_o1/∂net_o1', '∂net_o1/∂w8']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lernpy.exercises.mistakes import RIGHT, Slip
from lernpy.exercises.spec import Spec, Weight


def sigmoid(z: float) -> float:
    """1 / (1 + e^−z), written so that exp never overflows."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


FUNCTIONS = {
    "sigmoid": sigmoid,
    "tanh": math.tanh,
    "relu": lambda z: z if z > 0.0 else 0.0,
    "identity": lambda z: z,
}


def slope_of(activation: str, net: float, out: float) -> float:
    """∂out/∂net, from out where the textbook does (sigmoid, tanh)."""
    if activation == "sigmoid":
        return out * (1.0 - out)
    if activation == "tanh":
        return 1.0 - out * out
    if activation == "relu":
        return 1.0 if net > 0.0 else 0.0
    return 1.0


def slope_rule(activation: str, n: str) -> str:
    """The slope's formula in words, as explain() writes it."""
    return {
        "sigmoid": f"out_{n}·(1 − out_{n})",
        "tanh": f"1 − out_{n}²",
        "relu": f"1 if net_{n} > 0 else 0",
    }.get(activation, "1")


def order(spec: Spec) -> list[str]:
    """Every named value of the exercise, in the order a key lists them (the order of work)."""
    names: list[str] = []
    for n in (*spec.hidden, *spec.outputs):
        names += [f"net_{n}", f"out_{n}"]
    if spec.loss == "half_sse":
        names += [f"E_{o}" for o in spec.outputs]
    names.append("E")
    for layer in (spec.outputs, spec.hidden):
        for n in layer:
            if not (spec.fused and n in spec.outputs):
                names += [f"∂E/∂out_{n}", f"∂out_{n}/∂net_{n}"]
            names.append(f"∂E/∂net_{n}")
            names += [f"∂E/∂{w.name}" for w in spec.incoming(n)]
    names += [f"new {w.name}" for w in spec.weights if not w.frozen]
    return names


@dataclass(frozen=True)
class Deviation:
    """Where a slip changed a factor: what was used, and what the right one is."""

    factor: str  # the named value it replaced, such as ∂out_o1/∂net_o1
    used: float
    right: float
    why: str  # what the used number is ("out_o1 itself")
    rule: str  # the right rule ("out_o1·(1 − out_o1)")


class Work:
    """The whole exercise worked out, with ``slip`` (a mistake or convention) or without.

    ``values``: every named value in :func:`order`; ``chains``: each
    gradient's factors as (name, value), as explain() writes the chain rule;
    ``deviations``: where the slip changed a factor.
    """

    def __init__(self, spec: Spec, slip: Slip = RIGHT) -> None:
        self.spec = spec
        self.slip = slip
        self.order = order(spec)
        self.index = {name: k for k, name in enumerate(self.order)}
        self.raw: dict[str, float] = {}
        self.unrounded: dict[str, float] = {}  # each value before the slip rounded it
        self.chains: dict[str, list[tuple[str, float]]] = {}
        self.deviations: list[Deviation] = []
        self.out: dict[str, float] = {}  # every neuron's value, as used further
        self.net: dict[str, float] = {}
        self.delta: dict[str, float] = {}  # ∂E/∂net
        self.grad: dict[str, float] = {}  # by link name
        self.x: dict[str, float] = {}  # ∂net/∂w of each weight: its source's value
        self._new: dict[str, float] = {}
        self._forward()
        self._loss()
        self._backward()
        for w in spec.weights:
            if not w.frozen:
                self.put(f"new {w.name}", self.new_weight(w))
        self.values = {name: self.raw[name] for name in self.order}

    # -- bookkeeping ---------------------------------------------------------------

    def put(self, name: str, value: float) -> float:
        """Record a named value (the slip may round it); return it as used further."""
        self.unrounded[name] = value
        used = self.slip.rounded(self, name, value)
        if used != value:
            self.deviate(name, used, value, self.slip.why(self, name, used, value), "")
        self.raw[name] = used
        return used

    def deviate(self, factor: str, used: float, right: float, why: str, rule: str) -> None:
        self.deviations.append(Deviation(factor, used, right, why, rule))

    def factor(self, name: str, right: float, used: float, rule: str) -> float:
        """A factor the slip may have changed: record the change, return what is used."""
        if used != right:
            self.deviate(name, used, right, self.slip.why(self, name, used, right), rule)
        return used

    # -- forward -----------------------------------------------------------------

    def _forward(self) -> None:
        spec = self.spec
        self.out.update(zip(spec.inputs, spec.x))
        self.out.update((b, 1.0) for b in spec.biases)
        for layer in (spec.hidden, spec.outputs):
            for n in layer:
                total = 0.0
                for w in spec.incoming(n):
                    total += w.value * self.source_value(w)
                self.net[n] = self.put(f"net_{n}", total)
            activation = spec.activation_of(layer[0])
            if activation == "softmax":
                top = max(self.net[n] for n in layer)
                exps = [math.exp(self.net[n] - top) for n in layer]
                total = sum(exps)
                for n, e in zip(layer, exps):
                    self.out[n] = self.put(f"out_{n}", e / total)
            else:
                f = FUNCTIONS[activation]
                for n in layer:
                    self.out[n] = self.put(f"out_{n}", f(self.net[n]))

    def source_value(self, w: Weight) -> float:
        """∂net_target/∂w: the source's value (1 for a bias neuron), worked out once."""
        if w.link in self.x:
            return self.x[w.link]
        right = self.out[w.source]
        used = self.slip.source_value(self, w, right)
        rule = f"out_{w.source}"
        self.x[w.link] = self.factor(f"∂net_{w.target}/∂{w.name}", right, used, rule)
        return self.x[w.link]

    # -- loss --------------------------------------------------------------------

    def _loss(self) -> None:
        spec = self.spec
        outs = [self.out[o] for o in spec.outputs]
        if spec.loss == "half_sse":
            total = 0.0
            for o, v, t in zip(spec.outputs, outs, spec.target):
                right = 0.5 * (v - t) ** 2
                term = self.slip.loss_term(self, o, right)
                total += self.put(f"E_{o}", term)
            self.put("E", total)
        elif spec.loss == "mse":
            self.put("E", sum((v - t) ** 2 for v, t in zip(outs, spec.target)) / len(outs))
        elif spec.loss == "bce":
            total = 0.0
            for v, t in zip(outs, spec.target):
                total -= t * math.log(v) + (1.0 - t) * math.log(1.0 - v)
            self.put("E", total)
        else:  # cross_entropy
            self.put("E", -sum(t * math.log(v) for v, t in zip(outs, spec.target) if t != 0.0))

    # -- backward ----------------------------------------------------------------

    def _backward(self) -> None:
        spec = self.spec
        for o, t in zip(spec.outputs, spec.target):
            v = self.out[o]
            if spec.fused:
                right = v - t
                used = self.slip.output_error(self, o, right)
                rule = f"out_{o} − target_{o}"
                self.delta[o] = self.put(
                    f"∂E/∂net_{o}", self.factor(f"∂E/∂net_{o}", right, used, rule)
                )
            else:
                if spec.loss == "mse":
                    right = 2.0 * (v - t) / len(spec.outputs)
                    rule = f"2·(out_{o} − target_{o})/{len(spec.outputs)}"
                else:
                    right = v - t
                    rule = f"out_{o} − target_{o}"
                used = self.slip.output_error(self, o, right)
                error = self.put(f"∂E/∂out_{o}", self.factor(f"∂E/∂out_{o}", right, used, rule))
                self._sense(o, error)
            self._learn(o)
        for h in spec.hidden:
            right = used = 0.0
            for w in spec.outgoing(h):
                right += w.value * self.delta[w.target]
                weight = self.slip.blame_weight(self, w, w.value)
                if weight is not None:  # None: the student left this path out
                    used += weight * self.delta[w.target]
            name = f"∂E/∂out_{h}"
            rule = f"Σ over {h}'s outgoing links of ∂E/∂net · w, with the weights before the update"
            error = self.put(name, self.factor(name, right, used, rule))
            self._sense(h, error)
            self._learn(h)

    def _sense(self, n: str, error: float) -> None:
        activation = self.spec.activation_of(n)
        right = slope_of(activation, self.net[n], self.out[n])
        used = self.slip.slope(self, n, right)
        name = f"∂out_{n}/∂net_{n}"
        slope = self.put(name, self.factor(name, right, used, slope_rule(activation, n)))
        self.delta[n] = self.put(f"∂E/∂net_{n}", error * slope)

    def _learn(self, n: str) -> None:
        for w in self.spec.incoming(n):
            x = self.source_value(w)
            name = f"∂E/∂{w.name}"
            g = self.put(name, self.delta[n] * x)
            self.grad[w.link] = g
            bottom = f"∂net_{n}/∂{w.name}"
            if self.spec.fused and n in self.spec.outputs:
                self.chains[name] = [(f"∂E/∂net_{n}", self.delta[n]), (bottom, x)]
            else:
                self.chains[name] = [
                    (f"∂E/∂out_{n}", self.raw[f"∂E/∂out_{n}"]),
                    (f"∂out_{n}/∂net_{n}", self.raw[f"∂out_{n}/∂net_{n}"]),
                    (bottom, x),
                ]

    # -- update ------------------------------------------------------------------

    def new_weight(self, w: Weight) -> float:
        """w − rate · ∂E/∂w (the slip may change how), computed once per weight."""
        if w.link not in self._new:
            right = w.value - self.spec.rate * self.grad[w.link]
            new = self._new[w.link] = self.slip.new_weight(self, w, right)
            if new != right:
                why = self.slip.why(self, f"new {w.name}", new, right)
                self.deviate(f"new {w.name}", new, right, why, f"{w.name} − rate·∂E/∂{w.name}")
        return self._new[w.link]
