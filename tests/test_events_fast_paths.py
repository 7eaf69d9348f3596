"""events.enrich's fast paths give what the straightforward ones give: attribution splitting only the
paragraphs near an item, locate caching what the evidence no longer decides, items not copied when
nothing about them changes."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence

from factories import seed_article, seed_summary

from summarizer import events
from summarizer.events import attribution, places
from summarizer.schema import Span
from summarizer.sentences import sentence_spans


def _attribute_straightforward(
    text: str, evidence: Sequence[Span], *, paragraph: bool = True, figures: Sequence[int] = ()
) -> attribution.Attribution | None:
    """Every sentence of the whole text split; the evidence's own, then the rest of their paragraphs, nearest first."""
    if not evidence:
        return None
    every = list(sentence_spans(text))
    own = [s for s in every if any(e.start < s[1] and s[0] < e.end for e in evidence)]
    if figures and len(own) > 1:
        own.sort(key=lambda s: -attribution._states(text[s[0]:s[1]], figures))
    paras = [p for p in attribution.paragraphs(text) if any(e.start < p[1] and p[0] < e.end for e in evidence)]
    near = [s for s in every if s not in own and any(p[0] <= s[0] < p[1] for p in paras)]
    nearby = sorted(near, key=lambda s: abs(s[0] - evidence[0].start)) if paragraph else []
    for start, end in [*own, *nearby]:
        found = attribution._in_sentence(text, start, end)
        if found is not None:
            words = text[found[0]:found[1]]
            return attribution.Attribution(Span(text=words, start=found[0], end=found[1]), attribution.claim_of(words))
    return None


def test_attribution_of_any_evidence_is_what_splitting_the_whole_article_finds() -> None:
    text = seed_article().text + "\n\n  \nSix people were killed, officials said.\n Police said 6 died. Two more were hurt."
    rng = random.Random(31)
    starts = [a for a, _ in sentence_spans(text)]
    for _ in range(400):
        spans = []
        for _ in range(rng.randint(1, 3)):
            a = rng.choice([rng.randrange(len(text)), starts[bisect.bisect_left(starts, rng.randrange(len(text))) - 1]])
            b = min(len(text), a + rng.choice([0, 1, 5, 40, 300]))
            spans.append(Span(text=text[a:b], start=a, end=b))
        paragraph, figures = rng.choice([True, False]), rng.choice([(), (6,), (6, 2), (9,)])
        expected = _attribute_straightforward(text, spans, paragraph=paragraph, figures=figures)
        assert attribution.attribute(text, spans, paragraph=paragraph, figures=figures) == expected


def test_a_place_is_located_alike_whether_its_cached_answer_came_from_other_evidence_or_none() -> None:
    cases = [
        ("Pokrovsk", "Donetsk region", "Russian shelling hit Pokrovsk.", ("RU", "UA")),
        ("Pokrovsk", None, "Russian shelling hit Pokrovsk in the eastern Donetsk region.", ("RU", "UA")),
        ("Paris", None, "A blast in Paris, Texas, in the United States.", ("US",)),
        ("Paris", None, "A blast in Paris.", ("US",)),
        ("Paris", None, "A blast in Paris.", ("FR", "US")),
        (None, "Sumy region", "A drone hit a bus in Ukraine's Sumy region.", ("UA", "RU")),
    ]
    warm = [places.locate(*case) for case in cases]
    for cache in (places.locate, places._placed, places._name, places._country_names, places._countries_written):
        cache.cache_clear()
    assert [places.locate(*case) for case in reversed(cases)] == list(reversed(warm))


def test_enriching_an_enriched_summary_copies_nothing_and_dumps_the_same() -> None:
    once = events.enrich(seed_summary())
    twice = events.enrich(once)

    assert twice is once
    assert twice.model_dump_json() == once.model_dump_json()


def test_an_item_whose_fields_change_is_a_copy_and_one_whose_fields_do_not_is_itself() -> None:
    summary = seed_summary()  # no publication date: no item gets a date
    enriched = events.enrich(summary)

    assert all(a is b for a, b in zip(enriched.diplomacy, summary.diplomacy))
    assert all(a is not b for a, b in zip(enriched.attacks, summary.attacks))
    assert summary.attacks[0].country is None and enriched.attacks[0].country == "Ukraine"


def test_values_are_the_same_only_when_they_would_dump_the_same() -> None:
    assert events._same("2025-05-17", "2025-05-17") and events._same(None, None) and events._same(50.5, 50.5)
    assert not events._same(1, 1.0) and not events._same(1, True) and not events._same(None, "")
    assert not events._same(0.0, -0.0) and not events._same(1.0, 1)
    items = [object(), object()]
    assert events._same(items, list(items)) and not events._same(items, [items[0], object()])
