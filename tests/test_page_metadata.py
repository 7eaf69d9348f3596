"""Saved HTML pages keep the canonical URL, title and date the page declares (real pages
from mozilla/readability's test fixtures, see tests/data/corpus/README.md)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from summarizer.inputs import read_html_file

HTML = Path(__file__).resolve().parent / "data" / "corpus" / "html"
EXPECTED = json.loads((HTML / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(params=sorted(EXPECTED))
def saved_page(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    name = request.param
    path = tmp_path / f"{name}.html"
    path.write_bytes(gzip.decompress((HTML / f"{name}.html.gz").read_bytes()))
    return path, EXPECTED[name]


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[1]


def test_saved_page_keeps_its_canonical_url(saved_page: tuple[Path, dict[str, str]]) -> None:
    path, expected = saved_page
    article = read_html_file(path)
    assert article.url is not None
    assert _without_scheme(article.url) == _without_scheme(expected["canonical_url"])


def test_saved_page_keeps_its_title_and_date(saved_page: tuple[Path, dict[str, str]]) -> None:
    path, expected = saved_page
    article = read_html_file(path)
    assert article.title == expected["title"]
    assert article.published and article.published[:2] == "20"


@pytest.mark.parametrize("name", ["nytimes-1", "lemonde-1"])
def test_saved_page_keeps_its_byline_once(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.html"
    path.write_bytes(gzip.decompress((HTML / f"{name}.html.gz").read_bytes()))
    author = read_html_file(path).author
    # the page's byline may list co-authors after the first; each name appears once
    assert author is not None and EXPECTED[name]["byline"].startswith(author.split(";")[0])
    assert len({a.strip().casefold() for a in author.split(";")}) == len(author.split(";"))


def test_a_cms_placeholder_title_gives_way_to_the_pages_own_heading(tmp_path: Path) -> None:
    body = "<p>" + "Troops left the town on Monday after the talks. " * 20 + "</p>"
    page = tmp_path / "escenic.html"
    page.write_text(
        "<html><head><title>escenic</title><meta property='og:title' content='escenic'></head>"
        f"<body><article><h1>Troops withdraw from the border town</h1>{body}</article></body></html>",
        encoding="utf-8",
    )
    assert read_html_file(page).title == "Troops withdraw from the border town"


def test_a_page_with_only_a_placeholder_title_has_no_title(tmp_path: Path) -> None:
    body = "<p>" + "Troops left the town on Monday after the talks. " * 20 + "</p>"
    page = tmp_path / "untitled.html"
    page.write_text(f"<html><head><title>escenic</title></head><body>{body}</body></html>", encoding="utf-8")
    assert read_html_file(page).title is None
