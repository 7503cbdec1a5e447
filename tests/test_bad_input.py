"""Bad input never passes silently: each rule on a small file the test writes from real shipped
rows, through the command line -- exit status 2, one line naming the file and the column, row
or sheet, no traceback, and ``data/processed/`` untouched (so nothing reached the store)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from pipeline import datasets
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.paths import CONFIG_DIR, PROCESSED_DIR, PROJECT_ROOT, RAW_DIR
from pipeline.schema import IOD_LSOAS_RANKED, OBSERVATIONS, validate
from tests.settings import settings_with_datasets

NATIONAL = RAW_DIR / "national"
FILE2 = NATIONAL / "iod2019" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
FILE9 = NATIONAL / "iod2019" / "File_9_-_IoD2019_Transformed_Scores.csv.gz"
FILE10 = NATIONAL / "iod2019" / "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
IOD2010 = NATIONAL / "iod_history" / "imd2010_england_lsoa01_humaniverse.csv.gz"
TS021 = NATIONAL / "census2021" / "census2021_ts021_ethnicity21_lsoa21_demographr__ew.csv.gz"
CRIME = RAW_DIR / "leicestershire" / "crime"
CATALOGUE = yaml.safe_load((CONFIG_DIR / "datasets.yaml").read_text())["datasets"]


def head(path: Path, rows: int = 20) -> pd.DataFrame:
    """The first rows of a real shipped CSV, as text."""
    return pd.read_csv(path, dtype=str, nrows=rows, keep_default_na=False, encoding="utf-8-sig")


def configure(tmp_path: Path, **entries: dict) -> Path:
    """Area settings whose dataset catalogue holds only ``entries`` (dataset id -> the shipped
    entry's reader and options, with the given changes)."""
    return settings_with_datasets(tmp_path, {key: {**CATALOGUE[key], **change}
                                             for key, change in entries.items()})


def processed_state() -> dict[str, tuple[int, int]]:
    if not PROCESSED_DIR.exists():
        return {}
    return {p.relative_to(PROCESSED_DIR).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in PROCESSED_DIR.rglob("*") if p.is_file()}


def refused(capsys, config: Path) -> str:
    """Run ``ingest`` on ``config`` into the default ``data/processed/``: exit 2, one line on
    stderr, no traceback, nothing written. Returns the line."""
    before = processed_state()
    code = main(["ingest", "--config", str(config), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert processed_state() == before
    return err.strip()


def file2(tmp_path: Path, change) -> Path:
    """The first rows of the published File 2, changed by ``change(frame)``."""
    table = head(FILE2)
    change(table)
    path = tmp_path / "file2.csv"
    table.to_csv(path, index=False)
    return path


IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


# ------------------------------------------------------------------ values out of range


@pytest.mark.parametrize(("cell", "expected"), [
    ("40000", "40000 for E01000003 (2019) is out of range (expected an IoD rank from 1 (most "
              "deprived) to 32,844, the LSOAs ranked in the 2019 edition)"),
    ("0", "0 for E01000003 (2019) is out of range (expected an IoD rank from 1"),
    ("inf", "inf for E01000003 (2019) is not a finite number (expected an IoD rank"),
    ("-inf", "-inf for E01000003 (2019) is not a finite number"),
])
def test_an_iod_rank_out_of_range_is_refused(tmp_path, capsys, cell, expected):
    path = file2(tmp_path, lambda t: t.loc.__setitem__((2, IMD_RANK), cell))
    line = refused(capsys, configure(tmp_path, iod2019_file2={"path": str(path)}))
    assert line.startswith(f"error: file2.csv, column '{IMD_RANK}': {expected}")


def test_nan_written_as_text_is_refused_with_its_row(tmp_path, capsys):
    path = file2(tmp_path, lambda t: t.loc.__setitem__((2, IMD_RANK), "nan"))
    line = refused(capsys, configure(tmp_path, iod2019_file2={"path": str(path)}))
    assert line.startswith(f"error: file2.csv, row 4, column '{IMD_RANK}': 'nan' is not a number")


def test_a_decile_out_of_range_is_refused(tmp_path, capsys):
    path = file2(tmp_path, lambda t: t.loc.__setitem__((0, IMD_DECILE), "11"))
    line = refused(capsys, configure(tmp_path, iod2019_file2={"path": str(path)}))
    assert line == (f"error: file2.csv, column '{IMD_DECILE}': 11 for E01000001 (2019) is out of "
                    "range (expected a decile, a whole number from 1 to 10)")


def test_ranks_are_bounded_by_their_own_edition(tmp_path, capsys):
    """A 2010 rank (LSOA 2001: 32,482 ranked) of 32,483 is refused, though 2019 allows it."""
    table = head(IOD2010)
    table.loc[0, "IMD_rank"] = "32483"
    table.to_csv(tmp_path / "imd2010.csv", index=False)
    line = refused(capsys, configure(tmp_path, iod2010={"path": str(tmp_path / "imd2010.csv")}))
    assert line == ("error: imd2010.csv, column 'IMD_rank': 32483 for E01000001 (2010) is out of "
                    "range (expected an IoD rank from 1 (most deprived) to 32,482, the LSOAs "
                    "ranked in the 2010 edition)")


@pytest.mark.parametrize(("column", "cell", "expected"), [
    ("Income_score", "1.5", "1.5 for E01000002 (2010) is out of range (expected a proportion "
                            "from 0 to 1)"),
    ("Health_score", "inf", "inf for E01000002 (2010) is not a finite number (expected a finite "
                            "score)"),
])
def test_proportions_and_scores_out_of_range_are_refused(tmp_path, capsys, column, cell,
                                                         expected):
    table = head(IOD2010)
    table.loc[1, column] = cell
    table.to_csv(tmp_path / "imd2010.csv", index=False)
    line = refused(capsys, configure(tmp_path, iod2010={"path": str(tmp_path / "imd2010.csv")}))
    assert line == f"error: imd2010.csv, column '{column}': {expected}"


def test_a_transformed_score_above_100_is_refused(tmp_path, capsys):
    table = head(FILE9)
    column = "Crime Score - exponentially transformed"
    table.loc[5, column] = "120.5"
    table.to_csv(tmp_path / "file9.csv", index=False)
    line = refused(capsys, configure(tmp_path, iod2019_file9={"path": str(tmp_path / "file9.csv")}))
    area = table.loc[5, "LSOA code (2011)"]
    assert line == (f"error: file9.csv, column '{column}': 120.5 for {area} (2019) is out of "
                    "range (expected an exponentially transformed score from 0 to 100)")


def test_a_negative_count_is_refused(tmp_path, capsys):
    table = head(TS021, 40)
    table.loc[7, "n"] = "-3"
    table.to_csv(tmp_path / "ts021.csv", index=False)
    area, group = table.loc[7, "lsoa21_code"], table.loc[7, "ethnic_group"]
    line = refused(capsys, configure(tmp_path,
                                     census2021_ts021={"path": str(tmp_path / "ts021.csv")}))
    assert line == (f"error: ts021.csv, column 'n': -3 for {area} (2021, {group}) is out of "
                    "range (expected a count, 0 or more)")


def test_one_process_exits_2_without_a_traceback(tmp_path):
    path = file2(tmp_path, lambda t: t.loc.__setitem__((2, IMD_RANK), "40000"))
    config = configure(tmp_path, iod2019_file2={"path": str(path)})
    before = processed_state()
    result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "--config", str(config),
                             "--no-progress"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: file2.csv, column '{IMD_RANK}': 40000 for E01000003")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert processed_state() == before


@pytest.mark.parametrize(("edition", "n"), sorted(IOD_LSOAS_RANKED.items()))
def test_each_edition_allows_ranks_up_to_its_own_count_only(edition, n):
    rows = pd.DataFrame({"area_code": ["E01000001", "E01000002"], "area_type": "LSOA11",
                         "variable": "imd_rank", "period": edition, "category": "",
                         "value": [1.0, float(n)], "flag": "", "source": "f.csv"})
    validate(rows.copy(), OBSERVATIONS, "f.csv")
    with pytest.raises(InputError, match=f"{n + 1} for E01000002 .* to {n:,}, the LSOAs ranked"):
        validate(rows.assign(value=[1.0, n + 1.0]), OBSERVATIONS, "f.csv")


@pytest.mark.parametrize("dataset", ["iod2004", "iod2007", "iod2010", "iod2015", "iod2019_file2",
                                     "iod2025"])
def test_declared_rank_counts_match_the_shipped_england_files(dataset):
    """Each England-wide file ranks every LSOA of its edition: ranks 1 ... N, N rows."""
    spec = CATALOGUE[dataset]
    table = pd.read_csv(RAW_DIR / spec["path"], encoding="utf-8-sig")
    rank = next(c for c in table.columns if c.lower().startswith(("imd_rank",
                                                                   "index of multiple")))
    n = IOD_LSOAS_RANKED[str(spec["options"]["edition"])]
    assert len(table) == n
    assert table[rank].min() == 1 and table[rank].max() == n


# ------------------------------------------------------------------ missing columns and sheets


def test_an_iod_file_without_its_rank_column_is_refused(tmp_path, capsys):
    path = file2(tmp_path, lambda t: t.drop(columns=IMD_RANK, inplace=True))
    line = refused(capsys, configure(tmp_path, iod2019_file2={"path": str(path)}))
    assert line == (f"error: file2.csv: missing column: the imd rank (the file has the imd "
                    f"decile in '{IMD_DECILE}'; expected the rank beside the decile of each "
                    "index or domain)")


@pytest.mark.filterwarnings("ignore:DrawingML support:UserWarning")  # the Notes text box
def test_a_file10_without_its_imd_sheet_is_refused(tmp_path, capsys):
    book = load_workbook(FILE10)
    del book["IMD"]
    book.save(tmp_path / "file10.xlsx")
    line = refused(capsys, configure(tmp_path,
                                     iod2019_file10={"path": str(tmp_path / "file10.xlsx")}))
    assert line == ("error: file10.xlsx: sheet 'IMD' is missing (expected a sheet for each of "
                    "IMD, Income, Employment, Education, Health, Crime, Barriers, Living, IDACI, "
                    "IDAOPI as in the published File 10; sheets found: Notes, Income, "
                    "Employment, Education, Health, Crime, Barriers, Living, IDACI, IDAOPI)")


def test_a_dataset_supplying_nothing_the_catalogue_uses_is_refused(tmp_path, capsys):
    """The ethnicity table read under another table's id holds no variable any indicator uses."""
    line = refused(capsys, configure(tmp_path, census2021_ts021={
        "options": {**CATALOGUE["census2021_ts021"]["options"], "table": "ts999"}}))
    assert line.startswith(f"error: {TS021.name}: dataset 'census2021_ts021' supplied none of "
                           "the variables the indicator catalogue uses from it: expected one of "
                           "c21_ts011, c21_ts021, c21_ts030")
    assert line.endswith("it supplied c21_ts999")


# ------------------------------------------------------------------ crime as monthly files


@pytest.fixture
def monthly(tmp_path) -> Path:
    """Two monthly police.uk files: the original May 2021 download (32 records without an LSOA)
    and June 2021 cut from the shipped concatenation."""
    folder = tmp_path / "monthly"
    folder.mkdir()
    (folder / "2021-05-leicestershire-street.csv").write_bytes(
        gzip.decompress((CRIME / "original_example_2021-05-leicestershire-street.csv.gz")
                        .read_bytes()))
    rows = pd.read_csv(CRIME / CATALOGUE["crime"]["path"].split("/")[-1], dtype=str,
                       keep_default_na=False)
    rows[rows["Month"] == "2021-06"].to_csv(folder / "2021-06-leicestershire-street.csv",
                                            index=False)
    return folder


def test_crime_from_a_folder_counts_records_without_an_lsoa_per_file(tmp_path, monthly, capsys):
    out = tmp_path / "processed"
    code = main(["ingest", "--config", str(configure(tmp_path, crime={"path": str(monthly)})),
                 "--out", str(out), "--no-progress"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "2 files read" in printed.out
    assert "; 32 crime records without an LSOA code left out (per file in the manifest)" \
        in printed.out
    entry = datasets.load("ingest_manifest", out)["inputs"][0]
    assert entry["unplaced_records"] == {"2021-05-leicestershire-street.csv": 32,
                                         "2021-06-leicestershire-street.csv": 0}
    assert sorted(entry["files"]) == sorted(entry["unplaced_records"])
    observations = datasets.load("observations", out)
    totals = observations[(observations["category"] == "")].groupby("period")["value"].sum()
    assert totals["2021-05"] == 8_402 - 32
    assert np.isfinite(totals).all()


def test_crime_from_a_glob_or_an_empty_folder(tmp_path, monthly, capsys):
    from pipeline.config import load_datasets
    from pipeline.ingest.common import CodeRegistry
    from pipeline.store import read_dataset

    config = configure(tmp_path, crime={"path": str(monthly / "*-05-*-street.csv")})
    spec = load_datasets(config.parent / "datasets.yaml")[0]
    obs = read_dataset(spec, CodeRegistry())
    assert set(obs["period"]) == {"2021-05"}
    assert obs.attrs["unplaced_by_file"] == {"2021-05-leicestershire-street.csv": 32}
    (tmp_path / "empty").mkdir()
    line = refused(capsys, configure(tmp_path, crime={"path": str(tmp_path / "empty")}))
    assert line.startswith("error: empty: named in the dataset catalogue (datasets.crime): "
                           f"the folder {tmp_path / 'empty'} holds no .csv or .csv.gz files")
