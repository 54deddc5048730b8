"""Null distributions, bootstrap and comparisons against PySAL segregation (by distribution)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from binational.concentration import compare, infer, null_distribution
from binational.concentration._validate import counts
from binational.concentration.indices import IndexSet
from binational.concentration.inference import (
    _random_label,
    bootstrap_replicates,
    p_value,
    rng_for,
    run_bootstrap,
    simulate_null,
)
from binational.errors import IndexInputError

pytestmark = pytest.mark.slow  # uses the session's PySAL reference run


def _same_distribution(ours: np.ndarray, theirs: np.ndarray):
    """Two samples from one distribution: KS test and means within Monte Carlo error.

    On these real tables the three nulls are too close for this to tell one from another
    (KS p 0.35-0.63 between different nulls): it checks the index values under the null.
    That each null is the named one is shown in ``test_null_moments.py`` (closed-form
    moments, PySAL's own draws, each null failing against the other two)."""
    assert stats.ks_2samp(ours, theirs).pvalue > 0.001
    se = np.sqrt(ours.var() / len(ours) + theirs.var() / len(theirs))
    assert abs(ours.mean() - theirs.mean()) < 5 * se


@pytest.mark.parametrize(
    ("frame", "index", "null", "key"),
    [
        ("sd", "dissimilarity", "systematic", "sd_dissim_systematic"),
        ("sd", "dissimilarity", "evenness", "sd_dissim_evenness"),
        ("sd", "gini", "systematic", "sd_gini_systematic"),
        ("ep", "dissimilarity", "permutation", "ep_dissim_person_permutation"),
        ("ep", "spatial_dissimilarity", "systematic", "ep_spatial_dissim_systematic"),
    ],
)
def test_null_distributions_match_segregation(request, reference, frame, index, null, key):
    units = request.getfixturevalue(frame)
    ours = null_distribution(
        units, group="hispanic", index=index, null=null, permutations=999, seed=2
    )
    assert ours.shape == (999,)
    _same_distribution(ours, reference["nulls"][key])


def test_bootstrap_matches_segregation(sd, reference):
    c = counts(sd, "hispanic", "pop_total")
    iset = IndexSet.build(sd, ["dissimilarity"])
    boots = run_bootstrap(iset, c.x, c.total, replicates=999, rng=rng_for(4, 2))
    _same_distribution(boots["dissimilarity"], reference["nulls"]["sd_dissim_bootstrap"])


def test_permutation_null_keeps_totals(sd):
    x, t = sd["hispanic"].to_numpy(float), sd["pop_total"].to_numpy(float)
    rng = np.random.default_rng(0)
    X, T = simulate_null(x, t, null="permutation", size=50, rng=rng)
    assert (X.sum(axis=1) == x.sum()).all()
    np.testing.assert_array_equal(T, np.broadcast_to(t, T.shape))
    assert (X <= T).all()
    X, T = simulate_null(x, t, null="systematic", size=50, rng=rng)
    assert (X.sum(axis=1) == x.sum()).all() and (T.sum(axis=1) == t.sum()).all()
    X, T = simulate_null(x, t, null="evenness", size=50, rng=rng)
    np.testing.assert_array_equal(T[0], t)
    assert (X <= T).all()


def test_random_label_comparison_matches_segregation(sd, sd_2022, reference):
    table = compare(sd, sd_2022, group="hispanic", method="random_label", permutations=999, seed=1)
    row = table.iloc[0]
    assert row["difference"] == pytest.approx(reference["compare"]["point_diff"], abs=1e-12)
    assert row["value_a"] - row["value_b"] == pytest.approx(row["difference"])
    ca, cb = counts(sd, "hispanic", "pop_total"), counts(sd_2022, "hispanic", "pop_total")
    sims = _random_label(IndexSet.build(sd, ["dissimilarity"]), ca, cb, 999, rng_for(1, 5))
    _same_distribution(sims["dissimilarity"], reference["compare"]["random_label_est_sim"])
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    boot = compare(sd, sd_2022, group="hispanic", method="bootstrap", permutations=199, seed=1)
    boot = boot.iloc[0]

    def d_of_resamples(c, stream):
        """D of 199 bootstrap resamples (the rows compare draws), by hand."""
        idx = bootstrap_replicates(c.n, 199, rng_for(1, stream))
        X, T = c.x[idx], c.total[idx]
        P = X.sum(axis=1, keepdims=True) / T.sum(axis=1, keepdims=True)
        return np.abs(X - T * P).sum(axis=1) / (2 * (T * P * (1 - P)).sum(axis=1))

    a, b = d_of_resamples(ca, 3), d_of_resamples(cb, 4)
    # PySAL TwoValueTest(null_approach="bootstrap"): t statistic of the two bootstrap means
    tt = (a.mean() - b.mean()) / np.sqrt(np.std(a) ** 2 + np.std(b) ** 2)
    assert boot["p_value"] == pytest.approx(stats.t.sf(np.abs(tt), 198) * 2, rel=1e-9)
    lo, hi = np.quantile(a - b, [0.025, 0.975])
    assert (boot["ci_low"], boot["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)


def test_two_regions_differ(sd, ep):
    table = compare(
        sd, ep, group="hispanic", indices=["isolation", "dissimilarity"], permutations=199, seed=0
    )
    iso = table.set_index("index").loc["isolation"]
    # Hispanic isolation: ~0.49 in San Diego, ~0.85 in El Paso
    assert iso["difference"] < -0.3
    assert iso["p_value"] == pytest.approx(2 / 200)  # the smallest two-sided p with 199
    with pytest.raises(IndexInputError, match="random labelling"):
        compare(sd, ep, group="hispanic", indices=["spatial_isolation"], permutations=9)
    spatial = compare(
        sd, ep, group="hispanic", indices=["spatial_isolation"], method="bootstrap", permutations=49
    )
    assert spatial.iloc[0]["difference"] < 0


def test_infer_table_and_seeds(ep):
    table = infer(ep, group="hispanic", permutations=199, seed=3)
    assert set(table["index"]) >= {"dissimilarity", "gini", "spatial_proximity"}
    assert (table["permutations"] == 199).all()
    # segregation is far above the null of random allocation
    d = table.set_index("index").loc["dissimilarity"]
    assert d["value"] > d["null_mean"] + 10 * d["null_std"]
    assert d["p_value"] == pytest.approx(2 / 200)
    assert d["ci_low"] < d["value"] < d["ci_high"]
    sp = table.set_index("index").loc["spatial_proximity"]
    assert np.isnan(sp["ci_low"]) and "no bootstrap interval" in sp["note"]
    again = infer(ep, group="hispanic", permutations=199, seed=3)
    assert again.equals(table)
    other = infer(ep, group="hispanic", permutations=199, seed=4)
    assert not np.allclose(other["null_mean"], table["null_mean"], rtol=0, atol=0)
    with_boot = infer(
        ep,
        group="hispanic",
        indices=["spatial_dissimilarity"],
        permutations=49,
        seed=3,
        spatial_bootstrap=True,
    )
    assert with_boot["ci_low"].notna().all()


def test_p_value_rules():
    sims = np.arange(1.0, 100.0)  # 99 values
    assert p_value(100.0, sims, "greater") == pytest.approx(1 / 100)
    assert p_value(100.0, sims, "less") == pytest.approx(1.0)
    assert p_value(100.0, sims, "two-sided") == pytest.approx(2 / 100)
    assert p_value(50.0, sims, "two-sided") == pytest.approx(1.0)
    assert p_value(0.0, sims, "less") == pytest.approx(1 / 100)
    with pytest.raises(IndexInputError, match="alternative"):
        p_value(1.0, sims, "both")


def test_inference_bad_input(sd):
    with pytest.raises(IndexInputError, match="null"):
        infer(sd, group="hispanic", null="uniform", permutations=9)
    with pytest.raises(IndexInputError, match="permutations"):
        infer(sd, group="hispanic", permutations=0)
    with pytest.raises(IndexInputError, match="level"):
        infer(sd, group="hispanic", permutations=9, level=1.5)
    with pytest.raises(IndexInputError, match="seed"):
        infer(sd, group="hispanic", permutations=9, seed=-1)
    with pytest.raises(IndexInputError, match="unknown index"):
        infer(sd, group="hispanic", indices=["segregation"], permutations=9)
