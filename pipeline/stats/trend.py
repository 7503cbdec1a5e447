"""Recent trend over the latest five points, as OHID Fingertips marks it, many series at once.

The rule (``rule='fingertips'``, the default)
--------------------------------------------
For each group (an area, or area x indicator) the rows are ordered by ``order_col`` and the
latest ``points`` (5) periods are taken; the time axis is the position of each period
(0, 1, ..., 4: equally spaced, as Fingertips treats its points). With fewer than five periods the
trend is ``'not enough points'``; if any of the five lacks what the test needs (a suppressed
value, say) it is ``'could not be calculated'``, with the reason.

Both kinds are a weighted least-squares slope of the values on time with weights ``w`` the
inverse of each point's *sampling* variance, and the chi-squared statistic for trend on one
degree of freedom

    chi2 = (sum w (x - xbar)(y - ybar))^2 / sum w (x - xbar)^2     (xbar, ybar weighted means)

- **Proportions** (``kind='proportion'``, columns ``numerator``, ``denominator``): ``y = r / n``
  and ``w = n / (pbar (1 - pbar))`` with ``pbar`` the pooled proportion, so ``chi2`` is the
  chi-squared test for trend in proportions (Armitage 1955; Altman, *Practical statistics for
  medical research*, 10.7.4): ``T^2 / (pbar (1 - pbar) sum n (x - xbar)^2)`` with
  ``T = sum r (x - xbar)``. It equals R's ``prop.trend.test`` and statsmodels'
  linear-by-linear association test times N / (N - 1).
- **Rates** (``kind='rate'``, columns ``value``, ``lower_ci``, ``upper_ci``): the same
  statistic with ``y`` the rate and ``w = 1 / se^2``, the standard error taken from each
  point's confidence interval, ``se = (upper_ci - lower_ci) / (2 z)`` (z of the interval's
  level, 1.96 for 95%): sampling variance only, no allowance for year-to-year variation.

A trend is significant when ``chi2`` exceeds the chi-squared quantile of ``confidence`` on one
degree of freedom: 9.5495 at Fingertips' 99.8% (3.0902 squared). It is reported only when it
is also **stable**: the slope keeps its sign when each of the five points is dropped in turn
(five four-point slopes, all of the five-point slope's sign). Otherwise the trend is
``'no significant change'`` with ``sign_stable = False``.

The option ``rule='overdispersed'`` keeps this package's earlier variant for rates: the slope's
variance is the larger of the sampling variance and the residual variance (weighted residual sum
of squares / (n - 2)), tested on a t distribution on n - 2 degrees of freedom when the residual
variance is the larger; it is more cautious where rates vary from year to year beyond sampling
error. Proportions are tested the same way under both rules.

The trend is then turned by polarity into ``'getting better'`` / ``'getting worse'``
(``no_judgement`` indicators keep ``'increasing'`` / ``'decreasing'``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from pipeline.stats.compare import POLARITIES
from pipeline.stats.intervals import _check_confidence, _check_multiplier, _z

#: Trend kinds and the columns each needs.
TREND_INPUTS: dict[str, tuple[str, ...]] = {
    "rate": ("value", "lower_ci", "upper_ci"),
    "proportion": ("numerator", "denominator"),
}

#: The rules of :func:`recent_trend` (see the module notes).
TREND_RULES = ("fingertips", "overdispersed")

#: Fingertips' significance level for recent trends.
FINGERTIPS_CONFIDENCE = 0.998

#: Values of the ``trend`` column.
TREND_CATEGORIES = ["increasing", "decreasing", "no significant change", "not enough points",
                    "could not be calculated"]

#: Values of the ``assessment`` column.
ASSESSMENT_CATEGORIES = [
    "getting better",
    "getting worse",
    "increasing",
    "decreasing",
    "no significant change",
    "not enough points",
    "could not be calculated",
]

#: Output columns after the group columns.
TREND_COLUMNS = [
    "n_points",
    "method",
    "slope",
    "statistic",
    "threshold",
    "p_value",
    "sign_stable",
    "trend",
    "assessment",
    "label",
    "reason",
]


def chi_square_threshold(confidence: float = FINGERTIPS_CONFIDENCE) -> float:
    """The chi-squared (1 degree of freedom) value a trend must exceed at ``confidence``
    (two-sided): 9.5495 at 99.8%, 3.8415 at 95%."""
    return float(scipy_stats.chi2.ppf(_check_confidence(confidence), df=1))


def recent_trend(
    df: pd.DataFrame,
    kind: str,
    polarity: str | None,
    *,
    group_cols: Sequence[str] = ("area_code",),
    order_col: str = "period",
    points: int = 5,
    confidence: float = FINGERTIPS_CONFIDENCE,
    ci_confidence: float = 0.95,
    multiplier: float = 1,
    rule: str = "fingertips",
) -> pd.DataFrame:
    """Recent trend (latest five points, Fingertips' rule) for every group of a long frame.

    Parameters
    ----------
    df
        Long frame, one row per group x period, with ``group_cols``, ``order_col`` and the
        inputs of :data:`TREND_INPUTS` for ``kind`` (store column names).
    kind
        ``'rate'`` (values and their intervals) or ``'proportion'`` (numerators and
        denominators).
    polarity
        ``'higher_is_worse'``, ``'higher_is_better'`` or ``'no_judgement'``; ``None`` to read
        each group's polarity from a ``polarity`` column of ``df``.
    group_cols
        Columns identifying a series (e.g. ``('area_code',)`` or
        ``('indicator_id', 'area_code')``).
    order_col
        Column whose sort order is chronological (e.g. ``'2015'``, ``'2016/17'`` strings or
        integers).
    points
        How many latest points to test (Fingertips: 5; at least 4).
    confidence
        Significance level of the test (default Fingertips' 0.998: chi-squared > 9.5495).
    ci_confidence
        Level of the ``lower_ci``/``upper_ci`` supplied for rates (to recover the variance).
    multiplier
        Scale for the proportion slope (100 for percentage points per period).
    rule
        ``'fingertips'`` (sampling variance only) or ``'overdispersed'`` (rates: allow for
        residual variance; see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, then ``n_points`` (periods available, at most
        ``points``), ``method``, ``slope`` (value units per period), ``statistic``
        (chi-squared, or t squared under the overdispersed rule when the residual variance is
        used), ``threshold`` (the value the statistic is compared with), ``p_value``,
        ``sign_stable`` (every leave-one-out slope has the slope's sign), ``trend``
        (:data:`TREND_CATEGORIES`), ``assessment`` (:data:`ASSESSMENT_CATEGORIES`), ``label``
        (plain English, e.g. "Increasing and getting worse") and ``reason`` (why there is no
        test result, else '').

    Raises
    ------
    ValueError
        Unknown ``kind``, ``polarity`` or ``rule``, missing columns, ``points`` < 4, or a group
        with the same period twice.

    Examples
    --------
    >>> frame = pd.DataFrame({"area_code": "A", "period": range(5),
    ...                       "numerator": [10, 14, 18, 25, 30], "denominator": 100})
    >>> recent_trend(frame, "proportion", "higher_is_worse")["label"].iloc[0]
    'Increasing and getting worse'
    """
    if kind not in TREND_INPUTS:
        raise ValueError(f"unknown trend kind {kind!r}; expected one of {', '.join(TREND_INPUTS)}")
    if polarity is not None and polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {', '.join(POLARITIES)}")
    if rule not in TREND_RULES:
        raise ValueError(f"unknown trend rule {rule!r}; expected one of {', '.join(TREND_RULES)}")
    if not isinstance(points, (int, np.integer)) or points < 4:
        raise ValueError(f"points must be an integer of at least 4, got {points!r}")
    threshold = chi_square_threshold(confidence)
    z_ci = _z(ci_confidence)
    scale = _check_multiplier(multiplier)
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    if not group_cols:
        raise ValueError("group_cols must name at least one column (e.g. 'area_code')")
    needed = [*group_cols, order_col, *TREND_INPUTS[kind], *(["polarity"] if polarity is None
                                                               else [])]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"recent_trend(kind={kind!r}) needs column(s) {', '.join(missing)}; "
            f"the frame has {', '.join(map(str, df.columns))}"
        )
    keys = [*group_cols, order_col]
    duplicated = df.duplicated(keys)
    if duplicated.any():
        first = df.loc[duplicated, keys].iloc[0].to_dict()
        raise ValueError(f"each group must have one row per {order_col}; duplicate found: {first}")

    ordered = df.sort_values(keys, kind="stable")
    latest = ordered.groupby(group_cols, sort=True, dropna=False).tail(points)
    grouped = latest.groupby(group_cols, sort=True, dropna=False)
    group_id = grouped.ngroup().to_numpy()
    column = points - 1 - grouped.cumcount(ascending=False).to_numpy()
    n_groups = int(group_id.max()) + 1 if len(group_id) else 0
    n_points = np.bincount(group_id, minlength=n_groups)
    out = grouped.size().reset_index()[group_cols]

    def matrix(name: str) -> np.ndarray:
        mat = np.full((n_groups, points), np.nan)
        mat[group_id, column] = pd.to_numeric(latest[name], errors="coerce").to_numpy(float)
        return mat

    x = np.broadcast_to(np.arange(points, dtype=float), (n_groups, points))
    if kind == "rate":
        y = matrix("value")
        se = (matrix("upper_ci") - matrix("lower_ci")) / (2 * z_ci)
        complete = np.isfinite(y).all(axis=1) & (np.isfinite(se) & (se > 0)).all(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(np.isfinite(se) & (se > 0), 1.0 / se**2, np.nan)
        method = "chi-squared test for trend (rates, sampling variance)"
        incomplete_reason = "missing value or confidence interval in the latest points"
    else:
        num, den = matrix("numerator"), matrix("denominator")
        complete = (
            np.isfinite(num) & np.isfinite(den) & (den > 0) & (num >= 0) & (num <= den)
        ).all(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_bar = num.sum(axis=1) / den.sum(axis=1)
            y = num / den * scale
            weight = den / (p_bar * (1 - p_bar))[:, None] / scale**2
        method = "chi-squared test for trend in proportions"
        incomplete_reason = "missing or invalid numerator/denominator in the latest points"

    slope, statistic, p_value = _trend_test(x, y, weight,
                                            overdispersed=rule == "overdispersed" and
                                            kind == "rate")
    if rule == "overdispersed" and kind == "rate":
        method = "weighted regression (allowing for overdispersion)"
    stable = _sign_survives_each_drop(x, y, weight, slope)

    enough = n_points >= points
    valid = enough & complete & np.isfinite(statistic)
    sign_stable = valid & stable
    significant = valid & (p_value < 1 - _check_confidence(confidence)) & sign_stable
    trend = np.select(
        [~enough, ~valid, significant & (slope > 0), significant & (slope < 0)],
        ["not enough points", "could not be calculated", "increasing", "decreasing"],
        "no significant change",
    )
    reason = np.select(
        [~enough, ~complete, ~valid],
        [
            f"fewer than {points} points",
            incomplete_reason,
            "no variation to test (e.g. all values equal or all zero)",
        ],
        "",
    )
    polarities = (np.full(n_groups, polarity, dtype=object) if polarity is not None
                  else grouped["polarity"].first().to_numpy(object))
    assessment, label = _judge(trend, polarities)

    out["n_points"] = n_points
    out["method"] = method
    out["slope"] = np.where(valid, slope, np.nan)
    out["statistic"] = np.where(valid, statistic, np.nan)
    out["threshold"] = threshold
    out["p_value"] = np.where(valid, p_value, np.nan)
    out["sign_stable"] = sign_stable
    out["trend"] = pd.Categorical(trend, categories=TREND_CATEGORIES)
    out["assessment"] = pd.Categorical(assessment, categories=ASSESSMENT_CATEGORIES)
    out["label"] = label
    out["reason"] = reason
    return out


def _weighted_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise weighted least-squares slope of y on x: slope, sum w dx^2, and the weighted
    residual sum of squares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sw = w.sum(axis=1)
        dx = x - ((w * x).sum(axis=1) / sw)[:, None]
        dy = y - ((w * y).sum(axis=1) / sw)[:, None]
        sxx = (w * dx**2).sum(axis=1)
        slope = (w * dx * dy).sum(axis=1) / sxx
        rss = (w * (dy - slope[:, None] * dx) ** 2).sum(axis=1)
    return slope, sxx, rss


def _trend_test(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, overdispersed: bool = False
                ) -> tuple[np.ndarray, ...]:
    """Row-wise chi-squared test for trend: slope, chi-squared statistic, two-sided p-value.

    With ``overdispersed`` the slope's variance is the larger of the sampling and the residual
    variance, and the p-value comes from a t distribution on n - 2 degrees of freedom where the
    residual variance is used (the statistic is then t squared)."""
    slope, sxx, rss = _weighted_slope(x, y, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = slope**2 * sxx
        statistic = np.where(sxx > 0, statistic, np.nan)
        p_value = scipy_stats.chi2.sf(statistic, df=1)
        if overdispersed:
            n = x.shape[1]
            residual_scale = rss / (n - 2)
            inflated = residual_scale > 1.0
            statistic = np.where(inflated, statistic / residual_scale, statistic)
            p_value = np.where(inflated, 2 * scipy_stats.t.sf(np.sqrt(statistic), df=n - 2),
                               p_value)
    return slope, statistic, p_value


def _sign_survives_each_drop(x: np.ndarray, y: np.ndarray, w: np.ndarray,
                             slope: np.ndarray) -> np.ndarray:
    """Whether the slope keeps its (non-zero) sign when each point is dropped in turn."""
    sign = np.sign(slope)
    stable = np.isfinite(slope) & (sign != 0)
    for dropped in range(x.shape[1]):
        keep = np.ones(x.shape[1], dtype=bool)
        keep[dropped] = False
        sub, _, _ = _weighted_slope(x[:, keep], y[:, keep], w[:, keep])
        stable &= np.sign(sub) == sign
    return stable


_LABELS = {
    ("increasing", "higher_is_worse"): ("getting worse", "Increasing and getting worse"),
    ("increasing", "higher_is_better"): ("getting better", "Increasing and getting better"),
    ("increasing", "no_judgement"): ("increasing", "Increasing"),
    ("decreasing", "higher_is_worse"): ("getting better", "Decreasing and getting better"),
    ("decreasing", "higher_is_better"): ("getting worse", "Decreasing and getting worse"),
    ("decreasing", "no_judgement"): ("decreasing", "Decreasing"),
}


def _judge(trend: np.ndarray, polarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn trends into assessments and plain-English labels, one polarity per series."""
    unknown = sorted({str(p) for p in polarity if p not in POLARITIES})
    if unknown:
        raise ValueError(f"unknown polarity {', '.join(map(repr, unknown))}; expected one of "
                         f"{', '.join(POLARITIES)}")
    pairs = zip(trend, polarity)
    judged = [_LABELS.get(pair, (pair[0], pair[0].capitalize())) for pair in pairs]
    assessment = np.array([a for a, _ in judged], dtype=object)
    label = np.array([text for _, text in judged], dtype=object)
    return assessment, label
