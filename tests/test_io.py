"""Atomic writes: all or nothing, and readable like any other file."""

import os
import stat

import pytest

from pipeline.io import write_atomic, write_text


def test_written_file_has_normal_permissions(tmp_path):
    path = write_text("hello", tmp_path / "page.html")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_failed_write_leaves_nothing(tmp_path):
    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_a_geojson_dataset_is_the_same_bytes_every_time(tmp_path):
    """GeoJSON names its layer: after the dataset, never the temporary file it was written to."""
    import geopandas as gpd
    from shapely.geometry import Point

    from pipeline import datasets

    shapes = gpd.GeoDataFrame({"locality_id": ["a"]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    first = datasets.save("locality_shapes", shapes, tmp_path / "one").read_bytes()
    second = datasets.save("locality_shapes", shapes, tmp_path / "two").read_bytes()
    assert first == second and b'"name": "locality_shapes"' in first


def test_an_input_error_survives_pickling():
    """A worker process hands its error back to the runner pickled: the one line must survive."""
    import pickle

    from pipeline.errors import InputError

    error = InputError("data/raw/a.csv", "expected a number", row=3, column="value")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == "a.csv, row 3, column 'value': expected a number"
    assert (again.path, again.row, again.column) == (error.path, 3, "value")
