"""Real-data fixtures for the concentration tests (loaded once per session).

``tsd`` / ``jep``: the binational unit tables of Tijuana–San Diego and Ciudad Juárez–El Paso
from :func:`binational.load_region`; ``sd`` / ``ep``: their US tracts; ``tj``: the Mexican AGEBs
of Tijuana–San Diego; ``sd_2022``: San Diego tracts with the ACS 2018–2022 table; ``bcs``: the
AGEB rows of the real RESAGEBURB sample (Baja California Sur, no polygons).

``reference``: values computed by PySAL ``segregation``/``esda``/``libpysal`` on the same
tables, in a subprocess without numba JIT (see ``_reference.py``).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import binational
from binational.drops import DropReport

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True, scope="session")
def _quiet_progress():
    old = binational.settings.progress
    binational.settings.progress = False
    yield
    binational.settings.progress = old


def _units(name: str, data_dir: Path):
    region = binational.load_region(name, data_dir=data_dir, network=False, crossings=False)
    return region.units


@pytest.fixture(scope="session")
def tsd(data_dir):
    return _units("tijuana-san-diego", data_dir)


@pytest.fixture(scope="session")
def jep(data_dir):
    return _units("juarez-el-paso", data_dir)


@pytest.fixture(scope="session")
def sd(tsd):
    return tsd[tsd["country"] == "US"].reset_index(drop=True)


@pytest.fixture(scope="session")
def tj(tsd):
    return tsd[tsd["country"] == "MX"].reset_index(drop=True)


@pytest.fixture(scope="session")
def ep(jep):
    return jep[jep["country"] == "US"].reset_index(drop=True)


@pytest.fixture(scope="session")
def sd_2022(data_dir):
    from binational.harmonise import load_us_units

    spec = binational.get_region("tijuana-san-diego")
    units = load_us_units(
        spec.file("us_tracts", data_dir),
        data_dir / "us" / "sd" / "sd_acs5_2018_2022_tract.csv",
        column_map=spec.us_column_map,
        counties=spec.us_counties,
        crs=spec.crs,
        report=DropReport(),
    )
    return units.reset_index(drop=True)


@pytest.fixture(scope="session")
def bcs(data_dir):
    """AGEB totals of the RESAGEBURB sample with the canonical group names."""
    from binational.io.mx_census import RESAGEBURB_GROUPS, read_resageburb

    raw = read_resageburb(
        data_dir / "mx" / "format_sample" / "RESAGEBURB_03CSV20.csv.bz2", report=DropReport()
    )
    table = pd.DataFrame(
        {name: raw[var] for name, var in RESAGEBURB_GROUPS.items() if var in raw.columns}
    )
    table.insert(0, "unit_id", "MX:" + raw.index.astype(str))
    table.insert(1, "country", "MX")
    return table.reset_index(drop=True)


@pytest.fixture(scope="session")
def reference(tmp_path_factory, sd, ep, sd_2022):
    """PySAL/esda/libpysal results on the real SD and EP tracts (see ``_reference.py``)."""
    folder = tmp_path_factory.mktemp("pysal-reference")
    src, dst = folder / "in.pkl", folder / "out.pkl"
    keep = ["unit_id", "hispanic", "pop_total", "geometry"]
    with open(src, "wb") as fh:
        pickle.dump(
            {
                "sd": sd[[*keep[:2], "white_nh", *keep[2:]]],
                "ep": ep[keep],
                "sd_2022": sd_2022[keep],
            },
            fh,
        )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", TQDM_DISABLE="1")
    proc = subprocess.run(
        [sys.executable, str(HERE / "_reference.py"), str(src), str(dst)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"PySAL reference script failed:\n{proc.stderr[-4000:]}")
    with open(dst, "rb") as fh:
        return pickle.load(fh)
