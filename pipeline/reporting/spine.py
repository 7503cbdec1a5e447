"""Charts of the locality profile: the Fingertips-style spine chart and the trend panels.

A spine chart shows many indicators of one area at once, each on its own row and its own scale:
a grey bar for the spread of the county's LSOAs (light grey from the worst to the 25th
percentile and from the 75th percentile to the best, dark grey between the quartiles), the
benchmark as a red line in the centre, and the area's value as a marker whose colour **and**
shape say whether it is significantly better, similar or worse than the benchmark
(:mod:`pipeline.stats.compare`). Worse is always on the left. The rows come from
:func:`pipeline.steps.spine.spine_data`; this module only draws them.

Figures are pure and deterministic (no random ids, rows in the order given). Callers pass plain
text; names and labels are escaped here, once, as they go into the figure (see
:mod:`pipeline.reporting.chart_style`), so the names in ``area_order`` match the frame's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.reporting.format import plot_label_text
from pipeline.schema import require_columns as _require
from pipeline.stats import COMPARISON_CATEGORIES, COMPARISON_COLOURS, COMPARISON_SYMBOLS

#: Plotly marker symbols of the comparison categories (shape as well as colour).
COMPARISON_MARKERS: dict[str, str] = {
    "better": "triangle-up",
    "similar": "circle",
    "worse": "triangle-down",
    "higher": "arrow-bar-up",
    "lower": "arrow-bar-down",
    "not compared": "circle-open",
}

#: Legend wording of the comparison categories.
COMPARISON_LEGEND: dict[str, str] = {
    "better": "better than the benchmark",
    "similar": "similar to the benchmark",
    "worse": "worse than the benchmark",
    "higher": "higher than the benchmark (no judgement)",
    "lower": "lower than the benchmark (no judgement)",
    "not compared": "not compared (no confidence interval)",
}

SPREAD_OUTER = "#D9D9D9"
SPREAD_INNER = "#8C8C8C"
BENCHMARK_COLOUR = "#C00000"
DISTRICT_STYLE = dict(symbol="diamond-open", size=11, color="#000000", line=dict(width=2))
COUNTY_STYLE = dict(symbol="square-open", size=10, color="#5E3C99", line=dict(width=2))
ROW_HEIGHT = 26
TITLE_SPACE = 48
LEGEND_LINE = 21
AXIS_LABEL_SPACE = 34
FONT = dict(family="Arial, Helvetica, sans-serif", size=12)

SPINE_REQUIRED = [
    "indicator_id", "title", "period", "unit", "polarity", "value", "lower_ci", "upper_ci",
    "district_value", "county_value", "england_value", "benchmark", "benchmark_value",
    "comparison", "worst", "q25", "q75", "best", "x_worst", "x_q25", "x_q75", "x_best",
    "x_value", "x_district", "x_county",
]


def _number(value: Any) -> str:
    """A value for hover text: separators from 1,000, 1 decimal from 1, 3 below; or a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    number = float(value)
    size = abs(number)
    return f"{number:,.0f}" if size >= 1000 else f"{number:,.1f}" if size >= 1 or size == 0 \
        else f"{number:.3f}"




def row_labels(spine: pd.DataFrame) -> list[str]:
    """Each row's label: the indicator title with its period unless the title names it."""
    return [plot_label_text(t) if str(t).rstrip().endswith(f"({p})") else plot_label_text(f"{t} ({p})")
            for t, p in zip(spine["title"], spine["period"], strict=True)]


def spine_chart(
    spine: pd.DataFrame,
    *,
    title: str,
    locality_name: str,
    district_name: str,
    county_name: str,
    england_name: str = "England",
) -> go.Figure:
    """A Fingertips-style spine chart of one locality's indicators.

    Parameters
    ----------
    spine
        Rows of :func:`pipeline.steps.spine.spine_data`, in display order (top first).
    title
        The chart title (plain text; escaped here).
    locality_name, district_name, county_name, england_name
        Names for the legend and hover text (escaped here).

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal bars (the county LSOA spread), the benchmark marks, district and county
        markers and one marker trace per comparison category present (legend: shape, colour
        and words). Height grows with the number of rows.

    Raises
    ------
    ValueError
        Missing columns, no rows, or an unknown comparison label.
    """
    _require(spine, SPINE_REQUIRED, "spine_chart")
    if spine.empty:
        raise ValueError("spine_chart: no indicators to draw")
    unknown = sorted(set(spine["comparison"].astype(str)) - set(COMPARISON_CATEGORIES))
    if unknown:
        raise ValueError(f"spine_chart: unknown comparison label(s) {unknown}")
    labels = row_labels(spine)
    locality, district = plot_label_text(locality_name), plot_label_text(district_name)
    county, england = plot_label_text(county_name), plot_label_text(england_name)
    benchmark_names = spine["benchmark"].map({"England": england, "county": county}).fillna("")
    units = [plot_label_text(u) for u in spine["unit"]]

    fig = go.Figure()
    segments = (  # positions, values, colour, hover name, legend entry
        ("x_worst", "x_q25", "worst", "q25", SPREAD_OUTER,
         f"{county} LSOAs, worst to 25th percentile",
         f"{county} neighbourhoods (LSOAs): worst and best quarters"),
        ("x_q25", "x_q75", "q25", "q75", SPREAD_INNER,
         f"{county} LSOAs, 25th to 75th percentile",
         f"{county} neighbourhoods (LSOAs): middle half (25th to 75th percentile)"),
        ("x_q75", "x_best", "q75", "best", SPREAD_OUTER,
         f"{county} LSOAs, 75th percentile to best", ""),
    )
    for start, end, low, high, colour, name, entry in segments:
        base = spine[start].to_numpy(float)
        width = spine[end].to_numpy(float) - base
        hover = [f"{label}<br>{name}: {_number(a)} to {_number(b)} {u}"
                 for label, a, b, u in zip(labels, spine[low], spine[high], units, strict=True)]
        fig.add_trace(go.Bar(
            y=labels, x=np.nan_to_num(width, nan=0.0), base=np.nan_to_num(base, nan=0.5),
            orientation="h", marker=dict(color=colour, line=dict(width=0)),
            name=entry or name, width=0.6, hovertext=hover, hoverinfo="text",
            legendgroup=colour, showlegend=bool(entry),
        ))
    fig.add_trace(go.Scatter(
        y=labels, x=[0.5] * len(labels), mode="markers", name=f"Benchmark: {england} where "
        f"available, otherwise {county} (centre line)",
        marker=dict(symbol="line-ns", size=22, color=BENCHMARK_COLOUR,
                    line=dict(width=3, color=BENCHMARK_COLOUR)),
        hovertext=[f"{label}<br>Benchmark ({b or 'none'}): {_number(v)} {u}" for label, b, v, u
                   in zip(labels, benchmark_names, spine["benchmark_value"], units, strict=True)],
        hoverinfo="text",
    ))
    fig.add_trace(go.Scatter(
        y=labels, x=spine["x_county"].to_numpy(float), mode="markers", name=f"{county} (county)",
        marker=COUNTY_STYLE,
        hovertext=[f"{label}<br>{county}: {_number(v)} {u}" for label, v, u in
                   zip(labels, spine["county_value"], units, strict=True)], hoverinfo="text",
    ))
    fig.add_trace(go.Scatter(
        y=labels, x=spine["x_district"].to_numpy(float), mode="markers",
        name=f"{district} (district)",
        marker=DISTRICT_STYLE,
        hovertext=[f"{label}<br>{district}: {_number(v)} {u}" for label, v, u in
                   zip(labels, spine["district_value"], units, strict=True)], hoverinfo="text",
    ))
    comparison = spine["comparison"].astype(str)
    for category in COMPARISON_CATEGORIES:
        part = comparison == category
        if not part.any():
            continue
        rows = spine[part]
        row_text = [labels[i] for i in np.flatnonzero(part.to_numpy())]
        hover = [
            f"{label}<br>{locality}: {_number(v)} {plot_label_text(u)}"
            f"<br>95% confidence interval: {_number(lo)} to {_number(hi)}"
            f"<br>{COMPARISON_SYMBOLS[category]} {COMPARISON_LEGEND[category]}"
            f"{' (' + b + ')' if b and category != 'not compared' else ''}"
            for label, v, u, lo, hi, b in zip(row_text, rows["value"], rows["unit"],
                                              rows["lower_ci"], rows["upper_ci"],
                                              benchmark_names[part], strict=True)]
        fig.add_trace(go.Scatter(
            y=row_text, x=rows["x_value"].to_numpy(float), mode="markers",
            name=f"{COMPARISON_SYMBOLS[category]} {COMPARISON_LEGEND[category]}",
            legendgroup="locality", legendgrouptitle=dict(text=f"{locality}:"),
            marker=dict(symbol=COMPARISON_MARKERS[category], size=13,
                        color=COMPARISON_COLOURS[category] if category != "not compared"
                        else "#333333", line=dict(width=1, color="#000000")),
            hovertext=hover, hoverinfo="text",
        ))
    # A vertical legend (one line per entry) between the title and the plot, so its height is
    # known: the top margin makes room for the title, the legend and the worse/better labels.
    entries = sum(1 for t in fig.data if t.showlegend is not False) + 1  # + group title
    legend_top = TITLE_SPACE
    top = legend_top + LEGEND_LINE * entries + AXIS_LABEL_SPACE
    height = top + ROW_HEIGHT * len(labels) + 30
    fig.update_layout(
        title=dict(text=plot_label_text(title), x=0, xanchor="left", y=1, yref="container",
                   yanchor="top", pad=dict(t=12)),
        height=height, font=FONT, template="plotly_white", barmode="overlay", bargap=0.4,
        margin=dict(l=20, r=20, t=top, b=30),
        legend=dict(orientation="v", yref="container", y=1 - legend_top / height,
                    yanchor="top", xanchor="left", x=0, font=dict(size=11), tracegroupgap=4,
                    itemsizing="constant", groupclick="toggleitem"),
        hoverlabel=dict(align="left"),
    )
    fig.update_yaxes(range=[len(labels) - 0.5, -0.5], categoryorder="array", categoryarray=labels,
                     automargin=True, tickfont=dict(size=11), showgrid=False)
    fig.update_xaxes(range=[-0.03, 1.03], showticklabels=False, showgrid=False, zeroline=False,
                     fixedrange=True)
    fig.add_shape(type="line", x0=0.5, x1=0.5, y0=0, y1=1, yref="paper",
                  line=dict(color=BENCHMARK_COLOUR, width=1, dash="dot"), layer="below")
    for x, anchor, text in ((0, "left", "◀ worse (lower, if no judgement)"),
                            (1, "right", "better (higher, if no judgement) ▶")):
        fig.add_annotation(text=text, x=x, y=1, xref="x", yref="paper", yanchor="bottom",
                           xanchor=anchor, showarrow=False, font=dict(size=11))
    return fig


def spine_summary(spine: pd.DataFrame, locality_name: str) -> str:
    """One or two plain sentences summarising a spine chart for its caption (counts of
    indicators better, similar and worse than the benchmark)."""
    _require(spine, ["comparison"], "spine_summary")
    counts = spine["comparison"].astype(str).value_counts()
    parts = [f"{counts.get(c, 0)} {COMPARISON_LEGEND[c].split(' (')[0]}"
             for c in ("worse", "similar", "better", "higher", "lower", "not compared")
             if counts.get(c, 0)]
    listed = ", ".join(parts) if parts else "none compared"
    return (f"{locality_name}'s {len(spine)} indicators against the benchmark (England where "
            f"available, otherwise the county): {listed}. Worse is always on the left.")


def trend_panels(
    trends: pd.DataFrame,
    *,
    title: str,
    area_order: Sequence[str] | None = None,
    columns: int = 3,
) -> go.Figure:
    """Small multiples: one panel per indicator, one line per area (the locality and its
    district), over the periods each indicator has.

    Parameters
    ----------
    trends
        Rows of :func:`pipeline.steps.locality_trends.trend_data` (``indicator_id, title, area_name,
        period, chart_value, chart_unit``), indicators in display order.
    title
        The chart title (escaped here).
    area_order
        Plain area names (as in ``area_name``) in line order (first = solid line with circles);
        default as they appear.
    columns
        Panels per row.

    Raises
    ------
    ValueError
        Missing columns, no rows, or ``columns`` below 1.
    """
    _require(trends, ["indicator_id", "title", "area_name", "period", "chart_value",
                      "chart_unit"], "trend_panels")
    if trends.empty:
        raise ValueError("trend_panels: no trends to draw")
    if columns < 1:
        raise ValueError(f"trend_panels: columns must be 1 or more, got {columns}")
    indicators = list(dict.fromkeys(trends["indicator_id"]))
    first = trends.drop_duplicates("indicator_id").set_index("indicator_id")
    areas = list(area_order) if area_order is not None else \
        list(dict.fromkeys(trends["area_name"]))
    rows = math.ceil(len(indicators) / columns)
    subtitles = [plot_label_text(f"{first.at[i, 'title']} ({first.at[i, 'chart_unit']})")
                 for i in indicators]
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=subtitles,
                        vertical_spacing=min(0.12, 0.5 / max(rows, 1)), horizontal_spacing=0.08)
    styles: Mapping[int, dict[str, str]] = {
        0: dict(color="#0072B2", dash="solid", symbol="circle"),
        1: dict(color="#D55E00", dash="dash", symbol="square"),
        2: dict(color="#009E73", dash="dot", symbol="diamond"),
    }
    for n, indicator in enumerate(indicators):
        row, col = divmod(n, columns)
        part = trends[trends["indicator_id"] == indicator]
        for i, area in enumerate(areas):
            line = part[part["area_name"] == area]
            if line.empty:
                continue
            style = styles[i % len(styles)]
            name = plot_label_text(area)
            fig.add_trace(go.Scatter(
                x=line["period"].astype(str).tolist(), y=line["chart_value"].to_numpy(float),
                mode="lines+markers", name=name, legendgroup=name, showlegend=n == 0,
                line=dict(color=style["color"], dash=style["dash"], width=2.5),
                marker=dict(symbol=style["symbol"], size=8, color=style["color"]),
                hovertext=[f"{name}<br>{p}: {_number(v)}" for p, v in
                           zip(line["period"], line["chart_value"], strict=True)],
                hoverinfo="text",
            ), row=row + 1, col=col + 1)
        if str(first.at[indicator, "chart_unit"]).startswith("%"):
            fig.update_yaxes(range=[0, 100], row=row + 1, col=col + 1)
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero")
    fig.update_annotations(font=dict(size=11))
    fig.update_layout(
        title=dict(text=plot_label_text(title), x=0, xanchor="left"), height=120 + 260 * rows,
        font=FONT, template="plotly_white", margin=dict(l=50, r=20, t=110, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="left", x=0),
    )
    return fig
