"""Travel times on the real SANDAG network against networkx and osmnx."""

from __future__ import annotations

import itertools

import numpy as np
import osmnx as ox
import pytest
from scipy import sparse
from scipy.sparse import csgraph

from binational.catchments import node_times
from binational.drops import DropReport

from .conftest import as_array, nx_times


def test_sparse_graph_shape_and_ports(tjsd, graph):
    G = tjsd.network
    assert len(graph) == G.number_of_nodes() == 23079
    # 13 port links (SOURCES.md), the only edges that cross the line
    assert len(graph.border) == 13
    assert graph.border.groupby("port_code").size().to_dict() == {2504: 4, 2505: 2, 2506: 7}
    nb = graph.border[graph.border.direction == "northbound"]
    assert set(graph.country[nb.u_idx]) == {"MX"} and set(graph.country[nb.v_idx]) == {"US"}
    sb = graph.border[graph.border.direction == "southbound"]
    assert set(graph.country[sb.u_idx]) == {"US"} and set(graph.country[sb.v_idx]) == {"MX"}


def test_matrix_holds_the_quickest_parallel_edge(domestic_nx, graph):
    checked = 0
    for u, v in {(u, v) for u, v, k in domestic_nx.edges(keys=True) if k > 0}:
        want = min(d["travel_time"] for d in domestic_nx[u][v].values())
        i, j = graph.positions([u, v])
        assert graph.matrix[i, j] == pytest.approx(want, abs=1e-9)
        checked += 1
    assert checked > 0
    assert graph.matrix.nnz == len({(u, v) for u, v in domestic_nx.edges()})


def test_times_from_port_heads_equal_networkx(graph, ptimes, domestic_nx):
    heads = np.unique(graph.border["v_idx"])
    ours = node_times(graph, heads)
    for row, head in zip(ours, heads, strict=True):
        ref = as_array(graph, nx_times(domestic_nx, graph.node_ids[head]))
        assert np.array_equal(np.isfinite(row), np.isfinite(ref))
        ok = np.isfinite(ref)
        assert np.max(np.abs(row[ok] - ref[ok])) <= 1e-6
    # PortTimes rows are the same searches, one per border edge
    for e, head in enumerate(graph.border["v_idx"]):
        assert np.array_equal(ptimes.from_head[e], ours[np.searchsorted(heads, head)])


def test_times_to_port_tails_equal_networkx_on_reversed_graph(graph, ptimes, domestic_nx_reversed):
    for e, tail in enumerate(graph.border["u_idx"]):
        ref = as_array(graph, nx_times(domestic_nx_reversed, graph.node_ids[tail]))
        row = ptimes.to_tail[e]
        assert np.array_equal(np.isfinite(row), np.isfinite(ref))
        ok = np.isfinite(ref)
        assert np.max(np.abs(row[ok] - ref[ok])) <= 1e-6


def test_limit_equals_networkx_cutoff(graph, domestic_nx):
    head = int(graph.border["v_idx"].iloc[0])
    limited = node_times(graph, [head], limit=900.0)[0]
    ref = as_array(graph, nx_times(domestic_nx, graph.node_ids[head], cutoff=900.0))
    assert np.array_equal(np.isfinite(limited), np.isfinite(ref))
    ok = np.isfinite(ref)
    assert np.max(np.abs(limited[ok] - ref[ok])) <= 1e-6
    assert 0 < ok.sum() < np.isfinite(node_times(graph, [head])[0]).sum()


def test_sampled_pairs_equal_osmnx_shortest_path(graph, ptimes, domestic_nx):
    rng = np.random.default_rng(4)
    sb = graph.border[graph.border.direction == "southbound"]
    for e in sb.index:
        head = graph.node_ids[sb.at[e, "v_idx"]]
        reach = np.flatnonzero(np.isfinite(ptimes.from_head[e]))
        for target in rng.choice(reach, size=min(4, len(reach)), replace=False):
            path = ox.routing.shortest_path(
                domestic_nx, head, graph.node_ids[target], weight="travel_time"
            )
            seconds = sum(
                min(d["travel_time"] for d in domestic_nx[a][b].values())
                for a, b in itertools.pairwise(path)
            )
            assert ptimes.from_head[e, target] == pytest.approx(seconds, abs=1e-6)


def test_to_port_and_from_port(graph, ptimes):
    to = ptimes.to_port(2504, "northbound")
    rows = ptimes.edges(2504, "northbound")
    tt = graph.border["travel_time"].to_numpy()[rows]
    np.testing.assert_allclose(to, np.min(ptimes.to_tail[rows] + tt[:, None], axis=0))
    reach = np.isfinite(to)
    # only Mexican nodes can reach the northbound port without crossing elsewhere
    assert set(graph.country[reach]) == {"MX"}
    assert set(graph.country[np.isfinite(ptimes.from_port(2504, "northbound"))]) == {"US"}


def test_removing_port_edges_disconnects_the_sides(graph):
    _, labels = csgraph.connected_components(graph.matrix, directed=True, connection="weak")
    for lab in np.unique(labels):
        assert len(set(graph.country[labels == lab])) == 1


def _full_matrix(G, graph) -> sparse.csr_array:
    """All edges (border ones too), least time over parallel edges, built independently."""
    best: dict[tuple[int, int], float] = {}
    for u, v, d in G.edges(data=True):
        key = (u, v)
        best[key] = min(best.get(key, np.inf), d["travel_time"])
    pos = graph.positions([k[0] for k in best])
    pos_v = graph.positions([k[1] for k in best])
    n = len(graph)
    return sparse.csr_array((list(best.values()), (pos, pos_v)), shape=(n, n))


def test_shortest_paths_cross_only_through_port_edges(tjsd, graph):
    full = _full_matrix(tjsd.network, graph)
    port_pairs = set(zip(graph.border.u_idx, graph.border.v_idx, strict=True))
    rng = np.random.default_rng(11)
    us = np.flatnonzero((graph.country == "US") & graph.routable)
    mx = np.flatnonzero((graph.country == "MX") & graph.routable)
    sources = np.concatenate([rng.choice(us, 3, replace=False), rng.choice(mx, 3, replace=False)])
    dist, pred = csgraph.dijkstra(full, indices=sources, return_predecessors=True)
    crossings = 0
    for i, s in enumerate(sources):
        other = mx if graph.country[s] == "US" else us
        for t in rng.choice(other, 40, replace=False):
            if not np.isfinite(dist[i, t]):
                continue
            node = t
            while node != s:
                prev = pred[i, node]
                if graph.country[prev] != graph.country[node]:
                    assert (prev, node) in port_pairs
                    crossings += 1
                node = prev
    assert crossings > 0


def test_nodes_off_the_main_component_are_reported(tjsd):
    from binational.catchments import sparse_graph

    report = DropReport()
    g = sparse_graph(tjsd.network, report=report)
    off = report.to_frame()
    off = off[off.reason == "node_off_main_component"]
    assert len(off) == int((~g.routable).sum()) > 0
    # the largest strongly connected component of the whole graph is 22,988 nodes (SOURCES.md);
    # per side, the routable nodes are at least that many less the port stubs
    assert g.routable.sum() >= 22_900
