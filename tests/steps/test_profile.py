"""Locality profile computation: spine data (scaling, polarity, missing England), population,
trends, targets and findings on small fixtures; the real profile of Charnwood's largest priority
neighbourhood. The page (tables, text, downloads, the notebook) is tested in
tests/pages/test_profile.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.steps.profile import (
    AGE_BANDS,
    DEPRIVED_SHARE_ID,
    FINDING_COLUMNS,
    SPINE_COLUMNS,
    TARGET_COLUMNS,
    age_structure,
    comparison_findings,
    compute_profile,
    deprived_share,
    describe_locality,
    district_rows,
    diversity_rows,
    locality_targets,
    protect,
    spine_data,
    trend_data,
)
from pipeline.steps.spine import lsoa_spread as spread_of
from pipeline.store import load_observations

DISTRICT, COUNTY, ENGLAND = "E07000001", "E10000001", "E92000001"
HOSTILE = "<script>alert(1)</script>"


# --------------------------------------------------------------------------------------------
# Fixtures


def catalogue() -> pd.DataFrame:
    rows = [
        ("rate_bad", "Bad thing", "per 1,000 residents", "higher_is_worse", "annual_rate", "ratio"),
        ("pct_good", "Good thing (2021)", "%", "higher_is_better", "ratio", "ratio"),
        ("pct_good_old", "Good thing (2011)", "%", "higher_is_better", "ratio", "ratio"),
        ("pct_mix", "Mix share", "%", "no_judgement", "ratio", "ratio"),
        ("score_bad", "Bad score", "score", "higher_is_worse", "value", "pop_weighted_mean"),
        ("rank_x", "A rank", "rank", "higher_is_better", "value", "none"),
        ("count_x", "A total", "persons", "no_judgement", "count", "sum"),
        ("monthly_x", "Monthly", "crimes", "higher_is_worse", "monthly_count", "sum"),
    ]
    frame = pd.DataFrame(rows, columns=["id", "title", "unit", "polarity", "method",
                                        "aggregation"])
    frame["qol_theme"] = ["community safety", "economic well-being", "economic well-being",
                          "people and place", "community safety", "", "", ""]
    return frame


def store_row(area, indicator, period, value, lower=np.nan, upper=np.nan, numerator=np.nan,
              denominator=np.nan, flag=""):
    return {"area_code": area, "indicator_id": indicator, "period": period, "category": "",
            "value": value, "lower_ci": lower, "upper_ci": upper, "numerator": numerator,
            "denominator": denominator, "flag": flag}


def lsoa_spread(indicator, period, values):
    return [store_row(f"E0100{i:04d}", indicator, period, v) for i, v in enumerate(values)]


def spine_fixture(*, england=10.0, county=12.0, locality=(20.0, 18.0, 22.0), polarity_id="rate_bad",
                  spread=(0, 5, 10, 15, 20, 25, 30)):
    loc = pd.DataFrame([store_row("loc-1", polarity_id, "2021", *locality)])
    lsoas = pd.DataFrame(lsoa_spread(polarity_id, "2021", spread))
    comps = [store_row(DISTRICT, polarity_id, "2021", 14.0),
             store_row(COUNTY, polarity_id, "2021", county)]
    if england is not None:
        comps.append(store_row(ENGLAND, polarity_id, "2021", england))
    return spine_data(loc, lsoas, pd.DataFrame(comps), catalogue(), district_code=DISTRICT,
                      county_code=COUNTY, england_code=ENGLAND)


# --------------------------------------------------------------------------------------------
# Spine data


def test_spine_scaled_to_the_benchmark_higher_is_worse():
    row = spine_fixture().iloc[0]
    assert row["benchmark"] == "England" and row["benchmark_value"] == 10.0
    # half-width = largest distance from the benchmark (30 - 10 = 20): x = 0.5 - (v - 10) / 40
    assert row["worst"] == 30 and row["best"] == 0
    assert row["q25"] == 22.5 and row["q75"] == 7.5  # quartiles counted from the worst end
    assert row["x_worst"] == pytest.approx(0.0)
    assert row["x_best"] == pytest.approx(0.75)
    assert row["x_q25"] == pytest.approx(0.5 - 12.5 / 40)
    assert row["x_value"] == pytest.approx(0.25)
    assert row["x_district"] == pytest.approx(0.4) and row["x_county"] == pytest.approx(0.45)
    assert row["x_england"] == pytest.approx(0.5)
    assert row["comparison"] == "worse" and row["symbol"] == "▼"
    assert row["lsoa_count"] == 7


def test_spine_polarity_flip_puts_worse_on_the_left():
    row = spine_fixture(polarity_id="pct_good").iloc[0]
    assert row["polarity"] == "higher_is_better"
    assert row["worst"] == 0 and row["best"] == 30
    assert row["x_worst"] == pytest.approx(0.25) and row["x_best"] == pytest.approx(1.0)
    assert row["x_value"] == pytest.approx(0.75)  # above the benchmark = better = right
    assert row["comparison"] == "better" and row["symbol"] == "▲"
    ordered = row[["x_worst", "x_q25", "x_q75", "x_best"]].astype(float)
    assert ordered.is_monotonic_increasing


def test_spine_no_judgement_runs_low_to_high():
    row = spine_fixture(polarity_id="pct_mix").iloc[0]
    assert row["worst"] == 0 and row["best"] == 30  # lowest / highest
    assert row["comparison"] == "higher" and row["symbol"] == "↑"


def test_spine_missing_england_falls_back_to_the_county():
    row = spine_fixture(england=None).iloc[0]
    assert row["benchmark"] == "county" and row["benchmark_value"] == 12.0
    assert np.isnan(row["england_value"]) and np.isnan(row["x_england"])
    assert row["x_county"] == pytest.approx(0.5)
    # half-width: max distance from 12 is 18 (to 30) -> x = 0.5 - (v - 12) / 36
    assert row["x_value"] == pytest.approx(0.5 - 8 / 36)


def test_spine_without_any_benchmark_centres_on_the_lsoa_median():
    row = spine_fixture(england=None, county=np.nan).iloc[0]
    assert row["benchmark"] == "" and np.isnan(row["benchmark_value"])
    assert row["centre_value"] == 15.0
    assert row["comparison"] == "not compared" and row["symbol"] == "○"


def test_spine_similar_when_the_benchmark_is_inside_the_interval():
    row = spine_fixture(locality=(11.0, 8.0, 14.0)).iloc[0]
    assert row["comparison"] == "similar" and row["colour"] == "#F0E442"


def test_spine_keeps_suppressed_rows_latest_period_and_only_comparable_indicators():
    cat = catalogue()
    loc = pd.DataFrame([
        store_row("loc-1", "rate_bad", "2020", 5.0, 4, 6),
        store_row("loc-1", "rate_bad", "2021", np.nan, flag="[c]"),
        store_row("loc-1", "score_bad", "2019", 7.0),
        store_row("loc-1", "rank_x", "2019", 3.0),
        store_row("loc-1", "count_x", "2020", 1500.0),
        store_row("loc-1", "monthly_x", "2021-05", 4.0),
        store_row("loc-1", "pct_mix", "2021", np.nan, flag="[x]"),
    ])
    lsoas = pd.DataFrame(lsoa_spread("rate_bad", "2021", [1, 2, 3])
                         + lsoa_spread("score_bad", "2019", [1, 9]))
    comps = pd.DataFrame([store_row(COUNTY, "rate_bad", "2021", 2.0),
                          store_row(COUNTY, "score_bad", "2019", 5.0)])
    spine = spine_data(loc, lsoas, comps, cat, district_code=DISTRICT, county_code=COUNTY,
                       england_code=ENGLAND)
    assert list(spine.columns) == SPINE_COLUMNS
    assert sorted(spine["indicator_id"]) == ["rate_bad", "score_bad"]
    rate = spine.set_index("indicator_id").loc["rate_bad"]
    assert rate["period"] == "2021" and rate["flag"] == "[c]" and np.isnan(rate["value"])
    assert rate["comparison"] == "not compared"
    score = spine.set_index("indicator_id").loc["score_bad"]
    assert score["comparison"] == "not compared"  # no interval for scores
    assert 0 <= score["x_value"] <= 1


def test_spine_from_a_given_spread_equals_the_spine_from_the_lsoa_rows():
    """One spread of the county's LSOAs serves every locality: given it, spine_data returns
    the rows it computes from the LSOA rows (rows of other indicators and periods are ignored)."""
    cat = catalogue()
    loc = pd.DataFrame([store_row("loc-1", "rate_bad", "2021", 5.0, 4, 6),
                        store_row("loc-1", "score_bad", "2019", 7.0),
                        store_row("loc-1", "pct_good", "2011", 30.0, 28, 32)])
    lsoas = pd.DataFrame(lsoa_spread("rate_bad", "2021", [1, 2, 3, 4, 9])
                         + lsoa_spread("rate_bad", "2020", [50, 60])
                         + lsoa_spread("score_bad", "2019", [1, 9])
                         + lsoa_spread("pct_mix", "2021", [7, 8]))
    comps = pd.DataFrame([store_row(COUNTY, "rate_bad", "2021", 2.0)])
    kwargs = dict(district_code=DISTRICT, county_code=COUNTY, england_code=ENGLAND)
    expected = spine_data(loc, lsoas, comps, cat, **kwargs)
    given = spine_data(loc, lsoas.iloc[:0], comps, cat, spread=spread_of(lsoas), **kwargs)
    pd.testing.assert_frame_equal(given, expected)
    assert expected.set_index("indicator_id").loc["rate_bad", "lsoa_count"] == 5
    assert expected.set_index("indicator_id").loc["pct_good", "lsoa_count"] == 0


def test_spine_rejects_missing_columns_and_unknown_polarity():
    loc = pd.DataFrame([store_row("loc-1", "rate_bad", "2021", 5.0)])
    with pytest.raises(ValueError, match="upper_ci"):
        spine_data(loc.drop(columns="upper_ci"), loc, loc, catalogue(), district_code=DISTRICT,
                   county_code=COUNTY, england_code=ENGLAND)
    bad = catalogue().assign(polarity="lower_is_nicer")
    with pytest.raises(ValueError, match="unknown polarity"):
        spine_data(loc, loc, loc, bad, district_code=DISTRICT, county_code=COUNTY,
                   england_code=ENGLAND)


# --------------------------------------------------------------------------------------------
# Findings, tables, small helpers


def test_findings_judged_latest_census_year_and_values():
    cat = catalogue()
    loc = pd.DataFrame([store_row("loc-1", "pct_good", "2021", 40.0, 38.0, 42.0),
                        store_row("loc-1", "pct_good_old", "2011", 30.0, 28.0, 32.0),
                        store_row("loc-1", "pct_mix", "2021", 40.0, 38.0, 42.0)])
    lsoas = pd.DataFrame(lsoa_spread("pct_good", "2021", [1, 60])
                         + lsoa_spread("pct_good_old", "2011", [1, 60])
                         + lsoa_spread("pct_mix", "2021", [1, 60]))
    comps = pd.DataFrame([store_row(c, i, p, 50.0) for c in (DISTRICT, COUNTY)
                          for i, p in (("pct_good", "2021"), ("pct_good_old", "2011"),
                                       ("pct_mix", "2021"))])
    spine = spine_data(loc, lsoas, comps, cat, district_code=DISTRICT, county_code=COUNTY,
                       england_code=ENGLAND)
    findings = comparison_findings(spine, subject=HOSTILE, comparator_names={
        "district_value": "Dist", "county_value": "Shire", "england_value": "England"})
    assert list(findings.columns) == FINDING_COLUMNS
    assert findings["indicator_title"].unique().tolist() == ["Good thing (2021)"]
    assert findings["comparator"].tolist() == ["Dist", "Shire"]  # England has no value
    first = findings.iloc[0]
    assert first["estimate"] == -10.0 and first["lower"] == -12.0 and first["upper"] == -8.0
    assert bool(first["significant"]) and first["measure"] == "difference"
    assert first["value"] == 40.0 and first["comparator_value"] == 50.0
    with pytest.raises(ValueError, match="unknown comparator"):
        comparison_findings(spine, subject="x", comparator_names={"region_value": "R"})


def test_describe_locality():
    summary = pd.DataFrame({"locality_id": ["forum-a"], "name": [HOSTILE], "type": ["forum_area"],
                            "lad_code": [DISTRICT], "lsoas": [1], "population": [1500]})
    row = describe_locality(summary, "forum-a")
    assert row["name"] == HOSTILE and row["type"] == "forum_area" and row["lad_code"] == DISTRICT
    with pytest.raises(InputError, match="unknown locality 'nope'"):
        describe_locality(summary, "nope")


def test_protect_suppresses_small_counts_and_flags_low_reliability():
    rows = pd.DataFrame([store_row("a", "rate_bad", "2021", 2.0, 0.5, 5.0, numerator=3,
                                   denominator=1500),
                         store_row("b", "rate_bad", "2021", 20.0, 13.0, 29.0, numerator=30,
                                   denominator=1500),
                         store_row("c", "rate_bad", "2021", 200.0, 190.0, 210.0, numerator=300,
                                   denominator=1500)])
    out = protect(rows, min_count=5)
    assert out["flag"].tolist() == ["[c]", "[u]", ""]
    assert np.isnan(out.loc[0, "value"]) and np.isnan(out.loc[0, "numerator"])
    with pytest.raises(ValueError, match="numerator"):
        protect(rows.drop(columns="numerator"), min_count=5)


# --------------------------------------------------------------------------------------------
# Population


def population_fixture():
    rows = []
    for lsoa, scale in (("L1", 1.0), ("L2", 2.0)):
        rows.append({"area_code": lsoa, "variable": "population", "period": "2020",
                     "category": "", "value": 0.0})
        for age in list(range(90)) + ["90+"]:
            rows.append({"area_code": lsoa, "variable": "population", "period": "2020",
                         "category": f"age:{age}", "value": scale})
        rows.append({"area_code": lsoa, "variable": "population", "period": "2017",
                     "category": "age:3", "value": 99.0})
    return pd.DataFrame(rows)


def test_age_structure_bands_and_shares():
    groups = pd.DataFrame({"area_code": ["loc", "dist", "dist"], "lsoa_code": ["L1", "L1", "L2"]})
    age = age_structure(population_fixture(), groups)
    assert age["period"].unique().tolist() == ["2020"]
    loc = age[age["area_code"] == "loc"].set_index("band")
    assert list(loc.index) == [b for b, _, _ in AGE_BANDS]
    assert loc.loc["0-15", "persons"] == 16 and loc.loc["85+", "persons"] == 6  # 85..89 + 90+
    assert loc["persons"].sum() == 91 and loc["share"].sum() == pytest.approx(100)
    dist = age[age["area_code"] == "dist"].set_index("band")
    assert dist.loc["16-24", "persons"] == 27
    older = age_structure(population_fixture(), groups, period="2017")
    assert older.set_index(["area_code", "band"]).loc[("dist", "0-15"), "persons"] == 198


def test_age_structure_needs_single_years_of_age():
    groups = pd.DataFrame({"area_code": ["loc"], "lsoa_code": ["L1"]})
    totals = population_fixture().query("category == ''")
    with pytest.raises(ValueError, match="single year of age"):
        age_structure(totals, groups)
    with pytest.raises(ValueError, match="period 1999"):
        age_structure(population_fixture(), groups, period="1999")


# --------------------------------------------------------------------------------------------
# Trends


def test_deprived_share_counts_lsoas_in_deciles_one_and_two():
    deciles = pd.DataFrame({
        "area_code": ["A", "B", "C", "A", "B", "C"], "indicator_id": "imd_decile",
        "period": ["2015"] * 3 + ["2019"] * 3, "value": [1, 2, 7, 3, 2, 9],
        "flag": ["", "", "", "[e]", "", ""]})
    groups = pd.DataFrame({"area_code": ["loc", "loc", "dist", "dist", "dist"],
                           "lsoa_code": ["A", "B", "A", "B", "C"]})
    out = deprived_share(deciles, groups).set_index(["area_code", "period"])
    assert out.loc[("loc", "2015"), "value"] == 100.0
    assert out.loc[("loc", "2019"), "value"] == 50.0 and out.loc[("loc", "2019"), "flag"] == "[e]"
    assert out.loc[("dist", "2015"), "deprived_lsoas"] == 2
    assert out.loc[("dist", "2015"), "value"] == pytest.approx(200 / 3)
    assert out["numerator"].isna().all()  # LSOA counts are not counts of people
    with pytest.raises(ValueError, match="max_decile"):
        deprived_share(deciles, groups, max_decile=0)


def test_trend_data_indexes_counts_and_keeps_indicators_with_several_periods():
    cat = catalogue()
    rows = pd.DataFrame([
        store_row("loc", "rate_bad", "2020", 5.0, 4.0, 6.0),
        store_row("loc", "rate_bad", "2021", np.nan, flag="[c]"),
        store_row("dist", "rate_bad", "2020", 3.0), store_row("dist", "rate_bad", "2021", 3.5),
        store_row("loc", "count_x", "2017", 200.0), store_row("loc", "count_x", "2020", 250.0),
        store_row("dist", "count_x", "2017", 1000.0), store_row("dist", "count_x", "2020", 900.0),
        store_row("loc", "pct_mix", "2021", 4.0), store_row("dist", "pct_mix", "2021", 4.0),
    ])
    out = trend_data(rows, cat, area_names={"loc": "Loc", "dist": "Dist"},
                     indicator_ids=("count_x", "rate_bad", "pct_mix"))
    assert out["indicator_id"].unique().tolist() == ["count_x", "rate_bad"]
    counts = out[out["indicator_id"] == "count_x"].set_index(["area_code", "period"])
    assert counts.loc[("loc", "2020"), "chart_value"] == 125.0
    assert counts.loc[("dist", "2020"), "chart_value"] == 90.0
    assert counts["chart_unit"].unique().tolist() == ["index, 2017 = 100"]
    own = out[out["area_code"] == "loc"]
    assert own["flag"].tolist() == ["", "", "", "[c]"]
    assert out["area_name"].tolist()[:2] == ["Loc", "Loc"]
    with pytest.raises(ValueError, match="area_names"):
        trend_data(rows, cat, area_names={})
    with pytest.raises(ValueError, match="'period'"):
        trend_data(rows.drop(columns="period"), cat, area_names={"loc": "Loc"})


# --------------------------------------------------------------------------------------------
# Targets


def targets_fixture() -> pd.DataFrame:
    return pd.DataFrame([
        dict(id="t_pn", title="Narrow the gap", indicator="rate_bad",
             area=f"priority_neighbourhoods:{DISTRICT}", baseline_period="2021",
             target_period="2026", kind="gap_reduction", amount=25.0, direction="decrease",
             comparator="rest_of_district", theme_partnership="CSP", illustrative=True),
        dict(id="t_dist", title="Cut it", indicator="rate_bad", area=DISTRICT,
             baseline_period="2021", target_period="2026", kind="relative_change", amount=15.0,
             direction="decrease", comparator=None, theme_partnership="CSP", illustrative=True),
        dict(id="t_loc", title="Reach it", indicator="pct_good", area="pn-own",
             baseline_period="2021", target_period="2030", kind="absolute", amount=60.0,
             direction="increase", comparator=None, theme_partnership="B", illustrative=False),
        dict(id="t_county", title="County", indicator="rate_bad", area=COUNTY,
             baseline_period="2021", target_period="2026", kind="relative_change", amount=5.0,
             direction="decrease", comparator=None, theme_partnership="C", illustrative=True),
        dict(id="t_other", title="Elsewhere", indicator="rate_bad", area="E07000002",
             baseline_period="2021", target_period="2026", kind="relative_change", amount=5.0,
             direction="decrease", comparator=None, theme_partnership="C", illustrative=True),
    ]).set_index("id")


LOCALITIES = pd.DataFrame({"locality_id": ["pn-own", "forum-x", "forum-y"],
                           "lad_code": [DISTRICT, DISTRICT, "E07000009"],
                           "type": ["priority_neighbourhood", "forum_area", "forum_area"]})


def test_locality_targets_apply_by_locality_priority_group_district_and_county():
    pn = locality_targets(targets_fixture(), catalogue(), locality_id="pn-own",
                          county_code=COUNTY, localities=LOCALITIES)
    assert list(pn.columns) == TARGET_COLUMNS
    assert pn["id"].tolist() == ["t_county", "t_dist", "t_loc", "t_pn"]
    rows = pn.set_index("id")
    assert rows.loc["t_dist", "indicator_title"] == "Bad thing"
    assert rows.loc["t_loc", "indicator_unit"] == "%" and rows.loc["t_pn", "amount"] == 25.0
    assert rows.loc["t_pn", "area"] == f"priority_neighbourhoods:{DISTRICT}"
    assert rows.loc["t_pn", "comparator"] == "rest_of_district"
    forum = locality_targets(targets_fixture(), catalogue(), locality_id="forum-x",
                             county_code=COUNTY, localities=LOCALITIES)
    assert forum["id"].tolist() == ["t_county", "t_dist"]
    elsewhere = locality_targets(targets_fixture(), catalogue(), locality_id="forum-y",
                                 county_code=COUNTY, localities=LOCALITIES)
    assert elsewhere["id"].tolist() == ["t_county"]  # county-wide targets cover it too
    none = locality_targets(targets_fixture().iloc[:3], catalogue(), locality_id="forum-y",
                            county_code=COUNTY, localities=LOCALITIES)
    assert none.empty
    with pytest.raises(ValueError, match="'kind'"):
        locality_targets(targets_fixture().drop(columns="kind"), catalogue(),
                         locality_id="pn-own", county_code=COUNTY, localities=LOCALITIES)


# --------------------------------------------------------------------------------------------
# Real data: Charnwood's largest priority neighbourhood


def district_population(processed, area, district_code):
    """Population by single year of age of a district's LSOAs (what DistrictResults reads)."""
    lsoas = area.lsoas.loc[area.lsoas["lad_code"] == district_code, "lsoa_code"]
    return load_observations(processed, variables=["population"], area_codes=lsoas)


def largest_charnwood_pn(area):
    pns = area.localities[(area.localities["lad_code"] == "E07000130")
                          & (area.localities["type"] == "priority_neighbourhood")]
    return str(pns.sort_values("population", ascending=False).iloc[0]["locality_id"])


@pytest.fixture(scope="module")
def charnwood_pn(prepared, ingested):
    _, area = prepared
    population = district_population(ingested["out"], area, "E07000130")
    return compute_profile(area, largest_charnwood_pn(area), "E07000130", population, None)


def test_real_largest_charnwood_priority_neighbourhood(charnwood_pn):
    p = charnwood_pn
    assert p.locality_id.startswith("pn-loughborough-lemyngton")
    assert p.type == "priority_neighbourhood" and p.district_name == "Charnwood"
    assert p.lsoa_count == 9 and p.population == 18167 and p.population_period == "2020"
    assert p.forum_stand_in == ""
    # Age bands from single years of age agree with the catalogue's 0-15 share.
    own = p.age[p.age["area_code"] == p.locality_id].set_index("band")
    aged_0_15 = p.spine.set_index("indicator_id").loc["population_aged_0_15_pct", "value"]
    assert own.loc["0-15", "share"] == pytest.approx(aged_0_15)
    assert own["persons"].sum() == 18167
    assert p.targets.empty and list(p.targets.columns) == TARGET_COLUMNS


def test_real_spine_values_benchmarks_and_order(charnwood_pn):
    spine = charnwood_pn.spine.set_index("indicator_id")
    crime = spine.loc["crime_rate"]
    assert crime["period"] == "2021" and crime["numerator"] == 2672
    assert crime["value"] == pytest.approx(2672 / 18167 * 1000)
    assert crime["benchmark"] == "county" and crime["comparison"] == "worse"
    assert np.isnan(crime["england_value"])
    income = spine.loc["income_transformed_score"]  # IoD 2019: England has a value
    assert income["benchmark"] == "England" and income["x_england"] == pytest.approx(0.5)
    assert spine.loc["imd_score", "period"] == "2025"
    assert spine.loc["imd_score", "benchmark"] == "county"  # no England value for 2025
    assert not spine.index.str.endswith("_monthly").any()
    assert "imd_rank" not in spine.index and "population_total" not in spine.index
    x = charnwood_pn.spine[["x_worst", "x_q25", "x_q75", "x_best"]].to_numpy(float)
    assert (np.diff(x, axis=1) >= -1e-12).all()
    positions = charnwood_pn.spine.filter(like="x_").to_numpy(float)
    assert np.nanmin(positions) >= -1e-12 and np.nanmax(positions) <= 1 + 1e-12
    assert (charnwood_pn.spine["lsoa_count"] == 396).sum() > 50
    assert charnwood_pn.diversity["indicator_id"].tolist() == [
        i for i in diversity_rows(charnwood_pn.spine)["indicator_id"]]
    assert charnwood_pn.diversity["indicator_id"].iloc[0] == "c21_ethnic_minority_pct"


def test_real_trends_targets_and_findings(charnwood_pn, prepared):
    _, area = prepared
    trends = charnwood_pn.trends
    share = trends[(trends["indicator_id"] == DEPRIVED_SHARE_ID)
                   & (trends["area_code"] == charnwood_pn.locality_id)].set_index("period")
    members = area.lsoas[area.lsoas["lsoa_code"].isin(charnwood_pn.lsoa_codes)]
    expected = (members["imd_decile_2019"] <= 2).mean() * 100
    assert share.loc["2019", "value"] == pytest.approx(expected)
    assert list(share.index) == ["2004", "2007", "2010", "2015", "2019", "2025"]
    assert set(trends["area_name"]) == {charnwood_pn.name, "Charnwood"}
    assert {"crime_rate", "population_total"} <= set(trends["indicator_id"])
    findings = charnwood_pn.findings
    assert findings["significant"].any() and (findings["polarity"] != "no_judgement").all()
    key = charnwood_pn.key_findings
    assert 1 <= len(key) <= 5 and key["significant"].all()
    assert key["score"].is_monotonic_decreasing or key["tier"].nunique() > 1


def test_real_map_values_are_the_districts_latest_deciles(charnwood_pn, prepared):
    _, area = prepared
    district = area.lsoas[area.lsoas["lad_code"] == "E07000130"]
    assert charnwood_pn.map_period == "2025"
    assert set(charnwood_pn.map_values.index) == set(district["lsoa_code"])
    assert charnwood_pn.map_values.between(1, 10).all()
    assert set(charnwood_pn.lsoa_codes) <= set(charnwood_pn.map_shapes["lsoa_code"])
    assert charnwood_pn.map_names.index.is_monotonic_increasing


def test_real_small_locality_is_protected(prepared, ingested):
    _, area = prepared
    thorpe = area.localities.set_index("locality_id").loc["pn-thorpe-astley"]
    assert thorpe["lsoas"] == 1
    raw = area.locality_rows[(area.locality_rows["area_code"] == "pn-thorpe-astley")
                             & (area.locality_rows["indicator_id"] == "burglary_rate")
                             & (area.locality_rows["period"] == "2020")]
    assert 1 <= raw["numerator"].iloc[0] < area.config.min_count
    population = district_population(ingested["out"], area, thorpe["lad_code"])
    p = compute_profile(area, "pn-thorpe-astley", "", population, None)
    trends = p.trends[(p.trends["area_code"] == "pn-thorpe-astley")
                      & (p.trends["title"] == "Burglary")].set_index("period")
    assert trends.loc["2020", "flag"] == "[c]" and np.isnan(trends.loc["2020", "value"])
    assert "[u]" in set(p.spine["flag"])
    with pytest.raises(InputError, match="is in district E07000129, not E07000130"):
        compute_profile(area, "pn-thorpe-astley", "E07000130", population, None)


def test_real_locality_named_like_its_district_keeps_labels_apart(prepared, ingested):
    """A forum area called 'Melton' in Melton: the charts' area labels must stay distinct
    (a duplicate label once broke the Melton pack's age chart)."""
    import dataclasses

    _, area = prepared
    forum = area.localities[(area.localities["lad_code"] == "E07000133")
                            & (area.localities["type"] == "forum_area")].iloc[0]["locality_id"]
    renamed = dataclasses.replace(area, localities=area.localities.assign(
        name=area.localities["name"].where(area.localities["locality_id"] != forum, "Melton")))
    population = district_population(ingested["out"], area, "E07000133")
    p = compute_profile(renamed, forum, "", population, None, forum_stand_in="Stand-in words")
    labels = p.age.drop_duplicates("area_code")["area_name"]
    assert labels.is_unique and "Melton (district)" in set(labels)
    assert any(name.startswith("Melton (town)") for name in area.localities["name"])
    assert p.forum_stand_in == "Stand-in words"


def test_real_results_are_data_only_and_unknown_localities_refused(charnwood_pn, prepared):
    import dataclasses

    import geopandas as gpd

    allowed = (pd.DataFrame, pd.Series, gpd.GeoDataFrame, np.ndarray, str, int, float, bool,
               type(None), list, tuple, dict)
    for item in dataclasses.fields(charnwood_pn):
        value = getattr(charnwood_pn, item.name)
        assert isinstance(value, allowed), item.name
    _, area = prepared
    with pytest.raises(InputError, match="unknown locality 'nope'"):
        compute_profile(area, "nope", "", pd.DataFrame(), None)


def test_real_district_rows_given_or_filtered_give_the_same_profile(
        charnwood_pn, prepared, ingested):
    import dataclasses

    _, area = prepared
    rows = district_rows(area, "E07000130")
    assert set(rows.comparators["area_code"]) <= {"E07000130", area.config.county.code,
                                                  area.config.england.code}
    population = district_population(ingested["out"], area, "E07000130")
    again = compute_profile(area, charnwood_pn.locality_id, "E07000130", population, None,
                            rows=rows)
    for item in dataclasses.fields(again):
        value, expected = getattr(again, item.name), getattr(charnwood_pn, item.name)
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, expected)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(value, expected)
        else:
            assert value == expected, item.name
