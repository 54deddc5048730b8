"""Graph projection: the graph :func:`osmnx.projection.project_graph` returns, without osmnx.

``project_graph`` turns the graph into node and edge GeoDataFrames, projects them with
GeoPandas and rebuilds a graph from the frames (about 2 s for the 50,000 edges of
Tijuana–San Diego, plus 3 s to import osmnx). The round trip through pandas changes more than
the coordinates, and :func:`project_like_osmnx` reproduces all of it:

- coordinates: one vectorised ``pyproj.Transformer.from_crs(src, dst, always_xy=True)`` call
  for the node points and one for all edge geometry vertices (as GeoPandas' ``to_crs``); none
  when the two CRSs are exactly the same;
- attribute columns: a column of numbers with gaps, or of ints mixed with floats, becomes
  float64 in pandas, so its ints come back as floats (e.g. ``5005`` → ``5005.0``); NaN values
  and gaps are dropped (``pd.notna``);
- order: edges in the input's edge order, nodes in the order the edges first reach them, then
  the nodes without edges in the order of ``set(nodes) - set(reached)``; attributes in
  column order (first appearance over all nodes, or all edges).

Graphs it does not reproduce (values other than str/int/float/bool/list and edge geometries,
3-D geometries, attributes named like the index columns, no nodes or no edges) return None, and
the caller uses osmnx. ``tests/io_roads/test_graphml_direct.py`` checks it against osmnx.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ._cache import _multidigraph
from ._graph import edge_items

_PLAIN = frozenset((str, int, float, bool, list))
_INT64 = (-(2**63), 2**63 - 1)


def project_like_osmnx(G: nx.MultiDiGraph, to_crs: pyproj.CRS) -> nx.MultiDiGraph | None:
    """``osmnx.projection.project_graph(G, to_crs=to_crs)``, or None when not reproducible.

    Parameters
    ----------
    G
        Graph with a ``crs`` graph attribute and numeric ``x``/``y`` on every node.
    to_crs
        Target CRS.

    Returns
    -------
    networkx.MultiDiGraph or None
        The projected graph (its ``crs`` graph attribute the :class:`pyproj.CRS`, as osmnx
        sets it), or None: then call osmnx.
    """
    edges = edge_items(G)
    if len(G) == 0 or not edges or G.graph.get("crs") is None:
        return None
    src = pyproj.CRS.from_user_input(G.graph["crs"])
    node_ids = list(G._node)
    node_dicts = list(G._node.values())
    edge_dicts = [d for *_, d in edges]
    node_cols = _columns(node_dicts)
    edge_cols = _columns(edge_dicts)
    if node_cols is None or edge_cols is None or "geometry" in node_cols:
        return None
    if {"u", "v", "key"} & edge_cols.keys() or "x" not in node_cols or "y" not in node_cols:
        return None
    if not set(map(type, node_cols["x"] + node_cols["y"])) <= {int, float}:
        return None  # missing or non-numeric coordinates: osmnx gives its own error
    xs = np.array(node_cols["x"], dtype=float)
    ys = np.array(node_cols["y"], dtype=float)
    geoms = edge_cols.get("geometry")
    if geoms is not None:
        present = [g for g in geoms if g is not None]
        if not all(isinstance(g, BaseGeometry) for g in present) or shapely.has_z(present).any():
            return None
    if not src.is_exact_same(to_crs):
        transformer = pyproj.Transformer.from_crs(src, to_crs, always_xy=True)
        xs, ys = (np.asarray(c, dtype=float) for c in transformer.transform(xs, ys))
        if geoms is not None:
            edge_cols["geometry"] = _transformed(geoms, transformer)
    node_cols["x"], node_cols["y"] = xs.tolist(), ys.tolist()
    node_values = {name: _through_pandas(vals) for name, vals in node_cols.items()}
    edge_values = {name: _through_pandas(vals) for name, vals in edge_cols.items()}
    if any(v is None for v in (*node_values.values(), *edge_values.values())):
        return None
    rows = _rows(edge_values, len(edges))
    Gp = _multidigraph(
        dict(G.graph), (), ((u, v, k, row) for (u, v, k, _), row in zip(edges, rows, strict=True))
    )
    node = Gp._node
    for n in set(node_ids) - set(node):  # graph_from_gdfs: add_nodes_from(set - set)
        node[n] = {}
        Gp._succ[n] = {}
        Gp._pred[n] = {}
    for n, row in zip(node_ids, _rows(node_values, len(node_ids)), strict=True):
        node[n].update(row)
    Gp.graph["crs"] = to_crs
    return Gp


def _columns(dicts: list[dict]) -> dict[str, list] | None:
    """Attribute columns in first-appearance order (None for gaps); None if a value is odd."""
    names: dict[str, None] = {}
    for d in dicts:
        names.update(dict.fromkeys(d))
    columns = {name: [d.get(name) for d in dicts] for name in names}
    for name, values in columns.items():
        for kind in set(map(type, values)):
            if kind is type(None) or kind in _PLAIN:
                continue
            if name == "geometry" and issubclass(kind, BaseGeometry):
                continue
            return None
    return columns


def _transformed(geoms: list, transformer: pyproj.Transformer) -> list:
    """GeoPandas' ``to_crs`` of a column: all vertices through one transformer call."""
    arr = np.array(geoms, dtype=object)
    coords = shapely.get_coordinates(arr)
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return list(shapely.set_coordinates(arr.copy(), np.array((x, y)).T))


def _through_pandas(values: list) -> list | None:
    """A column as ``graph_from_gdfs`` gets it back from pandas: None where it drops the value.

    Numbers only, with gaps or a float among them: float64 (ints become floats). Otherwise
    the values stay as they are. NaN is dropped either way. None: a column pandas would store
    in a way not reproduced here (ints beyond int64 that it would turn into floats).
    """
    kinds = set(map(type, values))
    gaps = type(None) in kinds
    kinds.discard(type(None))
    if kinds and kinds <= {int, float} and (float in kinds or gaps):
        if int in kinds and any(type(v) is int and not _INT64[0] <= v <= _INT64[1] for v in values):
            return None
        values = [None if v is None else float(v) for v in values]
    elif float not in kinds:
        return values  # no NaN to drop
    return [None if type(v) is float and math.isnan(v) else v for v in values]


def _rows(columns: dict[str, list], n: int) -> list[dict]:
    """Row dicts of the columns' values that are not None, keys in column order."""
    rows: list[dict] = [{} for _ in range(n)]
    for name, values in columns.items():
        if None in values:
            for row, value in zip(rows, values, strict=True):
                if value is not None:
                    row[name] = value
        else:
            for row, value in zip(rows, values, strict=True):
                row[name] = value
    return rows
