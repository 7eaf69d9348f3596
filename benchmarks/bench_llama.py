"""Figures for docs/MODELS.md: the pipeline against a real llama.cpp server running SmolLM2-135M.

Starts llama-cpp-python's server (tests/llama_server.py; needs ``pip install -e '.[local]'``)
on a free loopback port, summarizes sample articles in each mode, and prints per mode:
valid-answer rate, attempts, items kept and dropped, headline/summary replaced, tokens and
seconds per article; then scores the summaries it made against the gold facts in gold/
(``summarizer eval gold --results``; gold articles it did not run count as empty).

Run from the repository root::

    python benchmarks/bench_llama.py                                   # seed + 2 articles, every mode
    python benchmarks/bench_llama.py --modes auto --articles all --json out.json
    python benchmarks/bench_llama.py --base-url http://127.0.0.1:8080/v1   # a server already running

Every call costs tens of seconds on 2 cores; the defaults take about 10 minutes unloaded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from llama_server import MODEL, LlamaServer  # noqa: E402

from summarizer import errors  # noqa: E402
from summarizer.evaluate import evaluate  # noqa: E402
from summarizer.pipeline import Summarizer  # noqa: E402
from summarizer.schema import Article, Summary  # noqa: E402

DEFAULT_ARTICLES = ["ukraine-istanbul-talks", "wire-kharkiv-missile-strike", "sanctions-eu-package"]


def run_one(base_url: str, mode: str, path: Path, options: dict[str, Any]) -> dict[str, Any]:
    s = Summarizer(base_url=base_url, model=MODEL, backend="llm", mode=mode, **options)
    article = Article(text=path.read_text(encoding="utf-8"), id=path.stem, source=str(path))
    started = time.monotonic()
    row: dict[str, Any] = {"mode": mode, "article": path.stem}
    try:
        summary = s.summarize(article)
    except errors.SummarizerError as exc:
        usage = getattr(exc, "usage", None)
        row.update(valid=False, error=str(exc).split(". ")[0][:160], attempts=getattr(exc, "attempts", None),
                   tokens=usage.total_tokens if usage else None)
        summary = None
    else:
        dropped = summary.meta.dropped
        row.update(
            valid=True, used_mode=summary.meta.mode, attempts=summary.meta.attempts,
            kept=len(summary.items()),
            dropped_whole=sum(1 for d in dropped if not d.kept and d.section not in ("headline", "summary")),
            trimmed=sum(1 for d in dropped if d.kept),
            headline_replaced=any(d.section == "headline" for d in dropped),
            summary_replaced=any(d.section == "summary" for d in dropped),
            tokens=summary.meta.usage.total_tokens, headline=summary.headline,
        )
    row["seconds"] = round(time.monotonic() - started, 1)
    row["summary"] = summary
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | articles | valid answers | attempts (mean) | items kept | items dropped | "
        "headline / summary replaced | tokens per article | seconds per article |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mine = [r for r in rows if r["mode"] == mode]
        valid = [r for r in mine if r["valid"]]
        attempts = [r["attempts"] for r in mine if r.get("attempts")]
        tokens = [r["tokens"] for r in mine if r.get("tokens")]
        lines.append(
            f"| {mode} | {len(mine)} | {len(valid)}/{len(mine)} | "
            f"{statistics.mean(attempts):.1f} | {sum(r['kept'] for r in valid)} | "
            f"{sum(r['dropped_whole'] for r in valid)} whole, {sum(r['trimmed'] for r in valid)} trimmed | "
            f"{sum(r['headline_replaced'] for r in valid)} / {sum(r['summary_replaced'] for r in valid)} | "
            f"{statistics.mean(tokens):,.0f} | {statistics.mean(r['seconds'] for r in mine):.0f} |"
            if attempts and tokens else f"| {mode} | {len(mine)} | {len(valid)}/{len(mine)} | – | – | – | – | – | "
            f"{statistics.mean(r['seconds'] for r in mine):.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="auto,tools,md_json,json_schema", help="comma-separated (auto = json here)")
    parser.add_argument("--articles", default=",".join(DEFAULT_ARTICLES), help="seed names, or 'all'")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--max-tokens-ceiling", type=int, default=1024)
    parser.add_argument("--max-attempts", type=int, default=2)
    parser.add_argument("--base-url", help="use a server that is already running")
    parser.add_argument("--json", help="write every row to this file")
    args = parser.parse_args()

    names = [p.stem for p in sorted((ROOT / "seeds").glob("*.txt"))] if args.articles == "all" else args.articles.split(",")
    paths = [ROOT / "seeds" / f"{name}.txt" for name in names]
    options = {"max_attempts": args.max_attempts, "max_tokens": args.max_tokens,
               "max_tokens_ceiling": args.max_tokens_ceiling, "timeout": 900.0, "transport_retries": 1}

    server = None if args.base_url else LlamaServer().start()
    base_url = args.base_url or server.base_url  # type: ignore[union-attr]
    rows = []
    try:
        for mode in args.modes.split(","):
            for path in paths:
                row = run_one(base_url, mode, path, options)
                rows.append(row)
                shown = {k: v for k, v in row.items() if k != "summary"}
                print(json.dumps(shown, ensure_ascii=False), file=sys.stderr, flush=True)
    finally:
        if server:
            server.stop()

    print(table(rows))
    for mode in dict.fromkeys(r["mode"] for r in rows):
        summaries = [r["summary"] for r in rows if r["mode"] == mode and isinstance(r["summary"], Summary)]
        if summaries:
            report = evaluate(ROOT / "gold", results=summaries)
            print(f"\n`summarizer eval gold` on the {len(summaries)} summaries of mode {mode} "
                  f"({len(report.missing)} gold articles not run, scored as empty):\n")
            print(report.to_markdown())
    if args.json:
        Path(args.json).write_text(json.dumps([{k: v for k, v in r.items() if k != "summary"} for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
