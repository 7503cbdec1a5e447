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


def test_rates_carry_intervals_and_england_has_iod_only(ingested, store):
    row = _value(store, ingested["config"].county.code, "burglary_rate", "2021")
    assert row["lower_ci"] < row["value"] < row["upper_ci"]
    england = store[store["area_type"] == "ENG"]
    assert _value(store, "E92000001", "imd_score", "2019")["value"] == pytest.approx(21.72, abs=0.01)
    assert not england["indicator_id"].str.contains("rate").any()


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
