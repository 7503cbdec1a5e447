"""The gap between two groups (priority neighbourhoods vs the rest of the district).

"Narrowing the gap" is the neighbourhood renewal aim. Group A is conventionally the priority
neighbourhoods and group B the rest of the district, so ``difference = value_a - value_b`` and
``ratio = value_a / value_b``. All functions are vectorised over indicators (one element per
indicator or per area pair) and return one row per element.

Intervals:

- rates (counts per population): difference by the normal approximation with Poisson variances
  (``var = count / denominator^2``; statsmodels ``confint_poisson_2indep(method='wald')``),
  ratio by the log method (``se(log RR) = sqrt(1/O_a + 1/O_b)``, ``method='wald-log'``);
- proportions: difference by Newcombe's hybrid score interval (Newcombe 1998, method 10;
  statsmodels ``confint_proportions_2indep(method='newcomb')``), ratio by the log method
  (``se = sqrt(1/x_a - 1/n_a + 1/x_b - 1/n_b)``, ``method='log'``);
- population-weighted scores (IMD): difference and ratio only, no interval.

Where a count is 0 the log-ratio interval is not defined and is NaN; where both counts are 0 the
rate difference interval (zero variance) is NaN too.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.rates import confint_poisson_2indep

from pipeline.stats.intervals import (
    _as_arrays,
    _check_confidence,
    _check_multiplier,
    _check_non_negative,
    _z,
)

#: Columns of every gap frame.
GAP_COLUMNS = [
    "value_a",
    "value_b",
    "difference",
    "difference_lower",
    "difference_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
    "ci_method",
]

GAP_KINDS = ("rate", "proportion")

#: Values returned by :func:`gap_change`.
GAP_CHANGE_CATEGORIES = ["widened", "narrowed", "no significant change", "not assessed"]

_CI_METHODS = {
    "rate": "normal approximation (Poisson); log ratio",
    "proportion": "Newcombe hybrid score; log ratio",
}


def rate_gap(
    num_a: Any,
    den_a: Any,
    num_b: Any,
    den_b: Any,
    kind: str = "rate",
    multiplier: float = 1,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference and ratio between group A and group B, with confidence intervals.

    Parameters
    ----------
    num_a, den_a
        Numerators (counts) and denominators of group A (e.g. priority neighbourhoods).
    num_b, den_b
        The same for group B (e.g. the rest of the district).
    kind
        ``'rate'`` (counts per population) or ``'proportion'`` (numerator part of denominator).
    multiplier
        Scale of the values (1000 for per 1,000, 100 for %); the difference is on this scale,
        the ratio is unitless.
    confidence
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS`; NaN where a numerator or denominator is missing or a denominator
        is 0. Keeps the index of the first Series input.

    Raises
    ------
    ValueError
        Unknown ``kind``, negative counts, a proportion numerator above its denominator,
        inputs of different lengths or a bad confidence/multiplier.
    """
    if kind not in GAP_KINDS:
        raise ValueError(f"unknown gap kind {kind!r}; expected one of {', '.join(GAP_KINDS)}")
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    (xa, na, xb, nb), index = _as_arrays(
        ["num_a", "den_a", "num_b", "den_b"], num_a, den_a, num_b, den_b
    )
    for arr, name in ((xa, "num_a"), (na, "den_a"), (xb, "num_b"), (nb, "den_b")):
        _check_non_negative(arr, name)
    if kind == "proportion":
        for x, n, name in ((xa, na, "a"), (xb, nb, "b")):
            over = np.flatnonzero(x > n)
            if over.size:
                raise ValueError(
                    f"num_{name} must not exceed den_{name} for a proportion: {over.size} row(s), "
                    f"first at position {over[0]} ({x[over[0]]:g} > {n[over[0]]:g})"
                )
    valid = np.isfinite(xa) & np.isfinite(na) & np.isfinite(xb) & np.isfinite(nb)
    valid &= (na > 0) & (nb > 0)
    alpha = 1 - level
    length = xa.size
    out = {c: np.full(length, np.nan) for c in GAP_COLUMNS[:-1]}
    if valid.any():
        a, n1, b, n2 = xa[valid], na[valid], xb[valid], nb[valid]
        pa, pb = a / n1, b / n2
        out["value_a"][valid] = pa * scale
        out["value_b"][valid] = pb * scale
        out["difference"][valid] = (pa - pb) * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            out["ratio"][valid] = np.where(pb > 0, pa / pb, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if kind == "rate":
                low, upp = confint_poisson_2indep(
                    a, n1, b, n2, method="wald", compare="diff", alpha=alpha
                )
                usable = (a + b) > 0
            else:
                low, upp = confint_proportions_2indep(
                    a, n1, b, n2, method="newcomb", compare="diff", alpha=alpha
                )
                usable = np.ones(a.shape, dtype=bool)
            out["difference_lower"][valid] = np.where(usable, low * scale, np.nan)
            out["difference_upper"][valid] = np.where(usable, upp * scale, np.nan)
            both = (a > 0) & (b > 0)
            ratio_low = np.full(a.shape, np.nan)
            ratio_upp = np.full(a.shape, np.nan)
            if both.any():
                if kind == "rate":
                    lo, up = confint_poisson_2indep(
                        a[both],
                        n1[both],
                        b[both],
                        n2[both],
                        method="wald-log",
                        compare="ratio",
                        alpha=alpha,
                    )
                else:
                    lo, up = confint_proportions_2indep(
                        a[both],
                        n1[both],
                        b[both],
                        n2[both],
                        method="log",
                        compare="ratio",
                        alpha=alpha,
                    )
                ratio_low[both], ratio_upp[both] = lo, up
            out["ratio_lower"][valid] = ratio_low
            out["ratio_upper"][valid] = ratio_upp
    frame = pd.DataFrame(out, index=index)
    frame["ci_method"] = np.where(valid, _CI_METHODS[kind], "")
    return frame[GAP_COLUMNS]


def score_gap(score_a: Any, score_b: Any) -> pd.DataFrame:
    """Difference and ratio between two population-weighted scores (no interval).

    Scores such as the IMD are not counts, so no sampling interval exists; the interval
    columns are NaN and ``ci_method`` says ``'not available'``.

    Parameters
    ----------
    score_a, score_b
        Population-weighted mean scores of group A and group B (one per indicator).

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS` (same layout as :func:`rate_gap`, so the two can be concatenated).

    Raises
    ------
    ValueError
        Inputs of different lengths or non-numeric.
    """
    (sa, sb), index = _as_arrays(["score_a", "score_b"], score_a, score_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sb != 0, sa / sb, np.nan)
    nan = np.full(sa.shape, np.nan)
    return pd.DataFrame(
        {
            "value_a": sa,
            "value_b": sb,
            "difference": sa - sb,
            "difference_lower": nan,
            "difference_upper": nan,
            "ratio": ratio,
            "ratio_lower": nan,
            "ratio_upper": nan,
            "ci_method": "not available",
        },
        index=index,
    )[GAP_COLUMNS]


def gap_change(
    gap_earliest: pd.DataFrame,
    gap_latest: pd.DataFrame,
    confidence: float = 0.95,
    ci_confidence: float = 0.95,
) -> pd.Series:
    """Has the gap widened or narrowed between two periods?

    Each gap's standard error is recovered from its interval,
    ``se = (difference_upper - difference_lower) / (2 z)``; the change in the difference is
    tested with ``z = (d_latest - d_earliest) / sqrt(se_earliest^2 + se_latest^2)`` (the two
    periods treated as independent). A significant change is ``'widened'`` when the gap's size
    grew (``|d_latest| > |d_earliest|``) and ``'narrowed'`` otherwise (including a gap that
    reversed and got smaller or equal in size); rows without both intervals (e.g. score gaps)
    are ``'not assessed'``.

    Parameters
    ----------
    gap_earliest, gap_latest
        Frames from :func:`rate_gap` / :func:`score_gap` (or any with ``difference``,
        ``difference_lower``, ``difference_upper``), aligned row by row.
    confidence
        Level of the test for a change.
    ci_confidence
        Level of the supplied intervals.

    Returns
    -------
    pandas.Series
        Categorical with :data:`GAP_CHANGE_CATEGORIES`, index of ``gap_latest``.

    Raises
    ------
    ValueError
        Missing columns or frames of different lengths.
    """
    needed = ["difference", "difference_lower", "difference_upper"]
    for name, frame in (("gap_earliest", gap_earliest), ("gap_latest", gap_latest)):
        if not isinstance(frame, pd.DataFrame):
            message = f"{name} must be a DataFrame from rate_gap or score_gap"
            raise ValueError(message)  # noqa: TRY004 (the stats API raises ValueError)
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
    if len(gap_earliest) != len(gap_latest):
        raise ValueError(
            f"gap_earliest has {len(gap_earliest)} rows and gap_latest {len(gap_latest)}; "
            "they must be aligned row by row"
        )
    z_test = _z(confidence)
    z_ci = _z(ci_confidence)

    def parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        d = pd.to_numeric(frame["difference"], errors="coerce").to_numpy(float)
        width = pd.to_numeric(frame["difference_upper"], errors="coerce").to_numpy(
            float
        ) - pd.to_numeric(frame["difference_lower"], errors="coerce").to_numpy(float)
        return d, width / (2 * z_ci)

    d1, se1 = parts(gap_earliest)
    d2, se2 = parts(gap_latest)
    combined = np.sqrt(se1**2 + se2**2)
    assessable = np.isfinite(d1) & np.isfinite(d2) & np.isfinite(combined)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (d2 - d1) / combined
    significant = assessable & (np.abs(statistic) > z_test)
    result = np.select(
        [~assessable, significant & (np.abs(d2) > np.abs(d1)), significant],
        ["not assessed", "widened", "narrowed"],
        "no significant change",
    )
    return pd.Series(
        pd.Categorical(result, categories=GAP_CHANGE_CATEGORIES),
        index=gap_latest.index,
        name="gap_change",
    )
