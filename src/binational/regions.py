"""Region presets: which counties, municipios, ports and CRS make up a twin city.

Presets live in the package data file ``regions.toml``. Users define another pair (e.g.
Mexicali–Calexico, Nogales–Nogales) in a TOML file of the same layout and load it with
:func:`load_regions_file`, or build a :class:`RegionSpec` directly and :func:`register` it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ._data import package_file, read_toml
from .errors import RegionError

__all__ = ["RegionSpec", "get_region", "list_regions", "load_regions_file", "register"]


@dataclass(frozen=True)
class RegionSpec:
    """Definition of one binational twin-city region.

    Parameters
    ----------
    name
        Short identifier, e.g. ``"tijuana-san-diego"``.
    title, title_es
        Display names in English and Spanish.
    crs
        Projected CRS shared by both sides (a UTM zone on WGS 84).
    us_counties
        5-digit county FIPS codes (state + county).
    mx_municipios
        5-digit INEGI municipio keys (entidad + municipio).
    ports
        Port codes (BTS / CBP, e.g. 2504 San Ysidro) belonging to the region.
    groups_us, groups_mx
        Default population groups per side for the concentration module.
    us_column_map
        Name of the column map (``column_maps.toml``) for the US attribute table.
    files
        Role → path (relative to a data folder) of each available layer. A role may map to a
        list of paths (e.g. several wait-time series).
    data_dir
        The region's own data folder (None: the folder given to the loader, or
        ``BINATIONAL_DATA_DIR``). In a TOML file it is read relative to the file's folder, so a
        user's twin city can live in one folder with its TOML.
    official_totals
        The region's own official populations for the population check, as
        ``(code, name, population, source)`` rows; they take precedence over the package's
        ``admin_totals.csv`` for the same code.
    """

    name: str
    title: str
    crs: str
    us_counties: tuple[str, ...]
    mx_municipios: tuple[str, ...]
    ports: tuple[int, ...]
    title_es: str | None = None
    groups_us: tuple[str, ...] = ()
    groups_mx: tuple[str, ...] = ()
    us_column_map: str | None = None
    files: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    data_dir: str | None = None
    official_totals: tuple[tuple[str, str, int, str], ...] = ()

    def __post_init__(self) -> None:
        import pyproj  # here, not at module level: `binational --help` stays fast

        try:
            crs = pyproj.CRS.from_user_input(self.crs)
        except pyproj.exceptions.CRSError as exc:
            raise RegionError(f"region {self.name!r}: invalid crs {self.crs!r}: {exc}") from exc
        if not crs.is_projected:
            raise RegionError(
                f"region {self.name!r}: crs {self.crs!r} is not projected; both sides need one "
                "projected CRS (e.g. a UTM zone) for distances and areas"
            )
        for code in self.us_counties:
            if not (isinstance(code, str) and len(code) == 5 and code.isdigit()):
                raise RegionError(f"region {self.name!r}: US county {code!r} is not 5-digit FIPS")
        for code in self.mx_municipios:
            if not (isinstance(code, str) and len(code) == 5 and code.isdigit()):
                raise RegionError(
                    f"region {self.name!r}: municipio {code!r} is not a 5-digit INEGI key"
                )
        if not self.us_counties and not self.mx_municipios:
            raise RegionError(
                f"region {self.name!r}: no us_counties and no mx_municipios; a region needs "
                "at least one side"
            )
        for code, _name, pop, _source in self.official_totals:
            if not isinstance(pop, int) or isinstance(pop, bool) or pop <= 0:
                raise RegionError(
                    f"region {self.name!r}: official total of {code!r} must be a positive "
                    f"whole number of people, not {pop!r}"
                )

    @property
    def us_states(self) -> tuple[str, ...]:
        """2-digit state FIPS codes of the US counties."""
        return tuple(sorted({c[:2] for c in self.us_counties}))

    @property
    def mx_states(self) -> tuple[str, ...]:
        """2-digit INEGI entidad keys of the municipios."""
        return tuple(sorted({c[:2] for c in self.mx_municipios}))

    def file(self, role: str, data_dir: str | os.PathLike) -> Path | None:
        """Path of the first file for ``role`` inside ``data_dir``, or None if the role is absent."""
        paths = self.file_list(role, data_dir)
        return paths[0] if paths else None

    def file_list(self, role: str, data_dir: str | os.PathLike) -> list[Path]:
        """All paths for ``role`` inside ``data_dir`` (empty if the role is absent)."""
        value = self.files.get(role)
        if value is None:
            return []
        values = [value] if isinstance(value, str) else list(value)
        return [Path(data_dir) / v for v in values]


_REGISTRY: dict[str, RegionSpec] = {}


def _spec_from_table(name: str, table: Mapping, source: str) -> RegionSpec:
    required = ("title", "crs", "us_counties", "mx_municipios", "ports")
    missing = [k for k in required if k not in table]
    if missing:
        raise RegionError(f"{source}: region {name!r} lacks key(s) {', '.join(missing)}")
    files = {
        k: (tuple(v) if isinstance(v, list) else v) for k, v in dict(table.get("files", {})).items()
    }
    base = Path(source).parent if source and Path(source).suffix == ".toml" else Path()
    data_dir = table.get("data_dir")
    if data_dir is not None:
        data_dir = str((base / str(data_dir)).resolve())
    try:
        ports = tuple(int(p) for p in table["ports"])
    except (TypeError, ValueError) as exc:
        raise RegionError(f"{source}: region {name!r}: ports must be integer codes") from exc
    return RegionSpec(
        name=name,
        title=table["title"],
        title_es=table.get("title_es"),
        crs=table["crs"],
        us_counties=tuple(str(c) for c in table["us_counties"]),
        mx_municipios=tuple(str(c) for c in table["mx_municipios"]),
        ports=ports,
        groups_us=tuple(table.get("groups_us", ())),
        groups_mx=tuple(table.get("groups_mx", ())),
        us_column_map=table.get("us_column_map"),
        files=files,
        data_dir=data_dir,
        official_totals=_official_totals(name, table.get("official_totals"), base, source),
    )


def _official_totals(
    name: str, value: object, base: Path, source: str
) -> tuple[tuple[str, str, int, str], ...]:
    """A region's own official totals: an inline table ``code = population`` (or
    ``code = {population = N, name = "...", source = "..."}``), or a CSV file (relative to the
    TOML file) with columns ``code, pop_2020`` and optionally ``name, source``."""
    if value is None:
        return ()
    rows: list[tuple[str, str, int, str]] = []
    where = f"{source}: region {name!r}: official_totals"
    if isinstance(value, str):
        import csv

        path = base / value
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                records = list(csv.DictReader(fh))
        except OSError as exc:
            raise RegionError(f"{where}: cannot read {path}: {exc}") from exc
        for i, rec in enumerate(records, start=2):
            if not rec.get("code") or not rec.get("pop_2020"):
                raise RegionError(f"{path}: line {i}: columns code and pop_2020 are required")
            try:
                pop = int(str(rec["pop_2020"]).replace(",", ""))
            except ValueError as exc:
                raise RegionError(
                    f"{path}: line {i}: pop_2020 {rec['pop_2020']!r} is not a whole number"
                ) from exc
            rows.append(
                (rec["code"].strip(), rec.get("name") or "", pop, rec.get("source") or str(path))
            )
        return tuple(rows)
    if not isinstance(value, Mapping):
        raise RegionError(f"{where}: a table code = population or a CSV path, not {value!r}")
    for code, item in value.items():
        if isinstance(item, Mapping):
            pop, label, src = item.get("population"), item.get("name", ""), item.get("source")
        else:
            pop, label, src = item, "", None
        rows.append((str(code), str(label), pop, str(src or f"{source} (user's regions file)")))
    return tuple(rows)


def load_regions_file(path: str | os.PathLike, *, register_all: bool = True) -> list[RegionSpec]:
    """Read region definitions from a TOML file laid out like the package's ``regions.toml``.

    Parameters
    ----------
    path
        TOML file with one table per region.
    register_all
        Also register the regions so that :func:`get_region` finds them by name.

    Returns
    -------
    list of RegionSpec
    """
    path = Path(path)
    doc = read_toml(path, what="regions", error=RegionError)
    specs = [_spec_from_table(name, table, str(path)) for name, table in doc.items()]
    if register_all:
        for spec in specs:
            register(spec)
    return specs


def register(spec: RegionSpec) -> None:
    """Make ``spec`` available to :func:`get_region` (replacing a region of the same name).

    Parameters
    ----------
    spec
        The region to register.

    Returns
    -------
    None
    """
    _ensure_presets()
    _REGISTRY[spec.name] = spec


# Package data files holding presets: the two twin cities with data, then the other US–Mexico pairs.
PRESET_FILES = ("regions.toml", "twin_cities.toml")


def _ensure_presets() -> None:
    if not _REGISTRY:
        for fname in PRESET_FILES:
            path = package_file(fname)
            if path.is_file():
                for spec in load_regions_file(path, register_all=False):
                    _REGISTRY.setdefault(spec.name, spec)


def list_regions() -> list[str]:
    """Names of all known regions (presets and registered).

    Returns
    -------
    list of str
        Region names, sorted.
    """
    _ensure_presets()
    return sorted(_REGISTRY)


def get_region(name: str | RegionSpec) -> RegionSpec:
    """Return the region called ``name`` (a RegionSpec is returned as is).

    Parameters
    ----------
    name
        Region name (e.g. ``"tijuana-san-diego"``) or a :class:`RegionSpec`.

    Returns
    -------
    RegionSpec
        The region's specification.

    Raises
    ------
    binational.errors.RegionError
        If no region has that name.
    """
    if isinstance(name, RegionSpec):
        return name
    _ensure_presets()
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return _REGISTRY[key]
    except KeyError:
        raise RegionError(
            f"unknown region {name!r}; known regions: {', '.join(sorted(_REGISTRY))}"
        ) from None
