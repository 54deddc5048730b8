"""catchments() on the real Tijuana–San Diego data, and its handling of bad input."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

import binational
from binational import schema
from binational.catchments import OTAY_MESA_EAST, Scenario, catchments, sparse_graph
from binational.drops import DropReport
from binational.errors import CRSError, NetworkError, SchemaError

from .conftest import REAL_KW, nx_times


def test_real_catchments_tables(tjsd, tjsd_result):
    res = tjsd_result
    assert res.method == "network"
    assert sorted(res.summary.port_code) == [2504, 2505, 2506]
    names = dict(zip(res.summary.port_code, res.summary.port_name, strict=True))
    assert names == {2504: "San Ysidro", 2505: "Tecate", 2506: "Otay Mesa"}
    # the San Ysidro profile at 7 am on weekdays, lent to the other two ports
    waits = res.waits.set_index("port_code")
    assert waits.wait_source[2504] == "table" and waits.n_rows[2504] == 60
    assert (waits.wait_source[[2505, 2506]] == "borrowed from 2504").all()
    assert len(res.units) == len(tjsd.units)
    assert len(res.isochrones) == 3 * 2 * 4 * 2  # ports x sides x bands x wait
    assert set(res.isochrones.role[res.isochrones.side == "MX"]) == {"origin"}
    assert set(res.units.role[res.units.country == "US"]) == {"destination"}


def test_population_reached_on_each_side(tjsd, tjsd_result):
    iso = tjsd_result.isochrones
    totals = tjsd.units.groupby(schema.COUNTRY)[schema.POP_TOTAL].sum()
    for (_, side, _wait), part in iso.groupby(["port_code", "side", "wait_included"]):
        pops = part.sort_values("minutes")["pop"].to_numpy()
        assert np.all(np.diff(pops) >= -1e-6)  # bands are cumulative
        assert pops.max() <= totals[side] * (1 + 1e-9)
    key = ["port_code", "side", "minutes"]
    w = iso[iso.wait_included].set_index(key)["pop"]
    nw = iso[~iso.wait_included].set_index(key)["pop"]
    assert (w <= nw.loc[w.index] + 1e-6).all()
    # with the wait, T minutes reach what T - wait minutes reach without it
    wait = tjsd_result.waits.set_index("port_code").wait_minutes[2504]
    sy = iso[(iso.port_code == 2504) & (iso.side == "US")]
    with_w = sy[sy.wait_included & (sy.minutes == 120)].geometry.iloc[0]
    direct = catchments(tjsd, **(REAL_KW | {"minutes": (120 - wait,)}))
    d = direct.isochrones
    without = d[(d.port_code == 2504) & (d.side == "US") & ~d.wait_included].geometry.iloc[0]
    assert with_w.symmetric_difference(without).area < 1e-6 * max(without.area, 1)
    # San Ysidro reaches people on both sides within two hours, wait included
    s = tjsd_result.summary.set_index("port_code")
    assert s.loc[2504, "pop_MX_120min"] > 0 and s.loc[2504, "pop_US_120min"] > 0


def test_unit_times_equal_networkx(tjsd_result, graph, domestic_nx_reversed):
    res = tjsd_result
    u = res.units
    waits = res.waits.set_index("port_code").wait_minutes
    nb = graph.border[graph.border.direction == "northbound"]
    to_tail = {t: nx_times(domestic_nx_reversed, graph.node_ids[t]) for t in set(nb.u_idx)}
    sample = u[(u.role == "origin") & u.snapped].sample(15, random_state=1)
    for row in sample.itertuples():
        for code in (2504, 2506):
            best = np.inf
            for e in nb[nb.port_code == code].itertuples():
                t = to_tail[e.u_idx].get(row.node_id, np.inf) + e.travel_time
                best = min(best, t)
            want = (best + row.snap_m / (15 / 3.6)) / 60 + waits[code]
            assert getattr(row, f"minutes_{code}") == pytest.approx(want, abs=1e-6)
        assert row.best_minutes == pytest.approx(
            min(
                getattr(row, f"minutes_{c}")
                for c in (2504, 2505, 2506)
                if np.isfinite(getattr(row, f"minutes_{c}"))
            )
        )


def test_tecate_us_side_is_a_stub_and_reported(tjsd_result):
    # In the SANDAG 2017 network the US end of Tecate is a 4-node stub off the US network.
    rep = tjsd_result.report.to_frame()
    stub = rep[rep.reason == "port_end_off_main_component"]
    assert any(i.startswith("2505:northbound:arrival") for i in stub.id)
    assert not any(i.startswith(("2504", "2506")) for i in stub.id)
    s = tjsd_result.summary.set_index("port_code")
    assert s.loc[2505, "shed_units_US"] == 0


@pytest.mark.slow
def test_scenarios_on_the_network(tjsd, tjsd_result):
    base = tjsd_result
    quick = REAL_KW | {"minutes": (60,)}
    closed = catchments(tjsd, **(quick | {"scenario": Scenario(name="no SY", closed=(2504,))}))
    assert 2504 not in set(closed.summary.port_code)
    assert 2504 not in set(closed.units.best_port)
    assert set(closed.units.scenario) == {"no SY"}
    # other ports' times do not change
    np.testing.assert_allclose(
        closed.units.minutes_2506.to_numpy(), base.units.minutes_2506.to_numpy(), equal_nan=True
    )
    ome = catchments(
        tjsd, **(quick | {"scenario": Scenario(name="OME", new_ports=(OTAY_MESA_EAST,))})
    )
    code = OTAY_MESA_EAST.port_code
    assert ome.summary.set_index("port_code").port_name[code] == "Otay Mesa East"
    assert ome.waits.set_index("port_code").wait_minutes[code] == 20.0
    # a short wait at the new port draws units away from the existing ports
    assert (ome.units.best_port == code).sum() > 0
    new_t = ome.units.best_minutes.fillna(np.inf).to_numpy()
    old_t = base.units.best_minutes.fillna(np.inf).to_numpy()
    assert (new_t <= old_t + 1e-9).all() and (new_t < old_t - 1).sum() > 50


def test_explicit_inputs_and_frames(tjsd, graph):
    res = catchments(
        units=tjsd.units,
        ports=tjsd.ports,
        network=graph,
        waits=tjsd.waits,
        minutes=(60,),
        wait_source="historical",
        wait_fallback=2504,
    )
    assert res.method == "network" and len(res.units) == len(tjsd.units)
    nodes, edges = ox.graph_to_gdfs(tjsd.network)
    framed = sparse_graph((nodes, edges))
    assert (framed.matrix != graph.matrix).nnz == 0
    assert len(framed.border) == len(graph.border)


# ---------------------------------------------------------------------------------------------
# bad input


def test_graph_in_a_geographic_crs(tjsd):
    G = ox.project_graph(tjsd.network.copy(), to_latlong=True)
    with pytest.raises(CRSError, match="geographic"):
        sparse_graph(G)
    G.graph.pop("crs")
    with pytest.raises(CRSError, match="no CRS"):
        sparse_graph(G)


def test_missing_speeds(tjsd):
    G = tjsd.network.copy()
    u, v, k = next(iter(G.edges(keys=True)))
    del G.edges[u, v, k]["travel_time"]
    with pytest.raises(NetworkError, match=r"1 of .* edges have no 'travel_time'.*impute"):
        sparse_graph(G)
    G = tjsd.network.copy()
    G.edges[u, v, k]["travel_time"] = -1.0
    with pytest.raises(NetworkError, match="negative"):
        sparse_graph(G)
    for _, _, d in G.edges(data=True):
        d.pop("travel_time", None)
    with pytest.raises(NetworkError, match="impute_speeds"):
        sparse_graph(G)


def test_missing_country_and_no_ports(tjsd):
    G = tjsd.network.copy()
    del G.nodes[next(iter(G.nodes))]["country"]
    with pytest.raises(NetworkError, match="country"):
        sparse_graph(G)
    G = tjsd.network.copy()
    border = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["crosses_border"]]
    G.remove_edges_from(border)
    with pytest.raises(NetworkError, match="no border edge"):
        sparse_graph(G)


def test_crossing_edge_without_port_is_left_out(tjsd):
    G = tjsd.network.copy()
    d = next(d for u, v, k, d in G.edges(keys=True, data=True) if d.get("port_code") == 2505)
    d["port_code"] = None
    report = DropReport()
    g = sparse_graph(G, report=report)
    assert len(g.border) == 12
    assert (report.to_frame().reason == "border_edge_without_port").sum() == 1


def test_disconnected_component(tjsd):
    G = tjsd.network.copy()
    # an island of three Mexican nodes next to Tijuana, joined only to each other
    x0, y0 = G.nodes[28996]["x"] + 50, G.nodes[28996]["y"] + 50
    for i, n in enumerate(("isle1", "isle2", "isle3")):
        G.add_node(n, x=x0 + 10 * i, y=y0, country="MX")
    for a, b in (("isle1", "isle2"), ("isle2", "isle3"), ("isle3", "isle1")):
        G.add_edge(a, b, travel_time=5.0, crosses_border=False, port_code=None, length=10.0)
    report = DropReport()
    g = sparse_graph(G, report=report)
    off = report.to_frame()
    assert {"isle1", "isle2", "isle3"} <= set(
        off.loc[off.reason == "node_off_main_component", "id"]
    )
    rows = g.positions(["isle1", "isle2", "isle3"])
    assert not g.routable[rows].any()
    # a unit right on the island snaps to the main network instead
    rows_n, _ = g.nearest_nodes(np.array([x0]), np.array([y0]), np.array(["MX"]))
    assert g.node_ids[rows_n[0]] not in ("isle1", "isle2", "isle3")
    assert nx.number_weakly_connected_components(G) > nx.number_weakly_connected_components(
        tjsd.network
    )


def test_units_far_from_the_network_are_reported(tjsd, graph):
    report = DropReport()
    res = catchments(
        tjsd,
        network=graph,
        minutes=(60,),
        wait_source="historical",
        wait_fallback=2504,
        max_snap_m=300.0,
        report=report,
    )
    far = res.units[~res.units.snapped]
    assert len(far) > 0 and (far.snap_m > 300).all()
    assert far.best_port.eq(-1).all() and far.best_minutes.isna().all()
    rep = report.to_frame()
    assert set(rep.loc[rep.reason == "unit_farther_than_max_snap", "id"]) == set(far.unit_id)


def test_bad_arguments(tjsd, graph):
    kw = {"network": graph, "wait_source": "historical", "wait_fallback": 2504}
    with pytest.raises(SchemaError, match="minutes"):
        catchments(tjsd, minutes=(0, 30), **kw)
    with pytest.raises(SchemaError, match="direction"):
        catchments(tjsd, direction="eastbound", **kw)
    with pytest.raises(SchemaError, match="method"):
        catchments(tjsd, method="teleport", **kw)
    with pytest.raises(CRSError, match="geographic"):
        catchments(units=tjsd.units.to_crs(4326), network=graph)
    with pytest.raises(SchemaError, match="unit table"):
        catchments(units=tjsd.units.drop(columns="pop_total"), network=graph)
    with pytest.raises(SchemaError, match="wait_fallback"):
        catchments(tjsd, network=graph, wait_source="historical")


def test_binational_catchments_is_callable(tjsd_result):
    import binational.catchments as module

    assert callable(binational.catchments) and callable(module)
    assert binational.catchments.__name__ in ("binational.catchments", "catchments")
