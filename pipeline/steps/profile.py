"""The locality profile: one page per priority neighbourhood, forum area, rural area and town.

Computation only (frames in, frames out, no file reading, no reader-facing text): the
locality's population and age structure, its indicators set against the county's LSOAs, the
district, the county and England (the spine chart: :mod:`pipeline.steps.spine`), its trends
(:mod:`pipeline.steps.locality_trends`), the findings its key messages are ranked from, its map
values and the targets that concern it.
:func:`compute_profile` wires them together into a data-only :class:`ProfileResults`;
:meth:`pipeline.results.DistrictResults.profile` reads what it needs and
:mod:`pipeline.pages.profile` presents it.

Conventions
-----------
* Store-layout rows (``area_code, indicator_id, period, category, value, numerator, denominator,
  lower_ci, upper_ci, unit, flag``) go in; only ``category == ''`` rows are used.
* Every table about people passes :func:`protect` (disclosure control ``[c]`` and the low
  reliability flag ``[u]``) before it is kept in the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline import datasets
from pipeline.errors import InputError
from pipeline.schema import require_columns as _require
from pipeline.stats import flag_low_reliability, suppress_small_numbers
from pipeline.steps.locality_trends import (  # noqa: F401  (re-exported)
    DEPRIVED_SHARE_ID,
    TREND_INDICATORS,
    deprived_share,
    trend_data,
)
from pipeline.steps.messages import top_findings
from pipeline.steps.spine import (  # noqa: F401  (re-exported: the profile's spine data)
    DIVERSITY_INDICATORS,
    FINDING_COLUMNS,
    SPINE_COLUMNS,
    comparison_findings,
    diversity_rows,
    lsoa_spread,
    spine_data,
)
from pipeline.steps.target_areas import concerns
from pipeline.steps.trends import empty_trends, with_trends

if TYPE_CHECKING:
    from pipeline.context import AreaData

#: Broad age bands of the age structure: (label, first age, last age); 90 = "90 and over".
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-15", 0, 15), ("16-24", 16, 24), ("25-44", 25, 44), ("45-64", 45, 64),
    ("65-74", 65, 74), ("75-84", 75, 84), ("85+", 85, 200),
)

#: Columns of :func:`age_structure` (after disclosure control :func:`compute_profile` adds
#: ``flag`` and ``area_name``).
AGE_COLUMNS = ["area_code", "period", "band", "persons", "share"]

#: Columns of :func:`locality_targets`: the register's fields plus the indicator's title and unit.
TARGET_COLUMNS = ["id", "title", "indicator", "indicator_title", "indicator_unit", "area",
                  "baseline_period", "target_period", "kind", "amount", "direction",
                  "comparator", "theme_partnership", "illustrative"]

#: How many findings lead the page (its key messages).
KEY_FINDINGS = 5


# --------------------------------------------------------------------------------------------
# The locality


def describe_locality(localities: pd.DataFrame, locality_id: str) -> pd.Series:
    """The summary row of one locality.

    Parameters
    ----------
    localities
        The locality summary (``locality_id, name, type, lad_code, lsoas, population``).
    locality_id
        The locality's id.

    Raises
    ------
    InputError
        An unknown locality id (the message lists a few known ones).
    """
    _require(localities, ["locality_id", "name", "type", "lad_code", "lsoas"],
             "describe_locality")
    match = localities[localities["locality_id"] == locality_id]
    if match.empty:
        known = ", ".join(sorted(localities["locality_id"].astype(str))[:5])
        raise InputError(datasets.dataset("localities").pattern, f"unknown locality '{locality_id}' "
                                               f"(known ids include: {known} ...)")
    return match.iloc[0].copy()



def protect(rows: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Disclosure control and reliability flags for store-layout rows before they are shown.

    Numerators below ``min_count`` are suppressed with the value and interval built on them
    (``[c]``); values on fewer than 100 people or with a coefficient of variation above 20%
    are flagged low reliability (``[u]``). See :mod:`pipeline.stats.disclosure`.
    """
    _require(rows, ["numerator", "denominator", "value", "lower_ci", "upper_ci"], "protect")
    rows = rows.copy()
    rows["flag"] = rows["flag"].fillna("") if "flag" in rows else ""
    safe = suppress_small_numbers(rows, min_count=min_count)
    return flag_low_reliability(safe)


# --------------------------------------------------------------------------------------------
# Population


def age_structure(
    population: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    bands: Sequence[tuple[str, int, int]] = AGE_BANDS,
    period: str | None = None,
) -> pd.DataFrame:
    """Residents by broad age band for groups of LSOAs (a locality, its district ...).

    Parameters
    ----------
    population
        Observations of ``population`` by single year of age: ``area_code`` (LSOA),
        ``period``, ``category`` (``age:0`` ... ``age:90+``) and ``value``. The total
        (category ``''``) and other variables are ignored.
    groups
        ``area_code`` (the group) and ``lsoa_code``; an LSOA may be in several groups.
    bands
        ``(label, first age, last age)``; ``90+`` counts as 90.
    period
        The period to use; default the latest one in ``population``.

    Returns
    -------
    pandas.DataFrame
        ``area_code, period, band, persons, share`` (share in % of the group's residents),
        groups in the order of ``groups``, bands in the order given.

    Raises
    ------
    ValueError
        Missing columns, no single-year-of-age rows, or a period that is not there.
    """
    _require(population, ["area_code", "period", "category", "value"], "age_structure")
    _require(groups, ["area_code", "lsoa_code"], "age_structure")
    by_age = population[population["category"].astype(str).str.startswith("age:")]
    if "variable" in by_age.columns:
        by_age = by_age[by_age["variable"] == "population"]
    if by_age.empty:
        raise ValueError("age_structure: no population rows by single year of age "
                         "(categories 'age:0' ... 'age:90+')")
    period = str(period) if period is not None else str(by_age["period"].astype(str).max())
    by_age = by_age[by_age["period"].astype(str) == period]
    if by_age.empty:
        raise ValueError(f"age_structure: no population rows for period {period}")
    age = by_age["category"].str.extract(r"^age:(\d+)", expand=False).astype(int)
    edges = [first for _, first, _ in bands] + [bands[-1][2] + 1]
    labels = [label for label, _, _ in bands]
    band = pd.cut(age, bins=edges, right=False, labels=labels)
    per_lsoa = (by_age.assign(band=band).groupby(["area_code", "band"], observed=False)["value"]
                .sum().rename("persons").reset_index().rename(columns={"area_code": "lsoa_code"}))
    order = groups[["area_code"]].drop_duplicates().reset_index(drop=True)
    merged = groups[["area_code", "lsoa_code"]].merge(per_lsoa, on="lsoa_code")
    out = (merged.groupby(["area_code", "band"], observed=False)["persons"].sum()
           .reset_index())
    out = out[out["area_code"].isin(order["area_code"])]
    totals = out.groupby("area_code")["persons"].transform("sum")
    out["share"] = np.where(totals > 0, out["persons"] / totals.where(totals > 0) * 100, np.nan)
    out["period"] = period
    out["band"] = out["band"].astype(str)
    rank = {code: i for i, code in enumerate(order["area_code"])}
    out = out.sort_values(["area_code", "band"], key=lambda s: s.map(rank) if s.name ==
                          "area_code" else s.map({b: i for i, b in enumerate(labels)}))
    return out[["area_code", "period", "band", "persons", "share"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Targets


def locality_targets(
    targets: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    locality_id: str,
    county_code: str,
    localities: pd.DataFrame,
) -> pd.DataFrame:
    """The targets that concern a locality, by the rule every page uses
    (:func:`pipeline.steps.target_areas.concerns`): the locality's own, its district's, its
    district's priority neighbourhoods' (when it is one of them) and the county-wide ones.

    Parameters
    ----------
    targets
        :func:`pipeline.registers.targets_frame` (indexed by id or with an ``id`` column).
    catalogue
        The indicator catalogue (titles and units).
    locality_id
        The locality.
    county_code
        The county's code.
    localities
        The locality summary (``locality_id``, ``lad_code``, ``type``).

    Returns
    -------
    pandas.DataFrame
        :data:`TARGET_COLUMNS`, ordered by id: the register's fields (``comparator`` ``None``
        where the register has none) and the indicator's catalogue title (its id when the
        catalogue has no title) and unit (``''`` when unknown).
    """
    frame = targets.reset_index() if "id" not in targets.columns else targets
    _require(frame, ["id", "title", "indicator", "area", "baseline_period", "target_period",
                     "kind", "amount", "direction"], "locality_targets")
    applies = frame["area"].map(lambda area: concerns(str(area), locality_id,
                                                      county_code=county_code,
                                                      localities=localities)).astype(bool)
    rows = frame[applies].sort_values("id")
    if rows.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    cat = catalogue.set_index("id")
    units = cat["unit"].to_dict()
    return pd.DataFrame({
        "id": rows["id"],
        "title": rows["title"],
        "indicator": rows["indicator"],
        "indicator_title": rows["indicator"].map(cat["title"]).fillna(rows["indicator"]),
        "indicator_unit": rows["indicator"].map(lambda i: units.get(i, "")),
        "area": rows["area"],
        "baseline_period": rows["baseline_period"].astype(str),
        "target_period": rows["target_period"].astype(str),
        "kind": rows["kind"],
        "amount": rows["amount"].astype(float),
        "direction": rows["direction"],
        "comparator": rows["comparator"] if "comparator" in rows else None,
        "theme_partnership": rows.get("theme_partnership", ""),
        "illustrative": (rows["illustrative"].astype(bool) if "illustrative" in rows
                         else False),
    }).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The profile


@dataclass
class ProfileResults:
    """Everything the locality profile page shows, computed once (:func:`compute_profile`).

    Data only (frames, series and plain values). Tables about people have passed disclosure
    control already.

    Attributes
    ----------
    locality_id, name, type
        The locality (``type``: ``priority_neighbourhood``, ``forum_area``, ``rural``, ``town``).
    district_code, district_name, county_name, england_name
        Its district and the comparators' names.
    area_labels
        Area code -> the label its values carry in tables, charts and downloads (the locality
        first; the district's label gets ``" (district)"`` when the locality has the same
        name as a comparator, so labels stay distinct).
    lsoa_codes, lsoa_count
        The locality's LSOAs.
    population, population_period
        Its latest total population (``None`` when unknown) and the period of it.
    forum_stand_in
        The config's wording of what stands in for community forum areas (``''`` when the user
        supplied their own forum areas).
    age
        :func:`age_structure` of the locality and its district after disclosure control, with
        ``flag`` and ``area_name``.
    spine, diversity
        :func:`pipeline.steps.spine.spine_data` rows and the census make-up rows among them
        (:func:`pipeline.steps.spine.diversity_rows`).
    findings, key_findings
        :func:`pipeline.steps.spine.comparison_findings` and the best :data:`KEY_FINDINGS` of
        them (:func:`pipeline.steps.messages.top_findings`).
    trends
        :func:`trend_data` of the locality and its district.
    targets
        :func:`locality_targets` (empty when no register is given).
    map_shapes, map_values, map_names, map_period
        The district's LSOA shapes, their latest IMD decile (indexed by LSOA code), their
        names (``"<LSOA name> (<MSOA name>)"``) and the IMD edition (``''`` when none).
    comparison_level
        Confidence level (percent) of the comparisons (the config's ``comparison.level``).
    """

    locality_id: str
    name: str
    type: str
    district_code: str
    district_name: str
    county_name: str
    england_name: str
    area_labels: dict[str, str]
    lsoa_codes: list[str]
    lsoa_count: int
    population: float | None
    population_period: str
    forum_stand_in: str
    age: pd.DataFrame
    spine: pd.DataFrame
    diversity: pd.DataFrame
    findings: pd.DataFrame
    key_findings: pd.DataFrame
    trends: pd.DataFrame
    targets: pd.DataFrame
    map_shapes: gpd.GeoDataFrame
    map_values: pd.Series
    map_names: pd.Series
    map_period: str
    comparison_level: float = 95.0


def comparator_labels(locality_name: str, district_code: str, names: Mapping[str, str]
                      ) -> dict[str, str]:
    """Comparator code -> label: the names, with ``" (district)"`` added to the district's when
    the locality is called like a comparator (a forum area called like its district)."""
    if locality_name not in names.values():
        return dict(names)
    return {code: (f"{label} (district)" if code == district_code else label)
            for code, label in names.items()}


def _latest_total(own: pd.DataFrame) -> tuple[float | None, str]:
    totals = own[(own["indicator_id"] == "population_total") & own["value"].notna()]
    totals = totals.sort_values("period")
    if not len(totals):
        return None, ""
    return float(totals["value"].iloc[-1]), str(totals["period"].iloc[-1])


def _protected_age(population: pd.DataFrame, groups: pd.DataFrame, min_count: int,
                   labels: Mapping[str, str]) -> pd.DataFrame:
    age = (age_structure(population, groups) if len(population)
           else pd.DataFrame(columns=AGE_COLUMNS))
    age = suppress_small_numbers(age.assign(flag=""), min_count,
                                 count_columns="persons", dependent_columns="share")
    age["area_name"] = age["area_code"].map(labels)
    return age


def _map_data(deciles: pd.DataFrame, district_lsoas: pd.DataFrame,
              boundaries: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.Series, pd.Series, str]:
    """The district's LSOA shapes, latest IMD deciles, names and IMD edition."""
    district_deciles = deciles[deciles["area_code"].isin(district_lsoas["lsoa_code"])]
    period = str(district_deciles["period"].max()) if len(district_deciles) else ""
    values = (district_deciles[district_deciles["period"] == period]
              .set_index("area_code")["value"].sort_index())
    shapes = boundaries[boundaries["lsoa_code"].isin(district_lsoas["lsoa_code"])]
    lsoa_names = district_lsoas.set_index("lsoa_code")
    names = (lsoa_names["lsoa_name"] + (" (" + lsoa_names["msoa_hcl_name"] + ")"
                                        if "msoa_hcl_name" in lsoa_names else "")).sort_index()
    return shapes, values, names, period


@dataclass(frozen=True)
class DistrictRows:
    """What every locality of one district is set against, filtered from the store once.

    Attributes
    ----------
    lsoa_rows, spread, deciles
        Store rows of the county's LSOAs (working vintage), their
        :func:`pipeline.steps.spine.lsoa_spread` and their ``imd_decile`` rows (the same for
        every district of the county).
    comparators, district_comparator
        Store rows of the district, the county and England after :func:`protect`, and the
        district's own among them.
    district_lsoas
        The district's rows of the LSOA lookup.
    map_shapes, map_values, map_names, map_period
        :func:`_map_data` of the district.
    """

    lsoa_rows: pd.DataFrame
    spread: pd.DataFrame
    deciles: pd.DataFrame
    comparators: pd.DataFrame
    district_comparator: pd.DataFrame
    district_lsoas: pd.DataFrame
    map_shapes: gpd.GeoDataFrame
    map_values: pd.Series
    map_names: pd.Series
    map_period: str


def district_rows(data: AreaData, district_code: str) -> DistrictRows:
    """The rows every locality of ``district_code`` is compared with (:class:`DistrictRows`),
    filtered from the store once for all of the district's profiles (pass them to
    :func:`compute_profile` as ``rows``)."""
    config, store = data.config, data.store
    lsoa_rows = store[(store["area_type"] == config.working_vintage)
                      & store["area_code"].isin(data.lsoas["lsoa_code"])]
    deciles = lsoa_rows[lsoa_rows["indicator_id"] == "imd_decile"]
    codes = [district_code, config.county.code, config.england.code]
    comparators = protect(store[store["area_code"].isin(codes)], config.min_count)
    district_lsoas = data.lsoas[data.lsoas["lad_code"] == district_code]
    return DistrictRows(lsoa_rows, lsoa_spread(lsoa_rows), deciles, comparators,
                        comparators[comparators["area_code"] == district_code], district_lsoas,
                        *_map_data(deciles, district_lsoas, data.boundaries))


def compute_profile(data: AreaData, locality_id: str, district: str, population: pd.DataFrame,
                    targets: pd.DataFrame | None = None, *, forum_stand_in: str = "",
                    rows: DistrictRows | None = None, trends: pd.DataFrame | None = None
                    ) -> ProfileResults:
    """Compute a locality's profile from the prepared data (filtering early: the rows of its
    district and the county's LSOAs once per district, :func:`district_rows`, then the
    locality's own).

    A long sequence of independent steps (each a call of a function above), kept in one place
    so the profile's parts read in page order.

    Parameters
    ----------
    data
        :class:`pipeline.context.AreaData` (store, catalogue, lsoas, boundaries, membership,
        localities, locality rows, config).
    locality_id
        The locality.
    district
        The notebook's district parameter: when given it must be the locality's district or
        the county code (``''``: no check).
    population
        Population observations by single year of age for (at least) the district's LSOAs.
    targets
        :func:`pipeline.registers.targets_frame` output (``None``: no targets listed).
    forum_stand_in
        The config's wording of what stands in for community forum areas (kept for forum
        areas only; ``''`` when the user supplied their own forum areas).
    rows
        :func:`district_rows` of the locality's district, when the caller profiles several of
        its localities (filtered here otherwise).
    trends
        The run's recent trends (:func:`pipeline.steps.trends.indicator_trends`), shown beside
        the spine's indicators (``None``: every indicator "not enough points").

    Raises
    ------
    InputError
        Unknown locality, or a district that is not the locality's.
    """
    config = data.config
    info = describe_locality(data.localities, locality_id)
    name, kind, district_code = str(info["name"]), str(info["type"]), str(info["lad_code"])
    if district and district not in (district_code, config.county.code):
        raise InputError(config.path, f"locality '{locality_id}' is in district "
                                      f"{district_code}, not {district}")
    district_name = config.district(district_code).name
    names = comparator_labels(name, district_code, {
        district_code: district_name, config.county.code: config.county.name,
        config.england.code: config.england.name})
    labels = {locality_id: name, **names}

    rows = rows if rows is not None else district_rows(data, district_code)
    members = data.membership[data.membership["locality_id"] == locality_id]
    lsoa_codes = sorted(members["lsoa_code"].astype(str).unique())
    groups = pd.concat([
        pd.DataFrame({"area_code": locality_id, "lsoa_code": lsoa_codes}),
        pd.DataFrame({"area_code": district_code, "lsoa_code": rows.district_lsoas["lsoa_code"]}),
    ], ignore_index=True)

    own = data.locality_rows[data.locality_rows["area_code"] == locality_id]
    own_safe = protect(own, config.min_count)
    spine = spine_data(own_safe, rows.lsoa_rows, rows.comparators, data.catalogue,
                       district_code=district_code, county_code=config.county.code,
                       england_code=config.england.code, spread=rows.spread,
                       level=config.comparison_level)
    spine = with_trends(spine, trends if trends is not None else empty_trends(), locality_id)
    findings = comparison_findings(spine, subject=name, comparator_names={
        "district_value": district_name, "county_value": config.county.name,
        "england_value": config.england.name}, catalogue=data.catalogue,
        level=config.comparison_level)
    total, total_period = _latest_total(own)

    trend_rows = pd.concat([own_safe, rows.district_comparator,
                            deprived_share(rows.deciles, groups)], ignore_index=True)
    trends = trend_data(trend_rows, data.catalogue,
                        area_names={locality_id: name, district_code: names[district_code]})
    return ProfileResults(
        locality_id=locality_id, name=name, type=kind, district_code=district_code,
        district_name=district_name, county_name=config.county.name,
        england_name=config.england.name, area_labels=labels, lsoa_codes=lsoa_codes,
        lsoa_count=len(lsoa_codes), population=total, population_period=total_period,
        forum_stand_in=forum_stand_in if kind == "forum_area" else "",
        age=_protected_age(population, groups, config.min_count, labels),
        spine=spine, diversity=diversity_rows(spine), findings=findings,
        key_findings=top_findings(findings, KEY_FINDINGS), trends=trends,
        targets=(locality_targets(targets, data.catalogue, locality_id=locality_id,
                                  county_code=config.county.code, localities=data.localities)
                 if targets is not None else pd.DataFrame(columns=TARGET_COLUMNS)),
        map_shapes=rows.map_shapes.copy(), map_values=rows.map_values.copy(),
        map_names=rows.map_names.copy(), map_period=rows.map_period,
        comparison_level=config.comparison_level,
    )
