"""Mexican census units: INEGI urban AGEBs joined to RESAGEBURB, CONAPO IMU and ITER tables.

* :func:`read_agebs` — INEGI Marco Geoestadístico urban AGEB polygons (13-character ``CVEGEO``).
* :func:`read_resageburb` — INEGI Censo 2020 "Principales resultados por AGEB y manzana urbana"
  (RESAGEBURB): the AGEB-total rows only.
* :func:`read_conapo_imu` — CONAPO Índice de Marginación Urbana 2020 by AGEB.
* :func:`read_iter` — INEGI ITER municipio totals.

The unit table's MX side (AGEBs joined to those tables) is built by
:func:`binational.harmonise.load_mx_units`.

RESAGEBURB rows
---------------
A RESAGEBURB file mixes five kinds of rows, told apart by their keys: the entity total
(``MUN == 000``), municipio totals (``LOC == 0000``), locality totals (``AGEB == 0000``), one
"Total AGEB urbana" row per AGEB (``MZA == 000``) and one row per block (manzana,
``MZA != 000``). Only the AGEB-total rows are returned; the others are never summed (a sum over
all rows would count each person up to five times) and each kind is recorded once in the drop
report as ``summary_row`` with its row count.

Suppressed values
-----------------
INEGI withholds small counts: ``*`` marks a value withheld for confidentiality (a cell of 0–2
persons, or an AGEB with few dwellings) and ``N/D`` a value not available; republished copies
(like the Baja California Sur sample in the shared data) write both as ``NA``, and a blank cell
is treated the same way. These cells become NaN. :func:`read_resageburb` adds

* ``n_suppressed`` — how many census variables of the AGEB are suppressed, and
* ``<VAR>_suppressed`` — a boolean column for every variable with at least one suppressed cell,

and ``attrs["suppression_codes"]`` counts each code. In the unit table the flags are carried
for the group columns as ``<group>_suppressed``.

Groups
------
From RESAGEBURB (:data:`RESAGEBURB_GROUPS`): ``pop_total`` (POBTOT), ``born_other_state``
(PNACOE), ``resident_other_state_2015`` (PRESOE15, base ``pop_5plus``), ``indigenous_lang``
(P3YM_HLI, base ``pop_3plus``), ``indigenous_household`` (PHOG_IND), ``afro`` (POB_AFRO),
``pea`` (PEA, base ``pop_12plus``), ``no_health_service`` (PSINDER), ``disability``
(PCON_DISC), ``pop_65plus`` (POB65_MAS).

Named groups (:data:`NAMED_GROUPS_MX`, :func:`resageburb_named_groups`), each with its own
denominator column: ``born_elsewhere`` (PNACOE / POBTOT: born in another state or country),
``moved_since_2015`` (PRESOE15 / P_5YMAS: lived in another state or country in March 2015),
``indigenous_language`` (P3YM_HLI / P_3YMAS: speaks an indigenous language) and
``afro_mexican`` (POB_AFRO / POBTOT: considers itself Afro-Mexican or Afro-descendant). The unit
table carries them whenever a RESAGEBURB file is loaded (role ``mx_resageburb``).

Where only municipio totals exist, :func:`iter_composition` gives the municipio-level shares
of PNACOE and PRESOE15 from ITER, with their source.

From CONAPO: ``high_marginalization`` = ``POB_TOTAL`` where the marginalisation grade
``GM_2020`` is "Alto" or "Muy alto", else 0 (NaN where the grade is missing): the population of
AGEBs with high or very high urban marginalisation. CONAPO's five grades are "Muy bajo",
"Bajo", "Medio", "Alto", "Muy alto" (CONAPO, Índice de marginación urbana 2020, nota técnico-
metodológica); the unit table also carries ``im_2020`` (index), ``gm_2020`` (grade, ordered
categorical) and ``imn_2020`` (index normalised 0–1).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import drops
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ._inegi import (
    _TEXT_COLUMNS,
    SUPPRESSION_CODES,  # noqa: F401  (re-exported: public name of this module)
    _cvegeo,
    _filter_municipios,
    _inegi_keys,
    _numeric_columns,
    _pad,
    _uids,
    _validate_cvegeo,
    normalise_municipios,
)
from ._vector import check_unique, clean_geometries, note, read_csv_text, read_text, read_vector
from .mx_iter import LAYER_ITER, iter_composition, read_iter  # noqa: F401  (LAYER_ITER re-exported)

__all__ = [
    "GM_GRADES",
    "HIGH_GRADES",
    "NAMED_GROUPS_MX",
    "RESAGEBURB_GROUPS",
    "iter_composition",
    "read_agebs",
    "read_conapo_imu",
    "read_iter",
    "read_resageburb",
    "resageburb_named_groups",
]

log = get_logger(__name__)

LAYER_AGEBS = "mx_agebs"
LAYER_RESAGEBURB = "mx_resageburb"
LAYER_CONAPO = "mx_conapo_imu"
LAYER_UNITS = "mx_units"

#: Canonical group column → RESAGEBURB 2020 mnemonic.
RESAGEBURB_GROUPS = {
    "pop_total": "POBTOT",
    "born_other_state": "PNACOE",
    "resident_other_state_2015": "PRESOE15",
    "pop_5plus": "P_5YMAS",
    "indigenous_lang": "P3YM_HLI",
    "pop_3plus": "P_3YMAS",
    "indigenous_household": "PHOG_IND",
    "afro": "POB_AFRO",
    "pea": "PEA",
    "pop_12plus": "P_12YMAS",
    "no_health_service": "PSINDER",
    "disability": "PCON_DISC",
    "pop_65plus": "POB65_MAS",
}

#: Named Mexican group → (numerator mnemonic, denominator column, denominator mnemonic).
NAMED_GROUPS_MX = {
    "born_elsewhere": ("PNACOE", "pop_total", "POBTOT"),
    "moved_since_2015": ("PRESOE15", "pop_5plus", "P_5YMAS"),
    "indigenous_language": ("P3YM_HLI", "pop_3plus", "P_3YMAS"),
    "afro_mexican": ("POB_AFRO", "pop_total", "POBTOT"),
}

#: CONAPO marginalisation grades, lowest to highest.
GM_GRADES = ("Muy bajo", "Bajo", "Medio", "Alto", "Muy alto")
HIGH_GRADES = frozenset({"Alto", "Muy alto"})

# --------------------------------------------------------------------------------------------
# AGEB polygons
# --------------------------------------------------------------------------------------------


def read_agebs(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    municipios: Iterable[str] | None = None,
    report: DropReport | None = None,
) -> gpd.GeoDataFrame:
    """Read INEGI Marco Geoestadístico urban AGEB polygons.

    Parameters
    ----------
    path
        ``.shp`` (e.g. ``02a.shp``), ``.zip``, ``.gpkg`` or ``.geojson`` of urban AGEBs.
    layer
        GeoPackage layer (default: the first).
    municipios
        5-digit municipio keys (ENT + MUN) to keep; others are recorded as ``outside_region``.
    report
        Drop report (ids ``"MX:<CVEGEO>"``).

    Returns
    -------
    GeoDataFrame
        ``CVEGEO`` first (built from ``CVE_ENT+CVE_MUN+CVE_LOC+CVE_AGEB`` when absent), then the
        source columns, in the source CRS (INEGI's Lambert conformal conic on ITRF2008, which
        pyproj matches to EPSG:6372).

    Raises
    ------
    DataSourceError, CRSError, SchemaError, GeometryError
        As for :func:`binational.io.us_census.read_tracts`.
    """
    municipios = normalise_municipios(municipios)
    gdf = read_vector(path, layer=layer)
    cols = {str(c).strip().upper(): c for c in gdf.columns}
    if "CVEGEO" in cols:
        cvegeo = _cvegeo(gdf[cols["CVEGEO"]])
    elif all(k in cols for k in ("CVE_ENT", "CVE_MUN", "CVE_LOC", "CVE_AGEB")):
        cvegeo = (
            _pad(gdf[cols["CVE_ENT"]], 2)
            + _pad(gdf[cols["CVE_MUN"]], 3)
            + _pad(gdf[cols["CVE_LOC"]], 4)
            + _pad(gdf[cols["CVE_AGEB"]], 4)
        )
    else:
        raise SchemaError(
            f"{path}: no AGEB key: expected CVEGEO or CVE_ENT+CVE_MUN+CVE_LOC+CVE_AGEB columns"
        )
    cvegeo = _validate_cvegeo(cvegeo, path)
    check_unique(cvegeo, key="CVEGEO", path=path)
    gdf = gdf.drop(columns=[c for c in gdf.columns if str(c).strip().upper() == "CVEGEO"])
    gdf.insert(0, "CVEGEO", cvegeo.to_numpy())
    gdf = _filter_municipios(
        gdf, gdf["CVEGEO"], municipios, layer=LAYER_AGEBS, path=path, report=report
    )
    gdf = clean_geometries(
        gdf,
        ids=pd.Series(_uids(gdf["CVEGEO"]), index=gdf.index),
        layer=LAYER_AGEBS,
        path=path,
        report=report,
    )
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source_path"] = str(path)
    return gdf


# --------------------------------------------------------------------------------------------
# RESAGEBURB
# --------------------------------------------------------------------------------------------

_ROW_KINDS = {
    "entity_total": "entity (or national) total rows (MUN 000)",
    "municipio_total": "'Total del municipio' rows (LOC 0000)",
    "locality_total": "'Total de la localidad urbana' rows (AGEB 0000)",
    "block": (
        "block (manzana) rows (MZA != 000); each AGEB's figures come from its "
        "'Total AGEB urbana' row (MZA 000), so blocks are never summed"
    ),
}


def read_resageburb(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    municipios: Iterable[str] | None = None,
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read the AGEB-total rows of an INEGI RESAGEBURB 2020 table.

    Parameters
    ----------
    path
        ``.csv``, ``.csv.gz``, ``.csv.bz2`` or INEGI's ``RESAGEBURB_<ee>_2020_csv.zip`` (the
        data CSV inside its ``conjunto_de_datos`` folder is found).
    encoding
        Text encoding; default: detected (utf-8-sig, utf-8, cp1252, latin-1).
    municipios
        5-digit municipio keys to keep (others recorded as ``outside_region``).
    report
        Drop report: one ``summary_row`` record per kind of non-AGEB row (with its count), and
        one ``suppressed_values_flagged`` record per AGEB with suppressed cells.

    Returns
    -------
    DataFrame
        Indexed by ``CVEGEO``; key and name columns (upper case: ``ENTIDAD, NOM_ENT, MUN,
        NOM_MUN, LOC, NOM_LOC, AGEB, MZA``), every census variable as float (NaN where
        suppressed), ``n_suppressed`` and ``<VAR>_suppressed`` flags (see module docstring).
        ``attrs``: ``encoding``, ``suppression_codes`` (count per code), ``row_kinds``.
    """
    municipios = normalise_municipios(municipios)
    text, enc = read_text(path, encoding=encoding, prefer="conjunto_de_datos")
    df = read_csv_text(text, path=path)
    df = _inegi_keys(df, ("ENTIDAD", "MUN", "LOC", "AGEB", "MZA"), path)
    kind = np.select(
        [df["MUN"] == "000", df["LOC"] == "0000", df["AGEB"] == "0000", df["MZA"] != "000"],
        ["entity_total", "municipio_total", "locality_total", "block"],
        default="ageb",
    )
    counts = pd.Series(kind).value_counts()
    for name, label in _ROW_KINDS.items():
        n = int(counts.get(name, 0))
        if n:
            note(
                report,
                LAYER_RESAGEBURB,
                [name],
                drops.SUMMARY_ROW,
                f"{n:,} {label} ({Path(path).name})",
            )
    ageb = df.loc[kind == "ageb"].copy()
    if "NOM_LOC" in ageb.columns:
        odd = ~ageb["NOM_LOC"].str.strip().str.lower().str.startswith("total ageb")
        if odd.any():
            log.warning(
                "%s: %d AGEB-total rows (MZA 000) whose NOM_LOC is not 'Total AGEB urbana'",
                path,
                int(odd.sum()),
            )
    cvegeo = _validate_cvegeo(ageb["ENTIDAD"] + ageb["MUN"] + ageb["LOC"] + ageb["AGEB"], path)
    check_unique(cvegeo, key="CVEGEO (AGEB-total rows)", path=path)
    ageb.index = pd.Index(cvegeo.to_numpy(), name="CVEGEO")
    ageb = _filter_municipios(
        ageb, ageb.index.to_series(), municipios, layer=LAYER_RESAGEBURB, path=path, report=report
    )
    if "POBTOT" not in ageb.columns:
        raise SchemaError(f"{path}: column POBTOT (total population) is missing")

    variables = [c for c in ageb.columns if c not in _TEXT_COLUMNS]
    values, supp, cells = _numeric_columns(ageb, variables, path)
    n_supp = supp.sum(axis=1).astype("int64")
    flagged = [c for c in variables if supp[c].any()]
    flags = supp[flagged].add_suffix("_suppressed")
    keys = [c for c in ageb.columns if c in _TEXT_COLUMNS]
    out = pd.concat(
        [ageb[keys].astype("str"), values, n_supp.rename("n_suppressed"), flags], axis=1
    )

    rows = np.flatnonzero(n_supp.to_numpy() > 0)
    if len(rows):
        mask = supp.to_numpy()
        for r in rows:
            names = [variables[j] for j in np.flatnonzero(mask[r])]
            note(
                report,
                LAYER_RESAGEBURB,
                _uids([out.index[r]]),
                drops.SUPPRESSED,
                f"{len(names)} of {len(variables)} variables suppressed (*, N/D): "
                + ", ".join(names[:6])
                + (", ..." if len(names) > 6 else ""),
            )
    code_counts = pd.Series(cells[supp.to_numpy()]).value_counts()
    out.attrs.update(
        source_path=str(path),
        encoding=enc,
        suppression_codes={str(k): int(v) for k, v in code_counts.items()},
        row_kinds={str(k): int(v) for k, v in counts.items()},
        variables=variables,
    )
    return out


# --------------------------------------------------------------------------------------------
# CONAPO IMU 2020
# --------------------------------------------------------------------------------------------


def _grades(values: pd.Series, path) -> pd.Series:
    lookup = {g.lower(): g for g in GM_GRADES}
    text = values.astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    empty = text.isna() | text.isin(["", "na", "n/d", "nan"])
    unknown = ~empty & ~text.isin(list(lookup))
    if unknown.any():
        raise SchemaError(
            f"{path}: unknown marginalisation grade(s) {sorted(set(values[unknown]))[:5]} in "
            f"GM_2020 (expected {', '.join(GM_GRADES)})"
        )
    mapped = text.map(lookup).where(~empty)
    return pd.Series(
        pd.Categorical(mapped, categories=list(GM_GRADES), ordered=True), index=values.index
    )


def read_conapo_imu(
    path: str | os.PathLike,
    *,
    municipios: Iterable[str] | None = None,
    report: DropReport | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read CONAPO's Índice de Marginación Urbana 2020 by AGEB.

    Parameters
    ----------
    path
        CSV (``.gz``/``.bz2``/``.zip`` allowed) with ``CVE_AGEB`` (13-character CVEGEO; or
        ``CVEGEO``, or ``ENT+MUN+LOC+AGEB``), ``POB_TOTAL``, indicator percentages,
        ``IM_2020``, ``GM_2020``, ``IMN_2020``.
    municipios
        5-digit municipio keys to keep (others recorded as ``outside_region``).
    report
        Drop report.
    encoding
        Text encoding (default: detected).

    Returns
    -------
    DataFrame
        Indexed by ``CVEGEO``; numbers as float, ``GM_2020`` as an ordered categorical
        (:data:`GM_GRADES`), plus ``high_marginalization`` (``POB_TOTAL`` where ``GM_2020`` is
        "Alto" or "Muy alto", 0 otherwise, NaN without a grade).
    """
    municipios = normalise_municipios(municipios)
    text, enc = read_text(path, encoding=encoding)
    df = read_csv_text(text, path=path)
    df = df.rename(columns=lambda c: str(c).strip().upper())
    if "CVE_AGEB" in df.columns and df["CVE_AGEB"].str.strip().str.len().max() > 4:
        cvegeo = _cvegeo(df["CVE_AGEB"])
    elif "CVEGEO" in df.columns:
        cvegeo = _cvegeo(df["CVEGEO"])
    elif all(k in df.columns for k in ("ENT", "MUN", "LOC", "AGEB")):
        cvegeo = _pad(df["ENT"], 2) + _pad(df["MUN"], 3) + _pad(df["LOC"], 4) + _pad(df["AGEB"], 4)
    else:
        raise SchemaError(f"{path}: no AGEB key: expected CVE_AGEB (13 characters) or CVEGEO")
    cvegeo = _validate_cvegeo(cvegeo, path)
    check_unique(cvegeo, key="CVE_AGEB", path=path)
    missing = [c for c in ("POB_TOTAL", "GM_2020") if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: column(s) {', '.join(missing)} missing (CONAPO IMU 2020)")
    df.index = pd.Index(cvegeo.to_numpy(), name="CVEGEO")
    df = _filter_municipios(
        df, df.index.to_series(), municipios, layer=LAYER_CONAPO, path=path, report=report
    )
    text_cols = {
        "CVE_AGEB",
        "CVEGEO",
        "ENT",
        "NOM_ENT",
        "MUN",
        "NOM_MUN",
        "LOC",
        "NOM_LOC",
        "AGEB",
        "GM_2020",
    }
    numeric = [c for c in df.columns if c not in text_cols]
    values, _, _ = _numeric_columns(df, numeric, path)
    out = df.drop(columns=numeric).astype("str")
    out[numeric] = values
    out = out[list(df.columns)]
    out["GM_2020"] = _grades(df["GM_2020"], path)
    high = out["GM_2020"].isin(HIGH_GRADES)
    out["high_marginalization"] = out["POB_TOTAL"].where(high, 0.0).where(out["GM_2020"].notna())
    out.attrs.update(source_path=str(path), encoding=enc)
    return out


def resageburb_named_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Named Mexican groups and their denominators from a RESAGEBURB AGEB table.

    Parameters
    ----------
    table
        What :func:`read_resageburb` returns (AGEB rows indexed by ``CVEGEO``, INEGI
        mnemonics, ``<VAR>_suppressed`` flags).

    Returns
    -------
    DataFrame
        Same index; for every group of :data:`NAMED_GROUPS_MX` whose variables are in the
        table: the count column (``born_elsewhere``, ``moved_since_2015``,
        ``indigenous_language``, ``afro_mexican``), its denominator column (``pop_total``,
        ``pop_5plus``, ``pop_3plus``) and ``<column>_suppressed`` (True where INEGI withheld
        the cell; the value is NaN there). ``attrs["denominators"]`` maps each group to its
        denominator column, ``attrs["missing"]`` each absent group to the reason.

    Raises
    ------
    SchemaError
        If ``POBTOT`` is missing, or a count exceeds its denominator (named AGEB and column).
    """
    path = table.attrs.get("source_path", "RESAGEBURB table")
    if "POBTOT" not in table.columns:
        raise SchemaError(f"{path}: column POBTOT is missing")
    cols: dict[str, pd.Series] = {}
    denominators: dict[str, str] = {}
    missing: dict[str, str] = {}

    def put(name: str, var: str) -> None:
        cols[name] = table[var].astype(float)
        flag = f"{var}_suppressed"
        cols[f"{name}_suppressed"] = (
            table[flag].astype(bool) if flag in table.columns else cols[name].isna()
        )

    for group, (var, base_col, base_var) in NAMED_GROUPS_MX.items():
        absent = [v for v in (var, base_var) if v not in table.columns]
        if absent:
            missing[group] = f"{path}: no column {', '.join(absent)}"
            log.info("%s: group %s not available (no %s)", path, group, ", ".join(absent))
            continue
        put(group, var)
        if base_col not in cols:
            put(base_col, base_var)
        over = cols[group] > cols[base_col]
        if over.any():
            raise SchemaError(
                f"{path}: {var} above {base_var} in AGEB(s) "
                f"{table.index[over.to_numpy()][:5].tolist()}"
            )
        denominators[group] = base_col
    out = pd.DataFrame(cols, index=table.index)
    out.attrs.update(source_path=str(path), denominators=denominators, missing=missing)
    return out
