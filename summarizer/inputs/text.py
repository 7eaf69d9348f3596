"""Bytes to checked text: binary refused, encodings guessed (UTF-8, UTF-16 with a BOM, mostly-UTF-8
with a warning, legacy encodings detected), newlines unified, too-short texts refused; files, pipes
and lines read with a size limit (``MAX_BYTES``), never more."""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from summarizer.errors import InputError, ManyArticlesError
from summarizer.inputs.base import MAX_BYTES, MIN_WORDS, log
from summarizer.language import word_count


def _is_binary(data: bytes) -> bool:
    """NUL bytes, or more than 10% control characters in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if (b < 32 and b not in b"\t\n\r\f\v\x1b") or b == 127)
    return controls / len(head) > 0.10


def _decode(data: bytes, where: str | None = None) -> str:
    """Bytes to text; never fails. UTF-8 (BOM or not) and UTF-16 with a BOM first. Text that is
    UTF-8 but for a few bad bytes is read as UTF-8, the bad bytes replaced by U+FFFD (a warning
    names ``where`` when given). Anything else is a legacy encoding: detected with charset-normalizer
    when its letters are not Latin (cp1251, koi8-r, ...), else cp1252, else latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text, bad = _utf8_replacing(data)
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if good and bad <= good:  # mostly UTF-8: keep it, and say that some bytes were not
        if where is not None:
            log.warning(
                "%s: %d byte%s not valid UTF-8, replaced with U+FFFD; re-save the file as UTF-8 to keep them.",
                where, bad, "" if bad == 1 else "s",
            )
        return text
    return _decode_legacy(data)


def _utf8_replacing(data: bytes) -> tuple[str, int]:
    """``data`` decoded as UTF-8 with U+FFFD for each bad byte, and how many bad bytes there were."""
    escaped = data.decode("utf-8", errors="surrogateescape")  # each bad byte becomes one lone surrogate
    text, bad = _ESCAPED.subn("\ufffd", escaped)
    return text, bad


_ESCAPED = re.compile("[\udc80-\udcff]")


def _decode_legacy(data: bytes) -> str:
    """A single- or multi-byte legacy encoding: charset-normalizer's guess when it reads non-Latin letters
    (Cyrillic, Greek, Arabic, CJK ...); otherwise cp1252, else latin-1, which it cannot tell apart reliably."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        guess = str(best)
        letters = [ch for ch in guess if ord(ch) > 127 and ch.isalpha()]
        latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
        if letters and latin * 2 < len(letters):
            return guess
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _clean(text: str) -> str:
    """Unify newlines and trim the ends; offsets downstream refer to this text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_text(text: str, where: str) -> str:
    text = _clean(text)
    if not text:
        raise InputError(f"{where} is empty.")
    words = word_count(text)
    if words < MIN_WORDS:
        raise InputError(
            f"{where} has only {words} word{'' if words == 1 else 's'}, too short to summarize "
            f"(at least {MIN_WORDS} needed); pass the full article text."
        )
    return text


def _check_bytes(data: bytes, where: str) -> str:
    """Refuse binary data, decode the rest."""
    if not data.strip():
        raise InputError(f"{where} is empty.")
    if _is_binary(data) and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{where}: input is not text (binary file?).")
    return _decode(data, where)


PIPE_IDLE_S = 20.0
"""How long a named pipe or a device given as an input may stay silent (before its first byte, or between two),
unless the caller says (``read_source(..., timeout=)``, ``load_articles(..., timeout=)``, ``--timeout``)."""


def _too_large(where: str) -> InputError:
    return InputError(f"{where} is larger than {MAX_BYTES // (1024 * 1024)} MB, too large for one article; split it.")


def _read_file_bytes(path: Path, idle_s: float | None = None) -> bytes:
    """The whole file, at most ``MAX_BYTES``: a regular file, or a named pipe or character device (``<(cmd)``,
    ``/dev/stdin``), read like stdin but given up after ``idle_s`` (default ``PIPE_IDLE_S``) seconds of silence.
    Other kinds are refused."""
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; check the path.") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ManyArticlesError(where, "is a folder")
    if stat.S_ISREG(mode) and info.st_size > MAX_BYTES:
        raise InputError(f"{where} is {info.st_size // (1024 * 1024)} MB, too large for one article; split it.")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        raise InputError(f"{where} is {_file_type(mode)}, not a file; pass a text, HTML, feed or JSONL file.")
    try:
        if stat.S_ISREG(mode):
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)  # the file may have grown since stat()
        else:
            data = _read_pipe(path, PIPE_IDLE_S if idle_s is None else idle_s)
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc
    if len(data) > MAX_BYTES:
        raise _too_large(where)
    return data


def _file_type(mode: int) -> str:
    """'a named pipe', 'a socket', ... for a file that is not a regular one."""
    for test, name in (
        (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _read_pipe(path: Path, idle_s: float) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes of a named pipe or a device; InputError after ``idle_s`` s without data."""
    import select

    where = str(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe without a writer must not block open()
    try:
        if not hasattr(select, "poll"):  # Windows: no waiting, but still no more than the cap
            os.set_blocking(fd, True)
            return _read_up_to(fd, MAX_BYTES + 1)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            if not poller.poll(idle_s * 1000):
                what = "nothing was written to it" if not size else "it stopped sending"
                raise InputError(
                    f"{where} is {_file_type(os.fstat(fd).st_mode)} and {what} for {idle_s:g} s; "
                    "start the program that writes to it first, raise --timeout, or pass a regular file."
                )
            try:
                chunk = os.read(fd, min(1 << 16, MAX_BYTES + 1 - size))
            except BlockingIOError:
                continue
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := os.read(fd, min(1 << 16, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _capped_lines(handle: BinaryIO, limit: int | None = None) -> Iterator[bytes | None]:
    """The lines of a binary file, each read with at most ``limit`` bytes held; a longer line is skipped
    to its end and yields None in its place (so line numbers still count it). ``limit`` defaults to ``MAX_BYTES``."""
    limit = MAX_BYTES if limit is None else limit
    while line := handle.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line
