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
        raise NotImplementedError("refactor-baseline")

    # --- step 2 (refactor-evidence) ---

    @cached_property
    def evidence(self) -> Any:
        raise NotImplementedError("refactor-evidence")

    # --- step 3 (refactor-forecast) ---

    @cached_property
    def targets(self) -> Any:
        # TEMPORARY (refactor-appraisal, for testing until refactor-forecast is merged)
        from pipeline.steps.targets import forecast_district

        return forecast_district(self.data, self.district, self.processed_dir)

    # --- step 4 (refactor-appraisal) ---

    @cached_property
    def appraisal(self) -> Any:
        from pipeline.steps.appraisal_district import appraise_district

        return appraise_district(self.targets, self.data)

    # --- step 5 (refactor-appraisal) ---

    @cached_property
    def action_plan(self) -> Any:
        from pipeline.steps.action_plan import build_action_plan

        return build_action_plan(self.targets, self.appraisal, self.data, self.package)

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
