"""Which targets and options concern a place (the county, a district, a locality), and the areas a
register can name."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.registers import Target, load_area_registers, targets_frame
from pipeline.steps.profile import locality_targets
from pipeline.steps.target_areas import (
    area_district,
    area_membership,
    concerns,
    option_acts_in,
    targets_concerning,
)

CHARNWOOD, BLABY, NWL, COUNTY = "E07000130", "E07000129", "E07000134", "E10000018"


def target(**changes) -> Target:
    base = Target(id="t", title="A target", indicator="burglary_rate", area=COUNTY,
                  area_kind="county", area_label="Leicestershire", baseline_period="2021",
                  target_period="2026", kind="relative_change", amount=15, direction="decrease",
                  theme_partnership="Safer Communities")
    return dataclasses.replace(base, **changes)


LOCALITIES = pd.DataFrame({"locality_id": ["pn-a", "forum-b", "pn-c"],
                           "lad_code": [CHARNWOOD, CHARNWOOD, BLABY],
                           "type": ["priority_neighbourhood", "forum_area",
                                    "priority_neighbourhood"]})
COUNTY_T = target(id="county")
OWN = target(id="own", area=CHARNWOOD, area_kind="district")
PN = target(id="pn", area=f"priority_neighbourhoods:{CHARNWOOD}",
            area_kind="priority_neighbourhoods")
LOCALITY = target(id="loc", area="pn-a", area_kind="locality")
OTHER = target(id="other", area=NWL, area_kind="district")
REGISTER = [COUNTY_T, OWN, PN, LOCALITY, OTHER]


def ids(place: str, register=REGISTER) -> list[str]:
    return [t.id for t in targets_concerning(register, place, COUNTY, LOCALITIES)]


def test_targets_concerning_a_district_own_first_then_county_wide_and_all_for_the_county():
    assert ids(CHARNWOOD) == ["own", "pn", "loc", "county"]
    assert ids(BLABY) == ["county"]
    assert ids(COUNTY) == ["county", "own", "pn", "loc", "other"]
    assert ids(BLABY, [OTHER]) == []


def test_targets_concerning_a_locality_include_its_district_its_group_and_the_county():
    assert ids("pn-a") == ["own", "pn", "loc", "county"]
    assert ids("forum-b") == ["own", "county"]  # not a priority neighbourhood
    assert ids("pn-c") == ["county"]  # Blaby's: nothing of Charnwood's
    # A locality's targets are among its district's: the pages agree.
    for place in ("pn-a", "forum-b"):
        assert set(ids(place)) <= set(ids(CHARNWOOD))


def test_options_act_only_in_the_places_they_are_delivered():
    charnwood_pn = [f"priority_neighbourhoods:{CHARNWOOD}"]
    assert option_acts_in(charnwood_pn, CHARNWOOD, COUNTY, LOCALITIES)
    assert not option_acts_in(charnwood_pn, BLABY, COUNTY, LOCALITIES)
    assert option_acts_in(charnwood_pn, COUNTY, COUNTY, LOCALITIES)
    assert option_acts_in([COUNTY], BLABY, COUNTY, LOCALITIES)
    assert option_acts_in([], BLABY, COUNTY, LOCALITIES)  # delivered where its targets are
    assert option_acts_in([NWL, "pn-a"], CHARNWOOD, COUNTY, LOCALITIES)
    assert not concerns("pn-a", BLABY, county_code=COUNTY, localities=LOCALITIES)


def test_the_district_of_an_area():
    assert area_district("pn-a", LOCALITIES) == CHARNWOOD
    assert area_district(f"priority_neighbourhoods:{BLABY}", LOCALITIES) == BLABY
    assert area_district(NWL, LOCALITIES) == NWL
    assert area_district("pn-unknown", LOCALITIES) == "pn-unknown"  # in no district


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(prepared):
    _, data = prepared
    return data, load_area_registers(data), None


def test_the_shipped_registers_name_targets_for_charnwood_blaby_and_nwl(real):
    data, registers, _ = real
    found = {code: [t.id for t in targets_concerning(registers.targets, code, COUNTY,
                                                     data.localities)]
             for code in (CHARNWOOD, BLABY, NWL)}
    assert found == {CHARNWOOD: ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap",
                               "burglary_county"],
                   BLABY: ["burglary_county"],
                   NWL: ["asb_north_west_leicestershire", "burglary_county"]}


def test_every_locality_of_charnwood_and_blaby_shows_the_targets_its_district_lists(real):
    """The locality profiles and the district's forecast page agree: the county-wide burglary
    target concerns every locality, the priority-neighbourhood gap targets every Charnwood
    priority neighbourhood, and a locality never lists a target its district does not."""
    data, registers, _ = real
    frame = targets_frame(registers.targets)
    localities = data.localities
    for district in (CHARNWOOD, BLABY):
        listed = [t.id for t in targets_concerning(registers.targets, district, COUNTY,
                                                   localities)]
        for _, row in localities[localities["lad_code"] == district].iterrows():
            shown = locality_targets(frame, data.catalogue, locality_id=row["locality_id"],
                                     county_code=COUNTY, localities=localities)["id"].tolist()
            assert set(shown) <= set(listed) and "burglary_county" in shown
            pn_gap = row["type"] == "priority_neighbourhood" and district == CHARNWOOD
            assert ("crime_charnwood_pn_gap" in shown) == pn_gap, row["locality_id"]
    loughborough = localities.loc[localities["name"].str.startswith("Loughborough Lemyngton"),
                                  "locality_id"].iloc[0]
    assert [t.id for t in targets_concerning(registers.targets, loughborough, COUNTY,
                                             localities)] == \
        ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap", "burglary_county"]


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
