"""Step 5, the action plan: who does what, where, with what resources, by when; the milestones
along each target's trajectory; how progress is reported; and whether a gap remains.

The plan is built from a package of options: by default the best package of the option
appraisal (step 4, which always holds the options the partnership has agreed), or only the
options marked ``agreed: true`` in the options register. Step 5 recomputes the appraisal with
the same seeded functions as step 4 (:func:`pipeline.steps.targets.appraise_options`), so both
pages show the same numbers without passing files between them.

Milestones: Local Area Agreements report every six months, so the plan has a review at the end of
June and of December of each year from the plan's start to the target year. The milestone at a
review is the value on the straight-line trajectory from the baseline (taken as the end of the
baseline year) to the target (the end of the target year): for a yearly indicator it is read as
the value over the 12 months to the review. Beside it, the value expected with the plan and
without it (the median re-forecast; a June review takes the midpoint of the two calendar years
it straddles).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pipeline.context import AreaData
from pipeline.io import write_atomic, write_json
from pipeline.localities import slug
from pipeline.registers import BAU_ID, PRIORITY_PREFIX
from pipeline.reporting.pack import FIXED_DATE, deterministic_zip
from pipeline.steps.forecast import classify_probability, target_trajectory
from pipeline.steps.targets import (
    DistrictAppraisal,
    TargetForecast,
    TargetScenarios,
    area_label,
    target_scenarios,
)

RESIDUAL_VERDICTS_FILE = "residual_verdicts.json"
PACKAGE_CHOICES = ("best", "agreed")
REVIEW_MONTHS = (6, 12)
MONTH_NAMES = {6: "June", 12: "December"}
BOARD = "the Local Strategic Partnership board"
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# --------------------------------------------------------------------------------------------
# The package
# --------------------------------------------------------------------------------------------


def chosen_package(appraisal: DistrictAppraisal, choice: str = "best") -> list[str]:
    """The options the plan is built from (bau included), in the options' order.

    Parameters
    ----------
    appraisal
        Step 4's appraisal of the district.
    choice
        ``'best'``: the appraisal's best package within the budget (agreed options always in);
        ``'agreed'``: only the options marked ``agreed: true`` in the register.

    Raises
    ------
    ValueError
        An unknown choice, or ``'agreed'`` when no option besides business as usual is agreed.
    """
    if choice not in PACKAGE_CHOICES:
        raise ValueError(f"package must be one of {', '.join(PACKAGE_CHOICES)}, not {choice!r}")
    if choice == "best":
        return list(appraisal.package)
    agreed = [o for o in appraisal.options.index if bool(appraisal.options.loc[o, "agreed"])]
    if not [o for o in agreed if o != BAU_ID]:
        raise ValueError("no option besides business as usual is marked 'agreed: true' in the "
                         "options register: use package='best'")
    return agreed


# --------------------------------------------------------------------------------------------
# Milestones
# --------------------------------------------------------------------------------------------


def review_months(start_year: int, end_year: int) -> list[str]:
    """Six-monthly reviews (end of June and of December) from ``start_year`` to ``end_year``,
    as ``'YYYY-MM'``."""
    if int(end_year) < int(start_year):
        raise ValueError(f"the plan ends ({end_year}) before it starts ({start_year})")
    return [f"{year}-{month:02d}" for year in range(int(start_year), int(end_year) + 1)
            for month in REVIEW_MONTHS]


def review_label(month: str) -> str:
    """``'2024-06'`` -> ``'June 2024'``."""
    year, number = month.split("-")
    return f"{MONTH_NAMES.get(int(number), number)} {year}"


def milestones(
    baseline_year: int,
    baseline_value: float,
    target_year: int,
    target_value: float,
    start_year: int,
    yearly_with_plan: pd.Series | None = None,
    yearly_without_plan: pd.Series | None = None,
) -> pd.DataFrame:
    """The milestones of one target at each six-monthly review.

    Parameters
    ----------
    baseline_year, baseline_value, target_year, target_value
        The target: the trajectory runs from the end of the baseline year to the end of the
        target year.
    start_year
        The plan's first year (reviews start in its June).
    yearly_with_plan, yearly_without_plan
        Optional calendar-year values (observed or median re-forecast) indexed by year.

    Returns
    -------
    pandas.DataFrame
        ``review`` ('YYYY-MM'), ``review_label`` ('June 2024'), ``milestone`` (on the
        trajectory), ``with_plan``, ``without_plan`` (NaN where not given). Reviews outside the
        baseline..target span are left out.
    """
    months = review_months(max(int(start_year), int(baseline_year)), int(target_year))
    line = target_trajectory(f"{int(baseline_year)}-12", baseline_value,
                             f"{int(target_year)}-12", target_value, months)
    frame = pd.DataFrame({"review": months, "review_label": [review_label(m) for m in months],
                          "milestone": line.to_numpy(float)})
    for column, yearly in (("with_plan", yearly_with_plan), ("without_plan", yearly_without_plan)):
        frame[column] = [_at_review(yearly, month) for month in months]
    return frame[frame["milestone"].notna()].reset_index(drop=True)


def _at_review(yearly: pd.Series | None, month: str) -> float:
    """A calendar-year series at a review: the year's value in December, the midpoint of the
    previous and the current year in June."""
    if yearly is None or yearly.empty:
        return np.nan
    year, number = int(month[:4]), int(month[5:])
    values = {int(k): float(v) for k, v in yearly.items()}
    if number == 12:
        return values.get(year, np.nan)
    if year in values and year - 1 in values:
        return (values[year - 1] + values[year]) / 2
    return np.nan


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def _area_text(area: str, data: AreaData) -> str:
    if area.startswith(PRIORITY_PREFIX):
        lad = area[len(PRIORITY_PREFIX):]
        names = data.localities.loc[(data.localities["lad_code"] == lad)
                                    & (data.localities["type"] == "priority_neighbourhood"),
                                    "name"]
        listed = "; ".join(sorted(names))
        return f"{area_label(area, data)} ({listed})" if listed else area_label(area, data)
    return area_label(area, data)


def plan_table(
    appraisal: DistrictAppraisal,
    package: Sequence[str],
    forecasts: Sequence[TargetForecast],
    data: AreaData,
) -> pd.DataFrame:
    """The action plan: one row per action of the package (business as usual left out).

    Columns: option_id, action, description, targets (titles of the district's targets it
    serves, ``; ``-joined), lead_partner, theme_partnership, localities, set_up_cost,
    running_cost_per_year, start, end, reporting, evidence, illustrative.
    ``end`` is the latest target year of the targets the action serves.
    """
    options = appraisal.options
    by_id = {f.target.id: f.target for f in forecasts}
    rows = []
    for option_id in package:
        if option_id == BAU_ID:
            continue
        option = options.loc[option_id]
        served = [by_id[t] for t in option["targets"] if t in by_id]
        areas = list(option["applies_to"]) or list(dict.fromkeys(t.area for t in served))
        themes = list(dict.fromkeys(t.theme_partnership for t in served))
        end = max([t.target_year for t in served], default=int(option["start_year"]))
        rows.append({
            "option_id": option_id, "action": option["title"],
            "description": option["description"],
            "targets": "; ".join(t.title for t in served),
            "lead_partner": option["lead_partner"], "theme_partnership": "; ".join(themes),
            "localities": "; ".join(_area_text(a, data) for a in areas),
            "set_up_cost": float(option["cost_one_off"]),
            "running_cost_per_year": float(option["cost_per_year"]),
            "start": int(option["start_year"]), "end": max(end, int(option["start_year"])),
            "reporting": (f"Every six months (June and December) to {' and '.join(themes)} "
                          f"and {BOARD}" if themes else f"Every six months to {BOARD}"),
            "evidence": int(option["evidence_strength"]),
            "illustrative": bool(option["illustrative"]),
        })
    columns = ["option_id", "action", "description", "targets", "lead_partner",
               "theme_partnership", "localities", "set_up_cost", "running_cost_per_year", "start",
               "end", "reporting", "evidence", "illustrative"]
    return pd.DataFrame(rows, columns=columns)


def resources_by_year(plan: pd.DataFrame) -> pd.DataFrame:
    """Resources each action needs in each year of the plan (pounds, today's prices): the
    set-up cost in the start year plus the running cost every year from start to end.

    Returns one row per action (``action``, ``lead_partner``, one column per year, ``total``)
    and a final ``Total`` row.
    """
    if plan.empty:
        return pd.DataFrame(columns=["action", "lead_partner", "total"])
    years = list(range(int(plan["start"].min()), int(plan["end"].max()) + 1))
    year_array = np.asarray(years)[None, :]
    start = plan["start"].to_numpy(int)[:, None]
    end = plan["end"].to_numpy(int)[:, None]
    running = np.where((year_array >= start) & (year_array <= end),
                       plan["running_cost_per_year"].to_numpy(float)[:, None], 0.0)
    once = np.where(year_array == start, plan["set_up_cost"].to_numpy(float)[:, None], 0.0)
    costs = pd.DataFrame(running + once, columns=[str(y) for y in years])
    table = pd.concat([plan[["action", "lead_partner"]].reset_index(drop=True), costs], axis=1)
    table["total"] = costs.sum(axis=1).to_numpy()
    total = {"action": "Total", "lead_partner": "",
             **{c: float(table[c].sum()) for c in [*costs.columns, "total"]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Is there still a gap?
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ResidualGap:
    """One target re-forecast with the package: the summary row, milestones and verdict."""

    forecast: TargetForecast
    scenarios: TargetScenarios | None
    summary: Mapping[str, Any]
    milestones: pd.DataFrame
    status: str
    probability: float
    message: str


def _fmt(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.3g}'):g}"


def _chance(p: float) -> str:
    if p < 0.005:
        return "less than 1%"
    if p > 0.995:
        return "more than 99%"
    return f"about {int(np.floor(100 * p + 0.5))}%"


def residual_gaps(
    appraisal: DistrictAppraisal | None,
    package: Sequence[str],
    forecasts: Sequence[TargetForecast],
    start_year: int,
) -> list[ResidualGap]:
    """Re-forecast every target with the package applied: the gap left, its probability and a
    plain-English verdict (targets without a forecast get their step 3 verdict and trajectory
    milestones only).

    Parameters
    ----------
    appraisal
        Step 4's appraisal (``None`` when nothing could be appraised).
    package
        Option ids applied together.
    forecasts
        The district's target forecasts (step 3).
    start_year
        The plan's first year (for the milestones).
    """
    out = []
    for forecast in forecasts:
        series, target = forecast.series, forecast.target
        unit = f" {series.unit}" if series.unit else ""
        observed = series.annual.set_index("period")["value"]
        scenarios = appraisal.targets.get(target.id) if appraisal is not None else None
        if scenarios is None:
            table = milestones(target.baseline_year, series.baseline_value, target.target_year,
                               series.target_value, start_year)
            reason = ("its outcome is already known" if forecast.status in ("met", "not met")
                      else "it has no forecast")
            message = (f"{forecast.message} No action can be appraised against it because "
                       f"{reason}.")
            out.append(ResidualGap(forecast, None, {}, table, forecast.status,
                                   forecast.probability, message))
            continue
        with_package = target_scenarios(
            forecast, appraisal.options, appraisal.effect_draws, scenarios.reach,
            appraisal.overlap, appraisal.settings,
            packages={"package": [o for o in package if o in appraisal.options.index]})
        gap = with_package.gap
        row = gap.loc["package"]
        base = gap.loc[BAU_ID]
        medians = {name: pd.Series(np.median(values, axis=0), index=with_package.years)
                   for name, values in with_package.draws.items() if name in ("package", BAU_ID)}
        yearly_with = pd.concat([observed[~observed.index.isin(with_package.years)],
                                 medians["package"]]).sort_index()
        yearly_without = pd.concat([observed[~observed.index.isin(with_package.years)],
                                    medians[BAU_ID]]).sort_index()
        table = milestones(target.baseline_year, series.baseline_value, target.target_year,
                           series.target_value, start_year, yearly_with, yearly_without)
        probability = float(row["p_meet"])
        status = classify_probability(probability)
        central_with = float(medians["package"].iloc[-1])
        central_without = float(medians[BAU_ID].iloc[-1])
        verb = "fall" if target.direction == "decrease" else "rise"
        if probability >= 0.75:
            verdict = "the plan is likely to close the gap"
        elif probability >= 0.25:
            verdict = "a gap may well remain: the plan gives an even-ish chance at best"
        else:
            verdict = "a gap is likely to remain even with the plan"
        message = (
            f"{status[0].upper()}{status[1:]} with the plan: {verdict}. The projection for "
            f"{target.target_year} is {_fmt(central_with)}{unit} with the plan and "
            f"{_fmt(central_without)}{unit} without it, against a target to {verb} to "
            f"{_fmt(series.target_value)}{unit}. The chance of meeting the target goes from "
            f"{_chance(float(base['p_meet']))} to {_chance(probability)}; the expected shortfall "
            f"left is {_fmt(float(row['gap']))}{unit} (it was {_fmt(float(base['gap']))}{unit})."
        )
        summary = {
            "target_id": target.id, "target": target.title, "target_period": target.target_year,
            "target_value": series.target_value, "without_plan": central_without,
            "with_plan": central_with, "shortfall_without_plan": float(base["gap"]),
            "shortfall_with_plan": float(row["gap"]),
            "p_meet_without_plan": float(base["p_meet"]), "p_meet_with_plan": probability,
            "status": status, "unit": series.unit,
        }
        out.append(ResidualGap(forecast, with_package, summary, table, status, probability,
                               message))
    return out


def residual_table(gaps: Sequence[ResidualGap]) -> pd.DataFrame:
    """One row per target: target, target value, projections without and with the plan, the
    expected shortfall left and the chance of meeting the target, status."""
    rows = []
    for g in gaps:
        t, s = g.forecast.target, g.forecast.series
        summary = dict(g.summary)
        rows.append({
            "target_id": t.id, "target": t.title, "unit": s.unit,
            "target_period": str(t.target_period), "target_value": s.target_value,
            "without_plan": summary.get("without_plan", np.nan),
            "with_plan": summary.get("with_plan", np.nan),
            "shortfall_without_plan": summary.get("shortfall_without_plan", np.nan),
            "shortfall_with_plan": summary.get("shortfall_with_plan", np.nan),
            "p_meet_without_plan": summary.get("p_meet_without_plan", g.probability),
            "p_meet_with_plan": summary.get("p_meet_with_plan", g.probability),
            "status": g.status,
        })
    return pd.DataFrame(rows, columns=["target_id", "target", "unit", "target_period",
                                       "target_value", "without_plan", "with_plan",
                                       "shortfall_without_plan", "shortfall_with_plan",
                                       "p_meet_without_plan", "p_meet_with_plan", "status"])


def residual_verdicts(gaps: Sequence[ResidualGap]) -> list[dict[str, Any]]:
    """``target_id``, ``title``, ``status``, ``probability`` (None where not forecast),
    ``message`` per target, for the pack's front page."""
    return [{
        "target_id": g.forecast.target.id, "title": g.forecast.target.title, "status": g.status,
        "probability": round(float(g.probability), 4) if np.isfinite(g.probability) else None,
        "message": g.message,
    } for g in gaps]


def write_residual_verdicts(items: Sequence[Mapping[str, Any]], output_dir: str | Path) -> Path:
    """Write ``{"verdicts": [...]}`` to ``output_dir/residual_verdicts.json`` (atomically)."""
    return write_json({"verdicts": list(items)}, Path(output_dir) / RESIDUAL_VERDICTS_FILE)


def plan_start_year(appraisal: DistrictAppraisal | None, package: Sequence[str],
                    default: int) -> int:
    """The first year of the plan: the earliest start of its actions (else ``default``)."""
    if appraisal is None:
        return int(default)
    starts = [int(appraisal.options.loc[o, "start_year"]) for o in package
              if o != BAU_ID and o in appraisal.options.index]
    return min(starts) if starts else int(default)


# --------------------------------------------------------------------------------------------
# The Excel workbook
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetTable:
    """One sheet of the workbook: a title, notes above the table, the table with its column
    headers and Excel number formats, and label/value rows below it."""

    name: str
    title: str
    table: pd.DataFrame
    headers: Mapping[str, str]
    formats: Mapping[str, str]
    notes: Sequence[str] = ()
    footer: Sequence[tuple[str, Any, str]] = ()  # (label, value, number format)


def workbook_file_name(district_name: str) -> str:
    """``action_plan_<district-slug>.xlsx``."""
    return f"action_plan_{slug(district_name)}.xlsx"


def _sheet_name(name: str, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub("_", name).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _excel_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def workbook_bytes(sheets: Sequence[SheetTable], *, title: str) -> bytes:
    """A formatted workbook: per sheet a bold title, notes, a bold header row frozen with the
    rows above it, column widths fitted to the contents, number formats per column, and
    label/value rows under the table. Byte-identical for equal input."""
    if not sheets:
        raise ValueError("the workbook needs at least one sheet")
    wb = Workbook()
    wb.properties.creator = "pipeline"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = FIXED_DATE
    wb.remove(wb.active)
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    taken: set[str] = set()
    for sheet in sheets:
        missing = [c for c in sheet.headers if c not in sheet.table.columns]
        if missing:
            raise ValueError(f"sheet '{sheet.name}': column '{missing[0]}' is not in its table")
        ws = wb.create_sheet(_sheet_name(sheet.name, taken))
        ws.append([sheet.title])
        ws["A1"].font = Font(bold=True, size=14)
        for note in sheet.notes:
            ws.append([note])
        ws.append([])
        columns = list(sheet.headers)
        ws.append([sheet.headers[c] for c in columns])
        header_row = ws.max_row  # (an empty row has no cells, so count from the header itself)
        for cell in ws[header_row]:
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for record in sheet.table[columns].itertuples(index=False, name=None):
            ws.append([_excel_value(v) for v in record])
        first_data = header_row + 1
        last_data = ws.max_row
        for i, column in enumerate(columns, start=1):
            fmt = sheet.formats.get(column)
            if fmt:
                for row in range(first_data, last_data + 1):
                    ws.cell(row=row, column=i).number_format = fmt
            texts = [str(sheet.headers[column])] + [
                str(v) for v in sheet.table[column].head(500) if v is not None]
            width = max(len(t) for t in texts) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, width), 60)
            if width > 60:
                for row in range(first_data, last_data + 1):
                    ws.cell(row=row, column=i).alignment = Alignment(wrap_text=True,
                                                                      vertical="top")
        ws.freeze_panes = f"A{first_data}"
        if sheet.footer:
            ws.append([])
            for label, value, fmt in sheet.footer:
                ws.append([label, _excel_value(value)])
                ws.cell(row=ws.max_row, column=1).font = bold
                if fmt:
                    ws.cell(row=ws.max_row, column=2).number_format = fmt
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return deterministic_zip(buffer.getvalue())


def write_workbook(sheets: Sequence[SheetTable], path: str | Path, *, title: str) -> Path:
    """Write :func:`workbook_bytes` to ``path`` atomically."""
    data = workbook_bytes(sheets, title=title)
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def value_format(values: Sequence[float] | pd.Series) -> str:
    """An Excel number format that suits the size of the values: no decimals from 100, one
    from 10, two below."""
    finite = [abs(float(v)) for v in values if v is not None and np.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest >= 100:
        return "#,##0"
    if largest >= 10:
        return "#,##0.0"
    return "#,##0.00"


def plan_sheets(
    plan: pd.DataFrame,
    resources: pd.DataFrame,
    gaps: Sequence[ResidualGap],
    *,
    district_name: str,
    illustrative: bool,
) -> list[SheetTable]:
    """The sheets of the action-plan workbook: the plan, resources by year, and one sheet per
    target (milestones, then the residual gap)."""
    note = ("ILLUSTRATIVE: the targets, options, costs and effects in this plan are examples "
            "from the shipped registers, not agreed figures." if illustrative else "")
    notes = [n for n in (note,) if n]
    money = "£#,##0"
    sheets = [SheetTable(
        name="Action plan", title=f"{district_name}: action plan",
        table=plan, notes=notes + [f"Progress on every action is reported every six months "
                                   f"(June and December) to its theme partnership and {BOARD}."],
        headers={"action": "Action", "targets": "Target(s) it serves",
                 "lead_partner": "Accountable lead partner",
                 "theme_partnership": "Theme partnership", "localities": "Where (localities)",
                 "set_up_cost": "Set-up cost (£, start year)",
                 "running_cost_per_year": "Running cost (£ a year)", "start": "Start",
                 "end": "End", "reporting": "How progress is reported"},
        formats={"set_up_cost": money, "running_cost_per_year": money, "start": "0",
                 "end": "0"},
    )]
    year_columns = [c for c in resources.columns if re.fullmatch(r"\d{4}", str(c))]
    sheets.append(SheetTable(
        name="Resources by year", title=f"{district_name}: resources by year (£, today's prices)",
        table=resources, notes=notes,
        headers={"action": "Action", "lead_partner": "Lead partner",
                 **{c: c for c in year_columns}, "total": "Total"},
        formats={**{c: money for c in year_columns}, "total": money},
    ))
    for g in gaps:
        t, s = g.forecast.target, g.forecast.series
        unit = s.unit or "value"
        fmt = value_format(list(g.milestones["milestone"]) + [s.target_value, s.baseline_value])
        summary = dict(g.summary)
        footer: list[tuple[str, Any, str]] = [
            ("Target value", s.target_value, fmt),
            ("Status with the plan", g.status, ""),
        ]
        if summary:
            footer += [
                (f"Projected {t.target_year} without the plan", summary["without_plan"], fmt),
                (f"Projected {t.target_year} with the plan", summary["with_plan"], fmt),
                ("Expected shortfall without the plan", summary["shortfall_without_plan"], fmt),
                ("Expected shortfall with the plan", summary["shortfall_with_plan"], fmt),
                ("Chance of meeting the target without the plan",
                 summary["p_meet_without_plan"], "0%"),
                ("Chance of meeting the target with the plan", summary["p_meet_with_plan"],
                 "0%"),
            ]
        sheets.append(SheetTable(
            name=f"Target {t.id}", title=t.title,
            table=g.milestones,
            notes=notes + [f"Measure: {s.measure} ({unit}). Baseline {t.baseline_period}: "
                           f"{_fmt(s.baseline_value)}; target {t.target_period}: "
                           f"{_fmt(s.target_value)}.", g.message],
            headers={"review_label": "Six-monthly review",
                     "milestone": f"Milestone on the trajectory ({unit})",
                     "with_plan": f"Expected with the plan ({unit})",
                     "without_plan": f"Expected without the plan ({unit})"},
            formats={"milestone": fmt, "with_plan": fmt, "without_plan": fmt},
            footer=footer,
        ))
    return sheets


# --------------------------------------------------------------------------------------------
# Page text
# --------------------------------------------------------------------------------------------


def action_plan_intro(area_name: str, has_targets: bool, appraisal: DistrictAppraisal | None,
                      choice: str) -> str:
    """Plain-English opening of the action-plan page (or why there is no plan)."""
    if not has_targets:
        return (f"There are no targets for {area_name}, so there is no action plan on this "
                "page.")
    if appraisal is None:
        return (f"No option could be appraised against the targets that concern {area_name} "
                "(their outcomes are already known or they cannot be forecast), so the plan "
                "below only sets out the milestones along each target's trajectory.")
    source = ("the best package of the option appraisal (step 4), which always includes the "
              "options the partnership has already agreed" if choice == "best" else
              "the options the partnership has agreed (marked agreed in the options register)")
    return (f"The plan is built from {source}. For each action it names the accountable lead "
            "partner and theme partnership, where it happens, the resources it needs each year "
            "and its timescale; for each target it sets six-monthly milestones along the "
            "trajectory and asks the question of step 5: with these actions, is there still a "
            "gap?")


def action_plan_key_messages(gaps: Sequence[ResidualGap], plan: pd.DataFrame) -> list[str]:
    """One sentence per target on the residual gap, then the plan's size and cost."""
    messages = []
    for g in gaps:
        title = g.forecast.target.title
        if g.scenarios is None:
            messages.append(f"{title}: {g.status}; no action is appraised against it.")
            continue
        s = g.summary
        messages.append(
            f"{title}: {g.status} with the plan; chance of meeting the target "
            f"{_chance(s['p_meet_without_plan']).replace('about ', '')} without it and "
            f"{_chance(s['p_meet_with_plan']).replace('about ', '')} with it.")
    if not plan.empty:
        first_years = plan["set_up_cost"].sum()
        messages.append(
            f"The plan has {len(plan)} action{'s' if len(plan) != 1 else ''} led by "
            f"{plan['lead_partner'].nunique()} partner"
            f"{'s' if plan['lead_partner'].nunique() != 1 else ''}: £{first_years:,.0f} of set-up "
            f"costs and £{plan['running_cost_per_year'].sum():,.0f} a year of running costs.")
    return messages


def monitoring_text(area_name: str) -> str:
    """How progress is monitored and reported."""
    return (f"Progress is reported every six months, at the end of June and of December, by "
            f"each action's lead partner to its theme partnership and to {BOARD}, as Local Area "
            "Agreements require. Each report compares the latest value of each target's "
            "indicator (over the 12 months to the review) with the milestone below, and says "
            "whether each action has started, is on budget and is reaching the places named in "
            f"the plan. The milestones for {area_name} follow.")


def download_note(file_name: str) -> str:
    """Where the Excel version of the plan is."""
    return (f"The action plan is also an Excel workbook, {file_name}, with the plan, the "
            "resources by year and one sheet per target (its milestones and the gap left). It is "
            "written to this district's run folder beside the pack; the same tables are among "
            "the pack's downloads (CSV and the district workbook).")


# --------------------------------------------------------------------------------------------
# The whole plan of a district
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ActionPlan:
    """A district's action plan: the package, the plan rows, resources by year, and per target
    the milestones and the gap left."""

    area_name: str
    choice: str
    package: list[str]
    start_year: int
    plan: pd.DataFrame
    resources: pd.DataFrame
    gaps: list[ResidualGap]
    illustrative: bool

    @property
    def has_targets(self) -> bool:
        return bool(self.gaps)


def build_action_plan(district: Any, appraisal: DistrictAppraisal | None, data: AreaData,
                      choice: str = "best") -> ActionPlan:
    """Build the action plan of a district from its forecasts (step 3) and appraisal (step 4).

    Parameters
    ----------
    district
        :class:`pipeline.steps.targets.DistrictTargets`.
    appraisal
        :func:`pipeline.steps.targets.appraise_district` (``None``: nothing appraised).
    data
        The prepared data (locality names for the plan).
    choice
        ``'best'`` or ``'agreed'`` (see :func:`chosen_package`).
    """
    if choice not in PACKAGE_CHOICES:
        raise ValueError(f"package must be one of {', '.join(PACKAGE_CHOICES)}, not {choice!r}")
    base_year = district.registers.appraisal.base_year if district.registers is not None else 0
    package = chosen_package(appraisal, choice) if appraisal is not None else []
    start = plan_start_year(appraisal, package, base_year)
    plan = (plan_table(appraisal, package, district.forecasts, data) if appraisal is not None
            else plan_table_empty())
    gaps = residual_gaps(appraisal, package, district.forecasts, start) \
        if district.forecasts else []
    illustrative = bool(district.illustrative or (appraisal is not None and appraisal.illustrative))
    return ActionPlan(area_name=district.area_name, choice=choice, package=package,
                      start_year=start, plan=plan, resources=resources_by_year(plan), gaps=gaps,
                      illustrative=illustrative)


def plan_table_empty() -> pd.DataFrame:
    """An action plan without rows (same columns as :func:`plan_table`)."""
    return pd.DataFrame(columns=["option_id", "action", "description", "targets", "lead_partner",
                                 "theme_partnership", "localities", "set_up_cost",
                                 "running_cost_per_year", "start", "end", "reporting", "evidence",
                                 "illustrative"])


def milestones_download(plan: ActionPlan) -> pd.DataFrame:
    """Every target's milestones in one table with readable column names."""
    frames = []
    for g in plan.gaps:
        t, s = g.forecast.target, g.forecast.series
        frame = g.milestones.copy()
        frame.insert(0, "Target id", t.id)
        frame.insert(1, "Target", t.title)
        frame.insert(2, "Unit", s.unit)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["Target id", "Target", "Unit", "Review", "Milestone"])
    table = pd.concat(frames, ignore_index=True).drop(columns=["review_label"])
    return table.rename(columns={"review": "Review (end of month)",
                                 "milestone": "Milestone on the trajectory",
                                 "with_plan": "Expected with the plan (median)",
                                 "without_plan": "Expected without the plan (median)"})


def plan_download(plan: ActionPlan) -> pd.DataFrame:
    """The plan with readable column names (for the pack's downloads)."""
    return plan.plan.drop(columns=["option_id"]).rename(columns={
        "action": "Action", "description": "Description", "targets": "Target(s) it serves",
        "lead_partner": "Accountable lead partner", "theme_partnership": "Theme partnership",
        "localities": "Where (localities)", "set_up_cost": "Set-up cost (£, start year)",
        "running_cost_per_year": "Running cost (£ a year)", "start": "Start", "end": "End",
        "reporting": "How progress is reported", "evidence": "Strength of evidence (1-5)",
        "illustrative": "Illustrative numbers"})


def residual_download(plan: ActionPlan) -> pd.DataFrame:
    """The residual gap per target with readable column names."""
    return residual_table(plan.gaps).rename(columns={
        "target_id": "Target id", "target": "Target", "unit": "Unit",
        "target_period": "Target period", "target_value": "Target value",
        "without_plan": "Projected without the plan (median)",
        "with_plan": "Projected with the plan (median)",
        "shortfall_without_plan": "Expected shortfall without the plan",
        "shortfall_with_plan": "Expected shortfall with the plan",
        "p_meet_without_plan": "Probability of meeting the target without the plan",
        "p_meet_with_plan": "Probability of meeting the target with the plan",
        "status": "Status with the plan"})


def write_plan_workbook(plan: ActionPlan, output_dir: str | Path) -> Path:
    """Write the action-plan workbook ``action_plan_<district-slug>.xlsx`` into ``output_dir``."""
    sheets = plan_sheets(plan.plan, plan.resources, plan.gaps, district_name=plan.area_name,
                         illustrative=plan.illustrative)
    return write_workbook(sheets, Path(output_dir) / workbook_file_name(plan.area_name),
                          title=f"{plan.area_name}: action plan")


def number_spec(values: Sequence[float] | pd.Series) -> str:
    """A display format that suits the size of the values (as :func:`value_format`): ``,.0f``
    from 100, ``,.1f`` from 10, ``,.2f`` below."""
    return {"#,##0": ",.0f", "#,##0.0": ",.1f", "#,##0.00": ",.2f"}[value_format(values)]


def milestone_columns(gap: ResidualGap) -> dict[str, str]:
    """Column headers of a target's milestone table: the projections with and without the plan
    only when the target was re-forecast."""
    columns = {"review_label": "Review", "milestone": "Milestone on the trajectory"}
    if gap.scenarios is not None:
        columns.update(with_plan="Expected with the plan", without_plan="Expected without the plan")
    return columns
