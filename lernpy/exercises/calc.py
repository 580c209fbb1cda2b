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
    for w in spec.weights:
        if not w.frozen:
            names += [*rule_names(spec, w.name), f"new {w.name}"]
    return names


def rule_names(spec: Spec, weight: str) -> list[str]:
    """The values an update rule keeps or works out for one weight, before its new value."""
    rule = spec.rule.name if spec.rule is not None else ""
    symbols = {"momentum": ("b",), "rmsprop": ("v",), "adam": ("m", "v", "m̂", "v̂")}
    return [f"{s}_{weight}" for s in symbols.get(rule, ())]


@dataclass(frozen=True)
class Deviation:
    """Where a slip changed a factor: what was used, and what the right one is."""

    factor: str  # the named value it replaced, such as ∂out_o1/∂net_o1
    used: float
    right: float
    why: str  # what the used number is ("out_o1 itself")
    rule: str  # the right rule ("out_o1·(1 − out_o1)")
    weight: str = ""  # the weight whose update it changed (an update rule's factors)


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
        self.about: dict[str, str] = {}  # each update value's name → its weight's name
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

    def deviate(
        self, factor: str, used: float, right: float, why: str, rule: str, weight: str = ""
    ) -> None:
        self.deviations.append(Deviation(factor, used, right, why, rule, weight))

    def factor(self, name: str, right: float, used: float, rule: str, weight: str = "") -> float:
        """A factor the slip may have changed: record the change, return what is used."""
        if used != right:
            why = self.slip.why(self, name, used, right)
            self.deviate(name, used, right, why, rule, weight)
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
        """w − rate · ∂E/∂w, or the spec's update rule (the slip may change how), computed
        once per weight."""
        if w.link not in self._new:
            if self.spec.rule is None:
                right = w.value - self.spec.rate * self.grad[w.link]
                rule = f"{w.name} − rate·∂E/∂{w.name}"
            else:
                right, rule = self._update(w)
            new = self._new[w.link] = self.slip.new_weight(self, w, right)
            if new != right:
                why = self.slip.why(self, f"new {w.name}", new, right)
                self.deviate(f"new {w.name}", new, right, why, rule, w.name)
        return self._new[w.link]

    def _update(self, w: Weight) -> tuple[float, str]:
        """One update by the spec's rule, from a fresh state (momentum: from the given
        velocity), each value it keeps recorded; the new weight and its rule in words."""
        r = self.spec.rule
        assert r is not None
        n, g, rate = w.name, self.grad[w.link], self.spec.rate
        self.about.update({name: n for name in (*rule_names(self.spec, n), f"new {n}")})
        if r.name == "momentum":
            # PyTorch's form: b ← μ·b_prev + g, w ← w − rate·b
            prev = r.before(n)
            right = r.momentum * prev + g
            textbook = self.slip.momentum_form(self, w) == "textbook"
            used = r.momentum * prev - rate * g if textbook else right
            b = self.put(f"b_{n}", self.factor(f"b_{n}", right, used, f"μ·b_prev + ∂E/∂{n}", n))
            return (w.value + b if textbook else w.value - rate * b), f"{n} − rate·b_{n}"
        if r.name == "rmsprop":
            # v ← α·v_prev + (1 − α)·g² with v_prev = 0; w ← w − rate·g/(√v + ε)
            v = self.put(f"v_{n}", (1.0 - r.alpha) * (g * g))
            d = self._denominator(w, f"v_{n}", v)
            return w.value - rate * (g / d), f"{n} − rate·∂E/∂{n}/(√v_{n} + ε)"
        # Adam, update t = 1 from m = v = 0: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
        b1, b2 = r.betas
        m = self.put(f"m_{n}", (1.0 - b1) * g)
        v = self.put(f"v_{n}", (1.0 - b2) * (g * g))
        hats = []
        for moment, value, beta, sub in (("m", m, b1, "₁"), ("v", v, b2, "₂")):
            name = f"{moment}\u0302_{n}"  # m̂, v̂
            right = 1.0 - beta
            used = self.slip.bias_correction(self, w, moment, right)
            rule = f"{moment}_{n}/(1 − β{sub}), t = 1"
            hats.append(self.put(name, self.factor(name, value / right, value / used, rule, n)))
        d = self._denominator(w, f"v̂_{n}", hats[1])
        return w.value - rate * (hats[0] / d), f"{n} − rate·m̂_{n}/(√v̂_{n} + ε)"

    def _denominator(self, w: Weight, var: str, square: float) -> float:
        """√square + ε (the slip may put ε elsewhere)."""
        assert self.spec.rule is not None
        right = math.sqrt(square) + self.spec.rule.eps
        used = self.slip.denominator(self, w, square, right)
        return self.factor(f"√{var} + ε", right, used, f"√{var} + ε", w.name)
