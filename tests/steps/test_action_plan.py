"""The action plan (step 5) as data: milestones, resources, the package and the gap left."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.registers import load_area_registers
from pipeline.results import DistrictResults
from pipeline.steps.action_plan import (
    ActionPlan,
    ResidualGap,
    build_action_plan,
    chosen_package,
    milestones,
    residual_table,
    resources_by_year,
    review_months,
)
from pipeline.steps.appraisal_district import appraise_district, scenario_summary
from tests.storable import assert_storable

CHARNWOOD, BLABY = "E07000130", "E07000129"


# ---------------------------------------------------------------------------------------------
# Milestones and resources, worked by hand
# ---------------------------------------------------------------------------------------------


def test_milestones_on_a_hand_worked_trajectory():
    """Baseline 10 at the end of 2021, target 8.5 at the end of 2026: the line falls 0.3 a
    year, 0.15 every six months; reviews start in June 2024 (30 months in: 10 - 0.75)."""
    yearly = pd.Series({2023: 9.8, 2024: 9.4, 2025: 9.0, 2026: 8.6})
    table = milestones(2021, 10.0, 2026, 8.5, 2024, yearly_with_plan=yearly)
    assert table["review"].tolist() == ["2024-06", "2024-12", "2025-06", "2025-12", "2026-06",
                                        "2026-12"]
    assert list(table.columns) == ["review", "milestone", "with_plan", "without_plan"]
    assert table["milestone"].tolist() == pytest.approx([9.25, 9.1, 8.95, 8.8, 8.65, 8.5])
    # December: the calendar year's value; June: halfway between the two years it straddles
    assert table["with_plan"].tolist() == pytest.approx([9.6, 9.4, 9.2, 9.0, 8.8, 8.6])
    assert table["without_plan"].isna().all()
    # a plan starting before the baseline year only gets reviews from the baseline on
    early = milestones(2021, 10.0, 2026, 8.5, 2019)
    assert early["review"].iloc[0] == "2021-12" and early["milestone"].iloc[0] == 10.0


def test_review_months():
    assert review_months(2025, 2025) == ["2025-06", "2025-12"]
    with pytest.raises(ValueError, match="ends \\(2023\\) before it starts \\(2024\\)"):
        review_months(2024, 2023)


def test_resources_by_year_by_hand():
    plan = pd.DataFrame({"action": ["Gates", "Patrols"], "lead_partner": ["Council", "Police"],
                         "set_up_cost": [100.0, 0.0], "running_cost_per_year": [10.0, 50.0],
                         "start": [2025, 2024], "end": [2026, 2026]})
    table = resources_by_year(plan)
    assert list(table.columns) == ["action", "lead_partner", "2024", "2025", "2026", "total"]
    assert table.set_index("action").loc["Gates", ["2024", "2025", "2026", "total"]].tolist() == \
        [0.0, 110.0, 10.0, 120.0]
    assert table.set_index("action").loc["Total", "total"] == 120.0 + 150.0
    assert resources_by_year(plan.iloc[0:0]).empty


def test_chosen_package_refusals():
    class Fake:
        package = ["bau", "a"]
        options = pd.DataFrame({"agreed": [True, False]}, index=["bau", "a"])

    assert chosen_package(Fake(), "best") == ["bau", "a"]
    with pytest.raises(ValueError, match="no option besides business as usual is marked"):
        chosen_package(Fake(), "agreed")
    with pytest.raises(ValueError, match="package must be one of best, agreed"):
        chosen_package(Fake(), "cheapest")


# ---------------------------------------------------------------------------------------------
# The real plan for Charnwood
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charnwood_plan(prepared, ingested):
    _, data = prepared
    district = DistrictResults(CHARNWOOD, processed_dir=ingested["out"], data=data).targets
    appraisal = appraise_district(district, load_area_registers(data), data)
    base_year = load_area_registers(data).appraisal.base_year
    return district, appraisal, build_action_plan(district, appraisal, data, base_year=base_year)


def test_charnwood_action_plan(charnwood_plan):
    district, appraisal, plan = charnwood_plan
    assert plan.package == appraisal.package
    assert plan.plan["option_id"].tolist() == [o for o in appraisal.package if o != "bau"]
    rows = plan.plan.set_index("option_id")
    if "alley_gating" in rows.index:
        gating = rows.loc["alley_gating"]
        assert gating["lead_partner"] == "Charnwood Borough Council"
        assert gating["start"] == 2025 and gating["end"] == 2026
        assert gating["areas"] == [f"priority_neighbourhoods:{CHARNWOOD}"]
        assert "Charnwood Community Safety Partnership" in gating["theme_partnerships"]
        assert plan.area_names[f"priority_neighbourhoods:{CHARNWOOD}"] == \
            "Charnwood's priority neighbourhoods"
        assert plan.priority_neighbourhoods[f"priority_neighbourhoods:{CHARNWOOD}"]
    assert plan.start_year == int(plan.plan["start"].min())
    assert plan.resources["action"].iloc[-1] == "Total"
    residual = residual_table(plan.gaps).set_index("target_id")
    assert residual.loc["imd_charnwood_pn_gap", "status"] == "not met"
    crime = residual.loc["crime_charnwood_pn_gap"]
    assert crime["p_meet_with_plan"] >= crime["p_meet_without_plan"]
    assert crime["shortfall_with_plan"] <= crime["shortfall_without_plan"]
    assert crime["with_plan"] < crime["without_plan"]
    burglary = next(g for g in plan.gaps if g.forecast.target.id == "burglary_county")
    assert burglary.milestones["milestone"].iloc[-1] == pytest.approx(2.664479 * 0.85, abs=1e-6)
    # the verdicts the front page reads: one per target, in order, with a probability
    assert [g.forecast.target.id for g in plan.gaps] == ["crime_charnwood_pn_gap",
                                                         "imd_charnwood_pn_gap", "burglary_county"]
    assert plan.gaps[1].status == "not met"
    assert all(isinstance(g.probability, float) for g in plan.gaps)


def test_the_package_s_budget_check_and_the_resources_table_use_the_same_costs(charnwood_plan):
    _, appraisal, plan = charnwood_plan
    chosen = [o for o in appraisal.package if o != "bau"]
    by_year = appraisal.yearly_costs.loc[chosen].sum()
    total = plan.resources.set_index("action").loc["Total"]
    for year, cost in by_year.items():  # the table's years are those the package spends in
        assert total.get(str(year), 0.0) == pytest.approx(cost)
    assert by_year.max() <= appraisal.settings.budget_per_year
    assert total["total"] == pytest.approx(by_year.sum())
    # each action ends where the appraisal costed it to
    rows = plan.plan.set_index("option_id")
    assert (rows["end"] == appraisal.options.loc[rows.index, "plan_end"]).all()


def test_business_as_usual_is_one_number_on_the_forecast_appraisal_and_plan(charnwood_plan):
    district, appraisal, plan = charnwood_plan
    burglary = appraisal.targets["burglary_county"]
    options = scenario_summary(burglary, appraisal.options).set_index("option_id")
    appraisal_bau = options.loc["bau", "projected_value"]
    plan_bau = residual_table(plan.gaps).set_index("target_id").loc["burglary_county",
                                                                    "without_plan"]
    forecast = next(f for f in district.forecasts if f.target.id == "burglary_county")
    central = forecast.projection.projection.set_index("period").loc[2026, "central"]
    assert appraisal_bau == pytest.approx(plan_bau)
    assert round(appraisal_bau, 2) == round(central, 2) == 3.78


def test_options_belong_to_the_packs_of_the_places_they_act_in(prepared, ingested,
                                                                charnwood_plan):
    """Alley gating is delivered in Charnwood's priority neighbourhoods: it acts on the
    county-wide burglary target, but belongs to Charnwood's pack only (not to its costs in
    Blaby's); the county-wide locksmith scheme belongs to both."""
    _, data = prepared
    _, charnwood, _ = charnwood_plan
    blaby = DistrictResults(BLABY, processed_dir=ingested["out"], data=data).targets
    registers = load_area_registers(data)
    appraisal = appraise_district(blaby, registers, data)
    assert "alley_gating" in charnwood.options.index
    assert "alley_gating" not in appraisal.options.index
    assert "locksmith_target_hardening" in appraisal.options.index
    plan = build_action_plan(blaby, appraisal, data, base_year=registers.appraisal.base_year)
    assert "alley_gating" not in plan.plan["option_id"].tolist()
    assert "Charnwood Borough Council" not in plan.plan["lead_partner"].tolist()


def test_the_plan_is_data_only(charnwood_plan, tmp_path):
    _, _, plan = charnwood_plan
    assert_storable(plan, tmp_path)
    import pyarrow as pa

    for frame in (plan.plan, plan.resources, *[g.milestones for g in plan.gaps]):
        pa.Table.from_pandas(frame)  # Parquet-able: no mixed-type columns


def test_a_plan_without_an_appraisal_has_milestones_only(charnwood_plan, prepared):
    _, data = prepared
    district, _, _ = charnwood_plan
    plan = build_action_plan(district, None, data)
    assert isinstance(plan, ActionPlan) and plan.plan.empty and plan.package == []
    assert all(isinstance(g, ResidualGap) and g.scenarios is None and g.summary == {}
               for g in plan.gaps)
    with pytest.raises(ValueError, match="package must be one of best, agreed"):
        build_action_plan(district, None, data, "cheapest")
