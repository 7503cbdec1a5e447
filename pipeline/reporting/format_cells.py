"""Numbers in tables of mixed units and in key messages, rounded half up (one formatter per job).

The unit-by-unit text of a single-unit column is :mod:`pipeline.reporting.format`'s; here:

* :func:`format_table_value` and :func:`table_interval_text`: values and 95% intervals in
  tables that mix units (one rule for every unit; missing values as a dash).
* :func:`significant_figures`, :func:`unit_decimal_places` and :func:`format_value_in_unit`:
  numbers inside sentences (key messages), in their unit's usual precision.

Halves are always rounded up (``ROUND_HALF_UP`` on the decimal representation), never to
even, so 30.25 reads 30.3 wherever it appears.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pandas as pd

#: What a table shows for a missing value or interval.
MISSING_TEXT = "–"


def is_missing(value: Any) -> bool:
    """Whether a cell is missing (``None``, NaN, ``pd.NA``; text never is)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def format_table_value(value: Any) -> str:
    """A value in a table as readers see it.

    Parameters
    ----------
    value
        A number, or a missing value.

    Returns
    -------
    str
        Thousands separators from 1,000 (no decimals), one decimal place from 1 (and for 0),
        three below 1; halves rounded up; missing -> :data:`MISSING_TEXT`. One rule for every
        unit, so a table mixing rates, percentages and scores stays readable.

    Examples
    --------
    >>> format_table_value(30.25), format_table_value(12345.6), format_table_value(0.0845)
    ('30.3', '12,346', '0.085')
    """
    if is_missing(value):
        return MISSING_TEXT
    number = Decimal(repr(float(value)))
    size = abs(number)
    spec = ",.0f" if size >= 1000 else ",.1f" if size >= 1 or size == 0 else ".3f"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return format(number, spec)


def table_interval_text(lower: Any, upper: Any) -> str:
    """A 95% confidence interval in a table (``"12.3 to 15.6"``).

    Parameters
    ----------
    lower, upper
        The interval's limits (numbers or missing values).

    Returns
    -------
    str
        Both limits formatted by :func:`format_table_value`; :data:`MISSING_TEXT` when either
        limit is missing.
    """
    if is_missing(lower) or is_missing(upper):
        return MISSING_TEXT
    return f"{format_table_value(lower)} to {format_table_value(upper)}"


def _half_up(value: float, places: int) -> Decimal:
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places))


def fixed_places_text(value: float, places: int) -> str:
    """``value`` to ``places`` decimals, halves up, thousands separated, never ``-0``."""
    number = _half_up(value, places)
    if number == 0:
        number = abs(number)
    return f"{number:,.{places}f}"


def significant_figures(value: float, figures: int = 2) -> str:
    """``value`` rounded to ``figures`` significant figures (halves up), as plain text.

    Parameters
    ----------
    value
        A finite number.
    figures
        How many significant figures.

    Raises
    ------
    ValueError
        ``value`` is not finite.

    Examples
    --------
    >>> significant_figures(2.14), significant_figures(0.654), significant_figures(12.3)
    ('2.1', '0.65', '12')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    number = Decimal(repr(float(value)))
    if number == 0:
        return "0"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        digits = number.adjusted()
        rounded = number.quantize(Decimal(1).scaleb(digits - figures + 1))
        if rounded.adjusted() > digits:  # 9.96 -> 10: one digit more before the point
            rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - figures + 1))
    places = max(0, -rounded.as_tuple().exponent)
    return f"{rounded:,.{places}f}"


def unit_decimal_places(value: float, unit: str) -> int:
    """Decimal places for ``value`` in ``unit`` inside a sentence.

    Returns
    -------
    int
        1 for percentages; otherwise 0 from 100, 1 from 1 (and for 0), and 2 significant
        figures below 1.
    """
    size = abs(value) if math.isfinite(value) else 0.0
    if unit == "%" or 1 <= size < 100 or size == 0:
        return 1
    if size >= 100:
        return 0
    return 1 - Decimal(repr(size)).adjusted()


def format_value_in_unit(value: float, unit: str, places: int | None = None) -> str:
    """A value as text in its unit's usual precision (no unit words added).

    Parameters
    ----------
    value
        A finite number.
    unit
        The indicator's unit (``'%'``, ``'per 1,000 residents'``, ``'score'`` ...).
    places
        Overrides :func:`unit_decimal_places` (to print an estimate and its interval, or two
        values side by side, to the same precision).
    """
    return fixed_places_text(value, unit_decimal_places(value, unit) if places is None
                             else places)
