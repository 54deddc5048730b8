"""Renderers: interactive folium maps, static matplotlib maps and charts, the HTML report and
GIS exports (GeoPackage, GeoParquet).

- :mod:`~binational.render.maps` — ``region_map``, ``unit_map``, ``add_units``, ``save_map``
  (self-contained HTML, Leaflet inlined); :mod:`~binational.render.overlays` — ``add_ports``,
  ``add_isochrones``, ``add_clusters``, ``add_border``.
- :mod:`~binational.render.static` — the same choropleths and catchments as PNG/SVG, and charts
  of crossings, waits and population reached.
- :mod:`~binational.render.report` — ``write_report``: one HTML report per region.
- :mod:`~binational.render.export` — ``export_layers``: every layer as GeoPackage + GeoParquet.
- :mod:`~binational.render.labels` — English/Spanish strings (``lang="es"``).

Submodules are imported on first use so that ``import binational.render`` stays cheap.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "region_map": "maps",
    "unit_map": "maps",
    "new_map": "maps",
    "add_units": "maps",
    "add_ports": "overlays",
    "add_isochrones": "overlays",
    "add_clusters": "overlays",
    "add_border": "overlays",
    "finish_map": "maps",
    "map_html": "maps",
    "save_map": "maps",
    "plot_choropleth": "static",
    "plot_isochrones": "static",
    "plot_monthly_crossings": "static",
    "plot_wait_by_hour": "static",
    "plot_population_reached": "static",
    "save_figure": "static",
    "write_report": "report",
    "build_report": "report",
    "export_layers": "export",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
