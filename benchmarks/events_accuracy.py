"""Accuracy of the events fields (places and dates) on real pages the project did not write.

    python benchmarks/events_accuracy.py              # score the judged sample against the code as it is
    python benchmarks/events_accuracy.py --sample     # draw the sample again (seeded) into --judged, keeping verdicts
    python benchmarks/events_accuracy.py --all        # also list every resolution, not only the sample

Runs the extractive backend (``Summarizer``, the same path as ``summarizer run``) on every page of
tests/data/corpus/corpus.jsonl; the English pages the relevance gate lets through give attack,
territory and diplomacy items. For each such item it collects

* the place resolution: the place and region as written -> country, admin1, coordinates,
  geo_precision (items that name a place or a region);
* the date resolution: ``when`` and the page's publication date -> date, date_precision
  (items whose ``when`` is written; diplomacy items too, since their dates are resolved alike),

and draws a fixed random sample (seed 14) of up to 40 places and 30 dates. The sample, with
each item's evidence, is kept in benchmarks/events_judged.json, where a person wrote a verdict
for each field after reading the article: ``correct``, ``wrong``, ``missing`` (null where the
article gives the answer: a miss, not a wrong value) or ``unjudgeable`` (the article does not
say), with a short reason. A place is judged on three measures (``country``, ``admin1``,
``coordinates``: within the stated ``geo_precision``), a date on one (``date``, at its precision).

A second pool, ``mentions``, measures the resolvers alone on what real English pages write,
whatever the gate says (the pages the gate lets through give few items): every capitalised name
after "in/near/outside/at", and every date expression; 40 places and 30 dates drawn the same way.

Scoring compares the verdicts with what the code produces now: a judged value that the code no longer produces is reported as ``changed`` (judge it again),
and the exit code is 1. tests/test_events.py checks the same.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus" / "corpus.jsonl"
JUDGED = ROOT / "benchmarks" / "events_judged.json"
SEED = 14
PLACES, DATES = 40, 30
PLACE_FIELDS = ("country", "admin1", "latitude", "longitude", "geo_precision")
DATE_FIELDS = ("date", "date_precision")


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def summarize(records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(page, summary) for the pages the gate lets through (the others give no items)."""
    from summarizer.pipeline import Summarizer
    from summarizer.schema import Article

    summarizer = Summarizer(backend="extractive")
    for r in records:
        article = Article(text=r["text"], id=r["id"], title=r.get("title"), url=r.get("url"),
                          published=r.get("published"))
        summary = summarizer.summarize(article)
        if not summary.off_topic and (summary.attacks or summary.territory or summary.diplomacy):
            yield r, summary


def item_id(page: str, section: str, item: Any) -> str:
    """A name for an item that survives other items coming and going: page, section, evidence offset."""
    return f"{page}:{section}:{item.evidence[0].start}"


def judged_pages(judged: list[dict[str, Any]], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The corpus pages the judged entries come from (the ids start with the page's id)."""
    pages = {j["id"].split(":")[0] for j in judged}
    return [r for r in records if r["id"] in pages]


def resolutions(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every place resolution and every date resolution of the pages' attack and territory items."""
    places: list[dict[str, Any]] = []
    dates: list[dict[str, Any]] = []
    for r, summary in summarize(records):
        for section in ("attacks", "territory", "diplomacy"):
            for item in getattr(summary, section):
                base = {"id": item_id(r["id"], section, item),
                        "evidence": " … ".join(s.text for s in item.evidence)}
                if section != "diplomacy" and (item.place or item.region):
                    places.append(base | {"field": "place", "place": item.place, "region": item.region}
                                  | {k: getattr(item, k) for k in PLACE_FIELDS})
                if item.when:
                    dates.append(base | {"field": "date", "when": item.when, "published": r.get("published")}
                                 | {k: getattr(item, k) for k in DATE_FIELDS})
    return places, dates


_MENTION_PLACE = re.compile(
    r"(?<=[a-z] )(?:in|near|outside|at) (?:the )?((?:[A-Z][\w'’-]+)(?: (?:of )?[A-Z][\w'’-]+){0,2})"
)
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MENTION_DATE = re.compile(
    rf"\b(?:(?:on|last|this) {_DAY}(?: (?:morning|afternoon|evening|night))?|yesterday|last (?:week|month|year)"
    rf"|in (?:19|20)\d\d|(?:on )?{_MONTH} \d{{1,2}}(?:, (?:19|20)\d\d)?|\d+ (?:days|weeks|months|years) ago)\b"
)


def mentions(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The resolvers alone on what real English pages write, gate or no gate: every place after
    "in/near/outside/at" with what ``places.locate`` makes of it (a word that is no place should
be placed nowhere), and every date expression
    ("on Monday", "last week", "in 2014", "March 3", "two days ago") with what ``dates.resolve`` makes
    of it against the page's publication date."""
    from summarizer.events import dates as dt
    from summarizer.events import gazetteer as gz
    from summarizer.events import places as pl
    from summarizer.sentences import sentence_spans

    found_p: list[dict[str, Any]] = []
    found_d: list[dict[str, Any]] = []
    for r in records:
        if r["language"] != "en":
            continue
        text = r["text"]
        prior = tuple(gz.countries_in(f"{r.get('title') or ''}\n{text}"))
        published = dt.publication_date(r.get("published"))
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            for m in _MENTION_PLACE.finditer(sentence):
                where = pl.locate(m.group(1), None, sentence, prior)
                found_p.append({
                    "id": f"{r['id']}:mention:{start + m.start(1)}", "evidence": sentence, "field": "place",
                    "place": m.group(1), "region": None, "country": where.country.name if where.country else None,
                    "admin1": where.admin1.name if where.admin1 else None, "latitude": where.latitude,
                    "longitude": where.longitude, "geo_precision": where.precision,
                })
            for m in _MENTION_DATE.finditer(sentence):
                got = dt.resolve(m.group(0), published, "en", dt.speaks_of_future(sentence)) if published else None
                found_d.append({
                    "id": f"{r['id']}:mention:{start + m.start()}", "evidence": sentence, "field": "date",
                    "when": m.group(0), "published": r.get("published"),
                    "date": got.iso if got else None, "date_precision": got.precision if got else None,
                })
    return found_p, found_d


def sample(places: list[dict[str, Any]], dates: list[dict[str, Any]], n_places: int = PLACES,
           n_dates: int = DATES) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    pick_p = rng.sample(places, min(n_places, len(places)))
    pick_d = rng.sample(dates, min(n_dates, len(dates)))
    return sorted(pick_p, key=lambda x: x["id"]) + sorted(pick_d, key=lambda x: x["id"])


def _values(entry: dict[str, Any]) -> dict[str, Any]:
    fields = PLACE_FIELDS if entry["field"] == "place" else DATE_FIELDS
    return {k: entry.get(k) for k in fields}


def compare(judged: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """The judged entries whose values the code no longer produces, one line each."""
    current = {(e["id"], e["field"]): e for e in now}
    out = []
    for j in judged:
        found = current.get((j["id"], j["field"]))
        if found is None:
            out.append(f"{j['id']} {j['field']}: the item is no longer produced")
        elif _values(found) != _values(j):
            out.append(f"{j['id']} {j['field']}: judged {_values(j)}, now {_values(found)}")
    return out


def score(judged: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Verdict counts per measure: place country / admin1 / coordinates, and date."""
    counts: dict[str, Counter[str]] = {}
    for j in judged:
        for measure, verdict in j["verdicts"].items():
            counts.setdefault(measure, Counter())[verdict] += 1
    return counts


def table(counts: dict[str, Counter[str]]) -> list[str]:
    lines = ["| field | judged | correct | wrong | missing | unjudgeable | accuracy (correct / correct + wrong) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for measure in ("country", "admin1", "coordinates", "date"):
        c = counts.get(measure, Counter())
        judgeable = c["correct"] + c["wrong"]
        acc = f"{c['correct'] / judgeable:.0%} ({c['correct']}/{judgeable})" if judgeable else "—"
        counted = " | ".join(str(c[v]) for v in ("correct", "wrong", "missing", "unjudgeable"))
        lines.append(f"| {measure} | {sum(c.values())} | {counted} | {acc} |")
    return lines


def current(records: list[dict[str, Any]]) -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Both pools as the code resolves them now: ``items`` (the backend's) and ``mentions`` (the resolvers')."""
    return {"items": resolutions(records), "mentions": mentions(records)}


def draw(pools: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    return [e | {"pool": pool} for pool, (p, d) in pools.items() for e in sample(p, d)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--sample", action="store_true", help="draw the sample into --judged (verdicts kept by id)")
    parser.add_argument("--all", action="store_true", help="print every resolution")
    args = parser.parse_args()
    pools = current(load(args.corpus))
    for pool, (p, d) in pools.items():
        print(f"{pool}: {len(p)} place resolutions, {len(d)} date resolutions")
        if args.all:
            for e in p + d:
                print(json.dumps(e, ensure_ascii=False))
    old = json.loads(args.judged.read_text(encoding="utf-8")) if args.judged.exists() else []
    if args.sample:
        kept = {(j["id"], j["field"]): j for j in old}
        drawn = []
        for e in draw(pools):
            prior = kept.get((e["id"], e["field"]))
            same = prior is not None and _values(prior) == _values(e)
            drawn.append(e | {"verdicts": prior["verdicts"] if same else {}, "reason": prior["reason"] if same else ""})
        args.judged.write_text(json.dumps(drawn, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {len(drawn)} entries to {args.judged}; {sum(not d['verdicts'] for d in drawn)} to judge")
        return 0
    now = [e for p, d in pools.values() for e in p + d]
    changed = compare(old, now)
    for pool in pools:
        print(f"\n{pool}:")
        print("\n".join(table(score([j for j in old if j.get("pool") == pool]))))
    for line in changed:
        print(f"changed: {line}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
