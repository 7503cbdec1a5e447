"""Every reader, fed a real shipped file damaged at the byte level (truncated, a byte flipped, a
column deleted), either reads it into rows that fit the schema or refuses it with a one-line
:class:`InputError` -- never another exception (seeded, so every run tries the same cases)."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import load_datasets
from pipeline.errors import InputError
from pipeline.ingest import readers
from pipeline.ingest.common import CodeRegistry, DatasetSpec
from pipeline.paths import CONFIG_DIR
from pipeline.schema import OBSERVATIONS, validate

#: One catalogued dataset per reader (the smallest file of each layout), and the partner table
#: of the worked example. Big files are cut to their first lines before they are damaged.
DATASETS = ("iod2019_subdomains", "iod2019_file3", "iod2019_score", "iod2019_file10",
            "population2020", "census2011_qs119", "census2021_ts021", "census2011_oac", "crime")
KEEP_LINES = 120
SEED = 20261202


def _specs() -> dict[str, DatasetSpec]:
    specs = {s.id: s for s in load_datasets(CONFIG_DIR / "datasets.yaml", include_disabled=True)}
    chosen = {key: specs[key] for key in DATASETS}
    for suffix in ("csv", "xlsx"):
        chosen[f"partner_{suffix}"] = DatasetSpec(
            f"partner_{suffix}", CONFIG_DIR / "examples" / f"partner_indicators_example.{suffix}",
            "partner_table", {"vintage": "LSOA11"})
    return chosen


SPECS = _specs()


def _text_bytes(path: Path) -> bytes:
    """The file's first lines as plain CSV bytes (gzip undone)."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return b"".join(raw.splitlines(keepends=True)[:KEEP_LINES])


def _workbook_without_column(path: Path, rng: random.Random) -> bytes:
    """The workbook with one column (not the first) of every sheet deleted."""
    book = pd.read_excel(path, sheet_name=None, dtype=str)
    out = io.BytesIO()
    with pd.ExcelWriter(out) as xl:
        for name, sheet in book.items():
            if sheet.shape[1] > 1:
                sheet = sheet.drop(columns=sheet.columns[rng.randrange(1, sheet.shape[1])])
            sheet.to_excel(xl, sheet_name=name, index=False)
    return out.getvalue()


def _without_column(data: bytes, rng: random.Random) -> bytes:
    """The CSV with one column deleted (naively, split on commas, as a careless edit would)."""
    lines = data.split(b"\n")
    width = max(1, lines[0].count(b",") + 1)
    drop = rng.randrange(width)
    return b"\n".join(b",".join(c for i, c in enumerate(line.split(b",")) if i != drop)
                      for line in lines)


def _flipped(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice((1, 3))):
        data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    return bytes(data)


def _cases() -> list[tuple[str, str, int]]:
    kinds = ("truncated", "flipped", "flipped", "no_column", "gzip_flipped")
    return [(key, kind, i) for key in SPECS for i, kind in enumerate(kinds)
            if kind != "gzip_flipped" or SPECS[key].path.name.endswith(".gz")]


@pytest.mark.parametrize(("key", "kind", "i"), _cases(), ids=lambda v: str(v))
def test_a_damaged_file_reads_or_is_refused_in_one_line(tmp_path, key, kind, i):
    spec = SPECS[key]
    rng = random.Random(f"{SEED}-{key}-{kind}-{i}")
    excel = spec.path.suffix.lower() == ".xlsx"
    name = spec.path.name
    if excel:
        data = spec.path.read_bytes()
        data = {"truncated": lambda: data[: rng.randrange(len(data))],
                "flipped": lambda: _flipped(data, rng),
                "no_column": lambda: _workbook_without_column(spec.path, rng)}[kind]()
    elif kind == "gzip_flipped":
        data = _flipped(spec.path.read_bytes(), rng)
    else:
        name = name.removesuffix(".gz")
        data = _text_bytes(spec.path)
        data = {"truncated": lambda: data[: rng.randrange(1, len(data))],
                "flipped": lambda: _flipped(data, rng),
                "no_column": lambda: _without_column(data, rng)}[kind]()
    damaged = tmp_path / name
    damaged.write_bytes(data)
    read = readers()[spec.reader]
    try:
        obs = read(DatasetSpec(spec.id, damaged, spec.reader, spec.options), CodeRegistry())
    except InputError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 600, message
        assert message.startswith(name), message
        return
    validate(obs, OBSERVATIONS, name)  # read: every value fits what its variable is
    assert len(obs) > 0
