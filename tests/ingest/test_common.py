"""Bad-input tests of the shared reading helpers (pipeline.ingest.common).

Every case must raise :class:`InputError` naming the file and, where there is one, the row
(1-based file line) and column; a Windows-1252 file must simply be read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.errors import InputError
from pipeline.ingest.common import (
    SUPPRESSION_MARKERS,
    CodeRegistry,
    check_unique,
    find_column,
    parse_numbers,
    read_csv,
    read_excel,
)
from pipeline.paths import RAW_DIR

GEOGRAPHY = RAW_DIR / "leicestershire" / "geography"


@pytest.fixture(scope="module")
def registry() -> CodeRegistry:
    """Known Leicestershire LSOA11 codes and their best-fit LSOA21 codes (real lookups)."""
    index = pd.read_csv(GEOGRAPHY / "leicestershire_lsoa11_geography_index.csv", dtype=str)
    bestfit = pd.read_csv(GEOGRAPHY / "ons_lsoa11_lsoa21_lad22_bestfit_v2_leicestershire.csv",
                          dtype=str)
    return CodeRegistry(known={"LSOA11": frozenset(index["LSOA11CD"]),
                               "LSOA21": frozenset(bestfit["LSOA21CD"])})


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a workbook with the given sheets (name -> rows) and return its path."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# --- read_csv ------------------------------------------------------------------------------


def test_read_csv_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"^empty\.csv: the file is empty") as err:
        read_csv(path)
    assert err.value.row is None


def test_read_csv_file_with_only_a_bom_or_newlines_is_empty(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(InputError, match=r"^bom\.csv: the file is empty"):
        read_csv(path)


def test_read_csv_header_only(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("area_code,value\n")
    with pytest.raises(InputError, match=r"^header\.csv: the file has a header but no data rows"):
        read_csv(path)


def test_read_csv_file_not_found(tmp_path):
    with pytest.raises(InputError, match=r"^nowhere\.csv: file not found \(expected at "):
        read_csv(tmp_path / "nowhere.csv")


def test_read_csv_windows_1252_is_read_correctly(tmp_path):
    path = tmp_path / "wards.csv"
    text = "ward_name,spend\r\nAshby-de-la-Zouch – Castle,£1,200\r\nCafé Quarter,£35\r\n"
    path.write_bytes(text.replace(",£1,200", ',"£1,200"').encode("cp1252"))
    df = read_csv(path)
    assert df["ward_name"].tolist() == ["Ashby-de-la-Zouch – Castle", "Café Quarter"]
    assert df["spend"].tolist() == ["£1,200", "£35"]


def test_read_csv_utf8_bom_header_is_clean(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("area_code,value\r\nE01025610,1\r\n".encode("utf-8-sig"))
    assert read_csv(path).columns.tolist() == ["area_code", "value"]


def test_read_csv_unparseable_file(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('a,b\n"unterminated,1\n')
    with pytest.raises(InputError, match=r"^broken\.csv: could not be parsed as CSV"):
        read_csv(path)


def test_read_csv_trailing_comma_on_data_lines_keeps_columns_aligned(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("area_code,value\nE01025610,5,\nE01025611,6,\n")
    df = read_csv(path)
    assert df["area_code"].tolist() == ["E01025610", "E01025611"]


# --- read_excel ----------------------------------------------------------------------------


def test_read_excel_missing_sheet_lists_the_sheets_found(tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Notes": [["x"]], "LSOA data": [["a"], [1]]})
    with pytest.raises(InputError) as err:
        read_excel(path, "IMD 2019")
    assert err.value.file == "book.xlsx"
    assert "sheet 'IMD 2019' is missing" in str(err.value)
    assert "sheets found: Notes, LSOA data" in str(err.value)


def test_read_excel_missing_sheet_by_position(tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Data": [["a"], [1]]})
    with pytest.raises(InputError, match="sheets found: Data"):
        read_excel(path, 3)


def test_read_excel_file_not_found(tmp_path):
    with pytest.raises(InputError, match=r"^nowhere\.xlsx: file not found"):
        read_excel(tmp_path / "nowhere.xlsx")


def test_read_excel_not_a_workbook(tmp_path):
    path = tmp_path / "renamed.xlsx"
    path.write_text("area_code,value\nE01025610,1\n")
    with pytest.raises(InputError, match=r"^renamed\.xlsx: could not be opened as an Excel"):
        read_excel(path)


def test_read_excel_header_only_sheet(tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Data": [["area_code", "value"]]})
    with pytest.raises(InputError, match=r"^book\.xlsx: sheet 'Data' has no data rows"):
        read_excel(path, "Data")


def test_read_excel_reads_text(tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Data": [["area_code", "value"], ["E01025610", 7]]})
    df = read_excel(path, "Data")
    assert df.to_dict("list") == {"area_code": ["E01025610"], "value": ["7"]}


# --- find_column ---------------------------------------------------------------------------


def test_find_column_missing_required_column_names_file_and_column():
    columns = ["LSOA code (2011)", "Index of Multiple Deprivation (IMD) Score"]
    with pytest.raises(InputError) as err:
        find_column(columns, r"imd.*rank", "File_1.csv", what="IMD rank column")
    assert str(err.value).startswith("File_1.csv: missing required column: IMD rank column")
    assert err.value.row is None


def test_find_column_ignores_case_and_padding_and_may_be_optional():
    columns = ["LSOA code (2011) ", "Value"]
    assert find_column(columns, r"^lsoa code", "f.csv") == "LSOA code (2011) "
    assert find_column(columns, r"^rank$", "f.csv", required=False) is None


# --- parse_numbers -------------------------------------------------------------------------


def test_parse_numbers_unrecognised_text_names_row_and_column():
    values = pd.Series(["12", "1,204", "n/a", "5"])
    with pytest.raises(InputError) as err:
        parse_numbers(values, "pop.csv", column="All ages", first_data_line=7)
    assert (err.value.file, err.value.row, err.value.column) == ("pop.csv", 9, "All ages")
    assert "'n/a' is not a number or a recognised suppression marker" in str(err.value)


def test_parse_numbers_row_is_positional_whatever_the_index():
    values = pd.Series(["1", "2", "oops"], index=[10, 11, 12])
    with pytest.raises(InputError, match=r"row 4, column 'v'"):
        parse_numbers(values, "f.csv", column="v")


def test_parse_numbers_markers_and_thousands():
    markers = [m for m in SUPPRESSION_MARKERS]
    values = pd.Series(["1,234.5", " 7 ", *markers, "X", "C"])
    numbers, flags = parse_numbers(values, "f.csv", column="v")
    assert numbers.iloc[:2].tolist() == [1234.5, 7.0]
    assert numbers.iloc[2:].isna().all()
    assert flags.tolist() == ["", "", *SUPPRESSION_MARKERS.values(), "[x]", "[c]"]


def test_parse_numbers_misplaced_comma_is_an_error():
    with pytest.raises(InputError, match="row 2, column 'v'"):
        parse_numbers(pd.Series(["1,23"]), "f.csv", column="v")


# --- CodeRegistry.check --------------------------------------------------------------------


def test_code_check_malformed_code_names_row_and_column():
    codes = pd.Series(["E01025610", "E01025611", "E0102561", "E01025613"])
    with pytest.raises(InputError) as err:
        CodeRegistry().check(codes, "LSOA11", "lsoa.csv", column="LSOA11CD")
    assert (err.value.file, err.value.row, err.value.column) == ("lsoa.csv", 4, "LSOA11CD")
    assert "'E0102561' is not a valid LSOA11 area code" in str(err.value)


def test_code_check_code_of_another_type():
    codes = pd.Series(["E01025610", "E02005340"])
    with pytest.raises(InputError, match=r"row 3, column 'code': 'E02005340' is not a valid LSOA11"):
        CodeRegistry().check(codes, "LSOA11", "lsoa.csv", column="code")


def test_code_check_lsoa21_code_in_a_file_declared_lsoa11(registry):
    # E01035085 is a 2021 LSOA in Leicestershire (best-fit lookup), not a 2011 one.
    assert registry.vintage_of("E01035085") == ["LSOA21"]
    codes = pd.Series(["E01025610", "E01025611", "E01035085"])
    with pytest.raises(InputError) as err:
        registry.check(codes, "LSOA11", "partners.csv", column="area_code", first_data_line=5)
    assert (err.value.file, err.value.row, err.value.column) == ("partners.csv", 7, "area_code")
    assert "it is a LSOA21 code, but the file is declared LSOA11" in str(err.value)


def test_code_check_well_formed_but_unknown_code(registry):
    with pytest.raises(InputError, match=r"row 2.*'E01999999': it is not a known LSOA11 code"):
        registry.check(pd.Series(["E01999999"]), "LSOA11", "f.csv", column="code")


def test_code_check_accepts_known_codes_with_padding(registry):
    registry.check(pd.Series([" E01025610 ", "E01025611"]), "LSOA11", "f.csv", column="code")


# --- check_unique --------------------------------------------------------------------------


def test_check_unique_names_the_repeated_row_and_key():
    df = pd.DataFrame({"area_code": ["E01025610", "E01025611", "E01025610"],
                       "period": ["2019", "2019", "2019"]})
    with pytest.raises(InputError) as err:
        check_unique(df, ["area_code", "period"], "dup.csv")
    assert (err.value.file, err.value.row) == ("dup.csv", 4)
    assert "duplicate key (area_code=E01025610, period=2019)" in str(err.value)


def test_check_unique_passes_distinct_keys():
    df = pd.DataFrame({"area_code": ["E01025610", "E01025610"], "period": ["2019", "2020"]})
    check_unique(df, ["area_code", "period"], "ok.csv")
    assert np.all(~df.duplicated(["area_code", "period"]))
