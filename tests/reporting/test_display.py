"""The display helpers: deterministic charts, accessible escaped tables, escaped text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from pipeline.reporting import display
from pipeline.reporting.display import (
    MISSING_TEXT,
    OUTPUT_KEY,
    figure_html,
    key_messages_html,
    markdown_text,
    note_html,
    table_html,
)

HOSTILE = "<script>window.__pwned=1</script>"


@pytest.fixture
def shown(monkeypatch):
    """Capture what the show_* helpers pass to IPython's display."""
    calls = []
    monkeypatch.setattr(display, "display",
                        lambda obj, raw=False, metadata=None: calls.append((obj, raw, metadata)))
    return calls


def _bar(title: str = "Value by area") -> go.Figure:
    fig = go.Figure(go.Bar(x=["North", HOSTILE], y=[1, 2]))
    fig.update_layout(title=title)
    return fig


def _shapes() -> dict:
    def square(x):
        return [[[x, 52.6], [x + 0.1, 52.6], [x + 0.1, 52.7], [x, 52.7], [x, 52.6]]]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": square(-1.2 + 0.1 * i)}}
        for i, code in enumerate(["E01000001", "E01000002"])]}


# --------------------------------------------------------------------------------------------
# Charts


def test_figure_html_is_deterministic_with_the_given_div_id_and_no_plotly_js():
    first = figure_html(_bar(), "value-by-area", "North has 1, the other area 2.")
    second = figure_html(_bar(), "value-by-area", "North has 1, the other area 2.")
    assert first == second
    assert '<div id="value-by-area" class="plotly-graph-div"' in first
    assert re.findall(r'\bid="([^"]+)"', first) == [
        "value-by-area-figure", "value-by-area", "value-by-area-summary"]
    assert len(first) < 20_000  # plotly.js (4 MB) is not embedded
    assert "<script src" not in first and "require" not in first and "https://" not in first
    assert '"displaylogo": false' in first and '"responsive": true' in first


def test_figure_html_wraps_the_chart_in_a_figure_with_an_escaped_text_summary():
    html = figure_html(_bar(), "chart-1", f"Highest in {HOSTILE}.")
    assert html.startswith('<figure class="chart" id="chart-1-figure">')
    assert html.endswith("</figure>")
    assert ('<figcaption id="chart-1-summary">Highest in '
            "&lt;script&gt;window.__pwned=1&lt;/script&gt;.</figcaption>") in html
    assert 'aria-describedby="chart-1-summary"' in html
    # Data inside the plotly JSON cannot close the script element either.
    assert "</script><script>window" not in html
    assert "\\u003cscript\\u003ewindow.__pwned=1" in html


def test_figure_height_comes_from_the_layout_or_a_default():
    tall = _bar()
    tall.update_layout(height=320)
    assert 'style="height:320px; width:100%;"' in figure_html(tall, "a", "Summary.")
    assert 'style="height:450px; width:100%;"' in figure_html(_bar(), "a", "Summary.")


def test_choropleth_maps_draw_without_a_base_map_and_fit_the_shapes():
    fig = go.Figure(go.Choropleth(geojson=_shapes(), locations=["E01000001", "E01000002"],
                                  z=[1, 2], featureidkey="id"))
    html = figure_html(fig, "need-map", "The eastern area scores higher.")
    assert '"visible":false' in html and '"fitbounds":"locations"' in html
    assert fig.layout.geo.visible is None  # the notebook's own figure is left alone


def test_explicit_fitbounds_is_kept():
    fig = go.Figure(go.Choropleth(geojson=_shapes(), locations=["E01000001"], z=[1]))
    fig.update_geos(fitbounds="geojson")
    assert '"fitbounds":"geojson"' in figure_html(fig, "m", "Summary.")


@pytest.mark.parametrize("trace", [
    go.Scattermap(lat=[52.6], lon=[-1.1]),
    go.Densitymap(lat=[52.6], lon=[-1.1], z=[1]),
    go.Choroplethmap(geojson=_shapes(), locations=["E01000001"], z=[1]),
    go.Choropleth(locations=["GBR"], z=[1]),
    go.Choropleth(geojson=_shapes(), locations=["GBR"], z=[1], locationmode="ISO-3"),
])
def test_maps_that_need_the_internet_are_refused(trace):
    with pytest.raises(ValueError, match="tiles|GeoJSON|locationmode"):
        figure_html(go.Figure(trace), "map", "Summary.")


@pytest.mark.parametrize("chart_id", ["", "Upper", "1chart", "has space", "a" * 64, None])
def test_bad_chart_ids_are_refused(chart_id):
    with pytest.raises(ValueError, match="chart_id"):
        figure_html(_bar(), chart_id, "Summary.")


def test_a_summary_is_required_and_the_figure_must_be_plotly():
    with pytest.raises(ValueError, match="summary"):
        figure_html(_bar(), "chart", "  ")
    with pytest.raises(TypeError, match="plotly Figure"):
        figure_html({"data": []}, "chart", "Summary.")


def test_show_figure_displays_html_and_the_plotly_json_with_the_marker(shown):
    assert display.show_figure(_bar(), "value-by-area", "Summary.") is None
    (bundle, raw, metadata), = shown
    assert raw is True
    assert metadata == {OUTPUT_KEY: {"kind": "chart", "chart_id": "value-by-area"}}
    assert bundle["text/html"] == figure_html(_bar(), "value-by-area", "Summary.")
    assert bundle[display.PLOTLY_MIMETYPE]["config"] == {"displaylogo": False, "responsive": True}
    assert bundle[display.PLOTLY_MIMETYPE]["data"][0]["type"] == "bar"


# --------------------------------------------------------------------------------------------
# Tables

AREAS = pd.DataFrame({
    "area_code": ["E01000001", "E01000002", "E01000003"],
    "area_name": ["North", HOSTILE, "South & East"],
    "population": [1234567, 89, 4000],
    "value": [30.25, np.nan, 2.0],
    "flag": ["", "[c]", "[e]"],
})


def test_table_has_caption_column_headers_and_escaped_cells():
    html = table_html(AREAS, f"Areas of {HOSTILE}",
                      columns={"area_name": "Area", "population": "Residents", "value": "Rate"},
                      row_header="area_name")
    assert "<caption>Areas of &lt;script&gt;window.__pwned=1&lt;/script&gt;</caption>" in html
    assert re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", html) == ["Area", "Residents", "Rate"]
    assert '<th scope="row">&lt;script&gt;window.__pwned=1&lt;/script&gt;</th>' in html
    assert "<script>" not in html
    assert "South &amp; East" in html
    assert "E01000001" not in html  # only the chosen columns are shown


def test_numbers_are_formatted_and_missing_values_shown_as_a_dash():
    html = table_html(AREAS, "Areas", columns={"area_name": "Area", "population": "Residents",
                                               "value": "Rate"})
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    # Residents: whole numbers with separators; rate: one decimal place, halves rounded up.
    assert cells == ["1,234,567", "30.3", "89", MISSING_TEXT, "4,000", "2.0"]
    assert f"{MISSING_TEXT} no value" in html


def test_flags_replace_missing_values_and_follow_present_ones_with_a_note():
    html = table_html(AREAS, "Areas", columns={"area_name": "Area", "value": "Rate"},
                      number_formats={"value": ".2f"}, flags_column="flag")
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells == ["30.25", "[c]", "2.00 [e]"]
    assert "[c] suppressed to protect confidentiality" in html
    assert "[e] estimated" in html
    assert "no value" not in html  # no dash shown, so no dash explained
    assert "Flag" not in html  # the flags column itself is not a column


def test_default_columns_take_plain_labels_from_the_names():
    html = table_html(AREAS[["area_code", "population"]], "Areas")
    assert re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", html) == ["Area code", "Population"]


def test_percent_and_callable_formats():
    df = pd.DataFrame({"share": [0.12345], "label": ["x"]})
    html = table_html(df, "Shares", number_formats={"share": ".1%", "label": lambda v: v.upper()})
    assert "12.3%" in html and ">X<" in html


def test_an_empty_table_says_so():
    html = table_html(AREAS.iloc[0:0], "No areas", columns={"area_name": "Area"})
    assert '<td colspan="1">There are no rows to show.</td>' in html


def test_table_errors_name_the_problem():
    with pytest.raises(ValueError, match="not in the table"):
        table_html(AREAS, "Areas", columns={"missing_column": "Missing"})
    with pytest.raises(ValueError, match="not a valid format spec"):
        table_html(AREAS, "Areas", number_formats={"value": ",.1q"})
    with pytest.raises(ValueError, match="row_header"):
        table_html(AREAS, "Areas", columns={"value": "Rate"}, row_header="area_name")
    with pytest.raises(ValueError, match="caption"):
        table_html(AREAS, "")
    with pytest.raises(TypeError, match="DataFrame"):
        table_html(AREAS.to_dict(), "Areas")


def test_table_html_is_byte_identical_and_uses_no_random_ids():
    first = table_html(AREAS, "Areas", flags_column="flag")
    assert first == table_html(AREAS, "Areas", flags_column="flag")
    assert "id=" not in first and "uuid" not in first


def test_show_table_displays_with_the_marker(shown):
    display.show_table(AREAS, "Areas")
    (bundle, _, metadata), = shown
    assert metadata == {OUTPUT_KEY: {"kind": "table", "rows": 3}}
    assert bundle["text/html"].startswith('<div class="table-wrap" role="region"')


# --------------------------------------------------------------------------------------------
# Text


def test_markdown_keeps_markdown_but_escapes_html(shown):
    assert markdown_text(f"## {HOSTILE} & **bold**") == (
        "## &lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; **bold**")
    display.show_markdown(f"# {HOSTILE}")
    (bundle, _, metadata), = shown
    assert bundle["text/markdown"] == "# &lt;script&gt;window.__pwned=1&lt;/script&gt;"
    assert metadata == {OUTPUT_KEY: {"kind": "markdown"}}
    with pytest.raises(TypeError):
        markdown_text(None)


def test_key_messages_are_escaped_and_recorded_for_the_front_page(shown):
    html = key_messages_html([f"Worst in {HOSTILE}.", "Better than England."])
    assert "<h2>Key messages</h2>" in html
    assert "<li>Worst in &lt;script&gt;window.__pwned=1&lt;/script&gt;.</li>" in html
    display.show_key_messages(["  First.  ", "Second."])
    (_, _, metadata), = shown
    assert metadata == {OUTPUT_KEY: {"kind": "key_messages", "messages": ["First.", "Second."]}}


def test_no_key_messages_is_said_in_words_and_bad_input_refused():
    assert "There are no key messages" in key_messages_html([])
    with pytest.raises(TypeError):
        key_messages_html("One message as a string")
    with pytest.raises(ValueError):
        key_messages_html(["", "x"])


def test_notes_are_labelled_in_words_and_escaped(shown):
    html = note_html(f"Data for {HOSTILE} are provisional.", kind="caution")
    assert html.startswith('<aside class="note note-caution" role="note"><p><strong>Caution:')
    assert "&lt;script&gt;" in html and "<script>" not in html
    display.show_note("A note.")
    assert shown[0][2] == {OUTPUT_KEY: {"kind": "note"}}
    with pytest.raises(ValueError, match="kind"):
        note_html("x", kind="warning!")


# --------------------------------------------------------------------------------------------
# Sections without data


def test_a_chart_without_rows_becomes_a_sentence_on_the_page(shown):
    from pipeline.reporting import charts
    from pipeline.reporting.display import page_sections

    @page_sections
    class Page:
        def crime(self, rows: pd.DataFrame) -> str:
            fig = charts.grouped_bar_chart(rows, category="title", value="value",
                                           group="period", title="Burnley: crime by year",
                                           value_label="Per 1,000 residents")
            display.show_figure(fig, "crime", "summary")
            return "shown"

        def broken(self) -> None:
            raise ValueError("a real bug")

    empty = pd.DataFrame({"title": [], "value": [], "period": []})
    assert Page().crime(empty) is None
    [(obj, _, metadata)] = shown
    assert obj["text/plain"] == "Burnley: crime by year: the data are not available for this area."
    assert '<aside class="note note-note" role="note">' in obj["text/html"]
    assert metadata == {"pipeline": {"kind": "note"}}
    assert Page().crime(pd.DataFrame({"title": ["All"], "value": [1.0], "period": ["2021"]})) \
        == "shown"
    with pytest.raises(ValueError, match="a real bug"):  # only missing data becomes a sentence
        Page().broken()
    assert display.not_available_text() == \
        "The data for this part of the page are not available for this area."


def test_a_map_without_values_becomes_a_sentence_on_the_baseline_page(shown):
    from types import SimpleNamespace

    from pipeline.pages.baseline import BaselinePage

    no_values = pd.DataFrame({"lsoa_code": ["E01024979", "E01024980"],
                              "lsoa_name": ["Burnley 001A", "Burnley 001B"],
                              "indicator_id": "c11_no_qualifications_pct", "period": "",
                              "value": [float("nan")] * 2, "flag": ["[x]", "[x]"],
                              "priority_neighbourhood": [False, False]})
    page = BaselinePage.__new__(BaselinePage)
    page.results = SimpleNamespace(maps=SimpleNamespace(qualifications=no_values))
    page.area = SimpleNamespace(name="Burnley")
    assert page.qualifications_map() is None
    assert [obj["text/plain"] for obj, _, _ in shown] == [
        "Burnley: map of residents aged 16 and over with no qualifications (2011 Census): the "
        "data are not available for this area."]
