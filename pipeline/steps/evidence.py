"""Step 2, evidence: where need is greatest, multiple need, the gap and inequality.

The "Identify characteristics of area and nature of the problem" step of the Floor Target Action
Plan method (design brief, section 2). For one district, or for the whole county (the county
overview), :func:`compute_evidence` computes once, from the prepared
:class:`~pipeline.context.AreaData`, everything the evidence page shows
(:class:`EvidenceResults`):

1. **Need rankings**: the area's LSOAs on the IMD 2019 (national rank and decile, domain
   deciles) with a few key indicators, and its localities ranked on the same indicators with
   their significance against the district (the county for the overview) -
   :func:`rank_lsoas`, :func:`rank_localities` (here).
2. **Multiple need** - :mod:`pipeline.steps.need`.
3. **The gap** and 4. **inequality** - :mod:`pipeline.steps.gaps`.

The page's text, tables and key messages are in :mod:`pipeline.pages.evidence`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from pipeline import datasets
from pipeline.context import PN_ALL, REST
from pipeline.errors import InputError
from pipeline.localities import TYPE_LABELS
from pipeline.schema import require_columns as _require
from pipeline.steps.benchmark import STORE_LEVEL, compare_at_level
from pipeline.steps.gaps import (
    GAP_TABLE_COLUMNS,
    county_deciles,
    decile_gradient,
    decile_rows,
    gap_chart_rows,
    gap_table,
    group_rows,
    inequality_table,
    priority_groups,
)
from pipeline.steps.need import (
    DOMAINS,
    EDITION,
    LSOA_KIND,
    ROW_COLUMNS,
    benchmark_values,
    deprivation_need,
    deprivation_thresholds,
    latest_rows,
    multiple_need,
    need_comparisons,
    suppress,
)
from pipeline.steps.similar import similar_summary

#: Indicators shown beside the IMD in the need rankings (latest period of each).
KEY_INDICATORS: tuple[str, ...] = (
    "crime_and_asb_rate",
    "c11_no_qualifications_pct",
    "c11_unemployed_pct",
    "c11_bad_health_pct",
)


# --------------------------------------------------------------------------------------------
# The area


@dataclass(frozen=True)
class EvidenceArea:
    """The district (or the whole county) the page is about."""

    code: str
    name: str
    is_county: bool
    county_code: str
    county_name: str
    england_code: str
    england_name: str
    lsoa_codes: tuple[str, ...]

    @property
    def pn_code(self) -> str:
        """Id of all its priority neighbourhoods together (``pn-all-<code>``)."""
        return PN_ALL + self.code

    @property
    def rest_code(self) -> str:
        """Id of the rest of the area (``rest-<code>``)."""
        return REST + self.code


def evidence_area(config: Any, lsoas: pd.DataFrame, district: str) -> EvidenceArea:
    """Resolve the notebook's ``district`` parameter (a district code or name, or the county
    code) into an :class:`EvidenceArea`.

    Raises
    ------
    InputError
        An unknown district, or one without LSOAs in the prepared data.
    """
    _require(lsoas, ["lsoa_code", "lad_code"], "evidence_area")
    county, england = config.county, config.england
    key = str(district).strip()
    if key in (county.code, county.name):
        codes = lsoas["lsoa_code"]
        code, name, is_county = county.code, county.name, True
    else:
        chosen = config.district(key)
        codes = lsoas.loc[lsoas["lad_code"] == chosen.code, "lsoa_code"]
        code, name, is_county = chosen.code, chosen.name, False
    if codes.empty:
        raise InputError(datasets.dataset("lsoas").pattern, f"no LSOAs for {name} ({code}) in the prepared data "
                                          "(run `python -m pipeline localities` again)")
    return EvidenceArea(code=code, name=name, is_county=is_county, county_code=county.code,
                        county_name=county.name, england_code=england.code,
                        england_name=england.name, lsoa_codes=tuple(sorted(codes)))


def area_localities(localities: pd.DataFrame, area: EvidenceArea) -> pd.DataFrame:
    """The area's localities (the county's: all), priority neighbourhoods first, then by type
    and name."""
    _require(localities, ["locality_id", "name", "type", "lad_code"], "area_localities")
    rows = localities if area.is_county else localities[localities["lad_code"] == area.code]
    order = {t: i for i, t in enumerate(TYPE_LABELS)}
    return (rows.assign(_order=rows["type"].map(order).fillna(len(order)))
            .sort_values(["_order", "name", "locality_id"]).drop(columns="_order")
            .reset_index(drop=True))


def priority_lsoas(membership: pd.DataFrame, area: EvidenceArea) -> pd.DataFrame:
    """The area's LSOAs that lie in a priority neighbourhood: ``lsoa_code``,
    ``priority_neighbourhood`` (its name), sorted by code."""
    _require(membership, ["locality_id", "name", "type", "lsoa_code"], "priority_lsoas")
    pn = membership[(membership["type"] == "priority_neighbourhood")
                    & membership["lsoa_code"].isin(area.lsoa_codes)]
    return (pn[["lsoa_code", "name"]].rename(columns={"name": "priority_neighbourhood"})
            .drop_duplicates("lsoa_code").sort_values("lsoa_code").reset_index(drop=True))



# --------------------------------------------------------------------------------------------
# Need rankings


def rank_lsoas(
    lsoas: pd.DataFrame,
    rows: pd.DataFrame,
    area: EvidenceArea,
    priority: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    key_indicators: Sequence[str] = KEY_INDICATORS,
    edition: str = EDITION,
    min_count: int = 5,
) -> pd.DataFrame:
    """The area's LSOAs ranked by need on the IMD, with domain deciles and key indicators.

    Parameters
    ----------
    lsoas
        LSOA attributes (``lsoa_code, lsoa_name, ward_name, lad_name, population``).
    rows
        Store rows of (at least) the area's LSOAs, working vintage.
    area
        The district or county.
    priority
        :func:`priority_lsoas` (LSOA -> priority neighbourhood name).
    catalogue
        The indicator catalogue.
    key_indicators
        Indicators shown beside the IMD (latest period of each), suppressed below ``min_count``.
    edition
        IoD edition (period) of the ranks and deciles.
    min_count
        Disclosure threshold.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA, most deprived first: ``lsoa_code, lsoa_name, ward_name, lad_name,
        priority_neighbourhood, population, imd_rank, imd_decile, area_rank`` (1 = most deprived
        in the area), the seven domain deciles (:data:`DOMAINS`), then for each key indicator
        ``<id>`` (value) and ``<id>_flag``.
    """
    _require(lsoas, ["lsoa_code", "lsoa_name", "ward_name", "lad_name", "population"],
             "rank_lsoas")
    _require(rows, ROW_COLUMNS, "rank_lsoas")
    base = lsoas[lsoas["lsoa_code"].isin(area.lsoa_codes)][
        ["lsoa_code", "lsoa_name", "ward_name", "lad_name", "population"]]
    base = base.merge(priority, on="lsoa_code", how="left")
    base["priority_neighbourhood"] = base["priority_neighbourhood"].fillna("")
    iod_ids = ["imd_rank", "imd_decile", *DOMAINS]
    iod = rows[rows["indicator_id"].isin(iod_ids) & (rows["period"] == edition)
               & rows["area_code"].isin(area.lsoa_codes)]
    wide = iod.pivot_table(index="area_code", columns="indicator_id", values="value",
                           aggfunc="first").reindex(columns=iod_ids)
    out = base.merge(wide, left_on="lsoa_code", right_index=True, how="left")
    known = [i for i in key_indicators if i in set(catalogue["id"])]
    keys = rows[rows["indicator_id"].isin(known) & rows["area_code"].isin(area.lsoa_codes)]
    keys = suppress(latest_rows(keys), min_count)
    values = keys.pivot_table(index="area_code", columns="indicator_id", values="value",
                              aggfunc="first", dropna=False).reindex(columns=known)
    flags = keys.pivot_table(index="area_code", columns="indicator_id", values="flag",
                             aggfunc="first").reindex(columns=known)
    flags.columns = [f"{c}_flag" for c in flags.columns]
    out = out.merge(values, left_on="lsoa_code", right_index=True, how="left")
    out = out.merge(flags, left_on="lsoa_code", right_index=True, how="left")
    out[list(flags.columns)] = out[list(flags.columns)].fillna("")
    out = out.sort_values(["imd_rank", "lsoa_code"], na_position="last").reset_index(drop=True)
    out.insert(out.columns.get_loc("imd_decile") + 1, "area_rank",
               out["imd_rank"].rank(method="min").astype("Int64"))
    return out


def indicator_periods(rows: pd.DataFrame, indicator_ids: Sequence[str]) -> dict[str, str]:
    """The latest period of each indicator in ``rows`` (for column headers)."""
    present = rows[rows["indicator_id"].isin(indicator_ids)]
    return present.groupby("indicator_id")["period"].max().to_dict()


def rank_localities(
    locality_rows: pd.DataFrame,
    localities: pd.DataFrame,
    benchmark_rows: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    key_indicators: Sequence[str] = KEY_INDICATORS,
    edition: str = EDITION,
    min_count: int = 5,
    level: float = STORE_LEVEL,
) -> pd.DataFrame:
    """The area's localities ranked by need, with key indicators compared with the district
    (intervals at ``level`` percent).

    Parameters
    ----------
    locality_rows
        Store-layout rows of the localities (``area_code`` = locality id).
    localities
        The localities to rank (:func:`area_localities`).
    benchmark_rows
        Store rows of the district (the county for the overview) to compare with.
    catalogue
        The indicator catalogue (polarity).
    key_indicators, edition, min_count
        As :func:`rank_lsoas`.

    Returns
    -------
    pandas.DataFrame
        One row per locality, most deprived first: ``locality_id, name, type,
        lsoas, population, imd_score`` (population-weighted IMD score of ``edition``),
        ``need_rank``, then per key indicator ``<id>``, ``<id>_flag`` and ``<id>_comparison``
        (category: better / similar / worse / not compared).
    """
    _require(locality_rows, ROW_COLUMNS, "rank_localities")
    _require(localities, ["locality_id", "name", "type", "lsoas", "population"],
             "rank_localities")
    _require(benchmark_rows, ["indicator_id", "period", "value"], "rank_localities")
    ids = localities["locality_id"]
    out = localities[["locality_id", "name", "type", "lsoas", "population"]].copy()
    mine = locality_rows[locality_rows["area_code"].isin(ids)]
    imd = mine[(mine["indicator_id"] == "imd_score") & (mine["period"] == edition)]
    out["imd_score"] = out["locality_id"].map(imd.set_index("area_code")["value"])
    known = [i for i in key_indicators if i in set(catalogue["id"])]
    keys = suppress(latest_rows(mine[mine["indicator_id"].isin(known)]), min_count)
    bench = benchmark_rows[["indicator_id", "period", "value"]].rename(
        columns={"value": "benchmark_value"}).drop_duplicates(["indicator_id", "period"])
    keys = keys.merge(bench, on=["indicator_id", "period"], how="left")
    polarity = keys["indicator_id"].map(catalogue.set_index("id")["polarity"])
    keys["comparison"] = compare_at_level(keys, keys["benchmark_value"], polarity.to_numpy(),
                                          catalogue, level).astype(str).to_numpy()
    for part, suffix in (("value", ""), ("flag", "_flag"), ("comparison", "_comparison")):
        wide = keys.pivot_table(index="area_code", columns="indicator_id", values=part,
                                aggfunc="first", dropna=False).reindex(columns=known)
        wide.columns = [f"{c}{suffix}" for c in wide.columns]
        out = out.merge(wide, left_on="locality_id", right_index=True, how="left")
    flag_columns = [f"{c}_flag" for c in known]
    out[flag_columns] = out[flag_columns].fillna("")
    out = out.sort_values(["imd_score", "name"], ascending=[False, True],
                          na_position="last").reset_index(drop=True)
    out.insert(out.columns.get_loc("imd_score") + 1, "need_rank",
               out["imd_score"].rank(method="min", ascending=False).astype("Int64"))
    return out




# --------------------------------------------------------------------------------------------
# Everything the page shows, computed once


@dataclass
class EvidenceResults:
    """Everything the evidence page shows for one district (or the county), computed once by
    :func:`compute_evidence`. Data only; tables about people have passed disclosure control.

    Attributes
    ----------
    area
        The district or county.
    min_count
        The disclosure threshold (numerators below it are suppressed).
    has_priority, priority, priority_count
        Whether the area has priority neighbourhoods; its LSOAs in one
        (:func:`priority_lsoas`); the number of priority neighbourhoods.
    lsoa_ranking, locality_ranking
        :func:`rank_lsoas` and :func:`rank_localities` (the county's with ``lad_name``).
    key_periods
        Latest period of each key indicator (:func:`indicator_periods`).
    indicator_titles, indicator_units
        Catalogue title and unit of every indicator in the tables, by id.
    district_names
        District name by code.
    comparisons, deprivation, need
        :func:`~pipeline.steps.need.need_comparisons`,
        :func:`~pipeline.steps.need.deprivation_need` and
        :func:`~pipeline.steps.need.multiple_need` of the area's LSOAs and localities.
    area_comparisons
        The area itself against its benchmarks (England for the county), with ``title, unit,
        polarity``.
    gaps, gap_chart_rows
        :func:`~pipeline.steps.gaps.gap_table` (empty without priority neighbourhoods) and
        :func:`~pipeline.steps.gaps.gap_chart_rows`.
    inequality, gradient
        :func:`~pipeline.steps.gaps.inequality_table` and
        :func:`~pipeline.steps.gaps.decile_gradient`.
    shapes
        The area's LSOA boundaries, sorted by code.
    similar
        The district against its similar districts (:func:`~pipeline.steps.similar.
        similar_summary`); empty for the county.
    """

    area: EvidenceArea
    min_count: int
    has_priority: bool
    priority: pd.DataFrame
    priority_count: int
    lsoa_ranking: pd.DataFrame
    locality_ranking: pd.DataFrame
    key_periods: dict[str, str]
    indicator_titles: dict[str, str]
    indicator_units: dict[str, str]
    comparisons: pd.DataFrame
    deprivation: pd.DataFrame
    need: pd.DataFrame
    area_comparisons: pd.DataFrame
    gaps: pd.DataFrame
    gap_chart_rows: pd.DataFrame
    inequality: pd.DataFrame
    gradient: pd.DataFrame
    shapes: gpd.GeoDataFrame
    comparison_level: float = 95.0
    similar: pd.DataFrame = field(default_factory=pd.DataFrame)


def _need_areas(lsoa_ranking: pd.DataFrame, localities: pd.DataFrame) -> pd.DataFrame:
    """The areas multiple need is counted for: LSOAs (named with their ward) and localities."""
    return pd.concat([
        pd.DataFrame({"area_code": lsoa_ranking["lsoa_code"],
                      "name": lsoa_ranking["lsoa_name"] + " (" + lsoa_ranking["ward_name"] + ")",
                      "kind": LSOA_KIND}),
        pd.DataFrame({"area_code": localities["locality_id"], "name": localities["name"],
                      "kind": localities["type"]}),
    ], ignore_index=True)


def _area_gaps(area_data: Any, area: EvidenceArea, priority: pd.DataFrame,
               lsoa_rows: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """The gap table of the area's priority neighbourhoods against the rest (the county's
    groups are aggregated from its LSOAs; a district's are prepared locality rows)."""
    catalogue = area_data.catalogue
    if priority.empty:
        return pd.DataFrame(columns=GAP_TABLE_COLUMNS)
    if area.is_county:
        groups = priority_groups(area_data.lsoas, priority, area)
        weights = area_data.lsoas.set_index("lsoa_code")["population"]
        pair_rows = group_rows(lsoa_rows, groups, catalogue, weights)
    else:
        rows = area_data.locality_rows
        pair_rows = rows[rows["area_code"].isin([area.pn_code, area.rest_code])]
    return gap_table(pair_rows, catalogue, group_a=area.pn_code, group_b=area.rest_code,
                     min_count=min_count)


def _area_comparisons(own_rows: pd.DataFrame, benchmarks: pd.DataFrame,
                      catalogue: pd.DataFrame, min_count: int, level: float = STORE_LEVEL
                      ) -> pd.DataFrame:
    """The area's own rates and proportions against its benchmarks, with title, unit and
    polarity (what its key messages are made from)."""
    compared = need_comparisons(own_rows, benchmarks, catalogue, min_count=min_count,
                                level=level)
    cat = catalogue.set_index("id")
    for column in ("title", "unit", "polarity"):
        compared[column] = compared["indicator_id"].map(cat[column])
    return compared


def compute_evidence(data: Any, district: str) -> EvidenceResults:
    """Compute the evidence page of a district (or the county) from the prepared data.

    A long sequence of independent steps (rankings, need, gap, inequality), kept in one place
    so the order of the analysis reads top to bottom.

    Parameters
    ----------
    data
        :class:`pipeline.context.AreaData`.
    district
        District code or name, or the county code (the county overview).

    Raises
    ------
    InputError
        Unknown district.
    """
    config, catalogue, store = data.config, data.catalogue, data.store
    min_count = int(config.min_count) if config.min_count else 1
    level = config.comparison_level
    area = evidence_area(config, data.lsoas, district)
    vintage = store["area_type"] == config.working_vintage
    lsoa_rows = store[vintage & store["area_code"].isin(data.lsoas["lsoa_code"])]
    area_lsoa_rows = lsoa_rows[lsoa_rows["area_code"].isin(area.lsoa_codes)]
    national = data.national_rows([*DOMAINS, *DOMAINS.values()], EDITION)
    wider = store[store["area_code"].isin([config.county.code, config.england.code])]
    own = store[store["area_code"] == area.code]

    priority = priority_lsoas(data.membership, area)
    localities = area_localities(data.localities, area)
    loc_rows = data.locality_rows[data.locality_rows["area_code"].isin(localities["locality_id"])]
    lsoa_ranking = rank_lsoas(data.lsoas, area_lsoa_rows, area, priority, catalogue,
                              min_count=min_count)
    locality_ranking = rank_localities(loc_rows, localities, own, catalogue, min_count=min_count,
                                       level=level)
    if area.is_county:
        locality_ranking["lad_name"] = locality_ranking["locality_id"].map(
            data.localities.set_index("locality_id")["lad_code"]).map(
            {d.code: d.name for d in config.districts})

    benchmarks = benchmark_values(wider, england_code=config.england.code,
                                  england_name=config.england.name,
                                  county_code=config.county.code, county_name=config.county.name)
    need_rows = pd.concat([area_lsoa_rows, loc_rows], ignore_index=True)
    comparisons = need_comparisons(need_rows, benchmarks, catalogue, min_count=min_count,
                                   level=level)
    deprivation = deprivation_need(need_rows, deprivation_thresholds(national), catalogue)
    need = multiple_need(comparisons, deprivation, _need_areas(lsoa_ranking, localities),
                         catalogue)
    own_benchmarks = benchmarks[benchmarks["benchmark"] == config.england.name] \
        if area.is_county else benchmarks

    gaps = _area_gaps(data, area, priority, lsoa_rows, min_count)
    weights = data.lsoas.set_index("lsoa_code")["population"]
    by_decile = decile_rows(lsoa_rows, county_deciles(data.lsoas), area.lsoa_codes, catalogue,
                            weights, min_count=min_count)
    inequality = inequality_table(by_decile, catalogue)
    shown_ids = [*KEY_INDICATORS, *DOMAINS]
    cat = catalogue.set_index("id")
    shapes = data.boundaries[data.boundaries["lsoa_code"].isin(area.lsoa_codes)]
    return EvidenceResults(
        area=area, min_count=config.min_count, has_priority=not priority.empty,
        priority=priority,
        priority_count=int(localities["type"].eq("priority_neighbourhood").sum()),
        lsoa_ranking=lsoa_ranking, locality_ranking=locality_ranking,
        key_periods=indicator_periods(area_lsoa_rows, KEY_INDICATORS),
        indicator_titles={i: str(cat.at[i, "title"]) for i in shown_ids if i in cat.index},
        indicator_units={i: str(cat.at[i, "unit"]) for i in shown_ids if i in cat.index},
        comparisons=comparisons, deprivation=deprivation, need=need,
        area_comparisons=_area_comparisons(own, own_benchmarks, catalogue, min_count, level),
        gaps=gaps, gap_chart_rows=gap_chart_rows(gaps), inequality=inequality,
        gradient=decile_gradient(by_decile, inequality),
        shapes=shapes.sort_values("lsoa_code").reset_index(drop=True),
        comparison_level=level,
        similar=similar_summary(own, store, catalogue, data.similar,
                                area.code),
    )
