"""Fixtures for the crossings tests: the real files in ``crossings/``, each read once per session
with our loaders and with plain pandas (the reference)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from binational.drops import DropReport
from binational.io import bts as io_bts
from binational.io import ports as io_ports
from binational.io import waits as io_waits

BTS_MX = "bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
BTS_ALL = "bts_border_crossing_entry_data_1996-01_2025-02.csv.gz"
BTS_PORTS = "bts_us_mexico_ports_from_entry_data.csv"
BRIDGES = "cbp_tx_mx_northbound_crossings_monthly_2008_2025.csv"
BRIDGES_YEARLY = "cbp_tx_mx_northbound_crossings_yearly_2008_2025.csv"
TXDOT = "txdot_unt_tx_mx_border_crossings_coordinates.csv"
BWT_CSV = "cbp_bwt_us_mexico_crossings_2022-06-29.csv"
BWT_JSON = "cbp_bwt_api_snapshot_2022-06-29.json"
HOURLY = "cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv"
SERIES_TJ = "bordify_wait_times_tijuana_2025-03_2026-05.csv.gz"
SERIES_TECATE = "bordify_wait_times_tecate_2025-03_2026-05.csv.gz"
SANDAG = "sandag_ome_observed_hourly_volumes_waits_2017.csv"


@pytest.fixture(scope="session")
def cdir(data_dir: Path) -> Path:
    """The real ``crossings/`` folder."""
    return data_dir / "crossings"


@pytest.fixture(scope="session")
def files(cdir) -> SimpleNamespace:
    """Paths of the real files, by short name."""
    names = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}
    return SimpleNamespace(**{k.lower(): cdir / v for k, v in names.items()})


def _load(fn, path):
    report = DropReport()
    return SimpleNamespace(df=fn(path, report=report), report=report, path=path)


@pytest.fixture(scope="session")
def bts_mx(cdir):
    return _load(io_bts.read_bts, cdir / BTS_MX)


@pytest.fixture(scope="session")
def bts_mx_raw(cdir) -> pd.DataFrame:
    return pd.read_csv(cdir / BTS_MX)


@pytest.fixture(scope="session")
def bts_all(cdir):
    return _load(io_bts.read_bts, cdir / BTS_ALL)


@pytest.fixture(scope="session")
def bts_all_raw(cdir) -> pd.DataFrame:
    return pd.read_csv(cdir / BTS_ALL, dtype={"Port Code": str})


@pytest.fixture(scope="session")
def bridges(cdir):
    return _load(io_bts.read_bridge_counts, cdir / BRIDGES)


@pytest.fixture(scope="session")
def bridges_raw(cdir) -> pd.DataFrame:
    return pd.read_csv(cdir / BRIDGES)


@pytest.fixture(scope="session")
def hourly(cdir):
    return _load(io_waits.read_waits_hourly, cdir / HOURLY)


@pytest.fixture(scope="session")
def hourly_raw(cdir) -> pd.DataFrame:
    return pd.read_csv(cdir / HOURLY)


@pytest.fixture(scope="session")
def live(cdir):
    return _load(io_waits.read_waits_live, cdir / BWT_JSON)


@pytest.fixture(scope="session")
def live_csv_raw(cdir) -> pd.DataFrame:
    return pd.read_csv(cdir / BWT_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def series_tj(cdir):
    return _load(io_waits.read_waits_series, cdir / SERIES_TJ)


@pytest.fixture(scope="session")
def series_tj_file(cdir) -> pd.DataFrame:
    """Every raw row of the file."""
    return pd.read_csv(cdir / SERIES_TJ, dtype={"modo": str})


@pytest.fixture(scope="session")
def series_tj_raw(series_tj_file) -> pd.DataFrame:
    """The raw rows the reader keeps: all but the nine 1,008-min waits (outside 0–600 min,
    dropped and reported as ``wait_out_of_range``)."""
    raw = series_tj_file
    implausible = (raw["wait_minutes"] < 0) | (raw["wait_minutes"] > 600)
    return raw[~implausible].reset_index(drop=True)


@pytest.fixture(scope="session")
def series_tecate(cdir):
    return _load(io_waits.read_waits_series, cdir / SERIES_TECATE)


@pytest.fixture(scope="session")
def sandag(cdir):
    return _load(io_waits.read_sandag_observed_waits, cdir / SANDAG)


@pytest.fixture(scope="session")
def registry():
    return io_ports.read_ports(level="all", planned=True)
