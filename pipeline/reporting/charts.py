"""Chart and map builders for the evidence packs: plotly figures from tidy frames.

Every function here is pure: frames in, a :class:`plotly.graph_objects.Figure` out, nothing
displayed or written (notebooks pass the figure to
:func:`pipeline.reporting.display.show_figure` with a fixed chart id and a text summary).

House rules for every figure:

- **Colour is never the only signal.** Series differ by colour *and* marker symbol and line
  dash; bars carry text labels or patterns; maps have hover text and outlines, and the page
  gives a text summary.
- **Colour-blind-safe palettes**: the Okabe-Ito qualitative palette for series, viridis for
  sequential map scales, and a blue-to-orange diverging scale for IMD deciles.
- **Offline and deterministic**: maps are ``go.Choropleth`` traces drawn from GeoJSON (no tiles,
  no base map), coordinates rounded to 5 decimal places (about 1 m) to keep pages small,
  areas sorted by code; no random ids.

Lines and bars are built here; choropleth maps in :mod:`pipeline.reporting.maps` and the shared
palettes, sizes and layout in :mod:`pipeline.reporting.chart_style`. Every name of those two
modules that pages use is importable from here as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.errors import NoData
from pipeline.reporting.chart_style import (
    BAR_PATTERNS,
    DEFAULT_HEIGHT,
    FONT,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    _base_layout,
    _ordered,
    _rgba,
    _style,
    format_number,
    plot_text,
)
from pipeline.reporting.format import plot_label_text
from pipeline.reporting.maps import (
    AREA_OUTLINE,
    COORDINATE_DECIMALS,
    HIGHLIGHT_OUTLINE,
    MAP_COLOUR_SCALE,
    MAP_HEIGHT,
    NO_DATA_COLOUR,
    choropleth_map,
    shapes_geojson,
)
from pipeline.schema import require_columns as _require_columns

__all__ = [
    "AREA_OUTLINE", "BAR_PATTERNS", "COORDINATE_DECIMALS", "DECILE_COLOURS",
    "DECILE_TEXT_COLOURS", "DEFAULT_HEIGHT", "FONT", "HIGHLIGHT_OUTLINE", "MAP_COLOUR_SCALE",
    "MAP_HEIGHT", "NO_DATA_COLOUR", "SERIES_COLOURS", "SERIES_DASHES", "SERIES_SYMBOLS",
    "age_structure_chart", "choropleth_map", "comparison_marker_chart",
    "decile_distribution_chart", "format_number", "grouped_bar_chart", "legend_text",
    "shapes_geojson", "trend_chart",
]

#: Colours of IMD deciles 1 (most deprived) to 10 (least): a colour-blind-safe diverging
#: scale (ColorBrewer RdYlBu, whose end colours stay distinct for the common colour-vision
#: deficiencies); segments are also labelled with their decile and share.
DECILE_COLOURS: tuple[str, ...] = (
    "#A50026", "#D73027", "#F46D43", "#FDAE61", "#FEE090",
    "#E0F3F8", "#ABD9E9", "#74ADD1", "#4575B4", "#313695",
)
#: Text colour readable on each decile colour.
DECILE_TEXT_COLOURS: tuple[str, ...] = (
    "#FFFFFF", "#FFFFFF", "#000000", "#000000", "#000000",
    "#000000", "#000000", "#000000", "#FFFFFF", "#FFFFFF",
)


# --------------------------------------------------------------------------------------------
# Lines and bars


def _require_rows(df: pd.DataFrame, builder: str, title: str = "") -> None:
    """Raise :class:`~pipeline.errors.NoData` (a ``ValueError``) naming the ``builder`` when
    there is nothing to plot; a page shows a sentence naming ``title`` instead."""
    if df.empty:
        raise NoData(f"{builder}: no rows to plot", what=title)


def _line_and_markers(style: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``line`` and ``marker`` of a series' scatter trace in its colour, dash and symbol."""
    return dict(line=dict(color=style["colour"], dash=style["dash"], width=2.5),
                marker=dict(symbol=style["symbol"], size=8, color=style["colour"]))


def trend_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    y_label: str,
    series: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    x_label: str = "",
    series_order: Sequence[Any] | None = None,
    y_range: Sequence[float] | None = None,
    interval_label: str = "95% confidence interval",
) -> go.Figure:
    """Lines over time, one per series, with an optional shaded interval band.

    Parameters
    ----------
    df
        Tidy rows: one per series x period.
    x, y
        Period and value columns (periods are plotted in the order of ``df`` within a series,
        so sort first; strings such as ``"2019"`` or ``"2021-05"`` are treated as categories
        unless they parse as numbers).
    series
        Column naming each line (e.g. area name); ``None`` = one line.
    lower, upper
        Interval columns; both or neither. Drawn as a translucent band around the line.
    title, y_label, x_label
        Plain-English chart title and axis titles.
    series_order
        Order of the lines (default: as they first appear).
    y_range
        Fixed y-axis range (e.g. ``[0, 100]``); default automatic.
    interval_label
        Legend text of the band.

    Raises
    ------
    ValueError
        Missing columns, only one of lower/upper, or an empty frame.
    """
    _require_columns(df, [x, y, series, lower, upper], "trend_chart")
    _require_rows(df, "trend_chart", title)
    title, y_label = plot_text(title, "title"), plot_text(y_label, "y_label")
    interval_label = plot_text(interval_label, "interval_label")
    if (lower is None) != (upper is None):
        raise ValueError("trend_chart: give both lower and upper interval columns, or neither")
    groups = _ordered(df[series], series_order) if series is not None else [None]
    fig = go.Figure()
    for i, name in enumerate(groups):
        part = df if name is None else df[df[series] == name]
        style = _style(i)
        label = y_label if name is None else plot_label_text(name)
        if lower is not None:
            band = part[part[lower].notna() & part[upper].notna()]
            if not band.empty:
                fig.add_trace(go.Scatter(
                    x=list(band[x]) + list(band[x])[::-1],
                    y=list(band[upper]) + list(band[lower])[::-1],
                    fill="toself", fillcolor=_rgba(style["colour"], 0.18),
                    line=dict(width=0), hoverinfo="skip", showlegend=False,
                    name=f"{label}: {interval_label}", legendgroup=label,
                ))
        custom = None
        hover = f"{label}<br>%{{x}}: %{{y:,.4~g}}<extra></extra>"
        if lower is not None:
            custom = np.column_stack([part[lower].to_numpy(float), part[upper].to_numpy(float)])
            hover = (f"{label}<br>%{{x}}: %{{y:,.4~g}}<br>{interval_label}: "
                     "%{customdata[0]:,.4~g} to %{customdata[1]:,.4~g}<extra></extra>")
        fig.add_trace(go.Scatter(
            x=list(part[x]), y=part[y].to_numpy(float), mode="lines+markers", name=label,
            legendgroup=label, customdata=custom, hovertemplate=hover,
            **_line_and_markers(style),
        ))
    _base_layout(fig, title, DEFAULT_HEIGHT)
    fig.update_xaxes(title_text=x_label or None)
    fig.update_yaxes(title_text=y_label, range=list(y_range) if y_range is not None else None)
    if lower is not None:
        fig.add_annotation(text=f"Shaded band: {interval_label}", xref="paper", yref="paper",
                           x=0, y=-0.18, showarrow=False, xanchor="left", font=dict(size=11))
    return fig


def grouped_bar_chart(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    value_label: str,
    group: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    horizontal: bool = True,
    category_order: Sequence[Any] | None = None,
    group_order: Sequence[Any] | None = None,
    text_format: str = ",.1f",
) -> go.Figure:
    """Bars per category, grouped by ``group`` (e.g. district vs county), with error bars.

    Groups differ by colour and fill pattern, and each bar is labelled with its value.

    Parameters
    ----------
    df
        Tidy rows: one per category x group.
    category, value
        Category (bar labels) and value columns.
    group
        Column of the groups compared side by side; ``None`` = one set of bars.
    lower, upper
        Confidence limit columns (both or neither), drawn as error bars.
    horizontal
        Horizontal bars (long category names read better); ``False`` for vertical.
    category_order, group_order
        Display orders (default: as they first appear; horizontal bars list the first
        category at the top).
    text_format
        d3 format of the value labels (shown at the bar ends when there are no error bars).
    """
    _require_columns(df, [category, value, group, lower, upper], "grouped_bar_chart")
    _require_rows(df, "grouped_bar_chart", title)
    title, value_label = plot_text(title, "title"), plot_text(value_label, "value_label")
    if (lower is None) != (upper is None):
        raise ValueError("grouped_bar_chart: give both lower and upper, or neither")
    categories = _ordered(df[category], category_order)
    groups = _ordered(df[group], group_order) if group is not None else [None]
    category_labels = [plot_label_text(c) for c in categories]
    fig = go.Figure()
    for i, name in enumerate(groups):
        part = df if name is None else df[df[group] == name]
        part = part.set_index(category).reindex(categories)
        style = _style(i)
        vals = part[value].to_numpy(float)
        error = None
        if lower is not None:
            error = dict(type="data", symmetric=False, color="#333333", thickness=1.5, width=4,
                         array=(part[upper].to_numpy(float) - vals),
                         arrayminus=(vals - part[lower].to_numpy(float)))
        label = value_label if name is None else plot_label_text(name)
        axis = dict(y=category_labels, x=vals, orientation="h", error_x=error) if horizontal \
            else dict(x=category_labels, y=vals, error_y=error)
        # Value labels only without error bars (they would collide); hover and the table
        # beside the chart give the values either way.
        labels = dict(texttemplate=f"%{{{'x' if horizontal else 'y'}:{text_format}}}",
                      textposition="outside", cliponaxis=False) if error is None else {}
        fig.add_trace(go.Bar(
            **axis, name=label, marker=dict(color=style["colour"],
                                            pattern=dict(shape=style["pattern"], solidity=0.3)),
            **labels,
            hovertemplate=f"{label}<br>%{{{'y' if horizontal else 'x'}}}: "
                          f"%{{{'x' if horizontal else 'y'}:{text_format}}}<extra></extra>",
        ))
    height = max(DEFAULT_HEIGHT, 90 + 28 * len(categories) * max(1, len(groups))) \
        if horizontal else DEFAULT_HEIGHT
    _base_layout(fig, title, min(height, 1400))
    fig.update_layout(barmode="group")
    if horizontal:
        fig.update_yaxes(autorange="reversed", categoryorder="array",
                         categoryarray=category_labels, ticksuffix="  ")
        fig.update_xaxes(title_text=value_label)
    else:
        fig.update_xaxes(categoryorder="array", categoryarray=category_labels)
        fig.update_yaxes(title_text=value_label)
    return fig


def age_structure_chart(
    df: pd.DataFrame,
    *,
    band: str,
    share: str,
    area: str,
    title: str,
    area_order: Sequence[str] | None = None,
    value_label: str = "% of residents",
) -> go.Figure:
    """Age structure: the first area as bars, comparators as lines with markers on top.

    The usual way to set a district's age profile against its county's: bars for the area,
    a marked line for each comparator (so the two are told apart by shape, not colour).

    Parameters
    ----------
    df
        One row per area x age band; ``share`` is the percentage of the area's residents.
    band, share, area
        Age band label, share and area name columns (bands plotted in the order given).
    area_order
        First = the bars; the rest = lines. Default: as they first appear.
    """
    _require_columns(df, [band, share, area], "age_structure_chart")
    _require_rows(df, "age_structure_chart", title)
    title = plot_text(title, "title")
    value_label = plot_text(value_label, "value_label")
    areas = _ordered(df[area], area_order)
    bands = list(dict.fromkeys(df[band].tolist()))
    band_labels = [plot_label_text(b) for b in bands]
    fig = go.Figure()
    for i, area_name in enumerate(areas):
        part = df[df[area] == area_name].set_index(band).reindex(bands)
        style = _style(i)
        name = plot_label_text(area_name)
        hover = f"{name}<br>Age %{{x}}: %{{y:.1f}}%<extra></extra>"
        if i == 0:
            fig.add_trace(go.Bar(x=band_labels, y=part[share].to_numpy(float), name=name,
                                 marker=dict(color=_rgba(style["colour"], 0.75)),
                                 hovertemplate=hover))
        else:
            fig.add_trace(go.Scatter(
                x=band_labels, y=part[share].to_numpy(float), name=name, mode="lines+markers",
                **_line_and_markers(style),
                hovertemplate=hover))
    _base_layout(fig, title, DEFAULT_HEIGHT)
    fig.update_xaxes(title_text="Age band (years)", categoryorder="array",
                     categoryarray=band_labels)
    fig.update_yaxes(title_text=value_label, rangemode="tozero")
    return fig


def decile_distribution_chart(
    df: pd.DataFrame,
    *,
    edition: str,
    decile: str,
    share: str,
    title: str,
    value_label: str = "% of the area's neighbourhoods (LSOAs)",
) -> go.Figure:
    """Stacked bars: the share of an area's LSOAs in each national IMD decile, per edition.

    Deciles (not raw ranks) are compared across IoD editions, because ranks of different
    editions run over different numbers of LSOAs. Decile 1 (the most deprived 10% in England)
    sits at the bottom of each bar; each segment is labelled with its share, and the legend
    names the deciles, so the chart reads without colour.

    Parameters
    ----------
    df
        One row per edition x decile (1-10); ``share`` in percent (0-100).
    edition, decile, share
        Column names.
    """
    _require_columns(df, [edition, decile, share], "decile_distribution_chart")
    _require_rows(df, "decile_distribution_chart", title)
    title = plot_text(title, "title")
    value_label = plot_text(value_label, "value_label")
    deciles = pd.to_numeric(df[decile], errors="coerce")
    if deciles.isna().any() or not deciles.between(1, 10).all() or (deciles % 1 != 0).any():
        raise ValueError("decile_distribution_chart: deciles must be whole numbers from 1 to 10")
    editions = [str(e) for e in dict.fromkeys(df[edition].tolist())]
    frame = df.assign(_edition=df[edition].astype(str), _decile=deciles.astype(int))
    edition_labels = [plot_label_text(e) for e in editions]
    fig = go.Figure()
    for d in range(1, 11):
        part = frame[frame["_decile"] == d].set_index("_edition").reindex(editions)
        vals = part[share].fillna(0).to_numpy(float)
        label = f"Decile {d}" + (" (most deprived)" if d == 1 else
                                 " (least deprived)" if d == 10 else "")
        fig.add_trace(go.Bar(
            x=edition_labels, y=vals, name=label,
            marker=dict(color=DECILE_COLOURS[d - 1], line=dict(color="#FFFFFF", width=0.5)),
            text=[f"{d}: {v:.0f}%" if v >= 4 else "" for v in vals], textposition="inside",
            insidetextanchor="middle",
            textfont=dict(color=DECILE_TEXT_COLOURS[d - 1], size=11),
            hovertemplate=f"IoD %{{x}}<br>{label}: %{{y:.1f}}%<extra></extra>",
        ))
    _base_layout(fig, title, 520)
    fig.update_layout(barmode="stack", legend=dict(orientation="v", x=1.02, y=1, yanchor="top",
                                                   traceorder="normal"))
    fig.update_xaxes(title_text="Edition of the English Indices of Deprivation", type="category")
    fig.update_yaxes(title_text=value_label, range=[0, 100])
    return fig


def comparison_marker_chart(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    lower: str,
    upper: str,
    benchmark: str,
    title: str,
    value_label: str,
    benchmark_label: str,
    symbols: str | None = None,
) -> go.Figure:
    """Each category's value with its interval (a dot and whisker) against a benchmark mark.

    Useful for breakdowns (ethnic groups, religions) of one area against its county: the
    area's value and 95% interval as a point with error bars, the benchmark as an open
    diamond. ``symbols`` may name a column of comparison symbols (▲ ● ▼) added to the labels.
    """
    _require_columns(df, [category, value, lower, upper, benchmark, symbols],
                     "comparison_marker_chart")
    _require_rows(df, "comparison_marker_chart", title)
    title = plot_text(title, "title")
    value_label = plot_text(value_label, "value_label")
    benchmark_label = plot_text(benchmark_label, "benchmark_label")
    labels = df[category].astype(str)
    if symbols is not None:
        labels = labels + " " + df[symbols].fillna("").astype(str)
    labels = labels.map(plot_label_text).tolist()
    vals = df[value].to_numpy(float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        y=labels, x=vals, mode="markers", name=value_label,
        marker=dict(symbol="circle", size=10, color=SERIES_COLOURS[0]),
        error_x=dict(type="data", symmetric=False, array=df[upper].to_numpy(float) - vals,
                     arrayminus=vals - df[lower].to_numpy(float), color=SERIES_COLOURS[0]),
        hovertemplate="%{y}: %{x:.1f}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        y=labels, x=df[benchmark].to_numpy(float), mode="markers", name=benchmark_label,
        marker=dict(symbol="diamond-open", size=12, color=SERIES_COLOURS[1],
                    line=dict(width=2)),
        hovertemplate=f"{benchmark_label}<br>%{{y}}: %{{x:.1f}}<extra></extra>",
    ))
    _base_layout(fig, title, max(DEFAULT_HEIGHT, 110 + 32 * len(labels)))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    fig.update_xaxes(title_text=value_label, rangemode="tozero")
    return fig


def legend_text(mapping: Mapping[str, str]) -> str:
    """One line explaining symbols (``"▲ better · ● similar · ▼ worse"``) for captions."""
    return " · ".join(f"{symbol} {meaning}" for meaning, symbol in mapping.items())
