"""Ciudad Juárez–El Paso: interactive maps into ``maps/`` (self-contained HTML).

The shared data hold no road network for Juárez–El Paso, so the catchments use the documented
straight-line model (distance × circuity ÷ speed) and every layer says so. Only one CBP live
snapshot of waits exists here, so the border wait of ports without an hourly profile is taken
as 0 minutes (``wait_fallback="zero"``).

    BINATIONAL_DATA_DIR=../shared/data python examples/juarez_el_paso.py

Writes
    maps/juarez_el_paso.html        Hispanic share (US), marginalisation clusters, straight-line
                                    catchments, ports, border
    maps/juarez_el_paso_marginacion.es.html   share of the population in high-marginalisation
                                    AGEBs (CONAPO 2020), in Spanish
"""

from __future__ import annotations

from pathlib import Path

import binational
from binational.render import maps

OUT = Path(__file__).resolve().parents[1] / "maps"


def main() -> None:
    region = binational.load_region("juarez-el-paso")
    profile = binational.concentration_profile(region, permutations=199)
    catch = binational.catchments(region, wait_fallback="zero")

    m = maps.region_map(
        region,
        "hispanic",
        normalize="pop_total",
        concentration=profile,
        catchments=catch,
        offline=True,
    )
    print(maps.save_map(m, OUT / "juarez_el_paso.html"))

    m = maps.region_map(
        region, "high_marginalization", normalize="pop_total", lang="es", offline=True
    )
    print(maps.save_map(m, OUT / "juarez_el_paso_marginacion.es.html"))


if __name__ == "__main__":
    main()
