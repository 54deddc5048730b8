"""A 2-worker LocalCluster shared by the scale tests of a module, and real-data batch tasks.

The tasks below read the real shared files directly with pandas/geopandas; they exercise the
batch machinery (pickling to worker processes, Parquet round trip, gathering, manifest, resume)
independently of the package's loaders.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cloudpickle
import dask
import geopandas as gpd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from binational.scale import RegionContext, Task, TaskOutput

# Worker processes cannot import this file by name (pytest imports it with importlib), so the
# task functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client():
    """LocalCluster(n_workers=2, threads_per_worker=1, processes=True); a worker may die once
    up to 3 times per task (allowed-failures=3, the Dask default) before the scheduler gives up with KilledWorker."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    with Client(cluster) as c:
        yield c
    cluster.close()


# --- real-data tasks --------------------------------------------------------------------------


def bts_totals(ctx: RegionContext) -> TaskOutput:
    """Total inbound crossings per port and measure from the real BTS file (pandas)."""
    path = ctx.spec.file("bts", ctx.data_dir)
    df = pd.read_csv(path, usecols=["Port Code", "Measure", "Value"])
    df = df[df["Port Code"].isin(ctx.spec.ports)]
    out = df.groupby(["Port Code", "Measure"], as_index=False)["Value"].sum()
    return TaskOutput(tables={"bts_totals": out})


def tract_areas(ctx: RegionContext) -> TaskOutput:
    """US tract polygons of the region (geopandas), projected, with their area in km²."""
    path = ctx.spec.file("us_tracts", ctx.data_dir)
    tracts = gpd.read_file(path)[["GEOID", "geometry"]].to_crs(ctx.spec.crs)
    tracts["area_km2"] = tracts.area / 1e6
    return TaskOutput(tables={"tract_areas": tracts})


def worker_pid(ctx: RegionContext) -> TaskOutput:
    """The pid of the process that ran the task."""
    return TaskOutput(tables={"pid": pd.DataFrame({"pid": [os.getpid()]})})


def crash_once(ctx: RegionContext) -> TaskOutput:
    """Kill the worker process the first time it runs for a region, succeed afterwards."""
    marker = Path(ctx.options("crash_once")["marker_dir"]) / f"{ctx.name}.pid"
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)
    return TaskOutput(tables={"crash_pid": pd.DataFrame({"pid": [os.getpid()]})})


def crash_always(ctx: RegionContext) -> TaskOutput:
    """Kill the worker process every time (for the regions named in the options)."""
    if ctx.name in ctx.options("crash_always").get("regions", ()):
        os._exit(1)
    return TaskOutput(tables={"survived": pd.DataFrame({"pid": [os.getpid()]})})


def raises(ctx: RegionContext) -> TaskOutput:
    raise ValueError(f"deliberate failure for {ctx.name}")


BTS = Task("bts_totals", bts_totals, needs_units=False)
TRACTS = Task("tract_areas", tract_areas, needs_units=True)
PID = Task("worker_pid", worker_pid, needs_units=False)
CRASH_ONCE = Task("crash_once", crash_once, needs_units=False)
CRASH_ALWAYS = Task("crash_always", crash_always, needs_units=False)
RAISES = Task("raises", raises, needs_units=False)


@pytest.fixture(scope="session")
def tasks():
    """The real-data and fault-injection tasks above, by attribute."""
    from types import SimpleNamespace

    return SimpleNamespace(
        BTS=BTS,
        TRACTS=TRACTS,
        PID=PID,
        CRASH_ONCE=CRASH_ONCE,
        CRASH_ALWAYS=CRASH_ALWAYS,
        RAISES=RAISES,
        funcs=SimpleNamespace(bts_totals=bts_totals, tract_areas=tract_areas),
    )
