"""Notation: numbers, symbols and equations, printed as text, Markdown or LaTeX.

An :class:`Explanation` is plain data (a title, sections of equations, notes),
so the terminal, a notebook, the lesson page and a LaTeX document print the same
chain rule. :mod:`lernpy.views.explain` decides which equations to write.

>>> num(0.08216704056423078), num(-0.8), num(1e-20)
('0.082167041', '-0.8', '1.000e-20')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lernpy.errors import UnknownNameError
from lernpy.graph.names import shown
from lernpy.hooks import Shows
from lernpy.numbers import num, term

# -- numbers: lernpy.numbers.num, the one format every view uses ------------


# -- symbols: one expression, printed as text or as LaTeX ------------------------


@dataclass(frozen=True)
class Sym:
    """A named quantity such as ``out_o1``, ``net_h1``, ``target_o1`` or ``w5``."""

    base: str
    sub: str = ""

    def text(self) -> str:
        return f"{self.base}_{self.sub}" if self.sub else self.base

    def latex(self) -> str:
        if not self.sub:
            m = re.fullmatch(r"([A-Za-z]+)(\d+)", self.base)  # w5 → w_{5}
            if m and len(m.group(1)) == 1:
                return f"{m.group(1)}_{{{m.group(2)}}}"
            return _latex_name(self.base)
        return f"{_latex_name(self.base)}_{{{_latex_sub(self.sub)}}}"


@dataclass(frozen=True)
class D:
    """A partial derivative ``∂top/∂bottom``."""

    top: Sym
    bottom: Sym

    def text(self) -> str:
        return f"∂{self.top.text()}/∂{self.bottom.text()}"

    def latex(self) -> str:
        return rf"\frac{{\partial {self.top.latex()}}}{{\partial {self.bottom.latex()}}}"


@dataclass(frozen=True)
class N:
    """A number; negative ones are bracketed inside an expression, not as a result."""

    x: float
    bare: bool = False

    def text(self) -> str:
        return num(self.x) if self.bare else term(self.x)

    def latex(self) -> str:
        s = num(self.x)
        if "e" in s:
            mantissa, exponent = s.split("e")
            s = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return f"({s})" if self.x < 0 and not self.bare else s


@dataclass(frozen=True)
class Words:
    """Plain words inside an expression ("Σ over h1's outgoing links")."""

    words: str

    def text(self) -> str:
        return self.words

    def latex(self) -> str:
        return rf"\text{{{latex_text(self.words)}}}"


@dataclass(frozen=True)
class Root:
    """√(tokens)."""

    inner: tuple

    def text(self) -> str:
        inner = _text(self.inner)
        return f"√{inner}" if len(self.inner) == 1 else f"√({inner})"

    def latex(self) -> str:
        return rf"\sqrt{{{_latex(self.inner)}}}"


@dataclass(frozen=True)
class Power:
    """base^exponent."""

    base: object
    exponent: object

    def text(self) -> str:
        exponent = _text([self.exponent])
        if exponent == "2":
            return f"{_text([self.base])}²"
        return f"{_text([self.base])}^{exponent}"

    def latex(self) -> str:
        return f"{{{_latex([self.base])}}}^{{{_latex([self.exponent])}}}"


E = Sym("E")
RATE = Sym("rate")
MOMENTUM = Sym("momentum")
Token = Sym | D | N | Words | str
_LATEX_OPS = {
    "·": r"\cdot",
    "×": r"\times",
    "−": "-",
    "←": r"\leftarrow",
    "Σ": r"\sum",
    "½": r"\tfrac{1}{2}",
    "max": r"\max",
    "min": r"\min",
    "10⁻⁶": r"10^{-6}",
    "(": r"\left(",
    ")": r"\right)",
    ")²": r"\right)^2",
    "²": "^2",
    "½[": r"\tfrac{1}{2}\left[",
    "]": r"\right]",
}


# Characters of lernpy's text that LaTeX's text mode cannot take as they are.
_LATEX_TEXT = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    "→": r"\ensuremath{\to}",
    "←": r"\ensuremath{\leftarrow}",
    "∂": r"\ensuremath{\partial}",
    "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}",
    "−": "-",
    "′": "'",
    "Σ": r"\ensuremath{\Sigma}",
    "½": r"\ensuremath{\tfrac{1}{2}}",
    "²": r"\ensuremath{^2}",
    "δ": r"\ensuremath{\delta}",
    "ε": r"\ensuremath{\varepsilon}",
    "η": r"\ensuremath{\eta}",
    "Δ": r"\ensuremath{\Delta}",
    "√": r"\ensuremath{\surd}",
    "⁺": r"\ensuremath{^+}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "…": r"\ldots{}",
    "μ": r"\ensuremath{\mu}",
    "|": r"\textbar{}",
    "α": r"\ensuremath{\alpha}",
    "β": r"\ensuremath{\beta}",
    "₁": r"\ensuremath{_1}",
    "₂": r"\ensuremath{_2}",
}
HAT = "\u0302"  # a combining circumflex: m̂, v̂


def latex_text(text: str) -> str:
    r"""Plain text made safe for LaTeX's text mode (underscores, arrows, ∂ and the like).

    >>> print(latex_text("net_h1 → w5, m̂"))
    net\_h1 \ensuremath{\to} w5, \ensuremath{\hat{m}}
    """
    out = []
    for c, after in zip(text, text[1:] + " "):
        if c == HAT:
            continue
        if after == HAT:
            out.append(rf"\ensuremath{{\hat{{{c}}}}}")
        else:
            out.append(_LATEX_TEXT.get(c, c))
    return "".join(out)


def _latex_name(name: str) -> str:
    if len(name) == 2 and name[1] == HAT:  # m̂ → \hat{m}
        return rf"\hat{{{name[0]}}}"
    return name if len(name) == 1 else rf"\mathrm{{{name}}}"


def _latex_sub(sub: str) -> str:
    return sub.replace("→", r"\to ").replace("_", r"\_")


def _text(tokens: Sequence[Token]) -> str:
    out, last = "", ""
    for t in tokens:
        s = t if isinstance(t, str) else t.text()
        function = s == "(" and last in ("max", "min")  # max(a, b), not max (a , b)
        if out and not (s.startswith((")", "]", "²", ",")) or out.endswith(("(", "[")) or function):
            out += " "
        out += s
        last = s
    return out


def _latex(tokens: Sequence[Token]) -> str:
    return " ".join(_LATEX_OPS.get(t, t) if isinstance(t, str) else t.latex() for t in tokens)


@dataclass
class Eq:
    """``lhs = stage = stage …``: each stage on its own line when printed as text."""

    lhs: list[Token]
    stages: list[list[Token]]
    note: str = ""
    arrow: str = "="  # "←" for an update

    def lines(self) -> list[str]:
        """The equation as text; a lone result joins the line of numbers before it."""
        stages = [_text(stage) for stage in self.stages]
        if len(stages) > 2 and len(self.stages[-1]) == 1 and isinstance(self.stages[-1][0], N):
            stages[-2:] = [f"{stages[-2]} = {stages[-1]}"]
        head = _text(self.lhs)
        pad = " " * len(head)
        out = [f"{head} {self.arrow} {stages[0]}"]
        out += [f"{pad} = {stage}" for stage in stages[1:]]
        if self.note:
            out.append(f"  ({self.note})")
        return out

    def latex(self) -> str:
        arrow = _LATEX_OPS.get(self.arrow, self.arrow)
        first = f"{_latex(self.lhs)} &{arrow} {_latex(self.stages[0])}"
        rest = [f"&= {_latex(stage)}" for stage in self.stages[1:]]
        return r" \\ ".join([first, *rest])


@dataclass
class Section:
    """A heading, its equations, and sentences that name what the factors are."""

    heading: str
    equations: list[Eq] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Explanation(Shows):
    """The chain rule for one link or neuron, with every factor named and its number.

    ``text()`` for a terminal, ``markdown()`` for notes and notebooks (with
    LaTeX between ``$$``), ``latex()`` for a document. ``value`` is the number
    explained (∂E/∂w for a link, ∂E/∂net for a neuron).
    """

    title: str
    sections: list[Section]
    value: float

    def text(self) -> str:
        out = [self.title]
        for section in self.sections:
            indent = "  "
            if section.heading:
                out.append("  " + section.heading)
                indent = "    "
            for eq in section.equations:
                out += [indent + line for line in eq.lines()]
            out += [indent + note for note in section.notes]
        return "\n".join(shown(line) for line in out)

    def latex(self) -> str:
        """Every equation in one ``aligned`` block (notes left out)."""
        rows = [shown(eq.latex()) for s in self.sections for eq in s.equations]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def markdown(self) -> str:
        out = [f"**{self.title}**", ""]
        for section in self.sections:
            if section.heading:
                out += [f"*{section.heading}*", ""]
            if section.equations:
                rows = " \\\\\n".join(eq.latex() for eq in section.equations)
                out += ["$$", "\\begin{aligned}", rows, "\\end{aligned}", "$$", ""]
            notes = [n for eq in section.equations if eq.note for n in [eq.note]]
            out += [f"- {n}" for n in [*notes, *section.notes]]
            if notes or section.notes:
                out.append("")
        return "\n".join(shown(line) for line in "\n".join(out).split("\n")).rstrip() + "\n"

    def render(self, format: str = "text") -> str:
        """The explanation as "text", "markdown" or "latex"."""
        if format not in FORMATS:
            raise UnknownNameError(f"format {format!r}: expected one of {', '.join(FORMATS)}")
        return getattr(self, FORMATS[format])()

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        """One line: what is explained and its number (``print()`` it for the chain rule)."""
        head = self.title.split(":")[0]
        lhs = self.sections[0].equations[0].lhs if self.sections[0].equations else []
        what = _text(lhs) if lhs else "value"
        line = f"<Explanation of {head}: {what} = {num(self.value)}; print it>"
        if len(line) > 80:
            line = f"<Explanation of {head}: {what} = {num(self.value)}>"
        return line


FORMATS = {"text": "text", "markdown": "markdown", "latex": "latex"}
