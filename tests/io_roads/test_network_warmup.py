"""The road network parsed in a forked process while the rest of a region loads (cold cache):
the same region, drops and graph as a load without it; no process where it cannot help."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import binational
from binational import settings
from binational.network import warmup

# A fresh interpreter: a child is only forked from a process with no other thread, and a pytest
# process may have some (dask clusters, browsers) left by other tests.
_SCRIPT = r"""
import json, logging, sys, tempfile
import networkx as nx
import binational
from binational import settings
settings.progress = False
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
out = {}
def load(workers, cache):
    settings.workers, settings.cache_dir = workers, cache
    region = binational.load_region("tijuana-san-diego", prefetch_network=True)
    graph = region.network
    edges = sorted(
        (u, v, k, round(d["travel_time"], 9), bool(d.get("crosses_border")), d.get("port_code"))
        for u, v, k, d in graph.edges(keys=True, data=True)
    )
    drops = region.drops.to_frame()
    return {
        "edges": edges,
        "nodes": sorted((n, d.get("country")) for n, d in graph.nodes(data=True)),
        "drops": drops.astype(str).sort_values(list(drops.columns)).to_dict("records"),
        "units": len(region.units),
    }
serial = load(1, tempfile.mkdtemp())
forked = load(2, tempfile.mkdtemp())
settings.cache_dir = tempfile.mkdtemp()
binational.load_region("tijuana-san-diego").network  # not asked to prefetch: parsed here
json.dump({"same": serial == forked, "units": forked["units"], "edges": len(forked["edges"]),
           "drops": len(forked["drops"])}, open(sys.argv[1], "w"))
"""


def test_a_cold_load_with_the_warmup_gives_the_region_a_serial_load_gives(data_dir, tmp_path):
    script = tmp_path / "warm.py"
    script.write_text(_SCRIPT)
    out = tmp_path / "out.json"
    run = subprocess.run(
        [sys.executable, str(script), str(out)],
        env={**os.environ, "BINATIONAL_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(out.read_text())
    # the first (one worker) load parsed in the caller; the second in a side process; the
    # third (not asked to prefetch) in the caller
    assert run.stderr.count("parsing the road network in process") == 1, run.stderr[-3000:]
    # ... and the caller read what that process wrote to the cache instead of parsing again
    assert run.stderr.count("prepared network loaded from cache") == 1, run.stderr[-3000:]
    assert got["same"], got
    assert got["units"] > 1000 and got["edges"] > 40_000 and got["drops"] > 0


def test_no_warmup_where_it_cannot_help(data_dir, tmp_path, monkeypatch):
    net = data_dir / "osm" / "tijuana_sandiego_sr11_2017_drive.graphml.gz"
    crs = binational.get_region("tijuana-san-diego").crs
    monkeypatch.setattr(settings, "cache_dir", str(tmp_path))
    monkeypatch.setattr(settings, "workers", 1)
    assert warmup._obstacle() == "one worker"
    assert warmup.start_warmup(net, crs=crs) is None
    monkeypatch.setattr(settings, "workers", 2)
    monkeypatch.setattr(settings, "use_cache", False)
    assert warmup._obstacle() == "the cache is off"
    assert warmup.start_warmup(net, crs=crs) is None
    monkeypatch.setattr(settings, "use_cache", True)
    monkeypatch.setattr(warmup, "fork_obstacle", lambda: "2 other thread(s) running (x, y)")
    assert "other thread" in warmup._obstacle()
    assert warmup.start_warmup(net, crs=crs) is None
    # a network already cached: nothing to warm
    monkeypatch.setattr(warmup, "fork_obstacle", lambda: None)
    monkeypatch.setattr("binational.network.prepare.prepared_network_cached", lambda *a, **k: True)
    assert warmup.start_warmup(net, crs=crs) is None


def test_a_failed_warmup_leaves_the_parse_and_its_error_to_the_caller(tmp_path, monkeypatch):
    """A file the child cannot parse: it exits with an error code, writes no cache, and the
    caller's own parse raises the error naming the file."""
    if warmup.fork_obstacle() is not None:
        pytest.skip(f"cannot fork here: {warmup.fork_obstacle()}")
    bad = tmp_path / "roads.graphml"
    bad.write_text("<graphml><graph><node id='1'/><edge source='1' target='9'/>")
    crs = binational.get_region("tijuana-san-diego").crs
    monkeypatch.setattr(settings, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.setattr(settings, "workers", 2)
    job = warmup.start_warmup(bad, crs=crs)
    assert job is not None
    assert job.wait() is False and job.process.exitcode == 1
    from binational.network import prepare_network
    from binational.network.prepare import prepared_network_cached

    assert not prepared_network_cached(bad, crs=crs)
    with pytest.raises(binational.errors.BinationalError, match=r"roads\.graphml"):
        prepare_network(bad, crs=crs)
