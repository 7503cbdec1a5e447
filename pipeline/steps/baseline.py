"""Step 1, the baseline: where a district (or the whole county) is now, and how it got here.

"Establish or review baseline, performance and trends" (design brief, section 2, step 1): for
every indicator with data, the latest value for the area, its county and England with 95%
confidence intervals and the benchmark comparison; the IMD summary and the area's spread over
the national deprivation deciles in every IoD edition; trends where there is more than one
period; breakdowns by age, sex, ethnic group, religion and disability where the data allow;
and the values of each neighbourhood (LSOA) for maps.

:func:`compute_baseline` computes every table of the page once and returns them as a
:class:`BaselineResults`; :mod:`pipeline.pages.baseline` presents them. The tables themselves
are built by plain functions of frames in :mod:`pipeline.steps.baseline_area` (the area and
shared pieces), :mod:`pipeline.steps.baseline_population` (headline, age, sex, breakdowns),
:mod:`pipeline.steps.baseline_deprivation` (IoD summaries, deciles, maps) and
:mod:`pipeline.steps.baseline_tables` (themes, trends, census change). Nothing here reads files:
the raw observations come in as frames.

England values exist for the IoD, the 2021 Census and the population estimates (summed from
every LSOA in England at ingest); crime and 2011 Census figures exist for the county's areas
only, so England columns are empty there (the page says "not available", never a made-up value).

Column conventions (every frame returned): ``area_code``, ``area_name``, ``role``
(``"area"``, ``"county"`` or ``"england"``), ``indicator_id``, ``title``, ``unit``,
``period``, ``value``, ``lower_ci``, ``upper_ci``, ``numerator``, ``denominator``, ``flag``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from pipeline.context import AreaData
from pipeline.steps.baseline_area import BaselineArea, baseline_area, baseline_rows
from pipeline.steps.baseline_deprivation import (
    area_lsoa_names,
    area_shapes,
    imd_area_summary,
    imd_editions_profile,
    imd_editions_summary,
    imd_score_comparison,
    map_values,
    priority_lsoas,
)
from pipeline.steps.baseline_population import (
    SEX_VARIABLES,
    age_profile,
    breakdown_table,
    headline_summary,
    sex_profile,
)
from pipeline.steps.baseline_tables import (
    census_change,
    comparison_counts,
    indicator_ids,
    monthly_series,
    theme_table,
    trend_series,
)
from pipeline.steps.similar import similar_of, with_similar
from pipeline.steps.trends import empty_trends, with_trends

#: The observation variables :func:`compute_baseline` needs, by argument.
POPULATION_VARIABLES: list[str] = ["population"]
SEX_OBSERVATION_VARIABLES: list[str] = list(SEX_VARIABLES.values())


@dataclass
class BaselineMaps:
    """The neighbourhood (LSOA) maps of the page: shapes, priority neighbourhoods, names and
    one :func:`~pipeline.steps.baseline_deprivation.map_values` frame per map."""

    shapes: gpd.GeoDataFrame
    priority: list[str]
    lsoa_names: pd.DataFrame
    imd: pd.DataFrame
    crime: pd.DataFrame
    qualifications: pd.DataFrame


@dataclass
class BaselineResults:
    """Every table of the baseline page of one area, computed once (data only).

    Attributes
    ----------
    area
        The area and its comparators.
    headline, ages, broad_ages, sex
        Headline figures; residents by five-year and broad age band; by sex (Census 2011;
        empty when the data do not give sex).
    imd, imd_scores, deciles, editions
        IoD 2019 district summaries (File 10); average IMD scores of the area, county and
        England; LSOAs by national decile in every IoD edition, and its summary.
    themes, theme_counts
        Latest value of every Quality of Life indicator against the benchmarks; counts of
        comparisons with the page's comparator (:attr:`BaselineArea.comparator_role`).
    population_trend, crime, monthly, census
        Residents each mid-year; annual crime rates; monthly crimes with rolling mean; Census
        2011 to 2021 change.
    breakdowns
        Census 2021 shares by ethnic group, religion and disability.
    maps
        The LSOA maps.
    comparison_level
        Confidence level (percent) of the benchmark comparisons (the config's
        ``comparison.level``).
    similar
        The district's similar districts (:mod:`pipeline.similar`), nearest first; empty for
        the county overview. ``themes`` carries their combined value and the district's rank.
    """

    area: BaselineArea
    headline: pd.DataFrame
    ages: pd.DataFrame
    broad_ages: pd.DataFrame
    sex: pd.DataFrame
    imd: pd.DataFrame
    imd_scores: pd.DataFrame
    deciles: pd.DataFrame
    editions: pd.DataFrame
    themes: pd.DataFrame
    theme_counts: pd.DataFrame
    population_trend: pd.DataFrame
    crime: pd.DataFrame
    monthly: pd.DataFrame
    census: pd.DataFrame
    breakdowns: pd.DataFrame
    maps: BaselineMaps = field(repr=False)
    comparison_level: float = 95.0
    similar: pd.DataFrame = field(default_factory=pd.DataFrame)


def baseline_maps(data: AreaData, rows: pd.DataFrame, area: BaselineArea, min_count: int
                  ) -> BaselineMaps:
    """The page's three LSOA maps: IMD 2019 score, crime rate, no qualifications (2011)."""
    priority = priority_lsoas(data.membership, area)

    def values(indicator_id: str, period: str | None = None) -> pd.DataFrame:
        return map_values(rows, data.lsoas, area, indicator_id, period=period,
                          priority=priority, min_count=min_count)

    return BaselineMaps(shapes=area_shapes(data.boundaries, area), priority=priority,
                        lsoa_names=area_lsoa_names(data.lsoas, area),
                        imd=values("imd_score", "2019"), crime=values("crime_rate"),
                        qualifications=values("c11_no_qualifications_pct"))


def compute_baseline(data: AreaData, district: str, population: pd.DataFrame,
                     sex_observations: pd.DataFrame, trends: pd.DataFrame | None = None
                     ) -> BaselineResults:
    """Every table of the baseline page of ``district``.

    A long sequence of independent table builds, one per section of the page.

    Parameters
    ----------
    data
        The prepared data (store, catalogue, LSOAs, boundaries, localities, config).
    district
        A district's code or name, or the county's code or name for the county overview.
    population
        Observations of the variable ``population`` by single year of age
        (:data:`POPULATION_VARIABLES`).
    sex_observations
        Observations of the Census 2011 counts of males and females
        (:data:`SEX_OBSERVATION_VARIABLES`).
    trends
        The run's recent trends (:func:`pipeline.steps.trends.indicator_trends`), shown beside
        the theme tables' indicators (``None``: every indicator "not enough points").

    Raises
    ------
    InputError
        An unknown district, or one without LSOAs.
    ValueError
        Inputs missing what a table needs (see the table functions).
    """
    area = baseline_area(data.config, data.lsoas, district)
    rows = baseline_rows(data.store, area)
    catalogue, min_count = data.catalogue, data.config.min_count
    level = data.config.comparison_level
    themes = with_trends(theme_table(rows, catalogue, area, min_count=min_count, level=level),
                         trends if trends is not None else empty_trends(), area.code)
    themes = with_similar(themes, data.store, catalogue, data.similar, area.code)
    deciles = imd_editions_profile(rows, area)
    return BaselineResults(
        area=area,
        headline=headline_summary(rows, area, min_count=min_count),
        ages=age_profile(population, area, bands="five_year", min_count=min_count),
        broad_ages=age_profile(population, area, bands="broad", min_count=min_count),
        sex=sex_profile(sex_observations, area, min_count=min_count),
        imd=imd_area_summary(rows, catalogue, area, data.config.districts),
        imd_scores=imd_score_comparison(rows, area),
        deciles=deciles,
        editions=imd_editions_summary(deciles),
        themes=themes,
        theme_counts=comparison_counts(themes, area.comparator_role),
        population_trend=trend_series(rows, catalogue, area, ["population_total"],
                                      min_count=min_count),
        crime=trend_series(rows, catalogue, area, indicator_ids(catalogue, "annual_rate"),
                           min_count=min_count),
        monthly=monthly_series(rows, area, "crime_monthly", min_count=min_count),
        census=census_change(rows, catalogue, area, min_count=min_count),
        breakdowns=breakdown_table(rows, catalogue, area, min_count=min_count, level=level),
        maps=baseline_maps(data, rows, area, min_count),
        comparison_level=level,
        similar=similar_of(data.similar, area.code),
    )
