"""Warm kernels: one kernel per worker, a clean namespace per notebook, a restart after a failure."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pipeline.execute import NotebookFailed, NotebookJob, execute_notebook
from pipeline.warm import KERNELS

pytestmark = pytest.mark.slow


def _notebook(folder: Path, name: str, *code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("x = 0")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, *(nbformat.v4.new_code_cell(c) for c in code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _run(source: Path, out: Path, x: int) -> nbformat.NotebookNode:
    job = NotebookJob(notebook=source.stem, source=source, executed=out / source.name,
                      href="", kind="step", parameters={"x": x})
    return nbformat.read(execute_notebook(job, warm=True), as_version=4)


def _pid(nb: nbformat.NotebookNode) -> int:
    return int(next(o["text"] for c in nb.cells if c.cell_type == "code"
                    for o in c.outputs if o.get("name") == "stdout"))


def test_notebooks_share_a_kernel_but_not_their_variables(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    first = _notebook(src, "first", "import os\nleak = x\nprint(os.getpid())")
    second = _notebook(src, "second", "import os\nassert 'leak' not in globals(), 'leaked'\n"
                                      "assert x == 7\nprint(os.getpid())")
    failing = _notebook(src, "failing", "raise ValueError('boom')")
    a, b = _run(first, out, 5), _run(second, out, 7)
    assert _pid(a) == _pid(b)  # the same kernel ...
    assert b.metadata["papermill"]["parameters"] == {"x": 7}  # ... real papermill notebooks
    assert [c.execution_count for c in b.cells if c.cell_type == "code"] == [1, 2, 3]
    with pytest.raises(NotebookFailed, match="failing: ValueError: boom"):
        _run(failing, out, 1)
    c = _run(second, out, 7)
    assert _pid(c) != _pid(a)  # restarted after the failure
    KERNELS.stop_all()
    assert KERNELS.live == {}
