"""Baseline tables about the people of an area: headline figures, age, sex and the Census 2021
breakdowns by ethnic group, religion and disability.

Numbers about people pass disclosure control (:func:`pipeline.stats.suppress_small_numbers`)
inside the functions that return them, so what a page shows or stages is already safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.schema import require_columns as _require
from pipeline.stats import wilson_interval
from pipeline.steps.baseline_area import (
    ROLE_ORDER,
    STORE_NEEDED,
    BaselineArea,
    area_rows,
    catalogue_by_id,
    strip_year,
    suppress,
)
from pipeline.steps.benchmark import STORE_LEVEL, compare_at_level

#: Age bands: label -> (first age, last age); 90 stands for "90 and over".
BROAD_AGE_BANDS: dict[str, tuple[int, int]] = {"0-15": (0, 15), "16-64": (16, 64),
                                               "65+": (65, 90)}
FIVE_YEAR_AGE_BANDS: dict[str, tuple[int, int]] = {
    **{f"{a}-{a + 4}": (a, a + 4) for a in range(0, 90, 5)}, "90+": (90, 90)}

#: Census 2011 (OAC input variables) counts of males and females, at LSOA.
SEX_VARIABLES: dict[str, str] = {"Males": "c11_u001", "Females": "c11_u002"}

#: Census 2021 shares shown as breakdowns of the population (catalogue ids).
BREAKDOWN_INDICATORS: dict[str, tuple[str, ...]] = {
    "Ethnic group": ("c21_ethnic_minority_pct", "c21_asian_pct", "c21_black_pct",
                     "c21_mixed_pct", "c21_other_ethnic_pct"),
    "Religion": ("c21_christian_pct", "c21_no_religion_pct", "c21_muslim_pct",
                 "c21_hindu_pct", "c21_sikh_pct"),
    "Disability": ("c21_disabled_pct",),
}

#: Headline shares of the population (catalogue ids), in the order shown.
HEADLINE_SHARES: tuple[str, ...] = ("population_aged_0_15_pct", "population_aged_16_64_pct",
                                    "population_aged_65_plus_pct")


# --------------------------------------------------------------------------------------------
# Headline: population and age


def _age_of(category: pd.Series) -> pd.Series:
    """``age:17`` -> 17, ``age:90+`` -> 90; anything else NaN."""
    return pd.to_numeric(category.str.extract(r"^age:(\d+)\+?$")[0], errors="coerce")


def _age_band_labels(band_map: Mapping[str, tuple[int, int]]) -> pd.Series:
    """The band label of each age 0-90 (NA outside every band); bands must not overlap."""
    ages = np.arange(0, 91)
    label = pd.Series(pd.NA, index=ages, dtype=object)
    for name, (first, last) in band_map.items():  # a handful of bands
        span = (ages >= first) & (ages <= last)
        if label[span].notna().any():
            raise ValueError(f"age_profile: band {name!r} overlaps another band")
        label[span] = name
    return label


def age_profile(
    population: pd.DataFrame,
    area: BaselineArea,
    *,
    bands: Mapping[str, tuple[int, int]] | str = "five_year",
    period: str | None = None,
    min_count: int = 5,
) -> pd.DataFrame:
    """Residents by age band for the area (and the county), with shares and Wilson intervals.

    Parameters
    ----------
    population
        Observations of the variable ``population`` by single year of age (categories
        ``age:0`` ... ``age:89``, ``age:90+``) for LSOAs (:meth:`pipeline.results.DistrictResults.observations`).
    area
        The area; for a district the county is profiled too.
    bands
        ``"five_year"``, ``"broad"`` (0-15, 16-64, 65+) or a mapping label -> (first, last age)
        with 90 meaning 90 and over.
    period
        Mid-year of the estimates (default: the latest).
    min_count
        Disclosure threshold: smaller counts (and their shares) are suppressed ``[c]``.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``area_code``, ``area_name``, ``period``, ``band``, ``population``, ``total``,
        ``share`` (% of the area's residents), ``lower_ci``, ``upper_ci``, ``flag``; bands in
        age order.

    Raises
    ------
    ValueError
        Missing columns, no single-year-of-age rows, an unknown band set or period, or bands
        that overlap.
    """
    _require(population, ["area_code", "variable", "period", "category", "value"],
             "age_profile", "the population observations")
    band_map = {"five_year": FIVE_YEAR_AGE_BANDS, "broad": BROAD_AGE_BANDS}.get(bands, bands) \
        if isinstance(bands, str) else bands
    if not isinstance(band_map, Mapping) or not band_map:
        raise ValueError(f"age_profile: bands must be 'five_year', 'broad' or a mapping of "
                         f"label -> (first age, last age), got {bands!r}")
    rows = population[population["variable"] == "population"]
    rows = rows.assign(age=_age_of(rows["category"].astype(str))).dropna(subset=["age"])
    if rows.empty:
        raise ValueError("age_profile: no population rows by single year of age "
                         "(categories 'age:0' ... 'age:90+')")
    periods = sorted(rows["period"].astype(str).unique())
    period = periods[-1] if period is None else str(period)
    if period not in periods:
        raise ValueError(f"age_profile: no population estimates for {period} "
                         f"(have: {', '.join(periods)})")
    rows = rows[rows["period"].astype(str) == period]
    label = _age_band_labels(band_map)
    merged = area.lsoa_groups().merge(rows[["area_code", "age", "value"]].rename(
        columns={"area_code": "lsoa_code"}), on="lsoa_code")
    merged["band"] = merged["age"].astype(int).map(label)
    merged = merged.dropna(subset=["band"])
    out = (merged.groupby(["role", "area_code", "area_name", "band"], sort=False)["value"]
           .sum().rename("population").reset_index())
    out["total"] = out.groupby("role")["population"].transform("sum")
    ci = wilson_interval(out["population"], out["total"], multiplier=100)
    out = pd.concat([out, ci.rename(columns={"value": "share"})], axis=1)
    out["period"] = period
    out["flag"] = ""
    out = suppress(out, min_count, counts=("population",),
                   dependents=("share", "lower_ci", "upper_ci"))
    order = {name: i for i, name in enumerate(band_map)}
    out = out.sort_values(["role", "band"], key=lambda s: s.map(ROLE_ORDER) if s.name == "role"
                          else s.map(order)).reset_index(drop=True)
    return out[["role", "area_code", "area_name", "period", "band", "population", "total",
                "share", "lower_ci", "upper_ci", "flag"]]


def headline_summary(store: pd.DataFrame, area: BaselineArea, *, first_period: str = "2017",
                     min_count: int = 5) -> pd.DataFrame:
    """The area's headline figures beside the county's (and England's where the data have them).

    Rows (``measure``): ``residents`` at the latest mid-year estimate and at ``first_period``,
    ``residents_change`` and ``residents_change_pct`` between them (``period``
    ``"<first>-<latest>"``), and the shares aged 0-15, 16-64 and 65 and over (their catalogue
    ids, :data:`HEADLINE_SHARES`). The page words each measure.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, ``measure``, ``unit``, ``period``, ``area``,
        ``area_lower_ci``/``area_upper_ci`` (for the shares), ``county``, ``england`` (NaN
        where there is no value).

    Raises
    ------
    ValueError
        Missing columns, or the store has no population totals for the area.
    """
    _require(store, STORE_NEEDED, "headline_summary", "the store")
    rows = area_rows(store, area)
    pop = rows[rows["indicator_id"] == "population_total"]
    mine = pop[pop["role"] == "area"]
    if mine.empty:
        raise ValueError(f"headline_summary: no population totals for {area.name} in the store")
    latest = max(mine["period"])
    if first_period not in set(mine["period"]):
        first_period = min(mine["period"])
    wide = pop.pivot_table(index="period", columns="role", values="value", aggfunc="first")
    wide = wide.reindex(columns=["area", "county", "england"])
    span = f"{first_period}-{latest}"
    measures = [
        {"measure": "residents", "unit": "persons", "period": latest,
         **wide.loc[latest].to_dict()},
        {"measure": "residents", "unit": "persons", "period": first_period,
         **wide.loc[first_period].to_dict()},
        {"measure": "residents_change", "unit": "persons", "period": span,
         **(wide.loc[latest] - wide.loc[first_period]).to_dict()},
        {"measure": "residents_change_pct", "unit": "%", "period": span,
         **((wide.loc[latest] / wide.loc[first_period] - 1) * 100).to_dict()},
    ]
    share_rows = suppress(rows[rows["indicator_id"].isin(HEADLINE_SHARES)
                               & (rows["period"] == latest)], min_count)
    for indicator in HEADLINE_SHARES:
        part = share_rows[share_rows["indicator_id"] == indicator].set_index("role")
        if part.empty:
            continue
        entry = {"measure": indicator, "unit": "%", "period": latest}
        entry.update({role: part["value"].get(role, np.nan)
                      for role in ("area", "county", "england")})
        entry["area_lower_ci"] = part["lower_ci"].get("area", np.nan)
        entry["area_upper_ci"] = part["upper_ci"].get("area", np.nan)
        measures.append(entry)
    out = pd.DataFrame(measures)
    for column in ("area", "county", "england", "area_lower_ci", "area_upper_ci"):
        if column not in out:
            out[column] = np.nan
        out[column] = pd.to_numeric(out[column], errors="coerce")
    out["area_code"], out["area_name"] = area.code, area.name
    return out[["area_code", "area_name", "measure", "unit", "period", "area", "area_lower_ci",
                "area_upper_ci", "county", "england"]]


def sex_profile(observations: pd.DataFrame, area: BaselineArea, *, min_count: int = 5,
                variables: Mapping[str, str] = SEX_VARIABLES) -> pd.DataFrame:
    """Residents by sex from the Census 2011 counts, for the area and the county.

    The shipped population estimates are for persons only; the Census 2011 OAC input
    variables hold males (``c11_u001``) and females (``c11_u002``) for each LSOA.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``area_code``, ``area_name``, ``period``, ``sex``, ``count``, ``total``,
        ``share``, ``lower_ci``, ``upper_ci`` (Wilson, %), ``flag``. No rows when the
        observations hold neither variable (the notebook then says the data do not give sex).
    """
    _require(observations, ["area_code", "variable", "period", "value"], "sex_profile",
             "the observations")
    columns = ["role", "area_code", "area_name", "period", "sex", "count", "total", "share",
               "lower_ci", "upper_ci", "flag"]
    sex_of = {v: k for k, v in variables.items()}
    rows = observations[observations["variable"].isin(sex_of)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(sex=rows["variable"].map(sex_of)).rename(columns={"area_code": "lsoa_code"})
    merged = area.lsoa_groups().merge(rows[["lsoa_code", "period", "sex", "value"]],
                                      on="lsoa_code")
    out = (merged.groupby(["role", "area_code", "area_name", "period", "sex"], sort=False)
           ["value"].sum(min_count=1).rename("count").reset_index())
    out["total"] = out.groupby(["role", "period"])["count"].transform("sum")
    ci = wilson_interval(out["count"], out["total"], multiplier=100)
    out = pd.concat([out, ci.rename(columns={"value": "share"})], axis=1)
    out["flag"] = ""
    out = suppress(out, min_count, counts=("count",),
                   dependents=("share", "lower_ci", "upper_ci"))
    order = {s: i for i, s in enumerate(variables)}
    out = out.sort_values(["role", "sex"], key=lambda s: s.map(ROLE_ORDER) if s.name == "role"
                          else s.map(order)).reset_index(drop=True)
    return out[columns]



def breakdown_table(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea, *,
                    groups: Mapping[str, Sequence[str]] = BREAKDOWN_INDICATORS,
                    min_count: int = 5, level: float = STORE_LEVEL) -> pd.DataFrame:
    """Shares of the population by ethnic group, religion and disability (Census 2021) for the
    area against the county (a district page) with 95% intervals and the comparison (at
    ``level`` percent, :func:`pipeline.steps.benchmark.compare_at_level`).

    Parameters
    ----------
    groups
        Breakdown name -> catalogue ids of its shares; ids not in the catalogue or without
        data are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``group``, ``indicator_id``, ``measure`` (title without the
        year), ``unit``, ``period``, ``area_code``, ``area_name``, ``value``, ``lower_ci``,
        ``upper_ci``, ``numerator``, ``denominator``, ``flag``, ``county_name``,
        ``county_value``, ``county_lower_ci``, ``county_upper_ci``, ``county_comparison``,
        (``county_symbol``, the comparison as text, is added by the page).
        For the county overview the county columns are empty (England has no census rows).
    """
    _require(store, STORE_NEEDED, "breakdown_table", "the store")
    cat = catalogue_by_id(catalogue)
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError("breakdown_table: groups must map a breakdown name to indicator ids")
    wanted = pd.DataFrame([(g, i, n) for g, ids in groups.items()
                           for n, i in enumerate(ids) if i in cat.index],
                          columns=["group", "indicator_id", "_order"])
    rows = suppress(area_rows(store, area), min_count)
    rows = rows[rows["indicator_id"].isin(wanted["indicator_id"])]
    mine = rows[rows["role"] == "area"].sort_values("period").groupby("indicator_id").tail(1)
    county = rows[rows["role"] == "county"][["indicator_id", "period", "value", "lower_ci",
                                             "upper_ci"]].rename(columns={
        "value": "county_value", "lower_ci": "county_lower_ci", "upper_ci": "county_upper_ci"})
    out = wanted.merge(mine, on="indicator_id").merge(county, on=["indicator_id", "period"],
                                                      how="left")
    out["measure"] = strip_year(out["indicator_id"].map(cat["title"]))
    comparison = compare_at_level(out, out["county_value"],
                                  out["indicator_id"].map(cat["polarity"]), catalogue, level)
    out["county_comparison"] = comparison.astype(str).to_numpy()
    out["county_name"] = np.nan if area.is_county else area.county.name
    group_order = {g: i for i, g in enumerate(groups)}
    out = out.sort_values(["group", "_order"], key=lambda s: s.map(group_order)
                          if s.name == "group" else s)
    return out[["group", "indicator_id", "measure", "unit", "period", "area_code", "area_name",
                "value", "lower_ci", "upper_ci", "numerator", "denominator", "flag",
                "county_name", "county_value", "county_lower_ci", "county_upper_ci",
                "county_comparison"]].reset_index(drop=True)

