"""Parsed road graphs: attribute type coercion, usability checks and projection."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pyproj

from ..._log import get_logger
from ...drops import DropReport
from ...errors import CRSError, NetworkError
from ...schema import PORT_CODE

log = get_logger(__name__)

# Edge and node attributes with a known numeric type (strings in GraphML are converted).
_EDGE_FLOAT = ("length", "sandag_fwy_posted_mph", "speed_kph", "travel_time", "grade", "grade_abs")
_EDGE_INT = ("link_id", PORT_CODE)
_NODE_FLOAT = ("x", "y", "elevation", "lat", "lon")
_NODE_INT = ("sandag_hwycov_node", "street_count")
_BOOL_STRINGS = {"True": True, "False": False}


def coerce_types(G: nx.MultiDiGraph, *, source: str = "network") -> nx.MultiDiGraph:
    """Give GraphML string attributes their real types, in place.

    - ``'True'``/``'False'`` → bool, for any attribute all of whose values are such strings;
    - empty strings → attribute removed (the SANDAG GraphML writes missing values as ``''``);
    - known numeric attributes → float (``length``, ``sandag_fwy_posted_mph``, ...) or int
      (``link_id``, ``port_code``, ``sandag_hwycov_node``, ``street_count``).

    Raises
    ------
    binational.errors.NetworkError
        If a numeric attribute holds a value that is not a number (names the element).
    """
    _coerce_items(
        G._node.items(),
        floats=_NODE_FLOAT,
        ints=_NODE_INT,
        what="node",
        source=source,
    )
    _coerce_items(
        (((u, v, k), d) for u, v, k, d in edge_items(G)),
        floats=_EDGE_FLOAT,
        ints=_EDGE_INT,
        what="edge",
        source=source,
    )
    return G


def edge_items(G: nx.MultiDiGraph) -> list[tuple[Any, Any, Any, dict]]:
    """``list(G.edges(keys=True, data=True))``, same order, from the adjacency dicts (no views)."""
    return [
        (u, v, k, d) for u, nbrs in G._adj.items() for v, kd in nbrs.items() for k, d in kd.items()
    ]


def _coerce_items(items, *, floats, ints, what: str, source: str) -> None:
    items = list(items)
    not_bool: set[str] = set()
    seen: set[str] = set()
    for _, d in items:
        for k, v in list(d.items()):
            if isinstance(v, str):
                if v == "":
                    del d[k]
                    continue
                if v not in _BOOL_STRINGS:
                    not_bool.add(k)
            else:
                not_bool.add(k)
            seen.add(k)
    bools = (seen - not_bool) - set(floats) - set(ints)
    for ident, d in items:
        for k in bools & d.keys():
            d[k] = _BOOL_STRINGS[d[k]]
        for k in floats:
            if k in d and not isinstance(d[k], float):
                d[k] = _number(d[k], float, k, ident, what, source)
        for k in ints:
            if k in d and not isinstance(d[k], int | bool | list):
                d[k] = _number(d[k], int, k, ident, what, source)


def _number(value: Any, kind: type, attr: str, ident: Any, what: str, source: str) -> Any:
    if isinstance(value, list):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise NetworkError(
            f"{source}: {what} {ident!r} attribute {attr!r} = {value!r} is not a number"
        ) from None
    if kind is int:
        if not f.is_integer():
            raise NetworkError(
                f"{source}: {what} {ident!r} attribute {attr!r} = {value!r} is not an integer"
            )
        return int(f)
    return f


def check_network(
    G: nx.MultiDiGraph,
    *,
    report: DropReport | None = None,
    layer: str = "network",
    arrays: tuple[np.ndarray, np.ndarray, int] | None = None,
) -> dict[str, int]:
    """Check that a network is usable and describe its connectivity.

    Nodes outside the largest strongly connected component (unreachable from, or unable to
    reach, most of the network) are logged and, with ``report``, flagged (kept in the graph).

    ``arrays``: the graph's edges already as ``(rows, cols, edges_without_length)``, the
    positions in ``G.nodes`` of each edge's ends (e.g. from the cache's edge table, see
    :func:`edge_arrays`); by default they are read from ``G``.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``largest_scc``, ``outside_largest_scc``, ``weak_components``,
        ``edges_without_length``.

    Raises
    ------
    binational.errors.NetworkError
        If the graph has no nodes or no edges.
    """
    n = G.number_of_nodes()
    nodes = list(G.nodes)
    rows, cols, no_length = _graph_arrays(G, nodes) if arrays is None else arrays
    m = len(rows)
    if n == 0 or m == 0:
        raise NetworkError(f"{layer}: road network is empty ({n} nodes, {m} edges)")
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    adj = coo_array((np.ones(m), (rows, cols)), shape=(n, n)).tocsr()
    n_weak, _ = connected_components(adj, directed=True, connection="weak")
    _, labels = connected_components(adj, directed=True, connection="strong")
    counts = np.bincount(labels)
    largest = int(counts.max())
    outside = [nodes[i] for i in np.flatnonzero(labels != counts.argmax())]
    summary = {
        "nodes": n,
        "edges": m,
        "largest_scc": largest,
        "outside_largest_scc": len(outside),
        "weak_components": int(n_weak),
        "edges_without_length": no_length,
    }
    log.info("%s: %s", layer, ", ".join(f"{k}={v:,}" for k, v in summary.items()))
    if report is not None and outside:
        report.add(
            f"{layer} nodes",
            outside,
            "outside_largest_scc_flagged",
            f"largest strongly connected component has {largest:,} of {n:,} nodes",
        )
    return summary


def _graph_arrays(G: nx.MultiDiGraph, nodes: list) -> tuple[np.ndarray, np.ndarray, int]:
    """Each edge's ends as positions in ``nodes``, and the count of edges without a finite
    ``length``, read from the adjacency dicts (much faster than ``G.edges(data=True)``)."""
    index = {node: i for i, node in enumerate(nodes)}
    rows, cols = [], []
    no_length = 0
    for u, nbrs in G.adjacency():
        iu = index[u]
        for v, keydict in nbrs.items():
            iv = index[v]
            for d in keydict.values():
                rows.append(iu)
                cols.append(iv)
                length = d.get("length")
                if not (type(length) is float and math.isfinite(length)) and not _finite(length):
                    no_length += 1
    return np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp), no_length


def edge_arrays(
    G: nx.MultiDiGraph, u: np.ndarray, v: np.ndarray, key: np.ndarray, length: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """:func:`check_network`'s ``arrays`` from the edge table ``G`` was built from: ids of
    the ends ``u`` and ``v``, ``key``, and ``length`` (floats, NaN where missing; None: no
    such column).

    None when the table's rows are not exactly ``G``'s edges (a repeated ``(u, v, key)``, or an
    end that is not a node): the check then reads ``G`` itself."""
    import pandas as pd

    if not pd.MultiIndex.from_arrays([u, v, key]).is_unique:
        return None
    nodes = pd.Index(list(G.nodes))
    rows, cols = nodes.get_indexer(u), nodes.get_indexer(v)
    if (rows < 0).any() or (cols < 0).any():
        return None
    if length is None:
        no_length = len(rows)
    else:
        no_length = int((~np.isfinite(np.asarray(length, dtype=float))).sum())
    return rows.astype(np.intp), cols.astype(np.intp), no_length


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def project_network(G: nx.MultiDiGraph, crs: Any) -> nx.MultiDiGraph:
    """Project a graph as :func:`osmnx.projection.project_graph` does; ``crs`` stored as a string.

    The same graph as osmnx's (``_project.project_like_osmnx`` reproduces it with one pyproj
    call for the nodes and one for the edge geometries); a graph with attribute values it does
    not reproduce goes through osmnx itself.
    """
    from ._project import project_like_osmnx

    crs_str = _crs_string(crs)
    Gp = project_like_osmnx(G, pyproj.CRS.from_user_input(crs_str))
    if Gp is None:
        import osmnx as ox

        log.info("graph attributes of unusual types: projecting with osmnx")
        Gp = ox.projection.project_graph(G, to_crs=crs_str)
    Gp.graph["crs"] = crs_str
    return Gp


def _crs_string(crs: Any) -> str:
    try:
        return pyproj.CRS.from_user_input(crs).to_string()
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{crs!r} is not a valid CRS: {exc}") from exc
