"""Per-unit option probabilities, expected crossing minutes and time tax of a fitted model."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from .design import PortMinutes
from .fit import ChoiceFit
from .model import ChoiceDesign

__all__ = ["unit_expectations"]


def unit_expectations(
    theta: np.ndarray, design: ChoiceDesign, hour: int, *, separate_wait: bool = False
) -> dict[str, np.ndarray]:
    """Option probabilities and expected minutes for origins and destinations at one hour.

    Origins: ``P(k | o)``; expected crossing minutes ``Σ_k P_ok (a_ok + w_k + E_p[e])``; the
    same trips with no wait ``Σ_k P_ok (a_ok + E_p[e])``; the time tax is their difference.
    Destinations: the trips arriving at ``d`` (origins weighted by ``π``), by option, with
    their mean minutes, with and without the wait.

    Parameters
    ----------
    theta
        Fitted parameters.
    design
        The choice design.
    hour
        Hour of day.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.

    Returns
    -------
    dict
        ``origin`` and ``dest``: each a dict of arrays ``prob`` (unit × option), ``expected``,
        ``no_wait`` and ``wait`` minutes.
    """
    from .model import _dest_terms, _split, option_probabilities

    b_drive = _split(theta, separate_wait, design)[0]
    prob = option_probabilities(theta, design, [hour], separate_wait=separate_wait)[0]  # O × K
    ln_d, mean_e = _dest_terms(b_drive, design)
    pidx = design.port_index
    acc = np.where(np.isfinite(design.access), design.access, 0.0)
    w = design.waits[:, hour]
    reach = prob.sum(axis=1) > 0
    no_wait_o = np.sum(prob * (acc + mean_e[pidx][None, :]), axis=1)
    wait_o = prob @ w
    o_out = {
        "prob": prob,
        "expected": np.where(reach, no_wait_o + wait_o, np.nan),
        "no_wait": np.where(reach, no_wait_o, np.nan),
        "wait": np.where(reach, wait_o, np.nan),
    }
    # destinations: weight of (o, k, d) = π_o P(k|o) * S_d exp(b e_pd) / D_p
    pi = np.asarray(design.origin_weight, float) * reach
    pi = pi / pi.sum()
    m_k = pi @ prob  # K: trips by option
    a_k = pi @ (prob * acc)  # K: access minutes summed
    eg = design.egress[pidx]  # K × n_d
    fin = np.isfinite(eg)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        dens = np.where(
            fin,
            (1.0 + np.asarray(design.size, dtype=float))[None, :]
            * np.exp(b_drive * np.where(fin, eg, 0) - ln_d[pidx][:, None]),
            0.0,
        )
    trips = m_k[:, None] * dens  # K × n_d
    tot = trips.sum(axis=0)
    minutes_nw = a_k[:, None] * dens + trips * np.where(fin, eg, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_prob = (trips / tot).T
        d_nw = minutes_nw.sum(axis=0) / tot
        d_wait = (trips * w[:, None]).sum(axis=0) / tot
    return {
        "origin": o_out,
        "dest": {
            "prob": np.where(tot[:, None] > 0, d_prob, 0.0),
            "expected": np.where(tot > 0, d_nw + d_wait, np.nan),
            "no_wait": np.where(tot > 0, d_nw, np.nan),
            "wait": np.where(tot > 0, d_wait, np.nan),
        },
    }


def _per_unit(
    units, pm: PortMinutes, design: ChoiceDesign, fit: ChoiceFit, *, hour: int, separate_wait: bool
):
    labels = design.labels
    out = units.copy()
    for lab in labels:
        out[f"p_{lab}"] = np.nan
    for col in ("expected_minutes", "no_wait_minutes", "time_tax_minutes", "expected_wait"):
        out[col] = np.nan
    out["role"] = ""
    tax_rows = []
    for h in range(24):
        ex = unit_expectations(fit.theta, design, h, separate_wait=separate_wait)
        for role, idx in (("origin", pm.origin_index), ("destination", pm.dest_index)):
            e = ex["origin" if role == "origin" else "dest"]
            if h == hour:
                pos = out.index[idx]
                for k, lab in enumerate(labels):
                    out.loc[pos, f"p_{lab}"] = e["prob"][:, k]
                out.loc[pos, "expected_minutes"] = e["expected"]
                out.loc[pos, "no_wait_minutes"] = e["no_wait"]
                out.loc[pos, "time_tax_minutes"] = e["expected"] - e["no_wait"]
                out.loc[pos, "expected_wait"] = e["wait"]
                out.loc[pos, "role"] = role
            tax_rows.append(
                pd.DataFrame(
                    {
                        schema.UNIT_ID: units[schema.UNIT_ID].iloc[idx].to_numpy(),
                        schema.COUNTRY: units[schema.COUNTRY].iloc[idx].to_numpy(),
                        "role": role,
                        "hour": h,
                        "expected_minutes": e["expected"],
                        "no_wait_minutes": e["no_wait"],
                        "time_tax_minutes": e["expected"] - e["no_wait"],
                    }
                )
            )
    out["hour"] = hour
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), pd.concat(
        tax_rows, ignore_index=True
    )
