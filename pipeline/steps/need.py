"""Step 2, evidence: the rows behind the evidence page and multiple need.

Shared row helpers of the evidence step (which indicators are rates, proportions or scores; the
latest period; disclosure control) and the **multiple need** analysis: for every LSOA and
locality, the number of the ten Quality of Life themes on which it is significantly worse than
the benchmark, or, for the Indices of Deprivation, among the most deprived 20% of LSOAs in
England on the domain belonging to the theme - :func:`need_comparisons`,
:func:`deprivation_need`, :func:`multiple_need`.

Benchmarks
----------
England values exist in the store for the Indices of Deprivation, the 2021 Census and the
population estimates; crime and 2011 Census indicators have county values only. Comparisons
therefore use England where it has a value for the indicator and period, and the county
otherwise (:func:`benchmark_values`).

Disclosure control
------------------
Rows whose numerator is below the configured ``min_count`` are suppressed (``[c]``) before any
value, comparison, gap or inequality is computed, so nothing shown rests on a small count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.indicators import flag_from_rank, flag_rank
from pipeline.localities import TYPE_LABELS
from pipeline.schema import require_columns as _require
from pipeline.stats import suppress_small_numbers
from pipeline.steps.benchmark import STORE_LEVEL, compare_at_level

#: The IoD edition the page ranks areas on (the priority neighbourhood rule uses it too).
EDITION = "2019"

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

#: Kinds of indicator the gap and inequality analyses use.
RATE_METHODS = ("ratio", "annual_rate")

#: The ``kind`` of an LSOA in :func:`multiple_need` (localities have their locality type).
LSOA_KIND = "lsoa"

#: Order of area kinds in :func:`multiple_need`: LSOAs, then the locality types.
KIND_ORDER: tuple[str, ...] = (LSOA_KIND, *TYPE_LABELS)

ROW_COLUMNS = ["area_code", "indicator_id", "period", "value", "numerator", "denominator",
               "lower_ci", "upper_ci", "flag"]


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
# Multiple need


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
                     *, min_count: int = 5, level: float = STORE_LEVEL) -> pd.DataFrame:
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
    level
        Confidence level (percent) of the comparison (95, or 99.8:
        :func:`pipeline.steps.benchmark.compare_at_level`).

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
    polarity = chosen["indicator_id"].map(cat["polarity"]).to_numpy()
    chosen["comparison"] = compare_at_level(chosen, chosen["benchmark_value"], polarity,
                                            catalogue, level).astype(str).to_numpy()
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


def theme_name(theme: str) -> str:
    """A Quality of Life theme's name as it leads a list (``"community safety"`` ->
    ``"Community safety"``)."""
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
        The areas to report, with ``area_code, name, kind`` (:data:`LSOA_KIND` or the locality
        type; every area gets a row, 0 themes included), e.g. LSOAs and localities.
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
    evidence["theme"] = evidence["qol_theme"].fillna("").map(theme_name)
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
    kind_order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    out = out.assign(_kind=out["kind"].map(kind_order).fillna(len(kind_order)))
    out = out.sort_values(["themes", "_kind", "name", "area_code"],
                          ascending=[False, True, True, True])
    return out.drop(columns="_kind").reset_index(drop=True)

