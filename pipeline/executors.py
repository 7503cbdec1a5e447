"""Where the batch's jobs run: this process, a local process pool, or a Dask cluster.

The batch hands every job (a district's results, one page, one pack) to a
:class:`concurrent.futures.Executor` and waits on the futures; which executor is a choice made
here, by name, as papermill chooses its engines:

- ``"serial"``: in this process, one job after another (one worker; the simplest to debug);
- ``"processes"``: a local pool of worker processes (:class:`~concurrent.futures.ProcessPoolExecutor`);
- ``"dask"``: a Dask distributed cluster, through the :class:`concurrent.futures`-style executor
  of a :class:`distributed.Client` -- the scheduler at ``address``, or a
  :class:`~distributed.LocalCluster` of ``workers`` single-threaded processes started for the
  run when ``address`` is ``"local"``. Its workers must see the same project folder.

Each worker process keeps one warm kernel (:mod:`pipeline.warm`), so the jobs of a run share a
few kernels whatever the executor.

Examples
--------
>>> with open_executor(workers=1) as pool:
...     pool.submit(sum, [1, 2]).result()
3
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from pipeline.errors import InputError


class SerialExecutor(Executor):
    """Runs each job when it is submitted, in this process (futures come back done)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def _serial(workers: int, address: str | None) -> Iterator[Executor]:
    yield SerialExecutor()


@contextlib.contextmanager
def _processes(workers: int, address: str | None) -> Iterator[Executor]:
    # "spawn": a worker starts clean (no copy of this process's kernels or data)
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@contextlib.contextmanager
def _dask(workers: int, address: str | None) -> Iterator[Executor]:
    import logging

    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)  # the run prints its own summary
    with contextlib.ExitStack() as stack:
        if address in (None, "", "local"):
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout="30s"))
            except OSError as exc:
                raise InputError(None, f"cannot reach the Dask scheduler at {address} "
                                       f"({exc}); expected a running scheduler") from None
        with client.get_executor(pure=False) as pool:
            yield pool


#: Executor factories by name (see the module).
EXECUTORS: dict[str, Callable[[int, str | None], contextlib.AbstractContextManager]] = {
    "serial": _serial,
    "processes": _processes,
    "dask": _dask,
}


def executor_name(workers: int, scheduler: str | None) -> str:
    """The executor a run uses: Dask when a scheduler is named, else processes for more than
    one worker, else serial."""
    if scheduler:
        return "dask"
    return "processes" if workers > 1 else "serial"


def open_executor(workers: int = 1, scheduler: str | None = None
                  ) -> contextlib.AbstractContextManager[Executor]:
    """The executor for ``workers`` and ``scheduler`` (a Dask scheduler address, ``"local"``
    for a local Dask cluster, or ``None``), as a context manager that shuts it down."""
    return EXECUTORS[executor_name(workers, scheduler)](workers, scheduler)
