"""Bytes to checked text: binary refused, encodings guessed (UTF-8, UTF-16 with a BOM,
cp1252, latin-1), newlines unified, too-short texts refused; files read with a size limit."""

from __future__ import annotations

import codecs
from pathlib import Path

from summarizer.errors import InputError, ManyArticlesError
from summarizer.inputs.base import MAX_BYTES, MIN_WORDS
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


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else cp1252, else latin-1. Never fails."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
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
    return _decode(data)


def _read_file_bytes(path: Path) -> bytes:
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; check the path.") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc
    if path.is_dir():
        raise ManyArticlesError(where, "is a folder")
    if size > MAX_BYTES:
        raise InputError(f"{where} is {size // (1024 * 1024)} MB, too large for one article; split it.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc
