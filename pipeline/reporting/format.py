"""Text formatters shared by the pages: one formatter per job, written once."""

from __future__ import annotations

import re

import numpy as np


def significant_figures_text(value: float | None) -> str:
    """A number for running text: three significant figures, whole numbers with thousands
    separators from 1,000.

    Parameters
    ----------
    value
        The number; ``None``, NaN and infinities give ``'n/a'``.

    Returns
    -------
    str
        E.g. ``'0.123'``, ``'45.7'``, ``'12,346'``, ``'n/a'``.
    """
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.3g}'):g}"


def chance_text(probability: float) -> str:
    """A probability as a whole percentage for running text.

    Parameters
    ----------
    probability
        Between 0 and 1 (NaN: not estimated).

    Returns
    -------
    str
        ``'not estimated'``, ``'less than 1%'``, ``'more than 99%'`` or e.g. ``'37%'`` (rounded
        half up).
    """
    if not np.isfinite(probability):
        return "not estimated"
    if probability < 0.005:
        return "less than 1%"
    if probability > 0.995:
        return "more than 99%"
    return f"{int(np.floor(100 * probability + 0.5))}%"


def target_chart_id(prefix: str, target_id: str) -> str:
    """A chart id for one target's chart: lower case letters, digits, '-' and '_', starting with
    a letter, at most 63 characters.

    Parameters
    ----------
    prefix
        What the chart shows, e.g. ``'forecast'``.
    target_id
        The target's id in the register.
    """
    text = re.sub(r"[^a-z0-9_-]+", "-", f"{prefix}-{target_id}".lower()).strip("-")
    return text[:63] if text[:1].isalpha() else ("c-" + text)[:63]


def lowercase_first_letter(text: str) -> str:
    """Lower-case a title's first letter to use it inside a sentence, unless its first word is
    an acronym (``'IMD score'`` stays, ``'Burglary rate'`` becomes ``'burglary rate'``)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]
