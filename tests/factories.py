"""Realistic ``Summary`` objects for tests, built from the seed article.

Spans are located with ``str.find`` on the article text, so every offset in a
factory-built summary slices the article back to the span's text exactly::

    from factories import seed_summary, span, make_summary

    s = seed_summary()                      # every section filled, one dropped item
    s.article.text[s.attacks[0].evidence[0].start:s.attacks[0].evidence[0].end]

The seed summary deliberately contains overlapping evidence:

* nested spans in one section (territory #2's "Crimea, which Russia annexed in
  2014" lies inside territory #3's evidence);
* spans shared across sections (diplomacy #6 and sanctions #3 both cite
  "They discussed new and effective sanctions against Russia.");
* a diplomacy quote that is also sanctions evidence (Zelenskyy's "Without
  stronger sanctions ..." quote).

Attack #2 has ``injured=None`` ("wound over a dozen" is not an exact number)
and attack #3 has no casualty numbers at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summarizer import gates
from summarizer.schema import (
    DRAFT_ITEM_MODELS,
    SECTIONS,
    Article,
    Attack,
    Diplomacy,
    Dropped,
    Meta,
    Quote,
    Sanction,
    Span,
    Summary,
    Territory,
    Usage,
)

SEED_PATH = Path(__file__).resolve().parents[1] / "seeds" / "ukraine-istanbul-talks.txt"
SEED_ID = "ukraine-istanbul-talks"

SEED_HEADLINE = "Trump to call Putin as Russia strikes civilians after first direct talks since 2022"
SEED_SUMMARY = (
    "Russian and Ukrainian officials held their first direct talks since 2022 in Istanbul "
    "and agreed to exchange 1,000 prisoners each. US President Donald Trump said he would "
    "call Vladimir Putin on Monday, while a Russian drone strike on a minibus in the Sumy "
    "region killed nine people. Zelenskyy urged stronger sanctions, and Ukraine rejected "
    "Russia's territorial demands."
)


def seed_text() -> str:
    """The seed article's text, exactly as stored in the repository."""
    return SEED_PATH.read_text(encoding="utf-8")


def seed_article(**overrides: Any) -> Article:
    """The seed article as an ``Article`` (id, title and source filled)."""
    fields: dict[str, Any] = {
        "text": seed_text(),
        "id": SEED_ID,
        "title": "Trump to call Putin as Russia keeps up attacks after Istanbul talks",
        "source": str(SEED_PATH),
    }
    fields.update(overrides)
    return Article(**fields)


def _text_of(article: Article | str) -> str:
    return article.text if isinstance(article, Article) else article


def span(article: Article | str, needle: str, *, after: int = 0) -> Span:
    """The ``Span`` of the first occurrence of ``needle`` at or after offset ``after``.

    Raises ``ValueError`` naming the needle when it is not in the article, so a
    typo in a test fails loudly instead of producing a bad offset.
    """
    text = _text_of(article)
    start = text.find(needle, after)
    if start < 0:
        raise ValueError(f"not in the article: {needle!r}")
    return Span(text=needle, start=start, end=start + len(needle))


def quote(article: Article | str, speaker: str, needle: str, *, after: int = 0) -> Quote:
    """A grounded ``Quote`` of ``needle`` said by ``speaker``."""
    s = span(article, needle, after=after)
    return Quote(text=s.text, start=s.start, end=s.end, speaker=speaker)


def evidence(article: Article | str, *needles: str) -> list[Span]:
    """One span per needle."""
    return [span(article, n) for n in needles]


def make_meta(article: Article, **overrides: Any) -> Meta:
    """Plausible llm-backend metadata for ``article``."""
    fields: dict[str, Any] = {
        "backend": "llm",
        "model": "gpt-4o-mini",
        "endpoint": "openai",
        "mode": "tools",
        "attempts": 2,
        "usage": Usage(prompt_tokens=2400, completion_tokens=610, total_tokens=3010),
        "latency_s": 4.2,
        "prompt_version": "p-3f9a1c",
        "content_hash": article.content_hash,
    }
    fields.update(overrides)
    return Meta(**fields)


def make_summary(
    article: Article | str,
    *,
    headline: str = "A headline",
    summary: str = "A summary.",
    diplomacy: list[Diplomacy] | None = None,
    attacks: list[Attack] | None = None,
    territory: list[Territory] | None = None,
    sanctions: list[Sanction] | None = None,
    dropped: list[Dropped] | None = None,
    **meta: Any,
) -> Summary:
    """A ``Summary`` of any article; ``meta`` keyword arguments override ``make_meta``."""
    if isinstance(article, str):
        article = Article(text=article)
    return Summary(
        headline=headline,
        summary=summary,
        diplomacy=diplomacy or [],
        attacks=attacks or [],
        territory=territory or [],
        sanctions=sanctions or [],
        article=article,
        meta=make_meta(article, dropped=dropped or [], **meta),
    )


def seed_summary(*, with_dropped: bool = True, **overrides: Any) -> Summary:
    """A realistic grounded summary of the seed article, every section filled.

    ``overrides`` replace top-level ``Summary`` fields (e.g. ``headline=``).
    """
    a = seed_article()
    diplomacy = [
        Diplomacy(
            kind="call",
            actors=["Donald Trump", "Vladimir Putin"],
            what="Trump said he will call Putin to help end the war; the Kremlin confirmed the call is being arranged.",
            when="on Monday",
            quotes=[quote(a, "Dmitry Peskov", "The call was being prepared")],
            evidence=evidence(
                a,
                "US President Donald Trump said he will call Russian President Vladimir Putin on Monday.",
                "Meanwhile, the Kremlin confirmed the call is being arranged.",
            ),
        ),
        Diplomacy(
            kind="talks",
            actors=["Russia", "Ukraine"],
            what="Russian and Ukrainian officials held their first direct talks since spring 2022 in Istanbul.",
            when="On Friday",
            evidence=evidence(
                a,
                "On Friday, Russian and Ukrainian officials held direct talks in Istanbul.",
                "It was the first meeting since spring 2022.",
            ),
        ),
        Diplomacy(
            kind="prisoner_exchange",
            actors=["Russia", "Ukraine"],
            what="Both sides agreed to exchange 1,000 prisoners each.",
            when=None,
            evidence=evidence(a, "both sides agreed to exchange 1,000 prisoners each."),
        ),
        Diplomacy(
            kind="statement",
            actors=["Dmitry Peskov", "Kremlin"],
            what="The Kremlin said a Zelenskyy–Putin meeting is possible only after an agreement between the two sides.",
            quotes=[
                quote(
                    a,
                    "Dmitry Peskov",
                    "We consider it possible, but only as a result of the work and upon achieving "
                    "certain results in the form of an agreement between the two sides",
                )
            ],
            evidence=evidence(a, "In response, the Kremlin said such a meeting could happen."),
        ),
        Diplomacy(
            kind="call",
            actors=["Marco Rubio", "Sergei Lavrov"],
            what="Rubio spoke with Lavrov and welcomed the prisoner swap agreement.",
            evidence=evidence(
                a,
                "U.S. Secretary of State Marco Rubio spoke with Russian Foreign Minister Sergei Lavrov.",
                "Rubio welcomed the prisoner swap agreement.",
            ),
        ),
        Diplomacy(
            kind="call",
            actors=["Volodymyr Zelenskyy", "Mark Carney"],
            what="Zelenskyy spoke with Canadian Prime Minister Mark Carney about new sanctions against Russia.",
            when="On Saturday",
            evidence=evidence(
                a,
                "On Saturday, Zelenskyy also spoke with Canadian Prime Minister Mark Carney.",
                "They discussed new and effective sanctions against Russia.",
            ),
        ),
        Diplomacy(
            kind="statement",
            actors=["Volodymyr Zelenskyy"],
            what="Zelenskyy condemned the attacks and said there will be no real diplomacy without stronger sanctions.",
            quotes=[
                quote(
                    a,
                    "Volodymyr Zelenskyy",
                    "Without stronger sanctions, without stronger pressure on Russia, there will be no real diplomacy there",
                )
            ],
            evidence=evidence(a, "In response, Zelenskyy condemned the attacks."),
        ),
    ]
    attacks = [
        Attack(
            place=None,
            region="Sumy region",
            when="On Saturday",
            perpetrator="Russia",
            weapons=["drone"],
            target="a minibus carrying civilians",
            killed=9,
            injured=5,
            civilians=True,
            event_type="Explosions/Remote violence",
            sub_event_type="Air/drone strike",
            evidence=evidence(
                a,
                "On Saturday, a Russian drone struck a minibus carrying civilians in Ukraine’s Sumy region.",
                "nine people died and five others were injured",
            ),
        ),
        Attack(
            place=None,
            region="eastern Ukraine",
            when="Later that day",
            perpetrator="Russian forces",
            weapons=["drone", "missile"],
            target=None,
            killed=6,
            injured=None,
            civilians=None,
            event_type="Explosions/Remote violence",
            sub_event_type="Air/drone strike",
            evidence=evidence(
                a,
                "Later that day, Russian forces launched more attacks in eastern Ukraine.",
                "They used drones and missiles to kill six people and wound over a dozen.",
            ),
        ),
        Attack(
            place="Kherson",
            region=None,
            when=None,
            perpetrator=None,
            weapons=["shelling"],
            target="a truck delivering humanitarian aid",
            killed=None,
            injured=None,
            civilians=True,
            event_type="Explosions/Remote violence",
            sub_event_type="Shelling/artillery/missile attack",
            evidence=evidence(a, "In Kherson, shelling hit a truck delivering humanitarian aid."),
        ),
    ]
    territory = [
        Territory(
            place="Oleksandropil",
            region="Donetsk region",
            claimant="Russian forces",
            status="captured",
            evidence=evidence(
                a,
                "Russian forces said they had captured Oleksandropil village in the eastern Donetsk region.",
            ),
        ),
        Territory(
            place="Crimea",
            region=None,
            claimant="Russia",
            status="annexed",
            when="in 2014",
            evidence=evidence(a, "Crimea, which Russia annexed in 2014"),
        ),
        Territory(
            place="five Ukrainian regions",
            region=None,
            claimant="Moscow",
            status="demand_rejected",
            when="During the talks",
            evidence=evidence(
                a,
                "During the talks, Ukraine rejected Russia’s territorial demands.",
                "Moscow claims control over five Ukrainian regions.",
                "These include four areas seized since 2022 and Crimea, which Russia annexed in 2014.",
            ),
        ),
    ]
    sanctions = [
        Sanction(
            actors=["Volodymyr Zelenskyy"],
            target="Russia",
            status="urged",
            what="Zelenskyy urged new sanctions if talks fail.",
            evidence=evidence(
                a,
                "He urged new sanctions.",
                "Without stronger sanctions, without stronger pressure on Russia, there will be no real diplomacy there",
            ),
        ),
        Sanction(
            actors=["Emmanuel Macron", "Europe", "United States"],
            target="Moscow",
            status="discussed",
            what="Macron said Europe and the U.S. are working together on stronger penalties against Moscow.",
            evidence=evidence(
                a, "He said Europe and the U.S. are working together on stronger penalties against Moscow."
            ),
        ),
        Sanction(
            actors=["Volodymyr Zelenskyy", "Mark Carney"],
            target="Russia",
            status="discussed",
            what="Zelenskyy and Carney discussed new and effective sanctions against Russia.",
            evidence=evidence(a, "They discussed new and effective sanctions against Russia."),
        ),
    ]
    dropped = (
        [
            Dropped(
                section="attacks",
                item={
                    "place": "Kharkiv",
                    "weapons": ["missile"],
                    "killed": 12,
                    "evidence": ["A missile struck Kharkiv, killing 12 people."],
                },
                reasons=[
                    "evidence not found in the article: 'A missile struck Kharkiv, killing 12 people.'",
                    "killed=12 is not stated in the evidence",
                ],
            )
        ]
        if with_dropped
        else []
    )
    fields: dict[str, Any] = {
        "headline": SEED_HEADLINE,
        "summary": SEED_SUMMARY,
        "diplomacy": diplomacy,
        "attacks": attacks,
        "territory": territory,
        "sanctions": sanctions,
        "article": a,
        "meta": make_meta(a, dropped=dropped),
    }
    fields.update(overrides)
    return Summary(**fields)


def all_spans(summary: Summary) -> list[tuple[str, Span]]:
    """Every evidence span and quote of ``summary`` with its section name."""
    out: list[tuple[str, Span]] = []
    for section, item in summary.items():
        out.extend((section, s) for s in item.evidence)  # type: ignore[attr-defined]
        out.extend((section, q) for q in getattr(item, "quotes", []))
    return out


def to_draft(summary: Summary) -> dict[str, Any]:
    """A Summary back in the shape the LLM fills: evidence and quotes as plain strings."""
    relevance = summary.meta.relevance or gates.assess(summary.article)
    draft = {"relevance": relevance.model_dump(), **summary.model_dump(mode="json", exclude={"article", "meta"})}
    for section in SECTIONS:
        # Only what the LLM fills: the analyst fields (date, country, attribution, ...) come after grounding.
        draft[section] = [{k: v for k, v in item.items() if k in DRAFT_ITEM_MODELS[section].model_fields}
                          for item in draft[section]]
        for item in draft[section]:
            item["evidence"] = [span["text"] for span in item["evidence"]]
            if "attribution" in item:
                item["attribution"] = item["attribution"]["text"] if item["attribution"] else None
            if "quotes" in item:
                item["quotes"] = [{"speaker": q["speaker"], "text": q["text"]} for q in item["quotes"]]
    return draft
