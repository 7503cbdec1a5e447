"""Tests for the NeSS-style and partner table readers (pipeline.ingest.tables)."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.errors import InputError
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.ingest.tables import (
    READERS,
    parse_ness_grid,
    read_grid,
    read_ness_table,
    read_partner_table,
    snake_case,
)
from pipeline.paths import CONFIG_DIR, RAW_DIR
from pipeline.schema import OBSERVATIONS

EXAMPLES = CONFIG_DIR / "examples"
GEOGRAPHY = RAW_DIR / "leicestershire" / "geography"

#: A NeSS-style table as lines of a file: 4 metadata lines, a blank line, the header on
#: line 6, data on lines 7-10, then footnotes.
NESS_LINES = [
    '"Table KS101EW: Usual resident population"',
    '"Units: Persons"',
    '"Date: 2011"',
    '"Geography: Lower Layer Super Output Areas"',
    "",
    '"LSOA code","LSOA name","All usual residents","Aged 65+ (%)"',
    '"E01025610","Blaby 008A","1523","21.4"',
    '"E01025611","Blaby 008B","1,641","18.9"',
    '"E01025612","Blaby 008C","*",".."',
    '"E01025613","Blaby 010A","1402","-"',
    "",
    '"Notes"',
    '"* = suppressed; .. = not available"',
    '"Source: Office for National Statistics"',
]


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    """Write ``lines`` as a text file and return its path."""
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    """Write ``rows`` (None = empty cell) to one sheet of a new workbook."""
    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def ness_spec(path: Path, **options: object) -> DatasetSpec:
    """A catalogue entry for a NeSS-style table, period 2011 unless given."""
    return DatasetSpec("ks101", path, "ness_table", {"period": "2011", **options})


def partner_spec(path: Path, **options: object) -> DatasetSpec:
    """A catalogue entry for a partner table."""
    return DatasetSpec("partners", path, "partner_table", dict(options))


def value_of(obs: pd.DataFrame, area: str, variable: str, category: str = "") -> float:
    """The single value for one area x variable (x category) in an observation frame."""
    hit = obs[(obs.area_code == area) & (obs.variable == variable) & (obs.category == category)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


@pytest.fixture(scope="module")
def registry() -> CodeRegistry:
    """Known Leicestershire LSOA11 codes and their best-fit LSOA21 codes."""
    index = pd.read_csv(GEOGRAPHY / "leicestershire_lsoa11_geography_index.csv", dtype=str)
    bestfit = pd.read_csv(GEOGRAPHY / "ons_lsoa11_lsoa21_lad22_bestfit_v2_leicestershire.csv",
                          dtype=str)
    return CodeRegistry(known={"LSOA11": frozenset(index["LSOA11CD"]),
                               "LSOA21": frozenset(bestfit["LSOA21CD"])})


def test_readers_registry_names_both_layouts():
    assert READERS == {"ness_table": read_ness_table, "partner_table": read_partner_table}


@pytest.mark.parametrize(("header", "expected"), [
    ("All usual residents", "all_usual_residents"),
    ("Aged 65+ (%)", "aged_65_plus_pct"),
    ("  Owner occupied & shared ownership ", "owner_occupied_and_shared_ownership"),
    ("Café visits", "cafe_visits"),
])
def test_snake_case(header, expected):
    assert snake_case(header) == expected


def test_snake_case_of_symbols_only_is_empty():
    assert snake_case("***") == ""


# --------------------------------------------------------------------------------------------
# NeSS-style tables


def test_ness_csv_finds_header_below_metadata_and_stops_at_footnotes(tmp_path):
    path = write_lines(tmp_path / "ks101.csv", NESS_LINES)
    obs = read_ness_table(ness_spec(path), CodeRegistry())
    OBSERVATIONS.validate(obs)
    assert sorted(obs.variable.unique()) == ["ks101_aged_65_plus_pct", "ks101_all_usual_residents"]
    assert len(obs) == 8  # 4 areas x 2 value columns; name column and footnotes not read
    assert set(obs.area_code) == {"E01025610", "E01025611", "E01025612", "E01025613"}
    assert value_of(obs, "E01025611", "ks101_all_usual_residents") == 1641.0  # "1,641"
    assert value_of(obs, "E01025610", "ks101_aged_65_plus_pct") == 21.4
    assert set(obs.period) == {"2011"} and set(obs.category) == {""}
    assert set(obs.area_type) == {"LSOA11"} and set(obs.source) == {"ks101.csv"}


def test_ness_xlsx_reads_the_same_as_csv(tmp_path):
    rows: list[list[object]] = [
        ["Table KS101EW: Usual resident population"], ["Units: Persons"], [None],
        ["LSOA code", "LSOA name", "All usual residents", "Aged 65+ (%)"],
        ["E01025610", "Blaby 008A", 1523, 21.4],
        ["E01025611", "Blaby 008B", 1641, 18.9],
        ["E01025612", "Blaby 008C", "*", ".."],
        ["E01025613", "Blaby 010A", 1402, "-"],
        [None], ["Source: Office for National Statistics"],
    ]
    xlsx = read_ness_table(ness_spec(write_xlsx(tmp_path / "ks101.xlsx", rows)), CodeRegistry())
    csv = read_ness_table(ness_spec(write_lines(tmp_path / "ks101.csv", NESS_LINES)),
                          CodeRegistry())
    pd.testing.assert_frame_equal(xlsx.drop(columns="source"), csv.drop(columns="source"))


def test_ness_xlsx_named_sheet_and_missing_sheet(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [["Title"], ["code", "v"], ["E01025610", 3]], "Data")
    obs = read_ness_table(ness_spec(path, sheet="Data", prefix=""), CodeRegistry())
    assert obs.variable.tolist() == ["v"] and obs.value.tolist() == [3.0]
    with pytest.raises(InputError, match=r"t\.xlsx: sheet 'Table 1' is missing.*Data"):
        read_ness_table(ness_spec(path, sheet="Table 1"), CodeRegistry())


@pytest.mark.parametrize(("marker", "flag"), [
    ("*", "[c]"), ("c", "[c]"), ("..", "[x]"), ("-", "[x]"), (":", "[x]"), ("x", "[x]"),
    ("", "[x]"),
])
def test_ness_each_suppression_marker_becomes_missing_with_flag(tmp_path, marker, flag):
    lines = ["Title", "", "Area code,Count", "E01025610,12", f"E01025611,{marker}"]
    obs = read_ness_table(ness_spec(write_lines(tmp_path / "m.csv", lines)), CodeRegistry())
    marked = obs.set_index("area_code")
    assert np.isnan(marked.loc["E01025611", "value"])
    assert marked.loc["E01025611", "flag"] == flag
    assert (marked.loc["E01025610", "value"], marked.loc["E01025610", "flag"]) == (12.0, "")


def test_ness_bad_value_error_gives_the_real_line_and_column(tmp_path):
    lines = NESS_LINES.copy()
    lines[8] = '"E01025612","Blaby 008C","n/a",".."'  # file line 9
    path = write_lines(tmp_path / "ks101.csv", lines)
    with pytest.raises(InputError) as err:
        read_ness_table(ness_spec(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("ks101.csv", 9,
                                                                  "All usual residents")
    assert "'n/a' is not a number" in str(err.value)


def test_ness_xlsx_bad_code_error_gives_the_real_row(tmp_path, registry):
    rows: list[list[object]] = [["Title"], [None], ["Date: 2011"], [None],
                                ["LSOA11CD", "Count"], ["E01025610", 5], ["E01035085", 6]]
    path = write_xlsx(tmp_path / "t.xlsx", rows)
    with pytest.raises(InputError, match=r"t\.xlsx, row 7, column 'LSOA11CD'.*LSOA21"):
        read_ness_table(ness_spec(path), registry)


def test_ness_data_row_after_a_non_code_row_is_an_error(tmp_path):
    lines = NESS_LINES[:8] + ['"E0102561X","Blaby 008C","5","1"'] + NESS_LINES[9:]
    with pytest.raises(InputError) as err:
        read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines)), CodeRegistry())
    assert err.value.row == 9 and err.value.column == "LSOA code"
    assert "area codes follow again at row 10" in str(err.value)


def test_ness_footnote_starting_with_a_marker_ends_the_data(tmp_path):
    lines = ["Title", "code,people", "E01025610,4", "* figures below 3 suppressed",
             "Source: example"]
    obs = read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines)), CodeRegistry())
    assert obs.area_code.tolist() == ["E01025610"]


def test_ness_bad_area_code_for_the_vintage_names_the_line(tmp_path):
    lines = ["Title", "", "code,people", "E01025610,4", "E02005340,5"]
    with pytest.raises(InputError, match=r"t\.csv, row 5, column 'code'.*not a valid LSOA11"):
        read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines)), CodeRegistry())


def test_ness_repeated_area_names_the_line(tmp_path):
    lines = ["Title", "code,people", "E01025610,4", "E01025611,5", "E01025610,6"]
    with pytest.raises(InputError, match=r"row 5: duplicate key \(area_code=E01025610\)"):
        read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines)), CodeRegistry())


def test_ness_options_prefix_vintage_and_skip_columns(tmp_path):
    lines = ["Title", "MSOA code,Local authority,Households", "E02005340,Blaby,\"2,310\""]
    spec = ness_spec(write_lines(tmp_path / "t.csv", lines), prefix="hh", vintage="MSOA11",
                     skip_columns=["Local authority"])
    obs = read_ness_table(spec, CodeRegistry())
    assert obs[["area_code", "area_type", "variable"]].values.tolist() == [
        ["E02005340", "MSOA11", "hh_households"]]
    assert obs.value.tolist() == [2310.0]


def test_ness_text_column_not_skipped_is_an_error(tmp_path):
    lines = ["Title", "code,Local authority,Households", "E02005340,Blaby,2310"]
    with pytest.raises(InputError, match=r"row 3, column 'Local authority'"):
        read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines), vintage="MSOA11"),
                        CodeRegistry())


def test_ness_period_option_is_required(tmp_path):
    path = write_lines(tmp_path / "t.csv", NESS_LINES)
    spec = DatasetSpec("ks101", path, "ness_table", {"vintage": "LSOA11"})
    with pytest.raises(InputError, match="reader option 'period' is missing .* 'ks101'"):
        read_ness_table(spec, CodeRegistry())


def test_ness_unknown_vintage_is_an_error(tmp_path):
    path = write_lines(tmp_path / "t.csv", NESS_LINES)
    with pytest.raises(InputError, match="vintage 'LSOA2011'"):
        read_ness_table(ness_spec(path, vintage="LSOA2011"), CodeRegistry())


def test_ness_without_area_codes_is_an_error(tmp_path):
    path = write_lines(tmp_path / "t.csv", ["Title", "code,people", "Blaby,4"])
    with pytest.raises(InputError, match=r"t\.csv: no rows of area codes found"):
        read_ness_table(ness_spec(path), CodeRegistry())


def test_ness_without_header_row_is_an_error(tmp_path):
    path = write_lines(tmp_path / "t.csv", ["", "E01025610,4"])
    with pytest.raises(InputError, match=r"t\.csv, row 2: no header row"):
        read_ness_table(ness_spec(path), CodeRegistry())


def test_ness_headers_that_collide_are_an_error(tmp_path):
    path = write_lines(tmp_path / "t.csv", ["code,All people,All people [1]", "E01025610,4,5"])
    with pytest.raises(InputError, match=r"row 1, column 'All people \[1\]'.*both become"):
        read_ness_table(ness_spec(path), CodeRegistry())


def test_ness_total_row_without_code_above_data_is_not_taken_as_header(tmp_path):
    lines = ["Title", "code,name,people", ",Blaby,\"94,000\"", "E01025610,Blaby 008A,1523"]
    with pytest.raises(InputError, match=r"row 3, column '94,000': header '94,000' is a number"):
        read_ness_table(ness_spec(write_lines(tmp_path / "t.csv", lines)), CodeRegistry())


def test_ness_values_under_a_blank_header_are_an_error(tmp_path):
    path = write_lines(tmp_path / "t.csv", ["code,people,", "E01025610,4,5"])
    with pytest.raises(InputError, match=r"row 1: column 3 has values but no header"):
        read_ness_table(ness_spec(path), CodeRegistry())


def test_ness_gzipped_windows_1252_csv(tmp_path):
    lines = ["Table: Spend per head (£)", "code,Spend £", "E01025610,12.50"]
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress("\r\n".join(lines).encode("cp1252")))
    obs = read_ness_table(ness_spec(path, prefix=""), CodeRegistry())
    assert obs[["variable", "value"]].values.tolist() == [["spend", 12.5]]


def test_read_grid_keeps_blank_lines_so_rows_are_file_lines(tmp_path):
    grid = read_grid(write_lines(tmp_path / "t.csv", NESS_LINES))
    assert grid.shape == (14, 4)
    assert grid.iat[5, 0] == "LSOA code" and grid.iat[4, 0] == "" and grid.iat[0, 1] == ""


def test_parse_ness_grid_on_an_inline_grid():
    grid = pd.DataFrame([["Title", ""], ["code", "n"], ["E01025610", "7"]])
    obs = parse_ness_grid(grid, "g.csv", area_type="LSOA11", period="2020", prefix="p",
                          codes=CodeRegistry())
    assert obs[["variable", "period", "value"]].values.tolist() == [["p_n", "2020", 7.0]]


def test_unsupported_file_type_is_an_error(tmp_path):
    path = tmp_path / "t.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"t\.xls: old Excel \.xls"):
        read_ness_table(ness_spec(path), CodeRegistry())


# --------------------------------------------------------------------------------------------
# Partner tables

PARTNER_ROWS: list[list[object]] = [
    ["area_code", "indicator", "period", "value", "numerator", "denominator", "category"],
    ["E01025610", "fuel_poverty_pct", "2019", 8.4, 55, 655, None],
    ["E01025611", "fuel_poverty_pct", "2019", "c", None, None, None],
    ["E01025610", "volunteers_count", "2019", 37, None, None, "sex:female"],
    ["E01025610", "volunteers_count", "2019", 29, None, None, "sex:male"],
]


def partner_csv(path: Path, rows: list[list[object]] = PARTNER_ROWS) -> Path:
    """Write partner rows as CSV (None = empty field)."""
    return write_lines(path, [",".join("" if v is None else str(v) for v in row) for row in rows])


def test_partner_csv_round_trip(tmp_path):
    obs = read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv")), CodeRegistry())
    OBSERVATIONS.validate(obs)
    assert len(obs) == 6  # 4 values + 1 numerator + 1 denominator
    assert value_of(obs, "E01025610", "fuel_poverty_pct") == 8.4
    assert value_of(obs, "E01025610", "fuel_poverty_pct__numerator") == 55.0
    assert value_of(obs, "E01025610", "fuel_poverty_pct__denominator") == 655.0
    assert value_of(obs, "E01025610", "volunteers_count", "sex:female") == 37.0
    suppressed = obs[obs.area_code == "E01025611"]
    assert suppressed[["variable", "flag"]].values.tolist() == [["fuel_poverty_pct", "[c]"]]
    assert suppressed.value.isna().all()
    assert set(obs.area_type) == {"LSOA11"} and set(obs.period) == {"2019"}


def test_partner_xlsx_round_trip_matches_csv(tmp_path):
    xlsx = read_partner_table(partner_spec(write_xlsx(tmp_path / "p.xlsx", PARTNER_ROWS)),
                              CodeRegistry())
    csv = read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv")), CodeRegistry())
    pd.testing.assert_frame_equal(xlsx.drop(columns="source"), csv.drop(columns="source"))
    assert set(xlsx.source) == {"p.xlsx"}


def test_partner_xlsx_sheet_option(tmp_path):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Read the other sheet"])
    data = book.create_sheet("Indicators")
    for row in PARTNER_ROWS[:2]:
        data.append(row)
    book.save(tmp_path / "p.xlsx")
    obs = read_partner_table(partner_spec(tmp_path / "p.xlsx", sheet="Indicators"),
                             CodeRegistry())
    assert len(obs) == 3
    with pytest.raises(InputError, match="sheet 'Data' is missing .*Notes, Indicators"):
        read_partner_table(partner_spec(tmp_path / "p.xlsx", sheet="Data"), CodeRegistry())


def test_partner_duplicate_key_names_the_row(tmp_path):
    rows = PARTNER_ROWS + [["E01025610", "volunteers_count", "2019", 30, None, None, "sex:male"]]
    with pytest.raises(InputError) as err:
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), CodeRegistry())
    assert err.value.row == 6 and "duplicate key" in str(err.value)
    assert "indicator=volunteers_count" in str(err.value)


def test_partner_bad_value_names_row_and_column(tmp_path):
    rows = PARTNER_ROWS[:2] + [["E01025611", "fuel_poverty_pct", "2019", "8.4%", 1, 2, None]]
    with pytest.raises(InputError, match=r"p\.csv, row 3, column 'value': '8\.4%' is not a"):
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), CodeRegistry())


def test_partner_missing_required_column(tmp_path):
    rows = [[c for c in row[:3]] for row in PARTNER_ROWS]
    with pytest.raises(InputError, match=r"p\.csv: missing required column: value"):
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), CodeRegistry())


def test_partner_unknown_column_is_an_error(tmp_path):
    rows = [row + ["x"] for row in PARTNER_ROWS]
    rows[0][-1] = "numerater"
    with pytest.raises(InputError, match=r"row 1, column 'numerater': unknown column"):
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), CodeRegistry())


@pytest.mark.parametrize(("column", "bad", "message"), [
    ("indicator", "Fuel poverty %", "is not an indicator id"),
    ("indicator", "fuel__numerator", "is not an indicator id"),
    ("period", "", "is empty"),
    ("area_code", "E0102561", "is not a valid LSOA11 area code"),
])
def test_partner_bad_key_cell_names_row_and_column(tmp_path, column, bad, message):
    rows = [row.copy() for row in PARTNER_ROWS]
    rows[3][PARTNER_ROWS[0].index(column)] = bad
    with pytest.raises(InputError) as err:
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), CodeRegistry())
    assert (err.value.row, err.value.column) == (4, column) and message in str(err.value)


def test_partner_period_turned_into_a_date_by_excel_is_an_error(tmp_path):
    rows = [row.copy() for row in PARTNER_ROWS[:3]]
    rows[2][2] = datetime(2019, 4, 1)
    with pytest.raises(InputError, match=r"row 3, column 'period': '2019-04-01 00:00:00' is an"):
        read_partner_table(partner_spec(write_xlsx(tmp_path / "p.xlsx", rows)), CodeRegistry())


def test_partner_code_of_another_vintage(tmp_path, registry):
    rows = PARTNER_ROWS[:2] + [["E01035085", "fuel_poverty_pct", "2019", 9.1, None, None, None]]
    with pytest.raises(InputError, match=r"row 3, column 'area_code'.*LSOA21 code.*LSOA11"):
        read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows)), registry)
    rows = PARTNER_ROWS[:1] + [["E01035085", "fuel_poverty_pct", "2019", 9.1, None, None, None]]
    obs = read_partner_table(partner_spec(partner_csv(tmp_path / "p.csv", rows),
                                          vintage="LSOA21"), registry)
    assert obs.area_type.tolist() == ["LSOA21"]


def test_partner_excel_csv_quirks_trailing_commas_and_blank_lines(tmp_path):
    lines = ["area_code,indicator,period,value", "E01025610,a_pct,2019,1,",
             "E01025611,a_pct,2019,2,", ",,,", ",,,"]
    obs = read_partner_table(partner_spec(write_lines(tmp_path / "p.csv", lines)),
                             CodeRegistry())
    assert obs[["area_code", "value"]].values.tolist() == [["E01025610", 1.0],
                                                           ["E01025611", 2.0]]


def test_partner_blank_line_between_rows_is_reported(tmp_path):
    lines = ["area_code,indicator,period,value", "E01025610,a_pct,2019,1", "",
             "E01025611,a_pct,2019,2"]
    with pytest.raises(InputError, match=r"row 3, column 'area_code'"):
        read_partner_table(partner_spec(write_lines(tmp_path / "p.csv", lines)),
                           CodeRegistry())


def test_partner_header_and_blank_lines_only(tmp_path):
    path = write_lines(tmp_path / "p.csv", ["area_code,indicator,period,value", ",,,"])
    with pytest.raises(InputError, match=r"p\.csv: the file has a header but no data rows"):
        read_partner_table(partner_spec(path), CodeRegistry())


def test_partner_file_not_found(tmp_path):
    with pytest.raises(InputError, match=r"missing\.xlsx: file not found"):
        read_partner_table(partner_spec(tmp_path / "missing.xlsx"), CodeRegistry())


# --------------------------------------------------------------------------------------------
# The example files shipped for officers


def test_shipped_partner_examples_read_and_agree(registry):
    csv = read_partner_table(partner_spec(EXAMPLES / "partner_indicators_example.csv"), registry)
    xlsx = read_partner_table(partner_spec(EXAMPLES / "partner_indicators_example.xlsx"),
                              registry)
    pd.testing.assert_frame_equal(csv.drop(columns="source"), xlsx.drop(columns="source"))
    assert len(csv) == 53  # 21 values + 16 numerators + 16 denominators
    assert set(csv.variable) == {
        "example_fuel_poverty_pct", "example_fuel_poverty_pct__numerator",
        "example_fuel_poverty_pct__denominator", "example_satisfied_with_area_pct",
        "example_satisfied_with_area_pct__numerator",
        "example_satisfied_with_area_pct__denominator", "example_volunteers_count"}
    assert all(v.startswith("example_") for v in csv.variable)
    # value agrees with numerator / denominator where both are given
    wide = csv.pivot_table(index=["area_code", "period", "category"], columns="variable",
                           values="value")
    ratio = 100 * wide["example_fuel_poverty_pct__numerator"] \
        / wide["example_fuel_poverty_pct__denominator"]
    np.testing.assert_allclose(ratio.round(1), wide["example_fuel_poverty_pct"])
    assert csv.flag.value_counts().to_dict() == {"": 51, "[c]": 1, "[x]": 1}


def test_shipped_ness_example_reads(registry):
    spec = DatasetSpec("example_ks", EXAMPLES / "ness_style_example.csv", "ness_table",
                       {"period": "2011", "vintage": "LSOA11"})
    obs = read_ness_table(spec, registry)
    assert len(obs) == 32  # 8 LSOAs x 4 value columns
    assert sorted(obs.variable.unique()) == [
        "example_ks_aged_65_and_over_pct", "example_ks_all_usual_residents",
        "example_ks_households_with_no_car_or_van", "example_ks_lone_parent_households"]
    assert value_of(obs, "E01025611", "example_ks_all_usual_residents") == 1641.0
    assert obs.flag.value_counts().to_dict() == {"": 26, "[x]": 4, "[c]": 2}
