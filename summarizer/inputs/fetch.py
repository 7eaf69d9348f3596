"""Fetching pages over http(s) with httpx2: size and time limits, every failure a one-line
:class:`InputError`, and :class:`FetchClient`, one connection pool shared by threads."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from summarizer.errors import InputError, ManyArticlesError
from summarizer.inputs.base import _SNIFF_BYTES, _USER_AGENT, MAX_BYTES, _one_line
from summarizer.inputs.extract import _extract_html
from summarizer.inputs.sniff import _MANY, _looks_like_feed, _looks_like_html
from summarizer.inputs.text import _check_text, _decode, _is_binary
from summarizer.schema import Article

if TYPE_CHECKING:
    import httpx2


@dataclass(frozen=True)
class _Response:
    url: str  # final URL after redirects
    content_type: str  # media type, lower case, without parameters
    charset: str | None
    body: bytes

    def text(self) -> str | bytes:
        """The body decoded with the declared charset; bytes (for trafilatura to sniff) when none."""
        if self.charset:
            try:
                return self.body.decode(self.charset, errors="replace")
            except LookupError:
                pass
        return self.body


def _is_textual(content_type: str) -> bool:
    return (
        not content_type
        or content_type.startswith("text/")
        or content_type in {"application/xhtml+xml", "application/xml", "application/octet-stream"}
        or content_type.endswith(("+xml", "/xml"))
    )


def _new_client(timeout: float) -> httpx2.Client:
    import httpx2

    return httpx2.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=httpx2.Timeout(timeout),
        headers={"User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,text/*;q=0.8,*/*;q=0.5"},
    )


class FetchClient:
    """One connection pool for fetching pages, made on first use (runs that never fetch never build one).

    Safe to share between threads; :meth:`close` it when done. Pass it to
    :meth:`PendingFetch.resolve`. ``timeout`` is only the default: each fetch
    sets its own.
    """

    def __init__(self, timeout: float = 20.0) -> None:
        self._timeout = timeout
        self._client: httpx2.Client | None = None
        self._lock = threading.Lock()

    def stream(self, method: str, url: str, **kwargs: Any) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _new_client(self._timeout)
            client = self._client
        return client.stream(method, url, **kwargs)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_Client = Union["httpx2.Client", FetchClient]


def _http_get(url: str, *, timeout: float, client: _Client | None) -> _Response:
    """GET ``url``; every failure becomes a one-line InputError."""
    import httpx2

    own = client is None
    http = _new_client(timeout) if client is None else client
    too_slow = f"{url} did not answer within {timeout:g}s; check the URL or pass --timeout."
    deadline = time.monotonic() + timeout
    try:
        with http.stream("GET", url, timeout=httpx2.Timeout(timeout)) as response:
            if not 200 <= response.status_code < 300:
                raise InputError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}.".replace(" .", "."))
            media, _, params = response.headers.get("content-type", "").partition(";")
            media = media.strip().lower()
            if not _is_textual(media):
                raise InputError(
                    f"{url} is not a web page (content-type {media}); download it and convert it to text first."
                )
            charset = None
            match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.IGNORECASE)
            if match:
                charset = match.group(1)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    raise InputError(f"{url} sent more than {MAX_BYTES // (1024 * 1024)} MB; that is not one article.")
                if time.monotonic() > deadline:
                    raise InputError(too_slow)
            return _Response(str(response.url), media, charset, b"".join(chunks))
    except httpx2.TimeoutException:
        raise InputError(too_slow) from None
    except httpx2.TooManyRedirects:
        raise InputError(f"{url} redirected too many times; open it in a browser to find the article's address.") from None
    except httpx2.ConnectError as exc:
        raise InputError(_connect_error_message(url, exc)) from None
    except httpx2.UnsupportedProtocol:
        raise InputError(f"{url} is not an http(s) URL.") from None
    except httpx2.InvalidURL:
        raise InputError(f"{url} is not a valid URL; check it.") from None
    except httpx2.HTTPError as exc:
        raise InputError(f"{url} could not be fetched ({type(exc).__name__}: {_one_line(exc)}); try again later.") from None
    finally:
        if own:
            http.close()


def _connect_error_message(url: str, exc: Exception) -> str:
    reason = _one_line(exc).lower()
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    if any(s in reason for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address", "errno -2", "errno -3", "errno 8", "11001")):
        return f"{url}: host {host} not found (DNS lookup failed); check the URL or your network."
    if "refused" in reason or "errno 111" in reason or "10061" in reason:
        return f"{url} refused the connection; check the URL and that the server is running."
    return f"{url} could not be reached ({_one_line(exc)}); check the URL or your network."


def _article_from_response(resp: _Response, url: str) -> Article:
    """Turn a fetched body into an Article: HTML is extracted, text/* kept as text."""
    head = resp.body[:_SNIFF_BYTES]
    if _is_binary(resp.body):
        raise InputError(f"{url}: input is not text (binary file?).")
    if _looks_like_feed(head):
        raise ManyArticlesError(url, _MANY["feed"])
    is_html = resp.content_type in {"text/html", "application/xhtml+xml"} or _looks_like_html(head)
    if is_html:
        article = _extract_html(resp.text(), url, url=resp.url)
    else:
        raw = resp.text()
        text = raw if isinstance(raw, str) else _decode(raw, url)
        article = Article(text=_check_text(text, url), url=resp.url)
    return article.model_copy(update={"id": url, "source": url})


def fetch_url(url: str, *, timeout: float = 20.0, client: httpx2.Client | None = None) -> Article:
    """Fetch a web page and extract its article (follows redirects).

    ``client`` lets a caller reuse one ``httpx2.Client`` (or pass one with a mock transport).
    """
    return _article_from_response(_http_get(url, timeout=timeout, client=client), url)
