"""Aggregating LSOA indicator rows to larger areas (localities, districts, county, England),
and summing LSOA observations of counts to every district, region and England
(:func:`sum_observations`, for the England-wide files at ingest).

Counts and rates: numerators and denominators are added, then the value and its interval are
recomputed (rates are never averaged). Scores: population-weighted mean. Ranks and deciles are
not aggregated (the IMD summary measures in :mod:`pipeline.imd_summary` describe larger areas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.indicators import (
    FLAG_RANK,
    NO_FLAG,
    SUPPRESSED,
    add_intervals,
    flag_from_rank,
    flag_rank,
    missing_value_rank,
)
from pipeline.schema import STORE_COLUMNS


def aggregate(
    rows: pd.DataFrame,
    membership: pd.DataFrame,
    catalogue: pd.DataFrame,
    weights: pd.Series,
    *,
    area_type: str,
) -> pd.DataFrame:
    """Aggregate LSOA rows of the store to groups of LSOAs, all groups and indicators at once.

    Parameters
    ----------
    rows
        Store rows for LSOAs of one vintage.
    membership
        ``area_code`` (the group's code) and ``lsoa_code``; an LSOA may belong to several groups.
    catalogue
        The indicator catalogue (``aggregation``, ``multiplier`` and ``ci`` are used).
    weights
        Population by LSOA code, for population-weighted means of scores.
    area_type
        Area type written on the output rows (``LAD``, ``CTY``, ``ENG``, ``LOCALITY`` ...).

    Returns
    -------
    pandas.DataFrame
        Store-layout rows. A group whose members do not all have a value gets a missing value
        flagged ``[x]``; flags of members ([e], [u] ...) carry over (the most serious wins).
    """
    # only the member LSOAs' rows of aggregated indicators take part (the merge drops the rest)
    keep = rows["area_code"].isin(membership["lsoa_code"]).to_numpy()
    how = rows.loc[keep, "indicator_id"].map(catalogue.set_index("id")["aggregation"])
    aggregated = how.isin(["ratio", "sum", "pop_weighted_mean"]).to_numpy()
    keep[keep] = aggregated
    rows = rows.loc[keep, ["area_code", "indicator_id", "period", "category", "value",
                           "numerator", "denominator", "unit", "flag", "source"]]
    rows = rows.rename(columns={"area_code": "lsoa_code"}).assign(
        how=how.to_numpy()[aggregated], rank=flag_rank(rows["flag"])).drop(columns="flag")
    size = membership.groupby("area_code")["lsoa_code"].nunique().rename("size")
    members = membership[["area_code", "lsoa_code"]]
    merged = members.assign(w=members["lsoa_code"].map(weights)).merge(rows, on="lsoa_code")
    if merged.empty:
        return pd.DataFrame(columns=STORE_COLUMNS)
    weighted = merged["how"] == "pop_weighted_mean"
    merged["wv"] = np.where(weighted, merged["value"] * merged["w"], np.nan)
    merged["w"] = merged["w"].where(weighted & merged["value"].notna())
    merged["suppressed"] = merged["rank"] == SUPPRESSED
    keys = ["area_code", "indicator_id", "period", "category"]
    g = merged.groupby(keys, sort=True, observed=True)
    out = g.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"),
                wv=("wv", "sum"), w=("w", "sum"), present=("value", "count"),
                how=("how", "first"), flag_rank=("rank", "min"), unit=("unit", "first"),
                suppressed=("suppressed", "any"),
                source=("source", "first")).reset_index()
    out = out.join(size, on="area_code")
    complete = out["present"] >= out["size"]
    mult = out["indicator_id"].map(catalogue.set_index("id")["multiplier"]).astype(float)
    method = out["indicator_id"].map(catalogue.set_index("id")["method"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(method.isin(["ratio", "annual_rate"]),
                         out["numerator"] / out["denominator"] * mult, out["numerator"])
        mean = out["wv"] / out["w"]
    out["value"] = np.where(out["how"] == "pop_weighted_mean", mean, ratio)
    out.loc[out["how"] == "pop_weighted_mean", ["numerator", "denominator"]] = np.nan
    out.loc[out["how"] == "sum", "denominator"] = np.nan
    out.loc[~complete, ["value", "numerator", "denominator"]] = np.nan
    ranks = np.where(~complete, missing_value_rank(out["suppressed"].to_numpy()), out["flag_rank"])
    out["flag"] = flag_from_rank(ranks)
    out["area_type"] = area_type
    out["lower_ci"] = np.nan
    out["upper_ci"] = np.nan
    out = add_intervals(out[STORE_COLUMNS], catalogue)
    return out.reset_index(drop=True)


def _factorize(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, dict]:
    """Integer codes of the distinct combinations of some text columns (codes of each column
    combined, without building tuples), and each combination's values by column name."""
    codes, uniques = zip(*(pd.factorize(frame[c]) for c in columns))
    combined, first = np.unique(np.ravel_multi_index(codes, [len(u) for u in uniques]),
                                return_inverse=True)
    parts = np.unravel_index(combined, [len(u) for u in uniques])
    values = {c: np.asarray(u, dtype=object)[p] for c, u, p in zip(columns, uniques, parts)}
    return first.ravel(), values


def sum_observations(observations: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Sum LSOA observations of counts to the areas the LSOAs belong to.

    Parameters
    ----------
    observations
        Observation-layout rows of one LSOA vintage (counts: Census cells, population).
    membership
        ``vintage``, ``lsoa_code``, ``area_code``, ``area_type`` and ``estimated``
        (:func:`pipeline.geography.national_membership`).

    Returns
    -------
    pandas.DataFrame
        Observation-layout rows, one per area, variable, period and category, sorted. A total
        with a member's value missing is missing (``[c]`` if a member was suppressed, else
        ``[x]``); the most serious member flag carries over, and ``[e]`` marks areas whose
        membership is ``estimated``.

    Notes
    -----
    Each observation is repeated once per area its LSOA belongs to and the repeats are summed
    with :func:`numpy.bincount` over integer codes of (area, variable x period x category): a
    population file of 3 million rows, each LSOA in four areas, takes about a second.
    """
    from pipeline.schema import OBSERVATIONS

    members = membership[membership["vintage"].isin(observations["area_type"].unique())]
    members = members.sort_values("lsoa_code", kind="stable")
    area_id, areas = _factorize(members, ["area_type", "area_code"])
    lsoa_id, lsoas = pd.factorize(members["lsoa_code"])
    n_areas = len(areas["area_code"])
    size = np.bincount(area_id, minlength=n_areas)
    estimated = np.bincount(area_id, weights=members["estimated"].to_numpy(dtype=float),
                            minlength=n_areas) > 0
    cell_id, cells = _factorize(observations, ["variable", "period", "category"])
    n_cells = len(cells["variable"])
    at = lsoas.get_indexer(observations["area_code"])
    rows = np.flatnonzero(at >= 0)
    if rows.size == 0:
        return pd.DataFrame(columns=list(OBSERVATIONS.columns))
    per_lsoa = np.bincount(lsoa_id, minlength=len(lsoas))
    first = np.concatenate([[0], np.cumsum(per_lsoa)[:-1]])
    repeats = per_lsoa[at[rows]]
    row = np.repeat(rows, repeats)
    offset = np.arange(row.size) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    key = area_id[np.repeat(first[at[rows]], repeats) + offset] * n_cells + cell_id[row]
    n_keys = n_areas * n_cells
    value = observations["value"].to_numpy(dtype=float)[row]
    present = ~np.isnan(value)
    total = np.bincount(key, weights=np.where(present, value, 0.0), minlength=n_keys)
    seen = np.bincount(key, minlength=n_keys)
    complete = np.bincount(key[present], minlength=n_keys) >= size.repeat(n_cells)
    ranks = flag_rank(observations["flag"])[row]
    flagged = ranks < NO_FLAG
    rank = np.full(n_keys, NO_FLAG)
    np.minimum.at(rank, key[flagged], ranks[flagged])
    suppressed = np.bincount(key[ranks == SUPPRESSED], minlength=n_keys) > 0
    rank = np.where(complete, rank, missing_value_rank(suppressed))
    rank = np.where(complete & estimated.repeat(n_cells), np.minimum(rank, FLAG_RANK["[e]"]),
                    rank)
    source = observations["source"].to_numpy(dtype=object)[
        pd.Series(np.arange(len(observations))).groupby(cell_id).first().to_numpy()]
    out_area, out_cell = np.divmod(np.flatnonzero(seen), n_cells)
    keyed = np.flatnonzero(seen)
    out = pd.DataFrame({
        "area_code": areas["area_code"][out_area], "area_type": areas["area_type"][out_area],
        "variable": cells["variable"][out_cell], "period": cells["period"][out_cell],
        "category": cells["category"][out_cell],
        "value": np.where(complete[keyed], total[keyed], np.nan),
        "flag": flag_from_rank(rank[keyed]),
        "source": source[out_cell],
    })
    return out.sort_values(["area_type", "area_code", "variable", "period", "category"],
                           ignore_index=True)
