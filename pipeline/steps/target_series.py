"""Which series a target is judged on: its history, comparator, scale and target value.

* **Crime rates** (catalogue method ``annual_rate``, e.g. ``burglary_rate``): the store holds only
  two complete calendar years (2020, 2021) of police.uk data, too few to forecast. So the
  *monthly* series is built as well: the ``crime_count`` observations of the crime types in the
  indicator's numerator, per month, summed over the area's LSOAs, divided by the population of
  that year (the mid-year estimate of the year or the latest earlier one, the rule of the annual
  rate) and multiplied as the annual rate is. The monthly values of a calendar year add up to the
  annual rate exactly, so a seasonal model fitted to the months, simulated forward and summed over
  each calendar year projects the annual rate the target is written in.
* **Other indicators** (e.g. IoD scores, 2004-2025 editions): the annual series of the store;
  values carried across LSOA vintages keep their ``[e]`` flag.
* **Gap targets** (``gap_reduction``): the series is the area's value minus the comparator's
  (``pn-all-<district>`` minus ``rest-<district>`` for the priority neighbourhoods against the rest
  of the district) in each period, monthly where both are monthly.

Scales: ``log`` for rates and counts, ``logit`` (``proportion_max=100``) for percentages,
``identity`` for scores and for gaps (which can be negative).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import REST, AreaData
from pipeline.errors import InputError
from pipeline.indicators import parse_terms
from pipeline.registers import PRIORITY_PREFIX, Target
from pipeline.steps.forecast import can_forecast, resolve_target_value
from pipeline.steps.target_areas import area_label, area_lsoas, area_rows

#: The crime observations monthly series are built from.
CRIME_VARIABLE = "crime_count"

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def annual_history(rows: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """An indicator's yearly values for one area: ``period`` (int), ``value``, ``numerator``,
    ``denominator``, ``flag``; sorted, months and missing values left out."""
    picked = rows[(rows["indicator_id"] == indicator_id) & (rows["category"].fillna("") == "")
                  & rows["period"].astype(str).str.match(_YEAR) & rows["value"].notna()]
    out = pd.DataFrame({
        "period": picked["period"].astype(int).to_numpy(),
        "value": picked["value"].astype(float).to_numpy(),
        "numerator": pd.to_numeric(picked["numerator"], errors="coerce").to_numpy(float),
        "denominator": pd.to_numeric(picked["denominator"], errors="coerce").to_numpy(float),
        "flag": picked["flag"].fillna("").astype(str).to_numpy(),
    })
    if out["period"].duplicated().any():
        raise ValueError(f"indicator '{indicator_id}' has more than one row per year for the area")
    return out.sort_values("period").reset_index(drop=True)


def monthly_counts(observations: pd.DataFrame, numerator: str, lsoa_codes: Sequence[str]
                   ) -> pd.DataFrame:
    """Monthly counts of an indicator's numerator terms summed over a set of LSOAs.

    Parameters
    ----------
    observations
        Observations layout (``area_code``, ``variable``, ``period``, ``category``, ``value``).
    numerator
        The catalogue numerator, e.g. ``crime_count[Burglary]``.
    lsoa_codes
        The area's LSOAs.

    Returns
    -------
    pandas.DataFrame
        ``period`` ('YYYY-MM') and ``count``, one row per month with any observation, sorted.
        A month where some LSOAs have no row counts the others (police.uk lists only crimes).
    """
    for column in ("area_code", "variable", "period", "category", "value"):
        if column not in observations.columns:
            raise ValueError(f"observations: missing column '{column}'")
    terms = pd.DataFrame([(t.variable, t.category) for t in parse_terms(numerator)],
                         columns=["variable", "category"]).drop_duplicates()
    if terms.empty:
        raise ValueError("the numerator names no observation terms")
    picked = observations[observations["area_code"].isin(set(lsoa_codes))
                          & observations["period"].astype(str).str.match(_MONTH)]
    picked = picked.merge(terms, on=["variable", "category"], how="inner")
    counts = picked.groupby("period", sort=True)["value"].sum()
    return pd.DataFrame({"period": counts.index.astype(str), "count": counts.to_numpy(float)})


def monthly_rates(counts: pd.DataFrame, population: pd.DataFrame, multiplier: float
                  ) -> pd.DataFrame:
    """Monthly rates whose calendar-year sums are the annual rates of the catalogue.

    Each month's count is divided by the population of its year (the value of that year, or
    the latest earlier one; the earliest one for months before any) and multiplied by
    ``multiplier``. Returns ``period``, ``value``, ``numerator`` (count) and ``denominator``.
    """
    if population.empty:
        raise ValueError("no population values to divide the monthly counts by")
    pops = population[["period", "value"]].astype({"period": int}).sort_values("period")
    years = counts["period"].str[:4].astype(int).to_numpy()
    position = np.searchsorted(pops["period"].to_numpy(), years, side="right") - 1
    denominator = pops["value"].to_numpy(float)[np.clip(position, 0, None)]
    factor = float(multiplier) if multiplier and np.isfinite(multiplier) else 1.0
    return pd.DataFrame({
        "period": counts["period"].to_numpy(),
        "value": counts["count"].to_numpy(float) / denominator * factor,
        "numerator": counts["count"].to_numpy(float),
        "denominator": denominator,
    })


def gap_history(area: pd.DataFrame, comparator: pd.DataFrame) -> pd.DataFrame:
    """The gap (area minus comparator) in every period both have: ``period``, ``value``,
    ``area_value``, ``comparator_value``, ``flag`` (``[e]`` where either value is estimated)."""
    merged = area[["period", "value", "flag"]].merge(
        comparator[["period", "value", "flag"]], on="period", suffixes=("_area", "_comparator"))
    flags = np.where((merged["flag_area"] == "[e]") | (merged["flag_comparator"] == "[e]"),
                     "[e]", "")
    return pd.DataFrame({
        "period": merged["period"].to_numpy(),
        "value": (merged["value_area"] - merged["value_comparator"]).to_numpy(float),
        "area_value": merged["value_area"].to_numpy(float),
        "comparator_value": merged["value_comparator"].to_numpy(float),
        "flag": flags,
    })


def _preferred_scale(indicator: Mapping[str, Any], is_gap: bool) -> tuple[str, float]:
    """The scale that suits the measure: ``identity`` for gaps and scores, ``logit`` (100) for
    percentages, ``log`` for rates and counts."""
    if is_gap:
        return "identity", 1.0
    unit = str(indicator.get("unit", "")).strip().lower()
    method = str(indicator.get("method", ""))
    if unit == "%":
        return "logit", 100.0
    if method in ("annual_rate", "count", "monthly_count", "ratio") or unit.startswith("per "):
        return "log", 1.0
    return "identity", 1.0


def _outside(scale: str, values: pd.Series) -> pd.Series:
    """Which values the scale cannot take (zero or below for the log; 0% or 100% and beyond
    for the logit)."""
    numbers = pd.to_numeric(values, errors="coerce")
    if scale == "log":
        return numbers <= 0
    if scale == "logit":
        return numbers.notna() & ~numbers.between(0, 100, inclusive="neither")
    return pd.Series(False, index=values.index)


def choose_scale(indicator: Mapping[str, Any], values: pd.Series, is_gap: bool
                 ) -> tuple[str, float]:
    """The model scale and the logit's 100%: ``identity`` for gaps and scores, ``logit`` (100) for
    percentages, ``log`` for rates and counts -- and ``identity`` when a value is outside what
    that scale allows (a month with no crime, a share of 0%)."""
    scale, proportion_max = _preferred_scale(indicator, is_gap)
    if _outside(scale, values).any():
        return "identity", 1.0
    return scale, proportion_max


def scale_fallback(indicator: Mapping[str, Any], history: pd.DataFrame, is_gap: bool
                   ) -> tuple[str, str, float] | None:
    """Why :func:`choose_scale` fell back to ``identity`` for a history: ``(preferred scale,
    first period outside it, its value)``; ``None`` when it did not."""
    scale, _ = _preferred_scale(indicator, is_gap)
    outside = _outside(scale, history["value"])
    if not outside.any():
        return None
    first = outside.to_numpy().argmax()
    return scale, str(history["period"].iloc[first]), float(history["value"].iloc[first])


@dataclass(frozen=True, eq=False)
class TargetSeries:
    """A target resolved to the series it is judged on.

    Attributes
    ----------
    target
        The register entry.
    indicator
        Catalogue row of the target's indicator (``title``, ``unit``, ``polarity`` ...).
    area_name, comparator_name
        Plain names (comparator ``None`` unless a gap target).
    comparator
        Canonical comparator area (``rest-<d>``, a district, the county, ``england``) or None.
    annual
        Yearly series: ``period``, ``value`` (+ ``numerator``, ``denominator``, ``flag``; gap
        targets: ``area_value``, ``comparator_value``).
    monthly
        Monthly series (crime rates): ``period`` ('YYYY-MM'), ``value`` (+ ``numerator``,
        ``denominator``; gaps: ``area_value``, ``comparator_value``), or None.
    comparator_annual, comparator_monthly
        The comparator's own series (gap targets).
    frequency
        The series forecast: ``'monthly'`` or ``'annual'``.
    scale, proportion_max
        Model scale.
    baseline_value, target_value
        In the series' units (the gap for gap targets).
    estimated_periods
        Years of ``annual`` whose value is estimated (``[e]``: converted from another LSOA
        vintage).
    mixes_editions
        Whether the values are scores of Index of Deprivation editions (several years apart, only
        broadly comparable).
    scale_fallback
        When the forecast is on the values themselves because a value is outside the scale that
        suits the measure: ``(that scale, the first such period, its value)``
        (:func:`scale_fallback`); else ``None``.
    """

    target: Target
    indicator: Mapping[str, Any]
    area_name: str
    comparator: str | None
    comparator_name: str | None
    annual: pd.DataFrame
    monthly: pd.DataFrame | None
    comparator_annual: pd.DataFrame | None
    comparator_monthly: pd.DataFrame | None
    frequency: str
    scale: str
    proportion_max: float
    baseline_value: float
    target_value: float
    estimated_periods: tuple[int, ...] = field(default_factory=tuple)
    mixes_editions: bool = False
    scale_fallback: tuple[str, str, float] | None = None

    @property
    def history(self) -> pd.DataFrame:
        """The series the forecast is fitted to."""
        return self.monthly if self.frequency == "monthly" else self.annual

    @property
    def is_gap(self) -> bool:
        return self.target.kind == "gap_reduction"

    @property
    def unit(self) -> str:
        """The unit of the target value (the indicator's unit; gaps are in the same unit)."""
        return str(self.indicator.get("unit", ""))

    @property
    def measure(self) -> str:
        """What the value measures, in plain English (starts in lower case)."""
        title = _lower_first(str(self.indicator.get("title", self.target.indicator)))
        if self.is_gap:
            return f"gap in {title} between {self.area_name} and {self.comparator_name}"
        return f"{title} in {self.area_name}"

    @property
    def axis_label(self) -> str:
        """Short y-axis title with the unit."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.is_gap:
            return f"Gap{unit}"
        return f"{self.indicator.get('title', self.target.indicator)}{unit}"

    def latest_twelve_months(self) -> tuple[str, float, float] | None:
        """``(label, x position, value)`` of the 12 months to the latest month when it is not a
        calendar year (monthly series only), for charts."""
        if self.monthly is None or len(self.monthly) < 12:
            return None
        last = pd.Period(self.monthly["period"].iloc[-1], freq="M")
        if last.month == 12:
            return None
        value = float(self.monthly["value"].iloc[-12:].sum())
        return (f"12 months to {last.strftime('%B %Y')}", last.year + last.month / 12 - 0.5,
                value)


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("IMD score" stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _fail(file: Any, target: Target, message: str) -> InputError:
    return InputError(file, f"target '{target.id}': {message}")


def _comparator_area(target: Target, data: AreaData, file: Any) -> str | None:
    if target.kind != "gap_reduction":
        return None
    if target.comparator == "rest_of_district":
        if target.area_kind != "priority_neighbourhoods":
            raise _fail(file, target, "comparator rest_of_district is available for "
                        "priority_neighbourhoods:<district> areas only; name the district or the "
                        "county as the comparator instead")
        return REST + target.area[len(PRIORITY_PREFIX):]
    if target.comparator == "england":
        return data.config.england.code
    return target.comparator


def _series_for(area: str, indicator: Mapping[str, Any], data: AreaData,
                observations: pd.DataFrame | None, population_id: str | None
                ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Annual and (for crime rates) monthly series of one area."""
    rows = area_rows(area, data)
    annual = annual_history(rows, str(indicator["id"]))
    monthly = None
    if (indicator.get("method") == "annual_rate" and observations is not None
            and population_id is not None and CRIME_VARIABLE in str(indicator.get("numerator"))):
        lsoas = area_lsoas(area, data)
        counts = monthly_counts(observations, str(indicator["numerator"]), lsoas) \
            if lsoas else pd.DataFrame(columns=["period", "count"])
        population = annual_history(rows, population_id)
        if len(counts) and len(population):
            monthly = monthly_rates(counts, population, float(indicator.get("multiplier") or 1))
    return annual, monthly


def _population_indicator(indicator: Mapping[str, Any], catalogue: pd.DataFrame) -> str | None:
    """The catalogue indicator that holds the rate's denominator as a count (population_total)."""
    denominator = str(indicator.get("denominator") or "").strip()
    if not denominator or denominator == "nan":
        return None
    found = catalogue[(catalogue["method"].isin(["count", "value"]))
                      & (catalogue["numerator"].astype(str).str.strip() == denominator)]
    return str(found["id"].iloc[0]) if len(found) else None


def _baseline_value(annual: pd.DataFrame, target: Target, file: Any) -> float:
    """The series' value in the target's baseline year (an error naming the years there are)."""
    at_baseline = annual.loc[annual["period"] == target.baseline_year, "value"]
    if at_baseline.empty:
        years = ", ".join(str(p) for p in annual["period"])
        raise _fail(file, target, f"no value of '{target.indicator}' for the baseline period "
                    f"{target.baseline_period} (years with data: {years})")
    return float(at_baseline.iloc[0])


def target_value_of(target: Target, baseline_value: float) -> float:
    """The value a target asks for, in the series' units, from its baseline value."""
    sign = -1.0 if target.direction == "decrease" else 1.0
    if target.kind == "absolute":
        return resolve_target_value("absolute", baseline_value, target.amount)
    if target.kind == "relative_change":
        return resolve_target_value("relative_change", baseline_value,
                                    sign * target.amount / 100.0)
    return resolve_target_value("gap_reduction", baseline_value, target.amount / 100.0)


def resolve_target(
    target: Target,
    data: AreaData,
    observations: pd.DataFrame | None = None,
    *,
    file: str | Path | None = None,
) -> TargetSeries:
    """Resolve one target to its history series, comparator, scale and target value.

    Parameters
    ----------
    target
        A register entry.
    data
        The district's prepared data.
    observations
        ``crime_count`` observations (:data:`CRIME_VARIABLE`) for the monthly series of
        crime rates; without them crime targets fall back to their two yearly values.
    file
        The targets register, named in errors.

    Raises
    ------
    InputError
        Naming the target: its area (or comparator) has no data for its indicator, there is no
        value at the baseline period, or a comparator cannot be used.
    """
    file = file or data.config.config_file("targets") or data.config.path
    catalogue = data.catalogue.set_index("id", drop=False)
    if target.indicator not in catalogue.index:
        raise _fail(file, target, f"indicator '{target.indicator}' is not in the catalogue")
    indicator = catalogue.loc[target.indicator].to_dict()
    population_id = _population_indicator(indicator, data.catalogue)

    area_annual, area_monthly = _series_for(target.area, indicator, data, observations,
                                            population_id)
    if area_annual.empty:
        raise _fail(file, target, f"area '{target.area_label}' has no data for indicator "
                    f"'{target.indicator}' (expected yearly values in the store or the "
                    "locality rows; run `python -m pipeline localities` after the ingest)")
    comparator = _comparator_area(target, data, file)
    comparator_annual = comparator_monthly = None
    annual, monthly = area_annual, area_monthly
    if comparator is not None:
        comparator_annual, comparator_monthly = _series_for(comparator, indicator, data,
                                                            observations, population_id)
        if comparator_annual.empty:
            raise _fail(file, target, f"comparator {area_label(comparator, data)} has no data "
                        f"for indicator '{target.indicator}'")
        annual = gap_history(area_annual, comparator_annual)
        monthly = (gap_history(area_monthly.assign(flag=""), comparator_monthly.assign(flag=""))
                   if area_monthly is not None and comparator_monthly is not None else None)

    baseline_value = _baseline_value(annual, target, file)
    target_value = target_value_of(target, baseline_value)

    estimated = tuple(int(p) for p in annual.loc[annual["flag"] == "[e]", "period"])
    mixes_editions = bool(str(indicator.get("method")) == "value"
                          and re.search(r"imd|score", target.indicator))
    monthly_ok = monthly is not None and can_forecast(monthly, "monthly")[0]
    frequency = "monthly" if monthly_ok else "annual"
    history = monthly if monthly_ok else annual  # the series forecast decides the scale
    scale, proportion_max = choose_scale(indicator, history["value"], comparator is not None)
    fallback = scale_fallback(indicator, history, comparator is not None)
    return TargetSeries(
        target=target, indicator=indicator, area_name=area_label(target.area, data),
        comparator=comparator,
        comparator_name=area_label(comparator, data) if comparator else None,
        annual=annual, monthly=monthly if monthly_ok else None,
        comparator_annual=comparator_annual,
        comparator_monthly=comparator_monthly if monthly_ok else None,
        frequency=frequency, scale=scale, proportion_max=proportion_max,
        baseline_value=baseline_value, target_value=float(target_value),
        estimated_periods=estimated, mixes_editions=mixes_editions, scale_fallback=fallback,
    )


def resolve_targets(targets: Sequence[Target], data: AreaData,
                    observations: pd.DataFrame | None = None) -> list[TargetSeries]:
    """:func:`resolve_target` for each target, in order."""
    return [resolve_target(t, data, observations) for t in targets]

