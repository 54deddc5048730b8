"""ACS column maps (package data ``column_maps.toml`` or custom) and MOE confidence levels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from .. import schema
from .._data import package_file, read_toml
from .._log import get_logger
from ..errors import SchemaError
from ._geoid import _upper_lookup

log = get_logger(__name__)


#: Two-sided normal quantiles of the MOE confidence levels the ACS uses.
Z_SCORES = {90: 1.645, 95: 1.96, 99: 2.576}
TARGET_MOE_LEVEL = 95


@dataclass(frozen=True)
class ColumnMap:
    """Where each canonical column of an ACS table lies in a source file.

    Attributes
    ----------
    name
        Map name (``column_maps.toml`` table) or ``"custom"``.
    columns
        Canonical column → ``{"column": [alternatives], "moe": [alternatives] | None,
        "moe_level": float | None, "acs": str}``.
    moe_level
        Default confidence level (percent) of the source MOEs.
    partial
        Skip canonical columns whose source column is absent instead of raising.
    geoid, tract_name, county
        How rows are keyed (see ``column_maps.toml``).
    """

    name: str
    columns: Mapping[str, Mapping]
    moe_level: float | None = 90
    partial: bool = False
    geoid: str | None = None
    tract_name: str | None = None
    county: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if schema.POP_TOTAL not in self.columns:
            raise SchemaError(f"column map {self.name!r} has no entry for {schema.POP_TOTAL!r}")
        if self.tract_name and not self.county:
            raise SchemaError(f"column map {self.name!r}: tract_name keys need a county")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _entry(name: str, canonical: str, spec) -> dict:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, Mapping) or "column" not in spec:
        raise SchemaError(
            f"column map {name!r}: entry {canonical!r} must be a column name or a table with "
            "'column' (and optional 'moe', 'moe_level')"
        )
    cols = _as_list(spec["column"])
    moes = _as_list(spec.get("moe"))
    if moes and len(moes) != len(cols):
        raise SchemaError(
            f"column map {name!r}: entry {canonical!r} lists {len(cols)} column(s) but "
            f"{len(moes)} moe column(s)"
        )
    return {
        "column": cols,
        "moe": moes or None,
        "moe_level": spec.get("moe_level"),
        "acs": spec.get("acs", ""),
    }


def _map_from_table(name: str, table: Mapping) -> ColumnMap:
    if "columns" in table:
        columns = table["columns"]
        meta = table
    else:
        columns, meta = table, {}
    return ColumnMap(
        name=name,
        columns={k: _entry(name, k, v) for k, v in dict(columns).items()},
        moe_level=meta.get("moe_level", 90),
        partial=bool(meta.get("partial", False)),
        geoid=meta.get("geoid"),
        tract_name=meta.get("tract_name"),
        county=meta.get("county"),
        title=meta.get("title", ""),
    )


@cache
def column_maps() -> dict[str, ColumnMap]:
    """The named column maps of the package manifest ``column_maps.toml``."""
    doc = read_toml(package_file("column_maps.toml"), what="column maps")
    return {name: _map_from_table(name, table) for name, table in doc.items()}


def get_column_map(column_map: str | Mapping | ColumnMap) -> ColumnMap:
    """A :class:`ColumnMap` from a manifest name, a dict, or a ColumnMap.

    A dict is either ``{canonical: source column or {"column", "moe", "moe_level"}}`` (MOEs
    taken as 90 %) or a table laid out like one map of ``column_maps.toml`` (with
    ``"columns"``, ``"moe_level"``, ``"geoid"``, ...).
    """
    if isinstance(column_map, ColumnMap):
        return column_map
    if isinstance(column_map, str):
        maps = column_maps()
        if column_map not in maps:
            raise SchemaError(
                f"unknown column map {column_map!r}; known maps: {', '.join(maps)} (or pass a dict)"
            )
        return maps[column_map]
    if isinstance(column_map, Mapping):
        return _map_from_table("custom", column_map)
    raise SchemaError(f"column_map must be a name, a dict or a ColumnMap, not {column_map!r}")


def _template_regex(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("{year}"), r"(\d{4})") + "$")


def _present(template: str, columns: Iterable[str]) -> bool:
    if "{year}" not in template:
        return template in set(columns)
    rx = _template_regex(template)
    return any(rx.match(str(c)) for c in columns)


def _detect_map(columns: list[str], path) -> ColumnMap:
    """The first manifest map whose key and pop_total columns the table has."""
    upper = _upper_lookup(columns)
    maps = sorted(column_maps().values(), key=lambda m: m.partial)  # specific maps first
    for cmap in maps:
        key = cmap.geoid or cmap.tract_name
        if key and key not in columns:
            continue
        if not key and not any(k in upper for k in ("GEOID", "GEO_ID", "TRACT")):
            continue
        if any(_present(c, columns) for c in cmap.columns[schema.POP_TOTAL]["column"]):
            log.info("%s: using column map %r", path, cmap.name)
            return cmap
    raise SchemaError(
        f"{path}: cannot tell which column map fits this table (columns: "
        f"{', '.join(map(str, columns[:8]))}, ...); pass column_map= one of "
        f"{', '.join(column_maps())} or a dict"
    )


def _resolve_year(cmap: ColumnMap, columns: list[str], year: int | None, path) -> int | None:
    templates = [c for e in cmap.columns.values() for c in e["column"] + (e["moe"] or [])]
    templates = [t for t in templates if "{year}" in t]
    if year is not None or not templates:
        return year
    found: set[int] = set()
    for t in templates:
        rx = _template_regex(t)
        found.update(int(m.group(1)) for c in columns if (m := rx.match(str(c))))
    if len(found) > 1:
        raise SchemaError(
            f"{path}: columns for several ACS vintages ({', '.join(map(str, sorted(found)))}); "
            "pass year="
        )
    return found.pop() if found else None
