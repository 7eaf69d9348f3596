"""What every summary goes through around its backend, whichever backend it is.

* The article's language is detected and recorded (``article.language``).
* A backend that reads only some languages (the extractive backend reads English)
  returns empty sections for the others, with a note that says so.
* A backend that cannot judge whether an article is about armed conflict (the
  extractive backend) gets the deterministic gate of :mod:`summarizer.relevance`:
  an off-topic article gets empty sections and a one-line note. The LLM backend
  answers that question itself, in its draft.
* The grounding rules (casualty figures count people; a quote's speaker is named
  beside it) are enforced on every final summary (:func:`summarizer.grounding.enforce`).
* Then dates are resolved, places geocoded and figures attributed (:func:`summarizer.events.enrich`).

A backend may state what it reads with a ``languages`` attribute (ISO 639-1 codes,
None for any) and whether it judges relevance itself with ``judges_relevance``;
without them, the defaults below by backend name apply.
"""

from __future__ import annotations

from typing import Any

from summarizer import events, grounding, language, relevance
from summarizer.schema import Article, Meta, Relevance, Summary

__all__ = ["after", "before", "with_language"]

#: What each backend reads, when it does not say: ISO 639-1 codes, or None for any language.
DEFAULT_LANGUAGES: dict[str, tuple[str, ...] | None] = {"extractive": (language.ENGLISH,), "llm": None}
#: Whether each backend judges relevance itself, when it does not say.
DEFAULT_JUDGES_RELEVANCE: dict[str, bool] = {"extractive": False, "llm": True}

_LANGUAGE_NAMES = {
    "ar": "Arabic", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian", "ja": "Japanese",
    "ko": "Korean", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "tr": "Turkish",
    "uk": "Ukrainian", "zh": "Chinese", "he": "Hebrew", "fa": "Persian",
}


def with_language(article: Article) -> Article:
    """``article`` with its detected language, unless it already has one."""
    if article.language is not None:
        return article
    code = language.detect_language(article.text)
    return article.model_copy(update={"language": code}) if code else article


def _languages(backend: Any) -> tuple[str, ...] | None:
    return getattr(backend, "languages", DEFAULT_LANGUAGES.get(backend.name))


def _judges_relevance(backend: Any) -> bool:
    return bool(getattr(backend, "judges_relevance", DEFAULT_JUDGES_RELEVANCE.get(backend.name, True)))


def _empty(backend: Any, article: Article, note: str, verdict: Relevance | None) -> Summary:
    headline, summary = grounding.lead(article)
    return Summary(
        headline=headline,
        summary=summary,
        article=article,
        meta=Meta(
            backend=backend.name, model=backend.identity[0] if backend.name != "extractive" else None,
            content_hash=article.content_hash, relevance=verdict, notes=[note], latency_s=0.0,
        ),
    )


def assess(article: Article) -> Relevance:
    """The deterministic gate's verdict on ``article`` (title and text)."""
    verdict = relevance.assess(f"{article.title}\n{article.text}" if article.title else article.text)
    return Relevance(relevant=verdict.relevant, reason=verdict.reason)


def before(backend: Any, article: Article) -> Summary | None:
    """The summary to return without running ``backend``, when it can't read ``article``
    (its language) or the gate finds it off-topic; else None."""
    languages = _languages(backend)
    if languages is not None and article.language is not None and article.language not in languages:
        name = _LANGUAGE_NAMES.get(article.language, f"language '{article.language}'")
        note = (
            f"Not summarized: the {backend.name} backend reads English only and this article is in {name}; "
            "use an LLM (set OPENAI_API_KEY or --base-url) to summarize it."
        )
        return _empty(backend, article, note, None)
    if not _judges_relevance(backend):
        verdict = assess(article)
        if not verdict.relevant:
            return _empty(backend, article, grounding.off_topic_note(verdict), verdict)
    return None


def after(backend: Any, article: Article, summary: Summary) -> Summary:
    """``summary`` with the grounding rules enforced, its events resolved (dates, places, attribution)
    and, for a backend that does not judge relevance, the gate's verdict recorded."""
    summary = grounding.enforce(summary)
    if summary.article.language != article.language:
        summary = summary.model_copy(update={"article": article})
    summary = events.enrich(summary)
    if summary.meta.relevance is None and not _judges_relevance(backend):
        summary = summary.model_copy(update={"meta": summary.meta.model_copy(update={"relevance": assess(article)})})
    return summary
