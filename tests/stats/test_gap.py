"""Tests for pipeline.stats.gap: gap between priority neighbourhoods and the rest.

Reference values
----------------
- Newcombe RG (1998) "Interval estimation for the difference between independent
  proportions", Stat Med 17:873-890, Table II example (a): 56/70 - 48/80 = 0.2000, hybrid score
  interval (method 10) 0.0524 to 0.3339.
- Rates by hand: 30/1000 vs 20/1000 per 1,000: difference 10, 10 +/- 1.96 sqrt(30 + 20)
  = -3.859 to 23.859; ratio 1.5, exp(log 1.5 +/- 1.96 sqrt(1/30 + 1/20)) = 0.852 to 2.641.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.gap import GAP_COLUMNS, gap_change, rate_gap, score_gap

Z95 = 1.959963984540054


def test_rate_gap_reference_values():
    result = rate_gap(30, 1000, 20, 1000, kind="rate", multiplier=1000).iloc[0]
    assert result["value_a"] == pytest.approx(30.0) and result["value_b"] == pytest.approx(20.0)
    assert result["difference"] == pytest.approx(10.0)
    assert result["difference_lower"] == pytest.approx(10 - Z95 * np.sqrt(50))
    assert result["difference_upper"] == pytest.approx(10 + Z95 * np.sqrt(50))
    assert result["ratio"] == pytest.approx(1.5)
    log_se = np.sqrt(1 / 30 + 1 / 20)
    assert result["ratio_lower"] == pytest.approx(1.5 * np.exp(-Z95 * log_se))
    assert result["ratio_upper"] == pytest.approx(1.5 * np.exp(Z95 * log_se))
    assert list(result.index) == GAP_COLUMNS


def test_proportion_gap_matches_newcombe_example():
    result = rate_gap(56, 70, 48, 80, kind="proportion").iloc[0]
    assert result["difference"] == pytest.approx(0.2)
    assert result["difference_lower"] == pytest.approx(0.0524, abs=5e-5)
    assert result["difference_upper"] == pytest.approx(0.3339, abs=5e-5)
    log_se = np.sqrt(1 / 56 - 1 / 70 + 1 / 48 - 1 / 80)
    assert result["ratio_lower"] == pytest.approx(0.8 / 0.6 * np.exp(-Z95 * log_se))
    assert result["ci_method"].startswith("Newcombe")


def test_proportion_gap_as_percentage_points():
    result = rate_gap(56, 70, 48, 80, kind="proportion", multiplier=100).iloc[0]
    assert result["difference"] == pytest.approx(20.0)
    assert result["difference_lower"] == pytest.approx(5.24, abs=5e-3)
    assert result["ratio"] == pytest.approx(80 / 60)  # ratio is unitless


def test_vectorised_over_indicators_with_zero_and_missing_counts():
    num_a = pd.Series([30, 0, 0, np.nan, 7], index=["crime", "fires", "none", "missing", "no_pop"])
    den_a = pd.Series([1000, 1000, 1000, 1000, 0], index=num_a.index)
    result = rate_gap(num_a, den_a, [20, 5, 0, 3, 4], [1000, 800, 900, 900, 900], multiplier=1000)
    assert list(result.index) == list(num_a.index)
    # zero in group A: difference interval exists, ratio 0 without an interval
    assert result.loc["fires", "difference"] == pytest.approx(-6.25)
    assert result.loc["fires", "difference_upper"] < 0
    assert result.loc["fires", "ratio"] == 0.0 and np.isnan(result.loc["fires", "ratio_lower"])
    # zero in both: difference 0 with no interval (zero variance), ratio undefined
    assert result.loc["none", "difference"] == 0.0
    assert np.isnan(result.loc["none", "difference_lower"]) and np.isnan(
        result.loc["none", "ratio"]
    )
    assert result.loc[["missing", "no_pop"], GAP_COLUMNS[:-1]].isna().all().all()
    assert result.loc["no_pop", "ci_method"] == ""


def test_proportion_gap_with_zero_and_full_counts():
    result = rate_gap([0, 20], [10, 20], [3, 10], [12, 20], kind="proportion")
    assert result["difference"].tolist() == pytest.approx([-0.25, 0.5])
    assert result["difference_lower"].notna().all() and result["difference_upper"].notna().all()
    assert result["difference_upper"].iloc[1] <= 1.0


def test_score_gap_has_no_interval():
    result = score_gap([32.5, 10.0], [15.0, 0.0])
    assert result["difference"].tolist() == [17.5, 10.0]
    assert result["ratio"].iloc[0] == pytest.approx(32.5 / 15) and np.isnan(result["ratio"].iloc[1])
    assert result["difference_lower"].isna().all()
    assert result["ci_method"].eq("not available").all()
    assert list(result.columns) == GAP_COLUMNS


def test_gap_change_widened_narrowed_and_unchanged():
    earliest = rate_gap([60, 60, 60, 60], [1000] * 4, [20] * 4, [1000] * 4, multiplier=1000)
    latest = rate_gap([120, 25, 65, 0], [1000] * 4, [20] * 4, [1000] * 4, multiplier=1000)
    # gaps 40 -> 100 (wider), 40 -> 5 (narrower), 40 -> 45 (within noise),
    # 40 -> -20 (reversed and smaller)
    assert gap_change(earliest, latest).tolist() == [
        "widened",
        "narrowed",
        "no significant change",
        "narrowed",
    ]


def test_gap_change_negative_gaps_and_scores():
    earliest = rate_gap([20], [1000], [60], [1000], multiplier=1000)  # priority better: -40
    latest = rate_gap([20], [1000], [130], [1000], multiplier=1000)  # -110: wider gap
    assert gap_change(earliest, latest).tolist() == ["widened"]
    scores = gap_change(score_gap([30.0], [15.0]), score_gap([35.0], [15.0]))
    assert scores.tolist() == ["not assessed"]
    assert scores.dtype == "category"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1], [10], [1], [10]), {"kind": "percent"}, "unknown gap kind 'percent'"),
        (([1, 2], [10, 10], [1], [10, 10, 10]), {}, "same length"),
        (([11], [10], [1], [10]), {"kind": "proportion"}, "num_a must not exceed den_a"),
        (([-1], [10], [1], [10]), {}, "num_a must not be negative"),
        (([1], [10], [1], [10]), {"multiplier": -100}, "multiplier must be a positive number"),
    ],
)
def test_rate_gap_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rate_gap(*args, **kwargs)


def test_score_gap_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        score_gap([1.0, 2.0], [1.0, 2.0, 3.0])


def test_gap_change_rejects_misaligned_or_incomplete_frames():
    gap = rate_gap([30, 40], [1000, 1000], [20, 20], [1000, 1000])
    with pytest.raises(ValueError, match="aligned row by row"):
        gap_change(gap, gap.iloc[:1])
    with pytest.raises(ValueError, match="lacks column\\(s\\) difference_lower"):
        gap_change(gap.drop(columns="difference_lower"), gap)
    with pytest.raises(ValueError, match="must be a DataFrame"):
        gap_change([1, 2], gap)
