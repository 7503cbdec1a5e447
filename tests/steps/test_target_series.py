"""Targets resolved to the series they are judged on: inline fixtures and the real data."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.registers import Target, known_ids, load_area_registers, validate_targets
from pipeline.steps.target_areas import area_lsoas
from pipeline.steps.target_series import (
    CRIME_VARIABLE,
    choose_scale,
    gap_history,
    monthly_counts,
    monthly_rates,
    resolve_target,
    scale_fallback,
)
from pipeline.store import load_observations

CHARNWOOD, BLABY, NWL, COUNTY = "E07000130", "E07000129", "E07000134", "E10000018"


def target(**changes) -> Target:
    base = Target(id="t", title="A target", indicator="burglary_rate", area=COUNTY,
                  area_kind="county", area_label="Leicestershire", baseline_period="2021",
                  target_period="2026", kind="relative_change", amount=15, direction="decrease",
                  theme_partnership="Safer Communities")
    return dataclasses.replace(base, **changes)


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


def test_a_month_with_no_crime_rules_out_the_log_scale_and_says_why():
    rate = {"unit": "per 1,000 residents", "method": "annual_rate"}
    months = pd.DataFrame({"period": ["2020-04", "2020-05", "2020-06", "2020-07"],
                           "value": [0.31, 0.12, 0.0, 0.25]})
    assert choose_scale(rate, months["value"], is_gap=False) == ("identity", 1.0)
    assert scale_fallback(rate, months, is_gap=False) == ("log", "2020-06", 0.0)
    assert scale_fallback(rate, months.iloc[[0, 1, 3]], is_gap=False) is None
    shares = pd.DataFrame({"period": [2011, 2021], "value": [0.0, 3.5]})
    assert scale_fallback({"unit": "%", "method": "ratio"}, shares, False) == \
        ("logit", "2011", 0.0)
    assert scale_fallback(rate, months, is_gap=True) is None  # gaps are on the values anyway


# ---------------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(prepared, ingested):
    _, data = prepared
    registers = load_area_registers(data)
    observations = load_observations(ingested["out"], variables=[CRIME_VARIABLE])
    return data, registers, observations


def _register_target(registers, target_id):
    return next(t for t in registers.targets if t.id == target_id)


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
    assert series.estimated_periods == () and not series.mixes_editions


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
    assert series.estimated_periods == (2004, 2007, 2010, 2025) and series.mixes_editions


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


def test_a_zero_month_in_the_series_forecast_picks_the_identity_scale(real):
    """Real data has months with no crime of a kind in a small area: the monthly series (not
    its yearly sums) decides the scale, and the forecast is made instead of failing with
    "the log scale needs values above zero; 2020-06 has 0"."""
    from pipeline.pages.forecast import series_caveats
    from pipeline.steps.target_forecast import forecast_target

    data, registers, observations = real
    burglary = _register_target(registers, "burglary_county")
    june = (observations["period"] == "2020-06") & (observations["category"] == "Burglary")
    assert june.sum() > 0
    zeroed = observations.assign(value=observations["value"].where(~june, 0.0))
    series = resolve_target(burglary, data, zeroed)
    assert series.monthly.set_index("period").loc["2020-06", "value"] == 0.0
    assert series.annual["value"].min() > 0  # the yearly rates alone would allow the log
    assert (series.frequency, series.scale) == ("monthly", "identity")
    assert series.scale_fallback == ("log", "2020-06", 0.0)
    forecast = forecast_target(series, n_draws=200)
    assert forecast.forecast and forecast.projection.scale == "identity"
    assert "The forecast works on the values themselves, not on their logarithm, because " \
           "2020-06 has a value of 0, which the logarithm cannot take." in series_caveats(series)
