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

A local worker process ignores Ctrl-C (the runner stops it: no traceback from every worker) and,
on Linux, dies with the runner (``PR_SET_PDEATHSIG``): a runner killed outright leaves no worker
writing behind it. When the runner is interrupted its pool is stopped at once rather than left
to finish the pages under way.

Examples
--------
>>> with open_executor(workers=1) as pool:
...     pool.submit(sum, [1, 2]).result()
3
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
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
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(exc)  # (Ctrl-C and SIGTERM go straight to the runner)
        return future


@contextlib.contextmanager
def _serial(workers: int, address: str | None) -> Iterator[Executor]:
    yield SerialExecutor()


PR_SET_PDEATHSIG = 1


def worker_start(parent: int) -> None:
    """Start of a local worker process: Ctrl-C is the runner's to handle, and the worker ends
    when the runner (process ``parent``) does, however it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the runner ended before the line above took effect
        os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of local worker processes (see :func:`worker_start`); "spawn": a worker starts
    clean (no copy of this process's kernels or data)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_start,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))


@contextlib.contextmanager
def stopping(pool: ProcessPoolExecutor) -> Iterator[ProcessPoolExecutor]:
    """Use ``pool``; if the block is interrupted or fails, kill its workers instead of waiting
    for the jobs under way (their outputs are written whole or not at all)."""
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextlib.contextmanager
def _processes(workers: int, address: str | None) -> Iterator[Executor]:
    with stopping(process_pool(workers)) as pool:
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
