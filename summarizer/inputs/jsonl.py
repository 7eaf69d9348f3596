"""JSON Lines files: one Article per line ({id, title, url, published, text}), read lazily."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from summarizer.errors import InputError
from summarizer.inputs.base import MAX_BYTES, InputFailure, _one_line
from summarizer.inputs.text import _capped_lines, _check_text
from summarizer.schema import Article

_JSONL_FIELDS = ("text", "id", "title", "url", "published")


def _jsonl_record(line: bytes, lineno: int, path: Path) -> Article | InputFailure:
    where = f"{path}:{lineno}"
    record_id: str | None = None
    obj: Any = None
    try:
        try:
            obj = json.loads(line.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InputError(f"{where}: line is not UTF-8; re-save the file as UTF-8.") from None
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # json says "Invalid control character at"
            raise InputError(f"{where}: not valid JSON ({reason} at column {exc.colno}); fix or remove the line.") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object with a \"text\" field, got {type(obj).__name__}.")
        if obj.get("id") is not None:
            record_id = str(obj["id"])
        text = obj.get("text")
        if not isinstance(text, str):
            raise InputError(f"{where}: missing \"text\" (the article body as a string); add it or remove the line.")
        fields = {k: obj.get(k) for k in _JSONL_FIELDS[2:]}
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                fields[key] = str(value) if isinstance(value, (int, float)) else None
        return Article(
            text=_check_text(text, where), id=record_id or f"{path.stem}:{lineno}", source=where, **fields
        )
    except InputError as exc:
        url = obj.get("url") if isinstance(obj, dict) else None
        return InputFailure(where, record_id, url if isinstance(url, str) else None, exc.message)
    except ValidationError as exc:
        return InputFailure(where, record_id, None, f"{where}: invalid article ({_one_line(exc.errors()[0]['msg'])}).")


def _load_jsonl(path: Path, data: bytes | None = None) -> Iterator[Article | InputFailure]:
    """One Article per non-blank line, read lazily (from ``data`` when the file was already read: a pipe);
    a bad line, or one longer than ``MAX_BYTES``, yields an InputFailure."""
    try:
        handle = path.open("rb") if data is None else io.BytesIO(data)
    except OSError as exc:
        yield InputFailure(str(path), None, None, f"{path}: cannot read ({exc.strerror or exc}).")
        return
    with handle:
        for lineno, line in enumerate(_capped_lines(handle), start=1):
            if line is None:
                where = f"{path}:{lineno}"
                yield InputFailure(
                    where, None, None,
                    f"{where}: line longer than {MAX_BYTES // (1024 * 1024)} MB, too large for one article; split it.",
                )
            elif line.strip():
                yield _jsonl_record(line, lineno, path)
