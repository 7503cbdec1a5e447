"""The evidence page (step 2): tables, charts, notes and downloads of
:class:`pipeline.steps.evidence.EvidenceResults`.

:class:`EvidencePage` has one method per section of ``notebooks/02_evidence.ipynb``, in page
order; each shows its part (and stages its download table). The words are in
:mod:`pipeline.pages.evidence_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.context import work_folder
from pipeline.localities import TYPE_LABELS
from pipeline.pages.baseline_tables import DOWNLOAD_COLUMNS
from pipeline.pages.evidence_text import (
    benchmark_note,
    gap_chart_summary,
    gap_intro,
    inequality_chart_summary,
    intro_text,
    page_key_messages,
    pn_name,
    rest_name,
)
from pipeline.reporting.charts import choropleth_map
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.evidence_charts import (
    GAP_CHART_ID,
    INEQUALITY_CHART_ID,
    NEED_MAP_ID,
    gap_forest_chart,
    inequality_chart,
    need_count_summary,
)
from pipeline.reporting.format import (
    capitalised,
    comparison_level_sentence,
    comparison_symbol_text,
    format_by_unit,
    interval_range_text,
    interval_text,
    rank_of_text,
)
from pipeline.reporting.pack import stage_table
from pipeline.schema import require_columns as _require
from pipeline.steps.evidence import KEY_INDICATORS, EvidenceResults
from pipeline.steps.gaps import GAP_TABLE_COLUMNS
from pipeline.steps.need import DOMAINS, EDITION, LSOA_KIND, MULTIPLE_NEED_THEMES

#: Rows shown on the page (the downloads have every row): LSOAs, localities, areas of need.
SHOWN_ROWS = 25

#: Area kinds in words (LSOAs and the locality types).
KIND_LABELS: dict[str, str] = {LSOA_KIND: "Neighbourhood (LSOA)", **TYPE_LABELS}

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

#: The similar-districts download: the baseline's labels for the same columns (one wording).
SIMILAR_DOWNLOAD_COLUMNS = {column: DOWNLOAD_COLUMNS[column] for column in (
    "indicator_id", "title", "unit", "period", "value", "lower_ci", "upper_ci", "flag",
    "similar_value", "similar_lower_ci", "similar_upper_ci", "similar_flag", "similar_rank",
    "similar_count")}

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


#: The gap's change categories in words.
CHANGE_WORDS: dict[str, str] = {
    "widened": "widened",
    "narrowed": "narrowed",
    "no significant change": "no significant change",
    "not assessed": "not assessed (no interval)",
    "one period only": "one period only",
}


#: Number formats of the score gap table.
SCORE_GAP_FORMATS = {"value_a": ",.2f", "value_b": ",.2f", "difference": ",.2f",
                     "ratio": ",.2f", "earliest_difference": ",.2f"}


def ranking_columns(results: EvidenceResults, *, localities: bool = False) -> dict[str, str]:
    """Column labels of the LSOA (or locality) ranking table, in display order.

    Key indicators without a period (no data) are left out; localities are compared with the
    area itself.
    """
    titles, units, periods = results.indicator_titles, results.indicator_units, \
        results.key_periods

    def label(i: str) -> str:
        period = periods.get(i, "")
        title = titles.get(i, i)
        when = f" {period}" if period and period not in title else ""
        return f"{title}{when} ({units.get(i, '')})"

    if localities:
        columns = {"name": "Locality", "type_label": "Type", "population": "Population",
                   "imd_score": f"IMD {EDITION} score (population-weighted)",
                   "need_rank": "Rank in area (1 = most deprived)"}
        for i in KEY_INDICATORS:
            if i in periods:
                columns[i] = label(i)
                columns[f"{i}_vs"] = f"{titles.get(i, i)}: compared with {results.area.name}"
        return columns
    columns = {"lsoa_name": "Neighbourhood (LSOA)", "ward_name": "Ward",
               "priority_neighbourhood": "Priority neighbourhood",
               "imd_rank": f"IMD {EDITION} national rank (1 = most deprived)",
               "imd_decile": f"IMD {EDITION} national decile",
               "area_rank": "Rank in area (1 = most deprived)"}
    for decile_id in DOMAINS:
        columns[decile_id] = titles.get(decile_id, decile_id)
    for i in KEY_INDICATORS:
        if i in periods:
            columns[i] = label(i)
    return columns


def readable(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``df`` with only ``columns`` (raw -> readable name), renamed, for downloads."""
    _require(df, list(columns), "readable")
    return df[list(columns)].rename(columns=dict(columns)).reset_index(drop=True)


def shown_caption(what: str, shown: int, total: int) -> str:
    """A table caption saying how many of how many rows are shown."""
    if shown >= total:
        return what
    return f"{what}: the first {shown} of {total} (every row is in the downloads)"


def locality_display(ranking: pd.DataFrame) -> pd.DataFrame:
    """The locality ranking with its type in words (``type_label``) and each comparison as
    symbol and word (``<id>_vs``, ``"▼ worse"``)."""
    shown = ranking.copy()
    shown["type_label"] = shown["type"].map(TYPE_LABELS).fillna(shown["type"])
    for column in [c for c in ranking.columns if c.endswith("_comparison")]:
        shown[column.removesuffix("_comparison") + "_vs"] = comparison_symbol_text(shown[column])
    return shown


def need_display(need: pd.DataFrame) -> pd.DataFrame:
    """Multiple need with each area's kind in words."""
    return need.assign(kind=need["kind"].map(KIND_LABELS))


def gap_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gap rows with text columns for the page: ``vs`` (symbol and word), ``ratio_ci``,
    ``difference_ci``, ``change_text`` and ``since`` (``"since 2020"``)."""
    _require(gaps, GAP_TABLE_COLUMNS, "gap_display")
    shown = gaps.copy()
    shown["vs"] = comparison_symbol_text(shown["comparison"])
    shown["ratio_ci"] = interval_range_text(shown["ratio_lower"], shown["ratio_upper"], 2)
    shown["difference_ci"] = interval_range_text(shown["difference_lower"],
                                                 shown["difference_upper"], 1)
    words = shown["change"].map(CHANGE_WORDS).fillna(shown["change"])
    since = shown["earliest_period"].fillna("").astype(str)
    shown["change_text"] = np.where(since != "", words + " since " + since, words)
    return shown.reset_index(drop=True)


def gap_columns(results: EvidenceResults) -> dict[str, str]:
    """Column labels of the rate and percentage gap table."""
    return {
        "title": "Indicator", "period": "Period", "unit": "Unit",
        "value_a": capitalised(pn_name(results.area)),
        "value_b": capitalised(rest_name(results.area)),
        "difference": "Difference", "difference_ci": "Difference: 95% confidence interval",
        "ratio": "Ratio", "ratio_ci": "Ratio: 95% confidence interval",
        "vs": "Priority neighbourhoods compared with the rest",
        "change_text": "Change in the gap",
    }


def score_gap_columns(results: EvidenceResults) -> dict[str, str]:
    """Column labels of the score gap table."""
    return {
        "title": "Indicator", "period": "Period",
        "value_a": capitalised(pn_name(results.area)),
        "value_b": capitalised(rest_name(results.area)),
        "difference": "Difference", "ratio": "Ratio",
        "earliest_period": "Earliest period",
        "earliest_difference": "Difference in the earliest period",
    }


def judged_inequality(inequality: pd.DataFrame) -> pd.DataFrame:
    """Inequality rows of indicators with a judged polarity (shown on the page), with the
    interval as text (``sii_ci``)."""
    shown = inequality[inequality["polarity"] != "no_judgement"].copy()
    shown["sii_ci"] = interval_range_text(shown["sii_lower"], shown["sii_upper"], 1)
    return shown.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The page, section by section


@page_sections
class EvidencePage:
    """The evidence page of one district (or the county): one method per section.

    Parameters
    ----------
    results
        :class:`pipeline.steps.evidence.EvidenceResults`.
    output_dir, processed_dir
        The notebook's parameters: where download tables are staged
        (:func:`pipeline.context.work_folder`).
    """

    def __init__(self, results: EvidenceResults, output_dir: str | Path | None = "",
                 processed_dir: str | Path | None = "") -> None:
        self.results = results
        self.area = results.area
        self.work = work_folder(output_dir, processed_dir, results.area.name)

    # --- tables and downloads

    def _with_area(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.insert(0, "District or county", self.area.name)
        out.insert(0, "District or county code", self.area.code)
        return out

    @property
    def lsoa_columns(self) -> dict[str, str]:
        """Column labels of the LSOA ranking."""
        return ranking_columns(self.results)

    @property
    def locality_columns(self) -> dict[str, str]:
        """Column labels of the locality ranking (the county's with the district)."""
        columns = ranking_columns(self.results, localities=True)
        return {"lad_name": "District", **columns} if self.area.is_county else columns

    @property
    def multiple_need_areas(self) -> pd.DataFrame:
        """Areas of multiple need only, kinds in words."""
        need = self.results.need
        return need_display(need[need["multiple_need"]]).reset_index(drop=True)

    def lsoa_download(self) -> pd.DataFrame:
        """The LSOA ranking for the downloads (codes, names, values and flags)."""
        labels = self.lsoa_columns
        ranking = self.results.lsoa_ranking
        columns = {"lsoa_code": "LSOA code", "lsoa_name": "LSOA name", "ward_name": "Ward",
                   "lad_name": "District", "priority_neighbourhood": "Priority neighbourhood",
                   "population": "Population", **{k: v for k, v in labels.items()
                                                  if k not in ("lsoa_name", "ward_name",
                                                               "priority_neighbourhood")}}
        flags = {c: f"{labels[c[:-5]]}: flag" for c in ranking.columns
                 if c.endswith("_flag") and c[:-5] in labels}
        return readable(ranking, {**columns, **flags})

    def locality_download(self) -> pd.DataFrame:
        """The locality ranking for the downloads."""
        labels = self.locality_columns
        ranking = locality_display(self.results.locality_ranking)
        columns = {"locality_id": "Locality id", **labels}
        flags = {c: f"{labels[c[:-5]]}: flag" for c in ranking.columns
                 if c.endswith("_flag") and c[:-5] in labels}
        return self._with_area(readable(ranking, {**columns, **flags}))

    def need_download(self) -> pd.DataFrame:
        """Themes of need of every LSOA and locality, for the downloads."""
        return self._with_area(readable(need_display(self.results.need), NEED_DOWNLOAD_COLUMNS))

    def gap_download(self) -> pd.DataFrame:
        """Every gap with its intervals and change, for the downloads."""
        return self._with_area(readable(self.results.gaps, GAP_DOWNLOAD_COLUMNS))

    def inequality_download(self) -> pd.DataFrame:
        """Every slope index of inequality, for the downloads."""
        return self._with_area(readable(self.results.inequality, INEQUALITY_DOWNLOAD_COLUMNS))

    # --- sections, in page order

    def headline(self) -> None:
        """The page title and opening paragraph."""
        results = self.results
        show_markdown(f"# {self.area.name}: evidence of need")
        show_markdown(intro_text(self.area, lsoa_count=len(self.area.lsoa_codes),
                                 priority_count=results.priority_count,
                                 priority_lsoa_count=len(results.priority)))

    def key_messages(self) -> None:
        """The key messages."""
        show_key_messages(page_key_messages(self.results))

    def lsoa_ranking(self) -> None:
        """The most deprived LSOAs, the suppression note, and the LSOA download."""
        ranking = self.results.lsoa_ranking
        shown = ranking.head(SHOWN_ROWS)
        show_table(shown, shown_caption(f"Neighbourhoods (LSOAs) in {self.area.name}, most "
                                        "deprived first", len(shown), len(ranking)),
                   columns=self.lsoa_columns, row_header="lsoa_name")
        show_note("A dash means there is no value, or that the value rests on fewer than "
                  f"{self.results.min_count} events and is suppressed to protect "
                  "confidentiality.")
        stage_table(self.lsoa_download(), "evidence_lsoa_ranking", self.work,
                    title="Neighbourhoods (LSOAs) ranked by deprivation",
                    description="IMD 2019 national rank and deciles, domain deciles and key "
                                "indicators of every LSOA, most deprived first.")

    def locality_ranking(self) -> None:
        """The most deprived localities and the locality download."""
        ranking = locality_display(self.results.locality_ranking)
        shown = ranking.head(SHOWN_ROWS)
        show_table(shown, shown_caption(f"Localities in {self.area.name}, most deprived first",
                                        len(shown), len(ranking)),
                   columns=self.locality_columns, row_header="name")
        stage_table(self.locality_download(), "evidence_locality_ranking", self.work,
                    title="Localities ranked by deprivation",
                    description="Population-weighted IMD 2019 score and key indicators of every "
                                "locality, with significance against the area as a whole.")

    def similar_districts(self) -> None:
        """The district beside its similar districts (a comparison group); staged."""
        table = self.results.similar
        if table.empty:
            show_markdown("Similar districts are chosen for each district; see the district "
                          "packs.")
            return
        show_markdown(
            "How the district compares with the districts of England most like it (chosen "
            "once on deprivation, age, size, tenure, ethnicity, household deprivation and "
            "flats; the method and the list are on the baseline page). **A comparison group, "
            "not a benchmark of significance**: the table gives their combined value and the "
            "district's rank among the 16 (1 = highest value), without a test.")
        shown = pd.DataFrame({
            "Indicator": table["title"], "Period": table["period"],
            self.area.name: format_by_unit(table["value"], table["unit"], table["flag"]),
            "95% confidence interval": interval_text(table["lower_ci"], table["upper_ci"],
                                                     table["unit"]),
            "Similar districts": format_by_unit(table["similar_value"], table["unit"],
                                                table["similar_flag"]),
            "Rank among similar (1 = highest)": rank_of_text(table["similar_rank"],
                                                             table["similar_count"]),
        })
        show_table(shown, f"{self.area.name} and its similar districts, latest period",
                   row_header="Indicator")
        stage_table(self._with_area(readable(table, SIMILAR_DOWNLOAD_COLUMNS)),
                    "evidence_similar_districts", self.work,
                    title="The district and its similar districts",
                    description="Latest value of every indicator the similar districts have "
                                "data for, their combined value and the district's rank among "
                                "the 16 (a comparison group, not a significance benchmark).")

    def benchmark_note(self) -> None:
        """Which benchmark the need comparisons used."""
        show_note(benchmark_note(self.results.comparisons, england_name=self.area.england_name,
                                 county_name=self.area.county_name))
        show_note(comparison_level_sentence(self.results.comparison_level))

    def need_map(self) -> None:
        """The map of themes of need by LSOA."""
        need = self.results.need
        lsoas = need[need["kind"] == LSOA_KIND]
        by_lsoa = lsoas.set_index("area_code")["themes"].astype(float)
        names = self.results.lsoa_ranking.set_index("lsoa_code")["lsoa_name"]
        figure = choropleth_map(
            self.results.shapes, by_lsoa,
            title=f"Themes of need by neighbourhood, {self.area.name}",
            colour_label="Themes of need", highlight=self.results.priority["lsoa_code"],
            hover_names=names)
        show_figure(figure, NEED_MAP_ID,
                    need_count_summary(by_lsoa, has_priority=self.results.has_priority))

    def multiple_need(self) -> None:
        """The areas of multiple need (or a note that there are none) and the need download."""
        areas = self.multiple_need_areas
        if areas.empty:
            show_note(f"No neighbourhood or locality in {self.area.name} shows need on "
                      f"{MULTIPLE_NEED_THEMES} or more themes.")
        else:
            shown = areas.head(SHOWN_ROWS)
            show_table(shown, shown_caption(
                f"Areas of multiple need in {self.area.name} (need on {MULTIPLE_NEED_THEMES} or "
                "more Quality of Life themes), most themes first", len(shown), len(areas)),
                columns=NEED_COLUMNS, row_header="name")
        stage_table(self.need_download(), "evidence_multiple_need", self.work,
                    title="Themes of need of every neighbourhood and locality",
                    description="Number of Quality of Life themes on which each LSOA and "
                                "locality shows need, with the themes and the indicators behind "
                                "them.")

    def gap_intro(self) -> None:
        """The paragraph opening the gap section."""
        show_markdown(gap_intro(self.area, self.results.has_priority, self.results.gaps))

    def gap_chart(self) -> None:
        """The forest plot of ratios (when there is a gap to chart)."""
        rows = self.results.gap_chart_rows
        if self.results.has_priority and not rows.empty:
            show_figure(gap_forest_chart(rows, group_a=pn_name(self.area),
                                         group_b=rest_name(self.area)),
                        GAP_CHART_ID, gap_chart_summary(rows, self.area))

    def gap_tables(self) -> None:
        """The rate and score gap tables and the gap download (when there is a gap)."""
        gaps = self.results.gaps
        if not self.results.has_priority or gaps.empty:
            return
        pair = f"{pn_name(self.area)} compared with {rest_name(self.area)}"
        show_table(gap_display(gaps[gaps["kind"].isin(["rate", "proportion"])]),
                   f"Rates and percentages: {pair}", columns=gap_columns(self.results),
                   number_formats={"ratio": ",.2f"}, flags_column="flag", row_header="title")
        show_table(gap_display(gaps[gaps["kind"] == "score"]),
                   f"Deprivation scores: {pair} (population-weighted; no confidence interval)",
                   columns=score_gap_columns(self.results), number_formats=SCORE_GAP_FORMATS,
                   flags_column="flag", row_header="title")
        stage_table(self.gap_download(), "evidence_gap", self.work,
                    title="Gap between priority neighbourhoods and the rest",
                    description="Difference and ratio with 95% confidence intervals for every "
                                "rate, percentage and score, and how the gap changed over time.")

    def inequality_chart(self) -> None:
        """Values by county decile with the fitted slope (when there is data)."""
        gradient = self.results.gradient
        if not gradient.empty:
            show_figure(inequality_chart(gradient), INEQUALITY_CHART_ID,
                        inequality_chart_summary(gradient, self.results.inequality, self.area))

    def inequality_table(self) -> None:
        """The slope index of inequality table and the inequality download."""
        show_table(judged_inequality(self.results.inequality),
                   f"Slope index of inequality across the county's deprivation tenths, "
                   f"{self.area.name}", columns=INEQUALITY_COLUMNS_SHOWN, row_header="title")
        stage_table(self.inequality_download(), "evidence_inequality", self.work,
                    title="Inequality across the county's deprivation deciles",
                    description="Slope and relative index of inequality with 95% confidence "
                                "intervals for every rate and percentage.")
