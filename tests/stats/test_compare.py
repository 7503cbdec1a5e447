"""Tests for pipeline.stats.compare: Fingertips benchmark comparison, symbols and colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats.compare import (
    COMPARISON_CATEGORIES,
    COMPARISON_COLOURS,
    COMPARISON_SYMBOLS,
    COMPARISON_TEXT_COLOURS,
    compare_to_benchmark,
    comparison_colours,
    comparison_symbols,
)
from pipeline.stats.intervals import wilson_interval

# value, lower, upper: benchmark 10 lies below / inside / above / on the limit of the interval
VALUES = [12.0, 10.5, 8.0, 11.0, 9.0]
LOWER = [11.0, 9.0, 7.0, 10.0, 8.0]
UPPER = [13.0, 12.0, 9.0, 12.0, 10.0]


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("higher_is_worse", ["worse", "similar", "better", "similar", "similar"]),
        ("higher_is_better", ["better", "similar", "worse", "similar", "similar"]),
        ("no_judgement", ["higher", "similar", "lower", "similar", "similar"]),
    ],
)
def test_polarity_turns_significance_into_judgement(polarity, expected):
    result = compare_to_benchmark(VALUES, LOWER, UPPER, 10.0, polarity)
    assert result.tolist() == expected
    assert list(result.cat.categories) == COMPARISON_CATEGORIES


def test_missing_interval_value_or_benchmark_is_not_compared():
    result = compare_to_benchmark(
        [12.0, np.nan, 12.0, 12.0],
        [11.0, 11.0, np.nan, 11.0],
        [13.0, 13.0, 13.0, 13.0],
        [10.0, 10.0, 10.0, np.nan],
        "higher_is_worse",
    )
    assert result.tolist() == ["worse", "not compared", "not compared", "not compared"]


def test_per_row_polarity_and_benchmark_keep_series_index():
    frame = pd.DataFrame(
        {
            "value": [12.0, 12.0, 12.0],
            "lower_ci": [11.0, 11.0, 11.0],
            "upper_ci": [13.0, 13.0, 13.0],
            "england": [10.0, 10.0, 14.0],
            "polarity": ["higher_is_worse", "higher_is_better", "higher_is_better"],
        },
        index=["E01000001", "E01000002", "E01000003"],
    )
    result = compare_to_benchmark(
        frame["value"], frame["lower_ci"], frame["upper_ci"], frame["england"], frame["polarity"]
    )
    assert result.to_dict() == {"E01000001": "worse", "E01000002": "better", "E01000003": "worse"}


def test_with_wilson_intervals_small_area_is_similar_large_is_worse():
    # 12% of 100 people vs 12% of 10,000 people against an England benchmark of 10%
    ci = wilson_interval([12, 1200], [100, 10000], multiplier=100)
    result = compare_to_benchmark(
        ci["value"], ci["lower_ci"], ci["upper_ci"], 10.0, "higher_is_worse"
    )
    assert result.tolist() == ["similar", "worse"]


def test_symbols_and_colours_map_every_label():
    labels = pd.Series(COMPARISON_CATEGORIES)
    symbols = comparison_symbols(labels)
    colours = comparison_colours(labels)
    assert symbols.tolist() == [COMPARISON_SYMBOLS[c] for c in COMPARISON_CATEGORIES]
    assert symbols.iloc[0] == "▲" and symbols.iloc[2] == "▼" and symbols.iloc[5] == "○"
    assert len(set(symbols)) == len(COMPARISON_CATEGORIES)
    assert len(set(colours)) == len(COMPARISON_CATEGORIES)
    result = compare_to_benchmark(VALUES, LOWER, UPPER, 10.0, "higher_is_worse")
    assert comparison_symbols(result).tolist() == ["▼", "●", "▲", "●", "●"]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("label", COMPARISON_CATEGORIES)
def test_text_on_each_fill_meets_wcag_aa_contrast(label):
    fill, text = _luminance(COMPARISON_COLOURS[label]), _luminance(COMPARISON_TEXT_COLOURS[label])
    ratio = (max(fill, text) + 0.05) / (min(fill, text) + 0.05)
    assert ratio >= 4.5


def test_better_and_worse_are_not_told_apart_by_red_green():
    # colour-blind safe: better is blue, worse is orange/vermillion (not green vs red)
    assert COMPARISON_COLOURS["better"].upper() == "#0072B2"
    assert COMPARISON_COLOURS["worse"].upper() == "#D55E00"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"polarity": "lower_is_better"}, "unknown polarity 'lower_is_better'"),
        ({"polarity": ["higher_is_worse"] * 2}, "one string or one per row"),
        ({"benchmark": [10.0, 11.0]}, "same length"),
    ],
)
def test_compare_rejects_bad_input(kwargs, message):
    arguments = {"benchmark": 10.0, "polarity": "higher_is_worse", **kwargs}
    with pytest.raises(ValueError, match=message):
        compare_to_benchmark(VALUES, LOWER, UPPER, arguments["benchmark"], arguments["polarity"])


def test_symbol_mapping_rejects_unknown_label():
    with pytest.raises(ValueError, match="unknown comparison label"):
        comparison_symbols(pd.Series(["better", "amber"]))
    with pytest.raises(ValueError, match="unknown comparison label"):
        comparison_colours(pd.Series(["better", None]))
