"""The parse cache: graphs as Parquet node and (GeoParquet) edge tables plus a JSON manifest.

Nothing is pickled; every file is written atomically and checked against the manifest's sha256
when read back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ... import settings
from ..._atomic import atomic_path, file_sha256
from ..._log import get_logger
from ._graph import _crs_string, edge_items

log = get_logger(__name__)

#: Bump when the cache layout or the type coercion changes: old entries are then ignored.
CACHE_FORMAT_VERSION = 1


class _Uncacheable(Exception):
    """An attribute value cannot be stored without pickle."""


class _Tables:
    """Nodes and edges as pyarrow tables plus column kinds and graph attributes."""

    def __init__(
        self, nodes: pa.Table, edges: pa.Table, kinds: dict[str, dict[str, str]], graph: dict
    ) -> None:
        self.nodes = nodes
        self.edges = edges
        self.kinds = kinds  # {"nodes": {col: native|json|wkb}, "edges": {...}}
        self.graph = graph


def _column(values: list, name: str) -> tuple[pa.Array, str]:
    """Store a column natively when it has one plain type, as WKB for geometries, else JSON."""
    types = {type(v) for v in values if v is not None}
    if any(issubclass(t, np.generic) for t in types):
        values = [_plain(v) for v in values]
        types = {type(v) for v in values if v is not None}
    if not types:
        return pa.nulls(len(values), pa.string()), "native"
    if all(issubclass(t, BaseGeometry) for t in types):
        return pa.array(shapely.to_wkb(np.array(values, dtype=object)), pa.binary()), "wkb"
    if len(types) == 1 and types.pop() in (bool, int, float, str):
        try:
            return pa.array(values), "native"
        except (pa.ArrowInvalid, OverflowError):
            pass
    try:
        return pa.array(
            [None if v is None else json.dumps(v, allow_nan=True) for v in values], pa.string()
        ), "json"
    except TypeError as exc:
        raise _Uncacheable(f"attribute {name!r}: {exc}") from exc


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _table(ids: dict[str, list], dicts: list[dict]) -> tuple[pa.Table, dict[str, str]]:
    columns: dict[str, list] = {k: list(vals) for k, vals in ids.items()}
    names: dict[str, None] = {}
    for d in dicts:
        names.update(dict.fromkeys(d))
    for name in names:
        if name in columns:
            raise _Uncacheable(f"attribute {name!r} clashes with an id column")
        columns[name] = [d.get(name) for d in dicts]
    arrays, kinds = {}, {}
    for name, vals in columns.items():
        arrays[name], kinds[name] = _column(vals, name)
    return pa.table(arrays), kinds


def _tables_from_graph(G: nx.MultiDiGraph) -> _Tables:
    node_ids, node_dicts = zip(*G._node.items(), strict=True) if len(G) else ((), ())
    nodes, nkinds = _table({"osmid": list(node_ids)}, list(node_dicts))
    edges_list = edge_items(G)
    u, v, k, edge_dicts = (
        (list(c) for c in zip(*edges_list, strict=True)) if edges_list else ([], [], [], [])
    )
    edges, ekinds = _table({"u": u, "v": v, "key": k}, edge_dicts)
    graph = {}
    for name, value in G.graph.items():
        value = _crs_string(value) if isinstance(value, pyproj.CRS) else _plain(value)
        try:
            json.dumps(value)
        except TypeError as exc:
            raise _Uncacheable(f"graph attribute {name!r}: {exc}") from exc
        graph[name] = value
    return _Tables(nodes, edges, {"nodes": nkinds, "edges": ekinds}, graph)


def _decoded(table: pa.Table, kinds: dict[str, str], name: str) -> list:
    col = table.column(name)
    kind = kinds[name]
    if kind == "wkb":
        return list(shapely.from_wkb(col.to_numpy(zero_copy_only=False)))
    values = col.to_pylist()
    if kind == "json":
        return [None if x is None else json.loads(x) for x in values]
    return values


def _dicts(table: pa.Table, kinds: dict[str, str], skip: tuple[str, ...]) -> list[dict]:
    dicts: list[dict] = [{} for _ in range(table.num_rows)]
    for name in table.column_names:
        if name in skip:
            continue
        values = _decoded(table, kinds, name)
        if table.column(name).null_count == 0:
            for d, x in zip(dicts, values, strict=True):
                d[name] = x
        else:
            for d, x in zip(dicts, values, strict=True):
                if x is not None:
                    d[name] = x
    return dicts


def _graph_from_tables(t: _Tables) -> nx.MultiDiGraph:
    nk, ek = t.kinds["nodes"], t.kinds["edges"]
    nodes = zip(_decoded(t.nodes, nk, "osmid"), _dicts(t.nodes, nk, ("osmid",)), strict=True)
    u, v, k = (_decoded(t.edges, ek, c) for c in ("u", "v", "key"))
    edges = zip(u, v, k, _dicts(t.edges, ek, ("u", "v", "key")), strict=True)
    return _multidigraph(t.graph, nodes, edges)


def _multidigraph(graph: dict, nodes, edges) -> nx.MultiDiGraph:
    """``MultiDiGraph(**graph)`` + ``add_nodes_from(nodes)`` + ``add_edges_from(edges)``, faster.

    The same graph, node for node and edge for edge in the same order, as those calls build
    (``tests/io_roads/test_graph_build.py`` checks it): the adjacency dicts are filled the way
    :meth:`networkx.MultiDiGraph.add_edge` fills them (one key dict shared by ``succ[u][v]``
    and ``pred[v][u]``), without its per-edge view lookups, which cost about 1 s on the 50,000
    edges of Tijuana–San Diego. ``nodes`` yields ``(node, attr dict)``; ``edges`` yields
    ``(u, v, key, attr dict)``. The attr dicts are used as given (the caller's fresh dicts).
    """
    G = nx.MultiDiGraph(**graph)
    node, succ, pred = G._node, G._succ, G._pred
    for n, data in nodes:
        if n in node:
            node[n].update(data)
        else:
            node[n] = data
            succ[n] = {}
            pred[n] = {}
    for a, b, key, data in edges:
        for n in (a, b):
            if n not in node:
                node[n] = {}
                succ[n] = {}
                pred[n] = {}
        keydict = succ[a].get(b)
        if keydict is None:
            keydict = succ[a][b] = {}
            pred[b][a] = keydict
        if key in keydict:
            keydict[key].update(data)
        else:
            keydict[key] = data
    nx._clear_cache(G)
    return G


def _frame(table: pa.Table, kinds: dict[str, str], skip: tuple[str, ...]) -> pd.DataFrame:
    data = {}
    for name in table.column_names:
        if name in skip or name == "geometry":
            continue
        if kinds[name] == "native":
            data[name] = table.column(name).to_pandas()
        else:
            data[name] = pd.Series(_decoded(table, kinds, name), dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))


def _frames_from_tables(t: _Tables) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    crs = t.graph.get("crs")
    nk, ek = t.kinds["nodes"], t.kinds["edges"]
    nodes = _frame(t.nodes, nk, ("osmid",))
    node_geom = shapely.points(nodes["x"].to_numpy(float), nodes["y"].to_numpy(float))
    nodes = gpd.GeoDataFrame(nodes, geometry=node_geom, crs=crs)
    nodes.index = pd.Index(_decoded(t.nodes, nk, "osmid"), name="osmid")
    edges = _frame(t.edges, ek, ("u", "v", "key"))
    u, v, k = (_decoded(t.edges, ek, c) for c in ("u", "v", "key"))
    if "geometry" in t.edges.column_names:
        geom = shapely.from_wkb(t.edges.column("geometry").to_numpy(zero_copy_only=False))
    else:
        geom = np.full(len(u), None, dtype=object)
    missing = shapely.is_missing(geom)
    if missing.any():
        pos = pd.Series(np.arange(len(nodes)), index=nodes.index)
        iu = pos.loc[np.asarray(u, dtype=object)[missing]].to_numpy()
        iv = pos.loc[np.asarray(v, dtype=object)[missing]].to_numpy()
        x, y = nodes["x"].to_numpy(float), nodes["y"].to_numpy(float)
        ends = np.stack([np.column_stack([x[iu], y[iu]]), np.column_stack([x[iv], y[iv]])], axis=1)
        geom[missing] = shapely.linestrings(ends)
    edges = gpd.GeoDataFrame(edges, geometry=geom, crs=crs)
    edges.index = pd.MultiIndex.from_arrays([u, v, k], names=["u", "v", "key"])
    return nodes, edges


def _paths(key: str) -> dict[str, Path]:
    folder = settings.resolve_cache_dir("networks")
    return {
        "manifest": folder / f"{key}.json",
        "nodes": folder / f"{key}.nodes.parquet",
        "edges": folder / f"{key}.edges.parquet",
    }


def _atomic_write(path: Path, write) -> None:
    with atomic_path(path) as tmp:
        write(str(tmp))


def _geo_metadata(crs: Any) -> bytes:
    """GeoParquet 1.0 file metadata for a WKB ``geometry`` column."""
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": []}
    if crs is not None:
        column["crs"] = pyproj.CRS.from_user_input(crs).to_json_dict()
    return json.dumps(
        {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}
    ).encode()


def _write_cache(key: str, t: _Tables, *, source: str) -> None:
    paths = _paths(key)
    manifest_doc: dict[str, Any] = {
        "format": CACHE_FORMAT_VERSION,
        "source": source,
        "graph": t.graph,
        "kinds": t.kinds,
    }
    for part, table in (("nodes", t.nodes), ("edges", t.edges)):
        if t.kinds[part].get("geometry") == "wkb":
            meta = dict(table.schema.metadata or {})
            meta[b"geo"] = _geo_metadata(t.graph.get("crs"))
            table = table.replace_schema_metadata(meta)
        _atomic_write(paths[part], lambda tmp, table=table: pq.write_table(table, tmp))
        manifest_doc[part] = {"sha256": file_sha256(paths[part]), "rows": table.num_rows}
    text = json.dumps(manifest_doc, allow_nan=True)
    _atomic_write(paths["manifest"], lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    log.info("%s: network cached as %s", source, paths["manifest"].with_suffix(""))


def _read_cache(key: str) -> _Tables | None:
    """Cached tables for ``key``, or None on a miss; a damaged entry is logged and ignored."""
    paths = _paths(key)
    if not paths["manifest"].is_file():
        return None
    try:
        doc = json.loads(paths["manifest"].read_text(encoding="utf-8"))
        if doc.get("format") != CACHE_FORMAT_VERSION:
            raise ValueError(f"format {doc.get('format')!r} != {CACHE_FORMAT_VERSION}")
        tables = {}
        for part in ("nodes", "edges"):
            if file_sha256(paths[part]) != doc[part]["sha256"]:
                raise ValueError(f"{paths[part].name} does not match its checksum")
            tables[part] = pq.read_table(paths[part])
            if tables[part].num_rows != doc[part]["rows"]:
                raise ValueError(
                    f"{paths[part].name} has {tables[part].num_rows} rows, expected {doc[part]['rows']}"
                )
            if set(tables[part].column_names) != set(doc["kinds"][part]):
                raise ValueError(f"{paths[part].name} columns differ from the manifest")
        return _Tables(tables["nodes"], tables["edges"], doc["kinds"], doc["graph"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        log.warning("network cache entry %s is damaged (%s); rebuilding it", key, exc)
        return None
