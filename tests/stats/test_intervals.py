"""Tests for pipeline.stats.intervals: Wilson, Byar, exact Poisson and the PHE rate rule.

Reference values
----------------
- Wilson score intervals: Newcombe RG (1998) "Two-sided confidence intervals for the single
  proportion", Stat Med 17:857-872, Table I, method 3 (the score method used by PHE):
  81/263 -> 0.2553-0.3662, 15/148 -> 0.0624-0.1605, 0/20 -> 0-0.1611, 1/29 -> 0.0061-0.1718;
  and 10/100 -> 5.52%-17.44% (given in the brief).
- Exact Poisson 95% limits for a count (standard tables, e.g. Documenta Geigy / Armitage &
  Berry): 0 -> 0-3.689, 1 -> 0.0253-5.572, 5 -> 1.623-11.668, 9 -> 4.115-17.085,
  10 -> 4.795-18.390. Also checked against the definition (Poisson tail probabilities).
- Byar's limits, computed by hand from Breslow & Day's formula (below, independently of the
  module): 20 -> 12.211-30.890; 65 -> 50.163-82.849 (exact: 50.166-82.848).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.stats.intervals import (
    byar_interval,
    exact_poisson_interval,
    rate_interval,
    wilson_interval,
)

Z95 = 1.959963984540054


# ---------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("numerator", "denominator", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(numerator, denominator, lower, upper):
    result = wilson_interval(numerator, denominator).iloc[0]
    assert result["lower_ci"] == pytest.approx(lower, abs=5e-5)
    assert result["upper_ci"] == pytest.approx(upper, abs=5e-5)


def test_wilson_percentage_ten_in_a_hundred():
    result = wilson_interval(10, 100, multiplier=100).iloc[0]
    assert result["value"] == pytest.approx(10.0)
    assert result["lower_ci"] == pytest.approx(5.52, abs=0.005)
    assert result["upper_ci"] == pytest.approx(17.44, abs=0.005)


def test_wilson_vectorised_matches_closed_form():
    numerator = np.array([0, 3, 17, 250, 999])
    denominator = np.array([7, 12, 40, 1000, 1000])
    result = wilson_interval(numerator, denominator, confidence=0.998)
    z = stats.norm.ppf(0.999)
    p = numerator / denominator
    centre = (p + z**2 / (2 * denominator)) / (1 + z**2 / denominator)
    half = (
        z
        * np.sqrt(p * (1 - p) / denominator + z**2 / (4 * denominator**2))
        / (1 + z**2 / denominator)
    )
    np.testing.assert_allclose(result["lower_ci"], np.clip(centre - half, 0, 1), atol=1e-12)
    np.testing.assert_allclose(result["upper_ci"], centre + half, atol=1e-12)
    assert len(result) == 5


def test_wilson_numerator_equals_denominator_and_small_denominators():
    result = wilson_interval([5, 1, 0], [5, 1, 1])
    # upper limit at x = 0 is z^2 / (n + z^2)
    assert result["upper_ci"].tolist() == pytest.approx([1.0, 1.0, Z95**2 / (1 + Z95**2)])
    # lower limit at x = n is n / (n + z^2)
    assert result["lower_ci"].iloc[0] == pytest.approx(5 / (5 + Z95**2))
    assert result["lower_ci"].iloc[2] == 0.0
    assert (result["lower_ci"] >= 0).all() and (result["upper_ci"] <= 1).all()


def test_wilson_missing_and_zero_denominator_give_nan_and_keep_index():
    numerator = pd.Series([10, np.nan, 3, 0], index=["E01", "E02", "E03", "E04"])
    denominator = pd.Series([100, 50, np.nan, 0], index=numerator.index)
    result = wilson_interval(numerator, denominator)
    assert list(result.index) == ["E01", "E02", "E03", "E04"]
    assert list(result.columns) == ["value", "lower_ci", "upper_ci"]
    assert result.loc["E01"].notna().all()
    assert result.loc[["E02", "E03", "E04"]].isna().all().all()


def test_wilson_nullable_integer_series():
    result = wilson_interval(
        pd.Series([10, None], dtype="Int64"), pd.Series([100, 100], dtype="Int64")
    )
    assert result["value"].iloc[0] == pytest.approx(0.1)
    assert np.isnan(result["value"].iloc[1])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([11], [10]), {}, "must not exceed denominator"),
        (([-1], [10]), {}, "numerator must not be negative"),
        (([1, 2], [10, 20, 30]), {}, "same length"),
        (([1], [10]), {"confidence": 95}, "confidence must be a fraction"),
        (([1], [10]), {"multiplier": 0}, "multiplier must be a positive number"),
        ((np.ones((2, 2)), 10), {}, "1-D"),
        ((["a"], [10]), {}, "numeric"),
    ],
)
def test_wilson_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(*args, **kwargs)


# ---------------------------------------------------------------- exact Poisson


@pytest.mark.parametrize(
    ("count", "lower", "upper"),
    [
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (5, 1.623, 11.668),
        (9, 4.115, 17.085),
        (10, 4.795, 18.390),
    ],
)
def test_exact_poisson_matches_tables(count, lower, upper):
    result = exact_poisson_interval(count).iloc[0]
    assert result["lower_ci"] == pytest.approx(lower, abs=6e-4)
    assert result["upper_ci"] == pytest.approx(upper, abs=6e-4)


def test_exact_poisson_meets_its_definition():
    counts = np.array([1, 2, 7, 30])
    result = exact_poisson_interval(counts, confidence=0.9)
    # P(X >= x | lower) = alpha/2 and P(X <= x | upper) = alpha/2
    np.testing.assert_allclose(stats.poisson.sf(counts - 1, result["lower_ci"]), 0.05, rtol=1e-6)
    np.testing.assert_allclose(stats.poisson.cdf(counts, result["upper_ci"]), 0.05, rtol=1e-6)


def test_exact_poisson_rate_with_multiplier_and_missing():
    result = exact_poisson_interval([0, 4, np.nan, 2], [2000, 2000, 2000, 0], multiplier=1000)
    assert result["upper_ci"].iloc[0] == pytest.approx(3.688879 / 2, rel=1e-5)
    assert result["value"].iloc[1] == pytest.approx(2.0)
    assert result.iloc[2:].isna().all().all()


def test_exact_poisson_rejects_negative_counts():
    with pytest.raises(ValueError, match="count must not be negative"):
        exact_poisson_interval([-3], [100])


# ---------------------------------------------------------------- Byar


def _byar_by_hand(count: float, z: float = Z95) -> tuple[float, float]:
    lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    return lower, upper


def test_byar_reference_values():
    result = byar_interval([20, 65])
    assert result["lower_ci"].tolist() == pytest.approx([12.2114, 50.1632], abs=1e-4)
    assert result["upper_ci"].tolist() == pytest.approx([30.8899, 82.8491], abs=1e-4)
    assert (result["lower_ci"].iloc[1], result["upper_ci"].iloc[1]) == pytest.approx(
        _byar_by_hand(65)
    )


def test_byar_close_to_exact_for_large_counts_and_rate_scaling():
    result = byar_interval(1045, 250_000, multiplier=100_000)
    exact = exact_poisson_interval(1045, 250_000, multiplier=100_000)
    assert result["value"].iloc[0] == pytest.approx(418.0)
    np.testing.assert_allclose(
        result[["lower_ci", "upper_ci"]], exact[["lower_ci", "upper_ci"]], rtol=1e-3
    )


def test_byar_zero_count_has_zero_lower_limit():
    result = byar_interval([0])
    assert result["lower_ci"].iloc[0] == 0.0
    assert result["upper_ci"].iloc[0] > 0


def test_byar_negative_lower_limit_is_missing_as_in_phe_indicator_methods():
    """PHEindicatormethods' byars_lower sets a negative limit to NA: one event at 99.8% gives
    1 * (1 - 1/9 - 3.0902/3)^3 = -0.0028 by the formula, which is not a limit."""
    result = byar_interval([1, 2, 10], confidence=0.998)
    assert np.isnan(result["lower_ci"].iloc[0])
    assert _byar_by_hand(1, 3.090232306167813)[0] < 0
    # the upper limit of the same count, and the other counts' limits, are kept
    assert result["upper_ci"].iloc[0] == pytest.approx(_byar_by_hand(1, 3.090232306167813)[1])
    assert result["lower_ci"].iloc[1] == pytest.approx(_byar_by_hand(2, 3.090232306167813)[0])
    assert result["lower_ci"].iloc[1:].gt(0).all()
    # at 95% one event still has its (positive) Byar lower limit
    assert byar_interval([1])["lower_ci"].iloc[0] == pytest.approx(_byar_by_hand(1)[0])
    assert _byar_by_hand(1)[0] > 0


def test_byar_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        byar_interval([1, 2, 3], [10, 20])


# ---------------------------------------------------------------- PHE rate rule


def test_rate_interval_switches_from_exact_to_byar_at_ten():
    counts = np.array([0, 9, 10, 20])
    result = rate_interval(counts)
    exact = exact_poisson_interval(counts)
    byar = byar_interval(counts)
    pd.testing.assert_frame_equal(result.iloc[:2], exact.iloc[:2])
    pd.testing.assert_frame_equal(result.iloc[2:], byar.iloc[2:])
    # the two methods really differ at 10, so the switch is observable
    assert result["lower_ci"].iloc[2] == pytest.approx(4.7875, abs=1e-4)
    assert exact["lower_ci"].iloc[2] == pytest.approx(4.7954, abs=1e-4)


def test_rate_interval_per_thousand_with_nan_and_zero_population():
    count = pd.Series([20, 3, np.nan, 5, 0], index=list("abcde"))
    population = pd.Series([5000, 1500, 1500, 0, 1200], index=count.index)
    result = rate_interval(count, population, multiplier=1000)
    assert result.loc["a", "value"] == pytest.approx(4.0)
    assert result.loc["a", "lower_ci"] == pytest.approx(12.2114 / 5, abs=1e-4)
    assert result.loc["a", "upper_ci"] == pytest.approx(30.8899 / 5, abs=1e-4)
    assert result.loc["b", "upper_ci"] == pytest.approx(8.7673 / 1.5, abs=1e-3)
    assert result.loc[["c", "d"]].isna().all().all()
    assert result.loc["e", "lower_ci"] == 0.0
    assert result.loc["e", "upper_ci"] == pytest.approx(3.688879 / 1.2, rel=1e-5)


def test_rate_interval_rejects_bad_confidence():
    with pytest.raises(ValueError, match="confidence"):
        rate_interval([10], [100], confidence=1.5)
