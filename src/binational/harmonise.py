"""Each side of the binational unit table, built from its census sources.

:func:`load_us_units` joins US tracts to an ACS table; :func:`load_mx_units` joins Mexican
urban AGEBs to RESAGEBURB and/or CONAPO tables. Both return the schema's core columns
(:data:`binational.schema.UNIT_COLUMNS`: ``unit_id``, ``country``, ``admin2``, ``name``,
``pop_total``, ``flag_zero_pop``, ``source``, ``geometry``) plus the side's group columns;
:func:`binational.units.harmonise_units` stacks the two sides. The parsing of each source
family stays in :mod:`binational.io` (:mod:`~binational.io.us_census`,
:mod:`~binational.io.mx_census`), which knows no unit table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _plausible, drops, schema
from ._log import get_logger
from .drops import DropReport
from .errors import SchemaError
from .io._vector import note
from .io.mx_census import (
    LAYER_AGEBS,
    LAYER_CONAPO,
    LAYER_RESAGEBURB,
    RESAGEBURB_GROUPS,
    normalise_municipios,
    read_agebs,
    read_conapo_imu,
    read_resageburb,
    resageburb_named_groups,
)
from .io.us_census import (
    LAYER_ACS,
    LAYER_TRACTS,
    ColumnMap,
    normalise_counties,
    read_acs,
    read_tracts,
    tract_name,
)

__all__ = ["LAYER_MX_UNITS", "LAYER_US_UNITS", "load_mx_units", "load_us_units"]

log = get_logger(__name__)

#: Drop-report layers of the two sides of the unit table.
LAYER_US_UNITS = "us_units"
LAYER_MX_UNITS = "mx_units"


def _ids(country: str, codes: Iterable[str]) -> list[str]:
    return [schema.unit_id(country, c) for c in codes]


def load_us_units(
    tracts_path: str | os.PathLike,
    acs_path: str | os.PathLike,
    *,
    column_map: str | Mapping | ColumnMap | None,
    counties: Iterable[str] | None,
    crs,
    source_label: str | None = None,
    report: DropReport | None = None,
    year: int | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """US side of the binational unit table: tracts joined by GEOID to an ACS table.

    Parameters
    ----------
    tracts_path, acs_path
        See :func:`~binational.io.us_census.read_tracts` and :func:`~binational.io.us_census.read_acs`.
    column_map
        Column map of the ACS table (None: detected).
    counties
        5-digit county FIPS codes of the region (None: keep all).
    crs
        Output CRS (the region's projected CRS); None keeps the tracts' CRS.
    source_label
        Value of the ``source`` column; default names the ACS vintage and both files.
    report
        Drop report: tracts without an ACS row (``no_attributes``), ACS rows without a polygon
        (``no_geometry``), rows outside the counties (``outside_region``), zero-population
        tracts (kept, ``zero_population_flagged``), annotations and geometry repairs.
    year, layer
        Passed to :func:`~binational.io.us_census.read_acs` / :func:`~binational.io.us_census.read_tracts`.

    Returns
    -------
    GeoDataFrame
        ``unit_id`` (``"US:<GEOID>"``), ``country`` (``"US"``), ``admin2`` (county FIPS),
        ``name`` (``"Census Tract 101.01"``), ``pop_total``, ``flag_zero_pop``, ``source``, the
        map's group columns, their ``*_moe`` (95 %), ``geometry``.
    """
    counties = normalise_counties(counties)
    tracts = read_tracts(tracts_path, layer=layer, counties=counties, report=report)
    acs = read_acs(acs_path, column_map=column_map, year=year, report=report)
    if counties is not None:
        inside = acs.index.str[:5].isin(counties)
        note(
            report,
            LAYER_ACS,
            _ids(schema.US, acs.index[~inside]),
            drops.OUTSIDE_REGION,
            f"county not in {', '.join(counties)} ({Path(acs_path).name})",
        )
        acs = acs.loc[inside]
    has_attr = tracts["GEOID"].isin(acs.index)
    note(
        report,
        LAYER_TRACTS,
        _ids(schema.US, tracts.loc[~has_attr, "GEOID"]),
        drops.NO_ATTRIBUTES,
        f"tract not in {Path(acs_path).name}",
    )
    has_geom = acs.index.isin(tracts["GEOID"])
    note(
        report,
        LAYER_ACS,
        _ids(schema.US, acs.index[~has_geom]),
        drops.NO_GEOMETRY,
        f"no polygon in {Path(tracts_path).name}",
    )
    tracts = tracts.loc[has_attr]
    attrs = acs.loc[tracts["GEOID"]].reset_index(drop=True)
    geoid = tracts["GEOID"].reset_index(drop=True)

    if source_label is None:
        vintage = acs.attrs.get("vintage")
        product = f"ACS 5-year {vintage}" if vintage else "ACS"
        source_label = f"{product} ({Path(acs_path).name}); tracts: {Path(tracts_path).name}"
    pop = attrs[schema.POP_TOTAL]
    zero = (pop == 0).to_numpy()
    note(
        report,
        LAYER_US_UNITS,
        _ids(schema.US, geoid[zero]),
        drops.ZERO_POPULATION,
        "pop_total == 0, kept",
    )

    core = pd.DataFrame(
        {
            schema.UNIT_ID: _ids(schema.US, geoid),
            schema.COUNTRY: schema.US,
            schema.ADMIN2: geoid.str[:5],
            schema.NAME: [tract_name(g) for g in geoid],
            schema.POP_TOTAL: pop,
            schema.FLAG_ZERO_POP: zero,
            schema.SOURCE: source_label,
        }
    )
    extra = attrs.drop(columns=[schema.POP_TOTAL])
    units = gpd.GeoDataFrame(
        pd.concat([core, extra], axis=1),
        geometry=tracts.geometry.reset_index(drop=True).to_numpy(),
        crs=tracts.crs,
    )
    if crs is not None:
        units = units.to_crs(crs)
    units = _plausible.check_unit_counts(units, path=acs_path, layer=LAYER_US_UNITS, report=report)
    units.attrs.update(
        vintage=acs.attrs.get("vintage"),
        column_map=acs.attrs.get("column_map"),
        acs_codes=acs.attrs.get("acs_codes"),
    )
    return units


def _resageburb_groups(rs: pd.DataFrame, path) -> pd.DataFrame:
    """Canonical group columns (and their suppression flags) from RESAGEBURB variables."""
    cols: dict[str, pd.Series] = {}
    flags: dict[str, pd.Series] = {}
    for group, var in RESAGEBURB_GROUPS.items():
        if var not in rs.columns:
            if group == schema.POP_TOTAL:
                raise SchemaError(f"{path}: column POBTOT is missing")
            log.info("%s: no %s column; group %s not available", path, var, group)
            continue
        cols[group] = rs[var]
        flag = f"{var}_suppressed"
        if flag in rs.columns:
            flags[f"{group}_suppressed"] = rs[flag]
    out = pd.DataFrame(cols)
    if flags:
        out = pd.concat([out, pd.DataFrame(flags)], axis=1)
    named = resageburb_named_groups(rs)
    extra = [c for c in named.columns if c not in out.columns]
    out = pd.concat([out, named[extra]], axis=1)
    out["n_suppressed"] = rs["n_suppressed"]
    return out


def load_mx_units(
    agebs_path: str | os.PathLike,
    *,
    conapo_path: str | os.PathLike | None = None,
    resageburb_path: str | os.PathLike | None = None,
    municipios: Iterable[str] | None,
    crs,
    report: DropReport | None = None,
    layer: str | None = None,
    source_label: str | None = None,
) -> gpd.GeoDataFrame:
    """Mexican side of the binational unit table: urban AGEBs joined by CVEGEO to attributes.

    Parameters
    ----------
    agebs_path
        Urban AGEB polygons (:func:`~binational.io.mx_census.read_agebs`).
    conapo_path
        CONAPO IMU 2020 table (:func:`~binational.io.mx_census.read_conapo_imu`): marginalisation and, without
        RESAGEBURB, ``pop_total``.
    resageburb_path
        INEGI RESAGEBURB 2020 table (:func:`~binational.io.mx_census.read_resageburb`); when given it is the primary
        attribute table (``pop_total`` = POBTOT and the census groups).
    municipios
        5-digit municipio keys of the region (None: keep all).
    crs
        Output CRS (None keeps the polygons' CRS).
    report
        Drop report: polygons without an attribute row (``no_attributes``), attribute rows
        without a polygon (``no_geometry``, e.g. AGEBs re-coded in a later Marco
        Geoestadístico), rows outside the municipios, zero-population AGEBs (kept, flagged).
    layer
        GeoPackage layer of the polygons.
    source_label
        Value of the ``source`` column (default: the products and file names).

    Returns
    -------
    GeoDataFrame
        ``unit_id`` (``"MX:<CVEGEO>"``), ``country`` (``"MX"``), ``admin2`` (ENT + MUN),
        ``name`` (``"AGEB 0019, Mexicali (loc 0001)"``), ``pop_total``, ``flag_zero_pop``,
        ``source``, groups (see :mod:`binational.io.mx_census`), ``im_2020``, ``gm_2020``, ``imn_2020``,
        ``geometry``.
    """
    if conapo_path is None and resageburb_path is None:
        raise SchemaError("load_mx_units needs conapo_path and/or resageburb_path")
    municipios = normalise_municipios(municipios)
    agebs = read_agebs(agebs_path, layer=layer, municipios=municipios, report=report)
    rs = imu = None
    if resageburb_path is not None:
        rs = read_resageburb(resageburb_path, municipios=municipios, report=report)
    if conapo_path is not None:
        imu = read_conapo_imu(conapo_path, municipios=municipios, report=report)
    primary, primary_path, primary_layer = (
        (rs, resageburb_path, LAYER_RESAGEBURB)
        if rs is not None
        else (imu, conapo_path, LAYER_CONAPO)
    )

    has_attr = agebs["CVEGEO"].isin(primary.index)
    note(
        report,
        LAYER_AGEBS,
        _ids(schema.MX, agebs.loc[~has_attr, "CVEGEO"]),
        drops.NO_ATTRIBUTES,
        f"AGEB not in {Path(primary_path).name}",
    )
    polygons = set(agebs["CVEGEO"])
    tables = [(primary, primary_path, primary_layer)]
    if rs is not None and imu is not None:
        tables.append((imu, conapo_path, LAYER_CONAPO))
    for table, tpath, tlayer in tables:
        orphan = ~table.index.isin(polygons)
        note(
            report,
            tlayer,
            _ids(schema.MX, table.index[orphan]),
            drops.NO_GEOMETRY,
            f"no polygon in {Path(agebs_path).name} ({Path(tpath).name})",
        )
    agebs = agebs.loc[has_attr].reset_index(drop=True)
    cvegeo = agebs["CVEGEO"]

    parts: list[pd.DataFrame] = []
    names = pd.Series(np.nan, index=cvegeo, dtype=object)
    if rs is not None:
        sub = rs.reindex(cvegeo)
        parts.append(_resageburb_groups(sub, resageburb_path))
        if "NOM_MUN" in sub.columns:
            names = names.fillna(sub["NOM_MUN"].astype(object))
    if imu is not None:
        sub = imu.reindex(cvegeo)
        conapo = pd.DataFrame(
            {
                "high_marginalization": sub["high_marginalization"],
                "im_2020": sub.get("IM_2020"),
                "gm_2020": sub["GM_2020"],
                "imn_2020": sub.get("IMN_2020"),
            },
            index=sub.index,
        )
        if rs is None:
            conapo.insert(0, schema.POP_TOTAL, sub["POB_TOTAL"])
        parts.append(conapo)
        if "NOM_MUN" in sub.columns:
            names = names.fillna(sub["NOM_MUN"].astype(object))
    attrs = pd.concat(parts, axis=1).reset_index(drop=True)
    names = names.reset_index(drop=True).fillna(cvegeo.str[:5].map(lambda c: f"municipio {c}"))

    if source_label is None:
        labels = []
        if rs is not None:
            labels.append(f"INEGI Censo 2020 RESAGEBURB ({Path(resageburb_path).name})")
        if imu is not None:
            labels.append(f"CONAPO IMU 2020 ({Path(conapo_path).name})")
        labels.append(f"AGEBs: INEGI Marco Geoestadístico ({Path(agebs_path).name})")
        source_label = "; ".join(labels)

    pop = attrs.pop(schema.POP_TOTAL).astype("float64")
    zero = (pop == 0).to_numpy()
    note(
        report,
        LAYER_MX_UNITS,
        _ids(schema.MX, cvegeo[zero]),
        drops.ZERO_POPULATION,
        "pop_total == 0, kept",
    )
    core = pd.DataFrame(
        {
            schema.UNIT_ID: _ids(schema.MX, cvegeo),
            schema.COUNTRY: schema.MX,
            schema.ADMIN2: cvegeo.str[:5],
            schema.NAME: [
                f"AGEB {c[9:]}, {n} (loc {c[5:9]})" for c, n in zip(cvegeo, names, strict=True)
            ],
            schema.POP_TOTAL: pop,
            schema.FLAG_ZERO_POP: zero,
            schema.SOURCE: source_label,
        }
    )
    units = gpd.GeoDataFrame(
        pd.concat([core, attrs], axis=1),
        geometry=agebs.geometry.to_numpy(),
        crs=agebs.crs,
    )
    if crs is not None:
        units = units.to_crs(crs)
    return _plausible.check_unit_counts(
        units, path=primary_path, layer=LAYER_MX_UNITS, report=report
    )
