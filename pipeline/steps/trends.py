"""Recent trends of every area and indicator, computed once per run (Fingertips' rule).

:func:`indicator_trends` applies :func:`pipeline.stats.trend.recent_trend` to every area the
packs present (districts, the county, England, every locality and priority-neighbourhood
group; not single LSOAs) and every indicator, all at once: proportions (``ci: wilson``) by the
chi-squared test for trend on numerators and denominators, rates (``ci: byar``) by its
equivalent with sampling variance only, both at 99.8% over the latest five points and reported
only when the slope keeps its sign with each point dropped. Indicators without a confidence
interval (IoD scores, ranks, deciles, counts) are not tested: they have no sampling variance, and
IoD editions are not comparable as absolute change. Monthly counts have no marker (they are
shown as series of their own).

:func:`with_trends` adds an area's trends beside the rows of a table (the baseline theme
tables, the locality spine). Categories only: the pages word them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.schema import require_columns as _require
from pipeline.stats.trend import FINGERTIPS_CONFIDENCE, recent_trend

#: The store's area types that get trends (single LSOAs do not: no page shows theirs).
TREND_AREA_TYPES = ("LAD", "CTY", "ENG")

#: Trend kind of each catalogue ``ci`` method (others are not tested).
KIND_OF_CI = {"wilson": "proportion", "byar": "rate"}

#: The ``trend`` of an indicator that is not tested (no confidence interval).
NOT_TESTED = "not tested"

#: Why an indicator is not tested.
NOT_TESTED_REASON = "no confidence interval (a score, rank or count): not tested"

#: Columns of :func:`indicator_trends`.
TREND_COLUMNS = ["area_code", "indicator_id", "kind", "n_points", "first_period",
                 "latest_period", "slope", "statistic", "threshold", "sign_stable", "trend",
                 "assessment", "reason"]

#: The columns :func:`with_trends` adds to a table.
ADDED_COLUMNS = {"n_points": "trend_points", "trend": "trend", "assessment": "trend_assessment"}

_ROW_COLUMNS = ["area_code", "indicator_id", "period", "category", "value", "numerator",
                "denominator", "lower_ci", "upper_ci"]


def indicator_trends(store: pd.DataFrame, locality_rows: pd.DataFrame,
                     catalogue: pd.DataFrame, *, points: int = 5,
                     confidence: float = FINGERTIPS_CONFIDENCE,
                     rule: str = "fingertips") -> pd.DataFrame:
    """The recent trend of every area x indicator (areas of :data:`TREND_AREA_TYPES` in
    ``store``, and every area of ``locality_rows``).

    Parameters
    ----------
    store
        Indicator store rows (any area types; LSOAs are left out).
    locality_rows
        The localities' rows (``locality_indicators``), in the store's layout.
    catalogue
        The indicator catalogue (``id, polarity, method, ci, multiplier``).
    points, confidence, rule
        As :func:`pipeline.stats.trend.recent_trend` (Fingertips: 5, 0.998, ``'fingertips'``).

    Returns
    -------
    pandas.DataFrame
        :data:`TREND_COLUMNS`, one row per area x indicator with an overall (category ``''``)
        value, sorted by area and indicator. ``kind`` is ``'proportion'``, ``'rate'`` or
        ``''`` (not tested); ``trend`` one of :data:`pipeline.stats.trend.TREND_CATEGORIES` or
        :data:`NOT_TESTED` (an untested indicator with fewer than ``points`` periods is
        ``'not enough points'``, the first thing a reader needs to know).
    """
    _require(store, _ROW_COLUMNS + ["area_type"], "indicator_trends", "the store")
    _require(catalogue, ["id", "polarity", "method", "ci", "multiplier"], "indicator_trends",
             "the catalogue")
    areas = store[store["area_type"].isin(TREND_AREA_TYPES)]
    rows = pd.concat([areas[_ROW_COLUMNS], locality_rows.reindex(columns=_ROW_COLUMNS)],
                     ignore_index=True)
    cat = catalogue.set_index("id")
    shown = cat.index[cat["method"] != "monthly_count"]
    rows = rows[(rows["category"].fillna("").astype(str) == "")
                & rows["indicator_id"].isin(shown)].drop(columns="category")
    rows = rows.drop_duplicates(["area_code", "indicator_id", "period"], keep="last")
    rows["period"] = rows["period"].astype(str)
    rows["kind"] = rows["indicator_id"].map(cat["ci"].map(KIND_OF_CI)).fillna("")
    rows["polarity"] = rows["indicator_id"].map(cat["polarity"])
    keys = ["indicator_id", "area_code"]
    span = rows.groupby(keys)["period"].agg(["min", "max"]).rename(
        columns={"min": "first_period", "max": "latest_period"})

    frames = []
    for (kind, multiplier), part in rows.groupby(
            ["kind", rows["indicator_id"].map(cat["multiplier"]).fillna("")], sort=True):
        if not kind:
            continue
        scale = float(multiplier) if kind == "proportion" and multiplier != "" else 1.0
        frames.append(recent_trend(part, kind, None, group_cols=keys, points=points,
                                   confidence=confidence, multiplier=scale, rule=rule)
                      .assign(kind=kind))
    untested = rows[rows["kind"] == ""]
    counted = untested.groupby(keys).size().rename("n_points").reset_index()
    enough = counted["n_points"] >= points
    trend = np.where(enough, NOT_TESTED, "not enough points")
    frames.append(counted.assign(
        kind="", n_points=counted["n_points"].clip(upper=points), trend=trend,
        assessment=trend,
        reason=np.where(enough, NOT_TESTED_REASON, f"fewer than {points} points")))
    out = pd.concat([f.astype({"trend": object, "assessment": object}) for f in frames],
                    ignore_index=True).join(span, on=keys)
    return (out.reindex(columns=TREND_COLUMNS).sort_values(["area_code", "indicator_id"])
            .reset_index(drop=True))


def empty_trends() -> pd.DataFrame:
    """A trends frame without rows (every indicator then shows "not enough points")."""
    return pd.DataFrame(columns=TREND_COLUMNS)


def with_trends(table: pd.DataFrame, trends: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """``table`` (one row per ``indicator_id``) with the area's trend beside each row:
    ``trend_points``, ``trend`` and ``trend_assessment`` (``'not enough points'`` where the
    area has no trend row for the indicator)."""
    _require(table, ["indicator_id"], "with_trends", "the table")
    _require(trends, TREND_COLUMNS, "with_trends", "the trends")
    mine = trends[trends["area_code"] == area_code].set_index("indicator_id")
    out = table.copy()
    for source, column in ADDED_COLUMNS.items():
        out[column] = out["indicator_id"].map(mine[source])
    out["trend_points"] = out["trend_points"].fillna(0).astype(int)
    for column in ("trend", "trend_assessment"):
        out[column] = out[column].astype(object).fillna("not enough points")
    return out
