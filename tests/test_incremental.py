"""Re-runs reuse what is current; every executor publishes the same bytes.

The stand-in notebooks (``tests/fixtures/notebooks``) make these quick; the real pipeline's
re-runs are checked in ``tests/test_golden.py`` and timed in ``make benchmark``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from pipeline.batch import run_batch
from tests.test_batch import FIXTURES, GOOD, _files, make_plan

pytestmark = pytest.mark.slow

MELTON = GOOD.__class__("E07000133", "Melton", "Leicestershire")


def _plan(root: Path, notebooks: Path, **changes):
    return make_plan(root, districts=(GOOD, MELTON), notebooks_dir=notebooks,
                     steps=("01_baseline", "02_evidence"), **changes)


def _notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(FIXTURES, folder)
    return folder


def _counts(summary) -> list[tuple[str, int, int, bool]]:
    return [(r.status, r.ran, r.reused, r.published) for r in summary.results]


def test_a_rerun_with_nothing_changed_reuses_every_page_and_pack(tmp_path):
    notebooks = _notebooks(tmp_path)
    first = run_batch(_plan(tmp_path, notebooks))
    assert _counts(first) == [("ok", 3, 0, True)] * 2
    published = _files(tmp_path / "reports")
    executed = (tmp_path / "processed/runs/blaby/notebooks/01_baseline.ipynb").stat().st_mtime_ns

    again = run_batch(_plan(tmp_path, notebooks))
    assert _counts(again) == [("ok", 0, 3, False)] * 2
    assert [r.pages for r in again.results] == [3, 3]
    assert (tmp_path / "processed/runs/blaby/notebooks/01_baseline.ipynb").stat().st_mtime_ns \
        == executed
    after = _files(tmp_path / "reports")
    assert after.pop("run_summary.json") != published.pop("run_summary.json")
    assert after == published


def test_an_edited_notebook_runs_the_pack_again_from_a_clean_work_folder(tmp_path):
    """A notebook edit may stop staging a table: its pack starts from an empty work folder."""
    notebooks = _notebooks(tmp_path)
    run_batch(_plan(tmp_path, notebooks))
    source = notebooks / "02_evidence.ipynb"
    book = nbformat.read(source, 4)
    book.cells.append(nbformat.v4.new_markdown_cell("A sentence added by the test."))
    nbformat.write(book, source)

    (tmp_path / "processed/runs/melton/tables/stale.parquet").write_bytes(b"old table")
    summary = run_batch(_plan(tmp_path, notebooks))
    assert _counts(summary) == [("ok", 3, 0, True)] * 2
    assert not (tmp_path / "processed/runs/melton/tables/stale.parquet").exists()
    page = (tmp_path / "reports/melton/02-evidence.html").read_text(encoding="utf-8")
    assert "A sentence added by the test." in page


def test_force_runs_everything_again(tmp_path):
    notebooks = _notebooks(tmp_path)
    run_batch(_plan(tmp_path, notebooks))
    summary = run_batch(_plan(tmp_path, notebooks, force=True))
    assert _counts(summary) == [("ok", 3, 0, True)] * 2


def test_a_deleted_pack_is_published_again(tmp_path):
    notebooks = _notebooks(tmp_path)
    run_batch(_plan(tmp_path, notebooks))
    shutil.rmtree(tmp_path / "reports/melton")
    summary = run_batch(_plan(tmp_path, notebooks))
    assert _counts(summary) == [("ok", 0, 3, False), ("ok", 0, 3, True)]
    assert (tmp_path / "reports/melton/index.html").exists()


@pytest.mark.parametrize("executor", [{"workers": 2}, {"workers": 2, "scheduler": "local"}],
                         ids=["processes", "dask-local-cluster"])
def test_every_executor_publishes_the_same_bytes_as_one_worker(tmp_path, executor):
    notebooks = _notebooks(tmp_path)
    serial = run_batch(_plan(tmp_path / "one", notebooks))
    other = run_batch(_plan(tmp_path / "other", notebooks, **executor))
    assert _counts(other) == _counts(serial) == [("ok", 3, 0, True)] * 2
    one, two = _files(tmp_path / "one/reports"), _files(tmp_path / "other/reports")
    one.pop("run_summary.json"), two.pop("run_summary.json")
    assert one == two and len(one) > 10
