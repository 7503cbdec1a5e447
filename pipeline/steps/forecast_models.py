"""The two forecasting models: a straight-line trend for yearly series and a structural time
series for monthly ones (see :mod:`pipeline.steps.forecast`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

from pipeline.steps.forecast_results import PredictiveDistribution, Projection
from pipeline.steps.forecast_scales import (
    _SCALE_WORDS,
    Period,
    _annual_change,
    _forward,
    _inverse,
    _label,
    _level_tag,
    _levels_text,
    _with_fitted,
)

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

    slope, level_now = _monthly_trend(result, y, seasonal, reverting)
    factor = 12.0 if (horizon_frequency == "annual" and annual_aggregation == "sum") else 1.0
    change, change_unit = _annual_change(scale, level_now, 12 * slope, proportion_max, factor)

    if horizon_frequency == "monthly":
        ahead = _months_ahead(result.get_forecast(steps), fitted, future, end_month, scale,
                              levels, proportion_max)
    else:
        rng = np.random.default_rng(random_state)
        simulated = np.asarray(result.simulate(steps, anchor="end", repetitions=n_draws, rng=rng))
        simulated = _inverse(simulated.reshape(steps, n_draws), scale, proportion_max)
        filled = series.fillna(pd.Series(fitted_values, index=months))
        ahead = _years_ahead(simulated, series, filled, future, int(horizon), scale, levels,
                             proportion_max, annual_aggregation, n_draws)
    projection, predictive, observed, horizon_out, aggregation_text, path_draws = ahead
    latest_period: Period = observed["period"].iloc[-1] if horizon_frequency == "monthly" \
        else int(observed["period"].iloc[-1])
    description = _monthly_description(reverting, seasonal, scale, int(series.notna().sum()),
                                       months, horizon_out, aggregation_text, notes)
    return Projection(
        fitted=fitted, observed=observed, projection=projection, description=description,
        annual_change=change, annual_change_unit=change_unit, predictive=predictive, scale=scale,
        frequency=horizon_frequency, horizon_end=horizon_out, latest_period=latest_period,
        latest_value=float(observed["value"].iloc[-1]), levels=levels,
        proportion_max=proportion_max, notes=tuple(notes), path_draws=path_draws,
        model="mean-reverting time series" if reverting else "structural time series",
    )


def _monthly_trend(result: Any, y: np.ndarray, seasonal: bool, reverting: bool
                   ) -> tuple[float, float]:
    """The monthly slope and the current level on the model scale: the fitted trend, or (the
    mean-reverting model projects no trend) the least-squares trend seen in the deseasonalised
    data."""
    if not reverting:
        return float(result.trend.smoothed[-1]), float(result.level.smoothed[-1])
    deseasonalised = y - (result.seasonal.smoothed if seasonal else 0.0)
    seen_at = np.isfinite(deseasonalised)
    t_index = np.arange(len(y), dtype=float)
    slope, intercept = np.polyfit(t_index[seen_at], deseasonalised[seen_at], 1)
    return float(slope), float(intercept + slope * t_index[-1])


def _months_ahead(forecast: Any, fitted: pd.DataFrame, future: pd.PeriodIndex,
                  end_month: pd.Period, scale: str, levels: tuple[float, ...],
                  proportion_max: float) -> tuple:
    """A projection to a month: the model's own single-month prediction intervals."""
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
    aggregation_text = " The intervals are prediction intervals for a single month."
    return projection, predictive, observed, _label(end_month), aggregation_text, None


def _years_ahead(simulated: np.ndarray, series: pd.Series, filled: pd.Series,
                 future: pd.PeriodIndex, horizon: int, scale: str, levels: tuple[float, ...],
                 proportion_max: float, annual_aggregation: str, n_draws: int) -> tuple:
    """A projection to a year: simulated monthly paths summed (or averaged) over each calendar
    year. The part of the first projected year already observed is added to every path; a
    month missing in it is filled with the model's smoothed value (``filled``)."""
    first_year = future[0].year
    seen = filled[filled.index.year == first_year]
    paths = np.vstack([np.repeat(seen.to_numpy(float)[:, None], n_draws, axis=1), simulated])
    path_years = np.concatenate([seen.index.year.to_numpy(), future.year.to_numpy()])
    years = np.arange(first_year, horizon + 1)
    reduce = np.sum if annual_aggregation == "sum" else np.mean
    totals = np.vstack([reduce(paths[path_years == year], axis=0) for year in years])
    projection = pd.DataFrame({"period": years.astype(int), "central": np.median(totals, axis=1)})
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
    verb = "summed" if annual_aggregation == "sum" else "averaged"
    aggregation_text = (
        f" {n_draws:,} simulated future paths were {verb} over each calendar year, so the "
        f"yearly {_levels_text(levels)} prediction intervals carry the uncertainty of every "
        "month."
    )
    return projection, predictive, observed, int(horizon), aggregation_text, totals.T


def _monthly_description(reverting: bool, seasonal: bool, scale: str, n: int,
                         months: pd.PeriodIndex, horizon_out: Period, aggregation_text: str,
                         notes: list[str]) -> str:
    """The monthly model in plain English."""
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
    return (
        f"{model_text} fitted by maximum likelihood to the {_SCALE_WORDS[scale][0]} of the "
        f"{n} monthly values {_label(months[0])} to {_label(months[-1])} "
        f"{scale_text}, projected to {_label(horizon_out)}.{aggregation_text}"
        + "".join(f" {note}" for note in notes)
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
