"""Shared INEGI table helpers: key columns and padding, CVEGEO checks, municipio filters and
suppressed cells (``*``, ``N/D``, ``NA``) turned into NaN with flags."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import drops, schema
from ..errors import SchemaError
from ._vector import note

#: Cell values meaning "withheld or not available" in INEGI tables.
SUPPRESSION_CODES = ("*", "N/D", "ND", "NA", "")

_KEY_ALIASES = {
    "CVE_ENT": "ENTIDAD",
    "ENT": "ENTIDAD",
    "CVE_MUN": "MUN",
    "CVE_LOC": "LOC",
    "CVE_AGEB": "AGEB",
    "CVE_MZA": "MZA",
}
_TEXT_COLUMNS = {"ENTIDAD", "NOM_ENT", "MUN", "NOM_MUN", "LOC", "NOM_LOC", "AGEB", "MZA", "CVEGEO"}
_CVEGEO_RX = r"\d{9}\d{3}[0-9A-Z]"


def _pad(values: pd.Series, width: int) -> pd.Series:
    """Component codes as zero-padded upper-case strings ('2' → '02', '5a' → '005A')."""
    s = values.astype("string").str.strip().str.upper().str.replace(r"\.0+$", "", regex=True)
    return s.str.zfill(width)


def _cvegeo(values: pd.Series) -> pd.Series:
    """13-character keys; only the entidad's leading zero, lost by a numeric read, is restored."""
    s = values.astype("string").str.strip().str.upper().str.replace(r"\.0+$", "", regex=True)
    return s.where(s.str.len() != 12, "0" + s)


def normalise_municipios(municipios: Iterable[str] | None) -> tuple[str, ...] | None:
    if municipios is None:
        return None
    if isinstance(municipios, str):
        municipios = [municipios]
    out = tuple(str(m).strip().zfill(5) for m in municipios)
    bad = [m for m in out if not (len(m) == 5 and m.isdigit())]
    if bad:
        raise SchemaError(f"municipios must be 5-digit INEGI keys (entidad + municipio), got {bad}")
    return out


def _uids(codes: Iterable[str]) -> list[str]:
    return [schema.unit_id(schema.MX, c) for c in codes]


def _validate_cvegeo(cvegeo: pd.Series, path) -> pd.Series:
    ok = cvegeo.str.fullmatch(_CVEGEO_RX).fillna(False)
    if not ok.all():
        bad = cvegeo[~ok].astype(object).head(5).tolist()
        lengths = set(cvegeo[~ok].str.len().dropna().astype(int))
        hint = (
            " (9-character keys are rural AGEBs: ENT+MUN+AGEB; binational reads urban AGEBs)"
            if lengths == {9}
            else ""
        )
        raise SchemaError(
            f"{path}: {int((~ok).sum())} CVEGEO value(s) are not 13-character urban AGEB keys "
            f"(ENT 2 + MUN 3 + LOC 4 + AGEB 4), e.g. {bad}{hint}"
        )
    return cvegeo.astype(str)


def _filter_municipios(
    df: pd.DataFrame, keys: pd.Series, municipios, *, layer: str, path, report
) -> pd.DataFrame:
    if municipios is None:
        return df
    inside = keys.str[:5].isin(municipios).to_numpy()
    note(
        report,
        layer,
        _uids(keys[~inside]),
        drops.OUTSIDE_REGION,
        f"municipio not in {', '.join(municipios)} ({Path(path).name})",
    )
    return df.loc[inside]


def _numeric_columns(
    df: pd.DataFrame, columns: list[str], path
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Numbers of ``columns``: (values with NaN for suppression codes, code mask, cell text)."""
    if not columns:
        empty = pd.DataFrame(index=df.index)
        return empty, empty, np.empty((len(df), 0), dtype=str)
    raw = df[columns].fillna("").to_numpy(dtype=object).astype(str)
    text = np.char.upper(np.char.strip(raw))
    codes = np.isin(text, SUPPRESSION_CODES)
    flat = pd.to_numeric(pd.Series(text.ravel(), dtype=object), errors="coerce")
    values = flat.to_numpy(dtype="float64").reshape(text.shape)
    bad = np.isnan(values) & ~codes
    if bad.any():
        col = np.argwhere(bad)[0][1]
        examples = text[bad[:, col], col][:3].tolist()
        raise SchemaError(f"{path}: column {columns[col]!r} has non-numeric value(s) {examples}")
    return (
        pd.DataFrame(values, index=df.index, columns=columns),
        pd.DataFrame(codes, index=df.index, columns=columns),
        text,
    )


def _inegi_keys(df: pd.DataFrame, required: tuple[str, ...], path) -> pd.DataFrame:
    """Upper-case column names, key aliases resolved, key codes zero-padded."""
    df = df.rename(columns=lambda c: str(c).strip().upper())
    df = df.rename(columns={k: v for k, v in _KEY_ALIASES.items() if v not in df.columns})
    missing = [k for k in required if k not in df.columns]
    if missing:
        raise SchemaError(
            f"{path}: missing key column(s) {', '.join(missing)} (INEGI names "
            f"{', '.join(required)}, or lower-case cve_ent/cve_mun/cve_loc/ageb/mza)"
        )
    widths = {"ENTIDAD": 2, "MUN": 3, "LOC": 4, "AGEB": 4, "MZA": 3}
    for key, width in widths.items():
        if key in df.columns:
            df[key] = _pad(df[key], width)
    return df
