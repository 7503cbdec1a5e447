"""Shared small fixtures of the evidence step and page tests (an invented district)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pipeline.steps.evidence import EvidenceArea

CHARNWOOD = "E07000130"
COUNTY = "E10000018"


# --------------------------------------------------------------------------------------------
# Fixtures


def catalogue_row(id_, *, title=None, unit="%", polarity="higher_is_worse", method="ratio",
                  ci="wilson", aggregation="ratio", theme="economic well-being",
                  multiplier=100.0, status="computed") -> dict:
    return {"id": id_, "title": title or id_.replace("_", " ").capitalize(), "unit": unit,
            "polarity": polarity, "method": method, "ci": ci, "aggregation": aggregation,
            "qol_theme": theme, "multiplier": multiplier, "status": status}


def catalogue_frame() -> pd.DataFrame:
    """A small indicator catalogue: proportions, a rate, a monthly count, scores and ranks."""
    return pd.DataFrame([
        catalogue_row("jobless_pct", title="Unemployed (2011)"),
        catalogue_row("jobless21_pct", title="Unemployed (2021)"),
        catalogue_row("degree_pct", polarity="higher_is_better", theme="education and life-long "
                      "learning"),
        catalogue_row("asian_pct", polarity="no_judgement", theme="community cohesion and "
                      "involvement"),
        catalogue_row("theft_rate", title="Theft", unit="per 1,000 residents",
                      method="annual_rate", ci="byar", multiplier=1000.0,
                      theme="community safety"),
        catalogue_row("theft_monthly", unit="crimes", method="monthly_count", ci="byar",
                      aggregation="sum", multiplier=np.nan, theme="community safety"),
        catalogue_row("imd_score", title="IMD score", unit="score", method="value", ci="none",
                      aggregation="pop_weighted_mean", multiplier=np.nan,
                      theme="people and place"),
        catalogue_row("imd_rank", unit="rank", polarity="higher_is_better", method="value",
                      ci="none", aggregation="none", multiplier=np.nan,
                      theme="people and place"),
        catalogue_row("future_pct", status="needs extract: not shipped"),
        catalogue_row("income_transformed_score", unit="score", method="value", ci="none",
                      aggregation="pop_weighted_mean", multiplier=np.nan),
        catalogue_row("crime_transformed_score", unit="score", method="value", ci="none",
                      aggregation="pop_weighted_mean", multiplier=np.nan,
                      theme="community safety"),
    ])


def store_row(area, indicator, period, value=np.nan, numerator=np.nan, denominator=np.nan,
              lower=np.nan, upper=np.nan, flag="") -> dict:
    return {"area_code": area, "area_type": "LSOA11", "indicator_id": indicator,
            "period": period, "category": "", "value": value, "numerator": numerator,
            "denominator": denominator, "lower_ci": lower, "upper_ci": upper, "unit": "",
            "flag": flag, "source": "test"}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


AREA = EvidenceArea(code="E07000001", name="Testshire Vale", is_county=False,
                       county_code="E10000001", county_name="Testshire",
                       england_code="E92000001", england_name="England",
                       lsoa_codes=("L1", "L2", "L3"))



def lsoas_frame() -> pd.DataFrame:
    """Four LSOAs: three in the invented district, one elsewhere."""
    return pd.DataFrame({"lsoa_code": ["L1", "L2", "L3", "L4"],
                         "lsoa_name": ["Vale 001A", "Vale 001B", "Vale 002A", "Other 001A"],
                         "ward_name": ["North", "North", "South", "Far"],
                         "lad_name": ["Testshire Vale"] * 3 + ["Other"],
                         "population": [1500.0, 1600.0, 1700.0, 1800.0]})


def group(code, indicator, period, value=np.nan, numerator=np.nan, denominator=np.nan, flag=""):
    return store_row(code, indicator, period, value, numerator, denominator, flag=flag)


def pair_rows_frame() -> pd.DataFrame:
    """Store rows of the two comparison groups (priority neighbourhoods and the rest)."""
    a, b = AREA.pn_code, AREA.rest_code
    return frame(
        group(a, "theft_rate", "2020", 20.0, 40, 2000), group(b, "theft_rate", "2020", 10.0,
                                                              100, 10000),
        group(a, "theft_rate", "2021", 40.0, 80, 2000), group(b, "theft_rate", "2021", 10.0,
                                                              100, 10000),
        group(a, "jobless_pct", "2011", 10.0, 100, 1000),
        group(b, "jobless_pct", "2011", 5.0, 250, 5000, flag="[e]"),
        group(a, "degree_pct", "2011", 0.3, 3, 1000), group(b, "degree_pct", "2011", 20.0,
                                                            1000, 5000),
        group(a, "imd_score", "2015", 30.0), group(b, "imd_score", "2015", 10.0),
        group(a, "imd_score", "2019", 33.0), group(b, "imd_score", "2019", 11.0),
        group(a, "theft_monthly", "2021-01", 7.0, 7), group(b, "theft_monthly", "2021-01", 9.0,
                                                              9),
    )


def without_charnwood_priority(area):
    """The prepared data with Charnwood's priority neighbourhoods removed."""
    pn = (area.membership["type"] == "priority_neighbourhood") & (
        area.membership["lad_code"] == CHARNWOOD)
    gone = set(area.membership.loc[pn, "locality_id"])
    return dataclasses.replace(
        area, membership=area.membership[~pn],
        localities=area.localities[~area.localities["locality_id"].isin(gone)],
        locality_rows=area.locality_rows[
            ~area.locality_rows["area_code"].isin(gone | {f"pn-all-{CHARNWOOD}"})])

