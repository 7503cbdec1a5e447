"""Tests for pipeline.stats.disclosure: small-number suppression [c] and low reliability [u]."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.disclosure import flag_low_reliability, suppress_small_numbers
from pipeline.stats.intervals import rate_interval


def _store_like() -> pd.DataFrame:
    numerator = pd.Series([0, 1, 4, 5, np.nan, 120], dtype=float)
    denominator = pd.Series([1500, 1400, 1600, 1550, 1500, 99], dtype=float)
    ci = rate_interval(numerator, denominator, multiplier=1000)
    return pd.DataFrame(
        {
            "area_code": [f"E0100000{i}" for i in range(6)],
            "numerator": numerator,
            "denominator": denominator,
            **{c: ci[c] for c in ci.columns},
            "flag": ["", "", "[e]", "", "[x]", ""],
        }
    )


def test_ons_default_suppresses_one_to_four_and_publishes_zero():
    frame = _store_like()
    result = suppress_small_numbers(frame)
    assert result["flag"].tolist() == ["", "[c]", "[c]", "", "[x]", ""]
    assert result["numerator"].iloc[0] == 0
    assert result[["numerator", "value", "lower_ci", "upper_ci"]].iloc[1:3].isna().all().all()
    assert result["numerator"].iloc[3] == 5 and result["value"].iloc[3] == pytest.approx(5 / 1.55)
    # the denominator is not small and stays published
    assert result["denominator"].iloc[1] == 1400


def test_input_is_not_modified():
    frame = _store_like()
    before = frame.copy()
    suppress_small_numbers(frame)
    flag_low_reliability(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_zero_suppression_and_threshold_are_parameters():
    frame = _store_like()
    result = suppress_small_numbers(frame, min_count=10, suppress_zero=True)
    assert result["flag"].tolist() == ["[c]", "[c]", "[c]", "[c]", "[x]", ""]
    assert result["value"].iloc[:4].isna().all()


def test_several_count_columns_and_missing_flag_column():
    frame = pd.DataFrame(
        {"male": [3, 20, 0], "female": [15, 2, 0], "percent_male": [16.7, 90.9, np.nan]}
    )
    result = suppress_small_numbers(
        frame, count_columns=["male", "female"], dependent_columns=["percent_male"]
    )
    assert result["flag"].tolist() == ["[c]", "[c]", ""]
    assert np.isnan(result.loc[0, "male"]) and result.loc[0, "female"] == 15
    assert np.isnan(result.loc[1, "female"]) and result.loc[1, "male"] == 20
    assert result["percent_male"].iloc[:2].isna().all()
    assert "flag" not in frame.columns


def test_count_indicator_suppresses_its_own_value():
    frame = pd.DataFrame({"value": [2.0, 7.0], "flag": ["", ""]})
    result = suppress_small_numbers(frame, count_columns="value", dependent_columns=[])
    assert result["flag"].tolist() == ["[c]", ""]
    assert np.isnan(result["value"].iloc[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count_columns": ["count"]}, "'count' not in the frame"),
        ({"dependent_columns": ["rate"]}, "'rate' not in the frame"),
        ({"min_count": 0}, "min_count must be a positive integer"),
        ({"min_count": 2.5}, "min_count must be a positive integer"),
        ({"count_columns": []}, "at least one column"),
        ({"count_columns": ["area_code"], "dependent_columns": []}, "must be numeric"),
    ],
)
def test_suppress_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        suppress_small_numbers(_store_like(), **kwargs)


def test_suppress_rejects_unknown_flags():
    frame = _store_like().assign(flag=["", "x", "", "", "", ""])
    with pytest.raises(ValueError, match="unknown flag"):
        suppress_small_numbers(frame)


def test_low_reliability_small_denominator_and_wide_interval():
    frame = pd.DataFrame(
        {
            "value": [10.0, 10.0, 10.0, 0.0, 10.0, 10.0],
            "lower_ci": [9.0, 2.0, 9.0, 0.0, 2.0, 2.0],
            "upper_ci": [11.0, 18.0, 11.0, 3.0, 18.0, 18.0],
            "denominator": [500, 500, 99, 500, 500, 500],
            "flag": ["", "", "", "", "[c]", "[e]"],
        }
    )
    result = flag_low_reliability(frame)
    # row 1: CV = 16 / (2 x 1.96 x 10) = 0.41 > 0.2; row 2: denominator 99 < 100;
    # row 3: value 0, CV undefined -> not judged; row 4 keeps [c]; row 5: [u] replaces [e]
    assert result["flag"].tolist() == ["", "[u]", "[u]", "", "[c]", "[u]"]


def test_low_reliability_cv_threshold_boundary_and_rules_can_be_switched_off():
    # CV = width / (2 z value): width 7.8 on 10 -> 0.199 (kept), 8.0 -> 0.204 (flagged)
    frame = pd.DataFrame({"value": [10.0, 10.0], "lower_ci": [6.1, 6.0], "upper_ci": [13.9, 14.0]})
    assert flag_low_reliability(frame, min_denominator=None)["flag"].tolist() == ["", "[u]"]
    by_denominator = flag_low_reliability(pd.DataFrame({"denominator": [50, 150]}), max_cv=None)
    assert by_denominator["flag"].tolist() == ["[u]", ""]


def test_suppression_then_reliability_on_store_rows():
    result = flag_low_reliability(suppress_small_numbers(_store_like()))
    # row 0 is a zero count (published, CV not judged); row 5 has a denominator of 99
    assert result["flag"].tolist() == ["", "[c]", "[c]", "[u]", "[x]", "[u]"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_denominator": None, "max_cv": None}, "give min_denominator, max_cv or both"),
        ({"max_cv": -1}, "max_cv must be a positive number"),
        ({"denominator_column": "population"}, "'population' not in the frame"),
    ],
)
def test_low_reliability_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        flag_low_reliability(_store_like(), **kwargs)
