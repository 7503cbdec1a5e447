"""Table schemas checked at the boundaries (pandera): observations and the indicator store."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.types import infer_dtype

from pipeline.errors import InputError
from pipeline.ingest.iod_layout import DOMAINS, SUBDOMAINS

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

# ----------------------------------------------------------------------------- value rules

#: The LSOAs each edition of the Indices of Deprivation ranks (England): an LSOA rank, and the
#: average rank or local concentration of a district, lies in 1 ... N. LSOA 2001 for 2004-2010,
#: LSOA 2011 for 2015 and 2019, LSOA 2021 for 2025 (checked against the shipped files).
IOD_LSOAS_RANKED: dict[str, int] = {
    "2004": 32_482, "2007": 32_482, "2010": 32_482, "2015": 32_844, "2019": 32_844,
    "2025": 33_755,
}

#: The lower-tier districts each edition's File 10 ranks: a district rank lies in 1 ... N.
IOD_DISTRICTS_RANKED: dict[str, int] = {"2015": 326, "2019": 317}

@dataclass(frozen=True)
class Kind:
    """What values of one kind of variable may be (every value must also be finite).

    Attributes
    ----------
    lowest, highest
        The range allowed. A ``highest`` given as a table is looked up by edition (the period);
        an edition the table does not hold is checked against ``lowest`` only.
    whole
        Whole numbers only.
    expected
        What is expected, for the error message (``{n}`` = the highest, ``{period}``).
    """

    lowest: float
    highest: float | Mapping[str, int]
    whole: bool
    expected: str

    def highest_for(self, period: str) -> float:
        """The highest value allowed in ``period``."""
        if isinstance(self.highest, Mapping):
            return float(self.highest.get(period, np.inf))
        return float(self.highest)


KINDS: dict[str, Kind] = {
    "number": Kind(-np.inf, np.inf, False, "a finite number"),
    "score": Kind(-np.inf, np.inf, False, "a finite score"),
    "lsoa_rank": Kind(1, IOD_LSOAS_RANKED, False, "an IoD rank from 1 (most deprived) to {n:,}, "
                                                  "the LSOAs ranked in the {period} edition"),
    "district_rank": Kind(1, IOD_DISTRICTS_RANKED, False,
                          "a district rank from 1 (most deprived) to {n:,}, the districts ranked "
                          "in the {period} edition"),
    "decile": Kind(1, 10, True, "a decile, a whole number from 1 to 10"),
    "proportion": Kind(0, 1, False, "a proportion from 0 to 1"),
    "transformed_score": Kind(0, 100, False, "an exponentially transformed score from 0 to 100"),
    "count": Kind(0, np.inf, False, "a count, 0 or more"),
    "non_negative": Kind(0, np.inf, False, "a value of 0 or more"),
}

_IOD = "|".join((*DOMAINS, *SUBDOMAINS))

#: What each observation variable is, by the standard name readers give it: its family of
#: files (a dataset that supplies a family must supply some of the variables of that family the
#: indicator catalogue uses) and its kind (the values allowed, :data:`KINDS`). First match
#: wins; a variable no pattern names (partners' own tables) must be a finite number.
VARIABLES: tuple[tuple[str, str, str], ...] = (
    # family                   variable name pattern                                 kind
    ("IoD LSOA measures",      rf"({_IOD})_rank",                                    "lsoa_rank"),
    ("IoD LSOA measures",      rf"({_IOD})_decile",                                  "decile"),
    ("IoD LSOA measures",      r"(income|employment|idaci|idaopi)_score",            "proportion"),
    ("IoD LSOA measures",      rf"({_IOD})_score",                                   "score"),
    ("IoD transformed scores", rf"({_IOD})_transformed_score",                       "transformed_score"),
    ("IoD district summaries", rf"({_IOD})_rank_of_[a-z0-9_]+",                      "district_rank"),
    ("IoD district summaries", rf"({_IOD})_(average_rank|local_concentration)",      "lsoa_rank"),
    ("IoD district summaries", rf"({_IOD})_(proportion_most_deprived_10pct|extent)", "proportion"),
    ("IoD district summaries", rf"({_IOD})_average_score",                           "score"),
    ("IoD district summaries", rf"({_IOD})_scale",                                   "count"),
    ("IoD populations",        r"pop_[a-z0-9_]+",                                    "count"),
    ("IoD indicators",         r"ind_[a-z0-9_]+_numerator",                          "count"),
    ("IoD indicators",         r"ind_[a-z0-9_]+",                                    "number"),
    ("population estimates",   r"population",                                        "count"),
    ("police.uk crime",        r"crime_count",                                       "count"),
    ("Census 2011",            r"c11_[a-z0-9_]+",                                    "non_negative"),
    ("Census 2021",            r"c21_ts\d{3}",                                      "count"),
    ("partner tables",         r".+__(numerator|denominator)",                       "count"),
)
_VARIABLE_RULES = tuple((family, re.compile(pattern), kind)
                        for family, pattern, kind in VARIABLES)


def variable_rule(variable: str) -> tuple[str, str]:
    """The family and kind of an observation variable (``('', 'number')`` if none is named)."""
    for family, pattern, kind in _VARIABLE_RULES:
        if pattern.fullmatch(variable):
            return family, kind
    return "", "number"


def _bounds(variables: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lowest, highest and whole-only for each (variable, period) pair of the uniques given."""
    kinds = [KINDS[variable_rule(str(v))[1]] for v in variables]
    shape = (len(variables), len(periods))
    low = np.broadcast_to(np.array([k.lowest for k in kinds], float).reshape(-1, 1), shape)
    high = np.array([[k.highest_for(str(p)) for p in periods] for k in kinds],
                    float).reshape(shape)
    whole = np.broadcast_to(np.array([k.whole for k in kinds], bool).reshape(-1, 1), shape)
    return low, high, whole


def out_of_range(df: pd.DataFrame) -> np.ndarray:
    """Whether each observation's value breaks the rule of its variable's kind (missing values
    never do): one pass over the rows, the rules looked up once per variable and period."""
    var_codes, var_uniques = pd.factorize(df["variable"])
    per_codes, per_uniques = pd.factorize(df["period"])
    low, high, whole = _bounds(np.asarray(var_uniques), np.asarray(per_uniques))
    value = df["value"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        bad = (np.isinf(value) | (value < low[var_codes, per_codes])
               | (value > high[var_codes, per_codes]))
        integral = whole[var_codes, per_codes]
        if integral.any():
            bad |= integral & (value != np.round(value)) & ~np.isnan(value)
    return bad


def out_of_range_message(df: pd.DataFrame, source: str) -> InputError:
    """The one-line error for the first observation out of range: the file's column
    (``df.attrs['columns']`` maps variables to the headers they were read from), the area,
    period and value, what was expected, and how many more values are out of range."""
    bad = out_of_range(df)
    row = df.iloc[int(np.flatnonzero(bad)[0])]
    variable, period = str(row["variable"]), str(row["period"])
    kind = KINDS[variable_rule(variable)[1]]
    n = kind.highest_for(period)
    expected = (kind.expected.format(n=int(n) if np.isfinite(n) else 0, period=period)
                if np.isfinite(n) or not isinstance(kind.highest, Mapping) else
                f"a rank of 1 or more; no count of areas ranked is declared for {period}")
    category = f", {row['category']}" if row["category"] else ""
    more = int(bad.sum()) - 1
    others = f"; {more:,} more value(s) out of range" if more else ""
    column = (df.attrs.get("columns") or {}).get(variable, variable)
    problem = "is out of range" if np.isfinite(row["value"]) else "is not a finite number"
    return InputError(source, f"{row['value']:g} for {row['area_code']} ({period}{category}) "
                              f"{problem} (expected {expected}){others}", column=column)


#: Every value within the rule of its variable's kind (:data:`VARIABLES`, :data:`KINDS`). One
#: answer for the table (the message is built by :func:`out_of_range_message`), which spares
#: pandera's per-row bookkeeping of missing cells and failure cases.
_VALUES_IN_RANGE = pa.Check(lambda df: not out_of_range(df).any(), name="values_in_range",
                            error="a value is out of range for what its variable is")

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
    checks=[_HAS_ROWS, _VALUES_IN_RANGE],
    unique=["area_code", "area_type", "variable", "period", "category"],
    strict=True,
    ordered=True,
)

#: Built values are finite or missing; numerators and denominators are counts, 0 or more.
_FINITE = pa.Check(lambda s: ~np.isinf(s), name="finite", ignore_na=False,
                   error="every value must be a finite number or missing")
_COUNT = pa.Check(lambda s: ~np.isinf(s) & ~(s < 0), name="count",
                  ignore_na=False, error="every value must be a count of 0 or more, or missing")

#: The indicator store: one row per area x indicator x period (x category for breakdowns).
STORE = pa.DataFrameSchema(
    {
        "area_code": _text(required=True),
        "area_type": _text(pa.Check.isin(AREA_TYPES, ignore_na=False)),
        "indicator_id": _text(required=True),
        "period": _text(required=True),
        "category": _text(),
        "value": pa.Column(float, _FINITE, nullable=True),
        "numerator": pa.Column(float, _COUNT, nullable=True),
        "denominator": pa.Column(float, _COUNT, nullable=True),
        "lower_ci": pa.Column(float, _FINITE, nullable=True),
        "upper_ci": pa.Column(float, _FINITE, nullable=True),
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
        if exc.check is _VALUES_IN_RANGE:
            raise out_of_range_message(df, source) from None
        detail = str(exc).strip().splitlines()[0]
        raise InputError(source, f"does not fit the {schema.name or 'expected'} layout: {detail}")
