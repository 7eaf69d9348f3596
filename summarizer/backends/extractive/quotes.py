"""Quotations with their speakers: a speaker named in the same sentence, next to the speech
verb, or the person the article's "he said" / "she wrote" points back to; otherwise nobody.

Who speaks is read from the sentence's structure, not from whoever is named nearby:

* after the quote, ``, said Kremlin spokesman Dmitry Peskov`` (the name follows a verb of
  saying) or ``, Dmitry Peskov told TASS`` (the name ends right before the verb); in
  ``, a patient told Amnesty International`` the speaker is "a patient", not a name, so the
  quote has no speaker;
* before the quote, ``Umerov, who led the delegation, said the “next step”`` (the name, or an
  apposition after it, ends right before the verb); in ``A doctor who treated Joe Biden's son
  said “...”`` Biden is not the subject, so nobody;
* ``he said`` / ``she wrote`` resolve to the last sentence subject, only when that person was
  named in the same or the previous paragraph.
"""

from __future__ import annotations

import bisect
import re

from summarizer.backends.extractive.lexicon import _alt, _lexicon
from summarizer.backends.extractive.people import _People
from summarizer.backends.extractive.sentences import Sentence
from summarizer.schema import Quote

_QUOTE_PAIRS = re.compile(r"“(?P<a>[^”\n]+)”|\"(?P<b>[^\"\n]+)\"")
#: Verbs of saying whose object is not the speaker ("told TASS", "asked reporters").
_OBJECT_VERBS = frozenset({"told", "asked", "called"})
_PRONOUN = re.compile(r"(?:[Hh]e|[Ss]he)")
#: What may stand between a speaker's name and the verb: an apposition, an adverb.
_BETWEEN_NAME_AND_VERB = re.compile(
    r"\s*(?:,\s*(?:who|the|a|an|his|her|its|their|[a-z]+\s+of)\b[^“\"”.]{0,100}?,\s*)?"
    r"(?:also\s+|later\s+|then\s+|again\s+|has\s+|had\s+|have\s+|previously\s+|separately\s+)?$"
)


def _sentence_at(sentences: list[Sentence], starts: list[int], pos: int) -> Sentence | None:
    """The sentence containing offset ``pos`` (``starts``: the sentences' start offsets)."""
    i = bisect.bisect_right(starts, pos) - 1
    return sentences[i] if i >= 0 and sentences[i].start <= pos < sentences[i].end else None


def _resolve_near(people: _People, pos: int, earliest: int) -> str | None:
    """'he'/'she' at ``pos``: the last sentence subject, if it was named at or after ``earliest``."""
    i = bisect.bisect_left(people.subjects, (pos,)) - 1
    if i < 0 or people.subjects[i][0] < earliest:
        return None
    return people.subjects[i][1]


def _subject_ending_at(text: str, start: int, end: int, people: _People) -> str | None:
    """The person or political actor whose name (plus an apposition) ends right at ``end``."""
    for s, e, name in reversed(people.between(start, end)):
        if _BETWEEN_NAME_AND_VERB.fullmatch(text[e:end]):
            return name
        break
    actor = re.search(rf"(?<![\w-])(?P<n>{_lexicon().actors.pattern})\s*$", text[start:end])
    if actor and actor.group("n").lower() not in ("officials", "both sides", "the two sides"):
        return actor.group("n")
    return None


def _quotes(text: str, sentences: list[Sentence], people: _People) -> list[tuple[int, Quote]]:
    """Every quotation with an identifiable speaker, with the paragraph it is in."""
    lex = _lexicon()
    speech = _alt(lex.raw["speech_verbs"])
    out: list[tuple[int, Quote]] = []
    starts = [s.start for s in sentences]
    para_start: dict[int, int] = {}
    for s in sentences:
        para_start.setdefault(s.para, s.start)
    for m in _QUOTE_PAIRS.finditer(text):
        g = "a" if m.group("a") is not None else "b"
        qs, qe = m.start(g), m.end(g)
        inner = text[qs:qe]
        lead = len(inner) - len(inner.lstrip())
        trimmed = inner.strip().rstrip(",").rstrip()
        if not trimmed:
            continue
        qs += lead
        qe = qs + len(trimmed)
        first = _sentence_at(sentences, starts, m.start())
        last = _sentence_at(sentences, starts, m.end() - 1) or first
        if first is None or last is None:
            continue
        earliest = para_start.get(first.para - 1, para_start.get(first.para, first.start))
        speaker = None
        after = text[m.end() : last.end]
        # After the quote, verb first: ', said Kremlin spokesman Dmitry Peskov.'
        vf = re.match(rf"[\s,]*(?P<v>{speech})\s+", after)
        sf = re.match(rf"[\s,]*(?P<subj>[^.“\"”]{{1,80}}?)\s+(?P<v>{speech})\b", after)
        if vf and vf.group("v").lower() not in _OBJECT_VERBS:
            window_start = m.end() + vf.end()
            named = people.between(window_start, min(last.end, window_start + 60))
            if named and re.fullmatch(r"(?:[\w’'.-]+\s+){0,5}", text[window_start : named[0][0]]):
                speaker = named[0][2]
            elif re.match(r"(?:he|she)\b", after[vf.end() :]):
                speaker = _resolve_near(people, window_start, earliest)
        elif sf:
            # After the quote, subject first: ', Dmitry Peskov told TASS.' / ', he wrote.'
            subj_start, subj_end = m.end() + sf.start("subj"), m.end() + sf.end("subj")
            tail = sf.group("subj").rsplit(",", 1)[-1].strip()  # '“...” without a meeting, he insisted'
            if _PRONOUN.fullmatch(tail):
                speaker = _resolve_near(people, subj_end - len(tail), earliest)
            else:
                speaker = _subject_ending_at(text, subj_start, subj_end, people)
        if speaker is None and not (vf or sf):
            # Before the quote, in the same sentence: 'Umerov, who led ..., said the “next step”'.
            verbs = list(lex.speech.finditer(text, first.start, m.start()))
            if verbs:
                v = verbs[-1]
                pron = re.search(r"\b(?:[Hh]e|[Ss]he)\s+(?:also\s+|later\s+|then\s+)?$", text[first.start : v.start()])
                if pron:
                    speaker = _resolve_near(people, first.start + pron.start(), earliest)
                else:
                    speaker = _subject_ending_at(text, first.start, v.start(), people)
        if speaker:
            out.append((first.para, Quote(text=text[qs:qe], start=qs, end=qe, speaker=speaker)))
    return out
