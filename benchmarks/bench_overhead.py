"""Per-article overhead of the LLM pipeline: everything but waiting for the LLM.

Runs the real pipeline (prompt rendering, instructor request building, the
openai client, JSON parsing, schema validation, grounding, Summary assembly)
against the suite's local OpenAI-compatible server, which answers a canned
draft in well under a millisecond of server work, and subtracts the measured
round trip of a bare request with the same payload.

    python benchmarks/bench_overhead.py [-n 200] [--mode tools] [--batch-only | --split-only]

It also splits the pipeline's CPU per article (16 at a time, the server in a process of its own):
everything, and without the article's checks (grounding, language, enforce, dates, places,
attribution), which is the floor the request, instructor and the schema validation set.

It then measures the batch path the same way a user runs it: ``summarizer batch`` in a
subprocess, on 1 and on ``-n`` articles (the seed with a line added, so each is new), against
the server run as a separate process, with ``--concurrency 16`` and a fresh store each time.
The CPU seconds of the process (user + system, from ``wait4``; the server's are not counted)
give the CPU per article beyond start-up: ``(cpu(n) - cpu(1)) / (n - 1)``, store, JSONL output
and the HTTP client included. The best of three is reported, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import openai  # noqa: E402

from benchenv import compile_package  # noqa: E402
from llm_server import LLMServer, Reply  # noqa: E402
from summarizer import grounding, language, names  # noqa: E402
from summarizer.grounding import ground  # noqa: E402


def cold() -> None:
    """Forget per-article caches, so every run costs what a new article costs."""
    grounding._index.cache_clear()
    grounding._figures.cache_clear()
    grounding._reads_english.cache_clear()
    names._article_words.cache_clear()
    language._words.cache_clear()
from summarizer.pipeline import Summarizer  # noqa: E402
from summarizer.schema import Article, SummaryDraft  # noqa: E402


def server_process() -> tuple[Any, str]:
    """The suite's scripted server answering the seed's draft at once, as a process of its own (its CPU is
    not counted in ours): (the process, its base URL)."""
    import os
    import subprocess

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "llm_server.py"), "--port", "0", "--responder", "bench_responders:seed_draft"],
        cwd=ROOT / "benchmarks", env={**os.environ, "PYTHONPATH": str(ROOT / "tests")}, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().split()[1]


def pipeline_split(n: int, repeats: int = 3) -> tuple[float, float]:
    """CPU ms per article of ``Summarizer.asummarize`` in this process, 16 at a time, against the server process:
    (everything, without the article's checks). "Without" replaces grounding's ``ground`` by its first answer and
    skips language detection and :func:`summarizer.gates.after` (enforce, dates, places, attribution): what is
    left is the request, instructor, the schema validation and the Summary, the floor any check runs on. Best of
    ``repeats`` each."""
    from summarizer import gates

    server, base_url = server_process()
    text = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")

    async def cpu_ms(summarizer: Summarizer, tag: str) -> float:
        articles = [Article(text=f"{text}\n\nReport {tag}{i}.") for i in range(n)]
        slots = asyncio.Semaphore(16)

        async def one(article: Article) -> None:
            async with slots:
                await summarizer.asummarize(article)

        started = time.process_time()
        await asyncio.gather(*(one(a) for a in articles))
        return (time.process_time() - started) / n * 1000

    async def measure() -> float:
        s = Summarizer(base_url=base_url, api_key="sk-bench", model="bench", backend="llm")
        await s.asummarize(Article(text=text))  # start-up work out of the picture
        best = min([await cpu_ms(s, f"r{r}-") for r in range(repeats)])
        await s.aclose()
        return best

    saved = grounding.ground, gates.with_language, gates.after
    try:
        full = asyncio.run(measure())
        first: list[Any] = []

        def ground_once(draft: Any, article: str) -> Any:
            if not first:
                first.append(saved[0](draft, article))
            return first[0]

        grounding.ground, gates.with_language, gates.after = ground_once, lambda a: a, lambda b, a, s: s
        floor = asyncio.run(measure())
    finally:
        grounding.ground, gates.with_language, gates.after = saved
        server.terminate()
        server.wait(timeout=10)
    return full, floor


def batch_cpu(n: int, repeats: int = 3) -> tuple[float, float, float]:
    """(CPU seconds for 1 article, for n articles, CPU ms per article beyond start-up): best of ``repeats``."""
    import os
    import subprocess
    import tempfile

    compile_package()  # start-up as after pip install: no module compiled at each start
    server, base_url = server_process()
    exe = str(Path(sys.executable).with_name("summarizer"))
    seed = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["SUMMARIZER_API_KEY"] = "sk-bench"

    def cpu(count: int, tag: str) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            lines = (json.dumps({"id": f"{tag}{i}", "text": f"{seed}\n\nReport {tag}{i}."}) + "\n" for i in range(count))
            Path(tmp, "in.jsonl").write_text("".join(lines), encoding="utf-8")
            proc = subprocess.Popen(
                [exe, "batch", "in.jsonl", "-o", "out.jsonl", "--store", "s.db", "--concurrency", "16",
                 "--base-url", base_url, "--model", "bench"], cwd=tmp, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"summarizer batch failed on {count} articles")
            return usage.ru_utime + usage.ru_stime

    try:
        runs = [(cpu(1, f"o{r}-"), cpu(n, f"n{r}-")) for r in range(repeats)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    one, many = min(runs, key=lambda r: r[1] - r[0])
    return one, many, (many - one) / (n - 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--mode", default="tools")
    parser.add_argument("--batch-only", action="store_true", help="measure only the batch path")
    parser.add_argument("--split-only", action="store_true", help="measure only the split of the pipeline's CPU")
    args = parser.parse_args()

    if args.split_only:
        report_split(args.n)
        return

    if args.batch_only:
        report_batch(args.n)
        return

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
    report_split(args.n)
    report_batch(args.n)


def report_split(n: int) -> None:
    full_ms, floor_ms = pipeline_split(n)
    print("pipeline CPU per article, 16 at a time, server in another process (best of 3):")
    print(f"  everything                        {full_ms:7.2f} ms")
    print(f"  without the article's checks      {floor_ms:7.2f} ms   (request, instructor, schema, Summary)")
    print(f"  the checks (grounding, language,  {full_ms - floor_ms:7.2f} ms")
    print("    enforce, dates, places, attribution)")


def report_batch(n: int) -> None:
    one, many, per = batch_cpu(n)
    print(f"batch path: summarizer batch --concurrency 16, server answering at once (best of 3):")
    print(f"  CPU, 1 article                    {one:7.2f} s   (start-up)")
    print(f"  CPU, {n} articles                {many:7.2f} s")
    print(f"  CPU per article beyond start-up   {per:7.2f} ms")


if __name__ == "__main__":
    main()
