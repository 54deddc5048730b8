"""Juárez–El Paso bridge by bridge: coordinates, counts, pedestrian catchments (straight line on
the real data; on a small network built here, against networkx)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
import shapely

from binational.commuting.bridges import (
    bridge_counts,
    bridge_crossings,
    pedestrian_catchments,
    walk_network,
)
from binational.drops import DropReport
from binational.io import ports as io_ports


@pytest.fixture(scope="module")
def jep_sl(data_dir):
    import binational

    return binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)


@pytest.fixture(scope="module")
def registry():
    return io_ports.read_ports(region="juarez-el-paso", level="finest")


def test_bridges_have_their_own_coordinates(registry, data_dir):
    rep = DropReport()
    b = bridge_crossings(registry, report=rep)
    ref = pd.read_csv(
        data_dir / "crossings/txdot_unt_tx_mx_border_crossings_coordinates.csv",
        encoding="utf-8-sig",
    ).set_index("Border Crossing Name")
    pdn = b[b.port_code == 240202].iloc[0]
    assert pdn.parent_port == 2402
    assert pdn.geometry.y == pytest.approx(ref.loc["Paso del Norte Bridge", "Lat"], abs=1e-6)
    assert pdn.geometry.x == pytest.approx(ref.loc["Paso del Norte Bridge", "Lon"], abs=1e-6)
    assert {240201, 240202, 240203} <= set(b.port_code)  # BOTA, PDN, Ysleta: separate crossings
    assert 240204 not in set(b.port_code)  # Stanton: no pedestrian mode in the registry
    assert len(rep)  # rail bridges and Stanton recorded


def test_bridge_counts_equal_pandas(jep_sl, registry, data_dir):
    counts = bridge_counts(jep_sl.crossings, registry)
    ref = pd.read_csv(data_dir / "crossings/cbp_tx_mx_northbound_crossings_monthly_2008_2025.csv")
    r = ref[(ref.Crossing == "Paso del Norte Bridge") & ref.Modes.str.startswith("Pedestrian")]
    got = counts[(counts.port_code == 240202) & (counts.measure == "Pedestrians")]["value"].sum()
    assert got == pytest.approx(r["Northbound Crossing"].sum())


def test_pedestrian_catchments_straight_line(jep_sl, registry):
    b = bridge_crossings(registry)
    res = pedestrian_catchments(
        units=jep_sl.units, bridges=b, waits=jep_sl.waits, minutes=(30, 60), wait_fallback="zero"
    )
    assert res.method == "straight-line" and res.params["mode"] == "walk"
    assert set(res.isochrones["method"]) == {"straight-line"}
    waits = res.waits.set_index("port_code")["wait_minutes"]
    assert waits.loc[240202] == 2.0  # PDN pedestrian wait in the CBP snapshot
    # hand computation for a few origin units: distance × 1.3 / 5 km/h + wait
    u = res.units[res.units.role == "origin"].head(5)
    bp = b.to_crs(jep_sl.units.crs).set_index("port_code").geometry
    for _, row in u.iterrows():
        p = shapely.point_on_surface(row.geometry)
        dist = p.distance(bp.loc[240202])
        expect = dist * 1.3 / (5 / 3.6) / 60 + waits.loc[240202]
        assert row["minutes_240202"] == pytest.approx(expect, rel=1e-9)
    pdn_shed = res.units[(res.units.role == "origin") & (res.units.best_port == 240202)]
    assert len(pdn_shed) > 0


def test_pedestrian_catchments_on_a_small_network_equal_networkx():
    """Two streets, one per side, joined by two bridges; walked at 5 km/h."""
    crs = "EPSG:32613"
    G = nx.MultiDiGraph(crs=crs)
    # MX street along y=0, US street along y=1000 (metres), bridges at x=0 and x=2000
    for i, x in enumerate(range(0, 2001, 500)):
        G.add_node(f"m{i}", x=float(x), y=0.0, country="MX")
        G.add_node(f"u{i}", x=float(x), y=1000.0, country="US")
    for i in range(4):
        for a, b in ((f"m{i}", f"m{i + 1}"), (f"u{i}", f"u{i + 1}")):
            for s, t in ((a, b), (b, a)):
                G.add_edge(s, t, length=500.0, crosses_border=False)
    G.add_edge("m0", "u0", length=1000.0, crosses_border=True, port_code=240202)
    G.add_edge("m4", "u4", length=1000.0, crosses_border=True, port_code=240201)
    bridges = gpd.GeoDataFrame(
        {
            "port_code": [240202, 240201],
            "crossing_id": ["240202", "240201"],
            "name": ["PDN", "BOTA"],
        },
        geometry=[shapely.Point(0, 500), shapely.Point(2000, 500)],
        crs=crs,
    )
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["MX:a", "MX:b", "US:c", "US:d"],
            "country": ["MX", "MX", "US", "US"],
            "pop_total": [100.0, 200.0, 300.0, 400.0],
        },
        geometry=[
            shapely.Point(x, y).buffer(50)
            for x, y in ((500, -10), (1500, -10), (500, 1010), (1900, 1010))
        ],
        crs=crs,
    )
    waits = pd.DataFrame(
        {
            "port_code": [2402, 2402],
            "crossing_id": ["240202", "240201"],
            "lane": ["pedestrian", "pedestrian"],
            "direction": ["northbound", "northbound"],
            "time": pd.NaT,
            "month": pd.NA,
            "weekday": pd.NA,
            "hour": pd.NA,
            "minutes": [2.0, 10.0],
            "lanes_open": pd.NA,
            "source": "test",
        }
    )
    res = pedestrian_catchments(units=units, bridges=bridges, waits=waits, network=G, minutes=(30,))
    assert res.method == "network"
    speed = 5 / 3.6  # metres per second; reference from lengths, not from walk_network
    for uid, node in (("MX:a", "m1"), ("MX:b", "m3")):
        row = res.units.set_index("unit_id").loc[uid]
        for code, tail, head, wait in ((240202, "m0", "u0", 2.0), (240201, "m4", "u4", 10.0)):
            walk = nx.shortest_path_length(G, node, tail, weight="length") / speed
            bridge = G[tail][head][0]["length"] / speed
            access = row["snap_m"] / speed
            expect = (walk + bridge + access) / 60 + wait
            assert row[f"minutes_{code}"] == pytest.approx(expect, rel=1e-9)
    assert res.units.set_index("unit_id").loc["MX:a", "best_port"] == 240202
    assert walk_network(G, walk_kph=5.0)["m0"]["u0"][0]["travel_time"] == pytest.approx(720.0)
