"""Slope and relative index of inequality across deprivation quantiles (PHE method).

What is implemented, exactly
----------------------------
Following PHEindicatormethods' ``phe_sii`` (Low & Low 2004):

1. Quantiles (deprivation deciles, 1 = most deprived as in the IoD) are ordered from most to
   least deprived. Quantiles with no population (zero or missing) are left out: a district with
   no LSOA in national decile 1 simply starts at decile 2.
2. Each quantile gets the midpoint of its range in the cumulative population distribution
   (relative rank / ridit, 0-1): ``x_i = sum(a_j, j < i) + a_i / 2`` with ``a_i`` its share of
   the population. ``x = 0`` is the most deprived end, ``x = 1`` the least deprived.
3. The values are regressed on ``x`` by weighted least squares, weights = population (the same
   fit as PHE's ``lm(y sqrt(a) ~ sqrt(a) + x sqrt(a) - 1)``).
4. **SII = fitted value at the most deprived end minus fitted value at the least deprived end**
   (``fitted(0) - fitted(1) = -slope``): positive when the indicator is higher in more deprived
   areas (e.g. crime, unemployment), negative when it is lower there (e.g. life expectancy).
   NB: PHE's ``phe_sii`` reports the slope itself, ``fitted(1) - fitted(0)``, i.e. the opposite
   sign; ``fitted_most_deprived`` and ``fitted_least_deprived`` are returned so either can be
   read off.
5. **RII = SII / population-weighted mean value** (Mackenbach & Kunst's relative index; the
   weighted mean equals the fitted value at x = 0.5). PHE's alternative ``fitted(1)/fitted(0)``
   can be computed from the returned fitted values.

Confidence interval (documented choice):

- when every quantile has a standard error (``se_col``, or ``lower_col``/``upper_col`` from
  which ``se = (upper - lower) / (2 z)``), ``Var(SII) = sum c_i^2 se_i^2`` where ``c_i`` are the
  regression weights of the slope (``SII = sum c_i y_i`` is linear in the values). This is the
  exact, analytic form of PHE's simulation (values drawn from N(value, se) and the regression
  refitted) for normally distributed values, without Monte-Carlo noise; interval = SII +/- z se.
- otherwise the regression standard error of the WLS slope (residual scale, t with k - 2
  degrees of freedom), which reflects how far the quantiles lie from the line.

The RII interval is the SII interval divided by the mean (the mean treated as fixed).
A group needs at least 3 populated quantiles, all with a value; otherwise its result is NaN
with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from pipeline.stats.intervals import _check_confidence, _z

#: Output columns after the group columns.
SII_COLUMNS = [
    "n_quantiles",
    "sii",
    "sii_lower",
    "sii_upper",
    "rii",
    "rii_lower",
    "rii_upper",
    "fitted_most_deprived",
    "fitted_least_deprived",
    "mean_value",
    "ci_method",
    "reason",
]

MIN_QUANTILES = 3


def slope_index_of_inequality(
    df: pd.DataFrame,
    *,
    group_cols: Sequence[str] = (),
    quantile_col: str = "decile",
    value_col: str = "value",
    population_col: str = "population",
    lower_col: str | None = None,
    upper_col: str | None = None,
    se_col: str | None = None,
    confidence: float = 0.95,
    ci_confidence: float = 0.95,
) -> pd.DataFrame:
    """Slope index of inequality (SII) and relative index (RII) for each group.

    Parameters
    ----------
    df
        One row per group x quantile: quantile number (1 = most deprived), value and population
        (the denominator, e.g. residents), optionally confidence limits or a standard error.
    group_cols
        Columns identifying separate calculations (e.g. ``('indicator_id', 'area_code')``);
        empty for a single calculation.
    quantile_col, value_col, population_col
        Column names.
    lower_col, upper_col
        Optional confidence limits of each value (level ``ci_confidence``), giving the standard
        errors for the SII interval.
    se_col
        Optional standard error of each value (takes precedence over the limits).
    confidence
        Level of the SII/RII interval.
    ci_confidence
        Level of the supplied ``lower_col``/``upper_col``.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns, then :data:`SII_COLUMNS`; ``ci_method`` is
        ``'quantile standard errors'`` or ``'regression standard error'``; ``reason`` explains
        a NaN result (else '').

    Raises
    ------
    ValueError
        Missing columns, only one of ``lower_col``/``upper_col``, non-numeric quantiles,
        negative populations, or a quantile repeated within a group.

    Examples
    --------
    >>> frame = pd.DataFrame({"decile": [1, 2, 3], "value": [30.0, 20.0, 10.0],
    ...                       "population": [100, 100, 100]})
    >>> round(float(slope_index_of_inequality(frame)["sii"].iloc[0]), 6)
    30.0
    """
    level = _check_confidence(confidence)
    z = _z(level)
    z_ci = _z(ci_confidence)
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    if (lower_col is None) != (upper_col is None):
        raise ValueError("give both lower_col and upper_col, or neither")
    optional = [c for c in (lower_col, upper_col, se_col) if c is not None]
    needed = [*group_cols, quantile_col, value_col, population_col, *optional]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"slope_index_of_inequality needs column(s) {', '.join(missing)}; "
            f"the frame has {', '.join(map(str, df.columns))}"
        )
    quantile = pd.to_numeric(df[quantile_col], errors="coerce")
    if quantile.isna().any():
        bad = df.loc[quantile.isna(), quantile_col].iloc[0]
        raise ValueError(f"{quantile_col} must be a number (1 = most deprived), got {bad!r}")
    population = pd.to_numeric(df[population_col], errors="coerce")
    if (population < 0).any():
        raise ValueError(f"{population_col} must not be negative")
    keys = [*group_cols, quantile_col]
    duplicated = df.duplicated(keys)
    if duplicated.any():
        first = df.loc[duplicated, keys].iloc[0].to_dict()
        raise ValueError(f"each group must have one row per {quantile_col}; duplicate: {first}")

    if group_cols:
        group_id = df.groupby(group_cols, sort=True, dropna=False).ngroup().to_numpy()
        groups = (
            df[group_cols].assign(_g=group_id).drop_duplicates("_g").sort_values("_g")[group_cols]
        )
    else:
        group_id = np.zeros(len(df), dtype=int)
        groups = pd.DataFrame(index=[0])
    n_groups = int(group_id.max()) + 1 if len(df) else (0 if group_cols else 1)

    if se_col is not None:
        se_all = pd.to_numeric(df[se_col], errors="coerce")
    elif lower_col is not None:
        se_all = (
            pd.to_numeric(df[upper_col], errors="coerce")
            - pd.to_numeric(df[lower_col], errors="coerce")
        ) / (2 * z_ci)
    else:
        se_all = pd.Series(np.nan, index=df.index)

    # Populated quantiles only, ordered most -> least deprived within each group.
    work = pd.DataFrame(
        {
            "g": group_id,
            "q": quantile.to_numpy(float),
            "w": population.to_numpy(float),
            "y": pd.to_numeric(df[value_col], errors="coerce").to_numpy(float),
            "se": se_all.to_numpy(float),
        }
    )
    work = work[work["w"] > 0].sort_values(["g", "q"], kind="stable")
    g = work["g"].to_numpy()
    w, y, se = work["w"].to_numpy(), work["y"].to_numpy(), work["se"].to_numpy()

    def group_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=values, minlength=n_groups)

    share = w / group_sum(w)[g]
    x = work.assign(share=share).groupby("g")["share"].cumsum().to_numpy() - share / 2

    n = np.bincount(g, minlength=n_groups)
    complete = group_sum(np.isnan(y).astype(float)) == 0
    has_se = group_sum((~(se >= 0)).astype(float)) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        sw = group_sum(w)
        x_mean = group_sum(w * x) / sw
        y_mean = group_sum(w * y) / sw
        dx = x - x_mean[g]
        sxx = group_sum(w * dx**2)
        slope = group_sum(w * dx * (y - y_mean[g])) / sxx
        residual = y - y_mean[g] - slope[g] * dx
        coefficient = w * dx / sxx[g]
        var_from_se = group_sum(coefficient**2 * se**2)
        dof = np.maximum(n - 2, 1)
        se_regression = np.sqrt(group_sum(w * residual**2) / dof / sxx)

    valid = (n >= MIN_QUANTILES) & complete
    has_se = valid & has_se
    t_quantile = scipy_stats.t.ppf(0.5 + level / 2, dof)
    half_width = np.where(has_se, z * np.sqrt(var_from_se), t_quantile * se_regression)
    fitted_most = y_mean - slope * x_mean
    fitted_least = fitted_most + slope
    sii = fitted_most - fitted_least

    result = groups.reset_index(drop=True)
    result["n_quantiles"] = n
    result["sii"] = np.where(valid, sii, np.nan)
    result["sii_lower"] = np.where(valid, sii - half_width, np.nan)
    result["sii_upper"] = np.where(valid, sii + half_width, np.nan)
    usable_mean = valid & (y_mean != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result["rii"] = np.where(usable_mean, sii / y_mean, np.nan)
        rii_a = (sii - half_width) / y_mean
        rii_b = (sii + half_width) / y_mean
    result["rii_lower"] = np.where(usable_mean, np.fmin(rii_a, rii_b), np.nan)
    result["rii_upper"] = np.where(usable_mean, np.fmax(rii_a, rii_b), np.nan)
    result["fitted_most_deprived"] = np.where(valid, fitted_most, np.nan)
    result["fitted_least_deprived"] = np.where(valid, fitted_least, np.nan)
    result["mean_value"] = np.where(valid, y_mean, np.nan)
    result["ci_method"] = np.select(
        [has_se, valid], ["quantile standard errors", "regression standard error"], ""
    )
    result["reason"] = np.select(
        [n < MIN_QUANTILES, ~valid],
        [f"fewer than {MIN_QUANTILES} populated quantiles", "a populated quantile has no value"],
        "",
    )
    return result
