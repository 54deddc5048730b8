"""Time the whole-region load in fresh processes, against plain geopandas/pandas/osmnx reads.

Reference: the same files read with plain geopandas/pandas and ``osmnx.load_graphml``.

Like with like: the headline ratio compares the same work — parsing the source files — on both
sides: ``load_region`` on an *empty* parsed-data cache (a new empty ``BINATIONAL_CACHE_DIR``
for every run) against the plain reads. Before anything is timed, one untimed run of each
warms the operating system's disk cache, so neither side pays the first read from disk. Then
``--repeat`` rounds alternate reference, ours-uncached and ours-cache-hit; the statistic is the
median on every side. The cache hit (``load_region`` with its parsed-data cache filled) is
printed against our own uncached load, not against the reference, which has no such cache.
(The earlier version compared a cache hit with a reference parse that ran first, on a cold
disk cache.)

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/load_region.py [--repeat 3] [REGION ...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys, time
t0 = time.perf_counter()
import binational
r = binational.load_region(sys.argv[1])
t1 = time.perf_counter()
n = r.network.number_of_nodes() if r.network is not None else 0
print(f"{t1 - t0:.3f} {len(r.units)} {n}")
"""

REFERENCE = r"""
import sys, time
t0 = time.perf_counter()
import geopandas as gpd, pandas as pd, osmnx as ox
from binational.regions import get_region
spec = get_region(sys.argv[1]); d = sys.argv[2]
for role, paths in spec.files.items():
    paths = [paths] if isinstance(paths, str) else paths
    for p in paths:
        p = f"{d}/{p}"
        if role == "network":
            ox.load_graphml(p)
        elif p.endswith((".geojson", ".gpkg")):
            gpd.read_file(p)
        elif p.endswith((".csv", ".csv.gz")):
            pd.read_csv(p, low_memory=False)
print(f"{time.perf_counter() - t0:.3f}")
"""


def run(code: str, *args: str, env: dict) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    import argparse
    import statistics

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("regions", nargs="*", default=["tijuana-san-diego", "juarez-el-paso"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data_dir = os.environ.get("BINATIONAL_DATA_DIR", "../shared/data")
    for region in args.regions:
        with tempfile.TemporaryDirectory() as warm_cache:
            base = {**os.environ, "BINATIONAL_DATA_DIR": data_dir}
            env_warm = {**base, "BINATIONAL_CACHE_DIR": warm_cache}
            # untimed: fill the disk cache (both sides) and our parsed-data cache (warm side)
            run(REFERENCE, region, data_dir, env=base)
            run(CHILD, region, env=env_warm)
            ref, cold, hit, cold_wall, hit_wall = [], [], [], [], []
            for _ in range(args.repeat):
                ref.append(float(run(REFERENCE, region, data_dir, env=base)))
                with tempfile.TemporaryDirectory() as empty:
                    t = time.perf_counter()
                    out = run(CHILD, region, env={**base, "BINATIONAL_CACHE_DIR": empty})
                    cold_wall.append(time.perf_counter() - t)
                cold.append(float(out.split()[0]))
                t = time.perf_counter()
                out_hit = run(CHILD, region, env=env_warm)
                hit_wall.append(time.perf_counter() - t)
                hit.append(float(out_hit.split()[0]))
        _, n_units, n_nodes = out.split()
        med = statistics.median
        print(
            f"{region}: {n_units} units, {n_nodes} network nodes "
            f"(median of {args.repeat}, disk cache warm on both sides)\n"
            f"  plain geopandas/pandas/osmnx reads (reference): {med(ref):.2f} s\n"
            f"  load_region, empty parsed-data cache:           {med(cold):.2f} s "
            f"(process incl. imports {med(cold_wall):.2f} s)\n"
            f"  -> same work (parse the files): reference / ours = {med(ref) / med(cold):.2f}x\n"
            f"  load_region, parsed-data cache hit:             {med(hit):.2f} s "
            f"(process incl. imports {med(hit_wall):.2f} s)\n"
            f"  -> the cache saves {med(cold) / med(hit):.1f}x of our own uncached load"
        )


if __name__ == "__main__":
    main()
