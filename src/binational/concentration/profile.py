"""One call for a region: global indices with inference per side, and local clusters.

:func:`concentration_profile` evaluates every index on three scopes — the US units, the MX
units and the whole binational region — with a permutation test, a bootstrap interval and
(optionally) an ACS margin-of-error interval, and the local measures of each scope. It is a
short chain of public steps, each usable alone::

    units, spec = prepare_units(region_or_table, columns=...)        # names, metres
    scopes = resolve_scopes(units, group=..., scopes=..., spec=spec)  # US, MX, binational
    for scope in scopes:
        scope_indices(scope, ...)     # global indices with inference (tidy rows)
        scope_multigroup(scope, ...)  # multigroup indices (optional)
        scope_local(scope, ...)       # local measures (GeoDataFrame)
    profile_table([...])              # one tidy table, columns TABLE_COLUMNS

Options are grouped in frozen dataclasses (:mod:`.options`): :class:`Inference`,
:class:`MoeOptions`, :class:`LocalOptions`, :class:`BinationalOptions`.

The rules for groups and scopes (defaults per side, skipped scopes, the binational scope, all-
or-nothing groups) are those of :mod:`.scopes`.

Your own data and weights: see :mod:`.scopes` (any GeoDataFrame, ``columns=``, CRS in feet)
and :func:`~binational.concentration.weights.as_spatial_weights` (libpysal ``W``/``Graph``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .. import settings
from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY, MOE_SUFFIX, MX, US
from ._validate import DegenerateCountsError, counts
from .indices import IndexSet, index_names, kind_of
from .inference import inference_table
from .local import local_measures
from .moe import moe_table
from .multigroup import MULTIGROUP, multigroup_counts
from .options import BinationalOptions, Inference, LocalOptions, MoeOptions
from .scopes import SCOPES, Scope, prepare_units, resolve_scopes
from .tidy import TABLE_COLUMNS, _join, profile_table, skipped_rows
from .weights import WeightsLike, as_spatial_weights

# SCOPES and TABLE_COLUMNS stay importable from here (their documented home before the split)
__all__ = [
    "SCOPES",
    "TABLE_COLUMNS",
    "ConcentrationProfile",
    "concentration_profile",
    "scope_indices",
    "scope_local",
    "scope_multigroup",
]

log = get_logger(__name__)


class ConcentrationProfile(NamedTuple):
    """What :func:`concentration_profile` returns: ``.table`` and ``.local``.

    A NamedTuple, its one shape: read the attributes, or unpack as ``table, local = ...``.

    Attributes
    ----------
    table
        Tidy DataFrame, one row per (scope, index); columns :data:`TABLE_COLUMNS`.
    local
        GeoDataFrame of local measures, one row per (scope, unit), with ``scope`` and ``group``
        columns (see :func:`binational.concentration.local.local_measures`); the group and
        total counts are ``group_count`` and ``total_count``.
    """

    table: pd.DataFrame
    local: pd.DataFrame


def _usable(scope: Scope) -> None:
    if scope.units is None:
        raise IndexInputError(f"scope {scope.name}: {scope.reason}")


def _moe_columns(table, iset, c, sub, scope: Scope, moe: MoeOptions, replicates, level):
    xm_col, tm_col = f"{scope.group}{MOE_SUFFIX}", f"{scope.total}{MOE_SUFFIX}"
    if xm_col not in sub.columns or not sub[xm_col].notna().any():
        note = f"no MOE column {xm_col!r}: no MOE interval"
        table["note"] = [_join(n, note) for n in table["note"]]
        return
    t_moe = sub[tm_col].to_numpy(float) if tm_col in sub.columns else None
    mt = moe_table(
        iset,
        c.x,
        c.total,
        sub[xm_col].to_numpy(float),
        t_moe,
        replicates=moe.replicates or replicates,
        level=level,
        seed=scope.seed,
        z=moe.z,
    ).set_index("index")
    for col in (
        "moe_low",
        "moe_high",
        "moe_bias",
        "moe_corrected",
        "moe_corrected_low",
        "moe_corrected_high",
    ):
        table[col] = table["index"].map(mt[col])
    extra = mt["moe_note"].iloc[0]
    if extra:
        table["note"] = [_join(n, extra) for n in table["note"]]


def _all_or_nothing(table: pd.DataFrame) -> None:
    """No unevenness to measure: an aspatial index would be 1 by construction, so none is
    given (one reason, the same note on each row); spatial indices still carry meaning."""
    aspatial = table["index"].map(lambda i: kind_of(i) == "aspatial").to_numpy()
    numeric = [c for c in table.columns if c not in ("scope", "group", "total", "index")]
    numeric = [c for c in numeric if pd.api.types.is_float_dtype(table[c])]
    table.loc[aspatial, numeric] = np.nan
    table.loc[aspatial, "status"] = "skipped"
    table.loc[aspatial, "note"] = (
        "skipped: the group is the whole population of a unit or none of it in every "
        "unit: an aspatial index would be 1 by construction"
    )


def scope_indices(
    scope: Scope,
    *,
    indices: Sequence[str] | None = None,
    permutations: int = 999,
    inference: Inference | None = None,
    moe: MoeOptions | None = None,
    **index_options,
) -> pd.DataFrame:
    """Global single-group indices of one scope, with their inference.

    Parameters
    ----------
    scope
        A scope of :func:`~binational.concentration.scopes.resolve_scopes` (not skipped).
    indices
        Index names (default :data:`~binational.concentration.indices.DEFAULT_INDICES`);
        spatial ones need geometries (else one skipped row each).
    permutations
        Replicates of the permutation test, the bootstrap and the MOE simulation.
    inference
        Test and interval options (default :class:`Inference`).
    moe
        Propagate ``<col>_moe`` margins of error (None: no MOE interval).
    **index_options
        Passed to :meth:`~binational.concentration.indices.IndexSet.build` (``atkinson_b``,
        ``bandwidth``, ``function``, ``round_counts``; SP's ``alpha``/``beta`` as
        ``sp_alpha``/``sp_beta``...).

    Returns
    -------
    DataFrame
        One row per index, columns among :data:`TABLE_COLUMNS`.

    Raises
    ------
    DegenerateCountsError
        The scope's counts cannot give an index (the profile skips such a scope).
    """
    _usable(scope)
    inf = inference or Inference()
    names = index_names(indices)
    opts = {{"sp_alpha": "alpha", "sp_beta": "beta"}.get(k, k): v for k, v in index_options.items()}
    opts.setdefault("cross_border", scope.cross_border)
    c = counts(
        scope.units, scope.group, scope.total, dropna=True, what=f"{scope.name} {scope.group}"
    )
    sub = scope.units if c.keep.all() else scope.units[c.keep]
    usable = [n for n in names if scope.spatial or kind_of(n) == "aspatial"]
    iset = IndexSet.build(sub, usable, **opts)
    table = inference_table(
        iset,
        c.x,
        c.total,
        null=inf.null,
        permutations=permutations,
        ci=inf.ci,
        level=inf.level,
        alternative=inf.alternative,
        seed=scope.seed,
    )
    table["moe_low"] = np.nan
    table["moe_high"] = np.nan
    if moe is not None:
        _moe_columns(table, iset, c, sub, scope, moe, permutations, inf.level)
    table.insert(0, "scope", scope.name)
    table.insert(1, "group", scope.group)
    table.insert(2, "total", scope.total)
    table["n_units"] = c.n
    table["n_dropped"] = len(c.dropped)
    table["status"] = "ok"
    if np.all((c.x == 0) | (c.x == c.total)):
        _all_or_nothing(table)
    if c.dropped:
        note = f"{len(c.dropped)} unit(s) without data left out"
        table["note"] = [_join(n, note) for n in table["note"]]
    spatial = [n for n in names if n not in usable]
    if not spatial:
        return table
    more = skipped_rows(scope, spatial, "skipped: spatial index needs unit geometries")
    return pd.concat([table, more], ignore_index=True)


def scope_multigroup(scope: Scope, groups: Sequence[str]) -> pd.DataFrame:
    """Multigroup indices of one scope (no permutation test or interval).

    Parameters
    ----------
    scope
        A scope of :func:`~binational.concentration.scopes.resolve_scopes` (not skipped).
    groups
        Group columns; the remainder of the scope's total is added as ``"other"`` unless the
        groups are exhaustive (e.g. the ACS B03002 categories).

    Returns
    -------
    DataFrame
        One row per index of :data:`~binational.concentration.multigroup.MULTIGROUP`.
    """
    _usable(scope)
    part, total, groups = scope.units, scope.total, list(groups)
    missing = [g for g in [*groups, total] if g not in part.columns or part[g].isna().all()]
    if missing:
        reason = f"skipped: multigroup column(s) {missing} have no values here"
        return skipped_rows(
            Scope(name=scope.name, group=",".join(groups), total=total), list(MULTIGROUP), reason
        )
    try:
        c, values, names = multigroup_counts(part, groups, total=total, dropna=True)
    except IndexInputError as exc:
        if "other" not in str(exc):
            raise
        # exhaustive categories (e.g. B03002): no remainder group
        c, values, names = multigroup_counts(part, groups, total=None, dropna=True)
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, func in MULTIGROUP.items():
            rows.append(
                {
                    "scope": scope.name,
                    "group": ",".join(names),
                    "total": total,
                    "index": name,
                    "value": float(func(values)),
                    "n_units": c.n,
                    "n_dropped": len(c.dropped),
                    "status": "ok",
                    "note": "multigroup: no permutation test or interval",
                }
            )
    return pd.DataFrame(rows)


def _scope_weights(weights, scope: Scope, units):
    """Weights for the scope's rows: a kind name as is, prebuilt weights cut to the scope."""
    if isinstance(weights, str):
        return weights
    w = as_spatial_weights(weights, units)
    if scope.name in (US, MX):
        w = w.subset((units[COUNTRY].astype(str) == scope.name).to_numpy())
    return w if scope.cross_border else w.within_sides()


def scope_local(
    scope: Scope,
    *,
    weights: str | WeightsLike = "queen",
    permutations: int = 999,
    options: LocalOptions | None = None,
) -> pd.DataFrame:
    """Local measures of one scope (share, LQ, entropy, Gi*, local Moran clusters).

    Parameters
    ----------
    scope
        A scope of :func:`~binational.concentration.scopes.resolve_scopes` (not skipped, with
        geometries).
    weights
        Weights kind, built on the scope's units, or weights for the scope's rows
        (SpatialWeights, libpysal ``W`` or ``Graph``).
    permutations
        Conditional permutations (unless ``options.permutations`` is set).
    options
        Weights options, p-value rule and significance level (default :class:`LocalOptions`).

    Returns
    -------
    GeoDataFrame
        :func:`~binational.concentration.local.local_measures` with ``scope`` and ``group``
        columns and the counts as ``group_count``/``total_count``.
    """
    _usable(scope)
    opts = options or LocalOptions()
    lm = local_measures(
        scope.units,
        group=scope.group,
        total=scope.total,
        weights=weights,
        permutations=permutations if opts.permutations is None else opts.permutations,
        alpha=opts.alpha,
        alternative=opts.alternative,
        seed=scope.seed,
        cross_border=scope.cross_border,
        weights_options=dict(opts.weights_options),
    )
    lm.insert(0, "scope", scope.name)
    lm.insert(1, "group", scope.group)
    return lm.rename(columns={scope.group: "group_count", scope.total: "total_count"})


def _concat_local(parts, units):
    import geopandas as gpd

    if parts:
        out = pd.concat(parts, ignore_index=True)
        return gpd.GeoDataFrame(out, geometry="geometry", crs=parts[0].crs)
    crs = getattr(units, "crs", None)
    return gpd.GeoDataFrame({"scope": pd.Series(dtype=str)}, geometry=[], crs=crs)


def _multigroup_columns(multigroups, units) -> list[str]:
    if not isinstance(multigroups, str):
        return list(multigroups or [])
    if multigroups != "B03002":
        raise IndexInputError(f"multigroups: unknown preset {multigroups!r} (use 'B03002')")
    from ..groups import MULTIGROUP_US

    return [g for g in MULTIGROUP_US if g in units.columns]


def _local_part(scope, weights, permutations, options, units, attrs) -> pd.DataFrame | None:
    try:
        w = _scope_weights(weights, scope, units)
        lm = scope_local(scope, weights=w, permutations=permutations, options=options)
    except DegenerateCountsError as exc:
        if scope.explicit:
            raise
        log.warning("concentration_profile: %s local measures skipped: %s", scope.name, exc)
        attrs[scope.name] = {"skipped": str(exc)}
        return None
    attrs[scope.name] = dict(lm.attrs)
    return lm


def concentration_profile(
    units,
    *,
    group: str | Mapping[str, str] | None = None,
    total: str | None = None,
    columns: Mapping[str, str] | None = None,
    scopes: Sequence[str] | None = None,
    indices: Sequence[str] | None = None,
    multigroups: Sequence[str] | str | None = None,
    weights: str | WeightsLike = "queen",
    permutations: int = 999,
    seed: int = 0,
    inference: Inference | None = None,
    moe: bool | MoeOptions = False,
    local: bool | LocalOptions = True,
    binational: BinationalOptions | None = None,
    **index_options,
) -> ConcentrationProfile:
    """Concentration of a group on each side of a twin city and across it.

    Parameters
    ----------
    units
        A ``Region`` (:func:`binational.load_region`) or a unit table: any GeoDataFrame in a
        projected CRS (a CRS in feet is reprojected to metres); a DataFrame without geometry
        gets the aspatial indices only.
    group, total, columns
        Group and total columns, by keyword or through ``columns`` (role → column, roles
        ``group``, ``total``, ``unit_id``, ``country``): see :mod:`.scopes` and the notes above.
    scopes
        Scopes among ``"US"``, ``"MX"``, ``"binational"`` (default: all, skipping the
        unavailable ones with a note). Naming a scope makes a missing group an error.
    indices
        Global single-group indices (default
        :data:`~binational.concentration.indices.DEFAULT_INDICES`).
    multigroups
        Group columns for the multigroup indices (rows without a test); ``"B03002"``: the
        ACS race/ethnicity categories of :data:`binational.groups.MULTIGROUP_US` present.
    weights
        Weights of the local measures: a kind (``"queen"``, ``"rook"``, ``"knn"``,
        ``"distance_band"``, ``"kernel"``) built per scope, or weights for the rows of the
        unit table (SpatialWeights, libpysal ``W`` or ``Graph``), cut to each scope.
    permutations
        Replicates of every random step: permutation test, bootstrap, MOE, local inference.
    seed
        Seed of every random draw (same seed, same table).
    inference
        Permutation null (None: no test), bootstrap interval, level, alternative.
    moe
        Propagate ``<col>_moe`` margins of error (``True`` or :class:`MoeOptions`):
        ``moe_low``/``moe_high`` are the percentile interval of the simulated indices (biased
        upward for small units), ``moe_bias`` the measured bias, ``moe_corrected`` and
        ``moe_corrected_low``/``_high`` the bias-corrected index and its interval.
    local
        Compute the local measures (``True`` or :class:`LocalOptions`).
    binational
        Cross-border weights and pooling of different groups in the binational scope.
    **index_options
        Passed to :meth:`~binational.concentration.indices.IndexSet.build` (``atkinson_b``,
        ``bandwidth`` in metres, ``function``, ``round_counts``, ``sp_alpha``/``sp_beta``...).

    Returns
    -------
    ConcentrationProfile
        ``.table`` (tidy, :data:`TABLE_COLUMNS`) and ``.local`` (GeoDataFrame).
    """
    inf = inference or Inference()
    moe_opts = MoeOptions() if moe is True else (moe or None)
    local_opts = LocalOptions() if local is True else (local or None)
    units, spec = prepare_units(units, columns=columns)
    names = index_names(indices)
    resolved = resolve_scopes(
        units,
        group=group,
        total=total,
        columns=columns,
        scopes=scopes,
        spec=spec,
        binational=binational,
        seed=seed,
    )
    multi = _multigroup_columns(multigroups, units)
    parts: list[pd.DataFrame] = []
    local_parts, local_attrs = [], {}
    for scope in tqdm(resolved, desc="concentration", disable=not settings.progress, leave=False):
        if scope.reason is not None:
            parts.append(skipped_rows(scope, names, f"skipped: {scope.reason}"))
            continue
        try:
            parts.append(
                scope_indices(
                    scope,
                    indices=names,
                    permutations=permutations,
                    inference=inf,
                    moe=moe_opts,
                    **index_options,
                )
            )
        except DegenerateCountsError as exc:
            if scope.explicit:
                raise
            log.warning("concentration_profile: %s skipped: %s", scope.name, exc)
            parts.append(skipped_rows(scope, names, f"skipped: {exc}"))
            continue
        if multi:
            parts.append(scope_multigroup(scope, multi))
        if local_opts is not None and scope.spatial:
            lm = _local_part(scope, weights, permutations, local_opts, units, local_attrs)
            if lm is not None:
                local_parts.append(lm)
    table = profile_table(
        parts,
        region=spec.name if spec is not None else None,
        seed=seed,
        null=inf.null,
        alternative=inf.alternative,
        level=inf.level,
    )
    local_gdf = _concat_local(local_parts, units)
    local_gdf.attrs["scopes"] = local_attrs
    return ConcentrationProfile(table=table, local=local_gdf)
