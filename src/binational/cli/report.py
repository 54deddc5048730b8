"""``binational report REGION --out DIR``: the regional HTML report (the package's main job)."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from .._outputs import run_folder
from .._progress import step
from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write the regional HTML report: both sides, crossings and waits, ethnic "
        "concentration, commuting catchments, methods, sources and missing data",
    )
    p.add_argument("region", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--out", default="report", help="output folder (default: report/)")
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    p.add_argument("--lang", choices=("en", "es"), default="en", help="report language")
    p.add_argument(
        "--no-network",
        action="store_true",
        help="do not load the road network (catchments use the straight-line model)",
    )
    p.add_argument(
        "--permutations",
        type=_args.nonnegative_int,
        default=499,
        help="permutations / bootstrap replicates for the concentration indices",
    )
    p.add_argument(
        "--gis",
        action="store_true",
        help="also write every layer as a GeoPackage and GeoParquet files",
    )
    p.add_argument(
        "--cdn",
        action="store_true",
        help="link Leaflet from its CDN instead of inlining it (smaller, needs a network)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # outputs appear in --out whole or not at all; a concurrent run into it fails clearly
    with run_folder(args.out, command="report", params=vars(args)) as tmp:
        return _run(args, tmp)


def _run(args: argparse.Namespace, out: Path) -> int:
    from ..pipeline import report
    from ..render._io import atomic_write_text
    from ..render.export import export_layers
    from ..units import load_region

    t0 = time.perf_counter()
    with step(f"load {args.region}"):
        region = load_region(
            args.region,
            data_dir=args.data_dir,
            network=not args.no_network,
            prefetch_network=True,
        )
    # the pipeline runs the analyses (groups and commuting too); render only draws them
    with step("report (analyses, then drawing)"):
        parts = report(
            region,
            lang=args.lang,
            groups=True,
            commuting=True,
            permutations=args.permutations,
            offline=not args.cdn,
            command=shlex.join(["binational", *sys.argv[1:]]),
            data_dir=args.data_dir,
        )
    stem = region.spec.name + ("" if args.lang == "en" else f".{args.lang}")
    path = atomic_write_text(out / f"{stem}.html", parts.html)
    final = Path(args.out) / path.name
    print(f"{final}  ({path.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - t0:.1f} s)")
    for key, reason in {**region.missing, **parts.missing}.items():
        print(f"  not available: {key}: {reason}")
    if args.gis:
        with step("GIS layers"):
            written = export_layers(
                region,
                out,
                concentration=parts.concentration,
                catchments=parts.catchments,
                lang=args.lang,
            )
        for layer, p in written.items():
            print(f"{Path(args.out) / Path(p).relative_to(out)}  ({layer})")
    return 0
