"""Where the data comes from: the official publishers, fetched safely into the cache.

Every source binational reads has an entry in the package catalogue ``sources.toml`` (publisher,
product, vintage, URL template, format, licence, attribution and, where known, checksums). The
functions here build the official URL (or the override in ``settings.base_urls[source_id]``),
download it once into ``settings.resolve_cache_dir("downloads")`` with :func:`fetch` (streamed,
size-bounded, checksum-verified, content-sniffed, atomically renamed, with a sidecar manifest of
what was received) and extract archives with :func:`extract` (no path traversal, links or zip
bombs). :func:`fetch_region` fetches every layer of a region preset and returns role → path, the
``files=`` argument of :func:`binational.units.load_region`.

Examples
--------
>>> from binational import sources
>>> files = sources.fetch_region("tijuana-san-diego")          # doctest: +SKIP
>>> region = load_region("tijuana-san-diego", files=files)      # doctest: +SKIP

Checksums: most official files have no published checksum, so the catalogue has few. Each
download's sha256 is recorded in ``<file>.manifest.json`` beside it; a later download of the same
URL that differs is logged with both hashes (and kept as ``previous_sha256``), so a changed or
corrupted source is noticed. Pass ``sha256=`` to :func:`fetch` to enforce a known value.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlencode

from . import settings
from ._data import manifest
from ._download import (
    _safe_filename,
    extract,
    fetch,
    file_sha256,
    read_manifest,
    redact_url,
)
from ._log import get_logger
from ._roles import ROLES  # in its own module so that the CLI need not import this one
from .errors import ChecksumError, DataSourceError, DownloadError, RegionError
from .regions import RegionSpec, get_region

__all__ = [
    "ACS_COLUMN_MAP",
    "ACS_MAX_VARIABLES",
    "DEFAULT_ACS_VARIABLES",
    "ROLES",
    "ROLE_SOURCES",
    "Source",
    "attributions",
    "catalogue",
    "extract",
    "fetch",
    "fetch_acs",
    "fetch_bts_crossings",
    "fetch_cbp_historical_waits",
    "fetch_cbp_waits",
    "fetch_conapo_imu",
    "fetch_inegi_agebs",
    "fetch_iter",
    "fetch_region",
    "fetch_resageburb",
    "fetch_source",
    "fetch_tiger_tracts",
    "get_source",
    "read_manifest",
    "region_crossing_ids",
]

log = get_logger(__name__)

#: The Census Data API answers at most this many variables (NAME included) per call.
ACS_MAX_VARIABLES = 50


# ----------------------------------------------------------------------------------------------
# Catalogue


@dataclass(frozen=True)
class Source:
    """One entry of the source catalogue (``sources.toml``).

    ``url(**params)`` gives the URL to fetch: the official ``base_url`` (or the override in
    ``settings.base_urls[id]``) joined with the ``path`` template.
    """

    id: str
    publisher: str
    product: str
    vintage: str
    base_url: str
    path: str
    format: str
    licence: str
    attribution: str
    static: bool = True
    docs: str | None = None
    notes: str | None = None
    fetched_by: str | None = None
    alternates: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    member_prefer: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    sha256: Mapping[str, str] = field(default_factory=dict)
    reported_sha256: Mapping[str, str] = field(default_factory=dict)
    state_slugs: Mapping[str, str] = field(default_factory=dict)

    def base(self) -> str:
        """Base URL in force: ``settings.base_urls[id]`` if set, else the official one."""
        return str(settings.base_urls.get(self.id) or self.base_url).rstrip("/")

    def _params(self, params: Mapping[str, object]) -> dict[str, object]:
        out = dict(params)
        if "{state_slug}" in self.path and "state_slug" not in out:
            state = str(out.get("state", ""))
            if state not in self.state_slugs:
                raise RegionError(
                    f"source {self.id!r}: no file name known for entidad {state!r} "
                    f"(known: {', '.join(sorted(self.state_slugs))})"
                )
            out["state_slug"] = self.state_slugs[state]
        return out

    def _format(self, template: str, params: Mapping[str, object]) -> str:
        try:
            return template.format(**self._params(params))
        except KeyError as exc:
            raise DataSourceError(
                f"source {self.id!r}: URL template {template!r} needs parameter {exc}"
            ) from None

    def url(self, **params: object) -> str:
        """The URL for ``params`` (e.g. ``state="06", year=2024``)."""
        return f"{self.base()}/{self._format(self.path, params)}"

    def urls(self, **params: object) -> list[str]:
        """The main URL followed by the alternates, for ``params``."""
        return [self.url(**params)] + [
            f"{self.base()}/{self._format(a, params)}" for a in self.alternates
        ]

    def member_patterns(self, **params: object) -> list[str]:
        """Archive members to extract, formatted for ``params``."""
        return [self._format(m, params) for m in self.members]

    def preferred_members(self, **params: object) -> list[str]:
        return [self._format(m, params) for m in self.member_prefer]


def _source_from_table(sid: str, table: Mapping, origin: str) -> Source:
    required = ("publisher", "product", "vintage", "base_url", "path", "format", "licence")
    missing = [k for k in required if k not in table]
    if missing:
        raise DataSourceError(f"{origin}: source {sid!r} lacks key(s) {', '.join(missing)}")
    return Source(
        id=sid,
        publisher=table["publisher"],
        product=table["product"],
        vintage=table["vintage"],
        base_url=table["base_url"],
        path=table["path"],
        format=table["format"],
        licence=table["licence"],
        attribution=table.get("attribution", table["publisher"]),
        static=bool(table.get("static", True)),
        docs=table.get("docs"),
        notes=table.get("notes"),
        fetched_by=table.get("fetched_by"),
        alternates=tuple(table.get("alternates", ())),
        members=tuple(table.get("members", ())),
        member_prefer=tuple(table.get("member_prefer", ())),
        params=dict(table.get("params", {})),
        sha256={k: v.lower() for k, v in dict(table.get("sha256", {})).items()},
        reported_sha256={k: v.lower() for k, v in dict(table.get("reported_sha256", {})).items()},
        state_slugs=dict(table.get("state_slugs", {})),
    )


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise DataSourceError(f"{path}: source catalogue does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataSourceError(f"{path}: not a valid TOML file: {exc}") from exc


@cache
def _package_doc() -> dict:
    return _read_toml(manifest("sources.toml"))


def catalogue(path: str | os.PathLike | None = None) -> dict[str, Source]:
    """Source id → :class:`Source`, from the package's ``sources.toml`` or another file.

    Parameters
    ----------
    path
        A catalogue TOML file (default: the package's ``sources.toml``).

    Returns
    -------
    dict
        Source id → :class:`Source`.
    """
    doc = _package_doc() if path is None else _read_toml(Path(path))
    origin = str(path or manifest("sources.toml"))
    return {
        sid: _source_from_table(sid, table, origin) for sid, table in doc.get("sources", {}).items()
    }


def get_source(source_id: str) -> Source:
    """The catalogue entry ``source_id`` (e.g. ``"census_tiger"``).

    Parameters
    ----------
    source_id
        Catalogue source id.

    Returns
    -------
    Source
    """
    cat = catalogue()
    try:
        return cat[source_id]
    except KeyError:
        raise DataSourceError(
            f"unknown source {source_id!r}; known sources: {', '.join(sorted(cat))}"
        ) from None


def _acs_table() -> dict:
    return dict(_package_doc().get("acs", {}))


#: Name of the column map (``column_maps.toml``) that reads a fetched ACS table.
ACS_COLUMN_MAP: str = _acs_table().get("column_map", "acs-codes")
#: ACS variables :func:`fetch_region` fetches (estimate and margin of error of each).
DEFAULT_ACS_VARIABLES: tuple[str, ...] = tuple(_acs_table().get("variables", ()))


def _region_defaults(name: str) -> dict:
    regions = _package_doc().get("regions", {})
    return {**regions.get("default", {}), **regions.get(name, {})}


# ----------------------------------------------------------------------------------------------
# Generic source fetch


def fetch_source(
    source_id: str,
    *,
    cache: bool = True,
    sha256: str | None = None,
    filename: str | None = None,
    expect: str | None = None,
    **params: object,
) -> Path:
    """Download the file of one catalogue source for ``params`` and return its cached path.

    The main URL is tried first, then the catalogue's alternates, when the server answers with an
    HTTP error or with something that is not the data (an HTML page). A checksum mismatch is
    never passed over. The expected sha256 is ``sha256`` if given, else the catalogue's entry for
    the file name.

    Parameters
    ----------
    source_id
        Catalogue source id, e.g. ``"census_tiger"``.
    cache
        Reuse a verified copy in the cache instead of downloading again.
    sha256
        Expected checksum of the file.
    filename
        File name in the cache (default: from the URL).
    expect
        Expected format of the content (``"zip"``, ``"csv"``, ``"json"``, ...; see
        :func:`binational._download.fetch`); None refuses only an HTML page.
    **params
        Values of the source's URL template (e.g. ``state="06", year=2024``).

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    binational.errors.DownloadError, binational.errors.ChecksumError,
    binational.errors.DataSourceError
        As :func:`fetch`; when every URL fails, the error names each URL and its failure.
    """
    src = get_source(source_id)
    errors: list[str] = []
    for url in src.urls(**params):
        name = _safe_filename(filename, url)
        expected = sha256 or src.sha256.get(name)
        try:
            path = fetch(url, sha256=expected, filename=filename, cache=cache, expect=expect)
        except ChecksumError:
            raise
        except DataSourceError as exc:  # DownloadError included
            errors.append(str(exc))
            log.warning("source %s: %s", source_id, exc)
            continue
        reported = src.reported_sha256.get(path.name)
        if reported and not expected:
            actual = (read_manifest(path) or {}).get("sha256")
            if actual and actual != reported:
                log.warning(
                    "%s: sha256 %s differs from the %s reported for %s (the publisher may have "
                    "replaced the file)",
                    path,
                    actual[:12],
                    reported[:12],
                    path.name,
                )
        return path
    if len(errors) == 1:
        raise DownloadError(errors[0])
    raise DownloadError(f"source {source_id!r}: every URL failed:\n  " + "\n  ".join(errors))


# ----------------------------------------------------------------------------------------------
# Code checks


def _code(value: object, width: int, what: str) -> str:
    text = str(value).strip()
    if text.isdigit() and len(text) <= width:
        return text.zfill(width)
    raise RegionError(f"{what} {value!r} is not a {width}-digit code")


def _derived_dir(sub: str) -> Path:
    return settings.resolve_cache_dir(f"sources/{sub}")


def _write_derived(path: Path, write, provenance: dict) -> Path:
    """Write a file derived from downloads atomically, with a manifest of what it came from.

    ``write(tmp_path)`` writes the content. An existing file whose manifest records the same
    provenance (and whose bytes still hash to the recorded sha256) is reused.
    """
    old = read_manifest(path) if path.exists() else None
    if (
        old is not None
        and old.get("derived_from") == provenance
        and old.get("sha256") == file_sha256(path)
    ):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        info = {
            "file": path.name,
            "size": tmp.stat().st_size,
            "sha256": file_sha256(tmp),
            "derived_from": provenance,
        }
        if old and old.get("sha256") and old["sha256"] != info["sha256"]:
            info["previous_sha256"] = old["sha256"]
        mpath = path.with_name(path.name + ".manifest.json")
        with contextlib.suppress(FileNotFoundError):
            mpath.unlink()
        os.replace(tmp, path)
        mtmp = mpath.with_name(mpath.name + ".part")
        mtmp.write_text(json.dumps(info, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(mtmp, mpath)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _provenance(*paths: Path) -> list[dict]:
    out = []
    for p in paths:
        m = read_manifest(p) or {}
        out.append({"url": m.get("url"), "sha256": m.get("sha256") or file_sha256(p)})
    return out


# ----------------------------------------------------------------------------------------------
# US: TIGER/Line and cartographic-boundary tracts, ACS


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
    state = _code(state, 2, "state FIPS")
    source_id = {"tiger": "census_tiger", "cb": "census_cb"}.get(kind)
    if source_id is None:
        raise DataSourceError(f"tract file kind {kind!r} is not 'tiger' or 'cb'")
    src = get_source(source_id)
    archive = fetch_source(source_id, cache=cache, expect="zip", year=int(year), state=state)
    folder = extract(archive, members=src.member_patterns(year=int(year), state=state))
    stem = "tl" if kind == "tiger" else "cb"
    suffix = "tract" if kind == "tiger" else "tract_500k"
    return _existing(folder / f"{stem}_{int(year)}_{state}_{suffix}.shp", archive)


def _existing(path: Path, archive: Path) -> Path:
    if not path.is_file():
        raise DataSourceError(f"{archive}: expected member {path.name} is not in the archive")
    return path


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
        the cache key, logs or manifests.

    Returns
    -------
    pathlib.Path
        A JSON file laid out like one API answer: a header row (``NAME``, the variables,
        ``state``, ``county``, ``tract``) then one row per tract, sorted by tract; read it with
        :func:`binational.io.us_census.read_acs` and the ``"acs-codes"`` column map.
    """
    state = _code(state, 2, "state FIPS")
    county = "*" if str(county).strip() == "*" else _code(county, 3, "county FIPS")
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
    out = _derived_dir("acs") / f"acs5_{int(year)}_{geo}_tract_{digest}.json"

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write("[" + json.dumps(merged[0]))
            for row in merged[1:]:
                fh.write(",\n" + json.dumps(row))
            fh.write("]\n")

    return _write_derived(out, write, {"parts": _provenance(*[p for _, p in parts])})


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


# ----------------------------------------------------------------------------------------------
# Mexico: Marco Geoestadístico, RESAGEBURB, ITER, CONAPO


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
    state = _code(state, 2, "INEGI entidad key")
    src = get_source("inegi_mg")
    archive = fetch_source("inegi_mg", cache=cache, expect="zip", state=state)
    folder = extract(archive, members=src.member_patterns(state=state))
    return _existing(folder / "conjunto_de_datos" / f"{state}a.shp", archive)


def _extract_table(source_id: str, archive: Path, **params: object) -> Path:
    """Extract the one CSV a zip source is about (preferring the catalogue's patterns)."""
    import fnmatch

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
    state = _code(state, 2, "INEGI entidad key")
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
    state = _code(state, 2, "INEGI entidad key")
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


# ----------------------------------------------------------------------------------------------
# Crossings and waits


def fetch_bts_crossings(*, border: str | None = "US-Mexico Border", cache: bool = True) -> Path:
    """BTS Border Crossing Entry Data (monthly inbound crossings by port and measure).

    The dataset is updated monthly: pass ``cache=False`` to refresh an earlier download.

    Parameters
    ----------
    border
        Keep only the rows of this ``Border`` value (the full national file when ``None``).

    Returns
    -------
    pathlib.Path
        A CSV with the dataset's own header (``Port Name, State, Port Code, Border, Date, ...``).
    """
    full = fetch_source("bts_crossings", cache=cache, expect="csv", filename="bts_rows.csv")
    if border is None:
        return full
    slug = re.sub(r"[^a-z0-9]+", "_", border.lower()).strip("_")
    out = _derived_dir("bts") / f"bts_border_crossing_entry_data_{slug}.csv"

    def write(tmp: Path) -> None:
        kept = 0
        with (
            full.open(encoding="utf-8-sig", newline="") as src,
            tmp.open("w", encoding="utf-8", newline="") as dst,
        ):
            reader = csv.reader(src)
            header = next(reader, None)
            cols = [h.strip().lower() for h in header or []]
            if "border" not in cols:
                raise DataSourceError(f"{full}: no Border column in the BTS file ({header})")
            i = cols.index("border")
            writer = csv.writer(dst, lineterminator="\n")
            writer.writerow(header)
            for row in reader:
                if len(row) > i and row[i] == border:
                    writer.writerow(row)
                    kept += 1
        if not kept:
            raise DataSourceError(f"{full}: no row has Border == {border!r}")
        log.info("BTS: kept %d rows of %s", kept, border)

    return _write_derived(out, write, {"source": _provenance(full), "border": border})


def fetch_cbp_waits(*, cache: bool = False) -> Path:
    """The CBP Border Wait Times live feed (all land ports), as JSON.

    ``cache=False`` by default: the feed changes every hour. The manifest beside the file
    records when it was fetched.

    Parameters
    ----------
    cache
        Reuse a cached copy instead of fetching the feed again.

    Returns
    -------
    pathlib.Path
        The JSON file.
    """
    path = fetch_source("cbp_bwt_live", cache=cache, expect="json", filename="bwtnew.json")
    _live_records(path)
    return path


def _live_records(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        data = json.load(fh)
    if not isinstance(data, list) or not all(
        isinstance(r, dict) and "port_number" in r for r in data
    ):
        raise DataSourceError(
            f"{path}: not a CBP wait-times feed (a JSON list of crossings with port_number)"
        )
    return data


def _crossing8(crossing_id: object) -> str:
    text = str(crossing_id).strip()
    if text.isdigit() and len(text) == 6:
        return "09" + text
    if text.isdigit() and len(text) == 8:
        return text
    raise RegionError(
        f"CBP crossing id {crossing_id!r} is not 6 digits (port_number, e.g. 250401) or 8 digits "
        "(e.g. 09250401)"
    )


def fetch_cbp_historical_waits(
    *,
    crossing_id: str,
    lane_type: str = "POV",
    lane: str = "GEN",
    months: Iterable[int] = range(1, 13),
    weekday: int = 7,
    cache: bool = True,
) -> Path:
    """CBP historical average waits of one crossing by month, weekday and hour.

    Parameters
    ----------
    crossing_id
        CBP port_number (``"250401"`` San Ysidro) or its 8-digit API form (``"09250401"``).
    lane_type, lane
        ``"POV"``/``"GEN"`` = passenger vehicles, general lanes.
    months
        Months to fetch (one API call each).
    weekday
        0–6, or 7 for every weekday in one answer.

    Returns
    -------
    pathlib.Path
        A CSV with ``bwt_month, bwt_day, bwt_hour`` and the API's ``*_time_avg`` columns
        (minutes), then ``port_number`` — the layout of the shared San Ysidro file plus the
        crossing id.
    """
    cid = _crossing8(crossing_id)
    months = [int(m) for m in months]
    if not months or any(not 1 <= m <= 12 for m in months):
        raise RegionError(f"months {months!r} must lie in 1..12")
    src = get_source("cbp_bwt_historical")
    parts: list[tuple[int, str, Path]] = []
    for m in months:
        url = src.url(crossing_id=cid, lane_type=lane_type, lane=lane, month=m, weekday=weekday)
        path = fetch(
            url,
            filename=f"bwt_hist_{cid}_{lane_type}_{lane}_{m:02d}_{weekday}.json",
            cache=cache,
            expect="json",
        )
        parts.append((m, url, path))

    records: list[dict] = []
    fields: list[str] = []
    for m, url, path in parts:
        with path.open("rb") as fh:
            data = json.load(fh)
        waits = data.get("wait_times") if isinstance(data, dict) else None
        if not isinstance(waits, list) or not all(isinstance(w, dict) for w in waits):
            raise DataSourceError(
                f"{path} (from {redact_url(url)}): not a CBP historical answer "
                '({"wait_times": [...]})'
            )
        for w in waits:
            rec = {"bwt_month": m}
            for k, v in w.items():
                name = "bwt_hour" if k == "time_slot" else k
                rec[name] = v
                if name not in fields:
                    fields.append(name)
            records.append(rec)
    if not records:
        raise DataSourceError(f"CBP historical waits for crossing {cid}: every answer is empty")
    lead = [c for c in ("bwt_month", "bwt_day", "bwt_hour") if c == "bwt_month" or c in fields]
    columns = lead + [f for f in fields if f not in lead] + ["port_number"]
    out = (
        _derived_dir("cbp")
        / f"cbp_bwt_historical_hourly_avg_{cid[2:]}_{lane_type.lower()}_{lane.lower()}.csv"
    )

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for rec in records:
                writer.writerow({**rec, "port_number": cid[2:]})

    return _write_derived(out, write, {"parts": _provenance(*[p for _, _, p in parts])})


def region_crossing_ids(
    region: str | RegionSpec, live_feed: str | os.PathLike, *, lane_type: str = "POV"
) -> list[str]:
    """CBP crossing ids (6-digit port_number) of a region's ports, from a live-feed JSON.

    With ``lane_type="POV"`` only crossings that have passenger-vehicle lanes are returned
    (``"PED"``: pedestrian lanes, ``"COV"``: commercial; ``None``: all).

    Parameters
    ----------
    region
        Region name or spec.
    live_feed
        A CBP Border Wait Times JSON (e.g. from :func:`fetch_cbp_waits`).
    lane_type
        ``"POV"``, ``"PED"``, ``"COV"`` or None.

    Returns
    -------
    list of str
        Crossing ids, sorted.
    """
    spec = get_region(region)
    lanes_key = {
        "POV": "passenger_vehicle_lanes",
        "PED": "pedestrian_lanes",
        "COV": "commercial_vehicle_lanes",
    }.get(lane_type or "")
    ids = []
    for rec in _live_records(Path(live_feed)):
        number = str(rec.get("port_number", ""))
        if len(number) != 6 or not number.isdigit() or int(number[:4]) not in spec.ports:
            continue
        if lanes_key is not None:
            lanes = rec.get(lanes_key) or {}
            maximum = str(lanes.get("maximum_lanes", "")).strip()
            if not maximum or maximum.upper() == "N/A":
                continue
        ids.append(number)
    return sorted(set(ids))


# ----------------------------------------------------------------------------------------------
# A whole region


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
        Roles to fetch (default: all of :data:`ROLES`): ``us_tracts``, ``us_acs``,
        ``mx_agebs``, ``mx_resageburb``, ``mx_conapo``, ``mx_iter``, ``bts``, ``waits_live``,
        ``waits_hourly``. The road network is not fetched here: :mod:`binational.io.roads` gets
        OpenStreetMap through osmnx.
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
    roles = list(ROLES if sources is None else sources)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise DataSourceError(
            f"unknown source role(s) {', '.join(unknown)}; known roles: {', '.join(ROLES)}"
        )
    opts = _region_defaults(spec.name)
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
            live = fetch_cbp_waits()
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


def attributions(source_ids: Iterable[str] | None = None) -> list[str]:
    """Credit lines (attribution — licence) of the given sources (all by default).

    Parameters
    ----------
    source_ids
        Catalogue source ids (default: every source).

    Returns
    -------
    list of str
        One credit line per source.
    """
    cat = catalogue()
    ids = list(cat) if source_ids is None else list(source_ids)
    return [f"{cat[i].attribution} — {cat[i].licence}" for i in ids if i in cat]


#: Catalogue source ids behind each fetch_region role (for credits and --base-url help).
ROLE_SOURCES: dict[str, tuple[str, ...]] = {
    "us_tracts": ("census_tiger", "census_cb"),
    "us_acs": ("census_acs",),
    "mx_agebs": ("inegi_mg",),
    "mx_resageburb": ("inegi_resageburb",),
    "mx_conapo": ("conapo_imu",),
    "mx_iter": ("inegi_iter",),
    "bts": ("bts_crossings",),
    "waits_live": ("cbp_bwt_live",),
    "waits_hourly": ("cbp_bwt_live", "cbp_bwt_historical"),
}
