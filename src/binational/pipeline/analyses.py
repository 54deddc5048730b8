"""The concentration profile, the catchments and the population check of a report; the wait
fallback of a region without wait data; the one routing graph the report's analyses share."""

from __future__ import annotations

import logging

from ..errors import BinationalError

log = logging.getLogger(__name__)


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
    from ..concentration import concentration_profile

    try:
        return concentration_profile(region, permutations=permutations, seed=seed)
    except BinationalError as exc:
        missing["concentration"] = f"concentration profile could not be computed: {exc}"
        return None


def region_routing_graph(region):
    """The routing graph of ``region``'s road network, built once for every analysis of a run.

    :func:`binational.catchments.routing_graph` of the region's network in its units' CRS. Pass
    it as ``graph=`` to :func:`catchments_result` and
    :func:`binational.pipeline.commuting_results` (which hand it to ``catchments``,
    ``commuting`` and ``run_scenario`` as their ``network``), so that the network is turned
    into a sparse graph once instead of once per analysis. What the build leaves out is kept on
    the graph (``graph.drops``) and added to each analysis' drop report, as if built there.

    Parameters
    ----------
    region
        The loaded region.

    Returns
    -------
    SparseGraph or None
        None when the region has no network or no metric unit CRS, or when the graph cannot be
        built (each analysis then builds it from the network and reports the error itself).
    """
    from .._crs import is_metric

    network = getattr(region, "network", None)
    units = getattr(region, "units", None)
    if network is None or units is None or units.crs is None or not is_metric(units.crs):
        return None
    from ..catchments import routing_graph  # not before: without a network, nothing to build

    ports = getattr(region, "ports", None)
    if ports is not None and ports.crs is not None and ports.crs != units.crs:
        ports = ports.to_crs(units.crs)
    try:
        return routing_graph(network, crs=units.crs, ports=ports)
    except BinationalError as exc:
        log.info("no shared routing graph (%s): each analysis builds its own", exc)
        return None


def catchments_result(region, missing: dict[str, str], *, graph=None):
    """The catchments of ``region`` for the report, or None with the reason in ``missing``.

    A port without a wait profile does not stop the report: its wait is taken as 0 minutes
    (``wait_fallback="zero"``) and ``missing["waits_for_catchments"]`` says so.

    Parameters
    ----------
    region
        The loaded region.
    missing
        Receives the reasons (no waits, catchments not computed).
    graph
        The region's routing graph (:func:`region_routing_graph`), used instead of building
        one from ``region.network``; None: build it here.

    Returns
    -------
    CatchmentResult or None
        :func:`binational.catchments.catchments` of the region.
    """
    from ..catchments import catchments

    fallback, note = default_wait_fallback(region)
    if note:  # no wait data at all: 0 minutes, and the report says so
        missing["waits_for_catchments"] = note
    kw = {} if graph is None else {"network": graph}
    try:
        return catchments(region, wait_fallback=fallback, **kw)
    except BinationalError as exc:
        if "wait_fallback" not in str(exc):
            missing["catchments"] = f"catchments could not be computed: {exc}"
            return None
        missing["waits_for_catchments"] = (
            f"{exc.args[0].split(';')[0]}: those ports' border wait is taken as 0 minutes"
        )
    try:
        return catchments(region, wait_fallback="zero", **kw)
    except BinationalError as exc:
        missing["catchments"] = f"catchments could not be computed: {exc}"
        return None


def _population_check(region):
    from ..units import official_totals, population_check

    try:
        return population_check(region.units, official=official_totals(region.spec))
    except (BinationalError, KeyError, FileNotFoundError) as exc:  # pragma: no cover - manifest
        log.info("no population check: %s", exc)
        return None
