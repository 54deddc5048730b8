"""Booths open from two sources, the held-out target, and scenario waits that respond to demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.commuting import (
    CommutingScenario,
    ConvergenceError,
    equilibrium_waits,
    heldout_errors,
    predict_shares,
    run_scenario,
    wait_elasticity,
)
from binational.commuting.model import ChoiceDesign
from binational.errors import SchemaError
from binational.io.lanes import booths_open, read_poe_rates

RATES = "crossings/sandag_ome_poe_rates_2017_base.csv"


@pytest.fixture(scope="module")
def rates(data_dir):
    return read_poe_rates(data_dir / RATES)


@pytest.fixture(scope="module")
def booths(volumes, rates):
    return booths_open(volumes, rates)


@pytest.fixture(scope="module")
def booths_result(region_tj_sl, survey, zones, booths):
    from binational.commuting import commuting

    return commuting(region_tj_sl, survey=survey, zones=zones, purposes=("HBW",), lanes_open=booths)


def test_poe_rates_equal_the_csv(rates, data_dir):
    raw = pd.read_csv(data_dir / RATES)
    row = raw[raw.TIME == 8].iloc[0]  # 07:00-08:00
    sy = rates[(rates.port_code == 2504) & (rates.lane == "general") & (rates.hour == 7)].iloc[0]
    assert sy["lanes_open"] == row["SY_GP_OPEN"] == 8
    stl, stv, veh = row["SY_GP_STL"], row["SY_GP_STV"], row["SY_GP_VEH"]
    assert sy["capacity_vph"] == (row["SY_GP_OPEN"] - stl) * veh + stl * stv == 584
    om = rates[(rates.port_code == 2506) & (rates.lane == "sentri") & (rates.hour == 0)]
    assert om["lanes_open"].iloc[0] == raw.loc[raw.TIME == 1, "OM_SE_OPEN"].iloc[0] == 0
    assert set(rates.port_code) == {2504, 2506, 2599}
    assert len(rates) == 3 * 4 * 24


def test_booths_open_is_the_mean_of_both_sources(booths, volumes, rates):
    key = ["port_code", "direction", "lane", "hour"]
    ref = pd.concat([volumes[[*key, "lanes_open"]], rates[[*key, "lanes_open"]]])
    ref = ref.dropna().groupby(key)["lanes_open"].mean()
    got = booths.set_index(key)["lanes_open"]
    pd.testing.assert_series_equal(got.sort_index(), ref.sort_index(), check_names=False)
    sy7 = booths[(booths.port_code == 2504) & (booths.lane == "ready") & (booths.hour == 17)]
    assert sy7["n_sources"].iloc[0] == 2


def test_bad_poe_rates_are_named(tmp_path, data_dir):
    raw = pd.read_csv(data_dir / RATES)
    raw.loc[3, "SY_RE_OPEN"] = -1
    bad = tmp_path / "rates.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(SchemaError, match="SY_RE_OPEN"):
        read_poe_rates(bad)


def test_heldout_errors_by_hand():
    ft = pd.DataFrame(
        {
            "purpose": "HBW",
            "period": "am_peak",
            "port_code": [1, 1, 2, 2],
            "lane": ["general", "ready", "general", "ready"],
            "observed_share": [0.1, 0.4, 0.2, 0.3],
            "predicted_share": [0.15, 0.40, 0.25, 0.20],
        }
    )
    e = heldout_errors(ft).iloc[0]
    assert e["port_max_pp"] == pytest.approx(5.0)  # port 1: 0.55 vs 0.50; port 2: 0.45 vs 0.50
    assert e["lane_max_pp"] == pytest.approx(10.0)  # general 0.40 vs 0.30
    assert e["lane_worst"] == "general"


def test_held_out_target_with_booths_from_both_sources(booths_result, work_result):
    """Northbound work trips: held-out port and lane shares within 5 pp in every commuting period
    (the CBP booth counts alone miss the PM-peak lane shares)."""
    after = heldout_errors(booths_result.fit_table).set_index("period")
    before = heldout_errors(work_result.fit_table).set_index("period")
    for period in ("am_peak", "midday", "pm_peak"):
        assert after.loc[period, "port_max_pp"] <= 5.0, after
        assert after.loc[period, "lane_max_pp"] <= 5.0, after
    assert before.loc["pm_peak", "lane_max_pp"] > 5.0
    p = booths_result.parameters.set_index("parameter")
    assert p.loc["gamma_lanes", "estimate"] > 2 * p.loc["gamma_lanes", "se"]


def _two_lane_design(alpha_wait):
    opts = pd.DataFrame({"port_code": [1, 1], "lane": ["general", "ready"], "walk": False})
    return ChoiceDesign(
        options=opts,
        access=np.full((1, 2), 10.0),
        egress=np.full((1, 1), 10.0),
        ports=(1,),
        origin_weight=np.ones(1),
        size=np.ones(1),
        waits=np.full((2, 24), alpha_wait),
    )


def test_fixed_point_equals_closed_form():
    """Two lanes, base shares 1/2 and waits 40 min, b = 1: the constant is chosen so that the
    shares (0.7, 0.3) with waits w0 * s / s0 = (56, 24) solve the logit; the solver finds them."""
    b_wait = -0.05
    s_star = np.array([0.7, 0.3])
    w_star = 40.0 * s_star / 0.5
    alpha = np.log(s_star[1] / s_star[0]) - b_wait * (w_star[1] - w_star[0])
    theta = np.array([-0.1, b_wait, alpha])
    d = _two_lane_design(40.0)
    out, info = equilibrium_waits(
        theta,
        d,
        base_shares=np.full((2, 24), 0.5),
        base_waits=np.full((2, 24), 40.0),
        responds=np.array([True, True]),
        elasticity=1.0,
        separate_wait=True,
        tol=1e-9,
    )
    np.testing.assert_allclose(out.waits[:, 7], w_star, rtol=1e-6)
    s = predict_shares(theta, out, [7], separate_wait=True)[0]
    np.testing.assert_allclose(s, s_star, rtol=1e-6)
    assert info["iterations"] > 1
    with pytest.raises(ConvergenceError, match="did not settle"):
        equilibrium_waits(
            theta,
            d,
            base_shares=np.full((2, 24), 0.5),
            base_waits=np.full((2, 24), 40.0),
            responds=np.array([True, True]),
            elasticity=1.0,
            separate_wait=True,
            maxiter=2,
        )


def test_closing_a_lane_raises_the_other_lanes_waits(work_result):
    closed = run_scenario(work_result, CommutingScenario(name="x", closed_lanes=((2504, "ready"),)))
    w = closed["waits"].dropna()
    assert not ((w.port_code == 2504) & (w.lane == "ready")).any()
    assert (w["scenario_wait"] >= w["base_wait"] - 1e-9).all()
    at7 = w[w.hour == 7]
    assert (at7["scenario_wait"] > at7["base_wait"] + 0.5).all(), at7
    fixed = run_scenario(
        work_result,
        CommutingScenario(name="x", closed_lanes=((2504, "ready"),)),
        queue_response=False,
    )
    f = fixed["waits"].dropna()
    np.testing.assert_allclose(f["scenario_wait"], f["base_wait"])
    # longer queues elsewhere: the time tax rises more than with fixed waits
    assert (
        closed["summary"]["scenario_mean_time_tax_minutes"].iloc[0]
        > fixed["summary"]["scenario_mean_time_tax_minutes"].iloc[0]
    )


def test_otay_mesa_east_shortens_the_other_queues(work_result):
    from binational.catchments import OTAY_MESA_EAST

    ome = run_scenario(work_result, CommutingScenario(name="ome", new_ports=(OTAY_MESA_EAST,)))
    w = ome["waits"]
    old = w[w.port_code.isin([2504, 2506]) & (w.hour == 7)]
    assert (old["scenario_wait"] < old["base_wait"] - 0.5).all(), old
    new = w[(w.port_code == 2599) & (w.hour == 7)]
    np.testing.assert_allclose(new["scenario_wait"], OTAY_MESA_EAST.wait_minutes)


def test_wait_elasticity_from_the_2017_data(volumes):
    from binational.commuting import DEFAULT_WAIT_ELASTICITY

    e = wait_elasticity(volumes[volumes.direction == "northbound"])
    assert e["estimate"] == pytest.approx(DEFAULT_WAIT_ELASTICITY, abs=0.005)
    assert e["n"] == 140 and 0 < e["se"] < 1


def test_pedestrian_check_against_bts(work_result, region_tj_sl, data_dir):
    from binational.commuting import pedestrian_check

    peds = pedestrian_check(work_result, crossings=region_tj_sl.crossings, year=2017)
    raw = pd.read_csv(
        data_dir / "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
    )
    raw = raw[(raw.Measure == "Pedestrians") & raw.Date.str.endswith("2017")]
    ref = raw.groupby("Port Code")["Value"].sum()
    assert set(peds.port_code) == {2504, 2505, 2506}  # Cross Border Xpress is airport-only
    for r in peds.itertuples():
        assert r.observed_pedestrians == ref[r.port_code]
    np.testing.assert_allclose(peds[["observed_share", "predicted_share"]].sum(), 1.0)
    assert not peds["fitted"].any()
    np.testing.assert_allclose(
        peds["error_pp"], 100 * (peds["predicted_share"] - peds["observed_share"])
    )
    # walking access: a unit next to San Ysidro sends its pedestrians there
    allw = pedestrian_check(
        work_result, crossings=region_tj_sl.crossings, year=2017, max_walk_minutes=None
    )
    assert allw["origins"].iloc[0] > peds["origins"].iloc[0] > 0
    with pytest.raises(SchemaError, match="two ports"):
        pedestrian_check(work_result, crossings=region_tj_sl.crossings, ports=[2504])
