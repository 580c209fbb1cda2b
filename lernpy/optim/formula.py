"""The formulas of an update as plain data, written out with their numbers.

An optimizer writes each line of its update as it computes it: the symbols
(``m ← β₁ · m_prev + (1 − β₁) · g``) and the same line with every symbol
replaced by the number it stood for at that moment. The views print them as
text, Markdown or LaTeX; ``docs/optimizers.md`` lists the symbolic lines.

>>> out = Writer(show=True)
>>> out.given(G, 0.5)
>>> out.line(M, ("(", "1", "−", B1, ")", "·", G), 0.05, given={B1: 0.9})
>>> line = out.lines[0]
>>> line.text(), line.numbers
('m ← (1 − β₁) · g', ('(', '1', '−', 0.9, ')', '·', 0.5))
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Var:
    """A symbol of a formula: how it prints as text and as LaTeX."""

    name: str
    tex: str = ""

    def text(self) -> str:
        return self.name

    def latex(self) -> str:
        return self.tex or self.name


@dataclass(frozen=True)
class Sqrt:
    """√(inner)."""

    inner: tuple


@dataclass(frozen=True)
class Pow:
    """base^exponent (the exponent a symbol, a number or text such as "2")."""

    base: object
    exponent: object


Token = object  # str (an operator or a literal), Var, Sqrt, Pow, or a float in numbers


@dataclass(frozen=True)
class Line:
    """``lhs ← symbols`` = numbers = value; ``arrow`` is "←" for what is kept, "=" otherwise."""

    lhs: Var
    symbols: tuple
    numbers: tuple
    value: float
    arrow: str = "="
    note: str = ""

    def text(self) -> str:
        """The symbolic line as plain text (numbers and LaTeX are the views' work)."""
        return f"{self.lhs.name} {self.arrow} {plain(self.symbols)}"


def plain(tokens: tuple) -> str:
    """Symbols as text, spaced as the views space them."""
    out, last = "", ""
    for t in tokens:
        if isinstance(t, Sqrt):
            s = "√" + (plain(t.inner) if len(t.inner) == 1 else f"({plain(t.inner)})")
        elif isinstance(t, Pow):
            exponent = plain((t.exponent,))
            s = plain((t.base,)) + ("²" if exponent == "2" else f"^{exponent}")
        elif isinstance(t, Var):
            s = t.name
        else:
            s = str(t)
        function = s == "(" and last in ("max", "min")
        if out and s not in (")", ",") and not out.endswith("(") and not function:
            out += " "
        out += s
        last = s
    return out


def _resolve(token: object, values: dict) -> object:
    if isinstance(token, Var):
        return values[token]
    if isinstance(token, Sqrt):
        return Sqrt(tuple(_resolve(t, values) for t in token.inner))
    if isinstance(token, Pow):
        return Pow(_resolve(token.base, values), _resolve(token.exponent, values))
    return token


@dataclass
class Writer:
    """Collects the lines of one update when ``show`` is true (and does nothing otherwise)."""

    show: bool = False
    values: dict = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)

    def given(self, var: Var, value: float) -> None:
        """A number the formulas read (a hyperparameter, the previous state)."""
        if self.show:
            self.values[var] = value

    def line(
        self,
        lhs: Var,
        symbols: tuple,
        value: float,
        arrow: str = "←",
        note: str = "",
        given: dict | None = None,
    ) -> None:
        """One line: its symbols, the numbers they stand for now, and its value."""
        if not self.show:
            return
        if given:
            self.values.update(given)
        numbers = tuple(_resolve(t, self.values) for t in symbols)
        self.lines.append(Line(lhs, symbols, numbers, value, arrow, note))
        self.values[lhs] = value


SILENT = Writer(show=False)  # training's writer: writes nothing, costs one call per line

# The symbols every optimizer's formulas use.
DEDW = Var("∂E/∂w", r"\frac{\partial E}{\partial w}")
G = Var("g", "g")
W = Var("w", "w")
RATE = Var("rate", r"\mathrm{rate}")
LAMBDA = Var("λ", r"\lambda")
NORM = Var("‖g‖", r"\lVert g \rVert")
MAX_NORM = Var("max_norm", r"\mathrm{max\_norm}")
CLIP = Var("clip_value", r"\mathrm{clip\_value}")
C = Var("c", "c")
MU = Var("μ", r"\mu")
TAU = Var("τ", r"\tau")
B = Var("b", r"\mathbf{b}")
B_PREV = Var("b_prev", r"\mathbf{b}_{t-1}")
DW = Var("Δw", r"\Delta w")
DW_PREV = Var("Δw_prev", r"\Delta w_{t-1}")
D = Var("d", "d")
T = Var("t", "t")
T_PREV = Var("t_prev", "t_{-1}")
EPS = Var("ε", r"\epsilon")
DENOM = Var("denominator", r"\mathrm{denominator}")
ETA = Var("η", r"\eta")
RATE_T = Var("rate_t", r"\mathrm{rate}_t")
SUM = Var("sum", r"\mathrm{sum}")
SUM_PREV = Var("sum_prev", r"\mathrm{sum}_{t-1}")
ALPHA = Var("α", r"\alpha")
SQ = Var("v", "v")
SQ_PREV = Var("v_prev", "v_{t-1}")
GAVE = Var("g_ave", r"g^{ave}")
GAVE_PREV = Var("g_ave_prev", r"g^{ave}_{t-1}")
VTILDE = Var("ṽ", r"\tilde{v}")
B1 = Var("β₁", r"\beta_1")
B2 = Var("β₂", r"\beta_2")
M = Var("m", "m")
M_PREV = Var("m_prev", "m_{t-1}")
V = Var("v", "v")
V_PREV = Var("v_prev", "v_{t-1}")
VMAX = Var("v_max", r"v^{max}")
VMAX_PREV = Var("v_max_prev", r"v^{max}_{t-1}")
MHAT = Var("m̂", r"\hat{m}")
VHAT = Var("v̂", r"\hat{v}")
EXP = Var("k", "k")
