"""How units reach the ports: the routing graph, units snapped to it, per-link drive times.

The steps, each usable alone:

- :func:`routing_graph`: any road network (an osmnx graph, a prepared graph, node/edge frames
  or a :class:`~binational.catchments.graph.SparseGraph`) → the sparse routing graph in the
  units' CRS, with a scenario's ports closed or added;
- :func:`~binational.catchments.traveltime.port_times` then :func:`check_port_ends`;
- :func:`link_units` (network) or :func:`straightline_links` (no network): every unit's drive
  time to (departure side) or from (arrival side) each border link, as a :class:`UnitLinks`.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import CRSMismatchError
from ..network import prepare_network
from . import straightline as sl
from .cost import LinkTimes, Scenario, apply_scenario, direction_sides
from .graph import SparseGraph, snap_points, sparse_graph
from .traveltime import PortTimes

__all__ = [
    "PORT_END_OFF_NETWORK",
    "PORT_NOT_IN_NETWORK",
    "SNAP_TOO_FAR",
    "UnitLinks",
    "check_port_ends",
    "link_units",
    "routing_graph",
    "straightline_links",
]

log = get_logger(__name__)

# Reasons recorded in the drop report
SNAP_TOO_FAR = "unit_farther_than_max_snap"
PORT_NOT_IN_NETWORK = "port_without_border_edge"
PORT_END_OFF_NETWORK = "port_end_off_main_component"


class UnitLinks(NamedTuple):
    """Units linked to the border: what :func:`link_units` and :func:`straightline_links` return.

    Attributes
    ----------
    snap
        Per unit: ``node`` (position, −1 if not snapped), ``node_id``, ``snap_m``, ``snapped``.
    times
        Drive times of the departure-side units to each link and from each link to the
        arrival-side units.
    origin, dest
        Row positions in the unit table of the departure-side and arrival-side units.
    """

    snap: pd.DataFrame
    times: LinkTimes
    origin: np.ndarray
    dest: np.ndarray


def routing_graph(
    network,
    *,
    crs,
    ports: gpd.GeoDataFrame | None = None,
    countries: gpd.GeoDataFrame | None = None,
    scenario: Scenario | None = None,
    max_snap_m: float = 2000.0,
    report: DropReport | None = None,
) -> SparseGraph:
    """Return the sparse routing graph of a road network, in ``crs``, with a scenario applied.

    A networkx graph is first prepared (:func:`~binational.network.prepare_network`):
    a plain osmnx ``MultiDiGraph`` (unprojected, without ``country``, ``crosses_border`` or
    ``port_code``) is projected to ``crs``, its speeds imputed, its nodes given the country of
    the ``countries`` polygon they lie in and its border edges the code of the nearest port.

    Parameters
    ----------
    network
        A networkx/osmnx graph (prepared in place when it is already in ``crs``), a
        ``(nodes, edges)`` frame pair or a :class:`~binational.catchments.graph.SparseGraph`.
    crs
        The units' (metric) CRS.
    ports
        Ports (``port_code``, points): needed to mark the border edges of a plain graph; ports
        without a border edge are reported.
    countries
        Country polygons (``country`` US/MX) for the nodes of a plain graph.
    scenario
        Ports to close or add.
    max_snap_m
        A new port's ends snap to nodes within this distance.
    report
        Receives ports without a border edge and everything the graph leaves out.

    Returns
    -------
    SparseGraph

    Raises
    ------
    binational.errors.CRSMismatchError
        A frame pair or SparseGraph in another CRS than the units.
    """
    report = report if report is not None else DropReport()
    crs = pyproj.CRS.from_user_input(crs)
    if hasattr(network, "edges") and hasattr(network, "graph"):
        network = prepare_network(network, crs=crs, ports=ports, border=countries, report=report)
    graph = sparse_graph(network, report=report)
    if graph.crs != crs:
        raise CRSMismatchError(
            f"the network is in {graph.crs.to_string()} but the units are in {crs.to_string()}"
        )
    graph = apply_scenario(graph, scenario, max_snap_m=max_snap_m)
    if ports is not None and schema.PORT_CODE in ports.columns:
        absent = sorted(
            set(ports[schema.PORT_CODE].astype(int)) - set(graph.border[schema.PORT_CODE])
        )
        closed = set(scenario.closed) if scenario is not None else set()
        absent = [c for c in absent if c not in closed]
        report.add("ports", absent, PORT_NOT_IN_NETWORK, "no road link across the line")
    return graph


def check_port_ends(
    graph: SparseGraph, pt: PortTimes, direction: str, report: DropReport | None = None
) -> list[str]:
    """Report port ends cut off from the main network of their side (a disconnected stub).

    A departure end is fine when some node of the side's main component can drive to it; an
    arrival end when it can drive to some node of that component.

    Parameters
    ----------
    graph, pt
        The routing graph and its port times.
    direction
        ``"northbound"`` or ``"southbound"``.
    report
        Receives the ends cut off.

    Returns
    -------
    list of str
        ``port:direction:end:node`` labels of the ends cut off.
    """
    rows = np.flatnonzero(pt.border["direction"].to_numpy() == direction)
    bad = []
    for e in rows:
        for table, col, end in (
            (pt.to_tail, "u_idx", "departure"),
            (pt.from_head, "v_idx", "arrival"),
        ):
            node = int(pt.border[col].iloc[e])
            main = graph.routable & (graph.country == graph.country[node])
            if not np.isfinite(table[e][main]).any():
                code = int(pt.border[schema.PORT_CODE].iloc[e])
                label = f"{code}:{direction}:{end}:{graph.node_ids[node]}"
                if label not in bad:
                    bad.append(label)
                    log.warning(
                        "port %s %s: the %s end (node %s) is cut off from the main network of "
                        "its side; the port reaches nothing there",
                        code,
                        direction,
                        end,
                        graph.node_ids[node],
                    )
    if report is not None:
        report.add("network", bad, PORT_END_OFF_NETWORK, "port end in a disconnected component")
    return bad


def link_units(
    graph: SparseGraph,
    pt: PortTimes,
    units: gpd.GeoDataFrame,
    *,
    direction: str,
    access_speed_kph: float | None = 15.0,
    max_snap_m: float = 2000.0,
    report: DropReport | None = None,
) -> UnitLinks:
    """Snap units to the network and gather their drive times to and from every border link.

    Parameters
    ----------
    graph, pt
        The routing graph and its port times (:func:`~binational.catchments.port_times`).
    units
        Unit table with ``unit_id``, ``country`` and geometry, in the graph's CRS.
    direction
        ``"northbound"`` (departure side MX) or ``"southbound"``.
    access_speed_kph
        Speed from a unit's representative point to its node (None: no access time).
    max_snap_m
        Units farther than this from every routable node of their side are not snapped
        (reported as ``unit_farther_than_max_snap``).
    report
        Receives the units not snapped.

    Returns
    -------
    UnitLinks
    """
    report = report if report is not None else DropReport()
    origin_side, _ = direction_sides(direction)
    snap = snap_points(graph, units, country=schema.COUNTRY, max_distance=max_snap_m)
    far = ~snap["snapped"].to_numpy()
    report.add("units", units.loc[far, schema.UNIT_ID], SNAP_TOO_FAR, f"max_snap_m={max_snap_m:g}")
    rows = np.flatnonzero(pt.border["direction"].to_numpy() == direction)
    links = pt.border.iloc[rows][[schema.PORT_CODE, "direction", "travel_time"]].reset_index(
        drop=True
    )
    o_idx, d_idx = _sides(units, origin_side)
    penalty = np.zeros(len(units))
    if access_speed_kph:
        penalty = snap["snap_m"].to_numpy() / (access_speed_kph / 3.6)
    nodes = snap["node"].to_numpy()

    def gather(table: np.ndarray, where: np.ndarray) -> np.ndarray:
        out = np.full((len(rows), len(where)), np.inf)
        ok = nodes[where] >= 0
        out[:, ok] = table[rows][:, nodes[where][ok]] + penalty[where][ok]
        return out

    times = LinkTimes(
        links=links, origin=gather(pt.to_tail, o_idx), dest=gather(pt.from_head, d_idx)
    )
    return UnitLinks(snap, times, o_idx, d_idx)


def straightline_links(
    port_frame: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    direction: str,
    circuity: float = sl.DEFAULT_CIRCUITY,
    speed_kph: float = sl.DEFAULT_SPEED_KPH,
) -> UnitLinks:
    """Drive times of the straight-line model: every unit to and from every port point.

    Parameters
    ----------
    port_frame
        Port points (:func:`~binational.catchments.inputs.port_points`).
    units
        Unit table with ``country`` and geometry, in the same CRS.
    direction
        ``"northbound"`` or ``"southbound"``.
    circuity, speed_kph
        The straight-line model.

    Returns
    -------
    UnitLinks
        With every unit counted as snapped (``snap_m`` NaN).
    """
    origin_side, _ = direction_sides(direction)
    o_idx, d_idx = _sides(units, origin_side)
    times = sl.straightline_link_times(
        port_frame,
        units.geometry.iloc[o_idx],
        units.geometry.iloc[d_idx],
        direction=direction,
        circuity=circuity,
        speed_kph=speed_kph,
    )
    snap = pd.DataFrame(
        {"node": -1, "node_id": None, "snap_m": np.nan, "snapped": True}, index=units.index
    )
    return UnitLinks(snap, times, o_idx, d_idx)


def _sides(units: gpd.GeoDataFrame, origin_side: str) -> tuple[np.ndarray, np.ndarray]:
    is_origin = units[schema.COUNTRY].to_numpy() == origin_side
    return np.flatnonzero(is_origin), np.flatnonzero(~is_origin)
