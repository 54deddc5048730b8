"""Fetch every official source of a region (the roles of :mod:`binational._roles`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from .._log import get_logger
from .._roles import FETCH_ROLES
from ..errors import (
    DataSourceError,
)
from ..regions import RegionSpec, get_region
from .border import (
    fetch_bts_crossings,
    fetch_cbp_historical_waits,
    fetch_cbp_waits,
    region_crossing_ids,
)
from .catalogue import ACS_COLUMN_MAP, DEFAULT_ACS_VARIABLES, region_defaults
from .mx import fetch_conapo_imu, fetch_inegi_agebs, fetch_iter, fetch_resageburb
from .us import fetch_acs, fetch_tiger_tracts

log = get_logger(__name__)

__all__ = ["fetch_region"]


def _one_or_many(paths: list[Path]) -> Path | list[Path]:
    return paths[0] if len(paths) == 1 else paths


def _copy_out(path: Path, folder: Path) -> Path:
    """Copy a fetched file (with its shapefile siblings) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    siblings = [path]
    if path.suffix.lower() == ".shp":
        siblings = [
            p
            for p in path.parent.iterdir()
            if p.is_file() and p.name.split(".")[0] == path.name.split(".")[0]
        ]
    for p in siblings:
        target = folder / p.name
        tmp = folder / f".{p.name}.part"
        shutil.copyfile(p, tmp)
        os.replace(tmp, target)
    return folder / path.name


def fetch_region(
    region: str | RegionSpec,
    *,
    dest: str | os.PathLike | None = None,
    sources: Sequence[str] | None = None,
    acs_variables: Sequence[str] | None = None,
    crossing_ids: Sequence[str] | None = None,
    cache: bool = True,
) -> dict[str, Path | list[Path] | str]:
    """Fetch every official source of a region and return role → path.

    Parameters
    ----------
    region
        Preset name or RegionSpec; its counties, municipios and ports choose the files.
    dest
        Copy the files into this folder (one sub-folder per role) and return those paths;
        by default the paths point into the cache.
    sources
        Roles to fetch (default: all of :data:`binational._roles.FETCH_ROLES`): ``us_tracts``,
        ``us_acs``, ``mx_agebs``, ``mx_resageburb``, ``mx_conapo``, ``mx_iter``, ``bts``,
        ``waits_hourly``, ``waits_live``. The road network is not fetched here:
        :mod:`binational.io.roads` gets OpenStreetMap through osmnx.
    acs_variables
        ACS variables (default :data:`DEFAULT_ACS_VARIABLES`).
    crossing_ids
        CBP crossings for ``waits_hourly`` (default: the region's ports with passenger lanes in
        the live feed, see :func:`region_crossing_ids`).
    cache
        Reuse earlier downloads (the live wait-time feed is always fetched anew).

    Returns
    -------
    dict
        Role → path (a list where a role has several files, e.g. two states), plus
        ``"us_column_map": "acs-codes"`` when ACS was fetched — the ``files=`` argument of
        :func:`binational.units.load_region`. Vintages per region come from ``sources.toml``
        ``[regions]``.
    """
    spec = get_region(region)
    roles = list(FETCH_ROLES if sources is None else sources)
    unknown = [r for r in roles if r not in FETCH_ROLES]
    if unknown:
        raise DataSourceError(
            f"unknown source role(s) {', '.join(unknown)}; known roles: {', '.join(FETCH_ROLES)}"
        )
    opts = region_defaults(spec.name)
    tract_year = int(opts.get("tract_year", 2024))
    acs_year = int(opts.get("acs_year", 2023))
    kind = str(opts.get("tracts", "tiger"))
    variables = list(acs_variables) if acs_variables is not None else list(DEFAULT_ACS_VARIABLES)
    got: dict[str, list[Path]] = {}
    live: Path | None = None

    for role in roles:
        log.info("fetching %s for %s", role, spec.name)
        if role == "us_tracts":
            got[role] = [
                fetch_tiger_tracts(state=s, year=tract_year, kind=kind, cache=cache)
                for s in spec.us_states
            ]
        elif role == "us_acs":
            got[role] = [
                fetch_acs(
                    state=c[:2], county=c[2:], year=acs_year, variables=variables, cache=cache
                )
                for c in spec.us_counties
            ]
        elif role == "mx_agebs":
            got[role] = [fetch_inegi_agebs(state=s, cache=cache) for s in spec.mx_states]
        elif role == "mx_resageburb":
            got[role] = [fetch_resageburb(state=s, cache=cache) for s in spec.mx_states]
        elif role == "mx_conapo":
            got[role] = [fetch_conapo_imu(cache=cache)]
        elif role == "mx_iter":
            got[role] = [fetch_iter(state=s, cache=cache) for s in spec.mx_states]
        elif role == "bts":
            got[role] = [fetch_bts_crossings(cache=cache)]
        elif role == "waits_live":
            live = live or fetch_cbp_waits()  # fetched once per call, by whichever role is first
            got[role] = [live]
        elif role == "waits_hourly":
            ids = list(crossing_ids) if crossing_ids is not None else None
            if ids is None:
                live = live or fetch_cbp_waits()
                ids = region_crossing_ids(spec, live)
                if not ids:
                    raise DataSourceError(
                        f"{live}: no crossing of ports {list(spec.ports)} with passenger lanes "
                        "in the CBP feed; pass crossing_ids=..."
                    )
            got[role] = [fetch_cbp_historical_waits(crossing_id=i, cache=cache) for i in ids]

    if dest is not None:
        root = Path(dest)
        got = {role: [_copy_out(p, root / role) for p in paths] for role, paths in got.items()}
    out: dict[str, Path | list[Path] | str] = {r: _one_or_many(p) for r, p in got.items()}
    if "us_acs" in out:
        out["us_column_map"] = ACS_COLUMN_MAP
    return out
