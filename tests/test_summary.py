"""binational.summarise on the real data, each table against a plain pandas computation."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import binational
from binational import schema
from binational.units import population_check

BTS = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"


@pytest.fixture(scope="module")
def tj(data_dir):
    return binational.load_region("tijuana-san-diego", data_dir=data_dir, network=False)


@pytest.fixture(scope="module")
def summary(tj):
    return binational.summarise(tj)


def _pandas_wait_profile(waits: pd.DataFrame) -> dict[int, pd.Series]:
    """Per port: the source with the most northbound general-lane rows among those covering
    at least 12 hours, and its median by hour (the rule of the report's wait chart)."""
    w = waits[(waits["lane"] == "general") & (waits["direction"] == "northbound")]
    w = w.dropna(subset=["minutes", "hour"])
    out = {}
    for code, part in w.groupby("port_code"):
        stats = part.groupby("source")["hour"].agg(["size", "nunique"])
        stats = stats[stats["nunique"] >= 12]
        if len(stats):
            best = part[part["source"] == stats["size"].idxmax()]
            out[int(code)] = best.groupby(best["hour"].astype(int))["minutes"].median()
    return out


def test_waits_use_one_source_per_port(tj, summary):
    waits = summary["waits"]
    want = _pandas_wait_profile(tj.waits)
    assert sorted(int(c) for c in waits.columns) == sorted(want)
    for code, profile in want.items():
        got = waits[code].dropna()
        assert list(got.index) == list(profile.index)
        np.testing.assert_allclose(got.to_numpy(), profile.round(1).to_numpy())
    # San Ysidro at 7 am: the Bordify series (81 min, 859 rows), not the pool of four
    # sources (77 min) nor the CBP historical averages alone (50 min)
    sy = tj.waits[
        (tj.waits["port_code"] == 2504)
        & (tj.waits["lane"] == "general")
        & (tj.waits["direction"] == "northbound")
        & (tj.waits["hour"] == 7)
    ]
    assert sy["minutes"].median() == 77.0  # the pooled value the old table showed
    assert waits.loc[7, 2504] == 81.0
    assert "Bordify" in waits.attrs["source"][2504]


def test_sides_admin_and_crossings_values(tj, summary, data_dir):
    sides = summary["sides"].set_index("side")
    for country, part in tj.units.groupby(schema.COUNTRY):
        assert sides.loc[country, "units"] == len(part)
        assert sides.loc[country, "population"] == part[schema.POP_TOTAL].sum()
    us = tj.units[tj.units[schema.COUNTRY] == "US"]
    assert sides.loc["US", "hispanic"] == us["hispanic"].sum()
    assert sides.loc["US", "hispanic_share"] == pytest.approx(
        us["hispanic"].sum() / us[schema.POP_TOTAL].sum()
    )
    pd.testing.assert_frame_equal(summary["admin"], population_check(tj.units))
    # crossings: last 12 months of the BTS file, summed per port and measure with pandas
    raw = pd.read_csv(data_dir / BTS)
    raw["month"] = pd.to_datetime(raw["Date"], format="%b %Y")
    last = raw["month"].max()
    recent = raw[(raw["Port Code"] == 2504) & (raw["month"] > last - pd.DateOffset(months=12))]
    want = recent.groupby("Measure")["Value"].sum()
    got = summary["crossings"]
    got = got[got["port_code"] == 2504].set_index("measure")["value"]
    assert {str(k): float(v) for k, v in got.items()} == {str(k): float(v) for k, v in want.items()}
    assert want["Pedestrians"] > 1_000_000  # San Ysidro: millions of pedestrians a year


def test_summary_cli_does_not_load_the_network(data_dir):
    """`binational summary` never builds the road graph unless --network asks for it."""
    probe = (
        "import sys, contextlib, io\n"
        "from binational.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    main(['summary', 'tijuana-san-diego'])\n"
        "print(out.getvalue().splitlines()[1])\n"
        "print('networkx' in sys.modules, 'binational.io.roads' in sys.modules)\n"
    )
    env = dict(
        os.environ,
        BINATIONAL_DATA_DIR=str(data_dir),
        BINATIONAL_CACHE_DIR=str(binational.settings.cache_dir),
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    line, loaded = res.stdout.splitlines()[-2:]
    assert line.startswith("road network: available, not loaded")
    assert loaded == "False False"
