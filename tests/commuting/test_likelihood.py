"""The log-likelihood set up once per fit (:class:`binational.commuting.likelihood.LogLikelihood`):
equal to the per-cell formula, its analytic gradient and Hessian equal to numerical ones, and a
fit started from the analytic curvature reaching the same maximum as one started from the
identity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime, check_grad

from binational.commuting import fit as cf
from binational.commuting import likelihood as lk
from binational.commuting import model as m

from .test_model import _design, _simulate, _theta


def _per_cell_loglik(theta, d, cells, *, likelihood, separate_wait):
    """``Σ_c n_c ln P(chosen | cell)``, one cell at a time (no grouping, no precomputation)."""
    b_drive, b_wait, alpha = m._split(theta, separate_wait, d)
    cap = m._capacity_utility(theta, separate_wait, d)
    ln_size = np.log1p(d.size)
    total = 0.0
    for o, dd, h, k, n in zip(
        cells.origin, cells.dest, cells.hour, cells.option, cells.trips, strict=True
    ):
        if likelihood == "conditional":
            t = d.access[o] + d.egress[d.port_index, dd]
            v = alpha + b_drive * t + b_wait * d.waits[:, h] + cap[:, h]
            total += n * (v[k] - np.log(np.sum(np.exp(v))))
        else:  # over every destination and option
            t = d.access[o][:, None] + d.egress[d.port_index]  # K × n_d
            v = ln_size[None, :] + (alpha + b_wait * d.waits[:, h] + cap[:, h])[:, None]
            v = v + b_drive * t
            total += n * (v[k, dd] - np.log(np.sum(np.exp(v))))
    return total


CASES = [
    (lik, sep, cap) for lik in lk.LIKELIHOODS for sep in (True, False) for cap in (False, "port")
]


def _setup(lik, sep, cap, seed=11):
    d = _design(seed=seed, lanes_open=cap)
    base = _theta(cap)
    cells = _simulate(d, base, 300, seed=seed + 1, joint=lik == "joint")
    th = base if sep else np.r_[base[0], base[2:]]
    return d, cells, th, lk.LogLikelihood(d, cells, likelihood=lik, separate_wait=sep)


@pytest.mark.parametrize(("lik", "sep", "cap"), CASES)
def test_grouped_loglik_equals_the_per_cell_formula(lik, sep, cap):
    d, cells, th, ll = _setup(lik, sep, cap)
    assert len(ll.group_n) < len(cells)  # cells do share groups: the grouping is exercised
    ref = _per_cell_loglik(th, d, cells, likelihood=lik, separate_wait=sep)
    assert ll(th)[0] == pytest.approx(ref, rel=1e-11)


def _central(f, x, step=1e-5):
    """Central differences of ``f`` (a scalar or an array) at ``x``."""
    cols = []
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = step
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize(("lik", "sep", "cap"), CASES)
def test_analytic_gradient_equals_numerical(lik, sep, cap):
    _, _, th, ll = _setup(lik, sep, cap)
    g = ll(th)[1]
    # scipy's check (forward differences): |analytic - numerical| is their truncation error
    assert check_grad(lambda t: ll(t)[0], lambda t: ll(t)[1], th, epsilon=1e-7) < 1e-3 * (
        np.linalg.norm(g)
    )
    np.testing.assert_allclose(g, _central(lambda t: ll(t)[0], th), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize(("lik", "sep", "cap"), CASES)
def test_analytic_hessian_equals_numerical(lik, sep, cap):
    _, _, th, ll = _setup(lik, sep, cap)
    num = np.array([approx_fprime(th, lambda t, i=i: ll(t)[1][i], 1e-6) for i in range(len(th))])
    h = ll.hessian(th)
    np.testing.assert_allclose(h, (num + num.T) / 2, rtol=1e-4, atol=1e-4 * np.abs(h).max())
    assert np.all(np.linalg.eigvalsh(h) < 0)  # concave: the fit's standard errors exist


def test_start_from_the_analytic_curvature_reaches_the_same_maximum(monkeypatch):
    d = _design(seed=3, n_o=40, n_d=30, lanes_open=True)
    cells = _simulate(d, _theta(True), 2000, seed=4, joint=True)
    warm = cf.fit_choice(d, cells, separate_wait=True, scale="trips")
    monkeypatch.setattr(cf, "_start_hess_inv", lambda hess: None)  # BFGS from the identity
    cold = cf.fit_choice(d, cells, separate_wait=True, scale="trips")
    assert warm.iterations < cold.iterations
    assert np.all(np.abs(warm.theta - cold.theta) < 1e-3 * cold.se.to_numpy())
    np.testing.assert_allclose(warm.se, cold.se, rtol=1e-5)
    assert warm.loglik == pytest.approx(cold.loglik, rel=1e-10)
