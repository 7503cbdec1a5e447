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

from tests.golden.packs import build_pack, differences, pack_digests

GOLDEN = Path(__file__).resolve().parent / "golden" / "melton.json"


@pytest.mark.slow
def test_melton_pack_matches_the_known_good_copy(prepared, ingested, tmp_path_factory):
    pack = build_pack(ingested["out"], tmp_path_factory.mktemp("golden"), "Melton")
    known = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert differences(known, pack_digests(pack)) == []
    assert len(known) > 20  # pages, downloads, workbooks, manifest, assets: a real pack


def test_the_comparison_sees_a_changed_page(tmp_path):
    (tmp_path / "a.html").write_text("<p>0.1.0+0123456789ab</p>")
    before = pack_digests(tmp_path)
    (tmp_path / "a.html").write_text("<p>0.1.0+ba9876543210.dirty</p>")
    assert differences(before, pack_digests(tmp_path)) == []  # code version masked
    (tmp_path / "a.html").write_text("<p>0.2</p>")
    assert differences(before, pack_digests(tmp_path)) == ["changed: a.html"]
