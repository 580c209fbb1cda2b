"""``lernpy step`` driven through a pipe and through a pseudo-terminal; ``lernpy explain``."""

from __future__ import annotations

import csv
import io
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lernpy.cli import main
from lernpy.views.explain import num

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def lernpy_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), COLUMNS="100", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


def run_stepper(commands: list[str], *args: str) -> dict[str, str]:
    """Feed ``commands`` through stdin; return the screen text after each, by command."""
    done = subprocess.run(
        [sys.executable, "-m", "lernpy", "step", *args],
        input="".join(c + "\n" for c in commands),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=lernpy_env(),
        timeout=120,
        check=True,
    )
    screens: dict[str, str] = {}
    parts = re.split(r"^> (.*)$", done.stdout, flags=re.M)
    screens["(start)"] = parts[0]
    for k in range(1, len(parts), 2):
        key, n = parts[k], 2
        while key in screens:
            key, n = f"{parts[k]} #{n}", n + 1
        screens[key] = parts[k + 1]
    return screens


WHOLE_SAMPLE = [
    "n",  # the sample is presented
    "j",  # on to h1 firing
    "p",  # the rest of the forward pass
    "x w5",  # not reached by the backward pass yet
    "n",  # the loss
    "p",  # the backward pass
    "x w5",
    "x w1",
    "t 2",
    "p",  # the updates
    "k w5",  # w5's history of updates
    "n",  # the epoch ends
    "n",  # nothing left
    "b 43",  # back over every step of the sample
    "t w5",
    "b",  # nothing left to undo
    "q",
]


@pytest.fixture(scope="module")
def screens() -> dict[str, str]:
    return run_stepper(WHOLE_SAMPLE, "mazur")


def test_stepper_starts_with_what_comes_next(screens):
    """The first screen names the example and the first step to come."""
    assert "Mazur's 2-2-2 worked example" in screens["(start)"]
    assert "next: the next sample is presented (forward, sample 0, epoch 0)" in screens["(start)"]


def test_stepper_forward_pass_shows_each_step(screens):
    """Forward: each delivery and firing as one line, with the article's values."""
    assert "sample 0 presented: inputs 0.05, 0.1; targets 0.01, 0.99" in screens["n"]
    assert "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775" in screens["j"]
    assert "0.593269992" in screens["j"] and "next: i1→h2 delivers" in screens["j"]
    assert "= 1.105905967, value = sigmoid(net) = 0.75136507" in screens["p"]
    assert "has not reached h1→o1" in screens["x w5"]
    assert "loss E = 0.298371109" in screens["n #2"]


def test_stepper_backward_pass_and_explanations(screens):
    """Backward: sensitivities and blame; then the chain rule for w5 and w1 in numbers."""
    backward = screens["p #2"]
    assert "h1→o1 (w5) learns: ∂E/∂w5 = ∂E/∂net_o1 × out_h1 = 0.138498562 × 0.593269992" in backward
    assert "next: i1→h1 updates its weight (update, sample 0, epoch 0)" in backward
    w5 = screens["x w5 #2"]
    assert "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in w5
    assert "0.036350306 × 0.241300709 × 0.05 = 0.000438568" in screens["x w1"]
    table = screens["t 2"]
    assert "h1→o1 (w5)" in table and "i1→h1 (w1)" not in table  # layer 2 only
    assert "0.082167041" in table and "0.35891648" in table  # ∂E/∂w5 and w5 to come


def test_stepper_updates_then_back_over_the_whole_sample(screens):
    """Updates with Mazur's new weights; back 43 steps restores w5 = 0.4 and the start."""
    updates = screens["p #3"]
    assert "w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648" in updates
    assert "w1 ← w1 − rate·∂E/∂w1 = 0.15 − 0.5 × 0.000438568 = 0.149780716" in updates
    history = next(ln for ln in screens["k w5"].splitlines() if ln.lstrip().startswith("0 "))
    assert history.split()[2:5] == ["0.4", "0.082167041", "0.5"]
    assert history.split()[-1] == "0.35891648"
    assert "epoch 0 ended: mean loss 0.298371109" in screens["n #3"]
    assert "finished" in screens["n #4"]
    back = screens["b 43"]
    assert back.count("undone: ") == 43
    assert back.strip().splitlines()[0].startswith("undone: epoch 0 ended")
    assert "undone: sample 0 presented" in back
    assert "next: the next sample is presented (forward, sample 0, epoch 0)" in back
    row = next(ln for ln in screens["t w5"].splitlines() if "h1→o1 (w5)" in ln)
    assert row.split()[2] == "0.4" and "0.35891648" not in row
    assert "error: nothing to undo" in screens["b"]


def test_stepper_help_and_unknown_commands():
    """h lists the keys; an unknown command or name is reported and the stepper goes on."""
    screens = run_stepper(["h", "zap", "x nobody", "n", "u 0", "w", "i", "k", "q"], "mazur")
    assert "the link table" in screens["h"] and "explain" in screens["h"]
    assert "unknown command 'zap'" in screens["zap"]
    assert "error: no link named 'nobody'" in screens["x nobody"]
    assert "sample 0 presented" in screens["n"]
    assert "i1      input" in screens["u 0"] and "\n h1 " not in screens["u 0"]
    assert "└── layer 2, sigmoid" in screens["w"] and "h1→o1 (w5): weight 0.4" in screens["w"]
    assert "rate 0.5, momentum 0, batch 1 (mean)" in screens["i"]
    assert "sample 0 presented" in screens["k"]  # the trace so far


def test_stepper_reads_the_end_of_input_as_quit():
    """With no q at the end, the end of the pipe ends the session cleanly."""
    screens = run_stepper(["s"], "xor", "--batch-size", "2")
    assert "next: the next sample is presented (forward, sample 1, epoch 0)" in screens["s"]


class Terminal:
    """``lernpy step`` running in a pseudo-terminal: type into it, read its screen."""

    def __init__(self, *args: str) -> None:
        pty = pytest.importorskip("pty")
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lernpy", "step", "mazur", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=lernpy_env(TERM="xterm"),
            close_fds=True,
        )
        os.close(slave)
        self.seen = b""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def read_until(self, marker: str, limit: float = 30.0) -> str:
        """The screen so far (colour codes removed), once ``marker`` is on it."""
        deadline = time.monotonic() + limit  # a safety net against a hang, not a timing check
        while marker not in self.screen():
            assert time.monotonic() < deadline, f"no {marker!r} in {self.seen[-400:]!r}"
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:
                    break
        return self.screen()

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


def test_stepper_in_a_pseudo_terminal_takes_single_keys():
    """At a terminal each key is a command: p moves a phase, x asks for a name, q quits."""
    term = Terminal()
    try:
        term.read_until("step> ")
        term.type("p")
        screen = term.read_until("next: the loss is scored")
        assert "step> p\n" in screen
        assert "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775" in screen
        term.type("pp")
        term.read_until("next: i1→h1 updates its weight")
        term.type("x")
        term.read_until("which link or neuron? ")
        term.type("w5\n")
        screen = term.read_until("(the source value")
        assert "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in screen
        term.type(":")
        term.type("t 2\n")
        screen = term.read_until("Links into layer 2")
        term.type("\r")  # Enter: the next step, the first update
        term.read_until("0.15 − 0.5 × 0.000438568")
        term.type("q")
    finally:
        assert term.close() == 0


def test_stepper_in_a_pseudo_terminal_reads_lines():
    """With --lines a terminal user types whole commands after a prompt."""
    term = Terminal("--lines")
    try:
        term.read_until("step> ")
        term.type("p\n")
        screen = term.read_until("next: the loss is scored")
        assert "h1 fires: net = 0.0075 + 0.02 + 0.35 = 0.3775" in screen
        term.type("x h1\n")
        assert "has not reached h1" in term.read_until("step on")
        term.type("q\n")
    finally:
        assert term.close() == 0


# -- lernpy explain -------------------------------------------------------------------


def test_explain_command_prints_mazur_w5(capsys):
    """``lernpy explain mazur w5``: the article's chain rule and update."""
    assert main(["explain", "mazur", "w5"]) == 0
    out = capsys.readouterr().out
    assert "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in out
    assert "0.4 − 0.5 × 0.082167041 = 0.35891648" in out


def test_explain_command_formats(capsys):
    """LaTeX and Markdown for notes; --before-update leaves the update out."""
    assert main(["explain", "mazur", "w1", "--format", "latex"]) == 0
    latex = capsys.readouterr().out
    assert r"0.036350306 \times 0.241300709 \times 0.05 = 0.000438568" in latex
    assert main(["explain", "mazur", "h1->o1", "--format", "markdown"]) == 0
    assert "$$" in capsys.readouterr().out
    assert main(["explain", "mazur", "w5", "--before-update"]) == 0
    out = capsys.readouterr().out
    assert "0.082167041" in out and "0.35891648" not in out


def test_explain_command_lists_names_and_rejects_unknown_ones(capsys):
    """No name lists the links and neurons; a wrong name is an error that names it."""
    assert main(["explain", "mazur"]) == 0
    assert "w5 (h1→o1)" in capsys.readouterr().out
    assert main(["explain", "mazur", "w9"]) == 1
    assert "'w9'" in capsys.readouterr().err
    assert main(["explain", "nowhere", "w5"]) == 1
    assert "'nowhere' is neither a demo" in capsys.readouterr().err


def test_explain_command_on_another_sample(capsys):
    """XOR's fourth sample (1, 1 → 0): the output's error is value − 0."""
    assert main(["explain", "xor", "y1", "--index", "3"]) == 0
    out = capsys.readouterr().out
    assert "target_y1" in out and "− 0 =" in out


def test_step_command_takes_a_sample_and_a_rate(monkeypatch, capsys):
    """--sample and --rate change what is stepped: w5 ← 0.4 − 0.1 × 0.082167041 = 0.391783296."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("r\nq\n"))
    assert main(["step", "mazur", "--sample", "0.05,0.1:0.01,0.99", "--rate", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "rate 0.1" in " ".join(out.splitlines()[:2])
    assert "w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.1 × 0.082167041" in out
    assert "= 0.391783296" in out
    assert "next: nothing (finished)" in out


def test_step_command_reports_a_bad_file_or_sample(tmp_path, monkeypatch, capsys):
    """A broken network file or a malformed sample is an error with its name, exit code 1."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("q\n"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["step", str(broken), "--sample", "1,2:3"]) == 1
    assert "broken.json" in capsys.readouterr().err
    assert main(["step", "mazur", "--sample", "0.05 0.1"]) == 1
    assert "expected INPUTS:TARGETS" in capsys.readouterr().err


def test_step_command_steps_a_saved_network(tmp_path, monkeypatch, capsys):
    """A network saved to a file steps like the example it was saved from."""
    from lernpy import examples
    from lernpy.data import netfile as network_files

    path = tmp_path / "mazur.json"
    network_files.save(examples.mazur(), path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("r\n"))
    assert main(["step", str(path), "--sample", "0.05,0.1:0.01,0.99"]) == 0
    assert "= 0.4 − 0.5 × 0.082167041" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("s\n"))
    assert main(["step", "xor", "--data", "and"]) == 0
    assert "targets 0" in capsys.readouterr().out


def test_stepper_tables_and_traces_name_shared_weights():
    """`t W[1,1], V[1,1]` (a comma inside brackets belongs to the name) and `k W[1,1]`."""
    screens = run_stepper(["p", "p", "p", "p", "t W[1,1], V[1,1]", "k W[1,1]", "x W[1,1]"], "rnn")
    table = screens["t W[1,1], V[1,1]"]
    assert "W[1,1] (Σ of 2 links)" in table and "V[1,1] (Σ of 3 links)" in table
    assert "h1@t1→h1@t2 (W[1,1])" in table
    assert "Updates of W[1,1]: 1" in screens["k W[1,1]"]
    assert "Shared weight W[1,1]: ∂E/∂W[1,1] = Σ over its 2 links" in screens["x W[1,1]"]
    backward = screens["p #3"]
    assert "∂E/∂W[1,1] so far: Σ of 1 of 2 terms" in backward
    assert "∂E/∂W[1,1] so far: Σ of 2 of 2 terms" in backward


# -- keys that take an argument, bad arguments, settings, exports ---------------------------


def test_keys_that_take_an_argument_ask_for_it_at_a_terminal():
    """k, t and b ask for their argument (k w5 ran k, then w, then 'unknown command 5')."""
    term = Terminal()
    try:
        term.read_until("step> ")
        term.type("ppp")
        term.read_until("next: i1→h1 updates its weight")
        term.type("r")
        term.read_until("epoch 0 ended")
        term.type("k")
        term.read_until("which link? (Enter: the last steps) ")
        term.type("w5\n")
        screen = term.read_until("Updates of h1→o1: 1")
        assert "unknown command" not in screen
        term.type("t")
        term.read_until("which layer or links? (Enter: all) ")
        term.type("2\n")
        term.read_until("Links into layer 2")
        term.type("b")
        term.read_until("how many steps back? (Enter: 1) ")
        term.type("3\n")
        screen = term.read_until("undone: h1→o2 (w7) updates")
        assert screen.count("undone: ") == 3
        term.type("q")
    finally:
        assert term.close() == 0


def test_bad_arguments_get_a_message_and_change_nothing(tmp_path):
    """t 9 printed an empty table; b x a Python error; a setting needs a name and a number."""
    screens = run_stepper(["t 9", "u 7", "b x", "b 0", "o speed 3", "rate nope", "o epochs 0",
                           "f nothing.csv", "q"], "mazur")  # fmt: skip
    assert "error: no layer '9': the layers are 1 to 2" in screens["t 9"]
    assert "error: no layer '7': the layers are 0 to 2" in screens["u 7"]
    assert "error: b takes a whole number of steps, such as b 3: got 'x'" in screens["b x"]
    assert "got '0'" in screens["b 0"]
    assert "error: set what?" in screens["o speed 3"]
    assert "error: rate 'nope': expected a number" in screens["rate nope"]
    assert "error: epochs is 0: expected a whole number ≥ 1" in screens["o epochs 0"]
    assert "error: no table to write yet" in screens["f nothing.csv"]
    assert all("next: the next sample is presented" in screens[k] for k in screens if k != "q")


def test_rate_and_epochs_change_inside_and_a_table_goes_to_a_file(tmp_path):
    """Set the rate before the updates and add an epoch after the end; export the last table."""
    out = tmp_path / "layer2"
    screens = run_stepper(["p", "p", "p", "o rate 0.1", "r", "o epochs 2", "s", "t 2",
                           f"f {out}.csv", f"f {out}.md", f"f {out}.tex", f"f {out}.doc", "i",
                           "q"], "mazur")  # fmt: skip
    assert "rate is now 0.1" in screens["o rate 0.1"]
    assert "w5 ← w5 − rate·∂E/∂w5 = 0.4 − 0.1 × 0.082167041 = 0.391783296" in screens["r"]
    assert (
        "next: the next sample is presented (forward, sample 0, epoch 1)" in screens["o epochs 2"]
    )
    assert "sample 0 presented" in screens["s"]
    assert "epochs 2" in screens["i"] and "rate 0.1" in screens["i"]
    rows = list(csv.reader(open(f"{out}.csv", encoding="utf-8")))
    assert rows[0][:3] == ["link", "weight", "source value"]
    assert [r[0] for r in rows[1:]] == [
        "h1→o1 (w5)", "h2→o1 (w6)", "b2→o1", "h1→o2 (w7)", "h2→o2 (w8)", "b2→o2"
    ]  # fmt: skip
    assert rows[1][0] == "h1→o1 (w5)" and float(rows[1][1]) == pytest.approx(0.391783296, abs=5e-10)
    assert open(f"{out}.md", encoding="utf-8").read().startswith("**Links into layer 2")
    assert "\\toprule" in open(f"{out}.tex", encoding="utf-8").read()
    assert "expected a file ending in .csv, .md, .tex" in " ".join(screens[f"f {out}.doc"].split())


# -- every command reads a row of a data file, and knows every demo ------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A network trained by `lernpy train` on iris.csv, and the file."""
    folder = tmp_path_factory.mktemp("rows")
    for args in (
        ("datasets", "iris", "--csv", "iris.csv"),
        ("train", "iris.csv", "--layers", "4,5,3", "--epochs", "2", "--save", "net.json"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "lernpy", *args],
            cwd=folder,
            env=lernpy_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr  # fmt: skip
    return folder


def test_explain_a_saved_network_on_a_row_of_its_data_file(saved, capsys, monkeypatch):
    """--data FILE.csv --row N: the row's measurements scaled as in training, the species as the
    target; the chain rule equals one made by hand from the same row."""
    from lernpy.data.csvdata import read_csv
    from lernpy.data.netfile import load

    monkeypatch.chdir(saved)
    assert main(["explain", "net.json", "h2", "--data", "iris.csv", "--row", "120",
                 "--format", "markdown"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    net = load("net.json")
    x, target = read_csv("iris.csv").samples[120]
    net.scheduler((net.preprocessing.inputs(x), target), rate=0.5).run()
    assert out == net["h2"].explain(format="markdown")
    assert main(["explain", "net.json", "h2", "--data", "iris.csv", "--row", "150"]) == 1
    assert "--row 150: the data has 150 samples, rows 0 to 149" in capsys.readouterr().err


def test_step_and_lesson_replay_a_row_of_a_data_file(saved, capsys, monkeypatch):
    from lernpy.data.csvdata import read_csv
    from lernpy.data.netfile import load

    monkeypatch.chdir(saved)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\nq\n"))
    assert main(["step", "net.json", "--data", "iris.csv", "--row", "3"]) == 0
    prep = load("net.json").preprocessing
    x, _ = read_csv("iris.csv").samples[3]
    shown = ", ".join(num(v) for v in prep.inputs(x))
    out = " ".join(capsys.readouterr().out.split())  # (a narrow terminal wraps the line)
    assert f"sample 0 presented: inputs {shown}; targets 1, 0, 0" in out
    assert main(["lesson", "net.json", "--data", "iris.csv", "--row", "3", "-o", "row.html"]) == 0
    page = (saved / "row.html").read_text(encoding="utf-8")
    assert page.count('"k":"Presented"') == 1 and "sepal_length" in page


@pytest.mark.parametrize("name", ["conv", "digits", "iris", "mazur", "rnn", "spirals", "xor"])
def test_every_demo_lernpy_demo_lists_works_in_every_command(name, tmp_path, monkeypatch, capsys):
    """`lernpy lesson iris` said "neither a demo (mazur, xor)" though `lernpy demo` lists iris."""
    from lernpy.cli.main import demo_names

    assert name in demo_names()
    if name == "digits":
        pytest.importorskip("sklearn", reason="the digits demo needs scikit-learn")
    monkeypatch.chdir(tmp_path)
    assert main(["explain", name]) == 0  # lists its links and neurons
    assert "links:" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\nq\n"))
    assert main(["step", name]) == 0
    assert "sample 0 presented" in capsys.readouterr().out
    if name in ("conv", "iris", "mazur", "rnn", "xor"):  # (spirals, digits: thousands of steps)
        assert main(["lesson", name, "-o", "page.html", "--samples", "1"]) == 0
        assert (tmp_path / "page.html").stat().st_size > 0
    assert main(["draw", name, "-o", "net.svg"]) == 0


def test_the_stepper_marks_a_deliberate_mistake_and_names_the_optimizer():
    """--update sequential marks every update line; --optimizer shows in the info screen."""
    screens = run_stepper(["p", "p", "p", "p", "i"], "mazur", "--update", "sequential")
    backward = screens["p #3"]  # the sequential updates happen in the backward pass
    assert backward.count("updates:") == 8
    assert backward.count("deliberate mistake (update='sequential')") == 8
    assert "mistake" in screens["i"] and "update='sequential'" in screens["i"]
    screens = run_stepper(
        ["p", "p", "p", "p", "x w5"], "mazur", "--optimizer", "adam", "--rate", "0.01"
    )
    assert "m̂ = m / (1 − β₁^t)" in screens["x w5"]
    assert "= 0.4 − 0.01 × 0.082167041 / 0.082167051 = 0.390000001" in screens["x w5"]
