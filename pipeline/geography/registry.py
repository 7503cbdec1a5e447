"""Known area codes per area type, so readers reject codes of the wrong vintage.

Sources (only the code columns are read, so this stays fast without a cache):

* ``LSOA01`` - every LSOA01CD of the national ONS LSOA01 -> LSOA11 lookup (England & Wales);
* ``LSOA11`` - LSOA11CD of that lookup, of the LSOA11 -> ward 2019 lookup and of the
  LSOA11 -> LSOA21 best-fit lookup (the first alone misses four 2011 codes);
* ``LSOA21`` - every lsoa21_code of the national IoD2025 file (England) plus the best-fit
  lookup's LSOA21CD (adds Wales; the best-fit alone misses split children) and, when given, the
  codes of a Census 2021 table of England and Wales (adds the Welsh split children);
* ``OA11`` - the county OA lookup plus a national OA lookup when one is given; WITHOUT a
  national file OA11 is checked by code pattern only (a county set would wrongly reject OAs
  of a national file);
* ``LAD`` - district codes of all vintages in the lookups (LAD11, LAD19, LAD22);
* ``MSOA11``, ``WD19``, ``CED``, ``RGN`` when their lookups are given.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.geography.load import load_code_column
from pipeline.ingest.common import CodeRegistry


def build_code_registry(
    *,
    lsoa01_lsoa11: str | Path,
    lsoa11_lsoa21_bestfit: str | Path,
    lsoa21_codes: str | Path,
    lsoa11_ward: str | Path,
    oa11_lookup: str | Path | None = None,
    oa11_national: str | Path | None = None,
    ward_ced: str | Path | None = None,
    ward_region: str | Path | None = None,
    msoa_names: str | Path | None = None,
    lsoa21_census: str | Path | None = None,
    lsoa21_code_column: str = "lsoa21_code",
) -> CodeRegistry:
    """Read the known code sets from the ONS lookups and the IoD2025 file.

    Parameters
    ----------
    lsoa01_lsoa11
        National ONS LSOA01 -> LSOA11 lookup (LSOA01CD, LSOA11CD, LAD11CD).
    lsoa11_lsoa21_bestfit
        National ONS LSOA11 -> LSOA21 best-fit lookup (LSOA11CD, LSOA21CD, LAD22CD).
    lsoa21_codes
        A national file listing every LSOA21 (the IoD2025 file), column ``lsoa21_code_column``.
    lsoa11_ward
        National ONS LSOA11 -> WD19 -> LAD19 lookup.
    oa11_lookup, oa11_national
        County and national OA11 lookups (column OA11CD); OA11 is registered only when
        ``oa11_national`` is given.
    ward_ced, ward_region, msoa_names
        Optional: ward -> CED lookup (CED codes), ward -> region lookup (regions, wards),
        House of Commons Library MSOA names (MSOA11 codes).
    lsoa21_census
        Optional: a Census 2021 table with ``lsoa21_code`` for every LSOA21 of England and Wales.

    Returns
    -------
    CodeRegistry
        ``known`` maps area type -> frozenset of codes.
    """
    known: dict[str, frozenset[str]] = {
        "LSOA01": load_code_column(lsoa01_lsoa11, "LSOA01CD"),
        "LSOA11": (load_code_column(lsoa01_lsoa11, "LSOA11CD")
                   | load_code_column(lsoa11_ward, "LSOA11CD")
                   | load_code_column(lsoa11_lsoa21_bestfit, "LSOA11CD")),
        "LSOA21": (load_code_column(lsoa21_codes, lsoa21_code_column)
                   | load_code_column(lsoa11_lsoa21_bestfit, "LSOA21CD")),
        "LAD": (load_code_column(lsoa01_lsoa11, "LAD11CD")
                | load_code_column(lsoa11_ward, "LAD19CD")
                | load_code_column(lsoa11_lsoa21_bestfit, "LAD22CD")),
        "WD19": load_code_column(lsoa11_ward, "WD19CD"),
    }
    if lsoa21_census is not None:
        known["LSOA21"] |= load_code_column(lsoa21_census, "lsoa21_code")
    if oa11_national is not None:
        oas = load_code_column(oa11_national, "OA11CD")
        if oa11_lookup is not None:
            oas |= load_code_column(oa11_lookup, "OA11CD")
        known["OA11"] = oas
    if ward_ced is not None:
        known["CED"] = load_code_column(ward_ced, "CED19CD")
        known["WD19"] |= load_code_column(ward_ced, "WD19CD")
    if ward_region is not None:
        known["RGN"] = load_code_column(ward_region, "RGN19CD")
        known["WD19"] |= load_code_column(ward_region, "WD19CD")
        known["LAD"] |= load_code_column(ward_region, "LAD19CD")
    if msoa_names is not None:
        known["MSOA11"] = load_code_column(msoa_names, "msoa11cd")
    return CodeRegistry(known=known)
