"""Fixtures of the register tests: the ids the shipped registers may refer to, their raw entries."""

from __future__ import annotations

import pytest
import yaml

from pipeline.config import load_area_config
from pipeline.registers import KnownIds, load_targets
from tests.registers.entries import APPRAISAL_YAML, OPTIONS_YAML, SHIPPED_INDICATORS, TARGETS_YAML


@pytest.fixture(scope="module")
def known() -> KnownIds:
    config = load_area_config()
    return KnownIds.of(
        indicators=SHIPPED_INDICATORS | {"vehicle_crime_rate"},
        districts={d.code: d.name for d in config.districts},
        localities={"charnwood_pn_1", "melton_rural"},
        county={config.county.code: config.county.name},
    )


@pytest.fixture(scope="module")
def raw() -> dict:
    return {
        "targets": yaml.safe_load(TARGETS_YAML.read_text(encoding="utf-8"))["targets"],
        "options": yaml.safe_load(OPTIONS_YAML.read_text(encoding="utf-8"))["options"],
        "appraisal": yaml.safe_load(APPRAISAL_YAML.read_text(encoding="utf-8"))["appraisal"],
    }


@pytest.fixture(scope="module")
def targets(known):
    return load_targets(TARGETS_YAML, known)
