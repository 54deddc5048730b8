"""Road networks: parse a file, the parse cache or OpenStreetMap into a graph, and coerce types.

Preparing a graph for routing (speeds, border edges, projection checks) is not parsing: it
lives in :mod:`binational.network`.

Graphs are osmnx-compatible :class:`networkx.MultiDiGraph` objects (nodes with ``x``/``y``,
edges keyed ``(u, v, key)`` with ``length`` in metres and an optional ``geometry``; the graph
attribute ``crs``).

Sources accepted by :func:`load_network`:

- a local GraphML (``.graphml`` or ``.graphml.gz``), e.g. the shared SANDAG binational network,
  read with :func:`osmnx.load_graphml`;
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

Parsing is slow (about 6-11 s for the 2.8 MB shared GraphML), so the parsed graph is cached as
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

import contextlib
import gzip
import hashlib
import json
import math
import os
import tempfile
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator, Mapping
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

from .. import _bounded, settings
from .._atomic import atomic_path, file_sha256
from .._log import get_logger
from ..drops import DropReport
from ..errors import CRSError, DataSourceError, DownloadError, NetworkError
from ..schema import PORT_CODE

__all__ = [
    "CACHE_FORMAT_VERSION",
    "check_network",
    "coerce_types",
    "load_network",
    "load_network_frames",
    "load_prepared_network",
    "project_network",
]

log = get_logger(__name__)

#: Bump when the cache layout or the type coercion changes: old entries are then ignored.
CACHE_FORMAT_VERSION = 1

# Edge and node attributes with a known numeric type (strings in GraphML are converted).
_EDGE_FLOAT = ("length", "sandag_fwy_posted_mph", "speed_kph", "travel_time", "grade", "grade_abs")
_EDGE_INT = ("link_id", PORT_CODE)
_NODE_FLOAT = ("x", "y", "elevation", "lat", "lon")
_NODE_INT = ("sandag_hwycov_node", "street_count")
_BOOL_STRINGS = {"True": True, "False": False}

_GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")
_XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
_PBF_SUFFIXES = (".pbf",)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


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
    tables = _cached_tables(source, crs=crs, cache=cache)
    G = _graph_from_tables(tables) if isinstance(tables, _Tables) else tables
    check_network(G, report=report, layer=source.label)
    return G


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
    source = _Source.make(path, polygon=None, bbox=None, place=None, network_type="drive")
    ident = dict(
        source.ident,
        format=CACHE_FORMAT_VERSION,
        osmnx=_osmnx_version(),
        crs=_crs_string(crs),
        prepared=dict(key),
    )
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()
    key_hex = digest[:32]
    use = cache and settings.use_cache
    if use:
        tables = _read_cache(key_hex)
        if tables is not None:
            log.info("%s: prepared network loaded from cache %s", source.label, key_hex)
            G = _graph_from_tables(tables)
            check_network(G, report=report, layer=source.label)
            return G
    G = load_network(path, crs=crs, cache=cache, report=report)
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
    tables = _cached_tables(source, crs=crs, cache=cache)
    if not isinstance(tables, _Tables):
        tables = _tables_from_graph(tables)
    return _frames_from_tables(tables)


class _Source:
    """What to load: a local file or a download query, with its cache identity."""

    def __init__(self, kind: str, label: str, ident: dict[str, Any], payload: Any) -> None:
        self.kind = kind  # graphml | xml | pbf | overpass
        self.label = label
        self.ident = ident
        self.payload = payload

    @classmethod
    def make(
        cls,
        path: str | os.PathLike | None,
        *,
        polygon: Any,
        bbox: Any,
        place: str | None,
        network_type: str,
    ) -> _Source:
        given = [
            n
            for n, v in (("path", path), ("polygon", polygon), ("bbox", bbox), ("place", place))
            if v is not None
        ]
        if len(given) != 1:
            raise NetworkError(
                "give exactly one of path=, polygon=, bbox= or place= to load_network "
                f"(got {', '.join(given) or 'none'})"
            )
        if path is not None:
            return cls._from_path(Path(path))
        return cls._from_query(polygon=polygon, bbox=bbox, place=place, network_type=network_type)

    @classmethod
    def _from_path(cls, path: Path) -> _Source:
        path = path.expanduser()
        if not path.is_file():
            raise DataSourceError(f"{path}: road network file does not exist")
        name = path.name.lower()
        if name.endswith(_GRAPHML_SUFFIXES):
            kind = "graphml"
        elif name.endswith(_XML_SUFFIXES):
            kind = "xml"
        elif name.endswith(_PBF_SUFFIXES):
            kind = "pbf"
        else:
            raise DataSourceError(
                f"{path}: unknown road network file type; expected one of "
                f"{', '.join(_GRAPHML_SUFFIXES + _XML_SUFFIXES + _PBF_SUFFIXES)}"
            )
        ident = {"kind": kind, "sha256": file_sha256(path)}
        return cls(kind, path.name, ident, path)

    @classmethod
    def _from_query(
        cls, *, polygon: Any, bbox: Any, place: str | None, network_type: str
    ) -> _Source:
        import osmnx as ox

        ident: dict[str, Any] = {
            "kind": "overpass",
            "network_type": network_type,
            "overpass": settings.base_urls.get("overpass", ox.settings.overpass_url),
        }
        if polygon is not None:
            polygon = _polygon_4326(polygon)
            ident["polygon"] = polygon.wkt
            label = "network (polygon)"
        elif bbox is not None:
            bbox = tuple(float(b) for b in bbox)
            if len(bbox) != 4 or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
                raise NetworkError(f"bbox {bbox!r} is not (west, south, east, north) in degrees")
            ident["bbox"] = list(bbox)
            label = "network (bbox)"
        else:
            ident["place"] = str(place)
            ident["nominatim"] = settings.base_urls.get("nominatim", ox.settings.nominatim_url)
            label = f"network ({place})"
        return cls("overpass", label, ident, {"polygon": polygon, "bbox": bbox, "place": place})


def _polygon_4326(polygon: Any) -> BaseGeometry:
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is not None:
            polygon = polygon.to_crs("EPSG:4326")
        polygon = polygon.union_all()
    if not isinstance(polygon, BaseGeometry) or polygon.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise NetworkError(f"polygon must be a (Multi)Polygon, got {type(polygon).__name__}")
    if polygon.is_empty:
        raise NetworkError("polygon is empty")
    return polygon


def _cached_tables(source: _Source, *, crs: Any, cache: bool) -> _Tables | nx.MultiDiGraph:
    """Return cached tables on a hit, else the freshly parsed (and cached) graph."""
    crs_str = _crs_string(crs) if crs is not None else None
    # osmnx's version is read from the package metadata: importing osmnx costs ~1 s, which a
    # warm load must not pay.
    ident = dict(source.ident, format=CACHE_FORMAT_VERSION, osmnx=_osmnx_version(), crs=crs_str)
    key = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:32]
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
    if use:
        try:
            _write_cache(key, _tables_from_graph(G), source=source.label)
        except _Uncacheable as exc:
            log.warning("%s: network not cached: %s", source.label, exc)
    return G


def _osmnx_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("osmnx")
    except PackageNotFoundError:  # pragma: no cover - osmnx is a dependency
        return "unknown"


def _parse(source: _Source, *, cache: bool) -> nx.MultiDiGraph:
    if source.kind == "graphml":
        return _read_graphml(source.payload)
    if source.kind == "xml":
        return _read_osm_xml(source.payload)
    if source.kind == "pbf":
        return _read_pbf(source.payload)
    return _download(source, cache=cache)


_PARSE_ERRORS = (
    OSError,
    EOFError,
    ET.ParseError,
    zlib.error,
    ValueError,
    KeyError,
    nx.NetworkXError,
)


def _sniff(path: Path, n: int = 4096) -> str:
    """First ``n`` characters of a (possibly gzip/bz2-compressed) text file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
        if head[:2] == b"\x1f\x8b":
            opener = gzip.open
        elif head[:3] == b"BZh":
            import bz2

            opener = bz2.open
        else:
            opener = open
        with opener(path, "rb") as fh:
            return fh.read(n).decode("utf-8", errors="replace")
    except (OSError, EOFError, zlib.error) as exc:
        raise DataSourceError(f"{path}: cannot read road network file: {exc}") from exc


def _expect_xml_root(path: Path, root: str, what: str) -> None:
    head = _sniff(path).lstrip("\ufeff \t\r\n")
    if f"<{root}" in head:
        return
    looks = "an HTML page" if "<html" in head.lower() or "<!doctype html" in head.lower() else None
    looks = looks or ("empty" if not head.strip() else f"starting with {head[:40]!r}")
    raise DataSourceError(f"{path}: not {what} (no <{root}> element; the file is {looks})")


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    _expect_xml_root(path, "graphml", "a GraphML file")
    try:
        _bounded.check_size(path)  # a compressed file within the decompression bound
    except _bounded.DecompressionBombError:
        raise
    except DataSourceError as exc:
        raise DataSourceError(
            f"{path}: cannot parse GraphML road network: damaged or truncated compressed file "
            f"({exc.__cause__ or exc})"
        ) from exc
    log.info("%s: parsing GraphML with osmnx (slow; cached afterwards)", path)
    try:
        G = ox.load_graphml(path)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        from .._graphml import diagnose

        diagnose(path, exc)  # raises a message naming what the file lacks
        raise DataSourceError(f"{path}: cannot parse GraphML road network: {exc!r}") from exc
    except _PARSE_ERRORS as exc:
        raise DataSourceError(f"{path}: cannot parse GraphML road network: {exc!r}") from exc
    from .._graphml import check_graph

    check_graph(G, path)
    return G


def _read_osm_xml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    _expect_xml_root(path, "osm", "an OSM XML file")
    _bounded.check_size(path)  # a compressed file within the decompression bound
    try:
        return ox.graph_from_xml(path, retain_all=True)
    except _PARSE_ERRORS as exc:
        raise DataSourceError(f"{path}: cannot parse OSM XML road network: {exc!r}") from exc


def _read_pbf(path: Path) -> nx.MultiDiGraph:
    try:
        import osmium
    except ImportError:
        raise DataSourceError(
            f"{path}: reading OSM PBF needs the optional 'osmium' package (pip install osmium); "
            f"or convert the file to OSM XML first, e.g. `osmium cat {path.name} -o "
            f"{path.name.removesuffix('.pbf').removesuffix('.osm')}.osm`, and load that"
        ) from None
    with tempfile.TemporaryDirectory(prefix="binational-pbf-") as tmp:
        xml_path = Path(tmp) / "ways.osm"
        try:
            with osmium.BackReferenceWriter(
                str(xml_path), ref_src=str(path), overwrite=True
            ) as writer:
                ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
                    osmium.filter.KeyFilter("highway")
                )
                for way in ways:
                    writer.add(way)
        except (RuntimeError, OSError, ValueError) as exc:
            raise DataSourceError(f"{path}: cannot read OSM PBF road network: {exc}") from exc
        return _read_osm_xml(xml_path)


@contextlib.contextmanager
def _osmnx_settings(*, cache: bool) -> Iterator[None]:
    """Point osmnx at our cache folder and at the overridable endpoints, then restore."""
    import osmnx as ox

    names = ("cache_folder", "use_cache", "overpass_url", "nominatim_url", "requests_timeout")
    saved = {n: getattr(ox.settings, n) for n in names}
    ox.settings.cache_folder = str(settings.resolve_cache_dir("osmnx"))
    ox.settings.use_cache = cache
    ox.settings.requests_timeout = settings.timeout
    if "overpass" in settings.base_urls:
        ox.settings.overpass_url = settings.base_urls["overpass"]
    if "nominatim" in settings.base_urls:
        ox.settings.nominatim_url = settings.base_urls["nominatim"]
    try:
        yield
    finally:
        for n, v in saved.items():
            setattr(ox.settings, n, v)


def _download(source: _Source, *, cache: bool) -> nx.MultiDiGraph:
    import osmnx as ox
    import requests

    q = source.payload
    nt = source.ident["network_type"]
    with _osmnx_settings(cache=cache):
        url = ox.settings.overpass_url
        try:
            if q["polygon"] is not None:
                return ox.graph_from_polygon(q["polygon"], network_type=nt)
            if q["bbox"] is not None:
                return ox.graph_from_bbox(q["bbox"], network_type=nt)
            return ox.graph_from_place(q["place"], network_type=nt)
        except (
            requests.RequestException,
            ox._errors.InsufficientResponseError,
            ox._errors.ResponseStatusCodeError,
        ) as exc:
            raise DownloadError(
                f"{source.label}: OpenStreetMap download from {url} failed: {exc}"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise DownloadError(
                f"{source.label}: OpenStreetMap download gave unusable data: {exc}"
            ) from exc


# --------------------------------------------------------------------------------------------
# Type coercion and checks
# --------------------------------------------------------------------------------------------


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
        ((n, d) for n, d in G.nodes(data=True)),
        floats=_NODE_FLOAT,
        ints=_NODE_INT,
        what="node",
        source=source,
    )
    _coerce_items(
        (((u, v, k), d) for u, v, k, d in G.edges(keys=True, data=True)),
        floats=_EDGE_FLOAT,
        ints=_EDGE_INT,
        what="edge",
        source=source,
    )
    return G


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
    G: nx.MultiDiGraph, *, report: DropReport | None = None, layer: str = "network"
) -> dict[str, int]:
    """Check that a network is usable and describe its connectivity.

    Nodes outside the largest strongly connected component (unreachable from, or unable to
    reach, most of the network) are logged and, with ``report``, flagged (kept in the graph).

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
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n == 0 or m == 0:
        raise NetworkError(f"{layer}: road network is empty ({n} nodes, {m} edges)")
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    nodes = list(G.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    rows, cols = [], []
    no_length = 0
    for u, nbrs in G.adjacency():  # raw adjacency dicts: much faster than G.edges(data=True)
        iu = index[u]
        for v, keydict in nbrs.items():
            iv = index[v]
            for d in keydict.values():
                rows.append(iu)
                cols.append(iv)
                length = d.get("length")
                if not (type(length) is float and math.isfinite(length)) and not _finite(length):
                    no_length += 1
    adj = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
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


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def project_network(G: nx.MultiDiGraph, crs: Any) -> nx.MultiDiGraph:
    """Project a graph with :func:`osmnx.projection.project_graph`; ``crs`` stored as a string."""
    import osmnx as ox

    crs_str = _crs_string(crs)
    Gp = ox.projection.project_graph(G, to_crs=crs_str)
    Gp.graph["crs"] = crs_str
    return Gp


def _crs_string(crs: Any) -> str:
    try:
        return pyproj.CRS.from_user_input(crs).to_string()
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{crs!r} is not a valid CRS: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Cache: graph <-> Parquet tables
# --------------------------------------------------------------------------------------------


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
    node_ids, node_dicts = zip(*G.nodes(data=True), strict=True) if len(G) else ((), ())
    nodes, nkinds = _table({"osmid": list(node_ids)}, list(node_dicts))
    edges_list = list(G.edges(keys=True, data=True))
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
    G = nx.MultiDiGraph(**t.graph)
    nk, ek = t.kinds["nodes"], t.kinds["edges"]
    G.add_nodes_from(
        zip(_decoded(t.nodes, nk, "osmid"), _dicts(t.nodes, nk, ("osmid",)), strict=True)
    )
    u, v, k = (_decoded(t.edges, ek, c) for c in ("u", "v", "key"))
    G.add_edges_from(zip(u, v, k, _dicts(t.edges, ek, ("u", "v", "key")), strict=True))
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
