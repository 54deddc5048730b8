"""``catchments(region, ...)``: isochrones, per-unit allocation and a summary in one call.

:func:`catchments` is a short chain of public steps, each usable alone:

1. :func:`~binational.catchments.inputs.catchment_units`: any unit table (``columns=``
   mapping, country from polygons) in metres;
2. :func:`~binational.catchments.links.routing_graph` (a plain osmnx graph is projected, timed
   and border-marked inside), :func:`~binational.catchments.traveltime.port_times`,
   :func:`~binational.catchments.links.check_port_ends`;
3. :func:`~binational.catchments.links.link_units` (or, without a network,
   :func:`~binational.catchments.inputs.port_points` and
   :func:`~binational.catchments.links.straightline_links`);
4. :func:`~binational.catchments.waits.port_waits`: one wait per port for an hour and lane mix;
5. :func:`~binational.catchments.allocate.allocate_units`: best port, Huff shares, 2SFCA;
6. :func:`~binational.catchments.port_isochrones.port_isochrones`;
7. :func:`~binational.catchments.allocate.catchment_summary`, and optionally
   :func:`travel_time_surface`.

Options are grouped by step in :class:`~binational.catchments.options.CatchmentOptions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from .._defaults import COMMUTER
from .._log import get_logger
from .._progress import step
from ..drops import DropReport
from ..errors import NetworkError, SchemaError
from . import straightline as sl
from .allocate import DESTINATION, ORIGIN, allocate_units, catchment_summary
from .allocation import port_sheds
from .cost import LinkTimes, Scenario, direction_sides
from .graph import SparseGraph
from .inputs import catchment_units, port_names, port_points
from .isochrones import land_by_side
from .links import check_port_ends, link_units, routing_graph, straightline_links
from .options import CatchmentOptions
from .port_isochrones import port_isochrones
from .traveltime import PortTimes, port_times
from .waits import lane_label, port_waits

__all__ = ["CatchmentResult", "catchments", "travel_time_surface"]

log = get_logger(__name__)

NETWORK = "network"
STRAIGHT_LINE = sl.METHOD


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


def catchments(
    region=None,
    *,
    units: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    network=None,
    waits=None,
    countries: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    minutes: Sequence[float] = COMMUTER.minutes,
    direction: str = "northbound",
    scenario: Scenario | None = None,
    method: str = "auto",
    land: gpd.GeoDataFrame | None = None,
    options: CatchmentOptions | None = None,
    report: DropReport | None = None,
    **flat,
) -> CatchmentResult:
    """Cross-border catchments of every port: isochrones, best port per unit, summary.

    Bring your own data: ``units`` may be any GeoDataFrame (name its columns with
    ``columns={"unit_id": "GEOID", "pop_total": "POP", "country": "side"}``; without a country
    column, pass ``countries`` polygons); ``network`` may be a plain osmnx ``MultiDiGraph``
    (e.g. from ``osmnx.graph_from_polygon``, unprojected, without ``country``,
    ``crosses_border`` or ``port_code``): with ``ports`` and ``countries`` it is projected to the
    units' CRS, its speeds imputed, its nodes given their country and its border edges the
    nearest port's code here (:func:`~binational.network.prepare_network`);
    ``waits`` may be a tidy frame ``port_code, hour, minutes`` (optional lane, direction,
    weekday) or a dict ``{port_code: minutes}`` / ``{(port_code, hour): minutes}``. Layers in a
    CRS in feet are reprojected to metres (:func:`binational._crs.to_metric`).

    Parameters
    ----------
    region
        A loaded region (:func:`binational.load_region`): its ``units``, ``ports``, ``waits``
        and ``network`` are used unless given explicitly.
    units, ports, network, waits
        Explicit inputs (override the region's). ``network`` is a networkx/osmnx graph, a
        ``(nodes, edges)`` frame pair or a
        :class:`~binational.catchments.graph.SparseGraph`: pass the one
        :func:`~binational.catchments.links.routing_graph` built to share it with other
        analyses (``commuting``, ``run_scenario``) instead of building it again; what its
        build left out is added to ``report`` as if it were built here.
    countries
        Country polygons with a ``country`` column (US/MX), for units and network nodes that
        lack a country.
    columns
        Names of the unit table's ``unit_id``, ``country`` and ``pop_total`` columns.
    minutes
        Isochrone bands (cumulative: "within T minutes"). The default, 30 to 180 minutes,
        covers the border wait of the commuting hours.
    direction
        ``"northbound"`` (origins in Mexico, destinations in the US) or ``"southbound"``.
    scenario
        Other waits, closed ports, new ports (:class:`~binational.catchments.cost.Scenario`).
    method
        ``"network"``, ``"straight-line"`` or ``"auto"`` (network if one is given).
    land
        Land polygons with ``country`` to clip isochrones to (default: the unit polygons of
        each side).
    options
        Options of every step (:class:`~binational.catchments.options.CatchmentOptions`): the
        wait (hour 7 on weekdays, ``lane="commuter"``), the snapping, the isochrone drawing,
        Huff and 2SFCA, the straight-line model and the optional raster.
    report
        Receives every unit, port, edge or wait row left out.
    **flat
        Any option by its flat name (``hour=8``, ``lane="general"``, ``wait_source=
        "historical"``, ``wait_fallback=2504``, ``buffer_m=300``, ``max_snap_m=500``,
        ``raster=True``, ...: :data:`~binational.catchments.options.FLAT_KEYWORDS`), applied
        over ``options``.

    Returns
    -------
    CatchmentResult
    """
    report = report if report is not None else DropReport()
    opts = (options if options is not None else CatchmentOptions()).replace(**flat)
    units, ports, network, waits, countries = _inputs(
        region, units, ports, network, waits, countries, columns
    )
    minutes = sorted({float(m) for m in minutes})
    if not minutes or min(minutes) <= 0:
        raise SchemaError(f"minutes must be positive, got {minutes}")
    direction_sides(direction)
    if method == "auto":
        method = NETWORK if network is not None else STRAIGHT_LINE
    if method not in (NETWORK, STRAIGHT_LINE):
        raise SchemaError(f"method {method!r} must be 'network', 'straight-line' or 'auto'")
    scen_name = scenario.name if scenario is not None else "base"
    names = port_names(ports, scenario)
    with step("network preparation and travel times from the ports"):
        graph, pt, port_frame, links = _link_step(
            method, network, units, ports, countries, scenario, direction, opts, report
        )
    if not links.times.ports():
        raise NetworkError(f"no {direction} crossing in the network")
    wait_table = port_waits(
        waits,
        ports=links.times.ports(),
        direction=direction,
        options=opts.waits,
        scenario=scenario,
        names=names,
        report=report,
    )
    out = allocate_units(
        units,
        links,
        wait_table,
        direction=direction,
        options=opts.access,
        names=names,
        method=method,
        scenario=scen_name,
        report=report,
    )
    # the grid isochrones clip to the units themselves; the raster surface needs the land
    grid_only = (
        method == NETWORK and opts.isochrones.method == "grid" and land is None and not opts.raster
    )
    land_poly = {} if grid_only else land_by_side(units, land=_in_crs(land, units.crs))
    with step("isochrones"):
        iso = port_isochrones(
            out,
            links,
            wait_table,
            minutes=minutes,
            direction=direction,
            graph=graph,
            port_times=pt,
            port_frame=port_frame,
            land=land_poly,
            options=opts.isochrones,
            straight_line=opts.straight_line,
            names=names,
        )
    labels = {
        "direction": direction,
        "lane": lane_label(opts.waits.lane),
        "hour": opts.waits.hour,
        "weekday": str(opts.waits.weekday),
        "method": method,
        "scenario": scen_name,
    }
    iso["lane"] = labels["lane"]
    iso["scenario"] = scen_name
    iso = iso[[c for c in iso.columns if c != "geometry"] + ["geometry"]]
    summary = catchment_summary(out, iso, wait_table, direction=direction, minutes=minutes)
    summary = summary.assign(**labels)
    result = CatchmentResult(
        isochrones=iso,
        units=out,
        summary=summary,
        method=method,
        port_sheds=_sheds(out, names, direction, method),
        waits=wait_table,
        params=_params(opts, labels, minutes, month=opts.waits.month),
        report=report,
        graph=graph,
        port_times=pt,
        link_times=links.times,
    )
    if opts.raster:
        _add_surface(result, land_poly, port_frame, opts)
    log.info("%r", result)
    return result


def _link_step(method, network, units, ports, countries, scenario, direction, opts, report):
    """Routing graph, port times and unit links (network) or port points and links."""
    crs = units.crs
    graph = pt = port_frame = None
    if method == NETWORK:
        if network is None:
            raise NetworkError("method='network' but no road network was given")
        graph = routing_graph(
            network,
            crs=crs,
            ports=ports,
            countries=countries,
            scenario=scenario,
            max_snap_m=opts.links.max_snap_m,
            report=report,
        )
        pt = port_times(graph)
        check_port_ends(graph, pt, direction, report)
        links = link_units(
            graph,
            pt,
            units,
            direction=direction,
            access_speed_kph=opts.links.access_speed_kph,
            max_snap_m=opts.links.max_snap_m,
            report=report,
        )
    else:
        port_frame = port_points(ports, crs=crs, scenario=scenario)
        links = straightline_links(
            port_frame,
            units,
            direction=direction,
            circuity=opts.straight_line.circuity,
            speed_kph=opts.straight_line.speed_kph,
        )
    return graph, pt, port_frame, links


def _inputs(region, units, ports, network, waits, countries, columns):
    if region is not None:
        units = units if units is not None else getattr(region, "units", None)
        ports = ports if ports is not None else getattr(region, "ports", None)
        network = network if network is not None else getattr(region, "network", None)
        waits = waits if waits is not None else getattr(region, "waits", None)
    if units is None:
        raise SchemaError("catchments need a unit table: pass a region or units=")
    units = catchment_units(units, columns=columns, countries=countries)
    return units, _in_crs(ports, units.crs), network, waits, _in_crs(countries, units.crs)


def _in_crs(frame, crs):
    """A user's layer (ports, country or land polygons) in the units' metric CRS."""
    if frame is not None and frame.crs is not None and frame.crs != crs:
        return frame.to_crs(crs)
    return frame


def _sheds(out: gpd.GeoDataFrame, names, direction: str, method: str) -> gpd.GeoDataFrame:
    origin_side, _ = direction_sides(direction)
    sheds = port_sheds(out, out["best_port"])
    sheds.insert(1, "port_name", [names.get(c, None) for c in sheds[schema.PORT_CODE]])
    sheds["role"] = np.where(sheds[schema.COUNTRY] == origin_side, ORIGIN, DESTINATION)
    sheds["method"] = method
    return sheds


def _params(opts: CatchmentOptions, labels: dict, minutes: list, *, month) -> dict:
    """Every parameter of the run, flat (for reports and file metadata)."""
    method = labels["method"]
    params = {
        "direction": labels["direction"],
        "lane": labels["lane"],
        "hour": labels["hour"],
        "weekday": labels["weekday"],
        "month": month,
        "minutes": minutes,
        "method": method,
        "isochrone_method": opts.isochrones.method if method == NETWORK else "disc",
        "buffer_m": opts.isochrones.buffer_m,
        "fill_holes_km2": opts.isochrones.fill_holes_km2,
        "max_snap_m": opts.links.max_snap_m,
        "access_speed_kph": opts.links.access_speed_kph,
        "beta": opts.access.beta,
        "fca_threshold": opts.access.fca_threshold,
        "fca_weight": opts.access.fca_weight,
        "supply": opts.access.supply,
        "wait_stat": opts.waits.stat,
        "wait_fallback": opts.waits.fallback,
        "scenario": labels["scenario"],
    }
    if method == STRAIGHT_LINE:
        params.update(circuity=opts.straight_line.circuity, speed_kph=opts.straight_line.speed_kph)
    return params


def _add_surface(result: CatchmentResult, land_poly, port_frame, opts: CatchmentOptions) -> None:
    """Build ``result.surface`` and add its zonal statistics to ``result.units``."""
    from ..surfaces import zonal_stats

    result.surface = travel_time_surface(
        result,
        land=land_poly,
        resolution=opts.resolution,
        access_speed_kph=opts.links.access_speed_kph,
        port_frame=port_frame,
    )
    zs = zonal_stats(result.surface, result.units, stats=("mean", "min", "max", "count"))
    for col in ("mean", "min", "max"):
        result.units.insert(
            len(result.units.columns) - 1, f"raster_{col}_minutes", zs[col].to_numpy()
        )
    result.units.insert(len(result.units.columns) - 1, "raster_cells", zs["count"].to_numpy())


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

    Parameters
    ----------
    result
        A :class:`CatchmentResult` of :func:`catchments`.
    land
        Side → land polygon; cells whose centre lies on no land are NaN.
    resolution
        Cell size in metres.
    access_speed_kph
        Network method: speed from the cell centre to its nearest node (None: no access time).
    port_frame
        Straight-line method: the ports used (point per port code).

    Returns
    -------
    binational.surfaces.Surface
        Minutes per cell.
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
