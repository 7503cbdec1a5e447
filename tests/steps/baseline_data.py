"""Small inline data for the baseline tests (steps and page): a district (Charnwood) of two
LSOAs in a county of three, a catalogue, a store and population observations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Area
from pipeline.steps.baseline_area import BaselineArea

NAN = np.nan
COUNTY = Area("E10000018", "Leicestershire")
ENGLAND = Area("E92000001", "England")
DISTRICT = BaselineArea("E07000130", "Charnwood", "LAD", COUNTY, ENGLAND, ("L1", "L2"),
                        ("L1", "L2", "L3"))
WHOLE_COUNTY = BaselineArea("E10000018", "Leicestershire", "CTY", COUNTY, ENGLAND,
                            ("L1", "L2", "L3"), ("L1", "L2", "L3"))


def row(code, area_type, indicator, period, value, numerator=NAN, denominator=NAN, lower=NAN,
        upper=NAN, unit="%", flag="", category=""):
    return {"area_code": code, "area_type": area_type, "indicator_id": indicator,
            "period": period, "category": category, "value": value, "numerator": numerator,
            "denominator": denominator, "lower_ci": lower, "upper_ci": upper, "unit": unit,
            "flag": flag, "source": "test"}


def baseline_catalogue() -> pd.DataFrame:
    rows = [
        # id, title, unit, polarity, method, aggregation, theme, status
        ("population_total", "Total population", "persons", "no_judgement", "count", "sum",
         "people and place", "computed"),
        ("population_aged_0_15_pct", "Children aged 0-15", "%", "no_judgement", "ratio",
         "ratio", "people and place", "computed"),
        ("crime_rate", "All crime", "per 1,000 residents", "higher_is_worse", "annual_rate",
         "ratio", "community safety", "computed"),
        ("crime_monthly", "All crime, monthly", "crimes", "higher_is_worse", "monthly_count",
         "sum", "community safety", "computed"),
        ("imd_score", "IMD score", "score", "higher_is_worse", "value", "pop_weighted_mean",
         "people and place", "computed"),
        ("imd_decile", "IMD decile", "decile", "higher_is_better", "value", "none",
         "people and place", "computed"),
        ("imd_average_score", "IMD average score", "score", "higher_is_worse", "value", "none",
         "people and place", "computed"),
        ("imd_rank_of_average_score", "District rank on IMD average score", "rank",
         "higher_is_better", "value", "none", "people and place", "computed"),
        ("c11_no_car_pct", "Households without a car (2011)", "%", "higher_is_worse", "ratio",
         "ratio", "transport and access", "computed"),
        ("c11_christian_pct", "Christian (2011)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c21_christian_pct", "Christian (2021)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c11_overcrowded_pct", "Overcrowded (2011)", "%", "higher_is_worse", "ratio", "ratio",
         "housing", "computed"),
        ("c21_overcrowded_pct", "Overcrowded (2021)", "%", "higher_is_worse", "ratio", "ratio",
         "housing", "computed"),
        ("c11_hindu_pct", "Hindu (2011)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "needs extract: KS209EW"),
        ("c21_hindu_pct", "Hindu (2021)", "%", "no_judgement", "ratio", "ratio",
         "community cohesion and involvement", "computed"),
        ("c21_disabled_pct", "Disabled (2021)", "%", "higher_is_worse", "ratio", "ratio",
         "health and social well-being", "computed"),
    ]
    cat = pd.DataFrame(rows, columns=["id", "title", "unit", "polarity", "method",
                                      "aggregation", "qol_theme", "status"])
    cat["definition"] = cat["title"] + " (definition)."
    return cat


def baseline_store() -> pd.DataFrame:
    rows = [
        row("E07000130", "LAD", "population_total", "2017", 1000, 1000, unit="persons"),
        row("E07000130", "LAD", "population_total", "2020", 1100, 1100, unit="persons"),
        row("E10000018", "CTY", "population_total", "2017", 4000, 4000, unit="persons"),
        row("E10000018", "CTY", "population_total", "2020", 4100, 4100, unit="persons"),
        row("E07000130", "LAD", "population_aged_0_15_pct", "2020", 20.0, 220, 1100, 17.7, 22.5),
        row("E10000018", "CTY", "population_aged_0_15_pct", "2020", 18.0, 738, 4100, 16.9, 19.2),
        # district crime worse than county in 2021, a single count of 3 in 2020 (suppressed)
        row("E07000130", "LAD", "crime_rate", "2020", 2.7, 3, 1100, 0.6, 8.0,
            unit="per 1,000 residents"),
        row("E07000130", "LAD", "crime_rate", "2021", 80.0, 88, 1100, 64.2, 98.6,
            unit="per 1,000 residents"),
        row("E10000018", "CTY", "crime_rate", "2020", 50.0, 205, 4100, 43.4, 57.3,
            unit="per 1,000 residents"),
        row("E10000018", "CTY", "crime_rate", "2021", 55.0, 226, 4100, 48.1, 62.6,
            unit="per 1,000 residents"),
        row("E07000130", "LAD", "imd_score", "2019", 13.2, unit="score"),
        row("E10000018", "CTY", "imd_score", "2019", 12.3, unit="score"),
        row("E92000001", "ENG", "imd_score", "2019", 21.7, unit="score"),
        row("E07000130", "LAD", "c11_no_car_pct", "2011", 10.0, 100, 1000, 8.3, 12.0),
        row("E10000018", "CTY", "c11_no_car_pct", "2011", 15.0, 600, 4000, 13.9, 16.1),
        row("E07000130", "LAD", "c11_christian_pct", "2011", 55.0, 550, 1000, 51.9, 58.1),
        row("E10000018", "CTY", "c11_christian_pct", "2011", 60.0, 2400, 4000, 58.5, 61.5),
        row("E07000130", "LAD", "c21_christian_pct", "2021", 41.0, 451, 1100, 38.1, 43.9,
            flag="[e]"),
        row("E10000018", "CTY", "c21_christian_pct", "2021", 45.0, 1845, 4100, 43.5, 46.5,
            flag="[e]"),
        row("E07000130", "LAD", "c11_overcrowded_pct", "2011", 5.0, 50, 1000, 3.8, 6.5),
        row("E07000130", "LAD", "c21_overcrowded_pct", "2021", 4.0, 44, 1100, 3.0, 5.3),
        row("E07000130", "LAD", "c21_hindu_pct", "2021", 6.0, 66, 1100, 4.7, 7.6, flag="[e]"),
        row("E10000018", "CTY", "c21_hindu_pct", "2021", 3.0, 123, 4100, 2.5, 3.6, flag="[e]"),
        row("E07000130", "LAD", "c21_disabled_pct", "2021", 16.0, 176, 1100, 14.0, 18.3),
        row("E10000018", "CTY", "c21_disabled_pct", "2021", 16.5, 677, 4100, 15.4, 17.7),
        row("E07000130", "LAD", "imd_average_score", "2019", 13.238, unit="score"),
        row("E07000130", "LAD", "imd_rank_of_average_score", "2019", 236, unit="rank"),
        row("E07000129", "LAD", "imd_average_score", "2019", 10.629, unit="score"),
        row("E07000129", "LAD", "imd_rank_of_average_score", "2019", 282, unit="rank"),
        row("E09000001", "LAD", "imd_rank_of_average_score", "2019", 100, unit="rank"),
        # LSOA deciles: L2 carries an estimated half decile, L3 is only in the county
        row("L1", "LSOA11", "imd_decile", "2004", 1, unit="decile"),
        row("L2", "LSOA11", "imd_decile", "2004", 2.5, unit="decile", flag="[e]"),
        row("L3", "LSOA11", "imd_decile", "2004", 10, unit="decile"),
        row("L1", "LSOA11", "imd_decile", "2019", 2, unit="decile"),
        row("L2", "LSOA11", "imd_decile", "2019", 9, unit="decile"),
        row("L3", "LSOA11", "imd_decile", "2019", 10, unit="decile"),
        row("L9", "LSOA11", "imd_decile", "2019", 1, unit="decile"),  # not in the county
        row("L1", "LSOA11", "imd_score", "2019", 40.0, unit="score"),
        row("L2", "LSOA11", "imd_score", "2019", 8.0, unit="score"),
        row("L1", "LSOA11", "crime_rate", "2021", 2.0, 3, 1500, 0.4, 5.8,
            unit="per 1,000 residents"),
    ]
    months = pd.period_range("2020-01", periods=26, freq="M").strftime("%Y-%m")
    for i, month in enumerate(months):
        rows.append(row("E07000130", "LAD", "crime_monthly", month, 100 + i, unit="crimes"))
        rows.append(row("E10000018", "CTY", "crime_monthly", month, 400 + 2 * i,
                        unit="crimes"))
    return pd.DataFrame(rows)


def baseline_population() -> pd.DataFrame:
    """Single years of age for L1-L3 in 2020 (and a 2019 row): 10 people per age in L1,
    20 in L2, 30 in L3; L2 has 3 people aged 90+ (a small count)."""
    ages = [f"age:{a}" for a in range(90)] + ["age:90+"]
    frames = []
    for code, per_age in (("L1", 10.0), ("L2", 20.0), ("L3", 30.0)):
        values = [per_age] * 90 + [3.0 if code == "L2" else per_age]
        frames.append(pd.DataFrame({"area_code": code, "area_type": "LSOA11",
                                    "variable": "population", "period": "2020",
                                    "category": ages, "value": values, "flag": "",
                                    "source": "test"}))
    frames.append(pd.DataFrame({"area_code": ["L1", "L1"], "area_type": "LSOA11",
                                "variable": "population", "period": "2019",
                                "category": ["", "age:0"], "value": [900.0, 10.0],
                                "flag": "", "source": "test"}))
    return pd.concat(frames, ignore_index=True)


LSOAS = pd.DataFrame({"lsoa_code": ["L2", "L1", "L3"],
                      "lsoa_name": ["Charnwood 001B", "Charnwood 001A", "Blaby 001A"],
                      "ward_name": ["East", "West", "South"]})
