"""The baseline page's tables as readers see them: display tables (readable headers, numbers as
text where units are mixed), download tables (readable column names) and chart frames.

Every function takes a frame of :class:`pipeline.steps.baseline.BaselineResults` and the
:class:`~pipeline.steps.baseline_area.BaselineArea`; none computes a statistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.reporting.format import (
    comparison_text,
    format_by_unit,
    interval_text,
    rank_of_text,
    trend_text,
)
from pipeline.schema import require_columns as _require
from pipeline.steps.baseline_area import ROLE_ORDER, BaselineArea
from pipeline.steps.baseline_deprivation import FILE10_MEASURES, imd_summary_wide

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
    "similar_value": "Similar districts value", "similar_lower_ci": "Similar districts lower "
    "95% limit", "similar_upper_ci": "Similar districts upper 95% limit",
    "similar_flag": "Similar districts flag",
    "similar_rank": "Rank among the district and its similar districts (1 = highest)",
    "similar_count": "Districts ranked", "similarity_rank": "Rank (1 = most similar)",
    "similar_code": "Similar district code",
    "similar_name": "Similar district", "distance": "Distance (standard deviations)",
    "district_code": "District code", "district_name": "District",
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
    "trend_points": "Comparable points (latest 5 at most)", "trend": "Recent trend",
    "trend_assessment": "Recent trend assessment", "trend_text": "Recent trend (as shown)",
}

#: Headline shares (catalogue ids of :data:`~pipeline.steps.baseline_population.HEADLINE_SHARES`)
#: as the page words them.
HEADLINE_SHARE_LABELS: dict[str, str] = {
    "population_aged_0_15_pct": "Aged 0-15 (% of residents)",
    "population_aged_16_64_pct": "Aged 16-64 (% of residents)",
    "population_aged_65_plus_pct": "Aged 65 and over (% of residents)",
}

FLAG_COLUMN = "flag"
NOT_AVAILABLE = "not available"

#: Headers of the similar-districts columns of the theme tables.
SIMILAR_LABEL = "Similar districts"
SIMILAR_RANK_LABEL = "Rank among similar (1 = highest)"


# --------------------------------------------------------------------------------------------
# Downloads and labels


def for_download(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with readable column names (:data:`DOWNLOAD_COLUMNS`) for ``stage_table``;
    columns starting with ``_`` are dropped."""
    keep = [c for c in df.columns if not str(c).startswith("_")]
    return df[keep].rename(columns=DOWNLOAD_COLUMNS).reset_index(drop=True)



def headline_labels(headline: pd.DataFrame) -> pd.Series:
    """The wording of each headline ``measure`` (``"Residents (mid-2020)"``, ``"Change in
    residents, mid-2017 to mid-2020 (%)"``, ``"Aged 0-15 (% of residents)"`` ...)."""
    _require(headline, ["measure", "period"], "headline_labels", "the headline summary")

    def label(measure: str, period: str) -> str:
        first, _, latest = period.partition("-")
        if measure == "residents":
            return f"Residents (mid-{period})"
        if measure == "residents_change":
            return f"Change in residents, mid-{first} to mid-{latest}"
        if measure == "residents_change_pct":
            return f"Change in residents, mid-{first} to mid-{latest} (%)"
        return HEADLINE_SHARE_LABELS.get(measure, measure)

    return pd.Series([label(m, str(p)) for m, p in zip(headline["measure"], headline["period"])],
                     index=headline.index, dtype=object)


def labelled_headline(headline: pd.DataFrame) -> pd.DataFrame:
    """The headline summary with each ``measure`` worded (:func:`headline_labels`)."""
    return headline.assign(measure=headline_labels(headline))


def with_comparison_symbols(table: pd.DataFrame) -> pd.DataFrame:
    """A table with ``<role>_symbol`` (symbol and word, :func:`comparison_text`) after each
    ``<role>_comparison`` column, and ``trend_text`` (:func:`trend_text`) after
    ``trend_assessment`` where the table has trends, for the page and its downloads."""
    out = table.copy()
    for role in ("county", "england"):
        column = f"{role}_comparison"
        if column in out:
            out.insert(out.columns.get_loc(column) + 1, f"{role}_symbol",
                       comparison_text(out[column]).to_numpy())
    if "trend_assessment" in out:
        out.insert(out.columns.get_loc("trend_assessment") + 1, "trend_text",
                   trend_text(out["trend"], out["trend_assessment"]).to_numpy())
    return out


# --------------------------------------------------------------------------------------------
# Tables as shown on the page (readable headers, numbers as text where units are mixed)


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
    out = pd.DataFrame({"Measure": headline_labels(headline),
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
    the county overview; on district pages only when some row could be compared); the similar
    districts' combined value and the area's rank among them (district pages, where the table
    has them); ``Recent trend`` (:func:`~pipeline.reporting.format.trend_text`, where the table
    has trends); plus ``flag`` (every flag in the row, for the table notes).
    """
    _require(table, ["qol_theme", "title", "unit", "period", "value", "lower_ci", "upper_ci",
                     "flag", "county_value", "county_flag", "england_value", "england_flag",
                     "county_comparison", "england_comparison"], "theme_display",
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
        out[f"Compared with {area.county.name}"] = comparison_text(part["county_comparison"])
        flags.append(part["county_flag"])
    out[area.england.name] = format_by_unit(part["england_value"], part["unit"],
                                            part["england_flag"], missing=NOT_AVAILABLE)
    if area.is_county or (part["england_comparison"] != "not compared").any():
        out[f"Compared with {area.england.name}"] = comparison_text(
            part["england_comparison"])
    if "similar_value" in part and part["similar_value"].notna().any():
        out[SIMILAR_LABEL] = format_by_unit(part["similar_value"], part["unit"],
                                            part["similar_flag"], missing=NOT_AVAILABLE)
        out[SIMILAR_RANK_LABEL] = rank_of_text(part["similar_rank"], part["similar_count"])
        flags.append(part["similar_flag"])
    if "trend" in part:
        out["Recent trend"] = trend_text(part["trend"], part["trend_assessment"])
    out[FLAG_COLUMN] = _union_flags(*flags)
    return out.reset_index(drop=True)


def similar_display(similar: pd.DataFrame) -> pd.DataFrame:
    """The similar districts for ``show_table``: ``Rank``, ``District``, ``Distance``."""
    _require(similar, ["rank", "similar_name", "distance"], "similar_display",
             "the similar districts")
    return pd.DataFrame({
        "Rank (1 = most similar)": similar["rank"].astype(int).astype(str),
        "District": similar["similar_name"],
        "Distance (standard deviations)": similar["distance"].map(lambda d: f"{d:.2f}"),
    }).reset_index(drop=True)


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
    t["_role"] = t["role"].map(ROLE_ORDER)
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
                     "county_value", "county_comparison"], "breakdown_display",
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
        out[f"Compared with {area.county.name}"] = comparison_text(part["county_comparison"])
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
    return part.sort_values(["role", "period"], key=lambda s: s.map(ROLE_ORDER)
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


def map_series(values: pd.DataFrame) -> pd.Series:
    """The ``value`` of :func:`map_values` indexed by LSOA code, as the map takes it."""
    _require(values, ["lsoa_code", "value"], "map_series", "the map values")
    return pd.Series(values["value"].to_numpy(float), index=values["lsoa_code"].astype(str),
                     name="value")


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


