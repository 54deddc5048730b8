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

The fit (likelihood of survey aggregates, maximum likelihood, standard errors) is in
:mod:`binational.commuting.fit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from .. import schema
from ..errors import SchemaError

__all__ = [
    "ChoiceDesign",
    "conditional_probabilities",
    "n_coefficients",
    "option_probabilities",
    "param_names",
    "predict_shares",
]


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
