"""The direct GraphML reader and projection against osmnx (the reference), value by value.

The direct reader must give the graph ``osmnx.load_graphml`` gives (same nodes, edges, keys,
attributes, types and order), the projection the graph ``osmnx.projection.project_graph``
gives, and the whole cold load the same cache tables and prepared network as the osmnx path.
Files the direct reader does not handle go through osmnx, with the same errors as before.
"""

from __future__ import annotations

import gc
import gzip
import logging
import math
import os
import re
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
import shapely

from binational import _gc, regions
from binational.errors import CRSError, DataSourceError, NetworkError
from binational.io import roads
from binational.io.roads import _cache, _graph, _graphml_direct, _project, _readers
from binational.network import prepare as network

# ----------------------------------------------------------------------------------- helpers


def _same_value(a, b, where) -> None:
    assert type(a) is type(b), (where, a, b)
    if isinstance(a, shapely.Geometry):
        assert a.equals_exact(b, 0), where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, (where, a, b)


def _same_dict(a: dict, b: dict, where) -> None:
    assert list(a) == list(b), (where, list(a), list(b))  # same keys, same order
    for k in a:
        _same_value(a[k], b[k], (where, k))


def assert_same_graph(ours: nx.MultiDiGraph, ref: nx.MultiDiGraph) -> None:
    """The same graph in every respect the cache and routing see, order and types included."""
    assert type(ours) is type(ref)
    assert list(ours.graph) == list(ref.graph)
    for k, v in ref.graph.items():
        if isinstance(v, pyproj.CRS):
            assert isinstance(ours.graph[k], pyproj.CRS) and ours.graph[k] == v
        else:
            _same_value(ours.graph[k], v, ("graph", k))
    assert list(ours.nodes) == list(ref.nodes)
    for (n, a), (_, b) in zip(ours.nodes(data=True), ref.nodes(data=True), strict=True):
        _same_dict(a, b, n)
    ours_edges = list(ours.edges(keys=True, data=True))
    ref_edges = list(ref.edges(keys=True, data=True))
    assert [e[:3] for e in ours_edges] == [e[:3] for e in ref_edges]
    for (u, v, k, a), (*_, b) in zip(ours_edges, ref_edges, strict=True):
        _same_dict(a, b, (u, v, k))
    assert list(ours.in_edges(keys=True)) == list(ref.in_edges(keys=True))


def _network_files() -> list:
    """``(region, GraphML)`` of every preset region whose data folder has its road network."""
    data_dir = Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data"))
    found = []
    for name in regions.list_regions():
        path = regions.get_region(name).file("network", data_dir)
        if path is not None and path.is_file():
            found.append(pytest.param((name, path), id=name))
    assert found, f"no region has a road network file in {data_dir}"
    return found


@pytest.fixture(scope="module", params=_network_files())
def region_network(request) -> tuple[str, Path]:
    return request.param


@pytest.fixture(scope="module")
def region_graphml(region_network) -> Path:
    return region_network[1]


@pytest.fixture(scope="module")
def region_crs(region_network) -> str:
    return regions.get_region(region_network[0]).crs


@pytest.fixture(scope="module")
def osmnx_read(region_graphml):
    return ox.load_graphml(region_graphml)


def _reference_load(path: Path, crs=None) -> nx.MultiDiGraph:
    """The osmnx path as it was: load_graphml, coerce_types, osmnx.project_graph."""
    G = _graph.coerce_types(ox.load_graphml(path), source=path.name)
    if crs is not None:
        crs_str = _graph._crs_string(crs)
        G = ox.projection.project_graph(G, to_crs=crs_str)
        G.graph["crs"] = crs_str
    return G


# ------------------------------------------------------------------------ real GraphML files


@pytest.mark.slow
def test_direct_read_equals_osmnx_load_graphml(region_graphml, osmnx_read):
    G = _graphml_direct.read_graphml(region_graphml)
    assert G.number_of_edges() > 40_000
    assert_same_graph(G, osmnx_read)


@pytest.mark.slow
def test_projection_equals_osmnx_project_graph(region_graphml, region_crs, osmnx_read):
    coerced = _graph.coerce_types(nx.MultiDiGraph(osmnx_read), source=region_graphml.name)
    ours = _project.project_like_osmnx(coerced, pyproj.CRS.from_user_input(region_crs))
    ref = ox.projection.project_graph(coerced, to_crs=region_crs)
    assert ours is not None
    assert_same_graph(ours, ref)
    # the pandas round trip of osmnx: an int column with gaps comes back as floats
    assert any(type(d.get("sandag_hwycov_node")) is float for _, d in ours.nodes(data=True))


@pytest.mark.slow
def test_cold_load_tables_equal_the_osmnx_path(region_graphml, region_crs, tmp_path, use_cache):
    """The cache tables written by a cold load (direct path) = those of the osmnx path."""
    crs = region_crs
    with use_cache(tmp_path):
        G = roads.load_network(region_graphml, crs=crs)
        (entry,) = (tmp_path / "networks").glob("*.json")
        cached = _cache._read_cache(entry.stem)
    ref = _cache._tables_from_graph(_reference_load(region_graphml, crs))
    ours = _cache._tables_from_graph(G)
    assert ours.graph == ref.graph == cached.graph
    assert ours.kinds == ref.kinds == cached.kinds
    for part in ("nodes", "edges"):
        assert getattr(ours, part).column_names == getattr(ref, part).column_names
        assert getattr(ours, part).equals(getattr(ref, part)), part
        assert getattr(cached, part).equals(getattr(ref, part)), part


@pytest.mark.slow
def test_prepared_network_and_travel_times_equal_the_osmnx_path(
    region_network, region_crs, ports_gdf, tmp_path, monkeypatch, use_cache
):
    name, region_graphml = region_network
    crs = region_crs
    ports = ports_gdf[ports_gdf["port_code"].isin(regions.get_region(name).ports)]
    with use_cache(tmp_path / "direct"):
        ours = network.prepare_network(region_graphml, crs=crs, ports=ports)

    def osmnx_only(path):
        return _readers._load_graphml_osmnx(path)

    monkeypatch.setattr(_readers, "_read_graphml", osmnx_only)
    monkeypatch.setattr(_project, "project_like_osmnx", lambda G, crs: None)  # osmnx projects
    with use_cache(tmp_path / "osmnx"):
        ref = network.prepare_network(region_graphml, crs=crs, ports=ports)
    assert_same_graph(ours, ref)
    times = np.array([d["travel_time"] for *_, d in ours.edges(data=True)])
    assert np.isfinite(times).all() and (times > 0).all()
    assert any(d.get("port_code") for *_, d in ours.edges(data=True))
    src = next(iter(ours))
    assert nx.single_source_dijkstra_path_length(ours, src, weight="travel_time") == (
        nx.single_source_dijkstra_path_length(ref, src, weight="travel_time")
    )


# ------------------------------------------------------- an osmnx-made GraphML of real data


@pytest.fixture(scope="module")
def osmnx_saved(osm_file, tmp_path_factory) -> Path:
    """The San Ysidro piece of the real network parsed by osmnx (simplified: lists, osmid,
    street_count, geometries) and written with ``osmnx.save_graphml``, gzipped too."""
    G = ox.graph_from_xml(osm_file, retain_all=True)
    G.add_node(1, x=-117.03, y=32.54, street_count=0)  # an isolated node
    folder = tmp_path_factory.mktemp("osmnx-saved")
    path = folder / "piece.graphml"
    ox.save_graphml(G, path)
    (folder / "piece.graphml.gz").write_bytes(gzip.compress(path.read_bytes()))
    return path


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_osmnx_saved_graphml_equals_osmnx(osmnx_saved, suffix):
    path = osmnx_saved.with_name(osmnx_saved.name + suffix)
    ours = _graphml_direct.read_graphml(path)
    ref = ox.load_graphml(path)
    assert ours.graph["simplified"] is True
    assert any(isinstance(d.get("osmid"), list) for *_, d in ours.edges(data=True))
    assert_same_graph(ours, ref)
    crs = pyproj.CRS.from_user_input("EPSG:32611")
    assert_same_graph(
        _project.project_like_osmnx(ours, crs),
        ox.projection.project_graph(ref, to_crs="EPSG:32611"),
    )


# ------------------------------------------------------------------- small synthetic files

HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    '<key id="g0" for="graph" attr.name="crs" attr.type="string" />\n'
)


def _graphml(keys: dict[str, str], body: str, *, head: str = HEAD, graph: str = "") -> str:
    key_xml = "".join(
        f'<key id="{k}" for="{"node" if k.startswith("n") else "edge"}" attr.name="{name}" '
        'attr.type="string" />\n'
        for k, name in keys.items()
    )
    return (
        head + key_xml + '<graph edgedefault="directed">\n' + body + graph
        + '<data key="g0">EPSG:4326</data></graph></graphml>\n'
    )  # fmt: skip


def _node(i, x, y, **data) -> str:
    inner = "".join(f'<data key="{k}">{v}</data>' for k, v in data.items())
    return f'<node id="{i}"><data key="nx">{x}</data><data key="ny">{y}</data>{inner}</node>\n'


def _edge(u, v, k, **data) -> str:
    inner = "".join(
        f'<data key="{k}" />' if val is None else f'<data key="{k}">{val}</data>'
        for k, val in data.items()
    )
    return f'<edge source="{u}" target="{v}" id="{k}">{inner}</edge>\n'


KEYS = {
    "nx": "x",
    "ny": "y",
    "nc": "street_count",
    "nh": "ref",
    "ef": "length",
    "eo": "oneway",
    "eg": "geometry",
    "el": "lanes",
    "ei": "osmid",
    "eb": "bridge",
    "em": "maxspeed",
}

EDGE_CASES = (
    _node(1, "-117.0", "32.5", nc="3", nh="[1, 2]")
    + _node(2, "-117.01", "32.51", nc="1")
    + _node(3, "-117.02", "32.52", nh="I-5 &amp; SR-905")
    + _node(9, "-117.05", "32.55")  # isolated
    + _edge(1, 2, 0, ef="10.5", eo="True", eg="LINESTRING (-117 32.5, -117.01 32.51)", ei="7")
    + _edge(1, 2, 1, ef="nan", eo="False", el="2", ei="[8, 9]", eb="True")
    + _edge(2, 3, 0, ef="3", eo="False", el="", em="[50, '40 mph']", eb=None)
    + _edge(3, 1, "x", ef="4.25", eo="True", el="3", ei="10", eg="LINESTRING (-117.02 32.52, -117 32.5)")
)  # fmt: skip


@pytest.fixture
def edge_cases(tmp_path) -> Path:
    """Gaps, lists, NaN, entities, an empty value, a non-integer key and an isolated node."""
    path = tmp_path / "cases.graphml"
    path.write_text(_graphml(KEYS, EDGE_CASES))
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_edge_cases_equal_osmnx(edge_cases, gz):
    path = edge_cases
    if gz:
        path = edge_cases.with_suffix(".graphml.gz")
        path.write_bytes(gzip.compress(edge_cases.read_bytes()))
    ours, ref = _graphml_direct.read_graphml(path), ox.load_graphml(path)
    assert_same_graph(ours, ref)
    assert ours.nodes[3]["ref"] == "I-5 & SR-905" and ours.edges[2, 3, 0]["lanes"] == ""
    assert ours.edges[1, 2, 1]["osmid"] == [8, 9] and ("x" in ours[3][1])
    for crs in ("EPSG:32611", "EPSG:4326"):  # a real projection, and none at all
        G = _graph.coerce_types(nx.MultiDiGraph(ours))
        R = _graph.coerce_types(nx.MultiDiGraph(ref))
        assert_same_graph(
            _project.project_like_osmnx(G, pyproj.CRS.from_user_input(crs)),
            ox.projection.project_graph(R, to_crs=crs),
        )


def test_projection_of_mixed_columns_equals_osmnx():
    """Columns pandas changes: ints with gaps, ints mixed with floats, bools with gaps, NaN."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(5, x=-117.0, y=32.5, a=1, b=True, c="s")
    G.add_node(4, x=-117.1, y=32.6, a=2.5, c=[1])
    G.add_node(3, x=-117, y=32, a=float("nan"), b=False)  # int coordinates
    G.add_node(9, x=-117.2, y=32.7, d=3)  # isolated: osmnx adds them in set order
    G.add_node(40, x=-117.3, y=32.8, d=4)
    G.add_edge(5, 4, w=1, f=1.5, flag=True, name="a")
    G.add_edge(4, 3, w=2, f=2, name=["a", "b"], geometry=shapely.LineString([(-117.1, 32.6), (-117, 32)]))  # fmt: skip
    G.add_edge(3, 5, f=float("nan"), flag=False, big=2**40)
    G.add_edge(5, 4, w=3)
    crs = pyproj.CRS.from_user_input("EPSG:32611")
    ours = _project.project_like_osmnx(G, crs)
    assert_same_graph(ours, ox.projection.project_graph(G, to_crs=crs))
    assert type(ours.edges[5, 4, 1]["w"]) is float and "f" not in ours.edges[3, 5, 0]
    assert list(ours)[-2:] == [40, 9]  # neither the input order nor sorted


def test_projection_leaves_unusual_values_to_osmnx(caplog):
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=-117.0, y=32.5, when=np.int64(3))  # a numpy scalar: not reproduced
    G.add_node(2, x=-117.1, y=32.6)
    G.add_edge(1, 2, length=1.0)
    crs = pyproj.CRS.from_user_input("EPSG:32611")
    assert _project.project_like_osmnx(G, crs) is None
    with caplog.at_level(logging.INFO, logger="binational"):
        Gp = _graph.project_network(G, crs)
    assert "projecting with osmnx" in caplog.text
    ref = ox.projection.project_graph(G, to_crs=crs)
    assert list(Gp.nodes(data=True)) == list(ref.nodes(data=True))
    assert Gp.graph["crs"] == "EPSG:32611"


# -------------------------------------------------------- what the direct reader leaves to osmnx


def _expat_state(data: bytes) -> _graphml_direct._ParseState:
    state = _graphml_direct._ParseState(
        _graphml_direct.xml.parsers.expat.ParserCreate(namespace_separator="}")
    )
    state.parse(data)
    return state


def _same_state(a, b) -> None:
    assert (a.keys, a.graph_data, a.nodes, a.edges) == (b.keys, b.graph_data, b.nodes, b.edges)


@pytest.mark.slow
def test_regular_scan_equals_the_xml_parser_on_the_real_file(region_graphml):
    data = gzip.decompress(region_graphml.read_bytes())
    scanned = _graphml_direct._scan_regular(data)
    assert scanned is not None  # networkx's layout: the fast path reads it
    _same_state(scanned, _expat_state(data))


IRREGULAR = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "comment": lambda t: t.replace('<node id="2">', '<!-- n --><node id="2">'),
    "char reference": lambda t: t.replace("SR-905", "SR-&#57;05"),
    "cdata": lambda t: t.replace(">I-5 &amp; SR-905<", "><![CDATA[I-5 & SR-905]]><"),
    "single quotes": lambda t: t.replace('<node id="3">', "<node id='3'>"),
    "attribute order": lambda t: t.replace(
        '<edge source="2" target="3" id="0">', '<edge id="0" target="3" source="2">'
    ),
    "prefixed": lambda t: (
        t.replace(
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
            '<g:graphml xmlns:g="http://graphml.graphdrawing.org/xmlns">',
        )
        .replace("<key ", "<g:key ")
        .replace("<graph ", "<g:graph ")
        .replace("<node ", "<g:node ")
        .replace("</node>", "</g:node>")
        .replace("<edge ", "<g:edge ")
        .replace("</edge>", "</g:edge>")
        .replace("<data ", "<g:data ")
        .replace("</data>", "</g:data>")
        .replace("</graph>", "</g:graph>")
        .replace("</graphml>", "</g:graphml>")
    ),
    "latin-1": lambda t: t.replace("utf-8", "iso-8859-1").replace("SR-905", "SR-905 é"),
}


@pytest.mark.parametrize("variant", list(IRREGULAR))
def test_other_layouts_go_through_the_xml_parser_and_equal_osmnx(edge_cases, variant):
    text = IRREGULAR[variant](edge_cases.read_text())
    data = text.encode("latin-1" if variant == "latin-1" else "utf-8")
    edge_cases.write_bytes(data)
    assert _graphml_direct._scan_regular(data) is None
    assert_same_graph(_graphml_direct.read_graphml(edge_cases), ox.load_graphml(edge_cases))


def test_regular_layout_is_scanned(edge_cases):
    data = edge_cases.read_bytes()
    scanned = _graphml_direct._scan_regular(data)
    assert scanned is not None
    _same_state(scanned, _expat_state(data))
    assert scanned.nodes[2][1]["ref"] == "I-5 & SR-905"


DEFAULT_KEY = (
    '<key id="nd" for="node" attr.name="z" attr.type="string"><default>0</default></key>\n'
)
TYPED_KEY = '<key id="ew" for="edge" attr.name="weight" attr.type="double" />\n'
WITH_PORT = _graphml(KEYS, EDGE_CASES + "<!-- a comment -->\n<desc>d</desc>\n").replace(
    '<node id="9">', '<node id="9"><port name="p"/>'
)
NO_EDGE_ID = _graphml(KEYS, EDGE_CASES).replace(
    '<edge source="3" target="1" id="x">', '<edge source="3" target="1">'
)
TWO_GRAPHS = _graphml(KEYS, EDGE_CASES).replace("</graph></graphml>", "</graph><graph/></graphml>")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_graphml(KEYS, EDGE_CASES, head=HEAD + DEFAULT_KEY), "<default>"),
        (WITH_PORT, "<port>"),
        (NO_EDGE_ID, "without an id"),
        (TWO_GRAPHS, "several graphs"),
        (_graphml(KEYS, EDGE_CASES, head=HEAD + TYPED_KEY), "attr.type='double'"),
    ],
)
def test_unsupported_files_fall_back_to_osmnx(tmp_path, caplog, text, reason):
    path = tmp_path / "odd.graphml"
    path.write_text(text)
    with pytest.raises(_graphml_direct.Unsupported, match=re.escape(reason)):
        _graphml_direct.read_graphml(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # networkx: "GraphML port tag not supported"
        ref = ox.load_graphml(path)
        with caplog.at_level(logging.WARNING, logger="binational"):
            ours = _readers._read_graphml(path)
    assert "read with osmnx" in caplog.text and "odd.graphml" in caplog.text
    assert reason in caplog.text
    assert_same_graph(ours, ref)


def test_bad_files_still_name_the_file_and_the_fault(tmp_path):
    def load(name: str, text: str):
        path = tmp_path / name
        path.write_text(text)
        return roads.load_network(path, cache=False)

    typed = _graphml({}, _node(1, "0", "0") + _node(2, "1", "1") + _edge(1, 2, 0))
    typed = typed.replace(
        '<key id="g0" for="graph" attr.name="crs" attr.type="string" />',
        '<key id="g0" for="graph" attr.name="crs" attr.type="string" />\n'
        '<key id="nx" for="node" attr.name="x" attr.type="double" />\n'
        '<key id="ny" for="node" attr.name="y" attr.type="double" />',
    )
    with pytest.raises(DataSourceError, match=r"typed\.graphml: osmnx cannot load.*attr\.type"):
        load("typed.graphml", typed)
    with pytest.raises(DataSourceError, match=r"broken\.graphml: cannot parse GraphML"):
        load("broken.graphml", _graphml(KEYS, EDGE_CASES)[:-40])
    undeclared = _graphml(KEYS, EDGE_CASES).replace(
        '<data key="nc">1</data>', '<data key="zz">1</data>'
    )
    with pytest.raises(DataSourceError, match=r"undeclared\.graphml: .*no key zz"):
        load("undeclared.graphml", undeclared)
    no_crs = _graphml(KEYS, EDGE_CASES).replace('<data key="g0">EPSG:4326</data>', "")
    with pytest.raises(CRSError, match=r"no_crs\.graphml: .*no 'crs' graph attribute"):
        load("no_crs.graphml", no_crs)
    no_y = _graphml(KEYS, EDGE_CASES).replace('<data key="ny">32.51</data>', "")
    with pytest.raises(NetworkError, match=r"no_y\.graphml: 1 of 4 node\(s\) lack x/y.*node 2"):
        load("no_y.graphml", no_y)
    bad_bool = _graphml(KEYS, EDGE_CASES).replace(
        '<data key="eo">True</data>', '<data key="eo">yes</data>', 1
    )
    with pytest.raises(DataSourceError, match=r"bad_bool\.graphml: osmnx cannot load .*'yes'"):
        load("bad_bool.graphml", bad_bool)
    node_list = _graphml(KEYS, EDGE_CASES).replace(
        '<data key="nc">3</data>', '<data key="nc">[3, 4]</data>'
    )  # osmnx converts lists item by item on edges only: int([3, 4]) fails on a node
    with pytest.raises(DataSourceError, match=r"node_list\.graphml: osmnx cannot load.*TypeError"):
        load("node_list.graphml", node_list)
    plain_gz = tmp_path / "plain.graphml.gz"  # not compressed despite its name
    plain_gz.write_text(_graphml(KEYS, EDGE_CASES))
    with pytest.raises(DataSourceError, match=r"plain\.graphml\.gz: "):
        roads.load_network(plain_gz, cache=False)


def test_warm_load_after_a_direct_cold_load(edge_cases, tmp_path, use_cache):
    with use_cache(tmp_path):
        cold = roads.load_network(edge_cases, crs="EPSG:32611")
        warm = roads.load_network(edge_cases, crs="EPSG:32611")
    assert_same_graph(warm, cold)
    assert_same_graph(cold, _reference_load(edge_cases, "EPSG:32611"))


def test_gc_is_paused_during_a_load_and_restored_after(edge_cases, monkeypatch):
    """The collector is off while a network is read (also when two loads overlap) and comes
    back on afterwards, or stays off if it was off before."""
    seen = []
    read = _readers._read_graphml

    def spy(path):
        seen.append(gc.isenabled())
        with _gc.gc_paused():  # a second, nested load
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        return read(path)

    monkeypatch.setattr(_readers, "_read_graphml", spy)
    assert gc.isenabled()
    roads.load_network(edge_cases, cache=False)
    assert seen == [False, False, False] and gc.isenabled()
    gc.disable()
    try:
        roads.load_network(edge_cases, cache=False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    broken = edge_cases.with_name("broken.graphml")
    broken.write_text(edge_cases.read_text()[:-40])
    with pytest.raises(DataSourceError, match=r"broken\.graphml: cannot parse"):
        roads.load_network(broken, cache=False)  # fails inside the pause
    assert gc.isenabled()
