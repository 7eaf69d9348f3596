"""The extractive backend: facts of the seed article, counts, quotes, spans."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from summarizer.backends.extractive import ExtractiveBackend, parse_count, segment
from summarizer.grounding import verify_summary
from summarizer.schema import Article, Summary

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ukraine-istanbul-talks.txt"
SAMPLES = sorted((ROOT / "seeds").glob("*.txt"))


def run(text: str) -> Summary:
    return ExtractiveBackend().summarize(Article(text=text))


@pytest.fixture(scope="module")
def seed() -> Summary:
    return ExtractiveBackend().summarize(Article(text=SEED.read_text(encoding="utf-8"), id="seed"))


def evidence(item: object) -> str:
    return " ".join(s.text for s in item.evidence)  # type: ignore[attr-defined]


def only(items: list, pred) -> object:  # type: ignore[type-arg]
    found = [i for i in items if pred(i)]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------
# The seed article


def test_seed_sumy_minibus_strike_is_a_drone_attack_with_nine_killed_five_injured(seed: Summary) -> None:
    a = only(seed.attacks, lambda a: "Sumy" in f"{a.place} {a.region}")
    assert a.weapons == ["drone"]
    assert (a.killed, a.injured) == (9, 5)
    assert "minibus" in (a.target or "")
    assert a.civilians is True


def test_seed_eastern_attacks_kill_six_and_vague_wounded_count_is_null(seed: Summary) -> None:
    a = only(seed.attacks, lambda a: a.region == "eastern Ukraine")
    assert set(a.weapons) == {"drone", "missile"}
    assert a.killed == 6
    assert a.injured is None


def test_seed_kherson_shelling_of_an_aid_truck(seed: Summary) -> None:
    a = only(seed.attacks, lambda a: a.place == "Kherson")
    assert a.weapons == ["shelling"]
    assert "humanitarian aid" in (a.target or "")
    assert (a.killed, a.injured) == (None, None)


def test_seed_has_exactly_three_attacks(seed: Summary) -> None:
    assert len(seed.attacks) == 3


def test_seed_prisoner_exchange_of_1000_each(seed: Summary) -> None:
    d = only(seed.diplomacy, lambda d: d.kind == "prisoner_exchange")
    assert "1,000" in evidence(d)
    assert {"Russia", "Ukraine"} <= set(d.actors)


def test_seed_istanbul_talks(seed: Summary) -> None:
    d = only(seed.diplomacy, lambda d: d.kind == "talks")
    assert "Istanbul" in evidence(d)
    assert d.when == "On Friday"


@pytest.mark.parametrize(
    "pair",
    [("Trump", "Putin"), ("Rubio", "Lavrov"), ("Zelenskyy", "Carney")],
)
def test_seed_phone_calls(seed: Summary, pair: tuple[str, str]) -> None:
    calls = [d for d in seed.diplomacy if d.kind == "call"]
    assert any(all(any(p in a for a in d.actors) for p in pair) for d in calls), [d.actors for d in calls]


@pytest.mark.parametrize(
    ("place", "status", "claimant"),
    [
        ("five Ukrainian regions", "claimed", "Moscow"),
        ("Crimea", "annexed", "Russia"),
        ("Oleksandropil", "captured", "Russian forces"),
    ],
)
def test_seed_territory(seed: Summary, place: str, status: str, claimant: str) -> None:
    t = only(seed.territory, lambda t: t.place == place and t.status == status)
    assert t.claimant == claimant


def test_seed_oleksandropil_is_in_donetsk_region(seed: Summary) -> None:
    t = only(seed.territory, lambda t: t.place == "Oleksandropil")
    assert t.region == "Donetsk region"


def test_seed_crimea_annexed_in_2014(seed: Summary) -> None:
    assert only(seed.territory, lambda t: t.place == "Crimea").when == "in 2014"


def test_seed_ukraine_rejects_territorial_demands(seed: Summary) -> None:
    t = only(seed.territory, lambda t: t.status == "demand_rejected")
    assert t.claimant == "Russia"
    assert "territorial demands" in evidence(t)


@pytest.mark.parametrize(
    ("who", "status", "target"),
    [
        ("Zelenskyy", "urged", "Russia"),
        ("Macron", "proposed", "Moscow"),
        ("Carney", "discussed", "Russia"),
    ],
)
def test_seed_sanctions(seed: Summary, who: str, status: str, target: str) -> None:
    s = only(seed.sanctions, lambda s: s.status == status and any(who in a for a in s.actors))
    assert s.target == target


def test_seed_macron_sanctions_name_europe_and_the_us(seed: Summary) -> None:
    s = only(seed.sanctions, lambda s: s.status == "proposed")
    assert {"Europe", "United States"} <= set(s.actors)


def test_seed_headline_is_the_first_sentence_and_the_summary_its_key_events(seed: Summary) -> None:
    assert seed.headline == "US President Donald Trump said he will call Russian President Vladimir Putin on Monday."
    assert seed.summary == (
        "On Friday, Russian and Ukrainian officials held direct talks in Istanbul. "
        "On Saturday, a Russian drone struck a minibus carrying civilians in Ukraine\u2019s Sumy region. "
        "During the talks, Ukraine rejected Russia\u2019s territorial demands."
    )  # the talks, the deadliest strike and the territorial dispute; no dangling "He ..."


def test_published_title_is_the_headline_and_the_lead_opens_the_summary() -> None:
    text = "Kyiv, May 3. A Russian missile struck a depot in Kharkiv, killing two people. Officials said five were hurt."
    summary = ExtractiveBackend().summarize(Article(text=text, title="Missile hits Kharkiv depot"))
    assert summary.headline == "Missile hits Kharkiv depot"
    assert summary.summary.startswith("Kyiv, May 3.")


def test_seed_meta(seed: Summary) -> None:
    m = seed.meta
    assert (m.backend, m.model, m.attempts, m.prompt_version) == ("extractive", None, 1, None)
    assert m.content_hash == seed.article.content_hash
    assert m.latency_s is not None and m.latency_s >= 0


# ---------------------------------------------------------------------------
# Quotes


def quotes(s: Summary) -> dict[str, str]:
    return {q.text: q.speaker for d in s.diplomacy for q in d.quotes}


def test_quote_said_name_after_the_quote(seed: Summary) -> None:
    q = quotes(seed)
    assert q["The call was being prepared"] == "Dmitry Peskov"
    assert q[next(t for t in q if t.startswith("We consider it possible"))] == "Dmitry Peskov"


def test_quote_he_wrote_resolves_to_the_last_named_subject(seed: Summary) -> None:
    q = quotes(seed)
    assert q["BLOODBATH."] == "Donald Trump"
    assert q[next(t for t in q if t.startswith("A ceasefire will take place"))] == "Donald Trump"
    assert q["Nothing’s going to happen"] == "Donald Trump"


def test_quote_speaker_before_the_quote(seed: Summary) -> None:
    assert quotes(seed)["next step"] == "Rustem Umerov"


def test_quotes_exclude_the_quote_marks_and_trailing_comma(seed: Summary) -> None:
    for text in quotes(seed):
        assert not text.startswith(("“", '"')) and not text.endswith(("”", '"', ","))


def test_quote_with_straight_quotes_and_said_name() -> None:
    s = run('Russia and Ukraine held peace talks in Istanbul on Friday. "We are ready for more," said Peskov.\n')
    assert quotes(s) == {"We are ready for more": "Peskov"}


# ---------------------------------------------------------------------------
# Counts


@pytest.mark.parametrize(
    ("sentence", "killed", "injured"),
    [
        ("A Russian drone hit a bus in Kherson. Nine people died and five others were injured.", 9, 5),
        ("Russian missiles struck Dnipro, killing 12 people and wounding 40.", 12, 40),
        ("Shelling hit Nikopol, killing at least three people.", 3, None),
        ("A missile struck Odesa, killing twenty-three people.", 23, None),
        ("Russian forces shelled Kherson. They used drones to kill six people and wound over a dozen.", 6, None),
        ("A drone struck Sumy, injuring more than twenty people.", None, None),
        ("Shelling hit Kharkiv. Dozens of people were injured.", None, None),
        ("A glide bomb struck Zaporizhzhia, wounding several civilians.", None, None),
        ("A missile hit Kyiv. No one was hurt.", None, None),
        # "a man" is not a stated number; grounding would reject 1
        ("Artillery fire on Nikopol wounded a 64-year-old man.", None, None),
        ("A drone hit a bus stop in Kherson, killing 1,200 people.", 1200, None),
    ],
)
def test_casualty_counts(sentence: str, killed: int | None, injured: int | None) -> None:
    s = run(sentence + "\n")
    assert len(s.attacks) == 1, s.attacks
    assert (s.attacks[0].killed, s.attacks[0].injured) == (killed, injured)


@pytest.mark.parametrize(
    ("word", "value"),
    [("nine", 9), ("Nine", 9), ("1,000", 1000), ("twenty-three", 23), ("a dozen", 12), ("eleven", 11), ("many", None)],
)
def test_parse_count(word: str, value: int | None) -> None:
    assert parse_count(word) == value


def test_family_of_three_is_not_a_casualty_count(seed: Summary) -> None:
    sumy = only(seed.attacks, lambda a: "Sumy" in f"{a.place} {a.region}")
    assert sumy.killed == 9


# ---------------------------------------------------------------------------
# Segmentation and spans


def test_segment_treats_short_unpunctuated_lines_as_headings() -> None:
    sents = segment("First Direct Talks Since 2022\nOn Friday, officials met. They agreed.\n")
    assert [(s.text, s.heading) for s in sents] == [
        ("First Direct Talks Since 2022", True),
        ("On Friday, officials met.", False),
        ("They agreed.", False),
    ]


def test_segment_does_not_split_after_us_abbreviation_or_inside_quotes() -> None:
    text = "Meanwhile, U.S. Secretary of State Marco Rubio spoke. “This very violent war… will end,” he wrote.\n"
    assert [s.text for s in segment(text)] == [
        "Meanwhile, U.S. Secretary of State Marco Rubio spoke.",
        "“This very violent war… will end,” he wrote.",
    ]


def test_segment_offsets_slice_back_with_odd_whitespace() -> None:
    text = "  Odesa  port  hit\n\tRussian missiles struck Odesa.   Two  workers were hurt.  \n"
    for s in segment(text):
        assert text[s.start : s.end] == s.text


def all_spans(s: Summary) -> list:  # type: ignore[type-arg]
    return [sp for _, item in s.items() for sp in [*item.evidence, *getattr(item, "quotes", [])]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_span_slices_back(path: Path) -> None:
    article = Article(text=path.read_text(encoding="utf-8"))
    s = ExtractiveBackend().summarize(article)
    spans = all_spans(s)
    assert spans
    for sp in spans:
        assert article.text[sp.start : sp.end] == sp.text


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_grounding_check_passes(path: Path) -> None:
    s = ExtractiveBackend().summarize(Article(text=path.read_text(encoding="utf-8")))
    assert verify_summary(s) == []


def test_deterministic(seed: Summary) -> None:
    again = ExtractiveBackend().summarize(seed.article)
    assert again.model_dump(exclude={"meta": {"latency_s"}}) == seed.model_dump(exclude={"meta": {"latency_s"}})


def test_asummarize_matches_summarize(seed: Summary) -> None:
    s = asyncio.run(ExtractiveBackend().asummarize(seed.article))
    assert s.model_dump(exclude={"meta": {"latency_s"}}) == seed.model_dump(exclude={"meta": {"latency_s"}})


def test_backend_name() -> None:
    assert ExtractiveBackend.name == "extractive"


# ---------------------------------------------------------------------------
# Articles without some sections


def test_diplomacy_only_article_has_no_attacks() -> None:
    s = ExtractiveBackend().summarize(
        Article(text=(ROOT / "seeds" / "diplomacy-geneva-envoys-meeting.txt").read_text(encoding="utf-8"))
    )
    assert s.attacks == []
    assert s.diplomacy


def test_condemning_attacks_is_not_an_attack() -> None:
    s = run("Zelenskyy condemned the attacks. He also criticized Russia for refusing a ceasefire.\n")
    assert s.attacks == []


def test_sanctions_only_article() -> None:
    s = ExtractiveBackend().summarize(
        Article(text=(ROOT / "seeds" / "sanctions-eu-package.txt").read_text(encoding="utf-8"))
    )
    assert s.attacks == [] and s.territory == []
    statuses = {x.status for x in s.sanctions}
    assert {"imposed", "urged"} <= statuses


def test_empty_article_gives_an_empty_summary() -> None:
    s = run("Nothing to see here.\n")
    assert (s.diplomacy, s.attacks, s.territory, s.sanctions) == ([], [], [], [])
    assert s.headline == "Nothing to see here."


@pytest.mark.parametrize(
    "text",
    [
        "Russian missiles struck Kharkiv on Monday. As many as 10 people were killed, officials said.",
        "A drone hit a bus in Sumy region. Up to 7 people were wounded in the attack.",
    ],
)
def test_counts_the_grounding_check_calls_vague_are_null(text: str) -> None:
    summary = ExtractiveBackend().summarize(Article(text=text))
    assert summary.attacks and all(a.killed is None and a.injured is None for a in summary.attacks)


def test_territory_claimant_is_the_actor_of_that_sentence_not_one_named_earlier() -> None:
    text = (
        "Ukrainian President Volodymyr Zelenskyy met European leaders in Kyiv on Monday to discuss security guarantees. "
        "Officials described the talks as constructive.\n"
        "Separately, Moscow formally claimed the whole of the Donetsk region in a decree on Tuesday."
    )
    summary = ExtractiveBackend().summarize(Article(text=text))
    claims = [t for t in summary.territory if t.status == "claimed"]
    assert claims and all("Zelenskyy" not in t.claimant for t in claims)
    assert claims[0].claimant in ("Moscow", "Russia")


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Russia's Defence Ministry said on Sunday that its forces had captured the village of Vilne in the Kherson region, a claim Ukraine did not confirm.", "claimed"),
        ("Russian forces said they had captured the village of Vilne in the Kherson region; the claim could not be independently verified.", "claimed"),
        ("Russian forces said they had captured the village of Vilne in the Kherson region.", "captured"),
    ],
)
def test_an_unconfirmed_capture_is_a_claim_and_the_place_is_just_the_name(sentence: str, status: str) -> None:
    text = sentence + " Officials in Kyiv said fighting continued near the village and civilians had been evacuated."
    [territory] = ExtractiveBackend().summarize(Article(text=text)).territory
    assert (territory.place, territory.status) == ("Vilne", status)


@pytest.mark.parametrize(
    "text",
    [
        "A Russian DRONE struck Sumy; a Drone-maker was not hit.",
        "İstanbul: a drone struck",  # 'İ' lowercases to two characters: searched the original way
        "The dıplomat said the ſhelling stopped and the drone \u212aept flying.",  # folded by re, not by lower()
        "no weapon here at all",
    ],
)
def test_folded_lexicon_patterns_find_exactly_what_the_case_insensitive_pattern_finds(text: str) -> None:
    import re

    from summarizer.backends.extractive.lexicon import _lexicon
    from summarizer.folded import Folded

    patterns = [p for p in vars(_lexicon()).values() if isinstance(p, Folded)]
    patterns += [p for d in (_lexicon().weapons, _lexicon().territory) for p in d.values()]
    for folded in patterns:
        slow = re.compile(folded.pattern.pattern, re.IGNORECASE)
        assert [m.span() for m in folded.finditer(text)] == [m.span() for m in slow.finditer(text)]
        assert [m.group() for m in folded.finditer(text, 3, len(text) - 2)] == [m.group() for m in slow.finditer(text, 3, len(text) - 2)]
