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
from pipeline.ingest.common import read_csv
from pipeline.schema import FLAG_PRECEDENCE

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
        df = read_csv(file)
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
    """Flags as integers (0 = takes precedence), so they combine with ``min``; a missing or
    unknown flag ranks as no flag."""
    codes, uniques = pd.factorize(flags)  # a missing flag gets code -1 ...
    ranks = [FLAG_RANK.get(flag, NO_FLAG) for flag in uniques] + [NO_FLAG]
    return np.array(ranks, dtype=int)[codes]  # ... which picks the trailing NO_FLAG


def flag_from_rank(ranks: np.ndarray) -> np.ndarray:
    """Inverse of :func:`flag_rank`."""
    return np.array(FLAG_PRECEDENCE, dtype=object)[np.asarray(ranks, dtype=int)]


# ----------------------------------------------------------------------------- building
#
# The observations hold millions of rows but few distinct texts (some 36,000 area codes, a few
# dozen periods and sources), so the build codes each text column once as integers into its
# sorted distinct values (codes sort as the text does), merges and groups on the codes, and turns
# codes back into text for the finished rows only.

NUMERATOR, DENOMINATOR = 0, 1
_MONTH = r"^\d{4}-\d{2}$"


def _encode(values: np.ndarray, extra=None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a text column and the sorted vocabulary they index (-1 = missing).

    ``extra``, if given, returns more values for the vocabulary from the distinct ones.
    """
    codes, uniques = pd.factorize(values, sort=True)
    vocabulary = np.asarray(uniques, dtype=object)
    if extra is not None:
        vocabulary = np.array(sorted(set(vocabulary).union(extra(vocabulary))), dtype=object)
        codes = np.where(codes < 0, -1, vocabulary.searchsorted(uniques)[codes])
    return codes, vocabulary


def _years(periods: np.ndarray) -> list[str]:
    """The calendar years of the monthly periods (``2021-03`` -> ``2021``)."""
    return [p[:4] for p in periods if re.match(_MONTH, p)]


def _coded_observations(obs: pd.DataFrame, terms: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The observation rows that are a term of some indicator, with their text as codes.

    ``terms`` gets a ``term`` column, the code of its ``variable[category]``; the rows returned
    carry the same code, and codes of area code, area type, period and source into the
    vocabularies returned with them. The period vocabulary also holds the calendar years of
    monthly periods (``year_of`` gives each period's year code, -1 if not monthly) and the
    periods' numeric values (``number``, NaN if not a year). Rows with a missing area code,
    area type or period are left out, as grouping would leave them out.
    """
    pairs = pd.MultiIndex.from_frame(terms[["variable", "category"]])
    terms["term"] = pairs.unique().get_indexer(pairs)
    term = pairs.unique().get_indexer(pd.MultiIndex.from_frame(obs[["variable", "category"]]))
    keep = term >= 0
    codes, vocab = {"term": term[keep]}, {}
    for column in ("area_code", "area_type", "period", "source"):
        codes[column], vocab[column] = _encode(obs[column].to_numpy()[keep],
                                               _years if column == "period" else None)
    rows = pd.DataFrame({**codes, "value": obs["value"].to_numpy()[keep],
                         "flag_rank": flag_rank(obs["flag"])[keep]}, copy=False)
    keyed = np.minimum.reduce([codes["area_code"], codes["area_type"], codes["period"]]) >= 0
    if not keyed.all():
        rows = rows[keyed]
    periods = vocab["period"]
    vocab["year_of"] = np.array([periods.searchsorted(p[:4]) if re.match(_MONTH, p) else -1
                                 for p in periods], dtype=int)
    vocab["number"] = pd.to_numeric(pd.Series(periods), errors="coerce").to_numpy(dtype=float)
    return rows, vocab


def _rows_of_terms(row_terms: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows of each term, term after term and each term's rows in their order
    (the order an inner merge of the terms with the rows gives), and the count per term."""
    by_term = np.argsort(row_terms, kind="stable")
    first = np.searchsorted(row_terms[by_term], terms, side="left")
    last = np.searchsorted(row_terms[by_term], terms, side="right")
    at = [by_term[a:b] for a, b in zip(first, last)]
    return np.concatenate(at or [np.empty(0, dtype=int)]), last - first


def _sum_terms(obs: pd.DataFrame, terms: pd.DataFrame, vocab: dict, n_indicators: int
               ) -> tuple[pd.DataFrame, dict[tuple[int, int], str]]:
    """Sum each indicator-role's terms per area and period; NaN unless every term is present.

    Works on coded rows (:func:`_coded_observations`). Returns one row per ``indicator``,
    ``role``, area code, area type and period with ``total`` and ``flag_rank``, and the
    sources (';'-joined) that fed each (indicator, role).
    """
    at, per_term = _rows_of_terms(obs["term"].to_numpy(), terms["term"].to_numpy())
    indicator = np.repeat(terms["indicator"].to_numpy(), per_term)
    role = np.repeat(terms["role"].to_numpy(), per_term)
    places = ["area_code", "area_type", "period"]
    dims = (n_indicators, 2, *(len(vocab[c]) for c in places))
    cell = np.ravel_multi_index((indicator, role, *(obs[c].to_numpy()[at] for c in places)), dims)
    flag = obs["flag_rank"].to_numpy()[at]
    out = pd.DataFrame({"flag_rank": flag, "value": obs["value"].to_numpy()[at],
                        "suppressed": flag == SUPPRESSED}, copy=False)
    out = out.groupby(cell, sort=False).agg(
        flag_rank=("flag_rank", "min"), total=("value", "sum"), present=("value", "count"),
        suppressed=("suppressed", "any"),
    )
    keys = dict(zip(["indicator", "role", *places], np.unravel_index(out.index, dims)))
    need = np.zeros((n_indicators, 2), dtype=int)
    np.add.at(need, (terms["indicator"].to_numpy(), terms["role"].to_numpy()), 1)
    complete = out["present"].to_numpy() >= need[keys["indicator"], keys["role"]]
    # the sources that fed each indicator-role: those of its terms' rows
    shape = (terms["term"].max() + 1, len(vocab["source"]))
    term, source = np.unravel_index(pd.unique(np.ravel_multi_index(
        (obs["term"].to_numpy(), obs["source"].to_numpy()), shape)), shape)
    fed = terms.merge(pd.DataFrame({"term": term, "source": vocab["source"][source]}), on="term")
    sources = fed.groupby(["indicator", "role"])["source"].agg(lambda s: ";".join(sorted(set(s))))
    return pd.DataFrame({
        **keys,
        "total": np.where(complete, out["total"], np.nan),
        "flag_rank": np.where(complete, out["flag_rank"],
                              missing_value_rank(out["suppressed"].to_numpy())),
    }, copy=False), sources.to_dict()


def _annualise(num: pd.DataFrame, year_of: np.ndarray) -> pd.DataFrame:
    """Sum monthly numerator totals into calendar years that have all twelve months
    (``year_of``: the year's period code for each monthly period code, else -1)."""
    year = year_of[num["period"].to_numpy()]
    num = num[year >= 0].assign(year=year[year >= 0])
    g = num.groupby(["indicator", "area_code", "area_type", "year"], sort=False)
    out = g.agg(flag_rank=("flag_rank", "min"), present=("total", "count"),
                total=("total", "sum"), months=("period", "nunique")).reset_index()
    out["total"] = np.where(out["present"] == 12, out["total"], np.nan)
    out = out[out["months"] == 12].drop(columns=["months", "present"])
    return out.rename(columns={"year": "period"})


def _attach_denominator(num: pd.DataFrame, den: pd.DataFrame,
                        year_number: np.ndarray | None = None) -> pd.DataFrame:
    """Join denominators by area and period or, given each period code's year as a number
    (``year_number``, NaN if not a year), the latest earlier year (for annual rates)."""
    den = den.rename(columns={"total": "denominator", "flag_rank": "den_rank"})
    num, den = num.drop(columns="role", errors="ignore"), den.drop(columns="role")
    by = ["indicator", "area_code", "area_type"]
    if year_number is None:
        return num.merge(den, on=[*by, "period"], how="left")
    num = num.assign(_year=year_number[num["period"].to_numpy()])
    den = den.assign(_year=year_number[den["period"].to_numpy()]).drop(columns="period")
    num = num.dropna(subset=["_year"]).sort_values("_year")
    den = den.dropna(subset=["_year"]).sort_values("_year")
    joined = pd.merge_asof(num, den, on="_year", by=by, direction="backward")
    return joined.drop(columns="_year")


def _joined_sources(*sources: str) -> str:
    """Sources (each ';'-separated) as one sorted ';'-separated list without repeats."""
    return ";".join(sorted({s for part in sources for s in part.split(";") if s}))


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
        denominator, sorted by indicator, area type, area code and period; confidence limits
        are added by :func:`add_intervals`.
    """
    info = catalogue[catalogue["status"] == "computed"].set_index("id").sort_index()
    terms = term_table(info.reset_index())
    terms["indicator"] = info.index.get_indexer(terms["indicator_id"])
    terms["role"] = np.where(terms["role"] == "denominator", DENOMINATOR, NUMERATOR)
    rows, vocab = _coded_observations(observations, terms)
    sums, names = _sum_terms(rows, terms, vocab, len(info))
    method = info["method"].to_numpy(dtype=object)

    def sums_of(role: int, *methods: str) -> np.ndarray:
        """Which sums are numerators or denominators of indicators built by ``methods``."""
        return ((sums["role"].to_numpy() == role)
                & np.isin(method, methods)[sums["indicator"].to_numpy()])

    plain = sums_of(NUMERATOR, "value", "count", "monthly_count")
    joined = [
        _attach_denominator(sums[sums_of(NUMERATOR, "ratio")],
                            sums[sums_of(DENOMINATOR, "ratio")]),
        _attach_denominator(_annualise(sums[sums_of(NUMERATOR, "annual_rate")], vocab["year_of"]),
                            sums[sums_of(DENOMINATOR, "annual_rate")], vocab["number"]),
    ]
    joined = [part for part in joined if not part.empty]

    def built(column: str) -> np.ndarray:
        """A column of every built row: the plain sums, then the rows joined to denominators."""
        return np.concatenate(
            [sums[column].to_numpy()[plain] if column in sums else np.full(plain.sum(), np.nan)]
            + [part[column].to_numpy() for part in joined])

    indicator = built("indicator")
    numerator = built("total").astype(float)
    denominator = built("denominator").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_value = numerator / denominator * info["multiplier"].to_numpy(dtype=float)[indicator]
    value = np.where(np.isin(method, ["ratio", "annual_rate"])[indicator], ratio_value, numerator)
    numerator = np.where((method == "value")[indicator], np.nan, numerator)
    den_rank = built("den_rank").astype(float)
    has_den = ~np.isnan(den_rank)
    ranks = np.minimum(built("flag_rank"), np.where(has_den, den_rank, NO_FLAG))
    value = np.where(denominator == 0, np.nan, value)
    ranks = np.where(np.isnan(value) & (ranks == NO_FLAG), NOT_AVAILABLE, ranks)

    alone, with_den = np.empty(len(info), dtype=object), np.empty(len(info), dtype=object)
    for i in range(len(info)):
        alone[i] = _joined_sources(names.get((i, NUMERATOR), ""))
        with_den[i] = _joined_sources(names.get((i, NUMERATOR), ""),
                                      names.get((i, DENOMINATOR), ""))

    places = {c: built(c) for c in ("area_type", "area_code", "period")}
    sizes = (len(info), *(len(vocab[c]) for c in places))
    order = np.argsort(np.ravel_multi_index((indicator, *places.values()), sizes), kind="stable")
    indicator, has_den = indicator[order], has_den[order]
    return pd.DataFrame({
        "area_code": vocab["area_code"][places["area_code"][order]],
        "area_type": vocab["area_type"][places["area_type"][order]],
        "indicator_id": info.index.to_numpy(dtype=object)[indicator],
        "period": vocab["period"][places["period"][order]],
        "category": "",
        "value": value[order],
        "numerator": numerator[order],
        "denominator": denominator[order],
        "lower_ci": np.nan,
        "upper_ci": np.nan,
        "unit": info["unit"].to_numpy(dtype=object)[indicator],
        "flag": flag_from_rank(ranks[order]),
        "source": np.where(has_den, with_den[indicator], alone[indicator]),
    }, copy=False)


def add_intervals(store: pd.DataFrame, catalogue: pd.DataFrame, confidence: float = 0.95
                  ) -> pd.DataFrame:
    """Add confidence limits (95% unless ``confidence`` says otherwise) by each indicator's
    method (Wilson, Byar/exact Poisson).

    Counts (no denominator) with ``ci: byar`` get Poisson limits on the count itself. Rows
    without a usable denominator, or whose indicator has ``ci: none``, keep the limits they
    had (NaN in the store as built).
    """
    from pipeline.stats.intervals import rate_interval, wilson_interval

    info = catalogue.set_index("id")
    at = info.index.get_indexer(store["indicator_id"])  # -1: not in the catalogue, so ci none

    def per_row(values: np.ndarray, otherwise) -> np.ndarray:
        return np.append(values, otherwise)[at]

    methods = [("wilson", wilson_interval), ("byar", rate_interval)]
    ci = per_row(pd.Index([name for name, _ in methods]).get_indexer(info["ci"]), -1)
    mult = per_row(info["multiplier"].astype(float).fillna(1.0).to_numpy(), 1.0)
    numerator = store["numerator"].to_numpy(dtype=float)
    is_count = (ci == 1) & store["denominator"].isna().to_numpy() & ~np.isnan(numerator)
    denominator = np.where(is_count, 1.0, store["denominator"].to_numpy(dtype=float))
    with np.errstate(invalid="ignore"):
        usable = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator > 0)
        usable &= numerator >= 0
    scale = np.where(is_count, 1.0, mult)
    lower = store["lower_ci"].to_numpy(dtype=float, copy=True)
    upper = store["upper_ci"].to_numpy(dtype=float, copy=True)
    for code, (name, func) in enumerate(methods):
        for m in pd.unique(scale[usable & (ci == code)]):
            sel = usable & (ci == code) & (scale == m)
            if name == "wilson":
                sel &= numerator <= denominator
            limits = func(numerator[sel], denominator[sel], confidence=confidence,
                          multiplier=float(m))
            lower[sel] = limits["lower_ci"].to_numpy()
            upper[sel] = limits["upper_ci"].to_numpy()
    out = store.copy(deep=False)  # new columns replace the old ones; store is left as it was
    out["lower_ci"], out["upper_ci"] = lower, upper
    return out
