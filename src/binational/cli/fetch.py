"""``binational fetch``: download a region's official sources into the cache (or a folder)."""

from __future__ import annotations

import argparse
import sys

from .. import settings
from ..errors import DataSourceError
from . import _args


def register(sub: argparse._SubParsersAction) -> None:
    from .._roles import ROLES

    p = sub.add_parser(
        "fetch",
        help="download a region's official sources (Census, INEGI, CONAPO, BTS, CBP)",
        description="Download the official sources of a region preset into the cache, verify "
        "them, and print role → path (the files= argument of load_region). Needs internet.",
    )
    p.add_argument("region", nargs="?", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--dest", metavar="DIR", help="copy the fetched files into DIR")
    _args.add_list(
        p,
        "--sources",
        metavar="ROLE",
        choices=ROLES,
        help=f"roles to fetch (default: all): {', '.join(ROLES)}",
    )
    p.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help="replace the official base URL of a catalogue source (repeatable), e.g. "
        "census_tiger=http://mirror.example/tiger",
    )
    p.add_argument("--no-cache", action="store_true", help="download again even if cached")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument(
        "--list", action="store_true", help="list the source catalogue and exit (no download)"
    )
    p.set_defaults(func=run)


def _parse_base_urls(items: list[str]) -> dict[str, str]:
    from ..sources import catalogue

    known = catalogue()
    out: dict[str, str] = {}
    for item in items:
        source, sep, url = item.partition("=")
        source, url = source.strip(), url.strip()
        if not sep or not source or not url:
            raise DataSourceError(f"--base-url {item!r}: expected SOURCE=URL")
        if source not in known:
            raise DataSourceError(
                f"--base-url {item!r}: unknown source {source!r}; known: {', '.join(known)}"
            )
        if not url.startswith(("http://", "https://")):
            raise DataSourceError(f"--base-url {item!r}: URL must start with http:// or https://")
        out[source] = url
    return out


def _list_catalogue() -> int:
    from ..sources import catalogue

    for sid, src in catalogue().items():
        print(f"{sid}\t{src.publisher}\t{src.product}")
        print(f"\t{src.base()}/{src.path}")
        print(f"\tvintage: {src.vintage}; licence: {src.licence}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ..sources import ROLE_SOURCES, attributions, fetch_region

    if args.list:
        return _list_catalogue()
    if not args.region:
        print("binational fetch: error: a REGION is required (or --list)", file=sys.stderr)
        return 2
    overrides = _parse_base_urls(args.base_url)
    old_urls, old_progress = dict(settings.base_urls), settings.progress
    settings.base_urls.update(overrides)
    if args.no_progress:
        settings.progress = False
    try:
        files = fetch_region(
            args.region, dest=args.dest, sources=args.sources, cache=not args.no_cache
        )
    finally:
        settings.base_urls.clear()
        settings.base_urls.update(old_urls)
        settings.progress = old_progress
    print(f"fetched {args.region}:")
    for role, value in files.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            print(f"  {role}\t{v}")
    used = sorted({s for role in files for s in ROLE_SOURCES.get(role, ())})
    if used:
        print("sources:")
        for line in attributions(used):
            print(f"  {line}")
    print(
        "road network: not fetched here; binational.io.roads downloads OpenStreetMap (ODbL, "
        "© OpenStreetMap contributors) through osmnx"
    )
    return 0
