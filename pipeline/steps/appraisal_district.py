"""Step 4 on a district's targets: each option applied to each forecast target, the gap it closes,
its cost, and one multi-criteria appraisal with the best package within the budget.

Each option's effect is applied to the baseline futures of each target it acts on
(``Projection.path_draws``), scaled by its reach into the target's area (population share from the
localities' LSOAs, :func:`pipeline.steps.target_areas.area_membership`). For a gap target the option
changes the area's own value; the comparator stays on its central projection unless the option
reaches it too, and the gap is recomputed. The statistical cores are
:mod:`pipeline.steps.appraisal` and :mod:`pipeline.steps.appraisal_scoring`.

The results (:class:`DistrictAppraisal`, :class:`TargetScenarios`) hold data only: frames, arrays,
plain values and the appraisal settings, so that step 5 can re-forecast a package from them
without the registers or the prepared data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import AreaData
from pipeline.registers import (
    BAU_ID,
    CRITERIA_DIRECTIONS,
    PRIORITY_PREFIX,
    AppraisalSettings,
    Registers,
    Target,
    options_frame,
)
from pipeline.steps import appraisal as ap
from pipeline.steps import appraisal_scoring as scoring
from pipeline.steps.forecast import fit_and_project
from pipeline.steps.target_areas import area_label, area_membership, option_acts_in
from pipeline.steps.target_forecast import MONTHLY_MODEL, TargetForecast
from pipeline.steps.target_series import TargetSeries

Overlap = Callable[[str, str], float]


@dataclass(frozen=True, eq=False)
class TargetScenarios:
    """One target's re-forecasts.

    Attributes
    ----------
    forecast
        The target's forecast (step 3).
    years
        Calendar years of the re-forecasts.
    draws
        Option id (and package name) -> ``[draws x years]`` values of the target's series.
    gap
        :func:`appraisal.gap_closed` per option with ``discounted_cost``, ``cost_per_unit``
        (cost per unit of gap closed) and ``reach``.
    reach
        Share of the target's area each option reaches.
    comparator_reach
        Gap targets: share of the comparator's area each option reaches (else ``None``).
    comparator_path
        Gap targets: the comparator's central yearly projection on ``years`` (else ``None``).
    """

    forecast: TargetForecast
    years: list[int]
    draws: Mapping[str, np.ndarray]
    gap: pd.DataFrame
    reach: pd.Series
    comparator_reach: pd.Series | None = None
    comparator_path: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class DistrictAppraisal:
    """Everything the option-appraisal page (and the action plan) show.

    Attributes
    ----------
    options
        The options frame (bau first) of the options acting on the appraised targets, with
        ``discounted_cost``, ``equivalent_annual_cost``, ``pn_reach``, ``impact`` and ``total``.
    targets
        Per appraised target: :class:`TargetScenarios`.
    matrix, scores, weighted, sensitivity
        The performance matrix, 0-100 scores, swing-weighted totals and ranks, and the weight
        sensitivity (:func:`appraisal_scoring.weight_sensitivity`).
    package
        The chosen package (option ids, bau included).
    effect_draws
        The simulated full effects (draws x options).
    settings
        The appraisal settings (plain values).
    area_names
        Name of every area the options are delivered in or the targets are set for, by area id.
    yearly_costs
        Each option's set-up and running costs in each year of the plan, in today's prices
        (options x years, :func:`appraisal_scoring.yearly_costs`): what the package is
        checked against the budget with, and what the action plan's resources table shows.
    """

    options: pd.DataFrame
    targets: Mapping[str, TargetScenarios]
    matrix: pd.DataFrame
    scores: pd.DataFrame
    weighted: pd.DataFrame
    sensitivity: pd.DataFrame
    package: list[str]
    effect_draws: pd.DataFrame
    settings: AppraisalSettings
    area_names: dict[str, str] = field(default_factory=dict)
    yearly_costs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def illustrative(self) -> bool:
        """Whether any number of the appraisal is illustrative (settings, options, targets)."""
        return bool(self.settings.illustrative or self.options["illustrative"].any()
                    or any(s.forecast.target.illustrative for s in self.targets.values()))


def comparator_projection(series: TargetSeries, years: Sequence[int], n_draws: int, seed: int
                     ) -> np.ndarray:
    """Central yearly projection of a gap target's comparator on ``years``."""
    history = series.comparator_monthly if series.frequency == "monthly" else \
        series.comparator_annual
    kwargs: dict[str, Any] = {"scale": "log" if (history["value"] > 0).all() else "identity",
                              "frequency": series.frequency}
    if series.frequency == "monthly":
        kwargs.update(seasonal=True, monthly_model=MONTHLY_MODEL, annual_aggregation="sum")
    projection = fit_and_project(history, max(years), n_draws=n_draws, random_state=seed,
                                 **kwargs)
    central = projection.projection.set_index("period")["central"]
    return np.array([float(central.get(y, np.nan)) for y in years])



def comparator_reach(options: pd.DataFrame, target_id: str, comparator: str | None,
                      overlap: Overlap) -> pd.Series:
    """Share of a gap target's comparator area each option reaches: 0 for options not acting on
    the target or delivered wherever its targets are (that is, in the target's own area)."""
    values = {}
    for option_id, option in options.iterrows():
        areas = list(option["applies_to"])
        if comparator is None or target_id not in option["targets"] or not areas:
            values[option_id] = 0.0
        else:
            values[option_id] = min(1.0, sum(overlap(a, comparator) for a in areas))
    return pd.Series(values, name="comparator_reach")



def safe_overlap(membership: pd.DataFrame, population: pd.Series) -> Overlap:
    """:func:`appraisal.overlap_from_membership`, with 0 for an area that has no LSOAs (e.g. the
    priority neighbourhoods of a district that has none)."""
    overlap = ap.overlap_from_membership(membership, population)
    known = set(membership["area"])

    def checked(option_area: str, target_area: str) -> float:
        if option_area not in known or target_area not in known:
            return 0.0
        return overlap(option_area, target_area)

    return checked



def priority_neighbourhood_reach(options: pd.DataFrame, targets: Mapping[str, Target],
              overlap: Overlap) -> pd.Series:
    """Share of each option's delivery population living in priority neighbourhoods."""
    has_pn = overlap(PRIORITY_PREFIX + "*", PRIORITY_PREFIX + "*") > 0
    values = {}
    for option_id, option in options.iterrows():
        areas = list(option["applies_to"]) or [targets[t].area for t in option["targets"]
                                               if t in targets]
        if option_id == BAU_ID or not areas:
            values[option_id] = 0.0
            continue
        shares = [overlap(PRIORITY_PREFIX + "*", area) if has_pn else 0.0 for area in areas]
        values[option_id] = float(np.mean(shares))
    return pd.Series(values, name="pn_reach")



def area_names(options: pd.DataFrame, targets: Sequence[Target], data: AreaData
               ) -> dict[str, str]:
    """Name of every area the options are delivered in or the targets are set for."""
    areas = [a for areas in options["applies_to"] for a in areas] + [t.area for t in targets]
    return {area: area_label(area, data) for area in dict.fromkeys(areas)}


def appraise_options(
    forecasts: Sequence[TargetForecast],
    registers: Registers,
    data: AreaData,
    place: str | None = None,
) -> DistrictAppraisal | None:
    """Appraise the options acting on a district's forecast targets (step 4).

    The options appraised are those acting on one of the targets and delivered in the
    ``place`` of the pack (a district code; the county code or ``None``: every option), by the
    rule every page uses (:func:`pipeline.steps.target_areas.option_acts_in`): an option
    delivered in Charnwood's priority neighbourhoods belongs to Charnwood's pack, not Blaby's,
    even when it acts on a county-wide target that Blaby's pack shows.

    For each target with a forecast: each option's effect (Beta-PERT between low and high,
    phased in from its start year, scaled by its reach into the target's area from locality
    membership) applied to the baseline futures; the gap closed at the target year;
    discounted cost (Green Book) per unit of gap closed. Then one multi-criteria appraisal of
    the options over all the district's targets (impact = sum of the shares of each target's
    gap closed), a weight sensitivity analysis, and the best package within the annual budget
    (agreed options always in). Returns ``None`` when no target has a forecast or no option
    acts on one.

    Gap targets: the option acts on the area's own value; the comparator is held on its central
    projection and changed only by options reaching it, and the gap is recomputed.
    """
    settings = dataclasses.replace(registers.appraisal, weights=dict(registers.appraisal.weights))
    appraised = {f.target.id: f for f in forecasts if f.forecast}
    all_options = options_frame(registers.options)
    county = data.config.county.code
    acting = [o for o, row in all_options.iterrows()
              if o == BAU_ID or (any(t in appraised for t in row["targets"]) and (
                  place is None or option_acts_in(row["applies_to"], place, county,
                                                  data.localities)))]
    options = all_options.loc[acting].copy()
    if not appraised or len(options) < 2:
        return None

    population = data.lsoas.set_index("lsoa_code")["population"].astype(float)
    overlap = safe_overlap(area_membership(data), population)
    target_frame = pd.DataFrame({"area": {tid: f.target.area for tid, f in appraised.items()}})
    reach = ap.reach_matrix(options, target_frame, overlap)
    effects = ap.simulate_option_effects(options, settings.draws, settings.seed)

    costs = ap.discounted_costs(options, settings.base_year, settings.appraisal_years,
                                settings.discount_rate)
    options["discounted_cost"] = costs
    options["equivalent_annual_cost"] = ap.equivalent_annual_cost(
        costs, settings.discount_rate, settings.appraisal_years)

    scenarios: dict[str, TargetScenarios] = {}
    impact = pd.Series(0.0, index=options.index)
    for target_id, forecast in appraised.items():
        series = forecast.series
        reach_of_comparator = (comparator_reach(options, target_id, series.comparator, overlap)
                               if series.is_gap else None)
        scenarios[target_id] = target_scenarios(forecast, options, effects, reach[target_id],
                                                reach_of_comparator, settings)
        share = scenarios[target_id].gap["share_of_gap_closed"].reindex(options.index)
        impact = impact + share.fillna(0.0).clip(lower=0.0)

    targets_by_id = {f.target.id: f.target for f in forecasts}
    options["pn_reach"] = priority_neighbourhood_reach(options, targets_by_id, overlap)
    options["impact"] = impact
    options["plan_end"] = plan_ends(options, {t: f.target.target_year
                                              for t, f in appraised.items()})
    return _scored_appraisal(options, scenarios, effects, settings,
                             area_names(options, [f.target for f in forecasts], data))


def plan_ends(options: pd.DataFrame, target_years: Mapping[str, int]) -> pd.Series:
    """The last year of each option in the plan: the latest target year of the targets it
    serves (its start year if later, or if it serves none)."""
    return pd.Series([max([target_years[t] for t in targets if t in target_years] + [start])
                      for targets, start in zip(options["targets"], options["start_year"])],
                     index=options.index, name="plan_end", dtype=int)


def option_yearly_costs(options: pd.DataFrame) -> pd.DataFrame:
    """:func:`appraisal_scoring.yearly_costs` of the options over the plan's years (the first
    start to the last end): options x years."""
    years = list(range(int(options["start_year"].min()), int(options["plan_end"].max()) + 1))
    costs = scoring.yearly_costs(options["cost_one_off"], options["cost_per_year"],
                                 options["start_year"], options["plan_end"], years)
    return pd.DataFrame(costs, index=options.index, columns=years)


def _scored_appraisal(options: pd.DataFrame, scenarios: dict[str, TargetScenarios],
                      effects: pd.DataFrame, settings: AppraisalSettings,
                      names: dict[str, str]) -> DistrictAppraisal:
    """The multi-criteria appraisal, its weight sensitivity and the best package of options
    whose impact, costs and reach are known (within the budget in every year of the plan)."""
    matrix = scoring.criteria_matrix(options, options["impact"], options["discounted_cost"],
                                     options["pn_reach"])
    scores = scoring.score_options(matrix, CRITERIA_DIRECTIONS)
    weights = dict(settings.weights)
    weighted = scoring.weighted_scores(scores, weights)
    sensitivity = scoring.weight_sensitivity(scores, weights, settings.sensitivity_draws,
                                             settings.seed, settings.sensitivity_concentration)
    options["total"] = weighted["total"]
    value_column = "total" if settings.package_objective == "weighted_score" else "impact"
    agreed = [o for o in options.index if bool(options.loc[o, "agreed"])]
    yearly = option_yearly_costs(options)
    package = scoring.best_package(options, settings.budget_per_year, value_column,
                                   "equivalent_annual_cost", include=agreed, yearly=yearly)
    return DistrictAppraisal(options=options, targets=scenarios, matrix=matrix, scores=scores,
                             weighted=weighted, sensitivity=sensitivity, package=package,
                             effect_draws=effects, settings=settings, area_names=names,
                             yearly_costs=yearly)


def target_scenarios(
    forecast: TargetForecast,
    options: pd.DataFrame,
    effects: pd.DataFrame,
    reach: pd.Series,
    reach_of_comparator: pd.Series | None,
    settings: AppraisalSettings,
    packages: Mapping[str, Sequence[str]] | None = None,
    comparator_path: np.ndarray | None = None,
) -> TargetScenarios:
    """Re-forecast one target with each option (and each named package) applied.

    Parameters
    ----------
    forecast
        A target with a projection (``projection.path_draws`` are the baseline futures).
    options, effects, reach
        The options frame, their simulated full effects and their reach into the target's
        area (a column of :func:`appraisal.reach_matrix`).
    reach_of_comparator
        Gap targets: :func:`comparator_reach` (ignored for other targets).
    settings
        The appraisal settings (draws, seed, interval, discounting).
    packages
        Optional named option sets applied together (e.g. ``{"package": [...]}``).
    comparator_path
        Gap targets: the comparator's central projection when already known (step 5 reuses
        step 4's); projected with :func:`comparator_projection` otherwise.
    """
    series, projection = forecast.series, forecast.projection
    if projection is None or projection.path_draws is None:
        raise ValueError(f"target '{forecast.target.id}' has no projected futures to appraise")
    years = [int(y) for y in projection.projection["period"]]
    base = np.asarray(projection.path_draws, float)
    if base.shape[0] != settings.draws:
        base = base[np.random.default_rng(settings.seed).integers(0, base.shape[0],
                                                                  settings.draws)]
    if series.is_gap:
        if comparator_path is None:
            comparator_path = comparator_projection(series, years, settings.draws, settings.seed)
        if reach_of_comparator is None:
            raise ValueError(f"gap target '{forecast.target.id}' needs the comparator's reach")
        draws = _gap_scenario_draws(series, base, comparator_path, years, options, effects,
                                    reach, reach_of_comparator, packages)
    else:
        reach_of_comparator, comparator_path = None, None
        bound = 0.0 if series.scale in ("log", "logit") else None
        draws = ap.scenario_draws(base, years, options, effects, reach, packages,
                                  lower_bound=bound)
    at_target = {name: values[:, -1] for name, values in draws.items()}
    gap = ap.gap_closed(draws[BAU_ID][:, -1], at_target, series.target_value,
                        forecast.target.direction, settings.interval)
    costs = ap.discounted_costs(options, settings.base_year, settings.appraisal_years,
                                settings.discount_rate)
    option_ids = [o for o in gap.index if o in options.index]
    gap["discounted_cost"] = costs.reindex(gap.index)
    gap.loc[option_ids, "cost_per_unit"] = ap.cost_effectiveness(
        costs.loc[option_ids], gap.loc[option_ids, "gap_closed"])
    gap["reach"] = reach.reindex(gap.index)
    return TargetScenarios(forecast=forecast, years=years, draws=draws, gap=gap, reach=reach,
                           comparator_reach=reach_of_comparator, comparator_path=comparator_path)


def _gap_scenario_draws(series: TargetSeries, base: np.ndarray, comparator_path: np.ndarray,
                        years: list[int], options: pd.DataFrame, effects: pd.DataFrame,
                        reach: pd.Series, reach_of_comparator: pd.Series,
                        packages: Mapping[str, Sequence[str]] | None) -> dict[str, np.ndarray]:
    """A gap target's re-forecasts: the options change the area's own value (and the
    comparator's where they reach it), and the gap is recomputed."""
    non_negative = series.scale in ("log", "logit") or (
        str(series.indicator.get("method")) in ("annual_rate", "count", "ratio"))
    area_draws = base + comparator_path[None, :]
    bound = 0.0 if non_negative else None
    area = ap.scenario_draws(area_draws, years, options, effects, reach, packages,
                             lower_bound=bound)
    comparator = ap.scenario_draws(np.repeat(comparator_path[None, :], 1, axis=0), years,
                                   options, effects, reach_of_comparator, packages,
                                   lower_bound=bound)
    return {name: area[name] - comparator[name] for name in area}


def options_ranked(appraisal: DistrictAppraisal) -> pd.DataFrame:
    """The board's ranked options table: one row per option, best first.

    Columns: option_id, option, lead_partner, rank, total, p_first, rank_p05, rank_p95,
    impact (share of gaps closed, summed), discounted_cost, equivalent_annual_cost,
    pn_reach, evidence, deliverability, equality, in_package, agreed, illustrative.
    """
    o, w, s = appraisal.options, appraisal.weighted, appraisal.sensitivity
    table = pd.DataFrame({
        "option_id": o.index, "option": o["title"].to_numpy(),
        "lead_partner": o["lead_partner"].to_numpy(),
        "rank": w["rank"].to_numpy(int), "total": w["total"].to_numpy(float),
        "p_first": s["p_first"].to_numpy(float), "rank_p05": s["rank_p05"].to_numpy(int),
        "rank_p95": s["rank_p95"].to_numpy(int),
        "impact": o["impact"].to_numpy(float), "discounted_cost": o["discounted_cost"].to_numpy(),
        "equivalent_annual_cost": o["equivalent_annual_cost"].to_numpy(float),
        "pn_reach": o["pn_reach"].to_numpy(float),
        "evidence": o["evidence_strength"].to_numpy(int),
        "deliverability": o["deliverability"].to_numpy(int),
        "equality": o["equality_impact"].to_numpy(int),
        "in_package": [i in appraisal.package for i in o.index],
        "agreed": o["agreed"].to_numpy(bool), "illustrative": o["illustrative"].to_numpy(bool),
    })
    return table.sort_values(["rank", "option_id"]).reset_index(drop=True)


def scenario_summary(scenarios: TargetScenarios, options: pd.DataFrame) -> pd.DataFrame:
    """Per option for one target: the re-forecast at the target year and the gap it closes.

    Columns: option_id, option, reach, projected_value, gap_closed, gap_closed_low,
    gap_closed_high, share_of_gap_closed, p_meet, discounted_cost, cost_per_unit.
    Options that do not act on the target are left out (bau kept as the reference).
    """
    gap = scenarios.gap
    keep = [o for o in gap.index if o in options.index
            and (o == BAU_ID or scenarios.forecast.target.id in options.loc[o, "targets"])]
    columns = ["reach", "projected_value", "gap_closed", "gap_closed_low", "gap_closed_high",
               "share_of_gap_closed", "p_meet", "discounted_cost", "cost_per_unit"]
    frame = pd.DataFrame({"option_id": keep, "option": options.loc[keep, "title"].to_numpy()})
    for column in columns:
        frame[column] = gap.loc[keep, column].to_numpy()
    return frame


def appraise_district(district: Any, registers: Registers | None, data: AreaData
                      ) -> DistrictAppraisal | None:
    """:func:`appraise_options` for a district's forecast targets
    (:class:`pipeline.steps.target_forecast.DistrictTargets`; ``None`` without registers or
    targets)."""
    if registers is None or not district.has_targets:
        return None
    return appraise_options(district.forecasts, registers, data, place=district.area_code)
