"""Bring your own data: any table (columns=), libpysal W/Graph weights, a CRS in feet, the steps."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pandas as pd
import pytest

from binational.concentration import (
    Inference,
    LocalOptions,
    adjusted_dissimilarity,
    concentration_profile,
    local_measures,
    prepare_units,
    profile_table,
    resolve_scopes,
    scope_indices,
    scope_local,
    spatial_dissimilarity,
)
from binational.concentration.contiguity import contiguity
from binational.concentration.distance_weights import kernel
from binational.errors import CRSError, IndexInputError

FAST = {"inference": Inference(null=None, ci=False), "local": False}


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame, columns) -> None:
    for col in columns:
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)


# ---------------------------------------------------------------------------------------------
# units of measure


def test_crs_in_feet_gives_the_spatial_d_of_metres(jep, caplog):
    """Juárez–El Paso in EPSG:2258 (US survey feet): the 2 km bandwidth stays 2 km."""
    ep = jep[jep["country"] == "US"]
    feet = jep.to_crs("EPSG:2258")
    kw = {"group": "hispanic", "scopes": ["US"], "indices": ["spatial_dissimilarity"], **FAST}
    metres = concentration_profile(jep, **kw).table.set_index("index")["value"]
    assert metres["spatial_dissimilarity"] == pytest.approx(0.3414, abs=5e-5)
    with caplog.at_level(logging.WARNING, logger="binational"):
        in_feet = concentration_profile(feet, **kw).table.set_index("index")["value"]
    # read as feet the bandwidth would be 610 m and D 0.3930
    assert in_feet["spatial_dissimilarity"] == pytest.approx(
        metres["spatial_dissimilarity"], abs=1e-9
    )
    assert "not metres" in caplog.text and "EPSG:2258" in caplog.text
    # the index alone follows the same rule
    direct = spatial_dissimilarity(ep.to_crs("EPSG:2258"), group="hispanic")
    assert direct == pytest.approx(metres["spatial_dissimilarity"], abs=1e-9)
    with pytest.raises(CRSError, match="geographic"):
        concentration_profile(jep.to_crs("EPSG:4326"), **kw)


# ---------------------------------------------------------------------------------------------
# any table: keyword names or a columns= mapping


def test_own_column_names_by_mapping_or_keyword(jep):
    own = jep.rename(
        columns={"unit_id": "GEOID", "country": "side", "hispanic": "hisp", "pop_total": "pop"}
    )
    kw = {"permutations": 19, "seed": 3, "local": LocalOptions(permutations=19)}
    ref = concentration_profile(jep, group="hispanic", scopes=["US"], **kw)
    mapped = concentration_profile(
        own,
        columns={"unit_id": "GEOID", "country": "side", "group": "hisp", "total": "pop"},
        scopes=["US"],
        **kw,
    )
    by_name = concentration_profile(
        own, group="hisp", total="pop", columns={"unit_id": "GEOID", "country": "side"}, **kw
    )
    by_name_us = by_name.table[by_name.table["scope"] == "US"]
    for table in (mapped.table, by_name_us):
        _frames_equal(table, ref.table, ["index", "value", "p_value", "ci_low", "n_units"])
        assert (table["group"] == "hisp").all() and (table["total"] == "pop").all()
    _frames_equal(mapped.local, ref.local, ["unit_id", "lisa_i", "cluster", "hotspot"])
    # the MX side has no 'hisp' values: skipped with the reason, not an error
    assert by_name.table.loc[by_name.table["scope"] == "MX", "status"].eq("skipped").all()
    with pytest.raises(IndexInputError, match="given and columns maps it"):
        concentration_profile(own, group="other", columns={"group": "hisp"}, **FAST)
    with pytest.raises(IndexInputError, match="unknown role"):
        concentration_profile(own, columns={"geoid": "GEOID"}, **FAST)
    with pytest.raises(IndexInputError, match="load_region"):
        concentration_profile("juarez-el-paso", group="hispanic", **FAST)


# ---------------------------------------------------------------------------------------------
# libpysal W and Graph wherever weights are accepted


@pytest.fixture(scope="module")
def ep(jep):
    return jep[jep["country"] == "US"].reset_index(drop=True)


@pytest.fixture(scope="module")
def pysal_queens(ep):
    from libpysal.graph import Graph
    from libpysal.weights import Queen

    # a W with positional ids, a Graph with the unit ids (rows shuffled: matched by id)
    w = Queen.from_dataframe(ep, use_index=False)
    g = Graph.build_contiguity(ep.set_index("unit_id").sample(frac=1, random_state=0), rook=False)
    return {"W": w, "Graph": g}


@pytest.mark.parametrize("kind", ["W", "Graph"])
def test_libpysal_weights_in_local_measures(ep, pysal_queens, kind):
    ours = local_measures(ep, group="hispanic", weights="queen", permutations=99, seed=1)
    theirs = local_measures(
        ep, group="hispanic", weights=pysal_queens[kind], permutations=99, seed=1
    )
    np.testing.assert_allclose(theirs["lisa_i"], ours["lisa_i"], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(theirs["gi_z"], ours["gi_z"], rtol=1e-12, equal_nan=True)
    _frames_equal(theirs, ours, ["lisa_p_sim", "cluster", "hotspot", "n_neighbors"])
    assert theirs.attrs["weights"] == f"libpysal {kind}"


@pytest.mark.parametrize("kind", ["W", "Graph"])
def test_libpysal_weights_in_global_indices(ep, pysal_queens, kind):
    from libpysal.graph import Graph

    w = pysal_queens[kind]
    d_adj = adjusted_dissimilarity(ep, group="hispanic", weights=contiguity(ep))
    assert adjusted_dissimilarity(ep, group="hispanic", weights=w) == pytest.approx(
        d_adj, rel=1e-12
    )
    # a libpysal triangular kernel over the centroids: the spatial D of our 2 km kernel
    gk = Graph.build_kernel(ep.set_index("unit_id").centroid, kernel="triangular", bandwidth=2000)
    ours = spatial_dissimilarity(ep, group="hispanic", weights=kernel(ep, bandwidth=2000))
    assert spatial_dissimilarity(ep, group="hispanic", weights=gk) == pytest.approx(ours, rel=1e-12)


def test_libpysal_graph_in_the_profile(jep):
    """A Graph over the whole table, by unit id: cut to each scope, same as queen by kind."""
    from libpysal.graph import Graph

    g = Graph.build_contiguity(jep.set_index("unit_id"), rook=False)
    kw = {"group": {"US": "hispanic", "MX": "high_marginalization"}, "scopes": ["US", "MX"]}
    kw |= {"permutations": 19, "seed": 0, "inference": Inference(null=None, ci=False)}
    ours = concentration_profile(jep, weights="queen", **kw).local
    theirs = concentration_profile(jep, weights=g, **kw).local
    _frames_equal(theirs, ours, ["scope", "unit_id", "lisa_i", "lisa_p_sim", "cluster"])
    with pytest.raises(IndexInputError, match="do not match"):
        concentration_profile(jep, weights=Graph.build_contiguity(jep.head(50)), **kw)


def test_prebuilt_weights_keep_the_sides_apart_unless_asked(jep):
    from libpysal.graph import Graph

    from binational.concentration import BinationalOptions

    knn = Graph.build_knn(jep.set_index("unit_id").centroid, k=4)
    units = jep.assign(hispanic_or_zero=jep["hispanic"].fillna(0.0))
    kw = {"group": "hispanic_or_zero", "scopes": ["binational"], "permutations": 9}
    kw["inference"] = Inference(null=None, ci=False)
    links = {
        cross: concentration_profile(
            units, weights=knn, binational=BinationalOptions(cross_border=cross), **kw
        ).local.attrs["scopes"]["binational"]["n_cross_border_links"]
        for cross in (True, False)
    }
    assert links[True] > 0 and links[False] == 0


# ---------------------------------------------------------------------------------------------
# the steps, usable alone


def test_steps_chain_to_the_profile(jep):
    kw = {"permutations": 19, "seed": 4}
    profile = concentration_profile(jep, group="hispanic", **kw)
    units, spec = prepare_units(jep)
    assert spec is None and units is jep  # metres already: no copy
    scopes = resolve_scopes(units, group="hispanic", seed=4)
    assert [s.name for s in scopes] == ["US", "MX", "binational"]
    us, mx, _ = scopes
    assert mx.reason == "group 'hispanic' has no values for MX units" and mx.units is None
    table = profile_table([scope_indices(us, permutations=19)])
    full = profile.table[profile.table["scope"] == "US"].reset_index(drop=True)
    pd.testing.assert_frame_equal(table, full)
    local = scope_local(us, permutations=19)
    ref = profile.local[profile.local["scope"] == "US"].reset_index(drop=True)
    _frames_equal(local.reset_index(drop=True), ref, ["unit_id", "lisa_i", "cluster"])
    with pytest.raises(IndexInputError, match="no values for MX"):
        scope_indices(mx)


def test_options_are_frozen_and_checked():
    opts = Inference(level=0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.level = 0.5
    with pytest.raises(IndexInputError, match="null must be one of"):
        Inference(null="bogus")
    with pytest.raises(IndexInputError, match="local alternative"):
        LocalOptions(alternative="both")


def test_group_mapping_falls_back_to_the_preset_per_side(data_dir):
    import binational

    region = binational.load_region(
        "juarez-el-paso", data_dir=data_dir, network=False, crossings=False
    )
    units, spec = prepare_units(region)
    assert spec is region.spec and units is region.units
    scopes = resolve_scopes(units, group={"MX": "high_marginalization"}, spec=spec)
    assert [(s.name, s.group) for s in scopes[:2]] == [
        ("US", spec.groups_us[0]),
        ("MX", "high_marginalization"),
    ]
    # a plain table has no preset: the side left out has no group and is skipped
    bare = resolve_scopes(units, group={"MX": "high_marginalization"})
    assert bare[0].reason == "no group given for US"
