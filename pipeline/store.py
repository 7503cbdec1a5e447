"""The ingest: read every catalogued file, build the indicator store, write it with a manifest.

This is the one place where the ingest reads and writes files. Reading happens through the
registered readers, writing through :mod:`pipeline.io` (temporary file, then rename).
"""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline import __version__, datasets
from pipeline.config import AreaConfig, load_datasets
from pipeline.errors import InputError
from pipeline.indicators import add_intervals, build_indicators, load_catalogue
from pipeline.ingest import reader
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.io import sha256_file
from pipeline.paths import PROCESSED_DIR, PROJECT_ROOT, RAW_DIR
from pipeline.schema import OBSERVATIONS, STORE, validate

PACKAGES = ("pandas", "numpy", "geopandas", "pyarrow", "pandera", "scipy", "statsmodels",
            "plotly", "papermill", "nbconvert", "openpyxl", "jinja2")


@dataclass
class IngestResult:
    """What an ingest produced, for the summary and the manifest."""

    observations: pd.DataFrame
    store: pd.DataFrame
    catalogue: pd.DataFrame
    inputs: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        """Counts users see after ``python -m pipeline ingest``."""
        types = self.store["area_type"]
        lsoa = types.isin([t for t in types.unique() if t.startswith("LSOA")])
        return {
            "files_read": len(self.inputs),
            "observation_rows": len(self.observations),
            "store_rows": len(self.store),
            "indicators": int(self.store["indicator_id"].nunique()),
            "areas": int(self.store["area_code"].nunique()),
            "lsoas": int(self.store.loc[lsoa, "area_code"].nunique()),
            "seconds": round(self.seconds, 1),
        }


def code_version() -> str:
    """The package version plus the git commit when run from a checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
            text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        return f"{__version__}+{commit}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return __version__


def package_versions() -> dict[str, str]:
    """Versions of the main libraries, for the manifest."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def read_dataset(spec: DatasetSpec, codes: CodeRegistry) -> pd.DataFrame:
    """Read one catalogued file with its reader and check the rows against the schema."""
    if not spec.path.exists():
        raise InputError(spec.path, f"file named in the dataset catalogue (datasets.{spec.id}) "
                                    f"does not exist (expected at {spec.path})")
    obs = reader(spec.reader)(spec, codes)
    return validate(obs, OBSERVATIONS, spec.path.name)


def _check_no_overlap(frames: dict[str, pd.DataFrame]) -> None:
    """Two files must not both supply the same area x variable x period x category."""
    keys = ["area_code", "area_type", "variable", "period", "category"]
    seen: dict[tuple, str] = {}
    for dataset_id, df in frames.items():
        for key in df[["area_type", "variable", "period"]].drop_duplicates().itertuples(index=False):
            if key in seen:
                first = seen[key]
                overlap = frames[first].merge(df, on=keys)
                if not overlap.empty:
                    row = overlap.iloc[0]
                    raise InputError(
                        df["source"].iloc[0],
                        f"duplicate key: {row['variable']} for {row['area_code']} "
                        f"({row['period']}) is also supplied by {frames[first]['source'].iloc[0]}; "
                        "expected each value from one file only",
                    )
            else:
                seen[key] = dataset_id


def run_ingest(config: AreaConfig, *, progress: bool = True) -> IngestResult:
    """Read every enabled dataset and build the indicator store (in memory).

    Parameters
    ----------
    config
        The area settings; the dataset and indicator catalogues are found from it.
    progress
        Show a progress bar over the files.
    """
    from pipeline import geography

    start = time.perf_counter()
    specs = load_datasets(config.datasets_path)
    catalogue = load_catalogue(config.indicators_path)
    codes = geography.code_registry(config)
    frames: dict[str, pd.DataFrame] = {}
    inputs = []
    for spec in tqdm(specs, desc="Reading", unit="file", disable=not progress, leave=False):
        t0 = time.perf_counter()
        frames[spec.id] = read_dataset(spec, codes)
        inputs.append({
            "dataset": spec.id,
            "path": spec.path.relative_to(RAW_DIR).as_posix()
            if spec.path.is_relative_to(RAW_DIR) else str(spec.path),
            "reader": spec.reader,
            "sha256": sha256_file(spec.path),
            "rows": len(frames[spec.id]),
            "seconds": round(time.perf_counter() - t0, 2),
        })
    _check_no_overlap(frames)
    observations = pd.concat(frames.values(), ignore_index=True)
    moved = geography.to_working_vintage(observations, specs, config)
    observations = pd.concat([observations, moved], ignore_index=True)
    lsoa_store = add_intervals(build_indicators(observations, catalogue), catalogue)
    store = pd.concat([lsoa_store, comparator_rows(lsoa_store, catalogue, config)],
                      ignore_index=True)
    store = validate(store, STORE, "indicator store")
    return IngestResult(observations, store, catalogue, inputs, time.perf_counter() - start)


def comparator_rows(
    store: pd.DataFrame, catalogue: pd.DataFrame, config: AreaConfig
) -> pd.DataFrame:
    """District, county and England rows aggregated from the working-vintage LSOA rows.

    England rows exist only for indicators with values for every LSOA in England (the IoD);
    the others have county coverage only and get no England value.
    """
    from pipeline import geography
    from pipeline.aggregate import aggregate

    lookup = geography.lsoa_lookup(config)
    weights = geography.lsoa_population(config)
    working = store[store["area_type"] == config.working_vintage]
    districts = lookup[["lad_code", "lsoa_code"]].rename(columns={"lad_code": "area_code"})
    county = lookup[["lsoa_code"]].assign(area_code=config.county.code)
    english = pd.Series(working["area_code"].unique())
    england = pd.DataFrame({"area_code": config.england.code,
                            "lsoa_code": english[english.str.startswith("E")]})
    parts = [
        aggregate(working, districts, catalogue, weights, area_type="LAD"),
        aggregate(working, county, catalogue, weights, area_type="CTY"),
    ]
    national = aggregate(working, england, catalogue, weights, area_type="ENG")
    parts.append(national[national["value"].notna()])
    return pd.concat(parts, ignore_index=True)


def write_store(result: IngestResult, config: AreaConfig, out_dir: Path = PROCESSED_DIR) -> Path:
    """Write the observations, the store, the catalogue and the manifest into ``out_dir``
    together (all written first, then renamed into place: see :func:`datasets.save_together`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    per_source = result.observations.groupby("source").size().sort_index()
    manifest = {
        "code_version": code_version(),
        "config": str(config.path.relative_to(PROJECT_ROOT))
        if config.path.is_relative_to(PROJECT_ROOT) else str(config.path),
        "working_vintage": config.working_vintage,
        "inputs": result.inputs,
        "rows_per_source": {k: int(v) for k, v in per_source.items()},
        "summary": result.summary(),
        "packages": package_versions(),
    }
    datasets.save_together({"observations": result.observations, "indicators": result.store,
                            "indicator_catalogue": result.catalogue,
                            "ingest_manifest": manifest}, out_dir)
    return datasets.path("ingest_manifest", out_dir)


def load_store(out_dir: Path = PROCESSED_DIR, *, filters: Any = None) -> pd.DataFrame:
    """Read the indicator store written by the ingest, with a clear error if it is missing;
    with ``filters`` (pyarrow's form, e.g. :func:`pipeline.context.area_store_filter`) only the
    rows they keep are read, in file order."""
    path = datasets.path("indicators", out_dir)
    if not path.exists():
        raise InputError(path, "the indicator store has not been built yet "
                               "(run `python -m pipeline ingest` first)")
    return datasets.load("indicators", out_dir, filters=filters)


def load_observations(
    out_dir: str | Path | None = None,
    *,
    variables: Sequence[str] | None = None,
    area_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the observations written by the ingest, optionally only some variables / areas.

    The filters are applied while reading (pyarrow), so asking for the population by single
    year of age of one district reads a few thousand of the file's ~4.8 million rows.
    """
    path = datasets.path("observations", out_dir)
    if not path.exists():
        raise InputError(path, "observations have not been built yet "
                               "(run `python -m pipeline ingest` first)")
    filters = []
    if variables is not None:
        filters.append(("variable", "in", sorted(set(variables))))
    if area_codes is not None:
        filters.append(("area_code", "in", sorted(set(area_codes))))
    return datasets.load("observations", out_dir, filters=filters or None).reset_index(drop=True)
