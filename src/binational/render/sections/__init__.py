"""The report's built-in sections, one module per concern.

Each section is a function ``section(ctx: ReportContext) -> dict | None`` that draws
precomputed results (:mod:`~binational.render.sections.context`); the order of the page is
:data:`binational.render.report.SECTIONS`.

- :mod:`~binational.render.sections.summary` — the key figures.
- :mod:`~binational.render.sections.overview` — both sides: the interactive map, density,
  the population check.
- :mod:`~binational.render.sections.crossings` — crossings and waits.
- :mod:`~binational.render.sections.concentration` — ethnic concentration and the
  socio-economic context.
- :mod:`~binational.render.sections.catchments` — commuting catchments.
- :mod:`~binational.render.sections.results` — the named groups and the commuting model.
- :mod:`~binational.render.sections.about` — methods, sources, "reproduce this", missing data.
"""
