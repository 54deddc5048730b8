"""Waits, scenarios and crossing costs on the real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest

from binational.catchments import (
    OTAY_MESA_EAST,
    LinkTimes,
    NewPort,
    Scenario,
    add_ports,
    close_ports,
    crossing_minutes,
    od_minutes,
    reach_minutes,
    resolve_waits,
)
from binational.drops import DropReport
from binational.errors import NetworkError, SchemaError

from .conftest import as_array, nx_times

HOURLY = "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv"


def test_wait_equals_plain_pandas_on_the_cbp_file(tjsd, data_dir):
    raw = pd.read_csv(data_dir / HOURLY)
    for lane, col in (("general", "pv_time_avg"), ("sentri", "xpv_time_avg")):
        for hour in (7, 17):
            want = raw.loc[(raw.bwt_hour == hour) & raw.bwt_day.between(0, 4), col].median()
            got = resolve_waits(
                tjsd.waits, port_codes=[2504], lane=lane, hour=hour, source="historical"
            )
            assert got.wait_minutes.iloc[0] == pytest.approx(want)
            assert got.n_rows.iloc[0] == 60  # 12 months x 5 weekdays
    # one weekday (0 = Monday), one month, the mean
    want = raw.loc[(raw.bwt_hour == 7) & (raw.bwt_day == 2) & (raw.bwt_month == 3), "pv_time_avg"]
    got = resolve_waits(
        tjsd.waits, port_codes=[2504], hour=7, weekday="wednesday", month=3, source="historical"
    )
    assert got.wait_minutes.iloc[0] == pytest.approx(want.iloc[0])
    want = raw.loc[(raw.bwt_hour == 7) & (raw.bwt_day >= 5), "pv_time_avg"].mean()
    got = resolve_waits(
        tjsd.waits, port_codes=[2504], hour=7, weekday="weekend", stat="mean", source="histor"
    )
    assert got.wait_minutes.iloc[0] == pytest.approx(want)


def test_fallbacks_and_errors(tjsd):
    with pytest.raises(SchemaError, match=r"2505.*2506|wait_fallback"):
        resolve_waits(tjsd.waits, port_codes=[2504, 2505, 2506], source="historical")
    w = resolve_waits(tjsd.waits, port_codes=[2504, 2506], source="historical", fallback=2504)
    assert w.wait_minutes.nunique() == 1
    assert w.set_index("port_code").wait_source[2506] == "borrowed from 2504"
    w = resolve_waits(tjsd.waits, port_codes=[2504, 2506], source="historical", fallback="zero")
    assert w.set_index("port_code").wait_minutes[2506] == 0
    with pytest.raises(SchemaError, match="weekday"):
        resolve_waits(tjsd.waits, port_codes=[2504], weekday="someday")
    with pytest.raises(SchemaError, match="direction"):
        resolve_waits(tjsd.waits, port_codes=[2504], direction="eastbound")
    # a statistic that is not one is a clear error (it was a bare ValueError from float())
    for bad in ("p99", 1.5, None):
        with pytest.raises(SchemaError, match=r"wait stat .*'median', 'mean' or a quantile"):
            resolve_waits(tjsd.waits, port_codes=[2504], stat=bad, fallback="zero")
    # a fallback port with no wait to lend is refused, even where no port needs it
    with pytest.raises(SchemaError, match="wait fallback port 9999 has no wait rows to lend"):
        resolve_waits(tjsd.waits, port_codes=[2504], fallback=9999)
    with pytest.raises(SchemaError, match="use None, 'error', 'zero' or a port code"):
        resolve_waits(tjsd.waits, port_codes=[2504], fallback="nearest")
    # a misspelt lane is an error, not a fallback wait for every port
    with pytest.raises(SchemaError, match="lane 'sentry' is not a lane of the wait table"):
        resolve_waits(tjsd.waits, port_codes=[2504], lane="sentry", fallback="zero")
    # a lane of the user's own table is a lane, whatever its name
    own = pd.DataFrame({"port_code": [2504], "lane": ["express"], "hour": [7], "minutes": [12.0]})
    got = resolve_waits(own, port_codes=[2504], lane="express", hour=7)
    assert got.wait_minutes.iloc[0] == 12.0


def test_relaxed_match_names_the_hour_used(jep):
    # one live snapshot (11 a.m.): asked for 7 a.m., the nearest hour is taken and said
    w = resolve_waits(jep.waits, port_codes=[2402], hour=7)
    assert w.wait_source.iloc[0] == "table (nearest hour 11)"
    with pytest.raises(SchemaError):
        resolve_waits(jep.waits, port_codes=[2402], hour=7, relax=False)


def test_wait_table_for_an_unknown_port(tjsd):
    report = DropReport()
    # base table rows of a port the network lacks (2582 CBX) are left out and reported
    resolve_waits(tjsd.waits, port_codes=[2504, 2505, 2506], report=report)
    frame = report.to_frame()
    assert (frame.reason == "wait_for_unknown_port").sum() == int(
        (~tjsd.waits.port_code.isin([2504, 2505, 2506])).sum()
    )
    # a lane mix reads the table once per lane, and still reports each of those rows once
    report = DropReport()
    resolve_waits(
        tjsd.waits, port_codes=[2504, 2505, 2506], lane="commuter", fallback="zero", report=report
    )
    frame = report.to_frame()
    unknown = tjsd.waits.index[~tjsd.waits.port_code.isin([2504, 2505, 2506])]
    assert len(unknown) > 0
    assert sorted(frame.loc[frame.reason == "wait_for_unknown_port", "id"]) == sorted(
        map(str, unknown)
    )
    # a scenario table naming an unknown port is an error
    bad = tjsd.waits[tjsd.waits.port_code == 2504].head(3).assign(port_code=9999)
    with pytest.raises(SchemaError, match="9999"):
        resolve_waits(tjsd.waits, port_codes=[2504], scenario=Scenario(waits=bad), fallback="zero")
    with pytest.raises(SchemaError, match="9999"):
        resolve_waits(tjsd.waits, port_codes=[2504], scenario=Scenario(wait_minutes={9999: 5.0}))


def test_scenario_waits_override(tjsd):
    table = pd.DataFrame(
        {
            "port_code": [2506, 2506],
            "lane": "general",
            "direction": "northbound",
            "hour": 7,
            "weekday": [1, 2],
            "month": np.nan,
            "minutes": [10.0, 20.0],
        }
    )
    w = resolve_waits(
        tjsd.waits,
        port_codes=[2504, 2505, 2506],
        source="historical",
        fallback=2504,
        scenario=Scenario(waits=table, wait_minutes={2505: 3.0}),
    ).set_index("port_code")
    assert w.wait_minutes[2506] == 15.0 and w.wait_source[2506].startswith("scenario")
    assert w.wait_minutes[2505] == 3.0


def test_od_minutes_is_the_exact_least_over_links():
    rng = np.random.default_rng(0)
    links = pd.DataFrame(
        {"port_code": [1, 1, 2], "direction": "northbound", "travel_time": [10.0, 40.0, 5.0]}
    )
    origin = rng.uniform(0, 3000, (3, 7))
    dest = rng.uniform(0, 3000, (3, 5))
    origin[2, 3] = np.inf
    lt = LinkTimes(links=links, origin=origin, dest=dest)
    waits = pd.DataFrame({"port_code": [1, 2], "wait_minutes": [20.0, 35.0]})
    got, port = od_minutes(lt, waits, chunk=3)
    for i in range(7):
        for j in range(5):
            cand = [
                (origin[e, i] + links.travel_time[e] + dest[e, j]) / 60
                + waits.set_index("port_code").wait_minutes[links.port_code[e]]
                for e in range(3)
            ]
            assert got[i, j] == pytest.approx(min(cand))
            assert port[i, j] == links.port_code[int(np.argmin(cand))]
    cm = crossing_minutes(lt, waits)
    np.testing.assert_allclose(
        cm[1], np.minimum(origin[0] + 10, origin[1] + 40) / 60 + 20.0, rtol=1e-12
    )
    rm = reach_minutes(lt, None)
    np.testing.assert_allclose(rm[2], (dest[2] + 5) / 60)


def test_od_minutes_on_the_network_equal_networkx(tjsd_result, graph, domestic_nx):
    res = tjsd_result
    lt = res.link_times
    units = res.units
    origins = units.index[units.role == "origin"]
    dests = units.index[units.role == "destination"]
    od, _ = od_minutes(lt, res.waits)
    rng = np.random.default_rng(2)
    waits = res.waits.set_index("port_code").wait_minutes
    border = graph.border[graph.border.direction == "northbound"]
    checked = 0
    for i in rng.choice(len(origins), 4, replace=False):
        u = units.loc[origins[i]]
        if not u.snapped:
            continue
        from_o = as_array(graph, nx_times(domestic_nx, u.node_id))
        heads = {h: as_array(graph, nx_times(domestic_nx, graph.node_ids[h])) for h in border.v_idx}
        for j in rng.choice(len(dests), 6, replace=False):
            d = units.loc[dests[j]]
            if not d.snapped:
                continue
            node_d = graph.positions([d.node_id])[0]
            best = np.inf
            for e in border.itertuples():
                t = from_o[e.u_idx] + e.travel_time + heads[e.v_idx][node_d]
                t = t + (u.snap_m + d.snap_m) / (15 / 3.6)
                best = min(best, t / 60 + waits[e.port_code])
            assert od[i, j] == pytest.approx(best, abs=1e-6)
            checked += 1
    assert checked > 0


def test_close_and_add_ports(graph):
    closed = close_ports(graph, [2504])
    assert 2504 not in set(closed.border.port_code) and len(closed.border) == 9
    assert closed.matrix is graph.matrix  # the domestic network is untouched
    with pytest.raises(NetworkError, match="9999"):
        close_ports(graph, [9999])
    with pytest.raises(NetworkError, match="no crossing"):
        close_ports(graph, [2504, 2505, 2506])

    added = add_ports(graph, [OTAY_MESA_EAST])
    new = added.border[added.border.port_code == OTAY_MESA_EAST.port_code]
    assert set(new.direction) == {"northbound", "southbound"}
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True)
    px, py = to_utm.transform(OTAY_MESA_EAST.lon, OTAY_MESA_EAST.lat)
    nb = new[new.direction == "northbound"].iloc[0]
    assert graph.country[nb.u_idx] == "MX" and graph.country[nb.v_idx] == "US"
    d_mx = np.hypot(graph.x[nb.u_idx] - px, graph.y[nb.u_idx] - py)
    d_us = np.hypot(graph.x[nb.v_idx] - px, graph.y[nb.v_idx] - py)
    # the nearest routable node of each side, brute force
    for side, d in (("MX", d_mx), ("US", d_us)):
        ok = (graph.country == side) & graph.routable
        assert d == pytest.approx(np.min(np.hypot(graph.x[ok] - px, graph.y[ok] - py)))
    assert nb.travel_time == pytest.approx((d_mx + d_us) / (20 / 3.6))
    with pytest.raises(NetworkError, match="already a port"):
        add_ports(graph, [NewPort(port_code=2504, name="dup", lon=-117.0, lat=32.54)])


def test_new_port_far_from_the_network(graph):
    far = NewPort(port_code=2600, name="Nowhere", lon=-115.0, lat=32.7)  # ~100 km east
    with pytest.raises(NetworkError, match=r"Nowhere.*max_snap_m"):
        add_ports(graph, [far])
