"""What :func:`binational.commuting.commuting` returns, and the scenarios it runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from ..catchments.cost import NewPort, Scenario
from ..drops import DropReport
from .design import PortMinutes

__all__ = ["CommutingResult", "CommutingScenario"]


@dataclass(frozen=True)
class CommutingScenario:
    """Changes to the base case, applied through the fitted model.

    Parameters
    ----------
    name
        Label.
    closed_ports
        Port codes closed (their options leave the choice set).
    closed_lanes
        ``(port_code, lane)`` options closed.
    new_ports
        Ports to add (:class:`binational.catchments.NewPort`, e.g. ``OTAY_MESA_EAST``).
    constants_from
        ``{new port code: existing port code}``: the new port gets the lanes and the fitted
        lane constants of that port (default for a new port: the first port of the choice set
        at the smallest straight-line distance).
    lane_waits
        ``{(port_code, lane): minutes}`` fixed waits (all hours; they do not respond to demand);
        a new port's lanes default to its ``NewPort.wait_minutes``.
    """

    name: str = "scenario"
    closed_ports: tuple[int, ...] = ()
    closed_lanes: tuple[tuple[int, str], ...] = ()
    new_ports: tuple[NewPort, ...] = ()
    constants_from: Mapping[int, int] = field(default_factory=dict)
    lane_waits: Mapping[tuple[int, str], float] = field(default_factory=dict)

    def catchments_scenario(self) -> Scenario:
        """The same closed and new ports as a :class:`binational.catchments.Scenario`."""
        return Scenario(name=self.name, closed=tuple(self.closed_ports), new_ports=self.new_ports)


@dataclass
class CommutingResult:
    """What :func:`commuting` returns.

    Attributes
    ----------
    fit_table
        ``direction, purpose, period, port_code, port_name, lane, observed_share,
        predicted_share, in_sample_share, observed_trips, records,
        predicted_share_origin_only, observed_share_se``: ``predicted_share`` is the held-out
        prediction (parameters fitted without that period) for the period's trips given their
        origin and destination units; ``predicted_share_origin_only`` the same given only their
        origins (destinations from the model); ``observed_share_se`` the sampling standard
        error of the observed share (Kish effective sample size of the period's records).
        Shares sum to 1 within purpose × period.
    parameters
        ``purpose, parameter, estimate, se, z, loglik, loglik_null, n_records, n_trips,
        converged`` of the fit on all periods.
    heldout_parameters
        The same for each held-out fit (``held_out`` = the period left out).
    units
        The unit table with, at ``hour``, for purpose ``unit_purpose``: ``p_<port>_<lane>``
        (origins: probability of the option; destinations: share of arriving trips),
        ``expected_minutes``, ``no_wait_minutes``, ``time_tax_minutes``, ``expected_wait``.
    time_tax
        Long table ``unit_id, country, role, hour, expected_minutes, no_wait_minutes,
        time_tax_minutes`` for every hour.
    waits
        The wait used per option and hour with its ``source``.
    observed
        Survey cells ``direction, purpose, hour, period, port_code, lane, trips, records``.
    models, designs
        Per purpose: the :class:`ChoiceFit` on all periods and the :class:`ChoiceDesign`.
    port_minutes
        Travel times between units and ports.
    method
        ``"network"`` or ``"straight-line"``.
    params, report
        Run parameters; units without a weight, filled waits and other notes.
    """

    fit_table: pd.DataFrame
    parameters: pd.DataFrame
    heldout_parameters: pd.DataFrame
    units: gpd.GeoDataFrame
    time_tax: pd.DataFrame
    waits: pd.DataFrame
    observed: pd.DataFrame
    models: dict
    designs: dict
    port_minutes: PortMinutes
    method: str
    params: dict = field(default_factory=dict)
    report: DropReport = field(default_factory=DropReport)
    inputs: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (
            f"<CommutingResult {self.method}: purposes {list(self.models)}, "
            f"{len(self.designs[next(iter(self.designs))].options)} options, {len(self.units)} units>"
        )
