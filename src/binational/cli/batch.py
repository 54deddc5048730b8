"""``binational batch``: run the per-region work of many regions on Dask.

Examples::

    binational batch --out runs/border --scheduler local --workers 2
    binational batch --regions tijuana-san-diego,juarez-el-paso --tasks load,grid --out runs/tj
    binational batch --all --scheduler tcp://10.0.0.5:8786 --data-dir /shared/data --out runs/all
    binational batch --tasks catchments --option catchments.wait_fallback=zero --out runs/c
"""

from __future__ import annotations

import argparse

from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    from ..scale._names import DEFAULT_TASKS  # no pandas, no Dask at parser build

    p = sub.add_parser(
        "batch",
        help="run load/concentration/catchments/report for many regions on Dask",
        description="Run the per-region tasks of many regions as Dask tasks; each region's "
        "results are written under OUT as soon as it finishes, with a manifest of what was "
        "done, failed or skipped. A re-run resumes (finished tasks are reused).",
    )
    _args.add_list(
        p,
        "--regions",
        help="region names, separated by spaces or commas (default: every preset, as with --all)",
    )
    p.add_argument("--all", action="store_true", help="every known region preset")
    _args.add_list(
        p,
        "--tasks",
        default=list(DEFAULT_TASKS),
        help=f"tasks, separated by spaces or commas (default {' '.join(DEFAULT_TASKS)}; also: "
        "grid)",
    )
    p.add_argument(
        "--scheduler",
        default="local",
        help="'local' (start a local cluster), 'serial' (no Dask) or a scheduler address "
        "such as tcp://host:8786",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--workers", type=_args.positive_int, help="workers of the local cluster (default: cores)"
    )
    p.add_argument("--threads", type=_args.positive_int, default=1, help="threads per local worker")
    p.add_argument(
        "--data-dir",
        help="data folder as the workers see it (default: $BINATIONAL_DATA_DIR)",
    )
    p.add_argument("--cache-dir", help="cache folder for the workers")
    p.add_argument("--seed", type=int, default=0, help="seed of all inference (default 0)")
    p.add_argument(
        "--permutations", type=_args.positive_int, default=999, help="permutations (default 999)"
    )
    _args.add_list(
        p,
        "--minutes",
        item=_args.minutes,
        default=[15, 30, 45, 60],
        help="catchment bands in minutes, > 0: '15 30 45' or '15,30,45' (default 15 30 45 60)",
    )
    p.add_argument("--hour", type=_args.hour, default=7, help="hour of day for waits (default 7)")
    p.add_argument(
        "--grid-size", type=_args.positive_float, default=1000.0, help="grid task cell size, metres"
    )
    p.add_argument("--no-network", action="store_true", help="do not load road networks")
    p.add_argument(
        "--one-side",
        action="store_true",
        help="also run regions with census units on one side only (default: skip them)",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="TASK.KEY=VALUE",
        help="extra keyword argument of one task, e.g. catchments.wait_fallback=zero "
        "(repeatable; numbers are converted)",
    )
    p.add_argument("--no-resume", action="store_true", help="recompute finished tasks")
    p.add_argument(
        "--retries",
        type=_args.nonnegative_int,
        default=3,
        help="re-runs of a region whose worker died (default 3)",
    )
    p.set_defaults(func=run)


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def _options(items: list[str]) -> dict[str, dict]:
    from ..errors import BatchError

    out: dict[str, dict] = {}
    for item in items:
        key, sep, value = item.partition("=")
        task, dot, name = key.partition(".")
        if not (sep and dot and task and name):
            raise BatchError(f"--option {item!r}: expected TASK.KEY=VALUE")
        out.setdefault(task.strip(), {})[name.strip()] = _value(value.strip())
    return out


def run(args: argparse.Namespace) -> int:
    from ..scale import run_batch

    regions = None if (args.all or not args.regions) else args.regions
    minutes = [int(m) if float(m).is_integer() else m for m in args.minutes]
    result = run_batch(
        regions,
        out_dir=args.out,
        scheduler=args.scheduler,
        tasks=args.tasks,
        seed=args.seed,
        permutations=args.permutations,
        minutes=minutes,
        hour=args.hour,
        network=not args.no_network,
        require_both_sides=not args.one_side,
        grid_size=args.grid_size,
        task_options=_options(args.option),
        n_workers=args.workers,
        threads_per_worker=args.threads,
        data_dir=args.data_dir,
        cache_dir=args.cache_dir,
        resume=not args.no_resume,
        retries=args.retries,
    )
    import pandas as pd

    m = result.manifest
    counts = pd.crosstab(m["task"], m["status"])
    print(f"{len(result.regions)} region(s), {len(m)} task(s) in {result.seconds:.1f} s")
    with pd.option_context("display.width", 160):
        print(counts.to_string())
    reused = int(m["resumed"].astype(bool).sum())
    if reused:
        print(f"{reused} task(s) reused from an earlier run")
    for status in ("failed", "skipped", "not_available"):
        rows = m[m["status"] == status]
        if rows.empty:
            continue
        print(f"\n{status}:")
        for (region, reason), group in rows.groupby(["region", "error"], sort=False):
            print(f"  {region} [{', '.join(group['task'])}]: {reason}")
    print(f"\nresults: {result.out_dir}  (manifest: {result.out_dir / 'manifest.csv'})")
    return 0 if result.ok else 1
