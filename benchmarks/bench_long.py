"""Long articles with the extractive backend: time and peak memory against size.

    python benchmarks/bench_long.py [--sizes 10000 100000 1000000 5000000] [--repeat 1]

Each text is the sample articles in seeds/ joined over and over up to the size (in
characters), which is the worst case for the backend: every paragraph reports an event.
A text is summarized through the whole pipeline (language, relevance gate, backend in
chunks, merge, grounding rules), in a fresh process per size so peak memory is that size's
own (resource.getrusage's maximum resident set, minus the process's size before the run).
Seconds are wall-clock, cpu the process's CPU time (less sensitive to a busy machine: on
a shared machine wall-clock time is CPU time stretched by the load average printed first).
The last line checks the issue's target, 1 MB in under 3 s, in both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def text_of(size: int) -> str:
    seeds = [p.read_text(encoding="utf-8").strip() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    parts, total, i = [], 0, 0
    while total < size:
        parts.append(seeds[i % len(seeds)])
        total += len(parts[-1]) + 2
        i += 1
    return "\n\n".join(parts)[:size]


def one(size: int) -> dict[str, float]:
    """Run in a child process: summarize a text of ``size`` characters, report time and memory."""
    import resource

    from summarizer import Summarizer

    summarizer = Summarizer(backend="extractive")
    summarizer.summarize(text_of(2_000))  # load lexicons and language model first
    text = text_of(size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    summary = summarizer.summarize(text)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    items = len(summary.items())
    return {"size": size, "seconds": seconds, "cpu": cpu, "peak_mb": (peak - before) / 1024, "rss_mb": peak / 1024,
            "items": items, "chunks": summary.meta.chunks or 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 5_000_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child)))
        return
    rows = []
    print("load average before: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"{'size':>10}  {'seconds':>8}  {'cpu s':>6}  {'s/MB':>6}  {'peak MB':>8}  {'items':>6}  {'chunks':>6}")
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{size:>10,}  {row['seconds']:>8.2f}  {row['cpu']:>6.2f}  {row['seconds'] / size * 1e6:>6.2f}  {row['peak_mb']:>8.1f}  "
              f"{row['items']:>6}  {row['chunks']:>6}")
    print("load average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    mb = next((r for r in rows if r["size"] == 1_000_000), None)
    if mb is not None:
        verdict = {True: "under", False: "OVER"}
        print(f"1 MB in {mb['seconds']:.2f} s wall ({verdict[mb['seconds'] < 3]} the 3 s target), "
              f"{mb['cpu']:.2f} s CPU ({verdict[mb['cpu'] < 3]})")


if __name__ == "__main__":
    main()
