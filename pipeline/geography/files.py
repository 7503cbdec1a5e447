"""Wiring at the edge: build lookups, crosswalks and the code registry from the named files of
the ``geography:`` section of ``config/datasets.yaml`` (see
:func:`pipeline.config.load_geography_paths`).

Each function reads with :mod:`pipeline.geography.load` and hands the frames to the
operations; nothing else happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline.errors import InputError
from pipeline.geography import crosswalk as cw
from pipeline.geography import load
from pipeline.geography.lookup import (
    build_lsoa11_lookup,
    build_lsoa21_lookup,
    classify_lsoa_ruc,
    join_oa_tables,
)
from pipeline.geography.national import national_membership
from pipeline.geography.registry import build_code_registry
from pipeline.ingest.common import CodeRegistry

#: Names every geography file goes by in the ``geography:`` section, with what it is.
GEOGRAPHY_FILES: dict[str, str] = {
    "lsoa11_boundaries": "LSOA (Dec 2011) polygons, GeoJSON CRS84",
    "lsoa21_boundaries": "LSOA (2021) polygons, GeoJSON CRS84",
    "msoa11_boundaries": "MSOA (2011) polygons, GeoJSON CRS84",
    "msoa21_boundaries": "MSOA (2021) polygons, GeoJSON CRS84",
    "ward19_boundaries": "ward (Dec 2019) polygons, GeoJSON CRS84",
    "ward25_boundaries": "ward (2025) polygons, GeoJSON CRS84",
    "county_boundaries": "county outlines, zipped shapefile EPSG:27700",
    "geography_index": "county LSOA11 index (derived join of the ONS lookups; cross-check)",
    "lsoa01_lsoa11": "ONS LSOA01 -> LSOA11 -> LAD11 lookup with CHGIND, England & Wales",
    "lsoa11_lsoa21_bestfit": "ONS LSOA11 -> LSOA21 -> LAD22 best-fit lookup, England & Wales",
    "lsoa11_ward19": "ONS LSOA11 -> WD19 -> LAD19 lookup, England & Wales",
    "ward19_ced19": "ONS WD19 -> LAD19 -> CTY19 -> CED19 lookup (May 2019), England",
    "ward19_region": "ONS WD19 -> LAD19 -> CTY19 -> RGN19 lookup (Dec 2019), UK",
    "msoa11_names": "House of Commons Library MSOA names v1.14",
    "oa11_lsoa11": "ONS OA11 -> LSOA11 -> MSOA11 -> LAD17 lookup, county",
    "ruc11_oa11": "ONS 2011 Rural-Urban Classification of OAs, county",
    "oa11_population": "Census 2011 OAC raw variables (Total_Population per OA), county",
    "lsoa21_codes": "IoD2025 national file (every LSOA21 in England)",
    "lsoa11_population": "IoD2019 File 6 population denominators (mid-2015, England)",
    "lsoa21_population": "Census 2021 TS021 (total_residents per LSOA21), England and Wales",
}


def _path(paths: Mapping[str, Path], name: str) -> Path:
    if name not in paths:
        raise InputError("datasets.yaml", f"geography: file '{name}' is not named "
                                          f"({GEOGRAPHY_FILES.get(name, 'needed here')})")
    return Path(paths[name])


def lsoa_boundaries_from_files(paths: Mapping[str, Path], vintage: str) -> gpd.GeoDataFrame:
    """LSOA polygons of ``vintage`` (``LSOA11``/``LSOA21``) from the named boundary file."""
    return load.load_lsoa_boundaries(_path(paths, f"{vintage.lower()}_boundaries"), vintage)


def lsoa_ruc_from_files(paths: Mapping[str, Path]) -> pd.DataFrame:
    """RUC11 class of each county LSOA11 (see :func:`classify_lsoa_ruc`)."""
    oas = join_oa_tables(load.load_oa_lookup(_path(paths, "oa11_lsoa11")),
                         load.load_oa_ruc(_path(paths, "ruc11_oa11")),
                         load.load_oa_population(_path(paths, "oa11_population")))
    return classify_lsoa_ruc(oas)


def lsoa_lookup_from_files(
    paths: Mapping[str, Path], county_code: str, vintage: str = "LSOA11",
) -> pd.DataFrame:
    """The county's LSOA lookup frame for ``vintage`` (``LSOA11`` or ``LSOA21``).

    See :data:`pipeline.geography.lookup.LSOA11_LOOKUP_COLUMNS` /
    :data:`~pipeline.geography.lookup.LSOA21_LOOKUP_COLUMNS` for the columns.
    """
    if vintage not in ("LSOA11", "LSOA21"):
        raise ValueError(f"no lookup for vintage {vintage!r} (expected LSOA11 or LSOA21)")
    boundaries11 = lsoa_boundaries_from_files(paths, "LSOA11")
    lookup11 = build_lsoa11_lookup(
        lsoa_ward=load.load_lsoa11_ward_lookup(_path(paths, "lsoa11_ward19")),
        ward_ced=load.load_ward_ced_lookup(_path(paths, "ward19_ced19")),
        ward_region=load.load_ward_region_lookup(_path(paths, "ward19_region")),
        msoa_names=load.load_msoa_names(_path(paths, "msoa11_names")),
        oa_lookup=load.load_oa_lookup(_path(paths, "oa11_lsoa11")),
        lsoa_ruc=lsoa_ruc_from_files(paths),
        boundaries=boundaries11,
        county_code=county_code,
    )
    if vintage == "LSOA11":
        return lookup11
    boundaries21 = lsoa_boundaries_from_files(paths, "LSOA21")
    pairs = cw.overlay_pairs(boundaries11, boundaries21)
    bestfit = load.load_lsoa11_lsoa21_bestfit(_path(paths, "lsoa11_lsoa21_bestfit"))
    lad_names = bestfit.drop_duplicates("lad_code").set_index("lad_code")["lad_name"]
    counties = set(lookup11["lad_code"])
    return build_lsoa21_lookup(boundaries21[boundaries21["lad_code"].isin(counties)],
                               lookup11, pairs, lad_names)


def crosswalk_from_files(
    paths: Mapping[str, Path], from_type: str, to_type: str,
) -> pd.DataFrame:
    """The crosswalk ``from_type`` -> ``to_type`` between LSOA vintages.

    LSOA01 -> LSOA11 is national (ONS lookup); LSOA11 <-> LSOA21 comes from the county
    boundary files; LSOA01 -> LSOA21 chains the two (county). Populations: LSOA11 mid-2015
    (IoD2019 File 6), LSOA21 Census 2021; LSOA01 has none (merges take plain means).
    """
    if from_type == to_type:
        raise ValueError(f"no crosswalk needed from {from_type} to itself")
    supported = {("LSOA01", "LSOA11"), ("LSOA11", "LSOA21"), ("LSOA21", "LSOA11"),
                 ("LSOA01", "LSOA21")}
    if (from_type, to_type) not in supported:
        raise ValueError(f"no crosswalk from {from_type} to {to_type} (supported: "
                         f"{', '.join(f'{a}->{b}' for a, b in sorted(supported))})")
    pop11 = load.load_lsoa11_population(_path(paths, "lsoa11_population"))
    if (from_type, to_type) == ("LSOA01", "LSOA11"):
        pairs = cw.lsoa01_lsoa11_pairs(load.load_lsoa01_lsoa11_lookup(
            _path(paths, "lsoa01_lsoa11")))
        return cw.build_crosswalk(pairs, from_type="LSOA01", to_type="LSOA11",
                                  to_population=pop11)
    pop21 = load.load_lsoa21_population(_path(paths, "lsoa21_population"))
    pairs = cw.overlay_pairs(lsoa_boundaries_from_files(paths, "LSOA11"),
                             lsoa_boundaries_from_files(paths, "LSOA21"))
    forward = cw.build_crosswalk(pairs, from_type="LSOA11", to_type="LSOA21",
                                 from_population=pop11, to_population=pop21)
    if (from_type, to_type) == ("LSOA11", "LSOA21"):
        return forward
    if (from_type, to_type) == ("LSOA21", "LSOA11"):
        return cw.build_crosswalk(cw.reverse_pairs(pairs), from_type="LSOA21",
                                  to_type="LSOA11", from_population=pop21,
                                  to_population=pop11)
    return cw.compose_crosswalks(crosswalk_from_files(paths, "LSOA01", "LSOA11"), forward)


def national_membership_from_files(
    paths: Mapping[str, Path], *, district_codes: list[str], county_code: str, england_code: str,
) -> pd.DataFrame:
    """:func:`~pipeline.geography.national.national_membership` with the named files."""
    county21 = lsoa_boundaries_from_files(paths, "LSOA21")
    return national_membership(
        load.load_lsoa11_ward_lookup(_path(paths, "lsoa11_ward19")),
        load.load_ward_region_lookup(_path(paths, "ward19_region")),
        load.load_lsoa11_lsoa21_bestfit(_path(paths, "lsoa11_lsoa21_bestfit")),
        pd.DataFrame(county21[["lsoa_code", "lad_code"]]),
        pd.Series(sorted(load.load_code_column(_path(paths, "lsoa21_codes"), "lsoa21_code"))),
        district_codes=district_codes, county_code=county_code, england_code=england_code,
    )


def code_registry_from_files(paths: Mapping[str, Path]) -> CodeRegistry:
    """:func:`build_code_registry` with the named files (a national OA lookup is used when a
    file named ``oa11_national`` is listed)."""
    optional = {k: Path(paths[k]) for k in ("oa11_national",) if k in paths}
    if "lsoa21_population" in paths:
        optional["lsoa21_census"] = Path(paths["lsoa21_population"])
    return build_code_registry(
        lsoa01_lsoa11=_path(paths, "lsoa01_lsoa11"),
        lsoa11_lsoa21_bestfit=_path(paths, "lsoa11_lsoa21_bestfit"),
        lsoa21_codes=_path(paths, "lsoa21_codes"),
        lsoa11_ward=_path(paths, "lsoa11_ward19"),
        oa11_lookup=_path(paths, "oa11_lsoa11"),
        ward_ced=_path(paths, "ward19_ced19"),
        ward_region=_path(paths, "ward19_region"),
        msoa_names=_path(paths, "msoa11_names"),
        **optional,
    )
