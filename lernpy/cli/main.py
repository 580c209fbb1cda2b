"""The command line: ``lernpy …`` and ``python -m lernpy …``.

Exit codes: 0 success, 1 a lernpy error (bad data, a bad file), 2 bad usage.
Errors go to stderr without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

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


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit 2) that points to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="lernpy",
        description="lernpy: a neural network you can open up, step through and train.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


class StdoutError(LernpyError):
    """Standard output cannot be written to (a full disk, a closed stream)."""


class _Stdout:
    """Standard output that turns a failed write (``> /dev/full``, ``>&-``) into a StdoutError.

    A broken pipe (``lernpy … | head``) stays a BrokenPipeError: the reader has seen enough.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def _failed(self, error: OSError | None) -> StdoutError:
        reason = "it is closed" if error is None else (error.strerror or str(error))
        return StdoutError(f"cannot write to stdout ({reason})")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._failed(None)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failed(error) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failed(error) from None

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> object:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def _quiet_stdout() -> None:
    """After stdout failed, point it at the null device so Python's last flush stays quiet."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.__stdout__.fileno())  # type: ignore[union-attr]
        os.close(null)
    except (OSError, AttributeError, ValueError):
        pass


def _say(message: str) -> None:
    """One line on stderr (if there is a stderr)."""
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, AttributeError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors are one line on stderr and an exit code, never a traceback.

    0 success, 1 an error (bad data, a bad file, a full disk or stdout, a bug),
    2 bad usage, 130 Ctrl-C (saying where it stopped); ``--debug`` shows tracebacks.
    """
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    real = sys.stdout
    guarded = not isinstance(real, _Stdout)
    if guarded:
        sys.stdout = _Stdout(real)  # type: ignore[assignment]
    try:
        return _run(argv)
    except LernpyError as error:
        if debug:
            raise
        if isinstance(error, StdoutError):
            _quiet_stdout()
        _say(f"lernpy: error: {error}")
        return 1
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        where = str(interrupt)
        _say("lernpy: interrupted" + (f": {where}" if where else ""))
        return 130
    except BrokenPipeError:  # `lernpy … | head`
        _quiet_stdout()
        return 0
    except MemoryError:
        if debug:
            raise
        _say("lernpy: error: out of memory")
        return 1
    except Exception as error:  # a bug: still one line (and the traceback with --debug)
        if debug:
            raise
        _say(
            f"lernpy: internal error: {type(error).__name__}: {error} "
            "(a bug in lernpy: run again with --debug for the traceback, and report it)"
        )
        return 1
    finally:
        if guarded:
            sys.stdout = real


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        sys.stdout.flush()
        return 2
    code = int(args.func(args) or 0)
    sys.stdout.flush()  # a full disk shows here, not in Python's last flush
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
