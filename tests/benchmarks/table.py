"""``make benchmark``: how long the chain takes, measured in one run on this machine.

Every figure is measured here, in this run, and also given as a ratio to the unit -- a bare
papermill notebook (one cell, a new kernel) -- so figures from a busy and an idle machine can
be compared. Nothing here asserts a time: the tests never depend on how fast the machine is.

Measured, each in a fresh process from a temporary copy of the settings:

- **unit**: ``papermill`` running a one-cell notebook (median of three);
- **ingest**: ``python -m pipeline ingest`` into an empty folder;
- **cold run**: ``python -m pipeline run --district all`` from an empty processed folder (the
  ingest, the localities and every pack), with the peak memory of all its processes;
- **re-run, nothing changed**: the same command again;
- **re-run after an options edit**: one option's running cost changed in the register;
- **one locality page**: a locality profile notebook on a warm kernel, its own work (the same
  code run in this process) and the difference, the per-page overhead.

Usage: ``python -m tests.benchmarks.table [--project DIR] [--workers N]``. ``--project`` measures
another checkout of the project (its code, this interpreter), for before-and-after tables.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parents[2]
EDITED_OPTION = "youth_diversion"


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; return its wall-clock seconds and the peak memory (GB) of it and all
    its child processes together (sampled every 0.1 s)."""
    peak = [0.0]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)

    def sample() -> None:
        try:
            root = psutil.Process(process.pid)
            while process.poll() is None:
                total = 0
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total / 1e9)
                time.sleep(0.1)
        except psutil.Error:
            pass

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    watcher.join()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{output[-3000:]}")
    return seconds, peak[0]


def _settings(project: Path, folder: Path) -> Path:
    """A copy of the area settings whose options register can be edited: area.yaml names the
    copied options register; everything else is the project's."""
    folder.mkdir(parents=True)
    shutil.copy(project / "config/options.yaml", folder / "options.yaml")
    text = (project / "config/area.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^options: .*$", f"options: {(folder / 'options.yaml').as_posix()}", text)
    (folder / "area.yaml").write_text(text, encoding="utf-8")
    return folder / "area.yaml"


def _edit_option(register: Path) -> None:
    """Raise one option's running cost by 1,000 a year (a real edit of one entry)."""
    text = register.read_text(encoding="utf-8")
    start = text.index(f"id: {EDITED_OPTION}")
    match = re.compile(r"per_year: (\d+)").search(text, start)
    edited = f"per_year: {int(match.group(1)) + 1000}"
    register.write_text(text[:match.start()] + edited + text[match.end():], encoding="utf-8")


def _unit(work: Path, env: dict[str, str]) -> float:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, work / "bare.ipynb")
    papermill = [sys.executable, "-m", "papermill", "--no-progress-bar", "bare.ipynb", "out.ipynb"]
    return statistics.median(_timed(papermill, work, env)[0] for _ in range(3))


def locality_page(processed: str, config: str) -> dict[str, float]:
    """One locality profile on a warm kernel (second run) and its code run in this process."""
    import nbformat

    from pipeline.context import localities_for
    from pipeline.execute import NotebookJob, execute_notebook
    from pipeline.paths import NOTEBOOKS_DIR

    district = "E07000133"
    locality, name = localities_for(district, processed)[0]
    source = NOTEBOOKS_DIR / "locality_profile.ipynb"
    parameters = {"district": district, "config_path": config, "processed_dir": processed,
                  "output_dir": str(Path(processed) / "bench-page"), "locality": locality,
                  "locality_name": name}
    job = NotebookJob(notebook="locality_profile", source=source, kind="locality", href="",
                      executed=Path(processed) / "bench-page" / "page.ipynb",
                      parameters=parameters)
    execute_notebook(job, warm=True)  # starts the kernel, imports, reads the data
    start = time.perf_counter()
    execute_notebook(job, warm=True)
    warm = time.perf_counter() - start
    cells = ["".join(c.source) for c in nbformat.read(source, 4).cells if c.cell_type == "code"]
    namespace: dict = {}
    exec(cells[0], namespace)  # noqa: S102 - the notebook's own code, as the kernel runs it
    namespace.update(parameters)
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells[1:]:
            exec(cell, namespace)  # noqa: S102 - once to import and read
    with contextlib.redirect_stdout(io.StringIO()):  # displays print outside a kernel
        start = time.perf_counter()
        for cell in cells[1:]:
            exec(cell, namespace)  # noqa: S102
        own = time.perf_counter() - start
    return {"warm": warm, "own": own}


def measure(project: Path, workers: int | None) -> list[tuple[str, float, str]]:
    """Every figure of the table: (what, seconds, note)."""
    work = Path(tempfile.mkdtemp(prefix="benchmark-"))
    env = {**os.environ, "PYTHONPATH": str(project), "PYTHONHASHSEED": "0"}
    config = _settings(project, work / "config")
    processed, reports = work / "processed", work / "reports"
    run = [sys.executable, "-m", "pipeline", "--config", str(config), "run", "--district", "all",
           "--processed", str(processed), "--out", str(reports), "--no-progress",
           *(["--workers", str(workers)] if workers else [])]
    rows = [("unit: a bare papermill notebook", _unit(work, env), "median of 3")]
    ingest = [sys.executable, "-m", "pipeline", "--config", str(config), "ingest", "--out",
              str(work / "ingest-only"), "--no-progress"]
    rows.append(("ingest", _timed(ingest, project, env)[0], ""))
    seconds, peak = _timed(run, project, env)
    rows.append(("cold `make run` (ingest, localities, 8 packs)", seconds,
                 f"peak memory {peak:.1f} GB"))
    rows.append(("re-run, nothing changed", _timed(run, project, env)[0], ""))
    _edit_option(work / "config/options.yaml")
    rows.append((f"re-run after an options-register edit ({EDITED_OPTION})",
                 _timed(run, project, env)[0], ""))
    page = subprocess.run(  # this file as a script: the project measured may have no copy
        [sys.executable, str(Path(__file__).resolve()), "--locality-page", str(processed),
         str(config)], cwd=project, env=env, capture_output=True, text=True, check=True)
    times = json.loads(page.stdout.strip().splitlines()[-1])
    rows.append(("one locality page, warm kernel", times["warm"],
                 f"its own work {times['own']:.2f} s; overhead "
                 f"{times['warm'] - times['own']:.2f} s"))
    shutil.rmtree(work, ignore_errors=True)
    return rows


def table(rows: list[tuple[str, float, str]]) -> str:
    """The rows as a Markdown table with each figure's ratio to the unit (the first row)."""
    unit = rows[0][1]
    lines = ["| measured | seconds | × unit | note |", "| --- | ---: | ---: | --- |"]
    lines += [f"| {what} | {seconds:.1f} | {seconds / unit:.1f} | {note} |"
              for what, seconds, note in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=HERE,
                        help="the project checkout to measure (default: this one)")
    parser.add_argument("--workers", type=int, default=None,
                        help="--workers for the runs (default: the project's own default)")
    parser.add_argument("--locality-page", nargs=2, metavar=("PROCESSED", "CONFIG"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.locality_page:
        print(json.dumps(locality_page(*args.locality_page)))
        return 0
    project = args.project.resolve()
    print(f"Benchmark of {project} on {os.cpu_count()} CPUs "
          f"({time.strftime('%Y-%m-%d %H:%M')}):\n", flush=True)
    print(table(measure(project, args.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
