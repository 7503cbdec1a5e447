"""Reading register entries from YAML sections or workbook sheets, and laying them out as sheets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import load_yaml
from pipeline.errors import InputError
from pipeline.ingest.common import read_excel
from pipeline.registers.common import _blank, _text, _Where
from pipeline.registers.options import OPTION_OPTIONAL
from pipeline.registers.targets import TARGET_OPTIONAL

#: Excel columns: required ones must be present in the sheet (cells may still be blank where the
#: field is optional for an entry, e.g. ``bau``), optional ones may be absent.
EXCEL_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "targets": (
        ("id", "title", "indicator", "area", "baseline_period", "target_period", "target.kind",
         "target.amount", "direction", "theme_partnership"),
        TARGET_OPTIONAL,
    ),
    "options": (
        ("id", "title", "acts_on", "effect.central", "effect.low", "effect.high", "start_year",
         "cost.one_off", "cost.per_year", "lead_partner", "evidence_strength", "deliverability",
         "equality_impact"),
        ("effect.unit",) + OPTION_OPTIONAL,
    ),
    "appraisal": (("key", "value"), ("notes",)),
}


def _is_excel(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _yaml_section(path: Path, name: str) -> Any:
    raw = load_yaml(path)
    if not isinstance(raw, Mapping) or name not in raw:
        raise InputError(path, f"expected a top-level '{name}:' key holding the {name} register")
    return raw[name]


def _set_dotted(entry: dict[str, Any], key: str, value: Any) -> None:
    """Store ``value`` under ``key``; a dotted key ``a.b`` goes into the nested mapping ``a``."""
    head, _, tail = key.partition(".")
    if tail:
        entry.setdefault(head, {})[tail] = value
    else:
        entry[key] = value


def read_sheet_entries(path: str | Path, sheet: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Read one register sheet of a workbook into entry mappings and their sheet rows.

    Dotted column names become nested mappings; blank cells are left out; list fields keep their
    ``;``-separated text (split by the validators). A required column that is missing, or an
    unknown column, is an :class:`InputError` naming the sheet and column.
    """
    path = Path(path)
    required, optional = EXCEL_COLUMNS[sheet]
    frame = read_excel(path, sheet)
    columns = list(frame.columns)
    for col in required:
        if col not in columns:
            raise InputError(path, f"sheet '{sheet}': required column '{col}' is missing "
                             f"(columns found: {', '.join(columns)})", column=col)
    for col in columns:
        if col not in required + optional:
            raise InputError(path, f"sheet '{sheet}': column '{col}' is not a known field "
                             f"(expected: {', '.join(required + optional)})", column=col)
    entries: list[dict[str, Any]] = []
    sheet_rows: list[int] = []
    for position, record in enumerate(frame.to_dict("records")):
        if all(_blank(v) for v in record.values()):
            continue
        entry: dict[str, Any] = {}
        for col, value in record.items():
            if not _blank(value):
                _set_dotted(entry, col, value)
        entries.append(entry)
        sheet_rows.append(position + 2)  # header is row 1
    return entries, sheet_rows


def _appraisal_from_sheet(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    entries, sheet_rows = read_sheet_entries(path, "appraisal")
    settings: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for entry, row in zip(entries, sheet_rows):
        key = _text(entry.get("key"), _Where(path, "appraisal settings", row), "key")
        if key in rows:
            raise InputError(path, f"sheet 'appraisal': setting '{key}' is given twice "
                             f"(first on row {rows[key]})", row=row, column="key")
        rows[key] = row
        _set_dotted(settings, key, entry.get("value"))
    return settings, rows


def register_entries(path: str | Path, name: str) -> tuple[list[Any], list[int] | None]:
    """The raw entries of the ``targets`` or ``options`` register and their sheet rows.

    From a workbook: sheet ``name`` (see :func:`read_sheet_entries`), with each entry's row.
    From YAML: the top-level ``name:`` list (an empty key gives no entries), rows ``None``.
    """
    path = Path(path)
    if _is_excel(path):
        return read_sheet_entries(path, name)
    return _yaml_section(path, name) or [], None


def appraisal_entry(path: str | Path) -> tuple[Any, dict[str, int] | None]:
    """The raw appraisal settings and the sheet row of each dotted key (``None`` for YAML).

    From a workbook: the ``key``/``value`` sheet ``appraisal``, a key given twice is an
    :class:`InputError`. From YAML: the top-level ``appraisal:`` mapping.
    """
    path = Path(path)
    if _is_excel(path):
        return _appraisal_from_sheet(path)
    return _yaml_section(path, "appraisal") or {}, None


def register_sheets(
    targets: Sequence[Mapping[str, Any]],
    options: Sequence[Mapping[str, Any]],
    appraisal: Mapping[str, Any],
) -> dict[str, pd.DataFrame]:
    """Lay raw register entries (as written in YAML) out as the three workbook sheets.

    The inverse of the Excel reader: dotted columns for nested fields, ``;``-joined lists, and a
    ``key``/``value`` sheet for the appraisal settings. Write the result with
    ``pandas.ExcelWriter`` to give partners an Excel version of the registers.
    """
    def flatten(entry: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if isinstance(value, Mapping):
                out.update(flatten(value, f"{prefix}{key}."))
            elif isinstance(value, (list, tuple)):
                out[f"{prefix}{key}"] = ";".join(map(str, value))
            else:
                out[f"{prefix}{key}"] = value
        return out

    def sheet(entries: Sequence[Mapping[str, Any]], name: str) -> pd.DataFrame:
        required, optional = EXCEL_COLUMNS[name]
        frame = pd.DataFrame([flatten(e) for e in entries])
        order = [c for c in required + optional if c in frame.columns or c in required]
        return frame.reindex(columns=order)

    settings = flatten(appraisal)
    return {
        "targets": sheet(targets, "targets"),
        "options": sheet(options, "options"),
        "appraisal": pd.DataFrame({"key": list(settings), "value": list(settings.values())}),
    }
