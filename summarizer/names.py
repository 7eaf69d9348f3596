"""Names in free text, and whether the article names them. Pure functions, no I/O.

Used by :mod:`summarizer.grounding` for two checks:

* every person, place and organisation named in a headline or summary must be
  named in the article (:func:`unnamed`);
* a quote's speaker must be named in the quote's sentence or beside it
  (:func:`named_in`).

A name matches an article word when one is the other plus an ending: a
possessive ("Russia's"), or a demonym ending ("Russian" for "Russia",
"Iranian" for "Iran", "Israeli" for "Israel"). Demonyms that change the stem
("French" for "France") come from a small table. Nothing here is tuned to one
war.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["named_in", "names_in", "speaker_tokens", "unnamed"]

#: Demonyms and short forms whose stem differs from the name: each group is one name.
_EQUIVALENT: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split("|"))
    for group in (
        "france|french|frenchman|frenchmen",
        "britain|british|briton|britons|uk|u.k|united kingdom",
        "us|u.s|usa|u.s.a|united states|america|american|americans",
        "netherlands|dutch|holland",
        "switzerland|swiss",
        "turkey|turkish|turkiye|türkiye|turk|turks",
        "spain|spanish|spaniard|spaniards",
        "poland|polish|pole|poles",
        "denmark|danish|dane|danes",
        "finland|finnish|finn|finns",
        "sweden|swedish|swede|swedes",
        "norway|norwegian|norwegians",
        "ireland|irish",
        "scotland|scottish|scot|scots",
        "wales|welsh",
        "lebanon|lebanese",
        "philippines|filipino|filipinos|philippine",
        "eu|european union",
        "un|u.n|united nations",
        "nato|north atlantic treaty organization",
        "kyiv|kiev",
        "gaza|gazan|gazans",
        "yemen|houthi|houthis",
    )
)
_EQUIV_OF: dict[str, frozenset[str]] = {name: group for group in _EQUIVALENT for name in group}

#: Capitalised words that are not names: function words that open a sentence, titles, days, months.
_NOT_NAMES = frozenset(
    ["a", "an", "the", "this", "that", "these", "those", "it", "its", "in", "on", "at", "of", "for", "from", "to", "by", "with", "as", "after", "before", "while", "when", "where", "why", "how", "what", "who", "which", "amid", "over", "under", "during", "since", "until", "and", "or", "but", "if", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "my", "there", "here", "some", "many", "most", "all", "both", "each", "several", "no", "not", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first", "second", "third", "new", "more", "mr", "mrs", "ms", "dr", "sir", "president", "prime", "minister", "secretary", "general", "gen", "col", "lt", "sgt", "chief", "head", "foreign", "defence", "defense", "interior", "deputy", "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "governor", "mayor", "king", "queen", "prince", "senator", "rep", "leader", "commander", "official", "officials", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "breaking", "update", "live", "analysis", "explainer", "exclusive", "opinion"]
)

# A letter, then letters and digits, with inner runs of apostrophes, dots, '&' and hyphens: what a
# letter and the longest run of those characters after it that ends with a letter or digit are
# ("[^\W\d_](?:[\w\u2019'.&-]*\w)?"), found without backtracking from each token's end.
_TOKEN = re.compile(r"[^\W\d_]\w*(?:[\u2019'.&-]+\w+)*")
_NAME_PARTS = re.compile(r"[\s-]+")  # what separates the words of a name
_POSSESSIVE = re.compile(r"(?:['\u2019]s|s['\u2019]|['\u2019])$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"\u201c\u201d(\n]\s*|\s[-\u2013\u2014]\s)$")


def _fold(word: str) -> str:
    if "'" not in word and "\u2019" not in word:
        return word.lower().rstrip(".")
    return _POSSESSIVE.sub("", word.replace("\u2019", "'")).lower().rstrip(".")


def _stem_match(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one word up to an ending: a common prefix of at least
    4 characters that misses at most one character of the shorter word."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 4:
        return False
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= max(4, shorter - 1)


# A token ends with a letter or digit (see _TOKEN), so of the possessive endings _fold takes off,
# only "'s" can end one; after it, the dots of "U.S.'s".
_POSSESSIVE_END = re.compile(r"'s(?= )")
_DOTS_END = re.compile(r"\.\.*(?= )")  # not \.+: a literal first character is what re looks for fast


@lru_cache(maxsize=64)
def _article_words(article: str) -> tuple[frozenset[str], str]:
    """The folded words of ``article`` (:func:`_fold` of each token): as a set, and in order
    joined by single spaces with one at each end (to look up names of several words).

    The tokens are folded all at once, joined by spaces, with C-level string methods: a space
    is not part of any token and does not change how the letters beside it lower (the final
    sigma), so this is :func:`_fold` token by token (``tests/test_names.py`` checks it)."""
    joined = " ".join(_TOKEN.findall(article)) + " "
    if "'" in joined or "\u2019" in joined:
        joined = _POSSESSIVE_END.sub("", joined.replace("\u2019", "'"))
    joined = joined.lower()
    if "." in joined:
        joined = _DOTS_END.sub("", joined)
    return frozenset(joined.split()), " " + joined


def _word_in(word: str, words: frozenset[str], joined: str) -> bool:
    if word in words:
        return True
    group = _EQUIV_OF.get(word)
    if group and any((" " + g + " ") in joined if " " in g else g in words for g in group):
        return True
    first = word[:4]
    return len(word) >= 4 and any(w.startswith(first) and _stem_match(word, w) for w in words)


def names_in(text: str) -> list[str]:
    """Capitalised names in ``text``, as runs of capitalised words ("Joe Biden", "Sumy").

    Function words that open a sentence, titles, days and months are not names. A text in
    title case (every word of four letters or more capitalised) gives only its all-capital acronyms.

    >>> names_in("Trump plans call with Putin as Russia's envoys meet on Monday")
    ['Trump', 'Putin', "Russia's"]
    """
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
    long_words = [t for t, _ in tokens if len(t) > 3]
    title_case = len(long_words) >= 4 and all(t[0].isupper() for t in long_words)
    names: list[str] = []
    run: list[str] = []  # the name being read: its words so far
    prev_end = -1  # where its last word ends
    for tok, start in tokens:
        if (
            tok[0].isupper() and _fold(tok) not in _NOT_NAMES
            and (not title_case or (tok.rstrip(".").replace(".", "").isupper() and len(tok) > 1))
        ):
            if run and text[prev_end:start].strip(" -") == "":
                run.append(tok)
            else:
                if run:
                    names.append(" ".join(run))
                run = [tok]
            prev_end = start + len(tok)
        elif run:
            names.append(" ".join(run))
            run = []
    if run:
        names.append(" ".join(run))
    return names


# Characters of a run (see _is_article_word): those a token is made of.
_RUN_CHAR = re.compile(r"[\w\u2019'.&-]")
_RUN = re.compile(r"[\w\u2019'.&-]*")


@lru_cache(maxsize=64)
def _lowered(article: str) -> str | None:
    """``article`` lowered, when every character lowers to one character (offsets stay), else None."""
    lowered = article.lower()
    return lowered if len(lowered) == len(article) else None


def _is_article_word(word: str, article: str) -> bool:
    """True when a token of ``article`` folds to ``word`` (``word in _article_words(article)[0]``);
    False when none is found this way (``word`` may still be one: ask :func:`_article_words`).

    Each longest run of the characters tokens are made of (:data:`_RUN`) that holds a letter
    is one token, from its first letter to its last letter or digit (``_TOKEN`` takes the rest
    of the run and gives back what does not end a token). So the token around a place where
    ``word`` is written is found from that place alone, without reading the whole article:
    first where it is written capitalised, as names mostly are, then in the lowered article."""
    if not word:
        return False
    if _written_at(word, article, article, word[0].upper() + word[1:]):
        return True
    lowered = _lowered(article)
    return lowered is not None and _written_at(word, article, lowered, word)


def _written_at(word: str, article: str, text: str, written: str) -> bool:
    """Whether the token of ``article`` around a place where ``text`` (``article``, or it
    lowered with the same offsets) has ``written`` folds to ``word``."""
    at = text.find(written)
    while at >= 0:
        start = at
        while start and _RUN_CHAR.match(article, start - 1):
            start -= 1
        end = _RUN.match(article, at).end()  # type: ignore[union-attr]  # it matches the empty string
        token = _TOKEN.search(article, start, end)
        if token and _fold(token.group()) == word:
            return True
        at = text.find(written, max(end, at + 1))
    return False


def unnamed(text: str, article: str) -> list[str]:
    """The names in ``text`` that ``article`` never names (allowing possessives and demonyms).

    >>> unnamed("Russian drone kills nine in Sumy, Joe Biden says", "A drone from Russia hit Sumy.")
    ['Joe Biden']
    """
    missing: list[str] = []
    for name in names_in(text):
        parts = [_fold(p) for p in _NAME_PARTS.split(name) if p]
        if all(p in _NOT_NAMES or _is_article_word(p, article) for p in parts):
            continue  # every word of it is a word of the article: no need to fold all of the article's
        words, joined = _article_words(article)
        if " ".join(parts) in _EQUIV_OF and _word_in(" ".join(parts), words, joined):
            continue
        if not all(_word_in(p, words, joined) for p in parts if p not in _NOT_NAMES):
            missing.append(name)
    return missing


def speaker_tokens(speaker: str) -> list[str]:
    """The words of a speaker that name them: capitalised words that are not titles."""
    return [
        _fold(t) for t in _NAME_PARTS.split(speaker) if t and t[0].isupper() and _fold(t) not in _NOT_NAMES
    ]


def named_in(speaker: str, passage: str) -> bool:
    """Whether ``passage`` names ``speaker``: one of the speaker's name words ("Peskov" for
    "Dmitry Peskov"), or, for a speaker with no name ("a local official"), the whole phrase.

    >>> named_in("Dmitry Peskov", "The call was being prepared, Peskov told reporters.")
    True
    >>> named_in("Amnesty International", "\u201cI lost everything,\u201d said one patient.")
    False
    """
    tokens = speaker_tokens(speaker)
    if any(_is_article_word(t, passage) for t in tokens):
        return True  # without folding all of the passage's words
    words, joined = _article_words(passage)
    if tokens:
        return any(_word_in(t, words, joined) for t in tokens)
    phrase = " ".join(_fold(t) for t in _TOKEN.findall(speaker) if _fold(t) not in ("a", "an", "the"))
    return bool(phrase) and (" " + phrase + " ") in joined
