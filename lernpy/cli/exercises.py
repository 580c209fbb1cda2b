"""``lernpy exercise`` (ask, or write sheets and keys) and ``lernpy audit`` (check a published key).

``lernpy exercise --seed 7`` prints the exercise and asks question by question;
each answer (a number, or the factors of a chain rule: ``0.74 × 0.19 × 0.59``)
is checked, and a wrong one is named. ``--variants 20 --format latex -o
sheet.tex`` writes a sheet of 20 variants (seeds 7 to 26 with ``--seed 7``),
``--answers`` adds the key, ``--lesson -o page.html`` writes the lesson page in
exercise mode; ``--optimizer adam`` (or momentum, rmsprop) asks for one update
by that rule. ``lernpy audit key.csv --seed 7`` compares someone's key with
lernpy's numbers (exit 0: every number agrees, 3: one disagrees).
"""

from __future__ import annotations

import argparse
import sys

from lernpy.data.netfile import NetworkFileError
from lernpy.errors import LernpyError
from lernpy.exercises import audit, mazur, problem
from lernpy.exercises.page import exercise_html
from lernpy.exercises.problem import Problem
from lernpy.exercises.sheets import FORMATS, explanations, sheet
from lernpy.exercises.spec import HIDDEN, LOSSES, OUTPUT, RULES
from lernpy.files import read_text, write_atomically

DISAGREES = 3  # lernpy audit's exit code when the key disagrees
MAX_VARIANTS = 10_000  # a sheet for a very large class takes seconds; 10**8 took days


def _problems(args: argparse.Namespace, count: int = 1) -> list[Problem]:
    if args.mazur:
        return [mazur(optimizer=args.optimizer)]
    seed = 1 if args.seed is None else args.seed
    chosen = dict(shape=args.shape, activation=args.activation, output=args.output, loss=args.loss)
    return [problem(s, **chosen, optimizer=args.optimizer) for s in range(seed, seed + count)]


def _write(text: str, path: str | None) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    write_atomically(path, text.encode("utf-8"), NetworkFileError)
    print(f"wrote {path}", file=sys.stderr)


def _exercise(args: argparse.Namespace) -> int:
    if not 1 <= args.variants <= MAX_VARIANTS:
        raise LernpyError(
            f"--variants is {args.variants}: expected a whole number from 1 to {MAX_VARIANTS:,}"
        )
    problems = _problems(args, args.variants)
    if args.lesson:
        _write(exercise_html(problems[0]), args.output_file)
        return 0
    if args.format is None and args.variants == 1 and args.output_file is None:
        return ask(problems[0], answers=args.answers)
    _write(sheet(problems, args.format or "markdown", answers=args.answers), args.output_file)
    return 0


def _read(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        print()
        return None


def ask(ex: Problem, answers: bool = False) -> int:
    """Ask each question in turn; check each answer; name the mistake of a wrong one.

    Enter or ? shows the worked answer and moves on; q leaves.
    """
    print(sheet([ex], "text", title="Backpropagation exercise").rstrip())
    print()
    print("Answer with a number, or the factors of the chain rule (0.74 × 0.19 × 0.59).")
    print("Enter or ? shows the worked answer and moves on; q quits.")
    worked = dict(explanations(ex))
    first_time = 0
    for k, name in enumerate(ex.questions, start=1):
        tries = 0
        while True:
            line = _read(f"{k}. {name} = ")
            if line is None or line.strip().lower() in ("q", "quit", "exit"):
                print(f"{first_time} of {k - 1} right at the first try")
                return 0
            line = line.strip()
            if line in ("", "?"):
                print(f"   {name} = {ex.answer(name)!r}")
                if name in worked:
                    print("\n".join("   " + s for s in worked[name].text().splitlines()))
                break
            try:
                verdict = ex.check(name, line)
            except LernpyError as error:
                print(f"   {error}")
                continue
            tries += 1
            print("   " + str(verdict).replace("\n", "\n   "))
            if verdict.right:
                first_time += tries == 1
                break
            print("   try again, or ? for the worked answer")
    print(f"{first_time} of {len(ex.questions)} right at the first try")
    return 0


def _audit(args: argparse.Namespace) -> int:
    text = read_text(args.key, lambda reason: LernpyError(f"{args.key}: {reason}"), "a key")
    ex = _problems(args)[0]
    report = audit(ex, text)
    print(f"{ex!r}, {len(report.published)} published numbers")
    print(report.text())
    return 0 if report.first is None else DISAGREES


def _add_problem_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, help="the exercise's seed (default 1)")
    p.add_argument("--shape", help="inputs-hidden-outputs, such as 2-2-1 (default: drawn)")
    p.add_argument("--activation", choices=HIDDEN, help="the hidden layer's activation")
    p.add_argument("--output", choices=OUTPUT, help="the output layer's activation")
    p.add_argument("--loss", choices=LOSSES, help="the loss")
    p.add_argument("--mazur", action="store_true", help="Mazur's worked example instead")
    p.add_argument(
        "--optimizer",
        choices=RULES,
        help="one update by this rule instead of gradient descent (its state among the answers)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "exercise",
        help="ask an exercise, or write a sheet of variants with their key",
        description=(
            "Ask a backprop exercise question by question (checking each answer), or write a "
            "sheet of variants (--variants, --format, -o) with their key (--answers), or the "
            "lesson page in exercise mode (--lesson)."
        ),
    )
    _add_problem_options(p)
    p.add_argument("--variants", type=int, default=1, help="how many variants (seeds from --seed)")
    p.add_argument("--format", choices=FORMATS, help="write a sheet in this format")
    p.add_argument("--answers", action="store_true", help="add the key (every number worked)")
    p.add_argument("--lesson", action="store_true", help="the lesson page in exercise mode")
    p.add_argument("-o", "--output-file", help="write to this file (default: print)")
    p.set_defaults(func=_exercise)

    a = sub.add_parser(
        "audit",
        help="compare a published answer key with lernpy's numbers",
        description=(
            "Read a key (name = value lines, CSV, a Markdown table or JSON) for an exercise "
            "lernpy can build, report the first number that disagrees and which known mistake "
            "or convention reproduces the key from there on. Exit 0: all agree; 3: one disagrees."
        ),
    )
    a.add_argument("key", help="the key's file")
    _add_problem_options(a)
    a.set_defaults(func=_audit)


__all__ = ["DISAGREES", "ask", "register"]
