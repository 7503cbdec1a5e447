"""Results dataclasses written as a folder of Parquet tables plus one JSON structure.

:func:`write` turns a results object (a dataclass whose fields are tables, arrays, plain values,
lists, dicts and other such dataclasses) into ``results.json`` and ``t<N>.parquet`` /
``a<N>.npy`` files; :func:`read` gives back an equal object. Anything else (a fitted model, a
function, an open file) is refused with the path of the field that holds it, which keeps the
steps' results data-only.

Examples
--------
>>> import tempfile, pandas as pd
>>> folder = write({"table": pd.DataFrame({"a": [1, 2]}), "n": 0.1}, tempfile.mkdtemp() + "/r")
>>> back = read(folder)
>>> back["table"]["a"].tolist(), back["n"]
([1, 2], 0.1)
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

STRUCTURE_FILE = "results.json"
#: Only classes of this package are rebuilt from a results folder.
TRUSTED_PREFIX = "pipeline."


class ResultsError(TypeError):
    """A value that cannot be stored in a results folder, or a folder that cannot be read."""


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def _file(self, prefix: str, suffix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}{suffix}"

    def table(self, frame: pd.DataFrame, where: str) -> dict[str, Any]:
        name = self._file("t", ".parquet")
        labels = list(frame.columns)
        plain = all(isinstance(c, str) for c in labels) and len(set(labels)) == len(labels)
        stored = frame if plain else frame.set_axis([f"c{i}" for i in range(len(labels))], axis=1)
        try:
            stored.to_parquet(self.folder / name)  # the index is kept (a RangeIndex as metadata)
        except Exception as exc:  # noqa: BLE001 - say which field could not be stored
            raise ResultsError(f"{where}: the table cannot be stored as Parquet ({exc})") from exc
        entry: dict[str, Any] = {"__table__": name, "geo": _is_geo(frame)}
        if not plain:
            entry["columns"] = [self.value(c, f"{where}.columns") for c in labels]
        return entry

    def value(self, obj: Any, where: str) -> Any:  # noqa: PLR0911 - one branch per kind of value
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, np.integer)) and not isinstance(obj, bool):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            return float(obj)  # JSON keeps every digit (and NaN) of a Python float
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, pd.DataFrame):
            return self.table(obj, where)
        if isinstance(obj, pd.Series):
            entry = self.table(obj.to_frame("values"), where)
            return {"__series__": entry, "name": self.value(obj.name, f"{where}.name")}
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                raise ResultsError(f"{where}: an array of Python objects cannot be stored")
            name = self._file("a", ".npy")
            np.save(self.folder / name, obj, allow_pickle=False)
            return {"__array__": name}
        if isinstance(obj, pd.Timestamp):
            return {"__timestamp__": obj.isoformat()}
        if isinstance(obj, Path):
            return {"__path__": str(obj)}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self.dataclass(obj, where)
        if isinstance(obj, (list, tuple)):
            items = [self.value(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return items if isinstance(obj, list) else {"__tuple__": items}
        if isinstance(obj, dict):
            return {"__dict__": [[self.value(k, f"{where}.key"), self.value(v, f"{where}[{k!r}]")]
                                 for k, v in obj.items()]}
        if isinstance(obj, (set, frozenset)):
            return {"__set__": sorted(self.value(v, where) for v in obj)}
        raise ResultsError(f"{where}: a {type(obj).__name__} cannot be stored in results "
                           "(results hold tables, arrays and plain values only)")

    def dataclass(self, obj: Any, where: str) -> dict[str, Any]:
        cls = type(obj)
        path = f"{cls.__module__}:{cls.__qualname__}"
        if not path.startswith(TRUSTED_PREFIX):
            raise ResultsError(f"{where}: {path} is not a class of this package")
        fields = {f.name: self.value(getattr(obj, f.name), f"{where}.{f.name}")
                  for f in dataclasses.fields(obj)}
        return {"__dataclass__": path, "fields": fields}


def _is_geo(frame: pd.DataFrame) -> bool:
    return type(frame).__name__ == "GeoDataFrame"


def write(obj: Any, folder: str | Path) -> Path:
    """Write ``obj`` to ``folder`` (built beside it, then renamed over any previous copy)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        writer = _Writer(building)
        structure = writer.value(obj, type(obj).__name__)
        (building / STRUCTURE_FILE).write_text(json.dumps(structure, sort_keys=True),
                                               encoding="utf-8")
        os.chmod(building, 0o755)
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(building, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


class _Reader:
    def __init__(self, folder: Path):
        self.folder = folder

    def table(self, entry: dict[str, Any]) -> pd.DataFrame:
        where = self.folder / entry["__table__"]
        if entry.get("geo"):
            import geopandas as gpd

            frame = gpd.read_parquet(where)
        else:
            frame = pd.read_parquet(where)
        if "columns" in entry:
            frame.columns = [self.value(c) for c in entry["columns"]]
        return _lists_restored(frame)

    def value(self, obj: Any) -> Any:  # noqa: PLR0911 - one branch per kind of value
        if not isinstance(obj, (dict, list)):
            return obj
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if "__table__" in obj:
            return self.table(obj)
        if "__series__" in obj:
            return self.table(obj["__series__"])["values"].rename(self.value(obj["name"]))
        if "__array__" in obj:
            return np.load(self.folder / obj["__array__"], allow_pickle=False)
        if "__timestamp__" in obj:
            return pd.Timestamp(obj["__timestamp__"])
        if "__path__" in obj:
            return Path(obj["__path__"])
        if "__tuple__" in obj:
            return tuple(self.value(v) for v in obj["__tuple__"])
        if "__set__" in obj:
            return {self.value(v) for v in obj["__set__"]}
        if "__dict__" in obj:
            return {_hashable(self.value(k)): self.value(v) for k, v in obj["__dict__"]}
        if "__dataclass__" in obj:
            return self.dataclass(obj)
        raise ResultsError(f"{self.folder}: unknown entry {sorted(obj)[:3]}")

    def dataclass(self, obj: dict[str, Any]) -> Any:
        module, _, qualname = obj["__dataclass__"].partition(":")
        if not module.startswith(TRUSTED_PREFIX):
            raise ResultsError(f"{self.folder}: {module} is not a module of this package")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        instance = cls.__new__(cls)
        for name, value in obj["fields"].items():
            object.__setattr__(instance, name, self.value(value))
        return instance


def _lists_restored(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells that were lists come back from Parquet as arrays: make them lists again."""
    for column in frame.select_dtypes(include="object").columns:
        values = frame[column]
        if any(isinstance(v, np.ndarray) for v in values):
            frame[column] = [v.tolist() if isinstance(v, np.ndarray) else v for v in values]
    return frame


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def read(folder: str | Path) -> Any:
    """Read back the object written by :func:`write`."""
    folder = Path(folder)
    structure = json.loads((folder / STRUCTURE_FILE).read_text(encoding="utf-8"))
    return _Reader(folder).value(structure)
