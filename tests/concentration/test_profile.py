"""concentration_profile on the real twin cities and the RESAGEBURB sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.concentration import (
    BinationalOptions,
    Inference,
    LocalOptions,
    concentration_profile,
    moe_intervals,
)
from binational.concentration.profile import TABLE_COLUMNS
from binational.errors import IndexInputError

pytestmark = pytest.mark.slow  # uses the session's PySAL reference run


@pytest.fixture(scope="module")
def tsd_profile(data_dir):
    from binational.units import load_region

    region = load_region("tijuana-san-diego", data_dir=data_dir, network=False, crossings=False)
    return concentration_profile(region, permutations=99, moe=True, seed=1)


def test_region_defaults(tsd_profile, reference, sd):
    table, local = tsd_profile
    assert tuple(table.columns) == TABLE_COLUMNS
    us = table[table["scope"] == "US"].set_index("index")
    mx = table[table["scope"] == "MX"].set_index("index")
    # region defaults: Hispanic on the US side, high marginalisation on the MX side
    assert (us["group"] == "hispanic").all() and (mx["group"] == "high_marginalization").all()
    for name in us.index:
        assert us.loc[name, "value"] == pytest.approx(reference["sd"][name], abs=1e-9), name
    assert (us["status"] == "ok").all() and (us["n_units"] == 736).all()
    assert (us["permutations"] == 99).all()
    # San Diego's Hispanic segregation lies far above the systematic null: the smallest
    # two-sided p-value 99 permutations can give, 2 / (99 + 1)
    for name in ("dissimilarity", "gini", "entropy", "isolation"):
        assert us.loc[name, "p_value"] == pytest.approx(2 / 100), name
    # the MOE interval is moe_intervals' on the same tracts and replicates, with the US
    # scope's seed (the profile seeds each scope with (seed, scope number); US is scope 0)
    direct = moe_intervals(
        sd, group="hispanic", indices=list(us.index), replicates=99, seed=(1, 0)
    ).set_index("index")
    np.testing.assert_allclose(us["moe_low"], direct.loc[us.index, "moe_low"], rtol=1e-12)
    np.testing.assert_allclose(us["moe_high"], direct.loc[us.index, "moe_high"], rtol=1e-12)
    assert (us["moe_high"] > us["moe_low"]).all()
    # MX: AGEB-level grade -> no aspatial index (it would be 1 by construction), one reason
    aspatial = ["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"]
    assert (mx.loc[aspatial, "status"] == "skipped").all()
    assert mx.loc[aspatial, "value"].isna().all()
    assert mx.loc[aspatial, "note"].nunique() == 1
    assert "1 by construction" in mx.loc["dissimilarity", "note"]
    assert mx.loc["spatial_dissimilarity", "status"] == "ok"
    assert "no MOE column" in mx.loc["spatial_dissimilarity", "note"]
    assert 0 < mx.loc["spatial_dissimilarity", "value"] < 1
    # binational: different groups per side -> skipped, with the reason
    bi = table[table["scope"] == "binational"]
    assert (bi["status"] == "skipped").all() and bi["value"].isna().all()
    assert bi["note"].str.contains("different groups").all()
    # local measures for both sides
    assert set(local["scope"]) == {"US", "MX"}
    assert (local.groupby("scope").size() == pd.Series({"MX": 798, "US": 736})).all()
    assert local.crs == "EPSG:32611"
    assert set(local.attrs["scopes"]) == {"US", "MX"}


def test_us_local_values_equal_esda(tsd_profile, reference):
    _, local = tsd_profile
    ref = reference["sd_local"]
    us = local[(local["scope"] == "US")].set_index("unit_id").loc[ref["unit_id"]]
    np.testing.assert_allclose(us["lisa_i"], ref["moran_Is"], atol=1e-12)
    np.testing.assert_allclose(us["gi_star"], ref["g_Gs"], atol=1e-12)
    np.testing.assert_allclose(us["gi_z"], ref["g_Zs"], atol=1e-9)


def test_mx_spatial_values_equal_segregation(tj):
    from segregation.singlegroup import Dissim, Isolation, SpatialProximity

    table, _ = concentration_profile(
        tj,
        group="high_marginalization",
        scopes=["MX"],
        inference=Inference(null=None, ci=False),
        local=False,
    )
    row = table.set_index("index")["value"]
    data = tj[["high_marginalization", "pop_total", "geometry"]].reset_index(drop=True)
    args = (data, "high_marginalization", "pop_total")
    assert row["spatial_dissimilarity"] == pytest.approx(
        Dissim(*args, distance=2000).statistic, abs=1e-9
    )
    assert row["spatial_isolation"] == pytest.approx(
        Isolation(*args, distance=2000).statistic, abs=1e-9
    )
    assert row["spatial_proximity"] == pytest.approx(SpatialProximity(*args).statistic, abs=1e-9)


def test_group_missing_on_one_side(jep):
    table, local = concentration_profile(jep, group="hispanic", permutations=19, seed=0)
    mx = table[table["scope"] == "MX"]
    assert (mx["status"] == "skipped").all()
    assert mx["note"].str.contains("'hispanic' has no values for MX units").all()
    assert (table[table["scope"] == "US"]["status"] == "ok").all()
    assert set(local["scope"]) == {"US"}
    with pytest.raises(IndexInputError, match="scope MX: group 'hispanic' has no values"):
        concentration_profile(jep, group="hispanic", scopes=["MX"], permutations=19)
    with pytest.raises(IndexInputError, match="unknown scope"):
        concentration_profile(jep, group="hispanic", scopes=["CA"])


def test_binational_scope_across_the_border(tsd):
    # two different variables: no cross-border index unless pooling is asked for
    with pytest.raises(IndexInputError, match="variable defined on both sides"):
        concentration_profile(
            tsd,
            group={"US": "poverty_below", "MX": "high_marginalization"},
            scopes=["binational"],
            permutations=9,
        )
    table, local = concentration_profile(
        tsd,
        group={"US": "poverty_below", "MX": "high_marginalization"},
        scopes=["binational"],
        binational=BinationalOptions(mixed_groups=True),
        permutations=49,
        seed=0,
    )
    assert (table["status"] == "ok").all()
    assert (table["group"] == "poverty_below|high_marginalization").all()
    assert (table["n_units"] == len(tsd)).all()
    from binational.concentration import dissimilarity

    combined = tsd.assign(
        g=np.where(tsd["country"] == "US", tsd["poverty_below"], tsd["high_marginalization"])
    )
    d = table.set_index("index").loc["dissimilarity", "value"]
    assert d == pytest.approx(dissimilarity(combined, group="g"))
    assert local.attrs["scopes"]["binational"]["n_cross_border_links"] > 0
    # without the crossing switch the sides stay apart
    _, apart = concentration_profile(
        tsd,
        group={"US": "poverty_below", "MX": "high_marginalization"},
        scopes=["binational"],
        binational=BinationalOptions(mixed_groups=True, cross_border=False),
        inference=Inference(null=None, ci=False),
        local=LocalOptions(permutations=19),
    )
    assert apart.attrs["scopes"]["binational"]["n_cross_border_links"] == 0


def test_resageburb_sample_aspatial(bcs):
    from segregation.singlegroup import Dissim, Entropy

    table, local = concentration_profile(bcs, group="born_other_state", permutations=99, seed=0)
    assert len(local) == 0
    assert (table.loc[table["scope"] != "MX", "note"].str.contains("no US units")).all()
    table = table[table["scope"] == "MX"]
    ok = table[table["status"] == "ok"].set_index("index")
    assert set(ok.index) == {
        "dissimilarity",
        "gini",
        "entropy",
        "isolation",
        "exposure",
        "correlation_ratio",
        "atkinson",
    }
    skipped = table[table["status"] == "skipped"]
    assert skipped["note"].str.contains("needs unit geometries").all()
    dropped = bcs["born_other_state"].isna().sum()
    assert (ok["n_dropped"] == dropped).all() and dropped > 0
    assert ok["note"].str.contains(f"{dropped} unit").all()
    data = bcs.dropna(subset=["born_other_state"])[["born_other_state", "pop_total"]]
    assert ok.loc["dissimilarity", "value"] == pytest.approx(
        Dissim(data, "born_other_state", "pop_total").statistic, abs=1e-9
    )
    assert ok.loc["entropy", "value"] == pytest.approx(
        Entropy(data, "born_other_state", "pop_total").statistic, abs=1e-9
    )
    ind, _ = concentration_profile(
        bcs,
        group="indigenous_lang",
        total="pop_3plus",
        indices=["dissimilarity"],
        scopes=["MX"],
        permutations=99,
    )
    data = bcs.dropna(subset=["indigenous_lang", "pop_3plus"])[["indigenous_lang", "pop_3plus"]]
    assert ind.iloc[0]["value"] == pytest.approx(
        Dissim(data, "indigenous_lang", "pop_3plus").statistic, abs=1e-9
    )
    assert ind.iloc[0]["p_value"] < 0.05


def test_multigroup_rows_and_seed(sd):
    table, _ = concentration_profile(
        sd,
        group="hispanic",
        indices=["dissimilarity"],
        multigroups=["hispanic", "white_nh"],
        permutations=29,
        local=False,
        seed=5,
    )
    multi = table[table["index"] == "multi_dissimilarity"]
    assert len(multi) == 1 and multi.iloc[0]["group"] == "hispanic,white_nh,other"
    again, _ = concentration_profile(
        sd,
        group="hispanic",
        indices=["dissimilarity"],
        multigroups=["hispanic", "white_nh"],
        permutations=29,
        local=False,
        seed=5,
    )
    pd.testing.assert_frame_equal(table, again)


def test_degenerate_side_is_skipped_with_the_reason(tsd):
    units = tsd.assign(g=np.where(tsd["country"] == "US", tsd["hispanic"], 0.0))
    table, _local = concentration_profile(units, group="g", permutations=19, seed=0)
    mx = table[table["scope"] == "MX"]
    assert (mx["status"] == "skipped").all()
    assert mx["note"].str.contains("'g' has no members").all()
    assert (table[table["scope"] == "US"]["status"] == "ok").all()
    # the binational scope is fine: Hispanic counts on one side, zeros on the other
    assert (table[table["scope"] == "binational"]["status"] == "ok").all()
    with pytest.raises(IndexInputError, match="no members"):
        concentration_profile(units, group="g", scopes=["MX"], permutations=19)
    # invalid counts are never skipped
    bad = units.copy()
    bad.loc[bad.index[0], "g"] = -1.0
    with pytest.raises(IndexInputError, match="negative"):
        concentration_profile(bad, group="g", permutations=19)
