"""The ``binational`` command line: thin sub-commands over the public functions.

Each sub-command lives in its own module of this package and defines
``register(subparsers) -> None`` which adds its parser and sets ``func`` (a callable taking the
parsed ``argparse.Namespace`` and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import BinationalError

# Order in which sub-commands appear in --help.
SUBCOMMANDS = (
    "report",
    "summary",
    "concentration",
    "catchments",
    "commuting",
    "maps",
    "fetch",
    "batch",
    "regions",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binational",
        description="Geospatial analysis of US–Mexico twin cities: loaders, ethnic concentration, "
        "cross-border catchments, maps and reports.",
    )
    parser.add_argument("--version", action="version", version=f"binational {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument(
        "--regions-file",
        metavar="PATH",
        help="TOML file defining extra regions (same layout as the package's regions.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        modname = f"{__name__}.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        importlib.import_module(modname).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.regions_file:
        from ..regions import load_regions_file

        try:
            load_regions_file(args.regions_file)
        except BinationalError as exc:
            print(f"binational: error: {exc}", file=sys.stderr)
            return 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except BinationalError as exc:
        print(f"binational: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("binational: interrupted; the output folder was left as it was", file=sys.stderr)
        return 130
    except OSError as exc:  # a file or folder outside the library's own checks
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(
            f"binational: error: {where}{exc.strerror or exc}; check that the path exists and "
            "can be read/written (cache folder: BINATIONAL_CACHE_DIR)",
            file=sys.stderr,
        )
        if args.verbose >= 2:
            raise
        return 2
    except Exception as exc:  # last resort: a one-line message, the traceback only with -vv
        print(
            f"binational: error: unexpected {type(exc).__name__} in {args.command}: {exc} "
            "(run with -vv for the traceback and report it)",
            file=sys.stderr,
        )
        if args.verbose >= 2:
            raise
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
