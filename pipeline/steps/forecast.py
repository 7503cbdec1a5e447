"""Step 3, forecasting against targets: project an indicator's history and judge its target.

The statistical core of the "Forecast" step of the Floor Target Action Plan method (design brief,
sections 2 and 5): fit a trend on the scale that suits the measure, project it to the target period
with prediction intervals, set it against the target, and backtest the model on held-back periods.

Models
------
* **Annual series**: a straight-line trend fitted by ordinary least squares (statsmodels ``OLS``) on
  the transformed scale; prediction intervals come from ``get_prediction(...).summary_frame`` and the
  predictive distribution at the target year is the matching Student t (``df = n - 2``), so
  intervals allow for the uncertainty of the fitted trend as well as the year-to-year scatter.
* **Monthly series** (police.uk crime): a structural time-series model (statsmodels
  ``UnobservedComponents``) fitted by maximum likelihood on the transformed scale, plus, when
  ``seasonal=True``, a fixed 12-month seasonal pattern. Two forms (``monthly_model``):

  - ``'local_linear_trend'`` (default): level and slope both allowed to drift. Good for a year
    ahead; over several years its intervals grow very fast, because every month's change in the
    slope is carried to the horizon.
  - ``'mean_reverting'``: a fixed level plus an AR(1) deviation from it (and month-to-month
    noise): the series wanders but is pulled back towards its average, and no trend is projected.
    Its intervals stay bounded at long horizons, so it is the one to use for a 5-10 year
    projection from a short series (such as 35 months of police.uk data that include the COVID-19
    lockdowns), where a trend cannot be told apart from a shock. The rate of change it reports is
    the least-squares trend *seen* in the data (after the seasonal pattern), not projected.
    On simulated 35-month series (AR(1) + season + noise) its 95% intervals covered 94-95% of
    single months 1-4 years ahead; for calendar-year totals 4 years ahead 92% (95% intervals)
    and about 75% (80% intervals), slightly narrow because the few estimated parameters are
    treated as known.

  The structural model was chosen over ``ETSModel`` because on simulated 24-60 month series the
  ETS intervals covered only 52-92% of future months at the nominal 95% (ETS ignores the
  uncertainty of its 16 estimated parameters and initial states), whereas the structural model, whose initial
  states are estimated by the Kalman filter with their uncertainty carried forward, covered 88-96%.
  Annual targets are met by simulating whole future paths and summing (or averaging) them over each
  calendar year, so yearly intervals carry the uncertainty of every month and the correlation between
  months.

Scales: ``log`` for rates and counts (constant % change, projections stay above zero), ``logit`` for
proportions (projections stay between 0 and ``proportion_max``), ``identity`` for scores that can be
negative. The central projection is the back-transformed mean on the model scale, i.e. the median
projection on the indicator's own scale.

Periods: annual periods are ``int`` years (``'2019'`` strings are accepted); monthly periods are
``'YYYY-MM'`` strings or monthly ``pd.Period`` objects and are returned as ``'YYYY-MM'`` strings.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

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

#: Default probability thresholds for the target status (see :func:`classify_probability`).
ON_TRACK_AT = 0.75
OFF_TRACK_BELOW = 0.25

#: The scipy families a :class:`PredictiveDistribution` can name.
_FAMILIES = {"t": stats.t, "norm": stats.norm}

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PredictiveDistribution:
    """The predictive distribution of the indicator at one future period.

    Exactly one of ``family`` (a scipy distribution on the model scale, given by its name and
    parameters: Student t for annual OLS, normal for single months) or ``draws`` (simulated values
    on the indicator's own scale, used for months summed to years) is set. The parameters are
    plain numbers, so the result can be saved; :attr:`distribution` rebuilds the frozen scipy
    distribution from them.

    Attributes
    ----------
    period
        The period the distribution describes.
    scale
        The model scale: ``'log'``, ``'logit'`` or ``'identity'``.
    proportion_max
        The value meaning 100% on the logit scale (1 or 100).
    family
        ``'t'`` (parameters ``df``, ``loc``, ``scale``) or ``'norm'`` (``loc``, ``scale``): the
        ``scipy.stats`` distribution of the transformed value, or ``None``.
    parameters
        The family's parameters by name.
    draws
        Simulated indicator values, or ``None``.
    """

    period: Period
    scale: str
    proportion_max: float = 1.0
    family: str | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    draws: np.ndarray | None = None

    def __post_init__(self) -> None:
        if (self.family is None) == (self.draws is None):
            raise ValueError("PredictiveDistribution needs exactly one of family or draws")
        if self.family is not None and self.family not in _FAMILIES:
            raise ValueError(f"family must be one of {', '.join(_FAMILIES)}, not {self.family!r}")

    @property
    def distribution(self) -> Any:
        """The frozen ``scipy.stats`` distribution of the transformed value (``None`` with draws)."""
        if self.family is None:
            return None
        return _FAMILIES[self.family](**self.parameters)

    def probability_at_most(self, value: float) -> float:
        """Probability that the indicator is at or below ``value``."""
        if self.draws is not None:
            return float(np.mean(self.draws <= value))
        return float(self.distribution.cdf(_forward(np.asarray(value, float), self.scale,
                                                    self.proportion_max, clip=True)))

    def probability_at_least(self, value: float) -> float:
        """Probability that the indicator is at or above ``value``."""
        if self.draws is not None:
            return float(np.mean(self.draws >= value))
        return float(self.distribution.sf(_forward(np.asarray(value, float), self.scale,
                                                   self.proportion_max, clip=True)))

    def quantile(self, q: float | Sequence[float]) -> np.ndarray:
        """Quantile(s) of the indicator on its own scale."""
        q = np.asarray(q, float)
        if self.draws is not None:
            return np.quantile(self.draws, q)
        return _inverse(self.distribution.ppf(q), self.scale, self.proportion_max)

    def sample(self, size: int, random_state: int | np.random.Generator = 0) -> np.ndarray:
        """Draw ``size`` indicator values (e.g. to apply an option's effect in step 4)."""
        rng = np.random.default_rng(random_state)
        if self.draws is not None:
            return rng.choice(self.draws, size=size, replace=True)
        return _inverse(self.distribution.rvs(size=size, random_state=rng), self.scale,
                        self.proportion_max)


@dataclass(frozen=True, eq=False)
class Projection:
    """A fitted trend projected to a horizon, as returned by :func:`fit_and_project`.

    Attributes
    ----------
    fitted
        The history used, one row per period: ``period``, ``value``, ``fitted`` (the model's trend
        (+ season) back-transformed), plus ``numerator`` / ``denominator`` when given.
    observed
        Observed values on the projection's frequency: ``period``, ``value``. For a monthly series
        projected to years these are the complete calendar years (sum or mean of 12 months).
    projection
        One row per future period up to ``horizon_end``: ``period``, ``central`` (median projection),
        and ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95`` (one pair per level).
    description
        The model in plain English.
    annual_change
        The rate of change seen in the fitted trend over its last year: % per year on the log scale,
        indicator units per year otherwise (see ``annual_change_unit``).
    annual_change_unit
        ``'% per year'`` or ``'units per year'``.
    predictive
        The predictive distribution at ``horizon_end``.
    scale, frequency, horizon_end, levels, proportion_max
        The settings used; ``frequency`` is the projection's frequency.
    latest_period, latest_value
        The last observed period and value on the projection's frequency.
    model
        ``'linear trend (OLS)'``, ``'structural time series'`` (local linear trend) or
        ``'mean-reverting time series'``.
    path_draws
        Simulated indicator values for every projected year, ``[draws x years]`` in the order of
        ``projection['period']`` (annual horizons only; ``None`` when months are projected): the
        baseline futures step 4 applies options to. Its last column matches ``predictive``.
    """

    fitted: pd.DataFrame
    observed: pd.DataFrame
    projection: pd.DataFrame
    description: str
    annual_change: float
    annual_change_unit: str
    predictive: PredictiveDistribution
    scale: str
    frequency: str
    horizon_end: Period
    latest_period: Period
    latest_value: float
    levels: tuple[float, ...] = (0.80, 0.95)
    proportion_max: float = 1.0
    model: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    path_draws: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Backtest:
    """How well the model forecast periods it was not shown, as returned by :func:`backtest`.

    Attributes
    ----------
    points
        One row per held-back period: ``period``, ``actual``, ``central``, the interval limits,
        ``error`` (central - actual), ``abs_pct_error`` (in %, NaN where actual is 0) and
        ``inside_80`` / ``inside_95`` (bool, one per level).
    mean_absolute_error
        Mean of |central - actual| in indicator units.
    mean_absolute_percentage_error
        Mean of |central - actual| / |actual| in % (NaN if every actual is 0).
    inside
        Number of held-back points inside each level's interval, e.g. ``{0.8: 9, 0.95: 11}``.
    summary
        One plain-English line.
    """

    points: pd.DataFrame
    mean_absolute_error: float
    mean_absolute_percentage_error: float
    inside: dict[float, int]
    summary: str


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def can_forecast(
    history: pd.DataFrame, frequency: Frequency, *, min_points: int | None = None
) -> tuple[bool, str]:
    """Say whether a series is long enough to forecast, and why.

    The rule: at least 3 non-missing annual values (a straight line through fewer points has no
    scatter left to judge its uncertainty by), or at least 24 non-missing monthly values (two full
    years, the least that separates a trend from a seasonal pattern). Short series are reported,
    never forced.

    Parameters
    ----------
    history
        Frame with columns ``period`` and ``value``.
    frequency
        ``'annual'`` or ``'monthly'``.
    min_points
        Override the minimum number of points.

    Returns
    -------
    tuple of (bool, str)
        Whether it can be forecast and a plain-English reason.

    Raises
    ------
    ValueError
        For an unknown frequency, missing columns or periods that do not parse.
    """
    _check_frequency(frequency)
    clean = _clean_history(history, frequency)
    needed = MIN_POINTS[frequency] if min_points is None else int(min_points)
    n = int(clean["value"].notna().sum())
    unit = "annual" if frequency == "annual" else "monthly"
    points = "data point" if n == 1 else "data points"
    if n < needed:
        return False, f"only {n} {unit} {points}: too few to forecast (at least {needed} needed)"
    observed = clean.loc[clean["value"].notna(), "period"]
    span = f"{_label(observed.iloc[0])} to {_label(observed.iloc[-1])}"
    return True, f"{n} {unit} {points} ({span}): enough to forecast (at least {needed} needed)"


def fit_and_project(
    history: pd.DataFrame,
    horizon_end: Period | pd.Period,
    *,
    scale: Scale,
    frequency: Frequency,
    seasonal: bool = False,
    levels: Sequence[float] = (0.80, 0.95),
    proportion_max: float = 1.0,
    annual_aggregation: Literal["sum", "mean"] = "sum",
    n_draws: int = 5000,
    random_state: int | np.random.Generator = 0,
    monthly_model: MonthlyModel = "local_linear_trend",
) -> Projection:
    """Fit a trend to an indicator's history and project it, with prediction intervals.

    Parameters
    ----------
    history
        Columns ``period`` and ``value`` (optionally ``numerator``, ``denominator``: carried into
        ``Projection.fitted`` but not used by the fit, whose residual variance already holds the
        sampling noise). Missing values are skipped (annual) or treated as gaps (monthly).
    horizon_end
        The last period to project (normally the target period). For a monthly series a year
        (``2026`` or ``'2026'``) projects calendar-year totals (see ``annual_aggregation``) and a
        month (``'2026-03'``) projects months.
    scale
        ``'log'`` (rates, counts), ``'logit'`` (proportions) or ``'identity'`` (scores).
    frequency
        ``'annual'`` (OLS linear trend) or ``'monthly'`` (structural time-series model).
    seasonal
        Monthly only: include a fixed 12-month seasonal pattern.
    levels
        Prediction interval levels, each in (0, 1).
    proportion_max
        Logit scale only: the value meaning 100% (1 for 0-1 proportions, 100 for percentages).
    annual_aggregation
        Monthly to annual: ``'sum'`` (counts, monthly rates with a fixed denominator) or ``'mean'``
        (proportions, averages).
    n_draws
        Number of simulated paths for monthly-to-annual projections.
    random_state
        Seed or Generator for the simulation (results are reproducible for a fixed seed).
    monthly_model
        Monthly only: ``'local_linear_trend'`` (level and slope drift) or ``'mean_reverting'``
        (fixed level + AR(1) deviations, no projected trend; bounded long-horizon intervals).

    Returns
    -------
    Projection

    Raises
    ------
    ValueError
        Unknown scale or frequency, too few data points (see :func:`can_forecast`), values outside
        the scale's range, duplicate periods, or a ``horizon_end`` not after the last data period.
    TypeError
        ``history`` is not a DataFrame.
    """
    _check_scale(scale)
    _check_frequency(frequency)
    levels = _check_levels(levels)
    if monthly_model not in MONTHLY_MODELS:
        raise ValueError(f"monthly_model must be one of {', '.join(MONTHLY_MODELS)}, "
                         f"not {monthly_model!r}")
    if annual_aggregation not in ("sum", "mean"):
        raise ValueError(f"annual_aggregation must be 'sum' or 'mean', not {annual_aggregation!r}")
    if seasonal and frequency != "monthly":
        raise ValueError("a seasonal model needs monthly data (frequency='monthly')")
    if scale == "logit" and not proportion_max > 0:
        raise ValueError(f"proportion_max must be above zero, not {proportion_max!r}")

    clean = _clean_history(history, frequency)
    ok, reason = can_forecast(clean, frequency)
    if not ok:
        raise ValueError(f"cannot forecast: {reason}")
    _check_range(clean, scale, proportion_max)

    horizon_frequency, horizon = _parse_horizon(horizon_end, frequency)
    _check_horizon(clean, horizon, horizon_frequency)
    if frequency == "annual":
        return _project_annual(clean, horizon, scale, levels, proportion_max, int(n_draws),
                               random_state)
    return _project_monthly(
        clean, horizon, horizon_frequency, scale, seasonal, levels, proportion_max,
        annual_aggregation, int(n_draws), random_state, monthly_model,
    )


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


def backtest(history: pd.DataFrame, holdout: int, **fit_kwargs: Any) -> Backtest:
    """Fit on all but the last ``holdout`` periods, forecast them and score the forecasts.

    Parameters
    ----------
    history
        As for :func:`fit_and_project`.
    holdout
        Number of most recent periods (with data) to hold back.
    **fit_kwargs
        Passed to :func:`fit_and_project` (``scale``, ``frequency``, ``seasonal``, ``levels`` ...).
        Held-back months are forecast as months, held-back years as years.

    Returns
    -------
    Backtest

    Raises
    ------
    ValueError
        A holdout below 1 or leaving too few points to fit (the message says how many remain).
    """
    frequency = fit_kwargs.get("frequency")
    _check_frequency(frequency)
    if "horizon_end" in fit_kwargs:
        raise ValueError("backtest sets horizon_end itself: do not pass it")
    clean = _clean_history(history, frequency)
    observed = clean[clean["value"].notna()]
    if isinstance(holdout, bool) or not isinstance(holdout, (int, np.integer)) or holdout < 1:
        raise ValueError(f"holdout must be a whole number of periods, at least 1, not {holdout!r}")
    if holdout >= len(observed):
        raise ValueError(f"cannot hold back {holdout} of only {len(observed)} data points")
    train = clean[clean["period"] < observed["period"].iloc[-holdout]]
    ok, reason = can_forecast(train, frequency)
    if not ok:
        raise ValueError(f"cannot backtest with {holdout} held back: {reason}")
    held = observed.iloc[-holdout:]
    horizon = held["period"].iloc[-1]
    horizon = _label(horizon) if frequency == "monthly" else int(horizon)
    projection = fit_and_project(train, horizon, **fit_kwargs)

    actual = held.assign(period=[_label(p) if frequency == "monthly" else int(p)
                                 for p in held["period"]])[["period", "value"]]
    points = actual.rename(columns={"value": "actual"}).merge(projection.projection, on="period")
    points["error"] = points["central"] - points["actual"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * (points["error"].abs() / points["actual"].abs())
    points["abs_pct_error"] = pct.where(points["actual"] != 0)
    inside = {}
    for level in projection.levels:
        tag = _level_tag(level)
        points[f"inside_{tag}"] = points["actual"].between(points[f"lower_{tag}"],
                                                           points[f"upper_{tag}"])
        inside[level] = int(points[f"inside_{tag}"].sum())
    mae = float(points["error"].abs().mean())
    mape = float(points["abs_pct_error"].mean()) if points["abs_pct_error"].notna().any() else np.nan

    fit_span = projection.fitted.loc[projection.fitted["value"].notna(), "period"]
    unit = "months" if frequency == "monthly" else "years"
    accuracy = (f"within {mape:.0f}% on average" if np.isfinite(mape)
                else f"off by {mae:.3g} on average")
    coverage = "; ".join(
        f"{inside[level]} of {len(points)} inside the {_level_tag(level)}% interval"
        for level in sorted(projection.levels, reverse=True)
    )
    summary = (
        f"Fitted to {_label(fit_span.iloc[0])}..{_label(fit_span.iloc[-1])}, the model's forecasts "
        f"of the last {len(points)} {unit} were {accuracy}; {coverage}."
    )
    return Backtest(points, mae, mape, inside, summary)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def _project_annual(
    clean: pd.DataFrame, horizon: int, scale: str, levels: tuple[float, ...], proportion_max: float,
    n_draws: int = 5000, random_state: int | np.random.Generator = 0,
) -> Projection:
    """OLS linear trend on the transformed scale, t-based prediction intervals."""
    data = clean[clean["value"].notna()]
    years = data["period"].to_numpy(dtype=float)
    centre = years.mean()
    y = _forward(data["value"].to_numpy(float), scale, proportion_max)
    result = sm.OLS(y, sm.add_constant(years - centre, has_constant="add")).fit()

    future = np.arange(int(years[-1]) + 1, horizon + 1)
    exog_future = sm.add_constant(future - centre, has_constant="add")
    prediction = result.get_prediction(exog_future)
    projection = pd.DataFrame({"period": future.astype(int)})
    projection["central"] = _inverse(prediction.predicted_mean, scale, proportion_max)
    for level in levels:
        frame = prediction.summary_frame(alpha=1 - level)
        tag = _level_tag(level)
        projection[f"lower_{tag}"] = _inverse(frame["obs_ci_lower"].to_numpy(), scale, proportion_max)
        projection[f"upper_{tag}"] = _inverse(frame["obs_ci_upper"].to_numpy(), scale, proportion_max)

    # Paths for step 4: each year's predictive t distribution, one shared t deviate per draw
    # (so the marginal distribution of every year is exact and each path is smooth).
    all_years = prediction.summary_frame(alpha=0.05)
    path_sd = np.sqrt(all_years["mean_se"].to_numpy() ** 2 + result.scale)
    deviates = stats.t(df=result.df_resid).rvs(size=n_draws,
                                                random_state=np.random.default_rng(random_state))
    path_draws = _inverse(all_years["mean"].to_numpy()[None, :] + deviates[:, None] * path_sd,
                          scale, proportion_max)

    frame = prediction.summary_frame(alpha=0.05).iloc[-1]
    predictive_sd = float(np.sqrt(frame["mean_se"] ** 2 + result.scale))
    predictive = PredictiveDistribution(
        period=horizon, scale=scale, proportion_max=proportion_max,
        family="t", parameters={"df": float(result.df_resid), "loc": float(frame["mean"]),
                                "scale": max(predictive_sd, 1e-12)},
    )

    fitted = _with_fitted(clean, data.index, _inverse(result.fittedvalues, scale, proportion_max))
    slope = float(result.params[1])
    last_level = float(result.fittedvalues[-1])
    change, change_unit = _annual_change(scale, last_level, slope, proportion_max, factor=1.0)
    observed = data[["period", "value"]].reset_index(drop=True)
    n = len(data)
    description = (
        f"A straight-line trend fitted by least squares to the {_SCALE_WORDS[scale][0]} of the "
        f"{n} yearly values {int(years[0])}–{int(years[-1])} {_SCALE_WORDS[scale][1]}, projected to "
        f"{horizon}. The {_levels_text(levels)} prediction intervals show where a single year's "
        "value is expected to fall, allowing for the uncertainty of the trend and the "
        "year-to-year scatter around it."
    )
    return Projection(
        fitted=fitted, observed=observed, projection=projection, description=description,
        annual_change=change, annual_change_unit=change_unit, predictive=predictive, scale=scale,
        frequency="annual", horizon_end=horizon, latest_period=int(years[-1]),
        latest_value=float(data["value"].iloc[-1]), levels=levels, proportion_max=proportion_max,
        model="linear trend (OLS)", path_draws=path_draws,
    )


def _project_monthly(
    clean: pd.DataFrame,
    horizon: int | pd.Period,
    horizon_frequency: str,
    scale: str,
    seasonal: bool,
    levels: tuple[float, ...],
    proportion_max: float,
    annual_aggregation: str,
    n_draws: int,
    random_state: int | np.random.Generator,
    monthly_model: str = "local_linear_trend",
) -> Projection:
    """Structural time-series model on the transformed scale: a local linear trend or a fixed level
    with AR(1) deviations (``monthly_model``), plus an optional fixed 12-month season."""
    months = pd.period_range(clean["period"].iloc[0], clean["period"].iloc[-1], freq="M")
    series = clean.set_index("period")["value"].reindex(months)
    series = series.loc[: series.last_valid_index()]
    months = series.index
    y = _forward(series.to_numpy(float), scale, proportion_max)
    result, notes = _fit_structural(y, seasonal, monthly_model)
    reverting = monthly_model == "mean_reverting"

    last_month = months[-1]
    end_month = horizon if horizon_frequency == "monthly" else pd.Period(f"{horizon}-12", freq="M")
    steps = (end_month - last_month).n
    future = pd.period_range(last_month + 1, end_month, freq="M")

    signal = result.level.smoothed + (result.seasonal.smoothed if seasonal else 0.0)
    if reverting:
        signal = signal + result.autoregressive.smoothed
    fitted_values = _inverse(signal, scale, proportion_max)
    fitted = pd.DataFrame({"period": [_label(p) for p in months], "value": series.to_numpy(float),
                           "fitted": fitted_values})
    for extra in ("numerator", "denominator"):
        if extra in clean:
            fitted[extra] = clean.set_index("period")[extra].reindex(months).to_numpy(float)

    if reverting:
        # No trend is projected: report the least-squares trend seen in the deseasonalised data.
        deseasonalised = y - (result.seasonal.smoothed if seasonal else 0.0)
        seen_at = np.isfinite(deseasonalised)
        t_index = np.arange(len(y), dtype=float)
        slope, intercept = np.polyfit(t_index[seen_at], deseasonalised[seen_at], 1)
        slope, level_now = float(slope), float(intercept + slope * t_index[-1])
    else:
        slope = float(result.trend.smoothed[-1])
        level_now = float(result.level.smoothed[-1])
    factor = 12.0 if (horizon_frequency == "annual" and annual_aggregation == "sum") else 1.0
    change, change_unit = _annual_change(scale, level_now, 12 * slope, proportion_max, factor)

    forecast = result.get_forecast(steps)
    if horizon_frequency == "monthly":
        projection = pd.DataFrame({"period": [_label(p) for p in future]})
        projection["central"] = _inverse(forecast.predicted_mean, scale, proportion_max)
        for level in levels:
            frame = forecast.summary_frame(alpha=1 - level)
            tag = _level_tag(level)
            projection[f"lower_{tag}"] = _inverse(frame["mean_ci_lower"].to_numpy(), scale,
                                                  proportion_max)
            projection[f"upper_{tag}"] = _inverse(frame["mean_ci_upper"].to_numpy(), scale,
                                                  proportion_max)
        predictive = PredictiveDistribution(
            period=_label(end_month), scale=scale, proportion_max=proportion_max,
            family="norm", parameters={"loc": float(forecast.predicted_mean[-1]),
                                       "scale": max(float(forecast.se_mean[-1]), 1e-12)},
        )
        observed = fitted.loc[fitted["value"].notna(), ["period", "value"]].reset_index(drop=True)
        latest_period: Period = observed["period"].iloc[-1]
        horizon_out: Period = _label(end_month)
        aggregation_text = " The intervals are prediction intervals for a single month."
        path_draws = None
    else:
        rng = np.random.default_rng(random_state)
        simulated = np.asarray(result.simulate(steps, anchor="end", repetitions=n_draws, rng=rng))
        simulated = _inverse(simulated.reshape(steps, n_draws), scale, proportion_max)
        # The part of the first projected year already observed is added to every path; a month
        # missing in it is filled with the model's smoothed value.
        first_year = future[0].year
        seen = series[series.index.year == first_year]
        seen = seen.fillna(pd.Series(fitted_values, index=months))
        paths = np.vstack([np.repeat(seen.to_numpy(float)[:, None], n_draws, axis=1), simulated])
        path_years = np.concatenate([seen.index.year.to_numpy(), future.year.to_numpy()])
        years = np.arange(first_year, horizon + 1)
        reduce = np.sum if annual_aggregation == "sum" else np.mean
        totals = np.vstack([reduce(paths[path_years == year], axis=0) for year in years])
        projection = pd.DataFrame({"period": years.astype(int),
                                   "central": np.median(totals, axis=1)})
        for level in levels:
            tag = _level_tag(level)
            lower, upper = np.quantile(totals, [(1 - level) / 2, (1 + level) / 2], axis=1)
            projection[f"lower_{tag}"] = lower
            projection[f"upper_{tag}"] = upper
        predictive = PredictiveDistribution(period=int(horizon), scale=scale,
                                            proportion_max=proportion_max, draws=totals[-1])
        calendar = series.groupby(series.index.year)
        complete = calendar.count() == 12
        if not complete.any():
            raise ValueError(
                "no calendar year has all 12 months, so there is no yearly value to start from: "
                "project to a month ('YYYY-MM') instead"
            )
        aggregated = calendar.sum() if annual_aggregation == "sum" else calendar.mean()
        observed = pd.DataFrame({"period": aggregated[complete].index.astype(int),
                                 "value": aggregated[complete].to_numpy(float)})
        latest_period = int(observed["period"].iloc[-1])
        horizon_out = int(horizon)
        verb = "summed" if annual_aggregation == "sum" else "averaged"
        aggregation_text = (
            f" {n_draws:,} simulated future paths were {verb} over each calendar year, so the "
            f"yearly {_levels_text(levels)} prediction intervals carry the uncertainty of every "
            "month."
        )
        path_draws = totals.T
    n = int(series.notna().sum())
    season_text = " plus a fixed 12-month seasonal pattern" if seasonal else ""
    if reverting:
        model_text = (
            f"A mean-reverting time-series model (a fixed average level{season_text}, with "
            "deviations from the average that persist from month to month but fade away)"
        )
        scale_text = ("(no trend is projected: the series is expected to stay around its "
                      "average level, with the ups and downs seen so far)")
    else:
        model_text = (f"A structural time-series model (a local linear trend{season_text}, where "
                      "the level and the slope may drift)")
        scale_text = _SCALE_WORDS[scale][1]
    description = (
        f"{model_text} fitted by maximum likelihood to the {_SCALE_WORDS[scale][0]} of the "
        f"{n} monthly values {_label(months[0])} to {_label(months[-1])} "
        f"{scale_text}, projected to {_label(horizon_out)}.{aggregation_text}"
        + "".join(f" {note}" for note in notes)
    )
    return Projection(
        fitted=fitted, observed=observed, projection=projection, description=description,
        annual_change=change, annual_change_unit=change_unit, predictive=predictive, scale=scale,
        frequency=horizon_frequency, horizon_end=horizon_out, latest_period=latest_period,
        latest_value=float(observed["value"].iloc[-1]), levels=levels,
        proportion_max=proportion_max, notes=tuple(notes), path_draws=path_draws,
        model="mean-reverting time series" if reverting else "structural time series",
    )


def _fit_structural(
    y: np.ndarray, seasonal: bool, monthly_model: str = "local_linear_trend"
) -> tuple[Any, list[str]]:
    """Fit the structural model by L-BFGS, falling back to Powell when L-BFGS does not converge."""
    if monthly_model == "mean_reverting":
        model = UnobservedComponents(
            y, level=True, stochastic_level=False, trend=False, autoregressive=1,
            irregular=True, seasonal=12 if seasonal else None, stochastic_seasonal=False,
        )
    else:
        model = UnobservedComponents(
            y, level="local linear trend", seasonal=12 if seasonal else None,
            stochastic_seasonal=False,
        )
    best = None
    for method in ("lbfgs", "powell"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = model.fit(disp=False, method=method, maxiter=1000)
        if best is None or fitted.llf > best.llf:
            best = fitted
        if fitted.mle_retvals.get("converged", True):
            return best, []
    return best, ["The fit did not fully converge: treat its intervals with extra caution."]


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
