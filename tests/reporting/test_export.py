"""Publishing one executed notebook: structure, footer, strict outputs, offline, reproducible."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline.paths import PROJECT_ROOT
from pipeline.reporting.display import OUTPUT_KEY, key_messages_html, markdown_text
from pipeline.reporting.export import (
    PLOTLY_JS,
    ExportError,
    PageContext,
    Source,
    copy_assets,
    export_notebook,
    inputs_fingerprint,
    public_parameters,
    published_notebook,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
CONTEXT = {
    "parameters": {"district": "E07000129", "config_path": str(PROJECT_ROOT / "config/area.yaml")},
    "code_version": "0.1.0+abc123",
    "sources": [{"name": "MHCLG English Indices of Deprivation 2019", "date": "2019",
                 "url": "https://www.gov.uk/iod2019"},
                {"name": "ONS mid-year estimates", "date": "2020", "url": "javascript:alert(1)"}],
    "input_hashes": {"national/iod2019.csv": "a" * 64, "leics/pop.csv": "b" * 64},
    "package_versions": {"plotly": "7.1.0", "pandas": "2.3.3"},
    "pack_title": "Blaby evidence pack",
}


def _notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


def _helper(html: str, kind: str = "note", **extra) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": html, "text/plain": "repr"},
                      metadata={OUTPUT_KEY: {"kind": kind, **extra}})


def _export(nb, tmp_path, context=CONTEXT, depth=0) -> tuple[str, object]:
    out = tmp_path / "page.html"
    info = export_notebook(nb, out, context=context, depth=depth, name="test.ipynb")
    return out.read_text(encoding="utf-8"), info


# --------------------------------------------------------------------------------------------
# Structure


def test_one_h1_ordered_headings_and_a_table_of_contents(tmp_path):
    nb = _notebook(
        new_markdown_cell("# Baseline\n\nIntro."),
        new_markdown_cell("#### Deep first\n\ntext"),
        new_markdown_cell("# Second top\n\n### Under it\n\n## Same name\n\n## Same name"),
        new_code_cell("", outputs=[new_output(
            "display_data", data={"text/markdown": markdown_text("### From <data>")},
            metadata={OUTPUT_KEY: {"kind": "markdown"}})]),
    )
    html, info = _export(nb, tmp_path)
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h1")] == ["Baseline"]
    main = soup.find("main")
    found = [(h.name, h.get("id"), h.get_text()) for h in main.find_all(re.compile("^h[1-6]$"))]
    assert found == [
        ("h1", None, "Baseline"),
        ("h2", "deep-first", "Deep first"),
        ("h2", "second-top", "Second top"),
        ("h3", "under-it", "Under it"),
        ("h2", "same-name", "Same name"),
        ("h2", "same-name-2", "Same name"),
        ("h3", "from-data", "From <data>"),
    ]
    assert info.title == "Baseline"
    assert [(h.level, h.id) for h in info.headings][:2] == [(2, "deep-first"), (2, "second-top")]
    toc = soup.find("nav", class_="toc")
    assert [a["href"] for a in toc.find_all("a")] == [
        "#deep-first", "#second-top", "#under-it", "#same-name", "#same-name-2", "#from-data"]
    nested = [a["href"] for a in toc.select("ol > li > ol > li > a")]
    assert nested == ["#under-it", "#from-data"]
    assert soup.title.get_text() == "Baseline – Blaby evidence pack"
    assert "anchor-link" not in html and "¶" not in html


def test_the_title_can_come_from_show_markdown_for_locality_pages(tmp_path):
    nb = _notebook(
        new_code_cell("", outputs=[_helper(key_messages_html(["A message."]), "key_messages",
                                           messages=["A message."])]),
        new_code_cell("", outputs=[new_output(
            "display_data", data={"text/markdown": markdown_text("# Profile: <Coalville>")},
            metadata={OUTPUT_KEY: {"kind": "markdown"}})]),
        new_markdown_cell("## Population"),
    )
    html, info = _export(nb, tmp_path)
    assert info.title == "Profile: <Coalville>"
    assert "<h1>Profile: &lt;Coalville&gt;</h1>" in html
    assert info.key_messages == ("A message.",)
    assert html.count("<h1") == 1
    assert 'class="text-output"' not in html  # the emptied output is removed


def test_a_page_without_a_markdown_heading_is_refused(tmp_path):
    nb = _notebook(new_markdown_cell("Just text."),
                   new_code_cell("", outputs=[_helper("<h2>Not markdown</h2>")]))
    with pytest.raises(ExportError, match="no Markdown heading"):
        _export(nb, tmp_path)


def test_home_and_asset_links_are_relative_to_the_page_depth(tmp_path):
    nb = _notebook(new_markdown_cell("# Title"), new_code_cell("", outputs=[
        _helper('<div id="c"></div>', "chart", chart_id="c")]))
    html, info = _export(nb, tmp_path, depth=1)
    assert '<link rel="stylesheet" href="../assets/style.css">' in html
    assert '<script src="../assets/plotly.min.js"></script>' in html
    assert '<a href="../index.html">Blaby evidence pack</a>' in html
    assert info.chart_ids == ("c",) and info.charts == 1


def test_pages_without_charts_load_no_script(tmp_path):
    html, info = _export(_notebook(new_markdown_cell("# Title")), tmp_path)
    assert "<script" not in html and info.charts == 0


# --------------------------------------------------------------------------------------------
# Footer


def test_footer_states_sources_parameters_inputs_and_code_version(tmp_path):
    html, info = _export(_notebook(new_markdown_cell("# Title")), tmp_path)
    footer = BeautifulSoup(html, "html.parser").find("footer")
    text = " ".join(footer.get_text(" ").split())
    assert "MHCLG English Indices of Deprivation 2019 (2019)" in text
    assert "ONS mid-year estimates (2020)" in text
    assert footer.find("a", href="https://www.gov.uk/iod2019") is not None
    assert "javascript:" not in html  # only web links are kept
    assert "config_path : config/area.yaml" in text  # relative, never the absolute path
    assert str(PROJECT_ROOT) not in html
    assert "district : E07000129" in text
    assert f"2 files, fingerprint {inputs_fingerprint(CONTEXT['input_hashes'])[:16]}" in text
    assert "a" * 64 in text and "0.1.0+abc123" in text and "pandas 2.3.3, plotly 7.1.0" in text
    assert info.parameters == {"config_path": "config/area.yaml", "district": "E07000129"}


def test_parameters_default_to_the_papermill_metadata(tmp_path):
    nb = _notebook(new_markdown_cell("# Title"))
    nb.metadata["papermill"] = {"parameters": {"district": "E07000130", "locality": "pn-1"},
                                "start_time": "2024-01-01T00:00:00"}
    html, info = _export(nb, tmp_path, context={**CONTEXT, "parameters": None})
    assert info.parameters == {"district": "E07000130", "locality": "pn-1"}
    assert "2024-01-01" not in html


def test_public_parameters_never_show_absolute_paths(tmp_path):
    shown = public_parameters({"b": str(tmp_path / "work" / "blaby"), "a": PROJECT_ROOT / "x.yaml",
                               "c": None, "d": 3})
    assert shown == {"a": "x.yaml", "b": "blaby", "c": "none", "d": "3"}
    assert list(shown) == ["a", "b", "c", "d"]


def test_context_keys_are_checked():
    with pytest.raises(ValueError, match="unknown context key"):
        PageContext.from_mapping({**CONTEXT, "colour": "red"})
    with pytest.raises(ValueError, match="code_version"):
        PageContext.from_mapping({"parameters": {}})
    context = PageContext.from_mapping({**CONTEXT, "sources": [("A", "2001")]})
    assert context.sources == (Source("A", "2001"),)


# --------------------------------------------------------------------------------------------
# Strict outputs


def test_stderr_is_dropped_and_helper_outputs_reduced_to_html():
    nb = _notebook(new_markdown_cell("# T"), new_code_cell("", outputs=[
        new_output("stream", name="stderr", text="UserWarning: something\n"),
        _helper("<p>kept</p>"),
    ]))
    clean, charts, messages = published_notebook(nb)
    outputs = clean.cells[1].outputs
    assert len(outputs) == 1 and set(outputs[0].data) == {"text/html"}
    assert clean.metadata == {} and charts == [] and messages == []


@pytest.mark.parametrize("output, message", [
    (new_output("error", ename="KeyError", evalue="'x'", traceback=[]), "cell 2 failed with KeyError"),
    (new_output("stream", name="stdout", text="debug print\n"), "stream: 'debug print'"),
    (new_output("execute_result", data={"text/plain": "(3, 4)"}, execution_count=1),
     "execute_result: '\\(3, 4\\)'"),
    (new_output("display_data", data={"text/html": "<div>figure repr</div>"}),
     "not made by pipeline.reporting.display"),
])
def test_errors_and_stray_outputs_fail_the_export_loudly(output, message):
    nb = _notebook(new_markdown_cell("# T"), new_code_cell("", outputs=[output]))
    with pytest.raises(ExportError, match=message):
        published_notebook(nb, "01_baseline.ipynb")


def test_a_chart_id_used_twice_is_refused():
    chart = _helper("<div></div>", "chart", chart_id="same")
    nb = _notebook(new_markdown_cell("# T"), new_code_cell("", outputs=[chart, chart]))
    with pytest.raises(ExportError, match="same"):
        published_notebook(nb)


@pytest.mark.parametrize("markdown", [
    "![logo](https://example.org/logo.png)",
    '<img src="//cdn.example.org/x.png" alt="x">',
    '<script src="https://cdn.plot.ly/plotly.min.js"></script>',
    '<link rel="stylesheet" href="http://fonts.example.org/font.css">',
])
def test_anything_loaded_from_the_internet_is_refused(markdown, tmp_path):
    nb = _notebook(new_markdown_cell(f"# Title\n\n{markdown}"))
    with pytest.raises(ExportError, match="offline|loads a script"):
        _export(nb, tmp_path)


def test_links_to_web_pages_are_allowed(tmp_path):
    nb = _notebook(new_markdown_cell("# Title\n\nSee [the IoD](https://www.gov.uk/iod)."))
    html, _ = _export(nb, tmp_path)
    assert '<a href="https://www.gov.uk/iod">the IoD</a>' in html


def test_copy_assets_ships_plotlys_own_bundle(tmp_path):
    written = copy_assets(tmp_path)
    assert sorted(p.name for p in written) == ["plotly-offline.js", "plotly.min.js", "style.css"]
    assert (tmp_path / "assets" / "plotly.min.js").read_bytes() == PLOTLY_JS.read_bytes()
    css = (tmp_path / "assets" / "style.css").read_text()
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


# --------------------------------------------------------------------------------------------
# A stand-in notebook executed with papermill


@pytest.fixture(scope="module")
def executed_twice(tmp_path_factory):
    """The stand-in step notebook executed twice, each run exported to HTML."""
    import papermill
    from traitlets.config import Config

    from pipeline.batch import KERNEL_CONFIG

    root = tmp_path_factory.mktemp("export")
    pages = []
    for run in ("a", "b"):
        output_dir = root / run / "work"
        executed = root / run / "01_baseline.ipynb"
        executed.parent.mkdir(parents=True)
        parameters = {"district": "E07000129", "config_path": str(root / "area.yaml"),
                      "processed_dir": str(root / "processed"), "output_dir": str(output_dir)}
        papermill.execute_notebook(
            str(FIXTURES / "01_baseline.ipynb"), str(executed), parameters=parameters,
            kernel_name="python3", progress_bar=False, cwd=str(FIXTURES),
            config=Config(KERNEL_CONFIG))
        page = root / run / "pack" / "01-baseline.html"
        context = {**CONTEXT, "parameters": parameters}
        info = export_notebook(executed, page, context=context)
        pages.append((page, info, executed))
    return pages


@pytest.mark.slow
def test_executed_stand_in_is_byte_identical_between_runs(executed_twice):
    (first, _, run_a), (second, _, run_b) = executed_twice
    assert run_a.read_bytes() != run_b.read_bytes()  # the executed notebooks differ (times)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.slow
def test_executed_stand_in_page_structure(executed_twice):
    page, info, _ = executed_twice[0]
    html = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text() for h in soup.find_all("h1")] == ["Baseline: where the district is now"]
    headings = [(h.name, h.get_text()) for h in soup.find("main").find_all(
        re.compile("^h[2-6]$"))]
    assert headings == [("h2", "Key messages"), ("h2", "Population"), ("h3", "By area"),
                        ("h2", "Notes on the data")]
    toc = [a.get_text() for a in soup.find("nav", class_="toc").find_all("a")]
    assert toc == ["Key messages", "Population", "By area", "Notes on the data"]
    assert info.chart_ids == ("value-by-area",)
    assert info.key_messages == ("Stand-in key message for E07000129.",
                                 "South & East has the highest value <of the three>.")
    assert soup.find("div", id="value-by-area")["class"] == ["plotly-graph-div"]
    assert soup.find("table").find("caption").get_text().startswith("Value by area")
    footer = " ".join(soup.find("footer").get_text(" ").split())
    assert "district : E07000129" in footer and "output_dir : work" in footer
    assert "0.1.0+abc123" in footer


@pytest.mark.slow
def test_executed_stand_in_has_no_code_warnings_reprs_or_network_use(executed_twice):
    page, _, _ = executed_twice[0]
    html = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    for forbidden in ("stderr", "UserWarning", "stand-in warning", "warnings.warn", "import ",
                      "show_table(", "In&nbsp;[", "PosixPath", "cdn.", "require.js",
                      "requirejs", "MathJax", "mathjax", "@font-face"):
        assert forbidden not in html, forbidden
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    loads = [(t.name, t.get(a)) for t in soup.find_all(["script", "link", "img", "iframe"])
             for a in ("src", "href") if t.get(a)]
    assert loads == [("link", "assets/style.css"), ("script", "assets/plotly.min.js"),
                     ("script", "assets/plotly-offline.js")]
    external = [a["href"] for a in soup.find_all("a", href=True)
                if re.match(r"https?:", a["href"])]
    assert external == ["https://www.gov.uk/iod2019"]  # the footer's source link only
    assert "https://" not in html.replace('href="https://www.gov.uk/iod2019"', "")
    assert len(html) < 200_000
