"""The real ingest on the shipped data: counts, published figures, catalogue coverage, manifest."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.indicators import CATALOGUE_COLUMNS, load_catalogue
from pipeline.schema import STORE, STORE_COLUMNS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(ingested):
    return ingested["result"].store


def _value(store, area, indicator, period):
    hit = store[(store["area_code"] == area) & (store["indicator_id"] == indicator)
                & (store["period"] == period) & (store["category"] == "")]
    assert len(hit) == 1, f"{indicator} {area} {period}: {len(hit)} rows"
    return hit.iloc[0]


def test_store_fits_the_schema(store):
    assert list(store.columns) == STORE_COLUMNS
    STORE.validate(store.head(1000))


def test_county_lsoa_counts(ingested, store):
    county = ingested["config"].county.code
    pop = store[(store["indicator_id"] == "population_total") & (store["period"] == "2020")
                & (store["area_type"] == "LSOA11")]
    assert len(pop) == 396
    assert _value(store, county, "population_total", "2020")["value"] == 713085


def test_published_imd_2019_rank_and_decile_of_a_named_lsoa(store):
    row = store[(store["area_code"] == "E01025610") & (store["area_type"] == "LSOA11")
                & (store["period"] == "2019")].set_index("indicator_id")
    assert row.loc["imd_rank", "value"] == 15811 and row.loc["imd_decile", "value"] == 5


def test_file10_and_aggregated_district_score_agree(store):
    """Blaby's IMD 2019 average score: published 10.629 (File 10); our population-weighted
    aggregate of the LSOA scores must match it to the published precision."""
    published = _value(store, "E07000129", "imd_average_score", "2019")["value"]
    aggregated = store[(store["area_code"] == "E07000129") & (store["area_type"] == "LAD")
                       & (store["indicator_id"] == "imd_score") & (store["period"] == "2019")]
    assert published == pytest.approx(10.629, abs=1e-9)
    assert aggregated["value"].iloc[0] == pytest.approx(10.629, abs=0.001)


def test_rates_carry_intervals_and_england_has_no_county_only_data(ingested, store):
    row = _value(store, ingested["config"].county.code, "burglary_rate", "2021")
    assert row["lower_ci"] < row["value"] < row["upper_ci"]
    england = store[store["area_type"] == "ENG"]
    assert _value(store, "E92000001", "imd_score", "2019")["value"] == pytest.approx(21.72, abs=0.01)
    assert not england["indicator_id"].str.contains("rate").any()  # crime: the county only
    assert not england["indicator_id"].str.startswith("c11_").any()  # Census 2011: the county only


def test_england_mid2020_population_is_the_published_figure(store):
    row = _value(store, "E92000001", "population_total", "2020")
    assert row["value"] == 56_550_138 and row["flag"] == ""
    regions = store[(store["area_type"] == "RGN") & (store["indicator_id"] == "population_total")
                    & (store["period"] == "2020")]
    assert len(regions) == 9 and regions["value"].sum() == 56_550_138
    districts = store[(store["area_type"] == "LAD") & (store["indicator_id"] == "population_total")
                      & (store["period"] == "2020")]
    english = districts[districts["area_code"].str.startswith("E")]
    assert len(english) == 317 and english["value"].sum() == 56_550_138


def test_england_comparator_for_every_census2021_and_population_indicator(ingested, store):
    catalogue = load_catalogue(ingested["config"].indicators_path)
    national = catalogue.loc[catalogue["status"].eq("computed")
                             & catalogue["id"].str.match(r"^(c21_|population_)"), "id"]
    england = store[store["area_type"] == "ENG"]
    assert len(national) >= 20
    for indicator in national:
        rows = england[england["indicator_id"] == indicator]
        assert len(rows) >= 1 and rows["value"].notna().all(), indicator
        share = catalogue.set_index("id").loc[indicator, "ci"] == "wilson"
        assert not share or (rows["lower_ci"] < rows["value"]).all(), indicator


def _expected_census_shares(config, lad_code: str, catalogue: pd.DataFrame) -> dict[str, float]:
    """Census 2021 shares of a county district summed straight from the national files over the
    district's LSOA21s (as listed by the county boundary file)."""
    import geopandas as gpd

    from pipeline.indicators import parse_terms
    from pipeline.paths import RAW_DIR

    bounds = gpd.read_file(RAW_DIR / "leicestershire/boundaries/"
                           "leicestershire_lsoa21_boundaries.geojson")
    lsoas = set(bounds.loc[bounds["LADCD_ACTIVE"] == lad_code, "LSOA21CD"])
    sums: dict[tuple[str, str], float] = {}
    for path in sorted((RAW_DIR / "national/census2021").glob("*.csv.gz")):
        raw = pd.read_csv(path)
        raw = raw[raw["lsoa21_code"].isin(lsoas)]
        table = "c21_" + path.name.split("_")[1]
        label = [c for c in raw.columns if c not in ("lsoa21_code", "n", "prop")
                 and not c.startswith("total_")][0]
        total = [c for c in raw.columns if c.startswith("total_")][0]
        sums[(table, "")] = raw.drop_duplicates("lsoa21_code")[total].sum()
        for category, n in raw.groupby(label)["n"].sum().items():
            sums[(table, category)] = n
    expected = {}
    for _, row in catalogue[catalogue["id"].str.startswith("c21_")].iterrows():
        num = sum(sums[(t.variable, t.category)] for t in parse_terms(row["numerator"]))
        den = sum(sums[(t.variable, t.category)] for t in parse_terms(row["denominator"]))
        expected[row["id"]] = 100 * num / den
    return expected


def test_a_county_district_census2021_shares_are_the_county_files_own(ingested, store):
    """Melton's Census 2021 shares, now summed from the national files, are those of its own
    LSOA21s (what the county subsets gave), exact and unflagged."""
    catalogue = load_catalogue(ingested["config"].indicators_path)
    expected = _expected_census_shares(ingested["config"], "E07000133", catalogue)
    rows = store[(store["area_code"] == "E07000133") & (store["area_type"] == "LAD")
                 & store["indicator_id"].str.startswith("c21_")].set_index("indicator_id")
    assert len(expected) >= 15 and set(rows.index) == set(expected)
    for indicator, share in expected.items():
        assert rows.loc[indicator, "value"] == pytest.approx(share, rel=1e-12), indicator
    assert (rows["flag"] == "").all()
    assert rows.loc["c21_social_rented_pct", "value"] == pytest.approx(10.69, abs=0.005)


def test_only_the_county_lsoas_of_the_national_files_are_kept(ingested, store):
    pop = store[(store["indicator_id"] == "population_total") & (store["period"] == "2020")]
    assert (pop["area_type"] == "LSOA11").sum() == 396
    census = store[store["indicator_id"] == "c21_social_rented_pct"]
    assert (census["area_type"] == "LSOA21").sum() == 408
    districts = census[census["area_type"] == "LAD"]
    assert len(districts) == 317
    # outside the county, a district whose LSOAs changed in 2021 is estimated (best-fit lookup)
    county = {d.code for d in ingested["config"].districts}
    assert set(districts.loc[districts["flag"] == "[e]", "area_code"]).isdisjoint(county)


def test_other_vintages_are_moved_to_working_vintage_and_flagged(store):
    moved = store[(store["area_type"] == "LSOA11") & (store["indicator_id"] == "imd_score")
                  & (store["period"] == "2025")]
    assert moved["area_code"].str.startswith("E01").all()
    assert (moved["flag"] == "[e]").sum() == 12  # the county's 12 LSOA11s split in 2021
    assert set(moved["flag"]) <= {"", "[e]"}


def test_every_computed_catalogue_indicator_is_produced(ingested, store):
    catalogue = load_catalogue(ingested["config"].indicators_path)
    computed = set(catalogue.loc[catalogue["status"] == "computed", "id"])
    assert computed <= set(store["indicator_id"])
    assert len(computed) >= 30
    for column in CATALOGUE_COLUMNS:
        assert (catalogue[column].astype(str) != "").all() or column in (
            "denominator", "nr_theme"), column
    themes = set(catalogue["qol_theme"])
    assert len(themes) >= 6


def test_catalogue_marks_uncomputable_indicators(ingested):
    catalogue = load_catalogue(ingested["config"].indicators_path)
    other = catalogue[catalogue["status"] != "computed"]
    assert other["status"].str.startswith("needs extract:").all()


def test_manifest_lists_every_input_with_hash(ingested):
    manifest = json.loads((ingested["out"] / "manifest.json").read_text())
    assert len(manifest["inputs"]) == 33
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["summary"]["indicators"] >= 30
    assert "pandas" in manifest["packages"]


def test_written_store_reads_back_identically(ingested):
    back = pd.read_parquet(ingested["out"] / "indicators.parquet")
    pd.testing.assert_frame_equal(back, ingested["result"].store.reset_index(drop=True))
