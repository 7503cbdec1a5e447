"""Indicator catalogue and builder: small fixtures with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.indicators import (
    CATALOGUE_COLUMNS,
    Term,
    build_indicators,
    load_catalogue,
    parse_terms,
)


def _obs(rows):
    df = pd.DataFrame(rows, columns=["area_code", "variable", "period", "category", "value"])
    df["area_type"] = "LSOA11"
    df["flag"] = ""
    df["source"] = "fixture.csv"
    return df


def _catalogue(rows):
    base = dict(title="t", definition="d", unit="%", polarity="higher_is_worse", multiplier="",
                ci="none", aggregation="ratio", qol_theme="housing", scs_component="well served",
                nr_theme="housing", source="s", status="computed", denominator="")
    cat = pd.DataFrame([{**base, **r} for r in rows])[CATALOGUE_COLUMNS]
    cat["multiplier"] = pd.to_numeric(cat["multiplier"].replace("", "1")).astype(float)
    cat["catalogue_file"] = "fixture.csv"
    return cat


def test_parse_terms_expands_age_ranges_and_keeps_commas():
    terms = parse_terms("population[age:0..2] + c21_ts021[Asian, Asian British or Asian Welsh]")
    assert terms == [Term("population", "age:0"), Term("population", "age:1"),
                     Term("population", "age:2"),
                     Term("c21_ts021", "Asian, Asian British or Asian Welsh")]
    assert parse_terms("population[age:90+]") == [Term("population", "age:90+")]


def test_parse_terms_rejects_malformed_term():
    with pytest.raises(InputError, match="cannot read term"):
        parse_terms("good + bad term[")


def test_ratio_sums_terms_then_divides_per_area():
    obs = _obs([
        ("A", "u1", "2011", "", 3), ("A", "u2", "2011", "", 2), ("A", "hh", "2011", "", 20),
        ("B", "u1", "2011", "", 0), ("B", "u2", "2011", "", 1), ("B", "hh", "2011", "", 10),
    ])
    cat = _catalogue([dict(id="pct", method="ratio", numerator="u1 + u2", denominator="hh",
                           multiplier="100")])
    out = build_indicators(obs, cat).set_index("area_code")
    assert out.loc["A", "value"] == pytest.approx(25.0)
    assert out.loc["A", "numerator"] == 5 and out.loc["A", "denominator"] == 20
    assert out.loc["B", "value"] == pytest.approx(10.0)


def test_missing_term_gives_missing_value_flagged_x():
    obs = _obs([("A", "u1", "2011", "", 3), ("A", "hh", "2011", "", 20)])
    cat = _catalogue([dict(id="pct", method="ratio", numerator="u1 + u2", denominator="hh")])
    out = build_indicators(obs, cat)
    assert np.isnan(out["value"].iloc[0]) and out["flag"].iloc[0] == "[x]"


def test_suppressed_input_flag_wins():
    obs = _obs([("A", "u1", "2011", "", np.nan), ("A", "hh", "2011", "", 20)])
    obs.loc[0, "flag"] = "[c]"
    cat = _catalogue([dict(id="pct", method="ratio", numerator="u1", denominator="hh")])
    assert build_indicators(obs, cat)["flag"].iloc[0] == "[c]"


def test_annual_rate_uses_complete_years_and_latest_earlier_denominator():
    months = [f"2021-{m:02d}" for m in range(1, 13)] + ["2022-01"]
    rows = [("A", "crime_count", p, "Burglary", 1) for p in months]
    rows += [("A", "population", "2020", "", 2000)]
    cat = _catalogue([dict(id="burglary_rate", method="annual_rate",
                           numerator="crime_count[Burglary]", denominator="population",
                           multiplier="1000", unit="per 1,000 residents")])
    out = build_indicators(_obs(rows), cat)
    assert list(out["period"]) == ["2021"]  # 2022 has one month only
    assert out["numerator"].iloc[0] == 12 and out["denominator"].iloc[0] == 2000
    assert out["value"].iloc[0] == pytest.approx(6.0)


def test_catalogue_rejects_unknown_polarity(tmp_path):
    cat = _catalogue([dict(id="x", method="value", numerator="v")]).drop(columns="catalogue_file")
    cat.loc[0, "polarity"] = "up"
    cat.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError) as err:
        load_catalogue(tmp_path)
    assert "bad.csv" in str(err.value) and "row 2" in str(err.value) and "polarity" in str(err.value)


def test_catalogue_rejects_duplicate_id(tmp_path):
    cat = _catalogue([dict(id="x", method="value", numerator="v"),
                      dict(id="x", method="value", numerator="w")]).drop(columns="catalogue_file")
    cat.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(InputError, match="defined twice"):
        load_catalogue(tmp_path)


def test_add_intervals_by_method():
    from pipeline.indicators import add_intervals

    obs = _obs([("A", "u1", "2011", "", 10), ("A", "hh", "2011", "", 100)])
    cat = _catalogue([dict(id="pct", method="ratio", numerator="u1", denominator="hh",
                           multiplier="100", ci="wilson")])
    out = add_intervals(build_indicators(obs, cat), cat)
    assert out[["lower_ci", "upper_ci"]].round(2).iloc[0].tolist() == [5.52, 17.44]
