"""The action plan: milestones on a hand-worked trajectory, resources, the package, the Excel
workbook, the real Charnwood plan, and the three notebooks of steps 3-5 executed end to end."""

from __future__ import annotations

import json
import time

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from pipeline.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from pipeline.steps.action_plan import (
    SheetTable,
    build_action_plan,
    chosen_package,
    milestones,
    milestones_download,
    residual_table,
    residual_verdicts,
    resources_by_year,
    review_label,
    review_months,
    value_format,
    workbook_bytes,
    workbook_file_name,
    write_plan_workbook,
    write_residual_verdicts,
)
from pipeline.steps.targets import appraise_district, forecast_district

CHARNWOOD, BLABY = "E07000130", "E07000129"
STEP_NOTEBOOKS = ("03_forecast", "04_option_appraisal", "05_action_plan")


# ---------------------------------------------------------------------------------------------
# Milestones and resources, worked by hand
# ---------------------------------------------------------------------------------------------


def test_milestones_on_a_hand_worked_trajectory():
    """Baseline 10 at the end of 2021, target 8.5 at the end of 2026: the line falls 0.3 a
    year, 0.15 every six months; reviews start in June 2024 (30 months in: 10 - 0.75)."""
    yearly = pd.Series({2023: 9.8, 2024: 9.4, 2025: 9.0, 2026: 8.6})
    table = milestones(2021, 10.0, 2026, 8.5, 2024, yearly_with_plan=yearly)
    assert table["review"].tolist() == ["2024-06", "2024-12", "2025-06", "2025-12", "2026-06",
                                        "2026-12"]
    assert table["review_label"].tolist()[:2] == ["June 2024", "December 2024"]
    assert table["milestone"].tolist() == pytest.approx([9.25, 9.1, 8.95, 8.8, 8.65, 8.5])
    # December: the calendar year's value; June: halfway between the two years it straddles
    assert table["with_plan"].tolist() == pytest.approx([9.6, 9.4, 9.2, 9.0, 8.8, 8.6])
    assert table["without_plan"].isna().all()
    # a plan starting before the baseline year only gets reviews from the baseline on
    early = milestones(2021, 10.0, 2026, 8.5, 2019)
    assert early["review"].iloc[0] == "2021-12" and early["milestone"].iloc[0] == 10.0


def test_review_months_and_labels():
    assert review_months(2025, 2025) == ["2025-06", "2025-12"]
    assert review_label("2026-12") == "December 2026"
    with pytest.raises(ValueError, match="ends \\(2023\\) before it starts \\(2024\\)"):
        review_months(2024, 2023)


def test_resources_by_year_by_hand():
    plan = pd.DataFrame({"action": ["Gates", "Patrols"], "lead_partner": ["Council", "Police"],
                         "set_up_cost": [100.0, 0.0], "running_cost_per_year": [10.0, 50.0],
                         "start": [2025, 2024], "end": [2026, 2026]})
    table = resources_by_year(plan)
    assert list(table.columns) == ["action", "lead_partner", "2024", "2025", "2026", "total"]
    assert table.set_index("action").loc["Gates", ["2024", "2025", "2026", "total"]].tolist() == \
        [0.0, 110.0, 10.0, 120.0]
    assert table.set_index("action").loc["Total", "total"] == 120.0 + 150.0
    assert resources_by_year(plan.iloc[0:0]).empty


def test_chosen_package_refusals():
    class Fake:
        package = ["bau", "a"]
        options = pd.DataFrame({"agreed": [True, False]}, index=["bau", "a"])

    assert chosen_package(Fake(), "best") == ["bau", "a"]
    with pytest.raises(ValueError, match="no option besides business as usual is marked"):
        chosen_package(Fake(), "agreed")
    with pytest.raises(ValueError, match="package must be one of best, agreed"):
        chosen_package(Fake(), "cheapest")


def test_value_format_and_file_name():
    assert value_format([120.0, 3.0]) == "#,##0"
    assert value_format([12.5]) == "#,##0.0"
    assert value_format([2.66, np.nan]) == "#,##0.00"
    assert workbook_file_name("Hinckley and Bosworth") == "action_plan_hinckley-and-bosworth.xlsx"


# ---------------------------------------------------------------------------------------------
# The Excel workbook
# ---------------------------------------------------------------------------------------------


def _sheets() -> list[SheetTable]:
    plan = pd.DataFrame({"action": ["Gates", "A very long action name " * 4],
                         "cost": [150000.0, 5000.0], "start": [2025, 2024]})
    milestones_frame = pd.DataFrame({"review_label": ["June 2025", "December 2025"],
                                     "milestone": [2.41234, 2.3]})
    return [
        SheetTable(name="Action plan", title="Blaby: action plan", table=plan,
                   notes=["ILLUSTRATIVE: examples."],
                   headers={"action": "Action", "cost": "Cost (£)", "start": "Start"},
                   formats={"cost": "£#,##0", "start": "0"}),
        SheetTable(name="Target a/b:c", title="Target", table=milestones_frame,
                   headers={"review_label": "Review", "milestone": "Milestone"},
                   formats={"milestone": "#,##0.00"},
                   footer=[("Chance of meeting the target", 0.25, "0%")]),
    ]


def test_workbook_layout_formats_and_determinism(tmp_path):
    data = workbook_bytes(_sheets(), title="Blaby: action plan")
    assert data == workbook_bytes(_sheets(), title="Blaby: action plan")  # byte-identical
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Action plan", "Target a_b_c"]
    ws = wb["Action plan"]
    assert ws["A1"].value == "Blaby: action plan" and ws["A1"].font.bold
    assert ws["A2"].value == "ILLUSTRATIVE: examples."
    assert [c.value for c in ws[4]] == ["Action", "Cost (£)", "Start"]
    assert ws["A4"].font.bold
    assert ws.freeze_panes == "A5"
    assert ws["B5"].value == 150000 and ws["B5"].number_format == "£#,##0"
    assert ws["C6"].value == 2024 and ws["C6"].number_format == "0"
    assert ws.column_dimensions["A"].width == 60  # long text capped, and wrapped
    assert ws["A6"].alignment.wrap_text
    assert ws.column_dimensions["B"].width == 10  # at least 10
    target = wb["Target a_b_c"]
    assert target.freeze_panes == "A4"
    assert target["B4"].value == pytest.approx(2.41234) and target["B4"].number_format == "#,##0.00"
    assert target["A7"].value == "Chance of meeting the target"
    assert target["B7"].value == 0.25 and target["B7"].number_format == "0%"


def test_workbook_refusals():
    with pytest.raises(ValueError, match="at least one sheet"):
        workbook_bytes([], title="x")
    bad = SheetTable(name="x", title="x", table=pd.DataFrame({"a": [1]}), headers={"b": "B"},
                     formats={})
    with pytest.raises(ValueError, match="column 'b' is not in its table"):
        workbook_bytes([bad], title="x")


# ---------------------------------------------------------------------------------------------
# The real plan for Charnwood
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charnwood_plan(prepared, ingested):
    _, data = prepared
    district = forecast_district(data, CHARNWOOD, ingested["out"])
    appraisal = appraise_district(district, data)
    return district, appraisal, build_action_plan(district, appraisal, data)


def test_charnwood_action_plan(charnwood_plan):
    district, appraisal, plan = charnwood_plan
    assert plan.package == appraisal.package
    assert plan.plan["option_id"].tolist() == [o for o in appraisal.package if o != "bau"]
    rows = plan.plan.set_index("option_id")
    if "alley_gating" in rows.index:
        gating = rows.loc["alley_gating"]
        assert gating["lead_partner"] == "Charnwood Borough Council"
        assert gating["start"] == 2025 and gating["end"] == 2026
        assert gating["localities"].startswith("Charnwood's priority neighbourhoods (")
        assert "Charnwood Community Safety Partnership" in gating["theme_partnership"]
        assert "Every six months (June and December)" in gating["reporting"]
    assert plan.start_year == int(plan.plan["start"].min())
    assert plan.resources["action"].iloc[-1] == "Total"
    residual = residual_table(plan.gaps).set_index("target_id")
    assert residual.loc["imd_charnwood_pn_gap", "status"] == "not met"
    crime = residual.loc["crime_charnwood_pn_gap"]
    assert crime["p_meet_with_plan"] >= crime["p_meet_without_plan"]
    assert crime["shortfall_with_plan"] <= crime["shortfall_without_plan"]
    assert crime["with_plan"] < crime["without_plan"]
    milestones_table = milestones_download(plan)
    burglary = milestones_table[milestones_table["Target id"] == "burglary_county"]
    assert burglary["Milestone on the trajectory"].iloc[-1] == pytest.approx(2.664479 * 0.85,
                                                                             abs=1e-6)
    verdicts = residual_verdicts(plan.gaps)
    assert [v["target_id"] for v in verdicts] == ["crime_charnwood_pn_gap",
                                                  "imd_charnwood_pn_gap", "burglary_county"]
    assert verdicts[1]["status"] == "not met"


def test_charnwood_workbook(charnwood_plan, tmp_path):
    _, _, plan = charnwood_plan
    path = write_plan_workbook(plan, tmp_path)
    assert path.name == "action_plan_charnwood.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["Action plan", "Resources by year", "Target crime_charnwood_pn_gap",
                             "Target imd_charnwood_pn_gap", "Target burglary_county"]
    ws = wb["Action plan"]
    header = [c.value for c in ws[5]]
    assert header[:3] == ["Action", "Target(s) it serves", "Accountable lead partner"]
    assert ws.freeze_panes == "A6"
    assert ws.cell(row=6, column=6).number_format == "£#,##0"
    assert ws.cell(row=5 + len(plan.plan), column=1).value == plan.plan["action"].iloc[-1]
    resources = wb["Resources by year"]
    assert resources.freeze_panes == "A5"
    total_row = [c.value for c in resources[resources.max_row]]
    assert total_row[0] == "Total" and total_row[-1] == pytest.approx(
        plan.resources["total"].iloc[-1])
    burglary = wb["Target burglary_county"]
    assert burglary["A1"].value == "Reduce burglary across Leicestershire by 15%"
    assert burglary.freeze_panes == "A7"
    assert [c.value for c in burglary[6]][0] == "Six-monthly review"
    assert burglary["B7"].number_format == "#,##0.00"
    assert burglary.cell(row=6 + len(plan.gaps[2].milestones), column=2).value == \
        pytest.approx(2.664479 * 0.85, abs=1e-6)
    labels = [burglary.cell(row=r, column=1).value for r in range(1, burglary.max_row + 1)]
    assert "Chance of meeting the target with the plan" in labels
    path_again = write_plan_workbook(plan, tmp_path / "again")
    assert path_again.read_bytes() == path.read_bytes()


def test_residual_verdicts_file(charnwood_plan, tmp_path):
    _, _, plan = charnwood_plan
    path = write_residual_verdicts(residual_verdicts(plan.gaps), tmp_path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == "residual_verdicts.json"
    assert set(written["verdicts"][0]) == {"target_id", "title", "status", "probability",
                                           "message"}


# ---------------------------------------------------------------------------------------------
# The notebooks, executed with papermill and exported
# ---------------------------------------------------------------------------------------------


def test_step_notebooks_are_stored_without_outputs_and_with_the_runners_parameters():
    from pipeline.batch import STEP_PARAMETERS, declared_parameters

    for name in STEP_NOTEBOOKS:
        nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
        assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
                   for c in nb.cells if c.cell_type == "code"), name
        assert set(STEP_PARAMETERS) <= set(declared_parameters(NOTEBOOKS_DIR / f"{name}.ipynb"))
        assert "def " not in "".join(c.source for c in nb.cells if c.cell_type == "code")


def _run(name, tmp_path, processed, district, config_path=""):
    import papermill

    from pipeline.reporting.export import export_notebook

    out = tmp_path / name
    start = time.perf_counter()
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
        parameters={"district": district, "processed_dir": str(processed),
                    "output_dir": str(tmp_path), "config_path": config_path},
        kernel_name="python3", progress_bar=False)
    seconds = time.perf_counter() - start
    info = export_notebook(tmp_path / f"{name}.ipynb", out.with_suffix(".html"),
                           context={"parameters": {"district": district}, "code_version": "test"})
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    return html, info, seconds


@pytest.mark.slow
def test_step_notebooks_for_charnwood(prepared, ingested, tmp_path):
    pages = {name: _run(name, tmp_path, ingested["out"], CHARNWOOD) for name in STEP_NOTEBOOKS}
    for name, (html, info, seconds) in pages.items():
        soup = BeautifulSoup(html, "html.parser")
        assert len(soup.find_all("h1")) == 1, name
        assert "Traceback" not in html, name
    html, info, _ = pages["03_forecast"]
    assert info.title == "Forecast: will the targets be met?"
    headings = [h.text for h in info.headings]
    assert {"Summary of all targets", "Target by target", "How the forecasts were made",
            "Reduce burglary across Leicestershire by 15%"} <= set(headings)
    assert info.chart_ids == ("forecast-crime_charnwood_pn_gap", "forecast-imd_charnwood_pn_gap",
                              "forecast-burglary_county")
    assert "Trust in this forecast" in html and "95% prediction interval" in html
    assert "illustrative examples" in html
    forecasts = pd.read_parquet(tmp_path / "tables" / "forecast_targets.parquet")
    assert forecasts["Status"].tolist() == ["off track", "not met", "off track"]

    html, info, _ = pages["04_option_appraisal"]
    assert {"The options", "Multi-criteria appraisal", "How robust is the ranking?",
            "The best package within the budget"} <= {h.text for h in info.headings}
    assert "rank-stability" in info.chart_ids
    assert "cost-effectiveness-crime_charnwood_pn_gap" in info.chart_ids
    assert "ILLUSTRATIVE NUMBERS" in html

    html, info, _ = pages["05_action_plan"]
    assert {"The plan: who does what, where, with what, by when", "Milestones and monitoring",
            "Is there still a gap?", "The plan as an Excel workbook"} <= \
        {h.text for h in info.headings}
    assert "action_plan_charnwood.xlsx" in html
    assert (tmp_path / "action_plan_charnwood.xlsx").exists()
    residual = json.loads((tmp_path / "residual_verdicts.json").read_text(encoding="utf-8"))
    assert len(residual["verdicts"]) == 3
    staged = {p.stem for p in (tmp_path / "tables").glob("*.parquet")}
    assert {"forecast_targets", "forecast_projections", "appraisal_options",
            "appraisal_gap_closed", "action_plan", "action_plan_milestones",
            "action_plan_residual_gap"} <= staged


@pytest.mark.slow
def test_step_notebooks_for_a_district_without_targets(prepared, ingested, tmp_path):
    """Blaby with registers whose only target is North West Leicestershire's: every page says
    plainly that there are no targets, and nothing fails."""
    root = PROJECT_ROOT / "config"
    targets = yaml.safe_load((root / "targets.yaml").read_text(encoding="utf-8"))
    options = yaml.safe_load((root / "options.yaml").read_text(encoding="utf-8"))
    targets["targets"] = [t for t in targets["targets"]
                          if t["id"] == "asb_north_west_leicestershire"]
    options["options"] = [o for o in options["options"] if o["id"] in ("bau", "youth_diversion")]
    area = yaml.safe_load((root / "area.yaml").read_text(encoding="utf-8"))
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(targets), encoding="utf-8")
    (tmp_path / "options.yaml").write_text(yaml.safe_dump(options), encoding="utf-8")
    area.update(targets=str(tmp_path / "targets.yaml"), options=str(tmp_path / "options.yaml"))
    (tmp_path / "area.yaml").write_text(yaml.safe_dump(area), encoding="utf-8")
    for name in STEP_NOTEBOOKS:
        html, info, _ = _run(name, tmp_path, ingested["out"], BLABY,
                             str(tmp_path / "area.yaml"))
        text = BeautifulSoup(html, "html.parser").get_text()
        assert "There are no targets for Blaby" in text, name
        assert "Traceback" not in html and len(BeautifulSoup(html, "html.parser")
                                                .find_all("h1")) == 1
        assert info.chart_ids == ()
    assert pd.read_parquet(tmp_path / "tables" / "forecast_targets.parquet").empty
    assert json.loads((tmp_path / "residual_verdicts.json").read_text()) == {"verdicts": []}
