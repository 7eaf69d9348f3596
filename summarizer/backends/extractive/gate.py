"""Whether the extractive backend reads an article at all: English text about armed conflict.

The rules are written for English news about war, its diplomacy and its sanctions. On
anything else they find "attacks" in sports reports, "casualties" in years and
temperatures, and "talks" in business news. So before any rule runs, :func:`reason_to_skip`
checks two things, and the backend returns empty sections when either fails:

* **English.** The language as :mod:`summarizer.language` detects it (the pipeline has
  usually checked it already; this covers direct calls), or, for a text too short to tell,
  no CJK script and enough English function words ("the", "of", "and", ...). German "die"
  is not the verb "to die". An LLM backend reads any language.
* **Conflict in context.** Phrases from ``conflict_terms`` in the lexicon (war, troops,
  missiles, ceasefire, sanctions, ... but not "attack", "strike" or "killed", which sport and
  crime use too) must occur in the title or the first sentences, and at least
  :data:`MIN_TERMS` times, two different ones, in the whole text (:data:`MIN_TERMS_SHORT` for
  a short text), and at least :data:`MIN_PER_1000_WORDS` per 1000 words,
  outside phrases such as "Star Wars", "trade war" or "task force".

It is deterministic and cheap (a few regex passes), and errs on the side of saying nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summarizer.backends.extractive.lexicon import _lexicon, _words

__all__ = ["reason_to_skip", "is_english", "conflict_terms_in"]

#: Share of words that must be English function words for the text to count as English.
ENGLISH_SHARE = 0.1
#: Share of letters in scripts without spaces (CJK) above which the text is not English.
CJK_SHARE = 0.1
#: Sentences at the start of the text (after the title) that count as the lede.
LEDE_SENTENCES = 5
#: Conflict phrases needed in the whole text; a text under SHORT_WORDS words needs fewer.
MIN_TERMS = 3
MIN_TERMS_SHORT = 1
SHORT_WORDS = 120
#: Conflict phrases needed per 1000 words: a long feature that mentions "the Iraq War" and
#: "the military" once each is not about them.
MIN_PER_1000_WORDS = 5.0

_FUNCTION_WORDS = frozenset(
    "the a an of and to in on at for with from by is are was were has have had be been "
    "that this it its he she they said says would will not but or as after who which".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")


def is_english(text: str) -> bool:
    """True when ``text`` is English: :func:`summarizer.language.detect_language` says so, or,
    when it cannot tell (a short text), few CJK characters and many English function words."""
    from summarizer.language import ENGLISH, detect_language

    code = detect_language(text)
    if code is not None:
        return code == ENGLISH
    sample = text[:20000]
    letters = len(_LETTER.findall(sample))
    if not letters or len(_CJK.findall(sample)) / letters > CJK_SHARE:
        return False
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return False
    return sum(w in _FUNCTION_WORDS for w in words) / len(words) >= ENGLISH_SHARE


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    # matched against lowercased text without re.IGNORECASE, which is several times faster
    raw = _lexicon().raw
    terms = [t.lower() for group in raw["conflict_terms"].values() for t in group]
    not_conflict = [t.lower() for t in raw["not_conflict"]]
    return _words(terms, flags=0), _words(not_conflict, flags=0)


def _conflict_matches(text: str) -> list[re.Match[str]]:
    terms, not_conflict = _patterns()
    masked = not_conflict.sub(lambda m: " " * len(m.group()), text.lower())
    return list(terms.finditer(masked))


def conflict_terms_in(text: str) -> list[str]:
    """The conflict phrases of ``text`` (lowercased), in order, outside the phrases that only look like them."""
    return [m.group() for m in _conflict_matches(text)]


def _lede_end(text: str) -> int:
    """Offset where the lede (the first :data:`LEDE_SENTENCES` sentences) ends."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, 3000)]
    return ends[LEDE_SENTENCES - 1] if len(ends) >= LEDE_SENTENCES else min(len(text), 3000)


def reason_to_skip(text: str, title: str | None = None) -> str | None:
    """Why the extractive backend should say nothing about this article, or None to read it."""
    if not is_english(text):
        return "not in English: the extractive backend reads English only; use an LLM backend for other languages"
    found = _conflict_matches(text)
    lede_end = _lede_end(text)
    if not any(m.start() < lede_end for m in found) and not conflict_terms_in(title or ""):
        return "off-topic: no armed conflict, diplomacy of a conflict or sanctions in the title or lede"
    words = len(text.split())
    need = MIN_TERMS_SHORT if words < SHORT_WORDS else MIN_TERMS
    if (
        len(found) < need
        or (need > 1 and len({m.group() for m in found}) < 2)
        or 1000 * len(found) / max(words, 1) < MIN_PER_1000_WORDS
    ):
        return "off-topic: too few mentions of armed conflict, its diplomacy or sanctions"
    return None
