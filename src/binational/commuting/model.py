"""Port × lane multinomial logit for cross-border trips, fitted to survey aggregates.

The model
---------
A trip from origin unit ``o`` (one side of the border) at hour ``h`` chooses a destination unit
``d`` on the other side and an option ``k = (port p, lane l)``. Its utility is::

    V(o, d, k, h) = ln(1 + S_d) + α_k + β_drive · (a(o, k) + e(p, d)) + β_wait · w(k, h)

- ``S_d`` is the **size** of the destination (e.g. workers for work trips, population
  otherwise); its log enters with coefficient 1, the usual form for a destination choice among
  zones of unequal size, as ``ln(1 + S_d)`` so that a unit of size 0 keeps a small chance (the
  form of SANDAG's cross-border tour destination model, ``np.log1p(size_term)`` in
  ``SANDAG/ABM`` ``src/asim/configs/crossborder/tour_od_choice.csv``);
- ``a(o, k)`` the minutes from ``o`` to port ``p`` and across (drive; walk for pedestrian
  lanes), ``e(p, d)`` the minutes from the far end of the port to ``d``, ``w(k, h)`` the wait
  in lane ``l`` of port ``p`` at hour ``h``; the generalised time is ``a + w + e``;
- ``α_k`` an option constant (0 for the first option): it carries what times cannot, above
  all that Ready Lane and SENTRI need a card that only some travellers hold;
- by default ``β_drive = β_wait = β`` (one value of time, ``separate_wait=False``).

Because the time is a sum, the sum over destinations factorises::

    P(k | o, h) ∝ exp(α_k + β_drive a(o,k) + β_wait w(k,h) + ln D_p),
    ln D_p = ln Σ_d (1 + S_d) exp(β_drive e(p, d))

so probabilities over ``n_o × n_d × K`` options cost ``O((n_o + n_d) · K)``.

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
log-likelihood is maximised with ``scipy.optimize.minimize`` (BFGS, analytic gradient);
standard errors come from the inverse of the negative Hessian (central differences of the
analytic gradient). A fit that does not converge, or whose Hessian is not negative definite,
raises :class:`ConvergenceError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import logsumexp

from .. import schema
from .._log import get_logger
from ..errors import BinationalError, SchemaError

__all__ = [
    "ChoiceDesign",
    "ChoiceFit",
    "ConvergenceError",
    "TripCells",
    "conditional_probabilities",
    "fit_choice",
    "loglik",
    "n_coefficients",
    "option_probabilities",
    "param_names",
    "predict_shares",
]

log = get_logger(__name__)


class ConvergenceError(BinationalError, RuntimeError):
    """The maximum-likelihood fit did not converge (or its Hessian is not invertible)."""


@dataclass(frozen=True)
class ChoiceDesign:
    """Everything the choice model needs, as arrays (no frames, no geometry).

    Attributes
    ----------
    options
        ``port_code, lane, walk`` per option ``k`` (``K`` rows, in the order of the arrays).
    access
        ``n_o × K`` minutes from each origin to the option's port and across (``inf``: cannot).
    egress
        ``P × n_d`` minutes from each port's far end to each destination (``P`` ports in the
        order of ``ports``).
    ports
        Port codes of the rows of ``egress``.
    origin_weight
        ``n_o`` trip weights of the origins (``π``; need not sum to 1).
    size
        ``n_d`` size term of the destinations (> 0 where a destination can be chosen).
    waits
        ``K × 24`` minutes of wait per option and hour.
    lanes_open
        Optional ``K × 24`` lanes open per option and hour: adds ``γ · ln(1 + lanes open)`` to
        the utility (parameter ``gamma_lanes``), the lane's availability at that hour.
    port_capacity
        With ``lanes_open``, also add ``γ_port · ln(1 + booths open at the option's port)``
        (parameter ``gamma_port``; the sum of ``lanes_open`` over the port's options at that
        hour): how many booths a port has open draws trips to the port as a whole, apart from
        how they are split between its lanes.
    """

    options: pd.DataFrame
    access: np.ndarray
    egress: np.ndarray
    ports: tuple[int, ...]
    origin_weight: np.ndarray
    size: np.ndarray
    waits: np.ndarray
    lanes_open: np.ndarray | None = None
    port_capacity: bool = False

    def __post_init__(self):
        k = len(self.options)
        n_o, n_d = self.access.shape[0], self.egress.shape[1]
        if self.access.shape != (n_o, k):
            raise SchemaError(f"access is {self.access.shape}, expected (n_origins, {k})")
        if self.egress.shape != (len(self.ports), n_d):
            raise SchemaError(f"egress is {self.egress.shape}, expected ({len(self.ports)}, n_d)")
        if self.waits.shape != (k, 24):
            raise SchemaError(f"waits is {self.waits.shape}, expected ({k}, 24)")
        if len(self.origin_weight) != n_o or len(self.size) != n_d:
            raise SchemaError("origin_weight / size do not match access / egress")
        if not np.isfinite(self.waits).all() or (self.waits < 0).any():
            raise SchemaError("waits must be finite and >= 0 for every option and hour")
        if self.lanes_open is not None:
            lo = np.asarray(self.lanes_open, dtype=float)
            if lo.shape != (k, 24) or not np.isfinite(lo).all() or (lo < 0).any():
                raise SchemaError(f"lanes_open must be a ({k}, 24) array of counts >= 0")
        if self.port_capacity and self.lanes_open is None:
            raise SchemaError("port_capacity needs lanes_open (booths open per option and hour)")
        if (np.asarray(self.origin_weight) < 0).any() or (np.asarray(self.size) < 0).any():
            raise SchemaError("origin weights and sizes must be >= 0")
        unknown = set(self.options[schema.PORT_CODE]) - set(self.ports)
        if unknown:
            raise SchemaError(f"options at port(s) {sorted(unknown)} without egress times")

    @property
    def capacity(self) -> np.ndarray:
        """``ln(1 + lanes open)`` (``K × 24``; zeros without ``lanes_open``)."""
        if self.lanes_open is None:
            return np.zeros((len(self.options), 24))
        return np.log1p(np.asarray(self.lanes_open, dtype=float))

    @property
    def capacity_terms(self) -> list[np.ndarray]:
        """The ``K × 24`` capacity regressors: ``ln(1 + lanes open)`` and, with
        ``port_capacity``, ``ln(1 + booths open at the port)``."""
        if self.lanes_open is None:
            return []
        lo = np.asarray(self.lanes_open, dtype=float)
        terms = [np.log1p(lo)]
        if self.port_capacity:
            pidx = self.port_index
            port_total = np.zeros((len(self.ports), 24))
            np.add.at(port_total, pidx, lo)
            terms.append(np.log1p(port_total[pidx]))
        return terms

    @property
    def port_index(self) -> np.ndarray:
        pos = {p: i for i, p in enumerate(self.ports)}
        return np.array([pos[p] for p in self.options[schema.PORT_CODE]], dtype=int)

    @property
    def labels(self) -> list[str]:
        return [
            f"{p}_{ln}"
            for p, ln in zip(self.options[schema.PORT_CODE], self.options["lane"], strict=True)
        ]


def param_names(design: ChoiceDesign, *, separate_wait: bool = False) -> list[str]:
    """Parameter names: ``beta_time`` (or ``beta_drive``, ``beta_wait``) then ``asc_<port>_<lane>``.

    Parameters
    ----------
    design
        The choice design.
    separate_wait
        Separate drive and wait coefficients.

    Returns
    -------
    list of str
    """
    head = ["beta_drive", "beta_wait"] if separate_wait else ["beta_time"]
    if design.lanes_open is not None:
        head.append("gamma_lanes")
    if design.port_capacity:
        head.append("gamma_port")
    return head + [f"asc_{lab}" for lab in design.labels[1:]]


def n_coefficients(design: ChoiceDesign, separate_wait: bool) -> int:
    """Number of leading coefficients before the option constants."""
    return (2 if separate_wait else 1) + len(design.capacity_terms)


def _dest_terms(beta: float, design: ChoiceDesign) -> tuple[np.ndarray, np.ndarray]:
    """``ln D_p`` and the mean egress ``E_p[e]`` under the destination weights, per port."""
    ln_size = np.log1p(np.asarray(design.size, dtype=float))
    eg = design.egress
    finite = np.isfinite(eg) & np.isfinite(ln_size)[None, :]
    z = np.where(finite, ln_size[None, :] + beta * np.where(finite, eg, 0.0), -np.inf)
    ln_d = logsumexp(z, axis=1)
    with np.errstate(invalid="ignore"):  # rows with no reachable destination: NaN, masked
        w = np.exp(z - ln_d[:, None])
        mean_e = np.where(np.isfinite(ln_d), np.sum(np.where(finite, w * eg, 0.0), axis=1), np.nan)
    return ln_d, mean_e


def _split(theta: np.ndarray, separate_wait: bool, design: ChoiceDesign | None = None):
    """``(b_drive, b_wait, alpha)``; with a design, ``alpha`` excludes ``gamma_lanes``."""
    theta = np.asarray(theta, dtype=float)
    b_drive = theta[0]
    b_wait = theta[1] if separate_wait else theta[0]
    start = 2 if separate_wait else 1
    if design is not None:
        start += len(design.capacity_terms)
    alpha = np.r_[0.0, theta[start:]]
    return b_drive, b_wait, alpha


def _gammas(theta, separate_wait: bool, design: ChoiceDesign) -> np.ndarray:
    start = 2 if separate_wait else 1
    return np.asarray(theta, dtype=float)[start : start + len(design.capacity_terms)]


def _capacity_utility(theta, separate_wait: bool, design: ChoiceDesign) -> np.ndarray:
    """``Σ_j γ_j C_j``: the capacity part of the utility (``K × 24``)."""
    out = np.zeros((len(design.options), 24))
    for g, term in zip(_gammas(theta, separate_wait, design), design.capacity_terms, strict=True):
        out = out + g * term
    return out


def _utilities(theta, design: ChoiceDesign, hours: Sequence[int], separate_wait: bool):
    b_drive, b_wait, alpha = _split(theta, separate_wait, design)
    if len(alpha) != len(design.options):
        raise SchemaError(
            f"{len(theta)} parameters for {len(design.options)} options "
            f"(expected {len(param_names(design, separate_wait=separate_wait))})"
        )
    cap = _capacity_utility(theta, separate_wait, design)
    ln_d, mean_e = _dest_terms(b_drive, design)
    pidx = design.port_index
    ok = np.isfinite(design.access) & np.isfinite(ln_d[pidx])[None, :]
    acc = np.where(ok, design.access, 0.0)
    w = design.waits[:, list(hours)].T  # H × K
    v = (
        alpha[None, None, :]
        + b_drive * acc[None]
        + b_wait * w[:, None, :]
        + cap[:, list(hours)].T[:, None, :]
        + np.where(ok, ln_d[pidx][None, :], 0.0)[None]
    )
    v = np.where(ok[None], v, -np.inf)
    return v, ok, acc, w, mean_e[pidx]


def option_probabilities(
    theta, design: ChoiceDesign, hours: Sequence[int], *, separate_wait: bool = False
) -> np.ndarray:
    """``P(k | o, h)``: an ``H × n_o × K`` array (rows of an origin that reaches no option: 0).

    Parameters
    ----------
    theta
        Parameters (see :func:`param_names`).
    design
        The choice design.
    hours
        Hours of day.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.

    Returns
    -------
    numpy.ndarray
        ``H × n_o × K`` probabilities.
    """
    v = _utilities(theta, design, hours, separate_wait)[0]
    top = np.max(v, axis=2, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    ev = np.exp(v - top)
    tot = ev.sum(axis=2, keepdims=True)
    return np.divide(ev, tot, out=np.zeros_like(ev), where=tot > 0)


def _pi(design: ChoiceDesign, ok: np.ndarray) -> np.ndarray:
    pi = np.asarray(design.origin_weight, dtype=float) * ok.any(axis=1)
    if pi.sum() <= 0:
        raise SchemaError("no origin with a positive weight reaches any option")
    return pi / pi.sum()


def predict_shares(
    theta, design: ChoiceDesign, hours: Sequence[int], *, separate_wait: bool = False
) -> np.ndarray:
    """Predicted option shares ``s(h, k) = Σ_o π_o P(k | o, h)``: an ``H × K`` array.

    Parameters
    ----------
    theta
        Parameters (see :func:`param_names`).
    design
        The choice design.
    hours
        Hours of day.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.

    Returns
    -------
    numpy.ndarray
        ``H × K`` shares.
    """
    prob = option_probabilities(theta, design, hours, separate_wait=separate_wait)
    _, ok, *_ = _utilities(theta, design, hours, separate_wait)
    return np.einsum("o,hok->hk", _pi(design, ok), prob)


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


LIKELIHOODS = ("joint", "conditional")


def conditional_probabilities(
    theta, design: ChoiceDesign, origin, dest, hour, *, separate_wait: bool = False
) -> np.ndarray:
    """``P(k | o, d, h)`` for each (origin, destination, hour) triple: an ``n × K`` array."""
    b_drive, b_wait, alpha = _split(theta, separate_wait, design)
    cap = _capacity_utility(theta, separate_wait, design)
    origin, dest, hour = (np.asarray(x, dtype=int) for x in (origin, dest, hour))
    pidx = design.port_index
    t = design.access[origin] + design.egress[pidx][:, dest].T  # n × K
    ok = np.isfinite(t)
    v = (
        alpha[None, :]
        + b_drive * np.where(ok, t, 0.0)
        + b_wait * design.waits[:, hour].T
        + cap[:, hour].T
    )
    v = np.where(ok, v, -np.inf)
    top = np.max(v, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    ev = np.exp(v - top)
    tot = ev.sum(axis=1, keepdims=True)
    return np.divide(ev, tot, out=np.zeros_like(ev), where=tot > 0)


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
    if likelihood not in LIKELIHOODS:
        raise SchemaError(f"likelihood {likelihood!r} must be one of {LIKELIHOODS}")
    n = np.asarray(cells.trips if weights is None else weights, dtype=float)
    b_drive, b_wait, alpha = _split(theta, separate_wait, design)
    if len(alpha) != len(design.options):
        raise SchemaError(
            f"{len(theta)} parameters for {len(design.options)} options "
            f"(expected {len(param_names(design, separate_wait=separate_wait))})"
        )
    pidx = design.port_index
    o, d, h, k = cells.origin, cells.dest, cells.hour, cells.option
    w_all = design.waits[:, h].T  # n × K
    c_terms = [c[:, h].T for c in design.capacity_terms]  # each n × K
    c_all = _capacity_utility(theta, separate_wait, design)[:, h].T  # n × K
    if likelihood == "conditional":
        t_all = design.access[o] + design.egress[pidx][:, d].T  # n × K
        prob = conditional_probabilities(theta, design, o, d, h, separate_wait=separate_wait)
        x_time = np.where(np.isfinite(t_all), t_all, 0.0)
    else:
        ln_d, mean_e = _dest_terms(b_drive, design)
        acc = design.access[o]
        ok = np.isfinite(acc) & np.isfinite(ln_d[pidx])[None, :]
        v = alpha[None, :] + b_drive * np.where(ok, acc, 0.0) + b_wait * w_all + c_all
        v = np.where(ok, v + np.where(ok, ln_d[pidx][None, :], 0.0), -np.inf)
        top = np.max(v, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        ev = np.exp(v - top)
        tot = ev.sum(axis=1, keepdims=True)
        prob = np.divide(ev, tot, out=np.zeros_like(ev), where=tot > 0)
        x_time = np.where(ok, acc + mean_e[pidx][None, :], 0.0)
    rows = np.arange(len(n))
    p_chosen = prob[rows, k]
    if (p_chosen <= 0).any():
        return -np.inf, np.zeros(len(theta))
    ll = float(np.sum(n * np.log(p_chosen)))
    if likelihood == "joint":
        eg = design.egress[pidx[k], d]
        ln_s = np.log1p(np.asarray(design.size, dtype=float)[d])
        if (~np.isfinite(eg)).any() or (~np.isfinite(ln_s)).any():
            return -np.inf, np.zeros(len(theta))
        # ln P(d, k | o) = ln P(k | o) + ln S_d + b e_pd - ln D_p
        ll += float(np.sum(n * (ln_s + b_drive * eg - ln_d[pidx[k]])))
        chosen_time = acc[rows, k] + eg
    else:
        chosen_time = x_time[rows, k]
    grads = []
    chosen_wait = w_all[rows, k]
    if separate_wait:
        grads.append(np.sum(n * (chosen_time - np.sum(prob * x_time, axis=1))))
        grads.append(np.sum(n * (chosen_wait - np.sum(prob * w_all, axis=1))))
    else:
        grads.append(
            np.sum(n * (chosen_time + chosen_wait - np.sum(prob * (x_time + w_all), axis=1)))
        )
    for c in c_terms:
        grads.append(np.sum(n * (c[rows, k] - np.sum(prob * c, axis=1))))
    onehot = np.zeros_like(prob)
    onehot[rows, k] = 1.0
    g_alpha = (n[:, None] * (onehot - prob)).sum(axis=0)[1:]
    return ll, np.r_[np.array(grads, dtype=float), g_alpha]


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


def _hessian(fun, theta: np.ndarray, step: float = 1e-4) -> np.ndarray:
    n = len(theta)
    h = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = step * max(1.0, abs(theta[j]))
        h[:, j] = (fun(theta + e)[1] - fun(theta - e)[1]) / (2 * e[j])
    return (h + h.T) / 2


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
    hours = tuple(sorted(set(int(h) for h in cells.hour)))
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

    def both(theta):
        return loglik(
            theta, design, cells, likelihood=likelihood, separate_wait=separate_wait, weights=scaled
        )

    def neg(x):
        ll, g = both(expand(x))
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(x)
        return -ll, -g[free]

    res = optimize.minimize(
        neg, full0[free], jac=True, method="BFGS", options={"gtol": gtol, "maxiter": maxiter}
    )
    grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else np.inf
    theta_hat = expand(res.x)
    if not res.success and grad_norm > 1e-3:
        raise ConvergenceError(
            f"choice model fit did not converge after {res.nit} iterations: {res.message} "
            f"(largest gradient {grad_norm:.3g}; parameters "
            f"{dict(zip(names, np.round(theta_hat, 4).tolist(), strict=True))})"
        )
    hess = _hessian(lambda x: (None, both(expand(x))[1][free]), res.x)
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
