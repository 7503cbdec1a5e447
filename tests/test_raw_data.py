"""data/raw is immutable input: a full ingest must leave every file's bytes unchanged."""

import pytest

from pipeline.io import sha256_file
from pipeline.paths import RAW_DIR


def _hashes() -> dict[str, str]:
    return {p.relative_to(RAW_DIR).as_posix(): sha256_file(p)
            for p in sorted(RAW_DIR.rglob("*")) if p.is_file()}


def test_shipped_raw_files_present_with_attribution():
    text = (RAW_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in text
    assert len(_hashes()) >= 70


@pytest.mark.slow
def test_ingest_leaves_raw_data_unchanged(ingested):
    before = ingested["raw_hashes"]
    assert _hashes() == before
