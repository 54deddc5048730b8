"""Cross-border commuting catchments: travel time from each port of entry, with the border wait.

The entry point is :func:`catchments` (also ``binational.catchments(...)``)::

    region = binational.load_region("tijuana-san-diego")
    result = binational.catchments(region, minutes=(15, 30, 45, 60), hour=7,
                                   wait_source="historical", wait_fallback=2504)
    result.isochrones, result.units, result.summary, result.method

Modules, in the order data flows through them:

- :mod:`~binational.catchments.graph` — the road network as a sparse matrix; border edges kept
  apart; snapping points to nodes.
- :mod:`~binational.catchments.traveltime` — times to and from every port end, one multi-source
  Dijkstra pass per direction.
- :mod:`~binational.catchments.cost` — waits, scenarios (wait table, closed port, new port) and
  crossing costs.
- :mod:`~binational.catchments.isochrones` — polygons per port and minute band, population
  inside.
- :mod:`~binational.catchments.allocation` — best port, port-sheds, Huff shares, 2SFCA.
- :mod:`~binational.catchments.straightline` — the fallback when there is no road network.
- :mod:`~binational.catchments.api` — :func:`catchments` itself.
"""

from __future__ import annotations

import sys
import types

from .allocation import DEFAULT_BETA, best_ports, huff_shares, port_sheds, two_step_fca
from .api import CatchmentResult, catchments, travel_time_surface
from .cost import (
    OTAY_MESA_EAST,
    LinkTimes,
    NewPort,
    Scenario,
    add_ports,
    apply_scenario,
    close_ports,
    crossing_minutes,
    od_minutes,
    reach_minutes,
    resolve_waits,
)
from .graph import SparseGraph, snap_points, sparse_graph
from .isochrones import (
    area_weighted_population,
    isochrone_polygon,
    isochrone_polygons,
    reachable_segments,
)
from .straightline import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH, straightline_seconds
from .traveltime import PortTimes, node_times, port_times

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_CIRCUITY",
    "DEFAULT_SPEED_KPH",
    "OTAY_MESA_EAST",
    "CatchmentResult",
    "LinkTimes",
    "NewPort",
    "PortTimes",
    "Scenario",
    "SparseGraph",
    "add_ports",
    "apply_scenario",
    "area_weighted_population",
    "best_ports",
    "catchments",
    "close_ports",
    "crossing_minutes",
    "huff_shares",
    "isochrone_polygon",
    "isochrone_polygons",
    "node_times",
    "od_minutes",
    "port_sheds",
    "port_times",
    "reach_minutes",
    "reachable_segments",
    "resolve_waits",
    "snap_points",
    "sparse_graph",
    "straightline_seconds",
    "travel_time_surface",
    "two_step_fca",
]


class _CallableModule(types.ModuleType):
    """``binational.catchments`` is both this subpackage and the function: once the subpackage
    is imported it shadows the lazy ``binational.catchments`` attribute, so calling the module
    calls :func:`catchments`."""

    def __call__(self, *args, **kwargs) -> CatchmentResult:
        return catchments(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
