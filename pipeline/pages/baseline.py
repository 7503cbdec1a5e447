"""The baseline page (step 1): one method per section of ``notebooks/01_baseline.ipynb``.

Each method shows its part of the page (charts, tables, sentences) and stages the tables behind
it for the downloads. The numbers come from :class:`pipeline.steps.baseline.BaselineResults`;
the wording, labels and number formats live here, in :mod:`pipeline.pages.baseline_tables`
(display and download tables, chart frames) and :mod:`pipeline.pages.baseline_text`
(sentences and key messages)::

    results = district_results(district, config_path, processed_dir)
    page = BaselinePage(results.baseline, output_dir)
    page.key_messages()
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.context import work_folder
from pipeline.errors import NoData
from pipeline.pages import baseline_tables as tables
from pipeline.pages import baseline_text as text
from pipeline.reporting import charts
from pipeline.reporting.display import (
    page_sections,
    show_figure,
    show_key_messages,
    show_markdown,
    show_note,
    show_table,
)
from pipeline.reporting.format import comparison_level_sentence
from pipeline.reporting.pack import stage_table
from pipeline.steps.baseline import BaselineResults
from pipeline.steps.baseline_area import for_role
from pipeline.steps.baseline_tables import themes_with_data

#: Column labels of the table of comparisons per theme.
THEME_COUNT_LABELS: dict[str, str] = {
    "qol_theme": "Quality of Life theme", "better": "▲ Better", "similar": "● Similar",
    "worse": "▼ Worse", "higher": "↑ Higher", "lower": "↓ Lower",
    "not compared": "○ Not compared"}


@page_sections
class BaselinePage:
    """The baseline page of one area (a district, or the county overview).

    Parameters
    ----------
    results
        The page's tables (:attr:`pipeline.results.DistrictResults.baseline`).
    output_dir
        The notebook's ``output_dir`` parameter: where tables are staged for the downloads
        ("" = the folder the batch runner would use).
    """

    def __init__(self, results: BaselineResults, output_dir: str | Path | None = None) -> None:
        self.results = results
        self.area = results.area
        self.tables_dir = work_folder(output_dir, None, self.area.name)

    @property
    def comparator_name(self) -> str:
        """England for the county overview, else the county."""
        return self.area.comparator.name

    def _stage(self, frame: pd.DataFrame, name: str, title: str, description: str) -> None:
        stage_table(tables.for_download(frame), name, self.tables_dir, title=title,
                    description=description)

    # --- the top of the page ---

    def title(self) -> None:
        """The page's one ``<h1>``."""
        show_markdown(f"# Baseline: {self.area.name}")

    def key_messages(self) -> None:
        """The key messages box."""
        r = self.results
        show_key_messages(text.key_messages(r.headline, r.imd, r.editions, r.themes, self.area,
                                            imd_scores=r.imd_scores))

    # --- who lives here ---

    def headline(self) -> None:
        """Headline figures against the comparator; staged as ``baseline_headline``."""
        name = self.area.name
        show_table(tables.headline_display(self.results.headline, self.area),
                   f"Headline figures: {name} compared with {self.comparator_name}")
        self._stage(tables.labelled_headline(self.results.headline), "baseline_headline",
                    f"Headline figures, {name}",
                    "Residents, population change and broad age groups for the area, the county "
                    "and England.")

    def age_chart(self) -> None:
        """Residents by five-year age band (chart)."""
        ages = self.results.ages
        show_figure(
            charts.age_structure_chart(ages, band="band", share="share", area="area_name",
                                       title=f"Residents by age, mid-{ages['period'].iloc[0]}"),
            "baseline-age", text.describe_age_profile(ages))

    def age_tables(self) -> None:
        """Residents by broad age group (table); staged five-year and broad bands."""
        r, name = self.results, self.area.name
        show_table(tables.age_display(r.broad_ages, self.area),
                   f"Residents by broad age group, mid-{r.broad_ages['period'].iloc[0]}",
                   flags_column="flag")
        self._stage(r.ages, "baseline_age_five_year",
                    f"Residents by five-year age band, {name}",
                    "Residents, share of the population and 95% confidence interval by "
                    "five-year age band.")
        self._stage(r.broad_ages, "baseline_age_broad", f"Residents by broad age group, {name}",
                    "Residents aged 0-15, 16-64 and 65 and over, with shares and 95% confidence "
                    "intervals.")

    def sex_section(self) -> None:
        """Residents by sex (Census 2011), or a note when the data do not give sex."""
        sex = self.results.sex
        if sex.empty:
            show_note("The shipped data do not give the number of residents by sex for this "
                      "area.")
            return
        show_table(tables.sex_display(sex, self.area), "Residents by sex (2011 Census)",
                   flags_column="flag")
        self._stage(sex, "baseline_sex", f"Residents by sex, {self.area.name} (2011 Census)",
                    "Males and females with shares and 95% confidence intervals.")

    # --- deprivation ---

    def imd_summary(self) -> None:
        """The IoD 2019 district summary measures (File 10)."""
        show_table(tables.imd_display(self.results.imd, self.area),
                   "Index of Multiple Deprivation 2019: district summary measures (rank 1 = most "
                   "deprived district in England)")
        self._stage(self.results.imd, "baseline_imd_summary",
                    "IMD 2019 district summary measures",
                    "The published IoD 2019 district summaries (File 10) with each district's "
                    "rank among all districts in England.")

    def editions_chart(self) -> None:
        """Neighbourhoods by national IMD decile in every IoD edition (chart)."""
        r = self.results
        show_figure(
            charts.decile_distribution_chart(
                for_role(r.deciles), edition="edition", decile="decile", share="share",
                title=f"{self.area.name}: neighbourhoods by national IMD decile, each IoD "
                      "edition"),
            "baseline-imd-editions", text.describe_editions(r.editions))

    def editions_tables(self) -> None:
        """The most and least deprived fifths in every edition (table); staged deciles."""
        r = self.results
        show_table(tables.editions_display(r.editions, self.area),
                   f"{self.area.name}: share of neighbourhoods (LSOAs) in England's most and "
                   "least deprived fifths", flags_column="flag")
        self._stage(r.deciles, "baseline_imd_deciles",
                    "Neighbourhoods by national IMD decile, each IoD edition",
                    "Number and share of LSOAs in each national IMD decile for every edition "
                    "2004-2025.")
        self._stage(r.editions, "baseline_imd_editions",
                    "Share of neighbourhoods in the most and least deprived fifths, each IoD "
                    "edition",
                    "Per IoD edition: LSOAs and the % in England's most deprived 10% and 20% "
                    "and least deprived 20%.")

    # --- Quality of Life themes ---

    def theme_counts(self) -> None:
        """How many indicators of each theme are better, similar or worse than the comparator."""
        comparator = self.comparator_name
        show_note(comparison_level_sentence(self.results.comparison_level))
        self._stage(self.results.theme_counts, "baseline_theme_comparisons",
                    f"Indicators by comparison with {comparator}, each Quality of Life theme",
                    "How many indicators of each theme are significantly better, similar or "
                    "worse (or higher or lower).")
        show_table(self.results.theme_counts,
                   f"Number of indicators in each theme by comparison with {comparator}",
                   columns=THEME_COUNT_LABELS, row_header="qol_theme")

    def theme_sections(self) -> None:
        """One heading and table per Quality of Life theme with data."""
        themes = self.results.themes
        for theme in themes_with_data(themes):  # ten themes at most
            heading = f"{theme[:1].upper()}{theme[1:]}"
            show_markdown(f"### {heading}")
            show_table(tables.theme_display(themes, self.area, theme),
                       f"{heading}: {self.area.name}, latest period of each indicator",
                       flags_column="flag", row_header="Indicator")

    def themes_download(self) -> None:
        """Stage every theme indicator as ``baseline_themes``."""
        self._stage(tables.with_comparison_symbols(self.results.themes), "baseline_themes",
                    f"Quality of Life indicators, {self.area.name}",
                    "Latest value of every indicator with its 95% confidence interval, county "
                    "and England values and the comparisons, and the similar districts' "
                    "combined value with the district's rank among them.")

    # --- similar districts ---

    def similar_districts(self) -> None:
        """The method note and the list of the district's similar districts; staged."""
        similar = self.results.similar
        if similar.empty:
            show_markdown(text.NO_SIMILAR)
            return
        show_markdown(text.similar_method(self.area.name, len(similar)))
        show_table(tables.similar_display(similar),
                   f"The {len(similar)} districts of England most similar to {self.area.name}",
                   row_header="District")
        self._stage(similar.rename(columns={"rank": "similarity_rank"}),
                    "baseline_similar_districts",
                    f"Similar districts of {self.area.name}",
                    "The districts of England most similar to this one (statistical "
                    "neighbours), nearest first, with the distance in standard deviations. A "
                    "comparison group, not a benchmark of significance.")

    # --- trends ---

    def population_trend(self) -> None:
        """Residents each mid-year: indexed chart, table; staged."""
        trend, name = self.results.population_trend, self.area.name
        show_figure(
            charts.trend_chart(tables.indexed_trend(trend, "population_total"), x="period",
                               y="index", series="area_name",
                               title="Residents, index (first year = 100)",
                               y_label="Index (first year = 100)", x_label="Mid-year"),
            "baseline-population-trend",
            text.describe_change(for_role(trend), title="The number of residents",
                                 unit="persons", area_name=name))
        show_table(tables.trend_display(trend, self.area), "Residents at each mid-year estimate",
                   flags_column="flag", row_header="Indicator")
        self._stage(trend, "baseline_population_trend", f"Residents by year, {name}",
                    "Mid-year population estimates for the area and the county.")

    def crime_trend(self) -> None:
        """Recorded crime rates by year: chart, table; staged."""
        crime, name = self.results.crime, self.area.name
        all_crime = for_role(crime[crime["indicator_id"] == "crime_rate"])
        show_figure(
            charts.grouped_bar_chart(for_role(crime), category="title", value="value",
                                     group="period", lower="lower_ci", upper="upper_ci",
                                     title=f"{name}: recorded crime per 1,000 residents, by year",
                                     value_label="Per 1,000 residents"),
            "baseline-crime-annual",
            text.describe_change(all_crime, title="All crime (excluding anti-social behaviour)",
                                 unit="per 1,000 residents", area_name=name))
        show_table(tables.trend_display(crime, self.area),
                   "Recorded crime per 1,000 residents, with 95% confidence intervals",
                   flags_column="flag", row_header="Indicator")
        self._stage(crime, "baseline_crime_annual", f"Recorded crime rates by year, {name}",
                    "Crimes per 1,000 residents by type and calendar year with 95% confidence "
                    "intervals.")

    def crime_monthly(self) -> None:
        """Crimes recorded each month with the 12-month rolling mean (chart); staged."""
        monthly, name = self.results.monthly, self.area.name
        show_figure(
            charts.trend_chart(tables.monthly_chart_frame(monthly), x="period", y="value",
                               series="series",
                               title=f"{name}: crimes recorded each month (excluding "
                                     "anti-social behaviour)",
                               y_label="Crimes per month", x_label="Month"),
            "baseline-crime-monthly",
            text.describe_monthly(monthly, what="crimes (excluding anti-social behaviour)"))
        self._stage(monthly, "baseline_crime_monthly", f"Crimes recorded each month, {name}",
                    "Monthly count of crimes (excluding anti-social behaviour), its 12-month "
                    "rolling mean and an index.")

    def census_change(self) -> None:
        """Census 2011 to 2021: chart, table of changes; staged."""
        census, name = self.results.census, self.area.name
        show_figure(
            charts.grouped_bar_chart(tables.census_chart_frame(census), category="measure",
                                     value="value", group="year", lower="lower_ci",
                                     upper="upper_ci", title=f"{name}: Census 2011 and 2021",
                                     value_label="% of residents or households"),
            "baseline-census-change", text.describe_census_change(census))
        show_table(tables.census_change_display(census, self.area),
                   "Change between the 2011 and 2021 Censuses (percentage points)",
                   flags_column="flag", row_header="Measure")
        self._stage(census, "baseline_census_change", f"Census 2011 to 2021, {name}",
                    "Shares in 2011 and 2021 with 95% confidence intervals and the change in "
                    "percentage points.")

    # --- groups of people ---

    def breakdowns_download(self) -> None:
        """Stage the ethnic group, religion and disability shares as ``baseline_breakdowns``."""
        self._stage(tables.with_comparison_symbols(self.results.breakdowns),
                    "baseline_breakdowns",
                    f"Ethnic group, religion and disability, {self.area.name} (2021 Census)",
                    "Shares of residents with 95% confidence intervals, county values and "
                    "comparisons.")

    def _breakdown_chart(self, group: str, chart_id: str, title: str) -> None:
        breakdowns = self.results.breakdowns
        show_figure(
            charts.grouped_bar_chart(tables.breakdown_chart_frame(breakdowns, group),
                                     category="measure", value="value", group="area_name",
                                     lower="lower_ci", upper="upper_ci", title=title,
                                     value_label="% of residents"),
            chart_id, text.describe_breakdown(breakdowns, group))
        show_table(tables.breakdown_display(breakdowns, self.area, group), title,
                   flags_column="flag")

    def ethnic_group(self) -> None:
        """Residents by ethnic group (chart and table)."""
        self._breakdown_chart("Ethnic group", "baseline-ethnicity",
                              "Residents by ethnic group (2021 Census)")

    def religion(self) -> None:
        """Residents by religion (chart and table)."""
        self._breakdown_chart("Religion", "baseline-religion",
                              "Residents by religion (2021 Census)")

    def disability(self) -> None:
        """Residents disabled under the Equality Act (table)."""
        show_table(tables.breakdown_display(self.results.breakdowns, self.area, "Disability"),
                   "Residents disabled under the Equality Act (2021 Census, not "
                   "age-standardised)", flags_column="flag")

    # --- maps ---

    def maps_note(self) -> None:
        """A note when no neighbourhood of the area is a priority neighbourhood."""
        if not self.results.maps.priority:
            show_note(f"No neighbourhood in {self.area.name} meets the rule for a priority "
                      "neighbourhood, so none is outlined.")

    def _map_values(self, values: pd.DataFrame, what: str) -> pd.DataFrame:
        """A map's values, or :class:`NoData` (a sentence on the page) when no LSOA of the area
        has a value of its indicator."""
        if (values["flag"] == "[x]").all():
            raise NoData(f"no LSOA values of {', '.join(values['indicator_id'].unique())} for "
                         f"{self.area.name}", what=f"{self.area.name}: map of {what}")
        return values

    def _map(self, values: pd.DataFrame, chart_id: str, *, title: str, colour_label: str,
             summary: str) -> None:
        maps = self.results.maps
        show_figure(
            charts.choropleth_map(maps.shapes, tables.map_series(values), title=title,
                                  colour_label=colour_label, highlight=maps.priority,
                                  hover_names=tables.lsoa_labels(maps.lsoa_names)),
            chart_id, summary)

    def imd_map(self) -> None:
        """IMD 2019 score by neighbourhood (map); staged."""
        values = self._map_values(self.results.maps.imd,
                                  "the Index of Multiple Deprivation 2019 score")
        name = self.area.name
        self._map(values, "baseline-map-imd",
                  title=f"{name}: Index of Multiple Deprivation 2019 score",
                  colour_label="IMD score (higher = more deprived)",
                  summary=text.describe_map(values, title="The IMD 2019 score", unit="score",
                                            area_name=name))
        self._stage(values, "baseline_map_imd", f"IMD 2019 score by neighbourhood, {name}",
                    "The IMD 2019 score of each LSOA.")

    def crime_map(self) -> None:
        """Crime rate by neighbourhood (map); staged."""
        values = self._map_values(self.results.maps.crime,
                                  "recorded crime per 1,000 residents")
        name = self.area.name
        self._map(values, "baseline-map-crime",
                  title=f"{name}: recorded crime per 1,000 residents, "
                        f"{values['period'].iloc[0]}",
                  colour_label="Crimes per 1,000 residents",
                  summary=text.describe_map(
                      values, title="The crime rate (excluding anti-social behaviour)",
                      unit="per 1,000 residents", area_name=name))
        self._stage(values, "baseline_map_crime", f"Crime rate by neighbourhood, {name}",
                    "Crimes (excluding anti-social behaviour) per 1,000 residents in each LSOA, "
                    "with 95% confidence intervals.")

    def qualifications_map(self) -> None:
        """Adults with no qualifications by neighbourhood (map, Census 2011); staged."""
        values = self._map_values(
            self.results.maps.qualifications,
            "residents aged 16 and over with no qualifications (2011 Census)")
        name = self.area.name
        self._map(values, "baseline-map-qualifications",
                  title=f"{name}: residents aged 16 and over with no qualifications (2011 "
                        "Census)",
                  colour_label="% with no qualifications",
                  summary=text.describe_map(
                      values, title="The share of adults with no qualifications", unit="%",
                      area_name=name))
        self._stage(values, "baseline_map_qualifications",
                    f"No qualifications by neighbourhood, {name}",
                    "Residents aged 16 and over with no qualifications (%), each LSOA, 2011 "
                    "Census, with 95% confidence intervals.")
