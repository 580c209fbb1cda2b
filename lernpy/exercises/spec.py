"""An exercise's network as plain data drawn from a seed: shape, activations, loss, weights, sample.

Every number is drawn as a whole number of hundredths from the spec's own
``random.Random(seed)`` (never the global generator, never a float formula),
so the same seed gives the same exercise on every machine and Python version.

>>> s = draw(7)
>>> s.shape, s.rate
('3-2-1', 0.5)
>>> draw(7) == s
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lernpy.errors import BadValueError, ShapeError, UnknownNameError

# (hidden activation, output activation, loss): the combinations exercises are set in
STYLES: tuple[tuple[str, str, str], ...] = (
    ("sigmoid", "sigmoid", "half_sse"),
    ("sigmoid", "sigmoid", "half_sse"),  # the textbook's: drawn twice as often
    ("tanh", "sigmoid", "half_sse"),
    ("sigmoid", "sigmoid", "bce"),
    ("relu", "identity", "half_sse"),
    ("tanh", "tanh", "half_sse"),
    ("sigmoid", "identity", "mse"),
    ("relu", "softmax", "cross_entropy"),
)
SHAPES: tuple[tuple[int, int, int], ...] = ((2, 2, 1), (2, 2, 2), (3, 2, 1), (2, 3, 1), (3, 2, 2))
HIDDEN = ("sigmoid", "tanh", "relu", "identity")
OUTPUT = ("sigmoid", "tanh", "identity", "softmax")
LOSSES = ("half_sse", "mse", "bce", "cross_entropy")
RATES = (0.1, 0.2, 0.25, 0.5)
MAX_LAYER = 4
RULES = ("momentum", "rmsprop", "adam")
RULE_RATES = {"rmsprop": (0.01, 0.02, 0.05), "adam": (0.01, 0.02, 0.05, 0.1)}


@dataclass(frozen=True)
class Weight:
    """One link's weight: ``label`` (w1, b1) or None, source and target neuron, value, frozen."""

    label: str | None
    source: str
    target: str
    value: float
    frozen: bool = False

    @property
    def name(self) -> str:
        """The label, or ``w_source→target`` as explain() writes an unlabelled weight."""
        return self.label or f"w_{self.source}→{self.target}"

    @property
    def link(self) -> str:
        return f"{self.source}→{self.target}"


@dataclass(frozen=True)
class Rule:
    """The update an exercise asks for, when it is not plain gradient descent, as plain data.

    ``name``: "momentum" (SGD with momentum μ, PyTorch's form: b ← μ·b_prev + g,
    w ← w − rate·b, each weight's ``previous`` velocity b_prev given), "rmsprop"
    (α, ε; every square average starts at 0) or "adam" (β₁, β₂, ε; every moment
    starts at 0, so this is update t = 1). The formulas and defaults are
    torch.optim's, as lernpy's optimizers (``docs/optimizers.md``).
    """

    name: str
    momentum: float = 0.0
    alpha: float = 0.99
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    previous: tuple[tuple[str, float], ...] = ()  # momentum: (weight name, b_prev)

    def before(self, weight: str) -> float:
        """A weight's velocity from the previous update (momentum; 0 if none is given)."""
        return dict(self.previous).get(weight, 0.0)

    @property
    def title(self) -> str:
        return {"momentum": "SGD with momentum", "rmsprop": "RMSProp", "adam": "Adam"}[self.name]


@dataclass(frozen=True)
class Spec:
    """A one-hidden-layer network with its weights, one sample, a rate and, unless it is
    plain gradient descent, the update ``rule``."""

    seed: int | None
    inputs: tuple[str, ...]
    hidden: tuple[str, ...]
    outputs: tuple[str, ...]
    biases: tuple[str, ...]  # the hidden layer's bias neuron, then the output layer's
    activation: str  # the hidden layer's
    output: str  # the output layer's
    loss: str
    weights: tuple[Weight, ...]  # in the network's link order
    x: tuple[float, ...]
    target: tuple[float, ...]
    rate: float
    title: str = ""
    rule: Rule | None = None

    @property
    def shape(self) -> str:
        return f"{len(self.inputs)}-{len(self.hidden)}-{len(self.outputs)}"

    @property
    def fused(self) -> bool:
        """Do the loss and the output activation cancel to ∂E/∂net = out − target?"""
        return (self.output, self.loss) in (("sigmoid", "bce"), ("softmax", "cross_entropy"))

    def incoming(self, neuron: str) -> list[Weight]:
        return [w for w in self.weights if w.target == neuron]

    def outgoing(self, neuron: str) -> list[Weight]:
        return [w for w in self.weights if w.source == neuron]

    def weight(self, name: str) -> Weight:
        """A weight by label, ``w_source→target`` or link name."""
        for w in self.weights:
            if name in (w.name, w.link, w.link.replace("→", "->")):
                return w
        raise UnknownNameError(
            f"no weight {name!r} in this exercise: expected one of "
            + ", ".join(w.name for w in self.weights)
        )

    def activation_of(self, neuron: str) -> str:
        return self.activation if neuron in self.hidden else self.output


def parse_shape(shape: str | Sequence[int]) -> tuple[int, int, int]:
    """``"2-2-1"`` or ``(2, 2, 1)``: inputs, hidden, outputs (one hidden layer, 1 to 4 each)."""
    sizes: object = shape
    if isinstance(shape, str):
        try:
            sizes = tuple(int(p) for p in shape.replace("x", "-").split("-"))
        except ValueError:
            sizes = None
    ok = (
        isinstance(sizes, (tuple, list))
        and len(sizes) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) for n in sizes)
        and all(1 <= n <= MAX_LAYER for n in sizes)
    )
    if not ok:
        raise ShapeError(
            f"shape {shape!r}: expected inputs-hidden-outputs such as '2-2-1', "
            f"each 1 to {MAX_LAYER} (one hidden layer)"
        )
    return tuple(sizes)  # type: ignore[return-value]


def _hundredths(rng: random.Random, low: int, high: int, signed: bool) -> float:
    """A number of hundredths, low ≤ |n| ≤ high, with a random sign if ``signed``."""
    n = rng.randint(low, high)
    if signed and rng.randint(0, 1):
        n = -n
    return n / 100


def _check_style(activation: str, output: str, loss: str, outputs: int) -> None:
    for value, allowed, what in (
        (activation, HIDDEN, "activation"),
        (output, OUTPUT, "output"),
        (loss, LOSSES, "loss"),
    ):
        if value not in allowed:
            raise UnknownNameError(f"{what} {value!r}: expected one of {', '.join(allowed)}")
    if (output == "softmax") != (loss == "cross_entropy"):
        raise UnknownNameError(
            f"output {output!r} with loss {loss!r}: softmax goes with cross_entropy, only"
        )
    if output == "softmax" and outputs < 2:
        raise ShapeError("a softmax output layer needs at least 2 outputs")
    if loss == "bce" and output != "sigmoid":
        raise UnknownNameError(f"loss 'bce' needs output 'sigmoid', not {output!r}")


def draw(
    seed: int,
    shape: str | Sequence[int] | None = None,
    activation: str | None = None,
    output: str | None = None,
    loss: str | None = None,
) -> Spec:
    """The exercise of ``seed``: what is not given is drawn, then every number.

    Draws are repeated (from the same generator) until every neuron's net is
    at least 0.05 away from 0 and every relu of the hidden layer is active,
    so that no slope sits at a kink and every mistake shows in the numbers.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise BadValueError(f"seed is {seed!r}: expected a whole number")
    for what, value in (("activation", activation), ("output", output), ("loss", loss)):
        if value is not None and not isinstance(value, str):
            raise UnknownNameError(f"{what} is {value!r}: expected a name such as 'sigmoid'")
    rng = random.Random(seed)
    wide = output == "softmax" or loss == "cross_entropy"  # softmax needs two outputs
    fitting = [s for s in SHAPES if s[2] > 1 or not wide]
    sizes = parse_shape(shape) if shape is not None else rng.choice(fitting)
    n_in, n_hidden, n_out = sizes
    if activation is None and output is None and loss is None:
        styles = [s for s in STYLES if s[1] != "softmax" or n_out > 1]
        activation, output, loss = rng.choice(styles)
    else:
        activation = activation or "sigmoid"
        output = output or ("softmax" if loss == "cross_entropy" else "sigmoid")
        loss = loss or ("cross_entropy" if output == "softmax" else "half_sse")
    _check_style(activation, output, loss, n_out)
    inputs = tuple(f"i{k}" for k in range(1, n_in + 1))
    hidden = tuple(f"h{k}" for k in range(1, n_hidden + 1))
    outputs = tuple(f"o{k}" for k in range(1, n_out + 1))
    biases = ("bias1", "bias2")
    rate = rng.choice(RATES)
    for _attempt in range(1000):
        x = tuple(_hundredths(rng, 5, 100, signed=rng.randint(0, 3) == 0) for _ in inputs)
        target = _targets(rng, output, loss, n_out)
        weights = []
        count = {"w": 0, "b": 0}
        for layer, (sources, bias) in ((hidden, (inputs, "bias1")), (outputs, (hidden, "bias2"))):
            for t in layer:
                for s in (*sources, bias):
                    kind = "b" if s == bias else "w"
                    count[kind] += 1
                    value = _hundredths(rng, 5, 60, signed=True)
                    weights.append(Weight(f"{kind}{count[kind]}", s, t, value))
        spec = Spec(
            seed,
            inputs,
            hidden,
            outputs,
            biases,
            activation,
            output,
            loss,
            tuple(weights),
            x,
            target,
            rate,
        )
        if _humane(spec):
            return spec
    raise ShapeError(f"seed {seed}: no humane exercise in 1000 draws")  # pragma: no cover


def _targets(rng: random.Random, output: str, loss: str, n: int) -> tuple[float, ...]:
    if output == "softmax":
        hot = rng.randrange(n)
        return tuple(1.0 if k == hot else 0.0 for k in range(n))
    if output == "sigmoid":
        return tuple(_hundredths(rng, 1, 99, signed=False) for _ in range(n))
    if output == "tanh":
        return tuple(_hundredths(rng, 10, 90, signed=True) for _ in range(n))
    return tuple(_hundredths(rng, 10, 100, signed=True) for _ in range(n))


def _humane(spec: Spec) -> bool:
    """Every net 0.05 or more from 0, every hidden relu active, no output saturated."""
    value = {name: v for name, v in zip(spec.inputs, spec.x)}
    value.update({b: 1.0 for b in spec.biases})
    for layer in (spec.hidden, spec.outputs):
        for n in layer:
            net = sum(w.value * value[w.source] for w in spec.incoming(n))
            if abs(net) < 0.05 or abs(net) > 4.0:
                return False
            act = spec.activation_of(n)
            if act == "relu" and net <= 0.0:
                return False
            value[n] = {
                "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
                "tanh": math.tanh,
                "relu": lambda z: max(z, 0.0),
            }.get(act, lambda z: z)(net)
    return True


def with_rule(spec: Spec, rule: str | None, key: str) -> Spec:
    """``spec`` asking for one update by ``rule`` ("momentum", "rmsprop", "adam", or None for
    plain gradient descent), its numbers drawn from ``random.Random(key)``.

    Momentum keeps the spec's rate and gives each weight a velocity from the update
    before; RMSProp and Adam start from zero and draw a rate of their own (they take
    steps of about the rate, whatever the gradient).

    >>> with_rule(draw(7), "adam", "adam 7").rule
    Rule(name='adam', momentum=0.0, alpha=0.99, betas=(0.9, 0.999), eps=1e-08, previous=())
    """
    if rule is None:
        return spec
    if not isinstance(rule, str) or rule not in RULES:
        raise UnknownNameError(f"optimizer {rule!r}: expected one of {', '.join(RULES)}")
    rng = random.Random(key)
    if rule == "momentum":
        previous = tuple(
            (w.name, _hundredths(rng, 1, 20, signed=True)) for w in spec.weights if not w.frozen
        )
        chosen = Rule("momentum", momentum=rng.choice((0.5, 0.9)), previous=previous)
        return replace(spec, rule=chosen)
    alpha = rng.choice((0.9, 0.99)) if rule == "rmsprop" else 0.99
    return replace(spec, rate=rng.choice(RULE_RATES[rule]), rule=Rule(rule, alpha=alpha))
