"""Step 2, evidence: where need is greatest, multiple need, the gap and inequality.

The "Identify characteristics of area and nature of the problem" step of the Floor Target Action
Plan method (design brief, section 2). For one district, or for the whole county (the county
overview), the functions here compute:

1. **Need rankings**: the area's LSOAs on the IMD 2019 (national rank and decile, domain
   deciles) with a few key indicators, and its localities ranked on the same indicators with
   their significance against the district (the county for the overview) -
   :func:`rank_lsoas`, :func:`rank_localities`.
2. **Multiple need**: for every LSOA and locality, the number of the ten Quality of Life themes
   on which it is significantly worse than the benchmark, or, for the Indices of Deprivation,
   among the most deprived 20% of LSOAs in England on the domain belonging to the theme -
   :func:`need_comparisons`, :func:`deprivation_need`, :func:`multiple_need`.
3. **The gap** between the priority neighbourhoods taken together and the rest of the area,
   for every rate, proportion and population-weighted score, and whether it widened or narrowed
   between the earliest and latest periods - :func:`gap_table`.
4. **Inequality** across the county's deprivation deciles: the slope index of inequality of each
   rate and proportion - :func:`county_deciles`, :func:`decile_rows`,
   :func:`inequality_table`.
5. **Key messages** from all of these, ranked by size and certainty -
   :func:`findings_from_gaps`, :func:`findings_from_benchmarks`, :func:`evidence_key_messages`.

:func:`build_evidence` wires them together for the notebook from the prepared
:class:`~pipeline.context.AreaData`. Everything else is pure: store-layout frames in, frames out.

Benchmarks
----------
England values exist in the store only for the Indices of Deprivation; census, crime and
population indicators have county values only. Comparisons therefore use England where it has
a value for the indicator and period, and the county otherwise; the page says so
(:func:`benchmark_note`).

Disclosure control
------------------
Rows whose numerator is below the configured ``min_count`` are suppressed (``[c]``) before any
value, comparison, gap or inequality is computed for display, so nothing shown rests on a small
count.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.aggregate import aggregate
from pipeline.context import PN_ALL, REST
from pipeline.errors import InputError
from pipeline.indicators import flag_from_rank, flag_rank
from pipeline.localities import TYPE_LABELS
from pipeline.schema import require_columns as _require
from pipeline.stats import (
    COMPARISON_SYMBOLS,
    compare_to_benchmark,
    gap_change,
    rate_gap,
    score_gap,
    slope_index_of_inequality,
    suppress_small_numbers,
)
from pipeline.steps.messages import FINDING_COLUMNS, key_messages, rank_findings

#: The IoD edition the page ranks areas on (the priority neighbourhood rule uses it too).
EDITION = "2019"

#: Indicators shown beside the IMD in the need rankings (latest period of each).
KEY_INDICATORS: tuple[str, ...] = (
    "crime_and_asb_rate",
    "c11_no_qualifications_pct",
    "c11_unemployed_pct",
    "c11_bad_health_pct",
)

#: The seven IoD domains: decile indicator -> exponentially transformed score indicator.
DOMAINS: dict[str, str] = {
    "income_decile": "income_transformed_score",
    "employment_decile": "employment_transformed_score",
    "education_decile": "education_transformed_score",
    "health_decile": "health_transformed_score",
    "crime_decile": "crime_transformed_score",
    "barriers_decile": "barriers_transformed_score",
    "living_environment_decile": "living_environment_transformed_score",
}

#: "Most deprived 20% nationally": national deciles 1 and 2.
DEPRIVED_MAX_DECILE = 2

#: An area of multiple need is worse on at least this many Quality of Life themes.
MULTIPLE_NEED_THEMES = 3

#: A theme counts when the area is worse on at least this share of its compared indicators.
THEME_SHARE = 0.5

#: Indicators whose slope index of inequality is charted (when they have data).
MAIN_INEQUALITY_INDICATORS: tuple[str, ...] = (
    "crime_and_asb_rate",
    "burglary_rate",
    "violence_sexual_offences_rate",
    "c11_no_qualifications_pct",
    "c11_unemployed_pct",
    "c11_bad_health_pct",
)

#: Locality types in words, for tables (one definition, in pipeline.localities).
LOCALITY_TYPE_LABELS = TYPE_LABELS
LSOA_KIND = "Neighbourhood (LSOA)"

#: Comparison categories in words for tables (used with the shape symbols).
COMPARISON_WORDS: dict[str, str] = {
    "better": "better",
    "similar": "similar",
    "worse": "worse",
    "higher": "higher",
    "lower": "lower",
    "not compared": "not compared",
}

#: Kinds of indicator the gap and inequality analyses use.
RATE_METHODS = ("ratio", "annual_rate")

#: At most this many key messages per Quality of Life theme (so the list covers several).
MESSAGES_PER_THEME = 2

#: Rows shown on the page (the downloads have every row): LSOAs, localities, areas of need.
SHOWN_ROWS = 25


# --------------------------------------------------------------------------------------------
# Small helpers




ROW_COLUMNS = ["area_code", "indicator_id", "period", "value", "numerator", "denominator",
               "lower_ci", "upper_ci", "flag"]


def possessive(name: str) -> str:
    """``"Charnwood"`` -> ``"Charnwood's"`` (``"…s"`` -> ``"…s'"``)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def plot_text(text: Any) -> str:
    """Text from data made safe for plotly labels (plotly reads a few HTML tags)."""
    return html.escape(str(text), quote=False)


def indicator_kinds(catalogue: pd.DataFrame) -> pd.Series:
    """Each indicator's kind for the gap and inequality analyses, indexed by id.

    ``'proportion'`` (a numerator part of its denominator, Wilson intervals), ``'rate'``
    (counts per population, Byar intervals), ``'score'`` (population-weighted mean) or ``''``
    (counts, monthly counts, ranks and deciles: not compared). Only indicators with data
    (``status == 'computed'``) get a kind.
    """
    _require(catalogue, ["id", "method", "ci", "aggregation", "status"], "indicator_kinds")
    cat = catalogue.set_index("id")
    computed = cat["status"] == "computed"
    with_ratio = computed & (cat["aggregation"] == "ratio") & cat["method"].isin(RATE_METHODS)
    kinds = np.select(
        [with_ratio & (cat["ci"] == "wilson"), with_ratio & (cat["ci"] == "byar"),
         computed & (cat["aggregation"] == "pop_weighted_mean")],
        ["proportion", "rate", "score"], "")
    return pd.Series(kinds, index=cat.index, name="kind")


def latest_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of each indicator's latest period (the latest over all areas given, so every
    area is compared on the same period)."""
    _require(rows, ["indicator_id", "period"], "latest_rows")
    latest = rows.groupby("indicator_id")["period"].transform("max")
    return rows[rows["period"] == latest]


def comparison_text(comparison: pd.Series) -> pd.Series:
    """Comparison labels as table text with their shape symbol (``"▼ worse"``)."""
    labels = comparison.astype(object)
    unknown = sorted({str(v) for v in labels.dropna() if v not in COMPARISON_WORDS})
    if unknown:
        raise ValueError(f"unknown comparison label(s) {', '.join(unknown)}")
    return (labels.map(COMPARISON_SYMBOLS) + " " + labels.map(COMPARISON_WORDS)).fillna("")


def suppress(rows: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Disclosure control of store-layout rows: numerators below ``min_count`` are blanked
    with the value and interval built on them, flagged ``[c]``."""
    _require(rows, ["numerator", "value", "lower_ci", "upper_ci"], "suppress")
    rows = rows.copy()
    rows["flag"] = rows["flag"].fillna("").astype(str) if "flag" in rows else ""
    return suppress_small_numbers(rows, min_count=min_count)


def worst_flag(*flags: pd.Series) -> pd.Series:
    """Row by row, the most serious of several flag columns (``[x]`` > ``[c]`` > ``[u]`` >
    ``[e]`` > '')."""
    ranks = np.minimum.reduce([flag_rank(f.fillna("").astype(str)) for f in flags])
    return pd.Series(flag_from_rank(ranks), index=flags[0].index)


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

    @property
    def pn_name(self) -> str:
        """``"Charnwood's priority neighbourhoods"``."""
        return f"{possessive(self.name)} priority neighbourhoods"

    @property
    def rest_name(self) -> str:
        """``"the rest of Charnwood"``."""
        return f"the rest of {self.name}"

    @property
    def comparator_name(self) -> str:
        """The wider area it is compared with: the county, or England for the county."""
        return self.england_name if self.is_county else self.county_name


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
        raise InputError("lsoas.parquet", f"no LSOAs for {name} ({code}) in the prepared data "
                                          "(run `python -m pipeline localities` again)")
    return EvidenceArea(code=code, name=name, is_county=is_county, county_code=county.code,
                        county_name=county.name, england_code=england.code,
                        england_name=england.name, lsoa_codes=tuple(sorted(codes)))


def area_localities(localities: pd.DataFrame, area: EvidenceArea) -> pd.DataFrame:
    """The area's localities (the county's: all), priority neighbourhoods first, then by type
    and name."""
    _require(localities, ["locality_id", "name", "type", "lad_code"], "area_localities")
    rows = localities if area.is_county else localities[localities["lad_code"] == area.code]
    order = {t: i for i, t in enumerate(LOCALITY_TYPE_LABELS)}
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
# 1. Need rankings


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
) -> pd.DataFrame:
    """The area's localities ranked by need, with key indicators compared with the district.

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
        One row per locality, most deprived first: ``locality_id, name, type, type_label,
        lsoas, population, imd_score`` (population-weighted IMD score of ``edition``),
        ``need_rank``, then per key indicator ``<id>``, ``<id>_flag``, ``<id>_comparison``
        (category) and ``<id>_vs`` (symbol and word, e.g. ``"▼ worse"``).
    """
    _require(locality_rows, ROW_COLUMNS, "rank_localities")
    _require(localities, ["locality_id", "name", "type", "lsoas", "population"],
             "rank_localities")
    _require(benchmark_rows, ["indicator_id", "period", "value"], "rank_localities")
    ids = localities["locality_id"]
    out = localities[["locality_id", "name", "type", "lsoas", "population"]].copy()
    out["type_label"] = out["type"].map(LOCALITY_TYPE_LABELS).fillna(out["type"])
    mine = locality_rows[locality_rows["area_code"].isin(ids)]
    imd = mine[(mine["indicator_id"] == "imd_score") & (mine["period"] == edition)]
    out["imd_score"] = out["locality_id"].map(imd.set_index("area_code")["value"])
    known = [i for i in key_indicators if i in set(catalogue["id"])]
    keys = suppress(latest_rows(mine[mine["indicator_id"].isin(known)]), min_count)
    bench = benchmark_rows[["indicator_id", "period", "value"]].rename(
        columns={"value": "benchmark_value"}).drop_duplicates(["indicator_id", "period"])
    keys = keys.merge(bench, on=["indicator_id", "period"], how="left")
    polarity = keys["indicator_id"].map(catalogue.set_index("id")["polarity"])
    keys["comparison"] = compare_to_benchmark(
        keys["value"], keys["lower_ci"], keys["upper_ci"], keys["benchmark_value"],
        polarity.to_numpy()).astype(str).to_numpy()
    keys["vs"] = comparison_text(keys["comparison"]).to_numpy()
    for part, suffix in (("value", ""), ("flag", "_flag"), ("comparison", "_comparison"),
                         ("vs", "_vs")):
        wide = keys.pivot_table(index="area_code", columns="indicator_id", values=part,
                                aggfunc="first", dropna=False).reindex(columns=known)
        wide.columns = [f"{c}{suffix}" for c in wide.columns]
        out = out.merge(wide, left_on="locality_id", right_index=True, how="left")
    text_columns = [f"{c}{s}" for c in known for s in ("_flag", "_vs")]
    out[text_columns] = out[text_columns].fillna("")
    out = out.sort_values(["imd_score", "name"], ascending=[False, True],
                          na_position="last").reset_index(drop=True)
    out.insert(out.columns.get_loc("imd_score") + 1, "need_rank",
               out["imd_score"].rank(method="min", ascending=False).astype("Int64"))
    return out


# --------------------------------------------------------------------------------------------
# 2. Multiple need


def benchmark_values(benchmark_rows: pd.DataFrame, *, england_code: str, england_name: str,
                     county_code: str, county_name: str) -> pd.DataFrame:
    """The benchmark of each indicator and period: England where it has a value, else the county.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, period, benchmark_value, benchmark`` (the benchmark's name).
    """
    _require(benchmark_rows, ["area_code", "indicator_id", "period", "value"],
             "benchmark_values")
    rows = benchmark_rows[benchmark_rows["area_code"].isin([england_code, county_code])
                          & benchmark_rows["value"].notna()]
    rows = rows.assign(_order=np.where(rows["area_code"] == england_code, 0, 1),
                       benchmark=np.where(rows["area_code"] == england_code, england_name,
                                          county_name))
    best = rows.sort_values(["indicator_id", "period", "_order"]).drop_duplicates(
        ["indicator_id", "period"])
    return (best[["indicator_id", "period", "value", "benchmark"]]
            .rename(columns={"value": "benchmark_value"}).reset_index(drop=True))


def need_comparisons(rows: pd.DataFrame, benchmarks: pd.DataFrame, catalogue: pd.DataFrame,
                     *, min_count: int = 5) -> pd.DataFrame:
    """Each area's latest rate and proportion indicators against their benchmark.

    Only indicators with a judged polarity and a confidence interval are used (rates and
    proportions, :func:`indicator_kinds`), on their latest period; small numbers are suppressed
    first (a suppressed value is "not compared").

    Parameters
    ----------
    rows
        Store-layout rows of the areas (LSOAs and/or localities).
    benchmarks
        :func:`benchmark_values`.
    catalogue
        The indicator catalogue.
    min_count
        Disclosure threshold.

    Returns
    -------
    pandas.DataFrame
        ``area_code, indicator_id, qol_theme, period, value, lower_ci, upper_ci, flag,
        benchmark, benchmark_value, comparison`` (better / similar / worse / not compared).
    """
    _require(rows, ROW_COLUMNS, "need_comparisons")
    _require(benchmarks, ["indicator_id", "period", "benchmark_value", "benchmark"],
             "need_comparisons")
    kinds = indicator_kinds(catalogue)
    cat = catalogue.set_index("id")
    judged = cat.index[cat["polarity"].isin(["higher_is_worse", "higher_is_better"])]
    usable = kinds.index[kinds.isin(["rate", "proportion"])].intersection(judged)
    chosen = suppress(latest_rows(rows[rows["indicator_id"].isin(usable)]), min_count)
    chosen = chosen.merge(benchmarks, on=["indicator_id", "period"], how="left")
    chosen["comparison"] = compare_to_benchmark(
        chosen["value"], chosen["lower_ci"], chosen["upper_ci"], chosen["benchmark_value"],
        chosen["indicator_id"].map(cat["polarity"]).to_numpy()).astype(str).to_numpy()
    chosen["qol_theme"] = chosen["indicator_id"].map(cat["qol_theme"])
    chosen["benchmark"] = chosen["benchmark"].fillna("")
    columns = ["area_code", "indicator_id", "qol_theme", "period", "value", "lower_ci",
               "upper_ci", "flag", "benchmark", "benchmark_value", "comparison"]
    return chosen[columns].sort_values(["area_code", "indicator_id"]).reset_index(drop=True)


def deprivation_thresholds(national_rows: pd.DataFrame, *, edition: str = EDITION,
                           max_decile: int = DEPRIVED_MAX_DECILE) -> pd.Series:
    """The lowest transformed domain score among England's most deprived LSOAs per domain.

    An LSOA whose domain score reaches the threshold is in national deciles 1 to
    ``max_decile`` (the most deprived 20% by default) on that domain; a locality whose
    population-weighted score reaches it scores like one of those LSOAs.

    Parameters
    ----------
    national_rows
        Store rows of every LSOA in England (working vintage) for the domain deciles and
        transformed scores of ``edition`` (:data:`DOMAINS`).

    Returns
    -------
    pandas.Series
        Threshold by transformed score indicator id (domains without national data are left
        out).
    """
    _require(national_rows, ["area_code", "indicator_id", "period", "value"],
             "deprivation_thresholds")
    rows = national_rows[national_rows["period"] == edition]
    deciles = rows[rows["indicator_id"].isin(list(DOMAINS))].pivot_table(
        index="area_code", columns="indicator_id", values="value", aggfunc="first")
    scores = rows[rows["indicator_id"].isin(list(DOMAINS.values()))].pivot_table(
        index="area_code", columns="indicator_id", values="value", aggfunc="first")
    thresholds = {}
    for decile_id, score_id in DOMAINS.items():  # seven domains
        if decile_id in deciles and score_id in scores:
            both = pd.concat([deciles[decile_id], scores[score_id]], axis=1, join="inner")
            deprived = both.loc[both[decile_id] <= max_decile, score_id]
            if not deprived.empty:
                thresholds[score_id] = float(deprived.min())
    return pd.Series(thresholds, name="threshold", dtype=float).sort_index()


def deprivation_need(rows: pd.DataFrame, thresholds: pd.Series, catalogue: pd.DataFrame, *,
                     edition: str = EDITION) -> pd.DataFrame:
    """Which areas are among the most deprived nationally on each IoD domain.

    Parameters
    ----------
    rows
        Store-layout rows of the areas (LSOAs: their own transformed scores; localities:
        population-weighted ones).
    thresholds
        :func:`deprivation_thresholds`.
    catalogue
        The indicator catalogue (``qol_theme`` of each domain).
    edition
        IoD edition.

    Returns
    -------
    pandas.DataFrame
        ``area_code, indicator_id, qol_theme, period, value, threshold, deprived`` (bool).
    """
    _require(rows, ["area_code", "indicator_id", "period", "value"], "deprivation_need")
    chosen = rows[rows["indicator_id"].isin(thresholds.index) & (rows["period"] == edition)]
    chosen = chosen[["area_code", "indicator_id", "period", "value"]].copy()
    chosen["threshold"] = chosen["indicator_id"].map(thresholds)
    chosen["deprived"] = (chosen["value"] >= chosen["threshold"]).to_numpy(bool)
    chosen["qol_theme"] = chosen["indicator_id"].map(catalogue.set_index("id")["qol_theme"])
    columns = ["area_code", "indicator_id", "qol_theme", "period", "value", "threshold",
               "deprived"]
    return chosen[columns].sort_values(["area_code", "indicator_id"]).reset_index(drop=True)


def theme_label(theme: str) -> str:
    """A Quality of Life theme as a label (``"community safety"`` -> ``"Community safety"``)."""
    return theme[:1].upper() + theme[1:]


def multiple_need(
    comparisons: pd.DataFrame,
    deprivation: pd.DataFrame,
    areas: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    min_themes: int = MULTIPLE_NEED_THEMES,
    min_share: float = THEME_SHARE,
) -> pd.DataFrame:
    """Count, for every area, the Quality of Life themes on which it shows need.

    A theme counts when the area is significantly worse than the benchmark on at least
    ``min_share`` (default half) of the theme's indicators that could be compared
    (:func:`need_comparisons`), or when it is among the most deprived 20% nationally on an IoD
    domain belonging to the theme (:func:`deprivation_need`). The share rule stops a theme with
    many indicators (community safety has thirteen crime rates) from counting on one chance
    result.

    Parameters
    ----------
    comparisons, deprivation
        The two kinds of evidence (either may be empty).
    areas
        The areas to report, with ``area_code, name, kind`` (every area gets a row, 0 themes
        included), e.g. LSOAs and localities.
    catalogue
        The indicator catalogue (titles).
    min_themes
        Areas with at least this many themes are areas of multiple need.
    min_share
        Share of a theme's compared indicators that must be worse (0 < share <= 1).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``area_code, name, kind, themes`` (count), ``theme_list`` (labels,
        alphabetical, joined with ``"; "``), ``evidence`` (the indicators behind the themes
        counted), ``multiple_need`` (bool); most themes first, then by kind and name.

    Raises
    ------
    ValueError
        Missing columns, ``min_themes`` below 1 or ``min_share`` outside (0, 1].
    """
    _require(comparisons, ["area_code", "indicator_id", "qol_theme", "comparison"],
             "multiple_need")
    _require(deprivation, ["area_code", "indicator_id", "qol_theme", "deprived"],
             "multiple_need")
    _require(areas, ["area_code", "name", "kind"], "multiple_need")
    if isinstance(min_themes, bool) or not isinstance(min_themes, (int, np.integer)) \
            or min_themes < 1:
        raise ValueError(f"min_themes must be a whole number >= 1, got {min_themes!r}")
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be above 0 and at most 1, got {min_share!r}")
    titles = catalogue.set_index("id")["title"]
    compared = comparisons[comparisons["comparison"] != "not compared"].copy()
    compared["worse"] = compared["comparison"] == "worse"
    share = compared.groupby(["area_code", "qol_theme"])["worse"].transform("mean")
    by_comparison = compared.loc[compared["worse"] & (share >= min_share - 1e-12),
                                 ["area_code", "indicator_id", "qol_theme"]]
    by_deprivation = deprivation.loc[deprivation["deprived"].astype(bool),
                                     ["area_code", "indicator_id", "qol_theme"]]
    evidence = pd.concat([by_comparison, by_deprivation], ignore_index=True)
    evidence = evidence[evidence["area_code"].isin(areas["area_code"])]
    evidence["title"] = evidence["indicator_id"].map(titles).fillna(evidence["indicator_id"])
    evidence["theme"] = evidence["qol_theme"].fillna("").map(theme_label)
    evidence = evidence.sort_values(["area_code", "theme", "title"])
    themes = (evidence.drop_duplicates(["area_code", "theme"]).groupby("area_code")["theme"]
              .agg(themes="count", theme_list="; ".join))
    titles_used = evidence.groupby("area_code")["title"].agg("; ".join).rename("evidence")
    out = areas[["area_code", "name", "kind"]].drop_duplicates("area_code")
    out = out.merge(themes, left_on="area_code", right_index=True, how="left")
    out = out.merge(titles_used, left_on="area_code", right_index=True, how="left")
    out["themes"] = out["themes"].fillna(0).astype(int)
    out[["theme_list", "evidence"]] = out[["theme_list", "evidence"]].fillna("")
    out["multiple_need"] = out["themes"] >= min_themes
    kind_order = {LSOA_KIND: 0, **{v: i + 1 for i, v in enumerate(LOCALITY_TYPE_LABELS.values())}}
    out = out.assign(_kind=out["kind"].map(kind_order).fillna(len(kind_order)))
    out = out.sort_values(["themes", "_kind", "name", "area_code"],
                          ascending=[False, True, True, True])
    return out.drop(columns="_kind").reset_index(drop=True)


def benchmark_note(comparisons: pd.DataFrame, catalogue: pd.DataFrame, *, england_name: str,
                   county_name: str) -> str:
    """One plain sentence saying which benchmark the need comparisons used and why."""
    _require(comparisons, ["indicator_id", "benchmark"], "benchmark_note")
    used = comparisons.drop_duplicates("indicator_id")
    total = len(used)
    county = int((used["benchmark"] == county_name).sum())
    if total == 0:
        return ("No rate or percentage could be compared with a benchmark, so need is judged "
                "on the Indices of Deprivation only.")
    if county == 0:
        return f"All {total} rates and percentages are compared with {england_name}."
    if county == total:
        return (f"{england_name} has no value for any of the {total} rates and percentages "
                f"used (census, crime and population figures are held for {county_name} only), "
                f"so they are compared with {county_name} instead.")
    return (f"{england_name} has no value for {county} of the {total} rates and percentages "
            f"used (census, crime and population figures are held for {county_name} only), "
            f"so those are compared with {county_name}; the rest with {england_name}.")


# --------------------------------------------------------------------------------------------
# 3. The gap between priority neighbourhoods and the rest


def priority_groups(lsoas: pd.DataFrame, priority: pd.DataFrame,
                    area: EvidenceArea) -> pd.DataFrame:
    """Membership of the two comparison groups: ``area_code`` (``pn-all-<code>`` or
    ``rest-<code>``) and ``lsoa_code``, for the area's LSOAs."""
    _require(lsoas, ["lsoa_code"], "priority_groups")
    _require(priority, ["lsoa_code"], "priority_groups")
    codes = lsoas.loc[lsoas["lsoa_code"].isin(area.lsoa_codes), "lsoa_code"]
    in_pn = codes.isin(priority["lsoa_code"])
    return pd.DataFrame({
        "area_code": np.where(in_pn, area.pn_code, area.rest_code),
        "lsoa_code": codes.to_numpy(),
    }).sort_values(["area_code", "lsoa_code"]).reset_index(drop=True)


def group_rows(lsoa_rows: pd.DataFrame, groups: pd.DataFrame, catalogue: pd.DataFrame,
               weights: pd.Series) -> pd.DataFrame:
    """Store-layout rows of the two comparison groups, aggregated from LSOA rows
    (:func:`pipeline.aggregate.aggregate`: numerators and denominators added, scores
    population-weighted)."""
    _require(groups, ["area_code", "lsoa_code"], "group_rows")
    kinds = indicator_kinds(catalogue)
    wanted = kinds.index[kinds != ""]
    rows = lsoa_rows[lsoa_rows["indicator_id"].isin(wanted)
                     & lsoa_rows["area_code"].isin(groups["lsoa_code"])]
    return aggregate(rows, groups, catalogue, weights, area_type="LOCALITY")


GAP_TABLE_COLUMNS = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "kind", "period",
    "value_a", "value_b", "numerator_a", "denominator_a", "numerator_b", "denominator_b",
    "difference", "difference_lower", "difference_upper", "ratio", "ratio_lower", "ratio_upper",
    "ci_method", "comparison", "earliest_period", "earliest_value_a", "earliest_value_b",
    "earliest_difference", "earliest_ratio", "change", "flag",
]


def _gaps_all_periods(rows: pd.DataFrame, catalogue: pd.DataFrame, group_a: str, group_b: str,
                      min_count: int) -> pd.DataFrame:
    kinds = indicator_kinds(catalogue)
    cat = catalogue.set_index("id")
    rows = rows[rows["indicator_id"].isin(kinds.index[kinds != ""])
                & rows["area_code"].isin([group_a, group_b])]
    fields = ["value", "numerator", "denominator", "flag"]
    a = rows[rows["area_code"] == group_a].set_index(["indicator_id", "period"])[fields]
    b = rows[rows["area_code"] == group_b].set_index(["indicator_id", "period"])[fields]
    pair = a.join(b, how="inner", lsuffix="_a", rsuffix="_b").reset_index()
    if pair.empty:
        return pd.DataFrame(columns=[c for c in GAP_TABLE_COLUMNS if not c.startswith("earliest")
                                     and c != "change"])
    pair["kind"] = pair["indicator_id"].map(kinds)
    pair["flag"] = worst_flag(pair["flag_a"], pair["flag_b"])
    multiplier = pair["indicator_id"].map(cat["multiplier"]).astype(float).fillna(1.0)
    # Small numbers: blank both groups' values where either numerator is small.
    pair = suppress_small_numbers(pair, min_count=min_count,
                                  count_columns=["numerator_a", "numerator_b"],
                                  dependent_columns=["value_a", "value_b"])
    parts = []
    for kind in ("rate", "proportion"):  # two vectorised calls
        sub = pair[pair["kind"] == kind]
        if sub.empty:
            continue
        gap = rate_gap(sub["numerator_a"], sub["denominator_a"], sub["numerator_b"],
                       sub["denominator_b"], kind=kind)
        scale = multiplier[sub.index].to_numpy()
        for column in ("value_a", "value_b", "difference", "difference_lower",
                       "difference_upper"):
            gap[column] = gap[column] * scale
        parts.append(gap)
    scores = pair[pair["kind"] == "score"]
    if not scores.empty:
        score = score_gap(scores["value_a"], scores["value_b"])
        positive = (scores["value_a"] > 0) & (scores["value_b"] > 0)
        score["ratio"] = score["ratio"].where(positive)  # a ratio of signed scores means nothing
        parts.append(score)
    gaps = pd.concat(parts).reindex(pair.index)
    out = pair.drop(columns=["value_a", "value_b", "flag_a", "flag_b"]).join(gaps)
    out["ci_method"] = out["ci_method"].fillna("")
    polarity = out["indicator_id"].map(cat["polarity"])
    is_rate = (out["kind"] == "rate").to_numpy()
    comparison = compare_to_benchmark(
        np.where(is_rate, out["ratio"], out["difference"]),
        np.where(is_rate, out["ratio_lower"], out["difference_lower"]),
        np.where(is_rate, out["ratio_upper"], out["difference_upper"]),
        np.where(is_rate, 1.0, 0.0), polarity.to_numpy())
    out["comparison"] = comparison.astype(str).to_numpy()
    out["title"] = out["indicator_id"].map(cat["title"])
    out["unit"] = out["indicator_id"].map(cat["unit"])
    out["polarity"] = polarity
    out["qol_theme"] = out["indicator_id"].map(cat["qol_theme"])
    return out


def gap_table(rows: pd.DataFrame, catalogue: pd.DataFrame, *, group_a: str, group_b: str,
              min_count: int = 5) -> pd.DataFrame:
    """The gap between two groups for every rate, proportion and score, and how it moved.

    For each indicator with a numerator and denominator (rates: per population, Byar;
    proportions: Wilson) the difference and ratio of group A (priority neighbourhoods) to group
    B (the rest) with 95% intervals (:func:`pipeline.stats.rate_gap`); for population-weighted
    scores the difference and ratio without an interval (:func:`pipeline.stats.score_gap`).
    The latest period is reported; where an indicator has more than one period, the gap of the
    earliest period is given too and the change is tested (:func:`pipeline.stats.gap_change`:
    ``'widened'``, ``'narrowed'``, ``'no significant change'``; ``'not assessed'`` for scores
    or suppressed values; ``'one period only'``).

    ``comparison`` judges group A against group B with the indicator's polarity: on the ratio's
    interval for rates, on the difference's interval for proportions (``'not compared'`` for
    scores). Numerators below ``min_count`` in either group blank the values and gaps of that
    period (``[c]``).

    Parameters
    ----------
    rows
        Store-layout rows with ``area_code`` in ``group_a`` / ``group_b``.
    catalogue
        The indicator catalogue.
    group_a, group_b
        The two groups' area codes.
    min_count
        Disclosure threshold.

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_TABLE_COLUMNS`, one row per indicator, ordered by kind, theme and title.
        Empty (with these columns) when a group has no rows.
    """
    _require(rows, ROW_COLUMNS, "gap_table")
    _require(catalogue, ["id", "title", "unit", "polarity", "qol_theme", "multiplier"],
             "gap_table")
    every = _gaps_all_periods(rows, catalogue, group_a, group_b, min_count)
    if every.empty:
        return pd.DataFrame(columns=GAP_TABLE_COLUMNS)
    every = every.sort_values(["indicator_id", "period"]).reset_index(drop=True)
    first = every.groupby("indicator_id").head(1).set_index("indicator_id")
    last = every.groupby("indicator_id").tail(1).set_index("indicator_id")
    first = first.reindex(last.index)
    change = gap_change(first, last).astype(str)
    single = first["period"] == last["period"]
    out = last.copy()
    out["change"] = np.where(single, "one period only", change)
    out["earliest_period"] = np.where(single, "", first["period"])
    for column in ("value_a", "value_b", "difference", "ratio"):
        out[f"earliest_{column}"] = np.where(single, np.nan, first[column])
    out = out.reset_index()
    order = {"rate": 0, "proportion": 1, "score": 2}
    out = out.assign(_kind=out["kind"].map(order)).sort_values(
        ["_kind", "qol_theme", "title"]).drop(columns="_kind")
    return out[GAP_TABLE_COLUMNS].reset_index(drop=True)


def gap_chart_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """The gaps drawn in the ratio chart: rates and proportions with a judged polarity and
    a ratio interval, ordered by ratio (largest first)."""
    _require(gaps, ["kind", "polarity", "ratio", "ratio_lower", "ratio_upper"], "gap_chart_rows")
    keep = (gaps["kind"].isin(["rate", "proportion"]) & (gaps["polarity"] != "no_judgement")
            & gaps[["ratio", "ratio_lower", "ratio_upper"]].notna().all(axis=1))
    return gaps[keep].sort_values(["ratio", "title"], ascending=[False, True]).reset_index(
        drop=True)


def gap_chart_summary(chart_rows: pd.DataFrame, area: EvidenceArea) -> str:
    """One sentence describing the ratio chart."""
    counts = chart_rows["comparison"].value_counts()
    total = len(chart_rows)
    if total == 0:
        return "There are no rates or percentages to compare."
    top = chart_rows.iloc[0]
    return (f"Of {total} rates and percentages, {area.pn_name} are significantly worse than "
            f"{area.rest_name} on {int(counts.get('worse', 0))}, better on "
            f"{int(counts.get('better', 0))} and similar on {int(counts.get('similar', 0))}; "
            f"the largest ratio is for {top['title']} ({top['ratio']:.2f} times).")


# --------------------------------------------------------------------------------------------
# 4. Inequality across the county's deprivation deciles


def county_deciles(lsoas: pd.DataFrame, *, rank_column: str = "imd_rank_2019") -> pd.DataFrame:
    """The county's deprivation deciles: its LSOAs ranked by IMD national rank and cut into ten
    groups of (nearly) equal numbers of LSOAs, 1 = the county's most deprived tenth.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, county_decile`` (int 1-10), sorted by code.

    Raises
    ------
    ValueError
        Missing columns, an LSOA without a rank, or fewer than ten LSOAs.
    """
    _require(lsoas, ["lsoa_code", rank_column], "county_deciles")
    rank = pd.to_numeric(lsoas[rank_column], errors="coerce")
    if rank.isna().any():
        bad = lsoas.loc[rank.isna(), "lsoa_code"].iloc[0]
        raise ValueError(f"county_deciles: LSOA {bad} has no {rank_column}")
    if len(lsoas) < 10:
        raise ValueError(f"county_deciles needs at least 10 LSOAs, got {len(lsoas)}")
    position = rank.rank(method="first")
    decile = pd.qcut(position, 10, labels=False) + 1
    return (pd.DataFrame({"lsoa_code": lsoas["lsoa_code"].to_numpy(),
                          "county_decile": decile.astype(int).to_numpy()})
            .sort_values("lsoa_code").reset_index(drop=True))


def decile_rows(lsoa_rows: pd.DataFrame, deciles: pd.DataFrame, lsoa_codes: Sequence[str],
                catalogue: pd.DataFrame, weights: pd.Series, *,
                min_count: int = 5) -> pd.DataFrame:
    """Rates and proportions of the given LSOAs aggregated by county decile (latest period).

    Numerators and denominators are added within each decile (:func:`pipeline.aggregate.
    aggregate`), then small numbers are suppressed.

    Returns
    -------
    pandas.DataFrame
        Store-layout rows with ``area_code`` ``"decile-01"`` ... and an integer ``decile``.
    """
    _require(deciles, ["lsoa_code", "county_decile"], "decile_rows")
    kinds = indicator_kinds(catalogue)
    wanted = kinds.index[kinds.isin(["rate", "proportion"])]
    chosen = deciles[deciles["lsoa_code"].isin(lsoa_codes)]
    groups = pd.DataFrame({"area_code": chosen["county_decile"].map("decile-{:02d}".format),
                           "lsoa_code": chosen["lsoa_code"]})
    rows = lsoa_rows[lsoa_rows["indicator_id"].isin(wanted)
                     & lsoa_rows["area_code"].isin(groups["lsoa_code"])]
    out = aggregate(latest_rows(rows), groups, catalogue, weights, area_type="DECILE")
    out = suppress(out, min_count)
    out["decile"] = out["area_code"].str.slice(7).astype(int)
    return out.sort_values(["indicator_id", "decile"]).reset_index(drop=True)


INEQUALITY_COLUMNS = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "period", "n_quantiles",
    "sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "fitted_most_deprived",
    "fitted_least_deprived", "mean_value", "gradient", "reason",
]


def inequality_table(rows: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Slope index of inequality of each indicator across the county's deprivation deciles.

    Parameters
    ----------
    rows
        :func:`decile_rows` (one row per indicator x decile, latest period).
    catalogue
        The indicator catalogue.

    Returns
    -------
    pandas.DataFrame
        :data:`INEQUALITY_COLUMNS`: the SII (value in the most deprived minus the least deprived
        end of the fitted line, in the indicator's unit) and RII with 95% intervals
        (:func:`pipeline.stats.slope_index_of_inequality`, weights = denominators), and
        ``gradient``: ``'higher in more deprived areas'``, ``'lower in more deprived areas'``,
        ``'no clear gradient'`` or ``'not calculated'``. Ordered by theme and title.
    """
    _require(rows, ["indicator_id", "period", "decile", "value", "denominator", "lower_ci",
                    "upper_ci"], "inequality_table")
    if rows.empty:
        return pd.DataFrame(columns=INEQUALITY_COLUMNS)
    sii = slope_index_of_inequality(
        rows, group_cols=["indicator_id", "period"], quantile_col="decile", value_col="value",
        population_col="denominator", lower_col="lower_ci", upper_col="upper_ci")
    cat = catalogue.set_index("id")
    for column in ("title", "unit", "polarity", "qol_theme"):
        sii[column] = sii["indicator_id"].map(cat[column])
    sii["gradient"] = np.select(
        [sii["sii"].isna(), sii["sii_lower"] > 0, sii["sii_upper"] < 0],
        ["not calculated", "higher in more deprived areas", "lower in more deprived areas"],
        "no clear gradient")
    return sii.sort_values(["qol_theme", "title"])[INEQUALITY_COLUMNS].reset_index(drop=True)


def decile_gradient(rows: pd.DataFrame, inequality: pd.DataFrame,
                    indicator_ids: Sequence[str] = MAIN_INEQUALITY_INDICATORS) -> pd.DataFrame:
    """Values by decile with the fitted SII line, for charting the main indicators.

    The fitted value of each decile is read off the SII line at the decile's relative rank
    (the midpoint of its share of the population, 0 = most deprived end).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, title, unit, decile, value, lower_ci, upper_ci, fitted`` for the
        indicators that have an SII, in the order given.
    """
    _require(rows, ["indicator_id", "decile", "value", "denominator", "lower_ci", "upper_ci"],
             "decile_gradient")
    _require(inequality, ["indicator_id", "title", "unit", "sii", "fitted_most_deprived",
                          "fitted_least_deprived"], "decile_gradient")
    fitted = inequality[inequality["sii"].notna()
                        & inequality["indicator_id"].isin(indicator_ids)].set_index(
        "indicator_id")
    chosen = rows[rows["indicator_id"].isin(fitted.index) & (rows["denominator"] > 0)]
    chosen = chosen.sort_values(["indicator_id", "decile"]).copy()
    share = chosen["denominator"] / chosen.groupby("indicator_id")["denominator"].transform("sum")
    ridit = share.groupby(chosen["indicator_id"]).cumsum() - share / 2
    most = chosen["indicator_id"].map(fitted["fitted_most_deprived"])
    least = chosen["indicator_id"].map(fitted["fitted_least_deprived"])
    chosen["fitted"] = most + (least - most) * ridit
    chosen["title"] = chosen["indicator_id"].map(fitted["title"])
    chosen["unit"] = chosen["indicator_id"].map(fitted["unit"])
    order = {i: n for n, i in enumerate(indicator_ids)}
    chosen = chosen.assign(_order=chosen["indicator_id"].map(order)).sort_values(
        ["_order", "decile"])
    return chosen[["indicator_id", "title", "unit", "decile", "value", "lower_ci", "upper_ci",
                   "fitted"]].reset_index(drop=True)


def inequality_chart_summary(gradient: pd.DataFrame, inequality: pd.DataFrame,
                             area: EvidenceArea) -> str:
    """One sentence describing the inequality chart."""
    shown = inequality[inequality["indicator_id"].isin(gradient["indicator_id"].unique())]
    if shown.empty:
        return "There is not enough data to chart inequality across deprivation deciles."
    higher = shown.loc[shown["gradient"] == "higher in more deprived areas", "title"].tolist()
    lower = shown.loc[shown["gradient"] == "lower in more deprived areas", "title"].tolist()
    parts = []
    if higher:
        parts.append(f"{', '.join(higher)} {'is' if len(higher) == 1 else 'are'} significantly "
                     "higher in the more deprived tenths")
    if lower:
        parts.append(f"{', '.join(lower)} {'is' if len(lower) == 1 else 'are'} significantly "
                     "lower there")
    found = "; ".join(parts) if parts else "none of the charted indicators has a clear gradient"
    return (f"Values for {area.name} by the county's deprivation tenth (1 = most deprived) "
            f"with the fitted slope: {found}.")


# --------------------------------------------------------------------------------------------
# 5. Findings and key messages


def _findings_frame(**columns: Any) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    return frame[[*FINDING_COLUMNS, "value", "comparator_value", "qol_theme"]]


def findings_from_gaps(gaps: pd.DataFrame, *, subject: str, comparator: str) -> pd.DataFrame:
    """Findings (:data:`pipeline.steps.messages.FINDING_COLUMNS`) from :func:`gap_table`.

    Rates are worded as ratios, proportions as percentage-point differences, scores as ratios
    without an interval (never significant). Extra columns ``value``, ``comparator_value`` and
    ``qol_theme``.
    """
    _require(gaps, GAP_TABLE_COLUMNS, "findings_from_gaps")
    rows = gaps[gaps["kind"].isin(["rate", "proportion", "score"])]
    is_diff = (rows["kind"] == "proportion").to_numpy()
    change = rows["change"].where(
        rows["change"].isin(["widened", "narrowed", "no significant change"]), "")
    return _findings_frame(
        subject=subject,
        indicator_title=rows["title"],
        comparator=comparator,
        measure=np.where(is_diff, "difference", "ratio"),
        estimate=np.where(is_diff, rows["difference"], rows["ratio"]),
        lower=np.where(is_diff, rows["difference_lower"], rows["ratio_lower"]),
        upper=np.where(is_diff, rows["difference_upper"], rows["ratio_upper"]),
        unit=rows["unit"],
        polarity=rows["polarity"],
        significant=rows["comparison"].isin(["better", "worse", "higher", "lower"]).to_numpy(),
        change=change,
        since=np.where(change != "", rows["earliest_period"], ""),
        period=rows["period"],
        value=rows["value_a"],
        comparator_value=rows["value_b"],
        qol_theme=rows["qol_theme"],
    ).reset_index(drop=True)


def findings_from_benchmarks(rows: pd.DataFrame, benchmarks: pd.DataFrame,
                             catalogue: pd.DataFrame, *, subject: str,
                             min_count: int = 5) -> pd.DataFrame:
    """Findings from comparing the area itself with its benchmarks (latest period).

    The difference area minus benchmark, with the interval of the area's own 95% interval
    (the benchmark treated as fixed, as in the Fingertips comparison); significant when the
    benchmark lies outside the area's interval.

    Parameters
    ----------
    rows
        Store rows of the area (district or county).
    benchmarks
        ``indicator_id, period, benchmark_value, benchmark`` (:func:`benchmark_values`); a
        district is compared with the county (and England where it has values), the county with
        England.
    catalogue
        The indicator catalogue.
    subject
        The area's name.
    min_count
        Disclosure threshold.
    """
    comparisons = need_comparisons(rows, benchmarks, catalogue, min_count=min_count)
    comparisons = comparisons[comparisons["comparison"] != "not compared"]
    cat = catalogue.set_index("id")
    return _findings_frame(
        subject=subject,
        indicator_title=comparisons["indicator_id"].map(cat["title"]),
        comparator=comparisons["benchmark"],
        measure="difference",
        estimate=comparisons["value"] - comparisons["benchmark_value"],
        lower=comparisons["lower_ci"] - comparisons["benchmark_value"],
        upper=comparisons["upper_ci"] - comparisons["benchmark_value"],
        unit=comparisons["indicator_id"].map(cat["unit"]),
        polarity=comparisons["indicator_id"].map(cat["polarity"]),
        significant=comparisons["comparison"].isin(["better", "worse"]).to_numpy(),
        change="",
        since="",
        period=comparisons["period"],
        value=comparisons["value"],
        comparator_value=comparisons["benchmark_value"],
        qol_theme=comparisons["qol_theme"],
    ).reset_index(drop=True)


def need_message(need: pd.DataFrame, area: EvidenceArea, *,
                 min_themes: int = MULTIPLE_NEED_THEMES) -> str:
    """One sentence on areas of multiple need (LSOAs), or ``''`` when there is nothing to say."""
    _require(need, ["name", "kind", "themes", "theme_list", "multiple_need"], "need_message")
    lsoas = need[need["kind"] == LSOA_KIND]
    if lsoas.empty:
        return ""
    multiple = lsoas[lsoas["multiple_need"]]
    where = f"{possessive(area.name)} {len(lsoas)} neighbourhoods (LSOAs)"
    if multiple.empty:
        return (f"None of {where} shows need on {min_themes} or more of the ten Quality of Life "
                "themes.")
    top = multiple.iloc[0]
    verb = "is an area" if len(multiple) == 1 else "are areas"
    return (f"{len(multiple)} of {where} {verb} of multiple need, with need on {min_themes} or "
            f"more of the ten Quality of Life themes; {top['name']} shows need on the most, "
            f"{top['themes']}: {top['theme_list'].replace('; ', ', ').lower()}.")


def evidence_key_messages(findings: pd.DataFrame, need_sentence: str, area: EvidenceArea, *,
                          has_priority: bool, limit: int = 6,
                          per_theme: int = MESSAGES_PER_THEME) -> list[str]:
    """The page's key messages, most important first.

    Significant findings with a judged polarity (:mod:`pipeline.steps.messages` ranking: size
    and certainty), at most ``per_theme`` per Quality of Life theme so the list covers several
    themes and, for a measure taken at two censuses, the latest only; then the multiple-need
    sentence. A district without priority neighbourhoods gets a
    sentence saying so first.
    """
    _require(findings, [*FINDING_COLUMNS, "qol_theme"], "evidence_key_messages")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise ValueError(f"limit must be a whole number >= 0, got {limit!r}")
    first = [] if has_priority else [
        f"{area.name} has no priority neighbourhood under the current rule, so there is no gap "
        "to measure between priority neighbourhoods and the rest of the area."]
    last = [need_sentence] if need_sentence else []
    room = max(limit - len(first) - len(last), 0)
    judged = findings[findings["polarity"] != "no_judgement"]
    # The same measure from two censuses ("... (2011)", "... (2021)"): keep the latest only.
    base = judged["indicator_title"].astype(str).str.replace(r"\s*\(\d{4}\)$", "", regex=True)
    latest = judged.groupby([judged["subject"], judged["comparator"], base])["period"].transform(
        "max")
    judged = judged[judged["period"].astype(str) == latest.astype(str)]
    if judged.empty or room == 0:
        return (first + last)[:limit]
    ranked = rank_findings(judged)
    ranked = ranked[ranked.groupby(ranked["qol_theme"].fillna("")).cumcount() < per_theme]
    return (first + key_messages(ranked, limit=room) + last)[:limit]


def intro_text(area: EvidenceArea, *, lsoa_count: int, priority_count: int,
               priority_lsoa_count: int) -> str:
    """The page's opening paragraph (Markdown, plain words)."""
    place = "the county" if area.is_county else "the district"
    if priority_count:
        pn = (f"It compares {area.pn_name} ({priority_count} "
              f"{'neighbourhood' if priority_count == 1 else 'neighbourhoods'}, "
              f"{priority_lsoa_count} of its {lsoa_count} small areas) with {area.rest_name}")
    else:
        pn = (f"{area.name} has no priority neighbourhood under the current rule, so the page "
              f"looks at its {lsoa_count} small areas and localities without that comparison")
    return (f"This page looks at where need is greatest in {area.name} and how it is spread "
            f"across {place}. {pn}, finds areas of multiple need across the ten Quality of Life "
            "themes, and measures inequality across the county's deprivation tenths. Differences "
            "are called significant when the 95% confidence interval excludes no difference.")


# --------------------------------------------------------------------------------------------
# Display labels and downloads


def ranking_columns(catalogue: pd.DataFrame, periods: Mapping[str, str], *,
                    key_indicators: Sequence[str] = KEY_INDICATORS,
                    localities: bool = False, benchmark_name: str = "the district"
                    ) -> dict[str, str]:
    """Column labels of the LSOA (or locality) ranking table, in display order.

    ``periods`` gives each key indicator's period (:func:`indicator_periods`); indicators
    without one are left out. ``benchmark_name`` names what localities are compared with.
    """
    titles = catalogue.set_index("id")["title"]
    units = catalogue.set_index("id")["unit"]

    def label(i: str) -> str:
        period = periods.get(i, "")
        title = titles.get(i, i)
        when = f" {period}" if period and period not in title else ""
        return f"{title}{when} ({units.get(i, '')})"

    if localities:
        columns = {"name": "Locality", "type_label": "Type", "population": "Population",
                   "imd_score": f"IMD {EDITION} score (population-weighted)",
                   "need_rank": "Rank in area (1 = most deprived)"}
        for i in key_indicators:
            if i in periods:
                columns[i] = label(i)
                columns[f"{i}_vs"] = f"{titles.get(i, i)}: compared with {benchmark_name}"
        return columns
    columns = {"lsoa_name": "Neighbourhood (LSOA)", "ward_name": "Ward",
               "priority_neighbourhood": "Priority neighbourhood",
               "imd_rank": f"IMD {EDITION} national rank (1 = most deprived)",
               "imd_decile": f"IMD {EDITION} national decile",
               "area_rank": "Rank in area (1 = most deprived)"}
    for decile_id in DOMAINS:
        columns[decile_id] = titles.get(decile_id, decile_id)
    for i in key_indicators:
        if i in periods:
            columns[i] = label(i)
    return columns


def readable(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``df`` with only ``columns`` (raw -> readable name), renamed, for downloads."""
    _require(df, list(columns), "readable")
    return df[list(columns)].rename(columns=dict(columns)).reset_index(drop=True)


GAP_DOWNLOAD_COLUMNS = {
    "indicator_id": "Indicator id", "title": "Indicator", "unit": "Unit",
    "period": "Period", "value_a": "Priority neighbourhoods: value",
    "numerator_a": "Priority neighbourhoods: numerator",
    "denominator_a": "Priority neighbourhoods: denominator", "value_b": "Rest: value",
    "numerator_b": "Rest: numerator", "denominator_b": "Rest: denominator",
    "difference": "Difference", "difference_lower": "Difference: 95% CI lower",
    "difference_upper": "Difference: 95% CI upper", "ratio": "Ratio",
    "ratio_lower": "Ratio: 95% CI lower", "ratio_upper": "Ratio: 95% CI upper",
    "ci_method": "Interval method", "comparison": "Priority neighbourhoods compared with the rest",
    "earliest_period": "Earliest period", "earliest_difference": "Difference in earliest period",
    "earliest_ratio": "Ratio in earliest period", "change": "Change in the gap", "flag": "Flag",
}

INEQUALITY_DOWNLOAD_COLUMNS = {
    "indicator_id": "Indicator id", "title": "Indicator", "unit": "Unit", "period": "Period",
    "n_quantiles": "Deciles with data", "sii": "Slope index of inequality",
    "sii_lower": "SII: 95% CI lower", "sii_upper": "SII: 95% CI upper",
    "rii": "Relative index of inequality", "rii_lower": "RII: 95% CI lower",
    "rii_upper": "RII: 95% CI upper", "fitted_most_deprived": "Fitted value, most deprived end",
    "fitted_least_deprived": "Fitted value, least deprived end", "mean_value": "Average",
    "gradient": "Gradient", "reason": "Why not calculated",
}

NEED_COLUMNS = {"name": "Area", "kind": "Type", "themes": "Themes of need",
                "theme_list": "Themes"}

INEQUALITY_COLUMNS_SHOWN = {
    "title": "Indicator", "unit": "Unit", "period": "Period", "sii": "Slope index of inequality",
    "sii_ci": "95% confidence interval", "fitted_most_deprived": "Most deprived end (fitted)",
    "fitted_least_deprived": "Least deprived end (fitted)", "gradient": "Gradient",
}

NEED_DOWNLOAD_COLUMNS = {
    "area_code": "LSOA or locality code", "name": "LSOA or locality", "kind": "Type",
    "themes": "Themes of need",
    "theme_list": "Themes", "evidence": "Indicators showing need",
    "multiple_need": "Area of multiple need",
}


def gap_intro(area: EvidenceArea, has_priority: bool, gaps: pd.DataFrame) -> str:
    """The paragraph opening the gap section (or saying why there is none)."""
    if not has_priority:
        return (f"{area.name} has no priority neighbourhood under the current rule, so there is "
                "no gap to measure between priority neighbourhoods and the rest of the area. "
                "The rule is set in the locality settings (config/localities.yaml).")
    if gaps.empty:
        return (f"No indicator has values for both {area.pn_name} and {area.rest_name}, so the "
                "gap cannot be measured.")
    return (f"{_capitalised(area.pn_name)} taken together are compared with {area.rest_name} on "
            "every rate and percentage (ratio and difference, with 95% confidence intervals) "
            "and every deprivation score (no interval exists for scores). Where an indicator "
            "has more than one period, the gap in the earliest period is tested against the "
            "latest: it has widened or narrowed only when the change is statistically "
            "significant.")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def interval_text(lower: pd.Series, upper: pd.Series, decimals: int = 1) -> pd.Series:
    """Intervals as text (``"1.17 to 1.78"``), ``''`` where a limit is missing."""
    present = lower.notna() & upper.notna()
    low = lower.map(lambda v: f"{v:,.{decimals}f}" if pd.notna(v) else "")
    upp = upper.map(lambda v: f"{v:,.{decimals}f}" if pd.notna(v) else "")
    return (low + " to " + upp).where(present, "")


CHANGE_WORDS: dict[str, str] = {
    "widened": "widened",
    "narrowed": "narrowed",
    "no significant change": "no significant change",
    "not assessed": "not assessed (no interval)",
    "one period only": "one period only",
}


def gap_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gap rows with text columns for the page: ``vs`` (symbol and word), ``ratio_ci``,
    ``difference_ci``, ``change_text`` and ``since`` (``"since 2020"``)."""
    _require(gaps, GAP_TABLE_COLUMNS, "gap_display")
    shown = gaps.copy()
    shown["vs"] = comparison_text(shown["comparison"])
    shown["ratio_ci"] = interval_text(shown["ratio_lower"], shown["ratio_upper"], 2)
    shown["difference_ci"] = interval_text(shown["difference_lower"],
                                           shown["difference_upper"], 1)
    words = shown["change"].map(CHANGE_WORDS).fillna(shown["change"])
    since = shown["earliest_period"].fillna("").astype(str)
    shown["change_text"] = np.where(since != "", words + " since " + since, words)
    return shown.reset_index(drop=True)


def work_folder(output_dir: str, processed_dir: str, area_name: str) -> Path:
    """The folder for the page's outputs (see :func:`pipeline.context.work_folder`)."""
    from pipeline.context import work_folder as folder

    return folder(output_dir, processed_dir, area_name)


# --------------------------------------------------------------------------------------------
# Wiring for the notebook


@dataclass
class Evidence:
    """Everything the evidence page shows, computed once (see :func:`build_evidence`).

    Tables about people have passed disclosure control.
    """

    area: EvidenceArea
    intro: str
    has_priority: bool
    priority: pd.DataFrame
    lsoa_ranking: pd.DataFrame
    lsoa_columns: dict[str, str]
    locality_ranking: pd.DataFrame
    locality_columns: dict[str, str]
    comparisons: pd.DataFrame
    deprivation: pd.DataFrame
    need: pd.DataFrame
    benchmark_note: str
    gaps: pd.DataFrame
    gap_intro: str
    gap_chart_rows: pd.DataFrame
    inequality: pd.DataFrame
    gradient: pd.DataFrame
    findings: pd.DataFrame
    messages: list[str]
    shapes: gpd.GeoDataFrame

    @property
    def multiple_need_areas(self) -> pd.DataFrame:
        """Areas of multiple need only."""
        return self.need[self.need["multiple_need"]].reset_index(drop=True)

    @property
    def lsoa_ranking_shown(self) -> pd.DataFrame:
        """The most deprived LSOAs, as many as :data:`SHOWN_ROWS`."""
        return self.lsoa_ranking.head(SHOWN_ROWS)

    @property
    def locality_ranking_shown(self) -> pd.DataFrame:
        """The most deprived localities, as many as :data:`SHOWN_ROWS`."""
        return self.locality_ranking.head(SHOWN_ROWS)

    @property
    def multiple_need_shown(self) -> pd.DataFrame:
        """The areas of multiple need with the most themes, as many as :data:`SHOWN_ROWS`."""
        return self.multiple_need_areas.head(SHOWN_ROWS)

    @staticmethod
    def shown_caption(what: str, shown: int, total: int) -> str:
        """A table caption saying how many of how many rows are shown."""
        if shown >= total:
            return what
        return f"{what}: the first {shown} of {total} (every row is in the downloads)"

    @property
    def need_by_lsoa(self) -> pd.Series:
        """Number of themes of need by LSOA code (for the map)."""
        lsoas = self.need[self.need["kind"] == LSOA_KIND]
        return lsoas.set_index("area_code")["themes"].astype(float)

    @property
    def lsoa_names(self) -> pd.Series:
        """LSOA name by code (for map hover text)."""
        return self.lsoa_ranking.set_index("lsoa_code")["lsoa_name"]

    @property
    def rate_gaps(self) -> pd.DataFrame:
        """Gaps of rates and proportions (with intervals), with text columns for the page."""
        return gap_display(self.gaps[self.gaps["kind"].isin(["rate", "proportion"])])

    @property
    def score_gaps(self) -> pd.DataFrame:
        """Gaps of population-weighted scores (no interval), with text columns for the page."""
        return gap_display(self.gaps[self.gaps["kind"] == "score"])

    @property
    def gap_columns(self) -> dict[str, str]:
        """Column labels of the rate and percentage gap table."""
        return {
            "title": "Indicator", "period": "Period", "unit": "Unit",
            "value_a": _capitalised(self.area.pn_name), "value_b": _capitalised(
                self.area.rest_name),
            "difference": "Difference", "difference_ci": "Difference: 95% confidence interval",
            "ratio": "Ratio", "ratio_ci": "Ratio: 95% confidence interval",
            "vs": "Priority neighbourhoods compared with the rest",
            "change_text": "Change in the gap",
        }

    @property
    def score_gap_columns(self) -> dict[str, str]:
        """Column labels of the score gap table."""
        return {
            "title": "Indicator", "period": "Period",
            "value_a": _capitalised(self.area.pn_name), "value_b": _capitalised(
                self.area.rest_name),
            "difference": "Difference", "ratio": "Ratio",
            "earliest_period": "Earliest period", "earliest_difference":
                "Difference in the earliest period",
        }

    @property
    def judged_inequality(self) -> pd.DataFrame:
        """Inequality rows of indicators with a judged polarity (shown on the page), with the
        interval as text (``sii_ci``)."""
        shown = self.inequality[self.inequality["polarity"] != "no_judgement"].copy()
        shown["sii_ci"] = interval_text(shown["sii_lower"], shown["sii_upper"], 1)
        return shown.reset_index(drop=True)

    def _with_area(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.insert(0, "District or county", self.area.name)
        out.insert(0, "District or county code", self.area.code)
        return out

    def lsoa_download(self) -> pd.DataFrame:
        """The LSOA ranking for the downloads (codes, names, values and flags)."""
        columns = {"lsoa_code": "LSOA code", "lsoa_name": "LSOA name", "ward_name": "Ward",
                   "lad_name": "District", "priority_neighbourhood": "Priority neighbourhood",
                   "population": "Population", **{k: v for k, v in self.lsoa_columns.items()
                                                  if k not in ("lsoa_name", "ward_name",
                                                               "priority_neighbourhood")}}
        flags = {c: f"{self.lsoa_columns[c[:-5]]}: flag" for c in self.lsoa_ranking.columns
                 if c.endswith("_flag") and c[:-5] in self.lsoa_columns}
        return readable(self.lsoa_ranking, {**columns, **flags})

    def locality_download(self) -> pd.DataFrame:
        """The locality ranking for the downloads."""
        columns = {"locality_id": "Locality id", **self.locality_columns}
        flags = {c: f"{self.locality_columns[c[:-5]]}: flag"
                 for c in self.locality_ranking.columns
                 if c.endswith("_flag") and c[:-5] in self.locality_columns}
        return self._with_area(readable(self.locality_ranking, {**columns, **flags}))

    def need_download(self) -> pd.DataFrame:
        """Themes of need of every LSOA and locality, for the downloads."""
        return self._with_area(readable(self.need, NEED_DOWNLOAD_COLUMNS))

    def gap_download(self) -> pd.DataFrame:
        """Every gap with its intervals and change, for the downloads."""
        return self._with_area(readable(self.gaps, GAP_DOWNLOAD_COLUMNS))

    def inequality_download(self) -> pd.DataFrame:
        """Every slope index of inequality, for the downloads."""
        return self._with_area(readable(self.inequality, INEQUALITY_DOWNLOAD_COLUMNS))


def build_evidence(area_data: Any, district: str, *, limit: int = 6) -> Evidence:
    """Compute the evidence page for a district (or the county) from the prepared data.

    Parameters
    ----------
    area_data
        :class:`pipeline.context.AreaData`.
    district
        District code or name, or the county code (the county overview).
    limit
        Number of key messages.

    Raises
    ------
    InputError
        Unknown district.
    """
    config = area_data.config
    min_count = int(config.min_count) if config.min_count else 1
    catalogue = area_data.catalogue
    store = area_data.store
    area = evidence_area(config, area_data.lsoas, district)
    county_lsoas = area_data.lsoas
    weights = county_lsoas.set_index("lsoa_code")["population"]
    vintage = store["area_type"] == config.working_vintage
    lsoa_rows = store[vintage & store["area_code"].isin(county_lsoas["lsoa_code"])]
    area_lsoa_rows = lsoa_rows[lsoa_rows["area_code"].isin(area.lsoa_codes)]
    national = store[vintage & store["indicator_id"].isin([*DOMAINS, *DOMAINS.values()])
                     & (store["period"] == EDITION)]
    wider = store[store["area_code"].isin([config.county.code, config.england.code])]
    own = store[store["area_code"] == area.code]

    # 1. Rankings
    priority = priority_lsoas(area_data.membership, area)
    has_priority = not priority.empty
    localities = area_localities(area_data.localities, area)
    loc_rows = area_data.locality_rows
    loc_rows = loc_rows[loc_rows["area_code"].isin(localities["locality_id"])]
    lsoa_ranking = rank_lsoas(county_lsoas, area_lsoa_rows, area, priority, catalogue,
                              min_count=min_count)
    periods = indicator_periods(area_lsoa_rows, KEY_INDICATORS)
    locality_ranking = rank_localities(loc_rows, localities, own, catalogue,
                                       min_count=min_count)
    locality_columns = ranking_columns(catalogue, periods, localities=True,
                                       benchmark_name=area.name)
    if area.is_county:
        locality_columns = {"lad_name": "District", **locality_columns}
        locality_ranking["lad_name"] = locality_ranking["locality_id"].map(
            area_data.localities.set_index("locality_id")["lad_code"]).map(
            {d.code: d.name for d in config.districts})

    # 2. Multiple need
    benchmarks = benchmark_values(wider, england_code=config.england.code,
                                  england_name=config.england.name,
                                  county_code=config.county.code, county_name=config.county.name)
    need_rows = pd.concat([area_lsoa_rows, loc_rows], ignore_index=True)
    comparisons = need_comparisons(need_rows, benchmarks, catalogue, min_count=min_count)
    thresholds = deprivation_thresholds(national)
    deprivation = deprivation_need(need_rows, thresholds, catalogue)
    names = pd.concat([
        pd.DataFrame({"area_code": lsoa_ranking["lsoa_code"],
                      "name": lsoa_ranking["lsoa_name"] + " (" + lsoa_ranking["ward_name"] + ")",
                      "kind": LSOA_KIND}),
        pd.DataFrame({"area_code": localities["locality_id"], "name": localities["name"],
                      "kind": localities["type"].map(LOCALITY_TYPE_LABELS)}),
    ], ignore_index=True)
    need = multiple_need(comparisons, deprivation, names, catalogue)
    note = benchmark_note(comparisons, catalogue, england_name=config.england.name,
                          county_name=config.county.name)

    # 3. The gap
    if has_priority:
        if area.is_county:
            groups = priority_groups(county_lsoas, priority, area)
            pair_rows = group_rows(lsoa_rows, groups, catalogue, weights)
        else:
            pair_rows = area_data.locality_rows[area_data.locality_rows["area_code"].isin(
                [area.pn_code, area.rest_code])]
        gaps = gap_table(pair_rows, catalogue, group_a=area.pn_code, group_b=area.rest_code,
                         min_count=min_count)
    else:
        gaps = pd.DataFrame(columns=GAP_TABLE_COLUMNS)

    # 4. Inequality
    deciles = county_deciles(county_lsoas)
    by_decile = decile_rows(lsoa_rows, deciles, area.lsoa_codes, catalogue, weights,
                            min_count=min_count)
    inequality = inequality_table(by_decile, catalogue)
    gradient = decile_gradient(by_decile, inequality)

    # 5. Key messages
    benchmark_for_area = benchmarks if not area.is_county else benchmarks[
        benchmarks["benchmark"] == config.england.name]
    parts = [findings_from_gaps(gaps, subject=area.pn_name, comparator=area.rest_name),
             findings_from_benchmarks(own, benchmark_for_area, catalogue, subject=area.name,
                                      min_count=min_count)]
    findings = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    messages = evidence_key_messages(findings, need_message(need, area), area,
                                     has_priority=has_priority, limit=limit)

    shapes = area_data.boundaries[area_data.boundaries["lsoa_code"].isin(area.lsoa_codes)]
    intro = intro_text(area, lsoa_count=len(area.lsoa_codes),
                       priority_count=int(localities["type"].eq("priority_neighbourhood").sum()),
                       priority_lsoa_count=len(priority))
    return Evidence(
        area=area, intro=intro, has_priority=has_priority, priority=priority,
        lsoa_ranking=lsoa_ranking,
        lsoa_columns=ranking_columns(catalogue, periods),
        locality_ranking=locality_ranking, locality_columns=locality_columns,
        comparisons=comparisons, deprivation=deprivation, need=need, benchmark_note=note,
        gaps=gaps, gap_intro=gap_intro(area, has_priority, gaps),
        gap_chart_rows=gap_chart_rows(gaps), inequality=inequality,
        gradient=gradient, findings=findings, messages=messages,
        shapes=shapes.sort_values("lsoa_code").reset_index(drop=True),
    )
