"""Targets register: every area form resolves; every error names the file, entry and field."""

from __future__ import annotations

import pytest

from pipeline.registers import validate_targets
from tests.registers.entries import raised_error, target_entry


def test_target_areas_resolve_every_form(known):
    entries = [
        target_entry(id="a", area="charnwood"),
        target_entry(id="b", area="E07000133"),
        target_entry(id="c", area="E10000018"),
        target_entry(id="d", area="melton_rural"),
        target_entry(id="e", area="priority_neighbourhoods:Blaby"),
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
    err = raised_error(validate_targets, [target_entry(id="ok"), target_entry(id="bad_one", **changes)],
                 "targets.yaml", known)
    assert err.file == "targets.yaml"
    assert "target 'bad_one'" in str(err)
    assert err.column == field
    assert words in str(err)


def test_target_duplicate_id_and_indicator_id_clash(known):
    err = raised_error(validate_targets, [target_entry(), target_entry()], "targets.yaml", known)
    assert "repeats" in str(err) and err.column == "id"
    err = raised_error(validate_targets, [target_entry(id="burglary_rate")], "targets.yaml", known)
    assert "also an indicator id" in str(err)
