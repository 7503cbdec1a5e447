"""Chart and map builders: offline choropleths from GeoJSON, accessible line and bar charts."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from shapely.geometry import box

from pipeline.reporting.charts import (
    DECILE_COLOURS,
    HIGHLIGHT_OUTLINE,
    NO_DATA_COLOUR,
    age_structure_chart,
    choropleth_map,
    comparison_marker_chart,
    decile_distribution_chart,
    format_number,
    grouped_bar_chart,
    shapes_geojson,
    trend_chart,
)
from pipeline.reporting.display import figure_html


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Three 0.01-degree squares near Loughborough, with more than 5 decimals."""
    return gpd.GeoDataFrame(
        {"lsoa_code": ["E01000003", "E01000001", "E01000002"]},
        geometry=[box(-1.2012345678, 52.7, -1.19, 52.71),
                  box(-1.22, 52.7, -1.2012345678, 52.71),
                  box(-1.21, 52.71, -1.2, 52.7212345678)],
        crs="EPSG:4326",
    )


@pytest.fixture
def values() -> pd.Series:
    return pd.Series({"E01000001": 10.0, "E01000002": 42.123, "E01000003": np.nan})


def _map(squares, values, **kwargs) -> go.Figure:
    return choropleth_map(squares, values, title="IMD score", colour_label="Score", **kwargs)


# --------------------------------------------------------------------------------------------
# Maps


def test_choropleth_is_offline_geojson_with_hidden_base_map(squares, values):
    fig = _map(squares, values)
    types = [t.type for t in fig.data]
    assert set(types) == {"choropleth"}
    for trace in fig.data:
        assert trace.featureidkey == "properties.code"
        assert trace.geojson["type"] == "FeatureCollection"
    assert fig.layout.geo.visible is False
    assert fig.layout.geo.fitbounds == "locations"
    html = figure_html(fig, "baseline-map-imd", "A map.")  # passes the offline check
    assert 'id="baseline-map-imd"' in html
    assert "mapbox" not in html


def test_choropleth_values_colour_bar_and_no_data_layer(squares, values):
    fig = _map(squares, values)
    blank, shaded = fig.data
    assert list(blank.locations) == ["E01000003"]  # the area without a value, in grey
    assert blank.colorscale[0][1] == NO_DATA_COLOUR and blank.showscale is False
    assert list(shaded.locations) == ["E01000001", "E01000002"]
    assert list(shaded.z) == [10.0, 42.123]
    assert shaded.colorbar.title.text == "Score"
    assert shaded.colorscale[0][1].startswith("#440154")  # viridis ...
    assert shaded.reversescale is True  # ... with higher values darker
    # each trace carries only its own shapes (page size)
    assert [f["id"] for f in shaded.geojson["features"]] == ["E01000001", "E01000002"]


def test_choropleth_reverse_colours_makes_low_values_dark(squares, values):
    assert _map(squares, values, reverse_colours=True).data[1].reversescale is False


def test_choropleth_hover_text_names_and_values(squares, values):
    names = pd.Series({"E01000001": "Charnwood 001A", "E01000002": "Charnwood 001B"})
    fig = _map(squares, values, hover_names=names)
    blank, shaded = fig.data
    assert list(shaded.text) == ["Charnwood 001A<br>Score: 10", "Charnwood 001B<br>Score: 42.1"]
    assert list(blank.text) == ["E01000003<br>Score: no value"]  # default name: the code


def test_choropleth_highlight_draws_a_thick_outline_with_a_legend_entry(squares, values):
    fig = _map(squares, values, highlight=["E01000002"])
    outline = fig.data[2]
    assert outline.type == "choropleth" and list(outline.locations) == ["E01000002"]
    assert outline.marker.line.width == HIGHLIGHT_OUTLINE[1] > fig.data[1].marker.line.width
    assert outline.hoverinfo == "skip"
    legend = fig.data[3]
    assert legend.type == "scattergeo" and legend.showlegend
    assert "outline" in legend.name


def test_choropleth_coordinates_rounded_and_sorted_deterministically(squares, values):
    gj = shapes_geojson(squares)
    assert [f["id"] for f in gj["features"]] == ["E01000001", "E01000002", "E01000003"]
    coords = np.array(gj["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 5))
    assert -1.20123 in coords[:, 0]
    shuffled = squares.iloc[[2, 0, 1]]
    first = pio.to_json(_map(squares, values))
    second = pio.to_json(_map(shuffled, values.iloc[::-1]))
    assert first == second


def test_choropleth_accepts_index_as_code_and_converts_crs(squares, values):
    by_index = squares.set_index("lsoa_code").to_crs(27700)
    fig = _map(by_index, values)
    lon = np.array(fig.data[1].geojson["features"][0]["geometry"]["coordinates"][0])[:, 0]
    assert lon.min() == pytest.approx(-1.22, abs=1e-4)


def test_choropleth_rejects_bad_inputs(squares, values):
    with pytest.raises(ValueError, match="coordinate reference system"):
        _map(squares.set_crs(None, allow_override=True), values)
    with pytest.raises(ValueError, match="without a shape"):
        _map(squares, pd.Series({"E01999999": 1.0}))
    with pytest.raises(ValueError, match="highlight"):
        _map(squares, values, highlight=["E01999999"])
    with pytest.raises(ValueError, match="title"):
        choropleth_map(squares, values, title=" ", colour_label="Score")
    with pytest.raises(TypeError, match="Series"):
        _map(squares, values.to_dict())
    with pytest.raises(ValueError, match="twice"):
        _map(pd.concat([squares, squares.iloc[:1]]), values)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        _map(pd.DataFrame(squares), values)


def test_choropleth_of_a_real_district_is_small_enough():
    from pipeline.config import load_area_config
    from pipeline.geography import lsoa_boundaries

    boundaries = lsoa_boundaries(load_area_config())  # the shipped boundary file
    shapes = boundaries[boundaries["lad_code"] == "E07000130"]
    values = pd.Series(np.arange(len(shapes), dtype=float), index=shapes["lsoa_code"].to_numpy())
    fig = choropleth_map(shapes, values, title="Test", colour_label="Value",
                         highlight=shapes["lsoa_code"].iloc[:3])
    html = figure_html(fig, "map", "A map of Charnwood's 99 LSOAs.")
    assert len(shapes) == 99
    assert len(html) < 250_000  # each shape is written once (plus the three outlined)


# --------------------------------------------------------------------------------------------
# Lines and bars


@pytest.fixture
def series() -> pd.DataFrame:
    return pd.DataFrame({
        "area": ["Charnwood"] * 3 + ["Leicestershire"] * 3,
        "period": ["2017", "2019", "2020"] * 2,
        "value": [10.0, 11.0, 12.0, 9.0, 9.5, 10.0],
        "lower": [9.0, 10.0, 11.0, 8.5, 9.0, 9.5],
        "upper": [11.0, 12.0, 13.0, 9.5, 10.0, 10.5],
    })


def test_trend_chart_lines_differ_by_symbol_and_dash_with_bands(series):
    fig = trend_chart(series, x="period", y="value", series="area", lower="lower",
                      upper="upper", title="Rate", y_label="Per 1,000")
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in lines] == ["Charnwood", "Leicestershire"]
    assert lines[0].marker.symbol != lines[1].marker.symbol
    assert lines[0].line.dash != lines[1].line.dash
    assert len(bands) == 2
    assert list(bands[0].y) == [11.0, 12.0, 13.0, 11.0, 10.0, 9.0]  # upper, then lower back
    assert "95% confidence interval" in fig.layout.annotations[0].text


def test_trend_chart_series_order_and_single_line(series):
    fig = trend_chart(series, x="period", y="value", series="area", title="Rate", y_label="Rate",
                      series_order=["Leicestershire", "Charnwood"])
    assert [t.name for t in fig.data] == ["Leicestershire", "Charnwood"]
    one = trend_chart(series.iloc[:3], x="period", y="value", title="Rate", y_label="Rate")
    assert len(one.data) == 1


def test_trend_chart_rejects_bad_inputs(series):
    with pytest.raises(ValueError, match="both lower and upper"):
        trend_chart(series, x="period", y="value", lower="lower", title="T", y_label="Y")
    with pytest.raises(ValueError, match="'missing'"):
        trend_chart(series, x="period", y="missing", title="T", y_label="Y")
    with pytest.raises(ValueError, match="no rows"):
        trend_chart(series.iloc[:0], x="period", y="value", title="T", y_label="Y")


def test_grouped_bar_chart_error_bars_and_patterns(series):
    fig = grouped_bar_chart(series, category="period", value="value", group="area",
                            lower="lower", upper="upper", title="Rate", value_label="Rate")
    assert [t.name for t in fig.data] == ["Charnwood", "Leicestershire"]
    first = fig.data[0]
    assert first.orientation == "h"
    assert list(first.error_x.array) == [1.0, 1.0, 1.0]
    assert fig.data[0].marker.pattern.shape != fig.data[1].marker.pattern.shape
    assert fig.layout.barmode == "group"
    plain = grouped_bar_chart(series, category="period", value="value", group="area",
                              title="Rate", value_label="Rate", horizontal=False)
    assert plain.data[0].texttemplate == "%{y:,.1f}"  # labelled when there are no error bars


def test_grouped_bar_chart_rejects_bad_inputs(series):
    with pytest.raises(ValueError, match="both lower and upper"):
        grouped_bar_chart(series, category="period", value="value", upper="upper",
                          title="T", value_label="V")
    with pytest.raises(ValueError, match="'nope'"):
        grouped_bar_chart(series, category="nope", value="value", title="T", value_label="V")


def test_age_structure_chart_bars_for_the_area_line_for_comparators():
    ages = pd.DataFrame({"band": ["0-15", "16-64", "65+"] * 2,
                         "share": [17.0, 65.0, 18.0, 18.0, 61.5, 20.5],
                         "area": ["Charnwood"] * 3 + ["Leicestershire"] * 3})
    fig = age_structure_chart(ages, band="band", share="share", area="area", title="Ages")
    assert [t.type for t in fig.data] == ["bar", "scatter"]
    assert list(fig.data[0].x) == ["0-15", "16-64", "65+"]
    assert list(fig.data[1].y) == [18.0, 61.5, 20.5]
    with pytest.raises(ValueError, match="no rows"):
        age_structure_chart(ages.iloc[:0], band="band", share="share", area="area", title="A")


def test_decile_distribution_chart_stacks_ten_labelled_deciles():
    rows = pd.DataFrame({"edition": ["2019"] * 2 + ["2025"] * 2, "decile": [1, 10, 2, 10],
                         "share": [25.0, 75.0, 50.0, 50.0]})
    fig = decile_distribution_chart(rows, edition="edition", decile="decile", share="share",
                                    title="Deciles")
    assert len(fig.data) == 10 and fig.layout.barmode == "stack"
    assert fig.data[0].name == "Decile 1 (most deprived)"
    assert fig.data[0].marker.color == DECILE_COLOURS[0]
    assert list(fig.data[0].y) == [25.0, 0.0]
    assert list(fig.data[0].text) == ["1: 25%", ""]  # labelled in text, not only colour
    assert list(fig.data[9].y) == [75.0, 50.0]
    with pytest.raises(ValueError, match="whole numbers from 1 to 10"):
        decile_distribution_chart(rows.assign(decile=[1, 11, 2, 10]), edition="edition",
                                  decile="decile", share="share", title="Deciles")


def test_comparison_marker_chart_value_interval_and_benchmark():
    rows = pd.DataFrame({"group": ["Asian", "Black"], "value": [12.4, 1.5],
                         "lower": [12.3, 1.4], "upper": [12.6, 1.6], "county": [8.2, 1.1],
                         "symbol": ["↑", "↑"]})
    fig = comparison_marker_chart(rows, category="group", value="value", lower="lower",
                                  upper="upper", benchmark="county", title="Ethnic group",
                                  value_label="% of residents", benchmark_label="County",
                                  symbols="symbol")
    assert list(fig.data[0].y) == ["Asian ↑", "Black ↑"]
    assert fig.data[1].marker.symbol == "diamond-open"
    with pytest.raises(ValueError, match="'county'"):
        comparison_marker_chart(rows.drop(columns="county"), category="group", value="value",
                                lower="lower", upper="upper", benchmark="county", title="T",
                                value_label="V", benchmark_label="B")


@pytest.mark.parametrize("value, text", [(188416.0, "188,416"), (12.345, "12.3"),
                                         (0.0202, "0.020"), (np.nan, "no value"),
                                         (-0.5, "-0.500")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_figures_serialise_to_plain_json(squares, values):
    fig = _map(squares, values, highlight=["E01000001"])
    data = json.loads(pio.to_json(fig))
    assert data["layout"]["geo"]["visible"] is False
