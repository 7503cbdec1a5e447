"""The forecast page's tables: the summary of all targets (for display and download) and each
target's recorded values, projection and trajectory by year (download)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.reporting.format import chance_text, significant_figures_text
from pipeline.stats.disclosure import suppress_small_numbers
from pipeline.steps.target_forecast import TargetForecast, projection_table
from pipeline.steps.target_series import TargetSeries


def forecast_summary(forecasts: Sequence[TargetForecast]) -> pd.DataFrame:
    """One row per target for the board's summary table (and the download).

    Columns: target_id, target, area, measure, unit, baseline_period, baseline_value,
    target_period, target_value, latest_period, latest_value, projected (central),
    lower_95, upper_95, gap_at_target (central - target), rate_needed, rate_seen, rate_unit,
    probability, status, trust, series_used, illustrative.
    """
    rows = []
    for f in forecasts:
        t, s, a = f.target, f.series, f.assessment or {}
        latest_period = a.get("latest_period", s.annual["period"].iloc[-1])
        latest_value = a.get("latest_value", s.annual["value"].iloc[-1])
        lower = upper = np.nan
        if f.projection is not None:
            lower, upper = (float(v) for v in f.projection.predictive.quantile([0.025, 0.975]))
        central = float(a["central"]) if a else (f.observed_value if f.observed_value is not None
                                                 else np.nan)
        rows.append({
            "target_id": t.id, "target": t.title, "area": s.area_name,
            "measure": s.measure[:1].upper() + s.measure[1:], "unit": s.unit,
            "baseline_period": str(t.baseline_period), "baseline_value": s.baseline_value,
            "target_period": str(t.target_period), "target_value": s.target_value,
            "latest_period": str(latest_period), "latest_value": float(latest_value),
            "projected": central, "lower_95": lower, "upper_95": upper,
            "gap_at_target": central - s.target_value if np.isfinite(central) else np.nan,
            "rate_needed": float(a.get("rate_needed", np.nan)),
            "rate_seen": float(a.get("rate_seen", np.nan)),
            "rate_unit": str(a.get("rate_unit", "")),
            "probability": f.probability, "status": f.status, "trust": f.trust,
            "series_used": ("monthly" if s.frequency == "monthly" else "yearly"),
            "illustrative": bool(t.illustrative),
        })
    columns = ["target_id", "target", "area", "measure", "unit", "baseline_period",
               "baseline_value", "target_period", "target_value", "latest_period", "latest_value",
               "projected", "lower_95", "upper_95", "gap_at_target", "rate_needed", "rate_seen",
               "rate_unit", "probability", "status", "trust", "series_used", "illustrative"]
    return pd.DataFrame(rows, columns=columns)


def _projected_text(central: float, lower: float, upper: float) -> str:
    """``'12.3 (10.1 to 14.8)'``, ``'12.3 (observed)'`` or ``'not forecast'``."""
    fmt = significant_figures_text
    if np.isfinite(lower):
        return f"{fmt(central)} ({fmt(lower)} to {fmt(upper)})"
    return f"{fmt(central)} (observed)" if np.isfinite(central) else "not forecast"


def summary_display(forecasts: Sequence[TargetForecast]) -> pd.DataFrame:
    """The summary table of all targets with text cells (each row has its own unit)."""
    table = forecast_summary(forecasts)
    fmt = significant_figures_text
    return pd.DataFrame({
        "target": table["target"],
        "baseline": [f"{fmt(v)} ({p})" for v, p in zip(table["baseline_value"],
                                                        table["baseline_period"])],
        "target_value": [f"{fmt(v)} ({p})" for v, p in zip(table["target_value"],
                                                           table["target_period"])],
        "projected": [_projected_text(c, lo, hi) for c, lo, hi in
                      zip(table["projected"], table["lower_95"], table["upper_95"])],
        "unit": table["unit"],
        "probability": [chance_text(p) for p in table["probability"]],
        "status": table["status"], "trust": table["trust"],
        "series_used": table["series_used"],
    })


#: Download column labels of the summary of all targets.
SUMMARY_DOWNLOAD_COLUMNS = {
    "target_id": "Target id", "target": "Target", "area": "Area", "measure": "Measure",
    "unit": "Unit", "baseline_period": "Baseline period", "baseline_value": "Baseline value",
    "target_period": "Target period", "target_value": "Target value",
    "latest_period": "Latest period", "latest_value": "Latest value",
    "projected": "Projected value at target period (central)",
    "lower_95": "95% prediction interval: lower", "upper_95": "95% prediction interval: upper",
    "gap_at_target": "Gap at target period (projected minus target)",
    "rate_needed": "Annual change needed", "rate_seen": "Annual change seen",
    "rate_unit": "Unit of annual change", "probability": "Probability of meeting the target",
    "status": "Status", "trust": "Trust in the forecast", "series_used": "Series forecast",
    "illustrative": "Illustrative target"}
#: Download column labels of the targets' series by year.
SERIES_DOWNLOAD_COLUMNS = {
    "target_id": "Target id", "area_code": "Area code", "area_name": "Area",
    "measure": "Measure", "unit": "Unit", "comparator": "Comparator (gap targets)",
    "period": "Year", "recorded": "Recorded value",
    "area_value": "Area's own value (gap targets)",
    "comparator_value": "Comparator's value (gap targets)",
    "numerator": "Count (numerator)", "denominator": "Denominator", "flag": "Flag",
    "central": "Projection (central)", "lower_80": "80% prediction interval: lower",
    "upper_80": "80% prediction interval: upper",
    "lower_95": "95% prediction interval: lower", "upper_95": "95% prediction interval: upper",
    "trajectory": "Target trajectory"}
_TEXT_COLUMNS = ("target_id", "area_code", "area_name", "measure", "unit", "comparator",
                 "period", "flag")


def target_series_table(forecast: TargetForecast, min_count: int = 5) -> pd.DataFrame:
    """One target's recorded values (disclosure-controlled), projection and trajectory by year,
    with the target's id, area, measure, unit and comparator on every row."""
    f, t = forecast, forecast.target
    history = history_table(f.series, min_count).rename(columns={"value": "recorded"})
    projection = projection_table(f)
    trajectory = f.trajectory if f.trajectory is not None else pd.Series(dtype=float)
    years = sorted(set(history["period"]) | set(projection["period"].astype(int))
                   | set(trajectory.dropna().index.astype(int)))
    frame = pd.DataFrame({"period": years})
    frame = frame.merge(history[["period", "recorded", "area_value", "comparator_value",
                                 "numerator", "denominator", "flag"]], on="period", how="left")
    frame = frame.merge(projection.drop(columns=["trajectory"]), on="period", how="left")
    frame["trajectory"] = frame["period"].map(trajectory.to_dict())
    frame.insert(0, "target_id", t.id)
    frame.insert(1, "area_code", t.area)
    frame.insert(2, "area_name", f.series.area_name)
    frame.insert(3, "measure", f.series.measure)
    frame.insert(4, "unit", f.series.unit)
    frame.insert(5, "comparator", f.series.comparator_name or "")
    frame["flag"] = frame["flag"].fillna("").astype(str)
    numeric = [c for c in frame.columns if c not in _TEXT_COLUMNS]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def forecast_downloads(forecasts: Sequence[TargetForecast], min_count: int = 5
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables behind the forecast page, with readable column names: the summary of all
    targets, and every target's recorded values, projection and trajectory by year (counts
    below ``min_count`` suppressed [c])."""
    summary = forecast_summary(forecasts).rename(columns=SUMMARY_DOWNLOAD_COLUMNS)
    columns = list(SERIES_DOWNLOAD_COLUMNS)
    frames = [target_series_table(f, min_count) for f in forecasts]
    series = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns))
    series = series.reindex(columns=columns)
    series["flag"] = series["flag"].fillna("")
    return summary, series.rename(columns=SERIES_DOWNLOAD_COLUMNS)


def history_table(series: TargetSeries, min_count: int = 5) -> pd.DataFrame:
    """The yearly history behind a target, disclosure-controlled, for display and download:
    ``period``, ``value`` (the series; the gap for gap targets), area and comparator values,
    ``numerator``, ``denominator``, ``flag``."""
    table = series.annual.copy()
    for column in ("numerator", "denominator", "area_value", "comparator_value"):
        if column not in table:
            table[column] = np.nan
    table["flag"] = table["flag"].fillna("")
    columns = ["period", "value", "area_value", "comparator_value", "numerator", "denominator",
               "flag"]
    if series.is_gap:
        return table[columns]
    return suppress_small_numbers(table, min_count, count_columns="numerator",
                                  dependent_columns="value")[columns]
