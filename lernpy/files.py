"""Files: reading text, and writing atomically (every file lernpy writes goes through here).

>>> read_text("no/such.csv", LernpyError, "a CSV file")
Traceback (most recent call last):
lernpy.errors.LernpyError: no such file
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO

from lernpy.errors import LernpyError


def read_text(
    path: str | os.PathLike[str],
    fail: Callable[[str], LernpyError],
    what: str,
    encoding: str = "utf-8",
) -> str:
    """A file's text, line endings as they are; ``fail(reason)`` is raised when it cannot be read.

    ``what`` names the kind of file a directory is not ("a CSV file").
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail(f"is a directory, not {what}") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise fail(f"is not UTF-8 text ({exc.reason})") from None


def write_atomically(path: str, data: bytes, fail: Callable[..., LernpyError]) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half.

    The bytes go to a temporary file beside ``path``, are flushed to disk, and only
    then renamed over it; on any failure the temporary file is removed and
    ``fail(reason, path=path)`` is raised (a lernpy error naming the path).
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory
        )
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
        # mkstemp makes the file private (0600); give it the usual mode for new files
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
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
    else:
        file.write(text)
    return None


def _cannot_write(reason: str, path: str) -> LernpyError:
    return LernpyError(f"{path}: {reason}")
