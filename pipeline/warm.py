"""A papermill engine that keeps one kernel alive per process: warm kernels.

A cold papermill run starts a kernel for every notebook, which then imports pandas, geopandas,
plotly and statsmodels and reads the prepared data before doing any work. The ``warm`` engine
(registered with papermill as :data:`ENGINE_NAME`) starts one kernel per process and kernel name
and reuses it: imports and module-level caches stay loaded, while every notebook still starts
from a clean namespace (``%reset``-style: variables, history and the execution counter are
cleared before it runs). Executed notebooks are ordinary papermill notebooks: parameters
injected and recorded in their metadata. A notebook that fails leaves its kernel restarted, so
the next one starts clean.

Examples
--------
>>> import papermill
>>> register()
>>> ENGINE_NAME in papermill.engines.papermill_engines._engines
True
"""

from __future__ import annotations

import atexit
import os
import subprocess
import threading
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

ENGINE_NAME = "warm"
#: Run before each notebook: a fresh namespace, history and execution counter. What survives
#: the reset (modules, cached data) is then frozen out of the garbage collector's sight, so the
#: next reset's collection looks at the last notebook's objects only (0.13 s a page otherwise).
RESET_CODE = ("get_ipython().reset(new_session=True, aggressive=False); "
              "__import__('gc').freeze()")

#: Executed notebooks record their cells; a history database only slows each reset.
NO_HISTORY = ["--HistoryManager.enabled=False"]

Key = tuple[str, str, int]


class _Kernels:
    """The live kernels of this process, one per kernel name, working folder and thread (a
    Dask worker may run jobs on several threads)."""

    def __init__(self) -> None:
        self.live: dict[Key, tuple[Any, Any]] = {}

    def get(self, key: Key, config: Any, start_timeout: int) -> tuple[Any, Any]:
        """The kernel manager and client for ``key`` (kernel name, working folder, thread),
        started on first use."""
        if key not in self.live:
            from jupyter_client.manager import KernelManager

            manager = KernelManager(kernel_name=key[0], config=config)
            # the kernel's own log (e.g. "KeyboardInterrupt caught in kernel" when it stops)
            # is not the run's output: outputs reach the notebook through its messages
            manager.start_kernel(cwd=key[1], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, extra_arguments=NO_HISTORY)
            client = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=start_timeout)
            self.live[key] = (manager, client)
        return self.live[key]

    def reset(self, key: Key, timeout: int) -> None:
        """Clear the kernel's namespace before the next notebook."""
        _, client = self.live[key]
        reply = client.execute_interactive(RESET_CODE, silent=True, store_history=False,
                                           timeout=timeout, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the warm kernel could not be reset ({reply['content']})")

    def stop(self, key: Key) -> None:
        """Shut one kernel down (the next notebook starts a new one)."""
        manager, client = self.live.pop(key, (None, None))
        if manager is not None:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

    def stop_all(self) -> None:
        """Shut every kernel of this process down (at exit)."""
        for key in list(self.live):
            self.stop(key)


KERNELS = _Kernels()
atexit.register(KERNELS.stop_all)


def _failed(nb: Any) -> bool:
    return any(output.get("output_type") == "error"
               for cell in nb.cells if cell.get("cell_type") == "code"
               for output in cell.get("outputs", []))


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel kept alive between notebooks."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: int = 60, execution_timeout: int | None = None,
                                 **kwargs: Any) -> Any:
        """Run ``nb_man``'s notebook on this process's warm kernel (see the module)."""
        # papermill runs the engine in the notebook's folder
        key = (kernel_name, os.getcwd(), threading.get_ident())
        manager, client = KERNELS.get(key, kwargs.get("config"), start_timeout)
        KERNELS.reset(key, start_timeout)
        runner = PapermillNotebookClient(
            nb_man, km=manager, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file)
        runner.kc = client  # the live client: nbclient starts no kernel and keeps it running
        # papermill writes the whole notebook at every cell's start and end, for watching a
        # long run; a batch needs the finished notebook only, which papermill's
        # execute_notebook writes once when the engine returns (or raises)
        nb_man.save = lambda **kwargs: None
        try:
            result = runner.execute()
        except BaseException:
            KERNELS.stop(key)
            raise
        if _failed(nb_man.nb):
            KERNELS.stop(key)
        return result


def register() -> None:
    """Make the warm engine known to papermill as :data:`ENGINE_NAME`."""
    papermill_engines.register(ENGINE_NAME, WarmEngine)
