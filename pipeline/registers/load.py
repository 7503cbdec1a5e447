"""Loading all three registers and checking them against each other."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.registers.appraisal import AppraisalSettings, validate_appraisal
from pipeline.registers.common import BAU_ID, KnownIds
from pipeline.registers.options import Option, validate_options
from pipeline.registers.targets import Target, validate_targets
from pipeline.registers.workbook import appraisal_entry, register_entries


@dataclass(frozen=True)
class Registers:
    """All three registers, checked against each other."""

    targets: tuple[Target, ...]
    options: tuple[Option, ...]
    appraisal: AppraisalSettings


def load_targets(path: str | Path, known: KnownIds) -> tuple[Target, ...]:
    """Load and check the targets register (YAML ``targets:`` list, or sheet ``targets``)."""
    entries, rows = register_entries(path, "targets")
    return validate_targets(entries, Path(path), known, rows=rows)


def load_options(path: str | Path, targets: Sequence[Target], known: KnownIds
                 ) -> tuple[Option, ...]:
    """Load and check the options register (YAML ``options:`` list, or sheet ``options``)."""
    entries, rows = register_entries(path, "options")
    return validate_options(entries, Path(path), targets, known, rows=rows)


def load_appraisal_settings(path: str | Path) -> AppraisalSettings:
    """Load and check the appraisal settings (YAML ``appraisal:`` mapping, or sheet ``appraisal``)."""
    settings, rows = appraisal_entry(path)
    return validate_appraisal(settings, Path(path), rows=rows)


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
