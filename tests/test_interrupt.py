"""A real run killed at any moment leaves the previous store and pack intact, and the next run
completes without clean-up and publishes the same bytes.

One small district (Melton) is built once; then ``run --force`` is killed at points observed on
disk -- SIGKILL while the store is being written, SIGTERM once the first page is done, Ctrl-C
(SIGINT to the process group, as a terminal sends it) while the pack is assembled -- and each
time the previous store and pack are compared with their hashes from before, and the next run
must publish the pack byte for byte again. The kills wait for events, never for a time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.io import sha256_file
from pipeline.paths import PROJECT_ROOT

MELTON = "E07000133"
STORE_FILES = ("indicators.parquet", "observations.parquet", "catalogue.csv",
               "localities.parquet", "locality_membership.parquet", "lsoas.parquet",
               "locality_indicators.parquet", "locality_shapes.geojson")

pytestmark = pytest.mark.slow


def _start(root: Path, *options: str) -> subprocess.Popen:
    """``python -m pipeline run`` for Melton into ``root``, in a session of its own (so that a
    Ctrl-C can be sent to its process group as a terminal would)."""
    command = [sys.executable, "-m", "pipeline", "run", "--district", MELTON, "--workers", "2",
               "--processed", str(root / "processed"), "--out", str(root / "reports"),
               "--no-progress", *options]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _run(root: Path, *options: str) -> tuple[int, str, str]:
    process = _start(root, *options)
    out, err = process.communicate()
    return process.returncode, out, err


def _stop_when(process: subprocess.Popen, happened: Callable[[], bool], signum: int, *,
               group: bool = False) -> tuple[int | None, str, str]:
    """Send ``signum`` as soon as ``happened()`` (polled while the run goes on) and wait for
    the run to end (signal 0: send nothing and return at once, the run going on)."""
    while process.poll() is None and not happened():
        time.sleep(0.005)
    assert process.poll() is None, "the run ended before the point to stop it at"
    (os.killpg if group else os.kill)(process.pid, signum)
    if not signum:
        return None, "", ""
    out, err = process.communicate()
    return process.returncode, out, err


def _digests(folder: Path, names: tuple[str, ...] | None = None) -> dict[str, str]:
    files = [folder / n for n in names] if names else \
        [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Melton built once: the folder, the pack's and the store's hashes."""
    root = tmp_path_factory.mktemp("interrupt")
    code, out, err = _run(root)
    assert code == 0, err
    return root, _digests(root / "reports" / "melton"), \
        _digests(root / "processed", STORE_FILES)


def _assert_intact(root: Path, pack: dict[str, str], store: dict[str, str]) -> None:
    assert _digests(root / "reports" / "melton") == pack
    assert _digests(root / "processed", STORE_FILES) == store


def _assert_next_run_completes(root: Path, pack: dict[str, str], store: dict[str, str]) -> None:
    code, out, err = _run(root)
    assert code == 0, err
    assert "Melton" in out and "1 of 1 district pack(s) built" in out
    _assert_intact(root, pack, store)
    reports, processed = root / "reports", root / "processed"
    assert sorted(p.name for p in reports.iterdir()) == [
        "assets", "index.html", "melton", "run_summary.json"]  # no half-built or old pack
    assert not list(processed.rglob(".*.tmp")) and not (processed / ".lock").exists()


def test_sigkill_while_the_store_is_written(built):
    root, pack, store = built
    processed = root / "processed"
    process = _start(root, "--force")
    code, _, _ = _stop_when(process, lambda: any(processed.glob(".*.tmp")), signal.SIGKILL)
    assert code == -signal.SIGKILL
    _assert_intact(root, pack, store)  # the new store was not yet renamed into place
    _assert_next_run_completes(root, pack, store)


def test_sigterm_once_the_first_page_is_done(built):
    root, pack, store = built
    pages = root / "processed" / "runs" / "melton" / "notebooks"
    process = _start(root, "--force", "--skip-ingest")
    # the last run's stamps go first (--force clears the work folder), then one page is done
    code, _, _ = _stop_when(process, lambda: not any(pages.rglob("*.stamp.json")), 0)
    assert code is None  # signal 0: nothing sent, the run goes on
    code, out, err = _stop_when(process, lambda: any(pages.rglob("*.stamp.json")),
                                signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert out == ""
    assert err.splitlines() == ["interrupted (SIGTERM): stopped; what this command had "
                                "finished is kept, the rest is as before -- run it again to "
                                "finish"]
    _assert_intact(root, pack, store)
    _assert_next_run_completes(root, pack, store)


def test_ctrl_c_while_the_pack_is_assembled(built):
    root, pack, store = built
    building = root / "reports" / ".melton.building"
    process = _start(root, "--force", "--skip-ingest")
    code, out, err = _stop_when(process, building.exists, signal.SIGINT, group=True)
    assert code == 128 + signal.SIGINT
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("interrupted (SIGINT): stopped;")
    _assert_intact(root, pack, store)  # the previous pack, or the new one whole (same bytes)
    _assert_next_run_completes(root, pack, store)
