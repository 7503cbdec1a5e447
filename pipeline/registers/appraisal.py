"""The appraisal settings: criteria and their scales, swing weights, budget, discounting, simulation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.registers.common import (
    _blank,
    _boolean,
    _choice,
    _integer,
    _mapping,
    _number,
    _text,
    _Where,
    _year,
)

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

# Keys of the appraisal settings. Nested keys are dotted.
APPRAISAL_REQUIRED = ("criteria", "budget_per_year", "base_year")
APPRAISAL_OPTIONAL = (
    "discount_rate", "appraisal_years", "draws", "seed", "sensitivity", "interval",
    "package_objective", "illustrative", "source",
)
SENSITIVITY_KEYS = ("draws", "concentration")

DEFAULT_DISCOUNT_RATE = 0.035  # HM Treasury Green Book social time preference rate, years 0-30
DEFAULT_APPRAISAL_YEARS = 10
DEFAULT_DRAWS = 2000
DEFAULT_SEED = 20240101
DEFAULT_SENSITIVITY_DRAWS = 2000
DEFAULT_CONCENTRATION = 50.0
DEFAULT_INTERVAL = 0.9


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
    weights = _swing_weights(entry["criteria"], at)
    sensitivity = _sensitivity_settings(entry.get("sensitivity") or {}, at)

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
        base_year=_year(entry["base_year"], at("base_year"), "base_year"),
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


def _swing_weights(value: Any, at: Callable[[str], _Where]) -> dict[str, float]:
    """Swing weight of every criterion of :data:`CRITERIA` (0 where not given); ``at(key)``
    locates a dotted key in errors."""
    criteria = _mapping(value, at("criteria"), "criteria")
    weights = {c: 0.0 for c in CRITERIA}
    for name, weight in criteria.items():
        fld = f"criteria.{name}"
        if name not in CRITERIA:
            raise at(fld).fail(fld, f"'{name}' is not a known criterion (expected one of: "
                               f"{', '.join(CRITERIA)})")
        weights[name] = _number(weight, at(fld), fld, minimum=0, what="a swing weight")
    if not sum(weights.values()) > 0:
        raise at("criteria").fail("criteria", "weights sum to 0; expected swing weights summing "
                                  "to a positive value (e.g. 100 for the most important "
                                  "criterion's swing)")
    return weights


def _sensitivity_settings(value: Any, at: Callable[[str], _Where]) -> Mapping[str, Any]:
    """The ``sensitivity`` mapping, its keys checked (values are parsed by the caller)."""
    sensitivity = _mapping(value, at("sensitivity"), "sensitivity")
    for key in sensitivity:
        if key not in SENSITIVITY_KEYS:
            fld = f"sensitivity.{key}"
            raise at(fld).fail(fld, f"is not a known setting (expected one of: "
                               f"{', '.join('sensitivity.' + k for k in SENSITIVITY_KEYS)})")
    return sensitivity
