"""The batch runner: ``python -m pipeline run --district <code|name|all> [--workers N] [--steps ...]``.

For each district it computes the district's results (:mod:`pipeline.results`), executes the
step notebooks (an ordered list, :data:`DEFAULT_STEPS`) and the locality profile notebook once
per locality of the district with papermill (kernel ``python3``), publishes each executed
notebook as an HTML page and assembles the district's pack (:mod:`pipeline.publish`).

The work is a set of jobs (:mod:`pipeline.jobs`): the run's target forecasts, each district's
results, each page, each pack. A job starts when the jobs it needs are done, on any worker of the
executor (:mod:`pipeline.executors`: this process, a local process pool or a Dask cluster), so
the pages of one large district spread over every worker. Each worker keeps one warm kernel.
Re-runs are incremental: a page whose notebook, parameters, code and results are unchanged is
reused, and an unchanged pack is left as published; ``force`` runs everything again.

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
entry carries a one-line error and the exit status is 1. A page that fails does not cost its
pack: the pack is published with a notice page naming the problem in its place, the summary
lists it and the exit status is 1 (:mod:`pipeline.run_summary`). The pages are the same bytes
whatever the number of workers or the executor.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline import datasets, fingerprint, jobs
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
from pipeline.executors import open_executor
from pipeline.io import write_json
from pipeline.localities import slug
from pipeline.paths import NOTEBOOKS_DIR, PROCESSED_DIR, REPORTS_DIR
from pipeline.publish import restore_folder
from pipeline.reporting.export import PageContext, Source
from pipeline.reporting.pack import (
    LOCALITIES_DIRNAME,
    District,
    SiteIndex,
    site_entries,
    write_site_index,
)
from pipeline.results import BASE_PARTS, PARTS
from pipeline.run_summary import (  # noqa: F401 - re-exported: the batch's public names
    FAILED,
    OK,
    DistrictResult,
    RunSummary,
    one_line,
)

DEFAULT_STEPS: tuple[str, ...] = (
    "01_baseline", "02_evidence", "03_forecast", "04_option_appraisal", "05_action_plan",
)
LOCALITY_NOTEBOOK = "locality_profile"
EXECUTED_DIRNAME = "notebooks"
LOCALITIES_FILE = "localities.json"
WORK_STAMP = "work.stamp.json"
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
    workers, scheduler
        How many jobs run at once, and where (see :mod:`pipeline.executors`): ``scheduler``
        is a Dask scheduler address, ``"local"`` for a local Dask cluster, or ``None`` for this
        machine's processes (one worker: this process).
    force
        Run every page and publish every pack again, even where the last run is current.
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
    scheduler: str | None = None
    force: bool = False
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
# One district's pages


def _work_stamp(plan: RunPlan) -> str:
    """The code and notebooks behind a work folder: when they change, its old executed
    notebooks and staged tables are cleared (everything runs again anyway)."""
    return fingerprint.digest_text(fingerprint.code_fingerprint(), fingerprint.files_fingerprint(
        plan.source(n) for n in plan.notebooks()))


def _prepare_work(plan: RunPlan, work: Path) -> None:
    stamp_file, wanted = work / WORK_STAMP, _work_stamp(plan)
    current = stamp_file.exists() and \
        json.loads(stamp_file.read_text(encoding="utf-8")).get("work") == wanted
    if work.exists() and (plan.force or not current):
        stamp_file.unlink(missing_ok=True)  # first: a clearing cut short is not taken as done
        shutil.rmtree(work)
    write_json({"work": wanted}, stamp_file)


def _pack_localities(plan: RunPlan, district: District, work: Path) -> list[tuple[str, str]]:
    """The localities profiled in this run (recorded in the work folder; pages of localities no
    longer listed are removed), or, when profiles are not re-run, those of the last run."""
    recorded = work / LOCALITIES_FILE
    if plan.locality_notebook and plan.runs(plan.locality_notebook):
        localities = [] if plan.localities_for is None else \
            [(str(i), str(n)) for i, n in plan.localities_for(district.code)]
        write_json([list(pair) for pair in localities], recorded)
        keep = {slug(i) for i, _ in localities}
        for old in (work / EXECUTED_DIRNAME / LOCALITIES_DIRNAME).glob("*"):
            if old.name.split(".")[0] not in keep:
                old.unlink()
        return localities
    if recorded.exists():
        return [(str(i), str(n)) for i, n in json.loads(recorded.read_text(encoding="utf-8"))]
    return []


def plan_district(plan: RunPlan, district: District) -> list[NotebookJob]:
    """Ready the district's work folder and list its pages (run here, in the main process)."""
    work = Path(plan.work_dir) / district.slug
    _prepare_work(plan, work)
    return notebook_jobs(plan, district, _pack_localities(plan, district, work))


# --------------------------------------------------------------------------------------------
# The run


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


@dataclass
class _Job:
    """One job of the run: ``fn(*args)`` once the jobs named in ``after`` are done."""

    key: str
    district: District | None
    fn: Callable[..., Any]
    args: tuple
    after: tuple[str, ...] = ()
    page: bool = False


def _jobs(plan: RunPlan, pages: dict[str, list[NotebookJob]]) -> list[_Job]:
    """Every job of the run, in the order they should start when free to."""
    out = [_Job("trends", None, jobs.compute_trends, (plan,)),
           _Job("forecasts", None, jobs.forecast_targets, (plan,))] if plan.results else []
    for district in (d for d in plan.districts if d.code in pages):
        code, listed = district.code, pages[district.code]
        to_run = [j for j in listed if plan.runs(j.notebook)]
        base: tuple[str, ...] = ()
        plans: tuple[str, ...] = ()
        if plan.results and to_run:  # steps 1-2 and profiles need no forecast: they start first
            ids = tuple(j.parameters["locality"] for j in listed if j.kind == "locality")
            base, plans = (f"results/{code}",), (f"plans/{code}",)
            out.append(_Job(base[0], district, jobs.compute_results,
                            (plan, district, ids, BASE_PARTS), after=("trends",)))
            out.append(_Job(plans[0], district, jobs.compute_results,
                            (plan, district, (), PARTS[len(BASE_PARTS):]), after=("forecasts",)))
        keys = tuple(f"page/{code}/{j.href}" for j in to_run)
        out += [_Job(key, district, jobs.run_page, (plan, j), page=True,
                     after=base if _needs_no_forecast(j) else base + plans)
                for key, j in zip(keys, to_run)]
        out.append(_Job(f"publish/{code}", district, jobs.publish, (plan, district, listed),
                        after=keys or base + plans))
    return out


def _needs_no_forecast(job: NotebookJob) -> bool:
    return all(part in BASE_PARTS or part.startswith("profiles/")
               for part in jobs.page_parts(job))


def _dispatch(plan: RunPlan, work: list[_Job], results: dict[str, DistrictResult],
              progress: tqdm) -> None:
    """Run the jobs on the plan's executor as their dependencies finish, recording how each
    district went in ``results``; a failed job fails its district (its later jobs are dropped),
    never the others."""
    start = time.perf_counter()
    finished: set[str] = set()
    broken: dict[str, str] = {}  # failed steps 3-5 results -> their one-line error
    waiting, running = list(work), {}
    with open_executor(plan.workers, plan.scheduler) as pool:
        while waiting or running:
            for job in list(waiting):
                result = results.get(job.district.code) if job.district else None
                lost = [broken[key] for key in job.after if key in broken]
                if result is not None and result.status == FAILED:
                    waiting.remove(job)
                    progress.total -= job.page
                elif lost and job.page:  # its results failed: a notice page in its place
                    waiting.remove(job)
                    finished.add(job.key)
                    progress.update(1)
                    jobs.record_failure(job.args[1], lost[0])
                elif all(key in finished for key in job.after):
                    waiting.remove(job)
                    running[pool.submit(job.fn, *job.args)] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                finished.add(job.key)
                progress.update(job.page)
                if job.district is None:
                    continue  # shared forecasts or trends: a district meets a failure again alone
                _record(results[job.district.code], job, future, time.perf_counter() - start,
                        broken)


def _record(result: DistrictResult, job: _Job, future: Future, seconds: float,
            broken: dict[str, str]) -> None:
    """Record how one job went. A page that fails is published as a notice page, and so are
    the pages of steps 3-5 when their results fail; a district whose own results (steps 1-2,
    the profiles) or pack fail has failed."""
    try:
        value = future.result()
    except Exception as exc:  # noqa: BLE001 - one district must not stop the others
        error = one_line(exc)
        if job.page:
            jobs.record_failure(job.args[1], error)
            result.ran += 1
        elif job.key.startswith("plans/"):
            broken[job.key] = error
        else:
            result.fail(error)
        return
    if job.page:
        result.ran += bool(value)
        result.reused += not value
    elif job.key.startswith(("results/", "plans/")):
        result.computed += int(value)
    else:
        result.pack_done(*value)
        result.seconds = round(seconds, 1)


def run_batch(plan: RunPlan) -> RunSummary:
    """Run every district of the plan, write the summary and the county index.

    Raises :class:`InputError` before anything runs if a notebook is missing or does not
    declare a parameter; after that, failures are per district (see :class:`RunSummary`).
    """
    check_plan(plan)
    if plan.force and plan.results:  # every result computed again (the results folder)
        shutil.rmtree(datasets.path("target_forecasts", plan.processed_dir).parent,
                      ignore_errors=True)
    results, pages = {}, {}
    for d in plan.all_districts or plan.districts:
        restore_folder(Path(plan.reports_dir) / d.slug)  # a run stopped while replacing it
    for d in plan.districts:
        results[d.code] = DistrictResult(code=d.code, name=d.name, slug=d.slug, status=OK,
                                         seconds=0.0, pages=0)
        try:
            pages[d.code] = plan_district(plan, d)
        except Exception as exc:  # noqa: BLE001 - one district must not stop the others
            results[d.code].fail(one_line(exc))
    work = _jobs(plan, pages)
    progress = tqdm(total=sum(j.page for j in work), desc="Pages", unit="page",
                    disable=not plan.progress)
    try:
        _dispatch(plan, work, results, progress)
    finally:
        progress.close()
    summary = RunSummary([results[d.code] for d in plan.districts])
    reports = Path(plan.reports_dir)
    write_json(summary.as_dict(), reports / SUMMARY_FILE)
    everyone = plan.all_districts or plan.districts
    failed = {r.code: r.error for r in summary.failed}
    partial = {r.code for r in summary.partial}
    write_site_index(reports, SiteIndex(county=plan.county,
                                        entries=site_entries(reports, everyone, failed, partial),
                                        code_version=plan.provenance.code_version))
    return summary
