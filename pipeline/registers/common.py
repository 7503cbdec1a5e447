"""Shared parts of the registers: area and id look-ups, and field parsers whose errors name
the file, the entry, the field and (for Excel) the sheet row.

The ``_``-prefixed parsers are internal to :mod:`pipeline.registers`; the register modules
(:mod:`~pipeline.registers.targets`, :mod:`~pipeline.registers.options`,
:mod:`~pipeline.registers.appraisal`) build on them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

BAU_ID = "bau"
PRIORITY_PREFIX = "priority_neighbourhoods:"


@dataclass(frozen=True)
class KnownIds:
    """What register entries may refer to; passed in so validation needs no catalogue on disk.

    Parameters
    ----------
    indicators
        Indicator ids of the catalogue.
    districts
        District codes and names: a mapping code -> name (areas are then stored as codes) or
        any iterable of accepted strings (stored as written in the known set).
    localities
        Locality ids (priority neighbourhoods, forum areas, rural areas, towns).
    county
        The county's code and name, same forms as ``districts``.
    """

    indicators: frozenset[str]
    districts: Mapping[str, str]
    localities: frozenset[str] = frozenset()
    county: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        indicators: Iterable[str],
        districts: Mapping[str, str] | Iterable[str],
        localities: Iterable[str] = (),
        county: Mapping[str, str] | Iterable[str] = (),
    ) -> KnownIds:
        """Build from plain collections (sets, lists or code -> name mappings)."""
        return cls(
            indicators=frozenset(map(str, indicators)),
            districts=_as_code_map(districts),
            localities=frozenset(map(str, localities)),
            county=_as_code_map(county),
        )

    def _lookup(self, names: Mapping[str, str], text: str) -> str | None:
        key = text.strip().lower()
        for code, name in names.items():
            if key in (code.lower(), name.lower()):
                return code
        return None

    def district(self, text: str) -> str | None:
        """Canonical district code for a code or name (case-insensitive), or None."""
        return self._lookup(self.districts, text)

    def resolve_area(self, text: str) -> tuple[str, str] | None:
        """``(canonical area, area kind)`` for an area as written, or None if unknown.

        Kinds: ``district``, ``county``, ``locality``, ``priority_neighbourhoods``.
        """
        text = str(text).strip()
        if text.lower().startswith(PRIORITY_PREFIX):
            code = self.district(text[len(PRIORITY_PREFIX):])
            return (PRIORITY_PREFIX + code, "priority_neighbourhoods") if code else None
        if text in self.localities:
            return text, "locality"
        if (code := self.district(text)) is not None:
            return code, "district"
        if (code := self._lookup(self.county, text)) is not None:
            return code, "county"
        return None

    def describe_areas(self) -> str:
        """Short list of accepted area forms, for error messages."""
        districts = ", ".join(f"{n} ({c})" if n != c else c for c, n in self.districts.items())
        county = ", ".join(f"{n} ({c})" if n != c else c for c, n in self.county.items())
        parts = [f"a district ({districts})" if districts else "",
                 f"the county ({county})" if county else "",
                 f"a locality id ({len(self.localities)} known)" if self.localities else "",
                 f"or {PRIORITY_PREFIX}<district>"]
        return "; ".join(p for p in parts if p)


def _as_code_map(values: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    if isinstance(values, Mapping):
        return {str(k): str(v) for k, v in values.items()}
    return {str(v): str(v) for v in values}


@dataclass(frozen=True)
class _Where:
    file: str | Path
    what: str  # "target 'x'" / "option 'y'" / "appraisal settings"
    row: int | None = None

    def fail(self, fld: str | None, message: str) -> InputError:
        prefix = f"{self.what}: {fld}" if fld else self.what
        return InputError(self.file, f"{prefix} {message}", row=self.row, column=fld)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _check_keys(entry: Mapping[str, Any], allowed: Sequence[str], where: _Where,
                prefix: str = "") -> None:
    for key in entry:
        if key not in allowed:
            raise where.fail(f"{prefix}{key}", f"is not a known key (expected one of: "
                             f"{', '.join(prefix + a for a in allowed)})")


def _require(entry: Mapping[str, Any], keys: Sequence[str], where: _Where, prefix: str = "") -> None:
    for key in keys:
        if _blank(entry.get(key)):
            raise where.fail(f"{prefix}{key}", "is required but missing")


def _text(value: Any, where: _Where, fld: str, *, required: bool = True) -> str:
    if _blank(value):
        if required:
            raise where.fail(fld, "is required but missing")
        return ""
    if isinstance(value, (Mapping, list, tuple)):
        raise where.fail(fld, f"expected text, got {value!r}")
    return str(value).strip()


def _number(
    value: Any,
    where: _Where,
    fld: str,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    what: str = "a number",
) -> float:
    if _blank(value):
        raise where.fail(fld, "is required but missing")
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "").lstrip("£").strip()
        try:
            number = float(cleaned)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise where.fail(fld, f"'{value}' is not {what}")
    if integer and not number.is_integer():
        raise where.fail(fld, f"'{value}' is not a whole number")
    if minimum is not None and number < minimum:
        raise where.fail(fld, f"is {value}, expected {what} >= {minimum:g}")
    if maximum is not None and number > maximum:
        raise where.fail(fld, f"is {value}, expected {what} <= {maximum:g}")
    return number


def _integer(value: Any, where: _Where, fld: str, **kwargs: Any) -> int:
    return int(_number(value, where, fld, integer=True, **kwargs))


def _boolean(value: Any, where: _Where, fld: str, default: bool = False) -> bool:
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "1.0"):
        return True
    if text in ("false", "no", "n", "0", "0.0"):
        return False
    raise where.fail(fld, f"'{value}' is not true or false")


def _list(value: Any, where: _Where, fld: str) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        items = value.split(";")
    elif isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (Mapping, list, tuple)):
                raise where.fail(fld, f"expected a list of ids, got {value!r}")
            items.append(str(item))
    else:
        raise where.fail(fld, f"expected a list of ids (or ';'-separated text), got {value!r}")
    out = tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
    return out


def _choice(value: Any, choices: Sequence[str], where: _Where, fld: str) -> str:
    text = _text(value, where, fld).lower()
    if text not in choices:
        raise where.fail(fld, f"is '{value}', expected one of: {', '.join(choices)}")
    return text


def _mapping(value: Any, where: _Where, fld: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise where.fail(fld, f"expected a mapping of keys to values, got {value!r}")
    return value


_PERIOD = re.compile(r"^(\d{4})(?:/(\d{2}|\d{4}))?$")


def period_year(period: str | int) -> int:
    """First calendar year of a period written ``YYYY`` or ``YYYY/YY`` (financial year)."""
    match = _PERIOD.match(str(period).strip())
    if not match:
        raise ValueError(f"'{period}' is not a year (YYYY) or financial year (YYYY/YY)")
    return int(match.group(1))


def _period(value: Any, where: _Where, fld: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value, where, fld)
    if text.endswith(".0") and text[:-2].isdigit():  # Excel number read as text
        text = text[:-2]
    try:
        period_year(text)
    except ValueError:
        raise where.fail(fld, f"'{value}' is not a year (YYYY) or financial year (YYYY/YY)")
    return text


def _unique_ids(entries: Sequence[Mapping[str, Any]], file: str | Path, kind: str,
                rows: Sequence[int | None]) -> list[str]:
    ids: list[str] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = _Where(file, f"{kind} #{i + 1}", rows[i])
        if not isinstance(entry, Mapping):
            raise where.fail(None, f"expected a mapping of keys to values, got {entry!r}")
        ident = _text(entry.get("id"), where, "id")
        if not re.match(r"^[A-Za-z0-9_\-.]+$", ident):
            raise _Where(file, f"{kind} '{ident}'", rows[i]).fail(
                "id", "may only hold letters, digits, '_', '-' and '.'")
        if ident in seen:
            raise _Where(file, f"{kind} '{ident}'", rows[i]).fail(
                "id", "repeats an earlier entry's id; ids must be unique")
        seen.add(ident)
        ids.append(ident)
    return ids


def _rows(rows: Sequence[int | None] | None, n: int) -> list[int | None]:
    return list(rows) if rows is not None else [None] * n


def _entry_ids(entries: Any, file: str | Path, kind: str,
               rows: Sequence[int | None] | None) -> tuple[list[str], list[int | None]]:
    """Check that a register is a list of entries with unique ids; ``(ids, rows)``.

    ``kind`` names an entry (``target``, ``option``) in errors; ``rows`` (Excel sheet rows) may
    be ``None`` for YAML, then every row is ``None``.
    """
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise InputError(file, f"{kind}s: expected a list of {kind} entries, got {entries!r}")
    rows = _rows(rows, len(entries))
    return _unique_ids(entries, file, kind, rows), rows


def _area(text: str, known: KnownIds, where: _Where, fld: str) -> tuple[str, str]:
    """``(canonical area, area kind)`` of an area as written; an unknown area is an error that
    lists the accepted forms."""
    resolved = known.resolve_area(text)
    if resolved is None:
        raise where.fail(fld, f"'{text}' is not a known area (expected "
                         f"{known.describe_areas()})")
    return resolved


def _year(value: Any, where: _Where, fld: str) -> int:
    """A calendar year between 1990 and 2100."""
    return _integer(value, where, fld, minimum=1990, maximum=2100, what="a calendar year")
