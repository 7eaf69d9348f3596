"""Many inputs to one lazy stream: :func:`load_articles` dispatches each input (``-``, URL,
feed, JSONL, folder, URL list, article) and returns an :class:`ArticleStream`."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from summarizer.errors import InputError
from summarizer.inputs.base import _OTHER_SCHEME, InputFailure, _is_url, _one_line
from summarizer.inputs.feeds import (
    PendingFetch,
    _feed_articles,
    _Item,
    _load_feed,
    _parse_feed_bytes,
)
from summarizer.inputs.fetch import FetchClient, _Client
from summarizer.inputs.folders import _load_folder
from summarizer.inputs.jsonl import _load_jsonl
from summarizer.inputs.single import (
    _html_article,
    _read_path,
    _text_article,
    read_stdin,
)
from summarizer.inputs.sniff import _file_kind, _sniff
from summarizer.inputs.text import _check_bytes, _read_file_bytes
from summarizer.inputs.urls import _load_url, _load_url_list, _ordered_map
from summarizer.schema import Article


def _load_one(
    source: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False, workers: int = 1,
) -> Iterator[_Item]:
    if source == "-":
        yield read_stdin()
        return
    if _is_url(source):
        yield from _load_url(source, fetch=fetch, timeout=timeout, client=client, defer=defer)
        return
    if _OTHER_SCHEME.match(source):
        raise InputError(f"{source}: only http:// and https:// URLs are supported; download the file and pass its path.")
    path = Path(source)
    if path.is_dir():
        yield from _load_folder(path)
        return
    if not path.exists():
        raise InputError(f"{source}: no such file or folder; check the path.")
    if not path.is_file():  # a named pipe or a device can be read only once: read it whole (capped), then look
        yield from _load_bytes(path, _read_file_bytes(path, timeout), fetch=fetch, timeout=timeout, client=client, defer=defer,
                               workers=workers)
        return
    kind = _file_kind(path)
    if kind == "jsonl":
        yield from _load_jsonl(path)
    elif kind == "json":
        raise InputError(
            f"{source} is JSON but not JSON Lines (one article object per line); "
            "convert it, e.g. with jq -c '.[]', and name it .jsonl."
        )
    elif kind == "feed":
        yield from _load_feed(str(path), fetch=fetch, timeout=timeout, client=client, defer=defer)
    elif kind == "urls":
        yield from _load_url_list(path, fetch=fetch, timeout=timeout, client=client, defer=defer, workers=workers)
    else:
        yield _read_path(path)


def _load_bytes(
    path: Path, data: bytes, *, fetch: bool, timeout: float, client: _Client | None, defer: bool, workers: int,
) -> Iterator[_Item]:
    """An input already read into memory (a pipe, ``<(cmd)``), dispatched on its content like a file."""
    source = str(path)
    text = _check_bytes(data, source)
    kind = _sniff(data)
    if kind == "feed":
        yield from _feed_articles(_parse_feed_bytes(data, where=source), source, fetch=fetch, timeout=timeout,
                                  client=client, defer=defer)
    elif kind == "jsonl":
        yield from _load_jsonl(path, data)
    elif kind == "urls":
        yield from _load_url_list(path, fetch=fetch, timeout=timeout, client=client, defer=defer, workers=workers,
                                  data=data)
    elif kind == "html":
        yield _html_article(path, data)
    else:
        yield _text_article(path, text)


_ItemT_co = TypeVar("_ItemT_co", covariant=True)


class ArticleStream(Iterator[_ItemT_co]):
    """What :func:`load_articles` returns: a lazy iterator that remembers how it was asked for.

    It reads nothing until the first item is asked for; :meth:`close` stops it
    (and its connections). :func:`summarizer.batch.asummarize_many` turns an
    unstarted stream into one that defers teaser fetches to its workers
    (:meth:`with_deferred_fetch`).
    """

    def __init__(
        self, inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, defer_fetch: bool,
        fetch_workers: int,
    ) -> None:
        if fetch_workers < 1:
            raise ValueError("fetch_workers must be at least 1")
        self._inputs = inputs
        self.fetch, self.timeout, self.defer_fetch, self.fetch_workers = fetch, timeout, defer_fetch, fetch_workers
        self._items: Iterator[_ItemT_co] | None = None

    @property
    def started(self) -> bool:
        """Whether an item was asked for (or the stream was closed or handed on)."""
        return self._items is not None

    def __iter__(self) -> ArticleStream[_ItemT_co]:
        return self

    def __next__(self) -> _ItemT_co:
        if self._items is None:
            self._items = _load_all(  # type: ignore[assignment]
                self._inputs, fetch=self.fetch, timeout=self.timeout, defer=self.defer_fetch,
                workers=self.fetch_workers,
            )
        return next(self._items)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop reading; the connections are closed. Later calls to next() raise StopIteration."""
        items, self._items = self._items, iter(())
        close = getattr(items, "close", None)
        if close is not None:
            close()

    def with_deferred_fetch(self, fetch_workers: int | None = None) -> ArticleStream[Article | InputFailure | PendingFetch]:
        """The same inputs, yielding a :class:`PendingFetch` for each teaser instead of fetching it.

        Only for a stream not started yet (a started one is returned as it is):
        its inputs move to the new stream, and this one yields nothing more.
        ``fetch_workers`` (default: this stream's) is how many URL-list pages are fetched at once.
        """
        if self.started:
            return self  # type: ignore[return-value]
        self._items = iter(())
        return ArticleStream(
            self._inputs, fetch=self.fetch, timeout=self.timeout, defer_fetch=True,
            fetch_workers=self.fetch_workers if fetch_workers is None else fetch_workers,
        )

    def __repr__(self) -> str:
        state = "started" if self.started else "not started"
        return f"<ArticleStream defer_fetch={self.defer_fetch} fetch_workers={self.fetch_workers} ({state})>"


@overload
def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = ..., timeout: float = ...,
    defer_fetch: Literal[False] = ..., fetch_workers: int = ...,
) -> ArticleStream[Article | InputFailure]: ...


@overload
def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = ..., timeout: float = ...,
    defer_fetch: bool, fetch_workers: int = ...,
) -> ArticleStream[Article | InputFailure | PendingFetch]: ...


def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = True, timeout: float = 20.0,
    defer_fetch: bool = False, fetch_workers: int = 1,
) -> ArticleStream[Any]:
    """Yield Articles (or InputFailures) from every input, lazily and in order.

    Each input may be ``-``, a URL (article or feed), a feed file, a JSONL file, a folder
    of .txt/.md/.html files, a file listing URLs, or one article file. A failing input,
    line or entry yields an InputFailure; the other inputs are still read.

    Pages (the links of feed teasers, the lines of URL lists) are fetched one at a
    time by default. ``fetch_workers=N`` fetches up to N at once, in threads, while
    still yielding in order (at most ``2 * N`` items are read ahead).
    ``defer_fetch=True`` yields a :class:`PendingFetch` in place of each teaser,
    for the caller to resolve (URL lists are still fetched here: a listed URL may
    be a feed of many entries).

    >>> items = list(load_articles(["seeds/articles.jsonl", "no/such/file.txt"]))
    >>> isinstance(items[-1], InputFailure)
    True
    """
    return ArticleStream(inputs, fetch=fetch, timeout=timeout, defer_fetch=defer_fetch, fetch_workers=fetch_workers)


def _load_all(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, defer: bool, workers: int,
) -> Iterator[_Item]:
    client = FetchClient(timeout)  # one connection pool for the whole run, made when first needed
    items = _load_inputs(inputs, fetch=fetch, timeout=timeout, client=client, defer=defer or workers > 1, workers=workers)
    try:
        if defer or workers == 1:
            yield from items
        else:  # teasers are fetched in threads, and yielded in order
            yield from _ordered_map(
                lambda item: item.resolve(client) if isinstance(item, PendingFetch) else item, items, workers
            )
    finally:
        items.close()
        client.close()


def _load_inputs(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, client: _Client, defer: bool,
    workers: int,
) -> Generator[_Item, None, None]:
    for item in inputs:
        source = str(item)
        try:
            yield from _load_one(source, fetch=fetch, timeout=timeout, client=client, defer=defer, workers=workers)
        except InputError as exc:
            yield InputFailure(source, None, source if _is_url(source) else None, exc.message)
        except OSError as exc:
            yield InputFailure(source, None, None, f"{source}: cannot read ({_one_line(exc.strerror or exc)}).")
