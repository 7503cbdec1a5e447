"""IoD readers: real shipped files (published values, row counts) plus layout edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_datasets
from pipeline.errors import InputError
from pipeline.ingest import iod
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.paths import CONFIG_DIR, RAW_DIR
from pipeline.schema import OBSERVATIONS, validate

BLABY_008A = "E01025610"
COUNTY_IOD = RAW_DIR / "leicestershire" / "iod"


@pytest.fixture(scope="module")
def specs() -> dict[str, DatasetSpec]:
    return {s.id: s for s in load_datasets(CONFIG_DIR / "datasets.yaml", include_disabled=True)
            if s.reader.startswith("iod")}


@pytest.fixture(scope="module")
def read(specs):
    """Read a catalogued IoD dataset once per module (pattern-only code checks)."""
    cache: dict[str, pd.DataFrame] = {}

    def _read(dataset_id: str) -> pd.DataFrame:
        if dataset_id not in cache:
            spec = specs[dataset_id]
            obs = iod.READERS[spec.reader](spec, CodeRegistry())
            cache[dataset_id] = validate(obs, OBSERVATIONS, dataset_id)
        return cache[dataset_id]

    return _read


def value(obs: pd.DataFrame, area: str, variable: str) -> float:
    hit = obs[(obs["area_code"] == area) & (obs["variable"] == variable)]
    assert len(hit) == 1, f"{variable} for {area}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def spec_for(path, reader="iod_mhclg", **options) -> DatasetSpec:
    options = {"edition": 2019, "vintage": "LSOA11", **options}
    return DatasetSpec(id="fixture", path=path, reader=reader, options=options)


def write(tmp_path, name: str, text: str, *, bom: bool = False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- real files


def test_every_iod_dataset_has_a_reader(specs):
    assert set(iod.READERS) == {"iod_snake", "iod_mhclg", "iod_derived_score", "iod_odc_long",
                                "iod_file10"}
    assert {s.reader for s in specs.values()} <= set(iod.READERS)


def test_file2_2019_counts_and_published_blaby_008a(read):
    obs = read("iod2019_file2")
    assert obs.groupby("variable")["area_code"].nunique().eq(32_844).all()
    assert set(obs["variable"]) == {f"{d}_{m}" for d in (
        "imd", "income", "employment", "education", "health", "crime", "barriers",
        "living_environment") for m in ("rank", "decile")}
    assert set(obs["period"]) == {"2019"} and set(obs["area_type"]) == {"LSOA11"}
    assert value(obs, BLABY_008A, "imd_rank") == 15811.0
    assert value(obs, BLABY_008A, "imd_decile") == 5.0
    assert value(obs, BLABY_008A, "education_rank") == 8542.0
    assert value(obs, BLABY_008A, "barriers_decile") == 10.0


def test_file3_float_ranks_and_skip_variables(read):
    obs = read("iod2019_file3")  # ranks written as 12137.00; IMD ranks skipped (in File 2)
    assert set(obs["variable"]) == {"idaci_rank", "idaci_decile", "idaopi_rank", "idaopi_decile"}
    assert value(obs, BLABY_008A, "idaci_rank") == 12137.0
    assert value(obs, BLABY_008A, "idaopi_decile") == 6.0
    assert obs["area_code"].nunique() == 32_844


def test_file6_population_with_thousands_separators(read):
    obs = read("iod2019_file6")
    assert value(obs, BLABY_008A, "pop_total") == 1563.0  # "1,563" in the file
    assert value(obs, "E01000001", "pop_total") == 1296.0
    assert value(obs, BLABY_008A, "pop_working_age") == 889.0
    total = obs[obs["variable"] == "pop_total"]["value"].sum()
    parts = obs[obs["variable"].isin(["pop_0_15", "pop_16_59", "pop_60_plus"])]["value"].sum()
    assert total == parts


def test_file9_transformed_scores(read):
    obs = read("iod2019_file9")
    assert value(obs, BLABY_008A, "income_transformed_score") == pytest.approx(20.371)
    assert value(obs, BLABY_008A, "living_environment_transformed_score") == pytest.approx(13.877)
    old = read("iod2015_file9")  # 2015 headers: "Education, Skills and Training Score - ..."
    assert "education_transformed_score" in set(old["variable"])
    assert old["area_code"].nunique() == 32_844


def test_derived_2019_score(read):
    obs = read("iod2019_score")
    assert list(obs["variable"].unique()) == ["imd_score"] and len(obs) == 32_844
    assert value(obs, BLABY_008A, "imd_score") == pytest.approx(18.3758)
    assert (obs["flag"] == "").all()


@pytest.mark.parametrize("dataset_id", ["iod2004", "iod2007", "iod2010"])
def test_lsoa01_editions_cover_32482_lsoas(read, dataset_id):
    obs = read(dataset_id)
    counts = obs.groupby("variable")["area_code"].nunique()
    assert counts.eq(32_482).all() and {"imd_score", "imd_rank", "imd_decile"} <= set(counts.index)
    assert set(obs["area_type"]) == {"LSOA01"}
    assert set(obs["period"]) == {dataset_id[-4:]}


def test_2010_humaniverse_names_are_standardised(read):
    obs = read("iod2010")
    assert value(obs, BLABY_008A, "imd_score") == pytest.approx(18.95)
    assert value(obs, BLABY_008A, "barriers_score") == pytest.approx(2.5)  # Housing_and_Access
    assert value(obs, BLABY_008A, "living_environment_rank") == 22675.0  # Environment_rank
    assert len(set(obs["variable"])) == 24


def test_2025_lsoa21(read):
    obs = read("iod2025")
    assert obs.groupby("variable")["area_code"].nunique().eq(33_755).all()
    assert set(obs["area_type"]) == {"LSOA21"}
    assert value(obs, BLABY_008A, "imd_score") == pytest.approx(17.414)
    assert value(obs, BLABY_008A, "imd_rank") == 16910.0
    assert value(obs, BLABY_008A, "barriers_score") == pytest.approx(8.742)  # Housing_and_Services
    assert value(obs, BLABY_008A, "health_score") == pytest.approx(-0.325)


def test_2015_xlsx_file1_ranks_equal_the_2015_csv(read):
    xlsx = read("iod2015_file1_xlsx")
    csv = read("iod2015")
    both = xlsx.merge(csv, on=["area_code", "variable", "period"], suffixes=("_xlsx", "_csv"))
    assert len(xlsx) == len(both) == 2 * 32_844
    assert (both["value_xlsx"] == both["value_csv"]).all()


def test_county_file1_with_quoted_thousands_matches_file2(read):
    spec = spec_for(COUNTY_IOD / "iod2019" /
                    "File_1_-_IMD2019_Index_of_Multiple_Deprivation__leicestershire.csv")
    county = iod.read_mhclg(spec, CodeRegistry())
    assert county["area_code"].nunique() == 396
    both = county.merge(read("iod2019_file2"), on=["area_code", "variable", "period"])
    assert len(both) == 2 * 396 and (both["value_x"] == both["value_y"]).all()


def test_2007_subdomain_decile_naming_slip(read):
    obs = read("iod2007_subdomains")
    assert "indoors_decile" in set(obs["variable"])
    assert not obs["variable"].str.contains("rank_decile").any()
    assert value(obs, BLABY_008A, "indoors_decile") == 8.0
    assert value(obs, BLABY_008A, "outdoors_decile") == 6.0
    assert value(obs, BLABY_008A, "education_score") == pytest.approx(27.480255126953125)


def test_2004_subdomains_skills_and_tied_half_ranks(read):
    obs = read("iod2004_subdomains")
    assert value(obs, BLABY_008A, "adult_skills_rank") == 6322.0  # skills_sub_domain_rank
    assert value(obs, BLABY_008A, "outdoors_rank") == 7837.5
    assert obs["area_code"].nunique() == 396


def test_2019_subdomains_skip_the_domain_columns_file2_supplies(read):
    sub = read("iod2019_subdomains")
    assert value(sub, BLABY_008A, "children_young_people_rank") == 8298.0
    assert "barriers_rank" not in set(sub["variable"])  # skip_variables in the catalogue
    assert value(read("iod2019_file2"), BLABY_008A, "barriers_rank") > 0


def test_indicators_files_become_ind_variables(read):
    obs = read("iod2019_indicators")
    assert obs["variable"].str.startswith("ind_").all()
    assert value(obs, BLABY_008A, "ind_income_domain_numerator") == 195.0
    blank = obs[(obs["area_code"] == "E01025615")
                & (obs["variable"] ==
                   "ind_income_deprivation_affecting_older_people_index_idaopi_numerator")]
    assert np.isnan(blank["value"].iloc[0]) and blank["flag"].iloc[0] == "[x]"
    new = read("iod2025_indicators")
    assert "ind_connectivity_score" in set(new["variable"])
    assert new["area_code"].nunique() == 408


def test_odc_long_format_leicester_matches_national_2015(read):
    odc = read("iod2015_odc_leicester")
    assert len(odc) == 5760 and odc["area_code"].nunique() == 192
    assert odc.groupby("area_code")["variable"].nunique().eq(30).all()
    assert {"idaci_score", "idaopi_rank", "living_environment_decile"} <= set(odc["variable"])
    both = odc.merge(read("iod2015"), on=["area_code", "variable", "period"])
    assert len(both) == 3 * 192
    assert np.allclose(both["value_x"], both["value_y"])


def test_file10_district_summaries(read):
    obs = read("iod2019_file10")
    assert set(obs["area_type"]) == {"LAD"} and obs["area_code"].nunique() == 317
    assert obs["variable"].nunique() == 68
    assert value(obs, "E07000129", "imd_average_score") == pytest.approx(10.629)
    assert value(obs, "E07000129", "imd_rank_of_average_score") == 282.0
    assert value(obs, "E06000016", "imd_extent") == pytest.approx(0.3713)
    assert value(obs, "E06000016", "imd_rank_of_local_concentration") == 46.0
    assert value(obs, "E06000001", "income_scale") == 21084.0
    assert value(obs, "E06000002", "employment_rank_of_scale") == 62.0
    assert value(obs, "E07000130", "living_environment_average_rank") > 0


def test_read_lsoa_districts():
    lookup = iod.read_lsoa_districts(
        RAW_DIR / "national" / "iod2019" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz")
    assert len(lookup) == 32_844 and lookup["lad_code"].nunique() == 317
    row = lookup.set_index("area_code").loc[BLABY_008A]
    assert (row["lad_code"], row["lad_name"]) == ("E07000129", "Blaby")


# --------------------------------------------------------------------------- naming


@pytest.mark.parametrize("header, expected", [
    ("Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)", "imd_rank"),
    ("Index of Multiple Deprivation (IMD) Decile", "imd_decile"),
    ("Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)",
     "education_decile"),
    ("Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)",
     "idaci_rank"),
    ("Income Deprivation Affecting Older People (IDAOPI) Decile", "idaopi_decile"),
    ("Income Score (rate)", "income_score"),
    ("Barriers Score - exponentially transformed", "barriers_transformed_score"),
    ("Children and Young People Sub-domain Rank (where 1 is most deprived)",
     "children_young_people_rank"),
    ("Older population aged 60 and over: mid 2015 (excluding prisoners)", "pop_60_plus"),
    ("Working age population 18-59/64: for use with Employment Deprivation Domain",
     "pop_working_age"),
    ("Something else entirely", None),
])
def test_mhclg_variable(header, expected):
    assert iod.mhclg_variable(header) == expected


@pytest.mark.parametrize("column, expected", [
    ("IMD_score", "imd_score"),
    ("Housing_and_Services_decile", "barriers_decile"),
    ("Environment_rank", "living_environment_rank"),
    ("barriers_to_housing_and_services_domain_score", "barriers_score"),
    ("children_and_young_people_sub_domain_rank", "children_young_people_rank"),
    ("outdoors_sub_domain_rank_decile", "outdoors_decile"),
    ("skills_sub_domain_score", "adult_skills_score"),
    ("connectivity_score", None),
    ("income_domain_numerator", None),
])
def test_snake_variable(column, expected):
    assert iod.snake_variable(column) == expected


def test_file10_variable():
    assert iod.file10_variable("imd", "IMD 2019 - Rank of extent ") == "imd_rank_of_extent"
    assert iod.file10_variable("education", "Education, Skills and Training - Proportion of "
                               "LSOAs in most deprived 10% nationally") == \
        "education_proportion_most_deprived_10pct"
    assert iod.file10_variable("income", "Rank of Income Scale") == "income_rank_of_scale"
    assert iod.file10_variable("imd", "IMD - Median rank") is None


# --------------------------------------------------------------------------- edge cases

MHCLG_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
                "Local Authority District name (2019),"
                "Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile,"
                "Total population: mid 2015 (excluding prisoners)\n")


def test_mhclg_bom_thousands_and_float_ranks(tmp_path):
    path = write(tmp_path, "file1.csv", MHCLG_HEADER +
                 'E01000001,City of London 001A,E09000001,City of London,"29,199",9.00,"1,296"\n'
                 "E01000002,City of London 001B,E09000001,City of London,30379.00,10,1156\n",
                 bom=True)
    obs = iod.read_mhclg(spec_for(path), CodeRegistry()).set_index(["area_code", "variable"])
    assert obs.loc[("E01000001", "imd_rank"), "value"] == 29199.0
    assert obs.loc[("E01000001", "pop_total"), "value"] == 1296.0
    assert obs.loc[("E01000002", "imd_rank"), "value"] == 30379.0
    assert obs.loc[("E01000002", "imd_decile"), "value"] == 10.0


def test_mhclg_missing_code_column_names_the_file(tmp_path):
    path = write(tmp_path, "no_codes.csv", "Area,Index of Multiple Deprivation (IMD) Rank\nx,1\n")
    with pytest.raises(InputError) as err:
        iod.read_mhclg(spec_for(path), CodeRegistry())
    assert "no_codes.csv" in str(err.value) and "LSOA code" in str(err.value)


def test_mhclg_unrecognised_column_is_an_error(tmp_path):
    path = write(tmp_path, "extra.csv", "LSOA code (2011),IMD Rank,Mystery column\nE01000001,1,2\n")
    with pytest.raises(InputError, match="Mystery column"):
        iod.read_mhclg(spec_for(path), CodeRegistry())


def test_mhclg_bad_number_names_row_and_column(tmp_path):
    path = write(tmp_path, "bad.csv", "LSOA code (2011),IMD Rank\nE01000001,1\nE01000002,n/a\n")
    with pytest.raises(InputError) as err:
        iod.read_mhclg(spec_for(path), CodeRegistry())
    assert "row 3" in str(err.value) and "IMD Rank" in str(err.value)


def test_mhclg_header_vintage_must_match_declared_vintage(tmp_path):
    path = write(tmp_path, "v.csv", "LSOA code (2011),IMD Rank\nE01000001,1\n")
    with pytest.raises(InputError, match="declared LSOA21"):
        iod.read_mhclg(spec_for(path, vintage="LSOA21"), CodeRegistry())


def test_known_codes_reject_a_code_of_another_vintage(tmp_path):
    path = write(tmp_path, "wrong_vintage.csv",
                 "LSOA code (2011),IMD Rank\nE01000001,1\nE01035370,2\n")
    codes = CodeRegistry(known={"LSOA11": frozenset({"E01000001", "E01000002"}),
                                "LSOA21": frozenset({"E01000001", "E01035370"})})
    with pytest.raises(InputError) as err:
        iod.read_mhclg(spec_for(path), codes)
    assert "E01035370" in str(err.value) and "LSOA21" in str(err.value)
    assert "row 3" in str(err.value)


def test_malformed_code_is_rejected(tmp_path):
    path = write(tmp_path, "code.csv", "LSOA code (2011),IMD Rank\nE02000001,1\n")
    with pytest.raises(InputError, match="not a valid LSOA11"):
        iod.read_mhclg(spec_for(path), CodeRegistry())


def test_skip_variables_typo_is_an_error(tmp_path):
    path = write(tmp_path, "s.csv", "LSOA code (2011),IMD Rank\nE01000001,1\n")
    with pytest.raises(InputError, match="skip_variables"):
        iod.read_mhclg(spec_for(path, skip_variables=["imd_rnak"]), CodeRegistry())


def test_missing_edition_option(tmp_path):
    path = write(tmp_path, "e.csv", "LSOA code (2011),IMD Rank\nE01000001,1\n")
    spec = DatasetSpec(id="x", path=path, reader="iod_mhclg", options={"vintage": "LSOA11"})
    with pytest.raises(InputError, match="'edition' is missing"):
        iod.read_mhclg(spec, CodeRegistry())


def test_duplicate_lsoa_is_an_error(tmp_path):
    path = write(tmp_path, "d.csv", "LSOA code (2011),IMD Rank\nE01000001,1\nE01000001,2\n")
    with pytest.raises(InputError, match="row 3"):
        iod.read_mhclg(spec_for(path), CodeRegistry())


def test_snake_unrecognised_and_wrong_vintage(tmp_path):
    path = write(tmp_path, "snake.csv", "lsoa11_code,IMD_score,IMD_flavour\nE01000001,1.5,2\n")
    with pytest.raises(InputError, match="IMD_flavour"):
        iod.read_snake(spec_for(path, reader="iod_snake"), CodeRegistry())
    path = write(tmp_path, "snake01.csv", "lsoa01_code,IMD_score\nE01000001,1.5\n")
    with pytest.raises(InputError, match="declared LSOA11"):
        iod.read_snake(spec_for(path, reader="iod_snake"), CodeRegistry())


def test_snake_suppression_marker_and_missing_code(tmp_path):
    path = write(tmp_path, "s.csv", "lsoa11_code,IMD_score,IMD_rank\nE01000001,,3\n")
    obs = iod.read_snake(spec_for(path, reader="iod_snake"), CodeRegistry())
    row = obs[obs["variable"] == "imd_score"].iloc[0]
    assert np.isnan(row["value"]) and row["flag"] == "[x]"
    path = write(tmp_path, "nocode.csv", "code,IMD_score\nE01000001,1\n")
    with pytest.raises(InputError, match="nocode.csv"):
        iod.read_snake(spec_for(path, reader="iod_snake"), CodeRegistry())


def test_derived_score_edition_must_match(tmp_path):
    path = write(tmp_path, "derived.csv", "lsoa11_code,imd2019_score_derived\nE01000001,6.2\n")
    with pytest.raises(InputError, match="declared edition 2015"):
        iod.read_derived_score(spec_for(path, edition=2015), CodeRegistry())
    obs = iod.read_derived_score(spec_for(path), CodeRegistry())
    assert obs["value"].tolist() == [6.2]


def test_odc_rejects_other_edition_and_unknown_label(tmp_path):
    head = "FeatureCode,DateCode,Measurement,Units,Value,IndicesOfDeprivation\n"
    path = write(tmp_path, "odc.csv", head + "E01000001,2015,Score,NA,0.1,Crime Domain\n"
                                             "E01000001,2010,Score,NA,0.1,Crime Domain\n")
    with pytest.raises(InputError) as err:
        iod.read_odc_long(spec_for(path, edition=2015), CodeRegistry())
    assert "row 3" in str(err.value) and "2010" in str(err.value)
    path = write(tmp_path, "odc2.csv", head + "E01000001,2015,Score,NA,0.1,Happiness Domain\n")
    with pytest.raises(InputError, match="Happiness Domain"):
        iod.read_odc_long(spec_for(path, edition=2015), CodeRegistry())


_FILE10_HEADERS = {
    "average_rank": "Average rank ", "average_score": "Average score ",
    "proportion_most_deprived_10pct": "Proportion of LSOAs in most deprived 10% nationally ",
    "extent": "Extent ", "local_concentration": "Local concentration ",
}


def _file10_sheet(domain: str, label: str) -> pd.DataFrame:
    """One File 10 sheet for Blaby and Charnwood with every published measure (trailing spaces
    in the headers, as published)."""
    table = {"Local Authority District code (2019)": ["E07000129", "E07000130"],
             "Local Authority District name (2019)": ["Blaby", "Charnwood"]}
    for measure in iod.file10_sheet_measures(domain):
        base = measure.removeprefix("rank_of_")
        if base == "scale":
            header = f"{'Rank of ' if measure != base else ''}{label} scale"
        else:
            text = _FILE10_HEADERS[base]
            header = f"{label} - {'Rank of ' + text.lower() if measure != base else text}"
        table[header] = [2, 1] if measure != base else [0.25, 0.5]
    return pd.DataFrame(table)


def write_file10(path, *, drop_sheet: str | None = None, drop_column: str | None = None):
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": ["notes"]}).to_excel(xl, sheet_name="Notes", index=False)
        for domain, sheet in iod.FILE10_SHEETS.items():
            if sheet == drop_sheet:
                continue
            table = _file10_sheet(domain, sheet)
            table.drop(columns=[c for c in table if c == drop_column]).to_excel(
                xl, sheet_name=sheet, index=False)
    return path


def test_file10_fixture_with_trailing_spaces_and_missing_sheets(tmp_path):
    spec = spec_for(write_file10(tmp_path / "f10.xlsx"), reader="iod_file10", vintage="LAD")
    obs = iod.read_file10(spec, CodeRegistry()).set_index(["area_code", "variable"])
    assert obs.loc[("E07000130", "crime_average_rank"), "value"] == 0.5
    assert obs.loc[("E07000129", "crime_rank_of_average_rank"), "value"] == 2.0
    assert obs.loc[("E07000129", "income_rank_of_scale"), "value"] == 2.0
    assert len(obs) == 2 * sum(len(iod.file10_sheet_measures(d)) for d in iod.FILE10_SHEETS)
    empty = tmp_path / "notes_only.xlsx"
    with pd.ExcelWriter(empty) as xl:
        pd.DataFrame({"x": ["notes"]}).to_excel(xl, sheet_name="Notes", index=False)
    with pytest.raises(InputError, match=r"notes_only.xlsx: sheet 'IMD' is missing .*found: Notes"):
        iod.read_file10(spec_for(empty, reader="iod_file10", vintage="LAD"), CodeRegistry())


def test_file10_without_a_sheet_or_a_measure_names_it(tmp_path):
    no_imd = write_file10(tmp_path / "no_imd.xlsx", drop_sheet="IMD")
    with pytest.raises(InputError) as err:
        iod.read_file10(spec_for(no_imd, reader="iod_file10", vintage="LAD"), CodeRegistry())
    assert str(err.value).startswith("no_imd.xlsx: sheet 'IMD' is missing")
    assert "sheets found: Notes, Income, Employment" in str(err.value)
    no_extent = write_file10(tmp_path / "no_extent.xlsx", drop_column="IMD - Extent ")
    with pytest.raises(InputError) as err:
        iod.read_file10(spec_for(no_extent, reader="iod_file10", vintage="LAD"), CodeRegistry())
    assert str(err.value).startswith("no_extent.xlsx [IMD]: missing column: extent")


def test_read_lsoa_districts_missing_column(tmp_path):
    path = write(tmp_path, "nolad.csv", "LSOA code (2011),IMD Rank\nE01000001,1\n")
    with pytest.raises(InputError, match="Local Authority District code"):
        iod.read_lsoa_districts(path)


def test_file10_not_an_xlsx(tmp_path):
    path = write(tmp_path, "file10.xlsx", "this is not a workbook")
    with pytest.raises(InputError, match="could not be opened as an Excel"):
        iod.read_file10(spec_for(path, reader="iod_file10", vintage="LAD"), CodeRegistry())
