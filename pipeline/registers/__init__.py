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

Modules
-------
:mod:`~pipeline.registers.common` (area look-ups and field parsers), :mod:`~pipeline.registers.targets`,
:mod:`~pipeline.registers.options`, :mod:`~pipeline.registers.appraisal` (one register each),
:mod:`~pipeline.registers.workbook` (YAML sections and Excel sheets) and
:mod:`~pipeline.registers.load` (all three together). Every public name is importable from
:mod:`pipeline.registers` itself.
"""

from __future__ import annotations

from pipeline.registers.appraisal import (
    APPRAISAL_OPTIONAL,
    APPRAISAL_REQUIRED,
    CRITERIA,
    CRITERIA_DIRECTIONS,
    DEFAULT_APPRAISAL_YEARS,
    DEFAULT_CONCENTRATION,
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_DRAWS,
    DEFAULT_INTERVAL,
    DEFAULT_SEED,
    DEFAULT_SENSITIVITY_DRAWS,
    DELIVERABILITY_SCALE,
    EQUALITY_SCALE,
    EVIDENCE_SCALE,
    PACKAGE_OBJECTIVES,
    SENSITIVITY_KEYS,
    AppraisalSettings,
    Criterion,
    validate_appraisal,
)
from pipeline.registers.common import (
    BAU_ID,
    PRIORITY_PREFIX,
    KnownIds,
    period_year,
)
from pipeline.registers.load import (
    Registers,
    known_ids,
    load_appraisal_settings,
    load_area_registers,
    load_options,
    load_registers,
    load_targets,
)
from pipeline.registers.options import (
    COST_KEYS,
    EFFECT_KEYS,
    EFFECT_UNITS,
    LIST_FIELDS,
    OPTION_FRAME_COLUMNS,
    OPTION_OPTIONAL,
    OPTION_REQUIRED,
    Cost,
    Effect,
    Option,
    business_as_usual,
    options_frame,
    validate_options,
)
from pipeline.registers.targets import (
    GAP_COMPARATORS,
    TARGET_AMOUNT_KEYS,
    TARGET_DIRECTIONS,
    TARGET_FRAME_COLUMNS,
    TARGET_KINDS,
    TARGET_OPTIONAL,
    TARGET_REQUIRED,
    Target,
    targets_frame,
    validate_targets,
)
from pipeline.registers.workbook import (
    EXCEL_COLUMNS,
    appraisal_entry,
    read_sheet_entries,
    register_entries,
    register_sheets,
)

__all__ = [
    "BAU_ID",
    "TARGET_KINDS",
    "TARGET_DIRECTIONS",
    "EFFECT_UNITS",
    "PRIORITY_PREFIX",
    "GAP_COMPARATORS",
    "EVIDENCE_SCALE",
    "DELIVERABILITY_SCALE",
    "EQUALITY_SCALE",
    "Criterion",
    "CRITERIA",
    "CRITERIA_DIRECTIONS",
    "PACKAGE_OBJECTIVES",
    "TARGET_REQUIRED",
    "TARGET_OPTIONAL",
    "TARGET_AMOUNT_KEYS",
    "OPTION_REQUIRED",
    "OPTION_OPTIONAL",
    "EFFECT_KEYS",
    "COST_KEYS",
    "APPRAISAL_REQUIRED",
    "APPRAISAL_OPTIONAL",
    "SENSITIVITY_KEYS",
    "LIST_FIELDS",
    "EXCEL_COLUMNS",
    "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_APPRAISAL_YEARS",
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "DEFAULT_SENSITIVITY_DRAWS",
    "DEFAULT_CONCENTRATION",
    "DEFAULT_INTERVAL",
    "KnownIds",
    "Target",
    "Effect",
    "Cost",
    "Option",
    "AppraisalSettings",
    "Registers",
    "period_year",
    "validate_targets",
    "validate_options",
    "business_as_usual",
    "validate_appraisal",
    "read_sheet_entries",
    "load_targets",
    "load_area_registers",
    "known_ids",
    "load_options",
    "load_appraisal_settings",
    "load_registers",
    "register_sheets",
    "register_entries",
    "appraisal_entry",
    "targets_frame",
    "TARGET_FRAME_COLUMNS",
    "OPTION_FRAME_COLUMNS",
    "options_frame",
]
