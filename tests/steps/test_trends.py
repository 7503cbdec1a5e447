"""The run's recent trends of every area and indicator (pipeline.steps.trends): a small store
worked by hand, and the shipped data (where no indicator has five comparable points)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.intervals import rate_interval
from pipeline.steps.trends import TREND_COLUMNS, empty_trends, indicator_trends, with_trends

CATALOGUE = pd.DataFrame([
    # id, polarity, method, ci, multiplier
    ("qol_worry_pct", "higher_is_worse", "ratio", "wilson", 100.0),
    ("crime_rate", "higher_is_worse", "annual_rate", "byar", 1000.0),
    ("imd_score", "higher_is_worse", "value", "none", 1.0),
    ("crime_monthly", "higher_is_worse", "monthly_count", "none", 1.0),
    ("c21_flats_pct", "no_judgement", "ratio", "wilson", 100.0),
], columns=["id", "polarity", "method", "ci", "multiplier"])


def _row(code, area_type, indicator, period, value=np.nan, numerator=np.nan,
         denominator=np.nan, lower=np.nan, upper=np.nan, category=""):
    return {"area_code": code, "area_type": area_type, "indicator_id": indicator,
            "period": str(period), "category": category, "value": value,
            "numerator": numerator, "denominator": denominator, "lower_ci": lower,
            "upper_ci": upper}


def _store() -> pd.DataFrame:
    rows = []
    # a district's proportion rising 10, 14, 18, 25, 30 per 100 (chi2 = 16.6 > 9.5495)
    for year, num in zip(range(2016, 2021), (10, 14, 18, 25, 30)):
        rows.append(_row("E07000130", "LAD", "qol_worry_pct", year, num, num, 100))
        rows.append(_row("E01000001", "LSOA11", "qol_worry_pct", year, num, num, 100))
    # a district's crime rate falling steeply, with Byar intervals
    counts = pd.Series([900, 820, 760, 700, 610], dtype=float)
    ci = rate_interval(counts, 100_000, multiplier=1000)
    for i, year in enumerate(range(2017, 2022)):
        rows.append(_row("E07000130", "LAD", "crime_rate", year, ci["value"][i], counts[i],
                         100_000, ci["lower_ci"][i], ci["upper_ci"][i]))
    # IoD scores of six editions: no interval, not tested
    for year in (2004, 2007, 2010, 2015, 2019, 2025):
        rows.append(_row("E07000130", "LAD", "imd_score", year, 20.0))
    # monthly counts: no marker at all
    for month in range(1, 8):
        rows.append(_row("E07000130", "LAD", "crime_monthly", f"2020-{month:02d}", 50.0))
    # one census year; a breakdown row is left out
    rows.append(_row("E07000130", "LAD", "c21_flats_pct", 2021, 20.0, 20, 100))
    rows.append(_row("E07000130", "LAD", "c21_flats_pct", 2021, 5.0, 5, 100, category="x"))
    # the county: the proportion over four years only
    for year, num in zip(range(2017, 2021), (14, 18, 25, 30)):
        rows.append(_row("E10000018", "CTY", "qol_worry_pct", year, num, num, 100))
    return pd.DataFrame(rows)


def _localities() -> pd.DataFrame:
    # a locality whose proportion rises then falls: the sign flips when its first point is
    # dropped, so no trend is reported
    points = [(100, 1000), (300, 1000), (310, 1000), (300, 1000), (290, 1000)]
    return pd.DataFrame([_row("pn-1", "locality", "qol_worry_pct", 2016 + i, n / d * 100, n, d)
                         for i, (n, d) in enumerate(points)])


def test_every_area_and_indicator_gets_a_trend_or_the_reason_why_not():
    trends = indicator_trends(_store(), _localities(), CATALOGUE)
    assert list(trends.columns) == TREND_COLUMNS
    got = trends.set_index(["area_code", "indicator_id"])
    assert set(got.index) == {
        ("E07000130", "qol_worry_pct"), ("E07000130", "crime_rate"),
        ("E07000130", "imd_score"), ("E07000130", "c21_flats_pct"),
        ("E10000018", "qol_worry_pct"), ("pn-1", "qol_worry_pct"),
    }  # no LSOA rows, no monthly counts
    worry = got.loc[("E07000130", "qol_worry_pct")]
    assert worry["kind"] == "proportion" and worry["n_points"] == 5
    assert worry["statistic"] == pytest.approx(51**2 / (0.194 * 0.806 * 1000))
    assert worry["threshold"] == pytest.approx(9.5495, abs=5e-5)
    assert (worry["trend"], worry["assessment"]) == ("increasing", "getting worse")
    assert worry["slope"] == pytest.approx(5.1)  # percentage points a year
    assert (worry["first_period"], worry["latest_period"]) == ("2016", "2020")
    crime = got.loc[("E07000130", "crime_rate")]
    assert crime["kind"] == "rate"
    assert (crime["trend"], crime["assessment"]) == ("decreasing", "getting better")
    imd = got.loc[("E07000130", "imd_score")]
    assert (imd["trend"], imd["kind"], imd["n_points"]) == ("not tested", "", 5)
    assert "no confidence interval" in imd["reason"]
    flats = got.loc[("E07000130", "c21_flats_pct")]
    assert (flats["trend"], flats["n_points"], flats["reason"]) == (
        "not enough points", 1, "fewer than 5 points")
    assert got.loc[("E10000018", "qol_worry_pct"), "trend"] == "not enough points"
    locality = got.loc[("pn-1", "qol_worry_pct")]
    assert locality["trend"] == "no significant change" and not locality["sign_stable"]


def test_with_trends_puts_the_area_trend_beside_each_indicator():
    trends = indicator_trends(_store(), _localities(), CATALOGUE)
    table = pd.DataFrame({"indicator_id": ["qol_worry_pct", "c21_flats_pct", "unknown_pct"]})
    out = with_trends(table, trends, "E07000130")
    assert out["trend"].tolist() == ["increasing", "not enough points", "not enough points"]
    assert out["trend_assessment"].tolist()[0] == "getting worse"
    assert out["trend_points"].tolist() == [5, 1, 0]
    empty = with_trends(table, empty_trends(), "E07000130")
    assert set(empty["trend"]) == {"not enough points"}


def test_shipped_data_have_no_indicator_with_five_comparable_points(prepared):
    """Census (one year each), population (mid-2017, 2019, 2020) and annual crime rates (2020,
    2021) have fewer than five points; IoD scores have five or six editions but no interval
    (and editions are not comparable as absolute change): not tested."""
    data = prepared[1]
    trends = indicator_trends(data.store, data.locality_rows, data.catalogue)
    assert set(trends["trend"]) == {"not enough points", "not tested"}
    melton = trends[trends["area_code"] == "E07000133"].set_index("indicator_id")
    assert melton.loc["population_aged_65_plus_pct", "n_points"] == 3
    assert melton.loc["crime_rate", "n_points"] == 2
    assert melton.loc["c21_disabled_pct", "n_points"] == 1
    assert melton.loc["imd_score", "trend"] == "not tested"
    assert (melton["kind"] == "proportion").sum() > 40
    assert "crime_monthly" not in melton.index
