"""Aggregating LSOA indicator rows to larger areas (localities, districts, county, England).

Counts and rates: numerators and denominators are added, then the value and its interval are
recomputed (rates are never averaged). Scores: population-weighted mean. Ranks and deciles are
not aggregated (the IMD summary measures in :mod:`pipeline.imd_summary` describe larger areas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.indicators import (
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
