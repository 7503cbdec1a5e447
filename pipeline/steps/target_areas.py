"""The areas a target register can name, and which targets concern a district.

Canonical areas: a district code, the county code, ``england``, a locality id,
``priority_neighbourhoods:<district>`` and ``rest-<district>`` (the district outside its priority
neighbourhoods). These helpers give each area's plain name, its indicator rows and its LSOAs, and
decide, with one rule (:func:`concerns`), which targets and options concern a pack or a page.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.context import PN_ALL, REST, AreaData
from pipeline.registers import PRIORITY_PREFIX, Target


def area_name_of(data: AreaData, district: str) -> str:
    """The plain name of the pack's area (a district or the county), from its code or name."""
    if district.strip().lower() in (data.config.county.code.lower(),
                                    data.config.county.name.lower()):
        return data.config.county.name
    return data.config.district(district).name


def area_code_of(data: AreaData, district: str) -> str:
    """The GSS code of the pack's area (a district or the county), from its code or name."""
    if district.strip().lower() in (data.config.county.code.lower(),
                                    data.config.county.name.lower()):
        return data.config.county.code
    return data.config.district(district).code


# --------------------------------------------------------------------------------------------
# Which targets and options concern a place
# --------------------------------------------------------------------------------------------


def area_district(area: str, localities: pd.DataFrame) -> str:
    """The district a register's area lies in: ``priority_neighbourhoods:<d>`` in ``d``, a
    locality in its district; any other area (a district, the county) is its own."""
    if area.startswith(PRIORITY_PREFIX):
        return area[len(PRIORITY_PREFIX):]
    found = localities.loc[localities["locality_id"] == area, "lad_code"]
    return str(found.iloc[0]) if len(found) else area


def concerns(area: str, place: str, *, county_code: str, localities: pd.DataFrame) -> bool:
    """Whether a register's area (a target's, or an area an option is delivered in) concerns a
    place that has a pack or a page: the one rule every page uses.

    - the county's pack: every area;
    - the county (a county-wide target or option): every place;
    - a district: the areas in it (the district, its localities, its priority neighbourhoods);
    - a locality: the locality itself, its district, and its district's priority
      neighbourhoods when it is one of them.

    Parameters
    ----------
    area
        A canonical register area (district code, county code, locality id or
        ``priority_neighbourhoods:<district code>``).
    place
        The county code, a district code or a locality id.
    county_code
        The county's code.
    localities
        The locality summary (``locality_id``, ``lad_code``, ``type``).
    """
    if place == county_code or area == county_code:
        return True
    row = localities[localities["locality_id"] == place]
    if row.empty:  # a district
        return area_district(area, localities) == place
    district = str(row["lad_code"].iloc[0])
    is_pn = str(row["type"].iloc[0]) == "priority_neighbourhood"
    return area in (place, district) or (is_pn and area == PRIORITY_PREFIX + district)


def targets_concerning(targets: Sequence[Target], place: str, county_code: str,
                       localities: pd.DataFrame) -> list[Target]:
    """The targets that concern a place (:func:`concerns`: the county, a district or a
    locality), its own first, then the county-wide ones, each in register order. For the
    county: every target.

    Parameters
    ----------
    targets
        The targets register.
    place
        The county code, a district code or a locality id.
    county_code
        The county's code.
    localities
        The locality summary (``locality_id``, ``lad_code``, ``type``).
    """
    chosen = [t for t in targets
              if concerns(t.area, place, county_code=county_code, localities=localities)]
    if place == county_code:
        return chosen
    return ([t for t in chosen if t.area_kind != "county"]
            + [t for t in chosen if t.area_kind == "county"])


def option_acts_in(applies_to: Sequence[str], place: str, county_code: str,
                   localities: pd.DataFrame) -> bool:
    """Whether an option delivered in ``applies_to`` acts in a place (:func:`concerns`); an
    option without areas is delivered wherever its targets are, so it acts in their places."""
    return not applies_to or any(concerns(a, place, county_code=county_code,
                                          localities=localities) for a in applies_to)


def is_own_target(target: Target, district_code: str, localities: pd.DataFrame) -> bool:
    """Whether a target belongs to the district itself (rather than the whole county)."""
    return area_district(target.area, localities) == district_code


# --------------------------------------------------------------------------------------------
# Areas: names, rows and LSOAs
# --------------------------------------------------------------------------------------------


def area_label(area: str, data: AreaData) -> str:
    """Plain-English name of a canonical area (district, county, locality, priority
    neighbourhoods, ``rest-<district>``, ``england``)."""
    districts = {d.code: d.name for d in data.config.districts}
    if area == data.config.county.code:
        return data.config.county.name
    if area in (data.config.england.code, "england"):
        return data.config.england.name
    if area in districts:
        return districts[area]
    if area.startswith(PRIORITY_PREFIX):
        code = area[len(PRIORITY_PREFIX):]
        return f"{districts.get(code, code)}'s priority neighbourhoods"
    if area.startswith(REST):
        code = area[len(REST):]
        return f"the rest of {districts.get(code, code)}"
    found = data.localities.loc[data.localities["locality_id"] == area, "name"]
    return str(found.iloc[0]) if len(found) else area


def area_rows(area: str, data: AreaData) -> pd.DataFrame:
    """The indicator rows of a canonical area: the store for districts, the county and England,
    the locality rows for localities, ``priority_neighbourhoods:<d>`` (``pn-all-<d>``) and
    ``rest-<d>``."""
    store = data.store
    if area == data.config.county.code:
        return store[(store["area_type"] == "CTY") & (store["area_code"] == area)]
    if area in (data.config.england.code, "england"):
        return store[(store["area_type"] == "ENG") & (store["area_code"] == data.config.england.code)]
    if area in {d.code for d in data.config.districts}:
        return store[(store["area_type"] == "LAD") & (store["area_code"] == area)]
    code = PN_ALL + area[len(PRIORITY_PREFIX):] if area.startswith(PRIORITY_PREFIX) else area
    rows = data.locality_rows
    return rows[rows["area_code"] == code]


def area_lsoas(area: str, data: AreaData) -> list[str]:
    """The LSOAs (working vintage) of a canonical area, sorted; empty for England."""
    lsoas, membership = data.lsoas, data.membership
    if area == data.config.county.code:
        codes = lsoas["lsoa_code"]
    elif area in {d.code for d in data.config.districts}:
        codes = lsoas.loc[lsoas["lad_code"] == area, "lsoa_code"]
    elif area.startswith(PRIORITY_PREFIX):
        lad = area[len(PRIORITY_PREFIX):]
        codes = membership.loc[(membership["type"] == "priority_neighbourhood")
                               & (membership["lad_code"] == lad), "lsoa_code"]
    elif area.startswith(REST):
        lad = area[len(REST):]
        pn = set(membership.loc[membership["type"] == "priority_neighbourhood", "lsoa_code"])
        codes = lsoas.loc[(lsoas["lad_code"] == lad) & ~lsoas["lsoa_code"].isin(pn), "lsoa_code"]
    else:
        codes = membership.loc[membership["locality_id"] == area, "lsoa_code"]
    return sorted(set(codes))


def area_membership(data: AreaData) -> pd.DataFrame:
    """Every canonical area a register can name, as ``area`` x ``lsoa_code`` rows: the county,
    each district, each locality, each ``priority_neighbourhoods:<d>`` and ``rest-<d>``, and
    ``priority_neighbourhoods:*`` (every priority neighbourhood of the county)."""
    lsoas, membership = data.lsoas, data.membership
    pn = membership[membership["type"] == "priority_neighbourhood"]
    is_pn = lsoas["lsoa_code"].isin(pn["lsoa_code"])
    frames = [
        pd.DataFrame({"area": data.config.county.code, "lsoa_code": lsoas["lsoa_code"]}),
        pd.DataFrame({"area": lsoas["lad_code"], "lsoa_code": lsoas["lsoa_code"]}),
        membership[["locality_id", "lsoa_code"]].rename(columns={"locality_id": "area"}),
        pd.DataFrame({"area": PRIORITY_PREFIX + pn["lad_code"], "lsoa_code": pn["lsoa_code"]}),
        pd.DataFrame({"area": PRIORITY_PREFIX + "*", "lsoa_code": pn["lsoa_code"]}),
        pd.DataFrame({"area": REST + lsoas.loc[~is_pn, "lad_code"],
                      "lsoa_code": lsoas.loc[~is_pn, "lsoa_code"]}),
    ]
    out = pd.concat(frames, ignore_index=True).drop_duplicates()
    return out.sort_values(["area", "lsoa_code"]).reset_index(drop=True)
