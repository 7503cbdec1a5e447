"""Plain-English key messages from statistical findings, ranked by size and certainty.

Packs lead with a handful of sentences a board member can read in a minute (design brief,
section 2, step 2: "plain-English key messages ranked by size and certainty"). Each page turns its
comparisons into *findings*, one row per subject x indicator x comparator (:data:`FINDING_COLUMNS`,
optionally :data:`OPTIONAL_FINDING_COLUMNS`),
and :func:`key_messages` picks and words the most important ones.

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

Wording and rounding
--------------------
Ratios to 2 significant figures ("2.1 times"); ratios between 1 and 1.5 and below 1 as a
percentage higher or lower (2 significant figures: "44% higher", "35% lower"); percentages to
1 decimal place; other values to 1 decimal place (whole numbers from 100, 2 significant figures
below 1); halves are rounded up. Sentences never contain ``nan`` or Python reprs; nothing is
HTML-escaped here (the display helpers escape).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.io import write_json

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

#: File written by :func:`write_key_messages` into a page's ``output_dir``.
KEY_MESSAGES_FILE = "key_messages.json"

#: Ratios at or above this are worded "N times"; below it (and above 1) as "N% higher".
TIMES_FROM = 1.5

_Z95 = 1.959963984540054


# --------------------------------------------------------------------------------------------
# Number formatting


def _half_up(value: float, places: int) -> Decimal:
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places))


def _fixed(value: float, places: int) -> str:
    """``value`` to ``places`` decimals, halves up, thousands separated, no ``-0``."""
    number = _half_up(value, places)
    if number == 0:
        number = abs(number)
    return f"{number:,.{places}f}"


def significant_figures(value: float, figures: int = 2) -> str:
    """``value`` rounded to ``figures`` significant figures (halves up), as plain text.

    Examples
    --------
    >>> significant_figures(2.14), significant_figures(0.654), significant_figures(12.3)
    ('2.1', '0.65', '12')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    number = Decimal(repr(float(value)))
    if number == 0:
        return "0"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        digits = number.adjusted()
        rounded = number.quantize(Decimal(1).scaleb(digits - figures + 1))
        if rounded.adjusted() > digits:  # 9.96 -> 10: one digit more before the point
            rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - figures + 1))
    places = max(0, -rounded.as_tuple().exponent)
    return f"{rounded:,.{places}f}"


def decimal_places(value: float, unit: str) -> int:
    """Decimal places for ``value`` in ``unit``: 1 for percentages; otherwise 0 from 100,
    1 from 1, and 2 significant figures below 1."""
    size = abs(value) if math.isfinite(value) else 0.0
    if unit == "%" or 1 <= size < 100 or size == 0:
        return 1
    if size >= 100:
        return 0
    return 1 - Decimal(repr(size)).adjusted()


def format_value(value: float, unit: str, places: int | None = None) -> str:
    """A value as text in its unit's usual precision (no unit words added).

    ``places`` overrides :func:`decimal_places` (to print an estimate and its interval, or two
    values side by side, to the same precision).
    """
    return _fixed(value, decimal_places(value, unit) if places is None else places)


def _common_places(values: Sequence[float], unit: str) -> int:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return decimal_places(max(finite) if finite else 0.0, unit)


def _with_unit(text: str, unit: str, *, first: bool = True) -> str:
    if unit == "%":
        return f"{text}%"
    if unit.startswith("per ") and first:
        return f"{text} {unit}"
    return text


def _difference_unit(unit: str) -> str:
    if unit == "%":
        return " percentage points"
    if unit.startswith("per "):
        return f" {unit}"
    if unit == "score":
        return " points"
    return ""


# --------------------------------------------------------------------------------------------
# Checking and ranking


def _text(value: Any) -> str:
    """A cell as clean text: '' for missing values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def _check(findings: pd.DataFrame, limit: int) -> pd.DataFrame:
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
    frame = _check(findings, 0)
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


# --------------------------------------------------------------------------------------------
# Wording


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _interval_same_side(low: float, upp: float, null: float) -> bool:
    return math.isfinite(low) and math.isfinite(upp) and (
        (low > null and upp > null) or (low < null and upp < null))


def _brackets(period: str, interval: str, title: str) -> str:
    parts = [p for p in (period if period and period not in title else "", interval) if p]
    return f" ({'; '.join(parts)})" if parts else ""


def _change_clause(change: str, since: str) -> str:
    if not change:
        return ""
    tail = f" since {since}" if since else ""
    if change == "no significant change":
        return f" and the gap has not changed significantly{tail}"
    return f" and the gap has {change}{tail}"


def _ratio_sentence(row: pd.Series) -> str:
    est, low, upp = row["estimate"], row["lower"], row["upper"]
    title, subject, comparator = row["indicator_title"], row["subject"], row["comparator"]
    head = f"{_capitalised(title)} in {subject}"
    change = _change_clause(row["change"], row["since"])
    has_interval = _interval_same_side(low, upp, 1.0)
    if not row["significant"] or est == 1:
        values = ""
        if math.isfinite(row["value"]) and math.isfinite(row["comparator_value"]):
            unit = row["unit"]
            places = _common_places([row["value"], row["comparator_value"]], unit)
            values = (f" ({_with_unit(format_value(row['value'], unit, places), unit)} against "
                      f"{_with_unit(format_value(row['comparator_value'], unit, places), unit, first=False)})")
        return f"{head} is similar to {comparator}{values}{change}."
    if est >= TIMES_FROM:
        interval = (f"95% CI {significant_figures(low)} to {significant_figures(upp)}"
                    if has_interval else "")
        return (f"{head} is {significant_figures(est)} times {comparator}"
                f"{_brackets(row['period'], interval, title)}{change}.")
    if est > 1:
        interval = (f"95% CI {significant_figures((low - 1) * 100)}% to "
                    f"{significant_figures((upp - 1) * 100)}% higher" if has_interval else "")
        return (f"{head} is {significant_figures((est - 1) * 100)}% higher than in {comparator}"
                f"{_brackets(row['period'], interval, title)}{change}.")
    interval = (f"95% CI {significant_figures((1 - upp) * 100)}% to "
                f"{significant_figures((1 - low) * 100)}% lower" if has_interval else "")
    return (f"{head} is {significant_figures((1 - est) * 100)}% lower than in {comparator}"
            f"{_brackets(row['period'], interval, title)}{change}.")


def _difference_sentence(row: pd.Series) -> str:
    est, low, upp, unit = row["estimate"], row["lower"], row["upper"], row["unit"]
    title, subject, comparator = row["indicator_title"], row["subject"], row["comparator"]
    change = _change_clause(row["change"], row["since"])
    has_values = math.isfinite(row["value"]) and math.isfinite(row["comparator_value"])
    if has_values:
        places = _common_places([row["value"], row["comparator_value"]], unit)
        a = _with_unit(format_value(row["value"], unit, places), unit)
        b = _with_unit(format_value(row["comparator_value"], unit, places), unit, first=False)
    if not row["significant"] or est == 0:
        if has_values:
            return f"{_capitalised(title)}: {a} in {subject}, similar to {b} in {comparator}{change}."
        return f"{_capitalised(title)} in {subject} is similar to {comparator}{change}."
    word = "higher" if est > 0 else "lower"
    places = decimal_places(est, unit)
    size = f"{format_value(abs(est), unit, places)}{_difference_unit(unit)} {word}"
    interval = ""
    if _interval_same_side(low, upp, 0.0):
        ends = sorted([abs(low), abs(upp)])
        interval = (f"95% CI {format_value(ends[0], unit, places)} to "
                    f"{format_value(ends[1], unit, places)}")
    elif math.isfinite(low) and math.isfinite(upp):
        interval = (f"95% CI {format_value(low, unit, places)} to "
                    f"{format_value(upp, unit, places)}")
    brackets = _brackets(row["period"], interval, title)
    if has_values:
        joiner = "," if change else ""
        return (f"{_capitalised(title)}: {a} in {subject} against {b} in {comparator}, "
                f"{size}{brackets}{joiner}{change}.")
    return f"{_capitalised(title)} in {subject} is {size} than in {comparator}{brackets}{change}."


def finding_sentence(row: pd.Series) -> str:
    """One plain-English sentence for one (checked) finding row."""
    if row["measure"] == "ratio":
        return _ratio_sentence(row)
    return _difference_sentence(row)


def key_messages(findings: pd.DataFrame, limit: int = 6, *,
                 include_similar: bool = False) -> list[str]:
    """The page's key messages: the top findings, ranked by size and certainty, in plain English.

    Parameters
    ----------
    findings
        One row per finding (:data:`FINDING_COLUMNS`, optionally ``value`` and
        ``comparator_value``: :data:`OPTIONAL_FINDING_COLUMNS`). See the module notes for
        the meaning of each column and the ranking rule.
    limit
        At most this many sentences (0 gives none).
    include_similar
        Also word findings that are not significant ("... is similar to ..."), after all the
        significant ones; by default they are left out.

    Returns
    -------
    list of str
        Sentences, most important first; ``[]`` for an empty frame.

    Raises
    ------
    TypeError
        ``findings`` is not a DataFrame.
    ValueError
        Missing columns, an unknown measure / polarity / change, or a negative ``limit``.

    Examples
    --------
    >>> row = dict(subject="Charnwood's priority neighbourhoods", indicator_title="Burglary",
    ...            comparator="the rest of Charnwood", measure="ratio", estimate=2.1, lower=1.6,
    ...            upper=2.7, unit="per 1,000 residents", polarity="higher_is_worse",
    ...            significant=True, change="widened", since="2020", period="")
    >>> key_messages(pd.DataFrame([row]))[0]
    "Burglary in Charnwood's priority neighbourhoods is 2.1 times the rest of Charnwood (95% CI 1.6 to 2.7) and the gap has widened since 2020."
    """
    _check(findings, limit)
    if limit == 0 or findings.empty:
        return []
    ranked = rank_findings(findings, include_similar=include_similar).head(limit)
    return [finding_sentence(row) for _, row in ranked.iterrows()]


def write_key_messages(messages: Sequence[str], output_dir: str | Path,
                       file_name: str = KEY_MESSAGES_FILE) -> None:
    """Write a page's key messages as ``{"messages": [...]}`` for the pack's front page.

    Parameters
    ----------
    messages
        The sentences from :func:`key_messages` (plain text).
    output_dir
        The notebook's work folder.
    file_name
        Default ``key_messages.json``.

    Returns nothing, so that a notebook cell ending with this call shows no output. The file is
    written atomically, with deterministic bytes.
    """
    if isinstance(messages, str) or not all(isinstance(m, str) and m.strip() for m in messages):
        raise ValueError("key messages must be a list of non-empty sentences")
    write_json({"messages": [m.strip() for m in messages]}, Path(output_dir) / file_name)
