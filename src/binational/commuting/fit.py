"""Fit of the port × lane logit (:mod:`binational.commuting.model`) to survey aggregates.

Fit
---
Each surveyed trip is placed in its origin and destination units (the survey zones' centroids,
see :func:`binational.io.survey.read_zone_centroids`), so the survey becomes counts ``n`` of
trips per cell ``c = (o, d, h, k)``: the survey aggregated to unit × unit × hour × port × lane.
Two likelihoods:

- ``"joint"`` (default): destination and option together, ``ln P(d, k | o, h)`` with the size
  term; the time coefficient is identified by how far trips go and which port they use;
- ``"conditional"``: the option given the observed origin and destination, ``ln P(k | o, d, h)``
  (a conditional logit; equal to ``statsmodels``' ``ConditionalLogit`` on the same design).

Expanded survey weights are rescaled so that ``Σ n`` equals the number of survey records
(``n_records``), so that standard errors reflect the sample, not the expansion. The
log-likelihood is maximised with ``scipy.optimize.minimize`` (BFGS, analytic gradient, set up
once per fit: :class:`~binational.commuting.likelihood.LogLikelihood`); standard errors come
from the inverse of the negative analytic Hessian. A fit that does not converge, or whose Hessian is not negative definite,
raises :class:`ConvergenceError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from .. import schema
from .._log import get_logger
from ..errors import BinationalError, SchemaError
from .likelihood import LIKELIHOODS, LogLikelihood
from .model import ChoiceDesign, param_names

__all__ = [
    "LIKELIHOODS",
    "ChoiceFit",
    "ConvergenceError",
    "TripCells",
    "fit_choice",
    "loglik",
]

log = get_logger(__name__)


class ConvergenceError(BinationalError, RuntimeError):
    """The maximum-likelihood fit did not converge (or its Hessian is not invertible)."""


@dataclass(frozen=True)
class TripCells:
    """Survey trips aggregated to origin unit × destination unit × hour × option.

    Attributes
    ----------
    origin, dest
        Row of the origin in ``design.access`` and column of the destination in
        ``design.egress``.
    hour, option
        Hour 0–23 and option index ``k``.
    trips
        Expanded trips of the cell (> 0).
    records
        Survey records behind the cell.
    """

    origin: np.ndarray
    dest: np.ndarray
    hour: np.ndarray
    option: np.ndarray
    trips: np.ndarray
    records: np.ndarray

    def __post_init__(self):
        n = len(self.trips)
        for name in ("origin", "dest", "hour", "option", "records"):
            if len(getattr(self, name)) != n:
                raise SchemaError(f"TripCells.{name} has {len(getattr(self, name))} rows, not {n}")
        t = np.asarray(self.trips, dtype=float)
        if (~np.isfinite(t)).any() or (t <= 0).any():
            raise SchemaError("TripCells.trips must be finite and > 0")

    def subset(self, mask) -> TripCells:
        m = np.asarray(mask, dtype=bool)
        return TripCells(
            self.origin[m],
            self.dest[m],
            self.hour[m],
            self.option[m],
            self.trips[m],
            self.records[m],
        )

    def __len__(self) -> int:
        return len(self.trips)


def loglik(
    theta,
    design: ChoiceDesign,
    cells: TripCells,
    *,
    likelihood: str = "joint",
    separate_wait: bool = False,
    weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Log-likelihood of the trip cells and its gradient.

    ``weights`` (default ``cells.trips``) are the counts ``n`` of the cells.

    Parameters
    ----------
    theta
        Parameters (see :func:`param_names`).
    design
        The choice design.
    cells
        Trip cells.
    likelihood
        ``"joint"`` or ``"conditional"``.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.
    weights
        Cell counts.

    Returns
    -------
    (float, numpy.ndarray)
        The log-likelihood and its gradient.
    """
    return LogLikelihood(
        design, cells, likelihood=likelihood, separate_wait=separate_wait, weights=weights
    )(theta)


@dataclass
class ChoiceFit:
    """A fitted port × lane choice model.

    Attributes
    ----------
    params, se
        Estimates and standard errors (Series by :func:`param_names`).
    cov
        Covariance matrix (inverse negative Hessian).
    loglik, loglik_null
        Log-likelihood at the estimate and with all parameters 0 (equal constants, no time).
    n_records, n_trips
        Survey records and expanded trips behind the counts.
    hours
        Hours whose cells were fitted.
    converged, iterations, message
        Optimiser diagnostics.
    separate_wait
        Whether drive and wait have their own coefficients.
    """

    params: pd.Series
    se: pd.Series
    cov: np.ndarray
    loglik: float
    loglik_null: float
    n_records: float
    n_trips: float
    hours: tuple[int, ...]
    converged: bool
    iterations: int
    message: str
    separate_wait: bool = False
    fixed: dict = field(default_factory=dict)
    likelihood: str = "joint"
    unconstrained: dict = field(default_factory=dict)

    @property
    def theta(self) -> np.ndarray:
        return self.params.to_numpy()

    def table(self) -> pd.DataFrame:
        """``parameter, estimate, se, z`` rows."""
        return pd.DataFrame(
            {
                "parameter": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.se.to_numpy(),
                "z": self.params.to_numpy() / self.se.to_numpy(),
                "fixed": [n in self.fixed for n in self.params.index],
            }
        )


def _start_hess_inv(hess: np.ndarray) -> np.ndarray | None:
    """Inverse of the negative Hessian ``hess`` at the starting point, to start BFGS from the
    likelihood's own curvature instead of the identity; None unless positive definite."""
    try:
        inv = np.linalg.inv(-hess)
        inv = (inv + inv.T) / 2  # exactly symmetric, as BFGS checks
        np.linalg.cholesky(inv)
    except np.linalg.LinAlgError:
        return None
    return inv if np.isfinite(inv).all() else None


def fit_choice(
    design: ChoiceDesign,
    cells: TripCells,
    *,
    likelihood: str = "joint",
    scale: str = "records",
    separate_wait: bool = False,
    start: np.ndarray | None = None,
    fixed: Mapping[str, float] | None = None,
    gtol: float = 1e-6,
    maxiter: int = 500,
) -> ChoiceFit:
    """Maximum-likelihood fit of the option constants and time coefficient(s).

    Parameters
    ----------
    design
        :class:`ChoiceDesign`.
    cells
        :class:`TripCells` (the survey aggregated to unit × unit × hour × option).
    likelihood
        ``"joint"`` (destination and option) or ``"conditional"`` (option given destination).
    scale
        ``"records"``: trips rescaled to sum to the number of survey records (standard errors
        of a sample of that size; default); ``"trips"``: expanded trips as they are.
    separate_wait
        Fit ``β_drive`` and ``β_wait`` apart.
    start
        Starting values (default zeros).
    fixed
        ``{parameter name: value}`` held fixed (not estimated; its standard error is NaN).

    Returns
    -------
    ChoiceFit
        Estimates, standard errors, log-likelihood and convergence.

    Raises
    ------
    binational.commuting.ConvergenceError
        If the optimiser stops without converging or the Hessian is not negative definite.
    """
    if scale not in ("records", "trips"):
        raise SchemaError(f"scale {scale!r}: use 'records' or 'trips'")
    if len(cells) == 0:
        raise SchemaError("no trips to fit")
    bad = (cells.option < 0) | (cells.option >= len(design.options))
    if bad.any():
        raise SchemaError(
            f"{int(bad.sum())} cell(s) with an option outside 0-{len(design.options) - 1}"
        )
    chosen = np.bincount(cells.option, minlength=len(design.options))
    never = [
        f"{p}/{ln}"
        for (p, ln), c in zip(
            zip(design.options[schema.PORT_CODE], design.options["lane"], strict=True),
            chosen,
            strict=True,
        )
        if c == 0
    ]
    if never and not all(f"asc_{lab.replace('/', '_')}" in dict(fixed or {}) for lab in never):
        raise ConvergenceError(
            f"option(s) {never} are never chosen in these trips: their constants are not "
            "identified (drop them from the choice set or fix their constants)"
        )
    total = float(np.sum(cells.trips))
    n_rec = float(np.sum(cells.records))
    scaled = cells.trips * (n_rec / total) if scale == "records" else cells.trips
    # the hours present (int() of each distinct value: the same set as of every cell's hour)
    hours = tuple(sorted({int(h) for h in np.unique(np.asarray(cells.hour))}))
    names = param_names(design, separate_wait=separate_wait)
    fixed = dict(fixed or {})
    unknown = sorted(set(fixed) - set(names))
    if unknown:
        raise SchemaError(f"fixed parameter(s) {unknown} not among {names}")
    free = np.array([n not in fixed for n in names])
    full0 = np.zeros(len(names)) if start is None else np.asarray(start, dtype=float).copy()
    for n, v in fixed.items():
        full0[names.index(n)] = float(v)

    def expand(x):
        theta = full0.copy()
        theta[free] = x
        return theta

    both = LogLikelihood(
        design, cells, likelihood=likelihood, separate_wait=separate_wait, weights=scaled
    )

    def neg(x):
        ll, g = both(expand(x))
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(x)
        return -ll, -g[free]

    bfgs = {"gtol": gtol, "maxiter": maxiter}
    hess_inv0 = _start_hess_inv(both.hessian(full0)[np.ix_(free, free)])
    if hess_inv0 is not None:
        bfgs["hess_inv0"] = hess_inv0
    res = optimize.minimize(neg, full0[free], jac=True, method="BFGS", options=bfgs)
    grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
    theta_hat = expand(res.x)
    if not res.success and grad_norm > 1e-3:
        raise ConvergenceError(
            f"choice model fit did not converge after {res.nit} iterations: {res.message} "
            f"(largest gradient {grad_norm:.3g}; parameters "
            f"{dict(zip(names, np.round(theta_hat, 4).tolist(), strict=True))})"
        )
    hess = both.hessian(theta_hat)[np.ix_(free, free)]
    try:
        cov_free = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            "the Hessian at the estimate is singular: a parameter is not identified"
        ) from None
    var_free = np.diag(cov_free)
    if (var_free <= 0).any() or not np.isfinite(var_free).all():
        bad = [n for n, v in zip(np.array(names)[free], var_free, strict=True) if not v > 0]
        raise ConvergenceError(
            f"the Hessian at the estimate is not negative definite (parameter(s) {bad} not "
            "identified by these counts)"
        )
    cov = np.full((len(names), len(names)), np.nan)
    cov[np.ix_(free, free)] = cov_free
    var = np.diag(cov)
    ll0, _ = both(np.zeros(len(names)))
    log.info("choice fit: %d iterations, log-likelihood %.2f (null %.2f)", res.nit, -res.fun, ll0)
    return ChoiceFit(
        params=pd.Series(theta_hat, index=names),
        se=pd.Series(np.sqrt(var), index=names),
        cov=cov,
        loglik=float(-res.fun),
        loglik_null=float(ll0),
        n_records=n_rec,
        n_trips=float(total),
        hours=hours,
        converged=bool(res.success),
        iterations=int(res.nit),
        message=str(res.message),
        separate_wait=separate_wait,
        fixed=fixed,
        likelihood=likelihood,
    )
