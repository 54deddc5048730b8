"""Which port each unit uses: best port, port-sheds, Huff shares, and 2SFCA accessibility.

Inputs are tables of crossing times in minutes (rows = units, columns = port codes), as
:func:`binational.catchments.cost.crossing_minutes` returns them, or an origin × destination
matrix (:func:`binational.catchments.cost.od_minutes`).

Huff shares
    ``P(i → p) = a_p exp(−β t_ip) / Σ_q a_q exp(−β t_iq)``, the exponential form of Huff's (1963)
    probabilistic trade-area model (the multinomial-logit form usual in port-choice models).
    ``β`` is per minute; the default :data:`DEFAULT_BETA` = 0.1 means each 10 extra minutes of
    crossing time cut a port's odds by a factor e (≈ 2.7), i.e. halve them every ≈ 7 minutes.
    It is an assumption, not a calibration: fit ``β`` to observed port choice (e.g. SANDAG's 2017
    cross-border OD survey, ``crossings/sandag_ome_crossborder_od_survey_2017.csv``) where that
    matters. ``a_p`` (attractiveness) defaults to 1 for every port.
2SFCA
    Two-step floating catchment area (Luo & Wang 2003): for each destination ``j``, the ratio
    ``R_j = S_j / Σ_{i: t_ij ≤ T0} D_i w(t_ij)``, then for each origin ``A_i = Σ_{j: t_ij ≤ T0}
    R_j w(t_ij)``. Here origins are the departure side's units (demand ``D`` = their population),
    destinations the other side's units (supply ``S`` = their population by default, or any
    column such as jobs), ``t`` the full door-to-door crossing time including the wait, ``T0``
    60 minutes by default and ``w`` either 1 (classic 2SFCA) or the Gaussian weight of the
    enhanced 2SFCA (Dai 2010). ``A_i`` reads as "cross-border opportunities per resident within
    reach".
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from .._coverage import union_polygons
from ..errors import SchemaError

__all__ = [
    "DEFAULT_BETA",
    "best_ports",
    "gaussian_weight",
    "huff_shares",
    "port_sheds",
    "two_step_fca",
]

DEFAULT_BETA = 0.1  # per minute


def best_ports(minutes: pd.DataFrame) -> pd.DataFrame:
    """Best and second-best port per row of a unit × port table of minutes.

    Parameters
    ----------
    minutes
        Unit × port minutes (columns are port codes; ``inf``/NaN where unreachable).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``minutes``: ``best_port`` (−1 if no port is reachable),
        ``best_minutes``, ``second_port``, ``second_minutes`` (NaN where missing).
    """
    values = minutes.to_numpy(dtype=float)
    codes = np.asarray(minutes.columns, dtype=np.int64)
    n = len(minutes)
    out = pd.DataFrame(index=minutes.index)
    if values.shape[1] == 0:
        out["best_port"] = -1
        out["best_minutes"] = np.nan
        out["second_port"] = -1
        out["second_minutes"] = np.nan
        return out
    filled = np.where(np.isfinite(values), values, np.inf)
    order = np.argsort(filled, axis=1, kind="stable")
    first = filled[np.arange(n), order[:, 0]]
    out["best_port"] = np.where(np.isfinite(first), codes[order[:, 0]], -1)
    out["best_minutes"] = np.where(np.isfinite(first), first, np.nan)
    if values.shape[1] > 1:
        second = filled[np.arange(n), order[:, 1]]
        out["second_port"] = np.where(np.isfinite(second), codes[order[:, 1]], -1)
        out["second_minutes"] = np.where(np.isfinite(second), second, np.nan)
    else:
        out["second_port"] = -1
        out["second_minutes"] = np.nan
    return out


def huff_shares(
    minutes: pd.DataFrame,
    *,
    beta: float = DEFAULT_BETA,
    attractiveness: Mapping[int, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Probabilistic share of each port for each unit (rows sum to 1).

    Parameters
    ----------
    minutes
        Units × ports crossing times (``inf``/NaN: port unreachable, share 0).
    beta
        Distance-decay per minute (``exp(−β t)``).
    attractiveness
        Port code → weight ``a_p`` (default 1 each), e.g. lanes open or crossing volume.

    Returns
    -------
    pandas.DataFrame
        Same shape as ``minutes``; rows of units that reach no port are NaN.
    """
    if beta < 0:
        raise SchemaError(f"beta must be >= 0, got {beta}")
    t = minutes.to_numpy(dtype=float)
    a = np.ones(t.shape[1])
    if attractiveness is not None:
        attractiveness = pd.Series(attractiveness)
        a = np.array([float(attractiveness.get(c, 0.0)) for c in minutes.columns])
        if (a < 0).any():
            raise SchemaError("attractiveness must be >= 0")
    finite = np.isfinite(t)
    # subtract the row minimum before exponentiating (numerically stable; cancels out)
    tmin = np.min(np.where(finite, t, np.inf), axis=1, keepdims=True)
    tmin = np.where(np.isfinite(tmin), tmin, 0.0)
    util = np.where(finite, a * np.exp(-beta * (np.where(finite, t, 0.0) - tmin)), 0.0)
    total = util.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, util / total, np.nan)
    return pd.DataFrame(shares, index=minutes.index, columns=minutes.columns)


def gaussian_weight(minutes: np.ndarray, threshold: float) -> np.ndarray:
    """Gaussian distance weight of the enhanced 2SFCA (Dai 2010): 1 at 0, 0 at ``threshold``."""
    e = np.exp(-0.5)
    w = (np.exp(-0.5 * (np.asarray(minutes) / threshold) ** 2) - e) / (1.0 - e)
    return np.where(np.asarray(minutes) <= threshold, w, 0.0)


def two_step_fca(
    od_minutes: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    *,
    threshold: float = 60.0,
    weight: str = "binary",
) -> tuple[np.ndarray, np.ndarray]:
    """Two-step floating catchment area accessibility.

    Parameters
    ----------
    od_minutes
        ``n_origins × n_destinations`` travel times (``inf`` where unreachable).
    demand
        Demand per origin (e.g. population).
    supply
        Supply per destination (e.g. population or jobs on the other side).
    threshold
        Catchment size ``T0`` in minutes.
    weight
        ``"binary"`` (classic 2SFCA) or ``"gaussian"`` (enhanced 2SFCA, Dai 2010).

    Returns
    -------
    access, ratio
        ``A_i`` per origin and ``R_j`` per destination (NaN where nobody is in reach).
    """
    t = np.asarray(od_minutes, dtype=float)
    demand = np.nan_to_num(np.asarray(demand, dtype=float))
    supply = np.nan_to_num(np.asarray(supply, dtype=float))
    if t.shape != (len(demand), len(supply)):
        raise SchemaError(
            f"od matrix is {t.shape} but there are {len(demand)} origins and {len(supply)} "
            "destinations"
        )
    if weight == "binary":
        w = (t <= threshold).astype(float)
    elif weight == "gaussian":
        w = gaussian_weight(np.where(np.isfinite(t), t, np.inf), threshold)
    else:
        raise SchemaError(f"weight {weight!r} must be 'binary' or 'gaussian'")
    reached_demand = demand @ w  # per destination
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(reached_demand > 0, supply / reached_demand, np.nan)
    access = w @ np.nan_to_num(ratio)
    access = np.where(w.sum(axis=1) > 0, access, np.nan)
    return access, ratio


def port_sheds(
    units: gpd.GeoDataFrame,
    best_port: pd.Series,
    *,
    value_columns=(schema.POP_TOTAL,),
) -> gpd.GeoDataFrame:
    """Dissolve units by their best port (and side): one polygon per port-shed.

    Parameters
    ----------
    units
        Unit polygons with ``country``.
    best_port
        Port code per unit (aligned on the index; −1 = none reachable).

    Returns
    -------
    geopandas.GeoDataFrame
        ``port_code, country, n_units, <value_columns>, geometry``.
    """
    frame = units[[schema.COUNTRY, *value_columns, "geometry"]].copy()
    frame[schema.PORT_CODE] = best_port.reindex(units.index).fillna(-1).astype(int).to_numpy()
    rows = []
    for (code, country), part in frame.groupby([schema.PORT_CODE, schema.COUNTRY]):
        geom = union_polygons(part.geometry.values)
        row = {schema.PORT_CODE: int(code), schema.COUNTRY: country, "n_units": len(part)}
        for col in value_columns:
            row[col] = float(np.nansum(part[col].to_numpy(dtype=float)))
        row["geometry"] = geom
        rows.append(row)
    columns = [schema.PORT_CODE, schema.COUNTRY, "n_units", *value_columns, "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=units.crs)
