"""Project paths, always built from the project root (never the working directory)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
CONFIG_DIR: Path = PROJECT_ROOT / "config"
RAW_DIR: Path = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR: Path = PROJECT_ROOT / "data" / "processed"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"


def resolve(path: str | Path, base: Path = PROJECT_ROOT) -> Path:
    """Return ``path`` as an absolute path, relative paths taken from ``base``."""
    p = Path(path)
    return p if p.is_absolute() else (base / p).resolve()
