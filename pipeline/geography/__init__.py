"""Geography: boundaries, the LSOA -> ward -> district -> county lookups, known area codes
and crosswalks between LSOA vintages.

* :mod:`~pipeline.geography.load` - reading files (``load_*``, each takes a path);
* :mod:`~pipeline.geography.lookup` - lookup frames, CED and RUC11 rules (operations);
* :mod:`~pipeline.geography.crosswalk` - vintage crosswalks and :func:`apply_crosswalk`;
* :mod:`~pipeline.geography.registry` - :func:`build_code_registry`;
* :mod:`~pipeline.geography.files` - wiring from the ``geography:`` catalogue section.
"""

from pipeline.geography.area import (
    code_registry,
    district_names,
    geography_paths,
    lsoa_boundaries,
    lsoa_lookup,
    lsoa_population,
    national_membership,
    to_working_vintage,
)
from pipeline.geography.crosswalk import (
    CROSSWALK_COLUMNS,
    apply_crosswalk,
    build_crosswalk,
    compose_crosswalks,
    lsoa01_lsoa11_pairs,
    overlay_pairs,
    reverse_pairs,
)
from pipeline.geography.files import (
    GEOGRAPHY_FILES,
    code_registry_from_files,
    crosswalk_from_files,
    lsoa_boundaries_from_files,
    lsoa_lookup_from_files,
)
from pipeline.geography.load import (
    load_boundaries,
    load_county_boundaries,
    load_geography_index,
    load_lsoa01_lsoa11_lookup,
    load_lsoa11_lsoa21_bestfit,
    load_lsoa11_population,
    load_lsoa11_ward_lookup,
    load_lsoa21_population,
    load_lsoa_boundaries,
    load_msoa_boundaries,
    load_msoa_names,
    load_oa_lookup,
    load_oa_population,
    load_oa_ruc,
    load_ward_boundaries,
    load_ward_ced_lookup,
    load_ward_region_lookup,
)
from pipeline.geography.lookup import (
    LSOA11_LOOKUP_COLUMNS,
    LSOA21_LOOKUP_COLUMNS,
    build_lsoa11_lookup,
    build_lsoa21_lookup,
    classify_lsoa_ruc,
    join_oa_tables,
    resolve_ced,
    shared_boundaries,
)
from pipeline.geography.registry import build_code_registry

__all__ = [
    "code_registry", "district_names", "geography_paths", "lsoa_boundaries", "lsoa_lookup",
    "lsoa_population", "national_membership", "to_working_vintage",
    "CROSSWALK_COLUMNS", "GEOGRAPHY_FILES", "LSOA11_LOOKUP_COLUMNS", "LSOA21_LOOKUP_COLUMNS",
    "apply_crosswalk", "build_code_registry", "build_crosswalk", "build_lsoa11_lookup",
    "build_lsoa21_lookup", "classify_lsoa_ruc", "code_registry_from_files",
    "compose_crosswalks", "crosswalk_from_files", "join_oa_tables", "load_boundaries",
    "load_county_boundaries", "load_geography_index", "load_lsoa01_lsoa11_lookup",
    "load_lsoa11_lsoa21_bestfit", "load_lsoa11_population", "load_lsoa11_ward_lookup",
    "load_lsoa21_population", "load_lsoa_boundaries", "load_msoa_boundaries",
    "load_msoa_names", "load_oa_lookup", "load_oa_population", "load_oa_ruc",
    "load_ward_boundaries", "load_ward_ced_lookup", "load_ward_region_lookup",
    "lsoa01_lsoa11_pairs", "lsoa_boundaries_from_files", "lsoa_lookup_from_files",
    "overlay_pairs", "resolve_ced", "reverse_pairs", "shared_boundaries",
]
