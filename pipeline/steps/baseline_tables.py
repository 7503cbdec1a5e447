"""Baseline tables of indicators: the latest value of every Quality of Life indicator against
the benchmarks, trends over time (annual and monthly) and the change between the 2011 and 2021
Censuses.

The area is compared with each benchmark by :func:`pipeline.stats.compare_to_benchmark`
(comparison labels ``better``/``similar``/``worse``/``higher``/``lower``/``not compared``);
the page turns labels into symbols and words. Small numbers are suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.schema import require_columns as _require
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

#: The Audit Commission's Quality of Life themes, in their published order.
QOL_THEMES: tuple[str, ...] = (
    "people and place", "community cohesion and involvement", "community safety",
    "culture and leisure", "economic well-being", "education and life-long learning",
    "environment", "health and social well-being", "housing", "transport and access",
)

#: Census 2011 -> 2021 pairs (matched as ``c11_<x>`` / ``c21_<x>``) whose definitions differ
#: too much to compare, with the reason shown to readers.
CENSUS_NOT_COMPARABLE: dict[str, str] = {
    "overcrowded_pct": "2011 counts rooms and 2021 counts bedrooms, so the two are not comparable",
}


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
                min_count: int = 5, themes: Sequence[str] | None = None,
                level: float = STORE_LEVEL) -> pd.DataFrame:
    """The latest value of every theme indicator for the area, its county and England.

    For each indicator the area's latest period is taken; the county and England values are
    those of the same period (empty where the data have none: crime and 2011 Census figures
    have no England rows in the shipped data). The area is compared with each
    benchmark by :func:`pipeline.stats.compare_to_benchmark` (benchmark outside the area's
    interval at ``level``, 95% by default = significantly different; turned by the indicator's
    polarity); indicators
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
    level
        Confidence level (percent) of the comparisons: 95, or 99.8 (the area's interval is
        then recomputed at 99.8%, :func:`pipeline.steps.benchmark.comparison_limits`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``qol_theme``, ``indicator_id``, ``title``, ``definition``,
        ``unit``, ``polarity``, ``area_code``, ``area_name``, ``period``, ``value``,
        ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``, ``flag``, the county's
        ``county_value``, ``county_lower_ci``, ``county_upper_ci``, ``county_flag``,
        ``county_comparison`` and ``england_value``, ``england_flag``,
        ``england_comparison`` (labels ``better``/``similar``/``worse``/``higher``/``lower``/
        ``not compared``). Sorted by theme (Audit Commission order) and title.

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
    rows = area_rows(store, area)
    rows = suppress(rows[rows["indicator_id"].isin(indicators["id"])], min_count)
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
        comparison = compare_at_level(base, base[f"{role}_value"], base["polarity"],
                                      catalogue, level)
        base[f"{role}_comparison"] = comparison.astype(str).to_numpy()
    for column in ("qol_theme", "title", "definition", "unit"):
        base[column] = base["indicator_id"].map(cat[column]) if column in cat else ""
    theme_order = {t: i for i, t in enumerate(QOL_THEMES)}
    base = base.sort_values(["qol_theme", "title"],
                            key=lambda s: s.map(theme_order) if s.name == "qol_theme" else s)
    columns = ["qol_theme", "indicator_id", "title", "definition", "unit", "polarity",
               "area_code", "area_name", "period", "value", "lower_ci", "upper_ci",
               "numerator", "denominator", "flag", "county_value", "county_lower_ci",
               "county_upper_ci", "county_flag", "county_comparison",
               "england_value", "england_flag", "england_comparison"]
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
    cat = catalogue_by_id(catalogue)
    unknown = [i for i in indicator_ids if i not in cat.index]
    if unknown:
        raise ValueError(f"trend_series: indicator(s) {unknown} not in the catalogue")
    rows = area_rows(store, area)
    rows = suppress(rows[rows["indicator_id"].isin(list(indicator_ids))], min_count)
    periods = rows[rows["role"] == "area"].groupby("indicator_id")["period"].nunique()
    rows = rows[rows["indicator_id"].isin(periods[periods > 1].index)]
    rows = rows.assign(title=rows["indicator_id"].map(cat["title"]))
    order = {i: n for n, i in enumerate(indicator_ids)}
    rows = rows.sort_values(["indicator_id", "role", "period"],
                            key=lambda s: s.map(order) if s.name == "indicator_id" else
                            s.map(ROLE_ORDER) if s.name == "role" else s)
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
    rows = area_rows(store, area)
    rows = rows[(rows["indicator_id"] == indicator_id)
                & rows["period"].str.fullmatch(r"\d{4}-\d{2}")]
    if rows[rows["role"] == "area"].empty:
        raise ValueError(f"monthly_series: no monthly values of {indicator_id} for {area.name}")
    rows = rows.sort_values(["role", "period"], key=lambda s: s.map(ROLE_ORDER)
                            if s.name == "role" else s).reset_index(drop=True)
    rows["numerator"] = rows["value"]
    rows = suppress(rows, min_count, counts=("numerator",), dependents=("value",))
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
    rows = suppress(area_rows(store, area), min_count)
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
    out["measure"] = strip_year(out["id_2021"].map(computed["title"]))
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
    out = out.sort_values(["role", "measure"], key=lambda s: s.map(ROLE_ORDER)
                          if s.name == "role" else s)
    return out[columns].reset_index(drop=True)



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


