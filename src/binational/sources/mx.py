"""Mexican sources: INEGI Marco Geoestadístico, RESAGEBURB and ITER; CONAPO's IMU 2020."""

from __future__ import annotations

import fnmatch
import zipfile
from pathlib import Path

from .._log import get_logger
from ..errors import (
    DataSourceError,
)
from ._fetch import code, existing_member, fetch_source
from .archive import extract
from .catalogue import get_source

log = get_logger(__name__)

__all__ = ["fetch_conapo_imu", "fetch_inegi_agebs", "fetch_iter", "fetch_resageburb"]


def fetch_inegi_agebs(*, state: str, cache: bool = True) -> Path:
    """Urban AGEB polygons of one entidad from INEGI's Marco Geoestadístico 2020.

    Only the urban-AGEB layer (``conjunto_de_datos/<state>a.*``) is extracted from the state zip.

    Parameters
    ----------
    state
        Two-digit entidad code, e.g. ``"02"`` (Baja California).
    cache
        Reuse a verified copy in the cache instead of downloading again.

    Returns
    -------
    pathlib.Path
        The ``<state>a.shp`` shapefile (EPSG:6372 Lambert; key ``CVEGEO``).
    """
    state = code(state, 2, "INEGI entidad key")
    src = get_source("inegi_mg")
    archive = fetch_source("inegi_mg", cache=cache, expect="zip", state=state)
    folder = extract(archive, members=src.member_patterns(state=state))
    return existing_member(folder / "conjunto_de_datos" / f"{state}a.shp", archive)


def _extract_table(source_id: str, archive: Path, **params: object) -> Path:
    """Extract the one CSV a zip source is about (preferring the catalogue's patterns)."""

    src = get_source(source_id)
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
            sizes = {i.filename: i.file_size for i in zf.infolist()}
    except zipfile.BadZipFile as exc:
        raise DataSourceError(f"{archive}: corrupt zip archive: {exc}") from exc
    candidates = [n for n in names if n.lower().endswith(".csv")]
    chosen = None
    for pattern in src.preferred_members(**params):
        hits = [n for n in candidates if fnmatch.fnmatchcase(n, pattern)]
        if hits:
            chosen = hits[0]
            break
    if chosen is None:
        if not candidates:
            raise DataSourceError(f"{archive}: no CSV table in the archive")
        chosen = max(candidates, key=lambda n: sizes[n])
    folder = extract(archive, members=[chosen])
    return folder.joinpath(*[p for p in chosen.replace("\\", "/").split("/") if p])


def fetch_resageburb(*, state: str, cache: bool = True) -> Path:
    """INEGI Censo 2020 results by AGEB and urban block (RESAGEBURB) of one entidad.

    Parameters
    ----------
    state
        Two-digit entidad code, e.g. ``"08"`` (Chihuahua).
    cache
        Reuse a verified copy in the cache instead of downloading again.

    Returns
    -------
    pathlib.Path
        The CSV (AGEB total rows have ``MZA == "000"``; ``*`` and ``N/D`` mark suppressed and
        unavailable cells); read it with :mod:`binational.io.mx_census`.
    """
    state = code(state, 2, "INEGI entidad key")
    archive = fetch_source("inegi_resageburb", cache=cache, expect="zip", state=state)
    return _extract_table("inegi_resageburb", archive, state=state)


def fetch_iter(*, state: str = "00", cache: bool = True) -> Path:
    """INEGI Censo 2020 results by locality (ITER) of one entidad (``"00"``: national).

    Parameters
    ----------
    state
        Two-digit entidad code (``"00"``: national).
    cache
        Reuse a verified copy in the cache instead of downloading again.

    Returns
    -------
    pathlib.Path
        The CSV; municipio totals are the rows with ``LOC == "0000"``.
    """
    state = code(state, 2, "INEGI entidad key")
    archive = fetch_source("inegi_iter", cache=cache, expect="zip", state=state)
    return _extract_table("inegi_iter", archive, state=state)


def fetch_conapo_imu(*, cache: bool = True) -> Path:
    """CONAPO's urban marginalisation index 2020 by AGEB (national CSV).

    Parameters
    ----------
    cache
        Reuse a verified copy in the cache instead of downloading again.

    Returns
    -------
    pathlib.Path
        The CSV file.
    """
    return fetch_source("conapo_imu", cache=cache, expect="csv")
