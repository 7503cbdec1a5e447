"""How users' CSV files are written is read from their bytes (pipeline.ingest.textfile via
read_csv): encodings, delimiters, decimal commas and header spellings give the same values as
the shipped file; bytes that are no text are refused naming the file, offset and line."""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.ingest.common import CodeRegistry, DatasetSpec, read_csv
from pipeline.ingest.tables import read_partner_table
from pipeline.ingest.textfile import detect_delimiter, detect_encoding
from pipeline.paths import CONFIG_DIR

SHIPPED = CONFIG_DIR / "examples" / "partner_indicators_example.csv"


def shipped_rows() -> list[list[str]]:
    with open(SHIPPED, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_table(path: Path, rows: list[list[str]], *, delimiter: str = ",",
                encoding: str = "utf-8", decimal: str = ".") -> Path:
    """Write ``rows`` as a delimited text file the way a spreadsheet program would."""
    if decimal == ",":  # as a spreadsheet in such a locale writes them: 1.641 and 21,4
        rows = [rows[0]] + [[_european(c) for c in row] for row in rows[1:]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _european(cell: str) -> str:
    """'1,641.5' -> '1.641,5'; text that is no number is left alone."""
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})*(\.\d+)?|[+-]?\d+\.\d+", cell):
        return cell.replace(",", "_").replace(".", ",").replace("_", ".")
    return cell


def read(path: Path) -> pd.DataFrame:
    """The partner reader's observations, with any warning turned into a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_partner_table(DatasetSpec("partners", path, "partner_table", {}),
                                  CodeRegistry())


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    out = read(SHIPPED)
    assert len(out) > 0 and out["value"].notna().any()
    return out


def same_values(out: pd.DataFrame, expected: pd.DataFrame) -> None:
    columns = ["area_code", "variable", "period", "category", "value", "flag"]
    pd.testing.assert_frame_equal(out[columns], expected[columns])


# --- rule: encodings are detected from the bytes ----------------------------------------------


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ","),
    ("utf-16", "\t"),      # Excel's "Unicode text": BOM, tab-separated
    ("utf-16-le", "\t"),   # the same without its BOM: told by the NUL bytes
    ("utf-16-be", ","),
])
def test_each_encoding_gives_the_shipped_values(tmp_path, expected, encoding, delimiter):
    rows = shipped_rows()
    rows[1][1] = "Blaby 008A – Café"  # area_name (ignored): letters each encoding writes its way
    path = write_table(tmp_path / "partners.csv", rows, delimiter=delimiter, encoding=encoding)
    same_values(read(path), expected)


def test_detected_encodings_are_named_from_the_bytes():
    assert detect_encoding("a,b\r\n1,é\r\n".encode("utf-16-le"), "f.csv") == "utf-16-le"
    assert detect_encoding("a,b\r\n1,é\r\n".encode("utf-16-be"), "f.csv") == "utf-16-be"
    assert detect_encoding("a,b\r\n1,é\r\n".encode("utf-8-sig"), "f.csv") == "utf-8-sig"
    assert detect_encoding("a,b\r\n1,é\r\n".encode("cp1252"), "f.csv") == "cp1252"
    assert detect_encoding(b"a,b\r\n1,2\r\n", "f.csv") == "utf-8"


def test_undecodable_bytes_are_named_by_offset_and_line(tmp_path):
    good = SHIPPED.read_bytes()
    path = tmp_path / "partners.csv"
    # 0x81 is defined neither in UTF-8 (as a first byte) nor in Windows-1252
    path.write_bytes(good + b"E01025610,\x81bad,x,2018,,1,1,1\r\n")
    with pytest.raises(InputError) as err:
        read_csv(path)
    message = str(err.value)
    line = good.count(b"\n") + 1
    assert message.startswith(f"partners.csv, line {line}: cannot be decoded: "
                              f"byte 0x81 at offset {len(good) + 10} is not valid UTF-8 or "
                              "Windows-1252")
    assert "missing" not in message


def test_a_damaged_utf8_file_is_not_read_as_windows_1252(tmp_path):
    path = tmp_path / "names.csv"
    data = "area_code,name\r\nE01025610,Café\r\n".encode()
    path.write_bytes(data + b"E01025611,Caf\xe9\r\n")  # a lone Latin-1 é after UTF-8 letters
    with pytest.raises(InputError, match=r"names\.csv, line 3: cannot be decoded: byte 0xe9 "
                                         r"at offset \d+ is not valid UTF-8 \("):
        read_csv(path)


def test_a_binary_file_named_csv_is_refused(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    with pytest.raises(InputError, match=r"book\.csv, line 1: is not a text file: a NUL byte "
                                         r"at offset 5"):
        read_csv(path)


# --- rule: other delimiters and decimal commas -------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_with_decimal_commas_give_the_shipped_values(tmp_path, expected,
                                                                      delimiter):
    path = write_table(tmp_path / "partners.csv", shipped_rows(), delimiter=delimiter,
                       decimal=",")
    assert "8,9" in path.read_text()
    same_values(read(path), expected)


def test_dots_between_thousands_with_a_decimal_comma(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("area_code;value;count\nE01025610;1.234,5;2.345\nE01025611;0,5;12\n")
    df = read_csv(path)
    assert df["value"].tolist() == ["1234.5", "0.5"]
    assert df["count"].tolist() == ["2345", "12"]


def test_semicolons_inside_a_comma_file_do_not_split_it(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("area_code,notes,value\nE01025610,a; b; c,1.5\nE01025611,d; e,2.5\n")
    assert detect_delimiter(path.read_text()) == ","
    assert read_csv(path)["value"].tolist() == ["1.5", "2.5"]


def test_a_file_that_cannot_be_parsed_names_its_delimiter(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('area_code;value\nE01025610;"unterminated\n')
    with pytest.raises(InputError, match=r"^broken\.csv: could not be parsed as CSV "
                                         r"\(semicolon-delimited, UTF-8: "):
        read_csv(path)


# --- rule: header spellings users download (partner tables) -----------------------------------


@pytest.mark.parametrize(("code", "name"), [
    ("LSOA11CD", "LSOA11NM"), ("lsoa11cd", "lsoa11nm"), ("LSOA code", "LSOA name"),
    ("Area Code", "Area Name"), ("lsoa_code", "lsoa_name"), ("LSOA 2011 code", "Geography"),
])
def test_partner_header_spellings_give_the_shipped_values(tmp_path, expected, code, name):
    rows = shipped_rows()
    assert rows[0][:2] == ["area_code", "area_name"]
    rows[0][:2] = [code, name]
    same_values(read(write_table(tmp_path / "partners.csv", rows)), expected)


def test_two_headers_for_the_same_column_are_named(tmp_path):
    rows = shipped_rows()
    rows[0][1] = "LSOA11CD"  # beside area_code
    with pytest.raises(InputError, match=r"partners\.csv, row 1, column 'LSOA11CD': columns "
                                         r"'area_code' and 'LSOA11CD' are both read as "
                                         r"area_code"):
        read(write_table(tmp_path / "partners.csv", rows))


@pytest.mark.parametrize(("encoding", "delimiter", "decimal"), [
    ("utf-16", "\t", "."), ("utf-8-sig", ";", ","), ("cp1252", ";", ","),
])
def test_a_ness_table_in_other_forms_gives_the_shipped_values(tmp_path, encoding, delimiter,
                                                              decimal):
    from pipeline.ingest.tables import read_ness_table

    shipped = CONFIG_DIR / "examples" / "ness_style_example.csv"
    with open(shipped, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    path = write_table(tmp_path / "ness.csv", rows, delimiter=delimiter, encoding=encoding,
                       decimal=decimal)

    def observations(file: Path) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = read_ness_table(DatasetSpec("example_ks", file, "ness_table",
                                              {"period": "2011", "vintage": "LSOA11"}),
                                  CodeRegistry())
        return out.drop(columns="source")

    expected = observations(shipped)
    assert expected["value"].notna().sum() > 10
    pd.testing.assert_frame_equal(observations(path), expected)
