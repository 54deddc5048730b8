"""Permutation and bootstrap inference of one large region, split across Dask workers.

The simulations are cut into chunks of a fixed size (``chunk_size``, default 100). Chunk ``k``
draws from its own generator, ``numpy.random.default_rng(SeedSequence(seed).spawn(n)[k])``,
so the null distribution depends only on ``(seed, permutations, chunk_size)`` — never on the
number of workers, on which worker ran which chunk, or on whether Dask was used at all. The
chunks run as Dask tasks on a Client (the prepared index set is scattered to the workers once)
or one after another in this process.

The null models are those of PySAL ``segregation`` (``null_approach``):

``systematic``
    every unit draws group and non-group members with the same probability, its share of the
    total population (two multinomial draws; unit totals vary).
``evenness``
    every unit draws its group members from its fixed total with the region's group share
    (binomial draws).
``bootstrap``
    units resampled with replacement; gives a confidence interval of the index itself.

The indices are evaluated with :class:`binational.concentration.indices.IndexSet`, the
vectorised evaluator the concentration module uses, on whole chunks at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._log import get_logger
from ..errors import IndexInputError
from ..schema import POP_TOTAL

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "DEFAULT_CHUNK",
    "NULLS",
    "NullDistribution",
    "chunk_plan",
    "distributed_draws",
    "null_distribution",
]

log = get_logger(__name__)

DEFAULT_CHUNK = 100
NULLS = ("systematic", "evenness", "bootstrap")


def chunk_plan(
    permutations: int, *, seed: int | np.random.SeedSequence, chunk_size: int = DEFAULT_CHUNK
) -> list[tuple[int, np.random.SeedSequence]]:
    """(size, seed sequence) of each chunk: sizes sum to ``permutations``.

    The plan depends only on its arguments, which is what makes a split run reproducible.
    """
    if permutations < 1:
        raise IndexInputError(f"permutations must be at least 1, got {permutations}")
    if chunk_size < 1:
        raise IndexInputError(f"chunk_size must be at least 1, got {chunk_size}")
    n_chunks = math.ceil(permutations / chunk_size)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    sizes = [chunk_size] * (n_chunks - 1) + [permutations - chunk_size * (n_chunks - 1)]
    return list(zip(sizes, root.spawn(n_chunks), strict=True))


def _run_chunk(simulate, size: int, seq: np.random.SeedSequence, kwargs: Mapping[str, Any]):
    return simulate(size, np.random.default_rng(seq), **kwargs)


def distributed_draws(
    simulate: Callable[..., Mapping[str, np.ndarray] | np.ndarray],
    *,
    permutations: int,
    seed: int | np.random.SeedSequence,
    chunk_size: int = DEFAULT_CHUNK,
    client: Client | None = None,
    **kwargs: Any,
) -> dict[str, np.ndarray] | np.ndarray:
    """Run ``simulate(size, rng, **kwargs)`` chunk by chunk and concatenate the draws.

    Parameters
    ----------
    simulate
        Returns ``size`` simulated statistics: an array of length ``size`` or a dict of them.
    permutations, seed, chunk_size
        Total number of draws, root seed, draws per chunk (see :func:`chunk_plan`).
    client
        A ``distributed.Client``: chunks become Dask tasks (large ``kwargs`` values are
        scattered to the workers once). None: chunks run in this process.
    **kwargs
        Passed to every call of ``simulate``.

    Returns
    -------
    numpy.ndarray or dict of numpy.ndarray
        The draws in chunk order, identical for the same seed whatever the client.
    """
    plan = chunk_plan(permutations, seed=seed, chunk_size=chunk_size)
    if client is None:
        parts = [_run_chunk(simulate, size, seq, kwargs) for size, seq in plan]
    else:
        shared = client.scatter(dict(kwargs), broadcast=True) if kwargs else {}
        futures = [
            client.submit(_run_chunk, simulate, size, seq, shared, pure=False) for size, seq in plan
        ]
        parts = client.gather(futures)
    if isinstance(parts[0], Mapping):
        return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
    return np.concatenate([np.asarray(p) for p in parts])


# ---------------------------------------------------------------------------------------------
# segregation nulls on an IndexSet


def _simulate(size: int, rng: np.random.Generator, *, iset, x, t, null: str):
    if null == "bootstrap":
        idx = rng.integers(0, len(x), size=(size, len(x)))
        return iset.bootstrap(x, t, idx)
    if null == "systematic":
        p = t / t.sum()
        xs = rng.multinomial(round(float(x.sum())), p, size=size).astype(float)
        ys = rng.multinomial(round(float((t - x).sum())), p, size=size).astype(float)
        return iset(xs, xs + ys)
    share = x.sum() / t.sum()
    xs = rng.binomial(np.round(t).astype(np.int64), share, size=(size, len(t))).astype(float)
    return iset(xs, np.broadcast_to(t, xs.shape))


@dataclass
class NullDistribution:
    """Observed indices and their simulated distribution.

    Attributes
    ----------
    observed
        Index name → observed value.
    draws
        One row per simulation, one column per index.
    null, seed, chunk_size
        How the draws were made.
    """

    observed: pd.Series
    draws: pd.DataFrame
    null: str
    seed: int
    chunk_size: int

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: index, value, null mean, p-value, interval.

        For permutation nulls the p-value is two-tailed in PySAL segregation's manner
        (``2 * min(P(null > value), 1 - P(null > value))``) and the interval is the central
        ``level`` range of the null; for the bootstrap the interval is the percentile interval
        of the index and the p-value tests index = 0.
        """
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        rows = []
        for name, value in self.observed.items():
            sims = self.draws[name].to_numpy()
            sims = sims[np.isfinite(sims)]
            point = 0.0 if self.null == "bootstrap" else value
            above = float(np.mean(sims > point)) if len(sims) else np.nan
            rows.append(
                {
                    "index": name,
                    "value": float(value),
                    "null": self.null,
                    "null_mean": float(np.mean(sims)) if len(sims) else np.nan,
                    "p_value": 2 * min(above, 1 - above),
                    "ci_low": float(np.quantile(sims, lo)) if len(sims) else np.nan,
                    "ci_high": float(np.quantile(sims, hi)) if len(sims) else np.nan,
                    "draws": len(sims),
                    "seed": self.seed,
                }
            )
        return pd.DataFrame(rows)


def null_distribution(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    indices: str | Sequence[str] | None = None,
    null: str = "systematic",
    permutations: int = 999,
    seed: int = 0,
    client: Client | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    dropna: bool = False,
    **index_kwargs: Any,
) -> NullDistribution:
    """Simulated null (or bootstrap) distribution of global single-group indices, in chunks.

    Parameters
    ----------
    units
        Unit table of one region (GeoDataFrame in a projected CRS for spatial indices).
    group, total
        Count columns.
    indices
        Index names (:mod:`binational.concentration.indices`); default the aspatial and
        kernel-environment set.
    null
        ``"systematic"``, ``"evenness"`` or ``"bootstrap"``.
    permutations, seed, chunk_size
        Number of draws, root seed and draws per chunk: the result depends on these only.
    client
        Split the chunks across this Dask cluster; None runs them here.
    dropna
        Drop units with missing counts (else an error).
    **index_kwargs
        Passed to :meth:`IndexSet.build` (``bandwidth``, ``atkinson_b``, ...).

    Returns
    -------
    NullDistribution
    """
    from ..concentration._validate import counts
    from ..concentration.indices import IndexSet

    if null not in NULLS:
        raise IndexInputError(f"null must be one of {', '.join(NULLS)}, got {null!r}")
    c = counts(units, group, total, dropna=dropna, what="null distribution")
    sub = units if c.keep.all() else units[c.keep]
    iset = IndexSet.build(sub, indices, **index_kwargs)
    if null == "bootstrap":
        iset.names = iset.bootstrap_names()
    observed = pd.Series({k: float(v) for k, v in iset(c.x, c.total).items()}, name=group)
    draws = distributed_draws(
        _simulate,
        permutations=permutations,
        seed=seed,
        chunk_size=chunk_size,
        client=client,
        iset=iset,
        x=c.x,
        t=c.total,
        null=null,
    )
    return NullDistribution(
        observed=observed,
        draws=pd.DataFrame(draws)[list(observed.index)],
        null=null,
        seed=int(seed),
        chunk_size=int(chunk_size),
    )
