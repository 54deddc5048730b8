"""Fit per purpose on all periods, then leave one period out: held-out shares and parameter
rows (the wait-sign rule of :func:`binational.commuting.commuting`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..errors import SchemaError
from .fit import ChoiceFit, TripCells, fit_choice
from .model import ChoiceDesign, conditional_probabilities, option_probabilities
from .periods import period_of

log = get_logger(__name__)


def _fit_rows(purpose, period, options, names, obs, pred, ins, trips, recs):
    rows = []
    for k in range(len(options)):
        rows.append(
            {
                "purpose": purpose,
                "period": period,
                schema.PORT_CODE: int(options[schema.PORT_CODE].iloc[k]),
                "port_name": names.get(int(options[schema.PORT_CODE].iloc[k]), ""),
                "lane": options["lane"].iloc[k],
                "observed_share": obs[k],
                "predicted_share": pred[k],
                "in_sample_share": ins[k],
                "observed_trips": trips[k],
                "records": recs[k],
            }
        )
    return rows


def _fit(design, cells, *, wait_sign, separate_wait, fixed, **kw) -> ChoiceFit:
    if wait_sign not in ("nonpositive", "free"):
        raise SchemaError(f"wait_sign {wait_sign!r}: use 'nonpositive' or 'free'")
    fit = fit_choice(design, cells, separate_wait=separate_wait, fixed=fixed, **kw)
    free_wait = separate_wait and "beta_wait" not in dict(fixed or {})
    if wait_sign == "nonpositive" and free_wait and fit.params["beta_wait"] > 0:
        est, se = float(fit.params["beta_wait"]), float(fit.se["beta_wait"])
        log.warning(
            "wait coefficient estimated at %+.4f (SE %.4f) > 0: refitted at 0 (wait_sign)", est, se
        )
        kw.pop("start", None)
        fit = fit_choice(
            design,
            cells,
            separate_wait=separate_wait,
            fixed={**dict(fixed or {}), "beta_wait": 0.0},
            start=np.where(fit.params.index == "beta_wait", 0.0, fit.theta),
            **kw,
        )
        fit.unconstrained = {"beta_wait": (est, se)}
    return fit


def _share_se(survey, fit_table, direction, periods) -> np.ndarray:
    """Sampling standard error of each observed share: ``sqrt(p (1 - p) / n_eff)`` with Kish's
    effective sample size ``(Σw)² / Σw²`` of the period's survey records (expanded weights)."""
    s = survey[survey["direction"] == direction]
    per = period_of(s["hour"], periods)
    neff = {}
    for (purpose, period), w in s["weight"].groupby([s["purpose"].to_numpy(), per]):
        neff[(purpose, period)] = w.sum() ** 2 / (w**2).sum()
    n = np.array(
        [
            neff.get((a, b), np.nan)
            for a, b in zip(fit_table["purpose"], fit_table["period"], strict=True)
        ]
    )
    p = fit_table["observed_share"].to_numpy(dtype=float)
    return np.sqrt(p * (1 - p) / n)


def _param_rows(purpose: str, fit: ChoiceFit, **extra) -> pd.DataFrame:
    t = fit.table()
    unc = getattr(fit, "unconstrained", {})
    t["unconstrained_estimate"] = [unc.get(n, (np.nan, np.nan))[0] for n in t["parameter"]]
    t["unconstrained_se"] = [unc.get(n, (np.nan, np.nan))[1] for n in t["parameter"]]
    t.insert(0, "purpose", purpose)
    for k, v in extra.items():
        t.insert(1, k, v)
    t["loglik"] = fit.loglik
    t["loglik_null"] = fit.loglik_null
    t["n_records"] = fit.n_records
    t["n_trips"] = fit.n_trips
    t["converged"] = fit.converged
    return t


def _fit_purpose(
    design: ChoiceDesign,
    tc: TripCells,
    *,
    purpose: str,
    periods: Mapping[str, tuple[int, ...]],
    names: Mapping[int, str],
    likelihood: str,
    separate_wait: bool,
    wait_sign: str,
    fixed: Mapping[str, float] | None,
) -> tuple[ChoiceFit, pd.DataFrame, list[pd.DataFrame], list[dict]]:
    """Fit one purpose on all periods, then leave each period out in turn.

    Returns the fit on all periods, its parameter rows, the held-out fits' parameter rows and
    the fit-table rows (held-out and in-sample shares per period and option).
    """
    options = design.options
    held_params, fit_rows = [], []
    kw = dict(likelihood=likelihood, separate_wait=separate_wait, fixed=fixed)
    full = _fit(design, tc, wait_sign=wait_sign, **kw)
    params = _param_rows(purpose, full)
    p_in = conditional_probabilities(
        full.theta, design, tc.origin, tc.dest, tc.hour, separate_wait=separate_wait
    )
    hour_period = period_of(np.arange(24), periods)
    cell_period = hour_period[tc.hour]
    for period in periods:
        held_mask = cell_period == period
        if not held_mask.any():
            continue
        held = _fit(design, tc.subset(~held_mask), wait_sign=wait_sign, start=full.theta, **kw)
        held_params.append(_param_rows(purpose, held, held_out=period))
        out = tc.subset(held_mask)
        n = out.trips
        p_out = conditional_probabilities(
            held.theta, design, out.origin, out.dest, out.hour, separate_wait=separate_wait
        )
        p_org = option_probabilities(
            held.theta, design, list(range(24)), separate_wait=separate_wait
        )[out.hour, out.origin]
        onehot = np.zeros((len(out), len(options)))
        onehot[np.arange(len(out)), out.option] = 1.0
        obs = (n[:, None] * onehot).sum(axis=0) / n.sum()
        pred = (n[:, None] * p_out).sum(axis=0) / n.sum()
        pred_o = (n[:, None] * p_org).sum(axis=0) / n.sum()
        ins = (n[:, None] * p_in[held_mask]).sum(axis=0) / n.sum()
        trips_k = (n[:, None] * onehot).sum(axis=0)
        recs_k = (out.records[:, None] * onehot).sum(axis=0)
        rows = _fit_rows(purpose, period, options, names, obs, pred, ins, trips_k, recs_k)
        for r_, po in zip(rows, pred_o, strict=True):
            r_["predicted_share_origin_only"] = po
        fit_rows += rows
    return full, params, held_params, fit_rows
