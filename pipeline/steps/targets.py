"""Step 3 on the real data: each target's history and its forecast.

The statistical cores live in :mod:`pipeline.steps.forecast` and :mod:`pipeline.steps.appraisal`;
this module wires them to the store, the localities and the registers of a district.

Which series a target is judged on
----------------------------------
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

Models: annual series get a straight-line trend (OLS, t prediction intervals, at least 3 points).
Monthly crime series get the *mean-reverting* seasonal model of :func:`fit_and_project`: the
shipped months (Dec 2019 - Oct 2022) are mostly COVID-19 months, and a model that lets the trend
drift (a local linear trend) turns their ups and downs into 2026 intervals of, e.g., 22 to 548,510
burglaries. The mean-reverting model projects no trend (it keeps the series around its
average, with the ups and downs seen) and its long-horizon intervals stay bounded; the trend seen
is reported beside it, and every forecast is shown with its backtest.

Option appraisal (step 4) is in :mod:`pipeline.steps.appraisal_district`.

Page helpers (the ``*_intro``, ``*_key_messages``, ``*_facts``, ``*_table`` and ``*_downloads``
functions) turn the results into the plain-English text and labelled tables the notebooks show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.context import PN_ALL, REST, AreaData
from pipeline.errors import InputError
from pipeline.indicators import parse_terms
from pipeline.io import write_json
from pipeline.localities import slug
from pipeline.paths import PROCESSED_DIR
from pipeline.registers import (
    PRIORITY_PREFIX,
    KnownIds,
    Registers,
    Target,
    load_registers,
)
from pipeline.stats.disclosure import suppress_small_numbers
from pipeline.steps.forecast import (
    Backtest,
    Projection,
    assess_target,
    backtest,
    can_forecast,
    fit_and_project,
    resolve_target_value,
    target_trajectory,
)

#: Work folder of a district's run under the processed-data folder (as the batch runner uses).
WORK_DIRNAME = "runs"
FORECAST_VERDICTS_FILE = "forecast_verdicts.json"
#: The crime observations monthly series are built from.
CRIME_VARIABLE = "crime_count"
#: Held-back months of a monthly backtest (at most; at least MIN_HOLDOUT_MONTHS).
HOLDOUT_MONTHS = 11
MIN_HOLDOUT_MONTHS = 6
#: The monthly model used for targets (see the module docstring).
MONTHLY_MODEL = "mean_reverting"
#: Statuses beyond the forecast's on track / at risk / off track.
MET, NOT_MET, NOT_FORECAST = "met", "not met", "not forecast"
STATUS_ORDER = ("off track", "at risk", "on track", NOT_MET, MET, NOT_FORECAST)

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


# --------------------------------------------------------------------------------------------
# Reading the registers (edge)
# --------------------------------------------------------------------------------------------


def known_ids(data: AreaData) -> KnownIds:
    """What register entries may refer to: the catalogue, districts, county and localities."""
    return KnownIds.of(
        indicators=data.catalogue["id"],
        districts={d.code: d.name for d in data.config.districts},
        localities=data.localities["locality_id"],
        county={data.config.county.code: data.config.county.name},
    )


def load_area_registers(data: AreaData) -> Registers | None:
    """The targets, options and appraisal registers named in area.yaml, checked.

    Returns ``None`` when area.yaml names none of them (a partnership without targets yet).

    Raises
    ------
    InputError
        Only some of the three are named, or a register fails its checks.
    """
    paths = {key: data.config.config_file(key) for key in ("targets", "options", "appraisal")}
    given = [key for key, path in paths.items() if path is not None]
    if not given:
        return None
    if len(given) < 3:
        missing = ", ".join(k for k in paths if paths[k] is None)
        raise InputError(data.config.path, f"names the {', '.join(given)} register(s) but not "
                         f"{missing}: steps 3-5 need all three (targets, options, appraisal)")
    return load_registers(paths["targets"], paths["options"], paths["appraisal"], known_ids(data))


def load_crime_observations(processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The ``crime_count`` observations (LSOA x month x crime type) the monthly series use."""
    folder = Path(processed_dir) if processed_dir else PROCESSED_DIR
    path = folder / "observations.parquet"
    if not path.exists():
        raise InputError(path, "observations have not been ingested yet "
                               "(run `python -m pipeline ingest` first)")
    return pd.read_parquet(path, filters=[("variable", "==", CRIME_VARIABLE)])


def output_folder(output_dir: str | Path, processed_dir: str | Path, district_name: str) -> Path:
    """The notebook's work folder: ``output_dir``, or ``<processed>/runs/<district-slug>``."""
    if output_dir:
        return Path(output_dir)
    return (Path(processed_dir) if processed_dir else PROCESSED_DIR) / WORK_DIRNAME / \
        slug(district_name)


def area_name_of(data: AreaData, district: str) -> str:
    """The plain name of the pack's area (a district or the county), from its code or name."""
    if district.strip().lower() in (data.config.county.code.lower(),
                                    data.config.county.name.lower()):
        return data.config.county.name
    return data.config.district(district).name


def area_code_of(data: AreaData, district: str) -> str:
    """The GSS code of the pack's area (a district or the county), from its code or name."""
    if district.strip().lower() in (data.config.county.code.lower(),
                                    data.config.county.name.lower()):
        return data.config.county.code
    return data.config.district(district).code


# --------------------------------------------------------------------------------------------
# Which targets concern a district
# --------------------------------------------------------------------------------------------


def target_district(target: Target, localities: pd.DataFrame) -> str | None:
    """The district a target's area lies in (``None`` for a county-wide target)."""
    if target.area_kind == "district":
        return target.area
    if target.area_kind == "priority_neighbourhoods":
        return target.area[len(PRIORITY_PREFIX):]
    if target.area_kind == "locality":
        found = localities.loc[localities["locality_id"] == target.area, "lad_code"]
        return str(found.iloc[0]) if len(found) else None
    return None


def district_targets(
    targets: Sequence[Target], district_code: str, county_code: str, localities: pd.DataFrame
) -> list[Target]:
    """The targets that concern a district: its own (the district, one of its localities, its
    priority neighbourhoods) and county-wide ones, own first. For the county: every target.

    Parameters
    ----------
    targets
        The targets register.
    district_code
        The district's code, or the county code for the county overview.
    county_code
        The county's code.
    localities
        The locality summary (``locality_id``, ``lad_code``).
    """
    if district_code == county_code:
        return list(targets)
    own = [t for t in targets if target_district(t, localities) == district_code]
    county = [t for t in targets if t.area_kind == "county"]
    return own + county


def is_own_target(target: Target, district_code: str, localities: pd.DataFrame) -> bool:
    """Whether a target belongs to the district itself (rather than the whole county)."""
    return target_district(target, localities) == district_code


# --------------------------------------------------------------------------------------------
# Areas: names, rows and LSOAs
# --------------------------------------------------------------------------------------------


def area_label(area: str, data: AreaData) -> str:
    """Plain-English name of a canonical area (district, county, locality, priority
    neighbourhoods, ``rest-<district>``, ``england``)."""
    districts = {d.code: d.name for d in data.config.districts}
    if area == data.config.county.code:
        return data.config.county.name
    if area in (data.config.england.code, "england"):
        return data.config.england.name
    if area in districts:
        return districts[area]
    if area.startswith(PRIORITY_PREFIX):
        code = area[len(PRIORITY_PREFIX):]
        return f"{districts.get(code, code)}'s priority neighbourhoods"
    if area.startswith(REST):
        code = area[len(REST):]
        return f"the rest of {districts.get(code, code)}"
    found = data.localities.loc[data.localities["locality_id"] == area, "name"]
    return str(found.iloc[0]) if len(found) else area


def area_rows(area: str, data: AreaData) -> pd.DataFrame:
    """The indicator rows of a canonical area: the store for districts, the county and England,
    the locality rows for localities, ``priority_neighbourhoods:<d>`` (``pn-all-<d>``) and
    ``rest-<d>``."""
    store = data.store
    if area == data.config.county.code:
        return store[(store["area_type"] == "CTY") & (store["area_code"] == area)]
    if area in (data.config.england.code, "england"):
        return store[(store["area_type"] == "ENG") & (store["area_code"] == data.config.england.code)]
    if area in {d.code for d in data.config.districts}:
        return store[(store["area_type"] == "LAD") & (store["area_code"] == area)]
    code = PN_ALL + area[len(PRIORITY_PREFIX):] if area.startswith(PRIORITY_PREFIX) else area
    rows = data.locality_rows
    return rows[rows["area_code"] == code]


def area_lsoas(area: str, data: AreaData) -> list[str]:
    """The LSOAs (working vintage) of a canonical area, sorted; empty for England."""
    lsoas, membership = data.lsoas, data.membership
    if area == data.config.county.code:
        codes = lsoas["lsoa_code"]
    elif area in {d.code for d in data.config.districts}:
        codes = lsoas.loc[lsoas["lad_code"] == area, "lsoa_code"]
    elif area.startswith(PRIORITY_PREFIX):
        lad = area[len(PRIORITY_PREFIX):]
        codes = membership.loc[(membership["type"] == "priority_neighbourhood")
                               & (membership["lad_code"] == lad), "lsoa_code"]
    elif area.startswith(REST):
        lad = area[len(REST):]
        pn = set(membership.loc[membership["type"] == "priority_neighbourhood", "lsoa_code"])
        codes = lsoas.loc[(lsoas["lad_code"] == lad) & ~lsoas["lsoa_code"].isin(pn), "lsoa_code"]
    else:
        codes = membership.loc[membership["locality_id"] == area, "lsoa_code"]
    return sorted(set(codes))


def area_membership(data: AreaData) -> pd.DataFrame:
    """Every canonical area a register can name, as ``area`` x ``lsoa_code`` rows: the county,
    each district, each locality, each ``priority_neighbourhoods:<d>`` and ``rest-<d>``, and
    ``priority_neighbourhoods:*`` (every priority neighbourhood of the county)."""
    lsoas, membership = data.lsoas, data.membership
    pn = membership[membership["type"] == "priority_neighbourhood"]
    is_pn = lsoas["lsoa_code"].isin(pn["lsoa_code"])
    frames = [
        pd.DataFrame({"area": data.config.county.code, "lsoa_code": lsoas["lsoa_code"]}),
        pd.DataFrame({"area": lsoas["lad_code"], "lsoa_code": lsoas["lsoa_code"]}),
        membership[["locality_id", "lsoa_code"]].rename(columns={"locality_id": "area"}),
        pd.DataFrame({"area": PRIORITY_PREFIX + pn["lad_code"], "lsoa_code": pn["lsoa_code"]}),
        pd.DataFrame({"area": PRIORITY_PREFIX + "*", "lsoa_code": pn["lsoa_code"]}),
        pd.DataFrame({"area": REST + lsoas.loc[~is_pn, "lad_code"],
                      "lsoa_code": lsoas.loc[~is_pn, "lsoa_code"]}),
    ]
    out = pd.concat(frames, ignore_index=True).drop_duplicates()
    return out.sort_values(["area", "lsoa_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Series
# --------------------------------------------------------------------------------------------


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


def choose_scale(indicator: Mapping[str, Any], values: pd.Series, is_gap: bool
                 ) -> tuple[str, float]:
    """The model scale and the logit's 100%: ``identity`` for gaps and scores, ``logit`` (100) for
    percentages, ``log`` for rates and counts (``identity`` if a value is zero or below)."""
    if is_gap:
        return "identity", 1.0
    unit = str(indicator.get("unit", "")).strip().lower()
    method = str(indicator.get("method", ""))
    positive = bool((pd.to_numeric(values, errors="coerce").dropna() > 0).all())
    if unit == "%":
        inside = bool(pd.to_numeric(values, errors="coerce").dropna().between(0, 100,
                                                                                inclusive="neither").all())
        return ("logit", 100.0) if inside else ("identity", 1.0)
    if (method in ("annual_rate", "count", "monthly_count", "ratio") or unit.startswith("per ")) \
            and positive:
        return "log", 1.0
    return "identity", 1.0


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
    series_note
        Plain English: which series is used and why.
    notes
        Other caveats (estimated values, editions ...).
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
    series_note: str
    notes: tuple[str, ...] = field(default_factory=tuple)

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
        ``crime_count`` observations (:func:`load_crime_observations`) for the monthly series of
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

    baseline_year = target.baseline_year
    at_baseline = annual.loc[annual["period"] == baseline_year, "value"]
    if at_baseline.empty:
        years = ", ".join(str(p) for p in annual["period"])
        raise _fail(file, target, f"no value of '{target.indicator}' for the baseline period "
                    f"{target.baseline_period} (years with data: {years})")
    baseline_value = float(at_baseline.iloc[0])

    sign = -1.0 if target.direction == "decrease" else 1.0
    if target.kind == "absolute":
        target_value = resolve_target_value("absolute", baseline_value, target.amount)
    elif target.kind == "relative_change":
        target_value = resolve_target_value("relative_change", baseline_value,
                                            sign * target.amount / 100.0)
    else:
        target_value = resolve_target_value("gap_reduction", baseline_value, target.amount / 100.0)

    scale, proportion_max = choose_scale(indicator, annual["value"], comparator is not None)
    title = str(indicator.get("title", target.indicator))
    notes: list[str] = []
    estimated = annual.loc[annual["flag"] == "[e]", "period"].tolist()
    if estimated:
        notes.append("Values for " + ", ".join(map(str, estimated)) + " are estimated [e]: "
                     "converted from another set of small areas (LSOA vintage).")
    if str(indicator.get("method")) == "value" and re.search(r"imd|score", target.indicator):
        notes.append("Index of Deprivation editions are several years apart and each describes "
                     "the years before it; scores from different editions are only broadly "
                     "comparable.")

    monthly_ok = monthly is not None and can_forecast(monthly, "monthly")[0]
    frequency = "monthly" if monthly_ok else "annual"
    n_years = len(annual)
    if frequency == "monthly":
        first, last = monthly["period"].iloc[0], monthly["period"].iloc[-1]
        series_note = (
            f"The yearly {_lower_first(title)} figures cover only {n_years} complete calendar year"
            f"{'s' if n_years != 1 else ''} ({', '.join(map(str, annual['period']))}), too few "
            f"to forecast, so the forecast uses the {len(monthly)} monthly values {first} to "
            f"{last} (police.uk recorded crime summed over the area's small areas, divided by "
            "the population), whose calendar-year totals are the yearly figures."
        )
    else:
        span = f"{annual['period'].iloc[0]} to {annual['period'].iloc[-1]}"
        series_note = (f"The forecast uses the {n_years} yearly value"
                       f"{'s' if n_years != 1 else ''} {span}"
                       + (f" ({', '.join(map(str, annual['period']))})" if n_years <= 8 else "")
                       + ".")
    return TargetSeries(
        target=target, indicator=indicator, area_name=area_label(target.area, data),
        comparator=comparator,
        comparator_name=area_label(comparator, data) if comparator else None,
        annual=annual, monthly=monthly if monthly_ok else None,
        comparator_annual=comparator_annual,
        comparator_monthly=comparator_monthly if monthly_ok else None,
        frequency=frequency, scale=scale, proportion_max=proportion_max,
        baseline_value=baseline_value, target_value=float(target_value),
        series_note=series_note, notes=tuple(notes),
    )


def resolve_targets(targets: Sequence[Target], data: AreaData,
                    observations: pd.DataFrame | None = None) -> list[TargetSeries]:
    """:func:`resolve_target` for each target, in order."""
    return [resolve_target(t, data, observations) for t in targets]


# --------------------------------------------------------------------------------------------
# Forecasts against targets (step 3)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TargetForecast:
    """A target's forecast, verdict and backtest.

    ``status`` is ``on track`` / ``at risk`` / ``off track`` for a forecast, ``met`` /
    ``not met`` when the target year has already been observed, ``not forecast`` when the series
    is too short. ``assessment`` is :func:`assess_target`'s dict (forecasts only).
    """

    series: TargetSeries
    status: str
    probability: float
    message: str
    projection: Projection | None = None
    assessment: Mapping[str, Any] | None = None
    backtest: Backtest | None = None
    trajectory: pd.Series | None = None
    observed_value: float | None = None
    reason: str = ""
    trust: str = ""
    trust_text: str = ""

    @property
    def target(self) -> Target:
        return self.series.target

    @property
    def forecast(self) -> bool:
        """Whether the target is judged on a projection (and can be appraised in step 4)."""
        return self.projection is not None


def _fmt(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.3g}'):g}"


def trust_rating(test: Backtest | None, frequency: str) -> tuple[str, str]:
    """How far to trust a forecast, from its backtest: ``(rating, plain sentence)``.

    ``reasonable`` when the held-back values were forecast within 15% on average and at least
    80% fell inside the 95% interval; ``low`` when the error was above 30% or under 60% fell
    inside; ``moderate`` otherwise; ``not tested`` without a backtest.
    """
    if test is None:
        return "not tested", ("The series is too short to hold values back and test the model, "
                              "so there is no check of how well it forecasts: treat the "
                              "projection as a rough guide only.")
    share = test.inside.get(0.95, 0) / max(len(test.points), 1)
    error = test.mean_absolute_percentage_error
    if np.isfinite(error) and error <= 15 and share >= 0.8:
        rating = "reasonable"
    elif (np.isfinite(error) and error > 30) or share < 0.6:
        rating = "low"
    else:
        rating = "moderate"
    inside = test.inside.get(0.95, 0)
    accuracy = (f"its forecasts of the {len(test.points)} held-back "
                f"{'months' if frequency == 'monthly' else 'years'} were off by "
                + (f"{error:.0f}% on average" if np.isfinite(error) else
                   f"{_fmt(test.mean_absolute_error)} on average")
                + f", and {inside} of {len(test.points)} fell inside the 95% prediction interval")
    extra = ""
    if frequency == "monthly":
        extra = (" The monthly data cover December 2019 to October 2022, much of it under "
                 "COVID-19 restrictions, so no model can tell a lasting trend from the "
                 "pandemic's effects: the projection assumes no lasting trend, and the trend "
                 "seen is shown beside it for comparison.")
    return rating, f"Trust in this forecast: {rating} ({accuracy}).{extra}"


def forecast_target(series: TargetSeries, *, n_draws: int = 2000, seed: int = 0) -> TargetForecast:
    """Forecast a target's series to its target year and judge it (or report why not).

    Monthly series: the seasonal mean-reverting model, simulated and summed to calendar years;
    annual series: a straight-line trend. The backtest holds back the last 6-11 months (monthly)
    or the last year (annual). When the target year has already been observed the outcome is
    reported instead (``met`` / ``not met``).

    Parameters
    ----------
    series
        From :func:`resolve_target`.
    n_draws, seed
        Simulation draws and seed (the appraisal settings' ``draws`` and ``seed``, so that step 4
        starts from the same futures).
    """
    target = series.target
    annual = series.annual
    unit = series.unit
    trajectory_years = list(range(target.baseline_year, target.target_year + 1))
    trajectory = target_trajectory(target.baseline_year, series.baseline_value,
                                   target.target_year, series.target_value, trajectory_years)
    observed = annual.loc[annual["period"] == target.target_year, "value"]
    last_year = int(annual["period"].iloc[-1])
    if not observed.empty or (series.frequency == "annual" and target.target_year <= last_year):
        if observed.empty:
            return TargetForecast(series=series, status=NOT_FORECAST, probability=np.nan,
                                  message=f"There is no value for the target year "
                                          f"{target.target_year}, so the target cannot be judged.",
                                  trajectory=trajectory, reason="no value for the target year")
        value = float(observed.iloc[0])
        met = value <= series.target_value if target.direction == "decrease" \
            else value >= series.target_value
        status = MET if met else NOT_MET
        verb = "fall" if target.direction == "decrease" else "rise"
        flag = annual.loc[annual["period"] == target.target_year, "flag"].iloc[0]
        flag_text = " (estimated [e])" if flag == "[e]" else ""
        message = (
            f"{status[0].upper()}{status[1:]}: the {target.target_year} value is already "
            f"known{flag_text}: {_fmt(value)} {unit} against a target to {verb} to "
            f"{_fmt(series.target_value)} (from {_fmt(series.baseline_value)} in "
            f"{target.baseline_period}), so no forecast is needed."
        )
        return TargetForecast(series=series, status=status, probability=1.0 if met else 0.0,
                              message=message, trajectory=trajectory, observed_value=value,
                              reason="the target year has been observed", trust="observed",
                              trust_text="The outcome is observed, not forecast.")

    history = series.history
    ok, reason = can_forecast(history, series.frequency)
    if not ok:
        return TargetForecast(
            series=series, status=NOT_FORECAST, probability=np.nan, trajectory=trajectory,
            message=f"Not forecast: {reason}. The target is still monitored against its "
                    "trajectory as new data arrive.", reason=reason,
            trust="not tested", trust_text="No forecast was made.")

    kwargs: dict[str, Any] = {"scale": series.scale, "frequency": series.frequency,
                              "proportion_max": series.proportion_max}
    if series.frequency == "monthly":
        kwargs.update(seasonal=True, monthly_model=MONTHLY_MODEL, annual_aggregation="sum")
    projection = fit_and_project(history, target.target_year, n_draws=n_draws,
                                 random_state=seed, **kwargs)
    assessment = assess_target(projection, series.target_value, target.direction,
                               target_period=target.target_year, unit=unit)
    test = None
    n = int(history["value"].notna().sum())
    if series.frequency == "monthly":
        holdout = min(HOLDOUT_MONTHS, n - 24)
        if holdout >= MIN_HOLDOUT_MONTHS:
            test = backtest(history, holdout, **kwargs)
    elif n - 1 >= 3:
        test = backtest(history, 1, **kwargs)
    trust, trust_text = trust_rating(test, series.frequency)
    return TargetForecast(
        series=series, status=str(assessment["status"]),
        probability=float(assessment["probability"]), message=str(assessment["message"]),
        projection=projection, assessment=assessment, backtest=test, trajectory=trajectory,
        trust=trust, trust_text=trust_text,
    )


def forecast_targets(series: Sequence[TargetSeries], *, n_draws: int = 2000, seed: int = 0
                     ) -> list[TargetForecast]:
    """:func:`forecast_target` for each resolved target, in order."""
    return [forecast_target(s, n_draws=n_draws, seed=seed) for s in series]


def forecast_summary(forecasts: Sequence[TargetForecast]) -> pd.DataFrame:
    """One row per target for the board's summary table (and the download).

    Columns: target_id, target, area, measure, unit, baseline_period, baseline_value,
    target_period, target_value, latest_period, latest_value, projected (central),
    lower_95, upper_95, gap_at_target (central - target), rate_needed, rate_seen, rate_unit,
    probability, status, trust, series_used, illustrative.
    """
    rows = []
    for f in forecasts:
        t, s, a = f.target, f.series, f.assessment or {}
        latest_period = a.get("latest_period", s.annual["period"].iloc[-1])
        latest_value = a.get("latest_value", s.annual["value"].iloc[-1])
        lower = upper = np.nan
        if f.projection is not None:
            lower, upper = (float(v) for v in f.projection.predictive.quantile([0.025, 0.975]))
        central = float(a["central"]) if a else (f.observed_value if f.observed_value is not None
                                                 else np.nan)
        rows.append({
            "target_id": t.id, "target": t.title, "area": s.area_name,
            "measure": s.measure[:1].upper() + s.measure[1:], "unit": s.unit,
            "baseline_period": str(t.baseline_period), "baseline_value": s.baseline_value,
            "target_period": str(t.target_period), "target_value": s.target_value,
            "latest_period": str(latest_period), "latest_value": float(latest_value),
            "projected": central, "lower_95": lower, "upper_95": upper,
            "gap_at_target": central - s.target_value if np.isfinite(central) else np.nan,
            "rate_needed": float(a.get("rate_needed", np.nan)),
            "rate_seen": float(a.get("rate_seen", np.nan)),
            "rate_unit": str(a.get("rate_unit", "")),
            "probability": f.probability, "status": f.status, "trust": f.trust,
            "series_used": ("monthly" if s.frequency == "monthly" else "yearly"),
            "illustrative": bool(t.illustrative),
        })
    columns = ["target_id", "target", "area", "measure", "unit", "baseline_period",
               "baseline_value", "target_period", "target_value", "latest_period", "latest_value",
               "projected", "lower_95", "upper_95", "gap_at_target", "rate_needed", "rate_seen",
               "rate_unit", "probability", "status", "trust", "series_used", "illustrative"]
    return pd.DataFrame(rows, columns=columns)


def history_table(series: TargetSeries, min_count: int = 5) -> pd.DataFrame:
    """The yearly history behind a target, disclosure-controlled, for display and download:
    ``period``, ``value`` (the series; the gap for gap targets), area and comparator values,
    ``numerator``, ``denominator``, ``flag``."""
    table = series.annual.copy()
    for column in ("numerator", "denominator", "area_value", "comparator_value"):
        if column not in table:
            table[column] = np.nan
    table["flag"] = table["flag"].fillna("")
    if series.is_gap:
        return table[["period", "value", "area_value", "comparator_value", "numerator",
                      "denominator", "flag"]]
    return suppress_small_numbers(table, min_count, count_columns="numerator",
                                  dependent_columns="value")[
        ["period", "value", "area_value", "comparator_value", "numerator", "denominator", "flag"]]


def projection_table(forecast: TargetForecast) -> pd.DataFrame:
    """The projection of a target by year, beside the straight-line trajectory: ``period``,
    ``central``, ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``, ``trajectory``."""
    if forecast.projection is None:
        return pd.DataFrame(columns=["period", "central", "lower_80", "upper_80", "lower_95",
                                     "upper_95", "trajectory"])
    frame = forecast.projection.projection.copy()
    trajectory = forecast.trajectory if forecast.trajectory is not None else pd.Series(dtype=float)
    frame["trajectory"] = frame["period"].map(trajectory.to_dict())
    return frame


def verdicts(forecasts: Sequence[TargetForecast]) -> list[dict[str, Any]]:
    """The verdict of each target for the pack's front page:
    ``target_id``, ``title``, ``status``, ``probability`` (None where not forecast), ``message``."""
    return [{
        "target_id": f.target.id, "title": f.target.title, "status": f.status,
        "probability": round(float(f.probability), 4) if np.isfinite(f.probability) else None,
        "message": f.message,
    } for f in forecasts]


def write_verdicts(items: Sequence[Mapping[str, Any]], output_dir: str | Path,
                   file_name: str = FORECAST_VERDICTS_FILE) -> Path:
    """Write ``{"verdicts": [...]}`` atomically to ``output_dir/file_name``."""
    return write_json({"verdicts": list(items)}, Path(output_dir) / file_name)


def status_counts(forecasts: Sequence[TargetForecast]) -> dict[str, int]:
    """How many targets have each status, in :data:`STATUS_ORDER`."""
    found = [f.status for f in forecasts]
    return {s: found.count(s) for s in STATUS_ORDER if s in found}


# --------------------------------------------------------------------------------------------
# A district's targets, ready for the pages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DistrictTargets:
    """The targets of one district (or the county) with their forecasts.

    ``registers`` is ``None`` when area.yaml names no registers; ``own`` says for each target
    whether it is the district's own (True) or county-wide (False).
    """

    area_code: str
    area_name: str
    registers: Registers | None
    forecasts: list[TargetForecast]
    own: list[bool]

    @property
    def targets(self) -> list[Target]:
        return [f.target for f in self.forecasts]

    @property
    def has_targets(self) -> bool:
        return bool(self.forecasts)

    @property
    def illustrative(self) -> bool:
        return any(t.illustrative for t in self.targets)


def forecast_district(data: AreaData, district: str, processed_dir: str | Path | None = None
                      ) -> DistrictTargets:
    """Load the registers, pick the targets that concern ``district`` (a district or the county)
    and forecast each one, with the appraisal settings' draws and seed.

    The crime observations are read from ``processed_dir`` only when a target needs them.
    """
    code, name = area_code_of(data, district), area_name_of(data, district)
    registers = load_area_registers(data)
    if registers is None:
        return DistrictTargets(code, name, None, [], [])
    targets = district_targets(registers.targets, code, data.config.county.code, data.localities)
    needs_months = any(str(data.catalogue.set_index("id").loc[t.indicator, "method"])
                       == "annual_rate" for t in targets)
    observations = load_crime_observations(processed_dir) if needs_months else None
    series = resolve_targets(targets, data, observations)
    forecasts = forecast_targets(series, n_draws=registers.appraisal.draws,
                                 seed=registers.appraisal.seed)
    own = [is_own_target(t, code, data.localities) or code == data.config.county.code
           for t in targets]
    return DistrictTargets(code, name, registers, forecasts, own)


def chart_id(prefix: str, target_id: str) -> str:
    """A chart id for a target's chart (lower case, digits, '-' and '_'; at most 63 chars)."""
    text = re.sub(r"[^a-z0-9_-]+", "-", f"{prefix}-{target_id}".lower()).strip("-")
    return text[:63] if text[:1].isalpha() else ("c-" + text)[:63]


def _percent(p: float) -> str:
    if not np.isfinite(p):
        return "not estimated"
    if p < 0.005:
        return "less than 1%"
    if p > 0.995:
        return "more than 99%"
    return f"{int(np.floor(100 * p + 0.5))}%"


def _rate_text(value: float, unit: str, measure_unit: str) -> str:
    if not np.isfinite(value):
        return "not estimated"
    direction = "a fall" if value < 0 else "a rise"
    if unit == "% per year":
        return f"{direction} of {abs(value):.1f}% a year"
    return f"{direction} of {_fmt(abs(value))} {measure_unit} a year".replace("  ", " ")


def targets_intro(district: DistrictTargets) -> str:
    """Plain-English opening: which targets concern the area (or that none do)."""
    if district.registers is None:
        return (f"There are no targets for {district.area_name}: the area settings "
                "(config/area.yaml) name no targets register. Add the targets, options and "
                "appraisal registers to forecast against targets.")
    if not district.has_targets:
        return (f"There are no targets for {district.area_name} in the targets register: "
                "nothing to forecast against. Targets are set by the partnership in the "
                "targets register (an area can be a district, the county, a locality or a "
                "district's priority neighbourhoods).")
    own = sum(district.own)
    county = len(district.own) - own
    parts = []
    if own:
        parts.append(f"{own} target{'s' if own != 1 else ''} of {district.area_name}'s own")
    else:
        parts.append(f"{district.area_name} has no targets of its own")
    if county:
        parts.append(f"{county} county-wide target{'s' if county != 1 else ''} that cover"
                     f"{'s' if county == 1 else ''} it")
    return (f"This page looks at {' and '.join(parts)}. For each one it projects the indicator "
            "to the target date with a range of likely values, sets it against the straight "
            "line from the baseline to the target (the trajectory), and says how likely the "
            "target is to be met and how far to trust the forecast.")


def forecast_key_messages(forecasts: Sequence[TargetForecast]) -> list[str]:
    """One sentence per target, the most worrying first: status, chance and trust."""
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    messages = []
    for f in sorted(forecasts, key=lambda f: (order.get(f.status, 99), f.target.id)):
        title = f.target.title
        if f.forecast:
            messages.append(
                f"{title}: {f.status}; chance of meeting the target by "
                f"{f.target.target_period}: {_percent(f.probability)} (trust in the forecast: "
                f"{f.trust}).")
        elif f.status in (MET, NOT_MET):
            messages.append(f"{title}: {f.status} — the {f.target.target_period} value is "
                            "already known.")
        else:
            messages.append(f"{title}: not forecast — {f.reason}.")
    return messages


def target_description(forecast: TargetForecast) -> str:
    """Markdown paragraph: what the target is, who owns it, which series is used."""
    t, s = forecast.target, forecast.series
    unit = f" {s.unit}" if s.unit else ""
    return (
        f"**What is measured:** {s.measure} ({s.unit}). **Baseline** {t.baseline_period}: "
        f"{_fmt(s.baseline_value)}{unit}. **Target** {t.target_period}: "
        f"{_fmt(s.target_value)}{unit}. **Accountable:** {t.theme_partnership}.\n\n"
        f"**Series used:** {s.series_note}"
        + ("".join(f" {n}" for n in s.notes))
    )


def forecast_facts(forecast: TargetForecast) -> pd.DataFrame:
    """The verdict of one target as label/value rows (text), for a two-column table."""
    f, s, t = forecast, forecast.series, forecast.target
    unit = f" {s.unit}" if s.unit else ""
    rows: list[tuple[str, str]] = [("Status", f.status)]
    if f.forecast:
        a = f.assessment or {}
        lower, upper = (float(v) for v in f.projection.predictive.quantile([0.025, 0.975]))
        rows += [
            ("Chance of meeting the target", _percent(f.probability)),
            (f"Projected value in {t.target_period}",
             f"{_fmt(a['central'])}{unit} (95% prediction interval {_fmt(lower)} to "
             f"{_fmt(upper)})"),
            ("Target value", f"{_fmt(s.target_value)}{unit}"),
            (f"Gap at {t.target_period} (projected minus target)",
             f"{_fmt(a['gap'])}{unit} (95% prediction interval {_fmt(a['gap_lower_95'])} to "
             f"{_fmt(a['gap_upper_95'])})"),
            (f"Change needed each year from {a['latest_period']}",
             _rate_text(a["rate_needed"], a["rate_unit"], s.unit)),
            ("Change seen in the data each year",
             _rate_text(a["rate_seen"], a["rate_unit"], s.unit)),
            ("How far to trust the forecast", f.trust),
        ]
        if f.backtest is not None:
            rows.append(("Backtest (values held back and forecast)", f.backtest.summary))
    else:
        rows += [("Target value", f"{_fmt(s.target_value)}{unit}")]
        if f.observed_value is not None:
            rows.append((f"Value in {t.target_period}", f"{_fmt(f.observed_value)}{unit}"))
        rows.append(("Why there is no forecast", f.reason or "not forecast"))
    return pd.DataFrame(rows, columns=["item", "value"])


def chart_summary(forecast: TargetForecast) -> str:
    """The text summary under a target's forecast chart."""
    f, t, s = forecast, forecast.target, forecast.series
    first, last = int(s.annual["period"].iloc[0]), int(s.annual["period"].iloc[-1])
    if f.forecast:
        return (f"{s.measure[:1].upper() + s.measure[1:]}, recorded {first} to {last} and "
                f"projected to {t.target_period}, with the straight line from the baseline to "
                f"the target. {f.message}")
    return (f"{s.measure[:1].upper() + s.measure[1:]}, recorded {first} to {last}, with the "
            f"straight line from the baseline to the target. {f.message}")


def summary_display(forecasts: Sequence[TargetForecast]) -> pd.DataFrame:
    """The summary table of all targets with text cells (each row has its own unit)."""
    table = forecast_summary(forecasts)
    out = pd.DataFrame({
        "target": table["target"],
        "baseline": [f"{_fmt(v)} ({p})" for v, p in zip(table["baseline_value"],
                                                         table["baseline_period"])],
        "target_value": [f"{_fmt(v)} ({p})" for v, p in zip(table["target_value"],
                                                            table["target_period"])],
        "projected": [(f"{_fmt(c)} ({_fmt(lo)} to {_fmt(hi)})" if np.isfinite(lo) else
                       (f"{_fmt(c)} (observed)" if np.isfinite(c) else "not forecast"))
                      for c, lo, hi in zip(table["projected"], table["lower_95"],
                                           table["upper_95"])],
        "unit": table["unit"],
        "probability": [_percent(p) for p in table["probability"]],
        "status": table["status"], "trust": table["trust"],
        "series_used": table["series_used"],
    })
    return out


def forecast_downloads(forecasts: Sequence[TargetForecast], data: AreaData,
                       min_count: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables behind the forecast page, with readable column names: the summary of all
    targets, and every target's recorded values, projection and trajectory by year (counts
    below ``min_count`` suppressed [c])."""
    summary = forecast_summary(forecasts).rename(columns={
        "target_id": "Target id", "target": "Target", "area": "Area", "measure": "Measure",
        "unit": "Unit", "baseline_period": "Baseline period", "baseline_value": "Baseline value",
        "target_period": "Target period", "target_value": "Target value",
        "latest_period": "Latest period", "latest_value": "Latest value",
        "projected": "Projected value at target period (central)",
        "lower_95": "95% prediction interval: lower", "upper_95": "95% prediction interval: upper",
        "gap_at_target": "Gap at target period (projected minus target)",
        "rate_needed": "Annual change needed", "rate_seen": "Annual change seen",
        "rate_unit": "Unit of annual change", "probability": "Probability of meeting the target",
        "status": "Status", "trust": "Trust in the forecast", "series_used": "Series forecast",
        "illustrative": "Illustrative target"})
    frames = []
    for f in forecasts:
        t = f.target
        history = history_table(f.series, min_count).rename(columns={"value": "recorded"})
        projection = projection_table(f)
        years = sorted(set(history["period"]) | set(projection["period"].astype(int))
                       | set(f.trajectory.dropna().index.astype(int) if f.trajectory is not None
                             else []))
        frame = pd.DataFrame({"period": years})
        frame = frame.merge(history[["period", "recorded", "area_value", "comparator_value",
                                     "numerator", "denominator", "flag"]], on="period", how="left")
        frame = frame.merge(projection.drop(columns=["trajectory"]), on="period", how="left")
        trajectory = f.trajectory if f.trajectory is not None else pd.Series(dtype=float)
        frame["trajectory"] = frame["period"].map(trajectory.to_dict())
        frame.insert(0, "target_id", t.id)
        frame.insert(1, "area_code", t.area)
        frame.insert(2, "area_name", f.series.area_name)
        frame.insert(3, "measure", f.series.measure)
        frame.insert(4, "unit", f.series.unit)
        frame.insert(5, "comparator", f.series.comparator_name or "")
        frame["flag"] = frame["flag"].fillna("").astype(str)
        numeric = [c for c in frame.columns if c not in ("target_id", "area_code", "area_name",
                                                          "measure", "unit", "comparator",
                                                          "period", "flag")]
        frame[numeric] = frame[numeric].astype(float)
        frames.append(frame)
    columns = ["target_id", "area_code", "area_name", "measure", "unit", "comparator", "period",
               "recorded", "area_value", "comparator_value", "numerator", "denominator", "flag",
               "central", "lower_80", "upper_80",
               "lower_95", "upper_95", "trajectory"]
    series = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns))
    series = series.reindex(columns=columns)
    series["flag"] = series["flag"].fillna("")
    series = series.rename(columns={
        "target_id": "Target id", "area_code": "Area code", "area_name": "Area",
        "measure": "Measure", "unit": "Unit", "comparator": "Comparator (gap targets)",
        "period": "Year", "recorded": "Recorded value",
        "area_value": "Area's own value (gap targets)",
        "comparator_value": "Comparator's value (gap targets)",
        "numerator": "Count (numerator)", "denominator": "Denominator", "flag": "Flag",
        "central": "Projection (central)", "lower_80": "80% prediction interval: lower",
        "upper_80": "80% prediction interval: upper",
        "lower_95": "95% prediction interval: lower", "upper_95": "95% prediction interval: upper",
        "trajectory": "Target trajectory"})
    return summary, series


METHOD_NOTE = (
    "How the forecasts were made. Crime targets: the yearly police.uk figures cover only two "
    "complete calendar years (2020 and 2021), too few to forecast, so each is forecast from its "
    "monthly values (December 2019 to October 2022) with a seasonal time-series model on the "
    "logarithm of the monthly rate (gaps: on the difference itself). The model keeps the series "
    "around its average level with the ups and downs seen so far and projects no lasting trend: "
    "a model that lets the trend drift turned the COVID-19 months into ranges such as 22 to "
    "548,510 burglaries a year by 2026, which say nothing useful. Thousands of simulated "
    "futures are added up over each calendar year, so the yearly ranges carry the uncertainty "
    "of every month. Other targets: a straight-line trend through the yearly values (at least "
    "three), with ranges from the scatter around it. The chance of meeting a target is the "
    "share of simulated futures that meet it: on track from 75%, off track below 25%, at risk "
    "in between. Each forecast was also tested by holding back its latest values (the last 11 "
    "months, or the last year), forecasting them from the rest and comparing. On simulated "
    "series like these, the 95% ranges held the true value 92-95% of the time: if anything they "
    "are slightly too narrow, because the model treats its own estimated settings as known."
)
