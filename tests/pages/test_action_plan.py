"""The action-plan page: text, display tables, downloads, the Excel workbook and the step
notebooks executed with papermill and exported."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from pipeline.pages.action_plan import (
    action_plan_intro,
    action_plan_key_messages,
    milestone_columns,
    milestones_display,
    milestones_download,
    number_spec,
    plan_display,
    plan_download,
    residual_download,
    residual_message,
    review_label,
    workbook_file_name,
    write_plan_workbook,
)
from pipeline.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from pipeline.results import district_results
from tests.notebooks import execute

CHARNWOOD, BLABY = "E07000130", "E07000129"
STEP_NOTEBOOKS = ("03_forecast", "04_option_appraisal", "05_action_plan")


def test_review_labels_formats_and_file_name():
    assert review_label("2026-12") == "December 2026"
    assert review_label("2024-06") == "June 2024"
    assert number_spec([120.0, 3.0]) == ",.0f" and number_spec([2.5]) == ",.2f"
    assert workbook_file_name("Hinckley and Bosworth") == "action_plan_hinckley-and-bosworth.xlsx"
    assert action_plan_intro("Blaby", False, None, "best").startswith(
        "There are no targets for Blaby")
    assert action_plan_key_messages([], pd.DataFrame()) == []


# ---------------------------------------------------------------------------------------------
# The real plan for Charnwood
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charnwood_plan(prepared, ingested):
    return district_results(CHARNWOOD, "", ingested["out"]).action_plan


def test_charnwood_plan_as_shown(charnwood_plan):
    plan = charnwood_plan
    rows = plan_display(plan).set_index("option_id")
    gating = rows.loc["alley_gating"]
    assert gating["localities"].startswith("Charnwood's priority neighbourhoods (")
    assert "Charnwood Community Safety Partnership" in gating["theme_partnership"]
    assert "Every six months (June and December)" in gating["reporting"]
    download = plan_download(plan)
    assert list(download.columns)[:3] == ["Action", "Description", "Target(s) it serves"]
    milestones_table = milestones_download(plan)
    burglary = milestones_table[milestones_table["Target id"] == "burglary_county"]
    assert burglary["Milestone on the trajectory"].iloc[-1] == pytest.approx(2.664479 * 0.85,
                                                                             abs=1e-6)
    assert "review_label" not in milestones_table.columns
    shown = milestones_display(plan.gaps[0])
    assert list(shown.columns[:3]) == ["review", "review_label", "milestone"]
    assert milestone_columns(plan.gaps[1]) == {"review_label": "Review",
                                               "milestone": "Milestone on the trajectory"}
    residual = residual_download(plan)
    assert residual["Status with the plan"].tolist()[1] == "not met"
    messages = [residual_message(g) for g in plan.gaps]
    assert "with the plan:" in messages[0] and "The chance of meeting the target goes from" in \
        messages[0]
    assert messages[1].endswith("No action can be appraised against it because its outcome is "
                                "already known.")
    keys = action_plan_key_messages(plan.gaps, plan.plan)
    assert keys[1].endswith("no action is appraised against it.")
    assert keys[-1].startswith(f"The plan has {len(plan.plan)} actions led by")


def test_charnwood_workbook(charnwood_plan, tmp_path):
    plan = charnwood_plan
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
    from pipeline.reporting.export import export_notebook

    out = tmp_path / name
    execute(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path / f"{name}.ipynb",
            {"district": district, "processed_dir": str(processed),
             "output_dir": str(tmp_path), "config_path": config_path})
    info = export_notebook(tmp_path / f"{name}.ipynb", out.with_suffix(".html"),
                           context={"parameters": {"district": district}, "code_version": "test"})
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    return html, info


@pytest.mark.slow
def test_step_notebooks_for_charnwood(prepared, ingested, tmp_path):
    pages = {name: _run(name, tmp_path, ingested["out"], CHARNWOOD) for name in STEP_NOTEBOOKS}
    for name, (html, info) in pages.items():
        soup = BeautifulSoup(html, "html.parser")
        assert len(soup.find_all("h1")) == 1, name
        assert "Traceback" not in html, name
    html, info = pages["03_forecast"]
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
    assert not (tmp_path / "forecast_verdicts.json").exists()  # the results hold the verdicts

    html, info = pages["04_option_appraisal"]
    assert {"The options", "Multi-criteria appraisal", "How robust is the ranking?",
            "The best package within the budget"} <= {h.text for h in info.headings}
    assert "rank-stability" in info.chart_ids
    assert "cost-effectiveness-crime_charnwood_pn_gap" in info.chart_ids
    assert "ILLUSTRATIVE NUMBERS" in html

    html, info = pages["05_action_plan"]
    assert {"The plan: who does what, where, with what, by when", "Milestones and monitoring",
            "Is there still a gap?", "The plan as an Excel workbook"} <= \
        {h.text for h in info.headings}
    assert "action_plan_charnwood.xlsx" in html
    assert (tmp_path / "action_plan_charnwood.xlsx").exists()
    assert not (tmp_path / "residual_verdicts.json").exists()  # the results hold the verdicts
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
        html, info = _run(name, tmp_path, ingested["out"], BLABY,
                             str(tmp_path / "area.yaml"))
        text = BeautifulSoup(html, "html.parser").get_text()
        assert "There are no targets for Blaby" in text, name
        assert "Traceback" not in html and len(BeautifulSoup(html, "html.parser")
                                                .find_all("h1")) == 1
        assert info.chart_ids == ()
    assert pd.read_parquet(tmp_path / "tables" / "forecast_targets.parquet").empty
    plan = district_results(BLABY, tmp_path / "area.yaml", ingested["out"]).action_plan
    assert plan.gaps == [] and plan.plan.empty


def test_appraisal_and_plan_notebooks_only_call_their_pages():
    for name in ("04_option_appraisal", "05_action_plan"):
        nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"][1:]  # after the parameters
        assert "district_results(" in code[1], name
        for source in code:
            for word in ("if ", "for ", "def ", "lambda", '"bau"', "columns=", "number_formats"):
                assert word not in source, f"{name}: {word!r} in {source!r}"
