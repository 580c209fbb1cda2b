"""Checks for the arguments of lernpy's public functions: a wrong one is a LernpyError.

Every entry point checks what it is given with these, before anything changes, so
a wrong type or an absurd value gets an error that names the argument and says
what was expected, never a TypeError from deep inside. numpy numbers count as
the numbers they are (``np.int64(3)`` is 3); ``True`` is no number.

>>> whole(3, "epochs", low=1)
3
>>> choice("sum", "reduce", ("mean", "sum"))
'sum'
>>> number("0.5", "rate")
Traceback (most recent call last):
lernpy.errors.BadValueError: rate is '0.5': expected a number
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

from lernpy.errors import BadValueError, CallbackError, LernpyError, ShapeError, UnknownNameError


def short(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, control characters escaped, for a message."""
    try:
        text = repr(value)
    except Exception:  # a user's object whose repr fails
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if not text.isprintable():
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def real(value: object) -> bool:
    """Is ``value`` a real number (numpy's too), and not a bool?"""
    # (a plain float first: the ABC's isinstance costs ten times as much)
    return type(value) is float or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def integral(value: object) -> bool:
    """Is ``value`` a whole number (numpy's too), and not a bool?"""
    # (a plain int first: the ABC's isinstance costs ten times as much; type(True) is bool)
    return type(value) is int or (
        isinstance(value, numbers.Integral) and not isinstance(value, bool)
    )


def number(value: object, what: str, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float from ``low`` to ``high``, or a BadValueError naming ``what``."""
    # numpy scalars are Real too; str, None and complex are not; True is not a number here
    if not real(value):
        raise BadValueError(f"{what} is {short(value)}: expected a number")
    try:
        value = float(value)
    except OverflowError:  # an int (or Fraction) past the largest float
        raise BadValueError(f"{what} is too large for a float: expected a finite number") from None
    except (ValueError, TypeError):  # a Decimal('sNaN')
        raise BadValueError(f"{what} is {short(value)}: expected a finite number") from None
    if not math.isfinite(value):
        raise BadValueError(f"{what} is {value}: expected a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = _bounds(low, high)
        raise BadValueError(f"{what} is {value}: expected a number {bounds}")
    return value


def whole(value: object, what: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a plain int (numpy integers too, never a bool) from ``low`` to ``high``."""
    if not integral(value):
        raise BadValueError(f"{what} is {short(value)}: expected a whole number")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        shown = value if abs(value) < 10**15 else f"about 10**{len(str(abs(value))) - 1}"
        raise BadValueError(f"{what} is {shown}: expected a whole number {_bounds(low, high)}")
    return value


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"≥ {low}" if low is not None else f"≤ {high}"


def flag(value: object, what: str) -> bool:
    """True or False (numpy's too), or a BadValueError."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise BadValueError(f"{what} is {short(value)}: expected True or False")


def text(value: object, what: str) -> str:
    """A string (numpy's too) as a plain ``str``, or a BadValueError."""
    if not isinstance(value, str):
        raise BadValueError(f"{what} is {short(value)}: expected text")
    return str(value)


def choice(value: object, what: str, choices: Sequence[str]) -> str:
    """One of ``choices``, or an UnknownNameError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise UnknownNameError(f"{what} is {short(value)}: expected one of {', '.join(choices)}")
    return str(value)


def function(value: object, what: str) -> Callable | None:
    """A function (anything callable) or None."""
    if value is not None and not callable(value):
        raise LernpyError(f"{what} is {short(value)}: expected a function or None")
    return value  # type: ignore[return-value]


def call(function: Callable, what: str, *args: object) -> object:
    """``function(*args)``, a function of the user's: whatever it raises becomes a
    CallbackError naming ``what`` (the original is its ``__cause__``)."""
    try:
        return function(*args)
    except CallbackError:
        raise  # (a function of the user's that lernpy called inside: named there already)
    except Exception as error:
        raise CallbackError(
            f"{what} raised {type(error).__name__}: {short(str(error), 200)}"
        ) from error


def path(value: object, what: str = "path") -> str:
    """A file's path: text or an ``os.PathLike`` (``pathlib.Path``), not empty."""
    import os

    try:
        text = os.fspath(value)  # type: ignore[call-overload]
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise BadValueError(f"{what} is {short(value)}: expected a file name (text or a Path)")
    if not text.strip() or "\x00" in text:
        raise BadValueError(f"{what} is {short(value)}: expected a file name")
    return text


def items(value: object, what: str, kind: str = "values", noun: str = "list") -> list:
    """A list, tuple or other iterable of ``kind`` (not text, not a mapping) as a list
    (``noun``: what the error calls the expected whole, "list" or "sequence")."""
    if isinstance(value, (str, bytes, bytearray, dict)) or not isinstance(value, Iterable):
        raise ShapeError(f"{what} is {short(value)}: expected a {noun} of {kind}")
    try:
        return list(value)
    except TypeError as error:  # a 0-d numpy array says it is iterable, and is not
        raise ShapeError(f"{what} is {short(value)}: expected a {noun} of {kind}") from error


def names(value: object, what: str) -> list[str]:
    """A list of names (text), or a ShapeError."""
    found = items(value, what, "names")
    for i, name in enumerate(found):
        if not isinstance(name, str):
            raise ShapeError(f"{what}[{i}] is {short(name)}: expected a name (text)")
    return [str(name) for name in found]
