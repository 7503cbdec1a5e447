"""Targets forecast once per register and picked for each district: inline fixtures and the
real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.registers import load_area_registers
from pipeline.results import district_results
from pipeline.steps.forecast import Backtest
from pipeline.steps.target_forecast import (
    MET,
    NOT_MET,
    DistrictTargets,
    district_targets_from,
    forecast_register,
    forecast_target,
    needs_crime_observations,
    no_registers,
    status_counts,
    trust_rating,
)
from pipeline.steps.target_series import CRIME_VARIABLE
from pipeline.store import load_observations
from tests.storable import assert_storable

CHARNWOOD, BLABY, NWL, COUNTY = "E07000130", "E07000129", "E07000134", "E10000018"


def test_trust_rating_from_the_backtest():
    def test_result(mape, inside, n=11):
        points = pd.DataFrame({"period": range(n)})
        return Backtest(points, 1.0, mape, {0.8: inside, 0.95: inside}, "summary")

    assert trust_rating(test_result(10, 11)) == "reasonable"
    assert trust_rating(test_result(20, 10)) == "moderate"
    assert trust_rating(test_result(44, 5)) == "low"
    assert trust_rating(test_result(10, 5)) == "low"
    assert trust_rating(None) == "not tested"


def test_an_area_without_registers_has_no_targets():
    empty = no_registers(BLABY, "Blaby")
    assert not empty.has_registers and not empty.has_targets and not empty.illustrative
    assert status_counts(empty.forecasts) == {}


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(prepared, ingested):
    _, data = prepared
    registers = load_area_registers(data)
    observations = load_observations(ingested["out"], variables=[CRIME_VARIABLE])
    return data, registers, observations


@pytest.fixture(scope="module")
def register_forecasts(real):
    """Every target of the shipped register, forecast once."""
    data, registers, observations = real
    return forecast_register(registers.targets, data, observations,
                             n_draws=registers.appraisal.draws, seed=registers.appraisal.seed)


@pytest.fixture(scope="module")
def charnwood(real, register_forecasts):
    data, registers, _ = real
    return district_targets_from(register_forecasts, registers.targets, CHARNWOOD, "Charnwood",
                                 data)


def test_every_target_of_the_register_is_forecast_once(real, register_forecasts):
    data, registers, _ = real
    assert list(register_forecasts) == [t.id for t in registers.targets]
    assert needs_crime_observations(registers.targets, data.catalogue)


def test_forecasts_for_charnwood(charnwood):
    assert charnwood.area_name == "Charnwood" and charnwood.own == [True, True, False]
    by_id = {f.target.id: f for f in charnwood.forecasts}
    burglary = by_id["burglary_county"]
    assert burglary.forecast and burglary.projection.model == "mean-reverting time series"
    assert burglary.projection.projection["period"].tolist() == [2022, 2023, 2024, 2025, 2026]
    assert burglary.projection.path_draws.shape == (2000, 5)
    assert burglary.status == "off track" and 0 < burglary.probability < 0.25
    # a defensible 2026 range: the county's 95% interval spans less than a factor of 5
    low, high = burglary.projection.predictive.quantile([0.025, 0.975])
    assert 1.0 < low < 2.66 < high < 10.0 and high / low < 5
    assert len(burglary.backtest.points) == 11 and burglary.trust in ("low", "moderate")
    gap = by_id["crime_charnwood_pn_gap"]
    assert gap.forecast and gap.series.scale == "identity"
    imd = by_id["imd_charnwood_pn_gap"]
    assert imd.status == NOT_MET and not imd.forecast
    assert imd.observed_value == pytest.approx(30.837510 - 10.406661, abs=1e-5)
    assert imd.trust == "observed"
    assert "already known (estimated [e])" in imd.message
    assert imd.status != MET


def test_forecast_is_deterministic(real, charnwood):
    first = {f.target.id: f for f in charnwood.forecasts}["burglary_county"]
    again = forecast_target(first.series, n_draws=2000, seed=20240101)
    assert again.probability == first.probability
    pd.testing.assert_frame_equal(again.projection.projection, first.projection.projection)


def test_shared_forecasts_equal_the_districts_own(real, register_forecasts, ingested):
    """The results of a pack (which forecasts only the pack's targets) equal the register's
    forecasts picked for the pack: a target's draws depend only on its own series and seed."""
    data, registers, _ = real
    for code in (CHARNWOOD, NWL, COUNTY):
        own = district_results(code, None, ingested["out"]).targets
        shared = district_targets_from(register_forecasts, registers.targets, code,
                                       own.area_name, data)
        assert own.own == shared.own and own.has_registers
        for mine, theirs in zip(own.forecasts, shared.forecasts, strict=True):
            assert mine.target.id == theirs.target.id
            assert mine.status == theirs.status and mine.message == theirs.message
            assert mine.probability == theirs.probability or (
                np.isnan(mine.probability) and np.isnan(theirs.probability))
            if mine.projection is not None:
                pd.testing.assert_frame_equal(mine.projection.projection,
                                              theirs.projection.projection)
                np.testing.assert_array_equal(mine.projection.path_draws,
                                              theirs.projection.path_draws)


def test_statuses_of_the_charnwood_targets(charnwood):
    """The facts the pack's front page shows for each target (formerly forecast_verdicts.json)."""
    assert isinstance(charnwood, DistrictTargets)
    assert [(f.target.id, f.status) for f in charnwood.forecasts] == [
        ("crime_charnwood_pn_gap", "off track"), ("imd_charnwood_pn_gap", "not met"),
        ("burglary_county", "off track")]
    probabilities = [f.probability for f in charnwood.forecasts]
    assert 0 < probabilities[0] < 0.25 and probabilities[1] == 0.0
    assert all(f.message for f in charnwood.forecasts)
    assert status_counts(charnwood.forecasts) == {"off track": 2, NOT_MET: 1}
    assert charnwood.illustrative


def test_the_county_overview_has_every_target_as_its_own(real, register_forecasts):
    data, registers, _ = real
    county = district_targets_from(register_forecasts, registers.targets, COUNTY,
                                   "Leicestershire", data)
    assert county.targets == list(registers.targets) and all(county.own)
    blaby = district_targets_from(register_forecasts, registers.targets, BLABY, "Blaby", data)
    assert [t.id for t in blaby.targets] == ["burglary_county"] and blaby.own == [False]


def test_a_district_target_missing_from_the_forecasts_is_an_error(real, register_forecasts):
    data, registers, _ = real
    partial = {k: v for k, v in register_forecasts.items() if k != "burglary_county"}
    with pytest.raises(KeyError, match="burglary_county"):
        district_targets_from(partial, registers.targets, BLABY, "Blaby", data)


def test_district_targets_are_data_only(charnwood, tmp_path):
    assert_storable(charnwood, tmp_path)
    predictive = charnwood.forecasts[2].projection.predictive
    assert predictive.family is None and predictive.draws is not None
