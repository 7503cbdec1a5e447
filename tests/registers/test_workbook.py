"""Registers read from YAML files and Excel workbooks: the same result, errors name sheet rows."""

from __future__ import annotations

import copy

import pandas as pd
import yaml

from pipeline.registers import (
    BAU_ID,
    load_appraisal_settings,
    load_options,
    load_registers,
    load_targets,
    options_frame,
    register_sheets,
    targets_frame,
)
from tests.registers.entries import (
    APPRAISAL_YAML,
    OPTIONS_YAML,
    TARGETS_YAML,
    raised_error,
    write_workbook,
)


def test_yaml_without_the_register_key(tmp_path, known):
    path = tmp_path / "targets.yaml"
    path.write_text("goals: []\n", encoding="utf-8")
    err = raised_error(load_targets, path, known)
    assert "top-level 'targets:'" in str(err)


def test_excel_workbook_loads_like_the_yaml(tmp_path, raw, known):
    path = tmp_path / "registers.xlsx"
    write_workbook(path, register_sheets(raw["targets"], raw["options"], raw["appraisal"]))
    from_excel = load_registers(path, path, path, known)
    from_yaml = load_registers(TARGETS_YAML, OPTIONS_YAML, APPRAISAL_YAML, known)
    pd.testing.assert_frame_equal(targets_frame(from_excel.targets),
                                  targets_frame(from_yaml.targets))
    pd.testing.assert_frame_equal(options_frame(from_excel.options),
                                  options_frame(from_yaml.options))
    assert from_excel.appraisal == from_yaml.appraisal


def test_excel_missing_sheet(tmp_path, raw, known):
    path = tmp_path / "registers.xlsx"
    sheets = register_sheets(raw["targets"], raw["options"], raw["appraisal"])
    del sheets["appraisal"]
    write_workbook(path, sheets)
    err = raised_error(load_appraisal_settings, path)
    assert err.file == "registers.xlsx"
    assert "sheet 'appraisal' is missing" in str(err)


def test_excel_missing_column(tmp_path, raw, known, targets):
    path = tmp_path / "registers.xlsx"
    sheets = register_sheets(raw["targets"], raw["options"], raw["appraisal"])
    sheets["options"] = sheets["options"].drop(columns=["effect.low"])
    write_workbook(path, sheets)
    err = raised_error(load_options, path, targets, known)
    assert err.file == "registers.xlsx"
    assert err.column == "effect.low"
    assert "sheet 'options'" in str(err) and "missing" in str(err)


def test_excel_unknown_column(tmp_path, raw, known):
    path = tmp_path / "registers.xlsx"
    sheets = register_sheets(raw["targets"], raw["options"], raw["appraisal"])
    sheets["targets"]["owner"] = "x"
    write_workbook(path, sheets)
    err = raised_error(load_targets, path, known)
    assert err.column == "owner" and "not a known field" in str(err)


def test_excel_entry_error_names_sheet_row(tmp_path, raw, known, targets):
    options = copy.deepcopy(raw["options"])
    options[3]["effect"]["low"] = 50  # alley_gating: low above high
    path = tmp_path / "registers.xlsx"
    write_workbook(path, register_sheets(raw["targets"], options, raw["appraisal"]))
    err = raised_error(load_options, path, targets, known)
    assert "option 'alley_gating'" in str(err)
    assert err.column == "effect.low"
    assert err.row == 5  # header row 1, bau row 2, alley_gating is the 4th entry
    assert str(err).startswith("registers.xlsx, row 5, column 'effect.low':")


def test_excel_weights_summing_to_zero(tmp_path, raw):
    settings = copy.deepcopy(raw["appraisal"])
    settings["criteria"] = {c: 0 for c in settings["criteria"]}
    path = tmp_path / "registers.xlsx"
    write_workbook(path, register_sheets(raw["targets"], raw["options"], settings))
    err = raised_error(load_appraisal_settings, path)
    assert err.column == "criteria" and "sum to 0" in str(err)


def test_load_registers_dates_an_added_bau_at_the_base_year(tmp_path, raw, known):
    path = tmp_path / "registers.yaml"
    options = [o for o in raw["options"] if o["id"] != BAU_ID]
    path.write_text(yaml.safe_dump({"targets": raw["targets"], "options": options,
                                    "appraisal": raw["appraisal"]}), encoding="utf-8")
    registers = load_registers(path, path, path, known)
    assert registers.options[0].id == BAU_ID
    assert registers.options[0].start_year == 2024
    only_bau = tmp_path / "only_bau.yaml"
    only_bau.write_text(yaml.safe_dump({"options": []}), encoding="utf-8")
    err = raised_error(load_registers, path, only_bau, path, known)
    assert "only business as usual" in str(err)
