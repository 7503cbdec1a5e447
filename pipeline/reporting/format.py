"""Shared text formatters of numbers for the pages (one formatter per job).

Each returns plain text for a sentence or a table cell; missing or infinite values get a word
or a dash, never ``nan``.
"""

from __future__ import annotations

import numpy as np


def pounds(value: float | None) -> str:
    """An amount of money in whole pounds.

    Parameters
    ----------
    value
        Pounds (``None``, NaN or infinite: missing).

    Returns
    -------
    str
        ``£12,345``; ``–`` for a missing value.
    """
    if value is None or not np.isfinite(value):
        return "–"
    return f"£{value:,.0f}"


def significant_number(value: float | None) -> str:
    """A value for a sentence: thousands separators from 1,000, otherwise 3 significant figures.

    Returns
    -------
    str
        ``12,345``, ``2.66``, ``0.0123``; ``n/a`` for a missing value.
    """
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.3g}'):g}"


def chance_percent(p: float) -> str:
    """A probability as a whole percentage, never claiming certainty.

    Returns
    -------
    str
        ``37%`` (rounded half up); ``less than 1%`` / ``more than 99%`` at the extremes;
        ``not estimated`` for NaN.
    """
    if not np.isfinite(p):
        return "not estimated"
    if p < 0.005:
        return "less than 1%"
    if p > 0.995:
        return "more than 99%"
    return f"{int(np.floor(100 * p + 0.5))}%"


def about_chance_percent(p: float) -> str:
    """A probability for a sentence: ``about 37%``, ``less than 1%``, ``more than 99%``."""
    if p < 0.005:
        return "less than 1%"
    if p > 0.995:
        return "more than 99%"
    return f"about {int(np.floor(100 * p + 0.5))}%"
