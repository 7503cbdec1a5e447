"""Geography for the user's area: the config-level entry points the rest of the pipeline uses.

Each function takes the :class:`~pipeline.config.AreaConfig` and reads the files named in the
``geography:`` section of the dataset catalogue.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.config import AreaConfig, load_geography_paths
from pipeline.errors import InputError
from pipeline.geography import crosswalk as cw
from pipeline.geography import files, load
from pipeline.ingest.common import CodeRegistry, DatasetSpec

LSOA_VINTAGES = ("LSOA01", "LSOA11", "LSOA21")


@lru_cache(maxsize=4)
def _paths(datasets_path: Path) -> Mapping[str, Path]:
    return load_geography_paths(datasets_path)


def geography_paths(config: AreaConfig) -> Mapping[str, Path]:
    """The named geography files of the catalogue (absolute paths)."""
    return _paths(config.datasets_path)


def code_registry(config: AreaConfig) -> CodeRegistry:
    """Known area codes per vintage, to reject codes of the wrong vintage."""
    return files.code_registry_from_files(geography_paths(config))


def lsoa_lookup(config: AreaConfig) -> pd.DataFrame:
    """The county's working-vintage LSOAs with ward, district, MSOA (HCL name), CED and RUC11."""
    return files.lsoa_lookup_from_files(geography_paths(config), config.county.code,
                                        vintage=config.working_vintage)


def lsoa_boundaries(config: AreaConfig) -> gpd.GeoDataFrame:
    """The county's working-vintage LSOA polygons (WGS84 lon/lat, as shipped)."""
    return files.lsoa_boundaries_from_files(geography_paths(config), config.working_vintage)


def national_membership(config: AreaConfig) -> pd.DataFrame:
    """Every English LSOA11 and LSOA21 with its district, region, the county and England
    (see :mod:`pipeline.geography.national`)."""
    return files.national_membership_from_files(
        geography_paths(config), district_codes=[d.code for d in config.districts],
        county_code=config.county.code, england_code=config.england.code)


def district_names(config: AreaConfig) -> pd.Series:
    """Name of every district (LAD 2019) by code, from the ONS LSOA11 -> LAD19 lookup."""
    lookup = load.load_lsoa11_ward_lookup(geography_paths(config)["lsoa11_ward19"])
    return lookup.drop_duplicates("lad_code").set_index("lad_code")["lad_name"]


def lsoa_population(config: AreaConfig) -> pd.Series:
    """Population by LSOA of the working vintage, used to weight scores (IoD2019 File 6 for
    LSOA11, the population MHCLG uses for its own summaries; Census 2021 for LSOA21)."""
    paths = geography_paths(config)
    if config.working_vintage == "LSOA21":
        return load.load_lsoa21_population(paths["lsoa21_population"])
    return load.load_lsoa11_population(paths["lsoa11_population"])


def _kinds(spec: DatasetSpec, variables: pd.Series) -> pd.Series:
    """Crosswalk kind per variable from the dataset's ``crosswalk`` option.

    The option is ``count`` or ``mean``, or a mapping of regular expressions to kinds (the first
    pattern that matches a variable wins), e.g. ``{'_numerator$': count, '.*': mean}``.
    """
    option = spec.option("crosswalk")
    if option is None:
        raise InputError(spec.path, f"datasets.{spec.id}: its areas are {spec.option('vintage')} "
                                    "but the working vintage differs; add option crosswalk: "
                                    "count or mean (how values move across LSOA changes)")
    rules = {".*": option} if isinstance(option, str) else dict(option)
    for kind in rules.values():
        if kind not in ("count", "mean"):
            raise InputError(spec.path, f"datasets.{spec.id}: crosswalk kind '{kind}' is not "
                                        "'count' or 'mean'")
    unique = pd.Series(variables.unique())
    kinds = unique.map(lambda v: next((k for p, k in rules.items() if re.search(p, v)), None))
    if kinds.isna().any():
        raise InputError(spec.path, f"datasets.{spec.id}: no crosswalk rule matches variable "
                                    f"'{unique[kinds.isna()].iloc[0]}'")
    return pd.Series(kinds.to_numpy(), index=unique.to_numpy())


def to_working_vintage(
    observations: pd.DataFrame, specs: Sequence[DatasetSpec], config: AreaConfig
) -> pd.DataFrame:
    """Observations of other LSOA vintages moved onto the working vintage (flagged ``[e]``
    where an area split or merged). Native rows are not included in the result.

    LSOA 2001 -> 2011 uses the national ONS lookup (all of England); 2011 <-> 2021 uses the
    county boundaries, so rows outside the county are left on their own vintage.
    """
    target = config.working_vintage
    moved = []
    crosswalks: dict[str, pd.DataFrame] = {}
    by_source = {spec.path.name: spec for spec in specs}
    other = observations["area_type"].isin(LSOA_VINTAGES) & (observations["area_type"] != target)
    groups = observations.loc[other, ["source", "area_type"]].groupby(["source", "area_type"])
    for (source, vintage), at in sorted(groups.indices.items()):
        rows = observations.iloc[np.flatnonzero(other)[at]]
        spec = by_source[source]
        if vintage not in crosswalks:
            crosswalks[vintage] = files.crosswalk_from_files(geography_paths(config), vintage,
                                                             target)
        kinds = _kinds(spec, rows["variable"])
        moved.append(cw.apply_crosswalk(rows, crosswalks[vintage], kinds.to_dict(),
                                        unmatched="drop"))
    if not moved:
        return observations.iloc[0:0]
    return pd.concat(moved, ignore_index=True)[observations.columns]


def check_area_codes(config: AreaConfig) -> None:
    """Refuse area settings whose county or district codes the shipped lookups do not know.

    The county must be a county of the ONS ward -> county lookup and every district one of
    its districts; a mistyped code would otherwise run with no LSOAs and no localities.

    Raises
    ------
    InputError
        Naming the settings file, its line, the key and the code, with the closest valid
        codes and names.
    """
    paths = geography_paths(config)
    ward_ced = load.load_ward_ced_lookup(files._path(paths, "ward19_ced19"))
    lads = load.load_lsoa11_ward_lookup(files._path(paths, "lsoa11_ward19"))
    lad_names = lads.drop_duplicates("lad_code").set_index("lad_code")["lad_name"]
    county_of = ward_ced.drop_duplicates("lad_code").set_index("lad_code")["county_name"]
    counties = ward_ced.drop_duplicates("county_code").set_index("county_code")["county_name"]
    code = config.county.code
    if code not in counties.index:
        raise _unknown(config, "county.code", code, "a county of the ONS ward -> county lookup",
                       counties, config.county.name)
    named = [c for c, n in counties.items() if n.lower() == config.county.name.lower()]
    if named and code not in named:
        raise _unknown(config, "county.code", code, f"{config.county.name}: it is "
                       f"{counties[code]}", counties, config.county.name)
    own = ward_ced.loc[ward_ced["county_code"] == code, "lad_code"].unique()
    districts = lad_names.reindex(sorted(own)).fillna("")
    for i, district in enumerate(config.districts):
        if district.code in districts.index:
            continue
        where = f"districts[{i}].code"
        if district.code in lad_names.index:
            elsewhere = county_of.get(district.code)
            whose = f"a district of {elsewhere}" if isinstance(elsewhere, str) else "not a district"
            raise _unknown(config, where, district.code, f"one of {counties[code]}'s "
                           f"districts; it is {lad_names[district.code]}, {whose}", districts,
                           district.name)
        raise _unknown(config, where, district.code, f"a district of {counties[code]} in "
                       "the ONS lookups", districts, district.name)


def _unknown(config: AreaConfig, where: str, code: str, expected: str, known: pd.Series,
             name: str) -> InputError:
    """The error for a code that is not in ``known`` (code -> name), suggesting the closest
    codes and the code of an area called ``name``."""
    by_name = [c for c, n in known.items() if str(n).lower() == name.lower()]
    similar_names = difflib.get_close_matches(name, [str(n) for n in known], n=2, cutoff=0.6)
    close = by_name or [*difflib.get_close_matches(code, list(known.index), n=3, cutoff=0.6),
                        *known.index[known.isin(similar_names)]]
    close = list(dict.fromkeys(close))
    hint = (f"; did you mean {' or '.join(f'{c} ({known[c]})' for c in close[:3])}?"
            if close else "")
    lines = config.path.read_text(encoding="utf-8").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if code in text), None)
    return InputError(config.path, f"{where}: '{code}' is not {expected}{hint}", line=line)
