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
  ``build_report`` timed in CPU seconds, with its first imports (matplotlib, folium) as in a
  command-line run (``cold``), and after :func:`binational.render.report.preload` ran during
  the analyses' time (``preloaded``, what a caller that preloads on a side thread waits for).
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
import time
import warnings
from pathlib import Path


def run_report(name: str, *, preload: bool = False):
    """The region, the report parts and the CPU/wall seconds of its ``build_report`` call,
    with the keyword arguments it was given (to draw the page again)."""
    import binational
    import binational.render.report as render_report
    from binational import settings
    from binational.pipeline import report

    settings.progress = False
    region = binational.load_region(name)
    if preload:
        render_report.preload()
    seen: dict = {}
    build = render_report.build_report

    def timed(region, **kwargs):
        c0, w0 = time.process_time(), time.perf_counter()
        parts = build(region, **kwargs)
        seen.update(cpu=time.process_time() - c0, wall=time.perf_counter() - w0, kwargs=kwargs)
        return parts

    render_report.build_report = timed
    try:
        parts = report(region, groups=True, commuting=True)
    finally:
        render_report.build_report = build
    return region, parts, seen


def child(name: str, preload: bool) -> None:
    """One fresh-process measurement: prints the CPU seconds of ``build_report``."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    _, _, seen = run_report(name, preload=preload)
    print(f"{seen['cpu']:.3f}")


def cold(name: str, n: int) -> None:
    """``n`` fresh processes per kind, alternating; prints the smallest and all CPU times."""
    times: dict[str, list[float]] = {"cold": [], "preloaded": []}
    for _ in range(n):
        for kind in times:
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, name],
                capture_output=True,
                text=True,
                check=True,
            )
            times[kind].append(float(out.stdout.split()[-1]))
    for kind, values in times.items():
        listed = ", ".join(f"{v:.2f}" for v in values)
        print(f"  build_report in a fresh process, {kind}: min {min(values):.2f} s CPU ({listed})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("regions", nargs="*", default=["juarez-el-paso", "tijuana-san-diego"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cold", type=int, default=0)
    ap.add_argument("--no-explore", action="store_true")
    ap.add_argument("--child", choices=["cold", "preloaded"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.regions[0], args.child == "preloaded")
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
