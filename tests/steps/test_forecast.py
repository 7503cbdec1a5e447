"""Tests for pipeline.steps.forecast on simulated series with known answers (all seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.steps.forecast import (
    PredictiveDistribution,
    assess_target,
    backtest,
    can_forecast,
    classify_probability,
    fit_and_project,
    resolve_target_value,
    target_trajectory,
)

SEASON = 0.15 * np.sin(2 * np.pi * np.arange(12) / 12)  # log-scale seasonal pattern, Jan..Dec


def annual_series(values, start=2010) -> pd.DataFrame:
    return pd.DataFrame({"period": np.arange(start, start + len(values)), "value": values})


def log_linear(rng, n, rate=-0.03, sd=0.05, start_value=20.0, extra=0):
    """n + extra annual values whose log falls by log(1 + rate) a year, with N(0, sd) noise."""
    t = np.arange(n + extra)
    return start_value * np.exp(t * np.log1p(rate) + rng.normal(0, sd, n + extra))


def monthly_series(rng, n, first="2019-12", trend=-0.003, sd=0.05, level=4.0, extra=0):
    months = pd.period_range(first, periods=n + extra, freq="M")
    t = np.arange(n + extra)
    log_values = level + trend * t + SEASON[months.month.to_numpy() - 1] + rng.normal(0, sd, t.size)
    frame = pd.DataFrame({"period": [m.strftime("%Y-%m") for m in months],
                          "value": np.exp(log_values)})
    return frame.iloc[:n], frame.iloc[n:]


# ---------------------------------------------------------------------------------------------
# fit_and_project: known answers
# ---------------------------------------------------------------------------------------------


def test_log_linear_rate_is_recovered():
    rng = np.random.default_rng(11)
    history = annual_series(log_linear(rng, 20, rate=-0.03, sd=0.02))
    projection = fit_and_project(history, 2034, scale="log", frequency="annual")
    assert projection.annual_change_unit == "% per year"
    assert projection.annual_change == pytest.approx(-3.0, abs=0.3)
    assert projection.projection["period"].tolist() == list(range(2030, 2035))
    assert list(projection.projection.columns) == [
        "period", "central", "lower_80", "upper_80", "lower_95", "upper_95"]
    # Projections keep falling at about 3% a year and stay above zero.
    ratios = projection.projection["central"].pct_change().dropna()
    assert np.allclose(ratios, -0.03, atol=0.003)
    assert (projection.projection["lower_95"] > 0).all()
    assert projection.latest_period == 2029
    assert projection.latest_value == pytest.approx(history["value"].iloc[-1])
    assert "least squares" in projection.description and "2010–2029" in projection.description


def test_identity_scale_rate_is_in_units_and_allows_negative_scores():
    rng = np.random.default_rng(12)
    years = np.arange(2004, 2020)
    values = -0.2 + 0.05 * (years - 2004) + rng.normal(0, 0.02, years.size)  # health score
    projection = fit_and_project(annual_series(values, 2004), 2025, scale="identity",
                                 frequency="annual")
    assert projection.annual_change_unit == "units per year"
    assert projection.annual_change == pytest.approx(0.05, abs=0.005)
    assert projection.fitted["fitted"].iloc[0] == pytest.approx(-0.2, abs=0.03)


def test_annual_95_interval_covers_held_out_future_point_95_percent():
    """400 seeded series of 8 years; the truth 3 years ahead is inside the 95% interval in
    95% +/- 3% of cases (and inside the 80% interval in 80% +/- 4%)."""
    rng = np.random.default_rng(2024)
    inside_95 = inside_80 = 0
    n_sims = 400
    for _ in range(n_sims):
        values = log_linear(rng, 8, rate=-0.04, sd=0.1, extra=3)
        projection = fit_and_project(annual_series(values[:8]), 2020, scale="log",
                                     frequency="annual")
        last = projection.projection.iloc[-1]
        inside_95 += last["lower_95"] <= values[-1] <= last["upper_95"]
        inside_80 += last["lower_80"] <= values[-1] <= last["upper_80"]
    assert abs(inside_95 / n_sims - 0.95) <= 0.03
    assert abs(inside_80 / n_sims - 0.80) <= 0.04


def test_monthly_seasonal_interval_coverage():
    """100 seeded 36-month series, 12 months projected: the 95% interval covers the held-out
    months 95% +/- 5% of the time (looser than annual: few series, correlated months)."""
    rng = np.random.default_rng(7)
    covered = []
    for _ in range(100):
        history, future = monthly_series(rng, 36, extra=12)
        projection = fit_and_project(history, future["period"].iloc[-1], scale="log",
                                     frequency="monthly", seasonal=True)
        frame = projection.projection.merge(future, on="period")
        covered.extend(frame["value"].between(frame["lower_95"], frame["upper_95"]))
    assert len(covered) == 1200
    assert abs(np.mean(covered) - 0.95) <= 0.05


def test_seasonal_model_recovers_known_seasonal_pattern():
    rng = np.random.default_rng(3)
    history, _ = monthly_series(rng, 48, first="2018-01", trend=0.0, sd=0.02)
    projection = fit_and_project(history, "2022-12", scale="log", frequency="monthly",
                                 seasonal=True)
    assert projection.projection["period"].tolist()[:2] == ["2022-01", "2022-02"]
    log_central = np.log(projection.projection["central"].to_numpy())
    assert np.allclose(log_central - log_central.mean(), SEASON, atol=0.03)
    # the in-sample fit follows the season too
    fitted = np.log(projection.fitted["fitted"].to_numpy()[-12:])
    assert np.allclose(fitted - fitted.mean(), SEASON[np.arange(12)], atol=0.03)


def test_monthly_to_annual_by_simulation_includes_observed_months_and_is_reproducible():
    rng = np.random.default_rng(5)
    history, _ = monthly_series(rng, 35)  # 2019-12 .. 2022-10, like the shipped police.uk data
    kwargs = {"scale": "log", "frequency": "monthly", "seasonal": True, "n_draws": 2000,
              "random_state": 1}
    projection = fit_and_project(history, 2025, **kwargs)
    again = fit_and_project(history, 2025, **kwargs)
    pd.testing.assert_frame_equal(projection.projection, again.projection)

    frame = projection.projection.set_index("period")
    assert frame.index.tolist() == [2022, 2023, 2024, 2025]
    observed_2022 = history.loc[history["period"].str.startswith("2022"), "value"].sum()
    # 2022 = 10 observed months + 2 simulated: the whole interval lies above the observed part
    assert frame.loc[2022, "lower_95"] > observed_2022
    assert frame.loc[2022, "upper_95"] < observed_2022 * 1.4
    # intervals widen with the horizon
    widths = (frame["upper_95"] / frame["lower_95"]).to_numpy()
    assert np.all(np.diff(widths) > 0)
    # observed complete calendar years only: 2020 and 2021
    assert projection.observed["period"].tolist() == [2020, 2021]
    assert projection.latest_period == 2021
    assert projection.predictive.draws is not None and projection.predictive.draws.size == 2000
    assert "summed over each calendar year" in projection.description


def test_logit_scale_keeps_proportions_inside_zero_one():
    years = np.arange(2008, 2020)
    share = 1 / (1 + np.exp(-(1.4 + 0.2 * (years - 2008))))  # 0.80 rising to 0.97
    rng = np.random.default_rng(9)
    share = 1 / (1 + np.exp(-(np.log(share / (1 - share)) + rng.normal(0, 0.05, years.size))))
    projection = fit_and_project(annual_series(share, 2008), 2035, scale="logit", frequency="annual")
    limits = projection.projection[["central", "lower_95", "upper_95", "lower_80", "upper_80"]]
    assert ((limits > 0) & (limits < 1)).all().all()
    assert projection.projection["upper_95"].iloc[-1] > 0.99
    # the same trend on the identity scale runs past 100%: the logit scale is what stops it
    straight = fit_and_project(annual_series(share, 2008), 2035, scale="identity",
                               frequency="annual")
    assert straight.projection["central"].iloc[-1] > 1
    # percentages with proportion_max=100 give the same answer x 100
    percent = fit_and_project(annual_series(100 * share, 2008), 2035, scale="logit",
                              frequency="annual", proportion_max=100)
    assert np.allclose(percent.projection["central"], 100 * projection.projection["central"])
    assert (percent.projection["upper_95"] < 100).all()


def test_periods_as_strings_and_period_objects_are_accepted():
    rng = np.random.default_rng(1)
    history = annual_series(log_linear(rng, 6)).astype({"period": str})
    assert fit_and_project(history, "2020", scale="log", frequency="annual").horizon_end == 2020
    monthly, _ = monthly_series(rng, 30)
    monthly["period"] = pd.PeriodIndex(monthly["period"], freq="M")
    projection = fit_and_project(monthly, pd.Period("2022-08", freq="M"), scale="log",
                                 frequency="monthly", seasonal=False)
    assert projection.projection["period"].tolist() == ["2022-06", "2022-07", "2022-08"]


# ---------------------------------------------------------------------------------------------
# can_forecast: the minimum data rule
# ---------------------------------------------------------------------------------------------


def test_too_short_series_are_reported_not_forced():
    two = annual_series([10.0, 9.0])
    assert can_forecast(two, "annual") == (
        False, "only 2 annual data points: too few to forecast (at least 3 needed)")
    with pytest.raises(ValueError, match="only 2 annual data points: too few to forecast"):
        fit_and_project(two, 2026, scale="log", frequency="annual")
    # missing values do not count
    assert can_forecast(annual_series([10.0, np.nan, 9.0]), "annual")[0] is False
    ok, reason = can_forecast(annual_series([10.0, 9.5, 9.0]), "annual")
    assert ok and reason.startswith("3 annual data points (2010 to 2012)")

    rng = np.random.default_rng(0)
    months, _ = monthly_series(rng, 24)
    assert can_forecast(months.iloc[:23], "monthly") == (
        False, "only 23 monthly data points: too few to forecast (at least 24 needed)")
    assert can_forecast(months, "monthly")[0] is True
    assert can_forecast(two, "annual", min_points=2)[0] is True


# ---------------------------------------------------------------------------------------------
# target_trajectory and resolve_target_value
# ---------------------------------------------------------------------------------------------


def test_target_trajectory_is_the_straight_line_from_baseline_to_target():
    line = target_trajectory(2021, 10.0, 2026, 8.5, range(2019, 2028))
    assert line.name == "trajectory" and line.index.name == "period"
    assert line.loc[2021] == 10.0 and line.loc[2026] == 8.5
    assert line.loc[2023] == pytest.approx(9.4)
    assert np.isnan(line.loc[2019]) and np.isnan(line.loc[2027])
    halfway = target_trajectory("2021-01", 10.0, "2022-01", 8.0, ["2021-07", "2022-01"])
    assert halfway.to_dict() == {"2021-07": pytest.approx(9.0), "2022-01": 8.0}


def test_resolve_target_value():
    assert resolve_target_value("absolute", 60.0, 75.0) == 75.0
    assert resolve_target_value("relative_change", 20.0, -0.15) == pytest.approx(17.0)
    assert resolve_target_value("gap_reduction", 4.0, 0.5) == pytest.approx(2.0)  # series = gap
    # priority neighbourhoods at 30, the rest at 20: halving the gap means 25
    assert resolve_target_value("gap_reduction", 30.0, 0.5, baseline_gap=10.0) == 25.0


# ---------------------------------------------------------------------------------------------
# assess_target and classify_probability
# ---------------------------------------------------------------------------------------------


def test_classification_at_the_threshold_boundaries():
    assert classify_probability(0.75) == "on track"
    assert classify_probability(np.nextafter(0.75, 0)) == "at risk"
    assert classify_probability(0.25) == "at risk"
    assert classify_probability(np.nextafter(0.25, 0)) == "off track"
    assert classify_probability(0.0) == "off track"
    assert classify_probability(1.0) == "on track"
    assert classify_probability(0.6, on_track_at=0.6, off_track_below=0.4) == "on track"
    assert classify_probability(0.39, on_track_at=0.6, off_track_below=0.4) == "off track"


def test_assess_target_probability_exactly_half_when_target_equals_central():
    rng = np.random.default_rng(4)
    projection = fit_and_project(annual_series(5 + rng.normal(0, 0.3, 8)), 2022,
                                 scale="identity", frequency="annual")
    central = float(projection.projection["central"].iloc[-1])
    for direction in ("decrease", "increase"):
        result = assess_target(projection, central, direction, on_track_at=0.5)
        assert result["probability"] == 0.5
        assert result["status"] == "on track"
        assert assess_target(projection, central, direction, on_track_at=0.6,
                             off_track_below=0.5)["status"] == "at risk"
        assert assess_target(projection, central, direction, on_track_at=0.6,
                             off_track_below=0.51)["status"] == "off track"
    assert result["gap"] == pytest.approx(0.0, abs=1e-12)


def test_assess_target_rates_gap_and_probability():
    rng = np.random.default_rng(21)
    history = annual_series(log_linear(rng, 12, rate=-0.02, sd=0.03, start_value=100.0), 2010)
    projection = fit_and_project(history, 2026, scale="log", frequency="annual")
    latest = history["value"].iloc[-1]
    target = resolve_target_value("relative_change", latest, -0.5)  # halve by 2026
    result = assess_target(projection, target, "decrease", target_period=2026,
                           unit="per 1,000 residents")
    # halving in 5 years needs -12.9% a year; the trend seen is about -2%
    assert result["rate_needed"] == pytest.approx(100 * (0.5 ** (1 / 5) - 1))
    assert result["rate_seen"] == pytest.approx(-2.0, abs=0.6)
    assert result["rate_unit"] == "% per year"
    assert result["probability"] < 0.01 and result["status"] == "off track"
    # the gap and its 95% interval are the projection at 2026 minus the target
    last = projection.projection.iloc[-1]
    assert result["central"] == pytest.approx(last["central"])
    assert result["gap"] == pytest.approx(last["central"] - target)
    assert result["gap_lower_95"] == pytest.approx(last["lower_95"] - target)
    assert result["gap_upper_95"] == pytest.approx(last["upper_95"] - target)
    assert result["message"].startswith("Off track: the projection for 2026 is ")
    assert "per 1,000 residents" in result["message"]
    # the predictive distribution matches the printed interval
    assert projection.predictive.probability_at_most(last["upper_95"]) == pytest.approx(0.975)
    # an easy target (the current value) is very likely met
    easy = assess_target(projection, latest * 1.05, "decrease")
    assert easy["probability"] > 0.9 and easy["status"] == "on track"
    # an increase target on a falling series is off track
    assert assess_target(projection, latest, "increase")["status"] == "off track"


def test_assess_target_on_monthly_to_annual_projection_uses_draws():
    rng = np.random.default_rng(8)
    history, _ = monthly_series(rng, 35)
    projection = fit_and_project(history, 2024, scale="log", frequency="monthly", seasonal=True,
                                 n_draws=4000)
    draws = projection.predictive.draws
    target = float(np.quantile(draws, 0.3))
    result = assess_target(projection, target, "decrease")
    assert result["probability"] == pytest.approx(0.3, abs=0.001)
    assert result["status"] == "at risk"
    assert result["latest_period"] == 2021
    assert result["rate_needed"] == pytest.approx(
        100 * ((target / projection.latest_value) ** (1 / 3) - 1))


# ---------------------------------------------------------------------------------------------
# backtest
# ---------------------------------------------------------------------------------------------


def test_backtest_on_a_known_series():
    years = np.arange(2010, 2022)
    wiggle = np.where(years % 2 == 0, 1.02, 0.98)
    steady = annual_series(100 * 0.95 ** (years - 2010) * wiggle, 2010)
    result = backtest(steady, 3, scale="log", frequency="annual")
    assert result.points["period"].tolist() == [2019, 2020, 2021]
    assert result.mean_absolute_percentage_error < 4
    assert result.inside == {0.8: 3, 0.95: 3}
    assert result.summary.startswith(
        "Fitted to 2010..2018, the model's forecasts of the last 3 years were within ")
    assert result.summary.endswith(
        "3 of 3 inside the 95% interval; 3 of 3 inside the 80% interval.")

    # halve the last three values: every forecast is about double the truth (error ~100%)
    broken = steady.copy()
    broken.loc[broken["period"] >= 2019, "value"] /= 2
    result = backtest(broken, 3, scale="log", frequency="annual")
    assert result.mean_absolute_percentage_error == pytest.approx(100, abs=10)
    assert result.inside[0.95] == 0
    assert result.mean_absolute_error == pytest.approx(
        (result.points["central"] - result.points["actual"]).abs().mean())


def test_backtest_monthly_and_the_holdout_limit():
    rng = np.random.default_rng(6)
    history, _ = monthly_series(rng, 35)
    result = backtest(history, 11, scale="log", frequency="monthly", seasonal=True)
    assert len(result.points) == 11 and result.points["period"].iloc[0] == "2021-12"
    assert result.summary.startswith("Fitted to 2019-12..2021-11, the model's forecasts of the "
                                     "last 11 months were within ")
    assert result.mean_absolute_percentage_error < 15
    with pytest.raises(ValueError, match="cannot backtest with 12 held back: only 23 monthly"):
        backtest(history, 12, scale="log", frequency="monthly", seasonal=True)


# ---------------------------------------------------------------------------------------------
# Negative tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def short_history():
    return annual_series([12.0, 11.0, 10.5, 10.0, 9.1], 2017)  # 2017..2021


def test_target_period_not_after_history_is_refused(short_history):
    with pytest.raises(ValueError, match="target period 2020 is not after the last data period 2021"):
        fit_and_project(short_history, 2020, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="is not after the last data period"):
        fit_and_project(short_history, 2021, scale="log", frequency="annual")
    months, _ = monthly_series(np.random.default_rng(0), 30)  # ends 2022-05
    with pytest.raises(ValueError, match="target period 2021 is not after .* 2022-05"):
        fit_and_project(months, 2021, scale="log", frequency="monthly")


def test_unknown_or_unsuitable_settings_are_refused(short_history):
    with pytest.raises(ValueError, match="scale must be one of log, logit, identity, not 'sqrt'"):
        fit_and_project(short_history, 2026, scale="sqrt", frequency="annual")
    with pytest.raises(ValueError, match="frequency must be 'annual' or 'monthly'"):
        fit_and_project(short_history, 2026, scale="log", frequency="quarterly")
    with pytest.raises(ValueError, match="seasonal model needs monthly data"):
        fit_and_project(short_history, 2026, scale="log", frequency="annual", seasonal=True)
    with pytest.raises(ValueError, match="annual series must be projected to a year"):
        fit_and_project(short_history, "2026-03", scale="log", frequency="annual")
    with pytest.raises(ValueError, match="interval levels must be between 0 and 1"):
        fit_and_project(short_history, 2026, scale="log", frequency="annual", levels=(80, 95))


def test_bad_history_is_refused(short_history):
    with pytest.raises(ValueError, match="missing: value"):
        fit_and_project(short_history[["period"]], 2026, scale="log", frequency="annual")
    zero = short_history.assign(value=[12.0, 0.0, 10.5, 10.0, 9.1])
    with pytest.raises(ValueError, match="log scale needs values above zero; 2018 has 0"):
        fit_and_project(zero, 2026, scale="log", frequency="annual")
    percent = short_history.assign(value=[62.0, 63.0, 64.0, 66.0, 67.0])
    with pytest.raises(ValueError, match=r"between 0 and 1; 2017 has 62 \(percentages need "):
        fit_and_project(percent, 2026, scale="logit", frequency="annual")
    twice = pd.concat([short_history, short_history.tail(1)])
    with pytest.raises(ValueError, match="more than one value for period 2021"):
        fit_and_project(twice, 2026, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="annual periods must be years such as 2019"):
        can_forecast(short_history.assign(period="2019/20"), "annual")
    with pytest.raises(ValueError, match="monthly periods must be 'YYYY-MM'"):
        can_forecast(short_history, "monthly")


def test_assess_target_refusals(short_history):
    projection = fit_and_project(short_history, 2026, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="direction must be 'decrease' or 'increase'"):
        assess_target(projection, 8.0, "down")
    with pytest.raises(ValueError, match="projection ends at 2026, not at the target period 2028"):
        assess_target(projection, 8.0, "decrease", target_period=2028)
    with pytest.raises(ValueError, match="below zero: impossible on the log scale"):
        assess_target(projection, -1.0, "decrease")
    with pytest.raises(ValueError, match="thresholds must satisfy"):
        assess_target(projection, 8.0, "decrease", on_track_at=0.2, off_track_below=0.5)
    with pytest.raises(ValueError, match="probability must be between 0 and 1"):
        classify_probability(1.2)


def test_trajectory_and_target_value_refusals():
    with pytest.raises(ValueError, match="target period 2020 must come after the baseline period 2021"):
        target_trajectory(2021, 10.0, 2020, 8.0, [2021])
    with pytest.raises(ValueError, match="all be years or all be months"):
        target_trajectory(2021, 10.0, 2026, 8.0, ["2022-01"])
    with pytest.raises(ValueError, match="target kind must be"):
        resolve_target_value("percent", 10.0, 0.1)
    with pytest.raises(ValueError, match="between 0 and 1 \\(0.5 = halve\\), not 50"):
        resolve_target_value("gap_reduction", 10.0, 50)
    with pytest.raises(ValueError, match="below zero"):
        resolve_target_value("relative_change", 10.0, -1.5)
    with pytest.raises(ValueError, match="baseline_gap only applies"):
        resolve_target_value("absolute", 10.0, 8.0, baseline_gap=2.0)


def test_backtest_refusals(short_history):
    with pytest.raises(ValueError, match="holdout must be a whole number of periods, at least 1"):
        backtest(short_history, 0, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="cannot hold back 5 of only 5 data points"):
        backtest(short_history, 5, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="only 2 annual data points"):
        backtest(short_history, 3, scale="log", frequency="annual")
    with pytest.raises(ValueError, match="backtest sets horizon_end itself"):
        backtest(short_history, 1, scale="log", frequency="annual", horizon_end=2026)


# ---------------------------------------------------------------------------------------------
# The mean-reverting monthly model and path draws (moved from test_targets.py)
# ---------------------------------------------------------------------------------------------


def _ar_series(rng, n, extra, phi=0.6, sd_ar=0.08, sd_noise=0.04):
    months = pd.period_range("2019-12", periods=n + extra, freq="M")
    season = 0.15 * np.sin(2 * np.pi * (months.month.to_numpy() - 1) / 12)
    ar = np.zeros(n + extra)
    ar[0] = rng.normal(0, sd_ar / np.sqrt(1 - phi ** 2))
    for i in range(1, n + extra):
        ar[i] = phi * ar[i - 1] + rng.normal(0, sd_ar)
    values = np.exp(4.0 + ar + season + rng.normal(0, sd_noise, n + extra))
    frame = pd.DataFrame({"period": [m.strftime("%Y-%m") for m in months], "value": values})
    return frame.iloc[:n], frame.iloc[n:]


def test_mean_reverting_model_covers_months_three_years_ahead():
    """40 seeded 35-month series (stationary AR(1) + season + noise), projected 36 months: the
    95% intervals of the last 12 months cover the truth 95% +/- 6% of the time."""
    rng = np.random.default_rng(42)
    covered = []
    for _ in range(40):
        history, future = _ar_series(rng, 35, 36)
        projection = fit_and_project(history, future["period"].iloc[-1], scale="log",
                                     frequency="monthly", seasonal=True,
                                     monthly_model="mean_reverting")
        frame = projection.projection.merge(future, on="period").iloc[-12:]
        covered.extend(frame["value"].between(frame["lower_95"], frame["upper_95"]))
    assert abs(np.mean(covered) - 0.95) <= 0.06


def test_path_draws_match_the_projection_intervals():
    rng = np.random.default_rng(3)
    history, _ = _ar_series(rng, 35, 0)
    monthly = fit_and_project(history, 2026, scale="log", frequency="monthly", seasonal=True,
                              monthly_model="mean_reverting", n_draws=2000, random_state=1)
    assert monthly.path_draws.shape == (2000, 5)
    assert monthly.model == "mean-reverting time series"
    assert np.quantile(monthly.path_draws[:, -1], 0.975) == pytest.approx(
        monthly.projection["upper_95"].iloc[-1])
    assert "no trend is projected" in monthly.description
    annual = pd.DataFrame({"period": range(2010, 2018), "value": 20 * 0.97 ** np.arange(8)
                           * np.exp(rng.normal(0, 0.05, 8))})
    ols = fit_and_project(annual, 2021, scale="log", frequency="annual", n_draws=20000)
    assert ols.path_draws.shape == (20000, 4)
    assert np.quantile(ols.path_draws, 0.975, axis=0) == pytest.approx(
        ols.projection["upper_95"].to_numpy(), rel=0.03)
    assert fit_and_project(history, "2023-06", scale="log", frequency="monthly").path_draws is None
    with pytest.raises(ValueError, match="monthly_model must be one of"):
        fit_and_project(history, 2026, scale="log", frequency="monthly", monthly_model="damped")


def test_the_predictive_distribution_holds_plain_parameters():
    annual = annual_series(log_linear(np.random.default_rng(5), 8))
    predictive = fit_and_project(annual, 2021, scale="log", frequency="annual").predictive
    assert predictive.family == "t" and set(predictive.parameters) == {"df", "loc", "scale"}
    assert all(isinstance(v, float) for v in predictive.parameters.values())
    assert predictive.distribution.ppf(0.5) == pytest.approx(predictive.parameters["loc"])
    with pytest.raises(ValueError, match="family must be one of"):
        PredictiveDistribution(period=2021, scale="log", family="gamma", parameters={"a": 1.0})
    with pytest.raises(ValueError, match="exactly one of family or draws"):
        PredictiveDistribution(period=2021, scale="log")
