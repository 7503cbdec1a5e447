"""Back-test helpers: compare published packs with a known-good copy (RAP style).

Every published file is reduced to a SHA-256 of its content with the code-version fields masked
(``0.1.0+<commit>[.dirty]`` becomes ``CODE``), so a pack built from another commit of the same
code compares equal. Workbooks and zip files are compared member by member, masked the same way.

Run ``python -m tests.golden.packs OLD_DIR NEW_DIR`` to list every file that differs.
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


def digest(path: Path) -> str:
    """SHA-256 of a published file with its code-version fields masked."""
    data = path.read_bytes()
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


def differences(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Human-readable lines for every file missing, added or changed."""
    lines = [f"missing: {k}" for k in sorted(old.keys() - new.keys())]
    lines += [f"added:   {k}" for k in sorted(new.keys() - old.keys())]
    lines += [f"changed: {k}" for k in sorted(old.keys() & new.keys()) if old[k] != new[k]]
    return lines


def main(argv: list[str]) -> int:
    old, new = (Path(a) for a in argv[:2])
    lines = differences(*(json.loads(p.read_text()) if p.is_file() else pack_digests(p)
                          for p in (old, new)))
    print("\n".join(lines) if lines else "identical")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
