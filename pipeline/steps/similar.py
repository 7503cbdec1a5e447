"""Similar districts as a comparator: the group's combined value and the area's rank in it.

Which districts are similar is decided once at ingest (:mod:`pipeline.similar`, where the
method is described); here a district's group is combined (numerators and denominators added)
and the district is ranked among it. A comparison group, not a benchmark of significance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.aggregate import aggregate
from pipeline.schema import require_columns as _require
from pipeline.similar import SIMILAR_COLUMNS


def similar_of(similar: pd.DataFrame | None, district_code: str) -> pd.DataFrame:
    """The similar districts of one district, nearest first (empty for the county, a
    district without them, or a run without the table: ``similar`` ``None``)."""
    if similar is None:
        return pd.DataFrame(columns=SIMILAR_COLUMNS)
    _require(similar, SIMILAR_COLUMNS, "similar_of", "the similar-districts table")
    mine = similar[similar["district_code"] == district_code]
    return mine.sort_values("rank").reset_index(drop=True)


def similar_group_rows(store: pd.DataFrame, catalogue: pd.DataFrame, group: pd.DataFrame,
                       group_code: str) -> pd.DataFrame:
    """The similar districts together as one area: store-layout rows (``area_type``
    ``SIMILAR``, ``area_code`` ``group_code``) of every indicator all of them have.

    Shares and rates add the districts' numerators and denominators (intervals recomputed);
    scores are weighted by the districts' latest population (:func:`pipeline.aggregate.
    aggregate`); an indicator missing for any of the districts is left out.
    """
    _require(group, ["similar_code"], "similar_group_rows", "the similar districts")
    members = pd.DataFrame({"area_code": group_code, "lsoa_code": group["similar_code"]})
    districts = store[(store["area_type"] == "LAD") & store["area_code"].isin(members["lsoa_code"])
                      & (store["category"] == "")]
    population = districts[districts["indicator_id"] == "population_total"]
    weights = population.sort_values("period").groupby("area_code")["value"].last()
    rows = aggregate(districts, members, catalogue, weights, area_type="SIMILAR")
    return rows[rows["value"].notna()].reset_index(drop=True)


def similar_comparison(table: pd.DataFrame, store: pd.DataFrame, group_rows: pd.DataFrame,
                       group: pd.DataFrame) -> pd.DataFrame:
    """Add the similar districts to a table of the area's latest values.

    Parameters
    ----------
    table
        One row per indicator with ``indicator_id``, ``period``, ``value`` (the area's).
    store
        Store rows with the ``LAD`` rows of the similar districts.
    group_rows
        :func:`similar_group_rows` of the group.
    group
        The similar districts (``similar_code``).

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``similar_value``, ``similar_lower_ci``, ``similar_upper_ci``,
        ``similar_flag``, ``similar_rank`` (the area's rank among itself and the districts
        with a value for the same period, 1 = highest value; NaN where it has none) and
        ``similar_count`` (how many were ranked).
    """
    _require(table, ["indicator_id", "period", "value"], "similar_comparison", "the table")
    rows = group_rows[["indicator_id", "period", "value", "lower_ci", "upper_ci", "flag"]]
    out = table.merge(rows.rename(columns={c: f"similar_{c}" for c in
                                           ("value", "lower_ci", "upper_ci", "flag")}),
                      on=["indicator_id", "period"], how="left")
    out["similar_flag"] = out["similar_flag"].fillna("")
    peers = store[(store["area_type"] == "LAD") & store["area_code"].isin(group["similar_code"])
                  & (store["category"] == "") & store["value"].notna()]
    peers = peers[["indicator_id", "period", "value"]].rename(columns={"value": "peer"})
    ranked = out[["indicator_id", "period", "value"]].dropna().merge(
        peers, on=["indicator_id", "period"])
    ranked["above"] = ranked["peer"] > ranked["value"]
    counts = ranked.groupby(["indicator_id", "period"]).agg(
        above=("above", "sum"), peers=("peer", "size")).reset_index()
    out = out.merge(counts, on=["indicator_id", "period"], how="left")
    has = out["peers"].notna() & out["value"].notna()
    out["similar_rank"] = np.where(has, out["above"] + 1, np.nan)
    out["similar_count"] = np.where(has, out["peers"] + 1, np.nan)
    return out.drop(columns=["above", "peers"])


#: Columns :func:`with_similar` adds.
SIMILAR_TABLE_COLUMNS = ["similar_value", "similar_lower_ci", "similar_upper_ci",
                         "similar_flag", "similar_rank", "similar_count"]


def with_similar(table: pd.DataFrame, store: pd.DataFrame, catalogue: pd.DataFrame,
                 similar: pd.DataFrame | None, district_code: str) -> pd.DataFrame:
    """A table of the district's latest values with its similar districts' combined value and
    its rank among them (:func:`similar_comparison`); empty columns for an area without similar
    districts (the county overview, or no ``similar`` table)."""
    group = similar_of(similar, district_code)
    if group.empty:
        out = table.copy()
        for column in SIMILAR_TABLE_COLUMNS:
            out[column] = "" if column == "similar_flag" else np.nan
        return out
    rows = similar_group_rows(store, catalogue, group, f"similar-{district_code}")
    return similar_comparison(table, store, rows, group)


def similar_summary(own_rows: pd.DataFrame, store: pd.DataFrame, catalogue: pd.DataFrame,
                    similar: pd.DataFrame | None, district_code: str) -> pd.DataFrame:
    """The district's latest value of every indicator its similar districts have a combined
    value for, with that value and the district's rank (:func:`with_similar`).

    Returns ``indicator_id``, ``title``, ``unit``, ``period``, ``value``, ``lower_ci``,
    ``upper_ci``, ``flag`` and :data:`SIMILAR_TABLE_COLUMNS`, sorted by title; empty for an
    area without similar districts.
    """
    _require(own_rows, ["indicator_id", "period", "category", "value", "lower_ci", "upper_ci",
                        "flag"], "similar_summary", "the area's rows")
    rows = own_rows[(own_rows["category"] == "") & own_rows["value"].notna()]
    latest = rows.sort_values("period").groupby("indicator_id").tail(1)
    table = latest[["indicator_id", "period", "value", "lower_ci", "upper_ci", "flag"]]
    out = with_similar(table, store, catalogue, similar, district_code)
    out = out[out["similar_value"].notna()].copy()
    cat = catalogue.set_index("id")
    out["title"] = out["indicator_id"].map(cat["title"])
    out["unit"] = out["indicator_id"].map(cat["unit"])
    columns = ["indicator_id", "title", "unit", "period", "value", "lower_ci", "upper_ci",
               "flag", *SIMILAR_TABLE_COLUMNS]
    return out.sort_values("title")[columns].reset_index(drop=True)
