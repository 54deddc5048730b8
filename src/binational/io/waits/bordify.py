"""The Bordify 10-minute wait series of the Tijuana and Tecate garitas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import _plausible
from ..._log import get_logger
from ...drops import DUPLICATE, DropReport
from .._files import (
    PathLike,
    check_file,
    column_error,
    read_source_csv,
    require_columns,
)
from ._frame import waits_frame

log = get_logger(__name__)

__all__ = ["GARITAS", "SERIES_LANES", "read_waits_series"]

# Bordify garita → (port code, CBP crossing id)
GARITAS = {
    "garita san ysidro": (2504, "250401"),
    "garita otay mesa": (2506, "250601"),
    "garita chaparral": (2504, "250407"),  # PedWest, pedestrians only
    "garita tecate": (2505, "250501"),
}
_PEDESTRIAN_ONLY_GARITAS = {"garita chaparral"}
SERIES_LANES = {
    ("vehicular", "general"): "general",
    ("vehicular", "sentri"): "sentri",
    ("vehicular", "readylane"): "ready",
    ("peatonal", "general"): "pedestrian",
    ("peatonal", "readylane"): "pedestrian_ready",
}


def _infer_modo(df: pd.DataFrame) -> pd.Series:
    """Infer Bordify ``modo`` from the row order within each snapshot and garita.

    Each snapshot lists a garita's vehicle lanes first (General, Sentri, ReadyLane), then its
    pedestrian lanes (General, ReadyLane): a row is pedestrian from the block's second
    ``General`` row on. Garita Chaparral (PedWest) is pedestrian only. On the shared files this
    rule reproduces the ``modo`` of every labelled snapshot.
    """
    block = (
        df["ultima_actualizacion_local"].astype(str) + "|" + df["garita"].astype(str)
    ).to_numpy()
    is_general = (df["tipo_carril"].str.strip().str.lower() == "general").astype(int)
    generals_so_far = is_general.groupby(block, sort=False).cumsum()
    modo = np.where(generals_so_far >= 2, "peatonal", "vehicular")
    chaparral = df["garita"].str.strip().str.lower().isin(_PEDESTRIAN_ONLY_GARITAS)
    return pd.Series(np.where(chaparral, "peatonal", modo), index=df.index)


def _localize_series(
    local: pd.Series, commit: pd.Series | None, tz: str
) -> tuple[pd.Series, pd.Series]:
    """Local wall clock → tz-aware; the hour repeated when DST ends is resolved by commit time.

    A page update cannot be later than the commit that recorded it (10 minutes' tolerance), so
    of the two readings of a repeated hour the later one that is not after the commit is kept.
    """
    n = len(local)
    dst = local.dt.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    std = local.dt.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    ambiguous = dst.notna() & std.notna() & (dst != std)
    out = dst.copy()
    if ambiguous.any():
        if commit is None:
            out[ambiguous] = pd.NaT
        else:
            limit = commit[ambiguous] + pd.Timedelta(minutes=10)
            use_std = std[ambiguous].dt.tz_convert("UTC") <= limit
            out[ambiguous] = std[ambiguous].where(use_std, dst[ambiguous])
    return out, ambiguous


@_plausible.checked_waits("waits_series")
def read_waits_series(
    path: PathLike,
    *,
    tz: str = "America/Tijuana",
    report: DropReport | None = None,
) -> pd.DataFrame:
    """Read the Bordify 10-minute wait series for Tijuana/Tecate garitas into the wait table.

    Columns used: ``ultima_actualizacion_local`` (update time, Tijuana local time), ``garita``,
    ``modo`` (``vehicular`` / ``peatonal``), ``tipo_carril`` (``General``, ``Sentri``,
    ``ReadyLane``), ``wait_minutes``, ``lanes_open`` and, to resolve the repeated hour when
    daylight saving ends, ``commit_time_utc``.

    - Garitas map to ports and CBP crossings (:data:`GARITAS`): San Ysidro 2504/250401,
      Otay Mesa 2506/250601, Chaparral = San Ysidro PedWest 2504/250407 (pedestrian), Tecate
      2505/250501. Rows of other garitas are dropped (reason ``unknown_garita``, logged as a
      warning).
    - ``modo`` is empty in the first snapshots (before 2025-03-14 09:43): it is inferred from the
      row order (:func:`_infer_modo`, which reproduces every labelled snapshot) and the rows are
      flagged (reason ``mode_inferred``).
    - Missing minutes (``"En espera..."`` or a closed lane) stay missing.

    Parameters
    ----------
    path
        The ``.csv.gz`` (or ``.csv``).
    tz
        Time zone of ``ultima_actualizacion_local`` (the page shows Tijuana time); ``time`` is
        returned in it.
    report
        Receives dropped and flagged rows.

    Returns
    -------
    pandas.DataFrame
        :data:`binational.schema.WAITS_COLUMNS`, northbound; ``month``, ``weekday``, ``hour``
        are the local clock.
    """
    path = Path(path)
    report = report if report is not None else DropReport()
    check_file(path, what="Bordify wait-time series")
    df = read_source_csv(path, what="Bordify wait-time series", dtype=str, keep_default_na=False)
    require_columns(
        df,
        ["ultima_actualizacion_local", "garita", "tipo_carril", "wait_minutes", "lanes_open"],
        path,
        "Bordify wait-time series",
    )
    if "modo" not in df.columns:
        df["modo"] = ""
    garita = df["garita"].str.strip().str.lower()
    known = garita.isin(GARITAS)
    if (~known).any():
        bad = sorted(df.loc[~known, "garita"].unique())
        report.add("waits_series", df.index[~known], "unknown_garita", f"{bad}; {path.name}")
        log.warning(
            "%s: dropped %d row(s) of unknown garita(s) %s", path.name, int((~known).sum()), bad
        )
    modo = df["modo"].str.strip().str.lower()
    blank = modo == ""
    if blank.any():
        blocks = df["ultima_actualizacion_local"].isin(df.loc[blank, "ultima_actualizacion_local"])
        modo = modo.where(~blank, _infer_modo(df[blocks]).reindex(df.index))
        report.add(
            "waits_series",
            df.index[blank & known],
            "mode_inferred",
            "modo empty in the file; inferred from row order",
        )
    lane_keys = {f"{m}|{t}": lane for (m, t), lane in SERIES_LANES.items()}
    lane = (modo + "|" + df["tipo_carril"].str.strip().str.lower()).map(lane_keys)
    bad_lane = lane.isna() & known
    if bad_lane.any():
        combos = sorted(
            {
                f"{m}/{t}"
                for m, t in zip(modo[bad_lane], df.loc[bad_lane, "tipo_carril"], strict=True)
            }
        )
        report.add("waits_series", df.index[bad_lane], "unknown_lane", f"{combos}; {path.name}")
        log.warning(
            "%s: dropped %d row(s) with unknown lane(s) %s", path.name, int(bad_lane.sum()), combos
        )
    keep = known & lane.notna()
    local = pd.to_datetime(
        df["ultima_actualizacion_local"].str.strip(), format="ISO8601", errors="coerce"
    )
    bad_t = local.isna() & keep
    if bad_t.any():
        raise column_error(
            path,
            "ultima_actualizacion_local",
            f"unreadable time(s) {df.loc[bad_t, 'ultima_actualizacion_local'].head(3).tolist()}",
        )
    commit = None
    if "commit_time_utc" in df.columns:
        commit = pd.to_datetime(
            df["commit_time_utc"].replace({"": None}), utc=True, errors="coerce"
        )
    when, ambiguous = _localize_series(local, commit, tz)
    if (ambiguous & keep).any():
        report.add(
            "waits_series",
            df.index[ambiguous & keep],
            "dst_ambiguous_resolved",
            "repeated hour at the end of daylight saving, resolved with commit_time_utc",
        )
    gap = when.isna() & keep
    if gap.any():
        report.add(
            "waits_series",
            df.index[gap],
            "nonexistent_local_time",
            "inside the spring-forward gap; dropped",
        )
        keep &= ~gap
    sel = df[keep]
    codes = garita[keep].map({g: v[0] for g, v in GARITAS.items()})
    cids = garita[keep].map({g: v[1] for g, v in GARITAS.items()})
    t = when[keep]
    out = waits_frame(
        {
            "port_code": codes.to_numpy(),
            "crossing_id": cids.to_numpy(),
            "lane": lane[keep].to_numpy(),
            "time": t.reset_index(drop=True),
            "month": t.dt.month.to_numpy(),
            "weekday": t.dt.day_of_week.to_numpy(),
            "hour": t.dt.hour.to_numpy(),
            "minutes": pd.to_numeric(
                sel["wait_minutes"].replace({"": None}), errors="coerce"
            ).to_numpy(),
            "lanes_open": pd.to_numeric(sel["lanes_open"].replace({"": None}), errors="coerce")
            .astype("Int64")
            .to_numpy(),
            "source": f"Bordify scrape, Brian-MadMath/border-wait-times ({path.name})",
        },
        int(keep.sum()),
        time_dtype=f"datetime64[ns, {tz}]",
    )
    dup = out.duplicated(subset=["crossing_id", "lane", "time"], keep="first")
    if dup.any():
        report.add(
            "waits_series", out.index[dup], DUPLICATE, f"same garita, lane and time; {path.name}"
        )
        out = out[~dup].reset_index(drop=True)
    out.attrs["duplicates_dropped"] = int(dup.sum())
    return out
