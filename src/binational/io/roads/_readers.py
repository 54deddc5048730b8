"""Road network readers per local format: GraphML, OSM XML and OSM PBF (through ``osmium``)."""

from __future__ import annotations

import gzip
import tempfile
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from ... import _bounded
from ..._log import get_logger
from ...errors import DataSourceError
from ._overpass import _download

if TYPE_CHECKING:
    from ._source import _Source


log = get_logger(__name__)


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
    """The graph ``osmnx.load_graphml`` returns (read directly; through osmnx when needed)."""
    from ._graphml_direct import Unsupported, read_graphml

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
    try:
        G = read_graphml(path)
    except Unsupported as exc:
        log.warning("%s: read with osmnx (slower): the direct GraphML reader found %s", path, exc)
        G = _load_graphml_osmnx(path)
    else:
        log.info("%s: GraphML read directly, without osmnx (%d nodes)", path, len(G))
    from ..._graphml import check_graph

    check_graph(G, path)
    return G


def _load_graphml_osmnx(path: Path) -> nx.MultiDiGraph:
    """``osmnx.load_graphml``, its failures turned into errors that name the file and the fault."""
    import osmnx as ox

    log.info("%s: parsing GraphML with osmnx (slow; cached afterwards)", path)
    try:
        return ox.load_graphml(path)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        from ..._graphml import diagnose

        diagnose(path, exc)  # raises a message naming what the file lacks
        raise DataSourceError(f"{path}: cannot parse GraphML road network: {exc!r}") from exc
    except _PARSE_ERRORS as exc:
        raise DataSourceError(f"{path}: cannot parse GraphML road network: {exc!r}") from exc


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
