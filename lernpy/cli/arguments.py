"""Argument types for the command line: each reads one option's text or says what is wrong.

An ``argparse`` type raises ``ArgumentTypeError``; argparse then prints one line of
usage error and exits with 2, before any work starts.

>>> sizes("4,8,3"), rate("0.5"), fraction("0.2")
([4, 8, 3], 0.5, 0.2)
>>> positive("0")
Traceback (most recent call last):
argparse.ArgumentTypeError: 0 is too small: expected 1 or more
"""

from __future__ import annotations

import argparse
import math


def sizes(text: str) -> list[int]:
    """Layer sizes such as ``4,8,3``: at least two, each 1 or more."""
    try:
        values = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes: expected whole numbers such as 4,8,3"
        ) from None
    if len(values) < 2 or any(size < 1 for size in values):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected at least two layer sizes, each 1 or more, such as 4,8,3"
        )
    return values


def whole(text: str, least: int, too_small: str) -> int:
    """``text`` as a whole number of at least ``least``, or an error that says what is wrong."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{value} is {too_small}: expected {least} or more")
    return value


def positive(text: str) -> int:
    """A whole number ≥ 1."""
    return whole(text, 1, "too small")


def count(text: str) -> int:
    """A whole number ≥ 0."""
    return whole(text, 0, "negative")


def cells(text: str) -> int:
    """A grid's cells per side: 2 or more."""
    return whole(text, 2, "too few")


def number(text: str) -> float:
    """A finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a finite number")
    return value


def rate(text: str) -> float:
    """A finite number ≥ 0."""
    value = number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a rate of 0 or more")
    return value


def fraction(text: str) -> float:
    """A number from 0 up to (not) 1."""
    value = number(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction from 0 up to (not) 1")
    return value


def path(text: str) -> str:
    """A file name: not empty (``--save ''`` silently saved nothing)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty file name: expected a path such as net.json")
    return text
