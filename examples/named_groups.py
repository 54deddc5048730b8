"""Named groups on both sides of a twin city: indices, scales, context and what is compared.

    BINATIONAL_DATA_DIR=../shared/data python examples/named_groups.py tijuana-san-diego
    BINATIONAL_DATA_DIR=../shared/data python examples/named_groups.py juarez-el-paso --lang es

Prints D and isolation per named group and side with the bootstrap interval, the ACS-MOE
interval as simulated and the bias-corrected one, and writes the report fragment to
``<out>/<region>_groups.<lang>.html`` (default ``out = ./groups``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import binational
from binational.concentration.multiscalar import multiscalar_profile
from binational.concentration.named import (
    binational_comparison,
    named_group_profile,
    socioeconomic_context,
)
from binational.io.mx_census import iter_composition, read_iter
from binational.render.groups_section import groups_section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("region", nargs="?", default="tijuana-san-diego")
    parser.add_argument("--lang", default="en", choices=["en", "es"])
    parser.add_argument("--out", default="groups")
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()

    region = binational.load_region(args.region, network=False, crossings=False)
    units = region.units
    profile = named_group_profile(region, permutations=args.permutations, seed=0)
    cols = [
        "side",
        "group",
        "denominator",
        "index",
        "value",
        "ci_low",
        "ci_high",
        "moe_low",
        "moe_high",
        "moe_corrected",
        "moe_corrected_low",
        "moe_corrected_high",
    ]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        ok = profile[profile["status"] == "ok"]
        print(ok[ok["kind"] == "group"][cols].round(3).to_string(index=False))
        multi = ok[ok["kind"] == "multigroup"][["index", "value"]]
        if len(multi):
            print(multi.round(3).to_string(index=False))
        for row in profile[profile["status"] == "unavailable"].itertuples():
            print(f"{row.side} {row.group}: {row.note}")

    from binational.groups import denominator

    multiscalar = (
        multiscalar_profile(units, group="hispanic", total=denominator("hispanic", units.columns))
        if "hispanic" in units.columns
        else None
    )
    iter_path = region.spec.file("mx_iter", binational.settings.resolve_data_dir())
    composition = (
        iter_composition(read_iter(iter_path, municipios=region.spec.mx_municipios))
        if iter_path is not None and iter_path.exists()
        else None
    )
    mx_groups = [g for g in ("born_elsewhere",) if g in units.columns]
    comparison = binational_comparison(
        units,
        us_group="hispanic",
        mx_group=mx_groups[0] if mx_groups else "born_elsewhere",
        profile=profile,
    )
    fragment = groups_section(
        profile=profile,
        lang=args.lang,
        region=region.name,
        multiscalar=multiscalar,
        iter_composition=composition,
        context=socioeconomic_context(units),
        comparison=comparison,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{region.name}_groups.{args.lang}.html"
    path.write_text(f"<!doctype html><meta charset='utf-8'>{fragment}", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
