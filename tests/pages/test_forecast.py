"""The forecast page: text, display tables, charts and downloads (inline fixtures and the real
data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.pages.forecast import (
    ForecastPage,
    chart_summary,
    coverage_text,
    forecast_facts,
    forecast_key_messages,
    series_caveats,
    series_note,
    target_description,
    target_forecast_chart,
    targets_intro,
    trust_text,
)
from pipeline.pages.forecast_tables import forecast_downloads, forecast_summary, summary_display
from pipeline.registers import load_area_registers
from pipeline.reporting.format import chance_text, significant_figures_text, target_chart_id
from pipeline.steps.forecast import Backtest
from pipeline.steps.forecast_coverage import MEASURED_COVERAGE
from pipeline.steps.target_forecast import (
    DistrictTargets,
    district_targets_from,
    forecast_register,
    no_registers,
)
from pipeline.steps.target_series import CRIME_VARIABLE
from pipeline.store import load_observations

CHARNWOOD, COUNTY = "E07000130", "E10000018"


def test_chart_ids_are_valid():
    assert target_chart_id("forecast", "crime_charnwood_pn_gap") == \
        "forecast-crime_charnwood_pn_gap"
    assert target_chart_id("forecast", "Crime.Gap 2") == "forecast-crime-gap-2"
    assert target_chart_id("1", "x") == "c-1-x"


def test_coverage_text_states_the_measured_figures():
    """The page's sentence comes from the simulation's figures, and its verdict follows them."""
    text = coverage_text()
    share = MEASURED_COVERAGE["pack_model"]
    assert f"in tests on {MEASURED_COVERAGE['series']} simulated" in text
    assert (f"the 95% range held the true value in {share['monthly 95']:.0f}% of cases for "
            f"single months and {share['yearly 95']:.0f}% for yearly totals") in text
    yearly = [MEASURED_COVERAGE["by_process"][f"{kind} yearly 95"]
              for kind in MEASURED_COVERAGE["processes"]]
    assert f"({min(yearly):.0f}% to {max(yearly):.0f}% depending on" in text
    assert f"the 80% range in {share['monthly 80']:.0f}% and {share['yearly 80']:.0f}%" in text
    assert "too narrow" in text  # yearly 95% ranges held 90%, not 93-97%
    honest = {"series": 150, "pack_model": {"monthly 95": 95.2, "yearly 95": 94.1,
                                            "monthly 80": 80.4, "yearly 80": 79.0}}
    assert coverage_text(honest).endswith("The ranges can be read as they are labelled.")
    wide = {"series": 150, "pack_model": {"monthly 95": 99.0, "yearly 95": 98.5,
                                          "monthly 80": 90.0, "yearly 80": 88.0}}
    assert "wider than they need to be" in coverage_text(wide)


def test_number_and_chance_texts():
    assert [significant_figures_text(v) for v in (0.12345, 45.67, 12345.6, None, np.nan)] == \
        ["0.123", "45.7", "12,346", "n/a", "n/a"]
    assert [chance_text(p) for p in (0.001, 0.125, 0.5, 0.999, np.nan)] == \
        ["less than 1%", "13%", "50%", "more than 99%", "not estimated"]


def test_an_area_without_registers_says_so():
    text = targets_intro(no_registers("E07000129", "Blaby"))
    assert text.startswith("There are no targets for Blaby: the area settings")
    assert forecast_key_messages([]) == []
    assert forecast_summary([]).empty and summary_display([]).empty
    summary, series = forecast_downloads([])
    assert summary.empty and series.empty and "Target trajectory" in series.columns


@pytest.mark.parametrize("own, county, opening", [
    (0, 1, "Blaby has no targets of its own. This page looks at the county-wide target that "
           "covers it. For each target"),
    (0, 2, "Blaby has no targets of its own. This page looks at the 2 county-wide targets that "
           "cover it. For each target"),
    (1, 0, "This page looks at one target of Blaby's own. For each target"),
    (1, 1, "This page looks at one target of Blaby's own and the county-wide target that covers "
           "it. For each target"),
    (3, 2, "This page looks at 3 targets of Blaby's own and the 2 county-wide targets that cover "
           "it. For each target"),
])
def test_intro_counts_own_and_county_wide_targets_in_a_sentence(own, county, opening):
    district = DistrictTargets(area_code="E07000129", area_name="Blaby", has_registers=True,
                               forecasts=[object()] * (own + county),
                               own=[True] * own + [False] * county)
    assert targets_intro(district).startswith(opening)


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
def charnwood(real):
    data, registers, observations = real
    forecasts = forecast_register(registers.targets, data, observations,
                                  n_draws=registers.appraisal.draws, seed=registers.appraisal.seed)
    return district_targets_from(forecasts, registers.targets, CHARNWOOD, "Charnwood", data)


def test_forecast_tables_and_messages(real, charnwood):
    data, _, _ = real
    summary = forecast_summary(charnwood.forecasts)
    assert summary["target_id"].tolist() == ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap",
                                             "burglary_county"]
    assert summary["series_used"].tolist() == ["monthly", "yearly", "monthly"]
    messages = forecast_key_messages(charnwood.forecasts)
    assert messages[0].startswith("Reduce burglary across Leicestershire by 15%: off track")
    facts = forecast_facts(charnwood.forecasts[0]).set_index("item")["value"]
    assert facts["Status"] == "off track"
    assert facts["Change needed each year from 2021"].startswith("a fall of 4.19 per 1,000")
    assert "Backtest (values held back and forecast)" in facts.index
    downloads, series = forecast_downloads(charnwood.forecasts, data.config.min_count)
    assert "Probability of meeting the target" in downloads.columns
    burglary = series[series["Target id"] == "burglary_county"].set_index("Year")
    assert burglary.loc[2021, "Recorded value"] == pytest.approx(2.664479, abs=1e-6)
    assert burglary.loc[2026, "Target trajectory"] == pytest.approx(2.664479 * 0.85, abs=1e-6)
    assert np.isnan(burglary.loc[2020, "Projection (central)"])
    gap = series[series["Target id"] == "crime_charnwood_pn_gap"].set_index("Year")
    assert gap.loc[2021, "Area's own value (gap targets)"] == pytest.approx(139.558986, abs=1e-5)
    assert gap.loc[2021, "Comparator's value (gap targets)"] == pytest.approx(55.854396, abs=1e-5)
    assert gap.loc[2021, "Comparator (gap targets)"] == "the rest of Charnwood"
    assert downloads["Status"].tolist() == ["off track", "not met", "off track"]
    assert "2 targets of Charnwood's own and the county-wide target that covers it" in \
        targets_intro(charnwood)


def test_which_series_is_used_and_its_caveats(charnwood):
    gap, imd, burglary = charnwood.forecasts
    assert "35 monthly values 2019-12 to 2022-10" in series_note(burglary.series)
    assert series_note(imd.series).startswith("The forecast uses the 6 yearly values 2004 to "
                                              "2025 (2004, 2007, 2010, 2015, 2019, 2025).")
    caveats = series_caveats(imd.series)
    assert any("estimated [e]" in note for note in caveats)
    assert any("Index of Deprivation editions" in note for note in caveats)
    assert series_caveats(burglary.series) == []
    description = target_description(imd)
    assert "**Series used:** The forecast uses the 6 yearly values" in description
    assert "Values for 2004, 2007, 2010, 2025 are estimated [e]" in description


def test_trust_and_chart_texts(charnwood):
    gap, imd, burglary = charnwood.forecasts
    assert trust_text(imd) == "The outcome is observed, not forecast."
    text = trust_text(burglary)
    assert text.startswith(f"Trust in this forecast: {burglary.trust} (its forecasts of the 11 "
                           "held-back months were off by") and "COVID-19" in text
    assert chart_summary(burglary).endswith(burglary.message)
    figure = target_forecast_chart(burglary)
    assert figure.layout.title.text and len(figure.data) > 2


def test_trust_text_without_a_backtest(charnwood):
    burglary = charnwood.forecasts[2]
    untested = type(burglary)(**{**burglary.__dict__, "backtest": None, "trust": "not tested"})
    assert "too short to hold values back" in trust_text(untested)
    points = pd.DataFrame({"period": range(3)})
    tested = type(burglary)(**{**burglary.__dict__, "trust": "low",
                               "backtest": Backtest(points, 1.5, np.nan, {0.95: 1}, "s")})
    assert "off by 1.5 on average, and 1 of 3 fell inside" in trust_text(tested)


def test_the_page_stages_its_downloads(charnwood, tmp_path):
    page = ForecastPage(district=charnwood, work_dir=tmp_path, min_count=5)
    page.stage_downloads()
    summary = pd.read_parquet(tmp_path / "tables" / "forecast_targets.parquet")
    assert summary["Target id"].tolist() == ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap",
                                             "burglary_county"]
    assert (tmp_path / "tables" / "forecast_projections.parquet").exists()
