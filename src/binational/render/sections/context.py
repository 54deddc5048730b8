"""What every report section gets: the :class:`ReportContext`, and the helpers that build a
section dict."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ... import schema
from ..._log import get_logger
from ...errors import RenderError
from .. import _keyfigures

log = get_logger(__name__)


#: Groups that describe deprivation rather than ethnicity: they go to the socio-economic part.
SOCIOECONOMIC_GROUPS = ("high_marginalization", "poverty_below")
#: Zoom of the static maps: units within this distance (km) of a port of entry.
FOCUS_KM = 40.0


@dataclass
class ReportContext:
    """Everything a section needs: the region, the language and the precomputed results.

    ``checksums`` lists ``{"file", "sha256"}`` of every data file read (computed by
    :func:`binational.pipeline.data_file_checksums`); ``results`` holds further results by name
    (``"groups"``, ``"commuting"``, ``"population_check"``, or those of added sections).
    """

    region: object
    lang: str
    concentration: object | None = None
    catchments: object | None = None
    border: object | None = None
    local: object | None = None
    survey: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    offline: bool = True
    permutations: int = 499
    seed: int = 0
    command: str = ""
    checksums: list[dict] = field(default_factory=list)
    _cache: dict = field(default_factory=dict, repr=False)

    def am_peak_waits(self) -> pd.DataFrame:
        """Morning-peak median waits per port and lane (computed once per report)."""
        if "am_waits" not in self._cache:
            self._cache["am_waits"] = _keyfigures.am_peak_waits(self.region.waits)
        return self._cache["am_waits"]

    @property
    def conc_table(self) -> pd.DataFrame | None:
        conc = self.concentration
        if conc is None:
            return None
        return conc[0] if isinstance(conc, tuple) else getattr(conc, "table", None)

    def side_source(self, side: str) -> str:
        """The vintage line of one side's census units (``ACS 5-year 2020-2024 (file)``)."""
        units = self.region.units
        if schema.SOURCE not in units.columns:
            return ""
        part = units.loc[units[schema.COUNTRY] == side, schema.SOURCE].dropna().astype(str)
        return "; ".join(sorted(part.unique()))

    def both_sources(self) -> str:
        return " · ".join(s for s in (self.side_source("MX"), self.side_source("US")) if s)


Section = Callable[[ReportContext], "dict | None"]


def section(sid: str, title: str, blocks: list, notes: list | None = None) -> dict:
    """A section dict: ``id``, ``title``, ``notes`` and the non-empty ``blocks``."""
    return {"id": sid, "title": title, "notes": notes or [], "blocks": [b for b in blocks if b]}


def port_names(region) -> dict:
    """Port code → port name of the region's ports."""
    ports = region.ports
    if ports is None or len(ports) == 0 or "name" not in ports.columns:
        return {}
    return {int(c): str(n) for c, n in zip(ports[schema.PORT_CODE], ports["name"], strict=False)}


def fragment_section(sid: str, fragment: str) -> dict:
    """A section dict around an HTML fragment that brings its own ``<section><h2>``: the
    heading becomes the section title (for the page's navigation) and the rest one block."""
    m = re.match(r"\s*<section[^>]*>\s*<h2>(.*?)</h2>(.*)</section>\s*$", fragment, flags=re.S)
    if m is None:
        raise RenderError(f"section {sid!r}: fragment does not start with <section><h2>")
    title = html_lib.unescape(m.group(1))  # the template escapes the title again
    return section(sid, title, [{"kind": "html", "html": m.group(2)}])
