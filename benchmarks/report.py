"""Time of the regional report's drawing step (:func:`binational.render.report.build_report`),
and of the interactive map against the plain ``GeoDataFrame.explore()`` map of the same units.

Usage::

    BINATIONAL_DATA_DIR=../shared/data MPLBACKEND=Agg \\
        python benchmarks/report.py [--reps N] [--cold N] [--no-explore] [REGION ...]

Per region it runs the report's analyses as ``binational report`` does
(:func:`binational.pipeline.report` with the named groups and the commuting model; warm caches
make this quick after a first run) and prints their timings and those of each section. Then:

- ``--reps N`` (default 3): the page is drawn again N times from the same results in this
  process; the smallest CPU time (``time.process_time``) and wall time of ``build_report``.
- ``--cold N`` (default 0): N fresh processes of each kind, alternating: the analyses, then
  ``build_report`` timed in CPU seconds, and the whole report in wall seconds; ``cold`` with
  the page's first imports (matplotlib, folium) as in a command-line run, ``preloaded`` after
  :func:`binational.render.report.preload` ran before the analyses (not counted: the floor a
  preload can reach), ``side-thread`` with the preload on a thread beside the analyses.
- the light self-contained units map next to ``units.explore(column)`` saved with folium
  (unless ``--no-explore``).

CPU times are what to compare on a shared machine; wall times are printed for reference.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path


def run_report(name: str, *, preload: str = ""):
    """The region, the report parts and the CPU/wall seconds of its ``build_report`` call,
    with the keyword arguments it was given (to draw the page again) and the wall seconds of
    the whole report (analyses and page). ``preload``: ``"before"`` runs
    :func:`~binational.render.report.preload` before the analyses, ``"thread"`` beside them on
    a side thread."""
    import binational
    import binational.render.report as render_report
    from binational import settings
    from binational.pipeline import report

    settings.progress = False
    region = binational.load_region(name)
    if preload == "before":
        render_report.preload()
    side = threading.Thread(target=render_report.preload) if preload == "thread" else None
    seen: dict = {}
    build = render_report.build_report

    def timed(region, **kwargs):
        c0, w0 = time.process_time(), time.perf_counter()
        parts = build(region, **kwargs)
        seen.update(cpu=time.process_time() - c0, wall=time.perf_counter() - w0, kwargs=kwargs)
        return parts

    render_report.build_report = timed
    w0 = time.perf_counter()
    try:
        if side is not None:
            side.start()
        parts = report(region, groups=True, commuting=True)
    finally:
        render_report.build_report = build
        if side is not None:
            side.join()
    seen["total_wall"] = time.perf_counter() - w0
    return region, parts, seen


#: Fresh-process kinds of ``--cold``: how :func:`~binational.render.report.preload` is run.
KINDS = {"cold": "", "preloaded": "before", "side-thread": "thread"}


def child(name: str, kind: str) -> None:
    """One fresh-process measurement: prints the CPU seconds of ``build_report`` and the wall
    seconds of the whole report."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    _, _, seen = run_report(name, preload=KINDS[kind])
    print(f"{seen['cpu']:.3f} {seen['total_wall']:.3f}")


def cold(name: str, n: int) -> None:
    """``n`` fresh processes per kind, alternating; prints the smallest and all times."""
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for _ in range(n):
        for kind in times:
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, name],
                capture_output=True,
                text=True,
                check=True,
            )
            cpu, wall = out.stdout.split()[-2:]
            times[kind].append((float(cpu), float(wall)))
    for kind, values in times.items():
        cpus, walls = [v[0] for v in values], [v[1] for v in values]
        print(
            f"  fresh process, {kind}: build_report min {min(cpus):.2f} s CPU "
            f"({', '.join(f'{v:.2f}' for v in cpus)}); whole report min {min(walls):.2f} s wall "
            f"({', '.join(f'{v:.2f}' for v in walls)})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("regions", nargs="*", default=["juarez-el-paso", "tijuana-san-diego"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cold", type=int, default=0)
    ap.add_argument("--no-explore", action="store_true")
    ap.add_argument("--child", choices=list(KINDS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.regions[0], args.child)
        return
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    from binational.render import maps
    from binational.render.report import build_report

    for name in args.regions:
        region, parts, seen = run_report(name)
        tm = parts.timings
        sections = ", ".join(
            f"{k.removeprefix('section_').removesuffix('_section')} {v:.2f}"
            for k, v in tm.items()
            if k.startswith("section_") and v >= 0.01
        )
        print(
            f"{name}: {len(region.units)} units, {len(parts.html) / 1e6:.2f} MB page\n"
            f"  analyses: "
            + ", ".join(f"{k} {tm[k]:.1f} s" for k in ("concentration", "catchments") if k in tm)
            + f"\n  build_report (first in this process): {seen['cpu']:.2f} s CPU, "
            f"{seen['wall']:.2f} s wall\n  sections (wall s): {sections}"
        )
        cpu, wall = [], []
        for _ in range(args.reps):
            c0, w0 = time.process_time(), time.perf_counter()
            build_report(region, **seen["kwargs"])
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        if cpu:
            print(
                f"  build_report again ×{args.reps}: min {min(cpu):.2f} s CPU, "
                f"min {min(wall):.2f} s wall"
            )
        if args.cold:
            cold(name, args.cold)
        if args.no_explore:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            units = maps.with_density(region.units)
            t0 = time.perf_counter()
            ref = units.explore(column="pop_density", scheme="quantiles", k=5, tiles=None)
            ref_path = Path(tmp) / f"{name}_explore.html"
            ref.save(ref_path)
            t_ref = time.perf_counter() - t0
            t0 = time.perf_counter()
            m = maps.unit_map(units, "pop_density", scheme="quantiles", k=5, offline=True)
            light = maps.save_map(m, Path(tmp) / f"{name}_light.html")
            t_light = time.perf_counter() - t0
            b_ref, b_light = ref_path.stat().st_size, light.stat().st_size
            print(
                f"  units map, explore() reference: {b_ref / 1e6:.2f} MB in {t_ref:.1f} s (CDN)\n"
                f"  units map, binational light:    {b_light / 1e6:.2f} MB in {t_light:.1f} s "
                f"(Leaflet inlined)\n"
                f"  size ratio reference / light: {b_ref / b_light:.1f}x; "
                f"time ratio: {t_ref / t_light:.2f}x"
            )


if __name__ == "__main__":
    main()
