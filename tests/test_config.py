"""Bad settings never pass silently: each is refused by the command line with exit status 2 and
one line naming the file, the line or key, and what was expected; nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.config import load_area_config, load_datasets, load_yaml
from pipeline.errors import EXCERPT_CHARS, InputError
from pipeline.paths import CONFIG_DIR, PROCESSED_DIR, PROJECT_ROOT

AREA = (CONFIG_DIR / "area.yaml").read_text(encoding="utf-8")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def refused(args: list[str], out: Path) -> str:
    """Run a command that must be refused; return its one line of error output."""
    before = snapshot(PROCESSED_DIR)
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
    assert snapshot(PROCESSED_DIR) == before
    return lines[0]


def refused_here(capsys, args: list[str], out: Path) -> str:
    """:func:`refused`, run in this process (faster; ``main`` prints the same one line)."""
    from pipeline.cli import main

    before = snapshot(PROCESSED_DIR)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() or not any(out.iterdir())
    assert snapshot(PROCESSED_DIR) == before
    return err.strip()


def area_file(tmp_path: Path, text: str = AREA, **keys: str) -> Path:
    """The shipped area settings, edited as text (so lines stay where they are) or by key."""
    for key, value in keys.items():
        text = text.replace(f"\n{key}: {yaml.safe_load(AREA)[key]}\n", f"\n{key}: {value}\n")
    path = tmp_path / "area.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


# --- rule: area codes the shipped lookups do not know -----------------------------------------


def test_mistyped_district_code_is_refused_with_the_closest_code(tmp_path):
    config = area_file(tmp_path, AREA.replace("E07000135, name: Oadby", "E07000136, name: Oadby"))
    line = refused(["ingest", "--config", str(config), "--out", str(tmp_path / "p"),
                    "--no-progress"], tmp_path / "p")
    assert line == (f"error: area.yaml, line {line_of(config, 'E07000136')}: districts[6].code: "
                    "'E07000136' is not one of Leicestershire's districts; it is Boston, a "
                    "district of Lincolnshire; did you mean E07000135 (Oadby and Wigston)?")


def test_unknown_district_code_is_refused_before_a_run(tmp_path):
    config = area_file(tmp_path, AREA.replace("E07000129, name: Blaby", "E07000999, name: Blaby"))
    line = refused(["--config", str(config), "run", "--district", "Blaby", "--skip-ingest",
                    "--processed", str(tmp_path / "p"), "--out", str(tmp_path / "r"),
                    "--no-progress"], tmp_path / "r")
    assert line.startswith(f"error: area.yaml, line {line_of(config, 'E07000999')}: "
                           "districts[0].code: 'E07000999' is not a district of Leicestershire "
                           "in the ONS lookups; did you mean E07000129 (Blaby)?")


def test_unknown_county_code_is_refused(tmp_path, capsys):
    from pipeline.cli import main

    config = area_file(tmp_path, AREA.replace("code: E10000018", "code: E10000099"))
    assert main(["localities", "--config", str(config), "--district", "all",
                 "--out", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err.startswith(
        "error: area.yaml, line 5: county.code: 'E10000099' is not a county of the ONS ward -> "
        "county lookup; did you mean E10000018 (Leicestershire)")
    assert not (tmp_path / "p").exists()


def test_shipped_area_codes_pass():
    from pipeline.geography.area import check_area_codes

    check_area_codes(load_area_config())  # raises if any shipped code were unknown


# --- rule: paths that leave the project ----------------------------------------------------------


def datasets_file(tmp_path: Path, path: str) -> Path:
    catalogue = yaml.safe_load((CONFIG_DIR / "datasets.yaml").read_text())
    catalogue["datasets"] = {"population2020": dict(catalogue["datasets"]["population2020"],
                                                    path=path)}
    out = tmp_path / "datasets.yaml"
    out.write_text(yaml.safe_dump(catalogue))
    return out


@pytest.mark.parametrize("path", ["../../../etc/passwd", "/etc/passwd", "../../README.md"])
def test_dataset_path_outside_data_raw_is_refused(tmp_path, capsys, path):
    config = area_file(tmp_path, datasets=str(datasets_file(tmp_path, path)))
    line = refused_here(capsys, ["ingest", "--config", str(config), "--out", str(tmp_path / "p"),
                    "--no-progress"], tmp_path / "p")
    assert line == (f"error: datasets.yaml: datasets.population2020.path: '{path}' is outside "
                    "data/raw/ (expected a file under data/raw/ or beside datasets.yaml)")


def test_catalogue_path_outside_the_project_is_refused(tmp_path, capsys):
    from pipeline.cli import main

    config = area_file(tmp_path, indicators="/etc")
    assert main(["ingest", "--config", str(config), "--out", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err == ("error: area.yaml: indicators: '/etc' is outside the "
                                       "project (expected a path inside the project or beside "
                                       "area.yaml)\n")


def test_forum_file_outside_the_project_is_refused(tmp_path):
    localities = tmp_path / "localities.yaml"
    localities.write_text((CONFIG_DIR / "localities.yaml").read_text().replace(
        "  file: null\n", "  file: ../../../../etc/passwd\n", 1))
    config = area_file(tmp_path, localities=str(localities))
    line = refused(["localities", "--config", str(config), "--district", "Blaby",
                    "--out", str(tmp_path / "p")], tmp_path / "p")
    assert line == ("error: localities.yaml: forum_areas.file: '../../../../etc/passwd' is "
                    "outside the project (expected a file inside the project or beside "
                    "localities.yaml)")


def test_settings_beside_the_area_file_are_allowed(tmp_path):
    catalogue = datasets_file(tmp_path, "leicestershire/population/missing.csv")
    config = load_area_config(area_file(tmp_path, datasets=str(catalogue)))
    assert config.datasets_path == catalogue
    assert load_datasets(catalogue)[0].path.name == "missing.csv"


# --- rule: error messages quote no more than a short excerpt ------------------------------------


def test_a_long_cell_is_quoted_as_a_short_excerpt(tmp_path):
    import pandas as pd

    from pipeline.ingest.common import parse_numbers

    secret = "x" * 5000
    with pytest.raises(InputError) as err:
        parse_numbers(pd.Series(["1", secret]), tmp_path / "f.csv", column="value")
    message = str(err.value)
    assert message.startswith("f.csv, row 3, column 'value': '" + "x" * (EXCERPT_CHARS - 1) + "\u2026'")
    assert len(message) < 300


def test_prose_between_two_short_quotes_is_not_cut():
    message = ("does not declare the parameter 'district' in its parameters cell (it declares: "
               "none: no cell is tagged 'parameters')")
    assert str(InputError("n.ipynb", message)) == f"n.ipynb: {message}"


def test_a_long_setting_is_quoted_as_a_short_excerpt(tmp_path):
    config = area_file(tmp_path, AREA.replace("disclosure:\n  min_count: 5",
                                              "disclosure:\n  min_count: " + "9" * 3000 + "x"))
    with pytest.raises(InputError) as err:
        load_area_config(config)
    assert "min_count" in str(err.value) and len(str(err.value)) <= 420


# --- rule: a YAML syntax error names the line of the problem ------------------------------------


def test_yaml_error_names_the_line_of_an_unclosed_quote(tmp_path):
    config = area_file(tmp_path, AREA.replace("name: Leicestershire", 'name: "Leicestershire'))
    line = refused(["ingest", "--config", str(config), "--out", str(tmp_path / "p"),
                    "--no-progress"], tmp_path / "p")
    assert line.startswith("error: area.yaml, line 6: is not valid YAML: a quoted value opened on "
                           "this line is not closed (found unexpected end of stream on line ")
    assert line.endswith(f"line {len(AREA.splitlines()) + 1})")  # PyYAML names the file's end


def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path, capsys):
    config = area_file(tmp_path, AREA + "working_vintage: LSOA21\n")
    line = refused_here(capsys, ["ingest", "--config", str(config), "--out", str(tmp_path / "p"),
                    "--no-progress"], tmp_path / "p")
    assert line == (f"error: area.yaml, line {len(AREA.splitlines()) + 1}: is not valid YAML: "
                    "key 'working_vintage' is "
                    f"given twice in one mapping (first on line {line_of(config, 'working_')}); "
                    "expected each key once")


@pytest.mark.parametrize(("text", "line", "start"), [
    ("a: 1\nb: [1, 2\nc: 3\nd: 4\n", 2, "a [ list opened on this line is not closed with ]"),
    ("d:\n  - {code: E1, name: A\n  - {code: E2, name: B}\ne: 1\n", 2,
     "a { mapping opened on this line is not closed with }"),
    ("a:\n  b: 1\n c: 2\nd: 4\n", 3, "while parsing a block mapping: expected <block end>"),
    ("a: 1\nb: x: y\nc: 2\n", 2, "mapping values are not allowed here"),
    ("a:\n\tb: 1\nc: 2\n", 2, "while scanning for the next token: found character '\\t'"),
])
def test_yaml_errors_name_the_line_where_the_problem_is(tmp_path, text, line, start):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_yaml(path)
    assert err.value.line == line
    assert str(err.value).startswith(f"x.yaml, line {line}: is not valid YAML: {start}")


# --- rule: an undecodable file is an encoding error, end to end ---------------------------------


def test_undecodable_forum_file_is_an_encoding_error_naming_the_offset(tmp_path, ingested):
    forums = tmp_path / "forums.csv"
    forums.write_bytes(b"forum,lsoa_code\r\nNorth,E01025610\r\nSouth,E0102\x8f5611\r\n")
    localities = tmp_path / "localities.yaml"
    localities.write_text((CONFIG_DIR / "localities.yaml").read_text().replace(
        "  file: null\n", f"  file: {forums}\n", 1))
    config = area_file(tmp_path, localities=str(localities))
    before = snapshot(ingested["out"])
    result = cli("localities", "--config", str(config), "--district", "Blaby",
                 "--out", str(ingested["out"]))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == ("error: forums.csv, line 3: cannot be decoded: byte 0x8f at offset "
                             "45 is not valid UTF-8 or Windows-1252 (expected a CSV saved as "
                             "UTF-8, UTF-16 or Windows-1252)\n")
    assert snapshot(ingested["out"]) == before
