"""The action-plan page (step 5): its text, display tables, charts, downloads and Excel workbook.

Presentation only: every number comes from :class:`pipeline.steps.action_plan.ActionPlan`
(computed once per district by :mod:`pipeline.results`). The notebook ``05_action_plan`` calls
:class:`ActionPlanPage` section by section.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.context import work_folder
from pipeline.localities import slug
from pipeline.pages.appraisal import scenario_paths
from pipeline.registers import BAU_ID
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.forecast_charts import scenario_chart
from pipeline.reporting.format import (
    about_chance_text,
    pounds,
    significant_figures_text,
    target_chart_id,
)
from pipeline.reporting.pack import stage_table
from pipeline.reporting.workbook import SheetTable, value_format, write_formatted_workbook
from pipeline.steps.action_plan import ActionPlan, ResidualGap, residual_table
from pipeline.steps.appraisal_district import DistrictAppraisal

MONTH_NAMES = {6: "June", 12: "December"}
BOARD = "the Local Strategic Partnership board"
WITHOUT_PLAN_LABEL, WITH_PLAN_LABEL = "Without the plan", "With the plan"

PLAN_DOWNLOAD_COLUMNS = {
    "action": "Action", "description": "Description", "targets": "Target(s) it serves",
    "lead_partner": "Accountable lead partner", "theme_partnership": "Theme partnership",
    "localities": "Where (localities)", "set_up_cost": "Set-up cost (£, start year)",
    "running_cost_per_year": "Running cost (£ a year)", "start": "Start", "end": "End",
    "reporting": "How progress is reported", "evidence": "Strength of evidence (1-5)",
    "illustrative": "Illustrative numbers"}

RESIDUAL_DOWNLOAD_COLUMNS = {
    "target_id": "Target id", "target": "Target", "unit": "Unit",
    "target_period": "Target period", "target_value": "Target value",
    "without_plan": "Projected without the plan (median)",
    "with_plan": "Projected with the plan (median)",
    "shortfall_without_plan": "Expected shortfall without the plan",
    "shortfall_with_plan": "Expected shortfall with the plan",
    "p_meet_without_plan": "Probability of meeting the target without the plan",
    "p_meet_with_plan": "Probability of meeting the target with the plan",
    "status": "Status with the plan"}

MILESTONE_DOWNLOAD_COLUMNS = {
    "review": "Review (end of month)", "milestone": "Milestone on the trajectory",
    "with_plan": "Expected with the plan (median)",
    "without_plan": "Expected without the plan (median)"}


# --------------------------------------------------------------------------------------------
# Tables as the page, the downloads and the workbook show them
# --------------------------------------------------------------------------------------------


def review_label(month: str) -> str:
    """``'2024-06'`` -> ``'June 2024'``."""
    year, number = month.split("-")
    return f"{MONTH_NAMES.get(int(number), number)} {year}"


def milestones_display(gap: ResidualGap) -> pd.DataFrame:
    """A target's milestones with the review's label (``review_label``) after ``review``."""
    table = gap.milestones.copy()
    table.insert(1, "review_label", [review_label(m) for m in table["review"]])
    return table


def _area_text(area: str, plan: ActionPlan) -> str:
    name = plan.area_names.get(area, area)
    listed = "; ".join(plan.priority_neighbourhoods.get(area, []))
    return f"{name} ({listed})" if listed else name


def reporting_text(themes: Sequence[str]) -> str:
    """How progress on an action is reported, to its theme partnerships and the board."""
    return (f"Every six months (June and December) to {' and '.join(themes)} and {BOARD}"
            if themes else f"Every six months to {BOARD}")


def plan_display(plan: ActionPlan) -> pd.DataFrame:
    """The plan with text cells: option_id, action, description, targets (titles), lead_partner,
    theme_partnership, localities, set_up_cost, running_cost_per_year, start, end, reporting,
    evidence, illustrative."""
    titles = {g.forecast.target.id: g.forecast.target.title for g in plan.gaps}
    rows = plan.plan
    table = pd.DataFrame({
        "option_id": rows["option_id"], "action": rows["action"],
        "description": rows["description"],
        "targets": ["; ".join(titles[t] for t in ids) for ids in rows["target_ids"]],
        "lead_partner": rows["lead_partner"],
        "theme_partnership": ["; ".join(themes) for themes in rows["theme_partnerships"]],
        "localities": ["; ".join(_area_text(a, plan) for a in areas) for areas in rows["areas"]],
        "set_up_cost": rows["set_up_cost"], "running_cost_per_year": rows["running_cost_per_year"],
        "start": rows["start"], "end": rows["end"],
        "reporting": [reporting_text(themes) for themes in rows["theme_partnerships"]],
        "evidence": rows["evidence"], "illustrative": rows["illustrative"],
    })
    return table.reset_index(drop=True)


def plan_download(plan: ActionPlan) -> pd.DataFrame:
    """The plan with readable column names (for the pack's downloads)."""
    return plan_display(plan).drop(columns=["option_id"]).rename(columns=PLAN_DOWNLOAD_COLUMNS)


def milestones_download(plan: ActionPlan) -> pd.DataFrame:
    """Every target's milestones in one table with readable column names."""
    frames = []
    for g in plan.gaps:
        t, s = g.forecast.target, g.forecast.series
        frame = g.milestones.copy()
        frame.insert(0, "Target id", t.id)
        frame.insert(1, "Target", t.title)
        frame.insert(2, "Unit", s.unit)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["Target id", "Target", "Unit", "Review", "Milestone"])
    return pd.concat(frames, ignore_index=True).rename(columns=MILESTONE_DOWNLOAD_COLUMNS)


def residual_download(plan: ActionPlan) -> pd.DataFrame:
    """The residual gap per target with readable column names."""
    return residual_table(plan.gaps).rename(columns=RESIDUAL_DOWNLOAD_COLUMNS)


def number_spec(values: Sequence[float] | pd.Series) -> str:
    """A display format that suits the size of the values (as :func:`value_format`): ``,.0f``
    from 100, ``,.1f`` from 10, ``,.2f`` below."""
    return {"#,##0": ",.0f", "#,##0.0": ",.1f", "#,##0.00": ",.2f"}[value_format(values)]


def milestone_columns(gap: ResidualGap) -> dict[str, str]:
    """Column headers of a target's milestone table: the projections with and without the plan
    only when the target was re-forecast."""
    columns = {"review_label": "Review", "milestone": "Milestone on the trajectory"}
    if gap.scenarios is not None:
        columns.update(with_plan="Expected with the plan", without_plan="Expected without the plan")
    return columns


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def residual_message(gap: ResidualGap) -> str:
    """Plain-English verdict on the gap left with the plan (step 3's verdict and why nothing is
    appraised against the target when it was not re-forecast)."""
    forecast = gap.forecast
    if gap.scenarios is None:
        reason = ("its outcome is already known" if forecast.status in ("met", "not met")
                  else "it has no forecast")
        return f"{forecast.message} No action can be appraised against it because {reason}."
    s, target = gap.summary, forecast.target
    unit = f" {forecast.series.unit}" if forecast.series.unit else ""
    verb = "fall" if target.direction == "decrease" else "rise"
    if gap.probability >= 0.75:
        verdict = "the plan is likely to close the gap"
    elif gap.probability >= 0.25:
        verdict = "a gap may well remain: the plan gives an even-ish chance at best"
    else:
        verdict = "a gap is likely to remain even with the plan"
    fmt = significant_figures_text
    return (
        f"{gap.status[0].upper()}{gap.status[1:]} with the plan: {verdict}. The projection for "
        f"{target.target_year} is {fmt(s['with_plan'])}{unit} with the plan and "
        f"{fmt(s['without_plan'])}{unit} without it, against a target to {verb} to "
        f"{fmt(forecast.series.target_value)}{unit}. The chance of meeting the target goes from "
        f"{about_chance_text(s['p_meet_without_plan'])} to "
        f"{about_chance_text(gap.probability)}; the expected shortfall left is "
        f"{fmt(s['shortfall_with_plan'])}{unit} (it was {fmt(s['shortfall_without_plan'])}{unit})."
    )


def action_plan_intro(area_name: str, has_targets: bool, appraisal: DistrictAppraisal | None,
                      choice: str) -> str:
    """Plain-English opening of the action-plan page (or why there is no plan)."""
    if not has_targets:
        return (f"There are no targets for {area_name}, so there is no action plan on this "
                "page.")
    if appraisal is None:
        return (f"No option could be appraised against the targets that concern {area_name} "
                "(their outcomes are already known or they cannot be forecast), so the plan "
                "below only sets out the milestones along each target's trajectory.")
    source = ("the best package of the option appraisal (step 4), which always includes the "
              "options the partnership has already agreed" if choice == "best" else
              "the options the partnership has agreed (marked agreed in the options register)")
    return (f"The plan is built from {source}. For each action it names the accountable lead "
            "partner and theme partnership, where it happens, the resources it needs each year "
            "and its timescale; for each target it sets six-monthly milestones along the "
            "trajectory and asks the question of step 5: with these actions, is there still a "
            "gap?")


def action_plan_key_messages(gaps: Sequence[ResidualGap], plan: pd.DataFrame) -> list[str]:
    """One sentence per target on the residual gap, then the plan's size and cost."""
    messages = []
    for g in gaps:
        title = g.forecast.target.title
        if g.scenarios is None:
            messages.append(f"{title}: {g.status}; no action is appraised against it.")
            continue
        s = g.summary
        messages.append(
            f"{title}: {g.status} with the plan; chance of meeting the target "
            f"{about_chance_text(s['p_meet_without_plan']).replace('about ', '')} without it "
            f"and {about_chance_text(s['p_meet_with_plan']).replace('about ', '')} with it.")
    if not plan.empty:
        partners = plan["lead_partner"].nunique()
        messages.append(
            f"The plan has {len(plan)} action{'s' if len(plan) != 1 else ''} led by "
            f"{partners} partner{'s' if partners != 1 else ''}: "
            f"£{plan['set_up_cost'].sum():,.0f} of set-up costs and "
            f"£{plan['running_cost_per_year'].sum():,.0f} a year of running costs.")
    return messages


def monitoring_text(area_name: str) -> str:
    """How progress is monitored and reported."""
    return (f"Progress is reported every six months, at the end of June and of December, by "
            f"each action's lead partner to its theme partnership and to {BOARD}, as Local Area "
            "Agreements require. Each report compares the latest value of each target's "
            "indicator (over the 12 months to the review) with the milestone below, and says "
            "whether each action has started, is on budget and is reaching the places named in "
            f"the plan. The milestones for {area_name} follow.")


def download_note(file_name: str) -> str:
    """Where the Excel version of the plan is."""
    return (f"The action plan is also an Excel workbook, {file_name}, with the plan, the "
            "resources by year and one sheet per target (its milestones and the gap left). It is "
            "written to this district's run folder beside the pack; the same tables are among "
            "the pack's downloads (CSV and the district workbook).")


# --------------------------------------------------------------------------------------------
# The Excel workbook
# --------------------------------------------------------------------------------------------


def workbook_file_name(district_name: str) -> str:
    """``action_plan_<district-slug>.xlsx``."""
    return f"action_plan_{slug(district_name)}.xlsx"


def _target_sheet(gap: ResidualGap, notes: list[str]) -> SheetTable:
    """A target's sheet: its milestones, then the target and the gap left with the plan."""
    t, s = gap.forecast.target, gap.forecast.series
    unit = s.unit or "value"
    fmt = value_format(list(gap.milestones["milestone"]) + [s.target_value, s.baseline_value])
    summary = dict(gap.summary)
    footer: list[tuple[str, Any, str]] = [
        ("Target value", s.target_value, fmt),
        ("Status with the plan", gap.status, ""),
    ]
    if summary:
        footer += [
            (f"Projected {t.target_year} without the plan", summary["without_plan"], fmt),
            (f"Projected {t.target_year} with the plan", summary["with_plan"], fmt),
            ("Expected shortfall without the plan", summary["shortfall_without_plan"], fmt),
            ("Expected shortfall with the plan", summary["shortfall_with_plan"], fmt),
            ("Chance of meeting the target without the plan",
             summary["p_meet_without_plan"], "0%"),
            ("Chance of meeting the target with the plan", summary["p_meet_with_plan"], "0%"),
        ]
    return SheetTable(
        name=f"Target {t.id}", title=t.title, table=milestones_display(gap),
        notes=notes + [f"Measure: {s.measure} ({unit}). Baseline {t.baseline_period}: "
                       f"{significant_figures_text(s.baseline_value)}; target {t.target_period}: "
                       f"{significant_figures_text(s.target_value)}.", residual_message(gap)],
        headers={"review_label": "Six-monthly review",
                 "milestone": f"Milestone on the trajectory ({unit})",
                 "with_plan": f"Expected with the plan ({unit})",
                 "without_plan": f"Expected without the plan ({unit})"},
        formats={"milestone": fmt, "with_plan": fmt, "without_plan": fmt},
        footer=footer,
    )


def plan_sheets(plan: ActionPlan) -> list[SheetTable]:
    """The sheets of the action-plan workbook: the plan, resources by year, and one sheet per
    target (milestones, then the residual gap)."""
    note = ("ILLUSTRATIVE: the targets, options, costs and effects in this plan are examples "
            "from the shipped registers, not agreed figures." if plan.illustrative else "")
    notes = [n for n in (note,) if n]
    money = "£#,##0"
    name = plan.area_name
    sheets = [SheetTable(
        name="Action plan", title=f"{name}: action plan", table=plan_display(plan),
        notes=notes + [f"Progress on every action is reported every six months "
                       f"(June and December) to its theme partnership and {BOARD}."],
        headers={"action": "Action", "targets": "Target(s) it serves",
                 "lead_partner": "Accountable lead partner",
                 "theme_partnership": "Theme partnership", "localities": "Where (localities)",
                 "set_up_cost": "Set-up cost (£, start year)",
                 "running_cost_per_year": "Running cost (£ a year)", "start": "Start",
                 "end": "End", "reporting": "How progress is reported"},
        formats={"set_up_cost": money, "running_cost_per_year": money, "start": "0",
                 "end": "0"},
    )]
    year_columns = [c for c in plan.resources.columns if str(c).isdigit() and len(str(c)) == 4]
    sheets.append(SheetTable(
        name="Resources by year", title=f"{name}: resources by year (£, today's prices)",
        table=plan.resources, notes=notes,
        headers={"action": "Action", "lead_partner": "Lead partner",
                 **{c: c for c in year_columns}, "total": "Total"},
        formats={**{c: money for c in year_columns}, "total": money},
    ))
    return sheets + [_target_sheet(g, notes) for g in plan.gaps]


def write_plan_workbook(plan: ActionPlan, output_dir: str | Path) -> Path:
    """Write the action-plan workbook ``action_plan_<district-slug>.xlsx`` into ``output_dir``."""
    return write_formatted_workbook(plan_sheets(plan),
                                    Path(output_dir) / workbook_file_name(plan.area_name),
                                    title=f"{plan.area_name}: action plan")


# --------------------------------------------------------------------------------------------
# The page, section by section
# --------------------------------------------------------------------------------------------


@page_sections
class ActionPlanPage:
    """The action-plan page of one district, shown section by section from a notebook.

    Parameters
    ----------
    results
        :class:`pipeline.results.DistrictResults` (its ``appraisal`` and ``action_plan``).
    output_dir
        The notebook's ``output_dir`` parameter (``""``: the district's run folder).
    """

    def __init__(self, results: Any, output_dir: str | Path = "") -> None:
        self.plan: ActionPlan = results.action_plan
        self.appraisal: DistrictAppraisal | None = results.appraisal
        self.work_dir = work_folder(output_dir, results.processed_dir, self.plan.area_name)

    def intro(self) -> None:
        """The opening paragraph."""
        show_markdown(action_plan_intro(self.plan.area_name, self.plan.has_targets,
                                        self.appraisal, self.plan.choice))

    def key_messages(self) -> None:
        """The key messages (or that there is no plan)."""
        show_key_messages(action_plan_key_messages(self.plan.gaps, self.plan.plan)
                          or [f"There are no targets for {self.plan.area_name}, so there is no "
                              "action plan."])

    def illustrative_note(self) -> None:
        """The caution that the registers' numbers are illustrative."""
        if self.plan.illustrative:
            show_note("ILLUSTRATIVE: the targets, options, costs and effects behind this plan "
                      "come from the shipped example registers, not from agreed targets or "
                      "costed bids. The forecasts use the real data.", kind="caution")

    def plan_section(self) -> None:
        """Who does what, where, with what, by when; and the resources by year."""
        plan = self.plan
        if plan.has_targets:
            show_markdown("## The plan: who does what, where, with what, by when")
        if plan.has_targets and plan.plan.empty:
            show_note("There are no actions in the plan: no option could be appraised against "
                      "the targets on this page.")
        if plan.plan.empty:
            return
        show_table(plan_display(plan), f"Action plan for {plan.area_name}",
                   columns={"action": "Action", "targets": "Target(s) it serves",
                            "lead_partner": "Accountable lead partner",
                            "theme_partnership": "Theme partnership", "localities": "Where",
                            "set_up_cost": "Set-up cost",
                            "running_cost_per_year": "Running cost a year", "start": "Start",
                            "end": "End"},
                   number_formats={"set_up_cost": pounds, "running_cost_per_year": pounds,
                                   "start": "d", "end": "d"},
                   row_header="action")
        years = [c for c in plan.resources.columns if c.isdigit()]
        show_table(plan.resources, "Resources each action needs, by year (£, today's prices)",
                   columns={"action": "Action", "lead_partner": "Lead partner",
                            **{c: c for c in years}, "total": "Total"},
                   number_formats={**{c: pounds for c in years}, "total": pounds},
                   row_header="action")

    def stage_downloads(self) -> None:
        """Hand the plan, the milestones and the residual gap to the pack's downloads."""
        stage_table(plan_download(self.plan), "action_plan", self.work_dir, title="Action plan",
                    description="Each action: the targets it serves, accountable lead partner "
                    "and theme partnership, where, resources, timescale and reporting.")
        stage_table(milestones_download(self.plan), "action_plan_milestones", self.work_dir,
                    title="Action plan milestones",
                    description="Each target's value on its trajectory at every six-monthly "
                    "review, with the value expected with and without the plan.")
        stage_table(residual_download(self.plan), "action_plan_residual_gap", self.work_dir,
                    title="Is there still a gap?",
                    description="Each target re-forecast with the plan: projections with and "
                    "without it, the expected shortfall left and the chance of meeting the "
                    "target.")

    def milestones_section(self) -> None:
        """How progress is monitored, and each target's six-monthly milestones."""
        if self.plan.has_targets:
            show_markdown("## Milestones and monitoring")
            show_markdown(monitoring_text(self.plan.area_name))
        for gap in self.plan.gaps:
            title = gap.forecast.target.title
            columns = milestone_columns(gap)
            spec = number_spec(gap.milestones["milestone"])
            show_markdown(f"### {title}")
            show_table(milestones_display(gap),
                       f"Six-monthly milestones: {title} ({gap.forecast.series.unit})",
                       columns=columns,
                       number_formats={c: spec for c in columns if c != "review_label"},
                       row_header="review_label")

    def residual_section(self) -> None:
        """Is there still a gap? The table, then per target the chart and the verdict."""
        if self.plan.has_targets:
            show_markdown(
                "## Is there still a gap?\n\nEach target is re-forecast with every action of the "
                "plan applied together (their effects combined, phased in from their start "
                "years and scaled by how much of the target's area each reaches), against the "
                "forecast without the plan. The expected shortfall is how far the target is "
                "missed on average over the simulated futures (zero in the futures where it is "
                "met).")
            show_table(residual_table(self.plan.gaps),
                       "The gap left with the plan, target by target",
                       columns={"target": "Target", "unit": "Unit", "target_value": "Target",
                                "without_plan": "Projected without the plan",
                                "with_plan": "Projected with the plan",
                                "shortfall_with_plan": "Expected shortfall left",
                                "p_meet_without_plan": "Chance of meeting it without the plan",
                                "p_meet_with_plan": "Chance of meeting it with the plan",
                                "status": "Status with the plan"},
                       number_formats={"target_value": ",.3g", "without_plan": ",.3g",
                                       "with_plan": ",.3g", "shortfall_with_plan": ",.3g",
                                       "p_meet_without_plan": ".0%", "p_meet_with_plan": ".0%"},
                       row_header="target")
        for gap in self.plan.gaps:
            self._target_gap(gap)

    def _target_gap(self, gap: ResidualGap) -> None:
        forecast = gap.forecast
        target, series = forecast.target, forecast.series
        show_markdown(f"### {target.title}: with and without the plan")
        if gap.scenarios is not None:
            show_figure(scenario_chart(scenario_paths(gap.scenarios, [BAU_ID, "package"]),
                                       {BAU_ID: WITHOUT_PLAN_LABEL, "package": WITH_PLAN_LABEL},
                                       forecast.trajectory, target_value=series.target_value,
                                       target_period=target.target_year,
                                       title=f"With and without the plan: {target.title}",
                                       y_label=series.axis_label),
                        target_chart_id("plan", target.id),
                        f"{series.measure[:1].upper()}{series.measure[1:]} projected to "
                        f"{target.target_year} with and without the plan, against the target "
                        "trajectory.")
        show_markdown(residual_message(gap))

    def workbook_section(self) -> None:
        """Write the plan as an Excel workbook into the run folder and say where it is."""
        if self.plan.has_targets:
            show_markdown("## The plan as an Excel workbook")
            show_note(download_note(write_plan_workbook(self.plan, self.work_dir).name))
