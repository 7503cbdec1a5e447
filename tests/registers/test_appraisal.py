"""Appraisal settings: defaults; every error names the file and the setting."""

from __future__ import annotations

import pytest

from pipeline.registers import validate_appraisal
from tests.registers.entries import raised_error, settings_entry


def test_appraisal_defaults():
    settings = validate_appraisal(settings_entry(), "appraisal.yaml")
    assert settings.discount_rate == 0.035
    assert settings.appraisal_years == 10
    assert settings.weights["reach"] == 0.0  # a criterion left out weighs 0
    assert settings.normalised_weights["impact"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("changes, field, words", [
    ({"criteria": {"impact": 0, "cost": 0}}, "criteria", "sum to 0"),
    ({"criteria": {"impact": 100, "cost": -10}}, "criteria.cost", ">= 0"),
    ({"criteria": {"impact": 100, "beauty": 10}}, "criteria.beauty", "not a known criterion"),
    ({"discount_rate": 1.5}, "discount_rate", "<= 0.99"),
    ({"budget_per_year": -1}, "budget_per_year", ">= 0"),
    ({"draws": 0}, "draws", ">= 1"),
    ({"sensitivity": {"draws": 10, "spread": 2}}, "sensitivity.spread", "not a known setting"),
    ({"package_objective": "votes"}, "package_objective", "expected one of"),
    ({"budget": 1}, "budget", "not a known setting"),
    ({"base_year": None}, "base_year", "required"),
])
def test_appraisal_errors_name_file_and_field(changes, field, words):
    err = raised_error(validate_appraisal, settings_entry(**changes), "appraisal.yaml")
    assert err.file == "appraisal.yaml"
    assert "appraisal settings" in str(err)
    assert err.column == field
    assert words in str(err)
