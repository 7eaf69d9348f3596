"""Grounding: find every piece of evidence and every quote in the article.

Pure functions, no I/O. The LLM copies passages as plain strings; this module
finds them in the article (tolerating whitespace, curly versus straight quotes,
dashes, ellipses and case), returns offsets such that
``article[start:end] == span.text``, and checks that casualty numbers appear in
their evidence, as digits ("1,000") or words ("nine", "a dozen"), in a clause
about people killed or injured (never a year, an age, a percentage, money, a
temperature or a count of things). A quote's speaker must be named in the
quote's sentence or beside it; names in the headline and summary must be named
in the article (:mod:`summarizer.names`).

Used in two places:

* inside the instructor call, through :func:`check_draft` (called by
  ``SummaryDraft``'s validator with the article held in :data:`ACTIVE`), so an
  ungrounded span becomes a re-ask that names it;
* after the call, through :func:`ground`, which converts the draft into final
  models and drops what still can't be grounded.
"""

from __future__ import annotations

import bisect
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from summarizer import names
from summarizer._markup import clip
from summarizer.language import english_share
from summarizer.numbers import Figures, NumberMention, read_numbers
from summarizer.schema import (
    SECTIONS,
    Article,
    Attack,
    Diplomacy,
    Dropped,
    Meta,
    Quote,
    Relevance,
    Sanction,
    Section,
    Span,
    Summary,
    SummaryDraft,
    Territory,
)

# ---------------------------------------------------------------------------
# Normalisation with an offset map

_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
}
_EDGE_CHARS = " \"'.,;:"
MIN_EVIDENCE_CHARS = 8


@dataclass(frozen=True)
class Normalized:
    """``text`` normalised for matching, and for each of its characters the
    offset of the original character it came from."""

    text: str
    origin: tuple[int, ...]


# Characters that map to one character: folded with str.replace, offsets unchanged. Capital sigma is lowered on
# its own, as character-by-character lowering does (str.lower() would make it final at a word's end).
_ONE_TO_ONE = tuple({**{k: v for k, v in _CHAR_MAP.items() if len(v) == 1}, "\u03a3": "\u03c3"}.items())
_VANISHING = "".join(k for k, v in _CHAR_MAP.items() if not v)  # soft hyphen, zero-width space
_EXPANDING = "".join(k for k, v in _CHAR_MAP.items() if len(v) > 1) + "\u0130"  # '\u2026'; U+0130 lowers to two
# What a run of one-to-one characters stops at. A lone space between two such characters stays
# as it is, at its own offset, so it does not stop a run; any other whitespace, or several
# characters of it (with vanishing ones among them), is collapsed. Whitespace at either end of
# the text is dropped before the runs are looked for. Written to start with one character class
# (re then skips ahead to the next such character in C): whitespace, a vanishing or an expanding
# character, but a space only when more whitespace follows; then the whitespace after it (an
# expanding character takes it too: the characters of a break are folded one at a time anyway).
_BREAK = re.compile(
    rf"[\s{_VANISHING}{_EXPANDING}](?:(?<! )|(?=[\s{_VANISHING}]))[\s{_VANISHING}]*"
)
_LEADING = re.compile(rf"[\s{_VANISHING}]*")


@dataclass(frozen=True)
class _Runs:
    """``text`` normalised for matching, and its offset map as runs: from offset ``starts[r]``
    of ``text`` up to the next run, the characters come one for one from the original
    characters from offset ``origins[r]`` on. The same map as :class:`Normalized`'s, without a
    number for every character: a new run starts only after collapsed whitespace, a dropped or an
    expanded character (the seed article: 3,988 characters, 3 runs)."""

    text: str
    starts: tuple[int, ...]
    origins: tuple[int, ...]

    def origin(self, at: int) -> int:
        """The offset of the original character that character ``at`` of ``text`` came from."""
        run = bisect.bisect_right(self.starts, at) - 1
        return self.origins[run] + at - self.starts[run]

    def first_from(self, offset: int) -> int:
        """The first offset of ``text`` whose character came from ``offset`` or after in the
        original (``len(text)`` if none): ``bisect_left`` of the map."""
        run = bisect.bisect_left(self.origins, offset)  # the first run that starts there or after
        if run:  # the run before may reach it
            end = self.starts[run] if run < len(self.starts) else len(self.text)
            if self.origins[run - 1] + end - self.starts[run - 1] > offset:
                return self.starts[run - 1] + offset - self.origins[run - 1]
        return self.starts[run] if run < len(self.starts) else len(self.text)


def _fold_runs(text: str) -> _Runs:
    """:func:`normalize`, with the offset map as runs."""
    out: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    length = 0

    def add(piece: str, at: int) -> None:  # piece's characters come from at, at + 1, ...
        nonlocal length
        if not starts or origins[-1] + length - starts[-1] != at:
            starts.append(length)
            origins.append(at)
        out.append(piece)
        length += len(piece)

    pending_space = False
    folded = text
    for before, after in _ONE_TO_ONE:  # one character for one: the offsets stay; str.replace is fast
        if before in folded:
            folded = folded.replace(before, after)
    pos = _LEADING.match(text).end()  # type: ignore[union-attr]  # it matches the empty string
    end = len(text)
    while end > pos and (text[end - 1].isspace() or text[end - 1] in _VANISHING):
        end -= 1
    for m in _BREAK.finditer(text, pos, end):
        start = m.start()
        if start > pos:
            if pending_space:
                add(" ", pos - 1)
                pending_space = False
            add(folded[pos:start].lower(), pos)
        pos = m.end()
        run = m.group()
        for i, ch in enumerate(run, start):
            if ch.isspace():
                pending_space = bool(out)
                continue
            mapped = _CHAR_MAP.get(ch, ch).lower()
            if not mapped:
                continue
            if pending_space:
                add(" ", i - 1)
                pending_space = False
            for char in mapped:  # '\u2026' becomes '...': each '.' comes from it
                add(char, i)
    if pos < end:
        if pending_space:
            add(" ", pos - 1)
        add(folded[pos:end].lower(), pos)
    return _Runs("".join(out), tuple(starts), tuple(origins))


def normalize(text: str) -> Normalized:
    """Lower-case, fold quotes/dashes/ellipses, collapse whitespace; keep an offset map.

    The same as folding and lowering one character at a time (``tests/test_grounding.py``
    checks it), done a run of ordinary characters at a time."""
    runs = _fold_runs(text)
    origin: list[int] = []
    for start, end, at in zip(runs.starts, (*runs.starts[1:], len(runs.text)), runs.origins):
        origin.extend(range(at, at + end - start))
    return Normalized(runs.text, tuple(origin))


# What normalize_text replaces before lowering: _CHAR_MAP, and capital sigma lowered alone (as normalize
# does, char by char): str.lower of a whole string would make a final one "ς". No replacement
# makes a character that another replaces, so one str.replace after another is str.translate;
# translate looks every character up in a dict once the text is not ASCII (about 50 ns a character).
_FOLDS = tuple({**_CHAR_MAP, "\u03a3": "\u03c3"}.items())
_ASCII_FOLDS = tuple((before, after) for before, after in _FOLDS if before.isascii())  # '`' alone


def normalize_text(text: str) -> str:
    """``normalize(text).text`` without the offset map, in C loops (linear, ~50x faster).

    >>> normalize_text("  “Nine”  killed — officials… ") == normalize("  “Nine”  killed — officials… ").text
    True
    """
    # An ASCII text holds none of the other characters: most evidence, so skip asking for them.
    for before, after in _ASCII_FOLDS if text.isascii() else _FOLDS:
        if before in text:
            text = text.replace(before, after)
    return " ".join(text.lower().split())


@lru_cache(maxsize=64)
def _index(text: str) -> _Runs:
    return _fold_runs(text)


def _needle(text: str) -> str:
    return normalize_text(text).strip(_EDGE_CHARS)


def _candidates(passage: str) -> list[str]:
    """Needles to try, most faithful first: as given, without outer quote marks,
    without any outer punctuation."""
    norm = normalize_text(passage)
    out: list[str] = []
    for needle in (norm, norm.strip("\"' "), norm.strip(_EDGE_CHARS)):
        if needle and needle not in out:
            out.append(needle)
    return out


def find_span(article: str, passage: str, *, after: int = 0) -> Span | None:
    """The first occurrence of ``passage`` in ``article`` at or after offset ``after``, or None.

    >>> find_span("He said: \u201cNo.\u201d", '"no."').text
    '\u201cNo.\u201d'
    """
    found = _find(article, passage, after)
    return found[0] if found else None


def _find(article: str, passage: str, after: int = 0) -> tuple[Span, str] | None:
    """:func:`find_span`, with the needle (one of :func:`_candidates`) that found it."""
    hay = _index(article)
    norm_after = hay.first_from(after) if after else 0
    for needle in _candidates(passage):
        pos = hay.text.find(needle, norm_after)
        if pos >= 0:
            start = hay.origin(pos)
            end = hay.origin(pos + len(needle) - 1) + 1
            return Span(text=article[start:end], start=start, end=end), needle
    return None


_QUOTE_MARKS = " \"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


_ELLIPSIS = re.compile(r"\s*(?:\.\s?\.\s?\.|\u2026|\[\s*\.\.\.\s*\])\s*")


def locate(article: str, passage: str) -> list[Span] | None:
    """Spans for ``passage``: one span if it appears whole; if the LLM elided a middle
    part with '...', one span per part, in order. None if it can't be found."""
    found = _locate(article, passage)
    return [span for span, _ in found] if found is not None else None


def _locate(article: str, passage: str) -> list[tuple[Span, str]] | None:
    """:func:`locate`, with the needle that found each span."""
    whole = _find(article, passage)
    if whole is not None:
        return [whole]
    parts = [p for p in _ELLIPSIS.split(passage) if _needle(p)]
    if len(parts) < 2:
        return None
    spans: list[tuple[Span, str]] = []
    after = 0
    for part in parts:
        found = _find(article, part, after)
        if found is None or len(_needle(part)) < MIN_EVIDENCE_CHARS:
            return None
        spans.append(found)
        after = found[0].end
    return spans


def _evidence_chars(found: list[tuple[Span, str]]) -> int:
    """How many characters of evidence the spans hold: the length of each span's text as a
    needle (:func:`_needle`), counted only when the needles that found them hold fewer than
    :data:`MIN_EVIDENCE_CHARS`. A span's needle can only be longer than the needle that found
    it: the span's text normalises to that needle, plus the rest of a character that expands
    ('\u2026' to '...') at either end, and stripping the outer punctuation takes off no more."""
    chars = sum(len(needle.strip(_EDGE_CHARS)) for _, needle in found)
    if chars >= MIN_EVIDENCE_CHARS:
        return chars
    return sum(len(_needle(span.text)) for span, _ in found)


# ---------------------------------------------------------------------------
# Numbers (read by summarizer.numbers)

_NONE_PHRASES = re.compile(r"\b(?:no one|nobody|no casualties|no deaths|no injuries|none)\b")


def numbers_in(text: str) -> list[NumberMention]:
    """Every count in ``text``: digits ('1,000', '9', '1.5 million') and number words ('nine',
    'a dozen', 'twenty-five'). A mention after a qualifier such as 'over' or 'nearly' is
    vague. Ages, durations and the pronoun 'one' are not counts. Offsets refer to the
    normalised text.

    >>> [(m.value, m.vague) for m in numbers_in("killing nine and wounding over a dozen")]
    [(9, False), (12, True)]
    """
    return read_numbers(normalize_text(text))


_CASUALTY_WORDS: dict[str | None, str] = {
    "killed": r"kill\w*|dead|deaths?|died|dies|dying|fatalit\w*|lives|bodies|death toll|toll|slain|perished|"
              r"lost their lives|murdered|executed",
    "injured": r"injur\w*|wound\w*|hurt|hospitali[sz]ed|casualt\w*",
}
_CASUALTY_WORDS[None] = "|".join(w for w in _CASUALTY_WORDS.values())
_CASUALTY = {role: re.compile(rf"\b(?:{words})\b") for role, words in _CASUALTY_WORDS.items()}
# Where one clause ends: sentence punctuation, the evidence separator, and coordination.
_CLAUSE_END = re.compile(r"[.;:!?\u2016()]|\s(?:and|but|while|whereas|as well as)\s|,\s(?:and|but)\s")
# What right after a number makes it something other than a count of people.
_NOT_PEOPLE_AFTER = re.compile(
    r"\s?(?:%|percent\b|per cent\b|degrees?\b|\u00b0|grad\b|celsius\b|fahrenheit\b|"
    r"(?:thousand |million |billion )?(?:dollars|euros?|pounds|rubles?|roubles|hryvnias?|yuan|usd|eur)\b|"
    r"(?:km|kilomet\w+|miles?|met(?:re|er)s?|tonnes?|tons?|kg|kilograms?|hectares?|square)\b|"
    r"(?:drones?|missiles?|rockets?|shells?|bombs?|tanks?|vehicles?|buildings?|homes?|houses?|"
    r"apartments?|cars?|trucks?|ships?|vessels?|aircraft|planes?|sorties|strikes?|attacks?|times|"
    r"cases|doses|votes|seats|points|goals|items?|copies|units)\b)"
)
_NOT_PEOPLE_BEFORE = re.compile(r"(?:[$\u20ac\u00a3\u20bd\u20b4]|\b(?:usd|eur|us\$|aged|age|of age)\s?)$")
_PEOPLE_AFTER = re.compile(
    r"\s(?:people|persons|civilians|soldiers|troops|children|residents|others|men|women|servicemen|"
    r"fighters|militants|members|workers|patients|passengers|employees|police|officers|were|have|had)\b"
)


def _is_year(lowered: str, m: NumberMention) -> bool:
    token = lowered[m.start:m.end]
    return (
        token.isdigit() and len(token) == 4 and 1800 <= m.value <= 2100
        and not _PEOPLE_AFTER.match(lowered, m.end)
    )


def _clause(lowered: str, start: int, end: int) -> str:
    begin = max((c.end() for c in _CLAUSE_END.finditer(lowered, 0, start)), default=0)
    stop = _CLAUSE_END.search(lowered, end)
    return lowered[begin:stop.start() if stop else len(lowered)]


def is_casualty_count(lowered: str, m: NumberMention, role: str | None = None, *, english: bool = True) -> bool:
    """Whether mention ``m`` of normalised ``lowered`` counts people killed (``role``
    "killed"), injured ("injured") or either (None): the number is not a year, a
    percentage, money, a temperature, a measure or a count of things, and (in English
    text, whose casualty words we know) the same clause says it counts casualties."""
    if _is_year(lowered, m) or _NOT_PEOPLE_AFTER.match(lowered, m.end):
        return False
    if _NOT_PEOPLE_BEFORE.search(lowered, 0, m.start):
        return False
    return not english or bool(_CASUALTY[role].search(_clause(lowered, m.start, m.end)))


@lru_cache(maxsize=4096)  # pure; the same evidence is checked by a backend and again by enforce
def check_count(value: int | None, evidence: str, role: str | None = None) -> str | None:
    """None if ``value`` is null or stated exactly in ``evidence`` as a count of people
    killed (``role`` "killed"), injured ("injured") or either (None); else the problem."""
    if value is None:
        return None
    lowered = normalize_text(evidence)
    if value == 0 and _NONE_PHRASES.search(lowered):
        return None
    mentions = [m for m in read_numbers(lowered) if m.value == value]
    exact = [m for m in mentions if not m.vague]
    english = english_share(lowered) >= ENGLISH_SHARE
    if any(is_casualty_count(lowered, m, role, english=english) for m in exact):
        return None
    if exact:
        what = {"killed": "people killed", "injured": "people injured"}.get(role or "", "casualties")
        return f"{value} in its evidence is not a count of {what} (a year, an age, money, a measure or things?); use null"
    if mentions:
        return f"{value} is only a vague count in its evidence; use null"
    return f"{value} does not appear in its evidence; use null unless the evidence states it"


# ---------------------------------------------------------------------------
# Draft -> final


@dataclass
class GroundingContext:
    """The article that validators ground against, set around an LLM call.

    ``accepted`` keeps the grounding of the draft the validator last accepted, so
    the pipeline does not ground the same draft twice.
    """

    article: str
    accepted: tuple[int, Grounded] | None = None


ACTIVE: ContextVar[GroundingContext | None] = ContextVar("summarizer_grounding", default=None)


@dataclass
class Grounded:
    """The result of grounding a draft: final items per section, and what was dropped."""

    sections: dict[Section, list[Any]] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [reason for d in self.dropped for reason in d.reasons]


_FINAL = {"diplomacy": Diplomacy, "attacks": Attack, "territory": Territory, "sanctions": Sanction}


def _short(text: str) -> str:
    return clip(text, 90)


_GROUNDED_FIELDS = frozenset({"evidence", "quotes", "attribution"})  # what ground_item finds in the article


def ground_item(section: Section, index: int, item: Any, article: str) -> tuple[Any | None, list[str]]:
    """Ground one draft item: (final item, problems).

    The final item keeps what is grounded: the evidence passages found in the article,
    the quotes found verbatim, and counts stated in that evidence (others become null).
    It is None when none of the evidence was found. ``problems`` names everything that
    was left out, so a re-ask can fix it and ``dropped`` can report it.
    """
    where = f"{section}[{index}]"
    problems: list[str] = []
    spans: list[Span] = []
    for k, passage in enumerate(item.evidence):
        found = _locate(article, passage)
        if found is None:
            problems.append(f'{where}.evidence[{k}] "{_short(passage)}" is not in the article; copy the passage verbatim')
        elif _evidence_chars(found) < MIN_EVIDENCE_CHARS:
            problems.append(f'{where}.evidence[{k}] "{passage}" is too short to be evidence; copy a whole clause')
        else:
            for span, _ in found:
                if span not in spans:
                    spans.append(span)
    # The draft's other fields as they are (plain values): the final model validates them again.
    data = {name: value for name, value in item.__dict__.items() if name not in _GROUNDED_FIELDS}
    # Only some drafts have an attribution: pydantic keeps fields in the instance's __dict__ (getattr's
    # default would cost an exception).
    said = item.__dict__.get("attribution")
    if said and said.strip():
        found_said = find_span(article, said.strip())
        if found_said is None:
            problems.append(f'{where}.attribution "{_short(said)}" is not in the article; copy it verbatim or use null')
        else:
            data["attribution"] = found_said
    if section == "diplomacy":
        quotes: list[Quote] = []
        for k, q in enumerate(item.quotes):
            quoted = find_span(article, q.text.strip(_QUOTE_MARKS))
            if quoted is None:
                problems.append(f'{where}.quotes[{k}] "{_short(q.text)}" ({q.speaker}) is not in the article; quote verbatim or omit it')
                continue
            speaker, problem = check_speaker(article, quoted, q.speaker)
            if problem:
                problems.append(f"{where}.quotes[{k}] {problem}")
            quotes.append(Quote(speaker=speaker, text=quoted.text, start=quoted.start, end=quoted.end))
        data["quotes"] = quotes
    if section == "attacks":
        evidence_text = " \u2016 ".join(s.text for s in spans) if spans else " ".join(item.evidence)
        for name in ("killed", "injured"):
            problem = check_count(getattr(item, name), evidence_text, name)
            if problem:
                problems.append(f"{where}.{name} = {getattr(item, name)}: {problem}")
                data[name] = None
    if not spans:
        return None, problems
    return _FINAL[section](**data, evidence=spans), problems


# Where a sentence ends: "[.!?]+ closing quotes, whitespace, before a capital or digit", or "\n+".
# Written to start with one character class, so re skips to the next such character in C.
_SENTENCE_BREAK = re.compile(
    r"[.!?\n](?:(?<=\n)\n*|(?<!\n)[.!?]*[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9]))"
)


# A character no sentence break holds (a break is made of [.!?\n], closing quotes and whitespace):
# the breaks after one are found by reading on from it, wherever the text's reading starts.
_OUTSIDE_BREAKS = re.compile(r"[^.!?\n\"'\u201d\u2019)\s]")


def _sentence_starts_near(article: str, start: int, end: int) -> list[int]:
    """The sentence starts (0 and the end of each :data:`_SENTENCE_BREAK`) from the second at or before ``start`` (or 0) to
    the second after ``end`` (or all after it), found by reading only around them."""
    reach = 500
    while True:
        lo = max(0, start - reach)
        while lo and not _OUTSIDE_BREAKS.match(article, lo - 1):
            lo -= 1
        starts = [0] if lo == 0 else []
        beyond = 0
        for m in _SENTENCE_BREAK.finditer(article, lo):
            starts.append(m.end())
            if m.end() > end:
                beyond += 1
                if beyond == 2:
                    break
        if lo == 0 or bisect.bisect_right(starts, start) >= 2:
            return starts
        reach *= 4


_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")


def attribution_window(article: str, start: int, end: int) -> str:
    """The text where a quote at ``start:end`` can be attributed: its sentence(s) and the
    sentences just before and after; when that attribution is a pronoun ("he wrote"), back
    to the start of the paragraph, where the person it stands for is named."""
    starts = _sentence_starts_near(article, start, max(start, end - 1))  # as every sentence start of the article there
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_right(starts, max(start, end - 1)) - 1
    lo = starts[max(0, first - 1)]
    hi = starts[last + 2] if last + 2 < len(starts) else len(article)
    own = article[starts[first]:hi]
    if _PRONOUN.search(own.replace(article[start:end], " ")):
        lo = min(lo, article.rfind("\n", 0, start) + 1)
    return article[lo:hi]


def check_speaker(article: str, quote: Span, speaker: str | None) -> tuple[str | None, str | None]:
    """(speaker to keep, problem): the speaker is kept when it is named in the quote's
    sentence or the sentences beside it (its attribution), else it becomes null."""
    if speaker is None or not speaker.strip():
        return None, None
    if not names.speaker_tokens(speaker) and not _reads_english(article):
        return speaker, None  # a description ("a local official") translated into English: can't be checked
    window = attribution_window(article, quote.start, quote.end)
    if speaker.rstrip().endswith(("'s", "\u2019s")) or not names.named_in(speaker, window):
        return None, (
            f'speaker "{_short(speaker)}" is not named in the quote\'s sentence or its attribution; '
            "give the speaker the article names for this quote, or null"
        )
    return speaker, None


_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{3,}?)[\"\u201d]")


@lru_cache(maxsize=64)
def _figures(article: str) -> Figures:
    return Figures(_index(article).text)


#: Below this share of English function words, the article is not read as English, and the
#: names in an (English) headline are not looked up in it: they may be translated.
ENGLISH_SHARE = 0.2


@lru_cache(maxsize=64)
def _reads_english(article: str) -> bool:
    return english_share(article) >= ENGLISH_SHARE


def check_text(field_name: str, text: str, article: str) -> list[str]:
    """Problems with free text (headline, summary): names (people, places, organisations),
    exact figures and quotations that the article does not contain."""
    problems: list[str] = []
    if _reads_english(article):
        for name in names.unnamed(_QUOTED.sub(" ", text), article):  # quotations are checked below
            problems.append(
                f'{field_name}: "{_short(name)}" is not named in the article; name only people, places '
                "and organisations the article names"
            )
    figures = _figures(article)
    lowered = normalize_text(text)
    for m in read_numbers(lowered):  # numbers_in(text)
        if not m.vague and not figures.states(m.value, lowered[m.start:m.end]):
            problems.append(f"{field_name}: the figure {m.value} is not stated in the article; use only figures it gives")
    for quoted in _QUOTED.findall(text):
        if len(quoted.split()) >= 2 and find_span(article, quoted) is None:
            problems.append(f'{field_name}: the quotation "{_short(quoted)}" is not in the article; quote verbatim')
    return problems


def ground(draft: SummaryDraft, article: str) -> Grounded:
    """Convert a draft into final items; what can't be grounded is listed in ``dropped``.

    A draft that says the article is not about armed conflict keeps no items: they are
    neither grounded nor emitted."""
    result = Grounded()
    for name in ("headline", "summary"):
        problems = check_text(name, getattr(draft, name), article)
        if problems:
            result.dropped.append(Dropped(section=name, item={"text": getattr(draft, name)}, reasons=problems))
    if not draft.relevance.relevant:
        result.sections = {section: [] for section in SECTIONS}
        return result
    for section in SECTIONS:
        kept = []
        for index, item in enumerate(getattr(draft, section)):
            final, problems = ground_item(section, index, item, article)
            if problems:
                result.dropped.append(
                    Dropped(section=section, item=item.model_dump(), reasons=problems, kept=final is not None)
                )
            if final is not None:
                kept.append(final)
        result.sections[section] = kept
    return result


def check_draft(draft: SummaryDraft) -> None:
    """Validator hook: raise ValueError naming every ungrounded span when an article is active."""
    ctx = ACTIVE.get()
    if ctx is None:
        return
    grounded = ground(draft, ctx.article)
    problems = grounded.problems
    if not problems:
        ctx.accepted = (id(draft), grounded)
    if problems:
        raise ValueError(
            "Some content is not grounded in the article. Every evidence passage and quote must be "
            "copied verbatim from the article, killed/injured must be exact numbers of people stated in the "
            "evidence (null otherwise), a quote's speaker must be named beside the quote (null otherwise), "
            "and the headline and summary may only use names, figures and quotations the article contains. "
            "Fix or remove these:\n- " + "\n- ".join(problems)
        )


_SENTENCE = re.compile(r"\S.*?[.!?]+[\"\u201d\u2019']?(?=\s+[\"\u201c]?[A-Z]|\s*$)", re.S)


def lead(article: Article, max_chars: int = 400) -> tuple[str, str]:
    """The article's own headline and summary: its title (or first sentence) and lead sentences."""
    first_para = next((p for p in article.text.split("\n") if len(p.split()) > 6), article.text)
    sentences = [m.group() for m in _SENTENCE.finditer(first_para.strip())] or [first_para.strip()]
    headline = article.title or (sentences[0] if sentences else first_para[:200])
    body: list[str] = []
    for sentence in sentences:
        if body and sum(len(s) for s in body) + len(sentence) > max_chars:
            break
        body.append(sentence)
    return headline, " ".join(body) or headline


def build_summary(
    draft: SummaryDraft, article: Article, meta: dict[str, Any], grounded: Grounded | None = None
) -> Summary:
    """Ground ``draft`` (unless ``grounded`` is given) and assemble the final Summary. What could
    not be grounded is listed in ``meta.dropped``; an ungrounded headline or summary is
    replaced by the article's lead."""
    grounded = grounded or ground(draft, article.text)
    ungrounded = {d.section for d in grounded.dropped}
    own_headline, own_summary = lead(article)
    relevance = Relevance.model_validate(draft.relevance.model_dump())
    notes = list(meta.pop("notes", []))
    if not relevance.relevant:
        notes.append(off_topic_note(relevance))
    return Summary(
        headline=own_headline if "headline" in ungrounded else draft.headline,
        summary=own_summary if "summary" in ungrounded else draft.summary,
        **grounded.sections,
        article=article,
        meta=Meta(**{
            **meta, "content_hash": article.content_hash, "dropped": grounded.dropped,
            "relevance": relevance, "notes": notes,
        }),
    )


def off_topic_note(relevance: Relevance) -> str:
    """The one-line note of an off-topic summary."""
    return "Not about armed conflict: " + " ".join(relevance.reason.split())


def verify_summary(summary: Summary) -> list[str]:
    """Problems with a final Summary (empty when every span slices back, every count is
    stated in its evidence, and the headline and summary use only the article's figures and quotes)."""
    text = summary.article.text
    problems: list[str] = check_text("headline", summary.headline, text) + check_text("summary", summary.summary, text)
    for section, item in summary.items():
        spans: list[Span] = list(item.evidence) + list(getattr(item, "quotes", []))  # type: ignore[attr-defined]
        for span in spans:
            if text[span.start:span.end] != span.text:
                problems.append(f"{section}: span {span.start}:{span.end} does not slice back to {span.text!r}")
        for quote in getattr(item, "quotes", []):
            _, problem = check_speaker(text, quote, quote.speaker)
            if problem:
                problems.append(f"{section}: quote {quote.text[:40]!r}: {problem}")
        if isinstance(item, Attack):
            evidence = " \u2016 ".join(s.text for s in item.evidence)
            for name in ("killed", "injured"):
                problem = check_count(getattr(item, name), evidence, name)
                if problem:
                    problems.append(f"{section}: {name} {problem}")
    return problems


def enforce(summary: Summary) -> Summary:
    """Apply the grounding rules to a final Summary made without a draft (the extractive
    backend): a count that is not stated as a count of people killed or injured becomes
    null, and a speaker not named beside the quote becomes null. What changed is listed in
    ``meta.dropped`` (``kept`` true). A summary that already follows the rules is returned as is."""
    text = summary.article.text
    dropped: list[Dropped] = []
    updates: dict[str, list[Any]] = {}
    for section in SECTIONS:
        items = []
        for index, item in enumerate(getattr(summary, section)):
            fixed: dict[str, Any] = {}
            reasons: list[str] = []
            if isinstance(item, Attack):
                evidence = " \u2016 ".join(s.text for s in item.evidence)
                for name in ("killed", "injured"):
                    problem = check_count(getattr(item, name), evidence, name)
                    if problem:
                        reasons.append(f"{section}[{index}].{name} = {getattr(item, name)}: {problem}")
                        fixed[name] = None
            if isinstance(item, Diplomacy) and item.quotes:
                quotes = []
                for k, quote in enumerate(item.quotes):
                    speaker, problem = check_speaker(text, quote, quote.speaker)
                    if problem:
                        reasons.append(f"{section}[{index}].quotes[{k}] {problem}")
                        quote = quote.model_copy(update={"speaker": speaker})
                    quotes.append(quote)
                if reasons:
                    fixed["quotes"] = quotes
            if reasons:
                dropped.append(Dropped(section=section, item=item.model_dump(mode="json"), reasons=reasons, kept=True))
                item = item.model_copy(update=fixed)
            items.append(item)
        updates[section] = items
    if not dropped:
        return summary
    meta = summary.meta.model_copy(update={"dropped": [*summary.meta.dropped, *dropped]})
    return summary.model_copy(update={**updates, "meta": meta})
