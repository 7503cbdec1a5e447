"""Reader for ONS small-area population estimates (SAPE) by single year of age.

The files are wide: one row per LSOA with ``total_population`` (``All Ages`` in the ONS
workbooks) and one column per single year of age, ``0`` ... ``89`` and ``90+``. They become
observations of the variable ``population`` with categories ``age:0`` ... ``age:89``,
``age:90+`` and ``''`` (all ages), so that indicator terms such as ``population[age:0..15]``
can be formed.
"""

from __future__ import annotations

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
    parse_numbers,
    read_csv,
)

#: Single-year age columns as published: 0 ... 89 and the open-ended 90+.
AGE_COLUMNS: list[str] = [str(age) for age in range(90)] + ["90+"]

#: Output variable name.
VARIABLE = "population"

CODE_PATTERN = r"^(lsoa\d{2}_?(code|cd)|area_?codes?|lsoa code)$"
TOTAL_PATTERN = r"^(total_?population|all_?ages|all ages)$"


def required_option(spec: DatasetSpec, key: str) -> str:
    """Return a reader option that must be set in ``config/datasets.yaml``."""
    value = spec.option(key)
    if value is None or str(value).strip() == "":
        raise InputError(spec.path, f"reader option '{key}' is missing for dataset '{spec.id}' "
                                    "in config/datasets.yaml")
    return str(value).strip()


def parse_sape(
    raw: pd.DataFrame, file: str | Path, *, area_type: str, period: str, codes: CodeRegistry,
) -> pd.DataFrame:
    """Turn a wide SAPE table (text cells) into long observations.

    Parameters
    ----------
    raw
        The file as read (all text), header on line 1.
    file
        File name used in error messages.
    area_type
        Vintage of the area codes (``LSOA11`` ...).
    period
        Period the estimates refer to (``"2020"`` for mid-2020).
    codes
        Registry used to reject codes of another vintage.

    Returns
    -------
    pd.DataFrame
        Observation rows: ``population`` by ``age:N`` plus the all-ages total (category '').

    Raises
    ------
    InputError
        Missing columns, non-numeric or negative counts, repeated areas, or single years of age
        that do not add up to the total.
    """
    code_col = find_column(raw.columns, CODE_PATTERN, file, what="LSOA code column")
    total_col = find_column(raw.columns, TOTAL_PATTERN, file, what="total_population column")
    missing = [age for age in AGE_COLUMNS if age not in raw.columns]
    if missing:
        raise InputError(file, "missing single-year-of-age column(s) "
                               f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} "
                               "(expected columns 0 ... 89 and 90+)")
    codes.check(raw[code_col], area_type, file, column=code_col)
    check_unique(raw, [code_col], file)

    columns = [total_col, *AGE_COLUMNS]
    try:  # plain whole numbers (as published) convert at once; anything else is checked below
        counts = raw[columns].astype("int64").astype(float)
        plain = bool((counts >= 0).all(axis=None))
    except (ValueError, TypeError, OverflowError):
        plain = False
    if not plain:
        counts = pd.DataFrame({col: _whole_counts(raw[col], file, col) for col in columns},
                              index=raw.index)
    age_sum = counts[AGE_COLUMNS].sum(axis=1)
    wrong = (age_sum != counts[total_col]).to_numpy()
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        raise InputError(
            file,
            f"single years of age 0 ... 90+ add up to {age_sum.iloc[pos]:,.0f} but "
            f"{total_col} is {counts[total_col].iloc[pos]:,.0f} for {raw[code_col].iloc[pos]} "
            "(expected them to be equal)",
            row=2 + pos, column=total_col,
        )

    counts.columns = [""] + [f"age:{age}" for age in AGE_COLUMNS]
    counts["area_code"] = raw[code_col].str.strip()
    long = counts.melt(id_vars="area_code", var_name="category", value_name="value")
    long["variable"] = VARIABLE
    long["period"] = period
    return observations(long, area_type=area_type, source=file)


def _whole_counts(values: pd.Series, file: str | Path, column: str) -> pd.Series:
    """Parse a count column: every cell must be a whole number >= 0 (no suppression)."""
    numbers, flags = parse_numbers(values, file, column=column)
    bad = (flags != "") | (numbers < 0) | (numbers.round() != numbers)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(file, f"'{values.iloc[pos]}' is not a population count "
                               "(expected a whole number of people, 0 or more)",
                         row=2 + pos, column=column)
    return numbers


def read_sape_syoa(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read an ONS SAPE single-year-of-age CSV (persons) into observations.

    Options: ``period`` (required, e.g. ``"2020"``) and ``vintage`` (default ``LSOA11``).
    """
    period = required_option(spec, "period")
    area_type = str(spec.option("vintage", "LSOA11"))
    raw = read_csv(spec.path)
    return parse_sape(raw, spec.path, area_type=area_type, period=period, codes=codes)


READERS = {"sape_syoa": read_sape_syoa}
