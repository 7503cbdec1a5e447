"""Step 3 on the real data: each target's forecast and verdict, computed once per register.

Models: annual series get a straight-line trend (OLS, t prediction intervals, at least 3 points).
Monthly crime series get the *mean-reverting* seasonal model of :func:`fit_and_project`: the
shipped months (Dec 2019 - Oct 2022) are mostly COVID-19 months, and a model that lets the trend
drift (a local linear trend) turns their ups and downs into 2026 intervals of, e.g., 22 to
548,510 burglaries. The mean-reverting model projects no trend (it keeps the series around its
average, with the ups and downs seen) and its long-horizon intervals stay bounded; the trend seen
is reported beside it, and every forecast is shown with its backtest.

Compute once: :func:`forecast_register` forecasts every target of a register (each target's
draws depend only on the register's seed, never on which other targets are forecast with it), and
:func:`district_targets_from` picks a district's targets from those forecasts, so a run can share
one set of forecasts between the county overview and every district pack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import AreaData
from pipeline.registers import Target
from pipeline.steps.forecast import (
    Backtest,
    Projection,
    assess_target,
    backtest,
    can_forecast,
    fit_and_project,
    target_trajectory,
)
from pipeline.steps.forecast_verdict import _fmt
from pipeline.steps.target_areas import is_own_target, targets_concerning
from pipeline.steps.target_series import TargetSeries, resolve_targets

#: Held-back months of a monthly backtest (at most; at least MIN_HOLDOUT_MONTHS).
HOLDOUT_MONTHS = 11
MIN_HOLDOUT_MONTHS = 6
#: The monthly model used for targets (see the module docstring).
MONTHLY_MODEL = "mean_reverting"
#: Statuses beyond the forecast's on track / at risk / off track.
MET, NOT_MET, NOT_FORECAST = "met", "not met", "not forecast"
STATUS_ORDER = ("off track", "at risk", "on track", NOT_MET, MET, NOT_FORECAST)
#: Trust ratings beyond the backtest's reasonable / moderate / low.
OBSERVED, NOT_TESTED = "observed", "not tested"


@dataclass(frozen=True, eq=False)
class TargetForecast:
    """A target's forecast, verdict and backtest.

    ``status`` is ``on track`` / ``at risk`` / ``off track`` for a forecast, ``met`` /
    ``not met`` when the target year has already been observed, ``not forecast`` when the series
    is too short. ``assessment`` is :func:`assess_target`'s dict (forecasts only). ``trust`` is
    the backtest's rating (:func:`trust_rating`), ``observed`` for a known outcome, ``not
    tested`` without a backtest.

    ``message`` is the one-sentence verdict the action plan quotes (kept here until the action
    plan's page takes it from :mod:`pipeline.pages.forecast`).
    """

    series: TargetSeries
    status: str
    probability: float
    message: str
    projection: Projection | None = None
    assessment: Mapping[str, Any] | None = None
    backtest: Backtest | None = None
    trajectory: pd.Series | None = None
    observed_value: float | None = None
    reason: str = ""
    trust: str = ""

    @property
    def target(self) -> Target:
        return self.series.target

    @property
    def forecast(self) -> bool:
        """Whether the target is judged on a projection (and can be appraised in step 4)."""
        return self.projection is not None


@dataclass(frozen=True, eq=False)
class DistrictTargets:
    """The targets of one district (or the county) with their forecasts.

    ``has_registers`` is False when area.yaml names no registers; ``own`` says for each target
    whether it is the district's own (True) or county-wide (False).
    """

    area_code: str
    area_name: str
    has_registers: bool
    forecasts: list[TargetForecast]
    own: list[bool]

    @property
    def targets(self) -> list[Target]:
        return [f.target for f in self.forecasts]

    @property
    def has_targets(self) -> bool:
        return bool(self.forecasts)

    @property
    def illustrative(self) -> bool:
        return any(t.illustrative for t in self.targets)


def trust_rating(test: Backtest | None) -> str:
    """How far to trust a forecast, from its backtest.

    ``reasonable`` when the held-back values were forecast within 15% on average and at least
    80% fell inside the 95% interval; ``low`` when the error was above 30% or under 60% fell
    inside; ``moderate`` otherwise; ``not tested`` without a backtest.
    """
    if test is None:
        return NOT_TESTED
    share = test.inside.get(0.95, 0) / max(len(test.points), 1)
    error = test.mean_absolute_percentage_error
    if np.isfinite(error) and error <= 15 and share >= 0.8:
        return "reasonable"
    if (np.isfinite(error) and error > 30) or share < 0.6:
        return "low"
    return "moderate"


def _observed_outcome(series: TargetSeries, trajectory: pd.Series) -> TargetForecast:
    """The verdict of a target whose target year is already recorded (or missing)."""
    target, annual = series.target, series.annual
    observed = annual.loc[annual["period"] == target.target_year, "value"]
    if observed.empty:
        return TargetForecast(series=series, status=NOT_FORECAST, probability=np.nan,
                              message=f"There is no value for the target year "
                                      f"{target.target_year}, so the target cannot be judged.",
                              trajectory=trajectory, reason="no value for the target year")
    value = float(observed.iloc[0])
    met = value <= series.target_value if target.direction == "decrease" \
        else value >= series.target_value
    status = MET if met else NOT_MET
    verb = "fall" if target.direction == "decrease" else "rise"
    flag = annual.loc[annual["period"] == target.target_year, "flag"].iloc[0]
    flag_text = " (estimated [e])" if flag == "[e]" else ""
    message = (
        f"{status[0].upper()}{status[1:]}: the {target.target_year} value is already "
        f"known{flag_text}: {_fmt(value)} {series.unit} against a target to {verb} to "
        f"{_fmt(series.target_value)} (from {_fmt(series.baseline_value)} in "
        f"{target.baseline_period}), so no forecast is needed."
    )
    return TargetForecast(series=series, status=status, probability=1.0 if met else 0.0,
                          message=message, trajectory=trajectory, observed_value=value,
                          reason="the target year has been observed", trust=OBSERVED)


def _model_settings(series: TargetSeries) -> dict[str, Any]:
    """The keyword arguments of :func:`fit_and_project` for a target's series."""
    kwargs: dict[str, Any] = {"scale": series.scale, "frequency": series.frequency,
                              "proportion_max": series.proportion_max}
    if series.frequency == "monthly":
        kwargs.update(seasonal=True, monthly_model=MONTHLY_MODEL, annual_aggregation="sum")
    return kwargs


def _backtest_of(history: pd.DataFrame, frequency: str, kwargs: Mapping[str, Any]
                 ) -> Backtest | None:
    """The backtest: the last 6-11 months (monthly) or the last year (annual) held back."""
    n = int(history["value"].notna().sum())
    if frequency == "monthly":
        holdout = min(HOLDOUT_MONTHS, n - 24)
        return backtest(history, holdout, **kwargs) if holdout >= MIN_HOLDOUT_MONTHS else None
    return backtest(history, 1, **kwargs) if n - 1 >= 3 else None


def forecast_target(series: TargetSeries, *, n_draws: int = 2000, seed: int = 0) -> TargetForecast:
    """Forecast a target's series to its target year and judge it (or report why not).

    Monthly series: the seasonal mean-reverting model, simulated and summed to calendar years;
    annual series: a straight-line trend. The backtest holds back the last 6-11 months (monthly)
    or the last year (annual). When the target year has already been observed the outcome is
    reported instead (``met`` / ``not met``).

    Parameters
    ----------
    series
        From :func:`pipeline.steps.target_series.resolve_target`.
    n_draws, seed
        Simulation draws and seed (the appraisal settings' ``draws`` and ``seed``, so that step 4
        starts from the same futures). The seed is the same for every target, so a target's
        forecast does not depend on the other targets forecast with it.
    """
    target, annual = series.target, series.annual
    trajectory_years = list(range(target.baseline_year, target.target_year + 1))
    trajectory = target_trajectory(target.baseline_year, series.baseline_value,
                                   target.target_year, series.target_value, trajectory_years)
    recorded = (annual["period"] == target.target_year).any()
    last_year = int(annual["period"].iloc[-1])
    if recorded or (series.frequency == "annual" and target.target_year <= last_year):
        return _observed_outcome(series, trajectory)

    history = series.history
    ok, reason = can_forecast(history, series.frequency)
    if not ok:
        return TargetForecast(
            series=series, status=NOT_FORECAST, probability=np.nan, trajectory=trajectory,
            message=f"Not forecast: {reason}. The target is still monitored against its "
                    "trajectory as new data arrive.", reason=reason, trust=NOT_TESTED)

    kwargs = _model_settings(series)
    projection = fit_and_project(history, target.target_year, n_draws=n_draws,
                                 random_state=seed, **kwargs)
    assessment = assess_target(projection, series.target_value, target.direction,
                               target_period=target.target_year, unit=series.unit)
    test = _backtest_of(history, series.frequency, kwargs)
    return TargetForecast(
        series=series, status=str(assessment["status"]),
        probability=float(assessment["probability"]), message=str(assessment["message"]),
        projection=projection, assessment=assessment, backtest=test, trajectory=trajectory,
        trust=trust_rating(test),
    )


def forecast_targets(series: Sequence[TargetSeries], *, n_draws: int = 2000, seed: int = 0
                     ) -> list[TargetForecast]:
    """:func:`forecast_target` for each resolved target, in order."""
    return [forecast_target(s, n_draws=n_draws, seed=seed) for s in series]


def needs_crime_observations(targets: Sequence[Target], catalogue: pd.DataFrame) -> bool:
    """Whether any target is a crime rate (catalogue method ``annual_rate``), whose monthly
    series is built from the ``crime_count`` observations."""
    methods = catalogue.set_index("id")["method"]
    return any(str(methods.loc[t.indicator]) == "annual_rate" for t in targets)


def forecast_register(
    targets: Sequence[Target],
    data: AreaData,
    observations: pd.DataFrame | None,
    *,
    n_draws: int,
    seed: int,
) -> dict[str, TargetForecast]:
    """Forecast every target of a register once: target id -> :class:`TargetForecast`.

    Parameters
    ----------
    targets
        The targets register (or any part of it).
    data
        The prepared data (store, locality rows, LSOAs, catalogue, area settings).
    observations
        The ``crime_count`` observations (``None`` when no target is a crime rate, see
        :func:`needs_crime_observations`).
    n_draws, seed
        The appraisal settings' ``draws`` and ``seed``.
    """
    series = resolve_targets(targets, data, observations)
    return {s.target.id: forecast_target(s, n_draws=n_draws, seed=seed) for s in series}


def district_targets_from(
    forecasts: Mapping[str, TargetForecast],
    targets: Sequence[Target],
    area_code: str,
    area_name: str,
    data: AreaData,
) -> DistrictTargets:
    """The targets that concern one district (or the county overview), from the register's
    forecasts: the district's own targets first, then the county-wide ones.

    Parameters
    ----------
    forecasts
        :func:`forecast_register` of (at least) the targets that concern the area.
    targets
        The targets register, in its order.
    area_code, area_name
        The district (or county) code and plain name.
    data
        The prepared data (county code and localities).
    """
    county_code = data.config.county.code
    chosen = targets_concerning(targets, area_code, county_code, data.localities)
    own = [is_own_target(t, area_code, data.localities) or area_code == county_code
           for t in chosen]
    return DistrictTargets(area_code=area_code, area_name=area_name, has_registers=True,
                           forecasts=[forecasts[t.id] for t in chosen], own=own)


def no_registers(area_code: str, area_name: str) -> DistrictTargets:
    """The targets of an area whose settings name no registers: none."""
    return DistrictTargets(area_code=area_code, area_name=area_name, has_registers=False,
                           forecasts=[], own=[])


def projection_table(forecast: TargetForecast) -> pd.DataFrame:
    """The projection of a target by year, beside the straight-line trajectory: ``period``,
    ``central``, ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``, ``trajectory``."""
    if forecast.projection is None:
        return pd.DataFrame(columns=["period", "central", "lower_80", "upper_80", "lower_95",
                                     "upper_95", "trajectory"])
    frame = forecast.projection.projection.copy()
    trajectory = forecast.trajectory if forecast.trajectory is not None else pd.Series(dtype=float)
    frame["trajectory"] = frame["period"].map(trajectory.to_dict())
    return frame


def status_counts(forecasts: Sequence[TargetForecast]) -> dict[str, int]:
    """How many targets have each status, in :data:`STATUS_ORDER`."""
    found = [f.status for f in forecasts]
    return {s: found.count(s) for s in STATUS_ORDER if s in found}
