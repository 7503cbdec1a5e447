"""One executed notebook -> one published HTML page.

The page is what a board member reads, so the export is strict:

- **Code hidden**: nbconvert's ``HTMLExporter`` with our template ``notebook_body.html.j2``
  (``exclude_input``, no prompts, no raw cells), wrapped in our page template ``page.html.j2``.
- **Only helper outputs**: an output is published only if :mod:`pipeline.reporting.display`
  made it (its metadata carries ``{"pipeline": {...}}``). Warnings and other ``stderr`` text are
  dropped. Anything else — a ``print``, a ``DataFrame`` or figure repr, an ``error`` output —
  raises :class:`ExportError` naming the notebook and cell. We chose failing over silently
  dropping text/plain reprs: a stray output is a notebook bug and should be fixed, not hidden.
- **Structure**: the first Markdown heading (of a markdown cell, or of ``show_markdown``, so a
  locality page can be titled with the locality's name) becomes the page's only ``<h1>``; later
  headings become ``<h2>``/``<h3>``... in order (never skipping a level) with stable ids, and
  a table of contents links to the ``h2``/``h3`` headings.
- **Provenance footer**: data sources and their dates, the parameters, a summary of the input
  file hashes, the code version and package versions (:class:`PageContext`).
- **Offline and reproducible**: no CDN, require.js, MathJax or web fonts; plotly.js and the
  stylesheet are linked from the pack's ``assets/`` folder (:func:`copy_assets`); any external
  ``src``/``href`` on a script, stylesheet, image or frame is an :class:`ExportError`. No
  timestamps, papermill metadata stripped: the same notebook gives byte-identical HTML.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
import plotly
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from traitlets.config import Config

from pipeline.io import write_atomic, write_text
from pipeline.paths import PROJECT_ROOT
from pipeline.reporting import TEMPLATES_DIR, template_environment
from pipeline.reporting.display import OUTPUT_KEY

PUBLISHED_MIMETYPES = ("text/html", "text/markdown")
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
ASSET_FILES = {
    "plotly.min.js": PLOTLY_JS,
    "plotly-offline.js": TEMPLATES_DIR / "plotly-offline.js",
    "style.css": TEMPLATES_DIR / "style.css",
}
ASSETS_DIRNAME = "assets"
TOC_LEVELS = (2, 3)

# Elements whose src/href/... make the browser fetch something: never from the internet.
_LOADING_TAGS = ("script", "link", "img", "iframe", "frame", "source", "audio", "video", "embed",
                 "object", "track", "input", "image", "use")
_LOADING_ATTRS = ("src", "href", "data", "srcset", "poster", "xlink:href")
_EXTERNAL_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_HEADING = re.compile(r"^h[1-6]$")
_WEB_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


class ExportError(RuntimeError):
    """A notebook that cannot be published as it is (an error, a stray output, no title...)."""


@dataclass(frozen=True)
class Source:
    """A data source named in the footer: what it is and the date (or period) of its data."""

    name: str
    date: str
    url: str = ""


@dataclass(frozen=True)
class PageContext:
    """What the footer states about a page, and how the page links back to its pack.

    Parameters
    ----------
    parameters
        The notebook's parameters (path values are shown relative to the project, never as
        absolute paths). ``None``: taken from the executed notebook's papermill metadata.
    code_version
        The package version and git commit (``pipeline.store.code_version()``).
    sources
        The data sources behind the page, with the date or period of their data.
    input_hashes
        Input file (relative path) -> SHA-256: summarised as a count and one fingerprint, with
        the full list in a collapsed section.
    package_versions
        Library -> version.
    pack_title
        The pack's name (``"Blaby evidence pack"``): in the ``<title>`` and the link home.
    """

    parameters: Mapping[str, Any] | None
    code_version: str
    sources: Sequence[Source] = ()
    input_hashes: Mapping[str, str] = field(default_factory=dict)
    package_versions: Mapping[str, str] = field(default_factory=dict)
    pack_title: str = ""

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any] | PageContext) -> PageContext:
        """Build from a plain dict with the same keys (``sources`` as dicts or tuples)."""
        if isinstance(context, PageContext):
            return context
        if not isinstance(context, Mapping):
            raise TypeError(f"context must be a mapping or PageContext, got {type(context)!r}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(context) - known)
        if unknown:
            raise ValueError(f"unknown context key(s) {unknown} (expected: {sorted(known)})")
        if "code_version" not in context:
            raise ValueError("context needs 'code_version'")
        sources = []
        for s in context.get("sources", ()):
            if isinstance(s, Source):
                sources.append(s)
            elif isinstance(s, Mapping):
                sources.append(Source(**s))
            else:
                sources.append(Source(*s))
        return cls(
            parameters=context.get("parameters"),
            code_version=str(context["code_version"]),
            sources=tuple(sources),
            input_hashes=dict(context.get("input_hashes", {})),
            package_versions=dict(context.get("package_versions", {})),
            pack_title=str(context.get("pack_title", "")),
        )


@dataclass(frozen=True)
class Heading:
    """A heading of a published page, after renumbering."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class PageInfo:
    """What the pack needs to know about a published page."""

    title: str
    headings: tuple[Heading, ...]
    chart_ids: tuple[str, ...]
    key_messages: tuple[str, ...]
    parameters: Mapping[str, str]

    @property
    def charts(self) -> int:
        """Number of charts and maps on the page."""
        return len(self.chart_ids)


# --------------------------------------------------------------------------------------------
# Notebook -> published notebook (checked outputs only)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook file (any nbformat 4 minor version)."""
    return nbformat.read(str(path), as_version=4)


def _snippet(output: Mapping[str, Any]) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        data = output.get("data", {})
        text = data.get("text/plain") or next(iter(data), "")
    text = " ".join(str(text).split())
    return text[:80] + ("..." if len(text) > 80 else "")


def published_notebook(
    nb: nbformat.NotebookNode, name: str = "notebook"
) -> tuple[nbformat.NotebookNode, list[str], list[str]]:
    """Check and clean an executed notebook for publishing.

    Returns a cleaned copy (``stderr`` dropped, metadata stripped, each helper output reduced
    to its HTML or Markdown), the chart ids and the key messages found in its outputs.

    Raises
    ------
    ExportError
        For an ``error`` output, an output not made by :mod:`pipeline.reporting.display`
        (a ``print``, a repr), or a chart id used twice.
    """
    # A deep copy in plain JSON types, without the code cells' outputs (most of an executed
    # notebook: the charts' plotly JSON too), which are checked and rebuilt below.
    source = nb
    nb = nbformat.from_dict(json.loads(json.dumps({
        **{key: value for key, value in source.items() if key != "cells"},
        "cells": [{key: value for key, value in cell.items()
                   if key != "outputs" or cell.get("cell_type") != "code"}
                  for cell in source.cells]})))
    chart_ids: list[str] = []
    key_messages: list[str] = []
    for number, (cell, executed) in enumerate(zip(nb.cells, source.cells, strict=True), start=1):
        cell.metadata = {}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = []
        for output in executed.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                raise ExportError(f"{name}: cell {number} failed with {output.get('ename')}: "
                                  f"{output.get('evalue')}")
            if kind == "stream" and output.get("name") == "stderr":
                continue
            marker = (output.get("metadata") or {}).get(OUTPUT_KEY)
            if kind not in ("display_data", "execute_result") or not isinstance(marker, Mapping):
                raise ExportError(
                    f"{name}: cell {number} shows output not made by pipeline.reporting.display "
                    f"({kind}: '{_snippet(output)}'); use a show_* helper, or end the line "
                    "with ';' / remove the print")
            mimetype = next((m for m in PUBLISHED_MIMETYPES if m in output.get("data", {})), None)
            if mimetype is None:
                raise ExportError(f"{name}: cell {number}: helper output has no HTML or Markdown")
            if marker.get("kind") == "chart":
                chart_ids.append(str(marker.get("chart_id")))
            if marker.get("kind") == "key_messages":
                key_messages.extend(str(m) for m in marker.get("messages", []))
            kept.append(nbformat.v4.new_output(
                "display_data", data={mimetype: json.loads(json.dumps(output["data"][mimetype]))}))
        cell.outputs = kept
    duplicates = sorted({c for c in chart_ids if chart_ids.count(c) > 1})
    if duplicates:
        raise ExportError(f"{name}: chart id(s) {duplicates} used more than once on the page")
    nb.metadata = {}
    return nb, chart_ids, key_messages


@lru_cache(maxsize=1)
def _body_exporter() -> HTMLExporter:
    """The nbconvert exporter of page bodies, made once: it compiles its templates on first
    use and renders any number of notebooks (each with fresh resources)."""
    return HTMLExporter(
        template_file=str(TEMPLATES_DIR / "notebook_body.html.j2"),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_raw=True,
        exclude_unknown=True,
        config=Config({"NbConvertBase": {"display_data_priority": list(PUBLISHED_MIMETYPES)}}),
    )


def notebook_body_html(nb: nbformat.NotebookNode) -> str:
    """Render a published notebook's visible content with nbconvert (code and prompts hidden)."""
    body, _ = _body_exporter().from_notebook_node(nb)
    return body


# --------------------------------------------------------------------------------------------
# Page structure: one h1, ordered headings, table of contents, offline check


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _check_offline(soup: BeautifulSoup, name: str) -> None:
    for tag in soup.find_all(_LOADING_TAGS):
        for attr in _LOADING_ATTRS:
            value = tag.get(attr)
            if value and _EXTERNAL_URL.match(str(value)):
                raise ExportError(f"{name}: <{tag.name} {attr}=\"{value}\"> would load from the "
                                  "internet; published pages must work offline")
        if tag.name == "script" and tag.get("src"):
            raise ExportError(f"{name}: a notebook output loads a script ({tag['src']}); only "
                              "the page template may load scripts")


def structure_page(body_html: str, name: str = "notebook") -> tuple[str, str, list[Heading]]:
    """Renumber the headings of a notebook body and give them stable ids.

    Returns the page title (the first markdown heading, removed from the body), the body
    HTML and the remaining headings in order.
    """
    soup = BeautifulSoup(body_html, "html.parser")
    for link in soup.select("a.anchor-link"):
        link.decompose()
    _check_offline(soup, name)
    headings = soup.find_all(_HEADING)
    title_tag = next((h for h in headings
                      if h.find_parent("div", class_=("text-cell", "text-output"))), None)
    if title_tag is None:
        raise ExportError(f"{name}: no Markdown heading to use as the page title; start the "
                          "first markdown cell with '# Title' (or show_markdown('# ...'))")
    title = " ".join(title_tag.get_text(" ", strip=True).split())
    holder = title_tag.parent
    title_tag.decompose()
    if holder is not None and not holder.get_text(strip=True) and not holder.find(True):
        (holder.find_parent("div", class_="output") or holder).decompose()
    ids = [str(t["id"]) for t in soup.find_all(id=True) if not _HEADING.match(t.name)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ExportError(f"{name}: element id(s) {duplicates} used more than once on the page")
    taken = set(ids)
    result, previous = [], 1
    for tag in headings:
        if tag is title_tag:
            continue
        text = " ".join(tag.get_text(" ", strip=True).split())
        level = min(max(int(tag.name[1]), 2), previous + 1)
        previous = level
        tag.name = f"h{level}"
        tag.attrs = {"id": _unique(_anchor(text), taken)}
        result.append(Heading(level, str(tag["id"]), text))
    return title, soup.decode(formatter="minimal").strip(), result


def _toc(headings: Sequence[Heading]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for h in headings:
        if h.level == TOC_LEVELS[0]:
            entries.append({"id": h.id, "text": h.text, "children": []})
        elif h.level == TOC_LEVELS[1]:
            if not entries:
                entries.append({"id": h.id, "text": h.text, "children": []})
            else:
                entries[-1]["children"].append({"id": h.id, "text": h.text})
    return entries


# --------------------------------------------------------------------------------------------
# Footer values


def public_value(value: Any) -> str:
    """A parameter value as shown to readers: paths relative to the project, never absolute."""
    if value is None:
        return "none"
    if isinstance(value, (str, os.PathLike)) and os.path.isabs(value):
        path = Path(value)
        try:
            return path.resolve().relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            return path.name
    if isinstance(value, (list, tuple)):
        return ", ".join(public_value(v) for v in value)
    return str(value)


def public_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Parameters as shown in footers and manifests: sorted, paths made relative."""
    return {str(k): public_value(parameters[k]) for k in sorted(parameters)}


def inputs_fingerprint(input_hashes: Mapping[str, str]) -> str:
    """One SHA-256 over all input files (sorted path and hash lines): equal inputs, equal print."""
    lines = "".join(f"{path} {digest}\n" for path, digest in sorted(input_hashes.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def footer_values(context: PageContext, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the provenance footer shows, ready for the template."""
    return {
        "sources": [Source(s.name, s.date, s.url if _WEB_URL.match(s.url or "") else "")
                    for s in sorted(context.sources, key=lambda s: (s.name, s.date))],
        "parameters": public_parameters(parameters),
        "inputs": [{"path": p, "sha256": h} for p, h in sorted(context.input_hashes.items())],
        "fingerprint": inputs_fingerprint(context.input_hashes),
        "code_version": context.code_version,
        "packages": sorted(context.package_versions.items()),
    }


def render(template: str, **values: Any) -> str:
    """Render one of our page templates (autoescaped) to a string ending in a newline."""
    return template_environment().get_template(template).render(**values).rstrip() + "\n"


def relative_prefix(depth: int) -> str:
    """``"../"`` repeated ``depth`` times: from a page ``depth`` folders below the pack root."""
    return "../" * depth


# --------------------------------------------------------------------------------------------
# The export


def export_notebook(
    notebook: str | Path | nbformat.NotebookNode,
    out_path: str | Path,
    *,
    context: PageContext | Mapping[str, Any],
    depth: int = 0,
    name: str | None = None,
) -> PageInfo:
    """Publish one executed notebook as an HTML page.

    Parameters
    ----------
    notebook
        The executed notebook (path or node). Its outputs are checked by
        :func:`published_notebook`.
    out_path
        Where the page is written (atomically).
    context
        The footer and navigation values (:class:`PageContext` or a dict with its fields).
    depth
        How many folders below the pack root the page sits (0 for ``<pack>/01-baseline.html``,
        1 for ``<pack>/localities/x.html``): assets and the home link are relative to it.
    name
        The notebook's name in error messages (default: the file name).

    Returns
    -------
    PageInfo
        Title, headings, chart ids and key messages of the page.
    """
    context = PageContext.from_mapping(context)
    if isinstance(notebook, (str, Path)):
        name = name or Path(notebook).name
        notebook = read_notebook(notebook)
    name = name or "notebook"
    parameters = context.parameters
    if parameters is None:
        parameters = dict(notebook.get("metadata", {}).get("papermill", {}).get("parameters", {}))
    clean, chart_ids, key_messages = published_notebook(notebook, name)
    title, body, headings = structure_page(notebook_body_html(clean), name)
    prefix = relative_prefix(depth)
    page = render(
        "page.html.j2",
        title=title,
        pack_title=context.pack_title,
        home_href=f"{prefix}index.html" if context.pack_title else "",
        assets_href=f"{prefix}{ASSETS_DIRNAME}",
        has_charts=bool(chart_ids),
        toc=_toc(headings),
        body=body,
        footer=footer_values(context, parameters),
    )
    write_text(page, out_path)
    return PageInfo(title=title, headings=tuple(headings), chart_ids=tuple(chart_ids),
                    key_messages=tuple(key_messages), parameters=public_parameters(parameters))


def copy_assets(folder: str | Path) -> list[Path]:
    """Copy plotly.min.js (from the installed plotly), the geo shim and style.css into
    ``folder/assets/``: once per pack, shared by all its pages."""
    target = Path(folder) / ASSETS_DIRNAME
    written = []
    for file_name, source in sorted(ASSET_FILES.items()):
        if not source.exists():
            raise FileNotFoundError(f"asset {source} is missing from the installation")
        written.append(write_atomic(target / file_name,
                                    lambda tmp, src=source: shutil.copyfile(src, tmp)))
    return written


__all__ = [
    "ExportError", "Heading", "PageContext", "PageInfo", "Source", "copy_assets",
    "export_notebook", "footer_values", "inputs_fingerprint", "notebook_body_html",
    "public_parameters", "public_value", "published_notebook", "read_notebook", "render",
    "structure_page",
]
