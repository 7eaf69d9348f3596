"""Places as written ("Bilopillia", "Ukraine's Sumy region", "a village near Pokrovsk") → country, admin1, coordinates.

::

    locate("Sumy", "Sumy region", evidence, prior=("UA", "RU"))
        -> Located(country=Ukraine, admin1=Sumska oblast (UA-59), 50.92, 34.80, precision="town")

Where the place is looked for, in order: the country the place or region names
("Ukraine's Sumy region"), then the countries the item's evidence names, then the
countries the whole article names (most mentioned first). A town is taken from
the gazetteer only when it lies in that country and, when the article names the
region, in that region: a village the gazetteer lacks is never moved to a town
of the same name elsewhere. It then keeps its region and has no coordinates.

Precision (ACLED's geo-precision, in words): ``town`` (the coordinates are the
place), ``near`` ("near Pokrovsk": the coordinates are of the town it is near),
``region`` (only the region is known: the coordinates are of its main town) and
``country`` (only the country: no coordinates). A place at sea ("in the South China Sea",
"the Gulf of Aden") is not placed: waters are no country's town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from summarizer.events import gazetteer as gz

__all__ = ["Located", "locate"]

_NEAR = re.compile(r"\b(?:near|outskirts|outside|close to|around|vicinity|west of|east of|north of|south of)\b", re.I)
_GENERIC = frozenset({
    "village", "villages", "town", "city", "settlement", "hamlet", "the", "of", "a", "an", "in", "near", "outskirts",
    "outside", "close", "to", "around", "vicinity", "district", "region", "regions", "oblast", "province",
    "governorate", "area", "areas", "state", "county", "municipality", "community", "centre", "center",
    "regional", "capital", "eastern", "western", "northern", "southern", "central", "northeastern", "northwestern",
    "southeastern", "southwestern", "north", "south", "east", "west", "frontline", "front", "line", "port",
    "suburb", "suburbs", "part", "parts", "border", "town's", "and", "krai", "republic",
})
_COMPASS = re.compile(r"\b(North|South|East|West)(?= [A-Z])")
# Two or three capitals ("URI", "EU", "SD") are an acronym, not a town's name.
_ACRONYM = re.compile(r"[A-Z]{1,3}")
# A sea, ocean, gulf or strait is no town, and no country's land ("in the South China Sea").
_WATER = re.compile(r"\b(?:sea|ocean|gulf|straits?)\b", re.I)
_REGION_HINT = re.compile(
    r"\b((?:[A-Z][\w'’-]+\s){1,2})(?:region|oblast|province|governorate|district|state)\b"
)


@dataclass(frozen=True)
class Located:
    """Where an item happened, as far as the gazetteer and the article tell."""

    country: gz.Country | None = None
    admin1: gz.Subdivision | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None


@lru_cache(maxsize=8192)
def _name(text: str | None, country_names: frozenset[str], *, compass: bool = False) -> str:
    """The proper name in a place as written: generic words, directions and country names left out.

    With ``compass``, a capitalised North/South/East/West before another name is kept as part of
    it ("North America", "South Carolina", "West Bank"); a direction in lower case never is."""
    if not text:
        return ""
    kept = {w.lower() for w in _COMPASS.findall(text)} if compass else set()
    words = [w for w in gz.norm(re.sub(r"['’]s\b", "", text)).split() if w not in _GENERIC or w in kept]
    name = " ".join(words)
    for c in sorted(country_names, key=len, reverse=True):
        if c in name:  # (a name not in it as letters is not in it as a word: no pattern to build)
            name = re.sub(rf"\b{re.escape(c)}\b", " ", name)
    left = name.split()
    return "" if all(w in _GENERIC for w in left) else " ".join(left)  # "South Lebanon": the country


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, tuple[tuple[int, str], ...]]:
    """Each country's names and aliases, with their places in the gazetteer's table of names."""
    out: dict[str, list[tuple[int, str]]] = {}
    for i, (name, code) in enumerate(gz._countries()[1].items()):
        out.setdefault(code, []).append((i, name))
    return {code: tuple(names) for code, names in out.items()}


@lru_cache(maxsize=1024)
def _country_names(codes: tuple[str, ...]) -> frozenset[str]:
    """The names and aliases of ``codes``' countries: the gazetteer's names of those countries, taken in the
    table's order (a set's order, which _name's ties follow, depends on the order its members came in)."""
    by_code = _names_by_code()
    return frozenset(name for _, name in sorted(n for code in set(codes) for n in by_code.get(code, ())))


@lru_cache(maxsize=8192)
def _normed(name: str) -> str:
    """A gazetteer name (a subdivision's, a town's) folded by :func:`gz.norm`: names recur from item to item."""
    return gz.norm(name)


@lru_cache(maxsize=512)
def _subdivisions_by_name(country_code: str) -> dict[str, tuple[gz.Subdivision, ...]]:
    """A country's subdivisions by their folded ISO names, in the gazetteer's order."""
    out: dict[str, list[gz.Subdivision]] = {}
    for s in gz.subdivisions(country_code):
        out.setdefault(_normed(s.name), []).append(s)
    return {name: tuple(subs) for name, subs in out.items()}


def _admin1(name: str, countries: tuple[str, ...]) -> gz.Subdivision | None:
    """The subdivision called ``name`` in the first of ``countries`` that has one; with no country to go
    by, the only subdivision of that name in the world (none when several countries have one)."""
    for cc in countries:
        found = gz.subdivisions_named(name, cc)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None  # ambiguous within the country: not guessed
    if not countries:
        anywhere = gz.subdivisions_named_anywhere(name)
        return anywhere[0] if len(anywhere) == 1 else None
    return None


def _region_named(name: str, countries: tuple[str, ...], *, anywhere: bool) -> gz.Subdivision | None:
    """The subdivision whose ISO name is exactly ``name`` in the first of ``countries`` that has one (a
    place written as a bare name is matched strictly: "Darfur" is not "Dar'a", "Columbia" is not the
    District of Columbia); with ``anywhere``, else the only one in the world of that name."""
    for cc in countries:
        found = _subdivisions_by_name(cc).get(name, ())
        if found:
            return found[0] if len(found) == 1 else None
    if not anywhere:
        return None
    every = [s for s in gz.subdivisions_named_anywhere(name) if _normed(s.name) == name]
    return every[0] if len(every) == 1 else None


def _in_region(city: gz.City, admin1: gz.Subdivision) -> bool:
    return city.country_code == admin1.country_code and gz.subdivision_of(city.country_code, city.admin_code) == admin1


def _pick(cities: list[gz.City], explicit: tuple[str, ...], prior: tuple[str, ...], admin1: gz.Subdivision | None,
          own: tuple[str, ...] = ()) -> gz.City | None:
    """The town meant, among those called so. ``own``: the countries the item's own evidence names."""
    if admin1 is not None:
        fits = [c for c in cities if _in_region(c, admin1)]
        return fits[0] if fits else None
    for countries in (explicit, prior):
        if countries:
            fits = [c for c in cities if c.country_code in countries]
            dwarfed = fits and cities[0].population >= max(_WORLD_CITY, _DWARFS * fits[0].population)
            if countries is prior and dwarfed and fits[0].country_code not in own:
                # an article that names only the US still means the capital by "Paris", not Paris, Texas
                return cities[0]
            if fits or countries is explicit:
                return fits[0] if fits else None
    # Nothing says which country: only a town without a rival of comparable size.
    if len(cities) == 1 or (cities and cities[0].population >= 5 * max(cities[1].population, 1)):
        return cities[0]
    return None


_CITY = 100_000
"""A town this size or larger is a city: named alone, it is meant over a region of the same name."""
_WORLD_CITY = 1_000_000
_DWARFS = 50
"""A city of a million or more, fifty times the size of its namesake in the article's countries, is the
one meant, unless the item's own words name the namesake's country or region."""


@lru_cache(maxsize=4096)
def _region_point(admin1: gz.Subdivision, name: str) -> gz.City | None:
    """The town a region is placed at: its town called ``name``, else its most populous."""
    towns = [c for code in gz.admin_codes_of(admin1) for c in gz.cities_in(admin1.country_code, code)]
    named = [c for c in towns if _normed(c.name) == name]
    ranked = named or sorted(towns, key=lambda c: -c.population)
    return ranked[0] if ranked else None


@lru_cache(maxsize=8192)
def locate(place: str | None, region: str | None, evidence: str = "", prior: tuple[str, ...] = ()) -> Located:
    """Geocode one item from its place and region as written, its evidence and the article's countries."""
    if place and _WATER.search(place):
        return Located()  # waters: not placed in a country or at a town
    region = region or _hint(evidence, place)
    explicit = _countries_written(place, region)
    from_evidence = tuple(c for c in gz.countries_in(evidence) if c not in explicit)
    return _placed(place, region, explicit, from_evidence, prior)


@lru_cache(maxsize=1024)
def _countries_written(place: str | None, region: str | None) -> tuple[str, ...]:
    """The countries the place and region as written name ("Ukraine's Sumy region")."""
    return tuple(gz.countries_in(" ".join(x for x in (place, region) if x)))


@lru_cache(maxsize=8192)
def _placed(place: str | None, region: str | None, explicit: tuple[str, ...], from_evidence: tuple[str, ...],
            prior: tuple[str, ...]) -> Located:
    """:func:`locate` once the evidence has said what it can (a region it names, the countries it names):
    the rest depends on nothing else, so a place reported again in other words is placed once."""
    known = explicit + from_evidence
    candidates = known + tuple(c for c in prior if c not in known)
    names = _country_names(candidates)  # (candidates hold the explicit countries)
    place_name, region_name = _name(place, names, compass=True), _name(region, names)
    loose_name = _name(place, names)  # the place with any capitalised direction left out too
    admin1 = _admin1(region_name, explicit or candidates) if region_name else None
    if admin1 is None and place_name and not region_name:
        # "Donetsk region" written as the place itself
        if place and re.search(r"\b(?:region|oblast|province|governorate)\b", place, re.I):
            admin1, place_name = _admin1(place_name, explicit or candidates), ""
    country = gz.country(admin1.country_code) if admin1 else (gz.country(explicit[0]) if explicit else None)
    if place_name and place and _ACRONYM.fullmatch(place.strip()):
        place_name = ""  # an acronym ("URI", "SD") is not looked up as a town
    if place_name:
        towns = gz.cities_named(place_name)
        town = _pick(towns, explicit, candidates, admin1, from_evidence)
        if admin1 is None and not region_name:
            # a place that is a region ("in Louisiana", "South Carolina", "in California"): the region, at
            # its main town, unless a town of that name is a city ("New York", "Washington")
            region_only = _region_named(place_name, explicit or candidates, anywhere=not towns)
            if region_only is not None and (town is None or town.population < _CITY):
                admin1, region_name, town = region_only, place_name, None
                country = gz.country(admin1.country_code)
                place_name = ""
        if place_name and town is None and loose_name and loose_name != place_name and (candidates or admin1):
            # "East Jerusalem" is at Jerusalem: a city in a country the article names ("North America" is
            # not the town of América in Argentina, the "West Division" of a league no town Division)
            near = _pick(gz.cities_named(loose_name), explicit, candidates, admin1, from_evidence)
            fits = (near is not None and near.population >= _CITY and gz.norm(near.name) == loose_name
                    and (admin1 is not None or near.country_code in candidates))
            town = near if fits else None
        if place_name:
            if town is None:
                return Located(country, admin1)  # the gazetteer lacks it: the region is kept, no coordinates
            admin1 = admin1 or gz.subdivision_of(town.country_code, town.admin_code)
            near = bool(place and _NEAR.search(place))
            return Located(gz.country(town.country_code), admin1, town.latitude, town.longitude,
                           "near" if near else "town")
    if admin1 is not None:
        point = _region_point(admin1, region_name)
        if point is None:
            return Located(country, admin1)
        return Located(country, admin1, point.latitude, point.longitude, "region")
    if country is not None:
        return Located(country, None, None, None, "country")
    return Located()


def _hint(evidence: str, place: str | None) -> str | None:
    """A region the evidence names ("in the eastern Donetsk region"), when the item gives none."""
    for m in _REGION_HINT.finditer(evidence or ""):
        found = m.group(0)
        if not place or gz.norm(place) not in gz.norm(found):
            return found
    return None
