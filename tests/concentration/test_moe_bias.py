"""Bias-corrected MOE intervals on synthetic tracts whose true index is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from binational.concentration.indices import IndexSet
from binational.concentration.moe import Z95, denoise_counts, moe_intervals, moe_table

NAMES = ["dissimilarity", "isolation"]


def _truth(rng, n=150):
    """True counts and ACS-like standard errors (large relative error on small counts)."""
    t = rng.integers(1500, 7000, n).astype(float)
    x = np.round(t * rng.beta(1.2, 3, n))
    se_x = 0.15 * x + 4 * np.sqrt(x) + 30
    se_y = 0.15 * (t - x) + 4 * np.sqrt(t - x) + 30  # the rest of the population
    se_t = np.sqrt(se_x**2 + se_y**2)  # the published total MOE
    return x, t, se_x, se_t


def _observe(rng, x, t, se_x, se_t):
    """A sample estimate: the group and the rest of the population each with its own error."""
    se_y = np.sqrt(se_t**2 - se_x**2)
    xo = np.clip(x + rng.standard_normal(len(x)) * se_x, 0, None)
    yo = np.clip(t - x + rng.standard_normal(len(x)) * se_y, 0, None)
    return xo, xo + yo


def coverage(runs: int = 120, seed: int = 3) -> dict[str, tuple[float, float]]:
    """(plain percentile, bias-corrected) coverage of the true index over ``runs`` samples."""
    rng = np.random.default_rng(seed)
    x, t, se_x, se_t = _truth(rng)
    iset = IndexSet.build(pd.DataFrame(index=range(len(x))), NAMES)
    true = {k: float(v) for k, v in iset(x, t).items()}
    hits = {k: [0, 0] for k in NAMES}
    for r in range(runs):
        xo, to = _observe(rng, x, t, se_x, se_t)
        mt = moe_table(
            iset, xo, to, se_x * Z95, se_t * Z95, replicates=199, seed=(seed, r)
        ).set_index("index")
        for k in NAMES:
            row = mt.loc[k]
            hits[k][0] += row["moe_low"] <= true[k] <= row["moe_high"]
            hits[k][1] += row["moe_corrected_low"] <= true[k] <= row["moe_corrected_high"]
    return {k: (h[0] / runs, h[1] / runs) for k, h in hits.items()}


def test_corrected_interval_covers_truth_at_nominal_rate():
    cov = coverage()
    for k, (plain, corrected) in cov.items():
        # the corrected 95 % interval covers the truth about 95 % of the time (binomial sd
        # over 120 runs is 2 points) while the plain percentile interval does far worse
        assert 0.88 <= corrected <= 0.99, (k, cov)
        assert plain < corrected - 0.1, (k, cov)


def test_bias_is_measured_and_removed():
    rng = np.random.default_rng(11)
    x, t, se_x, se_t = _truth(rng)
    iset = IndexSet.build(pd.DataFrame(index=range(len(x))), ["dissimilarity"])
    true = float(iset(x, t)["dissimilarity"])
    raw, bias, corr = [], [], []
    for r in range(40):
        xo, to = _observe(rng, x, t, se_x, se_t)
        mt = moe_table(iset, xo, to, se_x * Z95, se_t * Z95, replicates=99, seed=r, inner=2)
        raw.append(float(iset(xo, to)["dissimilarity"]))
        bias.append(mt.iloc[0]["moe_bias"])
        corr.append(mt.iloc[0]["moe_corrected"])
        assert mt.iloc[0]["moe_corrected"] == pytest.approx(raw[-1] - bias[-1])
    # the raw estimate is biased upward; the measured bias is that bias (within a fifth),
    # and the corrected estimate is within a fifth of it from the truth
    bias_raw = np.mean(raw) - true
    assert bias_raw > 0.01
    assert np.mean(bias) == pytest.approx(bias_raw, rel=0.2)
    assert abs(np.mean(corr) - true) < bias_raw / 5


def test_denoised_shares_have_the_true_spread():
    rng = np.random.default_rng(2)
    x, t, se_x, se_t = _truth(rng, n=2000)
    p_true = x / t
    xo, to = _observe(rng, x, t, se_x, se_t)
    xd = denoise_counts(xo, to, se_x, se_t)
    w = to / to.sum()
    spread = {
        name: np.sqrt((w * (v / to - (w * v / to).sum()) ** 2).sum())
        for name, v in (("observed", xo), ("denoised", xd))
    }
    true_spread = np.sqrt((t / t.sum() * (p_true - (t / t.sum() * p_true).sum()) ** 2).sum())
    assert spread["observed"] > 1.03 * true_spread
    # closer to the true spread than the observed shares (observations clipped at 0 have less
    # noise than their MOE says, so the shrinkage overshoots by a few per cent)
    assert spread["denoised"] == pytest.approx(true_spread, rel=0.1)
    assert abs(spread["denoised"] - true_spread) < abs(spread["observed"] - true_spread)
    # without noise nothing moves
    np.testing.assert_allclose(denoise_counts(xo, to, np.zeros_like(xo)), xo)


def test_zero_moe_corrected_equals_estimate(sd):
    units = sd.assign(hispanic_moe=0.0, pop_total_moe=0.0)
    table = moe_intervals(units, group="hispanic", indices=NAMES, replicates=20, seed=0)
    np.testing.assert_allclose(table["moe_corrected"], table["value"], atol=1e-12)
    np.testing.assert_allclose(table["moe_corrected_low"], table["value"], atol=1e-12)


def test_el_paso_corrected_interval_contains_corrected(ep):
    table = moe_intervals(
        ep, group="hispanic", indices=["dissimilarity"], replicates=199, seed=0
    ).iloc[0]
    assert table["moe_bias"] > 0
    assert table["moe_corrected"] < table["value"]
    assert table["moe_corrected_low"] < table["moe_corrected"] < table["moe_corrected_high"]
