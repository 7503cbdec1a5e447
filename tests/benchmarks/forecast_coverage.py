"""How often the monthly forecasts' prediction intervals hold the truth, on simulated series.

Seeded series shaped like the shipped police.uk months (35 months, December 2019 to October
2022, log scale, fixed 12-month season) are drawn from four data-generating processes, fitted
with :func:`pipeline.steps.forecast.fit_and_project` exactly as the packs fit them (seasonal,
log scale) and projected to December 2027: single months up to 60 months ahead and calendar-year
totals 2023-2027 (1-5 years after the last complete year). The share of true values inside the
80% and 95% intervals is the coverage.

Processes (parameters as fitted to the shipped Leicestershire burglary series):

- ``mean_reverting``: fixed level + AR(1) (phi 0.89, innovation variance 0.021) + noise
  (0.0067), fitted with the mean-reverting model the targets use;
- ``local_linear_trend``: level and slope random walks (variances 0.019 and 0.0001) + noise
  (0.0085), fitted with the local-linear-trend model;
- ``overdispersed_counts`` (misspecified): negative binomial counts (mean about 40 a month,
  dispersion 8) around a seasonal AR(1) log mean, fitted with the mean-reverting model;
- ``level_shift`` (misspecified): a lasting step of 0.4 on the log scale at a random month of
  the history, on top of an AR(1), fitted with the mean-reverting model.

``python -m tests.benchmarks.forecast_coverage`` runs it and rewrites
:mod:`pipeline.steps.forecast_coverage` (the figures the forecast page states); the test
``tests/steps/test_forecast_coverage.py`` runs the same simulation and checks those figures.
It also prints the table by horizon year; ``--series N`` (or ``--seed``) prints a larger one
without writing anything.
"""

from __future__ import annotations

import argparse
import pprint
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.steps.forecast import fit_and_project
from pipeline.steps.target_forecast import MONTHLY_MODEL as PACK_MODEL

#: Series per process in the test (and behind the page's figures), and the seed.
SERIES_PER_PROCESS = 50
SEED = 20241
#: Simulated paths per yearly projection.
DRAWS = 400
LEVELS = (0.80, 0.95)

N_HISTORY = 35
MONTHS = pd.period_range("2019-12", periods=N_HISTORY + 62, freq="M")  # to 2027-12
LABELS = [m.strftime("%Y-%m") for m in MONTHS]
MONTH_OF_YEAR = MONTHS.month.to_numpy() - 1
YEAR = MONTHS.year.to_numpy()
SEASON = (0.12 * np.sin(2 * np.pi * np.arange(12) / 12)
          + 0.05 * np.cos(2 * np.pi * np.arange(12) / 6))


def _ar1(rng: np.random.Generator, n: int, phi: float, variance: float) -> np.ndarray:
    values = np.empty(n)
    values[0] = rng.normal(0, np.sqrt(variance / (1 - phi ** 2)))
    shocks = rng.normal(0, np.sqrt(variance), n)
    for i in range(1, n):
        values[i] = phi * values[i - 1] + shocks[i]
    return values


def mean_reverting(rng: np.random.Generator) -> np.ndarray:
    n = MONTHS.size
    return np.exp(3.0 + SEASON[MONTH_OF_YEAR] + _ar1(rng, n, 0.89, 0.021)
                  + rng.normal(0, np.sqrt(0.0067), n))


def local_linear_trend(rng: np.random.Generator) -> np.ndarray:
    n = MONTHS.size
    slope = np.cumsum(rng.normal(0, np.sqrt(0.0001), n)) - 0.005
    level = 3.0 + np.cumsum(slope + rng.normal(0, np.sqrt(0.019), n))
    return np.exp(level + SEASON[MONTH_OF_YEAR] + rng.normal(0, np.sqrt(0.0085), n))


def overdispersed_counts(rng: np.random.Generator) -> np.ndarray:
    n = MONTHS.size
    mean = np.exp(np.log(40) + SEASON[MONTH_OF_YEAR] + _ar1(rng, n, 0.8, 0.01))
    counts = rng.negative_binomial(8.0, 8.0 / (8.0 + mean))
    return np.maximum(counts, 1).astype(float)  # the log scale needs counts above zero


def level_shift(rng: np.random.Generator) -> np.ndarray:
    n = MONTHS.size
    at = rng.integers(6, 30)
    shift = np.where(np.arange(n) >= at, rng.choice([-1.0, 1.0]) * 0.4, 0.0)
    return np.exp(3.0 + shift + SEASON[MONTH_OF_YEAR] + _ar1(rng, n, 0.7, 0.01)
                  + rng.normal(0, 0.08, n))


#: Process name -> (generator, the monthly model fitted to it, misspecified?).
PROCESSES: dict[str, tuple[Callable[[np.random.Generator], np.ndarray], str, bool]] = {
    "mean_reverting": (mean_reverting, "mean_reverting", False),
    "local_linear_trend": (local_linear_trend, "local_linear_trend", False),
    "overdispersed_counts": (overdispersed_counts, "mean_reverting", True),
    "level_shift": (level_shift, "mean_reverting", True),
}


def _inside(frame: pd.DataFrame, truth: pd.Series, level: float) -> np.ndarray:
    tag = f"{level * 100:g}"
    values = truth.reindex(frame["period"]).to_numpy()
    return (values >= frame[f"lower_{tag}"].to_numpy()) & (values <= frame[f"upper_{tag}"].to_numpy())


def simulate_process(name: str, n_series: int, seed: int = SEED) -> pd.DataFrame:
    """One row per true value checked: ``process``, ``series``, ``aggregation`` (monthly /
    yearly), ``horizon_year`` (1-5), ``level`` and ``inside`` (bool)."""
    generate, model, _ = PROCESSES[name]
    rng = np.random.default_rng([seed, list(PROCESSES).index(name)])
    settings = {"scale": "log", "frequency": "monthly", "seasonal": True,
                "monthly_model": model, "levels": LEVELS}
    months_ahead = np.arange(1, 61)
    monthly_periods = [LABELS[N_HISTORY - 1 + k] for k in months_ahead]
    rows = []
    for i in range(n_series):
        values = generate(rng)
        history = pd.DataFrame({"period": LABELS[:N_HISTORY], "value": values[:N_HISTORY]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            monthly = fit_and_project(history, monthly_periods[-1], **settings).projection
            yearly = fit_and_project(history, 2027, n_draws=DRAWS, random_state=int(i),
                                     **settings).projection
        month_truth = pd.Series(values, index=LABELS)
        year_truth = pd.Series(values).groupby(YEAR).sum()
        monthly = monthly.set_index("period").loc[monthly_periods].reset_index()
        yearly = yearly[yearly["period"].between(2023, 2027)].reset_index(drop=True)
        for level in LEVELS:
            rows.append(pd.DataFrame({
                "series": i, "aggregation": "monthly", "horizon_year": (months_ahead - 1) // 12 + 1,
                "level": level, "inside": _inside(monthly, month_truth, level)}))
            rows.append(pd.DataFrame({
                "series": i, "aggregation": "yearly", "horizon_year": yearly["period"] - 2022,
                "level": level, "inside": _inside(yearly, year_truth, level)}))
    return pd.concat(rows, ignore_index=True).assign(process=name)


def coverage_table(n_series: int = SERIES_PER_PROCESS, seed: int = SEED,
                   processes: tuple[str, ...] = tuple(PROCESSES)) -> pd.DataFrame:
    """Every process's checks (see :func:`simulate_process`)."""
    return pd.concat([simulate_process(p, n_series, seed) for p in processes], ignore_index=True)


def summary(checks: pd.DataFrame) -> dict:
    """The figures the page states: % inside by aggregation and level over horizons 1-5 years
    for the processes fitted with the model the packs use (``pack_model``, with how many series
    and processes), and the same by process for every process."""
    pack = [p for p, (_, model, _) in PROCESSES.items() if model == PACK_MODEL]
    ours = checks[checks["process"].isin(pack)]
    pooled = ours.groupby(["aggregation", "level"])["inside"].mean()
    by_process = checks.groupby(["process", "aggregation", "level"])["inside"].mean()
    return {
        "series": int(ours.groupby("process")["series"].nunique().sum()),
        "processes": sorted(ours["process"].unique()),
        "pack_model": {f"{a} {level * 100:g}": round(100 * float(v), 1)
                       for (a, level), v in pooled.items()},
        "by_process": {f"{p} {a} {level * 100:g}": round(100 * float(v), 1)
                       for (p, a, level), v in by_process.items()},
    }


def by_horizon(checks: pd.DataFrame) -> pd.DataFrame:
    """% inside by process, aggregation and level (columns) and horizon year (rows)."""
    table = checks.groupby(["process", "aggregation", "level", "horizon_year"])["inside"].mean()
    return (100 * table).round(1).unstack(["aggregation", "level"])


MODULE = Path(__file__).resolve().parents[2] / "pipeline" / "steps" / "forecast_coverage.py"
HEADER = '''"""Measured coverage of the monthly forecasts' prediction intervals (generated: do not edit).

Written by ``python -m tests.benchmarks.forecast_coverage`` from its seeded simulation (see
that module for the processes); ``tests/steps/test_forecast_coverage.py`` runs the same
simulation and checks these figures, so the forecast page's statement cannot drift from them.
Percentages of true values inside the 80% and 95% intervals, over horizons of 1-5 years.
"""

'''


def write_module(figures: dict, path: Path = MODULE) -> None:
    """Rewrite the constants module with ``figures`` (see :func:`summary`)."""
    text = HEADER + "MEASURED_COVERAGE: dict = " + pprint.pformat(figures, width=96) + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=SERIES_PER_PROCESS,
                        help="series per process (the page's figures use the default)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    checks = coverage_table(args.series, args.seed)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(by_horizon(checks).to_string())
    figures = summary(checks)
    print(pprint.pformat(figures))
    if (args.series, args.seed) == (SERIES_PER_PROCESS, SEED):
        write_module(figures)
        print(f"written {MODULE}")


if __name__ == "__main__":
    main()
