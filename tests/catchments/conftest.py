"""Real-data fixtures for the catchment tests, each built once per session.

The Tijuana–San Diego region (SANDAG network with imputed speeds and marked port edges, unit
table, ports, waits) is loaded with ``binational.load_region`` (~12 s); Juárez–El Paso without
a network (straight-line model).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import binational
from binational.catchments import catchments, port_times, sparse_graph

# the case: northbound, 7 am, San Ysidro's CBP hourly profile lent to every port
REAL_KW = {
    "minutes": (30, 60, 90, 120),
    "hour": 7,
    "direction": "northbound",
    "lane": "general",
    "wait_source": "historical",
    "wait_fallback": 2504,
}


@pytest.fixture(scope="session")
def tjsd(data_dir):
    return binational.load_region("tijuana-san-diego", data_dir=data_dir)


@pytest.fixture(scope="session")
def jep(data_dir):
    return binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)


@pytest.fixture(scope="session")
def graph(tjsd):
    return sparse_graph(tjsd.network)


@pytest.fixture(scope="session")
def ptimes(graph):
    return port_times(graph)


@pytest.fixture(scope="session")
def domestic_nx(tjsd):
    """The networkx graph without its border edges (what the sparse matrix holds)."""
    G = tjsd.network.copy()
    border = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["crosses_border"]]
    G.remove_edges_from(border)
    return G


@pytest.fixture(scope="session")
def domestic_nx_reversed(domestic_nx):
    return domestic_nx.reverse(copy=True)


@pytest.fixture(scope="session")
def tjsd_result(tjsd):
    return catchments(tjsd, **REAL_KW)


@pytest.fixture(scope="session")
def jep_result(jep):
    return catchments(jep, minutes=(15, 30, 60), hour=None, weekday="all")


def nx_times(G: nx.MultiDiGraph, source, *, cutoff=None) -> dict:
    return nx.single_source_dijkstra_path_length(G, source, cutoff=cutoff, weight="travel_time")


def as_array(graph, times: dict) -> np.ndarray:
    out = np.full(len(graph), np.inf)
    out[graph.positions(list(times))] = list(times.values())
    return out
