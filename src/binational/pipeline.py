"""The report pipeline: run the analyses of a report, then hand the results to render.

:func:`report` (and :func:`write_report`, which writes the HTML) is what ``binational report``,
the batch's report task and ``binational.write_report`` run: the concentration profile, the
catchments, the named groups and the commuting model, the SANDAG survey of the region, the
population check and the checksums of every data file read; then
:func:`binational.render.report.build_report` draws them. Render draws; it does not load data
or fit models. Each step that cannot run (no survey for the region, no RESAGEBURB file, a
group absent on one side) is left out with its reason in the ``missing`` mapping, never
silently.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._progress import step
from .errors import BinationalError

if TYPE_CHECKING:
    import pandas as pd

    from .render.report import ReportParts

__all__ = [
    "COMMUTING_FILES",
    "catchments_result",
    "commuting_inputs",
    "commuting_results",
    "concentration_result",
    "data_file_checksums",
    "groups_results",
    "heldout_table",
    "read_region_survey",
    "report",
    "report_results",
    "write_report",
]

log = logging.getLogger(__name__)

#: Files of the SANDAG SR-11/OME model the commuting model reads, relative to the data folder.
COMMUTING_FILES = {
    "survey": "crossings/sandag_ome_crossborder_od_survey_2017.csv",
    "zones": "osm/tijuana_sandiego_sr11_2017_network.gpkg",
    "observed": "crossings/sandag_ome_observed_hourly_volumes_waits_2017.csv",
    "configs": "crossings/sandag_ome_port_configurations.csv",
    "bwt": "crossings/cbp_bwt_us_mexico_crossings_2022-06-29.csv",
    "rates": "crossings/sandag_ome_poe_rates_2017_base.csv",
}


def _root(data_dir: str | os.PathLike | None) -> Path | None:
    from .settings import resolve_data_dir

    try:
        return resolve_data_dir(data_dir)
    except BinationalError:
        return None


def commuting_inputs(paths) -> dict:
    """Read the commuting model's inputs from the files named in ``paths`` (keys of
    :data:`COMMUTING_FILES`).

    Parameters
    ----------
    paths
        ``{"survey": path, "zones": path, "lanes_sandag": path, ...}``: the files of
        :data:`COMMUTING_FILES`, by key.

    Returns
    -------
    dict
        ``survey`` (:func:`~binational.io.survey.read_od_survey`), ``zones``
        (:func:`~binational.io.survey.read_zone_centroids`), ``lanes`` (each port's lanes from
        the SANDAG configurations and the CBP snapshot), ``volumes`` (SANDAG observed hourly
        volumes and waits), ``rates`` (SANDAG's 2017 booth schedule and processing rates) and
        ``booths`` (booths open per lane and hour, the mean of the CBP counts and the schedule:
        :func:`~binational.io.lanes.booths_open`).
    """
    from .io import lanes as io_lanes
    from .io.survey import read_od_survey, read_zone_centroids

    volumes = io_lanes.read_sandag_observed_volumes(paths["observed"])
    rates = io_lanes.read_poe_rates(paths["rates"])
    return {
        "survey": read_od_survey(paths["survey"]),
        "zones": read_zone_centroids(paths["zones"]),
        "lanes": io_lanes.port_lanes(
            io_lanes.read_port_configurations(paths["configs"]),
            io_lanes.read_bwt_lanes(paths["bwt"]),
        ),
        "volumes": volumes,
        "rates": rates,
        "booths": io_lanes.booths_open(volumes, rates),
    }


def heldout_table(result) -> pd.DataFrame | None:
    """Held-out errors of every purpose of a fitted commuting model, stacked (for the report).

    Parameters
    ----------
    result : binational.commuting.CommutingResult
        The fitted model.

    Returns
    -------
    pandas.DataFrame or None
        :func:`binational.commuting.heldout_errors` of each purpose in its fit table, or None
        when there is none.
    """
    import pandas as pd

    from .commuting import heldout_errors

    ft = getattr(result, "fit_table", None)
    if ft is None or not len(ft):
        return None
    parts = [heldout_errors(ft, purpose=p) for p in dict.fromkeys(ft["purpose"])]
    return pd.concat(parts, ignore_index=True)


def commuting_results(region, *, data_dir: str | os.PathLike | None = None) -> dict:
    """Fit the port-and-lane commuting model of ``region`` and run the Otay Mesa East scenario.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region` (with its road network where there is one).
    data_dir
        Data folder holding the SANDAG survey and zones (default: ``settings.data_dir``).

    Returns
    -------
    dict
        ``result`` (:class:`~binational.commuting.CommutingResult`), ``scenario`` and
        ``scenario_name`` (when the region has Otay Mesa), ``person_hours``, ``pedestrians``
        (:func:`~binational.commuting.pedestrian_check`, BTS 2017).

    Raises
    ------
    binational.errors.BinationalError
        The survey does not cover the region's ports, a file is missing or bad, or the fit
        fails; the caller reports it.
    """
    from . import schema
    from .catchments import OTAY_MESA_EAST
    from .commuting import CommutingScenario, commuting, pedestrian_check
    from .commuting.scenario import run_scenario
    from .commuting.timetax import occupancy, person_hours_waiting
    from .errors import DataSourceError
    from .io.survey import SURVEY_PORTS

    root = _root(data_dir)
    if root is None:
        raise DataSourceError("no data folder: set BINATIONAL_DATA_DIR or pass data_dir")
    ports = set(region.ports[schema.PORT_CODE].astype(int)) if region.ports is not None else set()
    if not ports & set(SURVEY_PORTS.values()):
        raise DataSourceError(
            "the SANDAG 2017 cross-border survey covers San Ysidro and Otay Mesa only; "
            f"region {region.spec.name!r} has none of its ports"
        )
    paths = {k: root / v for k, v in COMMUTING_FILES.items()}
    survey_file = region.spec.file("od_survey", root)  # the preset's own survey file, if any
    if survey_file is not None:
        paths["survey"] = survey_file
    absent = [str(p) for p in paths.values() if not p.exists()]
    if absent:
        raise DataSourceError(f"commuting model input(s) not found: {', '.join(absent)}")
    inputs = commuting_inputs(paths)
    volumes = inputs["volumes"]
    result = commuting(
        region,
        survey=inputs["survey"],
        zones=inputs["zones"],
        lanes=inputs["lanes"],
        lanes_open=inputs["booths"],
    )
    out: dict = {
        "result": result,
        "scenario": None,
        "scenario_name": None,
        "person_hours": None,
        "pedestrians": None,
        "heldout": heldout_table(result),
    }
    try:
        out["pedestrians"] = pedestrian_check(result, crossings=region.crossings, year=2017)
    except BinationalError as exc:
        log.warning("pedestrian check not computed: %s", exc)
    try:
        out["person_hours"] = person_hours_waiting(volumes, occupancy(region.crossings, year=2017))
    except BinationalError as exc:
        log.warning("person-hours waiting not computed: %s", exc)
    if 2506 in ports:
        out["scenario"] = run_scenario(
            result,
            CommutingScenario(name="otay-mesa-east", new_ports=(OTAY_MESA_EAST,)),
            purpose="HBW",
        )
        out["scenario_name"] = "Otay Mesa East"
    return out


def groups_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    context: bool = True,
) -> dict:
    """Named groups of ``region`` on each side, with what the report's groups section shows.

    ``context=False`` leaves out the socio-economic context (the report has its own section
    for it).

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    permutations
        Permutations of the index tests.
    seed
        Random seed of the tests.
    data_dir
        Data folder of the INEGI ITER composition table (default: ``settings.data_dir``).
    context
        Include the socio-economic context.

    Returns
    -------
    dict
        Keyword arguments of :func:`binational.render.groups_section.groups_section`:
        ``profile``, ``multiscalar``, ``iter_composition``, ``context``, ``comparison``.
    """
    from .concentration.multiscalar import multiscalar_profile
    from .concentration.named import (
        binational_comparison,
        named_group_profile,
        socioeconomic_context,
    )
    from .groups import denominator
    from .io.mx_census import iter_composition, read_iter

    units = region.units
    profile = named_group_profile(region, permutations=permutations, seed=seed)
    multiscalar = None
    if "hispanic" in units.columns:
        multiscalar = multiscalar_profile(
            units, group="hispanic", total=denominator("hispanic", units.columns)
        )
    composition = None
    root = _root(data_dir)
    iter_path = region.spec.file("mx_iter", root) if root is not None else None
    if iter_path is not None and Path(iter_path).exists():
        composition = iter_composition(read_iter(iter_path, municipios=region.spec.mx_municipios))
    mx_groups = [g for g in ("born_elsewhere",) if g in units.columns]
    comparison = binational_comparison(
        units,
        us_group="hispanic",
        mx_group=mx_groups[0] if mx_groups else "born_elsewhere",
        profile=profile,
        seed=seed,
    )
    return {
        "profile": profile,
        "multiscalar": multiscalar,
        "iter_composition": composition,
        "context": socioeconomic_context(units, seed=seed) if context else None,
        "comparison": comparison,
    }


def report_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    commuting: bool = True,
    groups: bool = True,
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
        ("commuting", commuting, lambda: commuting_results(region, data_dir=data_dir)),
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


def default_wait_fallback(region, asked=None) -> tuple[object, str | None]:
    """The wait fallback a command uses for ``region``, and the note that says so.

    A region with no wait-time data at all (a user's twin city, a region whose CBP feed is not
    in the data folder) still gets catchments: the border wait is taken as 0 minutes and the
    note says so, so that the figures are never read as wait-included. A fallback the user
    asked for is used as is.

    Parameters
    ----------
    region : binational.units.Region
        The loaded region.
    asked : str, int or None
        The user's ``wait_fallback`` (None: not asked).

    Returns
    -------
    tuple
        ``(fallback, note)``: the value for ``catchments(wait_fallback=...)`` and a note (None
        when nothing was assumed).
    """
    if asked is not None:
        return asked, None
    waits = getattr(region, "waits", None)
    if waits is not None and len(waits):
        return None, None
    reason = getattr(region, "missing", {}).get("waits", "no wait table")
    return (
        "zero",
        f"no wait-time data for this region ({reason}): the border wait is taken as 0 minutes",
    )


# ------------------------------------------------------------------------------------------------
# the concentration profile, the catchments and the survey of a report


def concentration_result(
    region, missing: dict[str, str], *, permutations: int = 499, seed: int = 0
):
    """The concentration profile of ``region`` for the report, or None with the reason in
    ``missing["concentration"]``.

    Parameters
    ----------
    region
        The loaded region.
    missing
        Receives the reason when the profile cannot be computed.
    permutations, seed
        Inference settings.

    Returns
    -------
    ConcentrationProfile or None
        :func:`binational.concentration.concentration_profile` of the region's default groups.
    """
    from .concentration import concentration_profile

    try:
        return concentration_profile(region, permutations=permutations, seed=seed)
    except BinationalError as exc:
        missing["concentration"] = f"concentration profile could not be computed: {exc}"
        return None


def catchments_result(region, missing: dict[str, str]):
    """The catchments of ``region`` for the report, or None with the reason in ``missing``.

    A port without a wait profile does not stop the report: its wait is taken as 0 minutes
    (``wait_fallback="zero"``) and ``missing["waits_for_catchments"]`` says so.

    Parameters
    ----------
    region
        The loaded region.
    missing
        Receives the reasons (no waits, catchments not computed).

    Returns
    -------
    CatchmentResult or None
        :func:`binational.catchments.catchments` of the region.
    """
    from .catchments import catchments

    fallback, note = default_wait_fallback(region)
    if note:  # no wait data at all: 0 minutes, and the report says so
        missing["waits_for_catchments"] = note
    try:
        return catchments(region, wait_fallback=fallback)
    except BinationalError as exc:
        if "wait_fallback" not in str(exc):
            missing["catchments"] = f"catchments could not be computed: {exc}"
            return None
        missing["waits_for_catchments"] = (
            f"{exc.args[0].split(';')[0]}: those ports' border wait is taken as 0 minutes"
        )
    try:
        return catchments(region, wait_fallback="zero")
    except BinationalError as exc:
        missing["catchments"] = f"catchments could not be computed: {exc}"
        return None


def _data_root(region) -> Path | None:
    """The data folder the region was loaded from, found from the files it read (so a report
    of a region loaded with ``data_dir=...`` finds its other files there too)."""
    src = getattr(region, "sources", None)
    files = getattr(region.spec, "files", {}) or {}
    if src is None or "path" not in getattr(src, "columns", []):
        return None
    for value in src["path"].astype(str):
        for path in (Path(p) for p in value.split(";") if p):
            for rel in files.values():
                for r in (rel,) if isinstance(rel, str) else tuple(rel):
                    parts = Path(r).parts
                    if path.parts[-len(parts) :] == parts:
                        return Path(*path.parts[: -len(parts)])
    return None


def read_region_survey(
    region, missing: dict[str, str], *, data_dir: str | os.PathLike | None = None
) -> tuple[pd.DataFrame | None, Path | None]:
    """The region's SANDAG cross-border survey (its ``od_survey`` file), if it has one.

    The file is looked up in ``data_dir``, else beside the files the region was read from,
    else in the configured data folder. A survey that cannot be read is left out with the
    reason in ``missing["od_survey"]``.

    Parameters
    ----------
    region
        The loaded region.
    missing
        Receives the reason when the survey cannot be read.
    data_dir
        Where to look first.

    Returns
    -------
    survey, path
        :func:`binational.io.survey.read_od_survey` of the file and its path; ``(None, None)``
        when the region names no survey.
    """
    from .io.survey import read_od_survey

    root = Path(data_dir) if data_dir is not None else _data_root(region) or _root(None)
    path = region.spec.file("od_survey", root) if root is not None else None
    if path is None:
        return None, None
    try:
        return read_od_survey(path), path
    except BinationalError as exc:
        missing["od_survey"] = str(exc)
        return None, path


def data_file_checksums(region, *, extra: Sequence[str | os.PathLike] = ()) -> list[dict]:
    """SHA-256 of every data file the region read, of ``extra`` files (e.g. the survey) and of
    the package's own tables (region presets, the ports registry, the official totals).

    Parameters
    ----------
    region
        The loaded region (its ``sources`` list the files it read).
    extra
        More files to list.

    Returns
    -------
    list of dict
        ``{"file": name, "sha256": hex}`` per existing file, in the order read, once each.
    """
    from ._atomic import file_sha256

    files: list[Path] = []
    src = getattr(region, "sources", None)
    if src is not None and "path" in getattr(src, "columns", []):
        for value in src["path"].astype(str):
            files += [Path(p) for p in value.split(";") if p]
    files += [Path(p) for p in extra]
    try:  # the package's own tables: region presets and the ports registry
        from ._data import package_dir

        files += [package_dir() / n for n in ("regions.toml", "ports.csv", "admin_totals.csv")]
    except FileNotFoundError:  # pragma: no cover - broken install
        pass
    return [{"file": p.name, "sha256": file_sha256(p)} for p in dict.fromkeys(files) if p.is_file()]


def _population_check(region):
    from .units import official_totals, population_check

    try:
        return population_check(region.units, official=official_totals(region.spec))
    except (BinationalError, KeyError, FileNotFoundError) as exc:  # pragma: no cover - manifest
        log.info("no population check: %s", exc)
        return None


# ------------------------------------------------------------------------------------------------
# the whole report


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
    from .errors import RenderError
    from .render.labels import check_lang
    from .render.report import build_report

    check_lang(lang)
    if region.units is None or len(region.units) == 0:
        raise RenderError(f"region {region.spec.name!r} has no census units: nothing to report")
    missing: dict[str, str] = {}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(concentration, str) and concentration == "auto":
        log.info("report: concentration profile")
        concentration = concentration_result(region, missing, permutations=permutations, seed=seed)
    timings["concentration"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if isinstance(catchments, str) and catchments == "auto":
        log.info("report: catchments")
        catchments = catchments_result(region, missing)
    timings["catchments"] = time.perf_counter() - t0
    extra = dict(results or {})
    skipped: dict[str, str] = {}
    if groups or commuting:
        t0 = time.perf_counter()
        more, skipped = report_results(
            region,
            permutations=min(permutations, 199),
            seed=seed,
            data_dir=data_dir,
            commuting=commuting,
            groups=groups,
        )
        extra = {**more, **extra}
        timings["groups_commuting"] = time.perf_counter() - t0
    survey, survey_path = read_region_survey(region, missing, data_dir=data_dir)
    extra.setdefault("population_check", _population_check(region))
    parts = build_report(
        region,
        lang=lang,
        concentration=concentration,
        catchments=catchments,
        survey=survey,
        checksums=data_file_checksums(region, extra=[survey_path] if survey_path else []),
        missing=missing,
        permutations=permutations,
        seed=seed,
        offline=offline,
        sections=sections,
        results=extra,
        command=command,
    )
    parts.timings = {**timings, **parts.timings}
    parts.missing.update(skipped)  # listed by the CLI; the page leaves those sections out
    return parts


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
    from .render._io import atomic_write_text, check_writable
    from .render.report import default_command

    out = check_writable(out_dir)  # fail before the (long) computation
    parts = report(
        region,
        lang=lang,
        permutations=permutations,
        command=command
        or default_command(region, lang=lang, permutations=permutations, out=str(out_dir)),
        **options,
    )
    stem = name or region.spec.name + ("" if lang == "en" else f".{lang}")
    return atomic_write_text(out / f"{stem}.html", parts.html)
