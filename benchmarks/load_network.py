"""Time loading the shared SANDAG GraphML: plain osmnx vs binational cold (no cache) and warm.

All timings are in this one process, on the same file, with an empty temporary cache:

- reference: ``osmnx.load_graphml(path)``
- cold: ``binational.io.roads.load_network(path)`` on an empty cache (parse + coerce + write cache)
- warm: the same call again (cache hit), best of ``--repeat`` runs
- warm frames: ``load_network_frames(path)`` (no networkx graph), best of ``--repeat``
- warm projected: ``load_network(path, crs="EPSG:32611")`` after one cold projected load
- speeds + border: ``impute_speeds`` and ``mark_border_edges`` on the warm graph

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/load_network.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import osmnx as ox

import binational
from binational.io import roads
from binational.network import prepare as network
from binational.network import speeds

GRAPHML = "osm/tijuana_sandiego_sr11_2017_drive.graphml.gz"


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data"))
    path = data_dir / GRAPHML
    with tempfile.TemporaryDirectory(prefix="bn-bench-") as cache:
        binational.settings.cache_dir = cache
        t_ref, ref = timed(lambda: ox.load_graphml(path))
        t_cold, cold = timed(lambda: roads.load_network(path))
        t_warm, warm = timed(lambda: roads.load_network(path), args.repeat)
        t_frames, (nodes, edges) = timed(lambda: roads.load_network_frames(path), args.repeat)
        t_pcold, _ = timed(lambda: roads.load_network(path, crs="EPSG:32611"))
        t_pwarm, _ = timed(lambda: roads.load_network(path, crs="EPSG:32611"), args.repeat)
        t_enrich, _ = timed(lambda: network.mark_border_edges(speeds.impute_speeds(warm)))
    assert (len(ref), ref.number_of_edges()) == (len(cold), cold.number_of_edges())
    assert (len(warm), warm.number_of_edges()) == (len(nodes), len(edges))
    print(f"network: {path.name}  ({len(ref):,} nodes, {ref.number_of_edges():,} edges)")
    rows = [
        ("osmnx.load_graphml (reference)", t_ref),
        ("load_network, cold (parse + cache)", t_cold),
        ("load_network, warm (cache hit)", t_warm),
        ("load_network_frames, warm", t_frames),
        ("load_network crs=EPSG:32611, cold", t_pcold),
        ("load_network crs=EPSG:32611, warm", t_pwarm),
        ("impute_speeds + mark_border_edges", t_enrich),
    ]
    for label, t in rows:
        print(f"  {label:<38} {t:7.3f} s   reference/this = {t_ref / t:6.1f}x")


if __name__ == "__main__":
    main()
