"""Aspatial and spatial single-group indices against PySAL segregation on the real tracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.concentration import (
    adjusted_dissimilarity,
    atkinson,
    correlation_ratio,
    dissimilarity,
    entropy,
    exposure,
    gini,
    isolation,
    local_environment,
    singlegroup_indices,
    spatial_dissimilarity,
    spatial_isolation,
    spatial_proximity,
)
from binational.concentration.contiguity import contiguity
from binational.concentration.distance_weights import kernel
from binational.concentration.indices import DEFAULT_INDICES, IndexSet

pytestmark = pytest.mark.slow  # the session's PySAL reference run takes ~15 s

TOL = 1e-9
FRAMES = ["sd", "ep"]

SIMPLE = {
    "dissimilarity": dissimilarity,
    "gini": gini,
    "entropy": entropy,
    "isolation": isolation,
    "exposure": exposure,
    "correlation_ratio": correlation_ratio,
    "atkinson": atkinson,
    "spatial_proximity": spatial_proximity,
    "spatial_dissimilarity": spatial_dissimilarity,
    "spatial_isolation": spatial_isolation,
    "adjusted_dissimilarity": adjusted_dissimilarity,
}


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", list(SIMPLE))
def test_each_index_equals_segregation(request, reference, frame, name):
    units = request.getfixturevalue(frame)
    ours = SIMPLE[name](units, group="hispanic", total="pop_total")
    assert ours == pytest.approx(reference[frame][name], abs=TOL, rel=0)


@pytest.mark.parametrize("frame", FRAMES)
def test_all_at_once_equals_segregation(request, reference, frame):
    units = request.getfixturevalue(frame)
    names = [*DEFAULT_INDICES, "adjusted_dissimilarity", "spatial_gini", "spatial_exposure"]
    values = singlegroup_indices(units, group="hispanic", indices=names)
    for name in names:
        assert values[name] == pytest.approx(reference[frame][name], abs=TOL, rel=0), name


@pytest.mark.parametrize("frame", FRAMES)
def test_parameters_equal_segregation(request, reference, frame):
    units = request.getfixturevalue(frame)
    ref = reference[frame]
    assert atkinson(units, group="hispanic", b=0.2) == pytest.approx(ref["atkinson_b0.2"], abs=TOL)
    sp = spatial_proximity(units, group="hispanic", alpha=1.0, beta=1.0)
    assert sp == pytest.approx(ref["spatial_proximity_a1_b1"], abs=TOL)
    sd_gauss = spatial_dissimilarity(units, group="hispanic", bandwidth=1500, function="gaussian")
    assert sd_gauss == pytest.approx(ref["spatial_dissimilarity_gauss1500"], abs=TOL)
    std = adjusted_dissimilarity(
        units, group="hispanic", weights=contiguity(units), standardize=True
    )
    assert std == pytest.approx(ref["adjusted_dissimilarity_std"], abs=TOL)


@pytest.mark.parametrize("frame", FRAMES)
def test_local_environment_equals_segregation(request, reference, frame):
    units = request.getfixturevalue(frame)
    env = local_environment(units, ["hispanic", "pop_total"], bandwidth=2000)
    np.testing.assert_array_equal(
        env[["hispanic", "pop_total"]].to_numpy(), reference[frame]["environment_2000"]
    )
    # the same through explicit kernel weights
    w = kernel(units, bandwidth=2000, function="triangular")
    env2 = local_environment(units, ["hispanic", "pop_total"], weights=w)
    np.testing.assert_array_equal(env2.to_numpy()[:, :2], env[["hispanic", "pop_total"]].to_numpy())
    unrounded = local_environment(units, "hispanic", bandwidth=2000, round_counts=False)
    assert np.abs(unrounded["hispanic"] - env["hispanic"]).max() <= 0.5
    assert not np.array_equal(unrounded["hispanic"], env["hispanic"])


def test_batch_evaluation_equals_one_by_one(sd):
    """A (R, n) batch gives the same values as R separate evaluations."""
    iset = IndexSet.build(sd, [*DEFAULT_INDICES, "adjusted_dissimilarity"])
    rng = np.random.default_rng(1)
    x, t = sd["hispanic"].to_numpy(float), sd["pop_total"].to_numpy(float)
    X = rng.binomial(t.astype(int), x.sum() / t.sum(), size=(5, len(t))).astype(float)
    batch = iset(X, np.broadcast_to(t, X.shape))
    for r in range(5):
        single = iset(X[r], t)
        for name in iset.names:
            assert batch[name][r] == pytest.approx(single[name], abs=1e-12), name


def test_extremes_on_synthetic_units():
    even = pd.DataFrame({"g": [10.0, 20.0, 30.0], "t": [100.0, 200.0, 300.0]})
    apart = pd.DataFrame({"g": [0.0, 50.0, 0.0, 70.0], "t": [40.0, 50.0, 60.0, 70.0]})
    for func in (dissimilarity, gini, entropy, atkinson, correlation_ratio):
        assert func(even, group="g", total="t") == pytest.approx(0.0, abs=1e-12)
        assert func(apart, group="g", total="t") == pytest.approx(1.0, abs=1e-12)
    assert isolation(even, group="g", total="t") == pytest.approx(0.1)
    assert exposure(even, group="g", total="t") == pytest.approx(0.9)
    assert isolation(apart, group="g", total="t") == pytest.approx(1.0)
    assert exposure(apart, group="g", total="t") == pytest.approx(0.0)


def test_zero_population_units_have_no_weight(sd):
    """An extra empty unit changes nothing (PySAL gives it composition 0)."""
    empty = sd.iloc[[0]].assign(hispanic=0.0, pop_total=0.0)
    more = pd.concat([sd, empty], ignore_index=True)
    for name in ("dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"):
        assert SIMPLE[name](more, group="hispanic") == pytest.approx(
            SIMPLE[name](sd, group="hispanic"), abs=1e-12
        )
