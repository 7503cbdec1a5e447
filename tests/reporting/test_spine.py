"""The spine chart and trend panels: deterministic figures, symbols as well as colours, escaped
names, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from pipeline.reporting.display import figure_html
from pipeline.reporting.spine import (
    COMPARISON_MARKERS,
    row_labels,
    spine_chart,
    spine_summary,
    trend_panels,
)
from pipeline.stats import COMPARISON_COLOURS, COMPARISON_SYMBOLS
from pipeline.steps.profile import spine_data, trend_data

HOSTILE = "<script>alert(1)</script>"
DISTRICT, COUNTY, ENGLAND = "E07000001", "E10000001", "E92000001"


def row(area, indicator, period, value, lower=np.nan, upper=np.nan):
    return {"area_code": area, "indicator_id": indicator, "period": period, "category": "",
            "value": value, "lower_ci": lower, "upper_ci": upper, "numerator": np.nan,
            "denominator": np.nan, "flag": ""}


@pytest.fixture()
def spine() -> pd.DataFrame:
    catalogue = pd.DataFrame({
        "id": ["worse_rate", "better_pct", "similar_pct", "mix_pct", "score"],
        "title": ["Burglary", "Degree-level qualifications (2011)", "Owner occupied",
                  "Muslim (2021)", "IMD score"],
        "unit": ["per 1,000 residents", "%", "%", "%", "score"],
        "polarity": ["higher_is_worse", "higher_is_better", "higher_is_better",
                     "no_judgement", "higher_is_worse"],
        "method": ["annual_rate", "ratio", "ratio", "ratio", "value"],
        "aggregation": ["ratio", "ratio", "ratio", "ratio", "pop_weighted_mean"],
        "qol_theme": ["community safety", "education and life-long learning", "housing",
                      "people and place", "economic well-being"],
    })
    locality = pd.DataFrame([
        row("loc", "worse_rate", "2021", 20.0, 18.0, 22.0),
        row("loc", "better_pct", "2011", 40.0, 38.0, 42.0),
        row("loc", "similar_pct", "2021", 50.0, 45.0, 55.0),
        row("loc", "mix_pct", "2021", 2.0, 1.5, 2.5),
        row("loc", "score", "2025", 30.0),
    ])
    lsoas = pd.DataFrame([row(f"L{i}", ind, per, v) for ind, per, values in (
        ("worse_rate", "2021", [1, 5, 9, 30]), ("better_pct", "2011", [10, 20, 30, 60]),
        ("similar_pct", "2021", [30, 45, 60, 90]), ("mix_pct", "2021", [0, 1, 3, 10]),
        ("score", "2025", [2, 10, 20, 50])) for i, v in enumerate(values)])
    comparators = pd.DataFrame(
        [row(DISTRICT, i, p, v) for i, p, v in (("worse_rate", "2021", 9.0),
                                                 ("better_pct", "2011", 30.0),
                                                 ("similar_pct", "2021", 55.0),
                                                 ("mix_pct", "2021", 3.0),
                                                 ("score", "2025", 15.0))]
        + [row(COUNTY, i, p, v) for i, p, v in (("worse_rate", "2021", 8.0),
                                               ("better_pct", "2011", 28.0),
                                               ("similar_pct", "2021", 52.0),
                                               ("mix_pct", "2021", 3.5),
                                               ("score", "2025", 14.0))]
        + [row(ENGLAND, "worse_rate", "2021", 10.0)])
    return spine_data(locality, lsoas, comparators, catalogue, district_code=DISTRICT,
                      county_code=COUNTY, england_code=ENGLAND)


def chart(spine, name="Loc"):
    return spine_chart(spine, title=f"{name} against the benchmark", locality_name=name,
                       district_name="District", county_name="Shire")


def test_spine_chart_is_deterministic_and_shows_every_row(spine):
    first, second = chart(spine).to_json(), chart(spine).to_json()
    assert first == second
    fig = chart(spine)
    labels = row_labels(spine)
    assert list(fig.layout.yaxis.categoryarray) == labels
    assert "Degree-level qualifications (2011)" in labels  # no doubled period
    assert "Burglary (2021)" in labels
    assert list(fig.layout.yaxis.range) == [len(spine) - 0.5, -0.5]  # top row first
    assert fig.layout.height > 26 * len(spine)
    assert chart(spine.iloc[:2]).layout.height < fig.layout.height
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 3 and all(t.orientation == "h" for t in bars)
    # the three bar segments tile the worst-to-best bar of each row
    base = np.asarray(bars[0].base, float)
    total = sum(np.asarray(t.x, float) for t in bars)
    np.testing.assert_allclose(base, spine["x_worst"].to_numpy(float))
    np.testing.assert_allclose(base + total, spine["x_best"].to_numpy(float))


def test_spine_chart_marks_comparisons_by_symbol_and_colour(spine):
    assert set(spine["comparison"]) == {"worse", "better", "similar", "lower", "not compared"}
    fig = chart(spine)
    markers = {t.name: t for t in fig.data if t.legendgroup == "locality"}
    assert len(markers) == 5
    assert {t.legendgrouptitle.text for t in markers.values()} == {"Loc:"}
    for category in ("worse", "better", "similar", "lower", "not compared"):
        trace = next(t for name, t in markers.items() if COMPARISON_SYMBOLS[category] in name)
        assert trace.marker.symbol == COMPARISON_MARKERS[category]
        if category != "not compared":
            assert trace.marker.color == COMPARISON_COLOURS[category]
        assert COMPARISON_SYMBOLS[category] in trace.hovertext[0]
    worse = next(t for t in markers.values() if "▼" in t.name)
    assert list(worse.y) == ["Burglary (2021)"]
    assert worse.x[0] == pytest.approx(spine.set_index("indicator_id").loc["worse_rate",
                                                                          "x_value"])
    names = [t.name for t in fig.data]
    assert "District (district)" in names and "Shire (county)" in names
    assert any(n.startswith("Benchmark: England where available") for n in names)


def test_spine_chart_escapes_names_and_publishes_without_raw_html(spine):
    fig = chart(spine, HOSTILE)
    assert fig.layout.title.text == "&lt;script&gt;alert(1)&lt;/script&gt; against the benchmark"
    titles = {t.legendgrouptitle.text for t in fig.data if t.legendgroup == "locality"}
    assert titles == {"&lt;script&gt;alert(1)&lt;/script&gt;:"}
    html = figure_html(fig, "spine-chart", spine_summary(spine, HOSTILE))
    assert HOSTILE not in html
    assert 'id="spine-chart"' in html


def test_spine_summary_counts(spine):
    text = spine_summary(spine, "Loc")
    assert text.startswith("Loc's 5 indicators against the benchmark")
    assert "1 worse than the benchmark" in text and "1 better than the benchmark" in text


def test_spine_chart_rejects_bad_input(spine):
    with pytest.raises(ValueError, match="no indicators"):
        chart(spine.iloc[0:0])
    with pytest.raises(ValueError, match="x_value"):
        chart(spine.drop(columns="x_value"))
    with pytest.raises(ValueError, match="unknown comparison"):
        chart(spine.assign(comparison="much worse"))
    with pytest.raises(TypeError):
        spine_chart([1, 2], title="t", locality_name="a", district_name="b", county_name="c")


def test_trend_panels_one_panel_per_indicator():
    catalogue = pd.DataFrame({"id": ["rate", "total"], "title": ["Burglary", "Total population"],
                              "unit": ["per 1,000 residents", "persons"],
                              "aggregation": ["ratio", "sum"]})
    rows = pd.DataFrame([row(a, i, p, v) for a, i, p, v in (
        ("loc", "rate", "2020", 5.0), ("loc", "rate", "2021", 6.0),
        ("dist", "rate", "2020", 3.0), ("dist", "rate", "2021", 3.5),
        ("loc", "total", "2017", 100.0), ("loc", "total", "2020", 110.0),
        ("dist", "total", "2017", 1000.0), ("dist", "total", "2020", 1010.0))])
    trends = trend_data(rows, catalogue, area_names={"loc": HOSTILE, "dist": "Dist"},
                        indicator_ids=("rate", "total"))
    fig = trend_panels(trends, title="Over time")
    assert fig.to_json() == trend_panels(trends, title="Over time").to_json()
    assert [a.text for a in fig.layout.annotations] == [
        "Burglary (per 1,000 residents)", "Total population (index, 2017 = 100)"]
    lines = [t for t in fig.data if t.type == "scatter"]
    assert len(lines) == 4 and sum(bool(t.showlegend) for t in lines) == 2
    assert lines[0].name == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert lines[0].marker.symbol != lines[1].marker.symbol  # not colour alone
    assert list(lines[2].y) == pytest.approx([100.0, 110.0])
    with pytest.raises(ValueError, match="no trends"):
        trend_panels(trends.iloc[0:0], title="x")
    with pytest.raises(ValueError, match="chart_value"):
        trend_panels(trends.drop(columns="chart_value"), title="x")
    assert isinstance(fig, go.Figure) and json.loads(fig.to_json())["layout"]["height"] == 380
