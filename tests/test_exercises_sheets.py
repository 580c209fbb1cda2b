"""Sheets and keys: Markdown, LaTeX and HTML all parse; the same seeds give the same bytes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lernpy import UnknownNameError, exercises
from lernpy.exercises.sheets import sheet
from lernpy.exercises.spec import RULES

SEEDS = range(3, 7)


def make() -> list:
    """Gradient descent, Mazur's example, and one update by each optimizer an exercise poses."""
    return (
        [exercises.problem(s) for s in SEEDS]
        + [exercises.mazur()]
        + [exercises.problem(s, optimizer=r) for s, r in zip(SEEDS, RULES)]
    )


@pytest.fixture(scope="module")
def problems():
    return make()


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_the_same_seeds_give_byte_identical_sheets(fmt, problems):
    """Twice in this process and once in a fresh one with another hash seed: the same bytes."""
    first = sheet(problems, fmt, answers=True)
    assert sheet(make(), fmt, answers=True) == first
    code = (
        "import sys; from lernpy.exercises.sheets import sheet; "
        "from tests.test_exercises_sheets import make; "
        f"sys.stdout.buffer.write(sheet(make(), {fmt!r}, answers=True).encode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "99"},
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    assert out == first.encode()


def test_each_variant_prints_its_seed_and_the_command_that_makes_it(problems):
    """So any one variant can be made again."""
    text = sheet(problems, "markdown")
    for s in SEEDS:
        assert f"## Exercise {s - 2} (seed {s})" in text
        assert f"`lernpy exercise --seed {s}`" in text
    assert "Mazur's worked example" in text
    assert "# Answers" not in text  # the sheet alone has no key


def test_markdown_tables_are_well_formed(problems):
    """Every table: a header, a separator of the same width, rows of the same width."""
    lines = sheet(problems, "markdown", answers=True).splitlines()
    tables = 0
    for k, line in enumerate(lines):
        if line.startswith("|") and (k == 0 or not lines[k - 1].startswith("|")):
            tables += 1
            width = line.count("|")
            assert re.fullmatch(r"\|(---\|)+", lines[k + 1]), lines[k + 1]
            assert lines[k + 1].count("|") == width
            j = k + 2
            while j < len(lines) and lines[j].startswith("|"):
                assert lines[j].count("|") == width, lines[j]
                j += 1
    assert tables == 2 * len(problems)


def test_the_key_holds_the_chain_rule_from_explain(problems):
    """Mazur's key writes ∂E/∂w5 as explain() does, with every number, and the update."""
    key = sheet([exercises.mazur()], "text", answers=True)
    assert "∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in key
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in key
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in key
    assert "= ½[(0.75136507 − 0.01)² + (0.772928465 − 0.99)²] = 0.298371109" in key


ENV = re.compile(r"\\(begin|end)\{([^}]*)\}")


def test_latex_environments_and_braces_balance(problems):
    """Every \\begin has its \\end in order; braces balance; no character LaTeX cannot take."""
    tex = sheet(problems, "latex", answers=True)
    stack = []
    for kind, name in ENV.findall(tex):
        if kind == "begin":
            stack.append(name)
        else:
            assert stack and stack.pop() == name, name
    assert not stack
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    body = tex.replace("\\{", "").replace("\\}", "")
    assert body.count("{") == body.count("}")
    assert not re.search(r"[→∂·−×½Σ²←′]", tex), "unicode math left in the LaTeX"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installation (pdflatex)")
def test_the_latex_sheet_compiles_to_pdf(problems, tmp_path):
    """pdflatex makes a PDF of the sheet with its key, with no error and no overfull line."""
    path = tmp_path / "sheet.tex"
    path.write_text(sheet(problems, "latex", answers=True), encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    log = (tmp_path / "sheet.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-2000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 1000
    assert "Overfull \\hbox" not in log


class Strict(HTMLParser):
    """Checks that every element closes in order (void elements aside)."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.seen[tag] = self.seen.get(tag, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen[tag] = self.seen.get(tag, 0) + 1

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()


def test_the_html_sheet_parses_and_has_a_diagram_per_variant(problems):
    """Every element closes in order; one diagram per variant."""
    parser = Strict()
    page = sheet(problems, "html", answers=True)
    parser.feed(page)
    parser.close()
    assert not parser.stack
    assert parser.seen["svg"] == len(problems)
    assert parser.seen["section"] == 2 * len(problems)
    assert "0.35891648" in page  # Mazur's new w5 in the key


def test_an_unknown_format_is_refused(problems):
    """A format lernpy cannot write is an error naming the ones it can."""
    with pytest.raises(UnknownNameError, match="expected one of"):
        sheet(problems, "pdf")
