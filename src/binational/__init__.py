"""binational: geospatial analysis of binational border regions (US–Mexico twin cities).

The main entry points are imported lazily so that ``import binational`` stays cheap:

- :func:`load_region` — both sides of a twin city in one table, plus ports, crossings, waits and
  the road network.
- :func:`concentration_profile` — segregation indices and local clusters per side.
- :func:`catchments` — travel time from each port of entry, with the border wait.
"""

from __future__ import annotations

import importlib

from . import errors
from ._version import __version__

_LAZY = {
    "settings": "binational.settings",
    "RegionSpec": "binational.regions",
    "get_region": "binational.regions",
    "list_regions": "binational.regions",
    "load_regions_file": "binational.regions",
    "load_region": "binational.units",
    "Region": "binational.units",
    "population_check": "binational.units",
    "summarise": "binational.summary",
    "concentration_profile": "binational.concentration",
    "catchments": "binational.catchments",
    "run_batch": "binational.scale",
    "region_map": "binational.render.maps",
    "write_report": "binational.pipeline",
    "sources": "binational.sources",
}

__all__ = [
    "Region",
    "RegionSpec",
    "__version__",
    "catchments",
    "concentration_profile",
    "errors",
    "get_region",
    "list_regions",
    "load_region",
    "load_regions_file",
    "population_check",
    "region_map",
    "run_batch",
    "settings",
    "sources",
    "summarise",
    "write_report",
]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        return getattr(module, name, module)
    raise AttributeError(f"module 'binational' has no attribute {name!r}")
