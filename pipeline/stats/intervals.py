"""Confidence intervals for proportions, counts and rates (PHE Fingertips methods).

Every function is vectorised: pass scalars, numpy arrays or pandas Series (many areas at once)
and get back a :class:`pandas.DataFrame` with one row per input element and the columns
``value``, ``lower_ci`` and ``upper_ci`` (the names of the indicator store). A Series input
keeps its index. Missing numerators or denominators, and zero denominators, give a NaN value
and interval, never an exception; impossible inputs (negative counts, a numerator above its
denominator for a proportion) raise :class:`ValueError`, because they mean a broken upstream
step rather than missing data.

Methods follow Public Health England's PHEindicatormethods / Fingertips:

- proportions: Wilson score interval (``phe_proportion``);
- counts and crude rates: Byar's approximation for counts of 10 or more and exact Poisson
  limits (chi-square / gamma distribution) below 10 (``phe_rate``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

#: Columns of every interval frame returned here.
INTERVAL_COLUMNS = ["value", "lower_ci", "upper_ci"]

#: Counts at or above this use Byar's method; below it the exact Poisson limits (PHE rule).
BYAR_MIN_COUNT = 10


# --------------------------------------------------------------------------------------------
# Shared input handling (used by the other modules of pipeline.stats)
# --------------------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float in (0, 1) or raise a clear ValueError."""
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(
            f"confidence must be a number between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"confidence must be a fraction between 0 and 1 (e.g. 0.95 for 95%), got {confidence!r}"
        )
    return level


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level (1.959964 for 0.95)."""
    return float(scipy_stats.norm.ppf(0.5 + _check_confidence(confidence) / 2.0))


def _check_multiplier(multiplier: Any) -> float:
    """Return a positive finite multiplier or raise ValueError."""
    try:
        value = float(multiplier)
    except (TypeError, ValueError):
        raise ValueError(
            f"multiplier must be a positive number (e.g. 100 or 1000), got {multiplier!r}"
        )
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"multiplier must be a positive number (e.g. 100 or 1000), got {multiplier!r}"
        )
    return value


def _index_of(*inputs: Any) -> pd.Index | None:
    """The index of the first pandas Series among ``inputs`` (None if there is none)."""
    for item in inputs:
        if isinstance(item, pd.Series):
            return item.index
    return None


def _as_arrays(names: list[str], *inputs: Any) -> tuple[list[np.ndarray], pd.Index]:
    """Convert inputs to 1-D float arrays of one common length (scalars broadcast).

    Raises
    ------
    ValueError
        If an input is not numeric, has more than one dimension, or the array inputs differ in
        length (the message names the inputs and their lengths).
    """
    arrays = []
    for name, item in zip(names, inputs):
        if isinstance(item, pd.DataFrame):
            message = f"{name} must be a 1-D array or Series, got a DataFrame"
            raise ValueError(message)  # noqa: TRY004 (the stats API raises ValueError)
        try:
            arr = np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric (numbers or NaN), got {item!r:.80}")
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a scalar or 1-D array, got shape {arr.shape}")
        arrays.append(arr)
    lengths = {name: arr.size for name, arr in zip(names, arrays) if arr.ndim == 1}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"inputs must have the same length (or be scalars): {detail}")
    length = next(iter(lengths.values())) if lengths else 1
    arrays = [np.broadcast_to(arr, (length,)).astype(float, copy=True) for arr in arrays]
    index = _index_of(*inputs)
    if index is None or len(index) != length:
        index = pd.RangeIndex(length)
    return arrays, index


def _check_non_negative(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if any (non-missing) element of ``arr`` is negative."""
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise ValueError(
            f"{name} must not be negative: {bad.size} negative value(s), first at position "
            f"{bad[0]} ({arr[bad[0]]:g})"
        )


def _frame(
    index: pd.Index, value: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame({"value": value, "lower_ci": lower, "upper_ci": upper}, index=index)


# --------------------------------------------------------------------------------------------
# Proportions
# --------------------------------------------------------------------------------------------


def wilson_interval(
    numerator: Any, denominator: Any, confidence: float = 0.95, multiplier: float = 1
) -> pd.DataFrame:
    """Proportion with its Wilson score confidence interval, for many areas at once.

    The Wilson score interval is the PHE/Fingertips method for proportions: it behaves well
    for small denominators and for proportions of 0 or 1 (unlike the normal approximation).
    Computed with :func:`statsmodels.stats.proportion.proportion_confint` (``method='wilson'``).

    Parameters
    ----------
    numerator, denominator
        Counts (scalars, arrays or Series of one length; a scalar broadcasts).
    confidence
        Confidence level as a fraction, e.g. 0.95 or 0.998.
    multiplier
        Scale of the output: 1 for a fraction, 100 for a percentage.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``lower_ci``, ``upper_ci`` (all times ``multiplier``). NaN where the
        numerator or denominator is missing or the denominator is 0.

    Raises
    ------
    ValueError
        Negative counts, a numerator larger than its denominator, inputs of different
        lengths, or a confidence level outside (0, 1).

    Examples
    --------
    >>> wilson_interval(10, 100, multiplier=100).round(2).iloc[0].tolist()
    [10.0, 5.52, 17.44]
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    (num, den), index = _as_arrays(["numerator", "denominator"], numerator, denominator)
    _check_non_negative(num, "numerator")
    _check_non_negative(den, "denominator")
    over = np.flatnonzero(num > den)
    if over.size:
        raise ValueError(
            f"numerator must not exceed denominator for a proportion: {over.size} row(s), first at "
            f"position {over[0]} ({num[over[0]]:g} > {den[over[0]]:g})"
        )
    valid = np.isfinite(num) & np.isfinite(den) & (den > 0)
    value = np.full(num.shape, np.nan)
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    if valid.any():
        lo, hi = proportion_confint(num[valid], den[valid], alpha=1 - level, method="wilson")
        value[valid] = num[valid] / den[valid]
        lower[valid] = np.clip(lo, 0.0, 1.0)
        upper[valid] = np.clip(hi, 0.0, 1.0)
    return _frame(index, value * scale, lower * scale, upper * scale)


# --------------------------------------------------------------------------------------------
# Counts and rates
# --------------------------------------------------------------------------------------------


def _count_and_denominator(count: Any, denominator: Any) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    (cnt, den), index = _as_arrays(["count", "denominator"], count, denominator)
    _check_non_negative(cnt, "count")
    _check_non_negative(den, "denominator")
    return cnt, den, index


def _byar_limits(count: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits for the count itself (lower 0 at a count of 0; NaN where
    the approximation gives a negative lower limit, as PHEindicatormethods' ``byars_lower``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    lower = np.where(count == 0, 0.0, lower)
    return lower, upper


def _exact_limits(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for the count: chi-square quantiles / 2 (lower 0 at a count of 0)."""
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lower = scipy_stats.chi2.ppf(alpha / 2, 2 * count) / 2
        upper = scipy_stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    lower = np.where(count == 0, 0.0, lower)
    return lower, upper


def _rate_frame(
    cnt: np.ndarray,
    den: np.ndarray,
    lower_count: np.ndarray,
    upper_count: np.ndarray,
    scale: float,
    index: pd.Index,
) -> pd.DataFrame:
    valid = np.isfinite(cnt) & np.isfinite(den) & (den > 0)
    safe_den = np.where(valid, den, 1.0)
    factor = np.where(valid, scale / safe_den, np.nan)
    return _frame(index, cnt * factor, lower_count * factor, upper_count * factor)


def byar_interval(
    count: Any, denominator: Any = 1, confidence: float = 0.95, multiplier: float = 1
) -> pd.DataFrame:
    """Rate (or count) with Byar's approximate Poisson confidence interval.

    Byar's method (Breslow & Day 1987) approximates the exact Poisson limits closely for
    counts of 10 or more; PHE uses it there (see :func:`rate_interval` for the switch):

    lower = O (1 - 1/(9 O) - z / (3 sqrt(O)))^3,
    upper = (O+1) (1 - 1/(9 (O+1)) + z / (3 sqrt(O+1)))^3,

    then divided by the denominator and times the multiplier.

    Parameters
    ----------
    count
        Observed number of events O.
    denominator
        Population (or person-time); default 1 gives limits for the count itself.
    confidence
        Confidence level as a fraction.
    multiplier
        Rate scale, e.g. 1000 for "per 1,000".

    Returns
    -------
    pandas.DataFrame
        ``value``, ``lower_ci``, ``upper_ci``; NaN where count or denominator is missing or the
        denominator is 0. A count of 0 gets a lower limit of 0. Where the approximation breaks
        down (a very small count at a high confidence level, e.g. 1 event at 99.8%) the formula
        gives a negative lower limit: it is NaN instead, as PHEindicatormethods' ``byars_lower``
        returns NA there.

    Raises
    ------
    ValueError
        Negative count or denominator, mismatched lengths, or a bad confidence/multiplier.
    """
    z = _z(confidence)
    scale = _check_multiplier(multiplier)
    cnt, den, index = _count_and_denominator(count, denominator)
    lower, upper = _byar_limits(cnt, z)
    return _rate_frame(cnt, den, lower, upper, scale, index)


def exact_poisson_interval(
    count: Any, denominator: Any = 1, confidence: float = 0.95, multiplier: float = 1
) -> pd.DataFrame:
    """Rate (or count) with exact Poisson confidence limits.

    The limits are the chi-square quantiles chi2(alpha/2, 2 O)/2 and chi2(1 - alpha/2, 2 O + 2)/2
    (equivalently gamma quantiles; Armitage & Berry), computed with :mod:`scipy.stats`; for a
    count of 0 the lower limit is 0 and the upper limit at 95% is 3.689.

    Parameters
    ----------
    count, denominator, confidence, multiplier
        As for :func:`byar_interval`.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``lower_ci``, ``upper_ci``; NaN for missing inputs or a zero denominator.

    Raises
    ------
    ValueError
        Negative count or denominator, mismatched lengths, or a bad confidence/multiplier.
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    cnt, den, index = _count_and_denominator(count, denominator)
    lower, upper = _exact_limits(cnt, level)
    return _rate_frame(cnt, den, lower, upper, scale, index)


def rate_interval(
    count: Any, denominator: Any = 1, confidence: float = 0.95, multiplier: float = 1
) -> pd.DataFrame:
    """Rate with the PHE interval: Byar's method for counts >= 10, exact Poisson below 10.

    This is the rule of PHEindicatormethods' ``phe_rate`` and of Fingertips for crude rates
    and counts. Use it for the catalogue's ``ci: byar``.

    Parameters
    ----------
    count, denominator, confidence, multiplier
        As for :func:`byar_interval`.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``lower_ci``, ``upper_ci``; NaN for missing inputs or a zero denominator.

    Raises
    ------
    ValueError
        Negative count or denominator, mismatched lengths, or a bad confidence/multiplier.

    Examples
    --------
    >>> rate_interval([0, 20], 1).round(3)["upper_ci"].tolist()
    [3.689, 30.89]
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    cnt, den, index = _count_and_denominator(count, denominator)
    byar_lower, byar_upper = _byar_limits(cnt, _z(level))
    exact_lower, exact_upper = _exact_limits(cnt, level)
    use_byar = cnt >= BYAR_MIN_COUNT
    lower = np.where(use_byar, byar_lower, exact_lower)
    upper = np.where(use_byar, byar_upper, exact_upper)
    return _rate_frame(cnt, den, lower, upper, scale, index)
