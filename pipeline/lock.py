"""One writer at a time: the commands that write the processed folder or the packs hold a lock.

``run``, ``ingest`` and ``localities`` take an exclusive :func:`fcntl.flock` on a file in the
processed folder (the ``project_lock`` dataset) for as long as they run. A second command that
finds it held stops at once with one line naming the holder (its process id, command and start
time). The lock belongs to the open file, so the kernel releases it when the holder ends in
any way -- finished, failed, interrupted or killed -- and a lock left by a killed run never
blocks the next one; the temporary files a killed command left are removed when the next one
takes the lock. Only the command's own process takes it: the worker processes and kernels it
starts never touch it (and inherit no handle to it: Python opens files non-inheritable).

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> with project_lock(folder, "python -m pipeline ingest"):
...     pass
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pipeline import datasets
from pipeline.errors import InputError


def command_line() -> str:
    """This process's command as a user would type it (``python -m pipeline run ...``)."""
    return "python -m pipeline " + shlex.join(sys.argv[1:])


def _holder(fd: int) -> str:
    """Who holds the lock, from what it wrote into the file (``unknown`` while it writes)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8"))
        return (f"process {int(info['pid'])}, `{info['command']}`, started "
                f"{info['started']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


def _acquire(path: Path) -> int:
    """An open descriptor of ``path`` holding its lock, or :class:`InputError` naming the holder.

    The file is removed on release, so a descriptor may lock a file another process has just
    removed; the lock counts only if ``path`` is still that file (else try again).
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise InputError(None, f"another pipeline command is writing to this project "
                                   f"({holder}); wait for it to finish, then run this one "
                                   "again") from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def remove_leftovers(processed_dir: Path) -> list[Path]:
    """Remove the temporary files (``.<name>.<random>.tmp``, :func:`pipeline.io.atomic_path`)
    a killed command left in the processed folder; called with the lock held, when nobody can
    be writing them. Returns what was removed."""
    removed = []
    for leftover in sorted(processed_dir.rglob(".*.tmp")):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


@contextlib.contextmanager
def project_lock(processed_dir: str | Path, command: str | None = None) -> Iterator[Path]:
    """Hold the project's lock (in ``processed_dir``) for the block; yields the lock file.

    Parameters
    ----------
    processed_dir
        The processed folder the command writes (created if missing).
    command
        What to tell a second command about this one (default: this process's command line).

    Raises
    ------
    InputError
        Another process holds the lock: the message names it.
    """
    path = datasets.path("project_lock", processed_dir)
    created = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path)
    try:
        remove_leftovers(path.parent)
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command or command_line(),
                                 "started": started}).encode("utf-8"))
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # while still held: nobody else can be holding this file
        os.close(fd)
        if created:  # a command that wrote nothing leaves no empty folder behind
            with contextlib.suppress(OSError):
                path.parent.rmdir()
