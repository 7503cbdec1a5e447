"""One check that a step's results are data only: the results store writes and reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import resultstore


def assert_storable(value: Any, folder: Path) -> Any:
    """Write ``value`` with :mod:`pipeline.resultstore` (which refuses anything but tables,
    arrays, plain values and package dataclasses, naming the field) and read it back."""
    back = resultstore.read(resultstore.write(value, Path(folder) / "stored"))
    assert type(back) is type(value)
    return back
