"""OpenStreetMap downloads through osmnx (Overpass and Nominatim endpoints, osmnx HTTP cache)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import networkx as nx

from ... import settings
from ...errors import DownloadError

if TYPE_CHECKING:
    from ._source import _Source


@contextlib.contextmanager
def _osmnx_settings(*, cache: bool) -> Iterator[None]:
    """Point osmnx at our cache folder and at the overridable endpoints, then restore."""
    import osmnx as ox

    names = ("cache_folder", "use_cache", "overpass_url", "nominatim_url", "requests_timeout")
    saved = {n: getattr(ox.settings, n) for n in names}
    ox.settings.cache_folder = str(settings.resolve_cache_dir("osmnx"))
    ox.settings.use_cache = cache
    ox.settings.requests_timeout = settings.timeout
    if "overpass" in settings.base_urls:
        ox.settings.overpass_url = settings.base_urls["overpass"]
    if "nominatim" in settings.base_urls:
        ox.settings.nominatim_url = settings.base_urls["nominatim"]
    try:
        yield
    finally:
        for n, v in saved.items():
            setattr(ox.settings, n, v)


def _download(source: _Source, *, cache: bool) -> nx.MultiDiGraph:
    import osmnx as ox
    import requests

    q = source.payload
    nt = source.ident["network_type"]
    with _osmnx_settings(cache=cache):
        url = ox.settings.overpass_url
        try:
            if q["polygon"] is not None:
                return ox.graph_from_polygon(q["polygon"], network_type=nt)
            if q["bbox"] is not None:
                return ox.graph_from_bbox(q["bbox"], network_type=nt)
            return ox.graph_from_place(q["place"], network_type=nt)
        except (
            requests.RequestException,
            ox._errors.InsufficientResponseError,
            ox._errors.ResponseStatusCodeError,
        ) as exc:
            raise DownloadError(
                f"{source.label}: OpenStreetMap download from {url} failed: {exc}"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise DownloadError(
                f"{source.label}: OpenStreetMap download gave unusable data: {exc}"
            ) from exc
