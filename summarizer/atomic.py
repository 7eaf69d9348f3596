"""Output files written whole or not at all: a temporary file in the same folder, flushed to disk,
then renamed over the target. A full disk (or any OSError) leaves the old file as it was, removes
the temporary one and raises :class:`~summarizer.errors.OutputError` naming the file."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from summarizer.errors import OutputError


def _open_temp(fd: int, name: str) -> IO[str]:
    """The temporary file as a text handle (a seam: tests make it fail midway, as a full disk would)."""
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A text handle whose content replaces ``path`` when the block ends without an error.

    >>> import pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = pathlib.Path(folder) / "out.txt"
    ...     with atomic_writer(target) as handle:
    ...         _ = handle.write("whole or nothing")
    ...     print(target.read_text())
    whole or nothing
    """
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    try:
        with _open_temp(fd, tmp) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, ``\\n`` newlines) whole, or leave it as it was."""
    with atomic_writer(path) as handle:
        handle.write(text)


def _mode_for(target: Path) -> int:
    """The permissions the file has now, else what a new file gets (0o666 less the umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_error(target: Path, exc: OSError) -> OutputError:
    kept = f"{target} was left as it was" if target.exists() else f"{target} was not written"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(f"Cannot write {target}: the disk is full; {kept}.",
                           path=str(target), hint="Free some space, or write it to another disk.")
    reason = exc.strerror or str(exc)
    return OutputError(f"Cannot write {target} ({reason}); {kept}.", path=str(target),
                       hint="Check the folder's permissions and free space.")
