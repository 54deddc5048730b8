"""One routing graph shared by the analyses of a run gives what each analysis gets building its
own: the pipeline's :func:`binational.pipeline.analyses.region_routing_graph` passed to
``catchments(network=...)``."""

from __future__ import annotations

import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from binational.catchments import SparseGraph, catchments, routing_graph
from binational.drops import DropReport
from binational.pipeline.analyses import region_routing_graph

from .conftest import REAL_KW


def test_shared_routing_graph_gives_the_same_catchments(tjsd, tjsd_result):
    graph = region_routing_graph(tjsd)
    assert isinstance(graph, SparseGraph)
    assert len(graph.drops)  # the build left nodes out: their replay into the report is tested
    shared = catchments(tjsd, network=graph, **REAL_KW)
    assert shared.graph is graph  # used as given, not rebuilt
    pd.testing.assert_frame_equal(shared.summary, tjsd_result.summary, check_exact=True)
    assert_geodataframe_equal(shared.units, tjsd_result.units, check_less_precise=False)
    assert_geodataframe_equal(shared.isochrones, tjsd_result.isochrones)
    pd.testing.assert_frame_equal(shared.waits, tjsd_result.waits)
    pd.testing.assert_frame_equal(shared.report.to_frame(), tjsd_result.report.to_frame())


def test_a_report_given_twice_gets_the_graph_rows_once(tjsd):
    report = DropReport()
    graph = routing_graph(tjsd.network, crs=tjsd.units.crs, ports=tjsd.ports, report=report)
    built = set(graph.drops.rows)
    assert len(built) == len(graph.drops.rows) and built <= set(report.rows)
    n_before = len(report.rows)
    catchments(tjsd, network=graph, report=report, **REAL_KW)
    assert sum(r in built for r in report.rows) == len(built)  # not added a second time
    assert len(report.rows) > n_before  # the run's own rows (units, ports) still are
