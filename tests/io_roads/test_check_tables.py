"""The network check of a cache hit reads the cached edge table instead of walking the graph:
the same summary and the same flagged nodes as the walk, on the real Tijuana–San Diego graph."""

from __future__ import annotations

import numpy as np
import pytest

from binational.drops import DropReport
from binational.io import roads
from binational.io.roads._cache import _graph_from_tables, _tables_from_graph
from binational.io.roads._graph import check_network, edge_arrays


def _check(G, arrays):
    report = DropReport()
    summary = check_network(G, report=report, layer="net", arrays=arrays)
    return summary, report.to_frame()


@pytest.fixture(scope="module")
def cached(cold_network):
    G, _ = cold_network
    tables = _tables_from_graph(G)
    return _graph_from_tables(tables), tables


def test_table_check_is_the_graph_walk(cached):
    G, tables = cached
    arrays = roads._table_arrays(G, tables)
    assert arrays is not None  # the real cache entry takes the table path
    walk, walk_drops = _check(G, None)
    table, table_drops = _check(G, arrays)
    assert walk == table
    assert walk["outside_largest_scc"] > 0  # the real graph has nodes to flag
    assert walk_drops.equals(table_drops)


def test_table_check_counts_edges_without_length(cached):
    G, tables = cached
    u, v, k = (tables.edges.column(c).to_numpy() for c in ("u", "v", "key"))
    length = tables.edges.column("length").to_numpy().astype(float)
    length[:7] = np.nan
    length[7:9] = np.inf
    assert edge_arrays(G, u, v, k, length)[2] == 9
    assert edge_arrays(G, u, v, k, None)[2] == len(u)


def test_table_that_is_not_the_graph_is_not_used(cached):
    G, tables = cached
    u, v, k = (tables.edges.column(c).to_numpy() for c in ("u", "v", "key"))
    length = tables.edges.column("length").to_numpy().astype(float)
    # a repeated edge (the graph holds it once) and an end that is not a node
    assert edge_arrays(G, np.r_[u, u[:1]], np.r_[v, v[:1]], np.r_[k, k[:1]], None) is None
    bad_u = u.copy()
    bad_u[0] = -12345
    assert edge_arrays(G, bad_u, v, k, length) is None
