"""Charts of steps 3-5: forecast fans against target trajectories, option re-forecasts,
cost-effectiveness and the stability of the option ranking.

Pure functions: frames in, a :class:`plotly.graph_objects.Figure` out (notebooks show them with
:func:`pipeline.reporting.display.show_figure`). Colour is never the only signal: every series
also has its own marker symbol or line dash and a legend entry, bars carry text labels, and
interval bands are named in the legend and in a note under the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.errors import NoData
from pipeline.reporting.chart_style import (
    FONT,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    _rgba,
    plot_text,
)
from pipeline.reporting.format import plot_label_text
from pipeline.schema import require_text

HEIGHT = 460
HISTORY_COLOUR = "#000000"
PROJECTION_COLOUR = SERIES_COLOURS[0]
TARGET_COLOUR = SERIES_COLOURS[1]
BAND_ALPHA = {0.95: 0.14, 0.80: 0.30}


def wrap_title(text: str, width: int = 70) -> str:
    """A plain chart title as plotly text: broken into lines of at most ``width`` characters
    (joined with ``<br>``), each line escaped once with
    :func:`pipeline.reporting.format.plot_label_text`."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(plot_label_text(line) for line in lines)


def _layout(fig: go.Figure, title: str, height: int = HEIGHT, legend_below: bool = True
            ) -> go.Figure:
    wrapped = wrap_title(title)
    top = 40 + 22 * (wrapped.count("<br>") + 1)
    fig.update_layout(
        title=dict(text=wrapped, x=0, xanchor="left"), height=height, font=FONT,
        template="plotly_white", margin=dict(l=70, r=30, t=top, b=150 if legend_below else 60),
        legend=(dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0)
                if legend_below else dict(orientation="h", yanchor="bottom", y=1.0,
                                          xanchor="left", x=0)),
    )
    return fig


def _need(df: pd.DataFrame, columns: Sequence[str], function: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{function} expects a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{function}: missing column(s) {', '.join(missing)}")


def _band(fig: go.Figure, x: Sequence[Any], lower: Sequence[float], upper: Sequence[float],
          colour: str, alpha: float, name: str, group: str, show: bool = True) -> None:
    fig.add_trace(go.Scatter(
        x=list(x) + list(x)[::-1], y=list(upper) + list(lower)[::-1], fill="toself", mode="lines",
        fillcolor=_rgba(colour, alpha), line=dict(width=0), hoverinfo="skip", name=name,
        legendgroup=group, showlegend=show,
    ))


def forecast_chart(
    history: pd.DataFrame,
    projection: pd.DataFrame,
    trajectory: pd.Series,
    *,
    target_value: float,
    target_period: int,
    title: str,
    y_label: str,
    history_label: str = "Recorded",
    latest: tuple[str, float, float] | None = None,
) -> go.Figure:
    """History, the projection fan (80% and 95% prediction intervals) and the target trajectory.

    Parameters
    ----------
    history
        Observed yearly values: ``period`` (year) and ``value``.
    projection
        :func:`pipeline.steps.target_forecast.projection_table`: ``period``, ``central``, ``lower_80``,
        ``upper_80``, ``lower_95``, ``upper_95`` (may be empty: then no fan is drawn).
    trajectory
        The straight line from the baseline to the target, indexed by year.
    target_value, target_period
        The target (drawn as a star).
    title, y_label
        Plain-English title and axis title (with the unit).
    history_label
        Legend text of the observed values.
    latest
        Optional ``(label, x, value)`` of a recorded value between the yearly ones, e.g. the
        12 months to the latest month (``("12 months to October 2022", 2022.83, 4.0)``).
    """
    _need(history, ["period", "value"], "forecast_chart")
    _need(projection, ["period", "central", "lower_80", "upper_80", "lower_95", "upper_95"],
          "forecast_chart")
    title, y_label = require_text(title, "title"), plot_text(y_label, "y_label")
    history_label = plot_text(history_label, "history_label")
    if history.empty:
        raise NoData("forecast_chart: no history to plot", what=title)
    fig = go.Figure()
    if not projection.empty:
        x = projection["period"].astype(int).tolist()
        _band(fig, x, projection["lower_95"], projection["upper_95"], PROJECTION_COLOUR,
              BAND_ALPHA[0.95], "95% prediction interval", "p95")
        _band(fig, x, projection["lower_80"], projection["upper_80"], PROJECTION_COLOUR,
              BAND_ALPHA[0.80], "80% prediction interval", "p80")
        last = history.dropna(subset=["value"]).iloc[-1]
        start = [] if int(last["period"]) in x else [int(last["period"])]
        fig.add_trace(go.Scatter(
            x=start + x, y=([float(last["value"])] if start else []) +
            projection["central"].astype(float).tolist(),
            mode="lines+markers", name="Projection (central)",
            line=dict(color=PROJECTION_COLOUR, dash="dash", width=2.5),
            marker=dict(symbol="circle-open", size=8, color=PROJECTION_COLOUR),
            hovertemplate="Projection %{x}: %{y:,.4~g}<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=history["period"].astype(int).tolist(), y=history["value"].astype(float).tolist(),
        mode="lines+markers", name=history_label,
        line=dict(color=HISTORY_COLOUR, width=2.5),
        marker=dict(symbol="square", size=9, color=HISTORY_COLOUR),
        hovertemplate=f"{history_label} %{{x}}: %{{y:,.4~g}}<extra></extra>",
    ))
    if latest is not None:
        label, position, value = latest
        label = plot_text(label, "the latest value's label")
        fig.add_trace(go.Scatter(
            x=[float(position)], y=[float(value)], mode="markers", name=f"Recorded: {label}",
            marker=dict(symbol="square-open", size=11, color=HISTORY_COLOUR,
                        line=dict(width=2)),
            hovertemplate=f"{label}: %{{y:,.4~g}}<extra></extra>",
        ))
    line = trajectory.dropna()
    if len(line):
        fig.add_trace(go.Scatter(
            x=[int(p) for p in line.index], y=line.astype(float).tolist(), mode="lines",
            name="Target trajectory (straight line)",
            line=dict(color=TARGET_COLOUR, dash="dot", width=2.5),
            hovertemplate="Trajectory %{x}: %{y:,.4~g}<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=[int(target_period)], y=[float(target_value)], mode="markers+text", name="Target",
        marker=dict(symbol="star", size=16, color=TARGET_COLOUR,
                    line=dict(color="#000000", width=1)),
        text=["Target"], textposition="top center",
        hovertemplate="Target %{x}: %{y:,.4~g}<extra></extra>",
    ))
    _layout(fig, title, HEIGHT + 60)
    years = [int(p) for p in history["period"]] + [int(target_period)]
    fig.update_xaxes(title_text="Year", tickformat="d",
                     dtick=1 if max(years) - min(years) <= 12 else None)
    fig.update_yaxes(title_text=y_label)
    if not projection.empty:
        fig.add_annotation(
            text="Shaded bands: where the value is expected to fall, 8 times in 10 (darker) and "
                 "19 times in 20 (lighter)", xref="paper", yref="paper", x=0, y=-0.42,
            showarrow=False, xanchor="left", font=dict(size=11))
    return fig


def scenario_chart(
    paths: pd.DataFrame,
    labels: Mapping[str, str],
    trajectory: pd.Series,
    *,
    target_value: float,
    target_period: int,
    title: str,
    y_label: str,
    band_scenario: str = "bau",
) -> go.Figure:
    """Re-forecasts with options applied: one line per scenario (its median), the band of the
    reference scenario (80% of simulated futures), the target trajectory and the target.

    Parameters
    ----------
    paths
        :func:`pipeline.pages.appraisal.scenario_paths`: ``scenario``, ``period``, ``central``,
        ``lower_80``, ``upper_80``.
    labels
        Scenario id -> legend label, in drawing order (only these are drawn).
    band_scenario
        The scenario whose 80% band is shaded (business as usual by default).
    """
    _need(paths, ["scenario", "period", "central", "lower_80", "upper_80"], "scenario_chart")
    title, y_label = require_text(title, "title"), plot_text(y_label, "y_label")
    if not labels:
        raise ValueError("scenario_chart: no scenarios to draw")
    unknown = [s for s in labels if s not in set(paths["scenario"])]
    if unknown:
        raise ValueError(f"scenario_chart: no paths for scenario '{unknown[0]}'")
    fig = go.Figure()
    if band_scenario in labels:
        part = paths[paths["scenario"] == band_scenario]
        _band(fig, part["period"].astype(int).tolist(), part["lower_80"], part["upper_80"],
              HISTORY_COLOUR, 0.12,
              f"{plot_label_text(labels[band_scenario])}: 80% of simulated futures", "band")
    for i, (scenario, plain) in enumerate(labels.items()):
        part = paths[paths["scenario"] == scenario]
        label = plot_label_text(plain)
        colour = HISTORY_COLOUR if scenario == band_scenario else \
            SERIES_COLOURS[(i + 1) % len(SERIES_COLOURS)]
        fig.add_trace(go.Scatter(
            x=part["period"].astype(int).tolist(), y=part["central"].astype(float).tolist(),
            mode="lines+markers", name=label,
            line=dict(color=colour, dash=SERIES_DASHES[i % len(SERIES_DASHES)], width=2.5),
            marker=dict(symbol=SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)], size=8, color=colour),
            hovertemplate=f"{label} %{{x}}: %{{y:,.4~g}}<extra></extra>",
        ))
    line = trajectory.dropna()
    fig.add_trace(go.Scatter(
        x=[int(p) for p in line.index], y=line.astype(float).tolist(), mode="lines",
        name="Target trajectory", line=dict(color=TARGET_COLOUR, dash="dot", width=2),
        hovertemplate="Trajectory %{x}: %{y:,.4~g}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[int(target_period)], y=[float(target_value)], mode="markers", name="Target",
        marker=dict(symbol="star", size=16, color=TARGET_COLOUR,
                    line=dict(color="#000000", width=1)),
        hovertemplate="Target %{x}: %{y:,.4~g}<extra></extra>",
    ))
    _layout(fig, title, HEIGHT + 80)
    fig.update_xaxes(title_text="Year", dtick=1, tickformat="d")
    fig.update_yaxes(title_text=y_label)
    return fig


def cost_effectiveness_chart(table: pd.DataFrame, *, title: str, unit: str) -> go.Figure:
    """Discounted cost per unit of gap closed, one bar per option, cheapest first.

    Parameters
    ----------
    table
        ``option`` (plain title), ``cost_per_unit`` (pounds; ``inf`` = closes nothing) and
        ``gap_closed``.
    unit
        The unit of the gap (e.g. ``'per 1,000 residents'``), for the axis title.

    Options that close none of the gap are listed under the chart's bars with the words
    "closes none of the gap" instead of a bar.
    """
    _need(table, ["option", "cost_per_unit", "gap_closed"], "cost_effectiveness_chart")
    title, unit = require_text(title, "title"), plot_text(unit, "unit")
    if table.empty:
        raise ValueError("cost_effectiveness_chart: no options to plot")
    finite = table[np.isfinite(table["cost_per_unit"].astype(float))]
    finite = finite.sort_values(["cost_per_unit", "option"], ascending=[False, True])
    none = [plot_label_text(o) for o in
            sorted(table.loc[~np.isfinite(table["cost_per_unit"].astype(float)), "option"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=finite["option"].map(plot_label_text).tolist() + none, x=finite["cost_per_unit"].astype(float).tolist()
        + [0.0] * len(none), orientation="h",
        marker=dict(color=PROJECTION_COLOUR, pattern=dict(shape="/")),
        text=[f"£{v:,.0f}" for v in finite["cost_per_unit"]] + ["closes none of the gap"] * len(none),
        textposition="outside", cliponaxis=False, name="Cost per unit of gap closed",
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    _layout(fig, title, max(300, 110 + 55 * len(table)), legend_below=False)
    fig.update_layout(showlegend=False, margin=dict(l=20, r=140, b=60))
    fig.update_xaxes(title_text=f"Discounted cost (£) per unit of gap closed ({unit})",
                     tickprefix="£", separatethousands=True)
    fig.update_yaxes(automargin=True)
    return fig


def rank_stability_chart(table: pd.DataFrame, *, title: str) -> go.Figure:
    """How stable each option's rank is when the weights vary: the rank with the agreed weights
    (a marker), the range of ranks in 90% of simulated weight sets (a line) and how often the
    option ranks first (text).

    Parameters
    ----------
    table
        ``option``, ``rank``, ``rank_p05``, ``rank_p95``, ``p_first`` (0-1).
    """
    _need(table, ["option", "rank", "rank_p05", "rank_p95", "p_first"], "rank_stability_chart")
    title = require_text(title, "title")
    if table.empty:
        raise ValueError("rank_stability_chart: no options to plot")
    ordered = table.sort_values(["rank", "option"], ascending=[False, True])
    options = ordered["option"].map(plot_label_text).tolist()
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=ordered["rank_p95"].astype(float).tolist(), y=options,
        mode="markers", marker=dict(symbol="line-ns-open", size=14, color=PROJECTION_COLOUR),
        showlegend=False, hoverinfo="skip",
        error_x=dict(type="data", symmetric=False, array=[0] * len(ordered),
                     arrayminus=(ordered["rank_p95"] - ordered["rank_p05"]).astype(float).tolist(),
                     color=PROJECTION_COLOUR, thickness=3, width=0),
        name="Range of ranks (90% of weight sets)",
    ))
    fig.add_trace(go.Scatter(
        x=ordered["rank"].astype(float).tolist(), y=options,
        mode="markers", name="Rank with the agreed weights",
        marker=dict(symbol="diamond", size=13, color=TARGET_COLOUR,
                    line=dict(color="#000000", width=1)),
        hovertemplate="%{y}: rank %{x}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="Range of ranks in 90% of "
                             "simulated weight sets", line=dict(color=PROJECTION_COLOUR, width=3)))
    n = int(max(table["rank_p95"].max(), len(table)))
    fig.add_trace(go.Scatter(
        x=[n + 1.0] * len(ordered), y=options, mode="text",
        text=[f"first in {p:.0%}" for p in ordered["p_first"]], textposition="middle right",
        name="Share of weight sets ranking it first", showlegend=False, hoverinfo="skip",
    ))
    _layout(fig, title, max(360, 200 + 55 * len(table)))
    fig.update_xaxes(title_text="Rank (1 = best)", range=[0.5, n + 2.6], autorange=False,
                     tickvals=list(range(1, n + 1)))
    fig.update_yaxes(automargin=True)
    return fig


__all__ = ["cost_effectiveness_chart", "forecast_chart", "rank_stability_chart",
           "scenario_chart", "wrap_title"]
