"""The locality profile page: text, display tables, charts, the map and the downloads.

Presents a :class:`pipeline.steps.profile.ProfileResults` (computed once by
:meth:`pipeline.results.DistrictResults.profile`). The notebook ``locality_profile.ipynb`` calls
one :class:`ProfilePage` method per section, in page order; the table builders below
(:func:`age_table`, :func:`spine_table`, :func:`diversity_table`, :func:`trend_table`,
:func:`targets_table`) and the download builders (:func:`age_download`, :func:`spine_download`,
:func:`trend_download`) are plain functions of the results' frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pipeline.context import work_folder
from pipeline.pages.messages import key_message_sentences
from pipeline.reporting.charts import age_structure_chart, choropleth_map
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.format import comparison_level_sentence, trend_text
from pipeline.reporting.format_cells import (
    format_table_value,
    is_missing,
    table_interval_text,
)
from pipeline.reporting.pack import stage_table
from pipeline.reporting.spine import spine_chart, spine_summary, trend_panels
from pipeline.schema import require_columns as _require
from pipeline.stats import COMPARISON_LABELS, COMPARISON_SYMBOLS
from pipeline.steps.profile import SPINE_COLUMNS, TARGET_COLUMNS, ProfileResults

#: Locality types in plain words (lower case, to sit inside a sentence).
TYPE_WORDS: dict[str, str] = {
    "priority_neighbourhood": "priority neighbourhood",
    "forum_area": "community forum area",
    "rural": "rural area",
    "town": "town",
}

NOT_AVAILABLE = "not available"

#: Columns of :func:`targets_table`.
TARGET_TABLE_COLUMNS = ["id", "title", "indicator", "area", "baseline_period", "target_period",
                        "target", "theme_partnership", "illustrative"]


# --------------------------------------------------------------------------------------------
# Text


def type_words(locality_type: str) -> str:
    """A locality type in plain words (``"community forum area"``)."""
    return TYPE_WORDS.get(str(locality_type), str(locality_type).replace("_", " "))


def table_name(locality_id: str, part: str) -> str:
    """The staged table name of one part of a locality's profile (``loc_<id>_<part>``)."""
    base = "loc_" + "".join(c if c.isalnum() else "_" for c in str(locality_id).lower())
    suffix = "_" + part
    return base[:63 - len(suffix)] + suffix


def intro_text(name: str, type_words: str, district_name: str, lsoas: int,
               population: float | None, population_period: str) -> str:
    """The page's h1 and first paragraph (Markdown); data values go in as given and are
    escaped by :func:`pipeline.reporting.display.show_markdown`."""
    article = "an" if type_words[:1] in "aeiou" else "a"
    people = ("" if population is None or is_missing(population) else
              f" Its population was {format_table_value(round(float(population)))} "
              f"(ONS estimate for mid-{population_period}).")
    areas = "neighbourhood (LSOA)" if lsoas == 1 else "neighbourhoods (LSOAs)"
    return (f"# {name}: locality profile\n\n"
            f"{name} is {article} {type_words} in {district_name}. It is made up of "
            f"{lsoas} small statistical {areas}.{people}")


def forum_stand_in_note(forum_stand_in: str) -> str:
    """The config's forum stand-in wording as one sentence (``''`` when there is none)."""
    return forum_stand_in.strip().rstrip(".") + "." if forum_stand_in.strip() else ""


def map_summary(profile: ProfileResults) -> str:
    """The map's text summary (for readers who cannot see it)."""
    outlined = ("neighbourhood (LSOA) is" if profile.lsoa_count == 1 else
                f"{profile.lsoa_count} neighbourhoods (LSOAs) are")
    shading = (f"shaded by their national IMD {profile.map_period} decile (1 = most deprived)"
               if profile.map_period else "in grey")
    return (f"Map of {profile.district_name}'s neighbourhoods {shading}; {profile.name}'s "
            f"{outlined} outlined.")


def comparison_words(comparison: str, benchmark_name: str) -> str:
    """A comparison label in plain words naming the benchmark, led by its symbol
    (``"▼ Significantly worse than England"``)."""
    label = COMPARISON_LABELS[comparison]
    if comparison != "not compared":
        label = label.replace("the benchmark", benchmark_name)
    return f"{COMPARISON_SYMBOLS[comparison]} {label}"


def _benchmark_names(spine: pd.DataFrame, county_name: str) -> pd.Series:
    return spine["benchmark"].map({"England": "England", "county": county_name}).fillna("")


def _intervals(rows: pd.DataFrame) -> list[str]:
    return [table_interval_text(lo, hi) for lo, hi in
            zip(rows["lower_ci"], rows["upper_ci"], strict=True)]


# --------------------------------------------------------------------------------------------
# Tables as shown


def age_table(age: pd.DataFrame, *, locality_code: str, comparator_code: str) -> pd.DataFrame:
    """The age structure as shown: ``band``, the locality's ``persons`` and ``share``
    (numeric), the comparator's share as text (``comparator_share``, so the locality's flag
    is not attached to it) and the locality's ``flag``, bands in the order of ``age``."""
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
        "comparator_share": own["band"].map(other).map(format_table_value).to_numpy(),
        "flag": own["flag"].fillna("").to_numpy(),
    })


def spine_table(spine: pd.DataFrame, *, county_name: str) -> pd.DataFrame:
    """The numbers beside the spine chart: ``indicator, period, unit``, the locality's
    ``value`` (numeric), ``interval``, ``district``, ``county``, ``england`` (text; England
    "not available" where it has no value), ``comparison`` (naming the benchmark), ``trend``
    (the recent trend, :func:`~pipeline.reporting.format.trend_text`), ``flag``."""
    _require(spine, SPINE_COLUMNS, "spine_table")
    names = _benchmark_names(spine, county_name)
    return pd.DataFrame({
        "indicator": spine["title"],
        "period": spine["period"],
        "unit": spine["unit"],
        "value": spine["value"].astype(float),
        "interval": _intervals(spine),
        "district": spine["district_value"].map(format_table_value),
        "county": spine["county_value"].map(format_table_value),
        "england": spine["england_value"].map(
            lambda v: NOT_AVAILABLE if is_missing(v) else format_table_value(v)),
        "comparison": [comparison_words(c, n) for c, n in
                       zip(spine["comparison"], names, strict=True)],
        "trend": _trends(spine),
        "flag": spine["flag"].fillna(""),
    })


def _trends(spine: pd.DataFrame) -> pd.Series:
    """The spine rows' recent trends as shown ("fewer than 5 points" where there are none)."""
    missing = pd.Series("not enough points", index=spine.index, dtype=object)
    return trend_text(spine.get("trend", missing), spine.get("trend_assessment", missing))


def diversity_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The census make-up rows (:func:`pipeline.steps.spine.diversity_rows`) as shown:
    ``indicator, period, value`` (numeric), ``interval``, ``district`` and ``county`` (text),
    ``comparison`` (against the district), ``flag``."""
    _require(rows, SPINE_COLUMNS, "diversity_table")
    return pd.DataFrame({
        "indicator": rows["title"],
        "period": rows["period"],
        "value": rows["value"].astype(float),
        "interval": _intervals(rows),
        "district": rows["district_value"].map(format_table_value),
        "county": rows["county_value"].map(format_table_value),
        "comparison": [comparison_words(c, "the district") for c in rows["district_comparison"]],
        "flag": rows["flag"].fillna(""),
    })


def trend_table(trends: pd.DataFrame, *, locality_code: str, comparator_code: str
                ) -> pd.DataFrame:
    """The trends as shown: ``indicator, unit, period``, the locality's ``value`` (numeric),
    ``interval``, the comparator's value as text (``comparator``) and the locality's ``flag``."""
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
        "interval": _intervals(own),
        "comparator": own["comparator"].map(format_table_value),
        "flag": own["flag"].fillna(""),
    }).reset_index(drop=True)


def target_words(row: pd.Series, names: Mapping[str, str]) -> str:
    """One target in words (``"15% decrease on the 2021 level"``)."""
    amount = f"{float(row['amount']):g}"
    if row["kind"] == "absolute":
        return f"reach {amount} {row['indicator_unit']}".strip()
    if row["kind"] == "relative_change":
        return f"{amount}% {row['direction']} on the {row['baseline_period']} level"
    comparator = row.get("comparator") or "rest_of_district"
    label = {"rest_of_district": "the rest of the district", "england": "England"}.get(
        comparator, names.get(comparator, comparator))
    return f"narrow the gap with {label} by {amount}%"


def targets_table(targets: pd.DataFrame, *, district_code: str,
                  area_names: Mapping[str, str]) -> pd.DataFrame:
    """The targets (:func:`pipeline.steps.profile.locality_targets`) in plain words: area in
    words (codes shown where ``area_names`` has no name) and the target in words."""
    _require(targets, TARGET_COLUMNS, "targets_table")
    if targets.empty:
        return pd.DataFrame(columns=TARGET_TABLE_COLUMNS)
    pn_area = f"priority_neighbourhoods:{district_code}"
    area_words = targets["area"].map(lambda a: (
        f"all priority neighbourhoods of {area_names.get(district_code, district_code)}"
        if a == pn_area else area_names.get(a, a)))
    return pd.DataFrame({
        "id": targets["id"], "title": targets["title"], "indicator": targets["indicator_title"],
        "area": area_words, "baseline_period": targets["baseline_period"],
        "target_period": targets["target_period"],
        "target": [target_words(r, area_names) for _, r in targets.iterrows()],
        "theme_partnership": targets["theme_partnership"],
        "illustrative": targets["illustrative"],
    }).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Downloads


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


def spine_download(spine: pd.DataFrame, *, locality_id: str, locality_name: str,
                   district_name: str, county_name: str) -> pd.DataFrame:
    """The spine data as partners get it (staged as a download): codes, names, values,
    intervals, comparators, the comparison and the county LSOA spread, readable headers."""
    _require(spine, SPINE_COLUMNS, "spine_download")
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
        "Benchmark": _benchmark_names(spine, county_name),
        "Compared with the benchmark": spine["comparison"],
        f"Compared with {district_name}": spine["district_comparison"],
        "County LSOAs: worst (lowest if no judgement)": spine["worst"],
        "County LSOAs: 25th percentile from worst": spine["q25"],
        "County LSOAs: 75th percentile from worst": spine["q75"],
        "County LSOAs: best (highest if no judgement)": spine["best"],
        "Recent trend (latest 5 points)": _trends(spine),
        "Flag": spine["flag"],
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
# The page, section by section


@page_sections
class ProfilePage:
    """The locality profile page: one method per section, called by the notebook in order.

    Parameters
    ----------
    profile
        The locality's results (:meth:`pipeline.results.DistrictResults.profile`).
    output_dir, processed_dir
        The notebook's parameters: the page stages its download tables in
        :func:`pipeline.context.work_folder` of them (``""``: the project defaults).
    """

    def __init__(self, profile: ProfileResults, output_dir: str | Path | None = "",
                 processed_dir: str | Path | None = "") -> None:
        self.profile = profile
        self.work_dir = work_folder(output_dir, processed_dir, profile.district_name)

    def _table_name(self, part: str) -> str:
        return table_name(self.profile.locality_id, part)

    def intro(self) -> None:
        """The title and first paragraph; for a forum area, what stands in for it."""
        p = self.profile
        show_markdown(intro_text(p.name, type_words(p.type), p.district_name, p.lsoa_count,
                                 p.population, p.population_period))
        note = forum_stand_in_note(p.forum_stand_in)
        if note:
            show_note(note)

    def key_messages(self) -> None:
        """The key messages: the profile's key findings in plain English."""
        show_key_messages(key_message_sentences(self.profile.key_findings))

    def age_chart(self) -> None:
        """The age structure chart: the locality (bars) against its district (line)."""
        p = self.profile
        show_figure(
            age_structure_chart(p.age, band="band", share="share", area="area_name",
                                title=f"Age structure, mid-{p.population_period}",
                                area_order=[p.name, p.district_name]),
            "age-structure",
            f"Share of residents in each age band: {p.name} (bars) against "
            f"{p.district_name} (line).",
        )

    def age_section_table(self) -> None:
        """Residents by age band (table), and the age structure staged as a download."""
        p = self.profile
        table = (age_table(p.age, locality_code=p.locality_id, comparator_code=p.district_code)
                 if len(p.age) else pd.DataFrame(columns=["band", "persons", "share",
                                                          "comparator_share", "flag"]))
        show_table(
            table,
            f"Residents by age band, {p.name} and {p.district_name}, mid-{p.population_period}",
            columns={"band": "Age band (years)", "persons": "Residents",
                     "share": f"% of {p.name}'s residents",
                     "comparator_share": f"% of {p.district_name}'s residents"},
            flags_column="flag", row_header="band",
        )
        stage_table(age_download(p.age), self._table_name("age"), self.work_dir,
                    title=f"{p.name}: residents by age band",
                    description="ONS mid-year population estimates by single year of age, "
                                "summed over the locality's LSOAs and the district's.")

    def diversity_section_table(self) -> None:
        """Ethnicity, religion and disability against the district (table)."""
        p = self.profile
        show_table(
            diversity_table(p.diversity),
            f"Ethnicity, religion and disability: {p.name} against {p.district_name} "
            "(Census 2021)",
            columns={"indicator": "Indicator", "value": f"{p.name} (%)",
                     "interval": "95% confidence interval", "district": f"{p.district_name} (%)",
                     "county": f"{p.county_name} (%)", "comparison": "Compared with the district"},
            number_formats={"value": format_table_value},
            flags_column="flag", row_header="indicator",
        )

    def spine_section_chart(self) -> None:
        """The spine chart: every indicator against the benchmark and the county's LSOAs."""
        p = self.profile
        show_figure(
            spine_chart(p.spine, title=f"{p.name} against the benchmark",
                        locality_name=p.name, district_name=p.district_name,
                        county_name=p.county_name, england_name=p.england_name),
            "spine-chart",
            spine_summary(p.spine, p.name),
        )
        show_note(comparison_level_sentence(p.comparison_level))

    def spine_section_table(self) -> None:
        """The spine chart's numbers (table), staged as a download."""
        p = self.profile
        show_table(
            spine_table(p.spine, county_name=p.county_name),
            f"Indicators for {p.name} with the district, county and England",
            columns={"indicator": "Indicator", "period": "Period", "unit": "Unit",
                     "value": p.name, "interval": "95% confidence interval",
                     "district": p.district_name, "county": p.county_name,
                     "england": p.england_name, "comparison": "Compared with the benchmark",
                     "trend": "Recent trend"},
            number_formats={"value": format_table_value},
            flags_column="flag", row_header="indicator",
        )
        stage_table(spine_download(p.spine, locality_id=p.locality_id, locality_name=p.name,
                                   district_name=p.district_name, county_name=p.county_name),
                    self._table_name("indicators"), self.work_dir,
                    title=f"{p.name}: indicators against district, county and England",
                    description="Latest value of each indicator with its 95% confidence "
                                "interval, the comparators, the comparison with the benchmark "
                                "and the spread of the county's LSOAs.")

    def locality_map(self) -> None:
        """The map of the district's neighbourhoods with the locality outlined."""
        p = self.profile
        show_figure(
            choropleth_map(p.map_shapes, p.map_values,
                           title=f"{p.name} within {p.district_name}",
                           colour_label=f"IMD {p.map_period} decile",
                           highlight=p.lsoa_codes, hover_names=p.map_names,
                           reverse_colours=True,
                           highlight_label=f"{p.name} (thick outline)"),
            "locality-map",
            map_summary(p),
        )

    def trend_chart(self) -> None:
        """The trends chart: the locality (solid) against its district (dashed)."""
        p = self.profile
        show_figure(
            trend_panels(p.trends, title=f"{p.name} and {p.district_name} over time",
                         area_order=[p.name, p.district_name]),
            "trends",
            f"Trends for {p.name} (solid line) and {p.district_name} (dashed line).",
        )

    def trend_section_table(self) -> None:
        """The trends (table), staged as a download."""
        p = self.profile
        show_table(
            trend_table(p.trends, locality_code=p.locality_id, comparator_code=p.district_code),
            f"Trends: {p.name} against {p.district_name}",
            columns={"indicator": "Indicator", "unit": "Unit", "period": "Period",
                     "value": p.name, "interval": "95% confidence interval",
                     "comparator": p.district_name},
            number_formats={"value": format_table_value},
            flags_column="flag", row_header="indicator",
        )
        stage_table(trend_download(p.trends), self._table_name("trends"), self.work_dir,
                    title=f"{p.name}: trends against the district",
                    description="Crime rates by calendar year, population and the share of "
                                "LSOAs in England's most deprived 20%, for the locality and its "
                                "district.")

    def targets(self) -> None:
        """The targets that cover the locality (table), or a note that none does."""
        p = self.profile
        if not len(p.targets):
            show_note(f"No target in the register concerns {p.name}, {p.district_name} or "
                      f"{p.county_name}. "
                      "For the partnership's targets, see the Forecast page of the district "
                      "pack.")
            return
        show_table(
            targets_table(p.targets, district_code=p.district_code, area_names=p.area_labels),
            f"Targets that concern {p.name}",
            columns={"title": "Target", "indicator": "Indicator", "area": "Area",
                     "baseline_period": "Baseline", "target_period": "Target year",
                     "target": "Target"},
            row_header="title",
        )
        show_note("Whether these targets are on track: see the Forecast page of the district pack.")
