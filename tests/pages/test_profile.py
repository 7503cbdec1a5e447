"""Locality profile page: number formats, text, tables as shown, targets in words, downloads,
the real profile's tables, and the notebook executed for three localities (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.context import work_folder
from pipeline.pages.profile import (
    ProfilePage,
    age_download,
    age_table,
    diversity_table,
    forum_stand_in_note,
    intro_text,
    map_summary,
    spine_download,
    spine_table,
    table_name,
    targets_table,
    trend_download,
    trend_table,
    type_words,
)
from pipeline.reporting import display
from pipeline.reporting.format import plot_label_text
from pipeline.reporting.format_cells import (
    format_table_value,
    table_interval_text,
)
from pipeline.steps.profile import (
    age_structure,
    compute_profile,
    diversity_rows,
    locality_targets,
    trend_data,
)
from tests.notebooks import execute
from tests.steps.test_profile import (
    COUNTY,
    DISTRICT,
    HOSTILE,
    LOCALITIES,
    catalogue,
    charnwood_pn,  # noqa: F401  (the real profile, a module fixture)
    district_population,
    population_fixture,
    spine_fixture,
    store_row,
    targets_fixture,
)

# --------------------------------------------------------------------------------------------
# Formats and text


def test_format_value_interval_and_table_name():
    assert format_table_value(30.25) == "30.3"  # halves up, not to even
    assert format_table_value(12345.6) == "12,346"
    assert format_table_value(0.0845) == "0.085"
    assert format_table_value(0) == "0.0"
    assert format_table_value(np.nan) == "–" and format_table_value(None) == "–"
    assert table_interval_text(1.25, 2.0) == "1.3 to 2.0"
    assert table_interval_text(np.nan, 2) == "–"
    name = table_name("pn-" + "x" * 48, "indicators")
    assert len(name) <= 63 and name.startswith("loc_pn_") and name.endswith("_indicators")
    assert plot_label_text(HOSTILE) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_work_folder_defaults_to_the_batch_runner_folder(tmp_path):
    assert work_folder(str(tmp_path), "", "Blaby") == tmp_path
    assert work_folder("", str(tmp_path), "Hinckley and Bosworth") == \
        tmp_path / "runs" / "hinckley-and-bosworth"
    assert work_folder("  ", None, "Blaby").parts[-3:] == ("processed", "runs", "blaby")


def test_type_words_and_intro():
    assert type_words("forum_area") == "community forum area"
    assert type_words("new_kind") == "new kind"
    text = intro_text(HOSTILE, type_words("forum_area"), "Dist", 1, 1487.0, "2020")
    assert text.startswith(f"# {HOSTILE}: locality profile\n\n")
    assert "is a community forum area in Dist" in text
    assert "1 small statistical neighbourhood (LSOA)." in text and "1,487" in text
    assert "X is an area in D. It is made up of 2 small statistical neighbourhoods (LSOAs)." \
        in intro_text("X", "area", "D", 2, None, "")
    assert "population" not in intro_text("X", "town", "D", 2, None, "")
    assert forum_stand_in_note("  Divisions stand in. ") == "Divisions stand in."
    assert forum_stand_in_note(" ") == ""


# --------------------------------------------------------------------------------------------
# Tables as shown and downloads


def test_spine_table_names_the_benchmark_and_england_when_missing():
    table = spine_table(spine_fixture(england=None), county_name="Shire")
    assert table.loc[0, "england"] == "not available"
    assert table.loc[0, "comparison"] == "▼ Significantly worse than Shire"
    assert table.loc[0, "interval"] == "18.0 to 22.0" and table.loc[0, "district"] == "14.0"
    download = spine_download(spine_fixture(), locality_id="loc-1", locality_name=HOSTILE,
                              district_name="Dist", county_name="Shire")
    assert download.loc[0, "Benchmark"] == "England" and download.loc[0, "Locality"] == HOSTILE
    assert "Compared with Dist" in download.columns and "County (Shire)" in download.columns
    with pytest.raises(ValueError, match="x_england"):
        spine_table(spine_fixture().drop(columns="x_england"), county_name="Shire")


def test_diversity_table_compares_with_the_district():
    spine = spine_fixture(polarity_id="pct_mix")
    rows = diversity_rows(spine, indicator_ids=("missing", "pct_mix"))
    table = diversity_table(rows)
    assert table["indicator"].tolist() == ["Mix share"]
    assert table.loc[0, "comparison"].startswith("↑ ") and "the district" in table.loc[0, "comparison"]


def test_age_table_and_download():
    groups = pd.DataFrame({"area_code": ["loc", "dist", "dist"], "lsoa_code": ["L1", "L1", "L2"]})
    age = age_structure(population_fixture(), groups)
    loc = age[age["area_code"] == "loc"]
    table = age_table(age.assign(flag=""), locality_code="loc", comparator_code="dist")
    dist = age[age["area_code"] == "dist"]
    assert table["comparator_share"].tolist() == [format_table_value(v) for v in dist["share"]]
    assert table["persons"].tolist() == loc["persons"].astype(float).tolist()
    download = age_download(age.assign(area_name="Loc", flag=""))
    assert download.columns[:4].tolist() == ["Area code", "Area", "Period", "Age band (years)"]
    assert download["Residents"].sum() == 91 * 4
    with pytest.raises(ValueError, match="area_name"):
        age_download(age)
    with pytest.raises(ValueError, match="no rows for 'x'"):
        age_table(age, locality_code="x", comparator_code="loc")


def test_trend_table_and_download():
    rows = pd.DataFrame([
        store_row("loc", "rate_bad", "2020", 5.0, 4.0, 6.0),
        store_row("loc", "rate_bad", "2021", np.nan, flag="[c]"),
        store_row("dist", "rate_bad", "2020", 3.0), store_row("dist", "rate_bad", "2021", 3.5),
        store_row("loc", "count_x", "2017", 200.0), store_row("loc", "count_x", "2020", 250.0),
        store_row("dist", "count_x", "2017", 1000.0), store_row("dist", "count_x", "2020", 900.0),
    ])
    out = trend_data(rows, catalogue(), area_names={"loc": "Loc", "dist": "Dist"},
                     indicator_ids=("count_x", "rate_bad"))
    table = trend_table(out, locality_code="loc", comparator_code="dist")
    assert table["comparator"].tolist() == ["1,000", "900.0", "3.0", "3.5"]
    assert table["flag"].tolist() == ["", "", "", "[c]"]
    assert table["interval"].tolist() == ["–", "–", "4.0 to 6.0", "–"]
    download = trend_download(out)
    assert download["Area"].tolist()[:2] == ["Loc", "Loc"]
    assert "Lower 95% confidence limit" in download.columns
    with pytest.raises(ValueError, match="flag"):
        trend_download(out.drop(columns="flag"))


def test_targets_in_words():
    rows = locality_targets(targets_fixture(), catalogue(), locality_id="pn-own",
                            county_code=COUNTY, localities=LOCALITIES)
    table = targets_table(rows, district_code=DISTRICT, area_names={DISTRICT: "Dist"})
    words = table.set_index("id")["target"]
    assert words["t_pn"] == "narrow the gap with the rest of the district by 25%"
    assert words["t_dist"] == "15% decrease on the 2021 level"
    assert words["t_loc"] == "reach 60 %"
    assert table.set_index("id").loc["t_pn", "area"] == "all priority neighbourhoods of Dist"
    assert table.set_index("id").loc["t_dist", "area"] == "Dist"
    assert table.set_index("id").loc["t_loc", "area"] == "pn-own"  # no name: the code
    assert table.set_index("id").loc["t_dist", "indicator"] == "Bad thing"
    assert targets_table(rows.head(0), district_code=DISTRICT, area_names={}).empty
    with pytest.raises(ValueError, match="indicator_unit"):
        targets_table(rows.drop(columns="indicator_unit"), district_code=DISTRICT,
                      area_names={})


# --------------------------------------------------------------------------------------------
# Real data


def test_real_tables_of_the_largest_charnwood_priority_neighbourhood(charnwood_pn):  # noqa: F811
    p = charnwood_pn
    table = age_table(p.age, locality_code=p.locality_id, comparator_code=p.district_code)
    aged_0_15 = p.spine.set_index("indicator_id").loc["population_aged_0_15_pct", "value"]
    assert table.set_index("band").loc["0-15", "share"] == pytest.approx(aged_0_15)
    assert table["persons"].sum() == 18167
    assert len(spine_table(p.spine, county_name=p.county_name)) == len(p.spine)
    assert map_summary(p) == (
        f"Map of Charnwood's neighbourhoods shaded by their national IMD 2025 decile "
        f"(1 = most deprived); {p.name}'s 9 neighbourhoods (LSOAs) are outlined.")


def test_real_charts_of_a_locality_named_with_ampersands_draw_the_locality(
        charnwood_pn, monkeypatch, tmp_path):  # noqa: F811
    """The page passes plain names; each chart escapes them once, so the locality keeps its own
    line in every trend panel, its bars in the age chart and its name in the map title."""
    p = charnwood_pn
    assert "&" in p.name
    shown = []
    monkeypatch.setattr(display, "display", lambda obj, raw=False, metadata=None:
                        shown.append(obj[display.PLOTLY_MIMETYPE]))
    page = ProfilePage(p, str(tmp_path), "")
    page.trend_chart()
    page.age_chart()
    page.locality_map()
    trends, age, locality_map = shown
    escaped = plot_label_text(p.name)
    assert "&amp;amp;" not in str(shown)
    panels = {t.get("xaxis", "x") for t in trends["data"]}
    own = [t for t in trends["data"] if t["name"] == escaped]
    assert len(own) == len(panels) == p.trends["indicator_id"].nunique()  # one in every panel
    assert all(t["line"]["dash"] == "solid" for t in own)
    assert [t["name"] for t in age["data"]] == [escaped, "Charnwood"]
    assert locality_map["layout"]["title"]["text"] == f"{escaped} within Charnwood"


def test_real_small_locality_tables_are_protected(prepared, ingested):
    _, area = prepared
    population = district_population(ingested["out"], area, "E07000129")
    p = compute_profile(area, "pn-thorpe-astley", "", population, None)
    table = trend_table(p.trends, locality_code=p.locality_id, comparator_code=p.district_code)
    burglary = table[(table["indicator"] == "Burglary")].set_index("period")
    assert burglary.loc["2020", "flag"] == "[c]" and np.isnan(burglary.loc["2020", "value"])
    assert "[u]" in set(spine_table(p.spine, county_name=p.county_name)["flag"])
    page = ProfilePage(p, "", ingested["out"])
    assert page.work_dir == Path(ingested["out"]) / "runs" / "blaby"


# --------------------------------------------------------------------------------------------
# The notebook, executed and exported (slow)


NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "locality_profile.ipynb"


def _hostile_copy(processed: Path, target: Path, locality_id: str) -> Path:
    """A processed folder whose locality ``locality_id`` is renamed to a hostile name."""
    target.mkdir()
    for item in processed.iterdir():
        if item.name != "localities.parquet":
            (target / item.name).symlink_to(item)
    summary = pd.read_parquet(processed / "localities.parquet")
    summary.loc[summary["locality_id"] == locality_id, "name"] = HOSTILE
    summary.to_parquet(target / "localities.parquet")
    return target


@pytest.mark.slow
def test_notebook_runs_for_a_priority_neighbourhood_a_forum_area_and_a_rural_area(
        prepared, ingested, tmp_path):
    from bs4 import BeautifulSoup

    from pipeline.reporting.export import export_notebook

    _, area = prepared
    charnwood = area.localities[area.localities["lad_code"] == "E07000130"]
    pn = charnwood[charnwood["locality_id"].str.startswith("pn-loughborough-lemyngton")]
    forum = charnwood[charnwood["type"] == "forum_area"]
    rural = charnwood[charnwood["type"] == "rural"]
    hostile_dir = _hostile_copy(ingested["out"], tmp_path / "hostile", rural["locality_id"].iloc[0])
    runs = [(pn["locality_id"].iloc[0], ingested["out"]),
            (forum["locality_id"].iloc[0], ingested["out"]),
            (rural["locality_id"].iloc[0], hostile_dir)]
    for locality_id, processed in runs:
        work = tmp_path / locality_id
        work.mkdir()
        execute(NOTEBOOK, work / "out.ipynb",
                dict(district="E07000130", locality=locality_id, processed_dir=str(processed),
                     output_dir=str(work)))
        page = work / "page.html"
        info = export_notebook(work / "out.ipynb", page, depth=1,
                               context={"parameters": None, "code_version": "test"})
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        assert len(soup.find_all("h1")) == 1
        assert info.title.endswith(": locality profile")
        assert "Traceback" not in html
        assert {"spine-chart", "locality-map", "age-structure", "trends"} <= set(info.chart_ids)
        assert soup.find(id="spine-chart") is not None and soup.find(id="locality-map")
        assert 1 <= len(info.key_messages) <= 5
        headings = [h.text for h in info.headings]
        assert headings[0] == "Key messages" and "How the locality compares" in headings
        assert "see the Forecast page of the district pack" in html
        staged = sorted(p.name for p in (work / "tables").glob("*.parquet"))
        assert len(staged) == 3 and all(name.startswith("loc_") for name in staged)
        if locality_id.startswith("forum-"):
            assert "County Electoral Divisions (May 2019) stand in for community forum areas" \
                in html
        if locality_id.startswith("pn-"):
            assert "Narrow the crime gap between Charnwood" in html  # its targets listed
        if processed == hostile_dir:
            assert HOSTILE not in html and "alert(1)" in html
            assert info.title == f"{HOSTILE}: locality profile"
            assert not any(s.string and "alert(1)" in s.string for s in soup.find_all("script")
                           if "Plotly" not in (s.string or ""))


def test_spine_table_and_download_show_the_recent_trend():
    spine = spine_fixture()
    assert spine_table(spine, county_name="Shire").loc[0, "trend"] == "Fewer than 5 points"
    spine = spine.assign(trend="decreasing", trend_assessment="getting better")
    assert spine_table(spine, county_name="Shire").loc[0, "trend"] == \
        "↓ Decreasing, getting better"
    download = spine_download(spine, locality_id="loc-1", locality_name="L",
                              district_name="Dist", county_name="Shire")
    assert download.loc[0, "Recent trend (latest 5 points)"] == "↓ Decreasing, getting better"


def test_spine_section_states_the_comparison_level(charnwood_pn, monkeypatch):  # noqa: F811
    import dataclasses

    from pipeline.pages import profile as page_module

    notes = []
    monkeypatch.setattr(page_module, "show_note", notes.append)
    monkeypatch.setattr(page_module, "show_figure", lambda *a, **k: None)
    strict = dataclasses.replace(charnwood_pn, comparison_level=99.8)
    ProfilePage(strict, "").spine_section_chart()
    assert any("made at the 99.8% level" in n for n in notes)
