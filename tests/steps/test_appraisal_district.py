"""A district's option appraisal (step 4): inline fixtures, then the real data for Charnwood."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.registers import load_area_registers
from pipeline.results import DistrictResults
from pipeline.steps.appraisal_district import (
    DistrictAppraisal,
    TargetScenarios,
    appraise_district,
    comparator_reach,
    options_ranked,
    priority_neighbourhood_reach,
    safe_overlap,
    scenario_summary,
    target_scenarios,
)
from tests.storable import assert_storable

CHARNWOOD = "E07000130"


def _options() -> pd.DataFrame:
    return pd.DataFrame({
        "targets": [[], ["t1"], ["t1", "t2"]],
        "applies_to": [[], ["a"], []],
    }, index=["bau", "gates", "patrols"])


def _overlap(option_area: str, target_area: str) -> float:
    shares = {("a", "b"): 0.25, ("a", "c"): 0.5, ("priority_neighbourhoods:*", "a"): 0.4,
              ("priority_neighbourhoods:*", "b"): 0.1,
              ("priority_neighbourhoods:*", "priority_neighbourhoods:*"): 1.0}
    return shares.get((option_area, target_area), 0.0)


def test_comparator_and_priority_neighbourhood_reach_by_hand():
    options = _options()
    # only options delivered in named areas reach a gap target's comparator
    assert comparator_reach(options, "t1", "c", _overlap).to_dict() == \
        {"bau": 0.0, "gates": 0.5, "patrols": 0.0}
    assert comparator_reach(options, "t1", None, _overlap).sum() == 0.0
    # options without areas are delivered where their targets are
    targets = {"t1": SimpleNamespace(area="b"), "t2": SimpleNamespace(area="a")}
    reach = priority_neighbourhood_reach(options, targets, _overlap)
    assert reach.to_dict() == pytest.approx({"bau": 0.0, "gates": 0.4, "patrols": 0.25})


def test_safe_overlap_is_zero_for_an_area_without_lsoas():
    membership = pd.DataFrame({"area": ["x", "x", "y"], "lsoa_code": ["L1", "L2", "L2"]})
    population = pd.Series({"L1": 300.0, "L2": 100.0})
    overlap = safe_overlap(membership, population)
    assert overlap("y", "x") == pytest.approx(0.25)
    assert overlap("priority_neighbourhoods:E1", "x") == 0.0


def test_target_scenarios_needs_projected_futures():
    forecast = SimpleNamespace(series=SimpleNamespace(), projection=None,
                               target=SimpleNamespace(id="t1"))
    with pytest.raises(ValueError, match="target 't1' has no projected futures"):
        target_scenarios(forecast, _options(), pd.DataFrame(), pd.Series(dtype=float), None,
                         SimpleNamespace(draws=10, seed=1))


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charnwood(prepared, ingested):
    _, data = prepared
    return DistrictResults(CHARNWOOD, processed_dir=ingested["out"], data=data).targets


@pytest.fixture(scope="module")
def charnwood_appraisal(prepared, charnwood):
    _, data = prepared
    return appraise_district(charnwood, load_area_registers(data), data)


def test_option_appraisal_for_charnwood(prepared, charnwood_appraisal):
    _, data = prepared
    appraisal = charnwood_appraisal
    assert set(appraisal.targets) == {"crime_charnwood_pn_gap", "burglary_county"}
    assert "employment_outreach" not in appraisal.options.index  # its target has no forecast
    assert appraisal.options.index[0] == "bau" and "bau" in appraisal.package
    assert "street_lighting" not in appraisal.package or "cctv_car_parks" not in \
        appraisal.package  # they exclude each other
    if "burglary_cocooning" in appraisal.package:
        assert "locksmith_target_hardening" in appraisal.package  # its dependency
    budget = appraisal.settings.budget_per_year
    chosen = appraisal.options.loc[appraisal.package, "equivalent_annual_cost"].sum()
    assert chosen <= budget
    gap = scenario_summary(appraisal.targets["crime_charnwood_pn_gap"], appraisal.options)
    assert gap["option_id"].tolist()[0] == "bau" and gap["gap_closed"].iloc[0] == 0
    lighting = gap.set_index("option_id").loc["street_lighting"]
    assert lighting["reach"] == 1.0 and lighting["gap_closed"] > 0
    assert lighting["cost_per_unit"] == pytest.approx(
        lighting["discounted_cost"] / lighting["gap_closed"])
    # alley gating reaches only Charnwood's priority neighbourhoods of the county target area
    burglary = scenario_summary(appraisal.targets["burglary_county"], appraisal.options)
    pn_share = burglary.set_index("option_id").loc["alley_gating", "reach"]
    pn_population = data.localities.loc[
        (data.localities["lad_code"] == CHARNWOOD)
        & (data.localities["type"] == "priority_neighbourhood"), "population"].sum()
    assert pn_share == pytest.approx(pn_population / data.lsoas["population"].sum(), rel=1e-6)
    ranked = options_ranked(appraisal)
    assert ranked["rank"].is_monotonic_increasing and ranked["p_first"].sum() >= 1 - 1e-9
    assert appraisal.illustrative


def test_the_appraisal_is_data_only_and_step_5_can_reuse_it(charnwood_appraisal, tmp_path):
    appraisal = charnwood_appraisal
    assert isinstance(appraisal, DistrictAppraisal)
    assert_storable(appraisal, tmp_path)
    gap = appraisal.targets["crime_charnwood_pn_gap"]
    assert isinstance(gap, TargetScenarios)
    assert gap.comparator_reach is not None and gap.comparator_path is not None
    assert appraisal.targets["burglary_county"].comparator_path is None
    # re-forecasting from the stored comparator projection gives step 4's numbers
    again = target_scenarios(gap.forecast, appraisal.options, appraisal.effect_draws, gap.reach,
                             gap.comparator_reach, appraisal.settings,
                             comparator_path=gap.comparator_path)
    pd.testing.assert_frame_equal(again.gap, gap.gap)


def test_appraise_district_without_registers_is_none(prepared):
    _, data = prepared
    assert appraise_district(SimpleNamespace(has_targets=True), None, data) is None
