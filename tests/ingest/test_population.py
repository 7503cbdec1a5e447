"""Tests for the ONS SAPE single-year-of-age reader (real files plus edge-case fixtures)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.indicators import parse_terms
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.ingest.population import AGE_COLUMNS, READERS, parse_sape, read_sape_syoa
from pipeline.paths import CONFIG_DIR, RAW_DIR
from pipeline.schema import OBSERVATIONS, validate

POP_DIR = RAW_DIR / "national" / "population"
MID2020 = POP_DIR / "ons_sape_mid2020_lsoa11_syoa_persons_demographr__ew.csv.gz"
#: The county's 396 LSOA11s.
COUNTY = pd.read_csv(RAW_DIR / "leicestershire" / "geography"
                     / "leicestershire_lsoa11_geography_index.csv", usecols=["LSOA11CD"])["LSOA11CD"]


def spec_for(path: Path, **options) -> DatasetSpec:
    return DatasetSpec(id="population_test", path=path, reader="sape_syoa",
                       options={"period": "2020", "vintage": "LSOA11", **options})


@pytest.fixture(scope="module")
def national2020() -> pd.DataFrame:
    return read_sape_syoa(spec_for(MID2020), CodeRegistry())


@pytest.fixture(scope="module")
def mid2020(national2020) -> pd.DataFrame:
    """The county's rows (the subset shipped before the national file)."""
    return national2020[national2020["area_code"].isin(COUNTY)].reset_index(drop=True)


def test_mid2020_england_total_is_the_published_56550138(national2020):
    totals = national2020[national2020["category"] == ""]
    assert len(totals) == 34_753  # every LSOA11 of England and Wales
    english = totals["area_code"].str.startswith("E")
    assert english.sum() == 32_844
    assert totals.loc[english, "value"].sum() == 56_550_138


# ---------------------------------------------------------------- real files


def test_registered_under_catalogue_name():
    assert READERS == {"sape_syoa": read_sape_syoa}


def test_mid2020_county_total_is_713085(mid2020):
    totals = mid2020[mid2020["category"] == ""]
    assert len(totals) == 396
    assert totals["value"].sum() == 713_085


def test_mid2020_layout(mid2020):
    validate(mid2020, OBSERVATIONS, "mid2020")
    assert len(mid2020) == 396 * 92  # 91 single years (0..89, 90+) + total
    assert set(mid2020["variable"]) == {"population"}
    assert set(mid2020["period"]) == {"2020"}
    assert set(mid2020["area_type"]) == {"LSOA11"}
    assert set(mid2020["category"]) == {""} | {f"age:{a}" for a in AGE_COLUMNS}
    assert (mid2020["flag"] == "").all()


def test_mid2020_named_lsoa_values(mid2020):
    blaby_008a = mid2020[mid2020["area_code"] == "E01025610"].set_index("category")["value"]
    assert blaby_008a[""] == 1605
    assert blaby_008a["age:0"] == 13
    assert blaby_008a["age:4"] == 28
    assert blaby_008a.drop("").sum() == 1605


@pytest.mark.parametrize("year, total", [("2017", 690_212), ("2019", 706_155)])
def test_other_years_county_totals(year, total):
    path = POP_DIR / f"ons_sape_mid{year}_lsoa11_syoa_persons_demographr__ew.csv.gz"
    df = read_sape_syoa(spec_for(path, period=year), CodeRegistry())
    df = df[df["area_code"].isin(COUNTY)]
    assert df.loc[df["category"] == "", "value"].sum() == total
    assert set(df["period"]) == {year}


def test_catalogue_terms_exist_in_reader_output(mid2020):
    catalogue = pd.read_csv(CONFIG_DIR / "indicators" / "population.csv", dtype=str,
                            keep_default_na=False)
    produced = set(zip(mid2020["variable"], mid2020["category"]))
    assert len(catalogue) >= 4
    for _, row in catalogue[catalogue["status"] == "computed"].iterrows():
        for role in ("numerator", "denominator"):
            for term in parse_terms(row[role]):
                assert (term.variable, term.category) in produced, (row["id"], role, term)


def test_catalogue_aged_65_plus_county_share(mid2020):
    terms = parse_terms("population[age:65..89] + population[age:90+]")
    wanted = {t.category for t in terms}
    older = mid2020[mid2020["category"].isin(wanted)]["value"].sum()
    assert older == 146_675
    assert round(100 * older / 713_085, 1) == 20.6


# ---------------------------------------------------------------- edge cases

HEADER = "lsoa11_code,lsoa11_name,total_population," + ",".join(AGE_COLUMNS)


def write_sape(tmp_path: Path, rows: list[str], header: str = HEADER,
               name: str = "sape_fixture.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def sape_row(code: str, ages: list[str], total: str | None = None, name: str = "X 001A") -> str:
    total = total if total is not None else str(sum(int(a) for a in ages))
    return ",".join([code, name, total, *ages])


def ones() -> list[str]:
    return ["1"] * len(AGE_COLUMNS)


def test_small_fixture_reads(tmp_path):
    path = write_sape(tmp_path, [sape_row("E01025610", ones()), sape_row("E01025611", ones())])
    df = read_sape_syoa(spec_for(path), CodeRegistry())
    assert df.loc[df["category"] == "", "value"].tolist() == [91.0, 91.0]
    assert df.loc[df["category"] == "age:90+", "value"].tolist() == [1.0, 1.0]


def test_thousands_separators_are_read(tmp_path):
    ages = ones()
    ages[30] = '"1,000"'
    path = write_sape(tmp_path, [sape_row("E01025610", ages, total='"1,090"')])
    df = read_sape_syoa(spec_for(path), CodeRegistry())
    assert df.loc[df["category"] == "", "value"].item() == 1090


def test_missing_age_column(tmp_path):
    header = HEADER.replace(",90+", "")
    path = write_sape(tmp_path, [",".join(["E01025610", "X", "90", *(["1"] * 90)])], header=header)
    with pytest.raises(InputError, match="90\\+") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert err.value.file == "sape_fixture.csv"


def test_missing_total_column(tmp_path):
    header = HEADER.replace("total_population", "everyone")
    path = write_sape(tmp_path, [sape_row("E01025610", ones())], header=header)
    with pytest.raises(InputError, match="total_population") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert err.value.file == "sape_fixture.csv"


def test_non_numeric_count_names_row_and_column(tmp_path):
    ages = ones()
    ages[5] = "lots"
    path = write_sape(tmp_path, [sape_row("E01025610", ones()), sape_row("E01025611", ages, "91")])
    with pytest.raises(InputError) as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("sape_fixture.csv", 3, "5")


def test_suppression_marker_is_not_a_population_count(tmp_path):
    ages = ones()
    ages[7] = "*"
    path = write_sape(tmp_path, [sape_row("E01025610", ages, "91")])
    with pytest.raises(InputError, match="whole number") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert (err.value.row, err.value.column) == (2, "7")


def test_ages_not_adding_up_names_the_row(tmp_path):
    path = write_sape(tmp_path, [sape_row("E01025610", ones()),
                                 sape_row("E01025611", ones(), total="95")])
    with pytest.raises(InputError, match="add up to 91 but total_population is 95") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert (err.value.file, err.value.row) == ("sape_fixture.csv", 3)
    assert "E01025611" in str(err.value)


def test_bad_lsoa_code(tmp_path):
    path = write_sape(tmp_path, [sape_row("E01025610", ones()), sape_row("E0102561", ones())])
    with pytest.raises(InputError, match="not a valid LSOA11") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert (err.value.file, err.value.row) == ("sape_fixture.csv", 3)


def test_code_of_another_vintage_is_rejected(tmp_path):
    registry = CodeRegistry(known={"LSOA11": frozenset({"E01025610"}),
                                   "LSOA21": frozenset({"E01035370"})})
    path = write_sape(tmp_path, [sape_row("E01035370", ones())])
    with pytest.raises(InputError, match="LSOA21 code"):
        read_sape_syoa(spec_for(path), registry)


def test_repeated_lsoa(tmp_path):
    path = write_sape(tmp_path, [sape_row("E01025610", ones()), sape_row("E01025610", ones())])
    with pytest.raises(InputError, match="duplicate") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert err.value.row == 3


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty") as err:
        read_sape_syoa(spec_for(path), CodeRegistry())
    assert err.value.file == "empty.csv"


def test_missing_period_option(tmp_path):
    path = write_sape(tmp_path, [sape_row("E01025610", ones())])
    spec = DatasetSpec(id="p", path=path, reader="sape_syoa", options={"vintage": "LSOA11"})
    with pytest.raises(InputError, match="period") as err:
        read_sape_syoa(spec, CodeRegistry())
    assert err.value.file == "sape_fixture.csv"


def test_parse_sape_rejects_frame_without_code_column():
    raw = pd.DataFrame({"total_population": ["1"], **{a: ["0"] for a in AGE_COLUMNS}})
    with pytest.raises(InputError, match="LSOA code"):
        parse_sape(raw, "frame.csv", area_type="LSOA11", period="2020", codes=CodeRegistry())
