"""Reading geography files: boundaries, ONS lookups, populations used as weights.

Every function here takes a path and returns a tidy frame with the project's column names
(``lsoa_code``, ``ward_code``, ``lad_code`` ...). Problems are raised as
:class:`pipeline.errors.InputError` naming the file and column. No function here does more
than read, select, rename and type-check: the operations live in ``lookup``, ``crosswalk``
and ``registry``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyogrio.errors import DataLayerError, DataSourceError

from pipeline.errors import InputError
from pipeline.ingest.common import CodeRegistry, parse_numbers, read_csv

#: Boundary layers: area type -> (code property, name property, project column prefix).
BOUNDARY_LAYERS: dict[str, tuple[str, str, str]] = {
    "LSOA11": ("LSOA11CD", "LSOA11NM", "lsoa"),
    "LSOA21": ("LSOA21CD", "LSOA21NM", "lsoa"),
    "MSOA11": ("MSOA11CD", "MSOA11NM", "msoa"),
    "MSOA21": ("MSOA21CD", "MSOA21NM", "msoa"),
    "WD19": ("WD19CD", "WD19NM", "ward"),
    "WD25": ("WD25CD", "WD25NM", "ward"),
}

#: LAD property per boundary layer, first match wins (ward19 has LAD20CD, not LADCD_ACTIVE).
_LAD_PROPERTIES = ("LADCD_ACTIVE", "LAD25CD", "LAD20CD")


# --------------------------------------------------------------------------- helpers

def read_columns(path: str | Path, columns: Mapping[str, str]) -> pd.DataFrame:
    """Read only ``columns`` (file header -> new name, case-insensitive) from a CSV as text.

    Reading just the needed columns keeps the national lookups fast. A missing column raises
    :class:`InputError` naming it.
    """
    wanted = {k.lower(): v for k, v in columns.items()}
    df = read_csv(path, usecols=lambda c: str(c).strip().lower() in wanted)
    found = {c.strip().lower(): c for c in df.columns}
    missing = [k for k in columns if k.lower() not in found]
    if missing:
        raise InputError(path, f"missing required column: {missing[0]} "
                               f"(expected columns {', '.join(columns)})")
    df = df.rename(columns={found[k]: v for k, v in wanted.items()})
    out = df[list(wanted.values())].copy()
    for col in out:
        out[col] = out[col].astype(str).str.strip()
    return out


def _numbers(df: pd.DataFrame, column: str, path: str | Path, header: str) -> pd.Series:
    values, flags = parse_numbers(df[column], path, column=header)
    if (flags != "").any():
        pos = int(np.flatnonzero((flags != "").to_numpy())[0])
        raise InputError(path, f"'{df[column].iloc[pos]}' is not a number (expected a count)",
                         row=pos + 2, column=header)
    return values


# --------------------------------------------------------------------------- boundaries

def load_boundaries(path: str | Path, area_type: str) -> gpd.GeoDataFrame:
    """Read a boundary layer (GeoJSON) as a GeoDataFrame in the file's own CRS.

    Parameters
    ----------
    path
        A GeoJSON file of one area type (the shipped files are CRS84 = EPSG:4326 lon/lat).
    area_type
        One of :data:`BOUNDARY_LAYERS` (``LSOA11``, ``LSOA21``, ``MSOA11``, ``MSOA21``,
        ``WD19``, ``WD25``).

    Returns
    -------
    GeoDataFrame
        ``<prefix>_code``, ``<prefix>_name``, ``lad_code`` (blank where the layer has none) and
        Polygon / MultiPolygon ``geometry``, sorted by code. The prefix is ``lsoa``, ``msoa``
        or ``ward``.
    """
    if area_type not in BOUNDARY_LAYERS:
        raise ValueError(f"unknown boundary area type {area_type!r} "
                         f"(expected one of {', '.join(BOUNDARY_LAYERS)})")
    code_prop, name_prop, prefix = BOUNDARY_LAYERS[area_type]
    gdf = _read_vector(path)
    if code_prop not in gdf.columns:
        raise InputError(path, f"missing required property: {code_prop} "
                               f"(is this a {area_type} boundary file?)", column=code_prop)
    lad_prop = next((p for p in _LAD_PROPERTIES if p in gdf.columns), None)
    out = gpd.GeoDataFrame(
        {
            f"{prefix}_code": gdf[code_prop].astype(str).str.strip(),
            f"{prefix}_name": gdf[name_prop].astype(str).str.strip()
            if name_prop in gdf else "",
            "lad_code": gdf[lad_prop].fillna("").astype(str).str.strip() if lad_prop else "",
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    pattern_type = "WD19" if prefix == "ward" else area_type  # ward codes share one pattern
    CodeRegistry().check(out[f"{prefix}_code"], pattern_type, path, column=code_prop)
    dup = out[f"{prefix}_code"].duplicated()
    if dup.any():
        raise InputError(path, f"area code '{out[f'{prefix}_code'][dup].iloc[0]}' has more than "
                               "one feature (expected one polygon per area)", column=code_prop)
    return out.sort_values(f"{prefix}_code").reset_index(drop=True)


def load_lsoa_boundaries(path: str | Path, vintage: str) -> gpd.GeoDataFrame:
    """LSOA polygons of one vintage (``LSOA11`` or ``LSOA21``): ``lsoa_code, lsoa_name,
    lad_code, geometry`` in the file's CRS (EPSG:4326 for the shipped GeoJSON)."""
    if vintage not in ("LSOA11", "LSOA21"):
        raise ValueError(f"unknown LSOA vintage {vintage!r} (expected LSOA11 or LSOA21)")
    return load_boundaries(path, vintage)


def load_msoa_boundaries(path: str | Path, vintage: str = "MSOA11") -> gpd.GeoDataFrame:
    """MSOA polygons (``MSOA11`` or ``MSOA21``): ``msoa_code, msoa_name, lad_code, geometry``."""
    if vintage not in ("MSOA11", "MSOA21"):
        raise ValueError(f"unknown MSOA vintage {vintage!r} (expected MSOA11 or MSOA21)")
    return load_boundaries(path, vintage)


def load_ward_boundaries(path: str | Path, vintage: str = "WD19") -> gpd.GeoDataFrame:
    """Ward polygons (``WD19`` or ``WD25``): ``ward_code, ward_name, lad_code, geometry``."""
    if vintage not in ("WD19", "WD25"):
        raise ValueError(f"unknown ward vintage {vintage!r} (expected WD19 or WD25)")
    return load_boundaries(path, vintage)


def load_county_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """County outlines from a zipped ESRI shapefile (the UKDS file is EPSG:27700).

    The zip may hold the shapefile in a sub-folder; the first ``.shp`` member is read.

    Returns
    -------
    GeoDataFrame
        ``county_code``, ``county_name``, ``geometry`` (file CRS), sorted by code.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"file not found (expected at {path})")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                members = [n for n in zf.namelist() if n.lower().endswith(".shp")]
        except zipfile.BadZipFile:
            raise InputError(path, "is not a valid zip file (expected a zipped shapefile)")
        if not members:
            raise InputError(path, "the zip holds no .shp file (expected a zipped shapefile)")
        source = f"zip://{path}!{members[0]}"
    else:
        source = str(path)
    gdf = _read_vector(path, source=source)
    code = next((c for c in gdf.columns if c.lower() in ("code", "ctyua11cd", "cty11cd")), None)
    name = next((c for c in gdf.columns if c.lower() in ("name", "ctyua11nm", "cty11nm")), None)
    if code is None:
        raise InputError(path, "missing required attribute: code (expected a county code field)")
    out = gpd.GeoDataFrame(
        {"county_code": gdf[code].astype(str).str.strip(),
         "county_name": gdf[name].astype(str).str.strip() if name else ""},
        geometry=gdf.geometry.values, crs=gdf.crs,
    )
    return out.sort_values("county_code").reset_index(drop=True)


def _read_vector(path: str | Path, *, source: str | None = None) -> gpd.GeoDataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"file not found (expected at {path})")
    try:
        gdf = gpd.read_file(source or path, engine="pyogrio")
    except (DataSourceError, DataLayerError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"could not be read as a vector boundary file ({first})")
    if gdf.empty:
        raise InputError(path, "has no features (expected one polygon per area)")
    if gdf.crs is None:
        raise InputError(path, "has no coordinate reference system (expected CRS84/EPSG:4326 "
                               "GeoJSON or a shapefile with a .prj)")
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(path, f"has {', '.join(sorted(kinds - {'Polygon', 'MultiPolygon'}))} "
                               "geometries (expected Polygon or MultiPolygon)")
    if gdf.geometry.isna().any():
        pos = int(np.flatnonzero(gdf.geometry.isna().to_numpy())[0])
        raise InputError(path, f"feature {pos + 1} has no geometry (expected a polygon)")
    return gdf


# --------------------------------------------------------------------------- lookups

def load_lsoa11_ward_lookup(path: str | Path) -> pd.DataFrame:
    """ONS LSOA (2011) -> ward (2019) -> LAD (2019) best-fit lookup.

    Returns ``lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name``.
    """
    return read_columns(path, {
        "LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "WD19CD": "ward_code",
        "WD19NM": "ward_name", "LAD19CD": "lad_code", "LAD19NM": "lad_name",
    })


def load_ward_ced_lookup(path: str | Path) -> pd.DataFrame:
    """ONS ward (2019) -> LAD -> county -> County Electoral Division (May 2019) lookup.

    A ward spanning several CEDs has one row per CED. Returns ``ward_code, ward_name,
    lad_code, county_code, county_name, ced_code, ced_name``.
    """
    return read_columns(path, {
        "WD19CD": "ward_code", "WD19NM": "ward_name", "LAD19CD": "lad_code",
        "CTY19CD": "county_code", "CTY19NM": "county_name", "CED19CD": "ced_code",
        "CED19NM": "ced_name",
    })


def load_ward_region_lookup(path: str | Path) -> pd.DataFrame:
    """ONS ward (Dec 2019) -> LAD -> county -> region lookup: ``ward_code, lad_code,
    region_code, region_name``."""
    return read_columns(path, {
        "WD19CD": "ward_code", "LAD19CD": "lad_code", "RGN19CD": "region_code",
        "RGN19NM": "region_name",
    })


def load_msoa_names(path: str | Path) -> pd.DataFrame:
    """House of Commons Library MSOA (2011) names: ``msoa_code, msoa_name, msoa_hcl_name``."""
    return read_columns(path, {
        "msoa11cd": "msoa_code", "msoa11nm": "msoa_name", "msoa11hclnm": "msoa_hcl_name",
    })


def load_oa_lookup(path: str | Path) -> pd.DataFrame:
    """ONS OA (2011) -> LSOA -> MSOA -> LAD lookup: ``oa_code, lsoa_code, msoa_code, lad_code``.

    The LAD column is whichever ``LADyyCD`` the file carries (the shipped one is LAD17).
    """
    header = read_csv(path, nrows=1).columns
    lad = next((c for c in header if c.strip().upper().startswith("LAD")
                and c.strip().upper().endswith("CD")), None)
    if lad is None:
        raise InputError(path, "missing required column: LADyyCD (a district code column)")
    return read_columns(path, {
        "OA11CD": "oa_code", "LSOA11CD": "lsoa_code", "MSOA11CD": "msoa_code", lad: "lad_code",
    })


def load_oa_ruc(path: str | Path) -> pd.DataFrame:
    """ONS 2011 Rural-Urban Classification of OAs: ``oa_code, ruc11_code, ruc11_name``."""
    return read_columns(path, {"OA11CD": "oa_code", "RUC11CD": "ruc11_code",
                               "RUC11": "ruc11_name"})


def load_oa_population(path: str | Path) -> pd.DataFrame:
    """Census 2011 usual residents per OA from the 2011 OAC raw-variable file.

    Returns ``oa_code, lsoa_code, population`` (``Total_Population`` = KS101EW0001).
    """
    df = read_columns(path, {"OA11CD": "oa_code", "LSOA11CD": "lsoa_code",
                             "Total_Population": "population"})
    df["population"] = _numbers(df, "population", path, "Total_Population")
    return df


def load_lsoa01_lsoa11_lookup(path: str | Path) -> pd.DataFrame:
    """ONS LSOA (2001) -> LSOA (2011) lookup with its change indicator.

    Returns ``lsoa01_code, lsoa11_code, chgind, lad_code`` (``chgind``: U unchanged, S split,
    M merged, X complex). Any other change indicator raises :class:`InputError`.
    """
    df = read_columns(path, {"LSOA01CD": "lsoa01_code", "LSOA11CD": "lsoa11_code",
                             "CHGIND": "chgind", "LAD11CD": "lad_code"})
    bad = ~df["chgind"].isin(["U", "S", "M", "X"])
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(path, f"'{df['chgind'].iloc[pos]}' is not a change indicator "
                               "(expected U, S, M or X)", row=pos + 2, column="CHGIND")
    return df


def load_lsoa11_lsoa21_bestfit(path: str | Path) -> pd.DataFrame:
    """ONS LSOA (2011) -> LSOA (2021) -> LAD (2022) best-fit lookup.

    Returns ``lsoa11_code, lsoa21_code, lsoa21_name, lad_code, lad_name``. Best fit means one
    LSOA21 per LSOA11: the other children of a split LSOA11 are missing from it.
    """
    return read_columns(path, {"LSOA11CD": "lsoa11_code", "LSOA21CD": "lsoa21_code",
                               "LSOA21NM": "lsoa21_name", "LAD22CD": "lad_code",
                               "LAD22NM": "lad_name"})


def load_geography_index(path: str | Path) -> pd.DataFrame:
    """The shipped county LSOA11 geography index (a join of the ONS lookups).

    Returns ``lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name, msoa_code,
    msoa_name, msoa_hcl_name, ced_codes_all, ced_names_all, county_code, county_name,
    lsoa21_bestfit`` (CED lists are ';'-joined when the ward spans several CEDs).
    """
    return read_columns(path, {
        "LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "WD19CD": "ward_code",
        "WD19NM": "ward_name", "LAD19CD": "lad_code", "LAD19NM": "lad_name",
        "MSOA11CD": "msoa_code", "MSOA11NM": "msoa_name", "MSOA11HCLNM": "msoa_hcl_name",
        "CED19CD": "ced_codes_all", "CED19NM": "ced_names_all", "CTY19CD": "county_code",
        "CTY19NM": "county_name", "LSOA21CD_bestfit": "lsoa21_bestfit",
    })


def load_code_column(path: str | Path, column: str) -> frozenset[str]:
    """The set of distinct non-blank values of one column (e.g. all LSOA21 codes of IoD2025)."""
    codes = read_columns(path, {column: "code"})["code"]
    return frozenset(codes[codes != ""])


# --------------------------------------------------------------------------- populations

def load_lsoa11_population(path: str | Path) -> pd.Series:
    """LSOA11 total population mid-2015 from IoD2019 File 6 (population denominators).

    File 6 covers every LSOA11 in England, so it weights the national LSOA01 -> LSOA11
    crosswalk as well as the county. Returns a float Series indexed by ``lsoa_code``.
    """
    header = read_csv(path, nrows=1).columns
    code = next((c for c in header if c.lower().startswith("lsoa code")), None)
    total = next((c for c in header if c.lower().startswith("total population")), None)
    if code is None or total is None:
        raise InputError(path, "missing required column: "
                         f"{'LSOA code (2011)' if code is None else 'Total population: mid 2015'}")
    df = read_columns(path, {code: "lsoa_code", total: "population"})
    values = _numbers(df, "population", path, total)
    return pd.Series(values.to_numpy(), index=pd.Index(df["lsoa_code"], name="lsoa_code"),
                     name="population")


def load_lsoa21_population(path: str | Path) -> pd.Series:
    """LSOA21 usual residents (Census 2021) from a long TS table with ``total_residents``.

    The shipped TS021 file repeats the LSOA total on every category row; it is taken once per
    LSOA. Returns a float Series indexed by ``lsoa_code``.
    """
    df = read_columns(path, {"lsoa21_code": "lsoa_code", "total_residents": "population"})
    df["population"] = _numbers(df, "population", path, "total_residents")
    per_lsoa = df.groupby("lsoa_code")["population"].agg(["min", "max"])
    clash = per_lsoa[per_lsoa["min"] != per_lsoa["max"]]
    if not clash.empty:
        raise InputError(path, f"LSOA '{clash.index[0]}' has different total_residents on "
                               "different rows (expected the same total repeated)",
                         column="total_residents")
    return per_lsoa["min"].rename("population")
