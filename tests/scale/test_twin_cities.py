"""twin_cities.toml against the real BTS port list and the shared data folder."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pyproj
import pytest

from binational._data import manifest
from binational.regions import load_regions_file
from binational.scale.tasks import census_skip_reason


@pytest.fixture(scope="module")
def specs():
    return load_regions_file(manifest("twin_cities.toml"), register_all=False)


@pytest.fixture(scope="module")
def bts_ports(data_dir):
    return pd.read_csv(data_dir / "crossings" / "bts_us_mexico_ports_from_entry_data.csv")


def test_every_bts_port_in_exactly_one_preset(specs, bts_ports):
    both = specs + load_regions_file(manifest("regions.toml"), register_all=False)
    counts = Counter(p for s in both for p in s.ports)
    assert set(counts) == set(bts_ports["Port Code"])  # the 28 US–Mexico ports
    assert max(counts.values()) == 1


def test_utm_zone_matches_port_longitudes(specs, bts_ports):
    lon = dict(zip(bts_ports["Port Code"], bts_ports["Longitude"], strict=True))
    for spec in specs:
        crs = pyproj.CRS(spec.crs)
        zone = int(crs.utm_zone[:-1])
        assert crs.utm_zone.endswith("N") and crs.datum.name.startswith("World Geodetic")
        assert {math.floor((lon[p] + 180) / 6) + 1 for p in spec.ports} == {zone}, spec.name


def test_files_exist_and_census_gaps_are_reasons(specs, data_dir):
    for spec in specs:
        for role in spec.files:
            for path in spec.file_list(role, data_dir):
                assert path.is_file(), (spec.name, role, path)
        reason = census_skip_reason(spec, data_dir)
        assert reason is not None and "no US census units" in reason
    mexicali = next(s for s in specs if s.name == "mexicali-calexico")
    # Mexicali has AGEBs + CONAPO: runnable one-sided, skipped when both sides are required
    assert census_skip_reason(mexicali, data_dir, both_sides=False) is None
    assert "06025" in census_skip_reason(mexicali, data_dir)
