"""Minutes to and from each port for every unit, from the catchments machinery.

:func:`port_minutes` uses the same code as :func:`binational.catchments.catchments`: with a road
network, one multi-source shortest-path pass per direction over the sparse graph
(:func:`~binational.catchments.traveltime.port_times`) and units snapped to their side's nodes;
without one, the documented straight-line model (distance × circuity ÷ speed), labelled
``straight-line`` in every output. Pedestrian lanes are reached on foot: straight-line distance
× ``walk_circuity`` ÷ ``walk_kph`` (the road network is a drive network), labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..catchments import straightline as sl
from ..catchments.api import NETWORK, STRAIGHT_LINE
from ..catchments.cost import Scenario, apply_scenario, direction_sides
from ..catchments.graph import SparseGraph, sparse_graph
from ..catchments.inputs import port_points
from ..catchments.links import link_units
from ..catchments.traveltime import port_times
from ..drops import DropReport
from ..errors import NetworkError, SchemaError
from ..io.lanes import WALK_LANES

__all__ = ["DEFAULT_WALK_KPH", "PortMinutes", "port_minutes"]

DEFAULT_WALK_KPH = 5.0
DEFAULT_WALK_CIRCUITY = 1.3


@dataclass(frozen=True)
class PortMinutes:
    """Minutes between units and ports for one direction.

    Attributes
    ----------
    ports
        Port codes (columns of ``drive_to`` / ``walk_to``, rows of ``drive_from``).
    origin_index, dest_index
        Positions of the origin / destination units in the unit table.
    drive_to
        ``n_o × P`` minutes from each origin to the port and across it (drive).
    walk_to
        ``n_o × P`` minutes on foot (straight line) to the port point.
    drive_from
        ``P × n_d`` minutes from the port's far end to each destination.
    walk_from
        ``P × n_d`` minutes on foot from the port point to each destination.
    method
        ``"network"`` or ``"straight-line"`` (drive legs; walk legs are always straight-line).
    graph
        Network method: the routing graph the drive legs were computed on, before any scenario
        (:func:`binational.commuting.run_scenario` reuses it instead of building another).
    """

    ports: tuple[int, ...]
    origin_index: np.ndarray
    dest_index: np.ndarray
    drive_to: np.ndarray
    walk_to: np.ndarray
    drive_from: np.ndarray
    walk_from: np.ndarray
    method: str
    graph: SparseGraph | None = field(default=None, repr=False, compare=False)

    def access(self, options: pd.DataFrame) -> np.ndarray:
        """``n_o × K`` access minutes of the options (walk for pedestrian lanes)."""
        pos = {p: i for i, p in enumerate(self.ports)}
        missing = sorted(set(options[schema.PORT_CODE]) - set(pos))
        if missing:
            raise SchemaError(f"no travel times for port(s) {missing} (ports: {list(self.ports)})")
        cols = [pos[p] for p in options[schema.PORT_CODE]]
        walk = options["lane"].isin(WALK_LANES).to_numpy()
        return np.where(walk[None, :], self.walk_to[:, cols], self.drive_to[:, cols])


def _points_xy(geoms) -> np.ndarray:
    return shapely.get_coordinates(shapely.point_on_surface(np.asarray(geoms)))


def port_minutes(
    units: gpd.GeoDataFrame,
    ports: gpd.GeoDataFrame | None,
    *,
    network=None,
    direction: str = "northbound",
    method: str = "auto",
    scenario: Scenario | None = None,
    circuity: float = sl.DEFAULT_CIRCUITY,
    speed_kph: float = sl.DEFAULT_SPEED_KPH,
    walk_kph: float = DEFAULT_WALK_KPH,
    walk_circuity: float = DEFAULT_WALK_CIRCUITY,
    access_speed_kph: float | None = 15.0,
    max_snap_m: float = 2000.0,
    report: DropReport | None = None,
) -> PortMinutes:
    """Drive and walk minutes between every unit and every port, for one direction.

    Parameters
    ----------
    units
        Unit table (projected CRS, ``country``).
    ports
        Port points with ``port_code`` (straight-line model, walk legs).
    network
        Road network (networkx graph, frame pair or SparseGraph) or None. Pass the
        :class:`~binational.catchments.graph.SparseGraph` of
        :func:`binational.catchments.routing_graph` to share one routing graph between
        catchments, the commuting model and its scenarios (it is then not built again).
    direction
        ``"northbound"``: origins are the Mexican units; ``"southbound"``: the US units.
    method
        ``"network"``, ``"straight-line"`` or ``"auto"`` (network when one is given).
    scenario
        Closed and new ports (:class:`binational.catchments.Scenario`); waits are handled by
        the caller.
    circuity, speed_kph
        Straight-line drive model.
    walk_kph, walk_circuity
        Walking model for pedestrian lanes.
    access_speed_kph, max_snap_m
        As in :func:`binational.catchments.catchments` (network method).
    report
        Receives units that are not snapped.
    """
    report = report if report is not None else DropReport()
    origin_side, _ = direction_sides(direction)
    if method == "auto":
        method = NETWORK if network is not None else STRAIGHT_LINE
    if method not in (NETWORK, STRAIGHT_LINE):
        raise SchemaError(f"method {method!r} must be 'network', 'straight-line' or 'auto'")
    is_origin = units[schema.COUNTRY].to_numpy() == origin_side
    o_idx, d_idx = np.flatnonzero(is_origin), np.flatnonzero(~is_origin)
    port_frame = port_points(ports, crs=units.crs, scenario=scenario)
    base_graph = None
    if method == NETWORK:
        if network is None:
            raise NetworkError("method='network' but no road network was given")
        base_graph = sparse_graph(network, report=report)
        graph = apply_scenario(base_graph, scenario, max_snap_m=max_snap_m)
        _, lt, o_idx, d_idx = link_units(
            graph,
            port_times(graph),
            units,
            direction=direction,
            access_speed_kph=access_speed_kph,
            max_snap_m=max_snap_m,
            report=report,
        )
    else:
        lt = sl.straightline_link_times(
            port_frame,
            units.geometry.iloc[o_idx],
            units.geometry.iloc[d_idx],
            direction=direction,
            circuity=circuity,
            speed_kph=speed_kph,
        )
    codes = tuple(lt.ports())
    tt = lt.links["travel_time"].to_numpy()
    drive_to = np.full((len(o_idx), len(codes)), np.inf)
    drive_from = np.full((len(codes), len(d_idx)), np.inf)
    for j, code in enumerate(codes):
        rows = lt.rows(code)
        drive_to[:, j] = np.min(lt.origin[rows] + tt[rows, None], axis=0) / 60.0
        drive_from[j] = np.min(lt.dest[rows], axis=0) / 60.0
    # walking legs: straight line to the port point (a port without a point: cannot walk)
    pf = port_frame.drop_duplicates(schema.PORT_CODE).set_index(schema.PORT_CODE)
    o_xy = _points_xy(units.geometry.iloc[o_idx].values)
    d_xy = _points_xy(units.geometry.iloc[d_idx].values)
    walk_to = np.full_like(drive_to, np.inf)
    walk_from = np.full_like(drive_from, np.inf)
    speed = walk_kph / 3.6
    for j, code in enumerate(codes):
        if code not in pf.index:
            continue
        px, py = _points_xy([pf.geometry.loc[code]])[0]
        walk_to[:, j] = np.hypot(o_xy[:, 0] - px, o_xy[:, 1] - py) * walk_circuity / speed / 60
        walk_from[j] = np.hypot(d_xy[:, 0] - px, d_xy[:, 1] - py) * walk_circuity / speed / 60
    return PortMinutes(
        ports=codes,
        origin_index=o_idx,
        dest_index=d_idx,
        drive_to=drive_to,
        walk_to=walk_to,
        drive_from=drive_from,
        walk_from=walk_from,
        method=method,
        graph=base_graph,
    )
