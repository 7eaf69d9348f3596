from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from rich.console import Console

from summarizer.render import (
    describe_item,
    to_html,
    to_html_fragment,
    to_json,
    to_markdown,
    to_terminal,
)
from summarizer.schema import (
    Article,
    Attack,
    Diplomacy,
    Dropped,
    Sanction,
    Span,
    Summary,
    Territory,
)
from test_markup_safety import assert_link_safe
from factories import all_spans, make_summary, quote, seed_article, seed_summary, span


@pytest.fixture(scope="module")
def seed() -> Summary:
    return seed_summary()


# ---------------------------------------------------------------------------
# A small HTML reader: which sections cover each character of the article view


class _ArticleView(HTMLParser):
    """Rebuild the article text inside ``div.smz-article`` with each character's mark classes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 while inside the article div
        self.mark: list[str] | None = None
        self.titles: list[str] = []
        self.chars: list[tuple[str, frozenset[str]]] = []
        self.mark_offsets: list[tuple[int, int, int]] = []  # (data-start, data-end, position in rebuilt text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if self.depth:
            if tag == "div":
                self.depth += 1
            elif tag == "mark":
                self.mark = classes
                self.titles.append(a.get("title") or "")
                self.mark_offsets.append(
                    (int(a["data-start"] or 0), int(a["data-end"] or 0), len(self.chars))
                )
            else:
                raise AssertionError(f"unexpected <{tag}> inside the article view")
        elif tag == "div" and "smz-article" in classes:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "mark":
            self.mark = None
        elif tag == "div":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            classes = frozenset(self.mark or ())
            self.chars.extend((c, classes) for c in data)

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars)


def read_article_view(html: str) -> _ArticleView:
    view = _ArticleView()
    view.feed(html)
    view.close()
    return view


# ---------------------------------------------------------------------------
# JSON


def test_to_json_round_trips_with_metadata(seed: Summary) -> None:
    data = json.loads(to_json(seed))
    assert data["meta"]["model"] == "gpt-4o-mini"
    assert data["meta"]["dropped"][0]["section"] == "attacks"
    assert Summary.model_validate_json(to_json(seed)) == seed


def test_to_json_indent_none_is_one_line(seed: Summary) -> None:
    assert "\n" not in to_json(seed, indent=None)


# ---------------------------------------------------------------------------
# Markdown


def test_markdown_has_headline_summary_and_sections(seed: Summary) -> None:
    md = to_markdown(seed)
    assert md.startswith(f"# {seed.headline}\n")
    assert "Russian and Ukrainian officials held their first direct talks" in md
    for title in ("## Diplomacy", "## Attacks", "## Territory", "## Sanctions"):
        assert title in md


def test_markdown_attacks_table_shows_numbers_and_dash_for_null(seed: Summary) -> None:
    md = to_markdown(seed)
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[0].startswith(
        "| When | Place / region | Weapon | Perpetrator | Target | Killed | Injured | Civilians"
    )
    sumy = next(r for r in rows if "Sumy region" in r)
    assert [c.strip() for c in sumy.strip("|").split("|")][5:7] == ["9", "5"]
    eastern = next(r for r in rows if "eastern Ukraine" in r)
    assert [c.strip() for c in eastern.strip("|").split("|")][5:7] == ["6", "—"]
    kherson = next(r for r in rows if "Kherson" in r)
    assert [c.strip() for c in kherson.strip("|").split("|")][5:7] == ["—", "—"]


def test_markdown_never_shows_a_null_number_as_zero(seed: Summary) -> None:
    rows = [line for line in to_markdown(seed).splitlines() if line.startswith("| ")]
    assert not any(re.search(r"\|\s*0\s*\|", r) for r in rows)


def test_markdown_escapes_pipes_in_table_cells() -> None:
    a = Article(text="Shelling hit Kupiansk | Kharkiv at dawn.")
    s = make_summary(
        a,
        attacks=[
            Attack(
                place="Kupiansk | Kharkiv",
                target="a|b",
                evidence=[span(a, "Shelling hit Kupiansk | Kharkiv")],
            )
        ],
    )
    row = next(line for line in to_markdown(s).splitlines() if "Kupiansk" in line)
    assert r"Kupiansk \| Kharkiv" in row
    assert r"a\|b" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 9  # 8 columns -> 9 unescaped pipes


def test_markdown_lists_diplomacy_with_quotes_and_sanctions(seed: Summary) -> None:
    md = to_markdown(seed)
    assert "- **call** — Donald Trump, Vladimir Putin (on Monday):" in md
    assert "“The call was being prepared” — Dmitry Peskov" in md
    assert "- **urged** — Volodymyr Zelenskyy → Russia:" in md
    assert "| Oleksandropil | Donetsk region | Russian forces | captured | — |" in md


def test_markdown_dropped_section_and_footer(seed: Summary) -> None:
    md = to_markdown(seed)
    assert "## Dropped: 1 item not found in the article\n" in md
    assert "killed=12 is not stated in the evidence" in md
    footer = md.strip().splitlines()[-1]
    for bit in ("backend: llm", "model: gpt-4o-mini", "attempts: 2", "tokens: 3,010"):
        assert bit in footer


def _with_kept_and_replaced(seed: Summary) -> Summary:
    """The seed with, besides its dropped attack, an item kept without an invented quote and a replaced headline."""
    kept = Dropped(
        section="diplomacy",
        item={"kind": "call", "actors": ["Donald Trump"], "what": "Trump will call Putin.", "quotes": []},
        reasons=['quote "We will end it in a day" (Donald Trump) is not in the article'],
        kept=True,
    )
    headline = Dropped(
        section="headline",
        item={"text": "Trump says 500 killed as talks collapse"},
        reasons=["headline: the figure 500 is not stated in the article"],
    )
    meta = seed.meta.model_copy(update={"dropped": [*seed.meta.dropped, kept, headline]})
    return seed.model_copy(update={"meta": meta})


def test_dropped_entries_say_what_became_of_them(seed: Summary) -> None:
    s = _with_kept_and_replaced(seed)
    heading = (
        "Not found in the article: 1 item dropped, 1 item kept without its ungrounded parts, "
        "headline replaced by the article's lead"
    )
    md = to_markdown(s)
    assert f"## {heading}\n" in md
    assert "- attacks: Kharkiv — missile — 12 killed — dropped: *evidence not found in the article" in md
    assert (
        '- diplomacy: call — Donald Trump — Trump will call Putin. — kept, without: *quote "We will end it in a day"'
        in md
    )
    assert (
        "- headline: “Trump says 500 killed as talks collapse” — replaced by the article's lead: "
        "*headline: the figure 500 is not stated in the article*" in md
    )
    out = " ".join(_terminal(s, 120).split())
    assert heading in out
    assert "diplomacy: call — Donald Trump — Trump will call Putin. — kept, without: quote" in out
    assert "headline: “Trump says 500 killed as talks collapse” — replaced by the article's lead:" in out
    frag = to_html_fragment(s)
    assert f"<h3>{heading.replace(chr(39), '&#x27;')}</h3>" in frag
    assert "<b>diplomacy</b>: call — Donald Trump — Trump will call Putin. — kept, without:" in frag
    assert "<b>attacks</b>: Kharkiv — missile — 12 killed — dropped:" in frag


def test_markdown_leaves_out_empty_sections_and_dropped() -> None:
    a = Article(text="Nothing happened today.")
    md = to_markdown(make_summary(a, headline="Quiet day", summary="Nothing happened."))
    assert "## " not in md
    assert "Dropped" not in md


def test_markdown_does_not_pass_raw_html_through() -> None:
    a = Article(text="<script>alert(1)</script> was in the text.")
    md = to_markdown(make_summary(a, headline="<script>alert(1)</script>", summary="a <b>bold</b> claim"))
    assert "<script>" not in md
    assert "<b>" not in md


# ---------------------------------------------------------------------------
# Terminal


def _terminal(summary: Summary, width: int) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    to_terminal(summary, console)
    return console.export_text()


def test_terminal_shows_headline_and_attack_rows(seed: Summary) -> None:
    out = _terminal(seed, 100)
    assert seed.headline in out
    table = out[out.index("Attacks (3)") : out.index("Territory (3)")].splitlines()
    assert re.match(r"#\s+Place\s+Weapon\s+Killed\s+Injured\s+When\s+Target", table[1])
    sumy = next(line for line in table if "Sumy region" in line and "drone" in line)
    assert re.search(r"\b9\s+5\b", sumy)
    eastern = next(line for line in table if "eastern" in line)
    assert re.search(r"\b6\s+—", eastern)
    assert "Kherson" in out


def test_terminal_shows_evidence_offsets_dropped_and_footer(seed: Summary) -> None:
    out = _terminal(seed, 120)
    ev = seed.attacks[0].evidence[0]
    assert f"[{ev.start}–{ev.end}]" in out
    assert "Dropped: 1 item not found in the article" in out
    assert "killed=12 is not stated in the evidence" in out
    assert "Dmitry Peskov" in out
    assert "model: gpt-4o-mini" in out


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_terminal_fits_the_width(seed: Summary, width: int) -> None:
    out = _terminal(seed, width)
    assert max(len(line) for line in out.splitlines()) <= width
    assert "Sumy region" in out


def test_terminal_list_layout_keeps_the_date_as_written(seed: Summary) -> None:
    out = " ".join(_terminal(seed, 60).split())  # the list form, lines joined where they wrapped
    assert "1. Sumy region (On Saturday) — drone — a minibus carrying civilians — 9 killed, 5 injured" in out
    assert "2. eastern Ukraine (Later that day) — drone, missile — 6 killed" in out
    assert "3. Kherson — shelling" in out  # no date given, none shown
    assert "2. Crimea (in 2014) — annexed — Russia" in out


def test_terminal_wide_attack_table_adds_the_perpetrator(seed: Summary) -> None:
    out = _terminal(seed, 140)
    table = out[out.index("Attacks (3)") : out.index("Territory (3)")].splitlines()
    assert re.match(r"#\s+Place\s+Weapon\s+Perpetrator\s+Killed\s+Injured\s+When\s+Target", table[1])
    assert re.search(r"eastern Ukraine\s+drone, missile\s+Russian forces\s+6\b", out)
    # Where the perpetrator does not fit, the table goes without it rather than becoming a list.
    narrower = _terminal(seed, 120)
    assert "Perpetrator" not in narrower and re.search(r"#\s+Place\s+Weapon\s+Killed", narrower)


def test_terminal_does_not_interpret_rich_markup_in_model_text() -> None:
    a = Article(text="A [bold red]bracketed[/] passage.")
    s = make_summary(a, headline="[bold]Not markup[/bold]", summary="x [/] y")
    out = _terminal(s, 80)
    assert "[bold]Not markup[/bold]" in out
    assert "x [/] y" in out


# ---------------------------------------------------------------------------
# HTML


def test_html_fragment_has_headline_summary_and_section_tables(seed: Summary) -> None:
    frag = to_html_fragment(seed)
    assert frag.startswith('<div class="smz-root"><style>')
    assert "Trump to call Putin" in frag
    for section in ("diplomacy", "attacks", "territory", "sanctions"):
        assert f'class="smz-table smz-t-{section}"' in frag
    assert "<h3>Dropped: 1 item not found in the article</h3>" in frag


def test_html_escapes_article_and_model_text() -> None:
    text = "Officials said <script>alert('x')</script> & then a drone struck Sumy, killing 2."
    a = Article(text=text)
    s = make_summary(
        a,
        headline="<script>alert(1)</script>",
        summary="<img src=x onerror=alert(1)>",
        attacks=[
            Attack(
                place="<b>Sumy</b>",
                killed=2,
                evidence=[span(a, "<script>alert('x')</script> & then a drone")],
            )
        ],
    )
    for html in (to_html_fragment(s), to_html(s)):
        assert "<script>" not in html
        assert "<img" not in html
        assert "<b>Sumy" not in html
        assert "&lt;script&gt;" in html
    assert read_article_view(to_html_fragment(s)).text == text


def test_every_span_is_inside_a_mark_of_its_section(seed: Summary) -> None:
    view = read_article_view(to_html_fragment(seed))
    assert view.text == seed.article.text
    spans = all_spans(seed)
    assert len(spans) == 28
    for section, s in spans:
        covered = view.chars[s.start : s.end]
        assert all("smz-mark" in cls and f"smz-{section}" in cls for _, cls in covered), (section, s.text)


def test_unmarked_text_is_not_highlighted(seed: Summary) -> None:
    view = read_article_view(to_html_fragment(seed))
    covered = [False] * len(seed.article.text)
    for _, s in all_spans(seed):
        covered[s.start : s.end] = [True] * (s.end - s.start)
    for i, (_, cls) in enumerate(view.chars):
        assert bool(cls) == covered[i], (i, seed.article.text[max(0, i - 20) : i + 20])


def test_mark_offsets_slice_the_article(seed: Summary) -> None:
    view = read_article_view(to_html_fragment(seed))
    for start, end, pos in view.mark_offsets:
        assert start == pos
        assert view.text[start:end] == seed.article.text[start:end]


def test_overlapping_spans_are_split_and_list_every_item() -> None:
    text = "Zelenskyy said: Without stronger sanctions, there will be no real diplomacy. Then more."
    a = Article(text=text)
    s = make_summary(
        a,
        diplomacy=[
            Diplomacy(
                kind="statement",
                actors=["Zelenskyy"],
                what="Zelenskyy called for sanctions.",
                evidence=[span(a, "Zelenskyy said: Without stronger sanctions")],
                quotes=[quote(a, "Zelenskyy", "Without stronger sanctions, there will be no real diplomacy")],
            )
        ],
        sanctions=[
            Sanction(
                actors=["Zelenskyy"],
                target="Russia",
                status="urged",
                what="Urged sanctions.",
                evidence=[span(a, "stronger sanctions")],
            )
        ],
    )
    frag = to_html_fragment(s)
    view = read_article_view(frag)
    assert view.text == text
    # "stronger sanctions" is covered by the evidence, the quote and the sanction: both sections.
    i = text.index("stronger sanctions")
    cls = view.chars[i][1]
    assert {"smz-diplomacy", "smz-sanctions", "smz-multi", "smz-overlap"} <= cls
    # The tooltip of that segment names both items.
    marks = re.findall(r'<mark class="([^"]*)" data-start="(\d+)" data-end="(\d+)" title="([^"]*)"', frag)
    seg = next(m for m in marks if int(m[1]) == i)
    assert "diplomacy #1: statement" in seg[3]
    assert "sanctions #1: urged" in seg[3]
    assert int(seg[2]) == i + len("stronger sanctions")
    # Segments never overlap and are in order.
    bounds = [(int(m[1]), int(m[2])) for m in marks]
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(bounds))
    # Outside the overlap only diplomacy covers the text.
    assert view.chars[text.index(", there")][1] >= {"smz-diplomacy"}
    assert "smz-sanctions" not in view.chars[text.index(", there")][1]


def test_nested_spans_in_one_section() -> None:
    # territory #2 ("Crimea, which Russia annexed in 2014") lies inside territory #3's evidence.
    seed = seed_summary()
    frag = to_html_fragment(seed)
    crimea = seed.territory[1].evidence[0]
    m = re.search(
        rf'<mark class="([^"]*)" data-start="{crimea.start}" data-end="{crimea.end}" title="([^"]*)"', frag
    )
    assert m is not None
    assert "smz-overlap" in m.group(1) and "smz-multi" not in m.group(1)
    assert "territory #2: Crimea" in m.group(2) and "territory #3: five Ukrainian regions" in m.group(2)


def test_hover_title_describes_the_attack(seed: Summary) -> None:
    frag = to_html_fragment(seed)
    assert (
        'title="attacks #1: Sumy region — drone — a minibus carrying civilians — 9 killed, 5 injured"' in frag
    )


def test_legend_has_four_distinct_colours(seed: Summary) -> None:
    frag = to_html_fragment(seed)
    colours = {
        s: re.search(rf"\.smz-{s}\{{background:(#[0-9a-f]{{6}})\}}", frag)
        for s in ("diplomacy", "attacks", "territory", "sanctions")
    }
    assert all(colours.values())
    assert len({m.group(1) for m in colours.values() if m}) == 4
    for title in ("Diplomacy", "Attacks", "Territory", "Sanctions"):
        assert f'smz-swatch smz-{title.lower()}"></span>{title}' in frag


def test_spans_that_do_not_match_the_article_are_not_highlighted() -> None:
    a = Article(text="A drone struck Sumy.")
    bad = span(a, "drone")
    bad = bad.model_copy(update={"start": 50, "end": 55})
    s = make_summary(a, attacks=[Attack(place="Sumy", evidence=[bad])])
    frag = to_html_fragment(s)
    assert "<mark" not in frag
    assert "1 span(s) do not match the article text" in frag


def test_html_fragment_without_evidence_view(seed: Summary) -> None:
    frag = to_html_fragment(seed, evidence_view=False)
    assert "<mark" not in frag
    assert "smz-article" not in frag.split("</style>", 1)[1]


def test_html_has_no_scripts_or_external_resources(seed: Summary) -> None:
    page = to_html(seed)
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(", page)
    assert "http://" not in page and "https://" not in page


def test_standalone_page_has_doctype_and_title(seed: Summary) -> None:
    page = to_html(seed)
    assert page.lower().startswith("<!doctype html>")
    assert f"<title>{seed.headline}</title>" in page
    assert '<meta charset="utf-8">' in page
    assert to_html_fragment(seed) in page


def test_html_null_numbers_are_dashes_not_zero(seed: Summary) -> None:
    frag = to_html_fragment(seed)
    table = frag[frag.index("smz-t-attacks") : frag.index("</table>", frag.index("smz-t-attacks"))]
    eastern_row = table[table.index("eastern Ukraine") :]
    eastern_row = eastern_row[: eastern_row.index("</tr>")]
    cells = re.findall(r'<td class="smz-num">(.*?)</td>', eastern_row)
    assert cells[0] == "6"
    assert "—" in cells[1] and "0" not in cells[1]


def _css_rules(frag: str) -> list[tuple[str, str]]:
    css = frag.split("<style>", 1)[1].split("</style>", 1)[0]
    return re.findall(r"([^{}]+)\{([^{}]*)\}", css)


def test_html_table_cells_wrap_except_numbers(seed: Summary) -> None:
    # An unwrapped evidence cell with many offsets used to take half the width and squeeze the prose.
    nowrap = [sel for sel, body in _css_rules(to_html_fragment(seed)) if "white-space:nowrap" in body]
    assert nowrap
    assert not [sel for sel in nowrap if re.search(r"\btd\b", sel) and "-num" not in sel], nowrap


def test_html_prose_columns_keep_a_readable_width(seed: Summary) -> None:
    frag = to_html_fragment(seed)
    widths = {sel.strip(): body for sel, body in _css_rules(frag) if "min-width" in body}
    assert any(sel.endswith("td.smz-prose") for sel in widths), widths
    table = frag[frag.index("smz-t-diplomacy") : frag.index("</table>", frag.index("smz-t-diplomacy"))]
    header = re.findall(r"<th([^>]*)>([^<]*)</th>", table)
    assert [h for a, h in header if "smz-prose" in a] == ["What", "Quotes"]
    assert [h for a, h in header if "smz-text" in a] == ["Actors"]


def test_html_evidence_offsets_past_four_are_counted_in_a_badge() -> None:
    sentences = [f"Sentence number {n} mentions the talks." for n in range(9)]
    a = Article(text=" ".join(sentences))
    talks = Diplomacy(kind="talks", what="Talks.", evidence=[span(a, t) for t in sentences])
    few = Diplomacy(kind="call", what="A call.", evidence=[span(a, t) for t in sentences[:4]])
    frag = to_html_fragment(make_summary(a, diplomacy=[talks, few]))

    rows = re.findall(r"<tr>(.*?)</tr>", frag[frag.index("smz-t-diplomacy") :], re.S)
    badges = re.findall(r'<span class="smz-off[^"]*" title="([^"]*)">([^<]*)</span>', rows[1])
    shown = [f"{s.start}–{s.end}" for s in talks.evidence[:3]]
    assert [text for _, text in badges] == [*shown, "+6"]
    hidden = talks.evidence[3:]
    assert badges[-1][0].splitlines() == [f"{s.start}–{s.end}: {a.text[s.start : s.end]}" for s in hidden]
    assert len(re.findall(r'class="smz-off"', rows[2])) == 4  # four fit: no "+N"
    assert len(read_article_view(frag).mark_offsets) == 9  # every span is still highlighted


# ---------------------------------------------------------------------------
# describe_item

_EV = [Span(text="x", start=0, end=1)]


@pytest.mark.parametrize(
    ("section", "item", "expected"),
    [
        (
            "attacks",
            Attack(region="Sumy region", weapons=["drone"], killed=9, injured=5, evidence=_EV),
            "attacks #1: Sumy region — drone — 9 killed, 5 injured",
        ),
        ("attacks", Attack(place="Kherson", evidence=_EV), "attacks #1: Kherson"),
        (
            "territory",
            Territory(
                place="Oleksandropil",
                region="Donetsk region",
                claimant="Russian forces",
                status="captured",
                evidence=_EV,
            ),
            "territory #1: Oleksandropil, Donetsk region — captured — Russian forces",
        ),
        (
            "sanctions",
            Sanction(actors=["EU"], target="Russia", status="imposed", what="A new package.", evidence=_EV),
            "sanctions #1: imposed — EU → Russia — A new package.",
        ),
        (
            "diplomacy",
            Diplomacy(
                kind="prisoner_exchange", actors=["Russia", "Ukraine"], what="1,000 each.", evidence=_EV
            ),
            "diplomacy #1: prisoner exchange — Russia, Ukraine — 1,000 each.",
        ),
    ],
)
def test_describe_item(section: str, item: object, expected: str) -> None:
    assert describe_item(section, item, 1) == expected  # type: ignore[arg-type]


def test_an_empty_summary_says_nothing_was_found_in_markdown_and_terminal() -> None:
    from summarizer.render import NOTHING_FOUND

    empty = make_summary("Officials met in Geneva on Monday to discuss the weather and nothing else at all.")
    assert NOTHING_FOUND in to_markdown(empty)
    console = Console(record=True, width=100)
    to_terminal(empty, console)
    assert NOTHING_FOUND in console.export_text()
    assert NOTHING_FOUND not in to_markdown(seed_summary())


# ---------------------------------------------------------------------------
# Analyst fields: resolved dates, gazetteer places, who says so


@pytest.fixture(scope="module")
def dated() -> Summary:
    """The seed published on Sunday 18 May 2025, with its events resolved (dates, places, attribution)."""
    from summarizer.events import enrich

    return enrich(seed_summary(article=seed_article(published="2025-05-18")))


def _analyst_attack(*, attributed: bool = False, **fields: object) -> tuple[Article, Summary]:
    text = "According to <b>officials</b>, a drone killed 9 people in the Sumy region on Saturday."
    a = Article(text=text, published="2025-05-18")
    if attributed:
        fields["attribution"] = span(a, "According to <b>officials</b>")
    attack = Attack(
        region="Sumy region",
        when="on Saturday",
        killed=9,
        evidence=[span(a, "a drone killed 9 people in the Sumy region on Saturday")],
        **fields,  # type: ignore[arg-type]
    )
    return a, make_summary(a, attacks=[attack])


_FULL = {
    "date": "2025-05-17",
    "date_precision": "day",
    "admin1": "Sumska oblast",
    "country": "Ukraine",
    "latitude": 50.91741,
    "longitude": 34.79906,
    "geo_precision": "region",
    "claim": "reported",
}


def test_markdown_lists_each_attack_with_its_date_place_coordinates_and_source() -> None:
    _, s = _analyst_attack(attributed=True, **_FULL)
    md = to_markdown(s)
    assert "Dates, places and sources:" in md
    assert (
        "- **1. Sumy region** — 2025-05-17 (day) · Sumska oblast, Ukraine · 50.9174, 34.7991 (region only)"
        " · reported: “According to \\<b\\>officials\\</b\\>”" in md
    )
    assert "<b>" not in md


def test_an_item_without_analyst_fields_shows_none_of_them() -> None:
    _, s = _analyst_attack()
    for text in (to_markdown(s), _terminal(s, 120), _terminal(s, 60), to_html_fragment(s)):
        assert "Dates, places and sources" not in text
        assert "Gazetteer / source" not in text
        for word in ("None", "null", "reported", "(day)", "oblast"):
            assert word not in text


def test_only_the_known_analyst_fields_are_shown() -> None:
    _, s = _analyst_attack(country="Ukraine", date="2025-05-17", date_precision="day")
    md = to_markdown(s)
    assert "- **1. Sumy region** — 2025-05-17 (day) · Ukraine\n" in md
    assert "reported" not in md and "claimed" not in md  # no attribution, no claim: nothing guessed
    assert "only)" not in md and "(town)" not in md  # no coordinates


@pytest.mark.parametrize(
    ("iso", "precision", "shown"),
    [
        ("2025-05-17", "day", "2025-05-17 (day)"),
        ("2025-05-12", "week", "week of 2025-05-12"),
        ("2025-05-01", "month", "2025-05 (month)"),  # never read as the first of May
        ("2014-01-01", "year", "2014 (year)"),
    ],
)
def test_a_resolved_date_is_shown_to_its_precision(iso: str, precision: str, shown: str) -> None:
    _, s = _analyst_attack(date=iso, date_precision=precision)
    assert f"- **1. Sumy region** — {shown}\n" in to_markdown(s)
    assert shown in " ".join(_terminal(s, 120).split())
    assert shown in to_html_fragment(s)


def test_the_seed_reads_as_an_analyst_would_code_it_in_markdown(dated: Summary) -> None:
    md = to_markdown(dated)
    analyst = [line for line in md.splitlines() if line.startswith("- **") and ". " in line.split("**")[1]]
    sumy = next(line for line in analyst if "Sumy region" in line)
    assert "2025-05-17 (day)" in sumy  # "On Saturday" in a Sunday paper
    assert "Sumska oblast, Ukraine" in sumy
    assert "reported: “According to officials”" in sumy
    oleksandropil = next(line for line in analyst if "Oleksandropil" in line)
    assert "Donetska oblast, Ukraine" in oleksandropil
    assert "claimed: “Russian forces said”" in oleksandropil
    crimea = next(line for line in analyst if "Crimea" in line)
    assert "2014 (year)" in crimea
    # "Later that day" names no date: the eastern attack shows its country and nothing dated
    eastern = next(line for line in analyst if "eastern Ukraine" in line)
    assert eastern.endswith("— Ukraine")
    # diplomacy keeps the date as written, with the resolved one beside it
    assert "- **talks** — Russia, Ukraine (On Friday · 2025-05-16, day):" in md


def test_the_terminal_table_shows_the_analyst_line_before_the_evidence(dated: Summary) -> None:
    out = _terminal(dated, 120)
    attacks = " ".join(out[out.index("Attacks (3)") : out.index("Territory (3)")].split())
    attribution = dated.attacks[0].attribution
    assert attribution is not None
    assert (
        f"1 2025-05-17 (day) · Sumska oblast, Ukraine · {dated.attacks[0].latitude:.4f}, "
        f"{dated.attacks[0].longitude:.4f} (region only) · reported: “According to officials” "
        f"[{attribution.start}–{attribution.end}] 1 [{dated.attacks[0].evidence[0].start}–" in attacks
    )


def test_the_terminal_list_shows_the_analyst_line_under_the_item(dated: Summary) -> None:
    out = " ".join(_terminal(dated, 60).split())
    assert "1. Oleksandropil, Donetsk region — captured — Russian forces Donetska oblast, Ukraine · claimed: “Russian forces said” [" in out
    assert "2. Crimea (in 2014) — annexed — Russia 2014 (year) [" in out


@pytest.mark.parametrize("width", [40, 60, 80, 120, 160])
def test_terminal_with_analyst_fields_fits_the_width(dated: Summary, width: int) -> None:
    out = _terminal(dated, width)
    assert max(len(line) for line in out.splitlines()) <= width
    assert "Sumska oblast" in " ".join(out.split())


def _row(frag: str, section: str, needle: str) -> str:
    table = frag[frag.index(f"smz-t-{section}") : frag.index("</table>", frag.index(f"smz-t-{section}"))]
    return next(r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if needle in r)


def test_html_shows_the_resolved_date_under_the_written_one_and_a_gazetteer_column(dated: Summary) -> None:
    frag = to_html_fragment(dated)
    sumy = _row(frag, "attacks", "Sumy region")
    assert 'On Saturday<br><span class="smz-date">2025-05-17 (day)</span>' in sumy
    attribution = dated.attacks[0].attribution
    assert attribution is not None
    assert '<span class="smz-geo">Sumska oblast, Ukraine</span>' in sumy
    assert '(region only)</span>' in sumy
    assert (
        '<span class="smz-source">reported: “According to officials”</span> '
        f'<span class="smz-off" title="According to officials">{attribution.start}–{attribution.end}</span>'
    ) in sumy
    oleksandropil = _row(frag, "territory", "Oleksandropil")
    assert "claimed: “Russian forces said”" in oleksandropil
    assert "<th class=\"smz-text\">Gazetteer / source</th>" in frag
    # without analyst fields the column is left out
    assert "Gazetteer / source" not in to_html_fragment(seed_summary())


def test_html_escapes_the_attribution_and_places() -> None:
    text = 'Officials <img src=x onerror=alert(1)> said a drone killed 9 people in Sumy.'
    a = Article(text=text)
    hostile = span(a, "Officials <img src=x onerror=alert(1)> said")
    attack = Attack(
        place="Sumy",
        killed=9,
        admin1="<i>Sumska</i>",
        country="Ukraine & co",
        attribution=hostile,
        claim="reported",
        evidence=[span(a, "a drone killed 9 people in Sumy")],
    )
    s = make_summary(a, attacks=[attack])
    frag = to_html_fragment(s)
    assert "<img" not in frag and "<i>Sumska" not in frag
    assert "reported: “Officials &lt;img src=x onerror=alert(1)&gt; said”" in frag
    assert "&lt;i&gt;Sumska&lt;/i&gt;, Ukraine &amp; co" in frag
    md = to_markdown(s)
    assert "reported: “Officials \\<img src=x onerror=alert(1)\\> said”" in md
    assert_link_safe(md)  # a CommonMark renderer shows the tags as text


def test_the_evidence_view_highlights_each_attribution_with_its_claim(dated: Summary) -> None:
    view = read_article_view(to_html_fragment(dated))
    assert view.text == dated.article.text
    for item in [*dated.attacks, *dated.territory]:
        if item.attribution is None:
            continue
        a = item.attribution
        section = "attacks" if isinstance(item, Attack) else "territory"
        assert all(f"smz-{section}" in classes for _, classes in view.chars[a.start : a.end])
        assert any(f"(source, {item.claim})" in title for title in view.titles)
    sumy = dated.attacks[0].attribution
    assert sumy is not None and dated.article.text[sumy.start : sumy.end] == "According to officials"
    assert any(start == sumy.start for start, _, _ in view.mark_offsets)


def test_the_notebook_displays_show_the_analyst_fields(dated: Summary) -> None:
    assert "Sumska oblast, Ukraine" in dated._repr_markdown_()
    html = dated._repr_html_()
    html = html if isinstance(html, str) else html[0]
    assert '<span class="smz-geo">Sumska oblast, Ukraine</span>' in html
