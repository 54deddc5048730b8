"""``binational maps REGION --out DIR``: interactive maps (self-contained HTML)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._memo import memo_scope
from .._outputs import run_folder
from .._progress import progress, step
from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maps", help="write interactive maps of a region (self-contained HTML)")
    p.add_argument("region", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--out", default="maps", help="output folder (default: maps/)")
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    p.add_argument(
        "--column",
        action="append",
        help="unit column to map (repeatable; default: population density and the region's "
        "groups as shares of the population)",
    )
    p.add_argument("--normalize", default="pop_total", help="denominator column ('' for none)")
    p.add_argument("--scheme", default="quantiles", help="mapclassify scheme (quantiles, ...)")
    p.add_argument("-k", type=_args.positive_int, default=5, help="number of classes")
    p.add_argument("--lang", choices=("en", "es"), default="en")
    p.add_argument("--tiles", default="auto", help="tile layer name, 'none', or 'auto'")
    p.add_argument("--cdn", action="store_true", help="link Leaflet from its CDN")
    p.add_argument(
        "--catchments",
        action="store_true",
        help="add catchment isochrones (loads the road network where there is one)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # outputs appear in --out whole or not at all; a concurrent run into it fails clearly
    with run_folder(args.out, command="maps", params=vars(args)) as tmp:
        return _run(args, tmp)


def _run(args: argparse.Namespace, tmp: Path) -> int:
    from ..units import load_region

    with step(f"load {args.region}"):
        region = load_region(
            args.region,
            data_dir=args.data_dir,
            network=args.catchments,
            prefetch_network=True,
        )
    spec = region.spec
    columns = args.column or [
        "pop_density",
        *[g for g in (*spec.groups_us, *spec.groups_mx) if g in region.units.columns],
    ]
    catch = None
    if args.catchments:
        from ..catchments import catchments

        with step("catchments"):
            catch = catchments(region, wait_fallback="zero")
    tiles = None if args.tiles == "none" else args.tiles
    # one memo for all the maps: the units' web outlines, the isochrones' and the ports'
    # tables are computed once, not once per map
    with memo_scope():
        _draw_maps(args, tmp, region, columns, catch, tiles)
    return 0


def _draw_maps(args, tmp: Path, region, columns, catch, tiles) -> None:
    from ..render import maps

    spec = region.spec
    for column in progress(list(dict.fromkeys(columns)), desc="maps", unit="map"):
        normalize = None if column == "pop_density" else (args.normalize or None)
        with step(f"map {column}"):
            m = maps.region_map(
                region,
                column,
                normalize=normalize,
                scheme=args.scheme,
                k=args.k,
                lang=args.lang,
                catchments=catch,
                tiles=tiles,
                offline=not args.cdn,
            )
        suffix = "" if args.lang == "en" else f".{args.lang}"
        name = f"{spec.name}_{column}{suffix}.html"
        path = maps.save_map(m, tmp / name, offline=not args.cdn)
        print(f"{Path(args.out) / name}  ({path.stat().st_size / 1e6:.2f} MB)")
