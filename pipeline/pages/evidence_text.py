"""The evidence page's words: opening paragraph, notes, chart summaries and key messages.

Text for readers built from :class:`pipeline.steps.evidence.EvidenceResults` values; the page
(:mod:`pipeline.pages.evidence`) shows it. Key messages are findings
(:data:`pipeline.steps.messages.FINDING_COLUMNS`) ranked and worded by
:mod:`pipeline.steps.messages`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.pages.messages import key_messages
from pipeline.reporting.format import capitalised, possessive
from pipeline.schema import require_columns as _require
from pipeline.steps.evidence import EvidenceArea
from pipeline.steps.gaps import GAP_TABLE_COLUMNS
from pipeline.steps.messages import FINDING_COLUMNS, rank_findings
from pipeline.steps.need import LSOA_KIND, MULTIPLE_NEED_THEMES

#: At most this many key messages per Quality of Life theme (so the list covers several).
MESSAGES_PER_THEME = 2

#: Number of key messages on the page.
KEY_MESSAGES = 6


def pn_name(area: EvidenceArea) -> str:
    """``"Charnwood's priority neighbourhoods"``."""
    return f"{possessive(area.name)} priority neighbourhoods"


def rest_name(area: EvidenceArea) -> str:
    """``"the rest of Charnwood"``."""
    return f"the rest of {area.name}"


def comparator_name(area: EvidenceArea) -> str:
    """The wider area it is compared with: the county, or England for the county."""
    return area.england_name if area.is_county else area.county_name


def intro_text(area: EvidenceArea, *, lsoa_count: int, priority_count: int,
               priority_lsoa_count: int) -> str:
    """The page's opening paragraph (Markdown, plain words)."""
    place = "the county" if area.is_county else "the district"
    if priority_count:
        pn = (f"It compares {pn_name(area)} ({priority_count} "
              f"{'neighbourhood' if priority_count == 1 else 'neighbourhoods'}, "
              f"{priority_lsoa_count} of its {lsoa_count} small areas) with {rest_name(area)}")
    else:
        pn = (f"{area.name} has no priority neighbourhood under the current rule, so the page "
              f"looks at its {lsoa_count} small areas and localities without that comparison")
    return (f"This page looks at where need is greatest in {area.name} and how it is spread "
            f"across {place}. {pn}, finds areas of multiple need across the ten Quality of Life "
            "themes, and measures inequality across the county's deprivation tenths. Differences "
            "are called significant when the 95% confidence interval excludes no difference.")


def benchmark_note(comparisons: pd.DataFrame, *, england_name: str, county_name: str) -> str:
    """One plain sentence saying which benchmark the need comparisons used and why."""
    _require(comparisons, ["indicator_id", "benchmark"], "benchmark_note")
    used = comparisons.drop_duplicates("indicator_id")
    total = len(used)
    county = int((used["benchmark"] == county_name).sum())
    if total == 0:
        return ("No rate or percentage could be compared with a benchmark, so need is judged "
                "on the Indices of Deprivation only.")
    if county == 0:
        return f"All {total} rates and percentages are compared with {england_name}."
    if county == total:
        return (f"{england_name} has no value for any of the {total} rates and percentages "
                f"used (census, crime and population figures are held for {county_name} only), "
                f"so they are compared with {county_name} instead.")
    return (f"{england_name} has no value for {county} of the {total} rates and percentages "
            f"used (census, crime and population figures are held for {county_name} only), "
            f"so those are compared with {county_name}; the rest with {england_name}.")


def gap_intro(area: EvidenceArea, has_priority: bool, gaps: pd.DataFrame) -> str:
    """The paragraph opening the gap section (or saying why there is none)."""
    if not has_priority:
        return (f"{area.name} has no priority neighbourhood under the current rule, so there is "
                "no gap to measure between priority neighbourhoods and the rest of the area. "
                "The rule is set in the locality settings (config/localities.yaml).")
    if gaps.empty:
        return (f"No indicator has values for both {pn_name(area)} and {rest_name(area)}, so the "
                "gap cannot be measured.")
    return (f"{capitalised(pn_name(area))} taken together are compared with {rest_name(area)} "
            "on every rate and percentage (ratio and difference, with 95% confidence intervals) "
            "and every deprivation score (no interval exists for scores). Where an indicator "
            "has more than one period, the gap in the earliest period is tested against the "
            "latest: it has widened or narrowed only when the change is statistically "
            "significant.")


def gap_chart_summary(chart_rows: pd.DataFrame, area: EvidenceArea) -> str:
    """One sentence describing the ratio chart."""
    counts = chart_rows["comparison"].value_counts()
    total = len(chart_rows)
    if total == 0:
        return "There are no rates or percentages to compare."
    top = chart_rows.iloc[0]
    return (f"Of {total} rates and percentages, {pn_name(area)} are significantly worse than "
            f"{rest_name(area)} on {int(counts.get('worse', 0))}, better on "
            f"{int(counts.get('better', 0))} and similar on {int(counts.get('similar', 0))}; "
            f"the largest ratio is for {top['title']} ({top['ratio']:.2f} times).")


def inequality_chart_summary(gradient: pd.DataFrame, inequality: pd.DataFrame,
                             area: EvidenceArea) -> str:
    """One sentence describing the inequality chart."""
    shown = inequality[inequality["indicator_id"].isin(gradient["indicator_id"].unique())]
    if shown.empty:
        return "There is not enough data to chart inequality across deprivation deciles."
    higher = shown.loc[shown["gradient"] == "higher in more deprived areas", "title"].tolist()
    lower = shown.loc[shown["gradient"] == "lower in more deprived areas", "title"].tolist()
    parts = []
    if higher:
        parts.append(f"{', '.join(higher)} {'is' if len(higher) == 1 else 'are'} significantly "
                     "higher in the more deprived tenths")
    if lower:
        parts.append(f"{', '.join(lower)} {'is' if len(lower) == 1 else 'are'} significantly "
                     "lower there")
    found = "; ".join(parts) if parts else "none of the charted indicators has a clear gradient"
    return (f"Values for {area.name} by the county's deprivation tenth (1 = most deprived) "
            f"with the fitted slope: {found}.")


# --------------------------------------------------------------------------------------------
# Findings and key messages


def _findings_frame(**columns: Any) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    return frame[[*FINDING_COLUMNS, "value", "comparator_value", "qol_theme"]]


def findings_from_gaps(gaps: pd.DataFrame, *, subject: str, comparator: str) -> pd.DataFrame:
    """Findings (:data:`pipeline.steps.messages.FINDING_COLUMNS`) from
    :func:`pipeline.steps.gaps.gap_table`.

    Rates are worded as ratios, proportions as percentage-point differences, scores as ratios
    without an interval (never significant). Extra columns ``value``, ``comparator_value`` and
    ``qol_theme``.
    """
    _require(gaps, GAP_TABLE_COLUMNS, "findings_from_gaps")
    rows = gaps[gaps["kind"].isin(["rate", "proportion", "score"])]
    is_diff = (rows["kind"] == "proportion").to_numpy()
    change = rows["change"].where(
        rows["change"].isin(["widened", "narrowed", "no significant change"]), "")
    return _findings_frame(
        subject=subject,
        indicator_title=rows["title"],
        comparator=comparator,
        measure=np.where(is_diff, "difference", "ratio"),
        estimate=np.where(is_diff, rows["difference"], rows["ratio"]),
        lower=np.where(is_diff, rows["difference_lower"], rows["ratio_lower"]),
        upper=np.where(is_diff, rows["difference_upper"], rows["ratio_upper"]),
        unit=rows["unit"],
        polarity=rows["polarity"],
        significant=rows["comparison"].isin(["better", "worse", "higher", "lower"]).to_numpy(),
        change=change,
        since=np.where(change != "", rows["earliest_period"], ""),
        period=rows["period"],
        value=rows["value_a"],
        comparator_value=rows["value_b"],
        qol_theme=rows["qol_theme"],
    ).reset_index(drop=True)


def findings_from_benchmarks(comparisons: pd.DataFrame, *, subject: str) -> pd.DataFrame:
    """Findings from comparing the area itself with its benchmarks (latest period).

    The difference area minus benchmark, with the interval of the area's own 95% interval
    (the benchmark treated as fixed, as in the Fingertips comparison); significant when the
    benchmark lies outside the area's interval.

    Parameters
    ----------
    comparisons
        :attr:`pipeline.steps.evidence.EvidenceResults.area_comparisons` (need comparisons
        with ``title, unit, polarity``).
    subject
        The area's name.
    """
    _require(comparisons, ["indicator_id", "title", "unit", "polarity", "qol_theme", "period",
                           "value", "lower_ci", "upper_ci", "benchmark", "benchmark_value",
                           "comparison"], "findings_from_benchmarks")
    comparisons = comparisons[comparisons["comparison"] != "not compared"]
    return _findings_frame(
        subject=subject,
        indicator_title=comparisons["title"],
        comparator=comparisons["benchmark"],
        measure="difference",
        estimate=comparisons["value"] - comparisons["benchmark_value"],
        lower=comparisons["lower_ci"] - comparisons["benchmark_value"],
        upper=comparisons["upper_ci"] - comparisons["benchmark_value"],
        unit=comparisons["unit"],
        polarity=comparisons["polarity"],
        significant=comparisons["comparison"].isin(["better", "worse"]).to_numpy(),
        change="",
        since="",
        period=comparisons["period"],
        value=comparisons["value"],
        comparator_value=comparisons["benchmark_value"],
        qol_theme=comparisons["qol_theme"],
    ).reset_index(drop=True)


def need_message(need: pd.DataFrame, area: EvidenceArea, *,
                 min_themes: int = MULTIPLE_NEED_THEMES) -> str:
    """One sentence on areas of multiple need (LSOAs), or ``''`` when there is nothing to say."""
    _require(need, ["name", "kind", "themes", "theme_list", "multiple_need"], "need_message")
    lsoas = need[need["kind"] == LSOA_KIND]
    if lsoas.empty:
        return ""
    multiple = lsoas[lsoas["multiple_need"]]
    where = f"{possessive(area.name)} {len(lsoas)} neighbourhoods (LSOAs)"
    if multiple.empty:
        return (f"None of {where} shows need on {min_themes} or more of the ten Quality of Life "
                "themes.")
    top = multiple.iloc[0]
    verb = "is an area" if len(multiple) == 1 else "are areas"
    return (f"{len(multiple)} of {where} {verb} of multiple need, with need on {min_themes} or "
            f"more of the ten Quality of Life themes; {top['name']} shows need on the most, "
            f"{top['themes']}: {top['theme_list'].replace('; ', ', ').lower()}.")


def evidence_key_messages(findings: pd.DataFrame, need_sentence: str, area: EvidenceArea, *,
                          has_priority: bool, limit: int = KEY_MESSAGES,
                          per_theme: int = MESSAGES_PER_THEME) -> list[str]:
    """The page's key messages, most important first.

    Significant findings with a judged polarity (:mod:`pipeline.steps.messages` ranking: size
    and certainty), at most ``per_theme`` per Quality of Life theme so the list covers several
    themes and, for a measure taken at two censuses, the latest only; then the multiple-need
    sentence. A district without priority neighbourhoods gets a
    sentence saying so first.
    """
    _require(findings, [*FINDING_COLUMNS, "qol_theme"], "evidence_key_messages")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise ValueError(f"limit must be a whole number >= 0, got {limit!r}")
    first = [] if has_priority else [
        f"{area.name} has no priority neighbourhood under the current rule, so there is no gap "
        "to measure between priority neighbourhoods and the rest of the area."]
    last = [need_sentence] if need_sentence else []
    room = max(limit - len(first) - len(last), 0)
    judged = findings[findings["polarity"] != "no_judgement"]
    # The same measure from two censuses ("... (2011)", "... (2021)"): keep the latest only.
    base = judged["indicator_title"].astype(str).str.replace(r"\s*\(\d{4}\)$", "", regex=True)
    latest = judged.groupby([judged["subject"], judged["comparator"], base])["period"].transform(
        "max")
    judged = judged[judged["period"].astype(str) == latest.astype(str)]
    if judged.empty or room == 0:
        return (first + last)[:limit]
    ranked = rank_findings(judged)
    ranked = ranked[ranked.groupby(ranked["qol_theme"].fillna("")).cumcount() < per_theme]
    return (first + key_messages(ranked, limit=room) + last)[:limit]


def page_findings(results: Any) -> pd.DataFrame:
    """Every finding of the page: the gaps (priority neighbourhoods against the rest) and the
    area against its benchmarks.

    Parameters
    ----------
    results
        :class:`pipeline.steps.evidence.EvidenceResults`.
    """
    area = results.area
    parts = [findings_from_gaps(results.gaps, subject=pn_name(area), comparator=rest_name(area)),
             findings_from_benchmarks(results.area_comparisons, subject=area.name)]
    return pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)


def page_key_messages(results: Any, limit: int = KEY_MESSAGES) -> list[str]:
    """The evidence page's key messages (:func:`evidence_key_messages` of
    :func:`page_findings` and :func:`need_message`).

    Parameters
    ----------
    results
        :class:`pipeline.steps.evidence.EvidenceResults`.
    limit
        Number of key messages.
    """
    return evidence_key_messages(page_findings(results), need_message(results.need, results.area),
                                 results.area, has_priority=results.has_priority, limit=limit)
