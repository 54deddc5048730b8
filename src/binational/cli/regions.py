"""``binational regions``: list the known region presets."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("regions", help="list region presets and what they contain")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..regions import get_region, list_regions

    for name in list_regions():
        spec = get_region(name)
        print(
            f"{name}\t{spec.title}\t{spec.crs}\tUS {','.join(spec.us_counties)}\t"
            f"MX {','.join(spec.mx_municipios)}\tports {','.join(map(str, spec.ports))}"
        )
    return 0
