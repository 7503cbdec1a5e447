"""Scales, periods and checks shared by the forecasting models (internal helpers of
:mod:`pipeline.steps.forecast`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

Scale = Literal["log", "logit", "identity"]
MonthlyModel = Literal["local_linear_trend", "mean_reverting"]
MONTHLY_MODELS: tuple[str, ...] = ("local_linear_trend", "mean_reverting")
Frequency = Literal["annual", "monthly"]
Direction = Literal["decrease", "increase"]
TargetKind = Literal["absolute", "relative_change", "gap_reduction"]
Period = int | str

SCALES: tuple[str, ...] = ("log", "logit", "identity")
FREQUENCIES: tuple[str, ...] = ("annual", "monthly")

#: Minimum number of non-missing data points before a series is forecast (see :func:`can_forecast`).
MIN_POINTS: dict[str, int] = {"annual": 3, "monthly": 24}

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

_SCALE_WORDS = {
    "log": ("logarithm", "(a constant percentage change each year; projections stay above zero)"),
    "logit": ("log-odds", "(so projections stay between 0% and 100%)"),
    "identity": ("values", "(a constant change in units each year)"),
}


def _check_scale(scale: Any) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")


def _check_frequency(frequency: Any) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be 'annual' or 'monthly', not {frequency!r}")


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(float(level) for level in levels)
    if not levels or any(not 0 < level < 1 for level in levels):
        raise ValueError(f"interval levels must be between 0 and 1 (e.g. 0.95), not {levels!r}")
    if len({_level_tag(level) for level in levels}) != len(levels):
        raise ValueError(f"interval levels must differ, got {levels!r}")
    return levels


def _level_tag(level: float) -> str:
    """Column suffix for a level: 0.8 -> '80', 0.975 -> '97.5'."""
    return f"{level * 100:g}"


def _levels_text(levels: Sequence[float]) -> str:
    tags = [f"{_level_tag(level)}%" for level in sorted(levels)]
    return tags[0] if len(tags) == 1 else ", ".join(tags[:-1]) + " and " + tags[-1]


def _forward(values: np.ndarray, scale: str, proportion_max: float, clip: bool = False) -> np.ndarray:
    """Indicator units -> model scale (``clip`` maps out-of-range values to -inf/+inf)."""
    values = np.asarray(values, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            out = np.log(values)
            return np.where(values <= 0, -np.inf, out) if clip else out
        if scale == "logit":
            share = values / proportion_max
            out = special.logit(share)
            if clip:
                out = np.where(share <= 0, -np.inf, np.where(share >= 1, np.inf, out))
            return out
    return values


def _inverse(values: Any, scale: str, proportion_max: float) -> np.ndarray:
    """Model scale -> indicator units."""
    values = np.asarray(values, float)
    if scale == "log":
        return np.exp(values)
    if scale == "logit":
        return special.expit(values) * proportion_max
    return values


def _annual_change(
    scale: str, level_now: float, slope_per_year: float, proportion_max: float, factor: float
) -> tuple[float, str]:
    """Rate of change of the fitted trend over its last year (% on the log scale, else units)."""
    if scale == "log":
        return float(100 * np.expm1(slope_per_year)), "% per year"
    now = _inverse(level_now, scale, proportion_max)
    year_before = _inverse(level_now - slope_per_year, scale, proportion_max)
    return float(factor * (now - year_before)), "units per year"


def _rate_between(start: float, end: float, years: float, scale: str) -> float:
    """Rate needed to go from ``start`` to ``end`` in ``years``, on the basis of `_annual_change`."""
    if scale == "log":
        if start <= 0:
            return np.nan
        return float(100 * (np.power(end / start, 1 / years) - 1))
    return float((end - start) / years)


def _years_between(start: Period, end: Period) -> float:
    return (_time_index(_parse_any_period(end)[1]) - _time_index(_parse_any_period(start)[1])) / (
        12 if _parse_any_period(end)[0] == "monthly" else 1
    )


def _clean_history(history: pd.DataFrame, frequency: str) -> pd.DataFrame:
    """Validate columns, parse periods, drop nothing, sort by period."""
    if not isinstance(history, pd.DataFrame):
        raise TypeError("history must be a DataFrame with columns 'period' and 'value'")
    missing = [column for column in ("period", "value") if column not in history]
    if missing:
        raise ValueError(f"history needs columns 'period' and 'value'; missing: {', '.join(missing)}")
    keep = [c for c in ("period", "value", "numerator", "denominator") if c in history]
    clean = history[keep].copy()
    if frequency == "annual":
        clean["period"] = [_parse_year(p) for p in clean["period"]]
    else:
        clean["period"] = [_parse_month(p) for p in clean["period"]]
    duplicated = clean["period"].duplicated()
    if duplicated.any():
        raise ValueError(
            f"history has more than one value for period {_label(clean['period'][duplicated].iloc[0])}"
        )
    try:
        clean["value"] = pd.to_numeric(clean["value"]).astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"history values must be numbers: {exc}") from None
    return clean.sort_values("period").reset_index(drop=True)


def _check_range(clean: pd.DataFrame, scale: str, proportion_max: float) -> None:
    values = clean.dropna(subset=["value"])
    if scale == "log":
        bad = values[values["value"] <= 0]
        if len(bad):
            raise ValueError(
                f"the log scale needs values above zero; {_label(bad['period'].iloc[0])} has "
                f"{bad['value'].iloc[0]:g} (use scale='identity' for series that reach zero)"
            )
    if scale == "logit":
        bad = values[(values["value"] <= 0) | (values["value"] >= proportion_max)]
        if len(bad):
            raise ValueError(
                f"the logit scale needs proportions strictly between 0 and {proportion_max:g}; "
                f"{_label(bad['period'].iloc[0])} has {bad['value'].iloc[0]:g}"
                + (" (percentages need proportion_max=100)" if proportion_max == 1 else "")
            )


def _parse_year(value: Any) -> int:
    if isinstance(value, pd.Period) and value.freqstr.startswith(("Y", "A")):
        return int(value.year)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and _YEAR.match(value.strip()):
        return int(value.strip())
    raise ValueError(f"annual periods must be years such as 2019, not {value!r}")


def _parse_month(value: Any) -> pd.Period:
    if isinstance(value, pd.Period) and value.freqstr == "M":
        return value
    if isinstance(value, str) and _MONTH.match(value.strip()):
        return pd.Period(value.strip(), freq="M")
    raise ValueError(f"monthly periods must be 'YYYY-MM' strings or monthly Periods, not {value!r}")


def _parse_any_period(value: Any) -> tuple[str, int | pd.Period]:
    """('annual', year) or ('monthly', Period) for any accepted period form."""
    try:
        return "monthly", _parse_month(value)
    except ValueError:
        pass
    try:
        return "annual", _parse_year(value)
    except ValueError:
        raise ValueError(
            f"a period must be a year (2026) or a month ('2026-03'), not {value!r}"
        ) from None


def _parse_horizon(horizon_end: Any, frequency: str) -> tuple[str, int | pd.Period]:
    kind, parsed = _parse_any_period(horizon_end)
    if frequency == "annual" and kind == "monthly":
        raise ValueError(f"an annual series must be projected to a year, not {_label(parsed)}")
    return kind, parsed


def _check_horizon(clean: pd.DataFrame, horizon: int | pd.Period, horizon_frequency: str) -> None:
    """The horizon must lie after the last period with data (a partly observed year is allowed)."""
    last = clean.loc[clean["value"].notna(), "period"].iloc[-1]
    if isinstance(last, pd.Period) and horizon_frequency == "annual":
        after = pd.Period(f"{horizon}-12", freq="M") > last
    else:
        after = horizon > last
    if not after:
        raise ValueError(
            f"target period {_label(horizon)} is not after the last data period {_label(last)}: "
            "there is nothing to forecast"
        )


def _time_index(period: int | pd.Period) -> int:
    """Years as themselves, months as a running month count."""
    if isinstance(period, pd.Period):
        return period.year * 12 + period.month - 1
    return int(period)


def _label(period: Any) -> str | int:
    """Display form: 'YYYY-MM' for months, int for years."""
    if isinstance(period, pd.Period):
        return period.strftime("%Y-%m")
    if isinstance(period, (int, np.integer)):
        return int(period)
    return period


def _with_fitted(clean: pd.DataFrame, rows: pd.Index, fitted: np.ndarray) -> pd.DataFrame:
    out = clean.copy()
    out["fitted"] = np.nan
    out.loc[rows, "fitted"] = fitted
    columns = ["period", "value", "fitted"] + [c for c in ("numerator", "denominator") if c in out]
    return out[columns].reset_index(drop=True)
