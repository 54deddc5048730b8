"""Daily cross-border commuting: a port × lane choice model fitted to observed trips.

The entry point is :func:`commuting`::

    from binational.io.survey import read_od_survey
    region = binational.load_region("tijuana-san-diego")
    survey = read_od_survey(data_dir / "crossings/sandag_ome_crossborder_od_survey_2017.csv")
    result = binational.commuting.commuting(region, survey=survey)
    result.fit_table, result.parameters, result.units, result.time_tax

Modules, in the order data flows through them:

- :mod:`~binational.commuting.periods` — periods of the day (AM peak, midday, PM peak, night).
- :mod:`~binational.commuting.design` — minutes between units and ports (catchments machinery:
  network when given, straight line otherwise; walking for pedestrian lanes).
- :mod:`~binational.commuting.model` — the multinomial logit: its design and probabilities.
- :mod:`~binational.commuting.fit` — its likelihood on survey aggregates, the
  maximum-likelihood fit and standard errors.
- :mod:`~binational.commuting.cells` — survey trips as cells (per option; per unit pair).
- :mod:`~binational.commuting.choiceset` — the options, waits, lanes open and unit weights of
  the design.
- :mod:`~binational.commuting.estimate` — fit per purpose, leave-one-period-out held-out shares.
- :mod:`~binational.commuting.expectations` — per-unit probabilities, expected crossing time
  and time tax.
- :mod:`~binational.commuting.result` — :class:`CommutingResult` and :class:`CommutingScenario`.
- :mod:`~binational.commuting.options` — :class:`CommutingOptions`: every option of a run,
  grouped by step (fit, lane waits, travel times).
- :mod:`~binational.commuting.api` — :func:`commuting`: the one call, through the steps above.
- :mod:`~binational.commuting.timetax` — time-tax raster and person-hours waiting per port.
- :mod:`~binational.commuting.heldout` — held-out port and lane errors per period.
- :mod:`~binational.commuting.pedestrians` — pedestrian port choice (walking access, not
  fitted) checked against BTS pedestrian counts.
- :mod:`~binational.commuting.queues` — waits that respond to demand in scenarios (fixed point).
- :mod:`~binational.commuting.scenario` — scenarios (new port, closed port or lane) through the
  fitted model.
- :mod:`~binational.commuting.bridges` — Juárez–El Paso bridge by bridge; pedestrian
  catchments at walking speed.
"""

from __future__ import annotations

from .api import DEFAULT_SIZE, commuting
from .bridges import bridge_counts, bridge_crossings, pedestrian_catchments, walk_network
from .cells import observed_cells
from .expectations import unit_expectations
from .fit import ChoiceFit, ConvergenceError, fit_choice, loglik
from .heldout import heldout_errors
from .model import ChoiceDesign, option_probabilities, param_names, predict_shares
from .options import CommutingOptions, FitOptions, LaneWaitOptions, TravelTimeOptions
from .pedestrians import pedestrian_check
from .periods import PERIOD_LABELS, PERIODS, period_of
from .queues import DEFAULT_WAIT_ELASTICITY, equilibrium_waits, wait_elasticity
from .result import CommutingResult, CommutingScenario
from .scenario import run_scenario, scenario_design
from .timetax import occupancy, person_hours_waiting, time_tax_raster

__all__ = [
    "DEFAULT_SIZE",
    "DEFAULT_WAIT_ELASTICITY",
    "PERIODS",
    "PERIOD_LABELS",
    "ChoiceDesign",
    "ChoiceFit",
    "CommutingOptions",
    "CommutingResult",
    "CommutingScenario",
    "ConvergenceError",
    "FitOptions",
    "LaneWaitOptions",
    "TravelTimeOptions",
    "bridge_counts",
    "bridge_crossings",
    "commuting",
    "equilibrium_waits",
    "fit_choice",
    "heldout_errors",
    "loglik",
    "observed_cells",
    "occupancy",
    "option_probabilities",
    "param_names",
    "pedestrian_catchments",
    "pedestrian_check",
    "period_of",
    "person_hours_waiting",
    "predict_shares",
    "run_scenario",
    "scenario_design",
    "time_tax_raster",
    "unit_expectations",
    "wait_elasticity",
    "walk_network",
]
