"""One convention for text in charts: callers pass plain text, every chart builder escapes it
once (:func:`pipeline.reporting.format.plot_label_text`) as it puts it in the figure.

Each builder is given an ampersand name and a hostile one; the area or series keeps its own
trace, and the figure shows the name escaped exactly once (no raw tags, no ``&amp;amp;``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.reporting.charts import (
    age_structure_chart,
    choropleth_map,
    comparison_marker_chart,
    decile_distribution_chart,
    grouped_bar_chart,
    trend_chart,
)
from pipeline.reporting.evidence_charts import gap_forest_chart, inequality_chart
from pipeline.reporting.forecast_charts import (
    cost_effectiveness_chart,
    forecast_chart,
    rank_stability_chart,
    scenario_chart,
)
from pipeline.reporting.format import plot_label_text
from pipeline.reporting.spine import trend_panels

AMPERSAND = "Loughborough Lemyngton & Hastings and Shelthorpe & Woodthorpe"
HOSTILE = '<b>x</b> & "y"'
NAMES = [AMPERSAND, HOSTILE]
ESCAPED = {AMPERSAND: "Loughborough Lemyngton &amp; Hastings and Shelthorpe &amp; Woodthorpe",
           HOSTILE: '&lt;b&gt;x&lt;/b&gt; &amp; "y"'}


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [s for v in value for s in _strings(v)]
    return []


def _once(fig, name: str) -> None:
    """The figure holds the name escaped once, never raw (tags) and never escaped twice."""
    text = "\n".join(_strings(fig.to_dict()))
    assert ESCAPED[name] in text
    assert "&amp;amp;" not in text and "&amp;lt;" not in text
    if "<" in name:
        assert "<b>x</b>" not in text


def test_the_one_formatter_escapes_once():
    assert plot_label_text(HOSTILE) == ESCAPED[HOSTILE]
    assert plot_label_text(AMPERSAND) == ESCAPED[AMPERSAND]


@pytest.mark.parametrize("name", NAMES)
def test_trend_panels_keep_the_locality_given_by_its_plain_name(name):
    # The profile passes plain names in area_order; the frame holds plain names too.
    trends = pd.DataFrame({
        "indicator_id": ["burglary"] * 4, "title": ["Burglary"] * 4,
        "area_name": [name, name, "Charnwood", "Charnwood"],
        "period": ["2021", "2022"] * 2, "chart_value": [166.6, 150.0, 77.5, 70.0],
        "chart_unit": ["per 1,000 residents"] * 4,
    })
    fig = trend_panels(trends, title=f"{name} and Charnwood over time",
                       area_order=[name, "Charnwood"])
    assert [t.name for t in fig.data] == [ESCAPED[name], "Charnwood"]
    assert list(fig.data[0].y) == [166.6, 150.0] and fig.data[0].line.dash == "solid"
    assert fig.layout.title.text == f"{ESCAPED[name]} and Charnwood over time"
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_trend_chart_series_and_title(name):
    df = pd.DataFrame({"period": [2020, 2021] * 2, "value": [1.0, 2.0, 3.0, 4.0],
                       "area": [name, name, "Blaby", "Blaby"]})
    fig = trend_chart(df, x="period", y="value", series="area", title=f"Trend in {name}",
                      y_label="Rate", series_order=[name, "Blaby"])
    assert [t.name for t in fig.data] == [ESCAPED[name], "Blaby"]
    assert list(fig.data[0].y) == [1.0, 2.0]
    assert fig.layout.title.text == f"Trend in {ESCAPED[name]}"
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_age_chart_keeps_the_area_given_by_its_plain_name(name):
    df = pd.DataFrame({"band": ["0-15", "16-64"] * 2, "share": [20.0, 80.0, 25.0, 75.0],
                       "area_name": [name, name, "Charnwood", "Charnwood"]})
    fig = age_structure_chart(df, band="band", share="share", area="area_name",
                              title=f"Age in {name}", area_order=[name, "Charnwood"])
    assert [t.name for t in fig.data] == [ESCAPED[name], "Charnwood"]
    assert fig.data[0].type == "bar" and list(fig.data[0].y) == [20.0, 80.0]
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_bar_charts_escape_categories_and_groups(name):
    df = pd.DataFrame({"measure": [name, "Other"] * 2, "value": [1.0, 2.0, 3.0, 4.0],
                       "area": [name, name, "County", "County"]})
    fig = grouped_bar_chart(df, category="measure", value="value", group="area",
                            title=f"Measures of {name}", value_label="%")
    assert [t.name for t in fig.data] == [ESCAPED[name], "County"]
    assert list(fig.data[0].y) == [ESCAPED[name], "Other"] and list(fig.data[0].x) == [1.0, 2.0]
    assert list(fig.layout.yaxis.categoryarray) == [ESCAPED[name], "Other"]
    _once(fig, name)
    marks = pd.DataFrame({"group": [name], "value": [5.0], "lower": [4.0], "upper": [6.0],
                          "county": [5.5]})
    fig = comparison_marker_chart(marks, category="group", value="value", lower="lower",
                                  upper="upper", benchmark="county", title=f"{name} groups",
                                  value_label=name, benchmark_label=f"{name} county")
    assert list(fig.data[0].y) == [ESCAPED[name]] and fig.data[0].name == ESCAPED[name]
    _once(fig, name)
    deciles = pd.DataFrame({"edition": [name] * 10, "decile": range(1, 11), "share": [10.0] * 10})
    fig = decile_distribution_chart(deciles, edition="edition", decile="decile", share="share",
                                    title=f"Deciles of {name}")
    assert list(fig.data[0].x) == [ESCAPED[name]]
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_map_title_hover_and_outline_label(name):
    shapes = gpd.GeoDataFrame({"lsoa_code": ["E01000001", "E01000002"]},
                              geometry=[box(-1.22, 52.7, -1.21, 52.71),
                                        box(-1.21, 52.7, -1.2, 52.71)], crs="EPSG:4326")
    values = pd.Series([1.0, 2.0], index=["E01000001", "E01000002"])
    fig = choropleth_map(shapes, values, title=f"{name} within Charnwood",
                         colour_label="IMD decile", highlight=["E01000001"],
                         hover_names=pd.Series([name, "Other"], index=values.index),
                         highlight_label=f"{name} (thick outline)")
    assert fig.layout.title.text == f"{ESCAPED[name]} within Charnwood"
    assert fig.data[0].text[0].startswith(f"{ESCAPED[name]}<br>")
    assert fig.data[-1].name == f"{ESCAPED[name]} (thick outline)"
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_forecast_charts_escape_titles_labels_and_options(name):
    history = pd.DataFrame({"period": [2020, 2021], "value": [3.0, 2.5]})
    projection = pd.DataFrame({"period": [2022], "central": [2.4], "lower_80": [2.0],
                               "upper_80": [2.8], "lower_95": [1.8], "upper_95": [3.0]})
    line = pd.Series([2.5, 2.2], index=[2021, 2022])
    fig = forecast_chart(history, projection, line, target_value=2.2, target_period=2022,
                         title=f"Reduce burglary in {name}", y_label="Rate",
                         history_label=f"Recorded in {name}")
    assert ESCAPED[name] in fig.layout.title.text.replace("<br>", " ")
    assert f"Recorded in {ESCAPED[name]}" in [t.name for t in fig.data]
    _once(fig, name)
    paths = pd.DataFrame({"scenario": ["bau", "opt"], "period": [2022, 2022], "central": [2.4, 2.1],
                          "lower_80": [2.0, 1.8], "upper_80": [2.8, 2.5]})
    fig = scenario_chart(paths, {"bau": "Business as usual", "opt": name}, line,
                         target_value=2.2, target_period=2022, title="Options", y_label="Rate")
    assert ESCAPED[name] in [t.name for t in fig.data]
    _once(fig, name)
    options = pd.DataFrame({"option": [name, "CCTV"], "cost_per_unit": [100.0, np.inf],
                            "gap_closed": [1.0, 0.0], "rank": [1, 2], "rank_p05": [1, 1],
                            "rank_p95": [2, 2], "p_first": [0.7, 0.3]})
    fig = cost_effectiveness_chart(options, title="Cost", unit="per 1,000 residents")
    assert list(fig.data[0].y) == [ESCAPED[name], "CCTV"]
    _once(fig, name)
    fig = rank_stability_chart(options, title="Ranks")
    assert ESCAPED[name] in list(fig.data[1].y)
    _once(fig, name)


@pytest.mark.parametrize("name", NAMES)
def test_evidence_charts_escape_group_names_and_titles(name):
    rows = pd.DataFrame({"title": [name], "unit": ["%"], "period": ["2021"], "ratio": [2.0],
                         "ratio_lower": [1.5], "ratio_upper": [2.5], "comparison": ["worse"],
                         "value_a": [10.0], "value_b": [5.0]})
    fig = gap_forest_chart(rows, group_a=name, group_b="the rest")
    assert list(fig.data[0].y) == [f"{ESCAPED[name]} (2021)"]
    assert fig.layout.title.text == f"Ratio of {ESCAPED[name]} to the rest"
    _once(fig, name)
    gradient = pd.DataFrame({"indicator_id": ["x", "x"], "title": [name, name], "unit": ["%"] * 2,
                             "decile": [1, 2], "value": [2.0, 1.0], "lower_ci": [1.0, 0.5],
                             "upper_ci": [3.0, 1.5], "fitted": [2.0, 1.0]})
    fig = inequality_chart(gradient, title=f"Gradient in {name}")
    assert fig.layout.title.text == f"Gradient in {ESCAPED[name]}"
    _once(fig, name)
