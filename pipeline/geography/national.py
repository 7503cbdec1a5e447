"""Which English district, region, county and England each LSOA of a national file belongs to.

Operations only: frames in (as :mod:`pipeline.geography.load` returns them), a membership frame
out. The ingest uses it to sum England-wide files of counts (Census 2021, population estimates)
to every English district, region, the county and England (:func:`pipeline.aggregate.
sum_observations`), so that each has values computed the same way as the county's.

Rules:

* **Districts are LAD 2019** (317 in England), the level of the IoD 2019 summaries (File 10) and
  of the LSOA11 -> ward 2019 -> LAD 2019 lookup. Regions are RGN 2019.
* **LSOA 2011** rows take the district of the ONS LSOA11 -> LAD19 lookup: exact.
* **LSOA 2021** rows of the county take the district of the county boundary file
  (``LADCD_ACTIVE``), which lists all of them: exact. Elsewhere an LSOA21 takes the LAD19 of
  the LSOA11s whose ONS best fit it is (the first, by code, if there were several). The
  best-fit lookup names one LSOA21 per LSOA11, so the other children of a split LSOA11 (1,013
  LSOA21s in England, 2.8% of residents) have no district: a district (and its region) where
  any LSOA11 changed code in 2021 is marked ``estimated`` -- its Census 2021 value comes from
  most, not all, of its LSOAs (shares are barely affected; counts are undercounted).
* **England** is every LSOA of the vintage in England: exact (for LSOA21 the code list of the
  IoD 2025 file, which covers every LSOA21 in England).
"""

from __future__ import annotations

import pandas as pd

#: Columns of the membership frame.
MEMBERSHIP_COLUMNS = ["vintage", "lsoa_code", "area_code", "area_type", "estimated"]


def _is_english(codes: pd.Series) -> pd.Series:
    return codes.str.startswith("E")


def _groups(members: pd.DataFrame, region_of: pd.Series, vintage: str) -> pd.DataFrame:
    """District and region rows of ``lsoa_code, lad_code, estimated`` members."""
    regions = members.assign(lad_code=members["lad_code"].map(region_of))
    regions = regions.dropna(subset=["lad_code"])
    regions["estimated"] = regions.groupby("lad_code")["estimated"].transform("any")
    return pd.concat([
        members.rename(columns={"lad_code": "area_code"}).assign(area_type="LAD"),
        regions.rename(columns={"lad_code": "area_code"}).assign(area_type="RGN"),
    ], ignore_index=True).assign(vintage=vintage)


def national_membership(
    lsoa_ward: pd.DataFrame,
    ward_region: pd.DataFrame,
    bestfit: pd.DataFrame,
    county_lsoa21: pd.DataFrame,
    england_lsoa21: pd.Series,
    *,
    district_codes: list[str],
    county_code: str,
    england_code: str,
) -> pd.DataFrame:
    """Membership of every English LSOA11 and LSOA21 in its district, region, county, England.

    Parameters
    ----------
    lsoa_ward
        ONS LSOA11 -> WD19 -> LAD19 lookup (``lsoa_code``, ``lad_code``), England and Wales.
    ward_region
        ONS WD19 -> LAD19 -> RGN19 lookup (``lad_code``, ``region_code``).
    bestfit
        ONS LSOA11 -> LSOA21 best-fit lookup (``lsoa11_code``, ``lsoa21_code``).
    county_lsoa21
        The county's LSOA21s with their district (``lsoa_code``, ``lad_code``; the boundary file).
    england_lsoa21
        Every LSOA21 code in England.
    district_codes, county_code, england_code
        The county's districts, the county and England.

    Returns
    -------
    pandas.DataFrame
        :data:`MEMBERSHIP_COLUMNS`: one row per LSOA (``vintage`` LSOA11 or LSOA21) and area it
        belongs to (``area_type`` LAD, RGN, CTY, ENG); ``estimated`` marks the districts and
        regions whose LSOA21 membership is incomplete (see the module notes).
    """
    region_of = (ward_region[_is_english(ward_region["lad_code"])]
                 .drop_duplicates("lad_code").set_index("lad_code")["region_code"])
    lsoa11 = lsoa_ward.loc[_is_english(lsoa_ward["lad_code"]), ["lsoa_code", "lad_code"]]
    lsoa11 = lsoa11.drop_duplicates("lsoa_code").assign(estimated=False)

    fit = bestfit[["lsoa11_code", "lsoa21_code"]].merge(lsoa11, left_on="lsoa11_code",
                                                        right_on="lsoa_code")
    changed = fit.loc[fit["lsoa11_code"] != fit["lsoa21_code"], "lad_code"].unique()
    fit = fit.sort_values("lsoa11_code").drop_duplicates("lsoa21_code")
    lsoa21 = pd.DataFrame({"lsoa_code": fit["lsoa21_code"], "lad_code": fit["lad_code"]})
    county21 = county_lsoa21.loc[county_lsoa21["lad_code"].isin(district_codes),
                                 ["lsoa_code", "lad_code"]]
    lsoa21 = pd.concat([lsoa21[~lsoa21["lad_code"].isin(district_codes)
                               & ~lsoa21["lsoa_code"].isin(county21["lsoa_code"])],
                        county21], ignore_index=True)
    lsoa21["estimated"] = (lsoa21["lad_code"].isin(changed)
                           & ~lsoa21["lad_code"].isin(district_codes))

    county11 = lsoa11.loc[lsoa11["lad_code"].isin(district_codes), "lsoa_code"]
    england21 = pd.Series(sorted(set(england_lsoa21[_is_english(england_lsoa21)])), dtype=object)
    whole = [
        ("LSOA11", county11, "CTY", county_code), ("LSOA21", county21["lsoa_code"], "CTY",
                                                   county_code),
        ("LSOA11", lsoa11["lsoa_code"], "ENG", england_code),
        ("LSOA21", england21, "ENG", england_code),
    ]
    parts = [_groups(lsoa11, region_of, "LSOA11"), _groups(lsoa21, region_of, "LSOA21")]
    parts += [pd.DataFrame({"vintage": vintage, "lsoa_code": codes.to_numpy(),
                            "area_code": code, "area_type": area_type, "estimated": False})
              for vintage, codes, area_type, code in whole]
    out = pd.concat(parts, ignore_index=True)[MEMBERSHIP_COLUMNS]
    return out.sort_values(["vintage", "area_type", "area_code", "lsoa_code"],
                           ignore_index=True)
