"""Targets, options and appraisal settings registers: shipped defaults load; every error is named."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from pipeline.config import load_area_config
from pipeline.errors import InputError
from pipeline.paths import CONFIG_DIR
from pipeline.registers import (
    BAU_ID,
    CRITERIA,
    EVIDENCE_SCALE,
    KnownIds,
    load_appraisal_settings,
    load_options,
    load_registers,
    load_targets,
    options_frame,
    period_year,
    register_sheets,
    targets_frame,
    validate_appraisal,
    validate_options,
    validate_targets,
)

TARGETS_YAML = CONFIG_DIR / "targets.yaml"
OPTIONS_YAML = CONFIG_DIR / "options.yaml"
APPRAISAL_YAML = CONFIG_DIR / "appraisal.yaml"
#: The indicator ids the shipped registers use (listed at the top of config/targets.yaml).
SHIPPED_INDICATORS = {"burglary_rate", "crime_rate", "asb_rate", "imd_score"}


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


def _target(**changes) -> dict:
    entry = {
        "id": "t1", "title": "Cut burglary", "indicator": "burglary_rate", "area": "Blaby",
        "baseline_period": 2021, "target_period": 2026,
        "target": {"kind": "relative_change", "amount": 10}, "direction": "decrease",
        "theme_partnership": "Safer Communities",
    }
    entry.update(changes)
    return entry


def _option(**changes) -> dict:
    entry = {
        "id": "o1", "title": "Locks", "acts_on": ["t1"],
        "effect": {"central": -10, "low": -20, "high": -2, "unit": "percent"},
        "start_year": 2024, "cost": {"one_off": 100, "per_year": 50}, "lead_partner": "Police",
        "evidence_strength": 4, "deliverability": 3, "equality_impact": 1,
    }
    entry.update(changes)
    return entry


def _error(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------------------------ shipped


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


# ------------------------------------------------------------------------------------ targets


def test_target_areas_resolve_every_form(known):
    entries = [
        _target(id="a", area="charnwood"),
        _target(id="b", area="E07000133"),
        _target(id="c", area="E10000018"),
        _target(id="d", area="melton_rural"),
        _target(id="e", area="priority_neighbourhoods:Blaby"),
    ]
    got = {t.id: (t.area, t.area_kind) for t in validate_targets(entries, "t.yaml", known)}
    assert got == {
        "a": ("E07000130", "district"), "b": ("E07000133", "district"),
        "c": ("E10000018", "county"), "d": ("melton_rural", "locality"),
        "e": ("priority_neighbourhoods:E07000129", "priority_neighbourhoods"),
    }


@pytest.mark.parametrize("changes, field, words", [
    ({"indicator": "burglary_rte"}, "indicator", "not an indicator"),
    ({"area": "Leicester"}, "area", "not a known area"),
    ({"area": "not_a_locality"}, "area", "not a known area"),
    ({"area": "priority_neighbourhoods:Rutland"}, "area", "not a known area"),
    ({"baseline_period": 2021, "target_period": 2019}, "target_period", "before the baseline"),
    ({"target_period": 2021}, "target_period", "the same as"),
    ({"direction": "down"}, "direction", "expected one of"),
    ({"target": {"kind": "halve", "amount": 50}}, "target.kind", "expected one of"),
    ({"target": {"kind": "gap_reduction", "amount": 150}}, "target.amount", "<= 100"),
    ({"target": {"kind": "relative_change"}}, "target.amount", "required"),
    ({"owner": "me"}, "owner", "not a known key"),
    ({"theme_partnership": ""}, "theme_partnership", "required"),
    ({"comparator": "county"}, "comparator", "only used by gap_reduction"),
])
def test_target_errors_name_file_entry_and_field(known, changes, field, words):
    err = _error(validate_targets, [_target(id="ok"), _target(id="bad_one", **changes)],
                 "targets.yaml", known)
    assert err.file == "targets.yaml"
    assert "target 'bad_one'" in str(err)
    assert err.column == field
    assert words in str(err)


def test_target_duplicate_id_and_indicator_id_clash(known):
    err = _error(validate_targets, [_target(), _target()], "targets.yaml", known)
    assert "repeats" in str(err) and err.column == "id"
    err = _error(validate_targets, [_target(id="burglary_rate")], "targets.yaml", known)
    assert "also an indicator id" in str(err)


# ------------------------------------------------------------------------------------ options


def test_bau_is_added_when_missing(known):
    targets = validate_targets([_target()], "t.yaml", known)
    options = validate_options([_option()], "o.yaml", targets, known)
    assert [o.id for o in options] == [BAU_ID, "o1"]
    bau = options[0]
    assert (bau.effect.central, bau.cost.one_off, bau.cost.per_year) == (0, 0, 0)
    # lists as ';'-separated text and indicator ids in acts_on
    options = validate_options(
        [_option(acts_on="vehicle_crime_rate; burglary_rate", applies_to="Blaby;Melton")],
        "o.yaml", targets, known)
    assert options[1].targets == ("t1",)
    assert options[1].applies_to == ("E07000129", "E07000133")


@pytest.mark.parametrize("changes, field, words", [
    ({"acts_on": []}, "acts_on", "acts on no target"),
    ({"acts_on": ["vehicle_crime_rate"]}, "acts_on", "acts on no target"),
    ({"acts_on": ["t9"]}, "acts_on", "neither a target id nor an indicator id"),
    ({"effect": {"central": -10, "low": -5, "high": -20}}, "effect.low", "greater than"),
    ({"effect": {"central": -30, "low": -20, "high": -5}}, "effect.central", "outside the range"),
    ({"effect": {"central": -120, "low": -150, "high": -5}}, "effect.low", ">= -100"),
    ({"effect": {"central": -1, "low": -2, "high": 0, "unit": "points"}}, "effect.unit",
     "expected one of"),
    ({"cost": {"one_off": -100, "per_year": 50}}, "cost.one_off", ">= 0"),
    ({"cost": {"one_off": 100, "per_year": -1}}, "cost.per_year", ">= 0"),
    ({"cost": {"one_off": 100}}, "cost.per_year", "required"),
    ({"evidence_strength": 6}, "evidence_strength", "<= 5"),
    ({"equality_impact": 3}, "equality_impact", "<= 2"),
    ({"deliverability": 2.5}, "deliverability", "whole number"),
    ({"start_year": "soon"}, "start_year", "not a calendar year"),
    ({"applies_to": ["Narnia"]}, "applies_to", "not a known area"),
    ({"depends_on": ["o9"]}, "depends_on", "not an option id"),
    ({"excludes": ["o9"]}, "excludes", "not an option id"),
    ({"depends_on": ["o2"], "excludes": ["o2"]}, "excludes", "also in depends_on"),
    ({"depends_on": ["o1"]}, "depends_on", "itself"),
    ({"agreed": "maybe"}, "agreed", "not true or false"),
    ({"budget": 5}, "budget", "not a known key"),
])
def test_option_errors_name_file_entry_and_field(known, changes, field, words):
    targets = validate_targets([_target()], "t.yaml", known)
    entries = [_option(id="o2"), _option(**changes)]
    err = _error(validate_options, entries, "options.yaml", targets, known)
    assert err.file == "options.yaml"
    assert "option 'o1'" in str(err)
    assert err.column == field
    assert words in str(err)


def test_dependency_cycle_is_named(known):
    targets = validate_targets([_target()], "t.yaml", known)
    entries = [
        _option(id="a", depends_on=["b"]),
        _option(id="b", depends_on=["c"]),
        _option(id="c", depends_on=["a"]),
        _option(id="d", depends_on=["a"]),
    ]
    err = _error(validate_options, entries, "options.yaml", targets, known)
    assert err.column == "depends_on"
    assert "dependency cycle" in str(err)
    message = str(err)
    cycle = message[message.index("cycle: ") + 7:message.index(" (each")].split(" -> ")
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    # each option in the named cycle depends on the next one
    depends = {e["id"]: e["depends_on"] for e in entries}
    assert all(cycle[i + 1] in depends[cycle[i]] for i in range(len(cycle) - 1))


def test_bau_given_with_a_cost_is_an_error(known):
    targets = validate_targets([_target()], "t.yaml", known)
    bau = {"id": "bau", "title": "BAU", "lead_partner": "All", "evidence_strength": 1,
           "deliverability": 5, "equality_impact": 0, "cost": {"one_off": 0, "per_year": 10}}
    err = _error(validate_options, [_option(), bau], "options.yaml", targets, known)
    assert "option 'bau'" in str(err) and err.column == "cost"
    options = validate_options([_option(), {**bau, "cost": {"one_off": 0, "per_year": 0}}],
                               "options.yaml", targets, known)
    assert options[0].id == BAU_ID


# ------------------------------------------------------------------------------------ appraisal


def _settings(**changes) -> dict:
    entry = {"criteria": {"impact": 100, "cost": 50}, "budget_per_year": 1000, "base_year": 2024}
    entry.update(changes)
    return entry


def test_appraisal_defaults():
    settings = validate_appraisal(_settings(), "appraisal.yaml")
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
    err = _error(validate_appraisal, _settings(**changes), "appraisal.yaml")
    assert err.file == "appraisal.yaml"
    assert "appraisal settings" in str(err)
    assert err.column == field
    assert words in str(err)


def test_yaml_without_the_register_key(tmp_path, known):
    path = tmp_path / "targets.yaml"
    path.write_text("goals: []\n", encoding="utf-8")
    err = _error(load_targets, path, known)
    assert "top-level 'targets:'" in str(err)


# ------------------------------------------------------------------------------------ Excel


def _workbook(path, sheets: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


def test_excel_workbook_loads_like_the_yaml(tmp_path, raw, known):
    path = tmp_path / "registers.xlsx"
    _workbook(path, register_sheets(raw["targets"], raw["options"], raw["appraisal"]))
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
    _workbook(path, sheets)
    err = _error(load_appraisal_settings, path)
    assert err.file == "registers.xlsx"
    assert "sheet 'appraisal' is missing" in str(err)


def test_excel_missing_column(tmp_path, raw, known, targets):
    path = tmp_path / "registers.xlsx"
    sheets = register_sheets(raw["targets"], raw["options"], raw["appraisal"])
    sheets["options"] = sheets["options"].drop(columns=["effect.low"])
    _workbook(path, sheets)
    err = _error(load_options, path, targets, known)
    assert err.file == "registers.xlsx"
    assert err.column == "effect.low"
    assert "sheet 'options'" in str(err) and "missing" in str(err)


def test_excel_unknown_column(tmp_path, raw, known):
    path = tmp_path / "registers.xlsx"
    sheets = register_sheets(raw["targets"], raw["options"], raw["appraisal"])
    sheets["targets"]["owner"] = "x"
    _workbook(path, sheets)
    err = _error(load_targets, path, known)
    assert err.column == "owner" and "not a known field" in str(err)


def test_excel_entry_error_names_sheet_row(tmp_path, raw, known, targets):
    options = copy.deepcopy(raw["options"])
    options[3]["effect"]["low"] = 50  # alley_gating: low above high
    path = tmp_path / "registers.xlsx"
    _workbook(path, register_sheets(raw["targets"], options, raw["appraisal"]))
    err = _error(load_options, path, targets, known)
    assert "option 'alley_gating'" in str(err)
    assert err.column == "effect.low"
    assert err.row == 5  # header row 1, bau row 2, alley_gating is the 4th entry
    assert str(err).startswith("registers.xlsx, row 5, column 'effect.low':")


def test_excel_weights_summing_to_zero(tmp_path, raw):
    settings = copy.deepcopy(raw["appraisal"])
    settings["criteria"] = {c: 0 for c in settings["criteria"]}
    path = tmp_path / "registers.xlsx"
    _workbook(path, register_sheets(raw["targets"], raw["options"], settings))
    err = _error(load_appraisal_settings, path)
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
    err = _error(load_registers, path, only_bau, path, known)
    assert "only business as usual" in str(err)
