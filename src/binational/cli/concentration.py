"""``binational concentration REGION``: segregation indices and local clusters per side.

Writes ``<region>_<group>_concentration.csv`` (the tidy index table) and
``<region>_<group>_local.gpkg`` (layer ``local``: local measures per unit and scope) to
``--out``, and prints the table.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from .._outputs import run_folder
from .._progress import step
from ..errors import IndexInputError
from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "concentration",
        help="segregation indices with permutation tests and local clusters, per side",
        description="Concentration of a group on each side of a twin city and across it: "
        "global indices with permutation tests and intervals (CSV) and local clusters "
        "(GeoPackage).",
    )
    p.add_argument(
        "region",
        help="region preset (e.g. tijuana-san-diego) or a unit-table file "
        "(.gpkg, .parquet, .geojson) laid out like binational's unit table",
    )
    p.add_argument("--group", help="group column (default: the region's default groups)")
    p.add_argument("--group-mx", help="group column for the Mexican side, if different")
    p.add_argument("--total", default="pop_total", help="total column (default: pop_total)")
    _args.add_list(
        p,
        "--scopes",
        help="scopes among US MX binational, separated by spaces or commas (naming one makes a "
        "missing group an error; default: every scope the data supports)",
    )
    _args.add_list(p, "--indices", help="index names, spaces or commas (default: the standard set)")
    p.add_argument(
        "--null",
        default="systematic",
        choices=["systematic", "permutation", "evenness", "none"],
        help="null hypothesis of the permutation test (default: systematic)",
    )
    p.add_argument(
        "--permutations", type=_args.nonnegative_int, default=999, help="replicates (default 999)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--moe", action="store_true", help="propagate ACS margins of error")
    p.add_argument(
        "--weights",
        default="queen",
        choices=["queen", "rook", "knn", "distance_band", "kernel"],
        help="spatial weights of the local measures (default: queen)",
    )
    p.add_argument(
        "--k", type=_args.positive_int, help="neighbours for knn / adaptive kernel weights"
    )
    p.add_argument(
        "--threshold", type=_args.positive_float, help="distance-band threshold (metres)"
    )
    p.add_argument(
        "--bandwidth",
        type=float,
        help="kernel bandwidth in metres: local environments of the spatial indices "
        "(default 2000) and kernel weights",
    )
    p.add_argument(
        "--border-tolerance",
        type=float,
        help="snapping distance (m) for contiguity across the border (default 50)",
    )
    p.add_argument(
        "--no-cross-border",
        action="store_true",
        help="keep the sides apart in the binational scope too",
    )
    p.add_argument(
        "--alpha", type=_args.probability, default=0.05, help="significance level (0.05)"
    )
    p.add_argument("--no-local", action="store_true", help="skip the local measures")
    _args.add_list(
        p, "--multigroups", help="group columns for multigroup indices, spaces or commas"
    )
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    p.add_argument("--out", default=".", help="output folder (default: current folder)")
    _args.add_lang(p)
    p.set_defaults(func=run)


def _read_units(path: Path):
    import geopandas as gpd

    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return gpd.read_parquet(path)
    return gpd.read_file(path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "units"


def _check_columns(units, args: argparse.Namespace) -> None:
    """A column named on the command line that no side has is a typo, not a group to skip:
    stop before computing, with the count columns the table has."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    asked = {
        "--group": [args.group] if args.group else [],
        "--group-mx": [args.group_mx] if args.group_mx else [],
        "--total": [args.total] if args.total else [],
        "--multigroups": list(args.multigroups or []),
    }
    for option, columns in asked.items():
        unknown = [c for c in columns if c not in units.columns]
        if unknown:
            numeric = [
                c
                for c in units.columns
                if is_numeric_dtype(units[c])
                and not is_bool_dtype(units[c])
                and not c.endswith("_moe")
            ]
            raise IndexInputError(
                f"{option} {', '.join(unknown)}: not in the unit table (no side has it); "
                f"count columns: {', '.join(numeric)}"
            )


def run(args: argparse.Namespace) -> int:
    # outputs appear in --out whole or not at all; a concurrent run into it fails clearly
    with run_folder(args.out, command="concentration", params=vars(args)) as tmp:
        return _run(args, tmp)


def _run(args: argparse.Namespace, tmp: Path) -> int:
    import pandas as pd

    from .._gpkg import write_layer
    from ..concentration import (
        BinationalOptions,
        Inference,
        LocalOptions,
        concentration_profile,
    )
    from ..units import load_region

    source = Path(args.region)
    if source.suffix and source.is_file():
        target = _read_units(source)
        name = source.stem
    else:
        target = load_region(args.region, data_dir=args.data_dir, network=False, crossings=False)
        name = args.region
    _check_columns(getattr(target, "units", target), args)
    weights_options = {}
    if args.k is not None:
        weights_options["k"] = args.k
    if args.threshold is not None:
        weights_options["threshold"] = args.threshold
    if args.border_tolerance is not None:
        if args.weights not in ("queen", "rook"):
            raise IndexInputError("--border-tolerance applies to queen/rook weights only")
        weights_options["border_tolerance"] = args.border_tolerance
    if args.weights == "kernel" and args.k is None:
        weights_options["bandwidth"] = args.bandwidth or 2000.0
    index_options = {}
    if args.bandwidth is not None:
        index_options["bandwidth"] = args.bandwidth
    with step("concentration profile"):
        table, local = concentration_profile(
            target,
            group={"US": args.group, "MX": args.group_mx} if args.group_mx else args.group,
            total=args.total,
            scopes=args.scopes,
            indices=args.indices,
            inference=Inference(null=None if args.null == "none" else args.null),
            permutations=args.permutations,
            moe=args.moe,
            local=LocalOptions(weights_options=weights_options, alpha=args.alpha)
            if not args.no_local
            else False,
            weights=args.weights,
            binational=BinationalOptions(cross_border=not args.no_cross_border),
            multigroups=args.multigroups,
            seed=args.seed,
            **index_options,
        )
    out = Path(args.out)
    group_label = args.group or "default-groups"
    stem = f"{_slug(name)}_{_slug(group_label)}"
    csv_path = out / f"{stem}_concentration.csv"
    gpkg_path = out / f"{stem}_local.gpkg"
    table.to_csv(tmp / csv_path.name, index=False)
    if len(local):
        write_layer(local, tmp / gpkg_path.name, layer="local", lang=args.lang)
    shown = table[["scope", "group", "index", "value", "ci_low", "ci_high", "p_value", "status"]]
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    skipped = table[table["status"] == "skipped"].drop_duplicates("scope")
    for _, row in skipped.iterrows():
        print(f"note: {row['scope']}: {row['note']}")
    print(f"wrote {csv_path}")
    if len(local):
        print(f"wrote {gpkg_path} (layer 'local', {len(local)} rows)")
    return 0
