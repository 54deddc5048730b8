"""Road network preparation for routing: speeds, border edges, projection.

A parsed graph (:mod:`binational.io.roads`, or any osmnx ``MultiDiGraph``) becomes routable in
three steps, each usable alone and all run by :func:`prepare_network`:

1. projection to a metric CRS (:func:`binational.io.roads.project_network`);
2. :func:`~binational.network.speeds.impute_speeds`: ``speed_kph``, ``travel_time`` (seconds) and ``speed_source`` on every
   edge;
3. :func:`mark_border_edges`: node ``country`` (from country polygons or a border line) and edge
   ``crosses_border``/``port_code`` (the nearest port of entry).

:func:`binational.catchments.graph.sparse_graph` then turns the prepared graph into the sparse
matrix every travel time is computed on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._crs import is_metric
from .._log import get_logger
from ..drops import DropReport
from ..errors import CRSError, NetworkError
from ..schema import MX, PORT_CODE, US
from .speeds import impute_speeds, read_speed_defaults

if TYPE_CHECKING:  # networkx only for the annotations: a warm load never imports it
    import networkx as nx

__all__ = [
    "SANDAG_POE_PORTS",
    "countries_at",
    "mark_border_edges",
    "prepare_network",
    "prepared_network_cached",
    "require_projected",
]

log = get_logger(__name__)

#: Port-of-entry names used in the SANDAG network's ``poe`` edge attribute → CBP/BTS port code
#: (BTS Border Crossing Entry Data: 2504 San Ysidro, 2505 Tecate, 2506 Otay Mesa).
SANDAG_POE_PORTS: dict[str, int] = {"San Ysidro": 2504, "Otay Mesa": 2506, "Tecate": 2505}


def prepare_network(
    network: nx.MultiDiGraph | str | os.PathLike,
    *,
    crs: Any = None,
    ports: gpd.GeoDataFrame | None = None,
    border: Any = None,
    defaults: Mapping | str | os.PathLike | None = None,
    cache: bool = True,
    report: DropReport | None = None,
) -> nx.MultiDiGraph:
    """Make a road network ready for routing: metric CRS, speeds, border edges.

    Steps already done are skipped: a graph with ``travel_time`` on its edges keeps its times,
    and one with ``crosses_border`` on its edges keeps its border marking (only nodes without a
    country then get one from ``border``). So a plain
    osmnx graph (e.g. from ``osmnx.graph_from_polygon``: unprojected, no ``country``,
    ``crosses_border`` or ``port_code``) needs only ``crs``, ``ports`` and ``border`` (country
    polygons): it is projected, timed and marked here.

    Parameters
    ----------
    network
        A networkx/osmnx graph (changed in place unless it must be projected, which copies it),
        or the path of a local network file (GraphML, OSM XML, PBF). From a path, the prepared
        graph is cached as a whole (:func:`binational.io.roads.load_prepared_network`, keyed by
        the file's checksum, the CRS, the ports and the speed defaults), so a warm load skips
        every step.
    crs
        Metric CRS to route in. None: the graph's own CRS when it is projected in metres, else
        its UTM zone. A graph in another CRS (degrees, feet) is projected to it.
    ports
        Ports of entry (``port_code`` and point geometry, any CRS): each border edge gets the
        code of the nearest one (:func:`mark_border_edges`).
    border
        Country polygons (a GeoDataFrame with ``country`` US/MX) or the border line: gives nodes
        their ``country`` where they lack one.
    defaults
        Speed defaults (:func:`read_speed_defaults`).
    cache
        With a path: read and write the prepared-network cache.
    report
        Receives nodes off the main component, border edges without a port.

    Returns
    -------
    networkx.MultiDiGraph
        The prepared graph.
    """
    if isinstance(network, str | os.PathLike):
        if crs is None:
            raise CRSError(f"{network}: give crs= (a metric CRS) to prepare a network file")
        key = _prepared_ident(crs=crs, ports=ports, border=border, defaults=defaults)

        def prepare(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
            G = impute_speeds(G, defaults=defaults)
            return mark_border_edges(G, border=border, ports=ports, report=report)

        from ..io import roads

        return roads.load_prepared_network(
            network, crs=crs, prepare=prepare, key=key, cache=cache, report=report
        )
    G = _metric_graph(network, crs)
    if not any("travel_time" in d for *_, d in G.edges(data=True)):
        G = impute_speeds(G, defaults=defaults)
    if not any("crosses_border" in d for *_, d in G.edges(data=True)):
        G = mark_border_edges(G, border=border, ports=ports, report=report)
    elif border is not None:
        _assign_node_countries(
            G, *_border_parts(border, pyproj.CRS.from_user_input(G.graph["crs"]))
        )
    return G


def prepared_network_cached(
    path: str | os.PathLike,
    *,
    crs: Any,
    ports: gpd.GeoDataFrame | None = None,
    border: Any = None,
    defaults: Mapping | str | os.PathLike | None = None,
) -> bool:
    """True when :func:`prepare_network` of the file ``path`` with these arguments would be a
    cache hit (it would skip the parse and every step).

    Parameters
    ----------
    path
        Local network file.
    crs, ports, border, defaults
        As :func:`prepare_network`.

    Returns
    -------
    bool
    """
    key = _prepared_ident(crs=crs, ports=ports, border=border, defaults=defaults)
    from ..io import roads

    return roads.prepared_network_cached(path, crs=crs, key=key)


def _prepared_ident(*, crs: Any, ports, border, defaults) -> dict:
    """What identifies a preparation in the prepared-network cache key."""
    key = {"ports": _port_ident(ports, crs), "speeds": _speeds_ident(defaults)}
    if border is not None:
        key["border"] = _border_ident(border, crs)
    return key


def _metric_graph(G: nx.MultiDiGraph, crs: Any) -> nx.MultiDiGraph:
    """``G`` in ``crs`` (or, without one, in metres: its own CRS or its UTM zone)."""
    own = G.graph.get("crs")
    if own is None:
        raise CRSError("road network has no 'crs' graph attribute; cannot tell its units")
    own = pyproj.CRS.from_user_input(own)
    if crs is None:
        if is_metric(own):
            return G
        xs = np.fromiter((d["x"] for _, d in G.nodes(data=True)), float)
        ys = np.fromiter((d["y"] for _, d in G.nodes(data=True)), float)
        centre = gpd.GeoSeries(shapely.points([np.nanmean(xs)], [np.nanmean(ys)]), crs=own)
        crs = centre.estimate_utm_crs()
    target = pyproj.CRS.from_user_input(crs)
    if not is_metric(target):
        raise CRSError(f"cannot route in {target.to_string()}: its unit is not the metre")
    if own == target:
        return G
    log.info("road network projected from %s to %s", own.to_string(), target.to_string())
    from ..io import roads

    return roads.project_network(G, target)


def _port_ident(ports: gpd.GeoDataFrame | None, crs: Any) -> list | None:
    if ports is None:
        return None
    pts = ports.to_crs(crs) if ports.crs is not None else ports
    return sorted(
        (int(c), round(g.x, 1), round(g.y, 1))
        for c, g in zip(pts[PORT_CODE], pts.geometry, strict=True)
    )


def _speeds_ident(defaults: Mapping | str | os.PathLike | None) -> str:
    return json.dumps(read_speed_defaults(defaults), sort_keys=True, default=str)


def _border_ident(border: Any, crs: Any) -> str:
    """Checksum of the border line or of the country polygons (with their countries)."""
    line, polys = _border_parts(border, pyproj.CRS.from_user_input(crs))
    digest = hashlib.sha256()
    if line is not None:
        digest.update(shapely.to_wkb(shapely.normalize(line)))
    else:
        for country, geom in zip(polys["country"], polys.geometry, strict=True):
            digest.update(str(country).encode())
            digest.update(shapely.to_wkb(shapely.normalize(geom)))
    return digest.hexdigest()


def mark_border_edges(
    G: nx.MultiDiGraph,
    *,
    border: Any = None,
    ports: gpd.GeoDataFrame | None = None,
    max_port_distance: float = 1000.0,
    report: DropReport | None = None,
) -> nx.MultiDiGraph:
    """Mark the edges that cross the international line and the port each belongs to, in place.

    Sets edge attributes ``crosses_border`` (bool) and ``port_code`` (int or None) on every
    edge, and node attribute ``country`` where it is missing and ``border`` can tell it.

    An edge crosses the border when its end nodes lie in different countries, when it carries
    ``border_crossing=True`` (SANDAG network), or when its geometry intersects a border line.
    Its port is the SANDAG ``poe`` name (:data:`SANDAG_POE_PORTS`) when present, else the
    nearest port in ``ports`` within ``max_port_distance`` metres of where the edge meets the
    line (or of the edge's midpoint). Crossing edges without a port are suspicious (centroid
    connectors, data errors): they are logged and, with ``report``, flagged.

    Parameters
    ----------
    border
        The international line as a shapely (Multi)LineString in the graph's CRS, or a
        GeoSeries/GeoDataFrame of lines (reprojected to the graph's CRS); or polygons with a
        ``country`` column (e.g. Mexican municipios): nodes inside take that country, nodes
        outside every polygon the other one. With a line, a node's country is its side:
        north of the line is US (the US–Mexico line runs west–east).
    ports
        GeoDataFrame with ``port_code`` and point geometry (e.g.
        ``binational.io.ports.read_ports``).
    max_port_distance
        Metres; a crossing edge further than this from every port gets no port.
    report
        Receives crossing edges without a port (flagged, kept).

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself.
    """
    graph_crs = pyproj.CRS.from_user_input(G.graph.get("crs") or "EPSG:4326")
    line, polys = _border_parts(border, graph_crs)
    _assign_node_countries(G, line=line, polys=polys)

    edges = list(G.edges(keys=True, data=True))
    country = dict(G.nodes(data="country"))
    xy = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
    geoms = np.empty(len(edges), dtype=object)
    for i, (u, v, _, d) in enumerate(edges):
        g = d.get("geometry")
        geoms[i] = g if g is not None else shapely.LineString([xy[u], xy[v]])
    differs = np.array(
        [
            country.get(u) in (US, MX) and country.get(v) in (US, MX) and country[u] != country[v]
            for u, v, _, _ in edges
        ]
    )
    flagged = np.array([d.get("border_crossing") is True for *_, d in edges])
    crosses = differs | flagged
    if line is not None:
        shapely.prepare(line)
        crosses |= shapely.intersects(geoms, line)

    codes: list[int | None] = [None] * len(edges)
    for i in np.flatnonzero(crosses):
        name = edges[i][3].get("poe")
        if name in SANDAG_POE_PORTS:
            codes[i] = SANDAG_POE_PORTS[name]
    todo = [i for i in np.flatnonzero(crosses) if codes[i] is None]
    if todo and ports is not None:
        for i, code in zip(
            todo,
            _nearest_ports(geoms[todo], line, ports, graph_crs, max_port_distance),
            strict=True,
        ):
            codes[i] = code
    for (_, _, _, d), c, code in zip(edges, crosses, codes, strict=True):
        d["crosses_border"] = bool(c)
        d[PORT_CODE] = code
    orphan = [
        f"{u}-{v}-{k}"
        for (u, v, k, _), c, code in zip(edges, crosses, codes, strict=True)
        if c and code is None
    ]
    log.info("border: %d crossing edge(s), %d without a port", int(crosses.sum()), len(orphan))
    if orphan:
        log.warning(
            "border: %d edge(s) cross the line away from any port: %s",
            len(orphan),
            ", ".join(orphan[:10]),
        )
        if report is not None:
            report.add(
                "network edges",
                orphan,
                "border_edge_without_port_flagged",
                f"crosses the international line farther than {max_port_distance:g} m from any port",
            )
    return G


def _border_parts(
    border: Any, crs: pyproj.CRS
) -> tuple[BaseGeometry | None, gpd.GeoDataFrame | None]:
    if border is None:
        return None, None
    if isinstance(border, BaseGeometry):
        geom = border
        if geom.geom_type not in ("LineString", "MultiLineString"):
            raise NetworkError(
                f"border geometry must be a (Multi)LineString, got {geom.geom_type}; pass polygons "
                "as a GeoDataFrame with a 'country' column"
            )
        return geom, None
    if not isinstance(border, gpd.GeoDataFrame | gpd.GeoSeries):
        raise NetworkError(
            f"border must be a shapely line or a GeoDataFrame, got {type(border).__name__}"
        )
    if border.crs is not None:
        border = border.to_crs(crs)
    types = set(border.geom_type.dropna())
    if types <= {"LineString", "MultiLineString"}:
        return shapely.line_merge(border.union_all()), None
    if types <= {"Polygon", "MultiPolygon"}:
        if not isinstance(border, gpd.GeoDataFrame) or "country" not in border.columns:
            raise NetworkError("border polygons need a 'country' column (US/MX)")
        bad = set(border["country"]) - {US, MX}
        if bad:
            raise NetworkError(f"border polygons: country values {sorted(bad)!r} are not US/MX")
        return None, border[["country", "geometry"]]
    raise NetworkError(f"border has geometry types {sorted(types)!r}; expected lines or polygons")


def _assign_node_countries(
    G: nx.MultiDiGraph, *, line: BaseGeometry | None, polys: gpd.GeoDataFrame | None
) -> None:
    missing = [n for n, c in G.nodes(data="country") if c not in (US, MX)]
    if not missing:
        return
    if line is None and polys is None:
        log.info("border: %d node(s) without a country and no border given", len(missing))
        return
    x = np.array([G.nodes[n]["x"] for n in missing], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in missing], dtype=float)
    pts = shapely.points(x, y)
    countries = countries_at(pts, polys) if polys is not None else _country_from_line(pts, line)
    for n, c in zip(missing, countries, strict=True):
        G.nodes[n]["country"] = c
    log.info("border: country set on %d node(s)", len(missing))


def countries_at(pts: np.ndarray, polys: gpd.GeoDataFrame) -> list[str]:
    """Country (US/MX) of each point: that of the polygon it lies in; outside every polygon,
    the other country when the polygons are of one country only, else the country of the
    nearest polygon (a node in a gap between the polygons, e.g. census units that leave rural
    land out, belongs to the side it is closest to).

    Parameters
    ----------
    pts
        Shapely points in the polygons' CRS.
    polys
        Polygons with a ``country`` column.

    Returns
    -------
    list of str or None
    """
    tree = shapely.STRtree(polys.geometry.values)
    pi, gi = tree.query(pts, predicate="intersects")
    inside = np.full(len(pts), None, dtype=object)
    inside[pi] = polys["country"].to_numpy()[gi]
    present = set(polys["country"])
    if len(present) == 1:
        other = (present ^ {US, MX}).pop()
        return [c if c is not None else other for c in inside]
    gap = np.flatnonzero(pd.isna(inside))
    if len(gap):
        near = tree.query_nearest(pts[gap], return_distance=False, all_matches=False)
        inside[gap[near[0]]] = polys["country"].to_numpy()[near[1]]
        log.info("border: %d point(s) outside every country polygon took the nearest's", len(gap))
    return list(inside)


def _country_from_line(pts: np.ndarray, line: BaseGeometry) -> list[str]:
    """North of the line (left of its local west→east direction) is US, south is MX.

    Each point is compared with its nearest segment of the line (an STRtree query, so the
    cost grows with log of the line's vertex count).
    """
    starts, ends = [], []
    for part in shapely.get_parts(line):
        xy = shapely.get_coordinates(part)
        starts.append(xy[:-1])
        ends.append(xy[1:])
    a, b = np.concatenate(starts), np.concatenate(ends)
    tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
    _, seg = tree.query_nearest(pts, all_matches=False)
    t = b[seg] - a[seg]
    d = shapely.get_coordinates(pts) - a[seg]
    flip = np.where(t[:, 0] < 0, -1.0, 1.0)  # orient each segment west→east
    cross = flip * (t[:, 0] * d[:, 1] - t[:, 1] * d[:, 0])
    return [US if c > 0 else MX for c in cross]


def _nearest_ports(
    geoms: np.ndarray,
    line: BaseGeometry | None,
    ports: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    max_distance: float,
) -> list[int | None]:
    if PORT_CODE not in ports.columns:
        raise NetworkError(f"ports GeoDataFrame lacks a {PORT_CODE!r} column")
    if len(ports) == 0:
        return [None] * len(geoms)
    where = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    if line is not None:
        meet = shapely.intersection(geoms, line)
        ok = ~shapely.is_empty(meet)
        where[ok] = shapely.point_on_surface(meet[ok])
    pts = gpd.GeoSeries(where, crs=crs)
    metric = crs if crs.is_projected else pts.estimate_utm_crs()
    pts = pts.to_crs(metric)
    pgeom = ports.geometry if ports.crs is None else ports.geometry.to_crs(metric)
    tree = shapely.STRtree(pgeom.values)
    idx, dist = tree.query_nearest(pts.values, return_distance=True, all_matches=False)
    codes = ports[PORT_CODE].to_numpy()
    out: list[int | None] = [None] * len(geoms)
    for (i, j), dd in zip(idx.T, dist, strict=True):
        if dd <= max_distance and not pd.isna(codes[j]):
            out[i] = int(codes[j])
    return out


def require_projected(G: nx.MultiDiGraph) -> pyproj.CRS:
    """Return the graph's CRS, which must be projected (metres), for distance work.

    Raises
    ------
    binational.errors.CRSError
        If the graph has no ``crs`` attribute or it is geographic (e.g. EPSG:4326).
    """
    crs = G.graph.get("crs")
    if crs is None:
        raise CRSError("road network has no 'crs' graph attribute; cannot tell its units")
    try:
        crs = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"road network crs {G.graph['crs']!r} is not a valid CRS: {exc}") from exc
    if not crs.is_projected:
        raise CRSError(
            f"road network is in a geographic CRS ({crs.to_string()}); project it first, e.g. "
            "binational.io.roads.project_network(G, region.crs)"
        )
    return crs
