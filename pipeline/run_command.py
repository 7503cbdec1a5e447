"""The ``run`` command: ``python -m pipeline run --district <code|name|all> ...``.

Parses the command line into a :class:`pipeline.batch.RunPlan`, rebuilds the store and the
localities where they are not current (unless ``--skip-ingest``; :mod:`pipeline.prepare`), runs
the batch and prints its summary, with what was reused.
"""

from __future__ import annotations

import argparse
import functools
import os
from pathlib import Path
from typing import Any

from pipeline import datasets
from pipeline.batch import (
    DEFAULT_STEPS,
    LOCALITY_NOTEBOOK,
    SUMMARY_FILE,
    District,
    RunPlan,
    load_provenance,
    run_batch,
)
from pipeline.context import localities_for
from pipeline.paths import NOTEBOOKS_DIR, PROCESSED_DIR, REPORTS_DIR, resolve


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def add_run_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``run`` sub-command to ``python -m pipeline`` (returns its parser, so the CLI
    can add its common options: ``_add_common(add_run_parser(sub))``)."""
    run = subparsers.add_parser(
        "run",
        help="run the notebooks for one or all districts and publish the evidence packs",
        description="Execute the step notebooks and the locality profiles of each district with "
                    "papermill, publish them as HTML evidence packs in reports/, and write a run "
                    "summary (reports/run_summary.json). A failing district does not stop the "
                    "others, and a failing page does not stop its pack (it is published with a "
                    "notice page in its place); the exit status is 1 if any district failed or "
                    "any page is a notice, 2 for bad input or while another command writes the "
                    "project.",
    )
    run.add_argument("--district", required=True, metavar="CODE|NAME|all",
                     help="a district code or name from the area settings, the county (its "
                          "overview pack), or 'all' (the county overview and every district)")
    run.add_argument("--skip-ingest", action="store_true",
                     help="use the indicator store and localities already in the processed "
                          "folder without checking them against data/raw (by default they are "
                          "rebuilt when their inputs, settings or code changed)")
    run.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                     help="pages run in parallel, each worker on its own warm kernel (default: "
                          f"the number of CPUs, {os.cpu_count() or 1} here)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS|local",
                     help="run the jobs on a Dask cluster: a scheduler's address "
                          "(tcp://host:8786; its workers must see this project folder), or "
                          "'local' for a local Dask cluster of --workers processes")
    run.add_argument("--force", action="store_true",
                     help="rebuild everything: the store, the localities, every result, page "
                          "and pack, even where the last run is current")
    run.add_argument("--steps", nargs="+", default=None, metavar="NOTEBOOK",
                     help=f"run only these notebooks (of: {', '.join(DEFAULT_STEPS)}, "
                          f"{LOCALITY_NOTEBOOK}); other pages are re-published from their "
                          "last run")
    run.add_argument("--out", default=None, metavar="DIR",
                     help="folder for the published packs (default: reports)")
    run.add_argument("--processed", default=None, metavar="DIR",
                     help="folder of the processed data (default: data/processed)")
    run.add_argument("--notebooks", default=None, metavar="DIR",
                     help="folder of the step notebooks (default: notebooks)")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return run


def plan_from_args(args: argparse.Namespace) -> RunPlan:
    """Build the :class:`RunPlan` of a ``run`` command line."""
    from pipeline.config import load_area_config

    config = load_area_config(getattr(args, "config", None))
    county = config.county.name
    overview = District(config.county.code, config.county.name)  # the county: no "district of"
    everyone = (overview, *(District(d.code, d.name, county) for d in config.districts))
    key = args.district.strip().lower()
    if key == "all":
        chosen = everyone
    elif key in (config.county.code.lower(), config.county.name.lower()):
        chosen = (overview,)
    else:
        area = config.district(args.district.strip())
        chosen = tuple(d for d in everyone if d.code == area.code)
    processed = resolve(args.processed) if args.processed else PROCESSED_DIR
    return RunPlan(
        config_path=config.path, county=county, districts=chosen, all_districts=everyone,
        provenance=load_provenance(processed), only=tuple(args.steps) if args.steps else None,
        notebooks_dir=resolve(args.notebooks) if args.notebooks else NOTEBOOKS_DIR,
        reports_dir=resolve(args.out) if args.out else REPORTS_DIR,
        processed_dir=processed, work_dir=datasets.path("page_work", processed, area=""),
        workers=args.workers, scheduler=args.scheduler, force=args.force,
        progress=not args.no_progress,
        results=not args.notebooks,  # the project's notebooks present results computed first
        localities_for=functools.partial(localities_for, processed_dir=processed),
    )


def prepare(args: argparse.Namespace) -> str:
    """Rebuild the indicator store and the localities where they are not current (the start of
    every run); returns what was rebuilt and reused."""
    from pipeline.config import load_area_config
    from pipeline.prepare import prepare as prepare_data

    config = load_area_config(getattr(args, "config", None))
    processed = resolve(args.processed) if args.processed else PROCESSED_DIR
    return prepare_data(config, processed, force=args.force, progress=not args.no_progress)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the batch, print the summary table; 0 if every pack was published in full, else 1."""
    from pipeline.config import load_area_config
    from pipeline.geography.area import check_area_codes

    config = load_area_config(getattr(args, "config", None))
    check_area_codes(config)  # a mistyped county or district code fails before anything runs
    if not args.skip_ingest:
        if args.district.strip().lower() not in ("all", config.county.code.lower(),
                                                 config.county.name.lower()):
            config.district(args.district.strip())  # an unknown district fails before the rebuild
        prepared = prepare(args)
    else:
        prepared = "Indicator store and localities used as they are (--skip-ingest)."
    plan = plan_from_args(args)
    summary = run_batch(plan)
    print(summary.table())
    ok = len(summary.results) - len(summary.failed)
    print(prepared)
    print(summary.reuse())
    print(f"{ok} of {len(summary.results)} district pack(s) built; "
          f"summary in {Path(plan.reports_dir) / SUMMARY_FILE}.")
    return summary.exit_code
