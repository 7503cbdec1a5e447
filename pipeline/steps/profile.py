"""The locality profile: one page per priority neighbourhood, forum area, rural area and town.

Pure step functions (frames in, frames out) build what the profile page shows: the locality's
population and age structure, its indicators set against the county's LSOAs, the district, the
county and England (the data of a Fingertips-style *spine chart*), its trends, the findings its
key messages are written from, and the targets that concern it. :func:`build_profile` wires them
together for the notebook from the prepared :class:`~pipeline.context.AreaData`; the two readers
at the end of the module (:func:`load_population_by_age`, :func:`load_targets_frame`) are the
only functions here that touch files.

Conventions
-----------
* Store-layout rows (``area_code, indicator_id, period, category, value, numerator, denominator,
  lower_ci, upper_ci, unit, flag``) go in; only ``category == ''`` rows are used.
* Spine positions run from 0 (left) to 1 (right) with the benchmark at 0.5; the indicator's
  polarity turns the scale so that *worse* is always on the left (``no_judgement``
  indicators: lower on the left).
* Every table about people passes :func:`protect` (disclosure control ``[c]`` and the low
  reliability flag ``[u]``) before it is shown or staged.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.schema import require_columns as _require
from pipeline.stats import (
    COMPARISON_LABELS,
    COMPARISON_SYMBOLS,
    compare_to_benchmark,
    comparison_colours,
    comparison_symbols,
    flag_low_reliability,
    suppress_small_numbers,
)

#: Locality types in plain words (lower case, to sit inside a sentence).
TYPE_WORDS: dict[str, str] = {
    "priority_neighbourhood": "priority neighbourhood",
    "forum_area": "community forum area",
    "rural": "rural area",
    "town": "town",
}

#: Broad age bands of the age structure: (label, first age, last age); 90 = "90 and over".
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-15", 0, 15), ("16-24", 16, 24), ("25-44", 25, 44), ("45-64", 45, 64),
    ("65-74", 65, 74), ("75-84", 75, 84), ("85+", 85, 200),
)

#: Census 2021 shares shown under "ethnicity, religion and disability", in display order.
DIVERSITY_INDICATORS: tuple[str, ...] = (
    "c21_ethnic_minority_pct", "c21_asian_pct", "c21_black_pct", "c21_mixed_pct",
    "c21_other_ethnic_pct", "c21_christian_pct", "c21_no_religion_pct", "c21_muslim_pct",
    "c21_hindu_pct", "c21_sikh_pct", "c21_disabled_pct",
)

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

#: Aggregations whose values can be compared between areas of different sizes (spine rows).
SPINE_AGGREGATIONS = ("ratio", "pop_weighted_mean")

#: Columns of :func:`spine_data`, in order.
SPINE_COLUMNS: list[str] = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "period", "value", "lower_ci",
    "upper_ci", "numerator", "denominator", "flag", "district_value", "county_value",
    "england_value", "benchmark", "benchmark_value", "centre_value", "comparison", "symbol",
    "colour", "district_comparison", "lsoa_count", "worst", "q25", "q75", "best", "x_worst",
    "x_q25", "x_q75", "x_best", "x_value", "x_district", "x_county", "x_england",
]


#: Columns of the findings handed to :func:`pipeline.steps.messages.key_messages` (its
#: required columns, then the optional ``value`` and ``comparator_value`` it quotes).
FINDING_COLUMNS: list[str] = [
    "subject", "indicator_title", "comparator", "measure", "estimate", "lower", "upper", "unit",
    "polarity", "significant", "change", "since", "period", "value", "comparator_value",
]

STORE_VALUE_COLUMNS = ["value", "numerator", "denominator", "lower_ci", "upper_ci", "flag"]
NOT_AVAILABLE = "not available"
MISSING_TEXT = "–"


# --------------------------------------------------------------------------------------------
# Small helpers




def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def format_value(value: Any) -> str:
    """A value as readers see it: thousands separators from 1,000, one decimal place from 1,
    three below 1, halves rounded up; missing -> a dash.

    One rule for every unit, so a table mixing rates, percentages and scores stays readable.
    """
    if _is_missing(value):
        return MISSING_TEXT
    number = Decimal(repr(float(value)))
    size = abs(number)
    spec = ",.0f" if size >= 1000 else ",.1f" if size >= 1 or size == 0 else ".3f"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return format(number, spec)


def interval_text(lower: Any, upper: Any) -> str:
    """A 95% confidence interval as text (``"12.3 to 15.6"``); a dash when there is none."""
    if _is_missing(lower) or _is_missing(upper):
        return MISSING_TEXT
    return f"{format_value(lower)} to {format_value(upper)}"


def plot_text(text: Any) -> str:
    """Text from data made safe for plotly labels: plotly reads a few HTML tags in labels, so
    ``<`` ``>`` ``&`` are escaped (plotly shows the entities as the characters)."""
    return html.escape(str(text), quote=False)


def table_name(locality_id: str, part: str) -> str:
    """The staged table name of one part of a locality's profile (``loc_<id>_<part>``)."""
    base = "loc_" + "".join(c if c.isalnum() else "_" for c in str(locality_id).lower())
    suffix = "_" + part
    return base[:63 - len(suffix)] + suffix


# --------------------------------------------------------------------------------------------
# The locality


def describe_locality(localities: pd.DataFrame, locality_id: str) -> pd.Series:
    """The summary row of one locality, with its type in plain words (``type_words``).

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
        raise InputError("localities.parquet", f"unknown locality '{locality_id}' "
                                               f"(known ids include: {known} ...)")
    row = match.iloc[0].copy()
    row["type_words"] = TYPE_WORDS.get(str(row["type"]), str(row["type"]).replace("_", " "))
    return row


def intro_text(name: str, type_words: str, district_name: str, lsoas: int,
               population: float | None, population_period: str) -> str:
    """The page's h1 and first paragraph (Markdown); data values go in as given and are
    escaped by :func:`pipeline.reporting.display.show_markdown`."""
    article = "an" if type_words[:1] in "aeiou" else "a"
    people = ("" if population is None or _is_missing(population) else
              f" Its population was {format_value(round(float(population)))} "
              f"(ONS estimate for mid-{population_period}).")
    areas = "neighbourhood (LSOA)" if lsoas == 1 else "neighbourhoods (LSOAs)"
    return (f"# {name}: locality profile\n\n"
            f"{name} is {article} {type_words} in {district_name}. It is made up of "
            f"{lsoas} small statistical {areas}.{people}")


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


def age_table(age: pd.DataFrame, *, locality_code: str, comparator_code: str) -> pd.DataFrame:
    """The age structure as shown: one row per band with the locality's residents and share
    and the comparator's share.

    Parameters
    ----------
    age
        :func:`age_structure` rows after disclosure control (``flag`` column optional).
    locality_code, comparator_code
        The two ``area_code`` values to set side by side.

    Returns
    -------
    pandas.DataFrame
        ``band, persons, share`` (numeric), ``comparator_share`` (text, so the locality's
        flag is not attached to it), ``flag`` (the locality's), bands in the order of ``age``.
    """
    _require(age, ["area_code", "band", "persons", "share"], "age_table")
    frame = age if "flag" in age.columns else age.assign(flag="")
    own = frame[frame["area_code"] == locality_code]
    if own.empty:
        raise ValueError(f"age_table: no rows for {locality_code!r}")
    other = frame[frame["area_code"] == comparator_code].set_index("band")["share"]
    return pd.DataFrame({
        "band": own["band"].to_numpy(),
        "persons": own["persons"].astype(float).to_numpy(),
        "share": own["share"].astype(float).to_numpy(),
        "comparator_share": own["band"].map(other).map(format_value).to_numpy(),
        "flag": own["flag"].fillna("").to_numpy(),
    })


# --------------------------------------------------------------------------------------------
# The spine chart


def _latest_rows(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows[rows["category"].astype(str) == ""]
    return (rows.sort_values(["indicator_id", "period"])
            .drop_duplicates("indicator_id", keep="last"))


def spine_data(
    locality: pd.DataFrame,
    lsoas: pd.DataFrame,
    comparators: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    district_code: str,
    county_code: str,
    england_code: str,
) -> pd.DataFrame:
    """The rows of a Fingertips-style spine chart for one locality.

    For each indicator the locality has a value for (its latest period; a value suppressed
    by disclosure control, flagged ``[c]``, keeps its row without a value), the spread of the
    county's LSOAs (worst, 25th percentile, 75th percentile, best), the district, county and
    England values of the same period, the benchmark (England where it has a value, otherwise
    the county) and the locality's comparison with it (and with the district).

    Positions ``x_*`` place each value on a 0-1 scale centred on the benchmark (0.5): the
    half-width is the largest distance from the benchmark of any value on the row, and the
    polarity turns the scale so that *worse* is always left (``higher_is_worse``: higher
    values to the left). ``no_judgement`` indicators have lower values on the left, and
    their ``worst``/``best`` columns hold the lowest/highest LSOA values. ``q25`` is the 25th
    percentile counted from the worst end (for ``higher_is_worse`` the numeric 75th
    percentile), so ``x_worst <= x_q25 <= x_q75 <= x_best`` on every row.

    Parameters
    ----------
    locality
        Store-layout rows of the locality (after :func:`protect`).
    lsoas
        Store-layout rows of the county's LSOAs (working vintage), for the spread.
    comparators
        Store-layout rows of the district, the county and England (others are ignored).
    catalogue
        The indicator catalogue (``id, title, unit, polarity, aggregation, method``; an
        optional ``qol_theme`` orders the rows).
    district_code, county_code, england_code
        Codes of the comparators.

    Returns
    -------
    pandas.DataFrame
        :data:`SPINE_COLUMNS`; one row per indicator, ordered by Quality of Life theme and
        title. Only indicators whose values compare across area sizes are included
        (aggregation ``ratio`` or ``pop_weighted_mean``; no monthly counts, totals, ranks or
        deciles). ``benchmark`` is ``'England'``, ``'county'`` or ``''`` (neither has a value:
        the row is then centred on the LSOA median and not compared).

    Raises
    ------
    ValueError
        Missing columns, or an indicator whose polarity is not a catalogue polarity.
    """
    store_columns = ["area_code", "indicator_id", "period", "category", "value", "lower_ci",
                     "upper_ci"]
    _require(locality, store_columns, "spine_data")
    _require(lsoas, ["area_code", "indicator_id", "period", "category", "value"], "spine_data")
    _require(comparators, ["area_code", "indicator_id", "period", "category", "value"],
             "spine_data")
    _require(catalogue, ["id", "title", "unit", "polarity", "aggregation", "method"],
             "spine_data")
    cat = catalogue.set_index("id")
    eligible = cat.index[cat["aggregation"].isin(SPINE_AGGREGATIONS)
                         & (cat["method"] != "monthly_count")]
    own = locality.copy()
    for column in ("numerator", "denominator"):
        if column not in own.columns:
            own[column] = np.nan
    own["flag"] = own["flag"].fillna("") if "flag" in own.columns else ""
    own = own[own["indicator_id"].isin(eligible)
              & (own["value"].notna() | (own["flag"] == "[c]"))]
    spine = _latest_rows(own)[["indicator_id", "period", *STORE_VALUE_COLUMNS]]
    spine = spine.reset_index(drop=True)
    if spine.empty:
        return pd.DataFrame(columns=SPINE_COLUMNS)
    spine["period"] = spine["period"].astype(str)
    for column in ("title", "unit", "polarity"):
        spine[column] = spine["indicator_id"].map(cat[column])
    spine["qol_theme"] = (spine["indicator_id"].map(cat["qol_theme"]).fillna("")
                          if "qol_theme" in cat.columns else "")

    keys = ["indicator_id", "period"]
    comp = comparators[comparators["category"].astype(str) == ""].assign(
        period=lambda d: d["period"].astype(str))
    for code, name in ((district_code, "district_value"), (county_code, "county_value"),
                       (england_code, "england_value")):
        values = (comp[comp["area_code"] == code].drop_duplicates(keys, keep="last")
                  .set_index(keys)["value"].rename(name))
        spine = spine.join(values, on=keys)

    spread = lsoas[(lsoas["category"].astype(str) == "") & lsoas["value"].notna()].assign(
        period=lambda d: d["period"].astype(str))
    spread = spread.merge(spine[keys], on=keys)
    grouped = spread.groupby(keys)["value"]
    stats = pd.DataFrame({
        "lsoa_count": grouped.size(), "low": grouped.min(), "high": grouped.max(),
        "p25": grouped.quantile(0.25), "median": grouped.median(), "p75": grouped.quantile(0.75),
    })
    spine = spine.join(stats, on=keys)
    spine["lsoa_count"] = spine["lsoa_count"].fillna(0).astype(int)

    has_england = spine["england_value"].notna()
    has_county = spine["county_value"].notna()
    spine["benchmark"] = np.select([has_england, has_county], ["England", "county"], "")
    spine["benchmark_value"] = spine["england_value"].where(has_england, spine["county_value"])
    spine["centre_value"] = spine["benchmark_value"].fillna(spine["median"])

    higher_worse = (spine["polarity"] == "higher_is_worse").to_numpy()
    spine["worst"] = np.where(higher_worse, spine["high"], spine["low"])
    spine["q25"] = np.where(higher_worse, spine["p75"], spine["p25"])
    spine["q75"] = np.where(higher_worse, spine["p25"], spine["p75"])
    spine["best"] = np.where(higher_worse, spine["low"], spine["high"])

    spine["comparison"] = compare_to_benchmark(
        spine["value"], spine["lower_ci"], spine["upper_ci"], spine["benchmark_value"],
        spine["polarity"].to_numpy()).astype(str)
    spine["district_comparison"] = compare_to_benchmark(
        spine["value"], spine["lower_ci"], spine["upper_ci"], spine["district_value"],
        spine["polarity"].to_numpy()).astype(str)
    spine["symbol"] = comparison_symbols(spine["comparison"])
    spine["colour"] = comparison_colours(spine["comparison"])

    positions = ["worst", "q25", "q75", "best", "value", "district_value", "county_value",
                 "england_value"]
    distance = spine[positions].sub(spine["centre_value"], axis=0).abs().max(axis=1)
    half_width = distance.where(distance > 0, 1.0).fillna(1.0) * 2
    direction = np.where(higher_worse, -1.0, 1.0)
    for column, target in zip(positions, ["x_worst", "x_q25", "x_q75", "x_best", "x_value",
                                          "x_district", "x_county", "x_england"], strict=True):
        spine[target] = 0.5 + direction * (spine[column] - spine["centre_value"]) / half_width

    theme_order = spine["qol_theme"].replace("", "~")
    spine = (spine.assign(_theme=theme_order).sort_values(["_theme", "title", "indicator_id"])
             .drop(columns="_theme").reset_index(drop=True))
    return spine[SPINE_COLUMNS]


def comparison_words(comparison: str, benchmark_name: str) -> str:
    """A comparison label in plain words naming the benchmark, led by its symbol
    (``"▼ Significantly worse than England"``)."""
    label = COMPARISON_LABELS[comparison]
    if comparison != "not compared":
        label = label.replace("the benchmark", benchmark_name)
    return f"{COMPARISON_SYMBOLS[comparison]} {label}"


def _benchmark_names(spine: pd.DataFrame, county_name: str) -> pd.Series:
    return spine["benchmark"].map({"England": "England", "county": county_name}).fillna("")


def spine_table(spine: pd.DataFrame, *, district_name: str, county_name: str) -> pd.DataFrame:
    """The numbers beside the spine chart, ready for :func:`show_table`.

    Columns: ``indicator`` (title), ``period``, ``unit``, ``value`` (numeric, the locality),
    ``interval`` (text), ``district``, ``county``, ``england`` (text: comparator values
    carry no locality flag, and England shows "not available" where it has no value),
    ``comparison`` (symbol and words, naming the benchmark), ``flag``.
    """
    _require(spine, SPINE_COLUMNS, "spine_table")
    names = _benchmark_names(spine, county_name)
    words = [comparison_words(c, n) for c, n in zip(spine["comparison"], names, strict=True)]
    return pd.DataFrame({
        "indicator": spine["title"],
        "period": spine["period"],
        "unit": spine["unit"],
        "value": spine["value"].astype(float),
        "interval": [interval_text(lo, hi) for lo, hi in
                     zip(spine["lower_ci"], spine["upper_ci"], strict=True)],
        "district": spine["district_value"].map(format_value),
        "county": spine["county_value"].map(format_value),
        "england": spine["england_value"].map(
            lambda v: NOT_AVAILABLE if _is_missing(v) else format_value(v)),
        "comparison": words,
        "flag": spine["flag"].fillna(""),
    })


def spine_download(spine: pd.DataFrame, *, locality_id: str, locality_name: str,
                   district_name: str, county_name: str) -> pd.DataFrame:
    """The spine data as partners get it (staged as a download): codes, names, values,
    intervals, comparators, the comparison and the county LSOA spread, readable headers."""
    _require(spine, SPINE_COLUMNS, "spine_download")
    names = _benchmark_names(spine, county_name)
    return pd.DataFrame({
        "Locality id": locality_id,
        "Locality": locality_name,
        "Indicator id": spine["indicator_id"],
        "Indicator": spine["title"],
        "Period": spine["period"],
        "Unit": spine["unit"],
        "Value": spine["value"],
        "Lower 95% confidence limit": spine["lower_ci"],
        "Upper 95% confidence limit": spine["upper_ci"],
        "Numerator": spine["numerator"],
        "Denominator": spine["denominator"],
        f"District ({district_name})": spine["district_value"],
        f"County ({county_name})": spine["county_value"],
        "England": spine["england_value"],
        "Benchmark": names,
        "Compared with the benchmark": spine["comparison"],
        f"Compared with {district_name}": spine["district_comparison"],
        "County LSOAs: worst (lowest if no judgement)": spine["worst"],
        "County LSOAs: 25th percentile from worst": spine["q25"],
        "County LSOAs: 75th percentile from worst": spine["q75"],
        "County LSOAs: best (highest if no judgement)": spine["best"],
        "Flag": spine["flag"],
    }).reset_index(drop=True)


def diversity_table(spine: pd.DataFrame, indicator_ids: Sequence[str] = DIVERSITY_INDICATORS
                    ) -> pd.DataFrame:
    """Ethnicity, religion and disability shares of the locality against its district.

    Columns: ``indicator``, ``period``, ``value`` (numeric), ``interval`` (text),
    ``district`` and ``county`` (text, so the locality's flag is not attached to them),
    ``comparison`` (symbol and words, against the district), ``flag``; rows in the order of
    ``indicator_ids`` (those without a row skipped).
    """
    _require(spine, SPINE_COLUMNS, "diversity_table")
    rows = spine.set_index("indicator_id").reindex(
        [i for i in indicator_ids if i in set(spine["indicator_id"])]).reset_index()
    words = [comparison_words(c, "the district") for c in rows["district_comparison"]]
    return pd.DataFrame({
        "indicator": rows["title"],
        "period": rows["period"],
        "value": rows["value"].astype(float),
        "interval": [interval_text(lo, hi) for lo, hi in
                     zip(rows["lower_ci"], rows["upper_ci"], strict=True)],
        "district": rows["district_value"].map(format_value),
        "county": rows["county_value"].map(format_value),
        "comparison": words,
        "flag": rows["flag"].fillna(""),
    })


# --------------------------------------------------------------------------------------------
# Key message findings


def comparison_findings(spine: pd.DataFrame, *, subject: str,
                        comparator_names: Mapping[str, str],
                        judged_only: bool = True) -> pd.DataFrame:
    """Findings for the key messages: the locality against each comparator, per indicator.

    One row per indicator and comparator that both have a value: the difference locality
    minus comparator (``measure='difference'``), its interval from the locality's 95%
    interval (the comparator treated as fixed, as in the Fingertips comparison), and whether
    it is significant (the comparator lies outside the locality's interval). One finding per
    topic: where a title recurs for several census years ("Unemployed (2011)" and a 2021
    counterpart with the same words), only the latest period is kept.

    Parameters
    ----------
    spine
        :func:`spine_data` rows.
    subject
        The locality's name.
    comparator_names
        Spine value column -> comparator name, e.g. ``{"district_value": "Charnwood",
        "county_value": "Leicestershire", "england_value": "England"}``.
    judged_only
        Leave out ``no_judgement`` indicators (population make-up is shown in its own section;
        key messages are about need).

    Returns
    -------
    pandas.DataFrame
        :data:`FINDING_COLUMNS`; ``change``/``since`` are empty (no change over time here).

    Raises
    ------
    ValueError
        Missing spine columns or an unknown comparator column.
    """
    _require(spine, SPINE_COLUMNS, "comparison_findings")
    unknown = [c for c in comparator_names if c not in
               ("district_value", "county_value", "england_value")]
    if unknown:
        raise ValueError(f"comparison_findings: unknown comparator column(s) {unknown}")
    rows = spine[spine["value"].notna()]
    if judged_only:
        rows = rows[rows["polarity"] != "no_judgement"]
    topic = rows["title"].str.replace(r"\s*\(\d{4}\)\s*$", "", regex=True)
    rows = (rows.assign(_topic=topic).sort_values(["_topic", "period"])
            .drop_duplicates("_topic", keep="last").sort_index())
    frames = []
    for column, name in comparator_names.items():  # three comparators, each vectorised
        part = rows[rows[column].notna()]
        comparison = compare_to_benchmark(part["value"], part["lower_ci"], part["upper_ci"],
                                          part[column], part["polarity"].to_numpy())
        frames.append(pd.DataFrame({
            "subject": subject,
            "indicator_title": part["title"],
            "comparator": name,
            "measure": "difference",
            "estimate": part["value"] - part[column],
            "lower": part["lower_ci"] - part[column],
            "upper": part["upper_ci"] - part[column],
            "unit": part["unit"],
            "polarity": part["polarity"],
            "significant": comparison.isin(["better", "worse", "higher", "lower"]).to_numpy(),
            "change": "",
            "since": "",
            "period": part["period"],
            "value": part["value"],
            "comparator_value": part[column],
        }))
    return pd.concat(frames, ignore_index=True)[FINDING_COLUMNS] if frames else \
        pd.DataFrame(columns=FINDING_COLUMNS)


# --------------------------------------------------------------------------------------------
# Trends


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


def trend_table(trends: pd.DataFrame, *, locality_code: str, comparator_code: str
                ) -> pd.DataFrame:
    """The trends as shown: one row per indicator and period with the locality's value, its
    interval and the comparator's value.

    Returns
    -------
    pandas.DataFrame
        ``indicator, unit, period, value`` (numeric, the locality), ``interval`` (text),
        ``comparator`` (text, no locality flag attached), ``flag`` (the locality's).
    """
    _require(trends, ["indicator_id", "title", "unit", "area_code", "period", "value",
                      "lower_ci", "upper_ci", "flag"], "trend_table")
    own = trends[trends["area_code"] == locality_code]
    other = (trends[trends["area_code"] == comparator_code]
             .set_index(["indicator_id", "period"])["value"].rename("comparator"))
    own = own.join(other, on=["indicator_id", "period"])
    return pd.DataFrame({
        "indicator": own["title"],
        "unit": own["unit"],
        "period": own["period"],
        "value": own["value"].astype(float),
        "interval": [interval_text(lo, hi) for lo, hi in
                     zip(own["lower_ci"], own["upper_ci"], strict=True)],
        "comparator": own["comparator"].map(format_value),
        "flag": own["flag"].fillna(""),
    }).reset_index(drop=True)


def age_download(age: pd.DataFrame) -> pd.DataFrame:
    """The age structure as partners get it (staged as a download), readable headers."""
    _require(age, ["area_code", "area_name", "period", "band", "persons", "share"],
             "age_download")
    flags = age["flag"] if "flag" in age.columns else ""
    return pd.DataFrame({
        "Area code": age["area_code"], "Area": age["area_name"], "Period": age["period"],
        "Age band (years)": age["band"], "Residents": age["persons"],
        "% of the area's residents": age["share"], "Flag": flags,
    }).reset_index(drop=True)


def trend_download(trends: pd.DataFrame) -> pd.DataFrame:
    """The trends as partners get them (staged as a download), readable headers."""
    _require(trends, ["area_code", "area_name", "indicator_id", "title", "unit", "period",
                      "value", "lower_ci", "upper_ci", "numerator", "denominator", "flag"],
             "trend_download")
    return pd.DataFrame({
        "Area code": trends["area_code"], "Area": trends["area_name"],
        "Indicator id": trends["indicator_id"], "Indicator": trends["title"],
        "Unit": trends["unit"], "Period": trends["period"], "Value": trends["value"],
        "Lower 95% confidence limit": trends["lower_ci"],
        "Upper 95% confidence limit": trends["upper_ci"], "Numerator": trends["numerator"],
        "Denominator": trends["denominator"], "Flag": trends["flag"],
    }).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Targets


TARGET_COLUMNS = ["id", "title", "indicator", "area", "baseline_period", "target_period",
                  "target", "theme_partnership", "illustrative"]


def _target_words(row: pd.Series, units: Mapping[str, str], names: Mapping[str, str]) -> str:
    amount = f"{float(row['amount']):g}"
    if row["kind"] == "absolute":
        return f"reach {amount} {units.get(row['indicator'], '')}".strip()
    if row["kind"] == "relative_change":
        return f"{amount}% {row['direction']} on the {row['baseline_period']} level"
    comparator = row.get("comparator") or "rest_of_district"
    label = {"rest_of_district": "the rest of the district", "england": "England"}.get(
        comparator, names.get(comparator, comparator))
    return f"narrow the gap with {label} by {amount}%"


def locality_targets(
    targets: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    locality_id: str,
    locality_type: str,
    district_code: str,
    area_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The targets that concern a locality, in plain words.

    A target applies when its area is the locality itself, all priority neighbourhoods of the
    locality's district (``priority_neighbourhoods:<district>``) and the locality is a
    priority neighbourhood, or the locality's district.

    Parameters
    ----------
    targets
        :func:`pipeline.registers.targets_frame` (indexed by id or with an ``id`` column).
    catalogue
        The indicator catalogue (titles and units).
    locality_id, locality_type, district_code
        The locality.
    area_names
        Area code -> name, for the area and comparator columns (codes shown otherwise).

    Returns
    -------
    pandas.DataFrame
        :data:`TARGET_COLUMNS`: indicator title, area in words, the target in words
        (``"15% decrease on the 2021 level"``), ordered by id.
    """
    frame = targets.reset_index() if "id" not in targets.columns else targets
    _require(frame, ["id", "title", "indicator", "area", "baseline_period", "target_period",
                     "kind", "amount", "direction"], "locality_targets")
    names = dict(area_names or {})
    pn_area = f"priority_neighbourhoods:{district_code}"
    applies = (frame["area"] == locality_id) | (frame["area"] == district_code) | (
        (frame["area"] == pn_area) & (locality_type == "priority_neighbourhood"))
    rows = frame[applies].sort_values("id")
    if rows.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    cat = catalogue.set_index("id")
    units = cat["unit"].to_dict()
    area_words = rows["area"].map(lambda a: (
        f"all priority neighbourhoods of {names.get(district_code, district_code)}"
        if a == pn_area else names.get(a, a)))
    return pd.DataFrame({
        "id": rows["id"],
        "title": rows["title"],
        "indicator": rows["indicator"].map(cat["title"]).fillna(rows["indicator"]),
        "area": area_words,
        "baseline_period": rows["baseline_period"].astype(str),
        "target_period": rows["target_period"].astype(str),
        "target": [_target_words(r, units, names) for _, r in rows.iterrows()],
        "theme_partnership": rows.get("theme_partnership", ""),
        "illustrative": rows.get("illustrative", False).astype(bool),
    }).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Wiring for the notebook


@dataclass
class LocalityProfile:
    """Everything the locality profile page shows, computed once (see :func:`build_profile`).

    Tables whose numbers are about people have passed disclosure control already. Columns
    named ``plot_name`` hold area names escaped for chart labels (:func:`plot_text`).
    """

    locality_id: str
    name: str
    type: str
    type_words: str
    district_code: str
    district_name: str
    county_name: str
    england_name: str
    lsoa_count: int
    population: float | None
    population_period: str
    intro: str
    forum_stand_in: str
    lsoa_codes: list[str]
    age: pd.DataFrame
    age_table: pd.DataFrame
    spine: pd.DataFrame
    spine_table: pd.DataFrame
    spine_download: pd.DataFrame
    diversity: pd.DataFrame
    findings: pd.DataFrame
    trends: pd.DataFrame
    trend_table: pd.DataFrame
    targets: pd.DataFrame
    map_shapes: Any = None
    map_values: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    map_names: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    map_period: str = ""
    work_dir: Path | None = None

    @property
    def map_summary(self) -> str:
        """The map's text summary (for readers who cannot see it)."""
        outlined = ("neighbourhood (LSOA) is" if self.lsoa_count == 1 else
                    f"{self.lsoa_count} neighbourhoods (LSOAs) are")
        shading = (f"shaded by their national IMD {self.map_period} decile (1 = most deprived)"
                   if self.map_period else "in grey")
        return (f"Map of {self.district_name}'s neighbourhoods {shading}; {self.name}'s "
                f"{outlined} outlined.")

    @property
    def plot_name(self) -> str:
        """The locality's name escaped for chart labels (see :func:`plot_text`)."""
        return plot_text(self.name)

    @property
    def plot_district(self) -> str:
        """The district's name escaped for chart labels (see :func:`plot_text`)."""
        return plot_text(self.district_name)

    def table_name(self, part: str) -> str:
        """Staged table name for one part of this profile."""
        return table_name(self.locality_id, part)


def build_profile(area: Any, locality_id: str, population: pd.DataFrame, *,
                  district: str = "", targets: pd.DataFrame | None = None,
                  forum_stand_in: str = "") -> LocalityProfile:
    """Compute a locality's profile from the prepared data (filtering early: one locality,
    its district, the county's LSOAs).

    Parameters
    ----------
    area
        :class:`pipeline.context.AreaData` (store, catalogue, lsoas, boundaries, membership,
        localities, locality rows, config).
    locality_id
        The locality.
    population
        Population observations by single year of age for (at least) the district's LSOAs
        (:func:`load_population_by_age`).
    district
        The notebook's district parameter: when given it must be the locality's district or
        the county code.
    targets
        :func:`load_targets_frame` output (``None``: no targets listed).
    forum_stand_in
        The config's wording of what stands in for community forum areas
        (``forum_areas.stand_in``); kept, as a sentence, for forum areas only. Pass ``""``
        when the user supplied their own forum areas.

    Raises
    ------
    InputError
        Unknown locality, or a district that is not the locality's.
    """
    config = area.config
    info = describe_locality(area.localities, locality_id)
    name, kind = str(info["name"]), str(info["type"])
    district_code = str(info["lad_code"])
    if district and district not in (district_code, config.county.code):
        raise InputError(config.path, f"locality '{locality_id}' is in district "
                                      f"{district_code}, not {district}")
    district_name = config.district(district_code).name
    names = {district_code: district_name, config.county.code: config.county.name,
             config.england.code: config.england.name}
    if name in names.values():  # e.g. a forum area called like its district: keep labels apart
        names = {code: (f"{label} (district)" if code == district_code else label)
                 for code, label in names.items()}

    members = area.membership[area.membership["locality_id"] == locality_id]
    lsoa_codes = sorted(members["lsoa_code"].astype(str).unique())
    district_lsoas = area.lsoas[area.lsoas["lad_code"] == district_code]
    groups = pd.concat([
        pd.DataFrame({"area_code": locality_id, "lsoa_code": lsoa_codes}),
        pd.DataFrame({"area_code": district_code, "lsoa_code": district_lsoas["lsoa_code"]}),
    ], ignore_index=True)

    store = area.store
    own = area.locality_rows[area.locality_rows["area_code"] == locality_id]
    own_safe = protect(own, config.min_count)
    comparators = protect(store[store["area_code"].isin(list(names))], config.min_count)
    lsoa_rows = store[(store["area_type"] == config.working_vintage)
                      & store["area_code"].isin(area.lsoas["lsoa_code"])]
    spine = spine_data(own_safe, lsoa_rows, comparators, area.catalogue,
                       district_code=district_code, county_code=config.county.code,
                       england_code=config.england.code)

    totals = own[(own["indicator_id"] == "population_total") & own["value"].notna()]
    totals = totals.sort_values("period")
    total = float(totals["value"].iloc[-1]) if len(totals) else None
    total_period = str(totals["period"].iloc[-1]) if len(totals) else ""

    age = age_structure(population, groups) if len(population) else pd.DataFrame(
        columns=["area_code", "period", "band", "persons", "share"])
    age = suppress_small_numbers(age.assign(flag=""), config.min_count,
                                 count_columns="persons", dependent_columns="share")
    age["area_name"] = age["area_code"].map({locality_id: name, **names})
    age["plot_name"] = age["area_name"].map(plot_text)

    deciles = lsoa_rows[lsoa_rows["indicator_id"] == "imd_decile"]
    trend_rows = pd.concat([own_safe, comparators[comparators["area_code"] == district_code],
                            deprived_share(deciles, groups)], ignore_index=True)
    trends = trend_data(trend_rows, area.catalogue,
                        area_names={locality_id: name, district_code: names[district_code]})
    trends["plot_name"] = trends["area_name"].map(plot_text)

    target_rows = (locality_targets(targets, area.catalogue, locality_id=locality_id,
                                    locality_type=kind, district_code=district_code,
                                    area_names={**names, locality_id: name})
                   if targets is not None else pd.DataFrame(columns=TARGET_COLUMNS))

    district_deciles = deciles[deciles["area_code"].isin(district_lsoas["lsoa_code"])]
    map_period = str(district_deciles["period"].max()) if len(district_deciles) else ""
    map_values = (district_deciles[district_deciles["period"] == map_period]
                  .set_index("area_code")["value"].sort_index())
    map_shapes = area.boundaries[area.boundaries["lsoa_code"].isin(district_lsoas["lsoa_code"])]
    lsoa_names = district_lsoas.set_index("lsoa_code")
    map_names = (lsoa_names["lsoa_name"] + (" (" + lsoa_names["msoa_hcl_name"] + ")"
                                            if "msoa_hcl_name" in lsoa_names else "")
                 ).map(plot_text).sort_index()

    return LocalityProfile(
        locality_id=locality_id, name=name, type=kind, type_words=str(info["type_words"]),
        district_code=district_code, district_name=district_name,
        county_name=config.county.name, england_name=config.england.name,
        lsoa_count=len(lsoa_codes), population=total, population_period=total_period,
        intro=intro_text(name, str(info["type_words"]), district_name, len(lsoa_codes), total,
                         total_period),
        forum_stand_in=(forum_stand_in.strip().rstrip(".") + "."
                        if kind == "forum_area" and forum_stand_in.strip() else ""),
        lsoa_codes=lsoa_codes,
        age=age,
        age_table=(age_table(age, locality_code=locality_id, comparator_code=district_code)
                   if len(age) else pd.DataFrame(columns=["band", "persons", "share",
                                                          "comparator_share", "flag"])),
        spine=spine,
        spine_table=spine_table(spine, district_name=district_name,
                                county_name=config.county.name),
        spine_download=spine_download(spine, locality_id=locality_id, locality_name=name,
                                      district_name=district_name,
                                      county_name=config.county.name),
        diversity=diversity_table(spine),
        findings=comparison_findings(spine, subject=name, comparator_names={
            "district_value": district_name, "county_value": config.county.name,
            "england_value": config.england.name}),
        trends=trends,
        trend_table=trend_table(trends, locality_code=locality_id,
                                comparator_code=district_code),
        targets=target_rows,
        map_shapes=map_shapes, map_values=map_values, map_names=map_names,
        map_period=map_period,
    )


def work_folder(output_dir: str | Path | None, processed_dir: str | Path | None,
                district_name: str) -> Path:
    """The folder for the page's staged tables (see :func:`pipeline.context.work_folder`)."""
    from pipeline.context import work_folder as folder

    return folder(output_dir, processed_dir, district_name)


def load_profile(locality_id: str, *, config_path: str | Path | None = None,
                 processed_dir: str | Path | None = None, output_dir: str | Path | None = None,
                 district: str = "", area: Any = None) -> LocalityProfile:
    """Read what a locality profile needs and build it (the notebook's one call).

    Reads the prepared data (:func:`pipeline.context.load_area_data`, unless ``area`` is
    given), the district's population by single year of age, the targets register and the
    forum stand-in wording, then calls :func:`build_profile`. Empty strings mean the project
    defaults, as in the notebook parameters; ``work_dir`` of the result is where the page
    stages its tables (:func:`work_folder`).
    """
    from dataclasses import replace

    from pipeline.context import load_area_data, locality_settings

    if area is None:
        area = load_area_data(config_path or None, processed_dir or None)
    info = describe_locality(area.localities, locality_id)
    district_lsoas = area.lsoas.loc[area.lsoas["lad_code"] == info["lad_code"], "lsoa_code"]
    population = load_population_by_age(processed_dir or None, district_lsoas)
    settings = locality_settings(area.config)
    stand_in = settings.forum_stand_in if settings.forum_file is None else ""
    profile = build_profile(area, locality_id, population, district=district,
                            targets=load_targets_frame(area), forum_stand_in=stand_in)
    return replace(profile, work_dir=work_folder(output_dir, processed_dir,
                                                 profile.district_name))


# --------------------------------------------------------------------------------------------
# Reading (the edges)


def load_population_by_age(processed_dir: str | Path | None, lsoa_codes: Sequence[str]
                           ) -> pd.DataFrame:
    """Population observations by single year of age for some LSOAs (a filtered read)."""
    from pipeline.store import load_observations

    return load_observations(processed_dir, variables=["population"], area_codes=lsoa_codes)


def load_targets_frame(area: Any) -> pd.DataFrame | None:
    """The targets register named in area.yaml, checked against the catalogue, districts,
    county and localities (:func:`pipeline.registers.targets_frame`); ``None`` when the area
    settings name no targets file."""
    from pipeline.registers import KnownIds, load_targets, targets_frame

    config = area.config
    path = config.config_file("targets")
    if path is None:
        return None
    known = KnownIds.of(
        indicators=area.catalogue["id"], districts={d.code: d.name for d in config.districts},
        localities=area.localities["locality_id"],
        county={config.county.code: config.county.name})
    return targets_frame(load_targets(path, known))
