"""Atomic per-region result files, status records and stacking over regions."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from binational.errors import OutputError
from binational.scale import results as res


@pytest.fixture(scope="module")
def tracts(data_dir):
    g = gpd.read_file(data_dir / "us" / "ep" / "ep_tracts_2020.geojson")
    return g[["GEOID", "NAME", "ALAND", "geometry"]].to_crs("EPSG:32613")


def test_table_round_trip(tracts, tmp_path):
    res.write_table(tmp_path / "t.parquet", tracts)
    back = res.read_table(tmp_path / "t.parquet")
    assert isinstance(back, gpd.GeoDataFrame)
    assert back.crs == tracts.crs
    assert_frame_equal(back, tracts)
    plain = pd.DataFrame(tracts.drop(columns="geometry"))
    res.write_table(tmp_path / "p.parquet", plain)
    assert_frame_equal(res.read_table(tmp_path / "p.parquet"), plain)


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tracts, tmp_path, monkeypatch):
    target = tmp_path / "t.parquet"
    res.write_table(target, tracts)
    before = target.read_bytes()

    def half_write(self, path, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"PAR1 half")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", half_write)
    with pytest.raises(OutputError, match=r"t\.parquet: cannot write table: disk full"):
        res.write_table(target, tracts.head(3))
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def test_status_is_written_last(tracts, tmp_path, monkeypatch):
    result = res.TaskResult(
        region="juarez-el-paso",
        task="load",
        status=res.DONE,
        tables={"units": tracts, "plain": pd.DataFrame({"a": [1, 2]})},
        params={"seed": 1},
    )

    def boom(*args, **kwargs):
        raise OSError("no space left")

    with monkeypatch.context() as m:
        m.setattr(gpd.GeoDataFrame, "to_parquet", boom)
        with pytest.raises(OutputError):
            res.write_task_result(tmp_path, result)
    assert res.read_status(tmp_path, "juarez-el-paso", "load") is None
    assert res.is_complete(tmp_path, "juarez-el-paso", "load", {"seed": 1}) is None

    res.write_task_result(tmp_path, result)
    status = res.is_complete(tmp_path, "juarez-el-paso", "load", {"seed": 1})
    assert status["tables"] == ["plain", "units"]
    assert res.is_complete(tmp_path, "juarez-el-paso", "load", {"seed": 2}) is None
    # a lost table file means the task is not complete
    (res.region_dir(tmp_path, "juarez-el-paso") / "plain.parquet").unlink()
    assert res.is_complete(tmp_path, "juarez-el-paso", "load", {"seed": 1}) is None


def test_output_files_cannot_escape_the_region_folder(tmp_path):
    result = res.TaskResult(
        region="r", task="report", status=res.DONE, files={"../../evil.html": b"x"}
    )
    with pytest.raises(OutputError, match="outside"):
        res.write_task_result(tmp_path, result)
    assert not (tmp_path / "evil.html").exists()


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot create output folder"):
        res.write_table(blocker / "x" / "t.parquet", pd.DataFrame({"a": [1]}))


def test_stack_regions_reprojects_mixed_crs(tracts, data_dir):
    sd = gpd.read_file(data_dir / "us" / "sd" / "sd_tracts_tiger2024_waterclip.geojson")
    sd = sd[["GEOID", "geometry"]].to_crs("EPSG:32611")
    ep = tracts[["GEOID", "geometry"]]
    stacked = res.stack_regions({"sd": sd, "ep": ep})
    assert stacked.crs.to_epsg() == 4326
    assert list(stacked.columns[:2]) == ["region", "GEOID"]
    assert stacked["region"].value_counts().to_dict() == {"sd": 736, "ep": 188}
    # same CRS: kept
    same = res.stack_regions({"a": ep, "b": ep})
    assert same.crs == ep.crs and len(same) == 2 * len(ep)


def test_manifest_round_trip(tmp_path):
    rows = [
        res.TaskResult(region="a", task="load", status=res.DONE, seconds=1.23456).record(),
        res.TaskResult(region="b", task="load", status=res.SKIPPED, error="no US").record(),
    ]
    written = res.write_manifest(tmp_path, rows)
    back = res.read_manifest(tmp_path)
    assert list(back.columns) == list(res.MANIFEST_COLUMNS)
    assert back["status"].tolist() == ["done", "skipped"]
    assert back["error"].tolist() == ["", "no US"]
    assert back["seconds"].tolist() == written["seconds"].tolist() == [1.235, 0.0]
    with pytest.raises(OutputError, match="no batch manifest"):
        res.read_manifest(tmp_path / "nowhere")
