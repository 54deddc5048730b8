"""apply_scenario on the real Tijuana–San Diego network: closed ports, Otay Mesa East snapped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest

from binational import schema
from binational.catchments import OTAY_MESA_EAST, Scenario, apply_scenario


def _nearest(graph, x: float, y: float, side: str) -> tuple[int, float]:
    """Nearest routable node of one side, by brute force over every node."""
    ok = (np.asarray(graph.country) == side) & np.asarray(graph.routable)
    d = np.hypot(np.asarray(graph.x) - x, np.asarray(graph.y) - y)
    d[~ok] = np.inf
    i = int(np.argmin(d))
    return i, float(d[i])


def test_apply_scenario_closes_and_adds_ports(graph):
    assert apply_scenario(graph, None) is graph
    scen = Scenario(name="OME, San Ysidro closed", closed=(2504,), new_ports=(OTAY_MESA_EAST,))
    out = apply_scenario(graph, scen)
    before, after = graph.border, out.border
    # San Ysidro's border edges are gone; every other original edge is kept unchanged
    assert (before[schema.PORT_CODE] == 2504).sum() > 0
    assert (after[schema.PORT_CODE] == 2504).sum() == 0
    kept = before[before[schema.PORT_CODE] != 2504].reset_index(drop=True)
    old = after[after[schema.PORT_CODE] != OTAY_MESA_EAST.port_code].reset_index(drop=True)
    pd.testing.assert_frame_equal(old[kept.columns], kept, check_dtype=False)
    # Otay Mesa East: one edge per direction between the nearest routable node of each side
    x, y = pyproj.Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True).transform(
        OTAY_MESA_EAST.lon, OTAY_MESA_EAST.lat
    )
    mx, d_mx = _nearest(graph, x, y, schema.MX)
    us, d_us = _nearest(graph, x, y, schema.US)
    assert d_mx < 2000 and d_us < 2000
    ome = after[after[schema.PORT_CODE] == OTAY_MESA_EAST.port_code].set_index("direction")
    assert sorted(ome.index) == sorted(schema.DIRECTIONS)
    assert (ome.loc["northbound", "u_idx"], ome.loc["northbound", "v_idx"]) == (mx, us)
    assert (ome.loc["southbound", "u_idx"], ome.loc["southbound", "v_idx"]) == (us, mx)
    assert ome.loc["northbound", "u"] == graph.node_ids[mx]
    # travel time: the two snap distances at the port's 20 km/h
    want = (d_mx + d_us) / (20 / 3.6)
    np.testing.assert_allclose(ome["travel_time"].to_numpy(dtype=float), [want, want], rtol=1e-9)
    # the base graph is not changed
    assert (graph.border[schema.PORT_CODE] == OTAY_MESA_EAST.port_code).sum() == 0
    with pytest.raises(Exception, match="already a port"):
        apply_scenario(out, Scenario(new_ports=(OTAY_MESA_EAST,)))
