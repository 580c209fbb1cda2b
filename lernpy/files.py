"""Files: reading text, and writing atomically (every file lernpy writes goes through here).

>>> read_text("no/such.csv", LernpyError, "a CSV file")
Traceback (most recent call last):
lernpy.errors.LernpyError: no such file
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from typing import IO

from lernpy.errors import LernpyError

KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a pipe",
    stat.S_IFSOCK: "a socket",
}


def read_text(
    path: str | os.PathLike[str],
    fail: Callable[[str], LernpyError],
    what: str,
    encoding: str = "utf-8",
) -> str:
    """A file's text, line endings as they are; ``fail(reason)`` is raised when it cannot be read.

    ``what`` names the kind of file a directory is not ("a CSV file"). Only a regular
    file is read: a device (``/dev/zero``) or a pipe is refused before it is opened.
    """
    raw = read_bytes(path, fail, what)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise fail(f"is not UTF-8 text ({exc.reason})") from None


def read_bytes(
    path: str | os.PathLike[str], fail: Callable[[str], LernpyError], what: str
) -> bytes:
    """A regular file's bytes (as :func:`read_text`: a device or a pipe is refused unopened)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(f"is a directory, not {what}")
    if not stat.S_ISREG(info.st_mode):
        # a device never ends (/dev/zero) and a pipe may wait forever for a writer
        kind = KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
        raise fail(f"is not a regular file ({kind}): lernpy reads only regular files")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail(f"is a directory, not {what}") from None
    except MemoryError:
        raise fail(f"is too large to read ({info.st_size} bytes)") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None


def write_atomically(path: str, data: bytes, fail: Callable[..., LernpyError]) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half.

    The bytes go to a temporary file beside the file, are flushed to disk, and only
    then renamed over it; on any failure the temporary file is removed and
    ``fail(reason, path=path)`` is raised (a lernpy error naming the path).

    - A symlink is written through: its target gets the new bytes, the link stays.
    - Only a regular file is replaced: a folder, a device (``/dev/stdout``), a pipe or
      a socket is refused, untouched (a command line writes to stdout with ``-``).
    - An existing file keeps its mode (and, where allowed, its owner); a new one gets
      the usual mode for new files (0666 less the umask).
    - The temporary file is named after the file and this process
      (``.net.json.lernpy-PID-XXXX.tmp``): a save killed half-way leaves one behind,
      and the next save of that file removes it once its process is gone.
    """
    try:
        current: os.stat_result | None = os.stat(path)  # through any symlinks
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise fail(f"cannot be written ({exc.strerror})", path=path) from None
    if current is not None and not stat.S_ISREG(current.st_mode):
        kind = KINDS.get(stat.S_IFMT(current.st_mode), "not a file")
        raise fail(
            f"is not a regular file ({kind}): lernpy writes and replaces only regular files",
            path=path,
        )
    real = os.path.realpath(path)  # a symlink's target: the link itself stays
    directory, name = os.path.split(real)
    _sweep(directory, name)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{name}.lernpy-{os.getpid()}-", suffix=".tmp",
                                    dir=directory)  # fmt: skip
    except OSError as exc:
        raise fail(f"cannot write here ({exc.strerror})", path=path) from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view[:65536])
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        _same_mode(temp, current)
        os.replace(temp, real)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise fail(
                f"cannot be written ({exc.strerror or exc}); the old file, if any, is unchanged",
                path=path,
            ) from None
        raise
    try:  # make the rename itself durable; not every system can open a directory
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _same_mode(temp: str, current: os.stat_result | None) -> None:
    """Give the temporary file the old file's mode and owner, or the mode of a new file."""
    if current is None:
        # mkstemp makes the file private (0600); give it the usual mode for new files
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        return
    os.chmod(temp, stat.S_IMODE(current.st_mode))
    if hasattr(os, "chown") and (current.st_uid, current.st_gid) != _owner(temp):
        try:
            os.chown(temp, current.st_uid, current.st_gid)
        except OSError:  # only root may give a file away: the new file is then the writer's
            pass


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _sweep(directory: str, name: str) -> None:
    """Remove temporary files of saves of ``name`` whose process no longer runs."""
    prefix = f".{name}.lernpy-"
    try:
        entries = [e for e in os.listdir(directory) if e.startswith(prefix) and e.endswith(".tmp")]
    except OSError:
        return
    for entry in entries:
        pid = entry[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            try:
                os.unlink(os.path.join(directory, entry))
            except OSError:
                pass


def _running(pid: int) -> bool:
    """Is process ``pid`` alive (on this machine)?"""
    if pid == os.getpid() or os.name != "posix":
        return True  # (on Windows, os.kill would end the process: never sweep there)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its file
    return True


def text_out(text: str, file: str | os.PathLike[str] | IO[str] | None) -> str | None:
    """The text itself when ``file`` is None; else written to ``file`` (a path, atomically, or
    an open file) and None, so that a REPL has nothing left to echo.

    >>> import io
    >>> buffer = io.StringIO()
    >>> text_out("a,b\\n", None), text_out("a,b\\n", buffer), buffer.getvalue()
    ('a,b\\n', None, 'a,b\\n')
    """
    if file is None:
        return text
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        write_atomically(path, text.encode("utf-8"), _cannot_write)
    elif callable(getattr(file, "write", None)):
        file.write(text)
    else:
        raise LernpyError(f"cannot write to {type(file).__name__}: expected a path or a text file")
    return None


def _cannot_write(reason: str, path: str) -> LernpyError:
    return LernpyError(f"{path}: {reason}")
