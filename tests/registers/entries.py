"""Shared inputs of the register tests: the shipped register files and entry builders."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.paths import CONFIG_DIR

TARGETS_YAML = CONFIG_DIR / "targets.yaml"
OPTIONS_YAML = CONFIG_DIR / "options.yaml"
APPRAISAL_YAML = CONFIG_DIR / "appraisal.yaml"
#: The indicator ids the shipped registers use (listed at the top of config/targets.yaml).
SHIPPED_INDICATORS = {"burglary_rate", "crime_rate", "asb_rate", "imd_score"}


def target_entry(**changes) -> dict:
    """A valid target entry (relative 10% cut in Blaby's burglary rate), with ``changes``."""
    entry = {
        "id": "t1", "title": "Cut burglary", "indicator": "burglary_rate", "area": "Blaby",
        "baseline_period": 2021, "target_period": 2026,
        "target": {"kind": "relative_change", "amount": 10}, "direction": "decrease",
        "theme_partnership": "Safer Communities",
    }
    entry.update(changes)
    return entry


def option_entry(**changes) -> dict:
    """A valid option entry acting on target ``t1``, with ``changes``."""
    entry = {
        "id": "o1", "title": "Locks", "acts_on": ["t1"],
        "effect": {"central": -10, "low": -20, "high": -2, "unit": "percent"},
        "start_year": 2024, "cost": {"one_off": 100, "per_year": 50}, "lead_partner": "Police",
        "evidence_strength": 4, "deliverability": 3, "equality_impact": 1,
    }
    entry.update(changes)
    return entry


def raised_error(func, *args, **kwargs) -> InputError:
    """The :class:`InputError` that ``func(*args, **kwargs)`` raises (fails if none)."""
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    return info.value


def settings_entry(**changes) -> dict:
    """Minimal valid appraisal settings, with ``changes``."""
    entry = {"criteria": {"impact": 100, "cost": 50}, "budget_per_year": 1000, "base_year": 2024}
    entry.update(changes)
    return entry


def write_workbook(path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` (name -> frame) as an Excel workbook."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)

