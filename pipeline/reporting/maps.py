"""Choropleth maps of small areas for the evidence packs, drawn offline from the areas' shapes.

Maps are ``go.Choropleth`` traces drawn from GeoJSON (no tiles, no base map), coordinates
rounded to 5 decimal places (about 1 m) to keep pages small, areas sorted by code; no random
ids. Areas without a value are light grey and highlighted areas get a thick outline with a
legend entry, so the map does not rely on colour alone; the page adds a text summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from pipeline.reporting.chart_style import _base_layout, format_number, plot_text
from pipeline.reporting.format import plot_label_text

#: Sequential scale for maps: viridis is perceptually uniform and colour-blind safe.
MAP_COLOUR_SCALE = "Viridis"
#: Fill for areas without a value on a map.
NO_DATA_COLOUR = "#D9D9D9"
#: Outline of every area, and the thicker outline of highlighted areas.
AREA_OUTLINE = ("#FFFFFF", 0.5)
HIGHLIGHT_OUTLINE = ("#000000", 2.5)

COORDINATE_DECIMALS = 5
MAP_HEIGHT = 560


def _codes_of(shapes: gpd.GeoDataFrame) -> pd.Series:
    if "lsoa_code" in shapes.columns:
        return shapes["lsoa_code"].astype(str)
    return pd.Series(shapes.index.astype(str), index=shapes.index)


def shapes_geojson(shapes: gpd.GeoDataFrame, decimals: int = COORDINATE_DECIMALS) -> dict:
    """GeoJSON FeatureCollection of the shapes (EPSG:4326, lon/lat), one feature per code,
    sorted by code, coordinates rounded to ``decimals``; each feature has ``id`` and
    ``properties.code`` set to the area code."""
    if not isinstance(shapes, gpd.GeoDataFrame):
        raise TypeError(f"shapes must be a GeoDataFrame, got {type(shapes).__name__}")
    if shapes.crs is None:
        raise ValueError("shapes have no coordinate reference system; expected EPSG:4326 "
                         "(longitude/latitude)")
    if shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    codes = _codes_of(shapes)
    if codes.duplicated().any():
        raise ValueError(f"shapes: area code {codes[codes.duplicated()].iloc[0]!r} appears twice")
    order = np.argsort(codes.to_numpy(), kind="stable")
    geoms = shapely.transform(shapes.geometry.to_numpy()[order],
                              lambda xy: np.round(xy, decimals))
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code},
         "geometry": shapely.geometry.mapping(geom)}
        for code, geom in zip(codes.to_numpy()[order], geoms)
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def choropleth_map(
    shapes: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    colour_label: str,
    highlight: Iterable[str] | None = None,
    hover_names: pd.Series | None = None,
    reverse_colours: bool = False,
    highlight_label: str = "Priority neighbourhood (thick outline)",
) -> go.Figure:
    """A map of small areas shaded by a value, drawn offline from the areas' shapes.

    Parameters
    ----------
    shapes
        The areas to draw: ``lsoa_code`` column (or the index as the code) and ``geometry``
        in EPSG:4326 (other CRSs are converted). Every shape is drawn; shapes without a value
        are light grey.
    values
        Value per area, indexed by code. Codes that have no shape are an error.
    title, colour_label
        Map title and the colour bar's title (the measure and its unit); plain text, like
        every name given (escaped here for plotly).
    highlight
        Codes to outline thickly (e.g. the priority neighbourhoods' LSOAs); a legend entry
        (``highlight_label``) says what the outline means.
    hover_names
        Area name per code, shown in the hover text with the value (default: the code).
    reverse_colours
        By default higher values are darker; ``True`` makes lower values darker (for deciles
        and ranks, where 1 = most deprived).
    highlight_label
        Legend text for the highlighted outline.

    Returns
    -------
    plotly.graph_objects.Figure
        ``go.Choropleth`` traces on a ``geo`` subplot with the base map hidden and the view
        fitted to the shapes.

    Raises
    ------
    ValueError
        Shapes without a CRS or with duplicate codes, values for codes without a shape,
        highlight codes without a shape, or an empty title/label.
    """
    title = plot_text(title, "title")
    colour_label = plot_text(colour_label, "colour_label")
    highlight_label = plot_text(highlight_label, "highlight_label")
    if not isinstance(values, pd.Series):
        raise TypeError(f"values must be a pandas Series indexed by area code, "
                        f"got {type(values).__name__}")
    geojson = shapes_geojson(shapes)
    codes = [f["id"] for f in geojson["features"]]
    known = set(codes)
    values = pd.to_numeric(values, errors="coerce")
    values.index = values.index.astype(str)
    if values.index.duplicated().any():
        raise ValueError(f"values: area code {values.index[values.index.duplicated()][0]!r} "
                         "appears twice")
    unknown = sorted(set(values.index) - known)
    if unknown:
        raise ValueError(f"values given for {len(unknown)} area(s) without a shape, e.g. "
                         f"{unknown[0]!r}")
    highlighted = sorted({str(c) for c in highlight}) if highlight is not None else []
    missing = [c for c in highlighted if c not in known]
    if missing:
        raise ValueError(f"highlight: {len(missing)} code(s) without a shape, e.g. {missing[0]!r}")

    names = pd.Series(codes, index=codes, dtype=object)
    if hover_names is not None:
        given = hover_names.copy()
        given.index = given.index.astype(str)
        names.update(given[given.index.isin(known)].astype(str))
    names = names.map(plot_label_text)
    value_by_code = values.reindex(codes)
    has_value = value_by_code.notna()

    def subset(wanted: Sequence[str]) -> dict:
        # Each trace carries only its own shapes, so no shape is written twice (page size).
        keep = set(wanted)
        return {"type": "FeatureCollection",
                "features": [f for f in geojson["features"] if f["id"] in keep]}

    fig = go.Figure()
    blank = [c for c in codes if not has_value[c]]
    if blank:  # areas without a value, in grey, so they are visible too
        fig.add_trace(go.Choropleth(
            geojson=subset(blank), featureidkey="properties.code", locations=blank,
            z=[0] * len(blank), colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False, marker_line_color=AREA_OUTLINE[0],
            marker_line_width=AREA_OUTLINE[1],
            text=[f"{names[c]}<br>{colour_label}: no value" for c in blank],
            hovertemplate="%{text}<extra></extra>", name="No value", showlegend=False,
        ))
    shown = [c for c in codes if has_value[c]]
    if shown:
        z = value_by_code[shown].to_numpy(dtype=float)
        fig.add_trace(go.Choropleth(
            geojson=subset(shown), featureidkey="properties.code", locations=shown, z=z,
            colorscale=MAP_COLOUR_SCALE, reversescale=not reverse_colours,
            marker_line_color=AREA_OUTLINE[0], marker_line_width=AREA_OUTLINE[1],
            colorbar=dict(title=dict(text=colour_label, side="right"), thickness=15),
            text=[f"{names[c]}<br>{colour_label}: {format_number(v)}" for c, v in zip(shown, z)],
            hovertemplate="%{text}<extra></extra>", name=colour_label, showlegend=False,
        ))
    if highlighted:
        fig.add_trace(go.Choropleth(
            geojson=subset(highlighted), featureidkey="properties.code", locations=highlighted,
            z=[1] * len(highlighted), colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            showscale=False, marker_line_color=HIGHLIGHT_OUTLINE[0],
            marker_line_width=HIGHLIGHT_OUTLINE[1], hoverinfo="skip", name=highlight_label,
            showlegend=False,
        ))
        # An empty line trace gives the outline a legend entry (choropleths have none).
        fig.add_trace(go.Scattergeo(
            lon=[None], lat=[None], mode="lines", name=highlight_label,
            line=dict(color=HIGHLIGHT_OUTLINE[0], width=HIGHLIGHT_OUTLINE[1]),
            showlegend=True, hoverinfo="skip",
        ))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    _base_layout(fig, title, MAP_HEIGHT)
    fig.update_layout(margin=dict(l=10, r=10, t=70, b=10))
    return fig
