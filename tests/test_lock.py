"""One writer at a time: a second command is refused while one holds the project's lock, and a
lock left by a killed command never blocks the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from pipeline import cli, datasets
from pipeline.errors import InputError
from pipeline.lock import project_lock
from pipeline.paths import PROJECT_ROOT

HOLDER = ("import sys\nfrom pipeline.lock import project_lock\n"
          "with project_lock(sys.argv[1], 'python -m pipeline run --district Melton'):\n"
          "    print('held', flush=True)\n    sys.stdin.read()\n")


@pytest.fixture
def holder(tmp_path):
    """A separate process holding the lock of ``tmp_path/processed`` until its stdin closes."""
    processed = tmp_path / "processed"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(processed)], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "held\n"
    yield process, processed
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_second_command_is_refused_with_one_line_naming_the_holder(holder, tmp_path):
    process, processed = holder
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    for command in (["ingest", "--out", str(processed), "--no-progress"],
                    ["run", "--district", "Melton", "--processed", str(processed),
                     "--out", str(tmp_path / "reports"), "--no-progress"],
                    ["localities", "--district", "Melton", "--out", str(processed)]):
        second = subprocess.run([sys.executable, "-m", "pipeline", *command], env=env,
                                cwd=tmp_path, capture_output=True, text=True)
        assert second.returncode == 2, second.stderr
        assert second.stdout == ""
        [line] = second.stderr.splitlines()
        assert line.startswith("error: another pipeline command is writing to this project "
                               f"(process {process.pid}, `python -m pipeline run --district "
                               "Melton`, started 20")
        assert line.endswith(" UTC); wait for it to finish, then run this one again")
    assert not (tmp_path / "reports").exists()
    assert sorted(p.name for p in processed.iterdir()) == [".lock"]  # nothing else written


def test_a_killed_holder_never_blocks_the_next_command(holder):
    process, processed = holder
    with pytest.raises(InputError, match=f"process {process.pid},"):
        with project_lock(processed):
            pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert datasets.path("project_lock", processed).exists()  # left behind, but not held
    with project_lock(processed, "next") as lock:
        assert lock.read_text(encoding="utf-8").startswith(f'{{"pid": {os.getpid()}, ')
    assert not lock.exists()  # a command that ends cleanly removes it
    fresh = processed.parent / "fresh"
    with project_lock(fresh):
        assert fresh.is_dir()
    assert not fresh.exists()  # nor does it leave an empty processed folder it made


def test_only_writing_commands_take_the_lock(holder, tmp_path, capsys):
    _, processed = holder
    # imd-summary writes only the file it is given: it runs while another command holds the lock
    out = tmp_path / "summary.csv"
    assert cli.main(["imd-summary", "--out", str(out)]) == 0
    assert out.exists()
    assert set(cli.WRITERS) == {"ingest", "localities", "run"}
    assert cli.main(["ingest", "--out", str(processed)]) == 2
    assert "another pipeline command is writing" in capsys.readouterr().err
