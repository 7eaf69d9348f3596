"""Responders for long articles read in chunks: what a good model answers for one chunk,
and for the merge call that writes the headline and summary from the parts.

* :func:`draft_for_chunk` answers a chunk with the items of a whole-article draft that have
  evidence inside that chunk, with that evidence only (what a faithful model reads in it).
* :func:`extractive_for_chunk` answers a chunk with what the extractive backend finds in it,
  as a draft (plain-string evidence), for articles that have no hand-written draft.
* Both answer the merge request (its parts fenced as ``=====BEGIN SUMMARIES …``) with the first
  part's headline and summary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if __package__ and not TYPE_CHECKING:  # imported as tests.llm_chunk_responders
    from .llm_replies import Reply
    from .llm_requests import RecordedRequest, Responder, _text_of, article_from_request
else:
    from llm_replies import Reply
    from llm_requests import RecordedRequest, Responder, _text_of, article_from_request

_PARTS = re.compile(r"=====BEGIN SUMMARIES (\w+)=====\n(.*?)\n=====END SUMMARIES \1=====", re.S)
_PART = re.compile(r"^Part \d+: (.*)\n(.*)$", re.M)


def merge_answer(req: RecordedRequest) -> Reply | None:
    """The merge call's answer (the first part's headline and summary), or None for other requests."""
    for message in req.messages:
        found = _PARTS.search(_text_of(message.get("content")))
        if found:
            first = _PART.search(found.group(2))
            headline, summary = (first.group(1), first.group(2)) if first else ("No headline", "No summary.")
            return Reply.data({"headline": headline, "summary": summary})
    return None


def _flat(text: str) -> str:
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").split()).lower()


def draft_for_chunk(draft: dict[str, Any]) -> Responder:
    """Answer each chunk with the items of ``draft`` (a whole-article SummaryDraft) it shows: those
    with evidence in the chunk, with only that evidence and the quotes found in the chunk."""

    def responder(req: RecordedRequest) -> Reply:
        merged = merge_answer(req)
        if merged is not None:
            return merged
        chunk = _flat(article_from_request(req) or "")
        out: dict[str, Any] = {"relevance": draft["relevance"], "headline": "", "summary": ""}
        for section in ("diplomacy", "attacks", "territory", "sanctions"):
            out[section] = []
            for item in draft.get(section, []):
                evidence = [e for e in item["evidence"] if _flat(e) in chunk]
                if evidence:  # what of this item the chunk shows
                    shown = {**item, "evidence": evidence}
                    if "quotes" in item:
                        shown["quotes"] = [q for q in item["quotes"] if _flat(q["text"]) in chunk]
                    if item.get("attribution") and _flat(item["attribution"]) not in chunk:
                        shown["attribution"] = None
                    out[section].append(shown)
        first = next((e for s in ("diplomacy", "attacks", "territory", "sanctions") for it in out[s] for e in it["evidence"]), None)
        lead = first or _first_sentence(article_from_request(req) or "")
        out["headline"], out["summary"] = lead, lead
        return Reply.data(out)

    responder.__name__ = "draft_for_chunk"
    return responder


def _first_sentence(text: str) -> str:
    match = re.search(r"\S.*?[.!?](?=\s|$)", text)
    return match.group() if match else " ".join(text.split()[:12])


def extractive_for_chunk(req: RecordedRequest) -> Reply:
    """Answer each chunk with the extractive backend's reading of it, as a draft."""
    merged = merge_answer(req)
    if merged is not None:
        return merged
    from summarizer.backends.extractive import ExtractiveBackend
    from summarizer.schema import DRAFT_ITEM_MODELS, Article

    text = article_from_request(req) or ""
    summary = ExtractiveBackend().summarize(Article(text=text), gate=False)
    out: dict[str, Any] = {
        "relevance": {"relevant": True, "reason": "Scripted: reports attacks and talks."},
        "headline": summary.headline,
        "summary": summary.summary,
    }
    for section in ("diplomacy", "attacks", "territory", "sanctions"):
        fields = DRAFT_ITEM_MODELS[section].model_fields  # what the LLM fills, nothing the pipeline adds
        items = []
        for item in getattr(summary, section):
            data = {k: v for k, v in item.model_dump(exclude={"evidence", "quotes", "attribution"}).items() if k in fields}
            data["evidence"] = [span.text for span in item.evidence]
            if "attribution" in fields:
                said = getattr(item, "attribution", None)
                data["attribution"] = said.text if said is not None else None
            if section == "diplomacy":
                data["quotes"] = [{"speaker": q.speaker, "text": q.text} for q in item.quotes]
            items.append(data)
        out[section] = items
    return Reply.data(out)
