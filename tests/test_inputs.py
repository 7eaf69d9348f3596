"""Tests for summarizer.inputs: files, stdin, URLs, feeds, JSONL, folders, URL lists.

HTTP tests talk to a stdlib server on 127.0.0.1 only; the module-wide
``block_network`` mark keeps every other host blocked (pytest-recording).
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx2
import pytest

from conftest import teaser_feed

from summarizer import inputs as inputs_module
from summarizer.errors import InputError
from summarizer.inputs import (
    MIN_WORDS,
    ArticleStream,
    FetchClient,
    InputFailure,
    ManyArticlesError,
    PendingFetch,
    count_articles,
    fetch_url,
    load_articles,
    load_feed,
    read_source,
    read_stdin,
    read_text_file,
)
from summarizer.schema import Article

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

DATA = Path(__file__).parent / "data"
ARTICLE_HTML = (DATA / "article.html").read_bytes()
LONG_TEXT = (DATA / "article.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# A local HTTP server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    hits: ClassVar[Counter[str]] = Counter()

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.hits[path] += 1
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if path in ("/article.html", "/story/1"):
            self._send(200, ARTICLE_HTML, "text/html; charset=utf-8")
        elif path == "/redirect":
            self._send(302, b"", "text/plain", {"Location": "/article.html"})
        elif path == "/plain.txt":
            self._send(200, LONG_TEXT.encode("utf-8"), "text/plain; charset=utf-8")
        elif path == "/report.pdf":
            self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf")
        elif path == "/slow":
            _RELEASE_SLOW.wait(5)
            self._send(200, ARTICLE_HTML, "text/html")
        elif path.startswith("/delayed/"):  # a page that takes DELAY seconds: its own text, numbered
            time.sleep(DELAY)
            self._send(200, f"Page {path.rsplit('/', 1)[1]}. {LONG_TEXT}".encode(), "text/plain; charset=utf-8")
        elif path == "/feed-teasers.xml":
            body = (DATA / "feed-teasers.xml").read_text(encoding="utf-8").replace("BASE", base)
            self._send(200, body.encode("utf-8"), "application/rss+xml")
        elif path == "/feed-relative.xml":
            body = (DATA / "feed-teasers.xml").read_text(encoding="utf-8").replace("BASE/", "")
            body = body.split("<item>")[0] + "<item>" + body.split("<item>")[1] + "</channel></rss>"
            self._send(200, body.encode("utf-8"), "application/rss+xml")
        elif path == "/feed-rss.xml":
            self._send(200, (DATA / "feed-rss.xml").read_bytes(), "application/rss+xml; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")


_RELEASE_SLOW = threading.Event()
DELAY = 0.5  # seconds each /delayed/ page takes: eight of them one at a time take at least 4 s


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (the timeout test) are expected


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _RELEASE_SLOW.clear()
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _RELEASE_SLOW.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def hits() -> Counter[str]:
    _Handler.hits.clear()
    return _Handler.hits


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _split(items: list[Article | InputFailure]) -> tuple[list[Article], list[InputFailure]]:
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, InputFailure)]


# ---------------------------------------------------------------------------
# Text files


def test_read_text_file_utf8_sets_id_and_source():
    article = read_text_file(DATA / "article.txt")
    assert article.text == LONG_TEXT.strip()
    assert article.id == "article"
    assert article.source == str(DATA / "article.txt")
    assert article.title is None


def test_read_text_file_utf8_with_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + LONG_TEXT.replace("\n", "\r\n").encode("utf-8"))
    article = read_text_file(path)
    assert article.text == LONG_TEXT.strip()
    assert "\ufeff" not in article.text and "\r" not in article.text


def test_read_text_file_cp1252_decodes_curly_quotes_and_euro():
    article = read_text_file(DATA / "cp1252.txt")
    assert "\u201cWe will not give up our land,\u201d" in article.text
    assert "Kremlin\u2019s spokesman" in article.text
    assert "\u20ac500 billion" in article.text
    assert "\u2013 a figure" in article.text


def test_read_text_file_latin1_fallback_when_cp1252_cannot_decode(tmp_path):
    # 0x81 is undefined in cp1252, so this can only be latin-1.
    path = tmp_path / "latin1.txt"
    path.write_bytes(LONG_TEXT.encode("ascii", errors="replace") + " Caf\xe9 \x81".encode("latin-1"))
    assert "Caf\xe9" in read_text_file(path).text


def test_read_text_file_markdown_heading_becomes_title():
    article = read_text_file(DATA / "folder" / "b-talks.md")
    assert article.title == "Delegations meet again in Istanbul"
    assert article.id == "b-talks"


def test_read_text_file_binary_is_refused():
    path = DATA / "not-text.txt"
    with pytest.raises(InputError) as info:
        read_text_file(path)
    assert str(info.value) == f"{path}: input is not text (binary file?)."


def test_read_text_file_control_characters_are_refused(tmp_path):
    path = tmp_path / "controls.txt"
    path.write_bytes(bytes(range(1, 9)) * 50 + b"some words")
    with pytest.raises(InputError, match="input is not text"):
        read_text_file(path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  "])
def test_read_text_file_empty_or_whitespace(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_text_file(path)
    assert str(info.value) == f"{path} is empty."


def test_read_text_file_too_short_says_word_count(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("Kyiv was attacked overnight, officials said.", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_text_file(path)
    message = str(info.value)
    assert message.startswith(f"{path} has only 6 words, too short to summarize")
    assert str(MIN_WORDS) in message and "\n" not in message


def test_a_chinese_article_is_not_refused_as_too_short(tmp_path):
    # No spaces between words: counting by spaces saw one "word" and refused it.
    path = tmp_path / "zh.txt"
    text = "周六，一架无人机袭击了苏梅地区的一辆载有平民的小巴，造成九人死亡、五人受伤。地区官员说，救援人员仍在现场。"
    path.write_text(text, encoding="utf-8")
    assert read_text_file(path).text == text


def test_a_short_chinese_text_is_still_too_short(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_text("无人机袭击了小巴。", encoding="utf-8")
    with pytest.raises(InputError, match="too short to summarize"):
        read_text_file(path)


def test_read_text_file_missing_names_the_path(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="nope.txt: no such file"):
        read_text_file(path)


def test_read_text_file_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ManyArticlesError) as info:
        read_text_file(tmp_path)
    assert str(info.value) == (
        f"{tmp_path} is a folder, not one article. "
        "Read it as a batch: load_articles(), or 'summarizer batch' on the command line."
    )
    assert info.value.what == "is a folder" and info.value.exit_code == 2


def test_input_error_exit_code_is_2(tmp_path):
    with pytest.raises(InputError) as info:
        read_source(str(tmp_path / "missing.txt"))
    assert info.value.exit_code == 2


# ---------------------------------------------------------------------------
# HTML files, stdin, read_source dispatch


def test_html_file_extracts_text_title_and_date():
    article = read_source(str(DATA / "article.html"))
    assert article.title == "Drone strike on minibus kills nine in Sumy region"
    assert article.published == "2025-05-17"
    assert "killing nine people and injuring five others" in article.text
    assert "Privacy" not in article.text and "Sport" not in article.text
    assert article.id == "article"
    assert article.source == str(DATA / "article.html")


def test_html_file_without_article_text(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>x</title><script>var a = 1;</script></head><body><img src='a.png'></body></html>")
    with pytest.raises(InputError, match="no article text found"):
        read_source(str(path))


def test_unknown_extension_is_sniffed(tmp_path):
    as_html = tmp_path / "page.dat"
    as_html.write_bytes(ARTICLE_HTML)
    as_text = tmp_path / "story"
    as_text.write_text(LONG_TEXT, encoding="utf-8")
    assert read_source(str(as_html)).title == "Drone strike on minibus kills nine in Sumy region"
    assert read_source(str(as_text)).text == LONG_TEXT.strip()


def test_read_source_reads_a_file_by_its_content_not_its_extension(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(ARTICLE_HTML)
    article = read_source(str(page))
    assert article.title == "Drone strike on minibus kills nine in Sumy region"
    assert "<" not in article.text and article.id == "page" and article.source == str(page)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ((DATA / "feed-rss.xml").read_bytes(), "is an RSS/Atom feed"),
        (json.dumps({"text": LONG_TEXT}).encode() + b"\n", "holds many articles (JSON Lines)"),
        (b"# reading list\nhttps://example.org/a\nhttps://example.org/b\n", "is a list of URLs"),
    ],
    ids=["feed", "jsonl", "urls"],
)
def test_many_articles_in_a_text_file_or_on_stdin_are_refused(tmp_path, content, what):
    path = tmp_path / "saved.txt"
    path.write_bytes(content)
    with pytest.raises(ManyArticlesError) as from_file:
        read_source(str(path))
    with pytest.raises(ManyArticlesError) as from_stdin:
        read_stdin(io.BytesIO(content))
    assert from_file.value.what == from_stdin.value.what == what
    assert str(from_stdin.value).startswith(f"<stdin> {what}, not one article.")


def test_a_long_jsonl_line_in_a_text_file_is_still_recognised(tmp_path):
    path = tmp_path / "saved.txt"
    path.write_text(json.dumps({"text": LONG_TEXT * 10}) + "\n", encoding="utf-8")
    with pytest.raises(ManyArticlesError, match="JSON Lines"):
        read_source(str(path))
    (article,) = load_articles([str(path)])  # batch reads it as JSON Lines
    assert isinstance(article, Article) and article.source == f"{path}:1"


def test_read_stdin_text_stream():
    article = read_stdin(io.StringIO(LONG_TEXT))
    assert article.text == LONG_TEXT.strip()
    assert article.source == "<stdin>"


def test_read_stdin_bytes_html_is_extracted():
    stream = io.TextIOWrapper(io.BytesIO(ARTICLE_HTML), encoding="utf-8")
    article = read_stdin(stream)
    assert article.title == "Drone strike on minibus kills nine in Sumy region"


def test_read_stdin_empty():
    with pytest.raises(InputError, match=r"^<stdin> is empty\.$"):
        read_stdin(io.StringIO("  \n"))


def test_read_source_dash_reads_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(LONG_TEXT))
    assert read_source("-").text == LONG_TEXT.strip()


def test_read_source_rejects_other_url_schemes():
    with pytest.raises(InputError, match="only http:// and https:// URLs"):
        read_source("ftp://example.org/a.txt")


# ---------------------------------------------------------------------------
# URLs


def test_fetch_url_html_page(server):
    url = f"{server}/article.html"
    article = fetch_url(url)
    assert article.url == url and article.source == url and article.id == url
    assert article.title == "Drone strike on minibus kills nine in Sumy region"
    assert article.published == "2025-05-17"
    assert "killing nine people" in article.text


def test_fetch_url_follows_redirects(server):
    article = fetch_url(f"{server}/redirect")
    assert article.url == f"{server}/article.html"
    assert article.source == f"{server}/redirect"


def test_fetch_url_plain_text_body_is_kept_as_text(server):
    assert fetch_url(f"{server}/plain.txt").text == LONG_TEXT.strip()


def test_fetch_url_404(server):
    url = f"{server}/missing"
    with pytest.raises(InputError) as info:
        fetch_url(url)
    assert str(info.value) == f"{url} answered HTTP 404 Not Found."


def test_fetch_url_pdf_content_type(server):
    with pytest.raises(InputError, match=r"is not a web page \(content-type application/pdf\)"):
        fetch_url(f"{server}/report.pdf")


def test_fetch_url_timeout(server):
    url = f"{server}/slow"
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        fetch_url(url, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert str(info.value) == f"{url} did not answer within 0.5s; check the URL or pass --timeout."


def test_fetch_url_default_timeout_message_says_20s():
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    client = httpx2.Client(transport=httpx2.MockTransport(slow))
    with pytest.raises(InputError, match=r"did not answer within 20s; check the URL or pass --timeout\.$"):
        fetch_url("https://news.example.org/a", client=client)


def test_fetch_url_connection_refused():
    url = f"http://127.0.0.1:{_free_port()}/article"
    with pytest.raises(InputError, match="refused the connection"):
        fetch_url(url, timeout=2)


def test_fetch_url_dns_failure_via_transport():
    def no_dns(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("[Errno -2] Name or service not known", request=request)

    client = httpx2.Client(transport=httpx2.MockTransport(no_dns))
    with pytest.raises(InputError) as info:
        fetch_url("https://no-such-host.invalid/a", client=client)
    assert str(info.value) == (
        "https://no-such-host.invalid/a: host no-such-host.invalid not found (DNS lookup failed); "
        "check the URL or your network."
    )


def test_read_source_dispatches_urls(server):
    assert read_source(f"{server}/article.html", timeout=5).url == f"{server}/article.html"


# ---------------------------------------------------------------------------
# Feeds


def test_rss_feed_uses_full_content():
    items = list(load_feed(DATA / "feed-rss.xml", fetch=False))
    assert all(isinstance(i, Article) for i in items)
    first, second = items
    assert first.id == "ex-2025-0517-sumy"
    assert first.url == "https://news.example.org/2025/05/17/sumy-minibus"
    assert first.title == "Drone strike on minibus kills nine in Sumy region"
    assert first.published == "Sat, 17 May 2025 14:30:00 GMT"
    assert first.source == f"{DATA / 'feed-rss.xml'}#1"
    assert "\u201cThis is a deliberate strike on civilians,\u201d" in first.text
    assert "trackReader" not in first.text and "<p>" not in first.text
    assert first.text.count("\n") == 2  # one paragraph a line
    assert "two hours on Monday, the Kremlin said.\nPutin said" in second.text  # <br> is a line break


def test_atom_feed_html_and_xhtml_content():
    first, second = load_feed(str(DATA / "feed-atom.xml"), fetch=False)
    assert first.id == "urn:example:2025-05-20-sanctions"
    assert first.url == "https://news.example.org/2025/05/20/eu-sanctions"
    assert first.published == "2025-05-20T08:00:00Z"
    assert "17th package of sanctions" in first.text and "&lt;" not in first.text
    assert second.published == "2025-05-21T10:15:00Z"  # falls back to <updated>
    assert "captured the village of Bahatyr" in second.text


def test_feed_teasers_are_fetched_from_the_link(server, hits, tmp_path):
    feed = tmp_path / "teasers.xml"
    feed.write_text((DATA / "feed-teasers.xml").read_text().replace("BASE", server), encoding="utf-8")
    fetched, failure = load_feed(feed, timeout=5)
    assert isinstance(fetched, Article)
    assert fetched.id == "teaser-1"
    assert fetched.url == f"{server}/story/1"
    assert fetched.title == "Drone strike on minibus kills nine"  # the feed's title wins
    assert fetched.published == "Sat, 17 May 2025 14:30:00 GMT"
    assert fetched.source == f"{feed}#1"
    assert "regional administration" in fetched.text  # only on the page, not in the teaser
    assert isinstance(failure, InputFailure)
    assert failure.id == "teaser-2" and failure.url == f"{server}/missing"
    assert failure.error == f"{server}/missing answered HTTP 404 Not Found."
    assert hits["/story/1"] == 1


def test_feed_url_with_teasers(server, hits):
    items = list(load_feed(f"{server}/feed-teasers.xml", timeout=5))
    assert [type(i).__name__ for i in items] == ["Article", "InputFailure"]
    assert items[0].source == f"{server}/feed-teasers.xml#1"


def test_feed_fetch_false_keeps_teasers(server, hits):
    teaser, too_short = load_feed(f"{server}/feed-teasers.xml", fetch=False)
    assert isinstance(teaser, Article)
    assert teaser.text.endswith("Read more on our site.")
    assert isinstance(too_short, InputFailure)
    assert "teaser of 5 words" in too_short.error
    assert hits["/story/1"] == 0 and hits["/missing"] == 0


def test_broken_feed_yields_partial_results_then_a_failure():
    path = DATA / "feed-broken.xml"
    items = list(load_feed(path, fetch=False))
    articles, failures = _split(items)
    assert [a.id for a in articles] == ["broken-1", "broken-2"]
    assert articles[1].title == "Second entry survives & parses"
    assert isinstance(items[-1], InputFailure)
    assert items[-1].error.startswith(f"{path} is malformed XML at line")
    assert all("\n" not in f.error for f in failures)


def test_feed_entry_whose_page_cannot_be_fetched_keeps_its_own_text(server, tmp_path, caplog):
    feed = tmp_path / "broken.xml"
    feed.write_text((DATA / "feed-broken.xml").read_text().replace("https://news.example.org", f"{server}/gone"))

    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        first, second, truncated, damage = load_feed(feed, timeout=5)

    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == "broken-1" and first.url == f"{server}/gone/2025/05/24/kyiv-attack"
    assert first.text.startswith("Russia launched one of its largest combined missile and drone attacks")
    assert first.source == f"{feed}#1"
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings[0] == (
        f"{feed}#1: could not fetch the full article, so the feed's own text (52 words) is used: "
        f"{server}/gone/2025/05/24/kyiv-attack answered HTTP 404 Not Found."
    )
    assert len(warnings) == 2
    assert isinstance(truncated, InputFailure) and truncated.url is None
    assert truncated.error == f"{feed}#3: entry has no text and no link; the feed may be truncated."
    assert isinstance(damage, InputFailure) and "malformed XML" in damage.error


def test_teaser_too_short_to_stand_alone_still_fails_when_its_page_is_gone(server, tmp_path):
    feed = tmp_path / "teasers.xml"
    feed.write_text((DATA / "feed-teasers.xml").read_text().replace("BASE", server), encoding="utf-8")

    _, gone = load_feed(feed, timeout=5)

    assert isinstance(gone, InputFailure) and gone.error == f"{server}/missing answered HTTP 404 Not Found."


def test_unreadable_feed_yields_one_failure(tmp_path):
    path = tmp_path / "junk.xml"
    path.write_bytes(b"<<<< this is not xml at all")
    (failure,) = load_feed(path)
    assert isinstance(failure, InputFailure)
    assert failure.source == str(path)


def test_missing_feed_file_yields_failure(tmp_path):
    (failure,) = load_feed(tmp_path / "gone.xml")
    assert "no such file" in failure.error


# ---------------------------------------------------------------------------
# JSONL


def test_jsonl_good_and_bad_lines():
    path = DATA / "articles.jsonl"
    items = list(load_articles([str(path)]))
    assert [type(i).__name__ for i in items] == ["Article", "Article", "InputFailure", "InputFailure", "Article"]
    odesa, swap, bad_json, no_text, numeric = items
    assert odesa.id == "odesa-port" and odesa.url == "https://news.example.org/odesa"
    assert odesa.source == f"{path}:1"
    assert swap.id == "articles:2"  # no id: file stem and line number
    assert bad_json.source == f"{path}:4"  # line 3 is blank
    assert bad_json.error.startswith(f"{path}:4: not valid JSON")
    assert no_text.id == "no-text" and 'missing "text"' in no_text.error
    assert numeric.id == "42" and numeric.published == "20250523"


def test_jsonl_error_names_the_column_once(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "x", "text": "two\tcolumns"}\n')  # a raw tab inside a JSON string
    (failure,) = load_articles([str(path)])
    assert failure.error == (
        f"{path}:1: not valid JSON (Invalid control character at column 25); fix or remove the line."
    )


def test_a_feed_cut_after_one_entry_says_entry_not_entries(tmp_path):
    path = tmp_path / "cut.xml"
    text = (DATA / "feed-broken.xml").read_text(encoding="utf-8")
    path.write_text(text[: text.index("<item>", text.index("broken-1"))], encoding="utf-8")
    *_, damage = load_feed(path, fetch=False)
    assert "; read 1 entry, later ones may be missing." in damage.error


def test_jsonl_is_streamed(tmp_path):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"text": LONG_TEXT})
    with path.open("w", encoding="utf-8") as out:
        for _ in range(10_000):
            out.write(line + "\n")
    items = load_articles([str(path)])
    first = next(items)
    assert isinstance(first, Article) and first.source == f"{path}:1"
    # Overwrite the last line in place: a lazy reader sees the change, an eager one would not.
    size = path.stat().st_size
    with path.open("r+b") as out:
        out.seek(size - len(line) - 1)
        out.write(b"#" * len(line))
    rest = list(items)
    assert len(rest) == 9_999
    assert isinstance(rest[-1], InputFailure) and rest[-1].source == f"{path}:10000"


def test_load_articles_is_lazy(tmp_path):
    items = load_articles([str(tmp_path / "missing.txt")])  # nothing happens yet
    (failure,) = list(items)
    assert "no such file or folder" in failure.error


# ---------------------------------------------------------------------------
# Folders, URL lists, several inputs


def test_folder_is_read_sorted_and_recursively():
    folder = DATA / "folder"
    items = list(load_articles([str(folder)]))
    assert [i.id for i in items] == ["a-kharkiv", "b-talks", "c-power"]  # notes.csv skipped
    assert items[2].title == "Shelling damages power plant in Zaporizhzhia region"


def test_empty_folder_is_a_failure(tmp_path):
    (failure,) = load_articles([str(tmp_path)])
    assert "has no .txt, .md or .html files" in failure.error


def test_url_list_file(server, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# reading list\n{server}/article.html\n\n{server}/report.pdf\n{server}/feed-rss.xml\n", encoding="utf-8"
    )
    items = list(load_articles([str(listing)], fetch=False, timeout=5))
    articles, failures = _split(items)
    assert [a.source for a in articles] == [
        f"{server}/article.html",
        f"{server}/feed-rss.xml#1",
        f"{server}/feed-rss.xml#2",
    ]
    assert len(failures) == 1 and "application/pdf" in failures[0].error


def test_several_inputs_one_failing_does_not_stop_the_others(server, tmp_path):
    inputs = [
        str(DATA / "article.txt"),
        str(DATA / "not-text.txt"),
        str(tmp_path / "missing.md"),
        f"{server}/missing",
        str(DATA / "feed-atom.xml"),
        str(DATA / "cp1252.txt"),
    ]
    items = list(load_articles(inputs, fetch=False, timeout=5))
    articles, failures = _split(items)
    assert [a.id for a in articles] == [
        "article",
        "urn:example:2025-05-20-sanctions",
        "urn:example:2025-05-21-village",
        "cp1252",
    ]
    assert [f.source for f in failures] == [str(DATA / "not-text.txt"), str(tmp_path / "missing.md"), f"{server}/missing"]
    assert failures[2].url == f"{server}/missing"


def test_feed_sniffed_without_xml_extension(tmp_path):
    path = tmp_path / "feed.download"
    shutil.copy(DATA / "feed-rss.xml", path)
    assert len(list(load_articles([str(path)], fetch=False))) == 2


def test_pretty_printed_json_is_one_clear_failure(tmp_path):
    path = tmp_path / "articles.json"
    path.write_text(json.dumps([{"text": LONG_TEXT}], indent=2), encoding="utf-8")
    (failure,) = load_articles([str(path)])
    assert "is JSON but not JSON Lines" in failure.error


def test_relative_feed_links_resolve_against_the_feed_url(server, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"{server}/feed-relative.xml\n", encoding="utf-8")
    (article,) = load_articles([str(listing)], timeout=5)
    assert isinstance(article, Article)
    assert article.url == f"{server}/story/1"
    assert "regional administration" in article.text


# ---------------------------------------------------------------------------
# Fetching pages at once: deferred teasers, fetch_workers


def test_deferred_teasers_are_pending_fetches_that_resolve_like_inline_ones(server, hits, tmp_path):
    feed = tmp_path / "teasers.xml"
    feed.write_text((DATA / "feed-teasers.xml").read_text().replace("BASE", server), encoding="utf-8")

    pending = list(load_articles([str(feed)], timeout=5, defer_fetch=True))

    assert [type(i) for i in pending] == [PendingFetch, PendingFetch]
    assert sum(hits.values()) == 0  # nothing fetched yet
    assert (pending[0].source, pending[0].id, pending[0].url) == (f"{feed}#1", "teaser-1", f"{server}/story/1")
    client = FetchClient()
    try:
        resolved = [p.resolve(client) for p in pending]
    finally:
        client.close()
    assert resolved == list(load_articles([str(feed)], timeout=5))
    assert isinstance(resolved[0], Article) and "regional administration" in resolved[0].text
    assert isinstance(resolved[1], InputFailure)
    assert resolved[1].error == f"{server}/missing answered HTTP 404 Not Found."


def test_a_deferred_teaser_whose_page_is_gone_resolves_to_its_own_text_with_a_warning(server, tmp_path, caplog):
    feed = tmp_path / "broken.xml"
    feed.write_text((DATA / "feed-broken.xml").read_text().replace("https://news.example.org", f"{server}/gone"))
    first = next(load_articles([str(feed)], timeout=5, defer_fetch=True))
    assert isinstance(first, PendingFetch)

    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        article = first.resolve()  # no client: one is made for this fetch

    assert isinstance(article, Article) and article.id == "broken-1" and article.source == f"{feed}#1"
    assert article.text.startswith("Russia launched one of its largest combined missile and drone attacks")
    assert [r.getMessage() for r in caplog.records] == [(
        f"{feed}#1: could not fetch the full article, so the feed's own text (52 words) is used: "
        f"{server}/gone/2025/05/24/kyiv-attack answered HTTP 404 Not Found."
    )]


def test_fetch_workers_fetch_teasers_at_once_and_yield_them_in_order(server, tmp_path):
    feed = teaser_feed(tmp_path / "feed.xml", [f"{server}/delayed/{i}" for i in range(8)])

    start = time.monotonic()
    items = list(load_articles([str(feed)], timeout=5, fetch_workers=8))
    elapsed = time.monotonic() - start

    assert [i.source for i in items] == [f"{feed}#{n}" for n in range(1, 9)]
    assert all(isinstance(i, Article) and i.text.startswith(f"Page {n}. ") for n, i in enumerate(items))
    assert elapsed < 2.5  # one at a time: at least 8 x 0.5 s


@pytest.mark.parametrize("defer", [False, True])
def test_fetch_workers_fetch_a_url_list_at_once_and_expand_its_feeds_in_place(server, tmp_path, defer):
    pages = [f"{server}/delayed/{i}" for i in range(8)]
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join([*pages[:4], f"{server}/feed-rss.xml", *pages[4:]]) + "\n", encoding="utf-8")

    start = time.monotonic()
    items = list(load_articles([str(listing)], timeout=5, fetch_workers=8, defer_fetch=defer))
    elapsed = time.monotonic() - start

    assert [i.source for i in items] == [*pages[:4], f"{server}/feed-rss.xml#1", f"{server}/feed-rss.xml#2", *pages[4:]]
    assert all(isinstance(i, Article) for i in items)
    assert elapsed < 2.5  # one at a time: at least 8 x 0.5 s


def test_fetching_ahead_is_bounded_and_keeps_the_order():
    taken: list[int] = []
    running = [0, 0]  # now, most at once
    lock = threading.Lock()

    def source() -> Iterator[int]:
        for i in range(60):
            taken.append(i)
            yield i

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running)
        time.sleep(0.002 * (i % 5))
        with lock:
            running[0] -= 1
        return i * 2

    out: list[int] = []
    for value in inputs_module._ordered_map(work, source(), 4):
        out.append(value)
        assert len(taken) - len(out) <= 2 * 4  # never more read ahead than twice the workers

    assert out == [i * 2 for i in range(60)]
    assert 1 < running[1] <= 4


def test_a_fetch_client_shared_by_threads_makes_one_connection_pool(monkeypatch):
    made: list[float] = []
    real = inputs_module._new_client

    def slow_new_client(timeout: float) -> httpx2.Client:
        made.append(timeout)
        time.sleep(0.05)  # every thread arrives while the first is still making it
        return real(timeout)

    monkeypatch.setattr("summarizer.inputs.fetch._new_client", slow_new_client)
    client = FetchClient(5)
    threads = [threading.Thread(target=client.stream, args=("GET", "http://127.0.0.1:9/")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert made == [5]


def test_only_a_stream_not_started_is_switched_to_deferred_fetching():
    stream = load_articles([str(DATA / "feed-rss.xml")], fetch_workers=2)
    assert isinstance(stream, ArticleStream) and not stream.started

    deferred = stream.with_deferred_fetch()

    assert deferred is not stream and deferred.defer_fetch and deferred.fetch_workers == 2
    assert list(stream) == []  # its inputs moved to the new stream
    assert len(list(deferred)) == 2
    started = load_articles([str(DATA / "feed-rss.xml")])
    next(started)
    assert started.with_deferred_fetch(8) is started
    started.close()
    assert list(started) == []
    with pytest.raises(ValueError, match="fetch_workers"):
        load_articles([], fetch_workers=0)


def test_count_articles_counts_what_load_articles_yields(tmp_path):
    inputs = [
        DATA / "articles.jsonl", DATA / "folder", DATA / "feed-rss.xml", DATA / "feed-atom.xml",
        DATA / "article.txt", tmp_path / "missing.txt", tmp_path,  # an empty folder is one error record
    ]
    assert count_articles(inputs) == len(list(load_articles(inputs, fetch=False))) == 15


def test_count_articles_streams_a_feed_in_chunks(monkeypatch):
    feed = Path(__file__).parent.parent / "seeds" / "feed-40.xml"
    for chunk in (3, 7, 64, 1 << 20):  # tags cut at every possible place
        monkeypatch.setattr("summarizer.inputs.count._COUNT_CHUNK", chunk)
        assert count_articles([feed]) == 40


@pytest.mark.parametrize("source", ["https://example.org/rss", "-", "urls.txt"])
def test_count_articles_is_unknown_for_urls_and_stdin(tmp_path, source):
    (tmp_path / "urls.txt").write_text("https://example.org/a\n", encoding="utf-8")
    source = str(tmp_path / source) if source == "urls.txt" else source
    assert count_articles([DATA / "articles.jsonl", source]) is None


def test_input_failure_is_frozen():
    failure = InputFailure(source="a", id=None, url=None, error="a is empty.")
    with pytest.raises(AttributeError):
        failure.error = "x"  # type: ignore[misc]
    assert str(failure) == "a is empty."


def test_seed_inputs_load():
    seeds = Path(__file__).parent.parent / "seeds"
    items = list(load_articles([str(seeds / "feed-sample.xml"), str(seeds / "articles.jsonl")], fetch=False))
    assert items and all(isinstance(i, Article) for i in items)
