"""Tests for pipeline.stats.trend: Fingertips recent trend with the sign-stability rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.contingency_tables import Table

from pipeline.stats.intervals import rate_interval
from pipeline.stats.trend import _chi_square_trend, _wls_trend, recent_trend

Z95 = 1.959963984540054


def _rate_frame(
    series: dict[str, list[float]], half_width: float = 0.5, start: int = 2015
) -> pd.DataFrame:
    """Long frame of rates with symmetric intervals of +/- half_width."""
    rows = []
    for area, values in series.items():
        for i, value in enumerate(values):
            rows.append(
                {
                    "area_code": area,
                    "period": str(start + i),
                    "value": value,
                    "lower_ci": value - half_width,
                    "upper_ci": value + half_width,
                }
            )
    return pd.DataFrame(rows)


def _proportion_frame(series: dict[str, list[tuple[float, float]]]) -> pd.DataFrame:
    rows = []
    for area, points in series.items():
        for i, (num, den) in enumerate(points):
            rows.append(
                {"area_code": area, "period": 2015 + i, "numerator": num, "denominator": den}
            )
    return pd.DataFrame(rows)


def test_rate_trends_over_many_areas():
    frame = _rate_frame(
        {
            "E01000001": [10, 11, 12, 13, 14],  # steady rise
            "E01000002": [20, 19, 18, 17, 16],  # steady fall
            "E01000003": [15, 15.2, 14.9, 15.1, 15],  # flat
            "E01000004": [10, 11, 12, 13],  # only four points
        }
    )
    result = recent_trend(frame, "rate", "higher_is_worse").set_index("area_code")
    assert result["trend"].tolist() == [
        "increasing",
        "decreasing",
        "no significant change",
        "could not be calculated",
    ]
    assert result["assessment"].tolist() == [
        "getting worse",
        "getting better",
        "no significant change",
        "could not be calculated",
    ]
    assert result.loc["E01000001", "label"] == "Increasing and getting worse"
    assert result.loc["E01000001", "slope"] == pytest.approx(1.0)
    assert result.loc["E01000002", "slope"] == pytest.approx(-1.0)
    assert result.loc["E01000004", "reason"] == "fewer than 5 points"
    assert result.loc["E01000004", "n_points"] == 4
    assert result["method"].eq("weighted regression").all()
    assert result["trend"].dtype == "category"


@pytest.mark.parametrize(
    ("polarity", "assessment", "label"),
    [
        ("higher_is_better", "getting better", "Increasing and getting better"),
        ("higher_is_worse", "getting worse", "Increasing and getting worse"),
        ("no_judgement", "increasing", "Increasing"),
    ],
)
def test_polarity_flips_the_assessment(polarity, assessment, label):
    result = recent_trend(_rate_frame({"A": [10, 11, 12, 13, 14]}), "rate", polarity)
    assert result["trend"].iloc[0] == "increasing"
    assert result["assessment"].iloc[0] == assessment
    assert result["label"].iloc[0] == label


def test_only_the_latest_five_points_are_used():
    # a huge early fall followed by five rising points: the trend is "increasing"
    result = recent_trend(
        _rate_frame({"A": [90, 60, 30, 10, 11, 12, 13, 14]}), "rate", "higher_is_worse"
    )
    assert result["trend"].iloc[0] == "increasing"
    assert result["n_points"].iloc[0] == 5


def test_unsorted_input_is_ordered_by_period():
    frame = _rate_frame({"A": [10, 11, 12, 13, 14]}).sample(frac=1, random_state=3)
    assert recent_trend(frame, "rate", "no_judgement")["trend"].iloc[0] == "increasing"


def test_sign_stability_rule_suppresses_a_turning_series():
    # proportions rise sharply then fall over the latest four: the five-point chi-square test
    # is highly significant, but the four-point slope has the opposite sign
    frame = _proportion_frame(
        {"A": [(100, 1000), (300, 1000), (310, 1000), (300, 1000), (290, 1000)]}
    )
    result = recent_trend(frame, "proportion", "higher_is_worse").iloc[0]
    assert result["slope"] > 0 and result["slope_last4"] < 0
    assert result["p_value"] < 1e-6  # significant on five points alone ...
    assert not result["sign_stable"]
    assert result["trend"] == "no significant change"  # ... but not reported
    assert result["reason"] == ""


def test_turning_rate_series_is_not_reported_either():
    frame = _rate_frame({"A": [10, 30, 31, 30, 29]}, half_width=0.2)
    result = recent_trend(frame, "rate", "higher_is_worse").iloc[0]
    assert result["slope"] > 0 and result["slope_last4"] < 0
    assert not result["sign_stable"]
    assert result["trend"] == "no significant change"


def test_missing_value_in_latest_points_cannot_be_calculated():
    frame = _rate_frame({"A": [10, 11, np.nan, 13, 14], "B": [10, 11, 12, 13, 14]})
    result = recent_trend(frame, "rate", "higher_is_worse").set_index("area_code")
    assert result.loc["A", "trend"] == "could not be calculated"
    assert "missing value" in result.loc["A", "reason"]
    assert np.isnan(result.loc["A", "slope"])
    assert result.loc["B", "trend"] == "increasing"


def test_wls_matches_statsmodels_when_residual_scale_exceeds_one():
    x = np.arange(5.0)
    y = np.array([10, 12, 11, 15, 16.0])
    se = np.array([1, 1.2, 0.8, 1, 1.5])
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit()
    assert fit.scale > 1
    slope, statistic, p_value = _wls_trend(x[None, :], y[None, :], (1 / se**2)[None, :])
    assert slope[0] == pytest.approx(fit.params[1])
    assert statistic[0] == pytest.approx(fit.tvalues[1])
    assert p_value[0] == pytest.approx(fit.pvalues[1])


def test_wls_uses_sampling_variance_when_residuals_are_small():
    x = np.arange(5.0)
    y = np.array([10, 11.01, 11.99, 13.0, 14.02])
    se = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit(
        cov_type="fixed scale", cov_kwds={"scale": 1.0}
    )
    slope, statistic, p_value = _wls_trend(x[None, :], y[None, :], (1 / se**2)[None, :])
    assert statistic[0] == pytest.approx(slope[0] / fit.bse[1])
    assert statistic[0] == pytest.approx(fit.params[1] / (2 / np.sqrt(10)))  # se^2 / Sxx
    assert p_value[0] == pytest.approx(fit.pvalues[1])  # z test, as statsmodels' fixed scale


def test_rate_trend_from_real_counts_with_byar_intervals():
    counts = pd.Series([40, 48, 55, 61, 72])
    ci = rate_interval(counts, 10_000, multiplier=1000)
    frame = ci.assign(
        area_code="E07000129", period=[f"{y}/{y - 1999:02d}" for y in range(2015, 2020)]
    )
    result = recent_trend(frame, "rate", "higher_is_worse").iloc[0]
    assert result["trend"] == "increasing"
    assert 0.5 < result["slope"] < 1.0  # about 0.8 per 1,000 per year


def test_chi_square_trend_agrees_with_statsmodels_linear_by_linear():
    num = np.array([10, 14, 18, 25, 30.0])
    den = np.array([100, 100, 100, 100, 100.0])
    slope, z, _ = _chi_square_trend(np.arange(5.0)[None, :], num[None, :], den[None, :])
    table = Table(np.vstack([num, den - num]))
    reference = table.test_ordinal_association(
        row_scores=np.array([1, 0]), col_scores=np.arange(5.0)
    )
    n = den.sum()
    assert z[0] * np.sqrt((n - 1) / n) == pytest.approx(reference.zscore)
    # Armitage by hand: T = sum r (x - xbar) = 51, Var = pbar (1 - pbar) sum n (x - xbar)^2
    assert z[0] == pytest.approx(51 / np.sqrt(0.194 * 0.806 * 1000))
    assert slope[0] == pytest.approx(0.051)


def test_proportion_trends_and_zero_counts():
    frame = _proportion_frame(
        {
            "A": [(10, 100), (14, 100), (18, 100), (25, 100), (30, 100)],
            "B": [(30, 100), (25, 100), (18, 100), (14, 100), (10, 100)],
            "C": [(20, 100), (21, 100), (19, 100), (20, 100), (20, 100)],
            "D": [(0, 50), (0, 50), (0, 50), (0, 50), (0, 50)],
            "E": [(10, 100), (14, 100), (18, 100), (25, 100), (30, 0)],
        }
    )
    result = recent_trend(frame, "proportion", "higher_is_better", multiplier=100).set_index(
        "area_code"
    )
    assert result["trend"].tolist() == [
        "increasing",
        "decreasing",
        "no significant change",
        "could not be calculated",
        "could not be calculated",
    ]
    assert result.loc["A", "assessment"] == "getting better"
    assert result.loc["B", "assessment"] == "getting worse"
    assert result.loc["A", "slope"] == pytest.approx(5.1)  # percentage points per period
    assert result.loc["A", "method"] == "chi-square test for trend"
    assert "no variation" in result.loc["D", "reason"]
    assert "invalid" in result.loc["E", "reason"]


def test_group_by_indicator_and_area():
    frame = pd.concat(
        [
            _rate_frame({"A": [10, 11, 12, 13, 14]}).assign(indicator_id="crime_rate"),
            _rate_frame({"A": [14, 13, 12, 11, 10]}).assign(indicator_id="asb_rate"),
        ]
    )
    result = recent_trend(
        frame, "rate", "higher_is_worse", group_cols=["indicator_id", "area_code"]
    )
    assert result.set_index("indicator_id")["trend"].to_dict() == {
        "asb_rate": "decreasing",
        "crime_rate": "increasing",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "ratio"}, "unknown trend kind 'ratio'"),
        ({"polarity": "up_is_good"}, "unknown polarity 'up_is_good'"),
        ({"points": 3}, "points must be an integer of at least 4"),
        ({"kind": "proportion"}, "needs column\\(s\\) numerator, denominator"),
        ({"group_cols": []}, "at least one column"),
    ],
)
def test_recent_trend_rejects_bad_arguments(kwargs, message):
    arguments = {"kind": "rate", "polarity": "higher_is_worse", **kwargs}
    with pytest.raises(ValueError, match=message):
        recent_trend(_rate_frame({"A": [1, 2, 3, 4, 5]}), **arguments)


def test_recent_trend_rejects_duplicate_periods():
    frame = _rate_frame({"A": [1, 2, 3, 4, 5]})
    frame = pd.concat([frame, frame.iloc[[0]]])
    with pytest.raises(ValueError, match="one row per period"):
        recent_trend(frame, "rate", "higher_is_worse")
