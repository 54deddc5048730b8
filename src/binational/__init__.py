"""binational: geospatial analysis of binational border regions (US–Mexico twin cities).

The main entry points are imported lazily so that ``import binational`` stays cheap:

- :func:`load_region` — both sides of a twin city in one table, plus ports, crossings, waits and
  the road network.
- :func:`concentration_profile` — segregation indices and local clusters per side.
- :mod:`binational.catchments` — travel time from each port of entry, with the border wait. The
  name is always the subpackage, whatever was imported first; the subpackage is callable, so
  ``binational.catchments(region, ...)`` runs :func:`binational.catchments.catchments`.

Subpackages (``catchments``, ``concentration``, ``commuting``, ``io``, ``render``, ``scale``)
and modules (``settings``, ``sources``, ``surfaces``, ``groups``, ``units``, ``pipeline``, ...)
are attributes of the package in any import order: a name below is either always a module or
always a function.
"""

from __future__ import annotations

import importlib

from . import errors
from ._version import __version__

# name -> module that defines it (functions and classes)
_LAZY_NAMES = {
    "RegionSpec": "binational.regions",
    "get_region": "binational.regions",
    "list_regions": "binational.regions",
    "load_regions_file": "binational.regions",
    "load_region": "binational.units",
    "Region": "binational.units",
    "population_check": "binational.units",
    "summarise": "binational.summary",
    "concentration_profile": "binational.concentration",
    "run_batch": "binational.scale",
    "region_map": "binational.render.maps",
    "write_report": "binational.pipeline",
}

# names that are modules: the attribute is the module itself, never a function inside it
# (``import binational.catchments`` binds the same object, so the import order does not matter)
_LAZY_MODULES = (
    "catchments",
    "commuting",
    "concentration",
    "groups",
    "io",
    "pipeline",
    "regions",
    "render",
    "scale",
    "settings",
    "sources",
    "summary",
    "surfaces",
    "units",
)

__all__ = [
    "Region",
    "RegionSpec",
    "__version__",
    "catchments",
    "commuting",
    "concentration",
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
    "surfaces",
    "write_report",
]


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value  # cached: later look-ups skip __getattr__
        return value
    raise AttributeError(f"module 'binational' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_NAMES, *_LAZY_MODULES})
