"""Charts of the evidence page (step 2): the gap forest plot and the deprivation gradient.

Pure builders: frames in, a plotly Figure out (the notebook shows them with
:func:`pipeline.reporting.display.show_figure`, a fixed chart id and a text summary). Colour is
never the only signal: comparison categories have their own marker shapes (and the symbols of
:data:`pipeline.stats.COMPARISON_SYMBOLS` in the hover text and legend), the fitted line is
dashed, and every chart has a legend or labelled axes. Text from data is escaped for plotly,
which reads a few HTML tags in labels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.errors import NoData
from pipeline.reporting.format import plot_label_text
from pipeline.schema import require_columns as _require
from pipeline.stats import COMPARISON_COLOURS, COMPARISON_SYMBOLS

#: Gap chart and gradient chart ids, fixed so pages are byte-identical between runs.
GAP_CHART_ID = "evidence-gap-ratios"
INEQUALITY_CHART_ID = "evidence-inequality-gradient"
NEED_MAP_ID = "evidence-multiple-need-map"

#: Marker shapes per comparison category (a shape for each, so colour is not needed).
COMPARISON_MARKERS: dict[str, str] = {
    "worse": "triangle-down",
    "better": "triangle-up",
    "similar": "circle",
    "higher": "triangle-up-open",
    "lower": "triangle-down-open",
    "not compared": "circle-open",
}
#: Legend wording per category ("... than the rest").
COMPARISON_LEGEND: dict[str, str] = {
    "worse": "significantly worse",
    "better": "significantly better",
    "similar": "not significantly different",
    "higher": "significantly higher",
    "lower": "significantly lower",
    "not compared": "not compared",
}
FONT = dict(family="Arial, Helvetica, sans-serif", size=13)
POINT_COLOUR = "#0072B2"
LINE_COLOUR = "#D55E00"
ROW_HEIGHT = 26
#: Ratio axis ticks (log scale), those within the data's range are used.
RATIO_TICKS = (0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=plot_label_text(title), x=0, xanchor="left"),
        height=height, font=FONT, template="plotly_white",
        margin=dict(l=20, r=30, t=90, b=60),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )
    return fig


def gap_forest_chart(rows: pd.DataFrame, *, group_a: str, group_b: str,
                     title: str = "") -> go.Figure:
    """Forest plot of the ratio of group A to group B for each indicator, with 95% intervals.

    Parameters
    ----------
    rows
        One row per indicator: ``title, unit, period, ratio, ratio_lower, ratio_upper,
        comparison, value_a, value_b`` (e.g. :func:`pipeline.steps.gaps.gap_chart_rows`),
        drawn top to bottom in the order given.
    group_a, group_b
        The two groups' names (``"Charnwood's priority neighbourhoods"``, ``"the rest of
        Charnwood"``), for the axis and hover text.
    title
        Chart title (default: built from the group names).

    Returns
    -------
    plotly.graph_objects.Figure
        Markers shaped and coloured by comparison (one legend entry per category present),
        horizontal error bars, a dashed line at 1 (no difference), log ratio axis.

    Raises
    ------
    ValueError
        Missing columns or an unknown comparison category.
    """
    _require(rows, ["title", "unit", "period", "ratio", "ratio_lower", "ratio_upper",
                    "comparison", "value_a", "value_b"], "gap_forest_chart")
    unknown = sorted(set(rows["comparison"].astype(str)) - set(COMPARISON_MARKERS))
    if unknown:
        raise ValueError(f"gap_forest_chart: unknown comparison(s) {unknown}")
    labels = [f"{plot_label_text(t)} ({plot_label_text(p)})" if str(p) not in str(t) else plot_label_text(t)
              for t, p in zip(rows["title"], rows["period"], strict=True)]
    frame = rows.assign(_label=labels).reset_index(drop=True)
    fig = go.Figure()
    for category in COMPARISON_MARKERS:  # a handful of categories, each one trace
        part = frame[frame["comparison"].astype(str) == category]
        if part.empty:
            continue
        hover = [
            f"{label}<br>{COMPARISON_SYMBOLS[category]} {COMPARISON_LEGEND[category]}<br>"
            f"Ratio {_number(r)} (95% CI {_number(lo)} to {_number(hi)})<br>"
            f"{plot_label_text(group_a)}: {_number(a)} {plot_label_text(unit)}<br>{plot_label_text(group_b)}: {_number(b)}"
            for label, r, lo, hi, a, b, unit in zip(
                part["_label"], part["ratio"], part["ratio_lower"], part["ratio_upper"],
                part["value_a"], part["value_b"], part["unit"], strict=True)]
        fig.add_trace(go.Scatter(
            x=part["ratio"], y=part["_label"], mode="markers",
            name=f"{COMPARISON_SYMBOLS[category]} {COMPARISON_LEGEND[category]}",
            marker=dict(symbol=COMPARISON_MARKERS[category], size=11,
                        color=COMPARISON_COLOURS[category], line=dict(color="#000000", width=1)),
            error_x=dict(type="data", symmetric=False, color="#555555", thickness=1.5,
                         array=part["ratio_upper"] - part["ratio"],
                         arrayminus=part["ratio"] - part["ratio_lower"]),
            text=hover, hovertemplate="%{text}<extra></extra>", showlegend=True,
        ))
    fig.add_vline(x=1, line=dict(color="#000000", dash="dash", width=1))
    height = 170 + ROW_HEIGHT * max(len(frame), 1)
    _layout(fig, title or f"Ratio of {group_a} to {group_b}", height)
    low = float(np.nanmin(np.r_[frame["ratio_lower"].to_numpy(float), 1.0]))
    high = float(np.nanmax(np.r_[frame["ratio_upper"].to_numpy(float), 1.0]))
    ticks = [t for t in RATIO_TICKS if low / 1.5 <= t <= high * 1.5]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks],
                     title_text=plot_label_text(
                         f"Ratio: {group_a} / {group_b} (log scale; 1 = no difference)"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)),
                     automargin=True, title_text="")
    return fig


def inequality_chart(gradient: pd.DataFrame, *, title: str = "",
                     columns: int = 2) -> go.Figure:
    """Small multiples: each indicator's value by county deprivation decile with the fitted
    slope index of inequality line.

    Parameters
    ----------
    gradient
        :func:`pipeline.steps.gaps.decile_gradient` rows (``indicator_id, title, unit,
        decile, value, lower_ci, upper_ci, fitted``), panels in the order given.
    title
        Chart title.
    columns
        Panels per row.

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per indicator: markers with 95% interval bars per decile and the dashed
        fitted line; decile axis 1 (most deprived) to 10.

    Raises
    ------
    ValueError
        Missing columns, no rows, or ``columns`` below 1.
    """
    _require(gradient, ["indicator_id", "title", "unit", "decile", "value", "lower_ci",
                        "upper_ci", "fitted"], "inequality_chart")
    if gradient.empty:
        raise NoData("inequality_chart: no indicator to chart", what=title)
    if columns < 1:
        raise ValueError("columns must be at least 1")
    ids = list(dict.fromkeys(gradient["indicator_id"]))
    rows_needed = math.ceil(len(ids) / columns)
    first = gradient.drop_duplicates("indicator_id").set_index("indicator_id")
    titles = [f"{plot_label_text(first.loc[i, 'title'])} ({plot_label_text(first.loc[i, 'unit'])})" for i in ids]
    fig = make_subplots(rows=rows_needed, cols=columns, subplot_titles=titles,
                        horizontal_spacing=0.1, vertical_spacing=0.5 / rows_needed)
    for n, indicator in enumerate(ids):  # one panel per indicator (a handful)
        part = gradient[gradient["indicator_id"] == indicator]
        row, col = n // columns + 1, n % columns + 1
        hover = [f"Decile {d}: {_number(v)} (95% CI {_number(lo)} to {_number(hi)})"
                 for d, v, lo, hi in zip(part["decile"], part["value"], part["lower_ci"],
                                         part["upper_ci"], strict=True)]
        fig.add_trace(go.Scatter(
            x=part["decile"], y=part["value"], mode="markers", name="Value (95% CI)",
            legendgroup="value", showlegend=n == 0,
            marker=dict(symbol="circle", size=9, color=POINT_COLOUR),
            error_y=dict(type="data", symmetric=False, color=POINT_COLOUR, thickness=1.2,
                         array=(part["upper_ci"] - part["value"]).to_numpy(float),
                         arrayminus=(part["value"] - part["lower_ci"]).to_numpy(float)),
            text=hover, hovertemplate="%{text}<extra></extra>",
        ), row=row, col=col)
        fig.add_trace(go.Scatter(
            x=part["decile"], y=part["fitted"], mode="lines", name="Fitted slope (SII)",
            legendgroup="fitted", showlegend=n == 0,
            line=dict(color=LINE_COLOUR, dash="dash", width=2), hoverinfo="skip",
        ), row=row, col=col)
        fig.update_xaxes(tickmode="array", tickvals=list(range(1, 11)), range=[0.5, 10.5],
                         row=row, col=col,
                         title_text="County decile (1 = most deprived)"
                         if row == rows_needed else "")
        fig.update_yaxes(rangemode="tozero", row=row, col=col)
    height = 170 + 260 * rows_needed
    _layout(fig, title or "Values by the county's deprivation deciles", height)
    # The legend sits between the title and the panels (whose titles are at the top edge).
    fig.update_layout(margin=dict(t=140), legend=dict(y=1 + 40 / (height - 200)))
    return fig


def need_count_summary(counts: pd.Series, *, has_priority: bool = True) -> str:
    """One sentence describing the multiple-need map from the themes count per LSOA (and the
    outline of priority neighbourhoods when there are any)."""
    values = pd.to_numeric(counts, errors="coerce").dropna()
    if values.empty:
        return "No neighbourhood has data on the Quality of Life themes."
    most = int(values.max())
    with_three = int((values >= 3).sum())
    outline = " Priority neighbourhoods have a thick outline." if has_priority else ""
    return (f"The map shades each of the {len(values)} neighbourhoods (LSOAs) by the number of "
            f"Quality of Life themes on which it shows need (0 to {most}); {with_three} show need "
            f"on three or more.{outline}")


__all__ = [
    "COMPARISON_MARKERS", "GAP_CHART_ID", "INEQUALITY_CHART_ID", "NEED_MAP_ID",
    "gap_forest_chart", "inequality_chart", "need_count_summary",
]

