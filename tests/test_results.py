"""Each district's results are computed once per run, kept as datasets and read back equal."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import datasets, results
from pipeline.steps import target_forecast

MELTON, NWL = "E07000133", "E07000134"


@pytest.fixture()
def processed(ingested, prepared, tmp_path):
    """A private copy of the prepared data (results are written beside it)."""
    folder = tmp_path / "processed"
    shutil.copytree(ingested["out"], folder, ignore=shutil.ignore_patterns("runs", "results"))
    return folder


def test_every_target_is_fitted_once_per_run(processed, monkeypatch, ingested):
    fitted: list[str] = []
    real = target_forecast.forecast_target

    def counting(series, **kwargs):
        fitted.append(series.target.id)
        return real(series, **kwargs)

    monkeypatch.setattr(target_forecast, "forecast_target", counting)
    config = ingested["config"]
    shared = results.target_forecasts(config.path, processed)
    codes = [config.county.code, *(d.code for d in config.districts)]
    packs = {code: results.DistrictResults(code, config.path, processed).targets for code in codes}
    register = results.DistrictResults(MELTON, config.path, processed).registers.targets
    assert sorted(fitted) == sorted(t.id for t in register)  # each once, for all eight packs
    county_wide = [t.id for t in register if t.area_kind == "county"]
    assert county_wide and all(
        [f.target.id for f in packs[code].forecasts if f.target.id in county_wide] == county_wide
        for code in codes)
    assert set(shared) == {t.id for t in register}
    results.target_forecasts(config.path, processed)  # current: read back, not refitted
    assert len(fitted) == len(register)


def test_a_part_is_read_back_equal_and_recomputed_when_its_inputs_change(processed, ingested):
    config = ingested["config"]
    first = results.DistrictResults(MELTON, config.path, processed).baseline
    assert datasets.exists("district_results", processed, district=MELTON, part="baseline")
    again = results.DistrictResults(MELTON, config.path, processed)
    calls = []
    assert again.part("baseline", lambda: calls.append(1)) is not None and calls == []
    pd.testing.assert_frame_equal(again.baseline.themes, first.themes)
    manifest = datasets.load("ingest_manifest", processed)
    manifest["inputs"] = manifest["inputs"][1:]  # as if an input file had changed
    datasets.save("ingest_manifest", manifest, processed)
    stale = results.DistrictResults(MELTON, config.path, processed)
    assert stale.part("baseline", lambda: "recomputed") == "recomputed"


def test_the_action_plan_is_kept_per_package_choice(processed, ingested):
    config = ingested["config"]
    best = results.DistrictResults(NWL, config.path, processed).action_plan
    assert best.choice == "best" and best.package
    assert datasets.exists("district_results", processed, district=NWL, part="action_plan-best")
    with pytest.raises(ValueError, match="no option besides business as usual is marked"):
        results.DistrictResults(NWL, config.path, processed, package="agreed").action_plan
    assert not datasets.exists("district_results", processed, district=NWL,
                               part="action_plan-agreed")


def test_a_renamed_locality_is_not_served_from_stale_results(processed, ingested):
    config = ingested["config"]
    summary = datasets.load("localities", processed)
    locality = summary.loc[summary["lad_code"] == MELTON, "locality_id"].iloc[0]
    assert results.DistrictResults(MELTON, config.path, processed).profile(locality).name != "X"
    summary.loc[summary["locality_id"] == locality, "name"] = "X"
    datasets.save("localities", summary, processed)
    assert results.DistrictResults(MELTON, config.path, processed).profile(locality).name == "X"


def test_an_option_edit_concerns_only_the_packs_whose_targets_it_acts_on(processed, ingested):
    """Editing youth_diversion (it acts on North West Leicestershire's ASB target only) makes
    that district's appraisal stale and leaves Melton's current; targets stay current."""
    import dataclasses

    config = ingested["config"]

    def digests(code: str, edit: bool) -> tuple[str, str]:
        pack = results.DistrictResults(code, config.path, processed)
        registers = pack.registers
        if edit:
            options = tuple(dataclasses.replace(o, cost=dataclasses.replace(
                o.cost, per_year=o.cost.per_year + 1)) if o.id == "youth_diversion" else o
                for o in registers.options)
            pack._parts["registers"] = dataclasses.replace(registers, options=options)
        return pack.register_digest("targets"), pack.register_digest("options")

    assert digests(MELTON, edit=True) == digests(MELTON, edit=False)
    nwl_before, nwl_after = digests(NWL, edit=False), digests(NWL, edit=True)
    assert nwl_before[0] == nwl_after[0] and nwl_before[1] != nwl_after[1]
    county = config.county.code  # the county overview shows every target
    assert digests(county, edit=True)[1] != digests(county, edit=False)[1]
