"""Fixtures for the census-loader tests: real files (through ``data_dir``) read once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from binational.io import mx_census


@pytest.fixture(scope="session")
def us_dir(data_dir: Path) -> Path:
    return data_dir / "us"


@pytest.fixture(scope="session")
def mx_dir(data_dir: Path) -> Path:
    return data_dir / "mx"


@pytest.fixture(scope="session")
def resageburb_path(mx_dir: Path) -> Path:
    return mx_dir / "format_sample" / "RESAGEBURB_03CSV20.csv.bz2"


@pytest.fixture(scope="session")
def resageburb_plain(resageburb_path: Path) -> pd.DataFrame:
    """The RESAGEBURB sample as plain pandas reads it (INEGI's ``NA`` → NaN)."""
    return pd.read_csv(
        resageburb_path,
        dtype={"cve_ent": str, "cve_mun": str, "cve_loc": str, "ageb": str, "mza": str},
    )


@pytest.fixture(scope="session")
def resageburb(resageburb_path: Path):
    """(table, report) of read_resageburb on the real sample."""
    from binational.drops import DropReport

    report = DropReport()
    return mx_census.read_resageburb(resageburb_path, report=report), report
