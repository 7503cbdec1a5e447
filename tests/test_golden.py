"""Back-test: a whole district pack is the same as the known-good copy (RAP style).

The known-good digests (``tests/golden/melton.json``) were recorded before the compute-once
redesign with ``python -m tests.golden.packs --record``; every page, download, workbook and
manifest must still match once code-version fields are masked. Update them only deliberately,
when a change is meant to alter what readers see.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.batch import run_batch
from tests.golden.packs import build_pack, differences, pack_digests, pack_plan

GOLDEN = Path(__file__).resolve().parent / "golden" / "melton.json"


@pytest.mark.slow
def test_melton_pack_matches_the_known_good_copy(prepared, ingested, tmp_path_factory):
    """Built by two workers (the known-good copy was built by one), then re-run: the re-run
    reuses every page and leaves the pack as it was."""
    folder = tmp_path_factory.mktemp("golden")
    pack = build_pack(ingested["out"], folder, "Melton", workers=2)
    known = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert differences(known, pack_digests(pack)) == []
    assert len(known) > 20  # pages, downloads, workbooks, manifest, assets: a real pack

    again = run_batch(pack_plan(ingested["out"], folder, "Melton", workers=2))
    [melton] = again.results
    assert (melton.status, melton.ran, melton.computed, melton.published) == ("ok", 0, 0, False)
    assert melton.reused == melton.pages == len([k for k in known if k.endswith(".html")]) - 1
    assert differences(known, pack_digests(pack)) == []


def test_the_comparison_sees_a_changed_page(tmp_path):
    (tmp_path / "a.html").write_text("<p>0.1.0+0123456789ab</p>")
    before = pack_digests(tmp_path)
    (tmp_path / "a.html").write_text("<p>0.1.0+ba9876543210.dirty</p>")
    assert differences(before, pack_digests(tmp_path)) == []  # code version masked
    (tmp_path / "a.html").write_text("<p>0.2</p>")
    assert differences(before, pack_digests(tmp_path)) == ["changed: a.html"]
