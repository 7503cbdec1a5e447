"""Running the project's notebooks in tests as the batch runs them: papermill on a warm kernel.

The kernel is started once per test process and kept (:mod:`pipeline.warm`), so a test that
runs a notebook pays for the notebook, not for a kernel start and the imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def execute(source: str | Path, executed: str | Path, parameters: dict[str, Any]) -> Path:
    """Run ``source`` into ``executed`` with ``parameters`` on this process's warm kernel."""
    import papermill

    from pipeline import warm

    warm.register()
    papermill.execute_notebook(str(source), str(executed), parameters=parameters,
                               kernel_name="python3", progress_bar=False,
                               engine_name=warm.ENGINE_NAME)
    return Path(executed)
