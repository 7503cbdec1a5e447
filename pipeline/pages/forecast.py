"""The forecast page (step 3): text, display tables, charts and downloads of the targets'
forecasts.

The notebook ``03_forecast`` reads like this page's table of contents::

    results = district_results(district, config_path, processed_dir)
    page = forecast_page(results, output_dir)
    page.intro()
    page.key_messages()
    ...

The forecasts themselves are computed in :mod:`pipeline.steps.target_forecast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.context import work_folder
from pipeline.pages.forecast_tables import forecast_downloads, history_table, summary_display
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.forecast_charts import forecast_chart
from pipeline.reporting.format import (
    chance_text,
    lowercase_first_letter,
    significant_figures_text,
    target_chart_id,
)
from pipeline.reporting.pack import stage_table
from pipeline.steps.forecast_coverage import MEASURED_COVERAGE
from pipeline.steps.target_forecast import (
    MET,
    NOT_MET,
    NOT_TESTED,
    OBSERVED,
    STATUS_ORDER,
    DistrictTargets,
    TargetForecast,
    projection_table,
)
from pipeline.steps.target_series import TargetSeries


def series_note(series: TargetSeries) -> str:
    """Plain English: which series the forecast uses and why (monthly crime or yearly values)."""
    annual, monthly = series.annual, series.monthly
    n_years = len(annual)
    years = ", ".join(map(str, annual["period"]))
    if series.frequency == "monthly":
        title = str(series.indicator.get("title", series.target.indicator))
        first, last = monthly["period"].iloc[0], monthly["period"].iloc[-1]
        return (
            f"The yearly {lowercase_first_letter(title)} figures cover only {n_years} complete "
            f"calendar year{'s' if n_years != 1 else ''} ({years}), too few "
            f"to forecast, so the forecast uses the {len(monthly)} monthly values {first} to "
            f"{last} (police.uk recorded crime summed over the area's small areas, divided by "
            "the population), whose calendar-year totals are the yearly figures."
        )
    span = f"{annual['period'].iloc[0]} to {annual['period'].iloc[-1]}"
    return (f"The forecast uses the {n_years} yearly value{'s' if n_years != 1 else ''} {span}"
            + (f" ({years})" if n_years <= 8 else "") + ".")


#: The model scales as the page names them.
SCALE_NAMES = {"log": "logarithm", "logit": "log-odds"}


def series_caveats(series: TargetSeries) -> list[str]:
    """Caveats about a target's values: estimated years, Index of Deprivation editions."""
    caveats = []
    if series.estimated_periods:
        caveats.append("Values for " + ", ".join(map(str, series.estimated_periods))
                       + " are estimated [e]: converted from another set of small areas "
                       "(LSOA vintage).")
    if series.mixes_editions:
        caveats.append("Index of Deprivation editions are several years apart and each "
                       "describes the years before it; scores from different editions are "
                       "only broadly comparable.")
    if series.scale_fallback is not None:
        scale, period, value = series.scale_fallback
        caveats.append(f"The forecast works on the values themselves, not on their "
                       f"{SCALE_NAMES.get(scale, scale)}, because {period} has a value of "
                       f"{significant_figures_text(value)}, which the "
                       f"{SCALE_NAMES.get(scale, scale)} cannot take.")
    return caveats


def trust_text(forecast: TargetForecast) -> str:
    """The sentence under a target's verdict: how far to trust the forecast, and why."""
    test = forecast.backtest
    if forecast.trust == OBSERVED:
        return "The outcome is observed, not forecast."
    if not forecast.forecast:
        return "No forecast was made." if forecast.trust == NOT_TESTED else ""
    if test is None:
        return ("The series is too short to hold values back and test the model, so there is no "
                "check of how well it forecasts: treat the projection as a rough guide only.")
    monthly = forecast.series.frequency == "monthly"
    error = test.mean_absolute_percentage_error
    accuracy = (f"its forecasts of the {len(test.points)} held-back "
                f"{'months' if monthly else 'years'} were off by "
                + (f"{error:.0f}% on average" if np.isfinite(error) else
                   f"{significant_figures_text(test.mean_absolute_error)} on average")
                + f", and {test.inside.get(0.95, 0)} of {len(test.points)} fell inside the 95% "
                "prediction interval")
    extra = ""
    if monthly:
        extra = (" The monthly data cover December 2019 to October 2022, much of it under "
                 "COVID-19 restrictions, so no model can tell a lasting trend from the "
                 "pandemic's effects: the projection assumes no lasting trend, and the trend "
                 "seen is shown beside it for comparison.")
    return f"Trust in this forecast: {forecast.trust} ({accuracy}).{extra}"


def _rate_text(value: float, unit: str, measure_unit: str) -> str:
    if not np.isfinite(value):
        return "not estimated"
    direction = "a fall" if value < 0 else "a rise"
    if unit == "% per year":
        return f"{direction} of {abs(value):.1f}% a year"
    amount = significant_figures_text(abs(value))
    return f"{direction} of {amount} {measure_unit} a year".replace("  ", " ")


def targets_intro(district: DistrictTargets) -> str:
    """Plain-English opening: which targets concern the area (or that none do)."""
    if not district.has_registers:
        return (f"There are no targets for {district.area_name}: the area settings "
                "(config/area.yaml) name no targets register. Add the targets, options and "
                "appraisal registers to forecast against targets.")
    if not district.has_targets:
        return (f"There are no targets for {district.area_name} in the targets register: "
                "nothing to forecast against. Targets are set by the partnership in the "
                "targets register (an area can be a district, the county, a locality or a "
                "district's priority neighbourhoods).")
    own = sum(district.own)
    county = len(district.own) - own
    county_text = (f"the {county} county-wide targets that cover it" if county > 1 else
                   "the county-wide target that covers it")
    if own:
        own_text = (f"{own} targets of {district.area_name}'s own" if own > 1 else
                    f"one target of {district.area_name}'s own")
        looked_at = f"{own_text} and {county_text}" if county else own_text
        opening = ""
    else:
        looked_at = county_text
        opening = f"{district.area_name} has no targets of its own. "
    return (f"{opening}This page looks at {looked_at}. For each target it projects the indicator "
            "to the target date with a range of likely values, sets it against the straight "
            "line from the baseline to the target (the trajectory), and says how likely the "
            "target is to be met and how far to trust the forecast.")


def forecast_key_messages(forecasts: Sequence[TargetForecast]) -> list[str]:
    """One sentence per target, the most worrying first: status, chance and trust."""
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    messages = []
    for f in sorted(forecasts, key=lambda f: (order.get(f.status, 99), f.target.id)):
        title = f.target.title
        if f.forecast:
            messages.append(
                f"{title}: {f.status}; chance of meeting the target by "
                f"{f.target.target_period}: {chance_text(f.probability)} (trust in the forecast: "
                f"{f.trust}).")
        elif f.status in (MET, NOT_MET):
            messages.append(f"{title}: {f.status} — the {f.target.target_period} value is "
                            "already known.")
        else:
            messages.append(f"{title}: not forecast — {f.reason}.")
    return messages


def target_description(forecast: TargetForecast) -> str:
    """Markdown paragraph: what the target is, who owns it, which series is used."""
    t, s = forecast.target, forecast.series
    unit = f" {s.unit}" if s.unit else ""
    baseline, target = significant_figures_text(s.baseline_value), \
        significant_figures_text(s.target_value)
    return (
        f"**What is measured:** {s.measure} ({s.unit}). **Baseline** {t.baseline_period}: "
        f"{baseline}{unit}. **Target** {t.target_period}: "
        f"{target}{unit}. **Accountable:** {t.theme_partnership}.\n\n"
        f"**Series used:** {series_note(s)}"
        + ("".join(f" {n}" for n in series_caveats(s)))
    )


def forecast_facts(forecast: TargetForecast) -> pd.DataFrame:
    """The verdict of one target as label/value rows (text), for a two-column table."""
    f, s, t = forecast, forecast.series, forecast.target
    fmt = significant_figures_text
    unit = f" {s.unit}" if s.unit else ""
    rows: list[tuple[str, str]] = [("Status", f.status)]
    if f.forecast:
        a = f.assessment or {}
        lower, upper = (float(v) for v in f.projection.predictive.quantile([0.025, 0.975]))
        rows += [
            ("Chance of meeting the target", chance_text(f.probability)),
            (f"Projected value in {t.target_period}",
             f"{fmt(a['central'])}{unit} (95% prediction interval {fmt(lower)} to "
             f"{fmt(upper)})"),
            ("Target value", f"{fmt(s.target_value)}{unit}"),
            (f"Gap at {t.target_period} (projected minus target)",
             f"{fmt(a['gap'])}{unit} (95% prediction interval {fmt(a['gap_lower_95'])} to "
             f"{fmt(a['gap_upper_95'])})"),
            (f"Change needed each year from {a['latest_period']}",
             _rate_text(a["rate_needed"], a["rate_unit"], s.unit)),
            ("Change seen in the data each year",
             _rate_text(a["rate_seen"], a["rate_unit"], s.unit)),
            ("How far to trust the forecast", f.trust),
        ]
        if f.backtest is not None:
            rows.append(("Backtest (values held back and forecast)", f.backtest.summary))
    else:
        rows += [("Target value", f"{fmt(s.target_value)}{unit}")]
        if f.observed_value is not None:
            rows.append((f"Value in {t.target_period}", f"{fmt(f.observed_value)}{unit}"))
        rows.append(("Why there is no forecast", f.reason or "not forecast"))
    return pd.DataFrame(rows, columns=["item", "value"])


def chart_summary(forecast: TargetForecast) -> str:
    """The text summary under a target's forecast chart."""
    f, t, s = forecast, forecast.target, forecast.series
    first, last = int(s.annual["period"].iloc[0]), int(s.annual["period"].iloc[-1])
    if f.forecast:
        return (f"{s.measure[:1].upper() + s.measure[1:]}, recorded {first} to {last} and "
                f"projected to {t.target_period}, with the straight line from the baseline to "
                f"the target. {f.message}")
    return (f"{s.measure[:1].upper() + s.measure[1:]}, recorded {first} to {last}, with the "
            f"straight line from the baseline to the target. {f.message}")


METHOD_NOTE = (
    "How the forecasts were made. Crime targets: the yearly police.uk figures cover only two "
    "complete calendar years (2020 and 2021), too few to forecast, so each is forecast from its "
    "monthly values (December 2019 to October 2022) with a seasonal time-series model on the "
    "logarithm of the monthly rate (gaps: on the difference itself). The model keeps the series "
    "around its average level with the ups and downs seen so far and projects no lasting trend: "
    "a model that lets the trend drift turned the COVID-19 months into ranges such as 22 to "
    "548,510 burglaries a year by 2026, which say nothing useful. Thousands of simulated "
    "futures are added up over each calendar year, so the yearly ranges carry the uncertainty "
    "of every month. Other targets: a straight-line trend through the yearly values (at least "
    "three), with ranges from the scatter around it. The chance of meeting a target is the "
    "share of simulated futures that meet it: on track from 75%, off track below 25%, at risk "
    "in between. Each forecast was also tested by holding back its latest values (the last 11 "
    "months, or the last year), forecasting them from the rest and comparing."
)


def coverage_text(figures: dict = MEASURED_COVERAGE) -> str:
    """How often the crime forecasts' ranges held the truth on simulated series, from the
    figures measured by the seeded simulation (:mod:`pipeline.steps.forecast_coverage`)."""
    share = figures["pack_model"]
    lowest = min(share["monthly 95"] - 95, share["yearly 95"] - 95,
                 share["monthly 80"] - 80, share["yearly 80"] - 80)
    highest = max(share["monthly 95"] - 95, share["yearly 95"] - 95,
                  share["monthly 80"] - 80, share["yearly 80"] - 80)
    if lowest < -2:
        verdict = ("The ranges are too narrow, mainly because the model treats the settings it "
                   "estimated from 35 months as known: read them as the least uncertainty there "
                   "is, not the most.")
    elif highest > 2:
        verdict = "The ranges are somewhat wider than they need to be."
    else:
        verdict = "The ranges can be read as they are labelled."
    kinds = figures.get("processes", [])
    by_kind = figures.get("by_process", {})
    yearly = [by_kind[f"{kind} yearly 95"] for kind in kinds if f"{kind} yearly 95" in by_kind]
    spread = (f" ({min(yearly):.0f}% to {max(yearly):.0f}% depending on how the series were "
              "made)") if len(yearly) > 1 else ""
    return (
        f"How far to trust the ranges: in tests on {figures['series']} simulated 35-month "
        "series like these, fitted with the same model and projected one to five years ahead, "
        f"the 95% range held the true value in {share['monthly 95']:.0f}% of cases for single "
        f"months and {share['yearly 95']:.0f}% for yearly totals{spread}, and the 80% range in "
        f"{share['monthly 80']:.0f}% and {share['yearly 80']:.0f}%. {verdict}"
    )


def target_forecast_chart(forecast: TargetForecast, min_count: int = 5) -> go.Figure:
    """:func:`forecast_chart` for one target: its disclosure-controlled yearly history,
    projection, trajectory, target and (monthly series) the 12 months to the latest month."""
    series = forecast.series
    history = history_table(series, min_count).dropna(subset=["value"])
    return forecast_chart(
        history, projection_table(forecast), forecast.trajectory,
        target_value=series.target_value, target_period=forecast.target.target_year,
        title=forecast.target.title, y_label=series.axis_label,
        latest=series.latest_twelve_months(),
    )


#: Column labels of the summary table.
SUMMARY_COLUMNS = {
    "target": "Target", "baseline": "Baseline (year)", "target_value": "Target (year)",
    "projected": "Projected at target date (95% prediction interval)", "unit": "Unit",
    "probability": "Chance of meeting the target", "status": "Status",
    "trust": "Trust in the forecast", "series_used": "Series forecast",
}
SUMMARY_HEADING = (
    "## Summary of all targets\n\n**On track** means at least a 75% chance of meeting the target "
    "if things carry on as the forecast expects; **off track** less than 25%; **at risk** in "
    "between. **Met** or **not met** means the target year has already been recorded.")
TARGETS_HEADING = (
    "## Target by target\n\nEach chart shows the recorded values, the projection with two shaded "
    "ranges (where the value is expected to fall 8 times in 10, and 19 times in 20), the straight "
    "line from the baseline to the target, and the target itself. Beside each forecast is its "
    "**backtest**: the latest values were held back, forecast from the rest, and compared with "
    "what was recorded.")
ILLUSTRATIVE_NOTE = (
    "The targets on this page are illustrative examples from the shipped targets register, not "
    "targets the partnership has agreed. The forecasts use the real data.")


@page_sections
@dataclass(frozen=True)
class ForecastPage:
    """The forecast page of one district (or the county overview): one method per section.

    Attributes
    ----------
    district
        The district's targets and forecasts (``results.targets``).
    work_dir
        Where the page stages its download tables.
    min_count
        Counts below this are suppressed in charts and downloads.
    """

    district: DistrictTargets
    work_dir: Path
    min_count: int = 5

    def intro(self) -> None:
        """The opening paragraph."""
        show_markdown(targets_intro(self.district))

    def key_messages(self) -> None:
        """One key message per target, the most worrying first."""
        show_key_messages(forecast_key_messages(self.district.forecasts) or [
            f"There are no targets for {self.district.area_name}: nothing to forecast against."])

    def illustrative_note(self) -> None:
        """A caution when the targets are the shipped illustrative examples."""
        if self.district.illustrative:
            show_note(ILLUSTRATIVE_NOTE, kind="caution")

    def summary(self) -> None:
        """The summary table of all targets (or a note that there are none)."""
        if not self.district.has_targets:
            show_note(f"There are no targets for {self.district.area_name}, so there is nothing "
                      "to forecast on this page.")
            return
        show_markdown(SUMMARY_HEADING)
        show_table(summary_display(self.district.forecasts),
                   f"Targets that concern {self.district.area_name}: projected value at the "
                   "target date with its 95% prediction interval, and the chance of meeting the "
                   "target", columns=SUMMARY_COLUMNS, row_header="target")

    def stage_downloads(self) -> None:
        """Stage the page's two download tables."""
        summary, series = forecast_downloads(self.district.forecasts, self.min_count)
        stage_table(summary, "forecast_targets", self.work_dir, title="Forecasts against targets",
                    description="Each target's baseline, target, projection with its 95% "
                    "prediction interval, chance of meeting it, status and trust.")
        stage_table(series, "forecast_projections", self.work_dir,
                    title="Target series, projections and trajectories by year",
                    description="Recorded values, projections with 80% and 95% prediction "
                    "intervals, and the straight-line target trajectory for each target.")

    def targets(self) -> None:
        """One section per target: description, chart, verdict and trust."""
        if self.district.has_targets:
            show_markdown(TARGETS_HEADING)
        for forecast in self.district.forecasts:
            self.target(forecast)

    def target(self, forecast: TargetForecast) -> None:
        """One target's section."""
        show_markdown(f"### {forecast.target.title}")
        show_markdown(target_description(forecast))
        show_figure(target_forecast_chart(forecast, self.min_count),
                    target_chart_id("forecast", forecast.target.id), chart_summary(forecast))
        show_table(forecast_facts(forecast), f"Verdict: {forecast.target.title}",
                   columns={"item": "Measure", "value": "Result"}, row_header="item")
        show_markdown(trust_text(forecast))

    def method_note(self) -> None:
        """How the forecasts were made, and how often their ranges held the truth in tests."""
        show_note(f"{METHOD_NOTE} {coverage_text()}")


def forecast_page(results: Any, output_dir: str | Path | None = None) -> ForecastPage:
    """The forecast page of a :class:`pipeline.results.DistrictResults`, staging its downloads
    in ``output_dir`` (or the run's work folder of the area)."""
    district = results.targets
    return ForecastPage(district=district,
                        work_dir=work_folder(output_dir, results.processed_dir, district.area_name),
                        min_count=int(results.config.min_count))
