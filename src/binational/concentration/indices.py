"""All global single-group indices at once, on the observed counts or on simulated batches.

:class:`IndexSet` prepares what a set of indices needs once (kernel environment matrix,
proximity matrix, contiguity pairs) and then evaluates every index on arrays of shape
``(..., n)`` — the observed counts, or a whole batch of permuted, bootstrapped or
MOE-simulated populations in one vectorised call. :func:`singlegroup_indices` is the frame-level
entry point.

Index names
-----------
``dissimilarity``, ``gini``, ``entropy``, ``isolation``, ``exposure``, ``correlation_ratio``,
``atkinson`` (aspatial, :mod:`~binational.concentration.singlegroup`);
``spatial_<aspatial name>`` (the same on kernel local environments, e.g.
``spatial_dissimilarity``, ``spatial_isolation``), ``spatial_proximity`` and
``adjusted_dissimilarity`` (:mod:`~binational.concentration.spatial`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import IndexInputError
from ..schema import POP_TOTAL
from ._validate import counts
from .singlegroup import ASPATIAL, BATCH_KERNELS, Batch, check_atkinson_b
from .spatial import (
    DEFAULT_BANDWIDTH,
    _adjusted_dissim,
    _env,
    _spatial_proximity,
    adjacency_for_morrill,
    environment_matrix,
    proximity_matrix,
)
from .weights import WeightsLike, as_spatial_weights

__all__ = ["DEFAULT_INDICES", "IndexSet", "index_names", "singlegroup_indices"]

#: Indices computed when none are named: the aspatial set and three spatial ones.
DEFAULT_INDICES = (
    "dissimilarity",
    "gini",
    "entropy",
    "isolation",
    "exposure",
    "correlation_ratio",
    "atkinson",
    "spatial_proximity",
    "spatial_dissimilarity",
    "spatial_isolation",
)
_EXPLICIT = ("spatial_proximity", "adjusted_dissimilarity")


def kind_of(name: str) -> str:
    """``"aspatial"``, ``"environment"``, ``"proximity"`` or ``"contiguity"``."""
    if name in ASPATIAL:
        return "aspatial"
    if name == "spatial_proximity":
        return "proximity"
    if name == "adjusted_dissimilarity":
        return "contiguity"
    if name.startswith("spatial_") and name[len("spatial_") :] in ASPATIAL:
        return "environment"
    known = [*ASPATIAL, *(f"spatial_{k}" for k in ASPATIAL), *_EXPLICIT]
    raise IndexInputError(f"unknown index {name!r}; known: {', '.join(known)}")


def index_names(indices: str | Sequence[str] | None) -> list[str]:
    """Validate a selection of index names (``None``: :data:`DEFAULT_INDICES`)."""
    if indices is None:
        return list(DEFAULT_INDICES)
    names = [indices] if isinstance(indices, str) else list(indices)
    if not names:
        raise IndexInputError("no index named")
    for name in names:
        kind_of(name)
    return list(dict.fromkeys(names))


@dataclass(eq=False)
class IndexSet:
    """A prepared set of single-group indices over fixed units (see the module notes).

    Build it with :meth:`build`; call it with counts ``x`` and totals ``t`` of shape
    ``(..., n)`` to get ``{name: array of shape (...)}``.
    """

    names: list[str]
    atkinson_b: float = 0.5
    env: sp.csr_array | None = None
    round_counts: bool = True
    prox: np.ndarray | None = None
    adj: sp.coo_array | None = None
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        units,
        names: Sequence[str] | None = None,
        *,
        atkinson_b: float = 0.5,
        bandwidth: float = DEFAULT_BANDWIDTH,
        function: str = "triangular",
        cross_border: bool = True,
        environment_weights: WeightsLike | None = None,
        round_counts: bool = True,
        alpha: float = 0.6,
        beta: float = 0.5,
        contiguity_weights: WeightsLike | None = None,
    ) -> IndexSet:
        """Prepare ``names`` for the rows of ``units`` (geometry needed for spatial indices)."""
        names = index_names(names)
        if environment_weights is not None:
            environment_weights = as_spatial_weights(environment_weights, units)
        if contiguity_weights is not None:
            contiguity_weights = as_spatial_weights(contiguity_weights, units)
        kinds = {n: kind_of(n) for n in names}
        b = check_atkinson_b(atkinson_b)
        env = prox = adj = None
        params: dict[str, str] = {}
        if "environment" in kinds.values():
            env = environment_matrix(
                units,
                bandwidth=bandwidth,
                function=function,
                cross_border=cross_border,
                weights=environment_weights,
            )
            desc = (
                f"kernel={environment_weights.params}"
                if environment_weights is not None
                else f"bandwidth={bandwidth:g} kernel={function}"
            )
            if round_counts:
                desc += " rounded"
        if "proximity" in kinds.values():
            prox = proximity_matrix(units, alpha=alpha, beta=beta)
        if "contiguity" in kinds.values():
            adj = adjacency_for_morrill(units, contiguity_weights)
        for n, k in kinds.items():
            if k == "environment":
                params[n] = desc
                if n.endswith("atkinson"):
                    params[n] += f" b={b:g}"
            elif k == "proximity":
                params[n] = f"alpha={alpha:g} beta={beta:g}"
            elif k == "contiguity":
                params[n] = "queen" if contiguity_weights is None else contiguity_weights.kind
            elif n == "atkinson":
                params[n] = f"b={b:g}"
            else:
                params[n] = ""
        return cls(
            names=names,
            atkinson_b=b,
            env=env,
            round_counts=round_counts,
            prox=prox,
            adj=adj,
            params=params,
        )

    def _aspatial(self, name: str, batch: Batch) -> np.ndarray:
        if name == "atkinson":
            return BATCH_KERNELS[name](batch, shape=self.atkinson_b)
        return BATCH_KERNELS[name](batch)

    def __call__(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        batch = Batch(x, t)
        out: dict[str, np.ndarray] = {}
        env = None
        with np.errstate(divide="ignore", invalid="ignore"):
            for name in self.names:
                kind = kind_of(name)
                if kind == "aspatial":
                    out[name] = self._aspatial(name, batch)
                elif kind == "environment":
                    if env is None:
                        env = Batch(
                            _env(self.env, batch.x, self.round_counts),
                            _env(self.env, batch.t, self.round_counts),
                        )
                    out[name] = self._aspatial(name[len("spatial_") :], env)
                elif kind == "proximity":
                    out[name] = _spatial_proximity(batch.x, batch.t, self.prox)
                else:
                    out[name] = _adjusted_dissim(batch.x, batch.t, self.adj)
        return out

    def bootstrap_names(self, spatial: bool = True) -> list[str]:
        """Indices that :meth:`bootstrap` supports (not SP nor the adjusted D)."""
        kinds = ("aspatial", "environment") if spatial else ("aspatial",)
        return [n for n in self.names if kind_of(n) in kinds]

    def bootstrap(
        self, x: np.ndarray, t: np.ndarray, idx: np.ndarray, names: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Indices on units resampled with replacement (``idx``: ``(R, n)`` row numbers).

        Environments are recomputed among the resampled units (copies of one unit count as
        co-located, kernel weight 1), as PySAL's bootstrap does by recomputing the index on the
        resampled frame.
        """
        out: dict[str, np.ndarray] = {}
        batch = Batch(x[idx], t[idx])
        env = None
        n = len(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            for name in names if names is not None else self.bootstrap_names():
                if kind_of(name) not in ("aspatial", "environment"):
                    raise IndexInputError(f"no bootstrap for {name!r}: it depends on locations")
                if kind_of(name) == "aspatial":
                    out[name] = self._aspatial(name, batch)
                    continue
                if env is None:
                    reps = idx.shape[0]
                    flat = (np.arange(reps)[:, None] * n + idx).ravel()
                    mult = np.bincount(flat, minlength=reps * n).reshape(reps, n).astype(float)
                    ex = np.take_along_axis(_env(self.env, mult * x, False), idx, axis=1)
                    et = np.take_along_axis(_env(self.env, mult * t, False), idx, axis=1)
                    if self.round_counts:
                        ex, et = np.round(ex), np.round(et)
                    env = Batch(ex, et)
                out[name] = self._aspatial(name[len("spatial_") :], env)
        return out


def singlegroup_indices(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    indices: str | Sequence[str] | None = None,
    atkinson_b: float = 0.5,
    bandwidth: float = DEFAULT_BANDWIDTH,
    function: str = "triangular",
    cross_border: bool = True,
    round_counts: bool = True,
    alpha: float = 0.6,
    beta: float = 0.5,
    dropna: bool = False,
) -> pd.Series:
    """Global single-group indices of ``group`` against ``total``.

    Parameters
    ----------
    units
        Unit table (a GeoDataFrame in a projected CRS when spatial indices are asked for).
    group, total
        Count columns.
    indices
        Index names (see the module notes); default :data:`DEFAULT_INDICES`.
    atkinson_b
        Shape parameter of the Atkinson index.
    bandwidth, function, cross_border, round_counts
        Local environment of the ``spatial_*`` indices (see :mod:`.spatial`).
    alpha, beta
        Parameters of the spatial proximity index.
    dropna
        Drop units with missing counts instead of raising.

    Returns
    -------
    pandas.Series
        Index name → value.
    """
    c = counts(units, group, total, dropna=dropna, what="singlegroup indices")
    sub = units if c.keep.all() else units[c.keep]
    iset = IndexSet.build(
        sub,
        indices,
        atkinson_b=atkinson_b,
        bandwidth=bandwidth,
        function=function,
        cross_border=cross_border,
        round_counts=round_counts,
        alpha=alpha,
        beta=beta,
    )
    values = iset(c.x, c.total)
    return pd.Series({k: float(v) for k, v in values.items()}, name=group, dtype=float)
