"""Size and build time of the regional report, and of the interactive map against the plain
``GeoDataFrame.explore()`` map of the same units (the reference), for both twin cities.

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/report.py [REGION ...]

Prints, per region: load time, concentration / catchments / render times, report HTML size;
then the light self-contained map (simplified, quantised, Leaflet inlined) next to
``units.explore(column)`` saved with folium (unsimplified, Leaflet from a CDN): bytes and build
seconds, with ratios.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import binational
    from binational import settings
    from binational.render import maps
    from binational.render.report import build_report

    settings.progress = False
    regions = sys.argv[1:] or ["tijuana-san-diego", "juarez-el-paso"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in regions:
            t0 = time.perf_counter()
            region = binational.load_region(name)
            t_load = time.perf_counter() - t0
            t0 = time.perf_counter()
            parts = build_report(region)
            t_report = time.perf_counter() - t0
            path = Path(tmp) / f"{name}.html"
            path.write_text(parts.html, encoding="utf-8")
            size = path.stat().st_size
            tm = parts.timings
            method = getattr(parts.catchments, "method", "none")
            print(
                f"{name}: {len(region.units)} units, catchments {method}\n"
                f"  load_region: {t_load:.1f} s\n"
                f"  report build: {t_report:.1f} s (concentration {tm['concentration']:.1f} s, "
                f"catchments {tm['catchments']:.1f} s, maps/figures/HTML {tm['render']:.1f} s)\n"
                f"  report HTML: {size / 1e6:.2f} MB ({size:,} bytes)"
            )
            units = maps.with_density(region.units)
            t0 = time.perf_counter()
            ref = units.explore(column="pop_density", scheme="quantiles", k=5, tiles=None)
            ref_path = Path(tmp) / f"{name}_explore.html"
            ref.save(ref_path)
            t_ref = time.perf_counter() - t0
            t0 = time.perf_counter()
            m = maps.unit_map(units, "pop_density", scheme="quantiles", k=5, offline=True)
            light = maps.save_map(m, Path(tmp) / f"{name}_light.html")
            t_light = time.perf_counter() - t0
            b_ref, b_light = ref_path.stat().st_size, light.stat().st_size
            print(
                f"  units map, explore() reference: {b_ref / 1e6:.2f} MB in {t_ref:.1f} s (CDN)\n"
                f"  units map, binational light:    {b_light / 1e6:.2f} MB in {t_light:.1f} s "
                f"(Leaflet inlined)\n"
                f"  size ratio reference / light: {b_ref / b_light:.1f}x; "
                f"time ratio: {t_ref / t_light:.2f}x"
            )


if __name__ == "__main__":
    main()
