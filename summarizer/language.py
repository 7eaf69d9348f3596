"""The article's language, and a word count that works for scripts without spaces.

Language identification uses py3langid, whose model ships inside the wheel (no
download at run time). It is loaded once, on first use (about a second), and
then classifies an article in well under a millisecond.

Short texts are hard to identify: a single English sentence full of place names
can come out as Latin. So :func:`detect_language` answers None when the text is
too short or the model is unsure, and it prefers English when English function
words make up a large share of the words.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache
from typing import Any

__all__ = ["ENGLISH", "detect_language", "english_share", "word_count"]

ENGLISH = "en"

#: Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao,
#: Khmer, Myanmar. Their characters are counted, at CHARS_PER_WORD characters a word
#: (a typical Chinese or Japanese word is one to two characters long).
_NO_SPACE_SCRIPT = re.compile(
    "[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f\U00020000-\U0002fa1f]"
)
CHARS_PER_WORD = 1.5
_WORD = re.compile(r"\w[\w'\u2019-]*")

#: Below this many words, no language is claimed.
MIN_WORDS = 4
#: Below this probability, no language is claimed.
MIN_PROBABILITY = 0.5
#: At or above this share of English function words, the text is English.
ENGLISH_SHARE = 0.2
#: A text this long with this share of English function words is English without asking the
#: model (English news: 0.3 and more; German, Dutch, Spanish, Romanian news: below 0.15).
FAST_MIN_WORDS = 20
FAST_ENGLISH_SHARE = 0.22
_ENGLISH_FUNCTION_WORDS = frozenset(
    ["the", "a", "an", "of", "and", "to", "in", "on", "at", "for", "with", "from", "by", "is", "are", "was", "were", "has", "have", "had", "be", "been", "that", "this", "it", "its", "he", "she", "they", "said", "says", "would", "will", "not", "but", "or", "as", "after"]
)
_SAMPLE_CHARS = 8000


def word_count(text: str) -> int:
    """Words in ``text``: space-separated words, plus the characters of scripts without
    spaces (Chinese, Japanese, Thai...) at :data:`CHARS_PER_WORD` characters a word.

    >>> word_count("Nine people died in Sumy.")
    5
    >>> word_count("俄罗斯无人机袭击了一辆小巴")  # 13 characters
    9
    """
    return _word_count(text, len(_NO_SPACE_SCRIPT.findall(text)))


def _word_count(text: str, dense: int) -> int:
    """:func:`word_count` of ``text``, which has ``dense`` characters of scripts without spaces."""
    spaced = len(_WORD.findall(_NO_SPACE_SCRIPT.sub(" ", text))) if dense else _words(text)[0]
    return spaced + round(dense / CHARS_PER_WORD)


@lru_cache(maxsize=256)
def _words(text: str) -> tuple[int, int]:
    """How many words ``text`` has, and how many of them are English function words (in any
    case). Cached: an article's language is detected when it is read, and its share of English
    words is asked again when its summary is checked (:mod:`summarizer.grounding`).

    A text as long as the language sample or longer is counted in two parts, cut at the last
    space or newline of the sample (no word holds one): the first part is the same for the
    article and for its sample, so it is counted once."""
    cut = -1
    if len(text) >= _SAMPLE_CHARS:
        cut = max(text.rfind(" ", 0, _SAMPLE_CHARS), text.rfind("\n", 0, _SAMPLE_CHARS))
    if cut <= 0:
        return _count_words(text)
    (words, english), (more_words, more_english) = _words(text[:cut]), _count_words(text[cut:])
    return words + more_words, english + more_english


def _count_words(text: str) -> tuple[int, int]:
    words = _WORD.findall(text)
    counts = Counter(words)  # each distinct word is lowered once
    return len(words), sum(n for word, n in counts.items() if word.lower() in _ENGLISH_FUNCTION_WORDS)


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # Imported lazily: loading the model takes about a second and numpy.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Only languages with an ISO 639-1 code: the model's three-letter extras (Nigerian
    # Pidgin, Bikol, ...) mostly capture short English texts by mistake.
    ident.set_languages([code for code in ident.nb_classes if len(code) == 2])
    return ident


def english_share(text: str) -> float:
    """The share of the words of ``text`` that are common English function words (0 to 1)."""
    words, english = _words(text)
    return english / words if words else 0.0


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language ('en', 'de', 'zh', ...), or None when
    the text is too short or the model is unsure.

    >>> detect_language("2018 liegt die Zahl der Toten bei 322, sagte ein Sprecher am Montag.")
    'de'
    >>> detect_language("A Russian drone struck a minibus in Sumy. Nine people died.")
    'en'
    >>> detect_language("Talks resumed.") is None
    True
    """
    sample = text[:_SAMPLE_CHARS]
    dense = len(_NO_SPACE_SCRIPT.findall(sample))
    words = _word_count(sample, dense)
    if words < MIN_WORDS:
        return None
    if words >= FAST_MIN_WORDS and not dense and english_share(sample) >= FAST_ENGLISH_SHARE:
        return ENGLISH  # plainly English: no need to load the model (about a second, once)
    with _LOCK:  # the identifier keeps per-call state; batch may call from threads
        code, probability = _identifier().classify(sample)
    if code != ENGLISH and not dense and english_share(sample) >= ENGLISH_SHARE:
        return ENGLISH
    if probability < MIN_PROBABILITY:
        return None
    return str(code)
