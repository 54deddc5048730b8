"""Unit-to-port minutes of the commuting model on a small network, against networkx."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from binational.commuting.design import port_minutes


def test_port_minutes_on_a_network_equal_networkx():
    crs = "EPSG:32611"
    G = nx.MultiDiGraph(crs=crs)
    for i, x in enumerate(range(0, 4001, 1000)):
        G.add_node(f"m{i}", x=float(x), y=0.0, country="MX")
        G.add_node(f"u{i}", x=float(x), y=2000.0, country="US")
    rng = np.random.default_rng(0)
    for i in range(4):
        for a, b in ((f"m{i}", f"m{i + 1}"), (f"u{i}", f"u{i + 1}")):
            t = float(rng.uniform(60, 240))
            G.add_edge(a, b, travel_time=t, crosses_border=False)
            G.add_edge(b, a, travel_time=t, crosses_border=False)
    G.add_edge("m0", "u0", travel_time=300.0, crosses_border=True, port_code=2504)
    G.add_edge("m4", "u4", travel_time=120.0, crosses_border=True, port_code=2506)
    ports = gpd.GeoDataFrame(
        {"port_code": [2504, 2506]},
        geometry=[shapely.Point(0, 1000), shapely.Point(4000, 1000)],
        crs=crs,
    )
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["MX:a", "MX:b", "US:c", "US:d"],
            "country": ["MX", "MX", "US", "US"],
            "pop_total": [1.0, 1.0, 1.0, 1.0],
        },
        geometry=[
            shapely.Point(x, y).buffer(30)
            for x, y in ((1000, -20), (3000, -20), (2000, 2020), (4000, 2020))
        ],
        crs=crs,
    )
    pm = port_minutes(units, ports, network=G, access_speed_kph=None)
    assert pm.method == "network" and pm.ports == (2504, 2506)
    for i, node in enumerate(("m1", "m3")):
        for j, (tail, head) in enumerate((("m0", "u0"), ("m4", "u4"))):
            drive = nx.shortest_path_length(G, node, tail, weight="travel_time")
            expect = (drive + G[tail][head][0]["travel_time"]) / 60
            assert pm.drive_to[i, j] == pytest.approx(expect)
    for i, node in enumerate(("u2", "u4")):
        for j, head in enumerate(("u0", "u4")):
            expect = nx.shortest_path_length(G, head, node, weight="travel_time") / 60
            assert pm.drive_from[j, i] == pytest.approx(expect)
    # walking legs are straight lines to the port point at 5 km/h × 1.3
    a = shapely.point_on_surface(units.geometry.iloc[0])
    d = a.distance(shapely.Point(0, 1000))
    assert pm.walk_to[0, 0] == pytest.approx(d * 1.3 / (5 / 3.6) / 60)
    opts = pd.DataFrame({"port_code": [2504, 2504], "lane": ["general", "pedestrian"]})
    acc = pm.access(opts)
    assert acc[0, 0] == pm.drive_to[0, 0] and acc[0, 1] == pm.walk_to[0, 0]
