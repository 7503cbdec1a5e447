"""Fingerprints that say whether a stored result is still current.

A stored result is *stale* when any of what it was computed from has changed: the ingest's input
files (their SHA-256 in the ingest manifest) and the prepared localities, the area settings
(every file of the settings folder but the registers), the register entries that concern it
(see :meth:`pipeline.results.DistrictResults.stamp`), or the code (every ``.py`` file of the
package). Each is one SHA-256, so comparing a stamp costs a few milliseconds. The ingest and
the localities are stamped the same way (:func:`pipeline.prepare.prepare`).

Examples
--------
>>> stamp = {"inputs": "a", "settings": "b", "code": "c"}
>>> is_current(stamp, dict(stamp))
True
>>> is_current(stamp, {**stamp, "code": "d"})
False
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipeline import datasets
from pipeline.paths import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "pipeline"
SETTINGS_SUFFIXES = {".yaml", ".yml", ".csv", ".xlsx", ".json"}


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in parts:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """One SHA-256 over the package's source files (names and contents)."""
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    return _digest((p.relative_to(PACKAGE_DIR).as_posix(), p.read_bytes()) for p in files)


def digest_text(*parts: str) -> str:
    """One SHA-256 over some texts (such as the ``repr`` of register entries).

    >>> digest_text("a", "b") == digest_text("a", "b") != digest_text("ab")
    True
    """
    return _digest((str(i), part.encode("utf-8")) for i, part in enumerate(parts))


def files_fingerprint(files: Iterable[str | Path]) -> str:
    """One SHA-256 over some files' names and contents (a missing file counts as empty)."""
    paths = sorted({Path(p).resolve() for p in files})
    return _digest((p.as_posix(), p.read_bytes() if p.is_file() else b"") for p in paths)


def settings_fingerprint(config_path: str | Path, extra: Iterable[str | Path] = (),
                         exclude: Iterable[str | Path] = ()) -> str:
    """One SHA-256 over the settings folder of ``config_path`` and any ``extra`` files, leaving
    out the ``exclude`` files (the registers, whose entries are stamped per district)."""
    folder = Path(config_path).resolve().parent
    files = {p.resolve() for p in folder.rglob("*")
             if p.is_file() and p.suffix.lower() in SETTINGS_SUFFIXES}
    files |= {Path(p).resolve() for p in extra if Path(p).is_file()}
    files -= {Path(p).resolve() for p in exclude}
    return files_fingerprint(files)


def inputs_fingerprint(processed_dir: str | Path | None = None) -> str:
    """One SHA-256 over the ingest's input hashes (from its manifest) and the prepared
    localities' files; '' before any ingest."""
    path = datasets.path("ingest_manifest", processed_dir)
    if not path.exists():
        return ""
    inputs = json.loads(path.read_text(encoding="utf-8")).get("inputs", [])
    lines = sorted(f"{i['path']} {i['sha256']}" for i in inputs)
    prepared = [(name, datasets.path(name, processed_dir)) for name in datasets.PREPARED]
    return _digest([("inputs", "\n".join(lines).encode("utf-8")),
                    *((name, p.read_bytes() if p.exists() else b"") for name, p in prepared)])


def stamp(config_path: str | Path, processed_dir: str | Path | None = None,
          extra: Iterable[str | Path] = (), exclude: Iterable[str | Path] = (),
          **details: str) -> dict[str, str]:
    """What a result is computed from: inputs, settings (less ``exclude``) and code
    fingerprints plus ``details`` (such as the action plan's package choice)."""
    return {"inputs": inputs_fingerprint(processed_dir),
            "settings": settings_fingerprint(config_path, extra, exclude),
            "code": code_fingerprint(), **{k: str(v) for k, v in details.items()}}


def is_current(stored: Mapping[str, str] | None, wanted: Mapping[str, str]) -> bool:
    """Whether a stored stamp equals the wanted one (a missing stamp is never current)."""
    return stored is not None and dict(stored) == dict(wanted)
