"""Shared text formatters: numbers by unit, intervals, comparisons, changes, ordinals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.reporting import format as fmt

NAN = np.nan


@pytest.mark.parametrize("value, unit, text", [
    (188416.0, "persons", "188,416"), (20.5, "%", "20.5%"), (0.0202, "proportion", "2.0%"),
    (63.17, "per 1,000 residents", "63.2"), (13.238, "score", "13.2"),
    (-0.0549, "score", "-0.05"), (2.5, "decile", "2.5"), (236.0, "rank", "236"),
])
def test_format_by_unit(value, unit, text):
    assert fmt.format_by_unit(pd.Series([value]), unit).iloc[0] == text
    assert fmt.format_value_by_unit(value, unit) == text


def test_format_by_unit_flags_and_missing_values():
    out = fmt.format_by_unit(pd.Series([1.0, NAN, NAN]), "%", pd.Series(["[e]", "[c]", ""]))
    assert out.tolist() == ["1.0% [e]", "[c]", "–"]
    assert fmt.interval_text(pd.Series([1.0, NAN]), pd.Series([2.0, NAN]), "%").tolist() == [
        "1.0% to 2.0%", "–"]


def test_comparison_text_symbol_and_word():
    labels = pd.Series(["worse", "similar", None, "higher"])
    assert fmt.comparison_text(labels).tolist() == ["▼ worse", "● similar", "○ not compared",
                                                    "↑ higher"]


def test_percent_change_and_ordinal():
    assert fmt.percent_change_text(1000, 1100) == "+10.0%"
    assert fmt.percent_change_text(200, 195) == "−2.5%"
    assert [fmt.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 236)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "236th"]
