"""Per-article overhead of the LLM pipeline: everything but waiting for the LLM.

Runs the real pipeline (prompt rendering, instructor request building, the
openai client, JSON parsing, schema validation, grounding, Summary assembly)
against the suite's local OpenAI-compatible server, which answers a canned
draft in well under a millisecond of server work, and subtracts the measured
round trip of a bare request with the same payload.

    python benchmarks/bench_overhead.py [-n 200] [--mode tools]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import openai  # noqa: E402

from llm_server import LLMServer, Reply  # noqa: E402
from summarizer import grounding, names  # noqa: E402
from summarizer.grounding import ground  # noqa: E402


def cold() -> None:
    """Forget per-article caches, so every run costs what a new article costs."""
    grounding._index.cache_clear()
    grounding._stated_numbers.cache_clear()
    grounding._sentence_starts.cache_clear()
    grounding._reads_english.cache_clear()
    names._article_words.cache_clear()
from summarizer.pipeline import Summarizer  # noqa: E402
from summarizer.schema import Article, SummaryDraft  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--mode", default="tools")
    args = parser.parse_args()

    text = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    draft = json.loads((ROOT / "tests" / "data" / "seed_draft.json").read_text(encoding="utf-8"))
    article = Article(text=text)

    with LLMServer() as server:
        server.responder = lambda req: Reply.data(draft)
        s = Summarizer(base_url=server.base_url, api_key="sk-bench", model="bench", mode=args.mode, backend="llm")

        async def pipeline_runs() -> list[float]:
            times = []
            for _ in range(args.n):
                cold()
                t0 = time.perf_counter()
                await s.asummarize(article)
                times.append(time.perf_counter() - t0)
            await s.aclose()
            return times

        async def bare_runs() -> list[float]:
            # the same HTTP exchange without the pipeline: what waiting for a (very fast) LLM costs
            client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0)
            messages = s.backend.prompts.messages(article)  # type: ignore[attr-defined]
            times = []
            for _ in range(args.n):
                t0 = time.perf_counter()
                await client.chat.completions.create(
                    model="bench", messages=messages,  # type: ignore[arg-type]
                    tools=[{"type": "function", "function": {"name": "SummaryDraft", "parameters": {}}}],
                )
                times.append(time.perf_counter() - t0)
            await client.close()
            return times

        asyncio.run(pipeline_runs())  # warm up imports and caches
        full = asyncio.run(pipeline_runs())
        bare = asyncio.run(bare_runs())

    t0 = time.perf_counter()
    for _ in range(args.n):
        cold()
        d = SummaryDraft.model_validate(draft)
        ground(d, text)
    grounding_ms = (time.perf_counter() - t0) / args.n * 1000

    # The checks issue 10 added, per article, over every seed article (cold caches):
    # language detection, the relevance gate, and enforcing the grounding rules.
    from summarizer import gates  # noqa: PLC0415
    from summarizer.backends.extractive import ExtractiveBackend  # noqa: PLC0415

    seeds = [Article(text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    finals = [ExtractiveBackend().summarize(a) for a in seeds]
    gates.with_language(seeds[0])  # load the language model once (about a second, first call only)
    costs: dict[str, float] = {}
    for label, step in (
        ("language detection", lambda i: gates.with_language(seeds[i])),
        ("relevance gate", lambda i: gates.assess(seeds[i])),
        ("enforce counts/speakers", lambda i: grounding.enforce(finals[i])),
    ):
        t0 = time.perf_counter()
        for _ in range(max(1, args.n // len(seeds))):
            for i in range(len(seeds)):
                cold()
                step(i)
        costs[label] = (time.perf_counter() - t0) / (max(1, args.n // len(seeds)) * len(seeds)) * 1000

    med_full, med_bare = statistics.median(full) * 1000, statistics.median(bare) * 1000
    print(f"seed article, mode={args.mode}, n={args.n}")
    print(f"  pipeline round trip (median)      {med_full:7.2f} ms")
    print(f"  bare HTTP round trip (median)     {med_bare:7.2f} ms")
    print(f"  overhead (pipeline - bare)        {med_full - med_bare:7.2f} ms")
    print(f"  of which validate + ground draft  {grounding_ms:7.2f} ms")
    print(f"per seed article ({len(seeds)} seeds), checks around any backend:")
    for label, ms in costs.items():
        print(f"  {label:<32}  {ms:7.2f} ms")


if __name__ == "__main__":
    main()
