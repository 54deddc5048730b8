"""binational: geospatial analysis of binational border regions (US–Mexico twin cities)."""

from __future__ import annotations

from . import errors, settings
from ._version import __version__
from .regions import RegionSpec, get_region, list_regions, load_regions_file

__all__ = [
    "RegionSpec",
    "__version__",
    "errors",
    "get_region",
    "list_regions",
    "load_regions_file",
    "settings",
]
