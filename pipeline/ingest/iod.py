"""Readers for the English Indices of Deprivation (IoD) in every layout that is shipped.

Every edition (2004, 2007, 2010 on LSOA 2001; 2015, 2019 on LSOA 2011; 2025 on LSOA 2021) becomes
observations with the SAME variable names, so that trends line up across editions:

* ``{domain}_{measure}`` where ``domain`` is one of :data:`DOMAINS` (``imd``, ``income``,
  ``employment``, ``education``, ``health``, ``crime``, ``barriers``, ``living_environment``,
  ``idaci``, ``idaopi``) or a sub-domain (``children_young_people``, ``adult_skills``,
  ``geographical_barriers``, ``wider_barriers``, ``indoors``, ``outdoors``), and ``measure`` is
  ``score``, ``rank``, ``decile`` or ``transformed_score`` (the exponentially transformed domain
  scores of File 9). Rank 1 and decile 1 are the most deprived; a higher score is more deprived.
* ``pop_total``, ``pop_0_15``, ``pop_16_59``, ``pop_60_plus``, ``pop_working_age``: the File 6
  population denominators (mid-2015, excluding prisoners, for IoD2019).
* ``ind_<snake_case column>``: the underlying indicators files (File 8 via humaniverse).
* File 10 (district summaries, area type ``LAD``): ``{domain}_{summary}`` with ``summary`` in
  :data:`FILE10_MEASURES`, e.g. ``imd_average_score``, ``imd_rank_of_extent``, ``income_scale``.

``period`` is always the edition year as text (``"2019"``), also for the File 6 populations
(which describe mid-2015). Ranks and deciles are stored as floats in ``value``.

Readers (the names used in ``config/datasets.yaml``):

``iod_snake``
    humaniverse snake_case files (``lsoa11_code``, ``IMD_score``, ``Housing_and_Access_rank``,
    ``indoors_sub_domain_rank_decile`` ...), main, sub-domain and indicators files.
``iod_mhclg``
    MHCLG/DCLG files as published (File 1/2/3/4/5/6/9), CSV or XLSX (option ``sheet``), with long
    human headers matched by pattern, BOMs, thousands separators and float ranks.
``iod_derived_score``
    The ``DERIVED_imd{edition}_score_from_File9_transformed_domains`` file -> ``imd_score``.
``iod_odc_long``
    OpenDataCommunities long format (FeatureCode, DateCode, Measurement, Units, Value,
    Indices of Deprivation).
``iod_file10``
    File 10 district summaries (xlsx, one sheet per domain, headers with trailing spaces).

Options: ``edition`` (required), ``vintage`` (required: LSOA01 / LSOA11 / LSOA21, or LAD for
File 10), ``sheet`` (xlsx), ``skip_variables`` (list of output variables to drop, e.g. the IMD
ranks repeated in File 3).
"""


from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import (
    CodeRegistry,
    DatasetSpec,
    check_unique,
    find_column,
    observations,
    open_workbook,
    parse_numbers,
    read_csv,
    read_excel,
)
from pipeline.ingest.iod_layout import (
    DOMAINS,
    FILE10_MEASURES,
    FILE10_SHEETS,
    MEASURES,
    POPULATION_COLUMNS,
    SUBDOMAINS,
    _check_code_vintage,
    _check_rank_and_decile,
    _dedupe_variables,
    _lsoa_code_column,
    file10_sheet_measures,
    file10_variable,
    human_domain,
    indicator_variable,
    mhclg_variable,
    snake_variable,
)

__all__ = [
    "DOMAINS", "FILE10_MEASURES", "MEASURES", "POPULATION_COLUMNS", "READERS", "SUBDOMAINS",
    "file10_variable", "human_domain", "indicator_variable", "mhclg_variable",
    "read_derived_score", "read_file10", "read_lsoa_districts", "read_mhclg", "read_odc_long",
    "read_snake", "snake_variable",
]


# ----------------------------------------------------------------------------- options


def _option(spec: DatasetSpec, key: str) -> str:
    value = spec.option(key)
    if value is None or str(value).strip() == "":
        raise InputError(spec.path, f"reader option '{key}' is missing for dataset '{spec.id}' "
                                    "in config/datasets.yaml")
    return str(value).strip()


def _edition(spec: DatasetSpec) -> str:
    edition = _option(spec, "edition")
    if not re.fullmatch(r"(19|20)\d{2}", edition):
        raise InputError(spec.path, f"reader option 'edition' is '{edition}' for dataset "
                                    f"'{spec.id}' (expected a year such as 2019)")
    return edition


def _vintage(spec: DatasetSpec, allowed: Iterable[str]) -> str:
    vintage = _option(spec, "vintage")
    allowed = tuple(allowed)
    if vintage not in allowed:
        raise InputError(spec.path, f"reader option 'vintage' is '{vintage}' for dataset "
                                    f"'{spec.id}' (expected one of {', '.join(allowed)})")
    return vintage


def _skip(long: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Drop the variables listed in the ``skip_variables`` option (a typo is an error)."""
    skip = spec.option("skip_variables") or []
    if isinstance(skip, str):
        skip = [skip]
    if not skip:
        return long
    present = set(long["variable"].unique())
    unknown = [v for v in skip if v not in present]
    if unknown:
        raise InputError(spec.path, f"option skip_variables names '{unknown[0]}', which this file "
                                    f"does not hold (it holds: {', '.join(sorted(present))})",
                         column="skip_variables")
    return long[~long["variable"].isin(skip)]


# ----------------------------------------------------------------------------- shared steps



def _read_table(path: Path, sheet: str | int = 0) -> pd.DataFrame:
    """A CSV file, or sheet ``sheet`` of an ``.xlsx``/``.xlsm`` workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_excel(path, sheet)
    return read_csv(path)

def _wide_to_long(
    raw: pd.DataFrame, code_col: str, columns: dict[str, str], file: Path, *, first_data_line: int
) -> pd.DataFrame:
    """Parse the value columns (``{variable: column}``) and stack them into long rows."""
    parsed = [parse_numbers(raw[column], file, column=column, first_data_line=first_data_line)
              for column in columns.values()]
    long = pd.DataFrame({
        "area_code": np.tile(raw[code_col].astype(str).str.strip().to_numpy(), len(columns)),
        "variable": np.repeat(np.array(list(columns), dtype=object), len(raw)),
        "value": np.concatenate([values.to_numpy() for values, _ in parsed]),
        "flag": np.concatenate([flags.to_numpy() for _, flags in parsed]),
    })
    long.attrs["columns"] = dict(columns)
    return long



def _checked_wide_to_long(
    raw: pd.DataFrame,
    code_col: str,
    columns: dict[str, str],
    area_type: str,
    file: str | Path,
    codes: CodeRegistry,
) -> pd.DataFrame:
    """Check the area codes (known for ``area_type``, each on one row), then stack the value
    columns (``{variable: column}``) into long rows (data from line 2 of the file)."""
    codes.check(raw[code_col], area_type, file, column=code_col)
    check_unique(raw, [code_col], file)
    return _wide_to_long(raw, code_col, columns, Path(file), first_data_line=2)

def _finish(long: pd.DataFrame, spec: DatasetSpec, *, period: str, area_type: str) -> pd.DataFrame:
    long = _skip(long, spec).assign(period=period, category="")
    return observations(long, area_type=area_type, source=spec.path)


# ----------------------------------------------------------------------------- readers


def read_mhclg(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read an MHCLG/DCLG LSOA-level IoD file (File 1/2/3/4/5/6/9) in CSV or XLSX.

    Columns are matched by pattern (see :func:`mhclg_variable`); LSOA and district name/code
    columns are skipped; any other column is an error, so nothing is silently dropped.
    """
    edition = _edition(spec)
    vintage = _vintage(spec, ("LSOA01", "LSOA11", "LSOA21"))
    path = Path(spec.path)
    raw = _read_table(path, spec.option("sheet", 0))
    code_col = _lsoa_code_column(raw.columns, path, vintage)
    mapped: dict[str, str] = {}
    for column in raw.columns:
        if column == code_col or re.match(r"^(lsoa name|local authority district (code|name))",
                                          column, re.IGNORECASE):
            continue
        variable = mhclg_variable(column)
        if variable is None:
            raise InputError(path, "unrecognised column (expected IoD rank, decile, score, "
                                   "transformed score or population columns)", column=column)
        mapped[column] = variable
    if not mapped:
        raise InputError(path, "no IoD rank, decile, score or population columns found")
    _dedupe_variables(mapped, path)
    _check_rank_and_decile(mapped, path)
    raw = raw.dropna(how="all")
    long = _checked_wide_to_long(raw, code_col, {v: c for c, v in mapped.items()}, vintage,
                                 path, codes)
    return _finish(long, spec, period=edition, area_type=vintage)


def read_snake(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read a humaniverse snake_case IoD file: main, sub-domain or underlying-indicators file.

    A file in which no column is a domain measure is an indicators file: every column becomes
    ``ind_<column>``. In a domain file, an unrecognised column is an error.
    """
    edition = _edition(spec)
    vintage = _vintage(spec, ("LSOA01", "LSOA11", "LSOA21"))
    path = Path(spec.path)
    raw = read_csv(path)
    code_col = find_column(raw.columns, r"^lsoa\d{2}_?(code|cd)$", path,
                           what="LSOA code column, e.g. 'lsoa11_code'")
    _check_code_vintage(code_col, re.search(r"(\d{2})", code_col)[1], vintage, path)
    value_cols = [c for c in raw.columns if c != code_col
                  and not re.fullmatch(r"(lsoa\d{2}_(name|nm)|lad\d{2}_(code|cd|name|nm))", c,
                                       re.IGNORECASE)]
    if not value_cols:
        raise InputError(path, "no value columns found besides the area code and names")
    mapped = {c: snake_variable(c) for c in value_cols}
    if all(v is None for v in mapped.values()):
        mapped = {c: indicator_variable(c) for c in value_cols}
    else:
        unknown = [c for c, v in mapped.items() if v is None]
        if unknown:
            raise InputError(path, "unrecognised column (expected <domain>_score / _rank / "
                                   "_decile, e.g. IMD_score or indoors_sub_domain_rank)",
                             column=unknown[0])
        _check_rank_and_decile(mapped, path)
    _dedupe_variables(mapped, path)
    long = _checked_wide_to_long(raw, code_col, {v: c for c, v in mapped.items()}, vintage,
                                 path, codes)
    return _finish(long, spec, period=edition, area_type=vintage)


def read_derived_score(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read the DERIVED IMD score file (rebuilt from published File 9) as ``imd_score``.

    Only the score column is read; the published rank and decile in the file are for checking
    and come from File 2 instead.
    """
    edition = _edition(spec)
    vintage = _vintage(spec, ("LSOA11",))
    path = Path(spec.path)
    raw = read_csv(path)
    code_col = find_column(raw.columns, r"^lsoa\d{2}_code$", path, what="lsoa11_code column")
    score_col = find_column(raw.columns, r"^imd\d{4}_score_derived$", path,
                            what="imd<edition>_score_derived column")
    year = re.search(r"\d{4}", score_col)[0]
    if year != edition:
        raise InputError(path, f"the score is for IMD {year} but the dataset is declared edition "
                               f"{edition} in config/datasets.yaml", column=score_col)
    long = _checked_wide_to_long(raw, code_col, {"imd_score": score_col}, vintage, path, codes)
    return _finish(long, spec, period=edition, area_type=vintage)


def read_odc_long(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read the OpenDataCommunities long format: one row per LSOA x index x measurement."""
    edition = _edition(spec)
    vintage = _vintage(spec, ("LSOA01", "LSOA11", "LSOA21"))
    path = Path(spec.path)
    raw = read_csv(path)
    code_col = find_column(raw.columns, r"^feature ?code$", path, what="FeatureCode column")
    date_col = find_column(raw.columns, r"^date ?code$", path, what="DateCode column")
    measure_col = find_column(raw.columns, r"^measurement$", path, what="Measurement column")
    value_col = find_column(raw.columns, r"^value$", path, what="Value column")
    index_col = find_column(raw.columns, r"^indices ?of ?deprivation$", path,
                            what="IndicesOfDeprivation column")
    dates = raw[date_col].astype(str).str.strip()
    wrong = dates != edition
    if wrong.any():
        pos = int(wrong.to_numpy().nonzero()[0][0])
        raise InputError(path, f"DateCode '{dates.iloc[pos]}' differs from the declared edition "
                               f"{edition} (expected one edition per file)",
                         row=pos + 2, column=date_col)
    labels = raw[index_col].astype(str)
    domains = labels.map({label: human_domain(label) for label in labels.unique()})
    measures = raw[measure_col].astype(str).str.strip().str.lower()
    bad = domains.isna() | ~measures.isin(["score", "rank", "decile"])
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        column = index_col if domains.isna().iloc[pos] else measure_col
        raise InputError(path, f"'{raw[column].iloc[pos]}' is not a known IoD index/domain or "
                               "measurement (expected Score, Rank or Decile of an IoD domain)",
                         row=pos + 2, column=column)
    codes.check(raw[code_col], vintage, path, column=code_col)
    values, flags = parse_numbers(raw[value_col], path, column=value_col)
    long = pd.DataFrame({
        "area_code": raw[code_col].astype(str).str.strip(),
        "variable": domains + "_" + measures,
        "value": values,
        "flag": flags,
    })
    check_unique(long, ["area_code", "variable"], path)
    return _finish(long, spec, period=edition, area_type=vintage)


def read_file10(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read File 10 (local authority district summaries): every domain sheet, area type LAD.

    Sheets are recognised by name (IMD, Income, ..., Living, IDACI, IDAOPI); others (Notes) are
    skipped. Headers are matched with trailing spaces removed.
    """
    edition = _edition(spec)
    area_type = _vintage(spec, ("LAD",))
    path = Path(spec.path)
    with open_workbook(path) as book:
        return _finish(_file10_rows(path, book, codes, area_type), spec, period=edition,
                       area_type=area_type)


def _file10_rows(path: Path, book: pd.ExcelFile, codes: CodeRegistry, area_type: str
                 ) -> pd.DataFrame:
    """The long rows of every domain sheet of File 10."""
    sheets = list(book.sheet_names)
    domain_sheets = {s: human_domain(s) for s in sheets}
    domain_sheets = {s: d for s, d in domain_sheets.items() if d in DOMAINS}
    missing = [name for domain, name in FILE10_SHEETS.items()
               if domain not in domain_sheets.values()]
    if missing:
        raise InputError(path, f"sheet '{missing[0]}' is missing (expected a sheet for each of "
                               f"{', '.join(FILE10_SHEETS.values())} as in the published File 10;"
                               f" sheets found: {', '.join(map(str, sheets))[:200]})")
    parts = []
    for sheet, domain in domain_sheets.items():
        raw = read_excel(path, sheet, book=book)
        raw = raw.dropna(how="all")
        where = f"{path.name} [{sheet}]"
        code_col = find_column(raw.columns, r"^local authority district code", where,
                               what="'Local Authority District code' column")
        mapped: dict[str, str] = {}
        for column in raw.columns:
            if column == code_col or re.match(r"^local authority district name", column,
                                              re.IGNORECASE):
                continue
            variable = file10_variable(domain, column)
            if variable is None:
                raise InputError(where, "unrecognised column (expected File 10 summary measures "
                                        "such as '<domain> - Average score')", column=column)
            mapped[column] = variable
        _dedupe_variables(mapped, Path(where))
        absent = [m for m in file10_sheet_measures(domain) if f"{domain}_{m}" not in
                  mapped.values()]
        if absent:
            raise InputError(where, f"missing column: {absent[0].replace('_', ' ')} (expected "
                                    f"the File 10 summary measures of the sheet: "
                                    f"{', '.join(m.replace('_', ' ') for m in file10_sheet_measures(domain))})")
        parts.append(_checked_wide_to_long(raw, code_col, {v: c for c, v in mapped.items()},
                                           area_type, where, codes))
    long = pd.concat(parts, ignore_index=True)
    long.attrs["columns"] = {v: f"{sheet}: {c}" for part, sheet in zip(parts, domain_sheets)
                             for v, c in part.attrs["columns"].items()}
    return long


# ----------------------------------------------------------------------------- lookups


def read_lsoa_districts(path: str | Path) -> pd.DataFrame:
    """LSOA -> district lookup from the code/name columns of any MHCLG LSOA file (File 1-9).

    Returns columns ``area_code``, ``lad_code``, ``lad_name`` (one row per LSOA). Use it with
    the IoD2019 files to group LSOAs into the 2019 districts File 10 summarises.
    """
    path = Path(path)
    raw = _read_table(path)
    code_col = find_column(raw.columns, r"^lsoa code\b", path, what="'LSOA code' column")
    lad_col = find_column(raw.columns, r"^local authority district code", path,
                          what="'Local Authority District code' column")
    name_col = find_column(raw.columns, r"^local authority district name", path,
                           what="'Local Authority District name' column")
    check_unique(raw, [code_col], path)
    return pd.DataFrame({
        "area_code": raw[code_col].astype(str).str.strip(),
        "lad_code": raw[lad_col].astype(str).str.strip(),
        "lad_name": raw[name_col].astype(str).str.strip(),
    })


READERS = {
    "iod_snake": read_snake,
    "iod_mhclg": read_mhclg,
    "iod_derived_score": read_derived_score,
    "iod_odc_long": read_odc_long,
    "iod_file10": read_file10,
}
