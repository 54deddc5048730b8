"""The real SANDAG binational GraphML, compared with a plain osmnx read and with SOURCES.md."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest

from binational.errors import CRSError
from binational.io import roads
from binational.network import prepare as network
from binational.network import speeds

pytestmark = pytest.mark.slow  # two full parses of the 2.8 MB GraphML (osmnx and ours), once

# SOURCES.md (osm/): the 13 POE links by port.
POE_LINKS = {
    2504: {58178, 58179, 58180, 58204},  # San Ysidro
    2506: {56862, 58195, 58201, 58209, 58265, 58192, 58193},  # Otay Mesa
    2505: {58220, 58224},  # Tecate
}
# SOURCES.md: nodes that the INEGI polygons put on the US side but the data author moved to MX.
REASSIGNED_TO_MX = {28678, 28803, 28873, 28935, 29077}


def _expected(value):
    """What our type coercion should make of a plain osmnx value."""
    if value == "":
        return None
    if value in ("True", "False"):
        return value == "True"
    return value


def test_counts_and_ids_equal_plain_osmnx(cold_network, reference_graph):
    G, _ = cold_network
    assert (len(G), G.number_of_edges()) == (23_079, 49_978)  # SOURCES.md
    assert set(G.nodes) == set(reference_graph.nodes)
    assert set(G.edges(keys=True)) == set(reference_graph.edges(keys=True))
    assert G.graph == reference_graph.graph


def test_every_attribute_equals_plain_osmnx(cold_network, reference_graph):
    G, _ = cold_network
    numeric = {"length", "sandag_fwy_posted_mph", "link_id", "sandag_hwycov_node"}
    for n, ref in reference_graph.nodes(data=True):
        ours = G.nodes[n]
        for k, v in ref.items():
            if k in numeric:
                assert ours[k] == float(v), (n, k)
            else:
                assert ours.get(k) == _expected(v), (n, k)
        assert set(ours) <= set(ref)
    for u, v, k, ref in reference_graph.edges(keys=True, data=True):
        ours = G.edges[u, v, k]
        for a, x in ref.items():
            if a in numeric:
                assert ours[a] == float(x), (u, v, k, a)
            elif a == "geometry":
                assert ours[a].equals_exact(x, 0), (u, v, k)
            else:
                assert ours.get(a) == _expected(x), (u, v, k, a)
    assert isinstance(G.edges[6001, 6002, 0]["link_id"], int)
    assert G.edges[6001, 6002, 0]["border_crossing"] is False


def test_length_sums_equal(cold_network, reference_graph):
    G, _ = cold_network
    ours = sum(d["length"] for *_, d in G.edges(data=True))
    ref = sum(d["length"] for *_, d in reference_graph.edges(data=True))
    assert ours == pytest.approx(ref, rel=1e-12)


def test_warm_load_is_identical_to_cold(cold_network, warm_network):
    G, _ = cold_network
    W = warm_network
    assert W.graph == G.graph
    assert list(W.nodes(data=True)) == list(G.nodes(data=True))
    cold_edges = list(G.edges(keys=True, data=True))
    warm_edges = list(W.edges(keys=True, data=True))
    assert [e[:3] for e in warm_edges] == [e[:3] for e in cold_edges]
    for (*_, a), (*_, b) in zip(cold_edges, warm_edges, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if key == "geometry":
                assert a[key].equals_exact(b[key], 0)
            else:
                assert a[key] == b[key] and type(a[key]) is type(b[key]), key


def test_frames_match_osmnx_graph_to_gdfs(cold_network, graphml_path, roads_cache, use_cache):
    G, _ = cold_network
    with use_cache(roads_cache):
        nodes, edges = roads.load_network_frames(graphml_path)
    ref_nodes, ref_edges = ox.graph_to_gdfs(G)
    assert nodes.index.equals(ref_nodes.index)
    np.testing.assert_array_equal(nodes["x"], ref_nodes["x"])
    np.testing.assert_array_equal(nodes["y"], ref_nodes["y"])
    assert nodes.geometry.geom_equals_exact(ref_nodes.geometry, 0).all()
    assert set(edges.index) == set(ref_edges.index)
    ref_edges = ref_edges.loc[edges.index]
    np.testing.assert_array_equal(edges["length"], ref_edges["length"])
    assert edges.geometry.geom_equals_exact(ref_edges.geometry, 0).all()
    assert str(edges.crs) == str(ref_edges.crs) == "EPSG:4326"


def test_connectivity_report_matches_networkx(cold_network, reference_graph):
    G, report = cold_network
    largest = max(nx.strongly_connected_components(reference_graph), key=len)
    assert len(largest) == 22_988  # SOURCES.md
    flagged = report.to_frame()
    flagged = flagged[flagged["reason"] == "outside_largest_scc_flagged"]
    assert set(flagged["id"]) == {str(n) for n in set(reference_graph) - largest}
    summary = roads.check_network(G)
    assert summary["largest_scc"] == 22_988
    assert summary["weak_components"] == nx.number_weakly_connected_components(reference_graph)


def test_shortest_path_from_sources_md(cold_network):
    G, _ = cold_network
    # SOURCES.md: San Ysidro US side (13755) -> Tijuana (27954) 3,957 m; reverse 2,768 m.
    assert nx.shortest_path_length(G, 13755, 27954, weight="length") == pytest.approx(3957, abs=1)
    assert nx.shortest_path_length(G, 27954, 13755, weight="length") == pytest.approx(2768, abs=1)


@pytest.fixture(scope="module")
def marked(warm_network):
    G = warm_network.copy()
    network.mark_border_edges(G)
    speeds.impute_speeds(G)
    return G


def test_poe_links_and_port_codes(marked, reference_graph):
    crossing = [
        (d["link_id"], d["port_code"]) for *_, d in marked.edges(data=True) if d["crosses_border"]
    ]
    assert len(crossing) == 13
    by_port: dict[int, set[int]] = {}
    for link, code in crossing:
        by_port.setdefault(code, set()).add(link)
    assert by_port == POE_LINKS
    ref_poe = {int(d["link_id"]) for *_, d in reference_graph.edges(data=True) if d["poe"]}
    assert ref_poe == set().union(*POE_LINKS.values())
    assert all(
        d["port_code"] is None for *_, d in marked.edges(data=True) if not d["crosses_border"]
    )


def test_travel_times(marked, reference_graph):
    times = np.array([d["travel_time"] for *_, d in marked.edges(data=True)])
    assert np.isfinite(times).all() and (times > 0).all()
    sources = marked.graph["speed_sources"]
    posted = [
        (u, v, k, float(d["sandag_fwy_posted_mph"]))
        for u, v, k, d in reference_graph.edges(keys=True, data=True)
        if "sandag_fwy_posted_mph" in d
    ]
    assert sources == {
        "poe": 13,
        "sandag_posted": len(posted),
        "length_default": 49_978 - 13 - len(posted),
    }
    for u, v, k, mph in posted:
        d = marked.edges[u, v, k]
        assert d["speed_kph"] == pytest.approx(mph * 1.609344)
        assert d["travel_time"] == pytest.approx(d["length"] / (mph * 1609.344 / 3600))
    for *_, d in marked.edges(data=True):
        if d["speed_source"] == "poe":
            assert d["speed_kph"] == 10.0


def test_geometric_detection_reproduces_poe_links(warm_network, ports_gdf):
    """Without the SANDAG flags, node countries + nearest BTS port find the same 13 links."""
    G = warm_network.copy()
    for *_, d in G.edges(data=True):
        d.pop("poe", None)
        d.pop("border_crossing", None)
    network.mark_border_edges(G, ports=ports_gdf)
    found = {}
    for *_, d in G.edges(data=True):
        if d["crosses_border"]:
            found.setdefault(d["port_code"], set()).add(d["link_id"])
    assert found == POE_LINKS


def test_node_countries_from_polygons_and_line(warm_network, mx_polygons, ports_gdf):
    """Countries from the INEGI municipio polygons (or their northern edge as a line) agree with
    the network's own, except the 5 nodes SOURCES.md says were moved by hand."""
    import shapely

    truth = dict(warm_network.nodes(data="country"))
    line = mx_polygons.union_all().boundary.intersection(
        shapely.box(-117.2, 32.5345, -114.7, 32.75)
    )
    for border in (mx_polygons, line):
        G = warm_network.copy()
        for _, d in G.nodes(data=True):
            del d["country"]
        from binational.drops import DropReport

        report = DropReport()
        network.mark_border_edges(G, border=border, ports=ports_gdf, report=report)
        wrong = {n for n, c in G.nodes(data="country") if c != truth[n]}
        assert wrong == REASSIGNED_TO_MX
        crossing = {
            d["link_id"]: d["port_code"] for *_, d in G.edges(data=True) if d["crosses_border"]
        }
        for code, links in POE_LINKS.items():
            assert all(crossing[link] == code for link in links)
        # the misplaced nodes create crossings far from any port: reported, not assigned
        orphans = {k for k, c in crossing.items() if c is None}
        assert orphans and len(report) == len(orphans)
        assert set(report.to_frame()["reason"]) == {"border_edge_without_port_flagged"}


def test_projection_and_require_projected(warm_network):
    with pytest.raises(CRSError, match="geographic"):
        network.require_projected(warm_network)
    P = roads.project_network(warm_network, "EPSG:32611")
    assert network.require_projected(P).to_epsg() == 32611
    to_utm = pyproj.Transformer.from_crs(4326, 32611, always_xy=True)
    for n in (6001, 13755, 27954):
        x, y = to_utm.transform(warm_network.nodes[n]["x"], warm_network.nodes[n]["y"])
        assert math.isclose(P.nodes[n]["x"], x, abs_tol=1e-6) and math.isclose(
            P.nodes[n]["y"], y, abs_tol=1e-6
        )


def test_speeds_on_frames_equal_speeds_on_graph(marked, graphml_path, roads_cache, use_cache):
    with use_cache(roads_cache):
        nodes, edges = roads.load_network_frames(graphml_path)
    timed = speeds.impute_speeds(edges, nodes=nodes)
    assert "speed_kph" not in edges.columns  # a new frame
    ref = [marked.edges[uvk] for uvk in timed.index]
    np.testing.assert_array_equal(timed["speed_kph"], [d["speed_kph"] for d in ref])
    np.testing.assert_allclose(timed["travel_time"], [d["travel_time"] for d in ref], rtol=1e-12)
    assert timed["speed_source"].tolist() == [d["speed_source"] for d in ref]
