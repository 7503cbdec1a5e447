"""Charts of steps 3-5: what each draws, that colour is never the only signal, and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.reporting.display import figure_html
from pipeline.reporting.forecast_charts import (
    cost_effectiveness_chart,
    forecast_chart,
    rank_stability_chart,
    scenario_chart,
    wrap_title,
)

HISTORY = pd.DataFrame({"period": [2020, 2021], "value": [3.66, 2.66]})
PROJECTION = pd.DataFrame({
    "period": [2022, 2023, 2024], "central": [4.1, 3.8, 3.7],
    "lower_80": [3.9, 3.0, 2.8], "upper_80": [4.3, 4.8, 5.0],
    "lower_95": [3.8, 2.6, 2.3], "upper_95": [4.4, 5.5, 6.0],
})
TRAJECTORY = pd.Series([2.66, 2.53, 2.39, 2.26], index=pd.Index([2021, 2022, 2023, 2024],
                                                                  name="period"))


def _names(fig):
    return [t.name for t in fig.data]


def test_forecast_chart_draws_history_fan_trajectory_and_target():
    fig = forecast_chart(HISTORY, PROJECTION, TRAJECTORY, target_value=2.26, target_period=2024,
                         title="Reduce burglary by 15%", y_label="Burglary (per 1,000)",
                         latest=("12 months to October 2022", 2022.33, 4.0))
    assert _names(fig) == ["95% prediction interval", "80% prediction interval",
                           "Projection (central)", "Recorded",
                           "Recorded: 12 months to October 2022",
                           "Target trajectory (straight line)", "Target"]
    bands = fig.data[:2]
    assert all(t.fill == "toself" and t.mode == "lines" for t in bands)
    assert list(bands[0].y) == [4.4, 5.5, 6.0, 2.3, 2.6, 3.8]  # upper out, lower back
    # the projection line starts from the last recorded year
    assert list(fig.data[2].x) == [2021, 2022, 2023, 2024]
    assert list(fig.data[2].y) == [2.66, 4.1, 3.8, 3.7]
    # colour is never the only signal: line dashes and marker symbols differ too
    assert fig.data[2].line.dash == "dash" and fig.data[5].line.dash == "dot"
    symbols = {fig.data[i].marker.symbol for i in (2, 3, 4, 6)}
    assert len(symbols) == 4
    assert fig.data[6].marker.symbol == "star" and list(fig.data[6].text) == ["Target"]
    assert "8 times in 10" in fig.layout.annotations[0].text
    html = figure_html(fig, "forecast-burglary", "Burglary is off track.")
    assert 'id="forecast-burglary"' in html


def test_forecast_chart_without_a_projection_and_refusals():
    empty = PROJECTION.iloc[0:0]
    fig = forecast_chart(HISTORY, empty, TRAJECTORY, target_value=2.26, target_period=2024,
                         title="T", y_label="Y")
    assert _names(fig) == ["Recorded", "Target trajectory (straight line)", "Target"]
    assert not fig.layout.annotations
    with pytest.raises(ValueError, match="missing column\\(s\\) lower_80"):
        forecast_chart(HISTORY, PROJECTION.drop(columns=["lower_80"]), TRAJECTORY,
                       target_value=2.26, target_period=2024, title="T", y_label="Y")
    with pytest.raises(ValueError, match="no history"):
        forecast_chart(HISTORY.iloc[0:0], PROJECTION, TRAJECTORY, target_value=2.26,
                       target_period=2024, title="T", y_label="Y")
    with pytest.raises(ValueError, match="title must be a non-empty string"):
        forecast_chart(HISTORY, PROJECTION, TRAJECTORY, target_value=2.26, target_period=2024,
                       title=" ", y_label="Y")
    with pytest.raises(TypeError, match="expects a DataFrame"):
        forecast_chart([1, 2], PROJECTION, TRAJECTORY, target_value=2.26, target_period=2024,
                       title="T", y_label="Y")


def _paths():
    rows = []
    for name, shift in (("bau", 0.0), ("gates", -0.5), ("package", -1.0)):
        rows.append(pd.DataFrame({"scenario": name, "period": [2022, 2023, 2024],
                                  "central": np.array([4.0, 3.8, 3.6]) + shift,
                                  "lower_80": np.array([3.5, 3.0, 2.8]) + shift,
                                  "upper_80": np.array([4.5, 4.6, 4.4]) + shift}))
    return pd.concat(rows, ignore_index=True)


def test_scenario_chart_band_for_the_reference_and_a_line_per_scenario():
    fig = scenario_chart(_paths(), {"bau": "Business as usual", "gates": "Alley gating"},
                         TRAJECTORY, target_value=2.26, target_period=2024,
                         title="Re-forecast", y_label="Rate")
    assert _names(fig) == ["Business as usual: 80% of simulated futures", "Business as usual",
                           "Alley gating", "Target trajectory", "Target"]
    assert list(fig.data[2].y) == [3.5, 3.3, 3.1]
    assert fig.data[1].line.dash != fig.data[2].line.dash
    assert fig.data[1].marker.symbol != fig.data[2].marker.symbol
    with pytest.raises(ValueError, match="no paths for scenario 'cctv'"):
        scenario_chart(_paths(), {"cctv": "CCTV"}, TRAJECTORY, target_value=2.26,
                       target_period=2024, title="T", y_label="Y")
    with pytest.raises(ValueError, match="no scenarios to draw"):
        scenario_chart(_paths(), {}, TRAJECTORY, target_value=2.26, target_period=2024,
                       title="T", y_label="Y")


def test_cost_effectiveness_chart_labels_bars_and_names_options_that_close_nothing():
    table = pd.DataFrame({"option": ["Lighting", "Gates", "CCTV"],
                          "cost_per_unit": [34293.0, 13701.0, np.inf],
                          "gap_closed": [13.5, 13.4, 0.0]})
    fig = cost_effectiveness_chart(table, title="Cost per unit", unit="per 1,000 residents")
    bar = fig.data[0]
    assert list(bar.y) == ["Lighting", "Gates", "CCTV"]  # dearest at the top, cheapest below
    assert list(bar.text) == ["£34,293", "£13,701", "closes none of the gap"]
    assert bar.marker.pattern.shape == "/"
    assert "per 1,000 residents" in fig.layout.xaxis.title.text
    with pytest.raises(ValueError, match="no options to plot"):
        cost_effectiveness_chart(table.iloc[0:0], title="T", unit="u")
    with pytest.raises(ValueError, match="missing column\\(s\\) gap_closed"):
        cost_effectiveness_chart(table.drop(columns=["gap_closed"]), title="T", unit="u")


def test_rank_stability_chart_shows_rank_range_and_share_first():
    table = pd.DataFrame({"option": ["Lighting", "Gates", "Business as usual"],
                          "rank": [1, 2, 3], "rank_p05": [1, 1, 3], "rank_p95": [2, 3, 3],
                          "p_first": [0.7, 0.3, 0.0]})
    fig = rank_stability_chart(table, title="Rank stability")
    ranges, ranks, _, labels = fig.data
    assert list(ranks.y) == ["Business as usual", "Gates", "Lighting"]  # best at the top
    assert list(ranks.x) == [3.0, 2.0, 1.0] and ranks.marker.symbol == "diamond"
    assert list(ranges.x) == [3.0, 3.0, 2.0]
    assert list(ranges.error_x.arrayminus) == [0.0, 2.0, 1.0]
    assert list(labels.text) == ["first in 0%", "first in 30%", "first in 70%"]
    assert list(fig.layout.xaxis.tickvals) == [1, 2, 3]
    with pytest.raises(ValueError, match="missing column\\(s\\) p_first"):
        rank_stability_chart(table.drop(columns=["p_first"]), title="T")


def test_wrap_title():
    assert wrap_title("short") == "short"
    wrapped = wrap_title("Narrow the crime gap between Charnwood's priority neighbourhoods and the "
                         "rest of Charnwood by a quarter", width=40)
    assert all(len(line) <= 40 for line in wrapped.split("<br>"))
    assert wrapped.replace("<br>", " ").startswith("Narrow the crime gap")
