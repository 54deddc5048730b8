"""``catchments(region, ...)``: isochrones, per-unit allocation and a summary in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import CRSError, CRSMismatchError, NetworkError, SchemaError
from . import straightline as sl
from .allocation import DEFAULT_BETA, best_ports, huff_shares, port_sheds, two_step_fca
from .cost import (
    LinkTimes,
    Scenario,
    apply_scenario,
    crossing_minutes,
    direction_sides,
    lane_label,
    od_minutes,
    reach_minutes,
    resolve_waits,
)
from .graph import SparseGraph, snap_points, sparse_graph
from .isochrones import (
    DEFAULT_BUFFER_M,
    DEFAULT_FILL_HOLES_KM2,
    AreaWeights,
    isochrone_polygons,
    land_by_side,
)
from .isogrid import grid_isochrones, side_grid
from .traveltime import PortTimes, port_times

__all__ = ["CatchmentResult", "catchments", "travel_time_surface"]

log = get_logger(__name__)

NETWORK = "network"
STRAIGHT_LINE = sl.METHOD
ORIGIN, DESTINATION = "origin", "destination"

# Reasons recorded in the drop report
SNAP_TOO_FAR = "unit_farther_than_max_snap"
UNREACHABLE = "unit_reaches_no_port"
PORT_NOT_IN_NETWORK = "port_without_border_edge"
PORT_END_OFF_NETWORK = "port_end_off_main_component"


@dataclass
class CatchmentResult:
    """What :func:`catchments` returns.

    Attributes
    ----------
    isochrones
        One polygon per port × side × minute band × with/without wait: ``port_code``,
        ``port_name``, ``direction``, ``lane``, ``side`` (country), ``role`` (``origin`` = the
        departure side: time to cross; ``destination``: time from joining the queue),
        ``minutes``, ``wait_included``, ``wait_minutes``, ``area_km2``, ``pop`` (area-weighted
        from the unit table), ``pop_units`` (population of the side's units whose own time is
        within the band), ``method``, ``scenario``, ``geometry``.
    units
        The unit table with the allocation: ``role``, ``node_id``, ``snap_m``, ``snapped``,
        ``best_port``, ``best_port_name``, ``best_minutes``, ``best_drive_minutes``,
        ``wait_minutes``, ``second_port``, ``second_minutes``, ``minutes_<port>``,
        ``share_<port>`` (Huff), ``access_2sfca`` (origins), ``ratio_2sfca`` (destinations),
        ``method``.
    summary
        One row per port: wait, port-shed units and population per side, Huff-expected
        population, population within each band (with wait) per side.
    method
        ``"network"`` or ``"straight-line"``.
    port_sheds
        Units dissolved by best port and side.
    waits
        The wait used per port (``wait_minutes``, ``n_rows``, ``wait_source``).
    params
        Every parameter of the run (for reports and file metadata).
    report
        Units not snapped or unreachable, border edges and wait rows left out.
    graph
        The sparse network (with the scenario's ports) or None.
    port_times
        Node times to and from every border edge (network method) or None.
    link_times
        Per-link drive times of the origin and destination units (the input of every cost).
    surface
        The travel-time raster when ``raster=True`` (its zonal statistics are then added to
        ``units`` as ``raster_mean_minutes``, ``raster_min_minutes``, ``raster_max_minutes``
        and ``raster_cells``).
    """

    isochrones: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    summary: pd.DataFrame
    method: str
    port_sheds: gpd.GeoDataFrame
    waits: pd.DataFrame
    params: dict = field(default_factory=dict)
    report: DropReport = field(default_factory=DropReport)
    graph: SparseGraph | None = None
    port_times: PortTimes | None = None
    link_times: LinkTimes | None = None
    surface: object | None = None

    def __repr__(self) -> str:
        return (
            f"<CatchmentResult {self.method}: {self.summary.shape[0]} ports, "
            f"{len(self.isochrones)} isochrones, {len(self.units)} units>"
        )


# ---------------------------------------------------------------------------------------------
# inputs


def _inputs(region, units, ports, network, waits):
    if region is not None:
        units = units if units is not None else getattr(region, "units", None)
        ports = ports if ports is not None else getattr(region, "ports", None)
        network = network if network is not None else getattr(region, "network", None)
        waits = waits if waits is not None else getattr(region, "waits", None)
    if units is None:
        raise SchemaError("catchments need a unit table: pass a region or units=")
    need = [schema.UNIT_ID, schema.COUNTRY, schema.POP_TOTAL, "geometry"]
    missing = [c for c in need if c not in units.columns]
    if missing:
        raise SchemaError(f"unit table lacks column(s) {', '.join(missing)}")
    if units.crs is None:
        raise CRSError("the unit table has no CRS")
    if not pyproj.CRS.from_user_input(units.crs).is_projected:
        raise CRSError(
            f"the unit table is in a geographic CRS ({units.crs.to_string()}); use the region's "
            "projected CRS"
        )
    units = units.reset_index(drop=True)
    if ports is not None and ports.crs is not None and ports.crs != units.crs:
        ports = ports.to_crs(units.crs)
    return units, ports, network, waits


def _port_names(ports: gpd.GeoDataFrame | None, scenario: Scenario | None) -> dict[int, str]:
    names: dict[int, str] = {}
    if ports is not None and schema.PORT_CODE in ports.columns:
        label = "name" if "name" in ports.columns else schema.PORT_CODE
        for code, name in zip(ports[schema.PORT_CODE], ports[label], strict=True):
            names.setdefault(int(code), str(name))
    if scenario is not None:
        for p in scenario.new_ports:
            names[p.port_code] = p.name
    return names


# ---------------------------------------------------------------------------------------------
# network and straight-line link times


def _snapped_links(
    graph,
    pt,
    units,
    *,
    direction: str,
    origin_side: str,
    access_speed_kph: float,
    max_snap_m: float,
    report: DropReport,
):
    """Snap ``units`` to ``graph`` (units farther than ``max_snap_m`` reported as
    :data:`SNAP_TOO_FAR`); return the snap frame and :func:`_network_links` of the units."""
    snap = snap_points(graph, units, country=schema.COUNTRY, max_distance=max_snap_m)
    far = ~snap["snapped"].to_numpy()
    report.add("units", units.loc[far, schema.UNIT_ID], SNAP_TOO_FAR, f"max_snap_m={max_snap_m:g}")
    return (
        snap,
        *_network_links(
            graph,
            pt,
            units,
            snap,
            direction=direction,
            origin_side=origin_side,
            access_speed_kph=access_speed_kph,
        ),
    )


def _network_links(
    graph: SparseGraph,
    pt: PortTimes,
    units: gpd.GeoDataFrame,
    snap: pd.DataFrame,
    *,
    direction: str,
    origin_side: str,
    access_speed_kph: float | None,
) -> tuple[LinkTimes, np.ndarray, np.ndarray]:
    rows = np.flatnonzero(pt.border["direction"].to_numpy() == direction)
    links = pt.border.iloc[rows][[schema.PORT_CODE, "direction", "travel_time"]].reset_index(
        drop=True
    )
    is_origin = units[schema.COUNTRY].to_numpy() == origin_side
    o_idx, d_idx = np.flatnonzero(is_origin), np.flatnonzero(~is_origin)
    penalty = np.zeros(len(units))
    if access_speed_kph:
        penalty = snap["snap_m"].to_numpy() / (access_speed_kph / 3.6)
    nodes = snap["node"].to_numpy()

    def gather(table: np.ndarray, where: np.ndarray) -> np.ndarray:
        out = np.full((len(rows), len(where)), np.inf)
        ok = nodes[where] >= 0
        out[:, ok] = table[rows][:, nodes[where][ok]] + penalty[where][ok]
        return out

    lt = LinkTimes(links=links, origin=gather(pt.to_tail, o_idx), dest=gather(pt.from_head, d_idx))
    return lt, o_idx, d_idx


def _straightline_ports(ports: gpd.GeoDataFrame | None, scenario: Scenario | None, crs):
    if ports is None or schema.PORT_CODE not in getattr(ports, "columns", []):
        raise SchemaError("the straight-line model needs ports (points with port_code)")
    frame = ports[[schema.PORT_CODE, "geometry"]].copy()
    frame[schema.PORT_CODE] = frame[schema.PORT_CODE].astype(int)
    if scenario is not None:
        unknown = [c for c in scenario.closed if c not in set(frame[schema.PORT_CODE])]
        if unknown:
            raise SchemaError(f"cannot close port(s) {unknown}: not among the region's ports")
        frame = frame[~frame[schema.PORT_CODE].isin(scenario.closed)]
        if scenario.new_ports:
            new = gpd.GeoDataFrame(
                {schema.PORT_CODE: [p.port_code for p in scenario.new_ports]},
                geometry=gpd.points_from_xy(
                    [p.lon for p in scenario.new_ports], [p.lat for p in scenario.new_ports]
                ),
                crs="EPSG:4326",
            ).to_crs(crs)
            frame = pd.concat([frame, new], ignore_index=True)
    if frame.empty:
        raise SchemaError("no port left for the straight-line model")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)


# ---------------------------------------------------------------------------------------------
# the one call


def catchments(
    region=None,
    *,
    units: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    network=None,
    waits: pd.DataFrame | None = None,
    minutes: Sequence[float] = (30, 60, 90, 120, 150, 180),
    hour: int | None = 7,
    weekday="weekdays",
    month: int | None = None,
    direction: str = "northbound",
    lane: str | Mapping[str, float] = "commuter",
    scenario: Scenario | None = None,
    wait_stat="median",
    wait_source: str | None = None,
    wait_fallback: int | str | None = None,
    method: str = "auto",
    isochrone_method: str = "grid",
    buffer_m: float = DEFAULT_BUFFER_M,
    fill_holes_km2: float = DEFAULT_FILL_HOLES_KM2,
    land: gpd.GeoDataFrame | None = None,
    max_snap_m: float = 2000.0,
    access_speed_kph: float | None = 15.0,
    beta: float = DEFAULT_BETA,
    attractiveness: Mapping[int, float] | None = None,
    fca_threshold: float = 60.0,
    fca_weight: str = "binary",
    supply: str = schema.POP_TOTAL,
    circuity: float = sl.DEFAULT_CIRCUITY,
    speed_kph: float = sl.DEFAULT_SPEED_KPH,
    raster: bool = False,
    resolution: float = 250.0,
    report: DropReport | None = None,
) -> CatchmentResult:
    """Cross-border catchments of every port: isochrones, best port per unit, summary.

    Parameters
    ----------
    region
        A loaded region (:func:`binational.load_region`): its ``units``, ``ports``, ``waits``
        and ``network`` are used unless given explicitly.
    units, ports, network, waits
        Explicit inputs (override the region's). ``network`` is a networkx graph with
        ``travel_time``/``crosses_border``/``port_code``, a ``(nodes, edges)`` frame pair or a
        :class:`~binational.catchments.graph.SparseGraph`, in the units' projected CRS.
    minutes
        Isochrone bands (cumulative: "within T minutes"). The default, 30 to 180 minutes,
        covers the border wait of the commuting hours.
    hour, weekday, month, lane, wait_stat, wait_source, wait_fallback
        Which wait to use at each port (see :func:`~binational.catchments.cost.resolve_waits`;
        ``wait_fallback=2504`` lends San Ysidro's profile to ports without their own). The
        defaults are commuting conditions: 7 am on weekdays and ``lane="commuter"``, the lane
        mix of northbound work trips in the AM peak
        (:data:`~binational.catchments.cost.COMMUTER_LANE_MIX`); pass ``lane="general"`` for
        one lane.
    direction
        ``"northbound"`` (origins in Mexico, destinations in the US) or ``"southbound"``.
    scenario
        Other waits, closed ports, new ports (:class:`~binational.catchments.cost.Scenario`).
    method
        ``"network"``, ``"straight-line"`` or ``"auto"`` (network if one is given).
    isochrone_method, buffer_m, fill_holes_km2
        ``"grid"`` (default: the buffered reachable edges on a 50 m grid, population counted
        on the same grid), ``"buffer"`` (buffered reachable edges) or ``"hull"``, the buffer in metres
        and the largest hole (km²) filled in a buffered polygon (straight-line: ignored,
        isochrones are discs).
    land
        Land polygons with ``country`` to clip isochrones to (default: the unit polygons of
        each side).
    max_snap_m
        Units whose representative point lies farther than this from every routable node of
        their side are not allocated (reported).
    access_speed_kph
        Speed from a unit's representative point to its node (None: no access time).
    beta, attractiveness
        Huff distance decay per minute and port weights.
    fca_threshold, fca_weight, supply
        2SFCA catchment (minutes), ``"binary"``/``"gaussian"``, and the destination units'
        supply column.
    circuity, speed_kph
        Straight-line model parameters.
    raster, resolution
        Also build the travel-time surface (``result.surface``) at this cell size (m).
    report
        Receives every unit, port, edge or wait row left out.

    Returns
    -------
    CatchmentResult
    """
    report = report if report is not None else DropReport()
    units, ports, network, waits = _inputs(region, units, ports, network, waits)
    crs = pyproj.CRS.from_user_input(units.crs)
    minutes = sorted({float(m) for m in minutes})
    if not minutes or min(minutes) <= 0:
        raise SchemaError(f"minutes must be positive, got {minutes}")
    origin_side, dest_side = direction_sides(direction)
    if method == "auto":
        method = NETWORK if network is not None else STRAIGHT_LINE
    if method not in (NETWORK, STRAIGHT_LINE):
        raise SchemaError(f"method {method!r} must be 'network', 'straight-line' or 'auto'")
    scen_name = scenario.name if scenario is not None else "base"
    names = _port_names(ports, scenario)
    is_origin = units[schema.COUNTRY].to_numpy() == origin_side
    o_idx, d_idx = np.flatnonzero(is_origin), np.flatnonzero(~is_origin)

    graph = pt = None
    snap = pd.DataFrame(
        {"node": -1, "node_id": None, "snap_m": np.nan, "snapped": False}, index=units.index
    )
    if method == NETWORK:
        if network is None:
            raise NetworkError("method='network' but no road network was given")
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
        pt = port_times(graph)
        _check_port_ends(graph, pt, direction, report)
        snap, lt, o_idx, d_idx = _snapped_links(
            graph,
            pt,
            units,
            direction=direction,
            origin_side=origin_side,
            access_speed_kph=access_speed_kph,
            max_snap_m=max_snap_m,
            report=report,
        )
    else:
        port_frame = _straightline_ports(ports, scenario, crs)
        lt = sl.straightline_link_times(
            port_frame,
            units.geometry.iloc[o_idx],
            units.geometry.iloc[d_idx],
            direction=direction,
            circuity=circuity,
            speed_kph=speed_kph,
        )
    port_list = lt.ports()
    if not port_list:
        raise NetworkError(f"no {direction} crossing in the network")
    wait_table = resolve_waits(
        waits,
        port_codes=port_list,
        direction=direction,
        lane=lane,
        hour=hour,
        weekday=weekday,
        month=month,
        stat=wait_stat,
        source=wait_source,
        fallback=wait_fallback,
        scenario=scenario,
        report=report,
    )
    wait_table.insert(1, "port_name", [names.get(c, str(c)) for c in wait_table[schema.PORT_CODE]])
    wait_of = dict(zip(wait_table[schema.PORT_CODE], wait_table["wait_minutes"], strict=True))

    # --- per unit ---------------------------------------------------------------------------
    o_min = crossing_minutes(lt, wait_table)
    o_drive = crossing_minutes(lt, None)
    d_min = reach_minutes(lt, wait_table)
    d_drive = reach_minutes(lt, None)
    o_min.index, o_drive.index = units.index[o_idx], units.index[o_idx]
    d_min.index, d_drive.index = units.index[d_idx], units.index[d_idx]
    per_port = pd.concat([o_min, d_min]).reindex(units.index)
    drive = pd.concat([o_drive, d_drive]).reindex(units.index)
    best = best_ports(per_port)
    shares = huff_shares(per_port, beta=beta, attractiveness=attractiveness)
    od, _ = od_minutes(lt, wait_table)
    if supply not in units.columns:
        raise SchemaError(f"supply column {supply!r} not in the unit table")
    access, ratio = two_step_fca(
        od,
        units[schema.POP_TOTAL].to_numpy(dtype=float)[o_idx],
        units[supply].to_numpy(dtype=float)[d_idx],
        threshold=fca_threshold,
        weight=fca_weight,
    )
    out = units.copy()
    out["role"] = np.where(is_origin, ORIGIN, DESTINATION)
    out["node_id"] = snap["node_id"].to_numpy()
    out["snap_m"] = snap["snap_m"].to_numpy()
    out["snapped"] = snap["snapped"].to_numpy() if method == NETWORK else True
    out["best_port"] = best["best_port"].astype(int)
    out["best_port_name"] = [names.get(c, None) if c >= 0 else None for c in out["best_port"]]
    out["best_minutes"] = best["best_minutes"]
    bp = out["best_port"].to_numpy()
    out["best_drive_minutes"] = [
        drive.at[i, c] if c >= 0 else np.nan for i, c in zip(out.index, bp, strict=True)
    ]
    out["wait_minutes"] = [wait_of.get(c, np.nan) if c >= 0 else np.nan for c in bp]
    out["second_port"] = best["second_port"].astype(int)
    out["second_minutes"] = best["second_minutes"]
    for c in port_list:
        out[f"minutes_{c}"] = per_port[c].replace(np.inf, np.nan)
    for c in port_list:
        out[f"share_{c}"] = shares[c]
    out["access_2sfca"] = np.nan
    out.loc[out.index[o_idx], "access_2sfca"] = access
    out["ratio_2sfca"] = np.nan
    out.loc[out.index[d_idx], "ratio_2sfca"] = ratio
    out["method"] = method
    out["scenario"] = scen_name
    unreachable = (out["best_port"] < 0) & out["snapped"]
    report.add("units", out.loc[unreachable, schema.UNIT_ID], UNREACHABLE, direction)
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=crs)

    # --- isochrones ---------------------------------------------------------------------------
    grid_only = method == NETWORK and isochrone_method == "grid" and land is None
    land_poly = {} if grid_only else land_by_side(units, land=land)
    iso = _isochrones(
        method=method,
        graph=graph,
        pt=pt,
        lt=lt,
        port_frame=None if method == NETWORK else _straightline_ports(ports, scenario, crs),
        units=out,
        land=land_poly,
        minutes=minutes,
        waits=wait_of,
        names=names,
        direction=direction,
        origin_side=origin_side,
        dest_side=dest_side,
        isochrone_method=isochrone_method,
        buffer_m=buffer_m,
        fill_holes_km2=fill_holes_km2,
        circuity=circuity,
        speed_kph=speed_kph,
    )
    iso["lane"] = lane_label(lane)
    iso["scenario"] = scen_name
    iso = iso[[c for c in iso.columns if c != "geometry"] + ["geometry"]]

    sheds = port_sheds(out, out["best_port"])
    sheds.insert(1, "port_name", [names.get(c, None) for c in sheds[schema.PORT_CODE]])
    sheds["role"] = np.where(sheds[schema.COUNTRY] == origin_side, ORIGIN, DESTINATION)
    sheds["method"] = method
    summary = _summary(out, iso, wait_table, shares, port_list, origin_side, dest_side, minutes)
    summary["direction"] = direction
    summary["lane"] = lane_label(lane)
    summary["hour"] = hour
    summary["weekday"] = str(weekday)
    summary["method"] = method
    summary["scenario"] = scen_name

    params = {
        "direction": direction,
        "lane": lane_label(lane),
        "hour": hour,
        "weekday": str(weekday),
        "month": month,
        "minutes": minutes,
        "method": method,
        "isochrone_method": isochrone_method if method == NETWORK else "disc",
        "buffer_m": buffer_m,
        "fill_holes_km2": fill_holes_km2,
        "max_snap_m": max_snap_m,
        "access_speed_kph": access_speed_kph,
        "beta": beta,
        "fca_threshold": fca_threshold,
        "fca_weight": fca_weight,
        "supply": supply,
        "wait_stat": wait_stat,
        "wait_fallback": wait_fallback,
        "scenario": scen_name,
    }
    if method == STRAIGHT_LINE:
        params.update(circuity=circuity, speed_kph=speed_kph)

    result = CatchmentResult(
        isochrones=iso,
        units=out,
        summary=summary,
        method=method,
        port_sheds=sheds,
        waits=wait_table,
        params=params,
        report=report,
        graph=graph,
        port_times=pt,
        link_times=lt,
    )
    if raster:
        result.surface = travel_time_surface(
            result,
            land=land_poly,
            resolution=resolution,
            access_speed_kph=access_speed_kph,
            port_frame=None if method == NETWORK else _straightline_ports(ports, scenario, crs),
        )
        from ..surfaces import zonal_stats

        zs = zonal_stats(result.surface, result.units, stats=("mean", "min", "max", "count"))
        for col in ("mean", "min", "max"):
            result.units.insert(
                len(result.units.columns) - 1, f"raster_{col}_minutes", zs[col].to_numpy()
            )
        result.units.insert(len(result.units.columns) - 1, "raster_cells", zs["count"].to_numpy())
    log.info("%r", result)
    return result


def _check_port_ends(graph: SparseGraph, pt: PortTimes, direction: str, report: DropReport) -> None:
    """Report port ends cut off from the main network of their side (a disconnected stub).

    A departure end is fine when some node of the side's main component can drive to it; an
    arrival end when it can drive to some node of that component.
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
    report.add("network", bad, PORT_END_OFF_NETWORK, "port end in a disconnected component")


def _side_edges(graph: SparseGraph, side: str) -> np.ndarray:
    return np.flatnonzero(graph.country[graph.edge_u] == side)


def _isochrones(
    *,
    method,
    graph,
    pt,
    lt,
    port_frame,
    units,
    land,
    minutes,
    waits,
    names,
    direction,
    origin_side,
    dest_side,
    isochrone_method,
    buffer_m,
    fill_holes_km2,
    circuity,
    speed_kph,
) -> gpd.GeoDataFrame:
    rows = []
    grids: dict = {}  # one grid per side (isochrone_method="grid")
    weights: dict = {}  # one areal-weighting index per side
    for code in lt.ports():
        wait_s = float(waits[code]) * 60.0
        for side, role in ((origin_side, ORIGIN), (dest_side, DESTINATION)):
            col = f"minutes_{code}"
            side_units = units[units[schema.COUNTRY] == side]
            unit_minutes = side_units[col].to_numpy(dtype=float)
            wait_min = wait_s / 60.0
            budgets = []  # (minutes, wait_included, seconds of drive budget)
            for m in minutes:
                budgets.append((m, True, m * 60.0 - wait_s))
                budgets.append((m, False, m * 60.0))
            pops: dict[int, float] = {}
            if method == NETWORK:
                r = pt.edges(code, direction)
                tt = pt.border["travel_time"].to_numpy()[r]
                if role == ORIGIN:
                    node_s = np.min(pt.to_tail[r] + tt[:, None], axis=0)
                else:
                    node_s = np.min(pt.from_head[r] + tt[:, None], axis=0)
                if isochrone_method == "grid":
                    if side not in grids:
                        grids[side] = side_grid(
                            graph,
                            side_units,
                            _side_edges(graph, side),
                            buffer_m=buffer_m,
                            land=land.get(side),
                        )
                    geoms, sums = grid_isochrones(
                        graph,
                        node_s,
                        [b[2] for b in budgets],
                        grids[side],
                        toward=role == ORIGIN,
                        buffer_m=buffer_m,
                        fill_holes_km2=fill_holes_km2,
                        values=side_units[[schema.POP_TOTAL]].to_numpy(dtype=float),
                    )
                    pops = {id(g): float(s[0]) for g, s in zip(geoms, sums, strict=True)}
                else:
                    geoms = isochrone_polygons(
                        graph,
                        node_s,
                        [b[2] for b in budgets],
                        toward=role == ORIGIN,
                        edges=_side_edges(graph, side),
                        method=isochrone_method,
                        buffer_m=buffer_m,
                        land=land.get(side),
                        fill_holes_km2=fill_holes_km2,
                    )
            else:
                pts = np.asarray(port_frame.loc[port_frame[schema.PORT_CODE] == code].geometry)
                geoms = []
                for b in budgets:
                    radius = float(sl.reach_radius_m(b[2], circuity=circuity, speed_kph=speed_kph))
                    disc = (
                        shapely.union_all(shapely.buffer(pts, radius, quad_segs=32))
                        if radius > 0
                        else shapely.Polygon()
                    )
                    if side in land and not disc.is_empty:
                        disc = shapely.intersection(disc, land[side])
                    geoms.append(disc)
            for (m, with_wait, _), geom in zip(budgets, geoms, strict=True):
                if id(geom) not in pops:  # bands that coincide share one polygon
                    if side not in weights:
                        weights[side] = AreaWeights(side_units)
                    pops[id(geom)] = weights[side](geom)[schema.POP_TOTAL]
                pop = pops[id(geom)]
                # the side's own unit times include the wait; without it, take the drive only
                limit = m if with_wait else m + wait_min
                reached = np.nan_to_num(unit_minutes, nan=np.inf) <= limit
                rows.append(
                    {
                        schema.PORT_CODE: code,
                        "port_name": names.get(code, str(code)),
                        "direction": direction,
                        "side": side,
                        "role": role,
                        "minutes": m,
                        "wait_included": with_wait,
                        "wait_minutes": wait_min if with_wait else 0.0,
                        "area_km2": shapely.area(geom) / 1e6,
                        "pop": float(pop),
                        "pop_units": float(
                            np.nansum(side_units[schema.POP_TOTAL].to_numpy(dtype=float)[reached])
                        ),
                        "method": method,
                        "geometry": geom,
                    }
                )
    crs = units.crs
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _summary(units, iso, waits, shares, ports, origin_side, dest_side, minutes) -> pd.DataFrame:
    pop = units[schema.POP_TOTAL].to_numpy(dtype=float)
    rows = []
    for code in ports:
        row = {
            schema.PORT_CODE: code,
            "port_name": waits.loc[waits[schema.PORT_CODE] == code, "port_name"].iloc[0],
        }
        w = waits[waits[schema.PORT_CODE] == code].iloc[0]
        row["wait_minutes"] = w["wait_minutes"]
        row["wait_source"] = w["wait_source"]
        for side, role in ((origin_side, ORIGIN), (dest_side, DESTINATION)):
            on_side = units[schema.COUNTRY].to_numpy() == side
            shed = on_side & (units["best_port"].to_numpy() == code)
            row[f"shed_units_{side}"] = int(shed.sum())
            row[f"shed_pop_{side}"] = float(np.nansum(pop[shed]))
            s = shares[code].to_numpy(dtype=float)
            row[f"huff_pop_{side}"] = float(np.nansum((pop * s)[on_side]))
            if role == ORIGIN:
                t = units["best_minutes"].to_numpy(dtype=float)[shed]
                p = pop[shed]
                ok = np.isfinite(t) & np.isfinite(p)
                row["shed_mean_crossing_minutes"] = (
                    float(np.average(t[ok], weights=p[ok]))
                    if ok.any() and p[ok].sum() > 0
                    else np.nan
                )
        for m in minutes:
            for side in (origin_side, dest_side):
                sel = (
                    (iso[schema.PORT_CODE] == code)
                    & (iso["side"] == side)
                    & (iso["minutes"] == m)
                    & iso["wait_included"]
                )
                row[f"pop_{side}_{m:g}min"] = float(iso.loc[sel, "pop"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def travel_time_surface(
    result: CatchmentResult,
    *,
    land: Mapping[str, object],
    resolution: float = 250.0,
    access_speed_kph: float | None = 15.0,
    port_frame: gpd.GeoDataFrame | None = None,
):
    """Raster of minutes to the nearest port, wait included, on both sides.

    On the departure side a cell holds the time to drive to the best port and across it
    (drive + wait); on the arrival side the time from joining the best port's queue to the cell
    (wait + drive). Network method: the value of the cell's nearest routable node of its side
    plus the distance to it at ``access_speed_kph`` (see :mod:`binational.surfaces`);
    straight-line method: the model evaluated at the cell centre.
    """
    from ..surfaces import function_surface, nearest_node_surface

    direction = result.params["direction"]
    origin_side, dest_side = direction_sides(direction)
    waits = dict(
        zip(result.waits[schema.PORT_CODE], result.waits["wait_minutes"] * 60.0, strict=True)
    )
    crs = result.units.crs
    tags = {
        "method": result.method,
        "direction": direction,
        "lane": str(result.params["lane"]),
        "hour": str(result.params["hour"]),
        "weekday": str(result.params["weekday"]),
        "scenario": str(result.params["scenario"]),
        "origin_side": f"{origin_side}: minutes to drive to the best port and cross, wait included",
        "destination_side": f"{dest_side}: minutes from joining the best port's queue, wait included",
    }
    description = f"minutes to/from the nearest port incl. wait ({direction})"
    if result.method == NETWORK:
        graph, pt = result.graph, result.port_times
        tt = pt.border["travel_time"].to_numpy()
        node_minutes = {}
        for side, table in ((origin_side, pt.to_tail), (dest_side, pt.from_head)):
            best = np.full(len(graph), np.inf)
            for code in pt.ports(direction):
                r = pt.edges(code, direction)
                s = np.min(table[r] + tt[r, None], axis=0) + waits[code]
                best = np.minimum(best, s)
            node_minutes[side] = np.where(graph.routable, best / 60.0, np.inf)
        return nearest_node_surface(
            graph.x,
            graph.y,
            node_minutes,
            graph.country,
            land=land,
            crs=crs,
            resolution=resolution,
            access_speed_kph=access_speed_kph,
            description=description,
            tags=tags,
        )
    pts = shapely.get_coordinates(np.asarray(port_frame.geometry.values))
    codes = port_frame[schema.PORT_CODE].to_numpy()
    circuity = result.params["circuity"]
    speed = result.params["speed_kph"]

    def fn(x, y, side):
        best = np.full(len(x), np.inf)
        for (px, py), code in zip(pts, codes, strict=True):
            d = np.hypot(x - px, y - py)
            s = sl.straightline_seconds(d, circuity=circuity, speed_kph=speed) + waits[code]
            best = np.minimum(best, s)
        return best / 60.0

    tags["circuity"] = str(circuity)
    tags["speed_kph"] = str(speed)
    return function_surface(
        fn, land=land, crs=crs, resolution=resolution, description=description, tags=tags
    )
