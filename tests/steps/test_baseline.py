"""Step 1, the baseline computation: small inline fixtures, negative tests and the real data.

The presentation of these tables (display tables, sentences, the notebook) is tested in
``tests/pages/test_baseline.py``, which reuses the fixtures below.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Area, load_area_config
from pipeline.errors import InputError
from pipeline.paths import PROJECT_ROOT
from pipeline.steps import baseline_area as ba
from pipeline.steps import baseline_deprivation as dep
from pipeline.steps import baseline_population as pop
from pipeline.steps import baseline_tables as tab
from pipeline.steps.baseline import (
    POPULATION_VARIABLES,
    SEX_OBSERVATION_VARIABLES,
    BaselineResults,
    compute_baseline,
)
from pipeline.steps.baseline_area import BaselineArea
from pipeline.store import load_observations
from tests.steps.baseline_data import (
    COUNTY,
    DISTRICT,
    ENGLAND,
    LSOAS,
    WHOLE_COUNTY,
    baseline_catalogue,
    baseline_population,
    baseline_store,
)


@pytest.fixture
def catalogue() -> pd.DataFrame:
    return baseline_catalogue()


@pytest.fixture
def store() -> pd.DataFrame:
    return baseline_store()


@pytest.fixture
def population() -> pd.DataFrame:
    return baseline_population()


# --------------------------------------------------------------------------------------------
# The area


def test_baseline_area_for_a_district_and_for_the_county():
    config = load_area_config()
    lsoas = pd.DataFrame({"lsoa_code": ["E01000002", "E01000001", "E01000003"],
                          "lad_code": ["E07000130", "E07000130", "E07000129"]})
    area = ba.baseline_area(config, lsoas, "Charnwood")
    assert (area.code, area.area_type, area.is_county) == ("E07000130", "LAD", False)
    assert area.lsoa_codes == ("E01000001", "E01000002")
    assert area.county_lsoa_codes == ("E01000001", "E01000002", "E01000003")
    assert area.areas()["role"].tolist() == ["area", "county", "england"]
    county = ba.baseline_area(config, lsoas, "E10000018")
    assert county.is_county and county.lsoa_codes == county.county_lsoa_codes
    assert county.areas()["role"].tolist() == ["area", "england"]
    assert set(county.lsoa_groups()["role"]) == {"area"}


def test_baseline_area_rejects_unknown_or_empty_districts():
    config = load_area_config()
    lsoas = pd.DataFrame({"lsoa_code": ["E01000001"], "lad_code": ["E07000130"]})
    with pytest.raises(InputError, match="unknown district 'Narnia'"):
        ba.baseline_area(config, lsoas, "Narnia")
    with pytest.raises(InputError, match="Blaby .* has no LSOAs"):
        ba.baseline_area(config, lsoas, "E07000129")
    with pytest.raises(ValueError, match="lad_code"):
        ba.baseline_area(config, lsoas.drop(columns="lad_code"), "E07000130")


def test_baseline_rows_keeps_areas_and_county_lsoas_only(store):
    rows = ba.baseline_rows(store, DISTRICT)
    assert "L9" not in set(rows["area_code"])
    assert {"L1", "L2", "L3", "E07000130", "E10000018", "E92000001"} <= set(rows["area_code"])
    with pytest.raises(ValueError, match="category"):
        ba.baseline_rows(store.drop(columns="category"), DISTRICT)


def test_comparator_role_of_a_district_and_of_the_county():
    assert (DISTRICT.comparator_role, DISTRICT.comparator.name) == ("county", "Leicestershire")
    assert (WHOLE_COUNTY.comparator_role, WHOLE_COUNTY.comparator.name) == ("england",
                                                                            "England")


# --------------------------------------------------------------------------------------------
# Population


def test_age_profile_broad_bands_shares_and_suppression(population):
    out = pop.age_profile(population, DISTRICT, bands="broad")
    assert out["period"].unique().tolist() == ["2020"]  # the latest by default
    mine = out[out["role"] == "area"].set_index("band")
    assert mine.index.tolist() == ["0-15", "16-64", "65+"]
    assert mine.loc["0-15", "population"] == 16 * 30  # L1 + L2
    assert mine.loc["65+", "population"] == 25 * 30 + 10 + 3  # 65-89, then 90+ of L1 and L2
    assert mine["total"].iloc[0] == 90 * 30 + 10 + 3
    assert mine.loc["0-15", "share"] == pytest.approx(100 * 480 / 2713)
    assert mine.loc["0-15", "lower_ci"] < mine.loc["0-15", "share"] < mine.loc["0-15", "upper_ci"]
    county = out[out["role"] == "county"]
    assert county["population"].sum() == 90 * 60 + 10 + 3 + 30


def test_age_profile_five_year_bands_suppress_small_counts(population):
    small = population[(population["area_code"] == "L2") & (population["period"] == "2020")]
    area = BaselineArea("X", "Tiny", "LAD", COUNTY, ENGLAND, ("L2",), ("L1", "L2", "L3"))
    out = pop.age_profile(small, area, bands={"0-89": (0, 89), "90+": (90, 90)}, min_count=5)
    top = out[(out["role"] == "area") & (out["band"] == "90+")].iloc[0]
    assert np.isnan(top["population"]) and np.isnan(top["share"]) and top["flag"] == "[c]"
    five = pop.age_profile(population, DISTRICT)
    assert five["band"].iloc[:3].tolist() == ["0-4", "5-9", "10-14"]
    assert five["band"].iloc[18] == "90+"


def test_age_profile_rejects_bad_inputs(population):
    with pytest.raises(ValueError, match="no population rows by single year"):
        pop.age_profile(population.assign(category=""), DISTRICT)
    with pytest.raises(ValueError, match="no population estimates for 2018"):
        pop.age_profile(population, DISTRICT, period="2018")
    with pytest.raises(ValueError, match="overlaps"):
        pop.age_profile(population, DISTRICT, bands={"a": (0, 20), "b": (15, 90)})
    with pytest.raises(ValueError, match="bands must be"):
        pop.age_profile(population, DISTRICT, bands="decades")
    with pytest.raises(ValueError, match="category"):
        pop.age_profile(population.drop(columns="category"), DISTRICT)


def test_headline_summary_population_change_and_shares(store):
    out = pop.headline_summary(store, DISTRICT).set_index(["measure", "period"])
    assert out.loc[("residents", "2020"), "area"] == 1100
    assert out.loc[("residents", "2017"), "county"] == 4000
    assert out.loc[("residents_change", "2017-2020"), "area"] == 100
    assert out.loc[("residents_change_pct", "2017-2020"), "area"] == pytest.approx(10)
    assert out.loc[("residents_change_pct", "2017-2020"), "county"] == pytest.approx(2.5)
    assert out.loc[("population_aged_0_15_pct", "2020"), "area_lower_ci"] == 17.7
    assert out["england"].isna().all()


def test_headline_summary_needs_population(store):
    with pytest.raises(ValueError, match="no population totals for Charnwood"):
        pop.headline_summary(store[store["indicator_id"] != "population_total"], DISTRICT)


def test_sex_profile_and_its_absence():
    obs = pd.DataFrame({"area_code": ["L1", "L1", "L2", "L2", "L3", "L3"],
                        "variable": ["c11_u001", "c11_u002"] * 3, "period": "2011",
                        "value": [40.0, 60.0, 50.0, 50.0, 3.0, 100.0]})
    out = pop.sex_profile(obs, DISTRICT)
    mine = out[out["role"] == "area"].set_index("sex")
    assert mine.index.tolist() == ["Males", "Females"]
    assert mine.loc["Males", "count"] == 90 and mine.loc["Males", "total"] == 200
    assert mine.loc["Females", "share"] == pytest.approx(55.0)
    empty = pop.sex_profile(obs.assign(variable="other"), DISTRICT)
    assert empty.empty and "share" in empty.columns
    with pytest.raises(ValueError, match="variable"):
        pop.sex_profile(obs.drop(columns="variable"), DISTRICT)


# --------------------------------------------------------------------------------------------
# Deprivation


def test_imd_summary_ranks_out_of_all_districts(store, catalogue):
    out = dep.imd_summary(store, catalogue, ["E07000130"], {"E07000130": "Charnwood"})
    assert out.shape[0] == 1
    r = out.iloc[0]
    assert (r["area_name"], r["value"], r["rank"], r["out_of"]) == ("Charnwood", 13.238, 236, 3)
    assert r["title"] == "IMD average score"
    both = dep.imd_area_summary(store, catalogue, WHOLE_COUNTY,
                                [Area("E07000129", "Blaby"), Area("E07000130", "Charnwood")])
    assert both["area_name"].tolist() == ["Blaby", "Charnwood"]
    wide = dep.imd_summary_wide(both)
    assert wide["area_name"].tolist() == ["Charnwood", "Blaby"]  # most deprived first
    with pytest.raises(ValueError, match="no IoD 2019 district summaries"):
        dep.imd_summary(store, catalogue, ["E07000999"])


def test_imd_editions_profile_deciles_shares_and_estimates(store):
    out = dep.imd_editions_profile(store, DISTRICT)
    mine = out[out["role"] == "area"]
    assert len(mine) == 2 * 10  # two editions x every decile
    e2004 = mine[mine["edition"] == "2004"].set_index("decile")
    assert e2004.loc[1, "lsoas"] == 1 and e2004.loc[3, "lsoas"] == 1  # 2.5 -> 3 (half up)
    assert e2004.loc[3, "estimated_lsoas"] == 1
    assert e2004["share"].sum() == pytest.approx(100)
    county2019 = out[(out["role"] == "county") & (out["edition"] == "2019")]
    assert county2019["lsoas"].sum() == 3  # L9 is not in the county
    summary = dep.imd_editions_summary(out).set_index(["role", "edition"])
    assert summary.loc[("area", "2019"), "most_deprived_20_pct"] == 50.0
    assert summary.loc[("area", "2004"), "most_deprived_10_pct"] == 50.0
    assert summary.loc[("county", "2019"), "least_deprived_20_pct"] == pytest.approx(200 / 3)


def test_imd_editions_profile_needs_deciles(store):
    with pytest.raises(ValueError, match="no imd_decile values"):
        dep.imd_editions_profile(store[store["indicator_id"] != "imd_decile"], DISTRICT)


def test_imd_score_comparison_has_three_areas(store):
    out = dep.imd_score_comparison(store, DISTRICT)
    assert out["role"].tolist() == ["area", "county", "england"]
    assert out["value"].tolist() == [13.2, 12.3, 21.7]


# --------------------------------------------------------------------------------------------
# Quality of Life themes


def test_theme_table_latest_period_comparisons_and_suppression(store, catalogue):
    out = tab.theme_table(store, catalogue, DISTRICT).set_index("indicator_id")
    assert "crime_monthly" not in out.index and "imd_decile" not in out.index
    assert "imd_average_score" not in out.index  # File 10 measures have their own section
    crime = out.loc["crime_rate"]
    assert crime["period"] == "2021"
    assert crime["county_value"] == 55.0 and crime["county_comparison"] == "worse"
    assert "county_symbol" not in out.columns  # symbols and words are the page's
    assert np.isnan(crime["england_value"]) and crime["england_comparison"] == "not compared"
    assert out.loc["c11_no_car_pct", "county_comparison"] == "better"
    assert out.loc["population_aged_0_15_pct", "county_comparison"] == "similar"
    assert out.loc["imd_score", "england_value"] == 21.7
    assert out.loc["imd_score", "england_comparison"] == "not compared"  # a score: no interval
    themes = tab.themes_with_data(out.reset_index())
    assert themes[0] == "people and place" and themes[-1] == "transport and access"


def test_theme_table_suppresses_small_counts(store, catalogue):
    tiny = store[~((store["indicator_id"] == "crime_rate") & (store["period"] == "2021"))]
    crime = tab.theme_table(tiny, catalogue, DISTRICT).set_index("indicator_id").loc["crime_rate"]
    assert crime["period"] == "2020" and crime["flag"] == "[c]"
    assert np.isnan(crime["value"]) and np.isnan(crime["numerator"])
    assert crime["county_comparison"] == "not compared"


def test_comparison_counts_per_theme(store, catalogue):
    table = tab.theme_table(store, catalogue, DISTRICT)
    counts = tab.comparison_counts(table).set_index("qol_theme")
    assert counts.loc["community safety", "worse"] == 1
    assert counts.columns.tolist() == ["better", "similar", "worse", "higher", "lower",
                                       "not compared"]
    with pytest.raises(ValueError, match="england_comparison"):
        tab.comparison_counts(table.drop(columns="england_comparison"), "england")


def test_theme_table_rejects_unknown_theme(store, catalogue):
    with pytest.raises(ValueError, match="unknown Quality of Life theme"):
        tab.theme_table(store, catalogue, DISTRICT, themes=["happiness"])


# --------------------------------------------------------------------------------------------
# Trends


def test_trend_series_keeps_indicators_with_several_periods(store, catalogue):
    out = tab.trend_series(store, catalogue, DISTRICT, ["population_total", "imd_score"])
    assert out["indicator_id"].unique().tolist() == ["population_total"]  # imd: one period
    assert out["role"].tolist() == ["area", "area", "county", "county"]
    with pytest.raises(ValueError, match="not in the catalogue"):
        tab.trend_series(store, catalogue, DISTRICT, ["no_such_indicator"])


def test_monthly_series_rolling_mean_and_index(store):
    out = tab.monthly_series(store, DISTRICT, "crime_monthly", window=12)
    mine = out[out["role"] == "area"].reset_index(drop=True)
    assert len(mine) == 26
    assert mine["rolling_mean"].iloc[:11].isna().all()
    assert mine["rolling_mean"].iloc[11] == pytest.approx(np.mean(range(100, 112)))
    assert mine["index"].iloc[11] == pytest.approx(100)
    with pytest.raises(ValueError, match="window"):
        tab.monthly_series(store, DISTRICT, window=0)
    with pytest.raises(ValueError, match="no monthly values of asb_monthly"):
        tab.monthly_series(store, DISTRICT, "asb_monthly")


def test_census_change_pairs_comparable_measures_only(store, catalogue):
    out = tab.census_change(store, catalogue, DISTRICT)
    assert out["measure"].unique().tolist() == ["Christian"]  # overcrowding: not comparable;
    # Hindu 2011 needs an extract
    mine = out[out["role"] == "area"].iloc[0]
    assert mine["change"] == pytest.approx(-14.0)
    assert mine["change_upper"] < 0 and mine["assessment"] == "decreased"
    assert mine["flag"] == "[e]"
    none = tab.census_change(store, catalogue.assign(status="needs extract"), DISTRICT)
    assert none.empty


def test_indicator_ids_put_all_crime_first(catalogue):
    assert tab.indicator_ids(catalogue, "annual_rate") == ["crime_rate"]
    with pytest.raises(ValueError, match="no computed indicators of method 'survey'"):
        tab.indicator_ids(catalogue, "survey")


# --------------------------------------------------------------------------------------------
# Breakdowns


def test_breakdown_table_against_the_county(store, catalogue):
    out = pop.breakdown_table(store, catalogue, DISTRICT)
    assert out["group"].tolist() == ["Religion", "Religion", "Disability"]
    religion = out.set_index("indicator_id")
    assert religion.loc["c21_hindu_pct", "county_comparison"] == "higher"
    assert religion.loc["c21_hindu_pct", "measure"] == "Hindu"
    assert religion.loc["c21_disabled_pct", "county_comparison"] == "similar"
    with pytest.raises(ValueError, match="groups must map"):
        pop.breakdown_table(store, catalogue, DISTRICT, groups={})


# --------------------------------------------------------------------------------------------
# Maps


def test_map_values_every_lsoa_suppressed_and_missing_flagged(store):
    imd = dep.map_values(store, LSOAS, DISTRICT, "imd_score", priority=["L1"])
    assert imd["lsoa_code"].tolist() == ["L1", "L2"]
    assert imd["priority_neighbourhood"].tolist() == [True, False]
    crime = dep.map_values(store, LSOAS, DISTRICT, "crime_rate")
    assert crime["flag"].tolist() == ["[c]", "[x]"]  # 3 crimes suppressed; L2 has no row
    assert crime["value"].isna().all()
    names = dep.area_lsoa_names(LSOAS, DISTRICT)
    assert names["lsoa_code"].tolist() == ["L1", "L2"] and "ward_name" in names
    # no values of the indicator (for the period): every LSOA is there, flagged [x] (the
    # page says the map is not available rather than the district losing its results)
    missing = dep.map_values(store, LSOAS, DISTRICT, "income_score")
    assert missing["lsoa_code"].tolist() == ["L1", "L2"]
    assert missing["flag"].tolist() == ["[x]", "[x]"] and missing["value"].isna().all()
    assert missing["period"].tolist() == ["", ""]
    old = dep.map_values(store, LSOAS, DISTRICT, "imd_score", period="2015")
    assert old["flag"].tolist() == ["[x]", "[x]"] and old["period"].tolist() == ["2015"] * 2


def test_priority_lsoas_within_the_area():
    membership = pd.DataFrame({"type": ["priority_neighbourhood", "priority_neighbourhood",
                                        "town"], "lsoa_code": ["L2", "L3", "L1"]})
    assert dep.priority_lsoas(membership, DISTRICT) == ["L2"]
    with pytest.raises(ValueError, match="type"):
        dep.priority_lsoas(membership.drop(columns="type"), DISTRICT)


def test_for_role_selects_one_role():
    frame = pd.DataFrame({"role": ["area", "county", "area"], "value": [1, 2, 3]})
    assert ba.for_role(frame)["value"].tolist() == [1, 3]
    with pytest.raises(ValueError, match="role must be one of"):
        ba.for_role(pd.DataFrame({"role": ["area"]}), "region")


# --------------------------------------------------------------------------------------------
# The steps compute only


STEP_MODULES = sorted((PROJECT_ROOT / "pipeline" / "steps").glob("baseline*.py"))
PRESENTATION_IMPORT = re.compile(
    r"^\s*(from|import)\s+(pipeline\.(reporting|pages)|openpyxl|zipfile|html)\b", re.MULTILINE)


@pytest.mark.parametrize("path", STEP_MODULES, ids=lambda p: p.name)
def test_baseline_steps_import_no_presentation_and_stay_short(path: Path):
    source = path.read_text(encoding="utf-8")
    assert not PRESENTATION_IMPORT.search(source)
    assert "read_parquet" not in source and "load_observations" not in source
    assert len(source.splitlines()) <= 500


# --------------------------------------------------------------------------------------------
# The real data


def test_observations_read_only_the_named_variables(ingested, tmp_path):
    population = load_observations(ingested["out"], variables=POPULATION_VARIABLES)
    assert set(population["variable"]) == {"population"}
    lsoas = population[population["area_type"] == "LSOA11"]
    assert len(lsoas) == 3 * 396 * 92  # 3 years x 396 LSOAs x (total + 91 ages)
    # and the sums of the national file: 317 districts, 9 regions, the county and England
    assert len(population) == 3 * (396 + 317 + 9 + 1 + 1) * 92
    with pytest.raises(InputError, match="run `python -m pipeline ingest` first"):
        load_observations(tmp_path, variables=POPULATION_VARIABLES)


@pytest.fixture(scope="module")
def real(prepared):
    _, data = prepared
    area = ba.baseline_area(data.config, data.lsoas, "E07000130")
    return data, area, ba.baseline_rows(data.store, area)


def test_real_headline_charnwood_population(real):
    data, area, rows = real
    headline = pop.headline_summary(rows, area).set_index(["measure", "period"])
    assert headline.loc[("residents", "2020"), "area"] == 188_416
    assert headline.loc[("residents", "2017"), "area"] == 180_387
    assert headline.loc[("residents", "2020"), "county"] == 713_085


def test_real_age_and_sex_profiles(real, ingested):
    data, area, rows = real
    population = load_observations(ingested["out"], variables=POPULATION_VARIABLES)
    broad = pop.age_profile(population, area, bands="broad").set_index(["role", "band"])
    assert broad.loc[("area", "0-15"), "population"] == 31_964
    assert broad.loc[("area", "65+"), "population"] == 34_182  # = the store's 65+ numerator
    assert broad.xs("area")["population"].sum() == 188_416
    sex = pop.sex_profile(load_observations(ingested["out"],
                                           variables=SEX_OBSERVATION_VARIABLES), area)
    assert sex[sex["role"] == "area"]["total"].iloc[0] == 166_100  # Census 2011 residents


    assert sex[sex["role"] == "area"]["total"].iloc[0] == 166_100  # Census 2011 residents


def test_real_theme_table_county_filled_england_for_national_data(real):
    data, area, rows = real
    table = tab.theme_table(rows, data.catalogue, area, min_count=data.config.min_count)
    assert len(table) > 50
    assert table["county_value"].notna().all()
    with_england = set(table.loc[table["england_value"].notna(), "indicator_id"])
    files = data.catalogue.set_index("id")["catalogue_file"]
    national = {i for i in table["indicator_id"] if files[i] == "population.csv"
                or i.startswith("c21_")}
    assert national and national <= with_england  # every Census 2021 and population indicator
    assert with_england <= national | set(files[files == "iod.csv"].index)
    compared = table.set_index("indicator_id").loc[sorted(national - {"population_total"})]
    assert (compared["england_comparison"] != "not compared").all()  # shares: intervals
    crime = table.set_index("indicator_id").loc["crime_rate"]
    assert crime["period"] == "2021" and crime["numerator"] == 12_866
    assert crime["county_comparison"] == "worse"


def test_real_imd_summary_and_editions(real):
    data, area, rows = real
    imd = dep.imd_area_summary(rows, data.catalogue, area, data.config.districts)
    score = imd.set_index("indicator_id").loc["imd_average_score"]
    assert (score["value"], score["rank"], score["out_of"]) == (13.238, 236, 317)
    editions = dep.imd_editions_summary(dep.imd_editions_profile(rows, area))
    mine = editions[editions["role"] == "area"]
    assert mine["edition"].tolist() == ["2004", "2007", "2010", "2015", "2019", "2025"]
    assert (mine["lsoas"] == 99).all()
    assert (editions.loc[editions["role"] == "county", "lsoas"] == 396).all()


def test_real_county_overview_compares_with_england_only(prepared):
    _, data = prepared
    county = ba.baseline_area(data.config, data.lsoas, "E10000018")
    rows = ba.baseline_rows(data.store, county)
    table = tab.theme_table(rows, data.catalogue, county)
    assert table["county_value"].isna().all()
    assert table["england_value"].notna().any()
    imd = dep.imd_area_summary(rows, data.catalogue, county, data.config.districts)
    assert imd["area_code"].nunique() == 7
    maps = dep.map_values(rows, data.lsoas, county, "imd_score", period="2019")
    assert len(maps) == 396 and maps["value"].notna().all()



def test_real_compute_baseline_through_the_district_results(prepared, ingested):
    from pipeline.results import DistrictResults

    _, data = prepared
    results = DistrictResults(data=data, district="Charnwood", processed_dir=ingested["out"])
    baseline = results.baseline
    assert isinstance(baseline, BaselineResults)
    assert baseline is results.baseline  # computed once
    assert baseline.area.code == "E07000130"
    assert baseline.broad_ages.query("role == 'area'")["population"].sum() == 188_416
    assert baseline.sex.query("role == 'area'")["total"].iloc[0] == 166_100
    assert baseline.theme_counts["qol_theme"].iloc[0] == "people and place"
    assert len(baseline.maps.imd) == len(baseline.maps.shapes) == 99
    assert baseline.crime["indicator_id"].iloc[0] == "crime_and_asb_rate"
    with pytest.raises(InputError, match="unknown district 'Narnia'"):
        compute_baseline(data, "Narnia", pd.DataFrame(), pd.DataFrame())
