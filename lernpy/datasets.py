"""Small data sets, generated with no download.

A data set is a list of samples; a sample is a pair ``(inputs, targets)``.

>>> xor()[3]
((1.0, 1.0), (0.0,))
"""

from __future__ import annotations

Sample = tuple[tuple[float, ...], tuple[float, ...]]


def _gate(rule) -> list[Sample]:
    return [((a, b), (float(rule(a, b)),)) for a in (0.0, 1.0) for b in (0.0, 1.0)]


def xor() -> list[Sample]:
    """The four rows of exclusive or."""
    return _gate(lambda a, b: a != b)


def and_() -> list[Sample]:
    """The four rows of and."""
    return _gate(lambda a, b: a and b)


def or_() -> list[Sample]:
    """The four rows of or."""
    return _gate(lambda a, b: a or b)


def nand() -> list[Sample]:
    """The four rows of not-and."""
    return _gate(lambda a, b: not (a and b))
