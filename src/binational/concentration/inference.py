"""Inference for global indices: null distributions, p-values, bootstrap intervals, comparisons.

Null hypotheses (``null=``), as in PySAL ``segregation.inference``
------------------------------------------------------------------
``systematic``
    Every member of the group and of the rest is reassigned to a unit at random, with unit
    probabilities proportional to the unit totals (multinomial draws; Allen et al. 2015). Group
    totals are kept; unit totals vary around the observed ones. PySAL's default.
``permutation``
    Individuals are shuffled among the observed places: unit totals *and* the group total are
    kept exactly (multivariate hypergeometric draws) — PySAL's ``person_permutation``.
``evenness``
    Every unit has the region's composition: the group count of each unit is a binomial draw
    from its total with the regional share. Unit totals are kept; the group total varies.

Counts are rounded to whole persons for the draws. A p-value says how often the null gives an
index at least as extreme as the observed one: ``(1 + #{sim ≥ obs}) / (R + 1)`` for
``alternative="greater"``, the mirror image for ``"less"``, and twice the smaller of the two
(capped at 1) for ``"two-sided"``.

Intervals
---------
Percentile bootstrap intervals resample units with replacement (PySAL's ``bootstrap``). They
are given for the aspatial indices. Resampling also duplicates locations, which makes local
environments of the copies overlap and biases the spatial indices upwards, so those get no
bootstrap interval unless ``spatial_bootstrap=True`` (local-environment indices only; SP and
the adjusted D depend on the exact set of locations and never get one). The table says so in
its ``note``; the MOE interval (:mod:`~binational.concentration.moe`) covers them all.

Every draw comes from ``numpy.random.default_rng(seed)``; the same seed gives the same result.
All replicates are evaluated as one ``(R, n)`` batch (in blocks for large tables).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from .._log import get_logger
from ..errors import IndexInputError
from ..schema import POP_TOTAL
from ._validate import check_seed_like, counts
from .indices import IndexSet, kind_of

__all__ = [
    "NULLS",
    "bootstrap_replicates",
    "compare",
    "infer",
    "null_distribution",
    "p_value",
    "simulate_null",
]

log = get_logger(__name__)

NULLS = ("systematic", "permutation", "evenness")
ALTERNATIVES = ("two-sided", "greater", "less")
COMPARE_METHODS = ("random_label", "bootstrap")
# Largest number of simulated values (replicates × units) held in one block.
_BLOCK = 4_000_000


def rng_for(seed, *stream: int) -> np.random.Generator:
    """Generator for one named stream of a seed (independent streams for nulls, bootstrap...)."""
    check_seed_like(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    base = [int(s) for s in seed] if isinstance(seed, (tuple, list)) else [int(seed)]
    return np.random.default_rng([*base, *stream])


def _check(value, choices, name):
    if value not in choices:
        raise IndexInputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_permutations(permutations: int) -> int:
    if not isinstance(permutations, (int, np.integer)) or permutations < 1:
        raise IndexInputError(f"permutations must be a positive integer, got {permutations!r}")
    return int(permutations)


def _blocks(total: int, n_units: int):
    size = max(1, _BLOCK // max(n_units, 1))
    for start in range(0, total, size):
        yield min(size, total - start)


def simulate_null(
    x: np.ndarray, t: np.ndarray, *, null: str, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``size`` populations under ``null`` (see the module notes).

    Parameters
    ----------
    x, t
        Observed group counts and totals, shape ``(n,)``.

    Returns
    -------
    (X, T)
        Arrays of shape ``(size, n)``.
    """
    _check(null, NULLS, "null")
    xi = np.rint(x).astype(np.int64)
    ti = np.rint(t).astype(np.int64)
    n = len(ti)
    if null == "systematic":
        prob = ti / ti.sum()
        X = rng.multinomial(int(xi.sum()), prob, size=size)
        Y = rng.multinomial(int((ti - xi).sum()), prob, size=size)
        return X.astype(float), (X + Y).astype(float)
    if null == "permutation":
        X = rng.multivariate_hypergeometric(ti, int(xi.sum()), size=size, method="marginals")
        return X.astype(float), np.broadcast_to(ti.astype(float), (size, n))
    share = xi.sum() / ti.sum()
    X = rng.binomial(ti, share, size=(size, n))
    return X.astype(float), np.broadcast_to(ti.astype(float), (size, n))


def bootstrap_replicates(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Row numbers of ``size`` bootstrap resamples of ``n`` units, shape ``(size, n)``."""
    return rng.integers(0, n, size=(size, n))


def p_value(observed, sims: np.ndarray, alternative: str = "two-sided"):
    """Permutation p-value of ``observed`` against simulated values (last axis)."""
    _check(alternative, ALTERNATIVES, "alternative")
    sims = np.asarray(sims, dtype=float)
    obs = np.asarray(observed, dtype=float)[..., None]
    valid = ~np.isnan(sims)
    r = valid.sum(axis=-1)
    ge = ((sims >= obs) & valid).sum(axis=-1)
    le = ((sims <= obs) & valid).sum(axis=-1)
    p_ge = (ge + 1) / (r + 1)
    p_le = (le + 1) / (r + 1)
    if alternative == "greater":
        out = p_ge
    elif alternative == "less":
        out = p_le
    else:
        out = np.minimum(1.0, 2 * np.minimum(p_ge, p_le))
    return float(out) if np.ndim(out) == 0 else out


def _percentiles(sims: np.ndarray, level: float) -> tuple[float, float]:
    good = sims[~np.isnan(sims)]
    if not len(good):
        return np.nan, np.nan
    a = (1 - level) / 2
    lo, hi = np.quantile(good, [a, 1 - a])
    return float(lo), float(hi)


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise IndexInputError(f"level must lie between 0 and 1, got {level!r}")
    return float(level)


def run_null(
    iset: IndexSet, x, t, *, null: str, permutations: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Simulated index values under ``null``: ``{name: (permutations,) array}``."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in iset.names}
    for size in _blocks(permutations, len(x)):
        X, T = simulate_null(x, t, null=null, size=size, rng=rng)
        for name, values in iset(X, T).items():
            parts[name].append(values)
    return {name: np.concatenate(v) for name, v in parts.items()}


def run_bootstrap(
    iset: IndexSet, x, t, *, replicates: int, rng: np.random.Generator, spatial: bool = True
) -> dict[str, np.ndarray]:
    """Index values on bootstrap resamples of the units (supported indices only)."""
    names = iset.bootstrap_names(spatial=spatial)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for size in _blocks(replicates, len(x)):
        idx = bootstrap_replicates(len(x), size, rng)
        for name, values in iset.bootstrap(x, t, idx, names=names).items():
            parts[name].append(values)
    return {name: np.concatenate(v) for name, v in parts.items()}


def inference_table(
    iset: IndexSet,
    x: np.ndarray,
    t: np.ndarray,
    *,
    null: str | None = "systematic",
    permutations: int = 999,
    ci: bool = True,
    level: float = 0.95,
    alternative: str = "two-sided",
    seed=None,
    spatial_bootstrap: bool = False,
) -> pd.DataFrame:
    """Observed values, null distribution summaries, p-values and bootstrap intervals.

    The work-horse of :func:`infer` and of the profile, on prepared indices and arrays.
    """
    _check_level(level)
    _check(alternative, ALTERNATIVES, "alternative")
    observed = iset(x, t)
    rows = {
        name: {
            "index": name,
            "value": float(v),
            "ci_low": np.nan,
            "ci_high": np.nan,
            "ci_method": "",
            "p_value": np.nan,
            "null": null or "",
            "null_mean": np.nan,
            "null_std": np.nan,
            "permutations": 0,
            "params": iset.params.get(name, ""),
            "note": "",
        }
        for name, v in observed.items()
    }
    notes: dict[str, list[str]] = {name: [] for name in rows}
    if null is not None:
        permutations = _check_permutations(permutations)
        sims = run_null(iset, x, t, null=null, permutations=permutations, rng=rng_for(seed, 1))
        for name, values in sims.items():
            bad = int(np.isnan(values).sum())
            if bad:
                notes[name].append(f"{bad} null replicate(s) undefined and left out")
            row = rows[name]
            row["p_value"] = p_value(row["value"], values, alternative)
            row["null_mean"] = float(np.nanmean(values))
            row["null_std"] = float(np.nanstd(values))
            row["permutations"] = int(permutations - bad)
    if ci:
        permutations = _check_permutations(permutations)
        boots = run_bootstrap(
            iset, x, t, replicates=permutations, rng=rng_for(seed, 2), spatial=spatial_bootstrap
        )
        for name in rows:
            if name not in boots:
                notes[name].append(
                    "no bootstrap interval: resampling units duplicates locations, which biases "
                    "spatial indices"
                )
                continue
            lo, hi = _percentiles(boots[name], level)
            rows[name].update(ci_low=lo, ci_high=hi, ci_method=f"bootstrap {level:.0%}")
    for name, row in rows.items():
        row["note"] = "; ".join(notes[name])
    return pd.DataFrame(list(rows.values()))


def _prepared(units, group, total, indices, dropna, what, index_options):
    c = counts(units, group, total, dropna=dropna, what=what)
    sub = units if c.keep.all() else units[c.keep]
    iset = IndexSet.build(sub, indices, **index_options)
    return c, iset


def infer(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    indices: str | Sequence[str] | None = None,
    null: str | None = "systematic",
    permutations: int = 999,
    ci: bool = True,
    level: float = 0.95,
    alternative: str = "two-sided",
    seed: int | np.random.Generator | None = None,
    dropna: bool = False,
    spatial_bootstrap: bool = False,
    **index_options,
) -> pd.DataFrame:
    """Global indices with a permutation test and a bootstrap interval.

    Parameters
    ----------
    units
        Unit table.
    group, total
        Count columns.
    indices
        Index names (default :data:`binational.concentration.indices.DEFAULT_INDICES`).
    null
        ``"systematic"``, ``"permutation"``, ``"evenness"`` or None (no test).
    permutations
        Number of null replicates, and of bootstrap replicates.
    ci
        Add percentile bootstrap intervals.
    level
        Interval coverage.
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    seed
        Integer seed (reproducible) or a numpy Generator.
    dropna
        Drop units with missing counts instead of raising.
    spatial_bootstrap
        Also bootstrap the local-environment indices (see the module notes).
    **index_options
        Passed to :meth:`binational.concentration.indices.IndexSet.build` (``atkinson_b``,
        ``bandwidth``, ``function``, ``alpha``, ``beta``, ...).

    Returns
    -------
    DataFrame
        One row per index: ``index, value, ci_low, ci_high, ci_method, p_value, null,
        null_mean, null_std, permutations, params, note``.
    """
    c, iset = _prepared(units, group, total, indices, dropna, "inference", index_options)
    return inference_table(
        iset,
        c.x,
        c.total,
        null=null,
        permutations=permutations,
        ci=ci,
        level=level,
        alternative=alternative,
        seed=seed,
        spatial_bootstrap=spatial_bootstrap,
    )


def null_distribution(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    index: str = "dissimilarity",
    null: str = "systematic",
    permutations: int = 999,
    seed: int | np.random.Generator | None = None,
    dropna: bool = False,
    **index_options,
) -> np.ndarray:
    """Simulated values of one index under ``null`` (e.g. to plot or to compare with PySAL).

    Parameters
    ----------
    units
        Unit table.
    group, total
        Count columns.
    index
        Index name (see :data:`binational.concentration.indices.DEFAULT_INDICES`).
    null
        ``"systematic"``, ``"permutation"`` or ``"evenness"`` (see the module notes).
    permutations
        Number of simulated values.
    seed
        Integer seed or numpy Generator.
    dropna
        Drop units with a missing count instead of raising.
    **index_options
        Passed to the index (e.g. ``bandwidth``).

    Returns
    -------
    numpy.ndarray
        ``permutations`` simulated index values.
    """
    permutations = _check_permutations(permutations)
    c, iset = _prepared(units, group, total, [index], dropna, "null distribution", index_options)
    return run_null(iset, c.x, c.total, null=null, permutations=permutations, rng=rng_for(seed, 1))[
        index
    ]


def compare(
    units_a,
    units_b,
    *,
    group: str,
    total: str = POP_TOTAL,
    group_b: str | None = None,
    total_b: str | None = None,
    indices: str | Sequence[str] = ("dissimilarity",),
    method: str = "random_label",
    permutations: int = 999,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    dropna: bool = False,
    **index_options,
) -> pd.DataFrame:
    """Compare an index between two regions or two years: difference and its p-value.

    Parameters
    ----------
    units_a, units_b
        The two unit tables (two regions, or one region in two years).
    group, total
        Columns of ``units_a`` (and of ``units_b`` unless ``group_b``/``total_b`` are given).
    indices
        Index names.
    method
        ``"random_label"``: units are randomly reassigned between the two tables (sizes kept)
        and the difference recomputed — the null is that both come from one distribution
        (PySAL's ``random_label``; aspatial indices only). ``"bootstrap"``: each table is
        bootstrapped and the difference of means is compared with its standard error by a
        t test, as PySAL's ``TwoValueTest(null_approach="bootstrap")``.
    permutations
        Replicates.
    level
        Coverage of the bootstrap interval of the difference (given for both methods).
    seed
        Integer seed or Generator.

    Returns
    -------
    DataFrame
        One row per index: ``index, value_a, value_b, difference, p_value, ci_low, ci_high,
        method, permutations``.
    """
    _check(method, COMPARE_METHODS, "method")
    permutations = _check_permutations(permutations)
    _check_level(level)
    group_b = group_b or group
    total_b = total_b or total
    ca, iset_a = _prepared(units_a, group, total, indices, dropna, "compare (a)", index_options)
    cb, iset_b = _prepared(units_b, group_b, total_b, indices, dropna, "compare (b)", index_options)
    obs_a, obs_b = iset_a(ca.x, ca.total), iset_b(cb.x, cb.total)
    boot_a = run_bootstrap(iset_a, ca.x, ca.total, replicates=permutations, rng=rng_for(seed, 3))
    boot_b = run_bootstrap(iset_b, cb.x, cb.total, replicates=permutations, rng=rng_for(seed, 4))
    if method == "random_label":
        spatial = [n for n in iset_a.names if kind_of(n) != "aspatial"]
        if spatial:
            raise IndexInputError(
                f"compare: random labelling mixes the locations of both tables; it is defined "
                f"for aspatial indices only (not {', '.join(spatial)}): use method='bootstrap'"
            )
        diffs = _random_label(iset_a, ca, cb, permutations, rng_for(seed, 5))
    rows = []
    for name in iset_a.names:
        diff = float(obs_a[name] - obs_b[name])
        if name in boot_a and name in boot_b:
            bdiff = boot_a[name] - boot_b[name]
            lo, hi = _percentiles(bdiff, level)
        else:
            lo = hi = np.nan
        if method == "random_label":
            p = p_value(diff, diffs[name], "two-sided")
        elif name in boot_a:
            a, b = boot_a[name], boot_b[name]
            tt = (np.nanmean(a) - np.nanmean(b)) / np.sqrt(np.nanstd(a) ** 2 + np.nanstd(b) ** 2)
            # Student's t survival function, as scipy.stats.t.sf computes it (special.stdtr)
            p = float(special.stdtr(permutations - 1, -np.abs(tt)) * 2)
        else:
            raise IndexInputError(f"compare: no bootstrap for {name!r}; it depends on locations")
        rows.append(
            {
                "index": name,
                "value_a": float(obs_a[name]),
                "value_b": float(obs_b[name]),
                "difference": diff,
                "p_value": p,
                "ci_low": lo,
                "ci_high": hi,
                "method": method,
                "permutations": permutations,
            }
        )
    return pd.DataFrame(rows)


def _random_label(iset: IndexSet, ca, cb, permutations: int, rng) -> dict[str, np.ndarray]:
    x = np.concatenate([ca.x, cb.x])
    t = np.concatenate([ca.total, cb.total])
    na, n = ca.n, ca.n + cb.n
    parts: dict[str, list[np.ndarray]] = {name: [] for name in iset.names}
    for size in _blocks(permutations, n):
        order = np.argsort(rng.random((size, n)), axis=1)
        xs, ts = x[order], t[order]
        va = iset(xs[:, :na], ts[:, :na])
        vb = iset(xs[:, na:], ts[:, na:])
        for name in iset.names:
            parts[name].append(va[name] - vb[name])
    return {name: np.concatenate(v) for name, v in parts.items()}
