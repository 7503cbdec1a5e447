"""Similar districts: z-scores, Euclidean distance, 15 nearest (fixtures and the real store)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.similar import CHARACTERISTICS, N_SIMILAR, district_characteristics, nearest_districts
from pipeline.steps.similar import similar_comparison, similar_group_rows


def test_distance_hand_checked_on_three_districts():
    # a: mean 1, population sd sqrt(2/3) -> z = -1.2247, 0, 1.2247
    # b: mean 1, population sd sqrt(2)   -> z = -0.7071, -0.7071, 1.4142
    features = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [0.0, 0.0, 3.0]},
                            index=["D1", "D2", "D3"])
    out = nearest_districts(features, n=2).set_index(["district_code", "similar_code"])
    assert out.loc[("D1", "D2"), "distance"] == pytest.approx(math.sqrt(1.5))  # 1.5 + 0
    assert out.loc[("D1", "D3"), "distance"] == pytest.approx(math.sqrt(10.5))  # 6 + 4.5
    assert out.loc[("D2", "D3"), "distance"] == pytest.approx(math.sqrt(6.0))  # 1.5 + 4.5
    assert out.loc[("D3", "D2"), "rank"] == 1 and out.loc[("D3", "D1"), "rank"] == 2


def test_never_itself_distinct_and_deterministic_with_ties_to_the_lower_code():
    rng = np.random.default_rng(7)
    features = pd.DataFrame(rng.normal(size=(40, 5)),
                            index=[f"E07{i:06d}" for i in range(40)][::-1])
    features.iloc[5] = features.iloc[6]  # two identical districts: a tie for everyone else
    out = nearest_districts(features)
    assert len(out) == 40 * N_SIMILAR
    for code, group in out.groupby("district_code"):
        assert code not in set(group["similar_code"])
        assert group["similar_code"].nunique() == N_SIMILAR
        assert group["rank"].tolist() == list(range(1, N_SIMILAR + 1))
        assert group["distance"].is_monotonic_increasing
    pd.testing.assert_frame_equal(out, nearest_districts(features.sample(frac=1, random_state=1)))
    twins = sorted(features.index[[5, 6]])
    other = out[~out["district_code"].isin(twins) & out["similar_code"].isin(twins)]
    for _, group in other.groupby("district_code"):
        if len(group) == 2:
            assert group.sort_values("rank")["similar_code"].tolist() == twins


def test_missing_or_too_few_districts_refused():
    with pytest.raises(ValueError, match="missing"):
        nearest_districts(pd.DataFrame({"a": [1.0, np.nan, 2.0]}), n=1)
    with pytest.raises(ValueError, match="need more than"):
        nearest_districts(pd.DataFrame({"a": [1.0, 2.0]}), n=2)


def _lad(code, indicator, value, numerator=np.nan, denominator=np.nan, period="2021"):
    return {"area_code": code, "area_type": "LAD", "indicator_id": indicator, "period": period,
            "category": "", "value": value, "numerator": numerator, "denominator": denominator,
            "lower_ci": np.nan, "upper_ci": np.nan, "unit": "%", "flag": "", "source": "s"}


CATALOGUE = pd.DataFrame({"id": ["share", "population_total"],
                          "aggregation": ["ratio", "sum"], "method": ["ratio", "count"],
                          "multiplier": [100.0, 1.0], "ci": ["wilson", "none"]})


def test_group_adds_numerators_and_the_area_is_ranked_among_the_group():
    store = pd.DataFrame([_lad("A", "share", 10.0, 10, 100), _lad("B", "share", 30.0, 60, 200),
                          _lad("C", "share", 20.0, 20, 100), _lad("X", "share", 25.0, 25, 100)])
    group = pd.DataFrame({"similar_code": ["A", "B", "C"]})
    rows = similar_group_rows(store, CATALOGUE, group, "similar-X")
    row = rows.iloc[0]
    assert row["value"] == pytest.approx(90 / 400 * 100)  # not the mean of 10, 30, 20
    assert row["lower_ci"] < row["value"] < row["upper_ci"]
    table = pd.DataFrame({"indicator_id": ["share"], "period": ["2021"], "value": [25.0]})
    out = similar_comparison(table, store, rows, group).iloc[0]
    assert out["similar_value"] == pytest.approx(22.5)
    assert (out["similar_rank"], out["similar_count"]) == (2, 4)  # only B (30) is higher


# ------------------------------------------------------------------ the real store


@pytest.mark.slow
def test_real_districts_have_fifteen_similar_districts(ingested):
    store = ingested["result"].store
    features = district_characteristics(store)
    assert len(features) == 317 and list(features.columns) == [i for i, _ in CHARACTERISTICS]
    out = nearest_districts(features)
    county = [d.code for d in ingested["config"].districts]
    pairs = set(zip(out["district_code"], out["similar_code"]))
    mutual = np.mean([(b, a) in pairs for a, b in pairs])
    assert mutual > 0.5  # nearness is not symmetric, but mostly is
    for code in county:
        mine = out[out["district_code"] == code]
        assert len(mine) == N_SIMILAR and code not in set(mine["similar_code"])
        assert mine["similar_code"].str.startswith("E0").all()


@pytest.mark.slow
def test_ingest_writes_the_similar_districts_once(ingested):
    from pipeline import datasets

    written = datasets.load("similar_districts", ingested["out"])
    pd.testing.assert_frame_equal(written, ingested["result"].similar.reset_index(drop=True))
    assert len(written) == 317 * N_SIMILAR
    melton = written[written["district_code"] == "E07000133"]
    assert melton["similar_name"].iloc[0] == "Maldon" and melton["district_name"].iloc[0] == "Melton"
