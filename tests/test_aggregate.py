"""Aggregation on hand-built fixtures: rates add numerators and denominators, scores are weighted."""

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate import aggregate

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
