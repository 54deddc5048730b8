"""One call for a region: global indices with inference per side, and local clusters.

:func:`concentration_profile` evaluates every index on three scopes — the US units, the MX
units and the whole binational region — with a permutation test, a bootstrap interval and
(optionally) an ACS margin-of-error interval, and the local measures of each scope.

Groups and scopes
-----------------
The two sides rarely share a group: the ACS gives ``hispanic`` or ``spanish_home`` for US tracts,
CONAPO gives ``high_marginalization`` for Mexican AGEBs. ``group`` names the group for every
side; ``group_mx`` (or a mapping ``{"US": ..., "MX": ...}``) a different one for the Mexican
side. Without ``group`` the region preset's defaults are used (``groups_us[0]``,
``groups_mx[0]``). A scope whose group has no values on its units is not computed: the table
carries one row per index with ``status == "skipped"`` and the reason in ``note`` — unless the
scope was asked for explicitly (``scopes=``), which raises
:class:`~binational.errors.IndexInputError`. The binational scope uses the same group on both
sides; with different groups per side it is skipped, unless asked for explicitly
(``scopes=[..., "binational"]``): the group is then the US column on US units and the MX column
on MX units, named ``"<us>|<mx>"`` in the table. Two named groups of
:mod:`binational.groups` that measure different things (e.g. ``{"US": "poverty_below", "MX":
"high_marginalization"}``) are not pooled: a cross-border index needs a variable defined on
both sides; ``mixed_groups=True`` pools them anyway. Units with a missing count are left out
of their scope and counted in ``n_dropped``.

A scope whose counts cannot give an index (a group with no members there, fewer than two
units...) is skipped the same way, with the error message in ``note``, unless it was asked for
explicitly. Invalid counts (a group above its total, negative counts) always raise.

A group recorded per unit as all or nothing (e.g. the population of AGEBs whose CONAPO grade is
high or very high) would have aspatial indices of 1 by construction: they are not computed
(``status == "skipped"``, one reason in ``note``); the spatial indices and local clusters
carry the information. Such a variable is socio-economic context rather than a population
group (see :func:`binational.concentration.named.socioeconomic_context`).
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
from ..schema import COUNTRY, MOE_SUFFIX, MX, POP_TOTAL, US
from ._validate import DegenerateCountsError, counts
from .indices import IndexSet, index_names, kind_of
from .inference import ALTERNATIVES, NULLS, inference_table
from .local import local_measures
from .moe import Z95, moe_table
from .multigroup import MULTIGROUP, multigroup_counts

__all__ = ["SCOPES", "TABLE_COLUMNS", "ConcentrationProfile", "concentration_profile"]

log = get_logger(__name__)

BINATIONAL = "binational"
SCOPES = (US, MX, BINATIONAL)
TABLE_COLUMNS = (
    "scope",
    "group",
    "total",
    "index",
    "value",
    "ci_low",
    "ci_high",
    "ci_method",
    "p_value",
    "null",
    "null_mean",
    "null_std",
    "permutations",
    "moe_low",
    "moe_high",
    "moe_bias",
    "moe_corrected",
    "moe_corrected_low",
    "moe_corrected_high",
    "n_units",
    "n_dropped",
    "params",
    "status",
    "note",
)


class ConcentrationProfile(NamedTuple):
    """What :func:`concentration_profile` returns (unpack as ``table, local = ...``).

    Attributes
    ----------
    table
        Tidy DataFrame, one row per (scope, index); columns :data:`TABLE_COLUMNS`.
    local
        GeoDataFrame of local measures, one row per (scope, unit), with a ``scope`` column
        (see :func:`binational.concentration.local.local_measures`).
    """

    table: pd.DataFrame
    local: pd.DataFrame


def _resolve_units(region_or_units, data_dir):
    """(units, spec or None) from a region name/spec, a Region, or a unit table."""
    if isinstance(region_or_units, pd.DataFrame):
        return region_or_units, None
    if hasattr(region_or_units, "units") and hasattr(region_or_units, "spec"):
        return region_or_units.units, region_or_units.spec
    from ..regions import RegionSpec
    from ..units import load_region

    if isinstance(region_or_units, (str, RegionSpec)):
        region = load_region(region_or_units, data_dir=data_dir, network=False, crossings=False)
        return region.units, region.spec
    raise IndexInputError(
        "concentration_profile: expected a region name, a Region or a unit table, got "
        f"{type(region_or_units)!r}"
    )


def _groups_by_side(group, group_mx, spec) -> dict[str, str | None]:
    if isinstance(group, Mapping):
        unknown = set(group) - {US, MX}
        if unknown:
            raise IndexInputError(f"group mapping keys must be 'US'/'MX', got {sorted(unknown)}")
        return {US: group.get(US), MX: group.get(MX)}
    us = group
    mx = group_mx if group_mx is not None else group
    if group is None:
        if spec is None:
            raise IndexInputError("concentration_profile: name a group (group='hispanic')")
        us = spec.groups_us[0] if spec.groups_us else None
        mx = group_mx if group_mx is not None else (spec.groups_mx[0] if spec.groups_mx else None)
    return {US: us, MX: mx}


def _scope_units(units, scope):
    if COUNTRY not in units.columns:
        return units
    if scope == BINATIONAL:
        return units
    return units[units[COUNTRY].astype(str) == scope]


def _mixed_reason(groups_by_side) -> str | None:
    """Why two registered groups of different concepts cannot be pooled (None: they can)."""
    from .. import groups as named

    us, mx = groups_by_side[US], groups_by_side[MX]
    known = {*named.GROUPS, *named.CONTEXT}
    if us == mx or us not in known or mx not in known:
        return None
    a, b = named.get_group(us), named.get_group(mx)
    if a.concept == b.concept:
        return None
    return (
        f"{us!r} ({a.concept}) and {mx!r} ({b.concept}) are different variables: a cross-border "
        "index needs a variable defined on both sides (mixed_groups=True pools them anyway)"
    )


def _availability(units, scope, total, groups_by_side, explicit, mixed_groups=False) -> str | None:
    """Reason the scope cannot be computed, or None."""
    sides = [US, MX] if scope == BINATIONAL else [scope]
    if scope == BINATIONAL and groups_by_side[US] != groups_by_side[MX] and not explicit:
        return (
            f"the sides have different groups ({groups_by_side[US]!r} for US, "
            f"{groups_by_side[MX]!r} for MX); ask for scopes=[..., 'binational'] to combine them"
        )
    if scope == BINATIONAL and not mixed_groups:
        reason = _mixed_reason(groups_by_side)
        if reason is not None:
            return reason
    for side in sides:
        group = groups_by_side[side]
        if group is None:
            return f"no group given for {side}"
        for col in (group, total):
            if col not in units.columns:
                return f"column {col!r} is not in the unit table"
        part = units[units[COUNTRY].astype(str) == side] if COUNTRY in units.columns else units
        if not len(part):
            return f"no {side} units in the table"
        if part[group].isna().all():
            return f"group {group!r} has no values for {side} units"
        if part[total].isna().all():
            return f"total {total!r} has no values for {side} units"
    return None


def _binational_units(units, groups_by_side):
    """Units of both sides with one group column (combined when the sides differ)."""
    us, mx = groups_by_side[US], groups_by_side[MX]
    if us == mx:
        return units, us
    label = f"{us}|{mx}"
    out = units.copy()
    is_us = out[COUNTRY].astype(str) == US
    out[label] = np.where(is_us, out[us], out[mx])
    return out, label


def _skipped_rows(scope, group, total, names, reason):
    return [
        {
            "scope": scope,
            "group": group or "",
            "total": total,
            "index": name,
            "status": "skipped",
            "note": reason,
        }
        for name in names
    ]


def _has_geometry(units) -> bool:
    return hasattr(units, "geometry") and getattr(units, "crs", None) is not None


def concentration_profile(
    region_or_units,
    *,
    group: str | Mapping[str, str] | None = None,
    total: str = POP_TOTAL,
    group_mx: str | None = None,
    scopes: Sequence[str] | None = None,
    indices: Sequence[str] | None = None,
    null: str | None = "systematic",
    permutations: int = 999,
    ci: bool = True,
    level: float = 0.95,
    alternative: str = "two-sided",
    moe: bool = False,
    moe_replicates: int | None = None,
    moe_z: float = Z95,
    local: bool = True,
    weights: str = "queen",
    weights_options: Mapping | None = None,
    cross_border: bool = True,
    local_permutations: int | None = None,
    local_alternative: str = "directed",
    alpha: float = 0.05,
    multigroups: Sequence[str] | str | None = None,
    mixed_groups: bool = False,
    seed: int = 0,
    data_dir=None,
    **index_options,
) -> ConcentrationProfile:
    """Concentration of a group on each side of a twin city and across it.

    Parameters
    ----------
    region_or_units
        Region name (``"tijuana-san-diego"``; loaded with :func:`binational.load_region`), a
        ``Region``, or a unit table (GeoDataFrame; a DataFrame without geometry gets the
        aspatial indices only).
    group, group_mx
        Group column(s): see the module notes.
    total
        Total column.
    scopes
        Scopes to compute among ``"US"``, ``"MX"``, ``"binational"`` (default: all, skipping
        the unavailable ones with a note). Naming a scope makes a missing group an error.
    indices
        Global single-group indices (default
        :data:`~binational.concentration.indices.DEFAULT_INDICES`).
    null, permutations, alternative
        Permutation test (see :mod:`~binational.concentration.inference`); ``null=None`` skips
        it. ``permutations`` also sets the bootstrap and MOE replicates.
    ci, level
        Bootstrap percentile intervals and their coverage.
    moe, moe_replicates, moe_z
        Propagate ``<col>_moe`` margins of error (see :mod:`~binational.concentration.moe`):
        ``moe_low``/``moe_high`` are the percentile interval of the simulated indices (biased
        upward for small units), ``moe_bias`` the measured bias, ``moe_corrected`` and
        ``moe_corrected_low``/``_high`` the bias-corrected index and its interval.
    local
        Compute the local measures.
    weights, weights_options
        Weights kind for the local measures and its options (see
        :func:`~binational.concentration.weights.build_weights`).
    cross_border
        In the binational scope, let weights and local environments cross the border (snapped
        contiguity for queen/rook). Single-side scopes never cross it.
    local_permutations, local_alternative, alpha
        Conditional permutations (default: ``permutations``), p-value rule and significance
        level of the local measures.
    multigroups
        Group columns for the multigroup indices (the remainder of ``total`` is added as
        ``"other"``); rows without a test. ``"B03002"``: the ACS race/ethnicity categories of
        :data:`binational.groups.MULTIGROUP_US` present in the table.
    mixed_groups
        Let the binational scope pool two registered groups that measure different things
        (e.g. US poverty with Mexican marginalisation); by default that scope is refused
        (:mod:`binational.groups`: a cross-border index needs a variable defined on both
        sides).
    seed
        Seed of every random draw (same seed, same table).
    data_dir
        Data folder when ``region_or_units`` is a region name.
    **index_options
        Passed to :meth:`~binational.concentration.indices.IndexSet.build` (``atkinson_b``,
        ``bandwidth``, ``function``, ``round_counts``, ``alpha``/``beta`` of SP as
        ``sp_alpha``/``sp_beta``...).

    Returns
    -------
    ConcentrationProfile
        ``(table, local)``.
    """
    if null is not None and null not in NULLS:
        raise IndexInputError(f"null must be one of {', '.join(NULLS)} or None; got {null!r}")
    if alternative not in ALTERNATIVES:
        raise IndexInputError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    units, spec = _resolve_units(region_or_units, data_dir)
    names = index_names(indices)
    groups_by_side = _groups_by_side(group, group_mx, spec)
    if "sp_alpha" in index_options:
        index_options["alpha"] = index_options.pop("sp_alpha")
    if "sp_beta" in index_options:
        index_options["beta"] = index_options.pop("sp_beta")
    if COUNTRY not in units.columns:
        all_scopes = ["all"]
        groups_by_side = {"all": groups_by_side[US]}
    else:
        all_scopes = list(SCOPES)
    explicit = scopes is not None
    wanted = list(scopes) if explicit else all_scopes
    bad = [s for s in wanted if s not in all_scopes]
    if bad:
        raise IndexInputError(f"unknown scope(s) {bad}; choose among {all_scopes}")
    spatial_ok = _has_geometry(units)
    if spatial_ok and not units.crs.is_projected:
        raise IndexInputError(
            "concentration_profile: the unit table is in a geographic CRS; project it first"
        )
    if isinstance(multigroups, str):
        if multigroups != "B03002":
            raise IndexInputError(f"multigroups: unknown preset {multigroups!r} (use 'B03002')")
        from ..groups import MULTIGROUP_US

        multigroups = [g for g in MULTIGROUP_US if g in units.columns]
    rows: list[dict] = []
    local_parts = []
    local_attrs: dict[str, dict] = {}
    scope_code = {s: i for i, s in enumerate([*SCOPES, "all"])}
    for scope in tqdm(wanted, desc="concentration", disable=not settings.progress, leave=False):
        if scope == "all":
            g = groups_by_side["all"]
            reason = None if g is not None else "no group given"
            if reason is None and (g not in units.columns or total not in units.columns):
                reason = f"column {g if g not in units.columns else total!r} missing"
        else:
            g = groups_by_side[MX] if scope == MX else groups_by_side[US]
            reason = _availability(units, scope, total, groups_by_side, explicit, mixed_groups)
        if reason is not None:
            if explicit:
                raise IndexInputError(f"concentration_profile: scope {scope}: {reason}")
            log.info("concentration_profile: %s skipped: %s", scope, reason)
            rows += _skipped_rows(scope, g, total, names, f"skipped: {reason}")
            continue
        part = _scope_units(units, scope)
        if scope == BINATIONAL:
            part, g = _binational_units(part, groups_by_side)
        scope_seed = (int(seed), scope_code[scope])
        try:
            scope_rows = _scope_rows(
                part,
                scope=scope,
                group=g,
                total=total,
                names=names,
                spatial_ok=spatial_ok,
                cross_border=cross_border and scope == BINATIONAL,
                null=null,
                permutations=permutations,
                ci=ci,
                level=level,
                alternative=alternative,
                moe=moe,
                moe_replicates=moe_replicates or permutations,
                moe_z=moe_z,
                seed=scope_seed,
                index_options=index_options,
            )
        except DegenerateCountsError as exc:
            if explicit:
                raise
            log.warning("concentration_profile: %s skipped: %s", scope, exc)
            rows += _skipped_rows(scope, g, total, names, f"skipped: {exc}")
            continue
        rows += scope_rows
        if multigroups:
            rows += _multigroup_rows(part, scope, list(multigroups), total)
        if local and spatial_ok:
            try:
                lm = local_measures(
                    part,
                    group=g,
                    total=total,
                    weights=weights,
                    permutations=permutations if local_permutations is None else local_permutations,
                    alpha=alpha,
                    alternative=local_alternative,
                    seed=scope_seed,
                    cross_border=cross_border and scope == BINATIONAL,
                    weights_options=dict(weights_options or {}),
                )
            except DegenerateCountsError as exc:
                if explicit:
                    raise
                log.warning("concentration_profile: %s local measures skipped: %s", scope, exc)
                local_attrs[scope] = {"skipped": str(exc)}
                continue
            lm.insert(0, "scope", scope)
            lm.insert(1, "group", g)
            lm = lm.rename(columns={g: "group_count", total: "total_count"})
            local_attrs[scope] = dict(lm.attrs)
            local_parts.append(lm)
    table = pd.DataFrame(rows)
    for col in TABLE_COLUMNS:
        if col not in table.columns:
            table[col] = np.nan
    table = table[list(TABLE_COLUMNS)]
    for col in ("scope", "group", "total", "index", "ci_method", "null", "params", "status"):
        table[col] = table[col].fillna("").astype(str)
    table["note"] = table["note"].fillna("").astype(str)
    for col in ("permutations", "n_units", "n_dropped"):
        table[col] = table[col].fillna(0).astype(int)
    table.attrs.update(
        {
            "region": spec.name if spec is not None else None,
            "seed": seed,
            "null": null,
            "alternative": alternative,
            "level": level,
        }
    )
    local_gdf = _concat_local(local_parts, units)
    local_gdf.attrs["scopes"] = local_attrs
    return ConcentrationProfile(table=table, local=local_gdf)


def _concat_local(parts, units):
    import geopandas as gpd

    if parts:
        out = pd.concat(parts, ignore_index=True)
        return gpd.GeoDataFrame(out, geometry="geometry", crs=parts[0].crs)
    crs = getattr(units, "crs", None)
    return gpd.GeoDataFrame({"scope": pd.Series(dtype=str)}, geometry=[], crs=crs)


def _scope_rows(
    part,
    *,
    scope,
    group,
    total,
    names,
    spatial_ok,
    cross_border,
    null,
    permutations,
    ci,
    level,
    alternative,
    moe,
    moe_replicates,
    moe_z,
    seed,
    index_options,
) -> list[dict]:
    c = counts(part, group, total, dropna=True, what=f"{scope} {group}")
    sub = part if c.keep.all() else part[c.keep]
    usable = [n for n in names if spatial_ok or kind_of(n) == "aspatial"]
    skipped = [n for n in names if n not in usable]
    opts = dict(index_options)
    opts.setdefault("cross_border", cross_border)
    iset = IndexSet.build(sub, usable, **opts)
    table = inference_table(
        iset,
        c.x,
        c.total,
        null=null,
        permutations=permutations,
        ci=ci,
        level=level,
        alternative=alternative,
        seed=seed,
    )
    table["moe_low"] = np.nan
    table["moe_high"] = np.nan
    if moe:
        xm_col, tm_col = f"{group}{MOE_SUFFIX}", f"{total}{MOE_SUFFIX}"
        if xm_col in sub.columns and sub[xm_col].notna().any():
            t_moe = sub[tm_col].to_numpy(float) if tm_col in sub.columns else None
            mt = moe_table(
                iset,
                c.x,
                c.total,
                sub[xm_col].to_numpy(float),
                t_moe,
                replicates=moe_replicates,
                level=level,
                seed=seed,
                z=moe_z,
            ).set_index("index")
            for col in ("moe_low", "moe_high", "moe_bias", "moe_corrected"):
                table[col] = table["index"].map(mt[col])
            table["moe_corrected_low"] = table["index"].map(mt["moe_corrected_low"])
            table["moe_corrected_high"] = table["index"].map(mt["moe_corrected_high"])
            extra = mt["moe_note"].iloc[0]
            if extra:
                table["note"] = [_join(n, extra) for n in table["note"]]
        else:
            table["note"] = [
                _join(n, f"no MOE column {xm_col!r}: no MOE interval") for n in table["note"]
            ]
    all_or_nothing = bool(np.all((c.x == 0) | (c.x == c.total)))
    table.insert(0, "scope", scope)
    table.insert(1, "group", group)
    table.insert(2, "total", total)
    table["n_units"] = c.n
    table["n_dropped"] = len(c.dropped)
    table["status"] = "ok"
    if all_or_nothing:
        # no unevenness to measure: an aspatial index would be 1 by construction, so none is
        # given (one reason, the same note on each row); spatial indices still carry meaning
        aspatial = table["index"].map(lambda i: kind_of(i) == "aspatial").to_numpy()
        numeric = [c for c in table.columns if c not in ("scope", "group", "total", "index")]
        numeric = [c for c in numeric if pd.api.types.is_float_dtype(table[c])]
        table.loc[aspatial, numeric] = np.nan
        table.loc[aspatial, "status"] = "skipped"
        table.loc[aspatial, "note"] = (
            "skipped: the group is the whole population of a unit or none of it in every "
            "unit: an aspatial index would be 1 by construction"
        )
    if c.dropped:
        table["note"] = [
            _join(n, f"{len(c.dropped)} unit(s) without data left out") for n in table["note"]
        ]
    rows = table.to_dict("records")
    rows += _skipped_rows(
        scope, group, total, skipped, "skipped: spatial index needs unit geometries"
    )
    return rows


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def _multigroup_rows(part, scope, groups, total) -> list[dict]:
    missing = [g for g in [*groups, total] if g not in part.columns or part[g].isna().all()]
    if missing:
        return _skipped_rows(
            scope,
            ",".join(groups),
            total,
            list(MULTIGROUP),
            f"skipped: multigroup column(s) {missing} have no values here",
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
                    "scope": scope,
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
    return rows
