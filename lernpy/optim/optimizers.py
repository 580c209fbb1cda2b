"""The optimizers, each an update rule with PyTorch's formulas and defaults.

An optimizer is a frozen set of settings. Its :meth:`Optimizer.update` is a pure
function: given one weight's state, its gradient, the weight and the rate, it
returns a :class:`Move` (the new weight, the step, the new state) and, when
asked, every line of the formula with its numbers. Nothing else is touched, so
a Link, or a shared weight that moves several links with their summed gradient,
calls the same code. The formulas, defaults and conventions are in
``docs/optimizers.md``; each convention that changes numbers is a named option
whose default is PyTorch's.

>>> from lernpy.optim.state import FRESH
>>> sgd = SGD(rate=0.1, momentum=0.9)
>>> first = sgd.update(FRESH, 2.0, weight=1.0)
>>> first.weight, first.state
(0.8, State(sgd, velocity=2.0))
>>> round(sgd.update(first.state, 2.0, weight=first.weight).weight, 12)  # b = 0.9 × 2 + 2
0.42
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import ClassVar, NamedTuple

from lernpy import checks
from lernpy.errors import BadValueError, LernpyError, UnknownNameError
from lernpy.optim.formula import (
    ALPHA,
    B1,
    B2,
    B_PREV,
    CLIP,
    DEDW,
    DENOM,
    DW,
    DW_PREV,
    EPS,
    ETA,
    EXP,
    GAVE,
    GAVE_PREV,
    LAMBDA,
    M_PREV,
    MAX_NORM,
    MHAT,
    MU,
    NORM,
    RATE,
    RATE_T,
    SILENT,
    SQ,
    SQ_PREV,
    SUM,
    SUM_PREV,
    T_PREV,
    TAU,
    V_PREV,
    VHAT,
    VMAX,
    VMAX_PREV,
    VTILDE,
    B,
    C,
    D,
    G,
    Line,
    M,
    Pow,
    Sqrt,
    T,
    V,
    W,
    Writer,
)
from lernpy.optim.state import FIELDS, FRESH, State

# torch.nn.utils.clip_grad_norm_ divides by the norm plus this, so a zero norm is harmless
NORM_EPS = 1e-6


class Move(NamedTuple):
    """What one update does: the new weight, the step (new − old), the new state (the
    state given, None included, when the rule keeps none), and, when asked for, each
    line of the formula with its numbers."""

    weight: float
    step: float
    state: State | None
    lines: tuple[Line, ...] = ()


def _check(
    owner: str,
    name: str,
    value: object,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = True,
) -> float:
    """A finite number in the range, or a BadValueError that names the option."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BadValueError(f"{owner}: {name} is {checks.short(value)}: expected a number")
    try:
        value = float(value)  # numpy numbers too
    except OverflowError:
        value = math.inf
    if math.isnan(value):
        raise BadValueError(f"{owner}: {name} is {value!r}: expected a number")
    ok = (value > low if low_open else value >= low) and (
        value < high if high_open else value <= high
    )
    if not ok or math.isinf(value):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise BadValueError(
            f"{owner}: {name} is {value!r}: expected a finite number in {left}{low}, {high}{right}"
        )
    return float(value)


def _choice(owner: str, name: str, value: object, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise UnknownNameError(
            f"{owner}: {name} is {value!r}: expected one of {', '.join(map(repr, choices))}"
        )


@dataclass(frozen=True)
class Optimizer:
    """What every optimizer shares: the rate, weight decay and gradient clipping.

    - ``rate``: the learning rate γ (a rate given to ``train``, such as a schedule's,
      overrides it)
    - ``weight_decay``: λ of L2 regularisation; ``decay``: "coupled" adds λ·w to the
      gradient (PyTorch's ``weight_decay`` in SGD, AdaGrad, RMSProp, Adam), "decoupled"
      shrinks the weight by rate·λ·w before the update (AdamW)
    - ``clip_norm``: scale the gradients so that their global norm (over all the
      weights of an update) is at most this (``torch.nn.utils.clip_grad_norm_``)
    - ``clip_value``: clamp each gradient to [−clip_value, clip_value]
      (``torch.nn.utils.clip_grad_value_``); both clip before the decay is added
    """

    rate: float = 0.001
    weight_decay: float = 0.0
    decay: str = "coupled"
    clip_norm: float | None = None
    clip_value: float | None = None

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __post_init__(self) -> None:
        owner = type(self).__name__
        _check(owner, "rate", self.rate, 0.0)
        _check(owner, "weight_decay", self.weight_decay, 0.0)
        _choice(owner, "decay", self.decay, ("coupled", "decoupled"))
        if self.clip_norm is not None:
            _check(owner, "clip_norm", self.clip_norm, 0.0, low_open=True)
        if self.clip_value is not None:
            _check(owner, "clip_value", self.clip_value, 0.0, low_open=True)
        self.check()

    def check(self) -> None:
        """Each optimizer checks its own options (a LernpyError naming the option)."""

    # -- the state ---------------------------------------------------------------

    @property
    def kind(self) -> str:
        """The kind of State this optimizer keeps."""
        return self.name

    def fields(self) -> tuple[str, ...]:
        """The state's numbers this optimizer, with these options, uses."""
        return FIELDS[self.kind]

    def start(self, state: State | None) -> State:
        """The state to update from: ``state`` if it is this kind's, else fresh (None is fresh)."""
        return state if state is not None and state.kind in ("", self.kind) else FRESH

    @property
    def plain(self) -> bool:
        """Is this plain gradient descent, w ← w − rate · ∂E/∂w (no state, decay or clipping)?"""
        return False

    @property
    def clips(self) -> bool:
        return self.clip_norm is not None or self.clip_value is not None

    # -- the update ----------------------------------------------------------------

    def update(
        self,
        state: State | None,
        gradient: float,
        weight: float,
        rate: float | None = None,
        norm: float | None = None,
        show: bool = False,
    ) -> Move:
        """One weight's update: the new weight and state from its gradient ∂E/∂w.

        ``rate`` overrides the optimizer's own (a schedule's rate); ``norm`` is the
        global norm of all the gradients of this update, for ``clip_norm`` (None: this
        gradient's own size); ``show`` returns each line of the formula with its numbers.
        """
        rate = self.rate if rate is None else rate
        given, state = state, self.start(state)
        out = Writer(show) if show else SILENT
        out.given(DEDW, gradient)
        out.given(W, weight)
        out.given(RATE, rate)
        g = gradient
        if self.clip_norm is not None:
            norm = abs(gradient) if norm is None else norm
            c = min(1.0, self.clip_norm / (norm + NORM_EPS))
            out.line(
                C,
                ("min", "(", "1", ",", MAX_NORM, "/", "(", NORM, "+", "10⁻⁶", ")", ")"),
                c,
                "=",
                "the clipping factor from the global norm of every gradient of this update",
                given={MAX_NORM: self.clip_norm, NORM: norm},
            )
            g = g * c
            out.line(G, (C, "·", DEDW), g, "=")
        if self.clip_value is not None:
            k = self.clip_value
            clipped = min(max(g, -k), k)
            last = G if self.clip_norm is not None else DEDW
            out.line(
                G,
                ("min", "(", "max", "(", last, ",", "−", CLIP, ")", ",", CLIP, ")"),
                clipped,
                "=",
                "clipped by value",
                given={CLIP: k},
            )
            g = clipped
        if self.weight_decay and self.decay == "coupled":
            last = G if self.clips else DEDW
            decayed = g + self.weight_decay * weight
            out.line(
                G,
                (last, "+", LAMBDA, "·", W),
                decayed,
                "=",
                "L2 weight decay, coupled: added to the gradient",
                given={LAMBDA: self.weight_decay},
            )
            g = decayed
        elif not self.clips:
            out.line(G, (DEDW,), g, "=", "the gradient this update uses")
        w = weight
        if self.weight_decay and self.decay == "decoupled":
            # PyTorch's AdamW multiplies: w · (1 − rate · λ)
            w = weight * (1.0 - rate * self.weight_decay)
            out.line(
                W,
                (W, "·", "(", "1", "−", RATE, "·", LAMBDA, ")"),
                w,
                "=",
                "weight decay, decoupled: the weight shrinks before the update",
                given={LAMBDA: self.weight_decay},
            )
        new, after = self.rule(state, g, w, rate, out)
        if after is None:  # the rule keeps no state: the weight's own is left alone
            after = given
        return Move(new, new - weight, after, tuple(out.lines))

    def apply(
        self,
        state: State | None,
        gradient: float,
        weight: float,
        rate: float | None = None,
        norm: float | None = None,
    ) -> tuple[float, State | None]:
        """:meth:`update` as training's loop wants it: just (the new weight, the new state)."""
        move = self.update(state, gradient, weight, rate, norm)
        return move.weight, move.state

    def rule(self, state: State, g: float, w: float, rate: float, out: Writer) -> tuple:
        """The optimizer's own rule: (new weight, new state, or None to leave it) from g."""
        raise NotImplementedError

    def formulas(self) -> tuple[Line, ...]:
        """The lines of an update (after the first), for documentation and tables."""
        after_one = self.update(FRESH, 0.5, 0.25, norm=0.75).state
        return self.update(after_one, 0.3, 0.2, norm=0.75, show=True).lines

    # -- files ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """The settings as plain values: ``{"name": "adam", "rate": 0.001, ...}``."""
        out: dict[str, object] = {"name": self.name}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """One line: the optimizer and every option that differs from its default."""
        changed = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "rate" or value != f.default:
                changed.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


# -- SGD ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SGD(Optimizer):
    """Gradient descent, with momentum (PyTorch's ``torch.optim.SGD``).

    ``momentum`` μ, ``dampening`` τ and ``nesterov`` as in PyTorch. ``momentum_form``:

    - "pytorch" (the default, as in PyTorch, MXNet, optax): b ← μ·b + (1 − τ)·g
      (b ← g at the first update), w ← w − rate · b;
    - "textbook" (Rumelhart, Hinton & Williams 1986, Keras): Δw ← μ·Δw_prev − rate·g,
      w ← w + Δw; the state keeps the last change Δw.

    The two agree while the rate is constant; under a rate schedule they differ (the
    textbook form keeps old rates inside Δw_prev). With Nesterov, "pytorch" takes
    w ← w − rate · (g + μ·b) and "textbook" w ← w + μ·Δw − rate·g (Keras; Bengio et al.
    2013's form of Sutskever's look-ahead, which itself needs a gradient at a shifted
    weight and is not a rule of one gradient).
    """

    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    momentum_form: str = "pytorch"

    name: ClassVar[str] = "sgd"
    title: ClassVar[str] = "SGD"

    def check(self) -> None:
        _check("SGD", "momentum", self.momentum, 0.0, 1.0)
        _check("SGD", "dampening", self.dampening, 0.0, 1.0, high_open=False)
        _choice("SGD", "momentum_form", self.momentum_form, ("pytorch", "textbook"))
        if not isinstance(self.nesterov, bool):
            raise BadValueError(f"SGD: nesterov is {self.nesterov!r}: expected True or False")
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise LernpyError(
                "SGD: nesterov=True needs a momentum > 0 and dampening 0 (as in PyTorch)"
            )
        # the short cut of apply(), decided once (training calls apply() per weight per batch)
        short = not (self.weight_decay or self.clips or self.nesterov or self.dampening)
        object.__setattr__(self, "_short", short)
        if self.dampening and self.momentum_form == "textbook":
            raise LernpyError(
                "SGD: dampening belongs to the pytorch form (momentum_form='pytorch')"
            )

    @property
    def kind(self) -> str:
        return "sgd" if self.momentum_form == "pytorch" else "sgd-textbook"

    def fields(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum else ()

    @property
    def plain(self) -> bool:
        return self.momentum == 0.0 and not self.weight_decay and not self.clips

    def apply(
        self,
        state: State | None,
        gradient: float,
        weight: float,
        rate: float | None = None,
        norm: float | None = None,
    ) -> tuple[float, State | None]:
        """As :meth:`Optimizer.apply`; momentum without decay or clipping takes a short cut.

        Training's hot loop: the same arithmetic as :meth:`rule`, without writing it
        out (``tests/test_optim.py`` holds the two equal, bit for bit).
        """
        if not self._short:  # type: ignore[attr-defined]
            return super().apply(state, gradient, weight, rate, norm)
        rate = self.rate if rate is None else rate
        mu = self.momentum
        if mu == 0.0:
            return weight - rate * gradient, state
        textbook = self.momentum_form == "textbook"
        kind = "sgd-textbook" if textbook else "sgd"
        fresh = state is None or state.kind != kind
        if textbook:
            change = mu * (0.0 if fresh else state.velocity) - rate * gradient  # type: ignore[union-attr]
            return weight + change, State(kind, 0, change)
        b = gradient if fresh else mu * state.velocity + gradient  # type: ignore[union-attr]
        return weight - rate * b, State(kind, 0, b)

    def update(
        self,
        state: State | None,
        gradient: float,
        weight: float,
        rate: float | None = None,
        norm: float | None = None,
        show: bool = False,
    ) -> Move:
        """As :meth:`Optimizer.update` (by :meth:`apply`'s short cut when nothing is shown)."""
        if show or not self._short:  # type: ignore[attr-defined]
            return super().update(state, gradient, weight, rate, norm, show)
        new, after = self.apply(state, gradient, weight, rate, norm)
        return Move(new, new - weight, after)

    def rule(self, state: State, g: float, w: float, rate: float, out: Writer) -> tuple:
        mu = self.momentum
        if mu == 0.0:  # no momentum, no state (PyTorch keeps no buffer)
            new = w - rate * g
            out.line(W, (W, "−", RATE, "·", G), new)
            return new, None
        out.given(MU, mu)
        if self.momentum_form == "textbook":
            out.given(DW_PREV, state.velocity)
            change = mu * state.velocity - rate * g
            out.line(
                DW,
                (MU, "·", DW_PREV, "−", RATE, "·", G),
                change,
                note="the change keeps a share μ of the last one",
            )
            if self.nesterov:
                new = w + (mu * change - rate * g)
                out.line(
                    W,
                    (W, "+", MU, "·", DW, "−", RATE, "·", G),
                    new,
                    note="Nesterov: one more momentum step ahead",
                )
            else:
                new = w + change
                out.line(W, (W, "+", DW), new)
            return new, State(self.kind, velocity=change)
        tau = self.dampening
        if state.fresh:  # PyTorch: a new buffer is the gradient itself
            b = g
            out.line(B, (G,), b, note="the first update: the velocity starts as the gradient")
        else:
            out.given(B_PREV, state.velocity)
            b = mu * state.velocity + (1.0 - tau) * g
            if tau:
                out.line(
                    B, (MU, "·", B_PREV, "+", "(", "1", "−", TAU, ")", "·", G), b, given={TAU: tau}
                )
            else:
                out.line(B, (MU, "·", B_PREV, "+", G), b, note="the velocity: μ of the last plus g")
        if self.nesterov:
            d = g + mu * b
            out.line(D, (G, "+", MU, "·", B), d, "=", "Nesterov: the gradient plus a look ahead")
            new = w - rate * d
            out.line(W, (W, "−", RATE, "·", D), new)
        else:
            new = w - rate * b
            out.line(W, (W, "−", RATE, "·", B), new)
        return new, State(self.kind, velocity=b)


# -- AdaGrad ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdaGrad(Optimizer):
    """AdaGrad (PyTorch's ``torch.optim.Adagrad``): the rate divided by √(Σ g²).

    ``lr_decay`` η, ``initial_accumulator_value`` and ``eps`` as in PyTorch;
    ``epsilon``: "outside" the square root (√sum + ε, PyTorch) or "inside" (√(sum + ε)).
    """

    rate: float = 0.01
    lr_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10
    epsilon: str = "outside"

    name: ClassVar[str] = "adagrad"
    title: ClassVar[str] = "AdaGrad"

    def check(self) -> None:
        _check("AdaGrad", "lr_decay", self.lr_decay, 0.0)
        _check("AdaGrad", "initial_accumulator_value", self.initial_accumulator_value, 0.0)
        _check("AdaGrad", "eps", self.eps, 0.0)
        _choice("AdaGrad", "epsilon", self.epsilon, ("outside", "inside"))

    def rule(self, state: State, g: float, w: float, rate: float, out: Writer) -> tuple:
        t = state.t + 1
        out.line(T, (T_PREV, "+", "1"), t, given={T_PREV: state.t})
        rate_t = rate
        if self.lr_decay:
            rate_t = rate / (1 + (t - 1) * self.lr_decay)
            out.line(
                RATE_T,
                (RATE, "/", "(", "1", "+", "(", T, "−", "1", ")", "·", ETA, ")"),
                rate_t,
                "=",
                given={ETA: self.lr_decay},
            )
        before = state.sum if not state.fresh else self.initial_accumulator_value
        total = before + g * g
        out.line(SUM, (SUM_PREV, "+", Pow(G, "2")), total, given={SUM_PREV: before})
        denom = _denominator(self.epsilon, total, self.eps, SUM, out)
        new = w - rate_t * (g / denom)
        out.line(W, (W, "−", RATE_T if self.lr_decay else RATE, "·", G, "/", DENOM), new)
        return new, State("adagrad", t=t, sum=total)


def _denominator(where: str, square: float, eps: float, var, out: Writer) -> float:
    """√square + ε ("outside", PyTorch) or √(square + ε) ("inside")."""
    out.given(EPS, eps)
    if where == "inside":
        denom = math.sqrt(square + eps)
        out.line(DENOM, (Sqrt((var, "+", EPS)),), denom, "=", "ε inside the square root")
    else:
        denom = math.sqrt(square) + eps
        out.line(DENOM, (Sqrt((var,)), "+", EPS), denom, "=")
    return denom


# -- RMSProp ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp (PyTorch's ``torch.optim.RMSprop``): the rate divided by a running √(g²).

    ``alpha`` α (the average's decay), ``eps``, ``momentum`` μ and ``centered`` as in
    PyTorch; ``epsilon``: "outside" (√ṽ + ε, PyTorch) or "inside" (√(ṽ + ε)).
    """

    rate: float = 0.01
    alpha: float = 0.99
    eps: float = 1e-8
    momentum: float = 0.0
    centered: bool = False
    epsilon: str = "outside"

    name: ClassVar[str] = "rmsprop"
    title: ClassVar[str] = "RMSProp"

    def check(self) -> None:
        _check("RMSProp", "alpha", self.alpha, 0.0, 1.0, high_open=False)
        _check("RMSProp", "eps", self.eps, 0.0)
        _check("RMSProp", "momentum", self.momentum, 0.0, 1.0)
        if not isinstance(self.centered, bool):
            raise BadValueError(f"RMSProp: centered is {self.centered!r}: expected True or False")
        _choice("RMSProp", "epsilon", self.epsilon, ("outside", "inside"))

    def fields(self) -> tuple[str, ...]:
        return (
            ("t", "square")
            + (("grad_avg",) if self.centered else ())
            + (("velocity",) if self.momentum else ())
        )

    def rule(self, state: State, g: float, w: float, rate: float, out: Writer) -> tuple:
        a = self.alpha
        out.given(ALPHA, a)
        t = state.t + 1
        square = a * state.square + (1.0 - a) * (g * g)
        out.line(
            SQ,
            (ALPHA, "·", SQ_PREV, "+", "(", "1", "−", ALPHA, ")", "·", Pow(G, "2")),
            square,
            given={SQ_PREV: state.square},
            note="the square average: a running mean of g²",
        )
        grad_avg = 0.0
        if self.centered:
            grad_avg = a * state.grad_avg + (1.0 - a) * g
            out.line(
                GAVE,
                (ALPHA, "·", GAVE_PREV, "+", "(", "1", "−", ALPHA, ")", "·", G),
                grad_avg,
                given={GAVE_PREV: state.grad_avg},
            )
            centred = square - grad_avg * grad_avg
            out.line(
                VTILDE,
                (SQ, "−", Pow(GAVE, "2")),
                centred,
                "=",
                "centred: the variance of g, not its mean square",
            )
            denom = _denominator(self.epsilon, centred, self.eps, VTILDE, out)
        else:
            denom = _denominator(self.epsilon, square, self.eps, SQ, out)
        velocity = 0.0
        if self.momentum:
            velocity = self.momentum * state.velocity + g / denom
            out.line(
                B,
                (MU, "·", B_PREV, "+", G, "/", DENOM),
                velocity,
                given={MU: self.momentum, B_PREV: state.velocity},
            )
            new = w - rate * velocity
            out.line(W, (W, "−", RATE, "·", B), new)
        else:
            new = w - rate * (g / denom)
            out.line(W, (W, "−", RATE, "·", G, "/", DENOM), new)
        return new, State("rmsprop", t=t, square=square, grad_avg=grad_avg, velocity=velocity)


# -- Adam, AdamW --------------------------------------------------------------------------


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (PyTorch's ``torch.optim.Adam``), with AMSGrad.

    ``betas`` (β₁, β₂), ``eps`` ε and ``amsgrad`` as in PyTorch. Conventions, each a
    named option with PyTorch's choice first:

    - ``epsilon``: "outside" (m̂ / (√v̂ + ε), PyTorch, Kingma & Ba's Algorithm 1),
      "inside" (m̂ / √(v̂ + ε)), or "hat" (ε added to the uncorrected √v:
      (√v + ε)/√(1 − β₂ᵗ), TensorFlow and Keras, Kingma & Ba's ε̂ of section 2)
    - ``first_step``: the step count t of the first update's bias correction
      (1: the count is incremented before the correction, as in PyTorch; 2: a
      count that starts at 1 and is incremented first, as some course keys do)
    """

    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    amsgrad: bool = False
    epsilon: str = "outside"
    first_step: int = 1

    name: ClassVar[str] = "adam"
    title: ClassVar[str] = "Adam"

    def check(self) -> None:
        owner = type(self).__name__
        betas = self.betas
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise BadValueError(f"{owner}: betas is {betas!r}: expected two numbers (β₁, β₂)")
        _check(owner, "beta1", betas[0], 0.0, 1.0)
        _check(owner, "beta2", betas[1], 0.0, 1.0)
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))
        _check(owner, "eps", self.eps, 0.0)
        if not isinstance(self.amsgrad, bool):
            raise BadValueError(f"{owner}: amsgrad is {self.amsgrad!r}: expected True or False")
        _choice(owner, "epsilon", self.epsilon, ("outside", "inside", "hat"))
        fs = self.first_step
        if isinstance(fs, bool) or not isinstance(fs, int) or fs < 1:
            raise BadValueError(f"{owner}: first_step is {fs!r}: expected a whole number ≥ 1")

    @property
    def kind(self) -> str:
        return "adam"

    def fields(self) -> tuple[str, ...]:
        return ("t", "m", "v") + (("v_max",) if self.amsgrad else ())

    def rule(self, state: State, g: float, w: float, rate: float, out: Writer) -> tuple:
        b1, b2 = self.betas
        out.given(B1, b1)
        out.given(B2, b2)
        t = state.t + 1
        out.line(T, (T_PREV, "+", "1"), t, given={T_PREV: state.t})
        k = t + self.first_step - 1  # the exponent of the bias correction
        if self.first_step != 1:
            out.line(
                EXP,
                (T, "+", str(self.first_step - 1)),
                k,
                "=",
                f"first_step={self.first_step}: the bias correction counts from there",
            )
        power = EXP if self.first_step != 1 else T
        m = b1 * state.m + (1.0 - b1) * g
        out.line(
            M,
            (B1, "·", M_PREV, "+", "(", "1", "−", B1, ")", "·", G),
            m,
            given={M_PREV: state.m},
            note="the first moment: a running mean of g",
        )
        v = b2 * state.v + (1.0 - b2) * (g * g)
        out.line(
            V,
            (B2, "·", V_PREV, "+", "(", "1", "−", B2, ")", "·", Pow(G, "2")),
            v,
            given={V_PREV: state.v},
            note="the second moment: a running mean of g²",
        )
        bc1 = 1.0 - b1**k
        bc2 = 1.0 - b2**k
        m_hat = m / bc1
        out.line(
            MHAT,
            (M, "/", "(", "1", "−", Pow(B1, power), ")"),
            m_hat,
            "=",
            "bias correction: m started at 0",
        )
        v_max = 0.0
        second, name = v, V
        if self.amsgrad:
            v_max = max(state.v_max, v)
            out.line(
                VMAX,
                ("max", "(", VMAX_PREV, ",", V, ")"),
                v_max,
                given={VMAX_PREV: state.v_max},
                note="AMSGrad: the largest v so far",
            )
            second, name = v_max, VMAX
        v_hat = second / bc2
        out.line(VHAT, (name, "/", "(", "1", "−", Pow(B2, power), ")"), v_hat, "=")
        out.given(EPS, self.eps)
        if self.epsilon == "hat":
            denom = math.sqrt(v_hat) + self.eps / math.sqrt(bc2)
            out.line(
                DENOM,
                (Sqrt((VHAT,)), "+", EPS, "/", Sqrt(("1", "−", Pow(B2, power)))),
                denom,
                "=",
                "ε̂: ε added to the uncorrected √v (TensorFlow, Keras)",
            )
        else:
            denom = _denominator(self.epsilon, v_hat, self.eps, VHAT, out)
        new = w - rate * (m_hat / denom)
        out.line(W, (W, "−", RATE, "·", MHAT, "/", DENOM), new)
        return new, State("adam", t=t, m=m, v=v, v_max=v_max)


@dataclass(frozen=True)
class AdamW(Adam):
    """AdamW (PyTorch's ``torch.optim.AdamW``): Adam with decoupled weight decay, λ = 0.01.

    The weight shrinks by rate·λ·w before Adam's step (Loshchilov & Hutter 2019);
    the gradient is not changed.
    """

    weight_decay: float = 0.01
    decay: str = "decoupled"

    name: ClassVar[str] = "adamw"
    title: ClassVar[str] = "AdamW"


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, AdaGrad, RMSProp, Adam, AdamW)
}


def optimizer(spec: str | Optimizer) -> Optimizer:
    """An optimizer by name ("sgd", "adagrad", "rmsprop", "adam", "adamw"), or passed through.

    >>> optimizer("adam").describe()
    'Adam(rate=0.001)'
    """
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str) and spec.lower() in OPTIMIZERS:
        return OPTIMIZERS[spec.lower()]()
    names = ", ".join(OPTIMIZERS)
    raise UnknownNameError(f"unknown optimizer {spec!r}: expected one of {names}, or an Optimizer")


def from_dict(data: dict) -> Optimizer:
    """An optimizer from :meth:`Optimizer.to_dict`'s plain values (checked as it is built)."""
    if not isinstance(data, dict) or data.get("name") not in OPTIMIZERS:
        raise UnknownNameError(f"not an optimizer's settings: {data!r}")
    cls = OPTIMIZERS[data["name"]]
    known = {f.name for f in fields(cls)}
    options = {k: v for k, v in data.items() if k != "name"}
    unknown = set(options) - known
    if unknown:
        raise UnknownNameError(f"{cls.__name__} has no option {', '.join(sorted(unknown))}")
    if "betas" in options and isinstance(options["betas"], list):
        options["betas"] = tuple(options["betas"])
    return cls(**options)


DEFAULT_RATE = 0.5  # the shorthand's rate (train(rate=...)) when none is given


def choose(
    spec: str | Optimizer | None, rate: float | None = None, momentum: float | None = None
) -> tuple[Optimizer, float | None]:
    """The optimizer and rate of a training call: ``optimizer=``, or the ``rate=``/``momentum=``
    shorthand for ``SGD(rate, momentum)``.

    A ``rate`` given with an optimizer is the rate of this call (what a schedule
    passes): the optimizer returned is a copy with that rate. Without one the
    optimizer's own rate is used.

    >>> choose(None, 0.1, 0.9)[0].describe()
    'SGD(rate=0.1, momentum=0.9)'
    >>> choose("adam", 0.01)[1]
    0.01
    """
    if spec is None:
        # (optimizers are frozen: the shorthand's, made and checked once per rate and momentum,
        # which a train() call per epoch would otherwise pay for every epoch)
        # (a zero is not kept: 0.0 == -0.0, but a weight of -0.0 moves to another zero)
        plain = type(rate) in _PLAIN and type(momentum) in _PLAIN
        key = (rate, momentum) if plain and rate != 0 and momentum != 0 else None
        sgd = _SHORTHAND.get(key) if key is not None else None
        if sgd is None:
            sgd = SGD(
                rate=DEFAULT_RATE if rate is None else _rate(rate),
                momentum=0.0 if momentum is None else _momentum(momentum),
            )
            if key is not None:
                if len(_SHORTHAND) >= 256:
                    _SHORTHAND.clear()
                _SHORTHAND[key] = sgd
        return sgd, sgd.rate
    if momentum is not None:
        raise LernpyError(
            "momentum= is shorthand for SGD(momentum=…); with an optimizer, give the momentum "
            "to the optimizer"
        )
    chosen = optimizer(spec)
    rate = None if rate is None else _rate(rate)
    if rate is not None and rate != chosen.rate:  # this call's rate, as the optimizer's own
        chosen = replace(chosen, rate=_rate(rate))
    return chosen, chosen.rate


_PLAIN = (float, int, type(None))  # (exactly these: a bool or a numpy number is checked anew)
_SHORTHAND: dict[tuple, SGD] = {}


def _rate(rate: object) -> float:
    return checks.number(rate, "rate", low=0.0)  # numpy numbers too; past the floats refused


def _momentum(momentum: object) -> float:
    value = checks.number(momentum, "momentum", low=0.0)
    if value >= 1.0:
        raise LernpyError(f"momentum is {value}: expected a number in [0, 1)")
    return value


def global_norm(gradients: Iterable[float]) -> float:
    """√(Σ g²) over every gradient of one update, summed in order (``clip_norm``'s norm)."""
    total = 0.0
    for g in gradients:
        total += g * g
    return math.sqrt(total)
