"""Fixtures for the renderer tests: both twin cities from the real shared data, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def _load(name: str, data_dir: Path):
    """The region through binational.load_region (no road network: fast, straight-line)."""
    from binational import load_region

    return load_region(name, data_dir=data_dir, network=False)


@pytest.fixture(scope="session")
def tj(data_dir):
    """Tijuana–San Diego."""
    return _load("tijuana-san-diego", data_dir)


@pytest.fixture(scope="session")
def jz(data_dir):
    """Ciudad Juárez–El Paso."""
    return _load("juarez-el-paso", data_dir)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder kept after the run for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def jz_catch(jz):
    """Straight-line catchments of Juárez–El Paso (no road network in the shared data)."""
    import binational

    return binational.catchments(jz, wait_fallback="zero")
