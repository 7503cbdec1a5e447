"""Every Excel workbook the packs publish, written by one deterministic writer.

Two layouts share the same workbook set-up and the same deterministic save (fixed dates, no
build time, a zip rewritten with fixed entry dates), so equal content gives equal bytes:

* :func:`tables_workbook_bytes`: the district's workbook of every download table, an "About"
  sheet (title, provenance, flags, list of tables) then one plain sheet per table with a bold
  frozen header row and filters (:func:`pipeline.reporting.pack.write_downloads`).
* :func:`formatted_workbook_bytes`: a formatted report workbook of :class:`SheetTable` sheets,
  each with a title, notes, a bold frozen header, number formats and label/value rows below
  (the action plan).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline.io import write_atomic

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry: no build time leaks
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FIXED_DATE = datetime.datetime(2000, 1, 1)
CORE_DATES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")
HEADER_FILL = "DDEBF7"


# --------------------------------------------------------------------------------------------
# The one writer: set-up and deterministic save
# --------------------------------------------------------------------------------------------


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with a fixed date on every entry and without the document's created and
    modified dates, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # no build time in the workbook
                data = CORE_DATES.sub(b"", data)
            dst.writestr(entry, data)
    return out.getvalue()


def new_workbook(title: str | None = None) -> Workbook:
    """A workbook with fixed properties (creator ``pipeline``, fixed dates, optional title)."""
    wb = Workbook()
    wb.properties.creator = "pipeline"
    if title is not None:
        wb.properties.title = title
    wb.properties.created = wb.properties.modified = FIXED_DATE  # removed by the zip rewrite
    return wb


def workbook_to_bytes(wb: Workbook) -> bytes:
    """The workbook's bytes, identical for equal content (:func:`deterministic_zip`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # compressed once, below
        ExcelWriter(wb, archive).save()
    return deterministic_zip(buffer.getvalue())


def write_workbook_bytes(data: bytes, path: str | Path) -> Path:
    """Write workbook bytes to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


# --------------------------------------------------------------------------------------------
# The workbook of every download table
# --------------------------------------------------------------------------------------------


def _table_sheet_names(names: Sequence[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        base = SHEET_FORBIDDEN.sub("_", name)[:31] or "table"
        candidate, n = base, 2
        while candidate.lower() in {r.lower() for r in result} or candidate.lower() == "about":
            suffix = f"_{n}"
            candidate, n = base[:31 - len(suffix)] + suffix, n + 1
        result.append(candidate)
    return result


def _table_cell(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars -> Python
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _about_sheet(ws: Worksheet, title: str, about: Sequence[tuple[str, str]],
                 flags: Sequence[tuple[str, str]], contents: Sequence[tuple[str, Any]]) -> None:
    bold = Font(bold=True)
    ws.title = "About"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for label, value in about:
        ws.append([label, value])
    ws.append([])
    ws.append(["Flags"])
    ws.cell(row=ws.max_row, column=1).font = bold
    for flag, meaning in flags:
        ws.append([flag, meaning])
    ws.append([])
    ws.append(["Sheet", "Table", "Description", "Rows"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for sheet, table in contents:
        ws.append([sheet, table.title, table.description, len(table.frame)])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 60


def tables_workbook_bytes(tables: Sequence[Any], *, title: str,
                          about: Sequence[tuple[str, str]] = (),
                          flags: Sequence[tuple[str, str]] = ()) -> bytes:
    """An Excel workbook of tables: an "About" sheet (title, ``about`` label/value rows, the
    ``flags`` and their meanings, list of tables), then one sheet per table (anything with
    ``name``, ``title``, ``description`` and ``frame``) with a bold frozen header row and
    filters. Byte-identical for equal input."""
    wb = new_workbook()
    sheet_names = _table_sheet_names([t.name for t in tables])
    bold = Font(bold=True)
    _about_sheet(wb.active, title, about, flags, list(zip(sheet_names, tables, strict=True)))
    for sheet, table in zip(sheet_names, tables, strict=True):
        ws = wb.create_sheet(sheet)
        frame = table.frame
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = bold
        for row in frame.itertuples(index=False, name=None):
            ws.append([_table_cell(v) for v in row])
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        for i, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 50)
    return workbook_to_bytes(wb)


# --------------------------------------------------------------------------------------------
# Formatted report workbooks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetTable:
    """One sheet of a formatted workbook: a title, notes above the table, the table with its
    column headers and Excel number formats, and label/value rows below it."""

    name: str
    title: str
    table: pd.DataFrame
    headers: Mapping[str, str]
    formats: Mapping[str, str]
    notes: Sequence[str] = ()
    footer: Sequence[tuple[str, Any, str]] = ()  # (label, value, number format)


def value_format(values: Sequence[float] | pd.Series) -> str:
    """An Excel number format that suits the size of the values: no decimals from 100, one
    from 10, two below."""
    finite = [abs(float(v)) for v in values if v is not None and np.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest >= 100:
        return "#,##0"
    if largest >= 10:
        return "#,##0.0"
    return "#,##0.00"


def _sheet_name(name: str, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub("_", name).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _excel_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _formatted_sheet(ws: Worksheet, sheet: SheetTable) -> None:
    """Title, notes, a bold filled header row frozen with the rows above it, the rows with
    their number formats, column widths fitted to the contents, and the footer rows."""
    bold = Font(bold=True)
    ws.append([sheet.title])
    ws["A1"].font = Font(bold=True, size=14)
    for note in sheet.notes:
        ws.append([note])
    ws.append([])
    columns = list(sheet.headers)
    ws.append([sheet.headers[c] for c in columns])
    header_row = ws.max_row  # (an empty row has no cells, so count from the header itself)
    for cell in ws[header_row]:
        cell.font, cell.fill = bold, PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in sheet.table[columns].itertuples(index=False, name=None):
        ws.append([_excel_value(v) for v in record])
    first_data, last_data = header_row + 1, ws.max_row
    for i, column in enumerate(columns, start=1):
        fmt = sheet.formats.get(column)
        if fmt:
            for row in range(first_data, last_data + 1):
                ws.cell(row=row, column=i).number_format = fmt
        texts = [str(sheet.headers[column])] + [
            str(v) for v in sheet.table[column].head(500) if v is not None]
        width = max(len(t) for t in texts) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, width), 60)
        if width > 60:
            for row in range(first_data, last_data + 1):
                ws.cell(row=row, column=i).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{first_data}"
    if sheet.footer:
        ws.append([])
        for label, value, fmt in sheet.footer:
            ws.append([label, _excel_value(value)])
            ws.cell(row=ws.max_row, column=1).font = bold
            if fmt:
                ws.cell(row=ws.max_row, column=2).number_format = fmt


def formatted_workbook_bytes(sheets: Sequence[SheetTable], *, title: str) -> bytes:
    """A formatted workbook: per sheet a bold title, notes, a bold header row frozen with the
    rows above it, column widths fitted to the contents, number formats per column, and
    label/value rows under the table. Byte-identical for equal input."""
    if not sheets:
        raise ValueError("the workbook needs at least one sheet")
    wb = new_workbook(title)
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in sheets:
        missing = [c for c in sheet.headers if c not in sheet.table.columns]
        if missing:
            raise ValueError(f"sheet '{sheet.name}': column '{missing[0]}' is not in its table")
        _formatted_sheet(wb.create_sheet(_sheet_name(sheet.name, taken)), sheet)
    return workbook_to_bytes(wb)


def write_formatted_workbook(sheets: Sequence[SheetTable], path: str | Path, *, title: str
                             ) -> Path:
    """Write :func:`formatted_workbook_bytes` to ``path`` atomically."""
    return write_workbook_bytes(formatted_workbook_bytes(sheets, title=title), path)
