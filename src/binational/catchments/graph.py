"""A road network as a sparse matrix: the form every travel-time computation here runs on.

:func:`sparse_graph` turns a networkx (osmnx) graph, or a pair of node/edge frames laid out like
``osmnx.graph_to_gdfs``, into a :class:`SparseGraph`:

- ``matrix``: the *domestic* network as a CSR matrix of edge travel times in seconds (the least
  over parallel edges), i.e. every edge except those that cross the international border. Routes
  on it can therefore never cross the border; crossings are added explicitly, one port edge at a
  time, by :mod:`binational.catchments.cost`.
- ``border``: one row per border edge (``port_code``, ``direction``, tail and head node, travel
  time), the only links between the two sides.
- node arrays (ids, coordinates in the projected CRS, country) and the domestic edge geometries
  used to draw isochrones.

Edge attributes used: ``travel_time`` (seconds; see :func:`binational.network.speeds.impute_speeds`),
``crosses_border`` (bool) and ``port_code`` (int; see :func:`binational.network.mark_border_edges`).
Node attribute: ``country`` (``"US"``/``"MX"``). An edge whose two ends lie in different countries
is a border edge whatever its ``crosses_border`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import CRSError, NetworkError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = ["NORTHBOUND", "SOUTHBOUND", "SparseGraph", "snap_points", "sparse_graph"]

log = get_logger(__name__)

NORTHBOUND, SOUTHBOUND = schema.DIRECTIONS
LAYER = "network"

# Reasons recorded in a DropReport when building the sparse graph.
BORDER_EDGE_WITHOUT_PORT = "border_edge_without_port"
BORDER_EDGE_SAME_COUNTRY = "border_edge_same_country"
OFF_MAIN_COMPONENT = "node_off_main_component"


class SparseGraph:
    """A directed road network in CSR form, with its border edges kept apart.

    Build one with :func:`sparse_graph`; the constructor takes the finished arrays.

    Attributes
    ----------
    matrix
        ``n × n`` CSR matrix of domestic travel times (s); ``matrix[i, j]`` is the quickest
        edge from node ``i`` to node ``j``. Border edges are not in it.
    node_ids
        Node id (the graph's key) of each row.
    x, y
        Node coordinates in ``crs``.
    country
        ``"US"`` / ``"MX"`` per node.
    crs
        Projected CRS of the coordinates and geometries.
    border
        One row per border edge: ``u, v, key, u_idx, v_idx, port_code, direction, travel_time``
        (``direction`` is ``"northbound"`` for MX→US).
    edge_u, edge_v, edge_time, edge_geometry
        The domestic edges, one entry per (parallel) edge, for drawing isochrones.
    routable
        Per node: True if it lies in the largest strongly connected component of its side's
        domestic network (points are only snapped to those nodes).
    drops
        What building the graph left out (border edges without a port, nodes off the main
        component): :func:`sparse_graph` adds these rows to the ``report`` of every call that
        is given this graph ready-made, so a shared graph reports like one built in place.
    """

    def __init__(
        self,
        *,
        matrix: sparse.csr_array,
        node_ids: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        country: np.ndarray,
        crs: pyproj.CRS,
        border: pd.DataFrame,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_time: np.ndarray,
        edge_geometry: np.ndarray,
        routable: np.ndarray,
        drops: DropReport | None = None,
    ) -> None:
        self.matrix = matrix
        self.node_ids = node_ids
        self.x = x
        self.y = y
        self.country = country
        self.crs = crs
        self.border = border
        self.edge_u = edge_u
        self.edge_v = edge_v
        self.edge_time = edge_time
        self.edge_geometry = edge_geometry
        self.routable = routable
        self.drops = drops if drops is not None else DropReport()

    def __len__(self) -> int:
        return len(self.node_ids)

    def __repr__(self) -> str:
        ports = sorted(self.border["port_code"].unique().tolist())
        return (
            f"<SparseGraph {len(self):,} nodes, {self.matrix.nnz:,} domestic links, "
            f"{len(self.border)} border edges (ports {ports}), {self.crs.to_string()}>"
        )

    @cached_property
    def transposed(self) -> sparse.csr_array:
        """The reversed network (for times *to* a node), built once."""
        return self.matrix.T.tocsr()

    @cached_property
    def edge_road(self) -> np.ndarray:
        """Per domestic edge, an id shared by the two directions of a two-way road.

        Edges join the same two nodes with geometries of the same length (to the metre).
        """
        lo = np.minimum(self.edge_u, self.edge_v)
        hi = np.maximum(self.edge_u, self.edge_v)
        length = np.round(shapely.length(self.edge_geometry)).astype(np.int64)
        keys = pd.MultiIndex.from_arrays([lo, hi, length])
        codes, _ = pd.factorize(keys)
        return codes.astype(np.int64)

    @cached_property
    def index(self) -> pd.Index:
        """Node id → row."""
        return pd.Index(self.node_ids)

    def positions(self, node_ids: Sequence) -> np.ndarray:
        """Rows of the given node ids.

        Raises
        ------
        binational.errors.NetworkError
            If an id is not a node of the graph.
        """
        pos = self.index.get_indexer(list(node_ids))
        if (pos < 0).any():
            bad = [n for n, p in zip(node_ids, pos, strict=True) if p < 0][:5]
            raise NetworkError(f"node id(s) {bad} are not in the network")
        return pos

    def with_border(self, border: pd.DataFrame) -> SparseGraph:
        """The same network with another border-edge table (closed or new ports)."""
        return SparseGraph(
            matrix=self.matrix,
            node_ids=self.node_ids,
            x=self.x,
            y=self.y,
            country=self.country,
            crs=self.crs,
            border=border.reset_index(drop=True),
            edge_u=self.edge_u,
            edge_v=self.edge_v,
            edge_time=self.edge_time,
            edge_geometry=self.edge_geometry,
            routable=self.routable,
            drops=self.drops,
        )

    @cached_property
    def _trees(self) -> dict[str, tuple[cKDTree, np.ndarray]]:
        trees = {}
        for c in np.unique(self.country):
            rows = np.flatnonzero((self.country == c) & self.routable)
            if len(rows):
                trees[str(c)] = (cKDTree(np.column_stack([self.x[rows], self.y[rows]])), rows)
        return trees

    def nearest_nodes(
        self, x: np.ndarray, y: np.ndarray, country: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest routable node of the same country (if given) for each point.

        Returns
        -------
        rows, distances
            Node rows (``-1`` where the country has no node) and distances in CRS units.
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        rows = np.full(len(x), -1, dtype=np.int64)
        dist = np.full(len(x), np.inf)
        if country is None:
            country = np.full(len(x), None, dtype=object)
        country = np.asarray(country, dtype=object)
        groups = {c: np.flatnonzero(country == c) for c in pd.unique(country)}
        for c, where in groups.items():
            if c is None or (isinstance(c, float) and np.isnan(c)):
                tree_rows = np.flatnonzero(self.routable)
                tree = cKDTree(np.column_stack([self.x[tree_rows], self.y[tree_rows]]))
            elif str(c) in self._trees:
                tree, tree_rows = self._trees[str(c)]
            else:
                continue
            d, k = tree.query(np.column_stack([x[where], y[where]]))
            rows[where] = tree_rows[k]
            dist[where] = d
        return rows, dist


# ---------------------------------------------------------------------------------------------
# building


def _crs_of(obj, given) -> pyproj.CRS:
    crs = given if given is not None else obj
    if crs is None:
        raise CRSError(
            "the road network has no CRS (graph attribute 'crs' or frame .crs); project it with "
            "osmnx.project_graph(G, to_crs=region.spec.crs)"
        )
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        raise CRSError(
            f"the road network is in a geographic CRS ({crs.to_string()}); travel-time "
            "isochrones, snapping and rasters need metres: project it first, e.g. "
            "osmnx.project_graph(G, to_crs='EPSG:32611')"
        )
    return crs


def _frames_from_networkx(G: nx.MultiDiGraph, weight: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge frames of a networkx graph, in one pass over its adjacency."""
    if G.number_of_nodes() == 0:
        raise NetworkError("the road network has no nodes")
    node_data = G._node  # one pass over the node dicts (G.nodes(data=True) is a slower view)
    ids = list(node_data)
    nan = np.nan
    nodes = pd.DataFrame(
        {
            "x": np.array([d.get("x", nan) for d in node_data.values()], dtype=float),
            "y": np.array([d.get("y", nan) for d in node_data.values()], dtype=float),
            schema.COUNTRY: np.array(
                [d.get(schema.COUNTRY) for d in node_data.values()], dtype=object
            ),
        },
        index=pd.Index(ids, dtype=object if not all(isinstance(i, int) for i in ids) else None),
    )
    if G.is_multigraph():
        rows = [
            (a, b, key, d)
            for a, nbrs in G._adj.items()
            for b, keyed in nbrs.items()
            for key, d in keyed.items()
        ]
    else:
        rows = [(a, b, 0, d) for a, nbrs in G._adj.items() for b, d in nbrs.items()]
    data = [r[3] for r in rows]
    tt = [d.get(weight, nan) for d in data]
    try:  # floats (or numeric strings) throughout: no per-value coercion needed
        times = pd.Series(np.array(tt, dtype=float))
    except (TypeError, ValueError):
        times = pd.to_numeric(pd.Series(tt, dtype=object), errors="coerce")
    edges = pd.DataFrame(
        {
            "u": [r[0] for r in rows],
            "v": [r[1] for r in rows],
            "key": [r[2] for r in rows],
            weight: times,
            "crosses_border": pd.Series([d.get("crosses_border") for d in data], dtype=object),
            schema.PORT_CODE: pd.Series([d.get(schema.PORT_CODE) for d in data], dtype=object),
            "geometry": pd.Series([d.get("geometry") for d in data], dtype=object),
        }
    )
    return nodes, edges


def _frames_from_gdfs(
    nodes: pd.DataFrame, edges: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(nodes)
    if "x" not in nodes.columns or "y" not in nodes.columns:
        if "geometry" in nodes.columns:
            pts = shapely.get_coordinates(np.asarray(nodes["geometry"]))
            nodes = nodes.assign(x=pts[:, 0], y=pts[:, 1])
        else:
            raise NetworkError("node frame needs x and y columns or point geometries")
    edges = pd.DataFrame(edges)
    if not {"u", "v"} <= set(edges.columns):
        edges = edges.reset_index()
    if not {"u", "v"} <= set(edges.columns):
        raise NetworkError("edge frame needs u and v (columns or index levels, as osmnx writes)")
    if "key" not in edges.columns:
        edges["key"] = 0
    for col in ("crosses_border", schema.PORT_CODE, "geometry"):
        if col not in edges.columns:
            edges[col] = None
    return nodes, edges


def _as_bool(values: pd.Series) -> np.ndarray:
    """True for True/1 and the strings 'True'/'true'/'1'/'yes' (GraphML leaves strings)."""
    s = pd.Series(values, dtype=object)
    return s.isin([True, "True", "true", "TRUE", "1", "yes"]).to_numpy()


def _port_codes(values: pd.Series) -> np.ndarray:
    codes = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return codes.to_numpy(dtype=float)


def sparse_graph(
    network,
    *,
    weight: str = "travel_time",
    crs=None,
    report: DropReport | None = None,
) -> SparseGraph:
    """Build a :class:`SparseGraph` from a road network.

    Parameters
    ----------
    network
        A networkx (Multi)DiGraph (osmnx layout, graph attribute ``crs``), a ``(nodes, edges)``
        pair of frames as ``osmnx.graph_to_gdfs`` returns them, or a SparseGraph (returned as is).
    weight
        Edge attribute holding the travel time in seconds.
    crs
        CRS of the coordinates, if the graph or frames do not carry one.
    report
        Receives border edges that were left out (no ``port_code``, or both ends in one country)
        and nodes off the main component of their side. For a SparseGraph, the rows its own
        build recorded (:attr:`SparseGraph.drops`) that ``report`` does not hold yet.

    Returns
    -------
    SparseGraph

    Raises
    ------
    binational.errors.CRSError
        If the network has no CRS or a geographic one.
    binational.errors.NetworkError
        If edges lack travel times (or have negative ones), nodes lack ``country``, or the
        network has no border edge.
    """
    if isinstance(network, SparseGraph):
        if report is not None and report is not network.drops:
            have = set(report.rows)
            report.rows.extend(r for r in network.drops.rows if r not in have)
        return network
    if isinstance(network, tuple) and len(network) == 2:
        nodes_in, edges_in = network
        crs = _crs_of(getattr(edges_in, "crs", None) or getattr(nodes_in, "crs", None), crs)
        nodes, edges = _frames_from_gdfs(nodes_in, edges_in)
    elif hasattr(network, "edges") and hasattr(network, "graph"):
        crs = _crs_of(network.graph.get("crs"), crs)
        nodes, edges = _frames_from_networkx(network, weight)
    else:
        raise NetworkError(
            f"cannot read a road network from {type(network).__name__}: pass a networkx graph "
            "or a (nodes, edges) pair of GeoDataFrames"
        )
    graph = _build(nodes, edges, crs=crs, weight=weight, report=DropReport())
    if report is not None:
        report.extend(graph.drops)
    return graph


def _build(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, crs: pyproj.CRS, weight: str, report: DropReport
) -> SparseGraph:
    if schema.COUNTRY not in nodes.columns or nodes[schema.COUNTRY].isna().any():
        n_missing = (
            len(nodes)
            if schema.COUNTRY not in nodes.columns
            else int(nodes[schema.COUNTRY].isna().sum())
        )
        raise NetworkError(
            f"{n_missing} node(s) lack the attribute 'country' (US/MX) that tells the two sides "
            "apart (binational.network.prepare_network sets it from country polygons)"
        )
    if weight not in edges.columns:
        raise NetworkError(
            f"edges have no {weight!r} attribute (seconds): add speeds and travel times first, "
            "e.g. binational.network.speeds.impute_speeds(G)"
        )
    node_ids = nodes.index.to_numpy()
    index = pd.Index(node_ids)
    if not index.is_unique:
        raise NetworkError("node ids are not unique")
    country = nodes[schema.COUNTRY].astype(str).str.upper().to_numpy(dtype=object)
    x = nodes["x"].to_numpy(dtype=float)
    y = nodes["y"].to_numpy(dtype=float)
    if np.isfinite(x).all() and (np.abs(x).max() <= 180) and (np.abs(y).max() <= 90):
        log.warning("node coordinates look like degrees although the CRS is %s", crs.to_string())
    iu = index.get_indexer(edges["u"])
    iv = index.get_indexer(edges["v"])
    if (iu < 0).any() or (iv < 0).any():
        raise NetworkError("some edges refer to nodes that are not in the node table")
    tt = pd.to_numeric(edges[weight], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(tt)
    if bad.any():
        first = edges.loc[bad, ["u", "v", "key"]].iloc[0].tolist()
        raise NetworkError(
            f"{int(bad.sum())} of {len(tt)} edges have no {weight!r} (e.g. edge {tuple(first)}): "
            "impute speeds first (binational.network.speeds.impute_speeds) or drop those edges"
        )
    if (tt < 0).any():
        first = edges.loc[tt < 0, ["u", "v", "key"]].iloc[0].tolist()
        raise NetworkError(f"negative {weight!r} on {int((tt < 0).sum())} edge(s), e.g. {first}")

    crosses = _as_bool(edges["crosses_border"]) | (country[iu] != country[iv])
    port = _port_codes(edges[schema.PORT_CODE])
    same_country = crosses & (country[iu] == country[iv])
    no_port = crosses & ~same_country & ~np.isfinite(port)

    def labels(mask: np.ndarray) -> list[str]:
        part = edges.loc[mask, ["u", "v", "key"]]
        return [f"{a}->{b}/{k}" for a, b, k in part.itertuples(index=False)]

    report.add(LAYER, labels(no_port), BORDER_EDGE_WITHOUT_PORT, "left out of routing")
    report.add(LAYER, labels(same_country), BORDER_EDGE_SAME_COUNTRY, "left out of routing")
    is_port = crosses & ~same_country & np.isfinite(port)
    domestic = ~crosses
    if not is_port.any():
        raise NetworkError(
            "the road network has no border edge with a port_code: no link of it crosses the "
            "border at a port of entry. Check that the network file covers both sides of the border around the region's ports, or run with "
            "--method straight-line (in Python: mark the port links with "
            "binational.network.mark_border_edges)"
        )

    n = len(node_ids)
    du, dv, dt = iu[domestic], iv[domestic], tt[domestic]
    # least time over parallel edges: sort by time, keep the first of each (u, v)
    order = np.lexsort((dt, dv, du))
    du_s, dv_s, dt_s = du[order], dv[order], dt[order]
    first_of_pair = np.ones(len(order), dtype=bool)
    first_of_pair[1:] = (du_s[1:] != du_s[:-1]) | (dv_s[1:] != dv_s[:-1])
    matrix = sparse.csr_array(
        (dt_s[first_of_pair], (du_s[first_of_pair], dv_s[first_of_pair])), shape=(n, n)
    )

    bu, bv = iu[is_port], iv[is_port]
    border = pd.DataFrame(
        {
            "u": edges["u"].to_numpy()[is_port],
            "v": edges["v"].to_numpy()[is_port],
            "key": edges["key"].to_numpy()[is_port],
            "u_idx": bu,
            "v_idx": bv,
            schema.PORT_CODE: port[is_port].astype(int),
            "direction": np.where(country[bu] == schema.MX, NORTHBOUND, SOUTHBOUND),
            "travel_time": tt[is_port],
            "added": False,
        }
    )

    geometry = _edge_geometries(edges["geometry"].to_numpy()[domestic], x, y, du, dv)
    routable = _main_components(matrix, country, node_ids, report)
    graph = SparseGraph(
        matrix=matrix,
        node_ids=node_ids,
        x=x,
        y=y,
        country=country,
        crs=crs,
        border=border,
        edge_u=du,
        edge_v=dv,
        edge_time=dt,
        edge_geometry=geometry,
        routable=routable,
        drops=report,
    )
    log.info("%r", graph)
    return graph


def _edge_geometries(
    geoms: np.ndarray, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Edge LineStrings, straight node-to-node where the edge has no geometry."""
    out = np.empty(len(geoms), dtype=object)
    has = np.array([g is not None and not (isinstance(g, float)) for g in geoms], dtype=bool)
    if has.any():
        vals = geoms[has]
        if isinstance(vals[0], str):
            vals = shapely.from_wkt(vals.astype(str))
        out[has] = vals
    if (~has).any():
        coords = np.stack(
            [np.column_stack([x[u[~has]], y[u[~has]]]), np.column_stack([x[v[~has]], y[v[~has]]])],
            axis=1,
        )
        out[~has] = shapely.linestrings(coords)
    return out


def _main_components(
    matrix: sparse.csr_array, country: np.ndarray, node_ids: np.ndarray, report: DropReport
) -> np.ndarray:
    """Nodes in the largest strongly connected component of their side's domestic network."""
    _, labels = csgraph.connected_components(matrix, directed=True, connection="strong")
    routable = np.zeros(len(labels), dtype=bool)
    for c in np.unique(country):
        on_side = country == c
        counts = np.bincount(labels[on_side])
        main = int(np.argmax(counts))
        routable |= on_side & (labels == main)
    off = np.flatnonzero(~routable)
    if len(off):
        report.add(
            LAYER,
            node_ids[off],
            OFF_MAIN_COMPONENT,
            "not in the largest strongly connected component of its side; points are not "
            "snapped to it",
        )
        log.info("%d node(s) are off the main component of their side", len(off))
    return routable


# ---------------------------------------------------------------------------------------------
# snapping


def snap_points(
    graph: SparseGraph,
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    country=None,
    max_distance: float = 2000.0,
) -> pd.DataFrame:
    """Snap points (e.g. unit representative points) to the nearest routable node of their side.

    Parameters
    ----------
    graph
        The network.
    points
        Points (or any geometries: their representative point is used) in ``graph.crs``.
    country
        Per point ``"US"``/``"MX"`` so that a point only snaps to its own side; a column name of
        ``points`` or an array. If None, the nearest node of either side.
    max_distance
        Points farther than this (CRS units, metres) from every node are not snapped
        (``snapped`` False, ``node`` −1).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``node`` (row in the graph), ``node_id``, ``snap_m``,
        ``snapped``.
    """
    geoms = points.geometry if hasattr(points, "geometry") else points
    if geoms.crs is not None and pyproj.CRS.from_user_input(geoms.crs) != graph.crs:
        from ..errors import CRSMismatchError

        raise CRSMismatchError(
            f"points are in {geoms.crs.to_string()} but the network is in {graph.crs.to_string()}"
        )
    if isinstance(country, str) and hasattr(points, "columns"):
        country = points[country].to_numpy(dtype=object)
    pts = shapely.point_on_surface(np.asarray(geoms.values))
    xy = shapely.get_coordinates(pts)
    if len(xy) != len(geoms):
        raise NetworkError("some geometries to snap are empty")
    rows, dist = graph.nearest_nodes(xy[:, 0], xy[:, 1], country)
    ok = (rows >= 0) & (dist <= max_distance)
    node_ids = np.where(rows >= 0, graph.node_ids[np.maximum(rows, 0)], None)
    return pd.DataFrame(
        {
            "node": np.where(ok, rows, -1),
            "node_id": pd.Series(node_ids, dtype=object).where(ok, None).to_numpy(),
            "snap_m": dist,
            "snapped": ok,
        },
        index=geoms.index,
    )
