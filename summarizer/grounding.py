"""Grounding: find every piece of evidence and every quote in the article.

Pure functions, no I/O. The LLM copies passages as plain strings; this module
finds them in the article (tolerating whitespace, curly versus straight quotes,
dashes, ellipses and case), returns offsets such that
``article[start:end] == span.text``, and checks that casualty numbers appear in
their evidence, as digits ("1,000") or words ("nine", "a dozen").

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

from summarizer._markup import clip
from summarizer.schema import (
    SECTIONS,
    Article,
    Attack,
    Diplomacy,
    Dropped,
    Meta,
    Quote,
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


def normalize(text: str) -> Normalized:
    """Lower-case, fold quotes/dashes/ellipses, collapse whitespace; keep an offset map."""
    out: list[str] = []
    origin: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(out)
            continue
        mapped = _CHAR_MAP.get(ch, ch)
        if not mapped:
            continue
        if pending_space:
            out.append(" ")
            origin.append(i - 1)
            pending_space = False
        for m in mapped.lower():
            out.append(m)
            origin.append(i)
    return Normalized("".join(out), tuple(origin))


@lru_cache(maxsize=64)
def _index(text: str) -> Normalized:
    return normalize(text)


def _needle(text: str) -> str:
    return normalize(text).text.strip(_EDGE_CHARS)


def _candidates(passage: str) -> list[str]:
    """Needles to try, most faithful first: as given, without outer quote marks,
    without any outer punctuation."""
    norm = normalize(passage).text.strip()
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
    hay = _index(article)
    norm_after = bisect.bisect_left(hay.origin, after) if after else 0
    for needle in _candidates(passage):
        pos = hay.text.find(needle, norm_after)
        if pos >= 0:
            start = hay.origin[pos]
            end = hay.origin[pos + len(needle) - 1] + 1
            return Span(text=article[start:end], start=start, end=end)
    return None


_QUOTE_MARKS = " \"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


_ELLIPSIS = re.compile(r"\s*(?:\.\s?\.\s?\.|\u2026|\[\s*\.\.\.\s*\])\s*")


def locate(article: str, passage: str) -> list[Span] | None:
    """Spans for ``passage``: one span if it appears whole; if the LLM elided a middle
    part with '...', one span per part, in order. None if it can't be found."""
    whole = find_span(article, passage)
    if whole is not None:
        return [whole]
    parts = [p for p in _ELLIPSIS.split(passage) if _needle(p)]
    if len(parts) < 2:
        return None
    spans: list[Span] = []
    after = 0
    for part in parts:
        span = find_span(article, part, after=after)
        if span is None or len(_needle(part)) < MIN_EVIDENCE_CHARS:
            return None
        spans.append(span)
        after = span.end
    return spans


# ---------------------------------------------------------------------------
# Numbers

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_SCALES, "a": 1, "an": 1, "dozen": 12, "and": 0}
_VAGUE = re.compile(
    r"\b(?:over|more than|nearly|almost|about|around|approximately|roughly|up to|some|"
    r"fewer than|less than|under|upwards of|as many as|several|dozens|hundreds|scores)\s*$"
)
_NONE_PHRASES = re.compile(r"\b(?:no one|nobody|no casualties|no deaths|no injuries|none)\b")
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+(?:-[a-z]+)?")


@dataclass(frozen=True)
class NumberMention:
    """A number written in a text: its value, where, and whether a qualifier makes it vague."""

    value: int
    start: int
    end: int
    vague: bool


def _words_value(words: list[str]) -> int | None:
    """Value of a run of number words such as ['two', 'hundred', 'and', 'five'], or ['a', 'dozen']."""
    if not words or all(w in ("a", "an", "and") for w in words):
        return None
    total, current = 0, 0
    for w in words:
        if w in ("a", "an"):
            current = current or 1
        elif w == "and":
            continue
        elif w == "dozen":
            current = (current or 1) * 12
        elif w in _UNITS or w in _TENS:
            current += _UNITS.get(w, 0) + _TENS.get(w, 0)
        elif w in _SCALES:
            current = (current or 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
    return total + current


_SCALE_WORDS = ("thousand", "million", "billion")
_NOT_A_COUNT_AFTER = re.compile(r"(?:-|\s)(?:years?|months?|weeks?|days?|hours?|minutes?)(?:-old|\s+old)?\b")
_ONE_NOT_COUNT_BEFORE = frozenset({"no", "at", "any", "every", "each"})
_ONE_NOT_COUNT_AFTER = frozenset({"of", "another"})


def _read_number(tokens: list[tuple[str, int, int]], i: int) -> tuple[int | None, int]:
    """The number starting at token ``i`` and the index after it, or (None, i + 1)."""
    tok = tokens[i][0]
    if tok[0].isdigit():
        try:
            value = float(tok.replace(",", ""))
        except ValueError:
            return None, i + 1
        if i + 1 < len(tokens) and tokens[i + 1][0] in _SCALE_WORDS:  # '1.5 million'
            return int(value * _SCALES[tokens[i + 1][0]]), i + 2
        return int(value), i + 1
    starts_number = all(p in _NUMBER_WORDS for p in tok.split("-")) and tok not in ("a", "an", "and")
    if tok in ("a", "an"):  # only in 'a dozen', 'a hundred', ...
        starts_number = i + 1 < len(tokens) and tokens[i + 1][0] in ("dozen", "hundred", *_SCALE_WORDS)
    if not starts_number:
        return None, i + 1
    words: list[str] = []
    j = i
    while j < len(tokens):
        sub = tokens[j][0].split("-")
        if not all(p in _NUMBER_WORDS for p in sub) or (sub in (["a"], ["an"]) and words):
            break
        words.extend(sub)
        j += 1
    while words and words[-1] in ("and", "a", "an"):
        words.pop()
        j -= 1
    return _words_value(words), max(j, i + 1)


def _not_a_count(lowered: str, tokens: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """Numbers that are not counts of people: ages and durations ('a 25-year-old', 'two days'),
    and 'one' as a pronoun ('no one', 'one of the missiles')."""
    if _NOT_A_COUNT_AFTER.match(lowered, tokens[j - 1][2]):
        return True
    if j - i == 1 and tokens[i][0] == "one":
        before = tokens[i - 1][0] if i else ""
        after = tokens[j][0] if j < len(tokens) else ""
        return before in _ONE_NOT_COUNT_BEFORE or after in _ONE_NOT_COUNT_AFTER
    return False


def numbers_in(text: str) -> list[NumberMention]:
    """Every count in ``text``: digits ('1,000', '9', '1.5 million') and number words ('nine',
    'a dozen', 'twenty-five'). A mention after a qualifier such as 'over' or 'nearly' is
    vague. Ages, durations and the pronoun 'one' are not counts. Offsets refer to the
    normalised text.

    >>> [(m.value, m.vague) for m in numbers_in("killing nine and wounding over a dozen")]
    [(9, False), (12, True)]
    """
    return _numbers_in_normalized(normalize(text).text)


def _numbers_in_normalized(lowered: str) -> list[NumberMention]:
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    mentions: list[NumberMention] = []
    i = 0
    while i < len(tokens):
        value, j = _read_number(tokens, i)
        if value is not None and not _not_a_count(lowered, tokens, i, j):
            start, end = tokens[i][1], tokens[j - 1][2]
            vague = bool(_VAGUE.search(lowered[max(0, start - 20):start]))
            if lowered[end:end + 1] == "s" and value in (12, 100, 1000):
                vague = True  # '1000s'
            mentions.append(NumberMention(value, start, end, vague))
        i = j
    return mentions


def check_count(value: int | None, evidence: str) -> str | None:
    """None if ``value`` is null or stated exactly in ``evidence``; else the problem."""
    if value is None:
        return None
    if value == 0 and _NONE_PHRASES.search(normalize(evidence).text):
        return None
    mentions = [m for m in numbers_in(evidence) if m.value == value]
    if any(not m.vague for m in mentions):
        return None
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
        found = locate(article, passage)
        if found is None:
            problems.append(f'{where}.evidence[{k}] "{_short(passage)}" is not in the article; copy the passage verbatim')
        elif sum(len(_needle(s.text)) for s in found) < MIN_EVIDENCE_CHARS:
            problems.append(f'{where}.evidence[{k}] "{passage}" is too short to be evidence; copy a whole clause')
        else:
            for span in found:
                if span not in spans:
                    spans.append(span)
    data = item.model_dump(exclude={"evidence", "quotes"})
    if section == "diplomacy":
        quotes: list[Quote] = []
        for k, q in enumerate(item.quotes):
            quoted = find_span(article, q.text.strip(_QUOTE_MARKS))
            if quoted is None:
                problems.append(f'{where}.quotes[{k}] "{_short(q.text)}" ({q.speaker}) is not in the article; quote verbatim or omit it')
            else:
                quotes.append(Quote(speaker=q.speaker, **quoted.model_dump()))
        data["quotes"] = quotes
    if section == "attacks":
        evidence_text = " \u2016 ".join(s.text for s in spans) if spans else " ".join(item.evidence)
        for name in ("killed", "injured"):
            problem = check_count(getattr(item, name), evidence_text)
            if problem:
                problems.append(f"{where}.{name} = {getattr(item, name)}: {problem}")
                data[name] = None
    if not spans:
        return None, problems
    return _FINAL[section](**data, evidence=spans), problems


_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{3,}?)[\"\u201d]")


@lru_cache(maxsize=64)
def _stated_numbers(article: str) -> frozenset[int]:
    return frozenset(m.value for m in _numbers_in_normalized(_index(article).text) if not m.vague)


def check_text(field_name: str, text: str, article: str) -> list[str]:
    """Problems with free text (headline, summary): exact figures the article does not
    state, and quotations that are not in the article."""
    problems: list[str] = []
    stated = _stated_numbers(article)
    for m in numbers_in(text):
        if not m.vague and m.value not in stated:
            problems.append(f"{field_name}: the figure {m.value} is not stated in the article; use only figures it gives")
    for quoted in _QUOTED.findall(text):
        if len(quoted.split()) >= 2 and find_span(article, quoted) is None:
            problems.append(f'{field_name}: the quotation "{_short(quoted)}" is not in the article; quote verbatim')
    return problems


def ground(draft: SummaryDraft, article: str) -> Grounded:
    """Convert a draft into final items; what can't be grounded is listed in ``dropped``."""
    result = Grounded()
    for name in ("headline", "summary"):
        problems = check_text(name, getattr(draft, name), article)
        if problems:
            result.dropped.append(Dropped(section=name, item={"text": getattr(draft, name)}, reasons=problems))
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
            "copied verbatim from the article, killed/injured must be exact numbers stated in the "
            "evidence (null otherwise), and the headline and summary may only use figures and "
            "quotations the article contains. Fix or remove these:\n- " + "\n- ".join(problems)
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
    return Summary(
        headline=own_headline if "headline" in ungrounded else draft.headline,
        summary=own_summary if "summary" in ungrounded else draft.summary,
        **grounded.sections,
        article=article,
        meta=Meta(**{**meta, "content_hash": article.content_hash, "dropped": grounded.dropped}),
    )


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
        if isinstance(item, Attack):
            evidence = " \u2016 ".join(s.text for s in item.evidence)
            for name in ("killed", "injured"):
                problem = check_count(getattr(item, name), evidence)
                if problem:
                    problems.append(f"{section}: {name} {problem}")
    return problems
