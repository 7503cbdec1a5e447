"""Publishing a district's pack: its executed notebooks exported as pages, its downloads, front
page and manifest, assembled in a hidden folder and moved into place whole (a failed run never
leaves half a pack). A page that failed becomes a notice page naming the problem, so one page
never costs the pack."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError
from pipeline.execute import NotebookJob
from pipeline.io import sha256_file
from pipeline.reporting.export import PageContext, export_notebook, public_parameters
from pipeline.reporting.pack import (
    District,
    PackPage,
    add_workbooks,
    copy_pack_assets,
    load_staged_tables,
    page_name,
    write_downloads,
    write_manifest,
    write_notice_page,
    write_pack_index,
)

if TYPE_CHECKING:
    from pipeline.batch import RunPlan


def _old_copy(final: Path) -> Path:
    return final.with_name(f".{final.name}.old")


def restore_folder(final: Path) -> None:
    """Put back the previous copy of ``final`` if a run was stopped between the two renames of
    :func:`_replace_folder` (the old pack moved aside, the new one not yet in place)."""
    old = _old_copy(final)
    if old.exists() and not final.exists():
        old.rename(final)


def _replace_folder(built: Path, final: Path) -> None:
    restore_folder(final)
    old = _old_copy(final)
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


def _page(job: NotebookJob, build: Path, context: PageContext
          ) -> tuple[PackPage | None, str | None]:
    """The published page of one executed notebook, or a notice page naming the problem when
    the notebook failed or cannot be published; ``(None, None)`` for a notebook not run yet
    (only with ``--steps``). Returns the page and its problem."""
    from pipeline.jobs import page_failure
    from pipeline.run_summary import one_line

    depth = job.href.count("/")
    problem = page_failure(job)
    if problem is None and not job.executed.exists():
        return None, None
    if problem is None:
        try:
            info = export_notebook(job.executed, build / job.href, context=context, depth=depth,
                                   name=f"{job.notebook}.ipynb")
            return PackPage(title=info.title, href=job.href, kind=job.kind,
                            notebook=job.notebook, label=job.label, chart_ids=info.chart_ids,
                            key_messages=info.key_messages,
                            sha256=sha256_file(build / job.href)), None
        except Exception as exc:  # noqa: BLE001 - one page must not cost the pack
            problem = one_line(exc)
    title = write_notice_page(build / job.href, name=job.label or page_name(job.notebook),
                              problem=problem, context=context, depth=depth)
    return PackPage(title=title, href=job.href, kind=job.kind, notebook=job.notebook,
                    label=job.label, sha256=sha256_file(build / job.href)), problem


def publish_pack(plan: RunPlan, district: District, jobs: Sequence[NotebookJob], work: Path
                 ) -> tuple[list[PackPage], list[str]]:
    """Export the executed notebooks as pages and assemble the pack in a hidden folder, then
    move it into place whole. A page whose notebook failed (or cannot be published) is
    replaced by a notice page naming the problem. Returns the pages and the notices
    (``"<page>: <problem>"``)."""
    pack_title = f"{district.name} evidence pack"
    build = Path(plan.reports_dir) / f".{district.slug}.building"
    if build.exists():
        shutil.rmtree(build)
    try:
        pages, notices = [], []
        for job in jobs:
            page, problem = _page(job, build, plan.provenance.context(job.parameters,
                                                                        pack_title))
            if page is not None:
                pages.append(page)
            if problem:
                notices.append(f"{job.href}: {problem}")
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
                       downloads=downloads, notices=notices)
        _replace_folder(build, Path(plan.reports_dir) / district.slug)
        return pages, notices
    finally:
        if build.exists():
            shutil.rmtree(build)
