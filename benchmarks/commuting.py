"""Commuting model: fit and predict for all Tijuana AGEBs × San Diego tracts × ports × lanes.

Ours (:mod:`binational.commuting.model`): the joint destination × port × lane logit, whose sum
over destinations factorises (``ln D_p`` per port), so a likelihood evaluation or a prediction
costs ``O((n_o + n_d) · K)``. Timed: the maximum-likelihood fit of northbound work trips (BFGS
with analytic gradient + the Hessian for standard errors, and the refit with the wait
coefficient at 0 when its free estimate is positive, as ``binational commuting`` does) and the prediction of ``P(k | o, h)``
for every origin, option and hour.

Reference (plain pandas, the same computation without the factorisation): the long table of
every origin × destination × option (798 × 736 × 6 ≈ 3.5 M rows per hour), utilities
``ln(1 + S_d) + α_k + β_drive (a + e) + β_wait w + γ ln(1 + lanes open)``, a log-sum-exp per origin by ``groupby``, and
``P(k | o)`` summed over destinations, at the fitted parameters, for the hours asked (default
three: 7, 12 and 17; the reference is too slow for 24). Both sides are warmed, timed the same
way (best of ``--repeat``) on the same input in the same run; the printed ratio is for the
prediction both sides compute; the fit time (ours) is printed next to the 5 s target. The
predicted probabilities must agree (max |difference| printed).

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/commuting.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

import binational
from binational.commuting import model
from binational.commuting.cells import observed_cells, trip_cells, zone_units
from binational.commuting.choiceset import _lanes_open_grid, _options, _wait_grid
from binational.commuting.design import port_minutes
from binational.commuting.estimate import _fit
from binational.io.lanes import read_sandag_observed_volumes
from binational.io.survey import read_od_survey, read_zone_centroids


def best_of(fn, repeat: int):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def pandas_predict(design: model.ChoiceDesign, theta: np.ndarray, hours) -> np.ndarray:
    """P(k | o, h) from the full origin × destination × option table, plain pandas."""
    b_drive, b_wait = theta[0], theta[1]
    gamma = theta[2] if design.lanes_open is not None else 0.0
    alpha = np.r_[0.0, theta[3 if design.lanes_open is not None else 2 :]]
    n_o, k = design.access.shape
    n_d = design.egress.shape[1]
    acc = pd.DataFrame(
        {
            "o": np.repeat(np.arange(n_o), k),
            "k": np.tile(np.arange(k), n_o),
            "a": design.access.ravel(),
        }
    )
    opt = pd.DataFrame({"k": np.arange(k), "p": design.port_index, "alpha": alpha})
    eg = pd.DataFrame(
        {
            "p": np.repeat(np.arange(design.egress.shape[0]), n_d),
            "d": np.tile(np.arange(n_d), design.egress.shape[0]),
            "e": design.egress.ravel(),
        }
    )
    size = pd.DataFrame({"d": np.arange(n_d), "ln_s": np.log1p(design.size)})
    long = acc.merge(opt, on="k").merge(eg, on="p").merge(size, on="d")
    long = long[np.isfinite(long["a"]) & np.isfinite(long["e"])]
    out = np.zeros((len(hours), n_o, k))
    for i, h in enumerate(hours):
        w = pd.Series(design.waits[:, h], name="w")
        lanes = pd.Series(
            np.log1p(design.lanes_open[:, h]) if design.lanes_open is not None else 0.0,
            index=range(k),
        )
        v = (
            long["ln_s"]
            + long["alpha"]
            + b_drive * (long["a"] + long["e"])
            + b_wait * long["k"].map(w)
            + gamma * long["k"].map(lanes)
        )
        top = v.groupby(long["o"]).transform("max")
        ev = np.exp(v - top)
        num = ev.groupby([long["o"], long["k"]]).sum()
        den = num.groupby(level=0).transform("sum")
        p = (num / den).unstack(fill_value=0.0)
        out[i, p.index.to_numpy()] = p.reindex(columns=range(k), fill_value=0.0).to_numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hours", type=int, nargs="+", default=[7, 12, 17])
    args = ap.parse_args()
    data = Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data"))
    region = binational.load_region("tijuana-san-diego", data_dir=data, network=False)
    survey = read_od_survey(data / "crossings/sandag_ome_crossborder_od_survey_2017.csv")
    zones = read_zone_centroids(data / "osm/tijuana_sandiego_sr11_2017_network.gpkg")
    units = region.units.reset_index(drop=True)
    pm = port_minutes(units, region.ports)
    cells = observed_cells(survey)
    options = _options(cells)
    waits, _ = _wait_grid(
        region.waits,
        options,
        direction="northbound",
        weekday="weekdays",
        precedence=binational.io.lanes.PRECEDENCE,
        wait_fill="nearest",
        fixed=None,
        report=binational.drops.DropReport(),
    )
    design = model.ChoiceDesign(
        options=options,
        access=pm.access(options),
        egress=pm.drive_from,
        ports=pm.ports,
        origin_weight=units["pop_total"].fillna(0).to_numpy()[pm.origin_index],
        size=units["workers"].fillna(0).to_numpy()[pm.dest_index],
        waits=waits,
        lanes_open=_lanes_open_grid(
            read_sandag_observed_volumes(
                data / "crossings/sandag_ome_observed_hourly_volumes_waits_2017.csv"
            ),
            options,
            "northbound",
        ),
    )
    zu = zone_units(zones, units)
    tc = trip_cells(survey, zu, pm, options, purpose="HBW")
    n_o, n_d, k = design.access.shape[0], design.egress.shape[1], len(options)
    print(f"{n_o} origins (AGEBs) x {n_d} destinations (tracts) x {k} options (ports x lanes)")
    print(f"{len(tc)} survey cells (HBW northbound), {int(tc.records.sum())} records")

    def ours_fit_predict():
        fit = _fit(design, tc, wait_sign="nonpositive", separate_wait=True, fixed=None)
        prob = model.option_probabilities(fit.theta, design, range(24), separate_wait=True)
        return fit, prob

    ours_fit_predict()  # warm
    t_all, (fit, _) = best_of(ours_fit_predict, args.repeat)
    theta = fit.theta
    hours = list(args.hours)

    def ours_predict():
        return model.option_probabilities(theta, design, hours, separate_wait=True)

    def ref_predict():
        return pandas_predict(design, theta, hours)

    ours_predict()
    ref_predict()
    t_ours, p_ours = best_of(ours_predict, args.repeat)
    t_ref, p_ref = best_of(ref_predict, args.repeat)
    diff = float(np.max(np.abs(p_ours - p_ref)))
    print(f"fit (ML + Hessian) + predict 24 h, ours:   {t_all:8.3f} s   (target <= 5 s)")
    print(f"  fit iterations {fit.iterations}, log-likelihood {fit.loglik:,.1f}")
    print(f"predict {len(hours)} h, ours:                   {t_ours:8.4f} s")
    print(f"predict {len(hours)} h, pandas reference:       {t_ref:8.3f} s")
    print(f"ratio reference / ours (predict):          {t_ref / t_ours:8.1f} x")
    print(f"max |P ours - P pandas|:                   {diff:.2e}")
    if diff > 1e-9:
        raise SystemExit("predictions differ from the reference")


if __name__ == "__main__":
    main()
