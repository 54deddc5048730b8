"""How catchments and the report grow with the region: Tijuana–San Diego replicated 4x and 16x.

The synthetic region is ``k`` copies of Tijuana–San Diego side by side (offset east by the
region's width + 10 km each): units (new unit ids), ports (new port codes, ``code + 100000 i``),
waits and crossings (rows copied under the new codes) and the road network (the sparse graph
replicated block-diagonally, coordinates and edge geometries offset, border edges remapped).
Each size is timed in this process after one untimed warm-up run at 1x (imports, caches), with
the same statistic (best of ``--repeat``) at every size; the growth exponent is the slope of
log(time) against log(k) between 1x and the largest size.

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/growth.py [--sizes 1,4,16]
        [--report-sizes 1,4] [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import os
import resource
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

import binational
from binational import settings
from binational.catchments import sparse_graph
from binational.catchments.graph import SparseGraph

CODE_STEP = 100_000


def _shift(geoms, dx: float):
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + np.array([dx, 0.0]))


def replicate_graph(g: SparseGraph, k: int, dx: float) -> SparseGraph:
    n = len(g)
    off = int(np.max(g.node_ids)) + 1
    border = []
    for i in range(k):
        b = g.border.copy()
        b["u"] = b["u"] + i * off
        b["v"] = b["v"] + i * off
        b["u_idx"] = b["u_idx"] + i * n
        b["v_idx"] = b["v_idx"] + i * n
        b["port_code"] = b["port_code"] + i * CODE_STEP
        border.append(b)
    return SparseGraph(
        matrix=sparse.block_diag([g.matrix] * k, format="csr"),
        node_ids=np.concatenate([g.node_ids + i * off for i in range(k)]),
        x=np.concatenate([g.x + i * dx for i in range(k)]),
        y=np.tile(g.y, k),
        country=np.tile(g.country, k),
        crs=g.crs,
        border=pd.concat(border, ignore_index=True),
        edge_u=np.concatenate([g.edge_u + i * n for i in range(k)]),
        edge_v=np.concatenate([g.edge_v + i * n for i in range(k)]),
        edge_time=np.tile(g.edge_time, k),
        edge_geometry=np.concatenate([_shift(g.edge_geometry, i * dx) for i in range(k)]),
        routable=np.tile(g.routable, k),
    )


def _codes(frame: pd.DataFrame, i: int) -> pd.DataFrame:
    out = frame.copy()
    if "port_code" in out.columns:
        out["port_code"] = out["port_code"] + i * CODE_STEP
    return out


def replicate_region(region, graph: SparseGraph, k: int):
    x0, _, x1, _ = region.units.total_bounds
    dx = (x1 - x0) + 10_000.0
    units, ports, waits, crossings = [], [], [], []
    for i in range(k):
        u = region.units.copy()
        u["unit_id"] = u["unit_id"] + ("" if i == 0 else f"~{i}")
        u = u.set_geometry(gpd.GeoSeries(_shift(u.geometry.values, i * dx), crs=u.crs))
        units.append(u)
        p = _codes(region.ports, i)
        p = p.set_geometry(gpd.GeoSeries(_shift(p.geometry.values, i * dx), crs=p.crs))
        ports.append(p)
        waits.append(_codes(region.waits, i))
        crossings.append(_codes(region.crossings, i))
    spec = dataclasses.replace(
        region.spec,
        ports=tuple(int(c) + i * CODE_STEP for i in range(k) for c in region.spec.ports),
    )
    return dataclasses.replace(
        region,
        spec=spec,
        units=gpd.GeoDataFrame(pd.concat(units, ignore_index=True), crs=region.units.crs),
        ports=gpd.GeoDataFrame(pd.concat(ports, ignore_index=True), crs=region.ports.crs),
        waits=pd.concat(waits, ignore_index=True),
        crossings=pd.concat(crossings, ignore_index=True),
        network=replicate_graph(graph, k, dx) if k > 1 else graph,
    )


def best_of(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def exponent(sizes, times) -> float:
    return math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,4,16", help="catchments sizes (copies)")
    ap.add_argument("--report-sizes", default="1,4", help="report sizes (copies)")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    settings.progress = False
    from binational.render.report import build_report

    region = binational.load_region("tijuana-san-diego")
    graph = sparse_graph(region.network)
    base = replicate_region(region, graph, 1)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    binational.catchments(base)  # warm-up (imports), not timed
    sizes = [int(s) for s in args.sizes.split(",")]
    c_times = []
    for k in sizes:
        reg = replicate_region(region, graph, k)
        t = best_of(lambda reg=reg: binational.catchments(reg), args.repeat)
        c_times.append(t)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"catchments {k:2d}x: {len(reg.units):6,d} units, {len(reg.network):8,d} nodes, "
            f"{len(reg.ports)} ports: {t:7.2f} s (peak RSS so far {rss:,.0f} MB)",
            flush=True,
        )
    if len(sizes) > 1:
        print(f"catchments growth exponent (1x -> {sizes[-1]}x): {exponent(sizes, c_times):.2f}")
    r_sizes = [int(s) for s in args.report_sizes.split(",") if s]
    r_times = []
    for k in r_sizes:
        reg = replicate_region(region, graph, k)
        t = best_of(lambda reg=reg: build_report(reg), args.repeat)
        r_times.append(t)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"report     {k:2d}x: {len(reg.units):6,d} units: {t:7.2f} s "
            f"(peak RSS so far {rss:,.0f} MB)",
            flush=True,
        )
    if len(r_sizes) > 1:
        print(f"report growth exponent (1x -> {r_sizes[-1]}x): {exponent(r_sizes, r_times):.2f}")


if __name__ == "__main__":
    main()
