"""Step 2, evidence: the computation (small inline fixtures for every function, the real data)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_area_config
from pipeline.errors import InputError
from pipeline.stats import rate_gap
from pipeline.steps import evidence as ev
from pipeline.steps import gaps as gp
from pipeline.steps import need as nd
from tests.steps.evidence_fixtures import (
    AREA,
    CHARNWOOD,
    COUNTY,
    catalogue_frame,
    frame,
    group,
    lsoas_frame,
    pair_rows_frame,
    store_row,
    without_charnwood_priority,
)


@pytest.fixture
def catalogue() -> pd.DataFrame:
    return catalogue_frame()


@pytest.fixture
def lsoas() -> pd.DataFrame:
    return lsoas_frame()


@pytest.fixture
def pair_rows() -> pd.DataFrame:
    return pair_rows_frame()


# --------------------------------------------------------------------------------------------
# Helpers


def test_indicator_kinds(catalogue):
    kinds = nd.indicator_kinds(catalogue)
    assert kinds["jobless_pct"] == "proportion"
    assert kinds["theft_rate"] == "rate"
    assert kinds["imd_score"] == "score"
    assert kinds["theft_monthly"] == "" and kinds["imd_rank"] == ""
    assert kinds["future_pct"] == ""  # no data shipped
    with pytest.raises(ValueError, match="status"):
        nd.indicator_kinds(catalogue.drop(columns="status"))


def test_latest_rows_and_flags():
    rows = frame(store_row("A", "x", "2020"), store_row("B", "x", "2021"),
                 store_row("A", "y", "2011"))
    latest = nd.latest_rows(rows)
    assert sorted(zip(latest["area_code"], latest["period"])) == [("A", "2011"), ("B", "2021")]
    flags = nd.worst_flag(pd.Series(["", "[e]", "[c]"]), pd.Series(["[e]", "", "[x]"]))
    assert flags.tolist() == ["[e]", "[e]", "[x]"]
    with pytest.raises(ValueError):
        nd.latest_rows(rows.drop(columns="period"))




def test_area_codes():
    assert AREA.pn_code == "pn-all-E07000001" and AREA.rest_code == "rest-E07000001"
    assert dataclasses.is_dataclass(AREA)


def test_evidence_area_district_county_and_errors():
    config = load_area_config()
    lsoas = pd.DataFrame({"lsoa_code": ["L2", "L1", "L3"],
                          "lad_code": [CHARNWOOD, CHARNWOOD, "E07000129"]})
    charnwood = ev.evidence_area(config, lsoas, CHARNWOOD)
    assert (charnwood.name, charnwood.is_county, charnwood.lsoa_codes) == (
        "Charnwood", False, ("L1", "L2"))
    by_name = ev.evidence_area(config, lsoas, "Charnwood")
    assert by_name.code == CHARNWOOD
    county = ev.evidence_area(config, lsoas, COUNTY)
    assert county.is_county and county.lsoa_codes == ("L1", "L2", "L3")
    with pytest.raises(InputError, match="unknown district"):
        ev.evidence_area(config, lsoas, "E07999999")
    with pytest.raises(InputError, match="no LSOAs"):
        ev.evidence_area(config, lsoas, "E07000131")


def test_priority_lsoas_and_area_localities():
    membership = pd.DataFrame({
        "locality_id": ["pn-a", "pn-a", "forum-b", "pn-c"],
        "name": ["Alpha", "Alpha", "Beta", "Gamma"],
        "type": ["priority_neighbourhood", "priority_neighbourhood", "forum_area",
                 "priority_neighbourhood"],
        "lsoa_code": ["L2", "L1", "L1", "L9"]})
    pn = ev.priority_lsoas(membership, AREA)
    assert pn.to_dict("list") == {"lsoa_code": ["L1", "L2"],
                                  "priority_neighbourhood": ["Alpha", "Alpha"]}
    localities = pd.DataFrame({"locality_id": ["town-z", "pn-a", "forum-b", "pn-x"],
                               "name": ["Zed", "Alpha", "Beta", "Other"],
                               "type": ["town", "priority_neighbourhood", "forum_area",
                                        "priority_neighbourhood"],
                               "lad_code": [AREA.code, AREA.code, AREA.code, "E07000002"]})
    assert ev.area_localities(localities, AREA)["locality_id"].tolist() == [
        "pn-a", "forum-b", "town-z"]
    county = dataclasses.replace(AREA, is_county=True)
    assert len(ev.area_localities(localities, county)) == 4
    with pytest.raises(ValueError, match="type"):
        ev.priority_lsoas(membership.drop(columns="type"), AREA)


# --------------------------------------------------------------------------------------------
# Rankings


def test_rank_lsoas(lsoas, catalogue):
    rows = frame(
        store_row("L1", "imd_rank", "2019", 900.0), store_row("L2", "imd_rank", "2019", 100.0),
        store_row("L3", "imd_rank", "2019", 30000.0), store_row("L1", "imd_decile", "2019", 1.0),
        store_row("L2", "imd_decile", "2019", 1.0), store_row("L3", "imd_decile", "2019", 10.0),
        store_row("L2", "income_decile", "2019", 2.0),
        store_row("L2", "imd_rank", "2015", 5.0),  # another edition: ignored
        store_row("L1", "jobless_pct", "2011", 10.0, 10, 100, 5.5, 17.4),
        store_row("L2", "jobless_pct", "2011", 3.0, 3, 100, 1.0, 8.5),  # small: suppressed
        store_row("L3", "jobless_pct", "2011", 20.0, 20, 100, 13.3, 28.9, flag="[e]"),
    )
    priority = pd.DataFrame({"lsoa_code": ["L2"], "priority_neighbourhood": ["Alpha"]})
    ranked = ev.rank_lsoas(lsoas, rows, AREA, priority, catalogue,
                           key_indicators=("jobless_pct", "unknown_pct"))
    assert ranked["lsoa_code"].tolist() == ["L2", "L1", "L3"]
    assert ranked["area_rank"].tolist() == [1, 2, 3]
    assert ranked["priority_neighbourhood"].tolist() == ["Alpha", "", ""]
    assert ranked["income_decile"].iloc[0] == 2.0 and math.isnan(ranked["income_decile"].iloc[1])
    assert math.isnan(ranked.loc[0, "jobless_pct"]) and ranked.loc[0, "jobless_pct_flag"] == "[c]"
    assert ranked.loc[1, "jobless_pct"] == 10.0 and ranked.loc[2, "jobless_pct_flag"] == "[e]"
    assert "unknown_pct" not in ranked.columns
    with pytest.raises(ValueError, match="population"):
        ev.rank_lsoas(lsoas.drop(columns="population"), rows, AREA, priority, catalogue)


def test_rank_localities(catalogue):
    localities = pd.DataFrame({"locality_id": ["pn-a", "town-b", "rural-c"],
                               "name": ["Alpha", "Beta", "Gamma"],
                               "type": ["priority_neighbourhood", "town", "rural"],
                               "lad_code": AREA.code, "lsoas": [2, 5, 8],
                               "population": [3000, 8000, 12000]})
    rows = frame(
        store_row("pn-a", "imd_score", "2019", 40.0), store_row("town-b", "imd_score", "2019",
                                                                 15.0),
        store_row("rural-c", "imd_score", "2019", 8.0),
        store_row("pn-a", "jobless_pct", "2011", 12.0, 120, 1000, 10.1, 14.2),
        store_row("town-b", "jobless_pct", "2011", 5.1, 255, 5000, 4.5, 5.7),
        store_row("rural-c", "jobless_pct", "2011", 3.0, 150, 5000, 2.6, 3.5),
    )
    district = frame(store_row(AREA.code, "jobless_pct", "2011", 5.0, 500, 10000, 4.6, 5.4))
    ranked = ev.rank_localities(rows, localities, district, catalogue,
                                key_indicators=("jobless_pct",))
    assert ranked["locality_id"].tolist() == ["pn-a", "town-b", "rural-c"]
    assert ranked["need_rank"].tolist() == [1, 2, 3]
    assert ranked["jobless_pct_comparison"].tolist() == ["worse", "similar", "better"]
    with pytest.raises(ValueError, match="lsoas"):
        ev.rank_localities(rows, localities.drop(columns="lsoas"), district, catalogue)


# --------------------------------------------------------------------------------------------
# Multiple need


def test_benchmark_values_prefers_england():
    rows = frame(store_row("E92000001", "imd_score", "2019", 21.7),
                 store_row("E10000001", "imd_score", "2019", 12.3),
                 store_row("E10000001", "jobless_pct", "2011", 4.0),
                 store_row("E92000001", "jobless_pct", "2011", np.nan))
    bench = nd.benchmark_values(rows, england_code="E92000001", england_name="England",
                                county_code="E10000001", county_name="Testshire")
    assert bench.to_dict("records") == [
        {"indicator_id": "imd_score", "period": "2019", "benchmark_value": 21.7,
         "benchmark": "England"},
        {"indicator_id": "jobless_pct", "period": "2011", "benchmark_value": 4.0,
         "benchmark": "Testshire"},
    ]
    with pytest.raises(ValueError):
        nd.benchmark_values(rows.drop(columns="value"), england_code="E92000001",
                            england_name="England", county_code="E10000001",
                            county_name="Testshire")


def test_need_comparisons(catalogue):
    rows = frame(
        store_row("L1", "jobless_pct", "2011", 10.0, 100, 1000, 8.3, 12.0),
        store_row("L1", "degree_pct", "2011", 10.0, 100, 1000, 8.3, 12.0),
        store_row("L1", "asian_pct", "2011", 10.0, 100, 1000, 8.3, 12.0),  # no judgement
        store_row("L2", "jobless_pct", "2011", 4.0, 4, 100, 1.6, 9.8),  # small count
        store_row("L2", "theft_rate", "2020", 30.0, 45, 1500, 21.9, 40.1),  # older period
        store_row("L2", "theft_rate", "2021", 30.0, 45, 1500, 21.9, 40.1),
        store_row("L1", "imd_score", "2019", 30.0),  # a score: not compared here
    )
    bench = pd.DataFrame({"indicator_id": ["jobless_pct", "degree_pct", "asian_pct",
                                           "theft_rate"],
                          "period": ["2011", "2011", "2011", "2021"],
                          "benchmark_value": [5.0, 25.0, 5.0, 25.0],
                          "benchmark": "Testshire"})
    out = nd.need_comparisons(rows, bench, catalogue)
    got = {(r.area_code, r.indicator_id): r.comparison for r in out.itertuples()}
    assert got == {("L1", "degree_pct"): "worse", ("L1", "jobless_pct"): "worse",
                   ("L2", "jobless_pct"): "not compared", ("L2", "theft_rate"): "similar"}
    assert set(out["period"]) == {"2011", "2021"}
    assert out.loc[out["indicator_id"] == "theft_rate", "qol_theme"].item() == "community safety"
    with pytest.raises(ValueError, match="benchmark"):
        nd.need_comparisons(rows, bench.drop(columns="benchmark"), catalogue)


def test_deprivation_thresholds_and_need(catalogue):
    deciles = [1, 1, 2, 2, 3, 5, 10]
    scores = [60.0, 55.0, 41.0, 40.0, 30.0, 10.0, 0.5]
    national = pd.concat([
        frame(*[store_row(f"N{i}", "income_decile", "2019", d) for i, d in enumerate(deciles)]),
        frame(*[store_row(f"N{i}", "income_transformed_score", "2019", s)
                for i, s in enumerate(scores)]),
        frame(store_row("N0", "income_decile", "2015", 9.0)),
    ])
    thresholds = nd.deprivation_thresholds(national)
    assert thresholds.to_dict() == {"income_transformed_score": 40.0}
    areas = frame(store_row("pn-a", "income_transformed_score", "2019", 40.0),
                  store_row("town-b", "income_transformed_score", "2019", 39.9),
                  store_row("town-b", "income_transformed_score", "2015", 99.0))
    need = nd.deprivation_need(areas, thresholds, catalogue)
    assert need[["area_code", "deprived"]].to_dict("list") == {
        "area_code": ["pn-a", "town-b"], "deprived": [True, False]}
    assert set(need["qol_theme"]) == {"economic well-being"}
    assert nd.deprivation_thresholds(national, max_decile=1).item() == 55.0
    with pytest.raises(ValueError):
        nd.deprivation_thresholds(national.drop(columns="period"))


def comparison(area, indicator, theme, result):
    return {"area_code": area, "indicator_id": indicator, "qol_theme": theme,
            "comparison": result}


def test_multiple_need_share_rule_and_deprivation(catalogue):
    comparisons = pd.DataFrame([
        # L1: economic 2 of 3 worse (counts), safety 1 of 3 (does not), education 1 of 1
        comparison("L1", "jobless_pct", "economic well-being", "worse"),
        comparison("L1", "jobless21_pct", "economic well-being", "worse"),
        comparison("L1", "x_pct", "economic well-being", "similar"),
        comparison("L1", "theft_rate", "community safety", "worse"),
        comparison("L1", "a_rate", "community safety", "similar"),
        comparison("L1", "b_rate", "community safety", "better"),
        comparison("L1", "degree_pct", "education and life-long learning", "worse"),
        # L2: one worse out of one compared, one not compared (left out of the share)
        comparison("L2", "theft_rate", "community safety", "worse"),
        comparison("L2", "a_rate", "community safety", "not compared"),
    ])
    deprivation = pd.DataFrame([
        {"area_code": "L1", "indicator_id": "crime_transformed_score",
         "qol_theme": "community safety", "deprived": True},
        {"area_code": "L2", "indicator_id": "income_transformed_score",
         "qol_theme": "economic well-being", "deprived": False},
    ])
    areas = pd.DataFrame({"area_code": ["L2", "L1", "L3"],
                          "name": ["Vale 001B", "Vale 001A", "Vale 002A"],
                          "kind": nd.LSOA_KIND})
    need = nd.multiple_need(comparisons, deprivation, areas, catalogue)
    assert need["area_code"].tolist() == ["L1", "L2", "L3"]
    assert need["themes"].tolist() == [3, 1, 0]
    assert need.loc[0, "theme_list"] == ("Community safety; Economic well-being; Education and "
                                         "life-long learning")
    assert "Crime transformed score" in need.loc[0, "evidence"]
    assert "Theft" not in need.loc[0, "evidence"]  # safety counted through deprivation only
    assert need["multiple_need"].tolist() == [True, False, False]
    assert need.loc[2, "theme_list"] == "" and need.loc[2, "evidence"] == ""
    loose = nd.multiple_need(comparisons, deprivation, areas, catalogue, min_share=0.3)
    assert "Theft" in loose.loc[0, "evidence"]
    assert nd.multiple_need(comparisons, deprivation, areas, catalogue,
                            min_themes=4)["multiple_need"].sum() == 0
    with pytest.raises(ValueError, match="min_themes"):
        nd.multiple_need(comparisons, deprivation, areas, catalogue, min_themes=0)
    with pytest.raises(ValueError, match="min_share"):
        nd.multiple_need(comparisons, deprivation, areas, catalogue, min_share=0)
    with pytest.raises(ValueError, match="kind"):
        nd.multiple_need(comparisons, deprivation, areas.drop(columns="kind"), catalogue)

# --------------------------------------------------------------------------------------------
# The gap


def test_gap_table(pair_rows, catalogue):
    gaps = gp.gap_table(pair_rows, catalogue, group_a=AREA.pn_code, group_b=AREA.rest_code)
    assert gaps.columns.tolist() == gp.GAP_TABLE_COLUMNS
    # rates, then proportions, then scores; by theme and title within each
    assert gaps["indicator_id"].tolist() == ["theft_rate", "jobless_pct", "degree_pct",
                                             "imd_score"]
    theft = gaps.iloc[0]
    expected = rate_gap([80], [2000], [100], [10000], kind="rate")
    assert theft["ratio"] == pytest.approx(4.0)
    assert theft["ratio_lower"] == pytest.approx(expected["ratio_lower"].item())
    assert theft["difference"] == pytest.approx(30.0)  # per 1,000
    assert theft["value_a"] == pytest.approx(40.0)
    assert (theft["period"], theft["earliest_period"], theft["change"]) == ("2021", "2020",
                                                                            "widened")
    assert theft["earliest_difference"] == pytest.approx(10.0)
    assert theft["comparison"] == "worse"
    jobless = gaps.set_index("indicator_id").loc["jobless_pct"]
    assert jobless["difference"] == pytest.approx(5.0)
    assert jobless["difference_lower"] > 0 and jobless["comparison"] == "worse"
    assert (jobless["change"], jobless["earliest_period"]) == ("one period only", "")
    assert jobless["flag"] == "[e]"
    degree = gaps.set_index("indicator_id").loc["degree_pct"]  # 3 of 1000: suppressed
    assert degree["flag"] == "[c]" and math.isnan(degree["value_a"])
    assert math.isnan(degree["ratio"]) and degree["comparison"] == "not compared"
    score = gaps.set_index("indicator_id").loc["imd_score"]
    assert score["ratio"] == pytest.approx(3.0) and math.isnan(score["ratio_lower"])
    assert (score["change"], score["comparison"]) == ("not assessed", "not compared")
    assert gp.gap_table(pair_rows, catalogue, group_a="pn-all-X", group_b=AREA.rest_code).empty
    with pytest.raises(ValueError, match="numerator"):
        gp.gap_table(pair_rows.drop(columns="numerator"), catalogue, group_a=AREA.pn_code,
                     group_b=AREA.rest_code)


def test_gap_narrowed_and_signed_scores(catalogue):
    a, b = AREA.pn_code, AREA.rest_code
    rows = frame(
        group(a, "theft_rate", "2020", 60.0, 120, 2000), group(b, "theft_rate", "2020", 10.0,
                                                               100, 10000),
        group(a, "theft_rate", "2021", 15.0, 30, 2000), group(b, "theft_rate", "2021", 10.0,
                                                              100, 10000),
        group(a, "imd_score", "2019", 0.5), group(b, "imd_score", "2019", -0.2),
    )
    gaps = gp.gap_table(rows, catalogue, group_a=a, group_b=b).set_index("indicator_id")
    assert gaps.loc["theft_rate", "change"] == "narrowed"
    assert math.isnan(gaps.loc["imd_score", "ratio"])  # no ratio of signed scores
    assert gaps.loc["imd_score", "difference"] == pytest.approx(0.7)


def test_gap_chart_rows(pair_rows, catalogue):
    gaps = gp.gap_table(pair_rows, catalogue, group_a=AREA.pn_code, group_b=AREA.rest_code)
    chart = gp.gap_chart_rows(gaps)
    assert chart["indicator_id"].tolist() == ["theft_rate", "jobless_pct"]
    with pytest.raises(ValueError):
        gp.gap_chart_rows(gaps.drop(columns="ratio"))


def test_priority_groups_and_group_rows(lsoas, catalogue):
    priority = pd.DataFrame({"lsoa_code": ["L2"]})
    groups = gp.priority_groups(lsoas, priority, AREA)
    assert groups.to_dict("list") == {"area_code": [AREA.pn_code, AREA.rest_code,
                                                    AREA.rest_code],
                                      "lsoa_code": ["L2", "L1", "L3"]}
    rows = frame(store_row("L1", "theft_rate", "2021", 10.0, 10, 1000),
                 store_row("L2", "theft_rate", "2021", 20.0, 20, 1000),
                 store_row("L3", "theft_rate", "2021", 30.0, 30, 1000),
                 store_row("L4", "theft_rate", "2021", 90.0, 90, 1000))
    out = gp.group_rows(rows, groups, catalogue, lsoas.set_index("lsoa_code")["population"])
    got = out.set_index("area_code")[["numerator", "denominator", "value"]]
    assert got.loc[AREA.rest_code].tolist() == [40.0, 2000.0, 20.0]
    assert got.loc[AREA.pn_code].tolist() == [20.0, 1000.0, 20.0]
    with pytest.raises(ValueError):
        gp.priority_groups(lsoas, priority.rename(columns={"lsoa_code": "code"}), AREA)


# --------------------------------------------------------------------------------------------
# Inequality


def test_county_deciles():
    lsoas = pd.DataFrame({"lsoa_code": [f"L{i:02d}" for i in range(20)],
                          "imd_rank_2019": np.arange(20, 0, -1) * 100.0})
    deciles = gp.county_deciles(lsoas)
    assert deciles["county_decile"].value_counts().tolist() == [2] * 10
    assert deciles.set_index("lsoa_code").loc["L19", "county_decile"] == 1  # lowest rank
    assert deciles.set_index("lsoa_code").loc["L00", "county_decile"] == 10
    with pytest.raises(ValueError, match="at least 10"):
        gp.county_deciles(lsoas.head(5))
    with pytest.raises(ValueError, match="has no imd_rank_2019"):
        gp.county_deciles(lsoas.assign(imd_rank_2019=[np.nan] + [1.0] * 19))


def test_decile_rows_inequality_and_gradient(catalogue):
    codes = [f"L{d:02d}" for d in range(1, 11)]
    deciles = pd.DataFrame({"lsoa_code": codes, "county_decile": range(1, 11)})
    # theft falls by 10 per 1,000 per decile; jobless has a small count in decile 10
    rows = pd.concat([
        frame(*[store_row(c, "theft_rate", "2021", (11 - d) * 10.0, (11 - d) * 10, 1000)
                for d, c in enumerate(codes, start=1)]),
        frame(*[store_row(c, "theft_rate", "2020", 1.0, 1, 1000) for c in codes]),
        frame(*[store_row(c, "jobless_pct", "2011", 5.0, 50 if d < 10 else 2, 1000)
                for d, c in enumerate(codes, start=1)]),
    ])
    weights = pd.Series(1000.0, index=codes)
    by_decile = gp.decile_rows(rows, deciles, codes[:9] + ["L10"], catalogue, weights)
    assert set(by_decile["period"]) == {"2021", "2011"}
    assert by_decile.loc[by_decile["indicator_id"] == "theft_rate", "decile"].tolist() == list(
        range(1, 11))
    table = gp.inequality_table(by_decile, catalogue).set_index("indicator_id")
    theft = table.loc["theft_rate"]
    assert theft["sii"] == pytest.approx(100.0)  # fitted(0) - fitted(1) over the whole range
    assert theft["gradient"] == "higher in more deprived areas"
    assert table.loc["jobless_pct", "gradient"] == "not calculated"  # decile 10 suppressed
    gradient = gp.decile_gradient(by_decile, table.reset_index(), ("theft_rate", "jobless_pct"))
    assert gradient["indicator_id"].unique().tolist() == ["theft_rate"]
    assert gradient["fitted"].tolist() == pytest.approx(gradient["value"].tolist())
    assert gp.inequality_table(by_decile.head(0), catalogue).empty
    with pytest.raises(ValueError):
        gp.inequality_table(by_decile.drop(columns="decile"), catalogue)


# --------------------------------------------------------------------------------------------
# Findings and messages


# --------------------------------------------------------------------------------------------
# The real data


@pytest.fixture(scope="module")
def charnwood(prepared):
    return ev.compute_evidence(prepared[1], CHARNWOOD)


@pytest.fixture(scope="module")
def county(prepared):
    return ev.compute_evidence(prepared[1], COUNTY)


def test_real_charnwood_burglary_gap(charnwood):
    burglary = charnwood.gaps.set_index("indicator_id").loc["burglary_rate"]
    # 111 burglaries in 2021 among 27,981 residents of the priority neighbourhoods (mid-2020),
    # 441 among the other 160,435 residents of Charnwood.
    assert (burglary["numerator_a"], burglary["denominator_a"]) == (111, 27981)
    assert (burglary["numerator_b"], burglary["denominator_b"]) == (441, 160435)
    assert burglary["value_a"] == pytest.approx(3.967, abs=0.001)
    assert burglary["value_b"] == pytest.approx(2.749, abs=0.001)
    assert burglary["ratio"] == pytest.approx(1.443, abs=0.001)
    assert 1 < burglary["ratio_lower"] < 1.2 and 1.7 < burglary["ratio_upper"] < 1.8
    assert burglary["comparison"] == "worse"
    # 2020: 6.83 against 3.88 per 1,000; the gap narrowed significantly by 2021
    assert burglary["earliest_difference"] == pytest.approx(2.943, abs=0.001)
    assert burglary["change"] == "narrowed"
    no_quals = charnwood.gaps.set_index("indicator_id").loc["c11_no_qualifications_pct"]
    assert no_quals["difference"] == pytest.approx(9.26, abs=0.01)
    assert no_quals["difference_lower"] > 8


def test_real_rankings_and_need(charnwood):
    assert len(charnwood.lsoa_ranking) == 99
    top = charnwood.lsoa_ranking.iloc[0]
    assert (top["lsoa_code"], top["imd_rank"], top["imd_decile"]) == ("E01025699", 699, 1)
    assert top["priority_neighbourhood"].startswith("Loughborough Lemyngton")
    assert charnwood.locality_ranking.iloc[0]["locality_id"] == (
        "pn-loughborough-storer-queen-s-park-and-garendon")
    assert charnwood.has_priority and len(charnwood.priority) == 15
    assert set(charnwood.need["kind"]) >= {nd.LSOA_KIND, "priority_neighbourhood"}
    assert charnwood.need.iloc[0]["themes"] >= 5
    crime = charnwood.inequality.set_index("indicator_id").loc["crime_and_asb_rate"]
    assert crime["gradient"] == "higher in more deprived areas" and crime["sii"] > 100


def test_real_deprivation_matches_published_deciles(prepared):
    area = prepared[1]
    store = area.store
    national = store[(store["area_type"] == "LSOA11") & (store["period"] == "2019")
                     & store["indicator_id"].isin([*nd.DOMAINS, *nd.DOMAINS.values()])]
    thresholds = nd.deprivation_thresholds(national)
    assert len(thresholds) == 7
    county = national[national["area_code"].isin(area.lsoas["lsoa_code"])]
    need = nd.deprivation_need(county, thresholds, area.catalogue)
    deciles = county[county["indicator_id"].isin(list(nd.DOMAINS))].assign(
        indicator_id=lambda d: d["indicator_id"].map(nd.DOMAINS))
    both = need.merge(deciles[["area_code", "indicator_id", "value"]],
                      on=["area_code", "indicator_id"], suffixes=("", "_decile"))
    assert len(both) == 396 * 7
    assert (both["deprived"] == (both["value_decile"] <= 2)).all()
    assert both["deprived"].sum() == 139


def test_real_county_gap_aggregates_all_priority_neighbourhoods(county, prepared):
    rows = prepared[1].locality_rows
    pn = rows[(rows["indicator_id"] == "burglary_rate") & (rows["period"] == "2021")
              & rows["area_code"].str.startswith("pn-all-")]
    burglary = county.gaps.set_index("indicator_id").loc["burglary_rate"]
    assert burglary["numerator_a"] == pn["numerator"].sum() == 238
    assert burglary["denominator_a"] == pn["denominator"].sum()
    assert burglary["numerator_a"] + burglary["numerator_b"] == 1900  # county total, 2021
    assert county.area.is_county and len(county.lsoa_ranking) == 396
    assert gp.county_deciles(prepared[1].lsoas)["county_decile"].value_counts().sort_index(
    ).tolist() == [40, 40, 39, 40, 39, 40, 39, 40, 39, 40]


def test_real_group_rows_match_locality_rows(prepared, charnwood):
    area = prepared[1]
    groups = gp.priority_groups(area.lsoas, charnwood.priority, charnwood.area)
    store = area.store
    lsoa_rows = store[(store["area_type"] == "LSOA11")
                      & store["area_code"].isin(charnwood.area.lsoa_codes)
                      & (store["indicator_id"] == "c11_unemployed_pct")]
    mine = gp.group_rows(lsoa_rows, groups, area.catalogue,
                         area.lsoas.set_index("lsoa_code")["population"])
    stored = area.locality_rows[area.locality_rows["area_code"].isin(groups["area_code"])
                                & (area.locality_rows["indicator_id"] == "c11_unemployed_pct")]
    key = ["area_code", "period", "numerator", "denominator"]
    assert mine[key].sort_values(key).values.tolist() == stored[key].sort_values(key
                                                                                ).values.tolist()


def test_real_district_without_priority_neighbourhood(prepared):
    evidence = ev.compute_evidence(without_charnwood_priority(prepared[1]), CHARNWOOD)
    assert not evidence.has_priority and evidence.gaps.empty
    assert evidence.gap_chart_rows.empty
    assert not evidence.inequality.empty
    assert (evidence.lsoa_ranking["priority_neighbourhood"] == "").all()




def test_real_results_are_data_only(charnwood):
    """Every field is a frame, a plain value or a nested dataclass of them (for persistence)."""
    import geopandas as gpd
    import pyarrow as pa

    plain = (str, int, float, bool, type(None), dict, list, tuple)
    for field in dataclasses.fields(charnwood):
        value = getattr(charnwood, field.name)
        if isinstance(value, gpd.GeoDataFrame):
            continue
        if isinstance(value, pd.DataFrame):
            pa.Table.from_pandas(value)  # raises on mixed-type object columns
        else:
            assert isinstance(value, plain) or dataclasses.is_dataclass(value), field.name
