"""The targets register: where an indicator should be by when, and who is accountable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.registers.common import (
    KnownIds,
    _area,
    _blank,
    _boolean,
    _check_keys,
    _choice,
    _entry_ids,
    _mapping,
    _number,
    _period,
    _require,
    _text,
    _Where,
    period_year,
)

TARGET_KINDS = ("absolute", "relative_change", "gap_reduction")
TARGET_DIRECTIONS = ("decrease", "increase")
#: Comparators for a ``gap_reduction`` target besides a district or the county.
GAP_COMPARATORS = ("rest_of_district", "england")

# Keys of each target entry.
TARGET_REQUIRED = (
    "id", "title", "indicator", "area", "baseline_period", "target_period", "target",
    "direction", "theme_partnership",
)
TARGET_OPTIONAL = ("comparator", "illustrative", "source", "notes")
TARGET_AMOUNT_KEYS = ("kind", "amount")


@dataclass(frozen=True)
class Target:
    """One target: where an indicator should be by when, and who is accountable.

    ``kind`` is ``absolute`` (``amount`` is the level to reach, in the indicator's unit),
    ``relative_change`` (``amount`` is the percentage change from the baseline, in ``direction``)
    or ``gap_reduction`` (``amount`` is the percentage by which the gap between ``area`` and
    ``comparator`` should narrow). ``baseline_year``/``target_year`` are the periods' first years.
    """

    id: str
    title: str
    indicator: str
    area: str
    area_kind: str
    area_label: str
    baseline_period: str
    target_period: str
    kind: str
    amount: float
    direction: str
    theme_partnership: str
    comparator: str | None = None
    illustrative: bool = False
    source: str = ""
    notes: str = ""

    @property
    def baseline_year(self) -> int:
        return period_year(self.baseline_period)

    @property
    def target_year(self) -> int:
        return period_year(self.target_period)

    def level(
        self,
        baseline_value: float,
        comparator_baseline: float | None = None,
        comparator_at_target: float | None = None,
    ) -> float:
        """The indicator value that meets this target at the target period.

        Parameters
        ----------
        baseline_value
            The area's value at the baseline period.
        comparator_baseline, comparator_at_target
            For ``gap_reduction`` only: the comparator's value at the baseline and (if forecast)
            at the target period; by default the comparator is assumed to stay at its baseline.
        """
        sign = -1.0 if self.direction == "decrease" else 1.0
        if self.kind == "absolute":
            return float(self.amount)
        if self.kind == "relative_change":
            return float(baseline_value) * (1.0 + sign * self.amount / 100.0)
        if comparator_baseline is None:
            raise ValueError(f"target '{self.id}' is a gap_reduction: comparator_baseline needed")
        end = comparator_baseline if comparator_at_target is None else comparator_at_target
        gap = float(baseline_value) - float(comparator_baseline)
        return float(end) + gap * (1.0 - self.amount / 100.0)


def validate_targets(
    entries: Sequence[Mapping[str, Any]],
    file: str | Path,
    known: KnownIds,
    *,
    rows: Sequence[int | None] | None = None,
) -> tuple[Target, ...]:
    """Check raw target entries and return them as :class:`Target` objects.

    Parameters
    ----------
    entries
        The register's entries (YAML mappings, or Excel rows turned into mappings).
    file
        File named in errors.
    known
        The indicator ids, districts, localities and county entries may refer to.
    rows
        Sheet row of each entry (Excel), for error messages.

    Raises
    ------
    InputError
        Unknown key, missing field, unknown indicator or area, bad target kind/amount/direction,
        a target period not after the baseline, or a duplicate id.
    """
    ids, rows = _entry_ids(entries, file, "target", rows)
    return tuple(_target(entry, ident, _Where(file, f"target '{ident}'", row), known)
                 for entry, ident, row in zip(entries, ids, rows))


def _target(entry: Mapping[str, Any], ident: str, where: _Where, known: KnownIds) -> Target:
    """Check one target entry (keys, indicator, area, periods, amount, comparator)."""
    _check_keys(entry, TARGET_REQUIRED + TARGET_OPTIONAL, where)
    _require(entry, TARGET_REQUIRED, where)
    if ident in known.indicators:
        raise where.fail("id", "is also an indicator id; a target id must differ from "
                         "indicator ids so that an option's acts_on is unambiguous")
    indicator = _text(entry["indicator"], where, "indicator")
    if indicator not in known.indicators:
        raise where.fail("indicator", f"'{indicator}' is not an indicator of the catalogue")
    area_text = _text(entry["area"], where, "area")
    area, area_kind = _area(area_text, known, where, "area")
    baseline, target_period = _target_periods(entry, where)
    kind, direction, amount = _target_amount(entry, where)
    comparator = None
    if "comparator" in entry and not _blank(entry["comparator"]) and kind != "gap_reduction":
        raise where.fail("comparator", "is only used by gap_reduction targets")
    if kind == "gap_reduction":
        comparator = _comparator(entry.get("comparator"), area_kind, known, where)
    return Target(
        id=ident,
        title=_text(entry["title"], where, "title"),
        indicator=indicator,
        area=area,
        area_kind=area_kind,
        area_label=area_text,
        baseline_period=baseline,
        target_period=target_period,
        kind=kind,
        amount=amount,
        direction=direction,
        theme_partnership=_text(entry["theme_partnership"], where, "theme_partnership"),
        comparator=comparator,
        illustrative=_boolean(entry.get("illustrative"), where, "illustrative"),
        source=_text(entry.get("source"), where, "source", required=False),
        notes=_text(entry.get("notes"), where, "notes", required=False),
    )


def _target_periods(entry: Mapping[str, Any], where: _Where) -> tuple[str, str]:
    """The baseline and target periods as written; the target period must come later."""
    baseline = _period(entry["baseline_period"], where, "baseline_period")
    target_period = _period(entry["target_period"], where, "target_period")
    if period_year(target_period) <= period_year(baseline):
        relation = "the same as" if period_year(target_period) == period_year(baseline) \
            else "before"
        raise where.fail("target_period", f"{target_period} is {relation} the "
                         f"baseline_period {baseline}; expected a later period")
    return baseline, target_period


def _target_amount(entry: Mapping[str, Any], where: _Where) -> tuple[str, str, float]:
    """``(kind, direction, amount)`` of a target, the amount checked against its kind."""
    amount_entry = _mapping(entry["target"], where, "target")
    _check_keys(amount_entry, TARGET_AMOUNT_KEYS, where, "target.")
    _require(amount_entry, TARGET_AMOUNT_KEYS, where, "target.")
    kind = _choice(amount_entry["kind"], TARGET_KINDS, where, "target.kind")
    direction = _choice(entry["direction"], TARGET_DIRECTIONS, where, "direction")
    if kind == "absolute":
        amount = _number(amount_entry["amount"], where, "target.amount")
    elif kind == "relative_change":
        amount = _number(amount_entry["amount"], where, "target.amount", minimum=0,
                         maximum=100 if direction == "decrease" else None,
                         what="a percentage change")
    else:
        amount = _number(amount_entry["amount"], where, "target.amount", minimum=0,
                         maximum=100, what="a percentage of the gap")
    if kind != "absolute" and amount == 0:
        raise where.fail("target.amount", "is 0: a target must ask for some change")
    return kind, direction, amount


def _comparator(value: Any, area_kind: str, known: KnownIds, where: _Where) -> str:
    """Canonical comparator of a gap target (default: the rest of the district, else England)."""
    if _blank(value):
        return "rest_of_district" if area_kind in ("priority_neighbourhoods", "locality") \
            else "england"
    text = _text(value, where, "comparator")
    if text.lower() in GAP_COMPARATORS:
        if text.lower() == "rest_of_district" and area_kind not in ("priority_neighbourhoods",
                                                                     "locality"):
            raise where.fail("comparator", "rest_of_district needs an area inside a district "
                             "(priority neighbourhoods or a locality)")
        return text.lower()
    resolved = known.resolve_area(text)
    if resolved is None or resolved[1] not in ("district", "county"):
        raise where.fail("comparator", f"'{text}' is not one of {', '.join(GAP_COMPARATORS)}, "
                         "a district or the county")
    return resolved[0]


#: Columns of :func:`targets_frame` (all attributes of :class:`Target`); ``id`` becomes the index.
TARGET_FRAME_COLUMNS = [
    "id", "title", "indicator", "area", "area_kind", "area_label", "baseline_period",
    "target_period", "baseline_year", "target_year", "kind", "amount", "direction",
    "theme_partnership", "comparator", "illustrative", "source", "notes",
]


def targets_frame(targets: Sequence[Target]) -> pd.DataFrame:
    """One row per target, indexed by ``id``.

    Columns: title, indicator, area, area_kind, area_label, baseline_period, target_period,
    baseline_year, target_year, kind, amount, direction, theme_partnership, comparator,
    illustrative, source, notes.
    """
    records = [{column: getattr(t, column) for column in TARGET_FRAME_COLUMNS} for t in targets]
    return pd.DataFrame.from_records(records, columns=TARGET_FRAME_COLUMNS).set_index("id")
