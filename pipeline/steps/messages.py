"""Plain-English key messages from statistical findings, ranked by size and certainty.

Packs lead with a handful of sentences a board member can read in a minute (design brief,
section 2, step 2: "plain-English key messages ranked by size and certainty"). Each page turns its
comparisons into *findings*, one row per subject x indicator x comparator (:data:`FINDING_COLUMNS`,
optionally :data:`OPTIONAL_FINDING_COLUMNS`),
and :func:`rank_findings` / :func:`top_findings` pick the most important ones. Their wording is
presentation: :mod:`pipeline.pages.messages` turns ranked findings into sentences.

A finding row
-------------
``subject``
    Who the sentence is about, e.g. ``"Charnwood's priority neighbourhoods"``.
``indicator_title``
    The catalogue title, e.g. ``"Burglary"``, ``"No qualifications (2011)"``.
``comparator``
    What it is compared with, e.g. ``"the rest of Charnwood"``, ``"England"``.
``measure``
    ``'ratio'`` (subject / comparator) or ``'difference'`` (subject - comparator, in the
    indicator's unit).
``estimate``, ``lower``, ``upper``
    The ratio or difference and its 95% confidence interval (NaN when there is none).
``unit``
    The indicator's unit (``'%'``, ``'per 1,000 residents'``, ``'score'`` ...).
``polarity``
    ``'higher_is_worse'``, ``'higher_is_better'`` or ``'no_judgement'``.
``significant``
    Whether the difference is statistically significant (decided by the caller, normally the
    interval excluding no difference).
``change``
    How a gap moved: ``'widened'``, ``'narrowed'``, ``'no significant change'`` or ``''``
    (``'not assessed'`` and missing values are treated as ``''``).
``since``, ``period``
    The earliest period of the change and the period of the estimate (text, ``''`` if none).
``value``, ``comparator_value`` (optional)
    The two values themselves; when present the sentences quote them ("31.2% in ... against
    19.4% in ...") and differences can be ranked on the ratio scale.

Ranking rule
------------
Findings are ranked by the **smallest effect compatible with the data**: the distance from
"no difference" to the nearer end of the 95% interval, measured on the log-ratio scale. This
combines size and certainty in one number: a large, precisely measured effect ranks first; a
large but very uncertain one ranks below a moderate, precise one; an interval that touches "no
difference" scores 0. For a symmetric interval it equals ``|effect| x (1 - 1.96 / z)``.

- ``ratio``: effect ``ln(estimate)``, interval ``ln(lower)`` to ``ln(upper)``.
- ``difference`` with both values (positive): effect ``ln(value / comparator_value)``,
  interval ``ln((comparator_value + lower) / comparator_value)`` to the same with ``upper``
  (the difference expressed as a relative change, so percentage-point gaps and rate ratios are
  ranked on one scale).

Findings that cannot be put on that scale (a difference without the two values, or no
interval) rank after those that can, by their standardised size ``|estimate| / se``
(``se`` from the interval), else by their size. Ties are broken by unfavourable findings first
(worse before better before no judgement), then alphabetically, so the order is deterministic.
Only the best-ranked finding of each subject x indicator is worded (no repeats), and findings that
are not significant are left out unless ``include_similar=True``, in which case they are worded
as "similar" and come after every significant finding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Columns of a findings frame (all required).
FINDING_COLUMNS = [
    "subject",
    "indicator_title",
    "comparator",
    "measure",
    "estimate",
    "lower",
    "upper",
    "unit",
    "polarity",
    "significant",
    "change",
    "since",
    "period",
]
REQUIRED_FINDING_COLUMNS = FINDING_COLUMNS
#: Optional columns: the two values compared, quoted in the sentences when present.
OPTIONAL_FINDING_COLUMNS = ["value", "comparator_value"]

MEASURES = ("ratio", "difference")
POLARITIES = ("higher_is_worse", "higher_is_better", "no_judgement")
CHANGES = ("widened", "narrowed", "no significant change", "not assessed", "")

_Z95 = 1.959963984540054


# --------------------------------------------------------------------------------------------
# Checking and ranking


def _text(value: Any) -> str:
    """A cell as clean text: '' for missing values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def check_findings(findings: pd.DataFrame, limit: int = 0) -> pd.DataFrame:
    """A clean copy of ``findings`` (text columns as text, numbers as floats, optional columns
    added) after checking its columns, its values and the message ``limit``.

    Raises
    ------
    TypeError
        ``findings`` is not a DataFrame.
    ValueError
        Missing columns, an unknown measure / polarity / change, or a negative ``limit``.
    """
    if not isinstance(findings, pd.DataFrame):
        raise TypeError(f"key_messages expects a DataFrame of findings, got {type(findings).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise ValueError(f"limit must be a whole number >= 0, got {limit!r}")
    missing = [c for c in REQUIRED_FINDING_COLUMNS if c not in findings.columns]
    if missing:
        raise ValueError(f"findings lack column(s) {', '.join(missing)} "
                         f"(expected {', '.join(REQUIRED_FINDING_COLUMNS)})")
    frame = findings.reset_index(drop=True).copy()
    for column in OPTIONAL_FINDING_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    text_columns = ["subject", "indicator_title", "comparator", "measure", "unit", "polarity",
                    "change", "since", "period"]
    for column in text_columns:
        frame[column] = frame[column].map(_text)
    for name, allowed in (("measure", MEASURES), ("polarity", POLARITIES), ("change", CHANGES)):
        unknown = sorted(set(frame[name]) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {name} {', '.join(map(repr, unknown))}; expected one of "
                             f"{', '.join(repr(a) for a in allowed if a)}")
    frame["change"] = frame["change"].replace("not assessed", "")
    for column in ("estimate", "lower", "upper", "value", "comparator_value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["significant"] = frame["significant"].map(
        lambda v: False if _text(v) == "" else bool(v)).astype(bool)
    return frame


def _log_scale(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Effect and interval on the log-ratio scale (NaN where it cannot be put there)."""
    est, low, upp = (frame[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    a, b = frame["value"].to_numpy(float), frame["comparator_value"].to_numpy(float)
    is_ratio = (frame["measure"] == "ratio").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        usable_b = (b > 0) & (a > 0)
        effect = np.where(is_ratio, np.log(np.where(est > 0, est, np.nan)),
                          np.where(usable_b, np.log(a / b), np.nan))
        rel_low = np.where(usable_b & (b + low > 0), np.log((b + low) / b), np.nan)
        rel_upp = np.where(usable_b & (b + upp > 0), np.log((b + upp) / b), np.nan)
        log_low = np.where(is_ratio, np.log(np.where(low > 0, low, np.nan)), rel_low)
        log_upp = np.where(is_ratio, np.log(np.where(upp > 0, upp, np.nan)), rel_upp)
    return effect, log_low, log_upp


def rank_findings(findings: pd.DataFrame, *, include_similar: bool = False) -> pd.DataFrame:
    """The findings in key-message order, with their ranking score (see the module notes).

    Parameters
    ----------
    findings
        Rows with :data:`FINDING_COLUMNS` (and optionally ``value``, ``comparator_value``).
    include_similar
        Keep findings that are not significant (after all significant ones).

    Returns
    -------
    pandas.DataFrame
        The kept findings, best first, one per subject x indicator, with columns ``tier``
        (0 = on the log-ratio scale with an interval, 1 = otherwise, 2 = not significant) and
        ``score`` (higher ranks first within a tier). Findings without an estimate are dropped.

    Raises
    ------
    ValueError
        Missing columns or an unknown measure, polarity or change.
    """
    frame = check_findings(findings)
    frame = frame[np.isfinite(frame["estimate"].to_numpy(float))].reset_index(drop=True)
    effect, log_low, log_upp = _log_scale(frame)
    same_side = (np.sign(log_low) == np.sign(log_upp)) & (log_low != 0)
    nearest = np.where(same_side, np.fmin(np.abs(log_low), np.abs(log_upp)), 0.0)
    on_scale = np.isfinite(effect) & np.isfinite(log_low) & np.isfinite(log_upp)
    est, low, upp = (frame[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    null = np.where(frame["measure"] == "ratio", 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (upp - low) / (2 * _Z95)
        z = np.abs(est - null) / se
        size = np.where(frame["measure"] == "ratio", np.abs(np.log(np.abs(est))), np.abs(est))
    fallback = np.where(np.isfinite(z), z, np.where(np.isfinite(size), size, 0.0))
    significant = frame["significant"].to_numpy(bool)
    frame["tier"] = np.select([~significant, on_scale], [2, 0], 1)
    frame["score"] = np.where(on_scale, nearest, fallback)
    frame["_abs_effect"] = np.where(np.isfinite(effect), np.abs(effect), 0.0)
    direction = np.sign(est - null)
    unfavourable = np.select(
        [frame["polarity"] == "no_judgement",
         (frame["polarity"] == "higher_is_worse") == (direction > 0)], [1, 0], 2)
    frame["_judgement"] = unfavourable
    if not include_similar:
        frame = frame[frame["tier"] < 2]
    frame = frame.sort_values(
        ["tier", "score", "_abs_effect", "_judgement", "subject", "indicator_title", "comparator",
         "period"],
        ascending=[True, False, False, True, True, True, True, True], kind="stable")
    frame = frame.drop_duplicates(["subject", "indicator_title"], keep="first")
    return frame.drop(columns=["_abs_effect", "_judgement"]).reset_index(drop=True)


def top_findings(findings: pd.DataFrame, limit: int = 6, *,
                 include_similar: bool = False) -> pd.DataFrame:
    """The findings a page's key messages are written from: the best ``limit`` of
    :func:`rank_findings`, best first.

    Parameters
    ----------
    findings
        One row per finding (:data:`FINDING_COLUMNS`, optionally
        :data:`OPTIONAL_FINDING_COLUMNS`).
    limit
        At most this many rows (0 gives none).
    include_similar
        Keep findings that are not significant (after all significant ones).

    Returns
    -------
    pandas.DataFrame
        Checked rows of :func:`rank_findings` (``tier`` and ``score`` added); empty (with the
        finding columns) for an empty frame or ``limit=0``.

    Raises
    ------
    TypeError
        ``findings`` is not a DataFrame.
    ValueError
        Missing columns, an unknown measure / polarity / change, or a negative ``limit``.
    """
    checked = check_findings(findings, limit)
    if limit == 0 or findings.empty:
        return checked.head(0).assign(tier=pd.Series(dtype=int), score=pd.Series(dtype=float))
    return rank_findings(findings, include_similar=include_similar).head(limit)
