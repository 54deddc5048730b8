"""``trip_cells`` finds each trip's option and origin/destination positions with array lookups:
the same cells and drop report as the former per-trip dictionary lookups, kept here as the
reference; ``fit_choice`` lists the same hours."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from binational import schema
from binational.commuting.cells import trip_cells, zone_units
from binational.commuting.fit import TripCells
from binational.drops import DropReport
from binational.io.lanes import LaneError


def _trip_cells_reference(
    survey, zone_unit, pm, options, *, purpose, direction="northbound", report=None
):
    """The former ``trip_cells``, verbatim."""
    report = report if report is not None else DropReport()
    s = survey[(survey["direction"] == direction) & (survey["purpose"] == purpose)]
    key = {
        (p, ln): k
        for k, (p, ln) in enumerate(zip(options[schema.PORT_CODE], options["lane"], strict=True))
    }
    opt = np.array(
        [key.get((p, ln), -1) for p, ln in zip(s[schema.PORT_CODE], s["lane"], strict=True)]
    )
    if (opt < 0).any():
        bad = sorted(
            {
                (int(p), ln)
                for p, ln, o in zip(s[schema.PORT_CODE], s["lane"], opt, strict=True)
                if o < 0
            }
        )
        raise LaneError(f"survey option(s) {bad} are not in the choice set")
    o_pos = {u: i for i, u in enumerate(pm.origin_index)}
    d_pos = {u: i for i, u in enumerate(pm.dest_index)}
    ou = s["from_zone"].map(zone_unit).fillna(-1).astype(int).map(lambda u: o_pos.get(u, -1))
    du = s["to_zone"].map(zone_unit).fillna(-1).astype(int).map(lambda u: d_pos.get(u, -1))
    ok = (ou >= 0) & (du >= 0)
    if (~ok).any():
        report.add(
            "survey",
            s.index[~ok],
            "survey_trip_without_unit",
            f"{purpose}: {float(s.loc[~ok, 'weight'].sum()):,.0f} expanded trips whose zone has no "
            "unit on its side",
        )
    frame = pd.DataFrame(
        {
            "o": ou[ok].to_numpy(),
            "d": du[ok].to_numpy(),
            "h": s.loc[ok, "hour"].to_numpy(),
            "k": opt[ok.to_numpy()],
            "w": s.loc[ok, "weight"].to_numpy(),
        }
    )
    g = frame.groupby(["o", "d", "h", "k"])["w"].agg(["sum", "size"]).reset_index()
    return TripCells(
        origin=g["o"].to_numpy(),
        dest=g["d"].to_numpy(),
        hour=g["h"].to_numpy(),
        option=g["k"].to_numpy(),
        trips=g["sum"].to_numpy(dtype=float),
        records=g["size"].to_numpy(dtype=float),
    )


def _both(*args, **kw):
    new_rep, old_rep = DropReport(), DropReport()
    new = trip_cells(*args, report=new_rep, **kw)
    old = _trip_cells_reference(*args, report=old_rep, **kw)
    for name in ("origin", "dest", "hour", "option", "trips", "records"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name, strict=True)
    pd.testing.assert_frame_equal(new_rep.to_frame(), old_rep.to_frame(), check_exact=True)
    return new, new_rep


@pytest.fixture(scope="module")
def real(work_result, zones, survey):
    units = work_result.inputs["units"]
    return {
        "survey": survey,
        "zone_unit": zone_units(zones, units),
        "pm": work_result.port_minutes,
        "options": work_result.designs["HBW"].options,
    }


@pytest.mark.parametrize("purpose", ["HBW", "HBO", "HBS"])
def test_real_survey_cells_as_before(real, purpose):
    new, _ = _both(real["survey"], real["zone_unit"], real["pm"], real["options"], purpose=purpose)
    assert len(new) > 0


def test_units_missing_from_a_side_are_dropped_as_before(real):
    pm = real["pm"]
    # every third origin and destination unsnapped (as on the network), order shuffled
    rng = np.random.default_rng(0)
    part = SimpleNamespace(
        origin_index=rng.permutation(pm.origin_index[::3]),
        dest_index=rng.permutation(pm.dest_index[1::3]),
    )
    _, rep = _both(real["survey"], real["zone_unit"], part, real["options"], purpose="HBW")
    assert len(rep) > 0  # the drop path is exercised


def test_an_option_outside_the_choice_set_raises_as_before(real):
    options = real["options"].iloc[1:].reset_index(drop=True)
    for fn in (trip_cells, _trip_cells_reference):
        with pytest.raises(LaneError, match="not in the choice set"):
            fn(real["survey"], real["zone_unit"], real["pm"], options, purpose="HBW")


def test_fit_hours_are_the_cells_hours(real, work_result):
    tc = trip_cells(real["survey"], real["zone_unit"], real["pm"], real["options"], purpose="HBW")
    # the former expression, on every cell
    assert work_result.models["HBW"].hours == tuple(sorted(set(int(h) for h in tc.hour)))


def test_synthetic_trips_every_lookup_path():
    options = pd.DataFrame(
        {schema.PORT_CODE: [2504, 2504, 2506], "lane": ["general", "sentri", "general"]}
    )
    survey = pd.DataFrame(
        {
            "direction": ["northbound"] * 7 + ["southbound"],
            "purpose": ["HBW"] * 6 + ["HBO", "HBW"],
            "from_zone": pd.array([10, 11, 10, 12, 99, None, 10, 10], dtype="Int64"),
            "to_zone": pd.array([20, 21, 21, 20, 20, 20, 20, 20], dtype="Int64"),
            "hour": [7, 7, 8, 9, 7, 7, 7, 7],
            schema.PORT_CODE: [2504, 2506, 2504, 2504, 2504, 2504, 2504, 2504],
            "lane": ["general", "general", "sentri", "general", "general", "general", "x", "x"],
            "weight": [1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    # unit 0 is an origin, 1 a destination, 2 an origin, 3 a destination, 4 on no side
    zone_unit = pd.Series([0, 2, 4, 1, 3, -1], index=[10, 11, 12, 20, 21, 22])
    pm = SimpleNamespace(origin_index=np.array([2, 0]), dest_index=np.array([3, 1]))
    new, rep = _both(survey, zone_unit, pm, options, purpose="HBW")
    assert new.origin.tolist() == [0, 1, 1] and new.dest.tolist() == [0, 0, 1]
    assert new.option.tolist() == [2, 1, 0]
    assert len(rep) == 3  # zone 12 on no side, zone 99 unknown, no origin zone
    # an option listed twice: its last row, as the dictionary built in order
    twice = pd.concat([options, options.iloc[[0]]], ignore_index=True)
    new, _ = _both(survey, zone_unit, pm, twice, purpose="HBW")
    assert new.option.tolist() == [2, 1, 3]
