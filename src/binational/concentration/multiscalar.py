"""Multiscalar segregation profiles: spatial indices over growing local environments.

Reardon et al. (2008) read segregation at many scales at once: the spatial dissimilarity and
isolation of kernel local environments (:mod:`~binational.concentration.spatial`) as the kernel
bandwidth grows from a few hundred metres to the whole city. :func:`multiscalar_profile` gives
that curve for each side of a twin city. Distance 0 holds the aspatial index, as in PySAL
segregation's ``compute_multiscalar_profile``, whose values it equals with Euclidean kernels
(centroid distances, diagonal 1, sums rounded to whole persons).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .. import settings
from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY, POP_TOTAL
from ._validate import counts, projected_geometry
from .singlegroup import _dissim, _isolation
from .spatial import _env, environment_matrix

__all__ = ["DEFAULT_DISTANCES", "MULTISCALAR_INDICES", "multiscalar_profile"]

log = get_logger(__name__)

#: Bandwidths (metres) of the default profile: 500 m to 10 km.
DEFAULT_DISTANCES = (500.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 7500.0, 10000.0)

#: Index name → (aspatial kernel) of the profile.
MULTISCALAR_INDICES = {"spatial_dissimilarity": _dissim, "spatial_isolation": _isolation}


def multiscalar_profile(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    distances: Sequence[float] = DEFAULT_DISTANCES,
    indices: Sequence[str] = tuple(MULTISCALAR_INDICES),
    function: str = "triangular",
    by_side: bool = True,
    cross_border: bool = False,
    round_counts: bool = True,
) -> pd.DataFrame:
    """Spatial dissimilarity and isolation over kernel bandwidths, per side.

    Parameters
    ----------
    units
        Unit table (GeoDataFrame in a projected CRS).
    group, total
        Count columns (use the group's own denominator, see :mod:`binational.groups`).
        Units with a missing count are left out (``n_dropped``).
    distances
        Kernel bandwidths in metres (each > 0).
    indices
        Among :data:`MULTISCALAR_INDICES`.
    function
        Kernel function (``"triangular"``, ``"uniform"``, ``"gaussian"``...; see
        :func:`binational.concentration.distance_weights.kernel`).
    by_side
        One profile per ``country`` (sides whose group has no values are left out, logged);
        False: one profile of all units.
    cross_border
        With ``by_side=False``, let environments reach across the border.
    round_counts
        Round the environment sums to whole persons, as PySAL does.

    Returns
    -------
    DataFrame
        ``side, group, total, index, distance, value, n_units, n_dropped``; distance 0 is the
        aspatial index.
    """
    unknown = [n for n in indices if n not in MULTISCALAR_INDICES]
    if unknown:
        raise IndexInputError(
            f"multiscalar_profile: unknown index {unknown}; known: {', '.join(MULTISCALAR_INDICES)}"
        )
    dist = [float(d) for d in distances]
    if not dist or any(not np.isfinite(d) or d <= 0 for d in dist):
        raise IndexInputError(f"multiscalar_profile: distances must be > 0 metres, got {dist}")
    projected_geometry(units, what="multiscalar profile")
    if by_side and COUNTRY in units.columns:
        sides = [s for s in dict.fromkeys(units[COUNTRY].astype(str))]
        parts = [(s, units[units[COUNTRY].astype(str) == s]) for s in sides]
    else:
        parts = [("all", units)]
    rows: list[dict] = []
    steps = len(parts) * len(dist)
    bar = tqdm(total=steps, desc="multiscalar", disable=not settings.progress, leave=False)
    for side, part in parts:
        if group not in part.columns or part[group].isna().all():
            log.info("multiscalar_profile: %s has no %r values; left out", side, group)
            bar.update(len(dist))
            continue
        c = counts(part, group, total, dropna=True, what=f"multiscalar {side} {group}")
        sub = part if c.keep.all() else part[c.keep]
        common = {
            "side": side,
            "group": group,
            "total": total,
            "n_units": c.n,
            "n_dropped": len(c.dropped),
        }
        for name in indices:
            rows.append(
                {
                    **common,
                    "index": name,
                    "distance": 0.0,
                    "value": float(MULTISCALAR_INDICES[name](c.x, c.total)),
                }
            )
        for d in dist:
            matrix = environment_matrix(
                sub, bandwidth=d, function=function, cross_border=cross_border
            )
            ex = _env(matrix, c.x, round_counts)
            et = _env(matrix, c.total, round_counts)
            for name in indices:
                value = float(MULTISCALAR_INDICES[name](ex, et))
                rows.append({**common, "index": name, "distance": d, "value": value})
            bar.update(1)
    bar.close()
    cols = ["side", "group", "total", "index", "distance", "value", "n_units", "n_dropped"]
    out = pd.DataFrame(rows, columns=cols)
    out.attrs.update(function=function, round_counts=round_counts, cross_border=cross_border)
    return out.sort_values(["side", "index", "distance"], kind="stable").reset_index(drop=True)
