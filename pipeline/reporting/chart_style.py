"""Shared style of the pack's charts and maps: palettes, fonts, sizes, the common layout, and
the number format of hover text.

The house rules (colour never the only signal, colour-blind-safe palettes, offline and
deterministic figures) are described in :mod:`pipeline.reporting.charts`; the builders live
there (lines and bars) and in :mod:`pipeline.reporting.maps` (choropleth maps). The
``_``-prefixed helpers are internal to those two modules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from pipeline.reporting.format import plot_label_text
from pipeline.schema import require_text

#: Okabe-Ito palette (colour-blind safe), in the order series are coloured.
SERIES_COLOURS: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
)
#: Marker symbols paired with the colours, so series can be told apart without colour.
SERIES_SYMBOLS: tuple[str, ...] = (
    "circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "cross",
)
#: Line dashes paired with the colours.
SERIES_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot",
                                  "solid", "dash")
#: Bar fill patterns paired with the colours ("" = solid).
BAR_PATTERNS: tuple[str, ...] = ("", "/", ".", "x", "\\", "+", "-", "|")

DEFAULT_HEIGHT = 450
FONT = dict(family="Arial, Helvetica, sans-serif", size=13)


def plot_text(value: Any, what: str) -> str:
    """A required label given to a chart builder (title, axis or legend text), as it goes into
    the figure: non-empty (:func:`pipeline.schema.require_text`) and escaped once with
    :func:`pipeline.reporting.format.plot_label_text`. Callers pass plain text."""
    return plot_label_text(require_text(value, what))


def format_number(value: Any) -> str:
    """A number as readers see it in hover text: whole numbers with thousands separators,
    small values (below 1) to 3 decimals, others to 1 decimal; missing -> ``"no value"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "no value"
    number = float(value)
    if number == round(number) and abs(number) >= 1:
        return f"{number:,.0f}"
    if abs(number) < 1:
        return f"{number:,.3f}"
    return f"{number:,.1f}"


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        height=height,
        font=FONT,
        template="plotly_white",
        margin=dict(l=60, r=30, t=70, b=60),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )
    return fig


def _style(i: int) -> dict[str, str]:
    n = len(SERIES_COLOURS)
    return {"colour": SERIES_COLOURS[i % n], "symbol": SERIES_SYMBOLS[i % n],
            "dash": SERIES_DASHES[i % n], "pattern": BAR_PATTERNS[i % n]}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _ordered(values: pd.Series, order: Sequence[Any] | None) -> list[Any]:
    present = list(dict.fromkeys(values.tolist()))
    if order is None:
        return present
    return [v for v in order if v in present] + [v for v in present if v not in order]
