"""A direct GraphML reader: the graph :func:`osmnx.load_graphml` returns, without osmnx.

``osmnx.load_graphml`` builds an ElementTree of the whole file, a networkx graph of string
attributes, then converts the attributes one by one (about 7 s of CPU for the 30 MB of the
shared SANDAG network, plus 3 s to import osmnx). This module reads the same strings — with
regular expressions when the file has the layout networkx's ``write_graphml`` gives it (as the
shared file does), else through expat — builds the same graph and applies the same conversions
(osmnx 2.1's ``_convert_*_attr_types``):

- graph: ``node_default``/``edge_default`` dropped; ``consolidated``/``simplified`` "True"/"False"
  → bool;
- nodes: ids → int; values like ``[...]``/``{...}`` through :func:`ast.literal_eval`; ``x``,
  ``y``, ``elevation``, ``elevation_res`` → float, ``osmid``, ``street_count`` → int;
- edges: the ``id`` attribute dropped; keys from the edge ``id`` (int when it is one);
  ``[...]``/``{...}`` literals evaluated, then ``length``, ``bearing``, ``grade``, ``grade_abs``,
  ``speed_kph``, ``travel_time`` → float, ``osmid`` → int, ``oneway``/``reversed`` "True"/"False"
  → bool (item by item in lists); ``geometry`` WKT → shapely (one vectorised call).

Whatever it does not handle the way networkx + osmnx do — typed (non-string) keys, key
defaults, yFiles data, ports, hyperedges, nested or several graphs, undirected graphs, edges
without an id, a value a conversion rejects, malformed XML — raises :class:`Unsupported`, and
the caller falls back to osmnx (which then gives its own result or error).
``tests/io_roads/test_graphml_direct.py`` checks the graph against ``osmnx.load_graphml``.
"""

from __future__ import annotations

import ast
import contextlib
import re
import xml.parsers.expat
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely

from ... import _bounded
from ._cache import _multidigraph

_NS = "http://graphml.graphdrawing.org/xmlns}"
_GRAPHML, _KEY, _GRAPH = _NS + "graphml", _NS + "key", _NS + "graph"
_NODE, _EDGE, _DATA, _DESC = _NS + "node", _NS + "edge", _NS + "data", _NS + "desc"

# osmnx.io.load_graphml's default dtypes (osmnx 2.1)
_NODE_FLOAT = frozenset(("elevation", "elevation_res", "x", "y"))
_NODE_INT = frozenset(("osmid", "street_count"))
_EDGE_FLOAT = frozenset(("bearing", "grade", "grade_abs", "length", "speed_kph", "travel_time"))
_EDGE_INT = frozenset(("osmid",))
_EDGE_BOOL = frozenset(("oneway", "reversed"))
_GRAPH_BOOL = ("consolidated", "simplified")
_OWNERS = frozenset((_NODE, _EDGE, _GRAPH))


class Unsupported(Exception):
    """The file has something the direct reader does not read the way osmnx does."""


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """The graph ``osmnx.load_graphml(path)`` returns, read directly.

    Parameters
    ----------
    path
        A ``.graphml`` file, or a gzip-compressed ``.graphml.gz`` (read through the
        decompression bound of :mod:`binational._bounded`).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes, edges, keys, attributes and their types as osmnx's reader gives them.

    Raises
    ------
    Unsupported
        The file needs osmnx (the message says why).
    """
    state = _parse_xml(path)
    try:
        graph = _graph_attrs(state.graph_data)
        nodes = [(int(n), d) for n, d in state.nodes]
        edges = [(int(u), int(v), _edge_key(k), d) for u, v, k, d in state.edges]
    except (TypeError, ValueError) as exc:
        raise Unsupported(f"an id or graph attribute osmnx would reject ({exc})") from exc
    if len({n for n, _ in nodes}) != len(nodes) or len({e[:3] for e in edges}) != len(edges):
        raise Unsupported("repeated node ids or edge keys (merged by networkx)")
    G = _multidigraph(graph, nodes, edges)  # the graph networkx builds, still all strings
    names = set(state.keys.values())
    try:
        for d in state.literal_dicts:
            _literals(d)
        _convert(
            [d for _, d in nodes],
            [(a, kind) for attrs, kind in _NODE_TYPES if (a := attrs & names)],
            items=False,
        )
        dicts = [d for *_, d in edges]
        if "id" in names:
            for d in dicts:
                d.pop("id", None)
        _convert(
            dicts, [(a, kind) for attrs, kind in _EDGE_TYPES if (a := attrs & names)], items=True
        )
        if "geometry" in names:
            _geometries(dicts)
    except (TypeError, ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise Unsupported(f"a value osmnx's conversion would reject ({exc!r})") from exc
    except shapely.errors.ShapelyError as exc:
        raise Unsupported(f"an edge geometry that is not WKT ({exc})") from exc
    return G


def _convert(dicts: list[dict], conversions: list[tuple[frozenset, Any]], *, items: bool) -> None:
    """Apply osmnx's dtype conversions to the attributes present.

    With ``items`` (edges), a list is converted item by item, as osmnx does for edges only (a
    node list attribute with a dtype fails in osmnx, and here).
    """
    for attrs, kind in conversions:
        for attr in attrs:
            for d in dicts:
                value = d.get(attr)
                if value is not None:
                    if items and isinstance(value, list):
                        d[attr] = [kind(x) for x in value]
                    else:
                        d[attr] = kind(value)


def _geometries(dicts: list[dict]) -> None:
    """Edge ``geometry`` WKT → shapely, as ``shapely.wkt.loads`` (one vectorised call)."""
    with_geom = [d for d in dicts if "geometry" in d]
    wkt = [d["geometry"] for d in with_geom]
    if not all(isinstance(w, str) for w in wkt):
        raise TypeError("an edge geometry is not WKT text")
    for d, g in zip(with_geom, shapely.from_wkt(np.array(wkt, dtype=object)), strict=True):
        d["geometry"] = g


def _parse_xml(path: Path) -> _ParseState:
    """The strings networkx's GraphMLReader reads: graph data, nodes and edges."""
    compressed = _bounded.compression_of(path)
    if compressed != ("gzip" if path.name.lower().endswith(".gz") else None):
        # networkx opens by suffix: a mislabelled file is left to it (and its error)
        raise Unsupported(f"compression {compressed!r} does not match the file name")
    try:
        with _bounded.open_binary(path) as fh:
            data = _bounded.read_all(fh, path=path)
    except _bounded.DecompressionBombError:
        raise
    except (OSError, EOFError, ValueError) as exc:  # damaged gzip stream
        raise Unsupported(f"unreadable ({exc})") from exc
    state = _scan_regular(data)
    if state is None:  # not in the regular layout networkx writes: the XML parser reads it
        state = _ParseState(xml.parsers.expat.ParserCreate(namespace_separator="}"))
        state.parse(data)
    if state.graphs != 1:
        raise Unsupported(f"{state.graphs} <graph> elements (one expected)")
    return state


# The layout networkx's write_graphml (and so osmnx.save_graphml) gives the body of the graph:
# <node id=".."> / <edge source=".." target=".." id=".."> with <data key="..">text</data>
# children, and graph <data>. No comments, CDATA, character references, other attributes or
# carriage returns (which an XML parser would normalise): a text with any of them is left to
# expat, which reads every well-formed GraphML.
_ATTR = r'"([^"<&\t\n]*)"'
_DATA_RE = r'<data key="[^"<&\t\n]*"\s*(?:/>|>[^<]*</data>)'
_ITEM = re.compile(
    rf"\s*(?:<node id={_ATTR}\s*(?:/>|>((?:\s*{_DATA_RE})*)\s*</node>)"
    rf"|<edge source={_ATTR} target={_ATTR} id={_ATTR}\s*(?:/>|>((?:\s*{_DATA_RE})*)\s*</edge>)"
    rf"|(<data key=[^>]*>(?:[^<]*</data>)?))"
)
_DATA_ITEM = re.compile(r'<data key="([^"<&\t\n]*)"\s*(?:/>|>([^<]*)</data>)')
_GRAPH_START = re.compile(r"<graph\b[^>]*>")
_TAIL = re.compile(r"\s*</graph>\s*</graphml>\s*\Z")
# bytes no XML 1.0 text may hold (C0 controls), and CR, which an XML parser normalises
_ODD_BYTES = bytes((*range(9), 11, 12, *range(14, 32), 13))
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(m: re.Match) -> str:
    return _ENTITIES[m.group(1)]


def _scan_regular(data: bytes) -> _ParseState | None:
    """Read a GraphML in networkx's regular layout with regular expressions, else None.

    The header (declaration, root, keys, ``<graph>`` start tag) still goes through expat and
    :class:`_ParseState`, so namespaces and keys are checked as for any file; the body must
    match the layout exactly, item after item up to ``</graph></graphml>``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.removeprefix("\ufeff")
    if text.startswith("<?xml"):
        decl = text[: text.find("?>") + 2]
        if "1.0" not in decl or ("encoding" in decl and not re.search(r"(?i)utf-?8", decl)):
            return None
    head = _GRAPH_START.search(text)
    if head is None or "<!" in text[: head.start()] or "&#" in text or "]]>" in text:
        return None
    if len(data.translate(None, _ODD_BYTES)) != len(data):
        return None
    if "\ufffe" in text or "\uffff" in text:
        return None
    state = _ParseState(xml.parsers.expat.ParserCreate(namespace_separator="}"))
    try:
        state.parse(text[: head.end()] + "</graph></graphml>")
    except Unsupported:
        return None
    if state.graphs != 1:
        return None
    names, nodes, edges = state.keys, state.nodes, state.edges
    pos, match, findall = head.end(), _ITEM.match, _DATA_ITEM.findall
    try:
        while (m := match(text, pos)) is not None:
            pos = m.end()
            node_id, node_body, source, target, key, edge_body, graph_item = m.groups()
            body = node_body or edge_body or graph_item or ""
            if "&" in body:
                if "&" in _ENTITY.sub("", body):
                    return None  # an entity of a DOCTYPE: left to expat
                pairs = [(k, _ENTITY.sub(_entity, v)) for k, v in findall(body)]
            else:
                pairs = findall(body) if body else ()
            attrs = {names[k]: v for k, v in pairs}
            if node_id is not None:
                nodes.append((node_id, attrs))
            elif source is not None:
                if not key:
                    return None  # networkx keys it otherwise; the expat path refuses it
                edges.append((source, target, key, attrs))
            else:
                if _DATA_ITEM.fullmatch(body) is None:
                    return None
                state.graph_data.update(attrs)
                continue
            if "[" in body or "{" in body:
                state.literal_dicts.append(attrs)
    except KeyError as exc:
        raise Unsupported(f"<data> with an undeclared key {exc}") from exc
    if _TAIL.match(text, pos) is None:
        return None
    return state


class _ParseState:
    """Expat handlers collecting the strings networkx's GraphMLReader would read.

    Only the structure networkx reads the same way is accepted (see the module docstring);
    anything else raises :class:`Unsupported` from inside the parse.
    """

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.keys: dict[str, str] = {}  # key id -> attribute name
        self.graph_data: dict[str, str] = {}
        self.nodes: list[tuple[str, dict]] = []
        self.edges: list[tuple[str, str, str, dict]] = []
        self.literal_dicts: list[dict] = []  # node/edge dicts with a "[..." or "{..." value
        self.graphs = 0
        self.stack: list[str] = []
        self.target: dict | None = None  # the attribute dict of the open node/edge/graph
        self.name = ""  # the attribute name of the open <data>
        self.buf: list[str] | None = None  # its text
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end

    def parse(self, data: bytes | str) -> None:
        """Parse a whole document; :class:`Unsupported` if expat finds it not well-formed."""
        try:
            self.parser.Parse(data, True)
        except xml.parsers.expat.ExpatError as exc:
            raise Unsupported(f"not well-formed XML ({exc})") from exc

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        parent = stack[-1] if stack else None
        stack.append(tag)
        if self.buf is not None:
            raise Unsupported("a <data> element with child elements (yFiles data)")
        if tag == _DATA and parent in _OWNERS:
            name = self.keys.get(attrs.get("key"))
            if name is None:
                raise Unsupported(f"<data> with an undeclared key {attrs.get('key')!r}")
            self.name, self.buf = name, []
            self.parser.CharacterDataHandler = self.buf.append  # text inside <data> only
        elif tag == _NODE and parent == _GRAPH:
            if attrs.get("yfiles.foldertype") == "group" or "id" not in attrs:
                raise Unsupported("a group node or a node without an id")
            self.target = {}
            self.nodes.append((attrs["id"], self.target))
        elif tag == _EDGE and parent == _GRAPH:
            if not attrs.get("id") or attrs.get("directed", "true") != "true":
                raise Unsupported("an edge without an id, or an undirected edge")
            self.target = {}
            self.edges.append((attrs.get("source"), attrs.get("target"), attrs["id"], self.target))
        elif tag == _KEY and parent == _GRAPHML:
            self._key(attrs)
        elif tag == _GRAPH and parent == _GRAPHML:
            self.graphs += 1
            if self.graphs > 1 or attrs.get("edgedefault") != "directed":
                raise Unsupported("several graphs, or an undirected graph")
            self.target = self.graph_data
        elif not (
            (tag == _GRAPHML and parent is None) or (tag == _DESC and parent in (_KEY, *_OWNERS))
        ):
            raise Unsupported(f"element <{tag.rpartition('}')[2]}> in {parent!r}")

    def _key(self, attrs: dict[str, str]) -> None:
        if self.graphs:
            raise Unsupported("a <key> after the <graph>")
        if attrs.get("attr.type") != "string" or "yfiles.type" in attrs:
            raise Unsupported(
                f"key {attrs.get('id')!r} has attr.type={attrs.get('attr.type')!r} (typed "
                "GraphML attributes; osmnx.save_graphml writes strings)"
            )
        if attrs.get("attr.name") is None:
            raise Unsupported(f"key {attrs.get('id')!r} has no attr.name")
        self.keys[attrs.get("id")] = attrs["attr.name"]

    def end(self, tag: str) -> None:
        self.stack.pop()
        buf = self.buf
        if buf is not None:  # </data>: nothing else can close while a <data> is open
            self.parser.CharacterDataHandler = None
            text = "".join(buf)
            target = self.target
            target[self.name] = text
            if (
                text[:1] in ("[", "{")
                and target is not self.graph_data
                and not (self.literal_dicts and self.literal_dicts[-1] is target)
            ):
                self.literal_dicts.append(target)
            self.buf = None
        elif tag in (_NODE, _EDGE):
            self.target = self.graph_data
        elif tag == _GRAPH:
            self.target = None


def _edge_key(key: str) -> int | str:
    try:
        return int(key)
    except ValueError:
        return key


def _bool_string(value: Any) -> bool:
    """osmnx.io._convert_bool_string."""
    if isinstance(value, bool):
        return value
    if value in {"True", "False"}:
        return value == "True"
    raise ValueError(f"Invalid literal for boolean: {value!r}.")


def _graph_attrs(data: dict[str, str]) -> dict[str, Any]:
    graph = {k: v for k, v in data.items() if k not in ("node_default", "edge_default")}
    for name in _GRAPH_BOOL:
        if name in graph:
            graph[name] = _bool_string(graph[name])
    return graph


def _literals(d: dict) -> None:
    """Evaluate ``[...]``/``{...}`` strings as osmnx does (and keep those that do not parse)."""
    for attr, value in d.items():
        if (value.startswith("[") and value.endswith("]")) or (
            value.startswith("{") and value.endswith("}")
        ):
            with contextlib.suppress(SyntaxError, ValueError):
                d[attr] = ast.literal_eval(value)


_NODE_TYPES = ((_NODE_FLOAT, float), (_NODE_INT, int))
_EDGE_TYPES = ((_EDGE_FLOAT, float), (_EDGE_INT, int), (_EDGE_BOOL, _bool_string))
