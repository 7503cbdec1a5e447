"""Table schemas checked at the boundaries (pandera): observations and the indicator store."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.errors import InputError

FLAGS = ["", "[x]", "[c]", "[u]", "[e]"]
#: When several flags apply to one value, the first of these wins (what a reader most needs to
#: know): not available > suppressed > low reliability > estimated > none.
FLAG_PRECEDENCE = ["[x]", "[c]", "[u]", "[e]", ""]
AREA_TYPES = [
    "OA11", "LSOA01", "LSOA11", "LSOA21", "MSOA11", "MSOA21", "WD19", "LAD", "CTY", "CED",
    "RGN", "ENG", "LOCALITY",
]

#: Raw tidy rows as readers return them (one row per area x variable x period x category).
OBSERVATIONS = pa.DataFrameSchema(
    {
        "area_code": pa.Column(str, pa.Check.str_length(min_value=1)),
        "area_type": pa.Column(str, pa.Check.isin(AREA_TYPES)),
        "variable": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(str, pa.Check.str_length(min_value=1)),
        "category": pa.Column(str),
        "value": pa.Column(float, nullable=True),
        "flag": pa.Column(str, pa.Check.isin(FLAGS)),
        "source": pa.Column(str),
    },
    unique=["area_code", "area_type", "variable", "period", "category"],
    strict=True,
    ordered=True,
)

#: The indicator store: one row per area x indicator x period (x category for breakdowns).
STORE = pa.DataFrameSchema(
    {
        "area_code": pa.Column(str, pa.Check.str_length(min_value=1)),
        "area_type": pa.Column(str, pa.Check.isin(AREA_TYPES)),
        "indicator_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(str, pa.Check.str_length(min_value=1)),
        "category": pa.Column(str),
        "value": pa.Column(float, nullable=True),
        "numerator": pa.Column(float, nullable=True),
        "denominator": pa.Column(float, nullable=True),
        "lower_ci": pa.Column(float, nullable=True),
        "upper_ci": pa.Column(float, nullable=True),
        "unit": pa.Column(str),
        "flag": pa.Column(str, pa.Check.isin(FLAGS)),
        "source": pa.Column(str),
    },
    unique=["area_code", "area_type", "indicator_id", "period", "category"],
    strict=True,
    ordered=True,
)

STORE_COLUMNS = list(STORE.columns)


def require_columns(df: pd.DataFrame, columns, function: str, what: str = "the frame") -> None:
    """Check a function's input frame: a ``TypeError`` if it is not a DataFrame, a ``ValueError``
    naming the missing columns (and the ones it has) otherwise. ``None`` entries are ignored."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{function} expects a DataFrame as {what}, got {type(df).__name__}")
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise ValueError(f"{function}: column(s) {', '.join(map(repr, missing))} not in {what} "
                         f"(it has: {', '.join(map(str, df.columns))})")


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, source: str) -> pd.DataFrame:
    """Validate ``df`` and turn a schema failure into a one-line :class:`InputError`."""
    try:
        return schema.validate(df, lazy=False)
    except pa.errors.SchemaError as exc:
        detail = str(exc).strip().splitlines()[0]
        raise InputError(source, f"does not fit the {schema.name or 'expected'} layout: {detail}")
