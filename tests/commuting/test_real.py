"""The commuting model on the real shared data: survey, fit, held-out shares, time tax."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.commuting import CommutingScenario, commuting
from binational.commuting.periods import PERIODS, period_of
from binational.commuting.scenario import run_scenario
from binational.drops import DropReport
from binational.errors import SchemaError
from binational.io.lanes import LaneError
from binational.io.survey import read_od_survey

from .conftest import SURVEY


def test_survey_totals_equal_pandas(survey, data_dir):
    raw = pd.read_csv(data_dir / SURVEY)
    ref = raw.groupby(["Dir", "POE", "Lane"])["RevWght"].sum()
    got = survey.groupby(["direction", "port_code", "lane"])["weight"].sum()
    for (d, poe, lane), v in ref.items():
        key = (
            {"NB": "northbound", "SB": "southbound"}[d],
            {"SY": 2504, "OM": 2506}[poe],
            lane.lower(),
        )
        assert got[key] == pytest.approx(v)
    assert len(survey) == len(raw)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("POE", "XX", "column POE"),
        ("Lane", "Carpool", "column Lane"),
        ("RevWght", "0", "RevWght"),
        ("RevWght", "-3.5", "RevWght"),
    ],
)
def test_bad_survey_rows_are_named(tmp_path, data_dir, column, value, message):
    raw = pd.read_csv(data_dir / SURVEY, dtype=str)
    raw.loc[5, column] = value
    path = tmp_path / "survey.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=message) as err:
        read_od_survey(path)
    assert str(path) in str(err.value) and "lines [7]" in str(err.value)
    rep = DropReport()
    kept = read_od_survey(path, on_bad="drop", report=rep)
    assert len(kept) == len(raw) - 1 and len(rep) == 1


def test_observed_shares_equal_pandas(work_result, data_dir):
    raw = pd.read_csv(data_dir / SURVEY)
    nb = raw[(raw.Dir == "NB") & (raw.Purpose == "HBW")].copy()
    nb["period"] = period_of(nb["ArHour"] - 1)
    ref = nb.groupby(["period", "POE", "Lane"])["RevWght"].sum()
    ref = ref / ref.groupby(level="period").transform("sum")
    ft = work_result.fit_table
    for (period, poe, lane), v in ref.items():
        row = ft[
            (ft.period == period)
            & (ft.port_code == {"SY": 2504, "OM": 2506}[poe])
            & (ft.lane == lane.lower())
        ]
        assert row["observed_share"].iloc[0] == pytest.approx(v, abs=1e-9)


def test_shares_sum_to_one_and_held_out_differs(work_result):
    ft = work_result.fit_table
    sums = ft.groupby(["purpose", "period"])[
        ["observed_share", "predicted_share", "in_sample_share"]
    ].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-9)
    assert set(ft["period"]) == set(PERIODS)
    # held out: the predictions of a period come from other parameters than the in-sample ones
    assert (ft["predicted_share"] - ft["in_sample_share"]).abs().max() > 1e-3
    held = work_result.heldout_parameters
    assert set(held["held_out"]) == set(PERIODS)


def test_held_out_beats_equal_shares_in_every_period(work_result):
    ft = work_result.fit_table
    for period, g in ft.groupby("period"):
        model = (g["predicted_share"] - g["observed_share"]).abs().mean()
        naive = (1 / len(g) - g["observed_share"]).abs().mean()
        assert model < naive, period


def test_parameters_have_standard_errors_and_time_matters(work_result):
    p = work_result.parameters.set_index("parameter")
    assert p.loc["beta_drive", "estimate"] < 0
    assert p.loc["beta_drive", "estimate"] + 2 * p.loc["beta_drive", "se"] < 0
    free = ~p["fixed"]
    assert (p.loc[free, "se"] > 0).all() and np.isfinite(p.loc[free, "se"]).all()
    # the wait coefficient is refitted at 0 only when its free estimate is positive, and says so
    if p.loc["beta_wait", "fixed"]:
        assert p.loc["beta_wait", "unconstrained_estimate"] > 0


def test_time_tax_is_the_expected_wait(work_result):
    u = work_result.units
    origins = u[u["role"] == "origin"]
    grid = work_result.waits
    labels = work_result.designs["HBW"].labels
    hour = work_result.params["hour"]
    wait = {
        f"{p}_{ln}": m
        for p, ln, h, m in zip(grid.port_code, grid.lane, grid.hour, grid.minutes, strict=True)
        if h == hour
    }
    expected_wait = sum(origins[f"p_{lab}"] * wait[lab] for lab in labels)
    np.testing.assert_allclose(origins["time_tax_minutes"], expected_wait, rtol=1e-9)
    np.testing.assert_allclose(origins[[f"p_{lab}" for lab in labels]].sum(axis=1), 1.0, atol=1e-9)
    assert (u["time_tax_minutes"].dropna() >= 0).all()
    both = u.dropna(subset=["time_tax_minutes"])["country"].unique()
    assert set(both) == {"MX", "US"}
    tax = work_result.time_tax
    assert set(tax["hour"]) == set(range(24))


def test_missing_wait_and_missing_lane_are_errors(region_tj_sl, survey, zones):
    waits = region_tj_sl.waits
    no_om_sentri = waits[~((waits.port_code == 2506) & (waits.lane == "sentri"))]
    with pytest.raises(LaneError, match="no wait for port 2506 lane 'sentri'"):
        commuting(region_tj_sl, waits=no_om_sentri, survey=survey, zones=zones, purposes=("HBW",))
    lanes = pd.DataFrame(
        {
            "port_code": [2504, 2504, 2504, 2506, 2506],
            "direction": "northbound",
            "lane": ["general", "ready", "sentri", "general", "ready"],
            "sources": "test",
        }
    )
    with pytest.raises(LaneError, match="port 2506 has no northbound 'sentri'"):
        commuting(region_tj_sl, survey=survey, zones=zones, purposes=("HBW",), lanes=lanes)


def test_filled_waits_are_reported(work_result):
    grid = work_result.waits
    filled = grid[grid["source"].str.contains("no wait at hour")]
    rep = work_result.report.to_frame()
    assert len(filled) == int((rep["reason"] == "wait_filled_from_nearest_hour").sum())
    # OM SENTRI has 0 lanes open at night in SANDAG's 2017 data: those hours take the next
    # source (their "0 minutes" is not a wait)
    closed = rep[(rep["reason"] == "lane_closed")]
    assert len(closed) > 0
    om = grid[(grid.port_code == 2506) & (grid.lane == "sentri") & grid.hour.isin([1, 2])]
    assert not om["source"].str.contains("SANDAG").any()


def test_scenarios_change_shares_and_tax(work_result):
    from binational.catchments import OTAY_MESA_EAST

    ome = run_scenario(work_result, CommutingScenario(name="ome", new_ports=(OTAY_MESA_EAST,)))
    sh = ome["shares"]
    am = sh[sh["period"] == "am_peak"]
    assert am.loc[am.port_code == 2599, "scenario_share"].sum() > 0.01
    assert (am.loc[am.port_code != 2599, "change_pp"] < 0).all()
    np.testing.assert_allclose(sh.groupby("period")["scenario_share"].sum(), 1.0, atol=1e-9)
    s = ome["summary"].iloc[0]
    assert s["scenario_mean_time_tax_minutes"] < s["base_mean_time_tax_minutes"]
    closed = run_scenario(work_result, CommutingScenario(name="x", closed_lanes=((2504, "ready"),)))
    c = closed["shares"]
    assert (c.loc[(c.port_code == 2504) & (c.lane == "ready"), "scenario_share"] == 0).all()
    with pytest.raises(LaneError):
        run_scenario(work_result, CommutingScenario(name="y", closed_lanes=((2504, "carpool"),)))


def test_observed_share_standard_error_is_kish(work_result, data_dir):
    raw = pd.read_csv(data_dir / SURVEY)
    x = raw[(raw.Dir == "NB") & (raw.Purpose == "HBW")]
    x = x[period_of(x["ArHour"] - 1) == "am_peak"]
    w = x["RevWght"]
    neff = w.sum() ** 2 / (w**2).sum()
    p = x.loc[(x.POE == "SY") & (x.Lane == "Ready"), "RevWght"].sum() / w.sum()
    ft = work_result.fit_table
    row = ft[(ft.period == "am_peak") & (ft.port_code == 2504) & (ft.lane == "ready")].iloc[0]
    assert row["observed_share_se"] == pytest.approx(np.sqrt(p * (1 - p) / neff))
