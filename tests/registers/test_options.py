"""Options register: business as usual, effects, costs, links; every error is named."""

from __future__ import annotations

import pytest

from pipeline.registers import BAU_ID, validate_options, validate_targets
from tests.registers.entries import option_entry, raised_error, target_entry


def test_bau_is_added_when_missing(known):
    targets = validate_targets([target_entry()], "t.yaml", known)
    options = validate_options([option_entry()], "o.yaml", targets, known)
    assert [o.id for o in options] == [BAU_ID, "o1"]
    bau = options[0]
    assert (bau.effect.central, bau.cost.one_off, bau.cost.per_year) == (0, 0, 0)
    # lists as ';'-separated text and indicator ids in acts_on
    options = validate_options(
        [option_entry(acts_on="vehicle_crime_rate; burglary_rate", applies_to="Blaby;Melton")],
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
    targets = validate_targets([target_entry()], "t.yaml", known)
    entries = [option_entry(id="o2"), option_entry(**changes)]
    err = raised_error(validate_options, entries, "options.yaml", targets, known)
    assert err.file == "options.yaml"
    assert "option 'o1'" in str(err)
    assert err.column == field
    assert words in str(err)


def test_dependency_cycle_is_named(known):
    targets = validate_targets([target_entry()], "t.yaml", known)
    entries = [
        option_entry(id="a", depends_on=["b"]),
        option_entry(id="b", depends_on=["c"]),
        option_entry(id="c", depends_on=["a"]),
        option_entry(id="d", depends_on=["a"]),
    ]
    err = raised_error(validate_options, entries, "options.yaml", targets, known)
    assert err.column == "depends_on"
    assert "dependency cycle" in str(err)
    message = str(err)
    cycle = message[message.index("cycle: ") + 7:message.index(" (each")].split(" -> ")
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    # each option in the named cycle depends on the next one
    depends = {e["id"]: e["depends_on"] for e in entries}
    assert all(cycle[i + 1] in depends[cycle[i]] for i in range(len(cycle) - 1))


def test_bau_given_with_a_cost_is_an_error(known):
    targets = validate_targets([target_entry()], "t.yaml", known)
    bau = {"id": "bau", "title": "BAU", "lead_partner": "All", "evidence_strength": 1,
           "deliverability": 5, "equality_impact": 0, "cost": {"one_off": 0, "per_year": 10}}
    err = raised_error(validate_options, [option_entry(), bau], "options.yaml", targets, known)
    assert "option 'bau'" in str(err) and err.column == "cost"
    options = validate_options([option_entry(), {**bau, "cost": {"one_off": 0, "per_year": 0}}],
                               "options.yaml", targets, known)
    assert options[0].id == BAU_ID
