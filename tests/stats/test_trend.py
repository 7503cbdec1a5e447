"""Tests for pipeline.stats.trend: Fingertips recent trend (chi-squared test for trend at 99.8%,
sign kept when each point is dropped)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.contingency_tables import Table

from pipeline.stats.intervals import rate_interval
from pipeline.stats.trend import _trend_test, chi_square_threshold, recent_trend

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
        "not enough points",
    ]
    assert result["assessment"].tolist() == [
        "getting worse",
        "getting better",
        "no significant change",
        "not enough points",
    ]
    assert result.loc["E01000001", "label"] == "Increasing and getting worse"
    assert result.loc["E01000001", "slope"] == pytest.approx(1.0)
    assert result.loc["E01000002", "slope"] == pytest.approx(-1.0)
    assert result.loc["E01000004", "reason"] == "fewer than 5 points"
    assert result.loc["E01000004", "label"] == "Not enough points"
    assert result.loc["E01000004", "n_points"] == 4
    assert result["method"].str.startswith("chi-squared test for trend").all()
    assert result["trend"].dtype == "category"


def test_threshold_is_fingertips_9_5495_at_99_8_percent():
    assert chi_square_threshold() == pytest.approx(9.5495, abs=5e-5)
    assert chi_square_threshold(0.998) == pytest.approx(3.090232**2, rel=1e-6)
    assert chi_square_threshold(0.95) == pytest.approx(3.8415, abs=5e-5)


def test_proportion_chi_squared_worked_by_hand():
    # 10, 14, 18, 25, 30 out of 100 each, scores 0..4 (mean score 2):
    # T = sum r (x - 2) = -20 - 14 + 0 + 25 + 60 = 51; pbar = 97 / 500 = 0.194;
    # sum n (x - 2)^2 = 100 (4 + 1 + 0 + 1 + 4) = 1000;
    # chi2 = T^2 / (pbar (1 - pbar) 1000) = 2601 / 156.364 = 16.634 > 9.5495: increasing.
    frame = _proportion_frame({"A": [(10, 100), (14, 100), (18, 100), (25, 100), (30, 100)]})
    result = recent_trend(frame, "proportion", "higher_is_worse", multiplier=100).iloc[0]
    chi2_by_hand = 51**2 / (0.194 * 0.806 * 1000)
    assert chi2_by_hand == pytest.approx(16.634, abs=5e-4)
    assert result["statistic"] == pytest.approx(chi2_by_hand)
    assert result["threshold"] == pytest.approx(9.5495, abs=5e-5)
    assert result["slope"] == pytest.approx(5.1)  # percentage points per period (51 / 1000)
    assert result["trend"] == "increasing" and result["sign_stable"]
    assert result["label"] == "Increasing and getting worse"
    # 12, 14, 15, 17, 18 out of 100: T = -24 - 14 + 0 + 17 + 36 = 15, pbar = 0.152,
    # chi2 = 225 / (0.152 * 0.848 * 1000) = 1.746: significant at neither 99.8% nor 95%
    slow = _proportion_frame({"B": [(12, 100), (14, 100), (15, 100), (17, 100), (18, 100)]})
    result = recent_trend(slow, "proportion", "higher_is_worse").iloc[0]
    assert result["statistic"] == pytest.approx(225 / (0.152 * 0.848 * 1000))
    assert result["trend"] == "no significant change"


def test_rate_chi_squared_worked_by_hand_either_side_of_the_threshold():
    # rates 10..14 with standard error 1 (95% interval +/- 1.96): weights 1, slope 1,
    # sum w (x - 2)^2 = 10, chi2 = 1^2 * 10 = 10 > 9.5495: increasing.
    # With standard error 1.1: chi2 = 10 / 1.21 = 8.26 < 9.5495: no significant change
    # (but 8.26 > 3.84: significant at 95%).
    steep = _rate_frame({"A": [10, 11, 12, 13, 14]}, half_width=Z95)
    result = recent_trend(steep, "rate", "higher_is_better").iloc[0]
    assert result["statistic"] == pytest.approx(10.0)
    assert result["trend"] == "increasing"
    assert result["label"] == "Increasing and getting better"
    noisier = _rate_frame({"A": [10, 11, 12, 13, 14]}, half_width=1.1 * Z95)
    result = recent_trend(noisier, "rate", "higher_is_better").iloc[0]
    assert result["statistic"] == pytest.approx(10 / 1.21)
    assert result["trend"] == "no significant change"
    at_95 = recent_trend(noisier, "rate", "higher_is_better", confidence=0.95).iloc[0]
    assert at_95["trend"] == "increasing"


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


def test_a_trend_whose_sign_flips_when_one_point_is_dropped_is_not_reported():
    # 100, 300, 310, 300, 290 per 1,000: on all five points chi2 is far above 9.5495 (a rise),
    # but dropping the first point leaves 300, 310, 300, 290, whose slope is negative
    frame = _proportion_frame(
        {"A": [(100, 1000), (300, 1000), (310, 1000), (300, 1000), (290, 1000)]}
    )
    result = recent_trend(frame, "proportion", "higher_is_worse").iloc[0]
    assert result["slope"] > 0
    assert result["statistic"] > 50  # significant on five points alone ...
    without_first = _proportion_frame(
        {"A": [(300, 1000), (310, 1000), (300, 1000), (290, 1000)]}
    )
    assert recent_trend(without_first, "proportion", "higher_is_worse",
                        points=4)["slope"].iloc[0] < 0
    assert not result["sign_stable"]
    assert result["trend"] == "no significant change"  # ... but not reported
    assert result["reason"] == ""


def test_dropping_an_inner_point_can_flip_the_sign_too():
    # precise rates 10, 12, 10, 18, 10: least-squares slope over five points
    # (-2*10 - 12 + 0 + 18 + 2*10) / 10 = +0.6, far above the threshold; dropping the fourth
    # point leaves 10, 12, 10, 10 at times 0, 1, 2, 4 (mean time 1.75), slope
    # (-1.75*10 - 0.75*12 + 0.25*10 + 2.25*10) / 8.75 = -1.5 / 8.75 = -0.171: no trend
    frame = _rate_frame({"A": [10, 12, 10, 18, 10]}, half_width=0.05)
    result = recent_trend(frame, "rate", "higher_is_worse").iloc[0]
    assert result["slope"] == pytest.approx(0.6)
    assert result["statistic"] > 9.5495
    assert not result["sign_stable"]
    assert result["trend"] == "no significant change"


def test_a_steady_series_keeps_its_sign_whichever_point_is_dropped():
    frame = _rate_frame({"A": [10, 12, 11, 14, 15]}, half_width=0.2)
    result = recent_trend(frame, "rate", "higher_is_worse").iloc[0]
    assert result["sign_stable"] and result["trend"] == "increasing"


def test_missing_value_in_latest_points_cannot_be_calculated():
    frame = _rate_frame({"A": [10, 11, np.nan, 13, 14], "B": [10, 11, 12, 13, 14]})
    result = recent_trend(frame, "rate", "higher_is_worse").set_index("area_code")
    assert result.loc["A", "trend"] == "could not be calculated"
    assert "missing value" in result.loc["A", "reason"]
    assert np.isnan(result.loc["A", "slope"])
    assert result.loc["B", "trend"] == "increasing"


def test_overdispersed_rule_matches_statsmodels_wls_t_test():
    x = np.arange(5.0)
    y = np.array([10, 12, 11, 15, 16.0])
    se = np.array([1, 1.2, 0.8, 1, 1.5])
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit()
    assert fit.scale > 1
    slope, statistic, p_value = _trend_test(x[None, :], y[None, :], (1 / se**2)[None, :],
                                            overdispersed=True)
    assert slope[0] == pytest.approx(fit.params[1])
    assert statistic[0] == pytest.approx(fit.tvalues[1] ** 2)
    assert p_value[0] == pytest.approx(fit.pvalues[1])


def test_fingertips_rule_uses_sampling_variance_only():
    x = np.arange(5.0)
    y = np.array([10, 12, 11, 15, 16.0])
    se = np.array([1, 1.2, 0.8, 1, 1.5])
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / se**2).fit(
        cov_type="fixed scale", cov_kwds={"scale": 1.0}
    )
    slope, statistic, p_value = _trend_test(x[None, :], y[None, :], (1 / se**2)[None, :])
    assert statistic[0] == pytest.approx((fit.params[1] / fit.bse[1]) ** 2)
    assert p_value[0] == pytest.approx(fit.pvalues[1])  # z test, as statsmodels' fixed scale
    # the same series is a trend under the Fingertips rule, not under the overdispersed one
    frame = pd.DataFrame({"area_code": "A", "period": range(5), "value": y,
                          "lower_ci": y - Z95 * se, "upper_ci": y + Z95 * se})
    assert recent_trend(frame, "rate", "higher_is_worse")["trend"].iloc[0] == "increasing"
    assert recent_trend(frame, "rate", "higher_is_worse", rule="overdispersed")[
        "trend"].iloc[0] == "no significant change"


def test_rate_trend_from_real_counts_with_byar_intervals():
    counts = pd.Series([40, 48, 55, 61, 72])
    ci = rate_interval(counts, 10_000, multiplier=1000)
    frame = ci.assign(
        area_code="E07000129", period=[f"{y}/{y - 1999:02d}" for y in range(2015, 2020)]
    )
    result = recent_trend(frame, "rate", "higher_is_worse").iloc[0]
    assert result["trend"] == "increasing"
    assert 0.5 < result["slope"] < 1.0  # about 0.8 per 1,000 per year


def test_proportion_test_agrees_with_statsmodels_linear_by_linear():
    num = np.array([10, 14, 18, 25, 30.0])
    den = np.array([100, 100, 100, 100, 100.0])
    frame = pd.DataFrame({"area_code": "A", "period": range(5), "numerator": num,
                          "denominator": den})
    chi2 = recent_trend(frame, "proportion", "no_judgement")["statistic"].iloc[0]
    table = Table(np.vstack([num, den - num]))
    reference = table.test_ordinal_association(
        row_scores=np.array([1, 0]), col_scores=np.arange(5.0)
    )
    n = den.sum()
    assert chi2 * (n - 1) / n == pytest.approx(reference.zscore**2)


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
    assert result.loc["A", "method"] == "chi-squared test for trend in proportions"
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
        ({"rule": "loess"}, "unknown trend rule 'loess'"),
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
