"""Every demo in demos/ runs and prints exactly its checked output (demos/NAME.out)."""

import subprocess
import sys
from pathlib import Path

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"
SCRIPTS = sorted(p for p in DEMOS.glob("*.py") if not p.name.startswith("_"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, encoding="utf-8", timeout=600,
        env={"PYTHONIOENCODING": "utf-8", "COLUMNS": "100", "NO_COLOR": "1", "PATH": ""},
    )  # fmt: skip


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_demo_prints_its_checked_output(script):
    expected = script.with_suffix(".out")
    assert expected.exists(), f"{script.name} has no {expected.name}"
    result = run(str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.read_text(encoding="utf-8")


def test_lernpy_demo_runs_the_same_script():
    result = run("-m", "lernpy", "demo", "mazur")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (DEMOS / "mazur.out").read_text(encoding="utf-8")


def test_lernpy_demo_lists_every_demo():
    result = run("-m", "lernpy", "demo")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == [p.stem for p in SCRIPTS]


def test_mazur_demo_prints_the_published_numbers():
    """The walk-through shows the article's figures (an oracle independent of the .out file)."""
    text = (DEMOS / "mazur.out").read_text(encoding="utf-8")
    for figure in ["0.593269992", "0.75136507", "0.772928465", "0.298371109",
                   "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041", "0.000438568",
                   "0.149780716", "0.35891648", "0.408666186", "0.51130127", "0.561370121",
                   "0.0000351019", "0.984064274"]:  # fmt: skip
        assert figure in text, figure


def test_xor_demo_predictions_are_right():
    text = (DEMOS / "xor.out").read_text(encoding="utf-8")
    for line in text.splitlines():
        if " xor " in line:
            value, target = (
                float(line.split("=")[1].split()[0]),
                float(line.split("target")[1][:-1]),
            )
            assert abs(value - target) < 0.1, line


def _sum_check(text: str, name: str) -> None:
    """The demo's sum: its printed terms add up to the printed total, which a central
    difference (printed beside it) confirms."""
    import re

    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"∂E/∂{name} = Σ"))
    first = next(
        i for i in range(start, len(lines)) if lines[i].startswith("= ") and "+" in lines[i]
    )
    end = next(i for i in range(first + 1, len(lines)) if lines[i].startswith("= "))
    terms_text = " ".join(lines[first:end]).lstrip("= ")
    terms = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", terms_text)]
    total = float(lines[end].lstrip("= "))
    assert len(terms) == int(re.search(r"used by (\d+) links", text).group(1))
    assert abs(sum(terms) - total) <= len(terms) * 5e-10
    numeric = next(line for line in lines[start:] if "a central difference" in line)
    assert abs(float(numeric.split(":")[-1]) - total) <= 1e-8


def test_conv_demo_sum_adds_up_and_the_net_learns_the_bars():
    text = (DEMOS / "conv.out").read_text(encoding="utf-8")
    _sum_check(text, "k1")
    accuracy = next(line for line in text.splitlines() if "test accuracy" in line)
    assert float(accuracy.split("=")[-1].rstrip("%")) >= 95.0


def test_rnn_demo_sum_adds_up_and_the_net_learns_the_parity():
    text = (DEMOS / "rnn.out").read_text(encoding="utf-8")
    _sum_check(text, "W[1,1]")
    steps = next(line for line in text.splitlines() if "steps =" in line)
    assert float(steps.split("=")[-1].strip().split("%")[0]) >= 95.0
