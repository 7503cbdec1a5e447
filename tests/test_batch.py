"""The batch runner: parameter refusal, failure isolation, parallel = serial, the kernel, the CLI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pipeline.batch import (
    LOCALITY_PARAMETERS,
    STEP_PARAMETERS,
    NotebookFailed,
    Provenance,
    RunPlan,
    RunSummary,
    check_parameters,
    load_provenance,
    one_line,
    run_batch,
)
from pipeline.errors import InputError
from pipeline.reporting.export import Source
from pipeline.reporting.pack import District
from pipeline.run_command import add_run_parser, cmd_run

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"
HOSTILE = "<script>window.__pwned=1</script>"
GOOD = District("E07000129", "Blaby", "Leicestershire")
BAD = District("E09999999", "Broken & <b>Missing</b>", "Leicestershire")  # its notebook raises
PROVENANCE = Provenance(code_version="0.1.0+test", sources=(Source("IoD 2019", "2019"),),
                        input_hashes={"national/iod.csv": "0" * 64},
                        package_versions={"plotly": "7.1.0"})


def fake_localities(district_code: str) -> list[tuple[str, str]]:
    """Module level, so worker processes can unpickle it."""
    return [("pn-1", HOSTILE)]


def make_plan(root: Path, **changes) -> RunPlan:
    settings = {
        "config_path": root / "area.yaml", "county": "Leicestershire", "districts": (GOOD, BAD),
        "provenance": PROVENANCE, "steps": ("01_baseline",), "localities_for": fake_localities,
        "notebooks_dir": FIXTURES, "reports_dir": root / "reports",
        "processed_dir": root / "processed", "work_dir": root / "processed" / "runs",
        "progress": False}
    settings.update(changes)
    return RunPlan(**settings)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------
# Refusals before anything runs


def test_a_parameter_the_notebook_does_not_declare_is_refused():
    check_parameters(FIXTURES / "01_baseline.ipynb", STEP_PARAMETERS)
    check_parameters(FIXTURES / "locality_profile.ipynb", LOCALITY_PARAMETERS)
    with pytest.raises(InputError) as caught:
        check_parameters(FIXTURES / "missing_parameter.ipynb", STEP_PARAMETERS)
    message = str(caught.value)
    assert message.startswith("missing_parameter.ipynb: does not declare the parameter "
                              "'output_dir'")
    assert "config_path, district, processed_dir" in message
    with pytest.raises(InputError, match="01_baseline.ipynb.*'locality'"):
        check_parameters(FIXTURES / "01_baseline.ipynb", LOCALITY_PARAMETERS)


def test_a_notebook_without_a_parameters_cell_or_file_is_refused(tmp_path):
    untagged = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('district = "x"')])
    nbformat.write(untagged, tmp_path / "untagged.ipynb")
    with pytest.raises(InputError, match="no cell is tagged 'parameters'"):
        check_parameters(tmp_path / "untagged.ipynb", ["district"])
    with pytest.raises(InputError, match="nowhere.ipynb: notebook not found"):
        check_parameters(tmp_path / "nowhere.ipynb", ["district"])


def test_the_run_refuses_before_executing_anything(tmp_path):
    with pytest.raises(InputError, match="missing_parameter.ipynb.*'output_dir'"):
        run_batch(make_plan(tmp_path, steps=("01_baseline", "missing_parameter")))
    with pytest.raises(InputError, match="unknown step"):
        run_batch(make_plan(tmp_path, only=("01_baselin",)))
    with pytest.raises(InputError, match="must not be inside the notebooks folder"):
        run_batch(make_plan(tmp_path, work_dir=FIXTURES / "runs"))
    assert not (tmp_path / "reports").exists() and not (tmp_path / "processed").exists()


# --------------------------------------------------------------------------------------------
# A run with a failing district, serial and parallel


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same two districts (one failing) run with one worker and with two."""
    results = {}
    for workers in (1, 2):
        root = tmp_path_factory.mktemp(f"workers{workers}")
        results[workers] = (root, run_batch(make_plan(root, workers=workers)))
    return results


NOTICE = ("01-baseline.html: 01_baseline: InputError: missing_extract.csv: file not found "
          "(expected in data/raw/)")


@pytest.mark.slow
def test_a_failing_page_becomes_a_notice_and_the_other_district_completes(runs):
    _, summary = runs[1]
    assert [(r.code, r.status, r.pages) for r in summary.results] == [
        ("E07000129", "ok", 2), ("E09999999", "partial", 2)]
    assert summary.results[1].notices == [NOTICE]
    assert summary.results[1].error == f"1 page(s) replaced by a notice: {NOTICE}"
    assert summary.results[0].error == ""
    assert summary.exit_code == 1
    table = summary.table()
    assert "partial" in table and f"Notice page in Broken & <b>Missing</b>: {NOTICE}" in table


@pytest.mark.slow
def test_the_good_pack_is_complete_and_the_other_has_a_notice_page(runs):
    root, _ = runs[1]
    reports = root / "reports"
    assert sorted(_files(reports / "blaby")) == [
        "01-baseline.html", "assets/plotly-offline.js", "assets/plotly.min.js",
        "assets/style.css", "downloads/baseline_values.csv", "downloads/blaby-tables.xlsx",
        "index.html", "localities/pn-1.html", "manifest.json"]
    assert sorted(p.name for p in reports.iterdir()) == [
        "assets", "blaby", "broken-b-missing-b", "index.html",
        "run_summary.json"]  # no half-built folders
    manifest = json.loads((reports / "blaby" / "manifest.json").read_text())
    assert [(p["href"], p["kind"], p["charts"]) for p in manifest["pages"]] == [
        ("01-baseline.html", "step", 1), ("localities/pn-1.html", "locality", 1)]
    assert manifest["pages"][1]["label"] == HOSTILE
    assert "notices" not in manifest
    assert manifest["input_hashes"] == {"national/iod.csv": "0" * 64}
    assert manifest["parameters"] == {"config_path": "area.yaml", "district": "E07000129"}
    front = (reports / "blaby" / "index.html").read_text()
    assert "Stand-in key message for E07000129." in front
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in front and HOSTILE not in front
    county = (reports / "index.html").read_text()
    assert '<a href="blaby/index.html">Blaby</a>' in county
    assert ('<a href="broken-b-missing-b/index.html">Broken &amp; &lt;b&gt;Missing&lt;/b&gt;</a> '
            '<span class="status">(some pages could not be produced in the last run)</span>'
            in county)


@pytest.mark.slow
def test_the_notice_page_names_the_problem_and_keeps_the_navigation(runs):
    root, _ = runs[1]
    pack = root / "reports" / "broken-b-missing-b"
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["notices"] == [NOTICE]
    assert [(p["href"], p["title"], p["charts"]) for p in manifest["pages"]] == [
        ("01-baseline.html", "Baseline: not available", 0),
        ("localities/pn-1.html", f"Locality profile: {HOSTILE}", 1)]
    notice = (pack / "01-baseline.html").read_text()
    assert "<h1>Baseline: not available</h1>" in notice
    assert ("This page could not be produced in this run: 01_baseline: InputError: "
            "missing_extract.csv: file not found (expected in data/raw/). The rest of the pack "
            "is complete; the run summary lists the problem.") in notice
    assert '<a href="index.html">Broken &amp; &lt;b&gt;Missing&lt;/b&gt; evidence pack</a>' \
        in notice and "<b>Missing</b>" not in notice
    assert 'href="assets/style.css"' in notice and "plotly.min.js" not in notice
    front = (pack / "index.html").read_text()
    assert '<a href="01-baseline.html">Baseline: not available</a>' in front
    assert '<a href="localities/pn-1.html">' in front


@pytest.mark.slow
def test_the_run_summary_json(runs):
    root, summary = runs[1]
    written = json.loads((root / "reports" / "run_summary.json").read_text())
    assert (written["ok"], written["partial"], written["failed"]) == (1, 1, 0)
    for entry in written["districts"]:
        assert isinstance(entry.pop("seconds"), float)
    assert written["districts"] == [
        {"code": "E07000129", "name": "Blaby", "slug": "blaby", "status": "ok", "pages": 2,
         "error": "", "ran": 2, "reused": 0, "computed": 0, "published": True, "notices": []},
        {"code": "E09999999", "name": "Broken & <b>Missing</b>", "slug": "broken-b-missing-b",
         "status": "partial", "pages": 2, "error": summary.results[1].error, "ran": 2,
         "reused": 0, "computed": 0, "published": True, "notices": [NOTICE]}]


def _computed_except(failing: dict[tuple[str, str], str]):
    """A stand-in for jobs.compute_results that raises for (district, "base"|"plans")."""
    from pipeline.results import BASE_PARTS

    def compute(plan, district, locality_ids, parts):
        which = "base" if tuple(parts) == tuple(BASE_PARTS) else "plans"
        if (district.code, which) in failing:
            raise ValueError(failing[district.code, which])
        return 0
    return compute


@pytest.mark.slow
def test_a_district_whose_results_raise_fails_alone(tmp_path, monkeypatch):
    from pipeline import jobs

    monkeypatch.setattr(jobs, "forecast_targets", lambda plan: None)
    monkeypatch.setattr(jobs, "compute_results", _computed_except(
        {(GOOD.code, "base"): "the log scale needs values above zero; 2020-06 has 0"}))
    summary = run_batch(make_plan(tmp_path, results=True, localities_for=None,
                                  districts=(GOOD, District("E07000133", "Melton"))))
    assert [(r.name, r.status, r.pages) for r in summary.results] == [
        ("Blaby", "failed", 0), ("Melton", "ok", 1)]
    assert summary.results[0].error == \
        "ValueError: the log scale needs values above zero; 2020-06 has 0"
    assert summary.exit_code == 1
    assert not (tmp_path / "reports/blaby").exists()
    assert (tmp_path / "reports/melton/01-baseline.html").exists()


@pytest.mark.slow
def test_pages_whose_forecast_results_raise_become_notices(tmp_path, monkeypatch):
    from pipeline import jobs

    monkeypatch.setattr(jobs, "forecast_targets", lambda plan: None)
    monkeypatch.setattr(jobs, "compute_results", _computed_except(
        {(GOOD.code, "plans"): "grouped_bar_chart: no rows to plot"}))
    notebooks = tmp_path / "notebooks"  # a step 3 page: it presents the forecasts' results
    notebooks.mkdir()
    for name, source in (("01_baseline", "01_baseline"), ("03_forecast", "02_evidence")):
        (notebooks / f"{name}.ipynb").write_bytes((FIXTURES / f"{source}.ipynb").read_bytes())
    plan = make_plan(tmp_path, results=True, locality_notebook=None, districts=(GOOD,),
                     steps=("01_baseline", "03_forecast"), notebooks_dir=notebooks)
    summary = run_batch(plan)
    [blaby] = summary.results
    assert (blaby.status, blaby.pages, blaby.ran) == ("partial", 2, 1)
    assert blaby.notices == ["03-forecast.html: ValueError: grouped_bar_chart: no rows to plot"]
    assert summary.exit_code == 1
    pack = tmp_path / "reports" / "blaby"
    assert "Stand-in key message" in (pack / "01-baseline.html").read_text()
    assert "<h1>Forecast: not available</h1>" in (pack / "03-forecast.html").read_text()
    # the next run tries the page again (and would publish it if the results were computed)
    monkeypatch.setattr(jobs, "compute_results", _computed_except({}))
    again = run_batch(plan)
    assert [(r.status, r.ran, r.reused, r.notices) for r in again.results] == [
        ("ok", 1, 1, [])]
    assert "not available" not in (pack / "03-forecast.html").read_text()


@pytest.mark.slow
def test_two_workers_publish_the_same_bytes_as_one(runs):
    (root1, _), (root2, _) = runs[1], runs[2]
    one, two = _files(root1 / "reports"), _files(root2 / "reports")
    summaries = [json.loads(files.pop("run_summary.json")) for files in (one, two)]
    for s in summaries:
        for entry in s["districts"]:
            entry.pop("seconds")
    assert summaries[0] == summaries[1]
    assert one.keys() == two.keys() and len(one) == 18  # both packs, the notice page too
    assert one == two


@pytest.mark.slow
def test_executed_notebooks_go_to_the_work_folder_and_sources_stay_stripped(runs):
    root, _ = runs[1]
    executed = nbformat.read(root / "processed/runs/blaby/notebooks/01_baseline.ipynb", 4)
    assert any(cell.get("outputs") for cell in executed.cells)
    assert executed.metadata["papermill"]["parameters"]["district"] == "E07000129"
    assert (root / "processed/runs/blaby/notebooks/localities/pn-1.ipynb").exists()
    assert (root / "processed/runs/blaby/tables/baseline_values.parquet").exists()
    for source in FIXTURES.glob("*.ipynb"):
        book = nbformat.read(source, 4)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in book.cells if c.cell_type == "code"), source.name
    assert not list(FIXTURES.glob("runs")) and not list(FIXTURES.rglob("*.html"))


@pytest.mark.slow
def test_a_partial_run_republishes_the_other_pages_from_the_last_run(runs, tmp_path):
    root, _ = runs[1]
    plan = make_plan(root, districts=(GOOD,), only=("01_baseline",),
                     reports_dir=tmp_path / "reports")
    summary = run_batch(plan)
    assert [(r.status, r.pages) for r in summary.results] == [("ok", 2)]
    assert (tmp_path / "reports/blaby/localities/pn-1.html").read_bytes() == \
        (root / "reports/blaby/localities/pn-1.html").read_bytes()


# --------------------------------------------------------------------------------------------
# The kernel, provenance and the command line


@pytest.mark.slow
def test_the_python3_kernel_runs_in_the_project_environment(tmp_path):
    import papermill
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.argv[0]).parent == Path(sys.executable).parent
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\nprint(sys.prefix)\nprint(sys.executable)")])
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    nbformat.write(probe, tmp_path / "probe.ipynb")
    papermill.execute_notebook(str(tmp_path / "probe.ipynb"), str(tmp_path / "out.ipynb"),
                               kernel_name="python3", progress_bar=False)
    prefix, executable = nbformat.read(tmp_path / "out.ipynb", 4).cells[0].outputs[0].text.split()
    assert Path(prefix) == Path(sys.prefix)
    assert Path(executable).parent == Path(sys.executable).parent


def test_load_provenance_reads_the_ingest_manifest_and_store(tmp_path):
    with pytest.raises(InputError, match="run `python -m pipeline ingest` first"):
        load_provenance(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs": [
        {"path": "national/b.csv", "sha256": "b" * 64}, {"path": "a.csv", "sha256": "a" * 64}]}))
    pd.DataFrame({"source": ["IoD 2019", "IoD 2019", "ONS MYE"],
                  "period": ["2015", "2019", "2020"]}).to_parquet(tmp_path / "indicators.parquet")
    provenance = load_provenance(tmp_path)
    assert provenance.input_hashes == {"national/b.csv": "b" * 64, "a.csv": "a" * 64}
    assert provenance.sources == (Source("IoD 2019", "2019"), Source("ONS MYE", "2020"))
    assert provenance.code_version and provenance.package_versions["plotly"]


def test_one_line_errors():
    assert one_line(InputError("x.csv", "bad\nthing", row=3)) == "x.csv, row 3: bad thing"
    assert one_line(NotebookFailed("01: KeyError: 'a'")) == "01: KeyError: 'a'"
    assert one_line(ValueError("v" * 400)).endswith("...")
    assert RunSummary([]).exit_code == 0


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    add_run_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


@pytest.fixture
def area(tmp_path):
    config = tmp_path / "area.yaml"
    config.write_text(
        "county: {code: E10000018, name: Leicestershire}\n"
        "england: {code: E92000001, name: England}\n"
        "districts:\n  - {code: E07000129, name: Blaby}\n  - {code: E07000133, name: Melton}\n"
        "datasets: config/datasets.yaml\nindicators: config/indicators\n")
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text(json.dumps({"inputs": [
        {"path": "a.csv", "sha256": "a" * 64}]}))
    return config


def test_cmd_run_refuses_unknown_districts_and_steps(area, tmp_path):
    common = ["--config", str(area), "run", "--skip-ingest", "--out", str(tmp_path / "r"),
              "--processed",
              str(tmp_path / "processed"), "--notebooks", str(FIXTURES), "--no-progress"]
    with pytest.raises(InputError, match="unknown district 'Nowhere'"):
        cmd_run(_args(*common, "--district", "Nowhere"))
    with pytest.raises(InputError, match="unknown step"):
        cmd_run(_args(*common, "--district", "Blaby", "--steps", "99_nothing"))
    with pytest.raises(SystemExit):
        _args(*common, "--district", "Blaby", "--workers", "0")


@pytest.mark.slow
def test_cmd_run_builds_a_pack_and_prints_the_summary(area, tmp_path, capsys):
    code = cmd_run(_args("--config", str(area), "run", "--skip-ingest", "--district", "e07000129",
                         "--steps", "01_baseline", "--out", str(tmp_path / "r"),
                         "--processed", str(tmp_path / "processed"),
                         "--notebooks", str(FIXTURES), "--no-progress"))
    out = capsys.readouterr().out
    assert code == 0
    assert "Blaby" in out and " ok " in out and "1 of 1 district pack(s) built" in out
    manifest = json.loads((tmp_path / "r/blaby/manifest.json").read_text())
    assert manifest["input_hashes"] == {"a.csv": "a" * 64}
    assert [p["href"] for p in manifest["pages"]] == ["01-baseline.html"]
    county = (tmp_path / "r/index.html").read_text()
    assert "Melton <span class=\"status\">(not built yet)</span>" in county
    assert (tmp_path / "processed/runs/blaby/notebooks/01_baseline.ipynb").exists()
