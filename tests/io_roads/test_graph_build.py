"""The fast graph builder of the network cache equals networkx's own construction."""

from __future__ import annotations

import networkx as nx

from binational.io.roads import _cache


def _reference(graph, nodes, edges) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(**graph)
    G.add_nodes_from(nodes)
    G.add_edges_from(edges)
    return G


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Equal graphs, in the same order: nodes, edges, successor and predecessor lists."""
    assert a.graph == b.graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert [(n, list(a.pred[n])) for n in a] == [(n, list(b.pred[n])) for n in b]
    assert list(a.in_edges(keys=True, data=True)) == list(b.in_edges(keys=True, data=True))
    for u, v in a.edges():  # succ[u][v] and pred[v][u] are one key dict
        assert a._succ[u][v] is a._pred[v][u]
        assert b._succ[u][v] is b._pred[v][u]


def test_small_graph_with_repeats_and_unknown_nodes():
    graph = {"crs": "EPSG:32611", "name": "t"}
    nodes = [(1, {"x": 0.0}), (2, {"x": 1.0}), (1, {"y": 5.0}), (3, {})]
    edges = [
        (1, 2, 0, {"length": 1.0}),
        (2, 1, 0, {"length": 1.5}),
        (1, 2, 1, {"length": 2.0}),  # parallel edge
        (1, 2, 0, {"oneway": True}),  # same key again: attributes merged
        (4, 1, 0, {"length": 3.0}),  # a node that was never added
        (2, 5, 7, {}),
    ]
    fresh = [(n, dict(d)) for n, d in nodes], [(u, v, k, dict(d)) for u, v, k, d in edges]
    _same(_cache._multidigraph(graph, *fresh), _reference(graph, nodes, edges))


def test_cached_network_builds_the_graph_networkx_builds(warm_network, roads_cache, use_cache):
    with use_cache(roads_cache):
        (entry,) = (roads_cache / "networks").glob("*.json")
        tables = _cache._read_cache(entry.stem)
    fast = _cache._graph_from_tables(tables)
    nk, ek = tables.kinds["nodes"], tables.kinds["edges"]
    nodes = zip(
        _cache._decoded(tables.nodes, nk, "osmid"),
        _cache._dicts(tables.nodes, nk, ("osmid",)),
        strict=True,
    )
    u, v, k = (_cache._decoded(tables.edges, ek, c) for c in ("u", "v", "key"))
    edges = zip(u, v, k, _cache._dicts(tables.edges, ek, ("u", "v", "key")), strict=True)
    reference = _reference(tables.graph, nodes, edges)
    assert fast.number_of_edges() > 40_000
    _same(fast, reference)
    assert nx.utils.graphs_equal(fast, warm_network)
