"""Project paths, always built from the project root (never the working directory)."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError, excerpt

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


def resolve_inside(
    path: str | Path, base: Path, roots: tuple[Path, ...], *, file: str | Path, where: str,
    expected: str, outside: str = "the project",
) -> Path:
    """``path`` resolved from ``base`` (links and ``..`` followed), refused unless it lies
    inside one of ``roots``: settings never make the pipeline read outside the project.

    Raises
    ------
    pipeline.errors.InputError
        Naming ``file``, the setting ``where`` and what was ``expected``.
    """
    resolved = resolve(path, base).resolve()
    if any(resolved.is_relative_to(root.resolve()) for root in roots):
        return resolved
    raise InputError(file, f"{where}: '{excerpt(path)}' is outside {outside} (expected "
                           f"{expected})")
