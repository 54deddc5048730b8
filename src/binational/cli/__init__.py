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
    _add_log_options(parser, default=0)
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
    for subparser in sub.choices.values():  # also accepted after the command
        _add_log_options(subparser, default=argparse.SUPPRESS)
    return parser


def _add_log_options(parser: argparse.ArgumentParser, *, default) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="more log output: -v every INFO message of the library, -vv debug and tracebacks",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if default == 0 else argparse.SUPPRESS,
        help="print no progress or warnings on stderr (errors only)",
    )


def configure_logging(*, verbose: int = 0, quiet: bool = False) -> None:
    """Send the library's log to stderr: the steps and their timings by default.

    Parameters
    ----------
    verbose
        0: the progress of long steps (``binational.progress`` at INFO) and warnings;
        1: every INFO message of ``binational``; 2: DEBUG.
    quiet
        Errors only: no steps, no warnings, no progress bars.

    Returns
    -------
    None
        The root handler is installed only where none is (so under pytest, which captures
        logs itself, nothing is printed).
    """
    from .. import settings

    logging.basicConfig(
        level=logging.ERROR if quiet else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if quiet:
        level, step_level = logging.ERROR, logging.ERROR
        settings.progress = False
        logging.captureWarnings(True)  # warnings go through the log, which shows errors only
    else:
        level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
        step_level = min(level, logging.INFO)
    logging.getLogger("binational").setLevel(level)
    logging.getLogger("binational.progress").setLevel(step_level)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, quiet=args.quiet)
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
    from .._gc import fewer_collections

    try:
        with fewer_collections():  # a command's objects mostly live to its end
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


def entry(argv: Sequence[str] | None = None) -> None:
    """The ``binational`` command: :func:`main`, then the process ends without the
    interpreter's teardown (:func:`binational.cli._exit.exit_fast`, ~0.5 s saved)."""
    from ._exit import exit_fast

    exit_fast(main(argv))


if __name__ == "__main__":  # pragma: no cover
    entry()
