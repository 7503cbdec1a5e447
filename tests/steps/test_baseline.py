"""Step 1, the baseline: small inline fixtures, negative tests, the real data and the notebook."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Area, load_area_config
from pipeline.errors import InputError
from pipeline.paths import PROJECT_ROOT
from pipeline.steps import baseline as bl
from pipeline.steps.baseline import BaselineArea

NAN = np.nan
COUNTY = Area("E10000018", "Leicestershire")
ENGLAND = Area("E92000001", "England")
DISTRICT = BaselineArea("E07000130", "Charnwood", "LAD", COUNTY, ENGLAND, ("L1", "L2"),
                        ("L1", "L2", "L3"))
WHOLE_COUNTY = BaselineArea("E10000018", "Leicestershire", "CTY", COUNTY, ENGLAND,
                            ("L1", "L2", "L3"), ("L1", "L2", "L3"))


def row(code, area_type, indicator, period, value, numerator=NAN, denominator=NAN, lower=NAN,
        upper=NAN, unit="%", flag="", category=""):
    return {"area_code": code, "area_type": area_type, "indicator_id": indicator,
            "period": period, "category": category, "value": value, "numerator": numerator,
            "denominator": denominator, "lower_ci": lower, "upper_ci": upper, "unit": unit,
            "flag": flag, "source": "test"}


@pytest.fixture
def catalogue() -> pd.DataFrame:
    rows = [
        # id, title, unit, polarity, method, aggregation, theme, status
        ("population_total", "Total population", "persons", "no_judgement", "count", "sum",
         "people and place", "computed"),
        ("population_aged_0_15_pct", "Children aged 0-15", "%", "no_judgement", "ratio",
         "ratio", "people and place", "computed"),
        ("crime_rate", "All crime", "per 1,000 residents", "higher_is_worse", "annual_rate",
         "ratio", "community safety", "computed"),
        ("crime_monthly", "All crime, monthly", "crimes", "higher_is_worse", "monthly_count",
         "sum", "community safety", "computed"),
        ("imd_score", "IMD score", "score", "higher_is_worse", "value", "pop_weighted_mean",
         "people and place", "computed"),
        ("imd_decile", "IMD decile", "decile", "higher_is_better", "value", "none",
         "people and place", "computed"),
        ("imd_average_score", "IMD average score", "score", "higher_is_worse", "value", "none",
         "people and place", "computed"),
        ("imd_rank_of_average_score", "District rank on IMD average score", "rank",
         "higher_is_better", "value", "none", "people and place", "computed"),
        ("c11_no_car_pct", "Households without a car (2011)", "%", "higher_is_worse", "ratio",
         "ratio", "transport and access", "computed"),
        ("c11_christian_pct", "Christian (2011)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c21_christian_pct", "Christian (2021)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c11_overcrowded_pct", "Overcrowded (2011)", "%", "higher_is_worse", "ratio", "ratio",
         "housing", "computed"),
        ("c21_overcrowded_pct", "Overcrowded (2021)", "%", "higher_is_worse", "ratio", "ratio",
         "housing", "computed"),
        ("c11_hindu_pct", "Hindu (2011)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "needs extract: KS209EW"),
        ("c21_hindu_pct", "Hindu (2021)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c21_disabled_pct", "Disabled (2021)", "%", "higher_is_worse", "ratio", "ratio",
         "health and social well-being", "computed"),
    ]
    cat = pd.DataFrame(rows, columns=["id", "title", "unit", "polarity", "method",
                                      "aggregation", "qol_theme", "status"])
    cat["definition"] = cat["title"] + " (definition)."
    return cat


@pytest.fixture
def store() -> pd.DataFrame:
    rows = [
        row("E07000130", "LAD", "population_total", "2017", 1000, 1000, unit="persons"),
        row("E07000130", "LAD", "population_total", "2020", 1100, 1100, unit="persons"),
        row("E10000018", "CTY", "population_total", "2017", 4000, 4000, unit="persons"),
        row("E10000018", "CTY", "population_total", "2020", 4100, 4100, unit="persons"),
        row("E07000130", "LAD", "population_aged_0_15_pct", "2020", 20.0, 220, 1100, 17.7, 22.5),
        row("E10000018", "CTY", "population_aged_0_15_pct", "2020", 18.0, 738, 4100, 16.9, 19.2),
        # district crime worse than county in 2021, a single count of 3 in 2020 (suppressed)
        row("E07000130", "LAD", "crime_rate", "2020", 2.7, 3, 1100, 0.6, 8.0,
            unit="per 1,000 residents"),
        row("E07000130", "LAD", "crime_rate", "2021", 80.0, 88, 1100, 64.2, 98.6,
            unit="per 1,000 residents"),
        row("E10000018", "CTY", "crime_rate", "2020", 50.0, 205, 4100, 43.4, 57.3,
            unit="per 1,000 residents"),
        row("E10000018", "CTY", "crime_rate", "2021", 55.0, 226, 4100, 48.1, 62.6,
            unit="per 1,000 residents"),
        row("E07000130", "LAD", "imd_score", "2019", 13.2, unit="score"),
        row("E10000018", "CTY", "imd_score", "2019", 12.3, unit="score"),
        row("E92000001", "ENG", "imd_score", "2019", 21.7, unit="score"),
        row("E07000130", "LAD", "c11_no_car_pct", "2011", 10.0, 100, 1000, 8.3, 12.0),
        row("E10000018", "CTY", "c11_no_car_pct", "2011", 15.0, 600, 4000, 13.9, 16.1),
        row("E07000130", "LAD", "c11_christian_pct", "2011", 55.0, 550, 1000, 51.9, 58.1),
        row("E10000018", "CTY", "c11_christian_pct", "2011", 60.0, 2400, 4000, 58.5, 61.5),
        row("E07000130", "LAD", "c21_christian_pct", "2021", 41.0, 451, 1100, 38.1, 43.9,
            flag="[e]"),
        row("E10000018", "CTY", "c21_christian_pct", "2021", 45.0, 1845, 4100, 43.5, 46.5,
            flag="[e]"),
        row("E07000130", "LAD", "c11_overcrowded_pct", "2011", 5.0, 50, 1000, 3.8, 6.5),
        row("E07000130", "LAD", "c21_overcrowded_pct", "2021", 4.0, 44, 1100, 3.0, 5.3),
        row("E07000130", "LAD", "c21_hindu_pct", "2021", 6.0, 66, 1100, 4.7, 7.6, flag="[e]"),
        row("E10000018", "CTY", "c21_hindu_pct", "2021", 3.0, 123, 4100, 2.5, 3.6, flag="[e]"),
        row("E07000130", "LAD", "c21_disabled_pct", "2021", 16.0, 176, 1100, 14.0, 18.3),
        row("E10000018", "CTY", "c21_disabled_pct", "2021", 16.5, 677, 4100, 15.4, 17.7),
        row("E07000130", "LAD", "imd_average_score", "2019", 13.238, unit="score"),
        row("E07000130", "LAD", "imd_rank_of_average_score", "2019", 236, unit="rank"),
        row("E07000129", "LAD", "imd_average_score", "2019", 10.629, unit="score"),
        row("E07000129", "LAD", "imd_rank_of_average_score", "2019", 282, unit="rank"),
        row("E09000001", "LAD", "imd_rank_of_average_score", "2019", 100, unit="rank"),
        # LSOA deciles: L2 carries an estimated half decile, L3 is only in the county
        row("L1", "LSOA11", "imd_decile", "2004", 1, unit="decile"),
        row("L2", "LSOA11", "imd_decile", "2004", 2.5, unit="decile", flag="[e]"),
        row("L3", "LSOA11", "imd_decile", "2004", 10, unit="decile"),
        row("L1", "LSOA11", "imd_decile", "2019", 2, unit="decile"),
        row("L2", "LSOA11", "imd_decile", "2019", 9, unit="decile"),
        row("L3", "LSOA11", "imd_decile", "2019", 10, unit="decile"),
        row("L9", "LSOA11", "imd_decile", "2019", 1, unit="decile"),  # not in the county
        row("L1", "LSOA11", "imd_score", "2019", 40.0, unit="score"),
        row("L2", "LSOA11", "imd_score", "2019", 8.0, unit="score"),
        row("L1", "LSOA11", "crime_rate", "2021", 2.0, 3, 1500, 0.4, 5.8,
            unit="per 1,000 residents"),
    ]
    months = pd.period_range("2020-01", periods=26, freq="M").strftime("%Y-%m")
    for i, month in enumerate(months):
        rows.append(row("E07000130", "LAD", "crime_monthly", month, 100 + i, unit="crimes"))
        rows.append(row("E10000018", "CTY", "crime_monthly", month, 400 + 2 * i,
                        unit="crimes"))
    return pd.DataFrame(rows)


@pytest.fixture
def population() -> pd.DataFrame:
    """Single years of age for L1-L3 in 2020 (and a 2019 row): 10 people per age in L1,
    20 in L2, 30 in L3; L2 has 3 people aged 90+ (a small count)."""
    ages = [f"age:{a}" for a in range(90)] + ["age:90+"]
    frames = []
    for code, per_age in (("L1", 10.0), ("L2", 20.0), ("L3", 30.0)):
        values = [per_age] * 90 + [3.0 if code == "L2" else per_age]
        frames.append(pd.DataFrame({"area_code": code, "area_type": "LSOA11",
                                    "variable": "population", "period": "2020",
                                    "category": ages, "value": values, "flag": "",
                                    "source": "test"}))
    frames.append(pd.DataFrame({"area_code": ["L1", "L1"], "area_type": "LSOA11",
                                "variable": "population", "period": "2019",
                                "category": ["", "age:0"], "value": [900.0, 10.0],
                                "flag": "", "source": "test"}))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# The area


def test_baseline_area_for_a_district_and_for_the_county():
    config = load_area_config()
    lsoas = pd.DataFrame({"lsoa_code": ["E01000002", "E01000001", "E01000003"],
                          "lad_code": ["E07000130", "E07000130", "E07000129"]})
    area = bl.baseline_area(config, lsoas, "Charnwood")
    assert (area.code, area.area_type, area.is_county) == ("E07000130", "LAD", False)
    assert area.lsoa_codes == ("E01000001", "E01000002")
    assert area.county_lsoa_codes == ("E01000001", "E01000002", "E01000003")
    assert area.areas()["role"].tolist() == ["area", "county", "england"]
    county = bl.baseline_area(config, lsoas, "E10000018")
    assert county.is_county and county.lsoa_codes == county.county_lsoa_codes
    assert county.areas()["role"].tolist() == ["area", "england"]
    assert set(county.lsoa_groups()["role"]) == {"area"}


def test_baseline_area_rejects_unknown_or_empty_districts():
    config = load_area_config()
    lsoas = pd.DataFrame({"lsoa_code": ["E01000001"], "lad_code": ["E07000130"]})
    with pytest.raises(InputError, match="unknown district 'Narnia'"):
        bl.baseline_area(config, lsoas, "Narnia")
    with pytest.raises(InputError, match="Blaby .* has no LSOAs"):
        bl.baseline_area(config, lsoas, "E07000129")
    with pytest.raises(ValueError, match="lad_code"):
        bl.baseline_area(config, lsoas.drop(columns="lad_code"), "E07000130")


def test_baseline_rows_keeps_areas_and_county_lsoas_only(store):
    rows = bl.baseline_rows(store, DISTRICT)
    assert "L9" not in set(rows["area_code"])
    assert {"L1", "L2", "L3", "E07000130", "E10000018", "E92000001"} <= set(rows["area_code"])
    with pytest.raises(ValueError, match="category"):
        bl.baseline_rows(store.drop(columns="category"), DISTRICT)


def test_work_folder_defaults_to_the_runs_folder():
    assert bl.work_folder("/tmp/x", DISTRICT) == Path("/tmp/x")
    assert bl.work_folder("", DISTRICT).parts[-2:] == ("runs", "charnwood")


# --------------------------------------------------------------------------------------------
# Population


def test_age_profile_broad_bands_shares_and_suppression(population):
    out = bl.age_profile(population, DISTRICT, bands="broad")
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
    out = bl.age_profile(small, area, bands={"0-89": (0, 89), "90+": (90, 90)}, min_count=5)
    top = out[(out["role"] == "area") & (out["band"] == "90+")].iloc[0]
    assert np.isnan(top["population"]) and np.isnan(top["share"]) and top["flag"] == "[c]"
    five = bl.age_profile(population, DISTRICT)
    assert five["band"].iloc[:3].tolist() == ["0-4", "5-9", "10-14"]
    assert five["band"].iloc[18] == "90+"


def test_age_profile_rejects_bad_inputs(population):
    with pytest.raises(ValueError, match="no population rows by single year"):
        bl.age_profile(population.assign(category=""), DISTRICT)
    with pytest.raises(ValueError, match="no population estimates for 2018"):
        bl.age_profile(population, DISTRICT, period="2018")
    with pytest.raises(ValueError, match="overlaps"):
        bl.age_profile(population, DISTRICT, bands={"a": (0, 20), "b": (15, 90)})
    with pytest.raises(ValueError, match="bands must be"):
        bl.age_profile(population, DISTRICT, bands="decades")
    with pytest.raises(ValueError, match="category"):
        bl.age_profile(population.drop(columns="category"), DISTRICT)


def test_headline_summary_population_change_and_shares(store):
    out = bl.headline_summary(store, DISTRICT).set_index("measure")
    assert out.loc["Residents (mid-2020)", "area"] == 1100
    assert out.loc["Residents (mid-2017)", "county"] == 4000
    assert out.loc["Change in residents, mid-2017 to mid-2020", "area"] == 100
    assert out.loc["Change in residents, mid-2017 to mid-2020 (%)", "area"] == pytest.approx(10)
    assert out.loc["Change in residents, mid-2017 to mid-2020 (%)", "county"] == pytest.approx(2.5)
    assert out.loc["Aged 0-15 (% of residents)", "area_lower_ci"] == 17.7
    assert out["england"].isna().all()
    shown = bl.headline_display(out.reset_index(), DISTRICT)
    assert shown.columns.tolist() == ["Measure", "Charnwood", "95% confidence interval",
                                      "Leicestershire", "England"]
    assert shown["England"].eq("not available").all()
    assert shown.loc[0, "Charnwood"] == "1,100"
    assert shown.loc[4, "95% confidence interval"] == "17.7% to 22.5%"


def test_headline_summary_needs_population(store):
    with pytest.raises(ValueError, match="no population totals for Charnwood"):
        bl.headline_summary(store[store["indicator_id"] != "population_total"], DISTRICT)


def test_sex_profile_and_its_absence():
    obs = pd.DataFrame({"area_code": ["L1", "L1", "L2", "L2", "L3", "L3"],
                        "variable": ["c11_u001", "c11_u002"] * 3, "period": "2011",
                        "value": [40.0, 60.0, 50.0, 50.0, 3.0, 100.0]})
    out = bl.sex_profile(obs, DISTRICT)
    mine = out[out["role"] == "area"].set_index("sex")
    assert mine.index.tolist() == ["Males", "Females"]
    assert mine.loc["Males", "count"] == 90 and mine.loc["Males", "total"] == 200
    assert mine.loc["Females", "share"] == pytest.approx(55.0)
    empty = bl.sex_profile(obs.assign(variable="other"), DISTRICT)
    assert empty.empty and "share" in empty.columns
    with pytest.raises(ValueError, match="variable"):
        bl.sex_profile(obs.drop(columns="variable"), DISTRICT)


# --------------------------------------------------------------------------------------------
# Deprivation


def test_imd_summary_ranks_out_of_all_districts(store, catalogue):
    out = bl.imd_summary(store, catalogue, ["E07000130"], {"E07000130": "Charnwood"})
    assert out.shape[0] == 1
    r = out.iloc[0]
    assert (r["area_name"], r["value"], r["rank"], r["out_of"]) == ("Charnwood", 13.238, 236, 3)
    assert r["title"] == "IMD average score"
    both = bl.imd_area_summary(store, catalogue, WHOLE_COUNTY,
                               [Area("E07000129", "Blaby"), Area("E07000130", "Charnwood")])
    assert both["area_name"].tolist() == ["Blaby", "Charnwood"]
    wide = bl.imd_display(both, WHOLE_COUNTY)
    assert wide["District"].tolist() == ["Charnwood", "Blaby"]  # most deprived first
    single = bl.imd_display(out, DISTRICT)
    assert single.columns[-1] == "Rank among 3 districts (1 = most deprived)"
    with pytest.raises(ValueError, match="no IoD 2019 district summaries"):
        bl.imd_summary(store, catalogue, ["E07000999"])


def test_imd_editions_profile_deciles_shares_and_estimates(store):
    out = bl.imd_editions_profile(store, DISTRICT)
    mine = out[out["role"] == "area"]
    assert len(mine) == 2 * 10  # two editions x every decile
    e2004 = mine[mine["edition"] == "2004"].set_index("decile")
    assert e2004.loc[1, "lsoas"] == 1 and e2004.loc[3, "lsoas"] == 1  # 2.5 -> 3 (half up)
    assert e2004.loc[3, "estimated_lsoas"] == 1
    assert e2004["share"].sum() == pytest.approx(100)
    county2019 = out[(out["role"] == "county") & (out["edition"] == "2019")]
    assert county2019["lsoas"].sum() == 3  # L9 is not in the county
    summary = bl.imd_editions_summary(out).set_index(["role", "edition"])
    assert summary.loc[("area", "2019"), "most_deprived_20_pct"] == 50.0
    assert summary.loc[("area", "2004"), "most_deprived_10_pct"] == 50.0
    assert summary.loc[("county", "2019"), "least_deprived_20_pct"] == pytest.approx(200 / 3)
    sentence = bl.describe_editions(summary.reset_index())
    assert sentence.startswith("In the IoD 2019, 1 of Charnwood's 2 neighbourhoods")
    shown = bl.editions_display(summary.reset_index(), DISTRICT)
    assert shown["flag"].tolist() == ["[e]", ""]


def test_imd_editions_profile_needs_deciles(store):
    with pytest.raises(ValueError, match="no imd_decile values"):
        bl.imd_editions_profile(store[store["indicator_id"] != "imd_decile"], DISTRICT)


def test_imd_score_comparison_has_three_areas(store):
    out = bl.imd_score_comparison(store, DISTRICT)
    assert out["role"].tolist() == ["area", "county", "england"]
    assert out["value"].tolist() == [13.2, 12.3, 21.7]


# --------------------------------------------------------------------------------------------
# Quality of Life themes


def test_theme_table_latest_period_comparisons_and_suppression(store, catalogue):
    out = bl.theme_table(store, catalogue, DISTRICT).set_index("indicator_id")
    assert "crime_monthly" not in out.index and "imd_decile" not in out.index
    assert "imd_average_score" not in out.index  # File 10 measures have their own section
    crime = out.loc["crime_rate"]
    assert crime["period"] == "2021"
    assert crime["county_value"] == 55.0 and crime["county_comparison"] == "worse"
    assert crime["county_symbol"] == "▼ worse"
    assert np.isnan(crime["england_value"]) and crime["england_comparison"] == "not compared"
    assert out.loc["c11_no_car_pct", "county_comparison"] == "better"
    assert out.loc["population_aged_0_15_pct", "county_comparison"] == "similar"
    assert out.loc["imd_score", "england_value"] == 21.7
    assert out.loc["imd_score", "england_comparison"] == "not compared"  # a score: no interval
    themes = bl.themes_with_data(out.reset_index())
    assert themes[0] == "people and place" and themes[-1] == "transport and access"


def test_theme_table_suppresses_small_counts(store, catalogue):
    tiny = store[~((store["indicator_id"] == "crime_rate") & (store["period"] == "2021"))]
    crime = bl.theme_table(tiny, catalogue, DISTRICT).set_index("indicator_id").loc["crime_rate"]
    assert crime["period"] == "2020" and crime["flag"] == "[c]"
    assert np.isnan(crime["value"]) and np.isnan(crime["numerator"])
    assert crime["county_comparison"] == "not compared"


def test_theme_display_and_counts(store, catalogue):
    table = bl.theme_table(store, catalogue, DISTRICT)
    shown = bl.theme_display(table, DISTRICT, "community safety")
    assert shown.columns.tolist() == ["Indicator", "Period", "Unit", "Charnwood",
                                      "95% confidence interval", "Leicestershire",
                                      "Compared with Leicestershire", "England", "flag"]
    assert shown.loc[0, "Charnwood"] == "80.0"
    assert shown.loc[0, "England"] == "not available"
    # no row compared with England: the column is left out on a district page ...
    county = bl.theme_display(bl.theme_table(store, catalogue, WHOLE_COUNTY), WHOLE_COUNTY)
    assert "Compared with Leicestershire" not in county.columns
    assert "Compared with England" in county.columns  # ... but kept on the county overview
    counts = bl.comparison_counts(table).set_index("qol_theme")
    assert counts.loc["community safety", "worse"] == 1
    with pytest.raises(ValueError, match="no indicators of the theme"):
        bl.theme_display(table, DISTRICT, "culture and leisure")


def test_theme_table_rejects_unknown_theme(store, catalogue):
    with pytest.raises(ValueError, match="unknown Quality of Life theme"):
        bl.theme_table(store, catalogue, DISTRICT, themes=["happiness"])


# --------------------------------------------------------------------------------------------
# Trends


def test_trend_series_keeps_indicators_with_several_periods(store, catalogue):
    out = bl.trend_series(store, catalogue, DISTRICT, ["population_total", "imd_score"])
    assert out["indicator_id"].unique().tolist() == ["population_total"]  # imd: one period
    assert out["role"].tolist() == ["area", "area", "county", "county"]
    sentence = bl.describe_change(bl.for_role(out), title="The number of residents",
                                  unit="persons", area_name="Charnwood")
    assert sentence == ("The number of residents in Charnwood rose from 1,000 in 2017 to 1,100 "
                        "in 2020 (+10.0%).")
    indexed = bl.indexed_trend(out, "population_total")
    assert indexed["index"].tolist() == pytest.approx([100, 110, 100, 102.5])
    shown = bl.trend_display(out, DISTRICT)
    assert shown.columns.tolist()[2:4] == ["Charnwood 2017", "Charnwood 2020"]
    with pytest.raises(ValueError, match="not in the catalogue"):
        bl.trend_series(store, catalogue, DISTRICT, ["no_such_indicator"])


def test_describe_change_says_whether_intervals_overlap():
    rates = pd.DataFrame({"period": ["2020", "2021"], "value": [63.2, 68.3],
                          "lower_ci": [62.0, 67.1], "upper_ci": [64.3, 69.5]})
    text = bl.describe_change(rates, title="All crime", unit="per 1,000 residents",
                              area_name="Charnwood")
    assert "from 63.2 per 1,000 residents in 2020 to 68.3 in 2021 (+8.1%)" in text
    assert "do not overlap" in text
    close = rates.assign(lower_ci=[60.0, 62.0], upper_ci=[66.0, 70.0])
    assert "overlap, so the change may be chance" in bl.describe_change(
        close, title="All crime", unit="per 1,000 residents", area_name="Charnwood")
    assert "only one period" in bl.describe_change(rates.iloc[:1], title="All crime",
                                                   unit="%", area_name="Charnwood")
    with pytest.raises(ValueError, match="value"):
        bl.describe_change(rates.drop(columns="value"), title="x", unit="%", area_name="y")


def test_monthly_series_rolling_mean_index_and_summary(store):
    out = bl.monthly_series(store, DISTRICT, "crime_monthly", window=12)
    mine = out[out["role"] == "area"].reset_index(drop=True)
    assert len(mine) == 26
    assert mine["rolling_mean"].iloc[:11].isna().all()
    assert mine["rolling_mean"].iloc[11] == pytest.approx(np.mean(range(100, 112)))
    assert mine["index"].iloc[11] == pytest.approx(100)
    chart = bl.monthly_chart_frame(out)
    assert chart["series"].value_counts().to_dict() == {"Monthly count": 26,
                                                       "12-month rolling mean": 15}
    sentence = bl.describe_monthly(out, what="crimes")
    last12, prior12 = sum(range(114, 126)), sum(range(102, 114))
    assert sentence.startswith(f"In the 12 months to February 2022, Charnwood recorded "
                               f"{last12:,} crimes, +{100 * (last12 / prior12 - 1):.1f}%")
    assert "(Leicestershire: +" in sentence
    with pytest.raises(ValueError, match="window"):
        bl.monthly_series(store, DISTRICT, window=0)
    with pytest.raises(ValueError, match="no monthly values of asb_monthly"):
        bl.monthly_series(store, DISTRICT, "asb_monthly")


def test_census_change_pairs_comparable_measures_only(store, catalogue):
    out = bl.census_change(store, catalogue, DISTRICT)
    assert out["measure"].unique().tolist() == ["Christian"]  # overcrowding: not comparable;
    # Hindu 2011 needs an extract
    mine = out[out["role"] == "area"].iloc[0]
    assert mine["change"] == pytest.approx(-14.0)
    assert mine["change_upper"] < 0 and mine["assessment"] == "decreased"
    assert mine["flag"] == "[e]"
    assert "1 of 1 census measures changed significantly" in bl.describe_census_change(out)
    chart = bl.census_chart_frame(out)
    assert chart["year"].tolist() == ["2011", "2021"]
    shown = bl.census_change_display(out, DISTRICT)
    assert shown.loc[0, "Assessment"] == "decreased"
    none = bl.census_change(store, catalogue.assign(status="needs extract"), DISTRICT)
    assert none.empty


def test_breakdown_table_against_the_county(store, catalogue):
    out = bl.breakdown_table(store, catalogue, DISTRICT)
    assert out["group"].tolist() == ["Religion", "Religion", "Disability"]
    religion = out.set_index("indicator_id")
    assert religion.loc["c21_hindu_pct", "county_comparison"] == "higher"
    assert religion.loc["c21_hindu_pct", "measure"] == "Hindu"
    assert religion.loc["c21_disabled_pct", "county_symbol"] == "● similar"
    chart = bl.breakdown_chart_frame(out, "Religion")
    assert chart["area_name"].tolist() == ["Charnwood", "Charnwood", "Leicestershire",
                                           "Leicestershire"]
    assert "2 of the 2 shares differ" in bl.describe_breakdown(out, "Religion")
    shown = bl.breakdown_display(out, DISTRICT, "Disability")
    assert shown.columns[0] == "Disability"
    with pytest.raises(ValueError, match="groups must map"):
        bl.breakdown_table(store, catalogue, DISTRICT, groups={})
    with pytest.raises(ValueError, match="no rows for the breakdown"):
        bl.breakdown_display(out, DISTRICT, "Ethnic group")


# --------------------------------------------------------------------------------------------
# Maps


def test_map_values_every_lsoa_suppressed_and_missing_flagged(store):
    lsoas = pd.DataFrame({"lsoa_code": ["L2", "L1", "L3"],
                          "lsoa_name": ["Charnwood 001B", "Charnwood 001A", "Blaby 001A"],
                          "ward_name": ["East", "West", "South"]})
    imd = bl.map_values(store, lsoas, DISTRICT, "imd_score", priority=["L1"])
    assert imd["lsoa_code"].tolist() == ["L1", "L2"]
    assert imd["priority_neighbourhood"].tolist() == [True, False]
    crime = bl.map_values(store, lsoas, DISTRICT, "crime_rate")
    assert crime["flag"].tolist() == ["[c]", "[x]"]  # 3 crimes suppressed; L2 has no row
    assert crime["value"].isna().all()
    sentence = bl.describe_map(imd, title="The IMD 2019 score", unit="score",
                               area_name="Charnwood")
    assert sentence.startswith("The IMD 2019 score ranges across Charnwood's 2 neighbourhoods "
                               "(LSOAs) from 8.0 in Charnwood 001B (East) to 40.0")
    assert "median" in sentence
    assert bl.map_series(imd).to_dict() == {"L1": 40.0, "L2": 8.0}
    assert bl.lsoa_labels(lsoas)["L1"] == "Charnwood 001A (West)"
    with pytest.raises(ValueError, match="no LSOA values of income_score"):
        bl.map_values(store, lsoas, DISTRICT, "income_score")
    with pytest.raises(ValueError, match="no LSOA values of imd_score for 2015"):
        bl.map_values(store, lsoas, DISTRICT, "imd_score", period="2015")


def test_priority_lsoas_within_the_area():
    membership = pd.DataFrame({"type": ["priority_neighbourhood", "priority_neighbourhood",
                                        "town"], "lsoa_code": ["L2", "L3", "L1"]})
    assert bl.priority_lsoas(membership, DISTRICT) == ["L2"]
    with pytest.raises(ValueError, match="type"):
        bl.priority_lsoas(membership.drop(columns="type"), DISTRICT)


# --------------------------------------------------------------------------------------------
# Text and messages


@pytest.mark.parametrize("value, unit, text", [
    (188416.0, "persons", "188,416"), (20.5, "%", "20.5%"), (0.0202, "proportion", "2.0%"),
    (63.17, "per 1,000 residents", "63.2"), (13.238, "score", "13.2"),
    (-0.0549, "score", "-0.05"), (2.5, "decile", "2.5"), (236.0, "rank", "236"),
])
def test_format_by_unit(value, unit, text):
    assert bl.format_by_unit(pd.Series([value]), unit).iloc[0] == text


def test_format_by_unit_flags_and_missing_values():
    out = bl.format_by_unit(pd.Series([1.0, NAN, NAN]), "%", pd.Series(["[e]", "[c]", ""]))
    assert out.tolist() == ["1.0% [e]", "[c]", "–"]
    assert bl.interval_text(pd.Series([1.0, NAN]), pd.Series([2.0, NAN]), "%").tolist() == [
        "1.0% to 2.0%", "–"]


def test_key_messages_for_a_district(store, catalogue):
    headline = bl.headline_summary(store, DISTRICT)
    imd = bl.imd_summary(store, catalogue, ["E07000130"], {"E07000130": "Charnwood"})
    editions = bl.imd_editions_summary(bl.imd_editions_profile(store, DISTRICT))
    themes = bl.theme_table(store, catalogue, DISTRICT)
    messages = bl.key_messages(headline, imd, editions, themes, DISTRICT,
                               imd_scores=bl.imd_score_comparison(store, DISTRICT))
    assert messages[0] == ("Charnwood had 1,100 residents in mid-2020, 10.0% more than in "
                           "mid-2017 (Leicestershire: +2.5%).")
    assert "ranks 236th of 3 districts" in messages[1]
    assert messages[2].startswith("The population-weighted average IMD 2019 score is 13.2 in "
                                  "Charnwood, 12.3 in Leicestershire and 21.7 in England")
    assert "significantly worse on 1 and better on 1" in messages[-1]
    assert messages[-1].endswith("where it is worse: All crime.")


def test_describe_age_profile_names_the_biggest_difference(population):
    profile = bl.age_profile(population, DISTRICT, bands="broad")
    text = bl.describe_age_profile(profile)
    assert text.startswith("Compared with Leicestershire, Charnwood has proportionally")
    county = bl.age_profile(population, WHOLE_COUNTY, bands="broad")
    assert bl.describe_age_profile(county).startswith("The largest five-year age band")
    with pytest.raises(ValueError, match="share"):
        bl.describe_age_profile(profile.drop(columns="share"))


def test_for_download_uses_readable_names(store, catalogue):
    table = bl.for_download(bl.theme_table(store, catalogue, DISTRICT))
    assert {"Area code", "Area", "Indicator", "Period", "Value", "Lower 95% confidence limit",
            "County value", "Compared with county", "England value", "Flag"} <= set(
        table.columns)
    with pytest.raises(ValueError, match="role must be one of"):
        bl.for_role(pd.DataFrame({"role": ["area"]}), "region")


def test_load_observations_reads_only_the_named_variables(ingested, tmp_path):
    population = bl.load_observations(["population"], ingested["out"])
    assert set(population["variable"]) == {"population"}
    assert len(population) == 3 * 396 * 92  # 3 years x 396 LSOAs x (total + 91 ages)
    with pytest.raises(InputError, match="run `python -m pipeline ingest` first"):
        bl.load_observations(["population"], tmp_path)
    with pytest.raises(ValueError, match="list of variable names"):
        bl.load_observations("population", ingested["out"])


# --------------------------------------------------------------------------------------------
# The real data


@pytest.fixture(scope="module")
def real(prepared):
    _, data = prepared
    area = bl.baseline_area(data.config, data.lsoas, "E07000130")
    return data, area, bl.baseline_rows(data.store, area)


def test_real_headline_charnwood_population(real):
    data, area, rows = real
    headline = bl.headline_summary(rows, area).set_index("measure")
    assert headline.loc["Residents (mid-2020)", "area"] == 188_416
    assert headline.loc["Residents (mid-2017)", "area"] == 180_387
    assert headline.loc["Residents (mid-2020)", "county"] == 713_085


def test_real_age_and_sex_profiles(real, ingested):
    data, area, rows = real
    population = bl.load_observations(["population"], ingested["out"])
    broad = bl.age_profile(population, area, bands="broad").set_index(["role", "band"])
    assert broad.loc[("area", "0-15"), "population"] == 31_964
    assert broad.loc[("area", "65+"), "population"] == 34_182  # = the store's 65+ numerator
    assert broad.xs("area")["population"].sum() == 188_416
    sex = bl.sex_profile(bl.load_observations(["c11_u001", "c11_u002"], ingested["out"]), area)
    assert sex[sex["role"] == "area"]["total"].iloc[0] == 166_100  # Census 2011 residents


def test_real_theme_table_county_filled_england_for_iod_only(real):
    data, area, rows = real
    table = bl.theme_table(rows, data.catalogue, area, min_count=data.config.min_count)
    assert len(table) > 50
    assert table["county_value"].notna().all()
    with_england = set(table.loc[table["england_value"].notna(), "indicator_id"])
    iod = set(data.catalogue.loc[data.catalogue["catalogue_file"] == "iod.csv", "id"])
    assert with_england and with_england <= iod
    crime = table.set_index("indicator_id").loc["crime_rate"]
    assert crime["period"] == "2021" and crime["numerator"] == 12_866
    assert crime["county_comparison"] == "worse"


def test_real_imd_summary_and_editions(real):
    data, area, rows = real
    imd = bl.imd_area_summary(rows, data.catalogue, area, data.config.districts)
    score = imd.set_index("indicator_id").loc["imd_average_score"]
    assert (score["value"], score["rank"], score["out_of"]) == (13.238, 236, 317)
    editions = bl.imd_editions_summary(bl.imd_editions_profile(rows, area))
    mine = editions[editions["role"] == "area"]
    assert mine["edition"].tolist() == ["2004", "2007", "2010", "2015", "2019", "2025"]
    assert (mine["lsoas"] == 99).all()
    assert (editions.loc[editions["role"] == "county", "lsoas"] == 396).all()


def test_real_county_overview_compares_with_england_only(prepared):
    _, data = prepared
    county = bl.baseline_area(data.config, data.lsoas, "E10000018")
    rows = bl.baseline_rows(data.store, county)
    table = bl.theme_table(rows, data.catalogue, county)
    assert table["county_value"].isna().all()
    assert table["england_value"].notna().any()
    imd = bl.imd_area_summary(rows, data.catalogue, county, data.config.districts)
    assert imd["area_code"].nunique() == 7
    maps = bl.map_values(rows, data.lsoas, county, "imd_score", period="2019")
    assert len(maps) == 396 and maps["value"].notna().all()


# --------------------------------------------------------------------------------------------
# The notebook


NOTEBOOK = PROJECT_ROOT / "notebooks" / "01_baseline.ipynb"
SECTIONS = ["Key messages", "Who lives here", "Deprivation", "Quality of Life themes", "Trends",
            "Groups of people", "Maps", "About the data"]


def test_notebook_is_committed_clean_with_a_parameters_cell():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and first.metadata.get("tags") == ["parameters"]
    assert 'district = "E07000130"' in first.source and 'output_dir = ""' in first.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "def " not in cell.source and "print(" not in cell.source


@pytest.mark.slow
@pytest.mark.parametrize("district, name", [("E07000130", "Charnwood"),
                                            ("E10000018", "Leicestershire")])
def test_notebook_runs_and_exports(prepared, ingested, tmp_path, district, name):
    import papermill

    from pipeline.reporting.export import export_notebook
    from pipeline.reporting.pack import load_staged_tables

    executed = tmp_path / "01_baseline.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(executed), kernel_name="python3", progress_bar=False,
        parameters=dict(district=district, processed_dir=str(ingested["out"]),
                        output_dir=str(tmp_path / "work")))
    page = tmp_path / "01-baseline.html"
    info = export_notebook(executed, page, context={"code_version": "test", "parameters": None})
    html = page.read_text(encoding="utf-8")
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert info.title == f"Baseline: {name}"
    headings = [h.text for h in info.headings if h.level == 2]
    assert headings == SECTIONS
    assert 'id="baseline-map-imd"' in html and 'id="baseline-imd-editions"' in html
    assert "Traceback" not in html
    assert len(info.key_messages) >= 4
    staged = {t.name for t in load_staged_tables(tmp_path / "work")}
    assert {"baseline_headline", "baseline_themes", "baseline_map_imd"} <= staged
    if district == "E10000018":
        assert "Compared with Leicestershire" not in html
        assert "Rank (IMD average score)" in html  # every district of the county
    else:
        assert "Compared with Leicestershire" in html
        assert "188,416" in html
