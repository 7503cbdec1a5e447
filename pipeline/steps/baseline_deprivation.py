"""Baseline tables about deprivation and places: the IoD district summaries (File 10), the
area's spread over the national IMD deciles in every IoD edition, and the values of each
neighbourhood (LSOA) for maps.

LSOAs are counted here, not people, except in :func:`map_values`, whose values pass disclosure
control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.config import Area
from pipeline.schema import require_columns as _require
from pipeline.steps.baseline_area import (
    ROLE_ORDER,
    STORE_NEEDED,
    BaselineArea,
    area_rows,
    catalogue_by_id,
    suppress,
)

FILE10_MEASURES: dict[str, str] = {
    "imd_average_score": "imd_rank_of_average_score",
    "imd_average_rank": "imd_rank_of_average_rank",
    "imd_proportion_most_deprived_10pct": "imd_rank_of_proportion_most_deprived_10pct",
    "imd_extent": "imd_rank_of_extent",
    "imd_local_concentration": "imd_rank_of_local_concentration",
}


def imd_summary(store: pd.DataFrame, catalogue: pd.DataFrame, district_codes: Sequence[str],
                names: Mapping[str, str] | None = None, *, period: str = "2019") -> pd.DataFrame:
    """The IoD File 10 summary measures of districts, with their rank among all districts.

    Parameters
    ----------
    store, catalogue
        The indicator store (LAD rows of ``imd_average_score``, ``imd_rank_of_average_score``
        ...) and the catalogue (titles, definitions).
    district_codes
        The districts to report (one for a district page, all of the county's for the
        county overview).
    names
        District code -> name (default: the code).
    period
        The IoD edition of File 10 (``"2019"``).

    Returns
    -------
    pandas.DataFrame
        One row per district x measure: ``area_code``, ``area_name``, ``indicator_id``,
        ``title``, ``definition``, ``unit``, ``period``, ``value``, ``rank`` (1 = most
        deprived), ``out_of`` (number of districts ranked, 317 in 2019).

    Raises
    ------
    ValueError
        Missing columns, or none of the districts has File 10 rows for ``period``.
    """
    _require(store, ["area_code", "area_type", "indicator_id", "period", "value"], "imd_summary",
             "the store")
    cat = catalogue_by_id(catalogue)
    ids = list(FILE10_MEASURES) + list(FILE10_MEASURES.values())
    lad = store[(store["area_type"] == "LAD") & (store["period"] == str(period))
                & store["indicator_id"].isin(ids)]
    out_of = lad[lad["indicator_id"] == "imd_rank_of_average_score"]["area_code"].nunique()
    wanted = lad[lad["area_code"].isin(list(district_codes))]
    if wanted.empty:
        raise ValueError(f"imd_summary: no IoD {period} district summaries (File 10) for "
                         f"{', '.join(district_codes)} in the store")
    values = wanted.pivot_table(index="area_code", columns="indicator_id", values="value",
                                aggfunc="first")
    rows = []
    for measure, rank_id in FILE10_MEASURES.items():  # five measures
        if measure not in values:
            continue
        part = pd.DataFrame({"area_code": values.index, "indicator_id": measure,
                             "value": values[measure].to_numpy(),
                             "rank": values[rank_id].to_numpy() if rank_id in values
                             else np.nan})
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    names = dict(names or {})
    out["area_name"] = out["area_code"].map(lambda c: names.get(c, c))
    out["title"] = out["indicator_id"].map(cat["title"])
    out["definition"] = out["indicator_id"].map(cat["definition"]) \
        if "definition" in cat else ""
    out["unit"] = out["indicator_id"].map(cat["unit"])
    out["period"] = str(period)
    out["out_of"] = out_of
    order = {m: i for i, m in enumerate(FILE10_MEASURES)}
    codes = {c: i for i, c in enumerate(district_codes)}
    out = out.sort_values(["area_code", "indicator_id"],
                          key=lambda s: s.map(codes) if s.name == "area_code" else s.map(order))
    return out[["area_code", "area_name", "indicator_id", "title", "definition", "unit",
                "period", "value", "rank", "out_of"]].reset_index(drop=True)


def imd_area_summary(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea,
                     districts: Sequence[Area], *, period: str = "2019") -> pd.DataFrame:
    """:func:`imd_summary` for a page: the district itself, or every district of the county for
    the county overview (File 10 has no county rows), named from ``districts``."""
    names = {d.code: d.name for d in districts}
    codes = list(names) if area.is_county else [area.code]
    return imd_summary(store, catalogue, codes, names, period=period)


def imd_summary_wide(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`imd_summary` rows turned into one row per district (for the county overview):
    ``area_code``, ``area_name`` and, per measure, ``<indicator_id>`` and
    ``<indicator_id>_rank``; ordered from the most deprived (rank of average score)."""
    _require(summary, ["area_code", "area_name", "indicator_id", "value", "rank"],
             "imd_summary_wide", "the IMD summary")
    values = summary.pivot_table(index=["area_code", "area_name"], columns="indicator_id",
                                 values="value", aggfunc="first")
    ranks = summary.pivot_table(index=["area_code", "area_name"], columns="indicator_id",
                                values="rank", aggfunc="first").add_suffix("_rank")
    wide = pd.concat([values, ranks], axis=1).reset_index()
    wide.columns.name = None
    if "imd_average_score_rank" in wide:
        wide = wide.sort_values(["imd_average_score_rank", "area_code"])
    return wide.reset_index(drop=True)


def imd_score_comparison(store: pd.DataFrame, area: BaselineArea, *,
                         period: str = "2019") -> pd.DataFrame:
    """The population-weighted average IMD score of the area, its county and England for one
    edition (the edition England has: 2015 or 2019 in the shipped data).

    Returns
    -------
    pandas.DataFrame
        ``role``, ``area_code``, ``area_name``, ``period``, ``value``, ``flag`` (one row per
        area that has the score; England is missing if the store has no England row).
    """
    _require(store, STORE_NEEDED, "imd_score_comparison", "the store")
    rows = area_rows(store, area)
    rows = rows[(rows["indicator_id"] == "imd_score") & (rows["period"] == str(period))]
    rows = rows.sort_values("role", key=lambda s: s.map(ROLE_ORDER))
    return rows[["role", "area_code", "area_name", "period", "value", "flag"]].reset_index(
        drop=True)


def imd_editions_profile(store: pd.DataFrame, area: BaselineArea, *,
                         indicator_id: str = "imd_decile") -> pd.DataFrame:
    """How the area's LSOAs spread over the national IMD deciles in every IoD edition.

    Deciles are compared across editions rather than ranks, because ranks of different editions
    run over different numbers of LSOAs (32,482 in 2004-2010, 32,844 in 2015/2019, 33,755 in
    2025) and are not comparable. Editions published on other LSOA vintages were moved onto
    the working vintage by the ingest; LSOAs whose boundaries changed carry an estimated
    (possibly fractional) decile, flagged ``[e]``, which is rounded to the nearest decile here
    (halves towards the less deprived decile) and counted in ``estimated_lsoas``.

    Returns
    -------
    pandas.DataFrame
        One row per role (area, county) x edition x decile 1-10: ``role``, ``area_code``,
        ``area_name``, ``edition``, ``decile``, ``lsoas``, ``share`` (% of the area's LSOAs
        with a decile in that edition), ``estimated_lsoas``. Every decile appears (0 LSOAs
        included). LSOAs are counted, not people, so no disclosure control applies.

    Raises
    ------
    ValueError
        Missing columns, or no LSOA deciles for the area.
    """
    _require(store, ["area_code", "area_type", "indicator_id", "period", "value", "flag"],
             "imd_editions_profile", "the store")
    rows = store[(store["area_type"] == area.working_vintage)
                 & (store["indicator_id"] == indicator_id) & store["value"].notna()]
    merged = area.lsoa_groups().merge(
        rows[["area_code", "period", "value", "flag"]].rename(columns={"area_code": "lsoa_code"}),
        on="lsoa_code")
    if merged[merged["role"] == "area"].empty:
        raise ValueError(f"imd_editions_profile: no {indicator_id} values for the LSOAs of "
                         f"{area.name}")
    merged["decile"] = np.clip(np.floor(merged["value"].astype(float) + 0.5), 1, 10).astype(int)
    merged["estimated"] = merged["flag"] == "[e]"
    counts = (merged.groupby(["role", "area_code", "area_name", "period", "decile"])
              .agg(lsoas=("lsoa_code", "size"), estimated_lsoas=("estimated", "sum"))
              .reset_index())
    keys = counts[["role", "area_code", "area_name", "period"]].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"decile": range(1, 11)}), how="cross")
    out = grid.merge(counts, on=["role", "area_code", "area_name", "period", "decile"],
                     how="left").fillna({"lsoas": 0, "estimated_lsoas": 0})
    out["lsoas"] = out["lsoas"].astype(int)
    out["estimated_lsoas"] = out["estimated_lsoas"].astype(int)
    out["share"] = 100 * out["lsoas"] / out.groupby(["role", "period"])["lsoas"].transform("sum")
    out = out.rename(columns={"period": "edition"})
    out = out.sort_values(["role", "edition", "decile"],
                          key=lambda s: s.map(ROLE_ORDER) if s.name == "role" else s)
    return out[["role", "area_code", "area_name", "edition", "decile", "lsoas", "share",
                "estimated_lsoas"]].reset_index(drop=True)


def imd_editions_summary(profile: pd.DataFrame) -> pd.DataFrame:
    """Per area and IoD edition: LSOAs, and the % in the most deprived 10% and 20% and the
    least deprived 20% nationally (from :func:`imd_editions_profile`)."""
    _require(profile, ["role", "area_code", "area_name", "edition", "decile", "lsoas"],
             "imd_editions_summary", "the editions profile")
    p = profile.assign(
        d10=profile["lsoas"].where(profile["decile"] <= 1, 0),
        d20=profile["lsoas"].where(profile["decile"] <= 2, 0),
        top20=profile["lsoas"].where(profile["decile"] >= 9, 0),
        est=profile.get("estimated_lsoas", 0))
    out = (p.groupby(["role", "area_code", "area_name", "edition"], sort=False)
           .agg(lsoas=("lsoas", "sum"), d10=("d10", "sum"), d20=("d20", "sum"),
                top20=("top20", "sum"), estimated_lsoas=("est", "sum")).reset_index())
    out["most_deprived_10_pct"] = 100 * out["d10"] / out["lsoas"]
    out["most_deprived_20_pct"] = 100 * out["d20"] / out["lsoas"]
    out["least_deprived_20_pct"] = 100 * out["top20"] / out["lsoas"]
    out = out.rename(columns={"d20": "most_deprived_20_lsoas"})
    return out[["role", "area_code", "area_name", "edition", "lsoas", "most_deprived_20_lsoas",
                "most_deprived_10_pct", "most_deprived_20_pct", "least_deprived_20_pct",
                "estimated_lsoas"]]



# --------------------------------------------------------------------------------------------
# Maps


def area_shapes(boundaries: gpd.GeoDataFrame, area: BaselineArea) -> gpd.GeoDataFrame:
    """The boundaries of the area's LSOAs (``lsoa_code``, ``geometry``), sorted by code."""
    _require(boundaries, ["lsoa_code", "geometry"], "area_shapes", "the boundaries")
    shapes = boundaries[boundaries["lsoa_code"].isin(area.lsoa_codes)]
    if shapes.empty:
        raise ValueError(f"area_shapes: no boundaries for the LSOAs of {area.name}")
    return shapes.sort_values("lsoa_code").reset_index(drop=True)


def priority_lsoas(membership: pd.DataFrame, area: BaselineArea) -> list[str]:
    """LSOA codes of the priority neighbourhoods within the area (sorted; may be empty)."""
    _require(membership, ["type", "lsoa_code"], "priority_lsoas", "the locality membership")
    pn = membership.loc[membership["type"] == "priority_neighbourhood", "lsoa_code"]
    return sorted(set(pn) & set(area.lsoa_codes))


def area_lsoa_names(lsoas: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """The names (and wards, where known) of the area's LSOAs: ``lsoa_code``, ``lsoa_name``
    and ``ward_name``, sorted by code."""
    _require(lsoas, ["lsoa_code", "lsoa_name"], "area_lsoa_names", "the LSOA table")
    columns = ["lsoa_code", "lsoa_name"] + (["ward_name"] if "ward_name" in lsoas else [])
    names = lsoas.loc[lsoas["lsoa_code"].isin(area.lsoa_codes), columns]
    return names.sort_values("lsoa_code").reset_index(drop=True)


def map_values(store: pd.DataFrame, lsoas: pd.DataFrame, area: BaselineArea, indicator_id: str,
               *, period: str | None = None, priority: Iterable[str] = (),
               min_count: int = 5) -> pd.DataFrame:
    """Each of the area's LSOAs with one indicator's value, for a map and its download.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``lsoa_name``, ``ward_name``, ``indicator_id``, ``period``, ``value``,
        ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``, ``flag``,
        ``priority_neighbourhood``; one row per LSOA of the area (missing values stay, so the
        map shows them grey), sorted by code. Small numbers are suppressed. Where the data
        have no LSOA value of the indicator (for ``period``) every row is flagged ``[x]``
        (period ``""`` when none is asked for).

    Raises
    ------
    ValueError
        Missing columns.
    """
    _require(store, STORE_NEEDED, "map_values", "the store")
    _require(lsoas, ["lsoa_code", "lsoa_name"], "map_values", "the LSOA table")
    rows = store[(store["area_type"] == area.working_vintage)
                 & (store["indicator_id"] == indicator_id) & (store["category"] == "")
                 & store["area_code"].isin(area.lsoa_codes)]
    if period is None:
        period = max(rows["period"]) if len(rows) else ""
    period = str(period)
    rows = suppress(rows[rows["period"] == period].rename(columns={"area_code": "lsoa_code"}),
                    min_count)
    base = lsoas[lsoas["lsoa_code"].isin(area.lsoa_codes)]
    columns = ["lsoa_code", "lsoa_name"] + (["ward_name"] if "ward_name" in base else [])
    out = base[columns].merge(rows[["lsoa_code", "indicator_id", "period", "value", "lower_ci",
                                    "upper_ci", "numerator", "denominator", "flag"]],
                              on="lsoa_code", how="left")
    out["indicator_id"] = indicator_id
    out["period"] = period
    out["flag"] = out["flag"].fillna("[x]").where(out["value"].notna() | out["flag"].notna(),
                                                  "[x]")
    out["priority_neighbourhood"] = out["lsoa_code"].isin(set(priority))
    return out.sort_values("lsoa_code").reset_index(drop=True)

