"""Step 2, evidence: the page (words, display tables, charts, downloads, the notebook)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipeline.pages import evidence as page
from pipeline.pages import evidence_text as words
from pipeline.reporting.evidence_charts import (
    COMPARISON_MARKERS,
    gap_forest_chart,
    inequality_chart,
    need_count_summary,
)
from pipeline.reporting.format import comparison_symbol_text, interval_range_text, possessive
from pipeline.steps import evidence as ev
from pipeline.steps import gaps as gp
from pipeline.steps import need as nd
from pipeline.steps.messages import FINDING_COLUMNS
from tests.notebooks import execute
from tests.steps.evidence_fixtures import (
    AREA,
    CHARNWOOD,
    COUNTY,
    catalogue_frame,
    frame,
    pair_rows_frame,
    store_row,
    without_charnwood_priority,
)


@pytest.fixture
def catalogue() -> pd.DataFrame:
    return catalogue_frame()


@pytest.fixture
def pair_rows() -> pd.DataFrame:
    return pair_rows_frame()


# --------------------------------------------------------------------------------------------
# Shared formatters and names


def test_comparison_text_and_possessive():
    text = comparison_symbol_text(pd.Series(["worse", "better", "similar", "not compared"]))
    assert text.tolist() == ["▼ worse", "▲ better", "● similar", "○ not compared"]
    assert comparison_symbol_text(pd.Series(["worse", np.nan])).tolist() == ["▼ worse", ""]
    with pytest.raises(ValueError, match="unknown comparison"):
        comparison_symbol_text(pd.Series(["bad"]))
    assert possessive("Charnwood") == "Charnwood's"
    assert possessive("Oadby and Wigston") == "Oadby and Wigston's"
    assert possessive("St Albans") == "St Albans'"
    assert words.pn_name(AREA) == "Testshire Vale's priority neighbourhoods"
    assert words.rest_name(AREA) == "the rest of Testshire Vale"
    assert words.comparator_name(AREA) == "Testshire"
    assert words.comparator_name(ev.EvidenceArea(**{**AREA.__dict__, "is_county": True})) == (
        "England")
    assert interval_range_text(pd.Series([1.171, np.nan]), pd.Series([1.78, 2.0]),
                               2).tolist() == ["1.17 to 1.78", ""]


def test_locality_and_need_display(catalogue):
    localities = pd.DataFrame({"locality_id": ["pn-a", "town-b", "rural-c"],
                               "name": ["Alpha", "Beta", "Gamma"],
                               "type": ["priority_neighbourhood", "town", "rural"],
                               "lad_code": AREA.code, "lsoas": [2, 5, 8],
                               "population": [3000, 8000, 12000]})
    rows = frame(
        store_row("pn-a", "imd_score", "2019", 40.0),
        store_row("pn-a", "jobless_pct", "2011", 12.0, 120, 1000, 10.1, 14.2),
        store_row("town-b", "jobless_pct", "2011", 5.1, 255, 5000, 4.5, 5.7),
        store_row("rural-c", "jobless_pct", "2011", 3.0, 150, 5000, 2.6, 3.5),
    )
    district = frame(store_row(AREA.code, "jobless_pct", "2011", 5.0, 500, 10000, 4.6, 5.4))
    ranked = ev.rank_localities(rows, localities, district, catalogue,
                                key_indicators=("jobless_pct",))
    shown = page.locality_display(ranked)
    assert shown["type_label"].tolist() == ["Priority neighbourhood", "Town", "Rural area"]
    assert shown["jobless_pct_vs"].tolist() == ["▼ worse", "● similar", "▲ better"]
    need = pd.DataFrame({"kind": [nd.LSOA_KIND, "town"]})
    assert page.need_display(need)["kind"].tolist() == ["Neighbourhood (LSOA)", "Town"]


def test_benchmark_note():
    county = pd.DataFrame({"indicator_id": ["a", "a", "b"], "benchmark": "Testshire"})
    text = words.benchmark_note(county, england_name="England", county_name="Testshire")
    assert text.startswith("England has no value for any of the 2 rates and percentages")
    mixed = pd.DataFrame({"indicator_id": ["a", "b"], "benchmark": ["Testshire", "England"]})
    assert "1 of the 2" in words.benchmark_note(mixed, england_name="England",
                                               county_name="Testshire")
    empty = pd.DataFrame(columns=["indicator_id", "benchmark"])
    assert "Indices of Deprivation only" in words.benchmark_note(
        empty, england_name="England", county_name="Testshire")
    with pytest.raises(ValueError):
        words.benchmark_note(county.drop(columns="benchmark"), england_name="England",
                            county_name="Testshire")




# --------------------------------------------------------------------------------------------
# The gap and inequality


def test_gap_display_and_chart_summary(pair_rows, catalogue):
    gaps = gp.gap_table(pair_rows, catalogue, group_a=AREA.pn_code, group_b=AREA.rest_code)
    chart = gp.gap_chart_rows(gaps)
    shown = page.gap_display(gaps).set_index("indicator_id")
    assert shown.loc["theft_rate", "change_text"] == "widened since 2020"
    assert shown.loc["jobless_pct", "change_text"] == "one period only"
    assert shown.loc["imd_score", "change_text"] == "not assessed (no interval) since 2015"
    assert shown.loc["theft_rate", "vs"] == "▼ worse"
    assert shown.loc["degree_pct", "ratio_ci"] == ""
    summary = words.gap_chart_summary(chart, AREA)
    assert "worse than the rest of Testshire Vale on 2" in summary
    assert words.gap_chart_summary(chart.head(0), AREA) == ("There are no rates or percentages "
                                                           "to compare.")
    with pytest.raises(ValueError):
        page.gap_display(gaps.drop(columns="change"))


def test_inequality_chart_summary(catalogue):
    codes = [f"L{d:02d}" for d in range(1, 11)]
    deciles = pd.DataFrame({"lsoa_code": codes, "county_decile": range(1, 11)})
    rows = frame(*[store_row(c, "theft_rate", "2021", (11 - d) * 10.0, (11 - d) * 10, 1000)
                   for d, c in enumerate(codes, start=1)])
    by_decile = gp.decile_rows(rows, deciles, codes, catalogue, pd.Series(1000.0, index=codes))
    table = gp.inequality_table(by_decile, catalogue)
    gradient = gp.decile_gradient(by_decile, table, ("theft_rate",))
    summary = words.inequality_chart_summary(gradient, table, AREA)
    assert "Theft is significantly higher in the more deprived tenths" in summary
    assert words.inequality_chart_summary(gradient.head(0), table, AREA).startswith(
        "There is not enough data")
    shown = page.judged_inequality(table)
    assert shown["sii_ci"].iloc[0].endswith(tuple("0123456789"))


# --------------------------------------------------------------------------------------------
# Findings and messages


def test_findings_from_gaps(pair_rows, catalogue):
    gaps = gp.gap_table(pair_rows, catalogue, group_a=AREA.pn_code, group_b=AREA.rest_code)
    findings = words.findings_from_gaps(gaps, subject=words.pn_name(AREA),
                                       comparator=words.rest_name(AREA))
    assert findings.columns.tolist() == [*FINDING_COLUMNS, "value", "comparator_value",
                                         "qol_theme"]
    by = findings.set_index("indicator_title")
    assert (by.loc["Theft", "measure"], by.loc["Theft", "change"],
            by.loc["Theft", "since"]) == ("ratio", "widened", "2020")
    assert by.loc["Unemployed (2011)", "measure"] == "difference"
    assert by.loc["Unemployed (2011)", "change"] == ""
    assert not by.loc["IMD score", "significant"]
    with pytest.raises(ValueError):
        words.findings_from_gaps(gaps.drop(columns="change"), subject="a", comparator="b")


def test_findings_from_benchmarks(catalogue):
    rows = frame(store_row(AREA.code, "jobless_pct", "2011", 6.0, 600, 10000, 5.6, 6.5),
                 store_row(AREA.code, "degree_pct", "2011", 25.2, 2520, 10000, 24.4, 26.1))
    bench = pd.DataFrame({"indicator_id": ["jobless_pct", "degree_pct"], "period": "2011",
                          "benchmark_value": [5.0, 25.0], "benchmark": "Testshire"})
    comparisons = ev._area_comparisons(rows, bench, catalogue, 5)
    findings = words.findings_from_benchmarks(comparisons, subject=AREA.name)
    by = findings.set_index("indicator_title")
    assert by.loc["Unemployed (2011)", "estimate"] == pytest.approx(1.0)
    assert by.loc["Unemployed (2011)", "lower"] == pytest.approx(0.6)
    assert by.loc["Unemployed (2011)", "significant"]
    assert not by.loc["Degree pct", "significant"]
    assert set(findings["comparator"]) == {"Testshire"}
    with pytest.raises(ValueError, match="polarity"):
        words.findings_from_benchmarks(comparisons.drop(columns="polarity"), subject="a")


def finding(**values) -> dict:
    row = {"subject": words.pn_name(AREA), "indicator_title": "Theft", "comparator": words.rest_name(AREA),
           "measure": "ratio", "estimate": 2.0, "lower": 1.5, "upper": 2.7,
           "unit": "per 1,000 residents", "polarity": "higher_is_worse", "significant": True,
           "change": "", "since": "", "period": "2021", "value": np.nan,
           "comparator_value": np.nan, "qol_theme": "community safety"}
    row.update(values)
    return row


def test_evidence_key_messages():
    findings = pd.DataFrame([
        finding(indicator_title="Theft", estimate=4.0, lower=3.5, upper=4.6),
        finding(indicator_title="Robbery", estimate=3.0, lower=2.6, upper=3.5),
        finding(indicator_title="Burglary", estimate=2.5, lower=2.2, upper=2.9),  # 3rd safety
        finding(indicator_title="Unemployed (2011)", estimate=1.6, lower=1.5, upper=1.7,
                period="2011", qol_theme="economic well-being"),
        finding(indicator_title="Unemployed (2021)", estimate=1.2, lower=1.1, upper=1.3,
                period="2021", qol_theme="economic well-being"),
        finding(indicator_title="Asian residents", estimate=5.0, lower=4.5, upper=5.5,
                polarity="no_judgement", qol_theme="community cohesion and involvement"),
    ])
    messages = words.evidence_key_messages(findings, "Need sentence.", AREA, has_priority=True)
    assert [m.split(" in ")[0] for m in messages[:-1]] == ["Theft", "Robbery",
                                                           "Unemployed (2021)"]
    assert messages[-1] == "Need sentence."
    none = words.evidence_key_messages(findings, "", AREA, has_priority=False, limit=2)
    assert len(none) == 2
    assert none[0].startswith("Testshire Vale has no priority neighbourhood")
    empty = words.evidence_key_messages(findings.head(0), "", AREA, has_priority=True)
    assert empty == []
    assert words.evidence_key_messages(findings, "Need.", AREA, has_priority=True, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        words.evidence_key_messages(findings, "", AREA, has_priority=True, limit=-1)
    with pytest.raises(ValueError, match="qol_theme"):
        words.evidence_key_messages(findings.drop(columns="qol_theme"), "", AREA,
                                 has_priority=True)


def test_need_message_and_texts():
    need = pd.DataFrame({"name": ["Vale 001A (North)", "Vale 001B (North)", "Alpha"],
                         "kind": [nd.LSOA_KIND, nd.LSOA_KIND, "town"], "themes": [4, 1, 5],
                         "theme_list": ["Housing; Community safety; Environment; Health", "Housing",
                                        "x"],
                         "multiple_need": [True, False, True]})
    text = words.need_message(need, AREA)
    assert text == ("1 of Testshire Vale's 2 neighbourhoods (LSOAs) is an area of multiple need, "
                    "with need on 3 or more of the ten Quality of Life themes; Vale 001A (North) "
                    "shows need on the most, 4: housing, community safety, environment, health.")
    assert words.need_message(need.assign(multiple_need=False), AREA).startswith("None of")
    assert words.need_message(need.head(0), AREA) == ""
    assert "no priority neighbourhood" in words.intro_text(AREA, lsoa_count=3, priority_count=0,
                                                        priority_lsoa_count=0)
    assert "(2 neighbourhoods, 4 of its 30 small areas)" in words.intro_text(
        AREA, lsoa_count=30, priority_count=2, priority_lsoa_count=4)
    assert "no priority neighbourhood" in words.gap_intro(AREA, False, pd.DataFrame())


# --------------------------------------------------------------------------------------------
# Charts




# --------------------------------------------------------------------------------------------
# Charts


def test_gap_forest_chart(pair_rows, catalogue):
    gaps = gp.gap_table(pair_rows, catalogue, group_a=AREA.pn_code, group_b=AREA.rest_code)
    rows = gp.gap_chart_rows(gaps).assign(title=["<b>Theft</b>", "Unemployed (2011)"])
    fig = gap_forest_chart(rows, group_a=words.pn_name(AREA),
                           group_b=words.rest_name(AREA))
    assert [t.marker.symbol for t in fig.data] == [COMPARISON_MARKERS["worse"]]
    assert fig.data[0].showlegend and fig.data[0].name == "▼ significantly worse"
    assert list(fig.data[0].y) == ["&lt;b&gt;Theft&lt;/b&gt; (2021)", "Unemployed (2011)"]
    assert fig.layout.xaxis.type == "log"
    with pytest.raises(ValueError, match="unknown comparison"):
        gap_forest_chart(rows.assign(comparison="bad"), group_a="a", group_b="b")
    with pytest.raises(ValueError, match="ratio_upper"):
        gap_forest_chart(rows.drop(columns="ratio_upper"), group_a="a", group_b="b")



def test_inequality_chart_and_need_summary():
    gradient = pd.DataFrame({"indicator_id": "x", "title": "Theft", "unit": "per 1,000",
                             "decile": range(1, 11), "value": np.arange(10.0, 0, -1),
                             "lower_ci": np.arange(9.0, -1, -1), "upper_ci": np.arange(11.0, 1, -1),
                             "fitted": np.arange(10.0, 0, -1)})
    fig = inequality_chart(gradient)
    assert [t.mode for t in fig.data] == ["markers", "lines"]
    assert fig.data[1].line.dash == "dash"
    with pytest.raises(ValueError, match="no indicator"):
        inequality_chart(gradient.head(0))
    assert need_count_summary(pd.Series([0, 3, 4, 1])) == (
        "The map shades each of the 4 neighbourhoods (LSOAs) by the number of Quality of Life "
        "themes on which it shows need (0 to 4); 2 show need on three or more. Priority "
        "neighbourhoods have a thick outline.")
    assert need_count_summary(pd.Series([], dtype=float)).startswith("No neighbourhood")
    assert need_count_summary(pd.Series([3.0]), has_priority=False).endswith("three or more.")


# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The real data


@pytest.fixture(scope="module")
def charnwood(prepared):
    return ev.compute_evidence(prepared[1], CHARNWOOD)


@pytest.fixture(scope="module")
def county(prepared):
    return ev.compute_evidence(prepared[1], COUNTY)


def test_real_messages_and_notes(charnwood, county):
    messages = words.page_key_messages(charnwood)
    assert 1 <= len(messages) <= 6
    assert messages[0].startswith("Shoplifting in Charnwood's priority neighbourhoods")
    # Census 2021 and population shares are now compared with England (34; 39 against the county)
    assert messages[-1].startswith("34 of Charnwood's 99 neighbourhoods")
    assert "compared with Leicestershire" in words.benchmark_note(
        charnwood.comparisons, england_name="England", county_name="Leicestershire")
    assert words.page_key_messages(county)[0].startswith("Shoplifting in Leicestershire's priority")


def test_real_district_without_priority_neighbourhood_words(prepared):
    evidence = ev.compute_evidence(without_charnwood_priority(prepared[1]), CHARNWOOD)
    assert words.page_key_messages(evidence)[0].startswith("Charnwood has no priority neighbourhood")
    assert "no priority neighbourhood" in words.gap_intro(evidence.area, evidence.has_priority,
                                                         evidence.gaps)
    assert "no priority neighbourhood" in words.intro_text(
        evidence.area, lsoa_count=len(evidence.area.lsoa_codes),
        priority_count=evidence.priority_count, priority_lsoa_count=len(evidence.priority))


def test_real_downloads_have_readable_columns(charnwood):
    evidence = page.EvidencePage(charnwood, "/x/y", "")
    assert evidence.work.as_posix() == "/x/y"
    for table in (evidence.lsoa_download(), evidence.locality_download(),
                  evidence.need_download(), evidence.gap_download(),
                  evidence.inequality_download()):
        assert not table.empty
        assert all("_" not in str(c) for c in table.columns)
    assert evidence.gap_download()["District or county"].eq("Charnwood").all()
    assert page.EvidencePage(charnwood, "", "/p").work.as_posix() == "/p/runs/charnwood"


# The notebook


NOTEBOOK = "02_evidence.ipynb"


def run_notebook(tmp_path, processed_dir, district):
    from pipeline.paths import NOTEBOOKS_DIR
    from pipeline.reporting.export import export_notebook

    executed = tmp_path / "executed.ipynb"
    work = tmp_path / "work"
    execute(NOTEBOOKS_DIR / NOTEBOOK, executed,
            {"district": district, "processed_dir": str(processed_dir), "output_dir": str(work)})
    info = export_notebook(executed, tmp_path / "page.html",
                           context={"parameters": None, "code_version": "test"})
    soup = BeautifulSoup((tmp_path / "page.html").read_text(encoding="utf-8"), "html.parser")
    return info, soup, work


def check_page(info, soup, work):
    html_text = str(soup)
    assert "Traceback" not in html_text and "nan" not in soup.get_text().split()
    assert len(soup.find_all("h1")) == 1
    headings = [h.text for h in info.headings]
    assert headings[0] == "Key messages"
    for section in ("Where need is greatest", "Areas of multiple need",
                    "The gap between priority neighbourhoods and the rest",
                    "Inequality across the county's deprivation tenths"):
        assert section in headings
    # the key messages list comes straight after the h1 and the intro paragraph
    first_h2 = soup.find("h2")
    assert first_h2.get_text(strip=True) == "Key messages"
    assert first_h2.find_next("ul").find_all("li")
    assert not (work / "key_messages.json").exists()  # the pack reads them from the page
    staged = sorted(p.stem for p in (work / "tables").glob("*.parquet"))
    return staged


@pytest.mark.slow
def test_notebook_charnwood(prepared, ingested, tmp_path):
    info, soup, work = run_notebook(tmp_path, ingested["out"], CHARNWOOD)
    assert soup.find("h1").get_text(strip=True) == "Charnwood: evidence of need"
    assert info.chart_ids == ("evidence-multiple-need-map", "evidence-gap-ratios",
                              "evidence-inequality-gradient")
    assert info.key_messages[0].startswith("Shoplifting in Charnwood's priority neighbourhoods")
    assert check_page(info, soup, work) == [
        "evidence_gap", "evidence_inequality", "evidence_locality_ranking",
        "evidence_lsoa_ranking", "evidence_multiple_need", "evidence_similar_districts"]
    assert "not a benchmark of significance" in soup.get_text()
    assert not any(p.name for p in tmp_path.glob("tables"))  # nothing beside the notebook


@pytest.mark.slow
def test_notebook_county(prepared, ingested, tmp_path):
    info, soup, work = run_notebook(tmp_path, ingested["out"], COUNTY)
    assert soup.find("h1").get_text(strip=True) == "Leicestershire: evidence of need"
    assert "evidence-gap-ratios" in info.chart_ids
    assert "Leicestershire's priority neighbourhoods" in info.key_messages[0]
    check_page(info, soup, work)
    assert "the first 25 of 396" in soup.get_text()


@pytest.mark.slow
def test_notebook_without_priority_neighbourhood(prepared, ingested, tmp_path):
    source = ingested["out"]
    processed = tmp_path / "processed"
    processed.mkdir()
    for path in source.iterdir():
        if path.is_file():
            os.symlink(path, processed / path.name)
    area = without_charnwood_priority(prepared[1])
    for name, table in (("locality_membership.parquet", area.membership),
                        ("localities.parquet", area.localities),
                        ("locality_indicators.parquet", area.locality_rows)):
        (processed / name).unlink()
        table.to_parquet(processed / name, index=False)
    info, soup, work = run_notebook(tmp_path, processed, CHARNWOOD)
    assert info.key_messages[0].startswith("Charnwood has no priority neighbourhood")
    assert "evidence-gap-ratios" not in info.chart_ids
    staged = check_page(info, soup, work)
    assert "evidence_gap" not in staged
