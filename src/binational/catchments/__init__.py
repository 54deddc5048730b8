"""Cross-border commuting catchments: travel time from each port of entry, with the border wait.

The entry point is :func:`catchments` (also ``binational.catchments(...)``)::

    region = binational.load_region("tijuana-san-diego")
    result = binational.catchments(region, minutes=(15, 30, 45, 60), hour=7,
                                   wait_source="historical", wait_fallback=2504)
    result.isochrones, result.units, result.summary, result.method

Modules, in the order data flows through them:

- :mod:`~binational.catchments.inputs` — bring your own units (``columns=``, country from
  polygons) and ports.
- :mod:`~binational.network.speeds` and :mod:`~binational.network` — a parsed road
  network made routable: speeds, border edges, projection (a plain osmnx graph is enough).
- :mod:`~binational.catchments.graph` — the road network as a sparse matrix; border edges kept
  apart; snapping points to nodes.
- :mod:`~binational.catchments.links` — the routing graph of a run, units linked to it.
- :mod:`~binational.catchments.traveltime` — times to and from every port end, one multi-source
  Dijkstra pass per direction.
- :mod:`~binational.catchments.waits` — one wait per port (a wait table, tidy frame or dict).
- :mod:`~binational.catchments.cost` — scenarios (wait table, closed port, new port) and
  crossing costs.
- :mod:`~binational.catchments.isochrones` — polygons per port and minute band, population
  inside.
- :mod:`~binational.catchments.allocation` — best port, port-sheds, Huff shares, 2SFCA;
  :mod:`~binational.catchments.allocate` puts them on the unit table.
- :mod:`~binational.catchments.port_isochrones` — the isochrones step of a run.
- :mod:`~binational.catchments.options` — the options of every step, grouped in dataclasses.
- :mod:`~binational.catchments.straightline` — the fallback when there is no road network.
- :mod:`~binational.catchments.api` — :func:`catchments` itself.
"""

from __future__ import annotations

import sys
import types

from ..network import mark_border_edges, prepare_network
from ..network.speeds import impute_speeds
from .allocate import allocate_units, catchment_summary
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
)
from .graph import SparseGraph, snap_points, sparse_graph
from .inputs import catchment_units, port_names, port_points
from .isochrones import (
    area_weighted_population,
    isochrone_polygon,
    isochrone_polygons,
    reachable_segments,
)
from .links import UnitLinks, check_port_ends, link_units, routing_graph, straightline_links
from .options import (
    AccessOptions,
    CatchmentOptions,
    IsochroneOptions,
    LinkOptions,
    StraightLineOptions,
    WaitOptions,
)
from .port_isochrones import port_isochrones
from .straightline import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH, straightline_seconds
from .traveltime import PortTimes, node_times, port_times
from .waits import port_waits, resolve_waits, tidy_waits

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_CIRCUITY",
    "DEFAULT_SPEED_KPH",
    "OTAY_MESA_EAST",
    "AccessOptions",
    "CatchmentOptions",
    "CatchmentResult",
    "IsochroneOptions",
    "LinkOptions",
    "LinkTimes",
    "NewPort",
    "PortTimes",
    "Scenario",
    "SparseGraph",
    "StraightLineOptions",
    "UnitLinks",
    "WaitOptions",
    "add_ports",
    "allocate_units",
    "apply_scenario",
    "area_weighted_population",
    "best_ports",
    "catchment_summary",
    "catchment_units",
    "catchments",
    "check_port_ends",
    "close_ports",
    "crossing_minutes",
    "huff_shares",
    "impute_speeds",
    "isochrone_polygon",
    "isochrone_polygons",
    "link_units",
    "mark_border_edges",
    "node_times",
    "od_minutes",
    "port_isochrones",
    "port_names",
    "port_points",
    "port_sheds",
    "port_times",
    "port_waits",
    "prepare_network",
    "reach_minutes",
    "reachable_segments",
    "resolve_waits",
    "routing_graph",
    "snap_points",
    "sparse_graph",
    "straightline_links",
    "straightline_seconds",
    "tidy_waits",
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
