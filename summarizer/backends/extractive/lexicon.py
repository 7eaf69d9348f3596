"""The lexicons of ``backends/lexicons/extractive.yaml``, compiled once into patterns, and their version hash."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from summarizer.folded import Folded as _Folded

LEXICON_DIR = Path(__file__).parent.parent / "lexicons"
_VAGUE = -1  # sentinel: a count was given, but not an exact one
#: A demonym, for any country: "Russian", "Israeli", "Sudanese", "Turkish" (case-sensitive).
_DEMONYM = r"(?-i:[A-Z][a-z]+(?:an|ian|ese|ish|i))"


def _alt(terms: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal phrases, longest first, spaces matching any whitespace."""
    return _alt_cached(tuple(terms))


@lru_cache(maxsize=256)
def _alt_cached(terms: tuple[str, ...]) -> str:
    parts = sorted(set(terms), key=lambda t: (-len(t), t))
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in parts)


def _lower_all(terms: list[str] | tuple[str, ...]) -> list[str]:
    return [t.lower() for t in terms]


def _words(terms: list[str], flags: int = re.IGNORECASE) -> Any:
    """Any of ``terms`` as whole words: a :class:`_Folded` pattern ignoring case, or with
    ``flags=0`` a plain case-sensitive one."""
    source = r"(?<![\w-])(?:{})(?![\w-])"
    if flags != re.IGNORECASE:
        return re.compile(source.format(_alt(terms)), flags)
    return _Folded(source.format(_alt(terms)), source.format(_alt(_lower_all(terms))))


@dataclass(frozen=True)
class _Lex:
    raw: dict[str, Any]
    number_words: dict[str, int]
    num: str
    vague_before: re.Pattern[str]
    vague_counts: tuple[re.Pattern[str], re.Pattern[str]]
    killed_after: re.Pattern[str]
    killed_before: re.Pattern[str]
    #: Any killed/injured term: every casualty pattern needs one (a quick test per sentence).
    casualty_terms: _Folded
    attack_terms: _Folded
    reaction: _Folded
    weapons: dict[str, _Folded]
    #: Any weapon term (a quick test before the weapons one by one).
    any_weapon: _Folded
    civilian: _Folded
    military: _Folded
    diplomacy: dict[str, _Folded]
    #: Any diplomacy term (a quick test before the kinds one by one).
    any_diplomacy: _Folded
    prisoners: re.Pattern[str]
    anaphor: re.Pattern[str]
    territory: dict[str, _Folded]
    demand_terms: _Folded
    sanction_terms: _Folded
    sanction_status: dict[str, _Folded]
    person_titled: re.Pattern[str]
    known_persons: re.Pattern[str]
    actors: re.Pattern[str]
    demonym_group: re.Pattern[str]
    demonyms: dict[str, str]
    speech: _Folded
    gazetteer: re.Pattern[str]
    regions: frozenset[str]
    settlements: frozenset[str]
    region_words: str
    settlement_words: str
    directions: str
    countries: str
    not_places: frozenset[str]
    when: re.Pattern[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lex:
    raw: dict[str, Any] = yaml.safe_load((LEXICON_DIR / "extractive.yaml").read_text(encoding="utf-8"))
    nw: dict[str, int] = {k.lower(): int(v) for k, v in raw["number_words"].items()}
    units = "one|two|three|four|five|six|seven|eight|nine"
    tens = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    num = (
        r"(?:\d{1,3}(?:,\d{3})+|\d+"
        rf"|(?:{tens})(?:[- ](?:{units}))?"
        rf"|{_alt([w for w in nw if ' ' in w])}"
        rf"|{_alt([w for w in nw if ' ' not in w])})"
    )
    people = (
        r"(?:people|persons|person|civilians|civilian|residents|resident|children|child|"
        r"soldiers|soldier|troops|men|man|women|woman|boys?|girls?|teenagers?|babies|baby|infants?|"
        r"passengers|passenger|workers|worker|servicemen|serviceman|service\s+members?|police|officers?|"
        r"policemen|policeman|rescuers?|firefighters?|medics?|doctors?|nurses?|journalists?|drivers?|"
        r"pensioners?|volunteers?|fighters?|militants?|crew\s+members?|members?|family|families|"
        r"patients?|pupils?|students?|villagers?|farmers?|miners?|guards?|sailors?|pilots?|"
        r"staff|employees?|bystanders?|pedestrians?|victims?)"
    )
    filler = (
        rf"(?:other|others|more|{people}|"
        r"were|was|have|has|had|been|being|are|is|reportedly|also|later|subsequently|all|"
        r"seriously|critically|badly|lightly|severely|slightly|fatally|injured|wounded|and|"
        r"including|of|them|a|the|elderly|local|young|unarmed|innocent|"
        r"(?-i:[A-Z][a-z]+(?:an|ian|ese|ish|i)))"  # demonyms: 'Ukrainian', 'Israeli', 'Sudanese'
    )
    # After "killing N": what may follow a count of people (a people word, a clause break);
    # "killed 300 cattle", "killed 2019" and "killing 40 percent" are not counts of people.
    after_count = (
        rf"(?=\s*(?:[,.;:)!?\u2014\u2013]|$)|\s+(?:{filler}|and|or|in|on|at|near|during|when|after|as|while|"
        r"overnight|across|around|inside|outside|aboard|there|so\s+far|since|before)\b)"
    )
    killed = _alt(raw["killed_terms"])
    injured = _alt(raw["injured_terms"])
    verb = rf"(?P<k>{killed})|(?P<i>{injured})"
    killed_after = re.compile(
        rf"(?<![\w,.-])(?<![Nn]o\s)(?P<num>{num})(?![\w-]|[.,]\d)(?:\s+(?:{filler}|[a-z][\w-]*(?=\s+{people}\b))){{0,5}}?\s+(?:{verb})(?!\w)", re.IGNORECASE
    )
    killed_before = re.compile(
        rf"(?<!\w)(?:{verb})\s+(?:(?:at\s+least|a\s+total\s+of)\s+)?(?P<mod>(?:{_alt(raw['vague_modifiers'])})\s+)?(?P<num>{num})(?![\w-]|[.,]\d){after_count}",
        re.IGNORECASE,
    )
    weapons = {w: _words(terms) for w, terms in raw["weapons"].items()}
    diplomacy = {k: _words(terms) for k, terms in raw["diplomacy_kinds"].items()}
    territory = {k: _words(terms) for k, terms in raw["territory_verbs"].items()}
    status = {k: _words(terms) for k, terms in raw["sanction_status"].items()}
    titles = _alt([t for t in raw["titles"]])
    name = r"[A-Z][\w’'-]+(?:\s+(?:von\s+der\s+|de\s+)?[A-Z][\w’'-]+){0,2}"
    gaz = raw["gazetteer"]
    regions = frozenset(gaz["regions"])
    settlements = frozenset(gaz["settlements"])
    when_days = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    months = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    when = re.compile(
        rf"\b(?:(?:[Oo]n|[Ll]ate\s+on|[Ee]arly\s+on|[Bb]y|[Ss]ince)\s+(?:{when_days}|{months}\s+\d{{1,2}}|\d{{1,2}}\s+{months})"
        rf"(?:\s+(?:morning|evening|night|afternoon))?|(?:[Ll]ast|[Tt]his|[Nn]ext)\s+{when_days}|"
        rf"(?:[Ii]n|[Ss]ince)\s+(?:(?:spring|summer|autumn|winter)\s+)?(?:19|20)\d\d|{_alt(raw['when_terms'])})\b"
    )
    return _Lex(
        raw=raw,
        number_words=nw,
        num=num,
        vague_before=re.compile(rf"(?:{_alt(raw['vague_modifiers'])})\s+$", re.IGNORECASE),
        vague_counts=(
            re.compile(
                rf"(?<!\w)(?:{_alt(raw['vague_counts'])})(?:\s+of)?(?:\s+{filler}){{0,4}}?\s+(?:{verb})(?!\w)",
                re.IGNORECASE,
            ),
            re.compile(rf"(?<!\w)(?:{verb})\s+(?:{_alt(raw['vague_counts'])})(?!\w)", re.IGNORECASE),
        ),
        killed_after=killed_after,
        killed_before=killed_before,
        casualty_terms=_Folded(
            rf"{killed}|{injured}",
            f"{_alt(_lower_all(raw['killed_terms']))}|{_alt(_lower_all(raw['injured_terms']))}",
        ),
        attack_terms=_words(raw["attack_terms"]),
        reaction=_words(raw["attack_reaction_terms"]),
        weapons=weapons,
        any_weapon=_words([t for terms in raw["weapons"].values() for t in terms]),
        civilian=_words(raw["civilian_terms"]),
        military=_words(raw["military_terms"]),
        diplomacy=diplomacy,
        any_diplomacy=_words([t for terms in raw["diplomacy_kinds"].values() for t in terms]),
        prisoners=re.compile(
            r"\b(?:exchange|exchanged|swap|swapped|release|released|returned)\b[^.;]{0,40}\b(?:prisoners|POWs|captives|soldiers)\b",
            re.IGNORECASE,
        ),
        anaphor=re.compile(
            r"\b(?:the|this|that|such\s+a|such|his|her|their|its|these|those)\s+(?:[\w-]+\s+){0,2}?"
            r"(?P<n>call|calls|talks|meeting|exchange|swap|agreement|deal|proposal|summit|negotiations|conversation)\b",
            re.IGNORECASE,
        ),
        territory=territory,
        demand_terms=_words(raw["territory_demand_terms"]),
        sanction_terms=_words(raw["sanction_terms"]),
        sanction_status=status,
        person_titled=re.compile(rf"(?<![\w-])(?:{titles})\s+(?P<name>{name})"),
        known_persons=re.compile(rf"(?<![\w-])(?:[A-Z][\w’'-]+\s+)?(?:{_alt(raw['persons'])})(?![\w-])"),
        actors=re.compile(rf"(?<![\w.-])(?:{_alt(raw['actors'])})(?![\w-])"),
        demonym_group=re.compile(
            rf"(?<![\w-])(?P<a>{_alt(list(raw['demonyms']))})(?:\s+and\s+(?P<b>{_alt(list(raw['demonyms']))}))?"
            r"\s+(?:officials|delegation|delegations|negotiators|government|governments|side|sides|leaders|team|teams|authorities|diplomats|counterparts|"
            r"(?:defen[cs]e\s+|foreign\s+)?ministries|(?:defen[cs]e\s+|foreign\s+)?ministry)\b"
        ),
        demonyms=dict(raw["demonyms"]),
        speech=_words(raw["speech_verbs"]),
        gazetteer=re.compile(rf"(?<![\w-])(?:{_alt(sorted(regions | settlements))})(?![\w-])"),
        regions=regions,
        settlements=settlements,
        region_words=_alt(raw["region_words"]),
        settlement_words=_alt(raw["settlement_words"]),
        directions=_alt(raw["directions"]),
        countries=_alt(gaz["countries"]),
        not_places=frozenset(raw["not_places"]) | frozenset(gaz["countries"]) | frozenset(raw["persons"]),
        when=when,
    )


@functools.lru_cache(maxsize=1)
def lexicon_version() -> str:
    """A short hash of the lexicon files: changes whenever the rules' data changes."""
    digest = hashlib.sha256()
    for path in sorted(LEXICON_DIR.glob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
