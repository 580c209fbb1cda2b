"""The command line under attack: every failure is one line on stderr, exit 1 or 2, no traceback.

Each case ran into a traceback (or hung) before: a full or closed stdout, a closed
stdin, a device or a pipe named as a file, odd data, absurd options, Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args, cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, close=(), timeout=60):
    """``python -m lernpy ARGS`` with fds in ``close`` closed in the child."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"}

    def closing():
        for fd in close:
            os.close(fd)

    return subprocess.run(
        [sys.executable, "-m", "lernpy", *map(str, args)],
        stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env,
        timeout=timeout, preexec_fn=closing if close else None,
    )  # fmt: skip


def one_line(result, code: tuple[int, ...] = (1, 2)) -> str:
    """The error: the exit code is one of ``code``, stderr one line, no traceback."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode in code, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("lernpy")
    return err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    run(["datasets", "xor", "--csv", "xor.csv"], folder)
    assert run(["train", "xor.csv", "--epochs", "1", "--test", "0", "--save", "net.json"],
               folder).returncode == 0  # fmt: skip
    (folder / "one.csv").write_text("a,b,kind\n1,2,cat\n3,4,cat\n5,6,cat\n")
    (folder / "huge.csv").write_text("a,b,y\n1e200,-1e200,0\n-1e200,1e200,1\n3e200,2e200,0\n")
    (folder / "sub").mkdir()
    return folder


CASES = {
    "predict into a missing folder": (["predict", "net.json", "xor.csv", "-o", "/no/x.csv"],
                                      "cannot write here"),
    "predict into a folder": (["predict", "net.json", "xor.csv", "-o", "sub"], "folder"),
    "predict into /dev/full": (["predict", "net.json", "xor.csv", "-o", "/dev/full"],
                               "character device"),
    "train on one class": (["train", "one.csv", "--epochs", "1"], "one class"),
    "a schedule past the floats": (["train", "xor.csv", "--schedule", "step:1e308:1",
                                    "--epochs", "3"], "largest float"),
    "a boundary of no cells": (["draw", "mazur", "--boundary", "--resolution", "0"], "resolution"),
    "show /dev/zero": (["show", "/dev/zero"], "not a regular file"),
    "a negative epoch count for draw": (["draw", "mazur", "--epochs", "-1"], "epochs"),
    "lesson of no steps": (["lesson", "mazur", "--max-steps", "0"], "max-steps"),
    "an empty save path": (["train", "xor.csv", "--epochs", "1", "--save", ""], "--save"),
    "a sheet of 10**8 variants": (["exercise", "--variants", "100000000", "-o", "s.md"],
                                  "--variants"),
}  # fmt: skip


@pytest.mark.parametrize("args, words", CASES.values(), ids=CASES.keys())
def test_each_failure_is_one_line_without_a_traceback(folder, args, words):
    err = one_line(run(args, folder))
    assert words in err


def test_huge_values_train_after_standardising(folder):
    """±1e200 overflowed the standard deviation (an OverflowError); now they scale to ±1."""
    result = run(["train", "huge.csv", "--epochs", "2", "--test", "0"], folder)
    assert result.returncode == 0 and not result.stderr
    unscaled = run(["train", "huge.csv", "--epochs", "30", "--no-standardize"], folder)
    if unscaled.returncode:  # the weights may blow up: then one line names where
        assert "became" in one_line(unscaled)


@pytest.mark.parametrize("command", ["show", "import"])
def test_a_pipe_named_as_a_file_is_refused_without_waiting(folder, command):
    """show on a FIFO waited for a writer forever; so did import (torch.load)."""
    if command == "import":
        pytest.importorskip("torch", reason="lernpy import needs PyTorch")
    fifo = folder / f"pipe-{command}"
    os.mkfifo(fifo)
    err = one_line(run([command, fifo], folder, timeout=20))
    assert "not a regular file (a pipe)" in err


@pytest.mark.parametrize(
    "args", [["draw", "mazur"], ["datasets", "xor", "--csv", "-"], ["show", "net.json"]]
)
def test_a_full_stdout_is_one_line(folder, args):
    with open("/dev/full", "wb") as full:
        err = one_line(run(args, folder, stdout=full))
    assert "stdout" in err and "No space left" in err


@pytest.mark.parametrize("args", [["draw", "mazur"], ["show", "net.json"], ["datasets"]])
def test_a_closed_stdout_is_one_line(folder, args):
    err = one_line(run(args, folder, stdout=None, close=(1,)))
    assert "stdout" in err


def test_a_closed_stdin_is_one_line(folder):
    err = one_line(run(["step", "mazur"], folder, stdin=None, close=(0,)))
    assert "stdin" in err


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _interrupt(args, folder, wait_for: bytes = b"", cpu: float = 0.0, stdin=subprocess.DEVNULL):
    """Ctrl-C (SIGINT) once ``wait_for`` is on stdout, or once the child used ``cpu`` seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "lernpy", *args], cwd=folder, env=env,
        stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_a_terminal_sends_it,
    )  # fmt: skip
    seen = b""
    deadline = time.monotonic() + 60
    while wait_for and wait_for not in seen and time.monotonic() < deadline:
        seen += child.stdout.read1(4096)
    while cpu and cpu_seconds(child.pid) < cpu and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # on to what comes after the output: waiting for a command
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()  # (not left behind, training on)
        child.communicate()
        raise
    return subprocess.CompletedProcess(args, child.returncode, seen + out, err)


def _ctrl_c_as_a_terminal_sends_it() -> None:
    """In the child: SIGINT as a terminal delivers it. A test run started in the background
    of a shell without job control (``cmd &``) ignores SIGINT, its children inherit that,
    and Python then keeps ignoring it: Ctrl-C would never reach the program under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_in_train_exits_130_saying_where_it_stopped(folder):
    (folder / "many.csv").write_text(
        "a,b,y\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(3000))
    )
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs Linux's /proc to see that training has begun")
    result = _interrupt(["train", "many.csv", "--epochs", "100000"], folder, cpu=1.5)
    err = one_line(result, code=(130,))
    assert "interrupted in epoch" in err


def test_ctrl_c_in_step_exits_130_saying_where_it_stopped(folder):
    read, write = os.pipe()  # stdin that stays open and silent: step waits for a command
    try:
        result = _interrupt(["step", "mazur"], folder, wait_for=b"next:", stdin=read)
    finally:
        os.close(read)
        os.close(write)
    err = one_line(result, code=(130,))
    assert "interrupted" in err and "next:" in err
