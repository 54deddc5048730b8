"""``commuting_inputs`` reads the survey and the zone centroids through the parsed-table cache:
the cached frames equal the readers' output exactly (dtypes, CRS), and a warm call parses
neither file again."""

from __future__ import annotations

import pandas as pd
import pytest

import binational
from binational.io import survey as io_survey
from binational.pipeline.commuting import COMMUTING_FILES, commuting_inputs


@pytest.fixture()
def paths(data_dir):
    return {k: data_dir / v for k, v in COMMUTING_FILES.items()}


@pytest.fixture()
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(binational.settings, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.setattr(binational.settings, "use_cache", True)


def _same(got, paths):
    zones = io_survey.read_zone_centroids(paths["zones"])
    survey = io_survey.read_od_survey(paths["survey"])
    pd.testing.assert_frame_equal(got["zones"], zones, check_exact=True)
    assert type(got["zones"]) is type(zones)
    assert got["zones"].crs == zones.crs
    pd.testing.assert_frame_equal(got["survey"], survey, check_exact=True)


def test_cold_and_warm_inputs_equal_the_readers(paths, fresh_cache, monkeypatch):
    cold = commuting_inputs(paths)
    _same(cold, paths)

    def refuse(*_a, **_k):
        raise AssertionError("parsed again on a warm cache")

    monkeypatch.setattr(io_survey, "read_zone_centroids", refuse)
    monkeypatch.setattr(io_survey, "read_od_survey", refuse)
    warm = commuting_inputs(paths)
    monkeypatch.undo()
    _same(warm, paths)
    for key in ("lanes", "volumes", "rates", "booths"):
        pd.testing.assert_frame_equal(warm[key], cold[key], check_exact=True)


def test_without_the_cache_the_files_are_parsed(paths, monkeypatch):
    monkeypatch.setattr(binational.settings, "use_cache", False)
    _same(commuting_inputs(paths), paths)


def test_a_missing_file_is_reported_by_its_reader(paths, tmp_path, fresh_cache):
    from binational.errors import BinationalError

    with pytest.raises(BinationalError):
        commuting_inputs({**paths, "zones": tmp_path / "absent.gpkg"})
