"""The benchmark comparison level (config ``comparison.level``: 95 or 99.8): intervals
recomputed at 99.8%, real comparisons that become "similar", the setting checked and worded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_area_config
from pipeline.errors import InputError
from pipeline.reporting.format import comparison_level_sentence
from pipeline.stats import wilson_interval
from pipeline.steps.baseline_area import baseline_area, baseline_rows
from pipeline.steps.baseline_tables import theme_table
from pipeline.steps.benchmark import compare_at_level, comparison_limits

CATALOGUE = pd.DataFrame({"id": ["share_pct", "score"], "ci": ["wilson", "none"],
                          "multiplier": [100.0, np.nan]})


def test_limits_are_the_stored_ones_at_95_and_recomputed_at_99_8():
    rows = pd.DataFrame({"indicator_id": ["share_pct", "score"], "value": [20.0, 30.0],
                         "numerator": [200.0, np.nan], "denominator": [1000.0, np.nan],
                         "lower_ci": [17.6, 28.0], "upper_ci": [22.6, 32.0]})
    assert comparison_limits(rows, CATALOGUE, 95).equals(rows[["lower_ci", "upper_ci"]])
    wide = comparison_limits(rows, CATALOGUE, 99.8)
    expected = wilson_interval(200, 1000, confidence=0.998, multiplier=100)
    assert wide.loc[0, "lower_ci"] == pytest.approx(expected["lower_ci"].iloc[0])
    assert wide.loc[0, "upper_ci"] == pytest.approx(expected["upper_ci"].iloc[0])
    assert wide.loc[0, "lower_ci"] < 17.6  # wider than the 95% interval
    assert wide.loc[1].isna().all()  # no interval to recompute: not compared at 99.8%
    # a benchmark of 23 lies outside the 95% interval but inside the 99.8% one
    at_95 = compare_at_level(rows, 23.0, "higher_is_worse", CATALOGUE, 95)
    at_998 = compare_at_level(rows, 23.0, "higher_is_worse", CATALOGUE, 99.8)
    assert at_95.tolist() == ["better", "worse"]
    assert at_998.tolist() == ["similar", "not compared"]


def test_the_setting_is_95_by_default_and_only_95_or_99_8(tmp_path):
    assert load_area_config().comparison_level == 95.0
    text = load_area_config().path.read_text(encoding="utf-8")
    for level, ok in (("99.8", True), ("90", False), ("'high'", False)):
        path = tmp_path / f"area-{level.strip(chr(39))}.yaml"
        path.write_text(text.replace("  level: 95", f"  level: {level}"), encoding="utf-8")
        if ok:
            assert load_area_config(path).comparison_level == 99.8
        else:
            with pytest.raises(InputError, match="comparison.level: expected 95 or 99.8"):
                load_area_config(path)


def test_sentence_states_the_level():
    assert "made at the 95% level" in comparison_level_sentence(95)
    sentence = comparison_level_sentence(99.8)
    assert "made at the 99.8% level" in sentence and "99.8% confidence interval" in sentence
    assert "stricter than the 95% intervals" in sentence


def test_99_8_turns_some_real_differences_into_similar(prepared):
    """Every district's theme table on the shipped data, at 95% and at 99.8%: some
    significant differences become "similar", and none appears that was not there."""
    data = prepared[1]
    changed = 0
    for district in data.config.districts:
        area = baseline_area(data.config, data.lsoas, district.code)
        rows = baseline_rows(data.store, area)
        at_95 = theme_table(rows, data.catalogue, area).set_index("indicator_id")
        at_998 = theme_table(rows, data.catalogue, area, level=99.8).set_index("indicator_id")
        before, after = at_95["county_comparison"], at_998["county_comparison"]
        moved = before != after
        assert after[moved].eq("similar").all()
        assert before[moved].isin(["better", "worse", "higher", "lower"]).all()
        assert (before[~moved] == after[~moved]).all()
        changed += int(moved.sum())
    assert changed >= 10


def test_locality_spine_follows_the_setting(prepared):
    from pipeline.steps.profile import district_rows, protect
    from pipeline.steps.spine import spine_data

    data = prepared[1]
    config = data.config
    localities = data.localities[data.localities["type"] == "priority_neighbourhood"]
    significant = ["better", "worse", "higher", "lower"]
    moved = 0
    for locality, lad in zip(localities["locality_id"], localities["lad_code"]):
        rows = district_rows(data, lad)
        own = protect(data.locality_rows[data.locality_rows["area_code"] == locality],
                      config.min_count)
        spines = [spine_data(own, rows.lsoa_rows, rows.comparators, data.catalogue,
                             district_code=lad, county_code=config.county.code,
                             england_code=config.england.code, spread=rows.spread, level=level)
                  for level in (95, 99.8)]
        before, after = (s["comparison"] for s in spines)
        assert after[before != after].eq("similar").all()
        assert before[before != after].isin(significant).all()
        moved += int((before != after).sum())
    assert moved >= 1
