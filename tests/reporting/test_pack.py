"""Pack assembly: staged tables, CSV and Excel downloads, front page, manifest, county index."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from pipeline.reporting.export import PageContext, Source
from pipeline.reporting.pack import (
    District,
    Download,
    PackPage,
    SiteIndex,
    StagedTable,
    load_staged_tables,
    pack_slug,
    site_entries,
    stage_table,
    write_downloads,
    write_manifest,
    write_pack_index,
    write_site_index,
)

HOSTILE = "<script>window.__pwned=1</script>"
INDICATORS = pd.DataFrame({
    "area_code": ["E07000129", "E01025627"],
    "area_name": ["Blaby", HOSTILE],
    "period": ["2019", "2019"],
    "value": [12.5, np.nan],
    "lower_ci": [11.0, np.nan],
    "upper_ci": [14.1, np.nan],
    "england": [21.7, 21.7],
    "flag": ["", "[c]"],
})
CONTEXT = PageContext(
    parameters={"district": "E07000129", "config_path": "config/area.yaml"},
    code_version="0.1.0+abc", sources=(Source("IoD 2019", "2019"),),
    input_hashes={"b.csv": "2" * 64, "a.csv": "1" * 64}, package_versions={"plotly": "7.1.0"},
    pack_title="Blaby evidence pack")


def test_pack_slug_is_safe_in_paths():
    assert pack_slug("Hinckley and Bosworth") == "hinckley-and-bosworth"
    assert pack_slug("../<b>") == "b"


def test_staged_tables_round_trip_and_return_nothing(tmp_path):
    assert stage_table(INDICATORS, "baseline_indicators", tmp_path, title="Baseline",
                       description="One row per area.") is None
    stage_table(INDICATORS.head(1), "alpha", tmp_path, title="Alpha")
    tables = load_staged_tables(tmp_path)
    assert [t.name for t in tables] == ["alpha", "baseline_indicators"]
    assert tables[1].title == "Baseline" and tables[1].description == "One row per area."
    pd.testing.assert_frame_equal(tables[1].frame, INDICATORS)
    assert load_staged_tables(tmp_path / "nothing") == []


def test_stage_table_refuses_bad_names_and_missing_titles(tmp_path):
    with pytest.raises(ValueError, match="table name"):
        stage_table(INDICATORS, "../escape", tmp_path, title="x")
    with pytest.raises(ValueError, match="title"):
        stage_table(INDICATORS, "ok", tmp_path, title=" ")
    with pytest.raises(TypeError):
        stage_table(INDICATORS.to_dict(), "ok", tmp_path, title="x")


def test_downloads_write_csvs_and_one_workbook_from_a_dict_of_frames(tmp_path):
    long_name = "a_table_name_much_longer_than_thirty_one_characters"
    tables = {"indicators": INDICATORS, long_name: INDICATORS.head(1),
              long_name + "_2": INDICATORS.head(1)}
    downloads = write_downloads(tables, tmp_path, workbook_name="blaby-tables",
                                title="Blaby evidence pack: tables",
                                about=[("District", "Blaby (E07000129)")])
    assert [d.href for d in downloads] == [
        "downloads/blaby-tables.xlsx", f"downloads/{long_name}.csv",
        f"downloads/{long_name}_2.csv", "downloads/indicators.csv"]
    assert [d.format for d in downloads] == ["Excel", "CSV", "CSV", "CSV"]
    raw = (tmp_path / "downloads" / "indicators.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfarea_code,area_name,period,value,lower_ci,upper_ci")
    assert b"\r\n" not in raw
    back = pd.read_csv(tmp_path / "downloads" / "indicators.csv", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    assert back.loc[1].tolist() == ["E01025627", HOSTILE, "2019", "", "", "", "21.7", "[c]"]

    book = load_workbook(tmp_path / "downloads" / "blaby-tables.xlsx")
    assert book.sheetnames == ["About", long_name[:31], long_name[:29] + "_2", "indicators"]
    sheet = book["indicators"]
    assert [c.value for c in sheet[1]] == list(INDICATORS.columns)
    assert [c.value for c in sheet[3]] == ["E01025627", HOSTILE, "2019", None, None, None,
                                           21.7, "[c]"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    about = [[c.value for c in row] for row in book["About"].iter_rows()]
    assert about[0] == ["Blaby evidence pack: tables", None, None, None]
    assert ["District", "Blaby (E07000129)", None, None] in about
    assert ["[c]", "suppressed to protect confidentiality (small numbers)", None, None] in about
    assert ["indicators", "Indicators", None, 2] in about


def test_the_workbook_is_byte_identical_between_writes(tmp_path):
    first = write_downloads({"t": INDICATORS}, tmp_path / "a", workbook_name="x", title="T")
    second = write_downloads({"t": INDICATORS}, tmp_path / "b", workbook_name="x", title="T")
    assert first == second
    assert ((tmp_path / "a/downloads/x.xlsx").read_bytes()
            == (tmp_path / "b/downloads/x.xlsx").read_bytes())


def test_no_tables_no_downloads_and_bad_names_refused(tmp_path):
    assert write_downloads({}, tmp_path, workbook_name="x", title="T") == []
    assert not (tmp_path / "downloads").exists()
    with pytest.raises(ValueError, match="table name"):
        write_downloads({"Bad Name": INDICATORS}, tmp_path, workbook_name="x", title="T")


PAGES = [
    PackPage(title="Baseline", href="01-baseline.html", kind="step", notebook="01_baseline",
             chart_ids=("a", "b"), key_messages=("First message.",)),
    PackPage(title=f"Evidence for {HOSTILE}", href="02-evidence.html", kind="step",
             notebook="02_evidence", key_messages=(f"Worst in {HOSTILE}.",)),
    PackPage(title="Locality profile: Zeta", href="localities/zeta.html", kind="locality",
             notebook="locality_profile", label="Zeta"),
    PackPage(title="Locality profile", href="localities/pwn.html", kind="locality",
             notebook="locality_profile", label=HOSTILE),
]
DOWNLOADS = [Download(title="All tables", href="downloads/blaby-tables.xlsx", format="Excel"),
             Download(title="Indicators", href="downloads/indicators.csv", format="CSV",
                      rows=1234, description=f"About {HOSTILE}.")]


def test_front_page_leads_with_key_messages_then_pages_then_downloads(tmp_path):
    district = District("E07000129", f"Blaby {HOSTILE}", "Leicestershire")
    path = write_pack_index(tmp_path, district=district, pages=PAGES, downloads=DOWNLOADS,
                            context=CONTEXT)
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h1")] == [f"Blaby {HOSTILE} evidence pack"]
    assert [h.get_text() for h in soup.find("main").find_all("h2")] == [
        "Key messages", "The evidence, step by step", "Locality profiles", "Downloads"]
    assert [li.get_text() for li in soup.find("section", class_="key-messages").find_all("li")] \
        == ["First message.", f"Worst in {HOSTILE}."]
    links = [(a["href"], a.get_text()) for a in soup.find("main").find_all("a")]
    assert links == [
        ("01-baseline.html", "Baseline"), ("02-evidence.html", f"Evidence for {HOSTILE}"),
        ("localities/pwn.html", HOSTILE), ("localities/zeta.html", "Zeta"),
        ("downloads/blaby-tables.xlsx", "All tables"), ("downloads/indicators.csv", "Indicators")]
    assert "(CSV, 1,234 rows): About" in soup.get_text()
    assert soup.find("a", href="../index.html") is not None
    assert "0.1.0+abc" in soup.find("footer").get_text()


def test_front_page_says_plainly_when_there_is_nothing(tmp_path):
    html = write_pack_index(tmp_path, district=District("E1", "Melton"), pages=[], downloads=[],
                            context=CONTEXT).read_text()
    assert "There are no key messages in this pack yet." in html
    assert "There are no locality profiles in this pack" in html
    assert "There are no downloads for this pack." in html


def test_manifest_lists_inputs_parameters_code_and_pages_with_sorted_keys(tmp_path):
    district = District("E07000129", "Blaby", "Leicestershire")
    path = write_manifest(tmp_path, district=district, context=CONTEXT, pages=PAGES,
                          downloads=DOWNLOADS)
    text = path.read_text()
    manifest = json.loads(text)
    assert list(manifest) == sorted(manifest)
    assert manifest["district"] == {"code": "E07000129", "name": "Blaby", "slug": "blaby"}
    assert list(manifest["input_hashes"]) == ["a.csv", "b.csv"]
    assert manifest["parameters"] == {"config_path": "config/area.yaml", "district": "E07000129"}
    assert manifest["code_version"] == "0.1.0+abc"
    assert [(p["href"], p["charts"]) for p in manifest["pages"]] == [
        ("01-baseline.html", 2), ("02-evidence.html", 0), ("localities/zeta.html", 0),
        ("localities/pwn.html", 0)]
    assert "seconds" not in text
    again = write_manifest(tmp_path / "again", district=district, context=CONTEXT, pages=PAGES,
                           downloads=DOWNLOADS)
    assert again.read_bytes() == path.read_bytes()


def test_county_index_lists_every_district_and_escapes_names(tmp_path):
    districts = [District("E1", "Blaby"), District("E2", HOSTILE), District("E3", "Melton")]
    (tmp_path / "blaby").mkdir()
    (tmp_path / "blaby" / "index.html").write_text("x")
    (tmp_path / "melton").mkdir()
    (tmp_path / "melton" / "index.html").write_text("x")
    entries = site_entries(tmp_path, districts, failed={"E2": "boom", "E3": "boom"})
    assert [(e.href, e.note) for e in entries] == [
        ("blaby/index.html", ""),
        ("", "not available: the last run failed"),
        ("melton/index.html", "not updated: the last run failed, this pack is from an earlier run"),
    ]
    path = write_site_index(tmp_path, SiteIndex(county="Leicestershire", entries=entries,
                                                code_version="0.1.0"))
    html = path.read_text()
    assert "<script" not in html and "&lt;script&gt;" in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1").get_text() == "Leicestershire evidence packs"
    assert [a["href"] for a in soup.find("main").find_all("a")] == [
        "blaby/index.html", "melton/index.html"]
    assert (tmp_path / "assets" / "style.css").exists()


def test_staged_table_objects_are_accepted_as_downloads(tmp_path):
    staged = [StagedTable(name="b", title="B table", frame=INDICATORS, description="d")]
    downloads = write_downloads(staged, tmp_path, workbook_name="w", title="W")
    assert downloads[1] == Download(title="B table", href="downloads/b.csv", format="CSV",
                                    rows=2, description="d", sha256=downloads[1].sha256)
