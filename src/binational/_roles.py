"""Source roles, importable without the download machinery (the CLI builds its parser from
them)."""

from __future__ import annotations

#: Roles :func:`fetch_region` can fetch, in the order it fetches them (as in ``regions.toml``).
ROLES = (
    "us_tracts",
    "us_acs",
    "mx_agebs",
    "mx_resageburb",
    "mx_conapo",
    "mx_iter",
    "bts",
    "waits_live",
    "waits_hourly",
)
