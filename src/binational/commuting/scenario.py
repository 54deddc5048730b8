"""Scenarios through the fitted model: a new port, a closed port or lane, other waits.

The fitted parameters are kept; the choice set, the travel times (a new port gets its own
border crossing: a point in the straight-line model, a border edge on the network) and the
waits change: the existing lanes' queues respond to the trips the scenario moves
(:mod:`binational.commuting.queues`, a fixed point of the logit shares), while waits the
scenario sets (``CommutingScenario.lane_waits``) and a new port's target wait stay as given. With a lanes-open term, a new port's lanes open are its donor's. A new port takes the lanes and the fitted lane constants of an existing port
(``CommutingScenario.constants_from``; by default the nearest port of the choice set), which is
how SANDAG's SR-11/OME model configures Otay Mesa East (its passenger lanes mirror Otay Mesa's,
``data_in/port_configurations.csv``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..catchments.graph import SparseGraph
from ..errors import SchemaError
from ..io.lanes import LaneError
from .design import port_minutes
from .expectations import unit_expectations
from .model import ChoiceDesign, n_coefficients, option_probabilities, predict_shares
from .periods import PERIODS
from .queues import DEFAULT_WAIT_ELASTICITY, equilibrium_waits
from .result import CommutingResult, CommutingScenario

__all__ = ["run_scenario", "scenario_design"]

log = get_logger(__name__)


def _nearest_port(result: CommutingResult, new, candidates: Sequence[int]) -> int:
    ports = result.inputs.get("ports")
    if ports is None:
        return int(candidates[0])
    pts = ports[ports[schema.PORT_CODE].isin(candidates)].to_crs("EPSG:4326")
    d = (pts.geometry.x - new.lon) ** 2 + (pts.geometry.y - new.lat) ** 2
    return int(pts.loc[d.idxmin(), schema.PORT_CODE])


def scenario_design(
    result: CommutingResult,
    scenario: CommutingScenario,
    *,
    purpose: str = "HBW",
    graph: SparseGraph | None = None,
) -> tuple[ChoiceDesign, np.ndarray, object]:
    """The scenario's design and parameters (the fitted ones, constants mapped to its options).

    Parameters
    ----------
    result
        The fitted :class:`CommutingResult`.
    scenario
        Ports added and lanes closed.
    purpose
        Trip purpose.
    graph
        Routing graph (before the scenario) for a new port's drive times. Default: the one the
        result's port minutes were computed on (``result.port_minutes.graph``), else the
        result's network.

    Returns
    -------
    design, theta, port_minutes
    """
    if purpose not in result.designs:
        raise SchemaError(f"purpose {purpose!r} was not fitted ({list(result.designs)})")
    base = result.designs[purpose]
    fit = result.models[purpose]
    opts = base.options.copy()
    labels = base.labels
    n_coef = n_coefficients(base, fit.separate_wait)
    alpha = dict(zip(labels, np.r_[0.0, fit.theta[n_coef:]], strict=True))
    known = set(opts[schema.PORT_CODE])
    bad = [c for c in scenario.closed_ports if c not in known]
    if bad:
        raise SchemaError(f"cannot close port(s) {bad}: not in the choice set {sorted(known)}")
    have = set(zip(opts[schema.PORT_CODE], opts["lane"], strict=True))
    for p, ln in scenario.closed_lanes:
        if (int(p), ln) not in have:
            raise LaneError(
                f"cannot close lane {ln!r} at port {p}: the choice set has {sorted(have)}"
            )
    keep = ~opts[schema.PORT_CODE].isin(scenario.closed_ports)
    for p, ln in scenario.closed_lanes:
        keep &= ~((opts[schema.PORT_CODE] == int(p)) & (opts["lane"] == ln))
    waits = base.waits[keep.to_numpy()]
    lanes_open = None if base.lanes_open is None else np.asarray(base.lanes_open)[keep.to_numpy()]
    add_open = []
    new_opts = opts[keep].reset_index(drop=True)
    new_alpha = [alpha[lab] for lab, k in zip(labels, keep, strict=True) if k]
    add_rows, add_waits = [], []
    for port in scenario.new_ports:
        donor = scenario.constants_from.get(port.port_code)
        if donor is None:
            donor = _nearest_port(result, port, sorted(known - set(scenario.closed_ports)))
        donor_opts = opts[opts[schema.PORT_CODE] == int(donor)]
        if donor_opts.empty:
            raise SchemaError(f"new port {port.name}: donor port {donor} is not in the choice set")
        for ln in donor_opts["lane"]:
            minutes = scenario.lane_waits.get((port.port_code, ln), port.wait_minutes)
            if minutes is None:
                raise SchemaError(
                    f"new port {port.name} lane {ln!r}: no wait (set NewPort.wait_minutes or "
                    "CommutingScenario.lane_waits)"
                )
            add_rows.append((port.port_code, ln, ln in ("pedestrian", "pedestrian_ready")))
            add_waits.append(np.full(24, float(minutes)))
            if lanes_open is not None:
                donor_k = labels.index(f"{donor}_{ln}")
                add_open.append(np.asarray(base.lanes_open)[donor_k])
            new_alpha.append(alpha[f"{donor}_{ln}"])
        log.info(
            "scenario %s: new port %s with the lanes and constants of %s",
            scenario.name,
            port.name,
            donor,
        )
    if add_rows:
        new_opts = pd.concat(
            [new_opts, pd.DataFrame(add_rows, columns=[schema.PORT_CODE, "lane", "walk"])],
            ignore_index=True,
        )
        waits = np.vstack([waits, np.array(add_waits)])
        if lanes_open is not None:
            lanes_open = np.vstack([lanes_open, np.array(add_open)])
    for (p, ln), minutes in scenario.lane_waits.items():
        sel = np.flatnonzero((new_opts[schema.PORT_CODE] == int(p)) & (new_opts["lane"] == ln))
        if not len(sel):
            raise LaneError(
                f"scenario wait for port {p} lane {ln!r}, which is not in the choice set"
            )
        waits[sel] = float(minutes)
    if new_opts.empty:
        raise SchemaError(f"scenario {scenario.name!r} leaves no option")
    pm = result.port_minutes
    if scenario.new_ports:
        inp = result.inputs
        if graph is None:
            graph = result.port_minutes.graph
        pm = port_minutes(
            inp["units"],
            inp["ports"],
            network=graph if graph is not None else inp["network"],
            direction=result.params["direction"],
            method=result.method,
            scenario=scenario.catchments_scenario(),
            circuity=result.params["circuity"],
            speed_kph=result.params["speed_kph"],
            walk_kph=result.params["walk_kph"],
        )
    design = ChoiceDesign(
        options=new_opts,
        access=pm.access(new_opts),
        egress=pm.drive_from,
        ports=pm.ports,
        origin_weight=base.origin_weight,
        size=base.size,
        waits=waits,
        lanes_open=lanes_open,
    )
    betas = fit.theta[:n_coef]
    a = np.array(new_alpha)
    theta = np.r_[betas, a[1:] - a[0]]
    return design, theta, pm


def _period_shares(theta, design, result, purpose, separate_wait, periods) -> pd.DataFrame:
    obs = result.observed
    obs = obs[obs["purpose"] == purpose].groupby("hour")["trips"].sum()
    prob = option_probabilities(theta, design, list(range(24)), separate_wait=separate_wait)
    pi = np.asarray(design.origin_weight, float) * (prob.sum(axis=2)[0] > 0)
    pi = pi / pi.sum()
    s = np.einsum("o,hok->hk", pi, prob)
    rows = []
    for period, hours in periods.items():
        n = np.array([obs.get(h, 0.0) for h in hours])
        if n.sum() <= 0:
            continue
        share = (n[:, None] * s[list(hours)]).sum(axis=0) / n.sum()
        for k in range(len(design.options)):
            rows.append(
                {
                    "purpose": purpose,
                    "period": period,
                    schema.PORT_CODE: int(design.options[schema.PORT_CODE].iloc[k]),
                    "lane": design.options["lane"].iloc[k],
                    "share": share[k],
                }
            )
    return pd.DataFrame(rows)


def run_scenario(
    result: CommutingResult,
    scenario: CommutingScenario,
    *,
    purpose: str = "HBW",
    hour: int | None = None,
    periods=PERIODS,
    queue_response: bool = True,
    elasticity: float = DEFAULT_WAIT_ELASTICITY,
    graph: SparseGraph | None = None,
) -> dict[str, pd.DataFrame]:
    """Predicted shares and time tax with and without the scenario.

    With ``queue_response`` (default) the waits of the existing lanes respond to the trips the
    scenario moves (:func:`binational.commuting.queues.equilibrium_waits`, elasticity
    ``elasticity``); lanes whose wait the scenario sets, and a new port's lanes, keep it.

    Parameters
    ----------
    result
        The fitted :class:`CommutingResult`.
    scenario
        Ports added and lanes closed.
    purpose
        Trip purpose.
    hour
        Hour of the per-unit table (default: the result's).
    periods
        Period name → hours.
    queue_response
        Let the waits of existing lanes respond to the trips the scenario moves.
    elasticity
        Elasticity of a lane's wait to its volume per booth.
    graph
        Routing graph (before the scenario) for a new port's drive times
        (:func:`binational.catchments.routing_graph`); default: the one the result was fitted
        on (see :func:`scenario_design`).

    Returns
    -------
    dict
        ``shares``: ``purpose, period, port_code, lane, base_share, scenario_share, change_pp``
        (model shares over all origins, hours weighted by the observed trips of the purpose);
        ``time_tax``: per unit at ``hour`` (default the result's hour) ``unit_id, role,
        base_expected_minutes, scenario_expected_minutes, base_time_tax_minutes,
        scenario_time_tax_minutes``; ``summary``: trip-weighted means of both; ``waits``:
        ``port_code, lane, hour, base_wait, scenario_wait`` per option of either case.
    """
    hour = result.params["hour"] if hour is None else int(hour)
    sep = result.models[purpose].separate_wait
    base_d, base_t = result.designs[purpose], result.models[purpose].theta
    scen_d, scen_t, _ = scenario_design(result, scenario, purpose=purpose, graph=graph)
    iterations = 0
    if queue_response:
        scen_d, iterations = _respond(base_t, base_d, scen_t, scen_d, scenario, sep, elasticity)
    b = _period_shares(base_t, base_d, result, purpose, sep, periods)
    s = _period_shares(scen_t, scen_d, result, purpose, sep, periods)
    key = ["purpose", "period", schema.PORT_CODE, "lane"]
    shares = b.rename(columns={"share": "base_share"}).merge(
        s.rename(columns={"share": "scenario_share"}), on=key, how="outer"
    )
    shares[["base_share", "scenario_share"]] = shares[["base_share", "scenario_share"]].fillna(0.0)
    shares["change_pp"] = 100 * (shares["scenario_share"] - shares["base_share"])
    shares.insert(0, "scenario", scenario.name)
    eb = unit_expectations(base_t, base_d, hour, separate_wait=sep)
    es = unit_expectations(scen_t, scen_d, hour, separate_wait=sep)
    units = result.inputs["units"]
    rows = []
    base_pm = result.port_minutes
    for role, key_, idx in (
        ("origin", "origin", base_pm.origin_index),
        ("destination", "dest", base_pm.dest_index),
    ):
        rows.append(
            pd.DataFrame(
                {
                    schema.UNIT_ID: units[schema.UNIT_ID].iloc[idx].to_numpy(),
                    "role": role,
                    "hour": hour,
                    "base_expected_minutes": eb[key_]["expected"],
                    "scenario_expected_minutes": es[key_]["expected"],
                    "base_time_tax_minutes": eb[key_]["expected"] - eb[key_]["no_wait"],
                    "scenario_time_tax_minutes": es[key_]["expected"] - es[key_]["no_wait"],
                }
            )
        )
    tax = pd.concat(rows, ignore_index=True)
    tax.insert(0, "scenario", scenario.name)
    w = np.asarray(base_d.origin_weight, float)
    o = tax["role"] == "origin"
    ok = o & tax["base_expected_minutes"].notna() & tax["scenario_expected_minutes"].notna()
    ww = w[ok[o].to_numpy()]
    summary = pd.DataFrame(
        {
            "scenario": [scenario.name],
            "purpose": [purpose],
            "hour": [hour],
            "base_mean_time_tax_minutes": [
                np.average(tax.loc[ok, "base_time_tax_minutes"], weights=ww)
            ],
            "scenario_mean_time_tax_minutes": [
                np.average(tax.loc[ok, "scenario_time_tax_minutes"], weights=ww)
            ],
            "base_mean_expected_minutes": [
                np.average(tax.loc[ok, "base_expected_minutes"], weights=ww)
            ],
            "scenario_mean_expected_minutes": [
                np.average(tax.loc[ok, "scenario_expected_minutes"], weights=ww)
            ],
        }
    )
    summary["queue_response"] = queue_response
    summary["wait_elasticity"] = elasticity if queue_response else np.nan
    summary["queue_iterations"] = iterations
    return {"shares": shares, "time_tax": tax, "summary": summary, "waits": _waits(base_d, scen_d)}


def _key(design: ChoiceDesign) -> list[tuple[int, str]]:
    return [
        (int(p), ln)
        for p, ln in zip(design.options[schema.PORT_CODE], design.options["lane"], strict=True)
    ]


def _respond(base_t, base_d, scen_t, scen_d, scenario, sep, elasticity):
    """Scenario design at the queue fixed point (existing lanes respond, set waits do not)."""
    s0_base = predict_shares(base_t, base_d, list(range(24)), separate_wait=sep).T
    pos = {key: i for i, key in enumerate(_key(base_d))}
    keys = _key(scen_d)
    fixed = {(int(p), ln) for p, ln in scenario.lane_waits}
    responds = np.array([key in pos and key not in fixed for key in keys])
    idx = [pos.get(key, 0) for key in keys]
    s0 = np.where(responds[:, None], s0_base[idx], 1.0)
    w0 = np.where(responds[:, None], base_d.waits[idx], scen_d.waits)
    ratio = np.ones_like(w0)
    if base_d.lanes_open is not None and scen_d.lanes_open is not None:
        c0 = np.asarray(base_d.lanes_open, float)[idx]
        c1 = np.asarray(scen_d.lanes_open, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(responds[:, None] & (c1 > 0) & (c0 > 0), c0 / c1, 1.0)
    design, info = equilibrium_waits(
        scen_t,
        scen_d,
        base_shares=s0,
        base_waits=w0,
        responds=responds,
        booth_ratio=ratio,
        elasticity=elasticity,
        separate_wait=sep,
    )
    return design, info["iterations"]


def _waits(base_d: ChoiceDesign, scen_d: ChoiceDesign) -> pd.DataFrame:
    frames = []
    for col, d in (("base_wait", base_d), ("scenario_wait", scen_d)):
        rows = [
            (p, ln, h, float(d.waits[k, h])) for k, (p, ln) in enumerate(_key(d)) for h in range(24)
        ]
        frames.append(pd.DataFrame(rows, columns=[schema.PORT_CODE, "lane", "hour", col]))
    return frames[0].merge(frames[1], on=[schema.PORT_CODE, "lane", "hour"], how="outer")
