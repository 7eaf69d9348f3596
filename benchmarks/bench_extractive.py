"""Time the extractive backend: median milliseconds per article over N runs.

    python benchmarks/bench_extractive.py [ARTICLE ...] [-n 200]

Defaults to the seed article. The lexicons are loaded once before timing
(first call), as they would be in a long-running process.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from summarizer.backends.extractive import ExtractiveBackend
from summarizer.schema import Article

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="*", default=[str(ROOT / "seeds" / "ukraine-istanbul-talks.txt")])
    parser.add_argument("-n", type=int, default=200, help="runs per article (default 200)")
    args = parser.parse_args()
    backend = ExtractiveBackend()
    for path in args.articles:
        article = Article(text=Path(path).read_text(encoding="utf-8"), id=Path(path).stem)
        t0 = time.perf_counter()
        backend.summarize(article)  # first call: loads and compiles the lexicons
        first = (time.perf_counter() - t0) * 1000
        times = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            backend.summarize(article)
            times.append((time.perf_counter() - t0) * 1000)
        print(
            f"{Path(path).name}: median {statistics.median(times):.2f} ms, "
            f"p95 {sorted(times)[int(0.95 * len(times)) - 1]:.2f} ms over {args.n} runs "
            f"(first call {first:.1f} ms incl. lexicon load)"
        )


if __name__ == "__main__":
    main()
