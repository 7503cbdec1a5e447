"""Command line: ``python -m pipeline <command>``.

Errors in the user's input print one line and exit with status 2; ``--debug`` shows the
traceback instead. Anything unexpected exits with status 1. The commands that write the
processed folder or the packs (``ingest``, ``localities``, ``run``) hold the project's lock
(:mod:`pipeline.lock`): a second one started meanwhile is refused with status 2. Interrupted
(Ctrl-C, SIGINT, or SIGTERM) a command stops its workers and prints one line, status 130
(SIGINT) or 143 (SIGTERM); whatever it had not finished is left as it was before.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.paths import PROCESSED_DIR, resolve
from pipeline.run_command import add_run_parser, cmd_run

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
#: The commands that write the processed folder or the packs, and the option naming the
#: processed folder of each (they hold the project's lock while they run).
WRITERS = {"ingest": "out", "localities": "out", "run": "processed"}


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that the same clean-up runs."""


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise Stopped()


def _interrupted(exc: KeyboardInterrupt) -> int:
    """The one line and the exit status of an interrupted command."""
    name = "SIGTERM" if isinstance(exc, Stopped) else "SIGINT"
    print(f"interrupted ({name}): stopped; what this command had finished is kept, the rest "
          "is as before -- run it again to finish", file=sys.stderr)
    return 128 + (signal.SIGTERM if isinstance(exc, Stopped) else signal.SIGINT)


def _add_common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Sub-commands accept the same options; SUPPRESS keeps them from overwriting the top level.
    default = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--config", metavar="FILE", **({"default": None} if top else default),
                   help="area settings file (default: config/area.yaml)")
    p.add_argument("--debug", action="store_true", **default,
                   help="show the full traceback when something goes wrong")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Evidence-base pipeline: turn small-area statistics into evidence packs.",
    )
    _add_common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = sub.add_parser(
        "ingest", help="read every file in the dataset catalogue into the indicator store",
        description="Read every enabled file named in the dataset catalogue (config/datasets.yaml), "
                    "build the indicator store and write it, with a manifest of input hashes, "
                    "to data/processed/.",
    )
    _add_common(ingest)
    ingest.add_argument("--out", default=None, metavar="DIR",
                        help="folder for the processed store (default: data/processed)")
    ingest.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    loc = sub.add_parser(
        "localities", help="derive the localities and list a district's",
        description="Derive the priority neighbourhoods, community forum areas, rural areas and "
                    "towns from config/localities.yaml and the indicator store; write them (with "
                    "boundaries and indicator values) to data/processed/ and list the district's "
                    "localities with their LSOA counts and populations.",
    )
    _add_common(loc)
    loc.add_argument("--district", required=True, metavar="CODE|NAME",
                     help="district to list (code such as E07000130, or name such as Charnwood); "
                          "'all' lists every district")
    loc.add_argument("--out", default=None, metavar="DIR",
                     help="folder of the processed store (default: data/processed)")

    _add_common(add_run_parser(sub))

    imd = sub.add_parser(
        "imd-summary", help="IoD summary measures for every district in England (as File 10)",
        description="Compute the IoD technical report's summary measures (average score, average "
                    "rank, proportion of LSOAs in the most deprived 10%% nationally, extent, local "
                    "concentration, and each district's rank on each) from the LSOA files named in "
                    "the dataset catalogue, and write them as CSV.",
    )
    _add_common(imd)
    imd.add_argument("--edition", type=int, default=2019,
                     help="IoD edition; it needs LSOA scores, ranks and population (default 2019)")
    imd.add_argument("--level", choices=["lad"], default="lad",
                     help="areas to summarise: lad = every local authority district in England")
    imd.add_argument("--domain", default="imd",
                     help="imd (default), a domain (income, employment ...) or idaci / idaopi")
    imd.add_argument("--out", required=True, metavar="FILE.csv", help="CSV file to write")
    return parser


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the ingest and print its summary."""
    from pipeline.config import load_area_config
    from pipeline.geography.area import check_area_codes
    from pipeline.store import run_ingest, write_store

    config = load_area_config(args.config)
    check_area_codes(config)
    out_dir = resolve(args.out) if args.out else PROCESSED_DIR
    result = run_ingest(config, progress=not args.no_progress)
    manifest = write_store(result, config, out_dir)
    print(f"Ingest complete in {result.summary()['seconds']} s: {result.summary_line()}.")
    print(f"Written to {out_dir} (manifest: {Path(manifest).name}).")
    return EXIT_OK


def cmd_localities(args: argparse.Namespace) -> int:
    """Derive localities, write them, and print the chosen district's."""
    from pipeline.config import load_area_config
    from pipeline.context import prepare_localities
    from pipeline.geography.area import check_area_codes
    from pipeline.localities import TYPE_LABELS

    config = load_area_config(args.config)
    check_area_codes(config)
    districts = config.districts if args.district == "all" else (config.district(args.district),)
    out_dir = resolve(args.out) if args.out else PROCESSED_DIR
    summary = prepare_localities(config, out_dir)
    for district in districts:
        rows = summary[summary["lad_code"] == district.code]
        print(f"\n{district.name} ({district.code}): {len(rows)} localities")
        for kind, label in TYPE_LABELS.items():
            part = rows[rows["type"] == kind]
            if part.empty:
                if kind == "priority_neighbourhood":
                    print(f"  {label}s: none under the configured rule")
                continue
            print(f"  {label}s ({len(part)}):")
            for _, r in part.iterrows():
                print(f"    {r['name']:<48} {r['lsoas']:>3} LSOAs {int(r['population']):>8,} people"
                      f"  [{r['locality_id']}]")
    print(f"\nWritten to {out_dir}.")
    return EXIT_OK


def cmd_imd_summary(args: argparse.Namespace) -> int:
    """Write the district summary table for one IoD edition."""
    from pipeline.config import load_area_config
    from pipeline.imd_summary import as_published, district_summaries
    from pipeline.io import write_atomic

    config = load_area_config(args.config)
    table = as_published(district_summaries(config, edition=args.edition, domain=args.domain))
    out = resolve(args.out)
    write_atomic(out, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n"))
    print(f"IoD {args.edition} {args.domain} summary for {len(table)} districts written to {out}")
    return EXIT_OK


COMMANDS = {"ingest": cmd_ingest, "localities": cmd_localities, "imd-summary": cmd_imd_summary,
            "run": cmd_run}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn errors into one-line messages."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with _lock(args):
            return COMMANDS[args.command](args)
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        if args.debug:
            traceback.print_exc()
        return _interrupted(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if args.debug:
            traceback.print_exc()
        print(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _lock(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """The project's lock for a command that writes (nothing for the others)."""
    from pipeline.lock import project_lock

    if args.command not in WRITERS:
        return contextlib.nullcontext()
    folder = getattr(args, WRITERS[args.command], None)
    return project_lock(resolve(folder) if folder else PROCESSED_DIR)
