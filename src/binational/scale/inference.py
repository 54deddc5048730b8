"""Permutation and bootstrap inference of one large region, split across Dask workers.

The simulations are cut into chunks of a fixed size (``chunk_size``, default 100). Chunk ``k``
draws from its own generator, ``numpy.random.default_rng(SeedSequence([seed, stream])
.spawn(n)[k])`` (stream 1 for nulls, 2 for the bootstrap, the concentration module's stream
numbers), so the null distribution depends only on ``(seed, permutations, chunk_size)`` — never on the
number of workers, on which worker ran which chunk, or on whether Dask was used at all. The
chunks run as Dask tasks on a Client (the prepared index set is scattered to the workers once)
or one after another in this process.

The null models and the index evaluation are the concentration module's own
(:func:`binational.concentration.inference.run_null` and ``run_bootstrap`` on an
:class:`~binational.concentration.indices.IndexSet`), called once per chunk with the chunk's
generator: ``systematic``, ``permutation`` and ``evenness`` nulls, and ``bootstrap`` resampling
of units for confidence intervals. With ``chunk_size=None`` everything is drawn from the single
stream the concentration module uses for the same seed, which reproduces its own result.
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
    "NullDistribution",
    "chunk_plan",
    "distributed_draws",
    "null_distribution",
]

log = get_logger(__name__)

DEFAULT_CHUNK = 100


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
# segregation nulls through the concentration module's public inference functions


def _simulate(size: int, rng: np.random.Generator, *, iset, x, t, null: str, spatial: bool):
    from ..concentration.inference import run_bootstrap, run_null

    if null == "bootstrap":
        return run_bootstrap(iset, x, t, replicates=size, rng=rng, spatial=spatial)
    return run_null(iset, x, t, null=null, permutations=size, rng=rng)


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
        How the draws were made (``chunk_size`` None: one stream, as the concentration
        module draws it).
    """

    observed: pd.Series
    draws: pd.DataFrame
    null: str
    seed: int
    chunk_size: int | None

    def summary(self, *, level: float = 0.95, alternative: str = "two-sided") -> pd.DataFrame:
        """Tidy table in the layout of the concentration module's inference table.

        Permutation nulls give ``p_value`` (:func:`binational.concentration.inference.p_value`),
        ``null_mean`` and ``null_std``; the bootstrap gives the percentile interval
        ``ci_low``/``ci_high`` of the index.
        """
        from ..concentration.inference import _percentiles, p_value

        rows = []
        for name, value in self.observed.items():
            sims = self.draws[name].to_numpy(dtype=float)
            good = int((~np.isnan(sims)).sum())
            row = {"index": name, "value": float(value), "ci_low": np.nan, "ci_high": np.nan}
            if self.null == "bootstrap":
                row["ci_low"], row["ci_high"] = _percentiles(sims, level)
                row.update(p_value=np.nan, null="", null_mean=np.nan, null_std=np.nan)
            else:
                row.update(
                    p_value=p_value(value, sims, alternative),
                    null=self.null,
                    null_mean=float(np.nanmean(sims)) if good else np.nan,
                    null_std=float(np.nanstd(sims)) if good else np.nan,
                )
            row.update(permutations=good, seed=self.seed)
            rows.append(row)
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
    chunk_size: int | None = DEFAULT_CHUNK,
    dropna: bool = False,
    spatial_bootstrap: bool = False,
    **index_options: Any,
) -> NullDistribution:
    """Simulated null (or bootstrap) distribution of global single-group indices, in chunks.

    Parameters
    ----------
    units
        Unit table of one region (GeoDataFrame in a projected CRS for spatial indices).
    group, total
        Count columns.
    indices
        Index names (:mod:`binational.concentration.indices`); default its default set.
    null
        ``"systematic"``, ``"permutation"``, ``"evenness"`` (see
        :mod:`binational.concentration.inference`) or ``"bootstrap"``.
    permutations, seed, chunk_size
        Number of draws, root seed and draws per chunk: the result depends on these only.
        ``chunk_size=None`` draws everything from the one stream the concentration module uses
        for the same seed (one task; equal to its own result).
    client
        Split the chunks across this Dask cluster; None runs them here.
    dropna
        Drop units with missing counts (else an error).
    spatial_bootstrap
        Also bootstrap the kernel-environment indices (off by default, as in the concentration
        module: resampling duplicates locations, which biases them).
    **index_options
        Passed to :meth:`IndexSet.build` (``bandwidth``, ``atkinson_b``, ...).

    Returns
    -------
    NullDistribution
    """
    from ..concentration._validate import counts
    from ..concentration.indices import IndexSet
    from ..concentration.inference import NULLS as CONCENTRATION_NULLS
    from ..concentration.inference import rng_for

    if null != "bootstrap" and null not in CONCENTRATION_NULLS:
        raise IndexInputError(
            f"null must be one of {', '.join((*CONCENTRATION_NULLS, 'bootstrap'))}, got {null!r}"
        )
    c = counts(units, group, total, dropna=dropna, what="null distribution")
    sub = units if c.keep.all() else units[c.keep]
    iset = IndexSet.build(sub, indices, **index_options)
    observed = pd.Series({k: float(v) for k, v in iset(c.x, c.total).items()}, name=group)
    stream = 2 if null == "bootstrap" else 1  # the concentration module's stream numbers
    kwargs = {"iset": iset, "x": c.x, "t": c.total, "null": null, "spatial": spatial_bootstrap}
    if chunk_size is None:
        draws = _simulate(permutations, rng_for(seed, stream), **kwargs)
    else:
        draws = distributed_draws(
            _simulate,
            permutations=permutations,
            seed=np.random.SeedSequence([int(seed), stream]),
            chunk_size=chunk_size,
            client=client,
            **kwargs,
        )
    frame = pd.DataFrame(draws)
    if null == "bootstrap":
        observed = observed[[n for n in observed.index if n in frame.columns]]
    return NullDistribution(
        observed=observed,
        draws=frame[list(observed.index)],
        null=null,
        seed=int(seed),
        chunk_size=chunk_size,
    )
