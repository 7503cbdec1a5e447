"""Each district's results, computed once per run; the notebooks only present them.

STUB while the step modules are split (refactor branches): every part is computed lazily, once per
:class:`DistrictResults`. Persistence in the catalogue of processed datasets replaces this.

Notebooks call :func:`district_results` and hand its parts to their page module::

    results = district_results(district, config_path, processed_dir)
    page = pages.baseline.BaselinePage(results.baseline, output_dir)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.context import AreaData, load_area_data
from pipeline.store import load_observations


@dataclass
class DistrictResults:
    """The results of one district (or the county overview): every page's computation."""

    data: AreaData
    district: str
    processed_dir: Path | None = None
    package: str = "best"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def observations(self, variables: list[str]) -> pd.DataFrame:
        """Raw observations of some variables (read once per variable set)."""
        key = "obs:" + ",".join(sorted(variables))
        if key not in self._cache:
            self._cache[key] = load_observations(self.processed_dir, variables=variables)
        return self._cache[key]

    # --- step 1 (refactor-baseline) ---

    @cached_property
    def baseline(self) -> Any:
        """The baseline page's tables (:class:`pipeline.steps.baseline.BaselineResults`)."""
        from pipeline.steps import baseline

        return baseline.compute_baseline(
            self.data, self.district, self.observations(baseline.POPULATION_VARIABLES),
            self.observations(baseline.SEX_OBSERVATION_VARIABLES))

    # --- step 2 (refactor-evidence) ---

    @cached_property
    def evidence(self) -> Any:
        from pipeline.steps.evidence import compute_evidence

        return compute_evidence(self.data, self.district)

    # --- step 3 (refactor-forecast) ---

    @cached_property
    def targets(self) -> Any:
        """The targets that concern the district, each forecast (a ``DistrictTargets``).

        Forecasts only the targets that concern the area; a run that builds several packs can
        call :func:`pipeline.steps.target_forecast.forecast_register` once on the whole register
        and hand the same forecasts to :func:`district_targets_from` for every pack (a target's
        forecast depends only on its own series and the register's seed).
        """
        from pipeline.steps.target_areas import area_code_of, area_name_of, district_targets
        from pipeline.steps.target_forecast import (
            district_targets_from,
            forecast_register,
            needs_crime_observations,
            no_registers,
        )
        from pipeline.steps.target_series import CRIME_VARIABLE
        from pipeline.steps.targets import load_area_registers

        data = self.data
        code, name = area_code_of(data, self.district), area_name_of(data, self.district)
        registers = load_area_registers(data)
        if registers is None:
            return no_registers(code, name)
        concerned = district_targets(registers.targets, code, data.config.county.code,
                                     data.localities)
        observations = (self.observations([CRIME_VARIABLE])
                        if needs_crime_observations(concerned, data.catalogue) else None)
        forecasts = forecast_register(concerned, data, observations,
                                      n_draws=registers.appraisal.draws,
                                      seed=registers.appraisal.seed)
        return district_targets_from(forecasts, registers.targets, code, name, data)

    # --- step 4 (refactor-appraisal) ---

    @cached_property
    def appraisal(self) -> Any:
        raise NotImplementedError("refactor-appraisal")

    # --- step 5 (refactor-appraisal) ---

    @cached_property
    def action_plan(self) -> Any:
        raise NotImplementedError("refactor-appraisal")

    # --- locality profiles (refactor-profile) ---

    def profile(self, locality_id: str) -> Any:
        raise NotImplementedError("refactor-profile")


def district_results(district: str, config_path: str | Path | None = None,
                     processed_dir: str | Path | None = None, package: str = "best"
                     ) -> DistrictResults:
    """The results of ``district`` (a district code, or the county's code for the overview)."""
    data = load_area_data(config_path or None, processed_dir or None)
    return DistrictResults(data=data, district=district,
                           processed_dir=Path(processed_dir) if processed_dir else None,
                           package=package)
