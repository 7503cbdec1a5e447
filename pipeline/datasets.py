"""The catalogue of processed datasets: every file the pipeline writes under ``data/processed/``.

Like Kedro's ``catalog.yml``, one table names each dataset with its path pattern and format; no
other module builds a processed path or defines a processed file name. Read and write them with
:func:`load` and :func:`save`, or get a path with :func:`path`.

Formats
-------
``parquet``   a table (``pandas.DataFrame``)
``geojson``   boundaries (``geopandas.GeoDataFrame``)
``json``      a small structure (dicts, lists, numbers, text)
``csv``       a table kept as text for people to read
``results``   a results dataclass: a folder with ``results.json`` (the structure and every small
              value) and one Parquet file per table (see :mod:`pipeline.resultstore`)
``folder``    a working folder (the staged tables of a pack's pages)
``lock``      a lock file (:mod:`pipeline.lock`), never read or written as data

Examples
--------
>>> from pipeline import datasets
>>> datasets.path("indicators", "/tmp/p").as_posix()
'/tmp/p/indicators.parquet'
>>> datasets.path("district_results", "/tmp/p", district="melton", part="baseline").as_posix()
'/tmp/p/results/melton/baseline'
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import atomic_path, json_text, write_atomic
from pipeline.paths import PROCESSED_DIR


@dataclass(frozen=True)
class Dataset:
    """One processed dataset: its path pattern (relative to the processed folder) and format."""

    name: str
    pattern: str
    format: str
    description: str


CATALOGUE: dict[str, Dataset] = {d.name: d for d in (
    Dataset("indicators", "indicators.parquet", "parquet",
            "the indicator store: one row per area, indicator, period and category"),
    Dataset("observations", "observations.parquet", "parquet",
            "every variable read from data/raw, tidy, before indicators are built"),
    Dataset("indicator_catalogue", "catalogue.csv", "csv",
            "the indicator catalogue the store was built with"),
    Dataset("similar_districts", "similar_districts.parquet", "parquet",
            "each English district's 15 most similar districts (statistical neighbours)"),
    Dataset("ingest_manifest", "manifest.json", "json",
            "the ingest's inputs (paths and SHA-256), row counts, timings and versions"),
    Dataset("locality_membership", "locality_membership.parquet", "parquet",
            "which LSOAs make up each locality"),
    Dataset("localities", "localities.parquet", "parquet",
            "one row per locality: id, name, type, district, population"),
    Dataset("locality_shapes", "locality_shapes.geojson", "geojson",
            "each locality's boundary, dissolved from its LSOAs"),
    Dataset("lsoas", "lsoas.parquet", "parquet",
            "the district attribute table of every working LSOA"),
    Dataset("locality_indicators", "locality_indicators.parquet", "parquet",
            "indicator rows of every locality and of each district's priority-vs-rest groups"),
    Dataset("target_forecasts", "results/target-forecasts", "results",
            "every target of the register forecast once per run, shared by the packs"),
    Dataset("recent_trends", "results/recent-trends.parquet", "parquet",
            "the recent trend (Fingertips' rule) of every area and indicator the packs show, "
            "computed once per run"),
    Dataset("district_results", "results/{district}/{part}", "results",
            "one part (baseline, evidence, targets, appraisal, action plan, a profile) of a "
            "district's results, computed once per run"),
    Dataset("results_stamp", "results/{district}/{part}.stamp.json", "json",
            "what a results part was computed from (input, register and code fingerprints)"),
    Dataset("prepared_stamp", "stamps/{step}.json", "json",
            "what the ingest or the localities were last built from (their fingerprint)"),
    Dataset("page_work", "runs/{area}", "folder",
            "where a pack's pages run and stage their download tables"),
    Dataset("project_lock", ".lock", "lock",
            "held (fcntl.flock) by the command writing the project; see pipeline.lock"),
)}


#: The datasets the localities step writes and every page's results are computed from.
PREPARED = ("locality_membership", "localities", "lsoas", "locality_indicators")


def dataset(name: str) -> Dataset:
    """The catalogue entry called ``name`` (KeyError naming the known ones otherwise)."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"no processed dataset called '{name}' (known: "
                       f"{', '.join(sorted(CATALOGUE))})") from None


def path(name: str, processed_dir: str | Path | None = None, **keys: str) -> Path:
    """The path of dataset ``name`` in ``processed_dir`` (default ``data/processed``)."""
    base = Path(processed_dir) if processed_dir else PROCESSED_DIR
    return base / dataset(name).pattern.format(**keys)


def exists(name: str, processed_dir: str | Path | None = None, **keys: str) -> bool:
    """Whether dataset ``name`` has been written."""
    return path(name, processed_dir, **keys).exists()


def load(name: str, processed_dir: str | Path | None = None, *, filters: Any = None,
         **keys: str) -> Any:
    """Read dataset ``name`` in its catalogued format (Parquet: only the rows ``filters`` keep,
    in pyarrow's filter form, read without the others)."""
    from pipeline import resultstore

    where, fmt = path(name, processed_dir, **keys), dataset(name).format
    if fmt == "parquet":
        return pd.read_parquet(where) if filters is None else _filtered(where, filters)
    if fmt == "geojson":
        import geopandas as gpd

        return gpd.read_file(where)
    if fmt == "json":
        return json.loads(where.read_text(encoding="utf-8"))
    if fmt == "csv":
        return pd.read_csv(where, dtype=str, keep_default_na=False)
    if fmt == "results":
        return resultstore.read(where)
    raise ValueError(f"dataset '{name}' ({fmt}) is not read with load()")


def _filtered(where: Path, filters: Any) -> pd.DataFrame:
    """The rows of a Parquet file that ``filters`` keep. Text is read as dictionary codes, so
    only the kept rows become Python strings (a tenth of the time and memory of a plain
    filtered read of the indicator store), then given back as ordinary text columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [f.name for f in pq.read_schema(where)
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    table = pq.read_table(where, filters=filters, read_dictionary=text)
    return table.to_pandas().astype({column: object for column in text})


def _writer(name: str, obj: Any, where: Path) -> Callable[[Path], Any]:
    """How dataset ``name`` is written to a (temporary) file."""
    fmt = dataset(name).format
    if fmt == "parquet":
        return lambda tmp: obj.to_parquet(tmp, index=False)
    if fmt == "geojson":
        # the layer is named after the dataset, not the temporary file (same bytes every run)
        return lambda tmp: obj.to_file(tmp, driver="GeoJSON", layer=where.stem)
    if fmt == "json":
        return lambda tmp: tmp.write_text(json_text(obj), encoding="utf-8", newline="\n")
    if fmt == "csv":
        return lambda tmp: obj.to_csv(tmp, index=False, lineterminator="\n")
    raise ValueError(f"dataset '{name}' ({fmt}) is not written with save()")


def save(name: str, obj: Any, processed_dir: str | Path | None = None, **keys: str) -> Path:
    """Write ``obj`` as dataset ``name`` (temporary file or folder first, then renamed)."""
    from pipeline import resultstore

    where = path(name, processed_dir, **keys)
    if dataset(name).format == "results":
        return resultstore.write(obj, where)
    return write_atomic(where, _writer(name, obj, where))


def save_together(items: Mapping[str, Any], processed_dir: str | Path | None = None) -> None:
    """Write several datasets as one: each to a temporary file first, and only when all are
    written are they renamed into place, one after another (a run stopped while writing leaves
    every previous file as it was)."""
    with contextlib.ExitStack() as stack:
        for name, obj in items.items():
            where = path(name, processed_dir)
            _writer(name, obj, where)(stack.enter_context(atomic_path(where)))
