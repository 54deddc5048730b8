"""The regional report: one self-contained HTML file per twin city, read like a regional study.

``binational report tijuana-san-diego --out report/`` (or :func:`binational.write_report`)
loads the region, runs the analyses in :mod:`binational.pipeline` (concentration profile,
catchments, named groups, commuting model, the survey) and hands the results to
:func:`build_report`, which only draws them into ``report/tijuana-san-diego.html``. The page
opens with the key figures of each side (population, main groups and their dissimilarity with
its interval, people crossing per day, the morning-peak wait by lane, work trips per day from the
cross-border survey where there is one), then:

1. both sides (the interactive map with every layer, a density map, population against the
   official 2020 totals);
2. crossings and waits (12-month volumes by port, morning-peak waits by lane, survey trips,
   monthly series with the 2020–21 restrictions shaded, median wait by hour of day);
3. socio-economic context (CONAPO urban marginalisation in Mexico, ACS poverty in the US);
4. ethnic concentration (global indices with bootstrap intervals and permutation p-values per
   side, a map with a variable on each side, local clusters);
5. commuting catchments (isochrone map, population reached by minute band with a reason beside
   every all-zero row, port-sheds), labelled "straight-line model" without a road network;
6. methods, data sources with vintages, a "reproduce this" box (command, package versions,
   SHA-256 of every data file) and the list of what was missing.

Sections are pluggable: each is a function ``section(ctx: ReportContext) -> dict | None``
returning ``{"id", "title", "notes", "blocks"}`` from precomputed results (blocks from
:mod:`binational.render._blocks`); the built-in ones live in :mod:`binational.render.sections`.
:data:`SECTIONS` is the default order; pass ``sections=[...]`` (e.g. ``insert_section(SECTIONS,
my_section, after="catchments")``) and precomputed results in ``results={"mine": ...}``
(reachable as ``ctx.results``) to add one. Every header and label comes from
:mod:`~binational.render.labels` in the report's language.

A step that could not run (no road network, a group absent on one side, no wait data for a
port) is listed in the "Data not available" section with its reason (``missing=``) rather than
failing the report. The page embeds Leaflet, the map data and the figures (palette PNG as
``data:`` URIs): it opens with no network. It is written atomically (temporary file, then
rename).
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._gc import older_objects_frozen
from .._log import get_logger
from .._memo import memo_scope
from .._progress import step
from .._version import __version__
from ..errors import RenderError
from ._io import atomic_write_text
from ._tables import side_local
from .labels import check_lang, t
from .sections.about import (
    default_command,
    methods_section,
    missing_section,
    reproduce_section,
    sources_section,
    with_data_dir,
)
from .sections.catchments import catchments_section
from .sections.concentration import concentration_section, socioeconomic_section
from .sections.context import ReportContext, Section
from .sections.crossings import crossings_section
from .sections.overview import (
    map_isochrones,
    map_variables,
    overview_section,
    population_section,
    report_map,
)
from .sections.results import commuting_report_section, groups_report_section
from .sections.summary import summary_section

log = get_logger(__name__)

__all__ = [
    "SECTIONS",
    "ReportContext",
    "ReportParts",
    "Section",
    "build_report",
    "catchments_section",
    "commuting_report_section",
    "concentration_section",
    "crossings_section",
    "default_command",
    "draw_sections",
    "groups_report_section",
    "insert_section",
    "map_isochrones",
    "map_variables",
    "methods_section",
    "missing_section",
    "overview_section",
    "page_html",
    "population_section",
    "preload",
    "report_context",
    "report_map",
    "reproduce_section",
    "side_local",
    "socioeconomic_section",
    "sources_section",
    "summary_section",
    "write_report",
]


@dataclass
class ReportParts:
    """What went into a report: the HTML, the results it used, and every note about gaps."""

    html: str
    concentration: object | None = None
    catchments: object | None = None
    missing: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


#: The report's sections in order. Each takes a :class:`ReportContext` and returns a section
#: dict (or None to leave it out). Add one with ``insert_section``.
SECTIONS: tuple[Section, ...] = (
    summary_section,
    overview_section,
    population_section,
    crossings_section,
    socioeconomic_section,
    concentration_section,
    groups_report_section,
    catchments_section,
    commuting_report_section,
    methods_section,
    sources_section,
    reproduce_section,
    missing_section,
)


def insert_section(
    sections: Sequence[Section], section: Section, *, after: str
) -> tuple[Section, ...]:
    """``sections`` with ``section`` inserted after the one named ``<after>_section``.

    Parameters
    ----------
    sections
        Section functions in order (e.g. :data:`SECTIONS`).
    section
        The section function to add.
    after
        Name of the section it follows without ``_section`` (e.g. ``"catchments"``); at the
        end if there is none.

    Returns
    -------
    tuple
        The new order.
    """
    out = list(sections)
    names = [getattr(s, "__name__", "") for s in out]
    key = f"{after}_section"
    pos = names.index(key) + 1 if key in names else len(out)
    out.insert(pos, section)
    return tuple(out)


@functools.cache
def _env():
    """The report's template environment, made once per process (it keeps the compiled
    template; a report rendered again, in any language, does not compile it again)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("binational.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


#: The modules :func:`build_report` draws with (about 2 s of imports in a fresh process:
#: matplotlib, folium and what they pull in), in the order they are first needed.
DRAWING_MODULES: tuple[str, ...] = (
    "binational.render.maps",
    "binational.render.overlays",
    "binational.render._report_map",
    "binational.render.commuting_map",
    "binational.render.static",
    "binational.render._blocks",
    "binational.render.multiscalar",
    "binational.render.groups_section",
    "binational.render.commuting_section",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
    "matplotlib.patheffects",
    "PIL.Image",
)


def preload() -> None:
    """Import what :func:`build_report` draws with, find its font and compile its page
    template, so that a report built later does not wait for them.

    Building the page changes nothing here: the page is the same with or without a preload.
    A caller that runs the analyses first (:func:`binational.pipeline.report`) can call this
    on a side thread meanwhile; calling it twice costs nothing.
    """
    import importlib

    for name in DRAWING_MODULES:
        importlib.import_module(name)
    from matplotlib import font_manager
    from PIL import Image

    Image.preinit()  # the image plugins Pillow loads at its first encoding
    # the file of the default face every figure uses (the lookup is cached for all threads)
    font_manager.findfont(font_manager.FontProperties())
    _env().get_template("report.html.j2")


def _context_notes(region, concentration, catchments, missing: dict[str, str]) -> None:
    """Add to ``missing`` what the report will lack: results not given, border, ports."""
    if concentration is None:
        missing.setdefault("concentration", "not requested")
    if catchments is None:
        missing.setdefault("catchments", "not requested")
    border = getattr(region, "border", None)
    if border is None or len(border) == 0:
        missing["border"] = "the border line could not be derived (one side has no polygons)"
    if region.ports is None or len(region.ports) == 0:
        missing["ports"] = "no ports of entry for this region"


def build_report(
    region,
    *,
    lang: str = "en",
    concentration=None,
    catchments=None,
    survey: pd.DataFrame | None = None,
    checksums: Sequence[Mapping] = (),
    missing: Mapping[str, str] | None = None,
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
    sections: Sequence[Section] | None = None,
    results: Mapping | None = None,
    command: str | None = None,
    drawn: Mapping[int, dict | None] | None = None,
) -> ReportParts:
    """Draw the report HTML of a loaded region from precomputed results.

    Nothing is computed or read here: :func:`binational.pipeline.report` runs the analyses and
    passes their results.

    Parameters
    ----------
    region
        A :class:`binational.Region` (:func:`binational.load_region`); its ``border`` is drawn.
    lang
        ``"en"`` or ``"es"``.
    concentration, catchments
        Results of :func:`binational.concentration_profile` and :func:`binational.catchments`,
        or None to leave the section out (listed as missing).
    survey
        The region's cross-border survey (:func:`binational.io.survey.read_od_survey`).
    checksums
        ``{"file", "sha256"}`` of every data file read, for the "reproduce this" box
        (:func:`binational.pipeline.data_file_checksums`).
    missing
        Step → reason for every analysis that could not run.
    permutations, seed
        Permutations of the concentration profile (shown in the captions) and their seed.
    offline
        Inline Leaflet in the embedded map (no CDN).
    sections
        Section functions in order (default :data:`SECTIONS`).
    results
        Further precomputed results by name (``ctx.results``): ``"groups"``, ``"commuting"``,
        ``"population_check"`` or those of added sections.
    command
        The command shown in the "reproduce this" box (default: the equivalent CLI call).
    drawn
        Sections already drawn (:func:`draw_sections`), by position in ``sections``: these are
        not drawn again.

    Returns
    -------
    ReportParts
        The HTML, the results it drew, the timings of each section and the missing steps.
    """
    t0 = time.perf_counter()
    ctx = report_context(
        region,
        lang=lang,
        concentration=concentration,
        catchments=catchments,
        survey=survey,
        checksums=checksums,
        missing=missing,
        permutations=permutations,
        seed=seed,
        offline=offline,
        results=results,
        command=command,
    )
    order = tuple(SECTIONS if sections is None else sections)
    drawn = dict(drawn or {})
    todo = [i for i in range(len(order)) if i not in drawn]
    fresh, timings = draw_sections(ctx, order, only=todo)
    drawn.update(fresh)
    page = page_html(region, lang=lang, sections=[drawn[i] for i in range(len(order))])
    timings["render"] = time.perf_counter() - t0
    return ReportParts(
        html=page,
        concentration=concentration,
        catchments=catchments,
        missing=ctx.missing,
        timings=timings,
    )


def report_context(
    region,
    *,
    lang: str = "en",
    concentration=None,
    catchments=None,
    survey: pd.DataFrame | None = None,
    checksums: Sequence[Mapping] = (),
    missing: Mapping[str, str] | None = None,
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
    results: Mapping | None = None,
    command: str | None = None,
) -> ReportContext:
    """The :class:`ReportContext` every section of a report reads (arguments as
    :func:`build_report`); ``missing`` gains what the results lack (border, ports, a result
    not given)."""
    check_lang(lang)
    if region.units is None or len(region.units) == 0:
        raise RenderError(f"region {region.spec.name!r} has no census units: nothing to report")
    missing = dict(missing or {})
    _context_notes(region, concentration, catchments, missing)
    conc_local = None
    if concentration is not None:
        local = (
            concentration[1]
            if isinstance(concentration, tuple)
            else getattr(concentration, "local", None)
        )
        conc_local = side_local(local, region.units)
    return ReportContext(
        region=region,
        lang=lang,
        concentration=concentration,
        catchments=catchments,
        border=getattr(region, "border", None),
        local=conc_local,
        survey=survey,
        missing=missing,
        results=dict(results or {}),
        offline=offline,
        permutations=permutations,
        seed=seed,
        command=with_data_dir(command)
        if command
        else default_command(region, lang=lang, permutations=permutations),
        checksums=list(checksums),
    )


def draw_sections(
    ctx: ReportContext, sections: Sequence[Section], *, only: Sequence[int] | None = None
) -> tuple[dict[int, dict | None], dict[str, float]]:
    """Draw sections of a report from its context.

    Parameters
    ----------
    ctx
        The report's context (:func:`report_context`).
    sections
        Section functions in page order.
    only
        Positions in ``sections`` to draw (default: all). Sections that read only part of the
        results can be drawn apart, e.g. beside the analyses the others wait for, and handed to
        :func:`build_report` as ``drawn``.

    Returns
    -------
    drawn, timings
        Position → section dict (None for a section left out), and the seconds of each
        (``section_<name>``).
    """
    drawn: dict[int, dict | None] = {}
    timings: dict[str, float] = {}
    # sections share derived tables (hourly waits, port-level crossings): once per report
    with older_objects_frozen(), memo_scope():
        for i in range(len(sections)) if only is None else only:
            fn = sections[i]
            s0 = time.perf_counter()
            name = getattr(fn, "__name__", "section")
            with step(f"report section {name}"):
                drawn[i] = fn(ctx)
            timings[f"section_{name}"] = time.perf_counter() - s0
            log.debug("report section %s: %.1f s", name, timings[f"section_{name}"])
    return drawn, timings


def page_html(region, *, lang: str, sections: Sequence[dict | None]) -> str:
    """The whole HTML page of a report from its drawn sections (None entries are left out)."""
    spec = region.spec
    title = t(
        "report_title", lang, title=(spec.title_es or spec.title) if lang == "es" else spec.title
    )
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            lang=lang,
            title=title,
            generated=t("generated", lang, when=when, version=__version__),
            sections=[s for s in sections if s],
            reproduce_link=t("reproduce", lang),
        )
    )


def write_report(
    region,
    out_dir: str | os.PathLike,
    *,
    lang: str = "en",
    name: str | None = None,
    permutations: int = 499,
    command: str | None = None,
    **results,
) -> Path:
    """Draw the report (:func:`build_report`) and write ``out_dir/<region>.html`` atomically.

    To run the analyses as well, use :func:`binational.pipeline.write_report`.

    Parameters
    ----------
    region
        A :class:`binational.Region`.
    out_dir
        Output folder (created if needed).
    lang
        ``"en"`` or ``"es"`` (a Spanish report is ``<region>.es.html``).
    name
        File stem instead of the region name.
    permutations
        Permutations of the concentration profile (for the captions and the command).
    command
        The command shown in the "reproduce this" box (default: the equivalent CLI call).
    **results
        The other keyword arguments of :func:`build_report` (``concentration``,
        ``catchments``, ``survey``, ``results``, ...).

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be created or written. Nothing is left half-written.
    """

    def page(cmd: str) -> str:
        return build_report(
            region, lang=lang, permutations=permutations, command=cmd, **results
        ).html

    return write_page(
        region, out_dir, page, lang=lang, name=name, permutations=permutations, command=command
    )


def write_page(
    region,
    out_dir: str | os.PathLike,
    page,
    *,
    lang: str,
    name: str | None,
    permutations: int,
    command: str | None,
) -> Path:
    """Check ``out_dir``, make the page and write ``out_dir/<stem>.html`` atomically.

    The one write step of :func:`write_report` and :func:`binational.pipeline.write_report`.

    Parameters
    ----------
    region
        The region (its name is the default stem).
    out_dir
        Output folder, checked (created, writable) before ``page`` runs.
    page
        ``page(command) -> str``: builds the HTML, given the reproduce command.
    lang
        ``"en"`` or ``"es"`` (a Spanish page is ``<region>.es.html``).
    name
        File stem instead of the region name.
    permutations
        For the default command.
    command
        The reproduce command (default: the equivalent CLI call).

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be created or written. Nothing is left half-written.
    """
    from ._io import check_writable

    out = check_writable(out_dir)  # fail before the (long) page
    command = command or default_command(
        region, lang=lang, permutations=permutations, out=str(out_dir)
    )
    html = page(command)
    stem = name or region.spec.name + ("" if lang == "en" else f".{lang}")
    return atomic_write_text(out / f"{stem}.html", html)
