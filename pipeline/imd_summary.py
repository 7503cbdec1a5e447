"""IMD summary measures for groups of LSOAs (districts, localities), as in IoD File 10.

The English Indices of Deprivation publish, for every local authority district, summaries of
how deprived the district is (IoD2019 technical report, "summary measures"; File 10). The same
measures describe any grouping of LSOAs, for example a partnership's localities:

average score
    Population-weighted mean of the LSOA scores.
average rank
    Population-weighted mean of the LSOA ranks, with the ranks turned round so that the most
    deprived LSOA in England has the HIGHEST rank (``national_count``) - as File 10 does.
proportion of LSOAs in the most deprived 10% nationally
    Share of the group's LSOAs ranked in the most deprived tenth of all LSOAs in England
    (rank <= national_count / 10, i.e. decile 1). Not population weighted.
extent
    Population-weighted share of residents living in the most deprived LSOAs nationally: weight
    1 for LSOAs in the most deprived 10%; for the 11th to 30th national percentiles a weight
    sliding linearly from 0.95 (11th) to 0.05 (30th), falling by 0.9/19 per percentile; 0 beyond
    (technical report Appendix N). The percentile of an LSOA is ceil(100 * rank / national_count).
local concentration
    Population-weighted mean (turned-round) rank of the group's most deprived LSOAs that together
    hold exactly 10% of the group's population; the LSOA that crosses the 10% line counts only
    with the part of its population needed to reach it.

Each measure is also ranked across the groups given, 1 = most deprived (ties share the lowest
rank, as in File 10). With the File 2 ranks, File 6 total population (mid-2015) and the derived
IMD 2019 score, these reproduce File 10's IMD sheet for all 317 districts (see
``tests/test_imd_summary.py`` for the precision reached).

All functions are pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import OBSERVATION_COLUMNS

#: Number of LSOAs in England per vintage (the ``national_count`` of each IoD edition).
NATIONAL_LSOA_COUNT: dict[str, int] = {"LSOA01": 32482, "LSOA11": 32844, "LSOA21": 33755}

#: Summary measures in File 10 order; each also has a ``rank_of_<measure>`` column.
SUMMARY_MEASURES: tuple[str, ...] = (
    "average_rank", "average_score", "proportion_most_deprived_10pct", "extent",
    "local_concentration",
)

#: Decimal places File 10 publishes each measure with (its cells' number formats, the same on
#: every sheet: ``0.00`` ranks, ``0.000`` scores, ``0.0000`` proportions and extent).
PUBLISHED_DECIMALS: dict[str, int] = {
    "average_rank": 2, "average_score": 3, "proportion_most_deprived_10pct": 4, "extent": 4,
    "local_concentration": 2,
}

#: Population used by File 10 for each domain's rank-based measures (IoD2019 File 6 variables).
DOMAIN_POPULATION: dict[str, str] = {
    "imd": "pop_total", "income": "pop_total", "employment": "pop_working_age",
    "education": "pop_total", "health": "pop_total", "crime": "pop_total",
    "barriers": "pop_total", "living_environment": "pop_total", "idaci": "pop_0_15",
    "idaopi": "pop_60_plus",
}

_SOURCE = "IMD summary"


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(None, f"{_SOURCE}: {what} is missing column(s) {', '.join(missing)} "
                               f"(it has: {', '.join(map(str, df.columns))})")


def percentile_of_rank(ranks: pd.Series | np.ndarray, national_count: int) -> np.ndarray:
    """National percentile (1 = most deprived 1%) of LSOA ranks: ceil(100 * rank / N)."""
    return np.ceil(100.0 * np.asarray(ranks, dtype=float) / national_count)


def extent_weights(ranks: pd.Series | np.ndarray, national_count: int) -> np.ndarray:
    """Extent weight of each LSOA from its national rank (1 = most deprived).

    1 within the most deprived 10%; 0.95 at the 11th percentile falling by 0.9/19 per
    percentile to 0.05 at the 30th; 0 for less deprived LSOAs.
    """
    pct = percentile_of_rank(ranks, national_count)
    sliding = 0.95 - (0.9 / 19.0) * (pct - 11.0)
    return np.where(pct <= 10, 1.0, np.where(pct <= 30, sliding, 0.0))


def rank_most_deprived(values: pd.Series) -> pd.Series:
    """Rank groups on a summary measure: 1 = largest value (most deprived); ties share the
    lowest rank; missing values stay missing."""
    return values.rank(ascending=False, method="min")


def _check_lsoas(lsoas: pd.DataFrame, *, group: str, rank: str, population: str,
                 national_count: int) -> None:
    if lsoas.empty:
        raise InputError(None, f"{_SOURCE}: no LSOAs given (expected one row per LSOA)")
    if national_count < 10:
        raise InputError(None, f"{_SOURCE}: national_count {national_count} is too small "
                               "(expected the number of LSOAs in England, e.g. 32844)")
    ranks = pd.to_numeric(lsoas[rank], errors="coerce")
    bad = ranks.isna() | (ranks < 1) | (ranks > national_count)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(None, f"{_SOURCE}: LSOA rank '{lsoas[rank].iloc[pos]}' (row {pos + 1}) "
                               f"is not between 1 and {national_count}", column=rank)
    pops = pd.to_numeric(lsoas[population], errors="coerce")
    bad = pops.isna() | (pops < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(None, f"{_SOURCE}: population '{lsoas[population].iloc[pos]}' "
                               f"(row {pos + 1}) is missing or negative", column=population)
    if lsoas[group].isna().any():
        pos = int(np.flatnonzero(lsoas[group].isna().to_numpy())[0])
        raise InputError(None, f"{_SOURCE}: LSOA in row {pos + 1} has no group", column=group)


def summarise_deprivation(
    lsoas: pd.DataFrame,
    *,
    national_count: int,
    group: str = "group",
    rank: str = "rank",
    population: str = "population",
    score: str | None = "score",
    area: str = "area_code",
) -> pd.DataFrame:
    """Compute the IoD summary measures for each group of LSOAs.

    Parameters
    ----------
    lsoas
        One row per LSOA with its group, national rank (1 = most deprived), population and,
        optionally, score.
    national_count
        Number of LSOAs in England the ranks run over (32,844 for IoD2015/2019; see
        :data:`NATIONAL_LSOA_COUNT`).
    group, rank, population, score, area
        Column names. ``score=None`` (or a missing score column) leaves ``average_score`` empty.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group`` (named as the input column), ``lsoa_count``,
        ``population``, each of :data:`SUMMARY_MEASURES` and ``rank_of_<measure>``
        (1 = most deprived among the groups given). Sorted by group.

    Raises
    ------
    InputError
        Missing columns, ranks outside 1..national_count, missing or negative populations,
        LSOAs without a group, or an LSOA listed twice.
    """
    needed = [area, group, rank, population]
    _require(lsoas, needed, "the LSOA table")
    _check_lsoas(lsoas, group=group, rank=rank, population=population,
                 national_count=national_count)
    dup = lsoas[area].duplicated()
    if dup.any():
        raise InputError(None, f"{_SOURCE}: LSOA '{lsoas.loc[dup, area].iloc[0]}' is listed "
                               "twice (expected each LSOA once, in one group)", column=area)
    has_score = score is not None and score in lsoas.columns
    d = pd.DataFrame({
        "group": lsoas[group].to_numpy(),
        "rank": pd.to_numeric(lsoas[rank]).astype(float).to_numpy(),
        "pop": pd.to_numeric(lsoas[population]).astype(float).to_numpy(),
        "score": pd.to_numeric(lsoas[score]).astype(float).to_numpy() if has_score else np.nan,
    })
    d["reversed_rank"] = national_count + 1 - d["rank"]
    d["most_deprived"] = (d["rank"] <= national_count / 10).astype(float)
    d["extent_weight"] = extent_weights(d["rank"], national_count)

    grouped = d.groupby("group", sort=True)
    pop = grouped["pop"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = d[["reversed_rank", "score", "extent_weight"]].mul(d["pop"], axis=0)
        weighted["group"] = d["group"]
        sums = weighted.groupby("group", sort=True).sum(min_count=1)
        out = pd.DataFrame({
            "lsoa_count": grouped.size(),
            "population": pop,
            "average_rank": sums["reversed_rank"] / pop,
            "average_score": sums["score"] / pop,
            "proportion_most_deprived_10pct": grouped["most_deprived"].mean(),
            "extent": sums["extent_weight"] / pop,
            "local_concentration": _local_concentration(d),
        })
    out = out.replace([np.inf, -np.inf], np.nan)
    out.loc[d["score"].isna().groupby(d["group"], sort=True).any(), "average_score"] = np.nan
    for measure in SUMMARY_MEASURES:
        out[f"rank_of_{measure}"] = rank_most_deprived(out[measure])
    columns = ["lsoa_count", "population"]
    for measure in SUMMARY_MEASURES:
        columns += [measure, f"rank_of_{measure}"]
    out = out[columns]
    out.index.name = group
    return out.reset_index()


def _local_concentration(d: pd.DataFrame) -> pd.Series:
    """Mean reversed rank of each group's most deprived LSOAs holding exactly 10% of its people."""
    s = d.sort_values(["group", "rank"], kind="stable")
    target = 0.1 * s.groupby("group")["pop"].transform("sum")
    before = s.groupby("group")["pop"].cumsum() - s["pop"]
    counted = np.clip(target - before, 0.0, s["pop"])
    num = (counted * s["reversed_rank"]).groupby(s["group"], sort=True).sum()
    den = counted.groupby(s["group"], sort=True).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


def summary_input(
    observations: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    domain: str = "imd",
    period: str = "2019",
    population_variable: str | None = None,
    lookup_area: str = "area_code",
    lookup_group: str = "lad_code",
) -> pd.DataFrame:
    """Build the LSOA table for :func:`summarise_deprivation` from IoD observations.

    Parameters
    ----------
    observations
        IoD reader output for one edition, together: ``{domain}_rank`` (File 2/3),
        ``{domain}_score`` if available (e.g. ``imd_score`` from the derived-score file) and the
        population variable (File 6).
    lookup
        LSOA -> group table, e.g. :func:`pipeline.ingest.iod.read_lsoa_districts` of a national
        IoD2019 file (districts), or a locality lookup.
    domain
        ``imd``, a domain or ``idaci`` / ``idaopi``.
    period
        The IoD edition (observation period), e.g. ``"2019"``.
    population_variable
        Defaults to the population File 10 uses for the domain (:data:`DOMAIN_POPULATION`).
    lookup_area, lookup_group
        Column names in ``lookup``.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code``, ``group``, ``rank``, ``score`` (NaN when the edition has no
        score), ``population``; one row per LSOA found in both the lookup and the ranks.

    Raises
    ------
    InputError
        Missing columns, no ranks for the domain/period, or an LSOA in the lookup without a
        rank or population.
    """
    _require(observations, ["area_code", "variable", "period", "value"], "the observations")
    _require(lookup, [lookup_area, lookup_group], "the LSOA lookup")
    pop_var = population_variable or DOMAIN_POPULATION.get(domain, "pop_total")
    wanted = {f"{domain}_rank": "rank", f"{domain}_score": "score", pop_var: "population"}
    obs = observations[(observations["period"] == str(period))
                       & observations["variable"].isin(wanted)
                       & (observations.get("category", "") == "")]
    wide = obs.pivot_table(index="area_code", columns="variable", values="value",
                           aggfunc="first").rename(columns=wanted)
    for column in ("rank", "population"):
        if column not in wide.columns:
            var = next(k for k, v in wanted.items() if v == column)
            raise InputError(None, f"{_SOURCE}: no '{var}' observations for period {period} "
                                   "(read the IoD rank and population files first)")
    if "score" not in wide.columns:
        wide["score"] = np.nan
    table = lookup[[lookup_area, lookup_group]].rename(
        columns={lookup_area: "area_code", lookup_group: "group"})
    table = table.merge(wide[["rank", "score", "population"]], left_on="area_code",
                        right_index=True, how="left")
    gap = table["rank"].isna() | table["population"].isna()
    if gap.any():
        code = table.loc[gap, "area_code"].iloc[0]
        raise InputError(None, f"{_SOURCE}: LSOA '{code}' in the lookup has no {domain} rank or "
                               f"population for {period} ({int(gap.sum())} such LSOAs; is the "
                               "lookup of the same LSOA vintage?)")
    return table[["area_code", "group", "rank", "score", "population"]].reset_index(drop=True)


def summary_observations(
    summary: pd.DataFrame,
    *,
    domain: str,
    period: str,
    area_type: str,
    source: str,
    group: str = "group",
) -> pd.DataFrame:
    """Turn :func:`summarise_deprivation` output into observation rows named like File 10.

    Variables are ``{domain}_{measure}`` and ``{domain}_rank_of_{measure}`` (for example
    ``imd_average_score``, ``imd_rank_of_extent``), the names the ``iod_file10`` reader uses, so
    computed and published summaries can be compared or stored side by side.
    """
    _require(summary, [group, *SUMMARY_MEASURES], "the summary table")
    value_cols = [c for c in summary.columns
                  if c in SUMMARY_MEASURES or c.removeprefix("rank_of_") in SUMMARY_MEASURES]
    long = summary.melt(id_vars=[group], value_vars=value_cols, var_name="measure",
                        value_name="value")
    long = long.dropna(subset=["value"])
    out = pd.DataFrame({
        "area_code": long[group].astype(str),
        "area_type": area_type,
        "variable": domain + "_" + long["measure"],
        "period": str(period),
        "category": "",
        "value": long["value"].astype(float),
        "flag": "",
        "source": source,
    })
    return out[OBSERVATION_COLUMNS].sort_values(["variable", "area_code"]).reset_index(drop=True)


def district_summaries(config, *, edition: int = 2019, domain: str = "imd") -> pd.DataFrame:
    """Summary measures for every district in England for one IoD edition (reads the files).

    The LSOA files of the edition are those of the dataset catalogue whose ``edition`` option
    matches; the LSOA -> district lookup comes from the edition's MHCLG File 2 layout. Editions
    without LSOA population denominators (only 2019 ships File 6) are refused with a clear error.
    """
    from pipeline import geography
    from pipeline.config import load_datasets
    from pipeline.ingest.iod import read_lsoa_districts
    from pipeline.store import read_dataset

    specs = [s for s in load_datasets(config.datasets_path)
             if s.option("edition") == edition and s.option("vintage", "").startswith("LSOA")]
    if not specs:
        raise InputError(config.datasets_path, f"no LSOA files of IoD edition {edition} are named "
                                               "in the dataset catalogue")
    codes = geography.code_registry(config)
    observations = pd.concat([read_dataset(s, codes) for s in specs], ignore_index=True)
    population = DOMAIN_POPULATION.get(domain, "pop_total")
    if not (observations["variable"] == population).any():
        raise InputError(config.datasets_path, f"IoD {edition}: no LSOA population denominators "
                                               f"('{population}') are shipped for this edition")
    mhclg = [s for s in specs if s.reader == "iod_mhclg"]
    if not mhclg:
        raise InputError(config.datasets_path, f"IoD {edition}: no MHCLG file gives the LSOA "
                                               "-> district lookup")
    lookup = read_lsoa_districts(mhclg[0].path)
    names = lookup.drop_duplicates("lad_code").set_index("lad_code")["lad_name"]
    lsoas = summary_input(observations, lookup, domain=domain, period=str(edition))
    vintage = mhclg[0].option("vintage")
    table = summarise_deprivation(lsoas, national_count=NATIONAL_LSOA_COUNT[vintage])
    table = table.rename(columns={"group": "lad_code"})
    table.insert(1, "lad_name", table["lad_code"].map(names))
    return table.sort_values("lad_code").reset_index(drop=True)


def as_published(table: pd.DataFrame) -> pd.DataFrame:
    """The summary table with each measure written as File 10 publishes it.

    Measures are rounded half up (as Excel rounds) to :data:`PUBLISHED_DECIMALS` and kept as
    text with that many decimals, so a five-digit average rank keeps its two decimals
    (``25999.80``, not ``25999.8``); counts, populations and ranks are whole numbers; a missing
    value is empty.
    """
    out = table.copy()
    for measure, decimals in PUBLISHED_DECIMALS.items():
        if measure in out:
            scale = 10.0 ** decimals
            rounded = np.floor(out[measure].astype(float) * scale + 0.5 + 1e-9) / scale
            out[measure] = rounded.map(lambda v, d=decimals: "" if pd.isna(v) else f"{v:.{d}f}")
    whole = ["lsoa_count", "population"] + [c for c in out if c.startswith("rank_of_")]
    for column in whole:
        if column in out:
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    return out
