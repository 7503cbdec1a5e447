"""Each district's results, computed once per run and kept as catalogued datasets.

The steps compute; the pages present. A district's results come in parts -- ``baseline``,
``evidence``, ``targets`` (its targets' forecasts), ``appraisal``, ``action_plan`` and one
``profile`` per locality -- each computed the first time it is asked for and written to
``data/processed/results/<district>/<part>`` (see :mod:`pipeline.datasets`) with a stamp of what
it was computed from. Asked for again, a part is read back, unless the stamp shows the inputs,
the settings and registers or the code have changed since (see :mod:`pipeline.fingerprint`).
Every target of the register is forecast once per run (the ``target_forecasts`` dataset) and
shared by every pack that shows it; the recent trend of every area and indicator is likewise
computed once per run (the ``recent_trends`` dataset, :func:`recent_trends`) and read by the
parts that show trend markers.

The batch runner computes every part before a district's notebooks run
(:meth:`DistrictResults.compute_all`); a notebook opened by hand computes what is missing or
stale the same way::

    results = district_results(district, config_path, processed_dir)
    page = BaselinePage(results.baseline, output_dir)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import datasets, fingerprint
from pipeline.config import AreaConfig, load_area_config
from pipeline.context import AreaData, load_area_data
from pipeline.registers import load_area_registers, targets_frame
from pipeline.store import load_observations

#: The parts of a district's results, in the order they are computed.
PARTS = ("baseline", "evidence", "targets", "appraisal", "action_plan")
#: The parts that do not need the run's target forecasts (steps 1-2; profiles neither).
BASE_PARTS = PARTS[:2]


_PREPARED: dict[tuple[str, str], tuple[tuple[float, ...], AreaData]] = {}


def prepared_data(config_path: str | Path, processed_dir: str | Path | None) -> AreaData:
    """The prepared data, read once per process while its files are unchanged (a batch worker
    building several districts reads it once)."""
    key = (str(config_path), str(processed_dir or ""))
    files = [datasets.path(n, processed_dir) for n in ("indicators", *datasets.PREPARED)]
    version = tuple(p.stat().st_mtime_ns if p.exists() else 0.0 for p in files)
    if key not in _PREPARED or _PREPARED[key][0] != version:
        _PREPARED.clear()  # one area's data at a time: it is large
        _PREPARED[key] = (version, load_area_data(config_path, processed_dir))
    return _PREPARED[key][1]


def _stamp_keys(name: str, keys: dict[str, str]) -> dict[str, str]:
    """Where dataset ``name``'s stamp is kept (run-level datasets under ``run``)."""
    return {"district": keys.get("district", "run"), "part": keys.get("part", name)}


def _current(name: str, processed_dir: Path | None, wanted: dict[str, str], **keys: str
             ) -> bool:
    """Whether dataset ``name`` is stored with the stamp ``wanted``."""
    return fingerprint.is_current(stored_stamp(processed_dir, **_stamp_keys(name, keys)),
                                  wanted) and datasets.exists(name, processed_dir, **keys)


def _stored(name: str, processed_dir: Path | None, wanted: dict[str, str],
            compute: Callable[[], Any], **keys: str) -> tuple[Any, bool]:
    """Read dataset ``name`` if its stamp equals ``wanted``; else compute, write and stamp it.
    Returns the value and whether it was computed."""
    if _current(name, processed_dir, wanted, **keys):
        return datasets.load(name, processed_dir, **keys), False
    stamp_keys = _stamp_keys(name, keys)
    value = compute()
    datasets.path("results_stamp", processed_dir, **stamp_keys).unlink(missing_ok=True)
    datasets.save(name, value, processed_dir, **keys)  # no stamp while the part is replaced
    datasets.save("results_stamp", wanted, processed_dir, **stamp_keys)
    return value, True


def stored_stamp(processed_dir: str | Path | None, district: str, part: str
                 ) -> dict[str, str] | None:
    """The stamp a stored part was computed with (``None``: never computed)."""
    if not datasets.exists("results_stamp", processed_dir, district=district, part=part):
        return None
    return datasets.load("results_stamp", processed_dir, district=district, part=part)


class DistrictResults:
    """The results of one district (or of the county, for its overview pack).

    Parameters
    ----------
    district
        The district's (or the county's) GSS code.
    config_path, processed_dir
        The area settings file and the processed-data folder (``None``: the defaults).
    package
        Which options the action plan carries: ``"best"`` (step 4's best package within the
        budget) or ``"agreed"`` (the options marked agreed).
    data
        The prepared data, when the caller has it already (it is otherwise read on first use).
    """

    def __init__(self, district: str, config_path: str | Path | None = None,
                 processed_dir: str | Path | None = None, package: str = "best",
                 data: AreaData | None = None) -> None:
        self.config: AreaConfig = data.config if data is not None else \
            load_area_config(config_path or None)
        self.district = district
        self.processed_dir = Path(processed_dir) if processed_dir else None
        self.package = package
        self._data = data
        self._parts: dict[str, Any] = {}
        self._observations: dict[tuple[str, ...], pd.DataFrame] = {}
        self._stamp: dict[str, str] | None = None
        #: The parts this object computed (the others it read back as current).
        self.computed: list[str] = []
        self._confirming = False

    # --- inputs ---------------------------------------------------------------------------

    @property
    def data(self) -> AreaData:
        """The prepared data (store, catalogue, localities, boundaries), read on first use."""
        if self._data is None:
            self._data = prepared_data(self.config.path, self.processed_dir)
        return self._data

    def observations(self, variables: Iterable[str]) -> pd.DataFrame:
        """Raw observations of some variables, read once per set of variables."""
        key = tuple(sorted(set(variables)))
        if key not in self._observations:
            self._observations[key] = load_observations(self.processed_dir, variables=list(key))
        return self._observations[key]

    def stamp(self, scope: str = "", **details: str) -> dict[str, str]:
        """What a part is computed from (see :mod:`pipeline.fingerprint`): the inputs, the
        settings but the registers, and the code; for ``scope`` ``"targets"``, ``"options"`` or
        ``"all"`` also the register entries concerned (:meth:`register_digest`); and
        ``details``."""
        if self._stamp is None:
            registers = [self.config.config_file(k) for k in ("targets", "options", "appraisal")]
            self._stamp = fingerprint.stamp(
                self.config.path, self.processed_dir,
                extra=[*self.config.extra.values(), self.config.indicators_path],
                exclude=[p for p in registers if p is not None])
        scoped = {"registers": self.register_digest(scope)} if scope else {}
        return {**self._stamp, **scoped, **details}

    def register_digest(self, scope: str) -> str:
        """A digest of the register entries that concern this district: ``"targets"``, the
        targets it shows (its own and the county's) and the appraisal settings; ``"options"``,
        those and the options acting on its targets (with the options they depend on or
        exclude); ``"all"``, every target and the appraisal settings. Editing an entry that
        concerns other districts only leaves this district's results current."""
        from pipeline.registers import BAU_ID
        from pipeline.steps.target_areas import area_code_of, option_acts_in, targets_concerning

        registers = self.registers
        if registers is None:
            return "no registers"
        if scope == "all":
            return fingerprint.digest_text(repr(registers.targets), repr(registers.appraisal))
        code, county = area_code_of(self.data, self.district), self.config.county.code
        localities = self.data.localities
        chosen = targets_concerning(registers.targets, code, county, localities)
        texts = [repr(chosen), repr(registers.appraisal)]
        if scope == "options":
            ids = {t.id for t in chosen}
            acting = [o for o in registers.options if o.id == BAU_ID or (
                ids & set(o.targets) and option_acts_in(o.applies_to, code, county, localities))]
            wanted = {o.id for o in acting} | {i for o in acting
                                              for i in (*o.depends_on, *o.excludes)}
            texts.append(repr([o for o in registers.options if o.id in wanted]))
        return fingerprint.digest_text(*texts)

    def part(self, part: str, compute: Callable[[], Any], scope: str = "",
             **details: str) -> Any:
        """One part of the results: read if current, else computed once and written (while
        :meth:`compute_all` confirms parts, a current one is not read: ``None``)."""
        if part in self._parts:
            return self._parts[part]
        wanted = self.stamp(scope, **details)
        keys = {"district": self.district, "part": part}
        if self._confirming and _current("district_results", self.processed_dir, wanted, **keys):
            return None
        confirming, self._confirming = self._confirming, False  # what it needs is read
        try:
            self._parts[part], computed = _stored("district_results", self.processed_dir,
                                                  wanted, compute, **keys)
        finally:
            self._confirming = confirming
        if computed:
            self.computed.append(part)
        return self._parts[part]

    # --- the parts ------------------------------------------------------------------------

    @property
    def trends(self) -> pd.DataFrame:
        """The run's recent trends of every area and indicator (:func:`recent_trends`)."""
        if "trends" not in self._parts:
            self._parts["trends"] = recent_trends(self.config.path, self.processed_dir,
                                                  results=self)
        return self._parts["trends"]

    @property
    def baseline(self) -> Any:
        """Step 1 (:class:`pipeline.steps.baseline.BaselineResults`)."""
        from pipeline.steps import baseline

        return self.part("baseline", lambda: baseline.compute_baseline(
            self.data, self.district, self.observations(baseline.POPULATION_VARIABLES),
            self.observations(baseline.SEX_OBSERVATION_VARIABLES), trends=self.trends))

    @property
    def evidence(self) -> Any:
        """Step 2 (:class:`pipeline.steps.evidence.EvidenceResults`)."""
        from pipeline.steps.evidence import compute_evidence

        return self.part("evidence", lambda: compute_evidence(self.data, self.district))

    @property
    def registers(self) -> Any:
        """The targets, options and appraisal registers, checked (``None`` without any)."""
        if "registers" not in self._parts:
            self._parts["registers"] = load_area_registers(self.data)
        return self._parts["registers"]

    @property
    def targets(self) -> Any:
        """Step 3: the district's targets with their forecasts, picked from the run's shared
        forecasts (:class:`pipeline.steps.target_forecast.DistrictTargets`)."""
        from pipeline.steps.target_areas import area_code_of, area_name_of
        from pipeline.steps.target_forecast import district_targets_from, no_registers

        def compute() -> Any:
            data = self.data
            code, name = area_code_of(data, self.district), area_name_of(data, self.district)
            if self.registers is None:
                return no_registers(code, name)
            forecasts = target_forecasts(self.config.path, self.processed_dir, results=self)
            return district_targets_from(forecasts, self.registers.targets, code, name, data)

        return self.part("targets", compute, scope="targets")

    @property
    def appraisal(self) -> Any:
        """Step 4 (:class:`pipeline.steps.appraisal_district.DistrictAppraisal`, or ``None``)."""
        from pipeline.steps.appraisal_district import appraise_district

        return self.part("appraisal", lambda: appraise_district(self.targets, self.registers,
                                                                self.data), scope="options")

    @property
    def action_plan(self) -> Any:
        """Step 5 for this results' package choice (:class:`pipeline.steps.action_plan.ActionPlan`)."""
        from pipeline.steps.action_plan import build_action_plan

        def compute() -> Any:
            base_year = self.registers.appraisal.base_year if self.registers is not None else 0
            return build_action_plan(self.targets, self.appraisal, self.data, self.package,
                                     base_year=base_year)

        return self.part(f"action_plan-{self.package}", compute, scope="options")

    def profile(self, locality_id: str) -> Any:
        """One locality's profile (:class:`pipeline.steps.profile.ProfileResults`)."""
        from pipeline.localities import slug

        return self.part(f"profiles/{slug(locality_id)}",
                         lambda: compute_locality_profile(self, locality_id), scope="targets")

    def district_rows(self, district_code: str) -> Any:
        """The store rows a district's locality profiles are compared with, filtered once per
        district (:func:`pipeline.steps.profile.district_rows`)."""
        from pipeline.steps.profile import district_rows

        key = f"district_rows-{district_code}"
        if key not in self._parts:
            self._parts[key] = district_rows(self.data, district_code)
        return self._parts[key]

    def compute_all(self, locality_ids: Iterable[str] = (), parts: Iterable[str] = PARTS
                    ) -> None:
        """Compute ``parts`` (default: all) and the profiles of ``locality_ids`` where they are
        stale; current ones are confirmed by their stamps, not read."""
        self._confirming = True
        try:
            for name in parts:
                getattr(self, name)
            for locality_id in locality_ids:
                self.profile(locality_id)
        finally:
            self._confirming = False


def compute_locality_profile(results: DistrictResults, locality_id: str) -> Any:
    """Read what a profile needs (the district's population by single year of age, the targets
    register, the forum stand-in wording) and compute it."""
    from pipeline.context import locality_settings
    from pipeline.steps.profile import compute_profile, describe_locality

    data = results.data
    settings = locality_settings(data.config)
    info = describe_locality(data.localities, locality_id)
    district_lsoas = data.lsoas.loc[data.lsoas["lad_code"] == info["lad_code"], "lsoa_code"]
    population = results.observations(["population"])
    population = population[population["area_code"].isin(district_lsoas)]
    targets = targets_frame(results.registers.targets) if results.registers is not None else None
    return compute_profile(data, locality_id, results.district, population.reset_index(drop=True),
                           targets,
                           forum_stand_in=settings.forum_stand_in if settings.forum_file is None
                           else "", rows=results.district_rows(info["lad_code"]),
                           trends=results.trends)


def target_forecasts(config_path: str | Path, processed_dir: str | Path | None = None, *,
                     results: DistrictResults | None = None) -> dict[str, Any]:
    """Every target of the register forecast once per run (target id -> ``TargetForecast``),
    read back while current; ``results`` lends its prepared data and registers when given."""
    from pipeline.steps.target_forecast import forecast_register, needs_crime_observations
    from pipeline.steps.target_series import CRIME_VARIABLE

    results = results or DistrictResults("", config_path, processed_dir)

    def compute() -> dict[str, Any]:
        registers = results.registers
        if registers is None:
            return {}
        needs = needs_crime_observations(registers.targets, results.data.catalogue)
        observations = results.observations([CRIME_VARIABLE]) if needs else None
        return forecast_register(registers.targets, results.data, observations,
                                 n_draws=registers.appraisal.draws, seed=registers.appraisal.seed)

    return _stored("target_forecasts", results.processed_dir, results.stamp("all"), compute)[0]


def recent_trends(config_path: str | Path, processed_dir: str | Path | None = None, *,
                  results: DistrictResults | None = None) -> pd.DataFrame:
    """The recent trend of every area and indicator the packs show, computed once per run
    (:func:`pipeline.steps.trends.indicator_trends`) and read back while current; ``results``
    lends its prepared data when given."""
    from pipeline.steps.trends import indicator_trends

    results = results or DistrictResults("", config_path, processed_dir)

    def compute() -> pd.DataFrame:
        data = results.data
        return indicator_trends(data.store, data.locality_rows, data.catalogue)

    return _stored("recent_trends", results.processed_dir, results.stamp(), compute)[0]


def district_results(district: str, config_path: str | Path | None = None,
                     processed_dir: str | Path | None = None, package: str = "best"
                     ) -> DistrictResults:
    """The results of ``district`` (a district's code, or the county's for the overview)."""
    return DistrictResults(district, config_path or None, processed_dir or None, package)
