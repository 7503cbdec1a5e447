"""Publishing a district's pack: its executed notebooks exported as pages, its downloads, front
page and manifest, assembled in a hidden folder and moved into place whole (a failed run never
leaves half a pack)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError
from pipeline.execute import NotebookJob
from pipeline.io import sha256_file
from pipeline.reporting.export import export_notebook, public_parameters
from pipeline.reporting.pack import (
    District,
    PackPage,
    add_workbooks,
    copy_pack_assets,
    load_staged_tables,
    write_downloads,
    write_manifest,
    write_pack_index,
)

if TYPE_CHECKING:
    from pipeline.batch import RunPlan


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
