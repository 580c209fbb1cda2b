"""One family of errors: every problem lernpy reports is a ``LernpyError``.

Each message names the neuron, link, sample or field at fault and what was
expected. A call that raises one of these leaves the network as it was.
"""

from __future__ import annotations


class LernpyError(Exception):
    """The base of every error lernpy raises on purpose."""


class ShapeError(LernpyError, ValueError):
    """A sample, matrix or layer has the wrong length or size."""


class BadValueError(LernpyError, ValueError):
    """A number is missing, not a number, NaN or infinite."""


class UnknownNameError(LernpyError, KeyError):
    """An activation, loss, neuron, link or option name does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TopologyError(LernpyError):
    """The graph would have a cycle, a duplicate name or a duplicate link."""


class NumericError(LernpyError, ArithmeticError):
    """Training produced a NaN or an infinity.

    ``where`` names the first neuron or link it appeared in, ``sample`` the
    index of the sample being trained on.
    """

    def __init__(self, message: str, where: str = "", sample: int | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.sample = sample


class CallbackError(LernpyError):
    """A function the user handed in (a callback, ``show``, ``until``) raised an error.

    The user's own error is its ``__cause__``; the message names the function's role.
    """


class FileError(LernpyError):
    """A file that cannot be read or written; the message starts with its path."""

    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class Finished(LernpyError):
    """The scheduler has no step left: every epoch is done."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; the network is as it was after the last finished epoch.

    Not a :class:`LernpyError`: it is a ``KeyboardInterrupt`` (so ``except
    KeyboardInterrupt`` still catches it) that says where training stopped.
    ``history`` holds the epochs that finished (a ``History``, or ``fit``'s log).
    """

    def __init__(self, message: str, history: object = None) -> None:
        super().__init__(message)
        self.history = history
