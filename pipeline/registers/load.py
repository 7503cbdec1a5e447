"""Loading all three registers and checking them against each other."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def known_ids(data: Any) -> KnownIds:
    """What register entries may refer to, from the prepared data (``config``, ``catalogue``,
    ``localities``): the catalogue's indicators, the districts, the county and the localities."""
    return KnownIds.of(
        indicators=data.catalogue["id"],
        districts={d.code: d.name for d in data.config.districts},
        localities=data.localities["locality_id"],
        county={data.config.county.code: data.config.county.name},
    )


def load_area_registers(data: Any) -> Registers | None:
    """The targets, options and appraisal registers named in area.yaml, checked against the
    prepared data (see :func:`known_ids`).

    Returns ``None`` when area.yaml names none of them (a partnership without targets yet).

    Raises
    ------
    InputError
        Only some of the three are named, or a register fails its checks.
    """
    config = data.config
    paths = {key: config.config_file(key) for key in ("targets", "options", "appraisal")}
    given = [key for key, path in paths.items() if path is not None]
    if not given:
        return None
    if len(given) < 3:
        missing = ", ".join(k for k in paths if paths[k] is None)
        raise InputError(config.path, f"names the {', '.join(given)} register(s) but not "
                         f"{missing}: steps 3-5 need all three (targets, options, appraisal)")
    return load_registers(paths["targets"], paths["options"], paths["appraisal"], known_ids(data))

