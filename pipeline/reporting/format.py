"""Shared text formatters for the pages: names, comparisons, intervals, chart labels.

One formatter per job, used by every page module (:mod:`pipeline.pages`). Nothing here
computes: values in, reader-facing text out.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from pipeline.stats import COMPARISON_SYMBOLS

#: Comparison categories in words for tables (shown after their shape symbol).
COMPARISON_WORDS: dict[str, str] = {
    "better": "better",
    "similar": "similar",
    "worse": "worse",
    "higher": "higher",
    "lower": "lower",
    "not compared": "not compared",
}


def possessive(name: str) -> str:
    """The possessive of a place name.

    Parameters
    ----------
    name
        A place name.

    Returns
    -------
    str
        ``"Charnwood"`` -> ``"Charnwood's"``; a name ending in ``s`` takes an apostrophe only
        (``"St Albans"`` -> ``"St Albans'"``).
    """
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def capitalised(text: str) -> str:
    """``text`` with its first letter in upper case and the rest untouched.

    Parameters
    ----------
    text
        Any text (``"the rest of Charnwood"``).

    Returns
    -------
    str
        ``"The rest of Charnwood"``.
    """
    return text[:1].upper() + text[1:]


def plot_label_text(text: Any) -> str:
    """Text from data made safe for plotly labels (plotly reads a few HTML tags).

    Parameters
    ----------
    text
        Any value; converted with ``str``.

    Returns
    -------
    str
        The text with ``&``, ``<`` and ``>`` escaped.
    """
    return html.escape(str(text), quote=False)


def comparison_symbol_text(comparison: pd.Series) -> pd.Series:
    """Comparison categories as table text with their shape symbol (``"▼ worse"``).

    Parameters
    ----------
    comparison
        Categories of :data:`COMPARISON_WORDS` (missing values allowed).

    Returns
    -------
    pandas.Series
        Symbol and word; ``''`` where the category is missing.

    Raises
    ------
    ValueError
        An unknown category.
    """
    labels = comparison.astype(object)
    unknown = sorted({str(v) for v in labels.dropna() if v not in COMPARISON_WORDS})
    if unknown:
        raise ValueError(f"unknown comparison label(s) {', '.join(unknown)}")
    return (labels.map(COMPARISON_SYMBOLS) + " " + labels.map(COMPARISON_WORDS)).fillna("")


def interval_range_text(lower: pd.Series, upper: pd.Series, decimals: int = 1) -> pd.Series:
    """Confidence intervals as text, ``"1.17 to 1.78"``.

    Parameters
    ----------
    lower, upper
        The interval's limits (aligned series).
    decimals
        Decimal places (thousands separated by commas).

    Returns
    -------
    pandas.Series
        ``"<lower> to <upper>"``; ``''`` where either limit is missing.
    """
    present = lower.notna() & upper.notna()
    low = lower.map(lambda v: f"{v:,.{decimals}f}" if pd.notna(v) else "")
    upp = upper.map(lambda v: f"{v:,.{decimals}f}" if pd.notna(v) else "")
    return (low + " to " + upp).where(present, "")
