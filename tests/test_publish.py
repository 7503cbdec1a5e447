"""Publishing when things go wrong: a page that cannot be exported becomes a notice page, a pack
moved aside by a stopped run is put back, and the store's files are replaced together."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pipeline import datasets
from pipeline.batch import run_batch
from pipeline.lock import remove_leftovers
from pipeline.publish import restore_folder
from tests.test_batch import FIXTURES, GOOD, make_plan


@pytest.mark.slow
def test_a_page_that_cannot_be_exported_becomes_a_notice(tmp_path):
    """A stray ``print`` is refused by the export (ExportError); the pack is still published."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    book = nbformat.read(FIXTURES / "01_baseline.ipynb", 4)
    book.cells.append(nbformat.v4.new_code_cell('print("<b>stray</b> output")'))
    nbformat.write(book, notebooks / "01_baseline.ipynb")
    (notebooks / "locality_profile.ipynb").write_bytes(
        (FIXTURES / "locality_profile.ipynb").read_bytes())
    summary = run_batch(make_plan(tmp_path, districts=(GOOD,), notebooks_dir=notebooks))
    [blaby] = summary.results
    assert (blaby.status, blaby.pages, summary.exit_code) == ("partial", 2, 1)
    [notice] = blaby.notices
    assert notice.startswith("01-baseline.html: ExportError: 01_baseline.ipynb: cell ")
    assert "stray" in notice
    page = (tmp_path / "reports/blaby/01-baseline.html").read_text()
    assert "<h1>Baseline: not available</h1>" in page
    assert "&lt;b&gt;stray&lt;/b&gt;" in page and "<b>stray</b>" not in page
    manifest = json.loads((tmp_path / "reports/blaby/manifest.json").read_text())
    assert manifest["notices"] == [notice]
    assert (tmp_path / "reports/blaby/localities/pn-1.html").exists()


def test_a_pack_moved_aside_by_a_stopped_run_is_put_back(tmp_path):
    final = tmp_path / "melton"
    old = tmp_path / ".melton.old"
    old.mkdir()
    (old / "index.html").write_text("previous pack")
    restore_folder(final)  # stopped between moving the old pack aside and the new one in
    assert (final / "index.html").read_text() == "previous pack" and not old.exists()
    old.mkdir()
    (old / "index.html").write_text("older")
    restore_folder(final)  # both there: the published pack stays
    assert (final / "index.html").read_text() == "previous pack"


def test_the_store_files_are_replaced_together_or_not_at_all(tmp_path):
    before = pd.DataFrame({"a": [1]})
    datasets.save_together({"indicators": before, "ingest_manifest": {"v": 1}}, tmp_path)

    class Unwritable:
        def to_csv(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        datasets.save_together({"indicators": pd.DataFrame({"a": [2]}),
                                "ingest_manifest": {"v": 2},
                                "indicator_catalogue": Unwritable()}, tmp_path)
    assert datasets.load("indicators", tmp_path)["a"].tolist() == [1]
    assert datasets.load("ingest_manifest", tmp_path) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["indicators.parquet", "manifest.json"]


def test_the_next_holder_removes_what_a_killed_command_left(tmp_path):
    (tmp_path / "results").mkdir()
    left = [tmp_path / ".indicators.parquet.abc123.tmp",
            tmp_path / "results" / ".melton.stamp.json.x1.tmp"]
    for path in left:
        path.write_text("half")
    kept = tmp_path / "indicators.parquet"
    kept.write_text("whole")
    assert remove_leftovers(tmp_path) == sorted(left)
    assert [p.name for p in Path(tmp_path).rglob("*") if p.is_file()] == ["indicators.parquet"]
