"""What notebooks call to show results: charts, maps, tables, key messages and notes.

Notebooks stay thin: a parameters cell, then short cells that compute with the package and call
one of these helpers. Each ``show_*`` helper displays one block and returns ``None`` (so nothing
is echoed twice); each has a pure ``*_html`` twin that returns the HTML, for tests and reuse.

Every displayed output carries the output metadata ``{"pipeline": {"kind": KIND, ...}}``
(:data:`OUTPUT_KEY`). :mod:`pipeline.reporting.export` publishes only outputs with this marker,
reads chart ids and key messages from it, and refuses anything else (a stray ``print`` or a
``DataFrame`` repr), so what a board member sees is always what these helpers made.

Everything that comes from data is escaped: a locality called ``<script>...</script>`` shows as
text. Charts use a deterministic ``div`` id (the ``chart_id`` the notebook passes), no plotly.js
inline (the page loads ``assets/plotly.min.js`` once), and no map tiles: maps are plotly
choropleths drawn from GeoJSON with the base map switched off.
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython.display import display

from pipeline.errors import NoData
from pipeline.reporting import template_environment
from pipeline.schema import require_text

OUTPUT_KEY = "pipeline"
"""Key of the output metadata that marks an output as made by these helpers."""

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
"""Also displayed with each chart so Jupyter can draw it while exploring; never published."""

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
DEFAULT_CHART_HEIGHT = 450
CHART_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")

MISSING_TEXT = "–"
"""Shown for a missing value that has no flag."""

FLAG_MEANINGS: dict[str, str] = {
    "[x]": "not available",
    "[c]": "suppressed to protect confidentiality (small numbers)",
    "[u]": "low reliability",
    "[e]": "estimated (converted between area vintages or modelled)",
}
FLAG_TOKEN = re.compile(r"\[[a-z]\]")

# Trace types that draw on web map tiles: they need the internet, so packs never use them.
TILE_TRACE_TYPES = frozenset({
    "scattermapbox", "choroplethmapbox", "densitymapbox", "scattermap", "choroplethmap",
    "densitymap",
})
# Location modes that look shapes up in plotly's world map files (fetched from the internet).
WORLD_LOCATION_MODES = frozenset({"ISO-3", "USA-states", "country names"})

NOTE_KINDS = {"note": "Note", "caution": "Caution"}

NumberFormat = str | Callable[[Any], str]


def _metadata(kind: str, **extra: Any) -> dict[str, Any]:
    return {OUTPUT_KEY: {"kind": kind, **extra}}


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------------------------
# Charts and maps


def _check_offline_figure(fig: go.Figure) -> go.Figure:
    """Return a copy of ``fig`` that draws without the internet, or raise ``ValueError``."""
    fig = go.Figure(fig)
    for trace in fig.data:
        if trace.type in TILE_TRACE_TYPES:
            raise ValueError(
                f"a '{trace.type}' trace needs web map tiles, which published packs cannot load: "
                "draw maps with go.Choropleth (GeoJSON shapes) instead")
        if trace.type == "choropleth":
            if trace.geojson is None:
                raise ValueError("a choropleth needs the area shapes as GeoJSON (geojson=...): "
                                 "plotly's built-in world shapes are fetched from the internet")
            if trace.locationmode in WORLD_LOCATION_MODES:
                raise ValueError(f"choropleth locationmode '{trace.locationmode}' uses plotly's "
                                 "world shapes; use locationmode='geojson-id'")
    # No base map (land, coastlines...) offline: geo subplots show only our shapes, fitted.
    for geo in fig.select_geos():
        geo.visible = False
        if geo.fitbounds is None:
            geo.fitbounds = "locations"
    return fig


def _published_figure(fig: go.Figure, chart_id: str, summary: str
                      ) -> tuple[str, dict[str, Any]]:
    """The ``<figure>`` HTML of :func:`figure_html` and the checked figure as a dict: the figure
    is checked and copied once, and both come from that one copy."""
    if not isinstance(fig, go.Figure):
        raise TypeError(f"show_figure expects a plotly Figure, got {type(fig).__name__}")
    if not isinstance(chart_id, str) or not CHART_ID.match(chart_id):
        raise ValueError(f"chart_id {chart_id!r} must be lower-case letters, digits, '-' or '_', "
                         "starting with a letter (at most 63 characters)")
    summary = require_text(summary, "summary")
    checked = _check_offline_figure(fig)
    height = int(checked.layout.height or DEFAULT_CHART_HEIGHT)
    fig_dict = checked.to_dict()
    plot = pio.to_html(
        fig_dict, validate=False, full_html=False, include_plotlyjs=False, div_id=chart_id,
        config=PLOTLY_CONFIG, default_width="100%", default_height=f"{height}px",
    )
    plot = plot.strip()
    body = (
        f'<figure class="chart" id="{chart_id}-figure">\n'
        f'<div class="chart-plot" aria-describedby="{chart_id}-summary">\n{plot}\n</div>\n'
        f'<figcaption id="{chart_id}-summary">{_escape(summary)}</figcaption>\n'
        "</figure>"
    )
    return body, fig_dict


def figure_html(fig: go.Figure, chart_id: str, summary: str) -> str:
    """The HTML of a chart as published: a ``<figure>`` with the plot and a text summary.

    Parameters
    ----------
    fig
        A plotly figure. Maps must be ``go.Choropleth``/``px.choropleth`` from GeoJSON (no tile
        maps); geo subplots are drawn without a base map and fitted to the shapes.
    chart_id
        The plot's ``div`` id, unique on its page: lower case letters, digits, ``-`` or ``_``,
        starting with a letter. Fixed ids make the HTML byte-identical between runs.
    summary
        One or two plain sentences saying what the chart shows (the ``<figcaption>``), for
        readers who cannot see the chart.

    Returns
    -------
    str
        ``<figure>`` HTML; plotly.js is not included (the page loads it once).
    """
    return _published_figure(fig, chart_id, summary)[0]


def show_figure(fig: go.Figure, chart_id: str, summary: str) -> None:
    """Display a plotly chart or map with a visible text summary (see :func:`figure_html`)."""
    body, fig_dict = _published_figure(fig, chart_id, summary)
    bundle = {
        "text/html": body,
        PLOTLY_MIMETYPE: {**json.loads(pio.to_json(fig_dict, validate=False)),
                          "config": PLOTLY_CONFIG},
        "text/plain": f"[chart {chart_id}: {summary}]",
    }
    display(bundle, raw=True, metadata=_metadata("chart", chart_id=chart_id))


# --------------------------------------------------------------------------------------------
# Tables


def _default_label(column: Any) -> str:
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _default_format(series: pd.Series) -> NumberFormat | None:
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "Yes" if v else "No"
    if pd.api.types.is_integer_dtype(series):
        return ",d"
    if pd.api.types.is_float_dtype(series):
        values = series.dropna()
        whole = bool(len(values)) and bool(((values % 1) == 0).all())
        return ",.0f" if whole else ",.1f"
    return None


def _formatter(fmt: NumberFormat) -> Callable[[Any], str]:
    if callable(fmt):
        return lambda v: str(fmt(v))
    if not isinstance(fmt, str):
        raise TypeError(f"a number format must be a format spec like ',.1f' or a function, "
                        f"got {fmt!r}")
    spec = fmt[2:-1] if fmt.startswith("{:") and fmt.endswith("}") else fmt
    try:
        format(1 if spec.endswith("d") else 1.5, spec)  # fail here, not mid-table
    except ValueError as exc:
        raise ValueError(f"number format {fmt!r} is not a valid format spec ({exc})") from None
    if spec.endswith("d"):
        return lambda v: format(int(_half_up(v, "f", ".0f")), spec)
    if spec[-1:] in ("f", "%"):
        return lambda v: _half_up(v, spec[-1], spec)
    return lambda v: format(v, spec)


def _half_up(value: Any, kind: str, spec: str) -> str:
    """Format with halves rounded up (30.25 -> "30.3"), as published statistics and Excel do,
    not to even as Python's ``format`` does."""
    number = Decimal(repr(float(value)))
    if kind == "%":
        number, spec = number * 100, spec[:-1] + "f"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        text = format(number, spec)
    return text + ("%" if kind == "%" else "")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell_texts(values: pd.Series, fmt: NumberFormat | None, flags: pd.Series | None) -> list[str]:
    """Format one column: numbers by ``fmt``, missing values as the flag text or a dash."""
    to_text = _formatter(fmt) if fmt is not None else str
    missing = values.map(_is_missing)
    text = pd.Series(MISSING_TEXT, index=values.index, dtype=object)
    present = ~missing
    text[present] = values[present].map(to_text)
    if flags is not None:
        has_flag = flags != ""
        text[missing & has_flag] = flags[missing & has_flag]
        both = present & has_flag
        text[both] = text[both] + " " + flags[both]
    return text.tolist()


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    columns: Mapping[str, str] | None = None,
    number_formats: Mapping[str, NumberFormat] | None = None,
    flags_column: str | None = None,
    row_header: str | None = None,
) -> str:
    """The HTML of an accessible table: caption, column headers, formatted and escaped cells.

    Parameters
    ----------
    df
        The rows to show, in the order given (the index is not shown).
    caption
        What the table shows, in plain English (the ``<caption>``).
    columns
        Raw column name -> plain-English header; only these columns are shown, in this order.
        Default: every column except ``flags_column``, headers from the names.
    number_formats
        Raw column name -> format spec (``",.1f"``, ``".1%"``, ``",d"``) or a function
        value -> text. Default: whole numbers with thousands separators, other numbers to one
        decimal place.
    flags_column
        A column of quality flags (``[c]``, ``[e]`` ...). In numeric columns of the same row a
        missing value shows the flag text instead of a dash and a present value is followed by
        the flag; a note under the table explains each flag used.
    row_header
        Raw column whose cells name the row (``<th scope="row">``), usually the area name.

    Returns
    -------
    str
        ``<table>`` HTML inside a scrollable, keyboard-focusable region.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"show_table expects a DataFrame, got {type(df).__name__}")
    caption = require_text(caption, "caption")
    columns = dict(columns) if columns is not None else {
        c: _default_label(c) for c in df.columns if c != flags_column}
    wanted = list(columns) + [c for c in (flags_column, row_header) if c is not None]
    unknown = [c for c in wanted if c not in df.columns]
    if unknown:
        raise ValueError(f"show_table: column(s) {unknown} not in the table "
                         f"(it has: {', '.join(map(str, df.columns))})")
    if row_header is not None and row_header not in columns:
        raise ValueError(f"show_table: row_header '{row_header}' must be one of the shown columns")
    formats = dict(number_formats or {})
    bad = [c for c in formats if c not in columns]
    if bad:
        raise ValueError(f"show_table: number_formats for column(s) {bad} that are not shown")

    flags = None
    if flags_column is not None:
        flags = df[flags_column].map(lambda v: "" if _is_missing(v) else str(v).strip())

    headers, cells, numeric = [], [], []
    for raw, label in columns.items():
        series = df[raw]
        is_number = (pd.api.types.is_numeric_dtype(series)
                     and not pd.api.types.is_bool_dtype(series)) or raw in formats
        fmt = formats.get(raw, _default_format(series))
        headers.append({"label": label, "numeric": is_number})
        cells.append(_cell_texts(series, fmt, flags if is_number else None))
        numeric.append(is_number)
    header_index = list(columns).index(row_header) if row_header is not None else None
    rows = [
        [{"text": col[i], "numeric": numeric[j], "header": j == header_index}
         for j, col in enumerate(cells)]
        for i in range(len(df))
    ]
    used_flags = sorted({t for f in (flags if flags is not None else []) for t in
                         FLAG_TOKEN.findall(f)})
    notes = [f"{f} {FLAG_MEANINGS.get(f, 'see the data notes')}" for f in used_flags]
    if any(text == MISSING_TEXT for column in cells for text in column):
        notes.append(f"{MISSING_TEXT} no value")
    template = template_environment().get_template("table.html.j2")
    return template.render(caption=caption, headers=headers, rows=rows, notes=notes).strip()


def show_table(
    df: pd.DataFrame,
    caption: str,
    *,
    columns: Mapping[str, str] | None = None,
    number_formats: Mapping[str, NumberFormat] | None = None,
    flags_column: str | None = None,
    row_header: str | None = None,
) -> None:
    """Display an accessible table (see :func:`table_html` for the parameters)."""
    body = table_html(df, caption, columns=columns, number_formats=number_formats,
                      flags_column=flags_column, row_header=row_header)
    display({"text/html": body, "text/plain": f"[table: {caption}]"}, raw=True,
            metadata=_metadata("table", rows=len(df)))


# --------------------------------------------------------------------------------------------
# Text


def markdown_text(text: str) -> str:
    """Markdown with any HTML in it escaped, so data pasted into the text shows as text."""
    if not isinstance(text, str):
        raise TypeError(f"show_markdown expects a string, got {type(text).__name__}")
    return html.escape(text, quote=False)


def show_markdown(text: str) -> None:
    """Display Markdown (headings, emphasis, lists) written by the notebook.

    Values from data may be put into the text (``f"## {locality_name}"``): any HTML in it is
    escaped and shows as text. Headings take their place in the page's table of contents.
    """
    display({"text/markdown": markdown_text(text), "text/plain": text}, raw=True,
            metadata=_metadata("markdown"))


def key_messages_html(messages: Sequence[str], heading: str = "Key messages") -> str:
    """The HTML of a page's key messages: a heading and a list of plain sentences."""
    if isinstance(messages, str) or not isinstance(messages, Sequence):
        raise TypeError("key messages must be a list of sentences")
    clean = [require_text(m, "each key message") for m in messages]
    heading = require_text(heading, "heading")
    template = template_environment().get_template("key_messages.html.j2")
    return template.render(heading=heading, messages=clean).strip()


def show_key_messages(messages: Sequence[str], heading: str = "Key messages") -> None:
    """Display the page's key messages; the district front page repeats them first.

    Parameters
    ----------
    messages
        Plain-English sentences, most important first. An empty list shows a sentence saying
        there are none.
    heading
        The section heading.
    """
    body = key_messages_html(messages, heading)
    display({"text/html": body, "text/plain": "\n".join(messages)}, raw=True,
            metadata=_metadata("key_messages", messages=[m.strip() for m in messages]))


def note_html(text: str, kind: str = "note") -> str:
    """The HTML of a short note or caution box (labelled in words, not only by colour)."""
    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind must be one of {sorted(NOTE_KINDS)}, got {kind!r}")
    text = require_text(text, "note text")
    return (f'<aside class="note note-{kind}" role="note"><p><strong>{NOTE_KINDS[kind]}:</strong> '
            f"{_escape(text)}</p></aside>")


def show_note(text: str, kind: str = "note") -> None:
    """Display a short note (``kind="note"``) or caution (``kind="caution"``) for the reader."""
    body = note_html(text, kind)
    display({"text/html": body, "text/plain": text}, raw=True, metadata=_metadata("note"))


# --------------------------------------------------------------------------------------------
# Sections without data


def not_available_text(what: str = "") -> str:
    """The sentence a page shows where a chart, map or table has no data for the area."""
    what = " ".join(str(what).split())
    if what:
        return f"{what}: the data are not available for this area."
    return "The data for this part of the page are not available for this area."


def page_sections(cls: type) -> type:
    """Class decorator for a page: each public method (one section of the page) that meets
    :class:`~pipeline.errors.NoData` -- a chart or map given nothing to show, as real data with
    zeros and missing families can -- shows :func:`not_available_text` as a note instead of
    failing the page."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, _section(member))
    return cls


def _section(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def section(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except NoData as exc:
            show_note(not_available_text(exc.what))
            return None
    return section
