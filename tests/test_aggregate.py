"""Aggregation on hand-built fixtures: rates add numerators and denominators, scores are weighted."""

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate import aggregate, sum_observations

CATALOGUE = pd.DataFrame({
    "id": ["burglary_rate", "imd_score", "imd_rank", "pct_no_car"],
    "aggregation": ["ratio", "pop_weighted_mean", "none", "ratio"],
    "method": ["annual_rate", "value", "value", "ratio"],
    "multiplier": [1000.0, 1.0, 1.0, 100.0],
    "ci": ["byar", "none", "none", "wilson"],
})


def _rows(records):
    df = pd.DataFrame(records, columns=["area_code", "indicator_id", "value", "numerator",
                                        "denominator"])
    df["area_type"] = "LSOA11"
    df["period"] = "2021"
    df["category"] = ""
    df["lower_ci"] = np.nan
    df["upper_ci"] = np.nan
    df["unit"] = "u"
    df["flag"] = ""
    df["source"] = "s"
    return df


MEMBERS = pd.DataFrame({"area_code": ["G", "G"], "lsoa_code": ["L1", "L2"]})
WEIGHTS = pd.Series({"L1": 1000.0, "L2": 3000.0})


def test_rate_over_two_lsoas_is_summed_numerator_over_summed_denominator():
    rows = _rows([("L1", "burglary_rate", 10.0, 10, 1000), ("L2", "burglary_rate", 1.0, 3, 3000)])
    out = aggregate(rows, MEMBERS, CATALOGUE, WEIGHTS, area_type="LOCALITY").iloc[0]
    assert out["numerator"] == 13 and out["denominator"] == 4000
    assert out["value"] == pytest.approx(3.25)  # not the mean of the rates (5.5)
    assert out["lower_ci"] < 3.25 < out["upper_ci"]


def test_scores_are_population_weighted():
    rows = _rows([("L1", "imd_score", 40.0, np.nan, np.nan), ("L2", "imd_score", 8.0, np.nan, np.nan)])
    out = aggregate(rows, MEMBERS, CATALOGUE, WEIGHTS, area_type="LAD").iloc[0]
    assert out["value"] == pytest.approx((40 * 1000 + 8 * 3000) / 4000)


def test_ranks_are_not_aggregated():
    rows = _rows([("L1", "imd_rank", 5.0, np.nan, np.nan), ("L2", "imd_rank", 9.0, np.nan, np.nan)])
    assert aggregate(rows, MEMBERS, CATALOGUE, WEIGHTS, area_type="LAD").empty


def test_incomplete_group_is_missing_and_flagged():
    rows = _rows([("L1", "pct_no_car", 10.0, 10, 100)])
    out = aggregate(rows, MEMBERS, CATALOGUE, WEIGHTS, area_type="LAD").iloc[0]
    assert np.isnan(out["value"]) and out["flag"] == "[x]"


def test_estimated_member_flags_the_aggregate():
    rows = _rows([("L1", "pct_no_car", 10.0, 10, 100), ("L2", "pct_no_car", 20.0, 40, 200)])
    rows.loc[1, "flag"] = "[e]"
    out = aggregate(rows, MEMBERS, CATALOGUE, WEIGHTS, area_type="LAD").iloc[0]
    assert out["value"] == pytest.approx(50 / 300 * 100) and out["flag"] == "[e]"


# ------------------------------------------------------------- sum_observations (national files)

def _observations(records, area_type="LSOA11"):
    df = pd.DataFrame(records, columns=["area_code", "category", "value", "flag"])
    return df.assign(area_type=area_type, variable="population", period="2020", source="f.csv")[
        ["area_code", "area_type", "variable", "period", "category", "value", "flag", "source"]]


def _membership(rows):
    return pd.DataFrame(rows, columns=["vintage", "lsoa_code", "area_code", "area_type",
                                       "estimated"])


def test_sum_observations_adds_counts_over_every_area_an_lsoa_belongs_to():
    obs = _observations([("L1", "", 10.0, ""), ("L1", "age:0", 4.0, ""),
                         ("L2", "", 30.0, ""), ("L2", "age:0", 6.0, ""),
                         ("L3", "", 99.0, "")])  # L3 belongs to no area: left out
    members = _membership([("LSOA11", "L1", "D1", "LAD", False),
                           ("LSOA11", "L2", "D2", "LAD", True),
                           ("LSOA11", "L1", "E", "ENG", False),
                           ("LSOA11", "L2", "E", "ENG", False),
                           ("LSOA21", "L1", "X", "LAD", False)])  # another vintage: ignored
    out = sum_observations(obs, members).set_index(["area_code", "category"])
    assert set(out.index.get_level_values(0)) == {"D1", "D2", "E"}
    assert out.loc[("E", ""), "value"] == 40 and out.loc[("E", "age:0"), "value"] == 10
    assert out.loc[("D1", ""), "value"] == 10 and out.loc[("D1", ""), "flag"] == ""
    assert out.loc[("D2", ""), "flag"] == "[e]"  # its membership is estimated
    assert (out["area_type"].loc[["D1", "D2"]] == "LAD").all()
    assert out.loc[("E", ""), "area_type"] == "ENG" and out.loc[("E", ""), "source"] == "f.csv"


def test_sum_observations_missing_member_value_makes_the_total_missing():
    obs = _observations([("L1", "", 10.0, ""), ("L2", "", np.nan, "[c]"),
                         ("L1", "age:0", 1.0, "")])  # L2 has no age:0 row at all
    members = _membership([("LSOA11", "L1", "E", "ENG", False),
                           ("LSOA11", "L2", "E", "ENG", False)])
    out = sum_observations(obs, members).set_index("category")
    assert np.isnan(out.loc["", "value"]) and out.loc["", "flag"] == "[c]"
    assert np.isnan(out.loc["age:0", "value"]) and out.loc["age:0", "flag"] == "[x]"
