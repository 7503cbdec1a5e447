"""The shipped registers (config/*.yaml) load cleanly and document their scales."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.paths import CONFIG_DIR
from pipeline.registers import (
    BAU_ID,
    CRITERIA,
    EVIDENCE_SCALE,
    load_registers,
    options_frame,
    period_year,
    targets_frame,
)
from tests.registers.entries import APPRAISAL_YAML, OPTIONS_YAML, SHIPPED_INDICATORS, TARGETS_YAML


def test_shipped_registers_load_cleanly(known):
    registers = load_registers(TARGETS_YAML, OPTIONS_YAML, APPRAISAL_YAML, known)
    targets = targets_frame(registers.targets)
    assert len(targets) == 4
    assert set(targets["indicator"]) == SHIPPED_INDICATORS
    assert targets.loc["burglary_county", "area"] == "E10000018"  # county name -> code
    assert targets.loc["crime_charnwood_pn_gap", "area"] == "priority_neighbourhoods:E07000130"
    assert targets.loc["crime_charnwood_pn_gap", "comparator"] == "rest_of_district"
    assert targets.loc["asb_north_west_leicestershire", "area"] == "E07000134"
    assert (targets["target_year"] > targets["baseline_year"]).all()
    assert targets["illustrative"].all()

    options = options_frame(registers.options)
    assert options.index[0] == BAU_ID
    assert len(options) == 10  # bau + 9 real-world-style options
    assert options.loc["bau", ["effect_central", "cost_one_off", "cost_per_year"]].eq(0).all()
    assert options.drop(index=BAU_ID)["illustrative"].all()
    assert options.drop(index=BAU_ID)["source"].str.len().gt(20).all()
    assert options.loc["street_lighting", "excludes"] == ("cctv_car_parks",)
    assert options.loc["burglary_cocooning", "depends_on"] == ("locksmith_target_hardening",)
    assert options.loc["employment_outreach", "effect_unit"] == "absolute"
    assert options.loc["alley_gating", "targets"] == ("burglary_county", "crime_charnwood_pn_gap")
    assert "Welsh & Farrington" in options.loc["street_lighting", "source"]

    settings = registers.appraisal
    assert settings.discount_rate == 0.035
    assert settings.appraisal_years == 10
    assert settings.years[0] == 2024 and len(settings.years) == 10
    assert set(settings.weights) == set(CRITERIA)
    assert sum(settings.normalised_weights.values()) == pytest.approx(1.0)
    assert settings.normalised_weights["impact"] == pytest.approx(100 / 300)


def test_shipped_indicator_ids_are_in_the_catalogue():
    catalogue = pd.concat([pd.read_csv(path, dtype=str)
                           for path in sorted((CONFIG_DIR / "indicators").glob("*.csv"))])
    assert SHIPPED_INDICATORS <= set(catalogue["id"])


def test_shipped_yaml_documents_the_scales():
    text = OPTIONS_YAML.read_text(encoding="utf-8")
    for description in EVIDENCE_SCALE.values():
        assert description in text
    assert "-2..+2" in text


def test_target_level_for_each_kind(targets):
    by_id = {t.id: t for t in targets}
    assert by_id["burglary_county"].level(4.0) == pytest.approx(3.4)  # 15% lower
    # gap 60 - 40 = 20 narrowed by 25% -> 15 above the comparator
    assert by_id["crime_charnwood_pn_gap"].level(60.0, 40.0) == pytest.approx(55.0)
    assert by_id["crime_charnwood_pn_gap"].level(60.0, 40.0, 38.0) == pytest.approx(53.0)
    with pytest.raises(ValueError, match="comparator_baseline"):
        by_id["crime_charnwood_pn_gap"].level(60.0)


def test_period_year():
    assert period_year("2021") == 2021
    assert period_year("2021/22") == 2021
    with pytest.raises(ValueError):
        period_year("Q1 2021")
