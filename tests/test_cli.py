"""The command line, run as users run it: in a subprocess."""

import subprocess
import sys

import pytest


def lernpy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lernpy", *args], capture_output=True, text=True, timeout=300
    )


def test_help():
    result = lernpy("--help")
    assert result.returncode == 0 and "demo" in result.stdout


def test_no_command_prints_help_and_exits_2():
    result = lernpy()
    assert result.returncode == 2 and "usage" in result.stdout


def test_unknown_demo_is_an_error_without_traceback():
    result = lernpy("demo", "nope")
    assert result.returncode == 1
    assert result.stderr.startswith("lernpy: error: no demo named 'nope'")
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = lernpy("--debug", "demo", "nope")
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["demo", "a", "b"]])
def test_usage_errors_exit_2(args):
    assert lernpy(*args).returncode == 2


def test_without_pytorch_lernpy_torch_says_how_to_install_it(tmp_path):
    """PyTorch hidden: importing lernpy.torch and `lernpy export` give a clear LernpyError."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import lernpy.torch\nexcept ImportError as e:\n"
        "    from lernpy import LernpyError; print(isinstance(e, LernpyError), e)\n"
        "from lernpy.cli.main import main\nsys.exit(main(['export', 'x.json']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert (
        done.stdout.startswith("True lernpy.torch needs PyTorch") and "pip install" in done.stdout
    )
    assert done.returncode == 1 and "lernpy: error: lernpy.torch needs PyTorch" in done.stderr
