"""Benchmark comparison (Fingertips method): better / similar / worse than England, county ...

An area is *significantly different* from a benchmark when the benchmark value lies outside the
area's confidence interval (strictly below the lower or above the upper limit; a benchmark on a
limit counts as similar). The indicator's polarity turns "higher"/"lower" into "better"/"worse";
``no_judgement`` indicators are labelled "higher"/"lower" instead. Rows without a value,
interval or benchmark are "not compared".

Symbols and colours are provided so that charts and tables never rely on colour alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.stats.intervals import _as_arrays

#: Indicator polarities of the catalogue.
POLARITIES = ("higher_is_worse", "higher_is_better", "no_judgement")

#: Every comparison label, in display order (the categories of the returned Series).
COMPARISON_CATEGORIES = ["better", "similar", "worse", "higher", "lower", "not compared"]

#: Plain-English wording for packs and table headers.
COMPARISON_LABELS: dict[str, str] = {
    "better": "Significantly better than the benchmark",
    "similar": "Not significantly different from the benchmark",
    "worse": "Significantly worse than the benchmark",
    "higher": "Significantly higher than the benchmark",
    "lower": "Significantly lower than the benchmark",
    "not compared": "Not compared (no confidence interval or benchmark)",
}

#: Shape symbols so that the comparison can be read without colour (accessibility).
COMPARISON_SYMBOLS: dict[str, str] = {
    "better": "▲",
    "similar": "●",
    "worse": "▼",
    "higher": "↑",
    "lower": "↓",
    "not compared": "○",
}

#: Fill colours, Fingertips-like but colour-blind safe (Okabe-Ito / Paul Tol palettes): blue for
#: better, vermillion for worse, yellow for similar; indigo/light cyan for higher/lower on
#: no-judgement indicators; light grey for not compared.
COMPARISON_COLOURS: dict[str, str] = {
    "better": "#0072B2",
    "similar": "#F0E442",
    "worse": "#D55E00",
    "higher": "#332288",
    "lower": "#88CCEE",
    "not compared": "#DDDDDD",
}

#: Text colour that reaches WCAG AA contrast (>= 4.5:1) on each fill colour.
COMPARISON_TEXT_COLOURS: dict[str, str] = {
    "better": "#FFFFFF",
    "similar": "#000000",
    "worse": "#000000",
    "higher": "#FFFFFF",
    "lower": "#000000",
    "not compared": "#000000",
}


def _polarity_array(polarity: Any, length: int) -> np.ndarray:
    """Polarity as an object array of ``length`` (a scalar broadcasts); unknown -> ValueError."""
    if isinstance(polarity, str):
        values = np.full(length, polarity, dtype=object)
    else:
        values = np.asarray(polarity, dtype=object)
        if values.ndim != 1 or values.size != length:
            raise ValueError(
                f"polarity must be one string or one per row ({length}), got shape {values.shape}"
            )
    unknown = sorted({str(v) for v in values if v not in POLARITIES})
    if unknown:
        raise ValueError(
            f"unknown polarity {', '.join(repr(u) for u in unknown)}; expected one of "
            f"{', '.join(POLARITIES)}"
        )
    return values


def compare_to_benchmark(
    value: Any, lower: Any, upper: Any, benchmark: Any, polarity: Any
) -> pd.Series:
    """Compare each area's value with a benchmark, Fingertips style.

    Parameters
    ----------
    value
        The areas' values (used only to tell a missing value from a present one).
    lower, upper
        The areas' confidence limits (95% in Fingertips; any level works).
    benchmark
        Benchmark value(s): a scalar (e.g. England) or one per area (e.g. each area's county).
    polarity
        ``'higher_is_worse'``, ``'higher_is_better'`` or ``'no_judgement'``; one string or one
        per row (to compare many indicators at once).

    Returns
    -------
    pandas.Series
        Categorical with :data:`COMPARISON_CATEGORIES`: ``'better'``, ``'similar'``,
        ``'worse'`` (judged polarities), ``'higher'``, ``'similar'``, ``'lower'``
        (``no_judgement``) or ``'not compared'`` where the value, either limit or the benchmark
        is missing. Keeps the index of the first Series input.

    Raises
    ------
    ValueError
        Unknown polarity, or inputs of different lengths.

    Examples
    --------
    >>> compare_to_benchmark([12.0], [10.0], [14.0], 9.0, "higher_is_worse").tolist()
    ['worse']
    """
    (val, lo, hi, bench), index = _as_arrays(
        ["value", "lower", "upper", "benchmark"], value, lower, upper, benchmark
    )
    pol = _polarity_array(polarity, val.size)
    present = np.isfinite(val) & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(bench)
    area_higher = present & (bench < lo)
    area_lower = present & (bench > hi)
    higher_label = np.select(
        [pol == "higher_is_worse", pol == "higher_is_better"], ["worse", "better"], "higher"
    )
    lower_label = np.select(
        [pol == "higher_is_worse", pol == "higher_is_better"], ["better", "worse"], "lower"
    )
    result = np.select(
        [~present, area_higher, area_lower],
        ["not compared", higher_label, lower_label],
        "similar",
    )
    return pd.Series(
        pd.Categorical(result, categories=COMPARISON_CATEGORIES), index=index, name="comparison"
    )


def comparison_symbols(comparison: pd.Series) -> pd.Series:
    """Map comparison labels to their accessible shape symbols (:data:`COMPARISON_SYMBOLS`).

    Raises
    ------
    ValueError
        If a label is not one of :data:`COMPARISON_CATEGORIES`.
    """
    return _map_labels(comparison, COMPARISON_SYMBOLS, "symbol")


def comparison_colours(comparison: pd.Series) -> pd.Series:
    """Map comparison labels to their fill colours (:data:`COMPARISON_COLOURS`).

    Raises
    ------
    ValueError
        If a label is not one of :data:`COMPARISON_CATEGORIES`.
    """
    return _map_labels(comparison, COMPARISON_COLOURS, "colour")


def _map_labels(comparison: Any, mapping: dict[str, str], name: str) -> pd.Series:
    series = comparison if isinstance(comparison, pd.Series) else pd.Series(comparison)
    labels = series.astype(object)
    unknown = sorted(
        {str(v) for v in labels.dropna() if v not in mapping}
        | ({"<missing>"} if labels.isna().any() else set())
    )
    if unknown:
        raise ValueError(
            f"unknown comparison label(s) {', '.join(unknown)}; expected one of "
            f"{', '.join(mapping)}"
        )
    return labels.map(mapping).rename(name)
