"""The baseline page: display tables, sentences, key messages, downloads and the notebook.

The tables come from the step functions on the inline fixtures of
``tests/steps/test_baseline.py`` (computation is tested there).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.pages import baseline_tables as tables
from pipeline.pages import baseline_text as text
from pipeline.pages.baseline import BaselinePage
from pipeline.paths import PROJECT_ROOT
from pipeline.steps import baseline_deprivation as dep
from pipeline.steps import baseline_population as pop
from pipeline.steps import baseline_tables as tab
from pipeline.steps.baseline_area import for_role
from tests.notebooks import execute
from tests.steps.baseline_data import (
    DISTRICT,
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


def test_page_stages_in_the_output_folder_or_the_runs_folder():
    results = SimpleNamespace(area=DISTRICT)
    assert BaselinePage(results, "/tmp/x").tables_dir == Path("/tmp/x")
    assert BaselinePage(results, "").tables_dir.parts[-2:] == ("runs", "charnwood")
    assert BaselinePage(results).comparator_name == "Leicestershire"
    assert BaselinePage(SimpleNamespace(area=WHOLE_COUNTY)).comparator_name == "England"


def test_headline_display_words_each_measure(store):
    headline = pop.headline_summary(store, DISTRICT)
    shown = tables.headline_display(headline, DISTRICT)
    assert shown.columns.tolist() == ["Measure", "Charnwood", "95% confidence interval",
                                      "Leicestershire", "England"]
    assert shown["Measure"].tolist()[:4] == [
        "Residents (mid-2020)", "Residents (mid-2017)",
        "Change in residents, mid-2017 to mid-2020",
        "Change in residents, mid-2017 to mid-2020 (%)"]
    assert shown.loc[4, "Measure"] == "Aged 0-15 (% of residents)"
    assert shown["England"].eq("not available").all()
    assert shown.loc[0, "Charnwood"] == "1,100"
    assert shown.loc[4, "95% confidence interval"] == "17.7% to 22.5%"
    download = tables.for_download(tables.labelled_headline(headline))
    assert download["Measure"].iloc[0] == "Residents (mid-2020)"
    with pytest.raises(ValueError, match="period"):
        tables.headline_labels(headline.drop(columns="period"))


def test_imd_display_one_district_or_every_district(store, catalogue):
    single = dep.imd_summary(store, catalogue, ["E07000130"], {"E07000130": "Charnwood"})
    assert tables.imd_display(single, DISTRICT).columns[-1] == \
        "Rank among 3 districts (1 = most deprived)"
    both = dep.imd_summary(store, catalogue, ["E07000129", "E07000130"],
                           {"E07000129": "Blaby", "E07000130": "Charnwood"})
    wide = tables.imd_display(both, WHOLE_COUNTY)
    assert wide["District"].tolist() == ["Charnwood", "Blaby"]  # most deprived first
    with pytest.raises(ValueError, match="empty"):
        tables.imd_display(single.iloc[:0], DISTRICT)


def test_editions_sentence_and_table(store):
    summary = dep.imd_editions_summary(dep.imd_editions_profile(store, DISTRICT))
    sentence = text.describe_editions(summary)
    assert sentence.startswith("In the IoD 2019, 1 of Charnwood's 2 neighbourhoods")
    shown = tables.editions_display(summary, DISTRICT)
    assert shown["flag"].tolist() == ["[e]", ""]


def test_theme_display_symbols_and_counts(store, catalogue):
    table = tab.theme_table(store, catalogue, DISTRICT)
    symbols = tables.with_comparison_symbols(table).set_index("indicator_id")
    assert symbols.loc["crime_rate", "county_symbol"] == "▼ worse"
    columns = tables.with_comparison_symbols(table).columns.tolist()
    assert columns[columns.index("county_comparison") + 1] == "county_symbol"
    assert columns[-1] == "england_symbol"
    shown = tables.theme_display(table, DISTRICT, "community safety")
    assert shown.columns.tolist() == ["Indicator", "Period", "Unit", "Charnwood",
                                      "95% confidence interval", "Leicestershire",
                                      "Compared with Leicestershire", "England", "flag"]
    assert shown.loc[0, "Charnwood"] == "80.0"
    assert shown.loc[0, "England"] == "not available"
    assert shown.loc[0, "Compared with Leicestershire"] == "▼ worse"
    # no row compared with England: the column is left out on a district page ...
    county = tables.theme_display(tab.theme_table(store, catalogue, WHOLE_COUNTY), WHOLE_COUNTY)
    assert "Compared with Leicestershire" not in county.columns
    assert "Compared with England" in county.columns  # ... but kept on the county overview
    with pytest.raises(ValueError, match="no indicators of the theme"):
        tables.theme_display(table, DISTRICT, "culture and leisure")


def test_trend_sentence_index_and_table(store, catalogue):
    out = tab.trend_series(store, catalogue, DISTRICT, ["population_total", "imd_score"])
    sentence = text.describe_change(for_role(out), title="The number of residents",
                                    unit="persons", area_name="Charnwood")
    assert sentence == ("The number of residents in Charnwood rose from 1,000 in 2017 to 1,100 "
                        "in 2020 (+10.0%).")
    indexed = tables.indexed_trend(out, "population_total")
    assert indexed["index"].tolist() == pytest.approx([100, 110, 100, 102.5])
    shown = tables.trend_display(out, DISTRICT)
    assert shown.columns.tolist()[2:4] == ["Charnwood 2017", "Charnwood 2020"]
    with pytest.raises(ValueError, match="no rows of imd_score"):
        tables.indexed_trend(out, "imd_score")


def test_describe_change_says_whether_intervals_overlap():
    rates = pd.DataFrame({"period": ["2020", "2021"], "value": [63.2, 68.3],
                          "lower_ci": [62.0, 67.1], "upper_ci": [64.3, 69.5]})
    sentence = text.describe_change(rates, title="All crime", unit="per 1,000 residents",
                                    area_name="Charnwood")
    assert "from 63.2 per 1,000 residents in 2020 to 68.3 in 2021 (+8.1%)" in sentence
    assert "do not overlap" in sentence
    close = rates.assign(lower_ci=[60.0, 62.0], upper_ci=[66.0, 70.0])
    assert "overlap, so the change may be chance" in text.describe_change(
        close, title="All crime", unit="per 1,000 residents", area_name="Charnwood")
    assert "only one period" in text.describe_change(rates.iloc[:1], title="All crime",
                                                     unit="%", area_name="Charnwood")
    with pytest.raises(ValueError, match="value"):
        text.describe_change(rates.drop(columns="value"), title="x", unit="%", area_name="y")


def test_monthly_chart_frame_and_summary(store):
    out = tab.monthly_series(store, DISTRICT, "crime_monthly", window=12)
    chart = tables.monthly_chart_frame(out)
    assert chart["series"].value_counts().to_dict() == {"Monthly count": 26,
                                                       "12-month rolling mean": 15}
    sentence = text.describe_monthly(out, what="crimes")
    last12, prior12 = sum(range(114, 126)), sum(range(102, 114))
    assert sentence.startswith(f"In the 12 months to February 2022, Charnwood recorded "
                               f"{last12:,} crimes, +{100 * (last12 / prior12 - 1):.1f}%")
    assert "(Leicestershire: +" in sentence
    with pytest.raises(ValueError, match="no rows for role 'england'"):
        tables.monthly_chart_frame(out, "england")


def test_census_change_sentence_chart_and_table(store, catalogue):
    out = tab.census_change(store, catalogue, DISTRICT)
    assert "1 of 1 census measures changed significantly" in text.describe_census_change(out)
    chart = tables.census_chart_frame(out)
    assert chart["year"].tolist() == ["2011", "2021"]
    shown = tables.census_change_display(out, DISTRICT)
    assert shown.loc[0, "Assessment"] == "decreased"


def test_breakdown_symbols_chart_sentence_and_table(store, catalogue):
    out = pop.breakdown_table(store, catalogue, DISTRICT)
    symbols = tables.with_comparison_symbols(out).set_index("indicator_id")
    assert symbols.loc["c21_disabled_pct", "county_symbol"] == "● similar"
    assert symbols.columns[-1] == "county_symbol"
    chart = tables.breakdown_chart_frame(out, "Religion")
    assert chart["area_name"].tolist() == ["Charnwood", "Charnwood", "Leicestershire",
                                           "Leicestershire"]
    assert "2 of the 2 shares differ" in text.describe_breakdown(out, "Religion")
    shown = tables.breakdown_display(out, DISTRICT, "Disability")
    assert shown.columns[0] == "Disability"
    assert shown["Compared with Leicestershire"].tolist() == ["● similar"]
    with pytest.raises(ValueError, match="no rows for the breakdown"):
        tables.breakdown_display(out, DISTRICT, "Ethnic group")


def test_map_sentence_series_and_labels(store):
    imd = dep.map_values(store, LSOAS, DISTRICT, "imd_score", priority=["L1"])
    sentence = text.describe_map(imd, title="The IMD 2019 score", unit="score",
                                 area_name="Charnwood")
    assert sentence.startswith("The IMD 2019 score ranges across Charnwood's 2 neighbourhoods "
                               "(LSOAs) from 8.0 in Charnwood 001B (East) to 40.0")
    assert "median" in sentence
    assert tables.map_series(imd).to_dict() == {"L1": 40.0, "L2": 8.0}
    assert tables.lsoa_labels(LSOAS)["L1"] == "Charnwood 001A (West)"
    assert tables.lsoa_labels(dep.area_lsoa_names(LSOAS, DISTRICT)).to_dict() == {
        "L1": "Charnwood 001A (West)", "L2": "Charnwood 001B (East)"}


def test_key_messages_for_a_district(store, catalogue):
    headline = pop.headline_summary(store, DISTRICT)
    imd = dep.imd_summary(store, catalogue, ["E07000130"], {"E07000130": "Charnwood"})
    editions = dep.imd_editions_summary(dep.imd_editions_profile(store, DISTRICT))
    themes = tab.theme_table(store, catalogue, DISTRICT)
    messages = text.key_messages(headline, imd, editions, themes, DISTRICT,
                                 imd_scores=dep.imd_score_comparison(store, DISTRICT))
    assert messages[0] == ("Charnwood had 1,100 residents in mid-2020, 10.0% more than in "
                           "mid-2017 (Leicestershire: +2.5%).")
    assert "ranks 236th of 3 districts" in messages[1]
    assert messages[2].startswith("The population-weighted average IMD 2019 score is 13.2 in "
                                  "Charnwood, 12.3 in Leicestershire and 21.7 in England")
    assert "significantly worse on 1 and better on 1" in messages[-1]
    assert messages[-1].endswith("where it is worse: All crime.")


def test_key_messages_for_the_county_without_england_comparisons(store, catalogue):
    themes = tab.theme_table(store, catalogue, WHOLE_COUNTY)
    messages = text.key_messages(pop.headline_summary(store, WHOLE_COUNTY), None,
                                 pd.DataFrame(), themes, WHOLE_COUNTY)
    assert messages[0].startswith("Leicestershire had 4,100 residents in mid-2020")
    assert messages[-1].startswith("No indicator with a confidence interval has an England")


def test_describe_age_profile_names_the_biggest_difference(population):
    profile = pop.age_profile(population, DISTRICT, bands="broad")
    sentence = text.describe_age_profile(profile)
    assert sentence.startswith("Compared with Leicestershire, Charnwood has proportionally")
    county = pop.age_profile(population, WHOLE_COUNTY, bands="broad")
    assert text.describe_age_profile(county).startswith("The largest five-year age band")
    with pytest.raises(ValueError, match="share"):
        text.describe_age_profile(profile.drop(columns="share"))


def test_for_download_uses_readable_names(store, catalogue):
    table = tables.for_download(tables.with_comparison_symbols(
        tab.theme_table(store, catalogue, DISTRICT)))
    assert {"Area code", "Area", "Indicator", "Period", "Value", "Lower 95% confidence limit",
            "County value", "Compared with county", "England value", "Flag"} <= set(
        table.columns)
    assert "_order" not in tables.for_download(pd.DataFrame({"_order": [1], "value": [2]}))


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


def test_notebook_code_cells_only_call_the_page():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells[1:] if c.cell_type == "code"]
    assert "results = district_results(district, config_path, processed_dir)" in code[1]
    for source in code:
        assert not re.search(r"^\s*(for|if|while|with|def|class)\b", source, re.MULTILINE)
        assert "{" not in source  # no label or format maps
    assert all(s.startswith("page.") for s in code[2:])


@pytest.mark.slow
@pytest.mark.parametrize("district, name", [("E07000130", "Charnwood"),
                                            ("E10000018", "Leicestershire")])
def test_notebook_runs_and_exports(prepared, ingested, tmp_path, district, name):
    from pipeline.reporting.export import export_notebook
    from pipeline.reporting.pack import load_staged_tables

    executed = tmp_path / "01_baseline.ipynb"
    execute(NOTEBOOK, executed, dict(district=district, processed_dir=str(ingested["out"]),
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
        # the pack's baseline page lists the similar districts and compares with them
        assert "baseline_similar_districts" in staged
        assert "Bath and North East Somerset" in html  # Charnwood's most similar district
        assert "Rank among similar (1 = highest)" in html


def test_theme_display_and_download_carry_the_recent_trend(store, catalogue):
    from pipeline.steps.trends import empty_trends, with_trends

    table = with_trends(tab.theme_table(store, catalogue, DISTRICT), empty_trends(), "E07000130")
    table.loc[table["indicator_id"] == "crime_rate", ["trend", "trend_assessment"]] = [
        "increasing", "getting worse"]
    shown = tables.theme_display(table, DISTRICT, "community safety")
    assert shown.columns[-2:].tolist() == ["Recent trend", "flag"]
    assert shown.loc[0, "Recent trend"] == "↑ Increasing, getting worse"
    people = tables.theme_display(table, DISTRICT, "people and place")
    assert set(people["Recent trend"]) == {"Fewer than 5 points"}
    download = tables.for_download(tables.with_comparison_symbols(table)).set_index("Indicator id")
    assert download.loc["crime_rate", "Recent trend (as shown)"] == "↑ Increasing, getting worse"
    assert download.loc["crime_rate", "Recent trend"] == "increasing"
    assert download.loc["population_total", "Comparable points (latest 5 at most)"] == 0


def test_theme_section_states_the_comparison_level(monkeypatch, tmp_path, store, catalogue):
    from pipeline.pages import baseline as page_module

    notes = []
    monkeypatch.setattr(page_module, "show_note", notes.append)
    monkeypatch.setattr(page_module, "show_table", lambda *a, **k: None)
    table = tab.theme_table(store, catalogue, DISTRICT)
    results = SimpleNamespace(area=DISTRICT, theme_counts=tab.comparison_counts(table),
                              comparison_level=99.8)
    BaselinePage(results, tmp_path).theme_counts()
    assert notes == [
        "Comparisons with benchmarks are made at the 99.8% level: an area is significantly "
        "better or worse (higher or lower) than a benchmark when the benchmark lies outside "
        "the area's 99.8% confidence interval, and similar otherwise. This is stricter than "
        "the 95% intervals shown in the tables, so fewer differences are called significant."]


@pytest.mark.slow
def test_real_similar_districts_section_lists_the_fifteen(prepared, tmp_path):
    from pipeline.steps.baseline_area import baseline_area
    from pipeline.steps.similar import similar_of

    _, data = prepared
    area = baseline_area(data.config, data.lsoas, "E07000133")
    similar = similar_of(data.similar, area.code)
    assert len(similar) == 15 and similar["similar_name"].iloc[0] == "Maldon"
    page = BaselinePage(SimpleNamespace(area=area, similar=similar), tmp_path)
    page.similar_districts()
    staged = pd.read_parquet(tmp_path / "tables" / "baseline_similar_districts.parquet")
    assert staged["Similar district"].tolist() == similar["similar_name"].tolist()
    assert staged["Rank (1 = most similar)"].tolist() == list(range(1, 16))
    shown = tables.similar_display(similar)
    assert shown["District"].iloc[0] == "Maldon"
    assert shown["Rank (1 = most similar)"].iloc[-1] == "15"
    note = text.similar_method("Melton", 15)
    assert "not a benchmark of significance" in note and "317 districts" in note
    empty = BaselinePage(SimpleNamespace(area=WHOLE_COUNTY, similar=pd.DataFrame()), tmp_path)
    empty.similar_districts()  # the county overview: a pointer to the district packs, no table
