"""Step 1, the baseline: where a district (or the whole county) is now, and how it got here.

"Establish or review baseline, performance and trends" (design brief, section 2, step 1): for
every indicator with data, the latest value for the area, its county and England with 95%
confidence intervals and the benchmark comparison; the IMD summary and the area's spread over
the national deprivation deciles in every IoD edition; trends where there is more than one
period; breakdowns by age, sex, ethnic group, religion and disability where the data allow;
and the values of each neighbourhood (LSOA) for maps.

Everything here is a plain function of frames (the store, the catalogue, observations) and a
:class:`BaselineArea`, except :func:`load_observations`, the one reader at the edge. Numbers
about people pass disclosure control (:func:`pipeline.stats.suppress_small_numbers`) inside
the functions that return them, so what a notebook shows or stages is already safe.

The area is a district (comparators: the county and England) or, for the county overview, the
county itself (comparator: England). In the shipped data only the IoD indicators have England
values; census, crime and population figures exist for the county's areas only, so England
columns are empty there (the page says "not available", never a made-up value).

Column conventions (every frame returned): ``area_code``, ``area_name``, ``role``
(``"area"``, ``"county"`` or ``"england"``), ``indicator_id``, ``title``, ``unit``,
``period``, ``value``, ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``, ``flag``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.config import Area, AreaConfig
from pipeline.errors import InputError
from pipeline.schema import require_columns as _require
from pipeline.stats import (
    COMPARISON_SYMBOLS,
    compare_to_benchmark,
    suppress_small_numbers,
    wilson_interval,
)
from pipeline.store import load_observations as read_observations

#: The Audit Commission's Quality of Life themes, in their published order.
QOL_THEMES: tuple[str, ...] = (
    "people and place", "community cohesion and involvement", "community safety",
    "culture and leisure", "economic well-being", "education and life-long learning",
    "environment", "health and social well-being", "housing", "transport and access",
)

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

#: Census 2011 -> 2021 pairs (matched as ``c11_<x>`` / ``c21_<x>``) whose definitions differ
#: too much to compare, with the reason shown to readers.
CENSUS_NOT_COMPARABLE: dict[str, str] = {
    "overcrowded_pct": "2011 counts rooms and 2021 counts bedrooms, so the two are not comparable",
}

#: Units shown as whole numbers with thousands separators.
COUNT_UNITS = {"persons", "households", "crimes", "incidents", "rank"}

#: Readable column names for downloads (see :func:`for_download`).
DOWNLOAD_COLUMNS: dict[str, str] = {
    "area_code": "Area code", "area_name": "Area", "role": "Area role",
    "lsoa_code": "LSOA code", "lsoa_name": "LSOA name", "ward_name": "Ward",
    "qol_theme": "Quality of Life theme", "indicator_id": "Indicator id", "title": "Indicator",
    "definition": "Definition", "unit": "Unit", "polarity": "Polarity", "period": "Period",
    "measure": "Measure", "band": "Age band", "sex": "Sex", "group": "Breakdown",
    "edition": "IoD edition", "decile": "National IMD decile (1 = most deprived 10%)",
    "lsoas": "Number of LSOAs", "estimated_lsoas": "LSOAs with estimated values [e]",
    "share": "Share (%)", "count": "Count", "total": "Total",
    "population": "Residents", "value": "Value", "lower_ci": "Lower 95% confidence limit",
    "upper_ci": "Upper 95% confidence limit", "numerator": "Numerator",
    "denominator": "Denominator", "flag": "Flag",
    "rolling_mean": "12-month rolling mean", "index": "Index (first 12 months = 100)",
    "county_value": "County value", "county_lower_ci": "County lower 95% limit",
    "county_upper_ci": "County upper 95% limit", "county_flag": "County flag",
    "county_comparison": "Compared with county", "england_value": "England value",
    "england_comparison": "Compared with England", "rank": "Rank (1 = most deprived)",
    "out_of": "Out of", "most_deprived_10_pct": "% of LSOAs in most deprived 10% nationally",
    "most_deprived_20_pct": "% of LSOAs in most deprived 20% nationally",
    "least_deprived_20_pct": "% of LSOAs in least deprived 20% nationally",
    "value_2011": "2011 value", "lower_2011": "2011 lower 95% limit",
    "upper_2011": "2011 upper 95% limit", "value_2021": "2021 value",
    "lower_2021": "2021 lower 95% limit", "upper_2021": "2021 upper 95% limit",
    "change": "Change (percentage points)", "change_lower": "Change lower 95% limit",
    "change_upper": "Change upper 95% limit", "assessment": "Assessment",
    "priority_neighbourhood": "In a priority neighbourhood",
    "area": "Area value", "area_lower_ci": "Area lower 95% limit",
    "area_upper_ci": "Area upper 95% limit", "county": "County value",
    "england": "England value",
    "better": "Significantly better", "similar": "Not significantly different",
    "worse": "Significantly worse", "higher": "Significantly higher",
    "lower": "Significantly lower", "not compared": "Not compared",
}

_ROLE_ORDER = {"area": 0, "county": 1, "england": 2}


# --------------------------------------------------------------------------------------------
# The area


@dataclass(frozen=True)
class BaselineArea:
    """The area a baseline page describes and what it is compared with.

    ``area_type`` is ``"LAD"`` for a district and ``"CTY"`` for the county overview;
    ``lsoa_codes`` are the area's LSOAs (working vintage), ``county_lsoa_codes`` the county's.
    """

    code: str
    name: str
    area_type: str
    county: Area
    england: Area
    lsoa_codes: tuple[str, ...]
    county_lsoa_codes: tuple[str, ...]
    working_vintage: str = "LSOA11"

    @property
    def is_county(self) -> bool:
        """True for the county overview (comparator: England only)."""
        return self.area_type == "CTY"

    def areas(self) -> pd.DataFrame:
        """The area and its comparators: ``role``, ``area_code``, ``area_name``, ``area_type``."""
        rows = [("area", self.code, self.name, self.area_type)]
        if not self.is_county:
            rows.append(("county", self.county.code, self.county.name, "CTY"))
        rows.append(("england", self.england.code, self.england.name, "ENG"))
        return pd.DataFrame(rows, columns=["role", "area_code", "area_name", "area_type"])

    def lsoa_groups(self) -> pd.DataFrame:
        """LSOA membership of the area (and of the county, for a district): ``role``,
        ``area_code``, ``area_name``, ``lsoa_code``."""
        parts = [pd.DataFrame({"role": "area", "area_code": self.code, "area_name": self.name,
                               "lsoa_code": list(self.lsoa_codes)})]
        if not self.is_county:
            parts.append(pd.DataFrame({"role": "county", "area_code": self.county.code,
                                       "area_name": self.county.name,
                                       "lsoa_code": list(self.county_lsoa_codes)}))
        return pd.concat(parts, ignore_index=True)


def baseline_area(config: AreaConfig, lsoas: pd.DataFrame, district: str) -> BaselineArea:
    """The :class:`BaselineArea` for a district code or name, or the county code or name.

    Parameters
    ----------
    config
        The area settings (county, England, districts, working vintage).
    lsoas
        The county's LSOA attributes (``lsoa_code``, ``lad_code``), as in ``AreaData.lsoas``.
    district
        A district's code or name, or the county's code or name for the county overview.

    Raises
    ------
    InputError
        An unknown district, or a district without LSOAs in ``lsoas``.
    """
    _require(lsoas, ["lsoa_code", "lad_code"], "baseline_area", "the LSOA table")
    county_codes = tuple(sorted(lsoas["lsoa_code"].astype(str)))
    key = str(district).strip()
    if key.lower() in (config.county.code.lower(), config.county.name.lower()):
        return BaselineArea(config.county.code, config.county.name, "CTY", config.county,
                            config.england, county_codes, county_codes, config.working_vintage)
    found = config.district(key)
    codes = tuple(sorted(lsoas.loc[lsoas["lad_code"] == found.code, "lsoa_code"].astype(str)))
    if not codes:
        raise InputError(config.path, f"district {found.name} ({found.code}) has no LSOAs in the "
                                      "prepared data (run `python -m pipeline localities`)")
    return BaselineArea(found.code, found.name, "LAD", config.county, config.england, codes,
                        county_codes, config.working_vintage)


def work_folder(output_dir: str | Path, area: BaselineArea) -> Path:
    """The folder for the page's staged tables (see :func:`pipeline.context.work_folder`)."""
    from pipeline.context import work_folder as folder

    return folder(output_dir, None, area.name)




STORE_NEEDED = ["area_code", "area_type", "indicator_id", "period", "category", "value",
                "numerator", "denominator", "lower_ci", "upper_ci", "unit", "flag"]


def baseline_rows(store: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """The part of the store a baseline page uses: every district, county and England row,
    and the working-vintage rows of the county's LSOAs (totals only: category '').

    Filtering once keeps the notebook fast; every function below also accepts the full store.
    """
    _require(store, STORE_NEEDED, "baseline_rows", "the store")
    keep = store["area_type"].isin(["LAD", "CTY", "ENG"]) | (
        (store["area_type"] == area.working_vintage)
        & store["area_code"].isin(area.county_lsoa_codes))
    return store[keep & (store["category"] == "")].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Reading at the edge


def load_observations(variables: Sequence[str], processed_dir: str | Path | None = None
                      ) -> pd.DataFrame:
    """Raw observations of some variables (e.g. ``["population"]``), read with a filter;
    see :func:`pipeline.store.load_observations`."""
    if isinstance(variables, str) or not variables:
        raise ValueError("load_observations: give a list of variable names")
    return read_observations(processed_dir, variables=variables)


# --------------------------------------------------------------------------------------------
# Shared pieces


def _area_rows(store: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """Store rows (category '') of the area and its comparators, with role and name."""
    areas = area.areas()
    rows = store[(store["category"] == "")
                 & store["area_code"].isin(areas["area_code"])
                 & store["area_type"].isin(areas["area_type"])]
    return rows.merge(areas, on=["area_code", "area_type"], how="inner")


def _suppress(df: pd.DataFrame, min_count: int, counts: Sequence[str] = ("numerator",),
              dependents: Sequence[str] = ("value", "lower_ci", "upper_ci")) -> pd.DataFrame:
    """Disclosure control with the pipeline's rule (0 is published; 1..min_count-1 are not)."""
    if df.empty:
        return df
    if min_count < 1:  # a threshold of 0 switches suppression off
        return df
    return suppress_small_numbers(df, min_count=min_count, count_columns=list(counts),
                                  dependent_columns=list(dependents))


def _titles(catalogue: pd.DataFrame) -> pd.DataFrame:
    _require(catalogue, ["id", "title", "unit", "polarity"], "baseline", "the catalogue")
    return catalogue.set_index("id")


def _strip_year(titles: pd.Series) -> pd.Series:
    return titles.str.replace(r"\s*\((?:19|20)\d\d\)\s*$", "", regex=True)


def comparison_text(comparison: pd.Series) -> pd.Series:
    """Comparison labels as symbol and word (``"▼ worse"``), so colour is never needed."""
    labels = comparison.astype(object).where(comparison.notna(), "not compared")
    return labels.map(lambda c: f"{COMPARISON_SYMBOLS.get(c, '○')} {c}")


def for_download(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with readable column names (:data:`DOWNLOAD_COLUMNS`) for ``stage_table``;
    columns starting with ``_`` are dropped."""
    keep = [c for c in df.columns if not str(c).startswith("_")]
    return df[keep].rename(columns=DOWNLOAD_COLUMNS).reset_index(drop=True)


def _decimals_for(unit: str, value: float) -> int:
    if unit in COUNT_UNITS:
        return 0
    if unit == "decile":
        return 0 if float(value).is_integer() else 1
    if unit in ("%", "proportion", "percentage points") or unit.startswith("per "):
        return 1
    return 1 if abs(value) >= 1 else 2


def format_by_unit(values: pd.Series, units: pd.Series | str,
                   flags: pd.Series | None = None, missing: str = "–") -> pd.Series:
    """Numbers as text the way readers expect for their unit.

    Counts and ranks: whole numbers with thousands separators; ``%``: one decimal and a % sign;
    ``proportion`` (0 to 1): shown as a percentage; rates per 1,000: one decimal; scores: one
    decimal (two below 1). A flag (``[e]``, ``[c]``) follows the number; a missing value
    shows its flag, or ``missing``.
    """
    values = pd.to_numeric(values, errors="coerce")
    units = pd.Series(units, index=values.index) if isinstance(units, str) else units
    flags = (flags.fillna("").astype(str) if flags is not None
             else pd.Series("", index=values.index))
    texts = []
    for value, unit, flag in zip(values, units.astype(str), flags):  # one row per indicator
        if pd.isna(value):
            texts.append(flag or missing)
            continue
        shown = value * 100 if unit == "proportion" else value
        text = f"{shown:,.{_decimals_for(unit, value)}f}"
        if unit in ("%", "proportion"):
            text += "%"
        texts.append(f"{text} {flag}".strip())
    return pd.Series(texts, index=values.index, dtype=object)


def interval_text(lower: pd.Series, upper: pd.Series, units: pd.Series | str,
                  missing: str = "–") -> pd.Series:
    """``"20.3 to 20.7"`` per row (``missing`` where there is no interval)."""
    lo = format_by_unit(lower, units, missing="")
    hi = format_by_unit(upper, units, missing="")
    text = lo + " to " + hi
    return text.where((lo != "") & (hi != ""), missing)


# --------------------------------------------------------------------------------------------
# Headline: population and age


def _age_of(category: pd.Series) -> pd.Series:
    """``age:17`` -> 17, ``age:90+`` -> 90; anything else NaN."""
    return pd.to_numeric(category.str.extract(r"^age:(\d+)\+?$")[0], errors="coerce")


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
        ``age:0`` ... ``age:89``, ``age:90+``) for LSOAs (see :func:`load_observations`).
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
    ages = np.arange(0, 91)
    label = pd.Series(pd.NA, index=ages, dtype=object)
    for name, (first, last) in band_map.items():  # a handful of bands
        span = (ages >= first) & (ages <= last)
        if label[span].notna().any():
            raise ValueError(f"age_profile: band {name!r} overlaps another band")
        label[span] = name
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
    out = _suppress(out, min_count, counts=("population",),
                    dependents=("share", "lower_ci", "upper_ci"))
    order = {name: i for i, name in enumerate(band_map)}
    out = out.sort_values(["role", "band"], key=lambda s: s.map(_ROLE_ORDER) if s.name == "role"
                          else s.map(order)).reset_index(drop=True)
    return out[["role", "area_code", "area_name", "period", "band", "population", "total",
                "share", "lower_ci", "upper_ci", "flag"]]


def headline_summary(store: pd.DataFrame, area: BaselineArea, *, first_period: str = "2017",
                     min_count: int = 5) -> pd.DataFrame:
    """The area's headline figures beside the county's (and England's where the data have them).

    Rows: residents at the latest mid-year estimate and at ``first_period``, the change in
    residents and in percent, and the shares aged 0-15, 16-64 and 65 and over.

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
    rows = _area_rows(store, area)
    pop = rows[rows["indicator_id"] == "population_total"]
    mine = pop[pop["role"] == "area"]
    if mine.empty:
        raise ValueError(f"headline_summary: no population totals for {area.name} in the store")
    latest = max(mine["period"])
    if first_period not in set(mine["period"]):
        first_period = min(mine["period"])
    wide = pop.pivot_table(index="period", columns="role", values="value", aggfunc="first")
    wide = wide.reindex(columns=["area", "county", "england"])
    measures = [
        {"measure": f"Residents (mid-{latest})", "unit": "persons", "period": latest,
         **wide.loc[latest].to_dict()},
        {"measure": f"Residents (mid-{first_period})", "unit": "persons", "period": first_period,
         **wide.loc[first_period].to_dict()},
        {"measure": f"Change in residents, mid-{first_period} to mid-{latest}",
         "unit": "persons", "period": f"{first_period}-{latest}",
         **(wide.loc[latest] - wide.loc[first_period]).to_dict()},
        {"measure": f"Change in residents, mid-{first_period} to mid-{latest} (%)", "unit": "%",
         "period": f"{first_period}-{latest}",
         **((wide.loc[latest] / wide.loc[first_period] - 1) * 100).to_dict()},
    ]
    shares = {"population_aged_0_15_pct": "Aged 0-15 (% of residents)",
              "population_aged_16_64_pct": "Aged 16-64 (% of residents)",
              "population_aged_65_plus_pct": "Aged 65 and over (% of residents)"}
    share_rows = _suppress(rows[rows["indicator_id"].isin(shares) & (rows["period"] == latest)],
                           min_count)
    for indicator, label in shares.items():
        part = share_rows[share_rows["indicator_id"] == indicator].set_index("role")
        if part.empty:
            continue
        entry = {"measure": label, "unit": "%", "period": latest}
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
    out = _suppress(out, min_count, counts=("count",), dependents=("share", "lower_ci",
                                                                   "upper_ci"))
    order = {s: i for i, s in enumerate(variables)}
    out = out.sort_values(["role", "sex"], key=lambda s: s.map(_ROLE_ORDER) if s.name == "role"
                          else s.map(order)).reset_index(drop=True)
    return out[columns]


# --------------------------------------------------------------------------------------------
# Deprivation


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
    cat = _titles(catalogue)
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
    rows = _area_rows(store, area)
    rows = rows[(rows["indicator_id"] == "imd_score") & (rows["period"] == str(period))]
    rows = rows.sort_values("role", key=lambda s: s.map(_ROLE_ORDER))
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
                          key=lambda s: s.map(_ROLE_ORDER) if s.name == "role" else s)
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
# Quality of Life theme tables


def theme_indicators(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Catalogue rows shown in the theme tables: computed, aggregated to areas (not ranks,
    deciles or the File 10 district measures, which have their own section) and not monthly
    counts (shown as trends)."""
    _require(catalogue, ["id", "method", "aggregation", "qol_theme", "status"],
             "theme_indicators", "the catalogue")
    keep = ((catalogue["status"] == "computed") & (catalogue["aggregation"] != "none")
            & (catalogue["method"] != "monthly_count"))
    return catalogue[keep].reset_index(drop=True)


def theme_table(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea, *,
                min_count: int = 5, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """The latest value of every theme indicator for the area, its county and England.

    For each indicator the area's latest period is taken; the county and England values are
    those of the same period (empty where the data have none: census, crime and population
    figures have no England rows in the shipped data). The area is compared with each
    benchmark by :func:`pipeline.stats.compare_to_benchmark` (benchmark outside the area's 95%
    interval = significantly different; turned by the indicator's polarity); indicators
    without an interval (scores, counts) are "not compared". Small numbers are suppressed.

    Parameters
    ----------
    store, catalogue
        The indicator store and catalogue.
    area
        The area (a district, compared with county and England; or the county, with England).
    min_count
        Disclosure threshold (the config's ``min_count``).
    themes
        Only these Quality of Life themes (default: all with data).

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``qol_theme``, ``indicator_id``, ``title``, ``definition``,
        ``unit``, ``polarity``, ``area_code``, ``area_name``, ``period``, ``value``,
        ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``, ``flag``, the county's
        ``county_value``, ``county_lower_ci``, ``county_upper_ci``, ``county_flag``,
        ``county_comparison`` and ``england_value``, ``england_flag``,
        ``england_comparison`` (labels ``better``/``similar``/``worse``/``higher``/``lower``/
        ``not compared``), and ``county_symbol``/``england_symbol`` (symbol and word). Sorted
        by theme (Audit Commission order) and title.

    Raises
    ------
    ValueError
        Missing columns, or an unknown theme.
    """
    _require(store, STORE_NEEDED, "theme_table", "the store")
    indicators = theme_indicators(catalogue)
    if themes is not None:
        unknown = sorted(set(themes) - set(QOL_THEMES))
        if unknown:
            raise ValueError(f"theme_table: unknown Quality of Life theme(s) {unknown} "
                             f"(expected: {', '.join(QOL_THEMES)})")
        indicators = indicators[indicators["qol_theme"].isin(themes)]
    rows = _area_rows(store, area)
    rows = _suppress(rows[rows["indicator_id"].isin(indicators["id"])], min_count)
    mine = rows[rows["role"] == "area"]
    latest = mine.sort_values("period").groupby("indicator_id").tail(1)
    base = latest[["indicator_id", "area_code", "area_name", "period", "value", "lower_ci",
                   "upper_ci", "numerator", "denominator", "flag"]]
    for role in ("county", "england"):
        other = rows[rows["role"] == role][["indicator_id", "period", "value", "lower_ci",
                                             "upper_ci", "flag"]]
        other = other.rename(columns={c: f"{role}_{c}" for c in
                                      ("value", "lower_ci", "upper_ci", "flag")})
        base = base.merge(other, on=["indicator_id", "period"], how="left")
        base[f"{role}_flag"] = base[f"{role}_flag"].fillna("")
    cat = indicators.set_index("id")
    base["polarity"] = base["indicator_id"].map(cat["polarity"])
    for role in ("county", "england"):
        comparison = compare_to_benchmark(base["value"], base["lower_ci"], base["upper_ci"],
                                          base[f"{role}_value"], base["polarity"])
        base[f"{role}_comparison"] = comparison.astype(str).to_numpy()
        base[f"{role}_symbol"] = comparison_text(comparison).to_numpy()
    for column in ("qol_theme", "title", "definition", "unit"):
        base[column] = base["indicator_id"].map(cat[column]) if column in cat else ""
    theme_order = {t: i for i, t in enumerate(QOL_THEMES)}
    base = base.sort_values(["qol_theme", "title"],
                            key=lambda s: s.map(theme_order) if s.name == "qol_theme" else s)
    columns = ["qol_theme", "indicator_id", "title", "definition", "unit", "polarity",
               "area_code", "area_name", "period", "value", "lower_ci", "upper_ci",
               "numerator", "denominator", "flag", "county_value", "county_lower_ci",
               "county_upper_ci", "county_flag", "county_comparison", "county_symbol",
               "england_value", "england_flag", "england_comparison", "england_symbol"]
    return base[columns].reset_index(drop=True)


def themes_with_data(table: pd.DataFrame) -> list[str]:
    """The Quality of Life themes present in a theme table, in the Audit Commission order."""
    present = set(table["qol_theme"])
    return [t for t in QOL_THEMES if t in present]


def comparison_counts(table: pd.DataFrame, role: str = "county") -> pd.DataFrame:
    """How many indicators of each theme are better / similar / worse (or higher / lower)
    than a benchmark, and how many were not compared: one row per theme."""
    column = f"{role}_comparison"
    _require(table, ["qol_theme", column], "comparison_counts", "the theme table")
    counts = pd.crosstab(table["qol_theme"], table[column])
    for label in ("better", "similar", "worse", "higher", "lower", "not compared"):
        if label not in counts:
            counts[label] = 0
    counts = counts[["better", "similar", "worse", "higher", "lower", "not compared"]]
    order = {t: i for i, t in enumerate(QOL_THEMES)}
    counts = counts.sort_index(key=lambda s: s.map(order))
    counts.columns.name = None
    return counts.reset_index()


# --------------------------------------------------------------------------------------------
# Trends


def trend_series(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea,
                 indicator_ids: Sequence[str], *, min_count: int = 5) -> pd.DataFrame:
    """Every period of some indicators for the area and its comparators (where they have data).

    Only indicators with more than one period for the area are kept (a trend needs two
    points). Small numbers are suppressed.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``area_code``, ``area_name``, ``indicator_id``, ``title``, ``unit``,
        ``period``, ``value``, ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``,
        ``flag``; sorted by indicator, role and period.

    Raises
    ------
    ValueError
        Missing columns, or an indicator id not in the catalogue.
    """
    _require(store, STORE_NEEDED, "trend_series", "the store")
    cat = _titles(catalogue)
    unknown = [i for i in indicator_ids if i not in cat.index]
    if unknown:
        raise ValueError(f"trend_series: indicator(s) {unknown} not in the catalogue")
    rows = _area_rows(store, area)
    rows = _suppress(rows[rows["indicator_id"].isin(list(indicator_ids))], min_count)
    periods = rows[rows["role"] == "area"].groupby("indicator_id")["period"].nunique()
    rows = rows[rows["indicator_id"].isin(periods[periods > 1].index)]
    rows = rows.assign(title=rows["indicator_id"].map(cat["title"]))
    order = {i: n for n, i in enumerate(indicator_ids)}
    rows = rows.sort_values(["indicator_id", "role", "period"],
                            key=lambda s: s.map(order) if s.name == "indicator_id" else
                            s.map(_ROLE_ORDER) if s.name == "role" else s)
    return rows[["role", "area_code", "area_name", "indicator_id", "title", "unit", "period",
                 "value", "lower_ci", "upper_ci", "numerator", "denominator", "flag"]
                ].reset_index(drop=True)


def monthly_series(store: pd.DataFrame, area: BaselineArea, indicator_id: str = "crime_monthly",
                   *, window: int = 12, min_count: int = 5) -> pd.DataFrame:
    """A monthly count for the area (and county) with its rolling mean and an index.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``area_code``, ``area_name``, ``indicator_id``, ``period`` (YYYY-MM),
        ``value`` (the month's count), ``rolling_mean`` (mean of the latest ``window`` months,
        empty until there are that many), ``index`` (the rolling mean as a percentage of its
        first value, so areas of different size can share a chart), ``flag``.

    Raises
    ------
    ValueError
        Missing columns, ``window`` below 1, or no monthly rows for the area.
    """
    _require(store, STORE_NEEDED, "monthly_series", "the store")
    if window < 1:
        raise ValueError(f"monthly_series: window must be at least 1 month, got {window}")
    rows = _area_rows(store, area)
    rows = rows[(rows["indicator_id"] == indicator_id)
                & rows["period"].str.fullmatch(r"\d{4}-\d{2}")]
    if rows[rows["role"] == "area"].empty:
        raise ValueError(f"monthly_series: no monthly values of {indicator_id} for {area.name}")
    rows = rows.sort_values(["role", "period"], key=lambda s: s.map(_ROLE_ORDER)
                            if s.name == "role" else s).reset_index(drop=True)
    rows["numerator"] = rows["value"]
    rows = _suppress(rows, min_count, counts=("numerator",), dependents=("value",))
    grouped = rows.groupby("role", sort=False)["value"]
    rows["rolling_mean"] = grouped.transform(
        lambda s: s.rolling(window, min_periods=window).mean())
    first = rows.groupby("role", sort=False)["rolling_mean"].transform(
        lambda s: s.dropna().iloc[0] if s.notna().any() else np.nan)
    rows["index"] = 100 * rows["rolling_mean"] / first
    return rows[["role", "area_code", "area_name", "indicator_id", "period", "value",
                 "rolling_mean", "index", "flag"]]


def census_change(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea, *,
                  min_count: int = 5,
                  not_comparable: Mapping[str, str] = CENSUS_NOT_COMPARABLE) -> pd.DataFrame:
    """Census 2011 -> 2021 change for indicators measured in both censuses.

    Indicators are paired by the catalogue's naming, ``c11_<x>`` with ``c21_<x>`` (the same
    measure; titles differ only by the year or the naming of groups), both ``computed``;
    pairs listed in ``not_comparable`` (a changed definition) are left out. The change is in
    percentage points with a 95% interval from the two Wilson intervals (independent samples:
    ``se = sqrt(se2011^2 + se2021^2)``, each ``se`` = half the interval width / 1.96); a change
    whose interval excludes 0 is significant.

    Returns
    -------
    pandas.DataFrame
        One row per role x pair: ``role``, ``area_code``, ``area_name``, ``measure`` (the
        title without its year), ``id_2011``, ``id_2021``, ``polarity``, ``value_2011``,
        ``lower_2011``, ``upper_2011``, ``value_2021``, ``lower_2021``, ``upper_2021``,
        ``change``, ``change_lower``, ``change_upper``, ``assessment`` (``"increased"``,
        ``"decreased"``, ``"no significant change"`` or ``"not compared"``), ``flag``.
    """
    _require(store, STORE_NEEDED, "census_change", "the store")
    _require(catalogue, ["id", "title", "polarity", "status"], "census_change", "the catalogue")
    computed = catalogue[catalogue["status"] == "computed"].set_index("id")
    old = {i[4:]: i for i in computed.index if i.startswith("c11_")}
    new = {i[4:]: i for i in computed.index if i.startswith("c21_")}
    pairs = pd.DataFrame([(k, old[k], new[k]) for k in sorted(set(old) & set(new))
                          if k not in not_comparable], columns=["key", "id_2011", "id_2021"])
    columns = ["role", "area_code", "area_name", "measure", "id_2011", "id_2021", "polarity",
               "value_2011", "lower_2011", "upper_2011", "value_2021", "lower_2021",
               "upper_2021", "change", "change_lower", "change_upper", "assessment", "flag"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    rows = _suppress(_area_rows(store, area), min_count)
    rows = rows[rows["role"] != "england"]
    keep = ["role", "area_code", "area_name", "indicator_id", "value", "lower_ci", "upper_ci",
            "flag"]
    first = rows[keep].rename(columns={"indicator_id": "id_2011", "value": "value_2011",
                                       "lower_ci": "lower_2011", "upper_ci": "upper_2011",
                                       "flag": "flag_2011"})
    second = rows[keep].rename(columns={"indicator_id": "id_2021", "value": "value_2021",
                                        "lower_ci": "lower_2021", "upper_ci": "upper_2021",
                                        "flag": "flag_2021"})
    out = pairs.merge(first, on="id_2011").merge(
        second, on=["id_2021", "role", "area_code", "area_name"])
    out["measure"] = _strip_year(out["id_2021"].map(computed["title"]))
    out["polarity"] = out["id_2021"].map(computed["polarity"])
    z = 1.959963984540054
    se = np.sqrt(((out["upper_2011"] - out["lower_2011"]) / (2 * z)) ** 2
                 + ((out["upper_2021"] - out["lower_2021"]) / (2 * z)) ** 2)
    out["change"] = out["value_2021"] - out["value_2011"]
    out["change_lower"] = out["change"] - z * se
    out["change_upper"] = out["change"] + z * se
    out["assessment"] = np.select(
        [out["change"].isna() | se.isna(), out["change_lower"] > 0, out["change_upper"] < 0],
        ["not compared", "increased", "decreased"], "no significant change")
    out["flag"] = np.where(out["flag_2011"] != "", out["flag_2011"], out["flag_2021"])
    out = out.sort_values(["role", "measure"], key=lambda s: s.map(_ROLE_ORDER)
                          if s.name == "role" else s)
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Breakdowns of the population


def breakdown_table(store: pd.DataFrame, catalogue: pd.DataFrame, area: BaselineArea, *,
                    groups: Mapping[str, Sequence[str]] = BREAKDOWN_INDICATORS,
                    min_count: int = 5) -> pd.DataFrame:
    """Shares of the population by ethnic group, religion and disability (Census 2021) for the
    area against the county (a district page) with 95% intervals and the comparison.

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
        ``county_symbol``.
        For the county overview the county columns are empty (England has no census rows).
    """
    _require(store, STORE_NEEDED, "breakdown_table", "the store")
    cat = _titles(catalogue)
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError("breakdown_table: groups must map a breakdown name to indicator ids")
    wanted = pd.DataFrame([(g, i, n) for g, ids in groups.items()
                           for n, i in enumerate(ids) if i in cat.index],
                          columns=["group", "indicator_id", "_order"])
    rows = _suppress(_area_rows(store, area), min_count)
    rows = rows[rows["indicator_id"].isin(wanted["indicator_id"])]
    mine = rows[rows["role"] == "area"].sort_values("period").groupby("indicator_id").tail(1)
    county = rows[rows["role"] == "county"][["indicator_id", "period", "value", "lower_ci",
                                             "upper_ci"]].rename(columns={
        "value": "county_value", "lower_ci": "county_lower_ci", "upper_ci": "county_upper_ci"})
    out = wanted.merge(mine, on="indicator_id").merge(county, on=["indicator_id", "period"],
                                                      how="left")
    out["measure"] = _strip_year(out["indicator_id"].map(cat["title"]))
    comparison = compare_to_benchmark(out["value"], out["lower_ci"], out["upper_ci"],
                                      out["county_value"],
                                      out["indicator_id"].map(cat["polarity"]))
    out["county_comparison"] = comparison.astype(str).to_numpy()
    out["county_symbol"] = comparison_text(comparison).to_numpy()
    out["county_name"] = np.nan if area.is_county else area.county.name
    group_order = {g: i for i, g in enumerate(groups)}
    out = out.sort_values(["group", "_order"], key=lambda s: s.map(group_order)
                          if s.name == "group" else s)
    return out[["group", "indicator_id", "measure", "unit", "period", "area_code", "area_name",
                "value", "lower_ci", "upper_ci", "numerator", "denominator", "flag",
                "county_name", "county_value", "county_lower_ci", "county_upper_ci",
                "county_comparison", "county_symbol"]].reset_index(drop=True)


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


def lsoa_labels(lsoas: pd.DataFrame) -> pd.Series:
    """Readable LSOA names for map hover text, indexed by code: ``"Charnwood 002A
    (Loughborough Lemyngton)"`` (name and ward) or the name alone."""
    _require(lsoas, ["lsoa_code", "lsoa_name"], "lsoa_labels", "the LSOA table")
    names = lsoas["lsoa_name"].astype(str)
    if "ward_name" in lsoas:
        ward = lsoas["ward_name"].fillna("").astype(str)
        names = names.where(ward == "", names + " (" + ward + ")")
    return pd.Series(names.to_numpy(), index=lsoas["lsoa_code"].astype(str).to_numpy(),
                     name="label")


def indicator_ids(catalogue: pd.DataFrame, method: str) -> list[str]:
    """Computed catalogue indicators of one method (e.g. ``"annual_rate"``), the two
    all-crime totals first, then by title."""
    _require(catalogue, ["id", "title", "method", "status"], "indicator_ids", "the catalogue")
    part = catalogue[(catalogue["method"] == method) & (catalogue["status"] == "computed")]
    if part.empty:
        raise ValueError(f"indicator_ids: no computed indicators of method {method!r}")
    first = {"crime_and_asb_rate": 0, "crime_rate": 1, "crime_and_asb_monthly": 0,
             "crime_monthly": 1}
    part = part.assign(_first=part["id"].map(first).fillna(9)).sort_values(["_first", "title"])
    return part["id"].tolist()


def map_series(values: pd.DataFrame) -> pd.Series:
    """The ``value`` of :func:`map_values` indexed by LSOA code, as the map takes it."""
    _require(values, ["lsoa_code", "value"], "map_series", "the map values")
    return pd.Series(values["value"].to_numpy(float), index=values["lsoa_code"].astype(str),
                     name="value")


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
        map shows them grey), sorted by code. Small numbers are suppressed.

    Raises
    ------
    ValueError
        Missing columns, or no LSOA values of the indicator (for ``period``).
    """
    _require(store, STORE_NEEDED, "map_values", "the store")
    _require(lsoas, ["lsoa_code", "lsoa_name"], "map_values", "the LSOA table")
    rows = store[(store["area_type"] == area.working_vintage)
                 & (store["indicator_id"] == indicator_id) & (store["category"] == "")
                 & store["area_code"].isin(area.lsoa_codes)]
    if rows.empty:
        raise ValueError(f"map_values: no LSOA values of {indicator_id} for {area.name}")
    period = max(rows["period"]) if period is None else str(period)
    rows = rows[rows["period"] == period]
    if rows.empty:
        raise ValueError(f"map_values: no LSOA values of {indicator_id} for {period}")
    rows = _suppress(rows.rename(columns={"area_code": "lsoa_code"}), min_count)
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


# --------------------------------------------------------------------------------------------
# Tables as shown on the page (readable headers, numbers as text where units are mixed)


FLAG_COLUMN = "flag"
NOT_AVAILABLE = "not available"


def _union_flags(*flags: pd.Series) -> pd.Series:
    """Every distinct flag of a row's cells (``"[e]"``, ``"[c] [e]"``), for the table notes."""
    frame = pd.concat([f.fillna("").astype(str) for f in flags], axis=1)
    return frame.apply(lambda r: " ".join(sorted({t for t in r if t})), axis=1) \
        if len(frame) else pd.Series(dtype=object)


def headline_display(headline: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`headline_summary` for ``show_table``: ``Measure``, the area, its 95% confidence
    interval, the county (district pages) and England ("not available" where the shipped data
    have no England figure)."""
    _require(headline, ["measure", "unit", "area", "area_lower_ci", "area_upper_ci", "county",
                        "england"], "headline_display", "the headline summary")
    out = pd.DataFrame({"Measure": headline["measure"],
                        area.name: format_by_unit(headline["area"], headline["unit"]),
                        "95% confidence interval": interval_text(
                            headline["area_lower_ci"], headline["area_upper_ci"],
                            headline["unit"])})
    if not area.is_county:
        out[area.county.name] = format_by_unit(headline["county"], headline["unit"],
                                               missing=NOT_AVAILABLE)
    out[area.england.name] = format_by_unit(headline["england"], headline["unit"],
                                            missing=NOT_AVAILABLE)
    return out.reset_index(drop=True)


def theme_display(table: pd.DataFrame, area: BaselineArea, theme: str | None = None
                  ) -> pd.DataFrame:
    """Rows of :func:`theme_table` (one theme, or all) as text for ``show_table``.

    Columns: ``Indicator``, ``Period``, ``Unit``, the area's value, ``95% confidence
    interval``, the county's value and ``Compared with <county>`` (district pages), England's
    value ("not available" where the data have none) and ``Compared with England`` (always on
    the county overview; on district pages only when some row could be compared); plus
    ``flag`` (every flag in the row, for the table notes).
    """
    _require(table, ["qol_theme", "title", "unit", "period", "value", "lower_ci", "upper_ci",
                     "flag", "county_value", "county_flag", "england_value", "england_flag",
                     "county_symbol", "england_comparison", "england_symbol"], "theme_display",
             "the theme table")
    if theme is not None and theme not in set(table["qol_theme"]):
        raise ValueError(f"theme_display: no indicators of the theme {theme!r} in the table")
    part = table if theme is None else table[table["qol_theme"] == theme]
    out = pd.DataFrame({
        "Indicator": part["title"],
        "Period": part["period"],
        "Unit": part["unit"].replace({"proportion": "%"}),
        area.name: format_by_unit(part["value"], part["unit"], part["flag"]),
        "95% confidence interval": interval_text(part["lower_ci"], part["upper_ci"],
                                                 part["unit"]),
    })
    flags = [part["flag"], part["england_flag"]]
    if not area.is_county:
        out[area.county.name] = format_by_unit(part["county_value"], part["unit"],
                                               part["county_flag"], missing=NOT_AVAILABLE)
        out[f"Compared with {area.county.name}"] = part["county_symbol"]
        flags.append(part["county_flag"])
    out[area.england.name] = format_by_unit(part["england_value"], part["unit"],
                                            part["england_flag"], missing=NOT_AVAILABLE)
    if area.is_county or (part["england_comparison"] != "not compared").any():
        out[f"Compared with {area.england.name}"] = part["england_symbol"]
    out[FLAG_COLUMN] = _union_flags(*flags)
    return out.reset_index(drop=True)


def imd_display(summary: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`imd_summary` for ``show_table``.

    One district: ``Measure``, ``Value``, ``Rank among N districts (1 = most deprived)``.
    Several districts (the county overview): one row per district with each measure and its
    rank, most deprived first.
    """
    _require(summary, ["area_code", "area_name", "indicator_id", "title", "unit", "value",
                       "rank", "out_of"], "imd_display", "the IMD summary")
    if summary.empty:
        raise ValueError("imd_display: the IMD summary is empty")
    out_of = int(summary["out_of"].iloc[0])
    if summary["area_code"].nunique() == 1:
        return pd.DataFrame({
            "Measure": summary["title"],
            "Value": format_by_unit(summary["value"], summary["unit"]),
            f"Rank among {out_of} districts (1 = most deprived)":
                summary["rank"].map(lambda r: f"{r:,.0f}" if pd.notna(r) else "–"),
        }).reset_index(drop=True)
    wide = imd_summary_wide(summary)
    out = pd.DataFrame({"District": wide["area_name"]})
    units = summary.drop_duplicates("indicator_id").set_index("indicator_id")
    for measure in FILE10_MEASURES:
        if measure not in wide:
            continue
        label = units.loc[measure, "title"]
        out[label] = format_by_unit(wide[measure], units.loc[measure, "unit"])
        out[f"Rank ({label})"] = wide[f"{measure}_rank"].map(
            lambda r: f"{r:,.0f}" if pd.notna(r) else "–")
    return out.reset_index(drop=True)


def editions_display(summary: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`imd_editions_summary` for ``show_table``: one row per IoD edition with the
    area's LSOAs and shares in the most / least deprived fifths (and the county's share in the
    most deprived 20% on district pages); ``flag`` is ``[e]`` where some LSOAs carry
    estimated deciles."""
    _require(summary, ["role", "edition", "lsoas", "most_deprived_10_pct",
                       "most_deprived_20_pct", "least_deprived_20_pct", "estimated_lsoas"],
             "editions_display", "the editions summary")
    mine = summary[summary["role"] == "area"].set_index("edition")
    out = pd.DataFrame({
        "IoD edition": mine.index,
        "Neighbourhoods (LSOAs)": mine["lsoas"].to_numpy(),
        "% in England's most deprived 10%": mine["most_deprived_10_pct"].to_numpy(),
        "% in England's most deprived 20%": mine["most_deprived_20_pct"].to_numpy(),
        "% in England's least deprived 20%": mine["least_deprived_20_pct"].to_numpy(),
    })
    county = summary[summary["role"] == "county"].set_index("edition")
    if not county.empty:
        out[f"{area.county.name}: % in most deprived 20%"] = \
            county["most_deprived_20_pct"].reindex(mine.index).to_numpy()
    out[FLAG_COLUMN] = np.where(mine["estimated_lsoas"].to_numpy() > 0, "[e]", "")
    return out


def trend_display(trend: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`trend_series` for ``show_table``: one row per indicator, one column per area and
    period (value and 95% interval as text), ``flag`` listing every flag of the row."""
    _require(trend, ["role", "area_name", "indicator_id", "title", "unit", "period", "value",
                     "lower_ci", "upper_ci", "flag"], "trend_display", "the trend series")
    t = trend.copy()
    text = format_by_unit(t["value"], t["unit"], t["flag"])
    ci = interval_text(t["lower_ci"], t["upper_ci"], t["unit"], missing="")
    t["_text"] = text.where(ci == "", text + " (" + ci + ")")
    t["_column"] = t["area_name"] + " " + t["period"]
    t["_role"] = t["role"].map(_ROLE_ORDER)
    columns = t.sort_values(["_role", "period"])["_column"].drop_duplicates().tolist()
    wide = t.pivot_table(index="indicator_id", columns="_column", values="_text",
                         aggfunc="first").reindex(columns=columns)
    meta = t.drop_duplicates("indicator_id").set_index("indicator_id")
    order = list(dict.fromkeys(t["indicator_id"]))
    out = pd.DataFrame({"Indicator": meta.loc[order, "title"].to_numpy(),
                        "Unit": meta.loc[order, "unit"].to_numpy()})
    for column in columns:
        out[column] = wide.loc[order, column].fillna(NOT_AVAILABLE).to_numpy()
    flags = t.groupby("indicator_id")["flag"].agg(lambda f: " ".join(sorted(set(f) - {""})))
    out[FLAG_COLUMN] = flags.reindex(order).to_numpy()
    out.columns.name = None
    return out


def census_change_display(change: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`census_change` for ``show_table``: one row per measure with the area's 2011 and
    2021 shares, the change in percentage points with its 95% interval and the assessment,
    and the county's change (district pages)."""
    _require(change, ["role", "measure", "value_2011", "value_2021", "change", "change_lower",
                      "change_upper", "assessment", "flag"], "census_change_display",
             "the census change table")
    mine = change[change["role"] == "area"].set_index("measure")
    out = pd.DataFrame({
        "Measure": mine.index,
        f"{area.name} 2011 (%)": mine["value_2011"].to_numpy(),
        f"{area.name} 2021 (%)": mine["value_2021"].to_numpy(),
        "Change (percentage points)": mine["change"].to_numpy(),
        "95% confidence interval of the change": interval_text(
            mine["change_lower"], mine["change_upper"], "percentage points").to_numpy(),
        "Assessment": mine["assessment"].to_numpy(),
    })
    county = change[change["role"] == "county"].set_index("measure")
    if not county.empty:
        out[f"{area.county.name}: change (percentage points)"] = \
            county["change"].reindex(mine.index).to_numpy()
    out[FLAG_COLUMN] = mine["flag"].to_numpy()
    return out


def breakdown_display(table: pd.DataFrame, area: BaselineArea, group: str) -> pd.DataFrame:
    """One breakdown of :func:`breakdown_table` for ``show_table``: ``Group`` (the measure),
    the area's share, its 95% interval, and the county's share and the comparison (district
    pages)."""
    _require(table, ["group", "measure", "value", "lower_ci", "upper_ci", "flag",
                     "county_value", "county_symbol"], "breakdown_display",
             "the breakdown table")
    part = table[table["group"] == group]
    if part.empty:
        raise ValueError(f"breakdown_display: no rows for the breakdown {group!r}")
    out = pd.DataFrame({
        group: part["measure"],
        f"{area.name} (% of residents)": part["value"],
        "95% confidence interval": interval_text(part["lower_ci"], part["upper_ci"], "%"),
    })
    if not area.is_county:
        out[f"{area.county.name} (% of residents)"] = part["county_value"]
        out[f"Compared with {area.county.name}"] = part["county_symbol"]
    out[FLAG_COLUMN] = part["flag"]
    return out.reset_index(drop=True)


def _profile_display(profile: pd.DataFrame, area: BaselineArea, *, key: str, label: str,
                     count: str, function: str) -> pd.DataFrame:
    """One row per ``key`` group: the area's residents, share and 95% interval, and the
    county's share (district pages)."""
    _require(profile, ["role", key, count, "share", "lower_ci", "upper_ci", "flag"],
             function, f"the {label.lower()} profile")
    mine = profile[profile["role"] == "area"].set_index(key)
    out = pd.DataFrame({
        label: mine.index,
        f"{area.name}: residents": mine[count].to_numpy(),
        f"{area.name}: % of residents": mine["share"].to_numpy(),
        "95% confidence interval": interval_text(mine["lower_ci"], mine["upper_ci"],
                                                 "%").to_numpy(),
    })
    county = profile[profile["role"] == "county"].set_index(key)
    if not county.empty:
        out[f"{area.county.name}: % of residents"] = \
            county["share"].reindex(mine.index).to_numpy()
    out[FLAG_COLUMN] = mine["flag"].to_numpy()
    return out


def age_display(profile: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`age_profile` for ``show_table``: residents, share and interval by age band."""
    return _profile_display(profile, area, key="band", label="Age band (years)",
                            count="population", function="age_display")


def sex_display(profile: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """:func:`sex_profile` for ``show_table``: residents by sex with shares and intervals."""
    return _profile_display(profile, area, key="sex", label="Sex", count="count",
                            function="sex_display")


# --------------------------------------------------------------------------------------------
# Frames for charts


def for_role(frame: pd.DataFrame, role: str = "area") -> pd.DataFrame:
    """The rows of one role (``"area"``, ``"county"``, ``"england"``) of any frame above."""
    _require(frame, ["role"], "for_role", "the frame")
    if role not in _ROLE_ORDER:
        raise ValueError(f"for_role: role must be one of {', '.join(_ROLE_ORDER)}, got {role!r}")
    return frame[frame["role"] == role].reset_index(drop=True)


def indexed_trend(trend: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """One indicator of :func:`trend_series` with ``index`` = value as a percentage of each
    area's first period (so a district and its county share one scale)."""
    _require(trend, ["role", "indicator_id", "period", "value"], "indexed_trend",
             "the trend series")
    part = trend[trend["indicator_id"] == indicator_id].sort_values(["role", "period"])
    if part.empty:
        raise ValueError(f"indexed_trend: no rows of {indicator_id} in the trend series")
    first = part.groupby("role")["value"].transform("first")
    part = part.assign(index=100 * part["value"] / first)
    return part.sort_values(["role", "period"], key=lambda s: s.map(_ROLE_ORDER)
                            if s.name == "role" else s).reset_index(drop=True)


def monthly_chart_frame(monthly: pd.DataFrame, role: str = "area") -> pd.DataFrame:
    """One area's monthly counts and rolling mean as two series for a line chart:
    ``period``, ``series`` (``"Monthly count"`` / ``"12-month rolling mean"``), ``value``."""
    _require(monthly, ["role", "period", "value", "rolling_mean"], "monthly_chart_frame",
             "the monthly series")
    part = monthly[monthly["role"] == role]
    if part.empty:
        raise ValueError(f"monthly_chart_frame: no rows for role {role!r}")
    counts = part[["period", "value"]].assign(series="Monthly count")
    mean = part[["period", "rolling_mean"]].rename(columns={"rolling_mean": "value"}).assign(
        series="12-month rolling mean")
    return pd.concat([counts, mean.dropna(subset=["value"])], ignore_index=True)[
        ["period", "series", "value"]]


def census_chart_frame(change: pd.DataFrame, role: str = "area") -> pd.DataFrame:
    """One area's census shares in 2011 and 2021 as long rows for a grouped bar chart:
    ``measure``, ``year``, ``value``, ``lower_ci``, ``upper_ci``."""
    _require(change, ["role", "measure", "value_2011", "lower_2011", "upper_2011", "value_2021",
                      "lower_2021", "upper_2021"], "census_chart_frame", "the census change")
    part = change[change["role"] == role]
    years = [part[["measure", f"value_{y}", f"lower_{y}", f"upper_{y}"]].set_axis(
        ["measure", "value", "lower_ci", "upper_ci"], axis=1).assign(year=y)
        for y in ("2011", "2021")]
    return pd.concat(years, ignore_index=True)[["measure", "year", "value", "lower_ci",
                                                "upper_ci"]]


def breakdown_chart_frame(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """One breakdown of :func:`breakdown_table` as long rows (area and county) for a grouped
    bar chart: ``measure``, ``area_name``, ``value``, ``lower_ci``, ``upper_ci``."""
    _require(table, ["group", "measure", "area_name", "value", "lower_ci", "upper_ci",
                     "county_name", "county_value", "county_lower_ci", "county_upper_ci"],
             "breakdown_chart_frame", "the breakdown table")
    part = table[table["group"] == group]
    if part.empty:
        raise ValueError(f"breakdown_chart_frame: no rows for the breakdown {group!r}")
    mine = part[["measure", "area_name", "value", "lower_ci", "upper_ci"]]
    frames = [mine]
    if part["county_value"].notna().any():
        frames.append(part[["measure", "county_value", "county_lower_ci", "county_upper_ci"]]
                      .set_axis(["measure", "value", "lower_ci", "upper_ci"], axis=1)
                      .assign(area_name=part["county_name"]))
    return pd.concat(frames, ignore_index=True)[["measure", "area_name", "value", "lower_ci",
                                                 "upper_ci"]]


# --------------------------------------------------------------------------------------------
# Plain-English sentences (chart summaries and key messages)


def _fmt(value: float, unit: str) -> str:
    return format_by_unit(pd.Series([value]), unit).iloc[0]


def _unit_suffix(unit: str) -> str:
    """`` per 1,000 residents`` for rates; nothing for %, counts and scores."""
    return f" {unit}" if unit.startswith("per ") else ""


def _pct_change(first: float, last: float) -> str:
    change = 100 * (last / first - 1)
    return f"{'+' if change >= 0 else '−'}{abs(change):.1f}%"


def _month_name(period: str) -> str:
    return pd.Period(period, freq="M").strftime("%B %Y")


def _lsoa_label(row: pd.Series) -> str:
    ward = row.get("ward_name")
    return f"{row['lsoa_name']} ({ward})" if isinstance(ward, str) and ward else row["lsoa_name"]


def describe_change(series: pd.DataFrame, *, title: str, unit: str, area_name: str) -> str:
    """One sentence on how one area's indicator moved from its first to its latest period,
    saying whether the 95% intervals overlap when there are intervals.

    ``series`` holds one area's rows of one indicator (``period``, ``value`` and optionally
    ``lower_ci``/``upper_ci``), in any order.
    """
    _require(series, ["period", "value"], "describe_change", "the series")
    s = series.dropna(subset=["value"]).sort_values("period")
    if len(s) < 2:
        return f"{title}: there is only one period for {area_name}, so no trend can be shown."
    first, last = s.iloc[0], s.iloc[-1]
    verb = "rose" if last["value"] > first["value"] else \
        "fell" if last["value"] < first["value"] else "did not change"
    sentence = (f"{title} in {area_name} {verb} from {_fmt(first['value'], unit)}"
                f"{_unit_suffix(unit)} in {first['period']} to {_fmt(last['value'], unit)} in "
                f"{last['period']}")
    if unit not in ("%", "proportion") and first["value"]:
        sentence += f" ({_pct_change(first['value'], last['value'])})"
    has_ci = {"lower_ci", "upper_ci"} <= set(s.columns) and s[["lower_ci", "upper_ci"]].iloc[
        [0, -1]].notna().all().all()
    if has_ci and verb != "did not change":
        apart = last["lower_ci"] > first["upper_ci"] or last["upper_ci"] < first["lower_ci"]
        sentence += ("; the 95% confidence intervals do not overlap, so the change is unlikely "
                     "to be chance" if apart else
                     "; the 95% confidence intervals overlap, so the change may be chance")
    return sentence + "."


def describe_age_profile(profile: pd.DataFrame) -> str:
    """One sentence comparing the area's age structure with the county's (or describing the
    county's own), naming the band where the two differ most."""
    _require(profile, ["role", "area_name", "band", "share"], "describe_age_profile",
             "the age profile")
    mine = profile[profile["role"] == "area"].set_index("band")
    if mine["share"].notna().sum() == 0:
        return "The age profile could not be shown (no published counts)."
    name = mine["area_name"].iloc[0]
    other = profile[profile["role"] == "county"].set_index("band")
    largest = mine["share"].idxmax()
    if other.empty:
        return (f"The largest five-year age band in {name} is {largest} "
                f"({mine.loc[largest, 'share']:.1f}% of residents).")
    diff = (mine["share"] - other["share"].reindex(mine.index)).dropna()
    band = diff.abs().idxmax()
    more = "more" if diff[band] > 0 else "fewer"
    return (f"Compared with {other['area_name'].iloc[0]}, {name} has proportionally {more} "
            f"residents aged {band} ({mine.loc[band, 'share']:.1f}% against "
            f"{other.loc[band, 'share']:.1f}%); its largest age band is {largest} "
            f"({mine.loc[largest, 'share']:.1f}%).")


def describe_editions(summary: pd.DataFrame) -> str:
    """One sentence on the share of the area's LSOAs in England's most deprived 20% in the
    first and latest IoD editions (from :func:`imd_editions_summary`)."""
    _require(summary, ["role", "area_name", "edition", "lsoas", "most_deprived_20_lsoas",
                       "most_deprived_20_pct"], "describe_editions", "the editions summary")
    mine = summary[summary["role"] == "area"].sort_values("edition")
    if mine.empty:
        return "No IMD deciles are available for this area."
    first, last = mine.iloc[0], mine.iloc[-1]
    sentence = (f"In the IoD {last['edition']}, {int(last['most_deprived_20_lsoas'])} of "
                f"{last['area_name']}'s {int(last['lsoas'])} neighbourhoods (LSOAs), "
                f"{last['most_deprived_20_pct']:.1f}%, were among the most deprived 20% in "
                f"England, against {first['most_deprived_20_pct']:.1f}% in the IoD "
                f"{first['edition']}")
    county = summary[(summary["role"] == "county") & (summary["edition"] == last["edition"])]
    if not county.empty:
        sentence += (f" ({county['area_name'].iloc[0]}: "
                     f"{county['most_deprived_20_pct'].iloc[0]:.1f}% in {last['edition']})")
    return sentence + "."


def describe_monthly(series: pd.DataFrame, *, what: str) -> str:
    """One sentence on the latest 12 months of a monthly count against the 12 months before,
    for the area and (if present) the county; ``what`` names the things counted
    (``"crimes"``)."""
    _require(series, ["role", "area_name", "period", "value"], "describe_monthly",
             "the monthly series")
    parts = []
    for role in ("area", "county"):  # two areas at most
        s = series[series["role"] == role].sort_values("period")
        if len(s) < 24 or s["value"].iloc[-24:].isna().any():
            continue
        last12, prior12 = s["value"].iloc[-12:].sum(), s["value"].iloc[-24:-12].sum()
        parts.append((s["area_name"].iloc[0], last12, prior12, s["period"].iloc[-1]))
    mine = series[series["role"] == "area"]
    if not parts or parts[0][0] != mine["area_name"].iloc[0]:
        return (f"There are {len(mine)} months of {what} for {mine['area_name'].iloc[0]}, too "
                "few to compare one year with the year before.")
    name, last12, prior12, end = parts[0]
    sentence = (f"In the 12 months to {_month_name(end)}, {name} recorded {last12:,.0f} {what}, "
                f"{_pct_change(prior12, last12)} on the 12 months before")
    if len(parts) > 1:
        sentence += f" ({parts[1][0]}: {_pct_change(parts[1][2], parts[1][1])})"
    return sentence + "."


def describe_census_change(change: pd.DataFrame) -> str:
    """One sentence on the area's significant Census 2011 -> 2021 changes."""
    _require(change, ["role", "area_name", "measure", "change", "assessment"],
             "describe_census_change", "the census change table")
    mine = change[change["role"] == "area"]
    if mine.empty:
        return "No indicator was measured the same way in both the 2011 and 2021 Censuses."
    moved = mine[mine["assessment"].isin(["increased", "decreased"])]
    name = mine["area_name"].iloc[0]
    if moved.empty:
        return f"None of the {len(mine)} census measures changed significantly in {name}."
    biggest = moved.loc[moved["change"].abs().idxmax()]
    return (f"{len(moved)} of {len(mine)} census measures changed significantly in {name} "
            f"between 2011 and 2021; the largest change was in the share “"
            f"{biggest['measure']}” ({'+' if biggest['change'] > 0 else '−'}"
            f"{abs(biggest['change']):.1f} percentage points).")


def describe_breakdown(table: pd.DataFrame, group: str) -> str:
    """One sentence on a breakdown: the largest share and how many shares differ
    significantly from the county."""
    _require(table, ["group", "measure", "area_name", "value", "county_comparison"],
             "describe_breakdown", "the breakdown table")
    part = table[(table["group"] == group) & table["value"].notna()]
    if part.empty:
        return f"There are no {group.lower()} figures for this area."
    name = part["area_name"].iloc[0]
    top = part.loc[part["value"].idxmax()]
    differ = part[part["county_comparison"].isin(["higher", "lower", "better", "worse"])]
    sentence = (f"In {name}, the largest share shown is “{top['measure']}” "
                f"({top['value']:.1f}% of residents)")
    if part["county_comparison"].eq("not compared").all():
        return sentence + "."
    return sentence + (f"; {len(differ)} of the {len(part)} shares differ significantly from "
                       "the county.")


def describe_map(values: pd.DataFrame, *, title: str, unit: str, area_name: str) -> str:
    """One sentence for a map: the range across the area's LSOAs (naming the extremes) and
    the median in priority neighbourhoods against the rest."""
    _require(values, ["lsoa_name", "value", "priority_neighbourhood"], "describe_map",
             "the map values")
    v = values.dropna(subset=["value"])
    if v.empty:
        return f"{title}: no neighbourhood in {area_name} has a value."
    low, high = v.loc[v["value"].idxmin()], v.loc[v["value"].idxmax()]
    sentence = (f"{title} ranges across {area_name}'s {len(values)} neighbourhoods (LSOAs) "
                f"from {_fmt(low['value'], unit)} in {_lsoa_label(low)} to "
                f"{_fmt(high['value'], unit)}{_unit_suffix(unit)} in {_lsoa_label(high)}")
    pn = v[v["priority_neighbourhood"]]
    rest = v[~v["priority_neighbourhood"]]
    if not pn.empty and not rest.empty:
        sentence += (f"; the typical (median) value is {_fmt(pn['value'].median(), unit)} in "
                     f"the {len(pn)} LSOAs of priority neighbourhoods (thick outline) and "
                     f"{_fmt(rest['value'].median(), unit)} elsewhere")
    elif pn.empty:
        sentence += "; none of its neighbourhoods is a priority neighbourhood"
    return sentence + "."


def key_messages(headline: pd.DataFrame, imd: pd.DataFrame | None, editions: pd.DataFrame,
                 themes: pd.DataFrame, area: BaselineArea, *,
                 imd_scores: pd.DataFrame | None = None, max_listed: int = 3) -> list[str]:
    """The page's key messages, in plain English, most important first.

    From the headline figures (:func:`headline_summary`), the IMD 2019 district summary
    (:func:`imd_area_summary`: the district's rank, or for the county overview its most and
    least deprived districts; ``None`` to leave out), the average IMD scores of the area,
    county and England (:func:`imd_score_comparison`, optional), the IoD editions summary and
    the theme table (how many indicators are significantly worse or better than the county,
    or than England for the county overview, naming the widest gaps).
    """
    messages = []
    residents = headline[headline["measure"].str.startswith("Residents")]
    change = headline[headline["measure"].str.endswith("(%)")]
    if not residents.empty:
        latest = residents.iloc[0]
        text = f"{area.name} had {latest['area']:,.0f} residents in mid-{latest['period']}"
        if not change.empty and pd.notna(change["area"].iloc[0]):
            c = change.iloc[0]
            text += (f", {abs(c['area']):.1f}% {'more' if c['area'] >= 0 else 'fewer'} than in "
                     f"mid-{c['period'].split('-')[0]}")
            if pd.notna(c["county"]):
                text += f" ({area.county.name}: {'+' if c['county'] >= 0 else '−'}" \
                        f"{abs(c['county']):.1f}%)"
        messages.append(text + ".")
    if imd is not None and not imd.empty:
        scores = imd[imd["indicator_id"] == "imd_average_score"].dropna(subset=["rank"])
        own = scores[scores["area_code"] == area.code]
        if not own.empty:
            r = own.iloc[0]
            messages.append(
                f"On the Index of Multiple Deprivation 2019, {area.name} ranks "
                f"{_ordinal(int(r['rank']))} of {int(r['out_of'])} districts in England on "
                f"average score (1 = most deprived), with an average score of {r['value']:.1f}.")
        elif len(scores) > 1:
            most, least = scores.loc[scores["rank"].idxmin()], scores.loc[scores["rank"].idxmax()]
            messages.append(
                f"On the Index of Multiple Deprivation 2019, the most deprived district in "
                f"{area.name} is {most['area_name']} (ranked {_ordinal(int(most['rank']))} of "
                f"{int(most['out_of'])} districts in England on average score, 1 = most "
                f"deprived) and the least deprived is {least['area_name']} "
                f"({_ordinal(int(least['rank']))}).")
    if imd_scores is not None and len(imd_scores) > 1:
        named = [f"{r.value:.1f} in {r.area_name}" for r in imd_scores.itertuples()]
        messages.append(f"The population-weighted average IMD {imd_scores['period'].iloc[0]} "
                        f"score is {', '.join(named[:-1])} and {named[-1]} (higher = more "
                        "deprived).")
    if not editions.empty:
        messages.append(describe_editions(editions))
    role = "england" if area.is_county else "county"
    label = "England" if area.is_county else area.county.name
    compared = themes[themes[f"{role}_comparison"].isin(["better", "similar", "worse"])]
    if not compared.empty:
        worse = compared[compared[f"{role}_comparison"] == "worse"]
        better = compared[compared[f"{role}_comparison"] == "better"]
        text = (f"Of {len(compared)} indicators with a confidence interval compared with "
                f"{label}, {area.name} is significantly worse on {len(worse)} and better on "
                f"{len(better)}")
        if not worse.empty:
            gap = (worse["value"] / worse[f"{role}_value"] - 1).abs().sort_values(
                ascending=False)
            names = worse.loc[gap.index[:max_listed], "title"].tolist()
            text += f"; the widest gaps where it is worse: {', '.join(names)}"
        messages.append(text + ".")
    elif area.is_county:
        messages.append("Only the deprivation indices have England figures in the shipped "
                        "data, and their scores have no confidence interval, so no indicator "
                        "could be tested for a significant difference from England.")
    return messages


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
