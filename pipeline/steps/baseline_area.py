"""The area a baseline page describes, and the pieces every baseline table shares.

The area is a district (comparators: the county and England) or, for the county overview, the
county itself (comparator: England). :func:`baseline_rows` keeps the part of the store the page
uses; :func:`area_rows` and :func:`suppress` are the shared steps of every table in
:mod:`pipeline.steps.baseline_population`, :mod:`pipeline.steps.baseline_deprivation` and
:mod:`pipeline.steps.baseline_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.config import Area, AreaConfig
from pipeline.errors import InputError
from pipeline.schema import require_columns as _require
from pipeline.stats import suppress_small_numbers

#: Sort order of the roles in every frame: the area, then its county, then England.
ROLE_ORDER = {"area": 0, "county": 1, "england": 2}

#: Store columns the baseline tables read.
STORE_NEEDED = ["area_code", "area_type", "indicator_id", "period", "category", "value",
                "numerator", "denominator", "lower_ci", "upper_ci", "unit", "flag"]


# --------------------------------------------------------------------------------------------
# The area


@dataclass(frozen=True)
class BaselineArea:
    """The area a baseline page describes and what it is compared with.

    ``area_type`` is ``"LAD"`` for a district and ``"CTY"`` for the county overview;
    ``lsoa_codes`` are the area's LSOAs (working vintage), ``county_lsoa_codes`` the county's.
    """

    code: str
    name: str
    area_type: str
    county: Area
    england: Area
    lsoa_codes: tuple[str, ...]
    county_lsoa_codes: tuple[str, ...]
    working_vintage: str = "LSOA11"

    @property
    def is_county(self) -> bool:
        """True for the county overview (comparator: England only)."""
        return self.area_type == "CTY"

    def areas(self) -> pd.DataFrame:
        """The area and its comparators: ``role``, ``area_code``, ``area_name``, ``area_type``."""
        rows = [("area", self.code, self.name, self.area_type)]
        if not self.is_county:
            rows.append(("county", self.county.code, self.county.name, "CTY"))
        rows.append(("england", self.england.code, self.england.name, "ENG"))
        return pd.DataFrame(rows, columns=["role", "area_code", "area_name", "area_type"])

    def lsoa_groups(self) -> pd.DataFrame:
        """LSOA membership of the area (and of the county, for a district): ``role``,
        ``area_code``, ``area_name``, ``lsoa_code``."""
        parts = [pd.DataFrame({"role": "area", "area_code": self.code, "area_name": self.name,
                               "lsoa_code": list(self.lsoa_codes)})]
        if not self.is_county:
            parts.append(pd.DataFrame({"role": "county", "area_code": self.county.code,
                                       "area_name": self.county.name,
                                       "lsoa_code": list(self.county_lsoa_codes)}))
        return pd.concat(parts, ignore_index=True)


    @property
    def comparator_role(self) -> str:
        """The role the page compares the area with: ``"england"`` for the county overview,
        ``"county"`` for a district."""
        return "england" if self.is_county else "county"

    @property
    def comparator(self) -> Area:
        """The area the page compares with (England for the county overview, else the county)."""
        return self.england if self.is_county else self.county


def baseline_area(config: AreaConfig, lsoas: pd.DataFrame, district: str) -> BaselineArea:
    """The :class:`BaselineArea` for a district code or name, or the county code or name.

    Parameters
    ----------
    config
        The area settings (county, England, districts, working vintage).
    lsoas
        The county's LSOA attributes (``lsoa_code``, ``lad_code``), as in ``AreaData.lsoas``.
    district
        A district's code or name, or the county's code or name for the county overview.

    Raises
    ------
    InputError
        An unknown district, or a district without LSOAs in ``lsoas``.
    """
    _require(lsoas, ["lsoa_code", "lad_code"], "baseline_area", "the LSOA table")
    county_codes = tuple(sorted(lsoas["lsoa_code"].astype(str)))
    key = str(district).strip()
    if key.lower() in (config.county.code.lower(), config.county.name.lower()):
        return BaselineArea(config.county.code, config.county.name, "CTY", config.county,
                            config.england, county_codes, county_codes, config.working_vintage)
    found = config.district(key)
    codes = tuple(sorted(lsoas.loc[lsoas["lad_code"] == found.code, "lsoa_code"].astype(str)))
    if not codes:
        raise InputError(config.path, f"district {found.name} ({found.code}) has no LSOAs in the "
                                      "prepared data (run `python -m pipeline localities`)")
    return BaselineArea(found.code, found.name, "LAD", config.county, config.england, codes,
                        county_codes, config.working_vintage)



def baseline_rows(store: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """The part of the store a baseline page uses: every district, county and England row,
    and the working-vintage rows of the county's LSOAs (totals only: category '').

    Filtering once keeps the notebook fast; every function below also accepts the full store.
    """
    _require(store, STORE_NEEDED, "baseline_rows", "the store")
    keep = store["area_type"].isin(["LAD", "CTY", "ENG"]) | (
        (store["area_type"] == area.working_vintage)
        & store["area_code"].isin(area.county_lsoa_codes))
    return store[keep & (store["category"] == "")].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Shared pieces


def area_rows(store: pd.DataFrame, area: BaselineArea) -> pd.DataFrame:
    """Store rows (category '') of the area and its comparators, with role and name."""
    areas = area.areas()
    rows = store[(store["category"] == "")
                 & store["area_code"].isin(areas["area_code"])
                 & store["area_type"].isin(areas["area_type"])]
    return rows.merge(areas, on=["area_code", "area_type"], how="inner")


def suppress(df: pd.DataFrame, min_count: int, counts: Sequence[str] = ("numerator",),
             dependents: Sequence[str] = ("value", "lower_ci", "upper_ci")) -> pd.DataFrame:
    """Disclosure control with the pipeline's rule (0 is published; 1..min_count-1 are not)."""
    if df.empty:
        return df
    if min_count < 1:  # a threshold of 0 switches suppression off
        return df
    return suppress_small_numbers(df, min_count=min_count, count_columns=list(counts),
                                  dependent_columns=list(dependents))


def catalogue_by_id(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The catalogue indexed by indicator id (checked for ``title``, ``unit``, ``polarity``)."""
    _require(catalogue, ["id", "title", "unit", "polarity"], "baseline", "the catalogue")
    return catalogue.set_index("id")


def strip_year(titles: pd.Series) -> pd.Series:
    """Catalogue titles without a trailing year: ``"Christian (2021)"`` -> ``"Christian"``."""
    return titles.str.replace(r"\s*\((?:19|20)\d\d\)\s*$", "", regex=True)


def for_role(frame: pd.DataFrame, role: str = "area") -> pd.DataFrame:
    """The rows of one role (``"area"``, ``"county"``, ``"england"``) of any frame above."""
    _require(frame, ["role"], "for_role", "the frame")
    if role not in ROLE_ORDER:
        raise ValueError(f"for_role: role must be one of {', '.join(ROLE_ORDER)}, got {role!r}")
    return frame[frame["role"] == role].reset_index(drop=True)

