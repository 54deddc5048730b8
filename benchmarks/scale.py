"""Border-wide batch on Dask: single-machine path vs 1 and 2 local workers; split inference;
dask-geopandas vs geopandas areal weighting. Prints times, speedups and overheads.

Every run is on the real data folder (BINATIONAL_DATA_DIR) and is compared with the others in
the same process: the batch tables of the three runs must be identical, and so must the null
distributions of the split inference.

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/scale.py [--quick] [--part batch|inference|spatial]

Note: this machine has 2 cores shared with other work, so speedups from a second worker are
bounded by what else is running; the figures are printed as measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import binational
from binational.scale import TASKS, run_batch
from binational.scale.inference import null_distribution
from binational.scale.spatial import areal_weights, square_grid


@contextlib.contextmanager
def local_client(n_workers: int):
    """A LocalCluster of ``n_workers`` single-threaded processes; yields (client, startup s)."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        yield client, startup
    finally:
        client.close()
        cluster.close()


def _line(label: str, seconds: float, ref: float | None = None, extra: str = "") -> None:
    ratio = f"  speedup vs single-machine {ref / seconds:5.2f}x" if ref else ""
    print(f"  {label:<34} {seconds:8.2f} s{ratio}{extra}")


def bench_batch(regions: list[str], tasks: list[str], options: dict, permutations: int) -> None:
    print(f"\n== batch: {len(regions)} regions, tasks {tasks} ==")
    kw = {
        "tasks": tasks,
        "permutations": permutations,
        "seed": 1,
        "task_options": options,
        "require_both_sides": False,
        "resume": False,
    }
    with tempfile.TemporaryDirectory() as tmp:
        # warm the parsed-network cache once, so that every run below reads the same warm cache
        run_batch(
            ["tijuana-san-diego"],
            tasks=["load"],
            scheduler="serial",
            out_dir=f"{tmp}/warm",
            resume=False,
        )
        t0 = time.perf_counter()
        serial = run_batch(regions, scheduler="serial", out_dir=f"{tmp}/serial", **kw)
        t_serial = time.perf_counter() - t0
        runs = {}
        for n in (1, 2):
            t0 = time.perf_counter()
            with local_client(n) as (client, startup):
                t1 = time.perf_counter()
                runs[n] = run_batch(regions, scheduler=client, out_dir=f"{tmp}/dask{n}", **kw)
                t_run = time.perf_counter() - t1
            runs[n].startup, runs[n].run = startup, t_run
            runs[n].total = time.perf_counter() - t0
        counts = serial.manifest.groupby("status").size().to_dict()
        print(f"  task statuses: {counts}")
        per_task = (
            serial.manifest[serial.manifest["status"] == "done"].groupby("task")["seconds"].sum()
        )
        print(
            "  single-machine seconds per task (sum over regions): "
            + ", ".join(f"{k} {v:.1f}" for k, v in per_task.items())
        )
        _line("single-machine (no Dask)", t_serial)
        for n, r in runs.items():
            _line(
                f"Dask {n} worker(s), run only",
                r.run,
                t_serial,
                f"   (+{r.startup:.1f} s cluster start; end to end {r.total:.1f} s, "
                f"{t_serial / r.total:.2f}x)",
            )
        print(
            f"  Dask overhead, 1 worker vs no Dask: {runs[1].run - t_serial:+.2f} s "
            f"(+{runs[1].startup:.1f} s to start the cluster)"
        )
        tables = sorted(
            {t for s in serial.manifest["tables"].dropna() for t in str(s).split(";") if t}
        )
        same = True
        for name in tables:
            ref = serial.table(name)
            for r in runs.values():
                try:
                    pd.testing.assert_frame_equal(r.table(name), ref)
                except AssertionError:
                    same = False
                    print(f"  table {name} differs: {_difference(r.table(name), ref)}")
        print(
            f"  {len(tables)} result tables identical across the three runs: "
            f"{'yes' if same else 'NO'}"
        )


def _difference(got: pd.DataFrame, ref: pd.DataFrame) -> str:
    """Where two tables differ: per region, the numeric columns and their largest difference."""
    if got.shape != ref.shape:
        return f"shape {got.shape} vs {ref.shape}"
    out = []
    for col in ref.columns:
        if col == "geometry" or not pd.api.types.is_numeric_dtype(ref[col]):
            if not got[col].equals(ref[col]):
                out.append(f"{col} (non-numeric)")
            continue
        a, b = got[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float)
        bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
        if bad.any():
            regions = sorted(set(ref.loc[bad, "region"]))
            rel = np.nanmax(np.abs(a[bad] - b[bad]) / np.maximum(np.abs(b[bad]), 1e-300))
            out.append(f"{col}: {int(bad.sum())} rows in {regions}, max rel diff {rel:.1e}")
    return "; ".join(out) or "index/dtype only"


def bench_inference(permutations: int) -> None:
    region = binational.load_region("tijuana-san-diego", network=False)
    units = region.side("US").reset_index(drop=True)
    print(
        f"\n== split inference: San Diego tracts ({len(units)}), hispanic, "
        f"{permutations} systematic permutations, default index set =="
    )
    kw = {"group": "hispanic", "permutations": permutations, "seed": 7, "chunk_size": 100}
    t0 = time.perf_counter()
    ref = null_distribution(units, **kw)
    t_serial = time.perf_counter() - t0
    _line("no Dask (chunks in this process)", t_serial)
    for n in (1, 2):
        with local_client(n) as (client, _startup):
            t0 = time.perf_counter()
            got = null_distribution(units, client=client, **kw)
            t = time.perf_counter() - t0
        same = np.array_equal(got.draws.to_numpy(), ref.draws.to_numpy(), equal_nan=True)
        _line(f"Dask {n} worker(s)", t, t_serial, f"   identical draws: {'yes' if same else 'NO'}")


def bench_spatial(cell: float) -> None:
    parts = []
    for name in ("tijuana-san-diego", "mexicali-calexico"):
        r = binational.load_region(name, network=False)
        parts.append(r.units[["unit_id", "pop_total", "geometry"]].to_crs("EPSG:32611"))
    import geopandas as gpd

    units = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:32611")
    grid = square_grid(units, size=cell)
    print(
        f"\n== areal weighting: {len(units)} units (Tijuana–San Diego + Mexicali) x "
        f"{len(grid)} grid cells of {cell:g} m =="
    )
    t0 = time.perf_counter()
    ref = areal_weights(units, grid, engine="geopandas")
    t_gpd = time.perf_counter() - t0
    t0 = time.perf_counter()
    ov = gpd.overlay(units, grid, how="intersection", keep_geom_type=True)
    t_ov = time.perf_counter() - t0
    print(f"  pairs: {len(ref)}; overlay pieces: {len(ov)}")
    _line("geopandas overlay (reference)", t_ov)
    print(
        f"  {'geopandas STRtree + intersection':<34} {t_gpd:8.2f} s  "
        f"({t_ov / t_gpd:.2f}x the overlay)"
    )
    for label, sched, nparts in (
        ("dask-geopandas, threads, 2 parts", "threads", 2),
        ("dask-geopandas, threads, 8 parts", "threads", 8),
    ):
        t0 = time.perf_counter()
        got = areal_weights(units, grid, engine="dask", npartitions=nparts, scheduler=sched)
        t = time.perf_counter() - t0
        pd.testing.assert_frame_equal(got, ref)
        print(f"  {label:<34} {t:8.2f} s  ({t_gpd / t:.2f}x geopandas)")
    with local_client(2) as (_client, startup):
        t0 = time.perf_counter()
        got = areal_weights(units, grid, engine="dask", npartitions=8, scheduler=None)
        t = time.perf_counter() - t0
    pd.testing.assert_frame_equal(got, ref)
    print(
        f"  {'dask-geopandas, 2 worker processes':<34} {t:8.2f} s  ({t_gpd / t:.2f}x geopandas;"
        f" +{startup:.1f} s cluster start)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer permutations, coarser grid")
    p.add_argument("--part", choices=["batch", "inference", "spatial"], action="append")
    args = p.parse_args()
    if binational.settings.data_dir is None:
        raise SystemExit("set BINATIONAL_DATA_DIR to the shared data folder")
    binational.settings.progress = False
    os.environ.setdefault("BINATIONAL_CACHE_DIR", str(Path(tempfile.gettempdir()) / "bn-bench"))
    binational.settings.cache_dir = os.environ["BINATIONAL_CACHE_DIR"]
    parts = args.part or ["batch", "inference", "spatial"]
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    if "batch" in parts:
        tasks = [
            t for t in ("load", "concentration", "catchments", "grid") if not TASKS[t].available()
        ]
        regions = [
            "tijuana-san-diego",
            "juarez-el-paso",
            "mexicali-calexico",
            "nogales-nogales",
            "nuevo-laredo-laredo",
            "matamoros-brownsville",
        ]
        options = {"catchments": {"wait_fallback": "zero"}}
        bench_batch(regions, tasks, options, permutations=99 if args.quick else 999)
    if "inference" in parts:
        bench_inference(999 if args.quick else 9999)
    if "spatial" in parts:
        bench_spatial(1000 if args.quick else 250)


if __name__ == "__main__":
    main()
