"""A projection judged against a target: the chance of meeting it, the status, the gap and the
straight-line trajectory (see :mod:`pipeline.steps.forecast`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from pipeline.steps.forecast_results import Projection
from pipeline.steps.forecast_scales import (
    Direction,
    Period,
    TargetKind,
    _label,
    _parse_any_period,
    _rate_between,
    _time_index,
    _years_between,
)

#: Default probability thresholds for the target status (see :func:`classify_probability`).
ON_TRACK_AT = 0.75
OFF_TRACK_BELOW = 0.25


def classify_probability(
    probability: float,
    *,
    on_track_at: float = ON_TRACK_AT,
    off_track_below: float = OFF_TRACK_BELOW,
) -> str:
    """Turn the probability of meeting a target into a status.

    ``'on track'`` when ``probability >= on_track_at`` (default 0.75), ``'off track'`` when
    ``probability < off_track_below`` (default 0.25), otherwise ``'at risk'``. A probability of 0.5
    means the central projection lands exactly on the target.

    Raises
    ------
    ValueError
        A probability outside [0, 1] or thresholds not ordered 0 <= off_track_below <= on_track_at <= 1.
    """
    if not 0.0 <= off_track_below <= on_track_at <= 1.0:
        raise ValueError(
            "thresholds must satisfy 0 <= off_track_below <= on_track_at <= 1, got "
            f"off_track_below={off_track_below}, on_track_at={on_track_at}"
        )
    if not 0.0 <= probability <= 1.0 or np.isnan(probability):
        raise ValueError(f"probability must be between 0 and 1, not {probability!r}")
    if probability >= on_track_at:
        return "on track"
    if probability < off_track_below:
        return "off track"
    return "at risk"


def assess_target(
    projection: Projection,
    target_value: float,
    direction: Direction,
    *,
    target_period: Period | pd.Period | None = None,
    on_track_at: float = ON_TRACK_AT,
    off_track_below: float = OFF_TRACK_BELOW,
    unit: str = "",
) -> dict[str, Any]:
    """Judge whether a target will be met at the projection's horizon.

    Parameters
    ----------
    projection
        From :func:`fit_and_project`, projected to the target period.
    target_value
        The target, in indicator units (see :func:`resolve_target_value`).
    direction
        ``'decrease'`` (met when the value is at or below the target) or ``'increase'`` (at or
        above).
    target_period
        Optional check that the projection ends at the target period.
    on_track_at, off_track_below
        Status thresholds on the probability of meeting the target (see
        :func:`classify_probability`).
    unit
        Unit text for the message, e.g. ``'per 1,000 residents'``.

    Returns
    -------
    dict
        ``target_period``, ``target_value``, ``direction``, ``probability`` (of meeting the target),
        ``status``, ``central``, ``gap`` (central - target, indicator units), ``gap_lower_95``,
        ``gap_upper_95``, ``latest_period``, ``latest_value``, ``rate_needed`` (from the latest value
        to the target), ``rate_seen`` (the fitted trend), ``rate_unit``, ``message``. One dict per
        target: a list of them makes a frame.

    Raises
    ------
    ValueError
        Unknown direction, a target period other than the projection's horizon, or a target
        outside the scale's range (negative on the log scale, outside 0..max on the logit scale).
    """
    if direction not in ("decrease", "increase"):
        raise ValueError(f"direction must be 'decrease' or 'increase', not {direction!r}")
    if target_period is not None:
        wanted = _parse_any_period(target_period)[1]
        if _label(wanted) != _label(_parse_any_period(projection.horizon_end)[1]):
            raise ValueError(
                f"the projection ends at {_label(projection.horizon_end)}, not at the target period "
                f"{_label(wanted)}: project to the target period first"
            )
    target_value = float(target_value)
    if not np.isfinite(target_value):
        raise ValueError(f"target value must be a number, not {target_value!r}")
    if projection.scale == "log" and target_value < 0:
        raise ValueError(f"target {target_value:g} is below zero: impossible on the log scale")
    if projection.scale == "logit" and not 0 <= target_value <= projection.proportion_max:
        raise ValueError(
            f"target {target_value:g} is outside 0 to {projection.proportion_max:g} for a proportion"
        )

    predictive = projection.predictive
    if direction == "decrease":
        probability = predictive.probability_at_most(target_value)
    else:
        probability = predictive.probability_at_least(target_value)
    status = classify_probability(probability, on_track_at=on_track_at,
                                  off_track_below=off_track_below)
    central, lower, upper = (float(v) for v in predictive.quantile([0.5, 0.025, 0.975]))
    years = _years_between(projection.latest_period, projection.horizon_end)
    rate_needed = _rate_between(projection.latest_value, target_value, years, projection.scale)

    result = {
        "target_period": projection.horizon_end,
        "target_value": target_value,
        "direction": direction,
        "probability": probability,
        "status": status,
        "central": central,
        "gap": central - target_value,
        "gap_lower_95": lower - target_value,
        "gap_upper_95": upper - target_value,
        "latest_period": projection.latest_period,
        "latest_value": projection.latest_value,
        "rate_needed": rate_needed,
        "rate_seen": projection.annual_change,
        "rate_unit": projection.annual_change_unit,
    }
    result["message"] = _target_message(result, lower, upper, unit)
    return result


def target_trajectory(
    baseline_period: Period | pd.Period,
    baseline_value: float,
    target_period: Period | pd.Period,
    target_value: float,
    periods: Iterable[Period | pd.Period],
) -> pd.Series:
    """The straight line from the baseline to the target, evaluated at ``periods``.

    Parameters
    ----------
    baseline_period, target_period
        Both years or both months; the target must come after the baseline.
    baseline_value, target_value
        Values in indicator units.
    periods
        Periods of the same kind at which to evaluate the line (e.g. every year, or six-monthly
        milestones). Periods outside baseline..target get NaN: the trajectory says nothing there.

    Returns
    -------
    pd.Series
        Named ``'trajectory'``, indexed by ``period`` (ints for years, ``'YYYY-MM'`` for months).

    Raises
    ------
    ValueError
        Mixed period kinds or a target period not after the baseline period.
    """
    kind_b, start = _parse_any_period(baseline_period)
    kind_t, end = _parse_any_period(target_period)
    parsed = [_parse_any_period(p) for p in periods]
    kinds = {kind_b, kind_t} | {k for k, _ in parsed}
    if len(kinds) > 1:
        raise ValueError("baseline, target and periods must all be years or all be months")
    t_start, t_end = _time_index(start), _time_index(end)
    if t_end <= t_start:
        raise ValueError(
            f"target period {_label(end)} must come after the baseline period {_label(start)}"
        )
    times = np.array([_time_index(p) for _, p in parsed], dtype=float)
    fraction = (times - t_start) / (t_end - t_start)
    values = float(baseline_value) + fraction * (float(target_value) - float(baseline_value))
    values = np.where((fraction >= 0) & (fraction <= 1), values, np.nan)
    index = pd.Index([_label(p) if kind_b == "monthly" else p for _, p in parsed], name="period")
    return pd.Series(values, index=index, name="trajectory")


def resolve_target_value(
    kind: TargetKind,
    baseline_value: float,
    amount: float,
    baseline_gap: float | None = None,
) -> float:
    """Turn a target as a partnership words it into a value in indicator units.

    Parameters
    ----------
    kind
        ``'absolute'``: the target is ``amount`` itself ("raise the % to 75 by 2028").
        ``'relative_change'``: ``baseline_value * (1 + amount)``; ``amount=-0.15`` means "reduce by
        15%".
        ``'gap_reduction'``: ``amount`` is the share of the gap to close (0.5 = halve it). Without
        ``baseline_gap`` the series *is* the gap (e.g. priority neighbourhoods minus the rest of
        the district): target = ``baseline_value * (1 - amount)``. With ``baseline_gap`` the
        series is the priority neighbourhoods' value and the comparison area is held at its
        baseline: target = ``baseline_value - amount * baseline_gap``.
    baseline_value
        The indicator (or gap) at the baseline period.
    amount
        As above.
    baseline_gap
        The gap (this series minus the comparator) at baseline, for ``'gap_reduction'`` only.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Unknown kind, a relative change below -100%, a gap share outside 0..1, or a
        ``baseline_gap`` given for another kind.
    """
    if kind not in ("absolute", "relative_change", "gap_reduction"):
        raise ValueError(
            f"target kind must be 'absolute', 'relative_change' or 'gap_reduction', not {kind!r}"
        )
    if baseline_gap is not None and kind != "gap_reduction":
        raise ValueError(f"baseline_gap only applies to 'gap_reduction' targets, not {kind!r}")
    amount = float(amount)
    baseline_value = float(baseline_value)
    if kind == "absolute":
        return amount
    if kind == "relative_change":
        if amount < -1:
            raise ValueError(
                f"a relative change of {amount:g} would take the value below zero "
                "(-0.15 means reduce by 15%)"
            )
        return baseline_value * (1 + amount)
    if not 0 <= amount <= 1:
        raise ValueError(
            f"the share of the gap to close must be between 0 and 1 (0.5 = halve), not {amount:g}"
        )
    if baseline_gap is None:
        return baseline_value * (1 - amount)
    return baseline_value - amount * float(baseline_gap)


def _fmt(value: float) -> str:
    """Three significant figures, thousands separators, no trailing noise."""
    if not np.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.3g}'):g}"


def _target_message(result: dict[str, Any], lower: float, upper: float, unit: str) -> str:
    unit_text = f" {unit}" if unit else ""
    status = result["status"]
    verb = "fall" if result["direction"] == "decrease" else "rise"
    percent = result["rate_unit"] == "% per year"

    def rate(value: float) -> str:
        if not np.isfinite(value):
            return "n/a"
        change = "fall" if value < 0 else "rise"
        amount = f"{abs(value):.1f}%" if percent else f"{_fmt(abs(value))}{unit_text}"
        return f"a {change} of {amount} a year"

    chance = round(100 * result["probability"])
    chance_text = ("less than 1%" if result["probability"] < 0.005 and chance == 0
                   else "more than 99%" if result["probability"] > 0.995 and chance == 100
                   else f"about {chance}%")
    return (
        f"{status[0].upper()}{status[1:]}: the projection for {_label(result['target_period'])} is "
        f"{_fmt(result['central'])}{unit_text} (95% interval {_fmt(lower)} to {_fmt(upper)}) against a "
        f"target to {verb} to {_fmt(result['target_value'])}; the chance of meeting it is "
        f"{chance_text}. Reaching it from {_fmt(result['latest_value'])} in "
        f"{_label(result['latest_period'])} needs {rate(result['rate_needed'])}; the trend so far is "
        f"{rate(result['rate_seen'])}."
    )
