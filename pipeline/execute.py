"""Executing one notebook with papermill: declared parameters checked, one-line failures.

Papermill only *warns* about a parameter a notebook does not declare; :func:`check_parameters`
refuses it. :func:`execute_notebook` runs a notebook into its executed copy and turns a cell's
error into :class:`NotebookFailed`, whose message names the notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

KERNEL_NAME = "python3"
# Kernels talk to the runner over CurveZMQ-encrypted TCP where the kernelspec supports it
# (ipykernel 7 installs it so); otherwise every kernel start prints a warning.
KERNEL_CONFIG = {"KernelManager": {"transport_encryption": "auto"}}


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution and the page it becomes."""

    notebook: str
    source: Path
    executed: Path
    href: str
    kind: str
    parameters: dict[str, str]
    label: str = ""


class NotebookFailed(Exception):
    """A notebook raised while running: the one-line message names the notebook."""


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """The parameters declared in a notebook's cell tagged ``parameters`` (papermill)."""
    import papermill

    if not Path(notebook).exists():
        raise InputError(notebook, "notebook not found")
    try:
        return dict(papermill.inspect_notebook(str(notebook)))
    except Exception as exc:
        raise InputError(notebook, f"cannot be read as a notebook ({exc})") from exc


def check_parameters(notebook: Path, names: Sequence[str]) -> None:
    """Refuse parameters ``notebook`` does not declare (papermill itself would only warn).

    Raises
    ------
    InputError
        Naming the notebook and the first undeclared parameter.
    """
    declared = declared_parameters(notebook)
    for name in names:
        if name not in declared:
            has = ", ".join(sorted(declared)) if declared else "none: no cell is tagged 'parameters'"
            raise InputError(notebook, f"does not declare the parameter '{name}' in its "
                                       f"parameters cell (it declares: {has})")


def execute_notebook(job: NotebookJob, *, kernel_name: str = KERNEL_NAME,
                     cell_timeout: int | None = None, warm: bool = False) -> Path:
    """Run one notebook with papermill into ``job.executed``; a cell error -> NotebookFailed.

    With ``warm`` it runs on this process's warm kernel (:mod:`pipeline.warm`), otherwise on a
    kernel of its own.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    from pipeline import warm as warm_engine

    warm_engine.register()
    check_parameters(job.source, list(job.parameters))
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    where = job.notebook + (f" ({job.label})" if job.label else "")
    try:
        papermill.execute_notebook(
            str(job.source), str(job.executed), parameters=job.parameters,
            kernel_name=kernel_name, progress_bar=False, log_output=False,
            cwd=str(job.source.parent), execution_timeout=cell_timeout,
            config=Config(KERNEL_CONFIG),
            engine_name=warm_engine.ENGINE_NAME if warm else None,
        )
    except PapermillExecutionError as exc:
        raise NotebookFailed(f"{where}: {exc.ename}: {exc.evalue}") from exc
    except Exception as exc:
        raise NotebookFailed(f"{where}: {type(exc).__name__}: {exc}") from exc
    return job.executed
