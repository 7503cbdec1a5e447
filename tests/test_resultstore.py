"""Results written as Parquet + JSON come back equal; what cannot be stored is refused by name."""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from pipeline import datasets, fingerprint, resultstore
from pipeline.datasets import Dataset


def test_tables_arrays_and_values_round_trip(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [1.5, np.nan]},
                         index=pd.Index(["p", "q"], name="key"))
    odd_columns = pd.DataFrame([[1.0, 2.0]], columns=[2025, ("x", 1)])
    lists = pd.DataFrame({"ids": [["a", "b"], []], "n": [1, 2]})
    shapes = gpd.GeoDataFrame({"code": ["E1"]}, geometry=[Point(0, 1)], crs="EPSG:27700")
    obj = {"frame": frame, "lists": lists, "plain": frame.reset_index(), "odd": odd_columns, "shapes": shapes,
           "series": pd.Series([1.0, 2.0], index=["a", "b"], name="v"),
           "array": np.arange(6).reshape(2, 3), "tenth": 0.1 + 0.2, "nan": float("nan"),
           "pair": (1, "a"), "nested": Dataset("n", "p", "f", "d"), ("k", 1): [np.int64(3)]}
    back = resultstore.read(resultstore.write(obj, tmp_path / "r"))
    pd.testing.assert_frame_equal(back["frame"], frame)
    pd.testing.assert_frame_equal(back["plain"], frame.reset_index())
    pd.testing.assert_frame_equal(back["odd"], odd_columns)
    assert back["lists"]["ids"].tolist() == [["a", "b"], []]
    assert back["shapes"].crs == shapes.crs and back["shapes"].geometry[0] == Point(0, 1)
    pd.testing.assert_series_equal(back["series"], obj["series"])
    np.testing.assert_array_equal(back["array"], obj["array"])
    assert back["tenth"] == 0.30000000000000004 and np.isnan(back["nan"])
    assert back["pair"] == (1, "a") and back["nested"] == obj["nested"]
    assert back[("k", 1)] == [3]


def test_a_rewrite_replaces_the_folder_whole(tmp_path):
    resultstore.write({"a": pd.DataFrame({"x": [1]})}, tmp_path / "r")
    resultstore.write({"b": 2}, tmp_path / "r")
    assert resultstore.read(tmp_path / "r") == {"b": 2}
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["results.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary folder left


@dataclass
class _Model:
    fit: object


def test_what_is_not_data_is_refused_with_the_field_path(tmp_path):
    with pytest.raises(resultstore.ResultsError, match=r"dict\['model'\]: a builtin_function"):
        resultstore.write({"model": len}, tmp_path / "r")
    with pytest.raises(resultstore.ResultsError, match="not a class of this package"):
        resultstore.write(_Model(fit=1), tmp_path / "s")
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()


def test_only_classes_of_the_package_are_rebuilt(tmp_path):
    folder = resultstore.write(Dataset("n", "p", "f", "d"), tmp_path / "r")
    structure = json.loads((folder / "results.json").read_text())
    structure["__dataclass__"] = "os:system"
    (folder / "results.json").write_text(json.dumps(structure))
    with pytest.raises(resultstore.ResultsError, match="not a module of this package"):
        resultstore.read(folder)


def test_the_catalogue_builds_every_processed_path(tmp_path):
    assert datasets.path("indicators", tmp_path) == tmp_path / "indicators.parquet"
    assert datasets.path("district_results", tmp_path, district="melton", part="baseline") == \
        tmp_path / "results" / "melton" / "baseline"
    with pytest.raises(KeyError, match="no processed dataset called 'nope'"):
        datasets.path("nope", tmp_path)
    frame = pd.DataFrame({"a": [1, 2]})
    datasets.save("lsoas", frame, tmp_path)
    pd.testing.assert_frame_equal(datasets.load("lsoas", tmp_path), frame)


def test_a_stamp_changes_with_settings_and_inputs(tmp_path):
    config = tmp_path / "config" / "area.yaml"
    config.parent.mkdir()
    config.write_text("county: x\n")
    before = fingerprint.stamp(config, tmp_path)
    assert fingerprint.is_current(before, fingerprint.stamp(config, tmp_path))
    (config.parent / "options.yaml").write_text("options: []\n")
    assert not fingerprint.is_current(before, fingerprint.stamp(config, tmp_path))
    again = fingerprint.stamp(config, tmp_path)
    datasets.save("ingest_manifest", {"inputs": [{"path": "a.csv", "sha256": "0" * 64}]}, tmp_path)
    assert not fingerprint.is_current(again, fingerprint.stamp(config, tmp_path))
    assert not fingerprint.is_current(None, again)
