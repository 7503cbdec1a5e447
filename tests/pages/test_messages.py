"""Key-message wording: sentences at the boundaries, rounding, order, limit and bad input
(the ranking itself is tested in tests/steps/test_messages.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.pages.messages import key_message_sentences, key_messages
from pipeline.reporting.format_cells import format_value_in_unit as format_value
from pipeline.reporting.format_cells import significant_figures
from pipeline.steps.messages import REQUIRED_FINDING_COLUMNS, top_findings

PN = "Charnwood's priority neighbourhoods"
REST = "the rest of Charnwood"


def finding(**overrides) -> dict:
    row = {"subject": PN, "indicator_title": "Burglary", "comparator": REST,
           "measure": "ratio", "estimate": 2.1, "lower": 1.6, "upper": 2.7,
           "unit": "per 1,000 residents", "polarity": "higher_is_worse", "significant": True,
           "change": "", "since": "", "period": ""}
    row.update(overrides)
    return row


def messages(*rows, **kwargs) -> list[str]:
    return key_messages(pd.DataFrame(list(rows)), **kwargs)


def test_brief_ratio_example():
    assert messages(finding(change="widened", since="2020")) == [
        ("Burglary in Charnwood's priority neighbourhoods is 2.1 times the rest of Charnwood "
        "(95% CI 1.6 to 2.7) and the gap has widened since 2020.")]


def test_brief_difference_example():
    row = finding(indicator_title="Adults with no qualifications", measure="difference",
                  estimate=11.8, lower=9.9, upper=13.7, unit="%", value=31.2,
                  comparator_value=19.4)
    assert messages(row) == [
        ("Adults with no qualifications: 31.2% in Charnwood's priority neighbourhoods against "
        "19.4% in the rest of Charnwood, 11.8 percentage points higher (95% CI 9.9 to 13.7).")]


def test_period_is_given_unless_the_title_has_it():
    with_period = messages(finding(period="2021"))[0]
    assert "(2021; 95% CI 1.6 to 2.7)" in with_period
    in_title = messages(finding(indicator_title="No qualifications (2011)", period="2011"))[0]
    assert "(95% CI 1.6 to 2.7)" in in_title and "2011;" not in in_title


@pytest.mark.parametrize(("estimate", "lower", "upper", "expected"), [
    (1.5, 1.2, 1.9, "is 1.5 times the rest of Charnwood (95% CI 1.2 to 1.9)"),
    (1.49, 1.2, 1.8, "is 49% higher than in the rest of Charnwood (95% CI 20% to 80% higher)"),
    (1.04, 1.01, 1.07, "is 4.0% higher than in the rest of Charnwood (95% CI 1.0% to 7.0% higher)"),
    (0.65, 0.52, 0.81, "is 35% lower than in the rest of Charnwood (95% CI 19% to 48% lower)"),
    (0.2, 0.1, 0.4, "is 80% lower than in the rest of Charnwood (95% CI 60% to 90% lower)"),
    (12.34, 9.0, 16.0, "is 12 times the rest of Charnwood (95% CI 9.0 to 16)"),
])
def test_ratio_wording_at_boundaries(estimate, lower, upper, expected):
    text = messages(finding(estimate=estimate, lower=lower, upper=upper))[0]
    assert text == f"Burglary in {PN} {expected}."


def test_ratio_without_interval_has_no_brackets():
    assert messages(finding(lower=np.nan, upper=np.nan)) == [
        f"Burglary in {PN} is 2.1 times the rest of Charnwood."]


@pytest.mark.parametrize(("change", "since", "tail"), [
    ("widened", "2020", " and the gap has widened since 2020."),
    ("narrowed", "2020", " and the gap has narrowed since 2020."),
    ("no significant change", "2020", " and the gap has not changed significantly since 2020."),
    ("widened", "", " and the gap has widened."),
    ("not assessed", "2020", "."),
    ("", "2020", "."),
    (np.nan, np.nan, "."),
])
def test_change_wording(change, since, tail):
    text = messages(finding(change=change, since=since))[0]
    assert text.endswith("(95% CI 1.6 to 2.7)" + tail)


def test_difference_lower_and_other_units():
    lower = finding(indicator_title="Degree-level qualifications (2011)", measure="difference",
                    estimate=-12.06, lower=-14.0, upper=-10.24, unit="%",
                    polarity="higher_is_better", value=15.0, comparator_value=27.06,
                    change="narrowed", since="2001")
    assert messages(lower) == [
        ("Degree-level qualifications (2011): 15.0% in Charnwood's priority neighbourhoods "
        "against 27.1% in the rest of Charnwood, 12.1 percentage points lower "
        "(95% CI 10.2 to 14.0), and the gap has narrowed since 2001.")]
    rate = finding(measure="difference", estimate=1.25, lower=0.5, upper=2.0, period="2021")
    assert messages(rate) == [
        (f"Burglary in {PN} is 1.3 per 1,000 residents higher than in the rest of Charnwood "
        "(2021; 95% CI 0.5 to 2.0).")]
    score = finding(indicator_title="IMD score", measure="difference", estimate=23.14,
                    lower=np.nan, upper=np.nan, unit="score", value=35.2, comparator_value=12.06)
    assert messages(score) == [
        f"IMD score: 35.2 in {PN} against 12.1 in the rest of Charnwood, 23.1 points higher."]


def test_not_significant_left_out_or_similar():
    similar = finding(estimate=1.1, lower=0.9, upper=1.3, significant=False, value=3.04,
                      comparator_value=2.71)
    assert messages(similar) == []
    assert messages(similar, include_similar=True) == [
        (f"Burglary in {PN} is similar to the rest of Charnwood "
        "(3.0 per 1,000 residents against 2.7).")]
    diff = finding(measure="difference", estimate=0.4, lower=-0.3, upper=1.1, unit="%",
                   significant=False, value=20.1, comparator_value=19.7, change="narrowed",
                   since="2011")
    assert messages(diff, include_similar=True) == [
        (f"Burglary: 20.1% in {PN}, similar to 19.7% in the rest of Charnwood and the gap has "
        "narrowed since 2011.")]
    # significant ones always come before similar ones
    assert messages(similar, finding(estimate=1.2, lower=1.01, upper=1.4,
                                     indicator_title="Theft"),
                    include_similar=True)[0].startswith("Theft")


def test_one_message_per_subject_and_indicator_and_ties_deterministic():
    rows = [finding(comparator="Leicestershire", estimate=1.3, lower=1.1, upper=1.5),
            finding(),
            finding(subject="Charnwood", indicator_title="Robbery", estimate=1.8, lower=1.5),
            finding(subject="Blaby", indicator_title="Robbery", estimate=1.8, lower=1.5)]
    out = messages(*rows)
    assert len(out) == 3
    assert out[0].startswith(f"Burglary in {PN} is 2.1 times the rest of Charnwood")
    # equal scores and judgement: alphabetical by subject
    assert out[1].startswith("Robbery in Blaby") and out[2].startswith("Robbery in Charnwood")
    assert messages(*reversed(rows)) == out


def test_unfavourable_first_on_ties():
    worse = finding(indicator_title="Z worse", estimate=2.0, lower=1.5, upper=2.5)
    better = finding(indicator_title="A better", estimate=2.0, lower=1.5, upper=2.5,
                     polarity="higher_is_better")
    assert [m.split(" in ")[0] for m in messages(better, worse)] == ["Z worse", "A better"]


def test_limit_and_empty():
    rows = [finding(indicator_title=f"Indicator {i}", estimate=1.5 + i / 10) for i in range(9)]
    assert len(messages(*rows)) == 6
    assert len(messages(*rows, limit=2)) == 2
    assert messages(*rows, limit=0) == []
    assert key_messages(pd.DataFrame(columns=REQUIRED_FINDING_COLUMNS)) == []


def test_no_nan_or_repr_text():
    rows = [finding(indicator_title="A", lower=np.nan, upper=None, since=None, period=np.nan,
                    change=None, value=np.nan, comparator_value=None),
            finding(indicator_title="B", measure="difference", estimate=3.0, lower=np.nan,
                    upper=np.nan, unit="%", value=np.nan, comparator_value=5.0),
            finding(indicator_title="C", estimate=np.nan),
            finding(indicator_title="D", significant=np.nan)]
    out = messages(*rows, include_similar=True)
    assert len(out) == 3  # C has no estimate
    for text in out:
        for bad in ("nan", "None", "NaN", "<NA>", "[", "{"):
            assert bad not in text


def test_nothing_is_escaped():
    text = messages(finding(subject="<b>Tom & Jerry's</b>"))[0]
    assert "<b>Tom & Jerry's</b>" in text


@pytest.mark.parametrize(("column", "value", "match"), [
    ("measure", "odds", "unknown measure"),
    ("polarity", "higher_is_good", "unknown polarity"),
    ("change", "grew", "unknown change"),
])
def test_bad_values_raise(column, value, match):
    with pytest.raises(ValueError, match=match):
        messages(finding(**{column: value}))


def test_bad_input_raises():
    with pytest.raises(ValueError, match="lack column"):
        key_messages(pd.DataFrame([finding()]).drop(columns=["polarity"]))
    with pytest.raises(ValueError, match="limit"):
        messages(finding(), limit=-1)
    with pytest.raises(TypeError):
        key_messages([finding()])


def test_number_formats():
    assert [significant_figures(v) for v in (2.14, 0.654, 12.3, 9.96, 1234.5, 2.05)] == [
        "2.1", "0.65", "12", "10", "1,200", "2.1"]
    assert format_value(31.25, "%") == "31.3"
    assert format_value(-0.04, "%") == "0.0"
    assert format_value(1234.5, "score") == "1,235"
    assert format_value(0.1234, "proportion") == "0.12"
    assert format_value(0.5, "per 1,000 residents", 1) == "0.5"
    assert format_value(0.5, "per 1,000 residents") == "0.50"
    with pytest.raises(ValueError):
        significant_figures(float("nan"))


def test_sentences_of_ranked_findings_follow_their_order():
    rows = pd.DataFrame([finding(indicator_title="Theft", estimate=1.2, lower=1.01, upper=1.4),
                         finding()])
    ranked = top_findings(rows, 2)
    assert key_message_sentences(ranked) == key_messages(rows, limit=2)
    assert key_message_sentences(ranked)[0].startswith("Burglary")
    assert key_message_sentences(ranked.head(0)) == []
