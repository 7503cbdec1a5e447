"""Step 5, the action plan: who does what, where, with what resources, by when; the milestones
along each target's trajectory; and whether a gap remains.

The plan is built from a package of options: by default the best package of the option
appraisal (step 4, which always holds the options the partnership has agreed), or only the
options marked ``agreed: true`` in the options register. The package is re-forecast from step
4's results (:class:`pipeline.steps.appraisal_district.DistrictAppraisal`: the same effect draws,
reach and comparator projections), so both pages show the same numbers.

Milestones: Local Area Agreements report every six months, so the plan has a review at the end of
June and of December of each year from the plan's start to the target year. The milestone at a
review is the value on the straight-line trajectory from the baseline (taken as the end of the
baseline year) to the target (the end of the target year): for a yearly indicator it is read as
the value over the 12 months to the review. Beside it, the value expected with the plan and
without it (the median re-forecast; a June review takes the midpoint of the two calendar years
it straddles).

Computation only: the page text, display tables, downloads and the Excel workbook are in
:mod:`pipeline.pages.action_plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import AreaData
from pipeline.registers import BAU_ID, PRIORITY_PREFIX
from pipeline.steps.appraisal_district import DistrictAppraisal, TargetScenarios, target_scenarios
from pipeline.steps.appraisal_scoring import yearly_costs
from pipeline.steps.forecast import classify_probability, target_trajectory
from pipeline.steps.target_areas import area_label
from pipeline.steps.target_forecast import TargetForecast

PACKAGE_CHOICES = ("best", "agreed")
REVIEW_MONTHS = (6, 12)
PLAN_COLUMNS = ["option_id", "action", "description", "target_ids", "lead_partner",
                "theme_partnerships", "areas", "set_up_cost", "running_cost_per_year", "start",
                "end", "evidence", "illustrative"]


# --------------------------------------------------------------------------------------------
# The package and the milestones
# --------------------------------------------------------------------------------------------


def chosen_package(appraisal: DistrictAppraisal, choice: str = "best") -> list[str]:
    """The options the plan is built from (bau included), in the options' order.

    Parameters
    ----------
    appraisal
        Step 4's appraisal of the district.
    choice
        ``'best'``: the appraisal's best package within the budget (agreed options always in);
        ``'agreed'``: only the options marked ``agreed: true`` in the register.

    Raises
    ------
    ValueError
        An unknown choice, or ``'agreed'`` when no option besides business as usual is agreed.
    """
    if choice not in PACKAGE_CHOICES:
        raise ValueError(f"package must be one of {', '.join(PACKAGE_CHOICES)}, not {choice!r}")
    if choice == "best":
        return list(appraisal.package)
    agreed = [o for o in appraisal.options.index if bool(appraisal.options.loc[o, "agreed"])]
    if not [o for o in agreed if o != BAU_ID]:
        raise ValueError("no option besides business as usual is marked 'agreed: true' in the "
                         "options register: use package='best'")
    return agreed




def review_months(start_year: int, end_year: int) -> list[str]:
    """Six-monthly reviews (end of June and of December) from ``start_year`` to ``end_year``,
    as ``'YYYY-MM'``."""
    if int(end_year) < int(start_year):
        raise ValueError(f"the plan ends ({end_year}) before it starts ({start_year})")
    return [f"{year}-{month:02d}" for year in range(int(start_year), int(end_year) + 1)
            for month in REVIEW_MONTHS]




def milestones(
    baseline_year: int,
    baseline_value: float,
    target_year: int,
    target_value: float,
    start_year: int,
    yearly_with_plan: pd.Series | None = None,
    yearly_without_plan: pd.Series | None = None,
) -> pd.DataFrame:
    """The milestones of one target at each six-monthly review.

    Parameters
    ----------
    baseline_year, baseline_value, target_year, target_value
        The target: the trajectory runs from the end of the baseline year to the end of the
        target year.
    start_year
        The plan's first year (reviews start in its June).
    yearly_with_plan, yearly_without_plan
        Optional calendar-year values (observed or median re-forecast) indexed by year.

    Returns
    -------
    pandas.DataFrame
        ``review`` ('YYYY-MM'), ``milestone`` (on the trajectory), ``with_plan``,
        ``without_plan`` (NaN where not given). Reviews outside the
        baseline..target span are left out.
    """
    months = review_months(max(int(start_year), int(baseline_year)), int(target_year))
    line = target_trajectory(f"{int(baseline_year)}-12", baseline_value,
                             f"{int(target_year)}-12", target_value, months)
    frame = pd.DataFrame({"review": months, "milestone": line.to_numpy(float)})
    for column, yearly in (("with_plan", yearly_with_plan), ("without_plan", yearly_without_plan)):
        frame[column] = [_at_review(yearly, month) for month in months]
    return frame[frame["milestone"].notna()].reset_index(drop=True)


def _at_review(yearly: pd.Series | None, month: str) -> float:
    """A calendar-year series at a review: the year's value in December, the midpoint of the
    previous and the current year in June."""
    if yearly is None or yearly.empty:
        return np.nan
    year, number = int(month[:4]), int(month[5:])
    values = {int(k): float(v) for k, v in yearly.items()}
    if number == 12:
        return values.get(year, np.nan)
    if year in values and year - 1 in values:
        return (values[year - 1] + values[year]) / 2
    return np.nan




def resources_by_year(plan: pd.DataFrame) -> pd.DataFrame:
    """Resources each action needs in each year of the plan (pounds, today's prices): the
    set-up cost in the start year plus the running cost every year from start to end
    (:func:`pipeline.steps.appraisal_scoring.yearly_costs`, the costs the appraisal checks
    the package against the budget with).

    Returns one row per action (``action``, ``lead_partner``, one column per year, ``total``)
    and a final ``Total`` row.
    """
    if plan.empty:
        return pd.DataFrame(columns=["action", "lead_partner", "total"])
    years = list(range(int(plan["start"].min()), int(plan["end"].max()) + 1))
    costs = pd.DataFrame(yearly_costs(plan["set_up_cost"], plan["running_cost_per_year"],
                                      plan["start"], plan["end"], years),
                         columns=[str(y) for y in years])
    table = pd.concat([plan[["action", "lead_partner"]].reset_index(drop=True), costs], axis=1)
    table["total"] = costs.sum(axis=1).to_numpy()
    total = {"action": "Total", "lead_partner": "",
             **{c: float(table[c].sum()) for c in [*costs.columns, "total"]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def plan_table(
    appraisal: DistrictAppraisal,
    package: Sequence[str],
    forecasts: Sequence[TargetForecast],
) -> pd.DataFrame:
    """The action plan: one row per action of the package (business as usual left out).

    Columns (:data:`PLAN_COLUMNS`): option_id, action (the option's title), description,
    target_ids (the district's targets it serves), lead_partner, theme_partnerships (of those
    targets, first seen first), areas (where it is delivered: its own areas, else its targets'
    areas), set_up_cost, running_cost_per_year, start, end, evidence, illustrative.
    ``end`` is the latest target year of the targets the action serves (the appraisal's
    ``plan_end``, the end its yearly costs were checked against the budget to).
    """
    options = appraisal.options
    by_id = {f.target.id: f.target for f in forecasts}
    rows = []
    for option_id in package:
        if option_id == BAU_ID:
            continue
        option = options.loc[option_id]
        served = [by_id[t] for t in option["targets"] if t in by_id]
        end = int(option["plan_end"]) if "plan_end" in option else max(
            [t.target_year for t in served], default=int(option["start_year"]))
        rows.append({
            "option_id": option_id, "action": option["title"],
            "description": option["description"],
            "target_ids": [t.id for t in served],
            "lead_partner": option["lead_partner"],
            "theme_partnerships": list(dict.fromkeys(t.theme_partnership for t in served)),
            "areas": list(option["applies_to"]) or list(dict.fromkeys(t.area for t in served)),
            "set_up_cost": float(option["cost_one_off"]),
            "running_cost_per_year": float(option["cost_per_year"]),
            "start": int(option["start_year"]), "end": max(end, int(option["start_year"])),
            "evidence": int(option["evidence_strength"]),
            "illustrative": bool(option["illustrative"]),
        })
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def plan_area_names(plan: pd.DataFrame, data: AreaData) -> tuple[dict[str, str],
                                                                  dict[str, list[str]]]:
    """Names of the areas of the plan, and for each priority-neighbourhoods area the names of
    its priority neighbourhoods (sorted)."""
    areas = list(dict.fromkeys(a for areas in plan["areas"] for a in areas))
    names = {area: area_label(area, data) for area in areas}
    localities = data.localities
    neighbourhoods = {
        area: sorted(localities.loc[(localities["lad_code"] == area[len(PRIORITY_PREFIX):])
                                    & (localities["type"] == "priority_neighbourhood"), "name"])
        for area in areas if area.startswith(PRIORITY_PREFIX)}
    return names, neighbourhoods


def plan_start_year(appraisal: DistrictAppraisal | None, package: Sequence[str],
                    default: int) -> int:
    """The first year of the plan: the earliest start of its actions (else ``default``)."""
    if appraisal is None:
        return int(default)
    starts = [int(appraisal.options.loc[o, "start_year"]) for o in package
              if o != BAU_ID and o in appraisal.options.index]
    return min(starts) if starts else int(default)


# --------------------------------------------------------------------------------------------
# Is there still a gap?
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ResidualGap:
    """One target re-forecast with the package.

    Attributes
    ----------
    forecast
        The target's forecast (step 3).
    scenarios
        The re-forecasts with ``bau`` and ``package`` (``None``: the target was not appraised).
    summary
        Plain values: target_id, target, target_period, target_value, without_plan, with_plan
        (medians at the target year), shortfall_without_plan, shortfall_with_plan,
        p_meet_without_plan, p_meet_with_plan, status, unit (empty when not re-forecast).
    milestones
        :func:`milestones` of the target.
    status, probability
        The verdict with the plan (step 3's when not re-forecast).
    """

    forecast: TargetForecast
    scenarios: TargetScenarios | None
    summary: dict[str, Any]
    milestones: pd.DataFrame
    status: str
    probability: float


def _observed_then(observed: pd.Series, projected: pd.Series) -> pd.Series:
    """Observed calendar-year values before the projection, then the projection."""
    return pd.concat([observed[~observed.index.isin(projected.index)], projected]).sort_index()


def residual_gap(forecast: TargetForecast, scenarios: TargetScenarios,
                 appraisal: DistrictAppraisal, package: Sequence[str],
                 start_year: int) -> ResidualGap:
    """Re-forecast one appraised target with the package applied: the gap left, its chance and
    the milestones with and without the plan."""
    series, target = forecast.series, forecast.target
    with_package = target_scenarios(
        forecast, appraisal.options, appraisal.effect_draws, scenarios.reach,
        scenarios.comparator_reach, appraisal.settings,
        packages={"package": [o for o in package if o in appraisal.options.index]},
        comparator_path=scenarios.comparator_path)
    row, base = with_package.gap.loc["package"], with_package.gap.loc[BAU_ID]
    medians = {name: pd.Series(np.median(with_package.draws[name], axis=0),
                               index=with_package.years) for name in ("package", BAU_ID)}
    observed = series.annual.set_index("period")["value"]
    table = milestones(target.baseline_year, series.baseline_value, target.target_year,
                       series.target_value, start_year,
                       _observed_then(observed, medians["package"]),
                       _observed_then(observed, medians[BAU_ID]))
    probability = float(row["p_meet"])
    status = classify_probability(probability)
    summary = {
        "target_id": target.id, "target": target.title, "target_period": target.target_year,
        "target_value": series.target_value, "without_plan": float(medians[BAU_ID].iloc[-1]),
        "with_plan": float(medians["package"].iloc[-1]),
        "shortfall_without_plan": float(base["gap"]), "shortfall_with_plan": float(row["gap"]),
        "p_meet_without_plan": float(base["p_meet"]), "p_meet_with_plan": probability,
        "status": status, "unit": series.unit,
    }
    return ResidualGap(forecast, with_package, summary, table, status, probability)


def residual_gaps(
    appraisal: DistrictAppraisal | None,
    package: Sequence[str],
    forecasts: Sequence[TargetForecast],
    start_year: int,
) -> list[ResidualGap]:
    """Re-forecast every target with the package applied (targets without a forecast keep
    their step 3 verdict and get trajectory milestones only).

    Parameters
    ----------
    appraisal
        Step 4's appraisal (``None`` when nothing could be appraised).
    package
        Option ids applied together.
    forecasts
        The district's target forecasts (step 3).
    start_year
        The plan's first year (for the milestones).
    """
    out = []
    for forecast in forecasts:
        scenarios = appraisal.targets.get(forecast.target.id) if appraisal is not None else None
        if scenarios is None:
            series, target = forecast.series, forecast.target
            table = milestones(target.baseline_year, series.baseline_value, target.target_year,
                               series.target_value, start_year)
            out.append(ResidualGap(forecast, None, {}, table, forecast.status,
                                   forecast.probability))
        else:
            out.append(residual_gap(forecast, scenarios, appraisal, package, start_year))
    return out


def residual_table(gaps: Sequence[ResidualGap]) -> pd.DataFrame:
    """One row per target: target, target value, projections without and with the plan, the
    expected shortfall left and the chance of meeting the target, status."""
    rows = []
    for g in gaps:
        t, s = g.forecast.target, g.forecast.series
        summary = dict(g.summary)
        rows.append({
            "target_id": t.id, "target": t.title, "unit": s.unit,
            "target_period": str(t.target_period), "target_value": s.target_value,
            "without_plan": summary.get("without_plan", np.nan),
            "with_plan": summary.get("with_plan", np.nan),
            "shortfall_without_plan": summary.get("shortfall_without_plan", np.nan),
            "shortfall_with_plan": summary.get("shortfall_with_plan", np.nan),
            "p_meet_without_plan": summary.get("p_meet_without_plan", g.probability),
            "p_meet_with_plan": summary.get("p_meet_with_plan", g.probability),
            "status": g.status,
        })
    return pd.DataFrame(rows, columns=["target_id", "target", "unit", "target_period",
                                       "target_value", "without_plan", "with_plan",
                                       "shortfall_without_plan", "shortfall_with_plan",
                                       "p_meet_without_plan", "p_meet_with_plan", "status"])


# --------------------------------------------------------------------------------------------
# The whole plan of a district
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ActionPlan:
    """A district's action plan: the package, the plan rows, resources by year, per target the
    milestones and the gap left, and the names of the plan's areas."""

    area_name: str
    choice: str
    package: list[str]
    start_year: int
    plan: pd.DataFrame
    resources: pd.DataFrame
    gaps: list[ResidualGap]
    illustrative: bool
    area_names: dict[str, str] = field(default_factory=dict)
    priority_neighbourhoods: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_targets(self) -> bool:
        return bool(self.gaps)


def build_action_plan(district: Any, appraisal: DistrictAppraisal | None, data: AreaData,
                      choice: str = "best", base_year: int = 0) -> ActionPlan:
    """Build the action plan of a district from its forecasts (step 3) and appraisal (step 4).

    Parameters
    ----------
    district
        :class:`pipeline.steps.target_forecast.DistrictTargets`.
    appraisal
        :func:`pipeline.steps.appraisal_district.appraise_district` (``None``: nothing
        appraised).
    data
        The prepared data (names of the plan's areas and priority neighbourhoods).
    choice
        ``'best'`` or ``'agreed'`` (see :func:`chosen_package`).
    base_year
        The appraisal's base year (its settings' ``base_year``; 0 without registers).
    """
    if choice not in PACKAGE_CHOICES:
        raise ValueError(f"package must be one of {', '.join(PACKAGE_CHOICES)}, not {choice!r}")
    package = chosen_package(appraisal, choice) if appraisal is not None else []
    start = plan_start_year(appraisal, package, base_year)
    plan = (plan_table(appraisal, package, district.forecasts) if appraisal is not None
            else pd.DataFrame(columns=PLAN_COLUMNS))
    gaps = residual_gaps(appraisal, package, district.forecasts, start) \
        if district.forecasts else []
    illustrative = bool(district.illustrative or (appraisal is not None and appraisal.illustrative))
    names, neighbourhoods = plan_area_names(plan, data)
    return ActionPlan(area_name=district.area_name, choice=choice, package=package,
                      start_year=start, plan=plan, resources=resources_by_year(plan), gaps=gaps,
                      illustrative=illustrative, area_names=names,
                      priority_neighbourhoods=neighbourhoods)
