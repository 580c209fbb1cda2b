"""The atomic writer: through symlinks, never over a device or a pipe, modes kept, leftovers swept.

Every file lernpy writes (network files, CSV, pictures, lesson pages, traces,
predictions) goes through ``lernpy.files.write_atomically``.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from lernpy import Network, load, save
from lernpy.data.netfile import NetworkFileError
from lernpy.errors import LernpyError
from lernpy.files import write_atomically


def fail(reason: str, path: str = "") -> LernpyError:
    return LernpyError(f"{path}: {reason}")


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    """Saving through a link used to replace the link with a file; the link stays a link."""
    target = tmp_path / "real.json"
    link = tmp_path / "link.json"
    save(Network.layered(2, 1, seed=1), target)
    link.symlink_to(target)
    net = Network.layered(2, 1, seed=2)
    save(net, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load(target).weights() == net.weights()


def test_a_dangling_symlink_gets_its_target_made(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    write_atomically(str(link), b"a,b\n", fail)
    assert link.is_symlink() and (tmp_path / "made.csv").read_bytes() == b"a,b\n"


def test_a_chain_of_symlinks_and_a_relative_one(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "real").write_bytes(b"old")
    (tmp_path / "one").symlink_to("sub/real")
    (tmp_path / "two").symlink_to(tmp_path / "one")
    write_atomically(str(tmp_path / "two"), b"new", fail)
    assert (tmp_path / "sub" / "real").read_bytes() == b"new"
    assert (tmp_path / "one").is_symlink() and (tmp_path / "two").is_symlink()


def _fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _socket(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return path


@pytest.mark.parametrize("make", [_fifo, _socket, lambda p: p], ids=["fifo", "socket", "folder"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, make):
    """A device node, a pipe or a socket was replaced by a regular file (as root, /dev/stdout)."""
    path = make(tmp_path)
    kind = stat.S_IFMT(os.stat(path).st_mode)
    with pytest.raises(LernpyError, match="not a regular file"):
        write_atomically(str(path), b"data", fail)
    assert stat.S_IFMT(os.stat(path).st_mode) == kind
    assert [p.name for p in tmp_path.iterdir()] == [path.name] or path == tmp_path


def test_a_character_device_behind_a_symlink_is_refused(tmp_path):
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    with pytest.raises(NetworkFileError, match="not a regular file.*character device"):
        save(Network.layered(1, 1), link)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_existing_files_mode_is_kept_and_a_new_one_follows_the_umask(tmp_path):
    """A 0600 file became 0644."""
    private = tmp_path / "private.json"
    private.write_bytes(b"{}")
    private.chmod(0o600)
    save(Network.layered(1, 1), private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    private.chmod(0o640)
    save(Network.layered(1, 1), private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o640
    umask = os.umask(0o027)
    try:
        save(Network.layered(1, 1), tmp_path / "new.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_a_killed_save_are_swept_by_the_next_save(tmp_path):
    """Temporary files name their process: a later save removes those whose process is gone."""
    path = tmp_path / "net.json"
    dead = tmp_path / f".net.json.lernpy-{_dead_pid()}-x1y2.tmp"
    alive = tmp_path / f".net.json.lernpy-{os.getppid()}-a1b2.tmp"  # a live process's (racing)
    other = tmp_path / f".other.json.lernpy-{_dead_pid()}-q.tmp"  # another file's: not ours
    for leftover in (dead, alive, other):
        leftover.write_bytes(b"half")
    save(Network.layered(1, 1), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, alive.name, other.name])


def test_a_save_killed_with_sigkill_leaves_nothing_a_later_save_does_not_sweep(tmp_path):
    path = tmp_path / "net.json"
    good = Network.layered(2, 2, 1, seed=5)
    save(good, path)
    script = textwrap.dedent(
        f"""
        from lernpy import Network, save
        net = Network.layered(60, 60, 60, seed=6)
        while True:
            save(net, {str(path)!r})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
        p.name.endswith(".tmp") for p in tmp_path.iterdir()
    ):
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.wait()
    load(path)  # the old file or a whole new one, never half
    save(good, path)
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


# -- finding 4: every writer goes through the atomic writer --------------------------------


def _trace():
    from lernpy import examples

    net = examples.mazur()
    net.scheduler(examples.MAZUR_SAMPLE, rate=0.5).run()
    return net.trace


def _predict(folder):
    """``lernpy predict net.json in.csv -o PATH``, in this process (files made first)."""
    from lernpy.cli.main import main

    save(Network.layered(2, 2, 1, seed=1), folder / "net.json")
    (folder / "in.csv").write_text("x1,x2\n" + "".join(f"{i},{-i}\n" for i in range(200)))

    def write(path):  # --debug: the error itself comes out (else a line on stderr, exit 1)
        main(
            [
                "--debug",
                "predict",
                str(folder / "net.json"),
                str(folder / "in.csv"),
                "-o",
                str(path),
            ]
        )

    return write


# each makes what it needs, then returns the call that writes PATH
WRITERS = {
    "Trace.to_csv": lambda folder: _trace().to_csv,
    "Trace.to_jsonl": lambda folder: _trace().to_jsonl,
    "predict -o": _predict,
    "save": lambda folder: lambda path: save(Network.layered(3, 20, 2, seed=2), path),
}


@pytest.mark.parametrize("make", WRITERS.values(), ids=WRITERS.keys())
def test_a_full_disk_leaves_the_old_file_and_raises_a_lernpy_error(tmp_path, monkeypatch, make):
    """predict -o and the trace's exports wrote in place: a full disk truncated the old file."""
    import lernpy.files as files

    write = make(tmp_path)
    path = tmp_path / "out.txt"
    path.write_bytes(b"the old file\n")
    real_write = os.write
    budget = [100]

    def full_disk(fd, data):
        if budget[0] <= 0:
            raise OSError(28, "No space left on device")
        n = real_write(fd, bytes(data[: budget[0]]))
        budget[0] -= n
        return n

    monkeypatch.setattr(files.os, "write", full_disk)
    with pytest.raises(LernpyError, match="No space left on device"):
        write(path)
    monkeypatch.undo()
    assert path.read_bytes() == b"the old file\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
