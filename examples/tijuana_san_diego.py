"""Tijuana–San Diego: interactive maps into ``maps/`` (self-contained HTML, open in a browser).

Run from the repository root with the data folder set::

    BINATIONAL_DATA_DIR=../shared/data python examples/tijuana_san_diego.py

Writes
    maps/tijuana_san_diego.html         Hispanic share (US tracts) and population,
                                        drive-time catchments of each port, ports with
                                        crossings and waits, the border
    maps/tijuana_san_diego_clusters.html      the same with local clusters of Hispanic population
    maps/tijuana_san_diego_densidad.es.html   population density of both sides, in Spanish
"""

from __future__ import annotations

from pathlib import Path

import binational
from binational.render import maps

OUT = Path(__file__).resolve().parents[1] / "maps"


def main() -> None:
    region = binational.load_region("tijuana-san-diego")  # road network included
    profile = binational.concentration_profile(region, group="hispanic", permutations=199)
    catch = binational.catchments(region, minutes=(15, 30, 45, 60), hour=7)

    m = maps.region_map(
        region,
        "hispanic",
        normalize="pop_total",
        scheme="fisher_jenks",
        catchments=catch,
        offline=True,  # no base tiles: the file opens with no network
    )
    print(maps.save_map(m, OUT / "tijuana_san_diego.html"))

    # local clusters (Getis-Ord Gi* / local Moran with FDR) in a file of their own, so that
    # each gallery file stays under 1 MB
    m = maps.region_map(
        region, "hispanic", scheme="fisher_jenks", concentration=profile, offline=True
    )
    print(maps.save_map(m, OUT / "tijuana_san_diego_clusters.html"))

    m = maps.region_map(region, lang="es", offline=True)  # population density, both sides
    print(maps.save_map(m, OUT / "tijuana_san_diego_densidad.es.html"))


if __name__ == "__main__":
    main()
