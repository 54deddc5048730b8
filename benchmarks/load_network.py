"""Time loading the shared SANDAG GraphML: plain osmnx vs binational cold (no cache) and warm.

All timings are in this one process, on the same file, with an empty temporary cache:

- reference: ``osmnx.load_graphml(path)``
- cold: ``binational.io.roads.load_network(path)`` on an empty cache (parse + coerce + write cache)
- warm: the same call again (cache hit), best of ``--repeat`` runs
- warm frames: ``load_network_frames(path)`` (no networkx graph), best of ``--repeat``
- warm projected: ``load_network(path, crs="EPSG:32611")`` after one cold projected load
- speeds + border: ``impute_speeds`` and ``mark_border_edges`` on the warm graph

Then the cold parse itself, direct reader against osmnx, both warmed once and then timed
alternately ``--runs`` times each (median CPU time, ``time.process_time``, and median wall
time; the machine may be shared, so CPU time is the figure to judge):

- direct: ``_readers._read_graphml`` (no osmnx) + ``coerce_types`` + ``project_network``
  (pyproj, no osmnx) to EPSG:32611, with the cyclic GC paused as ``load_network`` pauses it:
  what a cold ``load_prepared_network`` pays before ``prepare``;
- osmnx: ``osmnx.load_graphml`` + ``coerce_types`` + ``osmnx.projection.project_graph``: the
  same steps as they ran before (GC on), and once more with the GC paused too (the reader's
  own share of the gain).

The direct path never imports osmnx (and with it scikit-learn); the import is timed apart, in
fresh interpreters (median of ``--runs``).

With ``--report``, also the wall time of one ``binational report tijuana-san-diego`` on an
empty cache (a fresh ``BINATIONAL_CACHE_DIR``), with this checkout's code; ``--main-src`` adds
the same run with another checkout's ``src`` (e.g. ``/work/main/src``) for comparison.

Usage::

    BINATIONAL_DATA_DIR=../shared/data PYTHONPATH=src python benchmarks/load_network.py \
        [--repeat 3] [--runs 5] [--report] [--main-src ../main/src]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import osmnx as ox

import binational
from binational.io import roads
from binational.io.roads import _graph, _readers
from binational.network import prepare as network
from binational.network import speeds

GRAPHML = "osm/tijuana_sandiego_sr11_2017_drive.graphml.gz"
CRS = "EPSG:32611"


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def direct_parse(path: Path):
    G = _graph.coerce_types(_readers._read_graphml(path), source=path.name)
    return _graph.project_network(G, CRS)


def osmnx_parse(path: Path):
    G = _graph.coerce_types(ox.load_graphml(path), source=path.name)
    Gp = ox.projection.project_graph(G, to_crs=CRS)
    Gp.graph["crs"] = CRS
    return Gp


def alternate(fns: dict, runs: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds of each function: one warm-up each, then ``runs`` alternating."""
    for fn in fns.values():
        fn()
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    wall: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    return {k: (statistics.median(cpu[k]), statistics.median(wall[k])) for k in fns}


def import_seconds(code: str, runs: int) -> float:
    """Median wall time of a fresh interpreter running ``code``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cold_report(src: str, data_dir: Path) -> float:
    """Wall time of one ``binational report tijuana-san-diego`` with an empty cache."""
    with (
        tempfile.TemporaryDirectory(prefix="bn-bench-cache-") as cache,
        tempfile.TemporaryDirectory(prefix="bn-bench-out-") as out,
    ):
        env = dict(
            os.environ,
            PYTHONPATH=src,
            BINATIONAL_CACHE_DIR=cache,
            BINATIONAL_DATA_DIR=str(data_dir),
            MPLBACKEND="Agg",
        )
        cmd = [sys.executable, "-m", "binational.cli", "report", "tijuana-san-diego"]
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--out", out], check=True, env=env, capture_output=True)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each cold parse")
    parser.add_argument("--report", action="store_true", help="time a cold `binational report`")
    parser.add_argument("--main-src", help="another checkout's src, for the cold report too")
    args = parser.parse_args()
    data_dir = Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data"))
    path = data_dir / GRAPHML
    with tempfile.TemporaryDirectory(prefix="bn-bench-") as cache:
        binational.settings.cache_dir = cache
        t_ref, ref = timed(lambda: ox.load_graphml(path))
        t_cold, cold = timed(lambda: roads.load_network(path))
        t_warm, warm = timed(lambda: roads.load_network(path), args.repeat)
        t_frames, (nodes, edges) = timed(lambda: roads.load_network_frames(path), args.repeat)
        t_pcold, _ = timed(lambda: roads.load_network(path, crs=CRS))
        t_pwarm, _ = timed(lambda: roads.load_network(path, crs=CRS), args.repeat)
        t_enrich, _ = timed(lambda: network.mark_border_edges(speeds.impute_speeds(warm)))
    assert (len(ref), ref.number_of_edges()) == (len(cold), cold.number_of_edges())
    assert (len(warm), warm.number_of_edges()) == (len(nodes), len(edges))
    print(f"network: {path.name}  ({len(ref):,} nodes, {ref.number_of_edges():,} edges)")
    rows = [
        ("osmnx.load_graphml (reference)", t_ref),
        ("load_network, cold (parse + cache)", t_cold),
        ("load_network, warm (cache hit)", t_warm),
        ("load_network_frames, warm", t_frames),
        (f"load_network crs={CRS}, cold", t_pcold),
        (f"load_network crs={CRS}, warm", t_pwarm),
        ("impute_speeds + mark_border_edges", t_enrich),
    ]
    for label, t in rows:
        print(f"  {label:<38} {t:7.3f} s   reference/this = {t_ref / t:6.1f}x")

    ref = cold = warm = nodes = edges = None  # free the graphs above
    gc.collect()  # the collector's cost grows with the live heap: start both paths from the same

    def paused(fn):
        def run():
            with roads._gc_paused():
                return fn()

        return run

    medians = alternate(
        {
            "direct": paused(lambda: direct_parse(path)),  # as load_network runs it
            "osmnx": lambda: osmnx_parse(path),  # as it ran before
            "osmnx_paused": paused(lambda: osmnx_parse(path)),  # the reader's share alone
        },
        args.runs,
    )
    print(
        f"cold parse + coerce + project to {CRS}: one warm-up, then {args.runs} alternating "
        "runs each, medians"
    )
    labels = {
        "direct": "direct reader + pyproj (GC paused)",
        "osmnx": "osmnx load + project (as before)",
        "osmnx_paused": "osmnx load + project, GC paused too",
    }
    for name, label in labels.items():
        c, w = medians[name]
        print(f"  {label:<38} CPU {c:7.3f} s   wall {w:7.3f} s")
    (dc, dw), (oc, ow), (pc, pw) = (medians[k] for k in labels)
    print(f"  osmnx (as before)/direct = {oc / dc:.1f}x (CPU), {ow / dw:.1f}x (wall)")
    print(f"  osmnx (GC paused)/direct = {pc / dc:.1f}x (CPU), {pw / dw:.1f}x (wall)")
    base = "import binational.io.roads, networkx, pyproj, shapely, geopandas"
    t_base = import_seconds(base, args.runs)
    t_ox = import_seconds(base + "; import osmnx", args.runs)
    print(f"  import osmnx (paid by the osmnx path only): {t_ox - t_base:.2f} s wall, median")

    if args.report:
        src = os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parents[1] / "src")
        runs = [("this checkout", src)]
        if args.main_src:
            runs.append((args.main_src, args.main_src))
        print(
            "cold `binational report tijuana-san-diego` (empty cache, one run each, shared machine)"
        )
        for label, s in runs:
            print(f"  {label:<38} wall {cold_report(s, data_dir):7.1f} s")


if __name__ == "__main__":
    main()
