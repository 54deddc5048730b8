"""run_batch on a 2-worker LocalCluster: real-data tasks, equality with direct calls, faults, resume."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from binational.regions import get_region
from binational.scale import RegionContext, Task, run_batch
from binational.scale.results import read_manifest, read_status, region_dir, stack_regions
from binational.scale.tasks import BatchConfig

REGIONS = ["tijuana-san-diego", "juarez-el-paso", "mexicali-calexico", "nogales-nogales"]


def _direct(func, regions, data_dir, table):
    """The single-machine path: call the task in this process for each region and stack."""
    config = BatchConfig(data_dir=str(data_dir))
    return stack_regions(
        {r: func(RegionContext(get_region(r), config)).tables[table] for r in regions}
    )


def _row(manifest, region, task):
    rows = manifest[(manifest["region"] == region) & (manifest["task"] == task)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.fixture(scope="module")
def batch(client, tasks, data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    return run_batch(
        REGIONS,
        tasks=[tasks.BTS, tasks.TRACTS],
        scheduler=client,
        out_dir=out,
        data_dir=data_dir,
    )


def test_batch_statuses_and_skip_reasons(batch):
    m = batch.manifest
    assert len(m) == len(REGIONS) * 2
    for region in REGIONS:
        assert _row(m, region, "bts_totals")["status"] == "done"
    for region in ("tijuana-san-diego", "juarez-el-paso"):
        assert _row(m, region, "tract_areas")["status"] == "done"
    mexicali = _row(m, "mexicali-calexico", "tract_areas")
    assert mexicali["status"] == "skipped"
    assert "no US census units" in mexicali["error"] and "06025" in mexicali["error"]
    nogales = _row(m, "nogales-nogales", "tract_areas")
    assert nogales["status"] == "skipped"
    assert "04023" in nogales["error"] and "26043" in nogales["error"]
    assert batch.ok
    # the manifest on disk is the one returned
    assert_frame_equal(
        read_manifest(batch.out_dir)[["region", "task", "status"]], m[["region", "task", "status"]]
    )


def test_batch_tables_equal_direct_calls(batch, tasks, data_dir):
    bts = batch.table("bts_totals")
    assert_frame_equal(bts, _direct(tasks.funcs.bts_totals, REGIONS, data_dir, "bts_totals"))
    tracts = batch.table("tract_areas")
    direct = _direct(
        tasks.funcs.tract_areas, ["tijuana-san-diego", "juarez-el-paso"], data_dir, "tract_areas"
    )
    # two UTM zones: both sides stacked in EPSG:4326
    assert tracts.crs.to_epsg() == 4326
    assert_frame_equal(tracts, direct)
    # 736 San Diego + 188 El Paso tracts (SOURCES.md)
    assert tracts.groupby("region").size().to_dict() == {
        "juarez-el-paso": 188,
        "tijuana-san-diego": 736,
    }


def test_bts_totals_match_the_national_file(batch, data_dir):
    """The US–Mexico subset summed by the batch equals the full national BTS file."""
    full = pd.read_csv(
        data_dir / "crossings" / "bts_border_crossing_entry_data_1996-01_2025-02.csv.gz",
        usecols=["Port Code", "Border", "Measure", "Value"],
    )
    full = full[full["Border"] == "US-Mexico Border"]
    ref = full.groupby(["Port Code", "Measure"])["Value"].sum()
    got = batch.table("bts_totals").set_index(["Port Code", "Measure"])["Value"]
    assert len(got) > 50
    assert (ref.loc[got.index].to_numpy() == got.to_numpy()).all()
    # every port of the four regions is there
    ports = {p for r in REGIONS for p in get_region(r).ports}
    assert set(got.index.get_level_values(0)) == ports


def test_serial_path_gives_identical_tables(batch, tasks, data_dir, tmp_path):
    serial = run_batch(
        REGIONS,
        tasks=[tasks.BTS, tasks.TRACTS],
        scheduler="serial",
        out_dir=tmp_path,
        data_dir=data_dir,
    )
    assert (serial.manifest["worker"] == "local").all()
    assert_frame_equal(
        serial.manifest[["region", "task", "status", "error"]],
        batch.manifest[["region", "task", "status", "error"]],
    )
    for name in ("bts_totals", "tract_areas"):
        assert_frame_equal(serial.table(name), batch.table(name))


def test_resume_reuses_done_tasks(client, tasks, data_dir, tmp_path):
    regions = ["tijuana-san-diego", "juarez-el-paso"]
    first = run_batch(
        regions, tasks=[tasks.BTS, tasks.PID], scheduler=client, out_dir=tmp_path, data_dir=data_dir
    )
    assert (first.manifest["status"] == "done").all() and not first.manifest["resumed"].any()
    table = region_dir(tmp_path, "juarez-el-paso") / "bts_totals.parquet"
    mtime = table.stat().st_mtime_ns
    # lose one task's completion record: only that task runs again
    (region_dir(tmp_path, "tijuana-san-diego") / "_status" / "worker_pid.json").unlink()
    second = run_batch(
        regions, tasks=[tasks.BTS, tasks.PID], scheduler=client, out_dir=tmp_path, data_dir=data_dir
    )
    resumed = second.manifest.set_index(["region", "task"])["resumed"]
    assert not resumed["tijuana-san-diego", "worker_pid"]
    assert resumed.drop(("tijuana-san-diego", "worker_pid")).all()
    assert table.stat().st_mtime_ns == mtime
    # changed options: the task runs again
    third = run_batch(
        regions,
        tasks=[tasks.BTS],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
        task_options={"bts_totals": {"note": "changed"}},
    )
    assert not third.manifest["resumed"].any()
    # resume=False: everything runs again
    fourth = run_batch(
        regions,
        tasks=[tasks.PID],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
        resume=False,
    )
    assert not fourth.manifest["resumed"].any()


def test_worker_killed_once_is_rescheduled(client, tasks, data_dir, tmp_path):
    """A worker process dies mid-batch; Dask reruns its region on a restarted worker."""
    markers = tmp_path / "markers"
    markers.mkdir()
    regions = ["tijuana-san-diego", "juarez-el-paso"]
    result = run_batch(
        regions,
        tasks=[tasks.CRASH_ONCE, tasks.BTS],
        scheduler=client,
        out_dir=tmp_path / "out",
        data_dir=data_dir,
        task_options={"crash_once": {"marker_dir": str(markers)}},
    )
    assert (result.manifest["status"] == "done").all(), result.manifest
    crashed = result.table("crash_pid").set_index("region")["pid"]
    for region in regions:
        killed_pid = int((markers / f"{region}.pid").read_text())
        assert crashed[region] != killed_pid  # the rerun ran in another process
    assert len(result.table("bts_totals")) > 0


def test_worker_that_always_dies_is_reported_and_others_kept(client, tasks, data_dir, tmp_path):
    regions = ["tijuana-san-diego", "juarez-el-paso", "nogales-nogales"]
    result = run_batch(
        regions,
        tasks=[tasks.BTS, tasks.CRASH_ALWAYS],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
        task_options={"crash_always": {"regions": ["juarez-el-paso"]}},
    )
    m = result.manifest
    failed = m[m["region"] == "juarez-el-paso"]
    assert (failed["status"] == "failed").all()
    assert failed["error"].str.contains("KilledWorker").all()
    ok = m[m["region"] != "juarez-el-paso"]
    assert (ok["status"] == "done").all()
    assert not result.ok and len(result.failures) == 2
    # finished regions are on disk, the failed one wrote nothing but its status
    assert sorted(result.table("bts_totals")["region"].unique()) == [
        "nogales-nogales",
        "tijuana-san-diego",
    ]
    assert not (region_dir(tmp_path, "juarez-el-paso") / "bts_totals.parquet").exists()
    assert read_status(tmp_path, "juarez-el-paso", "crash_always")["status"] == "failed"
    # the cluster recovered: both workers are back
    client.wait_for_workers(2, timeout=60)


def test_task_that_raises_does_not_stop_the_region(client, tasks, data_dir, tmp_path):
    result = run_batch(
        ["juarez-el-paso", "nogales-nogales"],
        tasks=[tasks.RAISES, tasks.BTS],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
    )
    m = result.manifest.set_index(["region", "task"])
    for region in ("juarez-el-paso", "nogales-nogales"):
        assert m.loc[(region, "raises"), "status"] == "failed"
        assert m.loc[(region, "raises"), "error"] == f"ValueError: deliberate failure for {region}"
        assert m.loc[(region, "bts_totals"), "status"] == "done"


def test_region_with_missing_data_fails_with_the_path(client, tasks, data_dir, tmp_path):
    spec = get_region("juarez-el-paso")
    broken = dataclasses.replace(
        spec,
        name="juarez-el-paso-broken",
        files={**spec.files, "us_tracts": "us/ep/no_such_tracts.geojson"},
    )
    result = run_batch(
        [broken, "tijuana-san-diego"],
        tasks=[tasks.TRACTS, tasks.BTS],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
    )
    m = result.manifest.set_index(["region", "task"])
    row = m.loc[("juarez-el-paso-broken", "tract_areas")]
    assert row["status"] == "failed"
    assert "DataSourceError" in row["error"] and "no_such_tracts.geojson" in row["error"]
    # a task that does not need census units still runs for that region
    assert m.loc[("juarez-el-paso-broken", "bts_totals"), "status"] == "done"
    assert m.loc[("tijuana-san-diego", "tract_areas"), "status"] == "done"


def test_unavailable_module_is_reported(tasks, data_dir, tmp_path):
    missing = Task("future", tasks.funcs.bts_totals, requires=("binational.no_such_module",))
    result = run_batch(
        ["juarez-el-paso"], tasks=[missing], scheduler="serial", out_dir=tmp_path, data_dir=data_dir
    )
    row = result.manifest.iloc[0]
    assert row["status"] == "not_available"
    assert "binational.no_such_module" in row["error"]
    assert result.ok


def test_unknown_task_and_region_raise(tmp_path):
    from binational.errors import BatchError, RegionError

    with pytest.raises(BatchError, match="unknown batch task 'nope'"):
        run_batch(["juarez-el-paso"], tasks=["nope"], scheduler="serial", out_dir=tmp_path)
    with pytest.raises(RegionError, match="unknown region"):
        run_batch(["atlantis"], tasks=["load"], scheduler="serial", out_dir=tmp_path)


def test_unreachable_scheduler_is_a_batch_error(tasks, tmp_path):
    from binational.errors import BatchError

    with pytest.raises(BatchError, match="cannot reach the Dask scheduler"):
        import binational

        old = binational.settings.timeout
        binational.settings.timeout = 2
        try:
            run_batch(
                ["juarez-el-paso"],
                tasks=[tasks.BTS],
                scheduler="tcp://127.0.0.1:9",
                out_dir=tmp_path,
            )
        finally:
            binational.settings.timeout = old


def test_cache_dir_reaches_local_workers(client, tasks, tmp_path):
    """Workers of a LocalCluster use this process's (test) cache folder, not the user's."""
    import binational

    def cache_of(ctx):
        return type(tasks.BTS.func(ctx))(
            tables={"cache": pd.DataFrame({"dir": [str(binational.settings.resolve_cache_dir())]})}
        )

    probe = Task("cache_probe", cache_of, needs_units=False)
    result = run_batch(["juarez-el-paso"], tasks=[probe], scheduler=client, out_dir=tmp_path)
    got = Path(result.table("cache")["dir"].iloc[0])
    assert got == Path(binational.settings.cache_dir)
    assert os.fspath(got) != os.path.expanduser("~/.cache/binational")


def test_local_scheduler_starts_and_closes_its_cluster(tasks, data_dir, tmp_path):
    result = run_batch(
        ["juarez-el-paso"],
        tasks=[tasks.PID, tasks.BTS],
        scheduler="local",
        n_workers=1,
        out_dir=tmp_path,
        data_dir=data_dir,
    )
    assert (result.manifest["status"] == "done").all()
    assert result.manifest["worker"].str.startswith("tcp://127.0.0.1:").all()
    assert int(result.table("pid")["pid"].iloc[0]) != os.getpid()
