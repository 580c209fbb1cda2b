"""One number format for every view: reprs, tables, explanations, step lines, exports, the page.

``num`` writes a number to 9 decimal places with trailing zeros dropped, as the
classic worked examples print them; tiny and huge numbers switch to scientific
notation so that no digit that matters is lost. Inside an expression a negative
number is bracketed (``0.4 − 0.5 × (-0.08)``); a result stands bare (``= -0.04``).

>>> num(0.08216704056423078), num(-0.8), num(1e-20)
('0.082167041', '-0.8', '1.000e-20')
>>> term(-0.8), term(0.8)
('(-0.8)', '0.8')
"""

from __future__ import annotations

import math
from collections.abc import Callable


def num(x: float, places: int = 9) -> str:
    """``x`` to ``places`` decimal places, trailing zeros dropped, as the classic examples print.

    >>> num(0.7413650695523157), num(0.35891647971788465), num(-0.5), num(1.0)
    ('0.74136507', '0.35891648', '-0.5', '1')
    >>> num(4.3856773447434685e-08), num(0.000438567734, places=6)
    ('4.386e-08', '0.000439')
    """
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return repr(float(x))
    if 10.0 ** (2 - places) <= abs(x) < 1e7:
        return f"{x:.{places}f}".rstrip("0").rstrip(".")
    return f"{x:.{max(places - 6, 2)}e}"


def term(x: float, places: int = 9) -> str:
    """A number inside an expression: bracketed when negative (``× (-1)``, never ``× -1``)."""
    text = num(x, places)
    return f"({text})" if x < 0 else text


def one_line(make: Callable[[int], str], width: int = 80) -> str:
    """``make(places)`` with nine decimal places, or six, or four: the first that fits ``width``.

    >>> one_line(lambda p: f"x={num(1 / 3, p)}", width=10)
    'x=0.333333'
    """
    for places in (9, 6, 4):
        line = make(places)
        if len(line) <= width:
            return line
    return line


__all__ = ["num", "one_line", "term"]
