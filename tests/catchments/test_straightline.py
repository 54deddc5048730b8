"""The straight-line model on Juárez–El Paso (no road network in the shared data)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from binational import schema
from binational.catchments import (
    DEFAULT_CIRCUITY,
    DEFAULT_SPEED_KPH,
    OTAY_MESA_EAST,
    Scenario,
    catchments,
    straightline_seconds,
)
from binational.catchments.straightline import reach_radius_m
from binational.errors import SchemaError


def test_every_output_is_labelled(jep_result):
    res = jep_result
    assert res.method == "straight-line"
    for table in (res.isochrones, res.units, res.summary, res.port_sheds):
        assert set(table["method"]) == {"straight-line"}
    assert res.params["circuity"] == DEFAULT_CIRCUITY
    assert res.params["speed_kph"] == DEFAULT_SPEED_KPH
    assert res.graph is None


def test_unit_times_equal_geopandas_distance(jep, jep_result):
    res = jep_result
    waits = res.waits.set_index(schema.PORT_CODE).wait_minutes
    ports = jep.ports.set_index(schema.PORT_CODE)
    rep = jep.units.representative_point()
    for code in ports.index:
        d = rep.distance(ports.geometry[code]).to_numpy()
        want = d * DEFAULT_CIRCUITY / (DEFAULT_SPEED_KPH / 3.6) / 60 + waits[code]
        np.testing.assert_allclose(res.units[f"minutes_{code}"].to_numpy(), want, rtol=1e-9)
    # best port = nearest port when the waits are equal
    same = catchments(
        jep,
        hour=None,
        weekday="all",
        scenario=Scenario(wait_minutes=dict.fromkeys(ports.index, 10.0)),
    )
    nearest = np.array(
        [ports.index[np.argmin([p.distance(q) for q in ports.geometry])] for p in rep]
    )
    assert (same.units["best_port"].to_numpy() == nearest).all()


def test_isochrones_are_clipped_discs(jep, jep_result):
    res = jep_result
    waits = res.waits.set_index(schema.PORT_CODE).wait_minutes
    land = {
        c: shapely.union_all(part.geometry.values) for c, part in jep.units.groupby(schema.COUNTRY)
    }
    port = jep.ports.set_index(schema.PORT_CODE).geometry
    for row in res.isochrones.itertuples():
        budget = row.minutes * 60 - (waits[row.port_code] * 60 if row.wait_included else 0)
        if budget <= 0:
            assert row.geometry.is_empty
            continue
        r = reach_radius_m(budget)
        disc = port[row.port_code].buffer(r, quad_segs=64)
        want = disc.intersection(land[row.side]).area
        assert row.geometry.area == pytest.approx(want, rel=2e-3)
    assert (res.isochrones.area_km2 > 0).any()


def test_model_formula_and_bad_parameters():
    assert straightline_seconds(1000.0, circuity=1.3, speed_kph=36) == pytest.approx(130.0)
    assert reach_radius_m(130.0, circuity=1.3, speed_kph=36) == pytest.approx(1000.0)
    with pytest.raises(SchemaError, match="circuity"):
        straightline_seconds(10, circuity=0.9)
    with pytest.raises(SchemaError, match="speed"):
        straightline_seconds(10, speed_kph=0)


def test_straight_line_scenarios(jep, tjsd):
    closed = catchments(
        jep, minutes=(30,), hour=None, weekday="all", scenario=Scenario(closed=(2402,))
    )
    assert 2402 not in set(closed.units.best_port)
    with pytest.raises(SchemaError, match="9999"):
        catchments(jep, minutes=(30,), hour=None, weekday="all", scenario=Scenario(closed=(9999,)))
    # forcing the straight-line model on Tijuana–San Diego, with Otay Mesa East added
    res = catchments(
        tjsd,
        minutes=(30,),
        method="straight-line",
        wait_source="historical",
        wait_fallback=2504,
        scenario=Scenario(name="ome", new_ports=(OTAY_MESA_EAST,)),
    )
    assert OTAY_MESA_EAST.port_code in set(res.summary.port_code)
    assert res.waits.set_index(schema.PORT_CODE).wait_minutes[OTAY_MESA_EAST.port_code] == 20.0
    assert set(res.isochrones.scenario) == {"ome"}
