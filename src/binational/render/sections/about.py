"""The closing sections: methods, data sources, the "reproduce this" box and what was missing."""

from __future__ import annotations

import os
import platform
import shlex
from pathlib import Path

from ... import schema
from ..._log import get_logger
from ..._version import __version__
from ..labels import (
    layer_label,
    t,
)
from .context import (
    ReportContext,
    section,
)

log = get_logger(__name__)


#: Packages whose versions the "reproduce this" box lists.
PACKAGES = (
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "scipy",
    "networkx",
    "osmnx",
    "mapclassify",
    "matplotlib",
    "folium",
    "jinja2",
)


_METHODS_EN = [
    "Units: US census tracts (ACS 5-year estimates, 95 % margins of error) and Mexican urban AGEBs (INEGI Marco Geoestadístico, CONAPO 2020 attributes), in one projected CRS.",
    "Maps: classes from mapclassify (quantiles unless stated); shares are group ÷ total population with the ACS proportion MOE. Web geometry is simplified topologically (shared edges stay shared; Douglas–Peucker on the topology, 10 m) and quantised to 1e-5°.",
    "Border: the edge of the INEGI municipio polygons that lies within 200 m of the US tracts (where both sides have polygons).",
    "Concentration: aspatial and spatial single-group indices per side and across the border, bootstrap percentile intervals and permutation tests; local Moran clusters with conditional permutation inference.",
    "Catchments: drive time on the road network to and from each port plus the median northbound wait at the chosen hour; where there is no network, distance × circuity ÷ speed (straight-line model).",
    "Crossings: BTS Border Crossing Entry Data (inbound to the US), one source per port (BTS when present).",
]
_METHODS_ES = [
    "Unidades: secciones censales (tracts) de EE. UU. (ACS 5 años, márgenes de error al 95 %) y AGEB urbanas de México (Marco Geoestadístico del INEGI, atributos de CONAPO 2020), en un mismo sistema proyectado.",
    "Mapas: clases de mapclassify (cuantiles salvo indicación); las proporciones son grupo ÷ población total con el MDE de proporción del ACS. La geometría web se simplifica topológicamente (10 m) y se cuantiza a 1e-5°.",
    "Límite: el borde de los polígonos municipales del INEGI a menos de 200 m de los tracts de EE. UU.",
    "Concentración: índices de un grupo, aespaciales y espaciales, por lado y a través del límite, con intervalos bootstrap y pruebas de permutación; agrupamientos locales de Moran con inferencia por permutación condicional.",
    "Áreas de captación: tiempo de manejo en la red vial hacia y desde cada garita más la espera mediana hacia el norte a la hora elegida; sin red vial, distancia × circuidad ÷ velocidad (modelo en línea recta).",
    "Cruces: BTS Border Crossing Entry Data (hacia EE. UU.), una fuente por garita.",
]


def methods_section(ctx: ReportContext) -> dict:
    items = _METHODS_ES if ctx.lang == "es" else _METHODS_EN
    return section("methods", t("methods", ctx.lang), [{"kind": "list", "items": items}])


def sources_section(ctx: ReportContext) -> dict:
    from .._blocks import table_block

    region, lang = ctx.region, ctx.lang
    blocks: list[dict] = []
    src = getattr(region, "sources", None)
    if src is not None and len(src):
        cols = [c for c in ("layer", "path", "bytes") if c in src.columns]
        table = src[cols].copy()
        if "path" in table.columns:
            table["path"] = (
                table["path"]
                .astype(str)
                .map(lambda p: "; ".join(Path(x).name for x in p.split(";")))
            )
        if "layer" in table.columns:
            table["layer"] = [layer_label(v, lang) for v in table["layer"]]
        blocks.append(table_block(table, lang=lang))
    vintages = set()
    for frame in (region.units, region.crossings, region.waits):
        if frame is not None and schema.SOURCE in getattr(frame, "columns", []):
            vintages.update(frame[schema.SOURCE].dropna().astype(str).unique())
    if "source" in region.ports.columns:
        vintages.update(region.ports["source"].dropna().astype(str).unique())
    if ctx.survey is not None:
        vintages.add(ctx.survey.attrs.get("source", ""))
    blocks.append({"kind": "list", "items": sorted(v for v in vintages if v)})
    return section("sources", t("sources", lang), blocks)


def _versions() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version

    out = [("binational", __version__), ("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            continue
    return out


def reproduce_section(ctx: ReportContext) -> dict:
    """The exact command, the package versions and the SHA-256 of every data file read
    (``ctx.checksums``)."""
    lang = ctx.lang
    return section(
        "reproduce",
        t("reproduce", lang),
        [
            {
                "kind": "reproduce",
                "command_title": t("reproduce_cmd", lang),
                "command": ctx.command,
                "versions_title": t("reproduce_versions", lang),
                "versions": [f"{n} {v}" for n, v in _versions()],
                "files_title": t("reproduce_files", lang),
                "files": list(ctx.checksums),
            }
        ],
    )


def missing_section(ctx: ReportContext) -> dict:
    from .._blocks import table_block

    region, lang = ctx.region, ctx.lang
    items = [f"{k}: {v}" for k, v in {**getattr(region, "missing", {}), **ctx.missing}.items()]
    blocks = [{"kind": "list", "items": items or ["–"]}]
    drops = getattr(region, "drops", None)
    if drops is not None and len(drops):
        blocks.append({"kind": "heading", "text": t("dropped", lang)})
        blocks.append(table_block(drops.summary(), lang=lang))
    return section("missing", t("missing", lang), blocks)


def default_command(region, *, lang: str, permutations: int, out: str = "report") -> str:
    """The CLI command that makes this report (for the "reproduce this" box)."""
    args = ["binational", "report", region.spec.name, "--out", str(out)]
    if lang != "en":
        args += ["--lang", lang]
    if permutations != 499:
        args += ["--permutations", str(permutations)]
    return with_data_dir(shlex.join(args))


def with_data_dir(command: str) -> str:
    """``command`` prefixed with ``BINATIONAL_DATA_DIR=...`` when it depends on it."""
    data = os.environ.get("BINATIONAL_DATA_DIR")
    if not data or "--data-dir" in command or command.startswith("BINATIONAL_DATA_DIR="):
        return command
    return f"BINATIONAL_DATA_DIR={shlex.quote(data)} {command}"
