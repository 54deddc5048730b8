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
