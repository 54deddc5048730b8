"""The border's time tax on the interactive maps.

Draws precomputed results only (a :class:`binational.commuting.CommutingResult`): the minutes
the border adds to a trip to the other side, per unit, at the hour the model was applied
(7 am by default), on both sides (Mexican units as origins, US units as destinations).

- :func:`time_tax_variable`: the units with their ``time_tax_minutes`` and the switchable
  variable of the report's map (:func:`binational.render.report.report_map`), drawn with the
  other variables of that map and its legend;
- :func:`add_time_tax`: a layer of its own on any folium map (:func:`maps.add_units`, with
  its legend), e.g. on :func:`binational.render.maps.region_map`.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from .. import schema
from ..errors import RenderError
from . import maps
from ._report_map import Variable

__all__ = ["TIME_TAX", "add_time_tax", "time_tax_label", "time_tax_units", "time_tax_variable"]

TIME_TAX = "time_tax_minutes"
_LABEL = {
    "en": "Border time tax at {hour:02d}:00 (minutes the wait adds)",
    "es": "Impuesto de tiempo de la frontera a las {hour:02d}:00 (minutos que añade la espera)",
}


def time_tax_label(hour: int, lang: str = "en") -> str:
    """Legend title of the time-tax layer."""
    if lang not in _LABEL:
        raise RenderError(f"lang {lang!r}: use one of {sorted(_LABEL)}")
    return _LABEL[lang].format(hour=int(hour))


def time_tax_units(units: gpd.GeoDataFrame, result) -> gpd.GeoDataFrame:
    """``units`` with the result's ``time_tax_minutes`` (matched on ``unit_id``; NaN elsewhere).

    Raises
    ------
    RenderError
        The result has no per-unit time tax, or the units no ``unit_id``.
    """
    ru = getattr(result, "units", None)
    if ru is None or TIME_TAX not in ru.columns or schema.UNIT_ID not in ru.columns:
        raise RenderError("the commuting result has no per-unit time_tax_minutes")
    if schema.UNIT_ID not in units.columns:
        raise RenderError("units lack unit_id: cannot match the time tax")
    lookup = dict(zip(ru[schema.UNIT_ID], ru[TIME_TAX], strict=False))
    out = units.copy()
    out[TIME_TAX] = out[schema.UNIT_ID].map(lookup).astype(float)
    return out


def time_tax_variable(
    units: gpd.GeoDataFrame, result, *, lang: str = "en"
) -> tuple[gpd.GeoDataFrame, list[Variable]]:
    """Units with the time tax and the report map's variable for it (none without a result).

    Returns
    -------
    units, variables
        ``variables`` is ``[]`` when ``result`` is None or has no time tax on any unit.
    """
    if result is None:
        return units, []
    out = time_tax_units(units, result)
    if not out[TIME_TAX].notna().any():
        return units, []
    hour = int(getattr(result, "params", {}).get("hour", 7))
    return out, [Variable(TIME_TAX, cmap="Purples", label=time_tax_label(hour, lang))]


def add_time_tax(
    m: folium.Map,
    result,
    *,
    units: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
    show: bool = False,
    k: int = 5,
) -> folium.Map:
    """Add the per-unit time tax as a layer (quantile classes, with its legend) to ``m``.

    Parameters
    ----------
    m
        A map from :func:`binational.render.maps.new_map` or ``region_map``.
    result
        A :class:`binational.commuting.CommutingResult`.
    units
        Units to draw (default the result's units).
    lang
        ``"en"`` or ``"es"`` (default the map's).
    show
        Whether the layer is on when the map opens.
    k
        Number of classes.
    """
    lang = lang or getattr(m, "_bn_lang", "en")
    base = units if units is not None else result.units
    drawn = time_tax_units(base, result)
    drawn = drawn[drawn[TIME_TAX].notna()]
    if drawn.empty:
        raise RenderError("no unit has a time tax to draw")
    hour = int(getattr(result, "params", {}).get("hour", 7))
    label = time_tax_label(hour, lang)
    # the legend title is the column's label: name the column by its label
    keep = [c for c in (schema.UNIT_ID, schema.NAME, schema.POP_TOTAL) if c in drawn.columns]
    layer = drawn[[*keep, "geometry"]].assign(**{label: drawn[TIME_TAX].to_numpy()})
    return maps.add_units(m, layer, label, k=k, cmap="Purples", name=label, show=show)
