"""The option-appraisal page: its text, tables and downloads from a district's appraisal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.pages.appraisal import (
    appraisal_downloads,
    appraisal_intro,
    appraisal_key_messages,
    criteria_labels,
    describe_cost_effectiveness,
    effect_text,
    options_register_table,
    package_table,
    package_text,
    scenario_labels,
    scenario_paths,
    scores_table,
    weights_table,
)
from pipeline.registers import load_area_registers
from pipeline.results import DistrictResults
from pipeline.steps.appraisal_district import appraise_district

CHARNWOOD = "E07000130"


def test_effect_and_cost_effectiveness_text():
    row = {"effect_unit": "percent", "effect_central": -15, "effect_low": -30, "effect_high": 0}
    assert effect_text(row) == "-15% (range -30% to 0%)"
    assert effect_text({**row, "effect_unit": "absolute"}) == "-15 (range -30 to 0)"
    labels = describe_cost_effectiveness(pd.Series({"a": 100.0, "b": np.inf}),
                                         "burglary per 1,000")
    assert labels["a"] == "£100 per burglary per 1,000" and labels["b"] == "not effective"


def test_pages_without_an_appraisal():
    assert appraisal_intro("Blaby", False, None).startswith("There are no targets for Blaby")
    assert "has a forecast to appraise" in appraisal_intro("Blaby", True, None)
    assert appraisal_key_messages(None) == []
    ranked, gaps = appraisal_downloads(None)
    assert list(ranked.columns) == ["Option id", "Option"] and ranked.empty
    assert list(gaps.columns) == ["Target id", "Option id"] and gaps.empty


@pytest.fixture(scope="module")
def charnwood(prepared, ingested):
    _, data = prepared
    district = DistrictResults(CHARNWOOD, processed_dir=ingested["out"], data=data).targets
    return district, appraise_district(district, load_area_registers(data), data)


def test_charnwood_appraisal_page(charnwood):
    district, appraisal = charnwood
    intro = appraisal_intro(district.area_name, district.has_targets, appraisal)
    assert intro.startswith(f"{len(appraisal.options) - 1} options from the options register")
    messages = appraisal_key_messages(appraisal)
    assert "ranks first in the multi-criteria appraisal" in messages[0]
    assert messages[1].startswith("The best package within the budget of £")
    assert len(messages) == 2 + len(appraisal.targets)
    titles = {f.target.id: f.target.title for f in district.forecasts}
    register = options_register_table(appraisal, titles)
    assert register["targets"].iloc[0] == "all (reference)"
    where = dict(zip(appraisal.options.index, register["where"], strict=True))
    assert where["alley_gating"] == "Charnwood's priority neighbourhoods"
    weights = weights_table(appraisal)
    assert weights["share"].sum() == pytest.approx(1.0)
    scores = scores_table(appraisal)
    assert set(criteria_labels()) <= set(scores.columns) and scores["rank"].iloc[0] == 1
    package = package_table(appraisal)
    assert package["option"].iloc[-1] == "Total"
    assert package["equivalent_annual_cost"].iloc[-1] <= appraisal.settings.budget_per_year
    years = [c for c in package.columns if c.isdigit()]
    assert max(package[years].iloc[-1]) <= appraisal.settings.budget_per_year
    assert "under the budget" in package_text(appraisal)
    assert "its costliest year" in package_text(appraisal) and "its costliest year" in messages[1]


def test_charnwood_charts_and_downloads(charnwood):
    _, appraisal = charnwood
    scenarios = appraisal.targets["burglary_county"]
    labels = scenario_labels(scenarios, appraisal.options)
    assert next(iter(labels.items())) == ("bau", "Business as usual (no new option)")
    assert "street_lighting" not in labels  # does not act on burglary
    paths = scenario_paths(scenarios, list(labels))
    assert set(paths["scenario"]) == set(labels)
    assert (paths["lower_80"] <= paths["central"]).all()
    assert (paths["central"] <= paths["upper_80"]).all()
    ranked, gaps = appraisal_downloads(appraisal)
    assert ranked["Rank"].is_monotonic_increasing
    assert set(gaps["Target id"]) == {"crime_charnwood_pn_gap", "burglary_county"}
    bau = gaps[gaps["Option id"] == "bau"]
    assert bau["Discounted cost per unit of gap closed (£; blank = closes none)"].isna().all()
