"""The shape of the code: layers only look down, modules stay readable, notebooks stay thin."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pipeline.paths import NOTEBOOKS_DIR, PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "pipeline"
MAX_MODULE_LINES = 550
UPWARD_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(?:pipeline\.(?:reporting|pages)\b|openpyxl\b|zipfile\b|html\b)",
    re.MULTILINE)
#: Statements a notebook's code cells must not hold: definitions, loops and branches belong in
#: the page modules.
LOGIC = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.While,
         ast.If, ast.IfExp, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)
PROCESSED_NAMES = re.compile(r"[\"'][\w-]+\.(?:parquet|geojson)[\"']")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _code_cells(notebook: Path) -> list[tuple[int, str, list[str]]]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(i, "".join(c["source"]), c.get("metadata", {}).get("tags", []))
            for i, c in enumerate(cells) if c["cell_type"] == "code"]


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_reads_in_one_sitting(module):
    lines = module.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module.name} has {lines} lines"


def test_steps_never_import_presentation_or_file_formats():
    offenders = {p.name: UPWARD_IMPORT.findall(p.read_text(encoding="utf-8"))
                 for p in sorted((PACKAGE / "steps").glob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_upward_import_check_can_fail():
    assert UPWARD_IMPORT.search("from pipeline.reporting.pack import stage_table")
    assert UPWARD_IMPORT.search("    import openpyxl")
    assert not UPWARD_IMPORT.search("from pipeline.stats import intervals")


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_code_cells_only_call_the_page(notebook):
    cells = _code_cells(notebook)
    assert cells and "parameters" in cells[0][2], "the first code cell must be tagged 'parameters'"
    for index, source, _ in cells:
        found = sorted({type(node).__name__ for node in ast.walk(ast.parse(source))
                        if isinstance(node, LOGIC)})
        assert not found, f"{notebook.name} cell {index} holds {found}"


def test_processed_file_names_are_named_in_the_catalogue_only():
    offenders = [p.relative_to(PACKAGE).as_posix() for p in _modules()
                 if p.name != "datasets.py" and PROCESSED_NAMES.search(p.read_text("utf-8"))]
    assert offenders == []


def test_no_test_times_anything():
    """Timing belongs to make benchmark (tests/benchmarks): a wall-clock assertion fails on a
    busy machine. No test module outside tests/benchmarks reads a clock."""
    clocks = ("perf_counter", "time.time(", "monotonic(", "timeit")
    timed = [p.relative_to(PROJECT_ROOT).as_posix()
             for p in (PROJECT_ROOT / "tests").rglob("*.py")
             if "benchmarks" not in p.parts and p.name != "test_layout.py"
             and any(clock in p.read_text(encoding="utf-8") for clock in clocks)]
    assert timed == []
