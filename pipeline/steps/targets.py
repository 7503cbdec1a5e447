"""Steps 3 and 4 on the real data: each target's history, its forecast, and the options against it.

The statistical cores live in :mod:`pipeline.steps.forecast` and :mod:`pipeline.steps.appraisal`;
this module wires them to the store, the localities and the registers of a district.

Which series a target is judged on
----------------------------------
* **Crime rates** (catalogue method ``annual_rate``, e.g. ``burglary_rate``): the store holds only
  two complete calendar years (2020, 2021) of police.uk data, too few to forecast. So the
  *monthly* series is built as well: the ``crime_count`` observations of the crime types in the
  indicator's numerator, per month, summed over the area's LSOAs, divided by the population of
  that year (the mid-year estimate of the year or the latest earlier one, the rule of the annual
  rate) and multiplied as the annual rate is. The monthly values of a calendar year add up to the
  annual rate exactly, so a seasonal model fitted to the months, simulated forward and summed over
  each calendar year projects the annual rate the target is written in.
* **Other indicators** (e.g. IoD scores, 2004-2025 editions): the annual series of the store;
  values carried across LSOA vintages keep their ``[e]`` flag.
* **Gap targets** (``gap_reduction``): the series is the area's value minus the comparator's
  (``pn-all-<district>`` minus ``rest-<district>`` for the priority neighbourhoods against the rest
  of the district) in each period, monthly where both are monthly.

Scales: ``log`` for rates and counts, ``logit`` (``proportion_max=100``) for percentages,
``identity`` for scores and for gaps (which can be negative).

Models: annual series get a straight-line trend (OLS, t prediction intervals, at least 3 points).
Monthly crime series get the *mean-reverting* seasonal model of :func:`fit_and_project`: the
shipped months (Dec 2019 - Oct 2022) are mostly COVID-19 months, and a model that lets the trend
drift (a local linear trend) turns their ups and downs into 2026 intervals of, e.g., 22 to 548,510
burglaries. The mean-reverting model projects no trend (it keeps the series around its
average, with the ups and downs seen) and its long-horizon intervals stay bounded; the trend seen
is reported beside it, and every forecast is shown with its backtest.

Option appraisal (step 4, :func:`appraise_options`): each option's effect is applied to the
baseline futures of each target it acts on (``Projection.path_draws``), scaled by its reach into
the target's area (population share from the localities' LSOAs, :func:`area_membership`). For a
gap target the option changes the area's own value; the comparator stays on its central
projection unless the option reaches it too, and the gap is recomputed. Step 5 recomputes the
same appraisal with the same seeds instead of reading files written by step 4.

Page helpers (the ``*_intro``, ``*_key_messages``, ``*_facts``, ``*_table`` and ``*_downloads``
functions) turn the results into the plain-English text and labelled tables the notebooks show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import AreaData
from pipeline.errors import InputError
from pipeline.localities import slug
from pipeline.paths import PROCESSED_DIR
from pipeline.registers import (
    BAU_ID,
    CRITERIA,
    CRITERIA_DIRECTIONS,
    PRIORITY_PREFIX,
    KnownIds,
    Registers,
    Target,
    load_registers,
    options_frame,
)
from pipeline.steps import appraisal as ap
from pipeline.steps.forecast import fit_and_project

# Step 3 moved to pipeline.steps.target_areas / target_series / target_forecast (computation) and
# pipeline.pages.forecast (presentation); these names stay importable from here for step 4.
from pipeline.steps.target_areas import (  # noqa: F401
    area_code_of,
    area_label,
    area_lsoas,
    area_membership,
    area_name_of,
    area_rows,
    district_targets,
    is_own_target,
    target_district,
)
from pipeline.steps.target_forecast import (  # noqa: F401
    MONTHLY_MODEL,
    DistrictTargets,
    TargetForecast,
    district_targets_from,
    forecast_register,
    forecast_target,
    forecast_targets,
)
from pipeline.steps.target_series import TargetSeries, resolve_target, resolve_targets  # noqa: F401

#: Work folder of a district's run under the processed-data folder (as the batch runner uses).
WORK_DIRNAME = "runs"


# --------------------------------------------------------------------------------------------
# Reading the registers (edge)
# --------------------------------------------------------------------------------------------


def known_ids(data: AreaData) -> KnownIds:
    """What register entries may refer to: the catalogue, districts, county and localities."""
    return KnownIds.of(
        indicators=data.catalogue["id"],
        districts={d.code: d.name for d in data.config.districts},
        localities=data.localities["locality_id"],
        county={data.config.county.code: data.config.county.name},
    )


def load_area_registers(data: AreaData) -> Registers | None:
    """The targets, options and appraisal registers named in area.yaml, checked.

    Returns ``None`` when area.yaml names none of them (a partnership without targets yet).

    Raises
    ------
    InputError
        Only some of the three are named, or a register fails its checks.
    """
    paths = {key: data.config.config_file(key) for key in ("targets", "options", "appraisal")}
    given = [key for key, path in paths.items() if path is not None]
    if not given:
        return None
    if len(given) < 3:
        missing = ", ".join(k for k in paths if paths[k] is None)
        raise InputError(data.config.path, f"names the {', '.join(given)} register(s) but not "
                         f"{missing}: steps 3-5 need all three (targets, options, appraisal)")
    return load_registers(paths["targets"], paths["options"], paths["appraisal"], known_ids(data))



def output_folder(output_dir: str | Path, processed_dir: str | Path, district_name: str) -> Path:
    """The notebook's work folder: ``output_dir``, or ``<processed>/runs/<district-slug>``."""
    if output_dir:
        return Path(output_dir)
    return (Path(processed_dir) if processed_dir else PROCESSED_DIR) / WORK_DIRNAME / \
        slug(district_name)



# --------------------------------------------------------------------------------------------
# Option appraisal against the district's targets (step 4)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TargetScenarios:
    """One target's re-forecasts: ``draws`` maps option id (and ``'package'``) to
    ``[draws x years]`` values of the target's series; ``gap`` is :func:`appraisal.gap_closed`
    per option with ``discounted_cost`` and ``cost_per_unit`` (cost per unit of gap closed)."""

    forecast: TargetForecast
    years: list[int]
    draws: Mapping[str, np.ndarray]
    gap: pd.DataFrame
    reach: pd.Series


@dataclass(frozen=True, eq=False)
class DistrictAppraisal:
    """Everything the option-appraisal page (and the action plan) show.

    Attributes
    ----------
    options
        The options frame (bau first) of the options acting on the appraised targets, with
        ``discounted_cost``, ``equivalent_annual_cost``, ``pn_reach`` and ``impact``.
    targets
        Per appraised target: :class:`TargetScenarios`.
    matrix, scores, weighted, sensitivity
        The performance matrix, 0-100 scores, swing-weighted totals and ranks, and the weight
        sensitivity (:func:`appraisal.weight_sensitivity`).
    package
        The chosen package (option ids, bau included).
    effect_draws
        The simulated full effects (draws x options).
    settings
        The appraisal settings.
    overlap
        ``overlap(option_area, target_area)``: share of the target area's population in the
        option's area (for re-forecasting packages in step 5).
    """

    options: pd.DataFrame
    targets: Mapping[str, TargetScenarios]
    matrix: pd.DataFrame
    scores: pd.DataFrame
    weighted: pd.DataFrame
    sensitivity: pd.DataFrame
    package: list[str]
    effect_draws: pd.DataFrame
    settings: Any
    overlap: Any = None

    @property
    def illustrative(self) -> bool:
        """Whether any number of the appraisal is illustrative (settings, options, targets)."""
        return bool(self.settings.illustrative or self.options["illustrative"].any()
                    or any(s.forecast.target.illustrative for s in self.targets.values()))


def _comparator_path(series: TargetSeries, years: Sequence[int], n_draws: int, seed: int
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


def _comparator_reach(options: pd.DataFrame, target_id: str, comparator: str | None,
                      overlap: Any) -> pd.Series:
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


def safe_overlap(membership: pd.DataFrame, population: pd.Series) -> Any:
    """:func:`appraisal.overlap_from_membership`, with 0 for an area that has no LSOAs (e.g. the
    priority neighbourhoods of a district that has none)."""
    overlap = ap.overlap_from_membership(membership, population)
    known = set(membership["area"])

    def checked(option_area: str, target_area: str) -> float:
        if option_area not in known or target_area not in known:
            return 0.0
        return overlap(option_area, target_area)

    return checked


def _pn_reach(options: pd.DataFrame, targets: Mapping[str, Target],
              overlap: Any) -> pd.Series:
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


def appraise_options(
    forecasts: Sequence[TargetForecast],
    registers: Registers,
    data: AreaData,
) -> DistrictAppraisal | None:
    """Appraise the options acting on a district's forecast targets (step 4).

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
    settings = registers.appraisal
    appraised = {f.target.id: f for f in forecasts if f.forecast}
    all_options = options_frame(registers.options)
    acting = [o for o, row in all_options.iterrows()
              if o == BAU_ID or any(t in appraised for t in row["targets"])]
    options = all_options.loc[acting].copy()
    if not appraised or len(options) < 2:
        return None

    membership = area_membership(data)
    population = data.lsoas.set_index("lsoa_code")["population"].astype(float)
    overlap = safe_overlap(membership, population)
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
        scenarios[target_id] = target_scenarios(forecast, options, effects, reach[target_id],
                                                overlap, settings)
        share = scenarios[target_id].gap["share_of_gap_closed"].reindex(options.index)
        impact = impact + share.fillna(0.0).clip(lower=0.0)

    targets_by_id = {f.target.id: f.target for f in forecasts}
    options["pn_reach"] = _pn_reach(options, targets_by_id, overlap)
    options["impact"] = impact
    matrix = ap.criteria_matrix(options, impact, costs, options["pn_reach"])
    scores = ap.score_options(matrix, CRITERIA_DIRECTIONS)
    weights = dict(settings.weights)
    weighted = ap.weighted_scores(scores, weights)
    sensitivity = ap.weight_sensitivity(scores, weights, settings.sensitivity_draws,
                                        settings.seed, settings.sensitivity_concentration)
    options["total"] = weighted["total"]
    value_column = "total" if settings.package_objective == "weighted_score" else "impact"
    agreed = [o for o in options.index if bool(options.loc[o, "agreed"])]
    package = ap.best_package(options, settings.budget_per_year, value_column,
                              "equivalent_annual_cost", include=agreed)
    return DistrictAppraisal(options=options, targets=scenarios, matrix=matrix, scores=scores,
                             weighted=weighted, sensitivity=sensitivity, package=package,
                             effect_draws=effects, settings=settings, overlap=overlap)


def target_scenarios(
    forecast: TargetForecast,
    options: pd.DataFrame,
    effects: pd.DataFrame,
    reach: pd.Series,
    overlap: Any,
    settings: Any,
    packages: Mapping[str, Sequence[str]] | None = None,
) -> TargetScenarios:
    """Re-forecast one target with each option (and each named package) applied.

    Parameters
    ----------
    forecast
        A target with a projection (``projection.path_draws`` are the baseline futures).
    options, effects, reach
        The options frame, their simulated full effects and their reach into the target's
        area (a column of :func:`appraisal.reach_matrix`).
    overlap
        :func:`appraisal.overlap_from_membership` (for the comparator of gap targets).
    settings
        The appraisal settings (draws, seed, interval, discounting).
    packages
        Optional named option sets applied together (e.g. ``{"package": [...]}``).
    """
    series, projection = forecast.series, forecast.projection
    if projection is None or projection.path_draws is None:
        raise ValueError(f"target '{forecast.target.id}' has no projected futures to appraise")
    years = [int(y) for y in projection.projection["period"]]
    base = np.asarray(projection.path_draws, float)
    if base.shape[0] != settings.draws:
        base = base[np.random.default_rng(settings.seed).integers(0, base.shape[0],
                                                                  settings.draws)]
    non_negative = series.scale in ("log", "logit") or (
        series.is_gap and str(series.indicator.get("method")) in ("annual_rate", "count", "ratio"))
    if series.is_gap:
        comparator_path = _comparator_path(series, years, settings.draws, settings.seed)
        area_draws = base + comparator_path[None, :]
        comparator_reach = _comparator_reach(options, forecast.target.id, series.comparator,
                                             overlap)
        bound = 0.0 if non_negative else None
        area = ap.scenario_draws(area_draws, years, options, effects, reach, packages,
                                 lower_bound=bound)
        comparator = ap.scenario_draws(np.repeat(comparator_path[None, :], 1, axis=0), years,
                                       options, effects, comparator_reach, packages,
                                       lower_bound=bound)
        draws = {name: area[name] - comparator[name] for name in area}
    else:
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
    return TargetScenarios(forecast=forecast, years=years, draws=draws, gap=gap, reach=reach)


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

    Columns: option_id, option, reach, expected_value, gap_closed, gap_closed_low,
    gap_closed_high, share_of_gap_closed, p_meet, discounted_cost, cost_per_unit.
    Options that do not act on the target are left out (bau kept as the reference).
    """
    gap = scenarios.gap
    keep = [o for o in gap.index if o in options.index
            and (o == BAU_ID or scenarios.forecast.target.id in options.loc[o, "targets"])]
    columns = ["reach", "expected_value", "gap_closed", "gap_closed_low", "gap_closed_high",
               "share_of_gap_closed", "p_meet", "discounted_cost", "cost_per_unit"]
    frame = pd.DataFrame({"option_id": keep, "option": options.loc[keep, "title"].to_numpy()})
    for column in columns:
        frame[column] = gap.loc[keep, column].to_numpy()
    return frame


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


def criteria_labels() -> dict[str, str]:
    """Criterion id -> plain title, in display order."""
    return {c.id: c.title for c in CRITERIA.values()}


def chart_id(prefix: str, target_id: str) -> str:
    """A chart id for a target's chart (lower case, digits, '-' and '_'; at most 63 chars)."""
    text = re.sub(r"[^a-z0-9_-]+", "-", f"{prefix}-{target_id}".lower()).strip("-")
    return text[:63] if text[:1].isalpha() else ("c-" + text)[:63]


def _percent(p: float) -> str:
    if not np.isfinite(p):
        return "not estimated"
    if p < 0.005:
        return "less than 1%"
    if p > 0.995:
        return "more than 99%"
    return f"{int(np.floor(100 * p + 0.5))}%"


# --------------------------------------------------------------------------------------------
# The option-appraisal page (step 4)
# --------------------------------------------------------------------------------------------


def pounds(value: float) -> str:
    """``£12,345``; ``–`` for a missing value."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"£{value:,.0f}"


def effect_text(row: Mapping[str, Any]) -> str:
    """An option's full effect and range: ``-15% (range -30% to -3%)`` or in units."""
    suffix = "%" if row["effect_unit"] == "percent" else ""

    def one(v: float) -> str:
        return f"{v:+g}{suffix}" if v else f"0{suffix}"

    return (f"{one(row['effect_central'])} (range {one(row['effect_low'])} to "
            f"{one(row['effect_high'])})")


def appraisal_intro(district: DistrictTargets, appraisal: DistrictAppraisal | None) -> str:
    """Plain-English opening of the option-appraisal page (or why there is nothing to appraise)."""
    if not district.has_targets:
        return (f"There are no targets for {district.area_name}, so there are no options to "
                "appraise on this page.")
    if appraisal is None:
        return (f"None of the targets that concern {district.area_name} has a forecast to "
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
    ranked = options_ranked(appraisal)
    top = ranked.iloc[0]
    messages = [
        f"{top['option']} ranks first in the multi-criteria appraisal ({top['total']:.0f} out "
        f"of 100); it ranks first under {_percent(top['p_first'])} of the simulated sets of "
        "weights."
    ]
    chosen = [o for o in appraisal.package if o != BAU_ID]
    cost = float(appraisal.options.loc[chosen, "equivalent_annual_cost"].sum()) if chosen else 0.0
    titles = "; ".join(appraisal.options.loc[chosen, "title"]) if chosen else "none"
    messages.append(
        f"The best package within the budget of {pounds(appraisal.settings.budget_per_year)} a "
        f"year holds {len(chosen)} option{'s' if len(chosen) != 1 else ''} ({titles}), costing "
        f"{pounds(cost)} a year (equivalent annual cost).")
    for target_id, scenarios in appraisal.targets.items():
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


def options_register_table(appraisal: DistrictAppraisal, forecasts: Sequence[TargetForecast],
                           data: AreaData) -> pd.DataFrame:
    """The options appraised, as the register describes them, with text cells: option, lead
    partner, targets it acts on, where, effect, start, years to full effect, costs, evidence,
    deliverability, equality, illustrative."""
    titles = {f.target.id: f.target.title for f in forecasts}
    o = appraisal.options
    return pd.DataFrame({
        "option": o["title"].to_numpy(),
        "lead_partner": o["lead_partner"].to_numpy(),
        "targets": ["; ".join(titles[t] for t in ts if t in titles) or "all (reference)"
                    for ts in o["targets"]],
        "where": ["; ".join(area_label(a, data) for a in areas) or "where its targets are"
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


def package_table(appraisal: DistrictAppraisal) -> pd.DataFrame:
    """The chosen package: option, lead partner, agreed, equivalent annual cost, discounted
    cost, weighted total, and a final total row."""
    chosen = [o for o in appraisal.package if o != BAU_ID]
    o = appraisal.options.loc[chosen]
    table = pd.DataFrame({
        "option": o["title"].to_numpy(), "lead_partner": o["lead_partner"].to_numpy(),
        "agreed": ["Yes" if a else "No" for a in o["agreed"].astype(bool)],
        "equivalent_annual_cost": o["equivalent_annual_cost"].astype(float).to_numpy(),
        "discounted_cost": o["discounted_cost"].astype(float).to_numpy(),
        "total": o["total"].astype(float).to_numpy(),
    })
    total = pd.DataFrame([{"option": "Total", "lead_partner": "", "agreed": "",
                           "equivalent_annual_cost": table["equivalent_annual_cost"].sum(),
                           "discounted_cost": table["discounted_cost"].sum(),
                           "total": np.nan}])
    return pd.concat([table, total], ignore_index=True)


def package_text(appraisal: DistrictAppraisal) -> str:
    """How the package was chosen and what it costs against the budget."""
    s = appraisal.settings
    chosen = [o for o in appraisal.package if o != BAU_ID]
    cost = float(appraisal.options.loc[chosen, "equivalent_annual_cost"].sum()) if chosen else 0.0
    objective = ("the sum of the options' weighted scores" if s.package_objective ==
                 "weighted_score" else "the expected share of the gaps closed")
    left_out = [appraisal.options.loc[o, "title"] for o in appraisal.options.index
                if o not in appraisal.package]
    return (
        f"The package maximises {objective} within the budget of {pounds(s.budget_per_year)} a "
        f"year, comparing each option's equivalent annual cost (its discounted cost over "
        f"{s.appraisal_years} years from {s.base_year} spread evenly at "
        f"{s.discount_rate:.1%}), keeping options that depend on another together and never "
        f"combining options that exclude each other; options already agreed are always in. "
        f"It costs {pounds(cost)} a year, {pounds(s.budget_per_year - cost)} under the budget."
        + (f" Left out: {'; '.join(left_out)}." if left_out else "")
    )


def scenario_labels(scenarios: TargetScenarios, options: pd.DataFrame) -> dict[str, str]:
    """Legend labels for a target's re-forecast chart: business as usual, then each option
    acting on the target."""
    labels = {BAU_ID: "Business as usual (no new option)"}
    for option_id in options.index:
        if option_id != BAU_ID and scenarios.forecast.target.id in options.loc[option_id,
                                                                                 "targets"]:
            labels[option_id] = str(options.loc[option_id, "title"])
    return labels


def appraisal_downloads(appraisal: DistrictAppraisal | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables behind the appraisal page with readable column names: the ranked options
    (scores, costs, sensitivity, package) and, per target and option, the gap closed and the
    cost per unit of gap closed."""
    if appraisal is None:
        return (pd.DataFrame(columns=["Option id", "Option"]),
                pd.DataFrame(columns=["Target id", "Option id"]))
    ranked = options_ranked(appraisal).rename(columns={
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
        "agreed": "Already agreed", "illustrative": "Illustrative numbers"})
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
    gaps = gaps.rename(columns={
        "target_id": "Target id", "target": "Target", "unit": "Unit",
        "target_period": "Target year", "target_value": "Target value", "option_id": "Option id",
        "option": "Option", "reach": "Share of the target's area reached",
        "expected_value": "Expected value at target year with the option",
        "gap_closed": "Gap closed (expected)", "gap_closed_low": "Gap closed: low (5th percentile)",
        "gap_closed_high": "Gap closed: high (95th percentile)",
        "share_of_gap_closed": "Share of the expected gap closed",
        "p_meet": "Probability of meeting the target with the option",
        "discounted_cost": "Discounted cost (£)",
        "cost_per_unit": "Discounted cost per unit of gap closed (£; blank = closes none)"})
    return ranked, gaps


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


def appraise_district(district: DistrictTargets, data: AreaData) -> DistrictAppraisal | None:
    """:func:`appraise_options` for a district's forecast targets (``None`` without targets)."""
    if district.registers is None or not district.has_targets:
        return None
    return appraise_options(district.forecasts, district.registers, data)
