"""Tests for the Census 2011 (OAC variables, QS119) and Census 2021 (TS tables) readers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.indicators import parse_terms
from pipeline.ingest.census import (
    READERS,
    aggregate_oac,
    oac_aggregation_rules,
    parse_census2021_ts,
    parse_qs119,
    read_census2011_oac,
    read_census2011_qs119,
    read_census2021_ts,
)
from pipeline.ingest.common import CodeRegistry, DatasetSpec, read_csv
from pipeline.paths import CONFIG_DIR, RAW_DIR
from pipeline.schema import OBSERVATIONS, validate

C11 = RAW_DIR / "leicestershire" / "census2011"
C21 = RAW_DIR / "national" / "census2021"
#: The county's 408 LSOA21s (the shipped boundary file lists exactly those).
COUNTY21 = RAW_DIR / "leicestershire" / "boundaries" / "leicestershire_lsoa21_boundaries.geojson"
OAC_FILE = C11 / "2011_OAC_Raw_uVariables_Leicestershire.csv"
LOOKUP = "leicestershire/census2011/2011_OAC_Raw_uVariables_Lookup.csv"
QS119_FILE = C11 / "census2011_qs119ew_household_deprivation_lsoa11_humaniverse__leicestershire.csv"
TS_FILES = {
    "ts011": "census2021_ts011_household_deprivation21_lsoa21_demographr__ew.csv.gz",
    "ts021": "census2021_ts021_ethnicity21_lsoa21_demographr__ew.csv.gz",
    "ts030": "census2021_ts030_religion21_lsoa21_demographr__ew.csv.gz",
    "ts038": "census2021_ts038_disability21_lsoa21_ew_demographr__ew.csv.gz",
    "ts044": "census2021_ts044_household_type21_lsoa21_demographr__ew.csv.gz",
    "ts052": "census2021_ts052_household_overcrowding21_lsoa21_demographr__ew.csv.gz",
    "ts054": "census2021_ts054_household_tenure21_lsoa21_demographr__ew.csv.gz",
}
#: Categories per table as published, and the sum of the county's LSOA totals in the national file.
TS_EXPECTED = {
    "ts011": (5, 296_421), "ts021": (5, 712_346), "ts030": (9, 712_351), "ts038": (2, 712_392),
    "ts044": (8, 296_443), "ts052": (5, 296_392), "ts054": (8, 296_382),
}


def oac_spec(path: Path = OAC_FILE, **options) -> DatasetSpec:
    opts = {"period": "2011", "vintage": "OA11", "variable_lookup": LOOKUP, **options}
    return DatasetSpec(id="census2011_oac", path=path, reader="census2011_oac", options=opts)


def qs119_spec(path: Path = QS119_FILE) -> DatasetSpec:
    return DatasetSpec(id="census2011_qs119", path=path, reader="census2011_qs119",
                       options={"period": "2011", "vintage": "LSOA11"})


def ts_spec(table: str, path: Path | None = None) -> DatasetSpec:
    return DatasetSpec(id=f"census2021_{table}", path=path or C21 / TS_FILES[table],
                       reader="census2021_ts",
                       options={"period": "2021", "vintage": "LSOA21", "table": table})


@pytest.fixture(scope="module")
def oac() -> pd.DataFrame:
    return read_census2011_oac(oac_spec(), CodeRegistry())


@pytest.fixture(scope="module")
def qs119() -> pd.DataFrame:
    return read_census2011_qs119(qs119_spec(), CodeRegistry())


@pytest.fixture(scope="module")
def national_ts() -> dict[str, pd.DataFrame]:
    """Every table as read from the England and Wales files."""
    return {table: read_census2021_ts(ts_spec(table), CodeRegistry()) for table in TS_FILES}


@pytest.fixture(scope="module")
def ts(national_ts) -> dict[str, pd.DataFrame]:
    """The county's rows of every table (the subsets shipped before the national files)."""
    county = set(gpd.read_file(COUNTY21)["LSOA21CD"])
    return {table: df[df["area_code"].isin(county)].reset_index(drop=True)
            for table, df in national_ts.items()}


def test_national_tables_cover_england_and_wales(national_ts):
    df = national_ts["ts021"]
    totals = df[df["category"] == ""]
    assert len(totals) == 35_672
    english = totals["area_code"].str.startswith("E")
    assert english.sum() == 33_755
    assert totals.loc[english, "value"].sum() == 56_490_108  # England's usual residents


def value(df: pd.DataFrame, area: str, variable: str, category: str = "") -> float:
    sel = df[(df["area_code"] == area) & (df["variable"] == variable)
             & (df["category"] == category)]
    assert len(sel) == 1, (area, variable, category)
    return float(sel["value"].iloc[0])


def test_readers_registered():
    assert set(READERS) == {"census2011_oac", "census2011_qs119", "census2021_ts"}


# ---------------------------------------------------------------- Census 2011 OAC variables


def test_oac_rules_from_lookup():
    lookup = read_csv(RAW_DIR / LOOKUP)
    rules = oac_aggregation_rules(lookup, "lookup.csv")
    assert len(rules) == 177
    assert rules["u005"] == "area"
    assert rules["u006"] == "density"
    assert rules["u020"] == "mean"
    assert rules["u021"] == "drop"
    assert rules["u104"] == "mean_estimated"
    assert (rules == "sum").sum() == 172


def test_oac_aggregates_2085_oas_to_396_lsoas(oac):
    validate(oac, OBSERVATIONS, "oac")
    assert oac["area_code"].nunique() == 396
    assert set(oac["area_type"]) == {"LSOA11"}
    assert set(oac["period"]) == {"2011"}
    assert oac["variable"].nunique() == 176  # 177 lookup variables less median age
    assert len(oac) == 396 * 176
    assert "c11_u021" not in set(oac["variable"])
    assert {"c11_total_population", "c11_u001", "c11_u167"} <= set(oac["variable"])


def test_oac_county_totals(oac):
    totals = oac.groupby("variable")["value"].sum()
    assert totals["c11_total_population"] == 650_489  # Census 2011 Leicestershire residents
    assert totals["c11_u001"] + totals["c11_u002"] == 650_489  # males + females
    assert totals["c11_total_households"] == 267_434


def test_oac_named_lsoa_sum_density_and_means(oac):
    # Blaby 008B (E01025611): output areas summed; density recomputed from sums.
    assert value(oac, "E01025611", "c11_total_population") == 1532
    assert value(oac, "E01025611", "c11_u005") == pytest.approx(46.69)
    assert value(oac, "E01025611", "c11_u006") == pytest.approx(1532 / 46.69)
    assert 20 < value(oac, "E01025611", "c11_u020") < 60  # mean age, population weighted


def test_oac_flags_only_the_estimated_ratio(oac):
    flagged = oac[oac["flag"] != ""]
    assert set(flagged["variable"]) == {"c11_u104"}
    assert set(flagged["flag"]) == {"[e]"}


def test_oac_mean_age_is_population_weighted():
    raw = pd.DataFrame({
        "OA11CD": ["E00000001", "E00000002"], "LSOA11CD": ["E01000001", "E01000001"],
        "Total_Population": ["100", "300"], "u005": ["1", "3"], "u006": ["100", "100"],
        "u020": ["30", "50"], "u021": ["29", "51"],
    })
    rules = pd.Series({"Total_Population": "sum", "u005": "area", "u006": "density",
                       "u020": "mean", "u021": "drop"})
    out = aggregate_oac(raw, rules, "tiny.csv", codes=CodeRegistry()).set_index("variable")
    assert out.loc["c11_u020", "value"] == 45.0
    assert out.loc["c11_u006", "value"] == 100.0
    assert out.loc["c11_total_population", "value"] == 400.0
    assert "c11_u021" not in out.index


def test_oac_missing_variable_column(tmp_path):
    raw = read_csv(OAC_FILE).drop(columns=["u050"])
    path = tmp_path / "oac_missing.csv"
    raw.head(3).to_csv(path, index=False)
    with pytest.raises(InputError, match="u050") as err:
        read_census2011_oac(oac_spec(path), CodeRegistry())
    assert err.value.file == "oac_missing.csv"


def test_oac_non_numeric_value_names_row(tmp_path):
    raw = read_csv(OAC_FILE).head(4)
    raw.loc[2, "u111"] = "n/a"
    path = tmp_path / "oac_bad.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_census2011_oac(oac_spec(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("oac_bad.csv", 4, "u111")


def test_oac_bad_oa_code(tmp_path):
    raw = read_csv(OAC_FILE).head(3)
    raw.loc[1, "OA11CD"] = "E01025611"
    path = tmp_path / "oac_code.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(InputError, match="OA11") as err:
        read_census2011_oac(oac_spec(path), CodeRegistry())
    assert (err.value.file, err.value.row) == ("oac_code.csv", 3)


def test_oac_unknown_measurement_unit(tmp_path):
    lookup = read_csv(RAW_DIR / LOOKUP)
    lookup.loc[5, "VariableMeasurementUnit"] = "Percent"
    with pytest.raises(InputError, match="Percent") as err:
        oac_aggregation_rules(lookup, tmp_path / "lookup.csv")
    assert (err.value.file, err.value.row) == ("lookup.csv", 7)


def test_oac_missing_lookup_option():
    spec = DatasetSpec(id="oac", path=OAC_FILE, reader="census2011_oac", options={})
    with pytest.raises(InputError, match="variable_lookup"):
        read_census2011_oac(spec, CodeRegistry())


def test_oac_empty_file(tmp_path):
    path = tmp_path / "oac_empty.csv"
    path.write_text("OA11CD,LSOA11CD\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows") as err:
        read_census2011_oac(oac_spec(path), CodeRegistry())
    assert err.value.file == "oac_empty.csv"


# ---------------------------------------------------------------- Census 2011 QS119


def test_qs119_layout_and_totals(qs119):
    validate(qs119, OBSERVATIONS, "qs119")
    assert len(qs119) == 396 * 6
    assert set(qs119["category"]) == {"", "0", "1", "2", "3", "4"}
    by = qs119.groupby("category")["value"].sum()
    assert by[""] == 267_434
    assert by[["2", "3", "4"]].sum() == 52_247
    assert value(qs119, "E01025631", "c11_qs119", "0") == 231


def test_qs119_total_matches_oac_households(qs119, oac):
    households = oac[oac["variable"] == "c11_total_households"].set_index("area_code")["value"]
    total = qs119[qs119["category"] == ""].set_index("area_code")["value"]
    pd.testing.assert_series_equal(total.sort_index(), households.sort_index(), check_names=False)


def qs_frame(cats: list[str], counts: list[str], code: str = "E01025631") -> pd.DataFrame:
    return pd.DataFrame({"lsoa11_code": [code] * len(cats),
                         "households_number_deprivation_dimensions": cats, "count": counts})


def test_qs119_published_wording_is_understood():
    labels = ["Household is not deprived in any dimension",
              "Household is deprived in 1 dimension", "Household is deprived in two dimensions",
              "Household is deprived in 3 dimensions", "Household is deprived in four dimensions"]
    raw = qs_frame(labels, ["5", "4", "3", "2", "1"])
    out = parse_qs119(raw, "qs.csv", area_type="LSOA11", period="2011", codes=CodeRegistry())
    assert out.set_index("category")["value"].to_dict() == {
        "": 15.0, "0": 5.0, "1": 4.0, "2": 3.0, "3": 2.0, "4": 1.0}


def test_qs119_unknown_category_names_row():
    raw = qs_frame(["0", "1", "2", "3", "5"], ["1"] * 5)
    with pytest.raises(InputError, match="'5'") as err:
        parse_qs119(raw, "qs.csv", area_type="LSOA11", period="2011", codes=CodeRegistry())
    assert (err.value.file, err.value.row) == ("qs.csv", 6)


def test_qs119_incomplete_area():
    raw = qs_frame(["0", "1", "2", "3"], ["1"] * 4)
    with pytest.raises(InputError, match="4 of the 5"):
        parse_qs119(raw, "qs.csv", area_type="LSOA11", period="2011", codes=CodeRegistry())


def test_qs119_non_numeric_count(tmp_path):
    path = tmp_path / "qs119_bad.csv"
    qs_frame(["0", "1", "2", "3", "4"], ["1", "1", "many", "1", "1"]).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_census2011_qs119(qs119_spec(path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("qs119_bad.csv", 4, "count")


def test_qs119_missing_column_and_empty_file(tmp_path):
    path = tmp_path / "qs119_nocount.csv"
    qs_frame(["0"], ["1"]).drop(columns="count").to_csv(path, index=False)
    with pytest.raises(InputError, match="count") as err:
        read_census2011_qs119(qs119_spec(path), CodeRegistry())
    assert err.value.file == "qs119_nocount.csv"
    empty = tmp_path / "qs119_empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as err:
        read_census2011_qs119(qs119_spec(empty), CodeRegistry())
    assert err.value.file == "qs119_empty.csv"


def test_qs119_bad_code():
    raw = qs_frame(["0", "1", "2", "3", "4"], ["1"] * 5, code="E0102563X")
    with pytest.raises(InputError, match="not a valid LSOA11") as err:
        parse_qs119(raw, "qs.csv", area_type="LSOA11", period="2011", codes=CodeRegistry())
    assert err.value.row == 2


# ---------------------------------------------------------------- Census 2021 TS tables


@pytest.mark.parametrize("table", sorted(TS_FILES))
def test_ts_tables_layout_and_totals(ts, table):
    df = ts[table]
    validate(df, OBSERVATIONS, table)
    n_categories, total = TS_EXPECTED[table]
    assert df["area_code"].nunique() == 408
    assert set(df["variable"]) == {f"c21_{table}"}
    assert set(df["area_type"]) == {"LSOA21"} and set(df["period"]) == {"2021"}
    assert len(df) == 408 * (n_categories + 1)
    totals = df[df["category"] == ""]
    assert totals["value"].sum() == total
    cells = df[df["category"] != ""].groupby("area_code")["value"].sum()
    assert (cells == totals.set_index("area_code")["value"].reindex(cells.index)).all()


def test_ts021_county_residents_and_named_lsoa(ts):
    df = ts["ts021"]
    assert df.loc[df["category"] == "", "value"].sum() == 712_346
    assert value(df, "E01025610", "c21_ts021") == 1568
    assert value(df, "E01025610", "c21_ts021", "Asian, Asian British or Asian Welsh") == 33


def test_ts_published_labels_kept(ts):
    assert "Disabled under the Equality Act" in set(ts["ts038"]["category"])
    assert "-1 (overcrowded)" in set(ts["ts052"]["category"])
    assert "In a purpose-built block of flats or tenement" in set(ts["ts044"]["category"])
    assert "Muslim" in set(ts["ts030"]["category"])


def ts_frame(**extra) -> pd.DataFrame:
    frame = pd.DataFrame({"lsoa21_code": ["E01025610", "E01025610"],
                          "total_residents": ["10", "10"], "religion": ["Christian", "Muslim"],
                          "n": ["6", "4"], "prop": ["0.6", "0.4"]})
    for key, val in extra.items():
        frame[key] = val
    return frame


def parse_ts(raw: pd.DataFrame, table: str = "ts030") -> pd.DataFrame:
    return parse_census2021_ts(raw, "ts.csv", table=table, area_type="LSOA21", period="2021",
                               codes=CodeRegistry())


def test_ts_small_frame():
    out = parse_ts(ts_frame()).set_index("category")["value"].to_dict()
    assert out == {"": 10.0, "Christian": 6.0, "Muslim": 4.0}


def test_ts_two_category_columns():
    with pytest.raises(InputError, match="exactly one category column"):
        parse_ts(ts_frame(extra_col=["a", "b"]))


def test_ts_total_differs_within_area():
    with pytest.raises(InputError, match="differs") as err:
        parse_ts(ts_frame(total_residents=["10", "11"]))
    assert (err.value.row, err.value.column) == (2, "total_residents")


def test_ts_repeated_category():
    with pytest.raises(InputError, match="duplicate") as err:
        parse_ts(ts_frame(religion=["Christian", "Christian"]))
    assert err.value.row == 3


def test_ts_non_numeric_n(tmp_path):
    path = tmp_path / "ts_bad.csv"
    ts_frame(n=["6", "four"]).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_census2021_ts(ts_spec("ts030", path), CodeRegistry())
    assert (err.value.file, err.value.row, err.value.column) == ("ts_bad.csv", 3, "n")


def test_ts_missing_n_column(tmp_path):
    path = tmp_path / "ts_no_n.csv"
    ts_frame().drop(columns="n").to_csv(path, index=False)
    with pytest.raises(InputError, match="'n'") as err:
        read_census2021_ts(ts_spec("ts030", path), CodeRegistry())
    assert err.value.file == "ts_no_n.csv"


def test_ts_bad_code_and_empty_file(tmp_path):
    path = tmp_path / "ts_code.csv"
    ts_frame(lsoa21_code=["E01025610", "W0102561"]).to_csv(path, index=False)
    with pytest.raises(InputError, match="LSOA21") as err:
        read_census2021_ts(ts_spec("ts030", path), CodeRegistry())
    assert (err.value.file, err.value.row) == ("ts_code.csv", 3)
    empty = tmp_path / "ts_empty.csv"
    empty.write_text("lsoa21_code,total_residents,religion,n,prop\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows") as err:
        read_census2021_ts(ts_spec("ts030", empty), CodeRegistry())
    assert err.value.file == "ts_empty.csv"


def test_ts_table_option_checked():
    with pytest.raises(InputError, match="table"):
        read_census2021_ts(DatasetSpec(id="t", path=C21 / TS_FILES["ts021"],
                                       reader="census2021_ts", options={}), CodeRegistry())
    with pytest.raises(InputError, match="ts021"):
        parse_ts(ts_frame(), table="religion")


# ---------------------------------------------------------------- catalogue


def test_catalogue_terms_exist_in_reader_output(oac, qs119, ts):
    produced = set()
    for df in [oac, qs119, *ts.values()]:
        produced |= set(zip(df["variable"], df["category"]))
    catalogue = pd.read_csv(CONFIG_DIR / "indicators" / "census.csv", dtype=str,
                            keep_default_na=False)
    computed = catalogue[catalogue["status"] == "computed"]
    assert len(computed) >= 30
    for _, row in computed.iterrows():
        for role in ("numerator", "denominator"):
            for term in parse_terms(row[role]):
                assert (term.variable, term.category) in produced, (row["id"], role, term)


def test_catalogue_2011_deprivation_share(qs119):
    by = qs119.groupby("category")["value"].sum()
    assert round(100 * by[["2", "3", "4"]].sum() / by[""], 1) == 19.5
