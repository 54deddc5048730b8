"""The batch runner uses the commuter defaults of catchments (one shared constant)."""

from __future__ import annotations

import inspect
import types

import pandas as pd
import pytest

from binational._defaults import COMMUTER
from binational.catchments import CatchmentOptions, catchments
from binational.scale import run_batch
from binational.scale.tasks import BatchConfig, RegionContext, catchments_task, get_task


def test_one_constant_for_catchments_and_batch():
    assert COMMUTER.minutes == (30, 60, 90, 120, 150, 180)
    assert (COMMUTER.hour, COMMUTER.lane) == (7, "commuter")
    cfg = BatchConfig()
    assert (cfg.minutes, cfg.hour, cfg.lane) == (COMMUTER.minutes, COMMUTER.hour, COMMUTER.lane)
    batch = inspect.signature(run_batch).parameters
    assert tuple(batch["minutes"].default) == COMMUTER.minutes
    assert batch["hour"].default == COMMUTER.hour
    sig = inspect.signature(catchments).parameters
    assert tuple(sig["minutes"].default) == COMMUTER.minutes
    waits = CatchmentOptions().waits  # hour and lane are wait options of the chain
    assert (waits.hour, waits.lane) == (COMMUTER.hour, COMMUTER.lane)
    assert "lane" in get_task("catchments").params


def test_catchments_task_passes_the_commuter_conditions(monkeypatch):
    seen = {}

    def fake(region, **kw):
        seen.update(kw)
        raise RuntimeError("stop")

    monkeypatch.setattr("binational.catchments.catchments", fake)
    ctx = RegionContext.__new__(RegionContext)
    ctx.config = BatchConfig()
    # a region with wait data: no fallback is assumed, the task passes the commuter conditions
    ctx._region = types.SimpleNamespace(waits=pd.DataFrame({"minutes": [10.0]}), missing={})
    ctx._load_error = None
    ctx.spec = None
    monkeypatch.setattr(RegionContext, "region", property(lambda self: self._region))
    monkeypatch.setattr(RegionContext, "options", lambda self, name: {})
    with pytest.raises(RuntimeError, match="stop"):
        catchments_task(ctx)
    assert seen == {"minutes": list(COMMUTER.minutes), "hour": 7, "lane": "commuter"}


def test_the_catchments_command_defaults_are_the_librarys():
    """``binational catchments`` without options runs what ``catchments(region)`` runs: the
    same bands, hour, lane and isochrone method (it drew the slow exact buffers, 4× slower on
    Tijuana–San Diego, while the library had moved to the grid)."""
    from binational.catchments.isochrones import ISOCHRONE_METHODS
    from binational.cli import build_parser

    args = build_parser().parse_args(["catchments", "juarez-el-paso", "--out", "o"])
    assert tuple(args.minutes) == COMMUTER.minutes
    assert (args.hour, args.lane) == (COMMUTER.hour, COMMUTER.lane)
    assert args.isochrone_method == CatchmentOptions().isochrones.method == "grid"
    for method in ISOCHRONE_METHODS:  # every method of the library can be asked for
        argv = ["catchments", "juarez-el-paso", "--out", "o", "--isochrone-method", method]
        assert build_parser().parse_args(argv).isochrone_method == method
