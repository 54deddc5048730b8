"""Local measures against esda (same permutation draws) and PySAL segregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.concentration import (
    fdr_qvalues,
    fdr_threshold,
    getis_ord_local,
    local_entropy,
    local_measures,
    location_quotient,
    moran_local,
)
from binational.concentration.composition import (
    multi_local_diversity,
    multi_local_entropy,
    multi_local_simpson_concentration,
    multi_local_simpson_interaction,
    multi_location_quotient,
)
from binational.concentration.contiguity import contiguity
from binational.concentration.distance_weights import knn
from binational.concentration.lisa import cluster_labels, permutation_ids
from binational.errors import IndexInputError

pytestmark = pytest.mark.slow  # uses the session's PySAL reference run

ESDA_LABELS = {
    "High-High": "HH",
    "Low-High": "LH",
    "Low-Low": "LL",
    "High-Low": "HL",
    "Insignificant": "ns",
}


def _populated(units):
    return units[units["pop_total"] > 0].reset_index(drop=True)


@pytest.mark.parametrize("frame", ["sd", "ep"])
def test_moran_equals_esda_with_same_draws(request, reference, frame):
    ref = reference[f"{frame}_local"]
    units = _populated(request.getfixturevalue(frame))
    assert list(units["unit_id"]) == list(ref["unit_id"])
    w = contiguity(units)
    res = moran_local(ref["y"], w, permuted_ids=ref["ids"])
    np.testing.assert_allclose(res.statistic, ref["moran_Is"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.quadrant, ref["moran_q"])
    np.testing.assert_array_equal(res.p_sim, ref["moran_p_sim"])
    np.testing.assert_allclose(res.expected_sim, ref["moran_EI_sim"], atol=1e-12)
    np.testing.assert_allclose(res.std_sim, ref["moran_seI_sim"], atol=1e-12)
    np.testing.assert_allclose(res.z_sim, ref["moran_z_sim"], atol=1e-9)
    for alt, key in (("two-sided", "moran_two_sided"), ("folded", "moran_folded")):
        other = moran_local(ref["y"], w, permuted_ids=ref["ids"], alternative=alt)
        np.testing.assert_array_equal(other.p_sim, ref[key])
    labels = cluster_labels(res.quadrant, res.p_sim, 0.05, res.islands)
    expected = np.array([ESDA_LABELS[v] for v in ref["moran_labels"]])
    np.testing.assert_array_equal(labels, expected)
    for alpha in (0.05, 0.1):
        assert fdr_threshold(res.p_sim, alpha) == ref[f"moran_fdr_{alpha}"]


@pytest.mark.parametrize("frame", ["sd", "ep"])
def test_gi_star_equals_esda_with_same_draws(request, reference, frame):
    ref = reference[f"{frame}_local"]
    units = _populated(request.getfixturevalue(frame))
    res = getis_ord_local(ref["y"], contiguity(units), permuted_ids=ref["ids"])
    np.testing.assert_allclose(res.statistic, ref["g_Gs"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.z, ref["g_Zs"], atol=1e-9)
    np.testing.assert_allclose(res.p_norm, ref["g_p_norm"], atol=1e-12)
    # esda stores crand p-values as float32
    np.testing.assert_array_equal(res.p_sim.astype(np.float32), ref["g_p_sim"])
    np.testing.assert_allclose(res.expected_sim, ref["g_EG_sim"], atol=1e-12)
    np.testing.assert_allclose(res.z_sim, ref["g_z_sim"], atol=1e-9)


def test_own_draws_match_esda_in_distribution(sd, reference):
    """With our own seeded draws the p-values agree with esda's within Monte Carlo error."""
    ref = reference["sd_local"]
    w = contiguity(_populated(sd))
    ours = moran_local(ref["y"], w, permutations=999, seed=11)
    # same p to within ~4 MC standard errors (p(1-p)/R), everywhere
    se = np.sqrt(ref["moran_p_sim"] * (1 - ref["moran_p_sim"]) / 999) + 1 / 999
    assert (np.abs(ours.p_sim - ref["moran_p_sim"]) <= 5 * se + 0.01).mean() > 0.99
    assert np.corrcoef(ours.p_sim, ref["moran_p_sim"])[0, 1] > 0.99
    # seeded: the same seed gives the same result, another seed does not
    again = moran_local(ref["y"], w, permutations=999, seed=11)
    np.testing.assert_array_equal(again.p_sim, ours.p_sim)
    other = moran_local(ref["y"], w, permutations=999, seed=12)
    assert not np.array_equal(other.p_sim, ours.p_sim)


def test_permutation_ids_are_uniform():
    ids = permutation_ids(8, 3, 60_000, np.random.default_rng(0))
    assert ids.shape == (60_000, 3)
    assert (ids[:, 0] != ids[:, 1]).all() and (ids[:, 1] != ids[:, 2]).all()
    # every value of the pool equally likely in every column
    for col in range(3):
        freq = np.bincount(ids[:, col], minlength=7) / len(ids)
        np.testing.assert_allclose(freq, 1 / 7, atol=0.01)


@pytest.mark.parametrize("frame", ["sd", "ep"])
def test_lq_and_entropy_equal_segregation(request, reference, frame):
    units = request.getfixturevalue(frame)
    ref = reference[f"{frame}_multi"]
    groups = ["hispanic", "white_nh"] if frame == "sd" else ["hispanic"]
    lq = multi_location_quotient(units, groups=groups, total="pop_total")
    np.testing.assert_allclose(lq.to_numpy(), ref["local_lq"], atol=1e-12, equal_nan=True)
    populated = (units["pop_total"] > 0).to_numpy()
    for func, key in (
        (multi_local_entropy, "local_entropy"),
        (multi_local_diversity, "local_diversity"),
        (multi_local_simpson_concentration, "local_simpson_concentration"),
        (multi_local_simpson_interaction, "local_simpson_interaction"),
    ):
        ours = func(units, groups=groups, total="pop_total").to_numpy()
        np.testing.assert_allclose(ours[populated], ref[key][populated], atol=1e-12)
        # an empty unit has no composition: NaN here (PySAL's nansum gives it 0)
        assert np.isnan(ours[~populated]).all()
    single = location_quotient(units, group="hispanic")
    np.testing.assert_allclose(single.to_numpy(), ref["local_lq"][:, 0], atol=1e-12, equal_nan=True)
    if frame == "ep":  # two groups: the single-group entropy is the same thing
        ent = local_entropy(units, group="hispanic").to_numpy()
        np.testing.assert_allclose(ent[populated], ref["local_entropy"][populated], atol=1e-12)


def test_local_measures_frame(sd, reference):
    ref = reference["sd_local"]
    out = local_measures(sd, group="hispanic", permutations=99, seed=5)
    assert len(out) == len(sd)
    assert out.crs == sd.crs
    empty = (sd["pop_total"] == 0).to_numpy()
    assert empty.sum() == 1
    assert (out.loc[empty, "cluster"] == "no_data").all()
    kept = out[~empty]
    np.testing.assert_allclose(kept["lisa_i"], ref["moran_Is"], atol=1e-12)
    np.testing.assert_allclose(kept["gi_star"], ref["g_Gs"], atol=1e-12)
    np.testing.assert_allclose(kept["share"], ref["y"], atol=1e-15)
    assert set(out["cluster"]) <= {"HH", "LH", "LL", "HL", "ns", "island", "no_data"}
    assert set(out["hotspot"]) <= {"hot", "cold", "ns", "island", "no_data"}
    # FDR labels are a subset of the unadjusted ones
    sig = kept["cluster"] != "ns"
    sig_fdr = kept["cluster_fdr"] != "ns"
    assert (sig | ~sig_fdr).all()
    assert out.attrs["fdr_threshold_lisa"] <= 0.05
    # the HH/LL labels follow the quadrant
    hh = kept["cluster"] == "HH"
    assert (kept.loc[hh, "lisa_quadrant"] == "HH").all()
    assert (kept.loc[hh, "share"] > kept["share"].mean()).all()


def test_islands_in_local_measures(tj):
    w_islands = contiguity(tj)
    assert len(w_islands.islands) > 0  # some AGEBs touch no other AGEB
    out = local_measures(
        tj, group="high_marginalization", weights=w_islands, permutations=49, seed=1
    )
    isl = out["unit_id"].isin(w_islands.islands)
    assert (out.loc[isl, "cluster"] == "island").all()
    assert out.loc[isl, "lisa_p_sim"].isna().all()
    assert out.loc[~isl & (out["cluster"] != "no_data"), "lisa_p_sim"].notna().all()
    knn_out = local_measures(
        tj,
        group="high_marginalization",
        weights="knn",
        weights_options={"k": 5},
        permutations=49,
        seed=1,
    )
    assert not (knn_out["cluster"] == "island").any()


def test_fdr_qvalues_benjamini_hochberg():
    p = np.array([0.041, 0.001, 0.2, np.nan, 0.039, 0.008])
    # hand-computed Benjamini-Hochberg on the 5 finite p-values (sorted .001 .008 .039 .041 .2):
    # p * n / rank = .005 .02 .065 .05125 .2, then the running minimum from the top
    expected = np.array([0.05125, 0.005, 0.2, np.nan, 0.05125, 0.02])
    np.testing.assert_allclose(fdr_qvalues(p), expected, equal_nan=True)
    # step-up cut-off: the largest rank k with p_(k) < k * alpha / n is k = 2
    assert fdr_threshold(p, 0.05) == pytest.approx(0.02)
    assert fdr_threshold([0.9, 0.8], 0.05) == pytest.approx(0.025)  # nothing passes: alpha / n


def test_local_bad_input(sd):
    w = contiguity(sd)
    with pytest.raises(IndexInputError, match="missing"):
        moran_local(np.full(len(sd), np.nan), w)
    with pytest.raises(IndexInputError, match="constant"):
        moran_local(np.ones(len(sd)), w)
    with pytest.raises(IndexInputError, match="weights are"):
        moran_local(np.arange(5.0), w)
    with pytest.raises(IndexInputError, match="non-negative"):
        getis_ord_local(np.linspace(-1, 1, len(sd)), w)
    with pytest.raises(IndexInputError, match="alternative"):
        moran_local(np.arange(len(sd), dtype=float), w, alternative="sideways")
    with pytest.raises(IndexInputError, match="at least 3"):
        local_measures(sd.head(2), group="hispanic")
    with pytest.raises(IndexInputError, match="variable"):
        local_measures(sd, group="hispanic", variable="odds")
    with pytest.raises(IndexInputError, match="weights have"):
        local_measures(sd, group="hispanic", weights=knn(sd.head(10), k=2))


def test_synthetic_cluster_found():
    """A block of high shares on a grid is labelled HH."""
    import geopandas as gpd
    from shapely.geometry import box

    cells = [box(i, j, i + 1, j + 1) for i in range(10) for j in range(10)]
    high = np.array([(i < 3 and j < 3) for i in range(10) for j in range(10)])
    units = gpd.GeoDataFrame(
        {"g": np.where(high, 90.0, 10.0) + np.arange(100) % 3, "t": 100.0},
        geometry=cells,
        crs="EPSG:32611",
    )
    out = local_measures(units, group="g", total="t", permutations=199, seed=0)
    assert (out.loc[high, "lisa_quadrant"] == "HH").all()
    assert (out.loc[high, "cluster"] == "HH").sum() >= 5
    assert (out.loc[high, "hotspot"] == "hot").sum() >= 5
    assert isinstance(out, pd.DataFrame)
