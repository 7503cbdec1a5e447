"""Preparing what a run works from: the indicator store (the ingest) and the localities, each
rebuilt only when what it is made from has changed.

The ingest is made from the raw files the dataset catalogue names (and the geography files),
the area settings, the dataset and indicator catalogues, and the code; the localities from the
ingest and the settings (but the registers). Each build records a fingerprint of those
(the ``prepared_stamp`` dataset); the next run compares and skips what is current. ``force``
rebuilds both.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import datasets, fingerprint
from pipeline.config import AreaConfig, load_datasets
from pipeline.errors import InputError
from pipeline.ingest.common import dataset_files


def ingest_fingerprint(config: AreaConfig) -> str:
    """One SHA-256 over everything the ingest reads, and the code."""
    from pipeline import geography

    files = [config.path, config.datasets_path, *Path(config.indicators_path).rglob("*"),
             *(f for spec in load_datasets(config.datasets_path) for f in _files(spec.path)),
             *geography.geography_paths(config).values()]
    return fingerprint.digest_text(fingerprint.files_fingerprint(
        p for p in files if not Path(p).is_dir()), fingerprint.code_fingerprint())


def _files(path: Path) -> list[Path]:
    """The files a dataset path names (a file, a folder or a glob pattern); a path that names
    none counts as the path itself (the ingest then reports it)."""
    try:
        return dataset_files(path)
    except InputError:
        return [path]


def localities_fingerprint(config: AreaConfig, ingest: str) -> str:
    """One SHA-256 over the ingest's fingerprint and the settings (but the registers)."""
    registers = [config.config_file(k) for k in ("targets", "options", "appraisal")]
    return fingerprint.digest_text(ingest, fingerprint.settings_fingerprint(
        config.path, config.extra.values(), exclude=[p for p in registers if p is not None]))


def _current(step: str, wanted: str, processed: Path, outputs: tuple[str, ...]) -> bool:
    if not all(datasets.exists(name, processed) for name in outputs):
        return False
    if not datasets.exists("prepared_stamp", processed, step=step):
        return False
    return datasets.load("prepared_stamp", processed, step=step).get(step) == wanted


def prepare(config: AreaConfig, processed: Path, *, force: bool = False,
            progress: bool = True, isolated: bool = True) -> str:
    """Rebuild the store and the localities where they are not current; returns a line saying
    what was rebuilt and what was reused.

    With ``isolated`` a rebuild runs in a process of its own, which gives its memory (several
    GB while the ingest runs) back to the system when it ends, before the pages start.
    """
    ingest = ingest_fingerprint(config)
    store_files = ("indicators", "observations", "indicator_catalogue", "ingest_manifest")
    new_store = force or not _current("ingest", ingest, processed, store_files)
    localities = localities_fingerprint(config, ingest)
    new_localities = force or not _current("localities", localities, processed,
                                           (*datasets.PREPARED, "locality_shapes"))
    if not (new_store or new_localities):
        return "Indicator store and localities reused (inputs, settings and code unchanged)."
    stamps = {"ingest": ingest if new_store else "",
              "localities": localities if new_localities else ""}
    if not isolated:
        return _rebuild(config.path, processed, stamps, progress)
    from pipeline.executors import process_pool, stopping

    with stopping(process_pool(1)) as pool:
        return pool.submit(_rebuild, config.path, processed, stamps, progress).result()


def _rebuild(config_path: Path, processed: Path, stamps: dict[str, str], progress: bool) -> str:
    """Rebuild the store and/or the localities (those with a stamp to record)."""
    from pipeline.config import load_area_config
    from pipeline.context import prepare_localities
    from pipeline.store import run_ingest, write_store

    config = load_area_config(config_path)
    said = ["Indicator store reused"]
    for step in ("ingest", "localities"):
        if stamps[step]:
            datasets.path("prepared_stamp", processed, step=step).unlink(missing_ok=True)
    if stamps["ingest"]:
        result = run_ingest(config, progress=progress)
        write_store(result, config, processed)
        datasets.save("prepared_stamp", {"ingest": stamps["ingest"]}, processed, step="ingest")
        s = result.summary()
        unplaced = (f", {s['unplaced_records']:,} crime records without an LSOA code left out"
                    if s.get("unplaced_records") else "")
        said = [f"Indicator store rebuilt: {s['files_read']} files, {s['indicators']} "
                f"indicators, {s['store_rows']:,} rows{unplaced} ({s['seconds']} s)"]
    if stamps["localities"]:
        prepare_localities(config, processed)
        datasets.save("prepared_stamp", {"localities": stamps["localities"]}, processed,
                      step="localities")
        said.append("localities prepared")
    else:
        said.append("localities reused")
    return "; ".join(said) + "."
