"""Step 2, evidence: the gap between priority neighbourhoods and the rest, and inequality.

1. **The gap** between the priority neighbourhoods taken together and the rest of the area,
   for every rate, proportion and population-weighted score, and whether it widened or narrowed
   between the earliest and latest periods - :func:`gap_table`.
2. **Inequality** across the county's deprivation deciles: the slope index of inequality of each
   rate and proportion - :func:`county_deciles`, :func:`decile_rows`,
   :func:`inequality_table`, :func:`decile_gradient`.

Store-layout frames in, frames out; no text for readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.aggregate import aggregate
from pipeline.schema import require_columns as _require
from pipeline.stats import (
    compare_to_benchmark,
    gap_change,
    rate_gap,
    score_gap,
    slope_index_of_inequality,
    suppress_small_numbers,
)
from pipeline.steps.need import ROW_COLUMNS, indicator_kinds, latest_rows, suppress, worst_flag

if TYPE_CHECKING:
    from pipeline.steps.evidence import EvidenceArea

#: Indicators whose slope index of inequality is charted (when they have data).
MAIN_INEQUALITY_INDICATORS: tuple[str, ...] = (
    "crime_and_asb_rate",
    "burglary_rate",
    "violence_sexual_offences_rate",
    "c11_no_qualifications_pct",
    "c11_unemployed_pct",
    "c11_bad_health_pct",
)


# --------------------------------------------------------------------------------------------
# The gap between priority neighbourhoods and the rest


def priority_groups(lsoas: pd.DataFrame, priority: pd.DataFrame,
                    area: EvidenceArea) -> pd.DataFrame:
    """Membership of the two comparison groups: ``area_code`` (``pn-all-<code>`` or
    ``rest-<code>``) and ``lsoa_code``, for the area's LSOAs."""
    _require(lsoas, ["lsoa_code"], "priority_groups")
    _require(priority, ["lsoa_code"], "priority_groups")
    codes = lsoas.loc[lsoas["lsoa_code"].isin(area.lsoa_codes), "lsoa_code"]
    in_pn = codes.isin(priority["lsoa_code"])
    return pd.DataFrame({
        "area_code": np.where(in_pn, area.pn_code, area.rest_code),
        "lsoa_code": codes.to_numpy(),
    }).sort_values(["area_code", "lsoa_code"]).reset_index(drop=True)


def group_rows(lsoa_rows: pd.DataFrame, groups: pd.DataFrame, catalogue: pd.DataFrame,
               weights: pd.Series) -> pd.DataFrame:
    """Store-layout rows of the two comparison groups, aggregated from LSOA rows
    (:func:`pipeline.aggregate.aggregate`: numerators and denominators added, scores
    population-weighted)."""
    _require(groups, ["area_code", "lsoa_code"], "group_rows")
    kinds = indicator_kinds(catalogue)
    wanted = kinds.index[kinds != ""]
    rows = lsoa_rows[lsoa_rows["indicator_id"].isin(wanted)
                     & lsoa_rows["area_code"].isin(groups["lsoa_code"])]
    return aggregate(rows, groups, catalogue, weights, area_type="LOCALITY")


GAP_TABLE_COLUMNS = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "kind", "period",
    "value_a", "value_b", "numerator_a", "denominator_a", "numerator_b", "denominator_b",
    "difference", "difference_lower", "difference_upper", "ratio", "ratio_lower", "ratio_upper",
    "ci_method", "comparison", "earliest_period", "earliest_value_a", "earliest_value_b",
    "earliest_difference", "earliest_ratio", "change", "flag",
]


def _gaps_all_periods(rows: pd.DataFrame, catalogue: pd.DataFrame, group_a: str, group_b: str,
                      min_count: int) -> pd.DataFrame:
    kinds = indicator_kinds(catalogue)
    cat = catalogue.set_index("id")
    rows = rows[rows["indicator_id"].isin(kinds.index[kinds != ""])
                & rows["area_code"].isin([group_a, group_b])]
    fields = ["value", "numerator", "denominator", "flag"]
    a = rows[rows["area_code"] == group_a].set_index(["indicator_id", "period"])[fields]
    b = rows[rows["area_code"] == group_b].set_index(["indicator_id", "period"])[fields]
    pair = a.join(b, how="inner", lsuffix="_a", rsuffix="_b").reset_index()
    if pair.empty:
        return pd.DataFrame(columns=[c for c in GAP_TABLE_COLUMNS if not c.startswith("earliest")
                                     and c != "change"])
    pair["kind"] = pair["indicator_id"].map(kinds)
    pair["flag"] = worst_flag(pair["flag_a"], pair["flag_b"])
    multiplier = pair["indicator_id"].map(cat["multiplier"]).astype(float).fillna(1.0)
    # Small numbers: blank both groups' values where either numerator is small.
    pair = suppress_small_numbers(pair, min_count=min_count,
                                  count_columns=["numerator_a", "numerator_b"],
                                  dependent_columns=["value_a", "value_b"])
    parts = []
    for kind in ("rate", "proportion"):  # two vectorised calls
        sub = pair[pair["kind"] == kind]
        if sub.empty:
            continue
        gap = rate_gap(sub["numerator_a"], sub["denominator_a"], sub["numerator_b"],
                       sub["denominator_b"], kind=kind)
        scale = multiplier[sub.index].to_numpy()
        for column in ("value_a", "value_b", "difference", "difference_lower",
                       "difference_upper"):
            gap[column] = gap[column] * scale
        parts.append(gap)
    scores = pair[pair["kind"] == "score"]
    if not scores.empty:
        score = score_gap(scores["value_a"], scores["value_b"])
        positive = (scores["value_a"] > 0) & (scores["value_b"] > 0)
        score["ratio"] = score["ratio"].where(positive)  # a ratio of signed scores means nothing
        parts.append(score)
    gaps = pd.concat(parts).reindex(pair.index)
    out = pair.drop(columns=["value_a", "value_b", "flag_a", "flag_b"]).join(gaps)
    out["ci_method"] = out["ci_method"].fillna("")
    polarity = out["indicator_id"].map(cat["polarity"])
    is_rate = (out["kind"] == "rate").to_numpy()
    comparison = compare_to_benchmark(
        np.where(is_rate, out["ratio"], out["difference"]),
        np.where(is_rate, out["ratio_lower"], out["difference_lower"]),
        np.where(is_rate, out["ratio_upper"], out["difference_upper"]),
        np.where(is_rate, 1.0, 0.0), polarity.to_numpy())
    out["comparison"] = comparison.astype(str).to_numpy()
    out["title"] = out["indicator_id"].map(cat["title"])
    out["unit"] = out["indicator_id"].map(cat["unit"])
    out["polarity"] = polarity
    out["qol_theme"] = out["indicator_id"].map(cat["qol_theme"])
    return out


def gap_table(rows: pd.DataFrame, catalogue: pd.DataFrame, *, group_a: str, group_b: str,
              min_count: int = 5) -> pd.DataFrame:
    """The gap between two groups for every rate, proportion and score, and how it moved.

    For each indicator with a numerator and denominator (rates: per population, Byar;
    proportions: Wilson) the difference and ratio of group A (priority neighbourhoods) to group
    B (the rest) with 95% intervals (:func:`pipeline.stats.rate_gap`); for population-weighted
    scores the difference and ratio without an interval (:func:`pipeline.stats.score_gap`).
    The latest period is reported; where an indicator has more than one period, the gap of the
    earliest period is given too and the change is tested (:func:`pipeline.stats.gap_change`:
    ``'widened'``, ``'narrowed'``, ``'no significant change'``; ``'not assessed'`` for scores
    or suppressed values; ``'one period only'``).

    ``comparison`` judges group A against group B with the indicator's polarity: on the ratio's
    interval for rates, on the difference's interval for proportions (``'not compared'`` for
    scores). Numerators below ``min_count`` in either group blank the values and gaps of that
    period (``[c]``).

    Parameters
    ----------
    rows
        Store-layout rows with ``area_code`` in ``group_a`` / ``group_b``.
    catalogue
        The indicator catalogue.
    group_a, group_b
        The two groups' area codes.
    min_count
        Disclosure threshold.

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_TABLE_COLUMNS`, one row per indicator, ordered by kind, theme and title.
        Empty (with these columns) when a group has no rows.
    """
    _require(rows, ROW_COLUMNS, "gap_table")
    _require(catalogue, ["id", "title", "unit", "polarity", "qol_theme", "multiplier"],
             "gap_table")
    every = _gaps_all_periods(rows, catalogue, group_a, group_b, min_count)
    if every.empty:
        return pd.DataFrame(columns=GAP_TABLE_COLUMNS)
    every = every.sort_values(["indicator_id", "period"]).reset_index(drop=True)
    first = every.groupby("indicator_id").head(1).set_index("indicator_id")
    last = every.groupby("indicator_id").tail(1).set_index("indicator_id")
    first = first.reindex(last.index)
    change = gap_change(first, last).astype(str)
    single = first["period"] == last["period"]
    out = last.copy()
    out["change"] = np.where(single, "one period only", change)
    out["earliest_period"] = np.where(single, "", first["period"])
    for column in ("value_a", "value_b", "difference", "ratio"):
        out[f"earliest_{column}"] = np.where(single, np.nan, first[column])
    out = out.reset_index()
    order = {"rate": 0, "proportion": 1, "score": 2}
    out = out.assign(_kind=out["kind"].map(order)).sort_values(
        ["_kind", "qol_theme", "title"]).drop(columns="_kind")
    return out[GAP_TABLE_COLUMNS].reset_index(drop=True)


def gap_chart_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """The gaps drawn in the ratio chart: rates and proportions with a judged polarity and
    a ratio interval, ordered by ratio (largest first)."""
    _require(gaps, ["kind", "polarity", "ratio", "ratio_lower", "ratio_upper"], "gap_chart_rows")
    keep = (gaps["kind"].isin(["rate", "proportion"]) & (gaps["polarity"] != "no_judgement")
            & gaps[["ratio", "ratio_lower", "ratio_upper"]].notna().all(axis=1))
    return gaps[keep].sort_values(["ratio", "title"], ascending=[False, True]).reset_index(
        drop=True)


# --------------------------------------------------------------------------------------------
# 4. Inequality across the county's deprivation deciles


def county_deciles(lsoas: pd.DataFrame, *, rank_column: str = "imd_rank_2019") -> pd.DataFrame:
    """The county's deprivation deciles: its LSOAs ranked by IMD national rank and cut into ten
    groups of (nearly) equal numbers of LSOAs, 1 = the county's most deprived tenth.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, county_decile`` (int 1-10), sorted by code.

    Raises
    ------
    ValueError
        Missing columns, an LSOA without a rank, or fewer than ten LSOAs.
    """
    _require(lsoas, ["lsoa_code", rank_column], "county_deciles")
    rank = pd.to_numeric(lsoas[rank_column], errors="coerce")
    if rank.isna().any():
        bad = lsoas.loc[rank.isna(), "lsoa_code"].iloc[0]
        raise ValueError(f"county_deciles: LSOA {bad} has no {rank_column}")
    if len(lsoas) < 10:
        raise ValueError(f"county_deciles needs at least 10 LSOAs, got {len(lsoas)}")
    position = rank.rank(method="first")
    decile = pd.qcut(position, 10, labels=False) + 1
    return (pd.DataFrame({"lsoa_code": lsoas["lsoa_code"].to_numpy(),
                          "county_decile": decile.astype(int).to_numpy()})
            .sort_values("lsoa_code").reset_index(drop=True))


def decile_rows(lsoa_rows: pd.DataFrame, deciles: pd.DataFrame, lsoa_codes: Sequence[str],
                catalogue: pd.DataFrame, weights: pd.Series, *,
                min_count: int = 5) -> pd.DataFrame:
    """Rates and proportions of the given LSOAs aggregated by county decile (latest period).

    Numerators and denominators are added within each decile (:func:`pipeline.aggregate.
    aggregate`), then small numbers are suppressed.

    Returns
    -------
    pandas.DataFrame
        Store-layout rows with ``area_code`` ``"decile-01"`` ... and an integer ``decile``.
    """
    _require(deciles, ["lsoa_code", "county_decile"], "decile_rows")
    kinds = indicator_kinds(catalogue)
    wanted = kinds.index[kinds.isin(["rate", "proportion"])]
    chosen = deciles[deciles["lsoa_code"].isin(lsoa_codes)]
    groups = pd.DataFrame({"area_code": chosen["county_decile"].map("decile-{:02d}".format),
                           "lsoa_code": chosen["lsoa_code"]})
    rows = lsoa_rows[lsoa_rows["indicator_id"].isin(wanted)
                     & lsoa_rows["area_code"].isin(groups["lsoa_code"])]
    out = aggregate(latest_rows(rows), groups, catalogue, weights, area_type="DECILE")
    out = suppress(out, min_count)
    out["decile"] = out["area_code"].str.slice(7).astype(int)
    return out.sort_values(["indicator_id", "decile"]).reset_index(drop=True)


INEQUALITY_COLUMNS = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "period", "n_quantiles",
    "sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "fitted_most_deprived",
    "fitted_least_deprived", "mean_value", "gradient", "reason",
]


def inequality_table(rows: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Slope index of inequality of each indicator across the county's deprivation deciles.

    Parameters
    ----------
    rows
        :func:`decile_rows` (one row per indicator x decile, latest period).
    catalogue
        The indicator catalogue.

    Returns
    -------
    pandas.DataFrame
        :data:`INEQUALITY_COLUMNS`: the SII (value in the most deprived minus the least deprived
        end of the fitted line, in the indicator's unit) and RII with 95% intervals
        (:func:`pipeline.stats.slope_index_of_inequality`, weights = denominators), and
        ``gradient``: ``'higher in more deprived areas'``, ``'lower in more deprived areas'``,
        ``'no clear gradient'`` or ``'not calculated'``. Ordered by theme and title.
    """
    _require(rows, ["indicator_id", "period", "decile", "value", "denominator", "lower_ci",
                    "upper_ci"], "inequality_table")
    if rows.empty:
        return pd.DataFrame(columns=INEQUALITY_COLUMNS)
    sii = slope_index_of_inequality(
        rows, group_cols=["indicator_id", "period"], quantile_col="decile", value_col="value",
        population_col="denominator", lower_col="lower_ci", upper_col="upper_ci")
    cat = catalogue.set_index("id")
    for column in ("title", "unit", "polarity", "qol_theme"):
        sii[column] = sii["indicator_id"].map(cat[column])
    sii["gradient"] = np.select(
        [sii["sii"].isna(), sii["sii_lower"] > 0, sii["sii_upper"] < 0],
        ["not calculated", "higher in more deprived areas", "lower in more deprived areas"],
        "no clear gradient")
    return sii.sort_values(["qol_theme", "title"])[INEQUALITY_COLUMNS].reset_index(drop=True)


def decile_gradient(rows: pd.DataFrame, inequality: pd.DataFrame,
                    indicator_ids: Sequence[str] = MAIN_INEQUALITY_INDICATORS) -> pd.DataFrame:
    """Values by decile with the fitted SII line, for charting the main indicators.

    The fitted value of each decile is read off the SII line at the decile's relative rank
    (the midpoint of its share of the population, 0 = most deprived end).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, title, unit, decile, value, lower_ci, upper_ci, fitted`` for the
        indicators that have an SII, in the order given.
    """
    _require(rows, ["indicator_id", "decile", "value", "denominator", "lower_ci", "upper_ci"],
             "decile_gradient")
    _require(inequality, ["indicator_id", "title", "unit", "sii", "fitted_most_deprived",
                          "fitted_least_deprived"], "decile_gradient")
    fitted = inequality[inequality["sii"].notna()
                        & inequality["indicator_id"].isin(indicator_ids)].set_index(
        "indicator_id")
    chosen = rows[rows["indicator_id"].isin(fitted.index) & (rows["denominator"] > 0)]
    chosen = chosen.sort_values(["indicator_id", "decile"]).copy()
    share = chosen["denominator"] / chosen.groupby("indicator_id")["denominator"].transform("sum")
    ridit = share.groupby(chosen["indicator_id"]).cumsum() - share / 2
    most = chosen["indicator_id"].map(fitted["fitted_most_deprived"])
    least = chosen["indicator_id"].map(fitted["fitted_least_deprived"])
    chosen["fitted"] = most + (least - most) * ridit
    chosen["title"] = chosen["indicator_id"].map(fitted["title"])
    chosen["unit"] = chosen["indicator_id"].map(fitted["unit"])
    order = {i: n for n, i in enumerate(indicator_ids)}
    chosen = chosen.assign(_order=chosen["indicator_id"].map(order)).sort_values(
        ["_order", "decile"])
    return chosen[["indicator_id", "title", "unit", "decile", "value", "lower_ci", "upper_ci",
                   "fitted"]].reset_index(drop=True)

