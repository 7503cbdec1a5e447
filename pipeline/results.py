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
        raise NotImplementedError("refactor-forecast")

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
        """The profile of one locality (:class:`pipeline.steps.profile.ProfileResults`),
        computed once per locality: reads the district's population by single year of age,
        the targets register and the forum stand-in wording, then computes."""
        from pipeline.context import locality_settings
        from pipeline.registers import KnownIds, load_targets, targets_frame
        from pipeline.steps.profile import compute_profile, describe_locality

        key = f"profile:{locality_id}"
        if key in self._cache:
            return self._cache[key]
        data, config = self.data, self.data.config
        if "profile:targets" not in self._cache:
            path = config.config_file("targets")
            self._cache["profile:targets"] = None if path is None else targets_frame(load_targets(
                path, KnownIds.of(
                    indicators=data.catalogue["id"],
                    districts={d.code: d.name for d in config.districts},
                    localities=data.localities["locality_id"],
                    county={config.county.code: config.county.name})))
        settings = locality_settings(config)
        info = describe_locality(data.localities, locality_id)
        district_lsoas = data.lsoas.loc[data.lsoas["lad_code"] == info["lad_code"], "lsoa_code"]
        population = self.observations(["population"])
        population = population[population["area_code"].isin(district_lsoas)]
        self._cache[key] = compute_profile(
            data, locality_id, self.district, population.reset_index(drop=True),
            self._cache["profile:targets"],
            forum_stand_in=settings.forum_stand_in if settings.forum_file is None else "")
        return self._cache[key]


def district_results(district: str, config_path: str | Path | None = None,
                     processed_dir: str | Path | None = None, package: str = "best"
                     ) -> DistrictResults:
    """The results of ``district`` (a district code, or the county's code for the overview)."""
    data = load_area_data(config_path or None, processed_dir or None)
    return DistrictResults(data=data, district=district,
                           processed_dir=Path(processed_dir) if processed_dir else None,
                           package=package)
