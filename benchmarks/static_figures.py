"""The static figures of the report: the figure code of an older commit (the reference, by
default 41b9525, before issue #14) against the current one, on the same inputs, in one process.

Usage::

    BINATIONAL_DATA_DIR=../shared/data MPLBACKEND=Agg \\
        python benchmarks/static_figures.py [--old COMMIT] [--reps N] [--png DIR] [REGION ...]

For each region it builds the report once with every figure call recorded (its inputs and the
PNG encoding the report asks for), then replays each call with the old and the new code,
alternating, ``--reps`` times each after one warm-up, and prints the smallest CPU time
(``time.process_time``) of each side per figure and for all figures, and whether the two
sides encoded the same bytes (an SVG's random ids aside). ``--png DIR`` keeps the
old and new images of each figure for a visual comparison.
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Figure modules loaded from the old commit, under ``binational.render._old<name>``.
MODULES = ("_static_charts", "_static_maps", "static", "multiscalar", "_blocks")
PLOTS = (
    "plot_choropleth",
    "plot_two_sided",
    "plot_clusters",
    "plot_isochrones",
    "plot_monthly_crossings",
    "plot_wait_by_hour",
    "plot_population_reached",
)


def load_old(commit: str) -> dict[str, types.ModuleType]:
    """The figure modules as they were at ``commit`` (their other imports are today's)."""
    import binational.render  # noqa: F401  (the package the old modules live in)

    out = {}
    for name in MODULES:
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:src/binational/render/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for other in MODULES:
            src = src.replace(f"from .{other} import", f"from ._old{other} import")
            src = src.replace(f"from . import {other}\n", f"from . import _old{other} as {other}\n")
        module = types.ModuleType(f"binational.render._old{name}")
        module.__package__ = "binational.render"
        sys.modules[module.__name__] = module
        exec(compile(src, f"<{commit}:{name}.py>", "exec"), module.__dict__)
        out[name] = module
    return out


def record_calls(region_name: str) -> list[dict]:
    """Build the report of ``region_name`` (as the command line does) and return every figure
    call it made."""
    from binational.cli import main as cli
    from binational.render import multiscalar, static

    calls: list[dict] = []
    saved = {name: getattr(static, name) for name in PLOTS}
    saved_bytes, saved_svg = static.figure_bytes, multiscalar.multiscalar_svg

    def wrap(name):
        def plot(*args, **kwargs):
            fig = saved[name](*args, **kwargs)
            calls.append({"fn": name, "args": args, "kwargs": kwargs, "encode": {}})
            fig._bench_call = calls[-1]
            return fig

        return plot

    def figure_bytes(fig, **kwargs):
        if hasattr(fig, "_bench_call"):
            fig._bench_call["encode"] = kwargs
        return saved_bytes(fig, **kwargs)

    def multiscalar_svg(profile, **kwargs):
        calls.append({"fn": "multiscalar_svg", "args": (profile,), "kwargs": kwargs})
        return saved_svg(profile, **kwargs)

    for name in PLOTS:
        setattr(static, name, wrap(name))
    static.figure_bytes, multiscalar.multiscalar_svg = figure_bytes, multiscalar_svg
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cli(["-q", "report", region_name, "--out", tmp])  # what `binational report` draws
    finally:
        for name, fn in saved.items():
            setattr(static, name, fn)
        static.figure_bytes, multiscalar.multiscalar_svg = saved_bytes, saved_svg
    return calls


def run(static, multiscalar, call) -> bytes:
    """One figure call, drawn and encoded as the report does."""
    if call["fn"] == "multiscalar_svg":
        return multiscalar.multiscalar_svg(*call["args"], **call["kwargs"]).encode()
    fig = getattr(static, call["fn"])(*call["args"], **call["kwargs"])
    return static.figure_bytes(fig, **call["encode"])


def _comparable(data: bytes) -> bytes:
    """The encoded figure without what differs between two runs (an SVG's random ids)."""
    return re.sub(rb"\b([mp])[0-9a-f]{10}\b", rb"\1<id>", data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions", nargs="*", default=["tijuana-san-diego", "juarez-el-paso"])
    parser.add_argument("--old", default="41b9525", help="commit of the reference code")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--png", type=Path, help="folder for the old and new images")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    from binational import settings
    from binational.render import multiscalar, static

    settings.progress = False
    old = load_old(args.old)
    sides = {
        "old": (old["static"], old["multiscalar"]),
        "new": (static, multiscalar),
    }
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
    for region in args.regions:
        calls = record_calls(region)
        print(f"\n{region}: {len(calls)} figures, min CPU s of {args.reps} alternating runs")
        total = {"old": 0.0, "new": 0.0}
        for i, call in enumerate(calls):
            best = {}
            out = {side: run(st, ms, call) for side, (st, ms) in sides.items()}  # warm-up
            same = _comparable(out["old"]) == _comparable(out["new"])
            for _ in range(args.reps):
                for side, (st, ms) in sides.items():
                    t0 = time.process_time()
                    data = run(st, ms, call)
                    best[side] = min(best.get(side, 1e9), time.process_time() - t0)
                    if args.png:
                        ext = "svg" if call["fn"] == "multiscalar_svg" else "png"
                        (args.png / f"{region}-{i}-{call['fn']}-{side}.{ext}").write_bytes(data)
            for side in total:
                total[side] += best[side]
            print(
                f"  {i:2d} {call['fn']:24s} old {best['old']:6.3f}  new {best['new']:6.3f}"
                f"  ×{best['old'] / best['new']:4.1f}  {'same' if same else 'DIFFERENT'} output"
            )
        print(
            f"  all figures                 old {total['old']:6.3f}  new {total['new']:6.3f}"
            f"  ×{total['old'] / total['new']:4.1f}"
        )


if __name__ == "__main__":
    main()
