"""Where the data comes from: the official publishers, fetched safely into the cache.

Every source binational reads has an entry in the package catalogue ``sources.toml``
(publisher, product, vintage, URL template, format, licence, attribution and, where known,
checksums); :func:`catalogue` and :func:`get_source` return its :class:`CatalogueEntry`
records. The functions here build the official URL (or the override in
``settings.base_urls[source_id]``), download it once into
``settings.resolve_cache_dir("downloads")`` with :func:`fetch` (streamed, size-bounded,
checksum-verified, content-sniffed, atomically renamed, with a provenance record of what was
received) and extract archives with :func:`extract` (no path traversal, links or zip bombs).
:func:`fetch_region` fetches every layer of a region preset and returns role → path (roles:
:mod:`binational._roles`), the ``files=`` argument of :func:`binational.units.load_region`.

Modules
-------
:mod:`.catalogue`
    The catalogue (``sources.toml``) and credits.
:mod:`.download`, :mod:`.archive`
    Safe download with provenance records; safe archive extraction.
:mod:`.us`, :mod:`.mx`, :mod:`.border`
    Fetch per publisher: Census TIGER and ACS; INEGI and CONAPO; BTS and CBP.
:mod:`.region`
    :func:`fetch_region`.

Examples
--------
>>> from binational import sources
>>> files = sources.fetch_region("tijuana-san-diego")          # doctest: +SKIP
>>> region = load_region("tijuana-san-diego", files=files)      # doctest: +SKIP

Checksums: most official files have no published checksum, so the catalogue has few. Each
download's sha256 is recorded in ``<file>.provenance.json`` beside it; a later download of the
same URL that differs is logged with both hashes (and kept as ``previous_sha256``), so a
changed or corrupted source is noticed. Pass ``sha256=`` to :func:`fetch` to enforce a known
value.
"""

from __future__ import annotations

from .._roles import FETCH_ROLES, ROLE_SOURCES, ROLES
from ._fetch import fetch_source
from .archive import extract
from .border import (
    fetch_bts_crossings,
    fetch_cbp_historical_waits,
    fetch_cbp_waits,
    region_crossing_ids,
)
from .catalogue import (
    ACS_COLUMN_MAP,
    DEFAULT_ACS_VARIABLES,
    CatalogueEntry,
    attributions,
    catalogue,
    get_source,
)
from .download import fetch, read_provenance, redact_url
from .mx import fetch_conapo_imu, fetch_inegi_agebs, fetch_iter, fetch_resageburb
from .region import fetch_region
from .us import ACS_MAX_VARIABLES, fetch_acs, fetch_tiger_tracts

__all__ = [
    "ACS_COLUMN_MAP",
    "ACS_MAX_VARIABLES",
    "DEFAULT_ACS_VARIABLES",
    "FETCH_ROLES",
    "ROLES",
    "ROLE_SOURCES",
    "CatalogueEntry",
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
    "read_provenance",
    "redact_url",
    "region_crossing_ids",
]
