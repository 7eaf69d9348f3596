"""The attacks section: casualty, weapon and place sentences grouped into events, counts checked."""

from __future__ import annotations

import re

from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.lexicon import _DEMONYM, _VAGUE, _lexicon
from summarizer.backends.extractive.numbers import _casualties
from summarizer.backends.extractive.places import _places, _when
from summarizer.backends.extractive.sentences import Sentence
from summarizer.grounding import check_count
from summarizer.schema import Attack


def _find_weapons(text: str) -> list[str]:
    lex = _lexicon()
    if not lex.any_weapon.search(text):  # most sentences name none: one search instead of ten
        return []
    hits = []
    for w, rx in lex.weapons.items():
        m = rx.search(text)
        if m:
            hits.append((m.start(), w))
    return [w for _, w in sorted(hits)]


_SUB_EVENT = {
    "drone": "Air/drone strike",
    "air_strike": "Air/drone strike",
    "glide_bomb": "Air/drone strike",
    "missile": "Shelling/artillery/missile attack",
    "rocket": "Shelling/artillery/missile attack",
    "shelling": "Shelling/artillery/missile attack",
    "artillery": "Shelling/artillery/missile attack",
    "mine": "Remote explosive/landmine/IED",
    "ground_assault": "Armed clash",
    "small_arms": "Armed clash",
}


#: "Russian drones", "Israeli forces", "Sudanese army": who attacked, for any demonym.
_PERPETRATOR = re.compile(
    rf"\b(?P<d>{_DEMONYM})\s+(?P<n>forces|troops|army|military|drones?|missiles?|strikes?|"
    r"shelling|attacks?|artillery|air\s+force|warplanes|jets|aircraft)\b"
)
_INTERCEPT = re.compile(r"\b(?:shot\s+down|intercepted|destroyed\s+\d[\d,]*)\b", re.IGNORECASE)
_TALLY = re.compile(r"\b\d[\d,]*\s+(?:\w+\s+)?(?:drones|missiles|rockets|shells|glide\s+bombs)\b", re.IGNORECASE)
_ATTACK_ANAPHOR = re.compile(
    r"(?:The|This|That|Another)\s+(?:[\w-]+\s+)?(?:missile|drone|strike|attack|shelling|blast|explosion|bomb|rocket|shell)s?\b"
)


def _attacks(text: str, sentences: list[Sentence]) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []
    cur: _Item | None = None
    for sent in sentences:
        if sent.heading:
            cur = None
            continue
        # quoted words are reactions, not reports: blank them (offsets unchanged)
        t = re.sub(r"“[^”]*”|\"[^\"]*\"", lambda m: " " * len(m.group()), sent.text)
        killed, injured = _casualties(t)
        weapons = _find_weapons(t)
        term = lex.attack_terms.search(t)
        has_cas = killed is not None or injured is not None
        if not (has_cas or weapons or term):
            continue  # no casualty, weapon or attack word: not an attack, whatever else it says
        places = [p for p in _places(t)]
        captured = lex.territory["captured"].search(t)
        reaction = term is not None and lex.reaction.search(t[: term.start()]) is not None
        is_attack = has_cas or (bool(weapons) and (term is not None or bool(places))) or (
            term is not None and bool(places) and not reaction
        )
        if captured and not has_cas:
            is_attack = False
        if not has_cas and (_INTERCEPT.search(t) or (not places and _TALLY.search(t))):
            is_attack = False  # air-defence reports and nationwide tallies
        if lex.sanction_terms.search(t) and not has_cas:
            is_attack = False
        if not is_attack:
            continue
        place = next((p for p in places if p.kind == "place"), None)
        region = next((p for p in places if p.kind == "region"), None)
        new_place = place or region
        cont = _ATTACK_ANAPHOR.match(t) is not None
        same = (
            cur is not None
            and cur.para >= sent.para - 1
            and not (killed is not None and cur.fields["killed"] is not None)
            and (
                cont
                or new_place is None
                or (cur.para == sent.para and cur.fields["place"] is None and cur.fields["region"] is None)
            )
        )
        if not same and new_place is not None and not (killed is not None or injured is not None):
            # another sentence about a place already attacked
            names = {new_place.name.lower()}
            cur = next(
                (it for it in items if {str(it.fields["place"]).lower(), str(it.fields["region"]).lower()} & names),
                None,
            )
            same = cur is not None
        if not same:
            cur = _Item(
                "attacks",
                {"place": None, "region": None, "when": None, "perpetrator": None, "weapons": [],
                 "target": None, "killed": None, "injured": None, "civilians": None},
                [],
                sent.para,
            )
            items.append(cur)
        assert cur is not None
        f = cur.fields
        cur.sentences.append(sent)
        cur.sentences.sort(key=lambda x: x.start)
        cur.para = max(cur.para, sent.para)
        if place and f["place"] is None:
            f["place"] = place.name
        if region and f["region"] is None:
            f["region"] = region.name
        if f["when"] is None:
            f["when"] = _when(t)
        for w in weapons:
            if w not in f["weapons"]:
                f["weapons"].append(w)
        if f["killed"] is None and killed is not None:
            f["killed"] = killed
        if f["injured"] is None and injured is not None:
            f["injured"] = injured
        if f["perpetrator"] is None:
            pm = _PERPETRATOR.search(t)
            if pm:
                country = lex.demonyms.get(pm.group("d"))
                armed = pm.group("n") in ("forces", "troops", "army", "military")
                f["perpetrator"] = f"{pm.group('d')} forces" if armed or country is None else country
        if f["target"] is None:
            tm = re.search(
                r"\b(?:struck|hit|hits|targeted|damaged|destroyed|slammed\s+into|smashed\s+into)\s+(?P<t>(?:an?|the)\s+[^,.;]{3,80}?)(?=\s+(?:in|on|near|at|outside|during|as|killing|injuring|wounding|and|late|early|overnight|shortly|setting|leaving|left|with)\b|[,.;]|$)",
                t,
            )
            if tm:
                f["target"] = tm.group("t")
        if lex.civilian.search(t):
            f["civilians"] = True
        elif f["civilians"] is None and lex.military.search(t):
            f["civilians"] = False
    # a lead sentence often restates an attack reported in detail later
    merged: set[int] = set()  # ids of items folded into another (identity, not dataclass equality)
    for it in items:
        for other in items:
            if other is it or id(other) in merged or id(it) in merged:
                continue
            fi, fo = it.fields, other.fields
            if (
                fi["killed"] not in (None, _VAGUE)
                and fi["killed"] == fo["killed"]
                and set(fi["weapons"]) & set(fo["weapons"])
                and fi["place"] is None
                and fo["place"] is not None
            ):
                for k, v in fi.items():
                    if fo.get(k) in (None, []) and v not in (None, []):
                        fo[k] = v
                other.sentences = sorted({id(x): x for x in it.sentences + other.sentences}.values(), key=lambda x: x.start)
                merged.add(id(it))
    out = []
    for it in items:
        if id(it) in merged:
            continue
        f = it.fields
        for k in ("killed", "injured"):
            if f[k] == _VAGUE:
                f[k] = None
        if not (f["place"] or f["region"]) and f["killed"] is None and f["injured"] is None:
            continue  # national tallies ("120 drones overnight") and stray mentions
        weapons = f["weapons"]
        sub = _SUB_EVENT.get(weapons[0], "Other") if weapons else "Other"
        if sub == "Armed clash":
            f["event_type"] = "Battles"
        else:
            f["event_type"] = "Explosions/Remote violence"
        f["sub_event_type"] = sub
        out.append(it)
    return out


def _checked_counts(attack: Attack) -> Attack:
    """Apply the grounding rules to the counts the patterns found: a count the grounding
    check would reject (vague, or not stated) becomes null, so both backends agree."""
    evidence = " \u2016 ".join(s.text for s in attack.evidence)
    for name in ("killed", "injured"):
        if check_count(getattr(attack, name), evidence) is not None:
            attack = attack.model_copy(update={name: None})
    return attack
