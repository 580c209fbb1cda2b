"""Options every command that trains or steps shares: ``--optimizer`` and ``--mistake``."""

from __future__ import annotations

import argparse

from lernpy.errors import LernpyError
from lernpy.optim import OPTIMIZERS
from lernpy.walk.mistakes import MISTAKES


def add_optimizer_arguments(p: argparse.ArgumentParser) -> None:
    """``--optimizer`` and ``--mistake``."""
    p.add_argument(
        "--optimizer",
        choices=sorted(OPTIMIZERS),
        help="an optimizer with PyTorch's defaults, at --rate (default: SGD)",
    )
    p.add_argument(
        "--mistake",
        choices=[m for m in MISTAKES if m != "sequential"],
        help="make a classic mistake on purpose, for teaching (see also --update sequential)",
    )


def optimizer_options(args: argparse.Namespace) -> dict[str, object]:
    """``--optimizer NAME`` (at ``--rate``), or ``--momentum`` for SGD; and any mistake."""
    options: dict[str, object] = {}
    name = getattr(args, "optimizer", None)
    if name is not None:
        if getattr(args, "momentum", 0.0):
            raise LernpyError("--momentum is SGD's: leave it out with --optimizer")
        options["optimizer"] = name
    else:
        options["momentum"] = getattr(args, "momentum", 0.0)
    if getattr(args, "mistake", None):
        options["mistake"] = args.mistake
    return options
