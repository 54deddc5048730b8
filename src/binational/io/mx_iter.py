"""INEGI ITER 2020 municipio totals and the municipio-level migrant composition they give.

:func:`read_iter` is also importable from :mod:`binational.io.mx_census`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import drops
from ..drops import DropReport
from ..errors import SchemaError
from ._inegi import _TEXT_COLUMNS, _inegi_keys, _numeric_columns, normalise_municipios
from ._vector import check_unique, note, read_csv_text, read_text

__all__ = ["LAYER_ITER", "iter_composition", "read_iter"]

LAYER_ITER = "mx_iter"


def read_iter(
    path: str | os.PathLike,
    *,
    municipios: Iterable[str] | None = None,
    report: DropReport | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read INEGI ITER 2020 municipio totals.

    Parameters
    ----------
    path
        An ITER table: either one row per municipio (``ENTIDAD``, ``MUN``, ...) or INEGI's
        locality file (``ITER_<ee>CSV20.csv``), whose municipio-total rows (``LOC == 0000``)
        are kept and whose entity-total and locality rows are recorded as ``summary_row``.
    municipios
        5-digit municipio keys to keep.
    report
        Drop report.
    encoding
        Text encoding (default: detected).

    Returns
    -------
    DataFrame
        Indexed by ``CVE`` (5-digit ENT + MUN); INEGI's columns, numbers as float (``*`` and
        ``N/D`` → NaN).
    """
    municipios = normalise_municipios(municipios)
    text, enc = read_text(path, encoding=encoding)
    df = read_csv_text(text, path=path)
    df = _inegi_keys(df, ("ENTIDAD", "MUN"), path)
    keep = (df["MUN"] != "000").to_numpy()
    if "LOC" in df.columns:
        is_mun = (df["LOC"] == "0000").to_numpy()
        n_loc = int((keep & ~is_mun).sum())
        if n_loc:
            note(
                report,
                LAYER_ITER,
                ["locality"],
                drops.SUMMARY_ROW,
                f"{n_loc:,} locality rows (LOC != 0000) not used",
            )
        keep &= is_mun
    n_ent = int((df["MUN"] == "000").sum())
    if n_ent:
        note(
            report,
            LAYER_ITER,
            ["entity_total"],
            drops.SUMMARY_ROW,
            f"{n_ent:,} entity/national total rows (MUN 000) not used",
        )
    df = df.loc[keep]
    cve = df["ENTIDAD"] + df["MUN"]
    bad = ~cve.str.fullmatch(r"\d{5}").fillna(False)
    if bad.any():
        raise SchemaError(f"{path}: malformed ENTIDAD/MUN keys, e.g. {cve[bad].head(3).tolist()}")
    check_unique(cve, key="municipio key (ENTIDAD+MUN)", path=path)
    df.index = pd.Index(cve.to_numpy(), name="CVE")
    if municipios is not None:
        inside = df.index.isin(municipios)
        note(
            report,
            LAYER_ITER,
            df.index[~inside],
            drops.OUTSIDE_REGION,
            f"not in {', '.join(municipios)}",
        )
        df = df.loc[inside]
    numeric = [c for c in df.columns if c not in _TEXT_COLUMNS and not c.startswith("NOM_")]
    values, _, _ = _numeric_columns(df, numeric, path)
    out = df.drop(columns=numeric).astype("str")
    out[numeric] = values
    out = out[list(df.columns)]
    out.attrs.update(source_path=str(path), encoding=enc)
    return out


def iter_composition(iter_table: pd.DataFrame) -> pd.DataFrame:
    """Municipio-level migrant composition from an ITER table (:func:`read_iter`).

    Parameters
    ----------
    iter_table
        Municipio rows indexed by ``CVE`` with ``POBTOT``, ``PNACOE`` and ``PRESOE15``
        (``P_5YMAS`` when present).

    Returns
    -------
    DataFrame
        One row per municipio: ``municipio``, ``name``, ``pop_total``, ``born_elsewhere``
        (PNACOE), ``born_elsewhere_share`` (PNACOE / POBTOT), ``moved_since_2015``
        (PRESOE15), ``moved_since_2015_share`` and ``moved_since_2015_base`` (the denominator's
        mnemonic: ``P_5YMAS`` when the table has it, else ``POBTOT``: the ITER extract in the
        shared data has no ``P_5YMAS``, so the share is of the whole population and slightly
        understates the share of people aged 5 and over), ``source``. A municipio total gives
        no index: there is one unit per municipio, not a distribution over AGEBs.

    Raises
    ------
    SchemaError
        If ``POBTOT``, ``PNACOE`` or ``PRESOE15`` is missing.
    """
    path = iter_table.attrs.get("source_path", "ITER table")
    missing = [c for c in ("POBTOT", "PNACOE", "PRESOE15") if c not in iter_table.columns]
    if missing:
        raise SchemaError(f"{path}: ITER column(s) {', '.join(missing)} missing")
    pop = iter_table["POBTOT"].astype(float)
    base_name = "P_5YMAS" if "P_5YMAS" in iter_table.columns else "POBTOT"
    base = iter_table[base_name].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "municipio": iter_table.index.astype(str),
                "name": iter_table["NOM_MUN"].astype(str)
                if "NOM_MUN" in iter_table.columns
                else iter_table.index.astype(str),
                "pop_total": pop.to_numpy(),
                "born_elsewhere": iter_table["PNACOE"].to_numpy(float),
                "born_elsewhere_share": (iter_table["PNACOE"] / pop.where(pop > 0)).to_numpy(),
                "moved_since_2015": iter_table["PRESOE15"].to_numpy(float),
                "moved_since_2015_share": (
                    iter_table["PRESOE15"] / base.where(base > 0)
                ).to_numpy(),
                "moved_since_2015_base": base_name,
                "source": f"INEGI Censo 2020, ITER municipio totals ({Path(path).name})",
            }
        )
    for col in ("born_elsewhere_share", "moved_since_2015_share"):
        bad = out[col] > 1
        if bad.any():
            raise SchemaError(
                f"{path}: {col} above 1 for municipio(s) {out.loc[bad, 'municipio'].tolist()}"
            )
    out.attrs["source_path"] = str(path)
    return out.reset_index(drop=True)
