"""Everything local for one group: composition, hot spots and clusters per unit.

:func:`local_measures` puts together the composition measures of :mod:`.composition` (share,
location quotient, two-way entropy) and the LISAs of :mod:`.lisa` (Getis–Ord Gi* hot spots,
local Moran clusters, with conditional permutations and FDR) in one GeoDataFrame, one row per
unit. Units without population or with a missing count are kept with label ``no_data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import IndexInputError
from ..schema import COUNTRY, POP_TOTAL, UNIT_ID
from ._validate import DegenerateCountsError, counts, numeric_columns, unit_labels
from .composition import two_way_entropy
from .lisa import (
    QUADRANT_LABELS,
    cluster_labels,
    fdr_qvalues,
    fdr_threshold,
    getis_ord_local,
    hotspot_labels,
    moran_local,
)
from .singlegroup import _shares
from .weights import WeightsLike, as_spatial_weights, build_weights

__all__ = ["local_measures"]


def local_measures(
    units,
    *,
    group: str,
    total: str = POP_TOTAL,
    weights: str | WeightsLike = "queen",
    variable: str = "share",
    permutations: int = 999,
    alpha: float = 0.05,
    alternative: str = "directed",
    seed: int | np.random.Generator | None = None,
    cross_border: bool = False,
    weights_options: dict | None = None,
):
    """Location quotient, local entropy, Gi* and local Moran clusters of ``group``.

    Units without population or with a missing count are kept in the output with label
    ``no_data`` and left out of the spatial statistics (their weights removed).

    Parameters
    ----------
    units
        Unit table (GeoDataFrame in a projected CRS).
    group, total
        Count columns.
    weights
        Weights kind (``"queen"``, ``"rook"``, ``"knn"``, ``"distance_band"``, ``"kernel"``)
        built from the units with data, or weights for all rows of ``units``: SpatialWeights, a
        libpysal ``W`` or ``Graph`` (aligned by unit id, see
        :func:`~binational.concentration.weights.as_spatial_weights`).
    variable
        ``"share"`` (``x / t``, the default) or ``"count"``; Moran's I and Gi* of the
        location quotient equal those of the share.
    permutations, alternative, seed
        Conditional permutation inference (see the module notes).
    alpha
        Significance level of the labels.
    cross_border, weights_options
        Passed to the weights builder (e.g. ``{"k": 6}`` for knn, ``{"border_tolerance": 100}``).

    Returns
    -------
    GeoDataFrame
        One row per unit: ``unit_id``, ``country``, the counts, ``share``, ``lq``,
        ``local_entropy``, ``gi_star``, ``gi_z``, ``gi_p_sim``, ``hotspot``, ``hotspot_fdr``,
        ``lisa_i``, ``lisa_quadrant``, ``lisa_p_sim``, ``lisa_z_sim``, ``lisa_q``, ``cluster``,
        ``cluster_fdr``, ``n_neighbors``, ``geometry``. ``attrs`` holds the weights summary and
        the FDR thresholds.
    """
    if variable not in ("share", "count"):
        raise IndexInputError(
            f"local measures: variable must be 'share' or 'count', got {variable!r}"
        )
    arrays = numeric_columns(units, [group, total], what="local measures")
    x_all, t_all = arrays[group], arrays[total]
    valid = ~(np.isnan(x_all) | np.isnan(t_all)) & (t_all > 0)
    if valid.sum() < 3:
        raise DegenerateCountsError(
            f"local measures: {int(valid.sum())} unit(s) with population and data for "
            f"{group!r}; at least 3 needed"
        )
    sub = units[valid]
    c = counts(sub, group, total, what="local measures")
    if not isinstance(weights, str):
        w = as_spatial_weights(weights, units).subset(valid)
    else:
        w = build_weights(sub, weights, cross_border=cross_border, **(weights_options or {}))
    share = _shares(c.x, c.total)
    y = share if variable == "share" else c.x
    gi = getis_ord_local(y, w, permutations=permutations, seed=seed, alternative=alternative)
    lisa = moran_local(y, w, permutations=permutations, seed=seed, alternative=alternative)
    thr = fdr_threshold(lisa.p_sim, alpha) if permutations else np.nan
    thr_g = fdr_threshold(gi.p_sim, alpha) if permutations else np.nan

    n = len(units)

    def full(values, fill=np.nan, dtype=float):
        out = np.full(n, fill, dtype=dtype)
        out[valid] = values
        return out

    out = pd.DataFrame(index=units.index)
    out[UNIT_ID] = unit_labels(units)
    if COUNTRY in units.columns:
        out[COUNTRY] = units[COUNTRY].to_numpy()
    out[group] = x_all
    out[total] = t_all
    out["share"] = full(share)
    out["lq"] = full(share / (c.x.sum() / c.total.sum()))
    out["local_entropy"] = full(two_way_entropy(np.column_stack([c.x, c.total - c.x])))
    out["gi_star"] = full(gi.statistic)
    out["gi_z"] = full(gi.z)
    out["gi_p_sim"] = full(gi.p_sim)
    out["hotspot"] = full(hotspot_labels(gi.z, gi.p_sim, alpha, gi.islands), "no_data", object)
    out["hotspot_fdr"] = full(hotspot_labels(gi.z, gi.p_sim, thr_g, gi.islands), "no_data", object)
    out["lisa_i"] = full(lisa.statistic)
    out["lisa_quadrant"] = full(
        np.array([QUADRANT_LABELS[int(q)] for q in lisa.quadrant], dtype=object), None, object
    )
    out["lisa_p_sim"] = full(lisa.p_sim)
    out["lisa_z_sim"] = full(lisa.z_sim)
    out["lisa_q"] = full(fdr_qvalues(lisa.p_sim))
    out["cluster"] = full(
        cluster_labels(lisa.quadrant, lisa.p_sim, alpha, lisa.islands), "no_data", object
    )
    out["cluster_fdr"] = full(
        cluster_labels(lisa.quadrant, lisa.p_sim, thr, lisa.islands), "no_data", object
    )
    out["n_neighbors"] = full(w.cardinalities, -1, int)
    for col in ("hotspot", "hotspot_fdr", "lisa_quadrant", "cluster", "cluster_fdr"):
        out[col] = out[col].astype("string")
    if hasattr(units, "geometry"):
        import geopandas as gpd

        out = gpd.GeoDataFrame(out, geometry=units.geometry.to_numpy(), crs=units.crs)
    out.attrs.update(
        {
            "weights": w.kind,
            "weights_params": dict(w.params),
            "islands": list(w.islands),
            "n_cross_border_links": w.n_cross_border_links,
            "fdr_threshold_lisa": thr,
            "fdr_threshold_gi": thr_g,
            "alpha": alpha,
            "permutations": permutations,
            "alternative": alternative,
            "n_no_data": int((~valid).sum()),
        }
    )
    return out
