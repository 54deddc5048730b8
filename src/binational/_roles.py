"""The data roles: the one registry of what each file of a region is for.

A role names a layer of a region (``us_tracts``, ``bts``, ``waits_series``, ...). The same names
key a preset's ``[<region>.files]`` table in ``regions.toml``, the ``files=`` argument of
:func:`binational.units.load_region`, and the result of :func:`binational.sources.fetch_region`.
:data:`REGISTRY` says, per role, what :func:`~binational.units.load_region` builds from it,
which catalogue sources :func:`~binational.sources.fetch_region` fetches for it, and whether a
preset may name it before the file is there. Everything else (:data:`FETCH_ROLES`,
:data:`ROLE_SOURCES`, :data:`OPTIONAL_ROLES`, :func:`roles_for`) is derived from it.

Importable without the download machinery: the CLI builds its parser from it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FETCH_ROLES",
    "OPTIONAL_ROLES",
    "REGISTRY",
    "ROLES",
    "ROLE_SOURCES",
    "Role",
    "roles_for",
]


@dataclass(frozen=True)
class Role:
    """One data role.

    Attributes
    ----------
    name
        The role (a key of ``[<region>.files]``).
    layer
        What :func:`binational.units.load_region` builds from it: ``"us_units"``,
        ``"mx_units"``, ``"crossings"``, ``"waits"``, ``"network"``, or ``"other"`` (read by an
        analysis or a renderer, not by ``load_region``).
    sources
        Catalogue sources (``sources.toml``) :func:`binational.sources.fetch_region` fetches
        for it; empty when it is not fetched.
    optional
        A preset may name the file before it is there (e.g. after ``binational fetch --dest``):
        the paths that exist are used, in order, and the layer is reported missing when none
        does.
    """

    name: str
    layer: str
    sources: tuple[str, ...] = ()
    optional: bool = False


#: Every role, in the order ``load_region`` reads them (as in ``regions.toml``).
REGISTRY: dict[str, Role] = {
    r.name: r
    for r in (
        Role("us_tracts", "us_units", ("census_tiger", "census_cb")),
        Role("us_acs", "us_units", ("census_acs",)),
        Role("mx_agebs", "mx_units", ("inegi_mg",)),
        Role("mx_resageburb", "mx_units", ("inegi_resageburb",), optional=True),
        Role("mx_conapo", "mx_units", ("conapo_imu",)),
        Role("mx_iter", "other", ("inegi_iter",)),
        Role("mx_municipio_polygons", "other"),
        Role("bts", "crossings", ("bts_crossings",)),
        Role("bridge_counts", "crossings"),
        Role("waits_hourly", "waits", ("cbp_bwt_live", "cbp_bwt_historical")),
        Role("waits_live", "waits", ("cbp_bwt_live",)),
        Role("waits_series", "waits"),
        Role("waits_sandag", "waits"),
        Role("od_survey", "other"),
        Role("network", "network"),
        Role("freeways", "other"),
    )
}


def roles_for(layer: str) -> tuple[str, ...]:
    """Roles whose files build ``layer`` (e.g. ``"waits"``), in reading order."""
    return tuple(r.name for r in REGISTRY.values() if r.layer == layer)


#: Roles :func:`binational.sources.fetch_region` can fetch, in the order it fetches them.
FETCH_ROLES: tuple[str, ...] = tuple(r.name for r in REGISTRY.values() if r.sources)
#: Old name of :data:`FETCH_ROLES` (the CLI's ``fetch --sources`` choices).
ROLES = FETCH_ROLES
#: Catalogue source ids behind each fetched role (for credits and --base-url help).
ROLE_SOURCES: dict[str, tuple[str, ...]] = {
    r.name: r.sources for r in REGISTRY.values() if r.sources
}
#: Roles a preset may name before the file is there.
OPTIONAL_ROLES: frozenset[str] = frozenset(r.name for r in REGISTRY.values() if r.optional)
