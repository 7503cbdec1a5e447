"""Table schemas checked at the boundaries (pandera): observations and the indicator store."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandas.api.types import infer_dtype

from pipeline.errors import InputError

FLAGS = ["", "[x]", "[c]", "[u]", "[e]"]
#: When several flags apply to one value, the first of these wins (what a reader most needs to
#: know): not available > suppressed > low reliability > estimated > none.
FLAG_PRECEDENCE = ["[x]", "[c]", "[u]", "[e]", ""]
AREA_TYPES = [
    "OA11", "LSOA01", "LSOA11", "LSOA21", "MSOA11", "MSOA21", "WD19", "LAD", "CTY", "CED",
    "RGN", "ENG", "LOCALITY",
]


def _is_text(series: pd.Series) -> bool:
    """Whether every value is a Python string, none missing: one C-level pass
    (:func:`pandas.api.types.infer_dtype`) instead of pandera's ``str`` dtype check (which calls
    ``isinstance`` per value in Python) and its null check (another pass per column)."""
    return infer_dtype(series.to_numpy(dtype=object), skipna=False) in ("string", "empty")


def _text(*checks: pa.Check, required: bool = False) -> pa.Column:
    """A text column: every value a string, none missing, empty only if not ``required``.

    Missing values are refused by the ``text`` check, which runs first, so pandera's own null
    check is switched off (``nullable=True``) and the checks keep missing values
    (``ignore_na=False``) rather than dropping them first at the cost of a pass each.
    """
    text = [pa.Check(_is_text, name="text", error="every value must be text, none missing",
                     ignore_na=False)]
    if required:
        text.append(pa.Check.ne("", error="no value may be empty text", ignore_na=False))
    return pa.Column(None, [*text, *checks], nullable=True)


#: A frame with no rows is refused (no reader or build produces one on purpose).
_HAS_ROWS = pa.Check(lambda df: len(df) > 0, name="rows", error="the table has no rows")

#: Raw tidy rows as readers return them (one row per area x variable x period x category).
OBSERVATIONS = pa.DataFrameSchema(
    {
        "area_code": _text(required=True),
        "area_type": _text(pa.Check.isin(AREA_TYPES, ignore_na=False)),
        "variable": _text(required=True),
        "period": _text(required=True),
        "category": _text(),
        "value": pa.Column(float, nullable=True),
        "flag": _text(pa.Check.isin(FLAGS, ignore_na=False)),
        "source": _text(),
    },
    checks=_HAS_ROWS,
    unique=["area_code", "area_type", "variable", "period", "category"],
    strict=True,
    ordered=True,
)

#: The indicator store: one row per area x indicator x period (x category for breakdowns).
STORE = pa.DataFrameSchema(
    {
        "area_code": _text(required=True),
        "area_type": _text(pa.Check.isin(AREA_TYPES, ignore_na=False)),
        "indicator_id": _text(required=True),
        "period": _text(required=True),
        "category": _text(),
        "value": pa.Column(float, nullable=True),
        "numerator": pa.Column(float, nullable=True),
        "denominator": pa.Column(float, nullable=True),
        "lower_ci": pa.Column(float, nullable=True),
        "upper_ci": pa.Column(float, nullable=True),
        "unit": _text(),
        "flag": _text(pa.Check.isin(FLAGS, ignore_na=False)),
        "source": _text(),
    },
    checks=_HAS_ROWS,
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


def require_text(value: object, what: str) -> str:
    """A required piece of text (a title, a label, a caption): stripped, or a ``ValueError``
    naming ``what`` when it is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value.strip()


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, source: str) -> pd.DataFrame:
    """Validate ``df`` and turn a schema failure into a one-line :class:`InputError`."""
    try:
        return schema.validate(df, lazy=False, inplace=True)
    except pa.errors.SchemaError as exc:
        detail = str(exc).strip().splitlines()[0]
        raise InputError(source, f"does not fit the {schema.name or 'expected'} layout: {detail}")
