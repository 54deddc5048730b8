"""Every layer of a region for GIS work: one GeoPackage, and the same layers as GeoParquet.

Layers (those that exist for the region):

``units``
    The binational unit table, with the local concentration measures and cluster labels
    joined on ``unit_id`` when a concentration result is given, and the catchment allocation
    (``best_port``, ``best_minutes``, ...) when a catchment result is given.
``ports``
    Ports of entry (points), with the last-12-month crossings by measure.
``isochrones``
    Catchment polygons per port, side, minute band and wait variant.
``port_sheds``
    Units dissolved by their best port and side.
``border``
    The border line drawn on the maps (see :func:`binational.border.border_line`).

Files are written atomically: into a temporary folder beside the output, then renamed into
place, so a reader never sees a half-written GeoPackage.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import schema
from .._gpkg import write_layer
from .._log import get_logger
from ..errors import OutputError, RenderError
from . import _tables
from ._io import atomic_dir

log = get_logger(__name__)

__all__ = ["export_layers", "region_layers"]


def _local_table(concentration):
    if concentration is None:
        return None
    if isinstance(concentration, pd.DataFrame):  # the local GeoDataFrame itself
        return concentration
    return concentration.local


def region_layers(
    region,
    *,
    concentration=None,
    catchments=None,
    border: gpd.GeoDataFrame | str | None = "auto",
    months: int = 12,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers :func:`export_layers` writes, as GeoDataFrames in the region CRS."""
    units = region.units
    if units is None or len(units) == 0:
        raise RenderError(f"region {region.spec.name!r} has no units to export")
    crs = units.crs
    local = _local_table(concentration)
    if local is not None and schema.UNIT_ID in local.columns:
        extra = [c for c in local.columns if c not in units.columns and c != "geometry"]
        units = units.merge(
            pd.DataFrame(local[[schema.UNIT_ID, *extra]]), on=schema.UNIT_ID, how="left"
        )
    cu = getattr(catchments, "units", None)
    if cu is not None and schema.UNIT_ID in cu.columns:
        keep = [
            c
            for c in (
                "best_port",
                "best_port_name",
                "best_minutes",
                "best_drive_minutes",
                "wait_minutes",
                "second_port",
                "second_minutes",
            )
            if c in cu.columns
        ]
        if keep:
            alloc = pd.DataFrame(cu[[schema.UNIT_ID, *keep]])
            units = units.merge(alloc, on=schema.UNIT_ID, how="left")
    layers = {"units": gpd.GeoDataFrame(units, geometry="geometry", crs=crs)}
    ports = getattr(region, "ports", None)
    if ports is not None and len(ports):
        vols = _tables.port_volumes(getattr(region, "crossings", None), months=months)
        vols.columns = [f"x12m_{c}".lower().replace(" ", "_") for c in vols.columns]
        layers["ports"] = ports.merge(
            vols, left_on=schema.PORT_CODE, right_index=True, how="left"
        ).to_crs(crs)
    iso = getattr(catchments, "isochrones", None)
    if iso is not None and len(iso):
        layers["isochrones"] = iso.to_crs(crs)
    sheds = getattr(catchments, "port_sheds", None)
    if sheds is not None and len(sheds):
        layers["port_sheds"] = sheds.to_crs(crs)
    if isinstance(border, str) and border == "auto":
        border = getattr(region, "border", None)
    if border is not None and len(border):
        layers["border"] = border.to_crs(crs)
    return layers


def export_layers(
    region,
    out_dir: str | os.PathLike,
    *,
    concentration=None,
    catchments=None,
    border: gpd.GeoDataFrame | str | None = "auto",
    formats: tuple[str, ...] = ("gpkg", "parquet"),
    name: str | None = None,
    lang: str = "en",
) -> dict[str, Path]:
    """Write every layer of a region to ``out_dir/<name>.gpkg`` and ``<name>_<layer>.parquet``.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    concentration, catchments
        Optional results of :func:`binational.concentration_profile` and
        :func:`binational.catchments` whose layers are added.
    formats
        Any of ``"gpkg"`` and ``"parquet"``.
    name
        File stem (default: the region name).
    lang
        Language of the GeoPackage's layer and field descriptions (``"en"`` or ``"es"``).

    Returns
    -------
    dict
        ``{"gpkg": path, "<layer>": parquet path, ...}``.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be written.
    """
    unknown = set(formats) - {"gpkg", "parquet"}
    if unknown:
        raise RenderError(f"unknown export format(s) {', '.join(sorted(unknown))} (gpkg, parquet)")
    layers = region_layers(
        region, concentration=concentration, catchments=catchments, border=border
    )
    stem = name or region.spec.name
    written: dict[str, Path] = {}
    out = Path(out_dir)
    with atomic_dir(out) as tmp:
        if "gpkg" in formats:
            path = tmp / f"{stem}.gpkg"
            for layer, gdf in layers.items():
                write_layer(gdf, path, layer=layer, lang=lang)
            written["gpkg"] = out / path.name
        if "parquet" in formats:
            for layer, gdf in layers.items():
                path = tmp / f"{stem}_{layer}.parquet"
                try:
                    gdf.to_parquet(path)
                except Exception as exc:
                    raise OutputError(
                        f"{out / path.name}: cannot write layer {layer!r}: {exc}"
                    ) from exc
                written[layer] = out / path.name
    log.info("exported %d layer(s) of %s to %s", len(layers), stem, out)
    return written
