"""Load stored results (JSON Lines) back into :class:`~summarizer.schema.Summary` objects.

A results file has one JSON object per line. :func:`load_results` accepts

* a summary: the JSON of :meth:`Summary.model_dump_json`, optionally preceded
  by the input's ``id``, ``url`` and ``source`` (how
  :func:`summarizer.batch.write_jsonl` writes a done item) or wrapped as
  ``{"summary": {...}, ...}``;
* an error record: any object with an ``"error"`` key and no summary, e.g.
  ``{"id": "a1", "url": "https://...", "source": "feed.xml#3", "error": "HTTP 500 after 5 retries"}``.

Summaries come back as the list itself; error records are **not** mixed in,
they are kept separately on :attr:`Results.errors`. A line that is neither
raises :class:`~summarizer.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from summarizer.errors import InputError
from summarizer.schema import Summary

__all__ = ["ResultError", "Results", "load_results"]

#: Keys a batch writes before a summary's own fields: the input's identity.
_INPUT_HEAD = ("id", "url", "source")


@dataclass(frozen=True)
class ResultError:
    """An input that has no summary: its error record from a results file."""

    error: str
    """What went wrong, as stored."""
    id: str | None = None
    """The input's id, when the record has one."""
    url: str | None = None
    """The input's URL, when the record has one."""
    source: str | None = None
    """Where the input was read from (path, ``feed.xml#3``, ``articles.jsonl:12``), when recorded."""
    line: int | None = None
    """1-based line of the results file."""
    record: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The whole record as stored."""

    def __str__(self) -> str:
        return f"{self.id or self.url or self.source or f'line {self.line}'}: {self.error}"


class Results(list[Summary]):
    """The summaries of a results file, in file order, with its error records on :attr:`errors`.

    In a notebook it displays as the digest across the summaries, as a batch's results do.

    >>> results = load_results("out.jsonl")  # doctest: +SKIP
    >>> len(results), len(results.errors)  # doctest: +SKIP
    (38, 2)
    """

    def __init__(self, summaries: Iterable[Summary] = (), errors: Iterable[ResultError] = (), path: str | None = None) -> None:
        super().__init__(summaries)
        self.errors: list[ResultError] = list(errors)
        self.path = path

    def to_dataframe(self) -> Any:
        """One row per item of every summary (:func:`summarizer.tables.results_to_dataframe`); needs pandas.

        >>> load_results("out.jsonl").to_dataframe().groupby("section").size()  # doctest: +SKIP
        """
        from summarizer.tables import results_to_dataframe

        return results_to_dataframe(self)

    def _repr_html_(self) -> str:
        from summarizer import digest

        return digest.to_html_fragment(self, failures=self.errors)

    def _repr_markdown_(self) -> str:
        from summarizer import digest

        return digest.to_markdown(self, failures=self.errors)

    def __repr__(self) -> str:
        where = f" from {self.path!r}" if self.path else ""
        n, e = len(self), len(self.errors)
        return f"<Results: {n} summar{'y' if n == 1 else 'ies'}, {e} error{'' if e == 1 else 's'}{where}>"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _error_message(value: Any) -> str:
    if isinstance(value, dict):  # e.g. {"type": "RateLimitError", "message": "..."}
        message = value.get("message") or value.get("error")
        kind = value.get("type")
        if message:
            return f"{kind}: {message}" if kind else str(message)
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _parse_line(raw: str, lineno: int, where: str) -> Summary | ResultError:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
    if not isinstance(obj, dict):
        raise InputError(f"{where}:{lineno}: expected a JSON object (a summary or an error record).")
    data: Any = obj
    if isinstance(obj.get("summary"), dict):  # a wrapper: {"id": ..., "summary": {...}}
        data = obj["summary"]
    elif "headline" in obj:  # the batch puts the input's id/url/source first; the article has them too
        data = {k: v for k, v in obj.items() if k not in _INPUT_HEAD}
    elif "headline" not in obj and "error" in obj:
        article: dict[str, Any] = obj["article"] if isinstance(obj.get("article"), dict) else {}
        return ResultError(
            error=_error_message(obj["error"]),
            id=_text(obj.get("id", article.get("id"))),
            url=_text(obj.get("url", article.get("url"))),
            source=_text(obj.get("source", article.get("source"))),
            line=lineno,
            record=obj,
        )
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(
            f"{where}:{lineno}: not a summary ({loc}: {first['msg']}; {exc.error_count()} problem(s)).",
            hint="Is this a summarizer results file?",
        ) from None


def load_results(path: str | os.PathLike[str]) -> Results:
    """Load a JSON Lines results file into :class:`Summary` objects.

    Blank lines are skipped. Error records (lines with an ``"error"`` and no
    summary) are not returned as summaries: they are on ``results.errors``.
    A line that is neither raises :class:`~summarizer.errors.InputError`.

    >>> results = load_results("out.jsonl")  # doctest: +SKIP
    >>> results[0].headline  # doctest: +SKIP
    'Trump to call Putin as Russia strikes civilians after first direct talks since 2022'
    >>> [str(e) for e in results.errors]  # doctest: +SKIP
    ['kharkiv-12: HTTP 500 after 5 retries']
    """
    where = os.fspath(path)
    summaries: list[Summary] = []
    errors: list[ResultError] = []
    try:
        # File iteration splits on newlines only; str.splitlines() would also split
        # on U+2028 and friends, which JSON strings may contain unescaped.
        with open(path, encoding="utf-8-sig") as handle:
            for lineno, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                parsed = _parse_line(raw, lineno, where)
                if isinstance(parsed, ResultError):
                    errors.append(parsed)
                else:
                    summaries.append(parsed)
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: cannot read ({exc}).") from None
    return Results(summaries, errors, path=where)
