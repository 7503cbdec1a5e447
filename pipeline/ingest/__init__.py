"""Readers: one per real file layout, each turning a file into tidy observation rows.

Every reader has the signature ``read(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame``
and returns rows in the layout of :data:`pipeline.schema.OBSERVATIONS`. Each reader module
exposes a ``READERS`` mapping; :func:`reader` looks names from ``config/datasets.yaml`` up there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.common import CodeRegistry, DatasetSpec

Reader = Callable[[DatasetSpec, CodeRegistry], pd.DataFrame]

READER_MODULES = ("iod", "population", "census", "crime", "tables")


def readers() -> dict[str, Reader]:
    """All registered readers by name."""
    found: dict[str, Reader] = {}
    for name in READER_MODULES:
        module = importlib.import_module(f"pipeline.ingest.{name}")
        found.update(module.READERS)
    return found


def reader(name: str, catalogue: str = "datasets.yaml") -> Reader:
    """Return the reader called ``name``, or a clear error listing the known ones."""
    known = readers()
    if name not in known:
        raise InputError(catalogue, f"unknown reader '{name}' (expected one of: "
                                    f"{', '.join(sorted(known))})")
    return known[name]
