"""Commuter defaults of catchments(): AM peak, the commuters' lane mix, bands covering the wait."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.catchments import catchments, resolve_waits
from binational.catchments.waits import COMMUTER_LANE_MIX
from binational.drops import DropReport
from binational.errors import SchemaError


@pytest.fixture(scope="module")
def default_result(region_tj_sl):
    return catchments(region_tj_sl)


def test_commuter_lane_mix_is_the_survey_am_peak_work_mix(data_dir):
    raw = pd.read_csv(data_dir / "crossings/sandag_ome_crossborder_od_survey_2017.csv")
    am = raw[(raw.Dir == "NB") & (raw.Purpose == "HBW") & raw.ArHour.between(6, 9)]
    share = am.groupby("Lane")["RevWght"].sum() / am["RevWght"].sum()
    for lane, v in share.items():
        assert COMMUTER_LANE_MIX[lane.lower()] == pytest.approx(v, abs=5e-4)


def test_wait_aware_populations_nonzero_on_both_sides(default_result):
    s = default_result.summary.set_index("port_code")
    for port in (2504, 2506):
        for side in ("MX", "US"):
            cols = [c for c in s.columns if c.startswith(f"pop_{side}_") and c.endswith("min")]
            assert s.loc[port, cols].max() > 0, (port, side)
    assert default_result.params["minutes"][-1] >= 180
    assert default_result.params["hour"] == 7
    assert default_result.params["lane"].startswith("mix: ")


def test_mix_wait_is_the_weighted_mean_of_lane_waits(region_tj_sl, default_result):
    w = default_result.waits.set_index("port_code")
    for port in (2504, 2506):
        parts = {
            ln: resolve_waits(region_tj_sl.waits, port_codes=[port], lane=ln).wait_minutes.iloc[0]
            for ln in COMMUTER_LANE_MIX
        }
        expect = sum(COMMUTER_LANE_MIX[ln] * parts[ln] for ln in parts) / sum(
            COMMUTER_LANE_MIX.values()
        )
        assert w.loc[port, "wait_minutes"] == pytest.approx(expect)
    # Tecate has no Ready or SENTRI wait: its mix is its general lane, and the source says so
    assert "general 100%" in w.loc[2505, "wait_source"]


def test_port_without_any_lane_of_the_mix_is_reported(region_tj_sl):
    rep = DropReport()
    res = catchments(region_tj_sl, minutes=(120,), report=rep)
    cbx = res.waits.set_index("port_code").loc[2582]
    assert cbx["wait_minutes"] == float("inf")
    assert "port_without_lane_of_mix" in set(rep.to_frame()["reason"])
    assert (res.units["best_port"] != 2582).all()


def test_bad_lane_mix_is_an_error(region_tj_sl):
    with pytest.raises(SchemaError, match="lane mix"):
        resolve_waits(region_tj_sl.waits, port_codes=[2504], lane={"carpool": 1.0})
