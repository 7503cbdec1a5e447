"""Readers for Census 2011 and Census 2021 small-area tables.

``census2011_oac``
    The 2011 Output Area Classification input variables (one row per output area, columns
    ``Total_*`` and ``u001`` ... ``u167``), aggregated to LSOA 2011. How each column is
    combined follows ``VariableMeasurementUnit`` in the variable lookup file:

    * ``Count`` and ``Area`` (hectares): summed over the output areas of the LSOA;
    * density (``Ratio``, persons per hectare, u006): recomputed as summed population /
      summed area;
    * mean age (``Years``, u020): population-weighted mean of the OA means, which is exactly
      the LSOA mean;
    * standardised illness ratio (``Ratio``, SIR, u104): population-weighted mean of the OA
      ratios, flagged ``[e]``: the exact LSOA ratio needs the expected counts, which are not
      published, and weighting by population stands in for weighting by expected count;
    * median age (``Years``, u021): dropped, because a median cannot be rebuilt from OA
      medians (use the single-year-of-age population estimates for medians).

    Variables are named ``c11_<column lower-case>``: ``c11_total_population``, ``c11_u001``.
``census2011_qs119``
    QS119EW households by number of dimensions of deprivation (long). Variable ``c11_qs119``,
    category ``'0'`` ... ``'4'`` and ``''`` (all households).
``census2021_ts``
    Census 2021 topic summaries in long layout (one row per LSOA x category, with the LSOA
    total repeated). Variable ``c21_<table>`` (``c21_ts021`` ...), category = the category label
    as published, value = ``n``; plus category ``''`` = the total.
"""

from __future__ import annotations

import re
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
from pipeline.paths import RAW_DIR, resolve_inside

# --------------------------------------------------------------------------- Census 2011 OAC

#: How an OAC input variable is combined from output areas into an LSOA.
SUM, AREA, DENSITY, MEAN, MEAN_ESTIMATED, DROP = (
    "sum", "area", "density", "mean", "mean_estimated", "drop"
)

OAC_POPULATION = "Total_Population"


def oac_aggregation_rules(lookup: pd.DataFrame, file: str | Path) -> pd.Series:
    """Decide, from the variable lookup, how each OAC variable is aggregated to LSOA.

    Parameters
    ----------
    lookup
        The variable lookup (``VariableCode``, ``VariableMeasurementUnit``,
        ``VariableStatisticalUnit``, ``VariableDescription`` ...), as text.
    file
        Lookup file named in errors.

    Returns
    -------
    pd.Series
        Rule (``sum``, ``area`` (summed, and the base for density), ``density``, ``mean``,
        ``mean_estimated`` or ``drop``) indexed by variable code.

    Raises
    ------
    InputError
        A measurement unit this reader does not know how to aggregate.
    """
    code_col = find_column(lookup.columns, r"^VariableCode$", file, what="VariableCode")
    unit_col = find_column(lookup.columns, r"^VariableMeasurementUnit$", file,
                           what="VariableMeasurementUnit")
    stat_col = find_column(lookup.columns, r"^VariableStatisticalUnit$", file,
                           what="VariableStatisticalUnit")
    desc_col = find_column(lookup.columns, r"^VariableDescription$", file,
                           what="VariableDescription")
    check_unique(lookup, [code_col], file)
    unit = lookup[unit_col].str.strip().str.lower()
    detail = (lookup[stat_col] + " " + lookup[desc_col]).str.lower()
    rules = pd.Series(np.select(
        [
            unit == "count",
            unit == "area",
            (unit == "ratio") & detail.str.contains("density"),
            (unit == "ratio") & detail.str.contains("sir|standardised"),
            (unit == "years") & detail.str.contains("mean"),
            (unit == "years") & detail.str.contains("median"),
        ],
        [SUM, AREA, DENSITY, MEAN_ESTIMATED, MEAN, DROP],
        default="",
    ), index=lookup[code_col].str.strip())
    unknown = (rules == "").to_numpy()
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        raise InputError(
            file,
            f"variable {rules.index[pos]}: unknown measurement unit "
            f"'{lookup[unit_col].iloc[pos]}' (expected Count, Area, Ratio (density or SIR) "
            "or Years (mean or median))",
            row=2 + pos, column=unit_col,
        )
    return rules


def aggregate_oac(
    raw: pd.DataFrame, rules: pd.Series, file: str | Path, *, codes: CodeRegistry,
    oa_type: str = "OA11", lsoa_type: str = "LSOA11", period: str = "2011",
) -> pd.DataFrame:
    """Aggregate OA-level OAC input variables to LSOA observations.

    Parameters
    ----------
    raw
        The OA file as read (text), with ``OA11CD``, ``LSOA11CD`` and one column per variable.
    rules
        Aggregation rule per variable code, from :func:`oac_aggregation_rules`.
    file
        Data file named in errors.
    codes
        Registry used to check OA and LSOA codes.
    oa_type, lsoa_type
        Vintages of the OA and LSOA codes.
    period
        Census period (``"2011"``).

    Returns
    -------
    pd.DataFrame
        Observations at LSOA level, variables ``c11_<code lower-case>``, category ''.
    """
    oa_col = find_column(raw.columns, r"^OA\d{2}CD$", file, what="output area code (OA11CD)")
    lsoa_col = find_column(raw.columns, r"^LSOA\d{2}CD$", file, what="LSOA code (LSOA11CD)")
    missing = [code for code in rules.index if code not in raw.columns]
    if missing:
        raise InputError(file, f"missing variable column(s) {', '.join(missing[:5])}"
                               f"{' ...' if len(missing) > 5 else ''} named in the variable lookup")
    if OAC_POPULATION not in rules.index:
        raise InputError(file, f"the variable lookup must include {OAC_POPULATION} "
                               "(needed to weight means and recompute density)")
    codes.check(raw[oa_col], oa_type, file, column=oa_col)
    codes.check(raw[lsoa_col], lsoa_type, file, column=lsoa_col)
    check_unique(raw, [oa_col], file)

    kept = rules[rules != DROP]
    values = pd.DataFrame(
        {code: _numbers(raw[code], file, code) for code in kept.index}, index=raw.index
    )
    lsoa = raw[lsoa_col].str.strip()
    population = values[OAC_POPULATION]
    mean_cols = kept.index[kept.isin([MEAN, MEAN_ESTIMATED])]
    weighted = values[mean_cols].mul(population, axis=0)

    summed = values[kept.index[kept.isin([SUM, AREA])]].groupby(lsoa).sum()
    pop_sum = population.groupby(lsoa).sum()
    means = weighted.groupby(lsoa).sum().div(pop_sum.where(pop_sum > 0), axis=0)
    area_cols = kept.index[kept == AREA]
    density_cols = kept.index[kept == DENSITY]
    if len(density_cols) and len(area_cols) != 1:
        raise InputError(file, "density can only be recomputed with exactly one area (hectares) "
                               f"variable in the lookup; found {len(area_cols)}")
    density = pd.DataFrame(
        {c: pop_sum / summed[area_cols[0]].where(summed[area_cols[0]] > 0) for c in density_cols},
        index=summed.index,
    )

    wide = pd.concat([summed, means, density], axis=1)
    wide.index.name = "area_code"
    long = wide.reset_index().melt(id_vars="area_code", var_name="code", value_name="value")
    long["flag"] = np.where(long["code"].map(kept) == MEAN_ESTIMATED, "[e]", "")
    long["variable"] = "c11_" + long["code"].str.lower()
    long["period"] = period
    long = long.drop(columns="code")
    long.attrs["columns"] = {f"c11_{code.lower()}": code for code in kept.index}
    return observations(long, area_type=lsoa_type, source=file)


def _numbers(values: pd.Series, file: str | Path, column: str) -> pd.Series:
    numbers, flags = parse_numbers(values, file, column=column)
    if (flags != "").any():
        pos = int(np.flatnonzero((flags != "").to_numpy())[0])
        raise InputError(file, f"'{values.iloc[pos]}' is not a number (expected a value for "
                               "every output area)", row=2 + pos, column=column)
    return numbers


def read_census2011_oac(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read the 2011 OAC input variables (OA level) and aggregate them to LSOA 2011.

    Options: ``variable_lookup`` (required, path relative to ``data/raw``), ``vintage``
    (of the file's OA codes, default ``OA11``), ``period`` (default ``"2011"``).
    """
    lookup_option = spec.option("variable_lookup")
    if not lookup_option:
        raise InputError(spec.path, f"reader option 'variable_lookup' is missing for dataset "
                                    f"'{spec.id}' in config/datasets.yaml")
    lookup_path = resolve_inside(lookup_option, RAW_DIR, (RAW_DIR,), file="datasets.yaml",
                                 where=f"datasets.{spec.id}.options.variable_lookup",
                                 expected="a file under data/raw/", outside="data/raw/")
    lookup = read_csv(lookup_path)
    rules = oac_aggregation_rules(lookup, lookup_path)
    raw = read_csv(spec.path)
    return aggregate_oac(raw, rules, spec.path, codes=codes,
                         oa_type=str(spec.option("vintage", "OA11")),
                         period=str(spec.option("period", "2011")))


# --------------------------------------------------------------------------- Census 2011 QS119

#: Words used in published QS119 labels for the number of deprivation dimensions.
_DIMENSION_WORDS = {"not deprived": "0", "no dimension": "0", "any dimension": "0", "one": "1",
                    "two": "2", "three": "3", "four": "4"}
QS119_CATEGORIES = ["0", "1", "2", "3", "4"]


def _dimension_category(label: pd.Series) -> pd.Series:
    """Map '0'..'4', '2.0' or published wording ('deprived in two dimensions') to '0'..'4'."""
    text = label.astype("string").fillna("").str.strip().str.lower()
    numeric = pd.to_numeric(text, errors="coerce")
    whole = numeric.notna() & (numeric == numeric.round())
    out = pd.Series(pd.NA, index=label.index, dtype="string")
    out[whole] = numeric[whole].astype("Int64").astype("string")
    for word, number in _DIMENSION_WORDS.items():
        out = out.mask(out.isna() & text.str.contains(word, regex=False), number)
    digit = text.str.extract(r"(\d)\s+dimension", expand=False)
    return out.fillna(digit)


def parse_qs119(
    raw: pd.DataFrame, file: str | Path, *, area_type: str, period: str, codes: CodeRegistry,
) -> pd.DataFrame:
    """Turn the long QS119EW table into observations of ``c11_qs119``.

    Parameters
    ----------
    raw
        Long table (text): LSOA code, number of deprivation dimensions (0-4), count.
    file
        File named in errors.
    area_type, period
        Vintage of the codes and the census period.
    codes
        Registry used to check the codes.

    Returns
    -------
    pd.DataFrame
        Observations: categories '0' ... '4' (households deprived in that many dimensions) and
        '' (all households = the sum of the five).

    Raises
    ------
    InputError
        Missing columns, unknown category, repeated or missing categories, non-numeric counts.
    """
    code_col = find_column(raw.columns, r"^(lsoa\d{2}_?(code|cd)|geography code|area_?code)$",
                           file, what="LSOA code column")
    dim_col = find_column(raw.columns, r"dimension", file,
                          what="number of deprivation dimensions column")
    count_col = find_column(raw.columns, r"^(count|n|value|observation)$", file,
                            what="count column")
    codes.check(raw[code_col], area_type, file, column=code_col)
    category = _dimension_category(raw[dim_col])
    bad = ~category.isin(QS119_CATEGORIES).fillna(False).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(file, f"'{raw[dim_col].iloc[pos]}' is not a number of deprivation "
                               "dimensions (expected 0, 1, 2, 3 or 4)",
                         row=2 + pos, column=dim_col)
    value, flag = parse_numbers(raw[count_col], file, column=count_col)
    long = pd.DataFrame({"area_code": raw[code_col].str.strip().to_numpy(),
                         "category": category.to_numpy(), "value": value.to_numpy(),
                         "flag": flag.to_numpy()})
    check_unique(long.rename(columns={"area_code": code_col, "category": dim_col}),
                 [code_col, dim_col], file)
    per_area = long.groupby("area_code")["category"].nunique()
    incomplete = per_area[per_area < len(QS119_CATEGORIES)]
    if not incomplete.empty:
        raise InputError(file, f"area {incomplete.index[0]} has {incomplete.iloc[0]} of the 5 "
                               "categories (expected one row for each of 0, 1, 2, 3, 4 dimensions)")
    total = long.groupby("area_code").agg(
        value=("value", lambda v: v.sum(min_count=len(v))),
        flag=("flag", lambda f: "[x]" if (f != "").any() else ""),
    ).reset_index()
    total["category"] = ""
    out = pd.concat([long, total], ignore_index=True)
    out["variable"] = "c11_qs119"
    out["period"] = period
    out.attrs["columns"] = {"c11_qs119": count_col}
    return observations(out, area_type=area_type, source=file)


def read_census2011_qs119(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read QS119EW household deprivation (long) into observations.

    Options: ``period`` (default ``"2011"``), ``vintage`` (default ``LSOA11``).
    """
    raw = read_csv(spec.path)
    return parse_qs119(raw, spec.path, area_type=str(spec.option("vintage", "LSOA11")),
                       period=str(spec.option("period", "2011")), codes=codes)


# --------------------------------------------------------------------------- Census 2021 TS

TS_CODE_PATTERN = r"^(lsoa\d{2}_?(code|cd)|geography code|area_?code)$"
TS_TOTAL_PATTERN = r"^total"
TS_COUNT_PATTERN = r"^(n|count|observation)$"
TS_PROP_PATTERN = r"^(prop|proportion|percent(age)?)$"
TS_NAME_PATTERN = r"(^|_)(name|nm)$"


def parse_census2021_ts(
    raw: pd.DataFrame, file: str | Path, *, table: str, area_type: str, period: str,
    codes: CodeRegistry,
) -> pd.DataFrame:
    """Turn a long Census 2021 topic summary into observations of ``c21_<table>``.

    Parameters
    ----------
    raw
        Long table (text): area code, the total repeated per row (``total_residents`` or
        ``total_households``), the category column (named after the topic: ``ethnic_group``,
        ``tenure`` ...), ``n`` and ``prop``.
    file
        File named in errors.
    table
        Table id, e.g. ``ts021`` (gives the variable name ``c21_ts021``).
    area_type, period
        Vintage of the codes and the census period.
    codes
        Registry used to check the codes.

    Returns
    -------
    pd.DataFrame
        Observations: one per area x published category label (value = ``n``), plus category
        '' = the area total.

    Raises
    ------
    InputError
        Missing columns, no single category column, blank labels, repeated categories, a total
        that differs between rows of one area, non-numeric counts.
    """
    table = table.strip().lower()
    if not re.fullmatch(r"ts\d{3}", table):
        raise InputError(file, f"reader option table '{table}' is not a Census 2021 topic "
                               "summary id (expected e.g. ts021)")
    code_col = find_column(raw.columns, TS_CODE_PATTERN, file, what="LSOA code column")
    total_col = find_column(raw.columns, TS_TOTAL_PATTERN, file,
                            what="total column (total_residents / total_households)")
    count_col = find_column(raw.columns, TS_COUNT_PATTERN, file, what="count column 'n'")
    prop_col = find_column(raw.columns, TS_PROP_PATTERN, file, required=False)
    known = {code_col, total_col, count_col, prop_col}
    rest = [c for c in raw.columns
            if c not in known and not re.search(TS_NAME_PATTERN, c, re.IGNORECASE)]
    if len(rest) != 1:
        raise InputError(file, "expected exactly one category column besides the code, total, "
                               f"n and prop columns; found {len(rest)}"
                               f"{': ' + ', '.join(rest) if rest else ''}")
    cat_col = rest[0]
    codes.check(raw[code_col], area_type, file, column=code_col)
    label = raw[cat_col].str.strip()
    blank = (label == "").to_numpy()
    if blank.any():
        pos = int(np.flatnonzero(blank)[0])
        raise InputError(file, "blank category label (expected a published category)",
                         row=2 + pos, column=cat_col)
    check_unique(raw, [code_col, cat_col], file)
    value, flag = parse_numbers(raw[count_col], file, column=count_col)
    total, total_flag = parse_numbers(raw[total_col], file, column=total_col)
    area = raw[code_col].str.strip()
    differs = (total.groupby(area).transform("nunique") > 1).to_numpy()
    if differs.any():
        pos = int(np.flatnonzero(differs)[0])
        raise InputError(file, f"the total for {area.iloc[pos]} differs between its rows "
                               "(expected the same total on every row of an area)",
                         row=2 + pos, column=total_col)
    cells = pd.DataFrame({"area_code": area, "category": label, "value": value, "flag": flag})
    totals = pd.DataFrame({"area_code": area, "category": "", "value": total,
                           "flag": total_flag}).drop_duplicates("area_code")
    out = pd.concat([cells, totals], ignore_index=True)
    out["variable"] = f"c21_{table}"
    out["period"] = period
    out.attrs["columns"] = {f"c21_{table}": count_col}
    return observations(out, area_type=area_type, source=file)


def read_census2021_ts(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read a long Census 2021 topic summary (TS011, TS021 ...) into observations.

    Options: ``table`` (required, e.g. ``ts021``), ``period`` (default ``"2021"``),
    ``vintage`` (default ``LSOA21``).
    """
    table = spec.option("table")
    if not table:
        raise InputError(spec.path, f"reader option 'table' is missing for dataset '{spec.id}' "
                                    "in config/datasets.yaml (expected e.g. ts021)")
    raw = read_csv(spec.path)
    return parse_census2021_ts(raw, spec.path, table=str(table),
                               area_type=str(spec.option("vintage", "LSOA21")),
                               period=str(spec.option("period", "2021")), codes=codes)


READERS = {
    "census2011_oac": read_census2011_oac,
    "census2011_qs119": read_census2011_qs119,
    "census2021_ts": read_census2021_ts,
}
