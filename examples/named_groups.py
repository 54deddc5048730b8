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
from binational.pipeline import groups_results
from binational.render.groups_section import groups_section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("region", nargs="?", default="tijuana-san-diego")
    parser.add_argument("--lang", default="en", choices=["en", "es"])
    parser.add_argument("--out", default="groups")
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()

    region = binational.load_region(args.region, network=False, crossings=False)
    res = groups_results(region, permutations=args.permutations, seed=0)
    profile = res["profile"]
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
    fragment = groups_section(lang=args.lang, region=region.name, **res)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{region.name}_groups.{args.lang}.html"
    path.write_text(f"<!doctype html><meta charset='utf-8'>{fragment}", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
