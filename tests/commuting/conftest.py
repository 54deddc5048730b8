"""Real-data fixtures for the commuting tests (Tijuana–San Diego, straight-line for speed)."""

from __future__ import annotations

import pytest

import binational
from binational.io.survey import read_od_survey, read_zone_centroids

SURVEY = "crossings/sandag_ome_crossborder_od_survey_2017.csv"
ZONES = "osm/tijuana_sandiego_sr11_2017_network.gpkg"
OBSERVED = "crossings/sandag_ome_observed_hourly_volumes_waits_2017.csv"


@pytest.fixture(scope="session")
def region_tj_sl(data_dir):
    """Tijuana–San Diego without its road network (straight-line times)."""
    return binational.load_region("tijuana-san-diego", data_dir=data_dir, network=False)


@pytest.fixture(scope="session")
def survey(data_dir):
    return read_od_survey(data_dir / SURVEY)


@pytest.fixture(scope="session")
def zones(data_dir):
    return read_zone_centroids(data_dir / ZONES)


@pytest.fixture(scope="session")
def work_result(region_tj_sl, survey, zones, volumes):
    """The model fitted to northbound work trips (HBW) on the real data."""
    from binational.commuting import commuting

    return commuting(
        region_tj_sl, survey=survey, zones=zones, purposes=("HBW",), lanes_open=volumes
    )


@pytest.fixture(scope="session")
def volumes(data_dir):
    from binational.io.lanes import read_sandag_observed_volumes

    return read_sandag_observed_volumes(data_dir / OBSERVED)
