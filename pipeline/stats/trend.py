"""Recent trend over the latest five points (Fingertips method), many areas at once.

What is implemented, exactly
----------------------------
For each group (area, or area x indicator) the rows are ordered by ``order_col`` and the latest
``points`` (default 5) periods are taken. The time axis is the *position* of each period
(0, 1, ..., 4: equally spaced, as Fingertips treats its annual points). If a group has fewer
than five periods, or any of its latest five lacks the inputs the test needs (e.g. a suppressed
value), the trend is ``'could not be calculated'`` (with the reason).

- **Rates** (``kind='rate'``, columns ``value``, ``lower_ci``, ``upper_ci``): a weighted
  least-squares regression of the value on time, weights 1 / variance, the variance taken from
  each point's confidence interval, ``se = (upper_ci - lower_ci) / (2 z)`` (z for the interval's
  level, 1.96 for the usual 95%). The slope's standard error uses the larger of the sampling
  variance (scale 1: the weights are known inverse variances) and the residual variance
  (scale = weighted residual sum of squares / (n - 2), which allows for year-to-year variation
  beyond sampling error). With the residual variance the test is a t test on n - 2 degrees
  of freedom; with the (known) sampling variance it is a z test. The closed-form
  WLS is computed for all groups at once and matches statsmodels' ``WLS``
  (checked in the tests).
- **Proportions** (``kind='proportion'``, columns ``numerator``, ``denominator``): the
  chi-square test for trend in proportions (Cochran-Armitage; Armitage 1955, as in Altman's
  *Practical statistics for medical research*) with scores 0..4:
  ``T = sum r_i (x_i - xbar)``, ``Var(T) = pbar (1 - pbar) sum n_i (x_i - xbar)^2``,
  ``z = T / sqrt(Var)``, ``chi2 = z^2`` on 1 degree of freedom. It equals statsmodels'
  linear-by-linear association test (``Table.test_ordinal_association``) times N / (N - 1).
  The reported slope is the least-squares change in the proportion per period
  (``T / sum n_i (x_i - xbar)^2``), times ``multiplier``.

**Sign-stability rule** (DESIGN.md section 5: "report a trend only when its sign is stable"):
a trend is reported only when (a) the test over the latest five points is significant at
``confidence`` (two-sided) and (b) the same statistic computed over the latest *four* points has
the same, non-zero sign. A significant five-point trend whose four-point slope points the other
way (or is flat) is reported as ``'no significant change'`` with ``sign_stable = False``.

The result is then turned by polarity into ``'getting better'`` / ``'getting worse'``
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

#: Values of the ``trend`` column.
TREND_CATEGORIES = ["increasing", "decreasing", "no significant change", "could not be calculated"]

#: Values of the ``assessment`` column.
ASSESSMENT_CATEGORIES = [
    "getting better",
    "getting worse",
    "increasing",
    "decreasing",
    "no significant change",
    "could not be calculated",
]

#: Output columns after the group columns.
TREND_COLUMNS = [
    "n_points",
    "method",
    "slope",
    "statistic",
    "p_value",
    "slope_last4",
    "sign_stable",
    "trend",
    "assessment",
    "label",
    "reason",
]


def recent_trend(
    df: pd.DataFrame,
    kind: str,
    polarity: str,
    *,
    group_cols: Sequence[str] = ("area_code",),
    order_col: str = "period",
    points: int = 5,
    confidence: float = 0.95,
    ci_confidence: float = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Fingertips recent trend (latest five points) for every group of a long frame.

    Parameters
    ----------
    df
        Long frame, one row per group x period, with ``group_cols``, ``order_col`` and the
        inputs of :data:`TREND_INPUTS` for ``kind`` (store column names).
    kind
        ``'rate'`` (weighted regression on the values) or ``'proportion'`` (chi-square test
        for trend on numerators and denominators).
    polarity
        ``'higher_is_worse'``, ``'higher_is_better'`` or ``'no_judgement'``.
    group_cols
        Columns identifying a series (e.g. ``('area_code',)`` or
        ``('indicator_id', 'area_code')``).
    order_col
        Column whose sort order is chronological (e.g. ``'2015'``, ``'2016/17'`` strings or
        integers).
    points
        How many latest points to test (Fingertips: 5; at least 4).
    confidence
        Significance level of the trend test, as a confidence (0.95 -> p < 0.05).
    ci_confidence
        Level of the ``lower_ci``/``upper_ci`` supplied for rates (to recover the variance).
    multiplier
        Scale for the proportion slope (100 for percentage points per period).

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, then ``n_points`` (periods available, at most
        ``points``), ``method``, ``slope`` (value units per period), ``statistic`` (z for
        proportions; t or z for rates, see the module notes), ``p_value``, ``slope_last4``
        (slope over the latest points minus one), ``sign_stable``, ``trend``
        (:data:`TREND_CATEGORIES`), ``assessment`` (:data:`ASSESSMENT_CATEGORIES`), ``label``
        (plain English, e.g. "Increasing and getting worse") and ``reason`` (why it could not
        be calculated, else '').

    Raises
    ------
    ValueError
        Unknown ``kind`` or ``polarity``, missing columns, ``points`` < 4, or a group with the
        same period twice.
    """
    if kind not in TREND_INPUTS:
        raise ValueError(f"unknown trend kind {kind!r}; expected one of {', '.join(TREND_INPUTS)}")
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {', '.join(POLARITIES)}")
    if not isinstance(points, (int, np.integer)) or points < 4:
        raise ValueError(f"points must be an integer of at least 4, got {points!r}")
    alpha = 1 - _check_confidence(confidence)
    z_ci = _z(ci_confidence)
    scale = _check_multiplier(multiplier)
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    if not group_cols:
        raise ValueError("group_cols must name at least one column (e.g. 'area_code')")
    needed = [*group_cols, order_col, *TREND_INPUTS[kind]]
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
        slope, statistic, p_value = _wls_trend(x, y, weight)
        slope4, stat4, _ = _wls_trend(x[:, 1:], y[:, 1:], weight[:, 1:])
        method = "weighted regression"
        incomplete_reason = "missing value or confidence interval in the latest points"
    else:
        num = matrix("numerator")
        den = matrix("denominator")
        complete = (
            np.isfinite(num) & np.isfinite(den) & (den > 0) & (num >= 0) & (num <= den)
        ).all(axis=1)
        slope, statistic, p_value = _chi_square_trend(x, num, den)
        slope4, stat4, _ = _chi_square_trend(x[:, 1:], num[:, 1:], den[:, 1:])
        slope, slope4 = slope * scale, slope4 * scale
        method = "chi-square test for trend"
        incomplete_reason = "missing or invalid numerator/denominator in the latest points"

    enough = n_points >= points
    valid = enough & complete & np.isfinite(statistic)
    sign_stable = valid & (np.sign(statistic) == np.sign(stat4)) & (np.sign(statistic) != 0)
    significant = valid & (p_value < alpha) & sign_stable
    trend = np.select(
        [~valid, significant & (statistic > 0), significant & (statistic < 0)],
        ["could not be calculated", "increasing", "decreasing"],
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
    assessment, label = _judge(trend, polarity)

    out["n_points"] = n_points
    out["method"] = method
    out["slope"] = np.where(valid, slope, np.nan)
    out["statistic"] = np.where(valid, statistic, np.nan)
    out["p_value"] = np.where(valid, p_value, np.nan)
    out["slope_last4"] = np.where(valid, slope4, np.nan)
    out["sign_stable"] = sign_stable
    out["trend"] = pd.Categorical(trend, categories=TREND_CATEGORIES)
    out["assessment"] = pd.Categorical(assessment, categories=ASSESSMENT_CATEGORIES)
    out["label"] = label
    out["reason"] = reason
    return out


def _wls_trend(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Row-wise weighted least squares of y on x: slope, t statistic, two-sided p-value."""
    n = x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        sw = w.sum(axis=1)
        x_mean = (w * x).sum(axis=1) / sw
        y_mean = (w * y).sum(axis=1) / sw
        dx = x - x_mean[:, None]
        sxx = (w * dx**2).sum(axis=1)
        slope = (w * dx * (y - y_mean[:, None])).sum(axis=1) / sxx
        residual = y - y_mean[:, None] - slope[:, None] * dx
        residual_scale = (w * residual**2).sum(axis=1) / (n - 2)
        overdispersed = residual_scale > 1.0
        se = np.sqrt(np.where(overdispersed, residual_scale, 1.0) / sxx)
        statistic = slope / se
    p_value = np.where(
        overdispersed,
        2 * scipy_stats.t.sf(np.abs(statistic), df=n - 2),
        2 * scipy_stats.norm.sf(np.abs(statistic)),
    )
    return slope, statistic, p_value


def _chi_square_trend(x: np.ndarray, num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, ...]:
    """Row-wise Cochran-Armitage chi-square test for trend: slope, z, two-sided p-value."""
    with np.errstate(divide="ignore", invalid="ignore"):
        total = den.sum(axis=1)
        p_bar = num.sum(axis=1) / total
        x_mean = (den * x).sum(axis=1) / total
        dx = x - x_mean[:, None]
        sxx = (den * dx**2).sum(axis=1)
        t_stat = (num * dx).sum(axis=1)
        variance = p_bar * (1 - p_bar) * sxx
        z = t_stat / np.sqrt(variance)
        slope = t_stat / sxx
    z = np.where(variance > 0, z, np.nan)
    p_value = 2 * scipy_stats.norm.sf(np.abs(z))
    return slope, z, p_value


_LABELS = {
    ("increasing", "higher_is_worse"): ("getting worse", "Increasing and getting worse"),
    ("increasing", "higher_is_better"): ("getting better", "Increasing and getting better"),
    ("increasing", "no_judgement"): ("increasing", "Increasing"),
    ("decreasing", "higher_is_worse"): ("getting better", "Decreasing and getting better"),
    ("decreasing", "higher_is_better"): ("getting worse", "Decreasing and getting worse"),
    ("decreasing", "no_judgement"): ("decreasing", "Decreasing"),
}


def _judge(trend: np.ndarray, polarity: str) -> tuple[np.ndarray, np.ndarray]:
    """Turn trends into assessments and plain-English labels for one polarity."""
    lookup = {t: _LABELS.get((t, polarity), (t, t.capitalize())) for t in TREND_CATEGORIES}
    trends = pd.Series(trend, dtype=object)
    assessment = trends.map({t: judged for t, (judged, _) in lookup.items()})
    label = trends.map({t: text for t, (_, text) in lookup.items()})
    return assessment.to_numpy(object), label.to_numpy(object)
