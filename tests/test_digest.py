"""The digest across articles: merged attacks, the diplomacy timeline, territory, sanctions, links."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from summarizer import digest
from summarizer.schema import (
    Article,
    Attack,
    Diplomacy,
    Meta,
    Relevance,
    Sanction,
    Span,
    Summary,
    Territory,
)


def span(text: str, passage: str) -> Span:
    start = text.index(passage)
    return Span(text=passage, start=start, end=start + len(passage))


def summary(text: str, *, id: str, url: str | None = None, published: str | None = None, title: str | None = None,
            **sections: list[Any]) -> Summary:
    article = Article(text=text, id=id, url=url, published=published, title=title)
    return Summary(
        headline=text.split(".")[0], summary=text, article=article,
        meta=Meta(backend="extractive", content_hash=article.content_hash), **sections,
    )


def attack(text: str, **fields: Any) -> Attack:
    return Attack(evidence=[span(text, text.split(". ")[0])], **fields)


SUMY_A = ("A Russian drone struck a minibus in Bilopillia in the Sumy region on Saturday, killing nine people and "
          "injuring five others. Officials said rescue work went on all night.")
SUMY_B = ("Nine people were killed and seven wounded when a drone hit a bus near Bilopillia on Saturday morning. "
          "The regional governor declared three days of mourning.")
KHARKIV = ("Missiles hit Kharkiv on Saturday, killing two people. Power was cut in several districts.")


def sumy_a(**extra: Any) -> Summary:
    return summary(SUMY_A, id="wire-1", url="https://news.example.org/sumy", title="Drone kills nine in Sumy region",
                   published="Sat, 17 May 2025 14:30:00 GMT",
                   attacks=[attack(SUMY_A, place="Bilopillia", region="Sumy region", when="on Saturday",
                                   weapons=["drone"], killed=9, injured=5)], **extra)


def sumy_b(killed: int | None = 9, injured: int | None = 7, when: str = "on Saturday morning",
           published: str = "2025-05-18", place: str | None = "Bilopillia", region: str | None = None,
           weapons: tuple[str, ...] = ("drone",)) -> Summary:
    return summary(SUMY_B, id="desk-7", published=published,
                   attacks=[attack(SUMY_B, place=place, region=region, when=when, weapons=list(weapons),
                                   killed=killed, injured=injured)])


def test_the_same_attack_reported_by_two_articles_is_one_row_listing_both_sources() -> None:
    kharkiv = summary(KHARKIV, id="k", attacks=[attack(KHARKIV, place="Kharkiv", when="on Saturday", weapons=["missile"], killed=2)])

    d = digest.build([sumy_a(), sumy_b(), kharkiv])

    assert len(d.attacks) == 2
    merged = d.attacks[0]
    assert [s.id for s in merged.sources] == ["wire-1", "desk-7"]
    assert merged.killed == (9, 9) and merged.injured == (5, 7)
    assert merged.when == "on Saturday" and merged.place == "Bilopillia, Sumy region"
    md = digest.to_markdown(d)
    row = next(line for line in md.splitlines() if "Bilopillia" in line)
    assert "| 9 | 5–7 |" in row
    assert "[Drone kills nine in Sumy region](https://news.example.org/sumy)" in row and "`desk-7`" in row


def test_attacks_are_listed_by_resolved_date_beside_the_publication_dates_and_the_dates_as_written() -> None:
    kharkiv = summary(KHARKIV, id="k", published="2025-05-24",
                      attacks=[attack(KHARKIV, place="Kharkiv", when="on Saturday", weapons=["missile"], killed=2)])

    d = digest.build([kharkiv, sumy_a(), sumy_b()])

    rows = [line for line in digest.to_markdown(d).splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Date | Published | Date (as written) | Place |")
    assert rows[1].startswith("| 2025-05-17 | 2025-05-17 to 2025-05-18 | on Saturday | Bilopillia, Sumy region |")
    assert rows[2].startswith("| 2025-05-24 | 2025-05-24 | on Saturday | Kharkiv |")
    html = digest.to_html_fragment(d)
    assert '<td><time datetime="2025-05-17">2025-05-17</time> to <time datetime="2025-05-18">' in html
    assert '<td><time datetime="2025-05-24">2025-05-24</time></td>' in html
    # No article dated, no columns of dashes.
    undated = summary(KHARKIV, id="u", attacks=[attack(KHARKIV, place="Kharkiv", when="on Saturday", killed=2)])
    assert "| Date (as written) | Place |" in digest.to_markdown([undated])
    assert "| Date |" not in digest.to_markdown([undated])
    assert "Published" not in digest.to_markdown([undated]) + digest.to_html_fragment([undated])


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"weapons": ["ground_assault"]}, "another weapon"),
        ({"when": "on Tuesday"}, "another day"),
        ({"published": "2025-06-30"}, "published six weeks later"),
        ({"place": "Kharkiv"}, "another place"),
        ({"place": None, "region": "Odesa region"}, "another region"),
    ],
)
def test_attacks_are_kept_apart_when(change: dict[str, Any], why: str) -> None:
    d = digest.build([sumy_a(), sumy_b(**change)])
    assert len(d.attacks) == 2, why


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"killed": None, "injured": None}, "no figures to contradict"),
        ({"killed": 11, "injured": 5}, "the injured agree, the death toll rose"),
        ({"killed": 3, "injured": 1}, "every figure differs: one incident, disputed"),
        ({"place": None, "region": "Sumy region"}, "the region of the town"),
        ({"when": "Saturday"}, "the same day, written differently"),
    ],
)
def test_attacks_are_merged_when(change: dict[str, Any], why: str) -> None:
    d = digest.build([sumy_a(), sumy_b(**change)])
    assert len(d.attacks) == 1, why


def test_two_attacks_in_one_article_are_never_merged() -> None:
    text = "Drones hit Odesa on Sunday, killing two. Later on Sunday another drone hit Odesa, killing two more."
    s = summary(text, id="o", attacks=[
        attack(text, place="Odesa", when="on Sunday", killed=2),
        Attack(place="Odesa", when="Later on Sunday", killed=2, evidence=[span(text, "another drone hit Odesa")]),
    ])
    assert len(digest.build([s]).attacks) == 2


def test_duplicate_summaries_count_once() -> None:
    d = digest.build([sumy_a(), sumy_a(), sumy_b()])
    assert len(d.sources) == 2 and len(d.attacks) == 1 and len(d.attacks[0].sources) == 2


TALKS_1 = "Russian and Ukrainian delegations met in Istanbul on Friday for direct talks. Both sides agreed to swap prisoners."
TALKS_2 = "Ukraine and Russia held talks in Istanbul on Friday, Turkish officials said. The meeting lasted two hours."
CALL = "Donald Trump and Vladimir Putin spoke by phone on Monday. The Kremlin called the talk useful."


def diplomacy(text: str, **fields: Any) -> Diplomacy:
    return Diplomacy(evidence=[span(text, text.split(". ")[0])], what=text.split(". ")[0], **fields)


def test_diplomacy_is_a_timeline_in_publication_order_with_the_same_talks_merged() -> None:
    call = summary(CALL, id="call", published="2025-05-19", url="https://x.example/call",
                   diplomacy=[diplomacy(CALL, kind="call", actors=["Donald Trump", "Vladimir Putin"], when="on Monday")])
    t1 = summary(TALKS_1, id="t1", published="2025-05-16", url="https://x.example/t1",
                 diplomacy=[diplomacy(TALKS_1, kind="talks", actors=["Russia", "Ukraine"], when="on Friday")])
    t2 = summary(TALKS_2, id="t2", published="2025-05-16T18:00:00+00:00",
                 diplomacy=[diplomacy(TALKS_2, kind="talks", actors=["Ukraine", "Russia", "Turkey"], when="on Friday")])
    undated = summary(KHARKIV, id="u", diplomacy=[diplomacy(KHARKIV, kind="statement", actors=["Kharkiv"])])

    d = digest.build([call, undated, t1, t2])

    assert [(e.kind, [s.id for s in e.sources]) for e in d.diplomacy] == [
        ("talks", ["t1", "t2"]), ("call", ["call"]), ("statement", ["u"]),
    ]
    md = digest.to_markdown(d).split("## Diplomacy timeline")[1].split("##")[0]
    lines = [line for line in md.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- **2025-05-16** (on Friday) · talks — Russia, Ukraine, Turkey:")
    assert lines[0].endswith("— [t1](https://x.example/t1); `t2`")
    assert lines[2].startswith("- **undated**")


def test_territory_and_sanctions_are_listed_and_merged_by_place_and_target() -> None:
    t_text = "Russia said its forces captured the village of Novopil. Ukraine denied it."
    s_text = "The European Union imposed new sanctions on Russia on Tuesday. Britain followed."
    a = summary(t_text + " " + s_text, id="a", published="2025-05-20",
                territory=[Territory(place="Novopil", claimant="Russian forces", status="captured",
                                     evidence=[span(t_text, "Russia said its forces captured the village of Novopil")])],
                sanctions=[Sanction(actors=["European Union"], target="Russia", status="imposed", what="New EU sanctions.",
                                    evidence=[span(t_text + " " + s_text, "The European Union imposed new sanctions on Russia on Tuesday")])])
    b = summary(t_text + " Later reports agreed. " + s_text, id="b", published="2025-05-21",
                territory=[Territory(place="village of Novopil", claimant="Russia", status="captured",
                                     evidence=[span(t_text, "Russia said its forces captured the village of Novopil")])],
                sanctions=[Sanction(actors=["EU", "European Union"], target="Russia", status="imposed", what="Sanctions.",
                                    evidence=[span(t_text, "Russia said")])])

    d = digest.build([a, b])

    assert len(d.territory) == 1 and [s.id for s in d.territory[0].sources] == ["a", "b"]
    assert len(d.sanctions) == 1 and d.sanctions[0].actors == ["European Union", "EU"]
    md = digest.to_markdown(d)
    assert "| Novopil | — | Russian forces | captured | — | `a`; `b` |" in md
    assert "- **imposed** · European Union, EU → Russia: New EU sanctions. — `a`; `b`" in md


def test_every_row_links_to_its_article_in_html_by_url_or_to_the_listed_source() -> None:
    html = digest.to_html_fragment([sumy_a(), sumy_b()])

    assert '<a href="https://news.example.org/sumy"' in html
    assert '<a href="#smzd-src-2"' in html and '<li id="smzd-src-2">' in html and "desk-7" in html
    assert "<script" not in html and not re.search(r"(src|href)=\"(?!https://news|#)", html)
    page = digest.to_html([sumy_a()])
    assert page.startswith("<!doctype html>") and "<title>Digest of 1 article, 2025-05-17</title>" in page


def test_text_from_articles_is_escaped() -> None:
    text = "A drone hit <b>Sumy</b> | on Saturday, killing two people. More later."
    s = summary(text, id="x|<y>", url="javascript:alert(1)",
                attacks=[attack(text, place="<b>Sumy</b> | x", when="on Saturday", killed=2)])
    html = digest.to_html_fragment([s])
    assert "<b>Sumy" not in html and "&lt;b&gt;Sumy&lt;/b&gt;" in html
    assert "javascript:" not in html.split("<ol")[0]  # never a link target
    md = digest.to_markdown([s])
    row = next(line for line in md.splitlines() if "Sumy" in line)
    assert row.count(" | ") == 5  # the pipe in the place is escaped, the table keeps its columns


def test_a_pipe_in_a_source_id_or_url_does_not_split_the_markdown_row() -> None:
    # GFM splits a row on every unescaped pipe, inside code spans and link targets too.
    by_id = summary(KHARKIV, id="feed|7", attacks=[attack(KHARKIV, place="Kharkiv", when="on Saturday", killed=2)])
    by_url = summary(SUMY_A, id="s", url="https://x.example/a|b",
                     attacks=[attack(SUMY_A, place="Bilopillia", when="on Sunday", killed=9)])

    md = digest.to_markdown([by_id, by_url])

    for place in ("Kharkiv", "Bilopillia"):
        row = next(line for line in md.splitlines() if line.startswith(f"| on") and place in line)
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row  # 6 columns
    assert r"`feed\|7`" in md and "(https://x.example/a%7Cb)" in md


def test_failures_are_listed_and_an_empty_digest_says_so() -> None:
    class Failure:
        id, url, error = "gone", "https://x.example/9", "HTTP 404"

    md = digest.to_markdown([], failures=[Failure()])
    assert "# Digest of 0 articles" in md and "No attacks reported." in md
    assert "## Failed inputs (1)" in md and "- [gone](https://x.example/9): HTTP 404" in md


def test_an_article_not_about_armed_conflict_is_left_out_and_counted() -> None:
    recipe = "Slice the onions and fry them slowly. A soldier of a cake needs eggs, flour and butter."
    off = summary(recipe, id="recipe-1", url="https://food.example/cake", title="Onion cake")
    off.meta.relevance = Relevance(relevant=False, reason="A recipe.")
    d = digest.build([sumy_a(), off])
    assert [s.id for s in d.sources] == ["wire-1"] and d.off_topic == 1
    md = digest.to_markdown(d)
    assert "Digest of 1 article" in md and "1 article not about armed conflict left out" in md
    assert "Onion cake" not in md and "food.example" not in md


def test_write_digest_picks_the_format_from_the_suffix(tmp_path: Path) -> None:
    assert digest.write_digest([sumy_a()], tmp_path / "d.html") == "html"
    assert digest.write_digest([sumy_a()], tmp_path / "d.md") == "markdown"
    assert (tmp_path / "d.html").read_text().startswith("<!doctype html>")
    assert (tmp_path / "d.md").read_text().startswith("# Digest of 1 article")


def test_a_widely_reported_event_stays_fast_and_its_row_short() -> None:
    import time

    reports = [
        summary(SUMY_A + f" Report {i}.", id=f"r{i}", url=f"https://x.example/{i}",
                attacks=[attack(SUMY_A, place="Bilopillia", region="Sumy region", when="on Saturday", weapons=["drone"],
                                killed=9, injured=5)])
        for i in range(2000)
    ]
    digest.build(reports[:1])  # the offline gazetteer loads once per process, on first use
    started = time.perf_counter()
    d = digest.build(reports)
    assert time.perf_counter() - started < 2.0
    assert len(d.attacks) == 1 and len(d.attacks[0].sources) == 2000
    row = next(line for line in digest.to_markdown(d).splitlines() if "Bilopillia" in line)
    assert row.count("](https://x.example/") == digest.MAX_LINKS and row.endswith("; and 1988 more |")


def _capture(n: int, region: str, claimant: str, said: str, published: str = "2025-05-18") -> Summary:
    text = f"{said} they had captured Oleksandropil village in the eastern {region} on Saturday. Report {n}."
    return summary(text, id=f"c{n}", published=published,
                   territory=[Territory(place="Oleksandropil", region=region, claimant=claimant, status="captured",
                                        when="on Saturday", evidence=[span(text, text.split(". ")[0])])])


def test_the_digest_groups_territorial_changes_as_the_events_export_does() -> None:
    import csv
    import io

    from summarizer.events.export import to_csv

    batch = [
        _capture(1, "Donetsk region", "Russian forces", "Russian forces said"),
        _capture(2, "Donetsk region", "Moscow", "Moscow claimed", published="2025-05-17"),
        # the same village name in another region: another place, though its words match
        _capture(3, "Zaporizhzhia region", "Russia", "Russia's defence ministry said"),
    ]

    in_digest = [[s.id for s in e.sources] for e in digest.build(batch).territory]
    rows = csv.DictReader(io.StringIO(to_csv(batch)))
    in_export = [r["article_ids"].split("; ") for r in rows if r["event_type"] == "Strategic developments"]

    assert sorted(in_digest) == sorted(in_export) == [["c1", "c2"], ["c3"]]
