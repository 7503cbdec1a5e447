"""Reader for police.uk street-level crime files, as users download them.

police.uk publishes one file per force per month, ``YYYY-MM-<force>-street.csv``, with 12
columns (``Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location,
LSOA code, LSOA name, Crime type, Last outcome category, Context``), one row per crime or
anti-social behaviour incident. ``spec.path`` may be one file, a folder of files, a glob
pattern, or one file made by concatenating the monthly files (gzipped or not; header lines
repeated by ``cat`` are skipped).

Records are counted by LSOA x month x crime type into the variable ``crime_count``:
category = crime type as published (``Burglary``, ``Anti-social behaviour`` ...), plus
category ``''`` = all crime and ASB together; period = ``YYYY-MM``. Zeros are filled over the
full grid: every LSOA seen x every month from the first to the last x every crime type seen.
Records with no LSOA code ("No Location") cannot be placed in an area: they are left out, a
warning gives their number, and :func:`unplaced_records` returns it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import (
    CodeRegistry,
    DatasetSpec,
    dataset_files,
    find_column,
    observations,
    read_csv,
)

log = logging.getLogger(__name__)

VARIABLE = "crime_count"

#: Columns used, as published; "Falls within" (the force) is optional.
MONTH, LSOA_CODE, CRIME_TYPE, FALLS_WITHIN = "Month", "LSOA code", "Crime type", "Falls within"
_USED = {c.lower() for c in (MONTH, LSOA_CODE, CRIME_TYPE, FALLS_WITHIN)}

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

#: Columns of the record table returned by :func:`read_street_records`.
RECORD_COLUMNS = ["month", "lsoa_code", "crime_type", "force", "file"]


def street_files(path: str | Path) -> list[Path]:
    """List the street-level files that ``path`` names: a file, a folder or a glob pattern.

    A folder gives every ``*.csv`` and ``*.csv.gz`` in it (not sub-folders), in name order.

    Raises
    ------
    InputError
        Nothing matches.
    """
    try:
        return dataset_files(path)
    except InputError as exc:
        raise InputError(exc.path, f"{exc.message} (expected police.uk "
                                   "YYYY-MM-<force>-street.csv files)") from None


def read_street_file(path: str | Path, codes: CodeRegistry, *, area_type: str = "LSOA11",
                     ) -> pd.DataFrame:
    """Read and check one police.uk street-level file (or a concatenation of them).

    Parameters
    ----------
    path
        The CSV file (``.csv`` or ``.csv.gz``).
    codes
        Registry used to check LSOA codes against ``area_type``.
    area_type
        Vintage of the file's LSOA codes (``LSOA11`` up to 2022; police.uk moved to LSOA 2021
        codes later).

    Returns
    -------
    pd.DataFrame
        One row per record, columns :data:`RECORD_COLUMNS`; ``lsoa_code`` is '' where the
        record has no location.

    Raises
    ------
    InputError
        Missing column, a month that is not ``YYYY-MM``, a blank crime type, or an LSOA code
        that is malformed or of another vintage (naming the file line).
    """
    path = Path(path)
    raw = read_csv(path, usecols=lambda c: str(c).strip().lower() in _USED)
    month_col = find_column(raw.columns, r"^month$", path, what=f"'{MONTH}'")
    lsoa_col = find_column(raw.columns, r"^lsoa code$", path, what=f"'{LSOA_CODE}'")
    type_col = find_column(raw.columns, r"^crime type$", path, what=f"'{CRIME_TYPE}'")
    force_col = find_column(raw.columns, r"^falls within$", path, required=False)
    records = pd.DataFrame({
        "month": raw[month_col].str.strip(),
        "lsoa_code": raw[lsoa_col].str.strip(),
        "crime_type": raw[type_col].str.strip(),
        "force": raw[force_col].str.strip() if force_col else "",
    })
    repeated_header = (records["month"] == month_col) & (records["crime_type"] == type_col)
    records = records.loc[~repeated_header.to_numpy()]
    if records.empty:
        raise InputError(path, "the file has a header but no data rows")

    _check_first_bad(records["month"], ~records["month"].str.match(MONTH_PATTERN), path,
                     month_col, "is not a month (expected YYYY-MM, e.g. 2021-05)")
    _check_first_bad(records["crime_type"], records["crime_type"] == "", path, type_col,
                     "is blank (expected a crime type such as 'Burglary')")
    placed = records["lsoa_code"][records["lsoa_code"] != ""]
    first_seen = placed.drop_duplicates()  # index = 0-based data row of each code's first use
    try:
        codes.check(first_seen.reset_index(drop=True), area_type, path, column=lsoa_col)
    except InputError as exc:
        line = int(first_seen.index[exc.row - 2]) + 2 if exc.row is not None else None
        raise InputError(path, exc.message, row=line, column=lsoa_col) from None
    records["file"] = path.name
    return records[RECORD_COLUMNS].reset_index(drop=True)


def _check_first_bad(values: pd.Series, bad: pd.Series, file: Path, column: str,
                     problem: str) -> None:
    """Raise at the first flagged row; ``values.index`` holds 0-based data rows."""
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(file, f"'{values.iloc[pos]}' {problem}",
                         row=int(values.index[pos]) + 2, column=column)


def read_street_records(path: str | Path, codes: CodeRegistry, *, area_type: str = "LSOA11",
                        ) -> pd.DataFrame:
    """Read every street-level file that ``path`` names into one record table.

    Raises
    ------
    InputError
        A file fails :func:`read_street_file`, or two files hold the same force and month
        (the same download twice, which would double the counts).
    """
    files = street_files(path)
    records = pd.concat([read_street_file(f, codes, area_type=area_type) for f in files],
                        ignore_index=True)
    if len(files) > 1:
        seen = records[["force", "month", "file"]].drop_duplicates()
        twice = seen.duplicated(["force", "month"], keep="first").to_numpy()
        if twice.any():
            row = seen.iloc[int(np.flatnonzero(twice)[0])]
            first = seen[(seen["force"] == row["force"]) & (seen["month"] == row["month"])]
            raise InputError(row["file"], f"month {row['month']} of '{row['force']}' is also in "
                                          f"{first['file'].iloc[0]} (expected each force-month "
                                          "once; remove the duplicate file)")
    return records


def unplaced_records(records: pd.DataFrame) -> int:
    """Number of records with no LSOA code, which cannot be counted in any area."""
    return int((records["lsoa_code"] == "").sum())


def unplaced_by_file(records: pd.DataFrame) -> dict[str, int]:
    """Records with no LSOA code in each file read (0 for a file where every record has one)."""
    unplaced = (records["lsoa_code"] == "").groupby(records["file"], sort=True).sum()
    return {str(file): int(n) for file, n in unplaced.items()}


def count_crimes(records: pd.DataFrame) -> pd.DataFrame:
    """Count records by LSOA x month x crime type, with zeros over the full grid.

    Parameters
    ----------
    records
        Record table with ``month``, ``lsoa_code`` and ``crime_type`` (as from
        :func:`read_street_records`). Records without an LSOA code are left out.

    Returns
    -------
    pd.DataFrame
        ``area_code``, ``period`` (``YYYY-MM``), ``category`` (crime type; '' = all types),
        ``value``: one row for every LSOA seen x every month from the first to the last x
        every crime type seen, plus the all-types total for each LSOA x month.

    Raises
    ------
    KeyError
        ``records`` lacks one of the columns above.
    """
    placed = records.loc[records["lsoa_code"] != "", ["lsoa_code", "month", "crime_type"]]
    if placed.empty:
        return pd.DataFrame(columns=["area_code", "period", "category", "value"])
    months = pd.period_range(placed["month"].min(), placed["month"].max(), freq="M")
    grid = pd.MultiIndex.from_product(
        [np.sort(placed["lsoa_code"].unique()), months.strftime("%Y-%m"),
         np.sort(placed["crime_type"].unique())],
        names=["area_code", "period", "category"],
    )
    counts = placed.groupby(["lsoa_code", "month", "crime_type"]).size()
    counts.index.names = grid.names
    counts = counts.reindex(grid, fill_value=0).astype("float64").rename("value")
    totals = counts.groupby(level=["area_code", "period"]).sum().to_frame()
    totals["category"] = ""
    return pd.concat([counts.reset_index(), totals.reset_index()], ignore_index=True)


def read_police_street(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read police.uk street-level files into monthly ``crime_count`` observations.

    Options: ``vintage`` (of the LSOA codes, default ``LSOA11``). The records left out for
    lack of an LSOA code are kept in ``result.attrs``: ``unplaced_records`` (all files) and
    ``unplaced_by_file`` (file name -> number), for the ingest manifest and summary.
    """
    area_type = str(spec.option("vintage", "LSOA11"))
    records = read_street_records(spec.path, codes, area_type=area_type)
    unplaced = unplaced_records(records)
    log.info("%s: %d of %d records have no LSOA code and are left out of the counts",
             Path(spec.path).name, unplaced, len(records))
    counts = count_crimes(records)
    counts["variable"] = VARIABLE
    out = observations(counts, area_type=area_type, source=spec.path)
    out.attrs["unplaced_records"] = unplaced
    out.attrs["unplaced_by_file"] = unplaced_by_file(records)
    return out


READERS = {"police_street": read_police_street}
