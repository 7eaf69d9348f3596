"""Who says so: the attribution of a casualty figure or a territorial claim, as a grounded span.

::

    attribute(text, evidence_spans)  ->  Attribution(Span("regional governor Oleh Syniehubov said"), "reported")

The attribution is looked for in the sentences of the item's evidence first, then in
the other sentences of the same paragraphs, nearest first. It is one of:

* "According to officials, …" / "…, according to the regional administration."
* "…, regional governor Oleh Syniehubov said." / "… said Peskov." / "…, police told Reuters."
* "Russian forces said they had captured …" / "The UN confirmed …" / "The army claimed …"

A speaker that is only a pronoun ("he said") names no source. Nothing is guessed:
a sentence and paragraph that name no source give no attribution.

``claim`` says what kind of source it is: ``confirmed`` when an independent body
(the UN, the Red Cross, monitors, a news agency that verified it) confirms or
verifies it; ``claimed`` when a party to the fighting (forces, an army, a defence
ministry, a militia) says it, or anyone "claims" it; else ``reported``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from summarizer.schema import Span
from summarizer.sentences import paragraph_sentences, sentence_spans

__all__ = ["Attribution", "attribute", "claim_of", "evidence_sentences", "sentences"]

_VERBS = (
    r"said|says|say|told|tells|reported|reports|confirmed|confirms|claimed|claims|announced|announces|stated|"
    r"states|wrote|writes|added|adds|posted|verified|verifies|estimated|estimates|counted|put the (?:death )?toll"
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "which", "that", "this", "one", "both"})
_SOURCE_WORDS = re.compile(
    r"\b(?:officials?|authorities|police|governor|mayor|ministry|minister|military|army|forces|troops|spokes\w+|"
    r"witnesses|residents|medics|doctors|hospital|agency|service|services|administration|head|chief|commander|"
    r"monitors?|observers?|group|rescuers|emergency|prosecutors?|office|council|command|staff|militia|rebels|"
    r"fighters|government|president|media|outlet|channel|sources?|statement|report|officer|volunteers|"
    r"organi[sz]ation|mission|committee|journalists?|correspondent)\b",
    re.IGNORECASE,
)
_INDEPENDENT = re.compile(
    r"\b(?:UN|U\.N\.|United Nations|OHCHR|UNHCR|UNICEF|WHO|World Health Organi[sz]ation|ICRC|Red Cross|Red Crescent|"
    r"Amnesty|Human Rights Watch|HRW|Doctors Without Borders|MSF|OSCE|IAEA|monitors?|observers?|independent\w*|"
    r"investigators?|journalists?|correspondents?|Reuters|AP|Associated Press|AFP|BBC|verified)\b"
)
_PARTY = re.compile(
    r"\b(?:forces|troops|army|navy|air force|national guard|armed forces|military(?! administration)|militia|militants|rebels|insurgents|fighters|"
    r"(?:defen[cs]e|war) ministry|ministry of (?:defen[cs]e|war)|general staff|high command|command|battalion|"
    r"brigade|regiment|commander|paramilitar\w*|guerrillas?)\b",
    re.IGNORECASE,
)
_WORD = r"[\w.'’\-]+"
# "According to officials" / "according to the regional administration"
_ACCORDING = re.compile(r"\b[Aa]ccording to [^,;:!?\"”]{2,100}?(?=[,;:!?\"”]|\.\s|\.?$)")
# ", regional governor Oleh Syniehubov said." (the last clause of the sentence)
_TRAILING = re.compile(rf"(?:^|[,;—–][\"”]?\s*|\band\s)((?:{_WORD}\s){{1,8}}?(?:{_VERBS})\b(?:\s(?:{_WORD}\s?){{0,3}})?)\s*[.!?\"”]*\s*$")
# "… said Peskov." / "…, said the regional governor."
_INVERTED = re.compile(r"[,\"”]\s*((?:said|says|told|added|wrote)\s[^.!?\"”]{2,120}?)\s*[.!?\"”]*\s*$")
# "Russian forces said they had captured …" / "On Monday, Russia's defence ministry said …" /
# "…, regional officials said, as …": a speaker and verb opening a clause
_CLAUSE = re.compile(rf"(?:^|[,;:—–]\s*)[\"“]?((?:{_WORD}\s){{1,8}}?(?:{_VERBS}))\b")


@dataclass(frozen=True)
class Attribution:
    span: Span
    claim: str


def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence (:func:`summarizer.sentences.sentence_spans`)."""
    return sentence_spans(text)


@lru_cache(maxsize=32)
def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph (a line, or lines between blank lines)."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        out.append((m.start(), m.end()))
    return out


class _Layout:
    """An article's paragraphs, and the sentences of those an item asks about.

    A sentence never crosses a line, so the sentences near an item's evidence are those of the
    paragraphs its evidence overlaps: only those paragraphs are split (once each), not the whole
    article. Paragraphs are sorted and disjoint: the ones an item overlaps are found by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paragraphs = paragraphs(text)
        self.starts = [a for a, _ in self.paragraphs]
        self.ends = [b for _, b in self.paragraphs]
        self._sentences: dict[int, list[tuple[int, int]]] = {}

    def sentences_of(self, i: int) -> list[tuple[int, int]]:
        """The sentences of paragraph ``i``, as :func:`sentences` has them."""
        found = self._sentences.get(i)
        if found is None:
            found = self._sentences[i] = paragraph_sentences(self.text, *self.paragraphs[i])
        return found

    def paragraphs_over(self, spans: Sequence[Span]) -> list[int]:
        """The indices of the paragraphs that overlap one of ``spans``, in order, each once."""
        return sorted({
            i for e in spans
            for i in range(bisect.bisect_right(self.ends, e.start), bisect.bisect_left(self.starts, e.end))
        })


@lru_cache(maxsize=32)
def _layout(text: str) -> _Layout:
    return _Layout(text)


def evidence_sentences(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` that overlaps one of ``spans`` (an item's evidence), in order."""
    layout = _layout(text)
    return [
        s for i in layout.paragraphs_over(spans) for s in layout.sentences_of(i)
        if any(e.start < s[1] and s[0] < e.end for e in spans)
    ]


def _is_source(speaker: str) -> bool:
    words = [w.lower().strip(".,'’\"") for w in speaker.split()]
    if not words or all(w in _PRONOUNS for w in words) or words[0] in _PRONOUNS:
        return False
    return bool(_SOURCE_WORDS.search(speaker) or re.search(r"(?:^|\s)[A-Z]", speaker))


def claim_of(words: str) -> str:
    """reported, claimed or confirmed, from the attribution's words."""
    verb_confirms = re.search(r"\b(?:confirm\w*|verif\w*)\b", words, re.IGNORECASE)
    if verb_confirms and _INDEPENDENT.search(words):
        return "confirmed"
    if re.search(r"\bclaim\w*\b", words, re.IGNORECASE) or _PARTY.search(words):
        return "claimed"
    return "reported"


def _speaker(clause: str) -> str:
    """The clause without its verb and what follows it."""
    return re.split(rf"\b(?:{_VERBS})\b", clause, maxsplit=1)[0].strip()


def _in_sentence(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The attribution's (start, end) inside one sentence, or None."""
    sentence = text[start:end]
    found = _ACCORDING.search(sentence)
    if found and _is_source(found.group(0)[len("according to "):]):
        return start + found.start(), start + found.end()
    body = sentence.rstrip()
    m = _TRAILING.search(body)
    if m and _is_source(_speaker(m.group(1))):
        clause_start = m.start(1)
        clause = m.group(1).rstrip(" .!?\"”")
        return start + clause_start, start + clause_start + len(clause)
    m = _INVERTED.search(body)
    if m and _is_source(re.sub(r"^(?:said|says|told|added|wrote)\s", "", m.group(1))):
        clause = m.group(1).rstrip(" .!?\"”")
        return start + m.start(1), start + m.start(1) + len(clause)
    for m in _CLAUSE.finditer(sentence):
        if _is_source(_speaker(m.group(1))):
            return start + m.start(1), start + m.end(1)
    return None


def _states(sentence: str, figures: Sequence[int]) -> int:
    """How many of ``figures`` the sentence states (digits or number words)."""
    from summarizer.grounding import numbers_in

    stated = {m.value for m in numbers_in(sentence)}
    return sum(1 for f in figures if f in stated)


def attribute(
    text: str, evidence: Sequence[Span], *, paragraph: bool = True, figures: Sequence[int] = ()
) -> Attribution | None:
    """The attribution of the item whose evidence is ``evidence``, or None when its sentences (and, with
    ``paragraph``, the other sentences of their paragraphs) name no source. With ``figures`` (the
    item's casualty counts), the sentences that state more of them are searched first."""
    if not evidence:
        return None
    own = evidence_sentences(text, evidence)
    if figures and len(own) > 1:
        own.sort(key=lambda s: -_states(text[s[0]:s[1]], figures))
    nearby: list[tuple[int, int]] = []
    if paragraph:
        layout, taken, anchor = _layout(text), set(own), evidence[0].start
        nearby = sorted(
            (s for i in layout.paragraphs_over(evidence) for s in layout.sentences_of(i) if s not in taken),
            key=lambda s: abs(s[0] - anchor),
        )
    for start, end in [*own, *nearby]:
        found = _in_sentence(text, start, end)
        if found is not None:
            a, b = found
            words = text[a:b]
            return Attribution(Span(text=words, start=a, end=b), claim_of(words))
    return None
