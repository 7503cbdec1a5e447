"""Key-message findings: the columns contract, the ranking by size and certainty, the top
findings and bad input (the wording is tested in tests/pages/test_messages.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.steps.messages import (
    FINDING_COLUMNS,
    OPTIONAL_FINDING_COLUMNS,
    REQUIRED_FINDING_COLUMNS,
    check_findings,
    rank_findings,
    top_findings,
)

PN = "Charnwood's priority neighbourhoods"
REST = "the rest of Charnwood"


def finding(**overrides) -> dict:
    row = {"subject": PN, "indicator_title": "Burglary", "comparator": REST,
           "measure": "ratio", "estimate": 2.1, "lower": 1.6, "upper": 2.7,
           "unit": "per 1,000 residents", "polarity": "higher_is_worse", "significant": True,
           "change": "", "since": "", "period": ""}
    row.update(overrides)
    return row


def test_columns_contract():
    assert FINDING_COLUMNS == REQUIRED_FINDING_COLUMNS == [
        "subject", "indicator_title", "comparator", "measure", "estimate", "lower", "upper",
        "unit", "polarity", "significant", "change", "since", "period"]
    assert OPTIONAL_FINDING_COLUMNS == ["value", "comparator_value"]


def test_ranking_combines_size_and_certainty():
    rows = [
        finding(indicator_title="Big but uncertain", estimate=3.0, lower=1.05, upper=8.6),
        finding(indicator_title="Moderate and precise", estimate=1.8, lower=1.6, upper=2.0),
        finding(indicator_title="Small and precise", estimate=1.1, lower=1.08, upper=1.12),
        finding(indicator_title="Lower and precise", estimate=0.5, lower=0.45, upper=0.56),
        finding(indicator_title="Percentage points", measure="difference", estimate=10.0,
                lower=8.0, upper=12.0, unit="%", value=30.0, comparator_value=20.0),
    ]
    ranked = rank_findings(pd.DataFrame(rows))
    assert ranked["indicator_title"].tolist() == [
        "Lower and precise",        # ln(1/0.56) = 0.58
        "Moderate and precise",     # ln(1.6) = 0.47
        "Percentage points",        # ln(28/20) = 0.34
        "Small and precise",        # ln(1.08) = 0.077
        "Big but uncertain",        # ln(1.05) = 0.049
    ]
    assert ranked.loc[1, "score"] == pytest.approx(np.log(1.6))
    assert ranked["tier"].eq(0).all()


def test_findings_off_the_ratio_scale_rank_after():
    rows = [
        finding(indicator_title="No values", measure="difference", estimate=50.0, lower=40.0,
                upper=60.0, unit="%"),
        finding(indicator_title="Tiny ratio", estimate=1.02, lower=1.01, upper=1.03),
    ]
    ranked = rank_findings(pd.DataFrame(rows))
    assert ranked["indicator_title"].tolist() == ["Tiny ratio", "No values"]
    assert ranked["tier"].tolist() == [0, 1]


def test_one_finding_per_subject_and_indicator_and_ties_deterministic():
    rows = [finding(comparator="Leicestershire", estimate=1.3, lower=1.1, upper=1.5),
            finding(),
            finding(subject="Charnwood", indicator_title="Robbery", estimate=1.8, lower=1.5),
            finding(subject="Blaby", indicator_title="Robbery", estimate=1.8, lower=1.5)]
    ranked = rank_findings(pd.DataFrame(rows))
    assert ranked[["subject", "comparator"]].values.tolist() == [
        [PN, REST], ["Blaby", REST], ["Charnwood", REST]]
    again = rank_findings(pd.DataFrame(rows[::-1]))
    pd.testing.assert_frame_equal(ranked, again)


def test_not_significant_kept_only_when_asked_and_after_the_significant():
    similar = finding(indicator_title="Similar", estimate=1.1, lower=0.9, upper=1.3,
                      significant=False)
    rows = pd.DataFrame([similar, finding(estimate=1.2, lower=1.01, upper=1.4)])
    assert rank_findings(rows)["indicator_title"].tolist() == ["Burglary"]
    both = rank_findings(rows, include_similar=True)
    assert both["indicator_title"].tolist() == ["Burglary", "Similar"]
    assert both["tier"].tolist() == [0, 2]


def test_top_findings_limit_and_empty():
    rows = pd.DataFrame([finding(indicator_title=f"Indicator {i}", estimate=1.5 + i / 10)
                         for i in range(9)])
    assert len(top_findings(rows)) == 6 and len(top_findings(rows, 2)) == 2
    assert top_findings(rows, 2)["indicator_title"].tolist() == ["Indicator 8", "Indicator 7"]
    none = top_findings(rows, 0)
    assert none.empty and {"tier", "score", *FINDING_COLUMNS} <= set(none.columns)
    assert top_findings(pd.DataFrame(columns=REQUIRED_FINDING_COLUMNS)).empty


def test_check_findings_cleans_text_and_adds_optional_columns():
    frame = check_findings(pd.DataFrame([finding(change=np.nan, since=None,
                                                 change_extra="x")]))
    assert frame.loc[0, "change"] == "" and frame.loc[0, "since"] == ""
    assert set(OPTIONAL_FINDING_COLUMNS) <= set(frame.columns)
    assert np.isnan(frame.loc[0, "value"])
    assert check_findings(pd.DataFrame([finding(change="not assessed")])).loc[0, "change"] == ""


@pytest.mark.parametrize(("column", "value", "match"), [
    ("measure", "odds", "unknown measure"),
    ("polarity", "higher_is_good", "unknown polarity"),
    ("change", "grew", "unknown change"),
])
def test_bad_values_raise(column, value, match):
    with pytest.raises(ValueError, match=match):
        rank_findings(pd.DataFrame([finding(**{column: value})]))


def test_bad_input_raises():
    with pytest.raises(ValueError, match="lack column"):
        top_findings(pd.DataFrame([finding()]).drop(columns=["polarity"]))
    with pytest.raises(ValueError, match="limit"):
        top_findings(pd.DataFrame([finding()]), limit=-1)
    with pytest.raises(TypeError):
        top_findings([finding()])
