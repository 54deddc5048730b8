"""Lane-aware waits and port lanes on the real crossing files (reference: plain pandas)."""

from __future__ import annotations

import pandas as pd
import pytest

from binational.drops import DropReport
from binational.io import lanes as ln
from binational.io import waits as io_waits


@pytest.fixture(scope="module")
def waits(files):
    return io_waits.combine_waits(
        [
            io_waits.read_sandag_observed_waits(files.sandag),
            io_waits.read_waits_hourly(files.hourly),
            io_waits.read_waits_series(files.series_tj),
            io_waits.read_waits_series(files.series_tecate),
        ]
    )


@pytest.fixture(scope="module")
def table(waits):
    return ln.lane_waits(waits)


def test_sandag_first_and_equal_to_the_file(table, files):
    ref = pd.read_csv(files.sandag)
    ref = ref[(ref.direction == "Northbound") & (ref.port_name == "San Ysidro")]
    for traveler, lane in (("General", "general"), ("Ready", "ready"), ("SENTRI", "sentri")):
        r = ref[ref.traveler_type == traveler]
        r = r.set_index(r.hour - 1)["wait_time"].sort_index()
        got = table[(table.port_code == 2504) & (table.lane == lane)].set_index("hour")
        assert got["source"].str.contains("SANDAG").all()
        assert (got["minutes"].sort_index().to_numpy() == r.to_numpy()).all()


def test_pedestrian_ready_from_cbp_historical_weekdays(table, files):
    ref = pd.read_csv(files.hourly)
    ref = ref[ref.bwt_day <= 4].groupby("bwt_hour")["ped_ready_lanes_time_avg"].median()
    got = table[(table.port_code == 2504) & (table.lane == "pedestrian_ready")].set_index("hour")
    assert got["source"].str.contains("CBP BWT historical").all()
    pd.testing.assert_series_equal(
        got["minutes"].sort_index(), ref.astype(float), check_names=False, check_index_type=False
    )


def test_tecate_from_bordify_when_nothing_better(table, files):
    got = table[(table.port_code == 2505) & (table.lane == "general")]
    assert len(got) and got["source"].str.contains("Bordify").all()
    raw = pd.read_csv(files.series_tecate)
    raw = raw[(raw.tipo_carril == "General") & (raw.modo == "vehicular")]
    t = pd.to_datetime(raw["ultima_actualizacion_local"], format="ISO8601")
    h8 = raw[(t.dt.hour == 8) & (t.dt.day_of_week <= 4)]["wait_minutes"].median()
    assert got.set_index("hour").loc[8, "minutes"] == pytest.approx(h8)


def test_precedence_can_be_reversed(waits):
    rev = ln.lane_waits(waits, precedence=("Bordify", "SANDAG"))
    got = rev[(rev.port_code == 2504) & (rev.lane == "general")]
    assert got["source"].str.contains("Bordify").all()


def test_unknown_lane_code_raises(waits):
    with pytest.raises(ln.LaneError, match="carpool"):
        ln.lane_waits(waits, lanes=("general", "carpool"))


def test_port_lanes_from_sandag_and_cbp(files, cdir):
    rep = DropReport()
    pc = ln.read_port_configurations(cdir / "sandag_ome_port_configurations.csv", report=rep)
    assert set(pc.lane) == {"general", "ready", "sentri"}
    assert len(rep)  # commercial and southbound all-lane rows recorded
    lanes = ln.port_lanes(pc, ln.read_bwt_lanes(files.bwt_csv))
    sy = lanes[lanes.port_code == 2504]
    assert {"general", "ready", "sentri", "pedestrian", "pedestrian_ready"} <= set(sy.lane)
    tecate = set(lanes[lanes.port_code == 2505].lane)
    assert "sentri" not in tecate and "general" in tecate
    ln.check_lanes(lanes, [(2504, "ready"), (2506, "sentri")])
    with pytest.raises(ln.LaneError, match="2505 has no northbound 'sentri'"):
        ln.check_lanes(lanes, [(2505, "sentri")])


def test_require_fills_and_reports(table):
    rep = DropReport()
    grid = ln.require_lane_waits(table, [(2505, "general")], report=rep)
    assert len(grid) == 24 and grid["minutes"].notna().all()
    filled = grid[grid["source"].str.contains("no wait at hour")]
    assert len(filled) == len(rep.to_frame()) > 0
    with pytest.raises(ln.LaneError, match="no wait for port 2505"):
        ln.require_lane_waits(table, [(2505, "general")], fill="error")
    with pytest.raises(ln.LaneError, match="any hour"):
        ln.require_lane_waits(table, [(2505, "sentri")])


def test_closed_lane_zero_is_not_a_wait():
    rows = pd.DataFrame(
        {
            "port_code": [2506, 2506, 2506],
            "crossing_id": ["250601"] * 3,
            "lane": ["sentri"] * 3,
            "direction": ["northbound"] * 3,
            "time": pd.NaT,
            "month": pd.NA,
            "weekday": pd.NA,
            "hour": [1, 1, 2],
            "minutes": [0.0, 7.0, 12.0],
            "lanes_open": pd.array([0, pd.NA, 2], dtype="Int64"),
            "source": ["SANDAG x", "Bordify y", "SANDAG x"],
        }
    )
    rep = DropReport()
    t = ln.lane_waits(rows, report=rep).set_index("hour")
    assert t.loc[1, "minutes"] == 7.0 and "Bordify" in t.loc[1, "source"]
    assert t.loc[2, "minutes"] == 12.0
    assert list(rep.to_frame()["reason"]) == ["lane_closed"]
