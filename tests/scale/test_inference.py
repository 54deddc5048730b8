"""Inference of one region split across workers: same draws for the same seed, PySAL nulls."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from binational.errors import IndexInputError
from binational.scale.inference import chunk_plan, distributed_draws, null_distribution


@pytest.fixture(scope="module")
def el_paso(data_dir):
    """El Paso tracts (2020) with ACS 2016–2020 total and Hispanic population (plain reads)."""
    tracts = gpd.read_file(data_dir / "us" / "ep" / "ep_tracts_2020.geojson")
    acs = pd.read_csv(
        data_dir / "us" / "ep" / "ep_acs5_2016_2020_tract_jtrummler_knitrcache.csv",
        dtype={"GEOID": str},
    )
    units = tracts[["GEOID", "geometry"]].merge(
        acs[["GEOID", "total_pop.2020", "total_HL.2020"]], on="GEOID"
    )
    units = units.rename(columns={"total_pop.2020": "pop_total", "total_HL.2020": "hispanic"})
    units = units[units["pop_total"] > 0].to_crs("EPSG:32613").reset_index(drop=True)
    assert len(units) == 187  # tract 48141980000 has no population (SOURCES.md)
    return units


def test_chunk_plan_depends_only_on_its_arguments():
    plan = chunk_plan(999, seed=7, chunk_size=100)
    assert [n for n, _ in plan] == [100] * 9 + [99]
    again = chunk_plan(999, seed=7, chunk_size=100)
    assert [s.generate_state(2).tolist() for _, s in plan] == [
        s.generate_state(2).tolist() for _, s in again
    ]
    with pytest.raises(IndexInputError, match="permutations"):
        chunk_plan(0, seed=1)


@pytest.mark.parametrize("null", ["systematic", "permutation", "bootstrap"])
def test_split_across_workers_equals_serial(el_paso, client, null):
    kw = {"group": "hispanic", "null": null, "permutations": 250, "seed": 42, "chunk_size": 60}
    indices = ["dissimilarity", "gini", "isolation", "spatial_dissimilarity"]
    serial = null_distribution(el_paso, indices=indices, **kw)
    split = null_distribution(el_paso, indices=indices, client=client, **kw)
    assert len(serial.draws) == 250
    np.testing.assert_array_equal(serial.draws.to_numpy(), split.draws.to_numpy())
    pd.testing.assert_series_equal(serial.observed, split.observed)
    # another seed gives other draws
    other = null_distribution(el_paso, indices=indices, **{**kw, "seed": 43})
    assert not np.array_equal(other.draws.to_numpy(), serial.draws.to_numpy())


def test_distributed_draws_independent_of_worker_count(client):
    """No Dask, one worker, two worker processes: the same values."""
    from distributed import Client, LocalCluster

    def sim(n, rng, *, scale):
        return rng.normal(size=n) * scale

    kw = {"permutations": 333, "seed": 5, "chunk_size": 50, "scale": 2.0}
    local = distributed_draws(sim, **kw)
    two = distributed_draws(sim, client=client, **kw)
    assert len(client.scheduler_info()["workers"]) == 2
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as one_client,
    ):
        one = distributed_draws(sim, client=one_client, **kw)
    assert local.shape == (333,)
    np.testing.assert_array_equal(local, two)
    np.testing.assert_array_equal(local, one)


def test_observed_and_null_match_pysal(el_paso):
    """Observed D equals PySAL's; the systematic and evenness nulls agree with PySAL's in
    distribution (same definitions, different random streams). On El Paso this cannot tell
    one null from another; ``test_chunked_null_is_the_named_null`` can."""
    from segregation.inference import SingleValueTest
    from segregation.singlegroup import Dissim

    d = Dissim(el_paso, group_pop_var="hispanic", total_pop_var="pop_total")
    for null in ("systematic", "evenness"):
        ours = null_distribution(
            el_paso,
            group="hispanic",
            indices=["dissimilarity"],
            null=null,
            permutations=400,
            seed=3,
        )
        assert ours.observed["dissimilarity"] == pytest.approx(d.statistic, abs=1e-9)
        ref = SingleValueTest(d, iterations_under_null=200, null_approach=null, n_jobs=1)
        sims = ours.draws["dissimilarity"].to_numpy()
        se = np.sqrt(sims.var() / len(sims) + ref.est_sim.var() / len(ref.est_sim))
        assert abs(sims.mean() - ref.est_sim.mean()) < 4 * se
        assert sims.std() == pytest.approx(ref.est_sim.std(), rel=0.25)
        summary = ours.summary().iloc[0]
        # El Paso Hispanic D (~0.4) lies far above either null
        assert summary["p_value"] == pytest.approx(2 / 401) and ref.p_value == 0.0


@pytest.mark.parametrize("null", ["systematic", "permutation", "evenness"])
def test_chunked_null_is_the_named_null(null):
    """On El Paso the three nulls are indistinguishable (KS p 0.35-0.63 between different
    nulls), so the test above cannot tell them apart. On five small units they differ: the
    chunked draws (8 streams) of D must match the concentration module's draws for the same
    null and fail against the other two. The concentration draws themselves are checked
    against closed-form moments and PySAL's draws in
    ``tests/concentration/test_null_moments.py``."""
    from scipy import stats
    from shapely.geometry import Point

    from binational.concentration import null_distribution as serial_null

    units = gpd.GeoDataFrame(
        {"hispanic": [3, 1, 6, 2, 8], "pop_total": [4, 6, 10, 15, 25]},
        geometry=[Point(1000.0 * i, 0.0) for i in range(5)],
        crs="EPSG:32611",
    )
    chunked = null_distribution(
        units,
        group="hispanic",
        indices=["dissimilarity"],
        null=null,
        permutations=20_000,
        seed=21,
        chunk_size=2_500,
    )
    ours = chunked.draws["dissimilarity"].to_numpy().round(9)
    for other in ("systematic", "permutation", "evenness"):
        ref = serial_null(
            units, group="hispanic", index="dissimilarity", null=other, permutations=20_000, seed=8
        ).round(9)  # D takes few values: round away last-bit differences before a KS test
        p = stats.ks_2samp(ours, ref).pvalue
        if other == null:
            assert p > 1e-3
        else:
            assert p < 1e-6, other


def test_one_stream_equals_the_concentration_module(el_paso):
    """chunk_size=None reproduces binational.concentration's own draws and table."""
    from binational.concentration import inference as ci

    for null in ("systematic", "evenness"):
        ours = null_distribution(
            el_paso,
            group="hispanic",
            indices=["gini"],
            null=null,
            permutations=300,
            seed=9,
            chunk_size=None,
        )
        theirs = ci.null_distribution(
            el_paso, group="hispanic", index="gini", null=null, permutations=300, seed=9
        )
        np.testing.assert_array_equal(ours.draws["gini"].to_numpy(), theirs)
    table = ci.infer(
        el_paso, group="hispanic", indices=["dissimilarity", "gini"], permutations=200, seed=4
    ).set_index("index")
    null = (
        null_distribution(
            el_paso,
            group="hispanic",
            indices=["dissimilarity", "gini"],
            permutations=200,
            seed=4,
            chunk_size=None,
        )
        .summary()
        .set_index("index")
    )
    boot = (
        null_distribution(
            el_paso,
            group="hispanic",
            indices=["dissimilarity", "gini"],
            null="bootstrap",
            permutations=200,
            seed=4,
            chunk_size=None,
        )
        .summary()
        .set_index("index")
    )
    for col in ("value", "p_value", "null_mean", "null_std"):
        np.testing.assert_array_equal(null[col].to_numpy(), table.loc[null.index, col].to_numpy())
    for col in ("ci_low", "ci_high"):
        np.testing.assert_array_equal(boot[col].to_numpy(), table.loc[boot.index, col].to_numpy())


def test_bootstrap_interval_covers_the_value(el_paso):
    boot = null_distribution(
        el_paso,
        group="hispanic",
        indices=["dissimilarity", "gini"],
        null="bootstrap",
        permutations=300,
        seed=11,
    )
    table = boot.summary().set_index("index")
    for name in ("dissimilarity", "gini"):
        assert table.loc[name, "ci_low"] < table.loc[name, "value"] < table.loc[name, "ci_high"]
    with pytest.raises(IndexInputError, match="null must be one of"):
        null_distribution(el_paso, group="hispanic", null="shuffle")
