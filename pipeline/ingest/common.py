"""Shared helpers for readers: robust file reading, column matching, numeric parsing, code checks.

All problems are raised as :class:`pipeline.errors.InputError` naming the file, row and column.
"""

from __future__ import annotations

import csv
import glob
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from pipeline.errors import InputError
from pipeline.ingest.textfile import decimal_points, describe, file_bytes, text_format

#: Observation columns every reader returns, in this order.
OBSERVATION_COLUMNS = [
    "area_code", "area_type", "variable", "period", "category", "value", "flag", "source",
]

#: Suppression / missing markers found in published small-area tables, and the flag they get.
SUPPRESSION_MARKERS: dict[str, str] = {
    "*": "[c]",
    "c": "[c]",
    "[c]": "[c]",
    "..": "[x]",
    ":": "[x]",
    "x": "[x]",
    "[x]": "[x]",
    "-": "[x]",
    "": "[x]",
}

#: Regular expressions for GSS area codes by area type.
CODE_PATTERNS: dict[str, str] = {
    "OA11": r"^[EW]00\d{6}$",
    "LSOA01": r"^[EW]01\d{6}$",
    "LSOA11": r"^[EW]01\d{6}$",
    "LSOA21": r"^[EW]01\d{6}$",
    "MSOA11": r"^[EW]02\d{6}$",
    "MSOA21": r"^[EW]02\d{6}$",
    "WD19": r"^[EW]05\d{6}$",
    "LAD": r"^[EW]0[6789]\d{6}$",
    "CTY": r"^E1[01]\d{6}$",
    "CED": r"^E58\d{6}$",
    "RGN": r"^E12\d{6}$",
    "ENG": r"^E92000001$",
}


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the dataset catalogue (``config/datasets.yaml``).

    Attributes
    ----------
    id
        Catalogue key, e.g. ``iod2019_file2``.
    path
        Absolute path to the file (or folder, for readers that take many files).
    reader
        Name of the reader in the registry.
    options
        Reader-specific settings from the catalogue (edition, vintage, period, sheet, ...).
    """

    id: str
    path: Path
    reader: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, key: str, default: Any = None) -> Any:
        """Return a reader option, or ``default``."""
        return self.options.get(key, default)


@dataclass
class CodeRegistry:
    """Known area codes per area type, used to reject codes of the wrong vintage.

    ``known`` maps an area type (``LSOA11`` ...) to the set of valid codes. Types absent from
    ``known`` are checked by pattern only.
    """

    known: dict[str, frozenset[str]] = field(default_factory=dict)

    def vintage_of(self, code: str) -> list[str]:
        """Area types whose known code set contains ``code``."""
        return [t for t, codes in self.known.items() if code in codes]

    def check(
        self,
        codes: pd.Series,
        area_type: str,
        file: str | Path,
        *,
        column: str,
        first_data_line: int = 2,
    ) -> None:
        """Raise :class:`InputError` at the first code that is malformed or of another vintage.

        Parameters
        ----------
        codes
            The raw code column, in file order (positional index 0 = first data row).
        area_type
            The vintage the file claims (``LSOA11`` ...).
        file
            File named in the error.
        column
            Column named in the error.
        first_data_line
            1-based line number of the first data row in the file (2 when the header is line 1).
        """
        values = codes.astype("string").str.strip()
        pattern = CODE_PATTERNS.get(area_type)
        if pattern is not None:
            bad = ~values.fillna("").str.match(pattern)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    file,
                    f"'{values.iloc[pos]}' is not a valid {area_type} area code "
                    f"(expected a code like {_example(area_type)})",
                    row=first_data_line + pos,
                    column=column,
                )
        known = self.known.get(area_type)
        if known:
            unknown = ~values.isin(known)
            if unknown.any():
                pos = int(np.flatnonzero(unknown.to_numpy())[0])
                code = str(values.iloc[pos])
                others = [t for t in self.vintage_of(code) if t != area_type]
                hint = (
                    f"it is a {' / '.join(others)} code, but the file is declared {area_type}"
                    if others
                    else f"it is not a known {area_type} code"
                )
                raise InputError(file, f"area code '{code}': {hint}",
                                 row=first_data_line + pos, column=column)


def _example(area_type: str) -> str:
    return {
        "OA11": "E00069301", "LSOA01": "E01025610", "LSOA11": "E01025610",
        "LSOA21": "E01035370", "MSOA11": "E02005340", "MSOA21": "E02005340",
        "WD19": "E05005408", "LAD": "E07000129", "CTY": "E10000018", "CED": "E58000836",
        "RGN": "E12000004", "ENG": "E92000001",
    }.get(area_type, "E01025610")


def dataset_files(path: str | Path, suffixes: tuple[str, ...] = (".csv", ".csv.gz")
                  ) -> list[Path]:
    """The files a catalogued ``path`` names: the file itself, the ``suffixes`` files of a
    folder (not its sub-folders), or the files a glob pattern (``monthly/*-street.csv``)
    matches; in name order.

    Raises
    ------
    InputError
        The file does not exist, or the folder or pattern names no file.
    """
    path = Path(path)
    if any(ch in str(path) for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
        problem = f"no files match {path}"
    elif path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and p.name.lower().endswith(suffixes))
        problem = f"the folder {path} holds no {' or '.join(suffixes)} files"
    elif path.is_file():
        return [path]
    else:
        raise InputError(path, f"file not found (expected at {path})")
    if not files:
        raise InputError(path, problem)
    return files


def read_csv(path: str | Path, *, ragged: bool = False, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) the way users' files really come.

    The one function every CSV reader opens files with. How the file is written is read from
    its bytes (:mod:`pipeline.ingest.textfile`): UTF-8 with or without BOM, UTF-16 (Excel's
    "Unicode text") or Windows-1252; comma, tab, semicolon or vertical-bar delimited; numbers
    with decimal commas ("12,4", as Excel writes them in many locales) are given decimal
    points. Everything is read as text unless ``dtype`` is given, so readers decide what is
    numeric. ``ragged=True`` reads lines of different lengths as a grid (no header; columns
    0, 1, 2 ... as wide as the longest line). An empty file, one with a header and no rows,
    or one that cannot be decoded raises :class:`InputError`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"file not found (expected at {path})")
    if path.is_dir():
        raise InputError(path, "is a folder (expected a CSV file; only police.uk crime is read "
                               "from a folder of files)")
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty (expected a header row and data rows)")
    fmt, text = text_format(path, file_bytes(path))
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("index_col", False)  # a trailing comma must not shift columns left
    kwargs.setdefault("sep", fmt.delimiter)
    try:
        if ragged:
            rows = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
            width = max((len(row) for row in rows), default=1) or 1
            kwargs.update(header=None, names=list(range(width)))
        df = pd.read_csv(io.StringIO(text, newline=""), **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(path, "the file is empty (expected a header row and data rows)") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(path, f"could not be parsed as CSV ({describe(fmt)}: "
                               f"{_short(exc)})") from None
    if fmt.decimal == ",":
        text_columns = [c for c in df.columns if df[c].dtype == object]
        df[text_columns] = decimal_points(df[text_columns])
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError(path, "the file has a header but no data rows")
    return df


def open_workbook(path: str | Path) -> pd.ExcelFile:
    """The ``.xlsx`` workbook at ``path``, opened once for all its sheets."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, f"file not found (expected at {path})")
    try:
        return pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for non-xlsx input
        raise InputError(path, "could not be opened as an Excel .xlsx workbook "
                               f"({_short(exc)})") from None


def read_excel(
    path: str | Path, sheet: str | int = 0, *, book: pd.ExcelFile | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Read one sheet of an XLSX file as text, with a clear error if the sheet is missing.

    ``book``, the workbook at ``path`` already opened, saves opening it again for each sheet.
    """
    path = Path(path)
    if book is None:
        book = open_workbook(path)
    missing = (sheet not in book.sheet_names) if isinstance(sheet, str) else \
        not 0 <= sheet < len(book.sheet_names)
    if missing:
        raise InputError(
            path, f"sheet '{sheet}' is missing (sheets found: {', '.join(book.sheet_names)})"
        )
    kwargs.setdefault("dtype", str)
    try:
        df = book.parse(sheet, **kwargs)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for damaged parts
        raise InputError(path, f"sheet '{sheet}' could not be read ({_short(exc)}; expected an "
                               "Excel .xlsx workbook as saved by Excel)") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.dropna(how="all").empty:
        raise InputError(path, f"sheet '{sheet}' has no data rows")
    return df


def find_column(
    columns: pd.Index | list[str],
    pattern: str,
    file: str | Path,
    *,
    what: str | None = None,
    required: bool = True,
) -> str | None:
    """Return the first column whose name matches ``pattern`` (regex, case-insensitive).

    Header text is compared with surrounding whitespace removed, so trailing spaces in
    published headers do not matter.
    """
    rx = re.compile(pattern, re.IGNORECASE)
    for col in columns:
        if rx.search(str(col).strip()):
            return col
    if required:
        raise InputError(
            file,
            f"missing required column: {what or pattern} (no header matches /{pattern}/)",
        )
    return None


def parse_numbers(
    values: pd.Series,
    file: str | Path,
    *,
    column: str,
    first_data_line: int = 2,
    markers: Mapping[str, str] = SUPPRESSION_MARKERS,
) -> tuple[pd.Series, pd.Series]:
    """Turn a text column into floats and quality flags.

    Thousands separators and surrounding spaces are removed. Recognised suppression markers
    become missing values flagged ``[c]`` or ``[x]``. Anything else that is not a number raises
    :class:`InputError` naming the row and column.

    Returns
    -------
    (numbers, flags)
        Float series (NaN where missing) and a flag series ('' where a number was read).
    """
    text = values.to_numpy(dtype=object)
    flags = np.full(len(text), "", dtype=object)
    rest = np.arange(len(text))
    if infer_dtype(text, skipna=True) == "string":
        # Text that reads as a number as it stands needs no cleaning (spaces around a number do
        # not change it), so the string handling below runs only on the rest: markers, empty
        # cells, thousands separators and anything unreadable.
        parsed = _to_numbers(text)
        rest = np.flatnonzero(np.isnan(parsed))
    if len(rest):
        cleaned = values.iloc[rest].astype("string").fillna("").str.strip()
        # commas only as thousands separators ("29,199"); "1,23" stays non-numeric and is reported
        thousands = cleaned.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
        text = text.copy()
        text[rest] = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
        # the whole column is read again: whether "-0" becomes 0 or -0.0 depends on whether
        # another value in it has a decimal point
        parsed = _to_numbers(text)
        missing = np.isnan(parsed[rest])
        mapped = cleaned[missing].str.lower().map(lambda s: markers.get(s))
        unknown = np.flatnonzero(missing)[mapped.isna().to_numpy()]
        if len(unknown):
            raise InputError(
                file,
                f"'{cleaned.iloc[unknown[0]]}' is not a number or a recognised suppression marker "
                f"(expected a number or one of {', '.join(repr(m) for m in markers if m)})",
                row=first_data_line + int(rest[unknown[0]]),
                column=column,
            )
        flags[rest[missing]] = mapped.to_numpy(dtype=object)
    return pd.Series(parsed, index=values.index), pd.Series(flags, index=values.index)


def _to_numbers(text: np.ndarray) -> np.ndarray:
    """Text to floats, NaN where unreadable (read as pandas reads a column of text)."""
    numbers = pd.to_numeric(text, errors="coerce", dtype_backend="numpy_nullable")
    return numbers.to_numpy(dtype="float64", na_value=np.nan)


def check_unique(
    df: pd.DataFrame, keys: list[str], file: str | Path, *, first_data_line: int = 2
) -> None:
    """Raise :class:`InputError` at the first row whose key columns repeat an earlier row."""
    dup = df.duplicated(subset=keys, keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        key = ", ".join(f"{k}={df[k].iloc[pos]}" for k in keys)
        raise InputError(file, f"duplicate key ({key}) repeats an earlier row; "
                         "expected one row per key", row=first_data_line + pos)


def observations(
    df: pd.DataFrame,
    *,
    area_type: str,
    source: str | Path,
) -> pd.DataFrame:
    """Finish a reader's long frame into the observation layout.

    ``df`` must hold ``area_code``, ``variable``, ``period`` and ``value``; ``category``
    and ``flag`` default to ''. Rows come back sorted, so output order never depends on
    input order. ``df.attrs["columns"]`` (variable -> the header it was read from, for errors
    that name the file's column) is kept.
    """
    def text(column: str) -> np.ndarray | str:
        if column in ("category", "flag"):  # optional, missing means ''
            return df[column].fillna("").astype(str).to_numpy() if column in df else ""
        return df[column].astype(str).to_numpy()

    out = pd.DataFrame({
        "area_code": text("area_code"),
        "area_type": area_type,
        "variable": text("variable"),
        "period": text("period"),
        "category": text("category"),
        "value": pd.to_numeric(df["value"], errors="coerce").astype("float64").to_numpy(),
        "flag": text("flag"),
        "source": Path(source).name,
    }, index=df.index, copy=False)
    out = out.sort_values(["variable", "period", "category", "area_code"], kind="stable",
                          ignore_index=True)
    out.attrs["columns"] = dict(df.attrs.get("columns") or {})
    return out


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
