"""Measured coverage of the monthly forecasts' prediction intervals (generated: do not edit).

Written by ``python -m tests.benchmarks.forecast_coverage`` from its seeded simulation (see
that module for the processes); ``tests/steps/test_forecast_coverage.py`` runs the same
simulation and checks these figures, so the forecast page's statement cannot drift from them.
Percentages of true values inside the 80% and 95% intervals, over horizons of 1-5 years.
"""

MEASURED_COVERAGE: dict = {'by_process': {'level_shift monthly 80': 86.5,
                'level_shift monthly 95': 96.7,
                'level_shift yearly 80': 82.8,
                'level_shift yearly 95': 94.0,
                'local_linear_trend monthly 80': 67.7,
                'local_linear_trend monthly 95': 84.5,
                'local_linear_trend yearly 80': 67.6,
                'local_linear_trend yearly 95': 82.4,
                'mean_reverting monthly 80': 76.5,
                'mean_reverting monthly 95': 90.0,
                'mean_reverting yearly 80': 73.6,
                'mean_reverting yearly 95': 85.2,
                'overdispersed_counts monthly 80': 80.9,
                'overdispersed_counts monthly 95': 94.8,
                'overdispersed_counts yearly 80': 76.8,
                'overdispersed_counts yearly 95': 90.8},
 'pack_model': {'monthly 80': 81.3, 'monthly 95': 93.8, 'yearly 80': 77.7, 'yearly 95': 90.0},
 'processes': ['level_shift', 'mean_reverting', 'overdispersed_counts'],
 'series': 150}
