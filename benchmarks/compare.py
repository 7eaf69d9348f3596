"""Side by side, on one machine: ``summarizer batch`` and what a user would run instead.

    python benchmarks/compare.py                       # 200 articles, 100 ms latency, writes docs/PERFORMANCE.md
    python benchmarks/compare.py -n 50 --latency 0.05 --sequential 10 --no-write

One local OpenAI-compatible server (``tests/llm_server.py``, run as a script, answering the
hand-checked draft of the seed article after ``--latency`` seconds) serves every contender;
the articles are the seed article with a line added ("Report N."), so each is distinct and
every item of the answer grounds. Each contender runs in a subprocess, one after the other:

* ``summarizer batch IN.jsonl -o OUT.jsonl --concurrency 16`` on a fresh store, then the same
  command again (the cached rerun: no LLM call), and ``summarizer summarize`` of one article
  (a whole single call);
* a bare asyncio loop over instructor with a semaphore of 16 and no grounding
  (``benchmarks/bare_instructor.py``);
* the ``llm`` CLI (``llm -m bench --schema DRAFT_SCHEMA -n``, the article on stdin), pointed at
  the same server through ``extra-openai-models.yaml`` in a temporary ``LLM_USER_PATH``
  (``--no-stream``: the scripted server does not stream; ``-n``: no logging to its database):
  one process per article, sequentially (on ``--sequential`` articles, then scaled to all) and
  with ``xargs -P 16``.

Reported: wall time, its ratio to the ideal (ceil(n / 16) rounds of the latency: what 16
requests in flight and zero client cost would take), CPU seconds (user + system of the
process and its children, from ``wait4``; the server's CPU is not counted) and peak memory
(the largest single process's maximum RSS). The machine is shared, so wall times vary from
run to run; CPU seconds vary less. The package's bytecode is written first, as ``pip install``
does (``benchmarks/benchenv.py``): an editable checkout would otherwise compile every module at
every start-up.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchenv import compile_package

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ukraine-istanbul-talks.txt"
CONCURRENCY = 16


@dataclass
class Run:
    name: str
    command: str
    wall: float
    cpu: float
    rss_mb: float
    ok: bool
    note: str = ""
    articles: int = 0
    load: float = 0.0


def measure(name: str, argv: list[str], *, env: dict[str, str], cwd: Path, stdin: Path | None = None,
            articles: int = 0, note: str = "", shell: bool = False) -> Run:
    """Run ``argv`` to the end; wall time and the rusage of it and its children (wait4)."""
    load = os.getloadavg()[0]  # other work on the machine, which stretches wall times
    t0 = time.perf_counter()
    stdin_f = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin_f, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, shell=shell)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin:
            stdin_f.close()  # type: ignore[union-attr]
    wall = time.perf_counter() - t0
    ok = proc.returncode == 0
    if not ok:
        sys.stderr.write(f"{name} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}\n")
    command = argv[-1] if shell else shlex.join(argv)
    return Run(name=name, command=command, wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024,
               ok=ok, note=note, articles=articles, load=load)


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "BENCH_LATENCY": str(latency), "PYTHONPATH": str(ROOT / "tests")}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "llm_server.py"), "--port", "0", "--responder", "bench_responders:seed_draft"],
        cwd=ROOT / "benchmarks", env=env, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"the test server did not start: {line!r}")
    return proc, line.split()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="articles (default 200)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the server waits before answering")
    parser.add_argument("--sequential", type=int, default=10, help="articles for the sequential llm run (scaled to -n)")
    parser.add_argument("--llm", default=shutil.which("llm") or "llm", help="the llm executable")
    parser.add_argument("--no-write", action="store_true", help="print the table; do not write docs/PERFORMANCE.md")
    args = parser.parse_args()

    summarizer_exe = str(Path(sys.executable).with_name("summarizer"))
    compile_package()  # start-up as after pip install: no module compiled at each start
    seed = SEED.read_text(encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="summarizer-compare-"))
    texts = [f"{seed}\n\nReport {i}." for i in range(args.n)]
    jsonl = work / "in.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(texts)), "utf-8")
    articles = work / "articles"
    articles.mkdir()
    for i, t in enumerate(texts):
        (articles / f"a{i:04d}.txt").write_text(t, encoding="utf-8")
    schema = work / "draft-schema.json"
    schema.write_text(subprocess.run([summarizer_exe, "schema", "--draft"], capture_output=True, text=True,
                                     check=True).stdout, encoding="utf-8")

    server, base_url = start_server(args.latency)
    runs: list[Run] = []
    try:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_", "LLM_"))}
        env = {**clean, "SUMMARIZER_API_KEY": "sk-bench", "OPENAI_API_KEY": "sk-bench"}
        batch = [summarizer_exe, "batch", "in.jsonl", "-o", "out.jsonl", "--store", "bench.db",
                 "--concurrency", str(CONCURRENCY), "--base-url", base_url, "--model", "bench"]
        runs.append(measure("summarizer batch", batch, env=env, cwd=work, articles=args.n))
        one = [summarizer_exe, "summarize", "articles/a0000.txt", "-o", "one.json", "--base-url", base_url,
               "--model", "bench"]
        runs.append(measure("summarizer summarize, one article", one, env=env, cwd=work, articles=1,
                            note="a whole single call: start-up, imports, one request"))
        runs.append(measure("summarizer batch, rerun (cached)", batch, env=env, cwd=work, articles=args.n,
                            note="same command, same store: no LLM call"))
        bare = [sys.executable, str(ROOT / "benchmarks" / "bare_instructor.py"), "in.jsonl", "bare.jsonl",
                "--base-url", base_url, "--model", "bench", "--concurrency", str(CONCURRENCY)]
        runs.append(measure("asyncio + instructor, semaphore 16, no grounding", bare, env=env, cwd=work,
                            articles=args.n))

        llm_home = work / "llm-home"
        llm_home.mkdir()
        (llm_home / "extra-openai-models.yaml").write_text(
            f"- model_id: bench\n  model_name: bench\n  api_base: {base_url}\n  api_key_name: bench\n"
            "  supports_schema: true\n", encoding="utf-8")
        (llm_home / "keys.json").write_text(json.dumps({"bench": "sk-bench"}), encoding="utf-8")
        llm_env = {**clean, "LLM_USER_PATH": str(llm_home)}
        llm_cmd = f"{shlex.quote(args.llm)} -m bench --schema {shlex.quote(str(schema))} -n --no-stream"
        if shutil.which(args.llm) is None:
            sys.stderr.write(f"llm not found ({args.llm}); pass --llm PATH\n")
        else:
            k = min(args.sequential, args.n)
            seq = f"for f in $(ls articles | head -n {k}); do {llm_cmd} < articles/$f > /dev/null || exit 1; done"
            run = measure("llm CLI, sequential", ["sh", "-c", seq], env=llm_env, cwd=work, articles=k, shell=False)
            run.command = seq
            if k < args.n:
                run.note = f"ran {k} articles; wall and CPU scaled ×{args.n / k:g} to {args.n}"
                run.wall *= args.n / k
                run.cpu *= args.n / k
            runs.append(run)
            par = f"ls articles | xargs -P {CONCURRENCY} -I{{}} sh -c '{llm_cmd} < articles/{{}} > /dev/null'"
            run = measure("llm CLI, xargs -P 16", ["sh", "-c", par], env=llm_env, cwd=work, articles=args.n)
            run.command = par
            runs.append(run)
    finally:
        server.terminate()
        server.wait(timeout=10)

    ideal = math.ceil(args.n / CONCURRENCY) * args.latency
    table = render(runs, args, ideal)
    print(table)
    if not args.no_write:
        (ROOT / "docs" / "PERFORMANCE.md").write_text(document(table, args), encoding="utf-8")
        print(f"wrote {ROOT / 'docs' / 'PERFORMANCE.md'}", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.ok for r in runs) else 1


def render(runs: list[Run], args: argparse.Namespace, ideal: float) -> str:
    lines = [
        f"{args.n} articles, server latency {args.latency * 1000:g} ms, {CONCURRENCY} in flight: "
        f"ideal {ideal:.2f} s ({math.ceil(args.n / CONCURRENCY)} rounds × {args.latency:g} s)",
        "",
        "| contender | wall (s) | × ideal | CPU (s) | CPU per article (ms) | peak RSS (MB) | load before | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        per = r.cpu / max(r.articles, 1) * 1000 if r.articles and not r.note.startswith("ran ") else r.cpu / args.n * 1000
        lines.append(f"| {r.name} | {r.wall:.2f} | {r.wall / ideal:.2f} | {r.cpu:.2f} | {per:.1f} | "
                     f"{r.rss_mb:.0f} | {r.load:.1f} | {'yes' if r.ok else 'FAILED'} |")
    lines += ["", f"Load before: the 1-minute load average when the run started ({os.cpu_count()} cores); above the "
              "core count, other work competes for the CPU and wall times stretch.", "",
              "Commands (run in a temporary folder holding in.jsonl and articles/):", ""]
    for r in runs:
        lines.append(f"- {r.name}: `{r.command}`" + (f" ({r.note})" if r.note else ""))
    return "\n".join(lines)


BEGIN, END = "<!-- compare.py -->", "<!-- /compare.py -->"


def document(table: str, args: argparse.Namespace) -> str:
    """docs/PERFORMANCE.md with the section between BEGIN and END replaced (the rest is kept)."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "python benchmarks/compare.py"
    if (args.n, args.latency, args.sequential) != (200, 0.1, 10):
        cmd += f" -n {args.n} --latency {args.latency:g} --sequential {args.sequential}"
    section = f"""{BEGIN}
Produced by `{cmd}` on {now} ({platform.machine()}, {os.cpu_count()} cores).

{table}
{END}"""
    path = ROOT / "docs" / "PERFORMANCE.md"
    old = path.read_text(encoding="utf-8") if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in old or END not in old:
        return old.rstrip("\n") + "\n\n" + section + "\n"
    return old[: old.index(BEGIN)] + section + old[old.index(END) + len(END):]


if __name__ == "__main__":
    sys.exit(main())
