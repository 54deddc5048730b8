"""``binational summary REGION``: a per-side summary of the loaded data."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summary",
        help="print a per-side summary: units, population, groups, ports, crossings, waits",
    )
    p.add_argument("region", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    p.add_argument(
        "--months", type=_args.positive_int, default=12, help="months of crossings to total"
    )
    net = p.add_mutually_exclusive_group()
    net.add_argument(
        "--network",
        action="store_true",
        help="load the road network and give its size and flagged nodes (slower)",
    )
    net.add_argument(
        "--no-network", action="store_true", help="leave the road network out altogether"
    )
    p.set_defaults(func=run)


def _print(title: str, table: pd.DataFrame) -> None:
    print(f"\n== {title} ==")
    if table is None or table.empty:
        print("(none)")
        return
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print(table.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"))


def run(args: argparse.Namespace) -> int:
    from ..summary import summarise
    from ..units import load_region

    region = load_region(args.region, data_dir=args.data_dir, network=not args.no_network)
    if args.network:
        region.network  # noqa: B018 - load it now, so its flagged nodes join the drop table
    tables = summarise(region, months=args.months)
    print(f"{region.spec.title} ({region.spec.name}), CRS {region.spec.crs}")
    if region.network_pending and not args.network:
        print("road network: available, not loaded (--network loads it and counts it)")
    elif region.network is not None:
        print(
            f"road network: {region.network.number_of_nodes():,} nodes, "
            f"{region.network.number_of_edges():,} edges"
        )
    _print("units and population by side", tables["sides"])
    _print("population by county / municipio vs official 2020 total", tables["admin"])
    _print("ports of entry", tables["ports"])
    _print(f"crossings, last {args.months} months (inbound to the US)", tables["crossings"])
    _print("median northbound general-lane wait (minutes) by hour of day", tables["waits"])
    _print("dropped or flagged input records", tables["drops"])
    _print("layers not available", tables["missing"])
    return 0
