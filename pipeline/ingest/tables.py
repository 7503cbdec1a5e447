"""Readers for tables research officers bring themselves: NeSS-style tables and partner tables.

Two generic layouts, both keyed by area code, in CSV (optionally gzipped) or Excel ``.xlsx``:

``ness_table``
    A "Neighbourhood Statistics style" table: a title / metadata block above the header row,
    one header row (area code column, perhaps an area name column, then one column per
    variable), the data rows, then footnotes. The header row is found automatically (the
    last non-blank row above the first row holding an area code) and reading stops at the
    first row whose code cell is not an area code. Each value column becomes a variable
    ``<prefix>_<snake_case header>``.
``partner_table``
    The documented simple long layout for Quality of Life extracts and partners' own data:
    columns ``area_code``, ``indicator``, ``period``, ``value`` and optionally
    ``numerator``, ``denominator``, ``category`` (plus ``area_name`` / ``notes``, ignored).
    Numerators and denominators become the extra variables ``<indicator>__numerator`` and
    ``<indicator>__denominator`` so the indicator catalogue can form a ratio with an interval.

See ``config/examples/README.md`` for the layouts as officers see them.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import (
    CODE_PATTERNS,
    CodeRegistry,
    DatasetSpec,
    check_unique,
    find_column,
    observations,
    parse_numbers,
    read_csv,
    read_excel,
)
from pipeline.ingest.headers import canonical_columns
from pipeline.schema import OBSERVATIONS, validate

#: Any GSS area code (England, Wales, Scotland, Northern Ireland, UK-wide): used to find data rows.
ANY_AREA_CODE = r"[EWSNK]\d{8}"

#: Header cells of descriptive (non-value) columns in a NeSS-style table.
NAME_HEADER = r"\bnames?\b|\blabels?\b|\bdescription\b|^area$|^geography$"

#: Footnote references stripped from NeSS headers before naming variables: "[note 1]", "[2]", "*".
HEADER_FOOTNOTE = r"\s*(\[(note\s*)?\d+\]|\(note\s*\d+\)|\*+)\s*$"

#: File name endings read as text and as Excel workbooks.
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

#: Columns of the partner layout.
PARTNER_REQUIRED = ("area_code", "indicator", "period", "value")
PARTNER_OPTIONAL = ("numerator", "denominator", "category")
PARTNER_IGNORED = ("area_name", "notes")

#: Indicator ids in partner tables: snake_case, single underscores (``__`` is reserved).
INDICATOR_ID = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"

#: Suffixes of the extra variables a partner table's numerator and denominator become.
NUMERATOR_SUFFIX = "__numerator"
DENOMINATOR_SUFFIX = "__denominator"


# --------------------------------------------------------------------------------------------
# Shared small pieces


def snake_case(text: str) -> str:
    """Turn a published column header into a snake_case variable name.

    ``%`` becomes ``pct``, ``&`` ``and``, ``+`` ``plus``; accents are dropped and every other
    run of non-alphanumeric characters becomes one underscore.

    Examples
    --------
    >>> snake_case("Males: aged 65+ (%)")
    'males_aged_65_plus_pct'
    """
    text = text.replace("%", " pct ").replace("&", " and ").replace("+", " plus ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def required_option(spec: DatasetSpec, key: str) -> str:
    """Return a reader option that must be set in ``config/datasets.yaml``."""
    value = spec.option(key)
    if value is None or str(value).strip() == "":
        raise InputError(spec.path, f"reader option '{key}' is missing for dataset '{spec.id}' "
                                    "in config/datasets.yaml")
    return str(value).strip()


def vintage_option(spec: DatasetSpec, default: str = "LSOA11") -> str:
    """Return the ``vintage`` option (area type of the codes), checked against known types."""
    vintage = str(spec.option("vintage", default)).strip()
    if vintage not in CODE_PATTERNS:
        raise InputError(spec.path, f"reader option vintage '{vintage}' for dataset '{spec.id}' "
                                    f"is not an area type (expected one of: "
                                    f"{', '.join(CODE_PATTERNS)})")
    return vintage


def _kind(path: Path) -> str:
    """'csv' or 'excel' from the file name, or an error for anything else."""
    name = path.name.lower()
    if name.endswith(EXCEL_SUFFIXES):
        return "excel"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(".xls"):
        raise InputError(path, "old Excel .xls files cannot be read (expected .xlsx: open it "
                               "in Excel and save it as an .xlsx workbook)")
    raise InputError(path, "unknown file type (expected a .csv, .csv.gz or .xlsx file)")


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """All cells as stripped text, missing cells as ''."""
    return frame.fillna("").astype(str).apply(lambda col: col.str.strip())


def _drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove all-blank rows at the end (Excel-saved CSVs often end with ``,,,,`` lines)."""
    filled = frame.ne("").any(axis=1).to_numpy()
    last = np.flatnonzero(filled)
    return frame.iloc[: last[-1] + 1] if last.size else frame.iloc[:0]


# --------------------------------------------------------------------------------------------
# Neighbourhood Statistics style tables


def read_grid(path: str | Path, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV or XLSX sheet as a plain grid of text cells, one row per line of the file.

    Blank lines are kept, so grid row ``i`` is line ``i + 1`` of the file. Columns are
    numbered 0, 1, 2 ...; short lines are padded with ''.
    """
    path = Path(path)
    if _kind(path) == "excel":
        grid = read_excel(path, sheet, header=None)
    else:
        grid = read_csv(path, ragged=True, skip_blank_lines=False)
    grid.columns = range(grid.shape[1])
    return _text(grid).reset_index(drop=True)


def parse_ness_grid(
    grid: pd.DataFrame,
    file: str | Path,
    *,
    area_type: str,
    period: str,
    prefix: str,
    codes: CodeRegistry,
    skip_columns: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """Find the header and data rows of a NeSS-style grid and turn them into observations.

    Parameters
    ----------
    grid
        The file as text cells, grid row ``i`` = file line ``i + 1`` (see :func:`read_grid`).
    file
        File named in error messages.
    area_type
        Vintage of the area codes (``LSOA11`` ...).
    period
        Period the table describes.
    prefix
        Prefix of every variable name (``''`` for none).
    codes
        Registry used to reject malformed codes and codes of another vintage.
    skip_columns
        Header texts of further descriptive columns to ignore (name-like headers such as
        ``LSOA name`` are ignored anyway).

    Returns
    -------
    pd.DataFrame
        Observation rows, one per area x value column, category ''.

    Raises
    ------
    InputError
        No area codes or no header found, an unnamed or non-numeric value column, a data row
        after the footnotes began, a bad or repeated area code; the row is the file's line.
    """
    cells = _text(grid)
    is_code = cells.apply(lambda col: col.str.fullmatch(ANY_AREA_CODE))
    code_rows = np.flatnonzero(is_code.any(axis=1).to_numpy())
    if code_rows.size == 0:
        raise InputError(file, "no rows of area codes found (expected a header row followed by "
                               "rows starting with an area code like E01025610)")
    first = int(code_rows[0])
    code_col = int(np.flatnonzero(is_code.iloc[first].to_numpy())[0])

    non_blank = np.flatnonzero(cells.iloc[:first].ne("").any(axis=1).to_numpy())
    if non_blank.size == 0:
        raise InputError(file, "no header row above the first area code (expected a row of "
                               "column names such as 'LSOA code', then the data)", row=first + 1)
    header_row = int(non_blank[-1])
    header = cells.iloc[header_row]

    col_is_code = is_code[code_col].to_numpy()
    breaks = np.flatnonzero(~col_is_code[first:])
    end = first + int(breaks[0]) if breaks.size else len(cells)
    more = np.flatnonzero(col_is_code[end:])
    if more.size:
        raise InputError(
            file,
            f"'{cells.iat[end, code_col]}' is not an area code, but area codes follow again at "
            f"row {end + int(more[0]) + 1} (expected an area code on every data row and "
            "footnotes only after the last one)",
            row=end + 1, column=header.iloc[code_col] or None,
        )
    block = cells.iloc[first:end]
    first_line = first + 1
    code_header = header.iloc[code_col] or f"column {code_col + 1}"

    area_codes = block[code_col]
    codes.check(area_codes, area_type, file, column=code_header, first_data_line=first_line)
    check_unique(pd.DataFrame({"area_code": area_codes}), ["area_code"], file,
                 first_data_line=first_line)

    value_cols = _ness_value_columns(header, block, code_col, skip_columns, file, header_row)
    names = _ness_variable_names(header, value_cols, prefix, file, header_row)

    parts = []
    for col, variable in zip(value_cols, names, strict=True):
        numbers, flags = parse_numbers(block[col], file, column=header.iloc[col],
                                       first_data_line=first_line)
        parts.append(pd.DataFrame({"area_code": area_codes.to_numpy(), "variable": variable,
                                   "value": numbers.to_numpy(), "flag": flags.to_numpy()}))
    long = pd.concat(parts, ignore_index=True)
    long["period"] = period
    long["category"] = ""
    return observations(long, area_type=area_type, source=file)


def _ness_value_columns(
    header: pd.Series,
    block: pd.DataFrame,
    code_col: int,
    skip_columns: list[str] | tuple[str, ...],
    file: str | Path,
    header_row: int,
) -> list[int]:
    """Grid columns holding values: not the code column, not descriptive, not empty."""
    skip = {str(s).strip().lower() for s in skip_columns}
    has_data = block.ne("").any(axis=0)
    value_cols = []
    for col in header.index:
        title = header.iloc[col]
        if col == code_col or title.lower() in skip:
            continue
        if title == "":
            if has_data[col]:
                raise InputError(file, f"column {col + 1} has values but no header (expected a "
                                       "column name in the header row)", row=header_row + 1)
            continue
        if re.search(NAME_HEADER, title, re.IGNORECASE):
            continue
        value_cols.append(int(col))
    if not value_cols:
        raise InputError(file, "no value columns found in the header row (expected the area "
                               "code column followed by one column per variable)",
                         row=header_row + 1)
    return value_cols


def _ness_variable_names(
    header: pd.Series, value_cols: list[int], prefix: str, file: str | Path, header_row: int
) -> list[str]:
    """``<prefix>_<snake_case header>`` for each value column, checked to be distinct."""
    stem = snake_case(prefix)
    names: list[str] = []
    seen: dict[str, str] = {}
    for col in value_cols:
        title = header.iloc[col]
        if re.fullmatch(r"[+-]?[\d,]*\.?\d+", title):
            raise InputError(file, f"header '{title}' is a number (expected column names in the "
                                   "row above the first area code; is there a row of figures "
                                   "without an area code, such as a total, above the data? A "
                                   "table with one column per year must be split by period)",
                             row=header_row + 1, column=title)
        base = snake_case(re.sub(HEADER_FOOTNOTE, "", title))
        if not base:
            raise InputError(file, f"header '{title}' has no letters or digits to name a "
                                   "variable by", row=header_row + 1, column=title)
        name = f"{stem}_{base}" if stem else base
        if name in seen:
            raise InputError(file, f"headers '{seen[name]}' and '{title}' both become variable "
                                   f"'{name}' (expected distinct column names)",
                             row=header_row + 1, column=title)
        seen[name] = title
        names.append(name)
    return names


def read_ness_table(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read a Neighbourhood Statistics style table (CSV or XLSX) into observations.

    Options: ``period`` (required), ``vintage`` (default ``LSOA11``), ``prefix`` (variable
    name prefix, default the dataset id), ``sheet`` (XLSX only, default the first sheet),
    ``skip_columns`` (list of extra descriptive column headers to ignore).
    """
    period = required_option(spec, "period")
    area_type = vintage_option(spec)
    prefix = str(spec.option("prefix", spec.id))
    skip_columns = spec.option("skip_columns", []) or []
    if isinstance(skip_columns, str):
        skip_columns = [skip_columns]
    grid = read_grid(spec.path, spec.option("sheet", 0))
    out = parse_ness_grid(grid, spec.path, area_type=area_type, period=period, prefix=prefix,
                          codes=codes, skip_columns=list(skip_columns))
    return validate(out, OBSERVATIONS, spec.path.name)


# --------------------------------------------------------------------------------------------
# Partner / Quality of Life tables


def parse_partner_table(
    raw: pd.DataFrame, file: str | Path, *, area_type: str, codes: CodeRegistry
) -> pd.DataFrame:
    """Turn a partner table (header on line 1, one row per area x indicator x period) into rows.

    Parameters
    ----------
    raw
        The file as read: header on line 1, positional row ``i`` = file line ``i + 2``.
    file
        File named in error messages.
    area_type
        Vintage of the area codes.
    codes
        Registry used to reject malformed codes and codes of another vintage.

    Returns
    -------
    pd.DataFrame
        Observation rows: ``<indicator>`` (value) and, where given, ``<indicator>__numerator``
        and ``<indicator>__denominator``.

    Raises
    ------
    InputError
        A missing or unknown column, a bad area code, indicator id or period, a value that is
        neither a number nor a suppression marker, or a repeated key.
    """
    table = _drop_trailing_blank_rows(_text(raw))
    table.columns = [str(c).strip() for c in raw.columns]
    table = table.loc[:, [not (c.lower().startswith("unnamed:") and not table[c].ne("").any())
                          for c in table.columns]]
    if table.empty:
        raise InputError(file, "the file has a header but no data rows")
    # the area code and name may come in any spelling of the alias table (LSOA11CD, LSOA name)
    aliases = canonical_columns(table.columns, ("area_code", "area_name"), file)
    known = PARTNER_REQUIRED + PARTNER_OPTIONAL + PARTNER_IGNORED
    unknown = [c for c in table.columns if c.lower() not in known and c not in aliases]
    if unknown:
        raise InputError(file, f"unknown column '{unknown[0]}' (expected the columns "
                               f"{', '.join(PARTNER_REQUIRED)}, optionally "
                               f"{', '.join(PARTNER_OPTIONAL + PARTNER_IGNORED)})", row=1,
                         column=unknown[0])
    col = {name: next((c for c, a in aliases.items() if a == name), None)
           or find_column(table.columns, f"^{name}$", file, what=name)
           for name in PARTNER_REQUIRED}
    for name in PARTNER_OPTIONAL:
        col[name] = find_column(table.columns, f"^{name}$", file, required=False)

    area_codes = table[col["area_code"]]
    codes.check(area_codes, area_type, file, column=col["area_code"])
    indicator = table[col["indicator"]]
    _check_each(indicator.str.fullmatch(INDICATOR_ID), indicator, file, col["indicator"],
                "is not an indicator id (expected snake_case: lower-case letters, digits and "
                "single underscores, like example_fuel_poverty_pct)")
    period = table[col["period"]]
    _check_each(period.ne(""), period, file, col["period"],
                "is empty (expected the period the value refers to, e.g. 2019 or 2019/20)")
    _check_each(~period.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), period, file,
                col["period"], "is an Excel date (expected the period as text, e.g. 2019-04: "
                               "format the period column as Text in Excel)")
    category = table[col["category"]] if col["category"] else pd.Series("", index=table.index)
    keys = pd.DataFrame({"area_code": area_codes, "indicator": indicator, "period": period,
                         "category": category})
    check_unique(keys, ["area_code", "indicator", "period", "category"], file)

    parts = []
    for name, suffix in (("value", ""), ("numerator", NUMERATOR_SUFFIX),
                         ("denominator", DENOMINATOR_SUFFIX)):
        if not col[name]:
            continue
        numbers, flags = parse_numbers(table[col[name]], file, column=col[name])
        given = table[col[name]].ne("") if suffix else pd.Series(True, index=table.index)
        parts.append(keys.assign(variable=indicator + suffix, value=numbers,
                                 flag=flags)[given.to_numpy()])
    long = pd.concat(parts, ignore_index=True).drop(columns="indicator")
    return observations(long, area_type=area_type, source=file)


def _check_each(ok: pd.Series, values: pd.Series, file: str | Path, column: str,
                problem: str) -> None:
    """Raise at the first row where ``ok`` is False (header on line 1)."""
    bad = np.flatnonzero(~ok.to_numpy(dtype=bool))
    if bad.size:
        pos = int(bad[0])
        raise InputError(file, f"'{values.iloc[pos]}' {problem}", row=2 + pos, column=column)


def read_partner_table(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read a partner / Quality of Life table (CSV or XLSX) into observations.

    Options: ``vintage`` (default ``LSOA11``) and ``sheet`` (XLSX only, default the first).
    """
    area_type = vintage_option(spec)
    path = Path(spec.path)
    if _kind(path) == "excel":
        raw = read_excel(path, spec.option("sheet", 0))
    else:
        # index_col=False: data lines ending in a stray comma must not shift the columns.
        raw = read_csv(path, skip_blank_lines=False, index_col=False)
    out = parse_partner_table(raw, path, area_type=area_type, codes=codes)
    return validate(out, OBSERVATIONS, path.name)


READERS = {"ness_table": read_ness_table, "partner_table": read_partner_table}
