"""The mistakes students make in backprop, and the conventions published keys follow.

Each is a :class:`Slip`: the hand calculation of :mod:`lernpy.exercises.calc`
asks its slip at every factor it works out (a source value, a slope, an
output error, a weight in a hidden neuron's sum, an update, a rounding) and
uses what the slip answers. The right calculation's slip (``RIGHT``) answers
the right value everywhere; each subclass changes one kind of factor, at one
place (``where``: a neuron, a weight, a value's name; "" for everywhere).

The update rules of optimizer exercises (``Spec.rule``: momentum, RMSProp,
Adam) have hooks of their own: ``momentum_form``, ``bias_correction`` and
``denominator``. The conventions lernpy's optimizers name as options
(``docs/optimizers.md``) are slips of kind "convention" on them: the textbook
momentum form, Adam's step count from 1 (``first_step=2``), ε inside the square
root, TensorFlow's ε̂; forgetting Adam's bias correction is a mistake.

To add one: subclass :class:`Slip`, override the hook it changes
(``new_weight`` for the whole update), say where it can happen in ``points``
and what the changed number is in ``why``, and list the class in
:data:`SLIPS`. The checker and the auditor find it there.

>>> [s.name for s in SLIPS][:3]
['slope_forgotten', 'slope_is_out', 'slope_at_net']
>>> SlopeIsOut("o1").describe()
'out instead of the activation derivative at o1'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lernpy.views.formulas import num

if TYPE_CHECKING:
    from lernpy.exercises.calc import Work
    from lernpy.exercises.spec import Spec, Weight


class Slip:
    """A way of working the exercise; this base class is the right way (see ``RIGHT``)."""

    name = "right"
    kind = "mistake"  # or "convention": a choice some keys make on purpose
    title = "no mistake"

    def __init__(self, where: str = "", param: int | None = None) -> None:
        self.where = where
        self.param = param

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        """Every place this slip can happen in ``spec`` (where it changes a number)."""
        return []

    def at(self, place: str) -> bool:
        return self.where in ("", place)

    def describe(self) -> str:
        """The slip and its place, in words."""
        where = f" at {self.where}" if self.where else ""
        return f"{self.title}{where}"

    # -- the hooks: each returns the number to use; the right one by default ----------

    def source_value(self, work: Work, w: Weight, right: float) -> float:
        """∂net/∂w: the value of w's source."""
        return right

    def output_error(self, work: Work, o: str, right: float) -> float:
        """∂E/∂out of an output (∂E/∂net where the loss and activation cancel)."""
        return right

    def loss_term(self, work: Work, o: str, right: float) -> float:
        """One output's term of E = ½Σ(out − target)²."""
        return right

    def slope(self, work: Work, n: str, right: float) -> float:
        """∂out/∂net of neuron n."""
        return right

    def blame_weight(self, work: Work, w: Weight, right: float) -> float | None:
        """The weight the blame of w is sent back through; None leaves its path out."""
        return right

    def new_weight(self, work: Work, w: Weight, right: float) -> float:
        """w after the update."""
        return right

    def rounded(self, work: Work, name: str, value: float) -> float:
        """A named value as it is carried on."""
        return value

    # the update rules' hooks (Spec.rule)

    def momentum_form(self, work: Work, w: Weight) -> str:
        """ "pytorch" (b ← μ·b_prev + g; w ← w − rate·b) or "textbook" (Δw ← μ·Δw_prev − rate·g)."""
        return "pytorch"

    def bias_correction(self, work: Work, w: Weight, moment: str, right: float) -> float:
        """Adam's divisor of moment "m" or "v": 1 − β^t (t = 1)."""
        return right

    def denominator(self, work: Work, w: Weight, square: float, right: float) -> float:
        """RMSProp's and Adam's √square + ε (square: v, or Adam's v̂)."""
        return right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        """What the changed number ``used`` of ``factor`` is, in words."""
        return self.title

    # -- identity ----------------------------------------------------------------

    def key(self) -> tuple:
        return (self.name, self.where, self.param)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slip) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        args = [repr(self.where)] if self.where else []
        if self.param is not None:
            args.append(f"param={self.param!r}")
        return f"{type(self).__name__}({', '.join(args)})"


RIGHT = Slip()


def _sensing(spec: Spec, activations: tuple[str, ...]) -> list[str]:
    """Neurons with a slope of their own (not a fused output) whose activation is listed."""
    found = [h for h in spec.hidden if spec.activation in activations]
    if not spec.fused:
        found += [o for o in spec.outputs if spec.output in activations]
    return found


class SlopeForgotten(Slip):
    name = "slope_forgotten"
    title = "the activation derivative forgotten"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(n) for n in _sensing(spec, ("sigmoid", "tanh"))]

    def slope(self, work: Work, n: str, right: float) -> float:
        return 1.0 if self.at(n) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return "the activation derivative left out, taken as 1"


class SlopeIsOut(Slip):
    name = "slope_is_out"
    title = "out instead of the activation derivative"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(n) for n in _sensing(spec, ("sigmoid", "tanh", "relu"))]

    def slope(self, work: Work, n: str, right: float) -> float:
        return work.out[n] if self.at(n) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return f"out_{self.where} itself"


class SlopeAtNet(Slip):
    name = "slope_at_net"
    title = "the activation derivative taken at net instead of out"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(n) for n in _sensing(spec, ("sigmoid", "tanh"))]

    def slope(self, work: Work, n: str, right: float) -> float:
        if not self.at(n):
            return right
        net = work.net[n]
        return net * (1.0 - net) if work.spec.activation_of(n) == "sigmoid" else 1.0 - net * net

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        n = self.where
        formula = (
            f"net_{n}·(1 − net_{n})" if work.spec.activation_of(n) == "sigmoid" else f"1 − net_{n}²"
        )
        return f"{formula}, the slope's formula taken at net_{n} instead of out_{n}"


class ErrorSign(Slip):
    name = "error_sign"
    title = "the sign of the error (target − out)"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(o) for o in spec.outputs]

    def output_error(self, work: Work, o: str, right: float) -> float:
        return -right if self.at(o) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        o = self.where
        return f"target_{o} − out_{o}, the error with its sign flipped"


class MissingPath(Slip):
    name = "missing_path"
    title = "a path left out of a hidden neuron's sum over its outgoing links"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [
            cls(w.name) for h in spec.hidden if len(spec.outgoing(h)) > 1 for w in spec.outgoing(h)
        ]

    def blame_weight(self, work: Work, w: Weight, right: float) -> float | None:
        return None if self.at(w.name) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return f"the sum without the path through {self.where}"

    def describe(self) -> str:
        return f"the path through {self.where} left out of a hidden neuron's sum"


class UpdatedWeight(Slip):
    name = "updated_weight"
    title = "blame sent through an updated weight"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(w.name) for h in spec.hidden for w in spec.outgoing(h) if not w.frozen]

    def blame_weight(self, work: Work, w: Weight, right: float) -> float | None:
        return work.new_weight(w) if self.at(w.name) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        w = work.spec.weight(self.where)
        return (
            f"the sum with the updated {w.name} = {num(work.new_weight(w))} "
            f"instead of {w.name} = {num(w.value)}"
        )


class BiasAsZero(Slip):
    name = "bias_as_zero"
    title = "the bias treated as an input of 0"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls(w.name) for w in spec.weights if w.source in spec.biases]

    def source_value(self, work: Work, w: Weight, right: float) -> float:
        return 0.0 if self.at(w.name) and w.source in work.spec.biases else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return "0, as if the bias neuron's value were 0; it is always 1"


class _Rate(Slip):
    """Rate slips happen at one weight's update or, with where "", at every update (of plain
    gradient descent: an update rule has its own slips)."""

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        if spec.rate == 1.0 or spec.rule is not None:
            return []
        return [cls(), *(cls(w.name) for w in spec.weights if not w.frozen)]

    def _rate(self, rate: float) -> float:
        raise NotImplementedError

    def new_weight(self, work: Work, w: Weight, right: float) -> float:
        if not self.at(w.name):
            return right
        return w.value - self._rate(work.spec.rate) * work.grad[w.link]


class RateTwice(_Rate):
    name = "rate_twice"
    title = "the rate applied twice"

    def _rate(self, rate: float) -> float:
        return rate * rate

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        w = factor.removeprefix("new ")
        return f"{w} − rate·rate·∂E/∂{w}, the rate applied twice"


class RateMissing(_Rate):
    name = "rate_missing"
    title = "the rate not applied"

    def _rate(self, rate: float) -> float:
        return 1.0

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        w = factor.removeprefix("new ")
        return f"{w} − ∂E/∂{w}, the rate left out"


class RoundedEarly(Slip):
    """Every value from ``where`` on rounded to ``param`` decimal places before it is used."""

    name = "rounded_early"
    title = "rounding too early"
    PLACES = (2, 3, 4, 5, 6)

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        from lernpy.exercises.calc import order  # calc imports this module

        return [cls(name, places) for places in cls.PLACES for name in order(spec)]

    def rounded(self, work: Work, name: str, value: float) -> float:
        if work.index[name] >= work.index[self.where]:
            return round(value, self.param or 0)
        return value

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return f"{num(right)} rounded to {self.param} decimal places"

    def describe(self) -> str:
        return f"intermediate values rounded to {self.param} decimal places, from {self.where} on"


class Sequential(Slip):
    name = "sequential"
    kind = "convention"
    title = (
        "the sequential update (the output layer's weights updated before the blame "
        "passes back through them)"
    )

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        links = [w for h in spec.hidden for w in spec.outgoing(h) if not w.frozen]
        return [cls()] if links else []

    def blame_weight(self, work: Work, w: Weight, right: float) -> float | None:
        return work.new_weight(w)

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return "the sum with the output layer's updated weights"


class NoHalf(Slip):
    name = "no_half"
    kind = "convention"
    title = "E = Σ(out − target)² without the ½"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls()] if spec.loss == "half_sse" else []

    def loss_term(self, work: Work, o: str, right: float) -> float:
        return 2.0 * right

    def output_error(self, work: Work, o: str, right: float) -> float:
        return 2.0 * right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return "twice the textbook's value: E taken without the ½"


class BiasesFixed(Slip):
    name = "biases_fixed"
    kind = "convention"
    title = "the biases not updated"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        found = [w for w in spec.weights if w.source in spec.biases and not w.frozen]
        return [cls()] if found else []

    def new_weight(self, work: Work, w: Weight, right: float) -> float:
        return w.value if w.source in work.spec.biases else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        return f"{factor.removeprefix('new ')} kept as it was: the biases not updated"


# -- the update rules: Adam's bias correction, and the optimizers' conventions ------------


def _rule(spec: Spec) -> str:
    return spec.rule.name if spec.rule is not None else ""


def _weight_of(factor: str) -> str:
    """The weight a factor of an update belongs to: ``m̂_w5`` → ``w5``, ``√v̂_w5 + ε`` → ``w5``."""
    return factor.split(" + ")[0].split("_", 1)[-1]


class NoBiasCorrection(Slip):
    name = "no_bias_correction"
    title = "Adam's bias correction left out (m̂ = m, v̂ = v)"

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        if _rule(spec) != "adam":
            return []
        return [cls(), *(cls(w.name) for w in spec.weights if not w.frozen)]

    def bias_correction(self, work: Work, w: Weight, moment: str, right: float) -> float:
        return 1.0 if self.at(w.name) else right

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        moment = factor[0]
        return f"{moment}_{_weight_of(factor)} itself, without the bias correction 1/(1 − β^t)"


class _Convention(Slip):
    """A convention of an update rule: everywhere, where the exercise's rule is one of ``rules``."""

    kind = "convention"
    rules: tuple[str, ...] = ()

    @classmethod
    def points(cls, spec: Spec) -> list[Slip]:
        return [cls()] if _rule(spec) in cls.rules else []


class TextbookMomentum(_Convention):
    name = "textbook_momentum"
    rules = ("momentum",)
    title = (
        "the textbook momentum form (Δw ← μ·Δw_prev − rate·g, w ← w + Δw), the given velocity "
        "taken as the last change"
    )

    def momentum_form(self, work: Work, w: Weight) -> str:
        return "textbook"

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        n = _weight_of(factor)
        return f"μ·b_prev − rate·∂E/∂{n}, the textbook form: the velocity as the change Δ{n}"


class StepCountFromOne(_Convention):
    name = "step_count_from_one"
    rules = ("adam",)
    title = (
        "Adam's step count started at 1 and incremented first, so the first update's bias "
        "correction uses t = 2"
    )

    def bias_correction(self, work: Work, w: Weight, moment: str, right: float) -> float:
        beta = 1.0 - right  # right is 1 − β¹
        return 1.0 - beta**2

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        sub = "₁" if factor.startswith("m") else "₂"
        return f"{factor[0]}_{_weight_of(factor)}/(1 − β{sub}²): the bias correction with t = 2"


class EpsilonInside(_Convention):
    name = "epsilon_inside"
    rules = ("rmsprop", "adam")
    title = "ε inside the square root (√(v + ε), not √v + ε)"

    def denominator(self, work: Work, w: Weight, square: float, right: float) -> float:
        assert work.spec.rule is not None
        return math.sqrt(square + work.spec.rule.eps)

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        var = factor.split(" + ")[0].removeprefix("√")
        return f"√({var} + ε), with ε inside the square root"


class EpsilonHat(_Convention):
    name = "epsilon_hat"
    rules = ("adam",)
    title = "ε added to the uncorrected √v (TensorFlow's ε̂: √v̂ + ε/√(1 − β₂^t))"

    def denominator(self, work: Work, w: Weight, square: float, right: float) -> float:
        assert work.spec.rule is not None
        rule = work.spec.rule
        return math.sqrt(square) + rule.eps / math.sqrt(1.0 - rule.betas[1])

    def why(self, work: Work, factor: str, used: float, right: float) -> str:
        var = factor.split(" + ")[0]
        return f"{var} + ε/√(1 − β₂^t), TensorFlow's ε̂"


# In the order the checker and the auditor prefer them when two explain the same numbers.
SLIPS: tuple[type[Slip], ...] = (
    SlopeForgotten,
    SlopeIsOut,
    SlopeAtNet,
    ErrorSign,
    MissingPath,
    UpdatedWeight,
    BiasAsZero,
    RateTwice,
    RateMissing,
    NoBiasCorrection,
    Sequential,
    NoHalf,
    BiasesFixed,
    TextbookMomentum,
    StepCountFromOne,
    EpsilonInside,
    EpsilonHat,
    RoundedEarly,
)
BY_NAME = {cls.name: cls for cls in SLIPS}


def slips(spec: Spec) -> list[Slip]:
    """Every slip that can happen in ``spec``, each at every place it can happen."""
    return [s for cls in SLIPS for s in cls.points(spec)]
