"""The registers behind steps 3-5: targets, options and appraisal settings, loaded and checked.

Each register is a YAML file (``config/targets.yaml``, ``config/options.yaml``,
``config/appraisal.yaml``) or one sheet of an Excel workbook (sheets ``targets``, ``options``,
``appraisal``). Checks are strict: an unknown key, an unknown indicator, area or option, an
impossible range, a negative cost or a dependency cycle is an :class:`InputError` naming the file,
the entry id and the field (and, for Excel, the sheet row).

Layouts
-------
YAML: a top-level key per register (``targets:`` list, ``options:`` list, ``appraisal:`` mapping),
so one YAML file may also hold all three.

Excel: one row per entry; nested fields use dotted column names (``target.kind``,
``target.amount``, ``effect.central``, ``effect.low``, ``effect.high``, ``effect.unit``,
``cost.one_off``, ``cost.per_year``); list fields (``acts_on``, ``applies_to``, ``depends_on``,
``excludes``) hold ``;``-separated text; a blank cell means "not given". The ``appraisal`` sheet has
two columns, ``key`` and ``value`` (and an optional ``notes``), one row per setting, with dotted keys
for nested settings (``criteria.impact``, ``sensitivity.draws``).

What the loaders return
-----------------------
Frozen dataclasses (:class:`Target`, :class:`Option`, :class:`AppraisalSettings`); the step code
works on DataFrames, so :func:`targets_frame` and :func:`options_frame` flatten a register into one
row per entry indexed by id (columns documented there).

Conventions
-----------
* Areas (a target's ``area``, an option's ``applies_to``) are written as a district code or name,
  the county code or name, a locality id, or ``priority_neighbourhoods:<district>`` (all priority
  neighbourhoods of a district together). They are stored canonically: districts and the county as
  their GSS code when the known names were given as a code -> name mapping, localities as their id,
  ``priority_neighbourhoods:<district code>``.
* An option's ``effect`` is the signed change it makes to the indicator in the areas it reaches,
  once at full effect: ``unit: percent`` (-21 = 21% lower than it would otherwise be) or
  ``unit: absolute`` (in the indicator's own unit). ``low <= central <= high`` numerically, so for
  a reduction ``low`` is the *largest* reduction.
* The business-as-usual option ``bau`` (zero effect, zero cost) is always present, first.
"""

from __future__ import annotations

import dataclasses
import graphlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import load_yaml
from pipeline.errors import InputError
from pipeline.ingest.common import read_excel

# --------------------------------------------------------------------------------------------
# Vocabularies and scales
# --------------------------------------------------------------------------------------------

BAU_ID = "bau"
TARGET_KINDS = ("absolute", "relative_change", "gap_reduction")
TARGET_DIRECTIONS = ("decrease", "increase")
EFFECT_UNITS = ("percent", "absolute")
PRIORITY_PREFIX = "priority_neighbourhoods:"
#: Comparators for a ``gap_reduction`` target besides a district or the county.
GAP_COMPARATORS = ("rest_of_district", "england")

#: Strength of evidence that an option works (after the Maryland Scientific Methods Scale and the
#: College of Policing Crime Reduction Toolkit's EMMIE ratings).
EVIDENCE_SCALE: dict[int, str] = {
    1: "expert opinion, practice experience or anecdote; no evaluation",
    2: "descriptive or before-and-after study without a comparison area",
    3: "before-and-after study with a comparison area (quasi-experimental)",
    4: "well-matched quasi-experiment or a single randomised controlled trial",
    5: "systematic review / meta-analysis or several randomised controlled trials",
}

#: How readily the partnership can deliver an option.
DELIVERABILITY_SCALE: dict[int, str] = {
    1: "very hard: no lead partner, untested locally, major legal/funding/capacity risks",
    2: "hard: lead partner uncertain or large risks to timing and take-up",
    3: "moderate: lead partner willing, some risks to manage",
    4: "straightforward: lead partner committed, delivered elsewhere, minor risks",
    5: "easy: extends an existing, funded local service",
}

#: Expected effect on equality between groups and areas (Equality Act protected characteristics
#: and the priority-neighbourhood gap).
EQUALITY_SCALE: dict[int, str] = {
    -2: "widens inequalities markedly",
    -1: "widens inequalities slightly",
    0: "neutral",
    1: "narrows inequalities slightly",
    2: "narrows inequalities markedly",
}


@dataclass(frozen=True)
class Criterion:
    """One criterion of the multi-criteria appraisal."""

    id: str
    title: str
    better: str  # 'higher_is_better' | 'lower_is_better'


#: The appraisal criteria, in display order.
CRITERIA: dict[str, Criterion] = {
    c.id: c
    for c in (
        Criterion("impact", "Impact on the gap to target", "higher_is_better"),
        Criterion("cost", "Cost (discounted, whole appraisal period)", "lower_is_better"),
        Criterion("reach", "Reach into priority neighbourhoods", "higher_is_better"),
        Criterion("evidence", "Strength of evidence", "higher_is_better"),
        Criterion("deliverability", "Deliverability", "higher_is_better"),
        Criterion("equality", "Equality impact", "higher_is_better"),
    )
}

#: Which way is better for each criterion, as :func:`pipeline.steps.appraisal.score_options` wants.
CRITERIA_DIRECTIONS: dict[str, str] = {c.id: c.better for c in CRITERIA.values()}

PACKAGE_OBJECTIVES = ("weighted_score", "gap_closed")

# Keys of each register entry. Nested keys are dotted.
TARGET_REQUIRED = (
    "id", "title", "indicator", "area", "baseline_period", "target_period", "target",
    "direction", "theme_partnership",
)
TARGET_OPTIONAL = ("comparator", "illustrative", "source", "notes")
TARGET_AMOUNT_KEYS = ("kind", "amount")
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
APPRAISAL_REQUIRED = ("criteria", "budget_per_year", "base_year")
APPRAISAL_OPTIONAL = (
    "discount_rate", "appraisal_years", "draws", "seed", "sensitivity", "interval",
    "package_objective", "illustrative", "source",
)
SENSITIVITY_KEYS = ("draws", "concentration")
LIST_FIELDS = ("acts_on", "applies_to", "depends_on", "excludes")

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

DEFAULT_DISCOUNT_RATE = 0.035  # HM Treasury Green Book social time preference rate, years 0-30
DEFAULT_APPRAISAL_YEARS = 10
DEFAULT_DRAWS = 2000
DEFAULT_SEED = 20240101
DEFAULT_SENSITIVITY_DRAWS = 2000
DEFAULT_CONCENTRATION = 50.0
DEFAULT_INTERVAL = 0.9


# --------------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class AppraisalSettings:
    """How options are appraised: criterion swing weights, budget, discounting, simulation.

    ``weights`` holds every criterion of :data:`CRITERIA` (missing ones are 0) as swing weights;
    :attr:`normalised_weights` divides them by their sum.
    """

    weights: Mapping[str, float]
    budget_per_year: float
    base_year: int
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    appraisal_years: int = DEFAULT_APPRAISAL_YEARS
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    sensitivity_draws: int = DEFAULT_SENSITIVITY_DRAWS
    sensitivity_concentration: float = DEFAULT_CONCENTRATION
    interval: float = DEFAULT_INTERVAL
    package_objective: str = "weighted_score"
    illustrative: bool = False
    source: str = ""

    @property
    def normalised_weights(self) -> dict[str, float]:
        total = sum(self.weights.values())
        return {k: v / total for k, v in self.weights.items()}

    @property
    def years(self) -> list[int]:
        """Calendar years of the appraisal period."""
        return list(range(self.base_year, self.base_year + self.appraisal_years))


@dataclass(frozen=True)
class Registers:
    """All three registers, checked against each other."""

    targets: tuple[Target, ...]
    options: tuple[Option, ...]
    appraisal: AppraisalSettings


# --------------------------------------------------------------------------------------------
# Field parsing with errors that name the entry and the field
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


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
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise InputError(file, f"targets: expected a list of target entries, got {entries!r}")
    rows = _rows(rows, len(entries))
    ids = _unique_ids(entries, file, "target", rows)
    targets = []
    for entry, ident, row in zip(entries, ids, rows):
        where = _Where(file, f"target '{ident}'", row)
        _check_keys(entry, TARGET_REQUIRED + TARGET_OPTIONAL, where)
        _require(entry, TARGET_REQUIRED, where)
        if ident in known.indicators:
            raise where.fail("id", "is also an indicator id; a target id must differ from "
                             "indicator ids so that an option's acts_on is unambiguous")
        indicator = _text(entry["indicator"], where, "indicator")
        if indicator not in known.indicators:
            raise where.fail("indicator", f"'{indicator}' is not an indicator of the catalogue")
        area_text = _text(entry["area"], where, "area")
        resolved = known.resolve_area(area_text)
        if resolved is None:
            raise where.fail("area", f"'{area_text}' is not a known area (expected "
                             f"{known.describe_areas()})")
        area, area_kind = resolved
        baseline = _period(entry["baseline_period"], where, "baseline_period")
        target_period = _period(entry["target_period"], where, "target_period")
        if period_year(target_period) <= period_year(baseline):
            relation = "the same as" if period_year(target_period) == period_year(baseline) \
                else "before"
            raise where.fail("target_period", f"{target_period} is {relation} the "
                             f"baseline_period {baseline}; expected a later period")
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
        comparator = None
        if "comparator" in entry and not _blank(entry["comparator"]) and kind != "gap_reduction":
            raise where.fail("comparator", "is only used by gap_reduction targets")
        if kind == "gap_reduction":
            comparator = _comparator(entry.get("comparator"), area_kind, known, where)
        targets.append(Target(
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
        ))
    return tuple(targets)


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
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise InputError(file, f"options: expected a list of option entries, got {entries!r}")
    rows = _rows(rows, len(entries))
    ids = _unique_ids(entries, file, "option", rows)
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
    is_bau = ident == BAU_ID
    required = [k for k in OPTION_REQUIRED if not (is_bau and k in ("acts_on", "effect", "cost",
                                                                    "start_year"))]
    _require(entry, required, where)

    acts_on = _list(entry.get("acts_on"), where, "acts_on")
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

    effect = _effect(entry.get("effect"), where, is_bau)
    cost = _cost(entry.get("cost"), where, is_bau)

    applies_to: list[str] = []
    for item in _list(entry.get("applies_to"), where, "applies_to"):
        resolved = known.resolve_area(item)
        if resolved is None:
            raise where.fail("applies_to", f"'{item}' is not a known area (expected "
                             f"{known.describe_areas()})")
        applies_to.append(resolved[0])

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

    start_year = (_integer(entry["start_year"], where, "start_year", minimum=1990, maximum=2100,
                           what="a calendar year")
                  if not _blank(entry.get("start_year")) else 0)
    years_to_full = (0 if _blank(entry.get("years_to_full_effect")) else
                     _integer(entry["years_to_full_effect"], where, "years_to_full_effect",
                              minimum=0, maximum=50, what="a number of years"))
    return Option(
        id=ident,
        title=_text(entry["title"], where, "title"),
        description=_text(entry.get("description"), where, "description", required=False),
        acts_on=acts_on,
        targets=tuple(reached),
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


def validate_appraisal(
    entry: Mapping[str, Any],
    file: str | Path,
    *,
    rows: Mapping[str, int] | None = None,
) -> AppraisalSettings:
    """Check the appraisal settings and return :class:`AppraisalSettings`.

    ``rows`` maps dotted keys to sheet rows (Excel), for error messages.

    Raises
    ------
    InputError
        Unknown key or criterion, a negative weight, weights that do not sum to a positive
        value, a negative budget, a discount rate outside [0, 1), or a bad count.
    """
    rows = dict(rows or {})

    def at(key: str) -> _Where:
        return _Where(file, "appraisal settings", rows.get(key))

    if not isinstance(entry, Mapping):
        raise InputError(file, f"appraisal: expected a mapping of settings, got {entry!r}")
    for key in entry:
        if key not in APPRAISAL_REQUIRED + APPRAISAL_OPTIONAL:
            raise at(key).fail(key, "is not a known setting (expected one of: "
                               f"{', '.join(APPRAISAL_REQUIRED + APPRAISAL_OPTIONAL)})")
    for key in APPRAISAL_REQUIRED:
        if _blank(entry.get(key)):
            raise at(key).fail(key, "is required but missing")
    criteria = _mapping(entry["criteria"], at("criteria"), "criteria")
    weights = {c: 0.0 for c in CRITERIA}
    for name, value in criteria.items():
        fld = f"criteria.{name}"
        if name not in CRITERIA:
            raise at(fld).fail(fld, f"'{name}' is not a known criterion (expected one of: "
                               f"{', '.join(CRITERIA)})")
        weights[name] = _number(value, at(fld), fld, minimum=0, what="a swing weight")
    if not sum(weights.values()) > 0:
        raise at("criteria").fail("criteria", "weights sum to 0; expected swing weights summing "
                                  "to a positive value (e.g. 100 for the most important "
                                  "criterion's swing)")
    sensitivity = entry.get("sensitivity") or {}
    sensitivity = _mapping(sensitivity, at("sensitivity"), "sensitivity")
    for key in sensitivity:
        if key not in SENSITIVITY_KEYS:
            fld = f"sensitivity.{key}"
            raise at(fld).fail(fld, f"is not a known setting (expected one of: "
                               f"{', '.join('sensitivity.' + k for k in SENSITIVITY_KEYS)})")

    def opt(key: str, default: Any, parse: Any, **kwargs: Any) -> Any:
        source = sensitivity if key.startswith("sensitivity.") else entry
        name = key.split(".", 1)[1] if key.startswith("sensitivity.") else key
        value = source.get(name)
        return default if _blank(value) else parse(value, at(key), key, **kwargs)

    interval = opt("interval", DEFAULT_INTERVAL, _number, minimum=0.5, maximum=0.99,
                   what="a coverage between 0.5 and 0.99")
    objective = entry.get("package_objective")
    objective = "weighted_score" if _blank(objective) else _choice(
        objective, PACKAGE_OBJECTIVES, at("package_objective"), "package_objective")
    return AppraisalSettings(
        weights=weights,
        budget_per_year=_number(entry["budget_per_year"], at("budget_per_year"),
                                "budget_per_year", minimum=0, what="a budget in pounds"),
        base_year=_integer(entry["base_year"], at("base_year"), "base_year", minimum=1990,
                           maximum=2100, what="a calendar year"),
        discount_rate=opt("discount_rate", DEFAULT_DISCOUNT_RATE, _number, minimum=0,
                          maximum=0.99, what="a rate (0.035 = 3.5%)"),
        appraisal_years=opt("appraisal_years", DEFAULT_APPRAISAL_YEARS, _integer, minimum=1,
                            maximum=60, what="a number of years"),
        draws=opt("draws", DEFAULT_DRAWS, _integer, minimum=1, maximum=1_000_000,
                  what="a number of simulation draws"),
        seed=opt("seed", DEFAULT_SEED, _integer, minimum=0, what="a whole number"),
        sensitivity_draws=opt("sensitivity.draws", DEFAULT_SENSITIVITY_DRAWS, _integer,
                              minimum=1, maximum=1_000_000, what="a number of draws"),
        sensitivity_concentration=opt("sensitivity.concentration", DEFAULT_CONCENTRATION,
                                      _number, minimum=1e-6, what="a positive number"),
        interval=interval,
        package_objective=objective,
        illustrative=_boolean(entry.get("illustrative"), at("illustrative"), "illustrative"),
        source=_text(entry.get("source"), at("source"), "source", required=False),
    )


# --------------------------------------------------------------------------------------------
# Reading YAML and Excel
# --------------------------------------------------------------------------------------------


def _is_excel(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _yaml_section(path: Path, name: str) -> Any:
    raw = load_yaml(path)
    if not isinstance(raw, Mapping) or name not in raw:
        raise InputError(path, f"expected a top-level '{name}:' key holding the {name} register")
    return raw[name]


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
            if _blank(value):
                continue
            head, _, tail = col.partition(".")
            if tail:
                entry.setdefault(head, {})[tail] = value
            else:
                entry[col] = value
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
        head, _, tail = key.partition(".")
        value = entry.get("value")
        if tail:
            settings.setdefault(head, {})[tail] = value
        else:
            settings[key] = value
    return settings, rows


def load_targets(path: str | Path, known: KnownIds) -> tuple[Target, ...]:
    """Load and check the targets register (YAML ``targets:`` list, or sheet ``targets``)."""
    path = Path(path)
    if _is_excel(path):
        entries, rows = read_sheet_entries(path, "targets")
        return validate_targets(entries, path, known, rows=rows)
    return validate_targets(_yaml_section(path, "targets") or [], path, known)


def load_options(path: str | Path, targets: Sequence[Target], known: KnownIds
                 ) -> tuple[Option, ...]:
    """Load and check the options register (YAML ``options:`` list, or sheet ``options``)."""
    path = Path(path)
    if _is_excel(path):
        entries, rows = read_sheet_entries(path, "options")
        return validate_options(entries, path, targets, known, rows=rows)
    return validate_options(_yaml_section(path, "options") or [], path, targets, known)


def load_appraisal_settings(path: str | Path) -> AppraisalSettings:
    """Load and check the appraisal settings (YAML ``appraisal:`` mapping, or sheet ``appraisal``)."""
    path = Path(path)
    if _is_excel(path):
        settings, rows = _appraisal_from_sheet(path)
        return validate_appraisal(settings, path, rows=rows)
    return validate_appraisal(_yaml_section(path, "appraisal") or {}, path)


def load_registers(
    targets_path: str | Path,
    options_path: str | Path,
    appraisal_path: str | Path,
    known: KnownIds,
) -> Registers:
    """Load all three registers (the paths may be the same workbook or YAML file).

    A business-as-usual option added automatically starts in the appraisal's base year.
    """
    targets = load_targets(targets_path, known)
    options = load_options(options_path, targets, known)
    settings = load_appraisal_settings(appraisal_path)
    if not any(o.id != BAU_ID for o in options):
        raise InputError(options_path, "options: the register holds only business as usual; "
                         "expected at least one option to appraise")
    options = tuple(dataclasses.replace(o, start_year=settings.base_year)
                    if o.id == BAU_ID and o.start_year == 0 else o for o in options)
    return Registers(targets=targets, options=options, appraisal=settings)


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


# --------------------------------------------------------------------------------------------
# Frames for the step code
# --------------------------------------------------------------------------------------------


def targets_frame(targets: Sequence[Target]) -> pd.DataFrame:
    """One row per target, indexed by ``id``.

    Columns: title, indicator, area, area_kind, area_label, baseline_period, target_period,
    baseline_year, target_year, kind, amount, direction, theme_partnership, comparator,
    illustrative, source, notes.
    """
    records = [{
        "id": t.id, "title": t.title, "indicator": t.indicator, "area": t.area,
        "area_kind": t.area_kind, "area_label": t.area_label,
        "baseline_period": t.baseline_period, "target_period": t.target_period,
        "baseline_year": t.baseline_year, "target_year": t.target_year, "kind": t.kind,
        "amount": t.amount, "direction": t.direction, "theme_partnership": t.theme_partnership,
        "comparator": t.comparator, "illustrative": t.illustrative, "source": t.source,
        "notes": t.notes,
    } for t in targets]
    return pd.DataFrame.from_records(records, columns=[
        "id", "title", "indicator", "area", "area_kind", "area_label", "baseline_period",
        "target_period", "baseline_year", "target_year", "kind", "amount", "direction",
        "theme_partnership", "comparator", "illustrative", "source", "notes",
    ]).set_index("id")


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
