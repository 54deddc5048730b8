"""Fixtures for the fault-injection catalogue: copies of the shared data in tmp_path.

Every case works on a copy (``copy_file``) or a small excerpt (``bts_excerpt``) of the real
files in BINATIONAL_DATA_DIR, changes one thing, and asserts the outcome: a clear error naming
the file (and column/row where there is one) or an explicit entry in a drop report.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EP = {
    "us_tracts": "us/ep/ep_tracts_2020.geojson",
    "us_acs": "us/ep/ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv",
    "mx_agebs": "mx/ageb_urbana_mg_juarez.gpkg",
    "mx_conapo": "mx/conapo_imu2020_ageb_border.csv",
}
BTS = "crossings/bts_border_crossing_entry_data_us_mexico_1996-01_2025-02.csv"
HOURLY = "crossings/cbp_bwt_historical_hourly_avg_san_ysidro_pov.csv"
LIVE = "crossings/cbp_bwt_api_snapshot_2022-06-29.json"
SERIES = "crossings/bordify_wait_times_tecate_2025-03_2026-05.csv.gz"
SANDAG = "crossings/sandag_ome_observed_hourly_volumes_waits_2017.csv"
BRIDGES = "crossings/cbp_tx_mx_northbound_crossings_monthly_2008_2025.csv"
GRAPHML = "osm/tijuana_sandiego_sr11_2017_drive.graphml.gz"


@pytest.fixture
def copy_file(data_dir, tmp_path):
    """``copy_file(rel, name=None)`` → a private copy of a shared file in tmp_path."""

    def _copy(rel: str, name: str | None = None) -> Path:
        target = tmp_path / (name or Path(rel).name)
        shutil.copyfile(data_dir / rel, target)
        return target

    return _copy


@pytest.fixture(scope="session")
def bts_lines(data_dir) -> list[str]:
    """Header and the San Ysidro (2504) rows of the BTS file, 2023–2025 (a small real excerpt)."""
    lines = (data_dir / BTS).read_text(encoding="utf-8").splitlines()
    rows = [
        ln
        for ln in lines[1:]
        if ln.split(",")[2] == "2504" and ln.split(",")[4][-4:] in ("2023", "2024", "2025")
    ]
    return [lines[0], *rows]


@pytest.fixture
def bts_excerpt(bts_lines, tmp_path):
    """``bts_excerpt(edit=None)`` → path of the excerpt, each data line passed through ``edit``."""

    def _make(edit=None, name: str = "bts_excerpt.csv") -> Path:
        rows = bts_lines[1:]
        if edit is not None:
            rows = edit(rows)
        path = tmp_path / name
        path.write_text("\n".join([bts_lines[0], *rows]) + "\n", encoding="utf-8")
        return path

    return _make
