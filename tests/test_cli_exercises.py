"""``lernpy exercise`` in a pseudo-terminal, its sheets and keys as files, and ``lernpy audit``."""

from __future__ import annotations

import math
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lernpy import exercises
from lernpy.cli import main

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """``lernpy exercise …`` in a pseudo-terminal: type lines into it, read what it prints."""

    def __init__(self, *args: str) -> None:
        pty = pytest.importorskip("pty")
        self.master, slave = pty.openpty()
        env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lernpy", "exercise", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.seen = b""
        self.read = 0  # how much of the screen read_until has returned already

    def line(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode("utf-8"))

    def read_until(self, marker: str, limit: float = 30.0) -> str:
        """What was printed since the last call, once ``marker`` is among it."""
        deadline = time.monotonic() + limit  # a safety net against a hang, not a timing check
        while marker not in self.screen()[self.read :]:
            assert time.monotonic() < deadline, f"no {marker!r} in {self.seen[-600:]!r}"
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:
                    break
        new = self.screen()[self.read :]
        self.read += new.index(marker) + len(marker)
        return new

    def screen(self) -> str:
        return ANSI.sub("", self.seen.decode("utf-8", "replace")).replace("\r\n", "\n")

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)


def test_exercise_asks_question_by_question_and_names_two_mistakes():
    """Mazur's exercise at a terminal: a forgotten slope, then a missing path, each named."""
    term = Terminal("--mazur")
    try:
        term.read_until("1. out_h1 = ")
        term.line("0.5933")
        term.read_until("right: out_h1 = 0.593269992")
        term.read_until("2. out_o1 = ")
        term.line("0.7514")
        term.read_until("3. E = ")
        term.line("0.2984")
        term.read_until("4. ∂E/∂w5 = ")
        term.line("0.4398")  # 0.74136507 × 0.593269992: the slope left out
        screen = term.read_until("try again")
        assert "the activation derivative forgotten at o1" in screen
        assert "the slope is out_o1·(1 − out_o1) = 0.186815602" in screen
        term.line("0.08217")
        term.read_until("5. ∂E/∂w1 = ")
        term.line("0.055399425 x 0.241300709 x 0.05")  # h1's sum without the path through w7
        screen = term.read_until("try again")
        assert (
            "∂E/∂out_h1: you wrote 0.055399425, which is the sum without the path through w7"
            in (screen)
        )
        term.line("?")
        screen = term.read_until("6. new w5 = ")
        assert "= 0.036350306 × 0.241300709 × 0.05 = 0.000438568" in screen
        term.line("q")
        assert "3 of 5 right at the first try" in term.read_until("right at the first try")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()


def test_a_latex_sheet_of_variants_with_its_key(tmp_path, capsys):
    """--variants 3 --format latex --answers -o: three seeds from --seed, each with its key."""
    out = tmp_path / "sheet.tex"
    args = ["exercise", "--seed", "7", "--variants", "3", "--format", "latex", "--answers"]
    assert main([*args, "-o", str(out)]) == 0
    tex = out.read_text(encoding="utf-8")
    for seed in (7, 8, 9):
        assert f"(seed {seed})" in tex
    assert tex.count(r"\section*{Answers}") == 1
    assert tex == exercises.sheets.sheet(
        [exercises.problem(s) for s in (7, 8, 9)], "latex", answers=True
    )


def test_a_markdown_sheet_without_answers_goes_to_stdout(capsys):
    assert main(["exercise", "--seed", "2", "--shape", "2-2-1", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert "`lernpy exercise --seed 2 --shape 2-2-1`" in text and "# Answers" not in text


def test_the_lesson_page_in_exercise_mode(tmp_path):
    out = tmp_path / "page.html"
    assert main(["exercise", "--mazur", "--lesson", "-o", str(out)]) == 0
    assert '"exercise":{"intro"' in out.read_text(encoding="utf-8")


def test_audit_names_the_first_disagreement_and_the_mistake(tmp_path, capsys):
    """A key with w5's rate left out: exit 3, the point and the mistake named."""
    key = tmp_path / "key.csv"
    key.write_text("name,value\nE,0.298371109\ndE/dw5,0.082167041\nnew w5,0.317832959\n")
    assert main(["audit", str(key), "--mazur"]) == 3
    out = capsys.readouterr().out
    assert "the first number that disagrees: new w5 = 0.317832959 (lernpy: 0.35891648)" in out
    assert "the rate not applied at w5" in out
    key.write_text("E = 0.298371109\n")
    assert main(["audit", str(key), "--mazur"]) == 0
    assert "agrees" in capsys.readouterr().out


def test_audit_of_an_adam_key_names_the_convention(tmp_path, capsys):
    """--optimizer adam: a key with ε inside the square root (worked here from the article's
    ∂E/∂w5; m̂ = g and v̂ = g² at Adam's first update) is named; the sheet states the rule."""
    g, rate = 0.082167041, 0.02  # the rate `lernpy exercise --mazur --optimizer adam` states
    key = tmp_path / "key.txt"
    key.write_text(f"dE/dw5 = {g}\nnew w5 = {0.4 - rate * g / math.sqrt(g * g + 1e-8):.9f}\n")
    assert main(["exercise", "--mazur", "--optimizer", "adam", "--format", "text"]) == 0
    assert "one step of Adam at rate 0.02" in capsys.readouterr().out
    assert main(["audit", str(key), "--mazur", "--optimizer", "adam"]) == 3
    out = capsys.readouterr().out
    assert "the first number that disagrees: new w5" in out
    assert "by a convention: ε inside the square root" in out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["exercise", "--variants", "0", "--format", "text"]) == 1
    assert "--variants is 0" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "missing.csv"), "--mazur"]) == 1
    assert "no such file" in capsys.readouterr().err
