"""Small-area statistics (PHE Fingertips / PHEindicatormethods methods), pure and vectorised.

No file reading here: every function takes arrays, Series or DataFrames (many areas or
indicators at once) and returns arrays, Series or DataFrames. Missing inputs give NaN or
"not compared"/"could not be calculated", never an exception; wrong shapes and unknown
options raise :class:`ValueError` with a clear message.

- :mod:`~pipeline.stats.intervals`: Wilson, Byar, exact Poisson and the PHE rate rule.
- :mod:`~pipeline.stats.compare`: better / similar / worse than a benchmark, symbols, colours.
- :mod:`~pipeline.stats.trend`: recent trend over the latest five points (Fingertips: chi-squared
  test for trend at 99.8%, sign kept when each point is dropped).
- :mod:`~pipeline.stats.inequality`: slope and relative index of inequality.
- :mod:`~pipeline.stats.disclosure`: small-number suppression ``[c]`` and ``[u]`` flags.
- :mod:`~pipeline.stats.gap`: gap between priority neighbourhoods and the rest, and its change.
"""

from pipeline.stats.compare import (
    COMPARISON_CATEGORIES,
    COMPARISON_COLOURS,
    COMPARISON_LABELS,
    COMPARISON_SYMBOLS,
    COMPARISON_TEXT_COLOURS,
    POLARITIES,
    compare_to_benchmark,
    comparison_colours,
    comparison_symbols,
)
from pipeline.stats.disclosure import flag_low_reliability, suppress_small_numbers
from pipeline.stats.gap import GAP_COLUMNS, gap_change, rate_gap, score_gap
from pipeline.stats.inequality import slope_index_of_inequality
from pipeline.stats.intervals import (
    byar_interval,
    exact_poisson_interval,
    rate_interval,
    wilson_interval,
)
from pipeline.stats.trend import recent_trend

__all__ = [
    "COMPARISON_CATEGORIES",
    "COMPARISON_COLOURS",
    "COMPARISON_LABELS",
    "COMPARISON_SYMBOLS",
    "COMPARISON_TEXT_COLOURS",
    "GAP_COLUMNS",
    "POLARITIES",
    "byar_interval",
    "compare_to_benchmark",
    "comparison_colours",
    "comparison_symbols",
    "exact_poisson_interval",
    "flag_low_reliability",
    "gap_change",
    "rate_gap",
    "rate_interval",
    "recent_trend",
    "score_gap",
    "slope_index_of_inequality",
    "suppress_small_numbers",
    "wilson_interval",
]
