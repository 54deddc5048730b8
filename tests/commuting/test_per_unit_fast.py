"""``_per_unit`` fills its columns whole and builds the time-tax table once: the same unit
table and time-tax table as the former version (a ``.loc`` write per column and role, 48
frames concatenated), kept here as the reference."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from binational import schema
from binational.commuting.expectations import _per_unit, unit_expectations


def _per_unit_reference(units, pm, design, fit, *, hour, separate_wait):
    """The former ``_per_unit``, verbatim."""
    labels = design.labels
    out = units.copy()
    for lab in labels:
        out[f"p_{lab}"] = np.nan
    for col in ("expected_minutes", "no_wait_minutes", "time_tax_minutes", "expected_wait"):
        out[col] = np.nan
    out["role"] = ""
    tax_rows = []
    for h in range(24):
        ex = unit_expectations(fit.theta, design, h, separate_wait=separate_wait)
        for role, idx in (("origin", pm.origin_index), ("destination", pm.dest_index)):
            e = ex["origin" if role == "origin" else "dest"]
            if h == hour:
                pos = out.index[idx]
                for k, lab in enumerate(labels):
                    out.loc[pos, f"p_{lab}"] = e["prob"][:, k]
                out.loc[pos, "expected_minutes"] = e["expected"]
                out.loc[pos, "no_wait_minutes"] = e["no_wait"]
                out.loc[pos, "time_tax_minutes"] = e["expected"] - e["no_wait"]
                out.loc[pos, "expected_wait"] = e["wait"]
                out.loc[pos, "role"] = role
            tax_rows.append(
                pd.DataFrame(
                    {
                        schema.UNIT_ID: units[schema.UNIT_ID].iloc[idx].to_numpy(),
                        schema.COUNTRY: units[schema.COUNTRY].iloc[idx].to_numpy(),
                        "role": role,
                        "hour": h,
                        "expected_minutes": e["expected"],
                        "no_wait_minutes": e["no_wait"],
                        "time_tax_minutes": e["expected"] - e["no_wait"],
                    }
                )
            )
    out["hour"] = hour
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), pd.concat(
        tax_rows, ignore_index=True
    )


def _compare(units, result, hour):
    fit = result.models["HBW"]
    args = (units, result.port_minutes, result.designs["HBW"], fit)
    kw = dict(hour=hour, separate_wait=fit.separate_wait)
    new_units, new_tax = _per_unit(*args, **kw)
    old_units, old_tax = _per_unit_reference(*args, **kw)
    assert type(new_units) is type(old_units)
    assert new_units.crs == old_units.crs
    pd.testing.assert_frame_equal(new_units, old_units, check_exact=True)
    pd.testing.assert_frame_equal(new_tax, old_tax, check_exact=True)
    return new_units, new_tax


@pytest.mark.parametrize("hour", [0, 8, 17])
def test_real_model_per_unit_as_before(work_result, hour):
    units = work_result.inputs["units"]
    new_units, new_tax = _compare(units, work_result, hour)
    assert set(new_units["role"]) == {"origin", "destination"}
    assert len(new_tax) == 24 * len(units)


def test_units_outside_both_sides_and_a_shifted_index(work_result):
    units = work_result.inputs["units"]
    # rows no index points at (an unsnapped unit on the network): NaN minutes, role ""
    extra = units.iloc[:3].assign(**{schema.UNIT_ID: ["x1", "x2", "x3"]})
    more = pd.concat([units, extra], ignore_index=True)
    new_units, _ = _compare(more, work_result, 8)
    assert (new_units["role"].iloc[-3:] == "").all()
    assert new_units["expected_minutes"].iloc[-3:].isna().all()
    shifted = units.set_axis(np.arange(len(units)) + 1000)
    _compare(shifted, work_result, 8)
