"""Many workers, one queue: throughput of 1, 2 and 4 ``summarizer batch`` workers on one PostgreSQL store,
and what a claim costs per item on SQLite and on PostgreSQL.

Starts a throwaway PostgreSQL cluster (tests/pg_server.py: initdb in a temporary
folder, as the ``postgres`` user when run as root) and the suite's
OpenAI-compatible test server on 127.0.0.1, answering every request after
``--latency`` seconds.

1. **Workers.** For 1, 2 and 4 workers: a new database, then that many real
   ``summarizer batch`` processes started at once on the same ``--articles``
   JSONL input and the same ``--store postgresql://…`` URL, each with
   ``--concurrency``. Measured: wall time until the last worker has written its
   OUT (process start-up included), articles per second, requests sent (must
   equal the articles: nothing summarized twice), and every OUT complete.
2. **Claims.** In one process, ``--claims`` items are added to a store, then
   each is claimed (one round trip each) and completed. Measured: microseconds
   per ``claim`` and per add + claim + complete, on an SQLite file and on
   PostgreSQL over TCP on 127.0.0.1.

Run from the repository root (needs the postgres extra and PostgreSQL's binaries)::

    python benchmarks/bench_scaling.py                        # 400 articles, 100 ms latency, concurrency 4
    python benchmarks/bench_scaling.py --articles 200 --workers 1 2 4 --concurrency 8 --responder grounded --json

Exit code 0 when every check passes. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from llm_responders import summary_responder
from llm_server import LLMServer, RecordedRequest, Reply
from pg_server import throwaway_cluster

from summarizer.schema import Article
from summarizer.store import make_owner, open_store

PLACES = ["Sumy", "Kharkiv", "Odesa", "Dnipro", "Kherson", "Poltava", "Mykolaiv", "Chernihiv", "Izmail", "Nikopol"]
KEY = "sk-bench-0123456789abcdef0123"


def story(i: int) -> str:
    return (
        f"A Russian drone struck a bus stop in {PLACES[i % len(PLACES)]} on Saturday, killing {i % 7 + 2} people and "
        f"injuring {i % 5 + 3} others, the regional governor said. Rescue workers searched the rubble through the "
        f"night and officials said report number {i} was still being checked."
    )


def articles(n: int) -> list[Article]:
    return [Article(text=story(i), id=f"a{i}", url=f"https://news.example.org/{i}") for i in range(n)]


def responder(kind: str, latency: float) -> Any:
    if kind == "grounded":
        # the extractive reading: a full draft, costlier to check
        from bench_batch import grounded as base
    else:
        base = summary_responder  # headline and summary, empty sections: the queue's cost shows

    def answer(req: RecordedRequest) -> Reply:
        return Reply.delay(latency, base(req))

    return answer


def run_fleet(url: str, workers: int, feed: Path, folder: Path, server: LLMServer, concurrency: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_BASE_URL=server.base_url, SUMMARIZER_API_KEY=KEY, SUMMARIZER_MODEL="gpt-4o-mini",
               SUMMARIZER_BACKEND="llm")
    before = len(server.chat_requests)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, launched = time.perf_counter(), time.time()
    outs = [folder / f"w{workers}-{i}.jsonl" for i in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "summarizer", "batch", str(feed), "-o", str(out), "--store", url,
             "--concurrency", str(concurrency)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        for out in outs
    ]
    errors = [p.communicate()[1] for p in procs]
    wall, ended = time.perf_counter() - started, time.time()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = [e.strip().splitlines()[-1] for p, e in zip(procs, errors) if p.returncode != 0]
    n = sum(1 for _ in feed.open())
    complete = all(out.exists() and sum(1 for _ in out.open()) == n for out in outs)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    import psycopg

    with psycopg.connect(url) as conn:  # the server's clock: first article admitted, last one stored
        first, last = conn.execute("SELECT MIN(created_at), MAX(updated_at) FROM summarizer.items").fetchone()  # type: ignore[misc]
    busy = last - first
    return {
        "workers": workers, "articles": n, "concurrency_per_worker": concurrency, "wall_s": round(wall, 2),
        "articles_per_s": round(n / wall, 1), "queue_s": round(busy, 2), "queue_articles_per_s": round(n / busy, 1),
        # launch to the first article admitted (start-up), and the last article stored to the last OUT written
        "start_s": round(first - launched, 2), "tail_s": round(ended - last, 2),
        "requests": len(server.chat_requests) - before,
        "workers_cpu_s": round(cpu, 1), "every_out_complete": complete, "failed_workers": failed,
    }


def time_claims(spec: str, n: int) -> dict[str, Any]:
    """Microseconds per claim, and per add + claim + complete, for ``n`` items in one process."""
    from bench_batch import draft_for  # noqa: F401 - keeps the import cost out of the timings

    from summarizer.backends.extractive import ExtractiveBackend

    sample = articles(1)[0]
    summary = ExtractiveBackend().summarize(sample)
    items = [Article(text=story(i)) for i in range(n)]
    with open_store(spec) as store:
        run = store.start_run()
        owner = make_owner()
        t0 = time.perf_counter()
        for i, article in enumerate(items):
            store.add(f"k{i}", article, run_id=run, seq=i)
        t1 = time.perf_counter()
        for i in range(n):
            assert store.claim(f"k{i}", owner, 60)
        t2 = time.perf_counter()
        for i in range(n):
            assert store.complete(f"k{i}", owner, summary)
        t3 = time.perf_counter()
        # a claim that loses (the item is done): what a worker pays for an item another one finished
        lost = []
        for i in range(min(n, 200)):
            s = time.perf_counter()
            assert not store.claim(f"k{i}", owner, 60)
            lost.append(time.perf_counter() - s)
    return {
        "items": n,
        "claim_us": round((t2 - t1) / n * 1e6),
        "add_us": round((t1 - t0) / n * 1e6),
        "complete_us": round((t3 - t2) / n * 1e6),
        "add_claim_complete_us": round((t3 - t0) / n * 1e6),
        "lost_claim_us_median": round(statistics.median(lost) * 1e6),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=4, help="--concurrency of each worker")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the server takes per answer")
    parser.add_argument("--responder", choices=["minimal", "grounded"], default="minimal")
    parser.add_argument("--claims", type=int, default=2000, help="items for the claim timings")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()

    report: dict[str, Any] = {
        "cpus": os.cpu_count(), "load_average_before": os.getloadavg()[0], "latency_s": args.latency,
        "responder": args.responder,
    }
    if not args.json:
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; server latency {args.latency} s; "
              f"{args.articles} articles; --concurrency {args.concurrency} per worker", flush=True)
    ok = True
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        feed = folder / "in.jsonl"
        feed.write_text("".join(a.model_dump_json(exclude={"content_hash"}) + "\n" for a in articles(args.articles)))
        fleets = []
        with LLMServer(responder=responder(args.responder, args.latency)) as server:
            for workers in args.workers:
                url = cluster.create_database(f"fleet{workers}")
                result = run_fleet(url, workers, feed, folder, server, args.concurrency)
                fleets.append(result)
                ok &= result["requests"] == args.articles and result["every_out_complete"] and not result["failed_workers"]
                if not args.json:
                    print(f"{workers} worker(s): {result['wall_s']} s with start-up ({result['articles_per_s']} articles/s); "
                          f"first admitted to last stored {result['queue_s']} s ({result['queue_articles_per_s']} articles/s; "
                          f"start-up {result['start_s']} s, last stored to last OUT {result['tail_s']} s); "
                          f"{result['requests']} requests, workers' CPU {result['workers_cpu_s']} s, "
                          f"every OUT complete: {result['every_out_complete']}", flush=True)
        report["fleets"] = fleets
        claims = {
            "sqlite": time_claims(str(folder / "claims.db"), args.claims),
            "postgresql": time_claims(cluster.create_database("claims"), args.claims),
        }
        report["claims"] = claims
        if not args.json:
            for engine, c in claims.items():
                print(f"{engine}: claim {c['claim_us']} µs/item, add {c['add_us']} µs, complete {c['complete_us']} µs, "
                      f"a lost claim {c['lost_claim_us_median']} µs (median)")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
