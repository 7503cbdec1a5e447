"""Step 4, option appraisal: the multi-criteria appraisal, its weight sensitivity and the
best package within the budget.

Methods (and why)
-----------------
* Multi-criteria appraisal: linear interval scores 0-100 per criterion (worst option 0, best 100),
  swing weights normalised to sum to 1 (MCDA manual, DCLG 2009); sensitivity by drawing weights
  from a Dirichlet distribution centred on the given weights.
* Package: a binary integer programme (:func:`scipy.optimize.milp`, HiGHS) maximising total value
  within the annual budget, with dependencies and exclusions as linear constraints. The budget
  is checked in each year of the plan against the options' set-up and running costs in that
  year (:func:`yearly_costs`), the same costs the action plan's resources table shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from pipeline.steps.appraisal import need_columns

BETTER = ("higher_is_better", "lower_is_better")
#: Totals closer than this are treated as tied when ranking.
TIE_DECIMALS = 9


# --------------------------------------------------------------------------------------------
# Multi-criteria appraisal
# --------------------------------------------------------------------------------------------


def criteria_matrix(
    options: pd.DataFrame,
    impact: pd.Series,
    cost: pd.Series,
    reach: pd.Series,
) -> pd.DataFrame:
    """The options x criteria performance matrix of the appraisal.

    ``impact`` should be unit-free so targets can be added up (e.g. the sum over targets of the
    share of the baseline gap closed); ``cost`` the discounted cost; ``reach`` the share of the
    option's effort in priority neighbourhoods (0-1). Evidence, deliverability and equality come
    from the register.
    """
    need_columns(options, ["evidence_strength", "deliverability", "equality_impact"], "options")
    matrix = pd.DataFrame({
        "impact": impact.reindex(options.index),
        "cost": cost.reindex(options.index),
        "reach": reach.reindex(options.index),
        "evidence": options["evidence_strength"],
        "deliverability": options["deliverability"],
        "equality": options["equality_impact"],
    }, index=options.index).astype(float)
    missing = matrix.isna().stack()
    if missing.any():
        option_id, criterion = missing[missing].index[0]
        raise ValueError(f"option '{option_id}' has no value for criterion '{criterion}'")
    return matrix


def score_options(matrix: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Score options 0-100 on each criterion: a linear interval scale from worst to best option.

    Parameters
    ----------
    matrix
        Options (index) x criteria (columns) performance values.
    directions
        Criterion -> ``higher_is_better`` or ``lower_is_better`` (cost).

    Returns
    -------
    pandas.DataFrame
        Same shape: ``100 x (value - worst) / (best - worst)``. Where every option performs the
        same on a criterion, all score 100 (the criterion cannot tell them apart).
    """
    if matrix.empty:
        raise ValueError("the performance matrix is empty")
    for criterion in matrix.columns:
        if criterion not in directions:
            raise ValueError(f"no direction given for criterion '{criterion}'")
        if directions[criterion] not in BETTER:
            raise ValueError(f"criterion '{criterion}': direction must be one of {BETTER}")
    values = matrix.astype(float)
    bad = ~np.isfinite(values)
    if bad.to_numpy().any():
        option_id, criterion = bad.stack()[bad.stack()].index[0]
        raise ValueError(f"option '{option_id}' has no finite value for criterion '{criterion}'")
    higher = pd.Series({c: directions[c] == "higher_is_better" for c in values.columns})
    best = values.max().where(higher, values.min())
    worst = values.min().where(higher, values.max())
    span = best - worst
    scores = 100.0 * (values - worst) / span.replace(0.0, np.nan)
    return scores.fillna(100.0)


def _normalised(weights: Mapping[str, float], criteria: Iterable[str]) -> np.ndarray:
    criteria = list(criteria)
    unknown = [k for k in weights if k not in criteria]
    if unknown:
        raise ValueError(f"weight given for criterion '{unknown[0]}' that has no scores")
    missing = [c for c in criteria if c not in weights]
    if missing:
        raise ValueError(f"no weight given for criterion '{missing[0]}'")
    w = np.array([float(weights[c]) for c in criteria])
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    if not w.sum() > 0:
        raise ValueError("weights must sum to a positive value")
    return w / w.sum()


def _rank(totals: np.ndarray, axis: int = -1) -> np.ndarray:
    """Rank 1 = highest total; ties share the best rank ("1, 2, 2, 4")."""
    return stats.rankdata(-np.round(totals, TIE_DECIMALS), axis=axis, method="min").astype(int)


def weighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Swing-weighted total score and rank of each option.

    Parameters
    ----------
    scores
        :func:`score_options` output.
    weights
        Swing weight per criterion (any positive scale; normalised to sum to 1).

    Returns
    -------
    pandas.DataFrame
        One column per criterion with its weighted contribution (points), ``total`` (0-100) and
        ``rank`` (1 = best). Tied totals share the better rank and the next rank is skipped
        ("1, 2, 2, 4"); totals equal to 9 decimals count as tied.
    """
    w = _normalised(weights, scores.columns)
    contributions = scores.astype(float) * w
    out = contributions.copy()
    out["total"] = contributions.sum(axis=1)
    out["rank"] = _rank(out["total"].to_numpy())
    return out


def sample_weights(
    weights: Mapping[str, float], draws: int, seed: int, concentration: float = 50.0
) -> pd.DataFrame:
    """Weight sets drawn from a Dirichlet distribution centred on the given weights.

    The Dirichlet parameters are ``concentration x normalised weight``: the draws average the
    given weights, and a larger concentration keeps them closer (each weight's standard
    deviation is ``sqrt(w (1 - w) / (concentration + 1))``). Criteria with zero weight stay 0.

    Returns
    -------
    pandas.DataFrame
        ``draws`` rows x criteria, each row summing to 1.
    """
    criteria = list(weights)
    w = _normalised(weights, criteria)
    if not concentration > 0:
        raise ValueError(f"concentration must be > 0, got {concentration}")
    if int(draws) < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    rng = np.random.default_rng(seed)
    sampled = np.zeros((int(draws), len(criteria)))
    positive = w > 0
    sampled[:, positive] = rng.dirichlet(concentration * w[positive], size=int(draws))
    return pd.DataFrame(sampled, columns=criteria)


def weight_sensitivity(
    scores: pd.DataFrame,
    weights: Mapping[str, float],
    draws: int,
    seed: int,
    concentration: float = 50.0,
) -> pd.DataFrame:
    """How robust the ranking is to the weights: ranks under simulated weight sets.

    Parameters
    ----------
    scores
        :func:`score_options` output.
    weights
        The agreed swing weights (the centre of the simulated weights).
    draws, seed
        Number of weight sets and seed (same seed -> identical output).
    concentration
        Dirichlet concentration (see :func:`sample_weights`); 50 lets a weight of 0.3 vary
        with a standard deviation of about 0.06.

    Returns
    -------
    pandas.DataFrame
        Per option: ``rank`` with the given weights, ``p_first`` (share of weight sets that
        rank it first, ties included), ``rank_min``, ``rank_p05``, ``rank_median``, ``rank_p95``,
        ``rank_max``.
    """
    _normalised(weights, scores.columns)  # same criteria in weights and scores, valid weights
    w = sample_weights({c: weights[c] for c in scores.columns}, draws, seed, concentration)
    totals = w[list(scores.columns)].to_numpy() @ scores.astype(float).to_numpy().T
    ranks = _rank(totals, axis=1)
    base = weighted_scores(scores, weights)["rank"]
    p05, median, p95 = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0,
                                   method="inverted_cdf").astype(int)
    return pd.DataFrame({
        "rank": base.to_numpy(),
        "p_first": (ranks == 1).mean(axis=0),
        "rank_min": ranks.min(axis=0),
        "rank_p05": p05,
        "rank_median": median,
        "rank_p95": p95,
        "rank_max": ranks.max(axis=0),
    }, index=scores.index)


# --------------------------------------------------------------------------------------------
# Package selection
# --------------------------------------------------------------------------------------------


def yearly_costs(set_up: Sequence[float], running: Sequence[float], start: Sequence[int],
                 end: Sequence[int], years: Sequence[int]) -> np.ndarray:
    """What each option (or action) costs in each year, in today's prices: its set-up cost in
    its start year and its running cost in every year from its start to its end.

    The one definition behind the budget check of :func:`best_package` and the action plan's
    resources table (:func:`pipeline.steps.action_plan.resources_by_year`).

    Returns
    -------
    numpy.ndarray
        ``[options x years]`` pounds.
    """
    year = np.asarray(years, dtype=int)[None, :]
    first = np.asarray(start, dtype=int)[:, None]
    last = np.asarray(end, dtype=int)[:, None]
    running_part = np.where((year >= first) & (year <= last),
                            np.asarray(running, dtype=float)[:, None], 0.0)
    return running_part + np.where(year == first, np.asarray(set_up, dtype=float)[:, None], 0.0)


def _package_constraints(options: pd.DataFrame, budget_rows: np.ndarray, budget_per_year: float,
                         depends_on: str, excludes: str
                         ) -> tuple[list[np.ndarray], list[float], list[float]]:
    """The linear constraints of :func:`best_package` (rows, lower and upper bounds): the
    budget (one row per year), ``chosen[a] - chosen[b] <= 0`` when ``a`` depends on ``b``,
    and ``chosen[a] + chosen[b] <= 1`` for each pair that excludes each other."""
    ids = list(options.index)
    position = {option_id: i for i, option_id in enumerate(ids)}
    n = len(ids)
    rows: list[np.ndarray] = list(budget_rows)
    lower: list[float] = [-np.inf] * len(rows)
    upper: list[float] = [budget_per_year] * len(rows)
    pairs: set[tuple[int, int]] = set()
    for option_id, needs, shuns in zip(ids, options[depends_on], options[excludes]):
        for column, others in ((depends_on, needs), (excludes, shuns)):
            for other in others or ():
                if other not in position:
                    raise ValueError(f"option '{option_id}': {column} names unknown option "
                                     f"'{other}'")
        for other in needs or ():
            row = np.zeros(n)
            row[position[option_id]], row[position[other]] = 1.0, -1.0
            rows.append(row), lower.append(-np.inf), upper.append(0.0)
        for other in shuns or ():
            pairs.add(tuple(sorted((position[option_id], position[other]))))
    for a, b in sorted(pairs):
        row = np.zeros(n)
        row[[a, b]] = 1.0
        rows.append(row), lower.append(-np.inf), upper.append(1.0)
    return rows, lower, upper


def best_package(
    options: pd.DataFrame,
    budget_per_year: float,
    value_column: str,
    cost_column: str,
    depends_on: str = "depends_on",
    excludes: str = "excludes",
    include: Iterable[str] = (),
    yearly: pd.DataFrame | None = None,
) -> list[str]:
    """The set of options with the greatest total value that fits the annual budget.

    A binary integer programme solved exactly with :func:`scipy.optimize.milp` (HiGHS, relative
    gap 0): maximise ``sum(value x chosen)`` subject to ``sum(annual cost x chosen) <= budget``,
    ``chosen[a] <= chosen[b]`` when ``a`` depends on ``b``, ``chosen[a] + chosen[b] <= 1`` when
    either excludes the other, and ``chosen = 1`` for ``include`` (e.g. options already agreed).
    Among packages of equal best value the cheapest is returned (a second programme). Values are
    assumed to add up across options, an approximation for effects that combine
    multiplicatively: re-forecast the chosen package to see its joint effect.

    Parameters
    ----------
    options
        One row per option (index = id) with the value, annual cost, depends_on and excludes
        columns (the last two hold iterables of option ids).
    budget_per_year
        Annual budget in the cost column's unit.
    value_column, cost_column
        Columns holding each option's value (e.g. MCA total or expected gap closed) and annual
        cost (e.g. equivalent annual cost).
    include
        Option ids that must be in the package.
    yearly
        Each option's cost in each year (options x years, :func:`yearly_costs`): when given,
        the package must fit the budget in every one of those years (and the cheapest of
        equally good packages is the one with the lowest total over them); the cost column
        then only has to be valid.

    Returns
    -------
    list of str
        Chosen option ids, in the frame's order.
    """
    need_columns(options, [value_column, cost_column, depends_on, excludes], "options")
    ids = list(options.index)
    position = {option_id: i for i, option_id in enumerate(ids)}
    value = options[value_column].to_numpy(dtype=float)
    cost = options[cost_column].to_numpy(dtype=float)
    if not (np.all(np.isfinite(value)) and np.all(np.isfinite(cost))):
        raise ValueError("values and costs must be finite numbers")
    if np.any(cost < 0):
        raise ValueError(f"option '{ids[int(np.argmax(cost < 0))]}' has a negative cost")
    if not budget_per_year >= 0:
        raise ValueError(f"budget_per_year must be >= 0, got {budget_per_year}")
    n = len(ids)
    if n == 0:
        return []

    if yearly is not None:
        costs = yearly.reindex(index=ids).to_numpy(dtype=float)
        if np.isnan(costs).any() or np.any(costs < 0):
            raise ValueError("yearly costs must be given, non-negative, for every option")
        budget_rows, cost = costs.T, costs.sum(axis=1)
    else:
        budget_rows = cost[None, :]
    rows, lower, upper = _package_constraints(options, budget_rows, float(budget_per_year),
                                              depends_on, excludes)
    must = np.zeros(n)
    for option_id in include:
        if option_id not in position:
            raise ValueError(f"include names unknown option '{option_id}'")
        must[position[option_id]] = 1.0

    bounds = optimize.Bounds(must, np.ones(n))
    integrality = np.ones(n)
    solver = {"mip_rel_gap": 0.0, "presolve": True}
    matrix = np.vstack(rows)
    first = optimize.milp(-value, integrality=integrality, bounds=bounds, options=solver,
                          constraints=optimize.LinearConstraint(matrix, lower, upper))
    if first.status != 0 or first.x is None:
        raise ValueError("no package satisfies the budget, dependencies and exclusions with the "
                         f"required options ({first.message})")
    best = float(value @ np.round(first.x))
    tolerance = 1e-9 * max(1.0, abs(best))
    second = optimize.milp(
        cost, integrality=integrality, bounds=bounds, options=solver,
        constraints=optimize.LinearConstraint(np.vstack([matrix, value]), lower + [best - tolerance],
                                              upper + [np.inf]),
    )
    chosen = np.round(second.x if second.status == 0 and second.x is not None else first.x)
    return [option_id for option_id, pick in zip(ids, chosen) if pick > 0.5]


def package_value(options: pd.DataFrame, package: Iterable[str], value_column: str) -> float:
    """Total of ``value_column`` over the options of a package."""
    return float(options.loc[list(package), value_column].sum())
