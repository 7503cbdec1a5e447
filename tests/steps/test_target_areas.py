"""Which targets concern a district, and the areas a register can name."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.registers import Target, load_area_registers
from pipeline.steps.target_areas import area_membership, district_targets, target_district

CHARNWOOD, BLABY, NWL, COUNTY = "E07000130", "E07000129", "E07000134", "E10000018"


def target(**changes) -> Target:
    base = Target(id="t", title="A target", indicator="burglary_rate", area=COUNTY,
                  area_kind="county", area_label="Leicestershire", baseline_period="2021",
                  target_period="2026", kind="relative_change", amount=15, direction="decrease",
                  theme_partnership="Safer Communities")
    return dataclasses.replace(base, **changes)


def test_district_targets_own_first_then_county_wide_and_everything_for_the_county():
    localities = pd.DataFrame({"locality_id": ["pn-a"], "lad_code": [CHARNWOOD]})
    county = target(id="county")
    own = target(id="own", area=CHARNWOOD, area_kind="district")
    pn = target(id="pn", area=f"priority_neighbourhoods:{CHARNWOOD}",
                area_kind="priority_neighbourhoods")
    locality = target(id="loc", area="pn-a", area_kind="locality")
    other = target(id="other", area=NWL, area_kind="district")
    register = [county, own, pn, locality, other]
    assert [t.id for t in district_targets(register, CHARNWOOD, COUNTY, localities)] == \
        ["own", "pn", "loc", "county"]
    assert [t.id for t in district_targets(register, BLABY, COUNTY, localities)] == ["county"]
    assert [t.id for t in district_targets(register, COUNTY, COUNTY, localities)] == \
        ["county", "own", "pn", "loc", "other"]
    assert district_targets([other], BLABY, COUNTY, localities) == []


def test_a_locality_target_outside_the_localities_has_no_district():
    localities = pd.DataFrame({"locality_id": ["pn-a"], "lad_code": [CHARNWOOD]})
    assert target_district(target(area="pn-unknown", area_kind="locality"), localities) is None
    assert target_district(target(), localities) is None


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(prepared):
    _, data = prepared
    return data, load_area_registers(data), None


def test_the_shipped_registers_name_targets_for_charnwood_blaby_and_nwl(real):
    data, registers, _ = real
    ids = {code: [t.id for t in district_targets(registers.targets, code, COUNTY,
                                                 data.localities)]
           for code in (CHARNWOOD, BLABY, NWL)}
    assert ids == {CHARNWOOD: ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap",
                               "burglary_county"],
                   BLABY: ["burglary_county"],
                   NWL: ["asb_north_west_leicestershire", "burglary_county"]}


def test_area_membership_covers_every_kind_of_area(real):
    data, _, _ = real
    membership = area_membership(data)
    areas = set(membership["area"])
    assert {COUNTY, CHARNWOOD, f"priority_neighbourhoods:{CHARNWOOD}", f"rest-{CHARNWOOD}",
            "priority_neighbourhoods:*"} <= areas
    charnwood = set(membership.loc[membership["area"] == CHARNWOOD, "lsoa_code"])
    pn = set(membership.loc[membership["area"] == f"priority_neighbourhoods:{CHARNWOOD}",
                            "lsoa_code"])
    rest = set(membership.loc[membership["area"] == f"rest-{CHARNWOOD}", "lsoa_code"])
    assert pn | rest == charnwood and not pn & rest
