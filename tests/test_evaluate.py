"""The evaluation harness: matching, recall/precision, numeric accuracy, loading."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.evaluate import GoldFile, evaluate, index_results, load_gold, score
from summarizer.results import load_results
from summarizer.schema import Article, Attack, Diplomacy, Meta, Sanction, Span, Summary, Territory

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "A Russian drone struck a bus in Ukraine's Sumy region, killing nine people. "
    "Shelling hit Kherson. Russian forces captured Oleksandropil. "
    "Zelenskyy urged new sanctions. Both sides agreed to exchange 1,000 prisoners each."
)
ARTICLE = Article(text=TEXT, id="mini")


def span(text: str) -> Span:
    start = TEXT.index(text)
    return Span(text=text, start=start, end=start + len(text))


def summary(**sections: list) -> Summary:  # type: ignore[type-arg]
    return Summary(
        headline="h",
        summary="s",
        article=ARTICLE,
        meta=Meta(backend="extractive", content_hash=ARTICLE.content_hash),
        **sections,
    )


def attack(place: str | None = None, region: str | None = None, weapons: list[str] | None = None,
           killed: int | None = None, injured: int | None = None, ev: str = "Shelling hit Kherson.") -> Attack:
    return Attack(place=place, region=region, weapons=weapons or [], killed=killed, injured=injured, evidence=[span(ev)])


def gold(complete: bool = True, **facts: list) -> GoldFile:  # type: ignore[type-arg]
    return GoldFile.from_dict({"article": "mini.txt", "complete": complete, **facts}, ARTICLE)


# ---------------------------------------------------------------------------
# Recall, precision, numeric accuracy


def test_recall_and_precision_count_matches_and_false_positives() -> None:
    g = gold(attacks=[{"place": "Sumy"}, {"place": "Kherson"}, {"place": "Kharkiv"}])
    s = summary(attacks=[attack(region="Sumy region"), attack(place="Kherson"), attack(place="Dnipro"), attack(place="Odesa")])
    sc = score(g, s).sections["attacks"]
    assert (sc.gold, sc.predicted, sc.matched) == (3, 4, 2)
    assert sc.recall == pytest.approx(2 / 3)
    assert sc.precision == pytest.approx(2 / 4)


def test_unmatched_items_are_not_false_positives_when_gold_is_incomplete() -> None:
    g = gold(complete=False, attacks=[{"place": "Kherson"}])
    s = summary(attacks=[attack(place="Kherson"), attack(place="Dnipro")])
    r = score(g, s)
    assert r.sections["attacks"].recall == 1.0
    assert r.sections["attacks"].precision is None  # no complete file: precision unknown
    assert r.extra == []


def test_each_gold_fact_matches_at_most_one_item() -> None:
    g = gold(attacks=[{"place": "Kherson"}])
    s = summary(attacks=[attack(place="Kherson"), attack(place="Kherson")])
    sc = score(g, s).sections["attacks"]
    assert (sc.matched, sc.predicted) == (1, 2)
    assert sc.precision == 0.5


def test_matching_is_maximal_not_greedy() -> None:
    # the first fact could take either item; a greedy matcher would strand the second fact
    g = gold(attacks=[{"place": "Kherson"}, {"place": "Kherson", "weapon": "drone"}])
    s = summary(attacks=[attack(place="Kherson", weapons=["drone"]), attack(place="Kherson city", weapons=["shelling"])])
    assert score(g, s).sections["attacks"].matched == 2


def test_numeric_accuracy_over_matched_attacks_that_give_a_number() -> None:
    g = gold(
        attacks=[
            {"place": "Sumy", "killed": 9, "injured": 5},  # killed right, injured wrong
            {"place": "Kherson", "injured": None},  # explicit null: item must be null too
            {"place": "Kharkiv", "killed": 3},  # not matched: not scored
            {"place": "Dnipro"},  # no numbers given: not scored
        ]
    )
    s = summary(
        attacks=[
            attack(place="Sumy", killed=9, injured=12),
            attack(place="Kherson", injured=None),
            attack(place="Dnipro", killed=4),
        ]
    )
    r = score(g, s)
    assert r.numeric == {"killed": [1, 1], "injured": [1, 2]}
    report = evaluate_report([r])
    assert report.numeric_accuracy() == pytest.approx(2 / 3)
    assert report.numeric_accuracy("injured") == pytest.approx(1 / 2)


def _said(words: str) -> Span:
    """An attribution span (scoring reads its words; the offsets are not checked)."""
    return Span(text=words, start=0, end=len(words))


def test_attribution_and_claim_accuracy_over_matched_items_that_give_them() -> None:
    g = gold(
        attacks=[
            {"place": "Sumy", "attribution": "regional governor", "claim": "reported"},  # both right
            {"place": "Kherson", "attribution": "Syniehubov", "claim": "claimed"},  # source right, kind wrong
            {"place": "Dnipro", "attribution": None, "claim": None},  # nothing named: item must have none
            {"place": "Odesa", "attribution": "officials"},  # a source found where gold has another
        ],
        territory=[{"place": "Oleksandropil", "attribution": "Russian forces", "claim": "claimed"}],
    )
    s = summary(
        attacks=[
            attack(place="Sumy").model_copy(
                update={"attribution": _said("the Regional  Governor said"), "claim": "reported"}),
            attack(place="Kherson").model_copy(
                update={"attribution": _said("governor Oleh Syniehubov said"), "claim": "reported"}),
            attack(place="Dnipro").model_copy(update={"attribution": _said("police said"), "claim": "reported"}),
            attack(place="Odesa").model_copy(update={"attribution": _said("the navy said"), "claim": "claimed"}),
        ],
        territory=[
            Territory(place="Oleksandropil", claimant="Russian forces", status="captured",
                      attribution=_said("Russian forces said"), claim="claimed", evidence=[span("Russian forces captured Oleksandropil.")]),
        ],
    )
    r = score(g, s)
    assert r.analyst["attribution"] == [3, 5]  # Sumy, Kherson, Oleksandropil
    assert r.analyst["claim"] == [2, 4]  # Sumy, Oleksandropil
    assert 'attacks: place=Dnipro, attribution=None, claim=None: attribution="police said"' in r.analyst_errors
    assert "attacks: place=Kherson, attribution=Syniehubov, claim=claimed: claim=reported" in r.analyst_errors
    report = evaluate_report([r])
    assert report.analyst_accuracy("attribution") == pytest.approx(3 / 5)
    assert report.analyst_accuracy("claim") == pytest.approx(2 / 4)


def test_a_gold_attribution_is_not_matched_by_an_item_without_one() -> None:
    g = gold(attacks=[{"place": "Sumy", "attribution": "officials"}])
    r = score(g, summary(attacks=[attack(place="Sumy")]))
    assert r.analyst["attribution"] == [0, 1]
    assert r.analyst_errors == ["attacks: place=Sumy, attribution=officials: attribution=None"]


def test_reports_show_attribution_and_claim_accuracy_beside_date_and_admin1() -> None:
    g = gold(attacks=[{"place": "Sumy", "date": None, "attribution": "officials", "claim": "reported"}])
    item = attack(place="Sumy").model_copy(update={"attribution": _said("officials said"), "claim": "reported"})
    r = evaluate_report([score(g, summary(attacks=[item]))])
    table = r.to_table()
    assert "date accuracy: 100% (1/1)" in table
    assert "admin1 accuracy: n/a (0/0)" in table
    assert "attribution accuracy: 100% (1/1)" in table
    assert "claim accuracy: 100% (1/1)" in table
    assert "| attribution accuracy | 100% (1/1) |" in r.to_markdown()
    assert json.loads(r.to_json())["analyst_accuracy"]["attribution"] == 1.0


def evaluate_report(articles):  # type: ignore[no-untyped-def]
    from summarizer.evaluate import EvalReport

    return EvalReport(articles=articles)


def test_grounding_rate_counts_spans_that_slice_back() -> None:
    bad = Span(text="Shelling hit Odesa.", start=0, end=19)
    s = summary(attacks=[attack(place="Kherson"), Attack(place="Odesa", evidence=[bad])])
    r = score(gold(), s)
    assert r.spans == [1, 2]
    assert evaluate_report([r]).grounding_rate == 0.5


# ---------------------------------------------------------------------------
# Tolerant matching


@pytest.mark.parametrize(
    ("gold_place", "item_place", "item_region", "ok"),
    [
        ("Sumy", None, "Sumy region", True),
        ("Sumy Oblast", None, "Sumy region", True),
        ("sumy", "Sumy", None, True),
        ("Zaporizhzhia", "Zaporizhzhia city", None, True),
        ("Kyiv", "Kiev", None, True),
        ("Bilhorod-Dnistrovskyi", "Bílhorod-Dnistrovskyi", None, True),  # diacritics ignored
        ("Sumy", "Kharkiv", "Kharkiv region", False),
        ("Donetsk region", "Luhansk region", None, False),  # "region" alone is not a match
    ],
)
def test_place_matching_is_tolerant(gold_place: str, item_place: str | None, item_region: str | None, ok: bool) -> None:
    g = gold(attacks=[{"place": gold_place}])
    s = summary(attacks=[attack(place=item_place, region=item_region)])
    assert score(g, s).sections["attacks"].matched == int(ok)


def test_weapon_must_be_among_the_items_weapons() -> None:
    g = gold(attacks=[{"place": "Sumy", "weapon": "drone"}])
    assert score(g, summary(attacks=[attack(place="Sumy", weapons=["missile", "drone"])])).sections["attacks"].matched == 1
    assert score(g, summary(attacks=[attack(place="Sumy", weapons=["missile"])])).sections["attacks"].matched == 0


def test_diplomacy_kind_alternatives_actor_aliases_and_contains() -> None:
    d = Diplomacy(
        kind="prisoner_exchange",
        actors=["Russian officials", "Kyiv"],
        what="swap",
        evidence=[span("Both sides agreed to exchange 1,000 prisoners each.")],
    )
    ok = gold(diplomacy=[{"kind": ["agreement", "prisoner_exchange"], "actors": ["Russia", "Ukraine"], "contains": "1,000  prisoners"}])
    assert score(ok, summary(diplomacy=[d])).sections["diplomacy"].matched == 1
    wrong_kind = gold(diplomacy=[{"kind": "talks"}])
    assert score(wrong_kind, summary(diplomacy=[d])).sections["diplomacy"].matched == 0
    wrong_text = gold(diplomacy=[{"kind": "prisoner_exchange", "contains": "2,000"}])
    assert score(wrong_text, summary(diplomacy=[d])).sections["diplomacy"].matched == 0


def test_territory_needs_status_place_and_claimant() -> None:
    t = Territory(place="Oleksandropil village", claimant="Russian forces", status="captured",
                  evidence=[span("Russian forces captured Oleksandropil.")])
    assert score(gold(territory=[{"place": "Oleksandropil", "claimant": "Russia", "status": "captured"}]), summary(territory=[t])).sections["territory"].matched == 1
    assert score(gold(territory=[{"place": "Oleksandropil", "status": "claimed"}]), summary(territory=[t])).sections["territory"].matched == 0
    assert score(gold(territory=[{"place": "Oleksandropil", "claimant": "Ukraine"}]), summary(territory=[t])).sections["territory"].matched == 0


def test_sanctions_match_on_status_actor_and_target() -> None:
    s = Sanction(actors=["Volodymyr Zelensky"], target="Moscow", status="urged", what="w",
                 evidence=[span("Zelenskyy urged new sanctions.")])
    g = gold(sanctions=[{"actors": ["Zelenskyy"], "target": "Russia", "status": "urged"}])
    assert score(g, summary(sanctions=[s])).sections["sanctions"].matched == 1
    g2 = gold(sanctions=[{"actors": ["Zelenskyy"], "status": "imposed"}])
    assert score(g2, summary(sanctions=[s])).sections["sanctions"].matched == 0


# ---------------------------------------------------------------------------
# Gold files, stored results, reports


def test_gold_with_unknown_keys_is_rejected() -> None:
    with pytest.raises(InputError, match="unknown keys: attack"):
        GoldFile.from_dict({"article": "x", "attack": []}, ARTICLE)


def test_load_gold_resolves_article_paths(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "a.yaml").write_text("article: seeds/a.txt\ncomplete: true\nattacks:\n  - {place: Kherson}\n")
    [g] = load_gold(tmp_path / "gold")
    assert g.name == "a" and g.complete and g.article.text == TEXT
    assert g.facts["attacks"] == [{"place": "Kherson"}]


def test_load_gold_missing_article_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("article: nowhere.txt\n")
    with pytest.raises(InputError, match="was not found"):
        load_gold(tmp_path)


def test_evaluate_stored_results_from_jsonl(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "mini.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "seeds" / "other.txt").write_text("Nothing here.", encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "mini.yaml").write_text("article: seeds/mini.txt\ncomplete: true\nattacks:\n  - {place: Kherson}\n")
    (tmp_path / "gold" / "other.yaml").write_text("article: seeds/other.txt\ncomplete: true\n")
    results = tmp_path / "results.jsonl"
    results.write_text(summary(attacks=[attack(place="Kherson")]).model_dump_json() + "\n\n")
    loaded = load_results(results)
    assert ARTICLE.content_hash in index_results(loaded)
    report = evaluate(tmp_path / "gold", results=loaded)
    assert report.missing == ["other"]
    assert report.section("attacks").recall == 1.0
    assert report.overall.precision == 1.0
    assert report.label == "extractive"


def test_batch_output_with_ids_and_error_records_can_be_scored(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "mini.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "mini.yaml").write_text("article: seeds/mini.txt\ncomplete: true\nattacks:\n  - {place: Kherson}\n")
    line = json.dumps({"id": "mini", "url": None, "source": "seeds/mini.txt", **json.loads(summary(attacks=[attack(place="Kherson")]).model_dump_json())})
    error = json.dumps({"id": "x", "url": None, "source": "feed.xml#2", "error": "HTTP 500"})
    (tmp_path / "out.jsonl").write_text(line + "\n" + error + "\n", encoding="utf-8")
    report = evaluate(tmp_path / "gold", results=load_results(tmp_path / "out.jsonl"))
    assert report.missing == [] and report.section("attacks").recall == 1.0


def test_reports_render_as_text_and_markdown() -> None:
    g = gold(attacks=[{"place": "Kherson", "killed": 2}])
    r = evaluate_report([score(g, summary(attacks=[attack(place="Kherson", killed=2)]))])
    table = r.to_table()
    assert "attacks" in table and "100%" in table and "grounding rate: 100% (1/1 spans)" in table
    md = r.to_markdown()
    assert md.startswith("| section") and "| **overall** | 1 | 1 | 1 | 100% | 100% |" in md
    assert '"recall": 1.0' in r.to_json()


def test_evaluate_runs_the_extractive_backend_on_the_repository_gold() -> None:
    report = evaluate(ROOT / "gold")
    assert report.label == "extractive"
    assert len(report.articles) >= 9
    assert report.grounding_rate == 1.0
    # the seed article's facts are all found
    seed = next(a for a in report.articles if a.name == "ukraine-istanbul-talks")
    for section in ("attacks", "territory", "sanctions"):
        assert seed.sections[section].recall == 1.0
    assert report.overall.recall is not None and report.overall.recall >= 0.8
    # the gold files give the source of every toll and territorial claim that names one
    assert sum(a.analyst["attribution"][1] for a in report.articles) >= 15
    assert (report.analyst_accuracy("attribution") or 0) >= 0.8
    assert (report.analyst_accuracy("claim") or 0) >= 0.8
