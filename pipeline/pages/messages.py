"""Key messages in plain English: the wording of ranked findings.

Which findings lead a page, and in what order, is computation
(:func:`pipeline.steps.messages.rank_findings` / :func:`~pipeline.steps.messages.top_findings`:
size and certainty); this module words them, one sentence per finding
(:func:`key_message_sentences`), or ranks and words in one call (:func:`key_messages`).

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

import pandas as pd

from pipeline.reporting.format_cells import (
    format_value_in_unit,
    significant_figures,
    unit_decimal_places,
)
from pipeline.steps.messages import top_findings

#: Ratios at or above this are worded "N times"; below it (and above 1) as "N% higher".
TIMES_FROM = 1.5


# --------------------------------------------------------------------------------------------
# Units in sentences


def _common_places(values: Sequence[float], unit: str) -> int:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return unit_decimal_places(max(finite) if finite else 0.0, unit)


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
# Sentences


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
            values = (f" ({_with_unit(format_value_in_unit(row['value'], unit, places), unit)} against "
                      f"{_with_unit(format_value_in_unit(row['comparator_value'], unit, places), unit, first=False)})")
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
        a = _with_unit(format_value_in_unit(row["value"], unit, places), unit)
        b = _with_unit(format_value_in_unit(row["comparator_value"], unit, places), unit, first=False)
    if not row["significant"] or est == 0:
        if has_values:
            return f"{_capitalised(title)}: {a} in {subject}, similar to {b} in {comparator}{change}."
        return f"{_capitalised(title)} in {subject} is similar to {comparator}{change}."
    word = "higher" if est > 0 else "lower"
    places = unit_decimal_places(est, unit)
    size = f"{format_value_in_unit(abs(est), unit, places)}{_difference_unit(unit)} {word}"
    interval = ""
    if _interval_same_side(low, upp, 0.0):
        ends = sorted([abs(low), abs(upp)])
        interval = (f"95% CI {format_value_in_unit(ends[0], unit, places)} to "
                    f"{format_value_in_unit(ends[1], unit, places)}")
    elif math.isfinite(low) and math.isfinite(upp):
        interval = (f"95% CI {format_value_in_unit(low, unit, places)} to "
                    f"{format_value_in_unit(upp, unit, places)}")
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
        One row per finding (:data:`pipeline.steps.messages.FINDING_COLUMNS`, optionally
        ``value`` and ``comparator_value``). See :mod:`pipeline.steps.messages` for the meaning
        of each column and the ranking rule.
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
    return key_message_sentences(top_findings(findings, limit, include_similar=include_similar))


def key_message_sentences(ranked: pd.DataFrame) -> list[str]:
    """One sentence per row of :func:`pipeline.steps.messages.top_findings` (checked, ranked
    rows), in their order."""
    return [finding_sentence(row) for _, row in ranked.iterrows()]
