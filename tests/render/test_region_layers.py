"""export.region_layers on Juárez–El Paso: every layer's values against its source table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from binational import schema
from binational.render.export import region_layers

BTS = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"


def test_region_layers_values(jz, jz_catch, data_dir):
    layers = region_layers(jz, catchments=jz_catch)
    assert set(layers) == {"units", "ports", "isochrones", "port_sheds", "border"}
    for gdf in layers.values():
        assert gdf.crs == jz.units.crs
    # units: the region's units with the catchment allocation joined on unit_id
    units = layers["units"].set_index(schema.UNIT_ID)
    ref = jz_catch.units.set_index(schema.UNIT_ID)
    assert sorted(units.index) == sorted(jz.units[schema.UNIT_ID])
    np.testing.assert_array_equal(
        units.loc[ref.index, "best_port"].to_numpy(), ref["best_port"].to_numpy()
    )
    np.testing.assert_allclose(
        units.loc[ref.index, "best_minutes"].to_numpy(dtype=float),
        ref["best_minutes"].to_numpy(dtype=float),
        equal_nan=True,
    )
    pop = jz.units.set_index(schema.UNIT_ID)[schema.POP_TOTAL]
    np.testing.assert_array_equal(units.loc[pop.index, schema.POP_TOTAL], pop)
    # ports: 12-month BTS volumes, summed here with pandas from the raw file
    raw = pd.read_csv(data_dir / BTS)
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    recent = raw[raw["month"] > raw["month"].max() - pd.DateOffset(months=12)]
    ped = recent[recent["Measure"] == "Pedestrians"].groupby("Port Code")["Value"].sum()
    ports = layers["ports"].set_index(schema.PORT_CODE)
    checked = 0
    for code in ports.index:
        if code in ped.index:
            assert ports.loc[code, "x12m_pedestrians"] == ped[code], code
            checked += 1
    assert checked >= 1 and ped.get(2402, 0) > 1_000_000  # El Paso: millions on foot
    # isochrones and sheds: the catchment tables themselves
    np.testing.assert_allclose(
        layers["isochrones"].geometry.area.to_numpy(), jz_catch.isochrones.geometry.area.to_numpy()
    )
    assert len(layers["port_sheds"]) == len(jz_catch.port_sheds)
    assert layers["border"].geometry.length.sum() > 10_000  # tens of km of border line
