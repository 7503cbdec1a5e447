"""Assembling the published folder: county index, district front pages, downloads, manifests.

Layout under ``reports/``::

    index.html                      the county and every district (links)
    assets/style.css                for index.html
    run_summary.json                written by pipeline.batch
    <district-slug>/index.html      front page: key messages, step pages, locality profiles,
                                    downloads
    <district-slug>/01-baseline.html ... one page per step notebook
    <district-slug>/localities/<locality-slug>.html
    <district-slug>/assets/         plotly.min.js, plotly-offline.js, style.css (once per pack)
    <district-slug>/downloads/      one CSV per table + <district-slug>-tables.xlsx
    <district-slug>/manifest.json   input hashes, parameters, code version, pages, downloads

Notebooks hand the tables behind a pack to the downloads with :func:`stage_table` (into the
``output_dir`` parameter the batch runner gives them). Every write is atomic
(:mod:`pipeline.io`) and deterministic: sorted keys, no timestamps, fixed dates inside the
Excel file. Every value that comes from data is escaped by the (autoescaping) templates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.io import sha256_file, write_atomic, write_json, write_parquet, write_text
from pipeline.localities import slug
from pipeline.reporting.display import FLAG_MEANINGS, note_html
from pipeline.reporting.export import (
    ASSET_FILES,
    ASSETS_DIRNAME,
    PageContext,
    copy_assets,
    footer_values,
    inputs_fingerprint,
    public_parameters,
    relative_prefix,
    render,
)
from pipeline.reporting.workbook import (
    FIXED_DATE,
    deterministic_zip,
    tables_workbook_bytes,
    write_workbook_bytes,
)

DOWNLOADS_DIRNAME = "downloads"
LOCALITIES_DIRNAME = "localities"
STAGED_TABLES_DIRNAME = "tables"
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.html"
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def pack_slug(name: str) -> str:
    """The folder name of a district's pack (``"Hinckley and Bosworth"`` -> ``hinckley-and-bosworth``)."""
    return slug(name)


# --------------------------------------------------------------------------------------------
# Tables behind the pack


@dataclass(frozen=True)
class StagedTable:
    """A table to publish in the downloads: its file name, plain title and description."""

    name: str
    title: str
    frame: pd.DataFrame
    description: str = ""


def stage_table(
    df: pd.DataFrame, name: str, output_dir: str | Path, *, title: str, description: str = ""
) -> None:
    """Hand a table behind the pack to its downloads (called from notebooks).

    Parameters
    ----------
    df
        The table as partners should get it: area code and name, period, value, interval,
        comparator values and flags, with readable column names.
    name
        File name without extension: lower case letters, digits and ``_``
        (``"baseline_indicators"``). A later call with the same name replaces the table.
    output_dir
        The notebook's ``output_dir`` parameter (the district's work folder).
    title, description
        Plain-English title and one sentence, shown on the front page and in the workbook.

    Returns nothing, so that a notebook cell ending with this call shows no output. The table
    is written to ``output_dir/tables/<name>.parquet`` (and its title to ``<name>.json``).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"stage_table expects a DataFrame, got {type(df).__name__}")
    if not isinstance(name, str) or not TABLE_NAME.match(name):
        raise ValueError(f"table name {name!r} must be lower-case letters, digits or '_', "
                         "starting with a letter")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("stage_table needs a plain-English title")
    folder = Path(output_dir) / STAGED_TABLES_DIRNAME
    frame = df.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    write_parquet(frame, folder / f"{name}.parquet")
    write_json({"title": title.strip(), "description": description.strip()},
               folder / f"{name}.json")


def load_staged_tables(output_dir: str | Path) -> list[StagedTable]:
    """The tables staged by a district's notebooks, sorted by name (none: an empty list)."""
    folder = Path(output_dir) / STAGED_TABLES_DIRNAME
    tables = []
    for path in sorted(folder.glob("*.parquet")):
        about_path = path.with_suffix(".json")
        about = json.loads(about_path.read_text(encoding="utf-8")) if about_path.exists() else {}
        tables.append(StagedTable(name=path.stem, title=about.get("title", path.stem),
                                  description=about.get("description", ""),
                                  frame=pd.read_parquet(path)))
    return tables


def _as_staged(tables: Mapping[str, pd.DataFrame | StagedTable] | Sequence[StagedTable]
               ) -> list[StagedTable]:
    items = tables.items() if isinstance(tables, Mapping) else [(t.name, t) for t in tables]
    staged = []
    for name, table in items:
        if isinstance(table, pd.DataFrame):
            table = StagedTable(name=name, title=name.replace("_", " ").capitalize(), frame=table)
        if not TABLE_NAME.match(table.name):
            raise ValueError(f"table name {table.name!r} must be lower-case letters, digits or "
                             "'_', starting with a letter")
        staged.append(table)
    return sorted(staged, key=lambda t: t.name)


@dataclass(frozen=True)
class Download:
    """A file in a pack's downloads folder."""

    title: str
    href: str
    format: str
    rows: int | None = None
    description: str = ""
    sha256: str = ""


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a download CSV: UTF-8 with a byte-order mark (so Excel reads names right),
    no index, Unix newlines."""
    return write_atomic(path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n",
                                                    encoding="utf-8-sig"))


def workbook_bytes(
    tables: Sequence[StagedTable], *, title: str, about: Sequence[tuple[str, str]] = ()
) -> bytes:
    """An Excel workbook: an "About" sheet (title, provenance, flags, list of tables), then one
    sheet per table with a bold frozen header row and filters. Byte-identical for equal input
    (:func:`pipeline.reporting.workbook.tables_workbook_bytes`)."""
    return tables_workbook_bytes(tables, title=title, about=about,
                                 flags=list(FLAG_MEANINGS.items()))


def write_downloads(
    tables: Mapping[str, pd.DataFrame | StagedTable] | Sequence[StagedTable],
    pack_dir: str | Path,
    *,
    workbook_name: str,
    title: str,
    about: Sequence[tuple[str, str]] = (),
) -> list[Download]:
    """Write one CSV per table and one Excel workbook with all of them into
    ``pack_dir/downloads/``; the workbook comes first in the returned list.

    Parameters
    ----------
    tables
        Table name -> DataFrame (or :class:`StagedTable`), e.g. from :func:`load_staged_tables`.
    pack_dir
        The district's pack folder.
    workbook_name
        File name of the workbook without extension (``"blaby-tables"``).
    title
        The workbook's title (first cell of its About sheet).
    about
        Label/value rows for the About sheet (district, code version, input fingerprint ...).
    """
    staged = _as_staged(tables)
    folder = Path(pack_dir) / DOWNLOADS_DIRNAME
    if not staged:
        return []
    downloads = []
    xlsx = folder / f"{slug(workbook_name)}.xlsx"
    write_workbook_bytes(workbook_bytes(staged, title=title, about=about), xlsx)
    downloads.append(Download(title=f"{title} (Excel workbook, every table)",
                              href=f"{DOWNLOADS_DIRNAME}/{xlsx.name}", format="Excel",
                              rows=None, sha256=sha256_file(xlsx)))
    for table in staged:
        path = write_csv(table.frame, folder / f"{table.name}.csv")
        downloads.append(Download(title=table.title, href=f"{DOWNLOADS_DIRNAME}/{path.name}",
                                  format="CSV", rows=len(table.frame),
                                  description=table.description, sha256=sha256_file(path)))
    return downloads


# --------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class PackPage:
    """A published page of a pack, as the front page and the manifest list it."""

    title: str
    href: str
    kind: str  # "step" or "locality"
    notebook: str
    label: str = ""
    chart_ids: tuple[str, ...] = ()
    key_messages: tuple[str, ...] = ()
    sha256: str = ""

    @property
    def charts(self) -> int:
        """Number of charts and maps on the page."""
        return len(self.chart_ids)


@dataclass(frozen=True)
class District:
    """The district a pack is for."""

    code: str
    name: str
    county: str = ""

    @property
    def slug(self) -> str:
        """The pack's folder name."""
        return pack_slug(self.name)


def write_pack_index(
    pack_dir: str | Path,
    *,
    district: District,
    pages: Sequence[PackPage],
    downloads: Sequence[Download],
    context: PageContext,
    locality_note: str = "",
) -> Path:
    """Write the pack's front page: key messages first (from the step pages, in order), then
    the step pages, every locality profile (with ``locality_note``, e.g. what stands in for
    the community forum areas), and the downloads."""
    steps = [p for p in pages if p.kind == "step"]
    from pipeline.localities import TYPE_LABELS, locality_type

    order = list(TYPE_LABELS)
    profiles = sorted((p for p in pages if p.kind == "locality"),
                      key=lambda p: (p.label.lower(), p.href))
    localities = []  # (group heading, pages), priority neighbourhoods first
    for kind in [*order, ""]:
        group = [p for p in profiles if locality_type(Path(p.href).stem) == kind]
        if group:
            localities.append((f"{TYPE_LABELS[kind]}s" if kind else "Other localities", group))
    key_messages = [m for p in steps for m in p.key_messages]
    html = render(
        "pack_index.html.j2",
        district=district,
        title=f"{district.name} evidence pack",
        key_messages=key_messages,
        steps=steps,
        localities=localities,
        locality_note=locality_note,
        downloads=downloads,
        assets_href=ASSETS_DIRNAME,
        site_href=f"../{INDEX_FILE}",
        footer=footer_values(context, context.parameters or {}),
    )
    return write_text(html, Path(pack_dir) / INDEX_FILE)


def page_name(notebook: str) -> str:
    """A step notebook's name as readers know the page (``"04_option_appraisal"`` ->
    ``"Option appraisal"``)."""
    words = notebook.lstrip("0123456789_-").replace("_", " ").strip() or notebook
    return words[:1].upper() + words[1:]


def write_notice_page(path: str | Path, *, name: str, problem: str, context: PageContext,
                      depth: int = 0) -> str:
    """Write the page published in place of one that could not be produced: a short notice
    naming the problem (escaped), with the pack's navigation and footer. Returns its title."""
    title = f"{name}: not available"
    prefix = relative_prefix(depth)
    body = note_html(f"This page could not be produced in this run: {problem}. The rest of "
                     "the pack is complete; the run summary lists the problem.", "caution")
    page = render("page.html.j2", title=title, pack_title=context.pack_title,
                  home_href=f"{prefix}{INDEX_FILE}" if context.pack_title else "",
                  assets_href=f"{prefix}{ASSETS_DIRNAME}", has_charts=False, toc=[],
                  body=body, footer=footer_values(context, context.parameters or {}))
    write_text(page, path)
    return title


def write_manifest(
    pack_dir: str | Path,
    *,
    district: District,
    context: PageContext,
    pages: Sequence[PackPage],
    downloads: Sequence[Download],
    notices: Sequence[str] = (),
) -> Path:
    """Write ``manifest.json``: what the pack was built from and what it contains (and, when
    some pages are notices, ``notices``: ``"<page>: <problem>"`` for each)."""
    manifest = {
        "district": {"code": district.code, "name": district.name, "slug": district.slug},
        "county": district.county,
        "parameters": public_parameters(context.parameters or {}),
        "code_version": context.code_version,
        "package_versions": dict(sorted(context.package_versions.items())),
        "sources": [asdict(s) for s in sorted(context.sources, key=lambda s: (s.name, s.date))],
        "input_hashes": dict(sorted(context.input_hashes.items())),
        "inputs_fingerprint": inputs_fingerprint(context.input_hashes),
        "pages": [{**asdict(p), "chart_ids": list(p.chart_ids), "charts": p.charts,
                   "key_messages": list(p.key_messages)} for p in pages],
        "downloads": [asdict(d) for d in downloads],
        **({"notices": list(notices)} if notices else {}),
    }
    return write_json(manifest, Path(pack_dir) / MANIFEST_FILE)


def copy_pack_assets(pack_dir: str | Path) -> list[Path]:
    """Ship plotly.min.js, the geo shim and style.css once in ``pack_dir/assets/``."""
    return copy_assets(pack_dir)


# --------------------------------------------------------------------------------------------
# The county index


@dataclass(frozen=True)
class SiteEntry:
    """A district on the county index: a link to its pack, or a note why there is none."""

    name: str
    code: str
    href: str = ""
    note: str = ""


@dataclass(frozen=True)
class SiteIndex:
    """What ``reports/index.html`` lists."""

    county: str
    entries: Sequence[SiteEntry] = field(default_factory=tuple)
    code_version: str = ""


def write_site_index(reports_dir: str | Path, site: SiteIndex) -> Path:
    """Write ``reports/index.html`` (the county and every district) and its stylesheet."""
    reports_dir = Path(reports_dir)
    css = ASSET_FILES["style.css"]
    write_atomic(reports_dir / ASSETS_DIRNAME / "style.css",
                 lambda tmp: tmp.write_bytes(css.read_bytes()))
    html = render("site_index.html.j2", county=site.county, entries=list(site.entries),
                  code_version=site.code_version, assets_href=ASSETS_DIRNAME)
    return write_text(html, reports_dir / INDEX_FILE)


def site_entries(
    reports_dir: str | Path, districts: Sequence[District], failed: Mapping[str, str] = {},
    partial: Collection[str] = (),
) -> list[SiteEntry]:
    """One entry per district in config order: a link where its pack exists; a note where it
    does not, where this run failed and the pack on disk is from an earlier run, or where some
    of its pages are notices (``partial``)."""
    entries = []
    for d in districts:
        exists = (Path(reports_dir) / d.slug / INDEX_FILE).exists()
        if d.code in failed:
            note = ("not updated: the last run failed, this pack is from an earlier run"
                    if exists else "not available: the last run failed")
        elif d.code in partial and exists:
            note = "some pages could not be produced in the last run"
        else:
            note = "" if exists else "not built yet"
        entries.append(SiteEntry(name=d.name, code=d.code,
                                 href=f"{d.slug}/{INDEX_FILE}" if exists else "", note=note))
    return entries


__all__ = [
    "FIXED_DATE", "deterministic_zip",
    "District", "Download", "PackPage", "SiteEntry", "SiteIndex", "StagedTable",
    "copy_pack_assets", "load_staged_tables", "pack_slug", "page_name", "site_entries",
    "stage_table", "workbook_bytes", "write_csv", "write_downloads", "write_manifest",
    "write_notice_page", "write_pack_index", "write_site_index",
]


def add_workbooks(work_dir: str | Path, pack_dir: str | Path) -> list[Download]:
    """Copy the workbooks a run made itself (e.g. the action plan, ``*.xlsx`` in the run's work
    folder) into the pack's downloads, so partners get them as formatted as the page promises."""
    downloads = []
    target = Path(pack_dir) / DOWNLOADS_DIRNAME
    for book in sorted(Path(work_dir).glob("*.xlsx")):
        data = book.read_bytes()
        write_atomic(target / book.name, lambda tmp, data=data: tmp.write_bytes(data))
        title = book.stem.replace("_", " ").replace("-", " ").capitalize()
        downloads.append(Download(title=f"{title} (formatted Excel workbook)",
                                  href=f"{DOWNLOADS_DIRNAME}/{book.name}", format="Excel",
                                  sha256=hashlib.sha256(data).hexdigest()))
    return downloads
