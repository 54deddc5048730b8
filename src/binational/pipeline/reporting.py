"""The whole report: run its analyses (:mod:`binational.pipeline`), then build the HTML."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from .._gc import freeze_more, older_objects_frozen
from .._progress import step
from ..errors import BinationalError
from ._files import data_file_checksums, read_region_survey
from ._parallel import side_runner
from .analyses import (
    _population_check,
    catchments_result,
    concentration_result,
    region_routing_graph,
)
from .commuting import commuting_results
from .groups import groups_results

if TYPE_CHECKING:
    from ..render.report import ReportParts

log = logging.getLogger(__name__)


def report_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    commuting: bool = True,
    groups: bool = True,
    graph=None,
) -> tuple[dict, dict[str, str]]:
    """Run the commuting model and the named-group profile for a report.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    permutations
        Permutations of the named-group index tests.
    seed
        Random seed of the tests.
    data_dir
        Data folder of the survey and census files (default: ``settings.data_dir``).
    commuting, groups
        Run the commuting model / the named-group profile.
    graph
        The region's routing graph to share (:func:`~binational.pipeline.analyses.region_routing_graph`).

    Returns
    -------
    results, missing
        ``results`` has ``"commuting"`` and ``"groups"`` where they could be computed (pass it
        to ``build_report(results=...)``); ``missing`` maps each left-out step to its reason.
    """
    results: dict = {}
    missing: dict[str, str] = {}
    steps = [
        (
            "groups",
            groups,
            lambda: groups_results(
                region, permutations=permutations, seed=seed, data_dir=data_dir, context=False
            ),
        ),
        ("commuting", commuting, lambda: commuting_results(region, data_dir=data_dir, graph=graph)),
    ]
    for name, wanted, run in steps:
        if not wanted:
            continue
        try:
            with step(f"report analysis {name}"):
                results[name] = run()
        except BinationalError as exc:
            missing[name] = f"{name} could not be computed: {exc}"
    return results, missing


def report(
    region,
    *,
    lang: str = "en",
    concentration="auto",
    catchments="auto",
    groups: bool = False,
    commuting: bool = False,
    permutations: int = 499,
    seed: int = 0,
    offline: bool = True,
    sections: Sequence | None = None,
    results: Mapping | None = None,
    command: str | None = None,
    data_dir: str | os.PathLike | None = None,
) -> ReportParts:
    """Run a report's analyses on ``region`` and build its HTML.

    Parameters
    ----------
    region
        A :class:`binational.Region` (:func:`binational.load_region`).
    lang
        ``"en"`` or ``"es"``.
    concentration, catchments
        Precomputed results, ``"auto"`` to compute them here (:func:`concentration_result`,
        :func:`catchments_result`), or None to leave the section out (listed as missing).
    groups, commuting
        Also run the named-group profile and the commuting model (:func:`report_results`, at
        most 199 permutations), as ``binational report`` does.
    permutations, seed
        Permutations and bootstrap replicates of the concentration profile, and their seed.
    offline
        Inline Leaflet in the embedded map (no CDN).
    sections
        Section functions in order (default :data:`binational.render.report.SECTIONS`).
    results
        Further precomputed results for added sections (``ctx.results``).
    command
        The command shown in the "reproduce this" box (default: the equivalent CLI call).
    data_dir
        Data folder of the survey, the commuting model and ITER (default: beside the region's
        files, else ``BINATIONAL_DATA_DIR``).

    Returns
    -------
    ReportParts
        The HTML, the results it used, the timings of each step and every note about gaps.
    """
    from ..errors import RenderError
    from ..render.labels import check_lang
    from ..render.report import SECTIONS, build_report

    check_lang(lang)
    if region.units is None or len(region.units) == 0:
        raise RenderError(f"region {region.spec.name!r} has no census units: nothing to report")
    sub = {"permutations": min(permutations, 199), "seed": seed, "data_dir": data_dir}
    order = tuple(SECTIONS if sections is None else sections)
    # with a side worker, each side also draws the sections that read only its results;
    # without one, every section is drawn at the end from all of them
    units_at, network_at = _side_positions(order) if settings.workers > 1 else ([], [])
    survey_missing: dict[str, str] = {}
    survey, survey_path = read_region_survey(region, survey_missing, data_dir=data_dir)
    draw = {
        "lang": lang,
        "survey": survey,
        "permutations": permutations,
        "seed": seed,
        "offline": offline,
        "command": command,
    }
    # two sides that share only the read-only region, side by side (settings.workers): the
    # road network in a forked child (or a thread), the census units here; the objects loaded
    # so far stay out of the collector's passes (in the child too: no copy of the parent's
    # pages for the collector's bookkeeping)
    with older_objects_frozen(), side_runner(settings.workers, kind=settings.worker_kind) as side:
        net_job = side.submit(
            _network_chain,
            region,
            catchments,
            commuting=commuting,
            sections=order,
            draw_at=network_at,
            draw=draw,
            **sub,
        )
        units = _units_chain(
            region,
            concentration,
            groups=groups,
            conc_permutations=permutations,
            sections=order,
            draw_at=units_at,
            draw=draw,
            **sub,
        )
        net = net_job.result()
    concentration, catchments = units["result"], net["result"]
    missing: dict[str, str] = {**units["missing"], **net["missing"], **survey_missing}
    timings = {
        "concentration": units["seconds"],
        "catchments": net["seconds"],
        **({"groups_commuting": units["more_s"] + net["more_s"]} if groups or commuting else {}),
    }
    extra = {**units["more"], **net["more"], **(results or {})}
    skipped = {**units["skipped"], **net["skipped"]}
    extra.setdefault("population_check", _population_check(region))
    parts = build_report(
        region,
        concentration=concentration,
        catchments=catchments,
        checksums=data_file_checksums(region, extra=[survey_path] if survey_path else []),
        missing=missing,
        sections=order,
        results=extra,
        drawn={**units["drawn"], **net["drawn"]},
        **draw,
    )
    parts.timings = {
        **timings,
        **units["draw_s"],
        **net["draw_s"],
        **parts.timings,
    }
    parts.missing.update(skipped)  # listed by the CLI; the page leaves those sections out
    return parts


def _side_positions(order: Sequence) -> tuple[list[int], list[int]]:
    """Positions in ``order`` of the built-in sections that read only the census-unit results
    (concentration, groups) and of those that read only the road-network ones (catchments,
    commuting). Every other section (the map of both, the notes, sections a user added) is
    drawn at the end, from all the results."""
    from ..render import report as r

    units = {
        r.summary_section,
        r.crossings_section,
        r.socioeconomic_section,
        r.concentration_section,
        r.groups_report_section,
    }
    network = {r.catchments_section, r.commuting_report_section}
    return (
        [i for i, fn in enumerate(order) if fn in units],
        [i for i, fn in enumerate(order) if fn in network],
    )


def _draw_side(region, sections: Sequence, draw_at: Sequence[int], draw: dict, **results):
    """Draw the sections at ``draw_at`` from one side's results (:func:`draw_sections`)."""
    if not draw_at:
        return {}, {}
    from ..render.report import draw_sections, report_context

    ctx = report_context(region, **draw, **results)
    return draw_sections(ctx, sections, only=draw_at)


def _chain_out(
    result,
    missing: dict,
    times: tuple[float, float, float],
    more: dict,
    skipped: dict,
    drawn: tuple[dict, dict],
) -> dict:
    """What a side hands back: its main result, its notes, its extra results, the sections it
    drew, and timings (``times``: start, main result done, extra results done)."""
    t0, t1, t2 = times
    return {
        "result": result,
        "missing": missing,
        "seconds": t1 - t0,
        "more": more,
        "skipped": skipped,
        "more_s": t2 - t1,
        "drawn": drawn[0],
        "draw_s": drawn[1],
    }


def _units_chain(
    region,
    concentration,
    *,
    groups: bool,
    conc_permutations: int,
    permutations: int,
    seed: int,
    data_dir,
    sections: Sequence = (),
    draw_at: Sequence[int] = (),
    draw: dict | None = None,
) -> dict:
    """The census-unit side: the concentration profile, then the named groups, then the
    sections at ``draw_at`` that draw only them."""
    missing: dict[str, str] = {}
    t0 = time.perf_counter()
    if isinstance(concentration, str) and concentration == "auto":
        log.info("report: concentration profile")
        concentration = concentration_result(
            region, missing, permutations=conc_permutations, seed=seed
        )
    t1 = time.perf_counter()
    more, skipped = (
        report_results(
            region, permutations=permutations, seed=seed, data_dir=data_dir, commuting=False
        )
        if groups
        else ({}, {})
    )
    t2 = time.perf_counter()
    drawn = _draw_side(
        region, sections, draw_at, draw or {}, concentration=concentration, results=more
    )
    return _chain_out(concentration, missing, (t0, t1, t2), more, skipped, drawn)


def _network_chain(
    region,
    catchments,
    *,
    commuting: bool,
    permutations: int,
    seed: int,
    data_dir,
    sections: Sequence = (),
    draw_at: Sequence[int] = (),
    draw: dict | None = None,
) -> dict:
    """The road-network side: the catchments, then the commuting model, on one routing graph
    (built once for both), then the sections at ``draw_at`` that draw only them."""
    missing: dict[str, str] = {}
    t0 = time.perf_counter()
    wants_catchments = isinstance(catchments, str) and catchments == "auto"
    graph = region_routing_graph(region) if wants_catchments or commuting else None
    freeze_more()  # the road network just loaded lives to the end: out of the GC's passes
    if wants_catchments:
        log.info("report: catchments")
        catchments = catchments_result(region, missing, graph=graph)
    t1 = time.perf_counter()
    more, skipped = (
        report_results(
            region,
            permutations=permutations,
            seed=seed,
            data_dir=data_dir,
            groups=False,
            graph=graph,
        )
        if commuting
        else ({}, {})
    )
    t2 = time.perf_counter()
    drawn = _draw_side(region, sections, draw_at, draw or {}, catchments=catchments, results=more)
    return _chain_out(catchments, missing, (t0, t1, t2), more, skipped, drawn)


def write_report(
    region,
    out_dir: str | os.PathLike,
    *,
    lang: str = "en",
    name: str | None = None,
    command: str | None = None,
    permutations: int = 499,
    **options,
) -> Path:
    """Run the report (:func:`report`) and write ``out_dir/<region>.html`` atomically.

    Parameters
    ----------
    region
        A :class:`binational.Region`.
    out_dir
        Output folder (created if needed; checked before the long computation).
    lang
        ``"en"`` or ``"es"`` (a Spanish report is ``<region>.es.html``).
    name
        File stem instead of the region name.
    command
        The command shown in the "reproduce this" box (default: the equivalent CLI call).
    permutations
        Permutations and bootstrap replicates of the concentration profile.
    **options
        The other keyword arguments of :func:`report`.

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be created or written. Nothing is left half-written.
    """
    from ..render.report import write_page

    def page(cmd: str) -> str:
        return report(region, lang=lang, permutations=permutations, command=cmd, **options).html

    return write_page(
        region, out_dir, page, lang=lang, name=name, permutations=permutations, command=command
    )
