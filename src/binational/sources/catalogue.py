"""The source catalogue (``sources.toml``): one entry per official file binational reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .. import settings
from .._data import package_file, package_toml, read_toml
from .._log import get_logger
from ..errors import (
    DataSourceError,
    RegionError,
)

log = get_logger(__name__)

__all__ = [
    "ACS_COLUMN_MAP",
    "DEFAULT_ACS_VARIABLES",
    "CatalogueEntry",
    "attributions",
    "catalogue",
    "get_source",
]


@dataclass(frozen=True)
class CatalogueEntry:
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


def _source_from_table(sid: str, table: Mapping, origin: str) -> CatalogueEntry:
    required = ("publisher", "product", "vintage", "base_url", "path", "format", "licence")
    missing = [k for k in required if k not in table]
    if missing:
        raise DataSourceError(f"{origin}: source {sid!r} lacks key(s) {', '.join(missing)}")
    return CatalogueEntry(
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


def _catalogue_doc() -> dict:
    return package_toml("sources.toml")


def catalogue(path: str | os.PathLike | None = None) -> dict[str, CatalogueEntry]:
    """Source id → :class:`CatalogueEntry`, from the package's ``sources.toml`` or another file.

    Parameters
    ----------
    path
        A catalogue TOML file (default: the package's ``sources.toml``).

    Returns
    -------
    dict
        Source id → :class:`CatalogueEntry`.
    """
    doc = _catalogue_doc() if path is None else read_toml(path, what="source catalogue")
    origin = str(path or package_file("sources.toml"))
    return {
        sid: _source_from_table(sid, table, origin) for sid, table in doc.get("sources", {}).items()
    }


def get_source(source_id: str) -> CatalogueEntry:
    """The catalogue entry ``source_id`` (e.g. ``"census_tiger"``).

    Parameters
    ----------
    source_id
        Catalogue source id.

    Returns
    -------
    CatalogueEntry
    """
    cat = catalogue()
    try:
        return cat[source_id]
    except KeyError:
        raise DataSourceError(
            f"unknown source {source_id!r}; known sources: {', '.join(sorted(cat))}"
        ) from None


def _acs_table() -> dict:
    return dict(_catalogue_doc().get("acs", {}))


#: Name of the column map (``column_maps.toml``) that reads a fetched ACS table.
ACS_COLUMN_MAP: str = _acs_table().get("column_map", "acs-codes")
#: ACS variables :func:`fetch_region` fetches (estimate and margin of error of each).
DEFAULT_ACS_VARIABLES: tuple[str, ...] = tuple(_acs_table().get("variables", ()))


def region_defaults(name: str) -> dict:
    regions = _catalogue_doc().get("regions", {})
    return {**regions.get("default", {}), **regions.get(name, {})}


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
