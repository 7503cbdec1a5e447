"""The options register: actions the partnership could take, their effects, costs and links."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.registers.common import (
    BAU_ID,
    KnownIds,
    _area,
    _blank,
    _boolean,
    _check_keys,
    _choice,
    _entry_ids,
    _integer,
    _list,
    _mapping,
    _number,
    _require,
    _text,
    _Where,
    _year,
)
from pipeline.registers.targets import Target

EFFECT_UNITS = ("percent", "absolute")

# Keys of each option entry. Nested keys are dotted.
OPTION_REQUIRED = (
    "id", "title", "acts_on", "effect", "start_year", "cost", "lead_partner",
    "evidence_strength", "deliverability", "equality_impact",
)
OPTION_OPTIONAL = (
    "description", "applies_to", "years_to_full_effect", "depends_on", "excludes", "agreed",
    "illustrative", "source",
)
EFFECT_KEYS = ("central", "low", "high", "unit")
COST_KEYS = ("one_off", "per_year")
LIST_FIELDS = ("acts_on", "applies_to", "depends_on", "excludes")


@dataclass(frozen=True)
class Effect:
    """An option's full effect: signed change to the indicator (see module docstring)."""

    central: float = 0.0
    low: float = 0.0
    high: float = 0.0
    unit: str = "percent"


@dataclass(frozen=True)
class Cost:
    """An option's cost in pounds (today's prices): once at the start, then each year."""

    one_off: float = 0.0
    per_year: float = 0.0


@dataclass(frozen=True)
class Option:
    """One option of the options register (an action the partnership could take).

    ``acts_on`` is as written (target and/or indicator ids); ``targets`` are the target ids it
    reaches through them. ``applies_to`` are canonical areas (empty = wherever its targets are).
    """

    id: str
    title: str
    description: str
    acts_on: tuple[str, ...]
    targets: tuple[str, ...]
    effect: Effect
    applies_to: tuple[str, ...]
    start_year: int
    years_to_full_effect: int
    cost: Cost
    lead_partner: str
    evidence_strength: int
    deliverability: int
    equality_impact: int
    depends_on: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    agreed: bool = False
    illustrative: bool = False
    source: str = ""


def validate_options(
    entries: Sequence[Mapping[str, Any]],
    file: str | Path,
    targets: Sequence[Target],
    known: KnownIds,
    *,
    rows: Sequence[int | None] | None = None,
) -> tuple[Option, ...]:
    """Check raw option entries and return them as :class:`Option` objects, ``bau`` first.

    ``acts_on`` may name target ids and indicator ids; an indicator id reaches every target on
    that indicator. Business as usual (``bau``) is added when missing; when given it must have
    zero effect and zero cost.

    Raises
    ------
    InputError
        Unknown key, missing field, an option acting on no target, an unknown id in acts_on,
        applies_to, depends_on or excludes, an effect range with low > high or central outside
        it, a percentage effect below -100, a negative cost, a score off its scale, an option
        that both depends on and excludes another, or a dependency cycle (named).
    """
    ids, rows = _entry_ids(entries, file, "option", rows)
    target_ids = {t.id for t in targets}
    targets_by_indicator: dict[str, list[str]] = {}
    for t in targets:
        targets_by_indicator.setdefault(t.indicator, []).append(t.id)
    option_ids = set(ids) | {BAU_ID}
    clash = option_ids & (target_ids | set(known.indicators))
    options: list[Option] = []
    for entry, ident, row in zip(entries, ids, rows):
        where = _Where(file, f"option '{ident}'", row)
        _check_keys(entry, OPTION_REQUIRED + OPTION_OPTIONAL, where)
        if ident in clash:
            raise where.fail("id", "is also a target or indicator id; option ids must differ")
        options.append(_option(entry, ident, where, target_ids, targets_by_indicator,
                               option_ids, known))
    if BAU_ID not in ids:
        options.insert(0, business_as_usual())
    else:
        options.sort(key=lambda o: o.id != BAU_ID)
    _check_dependencies(options, file, dict(zip(ids, rows)))
    return tuple(options)


def business_as_usual(start_year: int = 0) -> Option:
    """The reference option: carry on as now (zero effect, zero cost)."""
    return Option(
        id=BAU_ID, title="Business as usual",
        description="Carry on with current services and plans; the reference every option is "
                    "compared with.",
        acts_on=(), targets=(), effect=Effect(), applies_to=(), start_year=start_year,
        years_to_full_effect=0, cost=Cost(), lead_partner="All partners", evidence_strength=1,
        deliverability=5, equality_impact=0, agreed=True,
    )


def _option(
    entry: Mapping[str, Any],
    ident: str,
    where: _Where,
    target_ids: set[str],
    targets_by_indicator: Mapping[str, list[str]],
    option_ids: set[str],
    known: KnownIds,
) -> Option:
    """Check one option entry (fields in the order their errors are reported)."""
    is_bau = ident == BAU_ID
    required = [k for k in OPTION_REQUIRED if not (is_bau and k in ("acts_on", "effect", "cost",
                                                                    "start_year"))]
    _require(entry, required, where)
    acts_on = _list(entry.get("acts_on"), where, "acts_on")
    reached = _reached_targets(acts_on, is_bau, target_ids, targets_by_indicator, known, where)
    effect = _effect(entry.get("effect"), where, is_bau)
    cost = _cost(entry.get("cost"), where, is_bau)
    applies_to = [_area(item, known, where, "applies_to")[0]
                  for item in _list(entry.get("applies_to"), where, "applies_to")]
    depends_on, excludes = _links(entry, ident, is_bau, option_ids, where)
    start_year = (_year(entry["start_year"], where, "start_year")
                  if not _blank(entry.get("start_year")) else 0)
    years_to_full = (0 if _blank(entry.get("years_to_full_effect")) else
                     _integer(entry["years_to_full_effect"], where, "years_to_full_effect",
                              minimum=0, maximum=50, what="a number of years"))
    return Option(
        id=ident,
        title=_text(entry["title"], where, "title"),
        description=_text(entry.get("description"), where, "description", required=False),
        acts_on=acts_on,
        targets=reached,
        effect=effect,
        applies_to=tuple(dict.fromkeys(applies_to)),
        start_year=start_year,
        years_to_full_effect=years_to_full,
        cost=cost,
        lead_partner=_text(entry["lead_partner"], where, "lead_partner"),
        evidence_strength=_integer(entry["evidence_strength"], where, "evidence_strength",
                                   minimum=1, maximum=5, what="a score from the 1-5 scale"),
        deliverability=_integer(entry["deliverability"], where, "deliverability", minimum=1,
                                maximum=5, what="a score from the 1-5 scale"),
        equality_impact=_integer(entry["equality_impact"], where, "equality_impact", minimum=-2,
                                 maximum=2, what="a score from the -2..+2 scale"),
        depends_on=depends_on,
        excludes=excludes,
        agreed=_boolean(entry.get("agreed"), where, "agreed"),
        illustrative=_boolean(entry.get("illustrative"), where, "illustrative"),
        source=_text(entry.get("source"), where, "source", required=False),
    )


def _reached_targets(
    acts_on: tuple[str, ...],
    is_bau: bool,
    target_ids: set[str],
    targets_by_indicator: Mapping[str, list[str]],
    known: KnownIds,
    where: _Where,
) -> tuple[str, ...]:
    """Target ids an option reaches through ``acts_on`` (target ids, or indicator ids standing
    for every target on that indicator); only business as usual may reach none."""
    reached: list[str] = []
    for item in acts_on:
        if item in target_ids:
            reached.append(item)
        elif item in known.indicators:
            reached.extend(targets_by_indicator.get(item, []))
        else:
            raise where.fail("acts_on", f"'{item}' is neither a target id nor an indicator id")
    reached = list(dict.fromkeys(reached))
    if is_bau and acts_on:
        raise where.fail("acts_on", "must be empty: business as usual is the reference option")
    if not is_bau and not reached:
        detail = (f"names only indicators without a target ({', '.join(acts_on)})"
                  if acts_on else "is empty")
        raise where.fail("acts_on", f"{detail}: the option acts on no target (expected at least "
                         f"one of the target ids: {', '.join(sorted(target_ids)) or 'none'})")
    return tuple(reached)


def _links(entry: Mapping[str, Any], ident: str, is_bau: bool, option_ids: set[str],
           where: _Where) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(depends_on, excludes)`` of an option: other options of the register, never ``bau``,
    the option itself, or one option in both lists."""
    depends_on = _list(entry.get("depends_on"), where, "depends_on")
    excludes = _list(entry.get("excludes"), where, "excludes")
    for fld, items in (("depends_on", depends_on), ("excludes", excludes)):
        for item in items:
            if item == BAU_ID or (is_bau and items):
                raise where.fail(fld, "cannot involve 'bau': business as usual is the reference, "
                                 "always in place")
            if item == ident:
                raise where.fail(fld, f"names the option itself ('{item}')")
            if item not in option_ids:
                raise where.fail(fld, f"'{item}' is not an option id of the register")
    both = set(depends_on) & set(excludes)
    if both:
        raise where.fail("excludes", f"'{min(both)}' is also in depends_on: an option "
                         "cannot need and exclude the same option")
    return depends_on, excludes


def _effect(value: Any, where: _Where, is_bau: bool) -> Effect:
    if is_bau and _blank(value):
        return Effect()
    raw = _mapping(value, where, "effect")
    _check_keys(raw, EFFECT_KEYS, where, "effect.")
    _require(raw, ("central", "low", "high"), where, "effect.")
    unit = "percent" if _blank(raw.get("unit")) else _choice(raw["unit"], EFFECT_UNITS, where,
                                                             "effect.unit")
    floor = -100.0 if unit == "percent" else None
    what = "a percentage change >= -100" if unit == "percent" else "a number"
    low = _number(raw["low"], where, "effect.low", minimum=floor, what=what)
    central = _number(raw["central"], where, "effect.central", minimum=floor, what=what)
    high = _number(raw["high"], where, "effect.high", minimum=floor, what=what)
    if low > high:
        raise where.fail("effect.low", f"({low:g}) is greater than effect.high ({high:g}); "
                         "expected low <= central <= high (signed changes: for a reduction, "
                         "low is the largest reduction)")
    if not low <= central <= high:
        raise where.fail("effect.central", f"({central:g}) lies outside the range "
                         f"[{low:g}, {high:g}] given by effect.low and effect.high")
    if is_bau and (low, central, high) != (0, 0, 0):
        raise where.fail("effect", "must be zero: business as usual is the reference option")
    return Effect(central=central, low=low, high=high, unit=unit)


def _cost(value: Any, where: _Where, is_bau: bool) -> Cost:
    if is_bau and _blank(value):
        return Cost()
    raw = _mapping(value, where, "cost")
    _check_keys(raw, COST_KEYS, where, "cost.")
    _require(raw, COST_KEYS, where, "cost.")
    one_off = _number(raw["one_off"], where, "cost.one_off", minimum=0, what="a cost in pounds")
    per_year = _number(raw["per_year"], where, "cost.per_year", minimum=0,
                       what="a cost in pounds")
    if is_bau and (one_off, per_year) != (0, 0):
        raise where.fail("cost", "must be zero: business as usual is the reference option")
    return Cost(one_off=one_off, per_year=per_year)


def _check_dependencies(options: Sequence[Option], file: str | Path,
                        rows: Mapping[str, int | None]) -> None:
    """Raise for a dependency cycle, found by a topological sort, naming the cycle."""
    sorter = graphlib.TopologicalSorter({o.id: o.depends_on for o in options})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])  # [a, b, ..., a]; each node depends on the one after it
        cycle.reverse()
        first = cycle[0]
        raise _Where(file, f"option '{first}'", rows.get(first)).fail(
            "depends_on", f"forms a dependency cycle: {' -> '.join(cycle)} (each option depends "
            "on the next); an option cannot need itself")
    by_id = {o.id: o for o in options}
    for o in options:
        for other in o.excludes:
            if o.id in by_id[other].depends_on:
                raise _Where(file, f"option '{o.id}'", rows.get(o.id)).fail(
                    "excludes", f"'{other}' depends on '{o.id}' but '{o.id}' excludes it")



OPTION_FRAME_COLUMNS = [
    "id", "title", "description", "acts_on", "targets", "effect_central", "effect_low",
    "effect_high", "effect_unit", "applies_to", "start_year", "years_to_full_effect",
    "cost_one_off", "cost_per_year", "lead_partner", "evidence_strength", "deliverability",
    "equality_impact", "depends_on", "excludes", "agreed", "illustrative", "source",
]


def options_frame(options: Sequence[Option]) -> pd.DataFrame:
    """One row per option, indexed by ``id`` (``bau`` first).

    Columns: title, description, acts_on, targets, effect_central, effect_low, effect_high,
    effect_unit, applies_to, start_year, years_to_full_effect, cost_one_off, cost_per_year,
    lead_partner, evidence_strength, deliverability, equality_impact, depends_on, excludes,
    agreed, illustrative, source. List fields hold tuples of ids. These are the column names
    :mod:`pipeline.steps.appraisal` reads.
    """
    records = [{
        "id": o.id, "title": o.title, "description": o.description, "acts_on": o.acts_on,
        "targets": o.targets, "effect_central": o.effect.central, "effect_low": o.effect.low,
        "effect_high": o.effect.high, "effect_unit": o.effect.unit, "applies_to": o.applies_to,
        "start_year": o.start_year, "years_to_full_effect": o.years_to_full_effect,
        "cost_one_off": o.cost.one_off, "cost_per_year": o.cost.per_year,
        "lead_partner": o.lead_partner, "evidence_strength": o.evidence_strength,
        "deliverability": o.deliverability, "equality_impact": o.equality_impact,
        "depends_on": o.depends_on, "excludes": o.excludes, "agreed": o.agreed,
        "illustrative": o.illustrative, "source": o.source,
    } for o in options]
    return pd.DataFrame.from_records(records, columns=OPTION_FRAME_COLUMNS).set_index("id")
