"""The three nulls told apart: closed-form moments of the drawn counts, ours and PySAL's.

On the real tables the three nulls give index distributions that a KS test cannot separate
(p 0.35–0.63 between *different* nulls), so agreeing with PySAL there proves little. Here a
five-unit region is small enough that the nulls differ, and the first two moments of what each
null draws are known in closed form. With ``N = Σ t_i`` people, ``X = Σ x_i`` of them in the
group, ``p_i = t_i / N`` and ``s = X / N``:

========================  ===============  ==============================  ===========  =========
null (PySAL function)     ``E[X_i]``       ``Var X_i``                     ``Var T_i``  ``Var ΣX``
========================  ===============  ==============================  ===========  =========
systematic                ``X p_i``        ``X p_i (1 - p_i)``             ``N p_i     ``0``
(``simulate_systematic_                                                    (1 - p_i)``
randomization``: one
multinomial per group)
permutation               ``X p_i``        ``X p_i (1 - p_i) (N - X) /     ``0``        ``0``
(``simulate_person_                        (N - 1)`` (hypergeometric)
permutation``)
evenness                  ``X p_i``        ``t_i s (1 - s)`` (binomial)    ``0``        ``N s (1-s)``
(``simulate_evenness``)
========================  ===============  ==============================  ===========  =========

``E[T_i] = t_i`` under all three. Each null is checked against its own column and must *fail*
against the other two, both for our draws and for PySAL's, and our draws are compared with
PySAL's draws directly.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from binational.concentration import null_distribution
from binational.concentration.inference import NULLS, simulate_null

T_OBS = np.array([4, 6, 10, 15, 25])
X_OBS = np.array([3, 1, 6, 2, 8])
PYSAL_NAME = {
    "systematic": "simulate_systematic_randomization",
    "permutation": "simulate_person_permutation",
    "evenness": "simulate_evenness",
}
AGREE, DISAGREE = 5.0, 10.0  # |z| below: same null; above: a different null


def closed_form(null: str, x=X_OBS, t=T_OBS) -> dict[str, np.ndarray]:
    """Means and variances of ``[X_1..X_n, T_1..T_n, ΣX]`` under ``null`` (see the table)."""
    x, t = np.asarray(x, float), np.asarray(t, float)
    big_n, big_x = t.sum(), x.sum()
    p, s = t / big_n, big_x / big_n
    zeros = np.zeros_like(t)
    if null == "systematic":
        var_x, var_t, var_sum = big_x * p * (1 - p), big_n * p * (1 - p), 0.0
    elif null == "permutation":
        var_x = big_x * p * (1 - p) * (big_n - big_x) / (big_n - 1)
        var_t, var_sum = zeros, 0.0
    elif null == "evenness":
        var_x, var_t, var_sum = t * s * (1 - s), zeros, big_n * s * (1 - s)
    else:
        raise AssertionError(null)
    mean = np.concatenate([big_x * p, t, [big_x]])
    var = np.concatenate([var_x, var_t, [var_sum]])
    return {"mean": mean, "var": var}


def features(X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per replicate: the unit counts, the unit totals and the group total, shape (R, 2n + 1)."""
    return np.column_stack([X, T, X.sum(axis=1)])


def _z(diff: np.ndarray, se: np.ndarray) -> np.ndarray:
    """diff / se, with 0/0 = 0 (both exactly fixed) and d/0 = inf (a fixed value missed)."""
    diff, se = np.asarray(diff, float), np.asarray(se, float)
    out = np.zeros_like(diff)
    nz = se > 0
    out[nz] = diff[nz] / se[nz]
    out[~nz & (np.abs(diff) > 1e-9)] = np.inf
    return np.abs(out)


def z_against_closed_form(f: np.ndarray, expected: dict[str, np.ndarray]) -> float:
    """Largest |z| of the sample means and variances against the closed-form ones."""
    r = len(f)
    mean, var = f.mean(axis=0), f.var(axis=0, ddof=1)
    z_mean = _z(mean - expected["mean"], np.sqrt(np.maximum(expected["var"], var) / r))
    dev2 = (f - mean) ** 2
    z_var = _z(var - expected["var"], dev2.std(axis=0, ddof=1) / np.sqrt(r))
    return float(max(z_mean.max(), z_var.max()))


def z_two_sample(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |z| between the means and between the variances of two samples of features."""
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    va, vb = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
    z_mean = _z(ma - mb, np.sqrt(va / len(a) + vb / len(b)))
    sa = ((a - ma) ** 2).std(axis=0, ddof=1) / np.sqrt(len(a))
    sb = ((b - mb) ** 2).std(axis=0, ddof=1) / np.sqrt(len(b))
    z_var = _z(va - vb, np.sqrt(sa**2 + sb**2))
    return float(max(z_mean.max(), z_var.max()))


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hispanic": X_OBS, "pop_total": T_OBS},
        geometry=[Point(1000.0 * i, 0.0) for i in range(len(T_OBS))],
        crs="EPSG:32611",
    )


@pytest.fixture(scope="module")
def ours() -> dict[str, np.ndarray]:
    out = {}
    for k, null in enumerate(NULLS):
        X, T = simulate_null(X_OBS, T_OBS, null=null, size=20_000, rng=np.random.default_rng(k))
        out[null] = features(X, T)
    return out


@pytest.fixture(scope="module")
def pysal() -> dict[str, np.ndarray]:
    """400 draws of each PySAL null (its randomization functions, legacy global RNG)."""
    from segregation.inference import randomization

    frame = _frame()
    out = {}
    state = np.random.get_state()  # noqa: NPY002 -- PySAL draws from the legacy global RNG
    try:
        np.random.seed(11)  # noqa: NPY002
        for null, name in PYSAL_NAME.items():
            fn = getattr(randomization, name)
            X, T = [], []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(400):
                    sim = fn(frame.copy(), group="hispanic", total="pop_total")
                    X.append(sim["hispanic"].to_numpy(float))
                    T.append(sim["pop_total"].to_numpy(float))
            out[null] = features(np.array(X), np.array(T))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return out


def test_closed_forms_tell_the_nulls_apart():
    forms = {null: closed_form(null) for null in NULLS}
    for a in NULLS:
        for b in NULLS:
            if a != b:
                assert not np.allclose(forms[a]["var"], forms[b]["var"]), (a, b)
    # the three nulls share their means: only the spread separates them
    np.testing.assert_allclose(forms["systematic"]["mean"], forms["evenness"]["mean"])


@pytest.mark.parametrize("null", NULLS)
def test_our_draws_match_their_closed_form_only(ours, null):
    assert z_against_closed_form(ours[null], closed_form(null)) < AGREE
    for other in NULLS:
        if other != null:
            assert z_against_closed_form(ours[null], closed_form(other)) > DISAGREE, other


@pytest.mark.slow
@pytest.mark.parametrize("null", NULLS)
def test_pysal_draws_match_the_same_closed_form_only(pysal, null):
    """The closed forms are PySAL's nulls: its draws fit its own column and no other."""
    assert z_against_closed_form(pysal[null], closed_form(null)) < AGREE
    for other in NULLS:
        if other != null:
            assert z_against_closed_form(pysal[null], closed_form(other)) > DISAGREE, other


@pytest.mark.slow
@pytest.mark.parametrize("null", NULLS)
def test_our_null_equals_pysal_null_and_fails_against_the_others(ours, pysal, null):
    assert z_two_sample(ours[null], pysal[null]) < AGREE
    for other in NULLS:
        if other != null:
            assert z_two_sample(ours[null], pysal[other]) > DISAGREE, other


def test_public_null_distribution_draws_the_named_null():
    """``null_distribution`` passes ``null`` through: its D draws are run_null's for that null
    and differ in distribution from the other nulls' (dissimilarity on the five units)."""
    from scipy import stats

    units = _frame()
    draws = {
        null: null_distribution(
            units, group="hispanic", index="dissimilarity", null=null, permutations=20_000, seed=5
        )
        for null in NULLS
    }
    X, T = simulate_null(
        X_OBS, T_OBS, null="permutation", size=20_000, rng=np.random.default_rng(9)
    )
    share = X.sum(axis=1, keepdims=True) / T.sum(axis=1, keepdims=True)
    d_by_hand = np.abs(X - T * share).sum(axis=1) / (2 * (T * share * (1 - share)).sum(axis=1))
    # D takes few distinct values here: round away last-bit differences between two formulas,
    # which a KS test would read as a shift of the whole distribution
    d_by_hand = d_by_hand.round(9)
    assert stats.ks_2samp(draws["permutation"].round(9), d_by_hand).pvalue > 1e-3
    for other in ("systematic", "evenness"):
        assert stats.ks_2samp(draws[other].round(9), d_by_hand).pvalue < 1e-6, other
