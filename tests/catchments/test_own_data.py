"""Bring your own data: a plain osmnx graph, any unit table, tidy or dict waits, a CRS in feet."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from osmnx.distance import great_circle

from binational import schema
from binational.catchments import (
    CatchmentOptions,
    Scenario,
    WaitOptions,
    catchment_units,
    catchments,
    port_waits,
    resolve_waits,
    tidy_waits,
)
from binational.errors import NetworkError, SchemaError

# ---------------------------------------------------------------------------------------------
# a plain osmnx graph: unprojected, no country, crosses_border or port_code

XS = (-117.00, -116.99, -116.98, -116.97)
MX_ROWS, US_ROWS = (32.52, 32.53), (32.55, 32.56)
BORDER_LAT = 32.54
PORTS = {1001: XS[0], 1002: XS[3]}
SPEEDS = {"horizontal": 60.0, "vertical": 40.0, "crossing": 10.0}


def _plain_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, x in enumerate(XS):
        for j, y in enumerate(MX_ROWS + US_ROWS):
            G.add_node(f"n{i}{j}", x=x, y=y)

    def road(a, b, kind):
        ax, ay, bx, by = G.nodes[a]["x"], G.nodes[a]["y"], G.nodes[b]["x"], G.nodes[b]["y"]
        length = float(great_circle(ay, ax, by, bx))
        for u, v in ((a, b), (b, a)):
            G.add_edge(u, v, length=length, highway="primary", maxspeed=f"{SPEEDS[kind]:g}")

    for j in range(4):
        for i in range(3):
            road(f"n{i}{j}", f"n{i + 1}{j}", "horizontal")
    for i in range(4):
        road(f"n{i}0", f"n{i}1", "vertical")
        road(f"n{i}2", f"n{i}3", "vertical")
    road("n01", "n02", "crossing")  # the two ports' links across the line
    road("n31", "n32", "crossing")
    return G


def _countries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": ["MX", "US"]},
        geometry=[
            shapely.box(-117.1, 32.4, -116.9, BORDER_LAT),
            shapely.box(-117.1, BORDER_LAT, -116.9, 32.7),
        ],
        crs="EPSG:4326",
    )


def _ports() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"port_code": list(PORTS), "name": ["West", "East"]},
        geometry=gpd.points_from_xy(list(PORTS.values()), [BORDER_LAT] * 2),
        crs="EPSG:4326",
    )


def _units(G: nx.MultiDiGraph, crs="EPSG:32611") -> gpd.GeoDataFrame:
    """A small square around every node; a user's own column names and no country column."""
    nodes = sorted(G.nodes)
    pts = gpd.GeoSeries(
        gpd.points_from_xy([G.nodes[n]["x"] for n in nodes], [G.nodes[n]["y"] for n in nodes]),
        crs="EPSG:4326",
    ).to_crs(crs)
    return gpd.GeoDataFrame(
        {"GEOID": nodes, "POP": np.arange(1.0, len(nodes) + 1) * 100},
        geometry=pts.buffer(20.0, cap_style="square"),
        crs=crs,
    )


def _reference_minutes(G: nx.MultiDiGraph) -> dict[int, dict[str, float]]:
    """Drive minutes (no wait) of every unit through each port, networkx on the raw graph."""
    H = G.copy()
    kinds = {f"{v:g}": k for k, v in SPEEDS.items()}
    for _, _, d in H.edges(data=True):
        d["tt"] = d["length"] / (SPEEDS[kinds[d["maxspeed"]]] / 3.6)

    def south(n):
        return H.nodes[n]["y"] < BORDER_LAT

    domestic = H.copy()
    domestic.remove_edges_from(
        [(u, v, k) for u, v, k in H.edges(keys=True) if south(u) != south(v)]
    )
    out = {}
    for code, x in PORTS.items():
        u, v = next(
            (u, v) for u, v in H.edges() if south(u) and not south(v) and H.nodes[u]["x"] == x
        )
        tt = H.edges[u, v, 0]["tt"]
        to_tail = nx.single_source_dijkstra_path_length(domestic.reverse(copy=True), u, weight="tt")
        from_head = nx.single_source_dijkstra_path_length(domestic, v, weight="tt")
        # northbound: MX units drive to the link and across it; US units from the link onward
        out[code] = {n: ((to_tail[n] if south(n) else from_head[n]) + tt) / 60.0 for n in H.nodes}
    return out


def test_plain_osmnx_graph_ports_and_countries_are_enough():
    G = _plain_graph()
    units = _units(G)
    res = catchments(
        units=units,
        ports=_ports(),
        network=G,
        countries=_countries(),
        columns={"unit_id": "GEOID", "pop_total": "POP"},
        waits={1001: 10.0, 1002: 25.0},
        minutes=(30,),
        access_speed_kph=None,
    )
    assert res.method == "network" and res.graph.crs.to_epsg() == 32611
    assert set(res.graph.border[schema.PORT_CODE]) == set(PORTS)
    got = res.units.set_index(schema.UNIT_ID)
    assert (got[schema.COUNTRY] == ["MX" if k[-1] in "01" else "US" for k in got.index]).all()
    want = _reference_minutes(G)
    waits = res.waits.set_index(schema.PORT_CODE)["wait_minutes"]
    assert waits.to_dict() == {1001: 10.0, 1002: 25.0}
    for code in PORTS:  # each port's time is the networkx drive plus the port's wait
        np.testing.assert_allclose(
            got[f"minutes_{code}"].to_numpy(),
            [want[code][n] + waits[code] for n in got.index],
            rtol=1e-6,
        )
    best = np.minimum(*[np.array([want[c][n] + waits[c] for n in got.index]) for c in PORTS])
    np.testing.assert_allclose(got["best_minutes"].to_numpy(), best, rtol=1e-6)


def test_a_plain_graph_without_country_polygons_says_what_is_missing():
    G = _plain_graph()
    units = catchment_units(_units(G), unit_id="GEOID", pop_total="POP", countries=_countries())
    with pytest.raises(NetworkError, match=r"lack the attribute 'country'.*prepare_network"):
        catchments(units=units, ports=_ports(), network=G, waits={1001: 10.0, 1002: 5.0})


# ---------------------------------------------------------------------------------------------
# any unit table


def test_columns_mapping_and_country_from_polygons(jep, jep_result):
    own = jep.units.rename(columns={"unit_id": "GEOID", "pop_total": "POP", "country": "side"})
    res = catchments(
        units=own,
        ports=jep.ports,
        waits=jep.waits,
        columns={"unit_id": "GEOID", "pop_total": "POP", "country": "side"},
        minutes=(15, 30, 60),
        hour=None,
        weekday="all",
    )
    pd.testing.assert_series_equal(res.units["best_minutes"], jep_result.units["best_minutes"])
    assert list(res.units[schema.UNIT_ID]) == list(jep_result.units[schema.UNIT_ID])
    # the same table without its country column: the country comes from polygons
    countries = jep.units.dissolve(by="country").reset_index()[["country", "geometry"]]
    table = catchment_units(
        own.drop(columns="side"), unit_id="GEOID", pop_total="POP", countries=countries
    )
    assert (table[schema.COUNTRY].to_numpy() == jep.units[schema.COUNTRY].to_numpy()).all()
    with pytest.raises(SchemaError, match="GEOIDX"):
        catchment_units(own, columns={"unit_id": "GEOIDX"})
    with pytest.raises(SchemaError, match="country"):
        catchment_units(own.drop(columns="side"), unit_id="GEOID", pop_total="POP")


def test_a_crs_in_feet_is_reprojected_not_misread(jep, jep_result):
    feet = jep.units.to_crs("EPSG:2258")  # NAD83 / New Mexico Central (ftUS)
    res = catchments(
        units=feet,
        ports=jep.ports,
        waits=jep.waits,
        minutes=(15, 30, 60),
        hour=None,
        weekday="all",
    )
    assert res.units.crs.axis_info[0].unit_name == "metre"
    np.testing.assert_allclose(
        res.units["best_minutes"], jep_result.units["best_minutes"], rtol=1e-3
    )


# ---------------------------------------------------------------------------------------------
# waits: tidy frame or dict


def test_tidy_wait_frame_with_minimal_columns():
    frame = pd.DataFrame(
        {"port_code": [1, 1, 1, 2], "hour": [7, 7, 8, 7], "minutes": [10.0, 20.0, 90.0, 5.0]}
    )
    got = resolve_waits(frame, port_codes=[1, 2], hour=7, lane="commuter")
    assert got.set_index("port_code")["wait_minutes"].to_dict() == pytest.approx({1: 15.0, 2: 5.0})
    # without a lane or direction column the rows hold for every lane and direction
    for lane, direction in (("sentri", "northbound"), ("general", "southbound")):
        got = resolve_waits(frame, port_codes=[1, 2], hour=7, lane=lane, direction=direction)
        assert got.set_index("port_code")["wait_minutes"].to_dict() == {1: 15.0, 2: 5.0}
    # optional lane and direction columns are honoured
    lanes = frame.assign(lane=["general", "sentri", "general", "general"])
    got = resolve_waits(lanes, port_codes=[1, 2], hour=7, lane="sentri", fallback="zero")
    assert got.set_index("port_code")["wait_minutes"].to_dict() == {1: 20.0, 2: 0.0}
    with pytest.raises(SchemaError, match="hour"):
        tidy_waits(frame.drop(columns="hour"))


def test_dict_waits_and_scenario_dict():
    got = port_waits(
        {(1, 7): 12.0, (1, 8): 40.0, 2: 3.0},
        ports=[1, 2],
        direction="northbound",
        options=WaitOptions(hour=8),
        names={1: "One"},
    )
    assert got.set_index("port_code")["wait_minutes"].to_dict() == {1: 40.0, 2: 3.0}
    assert list(got["port_name"]) == ["One", "2"]
    scen = Scenario(name="fast", waits={1: 1.0})
    got = resolve_waits({1: 30.0, 2: 3.0}, port_codes=[1, 2], scenario=scen)
    assert got.set_index("port_code")["wait_minutes"].to_dict() == {1: 1.0, 2: 3.0}
    with pytest.raises(SchemaError, match="scenario 'bad' waits is a list"):
        Scenario(name="bad", waits=[1, 2])
    with pytest.raises(SchemaError, match="port_code: minutes"):
        tidy_waits({"x": 5.0})


def test_options_group_the_flat_keywords():
    opts = CatchmentOptions().replace(hour=8, buffer_m=300.0, wait_fallback=2504, raster=True)
    assert opts.waits.hour == 8 and opts.waits.fallback == 2504
    assert opts.isochrones.buffer_m == 300.0 and opts.raster
    with pytest.raises(TypeError, match="hours"):
        CatchmentOptions().replace(hours=8)


def test_nodes_in_a_gap_between_country_polygons_take_the_nearest_side():
    """Country polygons that leave land out (e.g. dissolved urban census units): a point in a
    gap belongs to the nearest polygon's country; inside a polygon, to that polygon's."""
    from binational.network import countries_at

    polys = gpd.GeoDataFrame(
        {"country": ["MX", "US"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(0, 20, 10, 30)],
        crs="EPSG:32611",
    )
    pts = shapely.points([5, 5, 5, 5, 5], [5, 25, 12, 18, 14.9])
    assert countries_at(pts, polys) == ["MX", "US", "MX", "US", "MX"]
