"""Article-derived text can neither inject links or HTML into Markdown nor escape sequences into a terminal.

The Markdown is checked by rendering it with a CommonMark renderer (markdown-it-py, which rich
already needs) whose own link filter is switched off, so the output is judged as a permissive
renderer would show it, independently of how summarizer escapes it.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from factories import make_summary, seed_summary
from markdown_it import MarkdownIt
from rich.console import Console

from summarizer import digest
from summarizer.render import to_html, to_markdown, to_terminal
from summarizer.schema import Article, Attack, Span, Summary

HOSTILE_URLS = [
    "javascript:alert(1)",
    " JavaScript:alert(2)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==",
    "https://x.example/a><img src=x onerror=alert(4)>",
    "https://x.example/a b)[c](javascript:alert(5))",
    "https://x.example/a\n<script>alert(6)</script>",
    "https://x.example/a\"onmouseover=alert(7)",
]
HOSTILE_TEXT = "[t](javascript:alert(8)) <javascript:alert(9)> <img src=x onerror=alert(10)> ![i](data:x)"
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;pwned\x07\x1b[31m\x9b1m\x07\r"
#: What a CommonMark renderer may emit for a digest or a summary; anything else is injected HTML.
ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "ul", "ol", "li", "a", "code", "em", "strong", "hr", "br",
    "table", "thead", "tbody", "tr", "th", "td",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def rendered_tags(markdown: str) -> list[tuple[str, dict[str, str | None]]]:
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    renderer.validateLink = lambda url: True  # judge our escaping, not markdown-it's own filter
    parser = _Tags()
    parser.feed(renderer.render(markdown))
    return parser.tags


def assert_link_safe(markdown: str) -> None:
    tags = rendered_tags(markdown)
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS, markdown
    for tag, attrs in tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            if name in attrs:
                assert re.match(r"https?://[^\s\"'<>]+$", attrs[name] or ""), (tag, attrs)


def _attacked(text: str, *, id: str, url: str | None, title: str | None) -> Summary:
    article = Article(text=text, id=id, url=url, title=title, published="2025-05-17")
    first = text.split(". ")[0]
    return make_summary(
        article,
        headline=f"Drone strike {HOSTILE_TEXT}{ESCAPES}",
        attacks=[Attack(evidence=[Span(text=first, start=0, end=len(first))], place=f"Sumy{ESCAPES}", killed=9)],
    )


class _Failure:
    def __init__(self, id: str, url: str) -> None:
        self.id, self.url, self.error = id, url, f"HTTP 404 {HOSTILE_TEXT}{ESCAPES}"


@pytest.fixture
def hostile_digest() -> dict[str, Any]:
    text = "A drone struck a bus in Sumy on Saturday, killing nine people. Rescue work went on."
    summaries = [
        _attacked(f"{text} Report {k}.", id=f"id{k}`\n[y](javascript:alert({k}))", url=url, title=f"{HOSTILE_TEXT}{ESCAPES}")
        for k, url in enumerate(HOSTILE_URLS)
    ]
    summaries.append(_attacked(f"{text} Report ok.", id="ok", url="https://news.example.org/sumy?a=1&b=(2)", title="Fine"))
    failures = [_Failure(f"failed{k}\n[z](javascript:alert(0))", url) for k, url in enumerate(HOSTILE_URLS)]
    return {"summaries": summaries, "failures": failures}


def test_the_markdown_digest_links_only_http_urls_and_no_url_breaks_out(hostile_digest: dict[str, Any]) -> None:
    markdown = digest.to_markdown(hostile_digest["summaries"], failures=hostile_digest["failures"])

    assert_link_safe(markdown)
    hrefs = [attrs["href"] for tag, attrs in rendered_tags(markdown) if tag == "a"]
    assert "https://news.example.org/sumy?a=1&b=%282%29" in hrefs  # a good URL is still linked
    assert any(h.startswith("https://x.example/a%3E%3Cimg") for h in hrefs)  # escaped, not dropped


def test_the_markdown_digest_carries_no_terminal_escapes(hostile_digest: dict[str, Any]) -> None:
    markdown = digest.to_markdown(hostile_digest["summaries"], failures=hostile_digest["failures"])
    assert not CONTROL.search(markdown.replace("\n", "")), repr(CONTROL.search(markdown.replace("\n", "")))


def test_a_summary_as_markdown_and_in_a_notebook_is_link_safe_and_escape_free() -> None:
    s = seed_summary(headline=f"{HOSTILE_TEXT}{ESCAPES}", summary=f"See <{HOSTILE_URLS[0]}> {ESCAPES}")
    for markdown in (to_markdown(s), s._repr_markdown_()):
        assert_link_safe(markdown)
        assert not CONTROL.search(markdown.replace("\n", ""))


@pytest.mark.parametrize("width", [60, 140])
def test_terminal_and_txt_output_carry_no_escape_sequences(width: int) -> None:
    s = seed_summary(headline=f"Talks{ESCAPES}", summary=f"A summary{ESCAPES}.")
    s = s.model_copy(update={"attacks": [a.model_copy(update={"place": f"Sumy{ESCAPES}"}) for a in s.attacks]})
    out = io.StringIO()

    to_terminal(s, Console(file=out, width=width, highlight=False, emoji=False))  # what -o x.txt writes

    text = out.getvalue()
    assert "Talks" in text and "Sumy" in text
    assert not CONTROL.search(text.replace("\n", "")), repr(text)


def test_the_html_digest_links_only_http_urls(hostile_digest: dict[str, Any]) -> None:
    page = digest.to_html(hostile_digest["summaries"], failures=hostile_digest["failures"])
    parser = _Tags()
    parser.feed(page)
    for _, attrs in parser.tags:
        assert not [name for name in attrs if name.startswith("on")]
        href = attrs.get("href")
        assert href is None or href.startswith(("#", "https://", "http://")), href
    assert "<script" not in page and "<img" not in page


def test_a_summary_as_html_injects_no_tags() -> None:
    page = to_html(seed_summary(headline=HOSTILE_TEXT, summary=HOSTILE_TEXT))
    parser = _Tags()
    parser.feed(page)
    assert "img" not in {tag for tag, _ in parser.tags}
    assert [attrs for _, attrs in parser.tags if "href" in attrs or "src" in attrs] == []
