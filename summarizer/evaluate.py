"""Score summaries against hand-written gold facts.

A gold file (``gold/<article-stem>.yaml``) lists the facts an article states::

    article: seeds/ukraine-istanbul-talks.txt
    published: 2025-05-18 # the publication date that relative dates are read against
    complete: true        # every fact is listed: unmatched items are false positives
    attacks:
      - {place: Sumy, weapon: drone, killed: 9, injured: 5, date: 2025-05-17, admin1: UA-59,
         attribution: officials, claim: reported}
    territory:
      - {place: Oleksandropil, claimant: Russian forces, status: captured}
    diplomacy:
      - {kind: prisoner_exchange, actors: [Russia, Ukraine], contains: "1,000"}
    sanctions:
      - {actors: [Zelenskyy], target: Russia, status: urged}

Only the fields a gold fact gives are checked; a string field may also be a
list of acceptable values (``kind: [talks, meeting]``). Matching is tolerant:

* places, actors, claimants and targets match on normalised token overlap
  (case, diacritics, punctuation and words like "region"/"oblast" ignored;
  a few aliases such as Moscow/Kremlin → Russia for actors);
* ``kind`` and ``status`` match exactly (one of the listed values);
* ``weapon``/``weapons`` match when the item lists any of them;
* ``contains`` must occur in the item's evidence (whitespace and quote style
  normalised);
* ``killed``/``injured`` do not decide a match; they are scored as numeric
  accuracy over matched attacks whose gold fact gives the field (an explicit
  ``null`` counts: the article gives no exact number, so the item must not).
* ``date`` (ISO 8601, resolved against the file's ``published`` date) and
  ``admin1`` (an ISO 3166-2 code such as ``UA-59``) do not decide a match either;
  they are scored as date and admin1 accuracy over the matched items whose gold
  fact gives them (an explicit ``null`` counts: nothing to resolve, so the item
  must have none). Summaries are resolved (:func:`summarizer.events.enrich`)
  before scoring.
* ``attribution`` (words naming the source, e.g. ``regional governor`` or
  ``Syniehubov``) and ``claim`` (reported, claimed or confirmed) are scored the
  same way, as attribution and claim accuracy: the attribution is right when
  every word of the gold value is in the item's attribution span (case,
  diacritics and punctuation ignored); an explicit ``null`` wants no attribution
  (the sentence and paragraph name no source). Only facts with a casualty
  figure or a territorial claim carry them.

Each gold fact matches at most one item and vice versa (maximum bipartite
matching). Recall is matched / gold facts over every file. Precision is
matched / predicted over files marked ``complete: true`` only, since items
beyond the listed facts are only known to be wrong when the list is complete.
The grounding rate is the fraction of evidence spans and quotes that slice the
article back exactly.

Entry points: :func:`evaluate` (run a backend or score stored results),
:func:`load_gold`, :func:`index_results` and :func:`score`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from summarizer.errors import InputError
from summarizer.events import enrich
from summarizer.schema import SECTIONS, Article, Summary

__all__ = [
    "ArticleScore",
    "EvalReport",
    "GoldFile",
    "SectionScore",
    "evaluate",
    "load_gold",
    "index_results",
    "score",
]

NUMERIC_FIELDS = ("killed", "injured")
ANALYST_FIELDS = ("date", "admin1", "attribution", "claim")
_GOLD_KEYS = {"article", "complete", "notes", "published", *SECTIONS}


# ---------------------------------------------------------------------------
# Gold files


@dataclass
class GoldFile:
    """The gold facts of one article."""

    article: Article
    facts: dict[str, list[dict[str, Any]]]
    complete: bool = False
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path else self.article.key

    @classmethod
    def from_dict(cls, data: dict[str, Any], article: Article, path: Path | None = None) -> GoldFile:
        unknown = set(data) - _GOLD_KEYS
        if unknown:
            raise InputError(
                f"Gold file {path or '<dict>'} has unknown keys: {', '.join(sorted(unknown))}.",
                hint=f"Use only: {', '.join(sorted(_GOLD_KEYS))}.",
            )
        facts: dict[str, list[dict[str, Any]]] = {s: list(data.get(s) or []) for s in SECTIONS}
        for s, items in facts.items():
            if not all(isinstance(f, dict) for f in items):
                raise InputError(f"Gold file {path or '<dict>'}: every {s} fact must be a mapping.")
        return cls(article=article, facts=facts, complete=bool(data.get("complete", False)), path=path)


def _resolve_article(ref: str, gold_path: Path) -> Path:
    p = Path(ref)
    candidates = [p] if p.is_absolute() else [gold_path.parent / p, gold_path.parent.parent / p, Path.cwd() / p]
    for c in candidates:
        if c.is_file():
            return c
    raise InputError(
        f"Gold file {gold_path} names article {ref!r}, which was not found.",
        hint="Give the path relative to the project root or to the gold folder.",
    )


def load_gold(gold_dir: str | Path) -> list[GoldFile]:
    """Every ``*.yaml``/``*.yml`` gold file in ``gold_dir``, sorted by name, with its article."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise InputError(f"Gold folder {gold_dir} does not exist.", hint="Pass the folder holding the gold YAML files.")
    out = []
    for path in sorted([*gold_dir.glob("*.yaml"), *gold_dir.glob("*.yml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise InputError(f"Gold file {path} is not valid YAML: {e}") from e
        if not isinstance(data, dict) or "article" not in data:
            raise InputError(f"Gold file {path} must be a mapping with an 'article' key.")
        art_path = _resolve_article(str(data["article"]), path)
        published = data.get("published")
        article = Article(
            text=art_path.read_text(encoding="utf-8"), id=art_path.stem, source=str(data["article"]),
            published=str(published) if published is not None else None,
        )
        out.append(GoldFile.from_dict(data, article, path))
    if not out:
        raise InputError(f"No gold files (*.yaml) in {gold_dir}.")
    return out


def index_results(summaries: Iterable[Summary]) -> dict[str, Summary]:
    """Summaries keyed by content hash, and also by article id and source when set,
    so :func:`evaluate` can find the summary of each gold article."""
    out: dict[str, Summary] = {}
    for s in summaries:
        for key in (s.meta.content_hash, s.article.content_hash, s.article.id, s.article.source):
            if key:
                out.setdefault(key, s)
    return out


# ---------------------------------------------------------------------------
# Normalisation and matching

_STOP = {
    "region", "regions", "oblast", "oblasts", "province", "district", "area", "areas", "the", "of", "city",
    "town", "village", "settlement", "s", "and", "a", "an", "in", "near", "president", "minister", "prime",
    "foreign", "defence", "defense", "secretary", "state", "spokesman", "spokeswoman", "forces", "troops",
    "army", "military", "government", "officials", "leaders",
}
_PHRASES = {
    "united states": "america", "u s": "america", "european union": "eu", "european commission": "eu",
    "the kremlin": "russia",
}
_ALIASES = {
    "us": "america", "usa": "america", "american": "america", "washington": "america",
    "russian": "russia", "moscow": "russia", "kremlin": "russia",
    "ukrainian": "ukraine", "kyiv": "ukraine", "kiev": "ukraine",
    "europe": "eu", "european": "eu", "brussels": "eu",
    "zelensky": "zelenskyy", "zelenskiy": "zelenskyy",
    "uk": "britain", "british": "britain",
}
_PLACE_ALIASES = {"kiev": "kyiv", "kharkov": "kharkiv", "odessa": "odesa", "zaporozhye": "zaporizhzhia"}


def _tokens(value: str, aliases: dict[str, str]) -> set[str]:
    v = unicodedata.normalize("NFKD", value)
    v = "".join(c for c in v if not unicodedata.combining(c)).lower()
    v = v.replace("’", "'").replace("u.s.", "us").replace("'s", "")
    v = re.sub(r"[^a-z0-9]+", " ", v)
    for phrase, rep in _PHRASES.items():
        v = re.sub(rf"\b{phrase}\b", rep, v)
    return {aliases.get(t, t) for t in v.split() if t not in _STOP}


def _place_match(gold: str, values: Iterable[str | None]) -> bool:
    g = _tokens(gold, _PLACE_ALIASES)
    return bool(g) and any(v and g & _tokens(v, _PLACE_ALIASES) for v in values)


def _actor_match(gold: str | list[str], values: Iterable[str]) -> bool:
    gold_list = [gold] if isinstance(gold, str) else list(gold)
    have: set[str] = set()
    for v in values:
        have |= _tokens(v, _ALIASES)
    return any(_tokens(g, _ALIASES) & have for g in gold_list)


def _one_of(gold: Any, value: Any) -> bool:
    options = gold if isinstance(gold, list) else [gold]
    return value in options


def _norm_text(s: str) -> str:
    s = s.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    return " ".join(s.split()).lower()


def _matches(section: str, fact: dict[str, Any], item: Any) -> bool:
    """Does ``item`` (a Summary section item) state the gold ``fact``?"""
    if section == "attacks":
        for key in ("place", "region"):
            if fact.get(key) is not None:
                golds = fact[key] if isinstance(fact[key], list) else [fact[key]]
                if not any(_place_match(g, [item.place, item.region]) for g in golds):
                    return False
        weapons = fact.get("weapons", fact.get("weapon"))
        if weapons is not None:
            wanted = [weapons] if isinstance(weapons, str) else list(weapons)
            if not set(wanted) & set(item.weapons):
                return False
        return True
    if section == "territory":
        if "status" in fact and not _one_of(fact["status"], item.status):
            return False
        if fact.get("place") is not None:
            golds = fact["place"] if isinstance(fact["place"], list) else [fact["place"]]
            if not any(_place_match(g, [item.place, item.region]) for g in golds):
                return False
        if fact.get("claimant") is not None and not _actor_match(fact["claimant"], [item.claimant]):
            return False
        return True
    if section == "diplomacy":
        if "kind" in fact and not _one_of(fact["kind"], item.kind):
            return False
        if fact.get("actors") and not _actor_match(fact["actors"], item.actors):
            return False
        if fact.get("contains"):
            evidence = _norm_text(" ".join(s.text for s in item.evidence))
            if _norm_text(str(fact["contains"])) not in evidence:
                return False
        return True
    if section == "sanctions":
        if "status" in fact and not _one_of(fact["status"], item.status):
            return False
        if fact.get("actors") and not _actor_match(fact["actors"], item.actors):
            return False
        if fact.get("target") is not None and not _actor_match(fact["target"], [item.target]):
            return False
        return True
    raise ValueError(f"unknown section {section!r}")


def _max_matching(n_gold: int, n_items: int, ok: list[list[bool]]) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn); returns gold index -> item index."""
    item_owner: dict[int, int] = {}

    def try_gold(g: int, seen: set[int]) -> bool:
        for i in range(n_items):
            if ok[g][i] and i not in seen:
                seen.add(i)
                if i not in item_owner or try_gold(item_owner[i], seen):
                    item_owner[i] = g
                    return True
        return False

    for g in range(n_gold):
        try_gold(g, set())
    return {g: i for i, g in item_owner.items()}


# ---------------------------------------------------------------------------
# Scores


@dataclass
class SectionScore:
    """Counts for one section over one or more articles."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    # precision is computed over complete gold files only
    predicted_complete: int = 0
    matched_complete: int = 0

    @property
    def recall(self) -> float | None:
        return self.matched / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.matched_complete / self.predicted_complete if self.predicted_complete else None

    def __iadd__(self, other: SectionScore) -> SectionScore:
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.predicted_complete += other.predicted_complete
        self.matched_complete += other.matched_complete
        return self


@dataclass
class ArticleScore:
    """The score of one summary against one gold file."""

    name: str
    complete: bool
    sections: dict[str, SectionScore]
    numeric: dict[str, list[int]]  # field -> [correct, total]
    spans: list[int]  # [grounded, total]
    missed: list[str] = field(default_factory=list)  # gold facts not found
    extra: list[str] = field(default_factory=list)  # unmatched items (complete files only)
    number_errors: list[str] = field(default_factory=list)
    analyst: dict[str, list[int]] = field(default_factory=lambda: {f: [0, 0] for f in ANALYST_FIELDS})
    analyst_errors: list[str] = field(default_factory=list)


def _spans(summary: Summary) -> Iterable[Any]:
    for _, item in summary.items():
        yield from item.evidence  # type: ignore[attr-defined]
        yield from getattr(item, "quotes", [])


def score(gold: GoldFile, summary: Summary) -> ArticleScore:
    """Score one summary against its gold facts."""
    text = summary.article.text
    spans = list(_spans(summary))
    grounded = sum(1 for s in spans if 0 <= s.start <= s.end <= len(text) and text[s.start : s.end] == s.text)
    result = ArticleScore(
        name=gold.name,
        complete=gold.complete,
        sections={},
        numeric={f: [0, 0] for f in NUMERIC_FIELDS},
        spans=[grounded, len(spans)],
    )
    for section in SECTIONS:
        facts = gold.facts.get(section, [])
        items = list(getattr(summary, section))
        ok = [[_matches(section, f, it) for it in items] for f in facts]
        pairs = _max_matching(len(facts), len(items), ok)
        sc = SectionScore(gold=len(facts), predicted=len(items), matched=len(pairs))
        if gold.complete:
            sc.predicted_complete, sc.matched_complete = len(items), len(pairs)
            used = set(pairs.values())
            result.extra += [f"{section}: {_brief(it)}" for i, it in enumerate(items) if i not in used]
        result.sections[section] = sc
        for g, f in enumerate(facts):
            if g in pairs:
                _score_analyst(result, section, f, items[pairs[g]])
            if g not in pairs:
                result.missed.append(f"{section}: {_fmt_fact(f)}")
            elif section == "attacks":
                item = items[pairs[g]]
                for nf in NUMERIC_FIELDS:
                    if nf in f:
                        result.numeric[nf][1] += 1
                        if getattr(item, nf) == f[nf]:
                            result.numeric[nf][0] += 1
                        else:
                            result.number_errors.append(f"{_fmt_fact(f)}: {nf}={getattr(item, nf)}")
    return result


def _words(value: str) -> set[str]:
    """Lower-case words without diacritics or punctuation (no stop words: "officials" is a source)."""
    v = unicodedata.normalize("NFKD", value.replace("’", "'"))
    v = "".join(c for c in v if not unicodedata.combining(c)).lower().replace("'s", "")
    return set(re.findall(r"[a-z0-9]+", v))


def _attribution_ok(gold: Any, span: Any) -> bool:
    """Every word of the gold source ("regional governor", "Syniehubov") is in the item's attribution."""
    wanted = _words(str(gold))
    return bool(wanted) and span is not None and wanted <= _words(span.text)


def _analyst_check(name: str, gold: Any, item: Any) -> tuple[bool, Any]:
    """(right?, what the item has) for one analyst field of a matched item; a gold null wants a null."""
    if name == "attribution":
        span = getattr(item, "attribution", None)
        shown = None if span is None else f'"{span.text}"'
        return (span is None if gold is None else _attribution_ok(gold, span)), shown
    if name == "admin1":
        have: tuple[Any, ...] = (getattr(item, "admin1_code", None), getattr(item, "admin1", None))
    else:  # date, claim: exact
        have = (getattr(item, name, None),)
    return (have[0] is None if gold is None else gold in have), have[0]


def _score_analyst(result: ArticleScore, section: str, fact: dict[str, Any], item: Any) -> None:
    """Date, admin1, attribution and claim accuracy of one matched item, for the fields its gold fact gives."""
    for name in ANALYST_FIELDS:
        if name not in fact:
            continue
        gold = fact[name]
        gold = gold.isoformat() if hasattr(gold, "isoformat") else gold
        ok, have = _analyst_check(name, gold, item)
        result.analyst[name][1] += 1
        if ok:
            result.analyst[name][0] += 1
        else:
            result.analyst_errors.append(f"{section}: {_fmt_fact(fact)}: {name}={have}")


def _fmt_fact(f: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in f.items())


def _brief(item: Any) -> str:
    keys = ("kind", "status", "place", "region", "actors", "target", "weapons", "killed", "injured")
    return ", ".join(f"{k}={getattr(item, k)}" for k in keys if getattr(item, k, None) not in (None, []))


@dataclass
class EvalReport:
    """Scores per section and overall, plus the per-article details."""

    articles: list[ArticleScore]
    label: str = ""
    missing: list[str] = field(default_factory=list)  # gold files with no stored result

    def section(self, name: str) -> SectionScore:
        total = SectionScore()
        for a in self.articles:
            total += a.sections[name]
        return total

    @property
    def overall(self) -> SectionScore:
        total = SectionScore()
        for s in SECTIONS:
            total += self.section(s)
        return total

    def numeric_accuracy(self, name: str | None = None) -> float | None:
        """Share of gold killed/injured values (or only ``name``) the matched item got exactly."""
        fields = [name] if name else list(NUMERIC_FIELDS)
        correct = sum(a.numeric[f][0] for a in self.articles for f in fields)
        total = sum(a.numeric[f][1] for a in self.articles for f in fields)
        return correct / total if total else None

    def analyst_accuracy(self, name: str) -> float | None:
        """Share of gold ``date``, ``admin1``, ``attribution`` or ``claim`` values the matched items got right."""
        correct = sum(a.analyst[name][0] for a in self.articles)
        total = sum(a.analyst[name][1] for a in self.articles)
        return correct / total if total else None

    @property
    def grounding_rate(self) -> float | None:
        grounded = sum(a.spans[0] for a in self.articles)
        total = sum(a.spans[1] for a in self.articles)
        return grounded / total if total else None

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """(name, gold, predicted, matched, recall, precision) per section, then overall."""
        out = []
        for name, sc in [*((s, self.section(s)) for s in SECTIONS), ("overall", self.overall)]:
            out.append((name, str(sc.gold), str(sc.predicted), str(sc.matched), _pct(sc.recall), _pct(sc.precision)))
        return out

    def _extra_rows(self) -> list[tuple[str, str]]:
        out = []
        for f in NUMERIC_FIELDS:
            c = sum(a.numeric[f][0] for a in self.articles)
            t = sum(a.numeric[f][1] for a in self.articles)
            out.append((f"numeric accuracy: {f}", f"{_pct(c / t if t else None)} ({c}/{t})"))
        for f in ANALYST_FIELDS:
            c = sum(a.analyst[f][0] for a in self.articles)
            t = sum(a.analyst[f][1] for a in self.articles)
            out.append((f"{f} accuracy", f"{_pct(c / t if t else None)} ({c}/{t})"))
        g = sum(a.spans[0] for a in self.articles)
        t = sum(a.spans[1] for a in self.articles)
        out.append(("grounding rate", f"{_pct(g / t if t else None)} ({g}/{t} spans)"))
        out.append(("articles", str(len(self.articles))))
        return out

    def to_table(self) -> str:
        """A plain-text table for terminals."""
        head = ("section", "gold", "pred", "matched", "recall", "precision")
        rows = [head, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = []
        if self.label:
            lines.append(f"backend: {self.label}")
        for n, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        for k, v in self._extra_rows():
            lines.append(f"{k}: {v}")
        if self.missing:
            lines.append(f"no result for: {', '.join(self.missing)}")
        return "\n".join(lines)

    def to_markdown(self, details: bool = False) -> str:
        """A Markdown table; with ``details``, the missed and extra items of each article."""
        title = f" ({self.label})" if self.label else ""
        lines = [
            f"| section{title} | gold | predicted | matched | recall | precision |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows():
            name = f"**{r[0]}**" if r[0] == "overall" else r[0]
            lines.append(f"| {name} | " + " | ".join(r[1:]) + " |")
        lines += ["", "| measure | value |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in self._extra_rows()]
        if self.missing:
            lines += ["", f"No result for: {', '.join(self.missing)}"]
        if details:
            for a in self.articles:
                problems = [
                    *(f"missed {m}" for m in a.missed), *(f"extra {e}" for e in a.extra),
                    *(f"wrong {n}" for n in a.number_errors), *(f"wrong {n}" for n in a.analyst_errors),
                ]
                if problems:
                    lines += ["", f"**{a.name}**", ""] + [f"- {p}" for p in problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON output)."""
        return {
            "label": self.label,
            "sections": {
                s: {"gold": sc.gold, "predicted": sc.predicted, "matched": sc.matched, "recall": sc.recall, "precision": sc.precision}
                for s, sc in [*((s, self.section(s)) for s in SECTIONS), ("overall", self.overall)]
            },
            "numeric_accuracy": {f: self.numeric_accuracy(f) for f in NUMERIC_FIELDS} | {"all": self.numeric_accuracy()},
            "analyst_accuracy": {f: self.analyst_accuracy(f) for f in ANALYST_FIELDS},
            "grounding_rate": self.grounding_rate,
            "missing": self.missing,
            "articles": [
                {"name": a.name, "missed": a.missed, "extra": a.extra, "number_errors": a.number_errors,
                 "analyst_errors": a.analyst_errors}
                for a in self.articles
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _run(backend: Any, article: Article) -> Summary:
    sync = getattr(backend, "summarize", None)
    if callable(sync):
        result: Summary = sync(article)
        return result
    from summarizer.pipeline import run_sync

    return run_sync(backend.asummarize(article))


def evaluate(
    gold_dir: str | Path,
    results: Iterable[Summary] | dict[str, Summary] | None = None,
    backend: Any = None,
) -> EvalReport:
    """Score a backend (or stored results) against every gold file in ``gold_dir``.

    With ``results`` (summaries, e.g. ``summarizer.load_results("out.jsonl")`` from a
    batch, or a dict from :func:`index_results`), each gold article's summary is
    looked up by content hash, then by article id, then by source; gold files without one are scored as empty summaries and listed
    in ``EvalReport.missing``. Without ``results`` the ``backend`` (default: the
    extractive one) summarizes each article; a backend with a sync
    ``summarize`` is called directly, otherwise ``asummarize`` under
    ``asyncio.run`` (so call it outside a running event loop).
    """
    golds = load_gold(gold_dir)
    if results is not None and not isinstance(results, dict):
        results = index_results(results)
    if results is None and backend is None:
        from summarizer.backends.extractive import ExtractiveBackend

        backend = ExtractiveBackend()
    scores = []
    missing = []
    label = getattr(backend, "name", "") if results is None else ""
    for g in golds:
        if results is None:
            summary = _run(backend, g.article)
        else:
            keys = [g.article.content_hash, g.article.id, g.article.source]
            found = next((results[k] for k in keys if k and k in results), None)
            if found is None:
                missing.append(g.name)
                summary = _empty(g.article)
            else:
                summary = found
                label = label or summary.meta.backend
        scores.append(score(g, enrich(summary)))
    return EvalReport(articles=scores, label=label, missing=missing)


def _empty(article: Article) -> Summary:
    from summarizer.schema import Meta

    return Summary(headline="", summary="", article=article, meta=Meta(backend="extractive", content_hash=article.content_hash))
