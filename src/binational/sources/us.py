"""US sources: TIGER/Line and cartographic-boundary tract polygons, ACS 5-year tables."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote, urlencode

from .. import settings
from .._log import get_logger
from ..errors import (
    DataSourceError,
)
from ._fetch import code, derived_dir, existing_member, fetch_source, provenance_of, write_derived
from .archive import extract
from .catalogue import DEFAULT_ACS_VARIABLES, get_source
from .download import fetch, redact_url

log = get_logger(__name__)

__all__ = ["ACS_MAX_VARIABLES", "fetch_acs", "fetch_tiger_tracts"]

#: The Census Data API answers at most this many variables (NAME included) per call.
ACS_MAX_VARIABLES = 50


def fetch_tiger_tracts(
    *, state: str, year: int = 2024, kind: str = "tiger", cache: bool = True
) -> Path:
    """Census tract polygons of one state: TIGER/Line or cartographic boundary (1:500k).

    Parameters
    ----------
    state
        2-digit state FIPS (``"06"`` California, ``"48"`` Texas).
    year
        Edition (``tl_<year>`` / ``cb_<year>``).
    kind
        ``"tiger"`` (full-resolution TIGER/Line, water included) or ``"cb"`` (generalised,
        coastline-clipped cartographic boundary file).

    Returns
    -------
    pathlib.Path
        The extracted ``.shp`` (readable with ``geopandas.read_file``).
    """
    state = code(state, 2, "state FIPS")
    source_id = {"tiger": "census_tiger", "cb": "census_cb"}.get(kind)
    if source_id is None:
        raise DataSourceError(f"tract file kind {kind!r} is not 'tiger' or 'cb'")
    src = get_source(source_id)
    archive = fetch_source(source_id, cache=cache, expect="zip", year=int(year), state=state)
    folder = extract(archive, members=src.member_patterns(year=int(year), state=state))
    stem = "tl" if kind == "tiger" else "cb"
    suffix = "tract" if kind == "tiger" else "tract_500k"
    return existing_member(folder / f"{stem}_{int(year)}_{state}_{suffix}.shp", archive)


def _acs_variable_list(variables: Iterable[str], *, moe: bool) -> list[str]:
    out: list[str] = []
    for raw in variables:
        var = str(raw).strip().upper()
        if var == "NAME":
            continue
        if not re.fullmatch(r"[A-Z]\d{5}[A-Z]?_\d{3}[EM]?A?", var):
            raise DataSourceError(f"{raw!r} is not an ACS variable name (e.g. B03002_012E)")
        names = [var] if var[-1] in "EM" or var.endswith("A") else [f"{var}E"]
        if moe and var[-1] not in "EMA":
            names.append(f"{var}M")
        out.extend(n for n in names if n not in out)
    if not out:
        raise DataSourceError("no ACS variables requested")
    return out


def _acs_chunks(variables: list[str], chunk_size: int) -> list[list[str]]:
    size = max(2, min(int(chunk_size), ACS_MAX_VARIABLES))
    chunks: list[list[str]] = []
    rest = list(variables)
    first = True
    while rest:
        room = size - 1 if first else size
        chunk, rest = rest[:room], rest[room:]
        chunks.append((["NAME"] if first else []) + chunk)
        first = False
    return chunks


def _acs_url(base: str, chunk: list[str], *, state: str, county: str, key: str | None) -> str:
    query = [("get", ",".join(chunk)), ("for", "tract:*"), ("in", f"state:{state} county:{county}")]
    if key:
        query.append(("key", key))
    return f"{base}?{urlencode(query, quote_via=quote, safe=':*,')}"


def _read_api_table(path: Path, url: str) -> list[list]:
    with path.open("rb") as fh:
        data = json.load(fh)
    if (
        not isinstance(data, list)
        or not data
        or not all(isinstance(r, list) for r in data)
        or not {"state", "county", "tract"} <= set(data[0])
    ):
        raise DataSourceError(
            f"{path} (from {redact_url(url)}): not a Census API table (a JSON list of rows "
            "whose header has state, county and tract)"
        )
    width = len(data[0])
    bad = [i for i, row in enumerate(data) if len(row) != width]
    if bad:
        raise DataSourceError(f"{path}: row {bad[0]} has {len(data[bad[0]])} of {width} values")
    return data


def fetch_acs(
    *,
    state: str,
    county: str,
    year: int,
    variables: Sequence[str] = DEFAULT_ACS_VARIABLES,
    moe: bool = True,
    chunk_size: int = ACS_MAX_VARIABLES,
    key: str | None = None,
    cache: bool = True,
) -> Path:
    """ACS 5-year estimates for every tract of a county, from the Census Data API.

    Parameters
    ----------
    state, county
        2-digit state and 3-digit county FIPS (``"06"``, ``"073"``); ``county="*"`` for all.
    year
        Last year of the 5-year period (2024 = ACS 2020–2024).
    variables
        ACS variables. A name without suffix (``"B03002_012"``) fetches its estimate ``E`` and,
        with ``moe=True``, its 90% margin of error ``M``.
    chunk_size
        Variables per API call (the API allows at most 50, NAME included); the calls are merged
        on state, county and tract.
    key
        Census API key; defaults to ``settings.census_api_key``. It is sent but never written to
        the cache key, logs or provenance records.

    Returns
    -------
    pathlib.Path
        A JSON file laid out like one API answer: a header row (``NAME``, the variables,
        ``state``, ``county``, ``tract``) then one row per tract, sorted by tract; read it with
        :func:`binational.io.us_census.read_acs` and the ``"acs-codes"`` column map.
    """
    state = code(state, 2, "state FIPS")
    county = "*" if str(county).strip() == "*" else code(county, 3, "county FIPS")
    names = _acs_variable_list(variables, moe=moe)
    key = key if key is not None else settings.census_api_key
    base = get_source("census_acs").url(year=int(year))
    geo = f"{state}{'all' if county == '*' else county}"
    parts: list[tuple[str, Path]] = []
    for i, chunk in enumerate(_acs_chunks(names, chunk_size)):
        url = _acs_url(base, chunk, state=state, county=county, key=key)
        digest = hashlib.sha256(",".join(chunk).encode()).hexdigest()[:8]
        path = fetch(
            url,
            filename=f"acs5_{int(year)}_{geo}_part{i}_{digest}.json",
            cache=cache,
            expect="json",
        )
        parts.append((url, path))

    tables = [_read_api_table(path, url) for url, path in parts]
    merged = _merge_api_tables(tables, [p for _, p in parts])
    digest = hashlib.sha256(",".join(names).encode()).hexdigest()[:8]
    out = derived_dir("acs") / f"acs5_{int(year)}_{geo}_tract_{digest}.json"

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write("[" + json.dumps(merged[0]))
            for row in merged[1:]:
                fh.write(",\n" + json.dumps(row))
            fh.write("]\n")

    return write_derived(out, write, {"parts": provenance_of(*[p for _, p in parts])})


def _merge_api_tables(tables: list[list[list]], paths: list[Path]) -> list[list]:
    geo = ("state", "county", "tract")
    header: list[str] = []
    rows: dict[tuple, dict] = {}
    keys0: set[tuple] | None = None
    for table, path in zip(tables, paths, strict=True):
        head = table[0]
        idx = [head.index(g) for g in geo]
        keys = set()
        for row in table[1:]:
            k = tuple(str(row[i]) for i in idx)
            if k in keys:
                raise DataSourceError(f"{path}: tract {''.join(k)} appears twice")
            keys.add(k)
            rec = rows.setdefault(k, {})
            rec.update({h: v for h, v in zip(head, row, strict=True) if h not in geo})
        if keys0 is None:
            keys0 = keys
        elif keys != keys0:
            diff = sorted(keys ^ keys0)[:3]
            raise DataSourceError(
                f"{path}: the API calls returned different tracts (e.g. "
                f"{', '.join(''.join(d) for d in diff)}); cannot merge"
            )
        header.extend(h for h in head if h not in geo and h not in header)
    out = [[*header, *geo]]
    for k in sorted(rows):
        out.append([rows[k].get(h) for h in header] + list(k))
    return out
