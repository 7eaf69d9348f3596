"""An offline, rule-based backend: lexicons and patterns, no model.

In the spirit of dictionary-based event coders (TABARI/PETRARCH for CAMEO, the
ACLED categories), it

1. segments the article into sentences (lines without final punctuation are
   headings and carry no content),
2. classifies each sentence into diplomacy / attacks / territory / sanctions with
   the lexicons in ``summarizer/backends/lexicons/extractive.yaml``,
   (first, :mod:`.gate` checks that the text is English and about armed conflict;
   otherwise every section stays empty),
3. pulls out places, actors, weapons, casualty counts, quotes with speakers,
   territorial claims and sanctions moves with small patterns,
4. groups neighbouring sentences about the same event into one item.

Every piece of evidence is a verbatim :class:`~summarizer.schema.Span` of the
article, so ``article.text[span.start:span.end] == span.text`` always holds.
It is deterministic and fast (a few milliseconds per article). Its limits are
described in ``docs/EVALUATION.md``.
"""

from __future__ import annotations

import time

from summarizer.backends.extractive.attacks import _attacks, _checked_counts
from summarizer.backends.extractive.diplomacy import _diplomacy
from summarizer.backends.extractive.gate import reason_to_skip
from summarizer.backends.extractive.items import _attach_quotes, _describe
from summarizer.backends.extractive.lexicon import LEXICON_DIR as LEXICON_DIR
from summarizer.backends.extractive.lexicon import lexicon_version
from summarizer.backends.extractive.numbers import parse_count
from summarizer.backends.extractive.people import _find_people
from summarizer.backends.extractive.places import _places_cached
from summarizer.backends.extractive.quotes import _quotes
from summarizer.backends.extractive.sanctions import _sanctions
from summarizer.backends.extractive.sentences import Sentence, segment
from summarizer.backends.extractive.summary import _summary_text
from summarizer.backends.extractive.territory import _territory
from summarizer.grounding import off_topic_note
from summarizer.schema import (
    Article,
    Relevance,
    Attack,
    Diplomacy,
    Meta,
    Sanction,
    Summary,
    Territory,
)

__all__ = ["ExtractiveBackend", "Sentence", "segment", "parse_count", "reason_to_skip"]


_OFF_TOPIC = "off-topic: "


def _relevance(skip: str | None) -> Relevance | None:
    """The backend's own verdict when its gate found the article off-topic (else the pipeline's stands)."""
    if skip is None or not skip.startswith(_OFF_TOPIC):
        return None
    return Relevance(relevant=False, reason=skip[len(_OFF_TOPIC) :])


def _note(skip: str) -> str:
    relevance = _relevance(skip)
    if relevance is not None:
        return off_topic_note(relevance)
    return "Not summarized: the extractive backend reads English only; use an LLM (set OPENAI_API_KEY or --base-url) to summarize it."


class ExtractiveBackend:
    """Rule-based, deterministic, offline summaries. No model, no network."""

    name = "extractive"

    @property
    def identity(self) -> tuple[str | None, str | None]:
        return "extractive", lexicon_version()

    def summarize(self, article: Article, *, gate: bool = True) -> Summary:
        """Summarize one article with lexicons and patterns.

        ``gate=False`` skips the backend's own check (English, about a conflict): for a part of
        a long article whose whole text passed it (:mod:`summarizer.longtext`)."""
        t0 = time.perf_counter()
        _places_cached.cache_clear()  # per-call memo only: timings never depend on earlier calls
        text = article.text
        sentences = segment(text)
        people = _find_people(text, sentences)
        content = [s for s in sentences if not s.heading]

        # Say nothing rather than invent: off-topic or non-English text gets empty sections.
        skip = reason_to_skip(text, article.title) if gate else None
        if skip is not None:
            sanctions, dipl, attacks, territory = [], [], [], []
        else:
            sanctions = _sanctions(text, sentences, people)
            in_sanctions = frozenset(s.start for it in sanctions for s in it.sentences)
            dipl = _diplomacy(text, sentences, people, in_sanctions)
            _attach_quotes(dipl, _quotes(text, sentences, people))
            attacks = _attacks(text, sentences)
            territory = _territory(text, sentences, people)

        # The published title is the best headline; otherwise the first sentence, which
        # then opens the summary no more (it would only repeat the headline).
        headline = article.title or (content[0].text if content else "")
        summary = Summary(
            headline=headline,
            summary=_summary_text(headline, content, dipl, attacks, territory, sanctions),
            diplomacy=[
                Diplomacy(
                    kind=it.fields["kind"],
                    actors=it.fields["actors"],
                    what=_describe(it),
                    when=it.fields["when"],
                    quotes=sorted(it.quotes, key=lambda q: q.start),
                    evidence=[s.span() for s in it.sentences],
                )
                for it in dipl
            ],
            attacks=[_checked_counts(Attack(**it.fields, evidence=[s.span() for s in it.sentences])) for it in attacks],
            territory=[Territory(**it.fields, evidence=[s.span() for s in it.sentences]) for it in territory],
            sanctions=[
                Sanction(**it.fields, what=_describe(it), evidence=[s.span() for s in it.sentences])
                for it in sanctions
            ],
            article=article,
            meta=Meta(
                backend="extractive",
                model=None,
                attempts=1,
                content_hash=article.content_hash,
                prompt_version=None,
                latency_s=0.0,
                relevance=_relevance(skip),
                notes=[_note(skip)] if skip else [],
            ),
        )
        summary.meta.latency_s = time.perf_counter() - t0
        return summary

    async def asummarize(self, article: Article, *, gate: bool = True) -> Summary:
        """Async form of :meth:`summarize` (the work is CPU-bound and quick)."""
        return self.summarize(article, gate=gate)
