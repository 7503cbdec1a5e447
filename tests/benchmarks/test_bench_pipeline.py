"""Benchmarks on the real data (``make benchmark``); skipped in the normal test run.

They time the vectorised steps that dominate a re-run: building indicators from observations,
aggregating every LSOA row to districts and localities, and the whole ingest.
"""

from __future__ import annotations

import pytest

from pipeline.aggregate import aggregate
from pipeline.config import load_area_config
from pipeline.indicators import add_intervals, build_indicators

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real(ingested):
    result = ingested["result"]
    return result, ingested["config"]


def test_bench_build_indicators(benchmark, real):
    result, _ = real
    benchmark.pedantic(lambda: add_intervals(build_indicators(result.observations,
                                                              result.catalogue),
                                             result.catalogue), rounds=2, iterations=1)


def test_bench_aggregate_to_districts(benchmark, real):
    from pipeline import geography

    result, config = real
    lookup = geography.lsoa_lookup(config)
    weights = geography.lsoa_population(config)
    working = result.store[result.store["area_type"] == config.working_vintage]
    members = lookup[["lad_code", "lsoa_code"]].rename(columns={"lad_code": "area_code"})
    benchmark.pedantic(lambda: aggregate(working, members, result.catalogue, weights,
                                         area_type="LAD"), rounds=3, iterations=1)


def test_bench_full_ingest(benchmark):
    from pipeline.store import run_ingest

    config = load_area_config()
    benchmark.pedantic(lambda: run_ingest(config, progress=False), rounds=1, iterations=1)
