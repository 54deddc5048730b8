"""The report pipeline: run the analyses of a report, then hand the results to render.

:func:`report` (and :func:`write_report`, which writes the HTML) is what ``binational report``,
the batch's report task and ``binational.write_report`` run: the concentration profile, the
catchments, the named groups and the commuting model, the SANDAG survey of the region, the
population check and the checksums of every data file read; then
:func:`binational.render.report.build_report` draws them. Render draws; it does not load data
or fit models. Each step that cannot run (no survey for the region, no RESAGEBURB file, a
group absent on one side) is left out with its reason in the ``missing`` mapping, never
silently.

Modules: :mod:`~binational.pipeline.reporting` (:func:`report`, :func:`write_report`,
:func:`report_results`), :mod:`~binational.pipeline.analyses` (concentration, catchments, the
wait fallback, the population check), :mod:`~binational.pipeline.commuting` (the commuting
model and its input files), :mod:`~binational.pipeline.groups` (named groups) and
:mod:`~binational.pipeline._files` (the data folder, the survey, checksums).
"""

from __future__ import annotations

from ._files import data_file_checksums, read_region_survey
from .analyses import catchments_result, concentration_result
from .commuting import COMMUTING_FILES, commuting_inputs, commuting_results, heldout_table
from .groups import groups_results
from .reporting import report, report_results, write_report

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
