"""The command line: ``lernpy …`` and ``python -m lernpy …``.

Exit codes: 0 success, 1 a lernpy error (bad data, a bad file), 2 bad usage.
Errors go to stderr without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence

from lernpy.cli import data as cli_data
from lernpy.cli import exercises as cli_exercises
from lernpy.cli import pictures as cli_pictures
from lernpy.cli import pytorch as cli_pytorch
from lernpy.cli import stepping as cli_views
from lernpy.errors import LernpyError

# Each entry adds subcommands to the parser; a subcommand sets ``func(args) -> int``.
Registrar = Callable[["argparse._SubParsersAction"], None]


def demo_names() -> dict[str, str]:
    """Each demo's name and the first line of its docstring."""
    from lernpy import demos

    found = {}
    for info in pkgutil.iter_modules(demos.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"lernpy.demos.{info.name}")
        found[info.name] = (module.__doc__ or "").strip().splitlines()[0]
    return dict(sorted(found.items()))


def _demo(args: argparse.Namespace) -> int:
    names = demo_names()
    if args.name is None:
        width = max(map(len, names))
        for name, summary in names.items():
            print(f"{name:<{width}}  {summary}")
        return 0
    if args.name not in names:
        raise LernpyError(f"no demo named {args.name!r}: expected one of {', '.join(names)}")
    importlib.import_module(f"lernpy.demos.{args.name}").main()
    return 0


def _register_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="list the demos, or run one", description="List or run a demo.")
    p.add_argument("name", nargs="?", help="the demo to run (leave out to list them)")
    p.set_defaults(func=_demo)


REGISTRARS: list[Registrar] = [
    _register_demo,
    cli_data.register,  # train, show, predict, datasets
    cli_views.register,  # step, explain
    cli_pictures.register,  # draw, lesson
    cli_exercises.register,  # exercise, audit
    cli_pytorch.register,  # export, import (PyTorch)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lernpy",
        description="lernpy: a neural network you can open up, step through and train.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LernpyError as error:
        if args.debug:
            raise
        print(f"lernpy: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `lernpy … | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
