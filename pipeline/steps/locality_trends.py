"""The locality profile's trends: values over time of a locality and its district.

Crime rates by calendar year, the population (indexed to its first year, so areas of different
sizes share an axis) and the share of the locality's LSOAs in England's most deprived 20% in each
edition of the Indices of Deprivation (:func:`deprived_share`). Computation only; the page
(:mod:`pipeline.pages.profile`) draws and tabulates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.schema import require_columns as _require

#: Indicators with several periods followed on the trends chart and table.
TREND_INDICATORS: tuple[str, ...] = (
    "crime_and_asb_rate", "crime_rate", "asb_rate", "burglary_rate",
    "violence_sexual_offences_rate", "criminal_damage_arson_rate", "vehicle_crime_rate",
    "population_total",
)

#: The trend of the share of LSOAs in England's most deprived 20% (IMD deciles 1-2).
DEPRIVED_SHARE_ID = "imd_deciles_1_2_share"
DEPRIVED_SHARE_TITLE = "LSOAs in England's most deprived 20%"
DEPRIVED_SHARE_UNIT = "% of LSOAs"


def deprived_share(deciles: pd.DataFrame, groups: pd.DataFrame, *, max_decile: int = 2
                   ) -> pd.DataFrame:
    """The share of each group's LSOAs in England's most deprived deciles, per IoD edition.

    Deciles, not ranks, are compared across editions (ranks of different editions run over
    different numbers of LSOAs).

    Parameters
    ----------
    deciles
        Store-layout ``imd_decile`` rows of LSOAs (``area_code``, ``period``, ``value``,
        optional ``flag``); other indicators are ignored.
    groups
        ``area_code`` (the group) and ``lsoa_code``.
    max_decile
        Deciles 1 to ``max_decile`` count as deprived (default 2: the most deprived 20%).

    Returns
    -------
    pandas.DataFrame
        ``area_code, indicator_id, period, category`` ('') , ``value`` (% of the group's
        LSOAs with a decile),
        ``lsoas``, ``deprived_lsoas``, ``flag`` (``[e]`` when any member decile was estimated).
        ``numerator``/``denominator`` stay empty: LSOA counts are not counts of people.
    """
    _require(deciles, ["area_code", "period", "value"], "deprived_share")
    _require(groups, ["area_code", "lsoa_code"], "deprived_share")
    if not 1 <= int(max_decile) <= 10:
        raise ValueError(f"deprived_share: max_decile must be 1-10, got {max_decile!r}")
    rows = deciles
    if "indicator_id" in rows.columns:
        rows = rows[rows["indicator_id"] == "imd_decile"]
    rows = rows[rows["value"].notna()]
    flags = rows["flag"].fillna("") if "flag" in rows.columns else pd.Series("", index=rows.index)
    members = groups[["area_code", "lsoa_code"]].merge(
        pd.DataFrame({"lsoa_code": rows["area_code"], "period": rows["period"].astype(str),
                      "deprived": rows["value"] <= max_decile,
                      "estimated": flags == "[e]"}), on="lsoa_code")
    out = (members.groupby(["area_code", "period"])
           .agg(lsoas=("lsoa_code", "nunique"), deprived_lsoas=("deprived", "sum"),
                estimated=("estimated", "any")).reset_index())
    out["value"] = out["deprived_lsoas"] / out["lsoas"] * 100
    out["flag"] = np.where(out["estimated"], "[e]", "")
    out["indicator_id"] = DEPRIVED_SHARE_ID
    out["category"] = ""
    out[["numerator", "denominator", "lower_ci", "upper_ci"]] = np.nan
    out["deprived_lsoas"] = out["deprived_lsoas"].astype(int)
    return out[["area_code", "indicator_id", "period", "category", "value", "lsoas",
                "deprived_lsoas", "numerator", "denominator", "lower_ci", "upper_ci", "flag"]]


def trend_data(
    rows: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    area_names: Mapping[str, str],
    indicator_ids: Sequence[str] = TREND_INDICATORS,
    min_periods: int = 2,
) -> pd.DataFrame:
    """Values over time of the locality and its comparators, for indicators with several periods.

    Parameters
    ----------
    rows
        Store-layout rows (``category`` '' only is used) of the areas in ``area_names``; rows
        of :func:`deprived_share` may be included (indicator ``imd_deciles_1_2_share``).
    catalogue
        The indicator catalogue (titles, units, aggregation).
    area_names
        Area code -> display name, in display order (the locality first).
    indicator_ids
        Indicators to follow, in display order; ``imd_deciles_1_2_share`` is always added last
        when present in ``rows``.
    min_periods
        An indicator is kept when the first area has at least this many periods with a value.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, title, unit, area_code, area_name, period, value, lower_ci,
        upper_ci, numerator, denominator, flag, chart_value, chart_unit``; ``chart_value`` is
        the value, except for counts (aggregation ``sum``, e.g. the population), which are
        indexed to their first period = 100 so areas of different sizes share an axis;
        ``chart_unit`` says so (and is ``%`` for the deprived share).
    """
    _require(rows, ["area_code", "indicator_id", "period", "value"], "trend_data")
    _require(catalogue, ["id", "title", "unit", "aggregation"], "trend_data")
    if not area_names:
        raise ValueError("trend_data: area_names must name at least one area")
    cat = catalogue.set_index("id")
    wanted = [i for i in indicator_ids if i != DEPRIVED_SHARE_ID] + [DEPRIVED_SHARE_ID]
    data = rows[rows["indicator_id"].isin(wanted) & rows["area_code"].isin(list(area_names))]
    if "category" in data.columns:
        data = data[data["category"].fillna("").astype(str) == ""]
    data = data.copy()
    for column in ("numerator", "denominator", "lower_ci", "upper_ci"):
        if column not in data.columns:
            data[column] = np.nan
    data["flag"] = data["flag"].fillna("") if "flag" in data.columns else ""
    data["period"] = data["period"].astype(str)
    first_area = next(iter(area_names))
    counts = (data[(data["area_code"] == first_area) & (data["value"].notna()
                                                        | (data["flag"] == "[c]"))]
              .groupby("indicator_id")["period"].nunique())
    keep = [i for i in wanted if counts.get(i, 0) >= min_periods]
    data = data[data["indicator_id"].isin(keep)]
    titles = cat["title"].to_dict() | {DEPRIVED_SHARE_ID: DEPRIVED_SHARE_TITLE}
    units = cat["unit"].to_dict() | {DEPRIVED_SHARE_ID: DEPRIVED_SHARE_UNIT}
    data["title"] = data["indicator_id"].map(titles)
    data["unit"] = data["indicator_id"].map(units)
    data["area_name"] = data["area_code"].map(area_names)
    data = data.sort_values(["indicator_id", "area_code", "period"], key=lambda s: (
        s.map({i: n for n, i in enumerate(keep)}) if s.name == "indicator_id" else
        s.map({c: n for n, c in enumerate(area_names)}) if s.name == "area_code" else s))
    is_count = data["indicator_id"].map(cat["aggregation"]).eq("sum").to_numpy()
    first = data.groupby(["indicator_id", "area_code"])["value"].transform("first")
    data["chart_value"] = np.where(is_count, data["value"] / first * 100, data["value"])
    data["chart_unit"] = np.where(
        is_count, "index, " + data.groupby("indicator_id")["period"].transform("first")
        + " = 100", data["unit"].replace(DEPRIVED_SHARE_UNIT, "%"))
    return data[["indicator_id", "title", "unit", "area_code", "area_name", "period", "value",
                 "lower_ci", "upper_ci", "numerator", "denominator", "flag", "chart_value",
                 "chart_unit"]].reset_index(drop=True)
