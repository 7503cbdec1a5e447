"""The boundary schemas: what they accept and what they refuse, each with a one-line message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.schema import OBSERVATIONS, STORE, STORE_COLUMNS, validate


def _observations(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "area_code": [f"E0100000{i}" for i in range(n)], "area_type": ["LSOA11"] * n,
        "variable": ["imd_score"] * n, "period": ["2019"] * n, "category": [""] * n,
        "value": np.arange(n, dtype=float), "flag": [""] * n, "source": ["file.csv"] * n,
    })


def _store(n: int = 3) -> pd.DataFrame:
    obs = _observations(n).rename(columns={"variable": "indicator_id"})
    return obs.assign(numerator=np.nan, denominator=np.nan, lower_ci=np.nan, upper_ci=np.nan,
                      unit="score")[STORE_COLUMNS]


def _with(df: pd.DataFrame, column: str, value) -> pd.DataFrame:
    values = df[column].astype(object).to_numpy()
    values[1] = value
    return df.assign(**{column: values})


def _refusal(df: pd.DataFrame, schema=OBSERVATIONS) -> str:
    with pytest.raises(InputError) as info:
        validate(df, schema, "file.csv")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_well_formed_rows_pass_unchanged():
    df = _observations()
    assert validate(df, OBSERVATIONS, "file.csv").equals(_observations())
    assert validate(_store(), STORE, "store").equals(_store())


def test_numpy_strings_and_pandas_string_columns_count_as_text():
    validate(_with(_observations(), "area_code", np.str_("E01000009")), OBSERVATIONS, "f")
    validate(_observations().astype({"source": "string"}), OBSERVATIONS, "f")


@pytest.mark.parametrize("value", [5, 1.5, b"E01000001", ("E01000001",)])
@pytest.mark.parametrize("column", ["area_code", "period", "category", "flag", "source"])
def test_a_value_that_is_not_text_is_refused_naming_the_column(column, value):
    message = _refusal(_with(_observations(), column, value))
    assert f"'{column}'" in message and "text" in message


def test_a_store_unit_that_is_not_text_is_refused():
    assert "'unit'" in _refusal(_with(_store(), "unit", 3), STORE)


@pytest.mark.parametrize("column", ["area_code", "variable", "period"])
def test_empty_text_is_refused_where_a_value_is_required(column):
    assert f"'{column}'" in _refusal(_with(_observations(), column, ""))


def test_empty_text_is_allowed_in_category_flag_and_source():
    validate(_with(_with(_observations(), "category", ""), "source", ""), OBSERVATIONS, "f")


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_missing_text_is_refused(missing):
    message = _refusal(_with(_observations(), "variable", missing))
    assert "'variable'" in message and "missing" in message
    assert "'source'" in _refusal(_observations().astype({"source": "string"}).assign(
        source=lambda df: df["source"].where(df.index != 1)))


@pytest.mark.parametrize("column, value", [("area_type", "LSOA99"), ("flag", "[z]")])
def test_unknown_area_types_and_flags_are_refused(column, value):
    assert value in _refusal(_with(_observations(), column, value))


def test_duplicate_keys_are_refused():
    df = pd.concat([_observations(), _observations().iloc[[1]]], ignore_index=True)
    assert "not unique" in _refusal(df)


def test_values_must_be_floats():
    assert "'value'" in _refusal(_observations().assign(value=[1, 2, 3]))
    assert "'value'" in _refusal(_with(_observations(), "value", "1.0"))


def test_a_table_without_rows_is_refused():
    assert "no rows" in _refusal(_observations(0))


def test_missing_extra_and_misordered_columns_are_refused():
    _refusal(_observations().drop(columns="source"))
    df = _observations()
    with pytest.raises(Exception):
        validate(df.assign(extra="x"), OBSERVATIONS, "file.csv")
    with pytest.raises(Exception):
        validate(df[df.columns[::-1]], OBSERVATIONS, "file.csv")


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("imd_decile", 0.0, "expected a decile, a whole number from 1 to 10"),
    ("imd_decile", 2.5, "expected a decile, a whole number from 1 to 10"),
    ("income_score", -0.1, "expected a proportion from 0 to 1"),
    ("imd_rank_of_extent", 318.0, "to 317, the districts ranked in the 2019 edition"),
    ("imd_average_rank", 32_845.0, "to 32,844, the LSOAs ranked in the 2019 edition"),
    ("population", -1.0, "expected a count, 0 or more"),
    ("crime_count", np.inf, "is not a finite number"),
    ("my_partner_indicator", -np.inf, "expected a finite number"),
])
def test_values_are_checked_against_what_their_variable_is(variable, value, expected):
    df = _observations().assign(variable=variable, value=1.0)
    message = _refusal(_with(df, "value", value).astype({"value": float}))
    assert message.startswith(f"file.csv, column '{variable}': ")
    assert "for E01000001 (2019)" in message and expected in message


def test_values_within_their_kind_and_missing_values_pass():
    df = _observations().assign(variable="imd_decile", value=[1.0, np.nan, 10.0])
    validate(df, OBSERVATIONS, "file.csv")
    validate(_observations().assign(variable="my_partner_indicator", value=-5.0), OBSERVATIONS, "f")


@pytest.mark.parametrize(("column", "value"), [("value", np.inf), ("upper_ci", -np.inf),
                                               ("denominator", -1.0), ("numerator", np.inf)])
def test_the_store_refuses_infinite_values_and_negative_counts(column, value):
    assert f"'{column}'" in _refusal(_with(_store(), column, value).astype({column: float}),
                                     STORE)
