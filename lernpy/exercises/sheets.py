"""Exercise sheets and answer keys, as text, Markdown, LaTeX (an exam-ready document) or HTML.

A sheet holds one or more variants, each headed by its seed and the command that
makes it again. The key gives every asked value, then its chain rule with every
number, in the words :func:`lernpy.views.explain.explain` writes for the same
network after the scheduler has walked the sample. Nothing in a sheet depends on
the time, the machine or the order of a dict: the same seeds give the same bytes.

>>> from lernpy import exercises
>>> text = sheet([exercises.mazur()], "markdown", answers=True)
>>> "| ∂E/∂w5 | 0.082167041 | 0.08217 |" in text
True
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lernpy.errors import UnknownNameError
from lernpy.exercises.spec import Spec
from lernpy.graph.link import Link
from lernpy.graph.network import Network
from lernpy.graph.neuron import Neuron
from lernpy.pictures.diagram import diagram_svg
from lernpy.views.explain import explain
from lernpy.views.formulas import D, E, Eq, Explanation, N, Section, Sym, latex_text, num

if TYPE_CHECKING:
    from lernpy.exercises.problem import Problem

FORMATS = ("text", "markdown", "latex", "html")
TITLE = "Backpropagation exercises"

LOSS_WORDS = {
    "half_sse": "E = ½Σ(out − target)²",
    "mse": "E = Σ(out − target)²/n, the mean over the outputs",
    "bce": "binary cross-entropy, E = −Σ[target·log(out) + (1 − target)·log(1 − out)]",
    "cross_entropy": "cross-entropy, E = −Σ target·log(out)",
}


# -- names as symbols ---------------------------------------------------------------


def _sym(text: str) -> Sym:
    base, _, sub = text.partition("_")
    return Sym(base, sub)


def symbol(name: str) -> Sym | D | str:
    """A canonical value name as a formula token (for LaTeX): ``∂E/∂w5`` → a derivative."""
    if name.startswith("∂"):
        top, bottom = name[1:].split("/∂", 1)
        return D(_sym(top), _sym(bottom))
    if name.startswith("new "):
        return name  # written by name_latex
    return _sym(name)


def name_latex(name: str) -> str:
    """A value's name in LaTeX math: ``\\mathrm{out}_{h1}``, ``\\frac{\\partial E}…``."""
    if name.startswith("new "):
        return rf"\text{{new }} {_sym(name[4:]).latex()}"
    token = symbol(name)
    return token if isinstance(token, str) else token.latex()


# -- the statement ------------------------------------------------------------------


def _given(spec: Spec) -> list[tuple[str, str]]:
    """The statement's sentences as (label, text) pairs."""
    acts = (
        f"hidden layer {spec.activation}, output layer {spec.output}"
        if spec.activation != spec.output
        else f"{spec.activation} in both layers"
    )
    inputs = ", ".join(f"{n} = {num(v)}" for n, v in zip(spec.inputs, spec.x))
    targets = ", ".join(f"target_{n} = {num(v)}" for n, v in zip(spec.outputs, spec.target))
    biases = ", ".join(spec.biases)
    frozen = [w.name for w in spec.weights if w.frozen]
    rows = [
        ("network", f"{spec.shape}, fully connected, {acts}; bias neurons {biases} (value 1)"),
        ("loss", LOSS_WORDS[spec.loss]),
        ("inputs", inputs),
        ("targets", targets),
        *_update(spec),
    ]
    if frozen:
        rows.append(("fixed", f"{', '.join(frozen)} are not updated"))
    return rows


def _update(spec: Spec) -> list[tuple[str, str]]:
    """The statement's sentences about the update: plain gradient descent or the rule's."""
    r = spec.rule
    rate = num(spec.rate)
    if r is None:
        return [("rate", f"{rate}: one step of gradient descent, w ← w − rate·∂E/∂w")]
    g = "∂E/∂w"
    eps = f"ε = {r.eps:g}"
    if r.name == "momentum":
        given = ", ".join(f"b_{w} = {num(b)}" for w, b in r.previous)
        return [
            (
                "update",
                f"one step of SGD with momentum μ = {num(r.momentum)} at rate {rate}, in "
                f"PyTorch's form: b ← μ·b_prev + {g}, w ← w − rate·b",
            ),
            ("velocities", f"each weight's b_prev, from the update before: {given}"),
        ]
    if r.name == "rmsprop":
        return [
            (
                "update",
                f"one step of RMSProp at rate {rate}, α = {num(r.alpha)}, {eps}, every v "
                f"starting at 0: v ← α·v_prev + (1 − α)·({g})², w ← w − rate·{g}/(√v + ε)",
            )
        ]
    b1, b2 = r.betas
    return [
        (
            "update",
            f"one step of Adam at rate {rate}, β₁ = {num(b1)}, β₂ = {num(b2)}, {eps}, every m "
            f"and v starting at 0 (so t = 1): m ← β₁·m_prev + (1 − β₁)·{g}, "
            f"v ← β₂·v_prev + (1 − β₂)·({g})², m̂ = m/(1 − β₁^t), v̂ = v/(1 − β₂^t), "
            "w ← w − rate·m̂/(√v̂ + ε)",
        )
    ]


def _heading(problem: Problem, k: int | None) -> str:
    what = f"Exercise {k}" if k is not None else "Exercise"
    if problem.seed is None:
        return f"{what}: {problem.spec.title}"
    return f"{what} (seed {problem.seed})"


def _weights_rows(spec: Spec) -> list[tuple[str, str, str]]:
    return [(w.name, w.link, num(w.value)) for w in spec.weights]


def _ask(problem: Problem) -> str:
    return (
        f"Give each answer to {problem.figures} significant figures; keep every digit "
        "of intermediate values."
    )


# -- the key ------------------------------------------------------------------------


def walked(problem: Problem) -> Network:
    """The exercise's network after the scheduler has walked its sample and updated it."""
    net = problem.network()
    run = net.scheduler([problem.sample], optimizer=problem.optimizer())
    run.run()
    return net


def _loss_explanation(problem: Problem) -> Explanation:
    spec = problem.spec
    w = problem.work.values
    outs = [
        (Sym("out", o), Sym("target", o), w[f"out_{o}"], t)
        for o, t in zip(spec.outputs, spec.target)
    ]
    if spec.loss in ("half_sse", "mse"):
        sym: list = ["½["] if spec.loss == "half_sse" else ["("]
        nums: list = ["½["] if spec.loss == "half_sse" else ["("]
        for k, (o, t, v, tv) in enumerate(outs):
            if k:
                sym.append("+")
                nums.append("+")
            sym += ["(", o, "−", t, ")²"]
            nums += ["(", N(v), "−", N(tv), ")²"]
        close = ["]"] if spec.loss == "half_sse" else [")", "/", str(len(outs))]
        stages = [sym + close, nums + close, [N(w["E"], bare=True)]]
    else:
        stages = [[N(w["E"], bare=True)]]
    eq = Eq([E], stages, LOSS_WORDS[spec.loss])
    return Explanation("The loss E of the sample", [Section("", [eq])], w["E"])


def explanations(problem: Problem, net: Network | None = None) -> list[tuple[str, Explanation]]:
    """The worked answer of each question, as explain() writes it, each neuron or link once."""
    net = net or walked(problem)
    done: set[object] = set()
    found = []
    for name in problem.questions:
        obj: object
        if name == "E" or name.startswith("E_"):
            obj = "E"
        elif name.startswith("∂E/∂") and not name.startswith(("∂E/∂out_", "∂E/∂net_")):
            obj = net.link(problem.spec.weight(name[4:]).link)
        elif name.startswith("new "):
            obj = net.link(problem.spec.weight(name[4:]).link)
        elif name in problem.work.about:  # a value of a weight's update rule (m̂_w5)
            obj = net.link(problem.spec.weight(problem.work.about[name]).link)
        else:
            neuron = name.rsplit("_", 1)[-1]
            obj = net.neuron(neuron)
        if obj in done:
            continue
        done.add(obj)
        if obj == "E":
            found.append((name, _loss_explanation(problem)))
        elif isinstance(obj, (Link, Neuron)):
            found.append((name, explain(obj)))
    return found


# -- the formats --------------------------------------------------------------------


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _width(name: str) -> int:
    """How wide a name prints: a combining mark (m̂) takes no column of its own."""
    return sum(not unicodedata.combining(c) for c in name)


def _figures(problem: Problem, x: float) -> str:
    return f"{x:.{problem.figures}g}"


def _answer_rows(problem: Problem) -> list[tuple[str, str, str]]:
    return [(n, num(x), _figures(problem, x)) for n, x in problem.answers().items()]


def _markdown(problems: Sequence[Problem], answers: bool, title: str) -> str:
    out = [f"# {title}", ""]
    for k, p in enumerate(problems, start=1):
        out += [f"## {_heading(p, k)}", ""]
        if p.seed is not None:
            out += [f"Make it again: `{p.command}`", ""]
        out += [f"- **{label}**: {text}" for label, text in _given(p.spec)]
        out += ["", *_md_table(("weight", "link", "value"), _weights_rows(p.spec)), ""]
        out += [_ask(p), ""]
        out += [f"{i}. `{q}`" for i, q in enumerate(p.questions, start=1)]
        out.append("")
    if answers:
        out += ["# Answers", ""]
        for k, p in enumerate(problems, start=1):
            out += [f"## Answers to {_heading(p, k)}", ""]
            out += _md_table(("value", "exact", f"to {p.figures} figures"), _answer_rows(p))
            out.append("")
            for _name, explanation in explanations(p):
                out += [explanation.markdown().rstrip(), ""]
    return "\n".join(out).rstrip() + "\n"


def _text(problems: Sequence[Problem], answers: bool, title: str) -> str:
    out = [title, "=" * len(title), ""]
    for k, p in enumerate(problems, start=1):
        head = _heading(p, k)
        out += [head, "-" * len(head)]
        if p.seed is not None:
            out.append(f"make it again: {p.command}")
        out += [f"{label}: {text}" for label, text in _given(p.spec)]
        out.append(
            "weights: " + ", ".join(f"{n} ({link}) = {v}" for n, link, v in _weights_rows(p.spec))
        )
        out += [_ask(p), ""]
        out += [f"  {i}. {q}" for i, q in enumerate(p.questions, start=1)]
        out.append("")
    if answers:
        out += ["Answers", "=======", ""]
        for k, p in enumerate(problems, start=1):
            out += [f"Answers to {_heading(p, k)}", ""]
            width = max(_width(n) for n in p.answers())
            out += [f"  {n}{' ' * (width - _width(n))} = {x}  ({f})" for n, x, f in _answer_rows(p)]
            out.append("")
            for _name, explanation in explanations(p):
                out += [explanation.text(), ""]
    return "\n".join(out).rstrip() + "\n"


LATEX_HEAD = r"""\documentclass[11pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage{amsmath}
\setlength{\textwidth}{16.5cm}
\setlength{\oddsidemargin}{-0.3cm}
\setlength{\textheight}{24cm}
\setlength{\topmargin}{-1.5cm}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\begin{document}
"""


def _latex(problems: Sequence[Problem], answers: bool, title: str) -> str:
    out = [LATEX_HEAD.rstrip(), rf"\section*{{{latex_text(title)}}}", ""]
    for k, p in enumerate(problems, start=1):
        out.append(rf"\subsection*{{{latex_text(_heading(p, k))}}}")
        if p.seed is not None:
            out.append(rf"Make it again: \texttt{{{latex_text(p.command)}}}")
            out.append("")
        out.append(r"\begin{itemize}")
        out += [rf"\item \textbf{{{label}}}: {latex_text(text)}" for label, text in _given(p.spec)]
        out.append(r"\end{itemize}")
        out += [r"\begin{center}", r"\begin{tabular}{lll}", r"weight & link & value \\ \hline"]
        for name, link, value in _weights_rows(p.spec):
            out.append(rf"${_sym(name).latex()}$ & {latex_text(link)} & ${value}$ \\")
        out += [r"\end{tabular}", r"\end{center}", latex_text(_ask(p)), r"\begin{enumerate}"]
        out += [rf"\item ${name_latex(q)}$ = \rule{{4cm}}{{0.4pt}}" for q in p.questions]
        out += [r"\end{enumerate}", ""]
        if k < len(problems):
            out += [r"\clearpage", ""]
    if answers:
        out += [r"\clearpage", r"\section*{Answers}", ""]
        for k, p in enumerate(problems, start=1):
            out.append(rf"\subsection*{{Answers to {latex_text(_heading(p, k))}}}")
            out += [r"\begin{tabular}{lrr}", rf"value & exact & to {p.figures} figures \\ \hline"]
            for n, x, f in _answer_rows(p):
                out.append(rf"${name_latex(n)}$ & ${x}$ & ${f}$ \\")
            out += [r"\end{tabular}", ""]
            for _name, explanation in explanations(p):
                out += [
                    rf"\paragraph{{{latex_text(explanation.title)}}}",
                    r"{\footnotesize",
                    r"\[",
                    explanation.latex(),
                    r"\]",
                    "}",
                    "",
                ]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


HTML_STYLE = """\
body { font-family: Helvetica, Arial, sans-serif; margin: 20px 28px; color: #111827; }
h2 { margin-top: 28px; border-bottom: 1px solid #d1d5db; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-family: Menlo, Consolas, monospace; }
code, pre { font-family: Menlo, Consolas, monospace; }
pre { background: #f9fafb; border: 1px solid #e5e7eb; padding: 8px; overflow-x: auto; }
.diagram svg { max-width: 100%; height: auto; }
@media print { h2 { page-break-before: always; } }"""


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: int) -> list[str]:
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = [
            f'<td class="n">{html.escape(c)}</td>' if i >= numeric else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return out


def _html(problems: Sequence[Problem], answers: bool, title: str) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>\n{HTML_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]
    for k, p in enumerate(problems, start=1):
        out.append(f'<section class="exercise" id="exercise-{k}">')
        out.append(f"<h2>{e(_heading(p, k))}</h2>")
        if p.seed is not None:
            out.append(f"<p>Make it again: <code>{e(p.command)}</code></p>")
        svg = diagram_svg(p.network(), annotate="weight", values=False, title="")
        out.append(f'<div class="diagram">{svg}</div>')
        out.append("<ul>")
        out += [f"<li><b>{e(label)}</b>: {e(text)}</li>" for label, text in _given(p.spec)]
        out.append("</ul>")
        out += _html_table(("weight", "link", "value"), _weights_rows(p.spec), 2)
        out.append(f"<p>{e(_ask(p))}</p>")
        out.append("<ol>" + "".join(f"<li><code>{e(q)}</code></li>" for q in p.questions) + "</ol>")
        out.append("</section>")
    if answers:
        out.append("<h1>Answers</h1>")
        for k, p in enumerate(problems, start=1):
            out.append(f'<section class="answers" id="answers-{k}">')
            out.append(f"<h2>Answers to {e(_heading(p, k))}</h2>")
            out += _html_table(("value", "exact", f"to {p.figures} figures"), _answer_rows(p), 1)
            for _name, explanation in explanations(p):
                out.append(f"<pre>{e(explanation.text())}</pre>")
            out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


WRITERS = {"text": _text, "markdown": _markdown, "latex": _latex, "html": _html}


def sheet(
    problems: Sequence[Problem], format: str = "markdown", answers: bool = False, title: str = TITLE
) -> str:
    """A sheet of ``problems`` in ``format`` (text, markdown, latex, html); ``answers`` adds
    the key (every asked value and its chain rule with every number)."""
    if format not in WRITERS:
        raise UnknownNameError(f"format {format!r}: expected one of {', '.join(FORMATS)}")
    return WRITERS[format](list(problems), answers, title)
