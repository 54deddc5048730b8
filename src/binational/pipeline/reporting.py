"""The whole report: run its analyses (:mod:`binational.pipeline`), then build the HTML."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from .._gc import older_objects_frozen
from .._memo import in_memo_scope
from .._progress import step
from ..errors import BinationalError
from ._files import data_file_checksums, read_region_survey
from ._parallel import SharedQueue, side_runner
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


@in_memo_scope  # one memo for every part this process draws (tables, figure steps)
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
    # read by a section either side may draw: computed once, before the sides part
    pop_check = (results or {}).get("population_check")
    if pop_check is None:
        pop_check = _population_check(region)
    shared = {"population_check": pop_check}  # results the sections of either side read
    wants_catchments = isinstance(catchments, str) and catchments == "auto"
    t0 = time.perf_counter()
    # the road network and its routing graph, once for the catchments and the commuting model
    graph = region_routing_graph(region) if wants_catchments or commuting else None
    graph_s = time.perf_counter() - t0
    # two sides that share only the read-only region and graph, side by side
    # (settings.workers): the catchments in a forked child (or a thread); the census units and
    # the commuting model here. The objects loaded so far stay out of the collector's passes
    # (in the child too: no copy of the parent's pages for the collector's bookkeeping).
    with older_objects_frozen(), side_runner(settings.workers, kind=settings.worker_kind) as side:
        # which side draws which section (nothing before the end with one worker)
        own_at, pool_at, net_at = _section_sides(order, side_draws=getattr(side, "forks", False))
        if settings.workers <= 1:
            own_at, pool_at, net_at = [], [], []
        pool = SharedQueue(pool_at, shared=bool(net_at))
        base = {"region": region, "sections": order, "draw": draw, "shared": shared}
        # drawn here at the end: what they read of the region is computed while the side ends
        sided = {*own_at, *pool_at, *net_at}
        end_at = [i for i in range(len(order)) if sided and i not in sided]
        net_job = side.submit(
            _network_chain,
            region,
            catchments,
            graph=graph,
            job=_DrawJob(**base, positions=net_at, pool=pool if net_at else None),
        )
        units = _units_chain(
            region,
            concentration,
            groups=groups,
            commuting=commuting,
            graph=graph,
            conc_permutations=permutations,
            job=_DrawJob(**base, positions=own_at, pool=pool, prepare=end_at),
            **sub,
        )
        if wants_catchments:
            from ..catchments import api as _catchments_api  # noqa: F401 - read with the result

        net = net_job.result()
    concentration, catchments = units["result"], net["result"]
    if net["shared_graph"]:
        catchments = dataclasses.replace(catchments, graph=graph)
    missing: dict[str, str] = {**units["missing"], **net["missing"], **survey_missing}
    timings = {
        "concentration": units["seconds"],
        "catchments": graph_s + net["seconds"],
        **({"groups_commuting": units["more_s"]} if groups or commuting else {}),
    }
    extra = {"population_check": pop_check, **units["more"], **(results or {})}
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
    parts.timings = {**timings, **units["draw_s"], **net["draw_s"], **parts.timings}
    parts.missing.update(units["skipped"])  # listed by the CLI; the page leaves those out
    return parts


def _section_sides(order: Sequence, *, side_draws: bool) -> tuple[list, list, list]:
    """Which side of a report draws which built-in section, by position in ``order``.

    Returns ``(own, pool, network)``: the census-unit side (this process) draws ``own``, the
    sections that read its results (concentration, groups, commuting); ``network`` are drawn by
    the side job after the catchments it computed (only when ``side_draws``: a forked process;
    matplotlib must not draw in two threads of one process); ``pool`` reads only the region, and
    whichever side is free first draws each. The rest (the map of both sides, the notes,
    sections a user added) are drawn at the end, from all the results; this side prepares
    those with a ``prepare`` step (:class:`_DrawJob`) before it waits for the other.
    """
    from ..render import report as r

    own = {
        r.summary_section,
        r.socioeconomic_section,
        r.concentration_section,
        r.groups_report_section,
        r.commuting_report_section,
    }
    either = {r.crossings_section, r.population_section}
    network = {r.catchments_section} if side_draws else set()
    if not side_draws:
        own |= either
        either = set()
    return (
        [i for i, fn in enumerate(order) if fn in own],
        [i for i, fn in enumerate(order) if fn in either],
        [i for i, fn in enumerate(order) if fn in network],
    )


@dataclasses.dataclass
class _DrawJob:
    """What one side of a report draws: the sections at ``positions`` of ``sections``, then
    (after its ``prepare`` steps) those nobody else has taken from ``pool``, with the drawing
    options ``draw`` and the results both sides share (``shared``)."""

    region: object
    sections: Sequence = ()
    positions: Sequence[int] = ()
    pool: SharedQueue | None = None
    draw: dict | None = None
    shared: dict | None = None
    #: positions of sections drawn later in this process whose ``prepare(ctx)`` (if they have
    #: one) computes into the report's memo what they read of the region and this side's results
    prepare: Sequence[int] = ()

    def run(self, *, results: dict | None = None, **computed) -> tuple[dict, dict]:
        """Draw them (``computed``: this side's ``concentration`` or ``catchments``;
        ``results``: its other results), prepare the sections of ``prepare``, then draw what
        is left in the pool."""
        pool = self.pool
        ready = [
            self.sections[i].prepare for i in self.prepare if hasattr(self.sections[i], "prepare")
        ]
        if not self.positions and (pool is None or not pool.items) and not ready:
            return {}, {}
        from ..render.report import draw_sections, report_context

        ctx = report_context(
            self.region,
            **(self.draw or {}),
            results={**(self.shared or {}), **(results or {})},
            **computed,
        )
        drawn, timings = draw_sections(ctx, self.sections, only=self.positions)
        # what only this side can do before what either side can: the other side, once free,
        # takes the shared sections meanwhile
        for fn in ready:
            name, s0 = getattr(fn, "__name__", "section"), time.perf_counter()
            with step(f"report prepare {name}"):
                fn(ctx)
            timings[f"prepare_{name}"] = time.perf_counter() - s0
        while pool is not None and (i := pool.take()) is not None:
            more, secs = draw_sections(ctx, self.sections, only=[i])
            drawn.update(more)
            timings.update(secs)
        return drawn, timings


def _units_chain(
    region,
    concentration,
    *,
    groups: bool,
    commuting: bool,
    graph,
    conc_permutations: int,
    permutations: int,
    seed: int,
    data_dir,
    job: _DrawJob | None = None,
) -> dict:
    """The census-unit side: the concentration profile, the named groups and the commuting
    model (on the shared routing ``graph``), then the sections of ``job``."""
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
            region,
            permutations=permutations,
            seed=seed,
            data_dir=data_dir,
            groups=groups,
            commuting=commuting,
            graph=graph,
        )
        if groups or commuting
        else ({}, {})
    )
    t2 = time.perf_counter()
    drawn = job.run(concentration=concentration, results=more) if job else ({}, {})
    return {
        "result": concentration,
        "missing": missing,
        "seconds": t1 - t0,
        "more": more,
        "skipped": skipped,
        "more_s": t2 - t1,
        "drawn": drawn[0],
        "draw_s": drawn[1],
    }


def _network_chain(
    region,
    catchments,
    *,
    graph,
    job: _DrawJob | None = None,
) -> dict:
    """The road-network side: the catchments on the shared routing ``graph`` (None: built from
    the region's network, or the straight-line model without one), then the sections of
    ``job`` when it has positions of its own (a forked side)."""
    missing: dict[str, str] = {}
    t0 = time.perf_counter()
    if isinstance(catchments, str) and catchments == "auto":
        log.info("report: catchments")
        catchments = catchments_result(region, missing, graph=graph)
    seconds = time.perf_counter() - t0
    drawn, draw_s = job.run(catchments=catchments) if job and job.positions else ({}, {})
    shared_graph = graph is not None and getattr(catchments, "graph", None) is graph
    if shared_graph:
        # the caller holds this graph: not sent back from a side process (pickling it there
        # and back costs ~0.9 s on Tijuana–San Diego); :func:`report` puts it back
        catchments = dataclasses.replace(catchments, graph=None)
    return {
        "shared_graph": shared_graph,
        "result": catchments,
        "missing": missing,
        "seconds": seconds,
        "drawn": drawn,
        "draw_s": draw_s,
    }


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
