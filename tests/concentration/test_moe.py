"""ACS margin-of-error propagation on the real tracts."""

from __future__ import annotations

import numpy as np
import pytest

from binational.concentration import moe_intervals
from binational.concentration.indices import IndexSet
from binational.concentration.moe import Z95, simulate_moe
from binational.errors import IndexInputError


def test_draws_are_consistent_and_centred(sd):
    x = sd["hispanic"].to_numpy(float)
    t = sd["pop_total"].to_numpy(float)
    xm = sd["hispanic_moe"].to_numpy(float)
    tm = sd["pop_total_moe"].to_numpy(float)
    X, T = simulate_moe(x, t, xm, tm, size=4000, rng=np.random.default_rng(0))
    assert (X >= 0).all() and (T >= 0).all() and (X <= T).all()
    # where the estimate is far from the clipping bounds, draws have the estimate's mean and
    # the standard error MOE / 1.96
    free = (x > 4 * xm / Z95) & (t - x > 4 * (xm + tm) / Z95)
    assert free.sum() > 200
    np.testing.assert_allclose(X.mean(axis=0)[free], x[free], atol=0, rtol=0.02)
    np.testing.assert_allclose(X.std(axis=0)[free], (xm / Z95)[free], rtol=0.1)


def test_replicate_values_equal_segregation(sd):
    """Indices of each simulated table equal PySAL's on that table."""
    import pandas as pd
    from segregation.singlegroup import Dissim, Entropy, Isolation

    x, t = sd["hispanic"].to_numpy(float), sd["pop_total"].to_numpy(float)
    X, T = simulate_moe(
        x,
        t,
        sd["hispanic_moe"].to_numpy(float),
        sd["pop_total_moe"].to_numpy(float),
        size=3,
        rng=np.random.default_rng(1),
    )
    values = IndexSet.build(sd, ["dissimilarity", "entropy", "isolation"])(X, T)
    for r in range(3):
        frame = pd.DataFrame({"g": X[r], "t": T[r]})
        assert values["dissimilarity"][r] == pytest.approx(
            Dissim(frame, "g", "t").statistic, abs=1e-12
        )
        assert values["entropy"][r] == pytest.approx(Entropy(frame, "g", "t").statistic, abs=1e-12)
        assert values["isolation"][r] == pytest.approx(
            Isolation(frame, "g", "t").statistic, abs=1e-12
        )


def test_intervals_on_real_data(sd, ep):
    table = moe_intervals(sd, group="hispanic", replicates=199, seed=0)
    assert len(table) == 10
    assert (table["moe_low"] <= table["moe_mean"]).all()
    assert (table["moe_mean"] <= table["moe_high"]).all()
    assert (table["moe_high"] - table["moe_low"] > 0).all()
    assert (table["moe_note"] == "").all()
    again = moe_intervals(sd, group="hispanic", replicates=199, seed=0)
    assert again.equals(table)
    ep_table = moe_intervals(
        ep, group="hispanic", indices=["dissimilarity"], replicates=199, seed=0
    )
    assert ep_table.iloc[0]["moe_low"] < ep_table.iloc[0]["moe_high"]


def test_zero_moe_gives_the_estimate(sd):
    units = sd.assign(hispanic_moe=0.0, pop_total_moe=0.0)
    table = moe_intervals(units, group="hispanic", replicates=20, seed=0)
    np.testing.assert_allclose(table["moe_low"], table["value"], atol=1e-12)
    np.testing.assert_allclose(table["moe_high"], table["value"], atol=1e-12)


def test_missing_moe_columns(sd):
    with pytest.raises(IndexInputError, match="hispanic_moe"):
        moe_intervals(sd.drop(columns=["hispanic_moe"]), group="hispanic", replicates=9)
    table = moe_intervals(
        sd.drop(columns=["pop_total_moe"]), group="hispanic", indices=["gini"], replicates=9
    )
    assert "totals held fixed" in table.iloc[0]["moe_note"]
    some_nan = sd.copy()
    some_nan.loc[:4, "hispanic_moe"] = np.nan
    table = moe_intervals(some_nan, group="hispanic", indices=["gini"], replicates=9)
    assert "5 missing group MOE" in table.iloc[0]["moe_note"]
    bad = sd.assign(hispanic_moe=-1.0)
    with pytest.raises(IndexInputError, match="negative"):
        moe_intervals(bad, group="hispanic", replicates=9)
