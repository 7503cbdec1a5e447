"""The jobs of a run, as a worker runs them: the run's target forecasts, a district's results,
one page, one pack.

Each job is a plain function of picklable arguments (the :class:`~pipeline.batch.RunPlan` and
what the job is about), so any executor of :mod:`pipeline.executors` can run it. Each is
*incremental*: a page whose stamp is unchanged since its last run is reused, a pack whose pages
and provenance are unchanged is left as published (see :func:`page_stamp`), and results are
recomputed only when stale (:mod:`pipeline.results`). ``force`` runs everything again.

Every stamp is removed before the work it vouches for starts and written after it is done
(each file written to a temporary name, then renamed), so a job stopped at any moment is
simply done again by the next run. A page that fails is recorded (:func:`record_failure`) and
its pack is published with a notice page in its place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import fingerprint
from pipeline.execute import NotebookJob, execute_notebook
from pipeline.io import write_json

if TYPE_CHECKING:
    from pipeline.batch import RunPlan
    from pipeline.reporting.pack import District

#: The stored parts each step page presents (a change to any re-runs it); a step notebook not
#: listed presents them all.
STEP_PAGE_PARTS = ("baseline", "evidence", "targets", "appraisal", "action_plan-best")
PAGE_PARTS = {"01_baseline": ("baseline",), "02_evidence": ("evidence",)}
PACK_STAMP = "pack.stamp.json"


def forecast_targets(plan: RunPlan) -> None:
    """Every target of the register forecast once for the run (read back when current)."""
    from pipeline.results import target_forecasts

    target_forecasts(plan.config_path, plan.processed_dir)


def compute_trends(plan: RunPlan) -> None:
    """The recent trend of every area and indicator, once for the run (read back when
    current); the districts' results read it."""
    from pipeline.results import recent_trends

    recent_trends(plan.config_path, plan.processed_dir)


def page_parts(job: NotebookJob) -> tuple[str, ...]:
    """The stored results a page presents."""
    from pipeline.localities import slug

    if job.kind == "locality":
        return (f"profiles/{slug(job.parameters['locality'])}",)
    return PAGE_PARTS.get(job.notebook, STEP_PAGE_PARTS)


def compute_results(plan: RunPlan, district: District, locality_ids: Sequence[str],
                    parts: Sequence[str]) -> int:
    """Compute (or confirm current) some parts of a district's results and the profiles of
    ``locality_ids``; returns how many were computed."""
    from pipeline.results import DistrictResults

    results = DistrictResults(district.code, plan.config_path, plan.processed_dir)
    results.compute_all(locality_ids, parts)
    return len(results.computed)


def page_stamp(plan: RunPlan, job: NotebookJob) -> str:
    """What a page is made from: its notebook, its parameters and kernel, the code, and the
    stamps of the results it presents (project notebooks) or the inputs and settings (other
    notebooks, which read the data themselves)."""
    from pipeline.results import stored_stamp

    texts = [job.source.read_text(encoding="utf-8"), json.dumps(job.parameters, sort_keys=True),
             plan.kernel_name, fingerprint.code_fingerprint()]
    if plan.results:
        texts += [json.dumps(stored_stamp(plan.processed_dir, job.parameters["district"], part),
                             sort_keys=True) for part in page_parts(job)]
    else:
        texts += [fingerprint.inputs_fingerprint(plan.processed_dir), _settings(plan)]
    return fingerprint.digest_text(*texts)


def _settings(plan: RunPlan) -> str:
    """The settings' fingerprint: the settings folder for the project's notebooks, the settings
    file alone for other notebooks (whose settings may sit beside anything)."""
    if plan.results:
        return fingerprint.settings_fingerprint(plan.config_path)
    return fingerprint.files_fingerprint([plan.config_path])


def _stamp_file(job: NotebookJob) -> Path:
    return job.executed.with_suffix(".stamp.json")


def _failure_file(job: NotebookJob) -> Path:
    return job.executed.with_suffix(".failed.json")


def record_failure(job: NotebookJob, problem: str) -> None:
    """Record that a page's last run failed: its pack is published with a notice page naming
    ``problem`` in its place (until the page runs again)."""
    write_json({"problem": problem}, _failure_file(job))


def page_failure(job: NotebookJob) -> str | None:
    """The problem of a page whose last run failed (``None``: it did not)."""
    failure = _failure_file(job)
    if not failure.exists():
        return None
    return str(json.loads(failure.read_text(encoding="utf-8"))["problem"])


def run_page(plan: RunPlan, job: NotebookJob) -> bool:
    """Execute one page's notebook unless its last run is current; returns whether it ran."""
    wanted = page_stamp(plan, job)
    recorded = _stamp_file(job)
    if not plan.force and job.executed.exists() and recorded.exists() and \
            json.loads(recorded.read_text(encoding="utf-8")).get("page") == wanted:
        return False
    recorded.unlink(missing_ok=True)
    _failure_file(job).unlink(missing_ok=True)
    execute_notebook(job, kernel_name=plan.kernel_name, cell_timeout=plan.cell_timeout,
                     warm=plan.warm)
    write_json({"page": wanted}, recorded)
    return True


def pack_stamp(plan: RunPlan, district: District, jobs: Sequence[NotebookJob]) -> str:
    """What a published pack is made from: its pages' stamps (or their problems), the
    provenance its footers state, the settings and where it is published."""
    pages = [json.loads(_stamp_file(j).read_text(encoding="utf-8"))["page"]
             if _stamp_file(j).exists() else f"failed: {page_failure(j) or ''}" for j in jobs]
    provenance = plan.provenance
    return fingerprint.digest_text(
        *pages, repr(district), repr(provenance), str(Path(plan.reports_dir).resolve()),
        _settings(plan), fingerprint.code_fingerprint())


def publish(plan: RunPlan, district: District, jobs: Sequence[NotebookJob]
            ) -> tuple[int, bool, list[str]]:
    """Publish a district's pack unless the published one is current; returns its number of
    pages, whether it was (re)published, and its notice pages (``"<page>: <problem>"``)."""
    from pipeline.publish import publish_pack
    from pipeline.reporting.pack import MANIFEST_FILE

    work = Path(plan.work_dir) / district.slug
    wanted = pack_stamp(plan, district, jobs)
    recorded = work / PACK_STAMP
    published = Path(plan.reports_dir) / district.slug / MANIFEST_FILE
    if not plan.force and published.exists() and recorded.exists() and \
            json.loads(recorded.read_text(encoding="utf-8")).get("pack") == wanted:
        manifest: dict[str, Any] = json.loads(published.read_text(encoding="utf-8"))
        return len(manifest.get("pages", [])), False, list(manifest.get("notices", []))
    recorded.unlink(missing_ok=True)
    pages, notices = publish_pack(plan, district, jobs, work)
    write_json({"pack": wanted}, recorded)
    return len(pages), True, notices
