"""Targets resolved to their series, forecast and appraised: inline fixtures and the real data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.registers import Target, validate_targets
from pipeline.steps.forecast import Backtest, fit_and_project
from pipeline.steps.targets import (
    MET,
    NOT_MET,
    area_lsoas,
    area_membership,
    chart_id,
    choose_scale,
    district_targets,
    forecast_district,
    forecast_downloads,
    forecast_facts,
    forecast_key_messages,
    forecast_summary,
    forecast_target,
    gap_history,
    known_ids,
    load_area_registers,
    load_crime_observations,
    monthly_counts,
    monthly_rates,
    output_folder,
    resolve_target,
    targets_intro,
    trust_rating,
    verdicts,
    write_verdicts,
)

CHARNWOOD, BLABY, NWL, COUNTY = "E07000130", "E07000129", "E07000134", "E10000018"


def target(**changes) -> Target:
    base = Target(id="t", title="A target", indicator="burglary_rate", area=COUNTY,
                  area_kind="county", area_label="Leicestershire", baseline_period="2021",
                  target_period="2026", kind="relative_change", amount=15, direction="decrease",
                  theme_partnership="Safer Communities")
    return dataclasses.replace(base, **changes)


# ---------------------------------------------------------------------------------------------
# Small fixtures
# ---------------------------------------------------------------------------------------------


def test_monthly_counts_sum_the_numerator_terms_over_the_areas_lsoas():
    observations = pd.DataFrame({
        "area_code": ["A", "A", "B", "B", "C", "A", "A"],
        "variable": ["crime_count"] * 6 + ["population"],
        "period": ["2020-01", "2020-01", "2020-01", "2020-02", "2020-01", "2020", "2020"],
        "category": ["Burglary", "Robbery", "Burglary", "Burglary", "Burglary", "Burglary", ""],
        "value": [3.0, 5.0, 4.0, 2.0, 100.0, 99.0, 1000.0],
    })
    counts = monthly_counts(observations, "crime_count[Burglary]", ["A", "B"])
    assert counts.to_dict("list") == {"period": ["2020-01", "2020-02"], "count": [7.0, 2.0]}
    both = monthly_counts(observations, "crime_count[Burglary] + crime_count[Robbery]", ["A"])
    assert both.to_dict("list") == {"period": ["2020-01"], "count": [8.0]}


def test_monthly_counts_refusals():
    with pytest.raises(ValueError, match="missing column 'category'"):
        monthly_counts(pd.DataFrame({"area_code": [], "variable": [], "period": [], "value": []}),
                       "crime_count[Burglary]", ["A"])
    frame = pd.DataFrame(columns=["area_code", "variable", "period", "category", "value"])
    with pytest.raises(ValueError, match="names no observation terms"):
        monthly_counts(frame, "", ["A"])


def test_monthly_rates_use_the_population_of_the_year_or_the_latest_earlier_one():
    counts = pd.DataFrame({"period": ["2019-12", "2020-06", "2021-03", "2022-01"],
                           "count": [10.0, 20.0, 30.0, 40.0]})
    population = pd.DataFrame({"period": [2020, 2019], "value": [2000.0, 1000.0]})
    rates = monthly_rates(counts, population, 1000)
    assert rates["denominator"].tolist() == [1000.0, 2000.0, 2000.0, 2000.0]
    assert rates["value"].tolist() == pytest.approx([10.0, 10.0, 15.0, 20.0])
    # months before the first population year take the earliest one
    early = monthly_rates(pd.DataFrame({"period": ["2018-05"], "count": [5.0]}), population, 1000)
    assert early["denominator"].tolist() == [1000.0]
    with pytest.raises(ValueError, match="no population values"):
        monthly_rates(counts, population.iloc[0:0], 1000)


def test_gap_history_subtracts_the_comparator_and_keeps_estimated_flags():
    area = pd.DataFrame({"period": [2019, 2025], "value": [31.0, 30.0], "flag": ["", "[e]"]})
    rest = pd.DataFrame({"period": [2015, 2019, 2025], "value": [9.0, 10.0, 11.0],
                         "flag": ["", "", ""]})
    gap = gap_history(area, rest)
    assert gap["period"].tolist() == [2019, 2025]
    assert gap["value"].tolist() == [21.0, 19.0]
    assert gap["flag"].tolist() == ["", "[e]"]
    assert gap["comparator_value"].tolist() == [10.0, 11.0]


def test_choose_scale_by_unit_method_and_gap():
    rate = {"unit": "per 1,000 residents", "method": "annual_rate"}
    assert choose_scale(rate, pd.Series([3.6, 2.7]), is_gap=False) == ("log", 1.0)
    assert choose_scale(rate, pd.Series([3.6, 0.0]), is_gap=False) == ("identity", 1.0)
    assert choose_scale(rate, pd.Series([68.5, 83.7]), is_gap=True) == ("identity", 1.0)
    assert choose_scale({"unit": "%", "method": "ratio"}, pd.Series([12.0, 14.0]), False) == \
        ("logit", 100.0)
    assert choose_scale({"unit": "score", "method": "value"}, pd.Series([-0.2, 0.3]), False) == \
        ("identity", 1.0)


def test_district_targets_own_first_then_county_wide_and_everything_for_the_county():
    localities = pd.DataFrame({"locality_id": ["pn-a"], "lad_code": [CHARNWOOD]})
    county = target(id="county")
    own = target(id="own", area=CHARNWOOD, area_kind="district")
    pn = target(id="pn", area=f"priority_neighbourhoods:{CHARNWOOD}",
                area_kind="priority_neighbourhoods")
    locality = target(id="loc", area="pn-a", area_kind="locality")
    other = target(id="other", area=NWL, area_kind="district")
    register = [county, own, pn, locality, other]
    assert [t.id for t in district_targets(register, CHARNWOOD, COUNTY, localities)] == \
        ["own", "pn", "loc", "county"]
    assert [t.id for t in district_targets(register, BLABY, COUNTY, localities)] == ["county"]
    assert [t.id for t in district_targets(register, COUNTY, COUNTY, localities)] == \
        ["county", "own", "pn", "loc", "other"]
    assert district_targets([other], BLABY, COUNTY, localities) == []


def test_trust_rating_from_the_backtest():
    def test_result(mape, inside, n=11):
        points = pd.DataFrame({"period": range(n)})
        return Backtest(points, 1.0, mape, {0.8: inside, 0.95: inside}, "summary")

    assert trust_rating(test_result(10, 11), "monthly")[0] == "reasonable"
    assert trust_rating(test_result(20, 10), "annual")[0] == "moderate"
    assert trust_rating(test_result(44, 5), "monthly")[0] == "low"
    assert trust_rating(test_result(10, 5), "monthly")[0] == "low"
    rating, text = trust_rating(None, "annual")
    assert rating == "not tested" and "too short" in text
    assert "COVID-19" in trust_rating(test_result(10, 11), "monthly")[1]


def test_chart_ids_are_valid_and_output_folder_defaults_to_the_run_folder(tmp_path):
    assert chart_id("forecast", "crime_charnwood_pn_gap") == "forecast-crime_charnwood_pn_gap"
    assert chart_id("forecast", "Crime.Gap 2") == "forecast-crime-gap-2"
    assert output_folder(str(tmp_path), "", "Hinckley and Bosworth") == tmp_path
    assert output_folder("", str(tmp_path), "Hinckley and Bosworth") == \
        tmp_path / "runs" / "hinckley-and-bosworth"


def test_write_verdicts(tmp_path):
    path = write_verdicts([{"target_id": "t", "title": "T", "status": "on track",
                            "probability": 0.8, "message": "m"}], tmp_path)
    assert path.name == "forecast_verdicts.json"
    assert '"verdicts"' in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The mean-reverting monthly model and path draws added to pipeline.steps.forecast
# ---------------------------------------------------------------------------------------------


def _ar_series(rng, n, extra, phi=0.6, sd_ar=0.08, sd_noise=0.04):
    months = pd.period_range("2019-12", periods=n + extra, freq="M")
    season = 0.15 * np.sin(2 * np.pi * (months.month.to_numpy() - 1) / 12)
    ar = np.zeros(n + extra)
    ar[0] = rng.normal(0, sd_ar / np.sqrt(1 - phi ** 2))
    for i in range(1, n + extra):
        ar[i] = phi * ar[i - 1] + rng.normal(0, sd_ar)
    values = np.exp(4.0 + ar + season + rng.normal(0, sd_noise, n + extra))
    frame = pd.DataFrame({"period": [m.strftime("%Y-%m") for m in months], "value": values})
    return frame.iloc[:n], frame.iloc[n:]


def test_mean_reverting_model_covers_months_three_years_ahead():
    """40 seeded 35-month series (stationary AR(1) + season + noise), projected 36 months: the
    95% intervals of the last 12 months cover the truth 95% +/- 6% of the time."""
    rng = np.random.default_rng(42)
    covered = []
    for _ in range(40):
        history, future = _ar_series(rng, 35, 36)
        projection = fit_and_project(history, future["period"].iloc[-1], scale="log",
                                     frequency="monthly", seasonal=True,
                                     monthly_model="mean_reverting")
        frame = projection.projection.merge(future, on="period").iloc[-12:]
        covered.extend(frame["value"].between(frame["lower_95"], frame["upper_95"]))
    assert abs(np.mean(covered) - 0.95) <= 0.06


def test_path_draws_match_the_projection_intervals():
    rng = np.random.default_rng(3)
    history, _ = _ar_series(rng, 35, 0)
    monthly = fit_and_project(history, 2026, scale="log", frequency="monthly", seasonal=True,
                              monthly_model="mean_reverting", n_draws=2000, random_state=1)
    assert monthly.path_draws.shape == (2000, 5)
    assert monthly.model == "mean-reverting time series"
    assert np.quantile(monthly.path_draws[:, -1], 0.975) == pytest.approx(
        monthly.projection["upper_95"].iloc[-1])
    assert "no trend is projected" in monthly.description
    annual = pd.DataFrame({"period": range(2010, 2018), "value": 20 * 0.97 ** np.arange(8)
                           * np.exp(rng.normal(0, 0.05, 8))})
    ols = fit_and_project(annual, 2021, scale="log", frequency="annual", n_draws=20000)
    assert ols.path_draws.shape == (20000, 4)
    assert np.quantile(ols.path_draws, 0.975, axis=0) == pytest.approx(
        ols.projection["upper_95"].to_numpy(), rel=0.03)
    assert fit_and_project(history, "2023-06", scale="log", frequency="monthly").path_draws is None
    with pytest.raises(ValueError, match="monthly_model must be one of"):
        fit_and_project(history, 2026, scale="log", frequency="monthly", monthly_model="damped")


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(prepared, ingested):
    _, data = prepared
    registers = load_area_registers(data)
    observations = load_crime_observations(ingested["out"])
    return data, registers, observations


@pytest.fixture(scope="module")
def charnwood(real, ingested):
    data, _, _ = real
    return forecast_district(data, CHARNWOOD, ingested["out"])


def _register_target(registers, target_id):
    return next(t for t in registers.targets if t.id == target_id)


def test_the_shipped_registers_name_targets_for_charnwood_blaby_and_nwl(real):
    data, registers, _ = real
    ids = {code: [t.id for t in district_targets(registers.targets, code, COUNTY,
                                                 data.localities)]
           for code in (CHARNWOOD, BLABY, NWL)}
    assert ids == {CHARNWOOD: ["crime_charnwood_pn_gap", "imd_charnwood_pn_gap",
                               "burglary_county"],
                   BLABY: ["burglary_county"],
                   NWL: ["asb_north_west_leicestershire", "burglary_county"]}


def test_county_burglary_series_match_the_store(real):
    data, registers, observations = real
    series = resolve_target(_register_target(registers, "burglary_county"), data, observations)
    # yearly rates of the store: 2,611 and 1,900 burglaries per 713,085 residents
    assert series.annual["period"].tolist() == [2020, 2021]
    assert series.annual["value"].tolist() == pytest.approx([3.661555, 2.664479], abs=1e-6)
    assert series.annual["numerator"].tolist() == [2611.0, 1900.0]
    # monthly counts: the crime_count observations summed over the county's LSOAs
    monthly = series.monthly
    assert len(monthly) == 35
    assert (monthly["period"].iloc[0], monthly["period"].iloc[-1]) == ("2019-12", "2022-10")
    assert monthly["numerator"].iloc[:3].tolist() == [294.0, 332.0, 255.0]
    store = data.store
    county_months = store[(store["area_code"] == COUNTY) & (store["indicator_id"] ==
                                                            "burglary_monthly")]
    expected = county_months.set_index("period")["value"]
    assert monthly.set_index("period")["numerator"].to_dict() == expected.to_dict()
    # monthly rates add up to the yearly rates
    by_year = monthly.assign(year=monthly["period"].str[:4]).groupby("year")["value"].sum()
    assert by_year[["2020", "2021"]].tolist() == pytest.approx([3.661555, 2.664479], abs=1e-6)
    assert series.frequency == "monthly" and series.scale == "log"
    assert series.baseline_value == pytest.approx(2.664479, abs=1e-6)
    assert series.target_value == pytest.approx(2.664479 * 0.85, abs=1e-6)
    assert "35 monthly values 2019-12 to 2022-10" in series.series_note


def test_charnwood_crime_gap_is_priority_neighbourhoods_minus_the_rest(real):
    data, registers, observations = real
    series = resolve_target(_register_target(registers, "crime_charnwood_pn_gap"), data,
                            observations)
    assert series.comparator == f"rest-{CHARNWOOD}"
    assert series.comparator_name == "the rest of Charnwood"
    assert series.area_name == "Charnwood's priority neighbourhoods"
    # 2021: 3,905 crimes per 27,981 residents minus 8,961 per 160,435
    assert series.annual["value"].tolist() == pytest.approx(
        [121.475287 - 52.999657, 139.558986 - 55.854396], abs=1e-5)
    assert series.baseline_value == pytest.approx(83.704590, abs=1e-5)
    assert series.target_value == pytest.approx(83.704590 * 0.75, abs=1e-5)
    assert series.scale == "identity" and series.frequency == "monthly"
    # the priority neighbourhoods' monthly counts are those of the locality rows
    rows = data.locality_rows
    pn_months = rows[(rows["area_code"] == f"pn-all-{CHARNWOOD}")
                     & (rows["indicator_id"] == "crime_monthly")].set_index("period")["value"]
    lsoas = area_lsoas(f"priority_neighbourhoods:{CHARNWOOD}", data)
    counts = monthly_counts(observations, str(data.catalogue.set_index("id").loc[
        "crime_rate", "numerator"]), lsoas).set_index("period")["count"]
    assert counts.to_dict() == pn_months.to_dict()
    assert counts.iloc[0] == 248.0
    assert len(series.monthly) == 35


def test_charnwood_deprivation_gap_uses_the_iod_editions(real):
    data, registers, observations = real
    series = resolve_target(_register_target(registers, "imd_charnwood_pn_gap"), data,
                            observations)
    assert series.frequency == "annual" and series.monthly is None
    assert series.annual["period"].tolist() == [2004, 2007, 2010, 2015, 2019, 2025]
    assert series.annual["flag"].tolist() == ["[e]", "[e]", "[e]", "", "", "[e]"]
    assert series.baseline_value == pytest.approx(31.356932 - 10.154744, abs=1e-5)
    assert series.target_value == pytest.approx(0.9 * (31.356932 - 10.154744), abs=1e-5)
    assert any("estimated [e]" in note for note in series.notes)


def test_unknown_or_empty_areas_and_baselines_are_errors_naming_the_target(real):
    data, registers, observations = real
    with pytest.raises(InputError, match="target 'nowhere': area 'Nowhere'"):
        validate_targets([{"id": "nowhere", "title": "T", "indicator": "burglary_rate",
                           "area": "Nowhere", "baseline_period": 2021, "target_period": 2026,
                           "target": {"kind": "relative_change", "amount": 10},
                           "direction": "decrease", "theme_partnership": "X"}],
                         "targets.yaml", known_ids(data))
    burglary = _register_target(registers, "burglary_county")
    empty = dataclasses.replace(burglary, id="ghost", area="pn-ghost", area_kind="locality",
                                area_label="pn-ghost")
    with pytest.raises(InputError, match="target 'ghost': area 'pn-ghost' has no data"):
        resolve_target(empty, data, observations)
    early = dataclasses.replace(burglary, id="early", baseline_period="2019")
    with pytest.raises(InputError, match="target 'early': no value of 'burglary_rate' for the "
                                         "baseline period 2019 \\(years with data: 2020, 2021\\)"):
        resolve_target(early, data, observations)
    locality_gap = dataclasses.replace(
        _register_target(registers, "crime_charnwood_pn_gap"), id="loc_gap",
        area=data.localities["locality_id"].iloc[0], area_kind="locality")
    with pytest.raises(InputError, match="target 'loc_gap': comparator rest_of_district"):
        resolve_target(locality_gap, data, observations)


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
    assert "already known (estimated [e])" in imd.message
    assert imd.status != MET


def test_forecast_is_deterministic(real, charnwood):
    first = {f.target.id: f for f in charnwood.forecasts}["burglary_county"]
    again = forecast_target(first.series, n_draws=2000, seed=20240101)
    assert again.probability == first.probability
    pd.testing.assert_frame_equal(again.projection.projection, first.projection.projection)


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
    downloads, series = forecast_downloads(charnwood.forecasts, data)
    assert "Probability of meeting the target" in downloads.columns
    burglary = series[series["Target id"] == "burglary_county"].set_index("Year")
    assert burglary.loc[2021, "Recorded value"] == pytest.approx(2.664479, abs=1e-6)
    assert burglary.loc[2026, "Target trajectory"] == pytest.approx(2.664479 * 0.85, abs=1e-6)
    assert np.isnan(burglary.loc[2020, "Projection (central)"])
    gap = series[series["Target id"] == "crime_charnwood_pn_gap"].set_index("Year")
    assert gap.loc[2021, "Area's own value (gap targets)"] == pytest.approx(139.558986, abs=1e-5)
    assert gap.loc[2021, "Comparator's value (gap targets)"] == pytest.approx(55.854396, abs=1e-5)
    assert gap.loc[2021, "Comparator (gap targets)"] == "the rest of Charnwood"
    assert [v["status"] for v in verdicts(charnwood.forecasts)] == ["off track", "not met",
                                                                    "off track"]
    assert "2 targets of Charnwood's own and 1 county-wide target" in targets_intro(charnwood)


def test_area_membership_covers_every_kind_of_area(real):
    data, _, _ = real
    membership = area_membership(data)
    areas = set(membership["area"])
    assert {COUNTY, CHARNWOOD, f"priority_neighbourhoods:{CHARNWOOD}", f"rest-{CHARNWOOD}",
            "priority_neighbourhoods:*"} <= areas
    charnwood = set(membership.loc[membership["area"] == CHARNWOOD, "lsoa_code"])
    pn = set(membership.loc[membership["area"] == f"priority_neighbourhoods:{CHARNWOOD}",
                            "lsoa_code"])
    rest = set(membership.loc[membership["area"] == f"rest-{CHARNWOOD}", "lsoa_code"])
    assert pn | rest == charnwood and not pn & rest
