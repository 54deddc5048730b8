"""Shared fixtures: the real data folder (BINATIONAL_DATA_DIR) and a private cache folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import binational

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    env = os.environ.get("BINATIONAL_DATA_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        raise RuntimeError(
            f"real data folder {path} not found: set BINATIONAL_DATA_DIR to the shared data "
            "(tests run on the real data)"
        )
    return path.resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real shared data folder (read-only)."""
    return _data_dir()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Send every cache write of the test session to a temporary folder."""
    old = binational.settings.cache_dir
    binational.settings.cache_dir = str(tmp_path_factory.mktemp("binational-cache"))
    binational.settings.data_dir = str(_data_dir())
    yield
    binational.settings.cache_dir = old


@pytest.fixture(scope="session")
def region_tj(data_dir):
    """Tijuana–San Diego loaded from the real data, with its road network (shared, read-only)."""
    return binational.load_region("tijuana-san-diego", data_dir=data_dir)


@pytest.fixture(scope="session")
def region_ep(data_dir):
    """Ciudad Juárez–El Paso loaded from the real data (no road network in shared)."""
    return binational.load_region("juarez-el-paso", data_dir=data_dir)


# ------------------------------------------------------------------------------------------------
# headless Chromium for the browser tests (tests/render/test_browser.py, the HTML-injection
# faults): Debian's ``chromium`` driven by Playwright through ``executable_path``

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (skipped when not installed, except in CI where it must be)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
