"""Rebuild tests/data/corpus/ (real saved web pages) from public repositories' test fixtures.

    python benchmarks/build_corpus.py [--mirrors DIR] [--check]

Reads four repositories as bare git mirrors (``git show HEAD:path``), by default from
/work/.mirror/<owner>+<name>/repo; clone them yourself and pass --mirrors DIR when
they live elsewhere (the layout must be DIR/<owner>+<name>/repo, e.g.
``git clone --bare https://github.com/mozilla/readability DIR/mozilla+readability/repo``).

For each page it stores the article text the way summarizer reads a saved page
(trafilatura ``bare_extraction``, as ``summarizer.inputs`` does), except for the
scrapinghub benchmark, whose human-made ``articleBody`` is used as it is. The labels
(conflict / borderline / off_topic) are the hand decisions in LABELS below, made by
reading each page's title and lede; every page not listed there is off_topic. The
language is the page's declared ``lang`` where the fixture gives one, else py3langid's
guess, checked by eye and corrected in LANGUAGE below.

--check rebuilds in memory and exits 1 when corpus.jsonl differs (no write).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "corpus"
DEFAULT_MIRRORS = Path("/work/.mirror")

SOURCES = {
    "mozilla/readability": "Apache-2.0",
    "scrapinghub/article-extraction-benchmark": "MIT",
    "adbar/trafilatura": "Apache-2.0",
    "postlight/parser": "MIT OR Apache-2.0",
}

#: Pages that are not articles but test cases of the extractors (lorem ipsum, markup edge cases).
SYNTHETIC = {
    "003-metadata-preferred", "004-metadata-space-separated-properties", "005-unescape-html-entities",
    "base-url", "base-url-base-element", "base-url-base-element-relative", "basic-tags-cleaning",
    "comment-inside-script-parsing", "data-url-image", "dev418", "embedded-videos", "hidden-nodes",
    "invalid-attributes", "js-link-replacement", "lazy-image-3", "metadata-content-missing",
    "missing-paragraphs", "normalize-spaces", "ol", "parsely-metadata", "remove-aria-hidden",
    "remove-extra-brs", "remove-extra-paragraphs", "remove-script-tags", "reordering-paragraphs",
    "replace-brs", "replace-font-tags", "rtl-1", "rtl-2", "rtl-3", "rtl-4", "social-buttons",
    "style-tags-removal", "svg-parsing", "title-and-h1-discrepancy", "title-en-dash", "visibility-hidden",
    # duplicates of another fixture in the same repository
    "lifehacker-post-comment-load", "www.wired.com--other.html",
}

#: Hand labels, by corpus id. ``conflict``: the article reports on armed conflict, its
#: diplomacy or sanctions. ``borderline``: political violence, unrest, crime with weapons or
#: military matters that are not a war; neither test counts them. Everything else: off_topic.
LABELS: dict[str, tuple[str, str]] = {
    # scrapinghub/article-extraction-benchmark (ids are the first 8 hex digits of the file name)
    "sh-1ee91d1f": ("conflict", "Syria: Russian and Syrian claims about US forces at al-Tanf and Rukban camp"),
    "sh-7916ecca": ("conflict", "Two US service members killed in a helicopter crash in Afghanistan"),
    "sh-a1fca19b": ("conflict", "Taliban prisoners flown to Qatar for a hostage swap"),
    "sh-d90bda7e": ("conflict", "Verified footage of the Turkish-led offensive in northern Syria"),
    "sh-833caf3b": ("conflict", "International criticism of the US stance on Israeli settlements"),
    "sh-4a44ab3e": ("borderline", "Three protesters killed in Bolivia's post-election unrest"),
    "sh-5fa3154e": ("borderline", "Hong Kong protests (editorial)"),
    "sh-624fcd90": ("borderline", "Hong Kong protesters and police at the Polytechnic University"),
    "sh-e4c6a3b4": ("borderline", "Opinion: Beijing will bring slaughter to Hong Kong"),
    "sh-db6b0816": ("borderline", "US defence secretary accuses China over the South China Sea"),
    "sh-82b6d780": ("borderline", "Sondland impeachment testimony (US military aid to Ukraine)"),
    "sh-8380689f": ("borderline", "Fact check on the former US ambassador to Ukraine"),
    "sh-39d5c43b": ("borderline", "US-China trade war: tariff demands"),
    "sh-702d1da6": ("borderline", "US-China trade war"),
    "sh-b6906ca0": ("borderline", "Guide to tariffs and the trade war"),
    "sh-d605bdef": ("borderline", "Markets on US-China trade talks"),
    "sh-57d46c9d": ("borderline", "Markets on trade doubts"),
    "sh-7837c9d6": ("borderline", "History of the Sunni-Shia split (rebellion, battles)"),
    # mozilla/readability
    "rd-nytimes-1": ("conflict", "United States to lift Sudan sanctions"),
    "rd-wapo-1": ("conflict", "Gunmen attack the Bardo museum in Tunisia; instability in North Africa"),
    "rd-wapo-2": ("conflict", "US-Israeli relations after Netanyahu's victory (Iran talks)"),
    "rd-telegraph": ("borderline", "Zimbabwe coup: Mugabe insists on finishing his term"),
    "rd-la-nacion": ("borderline", "A non-violent solution for the Mapuche question (opinion)"),
    "rd-nytimes-4": ("borderline", "Interest on the debt to exceed military spending"),
    "rd-yahoo-3": ("borderline", "Navy veteran's photo controversy"),
    "rd-yahoo-2": ("borderline", "A news front page; one item is on UN sanctions against North Korea"),
    "rd-herald-sun-1": ("borderline", "Media and new surveillance laws (national security)"),
    # postlight/parser
    "pl-timesofindia.indiatimes.com": ("conflict", "China on Kashmir: India and Pakistan should resolve J&K bilaterally"),
    "pl-abcnews.go.com": ("borderline", "Clinton on Putin's alleged role in the Democratic hack"),
    "pl-www.nytimes.com": ("borderline", "Suspect arrested in Manhattan and New Jersey bombings"),
    "pl-www.westernjournalism.com": ("borderline", "Berlin truck attacker shot dead in Milan"),
    "pl-www.npr.org": ("borderline", "Dylann Roof found guilty of the Charleston church shooting"),
    "pl-www.theguardian.com": ("borderline", "Police violence against Standing Rock protesters"),
    "pl-gothamist.com": ("borderline", "New York's fallout shelters"),
    "pl-mashable.com": ("borderline", "Military-style plane circling Manhattan"),
    "pl-www.bloomberg.com": ("borderline", "Air Force One's cost"),
    "pl-www.nytimes.com--recent": ("borderline", "Nikki Haley resigns as UN ambassador"),
    "pl-www.reddit.com--external-link": ("borderline", "Tolkien's son signing up for the British army"),
    "pl-www.theatlantic.com": ("borderline", "Push alert about the bombing suspect manhunt"),
    "pl-www.investmentexecutive.com": ("borderline", "IMF dims its outlook for the global economy amid the Ukraine war"),
    "pl-www.ndtv.com": ("borderline", "Trump talks of retaliation if India rejects a drug export"),
    # adbar/trafilatura tests/cache
    "tf-dw.com.colonial": ("borderline", "Colonial history (Germany's colonial wars)"),
    "tf-wikimediafoundation.org.turkey": ("borderline", "Turkey's block of Wikipedia"),
}

#: Raw pages kept (gzipped) for the metadata tests, with readability's expected metadata.
RAW_HTML = ("herald-sun-1", "lemonde-1", "nytimes-1")

#: Language corrections where the fixture declares none and py3langid guessed wrong.
LANGUAGE: dict[str, str] = {
    "tf-befifty.montauk": "de",
    "tf-simplyscience.ch.erdoel": "de",
    "tf-denkanstoos.com.2012": "en",  # declared de, the agenda is in English
}


def git_show(repo: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


def git_ls(repo: Path, folder: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", f"HEAD:{folder}"],
        check=True, capture_output=True, text=True,
    ).stdout
    return out.split("\n")[:-1]


def git_head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def extract(html: bytes) -> dict[str, Any]:
    """What summarizer's HTML reader sees: trafilatura with the same options."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    if doc is None:
        return {}
    return {
        "text": (doc.text or "").replace("\r\n", "\n").strip(),
        "title": doc.title or None,
        "url": doc.url or None,
        "author": doc.author or None,
        "date": doc.date or None,
    }


def guess_language(text: str) -> str:
    import py3langid  # type: ignore[import-untyped]

    lang, _ = py3langid.classify(text[:4000])
    return str(lang)


def norm_lang(lang: str | None) -> str | None:
    return lang.split("-")[0].lower() if lang else None


def write_raw_html(repo: Path) -> None:
    """The few raw pages the metadata tests read, and what readability expects of them."""
    folder = OUT / "html"
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name in RAW_HTML:
        html = git_show(repo, f"test/test-pages/{name}/source.html")
        (folder / f"{name}.html.gz").write_bytes(gzip.compress(html, mtime=0))
        meta = json.loads(git_show(repo, f"test/test-pages/{name}/expected-metadata.json"))
        canonical = re.search(rb'<link rel="canonical" href="([^"]+)"', html)
        expected[name] = {
            "title": meta.get("title"), "byline": meta.get("byline"), "lang": meta.get("lang"),
            "published_time": meta.get("publishedTime"),
            "canonical_url": canonical.group(1).decode() if canonical else None,
        }
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def readability(repo: Path) -> Iterator[dict[str, Any]]:
    base = "test/test-pages"
    for name in git_ls(repo, base):
        if name in SYNTHETIC:
            continue
        html = git_show(repo, f"{base}/{name}/source.html")
        meta = json.loads(git_show(repo, f"{base}/{name}/expected-metadata.json"))
        page = extract(html)
        yield {
            "id": f"rd-{name}", "source_repo": "mozilla/readability", "path": f"{base}/{name}/source.html",
            "declared_language": norm_lang(meta.get("lang")), "page": page,
            "title": meta.get("title") or page.get("title"), "url": page.get("url"),
        }


def scrapinghub(repo: Path) -> Iterator[dict[str, Any]]:
    truth = json.loads(git_show(repo, "ground-truth.json"))
    for key, item in sorted(truth.items()):
        html = gzip.decompress(git_show(repo, f"html/{key}.html.gz"))
        page = extract(html)
        page["text"] = item["articleBody"].strip()
        yield {
            "id": f"sh-{key[:8]}", "source_repo": "scrapinghub/article-extraction-benchmark",
            "path": f"html/{key}.html.gz", "declared_language": None, "page": page,
            "title": page.get("title"), "url": item["url"],
        }


def flat_html_folder(repo: Path, folder: str, prefix: str, source: str) -> Iterator[dict[str, Any]]:
    for name in git_ls(repo, folder):
        if not name.endswith(".html") or name in SYNTHETIC:
            continue
        html = git_show(repo, f"{folder}/{name}")
        page = extract(html)
        lang = re.search(rb"<html[^>]*\slang=[\"']?([A-Za-z-]+)", html[:5000], re.IGNORECASE)
        yield {
            "id": f"{prefix}-{name[:-5]}", "source_repo": source, "path": f"{folder}/{name}",
            "declared_language": norm_lang(lang.group(1).decode()) if lang else None, "page": page,
            "title": page.get("title"), "url": page.get("url"),
        }


def word_count(text: str) -> int:
    dense = len(re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]", text))
    return len(text.split()) + dense // 2


def build(mirrors: Path) -> tuple[list[dict[str, Any]], dict[str, str], Counter[str]]:
    repos = {name: mirrors / name.replace("/", "+") / "repo" for name in SOURCES}
    commits = {name: git_head(path) for name, path in repos.items()}
    pages = [
        *readability(repos["mozilla/readability"]),
        *scrapinghub(repos["scrapinghub/article-extraction-benchmark"]),
        *flat_html_folder(repos["adbar/trafilatura"], "tests/cache", "tf", "adbar/trafilatura"),
        *flat_html_folder(repos["postlight/parser"], "fixtures", "pl", "postlight/parser"),
    ]
    skipped: Counter[str] = Counter()
    records = []
    for p in pages:
        text = p["page"].get("text") or ""
        if word_count(text) < 50:
            skipped["under 50 words of article text"] += 1
            continue
        guessed = guess_language(text)
        language = LANGUAGE.get(p["id"]) or (p["declared_language"] if p["declared_language"] else guessed)
        label, why = LABELS.get(p["id"], ("off_topic", ""))
        records.append({
            "id": p["id"], "source_repo": p["source_repo"], "commit": commits[p["source_repo"]],
            "path": p["path"], "licence": SOURCES[p["source_repo"]],
            "url": p["url"], "title": p["title"], "author": p["page"].get("author"),
            "published": p["page"].get("date"), "language": language, "language_guess": guessed,
            "label": label, "label_reason": why or None, "text": text,
        })
    unknown = set(LABELS) - {r["id"] for r in records}
    if unknown:
        raise SystemExit(f"LABELS name pages that are not in the corpus: {sorted(unknown)}")
    return records, commits, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--check", action="store_true", help="exit 1 when corpus.jsonl is out of date")
    args = parser.parse_args()
    records, commits, skipped = build(args.mirrors)
    body = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    target = OUT / "corpus.jsonl"
    if args.check:
        same = target.exists() and target.read_text(encoding="utf-8") == body
        print("corpus.jsonl is up to date" if same else "corpus.jsonl differs: run benchmarks/build_corpus.py")
        return 0 if same else 1
    OUT.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    write_raw_html(args.mirrors / "mozilla+readability" / "repo")
    by = Counter((r["label"], r["language"]) for r in records)
    print(f"{len(records)} pages written to {target.relative_to(ROOT)}; skipped: {dict(skipped)}")
    for (label, lang), n in sorted(by.items()):
        print(f"  {label:10} {lang:5} {n}")
    for name, sha in commits.items():
        print(f"  {name} @ {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
