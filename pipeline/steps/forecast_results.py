"""What the forecasting models return: the predictive distribution at the horizon, the
projection and the backtest (see :mod:`pipeline.steps.forecast`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.steps.forecast_scales import Period, _forward, _inverse

#: The scipy families a :class:`PredictiveDistribution` can name.
_FAMILIES = {"t": stats.t, "norm": stats.norm}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PredictiveDistribution:
    """The predictive distribution of the indicator at one future period.

    Exactly one of ``family`` (a scipy distribution on the model scale, given by its name and
    parameters: Student t for annual OLS, normal for single months) or ``draws`` (simulated values
    on the indicator's own scale, used for months summed to years) is set. The parameters are
    plain numbers, so the result can be saved; :attr:`distribution` rebuilds the frozen scipy
    distribution from them.

    Attributes
    ----------
    period
        The period the distribution describes.
    scale
        The model scale: ``'log'``, ``'logit'`` or ``'identity'``.
    proportion_max
        The value meaning 100% on the logit scale (1 or 100).
    family
        ``'t'`` (parameters ``df``, ``loc``, ``scale``) or ``'norm'`` (``loc``, ``scale``): the
        ``scipy.stats`` distribution of the transformed value, or ``None``.
    parameters
        The family's parameters by name.
    draws
        Simulated indicator values, or ``None``.
    """

    period: Period
    scale: str
    proportion_max: float = 1.0
    family: str | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    draws: np.ndarray | None = None

    def __post_init__(self) -> None:
        if (self.family is None) == (self.draws is None):
            raise ValueError("PredictiveDistribution needs exactly one of family or draws")
        if self.family is not None and self.family not in _FAMILIES:
            raise ValueError(f"family must be one of {', '.join(_FAMILIES)}, not {self.family!r}")

    @property
    def distribution(self) -> Any:
        """The frozen ``scipy.stats`` distribution of the transformed value (``None`` with draws)."""
        if self.family is None:
            return None
        return _FAMILIES[self.family](**self.parameters)

    def probability_at_most(self, value: float) -> float:
        """Probability that the indicator is at or below ``value``."""
        if self.draws is not None:
            return float(np.mean(self.draws <= value))
        return float(self.distribution.cdf(_forward(np.asarray(value, float), self.scale,
                                                    self.proportion_max, clip=True)))

    def probability_at_least(self, value: float) -> float:
        """Probability that the indicator is at or above ``value``."""
        if self.draws is not None:
            return float(np.mean(self.draws >= value))
        return float(self.distribution.sf(_forward(np.asarray(value, float), self.scale,
                                                   self.proportion_max, clip=True)))

    def quantile(self, q: float | Sequence[float]) -> np.ndarray:
        """Quantile(s) of the indicator on its own scale."""
        q = np.asarray(q, float)
        if self.draws is not None:
            return np.quantile(self.draws, q)
        return _inverse(self.distribution.ppf(q), self.scale, self.proportion_max)

    def sample(self, size: int, random_state: int | np.random.Generator = 0) -> np.ndarray:
        """Draw ``size`` indicator values (e.g. to apply an option's effect in step 4)."""
        rng = np.random.default_rng(random_state)
        if self.draws is not None:
            return rng.choice(self.draws, size=size, replace=True)
        return _inverse(self.distribution.rvs(size=size, random_state=rng), self.scale,
                        self.proportion_max)


@dataclass(frozen=True, eq=False)
class Projection:
    """A fitted trend projected to a horizon, as returned by :func:`fit_and_project`.

    Attributes
    ----------
    fitted
        The history used, one row per period: ``period``, ``value``, ``fitted`` (the model's trend
        (+ season) back-transformed), plus ``numerator`` / ``denominator`` when given.
    observed
        Observed values on the projection's frequency: ``period``, ``value``. For a monthly series
        projected to years these are the complete calendar years (sum or mean of 12 months).
    projection
        One row per future period up to ``horizon_end``: ``period``, ``central`` (median projection),
        and ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95`` (one pair per level).
    description
        The model in plain English.
    annual_change
        The rate of change seen in the fitted trend over its last year: % per year on the log scale,
        indicator units per year otherwise (see ``annual_change_unit``).
    annual_change_unit
        ``'% per year'`` or ``'units per year'``.
    predictive
        The predictive distribution at ``horizon_end``.
    scale, frequency, horizon_end, levels, proportion_max
        The settings used; ``frequency`` is the projection's frequency.
    latest_period, latest_value
        The last observed period and value on the projection's frequency.
    model
        ``'linear trend (OLS)'``, ``'structural time series'`` (local linear trend) or
        ``'mean-reverting time series'``.
    path_draws
        Simulated indicator values for every projected year, ``[draws x years]`` in the order of
        ``projection['period']`` (annual horizons only; ``None`` when months are projected): the
        baseline futures step 4 applies options to. Its last column matches ``predictive``.
    """

    fitted: pd.DataFrame
    observed: pd.DataFrame
    projection: pd.DataFrame
    description: str
    annual_change: float
    annual_change_unit: str
    predictive: PredictiveDistribution
    scale: str
    frequency: str
    horizon_end: Period
    latest_period: Period
    latest_value: float
    levels: tuple[float, ...] = (0.80, 0.95)
    proportion_max: float = 1.0
    model: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    path_draws: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Backtest:
    """How well the model forecast periods it was not shown, as returned by :func:`backtest`.

    Attributes
    ----------
    points
        One row per held-back period: ``period``, ``actual``, ``central``, the interval limits,
        ``error`` (central - actual), ``abs_pct_error`` (in %, NaN where actual is 0) and
        ``inside_80`` / ``inside_95`` (bool, one per level).
    mean_absolute_error
        Mean of |central - actual| in indicator units.
    mean_absolute_percentage_error
        Mean of |central - actual| / |actual| in % (NaN if every actual is 0).
    inside
        Number of held-back points inside each level's interval, e.g. ``{0.8: 9, 0.95: 11}``.
    summary
        One plain-English line.
    """

    points: pd.DataFrame
    mean_absolute_error: float
    mean_absolute_percentage_error: float
    inside: dict[float, int]
    summary: str
