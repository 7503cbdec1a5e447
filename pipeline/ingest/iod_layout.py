"""Layouts of the Indices of Deprivation files: the variable names every edition is mapped to,
and the recognition of published headers, sheet names and area-code columns.

Used by the readers in :mod:`pipeline.ingest.iod`, which re-exports the public names here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import find_column

#: The index, the seven domains and the two supplementary indices.
DOMAINS: tuple[str, ...] = (
    "imd", "income", "employment", "education", "health", "crime", "barriers",
    "living_environment", "idaci", "idaopi",
)

#: The six sub-domains (two each for education, barriers and living environment).
SUBDOMAINS: tuple[str, ...] = (
    "children_young_people", "adult_skills", "geographical_barriers", "wider_barriers",
    "indoors", "outdoors",
)

#: Measures stored per LSOA.
MEASURES: tuple[str, ...] = ("score", "rank", "decile", "transformed_score")

#: File 10 summary measures (``{domain}_{measure}``); ``scale`` only for income and employment.
FILE10_MEASURES: tuple[str, ...] = (
    "average_rank", "rank_of_average_rank", "average_score", "rank_of_average_score",
    "proportion_most_deprived_10pct", "rank_of_proportion_most_deprived_10pct",
    "extent", "rank_of_extent", "local_concentration", "rank_of_local_concentration",
    "scale", "rank_of_scale",
)

#: File 6 population denominators: variable -> header pattern.
POPULATION_COLUMNS: dict[str, str] = {
    "pop_total": r"^total population",
    "pop_0_15": r"aged 0-15",
    "pop_16_59": r"aged 16-59",
    "pop_60_plus": r"aged 60 and over",
    "pop_working_age": r"^working age population",
}

# Human-readable names (MHCLG headers, ODC labels, File 10 sheets) -> domain. Order matters:
# the supplementary indices start with "Income ..." and must be tried before income.
_HUMAN_DOMAINS: tuple[tuple[str, str], ...] = (
    ("idaci", r"affecting children|\bidaci\b"),
    ("idaopi", r"affecting older|\bidaopi\b"),
    ("imd", r"^index of multiple deprivation|^imd\b"),
    ("children_young_people", r"^children and young people"),
    ("adult_skills", r"^adult skills"),
    ("geographical_barriers", r"^geographical barriers"),
    ("wider_barriers", r"^wider barriers"),
    ("indoors", r"^indoors"),
    ("outdoors", r"^outdoors"),
    ("income", r"^income\b"),
    ("employment", r"^employment\b"),
    ("education", r"^education\b"),
    ("health", r"^health\b"),
    ("crime", r"^crime\b"),
    ("barriers", r"^barriers\b"),
    ("living_environment", r"^living\b"),
)

# snake_case stems (after removing ``_sub_domain`` / ``_domain``) -> domain.
_SNAKE_DOMAINS: dict[str, str] = {
    "imd": "imd",
    "income": "income",
    "employment": "employment",
    "education": "education",
    "education_skills_and_training": "education",
    "health": "health",
    "health_deprivation_and_disability": "health",
    "crime": "crime",
    "barriers": "barriers",
    "housing_and_access": "barriers",
    "housing_and_services": "barriers",
    "barriers_to_housing_and_services": "barriers",
    "environment": "living_environment",
    "living_environment": "living_environment",
    "idaci": "idaci",
    "idaopi": "idaopi",
    "children_young_people": "children_young_people",
    "children_and_young_people": "children_young_people",
    "adult_skills": "adult_skills",
    "skills": "adult_skills",
    "geographical_barriers": "geographical_barriers",
    "wider_barriers": "wider_barriers",
    "indoors": "indoors",
    "outdoors": "outdoors",
}

_FILE10_MEASURES: tuple[tuple[str, str], ...] = (
    ("rank_of_average_rank", r"^rank of average rank$"),
    ("average_rank", r"^average rank$"),
    ("rank_of_average_score", r"^rank of average score$"),
    ("average_score", r"^average score$"),
    ("rank_of_proportion_most_deprived_10pct",
     r"^rank of proportion of lsoas in (the )?most deprived 10 ?(%|per ?cent) nationally$"),
    ("proportion_most_deprived_10pct",
     r"^proportion of lsoas in (the )?most deprived 10 ?(%|per ?cent) nationally$"),
    ("rank_of_extent", r"^rank of extent$"),
    ("extent", r"^extent$"),
    ("rank_of_local_concentration", r"^rank of local concentration$"),
    ("local_concentration", r"^local concentration$"),
)

_VINTAGE_OF_YEAR = {"01": "LSOA01", "11": "LSOA11", "21": "LSOA21"}

#: File 10's sheets as published, one per index and domain (sheet name by domain).
FILE10_SHEETS: dict[str, str] = {
    "imd": "IMD", "income": "Income", "employment": "Employment", "education": "Education",
    "health": "Health", "crime": "Crime", "barriers": "Barriers",
    "living_environment": "Living", "idaci": "IDACI", "idaopi": "IDAOPI",
}


def file10_sheet_measures(domain: str) -> tuple[str, ...]:
    """The summary measures File 10 publishes on a domain's sheet, each with its rank: average
    rank and score and the proportion in the most deprived 10% everywhere, extent and local
    concentration for the IMD, scale for income and employment."""
    measures = ["average_rank", "average_score", "proportion_most_deprived_10pct"]
    if domain == "imd":
        measures += ["extent", "local_concentration"]
    if domain in ("income", "employment"):
        measures.append("scale")
    return tuple(m for measure in measures for m in (measure, f"rank_of_{measure}"))


# ----------------------------------------------------------------------------- naming


def human_domain(name: str) -> str | None:
    """Domain slug for a published name (``'Barriers to Housing and Services'`` -> ``barriers``).

    Returns ``None`` when the name is not an IoD index, domain or sub-domain.
    """
    text = re.sub(r"\s+", " ", str(name)).strip().lower()
    for slug, pattern in _HUMAN_DOMAINS:
        if re.search(pattern, text):
            return slug
    return None


def mhclg_variable(header: str) -> str | None:
    """Standard variable for an MHCLG LSOA-file header, or ``None`` for an unknown header.

    ``'Income Rank (where 1 is most deprived)'`` -> ``income_rank``;
    ``'Crime Score - exponentially transformed'`` -> ``crime_transformed_score``;
    ``'Total population: mid 2015 (excluding prisoners)'`` -> ``pop_total``.
    """
    text = re.sub(r"\s+", " ", str(header)).strip()
    for variable, pattern in POPULATION_COLUMNS.items():
        if re.search(pattern, text, re.IGNORECASE):
            return variable
    m = re.match(r"^(?P<name>.+?) (?P<measure>rank|decile|score)\b(?P<rest>.*)$", text,
                 re.IGNORECASE)
    if not m:
        return None
    domain = human_domain(m["name"])
    if domain is None:
        return None
    measure = m["measure"].lower()
    if measure == "score" and re.search(r"transformed", m["rest"], re.IGNORECASE):
        measure = "transformed_score"
    return f"{domain}_{measure}"


def snake_variable(column: str) -> str | None:
    """Standard variable for a humaniverse snake_case column, or ``None`` if not a domain measure.

    ``'Housing_and_Access_rank'`` -> ``barriers_rank``; ``'skills_sub_domain_score'`` ->
    ``adult_skills_score``; ``'indoors_sub_domain_rank_decile'`` (the 2007 naming slip) ->
    ``indoors_decile``.
    """
    text = str(column).strip().lower()
    m = re.fullmatch(r"(?P<stem>[a-z0-9_]+?)_(?P<measure>rank_decile|score|rank|decile)", text)
    if not m:
        return None
    stem = re.sub(r"_(sub_domain|domain)$", "", m["stem"])
    domain = _SNAKE_DOMAINS.get(stem)
    if domain is None:
        return None
    measure = "decile" if m["measure"] == "rank_decile" else m["measure"]
    return f"{domain}_{measure}"


def indicator_variable(column: str) -> str:
    """``ind_<snake_case>`` name for an underlying-indicator column."""
    return "ind_" + re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")


def file10_variable(domain: str, header: str) -> str | None:
    """Standard variable for a File 10 header on a domain's sheet, or ``None`` if unknown.

    ``'IMD 2019 - Rank of extent '`` -> ``imd_rank_of_extent``; ``'Income scale'`` ->
    ``income_scale``; ``'Rank of Income Scale'`` -> ``income_rank_of_scale``.
    """
    text = re.sub(r"\s+", " ", str(header)).strip().lower()
    if re.fullmatch(r"(income|employment) scale", text):
        return f"{domain}_scale"
    if re.fullmatch(r"rank of (income|employment) scale", text):
        return f"{domain}_rank_of_scale"
    parts = text.split(" - ", 1)
    if len(parts) != 2:
        return None
    for measure, pattern in _FILE10_MEASURES:
        if re.fullmatch(pattern, parts[1].strip()):
            return f"{domain}_{measure}"
    return None



# ----------------------------------------------------------------------------- code columns


def _check_code_vintage(column: str, year: str | None, vintage: str, file: str | Path) -> None:
    """Raise when a code column's two-digit ``year`` (``'11'`` in ``lsoa11_code``) names another
    LSOA vintage than the dataset declares; an unknown or missing year is not checked."""
    if _VINTAGE_OF_YEAR.get(year) not in (None, vintage):
        raise InputError(file, f"the codes are {_VINTAGE_OF_YEAR[year]} ('{column}') but the "
                               f"dataset is declared {vintage} in config/datasets.yaml",
                         column=column)


def _lsoa_code_column(columns: pd.Index, file: Path, vintage: str) -> str:
    """The ``LSOA code (2011)`` column, checked against the declared vintage."""
    col = find_column(columns, r"^lsoa code\b", file, what="LSOA code column, e.g. 'LSOA code (2011)'")
    year = re.search(r"\((?:19|20)(\d{2})\)", col)
    _check_code_vintage(col, year[1] if year else None, vintage, file)
    return col


def _dedupe_variables(columns: dict[str, str], file: Path) -> None:
    seen: dict[str, str] = {}
    for column, variable in columns.items():
        if variable in seen:
            raise InputError(file, f"columns '{seen[variable]}' and '{column}' both hold "
                                   f"{variable}; expected one column per measure", column=column)
        seen[variable] = column



def _check_rank_and_decile(columns: dict[str, str], file: Path | str) -> None:
    """A decile is cut from the rank, and every published layout that holds an index or
    domain's decile holds its rank beside it: a file with a decile but not its rank lacks the
    rank column. ``columns`` maps the file's headers to variables."""
    held = set(columns.values())
    for column, variable in columns.items():
        stem = variable.removesuffix("_decile")
        if stem != variable and f"{stem}_rank" not in held:
            raise InputError(file, f"missing column: the {stem} rank (the file has the {stem} "
                                   f"decile in '{column}'; expected the rank beside the decile "
                                   "of each index or domain)")
