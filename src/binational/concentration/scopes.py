"""The first steps of a profile: the unit table, then its scopes (US, MX, binational).

:func:`prepare_units` takes a ``Region`` or any (Geo)DataFrame, names its columns after the
package's schema (``columns=``) and puts its geometry in metres. :func:`resolve_scopes` decides,
for each scope, which units and which group column it uses, or why it cannot be computed.

Your own data
-------------
Any table of units works. Name its columns with keywords (``group="hisp", total="pop"``) or
with ``columns=`` mapping a role to a column of your table: ``group``, ``total``, ``unit_id``
(labels in outputs and messages) and ``country`` (``"US"``/``"MX"`` per unit: the sides; a
table without it is one scope, ``"all"``). A CRS in feet is reprojected to UTM (with a
warning) so that every distance is in metres; a geographic CRS raises
:class:`~binational.errors.CRSError`; a table without CRS or geometry gets the aspatial indices
only.

Groups and scopes
-----------------
The two sides rarely share a group: the ACS gives ``hispanic`` or ``spanish_home`` for US tracts,
CONAPO gives ``high_marginalization`` for Mexican AGEBs. ``group`` names the group for every
side, or ``{"US": ..., "MX": ...}`` one per side. Without ``group`` (or for a side the mapping
leaves out) the region preset's defaults are used (``groups_us[0]``, ``groups_mx[0]``). A scope
whose group has no values on its units is not computed: the table carries one row per index with
``status == "skipped"`` and the reason in ``note`` — unless the scope was asked for explicitly
(``scopes=``), which raises :class:`~binational.errors.IndexInputError`. The binational scope
uses the same group on both sides; with different groups per side it is skipped, unless asked
for explicitly (``scopes=[..., "binational"]``): the group is then the US column on US units and
the MX column on MX units, named ``"<us>|<mx>"`` in the table. Two named groups of
:mod:`binational.groups` that measure different things (e.g. ``{"US": "poverty_below", "MX":
"high_marginalization"}``) are not pooled: a cross-border index needs a variable defined on
both sides; ``BinationalOptions(mixed_groups=True)`` pools them anyway. Units with a missing
count are left out of their scope and counted in ``n_dropped``.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._crs import to_metric
from .._log import get_logger
from ..errors import IndexInputError
from ..schema import COUNTRY, MX, POP_TOTAL, UNIT_ID, US
from .options import BinationalOptions

__all__ = ["BINATIONAL", "ROLES", "SCOPES", "Scope", "prepare_units", "resolve_scopes"]

log = get_logger(__name__)

BINATIONAL = "binational"
SCOPES = (US, MX, BINATIONAL)
#: Roles a ``columns=`` mapping may name.
ROLES = ("group", "total", "unit_id", "country")
_SCOPE_CODE = {s: i for i, s in enumerate([*SCOPES, "all"])}


@dataclass(frozen=True, eq=False)
class Scope:
    """One scope of a profile: its units and group, or the reason it is skipped.

    Attributes
    ----------
    name
        ``"US"``, ``"MX"``, ``"binational"`` or ``"all"`` (a table without ``country``).
    group
        Group column of ``units`` (``"<us>|<mx>"`` when the binational scope combines two).
    total
        Total column.
    units
        The scope's units (None when skipped).
    reason
        Why the scope cannot be computed (None when it can).
    explicit
        The scope was asked for: a later failure raises instead of skipping it.
    spatial
        The units have geometries in a projected CRS in metres (spatial indices and local
        measures possible).
    cross_border
        Weights and environments may cross the border (binational scope only).
    seed
        ``(seed, scope number)``: the seed of every random draw of this scope.
    """

    name: str
    group: str | None
    total: str
    units: pd.DataFrame | None = None
    reason: str | None = None
    explicit: bool = False
    spatial: bool = False
    cross_border: bool = False
    seed: tuple[int, int] = (0, 0)


def _is_region(data) -> bool:
    return hasattr(data, "units") and hasattr(data, "spec")


def prepare_units(data, *, columns: Mapping[str, str] | None = None):
    """The unit table of ``data`` in the package's column names, in metres.

    Parameters
    ----------
    data
        A ``Region`` (from :func:`binational.load_region`) or a (Geo)DataFrame of units. A
        region name or a path is refused: load it first.
    columns
        Role → column of ``data`` for ``unit_id`` and ``country`` (renamed here); ``group`` and
        ``total`` are resolved by :func:`resolve_scopes`.

    Returns
    -------
    units, spec
        The unit table (a copy when renamed or reprojected) and the region preset (None for a
        table).
    """
    if _is_region(data):
        units, spec = data.units, data.spec
    elif isinstance(data, pd.DataFrame):
        units, spec = data, None
    else:
        raise IndexInputError(
            f"concentration: expected a Region or a unit table, got {type(data).__name__}"
            + (
                "; load it first: binational.load_region(name, network=False)"
                if isinstance(data, str)
                else ""
            )
        )
    columns = dict(columns or {})
    unknown = set(columns) - set(ROLES)
    if unknown:
        raise IndexInputError(f"columns: unknown role(s) {sorted(unknown)}; use {list(ROLES)}")
    rename = {columns[r]: r for r in (UNIT_ID, COUNTRY) if r in columns and columns[r] != r}
    missing = [c for c in rename if c not in units.columns]
    if missing:
        raise IndexInputError(f"columns: {missing} not in the unit table")
    if rename:
        clash = [r for r in rename.values() if r in units.columns]
        units = units.drop(columns=clash).rename(columns=rename)
    if getattr(units, "crs", None) is not None and hasattr(units, "geometry"):
        units = to_metric(units, what="concentration units")
    return units, spec


def _column(role: str, keyword, columns: Mapping[str, str] | None, default=None):
    mapped = (columns or {}).get(role)
    if keyword is not None and mapped is not None and keyword != mapped:
        raise IndexInputError(f"{role}: {keyword!r} given and columns maps it to {mapped!r}")
    return keyword if keyword is not None else (mapped if mapped is not None else default)


def _groups_by_side(group, spec) -> dict[str, str | None]:
    defaults = {US: None, MX: None}
    if spec is not None:
        defaults = {
            US: spec.groups_us[0] if spec.groups_us else None,
            MX: spec.groups_mx[0] if spec.groups_mx else None,
        }
    if isinstance(group, Mapping):
        unknown = set(group) - {US, MX}
        if unknown:
            raise IndexInputError(f"group mapping keys must be 'US'/'MX', got {sorted(unknown)}")
        return {side: group.get(side) or defaults[side] for side in (US, MX)}
    if group is None:
        if spec is None:
            raise IndexInputError("concentration: name a group (group='hispanic')")
        return defaults
    return {US: group, MX: group}


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


def _availability(units, scope, total, groups_by_side, explicit, mixed_groups) -> str | None:
    """Reason the scope cannot be computed, or None."""
    if scope == "all":
        g = groups_by_side[US]
        if g is None:
            return "no group given"
        missing = [c for c in (g, total) if c not in units.columns]
        return f"column {missing[0]!r} missing" if missing else None
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
        part = units[units[COUNTRY].astype(str) == side]
        if not len(part):
            return f"no {side} units in the table"
        if part[group].isna().all():
            return f"group {group!r} has no values for {side} units"
        if part[total].isna().all():
            return f"total {total!r} has no values for {side} units"
    return None


def _scope_units(units, scope, groups_by_side):
    """(units of the scope, group column): both sides with one combined column if needed."""
    if scope == "all":
        return units, groups_by_side[US]
    if scope != BINATIONAL:
        return units[units[COUNTRY].astype(str) == scope], groups_by_side[scope]
    us, mx = groups_by_side[US], groups_by_side[MX]
    if us == mx:
        return units, us
    label = f"{us}|{mx}"
    out = units.copy()
    out[label] = np.where(out[COUNTRY].astype(str) == US, out[us], out[mx])
    return out, label


def resolve_scopes(
    units: pd.DataFrame,
    *,
    group: str | Mapping[str, str] | None = None,
    total: str | None = None,
    columns: Mapping[str, str] | None = None,
    scopes: Sequence[str] | None = None,
    spec=None,
    binational: BinationalOptions | None = None,
    seed: int = 0,
) -> list[Scope]:
    """Decide each scope's units and group, or why it is skipped.

    Parameters
    ----------
    units
        Unit table from :func:`prepare_units`.
    group
        Group column for every side, or ``{"US": ..., "MX": ...}``; a side left out (or None)
        takes the region preset's default group (``spec.groups_us[0]``/``groups_mx[0]``), as
        does ``group=None``.
    total
        Total column (default ``columns["total"]``, else ``pop_total``).
    columns
        Role mapping (``group``, ``total``) used where the keyword is not given.
    scopes
        Scopes to compute among ``"US"``, ``"MX"``, ``"binational"`` (``"all"`` for a table
        without ``country``); default: all, the unavailable ones skipped with their reason.
        Naming a scope makes an unavailable one an error.
    spec
        Region preset (for default groups), from :func:`prepare_units`.
    binational
        How the binational scope is built.
    seed
        Seed of the profile; each scope gets ``(seed, scope number)``.

    Returns
    -------
    list of Scope
        In the order asked (default ``US, MX, binational``).
    """
    opts = binational or BinationalOptions()
    total = _column("total", total, columns, POP_TOTAL)
    groups_by_side = _groups_by_side(_column("group", group, columns), spec)
    all_scopes = list(SCOPES) if COUNTRY in units.columns else ["all"]
    explicit = scopes is not None
    wanted = list(scopes) if explicit else all_scopes
    bad = [s for s in wanted if s not in all_scopes]
    if bad:
        raise IndexInputError(f"unknown scope(s) {bad}; choose among {all_scopes}")
    spatial = getattr(units, "crs", None) is not None and hasattr(units, "geometry")
    out = []
    for name in wanted:
        common = {
            "name": name,
            "total": total,
            "explicit": explicit,
            "spatial": spatial,
            "cross_border": opts.cross_border and name == BINATIONAL,
            "seed": (int(seed), _SCOPE_CODE[name]),
        }
        reason = _availability(units, name, total, groups_by_side, explicit, opts.mixed_groups)
        if reason is not None:
            if explicit:
                raise IndexInputError(f"concentration_profile: scope {name}: {reason}")
            log.info("concentration_profile: %s skipped: %s", name, reason)
            g = groups_by_side[MX] if name == MX else groups_by_side[US]
            out.append(Scope(group=g, reason=reason, **common))
            continue
        part, g = _scope_units(units, name, groups_by_side)
        out.append(Scope(group=g, units=part, **common))
    return out
