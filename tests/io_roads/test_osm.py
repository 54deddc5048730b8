"""OSM XML, PBF and Overpass loading, on a piece of the real SANDAG network turned into OSM data."""

from __future__ import annotations

import json
import sys

import networkx as nx
import numpy as np
import pytest

from binational.drops import DropReport
from binational.errors import DataSourceError, DownloadError
from binational.io import roads
from binational.network import prepare as network
from binational.network import speeds


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert set(a.nodes) == set(b.nodes)
    assert set(a.edges(keys=True)) == set(b.edges(keys=True))
    for n, d in a.nodes(data=True):
        assert (d["x"], d["y"]) == (b.nodes[n]["x"], b.nodes[n]["y"])
    for u, v, k, d in a.edges(keys=True, data=True):
        e = b.edges[u, v, k]
        assert d["length"] == e["length"]
        assert d.get("highway") == e.get("highway") and d.get("maxspeed") == e.get("maxspeed")


def _sandag_digraph(links) -> nx.DiGraph:
    """The piece as a directed graph straight from the GeoPackage (the reference)."""
    D = nx.DiGraph()
    for r in links.itertuples():
        pairs = {1: [(r.a_node, r.b_node)], -1: [(r.b_node, r.a_node)]}.get(
            r.tc_dir, [(r.a_node, r.b_node), (r.b_node, r.a_node)]
        )
        for u, v in pairs:
            if not D.has_edge(u, v) or D[u][v]["length"] > r.length_m:
                D.add_edge(int(u), int(v), length=r.length_m)
    return D


@pytest.fixture(scope="module")
def osm_graph(osm_file, tmp_path_factory, use_cache):
    with use_cache(tmp_path_factory.mktemp("osm-cache")):
        return roads.load_network(osm_file)


def test_osm_xml_keeps_lengths_and_routes(osm_graph, sandag_piece, osm_tools):
    nodes, links = sandag_piece
    G = osm_graph
    # every kept node is a SANDAG node at its own coordinates (shape points are simplified away)
    real = [n for n in G.nodes if n < osm_tools.shape_id0]
    assert len(real) >= 0.9 * len(G)
    for n in real:
        assert G.nodes[n]["x"] == pytest.approx(nodes.geometry[n].x, abs=1e-9)
        assert G.nodes[n]["y"] == pytest.approx(nodes.geometry[n].y, abs=1e-9)
    # total directed length: osmnx great-circle lengths vs the GeoPackage's geodesic length_m
    expected = float((links["length_m"] * np.where(links["tc_dir"] == 0, 2, 1)).sum())
    ours = sum(d["length"] for *_, d in G.edges(data=True))
    assert ours == pytest.approx(expected, rel=5e-3)
    # shortest routes between SANDAG nodes agree with routing on the GeoPackage links
    D = _sandag_digraph(links)
    rng = np.random.default_rng(7)
    pairs = [tuple(rng.choice(real, 2, replace=False)) for _ in range(40)]
    checked = 0
    for s, t in pairs:
        try:
            ref = nx.shortest_path_length(D, s, t, weight="length")
        except nx.NetworkXNoPath:
            assert not nx.has_path(G, s, t)
            continue
        assert nx.shortest_path_length(G, s, t, weight="length") == pytest.approx(ref, rel=5e-3)
        checked += 1
    assert checked >= 10


def test_osm_speeds_and_border(osm_graph, mx_polygons, ports_gdf, sandag_piece):
    G = osm_graph.copy()
    _, links = sandag_piece
    speeds.impute_speeds(G)
    seen = set()
    for *_, d in G.edges(data=True):
        seen.add(d["speed_source"])
        if "maxspeed" in d:  # the SANDAG posted speed, "65 mph" (a list where ways were merged)
            values = d["maxspeed"] if isinstance(d["maxspeed"], list) else [d["maxspeed"]]
            mph = np.mean([float(m.split()[0]) for m in values])
            assert d["speed_source"] == "maxspeed"
            assert d["speed_kph"] == pytest.approx(mph * 1.609344)
        else:  # highway=road, no country yet: the fallback (US) table
            assert d["speed_source"] == "highway_default" and d["speed_kph"] == 48.0
        assert d["travel_time"] == pytest.approx(d["length"] / d["speed_kph"] * 3.6)
    assert seen == {"maxspeed", "highway_default"}
    report = DropReport()
    network.mark_border_edges(G, border=mx_polygons, ports=ports_gdf, report=report)
    crossing = [d for *_, d in G.edges(data=True) if d["crosses_border"]]
    assert crossing and {d["port_code"] for d in crossing} == {2504}  # all at San Ysidro
    assert len(report) == 0
    # the SANDAG POE links lie inside crossing edges (simplification may merge neighbours)
    poe_ids = set(links.loc[links["poe"] == "San Ysidro", "link_id"])
    found = set()
    for d in crossing:
        osmid = d["osmid"]
        found |= set(osmid if isinstance(osmid, list) else [osmid])
    assert poe_ids <= found
    speeds.impute_speeds(G)  # now with countries: Mexican default for unclassified roads
    mx_roads = [
        d
        for u, _, d in G.edges(data=True)
        if G.nodes[u]["country"] == "MX" and d["speed_source"] == "highway_default"
    ]
    assert mx_roads and all(d["speed_kph"] == 30.0 for d in mx_roads)
    assert all(d["speed_source"] == "poe" and d["speed_kph"] == 10.0 for d in crossing)


def test_osm_cache_warm_and_corrupt_entries(osm_file, osm_graph, tmp_path, use_cache, caplog):
    with use_cache(tmp_path):
        cold = roads.load_network(osm_file)
        files = sorted((tmp_path / "networks").iterdir())
        assert sorted(f.name.split(".", 1)[1] for f in files) == [
            "edges.parquet",
            "json",
            "nodes.parquet",
        ]
        warm = roads.load_network(osm_file)
        _same_graph(cold, warm)
        for (*ka, a), (*kb, b) in zip(
            cold.edges(keys=True, data=True), warm.edges(keys=True, data=True), strict=True
        ):
            assert ka == kb and a.keys() == b.keys()
            for key in a:
                same = a[key].equals_exact(b[key], 0) if key == "geometry" else a[key] == b[key]
                assert same, (ka, key)
        edges = next(f for f in files if f.name.endswith(".edges.parquet"))
        manifest = next(f for f in files if f.suffix == ".json")
        damages = {
            "truncated parquet": lambda: edges.write_bytes(edges.read_bytes()[:1000]),
            "garbage parquet": lambda: edges.write_bytes(b"PAR1" + b"\0" * 64),
            "missing parquet": edges.unlink,
            "truncated manifest": lambda: manifest.write_text(manifest.read_text()[:50]),
            "old format": lambda: manifest.write_text(
                json.dumps(dict(json.loads(manifest.read_text()), format=-1))
            ),
        }
        for what, damage in damages.items():
            damage()
            caplog.clear()
            with caplog.at_level("WARNING", logger="binational"):
                rebuilt = roads.load_network(osm_file)
            damaged = [r for r in caplog.records if "damaged" in r.getMessage()]
            assert len(damaged) == 1, what
            _same_graph(cold, rebuilt)
            doc = json.loads(manifest.read_text())
            assert doc["format"] == roads.CACHE_FORMAT_VERSION, what
            _same_graph(cold, roads.load_network(osm_file))
        assert not list((tmp_path / "networks").glob("*.tmp"))
    _same_graph(osm_graph, cold)


def test_cache_off_leaves_no_files(osm_file, tmp_path, use_cache):
    with use_cache(tmp_path):
        roads.load_network(osm_file, cache=False)
        assert not (tmp_path / "networks").exists() or not any((tmp_path / "networks").iterdir())


def test_frames_from_osm_file(osm_file, osm_graph, tmp_path, use_cache):
    import osmnx as ox

    with use_cache(tmp_path):
        for _ in range(2):  # cold, then warm
            nodes, edges = roads.load_network_frames(osm_file)
            ref_nodes, ref_edges = ox.graph_to_gdfs(osm_graph)
            assert set(nodes.index) == set(ref_nodes.index)
            ref_edges = ref_edges.loc[edges.index]
            assert len(edges) == len(ref_edges)
            np.testing.assert_allclose(edges["length"], ref_edges["length"])
            # osmnx fills missing geometries with straight lines; so do we
            assert edges.geometry.geom_equals_exact(ref_edges.geometry, 1e-12).all()


def test_pbf_equals_osm_xml(osm_file, osm_graph, tmp_path, use_cache):
    osmium = pytest.importorskip("osmium")
    pbf = tmp_path / "san_ysidro.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(osm_file)):
            writer.add(obj)
    with use_cache(tmp_path / "cache"):
        G = roads.load_network(pbf)
    _same_graph(osm_graph, G)


def test_pbf_without_osmium_says_how_to_convert(tmp_path, monkeypatch):
    pbf = tmp_path / "x.osm.pbf"
    pbf.write_bytes(b"\0\0\0\x0dOSMHeader")
    monkeypatch.setitem(sys.modules, "osmium", None)
    with pytest.raises(DataSourceError, match=r"x\.osm\.pbf.*pip install osmium.*osmium cat"):
        roads.load_network(pbf, cache=False)


def test_overpass_bbox_polygon_place(osm_server, osm_tools, osm_graph, tmp_path, use_cache):
    import shapely

    with use_cache(tmp_path):
        G = roads.load_network(bbox=osm_tools.bbox)
        posts = [entry for entry in osm_server.log if entry[0] == "POST"]
        assert len(posts) == 1 and posts[0][1] == "/api/interpreter"
        assert "highway" in posts[0][2] and "poly" in posts[0][2]  # a real drive-network query
        # osmnx keeps the largest weakly connected component of a download
        largest = max(nx.weakly_connected_components(osm_graph), key=len)
        _same_graph(osm_graph.subgraph(largest), G)
        assert list((tmp_path / "osmnx").glob("*.json"))  # osmnx's HTTP cache is ours
        assert (tmp_path / "networks").is_dir()

        # second call: parsed-network cache, no request
        n_before = len(osm_server.log)
        _same_graph(G, roads.load_network(bbox=osm_tools.bbox))
        assert len(osm_server.log) == n_before

        P = roads.load_network(polygon=shapely.box(*osm_tools.bbox), cache=False)
        _same_graph(G, P)
        Q = roads.load_network(place="San Ysidro test area", cache=False)
        assert any(path.startswith("/nominatim/search") for _, path, _ in osm_server.log)
        _same_graph(G, Q)


def test_overpass_error_is_download_error(osm_server, osm_tools, tmp_path, use_cache):
    osm_server.mode = "html"
    with use_cache(tmp_path), pytest.raises(DownloadError, match=r"127\.0\.0\.1"):
        roads.load_network(bbox=osm_tools.bbox, cache=False)


def test_overpass_empty_answer_is_download_error(osm_server, osm_tools, tmp_path, use_cache):
    osm_server.overpass = {"version": 0.6, "elements": []}
    with use_cache(tmp_path), pytest.raises(DownloadError):
        roads.load_network(bbox=osm_tools.bbox, cache=False)


def test_osm_bz2_equals_plain(osm_elements, tmp_path, use_cache, osm_tools):
    """A .osm.bz2 of the same data loads like the plain file."""
    import bz2

    plain = osm_tools.write_xml(osm_elements, tmp_path / "a.osm")
    packed = tmp_path / "a.osm.bz2"
    packed.write_bytes(bz2.compress(plain.read_bytes()))
    with use_cache(tmp_path / "c"):
        _same_graph(roads.load_network(plain), roads.load_network(packed))
