"""Precision of a backend on the real-page corpus: what it emits where it should emit nothing.

    python benchmarks/corpus_precision.py [--backend extractive] [--details] [--corpus PATH]

Runs every page of tests/data/corpus/corpus.jsonl through ``Summarizer`` (the same
path as ``summarizer run``) and reports, by label:

* items emitted (diplomacy, attacks, territory, sanctions) on off-topic pages, which
  should all be 0;
* casualty counts (attacks with ``killed`` or ``injured`` set) on non-English pages,
  which should be 0 since the extractive backend reads English only;
* the same figures on the conflict and borderline pages, for context.

--details prints each off-topic item (page id, section, evidence) so that a wrong
one can be traced to the rule that made it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from summarizer.pipeline import Summarizer
from summarizer.schema import Article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus" / "corpus.jsonl"
SECTIONS = ("diplomacy", "attacks", "territory", "sanctions")


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def article(record: dict[str, Any]) -> Article:
    return Article(text=record["text"], id=record["id"], title=record.get("title"), url=record.get("url"))


def casualty_counts(summary: Any) -> int:
    return sum((a.killed is not None) + (a.injured is not None) for a in summary.attacks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--details", action="store_true", help="print every item emitted on an off-topic page")
    args = parser.parse_args()
    records = load(args.corpus)
    summarizer = Summarizer(backend=args.backend)
    pages: Counter[str] = Counter()
    pages_with_items: Counter[str] = Counter()
    items: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    non_english_counts = 0
    non_english_pages = 0
    t0 = time.perf_counter()
    for record in records:
        summary = summarizer.summarize(article(record))
        label = record["label"]
        pages[label] += 1
        per = items.setdefault(label, Counter())
        n = 0
        for section in SECTIONS:
            found = getattr(summary, section)
            per[section] += len(found)
            n += len(found)
            if args.details and label == "off_topic":
                for item in found:
                    evidence = " | ".join(s.text for s in item.evidence)[:160]
                    print(f"{record['id']:40} {section:9} {record['language']} {evidence}")
        pages_with_items[label] += n > 0
        counts[label] += casualty_counts(summary)
        if record["language"] != "en":
            non_english_pages += 1
            non_english_counts += casualty_counts(summary)
    elapsed = time.perf_counter() - t0
    print(f"{len(records)} pages, backend {args.backend}, {elapsed:.1f} s\n")
    print("| label | pages | pages with items | diplomacy | attacks | territory | sanctions | items | casualty counts |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label in ("off_topic", "borderline", "conflict"):
        per = items.get(label, Counter())
        total = sum(per.values())
        print(
            f"| {label} | {pages[label]} | {pages_with_items[label]} | "
            + " | ".join(str(per[s]) for s in SECTIONS)
            + f" | {total} | {counts[label]} |"
        )
    print(f"\nnon-English pages: {non_english_pages}, casualty counts on them: {non_english_counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
