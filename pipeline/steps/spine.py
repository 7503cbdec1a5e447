"""The data of the locality profile's spine chart and the findings its key messages come from.

A Fingertips-style *spine chart* shows many indicators of one locality at once, each on its own
scale: the spread of the county's LSOAs, the district, county and England values, and the
locality's value with its comparison against the benchmark. :func:`spine_data` computes the rows
(:data:`SPINE_COLUMNS`; the LSOA spread with :func:`lsoa_spread`, which a county's localities
can share); :func:`pipeline.reporting.spine.spine_chart` draws them.
:func:`diversity_rows` picks the census make-up indicators shown in their own table and
:func:`comparison_findings` turns the rows into key-message findings.

Spine positions run from 0 (left) to 1 (right) with the benchmark at 0.5; the indicator's
polarity turns the scale so that *worse* is always on the left (``no_judgement`` indicators:
lower on the left).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.schema import require_columns as _require
from pipeline.stats import comparison_colours, comparison_symbols
from pipeline.steps.benchmark import STORE_LEVEL, compare_at_level

#: Aggregations whose values can be compared between areas of different sizes (spine rows).
SPINE_AGGREGATIONS = ("ratio", "pop_weighted_mean")

#: Columns of :func:`spine_data`, in order.
SPINE_COLUMNS: list[str] = [
    "indicator_id", "title", "unit", "polarity", "qol_theme", "period", "value", "lower_ci",
    "upper_ci", "numerator", "denominator", "flag", "district_value", "county_value",
    "england_value", "benchmark", "benchmark_value", "centre_value", "comparison", "symbol",
    "colour", "district_comparison", "lsoa_count", "worst", "q25", "q75", "best", "x_worst",
    "x_q25", "x_q75", "x_best", "x_value", "x_district", "x_county", "x_england",
]

#: Census 2021 shares shown under "ethnicity, religion and disability", in display order.
DIVERSITY_INDICATORS: tuple[str, ...] = (
    "c21_ethnic_minority_pct", "c21_asian_pct", "c21_black_pct", "c21_mixed_pct",
    "c21_other_ethnic_pct", "c21_christian_pct", "c21_no_religion_pct", "c21_muslim_pct",
    "c21_hindu_pct", "c21_sikh_pct", "c21_disabled_pct",
)

#: Columns of the findings handed to :func:`pipeline.steps.messages.rank_findings` (its
#: required columns, then the optional ``value`` and ``comparator_value`` it quotes).
FINDING_COLUMNS: list[str] = [
    "subject", "indicator_title", "comparator", "measure", "estimate", "lower", "upper", "unit",
    "polarity", "significant", "change", "since", "period", "value", "comparator_value",
]

STORE_VALUE_COLUMNS = ["value", "numerator", "denominator", "lower_ci", "upper_ci", "flag"]

_POSITIONS = {"worst": "x_worst", "q25": "x_q25", "q75": "x_q75", "best": "x_best",
              "value": "x_value", "district_value": "x_district", "county_value": "x_county",
              "england_value": "x_england"}


def _latest_rows(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows[rows["category"].astype(str) == ""]
    return (rows.sort_values(["indicator_id", "period"])
            .drop_duplicates("indicator_id", keep="last"))


def _locality_spine_rows(locality: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """The locality's latest row of each comparable indicator, with catalogue columns."""
    eligible = cat.index[cat["aggregation"].isin(SPINE_AGGREGATIONS)
                         & (cat["method"] != "monthly_count")]
    own = locality.copy()
    for column in ("numerator", "denominator"):
        if column not in own.columns:
            own[column] = np.nan
    own["flag"] = own["flag"].fillna("") if "flag" in own.columns else ""
    own = own[own["indicator_id"].isin(eligible)
              & (own["value"].notna() | (own["flag"] == "[c]"))]
    spine = _latest_rows(own)[["indicator_id", "period", *STORE_VALUE_COLUMNS]]
    spine = spine.reset_index(drop=True)
    if spine.empty:
        return spine
    spine["period"] = spine["period"].astype(str)
    for column in ("title", "unit", "polarity"):
        spine[column] = spine["indicator_id"].map(cat[column])
    spine["qol_theme"] = (spine["indicator_id"].map(cat["qol_theme"]).fillna("")
                          if "qol_theme" in cat.columns else "")
    return spine


def _with_comparators(spine: pd.DataFrame, comparators: pd.DataFrame,
                      columns: Mapping[str, str]) -> pd.DataFrame:
    """The comparators' values of the same indicator and period (``columns``: code -> column)."""
    keys = ["indicator_id", "period"]
    comp = comparators[comparators["category"].astype(str) == ""].assign(
        period=lambda d: d["period"].astype(str))
    for code, name in columns.items():
        values = (comp[comp["area_code"] == code].drop_duplicates(keys, keep="last")
                  .set_index(keys)["value"].rename(name))
        spine = spine.join(values, on=keys)
    return spine


def lsoa_spread(lsoas: pd.DataFrame) -> pd.DataFrame:
    """The spread of LSOA values per indicator and period (all categories ``''`` rows with a
    value): ``lsoa_count, low, high, p25, median, p75``, indexed by ``indicator_id, period``
    (the period as text).

    :func:`spine_data` computes it from its ``lsoas`` rows unless it is given; one spread of
    the county's LSOAs serves every locality of the county.
    """
    _require(lsoas, ["indicator_id", "period", "category", "value"], "lsoa_spread")
    keys = ["indicator_id", "period"]
    spread = lsoas[(lsoas["category"].astype(str) == "") & lsoas["value"].notna()].assign(
        period=lambda d: d["period"].astype(str))
    grouped = spread.groupby(keys)["value"]
    return pd.DataFrame({
        "lsoa_count": grouped.size(), "low": grouped.min(), "high": grouped.max(),
        "p25": grouped.quantile(0.25), "median": grouped.median(), "p75": grouped.quantile(0.75),
    })


def _with_lsoa_spread(spine: pd.DataFrame, spread: pd.DataFrame) -> pd.DataFrame:
    """The spread of the county's LSOAs (:func:`lsoa_spread`) of each row's indicator and
    period: count, lowest, quartiles, median, highest."""
    spine = spine.join(spread, on=["indicator_id", "period"])
    spine["lsoa_count"] = spine["lsoa_count"].fillna(0).astype(int)
    return spine


def _with_benchmark_and_comparisons(spine: pd.DataFrame, catalogue: pd.DataFrame,
                                    level: float) -> pd.DataFrame:
    """Benchmark (England, else the county), the spread counted from the worst end, and the
    comparisons with the benchmark and the district (intervals at ``level`` percent)."""
    has_england = spine["england_value"].notna()
    has_county = spine["county_value"].notna()
    spine["benchmark"] = np.select([has_england, has_county], ["England", "county"], "")
    spine["benchmark_value"] = spine["england_value"].where(has_england, spine["county_value"])
    spine["centre_value"] = spine["benchmark_value"].fillna(spine["median"])

    higher_worse = (spine["polarity"] == "higher_is_worse").to_numpy()
    spine["worst"] = np.where(higher_worse, spine["high"], spine["low"])
    spine["q25"] = np.where(higher_worse, spine["p75"], spine["p25"])
    spine["q75"] = np.where(higher_worse, spine["p25"], spine["p75"])
    spine["best"] = np.where(higher_worse, spine["low"], spine["high"])

    polarity = spine["polarity"].to_numpy()
    spine["comparison"] = compare_at_level(spine, spine["benchmark_value"], polarity,
                                           catalogue, level).astype(str)
    spine["district_comparison"] = compare_at_level(spine, spine["district_value"], polarity,
                                                    catalogue, level).astype(str)
    spine["symbol"] = comparison_symbols(spine["comparison"])
    spine["colour"] = comparison_colours(spine["comparison"])
    return spine


def _with_positions(spine: pd.DataFrame) -> pd.DataFrame:
    """Positions ``x_*`` on the 0-1 scale centred on the benchmark, worse on the left."""
    higher_worse = (spine["polarity"] == "higher_is_worse").to_numpy()
    positions = list(_POSITIONS)
    distance = spine[positions].sub(spine["centre_value"], axis=0).abs().max(axis=1)
    half_width = distance.where(distance > 0, 1.0).fillna(1.0) * 2
    direction = np.where(higher_worse, -1.0, 1.0)
    for column, target in _POSITIONS.items():
        spine[target] = 0.5 + direction * (spine[column] - spine["centre_value"]) / half_width
    return spine


def spine_data(
    locality: pd.DataFrame,
    lsoas: pd.DataFrame,
    comparators: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    district_code: str,
    county_code: str,
    england_code: str,
    spread: pd.DataFrame | None = None,
    level: float = STORE_LEVEL,
) -> pd.DataFrame:
    """The rows of a Fingertips-style spine chart for one locality.

    For each indicator the locality has a value for (its latest period; a value suppressed
    by disclosure control, flagged ``[c]``, keeps its row without a value), the spread of the
    county's LSOAs (worst, 25th percentile, 75th percentile, best), the district, county and
    England values of the same period, the benchmark (England where it has a value, otherwise
    the county) and the locality's comparison with it (and with the district).

    Positions ``x_*`` place each value on a 0-1 scale centred on the benchmark (0.5): the
    half-width is the largest distance from the benchmark of any value on the row, and the
    polarity turns the scale so that *worse* is always left (``higher_is_worse``: higher
    values to the left). ``no_judgement`` indicators have lower values on the left, and
    their ``worst``/``best`` columns hold the lowest/highest LSOA values. ``q25`` is the 25th
    percentile counted from the worst end (for ``higher_is_worse`` the numeric 75th
    percentile), so ``x_worst <= x_q25 <= x_q75 <= x_best`` on every row.

    Parameters
    ----------
    locality
        Store-layout rows of the locality (after :func:`protect`).
    lsoas
        Store-layout rows of the county's LSOAs (working vintage), for the spread.
    comparators
        Store-layout rows of the district, the county and England (others are ignored).
    catalogue
        The indicator catalogue (``id, title, unit, polarity, aggregation, method``; an
        optional ``qol_theme`` orders the rows).
    district_code, county_code, england_code
        Codes of the comparators.
    spread
        :func:`lsoa_spread` of ``lsoas``, when the caller has it already (the profiles of a
        county's localities share one); computed from ``lsoas`` when ``None``.
    level
        Confidence level (percent) of the comparisons: 95, or 99.8 (the locality's interval
        recomputed, :func:`pipeline.steps.benchmark.comparison_limits`).

    Returns
    -------
    pandas.DataFrame
        :data:`SPINE_COLUMNS`; one row per indicator, ordered by Quality of Life theme and
        title. Only indicators whose values compare across area sizes are included
        (aggregation ``ratio`` or ``pop_weighted_mean``; no monthly counts, totals, ranks or
        deciles). ``benchmark`` is ``'England'``, ``'county'`` or ``''`` (neither has a value:
        the row is then centred on the LSOA median and not compared).

    Raises
    ------
    ValueError
        Missing columns, or an indicator whose polarity is not a catalogue polarity.
    """
    store_columns = ["area_code", "indicator_id", "period", "category", "value", "lower_ci",
                     "upper_ci"]
    _require(locality, store_columns, "spine_data")
    _require(lsoas, ["area_code", "indicator_id", "period", "category", "value"], "spine_data")
    _require(comparators, ["area_code", "indicator_id", "period", "category", "value"],
             "spine_data")
    _require(catalogue, ["id", "title", "unit", "polarity", "aggregation", "method"],
             "spine_data")
    spine = _locality_spine_rows(locality, catalogue.set_index("id"))
    if spine.empty:
        return pd.DataFrame(columns=SPINE_COLUMNS)
    spine = _with_comparators(spine, comparators, {
        district_code: "district_value", county_code: "county_value",
        england_code: "england_value"})
    spread = lsoa_spread(lsoas) if spread is None else spread
    spine = _with_positions(_with_benchmark_and_comparisons(_with_lsoa_spread(spine, spread),
                                                            catalogue, level))
    theme_order = spine["qol_theme"].replace("", "~")
    spine = (spine.assign(_theme=theme_order).sort_values(["_theme", "title", "indicator_id"])
             .drop(columns="_theme").reset_index(drop=True))
    return spine[SPINE_COLUMNS]


def diversity_rows(spine: pd.DataFrame, indicator_ids: Sequence[str] = DIVERSITY_INDICATORS
                   ) -> pd.DataFrame:
    """The spine rows of the ethnicity, religion and disability shares, in the order of
    ``indicator_ids`` (those without a row skipped)."""
    _require(spine, SPINE_COLUMNS, "diversity_rows")
    return spine.set_index("indicator_id").reindex(
        [i for i in indicator_ids if i in set(spine["indicator_id"])]).reset_index()


def comparison_findings(spine: pd.DataFrame, *, subject: str,
                        comparator_names: Mapping[str, str],
                        judged_only: bool = True, catalogue: pd.DataFrame | None = None,
                        level: float = STORE_LEVEL) -> pd.DataFrame:
    """Findings for the key messages: the locality against each comparator, per indicator.

    One row per indicator and comparator that both have a value: the difference locality
    minus comparator (``measure='difference'``), its interval from the locality's 95%
    interval (the comparator treated as fixed, as in the Fingertips comparison), and whether
    it is significant (the comparator lies outside the locality's interval). One finding per
    topic: where a title recurs for several census years ("Unemployed (2011)" and a 2021
    counterpart with the same words), only the latest period is kept.

    Parameters
    ----------
    spine
        :func:`spine_data` rows.
    subject
        The locality's name.
    comparator_names
        Spine value column -> comparator name, e.g. ``{"district_value": "Charnwood",
        "county_value": "Leicestershire", "england_value": "England"}``.
    judged_only
        Leave out ``no_judgement`` indicators (population make-up is shown in its own section;
        key messages are about need).
    catalogue, level
        Significance judged with intervals at ``level`` percent (the catalogue is needed at a
        level other than 95).

    Returns
    -------
    pandas.DataFrame
        :data:`FINDING_COLUMNS`; ``change``/``since`` are empty (no change over time here).

    Raises
    ------
    ValueError
        Missing spine columns or an unknown comparator column.
    """
    _require(spine, SPINE_COLUMNS, "comparison_findings")
    unknown = [c for c in comparator_names if c not in
               ("district_value", "county_value", "england_value")]
    if unknown:
        raise ValueError(f"comparison_findings: unknown comparator column(s) {unknown}")
    rows = spine[spine["value"].notna()]
    if judged_only:
        rows = rows[rows["polarity"] != "no_judgement"]
    topic = rows["title"].str.replace(r"\s*\(\d{4}\)\s*$", "", regex=True)
    rows = (rows.assign(_topic=topic).sort_values(["_topic", "period"])
            .drop_duplicates("_topic", keep="last").sort_index())
    frames = []
    for column, name in comparator_names.items():  # three comparators, each vectorised
        part = rows[rows[column].notna()]
        comparison = compare_at_level(part, part[column], part["polarity"].to_numpy(),
                                      catalogue if catalogue is not None else
                                      pd.DataFrame(columns=["id", "ci", "multiplier"]), level)
        frames.append(pd.DataFrame({
            "subject": subject,
            "indicator_title": part["title"],
            "comparator": name,
            "measure": "difference",
            "estimate": part["value"] - part[column],
            "lower": part["lower_ci"] - part[column],
            "upper": part["upper_ci"] - part[column],
            "unit": part["unit"],
            "polarity": part["polarity"],
            "significant": comparison.isin(["better", "worse", "higher", "lower"]).to_numpy(),
            "change": "",
            "since": "",
            "period": part["period"],
            "value": part["value"],
            "comparator_value": part[column],
        }))
    return pd.concat(frames, ignore_index=True)[FINDING_COLUMNS] if frames else \
        pd.DataFrame(columns=FINDING_COLUMNS)
