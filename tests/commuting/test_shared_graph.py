"""The commuting fit and its scenario on a shared routing graph give what they give building it
from the networkx network themselves (Tijuana–San Diego, network times, work trips)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from binational.catchments import OTAY_MESA_EAST
from binational.commuting import CommutingScenario, commuting, run_scenario
from binational.pipeline.analyses import region_routing_graph

OME = CommutingScenario(name="ome", new_ports=(OTAY_MESA_EAST,))


@pytest.fixture(scope="module")
def fits(region_tj, survey, zones, volumes):
    region = region_tj  # the session's Tijuana–San Diego with its network (tests/conftest.py)
    kw = dict(survey=survey, zones=zones, purposes=("HBW",), lanes_open=volumes)
    own = commuting(region, **kw)  # builds the routing graph from region.network
    graph = region_routing_graph(region)
    return own, commuting(region, network=graph, **kw), graph


def _same_tables(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)


def test_shared_graph_gives_the_same_fit(fits):
    own, shared, graph = fits
    assert own.method == shared.method == "network"
    assert shared.port_minutes.graph is graph  # used as given
    assert own.port_minutes.graph is not None and own.port_minutes.graph is not graph
    for name in ("fit_table", "parameters", "heldout_parameters", "units", "time_tax"):
        pd.testing.assert_frame_equal(
            getattr(own, name), getattr(shared, name), check_exact=True, obj=name
        )
    pd.testing.assert_frame_equal(own.report.to_frame(), shared.report.to_frame())


def test_scenario_on_the_shared_graph_equals_one_built_inside(fits):
    own, shared, graph = fits
    explicit = run_scenario(shared, OME, graph=graph)
    kept = run_scenario(own, OME)  # the graph the fit was computed on
    # no graph kept: the scenario builds one from the result's networkx network
    bare = dataclasses.replace(own, port_minutes=dataclasses.replace(own.port_minutes, graph=None))
    built = run_scenario(bare, OME)
    _same_tables(explicit, built)
    _same_tables(kept, built)
