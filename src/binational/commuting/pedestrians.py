"""Pedestrian port choice, checked out of sample against BTS pedestrian counts.

The SANDAG 2017 survey covers vehicle trips only, so nothing about pedestrians is fitted. What
the data can defend is a check: pedestrians walk from their unit to a port (straight line ×
circuity at walking speed, :func:`binational.commuting.design.port_minutes`) and wait in its
pedestrian lane; each unit's pedestrians choose a port by a logit in those minutes with the
value of a minute transferred from the vehicle model (``β_drive`` of the fitted purpose) and
no port constants (there are no pedestrian trips to fit them to). The predicted shares of the
ports are compared with the shares of the pedestrians BTS counted entering the United States at
each port in a year (monthly counts summed), data the model never saw.

What this leaves out, and says: the trip beyond the port (trolley, bus, ride) and how many
residents cross on foot at all (only which port they use); ports without a pedestrian lane or
wait, and Cross Border Xpress (a pedestrian bridge for airline passengers only), are not
options.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import lane_waits, require_lane_waits

__all__ = ["AIRPORT_ONLY", "pedestrian_check"]

log = get_logger(__name__)

#: Cross Border Xpress (BTS port 2582): a pedestrian bridge to Tijuana's airport for airline
#: passengers only, not a commuter's option.
AIRPORT_ONLY = (2582,)


def pedestrian_check(
    result,
    *,
    crossings: pd.DataFrame,
    waits: pd.DataFrame | None = None,
    year: int = 2017,
    ports: Sequence[int] | None = None,
    purpose: str = "HBW",
    hours: Sequence[int] = tuple(range(24)),
    weekday="weekdays",
    max_walk_minutes: float | None = 60.0,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Predicted pedestrian port shares against the BTS pedestrian counts of ``year``.

    Parameters
    ----------
    result
        A :class:`binational.commuting.CommutingResult` (its walking minutes, origin weights
        and the ``beta_drive`` of ``purpose``).
    crossings
        BTS long table (``port_code, month, measure, value``; measure ``Pedestrians``).
    waits
        Wait table (default the one the result used).
    year
        Year of the BTS counts.
    ports
        Ports to compare (default: the result's ports with a pedestrian wait and a BTS
        pedestrian count, except :data:`AIRPORT_ONLY`).
    purpose
        Fitted purpose whose time coefficient is transferred.
    hours
        Hours averaged (equal weight).
    weekday
        Weekday filter of the waits.
    max_walk_minutes
        Origins whose nearest port is farther on foot are left out (their residents do not
        walk to the border; None keeps every origin).
    report
        Receives filled pedestrian waits.

    Returns
    -------
    pandas.DataFrame
        ``port_code, observed_pedestrians, observed_share, predicted_share, error_pp,
        mean_walk_minutes, mean_wait_minutes, beta_time, origins, max_walk_minutes, year,
        fitted`` (``fitted`` is False: an out-of-sample check).
    """
    report = report if report is not None else DropReport()
    if purpose not in result.models:
        raise SchemaError(f"purpose {purpose!r} was not fitted ({list(result.models)})")
    need = [schema.PORT_CODE, "month", "measure", "value"]
    missing = [c for c in need if c not in crossings.columns]
    if missing:
        raise SchemaError(f"crossing table lacks column(s) {missing}")
    c = crossings[
        (crossings["measure"] == "Pedestrians")
        & (pd.to_datetime(crossings["month"]).dt.year == int(year))
    ]
    counts = c.groupby(schema.PORT_CODE)["value"].sum().astype(float)
    pm = result.port_minutes
    waits = waits if waits is not None else result.inputs.get("waits")
    if waits is None:
        raise SchemaError("no wait table: pass waits=")
    table = lane_waits(
        waits,
        ports=list(pm.ports),
        lanes=["pedestrian"],
        direction=result.params.get("direction", "northbound"),
        weekday=weekday,
        report=report,
    )
    with_wait = set(table[schema.PORT_CODE].astype(int))
    if ports is None:
        ports = [
            int(p)
            for p in pm.ports
            if int(p) in with_wait and counts.get(int(p), 0) > 0 and int(p) not in AIRPORT_ONLY
        ]
    ports = [int(p) for p in ports]
    bad = [p for p in ports if p not in pm.ports]
    if bad:
        raise SchemaError(f"port(s) {bad} have no walking minutes (ports: {list(pm.ports)})")
    no_count = [p for p in ports if not counts.get(p, 0) > 0]
    if no_count:
        raise SchemaError(f"no BTS pedestrian count in {year} for port(s) {no_count}")
    if len(ports) < 2:
        raise SchemaError(f"a port choice needs two ports with pedestrians; got {ports}")
    grid = require_lane_waits(table, [(p, "pedestrian") for p in ports], report=report)
    w = np.array(
        [
            grid[(grid[schema.PORT_CODE] == p)].sort_values("hour")["minutes"].to_numpy()
            for p in ports
        ]
    )  # P × 24
    cols = [list(pm.ports).index(p) for p in ports]
    walk = pm.walk_to[:, cols]  # n_o × P
    beta = float(result.models[purpose].params["beta_drive"])
    pi = np.asarray(result.designs[purpose].origin_weight, dtype=float)
    ok = np.isfinite(walk).all(axis=1) & (pi > 0)
    if max_walk_minutes is not None:
        ok &= walk.min(axis=1) <= float(max_walk_minutes)
    if not ok.any():
        raise SchemaError("no origin unit with a weight reaches the ports on foot")
    pi = pi[ok] / pi[ok].sum()
    walk = walk[ok]
    shares = np.zeros(len(ports))
    for h in hours:
        v = beta * (walk + w[:, int(h)][None, :])
        v = v - v.max(axis=1, keepdims=True)
        p = np.exp(v)
        p /= p.sum(axis=1, keepdims=True)
        shares += pi @ p
    shares /= len(hours)
    obs = np.array([counts[p] for p in ports])
    out = pd.DataFrame(
        {
            schema.PORT_CODE: ports,
            "observed_pedestrians": obs,
            "observed_share": obs / obs.sum(),
            "predicted_share": shares,
        }
    )
    out["error_pp"] = 100 * (out["predicted_share"] - out["observed_share"])
    out["mean_walk_minutes"] = pi @ walk
    out["mean_wait_minutes"] = w[:, list(hours)].mean(axis=1)
    out["beta_time"] = beta
    out["origins"] = int(ok.sum())
    out["max_walk_minutes"] = np.nan if max_walk_minutes is None else float(max_walk_minutes)
    out["year"] = int(year)
    out["fitted"] = False
    log.info("pedestrian check %s: %s", year, out.round(3).to_dict("records"))
    return out
