"""Concentration of the named groups of :mod:`binational.groups`, each over its own denominator.

:func:`named_group_profile` runs :func:`~binational.concentration.profile.concentration_profile`
once per named group and side, with the group's denominator as the total (``spanish_home`` over
the population aged 5 and over, ``moved_since_2015`` over ``pop_5plus``...), and adds the
multigroup indices of the ACS B03002 categories. A group the data cannot give an index for (no
RESAGEBURB file, an all-or-nothing count) gets **one** row with ``status == "unavailable"`` and
the reason, not a row per index.

:func:`binational_comparison` states what a US group and a Mexican group have in common: the
side-by-side indices always, a pooled cross-border index only for a variable defined the same
way on both sides (:func:`binational.groups.comparison_terms`).

:func:`socioeconomic_context` summarises the context variables (US poverty, CONAPO
marginalisation): shares per side, and an unevenness index only where one is defined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import groups as named
from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY, MX, US
from .multigroup import multigroup_indices
from .options import Inference, MoeOptions
from .profile import concentration_profile
from .scopes import prepare_units
from .tidy import TABLE_COLUMNS

__all__ = [
    "NAMED_COLUMNS",
    "binational_comparison",
    "named_group_profile",
    "socioeconomic_context",
]

log = get_logger(__name__)

#: Columns of :func:`named_group_profile` added to the profile's.
NAMED_COLUMNS = ("side", "label", "label_es", "denominator", "source_cell", "kind")


def _side(units: pd.DataFrame, side: str) -> pd.DataFrame:
    if COUNTRY not in units.columns:
        raise IndexInputError("named groups need a 'country' column (US/MX) in the unit table")
    return units[units[COUNTRY].astype(str) == side]


def _unavailable_row(side: str, group: str, reason: str, kind: str = "group") -> dict:
    g = named.get_group(group) if group in {*named.GROUPS, *named.CONTEXT} else None
    return {
        "scope": side,
        "side": side,
        "group": group,
        "index": "",
        "status": "unavailable",
        "note": reason,
        "label": g.label if g else group,
        "label_es": g.label_es if g else group,
        "denominator": g.denominators[0] if g else "",
        "source_cell": g.source if g else "",
        "kind": kind,
    }


def named_group_profile(
    region_or_units,
    *,
    sides: Sequence[str] = (US, MX),
    groups: Sequence[str] | None = None,
    indices: Sequence[str] = ("dissimilarity", "isolation"),
    permutations: int = 999,
    ci: bool = True,
    level: float = 0.95,
    moe: bool = True,
    multigroup: bool = True,
    seed: int = 0,
    **index_options,
) -> pd.DataFrame:
    """Indices of every named group on each side, each over its own denominator.

    Parameters
    ----------
    region_or_units
        ``Region`` or unit table with a ``country`` column.
    sides
        Sides to compute (``"US"``, ``"MX"``).
    groups
        Named groups (default: every group of :data:`binational.groups.GROUPS`).
    indices
        Single-group indices (spatial ones need geometries).
    permutations, ci, level
        Permutation test, bootstrap interval (see :func:`concentration_profile`).
    moe
        ACS margin-of-error intervals (percentile and bias-corrected) where ``<group>_moe``
        exists.
    multigroup
        Add the multigroup indices of the B03002 categories (US side) over ``race_base`` (or
        ``pop_total``).
    seed
        Seed of every random draw.
    **index_options
        Passed to :func:`concentration_profile` (``bandwidth``, ``function``...).

    Returns
    -------
    DataFrame
        The columns of :data:`~binational.concentration.profile.TABLE_COLUMNS` plus
        :data:`NAMED_COLUMNS`; ``status`` is ``"ok"``, ``"skipped"`` (an index the units cannot
        give, e.g. spatial without geometry) or ``"unavailable"`` (one row per group, reason in
        ``note``). ``attrs["unavailable"]``: side → {group: reason}.
    """
    units, spec = prepare_units(region_or_units)
    wanted = list(groups) if groups is not None else list(named.GROUPS)
    for g in wanted:
        named.get_group(g)
    parts: list[pd.DataFrame] = []
    rows: list[dict] = []
    unavailable: dict[str, dict[str, str]] = {}
    for side in sides:
        if side not in (US, MX):
            raise IndexInputError(f"unknown side {side!r} (use 'US' or 'MX')")
        part = _side(units, side)
        ok, why = named.available_groups(part, country=side)
        why = {g: r for g, r in why.items() if g in wanted}
        unavailable[side] = why
        for g, reason in why.items():
            rows.append(_unavailable_row(side, g, reason))
        for g in [g for g in ok if g in wanted]:
            info = named.get_group(g)
            total = named.denominator(g, part.columns)
            table, _ = concentration_profile(
                part,
                group=g,
                total=total,
                scopes=[side],
                indices=list(indices),
                permutations=permutations,
                inference=Inference(
                    null="systematic" if permutations else None, ci=ci, level=level
                ),
                moe=MoeOptions() if moe and f"{g}_moe" in part.columns else False,
                local=False,
                seed=seed,
                **index_options,
            )
            table["side"] = side
            table["label"] = info.label
            table["label_es"] = info.label_es
            table["denominator"] = total
            table["source_cell"] = info.source
            table["kind"] = "group"
            parts.append(table)
        if multigroup and side == US:
            rows += _multigroup_rows(part)
    out = pd.concat([*parts, pd.DataFrame(rows)], ignore_index=True, sort=False)
    for col in (*TABLE_COLUMNS, *NAMED_COLUMNS):
        if col not in out.columns:
            out[col] = np.nan
    out = out[[*TABLE_COLUMNS, *NAMED_COLUMNS]]
    for col in ("scope", "group", "index", "status", "note", "label", "label_es", "kind"):
        out[col] = out[col].fillna("").astype(str)
    out.attrs.update(
        region=spec.name if spec is not None else None,
        seed=seed,
        level=level,
        unavailable=unavailable,
    )
    return out


def _multigroup_rows(part: pd.DataFrame) -> list[dict]:
    present = [g for g in named.MULTIGROUP_US if g in part.columns and part[g].notna().any()]
    total = next((c for c in ("race_base", "pop_total") if c in part.columns), None)
    if len(present) < 2 or total is None:
        return [
            _unavailable_row(
                US,
                "B03002",
                f"B03002 categories not in the unit table (found {present or 'none'})",
                kind="multigroup",
            )
        ]
    keep = part[[*present, total]].notna().all(axis=1)
    rest = part.loc[keep, total].sum() - part.loc[keep, present].to_numpy(float).sum()
    # exhaustive categories (the B03002 set): no remainder group; otherwise add it as "other"
    exhaustive = rest <= 1e-9 * max(part.loc[keep, total].sum(), 1.0)
    names = present if exhaustive else [*present, "other"]
    try:
        values = multigroup_indices(
            part, groups=present, total=None if exhaustive else total, dropna=True
        )
    except IndexInputError as exc:
        return [_unavailable_row(US, "B03002", str(exc), kind="multigroup")]
    rows = []
    for name, value in values.items():
        rows.append(
            {
                "scope": US,
                "side": US,
                "group": ",".join(names),
                "total": total,
                "index": name,
                "value": float(value),
                "n_units": int(keep.sum()),
                "n_dropped": int((~keep).sum()),
                "status": "ok",
                "note": "multigroup: no test or interval"
                + ("" if exhaustive else " (remainder of the total as 'other')"),
                "label": "Race and Hispanic origin (B03002 categories)",
                "label_es": "Raza y origen hispano (categorías B03002)",
                "denominator": total,
                "source_cell": "ACS 5-year B03002_003..009, _012 / B03002_001",
                "kind": "multigroup",
            }
        )
    return rows


def binational_comparison(
    units: pd.DataFrame,
    *,
    us_group: str,
    mx_group: str,
    profile: pd.DataFrame | None = None,
    indices: Sequence[str] = ("dissimilarity", "isolation"),
    permutations: int = 199,
    seed: int = 0,
    **index_options,
) -> dict:
    """What a US group and a Mexican group can be compared on, with the numbers that may be.

    Parameters
    ----------
    units
        Binational unit table.
    us_group, mx_group
        Named groups (:mod:`binational.groups`).
    profile
        A :func:`named_group_profile` table to take the side-by-side values from (computed
        when not given).
    indices, permutations, seed, **index_options
        For the values computed here.

    Returns
    -------
    dict
        The statement of :func:`binational.groups.comparison_terms`, plus ``side_by_side``
        (DataFrame: index, US value, MX value, each with its own group and denominator) and
        ``pooled`` (the binational-scope profile table when the variable is defined on both
        sides, else None) with ``pooled_reason``.
    """
    terms = named.comparison_terms(us_group, mx_group)
    if profile is None:
        profile = named_group_profile(
            units,
            groups=[us_group, mx_group],
            indices=indices,
            permutations=permutations,
            moe=False,
            multigroup=False,
            seed=seed,
            **index_options,
        )
    ok = profile[profile["status"] == "ok"]
    us = ok[(ok["side"] == US) & (ok["group"] == us_group)].set_index("index")["value"]
    mx = ok[(ok["side"] == MX) & (ok["group"] == mx_group)].set_index("index")["value"]
    side = pd.DataFrame({"us": us, "mx": mx}).reindex(list(indices))
    side.index.name = "index"
    side["us_group"], side["mx_group"] = us_group, mx_group
    pooled, reason = None, None
    if not terms["same_variable"]:
        reason = terms["not_comparable"][1]
    else:
        total = named.denominator(us_group, units.columns)
        mx_total = named.denominator(mx_group, units.columns)
        if total != mx_total:
            reason = f"the denominators differ ({total} vs {mx_total})"
        else:
            pooled, _ = concentration_profile(
                units,
                group={US: us_group, MX: mx_group},
                total=total,
                scopes=["binational"],
                indices=list(indices),
                permutations=permutations,
                local=False,
                seed=seed,
                **index_options,
            )
    return {**terms, "side_by_side": side.reset_index(), "pooled": pooled, "pooled_reason": reason}


def socioeconomic_context(
    units: pd.DataFrame,
    *,
    indices: Sequence[str] = ("dissimilarity",),
    permutations: int = 199,
    seed: int = 0,
) -> pd.DataFrame:
    """Socio-economic context per side: US poverty (B17001), CONAPO marginalisation.

    These describe living conditions, not ethnicity or origin. For each context variable of
    :data:`binational.groups.CONTEXT`: the population share, and the unevenness index where
    one is defined (US poverty); CONAPO's grade is all or nothing per AGEB, so the population
    by grade is given instead and the reason no index is computed.

    Parameters
    ----------
    units
        Binational unit table with the context columns.
    indices
        Index names computed where an index is defined.
    permutations
        Permutations of the index tests.
    seed
        Random seed.

    Returns
    -------
    DataFrame
        ``side, variable, label, label_es, measure, value, ci_low, ci_high, denominator,
        source, note`` (``measure``: ``share``, an index name, or ``pop_<grade>``).
    """
    rows: list[dict] = []
    for side in (US, MX):
        part = _side(units, side)
        for name, g in named.CONTEXT.items():
            if g.country != side:
                continue
            base = named.denominator(name, part.columns)
            common = {
                "side": side,
                "variable": name,
                "label": g.label,
                "label_es": g.label_es,
                "denominator": base or g.denominators[0],
                "source": g.source,
            }
            if name not in part.columns or base is None or part[name].isna().all():
                rows.append({**common, "measure": "", "note": f"no {name!r} in the unit table"})
                continue
            keep = part[[name, base]].notna().all(axis=1)
            share = float(part.loc[keep, name].sum() / part.loc[keep, base].sum())
            rows.append({**common, "measure": "share", "value": share, "note": ""})
            if g.all_or_nothing:
                if "gm_2020" in part.columns:
                    pop = part.groupby("gm_2020", observed=False)[base].sum()
                    for grade, value in pop.items():
                        rows.append({**common, "measure": f"pop_{grade}", "value": float(value)})
                rows.append(
                    {
                        **common,
                        "measure": "",
                        "note": "no unevenness index: the count is a whole AGEB or nothing, "
                        "so any index would be 1 by construction",
                    }
                )
                continue
            table, _ = concentration_profile(
                part,
                group=name,
                total=base,
                scopes=[side],
                indices=list(indices),
                permutations=permutations,
                local=False,
                seed=seed,
            )
            for rec in table.to_dict("records"):
                rows.append(
                    {
                        **common,
                        "measure": rec["index"],
                        "value": rec["value"],
                        "ci_low": rec["ci_low"],
                        "ci_high": rec["ci_high"],
                        "note": rec["note"],
                    }
                )
    cols = [
        "side",
        "variable",
        "label",
        "label_es",
        "measure",
        "value",
        "ci_low",
        "ci_high",
        "denominator",
        "source",
        "note",
    ]
    out = pd.DataFrame(rows)
    for c in cols:
        if c not in out.columns:
            out[c] = np.nan
    out = out[cols]
    out["note"] = out["note"].fillna("").astype(str)
    return out
