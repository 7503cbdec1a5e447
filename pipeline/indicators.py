"""The indicator catalogue (a folder of CSV files) and the build of indicator rows from observations.

The catalogue says, for each indicator, how its value is formed from observation *terms*
(``variable`` or ``variable[category]``) and which interval method applies. Building is one
vectorised pass per method over all areas, periods and indicators at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.schema import FLAG_PRECEDENCE, STORE_COLUMNS

CATALOGUE_COLUMNS = [
    "id", "title", "definition", "unit", "polarity", "method", "numerator", "denominator",
    "multiplier", "ci", "aggregation", "qol_theme", "scs_component", "nr_theme", "source", "status",
]
POLARITIES = {"higher_is_worse", "higher_is_better", "no_judgement"}
METHODS = {"value", "count", "ratio", "annual_rate", "monthly_count"}
CI_METHODS = {"wilson", "byar", "none"}
AGGREGATIONS = {"ratio", "sum", "pop_weighted_mean", "none"}
QOL_THEMES = {
    "people and place", "community cohesion and involvement", "community safety",
    "culture and leisure", "economic well-being", "education and life-long learning",
    "environment", "health and social well-being", "housing", "transport and access",
}
SCS_COMPONENTS = {
    "active, inclusive and safe", "well run", "environmentally sensitive",
    "well designed and built", "well connected", "thriving", "well served", "fair for everyone",
}
NR_THEMES = {"crime", "education", "health", "housing", "liveability", "worklessness", ""}

FLAG_RANK = {f: i for i, f in enumerate(FLAG_PRECEDENCE)}
NOT_AVAILABLE, SUPPRESSED, NO_FLAG = FLAG_RANK["[x]"], FLAG_RANK["[c]"], FLAG_RANK[""]


def missing_value_rank(any_suppressed: np.ndarray) -> np.ndarray:
    """Flag rank for a value that cannot be formed: [c] if an input was suppressed, else [x]."""
    return np.where(any_suppressed, SUPPRESSED, NOT_AVAILABLE)

_TERM = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(?:\[(.*)\])?\s*$")
_AGE_RANGE = re.compile(r"^age:(\d+)\.\.(\d+)$")


@dataclass(frozen=True)
class Term:
    """One observation term of a numerator or denominator: a variable and a category."""

    variable: str
    category: str = ""


def parse_terms(expression: str, *, file: str | Path = "indicators", where: str = "") -> list[Term]:
    """Parse ``a + b[cat] + population[age:0..15]`` into terms (age ranges expanded).

    Terms are separated by `` + `` (a plus with spaces), so category labels may hold '+'
    (as in ``age:90+``) and commas.
    """
    if expression is None or not str(expression).strip():
        return []
    terms: list[Term] = []
    for part in re.split(r"\s\+\s", str(expression).strip()):
        match = _TERM.match(part)
        if not match:
            raise InputError(file, f"{where}: cannot read term '{part}' "
                                   "(expected variable or variable[category])")
        variable, category = match.group(1), (match.group(2) or "").strip()
        age = _AGE_RANGE.match(category)
        if age:
            lo, hi = int(age.group(1)), int(age.group(2))
            if hi < lo:
                raise InputError(file, f"{where}: age range '{category}' runs backwards")
            terms.extend(Term(variable, f"age:{a}") for a in range(lo, hi + 1))
        else:
            terms.append(Term(variable, category))
    return terms


def load_catalogue(folder: str | Path) -> pd.DataFrame:
    """Read every ``*.csv`` in the catalogue folder and check it.

    Returns one row per indicator with the catalogue columns, sorted by id. Errors name the
    file, the indicator id and the field.
    """
    folder = Path(folder)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError(folder, "no indicator catalogue files (*.csv) found")
    frames = []
    for file in files:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        missing = [c for c in CATALOGUE_COLUMNS if c not in df.columns]
        if missing:
            raise InputError(file, f"missing catalogue column(s): {', '.join(missing)}")
        extra = [c for c in df.columns if c not in CATALOGUE_COLUMNS]
        if extra:
            raise InputError(file, f"unknown catalogue column(s): {', '.join(extra)}")
        df = df[CATALOGUE_COLUMNS].apply(lambda s: s.str.strip())
        df["catalogue_file"] = file.name
        df["_row"] = np.arange(len(df)) + 2
        frames.append(df)
    cat = pd.concat(frames, ignore_index=True)
    _check_catalogue(cat)
    cat["multiplier"] = pd.to_numeric(cat["multiplier"].replace("", "1")).astype(float)
    return cat.drop(columns="_row").sort_values("id").reset_index(drop=True)


def _check_catalogue(cat: pd.DataFrame) -> None:
    dup = cat[cat["id"].duplicated(keep="first")]
    if not dup.empty:
        r = dup.iloc[0]
        raise InputError(r["catalogue_file"], f"indicator id '{r['id']}' is defined twice",
                         row=int(r["_row"]), column="id")
    rules = [
        ("polarity", POLARITIES), ("method", METHODS), ("ci", CI_METHODS),
        ("aggregation", AGGREGATIONS), ("qol_theme", QOL_THEMES),
        ("scs_component", SCS_COMPONENTS), ("nr_theme", NR_THEMES),
    ]
    for column, allowed in rules:
        bad = cat[~cat[column].isin(allowed)]
        if not bad.empty:
            r = bad.iloc[0]
            raise InputError(
                r["catalogue_file"],
                f"indicator '{r['id']}': {column} '{r[column]}' is not one of "
                f"{', '.join(sorted(a for a in allowed if a))}",
                row=int(r["_row"]), column=column,
            )
    for column in ("id", "title", "definition", "unit", "numerator", "source", "status"):
        bad = cat[cat[column] == ""]
        if not bad.empty:
            r = bad.iloc[0]
            raise InputError(r["catalogue_file"], f"indicator '{r['id'] or '?'}': {column} is empty",
                             row=int(r["_row"]), column=column)
    needs_den = cat["method"].isin(["ratio", "annual_rate"]) & (cat["denominator"] == "")
    if needs_den.any():
        r = cat[needs_den].iloc[0]
        raise InputError(r["catalogue_file"], f"indicator '{r['id']}': method {r['method']} "
                         "needs a denominator", row=int(r["_row"]), column="denominator")
    term_table(cat)  # parses every numerator and denominator: a malformed term is an error


def term_table(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Expand the catalogue into one row per (indicator, role, variable, category) term."""
    rows = []
    for _, r in catalogue.iterrows():
        for role in ("numerator", "denominator"):
            for t in parse_terms(r[role], file=r.get("catalogue_file", "indicators"),
                                 where=f"indicator '{r['id']}'"):
                rows.append((r["id"], role, t.variable, t.category))
    return pd.DataFrame(rows, columns=["indicator_id", "role", "variable", "category"])


def flag_rank(flags: pd.Series) -> np.ndarray:
    """Flags as integers (0 = takes precedence), so they combine with ``min``."""
    return flags.fillna("").map(FLAG_RANK).fillna(NO_FLAG).to_numpy(int)


def flag_from_rank(ranks: np.ndarray) -> np.ndarray:
    """Inverse of :func:`flag_rank`."""
    return np.array(FLAG_PRECEDENCE, dtype=object)[np.asarray(ranks, dtype=int)]


def _complete_sum(grouped, expected: pd.Series | int) -> tuple[pd.Series, pd.Series]:
    """Sum of values per group, NaN unless all ``expected`` values are present and numeric."""
    total = grouped["value"].sum()
    present = grouped["value"].count()
    complete = present >= expected
    return total.where(complete), complete


def _sum_terms(obs: pd.DataFrame, terms: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum each indicator-role's terms per area and period; NaN unless every term is present."""
    merged = terms.merge(obs, on=["variable", "category"], how="inner")
    cols = [*keys, "indicator_id", "role", "total", "flag", "source"]
    if merged.empty:
        return pd.DataFrame(columns=cols)
    merged["flag_rank"] = flag_rank(merged["flag"])
    by = ["indicator_id", "role", *keys]
    grouped = merged.groupby(by, sort=False, observed=True)
    expected = terms.groupby(["indicator_id", "role"]).size()
    out = grouped["flag_rank"].min().rename("flag_rank").reset_index()
    total = grouped["value"].sum().to_numpy()
    present = grouped["value"].count().to_numpy()
    need = pd.MultiIndex.from_frame(out[["indicator_id", "role"]]).map(expected.to_dict())
    complete = present >= np.asarray(need, dtype=float)
    out["total"] = np.where(complete, total, np.nan)
    ranks = out["flag_rank"].to_numpy()
    suppressed = (grouped["flag_rank"].agg(lambda r: (r == SUPPRESSED).any()).to_numpy()
                  if (merged["flag_rank"] == SUPPRESSED).any() else np.zeros(len(out), bool))
    ranks = np.where(~complete, missing_value_rank(suppressed), ranks)
    out["flag"] = flag_from_rank(ranks)
    sources = (merged.groupby(["indicator_id", "role"])["source"]
               .agg(lambda s: ";".join(sorted(set(s)))))
    out = out.join(sources, on=["indicator_id", "role"])
    return out[cols]


def _annualise(num: pd.DataFrame) -> pd.DataFrame:
    """Sum monthly numerator totals into calendar years that have all twelve months."""
    num = num[num["period"].str.match(r"^\d{4}-\d{2}$")].copy()
    num["year"] = num["period"].str[:4]
    num["flag_rank"] = flag_rank(num["flag"])
    by = ["indicator_id", "area_code", "area_type", "year"]
    g = num.groupby(by, observed=True, sort=False)
    out = g["flag_rank"].min().reset_index()
    out["total"] = np.where(g["total"].count().to_numpy() == 12, g["total"].sum().to_numpy(), np.nan)
    out["months"] = g["period"].nunique().to_numpy()
    out["flag"] = flag_from_rank(out["flag_rank"])
    out["source"] = g["source"].first().to_numpy()
    out["method"] = "annual_rate"
    out = out[out["months"] == 12].drop(columns=["months", "flag_rank"])
    return out.rename(columns={"year": "period"})


def _attach_denominator(num: pd.DataFrame, den: pd.DataFrame, latest_earlier: bool) -> pd.DataFrame:
    """Join denominators by area and period (or the latest earlier period, for annual rates)."""
    den = den.rename(columns={"total": "denominator", "flag": "den_flag", "source": "den_source"})
    den = den.drop(columns=["role", "method"], errors="ignore")
    if not latest_earlier:
        return num.merge(den, on=["indicator_id", "area_code", "area_type", "period"], how="left")
    num = num.assign(_year=pd.to_numeric(num["period"], errors="coerce").astype(float))
    den = den.assign(_year=pd.to_numeric(den["period"], errors="coerce").astype(float))
    den = den.drop(columns="period")
    num = num.dropna(subset=["_year"]).sort_values("_year")
    den = den.dropna(subset=["_year"]).sort_values("_year")
    joined = pd.merge_asof(num, den, on="_year", by=["indicator_id", "area_code", "area_type"],
                           direction="backward")
    return joined.drop(columns="_year")


def build_indicators(observations: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Form every catalogue indicator from the observations, for every area and period.

    Parameters
    ----------
    observations
        Rows in the observations layout (all readers' output together).
    catalogue
        The loaded catalogue (:func:`load_catalogue`); only ``status == 'computed'`` rows are built.

    Returns
    -------
    pandas.DataFrame
        Store-layout rows (see :data:`pipeline.schema.STORE`) with value, numerator and
        denominator; confidence limits are added by :func:`add_intervals`.
    """
    cat = catalogue[catalogue["status"] == "computed"]
    terms = term_table(cat)
    keys = ["area_code", "area_type", "period"]
    obs = observations[["area_code", "area_type", "variable", "period", "category", "value",
                        "flag", "source"]]
    sums = _sum_terms(obs, terms, keys)
    method = cat.set_index("id")["method"]
    sums["method"] = sums["indicator_id"].map(method)
    num = sums[sums["role"] == "numerator"].drop(columns="role")
    den = sums[sums["role"] == "denominator"].drop(columns="role")

    parts = []
    plain = num[num["method"].isin(["value", "count", "monthly_count"])].copy()
    plain["denominator"] = np.nan
    parts.append(plain)
    ratio = num[num["method"] == "ratio"]
    parts.append(_attach_denominator(ratio, den[den["method"] == "ratio"], latest_earlier=False))
    annual = _annualise(num[num["method"] == "annual_rate"])
    parts.append(_attach_denominator(annual, den[den["method"] == "annual_rate"],
                                     latest_earlier=True))
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out = out.rename(columns={"total": "numerator"})
    info = cat.set_index("id")
    mult = out["indicator_id"].map(info["multiplier"]).astype(float)
    m = out["indicator_id"].map(method)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_value = out["numerator"] / out["denominator"] * mult
    out["value"] = np.where(m.isin(["ratio", "annual_rate"]), ratio_value, out["numerator"])
    out.loc[m == "value", "numerator"] = np.nan
    den_flag = out.get("den_flag", pd.Series("", index=out.index)).fillna("")
    out["flag"] = flag_from_rank(np.minimum(flag_rank(out["flag"]), flag_rank(den_flag)))
    den_source = out.get("den_source", pd.Series("", index=out.index)).fillna("")
    pairs = pd.Series(list(zip(out["source"].fillna(""), den_source)), index=out.index)
    joined = {p: ";".join(sorted({x for part in p for x in part.split(";") if x}))
              for p in pairs.unique()}
    out["source"] = pairs.map(joined)
    out.loc[out["denominator"] == 0, "value"] = np.nan
    missing = out["value"].isna() & (out["flag"] == "")
    out.loc[missing, "flag"] = "[x]"
    out["unit"] = out["indicator_id"].map(info["unit"])
    out["category"] = ""
    out["lower_ci"] = np.nan
    out["upper_ci"] = np.nan
    out = out[STORE_COLUMNS]
    out["value"] = out["value"].astype(float)
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    return out.sort_values(["indicator_id", "area_type", "area_code", "period"]).reset_index(drop=True)


def add_intervals(store: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Add 95% confidence limits by each indicator's method (Wilson, Byar/exact Poisson).

    Counts (no denominator) with ``ci: byar`` get Poisson limits on the count itself. Rows
    without a usable denominator, or whose indicator has ``ci: none``, keep NaN limits.
    """
    from pipeline.stats.intervals import rate_interval, wilson_interval

    out = store.copy()
    info = catalogue.set_index("id")
    ci = out["indicator_id"].map(info["ci"]).fillna("none")
    mult = out["indicator_id"].map(info["multiplier"]).astype(float).fillna(1.0)
    is_count = (ci == "byar") & out["denominator"].isna() & out["numerator"].notna()
    denominator = out["denominator"].where(~is_count, 1.0)
    usable = out["numerator"].notna() & denominator.notna() & (denominator > 0)
    usable &= out["numerator"] >= 0
    scale = mult.where(~is_count, 1.0)
    for name, func in (("wilson", wilson_interval), ("byar", rate_interval)):
        for m in scale[usable & (ci == name)].unique():
            sel = usable & (ci == name) & (scale == m)
            if name == "wilson":
                sel &= out["numerator"] <= out["denominator"]
            limits = func(out.loc[sel, "numerator"].to_numpy(), denominator[sel].to_numpy(),
                          multiplier=float(m))
            out.loc[sel, "lower_ci"] = limits["lower_ci"].to_numpy()
            out.loc[sel, "upper_ci"] = limits["upper_ci"].to_numpy()
    return out
