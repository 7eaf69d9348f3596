"""The diplomacy section: talks, calls, exchanges and statements, with anaphora joined to their event."""

from __future__ import annotations

import re

from summarizer.backends.extractive.gate import conflict_terms_in
from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.lexicon import _lexicon
from summarizer.backends.extractive.people import _actors, _People, political_actors
from summarizer.backends.extractive.places import _when
from summarizer.backends.extractive.sentences import Sentence

#: "will call Russian President Vladimir Putin": a call to a named person or office, not
#: "asked a neighbour to call police".
_CALL_SOMEONE = re.compile(r"\b(?:will|would|to|plans\s+to|planned\s+to)\s+call\s+(?-i:[A-Z])")
#: A trigger word in a condition or a description, not an event: "if peace talks are ever
#: revived", "the only two states to have signed peace treaties with Israel".
_HYPOTHETICAL = re.compile(r"(?:\bif\b[^,;.:()\u2014\u2013-]{0,60}|\bto\s+have\s+|\bwhether\s+(?:\w+\s+){0,4})$", re.IGNORECASE)
_CONTINUES = re.compile(r"(?:[“\"]|(?:However|But|And|Also|In response),?\s+(?:it|he|she|they)\b|(?:It|He|She|They|The two)\b)")


def _diplomacy(
    text: str, sentences: list[Sentence], people: _People, sanction_sentences: frozenset[int] = frozenset()
) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []
    last_actors: list[str] = []
    for sent in sentences:
        if sent.heading:
            continue
        t = sent.text
        kind = None
        if lex.prisoners.search(t):
            kind = "prisoner_exchange"
        else:
            for k, rx in lex.diplomacy.items() if lex.any_diplomacy.search(t) else ():
                if not rx.search(t):  # the usual case: one C search, no generator
                    continue
                hit = next((m for m in rx.finditer(t) if not _HYPOTHETICAL.search(t[: m.start()])), None)
                if hit is not None:
                    kind = k
                    break
            if kind is None and _CALL_SOMEONE.search(t):
                kind = "call"
        actors = _actors(text, sent.start, sent.end, people, prev=last_actors)
        if kind in ("proposal", "agreement", "statement") and sent.start in sanction_sentences:
            kind = None  # a sanctions proposal belongs to the sanctions section
        if kind is None:
            if actors:
                last_actors = actors
            continue
        target: _Item | None = None
        ana = lex.anaphor.search(t)
        if ana:
            noun = ana.group("n").lower()
            group = {
                "call": {"call"}, "calls": {"call"}, "conversation": {"call"},
                "talks": {"talks", "meeting"}, "meeting": {"talks", "meeting"}, "summit": {"talks", "meeting"},
                "negotiations": {"talks", "meeting"},
                "exchange": {"prisoner_exchange"}, "swap": {"prisoner_exchange"},
                "agreement": {"agreement", "prisoner_exchange"}, "deal": {"agreement", "prisoner_exchange"},
                "proposal": {"proposal"},
            }[noun]
            if kind == "prisoner_exchange":
                group = {"prisoner_exchange"}
            exact = "talks" if noun in ("talks", "negotiations") else None
            target = next((it for it in reversed(items) if it.fields["kind"] == exact), None) or next(
                (it for it in reversed(items) if it.fields["kind"] in group), None
            )
        if target is None and kind in ("talks", "prisoner_exchange"):
            # an article usually reports one round of talks and one exchange
            when = _when(t)
            target = next(
                (it for it in items if it.fields["kind"] == kind and (when is None or it.fields["when"] in (None, when))),
                None,
            )
        para_item = next((it for it in reversed(items) if any(s.para == sent.para for s in it.sentences)), None)
        if target is None and para_item is not None:
            # 'However, it added ...' / '“...,” said Peskov.' continue the paragraph's event
            if para_item.fields["kind"] == kind or _CONTINUES.match(t):
                target = para_item
        if target is not None:
            target.sentences.append(sent)
            for a in actors:
                if a not in target.fields["actors"]:
                    target.fields["actors"].append(a)
            if target.fields["when"] is None:
                target.fields["when"] = _when(t)
        else:
            if not actors and re.search(r"\b(?:both sides|the two sides|they)\b", t, re.IGNORECASE) and items:
                actors = list(items[-1].fields["actors"])
            items.append(_Item("diplomacy", {"kind": kind, "actors": list(actors), "when": _when(t)}, [sent], sent.para))
        if actors:
            last_actors = actors
    return [it for it in items if _in_context(it, text, sentences)]


def _in_context(item: _Item, text: str, sentences: list[Sentence]) -> bool:
    """A diplomatic event has a political actor (a state, an international body, an office
    holder) and is about a conflict: its paragraphs name one (war, troops, ceasefire,
    sanctions, ...), or it is between two political actors. "Carlson was called into a
    meeting with Fox's general counsel" is neither."""
    political = political_actors(item.fields["actors"], text)
    if len(political) >= 2:
        return True
    paras = {s.para for s in item.sentences}
    context = " ".join(s.text for s in sentences if s.para in paras)
    return bool(political) and bool(conflict_terms_in(context))
