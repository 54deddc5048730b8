"""Road networks: parse a file, the parse cache or OpenStreetMap into a graph, and coerce types.

Preparing a graph for routing (speeds, border edges, projection checks) is not parsing: it
lives in :mod:`binational.network`.

Graphs are osmnx-compatible :class:`networkx.MultiDiGraph` objects (nodes with ``x``/``y``,
edges keyed ``(u, v, key)`` with ``length`` in metres and an optional ``geometry``; the graph
attribute ``crs``).

Sources accepted by :func:`load_network`:

- a local GraphML (``.graphml`` or ``.graphml.gz``), e.g. the shared SANDAG binational network,
  read into the graph :func:`osmnx.load_graphml` gives, without osmnx (``_graphml_direct``;
  files it does not handle, e.g. typed GraphML attributes, go through osmnx itself);
- a local OSM XML file (``.osm``, ``.xml``, ``.osm.bz2``) read with :func:`osmnx.graph_from_xml`;
- a local OSM PBF file (``.pbf``), converted to OSM XML with the optional ``osmium`` package
  (``pip install osmium``; without it a :class:`~binational.errors.DataSourceError` says how to
  convert the file, e.g. ``osmium cat in.osm.pbf -o out.osm``);
- with internet, OpenStreetMap through osmnx (``polygon=``, ``bbox=`` or ``place=``). The Overpass
  and Nominatim endpoints follow ``binational.settings.base_urls["overpass"]`` and
  ``["nominatim"]`` when set, and osmnx's HTTP cache goes to ``resolve_cache_dir("osmnx")``.

Local OSM files are used as they are (like :func:`osmnx.graph_from_xml`, every way in the file
becomes an edge): ``network_type`` only filters downloads. Filter a large extract beforehand, e.g.
``osmium tags-filter in.pbf w/highway -o roads.pbf``.

Parsing takes time (about 2 s of CPU for the 2.8 MB shared GraphML, and 1 s more to project it
with ``crs=``, where osmnx took 10 s and 3 s to import), so the parsed graph is cached as
two Parquet files (nodes, and GeoParquet edges with WKB geometry) plus a JSON manifest in
``settings.resolve_cache_dir("networks")``, keyed by the sha256 of the source file (or of the
download query), the cache format version, the osmnx version and the target CRS. Files are
written to a temporary name and moved into place with :func:`os.replace`; the manifest records
each file's sha256, so a truncated or altered entry is detected, logged and rebuilt. Nothing is
pickled. The key does not include osmnx's ``useful_tags_node``/``useful_tags_way`` settings: after
changing them, load OSM files or downloads once with ``cache=False``. Downloads are cached by
query (bbox, polygon or place, network type and endpoint): pass ``cache=False`` to fetch fresh
OpenStreetMap data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import pyarrow as pa

from ... import settings
from ..._cache import cache_key
from ..._gc import gc_paused
from ..._log import get_logger
from ...drops import DropReport
from ._cache import (
    CACHE_FORMAT_VERSION,
    _frames_from_tables,
    _graph_from_tables,
    _paths,
    _read_cache,
    _Tables,
    _tables_from_graph,
    _Uncacheable,
    _write_cache,
)
from ._graph import _crs_string, check_network, coerce_types, edge_arrays, project_network
from ._readers import _parse
from ._source import _Source

__all__ = [
    "CACHE_FORMAT_VERSION",
    "check_network",
    "coerce_types",
    "load_network",
    "load_network_frames",
    "load_prepared_network",
    "prepared_network_cached",
    "project_network",
]

log = get_logger(__name__)


def load_network(
    path: str | os.PathLike | None = None,
    *,
    polygon: Any = None,
    bbox: tuple[float, float, float, float] | None = None,
    place: str | None = None,
    network_type: str = "drive",
    crs: Any = None,
    cache: bool = True,
    report: DropReport | None = None,
) -> nx.MultiDiGraph:
    """Load a road network as an osmnx-compatible MultiDiGraph.

    Give exactly one of ``path``, ``polygon``, ``bbox`` or ``place``.

    Parameters
    ----------
    path
        Local ``.graphml``/``.graphml.gz``, ``.osm``/``.xml``/``.osm.bz2`` or ``.pbf`` file.
    polygon
        Download OpenStreetMap inside this (Multi)Polygon, in EPSG:4326 unless it is a
        GeoSeries/GeoDataFrame with a CRS.
    bbox
        Download inside ``(west, south, east, north)`` in degrees (osmnx 2 order).
    place
        Download inside the boundary that Nominatim returns for this query.
    network_type
        osmnx network type for downloads ("drive", "walk", ...).
    crs
        Project the graph to this CRS (cached projected, so a warm load stays fast).
    cache
        Read and write the parsed-network cache (also needs ``settings.use_cache``); for
        downloads, also osmnx's HTTP cache.
    report
        Receives nodes outside the largest strongly connected component (flagged, kept).

    Returns
    -------
    networkx.MultiDiGraph
        With attribute types coerced by :func:`coerce_types`.

    Raises
    ------
    binational.errors.DataSourceError
        Missing, unreadable or mislabelled file (HTML, truncated gzip, not GraphML/OSM).
    binational.errors.DownloadError
        The Overpass/Nominatim request failed.
    binational.errors.NetworkError
        The network is empty or its attributes have impossible values.
    """
    source = _Source.make(path, polygon=polygon, bbox=bbox, place=place, network_type=network_type)
    with gc_paused():
        return _checked(_cached_tables(source, crs=crs, cache=cache), source, report)


def load_prepared_network(
    path: str | os.PathLike,
    *,
    crs: Any,
    prepare: Callable[[nx.MultiDiGraph], nx.MultiDiGraph],
    key: Mapping[str, Any],
    cache: bool = True,
    report: DropReport | None = None,
) -> nx.MultiDiGraph:
    """Load a local network, apply ``prepare`` to it and cache the result as a whole.

    The reader knows nothing of what ``prepare`` does (routing preparation lives in
    :func:`binational.network.prepare_network`): ``key`` describes it, so that a
    change of preparation misses the cache. A warm load skips both the parse and ``prepare``.

    Parameters
    ----------
    path
        Local network file (as :func:`load_network`).
    crs
        CRS to project the graph to before ``prepare``.
    prepare
        Takes the loaded graph and returns the prepared one.
    key
        JSON-serialisable description of the preparation (part of the cache key).
    cache
        Read and write the cache (also needs ``settings.use_cache``).
    report
        Passed to :func:`load_network` and :func:`check_network`.

    Returns
    -------
    networkx.MultiDiGraph
        The prepared graph.
    """
    source, key_hex = _prepared_key(path, crs=crs, key=key)
    with gc_paused():
        return _load_prepared(
            source, key_hex, prepare, path=path, crs=crs, cache=cache, report=report
        )


def prepared_network_cached(path: str | os.PathLike, *, crs: Any, key: Mapping[str, Any]) -> bool:
    """True when :func:`load_prepared_network` with these arguments would read its cache
    (``settings.use_cache`` on and an entry written for this file, CRS and preparation).

    Parameters
    ----------
    path, crs, key
        As :func:`load_prepared_network`.

    Returns
    -------
    bool
    """
    if not settings.use_cache:
        return False
    return _paths(_prepared_key(path, crs=crs, key=key)[1])["manifest"].is_file()


def _prepared_key(path, *, crs: Any, key: Mapping[str, Any]) -> tuple[_Source, str]:
    """The source of a local network file and its prepared-network cache key."""
    source = _Source.make(path, polygon=None, bbox=None, place=None, network_type="drive")
    ident = dict(
        source.ident,
        format=CACHE_FORMAT_VERSION,
        osmnx=_osmnx_version(),
        crs=_crs_string(crs),
        prepared=dict(key),
    )
    return source, cache_key(ident)


def _load_prepared(
    source: _Source,
    key_hex: str,
    prepare: Callable[[nx.MultiDiGraph], nx.MultiDiGraph],
    *,
    path: str | os.PathLike,
    crs: Any,
    cache: bool,
    report: DropReport | None,
) -> nx.MultiDiGraph:
    """:func:`load_prepared_network` once its cache key is known."""
    use = cache and settings.use_cache
    if use:
        tables = _read_cache(key_hex)
        if tables is not None:
            log.info("%s: prepared network loaded from cache %s", source.label, key_hex)
            return _checked(tables, source, report)
    # a plain parse cached earlier is reused; a fresh parse is not written as a plain entry
    # too (the prepared entry below is what the next load reads: one table conversion, not two)
    G = _checked(_cached_tables(source, crs=crs, cache=cache, write=False), source, report)
    G.graph.setdefault("source_file", str(path))  # named in later errors (e.g. no border edge)
    G = prepare(G)
    if use:
        try:
            _write_cache(key_hex, _tables_from_graph(G), source=source.label)
        except _Uncacheable as exc:
            log.warning("%s: prepared network not cached: %s", source.label, exc)
    return G


def load_network_frames(
    path: str | os.PathLike | None = None,
    *,
    polygon: Any = None,
    bbox: tuple[float, float, float, float] | None = None,
    place: str | None = None,
    network_type: str = "drive",
    crs: Any = None,
    cache: bool = True,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Load a road network as ``(nodes, edges)`` GeoDataFrames, without building a graph.

    The frames are laid out like :func:`osmnx.graph_to_gdfs`: nodes indexed by ``osmid`` with
    ``x``, ``y`` and Point geometry; edges indexed by ``(u, v, key)`` with LineString geometry
    (a straight line from ``u`` to ``v`` where the edge has none). Parameters as
    :func:`load_network`. A warm cache hit skips networkx entirely.
    """
    source = _Source.make(path, polygon=polygon, bbox=bbox, place=place, network_type=network_type)
    with gc_paused():
        tables = _cached_tables(source, crs=crs, cache=cache)
        if not isinstance(tables, _Tables):
            tables = _tables_from_graph(tables)
        return _frames_from_tables(tables)


def _cached_tables(
    source: _Source, *, crs: Any, cache: bool, write: bool = True
) -> _Tables | nx.MultiDiGraph:
    """Return cached tables on a hit, else the freshly parsed graph (cached if ``write``)."""
    crs_str = _crs_string(crs) if crs is not None else None
    # osmnx's version is read from the package metadata: importing osmnx costs ~1 s, which a
    # warm load must not pay.
    ident = dict(source.ident, format=CACHE_FORMAT_VERSION, osmnx=_osmnx_version(), crs=crs_str)
    key = cache_key(ident)
    use = cache and settings.use_cache
    if use:
        tables = _read_cache(key)
        if tables is not None:
            log.info("%s: network loaded from cache %s", source.label, key)
            return tables
    G = _parse(source, cache=use)
    G = coerce_types(G, source=source.label)
    if crs_str is not None:
        G = project_network(G, crs_str)
    if use and write:
        try:
            _write_cache(key, _tables_from_graph(G), source=source.label)
        except _Uncacheable as exc:
            log.warning("%s: network not cached: %s", source.label, exc)
    return G


def _checked(
    tables: _Tables | nx.MultiDiGraph, source: _Source, report: DropReport | None
) -> nx.MultiDiGraph:
    """The graph of cached tables (or a freshly parsed graph), checked (from the tables'
    edge columns when they are exactly the graph's edges: no second walk over the graph)."""
    if not isinstance(tables, _Tables):
        check_network(tables, report=report, layer=source.label)
        return tables
    G = _graph_from_tables(tables)
    check_network(G, report=report, layer=source.label, arrays=_table_arrays(G, tables))
    return G


def _table_arrays(G: nx.MultiDiGraph, t: _Tables) -> tuple | None:
    """:func:`check_network`'s edge arrays from the cached edge table ``G`` was built from."""
    kinds = t.kinds["edges"]
    if any(kinds.get(c) != "native" for c in ("u", "v", "key")):
        return None
    cols = {c: t.edges.column(c).to_numpy(zero_copy_only=False) for c in ("u", "v", "key")}
    length = None
    if "length" in t.edges.column_names:
        col = t.edges.column("length")
        if kinds.get("length") != "native" or not (
            pa.types.is_floating(col.type) or pa.types.is_integer(col.type)
        ):
            return None
        length = col.to_numpy(zero_copy_only=False).astype(float)  # nulls come as NaN
    return edge_arrays(G, cols["u"], cols["v"], cols["key"], length)


def _osmnx_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("osmnx")
    except PackageNotFoundError:  # pragma: no cover - osmnx is a dependency
        return "unknown"
