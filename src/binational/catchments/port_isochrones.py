"""The isochrones step: one polygon per port × side × minute band × with/without the wait.

Network method: the reachable edges of each side (:mod:`~binational.catchments.isogrid` or
:mod:`~binational.catchments.isochrones`); straight-line method: discs around the port points,
clipped to land.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..errors import SchemaError
from . import straightline as sl
from .allocate import DESTINATION, ORIGIN
from .cost import direction_sides
from .graph import SparseGraph
from .isochrones import AreaWeights, isochrone_polygons
from .links import UnitLinks
from .options import IsochroneOptions, StraightLineOptions
from .traveltime import PortTimes

__all__ = ["port_isochrones"]


def port_isochrones(
    units: gpd.GeoDataFrame,
    links: UnitLinks,
    waits: pd.DataFrame,
    *,
    minutes: Sequence[float],
    direction: str,
    graph: SparseGraph | None = None,
    port_times: PortTimes | None = None,
    port_frame: gpd.GeoDataFrame | None = None,
    land: Mapping[str, object] | None = None,
    options: IsochroneOptions | None = None,
    straight_line: StraightLineOptions | None = None,
    names: Mapping[int, str] | None = None,
) -> gpd.GeoDataFrame:
    """Isochrones of every port on both sides, with the population inside.

    Parameters
    ----------
    units
        The allocated unit table (:func:`~binational.catchments.allocate.allocate_units`:
        ``minutes_<port>`` per unit).
    links
        The unit links the allocation used (their ports are drawn).
    waits
        One wait per port (``port_code``, ``wait_minutes``).
    minutes
        Bands, cumulative ("within T minutes").
    direction
        ``"northbound"`` or ``"southbound"``.
    graph, port_times
        The routing graph and its port times: network method.
    port_frame
        Port points (:func:`~binational.catchments.inputs.port_points`): straight-line method
        (used when ``graph`` is None).
    land
        ``{country: polygon}`` to clip to (:func:`~binational.catchments.isochrones.land_by_side`);
        None or a missing side: no clipping (the grid method then uses the side's units).
    options
        Network isochrone method, buffer and holes filled.
    straight_line
        Circuity and speed of the straight-line model.
    names
        Port names.

    Returns
    -------
    geopandas.GeoDataFrame
        ``port_code``, ``port_name``, ``direction``, ``side``, ``role``, ``minutes``,
        ``wait_included``, ``wait_minutes``, ``area_km2``, ``pop``, ``pop_units``, ``method``,
        ``geometry``.
    """
    options = options if options is not None else IsochroneOptions()
    straight_line = straight_line if straight_line is not None else StraightLineOptions()
    land = dict(land or {})
    names = names or {}
    if graph is None and port_frame is None:
        raise SchemaError("port_isochrones needs a graph (network) or port_frame (straight line)")
    method = "network" if graph is not None else sl.METHOD
    origin_side, dest_side = direction_sides(direction)
    wait_of = dict(zip(waits[schema.PORT_CODE], waits["wait_minutes"], strict=True))
    rows = []
    grids: dict = {}  # one grid per side (options.method == "grid")
    areal: dict = {}  # one areal-weighting index per side
    for code in links.times.ports():
        wait_s = float(wait_of[code]) * 60.0
        for side, role in ((origin_side, ORIGIN), (dest_side, DESTINATION)):
            side_units = units[units[schema.COUNTRY] == side]
            budgets = []  # (minutes, wait_included, seconds of drive budget)
            for m in minutes:
                budgets.append((m, True, m * 60.0 - wait_s))
                budgets.append((m, False, m * 60.0))
            seconds = [b[2] for b in budgets]
            if graph is not None:
                geoms, pops = _network_polygons(
                    graph, port_times, code, direction, role, side, side_units, seconds,
                    land=land, options=options, grids=grids,
                )  # fmt: skip
            else:
                geoms, pops = _discs(
                    port_frame, code, side, seconds, land, straight_line, side_units, areal
                )
            rows += _band_rows(
                budgets, geoms, pops, side_units, code=code, side=side, role=role, areal=areal,
                wait_min=wait_s / 60.0, direction=direction, method=method,
                name=names.get(code, str(code)),
            )  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=units.crs)


def _side_edges(graph: SparseGraph, side: str) -> np.ndarray:
    return np.flatnonzero(graph.country[graph.edge_u] == side)


def _network_polygons(
    graph, pt, code, direction, role, side, side_units, seconds, *, land, options, grids
) -> tuple[list, dict]:
    r = pt.edges(code, direction)
    tt = pt.border["travel_time"].to_numpy()[r]
    table = pt.to_tail if role == ORIGIN else pt.from_head
    node_s = np.min(table[r] + tt[:, None], axis=0)
    if options.method != "grid":
        geoms = isochrone_polygons(
            graph,
            node_s,
            seconds,
            toward=role == ORIGIN,
            edges=_side_edges(graph, side),
            method=options.method,
            buffer_m=options.buffer_m,
            land=land.get(side),
            fill_holes_km2=options.fill_holes_km2,
        )
        return geoms, {}
    from .isogrid import grid_isochrones, side_grid  # scipy.ndimage: only for the grid

    if side not in grids:
        grids[side] = side_grid(
            graph,
            side_units,
            _side_edges(graph, side),
            buffer_m=options.buffer_m,
            land=land.get(side),
        )
    geoms, sums = grid_isochrones(
        graph,
        node_s,
        seconds,
        grids[side],
        toward=role == ORIGIN,
        buffer_m=options.buffer_m,
        fill_holes_km2=options.fill_holes_km2,
        values=side_units[[schema.POP_TOTAL]].to_numpy(dtype=float),
    )
    return geoms, {id(g): float(s[0]) for g, s in zip(geoms, sums, strict=True)}


def _discs(
    port_frame, code, side, seconds, land, straight_line, side_units, areal
) -> tuple[list, dict]:
    """Discs of the reach radius of each budget around the port, clipped to land, and the
    population inside each (one polygon per distinct radius)."""
    pts = np.asarray(port_frame.loc[port_frame[schema.PORT_CODE] == code].geometry)
    side_land = land.get(side)
    if side not in areal:
        areal[side] = AreaWeights(side_units, land=side_land)
    by_radius: dict[float, object] = {}
    pops: dict[int, float] = {}
    geoms = []
    for s in seconds:
        radius = float(
            sl.reach_radius_m(s, circuity=straight_line.circuity, speed_kph=straight_line.speed_kph)
        )
        if radius not in by_radius:
            discs = shapely.buffer(pts, radius, quad_segs=32) if radius > 0 else []
            if len(discs) == 0:
                disc = shapely.Polygon()
            else:  # one crossing point: its disc; several (bridges of one port): their union
                disc = discs[0] if len(discs) == 1 else shapely.union_all(discs)
            clipped = disc
            if side_land is not None and not disc.is_empty:
                clipped = shapely.intersection(disc, side_land)
            by_radius[radius] = clipped
            pops[id(clipped)] = float(areal[side](clipped, unclipped=disc)[schema.POP_TOTAL])
        geoms.append(by_radius[radius])
    return geoms, pops


def _band_rows(
    budgets,
    geoms,
    pops,
    side_units,
    *,
    code,
    side,
    role,
    wait_min,
    direction,
    method,
    name,
    areal: dict | None = None,
) -> list[dict]:
    unit_minutes = side_units[f"minutes_{code}"].to_numpy(dtype=float)
    unit_pop = side_units[schema.POP_TOTAL].to_numpy(dtype=float)
    rows = []
    for (m, with_wait, _), geom in zip(budgets, geoms, strict=True):
        if id(geom) not in pops:  # bands that coincide share one polygon
            areal = areal if areal is not None else {}
            if side not in areal:
                areal[side] = AreaWeights(side_units)
            pops[id(geom)] = areal[side](geom)[schema.POP_TOTAL]
        # the side's own unit times include the wait; without it, take the drive only
        limit = m if with_wait else m + wait_min
        reached = np.nan_to_num(unit_minutes, nan=np.inf) <= limit
        rows.append(
            {
                schema.PORT_CODE: code,
                "port_name": name,
                "direction": direction,
                "side": side,
                "role": role,
                "minutes": m,
                "wait_included": with_wait,
                "wait_minutes": wait_min if with_wait else 0.0,
                "area_km2": shapely.area(geom) / 1e6,
                "pop": float(pops[id(geom)]),
                "pop_units": float(np.nansum(unit_pop[reached])),
                "method": method,
                "geometry": geom,
            }
        )
    return rows
