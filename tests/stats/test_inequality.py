"""Tests for pipeline.stats.inequality: slope and relative index of inequality (PHE method)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from pipeline.stats.inequality import SII_COLUMNS, slope_index_of_inequality

DECILES = np.arange(1, 11)

# PHEindicatormethods' phe_sii documentation example, "Area1" (life expectancy by decile).
PHE_EXAMPLE = pd.DataFrame(
    {
        "decile": DECILES,
        "population": [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534],
        "value": [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3],
        "lower": [72.7, 75.3, 80.9, 80.2, 77.1, 78, 79, 81.4, 75.8, 83.2],
        "upper": [79.1, 81.4, 86.8, 87.1, 83.8, 84.2, 84.4, 86.9, 85.4, 89.4],
        "se": [1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57],
    }
)


def _ridit(population: np.ndarray) -> np.ndarray:
    share = population / population.sum()
    return np.cumsum(share) - share / 2


def test_hand_worked_linear_example_equal_populations():
    # equal deciles: ridits 0.05, 0.15, ..., 0.95; value = 40 - 20 x exactly
    x = (DECILES - 0.5) / 10
    frame = pd.DataFrame({"decile": DECILES, "value": 40 - 20 * x, "population": 1500})
    result = slope_index_of_inequality(frame).iloc[0]
    assert result["sii"] == pytest.approx(20.0)  # most deprived (40) minus least deprived (20)
    assert result["fitted_most_deprived"] == pytest.approx(40.0)
    assert result["fitted_least_deprived"] == pytest.approx(20.0)
    assert result["mean_value"] == pytest.approx(30.0)
    assert result["rii"] == pytest.approx(20 / 30)
    assert result["sii_lower"] == pytest.approx(20.0) and result["sii_upper"] == pytest.approx(20.0)
    assert list(result.index) == SII_COLUMNS


def test_hand_worked_unequal_populations():
    # shares 0.1, 0.3, 0.6 -> ridits 0.05, 0.25, 0.70; value = 10 + 10 x
    frame = pd.DataFrame(
        {"decile": [1, 2, 3], "value": [10.5, 12.5, 17.0], "population": [100, 300, 600]}
    )
    result = slope_index_of_inequality(frame).iloc[0]
    assert result["sii"] == pytest.approx(-10.0)  # lower in the most deprived
    assert result["mean_value"] == pytest.approx(0.1 * 10.5 + 0.3 * 12.5 + 0.6 * 17.0)
    assert result["rii"] == pytest.approx(-10.0 / 15.0)


def test_flat_example_has_sii_near_zero_and_interval_covering_zero():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "decile": DECILES,
            "value": 50 + rng.normal(0, 0.5, 10),
            "population": 1000 + 100 * DECILES,
        }
    )
    result = slope_index_of_inequality(frame).iloc[0]
    assert abs(result["sii"]) < 1.5
    assert result["sii_lower"] < 0 < result["sii_upper"]
    assert result["ci_method"] == "regression standard error"


def test_regression_interval_matches_statsmodels_wls():
    data = PHE_EXAMPLE
    x = _ridit(data["population"].to_numpy(float))
    fit = sm.WLS(data["value"], sm.add_constant(x), weights=data["population"]).fit()
    result = slope_index_of_inequality(data).iloc[0]
    assert result["sii"] == pytest.approx(-fit.params.iloc[1])
    half = stats.t.ppf(0.975, 8) * fit.bse.iloc[1]
    assert result["sii_upper"] - result["sii"] == pytest.approx(half)
    # life expectancy is higher in less deprived deciles: negative SII in this convention
    assert result["sii"] < 0
    assert result["fitted_least_deprived"] > result["fitted_most_deprived"]


def test_interval_from_standard_errors_equals_phe_simulation():
    data = PHE_EXAMPLE
    result = slope_index_of_inequality(data, se_col="se").iloc[0]
    assert result["ci_method"] == "quantile standard errors"
    # PHE's method: draw each decile's value from N(value, se), refit, take percentiles
    rng = np.random.default_rng(2024)
    draws = rng.normal(data["value"].to_numpy(), data["se"].to_numpy(), size=(40_000, 10))
    x = _ridit(data["population"].to_numpy(float))
    w = data["population"].to_numpy(float)
    xc = x - np.average(x, weights=w)
    slopes = (draws - np.average(draws, axis=1, weights=w)[:, None]) @ (w * xc) / np.sum(w * xc**2)
    lower, upper = np.percentile(-slopes, [2.5, 97.5])
    assert result["sii_lower"] == pytest.approx(lower, abs=0.15)
    assert result["sii_upper"] == pytest.approx(upper, abs=0.15)


def test_limits_give_the_same_interval_as_standard_errors():
    data = PHE_EXAMPLE.assign(
        lower=lambda d: d["value"] - 1.959964 * d["se"],
        upper=lambda d: d["value"] + 1.959964 * d["se"],
    )
    from_se = slope_index_of_inequality(data, se_col="se").iloc[0]
    from_limits = slope_index_of_inequality(data, lower_col="lower", upper_col="upper").iloc[0]
    assert from_limits["sii_lower"] == pytest.approx(from_se["sii_lower"], rel=1e-5)
    assert from_limits["rii_upper"] == pytest.approx(from_se["rii_upper"], rel=1e-5)


def test_groups_are_independent_and_empty_deciles_are_dropped():
    x = (DECILES - 0.5) / 10
    area_a = pd.DataFrame(
        {"area_code": "A", "decile": DECILES, "value": 40 - 20 * x, "population": 1500}
    )
    # area B has nobody in deciles 1-2 (an affluent district): ridits span deciles 3-10 only
    area_b = pd.DataFrame({"area_code": "B", "decile": DECILES, "value": 5.0, "population": 800})
    area_b.loc[area_b["decile"] <= 2, ["population", "value"]] = [0, np.nan]
    result = slope_index_of_inequality(pd.concat([area_b, area_a]), group_cols=["area_code"])
    assert result["area_code"].tolist() == ["A", "B"]
    assert result["sii"].tolist() == pytest.approx([20.0, 0.0], abs=1e-9)
    assert result["n_quantiles"].tolist() == [10, 8]


def test_missing_value_or_too_few_quantiles_gives_nan_with_reason():
    base = pd.DataFrame(
        {"area_code": "A", "decile": [1, 2, 3, 4], "value": [4.0, 3, np.nan, 1], "population": 100}
    )
    short = pd.DataFrame({"area_code": "B", "decile": [1, 2], "value": [4.0, 3], "population": 100})
    result = slope_index_of_inequality(pd.concat([base, short]), group_cols="area_code").set_index(
        "area_code"
    )
    assert result["sii"].isna().all()
    assert result.loc["A", "reason"] == "a populated quantile has no value"
    assert result.loc["B", "reason"] == "fewer than 3 populated quantiles"


@pytest.mark.parametrize(
    ("kwargs", "frame_change", "message"),
    [
        ({"lower_col": "lower"}, None, "both lower_col and upper_col"),
        ({"se_col": "standard_error"}, None, "needs column\\(s\\) standard_error"),
        ({}, lambda f: f.assign(decile=["one"] + list(f["decile"].iloc[1:])), "must be a number"),
        ({}, lambda f: pd.concat([f, f.iloc[[0]]]), "one row per decile"),
        ({}, lambda f: f.assign(population=-f["population"]), "must not be negative"),
        ({"confidence": 95}, None, "confidence must be a fraction"),
    ],
)
def test_sii_rejects_bad_input(kwargs, frame_change, message):
    frame = PHE_EXAMPLE if frame_change is None else frame_change(PHE_EXAMPLE)
    with pytest.raises(ValueError, match=message):
        slope_index_of_inequality(frame, **kwargs)
