"""Atomic writes: all or nothing, and readable like any other file."""

import os
import stat

import pytest

from pipeline.io import write_atomic, write_text


def test_written_file_has_normal_permissions(tmp_path):
    path = write_text("hello", tmp_path / "page.html")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_failed_write_leaves_nothing(tmp_path):
    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.csv", broken)
    assert list(tmp_path.iterdir()) == []
