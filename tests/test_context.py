"""Localities derived from the real store (shipped Leicestershire data and default rule)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.context import PN_ALL, REST

pytestmark = pytest.mark.slow


def test_every_district_has_priority_neighbourhoods_under_the_default_rule(prepared):
    summary, _ = prepared
    pn = summary[summary["type"] == "priority_neighbourhood"]
    assert pn["lad_code"].nunique() == 7
    assert pn["lsoas"].sum() == 40  # 7 in national deciles 1-2, all within the county's top 10%


def test_charnwood_priority_neighbourhoods(prepared):
    summary, data = prepared
    pn = summary[(summary["type"] == "priority_neighbourhood") & (summary["lad_code"] == "E07000130")]
    assert len(pn) == 6 and pn["lsoas"].sum() == 15
    biggest = pn.sort_values("lsoas").iloc[-1]
    assert biggest["name"].startswith("Loughborough Lemyngton & Hastings")
    assert biggest["lsoas"] == 9
    members = data.membership[data.membership["locality_id"] == biggest["locality_id"]]
    deciles = data.lsoas.set_index("lsoa_code").loc[members["lsoa_code"], "imd_decile_2019"]
    assert deciles.min() == 1 and deciles.max() <= 4  # county top 10% reaches decile 4


def test_forum_areas_stand_in_with_electoral_divisions(prepared):
    summary, data = prepared
    forums = summary[summary["type"] == "forum_area"]
    assert len(forums) == 53 and forums["name"].str.endswith("ED").all()
    lsoa_forums = data.membership[data.membership["type"] == "forum_area"]
    assert lsoa_forums["lsoa_code"].is_unique and len(lsoa_forums) == 396


def test_locality_rows_add_numerators(prepared):
    _, data = prepared
    rows = data.locality_rows
    pn_all = rows[(rows["area_code"] == PN_ALL + "E07000130") & (rows["indicator_id"] == "burglary_rate")
                  & (rows["period"] == "2021")].iloc[0]
    rest = rows[(rows["area_code"] == REST + "E07000130") & (rows["indicator_id"] == "burglary_rate")
                & (rows["period"] == "2021")].iloc[0]
    district = data.store[(data.store["area_code"] == "E07000130")
                          & (data.store["indicator_id"] == "burglary_rate")
                          & (data.store["period"] == "2021")].iloc[0]
    assert pn_all["numerator"] + rest["numerator"] == district["numerator"]
    assert pn_all["denominator"] + rest["denominator"] == district["denominator"]
    assert pn_all["value"] > rest["value"]


def test_population_of_localities_adds_up_to_the_county(prepared):
    summary, _ = prepared
    rural_towns = summary[summary["type"] == "forum_area"]
    assert rural_towns["population"].sum() == 713085
    assert isinstance(summary, pd.DataFrame)
