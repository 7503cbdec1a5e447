"""The command line: help, one-line errors with exit status 2, nothing half-written."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from pipeline.cli import main
from pipeline.paths import CONFIG_DIR, PROJECT_ROOT
from tests.settings import settings_with_datasets


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("command", [[], ["ingest"], ["imd-summary"]])
def test_help_explains_every_option(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "--config" in result.stdout and "--debug" in result.stdout


def _config_with_missing_file(tmp_path):
    entry = yaml.safe_load((CONFIG_DIR / "datasets.yaml").read_text())["datasets"]["population2020"]
    return settings_with_datasets(tmp_path, {"population2020": dict(
        entry, path="leicestershire/population/missing.csv")})


def test_missing_file_named_in_config_is_one_line_error(tmp_path):
    out = tmp_path / "processed"
    result = run("ingest", "--config", str(_config_with_missing_file(tmp_path)),
                 "--out", str(out), "--no-progress")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: missing.csv:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_debug_shows_traceback(tmp_path, capsys):
    code = main(["ingest", "--config", str(_config_with_missing_file(tmp_path)),
                 "--out", str(tmp_path / "p"), "--no-progress", "--debug"])
    assert code == 2
    assert "Traceback" in capsys.readouterr().err


def test_unknown_config_key_is_an_error(tmp_path, capsys):
    area = yaml.safe_load((CONFIG_DIR / "area.yaml").read_text())
    area["distrcts"] = area.pop("districts")
    (tmp_path / "area.yaml").write_text(yaml.safe_dump(area))
    assert main(["ingest", "--config", str(tmp_path / "area.yaml")]) == 2
    assert "unknown key 'distrcts'" in capsys.readouterr().err


@pytest.mark.slow
def test_imd_summary_writes_every_district(tmp_path):
    out = tmp_path / "lad.csv"
    result = run("imd-summary", "--edition", "2019", "--level", "lad", "--out", str(out))
    assert result.returncode == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(out, dtype=str)
    assert len(table) == 317
    blaby = table.set_index("lad_code").loc["E07000129"]
    # as File 10 writes them: average rank and local concentration to 2 decimals, score to 3
    assert blaby["lad_name"] == "Blaby" and blaby["average_score"] == "10.629"
    assert (blaby["average_rank"], blaby["local_concentration"]) == ("8738.64", "18598.97")
    assert blaby["proportion_most_deprived_10pct"] == "0.0000" and blaby["population"] == "96102"


def test_imd_summary_refuses_edition_without_populations(tmp_path, capsys):
    assert main(["imd-summary", "--edition", "2010", "--out", str(tmp_path / "x.csv")]) == 2
    assert "population" in capsys.readouterr().err
