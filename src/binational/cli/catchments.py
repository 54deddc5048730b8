"""``binational catchments REGION``: port catchments with the border wait, written to files.

Writes into ``--out``:

- ``catchments.gpkg`` with layers ``isochrones``, ``units`` and ``port_sheds``;
- ``isochrones.csv``, ``units.csv``, ``summary.csv``, ``waits.csv`` (attributes, no geometry);
- ``travel_time.tif`` with ``--raster`` (minutes to/from the nearest port, wait included).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._defaults import ISOCHRONE_METHOD, ISOCHRONE_METHODS
from .._outputs import run_folder
from .._progress import step
from ..errors import NetworkError, SchemaError
from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "catchments",
        help="travel-time catchments of each port of entry, with the border wait",
        description="Isochrones, best port per census unit and a summary per port, for one "
        "direction, lane and hour. Uses the region's road network, or the straight-line model "
        "where it has none.",
    )
    p.add_argument("region", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    _args.add_list(
        p,
        "--minutes",
        item=_args.minutes,
        default=[30, 60, 90, 120, 150, 180],
        help="isochrone bands in minutes, > 0: '15 30 45' or '15,30,45' (default 30-180: they "
        "cover the border wait)",
    )
    p.add_argument("--hour", type=_args.hour, default=7, help="hour of day of the wait (0-23)")
    p.add_argument(
        "--weekday",
        type=_args.weekday,
        default="weekdays",
        help="0-6 (Monday = 0), a day name, 'weekdays' (default), 'weekend' or 'all'",
    )
    p.add_argument(
        "--month", type=_args.month, help="month of the wait, 1-12 (default: all months)"
    )
    p.add_argument("--direction", default="northbound", choices=["northbound", "southbound"])
    p.add_argument(
        "--lane",
        default="commuter",
        help="general, sentri, ready, pedestrian, ... or 'commuter' (default): the AM-peak lane "
        "mix of northbound work trips",
    )
    p.add_argument(
        "--wait-source", help="use only wait rows whose source contains this text, e.g. historical"
    )
    p.add_argument(
        "--wait-fallback",
        help="for ports without a wait: 'zero', or a port code whose wait to borrow (e.g. 2504)",
    )
    p.add_argument("--wait-stat", default="median", help="median (default), mean or a quantile")
    p.add_argument("--method", default="auto", choices=["auto", "network", "straight-line"])
    p.add_argument(
        "--isochrone-method",
        default=ISOCHRONE_METHOD,
        choices=ISOCHRONE_METHODS,
        help=f"how network isochrones are drawn (default {ISOCHRONE_METHOD}: the buffered "
        "reachable roads on a 50 m grid; buffer: the exact buffered roads, slower; hull: "
        "concave hulls of the reached nodes)",
    )
    _args.add_list(p, "--close-port", item=_args.port_code, default=[], help="port codes to close")
    p.add_argument(
        "--otay-mesa-east",
        action="store_true",
        help="add the Otay Mesa East port (scenario) at its published location",
    )
    p.add_argument("--raster", action="store_true", help="also write travel_time.tif")
    _args.add_lang(p)
    p.add_argument(
        "--resolution", type=_args.positive_float, default=250.0, help="raster cell size (m)"
    )
    p.set_defaults(func=run)


def _fallback(value: str | None):
    if value is None:
        return None
    return int(value) if value.strip().isdigit() else value


def _stat(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def run(args: argparse.Namespace) -> int:
    # the lock and the temporary folder first: a second run or an unwritable --out fails
    # before the (long) computation; the outputs appear in --out whole or not at all
    with run_folder(args.out, command="catchments", params=vars(args)) as tmp:
        return _run(args, tmp)


def _run(args: argparse.Namespace, tmp: Path) -> int:
    from ..catchments import OTAY_MESA_EAST, Scenario, catchments
    from ..units import load_region

    with step(f"load {args.region}"):
        region = load_region(
            args.region,
            data_dir=args.data_dir,
            network=args.method != "straight-line",
            prefetch_network=True,
        )
    scenario = None
    if args.close_port or args.otay_mesa_east:
        scenario = Scenario(
            name="+".join(
                ([f"closed-{'-'.join(map(str, args.close_port))}"] if args.close_port else [])
                + (["otay-mesa-east"] if args.otay_mesa_east else [])
            ),
            closed=tuple(args.close_port),
            new_ports=(OTAY_MESA_EAST,) if args.otay_mesa_east else (),
        )
    weekday = args.weekday
    from ..pipeline.analyses import default_wait_fallback

    args.wait_fallback, note = default_wait_fallback(region, _fallback(args.wait_fallback))
    if note:
        print(f"note: {note}")
    try:
        with step(f"catchments of {region.spec.name}"):
            result = _catchments(catchments, region, args, weekday, scenario)
    except NetworkError as exc:
        source = region.network.graph.get("source_file") if region.network is not None else None
        raise NetworkError(f"{source}: {exc}" if source else str(exc)) from exc
    except SchemaError as exc:
        if "wait_fallback" not in str(exc):
            raise
        raise SchemaError(f"{exc}. {_wait_hint(region, args.wait_source)}") from exc
    return _write(args, tmp, region, result)


def _wait_hint(region, source: str | None) -> str:
    """What a command-line user can do when no wait matches: the option to pass, which
    directions the region's wait tables hold (CBP publishes northbound waits only) and, when
    ``--wait-source`` was given, their sources."""
    waits = getattr(region, "waits", None)

    def held(col: str) -> str:
        if waits is None or col not in waits.columns:
            return ""
        return ", ".join(sorted(str(v) for v in waits[col].dropna().unique()))

    directions, sources = held("direction"), held("source")
    tables = f"the region's wait rows are {directions}" if directions else "the region has no waits"
    if source is not None and sources:
        tables += f"; their sources: {sources}"
    return (
        "On the command line: --wait-fallback zero (no wait at those ports) or --wait-fallback "
        f"<port code> (borrow that port's wait); {tables}"
    )


def _catchments(catchments, region, args, weekday, scenario):
    return catchments(
        region,
        minutes=args.minutes,
        hour=args.hour,
        weekday=weekday,
        month=args.month,
        direction=args.direction,
        lane=args.lane,
        scenario=scenario,
        wait_stat=_stat(args.wait_stat),
        wait_source=args.wait_source,
        wait_fallback=args.wait_fallback,
        method=args.method,
        isochrone_method=args.isochrone_method,
        raster=args.raster,
        resolution=args.resolution,
    )


def _write(args, tmp: Path, region, result) -> int:
    from .._gpkg import write_layer
    from ..surfaces import write_geotiff

    out = Path(args.out)
    gpkg = tmp / "catchments.gpkg"
    for layer in ("isochrones", "units", "port_sheds"):
        write_layer(getattr(result, layer), gpkg, layer=layer, lang=args.lang)
    result.isochrones.drop(columns="geometry").to_csv(tmp / "isochrones.csv", index=False)
    result.units.drop(columns="geometry").to_csv(tmp / "units.csv", index=False)
    result.summary.to_csv(tmp / "summary.csv", index=False)
    result.waits.to_csv(tmp / "waits.csv", index=False)
    (tmp / "params.json").write_text(json.dumps(result.params, indent=2, default=str))
    if result.surface is not None:
        write_geotiff(result.surface, tmp / "travel_time.tif")
    print(f"{region.spec.title}: {result.method} catchments, {args.direction}, lane {args.lane}")
    cols = [
        c for c in result.summary.columns if c.startswith(("port_", "wait_", "shed_pop", "pop_"))
    ]
    print(result.summary[cols].to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    if len(result.report):
        print("\nleft out / flagged:")
        print(result.report.summary().to_string(index=False))
    print(f"\nwritten to {out}")
    return 0
