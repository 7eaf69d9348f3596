"""URLs and files listing URLs: each fetched once (a feed expands into its entries), several
at once in threads with results kept in order (:func:`_ordered_map`)."""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from summarizer.errors import InputError
from summarizer.inputs.base import _SNIFF_BYTES, InputFailure
from summarizer.inputs.feeds import _feed_articles, _Item, _parse_feed_bytes
from summarizer.inputs.fetch import _article_from_response, _Client, _http_get
from summarizer.inputs.sniff import _URL_LINE, _looks_like_feed
from summarizer.inputs.text import _capped_lines, _decode
from summarizer.schema import Article

_URL_LINE_BYTES = 1 << 16  # longer than any URL a server accepts


@dataclass(frozen=True)
class _Feed:
    parsed: Any  # feedparser's result


def _read_url(url: str, *, timeout: float, client: _Client | None) -> Article | InputFailure | _Feed:
    """Fetch ``url`` once: the feed it holds (parsed), else its article, or why neither."""
    try:
        resp = _http_get(url, timeout=timeout, client=client)
        if _looks_like_feed(resp.body[:_SNIFF_BYTES]):
            return _Feed(_parse_feed_bytes(resp.body, resp.content_type, resp.url, charset=resp.charset, where=url))
        return _article_from_response(resp, url)
    except InputError as exc:
        return InputFailure(url, url, url, exc.message)


def _url_items(
    url: str, read: Article | InputFailure | _Feed, *, fetch: bool, timeout: float, client: _Client | None,
    defer: bool,
) -> Iterator[_Item]:
    if isinstance(read, _Feed):
        yield from _feed_articles(read.parsed, url, fetch=fetch, timeout=timeout, client=client, defer=defer)
    else:
        yield read


def _load_url(
    url: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False,
) -> Iterator[_Item]:
    """A URL is fetched once; a feed is expanded into its entries, anything else is one article."""
    read = _read_url(url, timeout=timeout, client=client)
    yield from _url_items(url, read, fetch=fetch, timeout=timeout, client=client, defer=defer)


_T = TypeVar("_T")
_R = TypeVar("_R")


def _ordered_map(fn: Callable[[_T], _R], items: Iterator[_T], workers: int) -> Iterator[_R]:
    """``map(fn, items)`` with ``workers`` calls at once in threads; results in order, at most ``2 * workers`` ahead.

    Lazy like map: an item is taken only when there is room ahead. Closing the
    iterator drops what was fetched ahead (calls already running finish in their
    threads, within their own timeout).
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="summarizer-fetch")
    ahead: deque[Future[_R]] = deque()
    try:
        for item in items:
            ahead.append(pool.submit(fn, item))
            while len(ahead) >= 2 * workers or (ahead and ahead[0].done()):
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:
        for future in ahead:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


def _load_url_list(
    path: Path, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False, workers: int = 1,
    data: bytes | None = None,
) -> Iterator[_Item]:
    """One item per URL line (a feed's URL: one per entry), in order; ``workers`` pages are fetched at once.
    ``data`` is the file's content when it was already read (a pipe)."""

    def lines() -> Iterator[tuple[int, str]]:
        with path.open("rb") if data is None else io.BytesIO(data) as handle:
            for lineno, raw in enumerate(_capped_lines(handle, _URL_LINE_BYTES), start=1):
                line = _decode(raw).strip() if raw is not None else "(a line longer than 64 KB)"
                if line and not line.startswith("#"):
                    yield lineno, line

    def get(numbered: tuple[int, str]) -> tuple[int, str, Article | InputFailure | _Feed | None]:
        lineno, line = numbered  # fetched (and extracted) in a worker thread when workers > 1
        return lineno, line, _read_url(line, timeout=timeout, client=client) if _URL_LINE.match(line) else None

    for lineno, line, read in _ordered_map(get, lines(), workers):
        if read is None:
            where = f"{path}:{lineno}"
            yield InputFailure(where, None, None, f"{where}: not an http(s) URL ({line[:80]}); fix or comment out the line.")
        else:
            yield from _url_items(line, read, fetch=fetch, timeout=timeout, client=client, defer=defer)
