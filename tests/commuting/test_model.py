"""The choice model against independent references: hand-computed probabilities, statsmodels'
ConditionalLogit on the same design, and recovery of known parameters from simulated choices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.commuting import fit as cf
from binational.commuting import model as m
from binational.errors import SchemaError


def _design(
    seed=0, n_o=25, n_d=15, ports=(1, 2), lanes=("general", "ready", "sentri"), lanes_open=False
):
    """``lanes_open``: False, True (lanes-open term) or ``"port"`` (and the port term)."""
    rng = np.random.default_rng(seed)
    opts = pd.DataFrame(
        [(p, ln) for p in ports for ln in lanes], columns=["port_code", "lane"]
    ).assign(walk=False)
    per_port = rng.uniform(5, 45, (n_o, len(ports)))
    return m.ChoiceDesign(
        options=opts,
        access=np.repeat(per_port, len(lanes), axis=1),
        egress=rng.uniform(5, 45, (len(ports), n_d)),
        ports=tuple(ports),
        origin_weight=rng.uniform(1, 10, n_o),
        size=rng.uniform(0, 50, n_d),
        waits=rng.uniform(0, 90, (len(opts), 24)),
        lanes_open=rng.integers(0, 12, (len(opts), 24)).astype(float) if lanes_open else None,
        port_capacity=lanes_open == "port",
    )


THETA = np.array([-0.06, -0.02, 0.8, 0.5, -0.4, 0.6, 0.3])  # drive, wait, 5 constants
THETA_CAP = np.array([-0.06, -0.02, 0.9, 0.8, 0.5, -0.4, 0.6, 0.3])  # + gamma_lanes
THETA_PORT = np.array([-0.06, -0.02, 0.9, 0.7, 0.8, 0.5, -0.4, 0.6, 0.3])  # + gamma_port


def _theta(cap):
    return {False: THETA, True: THETA_CAP, "port": THETA_PORT}[cap]


def test_conditional_probabilities_equal_hand_computed():
    d = _design()
    o, dd, h = np.array([0, 3, 7]), np.array([2, 0, 14]), np.array([7, 12, 23])
    got = m.conditional_probabilities(THETA, d, o, dd, h, separate_wait=True)
    alpha = np.r_[0.0, THETA[2:]]
    for i in range(3):
        v = []
        for k in range(len(d.options)):
            p = d.port_index[k]
            t = d.access[o[i], k] + d.egress[p, dd[i]]
            v.append(alpha[k] + THETA[0] * t + THETA[1] * d.waits[k, h[i]])
        e = np.exp(np.array(v) - max(v))
        np.testing.assert_allclose(got[i], e / e.sum(), rtol=1e-12)


def test_joint_probabilities_equal_brute_force_over_destinations():
    d = _design()
    got = m.option_probabilities(THETA, d, [8], separate_wait=True)[0]
    alpha = np.r_[0.0, THETA[2:]]
    for o in (0, 11, 24):
        num = np.zeros(len(d.options))
        for k in range(len(d.options)):
            p = d.port_index[k]
            for j in range(len(d.size)):
                t = d.access[o, k] + d.egress[p, j]
                num[k] += np.exp(
                    np.log1p(d.size[j]) + alpha[k] + THETA[0] * t + THETA[1] * d.waits[k, 8]
                )
        np.testing.assert_allclose(got[o], num / num.sum(), rtol=1e-10)


def _long_design(d, cells, theta_names):
    """One group per trip, one row per option: the design statsmodels sees."""
    rows, y, groups = [], [], []
    for g, (o, dd, h, k) in enumerate(
        zip(cells.origin, cells.dest, cells.hour, cells.option, strict=True)
    ):
        for j in range(len(d.options)):
            p = d.port_index[j]
            dummies = [1.0 if j == i else 0.0 for i in range(1, len(d.options))]
            cap = [np.log1p(d.lanes_open[j, h])] if d.lanes_open is not None else []
            if d.port_capacity:  # booths open at the option's port, by hand
                same = d.options["port_code"].to_numpy() == d.options["port_code"].iloc[j]
                cap.append(np.log1p(d.lanes_open[same, h].sum()))
            rows.append([d.access[o, j] + d.egress[p, dd], d.waits[j, h], *cap, *dummies])
            y.append(1 if j == k else 0)
            groups.append(g)
    return pd.DataFrame(rows, columns=theta_names), np.array(y), np.array(groups)


def _simulate(d, theta, n, seed, *, joint):
    rng = np.random.default_rng(seed)
    pi = d.origin_weight / d.origin_weight.sum()
    o = rng.choice(len(pi), size=n, p=pi)
    h = rng.integers(0, 24, size=n)
    if joint:
        b_drive, b_wait, alpha = m._split(theta, True, d)
        cap = m._capacity_utility(theta, True, d)
        dd = np.empty(n, dtype=int)
        k = np.empty(n, dtype=int)
        for i in range(n):
            t = d.access[o[i]][:, None] + d.egress[d.port_index]  # K × n_d
            v = (
                np.log1p(d.size)[None, :]
                + alpha[:, None]
                + b_drive * t
                + b_wait * d.waits[:, h[i]][:, None]
                + cap[:, h[i]][:, None]
            )
            p = np.exp(v - v.max()).ravel()
            c = rng.choice(p.size, p=p / p.sum())
            k[i], dd[i] = divmod(c, len(d.size))
    else:
        dd = rng.integers(0, len(d.size), size=n)
        p = m.conditional_probabilities(theta, d, o, dd, h, separate_wait=True)
        k = np.array([rng.choice(p.shape[1], p=row) for row in p])
    return cf.TripCells(o, dd, h, k, np.ones(n), np.ones(n))


@pytest.mark.parametrize("cap", [False, True, "port"])
def test_conditional_fit_equals_statsmodels_conditional_logit(cap):
    sm = pytest.importorskip("statsmodels.discrete.conditional_models")
    d = _design(seed=1, lanes_open=cap)
    theta = _theta(cap)
    cells = _simulate(d, theta, 600, seed=2, joint=False)
    names = m.param_names(d, separate_wait=True)
    x, y, g = _long_design(d, cells, names)
    ref = sm.ConditionalLogit(y, x, groups=g)
    ll_ours, _ = cf.loglik(theta, d, cells, likelihood="conditional", separate_wait=True)
    assert ll_ours == pytest.approx(ref.loglike(theta), rel=1e-10)
    res = ref.fit(disp=False, method="bfgs", maxiter=500)
    fit = cf.fit_choice(d, cells, likelihood="conditional", scale="trips", separate_wait=True)
    # same maximum: the estimates agree to 1 % of a standard error (optimiser tolerances)
    assert np.all(np.abs(fit.theta - res.params.to_numpy()) < 0.01 * fit.se.to_numpy())
    np.testing.assert_allclose(fit.se.to_numpy(), res.bse.to_numpy(), rtol=2e-3)


@pytest.mark.parametrize("cap", [False, True, "port"])
def test_joint_fit_recovers_known_parameters_within_two_se(cap):
    d = _design(seed=3, n_o=40, n_d=30, lanes_open=cap)
    theta = _theta(cap)
    cells = _simulate(d, theta, 3000, seed=4, joint=True)
    fit = cf.fit_choice(d, cells, likelihood="joint", scale="trips", separate_wait=True)
    z = (fit.theta - theta) / fit.se.to_numpy()
    assert np.all(np.abs(z) < 2), dict(zip(fit.params.index, np.round(z, 2), strict=True))
    assert fit.se.to_numpy().max() < 0.2  # informative, not a vacuous 2-SE band


@pytest.mark.parametrize("cap", [False, True, "port"])
def test_gradient_equals_numerical(cap):
    from scipy.optimize import approx_fprime

    d = _design(seed=5, lanes_open=cap)
    base = _theta(cap)
    cells = _simulate(d, base, 400, seed=6, joint=True)
    for lik in cf.LIKELIHOODS:
        for sep in (True, False):
            th = base if sep else np.r_[base[0], base[2:]]
            _, g = cf.loglik(th, d, cells, likelihood=lik, separate_wait=sep)

            def f(t, lik=lik, sep=sep):
                return cf.loglik(t, d, cells, likelihood=lik, separate_wait=sep)[0]

            num = approx_fprime(th, f, 1e-7)
            np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-3)


def test_non_convergence_is_an_error():
    d = _design(seed=7)
    cells = _simulate(d, THETA, 300, seed=8, joint=True)
    with pytest.raises(cf.ConvergenceError, match="did not converge"):
        cf.fit_choice(d, cells, separate_wait=True, maxiter=2)


def test_unidentified_constant_is_an_error():
    d = _design(seed=9)
    cells = _simulate(d, THETA, 300, seed=10, joint=False)
    # one option never chosen: its constant runs to -inf
    keep = cells.option != 4
    with pytest.raises(cf.ConvergenceError):
        cf.fit_choice(d, cells.subset(keep), likelihood="conditional", separate_wait=True)


def test_bad_inputs():
    d = _design()
    with pytest.raises(SchemaError, match="trips must be finite and > 0"):
        cf.TripCells(
            np.array([0]),
            np.array([0]),
            np.array([0]),
            np.array([0]),
            np.array([0.0]),
            np.array([1]),
        )
    cells = cf.TripCells(
        np.array([0]), np.array([0]), np.array([0]), np.array([9]), np.array([1.0]), np.array([1])
    )
    with pytest.raises(SchemaError, match="option outside"):
        cf.fit_choice(d, cells)
    good = _simulate(d, THETA, 50, seed=1, joint=False)
    with pytest.raises(SchemaError, match="fixed parameter"):
        cf.fit_choice(d, good, fixed={"beta_speed": 0.0})
    with pytest.raises(SchemaError, match="waits must be finite"):
        m.ChoiceDesign(
            options=d.options,
            access=d.access,
            egress=d.egress,
            ports=d.ports,
            origin_weight=d.origin_weight,
            size=d.size,
            waits=-d.waits,
        )
