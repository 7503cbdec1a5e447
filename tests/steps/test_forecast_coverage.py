"""Coverage of the monthly forecasts' intervals on seeded simulated series (issue 11, part 4).

The simulation (:mod:`tests.benchmarks.forecast_coverage`: 4 processes x 50 series of 35
months, each fitted twice, to months and to calendar years, projected 1-5 years ahead) runs
once for this module. It checks that the figures the forecast page states
(:data:`pipeline.steps.forecast_coverage.MEASURED_COVERAGE`) are what the simulation measures,
and - marked as an expected failure until the intervals are fixed - that the 95% intervals hold
the truth 93-97% of the time and the 80% intervals 77-83%.
"""

from __future__ import annotations

import pytest

from pipeline.steps.forecast_coverage import MEASURED_COVERAGE
from tests.benchmarks.forecast_coverage import (
    PROCESSES,
    SERIES_PER_PROCESS,
    coverage_table,
    summary,
)

BANDS = {0.95: (93.0, 97.0), 0.80: (77.0, 83.0)}


@pytest.fixture(scope="module")
def checks():
    return coverage_table()


def test_the_simulation_checks_every_month_and_year_of_every_series(checks):
    assert checks["process"].nunique() == len(PROCESSES) == 4
    per_series = checks.groupby(["process", "series", "aggregation", "level"]).size()
    assert per_series.xs("monthly", level="aggregation").eq(60).all()  # months 1-60 ahead
    assert per_series.xs("yearly", level="aggregation").eq(5).all()    # 2023-2027
    assert checks.groupby("process")["series"].nunique().eq(SERIES_PER_PROCESS).all()
    assert set(checks["horizon_year"]) == {1, 2, 3, 4, 5}


def test_the_page_states_the_measured_coverage(checks):
    """The module the page reads holds what this seeded simulation measures (to within a point,
    for floating-point differences between machines in the model fits)."""
    measured = summary(checks)
    assert measured["series"] == MEASURED_COVERAGE["series"] == 3 * SERIES_PER_PROCESS
    assert measured["processes"] == MEASURED_COVERAGE["processes"]
    for part in ("pack_model", "by_process"):
        assert measured[part].keys() == MEASURED_COVERAGE[part].keys()
        for key, value in MEASURED_COVERAGE[part].items():
            assert measured[part][key] == pytest.approx(value, abs=1.0), key


def test_wider_intervals_hold_the_truth_more_often(checks):
    share = checks.groupby(["process", "aggregation", "level"])["inside"].mean().unstack("level")
    assert (share[0.95] > share[0.80]).all()


@pytest.mark.xfail(strict=True, reason="issue 11 part 4 is open: the intervals treat the "
                   "estimated model settings as known and are too narrow (see the report)")
def test_intervals_cover_what_they_say_at_every_horizon(checks):
    """For every process (the two models' own and two misspecified ones), single months and
    calendar-year totals, over horizons of 1-5 years: 95% intervals hold the truth 93-97% of
    the time and 80% intervals 77-83%."""
    share = 100 * checks.groupby(["process", "aggregation", "level"])["inside"].mean()
    outside = {key: round(value, 1) for key, value in share.items()
               if not BANDS[key[2]][0] <= value <= BANDS[key[2]][1]}
    assert not outside
