"""Step 4, option appraisal: effects, re-forecasts, gap closed and costs.

Pure functions on numpy arrays and DataFrames: nothing here reads files or knows about the
forecast module. A baseline projection enters as *draws* (``[draws x years]`` array of plausible
futures); :func:`draws_from_interval` makes such draws from a central forecast and its prediction
interval when a model gives only those. The multi-criteria appraisal and the package selection
are in :mod:`pipeline.steps.appraisal_scoring`; the wiring to a district's targets and registers
in :mod:`pipeline.steps.appraisal_district`.

The options frame is :func:`pipeline.registers.options_frame` (index = option id; columns
``effect_low``, ``effect_central``, ``effect_high``, ``effect_unit``, ``start_year``,
``years_to_full_effect``, ``cost_one_off``, ``cost_per_year``, ``targets``, ``applies_to``,
``depends_on``, ``excludes``, ``evidence_strength``, ``deliverability``, ``equality_impact``).

Methods (and why)
-----------------
* Uncertain effects: Beta-PERT distribution between low and high with mode ``central``
  (weight 4 on the mode, the usual three-point estimate in appraisal) drawn with a numpy
  ``Generator``. Each option gets its own stream seeded from ``(seed, crc32(option id))``, so an
  option's draws do not change when other options are added or reordered.
* Phasing: an option starting in ``start_year`` with ``years_to_full_effect = n`` has the fraction
  ``clip((year - start_year + 1) / (n + 1), 0, 1)`` of its full effect in each year: full from the
  start when ``n = 0``; a linear ramp reaching full effect ``n`` years after the start otherwise.
* Combining options: percentage effects multiply (two 10% cuts leave 0.9 x 0.9 = 81%), absolute
  effects add; an option reaching a share ``r`` of a target area changes it by ``r`` x its effect
  (the area's value is assumed evenly spread).
* Costs: HM Treasury Green Book discounting at 3.5% a year, the base year undiscounted; costs before
  the base year are sunk and left out.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

PERT_WEIGHT = 4.0


# --------------------------------------------------------------------------------------------
# Effects and re-forecasts
# --------------------------------------------------------------------------------------------


def effect_path(option: Mapping[str, Any] | pd.Series, years: Sequence[int]) -> np.ndarray:
    """Fraction of an option's full effect in each year (0 before it starts, 1 at full effect).

    Parameters
    ----------
    option
        Anything with ``start_year`` and ``years_to_full_effect`` (a row of the options frame).
    years
        Calendar years.

    Returns
    -------
    numpy.ndarray
        ``clip((year - start_year + 1) / (years_to_full_effect + 1), 0, 1)`` per year.
    """
    start = int(option["start_year"])
    ramp = int(option["years_to_full_effect"])
    if ramp < 0:
        raise ValueError(f"years_to_full_effect must be >= 0, got {ramp}")
    years_arr = np.asarray(years, dtype=float)
    return np.clip((years_arr - start + 1.0) / (ramp + 1.0), 0.0, 1.0)


def effect_paths(options: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """:func:`effect_path` for every option: a frame options x years."""
    need_columns(options, ["start_year", "years_to_full_effect"], "options")
    if (options["years_to_full_effect"] < 0).any():
        raise ValueError("years_to_full_effect must be >= 0")
    start = options["start_year"].to_numpy(float)[:, None]
    ramp = options["years_to_full_effect"].to_numpy(float)[:, None]
    values = np.clip((np.asarray(years, float)[None, :] - start + 1.0) / (ramp + 1.0), 0.0, 1.0)
    return pd.DataFrame(values, index=options.index, columns=list(years))


def pert_draws(low: float, central: float, high: float, draws: int,
               rng: np.random.Generator) -> np.ndarray:
    """Draws from the Beta-PERT distribution on ``[low, high]`` with mode ``central``."""
    if not low <= central <= high:
        raise ValueError(f"PERT needs low <= central <= high, got {low}, {central}, {high}")
    if high == low:
        return np.full(draws, float(central))
    span = high - low
    alpha = 1.0 + PERT_WEIGHT * (central - low) / span
    beta = 1.0 + PERT_WEIGHT * (high - central) / span
    return low + span * rng.beta(alpha, beta, size=draws)


def option_rng(seed: int, option_id: str) -> np.random.Generator:
    """The random stream of one option: depends only on the seed and the option's id."""
    return np.random.default_rng([int(seed), zlib.crc32(str(option_id).encode("utf-8"))])


def simulate_option_effects(options: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """Draw each option's full effect from its low-central-high range (Beta-PERT).

    Parameters
    ----------
    options
        The options frame (``effect_low``, ``effect_central``, ``effect_high``).
    draws
        Number of simulation draws.
    seed
        Seed; the same seed gives the same draws.

    Returns
    -------
    pandas.DataFrame
        ``draws`` rows x one column per option id: the signed full effect in each draw, in the
        option's ``effect_unit``.
    """
    need_columns(options, ["effect_low", "effect_central", "effect_high"], "options")
    if int(draws) < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    columns = {
        option_id: pert_draws(float(row["effect_low"]), float(row["effect_central"]),
                              float(row["effect_high"]), int(draws), option_rng(seed, option_id))
        for option_id, row in options.iterrows()
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(int(draws), name="draw"),
                        columns=list(options.index))


def apply_effects(
    baseline_draws: np.ndarray,
    effect_draws: np.ndarray,
    paths: np.ndarray,
    units: Sequence[str],
    reach: Sequence[float] | np.ndarray | None = None,
    lower_bound: float | None = None,
) -> np.ndarray:
    """Re-forecast a baseline with one option or a package of options applied.

    Parameters
    ----------
    baseline_draws
        ``[draws x years]`` baseline projection draws (or one path ``[years]``).
    effect_draws
        ``[draws x options]`` full effects of each option (or ``[options]`` for fixed effects).
    paths
        ``[options x years]`` fraction of full effect per year (:func:`effect_paths`).
    units
        Each option's effect unit: ``percent`` (combined multiplicatively) or ``absolute``
        (added).
    reach
        Share (0-1) of the target area each option reaches; default 1.
    lower_bound
        Clip results below this (e.g. 0 for rates and counts).

    Returns
    -------
    numpy.ndarray
        ``[draws x years]``: ``baseline x prod(1 + reach x path x effect / 100)`` over percent
        options, plus ``sum(reach x path x effect)`` over absolute options.
    """
    base = np.atleast_2d(np.asarray(baseline_draws, dtype=float))
    effects = np.asarray(effect_draws, dtype=float)
    effects = effects[None, :] if effects.ndim == 1 else effects
    paths_arr = np.atleast_2d(np.asarray(paths, dtype=float))
    n_options = effects.shape[1]
    units = list(units)
    if paths_arr.shape != (n_options, base.shape[1]):
        raise ValueError(f"paths must be [options x years] = ({n_options}, {base.shape[1]}), "
                         f"got {paths_arr.shape}")
    if len(units) != n_options:
        raise ValueError(f"units: expected {n_options} entries, got {len(units)}")
    bad = [u for u in units if u not in ("percent", "absolute")]
    if bad:
        raise ValueError(f"unknown effect unit '{bad[0]}' (expected percent or absolute)")
    if base.shape[0] != effects.shape[0] and 1 not in (base.shape[0], effects.shape[0]):
        raise ValueError(f"baseline has {base.shape[0]} draws but effects have "
                         f"{effects.shape[0]}; expected the same number (or one)")
    share = np.ones(n_options) if reach is None else np.asarray(reach, dtype=float)
    if share.shape != (n_options,) or np.any((share < 0) | (share > 1)):
        raise ValueError("reach: expected one share between 0 and 1 per option")
    # [draws x options x years]: each option's change in each draw and year
    scaled = effects[:, :, None] * (share[:, None] * paths_arr)[None, :, :]
    is_percent = np.array([u == "percent" for u in units])
    factor = np.prod(1.0 + scaled[:, is_percent, :] / 100.0, axis=1)
    shift = scaled[:, ~is_percent, :].sum(axis=1)
    result = base * factor + shift
    if lower_bound is not None:
        result = np.maximum(result, lower_bound)
    return result


def scenario_draws(
    baseline_draws: np.ndarray,
    years: Sequence[int],
    options: pd.DataFrame,
    effect_draws: pd.DataFrame,
    reach: pd.Series,
    packages: Mapping[str, Sequence[str]] | None = None,
    lower_bound: float | None = None,
) -> dict[str, np.ndarray]:
    """Re-forecast one target with each option alone (and with each named package).

    Parameters
    ----------
    baseline_draws
        ``[draws x years]`` baseline draws for the target's area.
    years
        Calendar years of the columns of ``baseline_draws``.
    options
        The options frame.
    effect_draws
        :func:`simulate_option_effects` output (one column per option).
    reach
        Share of the target area each option reaches (a column of :func:`reach_matrix`;
        0 for options that do not act on this target).
    packages
        Optional named sets of option ids applied together.

    Returns
    -------
    dict
        Option id (and package name) -> ``[draws x years]`` draws. ``bau`` is the baseline.
    """
    missing = [o for o in options.index if o not in effect_draws.columns or o not in reach.index]
    if missing:
        raise ValueError(f"no effect draws or reach for option '{missing[0]}'")
    paths = effect_paths(options, years)
    sets: dict[str, list[str]] = {o: [o] for o in options.index}
    for name, ids in (packages or {}).items():
        unknown = [i for i in ids if i not in options.index]
        if unknown:
            raise ValueError(f"package '{name}': unknown option '{unknown[0]}'")
        sets[name] = list(ids)
    out = {}
    for name, ids in sets.items():
        if not ids:
            out[name] = np.atleast_2d(np.asarray(baseline_draws, dtype=float)).copy()
            continue
        out[name] = apply_effects(
            baseline_draws, effect_draws[ids].to_numpy(), paths.loc[ids].to_numpy(),
            options.loc[ids, "effect_unit"].tolist(), reach.loc[ids].to_numpy(float),
            lower_bound=lower_bound,
        )
    return out


def draws_from_interval(
    central: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    draws: int,
    seed: int,
    level: float = 0.95,
    scale: str = "log",
) -> np.ndarray:
    """Draws ``[draws x years]`` matching a forecast's central path and prediction interval.

    Normal on the forecast's scale (``log`` for rates and counts, ``logit`` for proportions
    between 0 and 1, ``identity`` otherwise), with the standard deviation taken from the
    interval's average half-width. One standard normal deviate per draw is shared by all years,
    so each draw is a smooth path.
    """
    transforms: dict[str, tuple[Callable[[np.ndarray], np.ndarray],
                                Callable[[np.ndarray], np.ndarray]]] = {
        "log": (np.log, np.exp),
        "logit": (lambda p: np.log(p / (1 - p)), lambda x: 1 / (1 + np.exp(-x))),
        "identity": (lambda x: x, lambda x: x),
    }
    if scale not in transforms:
        raise ValueError(f"scale must be one of {sorted(transforms)}, got '{scale}'")
    forward, back = transforms[scale]
    c, lo, hi = (np.asarray(a, dtype=float) for a in (central, lower, upper))
    if not (c.shape == lo.shape == hi.shape) or np.any(lo > c) or np.any(c > hi):
        raise ValueError("central, lower and upper must have the same length, lower <= central "
                         "<= upper")
    with np.errstate(divide="ignore", invalid="ignore"):
        mid, t_lo, t_hi = forward(c), forward(lo), forward(hi)
    if not np.all(np.isfinite(np.concatenate([mid, t_lo, t_hi]))):
        raise ValueError(f"values outside the domain of the {scale} scale")
    z = stats.norm.ppf(0.5 + level / 2)
    sd = (t_hi - t_lo) / (2 * z)
    deviates = np.random.default_rng(seed).standard_normal(int(draws))[:, None]
    return back(mid[None, :] + deviates * sd[None, :])


def reach_matrix(
    options: pd.DataFrame,
    targets: pd.DataFrame,
    overlap: Callable[[str, str], float],
) -> pd.DataFrame:
    """Share of each target's area that each option reaches: a frame options x targets.

    0 where the option does not act on the target; 1 where the option applies everywhere
    (empty ``applies_to``); otherwise the sum over the option's areas of
    ``overlap(option_area, target_area)`` (share of the target area's population living in the
    option's area, e.g. from :func:`overlap_from_membership`), capped at 1.
    """
    need_columns(options, ["targets", "applies_to"], "options")
    need_columns(targets, ["area"], "targets")
    values = np.zeros((len(options), len(targets)))
    for i, (_, option) in enumerate(options.iterrows()):
        for j, (target_id, target) in enumerate(targets.iterrows()):
            if target_id not in option["targets"]:
                continue
            areas = option["applies_to"]
            share = 1.0 if not areas else sum(overlap(a, target["area"]) for a in areas)
            values[i, j] = min(1.0, share)
    return pd.DataFrame(values, index=options.index, columns=targets.index)


def overlap_from_membership(
    membership: pd.DataFrame, population: pd.Series
) -> Callable[[str, str], float]:
    """Build an ``overlap(option_area, target_area)`` function from area membership.

    Parameters
    ----------
    membership
        Columns ``area`` (canonical area id as in the registers) and ``lsoa_code``.
    population
        Population per LSOA (index ``lsoa_code``).

    Returns
    -------
    callable
        Share of the target area's population that lives in the option's area.
    """
    need_columns(membership, ["area", "lsoa_code"], "membership")
    groups = {a: set(g) for a, g in membership.groupby("area")["lsoa_code"]}

    def overlap(option_area: str, target_area: str) -> float:
        for area in (option_area, target_area):
            if area not in groups:
                raise ValueError(f"area '{area}' has no LSOAs in the membership table")
        target_lsoas = sorted(groups[target_area])
        shared = sorted(groups[target_area] & groups[option_area])
        total = float(population.reindex(target_lsoas).fillna(0).sum())
        return float(population.reindex(shared).fillna(0).sum()) / total if total > 0 else 0.0

    return overlap


# --------------------------------------------------------------------------------------------
# Gap closed, costs, cost-effectiveness
# --------------------------------------------------------------------------------------------


def shortfall(values: np.ndarray, target_value: float, direction: str) -> np.ndarray:
    """How far values fall short of the target (0 where the target is met)."""
    if direction == "decrease":
        return np.maximum(np.asarray(values, float) - target_value, 0.0)
    if direction == "increase":
        return np.maximum(target_value - np.asarray(values, float), 0.0)
    raise ValueError(f"direction must be 'decrease' or 'increase', got '{direction}'")


def gap_closed(
    baseline_at_target: np.ndarray,
    scenarios_at_target: Mapping[str, np.ndarray] | pd.DataFrame,
    target_value: float,
    direction: str,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Expected reduction of the gap to target at the target year, per option, with interval.

    The gap in a draw is the shortfall from the target (0 once it is met); the gap closed by an
    option is the baseline's shortfall minus the option's, draw by draw (draws are paired).

    Parameters
    ----------
    baseline_at_target
        Baseline draws at the target year, ``[draws]``.
    scenarios_at_target
        Option id -> draws at the target year (same draws), or a frame draws x options.
    target_value
        The level that meets the target (:meth:`pipeline.registers.Target.level`).
    direction
        ``decrease`` or ``increase``.
    interval
        Coverage of the reported interval (0.9 = 5th to 95th percentile).

    Returns
    -------
    pandas.DataFrame
        Per option: ``projected_value`` (the median at the target year, as the forecast's
        central projection and the action plan's), ``gap_baseline`` and ``gap`` (expected
        shortfall without and with the option), ``gap_closed`` with ``gap_closed_low`` /
        ``gap_closed_high``, ``share_of_gap_closed`` (of the baseline gap; NaN when the
        baseline already meets the target), ``p_meet_baseline`` and ``p_meet``.
    """
    base = np.asarray(baseline_at_target, dtype=float).ravel()
    if isinstance(scenarios_at_target, pd.DataFrame):
        scenarios = {c: scenarios_at_target[c].to_numpy() for c in scenarios_at_target.columns}
    else:
        scenarios = dict(scenarios_at_target)
    if not 0 < interval < 1:
        raise ValueError(f"interval must be between 0 and 1, got {interval}")
    base_gap = shortfall(base, target_value, direction)
    tail = (1 - interval) / 2 * 100
    rows = []
    for option_id, values in scenarios.items():
        values = np.asarray(values, dtype=float).ravel()
        if values.shape != base.shape:
            raise ValueError(f"option '{option_id}': {values.size} draws, baseline has "
                             f"{base.size}")
        gap = shortfall(values, target_value, direction)
        closed = base_gap - gap
        expected_base = float(base_gap.mean())
        rows.append({
            "option": option_id,
            "projected_value": float(np.median(values)),
            "gap_baseline": expected_base,
            "gap": float(gap.mean()),
            "gap_closed": float(closed.mean()),
            "gap_closed_low": float(np.percentile(closed, tail)),
            "gap_closed_high": float(np.percentile(closed, 100 - tail)),
            "share_of_gap_closed": float(closed.mean()) / expected_base
            if expected_base > 0 else np.nan,
            "p_meet_baseline": float(np.mean(base_gap == 0)),
            "p_meet": float(np.mean(gap == 0)),
        })
    return pd.DataFrame(rows).set_index("option")


def discounted_cost(
    one_off: float,
    per_year: float,
    start_year: int,
    years: int,
    rate: float,
    base_year: int,
) -> float:
    """Present value of an option's costs over the appraisal period (Green Book discounting).

    The appraisal period is the ``years`` calendar years from ``base_year``; the base year is
    year 0 (undiscounted) and year ``t`` is divided by ``(1 + rate) ** t``. The one-off cost falls
    in ``start_year``; the running cost in every year from ``start_year`` to the period's end.
    Costs before the base year are sunk and left out; so are costs after the period.

    Examples
    --------
    >>> round(discounted_cost(0, 100, 2024, 3, 0.035, 2024), 2)  # 100 + 96.62 + 93.35
    289.97
    """
    if one_off < 0 or per_year < 0:
        raise ValueError(f"costs must be >= 0, got one_off={one_off}, per_year={per_year}")
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    if int(years) < 1:
        raise ValueError(f"years must be >= 1, got {years}")
    t = np.arange(int(years))
    factors = (1.0 + rate) ** -t.astype(float)
    calendar = base_year + t
    running = np.where(calendar >= start_year, float(per_year), 0.0)
    once = np.where(calendar == start_year, float(one_off), 0.0)
    return float(np.sum((running + once) * factors))


def discounted_costs(options: pd.DataFrame, base_year: int, years: int, rate: float) -> pd.Series:
    """:func:`discounted_cost` for every option of the options frame (a Series by option id)."""
    need_columns(options, ["cost_one_off", "cost_per_year", "start_year"], "options")
    return pd.Series(
        [discounted_cost(r.cost_one_off, r.cost_per_year, int(r.start_year), years, rate,
                         base_year) for r in options.itertuples()],
        index=options.index, name="discounted_cost", dtype=float,
    )


def equivalent_annual_cost(present_value: float | pd.Series, rate: float, years: int
                           ) -> float | pd.Series:
    """Spread a present value evenly over the period (Green Book equivalent annual cost).

    ``present_value / annuity factor``, where the annuity factor is the sum of discount factors
    of years 0 .. years-1 (costs paid at the start of each year).
    """
    if int(years) < 1 or not 0 <= rate < 1:
        raise ValueError("years must be >= 1 and rate in [0, 1)")
    annuity = float(np.sum((1.0 + rate) ** -np.arange(int(years), dtype=float)))
    return present_value / annuity


def cost_effectiveness(cost: pd.Series, closed: pd.Series) -> pd.Series:
    """Discounted cost per unit of gap closed; ``inf`` where an option closes nothing.

    Options are matched on their index; both series must hold the same options.
    """
    if set(cost.index) != set(closed.index):
        missing = sorted(set(cost.index) ^ set(closed.index))
        raise ValueError(f"cost and gap closed must cover the same options ('{missing[0]}')")
    gap = closed.reindex(cost.index).astype(float)
    if (cost < 0).any():
        raise ValueError("costs must be >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gap > 0, cost.astype(float) / gap, np.inf)
    return pd.Series(ratio, index=cost.index, name="cost_per_unit_closed")


def need_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` naming the first of ``columns`` missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column '{missing[0]}'")
