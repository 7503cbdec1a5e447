"""Area settings for tests: the shipped ones with a dataset catalogue of the test's own."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.paths import CONFIG_DIR


def settings_with_datasets(folder: Path, datasets: dict[str, dict]) -> Path:
    """Write ``datasets.yaml`` (the shipped catalogue with only ``datasets``) and an
    ``area.yaml`` using it into ``folder``; return the area settings' path."""
    catalogue = yaml.safe_load((CONFIG_DIR / "datasets.yaml").read_text())
    catalogue["datasets"] = datasets
    (folder / "datasets.yaml").write_text(yaml.safe_dump(catalogue))
    area = yaml.safe_load((CONFIG_DIR / "area.yaml").read_text())
    area["datasets"] = str(folder / "datasets.yaml")
    area["indicators"] = str(CONFIG_DIR / "indicators")
    (folder / "area.yaml").write_text(yaml.safe_dump(area))
    return folder / "area.yaml"
