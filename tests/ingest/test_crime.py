"""Tests for the police.uk street-level crime reader (real files plus small fixtures)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.indicators import parse_terms
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.ingest.crime import (
    READERS,
    count_crimes,
    read_police_street,
    read_street_file,
    read_street_records,
    street_files,
    unplaced_records,
)
from pipeline.ingest.population import read_sape_syoa
from pipeline.paths import CONFIG_DIR, RAW_DIR
from pipeline.schema import OBSERVATIONS, validate

CRIME_DIR = RAW_DIR / "leicestershire" / "crime"
SHIPPED = (CRIME_DIR
           / "police_uk_street_leicestershire_leicestershire_lsoa_rows_2019-12_2022-10.csv.gz")
DERIVED = (CRIME_DIR
           / "DERIVED_police_uk_street_counts_lsoa11_month_crimetype__leicestershire.csv.gz")
ORIGINAL = CRIME_DIR / "original_example_2021-05-leicestershire-street.csv.gz"
MID2020 = (RAW_DIR / "national" / "population"
           / "ons_sape_mid2020_lsoa11_syoa_persons_demographr__ew.csv.gz")

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


def spec_for(path: Path) -> DatasetSpec:
    return DatasetSpec(id="crime", path=path, reader="police_street", options={"vintage": "LSOA11"})


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return read_police_street(spec_for(SHIPPED), CodeRegistry())


def record(month: str, lsoa: str, crime_type: str, force: str = "Leicestershire Police",
           crime_id: str = "abc") -> str:
    located = ("-1.2,52.6,On or near Main Street", f"{lsoa},Blaby 008A")
    where = located if lsoa else (",,No Location", ",")
    return ",".join([crime_id, month, force, force, where[0], where[1], crime_type,
                     "Under investigation", ""])


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    text = "\n".join([header, *rows]) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_registered_under_catalogue_name():
    assert READERS == {"police_street": read_police_street}


# ---------------------------------------------------------------- shipped county file


def test_shipped_grid_is_396_lsoas_35_months_14_types(shipped):
    validate(shipped, OBSERVATIONS, "crime")
    by_type = shipped[shipped["category"] != ""]
    assert by_type["area_code"].nunique() == 396
    assert by_type["period"].nunique() == 35
    assert by_type["category"].nunique() == 14
    assert len(by_type) == 396 * 35 * 14
    assert len(shipped) == 396 * 35 * 15  # plus the all-types total per LSOA x month
    assert shipped["period"].min() == "2019-12" and shipped["period"].max() == "2022-10"
    assert set(shipped["variable"]) == {"crime_count"}
    assert set(shipped["area_type"]) == {"LSOA11"}
    assert shipped.attrs["unplaced_records"] == 0


def test_shipped_non_zero_counts_equal_derived_file(shipped):
    derived = pd.read_csv(DERIVED, dtype={"count": float})
    ours = shipped[(shipped["category"] != "") & (shipped["value"] > 0)]
    merged = ours.merge(derived, left_on=["area_code", "period", "category"],
                        right_on=["lsoa11_code", "month", "crime_type"], how="outer",
                        indicator=True)
    assert len(derived) == 62_078
    assert (merged["_merge"] == "both").all()
    assert (merged["value"] == merged["count"]).all()


def test_shipped_totals(shipped):
    totals = shipped[shipped["category"] == ""]
    assert totals["value"].sum() == 147_039
    asb = shipped[shipped["category"] == "Anti-social behaviour"]["value"].sum()
    assert asb == 17_425
    burglary_2020 = shipped[(shipped["category"] == "Burglary")
                            & shipped["period"].str.startswith("2020")]["value"].sum()
    assert burglary_2020 == 2_611


def test_catalogue_terms_exist_in_reader_output(shipped):
    population = read_sape_syoa(
        DatasetSpec(id="p", path=MID2020, reader="sape_syoa",
                    options={"period": "2020", "vintage": "LSOA11"}), CodeRegistry())
    produced = (set(zip(shipped["variable"], shipped["category"]))
                | set(zip(population["variable"], population["category"])))
    catalogue = pd.read_csv(CONFIG_DIR / "indicators" / "crime.csv", dtype=str,
                            keep_default_na=False)
    assert {"annual_rate", "monthly_count"} <= set(catalogue["method"])
    for _, row in catalogue.iterrows():
        for role in ("numerator", "denominator"):
            for term in parse_terms(row[role]):
                assert (term.variable, term.category) in produced, (row["id"], role, term)


# ---------------------------------------------------------------- original unfiltered file


def test_original_monthly_file_drops_rows_without_lsoa():
    df = read_police_street(spec_for(ORIGINAL), CodeRegistry())
    assert df.attrs["unplaced_records"] == 32
    assert df.attrs["unplaced_by_file"] == {ORIGINAL.name: 32}
    assert set(df["period"]) == {"2021-05"}
    assert df.loc[df["category"] == "", "value"].sum() == 8_402 - 32
    # other districts of the force area (Leicester City, Rutland) are kept, not filtered here
    assert df["area_code"].nunique() == 619
    records = read_street_records(ORIGINAL, CodeRegistry())
    assert unplaced_records(records) == 32


# ---------------------------------------------------------------- folders, globs, fixtures


@pytest.fixture
def monthly_folder(tmp_path) -> Path:
    folder = tmp_path / "police"
    folder.mkdir()
    write(folder / "2021-01-leicestershire-street.csv",
          [record("2021-01", "E01025610", "Burglary"), record("2021-01", "E01025610", "Burglary"),
           record("2021-01", "", "Drugs")])
    write(folder / "2021-03-leicestershire-street.csv.gz",
          [record("2021-03", "E01025611", "Anti-social behaviour", crime_id="")])
    (folder / "notes.txt").write_text("not a crime file", encoding="utf-8")
    return folder


def test_folder_of_monthly_files_fills_zero_grid(monthly_folder):
    df = read_police_street(spec_for(monthly_folder), CodeRegistry())
    assert df.attrs["unplaced_records"] == 1
    assert df.attrs["unplaced_by_file"] == {"2021-01-leicestershire-street.csv": 1,
                                            "2021-03-leicestershire-street.csv.gz": 0}
    # 2 LSOAs x 3 months (Feb has no file but lies in the range) x 2 types, + totals
    assert len(df) == 2 * 3 * 3
    assert sorted(df["period"].unique()) == ["2021-01", "2021-02", "2021-03"]
    by = df.set_index(["area_code", "period", "category"])["value"]
    assert by[("E01025610", "2021-01", "Burglary")] == 2
    assert by[("E01025610", "2021-01", "")] == 2
    assert by[("E01025611", "2021-03", "Anti-social behaviour")] == 1
    assert by[("E01025611", "2021-02", "")] == 0
    assert set(df["source"]) == {"police"}


def test_glob_pattern_selects_files(monthly_folder):
    files = street_files(monthly_folder / "2021-0[1]-*-street.csv*")
    assert [f.name for f in files] == ["2021-01-leicestershire-street.csv"]
    df = read_police_street(spec_for(monthly_folder / "*-street.csv*"), CodeRegistry())
    assert df["period"].nunique() == 3


def test_concatenated_file_with_repeated_headers(tmp_path):
    path = write(tmp_path / "all.csv", [record("2021-01", "E01025610", "Drugs"), HEADER,
                                        record("2021-02", "E01025610", "Drugs")])
    df = read_police_street(spec_for(path), CodeRegistry())
    assert df.loc[df["category"] == "Drugs", "value"].tolist() == [1.0, 1.0]


def test_same_force_month_twice_is_refused(tmp_path):
    folder = tmp_path / "twice"
    folder.mkdir()
    write(folder / "2021-01-leicestershire-street.csv", [record("2021-01", "E01025610", "Drugs")])
    write(folder / "copy-of-2021-01.csv", [record("2021-01", "E01025611", "Drugs")])
    with pytest.raises(InputError, match="2021-01") as err:
        read_police_street(spec_for(folder), CodeRegistry())
    assert err.value.file == "copy-of-2021-01.csv"


def test_count_crimes_ignores_unplaced_and_fills_types():
    records = pd.DataFrame({"month": ["2021-01", "2021-01", "2021-02"],
                            "lsoa_code": ["E01025610", "", "E01025611"],
                            "crime_type": ["Drugs", "Robbery", "Burglary"]})
    out = count_crimes(records)
    assert set(out["category"]) == {"", "Drugs", "Burglary"}
    assert len(out) == 2 * 2 * 3
    assert out["value"].sum() == 2 * 2  # each record counted by type and in the total
    with pytest.raises(KeyError):
        count_crimes(records.drop(columns="crime_type"))


# ---------------------------------------------------------------- errors


def test_missing_column(tmp_path):
    path = write(tmp_path / "2021-01-x-street.csv", ["abc,2021-01,E01025610"],
                 header="Crime ID,Month,LSOA code")
    with pytest.raises(InputError, match="Crime type") as err:
        read_police_street(spec_for(path), CodeRegistry())
    assert err.value.file == "2021-01-x-street.csv"


@pytest.mark.parametrize("month", ["2021-13", "May 2021", "2021-5", ""])
def test_bad_month_names_row(tmp_path, month):
    path = write(tmp_path / "bad-month.csv", [record("2021-01", "E01025610", "Drugs"),
                                              record("2021-01", "", "Drugs"),
                                              record(month, "E01025610", "Drugs")])
    with pytest.raises(InputError, match="YYYY-MM") as err:
        read_police_street(spec_for(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("bad-month.csv", 4, "Month")


def test_bad_lsoa_code_names_row_after_blank_rows(tmp_path):
    path = write(tmp_path / "bad-code.csv", [record("2021-01", "", "Drugs"),
                                             record("2021-01", "E01025610", "Drugs"),
                                             record("2021-01", "", "Drugs"),
                                             record("2021-01", "E0102561", "Drugs")])
    with pytest.raises(InputError, match="not a valid LSOA11") as err:
        read_police_street(spec_for(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("bad-code.csv", 5, "LSOA code")


def test_lsoa21_code_in_lsoa11_file(tmp_path):
    registry = CodeRegistry(known={"LSOA11": frozenset({"E01025610"}),
                                   "LSOA21": frozenset({"E01025610", "E01035370"})})
    path = write(tmp_path / "vintage.csv", [record("2023-01", "E01025610", "Drugs"),
                                            record("2023-01", "E01035370", "Drugs")])
    with pytest.raises(InputError, match="LSOA21 code") as err:
        read_police_street(spec_for(path), registry)
    assert err.value.row == 3


def test_blank_crime_type(tmp_path):
    path = write(tmp_path / "no-type.csv", [record("2021-01", "E01025610", "")])
    with pytest.raises(InputError, match="crime type") as err:
        read_street_file(path, CodeRegistry())
    assert (err.value.row, err.value.column) == (2, "Crime type")


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "2021-01-empty-street.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty") as err:
        read_police_street(spec_for(empty), CodeRegistry())
    assert err.value.file == "2021-01-empty-street.csv"
    header_only = write(tmp_path / "header-only.csv", [])
    with pytest.raises(InputError, match="no data rows") as err:
        read_police_street(spec_for(header_only), CodeRegistry())
    assert err.value.file == "header-only.csv"


def test_folder_without_csv_files(tmp_path):
    with pytest.raises(InputError, match="no .csv"):
        street_files(tmp_path)
    with pytest.raises(InputError, match="no files match"):
        street_files(tmp_path / "*-street.csv")
