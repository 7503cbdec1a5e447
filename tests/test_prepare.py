"""The ingest and the localities are rebuilt only when what they are made from has changed."""

from __future__ import annotations

import pytest

from pipeline import datasets, prepare
from pipeline.config import load_area_config


class _Result:
    def summary(self):
        return {"files_read": 1, "indicators": 1, "store_rows": 1, "seconds": 0.0}


@pytest.fixture()
def fake_builds(monkeypatch):
    """The ingest and the localities replaced by stand-ins that write their datasets and count
    how often they run (the real ones take a minute; their outputs are tested elsewhere)."""
    import pipeline.context
    import pipeline.store

    calls = {"ingest": 0, "localities": 0}

    def ingest(config, progress=True):
        calls["ingest"] += 1
        return _Result()

    def write_store(result, config, out):
        for name in ("indicators", "observations", "indicator_catalogue", "ingest_manifest"):
            datasets.path(name, out).parent.mkdir(parents=True, exist_ok=True)
            datasets.path(name, out).write_text("stand-in")

    def localities(config, out):
        calls["localities"] += 1
        for name in (*datasets.PREPARED, "locality_shapes"):
            datasets.path(name, out).write_text("stand-in")

    monkeypatch.setattr(pipeline.store, "run_ingest", ingest)
    monkeypatch.setattr(pipeline.store, "write_store", write_store)
    monkeypatch.setattr(pipeline.context, "prepare_localities", localities)
    return calls


def test_a_current_ingest_and_localities_are_reused(tmp_path, fake_builds, monkeypatch):
    config = load_area_config()
    first = prepare.prepare(config, tmp_path, progress=False, isolated=False)
    assert first.startswith("Indicator store rebuilt") and "localities prepared" in first
    again = prepare.prepare(config, tmp_path, progress=False, isolated=False)
    assert again == "Indicator store and localities reused (inputs, settings and code unchanged)."
    assert fake_builds == {"ingest": 1, "localities": 1}

    prepare.prepare(config, tmp_path, progress=False, isolated=False, force=True)
    assert fake_builds == {"ingest": 2, "localities": 2}

    datasets.path("locality_shapes", tmp_path).unlink()  # an output gone: rebuilt
    prepare.prepare(config, tmp_path, progress=False, isolated=False)
    assert fake_builds == {"ingest": 2, "localities": 3}

    real = prepare.ingest_fingerprint
    monkeypatch.setattr(prepare, "ingest_fingerprint", lambda c: real(c) + "changed")
    prepare.prepare(config, tmp_path, progress=False, isolated=False)  # an input changed: both rebuilt
    assert fake_builds == {"ingest": 3, "localities": 4}


def test_the_fingerprints_cover_the_inputs_but_not_the_registers():
    config = load_area_config()
    ingest = prepare.ingest_fingerprint(config)
    assert ingest == prepare.ingest_fingerprint(config) and len(ingest) == 64
    localities = prepare.localities_fingerprint(config, ingest)
    assert localities != prepare.localities_fingerprint(config, "another ingest")
    from pipeline import fingerprint

    registers = [config.config_file(k) for k in ("targets", "options", "appraisal")]
    assert fingerprint.settings_fingerprint(config.path, exclude=registers) != \
        fingerprint.settings_fingerprint(config.path)
