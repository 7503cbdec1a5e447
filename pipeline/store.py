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
from pipeline.fingerprint import digest_text
from pipeline.indicators import add_intervals, build_indicators, load_catalogue, term_table
from pipeline.ingest import reader
from pipeline.ingest.common import CodeRegistry, DatasetSpec, dataset_files
from pipeline.io import sha256_file
from pipeline.paths import PROCESSED_DIR, PROJECT_ROOT, RAW_DIR
from pipeline.schema import OBSERVATIONS, STORE, validate, variable_rule
from pipeline.similar import similar_districts

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
    similar: pd.DataFrame | None = None

    def summary(self) -> dict:
        """Counts users see after ``python -m pipeline ingest``."""
        types = self.store["area_type"]
        lsoa = types.isin([t for t in types.unique() if t.startswith("LSOA")])
        return {
            "files_read": sum(len(i.get("files", [i["path"]])) for i in self.inputs),
            "observation_rows": len(self.observations),
            "store_rows": len(self.store),
            "indicators": int(self.store["indicator_id"].nunique()),
            "areas": int(self.store["area_code"].nunique()),
            "lsoas": int(self.store.loc[lsoa, "area_code"].nunique()),
            "unplaced_records": sum(sum(i.get("unplaced_records", {}).values())
                                    for i in self.inputs),
            "seconds": round(self.seconds, 1),
        }

    def summary_line(self) -> str:
        """The counts as one line, as the ``ingest`` command prints them."""
        s = self.summary()
        unplaced = (f"; {s['unplaced_records']:,} crime records without an LSOA code left out "
                    "(per file in the manifest)" if s["unplaced_records"] else "")
        return (f"{s['files_read']} files read, {s['observation_rows']:,} observations, "
                f"{s['store_rows']:,} indicator rows, {s['indicators']} indicators, "
                f"{s['areas']:,} areas ({s['lsoas']:,} LSOAs){unplaced}")


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


def read_dataset(spec: DatasetSpec, codes: CodeRegistry,
                 membership: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read one catalogued file with its reader and check the rows against the schema.

    With ``membership`` (:func:`pipeline.geography.national_membership`), an England-wide file
    (option ``national_totals``) is reduced by :func:`national_totals` after the check, so a
    value the schema forbids anywhere in England is refused, not summed into a total.
    """
    try:
        dataset_files(spec.path)
    except InputError as exc:
        raise InputError(spec.path, f"named in the dataset catalogue (datasets.{spec.id}): "
                                    f"{exc.message}") from None
    obs = validate(reader(spec.reader)(spec, codes), OBSERVATIONS, spec.path.name)
    if membership is not None and spec.option("national_totals"):
        obs = national_totals(obs, membership)
    return obs


def _input_entry(spec: DatasetSpec, obs: pd.DataFrame, seconds: float) -> dict:
    """The manifest's record of one dataset: its file(s) with their hashes, rows and time, and
    the records left out for lack of an area (police.uk records without an LSOA, per file)."""
    files = dataset_files(spec.path)
    hashes = {f.name: sha256_file(f) for f in files}
    entry = {
        "dataset": spec.id,
        "path": spec.path.relative_to(RAW_DIR).as_posix()
        if spec.path.is_relative_to(RAW_DIR) else str(spec.path),
        "reader": spec.reader,
        "sha256": next(iter(hashes.values())) if files == [spec.path] else
        digest_text(*(f"{name} {h}" for name, h in hashes.items())),
        "rows": len(obs),
        "seconds": round(seconds, 2),
    }
    if files != [spec.path]:
        entry["files"] = hashes
    if "unplaced_by_file" in obs.attrs:
        entry["unplaced_records"] = dict(obs.attrs["unplaced_by_file"])
    return entry


def check_catalogue_supplied(frames: dict[str, pd.DataFrame], specs: Sequence[DatasetSpec],
                             catalogue: pd.DataFrame) -> None:
    """Every dataset supplies some of the variables the indicator catalogue uses from the
    families of variables it holds (:data:`pipeline.schema.VARIABLES`): a File 10 that held
    only sheets no indicator uses, or a Census table read under another table's id, is an error
    naming the dataset and the variables expected."""
    computed = catalogue[catalogue["status"] == "computed"]
    needed = set(term_table(computed)["variable"])
    for spec in specs:
        supplied = set(pd.unique(frames[spec.id]["variable"]))
        families = {variable_rule(v)[0] for v in supplied} - {""}
        expected = sorted(v for v in needed if variable_rule(v)[0] in families)
        if expected and not supplied.intersection(expected):
            raise InputError(spec.path, f"dataset '{spec.id}' supplied none of the variables the "
                                        f"indicator catalogue uses from it: expected one of "
                                        f"{_some(expected)}; it supplied {_some(sorted(supplied))}")


def _some(names: Sequence[str], n: int = 6) -> str:
    return ", ".join(names[:n]) + (f" (and {len(names) - n} more)" if len(names) > n else "")


def national_totals(obs: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """An England-wide file's rows reduced to the county's own LSOAs plus the sums for every
    English district, region, the county and England (:func:`pipeline.aggregate.
    sum_observations`): the other LSOAs of England are not kept."""
    from pipeline.aggregate import sum_observations

    county = membership[(membership["area_type"] == "CTY")
                        & membership["vintage"].isin(obs["area_type"].unique())]
    own = obs["area_code"].isin(county["lsoa_code"])
    return pd.concat([obs[own], sum_observations(obs, membership)], ignore_index=True)


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
    membership = geography.national_membership(config)
    for spec in tqdm(specs, desc="Reading", unit="file", disable=not progress, leave=False):
        t0 = time.perf_counter()
        frames[spec.id] = read_dataset(spec, codes, membership)
        inputs.append(_input_entry(spec, frames[spec.id], time.perf_counter() - t0))
    _check_no_overlap(frames)
    check_catalogue_supplied(frames, specs, catalogue)
    observations = pd.concat(frames.values(), ignore_index=True)
    moved = geography.to_working_vintage(observations, specs, config)
    observations = pd.concat([observations, moved], ignore_index=True)
    lsoa_store = add_intervals(build_indicators(observations, catalogue), catalogue)
    store = pd.concat([lsoa_store, comparator_rows(lsoa_store, catalogue, config, membership)],
                      ignore_index=True)
    store = validate(store, STORE, "indicator store")
    similar = similar_districts(store, geography.district_names(config))
    return IngestResult(observations, store, catalogue, inputs, time.perf_counter() - start,
                        similar)


def comparator_rows(
    store: pd.DataFrame, catalogue: pd.DataFrame, config: AreaConfig,
    membership: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """District, region, county and England rows aggregated from the working-vintage LSOA rows.

    With ``membership`` (:func:`pipeline.geography.national_membership`) every English district
    and region is aggregated (the IoD covers every LSOA in England); without it, the county's
    districts only.

    Aggregated England rows exist only for indicators with values for every LSOA in England
    (the IoD); crime and Census 2011 have county coverage only and get no England value.
    Indicators already built
    for an area from the sums of an England-wide file (``national_totals``: Census 2021,
    population) keep those rows: they are not aggregated again.
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
    parts = [aggregate(working, county, catalogue, weights, area_type="CTY")]
    if membership is not None:
        working_members = membership[membership["vintage"] == config.working_vintage]
        for area_type in ("LAD", "RGN"):
            members = working_members.loc[working_members["area_type"] == area_type,
                                          ["area_code", "lsoa_code"]]
            if area_type == "LAD":  # the county's districts as the county lookup has them
                members = pd.concat([members[~members["area_code"].isin(districts["area_code"])],
                                     districts], ignore_index=True)
            rows = aggregate(working, members, catalogue, weights, area_type=area_type)
            # a region holding the county has county-only data for part of it: no value
            parts.append(rows if area_type == "LAD" else rows[rows["value"].notna()])
    else:
        parts.append(aggregate(working, districts, catalogue, weights, area_type="LAD"))
    national = aggregate(working, england, catalogue, weights, area_type="ENG")
    parts.append(national[national["value"].notna()])
    rows = pd.concat(parts, ignore_index=True)
    keys = ["area_type", "area_code", "indicator_id", "period", "category"]
    built = store.loc[~store["area_type"].str.startswith("LSOA"), keys]
    return rows[~pd.MultiIndex.from_frame(rows[keys]).isin(pd.MultiIndex.from_frame(built))]


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
    frames = {"observations": result.observations, "indicators": result.store,
              "indicator_catalogue": result.catalogue}
    if result.similar is not None:
        frames["similar_districts"] = result.similar
    datasets.save_together({**frames, "ingest_manifest": manifest}, out_dir)
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
