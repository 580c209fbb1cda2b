"""The lesson page in exercise mode: it replays the exercise and stops before each asked number.

The page is :func:`lernpy.pictures.lesson_html` with the exercise's questions:
the student steps through the forward pass, the loss and the backward pass, and
the page will not go past the step that shows an asked number until that number
is typed. A wrong number gets the checker's diagnosis (worked out here for every
known mistake, so the page needs no server). A look at the page's source shows
every number: the page hides the numbers, it does not keep them secret.

>>> from lernpy import exercises
>>> page = exercise_html(exercises.mazur())
>>> '"exercise"' in page and "the activation derivative forgotten at o1" in page
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lernpy.exercises.check import mistakes, tolerance
from lernpy.exercises.names import ascii_name
from lernpy.pictures.lesson import lesson_html
from lernpy.views.formulas import num

if TYPE_CHECKING:
    from lernpy.exercises.problem import Problem


def locate(problem: Problem, name: str, neurons: list[str], links: list[str]) -> dict:
    """The first step of the walk that shows ``name``: its kind and the neuron or link."""
    spec = problem.spec
    if name == "E" or name.startswith("E_"):
        return {"k": "Scored"}
    if name.startswith("new "):
        return {"k": "Updated", "f": ["link", links.index(spec.weight(name[4:]).link)]}
    if name in problem.work.about:  # an update rule's value (m̂_w5): shown with the update
        return {
            "k": "Updated",
            "f": ["link", links.index(spec.weight(problem.work.about[name]).link)],
        }
    if name.startswith(("net_", "out_")):
        return {"k": "Fired", "f": ["neuron", neurons.index(name.split("_", 1)[1])]}
    if name.startswith(("∂E/∂out_", "∂E/∂net_", "∂out_")):
        neuron = name.rsplit("_", 1)[1]
        return {"k": "Sensed", "f": ["neuron", neurons.index(neuron)]}
    return {"k": "Learned", "f": ["link", links.index(spec.weight(name[4:]).link)]}


def exercise_payload(problem: Problem) -> dict:
    """What the page's exercise mode needs: each question, where it shows, its mistakes."""
    net = problem.network()
    neurons = [n.name for n in net.neurons]
    links = [link.name for link in net.links]
    questions = []
    for name in problem.questions:
        x = problem.answer(name)
        questions.append(
            {
                "name": name,
                "ascii": ascii_name(name),
                "value": x,
                "tol": tolerance(x, problem.figures),
                "at": locate(problem, name, neurons, links),
                "mistakes": [
                    {"value": v, "tol": tolerance(v, problem.figures), "message": m}
                    for v, m in mistakes(problem, name)
                ],
            }
        )
    spec = problem.spec
    inputs = ", ".join(f"{n} = {num(v)}" for n, v in zip(spec.inputs, spec.x))
    targets = ", ".join(f"{n} = {num(v)}" for n, v in zip(spec.outputs, spec.target))
    intro = (
        f"inputs {inputs}; targets {targets}; {_update(spec)}. Step through the "
        f"sample; the page stops before each number asked below until you type it "
        f"({problem.figures} significant figures)."
    )
    return {"intro": intro, "figures": problem.figures, "questions": questions}


def _update(spec) -> str:
    """The update in a few words: the rate, and the rule when it is not gradient descent."""
    if spec.rule is None:
        return f"rate {num(spec.rate)}"
    return f"one update by {spec.rule.title} at rate {num(spec.rate)}"


def exercise_html(problem: Problem, title: str | None = None) -> str:
    """The lesson page of ``problem`` in exercise mode (one self-contained HTML file)."""
    heading = title or (
        f"Exercise, seed {problem.seed}" if problem.seed is not None else problem.spec.title
    )
    rule = problem.spec.rule
    update = {"rate": problem.spec.rate} if rule is None else {"optimizer": problem.optimizer()}
    return lesson_html(
        problem.network(),
        [problem.sample],
        title=heading,
        exercise=exercise_payload(problem),
        **update,
    )
