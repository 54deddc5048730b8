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
    """The unit table with the probabilities and minutes of ``hour`` and the time-tax table.

    The unit table gets ``p_<option>``, ``expected_minutes``, ``no_wait_minutes``,
    ``time_tax_minutes``, ``expected_wait``, ``role`` (``""`` for a unit neither an origin
    nor a destination: NaN minutes) and ``hour``; the time-tax table has a row per origin and
    destination and hour (hour by hour, origins first). Columns are filled whole, one array
    each, and the time-tax table is built once from the 48 (hour, role) blocks.
    """
    labels = design.labels
    n = len(units)
    roles = (("origin", "origin", pm.origin_index), ("destination", "dest", pm.dest_index))
    at_hour = {
        "prob": np.full((n, len(labels)), np.nan),
        "expected": np.full(n, np.nan),
        "no_wait": np.full(n, np.nan),
        "tax": np.full(n, np.nan),
        "wait": np.full(n, np.nan),
    }
    role_col = np.full(n, "", dtype=object)
    ids, countries = units[schema.UNIT_ID].to_numpy(), units[schema.COUNTRY].to_numpy()
    blocks: dict[str, list] = {k: [] for k in ("id", "country", "role", "hour", "ex", "nw", "tax")}
    for h in range(24):
        ex = unit_expectations(fit.theta, design, h, separate_wait=separate_wait)
        for role, key, idx in roles:
            e = ex[key]
            tax = e["expected"] - e["no_wait"]
            if h == hour:
                pos = units.index.get_indexer(units.index[idx])  # rows (a unique index)
                at_hour["prob"][pos] = e["prob"]
                at_hour["expected"][pos] = e["expected"]
                at_hour["no_wait"][pos] = e["no_wait"]
                at_hour["tax"][pos] = tax
                at_hour["wait"][pos] = e["wait"]
                role_col[pos] = role
            blocks["id"].append(ids[idx])
            blocks["country"].append(countries[idx])
            blocks["role"].append(np.full(len(idx), role, dtype=object))
            blocks["hour"].append(np.full(len(idx), h, dtype=np.int64))
            blocks["ex"].append(e["expected"])
            blocks["nw"].append(e["no_wait"])
            blocks["tax"].append(tax)
    cols = {f"p_{lab}": at_hour["prob"][:, k] for k, lab in enumerate(labels)}
    cols.update(
        expected_minutes=at_hour["expected"],
        no_wait_minutes=at_hour["no_wait"],
        time_tax_minutes=at_hour["tax"],
        expected_wait=at_hour["wait"],
    )
    out = units.copy()
    for col, values in cols.items():
        out[col] = values
    out["role"] = role_col
    out["hour"] = hour
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    cat = {k: np.concatenate(v) for k, v in blocks.items()}
    tax_table = pd.DataFrame(
        {
            schema.UNIT_ID: cat["id"],
            schema.COUNTRY: cat["country"],
            "role": cat["role"],
            "hour": cat["hour"],
            "expected_minutes": cat["ex"],
            "no_wait_minutes": cat["nw"],
            "time_tax_minutes": cat["tax"],
        }
    )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), tax_table
