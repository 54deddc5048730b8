"""The parsed-table cache and the prepared-network cache give back exactly what was parsed."""

from __future__ import annotations

import pandas as pd

from binational import settings
from binational._cache import cached_table
from binational.io import roads
from binational.io import waits as io_waits
from binational.network import prepare as network
from binational.network import speeds


def test_cached_table_round_trip_and_invalidation(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", str(tmp_path / "cache"))
    src = data_dir / "crossings/bordify_wait_times_tecate_2025-03_2026-05.csv.gz"
    calls = []

    def build():
        calls.append(1)
        return io_waits.read_waits(src)

    first = cached_table(src, kind="t", build=build)
    second = cached_table(src, kind="t", build=build)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    # a damaged entry is rebuilt, not trusted
    (entry,) = (tmp_path / "cache" / "tables").glob("*.parquet")
    entry.write_bytes(b"not parquet")
    third = cached_table(src, kind="t", build=build)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(first, third)
    # a different file (same kind) is a different key
    copy = tmp_path / "copy.csv.gz"
    copy.write_bytes(src.read_bytes() + b"changed")
    cached_table(copy, kind="t", build=lambda: first.head(3))
    assert len(list((tmp_path / "cache" / "tables").glob("*.parquet"))) == 2


def test_prepared_network_cache_equals_fresh_preparation(region_tj, data_dir):
    path = data_dir / "osm/tijuana_sandiego_sr11_2017_drive.graphml.gz"
    warm = network.prepare_network(path, crs=region_tj.spec.crs, ports=region_tj.ports)
    fresh = network.mark_border_edges(
        speeds.impute_speeds(roads.load_network(path, crs=region_tj.spec.crs)),
        ports=region_tj.ports,
    )
    assert warm.number_of_edges() == fresh.number_of_edges()
    for attr in ("travel_time", "crosses_border", "port_code", "speed_source"):
        a = {(u, v, k): d.get(attr) for u, v, k, d in warm.edges(keys=True, data=True)}
        b = {(u, v, k): d.get(attr) for u, v, k, d in fresh.edges(keys=True, data=True)}
        assert a == b, attr


def test_census_units_and_border_from_the_cache_equal_a_fresh_load(tmp_path, data_dir, monkeypatch):
    """load_region's cached units, drop rows and border equal an uncached load, key by key."""
    import binational
    from binational import _cache

    monkeypatch.setattr(settings, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.setattr(settings, "use_cache", False)
    fresh = binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    monkeypatch.setattr(settings, "use_cache", True)
    built = binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    entries = {p.name for p in (tmp_path / "cache" / "tables").glob("*.parquet")}
    hit = binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    # the hit read the entries the first load wrote (no new ones)
    assert {p.name for p in (tmp_path / "cache" / "tables").glob("*.parquet")} == entries
    for region in (built, hit):
        pd.testing.assert_frame_equal(region.units, fresh.units)
        assert region.units.crs == fresh.units.crs
        assert region.drops.rows == fresh.drops.rows
        pd.testing.assert_frame_equal(region.border, fresh.border)
        assert region.border.crs == fresh.border.crs
    assert len(fresh.drops.rows) > 0  # the drop rows really travel through the cache

    # the code that builds the units is part of the key: edited code is a miss, not a stale hit
    real = _cache.code_fingerprint
    monkeypatch.setattr(_cache, "code_fingerprint", lambda *m: "edited" + real(*m))
    binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    after = {p.name for p in (tmp_path / "cache" / "tables").glob("*.parquet")}
    assert len(after - entries) == 3  # US units, MX units, border


def test_code_fingerprint_changes_with_the_source(tmp_path):
    from binational._cache import code_fingerprint

    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n")
    before = code_fingerprint(folder)
    assert code_fingerprint(folder) == before
    (folder / "a.py").write_text("x = 2\n")
    assert code_fingerprint(folder) != before
    assert code_fingerprint("harmonise") != code_fingerprint("border")


def test_geoparquet_entries_read_as_geopandas_reads_them(tmp_path, region_ep, monkeypatch):
    """The cache's GeoParquet reader gives what geopandas.read_parquet gives: the real units
    (index, dtypes, attrs, CRS), a second geometry column in another CRS, an unknown CRS and
    the CRS84 of an entry without one; the CRS is built once per process."""
    import geopandas as gpd
    import shapely
    from geopandas.testing import assert_geodataframe_equal

    from binational import _cache

    units = region_ep.units.copy()
    units.attrs = {"drops": [["a", "b"]], "source": "test"}
    units["centre"] = gpd.GeoSeries(units.geometry.centroid, crs=units.crs).to_crs(4326)
    units = units[["centre", *[c for c in units.columns if c != "centre"]]]
    frames = {
        "units": units,
        "unknown_crs": gpd.GeoDataFrame({"v": [1, 2]}, geometry=shapely.points([0, 1], [0, 1])),
        "empty": units.iloc[:0],
    }
    _cache._crs_of.cache_clear()
    for name, frame in frames.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path)
        got, want = _cache._read_frame(path), gpd.read_parquet(path)
        assert isinstance(got, gpd.GeoDataFrame)
        assert_geodataframe_equal(got, want, check_crs=True)
        assert got.geometry.name == want.geometry.name
        assert got.attrs == want.attrs
        for col in want.columns[want.dtypes == "geometry"]:
            assert got[col].crs == want[col].crs, (name, col)
    assert _cache._read_frame(tmp_path / "units.parquet").attrs["drops"] == [["a", "b"]]
    info = _cache._crs_of.cache_info()
    assert info.currsize == 3 and info.hits > 0  # the units' CRS, EPSG:4326 and None

    # a GeoParquet file without a "crs" key is in OGC:CRS84 (GeoParquet specification)
    import json

    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "unknown_crs.parquet")
    geo = json.loads(table.schema.metadata[b"geo"])
    geo["columns"]["geometry"].pop("crs", None)
    meta = {**table.schema.metadata, b"geo": json.dumps(geo).encode()}
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "crs84.parquet")
    got = _cache._read_frame(tmp_path / "crs84.parquet")
    assert got.crs == gpd.read_parquet(tmp_path / "crs84.parquet").crs
    assert got.crs.to_string() == "OGC:CRS84"

    # another encoding (GeoArrow) goes to geopandas itself
    units.to_parquet(tmp_path / "geoarrow.parquet", geometry_encoding="geoarrow")
    calls = []
    monkeypatch.setattr(gpd, "read_parquet", lambda p: calls.append(p) or "geopandas")
    assert _cache._read_frame(tmp_path / "geoarrow.parquet") == "geopandas"
    assert calls == [tmp_path / "geoarrow.parquet"]
