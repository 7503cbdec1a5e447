"""The option-appraisal page (step 4): its text, display tables, charts and downloads.

Presentation only: every number comes from :class:`pipeline.steps.appraisal_district.
DistrictAppraisal` (computed once per district by :mod:`pipeline.results`). The notebook
``04_option_appraisal`` calls :class:`AppraisalPage` section by section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import work_folder
from pipeline.pages.appraisal_package import (  # noqa: F401  (re-exported)
    costliest_year_text,
    package_cost,
    package_table,
    package_text,
)
from pipeline.registers import BAU_ID, CRITERIA, CRITERIA_DIRECTIONS
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.forecast_charts import (
    cost_effectiveness_chart,
    rank_stability_chart,
    scenario_chart,
)
from pipeline.reporting.format import chance_text, pounds, target_chart_id
from pipeline.reporting.pack import stage_table
from pipeline.steps.appraisal_district import (
    DistrictAppraisal,
    TargetScenarios,
    options_ranked,
    scenario_summary,
)

BAU_LABEL = "Business as usual (no new option)"

APPRAISAL_METHOD_NOTE = (
    "How the options were appraised. Each option's effect is drawn thousands of times from a "
    "three-point (Beta-PERT) distribution between its low and high estimates, centred on its "
    "central one, phased in from its start year, scaled by the share of the target area's "
    "population it reaches (from the localities' small areas), and applied to each simulated "
    "future of the forecast (percentage effects multiply, so two 10% cuts leave 81%). The gap "
    "closed is the expected shortfall from the target at the target year without the option "
    "minus the shortfall with it. Costs are discounted at the HM Treasury Green Book rate; "
    "cost-effectiveness is the discounted cost per unit of gap closed. The multi-criteria "
    "appraisal scores each option 0-100 on each criterion (best option 100, worst 0), weighs "
    "the scores with the partnership's swing weights (DCLG multi-criteria analysis manual), and "
    "tests the ranking by redrawing the weights thousands of times around the agreed ones."
)

ILLUSTRATIVE_NOTE = (
    "ILLUSTRATIVE NUMBERS: the options' effects and costs, the weights and the budget come from "
    "the shipped example registers (marked illustrative there), not from costed bids or agreed "
    "weights. The forecasts they are applied to use the real data.")

RANKED_DOWNLOAD_COLUMNS = {
    "option_id": "Option id", "option": "Option", "lead_partner": "Lead partner",
    "rank": "Rank", "total": "Weighted score (0-100)",
    "p_first": "Share of weight sets ranking it first",
    "rank_p05": "Rank range: best (5th percentile)",
    "rank_p95": "Rank range: worst (95th percentile)",
    "impact": "Impact: share of the gaps closed (summed over targets)",
    "discounted_cost": "Discounted cost (£)",
    "equivalent_annual_cost": "Equivalent annual cost (£)",
    "pn_reach": "Share delivered in priority neighbourhoods",
    "evidence": "Strength of evidence (1-5)", "deliverability": "Deliverability (1-5)",
    "equality": "Equality impact (-2 to +2)", "in_package": "In the best package",
    "agreed": "Already agreed", "illustrative": "Illustrative numbers"}

GAPS_DOWNLOAD_COLUMNS = {
    "target_id": "Target id", "target": "Target", "unit": "Unit",
    "target_period": "Target year", "target_value": "Target value", "option_id": "Option id",
    "option": "Option", "reach": "Share of the target's area reached",
    "projected_value": "Projected value at target year with the option",
    "gap_closed": "Gap closed (expected)", "gap_closed_low": "Gap closed: low (5th percentile)",
    "gap_closed_high": "Gap closed: high (95th percentile)",
    "share_of_gap_closed": "Share of the expected gap closed",
    "p_meet": "Probability of meeting the target with the option",
    "discounted_cost": "Discounted cost (£)",
    "cost_per_unit": "Discounted cost per unit of gap closed (£; blank = closes none)"}


# --------------------------------------------------------------------------------------------
# Text and tables
# --------------------------------------------------------------------------------------------


def criteria_labels() -> dict[str, str]:
    """Criterion id -> plain title, in display order."""
    return {c.id: c.title for c in CRITERIA.values()}


def describe_cost_effectiveness(values: pd.Series, unit: str) -> pd.Series:
    """Plain-English labels: ``£1,234 per <unit>`` or ``not effective`` (nothing closed)."""
    return values.map(lambda v: "not effective" if not np.isfinite(v) else f"£{v:,.0f} per {unit}")


def effect_text(row: Mapping[str, Any]) -> str:
    """An option's full effect and range: ``-15% (range -30% to -3%)`` or in units."""
    suffix = "%" if row["effect_unit"] == "percent" else ""

    def one(v: float) -> str:
        return f"{v:+g}{suffix}" if v else f"0{suffix}"

    return (f"{one(row['effect_central'])} (range {one(row['effect_low'])} to "
            f"{one(row['effect_high'])})")


def appraisal_intro(area_name: str, has_targets: bool, appraisal: DistrictAppraisal | None
                    ) -> str:
    """Plain-English opening of the option-appraisal page (or why there is nothing to appraise)."""
    if not has_targets:
        return (f"There are no targets for {area_name}, so there are no options to "
                "appraise on this page.")
    if appraisal is None:
        return (f"None of the targets that concern {area_name} has a forecast to "
                "appraise options against (their outcomes are already known or their series "
                "are too short), or no option in the options register acts on them.")
    n = len(appraisal.options) - 1
    return (f"{n} option{'s' if n != 1 else ''} from the options register act on the "
            f"{len(appraisal.targets)} target{'s' if len(appraisal.targets) != 1 else ''} of "
            f"this page that can be forecast. Each is compared with business as usual: its "
            "effect on the forecast (with its uncertainty, phased in from its start year and "
            "scaled by how much of the target's area it reaches), the gap to target it closes, "
            "its cost per unit of gap closed, and a multi-criteria appraisal that weighs impact, "
            "cost, reach into priority neighbourhoods, strength of evidence, deliverability and "
            "equality. The best package within the budget comes last.")


def appraisal_key_messages(appraisal: DistrictAppraisal | None) -> list[str]:
    """The page's key messages: the best option and how robust its rank is, the package and its
    cost against the budget, and the most cost-effective option per target."""
    if appraisal is None:
        return []
    top = options_ranked(appraisal).iloc[0]
    messages = [
        f"{top['option']} ranks first in the multi-criteria appraisal ({top['total']:.0f} out "
        f"of 100); it ranks first under {chance_text(top['p_first'])} of the simulated sets "
        "of weights."
    ]
    chosen, _ = package_cost(appraisal)
    titles = "; ".join(appraisal.options.loc[chosen, "title"]) if chosen else "none"
    messages.append(
        f"The best package within the budget of {pounds(appraisal.settings.budget_per_year)} a "
        f"year holds {len(chosen)} option{'s' if len(chosen) != 1 else ''} ({titles}); its "
        f"set-up and running costs come to {costliest_year_text(appraisal)} (today's prices, as "
        "in the action plan's resources table).")
    for scenarios in appraisal.targets.values():
        table = scenario_summary(scenarios, appraisal.options)
        table = table[(table["option_id"] != BAU_ID) & np.isfinite(table["cost_per_unit"])]
        if table.empty:
            messages.append(f"{scenarios.forecast.target.title}: no option is expected to close "
                            "any of the gap.")
            continue
        best = table.sort_values(["cost_per_unit", "option_id"]).iloc[0]
        unit = scenarios.forecast.series.unit
        messages.append(
            f"{scenarios.forecast.target.title}: the most cost-effective option is "
            f"{best['option']}, at {pounds(best['cost_per_unit'])} per unit of gap closed "
            f"({unit}); it closes {best['share_of_gap_closed']:.0%} of the expected gap.")
    return messages


def options_register_table(appraisal: DistrictAppraisal, target_titles: Mapping[str, str]
                           ) -> pd.DataFrame:
    """The options appraised, as the register describes them, with text cells: option, lead
    partner, targets it acts on, where, effect, start, years to full effect, costs, evidence,
    deliverability, equality, illustrative."""
    o = appraisal.options
    return pd.DataFrame({
        "option": o["title"].to_numpy(),
        "lead_partner": o["lead_partner"].to_numpy(),
        "targets": ["; ".join(target_titles[t] for t in ts if t in target_titles)
                    or "all (reference)" for ts in o["targets"]],
        "where": ["; ".join(appraisal.area_names[a] for a in areas) or "where its targets are"
                  for areas in o["applies_to"]],
        "effect": [effect_text(row) for _, row in o.iterrows()],
        "start": o["start_year"].astype(int).to_numpy(),
        "ramp": o["years_to_full_effect"].astype(int).to_numpy(),
        "cost_one_off": o["cost_one_off"].astype(float).to_numpy(),
        "cost_per_year": o["cost_per_year"].astype(float).to_numpy(),
        "evidence": o["evidence_strength"].astype(int).to_numpy(),
        "deliverability": o["deliverability"].astype(int).to_numpy(),
        "equality": o["equality_impact"].astype(int).to_numpy(),
        "illustrative": o["illustrative"].astype(bool).to_numpy(),
    })


def weights_table(appraisal: DistrictAppraisal) -> pd.DataFrame:
    """The swing weights: criterion (plain title), weight as given and its share (0-1)."""
    weights = dict(appraisal.settings.weights)
    total = sum(weights.values())
    return pd.DataFrame({
        "criterion": [CRITERIA[c].title for c in CRITERIA],
        "better": ["lower" if CRITERIA_DIRECTIONS[c] == "lower_is_better" else "higher"
                   for c in CRITERIA],
        "weight": [float(weights.get(c, 0.0)) for c in CRITERIA],
        "share": [float(weights.get(c, 0.0)) / total for c in CRITERIA],
    })


def scores_table(appraisal: DistrictAppraisal) -> pd.DataFrame:
    """Scores 0-100 per criterion (best option 100, worst 0) and the weighted total and rank,
    best first: option, one column per criterion id, total, rank."""
    table = appraisal.scores.copy()
    table["total"] = appraisal.weighted["total"]
    table["rank"] = appraisal.weighted["rank"]
    table.insert(0, "option", appraisal.options["title"])
    table = table.reset_index(names="option_id")
    return table.sort_values(["rank", "option_id"]).reset_index(drop=True)


def scenario_labels(scenarios: TargetScenarios, options: pd.DataFrame) -> dict[str, str]:
    """Legend labels for a target's re-forecast chart: business as usual, then each option
    acting on the target."""
    labels = {BAU_ID: BAU_LABEL}
    for option_id in options.index:
        if option_id != BAU_ID and scenarios.forecast.target.id in options.loc[option_id,
                                                                                 "targets"]:
            labels[option_id] = str(options.loc[option_id, "title"])
    return labels


def scenario_paths(scenarios: TargetScenarios, names: Sequence[str]) -> pd.DataFrame:
    """Median re-forecast per year for the named scenarios: ``scenario``, ``period``,
    ``central``, ``lower_80``, ``upper_80`` (long format, for charts)."""
    rows = []
    for name in names:
        values = scenarios.draws[name]
        lower, central, upper = np.quantile(values, [0.1, 0.5, 0.9], axis=0)
        rows.append(pd.DataFrame({"scenario": name, "period": scenarios.years,
                                  "central": central, "lower_80": lower, "upper_80": upper}))
    return pd.concat(rows, ignore_index=True)


def appraisal_downloads(appraisal: DistrictAppraisal | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables behind the appraisal page with readable column names: the ranked options
    (scores, costs, sensitivity, package) and, per target and option, the gap closed and the
    cost per unit of gap closed."""
    if appraisal is None:
        return (pd.DataFrame(columns=["Option id", "Option"]),
                pd.DataFrame(columns=["Target id", "Option id"]))
    ranked = options_ranked(appraisal).rename(columns=RANKED_DOWNLOAD_COLUMNS)
    frames = []
    for target_id, scenarios in appraisal.targets.items():
        table = scenario_summary(scenarios, appraisal.options)
        table.insert(0, "target_id", target_id)
        table.insert(1, "target", scenarios.forecast.target.title)
        table.insert(2, "unit", scenarios.forecast.series.unit)
        table.insert(3, "target_period", scenarios.forecast.target.target_year)
        table.insert(4, "target_value", scenarios.forecast.series.target_value)
        frames.append(table)
    gaps = pd.concat(frames, ignore_index=True)
    gaps["cost_per_unit"] = gaps["cost_per_unit"].where(np.isfinite(gaps["cost_per_unit"]))
    return ranked, gaps.rename(columns=GAPS_DOWNLOAD_COLUMNS)


# --------------------------------------------------------------------------------------------
# The page, section by section
# --------------------------------------------------------------------------------------------


@page_sections
class AppraisalPage:
    """The option-appraisal page of one district, shown section by section from a notebook.

    Parameters
    ----------
    results
        :class:`pipeline.results.DistrictResults` (its ``targets`` and ``appraisal``).
    output_dir
        The notebook's ``output_dir`` parameter (``""``: the district's run folder).
    """

    def __init__(self, results: Any, output_dir: str | Path = "") -> None:
        self.district = results.targets
        self.appraisal: DistrictAppraisal | None = results.appraisal
        self.work_dir = work_folder(output_dir, results.processed_dir, self.district.area_name)

    def intro(self) -> None:
        """The opening paragraph."""
        show_markdown(self._intro_text())

    def _intro_text(self) -> str:
        return appraisal_intro(self.district.area_name, self.district.has_targets,
                               self.appraisal)

    def key_messages(self) -> None:
        """The key messages (the opening paragraph when there is nothing to appraise)."""
        show_key_messages(appraisal_key_messages(self.appraisal) or [self._intro_text()])

    def notes(self) -> None:
        """The illustrative-numbers caution, or why there is nothing on this page."""
        if self.appraisal is not None and self.appraisal.illustrative:
            show_note(ILLUSTRATIVE_NOTE, kind="caution")
        if self.appraisal is None:
            show_note("There is nothing to appraise on this page.")

    def stage_downloads(self) -> None:
        """Hand the ranked options and the gap closed by target to the pack's downloads."""
        ranked, gaps = appraisal_downloads(self.appraisal)
        stage_table(ranked, "appraisal_options", self.work_dir,
                    title="Option appraisal: ranked options",
                    description="Each option's weighted score and rank, how stable the rank is "
                    "when the weights vary, its costs, reach and whether it is in the best "
                    "package.")
        stage_table(gaps, "appraisal_gap_closed", self.work_dir,
                    title="Option appraisal: gap closed and cost-effectiveness by target",
                    description="For each target and option: the re-forecast at the target "
                    "year, the gap closed with its range, the chance of meeting the target and "
                    "the discounted cost per unit of gap closed.")

    def options_section(self) -> None:
        """The options appraised, as the register describes them."""
        if self.appraisal is None:
            return
        show_markdown("## The options")
        titles = {f.target.id: f.target.title for f in self.district.forecasts}
        show_table(
            options_register_table(self.appraisal, titles),
            "The options appraised, as the options register describes them (effects are "
            "changes to the indicator at full strength)",
            columns={"option": "Option", "lead_partner": "Lead partner", "targets": "Acts on",
                     "where": "Where", "effect": "Effect at full strength", "start": "Start",
                     "ramp": "Years to full effect", "cost_one_off": "Set-up cost",
                     "cost_per_year": "Running cost a year", "evidence": "Evidence (1-5)",
                     "deliverability": "Deliverability (1-5)",
                     "equality": "Equality (-2 to +2)", "illustrative": "Illustrative"},
            number_formats={"start": "d", "cost_one_off": pounds, "cost_per_year": pounds},
            row_header="option")

    def targets_section(self) -> None:
        """Per target: the re-forecast chart, the gap closed table and the cost-effectiveness
        chart."""
        if self.appraisal is None:
            return
        show_markdown(
            "## The options target by target\n\nFor each target, the chart re-forecasts the "
            "indicator with each option applied on its own, against business as usual and the "
            "target trajectory. The table says how much of the gap to target each option is "
            "expected to close by the target date (with the range covering 90% of simulated "
            "futures) and what that costs per unit of gap closed (discounted at the HM Treasury "
            "Green Book rate).")
        for target_id, scenarios in self.appraisal.targets.items():
            self._target(target_id, scenarios)

    def _target(self, target_id: str, scenarios: TargetScenarios) -> None:
        forecast, options = scenarios.forecast, self.appraisal.options
        target, series = forecast.target, forecast.series
        labels = scenario_labels(scenarios, options)
        show_markdown(f"### {target.title}")
        show_figure(scenario_chart(scenario_paths(scenarios, list(labels)), labels,
                                   forecast.trajectory, target_value=series.target_value,
                                   target_period=target.target_year,
                                   title=f"Re-forecast with each option: {target.title}",
                                   y_label=series.axis_label),
                    target_chart_id("options", target_id),
                    f"{series.measure[:1].upper()}{series.measure[1:]} projected to "
                    f"{target.target_year} with each option applied, against business as usual "
                    "and the target trajectory.")
        summary = scenario_summary(scenarios, options)
        show_table(summary, f"Gap closed and cost-effectiveness by {target.target_year}: "
                   f"{target.title} (values in {series.unit}; target {series.target_value:,.3g})",
                   columns={"option": "Option", "reach": "Share of the target area reached",
                            "projected_value": f"Projected value in {target.target_year}",
                            "gap_closed": "Gap closed (expected)",
                            "gap_closed_low": "Gap closed: low",
                            "gap_closed_high": "Gap closed: high",
                            "share_of_gap_closed": "Share of the gap closed",
                            "p_meet": "Chance of meeting the target",
                            "discounted_cost": "Discounted cost",
                            "cost_per_unit": "Cost per unit of gap closed"},
                   number_formats={"reach": ".0%", "projected_value": ",.3g",
                                   "gap_closed": ",.3g", "gap_closed_low": ",.3g",
                                   "gap_closed_high": ",.3g", "share_of_gap_closed": ".0%",
                                   "p_meet": ".0%", "discounted_cost": pounds,
                                   "cost_per_unit": pounds},
                   row_header="option")
        show_figure(cost_effectiveness_chart(summary[summary["option_id"] != BAU_ID],
                                             title=f"Cost per unit of gap closed: {target.title}",
                                             unit=series.unit),
                    target_chart_id("cost-effectiveness", target_id),
                    f"Discounted cost per unit of the gap closed by {target.target_year} for "
                    "each option; shorter bars are better value, and options that close none of "
                    "the gap are named without a bar.")

    def criteria_section(self) -> None:
        """The swing weights and each option's scores."""
        if self.appraisal is None:
            return
        show_markdown(
            "## Multi-criteria appraisal\n\nEach option is scored from 0 (the worst option on "
            "that criterion) to 100 (the best), and the scores are added up with the "
            "partnership's **swing weights**: how much the difference between the worst and the "
            "best option on each criterion matters. Impact is the share of each target's "
            "expected gap the option closes, added up over the targets on this page; cost is "
            "the discounted cost over the appraisal period.")
        show_table(weights_table(self.appraisal), "Swing weights of the appraisal criteria",
                   columns={"criterion": "Criterion", "better": "Better when",
                            "weight": "Swing weight", "share": "Share of the total weight"},
                   number_formats={"weight": ",.0f", "share": ".0%"}, row_header="criterion")
        criteria = criteria_labels()
        show_table(scores_table(self.appraisal),
                   "Scores (0-100) on each criterion and the weighted total, best option first",
                   columns={"option": "Option", **criteria, "total": "Weighted total (0-100)",
                            "rank": "Rank"},
                   number_formats={**{c: ",.0f" for c in criteria}, "total": ",.1f",
                                   "rank": "d"},
                   row_header="option")

    def robustness_section(self) -> None:
        """How the ranking holds when the weights vary."""
        if self.appraisal is None:
            return
        show_markdown(
            "## How robust is the ranking?\n\nWeights are judgements. To see whether the "
            "ranking depends on them, the weights were redrawn thousands of times around the "
            "agreed ones (each weight typically moving by a fifth of its size) and the options "
            "ranked again.")
        ranked = options_ranked(self.appraisal)
        show_figure(rank_stability_chart(
            ranked, title="Rank of each option with the agreed weights and when the weights vary"),
            "rank-stability",
            "For each option, its rank with the agreed weights (diamond), the range of ranks in "
            "90% of the simulated weight sets (line) and how often it ranks first.")
        show_table(ranked, "Ranked options: weighted score, stability of the rank, cost and reach",
                   columns={"option": "Option", "rank": "Rank", "total": "Weighted score (0-100)",
                            "p_first": "Ranked first in", "rank_p05": "Best rank (5%)",
                            "rank_p95": "Worst rank (95%)",
                            "equivalent_annual_cost": "Equivalent annual cost",
                            "pn_reach": "Share in priority neighbourhoods",
                            "in_package": "In the best package"},
                   number_formats={"rank": "d", "total": ",.1f", "p_first": ".0%",
                                   "rank_p05": "d", "rank_p95": "d",
                                   "equivalent_annual_cost": pounds, "pn_reach": ".0%"},
                   row_header="option")

    def package_section(self) -> None:
        """The best package within the budget."""
        if self.appraisal is None:
            return
        show_markdown("## The best package within the budget")
        show_markdown(package_text(self.appraisal))
        show_table(package_table(self.appraisal),
                   "The best package of options within the annual budget",
                   columns={"option": "Option", "lead_partner": "Lead partner",
                            "agreed": "Already agreed",
                            **{y: f"Cost in {y}" for y in self._package_years()},
                            "equivalent_annual_cost": "Equivalent annual cost",
                            "discounted_cost": "Discounted cost", "total": "Weighted score"},
                   number_formats={"equivalent_annual_cost": pounds, "discounted_cost": pounds,
                                   "total": ",.1f",
                                   **{y: pounds for y in self._package_years()}},
                   row_header="option")

    def _package_years(self) -> list[str]:
        return [str(y) for y in self.appraisal.yearly_costs.columns]

    def method_note(self) -> None:
        """How the options were appraised."""
        show_note(APPRAISAL_METHOD_NOTE)
