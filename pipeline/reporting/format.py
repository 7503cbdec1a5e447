"""Numbers and comparisons as text, the way every page writes them (one formatter per job).

- :func:`format_by_unit` / :func:`format_value_by_unit`: a number as text for its unit
  (``"188,416"``, ``"20.5%"``, ``"63.2"``), with its flag.
- :func:`interval_text`: a 95% interval as ``"20.3 to 20.7"``.
- :func:`comparison_text`: a benchmark comparison as symbol and word (``"▼ worse"``).
- :func:`trend_text`: a recent trend as arrow and words (``"↑ Increasing, getting worse"``).
- :func:`comparison_level_text`, :func:`comparison_level_sentence`: the benchmark comparison's
  confidence level in words.
- :func:`percent_change_text`: a signed percentage change (``"+10.0%"``, ``"−2.5%"``).
- :func:`ordinal`: ``1`` -> ``"1st"``.
- :func:`possessive`, :func:`capitalised`: place names in sentences.
- :func:`plot_label_text`: text from data made safe for plotly labels.
- :func:`significant_figures_text`, :func:`chance_text`: numbers and chances in running text.
- :func:`target_chart_id`: the chart id of a target's chart.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stats import COMPARISON_SYMBOLS

#: Units shown as whole numbers with thousands separators.
COUNT_UNITS = {"persons", "households", "crimes", "incidents", "rank"}


def comparison_text(comparison: pd.Series) -> pd.Series:
    """Comparison labels as symbol and word (``"▼ worse"``), so colour is never needed.

    Parameters
    ----------
    comparison
        Labels of :func:`pipeline.stats.compare_to_benchmark` (missing = ``"not compared"``).

    Returns
    -------
    pandas.Series
        ``"<symbol> <label>"`` per row, same index.
    """
    labels = comparison.astype(object).where(comparison.notna(), "not compared")
    return labels.map(lambda c: f"{COMPARISON_SYMBOLS.get(c, '○')} {c}")


#: Arrows of the recent trends (as Fingertips draws them), so colour is never needed.
TREND_SYMBOLS = {"increasing": "↑", "decreasing": "↓", "no significant change": "→"}

#: Wording of the trends without a test result.
TREND_WORDS = {"not enough points": "fewer than 5 points",
               "not tested": "not tested (no confidence interval)",
               "could not be calculated": "could not be calculated"}


def trend_text(trend: pd.Series, assessment: pd.Series) -> pd.Series:
    """Recent trends (:func:`pipeline.stats.trend.recent_trend`) as arrow and words:
    ``"↑ Increasing, getting worse"``, ``"↓ Decreasing"`` (no judgement), ``"→ No significant
    change"``, ``"Fewer than 5 points"``, ``"Not tested (no confidence interval)"``."""
    def one(t: str, a: str) -> str:
        if t in TREND_WORDS or t not in TREND_SYMBOLS:
            words = TREND_WORDS.get(t, t or "fewer than 5 points")
            return words[:1].upper() + words[1:]
        judged = f", {a}" if a.startswith("getting") else ""
        return f"{TREND_SYMBOLS[t]} {t[:1].upper()}{t[1:]}{judged}"

    trends = trend.astype(object).where(trend.notna(), "not enough points")
    judged = assessment.astype(object).where(assessment.notna(), "")
    return pd.Series([one(str(t), str(a)) for t, a in zip(trends, judged)],
                     index=trend.index, dtype=object)


def comparison_level_text(level: float) -> str:
    """The benchmark comparison's level as readers see it: ``"95%"`` or ``"99.8%"``."""
    return f"{float(level):g}%"


def comparison_level_sentence(level: float) -> str:
    """The sentence every page with benchmark comparisons shows, stating their level."""
    text = comparison_level_text(level)
    sentence = (f"Comparisons with benchmarks are made at the {text} level: an area is "
                f"significantly better or worse (higher or lower) than a benchmark when the "
                f"benchmark lies outside the area's {text} confidence interval, and similar "
                f"otherwise.")
    if float(level) != 95.0:
        sentence += (" This is stricter than the 95% intervals shown in the tables, so fewer "
                     "differences are called significant.")
    return sentence


def _decimals_for(unit: str, value: float) -> int:
    if unit in COUNT_UNITS:
        return 0
    if unit == "decile":
        return 0 if float(value).is_integer() else 1
    if unit in ("%", "proportion", "percentage points") or unit.startswith("per "):
        return 1
    return 1 if abs(value) >= 1 else 2


def format_by_unit(values: pd.Series, units: pd.Series | str,
                   flags: pd.Series | None = None, missing: str = "–") -> pd.Series:
    """Numbers as text the way readers expect for their unit.

    Counts and ranks: whole numbers with thousands separators; ``%``: one decimal and a % sign;
    ``proportion`` (0 to 1): shown as a percentage; rates per 1,000: one decimal; scores: one
    decimal (two below 1). A flag (``[e]``, ``[c]``) follows the number; a missing value
    shows its flag, or ``missing``.

    Parameters
    ----------
    values
        The numbers (anything not numeric counts as missing).
    units
        One unit for all, or one per row.
    flags
        Optional flag per row.
    missing
        Text for a missing value without a flag.

    Returns
    -------
    pandas.Series
        Text per row, same index.
    """
    values = pd.to_numeric(values, errors="coerce")
    units = pd.Series(units, index=values.index) if isinstance(units, str) else units
    flags = (flags.fillna("").astype(str) if flags is not None
             else pd.Series("", index=values.index))
    texts = []
    for value, unit, flag in zip(values, units.astype(str), flags):  # one row per indicator
        if pd.isna(value):
            texts.append(flag or missing)
            continue
        shown = value * 100 if unit == "proportion" else value
        text = f"{shown:,.{_decimals_for(unit, value)}f}"
        if unit in ("%", "proportion"):
            text += "%"
        texts.append(f"{text} {flag}".strip())
    return pd.Series(texts, index=values.index, dtype=object)


def format_value_by_unit(value: float, unit: str) -> str:
    """One number as text for its unit (see :func:`format_by_unit`)."""
    return format_by_unit(pd.Series([value]), unit).iloc[0]


def interval_text(lower: pd.Series, upper: pd.Series, units: pd.Series | str,
                  missing: str = "–") -> pd.Series:
    """``"20.3 to 20.7"`` per row (``missing`` where there is no interval).

    Parameters
    ----------
    lower, upper
        The limits.
    units
        One unit for all, or one per row (see :func:`format_by_unit`).
    missing
        Text where either limit is missing.
    """
    lo = format_by_unit(lower, units, missing="")
    hi = format_by_unit(upper, units, missing="")
    text = lo + " to " + hi
    return text.where((lo != "") & (hi != ""), missing)


def percent_change_text(first: float, last: float) -> str:
    """The change from ``first`` to ``last`` in percent, signed: ``"+10.0%"``, ``"−2.5%"``."""
    change = 100 * (last / first - 1)
    return f"{'+' if change >= 0 else '−'}{abs(change):.1f}%"


def rank_of_text(rank: pd.Series, count: pd.Series) -> pd.Series:
    """Ranks as ``"3 of 16"`` (``"–"`` where there is no rank).

    >>> rank_of_text(pd.Series([3.0, float("nan")]), pd.Series([16.0, 16.0])).tolist()
    ['3 of 16', '–']
    """
    text = [f"{int(r)} of {int(c)}" if pd.notna(r) and pd.notna(c) else "–"
            for r, c in zip(rank, count)]
    return pd.Series(text, index=rank.index, dtype=object)


def ordinal(n: int) -> str:
    """``1`` -> ``"1st"``, ``12`` -> ``"12th"``, ``23`` -> ``"23rd"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

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


def about_chance_text(probability: float) -> str:
    """A probability for a sentence: ``'about 37%'``, ``'less than 1%'``, ``'more than 99%'``
    (see :func:`chance_text`)."""
    text = chance_text(probability)
    return f"about {text}" if text[:1].isdigit() else text


def pounds(value: float | None) -> str:
    """An amount of money in whole pounds: ``'£12,345'``; ``'–'`` for a missing value."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"£{value:,.0f}"
