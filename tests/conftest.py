"""Shared fixtures. The real ingest runs once per test session and is reused."""

from __future__ import annotations

import pytest

from pipeline.io import sha256_file
from pipeline.paths import RAW_DIR


@pytest.fixture(scope="session")
def ingested(tmp_path_factory):
    """Run the full ingest on the shipped data into a temporary folder (once per session)."""
    from pipeline.config import load_area_config
    from pipeline.store import run_ingest, write_store

    hashes = {p.relative_to(RAW_DIR).as_posix(): sha256_file(p)
              for p in sorted(RAW_DIR.rglob("*")) if p.is_file()}
    config = load_area_config()
    result = run_ingest(config, progress=False)
    out = tmp_path_factory.mktemp("processed")
    write_store(result, config, out)
    return {"result": result, "out": out, "raw_hashes": hashes, "config": config}


@pytest.fixture(scope="session")
def prepared(ingested):
    """The ingest plus the localities, ready for notebooks: (locality summary, AreaData)."""
    from pipeline.context import load_area_data, prepare_localities

    summary = prepare_localities(ingested["config"], ingested["out"])
    return summary, load_area_data(processed_dir=ingested["out"])
