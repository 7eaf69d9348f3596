"""Quotations with their speakers, found before or after the quote in the same sentence."""

from __future__ import annotations

import bisect
import re

from summarizer.backends.extractive.lexicon import _alt, _lexicon
from summarizer.backends.extractive.people import _People
from summarizer.backends.extractive.sentences import Sentence
from summarizer.schema import Quote

_QUOTE_PAIRS = re.compile(r"“(?P<a>[^”\n]+)”|\"(?P<b>[^\"\n]+)\"")


def _sentence_at(sentences: list[Sentence], starts: list[int], pos: int) -> Sentence | None:
    """The sentence containing offset ``pos`` (``starts``: the sentences' start offsets)."""
    i = bisect.bisect_right(starts, pos) - 1
    return sentences[i] if i >= 0 and sentences[i].start <= pos < sentences[i].end else None


def _quotes(text: str, sentences: list[Sentence], people: _People) -> list[tuple[int, Quote]]:
    """Every quotation with an identifiable speaker, with the paragraph it is in."""
    lex = _lexicon()
    out: list[tuple[int, Quote]] = []
    starts = [s.start for s in sentences]
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
        speaker = None
        # After the quote: ', said Peskov.' / ', Dmitry Peskov told TASS.' / ', he said.'
        after = text[m.end() : last.end]
        a = re.match(
            rf"[\s,]*(?:[^.“\"]{{0,60}}?)(?:(?P<v>{_alt(lex.raw['speech_verbs'])})\s+(?P<n>[A-Z][\w’'-]+)|(?P<p>\b[Hh]e|\b[Ss]he)\s+(?:\w+\s+)?(?:{_alt(lex.raw['speech_verbs'])})\b)",
            after,
        )
        if a:
            if a.group("p"):
                speaker = people.resolve(m.end() + a.start("p"))
            else:
                pos = m.end() + a.start()
                named = [n for _, _, n in people.between(pos, m.end() + a.end())]
                speaker = named[-1] if named else None
                if speaker is None and a.group("v"):
                    named = people.at(m.end() + a.start("n"), m.end() + a.end())
                    speaker = named[0] if named else None
        if speaker is None:
            # Before the quote, in the same sentence: 'Umerov ... said the “next step”'.
            before_start = first.start
            verbs = list(lex.speech.finditer(text, before_start, m.start()))
            if verbs:
                v = verbs[-1]
                named_before = [(s, n) for s, _, n in people.between(before_start, v.start())]
                prons = list(re.finditer(r"\b(?:[Hh]e|[Ss]he)\b", text[before_start : v.start()]))
                cand_person = named_before[-1] if named_before else None
                cand_pron = prons[-1] if prons else None
                if cand_pron and (cand_person is None or before_start + cand_pron.start() > cand_person[0]):
                    speaker = people.resolve(before_start + cand_pron.start())
                elif cand_person:
                    speaker = cand_person[1]
                else:
                    subj = re.search(rf"(?P<n>{lex.actors.pattern})\s+$", text[before_start : v.start()])
                    speaker = subj.group("n") if subj else None
        if speaker:
            out.append((first.para, Quote(text=text[qs:qe], start=qs, end=qe, speaker=speaker)))
    return out
