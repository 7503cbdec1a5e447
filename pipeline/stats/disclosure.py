"""Disclosure control and reliability flags for published outputs.

Flags follow the GSS/ONS shorthand used across the pipeline (``pipeline.schema.FLAGS``):
``[x]`` not available, ``[c]`` confidential (suppressed), ``[u]`` low reliability,
``[e]`` estimated. A row carries one flag; when several apply the order of precedence is
``[x]`` > ``[c]`` > ``[u]`` > ``[e]`` > '' (what the reader most needs to know wins).

Both functions return a new frame and never modify their input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.stats.intervals import _z

SUPPRESSED = "[c]"
LOW_RELIABILITY = "[u]"

from pipeline.schema import FLAG_PRECEDENCE  # noqa: E402  (one definition, shared)


def _require_columns(df: pd.DataFrame, columns: Sequence[str], function: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{function}: column(s) {', '.join(map(repr, missing))} not in the frame "
            f"(it has {', '.join(map(str, df.columns))})"
        )


def _column_list(columns: Sequence[str] | str, name: str) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    columns = list(columns)
    if name == "count_columns" and not columns:
        raise ValueError("count_columns must name at least one column of counts")
    return columns


def _flags(df: pd.DataFrame, flag_column: str) -> pd.Series:
    """The current flags as strings ('' where absent)."""
    if flag_column not in df.columns:
        return pd.Series("", index=df.index, dtype=object)
    flags = df[flag_column].astype(object).where(df[flag_column].notna(), "")
    unknown = sorted(set(flags) - set(FLAG_PRECEDENCE))
    if unknown:
        raise ValueError(
            f"unknown flag(s) {', '.join(map(repr, unknown))} in column {flag_column!r}; "
            f"expected one of {', '.join(map(repr, FLAG_PRECEDENCE))}"
        )
    return flags


def _raise_flag(flags: pd.Series, where: pd.Series, flag: str) -> pd.Series:
    """Set ``flag`` where ``where`` is true unless a stronger flag is already there."""
    rank = {f: i for i, f in enumerate(FLAG_PRECEDENCE)}
    weaker = flags.map(rank) > rank[flag]
    return flags.where(~(where & weaker), flag)


def suppress_small_numbers(
    df: pd.DataFrame,
    min_count: int = 5,
    count_columns: Sequence[str] | str = ("numerator",),
    dependent_columns: Sequence[str] | str = ("value", "lower_ci", "upper_ci"),
    *,
    suppress_zero: bool = False,
    flag_column: str = "flag",
) -> pd.DataFrame:
    """Suppress small counts and everything built on them, flagging the rows ``[c]``.

    Rule (usual ONS practice for published small-area tables): a count from 1 to
    ``min_count - 1`` is suppressed; a zero is published, because "none" is not disclosive
    in the same way (set ``suppress_zero=True`` to suppress 0 as well). In each row with a
    small count, that count and every column of ``dependent_columns`` (the rate, percentage and
    its interval) become NaN and the flag becomes ``[c]`` (unless it is ``[x]``). Other counts
    of the row that are not small (e.g. the denominator) are kept.

    Secondary (complementary) suppression, which stops a suppressed cell being recovered by
    subtracting published cells from a published total, is not done here.

    Parameters
    ----------
    df
        Any frame with the named columns (e.g. the indicator store).
    min_count
        Threshold (default 5): counts below it are suppressed.
    count_columns
        Columns holding counts to test (e.g. ``'numerator'``, or ``'value'`` for a count
        indicator).
    dependent_columns
        Columns computed from those counts, blanked with them. Missing ones are an error.
    suppress_zero
        Also suppress counts of 0.
    flag_column
        Column for the flag (created with '' if absent).

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with small counts suppressed.

    Raises
    ------
    ValueError
        Missing columns, non-numeric count columns, an unknown existing flag, or a
        ``min_count`` that is not a positive integer.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer (e.g. 5), got {min_count!r}")
    counts = _column_list(count_columns, "count_columns")
    dependents = _column_list(dependent_columns, "dependent_columns")
    _require_columns(df, [*counts, *dependents], "suppress_small_numbers")
    out = df.copy()
    flags = _flags(out, flag_column)
    lowest = 0 if suppress_zero else 1
    any_small = pd.Series(False, index=out.index)
    for column in counts:  # a handful of columns, each handled vectorised
        if not (pd.api.types.is_numeric_dtype(out[column]) or out[column].isna().all()):
            raise ValueError(
                f"suppress_small_numbers: count column {column!r} must be numeric, "
                f"got {out[column].dtype}"
            )
        values = out[column].astype(float)
        small = (values >= lowest) & (values < min_count)
        out[column] = values.mask(small)
        any_small |= small
    for column in dependents:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).mask(any_small)
    out[flag_column] = _raise_flag(flags, any_small, SUPPRESSED)
    return out


def flag_low_reliability(
    df: pd.DataFrame,
    *,
    min_denominator: float | None = 100,
    max_cv: float | None = 0.2,
    value_column: str = "value",
    lower_column: str = "lower_ci",
    upper_column: str = "upper_ci",
    denominator_column: str = "denominator",
    ci_confidence: float = 0.95,
    flag_column: str = "flag",
) -> pd.DataFrame:
    """Flag values of low reliability ``[u]``.

    Rule: a row is flagged when

    - its denominator is below ``min_denominator`` (default 100 people), or
    - its coefficient of variation, estimated from the confidence interval as
      ``CV = (upper - lower) / (2 z |value|)`` (z = 1.96 for a 95% interval), exceeds ``max_cv``
      (default 0.2, the ONS threshold above which estimates are "unreliable"; at 95% this is an
      interval wider than about 78% of the value). Rows with a value of 0 are not judged on
      this rule (the CV is undefined).

    Rows already flagged ``[x]`` or ``[c]`` keep their flag; ``[u]`` replaces ``[e]`` and ''.
    Either rule can be switched off with ``None``; the rule's columns must then exist only for
    the rules in use.

    Parameters
    ----------
    df
        Frame with the columns named below.
    min_denominator, max_cv
        Thresholds (``None`` = rule not applied).
    value_column, lower_column, upper_column, denominator_column
        Column names (store names by default).
    ci_confidence
        Level of the supplied interval.
    flag_column
        Column for the flag (created with '' if absent).

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with ``[u]`` flags added.

    Raises
    ------
    ValueError
        Both rules off, missing columns, non-positive thresholds or an unknown existing flag.
    """
    if min_denominator is None and max_cv is None:
        raise ValueError("flag_low_reliability: give min_denominator, max_cv or both")
    for name, threshold in (("min_denominator", min_denominator), ("max_cv", max_cv)):
        if threshold is not None and not (np.isfinite(threshold) and threshold > 0):
            raise ValueError(f"{name} must be a positive number or None, got {threshold!r}")
    needed = []
    if min_denominator is not None:
        needed.append(denominator_column)
    if max_cv is not None:
        needed += [value_column, lower_column, upper_column]
    _require_columns(df, needed, "flag_low_reliability")
    z = _z(ci_confidence)
    out = df.copy()
    flags = _flags(out, flag_column)
    unreliable = pd.Series(False, index=out.index)
    if min_denominator is not None:
        denominator = pd.to_numeric(out[denominator_column], errors="coerce")
        unreliable |= denominator < min_denominator
    if max_cv is not None:
        value = pd.to_numeric(out[value_column], errors="coerce")
        width = pd.to_numeric(out[upper_column], errors="coerce") - pd.to_numeric(
            out[lower_column], errors="coerce"
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = width / (2 * z * value.abs())
        unreliable |= (value != 0) & (cv > max_cv)
    out[flag_column] = _raise_flag(flags, unreliable.fillna(False), LOW_RELIABILITY)
    return out
