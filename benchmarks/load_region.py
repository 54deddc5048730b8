"""Time the whole-region load, cold (empty cache) and warm (cache hit), in fresh processes.

Reference: the same files read with plain geopandas/pandas and ``osmnx.load_graphml``.

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/load_region.py [REGION ...]
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
    regions = sys.argv[1:] or ["tijuana-san-diego", "juarez-el-paso"]
    data_dir = os.environ.get("BINATIONAL_DATA_DIR", "../shared/data")
    for region in regions:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "BINATIONAL_DATA_DIR": data_dir, "BINATIONAL_CACHE_DIR": cache}
            ref = float(run(REFERENCE, region, data_dir, env=env))
            t = time.perf_counter()
            cold = run(CHILD, region, env=env)
            cold_wall = time.perf_counter() - t
            t = time.perf_counter()
            warm = run(CHILD, region, env=env)
            warm_wall = time.perf_counter() - t
        cold_s, n_units, n_nodes = cold.split()
        warm_s = warm.split()[0]
        print(
            f"{region}: {n_units} units, {n_nodes} network nodes\n"
            f"  plain geopandas/pandas/osmnx reads (reference): {ref:.2f} s\n"
            f"  load_region cold (empty cache): {float(cold_s):.2f} s "
            f"(process incl. imports {cold_wall:.2f} s)\n"
            f"  load_region warm (cache hit):   {float(warm_s):.2f} s "
            f"(process incl. imports {warm_wall:.2f} s)\n"
            f"  warm vs reference: {ref / float(warm_s):.1f}x faster"
        )


if __name__ == "__main__":
    main()
