"""An exercise you can hold: its network, its questions, its key, and a checker for answers.

>>> from lernpy import exercises
>>> ex = exercises.problem(7)
>>> ex
Problem(seed 7: 3-2-1, sigmoid/sigmoid, half_sse, rate 0.5)
>>> ex.questions
('out_h2', 'out_o1', 'E', '∂E/∂w8', '∂E/∂w2', 'new w2')
>>> ex.check("dE/dw8", 0.0331).right
False
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lernpy.data import examples
from lernpy.errors import UnknownNameError
from lernpy.exercises.calc import Work
from lernpy.exercises.names import ascii_name, canonical
from lernpy.exercises.spec import RULES, Spec, Weight, draw, with_rule
from lernpy.graph.network import Network
from lernpy.hooks import Shows
from lernpy.optim import SGD, Adam, Optimizer, RMSProp, State

if TYPE_CHECKING:
    from lernpy.exercises.check import Verdict

# Answers are right within half a unit of this many significant figures.
FIGURES = 4


@dataclass(eq=False)
class Problem(Shows):
    """One exercise: a :class:`~lernpy.exercises.spec.Spec`, the questions asked about it,
    and how precisely answers must be given (``figures`` significant figures)."""

    spec: Spec
    questions: tuple[str, ...]
    figures: int = FIGURES
    options: tuple[tuple[str, str], ...] = ()  # what was chosen, not drawn: shape, loss, …
    _work: Work | None = field(default=None, repr=False)

    # -- the numbers -------------------------------------------------------------

    @property
    def seed(self) -> int | None:
        return self.spec.seed

    @property
    def work(self) -> Work:
        """The right calculation, worked out once."""
        if self._work is None:
            self._work = Work(self.spec)
        return self._work

    def names(self) -> list[str]:
        """Every value that can be asked or checked, in the order of work."""
        return list(self.work.order)

    def name(self, name: str) -> str:
        """The canonical name of a value of this exercise (``dE/dw5`` → ``∂E/∂w5``)."""
        found = canonical(name)
        if found in self.work.index:
            return found
        for w in self.spec.weights:  # a link name for a weight: ∂E/∂h1→o1, new h1->o1
            for spelling in (w.link, w.link.replace("→", "->")):
                if spelling in found:
                    candidate = canonical(found.replace(spelling, w.name))
                    if candidate in self.work.index:
                        return candidate
        some = ", ".join(ascii_name(n) for n in self.questions)
        raise UnknownNameError(
            f"no value named {name!r} in this exercise: expected a name such as {some} "
            f"(every name: ex.names())"
        )

    def answer(self, name: str) -> float:
        """The right value of a named quantity."""
        return self.work.values[self.name(name)]

    def answers(self, names: Sequence[str] | None = None) -> dict[str, float]:
        """The right values of the questions (or of ``names``), by canonical name."""
        return {self.name(n): self.answer(n) for n in (names or self.questions)}

    def check(self, name: str, answer: float | str | Sequence[float]) -> Verdict:
        """Right or wrong, and when wrong which factor: see :func:`lernpy.exercises.check.check`."""
        from lernpy.exercises.check import check

        return check(self, name, answer)

    # -- the network -------------------------------------------------------------

    def network(self) -> Network:
        """A fresh lernpy Network with the exercise's weights and labels."""
        s = self.spec
        names = [s.inputs, s.hidden, s.outputs, s.biases]
        net = Network.layered(
            len(s.inputs),
            len(s.hidden),
            len(s.outputs),
            activation=s.activation,
            output=s.output,
            loss=s.loss,
            names=" / ".join(" ".join(group) for group in names),
            weights={w.link: w.value for w in s.weights},
        )
        for w in s.weights:
            if w.label is not None:
                net.label(w.link, w.label)
            if w.frozen:
                net.freeze(w.link)
            if s.rule is not None and s.rule.name == "momentum":  # the velocity given
                net.link(w.link).state = State("sgd", velocity=s.rule.before(w.name))
        return net

    def optimizer(self) -> Optimizer:
        """The lernpy optimizer of the exercise's update (SGD at its rate when it asks for
        plain gradient descent)."""
        s, r = self.spec, self.spec.rule
        if r is None:
            return SGD(s.rate)
        if r.name == "momentum":
            return SGD(s.rate, momentum=r.momentum)
        if r.name == "rmsprop":
            return RMSProp(s.rate, alpha=r.alpha, eps=r.eps)
        return Adam(s.rate, betas=r.betas, eps=r.eps)

    @property
    def sample(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return (self.spec.x, self.spec.target)

    # -- sheets ------------------------------------------------------------------

    @property
    def command(self) -> str:
        """The command that makes this exercise again."""
        chosen = "".join(f" --{k} {v}" for k, v in self.options)
        which = f"--seed {self.seed}" if self.seed is not None else "--mazur"
        return f"lernpy exercise {which}{chosen}"

    def sheet(self, format: str = "markdown", answers: bool = False) -> str:
        """This exercise as a sheet (text, markdown, latex, html), with its key if ``answers``."""
        from lernpy.exercises.sheets import sheet

        return sheet([self], format, answers)

    def key(self, format: str = "text") -> str:
        """The answer key: every asked value, then its chain rule with every number."""
        from lernpy.exercises.sheets import sheet

        return sheet([self], format, answers=True)

    # -- showing -----------------------------------------------------------------

    def __repr__(self) -> str:
        s = self.spec
        head = f"seed {s.seed}" if s.seed is not None else (s.title or "fixed")
        update = f", {s.rule.title}" if s.rule is not None else ""
        return (
            f"Problem({head}: {s.shape}, {s.activation}/{s.output}, {s.loss}{update}, "
            f"rate {s.rate:g})"
        )

    def __rich_repr__(self):
        yield "seed", self.seed
        yield "shape", self.spec.shape
        yield "questions", self.questions


def problem(
    seed: int,
    shape: str | Sequence[int] | None = None,
    activation: str | None = None,
    output: str | None = None,
    loss: str | None = None,
    optimizer: str | None = None,
) -> Problem:
    """The exercise of ``seed``: a small network, its sample, a rate and six questions.

    ``shape`` ("2-2-1", "3-2-2", …), ``activation`` (the hidden layer's),
    ``output`` and ``loss`` are drawn from the seed unless given. ``optimizer``
    ("momentum", "rmsprop" or "adam") asks for one update by that rule instead
    of plain gradient descent, with its state (velocities given; m̂ and v̂ of
    Adam's first update) among the questions.

    >>> problem(3, shape="2-2-1").spec.shape
    '2-2-1'
    >>> problem(7, optimizer="adam").questions[-3:]
    ('m̂_w2', 'v̂_w2', 'new w2')
    """
    if optimizer is not None and (not isinstance(optimizer, str) or optimizer not in RULES):
        raise UnknownNameError(f"optimizer {optimizer!r}: expected one of {', '.join(RULES)}")
    spec = with_rule(draw(seed, shape, activation, output, loss), optimizer, f"{optimizer} {seed}")
    chosen = (
        ("shape", shape),
        ("activation", activation),
        ("output", output),
        ("loss", loss),
        ("optimizer", optimizer),
    )
    options = tuple(
        (k, v if isinstance(v, str) else "-".join(map(str, v))) for k, v in chosen if v is not None
    )
    return Problem(spec, _questions(spec, random.Random(f"questions {seed}")), options=options)


# what each update rule asks about a weight, before its new value
ASKED = {"momentum": ("b",), "rmsprop": ("v",), "adam": ("m\u0302", "v\u0302")}


def _questions(spec: Spec, rng: random.Random) -> tuple[str, ...]:
    """One hidden value, one output value, E, an output weight's and a hidden weight's
    gradient, and that hidden weight's update (with what its update rule keeps)."""
    first = [w for w in spec.weights if w.target in spec.hidden and w.source in spec.inputs]
    second = [w for w in spec.weights if w.target in spec.outputs and w.source in spec.hidden]
    hidden_weight = rng.choice(first)
    rule = spec.rule.name if spec.rule is not None else ""
    return (
        f"out_{rng.choice(spec.hidden)}",
        f"out_{rng.choice(spec.outputs)}",
        "E",
        f"∂E/∂{rng.choice(second).name}",
        f"∂E/∂{hidden_weight.name}",
        *(f"{s}_{hidden_weight.name}" for s in ASKED.get(rule, ())),
        f"new {hidden_weight.name}",
    )


def mazur(optimizer: str | None = None) -> Problem:
    """Matt Mazur's worked example (2015) as an exercise: his weights, sample and questions;
    with ``optimizer`` ("momentum", "rmsprop", "adam"), one update by that rule instead.

    >>> round(mazur().answer("dE/dw5"), 9)
    0.082167041
    >>> round(mazur(optimizer="adam").answer("m̂_w5"), 9)  # Adam's first m̂ is the gradient
    0.082167041
    """
    net = examples.mazur()
    weights = tuple(
        Weight(link.label, link.source.name, link.target.name, link.weight, link.frozen)
        for link in net.links
    )
    spec = Spec(
        seed=None,
        inputs=("i1", "i2"),
        hidden=("h1", "h2"),
        outputs=("o1", "o2"),
        biases=("b1", "b2"),
        activation="sigmoid",
        output="sigmoid",
        loss="half_sse",
        weights=weights,
        x=examples.MAZUR_SAMPLE[0],
        target=examples.MAZUR_SAMPLE[1],
        rate=examples.MAZUR_RATE,
        title="Mazur's worked example",
    )
    if optimizer is None:
        return Problem(spec, ("out_h1", "out_o1", "E", "∂E/∂w5", "∂E/∂w1", "new w5", "new w1"))
    if not isinstance(optimizer, str) or optimizer not in RULES:
        raise UnknownNameError(f"optimizer {optimizer!r}: expected one of {', '.join(RULES)}")
    spec = with_rule(spec, optimizer, f"{optimizer} mazur")
    asked = [f"{s}_{w}" for w in ("w5", "w1") for s in ASKED[optimizer]]
    questions = ("out_h1", "out_o1", "E", "∂E/∂w5", "∂E/∂w1", *asked, "new w5", "new w1")
    return Problem(spec, questions, options=(("optimizer", optimizer),))
