"""The benchmark comparison at the configured level (95%, or 99.8% as Fingertips also offers).

An area is significantly different from a benchmark when the benchmark lies outside the area's
interval (:func:`pipeline.stats.compare_to_benchmark`). The store keeps 95% intervals; at
another level :func:`comparison_limits` recomputes each row's interval by its indicator's
method (Wilson, Byar/exact Poisson) from its numerator and denominator, and rows it cannot
recompute (no numerator, or an indicator without an interval) are not compared.
:func:`compare_at_level` is the comparison the steps use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.indicators import add_intervals
from pipeline.stats import compare_to_benchmark

#: The store's interval level (percent).
STORE_LEVEL = 95.0


def comparison_limits(rows: pd.DataFrame, catalogue: pd.DataFrame, level: float = STORE_LEVEL
                      ) -> pd.DataFrame:
    """The ``lower_ci``/``upper_ci`` of ``rows`` at ``level`` percent (same index).

    Parameters
    ----------
    rows
        Store-layout rows: ``indicator_id``, ``numerator``, ``denominator``, ``lower_ci``,
        ``upper_ci``.
    catalogue
        The indicator catalogue (``id``, ``ci``, ``multiplier``).
    level
        Confidence level in percent; at the store's 95 the stored limits are returned.
    """
    limits = rows[["lower_ci", "upper_ci"]]
    if float(level) == STORE_LEVEL:
        return limits.copy()
    blank = rows[["indicator_id", "numerator", "denominator"]].assign(
        lower_ci=np.nan, upper_ci=np.nan)
    return add_intervals(blank, catalogue, confidence=float(level) / 100)[["lower_ci",
                                                                         "upper_ci"]]


def compare_at_level(rows: pd.DataFrame, benchmark: Any, polarity: Any,
                     catalogue: pd.DataFrame, level: float = STORE_LEVEL) -> pd.Series:
    """:func:`~pipeline.stats.compare_to_benchmark` of ``rows`` (``value`` and the columns of
    :func:`comparison_limits`) with ``benchmark``, using intervals at ``level`` percent."""
    limits = comparison_limits(rows, catalogue, level)
    return compare_to_benchmark(rows["value"], limits["lower_ci"], limits["upper_ci"],
                                benchmark, polarity)
