"""Back-test helpers: compare published packs with a known-good copy (RAP style).

Every published file is reduced to a SHA-256 of its content with the code-version fields masked
(``0.1.0+<commit>[.dirty]`` becomes ``CODE``), so a pack built from another commit of the same
code compares equal. Workbooks and zip files are compared member by member, masked the same way.

Run ``python -m tests.golden.packs OLD_DIR NEW_DIR`` to list every file that differs, and
``python -m tests.golden.packs --record STORE_DIR DISTRICT OUT.json`` to record a known-good copy
(only deliberately: the guard test compares every run with it).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

CODE_VERSION = re.compile(rb"\d+\.\d+\.\d+\+[0-9a-f]{12}(?:\.dirty)?")
TEXT_SUFFIXES = {".html", ".json", ".csv", ".md", ".txt", ".xml", ".css", ".js"}
ZIP_SUFFIXES = {".xlsx", ".zip"}


def _masked(data: bytes) -> bytes:
    return CODE_VERSION.sub(b"CODE", data)


def _without_file_hashes(obj):
    if isinstance(obj, dict):
        return {k: _without_file_hashes(v) for k, v in obj.items() if k != "sha256"}
    if isinstance(obj, list):
        return [_without_file_hashes(v) for v in obj]
    return obj


def digest(path: Path) -> str:
    """SHA-256 of a published file with its code-version fields masked.

    A manifest's per-file SHA-256 values are left out (each file is compared by itself, masked:
    the raw hash of a page changes with the code version it prints).
    """
    data = path.read_bytes()
    if path.name == "manifest.json":
        data = json.dumps(_without_file_hashes(json.loads(data)), sort_keys=True).encode()
    if path.suffix in ZIP_SUFFIXES:
        h = hashlib.sha256()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in sorted(z.namelist()):
                h.update(name.encode() + b"\0" + _masked(z.read(name)) + b"\0")
        return h.hexdigest()
    if path.suffix in TEXT_SUFFIXES:
        data = _masked(data)
    return hashlib.sha256(data).hexdigest()


def pack_digests(folder: Path) -> dict[str, str]:
    """Masked digests of every file under ``folder`` (relative POSIX path -> SHA-256)."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): digest(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pack_plan(store_dir: Path, folder: Path, district_name: str, **changes):
    """The run of one district's whole pack from a copy of the prepared data in ``store_dir``.

    Everything goes under ``folder`` (``processed/``, ``reports/``), so the footers' parameters
    (paths outside the project show by their last part) are the same wherever it runs.
    ``changes`` are further :class:`~pipeline.batch.RunPlan` settings (such as ``workers``).
    """
    import dataclasses
    import functools
    import shutil

    from pipeline.batch import RunPlan, load_provenance
    from pipeline.config import load_area_config
    from pipeline.context import localities_for
    from pipeline.reporting.pack import District

    config = load_area_config()
    area = config.district(district_name)
    processed = Path(folder) / "processed"
    if not processed.exists():
        shutil.copytree(store_dir, processed, ignore=shutil.ignore_patterns("runs", "results"))
    district = District(area.code, area.name, config.county.name)
    plan = RunPlan(config_path=config.path, county=config.county.name, districts=(district,),
                   provenance=load_provenance(processed), reports_dir=Path(folder) / "reports",
                   processed_dir=processed, work_dir=processed / "runs", progress=False,
                   results=True,
                   localities_for=functools.partial(localities_for, processed_dir=processed))
    return dataclasses.replace(plan, **changes)


def build_pack(store_dir: Path, folder: Path, district_name: str, **changes) -> Path:
    """Build one district's whole pack (see :func:`pack_plan`); returns the pack folder."""
    from pipeline.batch import run_batch

    plan = pack_plan(store_dir, folder, district_name, **changes)
    summary = run_batch(plan)
    if summary.exit_code:
        raise RuntimeError(summary.table())
    return Path(plan.reports_dir) / plan.districts[0].slug


def differences(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Human-readable lines for every file missing, added or changed."""
    lines = [f"missing: {k}" for k in sorted(old.keys() - new.keys())]
    lines += [f"added:   {k}" for k in sorted(new.keys() - old.keys())]
    lines += [f"changed: {k}" for k in sorted(old.keys() & new.keys()) if old[k] != new[k]]
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--record"]:  # --record STORE_DIR DISTRICT OUT.json: write a known-good copy
        import tempfile

        pack = build_pack(Path(argv[1]), Path(tempfile.mkdtemp()), argv[2])
        Path(argv[3]).write_text(json.dumps(pack_digests(pack), indent=1, sort_keys=True) + "\n")
        return 0
    old, new = (Path(a) for a in argv[:2])
    lines = differences(*(json.loads(p.read_text()) if p.is_file() else pack_digests(p)
                          for p in (old, new)))
    print("\n".join(lines) if lines else "identical")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
