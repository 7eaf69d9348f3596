from __future__ import annotations

import sys

import pytest

from summarizer.schema import Article, Summary
from summarizer.tables import COLUMNS, results_to_dataframe, to_dataframe, to_records
from factories import make_summary, seed_summary


@pytest.fixture(scope="module")
def seed() -> Summary:
    return seed_summary()


def test_records_have_one_row_per_item_in_section_order(seed: Summary) -> None:
    rows = to_records(seed)
    assert len(rows) == len(seed.items()) == 16
    assert [(r["section"], r["index"]) for r in rows] == [
        (section, i)
        for section in ("diplomacy", "attacks", "territory", "sanctions")
        for i in range(len(getattr(seed, section)))
    ]


def test_record_index_points_back_at_the_item(seed: Summary) -> None:
    for row in to_records(seed):
        item = getattr(seed, row["section"])[row["index"]]
        assert row["evidence"] == " … ".join(s.text for s in item.evidence)


def test_record_offsets_slice_back_to_the_evidence(seed: Summary) -> None:
    text = seed.article.text
    for row in to_records(seed):
        pieces = [text[start:end] for start, end in row["evidence_offsets"]]
        assert " … ".join(pieces) == row["evidence"]


def test_attack_record_fields(seed: Summary) -> None:
    sumy, eastern, _ = (r for r in to_records(seed) if r["section"] == "attacks")
    assert sumy["region"] == "Sumy region"
    assert sumy["weapons"] == "drone"
    assert (sumy["killed"], sumy["injured"], sumy["civilians"]) == (9, 5, True)
    assert eastern["weapons"] == "drone; missile"
    assert eastern["injured"] is None
    assert sumy["article_id"] == "ukraine-istanbul-talks"
    assert sumy["content_hash"] == seed.article.content_hash
    assert sumy["headline"] == seed.headline


def test_diplomacy_record_joins_actors_and_quotes(seed: Summary) -> None:
    first = to_records(seed)[0]
    assert first["actors"] == "Donald Trump; Vladimir Putin"
    assert first["quotes"] == "Dmitry Peskov: The call was being prepared"
    assert first["kind"] == "call"
    assert "killed" not in first


def test_records_contain_only_scalars_and_offsets(seed: Summary) -> None:
    for row in to_records(seed):
        assert list(row) == [c for c in COLUMNS if c in row]
        for key, value in row.items():
            if key == "evidence_offsets":
                assert all(isinstance(o, tuple) and len(o) == 2 for o in value)
            else:
                assert value is None or isinstance(value, (str, int, bool)), key


def test_summary_without_items_has_no_records() -> None:
    assert to_records(make_summary(Article(text="Nothing happened."))) == []


def test_to_dataframe_keeps_null_numbers_missing(seed: Summary) -> None:
    df = to_dataframe(seed)
    assert list(df.columns) == COLUMNS
    assert len(df) == 16
    attacks = df[df["section"] == "attacks"]
    assert attacks["killed"].tolist()[:2] == [9, 6]
    assert str(attacks["injured"].dtype) == "Int64"
    assert attacks["injured"].isna().tolist() == [False, True, True]
    assert int(attacks["killed"].sum()) == 15


def test_results_to_dataframe_concatenates_summaries(seed: Summary) -> None:
    other = make_summary(Article(text="A drone struck Sumy.", id="other"))
    other = other.model_copy(update={"attacks": seed.attacks[:1]})
    df = results_to_dataframe(iter([seed, other]))
    assert len(df) == 17
    assert df["article_id"].tolist().count("other") == 1


def test_results_to_dataframe_of_nothing_has_the_columns() -> None:
    df = results_to_dataframe([])
    assert df.empty
    assert list(df.columns) == COLUMNS


def test_missing_pandas_gives_an_install_hint(seed: Summary, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` raise ImportError
    with pytest.raises(ImportError, match=r"pip install pandas"):
        to_dataframe(seed)
    with pytest.raises(ImportError, match="pandas is needed for DataFrames"):
        results_to_dataframe([seed])
    assert len(to_records(seed)) == 16  # records never need pandas
