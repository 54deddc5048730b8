"""Waits that respond to demand: a pivot queue response solved as a fixed point of the logit.

In a scenario (a lane closed, a port opened) the fitted model moves trips between options. The
queues then change: a lane that receives more trips per booth waits longer. The response is a
BPR-style pivot on the observed base waits::

    w'(k, h) = w0(k, h) · (x'(k, h) / x0(k, h)) ** b,    x = volume / booths open

with the scenario volume of an existing option pivoted on its base volume by the model's
shares, ``v' / v0 = s'(k, h) / s0(k, h)`` (the total of trips per hour is held), so that
``x' / x0 = (s' / s0) · (c0 / c')`` with ``c`` the booths open. The waits depend on the shares and
the shares on the waits: the scenario waits are the fixed point ``w = f(s(w))``, found by damped
iteration (method of successive averages). ``b`` is the elasticity of the wait with respect to
volume per booth, estimated on the SANDAG 2017 hourly data (:func:`wait_elasticity`: ln wait
on ln(vehicles per open booth) with a fixed effect per port × lane; 140 northbound lane-hours
with a wait and an open booth: ``b`` = 0.41, robust SE 0.37). The saturated 2017 queues barely
vary in volume per booth, so the estimate is imprecise; it is reported, and ``b`` can be set.

A new port's lanes keep their scenario wait (Otay Mesa East is a tolled port whose toll is set
to hold its wait near a target; SANDAG's configuration caps it at 20 min), so only existing
lanes respond.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..errors import SchemaError
from .fit import ConvergenceError
from .model import ChoiceDesign, predict_shares

__all__ = ["DEFAULT_WAIT_ELASTICITY", "equilibrium_waits", "wait_elasticity"]

log = get_logger(__name__)

#: Elasticity of the wait with respect to volume per open booth: the estimate of
#: :func:`wait_elasticity` on the SANDAG 2017 northbound passenger data (0.408, SE 0.37).
DEFAULT_WAIT_ELASTICITY = 0.41


def wait_elasticity(volumes: pd.DataFrame, booths: pd.DataFrame | None = None) -> dict:
    """Least-squares elasticity of the wait with respect to vehicles per open booth.

    ``ln wait = a_(port, lane) + b · ln(vehicles / booths open)`` over the lane-hours with a
    positive wait, volume and booth count (heteroskedasticity-robust HC1 standard error).

    Parameters
    ----------
    volumes
        :func:`binational.io.lanes.read_sandag_observed_volumes` (``vehicles, wait_minutes``).
    booths
        Optional booths table (``port_code, direction, lane, hour, lanes_open``); default the
        ``lanes_open`` of ``volumes``.

    Returns
    -------
    dict
        ``estimate``, ``se``, ``n``.
    """
    key = [schema.PORT_CODE, "direction", "lane", "hour"]
    v = volumes[[*key, "vehicles", "wait_minutes"]]
    b = (booths if booths is not None else volumes)[[*key, "lanes_open"]]
    m = v.merge(b, on=key)
    m = m[(m["wait_minutes"] > 0) & (m["vehicles"] > 0) & (m["lanes_open"] > 0)]
    if len(m) < 10:
        raise SchemaError(f"{len(m)} lane-hours with a wait, volume and booths: too few")
    x = np.log(m["vehicles"] / m["lanes_open"]).to_numpy()
    y = np.log(m["wait_minutes"]).to_numpy()
    groups = pd.factorize(m[schema.PORT_CODE].astype(str) + m["lane"])[0]
    dummies = np.eye(groups.max() + 1)[groups]
    xmat = np.column_stack([x, dummies])
    coef, *_ = np.linalg.lstsq(xmat, y, rcond=None)
    resid = y - xmat @ coef
    n, p = xmat.shape
    bread = np.linalg.pinv(xmat.T @ xmat)
    meat = (xmat * resid[:, None] ** 2).T @ xmat
    cov = bread @ meat @ bread * n / (n - p)
    return {"estimate": float(coef[0]), "se": float(np.sqrt(cov[0, 0])), "n": int(n)}


def equilibrium_waits(
    theta,
    design: ChoiceDesign,
    *,
    base_shares: np.ndarray,
    base_waits: np.ndarray,
    responds: np.ndarray,
    booth_ratio: np.ndarray | None = None,
    elasticity: float = DEFAULT_WAIT_ELASTICITY,
    separate_wait: bool = False,
    damping: float = 0.5,
    tol: float = 0.01,
    maxiter: int = 500,
) -> tuple[ChoiceDesign, dict]:
    """The scenario design with waits at the fixed point ``w = w0 · ((s(w)/s0) · c0/c') ** b``.

    Parameters
    ----------
    theta, design
        Fitted parameters and the scenario design (its ``waits`` are the starting waits).
    base_shares
        ``K × 24`` base-case shares ``s0`` of the scenario's options (ignored where
        ``responds`` is False).
    base_waits
        ``K × 24`` base waits ``w0``.
    responds
        ``K`` booleans: options whose wait responds (existing lanes; False for a new port).
    booth_ratio
        ``K × 24`` ``c0 / c'`` (default 1: booths unchanged).
    elasticity
        ``b``.
    separate_wait
        As in the fit.
    damping, tol, maxiter
        Step of the averaging, tolerance in minutes and iteration limit.

    Returns
    -------
    design, info
        The design with the equilibrium waits; ``info``: ``iterations``, ``max_change``.

    Raises
    ------
    binational.commuting.ConvergenceError
        If the iteration does not settle within ``maxiter``.
    """
    k = len(design.options)
    responds = np.asarray(responds, dtype=bool)
    s0 = np.asarray(base_shares, dtype=float)
    w0 = np.asarray(base_waits, dtype=float)
    ratio = np.ones((k, 24)) if booth_ratio is None else np.asarray(booth_ratio, dtype=float)
    if s0.shape != (k, 24) or w0.shape != (k, 24) or ratio.shape != (k, 24):
        raise SchemaError(f"base shares, waits and booth ratio must be ({k}, 24) arrays")
    if responds.shape != (k,):
        raise SchemaError(f"responds must have {k} entries")
    if not 0 < damping <= 1:
        raise SchemaError(f"damping {damping} must be in (0, 1]")
    bad = responds[:, None] & ~(s0 > 0)
    if bad.any():
        raise SchemaError("a responding option has a base share of 0: its wait cannot pivot")
    waits = np.array(design.waits, dtype=float)
    change = np.inf
    for it in range(1, maxiter + 1):
        d = dataclasses.replace(design, waits=waits)
        s = predict_shares(theta, d, list(range(24)), separate_wait=separate_wait).T  # K × 24
        with np.errstate(divide="ignore", invalid="ignore"):
            target = w0 * np.power(np.where(responds[:, None], s / s0 * ratio, 1.0), elasticity)
        target = np.where(responds[:, None], target, waits)
        new = (1 - damping) * waits + damping * target
        change = float(np.max(np.abs(new - waits)))
        waits = new
        if change < tol:
            log.info("queue response: fixed point after %d iterations", it)
            return dataclasses.replace(design, waits=waits), {
                "iterations": it,
                "max_change": change,
            }
    raise ConvergenceError(
        f"queue response did not settle after {maxiter} iterations (last change {change:.3g} min)"
    )
