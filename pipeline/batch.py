"""The batch runner: ``python -m pipeline run --district <code|name|all> [--workers N] [--steps ...]``.

For each district it executes the step notebooks (an ordered list, :data:`DEFAULT_STEPS`) and
the locality profile notebook once per locality of the district with papermill (kernel
``python3``), publishes each executed notebook as an HTML page and assembles the district's pack
(:mod:`pipeline.reporting.pack`).

Parameters every notebook gets (and must declare in its cell tagged ``parameters``; papermill
would only warn about an undeclared one, this runner refuses it with an :class:`InputError`):

- ``district``: the district's GSS code (``"E07000129"``)
- ``config_path``: the area settings file (``config/area.yaml``), as an absolute path string
- ``processed_dir``: the processed-data folder (``data/processed``)
- ``output_dir``: the district's work folder (``data/processed/runs/<district-slug>``): notebooks
  write their outputs for later steps there, and stage download tables with
  :func:`pipeline.reporting.pack.stage_table`
- locality profiles also get ``locality`` (the locality id) and ``locality_name``.

Executed notebooks (with outputs) go to ``<output_dir>/notebooks/``, never beside the source
notebooks, which stay stripped. One district failing does not stop the others: its summary
entry carries a one-line error and the exit status is 1. A pack is built in a hidden folder and
moved into place only when complete, so a failed run never leaves half a pack. With
``--workers N`` districts run in parallel processes; the pages are the same either way.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline import datasets
from pipeline.errors import InputError
from pipeline.execute import (  # noqa: F401 - re-exported: the batch's public names
    KERNEL_CONFIG,
    KERNEL_NAME,
    NotebookFailed,
    NotebookJob,
    check_parameters,
    declared_parameters,
    execute_notebook,
)
from pipeline.io import sha256_file, write_json
from pipeline.localities import slug
from pipeline.paths import NOTEBOOKS_DIR, PROCESSED_DIR, REPORTS_DIR
from pipeline.reporting.export import PageContext, Source, export_notebook, public_parameters
from pipeline.reporting.pack import (
    LOCALITIES_DIRNAME,
    District,
    PackPage,
    SiteIndex,
    add_workbooks,
    copy_pack_assets,
    load_staged_tables,
    site_entries,
    write_downloads,
    write_manifest,
    write_pack_index,
    write_site_index,
)

DEFAULT_STEPS: tuple[str, ...] = (
    "01_baseline", "02_evidence", "03_forecast", "04_option_appraisal", "05_action_plan",
)
LOCALITY_NOTEBOOK = "locality_profile"
EXECUTED_DIRNAME = "notebooks"
LOCALITIES_FILE = "localities.json"
SUMMARY_FILE = "run_summary.json"
STEP_PARAMETERS = ("district", "config_path", "processed_dir", "output_dir")
LOCALITY_PARAMETERS = STEP_PARAMETERS + ("locality", "locality_name")

LocalitiesFor = Callable[[str], Sequence[tuple[str, str]]]
"""``localities_for(district_code) -> [(locality_id, locality_name), ...]``: the localities
that get a profile page. Must be picklable (a module-level function or a ``functools.partial``
of one) when ``workers > 1``."""


# --------------------------------------------------------------------------------------------
# Plan


@dataclass(frozen=True)
class Provenance:
    """What every footer and manifest of a run states: code, inputs and sources."""

    code_version: str
    sources: tuple[Source, ...] = ()
    input_hashes: dict[str, str] = field(default_factory=dict)
    package_versions: dict[str, str] = field(default_factory=dict)

    def context(self, parameters: dict[str, Any], pack_title: str) -> PageContext:
        """The :class:`PageContext` of one page."""
        return PageContext(parameters=parameters, code_version=self.code_version,
                           sources=self.sources, input_hashes=self.input_hashes,
                           package_versions=self.package_versions, pack_title=pack_title)


def load_provenance(processed_dir: Path = PROCESSED_DIR) -> Provenance:
    """Provenance from the ingest's manifest and store in ``processed_dir``.

    Input hashes come from the manifest's input list; each source's date is the latest period
    it has in the indicator store; code and package versions are those of this run.
    """
    import pandas as pd

    from pipeline.store import code_version, package_versions

    manifest_path = datasets.path("ingest_manifest", processed_dir)
    if not manifest_path.exists():
        raise InputError(manifest_path, "the indicator store has not been built yet "
                                        "(run `python -m pipeline ingest` first)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    hashes = {str(i["path"]): str(i["sha256"]) for i in manifest.get("inputs", [])}
    sources: tuple[Source, ...] = ()
    store_path = datasets.path("indicators", processed_dir)
    if store_path.exists():
        latest = pd.read_parquet(store_path, columns=["source", "period"]).groupby("source")[
            "period"].max().sort_index()
        sources = tuple(Source(name=str(k), date=str(v)) for k, v in latest.items() if k)
    return Provenance(code_version=code_version(), sources=sources, input_hashes=hashes,
                      package_versions=package_versions())


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs; built by :func:`cmd_run`, or directly in tests.

    Parameters
    ----------
    config_path
        The area settings file, passed to every notebook.
    county
        County name for the index and front pages.
    districts
        The districts to run.
    all_districts
        Every district of the county, listed on ``reports/index.html`` (default: ``districts``).
    steps
        The pack's step notebooks in order (file names without ``.ipynb``).
    only
        Run only these notebooks (step names or the locality notebook's name); pages of the
        other notebooks are re-published from their last executed copy. ``None``: run all,
        starting from an empty work folder.
    locality_notebook
        The locality profile notebook, run once per locality; ``None`` for no profiles.
    localities_for
        The localities of a district (see :data:`LocalitiesFor`).
    provenance
        Code version, input hashes, sources, package versions for footers and manifests.
    warm
        Run the notebooks on one kernel kept alive per worker process (:mod:`pipeline.warm`),
        each notebook in a clean namespace; ``False``: a new kernel for every notebook.
    results
        Compute each district's results (:mod:`pipeline.results`) once, before its notebooks
        run, and every target's forecast once per run (the project's notebooks read them;
        test notebooks that do not can leave this off).
    """

    config_path: Path
    county: str
    districts: tuple[District, ...]
    provenance: Provenance
    all_districts: tuple[District, ...] = ()
    steps: tuple[str, ...] = DEFAULT_STEPS
    only: tuple[str, ...] | None = None
    locality_notebook: str | None = LOCALITY_NOTEBOOK
    localities_for: LocalitiesFor | None = None
    notebooks_dir: Path = NOTEBOOKS_DIR
    reports_dir: Path = REPORTS_DIR
    processed_dir: Path = PROCESSED_DIR
    work_dir: Path = datasets.path("page_work", PROCESSED_DIR, area="")
    kernel_name: str = KERNEL_NAME
    cell_timeout: int | None = None
    workers: int = 1
    progress: bool = True
    results: bool = False
    warm: bool = True

    def notebooks(self) -> tuple[str, ...]:
        """Every notebook of a pack: the steps, then the locality notebook."""
        return self.steps + ((self.locality_notebook,) if self.locality_notebook else ())

    def runs(self, notebook: str) -> bool:
        """Whether this run executes ``notebook``."""
        return self.only is None or notebook in self.only

    def source(self, notebook: str) -> Path:
        """The source notebook file."""
        return Path(self.notebooks_dir) / f"{notebook}.ipynb"


def notebook_jobs(
    plan: RunPlan, district: District, localities: Sequence[tuple[str, str]]
) -> list[NotebookJob]:
    """The notebooks of one district's pack, in page order, with their parameters."""
    work = Path(plan.work_dir) / district.slug
    common = {
        "district": district.code,
        "config_path": str(plan.config_path),
        "processed_dir": str(plan.processed_dir),
        "output_dir": str(work),
    }
    jobs = [
        NotebookJob(notebook=name, source=plan.source(name),
                    executed=work / EXECUTED_DIRNAME / f"{name}.ipynb",
                    href=f"{name.replace('_', '-')}.html", kind="step", parameters=dict(common))
        for name in plan.steps
    ]
    if plan.locality_notebook:
        seen: dict[str, str] = {}
        for locality_id, name in localities:
            key = slug(locality_id)
            if key in seen:
                raise InputError(None, f"localities '{seen[key]}' and '{locality_id}' of "
                                       f"{district.name} give the same page name '{key}'")
            seen[key] = str(locality_id)
            jobs.append(NotebookJob(
                notebook=plan.locality_notebook, source=plan.source(plan.locality_notebook),
                executed=work / EXECUTED_DIRNAME / LOCALITIES_DIRNAME / f"{key}.ipynb",
                href=f"{LOCALITIES_DIRNAME}/{key}.html", kind="locality",
                parameters={**common, "locality": str(locality_id), "locality_name": str(name)},
                label=str(name)))
    return jobs


# --------------------------------------------------------------------------------------------
# One district


@dataclass
class DistrictResult:
    """How one district's run went (``seconds`` is the only value that varies between runs)."""

    code: str
    name: str
    slug: str
    status: str
    seconds: float
    pages: int
    error: str = ""


def one_line(exc: BaseException) -> str:
    """An exception as one short line for the run summary."""
    text = str(exc) if isinstance(exc, (InputError, NotebookFailed)) else \
        f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text[:300] + ("..." if len(text) > 300 else "")


def _replace_folder(built: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    built.rename(final)
    if old.exists():
        shutil.rmtree(old)


def locality_note(config_path: Path) -> str:
    """What the front page says about the localities' sources (the forum-area stand-in)."""
    from pipeline.config import load_area_config
    from pipeline.context import locality_settings

    try:
        settings = locality_settings(load_area_config(config_path))
    except InputError:
        return ""  # a config without locality settings: nothing to say
    if settings.forum_file is not None or not settings.forum_stand_in:
        return ""
    return f"Community forum areas: {settings.forum_stand_in}."


def _report(reporter: Any, kind: str, amount: int = 1) -> None:
    if reporter is not None:
        reporter.put((kind, amount))


def _pack_localities(plan: RunPlan, district: District, work: Path) -> list[tuple[str, str]]:
    """The localities profiled in this run (recorded in the work folder), or, when profiles are
    not re-run, those of the last run (re-published)."""
    recorded = work / LOCALITIES_FILE
    if plan.locality_notebook and plan.runs(plan.locality_notebook):
        localities = [] if plan.localities_for is None else \
            [(str(i), str(n)) for i, n in plan.localities_for(district.code)]
        write_json([list(pair) for pair in localities], recorded)
        stale = work / EXECUTED_DIRNAME / LOCALITIES_DIRNAME
        if stale.exists():
            shutil.rmtree(stale)
        return localities
    if recorded.exists():
        return [(str(i), str(n)) for i, n in json.loads(recorded.read_text(encoding="utf-8"))]
    return []


def build_district(plan: RunPlan, district: District, reporter: Any = None) -> list[PackPage]:
    """Compute the district's results, run its notebooks and publish its pack; raise on the
    first failure."""
    work = Path(plan.work_dir) / district.slug
    if plan.only is None and work.exists():
        shutil.rmtree(work)
    localities = _pack_localities(plan, district, work)
    jobs = notebook_jobs(plan, district, localities)
    to_run = [j for j in jobs if plan.runs(j.notebook)]
    _report(reporter, "planned", len(to_run))
    if plan.results and to_run:
        from pipeline.results import DistrictResults

        DistrictResults(district.code, plan.config_path, plan.processed_dir).compute_all(
            [locality_id for locality_id, _ in localities])
    for number, job in enumerate(to_run):
        try:
            execute_notebook(job, kernel_name=plan.kernel_name, cell_timeout=plan.cell_timeout,
                             warm=plan.warm)
        except Exception:
            _report(reporter, "planned", number - len(to_run))  # the rest will not run
            raise
        _report(reporter, "done")
    return publish_pack(plan, district, jobs, work)


def publish_pack(plan: RunPlan, district: District, jobs: Sequence[NotebookJob], work: Path
                 ) -> list[PackPage]:
    """Export the executed notebooks as pages and assemble the pack in a hidden folder, then
    move it into place whole. Returns its pages."""
    pack_title = f"{district.name} evidence pack"
    build = Path(plan.reports_dir) / f".{district.slug}.building"
    if build.exists():
        shutil.rmtree(build)
    try:
        pages = []
        for job in jobs:
            if not job.executed.exists():
                continue  # a step not run yet (only with --steps)
            info = export_notebook(
                job.executed, build / job.href,
                context=plan.provenance.context(job.parameters, pack_title),
                depth=job.href.count("/"), name=f"{job.notebook}.ipynb")
            pages.append(PackPage(
                title=info.title, href=job.href, kind=job.kind, notebook=job.notebook,
                label=job.label, chart_ids=info.chart_ids, key_messages=info.key_messages,
                sha256=sha256_file(build / job.href)))
        copy_pack_assets(build)
        pack_parameters = {"district": district.code, "config_path": str(plan.config_path)}
        context = plan.provenance.context(pack_parameters, pack_title)
        about = [("District", f"{district.name} ({district.code})"),
                 ("Code version", plan.provenance.code_version),
                 ("Parameters", "; ".join(f"{k}: {v}" for k, v in
                                          public_parameters(pack_parameters).items()))]
        downloads = write_downloads(load_staged_tables(work), build,
                                    workbook_name=f"{district.slug}-tables",
                                    title=f"{pack_title}: tables", about=about)
        downloads = [*downloads, *add_workbooks(work, build)]
        write_pack_index(build, district=district, pages=pages, downloads=downloads,
                         context=context, locality_note=locality_note(plan.config_path))
        write_manifest(build, district=district, context=context, pages=pages,
                       downloads=downloads)
        _replace_folder(build, Path(plan.reports_dir) / district.slug)
        return pages
    finally:
        if build.exists():
            shutil.rmtree(build)


def run_district(plan: RunPlan, district: District, reporter: Any = None) -> DistrictResult:
    """Build one district's pack, turning any failure into a ``failed`` result."""
    start = time.perf_counter()
    try:
        pages = build_district(plan, district, reporter)
        status, error, count = "ok", "", len(pages)
    except Exception as exc:  # noqa: BLE001 - one district must not stop the others
        status, error, count = "failed", one_line(exc), 0
    _report(reporter, "district")
    return DistrictResult(code=district.code, name=district.name, slug=district.slug,
                          status=status, seconds=round(time.perf_counter() - start, 1),
                          pages=count, error=error)


_WORKER_REPORTER: Any = None


def _init_worker(reporter: Any) -> None:
    global _WORKER_REPORTER
    _WORKER_REPORTER = reporter


def _run_district_in_worker(plan: RunPlan, district: District) -> DistrictResult:
    return run_district(plan, district, _WORKER_REPORTER)


# --------------------------------------------------------------------------------------------
# The run


@dataclass
class RunSummary:
    """Per-district results of a run, in the order of the area settings."""

    results: list[DistrictResult]

    @property
    def failed(self) -> list[DistrictResult]:
        """The districts that failed."""
        return [r for r in self.results if r.status != "ok"]

    @property
    def exit_code(self) -> int:
        """0 when every district succeeded, 1 otherwise."""
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON written to ``reports/run_summary.json``."""
        return {"districts": [asdict(r) for r in self.results],
                "ok": len(self.results) - len(self.failed), "failed": len(self.failed)}

    def table(self) -> str:
        """A plain-text table for the terminal."""
        rows = [("District", "Code", "Status", "Seconds", "Pages", "Error")]
        rows += [(r.name, r.code, r.status, f"{r.seconds:.1f}", str(r.pages), r.error)
                 for r in self.results]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = ["  ".join(cell.ljust(widths[i]) if i < 5 else cell
                           for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


class _Progress:
    """The progress bar: notebooks done (total grows as districts plan), districts done."""

    def __init__(self, enabled: bool, districts: int) -> None:
        self.bar = tqdm(total=0, desc="Notebooks", unit="notebook", disable=not enabled)
        self.districts, self.finished = districts, 0

    def put(self, message: tuple[str, int]) -> None:
        kind, amount = message
        if kind == "planned":
            self.bar.total += amount
            self.bar.refresh()
        elif kind == "done":
            self.bar.update(amount)
        elif kind == "district":
            self.finished += amount
            self.bar.set_postfix_str(f"districts {self.finished}/{self.districts}")

    def close(self) -> None:
        self.bar.close()


def check_plan(plan: RunPlan) -> None:
    """Check the notebooks and folders before anything runs (a problem here stops the run)."""
    if plan.workers < 1:
        raise InputError(None, f"--workers must be 1 or more, got {plan.workers}")
    if not plan.districts:
        raise InputError(plan.config_path, "no district to run")
    work = Path(plan.work_dir).resolve()
    if work.is_relative_to(Path(plan.notebooks_dir).resolve()):
        raise InputError(None, f"the work folder {work} must not be inside the notebooks folder")
    unknown = sorted(set(plan.only or ()) - set(plan.notebooks()))
    if unknown:
        raise InputError(None, f"unknown step(s) {unknown} (expected some of: "
                               f"{', '.join(plan.notebooks())})")
    for notebook in plan.notebooks():
        if not plan.runs(notebook):
            continue
        names = LOCALITY_PARAMETERS if notebook == plan.locality_notebook else STEP_PARAMETERS
        check_parameters(plan.source(notebook), names)


def run_batch(plan: RunPlan) -> RunSummary:
    """Run every district of the plan, write the summary and the county index.

    Raises :class:`InputError` before anything runs if a notebook is missing or does not
    declare a parameter; after that, failures are per district (see :class:`RunSummary`).
    """
    check_plan(plan)
    if plan.results:  # once per run, shared by every pack (before the districts fan out)
        from pipeline.results import target_forecasts

        try:
            target_forecasts(plan.config_path, plan.processed_dir)
        except Exception:  # noqa: BLE001 - each district meets it again and fails alone
            pass
    progress = _Progress(plan.progress, len(plan.districts))
    results: dict[str, DistrictResult] = {}
    try:
        if plan.workers == 1 or len(plan.districts) == 1:
            for district in plan.districts:
                results[district.code] = run_district(plan, district, progress)
        else:
            context = multiprocessing.get_context("spawn")
            messages = context.Queue()
            workers = min(plan.workers, len(plan.districts))
            with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_init_worker, initargs=(messages,)) as pool:
                futures: dict[Future, District] = {
                    pool.submit(_run_district_in_worker, plan, d): d for d in plan.districts}
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    _drain(messages, progress)
                    for future in done:
                        district = futures[future]
                        try:
                            results[district.code] = future.result()
                        except Exception as exc:  # noqa: BLE001 - a worker that died
                            results[district.code] = DistrictResult(
                                code=district.code, name=district.name, slug=district.slug,
                                status="failed", seconds=0.0, pages=0, error=one_line(exc))
                _drain(messages, progress)
    finally:
        progress.close()
    summary = RunSummary([results[d.code] for d in plan.districts])
    reports = Path(plan.reports_dir)
    write_json(summary.as_dict(), reports / SUMMARY_FILE)
    everyone = plan.all_districts or plan.districts
    failed = {r.code: r.error for r in summary.failed}
    write_site_index(reports, SiteIndex(county=plan.county,
                                        entries=site_entries(reports, everyone, failed),
                                        code_version=plan.provenance.code_version))
    return summary


def _drain(messages: Any, progress: _Progress) -> None:
    while True:
        try:
            progress.put(messages.get_nowait())
        except queue.Empty:
            return
